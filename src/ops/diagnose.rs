//! "Why did this fail?": a failed run's diagnosis is a run of its own,
//! named `diagnose` and triggered `attune-heal` — the registry's `diagnose`
//! command when `.attune/workflows.toml` has one, else `attune diagnose`
//! from the attune CLI — with the failed run's id as its last argument. It
//! streams like any run; what it concludes is read back from the diagnosis
//! stream (`crate::diagnosis`).

use std::collections::HashSet;
use std::sync::Arc;

use super::Ops;
use crate::diagnosis::{self, HEAL_TRIGGER};
use crate::runner::{Run, StartRequest};
use crate::wire::RunStatus;

/// Why a diagnosis was not started (the reference's messages).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DiagnoseError {
    #[error("workflow execution is disabled; restart attune-ops with --allow-run")]
    Disabled,
    #[error("run not found")]
    NotFound,
    #[error("only terminal FAILED runs can be diagnosed")]
    NotFailed,
    #[error("diagnostic self-records are not diagnosable")]
    SelfRecord,
    #[error("nothing here can diagnose a run: install the attune CLI, or add a `diagnose` workflow to .attune/workflows.toml")]
    Unavailable,
    #[error("the dashboard is shutting down")]
    ShuttingDown,
}

impl DiagnoseError {
    pub fn status(&self) -> u16 {
        match self {
            DiagnoseError::Disabled => 403,
            DiagnoseError::NotFound => 404,
            DiagnoseError::Unavailable | DiagnoseError::ShuttingDown => 503,
            _ => 400,
        }
    }
}

/// What asking for a diagnosis did.
pub enum Diagnosed {
    /// The run already has one (its newest id): nothing is started.
    Existing(String),
    Started(Arc<Run>),
}

impl Ops {
    /// The command a diagnosis runs, before the failed run's id.
    pub(super) fn diagnose_command(&self) -> Option<Vec<String>> {
        if let Some(w) = self.registry.get().get(diagnosis::WORKFLOW) {
            return Some(w.command.clone());
        }
        diagnosis::on_path("attune").map(|p| vec![p.display().to_string(), "diagnose".to_string()])
    }

    /// `POST /runs/{id}/diagnose`.
    pub fn diagnose(&self, id: &str) -> Result<Diagnosed, DiagnoseError> {
        if !self.config.allow_run {
            return Err(DiagnoseError::Disabled);
        }
        if !crate::ids::is_run_id(id) {
            return Err(DiagnoseError::NotFound);
        }
        let info = self.run(id).ok_or(DiagnoseError::NotFound)?.info();
        if info.status != RunStatus::Failed {
            return Err(DiagnoseError::NotFailed);
        }
        if info.trigger.as_deref() == Some(HEAL_TRIGGER) {
            return Err(DiagnoseError::SelfRecord);
        }
        if let Some(d) = diagnosis::for_run(&self.config.attune_home, id).pop() {
            return Ok(Diagnosed::Existing(d.diagnosis_id));
        }
        let mut argv = self.diagnose_command().ok_or(DiagnoseError::Unavailable)?;
        argv.push(id.to_string());
        let known: HashSet<String> = self.registry.get().names().into_iter().collect();
        self.runner
            .start(StartRequest {
                workflow: diagnosis::WORKFLOW.to_string(),
                argv,
                path: None,
                trigger: Some(HEAL_TRIGGER.to_string()),
                source_run_id: Some(id.to_string()),
                source_workflow: Some(info.workflow),
                known_workflows: Arc::new(known),
            })
            .map(Diagnosed::Started)
            .map_err(|_| DiagnoseError::ShuttingDown)
    }
}
