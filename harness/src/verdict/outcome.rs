//! How one feature fared in one run: the cells of the feature-by-run grid.

use serde::Serialize;

use crate::history::{RunRecord, TestOutcome};

/// One feature in one run. Ordered by severity, so the worst of a feature's tests is the max.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// No test of the feature ran.
    Absent,
    Pass,
    /// Every test passed, some only on a retry.
    Flaky,
    /// A test failed because the network did; no evidence either way.
    Infra,
    Fail,
}

impl RunOutcome {
    /// Whether the run says something about the feature itself.
    pub const fn is_conclusive(self) -> bool {
        matches!(self, Self::Pass | Self::Flaky | Self::Fail)
    }

    /// Whether the feature's tests all passed in the end.
    pub const fn is_green(self) -> bool {
        matches!(self, Self::Pass | Self::Flaky)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Pass => "pass",
            Self::Flaky => "flaky",
            Self::Infra => "infra",
            Self::Fail => "fail",
        }
    }
}

/// The worst outcome among the feature's tests in `run`. When a check of the network itself
/// failed in the run (a node died under the tests), the feature's failures are blamed on it.
pub fn feature_outcome(run: &RunRecord, feature: &str) -> RunOutcome {
    let network_failed = run.tests.iter().any(|t| t.features.is_empty() && t.outcome == TestOutcome::Infra);
    let worst = run
        .tests
        .iter()
        .filter(|t| t.features.iter().any(|f| f == feature))
        .map(|t| match t.outcome {
            TestOutcome::Skipped => RunOutcome::Absent,
            TestOutcome::Passed => RunOutcome::Pass,
            TestOutcome::Flaky => RunOutcome::Flaky,
            TestOutcome::Infra => RunOutcome::Infra,
            TestOutcome::Failed if network_failed => RunOutcome::Infra,
            TestOutcome::Failed => RunOutcome::Fail,
        })
        .max();
    worst.unwrap_or(RunOutcome::Absent)
}
