//! Workflows: the registry's workflows, their stages and scopes, features,
//! registry errors, and the Workflows page.

use serde::{Deserialize, Serialize};

use super::RunInfo;

/// One stage of a workflow's stage map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    /// `cheap`, `capable` or `premium` (any other value is shown as is).
    #[serde(default)]
    pub tier: Option<String>,
}

/// How a workflow takes a scope on its command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeSpec {
    pub flag: String,
    #[serde(default)]
    pub required: bool,
}

/// A registry workflow as the Workflows page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowInfo {
    pub name: String,
    pub description: String,
    pub stages: Vec<Stage>,
    pub tags: Vec<String>,
    /// `None`: the workflow takes no scope.
    pub scope: Option<ScopeSpec>,
    /// The path of the feature named like the workflow, or "".
    pub default_scope: String,
    /// The registry command (argv), for "copy run command".
    pub command: Vec<String>,
}

/// A feature from `.help/features.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    pub name: String,
    pub description: String,
    pub path: Option<String>,
    pub tags: Vec<String>,
}

/// A problem with the registry file, located precisely.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistryError {
    /// The file, relative to the project root.
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The Workflows page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowsData {
    pub workflows: Vec<WorkflowInfo>,
    pub features: Vec<Feature>,
    /// Where the registry came from, for the page header.
    pub registry_source: String,
    pub registry_errors: Vec<RegistryError>,
    /// Problems reading `.help/features.yaml` (the picker still works).
    pub features_warning: Option<String>,
    pub allow_run: bool,
    pub project_root: String,
    /// Recent runs per workflow (newest first, at most 5 each).
    pub recent: Vec<RunInfo>,
    /// The discovery sweep's chips for its default scope, when the registry
    /// has that workflow.
    #[serde(default)]
    pub sweep_chips: Option<super::SweepChips>,
}
