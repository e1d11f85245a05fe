//! The reference Python dashboard, when it is installed beside us: a venv
//! made with `python3 -m venv ~/.cache/attune-ref && ~/.cache/attune-ref/bin/pip
//! install 'attune-ai[ops]==16.4.0' radon` (or `ATTUNE_REF_VENV`), or an
//! unpacked wheel on `ATTUNE_REF_PYTHONPATH` for its readers alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

pub struct Reference {
    python: PathBuf,
    pythonpath: Option<PathBuf>,
    attune: Option<PathBuf>,
}

impl Reference {
    pub fn find() -> Option<Reference> {
        let venv = std::env::var_os("ATTUNE_REF_VENV")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/attune-ref")))
            .filter(|v| v.join("bin/python").is_file());
        if let Some(v) = venv {
            let attune = Some(v.join("bin/attune")).filter(|a| a.is_file());
            return Some(Reference { python: v.join("bin/python"), pythonpath: None, attune });
        }
        let pp = std::env::var_os("ATTUNE_REF_PYTHONPATH").map(PathBuf::from).filter(|p| p.join("attune").is_dir())?;
        Some(Reference { python: "python3".into(), pythonpath: Some(pp), attune: None })
    }

    /// The `attune` command (its `ops` subcommand is the server).
    pub fn server(&self) -> Option<&Path> {
        self.attune.as_deref()
    }

    /// `python -c script` with the reference importable.
    pub fn python(&self, script: &str) -> Command {
        let mut c = Command::new(&self.python);
        c.args(["-c", script]);
        if let Some(pp) = &self.pythonpath {
            c.env("PYTHONPATH", pp);
        }
        c
    }

    /// The reference's session listing (all sessions of 30 days) timed in
    /// one process: cold, then after one line was appended to `changed`.
    /// It keeps no cache, so the second figure is a whole listing again.
    pub fn sessions_twice(&self, root: &Path, user_home: &Path, changed: &Path) -> Result<(Option<f64>, Option<f64>)> {
        let script = format!(
            "import os,time\nos.environ['HOME']={home:?}\nfrom attune.ops import data\nt=time.perf_counter();data.list_recent_sessions({root:?},days=30,limit=None);a=time.perf_counter()-t\nopen({changed:?},'a').write('{{\"type\":\"user\",\"timestamp\":\"2026-11-30T11:00:00Z\",\"content\":\"again\"}}\\n')\nt=time.perf_counter();data.list_recent_sessions({root:?},days=30,limit=None);print(a,time.perf_counter()-t)",
            home = user_home.display().to_string(),
            root = root.display().to_string(),
            changed = changed.display().to_string(),
        );
        let out = self.python(&script).env("HOME", user_home).output()?;
        let txt = String::from_utf8_lossy(&out.stdout);
        let mut it = txt.split_whitespace().map(|x| x.parse::<f64>().ok());
        Ok((it.next().flatten(), it.next().flatten()))
    }
}
