//! Stability verdicts: per feature and per network, whether the feature may move on to the next
//! network, with the reasons and the tests behind each answer.
//!
//! Judging reads only [`RunRecord`]s, so a single run and a year of history go through the same
//! code: [`evidence`] turns JUnit into a record, [`judge`] weighs records against the
//! [`StabilityPolicy`].

pub mod batch;
mod claims;
pub mod evidence;
mod outcome;
mod policy;
mod stats;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use claims::{Claim, UnclaimedTests, claim};
pub use outcome::{RunOutcome, feature_outcome};
pub use policy::Stats;
pub use policy::count;

use crate::{
    forks::{Feature, Fork},
    history::{RunRecord, TestOutcome},
    spec::{Mode, StabilityPolicy},
};

/// Put this in a panic message when a test fails because the network did (it did not start,
/// a node died), not the feature: the failure then counts as infrastructure, not against the
/// feature.
pub const INFRA_MARKER: &str = "[harness-infra]";

/// A test prints this, then what and why, for a part of its check that does not apply to the
/// network it ran on (the "absent before" half where the fork is active at genesis, a rule a
/// later genesis fork replaced). Reports show such parts as not applicable, never as passed.
pub const NOT_APPLICABLE_MARKER: &str = "[harness-not-applicable]";

/// The answer for one feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stability {
    Stable,
    Unstable,
    Flaky,
    InsufficientData,
    Infra,
}

impl Stability {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Stable => "STABLE",
            Self::Unstable => "UNSTABLE",
            Self::Flaky => "FLAKY",
            Self::InsufficientData => "INSUFFICIENT_DATA",
            Self::Infra => "INFRA",
        }
    }
}

/// What the release process should do with a feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Stable: move on to the next network.
    Advance,
    /// Keep running it here: too little evidence, flaky, or the network failed.
    Hold,
    /// Unstable: back to scoping.
    Rescope,
    /// Unstable and confidently below the bar (the pass rate's upper bound is under
    /// `min_pass_rate`): take it out of the set.
    Remove,
}

impl Recommendation {
    /// Every recommendation, the hopeful first.
    pub const ALL: [Self; 4] = [Self::Advance, Self::Hold, Self::Rescope, Self::Remove];

    /// What to do, for reports; `next_stage` is where stable features go.
    pub fn label(self, next_stage: &str) -> String {
        match self {
            Self::Advance => format!("Move on to {next_stage}"),
            Self::Hold => "Keep running here".into(),
            Self::Rescope => "Back to scoping".into(),
            Self::Remove => "Remove from the set".into(),
        }
    }
}

/// The verdict for one feature.
#[derive(Clone, Debug, Serialize)]
pub struct FeatureVerdict {
    pub id: &'static str,
    pub fork: Fork,
    pub description: &'static str,
    #[serde(rename = "verdict")]
    pub stability: Stability,
    pub recommendation: Recommendation,
    pub reasons: Vec<String>,
    /// Every test that proved the feature in the judged runs.
    pub tests: Vec<String>,
    pub stats: Stats,
    /// The feature in each judged run, oldest first.
    pub outcomes: Vec<RunOutcome>,
    /// Parts of its tests the latest run could not check on its network, as
    /// "`test`: part: why"; shown apart from what passed, never counted with it.
    pub not_applicable: Vec<String>,
}

/// The verdict for one network.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkVerdict {
    pub mode: Mode,
    /// Where stable features go next.
    pub next_stage: &'static str,
    pub features: Vec<FeatureVerdict>,
    /// Checks of the network itself that failed in the latest run.
    pub infra_failures: Vec<String>,
}

/// The network's overall answer, which the exit code reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every in-scope feature is stable.
    Stable,
    /// Some feature is not.
    NotStable,
    /// The network failed in the latest run: fix it and rerun before reading anything else.
    Infra,
}

impl NetworkVerdict {
    pub fn status(&self) -> Status {
        let infra = !self.infra_failures.is_empty() || self.features.iter().any(|f| f.stability == Stability::Infra);
        let stable = !self.features.is_empty() && self.features.iter().all(|f| f.stability == Stability::Stable);
        match (infra, stable) {
            (true, _) => Status::Infra,
            (false, true) => Status::Stable,
            (false, false) => Status::NotStable,
        }
    }

    /// Ids of the features with this recommendation.
    pub fn recommended(&self, recommendation: Recommendation) -> Vec<&'static str> {
        self.features.iter().filter(|f| f.recommendation == recommendation).map(|f| f.id).collect()
    }
}

/// Features by verdict label, for counts in reports.
pub fn tally(verdicts: impl Iterator<Item = Stability>) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for verdict in verdicts {
        *counts.entry(verdict.label()).or_default() += 1;
    }
    counts
}

/// The network after `mode`'s.
pub const fn next_stage(mode: Mode) -> &'static str {
    match mode {
        Mode::Alphanet => "Betanet",
        Mode::Betanet => "Testnet",
    }
}

/// Judges every feature in `scope` over `runs`: one network's runs, oldest first, the latest
/// last.
pub fn judge(mode: Mode, runs: &[RunRecord], scope: &[&'static Feature], policy: &StabilityPolicy) -> NetworkVerdict {
    let infra_failures = runs.last().map_or_else(Vec::new, |run| {
        let failed = run.tests.iter().filter(|t| t.features.is_empty() && t.outcome == TestOutcome::Infra);
        failed.map(|t| t.name.clone()).collect()
    });
    NetworkVerdict {
        mode,
        next_stage: next_stage(mode),
        features: scope.iter().map(|f| judge_feature(f, runs, policy)).collect(),
        infra_failures,
    }
}

fn judge_feature(feature: &'static Feature, runs: &[RunRecord], policy: &StabilityPolicy) -> FeatureVerdict {
    let outcomes: Vec<RunOutcome> = runs.iter().map(|run| feature_outcome(run, feature.id)).collect();
    let tests: BTreeSet<&str> = runs
        .iter()
        .flat_map(|run| &run.tests)
        .filter(|t| t.features.iter().any(|f| f == feature.id))
        .map(|t| t.name.as_str())
        .collect();
    let history: Vec<(&str, RunOutcome)> = runs.iter().map(|r| r.run_id.as_str()).zip(outcomes.iter().copied()).collect();
    let mut judgement = policy::judge(&history, policy);
    if tests.is_empty() {
        judgement.stability = Stability::InsufficientData;
        judgement.reasons = vec![match runs.is_empty() {
            true => "no run of this network yet".to_owned(),
            false => format!("no test proves it in the judged runs; add tests under `{}::`", feature.suite_path()),
        }];
    }
    FeatureVerdict {
        id: feature.id,
        fork: feature.fork,
        description: feature.description,
        stability: judgement.stability,
        recommendation: recommend(judgement.stability, &judgement.stats, policy),
        reasons: judgement.reasons,
        tests: tests.into_iter().map(str::to_owned).collect(),
        stats: judgement.stats,
        outcomes,
        not_applicable: not_applicable_in_latest(runs, feature.id),
    }
}

fn not_applicable_in_latest(runs: &[RunRecord], feature: &str) -> Vec<String> {
    let tests = runs.last().into_iter().flat_map(|run| &run.tests).filter(|t| t.features.iter().any(|f| f == feature));
    tests.flat_map(|t| t.not_applicable.iter().map(move |part| format!("`{}`: {part}", t.name))).collect()
}

fn recommend(stability: Stability, stats: &Stats, policy: &StabilityPolicy) -> Recommendation {
    match stability {
        Stability::Stable => Recommendation::Advance,
        Stability::Unstable if stats.pass_rate_upper_bound < policy.min_pass_rate => Recommendation::Remove,
        Stability::Unstable => Recommendation::Rescope,
        Stability::Flaky | Stability::InsufficientData | Stability::Infra => Recommendation::Hold,
    }
}
