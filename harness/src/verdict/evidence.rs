//! Turns JUnit reports into the history's test records: which mode the run was, which tests
//! belong to it, what each is evidence for and whose fault each failure was.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use super::{
    INFRA_MARKER, NOT_APPLICABLE_MARKER,
    claims::{Claim, UnclaimedTests, claim},
};
use crate::{
    history::{TestOutcome, TestRecord},
    junit::{JunitReport, Status, TestCase},
    spec::Mode,
};

/// Every network mode, for finding one in a test binary's name.
const MODES: [Mode; 2] = [Mode::Alphanet, Mode::Betanet];

/// The JUnit does not say which mode its run was.
#[derive(Debug, thiserror::Error)]
#[error("cannot tell the network mode of {files}: {problem}\n  fix: pass --mode alphanet|betanet, or --spec with the network's spec")]
pub struct UnknownMode {
    files: String,
    problem: String,
}

/// The mode called `name` (`alphanet`, `betanet`).
pub fn mode_named(name: &str) -> Option<Mode> {
    MODES.into_iter().find(|m| m.name() == name)
}

/// The mode a test binary's id names (`op-suites::betanet` -> Betanet), if any.
pub fn binary_mode(binary: &str) -> Option<Mode> {
    let words: Vec<&str> = binary.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    MODES.into_iter().find(|m| words.contains(&m.name()))
}

/// The one mode the reports point at. Nextest writes the profile into no field of the XML, so
/// the hints are the folder nextest writes into, `target/nextest/<profile>/junit.xml`, when the
/// profile is a mode's, and test binaries whose ids name a mode. Nothing else is guessed.
pub fn infer_mode(reports: &[JunitReport]) -> Result<Mode, UnknownMode> {
    let named: BTreeSet<&str> = reports.iter().flat_map(mode_hints).map(Mode::name).collect();
    let files = reports.iter().map(|r| r.path.display().to_string()).collect::<Vec<_>>().join(", ");
    match named.len() {
        1 => Ok(named.first().and_then(|name| mode_named(name)).expect("the name came from MODES")),
        0 => Err(UnknownMode { files, problem: "neither its folder (target/nextest/<profile>/) nor a test binary names a mode".into() }),
        _ => Err(UnknownMode { files, problem: format!("it points at several modes ({})", Vec::from_iter(named).join(", ")) }),
    }
}

fn mode_hints(report: &JunitReport) -> impl Iterator<Item = Mode> + '_ {
    let profile = report.path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).and_then(mode_named);
    profile.into_iter().chain(report.suites.iter().filter_map(|s| binary_mode(&s.binary)))
}

/// Test binaries in the reports that belong to another mode's network and are left out.
pub fn other_mode_binaries(reports: &[JunitReport], mode: Mode) -> Vec<&str> {
    let binaries = reports.iter().flat_map(|r| &r.suites).map(|s| s.binary.as_str());
    binaries.filter(|b| binary_mode(b).is_some_and(|m| m != mode)).collect()
}

/// How nextest names the JUnit suite of a setup script: `@setup-script:<name>`.
const SETUP_SCRIPT_PREFIX: &str = "@setup-script:";

/// The records of every test that ran against the `mode` network. Fails, naming each, when a
/// test is evidence for nothing.
pub fn test_records(reports: &[JunitReport], mode: Mode) -> Result<Vec<TestRecord>, UnclaimedTests> {
    let mut records = Vec::new();
    let mut unclaimed: Vec<(PathBuf, String)> = Vec::new();
    for report in reports {
        for (binary, case) in report.cases().filter(|(b, _)| binary_mode(b).is_none_or(|m| m == mode)) {
            // nextest reports its setup scripts as suites of their own: they set the network up.
            let claimed = if binary.starts_with(SETUP_SCRIPT_PREFIX) { Some(Claim::Infrastructure) } else { claim(&case.name) };
            match claimed {
                Some(claim) => records.push(record(binary, case, &claim)),
                None => unclaimed.push((report.path.clone(), format!("{binary} {}", case.name))),
            }
        }
    }
    if unclaimed.is_empty() { Ok(records) } else { Err(UnclaimedTests { tests: unclaimed }) }
}

fn record(binary: &str, case: &TestCase, claim: &Claim) -> TestRecord {
    let features = match claim {
        Claim::Features(features) => features.iter().map(|f| f.id.to_owned()).collect(),
        Claim::Infrastructure => Vec::new(),
    };
    TestRecord {
        binary: binary.to_owned(),
        name: case.name.clone(),
        features,
        outcome: outcome(case, claim),
        attempts: case.attempts(),
        duration_secs: case.duration_secs,
        not_applicable: not_applicable(&case.stdout),
    }
}

/// The parts a test reported as not applicable: each line carrying [`NOT_APPLICABLE_MARKER`],
/// without it, once.
fn not_applicable(stdout: &str) -> Vec<String> {
    let parts = stdout.lines().filter_map(|line| line.split_once(NOT_APPLICABLE_MARKER)).map(|(_, part)| part.trim().to_owned());
    parts.collect::<BTreeSet<_>>().into_iter().collect()
}

/// A failed attempt counts against the feature unless the test checks infrastructure or the
/// failure carries [`INFRA_MARKER`]; a test whose every failure was infrastructure is `Infra`
/// when it failed and `Passed` when a retry passed.
fn outcome(case: &TestCase, claim: &Claim) -> TestOutcome {
    let feature_faults = match claim {
        Claim::Infrastructure => 0,
        Claim::Features(_) => case.failures.iter().filter(|a| !a.mentions(INFRA_MARKER)).count(),
    };
    match (case.status, feature_faults) {
        (Status::Skipped, _) => TestOutcome::Skipped,
        (Status::Passed, _) | (Status::Flaky, 0) => TestOutcome::Passed,
        (Status::Flaky, _) => TestOutcome::Flaky,
        (Status::Failed, 0) => TestOutcome::Infra,
        (Status::Failed, _) => TestOutcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn report(xml: &str) -> JunitReport {
        JunitReport::parse(Path::new("junit.xml"), xml).unwrap()
    }

    /// A passing test's "absent before" half that had no block before the fork is recorded as
    /// not applicable, not folded into the pass.
    #[test]
    fn parts_marked_not_applicable_are_recorded_with_the_pass() {
        let r = report(&format!(
            r#"<testsuites><testsuite name="op-suites::alphanet">
              <testcase name="canyon::push0::a"><system-out>running 1 test
{NOT_APPLICABLE_MARKER} absent before canyon: canyon is active at genesis on op-alpha
{NOT_APPLICABLE_MARKER} absent before canyon: canyon is active at genesis on op-alpha
test canyon::push0::a ... ok</system-out></testcase>
              <testcase name="canyon::push0::b"/>
            </testsuite></testsuites>"#
        ));
        let records = test_records(&[r], Mode::Alphanet).unwrap();
        assert_eq!(records[0].outcome, TestOutcome::Passed);
        assert_eq!(records[0].not_applicable, ["absent before canyon: canyon is active at genesis on op-alpha"]);
        assert!(records[1].not_applicable.is_empty());
    }

    #[test]
    fn the_infra_marker_moves_the_fault_off_the_feature() {
        let r = report(&format!(
            r#"<testsuites><testsuite name="op-suites::alphanet">
              <testcase name="isthmus::eip7702::a"><failure message="{INFRA_MARKER} node died"/></testcase>
              <testcase name="isthmus::eip7702::b"><failure message="{INFRA_MARKER} node died"/><rerunFailure message="assertion failed"/></testcase>
              <testcase name="isthmus::eip7702::c"><flakyFailure message="{INFRA_MARKER} network failed to start"/></testcase>
              <testcase name="infra::network_starts"><failure message="timed out"/></testcase>
            </testsuite></testsuites>"#
        ));
        let outcomes: Vec<_> = test_records(&[r], Mode::Alphanet).unwrap().iter().map(|t| t.outcome).collect();
        assert_eq!(outcomes, [TestOutcome::Infra, TestOutcome::Failed, TestOutcome::Passed, TestOutcome::Infra]);
    }

    #[test]
    fn binaries_of_the_other_mode_are_left_out() {
        let r = report(
            r#"<testsuites><testsuite name="op-suites::alphanet"><testcase name="canyon::push0::a"/></testsuite>
               <testsuite name="op-suites::betanet"><testcase name="canyon::push0::b"/></testsuite></testsuites>"#,
        );
        assert!(infer_mode(std::slice::from_ref(&r)).is_err());
        let records = test_records(std::slice::from_ref(&r), Mode::Betanet).unwrap();
        assert_eq!(records.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["canyon::push0::b"]);
        assert_eq!(other_mode_binaries(&[r], Mode::Betanet), ["op-suites::alphanet"]);
    }

    #[test]
    fn the_mode_comes_from_binary_ids() {
        assert_eq!(binary_mode("op-suites::betanet"), Some(Mode::Betanet));
        assert_eq!(binary_mode("op-suites::alphanet-extra"), Some(Mode::Alphanet));
        assert_eq!(binary_mode("op-suites::betanetwork"), None);
    }
}
