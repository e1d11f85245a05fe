//! The project chip: a human name for the project root.

use std::path::Path;

/// The project's name: `[project].name` from `pyproject.toml`, else
/// `[package].name` from `Cargo.toml`, else `name` from `package.json`, else
/// the directory name. Unreadable or malformed files are skipped.
pub fn project_name(root: &Path) -> String {
    let from_toml = |file: &str, table: &str| -> Option<String> {
        let text = std::fs::read_to_string(root.join(file)).ok()?;
        let doc: toml::Table = text.parse().ok()?;
        let name = doc.get(table)?.as_table()?.get("name")?.as_str()?.trim().to_string();
        (!name.is_empty()).then_some(name)
    };
    let from_package_json = || -> Option<String> {
        let text = std::fs::read_to_string(root.join("package.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let name = v.get("name")?.as_str()?.trim().to_string();
        (!name.is_empty()).then_some(name)
    };
    from_toml("pyproject.toml", "project")
        .or_else(|| from_toml("Cargo.toml", "package"))
        .or_else(from_package_json)
        .unwrap_or_else(|| root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| root.display().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_sources_in_order() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("myproj");
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(project_name(&dir), "myproj");
        std::fs::write(dir.join("package.json"), r#"{"name": "from-npm"}"#).unwrap();
        assert_eq!(project_name(&dir), "from-npm");
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"from-cargo\"\n").unwrap();
        assert_eq!(project_name(&dir), "from-cargo");
        std::fs::write(dir.join("pyproject.toml"), "[project]\nname = \"  \"\n").unwrap();
        assert_eq!(project_name(&dir), "from-cargo");
        std::fs::write(dir.join("pyproject.toml"), "[project]\nname = \"shop\"\n").unwrap();
        assert_eq!(project_name(&dir), "shop");
        std::fs::write(dir.join("pyproject.toml"), "garbage [[[").unwrap();
        assert_eq!(project_name(&dir), "from-cargo");
    }
}
