//! The `harness validate` and `harness config` contract, through the real binary.

use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

/// The harness binary with `args`, run from the project's root.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command.args(args).current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    command
}

fn harness(args: &[&str]) -> Output {
    command(args).output().expect("the harness binary runs")
}

/// `harness` with a deadline: an input that makes it hang (a FIFO) fails the test, not the run.
fn harness_within(args: &[&str], deadline: Duration) -> Output {
    within(&mut command(args), deadline)
}

fn within(command: &mut Command, deadline: Duration) -> Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the harness binary runs");
    let started = Instant::now();
    while child.try_wait().expect("waited").is_none() {
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("waited")
}

#[test]
fn shipped_specs_validate() {
    let out = harness(&["validate", "networks/alphanet.toml", "networks/betanet.toml", "networks/alphanet-l1.toml", "networks/betanet-l1.toml", "networks/betanet-l1-l2.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_bad_spec_exits_2_naming_its_line_and_field() {
    let cases = [
        ("unknown-key", 6, "l1.blocktime"),
        ("unknown-fork", 11, "forks.shanghai"),
        ("unknown-feature", 4, "features[1]"),
        ("fork-order", 14, "forks.fjord"),
        ("alphanet-live-fork", 11, "forks.canyon"),
        ("betanet-nothing-live", 9, "forks"),
        ("feature-fork-unscheduled", 4, "features[0]"),
        ("missing-bundle", 9, "forks.jovian"),
        ("uncovered-feature", 4, "features[1]"),
        ("unknown-release", 6, "l1.contracts"),
        ("missing-deployment-state", 10, "data.deployments"),
        ("release-lacks-setting", 11, "l2[0].system_config.min_base_fee"),
        ("duplicate-chain-id", 11, "l2[1].chain_id"),
        ("bundle-unparsable", 13, "bundle[0].file"),
        ("bundle-without-intent", 13, "bundle[0].file"),
        ("chain-id-zero", 8, "l2[0].chain_id"),
        ("gas-limit-too-low", 9, "l2[0].gas_limit"),
        ("block-time-too-long", 9, "l2[0].block_time"),
        ("eip1559-zero", 10, "l2[0].system_config.eip1559_denominator"),
        ("fork-offset-too-far", 11, "forks.canyon"),
        ("min-runs-zero", 12, "stability.min_runs"),
        ("passes-above-runs", 13, "stability.consecutive_passes"),
        ("l2-slower-than-l1", 10, "l2[0].block_time"),
        ("duplicate-l2-name", 10, "l2[1].name"),
        ("duplicate-feature", 4, "features[1]"),
        ("name-escapes", 2, "name"),
        ("too-many-l2s", 6, "l2"),
        ("unknown-upgrade-release", 8, "l1.upgrade.to"),
        ("upgrade-backwards", 8, "l1.upgrade.to"),
        ("upgrade-on-external-l1", 8, "l1.upgrade"),
        ("l1-only-betanet-named", 5, "hardfork_name"),
        ("alphanet-live-l1-upgrade", 9, "l1.upgrade.at"),
    ];
    let entries = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/bad")).unwrap();
    let listed = entries.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "toml")).count();
    assert_eq!(listed, cases.len(), "every bad spec has a case here");
    for (name, line, field) in cases {
        let path = format!("networks/bad/{name}.toml");
        let out = harness(&["validate", &path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{path}:{line}: `{field}`")), "{name}: {stderr}");
        assert!(stderr.contains("fix: "), "{name} gives a fix: {stderr}");
    }
}

/// Spec and bundle paths that are not regular files: each exits 2 at once, saying so.
#[test]
fn devices_fifos_and_folders_are_refused_as_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("spec.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs").success());
    let bundle_spec = |file: &Path| {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/bad/bundle-unparsable.toml")).unwrap();
        let path = dir.path().join(format!("bundle-{}.toml", file.file_name().unwrap().to_string_lossy()));
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/");
        let text = text.replace("../bundles/broken.json", &file.display().to_string()).replace("../../../shared/", &shared.display().to_string());
        std::fs::write(&path, text).unwrap();
        path
    };
    let cases = [
        Path::new("/dev/zero").to_path_buf(),
        fifo.clone(),
        dir.path().to_path_buf(),
        bundle_spec(Path::new("/dev/zero")),
        bundle_spec(&fifo),
    ];
    for path in cases {
        let path = path.display().to_string();
        let out = harness_within(&["validate", &path], Duration::from_secs(10));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{path}: {stderr}");
    }
}

#[test]
fn config_writes_op_node_and_op_geth_files_with_the_schedule() {
    let dir = std::env::temp_dir().join(format!("harness-config-{}", std::process::id()));
    // kona-genesis 0.4.5 reads rollup configs up to Isthmus; the Isthmus-era example is its input.
    let out = harness(&["config", "networks/examples/betanet-isthmus.toml", "--out", dir.to_str().unwrap(), "--genesis-time", "1700000000"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let rollup_text = std::fs::read_to_string(dir.join("rollup.json")).unwrap();
    let rollup: kona_genesis::RollupConfig = serde_json::from_str(&rollup_text).expect("kona reads our rollup.json");
    assert_eq!(rollup.hardforks.holocene_time, Some(1_700_000_000));
    assert_eq!(rollup.hardforks.isthmus_time, Some(1_700_000_008));
    assert_eq!(rollup.genesis.l2_time, 1_700_000_000);
    assert_eq!(rollup.block_time, 2);

    let genesis: alloy::genesis::Genesis =
        serde_json::from_str(&std::fs::read_to_string(dir.join("genesis.json")).unwrap()).unwrap();
    let op = op_alloy::rpc_types::OpGenesisInfo::extract_from(&genesis.config.extra_fields).unwrap();
    assert_eq!(op.isthmus_time, Some(1_700_000_008));
    assert_eq!(genesis.config.prague_time, Some(1_700_000_008));
    assert_eq!(genesis.config.cancun_time, op.ecotone_time);
    assert_eq!(genesis.config.shanghai_time, op.canyon_time);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A NUT folder whose Karst bundle differs from its lock by one byte: the spec is refused,
/// naming the file, the pinned hash and the actual one.
#[test]
fn a_bundle_that_differs_from_its_lock_is_refused() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/nuts");
    let copy = tempfile::tempdir().unwrap();
    std::fs::create_dir(copy.path().join("bundles")).unwrap();
    for entry in std::fs::read_dir(shared.join("bundles")).expect("../shared/nuts is beside the checkout") {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join("bundles").join(entry.file_name())).unwrap();
    }
    std::fs::copy(shared.join("fork_lock.toml"), copy.path().join("fork_lock.toml")).unwrap();
    let bundle = std::fs::read_to_string(shared.join("bundles/karst_nut_bundle.json")).unwrap();
    let tampered = copy.path().join("bundles/karst_nut_bundle.json");
    std::fs::write(&tampered, bundle.replacen("ConditionalDeployer Deployment", "ConditionalDeployer deployment", 1)).unwrap();
    let out = command(&["validate", "networks/betanet.toml"]).env("HARNESS_NUTS", copy.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&tampered.display().to_string()), "names the file: {stderr}");
    assert!(stderr.contains("pinned to sha256:08f5df36f7ff29a9421ab84beebe96684a7455df9a5d234a2468613a4008ad91"), "names the lock's hash: {stderr}");
    assert!(stderr.contains("sha256 is sha256:"), "names the actual hash: {stderr}");
}

/// An op-deployer state whose L2 allocation is cut short: loading the spec only finds the
/// file, so `harness validate` decodes every allocation a network reads and refuses the spec,
/// and `harness up` fails its start; both exit 2 naming the file and the field.
#[test]
fn a_damaged_allocation_fails_validate_and_up_naming_file_and_field() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/deployments");
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&shared).expect("../shared/deployments is beside the checkout") {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
    }
    let damaged = copy.path().join("bp-state-isthmus.op-contracts-v4.1.0.json");
    let mut state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&damaged).unwrap()).unwrap();
    let allocs = state["opChainDeployments"][0]["allocs"].as_str().expect("the state holds an L2 allocation").to_owned();
    // Still base64 (a whole number of 4-character groups), but half a gzip stream.
    state["opChainDeployments"][0]["allocs"] = allocs[..allocs.len() / 8 * 4].into();
    std::fs::write(&damaged, serde_json::to_string(&state).unwrap()).unwrap();
    let run = |args: &[&str]| {
        let out = within(command(args).env("HARNESS_DEPLOYMENTS", copy.path()), Duration::from_secs(30));
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run(&["validate", "networks/alphanet.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`data.deployments`") && stderr.contains("fix: "), "names the spec's field and the fix: {stderr}");
    assert!(stderr.contains(&damaged.display().to_string()) && stderr.contains("opChainDeployments[0].allocs: not gzip"), "names the file and its field: {stderr}");
    let (code, stderr) = run(&["up", "networks/alphanet.toml", "--clock", "fast"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&damaged.display().to_string()) && stderr.contains("opChainDeployments[0].allocs: not gzip"), "names the file and its field: {stderr}");
}
