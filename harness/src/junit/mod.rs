//! Nextest's JUnit reports, read into what a verdict needs: which tests ran in which test binary,
//! how every attempt ended and what the failing ones printed.
//!
//! Nextest writes one `<testsuite>` per test binary and one `<testcase>` per test. A test that
//! passed on a retry carries a `<flakyFailure>` or `<flakyError>` per failed attempt; one that
//! failed every attempt carries `<failure>` or `<error>` for the first and a `<rerunFailure>` or
//! `<rerunError>` per retry. Shards of one run are separate files; [`read_all`] merges them.

mod xml;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// One JUnit file.
#[derive(Debug)]
pub struct JunitReport {
    pub path: PathBuf,
    /// When nextest started the run, if the file says.
    pub started: Option<OffsetDateTime>,
    pub suites: Vec<TestSuite>,
}

/// The tests of one test binary.
#[derive(Debug)]
pub struct TestSuite {
    /// Nextest's binary id, `op-suites::betanet`.
    pub binary: String,
    pub cases: Vec<TestCase>,
}

/// One test and all its attempts.
#[derive(Debug)]
pub struct TestCase {
    /// The test's path inside its binary, `isthmus::eip7702::delegated_call`.
    pub name: String,
    /// Seconds the reported attempt took.
    pub duration_secs: f64,
    pub status: Status,
    /// Every failed attempt, the first one first.
    pub failures: Vec<FailedAttempt>,
    /// What the reported attempt printed; nextest keeps a passing test's output only with
    /// `junit.store-success-output`.
    pub stdout: String,
}

/// How a test ended after all its attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Passed,
    /// Passed, but only after failed attempts.
    Flaky,
    /// Failed every attempt.
    Failed,
    Skipped,
}

/// One failed attempt, with what the test printed during it.
#[derive(Debug, Default)]
pub struct FailedAttempt {
    pub message: Option<String>,
    /// Nextest's classification: `test failure`, `test timeout`, `execution failure`, ...
    pub kind: Option<String>,
    /// The panic or error text nextest extracted.
    pub description: String,
    pub stdout: String,
    pub stderr: String,
}

impl TestCase {
    /// How many times the test ran.
    pub fn attempts(&self) -> u32 {
        let failed = u32::try_from(self.failures.len()).unwrap_or(u32::MAX);
        match self.status {
            Status::Skipped => 0,
            Status::Failed => failed,
            Status::Passed | Status::Flaky => failed.saturating_add(1),
        }
    }
}

impl FailedAttempt {
    /// Whether any of the attempt's text mentions `needle`.
    pub fn mentions(&self, needle: &str) -> bool {
        [self.message.as_deref().unwrap_or(""), self.kind.as_deref().unwrap_or(""), &self.description, &self.stdout, &self.stderr]
            .iter()
            .any(|text| text.contains(needle))
    }

    /// One line saying why the attempt failed: the message, else the description's first line
    /// past Rust's `thread '…' panicked at <file>:` header, else nextest's classification.
    pub fn summary(&self) -> String {
        let is_panic_header = |l: &str| l.starts_with("thread '") && l.contains("' panicked at ") && l.ends_with(':');
        let first_line = self.description.lines().map(str::trim).find(|l| !l.is_empty() && !is_panic_header(l));
        self.message
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .or(first_line)
            .or(self.kind.as_deref())
            .unwrap_or("failed without a message")
            .to_owned()
    }
}

/// A JUnit file the harness cannot use, with the fix.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}\n  fix: {}", .path.display(), .problem.fix())]
pub struct JunitError {
    pub path: PathBuf,
    pub problem: JunitProblem,
}

/// What is wrong with a JUnit file.
#[derive(Debug, thiserror::Error)]
pub enum JunitProblem {
    #[error("cannot read it: {0}")]
    Read(std::io::Error),
    #[error("not well-formed JUnit XML: {0}")]
    Malformed(String),
    #[error("testsuite `{suite}` declares {declared} tests but holds {found}: the file was cut short")]
    Truncated { suite: String, declared: usize, found: usize },
    #[error("timestamp `{0}` is not an RFC 3339 time")]
    BadTimestamp(String),
    #[error("it holds no test cases")]
    Empty,
    #[error("test `{test}` is also reported by {}", .other.display())]
    Duplicate { test: String, other: PathBuf },
}

impl JunitProblem {
    fn fix(&self) -> &'static str {
        match self {
            Self::Read(_) | Self::Empty => {
                "pass the junit.xml nextest wrote, e.g. target/nextest/<profile>/junit.xml, after a run that executed tests"
            }
            Self::Malformed(_) | Self::Truncated { .. } | Self::BadTimestamp(_) => {
                "the file is damaged or was cut short (an interrupted run?); rerun the suites so nextest writes it anew"
            }
            Self::Duplicate { .. } => {
                "pass each shard's junit.xml once; shards of one run (`--partition hash:m/n`) never share a test"
            }
        }
    }
}

impl JunitReport {
    /// Reads and parses one file.
    pub fn read(path: &Path) -> Result<Self, JunitError> {
        let xml = std::fs::read_to_string(path).map_err(|e| error(path, JunitProblem::Read(e)))?;
        Self::parse(path, &xml)
    }

    /// Parses JUnit text; `path` names the file in errors.
    pub fn parse(path: &Path, xml: &str) -> Result<Self, JunitError> {
        let doc: xml::Testsuites =
            quick_xml::de::from_str(xml).map_err(|e| error(path, JunitProblem::Malformed(e.to_string())))?;
        let started = doc.timestamp.map(|t| parse_time(&t)).transpose().map_err(|p| error(path, p))?;
        let suites = doc.suites.into_iter().map(suite).collect::<Result<Vec<_>, _>>().map_err(|p| error(path, p))?;
        if suites.iter().all(|s| s.cases.is_empty()) {
            return Err(error(path, JunitProblem::Empty));
        }
        Ok(Self { path: path.to_path_buf(), started, suites })
    }

    /// Every test case with its binary.
    pub fn cases(&self) -> impl Iterator<Item = (&str, &TestCase)> {
        self.suites.iter().flat_map(|s| s.cases.iter().map(move |c| (s.binary.as_str(), c)))
    }
}

/// Reads the files of one run (one per shard) and checks that no test is reported twice.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<JunitReport>, JunitError> {
    let reports = paths.iter().map(|p| JunitReport::read(p)).collect::<Result<Vec<_>, _>>()?;
    let mut seen: HashMap<(&str, &str), &Path> = HashMap::new();
    for report in &reports {
        for (binary, case) in report.cases() {
            if let Some(other) = seen.insert((binary, &case.name), &report.path) {
                let test = format!("{binary} {}", case.name);
                return Err(error(&report.path, JunitProblem::Duplicate { test, other: other.to_path_buf() }));
            }
        }
    }
    Ok(reports)
}

fn error(path: &Path, problem: JunitProblem) -> JunitError {
    JunitError { path: path.to_path_buf(), problem }
}

fn parse_time(text: &str) -> Result<OffsetDateTime, JunitProblem> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| JunitProblem::BadTimestamp(text.to_owned()))
}

fn suite(xml: xml::Testsuite) -> Result<TestSuite, JunitProblem> {
    let found = xml.cases.len();
    if let Some(declared) = xml.tests.filter(|d| *d != found) {
        return Err(JunitProblem::Truncated { suite: xml.name, declared, found });
    }
    Ok(TestSuite { binary: xml.name, cases: xml.cases.into_iter().map(case).collect() })
}

fn case(xml: xml::Testcase) -> TestCase {
    let stdout = xml.system_out.clone().unwrap_or_default();
    let first = xml.failure.or(xml.error).map(|p| attempt(p, xml.system_out, xml.system_err));
    let retried = !xml.flaky_failures.is_empty() || !xml.flaky_errors.is_empty();
    let status = match (&first, retried, &xml.skipped) {
        (Some(_), _, _) => Status::Failed,
        (None, true, _) => Status::Flaky,
        (None, false, Some(_)) => Status::Skipped,
        (None, false, None) => Status::Passed,
    };
    let retries = [xml.flaky_failures, xml.flaky_errors, xml.rerun_failures, xml.rerun_errors]
        .into_iter()
        .flatten()
        .map(|p| attempt(p, None, None));
    TestCase {
        name: xml.name,
        duration_secs: xml.time.unwrap_or(0.0),
        status,
        failures: first.into_iter().chain(retries).collect(),
        stdout,
    }
}

/// Nextest puts the first attempt's output on the test case and each retry's on the retry.
fn attempt(p: xml::Problem, case_stdout: Option<String>, case_stderr: Option<String>) -> FailedAttempt {
    FailedAttempt {
        message: p.message,
        kind: p.kind,
        description: if p.text.trim().is_empty() { p.stack_trace.unwrap_or_default() } else { p.text },
        stdout: p.system_out.or(case_stdout).unwrap_or_default(),
        stderr: p.system_err.or(case_stderr).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<JunitReport, JunitError> {
        JunitReport::parse(Path::new("junit.xml"), xml)
    }

    #[test]
    fn retries_decide_flaky_and_failed() {
        let report = parse(
            r#"<testsuites timestamp="2025-01-01T02:00:00.000+00:00"><testsuite name="op-suites::betanet" tests="3">
              <testcase name="a::b::pass" time="0.5"/>
              <testcase name="a::b::flaky"><flakyFailure type="test failure">boom<system-err>e1</system-err></flakyFailure></testcase>
              <testcase name="a::b::fail"><failure type="test timeout"/><rerunFailure type="test failure" message="m2"/>
                <system-out>out</system-out><system-err>err</system-err></testcase>
            </testsuite></testsuites>"#,
        )
        .unwrap();
        let cases: Vec<_> = report.cases().map(|(_, c)| c).collect();
        assert_eq!(report.started.unwrap().unix_timestamp(), 1_735_696_800);
        assert_eq!((cases[0].status, cases[0].attempts(), cases[0].duration_secs), (Status::Passed, 1, 0.5));
        assert_eq!((cases[1].status, cases[1].attempts()), (Status::Flaky, 2));
        assert_eq!(cases[1].failures[0].description, "boom");
        let panic = FailedAttempt { description: "thread 't' panicked at src/a.rs:1:2:\nleft != right".into(), ..Default::default() };
        assert_eq!(panic.summary(), "left != right");
        assert_eq!(cases[1].failures[0].stderr, "e1");
        assert_eq!((cases[2].status, cases[2].attempts()), (Status::Failed, 2));
        assert_eq!(cases[2].failures[0].stdout, "out");
        assert_eq!(cases[2].failures[0].summary(), "test timeout");
        assert_eq!(cases[2].failures[1].summary(), "m2");
        assert!(cases[2].failures[1].stdout.is_empty());
    }

    #[test]
    fn a_suite_with_fewer_cases_than_declared_is_truncated() {
        let err = parse(r#"<testsuites><testsuite name="s" tests="2"><testcase name="x"/></testsuite></testsuites>"#).unwrap_err();
        assert!(matches!(err.problem, JunitProblem::Truncated { declared: 2, found: 1, .. }), "{err}");
    }

    #[test]
    fn a_file_cut_mid_element_is_malformed() {
        let err = parse(r#"<testsuites><testsuite name="s"><testcase name="x"><failure>panick"#).unwrap_err();
        assert!(matches!(err.problem, JunitProblem::Malformed(_)), "{err}");
        assert!(err.to_string().starts_with("junit.xml: not well-formed"), "{err}");
    }
}
