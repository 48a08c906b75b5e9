//! `harness train` through the real binary, on crafted histories: the whole train from a clean
//! history to the Testnet gate, refusals, redeploys and bundles that move with their features.

mod train_support;
mod verdict_support;

use std::fs;

use harness::{
    history::TestOutcome,
    spec::{Activation, Mode, NetworkSpec},
    train::Train as TrainFile,
};
use train_support::{Train, run, shipped};

const CANDIDATES: [&str; 3] = ["fjord.p256verify", "isthmus.activation", "isthmus.eip7702"];

const TRAIN: &str = r#"# The test's train.
[alphanet]
spec = "alphanet.toml"

[betanet]
spec = "betanet-train.toml"   # written by the harness

[[feature]]
id = "fjord.p256verify"
code_complete = true
audit = "not_needed"

[[feature]]
id = "isthmus.activation"
code_complete = true
audit = "passed"

[[feature]]
id = "isthmus.eip7702"
code_complete = true
audit = "passed"
"#;

fn train(name: &str) -> Train {
    Train::new(name, &shipped("alphanet.toml"), TRAIN)
}

fn status(train: &Train) -> serde_json::Value {
    let done = train.run(&["status", "--json", "--out", "pages"]);
    assert_eq!(done.code(), Some(0), "{}", done.all());
    serde_json::from_str(&done.stdout()).unwrap()
}

fn feature<'a>(status: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    status["features"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap()
}

fn stages(status: &serde_json::Value) -> Vec<String> {
    status["features"].as_array().unwrap().iter().map(|f| f["stage"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_whole_train_from_a_clean_history_to_the_testnet_gate() {
    let train = train("train-flow");
    assert_eq!(stages(&status(&train)), ["alphanet_deployment"; 3]);

    train.record("alphanet", Mode::Alphanet, &CANDIDATES, TestOutcome::Passed, 0, 10);
    let ready = status(&train);
    assert_eq!(stages(&ready), ["betanet_scoping"; 3]);
    assert_eq!(ready["decision"]["to_betanet"], serde_json::json!(CANDIDATES));

    let assembled = train.run(&["betanet", "--upgrade-number", "21", "--hardfork-name", "Mudstone"]);
    assert_eq!(assembled.code(), Some(0), "{}", assembled.all());
    let spec = NetworkSpec::load(train.betanet_spec()).expect("the written spec loads with the ordinary loader");
    assert_eq!((spec.name.as_str(), spec.mode, spec.upgrade_number, spec.hardfork_name.as_deref()), ("betanet-21-d1", Mode::Betanet, Some(21), Some("Mudstone")));
    assert_eq!(spec.features.as_deref(), Some(&CANDIDATES.map(String::from)[..]));
    // The set's first fork is Fjord: Ecotone at genesis, Fjord through Isthmus live 4 blocks
    // (8 s) apart, nothing after Isthmus.
    assert_eq!(spec.forks.ecotone, Some(Activation::Genesis));
    let live: Vec<u64> = [spec.forks.fjord, spec.forks.granite, spec.forks.holocene, spec.forks.isthmus].iter().map(|a| a.unwrap().seconds()).collect();
    assert_eq!(live, [8, 16, 24, 32]);
    assert_eq!((spec.forks.jovian, spec.forks.karst), (None, None));
    let validate = std::process::Command::new(env!("CARGO_BIN_EXE_harness")).arg("validate").arg(train.betanet_spec()).output().unwrap();
    assert!(validate.status.success(), "{}", String::from_utf8_lossy(&validate.stderr));
    let recorded = TrainFile::load(&train.file()).unwrap();
    assert_eq!((recorded.betanet.deployment, recorded.betanet.features.len()), (1, 3));
    assert!(recorded.source.contains("# written by the harness"), "comments survive the edit:\n{}", recorded.source);

    let early = train.run(&["gate", "testnet"]);
    assert_eq!(early.code(), Some(1), "{}", early.all());
    assert!(early.stdout().contains("missing: fjord.p256verify: INSUFFICIENT_DATA"), "{}", early.all());
    assert!(early.stdout().contains("Cut the release 2–3 weeks before the Testnet activation"), "{}", early.all());

    train.record("betanet-21-d1", Mode::Betanet, &CANDIDATES, TestOutcome::Passed, 20, 10);
    let open = train.run(&["gate", "testnet"]);
    assert_eq!(open.code(), Some(0), "{}", open.all());
    assert!(open.stdout().contains("OPEN"), "{}", open.all());
    assert_eq!(status(&train)["decision"]["to_testnet"], serde_json::json!(CANDIDATES));

    let removed = train.run(&["remove", "isthmus.eip7702", "--reason", "audit found a high risk"]);
    assert_eq!(removed.code(), Some(0), "{}", removed.all());
    assert!(removed.stdout().contains("the 10 runs of `betanet-21-d1` are not judged with it"), "{}", removed.all());
    let spec = NetworkSpec::load(train.betanet_spec()).unwrap();
    assert_eq!(spec.name, "betanet-21-d2");
    assert_eq!(spec.features.as_deref(), Some(&["fjord.p256verify".to_owned(), "isthmus.activation".to_owned()][..]));
    let after = status(&train);
    assert_eq!(after["betanet"]["spec_name"], "betanet-21-d2");
    assert_eq!(after["betanet"]["runs"].as_array().unwrap().len(), 0, "the redeployed Betanet starts on an empty history");
    assert_eq!(feature(&after, "isthmus.eip7702")["stage"], "removed");
    assert_eq!(feature(&after, "isthmus.eip7702")["removed"]["reason"], "audit found a high risk");
    assert_eq!(feature(&after, "fjord.p256verify")["stage"], "betanet_deployment");
    assert_eq!(train.run(&["gate", "testnet"]).code(), Some(1));
}

#[test]
fn features_not_stable_on_the_alphanet_are_refused_with_their_verdicts() {
    let train = train("train-refuse");
    train.record("alphanet", Mode::Alphanet, &CANDIDATES[..2], TestOutcome::Passed, 0, 10);
    train.record("alphanet", Mode::Alphanet, &CANDIDATES[2..], TestOutcome::Failed, 0, 10);
    let before = fs::read_to_string(train.file()).unwrap();

    let named = train.run(&["betanet", "isthmus.eip7702", "--upgrade-number", "21", "--hardfork-name", "Mudstone"]);
    assert_eq!(named.code(), Some(1), "{}", named.all());
    assert!(named.stderr().contains("isthmus.eip7702: UNSTABLE on the Alphanet"), "{}", named.all());
    assert!(!train.betanet_spec().exists(), "nothing was written");
    assert_eq!(fs::read_to_string(train.file()).unwrap(), before);

    let rest = train.run(&["betanet", "--upgrade-number", "21", "--hardfork-name", "Mudstone"]);
    assert_eq!(rest.code(), Some(0), "{}", rest.all());
    assert!(rest.stderr().contains("stays on the Alphanet:\n  isthmus.eip7702: UNSTABLE"), "{}", rest.all());
    assert_eq!(NetworkSpec::load(train.betanet_spec()).unwrap().features.unwrap(), CANDIDATES[..2]);
    assert_eq!(feature(&status(&train), "isthmus.eip7702")["decision"], "goes_back");
}

#[test]
fn a_set_that_changes_l2_needs_a_name_and_a_number() {
    let train = train("train-naming");
    train.record("alphanet", Mode::Alphanet, &CANDIDATES, TestOutcome::Passed, 0, 10);
    let unnamed = train.run(&["betanet", "--upgrade-number", "21"]);
    assert_eq!(unnamed.code(), Some(2), "{}", unnamed.all());
    assert!(unnamed.stderr().contains("the Betanet set changes L2 (fjord.p256verify, isthmus.activation, isthmus.eip7702), so it needs a hardfork name"), "{}", unnamed.all());
    assert!(unnamed.stderr().contains("fix: assign a hardfork name"), "{}", unnamed.all());
    let unnumbered = train.run(&["betanet", "--hardfork-name", "Mudstone"]);
    assert_eq!(unnumbered.code(), Some(2), "{}", unnumbered.all());
    assert!(unnumbered.stderr().contains("fix: pass --upgrade-number N"), "{}", unnumbered.all());
    assert!(!train.betanet_spec().exists());
}

#[test]
fn an_unchanged_set_keeps_its_deployment_and_a_redeploy_starts_a_new_one() {
    let train = train("train-redeploy");
    train.record("alphanet", Mode::Alphanet, &CANDIDATES, TestOutcome::Passed, 0, 10);
    let first = ["betanet", "--upgrade-number", "21", "--hardfork-name", "Mudstone"];
    assert_eq!(train.run(&first).code(), Some(0));
    assert_eq!(train.run(&["betanet"]).code(), Some(0));
    assert_eq!(NetworkSpec::load(train.betanet_spec()).unwrap().name, "betanet-21-d1", "the same set is the same deployment");
    assert_eq!(train.run(&["betanet", "--redeploy"]).code(), Some(0));
    assert_eq!(NetworkSpec::load(train.betanet_spec()).unwrap().name, "betanet-21-d2");
    assert_eq!(train.run(&["betanet", "--upgrade-number", "22"]).code(), Some(0));
    assert_eq!(NetworkSpec::load(train.betanet_spec()).unwrap().name, "betanet-22-d3", "a new number is a new spec");
}

#[test]
fn the_gate_stays_closed_on_an_incident_or_an_open_audit() {
    let train = train("train-gate");
    train.record("alphanet", Mode::Alphanet, &CANDIDATES, TestOutcome::Passed, 0, 10);
    assert_eq!(train.run(&["betanet", "--upgrade-number", "21", "--hardfork-name", "Mudstone"]).code(), Some(0));
    train.record("betanet-21-d1", Mode::Betanet, &CANDIDATES, TestOutcome::Passed, 20, 10);
    let mut incident = run("betanet-21-d1", Mode::Betanet, &CANDIDATES, TestOutcome::Passed, 15);
    incident.tests.last_mut().unwrap().outcome = TestOutcome::Infra;
    train.history().append(&incident).unwrap();
    let closed = train.run(&["gate", "testnet"]);
    assert_eq!(closed.code(), Some(1), "{}", closed.all());
    assert!(closed.stdout().contains(&format!("missing: run {}: network checks failed: infra::network_starts", incident.run_id)), "{}", closed.all());

    let pending = fs::read_to_string(train.file()).unwrap().replacen("audit = \"passed\"", "audit = \"pending\"", 1);
    fs::write(train.file(), pending).unwrap();
    let audit = train.run(&["gate", "testnet"]);
    assert!(audit.stdout().contains("missing: isthmus.activation: audit pending"), "{}", audit.all());
}

#[test]
fn a_feature_takes_its_bundle_into_the_betanet_and_out_again() {
    let alphanet = shipped("examples/alphanet-example.toml").replace(r#"features = ["fjord.example_nut"]"#, r#"features = ["fjord.example_nut", "fjord.p256verify"]"#);
    let train_file = r#"
[alphanet]
spec = "alphanet.toml"

[betanet]
spec = "betanet-train.toml"

[[feature]]
id = "fjord.example_nut"
code_complete = true
audit = "not_needed"
bundle = "bundles/harness-version.json"

[[feature]]
id = "fjord.p256verify"
code_complete = true
audit = "not_needed"
"#;
    let train = Train::new("train-bundles", &alphanet, train_file);
    train.record("alphanet-example", Mode::Alphanet, &["fjord.example_nut", "fjord.p256verify"], TestOutcome::Passed, 0, 10);
    let done = train.run(&["betanet", "--upgrade-number", "7", "--hardfork-name", "Example"]);
    assert_eq!(done.code(), Some(0), "{}", done.all());
    let files = |spec: &NetworkSpec| spec.bundles.iter().map(|b| (b.fork.name(), b.builtin, b.file.clone())).collect::<Vec<_>>();
    let spec = NetworkSpec::load(train.betanet_spec()).unwrap();
    assert_eq!(files(&spec), [("fjord", true, None), ("fjord", false, Some("bundles/harness-version.json".into()))]);
    assert_eq!(spec.upgrade_bundles(harness::forks::Fork::Fjord).unwrap().iter().map(|b| b.transactions.len()).sum::<usize>(), 3 + 2);

    let removed = train.run(&["remove", "fjord.example_nut", "--reason", "the example is done"]);
    assert_eq!(removed.code(), Some(0), "{}", removed.all());
    let spec = NetworkSpec::load(train.betanet_spec()).unwrap();
    assert_eq!(files(&spec), [("fjord", true, None)], "its upgrade transactions left with it");
    assert_eq!(spec.upgrade_bundles(harness::forks::Fork::Fjord).unwrap()[0].transactions.len(), 3);
}

/// Removing the last feature empties the set: there is no Betanet until the next assembly, and
/// the name governance gave the upgrade stays (only an L1-only set loses it).
#[test]
fn emptying_the_set_keeps_its_name_and_number() {
    let train = train("train-empty");
    train.record("alphanet", Mode::Alphanet, &CANDIDATES, TestOutcome::Passed, 0, 10);
    let assembled = train.run(&["betanet", "isthmus.eip7702", "--upgrade-number", "22", "--hardfork-name", "Mudstone"]);
    assert_eq!(assembled.code(), Some(0), "{}", assembled.all());
    let removed = train.run(&["remove", "isthmus.eip7702", "--reason", "audit found a high risk"]);
    assert_eq!(removed.code(), Some(0), "{}", removed.all());
    assert!(removed.stdout().contains("the set is empty"), "{}", removed.all());
    assert!(!removed.stdout().contains("only L1 contracts"), "an empty set is not an L1-only one: {}", removed.all());
    let recorded = TrainFile::load(&train.file()).unwrap();
    assert_eq!((recorded.betanet.upgrade_number, recorded.betanet.hardfork_name.as_deref()), (Some(22), Some("Mudstone")));
    assert!(!train.betanet_spec().exists(), "no Betanet spec without a set");
}
