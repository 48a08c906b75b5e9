//! The file history: append-only, atomic, never rewritten even when it cannot be read, and
//! keyed by run id so that no run counts twice.

mod verdict_support;

use std::fs;

use harness::{
    history::{Appended, FileHistory, HistoryError},
    spec::{Mode, StabilityPolicy},
    verdict::judge,
};
use verdict_support::{night, scope, scratch, snapshot};

#[test]
fn appended_runs_come_back_oldest_first() {
    let store = FileHistory::new(scratch("order").join("history"));
    assert!(store.load().unwrap().is_empty(), "a missing folder is an empty history");
    let (second, first) = (night("red.xml", 1), night("green.xml", 0));
    store.append(&second).unwrap();
    store.append(&first).unwrap();
    assert_eq!(store.load().unwrap(), [first, second]);
}

#[test]
fn a_run_is_never_replaced() {
    let dir = scratch("replace");
    let store = FileHistory::new(&dir);
    let run = night("green.xml", 0);
    assert_eq!(store.append(&run).unwrap(), Appended::Recorded);
    let file = dir.join(format!("{}.json", run.run_id));
    let before = fs::read(&file).unwrap();
    let mut changed = run.clone();
    changed.git_commit = Some("tampered".into());
    assert!(matches!(store.append(&changed), Err(HistoryError::Conflict { .. })));
    assert_eq!(fs::read(&file).unwrap(), before);
    assert_eq!(store.load().unwrap(), [run]);
}

#[test]
fn appending_the_same_run_twice_records_it_once() {
    let dir = scratch("twice");
    let store = FileHistory::new(&dir);
    let run = night("green.xml", 0);
    assert_eq!(store.append(&run).unwrap(), Appended::Recorded);
    let before = snapshot(&dir);
    assert_eq!(store.append(&run).unwrap(), Appended::AlreadyRecorded);
    assert_eq!(snapshot(&dir), before);
}

/// Issue #14 item 6: a record copied under another file name was judged twice, inflating the
/// count toward STABLE.
#[test]
fn a_record_copied_under_another_name_counts_once() {
    let dir = scratch("copied");
    let store = FileHistory::new(&dir);
    let runs: Vec<_> = (0..9).map(|n| night("green.xml", n)).collect();
    for run in &runs {
        store.append(run).unwrap();
    }
    let original = dir.join(format!("{}.json", runs[8].run_id));
    fs::copy(&original, dir.join("copy of the last night.json")).unwrap();

    let loaded = store.load().unwrap();
    assert_eq!(loaded, runs, "nine runs, not ten");
    let verdict = judge(Mode::Alphanet, &loaded, &scope(), &StabilityPolicy::default());
    assert!(verdict.features.iter().all(|f| f.stats.runs == 9), "{:?}", verdict.features.iter().map(|f| f.stats.runs).collect::<Vec<_>>());
    assert_eq!(store.append(&runs[8]).unwrap(), Appended::AlreadyRecorded, "found under the other name too");
}

#[test]
fn two_different_records_with_one_run_id_are_refused_naming_both() {
    let dir = scratch("forged");
    let store = FileHistory::new(&dir);
    let run = night("green.xml", 0);
    store.append(&run).unwrap();
    let mut forged = run.clone();
    forged.tests.truncate(1);
    let forged_file = dir.join("forged.json");
    fs::write(&forged_file, serde_json::to_vec(&forged).unwrap()).unwrap();
    let before = snapshot(&dir);

    let err = store.load().unwrap_err();
    assert!(matches!(err, HistoryError::Conflict { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&run.run_id) && text.contains(&forged_file.display().to_string()), "{text}");
    assert_eq!(snapshot(&dir), before);
}

/// Issue #14 item 6: a SIGKILL between writing and linking left a full `.tmp` file forever.
#[test]
fn the_next_append_removes_what_a_killed_append_left() {
    let dir = scratch("killed");
    let store = FileHistory::new(&dir);
    store.append(&night("green.xml", 0)).unwrap();
    // What a kill between writing and linking leaves: the whole record under its hidden name.
    let orphan = night("green.xml", 1);
    let leftover = dir.join(format!(".{}.json.tmp", orphan.run_id));
    fs::write(&leftover, serde_json::to_vec_pretty(&orphan).unwrap()).unwrap();
    assert_eq!(store.load().unwrap().len(), 1, "readers skip it");

    store.append(&night("green.xml", 2)).unwrap();
    assert!(!leftover.exists(), "the leftover is gone");
    let hidden: Vec<_> = snapshot(&dir).into_iter().map(|(name, _)| name).filter(|n| n.starts_with('.') && n != ".lock").collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    assert_eq!(store.load().unwrap().len(), 2, "the interrupted run was never acknowledged, so it is not recorded");
}

#[test]
fn a_history_from_a_newer_harness_is_refused_untouched() {
    let dir = scratch("newer");
    let store = FileHistory::new(&dir);
    store.append(&night("green.xml", 0)).unwrap();
    let newer = dir.join("20300101T000000Z-00000000.json");
    fs::write(&newer, br#"{"schema_version": 2, "run_id": "future", "shape": "unknown"}"#).unwrap();
    let before = snapshot(&dir);

    let err = store.load().unwrap_err();
    assert!(matches!(err, HistoryError::Newer { found: 2, .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&newer.display().to_string()) && text.contains("fix: judge this history with a harness at least as new"), "{text}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn a_damaged_record_is_named_and_left_alone() {
    let dir = scratch("damaged");
    let damaged = dir.join("20250301T020000Z-0badf00d.json");
    fs::write(&damaged, b"{\"schema_version\": 1, \"run_id\": ").unwrap();
    let err = FileHistory::new(&dir).load().unwrap_err();
    assert!(matches!(err, HistoryError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&damaged.display().to_string()), "{err}");
    assert_eq!(fs::read(&damaged).unwrap(), b"{\"schema_version\": 1, \"run_id\": ");
}

#[test]
fn records_keep_everything_the_issue_lists() {
    let dir = scratch("fields");
    let run = night("flaky.xml", 0);
    FileHistory::new(&dir).append(&run).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(dir.join(format!("{}.json", run.run_id))).unwrap()).unwrap();
    for key in ["schema_version", "run_id", "time", "git_commit", "spec_hash", "mode", "fork_schedule", "node_versions", "tests"] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    let flaky = json["tests"].as_array().unwrap().iter().find(|t| t["outcome"] == "flaky").unwrap();
    assert_eq!(flaky["attempts"], 2);
    assert_eq!(flaky["features"], serde_json::json!(["isthmus.eip7702"]));
    assert!(flaky["duration_secs"].as_f64().unwrap() > 0.0);
}
