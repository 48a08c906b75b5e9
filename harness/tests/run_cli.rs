//! `harness run <spec> --runs N` for real, kept cheap: N = 2 on the example feature's Alphanet,
//! whose scope is one feature (a few seconds a run).

mod verdict_support;

use std::{path::Path, process::Command};

use harness::history::{FileHistory, TestOutcome};
use verdict_support::scratch;

#[test]
fn two_runs_each_on_a_fresh_network_are_recorded_and_judged_together() {
    let dir = scratch("run-twice");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/examples/alphanet-example.toml");
    let done = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("run")
        .arg(&spec)
        .args(["--runs", "2", "--history"])
        .arg(dir.join("history"))
        .arg("--out")
        .arg(dir.join("out"))
        .env_remove("HARNESS_HISTORY")
        .env_remove("HARNESS_L2_RPC")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(1), "two runs are too few for a verdict: {stderr}");
    assert!(stderr.contains("[1/2] run ") && stderr.contains("[2/2] run "), "progress per run: {stderr}");
    assert_eq!(stderr.matches("is up on the embedded backend").count(), 2, "a fresh network per run: {stderr}");

    let runs = FileHistory::new(dir.join("history")).load().unwrap();
    assert_eq!(runs.len(), 2);
    for run in &runs {
        let example: Vec<_> = run.tests.iter().filter(|t| t.features == ["fjord.example_nut"]).collect();
        assert_eq!(example.len(), 2, "both checks of the example ran: {:?}", run.tests);
        assert!(example.iter().all(|t| t.outcome == TestOutcome::Passed), "{:?}", example);
    }
    let verdict: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("out/verdict.json")).unwrap()).unwrap();
    assert_eq!(verdict["runs"].as_array().unwrap().len(), 2, "the lot is judged together");
    assert_eq!(verdict["verdict"]["features"][0]["stats"]["runs"], 2);
}
