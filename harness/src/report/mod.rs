//! The verdict as people and tools read it: `verdict.json` (schema in
//! `harness/docs/report-schema.md`), `report.md` sized for a PR comment, and `report.html`, one
//! self-contained page with the feature-by-run grid.
//!
//! [`Report`] gathers everything once; the renderers only format it.

mod failures;
mod html;
mod markdown;
mod page;
mod repro;
pub mod train;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::Serialize;
use time::OffsetDateTime;

pub use failures::{Cause, Cluster, Failure};

use crate::{
    forks::{Fork, feature},
    history::RunRecord,
    junit::JunitReport,
    spec::{Mode, StabilityPolicy},
    verdict::{NetworkVerdict, Recommendation, Stability, Status},
};

/// Version of the `verdict.json` layout; bumped on any change a reader could trip over.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Most characters `report.md` has: GitHub rejects comments over 65,536, and a bot wraps its own
/// text around the summary.
pub const MARKDOWN_MAX_CHARS: usize = 60_000;

/// Everything the three reports show.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub harness_version: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub status: Status,
    pub network: Network,
    pub policy: StabilityPolicy,
    /// The judged runs, oldest first; the last is the run being reported.
    pub runs: Vec<RunSummary>,
    pub verdict: NetworkVerdict,
    pub promotion: Promotion,
    pub failures: Vec<Failure>,
    pub clusters: Vec<Cluster>,
    /// Reruns the features that failed or flaked in the latest run.
    pub repro: Option<String>,
}

/// The network as the latest run saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Network {
    pub spec_name: Option<String>,
    pub spec_hash: Option<String>,
    pub mode: Mode,
    pub fork_schedule: Option<BTreeMap<Fork, u64>>,
    pub node_versions: BTreeMap<String, String>,
    pub git_commit: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub git_commit: Option<String>,
}

/// Feature ids by what the release process should do with them.
#[derive(Clone, Debug, Serialize)]
pub struct Promotion {
    /// The network stable features move on to.
    pub next_stage: &'static str,
    pub advance: Vec<&'static str>,
    pub hold: Vec<&'static str>,
    pub rescope: Vec<&'static str>,
    pub remove: Vec<&'static str>,
}

impl RunSummary {
    pub fn of(run: &RunRecord) -> Self {
        Self { run_id: run.run_id.clone(), time: run.time, git_commit: run.git_commit.clone() }
    }
}

impl Promotion {
    /// The features with `recommendation`.
    pub fn ids(&self, recommendation: Recommendation) -> &[&'static str] {
        match recommendation {
            Recommendation::Advance => &self.advance,
            Recommendation::Hold => &self.hold,
            Recommendation::Rescope => &self.rescope,
            Recommendation::Remove => &self.remove,
        }
    }

    /// `(label, ids)` for every recommendation, the hopeful first.
    pub fn groups(&self) -> impl Iterator<Item = (String, &[&'static str])> {
        Recommendation::ALL.into_iter().map(|r| (r.label(self.next_stage), self.ids(r)))
    }
}

impl Report {
    /// `runs` are the judged runs, oldest first, the latest (the one `junit` reports) last.
    pub fn new(
        verdict: NetworkVerdict,
        runs: &[RunRecord],
        junit: &[JunitReport],
        policy: &StabilityPolicy,
        generated_at: OffsetDateTime,
    ) -> Self {
        let latest = runs.last().expect("a report covers at least the run it reports");
        let (failures, clusters) = failures::collect(latest, junit);
        Self {
            schema_version: REPORT_SCHEMA_VERSION,
            harness_version: env!("CARGO_PKG_VERSION"),
            generated_at,
            status: verdict.status(),
            network: Network {
                spec_name: latest.spec_name.clone(),
                spec_hash: latest.spec_hash.clone(),
                mode: latest.mode,
                fork_schedule: latest.fork_schedule.clone(),
                node_versions: latest.node_versions.clone(),
                git_commit: latest.git_commit.clone(),
            },
            policy: policy.clone(),
            runs: runs.iter().map(RunSummary::of).collect(),
            promotion: Promotion {
                next_stage: verdict.next_stage,
                advance: verdict.recommended(Recommendation::Advance),
                hold: verdict.recommended(Recommendation::Hold),
                rescope: verdict.recommended(Recommendation::Rescope),
                remove: verdict.recommended(Recommendation::Remove),
            },
            repro: repro_failing(&verdict, &failures),
            verdict,
            failures,
            clusters,
        }
    }

    /// The run being reported.
    pub fn latest_run(&self) -> &RunSummary {
        self.runs.last().expect("a report covers at least the run it reports")
    }

    /// A name for headings: the spec's, else the mode's.
    pub fn title(&self) -> String {
        let mode = self.network.mode.name();
        match &self.network.spec_name {
            Some(name) if name != mode => format!("{name} ({mode})"),
            Some(name) => name.clone(),
            None => mode.to_owned(),
        }
    }

    /// `Not stable: betanet — 3 of 21 features stable`.
    pub fn headline(&self) -> String {
        let status = match self.status {
            Status::Stable => "Stable",
            Status::NotStable => "Not stable",
            Status::Infra => "Infrastructure failure",
        };
        let stable = self.verdict.features.iter().filter(|f| f.stability == Stability::Stable).count();
        format!("{status}: {} — {stable} of {} features stable", self.title(), self.verdict.features.len())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// Writes `verdict.json`, `report.md` and `report.html` into `dir`, creating it.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let files = [("verdict.json", self.to_json()), ("report.md", self.to_markdown()), ("report.html", self.to_html())];
        files
            .into_iter()
            .map(|(name, text)| {
                let path = dir.join(name);
                std::fs::write(&path, text).map(|()| path)
            })
            .collect()
    }
}

/// Reruns every feature with a failing or flaky test in the latest run.
fn repro_failing(verdict: &NetworkVerdict, failures: &[Failure]) -> Option<String> {
    let failing: Vec<_> = verdict
        .features
        .iter()
        .filter(|f| failures.iter().any(|failure| failure.features.iter().any(|id| id == f.id)))
        .filter_map(|f| feature(f.id).map(|catalog| (catalog, f.tests.as_slice())))
        .collect();
    repro::for_features(verdict.mode, &failing)
}

/// When a fork activates, for the fork schedule tables.
fn activation_text(offset: u64) -> String {
    if offset == 0 { "genesis".into() } else { format!("+{offset} s") }
}

/// Which half of an upgrade feature `id` lives in ("L1" contracts or the "L2" protocol), for the
/// reports to say; blank for an id the catalog no longer has.
fn layer(id: &str) -> &'static str {
    crate::forks::feature(id).map_or("", |f| f.layer.name())
}

#[cfg(test)]
mod layer_tests {
    #[test]
    fn reports_say_which_half_a_feature_is_in() {
        assert_eq!(super::layer("contracts_v5_0_0.withdrawals"), "L1");
        assert_eq!(super::layer("jovian.system_config"), "L1");
        assert_eq!(super::layer("jovian.activation"), "L2");
        assert_eq!(super::layer("no.such_feature"), "");
    }
}
