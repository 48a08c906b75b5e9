//! One run as the history keeps it: enough to judge stability later and to tell runs apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    forks::Fork,
    spec::{Mode, NetworkSpec},
};

/// The history format this harness writes; it reads this and every older one.
pub const SCHEMA_VERSION: u32 = 1;

/// One run of the suites against one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema_version: u32,
    /// `<UTC start time>-<8 hex digits>`, unique and sorting by time.
    pub run_id: String,
    /// When the run started.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub git_commit: Option<String>,
    /// The spec's `name`; `None` when the run was judged without a spec.
    pub spec_name: Option<String>,
    /// Hash of the spec's parsed content, so a changed spec shows in the history.
    pub spec_hash: Option<String>,
    pub mode: Mode,
    /// Seconds after genesis each scheduled fork activates; `None` without a spec.
    pub fork_schedule: Option<BTreeMap<Fork, u64>>,
    /// Client software by role, `harness` -> `0.1.0`.
    pub node_versions: BTreeMap<String, String>,
    pub tests: Vec<TestRecord>,
}

/// One test's result in one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestRecord {
    /// The test binary, `op-suites::betanet`.
    pub binary: String,
    /// The test's path, `isthmus::eip7702::delegated_call`.
    pub name: String,
    /// Catalog ids of the features the test proves; empty for checks of the network itself.
    pub features: Vec<String>,
    pub outcome: TestOutcome,
    pub attempts: u32,
    pub duration_secs: f64,
    /// Parts of the test that did not apply to the network it ran on, each with why (the
    /// "absent before" half where the fork is active at genesis): not checked, so never
    /// counted as passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<String>,
}

/// How a test ended, with infrastructure failures told apart from the feature's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Passed,
    /// Passed after attempts that failed through the feature's fault.
    Flaky,
    Failed,
    /// Failed only because the network or harness did: no evidence about the feature.
    Infra,
    Skipped,
}

impl TestOutcome {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Flaky => "flaky",
            Self::Failed => "failed",
            Self::Infra => "infra",
            Self::Skipped => "skipped",
        }
    }
}

impl RunRecord {
    /// Whether `other` is the same network judged the same way: same mode and spec name.
    pub fn same_network(&self, other: &Self) -> bool {
        self.mode == other.mode && self.spec_name == other.spec_name
    }
}

/// A run id for a run that started at `time`; `entropy` (e.g. the JUnit bytes and the clock)
/// keeps two runs started in the same second apart.
pub fn run_id(time: OffsetDateTime, entropy: &[u8]) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    let hash = alloy::primitives::keccak256(entropy);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        alloy::primitives::hex::encode(&hash[..4])
    )
}

/// The keccak-256 of the spec's parsed content: comments and layout do not change it, any value
/// does.
pub fn spec_hash(spec: &NetworkSpec) -> String {
    let canonical = serde_json::to_vec(spec).expect("a spec always serialises");
    alloy::primitives::keccak256(canonical).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_sort_by_time_and_differ_by_entropy() {
        let t = OffsetDateTime::from_unix_timestamp(1_735_696_800).unwrap();
        let a = run_id(t, b"a");
        assert!(a.starts_with("20250101T020000Z-"), "{a}");
        assert_ne!(a, run_id(t, b"b"));
        assert!(run_id(t + time::Duration::seconds(1), b"a") > a);
    }
}
