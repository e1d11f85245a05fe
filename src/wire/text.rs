//! Display and quoting rules shared by the server and the browser: scopes
//! relative to the project root, stage and tier labels, byte sizes, POSIX
//! shell quoting.

/// A scope path for display: relative to the project root when inside it
/// (`.` for the root itself), else as is.
pub fn display_scope(path: &str, root: &str) -> String {
    let root = root.trim_end_matches('/');
    if path == root {
        return ".".into();
    }
    match path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
        Some(rel) if !root.is_empty() => rel.to_string(),
        _ => path.to_string(),
    }
}

/// The label of a stage chip: every `agent-` removed, `-`/`_` to spaces,
/// title case (the reference's rule).
pub fn stage_label(stage: &str) -> String {
    let cleaned = stage.replace("agent-", "").replace(['-', '_'], " ");
    cleaned
        .split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The human label of a tier: cheap → Light, capable → Standard, premium → Deep.
pub fn tier_label(tier: &str) -> String {
    match tier.to_lowercase().as_str() {
        "cheap" => "Light".into(),
        "capable" => "Standard".into(),
        "premium" => "Deep".into(),
        _ => tier.to_string(),
    }
}

/// The tooltip of a tier chip.
pub fn tier_tooltip(tier: &str) -> String {
    match tier.to_lowercase().as_str() {
        "cheap" => "Light tier — fast, lowest cost. Uses Haiku.".into(),
        "capable" => "Standard tier — balanced quality and cost. Uses Sonnet.".into(),
        "premium" => "Deep tier — highest quality, slowest, most expensive. Uses Opus.".into(),
        _ => tier.to_string(),
    }
}

/// `1.5 MB` (decimal units).
pub fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < U.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// POSIX `shlex.quote`, for "copy run command" and the `$ command` log line.
pub fn shell_quote(arg: &str) -> String {
    if arg.is_empty() {
        return "''".into();
    }
    let safe = arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if safe {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\"'\"'"))
    }
}

/// `shell_quote` each element and join with spaces.
pub fn shell_join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter().map(|a| shell_quote(a.as_ref())).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_labels_follow_the_reference() {
        assert_eq!(stage_label("agent-review"), "Review");
        assert_eq!(stage_label("parallel-validation"), "Parallel Validation");
        assert_eq!(stage_label("agent-agent-x_y"), "X Y");
        assert_eq!(tier_label("CAPABLE"), "Standard");
        assert_eq!(tier_label("weird"), "weird");
    }

    #[test]
    fn scopes_display_relative() {
        assert_eq!(display_scope("/p/src/a", "/p"), "src/a");
        assert_eq!(display_scope("/p", "/p/"), ".");
        assert_eq!(display_scope("/p2/x", "/p"), "/p2/x");
        assert_eq!(display_scope("/q/x", "/p"), "/q/x");
    }

    #[test]
    fn shell_quote_matches_python_shlex() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("--path"), "--path");
        assert_eq!(shell_quote("/a/b c"), "'/a/b c'");
        assert_eq!(shell_quote("it's"), "'it'\"'\"'s'");
        assert_eq!(shell_join(&["a", "b c"]), "a 'b c'");
    }
}
