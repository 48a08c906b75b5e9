//! The run history: append-only, atomic, and never rewritten, even when it cannot be read.

mod verdict_support;

use std::fs;

use harness::history::{HistoryError, HistoryStore};
use verdict_support::{night, scratch, snapshot};

#[test]
fn appended_runs_come_back_oldest_first() {
    let store = HistoryStore::new(scratch("order").join("history"));
    assert!(store.load().unwrap().is_empty(), "a missing folder is an empty history");
    let (second, first) = (night("red.xml", 1), night("green.xml", 0));
    store.append(&second).unwrap();
    store.append(&first).unwrap();
    assert_eq!(store.load().unwrap(), [first, second]);
}

#[test]
fn a_run_is_never_replaced() {
    let store = HistoryStore::new(scratch("replace"));
    let run = night("green.xml", 0);
    let file = store.append(&run).unwrap();
    let before = fs::read(&file).unwrap();
    let mut changed = run.clone();
    changed.git_commit = Some("tampered".into());
    assert!(matches!(store.append(&changed), Err(HistoryError::Write { .. })));
    assert_eq!(fs::read(&file).unwrap(), before);
    assert_eq!(store.load().unwrap(), [run]);
}

#[test]
fn a_crash_mid_write_leaves_earlier_runs_readable() {
    let dir = scratch("crash");
    let store = HistoryStore::new(&dir);
    let run = night("green.xml", 0);
    store.append(&run).unwrap();
    // What a crash between writing and linking leaves behind: a hidden, partial file.
    fs::write(dir.join(".20250302T020000Z-deadbeef.json.tmp"), b"{\"schema_version\": 1, \"run_id\": \"2025").unwrap();
    assert_eq!(store.load().unwrap(), [run]);
    store.append(&night("green.xml", 1)).unwrap();
    assert_eq!(store.load().unwrap().len(), 2);
}

#[test]
fn a_history_from_a_newer_harness_is_refused_untouched() {
    let dir = scratch("newer");
    let store = HistoryStore::new(&dir);
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
    let err = HistoryStore::new(&dir).load().unwrap_err();
    assert!(matches!(err, HistoryError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&damaged.display().to_string()), "{err}");
    assert_eq!(fs::read(&damaged).unwrap(), b"{\"schema_version\": 1, \"run_id\": ");
}

#[test]
fn records_keep_everything_the_issue_lists() {
    let dir = scratch("fields");
    let file = HistoryStore::new(&dir).append(&night("flaky.xml", 0)).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(file).unwrap()).unwrap();
    for key in ["schema_version", "run_id", "time", "git_commit", "spec_hash", "mode", "fork_schedule", "node_versions", "tests"] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    let flaky = json["tests"].as_array().unwrap().iter().find(|t| t["outcome"] == "flaky").unwrap();
    assert_eq!(flaky["attempts"], 2);
    assert_eq!(flaky["features"], serde_json::json!(["isthmus.eip7702"]));
    assert!(flaky["duration_secs"].as_f64().unwrap() > 0.0);
}
