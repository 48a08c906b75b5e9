//! The latest run's failures as a person reads them: why each test failed, the tail of what it
//! and its nodes printed, and the failures grouped by cause.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::repro;
use crate::{
    history::{RunRecord, TestOutcome, TestRecord},
    junit::{FailedAttempt, JunitReport},
    spec::Mode,
};

/// Lines kept from the end of each output stream; node logs end where the test failed.
const EXCERPT_LINES: usize = 40;
/// Characters kept of one log line; long JSON-RPC payloads say little past this.
const EXCERPT_LINE_CHARS: usize = 240;

/// What broke, judged from a failure's message. Order matters: the first that matches wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Timeout,
    ConnectionRefused,
    Revert,
    Assertion,
    Other,
}

impl Cause {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::ConnectionRefused => "connection refused",
            Self::Revert => "revert",
            Self::Assertion => "assertion",
            Self::Other => "other",
        }
    }

    /// Classifies an attempt by nextest's type, its message and the panic text, not the logs,
    /// which mention reverts and timeouts in passing.
    pub fn of(attempt: &FailedAttempt) -> Self {
        let text = [attempt.kind.as_deref().unwrap_or(""), attempt.message.as_deref().unwrap_or(""), &attempt.description]
            .join("\n")
            .to_lowercase();
        let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
        if has(&["timeout", "timed out", "deadline"]) {
            Self::Timeout
        } else if has(&["connection refused", "econnrefused", "os error 111"]) {
            Self::ConnectionRefused
        } else if has(&["revert"]) {
            Self::Revert
        } else if has(&["assertion", "assert_eq", "assert!"]) {
            Self::Assertion
        } else {
            Self::Other
        }
    }
}

/// One test that did not simply pass in the latest run.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub binary: String,
    pub test: String,
    pub features: Vec<String>,
    pub outcome: TestOutcome,
    pub attempts: u32,
    /// Cause of the first failed attempt.
    pub cause: Cause,
    pub message: String,
    /// The end of the first failed attempt's panic text, stderr and stdout.
    pub log_excerpt: String,
    pub repro: String,
}

/// Failed attempts of the latest run that share a cause.
#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    pub cause: Cause,
    /// Failed attempts, retries included.
    pub count: usize,
    pub tests: Vec<String>,
    /// One message, as an example.
    pub example: String,
}

/// The latest run's failing and flaky tests, worst first, and their attempts clustered by cause.
pub fn collect(latest: &RunRecord, junit: &[JunitReport]) -> (Vec<Failure>, Vec<Cluster>) {
    let records: HashMap<(&str, &str), &TestRecord> =
        latest.tests.iter().map(|t| ((t.binary.as_str(), t.name.as_str()), t)).collect();
    let mut failures = Vec::new();
    let mut clusters: BTreeMap<Cause, Cluster> = BTreeMap::new();
    for (binary, case) in junit.iter().flat_map(JunitReport::cases) {
        let (Some(record), Some(first)) = (records.get(&(binary, case.name.as_str())), case.failures.first()) else {
            continue;
        };
        for attempt in &case.failures {
            let cause = Cause::of(attempt);
            let cluster = clusters
                .entry(cause)
                .or_insert_with(|| Cluster { cause, count: 0, tests: Vec::new(), example: attempt.summary() });
            cluster.count += 1;
            if !cluster.tests.contains(&case.name) {
                cluster.tests.push(case.name.clone());
            }
        }
        failures.push(failure(record, first, latest.mode));
    }
    failures.sort_by_key(|f| (severity(f.outcome), f.test.clone()));
    (failures, clusters.into_values().collect())
}

fn severity(outcome: TestOutcome) -> u8 {
    match outcome {
        TestOutcome::Failed => 0,
        TestOutcome::Infra => 1,
        TestOutcome::Flaky => 2,
        TestOutcome::Passed | TestOutcome::Skipped => 3,
    }
}

fn failure(record: &TestRecord, first: &FailedAttempt, mode: Mode) -> Failure {
    Failure {
        binary: record.binary.clone(),
        test: record.name.clone(),
        features: record.features.clone(),
        outcome: record.outcome,
        attempts: record.attempts,
        cause: Cause::of(first),
        message: first.summary(),
        log_excerpt: excerpt(first),
        repro: repro::for_test(mode, &record.name),
    }
}

fn excerpt(attempt: &FailedAttempt) -> String {
    [("panic", &attempt.description), ("stderr", &attempt.stderr), ("stdout", &attempt.stdout)]
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(label, text)| format!("--- {label} ---\n{}", tail(text)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last [`EXCERPT_LINES`] lines of `text`, each cut to [`EXCERPT_LINE_CHARS`] characters.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let skipped = lines.len().saturating_sub(EXCERPT_LINES);
    let kept = lines[skipped..].iter().map(|line| match line.char_indices().nth(EXCERPT_LINE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => (*line).to_owned(),
    });
    let header = (skipped > 0).then(|| format!("[… {skipped} earlier lines]"));
    header.into_iter().chain(kept).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(kind: &str, message: &str) -> FailedAttempt {
        FailedAttempt { kind: Some(kind.into()), message: Some(message.into()), ..Default::default() }
    }

    #[test]
    fn causes_come_from_type_and_message() {
        assert_eq!(Cause::of(&attempt("test timeout", "")), Cause::Timeout);
        assert_eq!(Cause::of(&attempt("test failure", "error sending request: Connection refused (os error 111)")), Cause::ConnectionRefused);
        assert_eq!(Cause::of(&attempt("test failure", "assertion failed: execution reverted")), Cause::Revert);
        assert_eq!(Cause::of(&attempt("test failure", "assertion `left == right` failed")), Cause::Assertion);
        assert_eq!(Cause::of(&attempt("test failure", "called `Option::unwrap()` on a `None` value")), Cause::Other);
    }

    #[test]
    fn logs_are_cut_to_their_tail() {
        let log: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let cut = tail(&log);
        assert!(cut.starts_with("[… 60 earlier lines]\nline 60\n"), "{cut}");
        assert!(cut.ends_with("line 99"));
        let wide = tail(&"é".repeat(1000));
        assert_eq!(wide.chars().count(), EXCERPT_LINE_CHARS + 1);
    }
}
