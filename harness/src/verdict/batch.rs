//! Runs turned into history records, one at a time or many in a row.
//!
//! [`RunContext`] knows everything a record carries besides its tests; [`run_batch`] runs the
//! suites N times through a [`Runner`] (each on a fresh network), records every run as soon
//! as it ends, and reports progress, so a team reaches a verdict in one command instead of N
//! nights. A run that cannot be had (the network did not start) stops the batch; the runs
//! before it stay recorded.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use time::OffsetDateTime;

use super::{evidence, feature_outcome, RunOutcome, UnclaimedTests};
use crate::{
    forks::{FEATURES, Feature},
    history::{self, Appended, History, HistoryError, RunRecord, TestOutcome, TestRecord},
    junit::JunitReport,
    spec::{Mode, NetworkSpec},
};

/// What every record of one network's runs shares.
#[derive(Clone, Debug)]
pub struct RunContext {
    pub spec: Option<NetworkSpec>,
    pub mode: Mode,
    pub commit: Option<String>,
    /// Client software by role; the harness's own version is always added.
    pub node_versions: BTreeMap<String, String>,
}

/// JUnit that cannot become a run record.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Unclaimed(#[from] UnclaimedTests),
    #[error("{files}: no test ran against the {} network\n  fix: pass the JUnit of a run of this network, or the matching --mode or --spec", .mode.name())]
    NoTests { files: String, mode: Mode },
}

impl RunContext {
    /// The record of the run `junit` reports, with a fresh run id.
    pub fn record(&self, junit: &[JunitReport]) -> Result<RunRecord, RecordError> {
        let tests = evidence::test_records(junit, self.mode)?;
        if tests.is_empty() {
            let files = junit.iter().map(|r| r.path.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(RecordError::NoTests { files, mode: self.mode });
        }
        let now = OffsetDateTime::now_utc();
        let time = junit.iter().filter_map(|r| r.started).min().unwrap_or(now);
        let files: Vec<&PathBuf> = junit.iter().map(|r| &r.path).collect();
        let entropy = format!("{} {} {files:?}", now.unix_timestamp_nanos(), std::process::id());
        let mut node_versions = BTreeMap::from([("harness".to_owned(), env!("CARGO_PKG_VERSION").to_owned())]);
        node_versions.extend(self.node_versions.clone());
        Ok(RunRecord {
            schema_version: history::SCHEMA_VERSION,
            run_id: history::run_id(time, entropy.as_bytes()),
            time,
            git_commit: self.commit.clone(),
            spec_name: self.spec.as_ref().map(|s| s.name.clone()),
            spec_hash: self.spec.as_ref().map(history::spec_hash),
            mode: self.mode,
            fork_schedule: self.spec.as_ref().map(|s| s.schedule().scheduled().collect()),
            node_versions,
            tests,
        })
    }

    /// The features judged: the spec's scope, else those the runs' tests prove, in catalog
    /// order.
    pub fn scope(&self, runs: &[RunRecord]) -> Vec<&'static Feature> {
        match &self.spec {
            Some(spec) => spec.features_in_scope(),
            None => {
                let proven = |f: &&Feature| runs.iter().flat_map(|r| &r.tests).any(|t: &TestRecord| t.features.iter().any(|id| id == f.id));
                FEATURES.iter().filter(proven).collect()
            }
        }
    }
}

/// One run of the suites on a fresh network: the seam between the batch and the network.
pub trait Runner {
    type Error: From<RecordError> + From<HistoryError>;

    /// Brings a fresh network up, runs the suites against it, takes it down, and returns
    /// the run's JUnit. `index` counts from 1.
    fn run(&mut self, index: usize) -> Result<Vec<JunitReport>, Self::Error>;
}

/// One finished run of a batch, for progress lines.
pub struct Finished<'a> {
    pub index: usize,
    pub total: usize,
    pub record: &'a RunRecord,
    pub appended: Appended,
    pub took: Duration,
    /// Time the remaining runs will take at this batch's average pace.
    pub remaining: Duration,
}

impl Finished<'_> {
    /// `[3/10] run 2025…-ab12cd34: 40 tests, 39 passed, 1 failed (isthmus.eip7702) · 41 s · about 4 min 47 s left`
    pub fn line(&self) -> String {
        let tests = &self.record.tests;
        let count = |outcome| tests.iter().filter(|t| t.outcome == outcome).count();
        let mut parts = vec![format!("{} tests", tests.len()), format!("{} passed", count(TestOutcome::Passed))];
        for (outcome, label) in [(TestOutcome::Flaky, "flaky"), (TestOutcome::Failed, "failed"), (TestOutcome::Infra, "infra")] {
            if count(outcome) > 0 {
                parts.push(format!("{} {label}", count(outcome)));
            }
        }
        let failing = self.failing_features();
        let failing = if failing.is_empty() { String::new() } else { format!(" ({})", failing.join(", ")) };
        let again = if self.appended == Appended::AlreadyRecorded { " (already recorded)" } else { "" };
        format!(
            "[{}/{}] run {}{again}: {}{failing} · {} · {}",
            self.index,
            self.total,
            self.record.run_id,
            parts.join(", "),
            seconds(self.took),
            if self.index == self.total { "done".to_owned() } else { format!("about {} left", seconds(self.remaining)) }
        )
    }

    fn failing_features(&self) -> Vec<&'static str> {
        let not_green = |f: &&Feature| matches!(feature_outcome(self.record, f.id), RunOutcome::Fail | RunOutcome::Flaky | RunOutcome::Infra);
        FEATURES.iter().filter(not_green).map(|f| f.id).collect()
    }
}

fn seconds(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 { format!("{secs} s") } else { format!("{} min {} s", secs / 60, secs % 60) }
}

/// What a batch leaves: every run it recorded, oldest first, and the last run's JUnit for
/// the failure report.
pub struct Batch {
    pub runs: Vec<RunRecord>,
    pub last_junit: Vec<JunitReport>,
}

/// Runs the suites `total` times through `runner`, appending each run to `history` as soon as
/// it ends and calling `progress` after each.
pub fn run_batch<R: Runner>(
    total: usize,
    runner: &mut R,
    context: &RunContext,
    history: &mut History,
    mut progress: impl FnMut(&Finished<'_>),
) -> Result<Batch, R::Error> {
    let started = Instant::now();
    let mut batch = Batch { runs: Vec::with_capacity(total), last_junit: Vec::new() };
    for index in 1..=total {
        let begun = Instant::now();
        let junit = runner.run(index)?;
        let record = context.record(&junit)?;
        let appended = history.append(&record)?;
        let pace = started.elapsed() / u32::try_from(index).unwrap_or(u32::MAX);
        let remaining = pace * u32::try_from(total - index).unwrap_or(u32::MAX);
        progress(&Finished { index, total, record: &record, appended, took: begun.elapsed(), remaining });
        batch.runs.push(record);
        batch.last_junit = junit;
    }
    Ok(batch)
}
