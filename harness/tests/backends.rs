//! The backends through the real binary: each prints the same ready line, stops cleanly on
//! SIGTERM, and what a SIGKILLed run leaves `harness clean` removes. Needs what scripts/setup
//! installs (anvil, a Docker engine, the local images); without them these tests fail, saying so.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use serde_json::Value;

mod tx_support;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// Start-up allowance for a network: containers and genesis on a loaded 2-core machine.
const READY: Duration = Duration::from_secs(90);

fn harness() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command.current_dir(WORKSPACE);
    command
}

/// Starts `harness up --json` with `args` and returns it with its ready line.
fn up(args: &[&str], env: &[(&str, &str)]) -> (Child, Value) {
    let mut child = harness()
        .args(["up", "--json", "--clock", "fast"])
        .args(["--exit-with-parent", &std::process::id().to_string()])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("harness runs");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let line = BufReader::new(stdout).lines().next().and_then(Result::ok);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(READY) {
        Ok(Some(line)) => (child, serde_json::from_str(&line).expect("the ready line is JSON")),
        _ => {
            let _ = child.kill();
            let output = child.wait_with_output().expect("waited");
            panic!("no ready line within {READY:?}; stderr:\n{}\n(precondition: scripts/setup installs anvil, Docker and the images)", String::from_utf8_lossy(&output.stderr));
        }
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
}

/// `harness clean --check --run <run>`: whether the run left something (exit 1) or not (0).
fn leftovers(run: &str) -> bool {
    let status = harness().args(["clean", "--check", "--run", run]).status().expect("harness runs");
    match status.code() {
        Some(0) => false,
        Some(1) => true,
        other => panic!("harness clean --check exited {other:?}"),
    }
}

fn run_id(ready: &Value) -> String {
    ready["run"].as_str().expect("the ready line names the run").to_owned()
}

fn assert_ready_line(ready: &Value) {
    assert_eq!(ready["l1"]["chain_id"], 900);
    assert_eq!(ready["l2"][0]["chain_id"], 902);
    assert_eq!(ready["l2"][0]["name"], "op-beta");
    let genesis = ready["genesis_time"].as_u64().expect("a genesis time");
    assert_eq!(ready["forks"]["karst"].as_u64(), Some(genesis + 8));
    for url in [&ready["l1"]["rpc"], &ready["l2"][0]["rpc"]] {
        assert!(url.as_str().is_some_and(|u| u.starts_with("http://127.0.0.1:")), "{url}");
    }
}

fn stops_cleanly_on_sigterm(backend: &str) {
    let (mut child, ready) = up(&["networks/betanet.toml", "--backend", backend], &[]);
    assert_ready_line(&ready);
    let run = run_id(&ready);
    signal(&child, "TERM");
    assert!(child.wait().expect("waited").success(), "harness up exits 0 on SIGTERM");
    assert!(!leftovers(&run), "the {backend} backend left something behind after SIGTERM");
}

#[test]
fn process_backend_is_ready_and_leaves_nothing() {
    stops_cleanly_on_sigterm("process");
}

#[test]
fn container_backend_is_ready_and_leaves_nothing() {
    stops_cleanly_on_sigterm("container");
}

#[test]
fn harness_clean_sweeps_a_sigkilled_container_run() {
    let (mut child, ready) = up(&["networks/betanet.toml", "--backend", "container"], &[]);
    let run = run_id(&ready);
    signal(&child, "KILL");
    child.wait().expect("waited");
    assert!(leftovers(&run), "a SIGKILLed container run leaves its containers (nothing to sweep otherwise)");
    assert!(harness().args(["clean", "--run", &run]).status().expect("harness runs").success());
    assert!(!leftovers(&run), "harness clean left something of the container run");
}

/// How long any harness process may take to exit after SIGTERM, whatever it is doing.
const STOP: Duration = Duration::from_secs(2);

/// Waits up to `deadline` for `child` to exit; kills it (and fails) if it does not.
fn exits_within(child: &mut Child, deadline: Duration, what: &str) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    while started.elapsed() < deadline {
        if let Some(status) = child.try_wait().expect("waited") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{what}: still running {deadline:?} after SIGTERM");
}

#[test]
fn process_backend_nodes_die_with_a_sigkilled_parent() {
    let (mut child, ready) = up(&["networks/betanet.toml", "--backend", "process"], &[]);
    let run = run_id(&ready);
    signal(&child, "KILL");
    child.wait().expect("waited");
    let check = harness().args(["clean", "--check", "--wait", "2", "--run", &run]).output().expect("harness runs");
    assert_eq!(check.status.code(), Some(0), "anvil and the L2 node outlived their SIGKILLed parent:\n{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn sigterm_ends_a_fast_network_holding_a_gapped_transaction() {
    let (mut child, ready) = up(&["networks/alphanet.toml"], &[]);
    let url = ready["l2"][0]["rpc"].as_str().expect("an L2 RPC").to_owned();
    let chain_id = ready["l2"][0]["chain_id"].as_u64().expect("a chain id");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use alloy::providers::Provider;
        let raw = tx_support::transfer(&tx_support::signer(1), chain_id, 10, tx_support::FEE);
        let _pending = tx_support::client(&url).send_raw_transaction(&raw).await.expect("a gapped transaction is accepted");
    });
    // Let the producer run with it for a while, as a user's network would.
    std::thread::sleep(Duration::from_secs(1));
    signal(&child, "TERM");
    let status = exits_within(&mut child, STOP, "a fast network with a gapped transaction");
    assert!(status.success(), "a stop on request is a success: {status}");
}

#[test]
fn sigterm_during_start_up_ends_the_process() {
    // An L1 that accepts connections and never answers: start-up waits on it for ever.
    let silent_l1 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let l1_rpc = format!("http://{}", silent_l1.local_addr().unwrap());
    let mut child = harness()
        .args(["up", "--json", "--clock", "fast", "--l1-rpc", &l1_rpc, "networks/betanet.toml"])
        .args(["--exit-with-parent", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("harness runs");
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, "TERM");
    exits_within(&mut child, STOP, "harness up waiting on its L1");
}

#[test]
fn external_backend_attaches_to_a_running_network() {
    let (mut embedded, ready) = up(&["networks/betanet.toml"], &[]);
    let (l1, l2) = (ready["l1"]["rpc"].as_str().unwrap(), ready["l2"][0]["rpc"].as_str().unwrap());
    let (mut external, seen) = up(&["networks/betanet.toml", "--backend", "external"], &[("HARNESS_L1_RPC", l1), ("HARNESS_L2_RPC", l2)]);
    assert_eq!(seen["forks"], ready["forks"], "the external backend reads the schedule from optimism_rollupConfig");
    assert_eq!(seen["l2"][0]["rpc"], ready["l2"][0]["rpc"]);
    for child in [&mut external, &mut embedded] {
        signal(child, "TERM");
        assert!(child.wait().expect("waited").success());
    }
}

#[test]
fn dev_keys_are_refused_on_a_public_chain() {
    let dir = std::env::temp_dir().join(format!("harness-public-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = std::fs::read_to_string(Path::new(WORKSPACE).join("networks/betanet.toml")).unwrap().replace("chain_id = 902", "chain_id = 10");
    let spec = spec.replace("\"../../shared/", &format!("\"{WORKSPACE}/networks/../../shared/"));
    std::fs::write(dir.join("op-mainnet.toml"), spec).unwrap();
    let output = harness()
        .args(["up", "--json", "--backend", "external", dir.join("op-mainnet.toml").to_str().unwrap()])
        .env("HARNESS_L1_RPC", "http://127.0.0.1:1")
        .env("HARNESS_L2_RPC", "http://127.0.0.1:1")
        .env_remove("HARNESS_FAUCET_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("chain 10 is OP Mainnet"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}
