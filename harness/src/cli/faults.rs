//! `harness faults [--junit FILE]`
//!
//! The fault matrix as Markdown: every covered feature of the catalog, each fault its suite must
//! catch (from the node's fault table) and, given the JUnit of a `faults` profile run, whether it
//! was caught. A feature's matrix test (`<fork>::<feature>::faults_are_caught`) passes only when
//! its suite passes on a healthy network and catches every fault; when it fails it names each
//! fault it missed on a line of its own, which is how a failed test's faults are told apart.

use std::{fmt, path::PathBuf};

use harness::{
    forks::{FEATURES, Feature},
    junit::{JunitReport, Status, TestCase},
    node::l2::fault::{HEALTHY_FAILED, MATRIX_TEST, MatrixFault, NOT_CAUGHT, faults_of},
};

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The JUnit of a `faults` profile run (target/nextest/faults/junit.xml). Without it the
    /// matrix lists the faults and says nothing about them being caught. With it, exits 1 unless
    /// every fault was caught and every suite passed on a healthy network.
    #[arg(long)]
    junit: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let report = args.junit.as_deref().map(JunitReport::read).transpose()?;
    let rows = rows(report.as_ref());
    print!("{}", markdown(&rows));
    let all_caught = rows.iter().all(|r| matches!(r.caught, Caught::Yes));
    Ok(if report.is_none() || all_caught { Outcome::Success } else { Outcome::Failed })
}

/// Whether a run caught a fault.
#[derive(Debug, PartialEq)]
enum Caught {
    Yes,
    /// Not caught, or not proven (the suite failed without the fault too): why.
    No(String),
    /// The JUnit has no matrix test for the feature.
    NotRun,
    /// No JUnit was given.
    Unknown,
}

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Yes => f.write_str("yes"),
            Self::No(why) => write!(f, "**no**: {why}"),
            Self::NotRun => f.write_str("**not run**"),
            Self::Unknown => f.write_str("?"),
        }
    }
}

/// One line of the matrix.
struct Row {
    feature: &'static Feature,
    fault: MatrixFault,
    caught: Caught,
}

fn rows(report: Option<&JunitReport>) -> Vec<Row> {
    let mut rows = Vec::new();
    for feature in FEATURES.iter().filter(|f| f.is_covered()) {
        let case = report.map(|r| matrix_case(r, feature));
        for fault in faults_of(feature.id) {
            let caught = match case {
                None => Caught::Unknown,
                Some(None) => Caught::NotRun,
                Some(Some(case)) => caught(case, fault),
            };
            rows.push(Row { feature, fault, caught });
        }
    }
    rows
}

/// The matrix test of `feature` in `report`, if it ran.
fn matrix_case<'a>(report: &'a JunitReport, feature: &Feature) -> Option<&'a TestCase> {
    let name = format!("{}::{MATRIX_TEST}", feature.suite_path());
    report.cases().map(|(_, case)| case).find(|case| case.name == name && case.status != Status::Skipped)
}

/// What the matrix test says about `fault`.
fn caught(case: &TestCase, fault: MatrixFault) -> Caught {
    let Some(attempt) = case.failures.first().filter(|_| case.status == Status::Failed) else { return Caught::Yes };
    let text = format!("{}\n{}", attempt.description, attempt.stdout);
    let reported = |marker| reported(&text, marker);
    let name = fault.to_string();
    let missed = reported(NOT_CAUGHT).find(|rest| rest.strip_prefix(name.as_str()).is_some_and(|tail| tail.starts_with([' ', ':'])));
    if let Some(line) = missed {
        return Caught::No(line[name.len()..].trim_start_matches(':').trim().to_owned());
    }
    if let Some(line) = reported(HEALTHY_FAILED).next() {
        return Caught::No(format!("not proven, the suite fails without it: {line}"));
    }
    if reported(NOT_CAUGHT).next().is_some() {
        return Caught::Yes;
    }
    Caught::No(format!("the matrix test failed: {}", attempt.summary()))
}

/// The rest of each line of `text` that starts with `marker`.
fn reported<'a>(text: &'a str, marker: &'static str) -> impl Iterator<Item = &'a str> {
    text.lines().filter_map(move |l| l.trim().strip_prefix(marker)).map(str::trim)
}

/// The table, then a line counting features, faults and catches.
fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| Feature | Layer | Fault | Bug it mimics | Caught |\n|---|---|---|---|---|\n");
    for row in rows {
        let cell = |text: String| text.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} |\n",
            row.feature.id,
            row.feature.layer.name(),
            row.fault,
            cell(row.fault.description()),
            cell(row.caught.to_string())
        ));
    }
    let mut features: Vec<&str> = rows.iter().map(|r| r.feature.id).collect();
    features.dedup();
    let mut faults: Vec<String> = rows.iter().map(|r| r.fault.to_string()).collect();
    faults.sort();
    faults.dedup();
    let caught = rows.iter().filter(|r| r.caught == Caught::Yes).count();
    out.push_str(&format!("\n{} features, {} faults, {} feature-fault pairs, {caught} caught.\n", features.len(), faults.len(), rows.len()));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use harness::{forks::Fork, node::{l1::L1Fault, l2::fault::Fault}};

    use super::*;

    fn report(cases: &str) -> JunitReport {
        let xml = format!(r#"<testsuites><testsuite name="op-suites::acceptance">{cases}</testsuite></testsuites>"#);
        JunitReport::parse(Path::new("junit.xml"), &xml).unwrap()
    }

    fn caught_in(report: &JunitReport, id: &str) -> Vec<(String, Caught)> {
        rows(Some(report)).into_iter().filter(|r| r.feature.id == id).map(|r| (r.fault.to_string(), r.caught)).collect()
    }

    #[test]
    fn a_passing_matrix_test_catches_every_fault_of_its_feature() {
        let report = report(r#"<testcase name="canyon::push0::faults_are_caught"/>"#);
        assert_eq!(caught_in(&report, "canyon.push0"), vec![("stale-rules(canyon)".to_owned(), Caught::Yes)]);
        assert_eq!(caught_in(&report, "karst.clz"), vec![("stale-rules(karst)".to_owned(), Caught::NotRun)]);
    }

    #[test]
    fn a_failed_matrix_test_marks_only_the_faults_it_names() {
        let stdout = format!(
            "fault caught: stale-rules(ecotone) by `x`: y\n{NOT_CAUGHT} {} (never applies ...): all 2 checks passed (a, b)",
            Fault::FreezeSystemConfig
        );
        let case = format!(r#"<testcase name="ecotone::fees::faults_are_caught"><failure type="test failure">does not hold</failure><system-out>{stdout}</system-out></testcase>"#);
        let found = caught_in(&report(&case), "ecotone.fees");
        assert!(found.contains(&("stale-rules(ecotone)".to_owned(), Caught::Yes)), "{found:?}");
        let frozen = found.iter().find(|(name, _)| name == "freeze-system-config").expect("a row per fault");
        assert!(matches!(&frozen.1, Caught::No(why) if why.contains("all 2 checks passed")), "{frozen:?}");
    }

    #[test]
    fn a_suite_failing_without_the_fault_proves_nothing() {
        let case = format!(r#"<testcase name="fjord::p256verify::faults_are_caught"><failure>{HEALTHY_FAILED} check `a` fails</failure></testcase>"#);
        let found = caught_in(&report(&case), "fjord.p256verify");
        assert!(found.iter().all(|(_, c)| matches!(c, Caught::No(why) if why.contains("not proven"))), "{found:?}");
    }

    #[test]
    fn names_do_not_match_a_longer_fault_with_the_same_start() {
        let fault = MatrixFault::L2(Fault::DropUpgradeTx { fork: Fork::Fjord, index: 2 });
        let case = TestCase { name: "t".into(), duration_secs: 0.0, status: Status::Failed, stdout: String::new(), failures: vec![failure(&format!("{NOT_CAUGHT} {fault}0: x"))] };
        assert_eq!(caught(&case, fault), Caught::Yes);
    }

    fn failure(description: &str) -> harness::junit::FailedAttempt {
        harness::junit::FailedAttempt { description: description.into(), ..Default::default() }
    }

    #[test]
    fn l1_faults_are_read_back_under_the_release_module() {
        let missed = MatrixFault::L1(L1Fault::Swap(1, 2));
        let case = format!(r#"<testcase name="contracts_v5_0_0::upgrade::faults_are_caught"><failure>does not hold</failure><system-out>{NOT_CAUGHT} {missed}: all 5 checks passed</system-out></testcase>"#);
        let found = caught_in(&report(&case), "contracts_v5_0_0.upgrade");
        assert!(found.contains(&("l1-drop-upgrade-tx(2)".to_owned(), Caught::Yes)), "{found:?}");
        assert!(found.iter().any(|(name, c)| name == "l1-swap-upgrade-txs(1, 2)" && matches!(c, Caught::No(why) if why.contains("all 5 checks passed"))), "{found:?}");
    }

    #[test]
    fn without_junit_the_matrix_lists_every_covered_feature() {
        let table = markdown(&rows(None));
        for feature in FEATURES.iter().filter(|f| f.is_covered()) {
            assert!(table.contains(&format!("| `{}` |", feature.id)), "{} missing:\n{table}", feature.id);
        }
        assert!(!table.contains("| yes |"), "{table}");
    }
}
