//! `harness run --runs N`'s loop, with a fake runner standing in for the network and nextest:
//! every run is recorded as it ends, progress is reported per run, a run that cannot be had
//! stops the batch without losing the runs before it, and the lot reaches a verdict.

mod verdict_support;

use harness::{
    history::{History, Location},
    junit::JunitReport,
    spec::{Mode, StabilityPolicy},
    verdict::{
        Stability,
        batch::{RunContext, Runner, run_batch},
        judge,
    },
};
use verdict_support::{read_fixture, scope, scratch};

/// Hands out one fixture per run, counting the fresh networks it "starts".
struct Fake {
    fixtures: Vec<&'static str>,
    networks: usize,
    broken_network: Option<usize>,
}

impl Runner for Fake {
    type Error = anyhow::Error;

    fn run(&mut self, index: usize) -> anyhow::Result<Vec<JunitReport>> {
        self.networks += 1;
        anyhow::ensure!(self.broken_network != Some(index), "run {index}: the network did not start");
        Ok(vec![read_fixture(self.fixtures[index - 1])])
    }
}

fn context() -> RunContext {
    RunContext { spec: None, mode: Mode::Alphanet, commit: Some("c0ffee".into()), node_versions: Default::default() }
}

fn history(name: &str) -> History {
    History::open(&Location::Folder(scratch(name))).unwrap()
}

#[test]
fn ten_green_runs_on_fresh_networks_reach_stable_in_one_command() {
    let mut history = history("batch-stable");
    let mut fake = Fake { fixtures: vec!["green.xml"; 10], networks: 0, broken_network: None };
    let mut lines = Vec::new();
    let batch = run_batch(10, &mut fake, &context(), &mut history, |done| lines.push(done.line())).unwrap();

    assert_eq!(fake.networks, 10, "a fresh network per run");
    assert_eq!(batch.runs.len(), 10);
    assert_eq!(lines.len(), 10);
    assert!(lines[2].starts_with("[3/10] run ") && lines[2].contains("passed") && lines[2].contains("left"), "{}", lines[2]);
    assert!(lines[9].starts_with("[10/10] ") && lines[9].ends_with("done"), "{}", lines[9]);

    let recorded = history.network(None, Mode::Alphanet).unwrap();
    let ids = |runs: &[harness::history::RunRecord]| runs.iter().map(|r| r.run_id.clone()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(recorded.len(), 10);
    assert_eq!(ids(&recorded), ids(&batch.runs), "each run recorded once");
    let verdict = judge(Mode::Alphanet, &recorded, &scope(), &StabilityPolicy::default());
    assert!(verdict.features.iter().all(|f| f.stability == Stability::Stable), "{:?}", verdict.features.iter().map(|f| f.stability).collect::<Vec<_>>());
}

#[test]
fn a_run_that_cannot_be_had_stops_the_batch_and_keeps_the_runs_before_it() {
    let mut history = history("batch-broken");
    let mut fake = Fake { fixtures: vec!["green.xml"; 5], networks: 0, broken_network: Some(4) };
    let err = run_batch(5, &mut fake, &context(), &mut history, |_| {}).err().expect("the fourth network fails");
    assert!(err.to_string().contains("run 4: the network did not start"), "{err}");
    assert_eq!(fake.networks, 4, "nothing runs after the failure");
    assert_eq!(history.load().unwrap().len(), 3);
}

#[test]
fn progress_names_the_features_that_did_not_pass() {
    let mut history = history("batch-progress");
    let mut fake = Fake { fixtures: vec!["green.xml", "red.xml", "flaky.xml"], networks: 0, broken_network: None };
    let mut lines = Vec::new();
    let batch = run_batch(3, &mut fake, &context(), &mut history, |done| lines.push(done.line())).unwrap();
    assert!(!lines[0].contains('('), "a green run names nothing: {}", lines[0]);
    assert!(lines[1].contains("1 failed (isthmus.eip7702)"), "{}", lines[1]);
    assert!(lines[2].contains("1 flaky (isthmus.eip7702)"), "{}", lines[2]);
    let verdict = judge(Mode::Alphanet, &batch.runs, &scope(), &StabilityPolicy::default());
    assert!(verdict.features.iter().all(|f| f.stats.runs == 3));
}
