//! `harness verdict` through the real binary: exit codes, the files it writes, the history it
//! appends to, and the history it must leave alone when the input is bad.

mod verdict_support;

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use verdict_support::{fixture, scratch, snapshot};

struct Run {
    out: Output,
    dir: PathBuf,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.dir.join("out/verdict.json")).unwrap()).unwrap()
    }
}

/// Runs `harness verdict` with `args` plus `--out <dir>/out`, outside any GitHub job.
fn verdict(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("verdict")
        .args(args)
        .arg("--out")
        .arg(dir.join("out"))
        .args(["--commit", "0123456789abcdef0123456789abcdef01234567"])
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("the harness binary runs");
    Run { out, dir: dir.to_path_buf() }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The shipped Alphanet spec, scoped to the fixtures' features, judging single runs.
fn lenient_spec(dir: &Path) -> PathBuf {
    let shipped = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/alphanet.toml")).unwrap();
    let without_policy = shipped.split("\n[stability]").next().unwrap();
    let scoped = without_policy.replacen(
        "\nmode = \"alphanet\"\n",
        "\nmode = \"alphanet\"\nfeatures = [\"isthmus.eip7702\", \"fjord.p256verify\", \"isthmus.activation\"]\n",
        1,
    );
    let spec = dir.join("alphanet-lenient.toml");
    let text = verdict_support::anywhere(&format!("{scoped}\n[stability]\nmin_runs = 1\nconsecutive_passes = 1\nmin_pass_rate = 0.0\n"));
    fs::write(&spec, text).unwrap();
    spec
}

#[test]
fn a_stable_network_exits_0_and_writes_three_reports() {
    let dir = scratch("cli-stable");
    let spec = lenient_spec(&dir);
    let run = verdict(&dir, &["--junit", path(&fixture("green.xml")), "--spec", path(&spec)]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(run.stdout().starts_with("## ✅ Stable: alphanet — 3 of 3 features stable"), "{}", run.stdout());
    for name in ["verdict.json", "report.md", "report.html"] {
        assert!(dir.join("out").join(name).is_file(), "{name} missing");
    }
    assert_eq!(run.json()["status"], "stable");
    assert_eq!(run.json()["network"]["git_commit"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(run.json()["network"]["fork_schedule"]["isthmus"], 0);
}

#[test]
fn an_unstable_feature_exits_1() {
    let dir = scratch("cli-unstable");
    let spec = lenient_spec(&dir);
    let run = verdict(&dir, &["--junit", path(&fixture("red.xml")), "--spec", path(&spec)]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(run.stdout().contains("| `isthmus.eip7702` | L2 | ❌ UNSTABLE |"), "{}", run.stdout());
}

#[test]
fn without_a_spec_the_mode_is_inferred_and_the_tests_set_the_scope() {
    let dir = scratch("cli-no-spec");
    let run = verdict(&dir, &["--junit", path(&fixture("green.xml"))]);
    assert_eq!(run.code(), Some(1), "one run is too few under the default policy: {}", run.stderr());
    let json = run.json();
    assert_eq!(json["network"]["mode"], "alphanet");
    let ids: Vec<_> = json["verdict"]["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["fjord.p256verify", "isthmus.activation", "isthmus.eip7702"]);
    assert!(json["verdict"]["features"].as_array().unwrap().iter().all(|f| f["verdict"] == "INSUFFICIENT_DATA"));
}

#[test]
fn each_call_appends_one_run_and_the_whole_history_is_judged() {
    let dir = scratch("cli-history");
    let spec = lenient_spec(&dir);
    let history = dir.join("history");
    for fixture_name in ["green.xml", "flaky.xml", "green.xml"] {
        let run = verdict(&dir, &["--junit", path(&fixture(fixture_name)), "--spec", path(&spec), "--history", path(&history)]);
        assert!(run.stderr().contains("recorded run"), "{}", run.stderr());
    }
    assert_eq!(snapshot(&history).iter().filter(|(name, _)| name.ends_with(".json")).count(), 3);
    let json = verdict(&dir, &["--junit", path(&fixture("green.xml")), "--spec", path(&spec), "--history", path(&history)]).json();
    assert_eq!(json["runs"].as_array().unwrap().len(), 4);
    let eip7702 = json["verdict"]["features"].as_array().unwrap().iter().find(|f| f["id"] == "isthmus.eip7702").unwrap().clone();
    assert_eq!(eip7702["verdict"], "FLAKY", "{eip7702}");

    let other_network = verdict(&dir, &["--junit", path(&fixture("green.xml")), "--history", path(&history)]).json();
    assert_eq!(other_network["runs"].as_array().unwrap().len(), 1, "runs without the spec are another network's");
}

#[test]
fn an_infrastructure_failure_exits_2_and_still_reports() {
    let dir = scratch("cli-infra");
    let run = verdict(&dir, &["--junit", path(&fixture("infra.xml")), "--spec", path(&lenient_spec(&dir))]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("error: the network failed in this run"), "{}", run.stderr());
    assert_eq!(run.json()["status"], "infra");
    assert!(run.stdout().starts_with("## ⚠️ Infrastructure failure"), "{}", run.stdout());
}

#[test]
fn bad_input_exits_2_naming_the_file_and_leaves_the_history_alone() {
    let dir = scratch("cli-bad-input");
    let history = dir.join("history");
    let seeded = verdict(&dir, &["--junit", path(&fixture("green.xml")), "--history", path(&history)]);
    assert_eq!(seeded.code(), Some(1), "{}", seeded.stderr());
    let before = snapshot(&history);

    let cases = [
        ("unclaimed.xml", "smoke::it_works"),
        ("truncated.xml", "fix: the file is damaged or was cut short"),
        ("malformed.xml", "fix: the file is damaged or was cut short"),
        ("absent.xml", "cannot read it"),
    ];
    for (name, says) in cases {
        let run = verdict(&dir, &["--junit", path(&fixture(name)), "--history", path(&history)]);
        assert_eq!(run.code(), Some(2), "{name}: {}", run.stderr());
        assert!(run.stderr().contains(path(&fixture(name))) && run.stderr().contains(says), "{name}: {}", run.stderr());
        assert_eq!(snapshot(&history), before, "{name} changed the history");
    }

    let newer = history.join("20300101T000000Z-00000000.json");
    fs::write(&newer, br#"{"schema_version": 7}"#).unwrap();
    let before = snapshot(&history);
    let run = verdict(&dir, &["--junit", path(&fixture("green.xml")), "--history", path(&history)]);
    assert_eq!(run.code(), Some(2));
    assert!(run.stderr().contains(path(&newer)) && run.stderr().contains("newer harness"), "{}", run.stderr());
    assert_eq!(snapshot(&history), before);
}

#[test]
fn the_mode_comes_from_the_flag_the_spec_or_the_binaries() {
    let dir = scratch("cli-mode");
    let mixed = fixture("two-modes.xml");
    let ambiguous = verdict(&dir, &["--junit", path(&mixed)]);
    assert_eq!(ambiguous.code(), Some(2));
    assert!(ambiguous.stderr().contains("fix: pass --mode alphanet|betanet"), "{}", ambiguous.stderr());

    let betanet = verdict(&dir, &["--junit", path(&mixed), "--mode", "betanet"]);
    assert!(betanet.stderr().contains("leaving out test binary op-suites::alphanet"), "{}", betanet.stderr());
    let json = betanet.json();
    assert_eq!(json["network"]["mode"], "betanet");
    assert_eq!(json["verdict"]["next_stage"], "Testnet");
    let tests: Vec<_> = json["verdict"]["features"].as_array().unwrap().iter().flat_map(|f| f["tests"].as_array().unwrap().clone()).collect();
    assert_eq!(tests.len(), 2, "only the betanet binary's tests: {tests:?}");

    let contradiction = verdict(&dir, &["--junit", path(&mixed), "--mode", "betanet", "--spec", path(&lenient_spec(&dir))]);
    assert_eq!(contradiction.code(), Some(2));
    assert!(contradiction.stderr().contains("--mode betanet contradicts"), "{}", contradiction.stderr());
    assert_eq!(verdict(&dir, &["--junit", path(&mixed), "--mode", "testnet"]).code(), Some(2));

    let wrong_network = verdict(&dir, &["--junit", path(&fixture("shard-1-of-2.xml")), "--mode", "alphanet"]);
    assert_eq!(wrong_network.code(), Some(2));
    assert!(wrong_network.stderr().contains("no test ran against the alphanet network"), "{}", wrong_network.stderr());
}

#[test]
fn shards_of_one_run_merge_into_one_verdict() {
    let dir = scratch("cli-shards");
    let run = verdict(&dir, &["--junit", path(&fixture("shard-1-of-2.xml")), path(&fixture("shard-2-of-2.xml"))]);
    let json = run.json();
    assert_eq!(json["network"]["mode"], "betanet");
    let ids: Vec<_> = json["verdict"]["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["fjord.p256verify", "isthmus.activation", "isthmus.eip7702"], "features from both shards");
}

#[test]
fn the_summary_is_appended_to_the_github_step_summary() {
    let dir = scratch("cli-summary");
    let summary = dir.join("summary.md");
    fs::write(&summary, "earlier step\n").unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["verdict", "--junit", path(&fixture("red.xml")), "--out", path(&dir.join("out"))])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    let text = fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n## ❌ Not stable: alphanet"), "{text}");
    assert_eq!(text.trim_end(), format!("earlier step\n{}", fs::read_to_string(dir.join("out/report.md")).unwrap()).trim_end());
}
