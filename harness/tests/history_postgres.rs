//! The PostgreSQL history against a real server: migrations, run-id keying, and many processes
//! appending at once without losing or doubling a run.

mod pg_support;
mod train_support;
mod verdict_support;

use std::{
    collections::BTreeSet,
    path::Path,
    process::{Command, Output},
};

use harness::history::{Appended, FileHistory, History, HistoryError, Location, PgHistory, RunRecord};
use pg_support::PgServer;
use verdict_support::{fixture, night, scratch};

fn open(server: &PgServer) -> History {
    History::open(&Location::parse(&server.url())).expect("the history opens")
}

fn harness(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command.args(args).env_remove("GITHUB_STEP_SUMMARY").env_remove("HARNESS_HISTORY");
    command
}

fn check(output: &Output) {
    assert!(output.status.success(), "exit {:?}\n{}", output.status.code(), String::from_utf8_lossy(&output.stderr));
}

#[test]
fn runs_are_keyed_by_run_id_and_come_back_oldest_first() {
    let server = PgServer::start();
    let mut history = open(&server);
    let runs: Vec<RunRecord> = [2, 0, 1].into_iter().map(|n| night("green.xml", n)).collect();
    for run in &runs {
        assert_eq!(history.append(run).unwrap(), Appended::Recorded);
    }
    assert_eq!(history.append(&runs[0]).unwrap(), Appended::AlreadyRecorded);
    let mut changed = runs[0].clone();
    changed.git_commit = Some("tampered".into());
    let err = history.append(&changed).unwrap_err();
    assert!(matches!(err, HistoryError::Conflict { .. }), "{err}");

    let mut again = open(&server);
    let loaded = again.load().unwrap();
    assert_eq!(loaded, [runs[1].clone(), runs[2].clone(), runs[0].clone()], "reconnecting migrates nothing twice and loses nothing");
}

#[test]
fn a_database_migrated_by_a_newer_harness_is_refused() {
    let server = PgServer::start();
    open(&server).append(&night("green.xml", 0)).unwrap();
    let mut admin = postgres::Client::connect(&server.url(), postgres::NoTls).unwrap();
    admin.execute("INSERT INTO harness_schema (version) VALUES (99)", &[]).unwrap();

    let err = PgHistory::connect(&server.url()).err().expect("refused");
    assert!(matches!(err, HistoryError::NewerDatabase { found: 99, .. }), "{err}");
    let count: i64 = admin.query_one("SELECT count(*) FROM harness_runs", &[]).unwrap().get(0);
    assert_eq!(count, 1, "nothing was changed");
}

#[test]
fn an_unreachable_server_is_named_with_the_fix_and_no_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://ci:hunter2@127.0.0.1:{port}/history");
    let err = PgHistory::connect(&url).err().expect("no server listens there");
    let text = err.to_string();
    assert!(text.contains(&format!("postgres://ci@127.0.0.1:{port}/history: cannot connect")), "{text}");
    assert!(text.contains("fix: start the server (scripts/postgres start)"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// A train whose candidates are the fixtures' features.
const TRAIN: &str = r#"
[alphanet]
spec = "alphanet.toml"

[betanet]
spec = "betanet-train.toml"

[[feature]]
id = "isthmus.eip7702"
code_complete = true
audit = "passed"

[[feature]]
id = "fjord.p256verify"
code_complete = true
audit = "not_needed"
"#;

/// Four folders of 25 runs each: 20 of their own and the same 5 in every folder.
fn overlapping_folders(root: &Path) -> (Vec<std::path::PathBuf>, BTreeSet<String>) {
    let shared: Vec<RunRecord> = (0..5).map(|n| night("green.xml", n)).collect();
    let mut expected: BTreeSet<String> = shared.iter().map(|r| r.run_id.clone()).collect();
    let folders = (0..4)
        .map(|machine| {
            let dir = root.join(format!("machine-{machine}"));
            let store = FileHistory::new(&dir);
            for run in &shared {
                store.append(run).unwrap();
            }
            for n in 0..20 {
                let run = night(["green.xml", "red.xml", "flaky.xml"][n % 3], 100 * (machine + 1) + n as i64);
                expected.insert(run.run_id.clone());
                store.append(&run).unwrap();
            }
            dir
        })
        .collect();
    (folders, expected)
}

#[test]
fn four_processes_appending_at_once_lose_and_double_nothing() {
    let server = PgServer::start();
    let root = scratch("pg-concurrent");
    let (folders, expected) = overlapping_folders(&root);
    let url = server.url();

    // Four imports and four verdicts, all started before any is waited for; the first
    // connections race to migrate the empty database.
    let imports: Vec<_> = folders
        .iter()
        .map(|dir| spawn(harness(&["history", "import", dir.to_str().unwrap(), "--into", &url])))
        .collect();
    let verdicts: Vec<_> = (0..4)
        .map(|i| {
            let out = root.join(format!("verdict-{i}"));
            spawn(harness(&["verdict", "--junit", fixture("green.xml").to_str().unwrap(), "--history", &url, "--out", out.to_str().unwrap()]))
        })
        .collect();
    for child in imports.into_iter().chain(verdicts) {
        let output = child.wait_with_output().unwrap();
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    }

    let loaded = open(&server).load().unwrap();
    let ids: Vec<&str> = loaded.iter().map(|r| r.run_id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "no run twice");
    let imported: BTreeSet<String> = unique.iter().filter(|id| expected.contains(**id)).map(|id| (*id).to_owned()).collect();
    assert_eq!(imported, expected, "every imported run, once");
    assert_eq!(loaded.len(), expected.len() + 4, "plus the four verdicts' own runs");
    for dir in &folders {
        for run in FileHistory::new(dir).load().unwrap() {
            assert!(loaded.contains(&run), "{} came back changed", run.run_id);
        }
    }

    // The train reads the shared history: every imported Alphanet run, each once.
    let train = train_support::Train::new("pg-train", &train_support::shipped("alphanet.toml"), TRAIN);
    let status = harness(&["train", "--file", train.file().to_str().unwrap(), "--history", &url, "status", "--json", "--out"])
        .arg(root.join("pages"))
        .output()
        .unwrap();
    check(&status);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["alphanet"]["runs"].as_array().unwrap().len(), expected.len());

    // An import repeated later adds nothing.
    let again = harness(&["history", "import", folders[0].to_str().unwrap(), "--into", &url]).output().unwrap();
    check(&again);
    assert!(String::from_utf8_lossy(&again.stdout).contains("imported 0 of 25 runs"), "{}", String::from_utf8_lossy(&again.stdout));
}

/// Starts `command` with its output captured, for `wait_with_output`.
fn spawn(mut command: Command) -> std::process::Child {
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
}
