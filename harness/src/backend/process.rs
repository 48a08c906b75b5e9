//! The process backend: anvil as L1 and `harness up` as L2, each a child process on loopback
//! ports the harness picks, recorded for `harness clean` and killed when the network drops.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
};

use tokio::process::{Child, Command};

use super::{
    BackendError,
    launch::{anvil_args, free_port, logs_dir, loopback_url, node_args, ready_deadline, wait_for_blocks, wait_for_chain, write_configs},
    registry,
};
use crate::spec::{ClockMode, NetworkSpec};

/// anvil from `scripts/setup`, unless the spec or `HARNESS_ANVIL` names another.
pub fn anvil_binary(spec: &NetworkSpec) -> PathBuf {
    spec.process.anvil.clone().or_else(|| std::env::var_os("HARNESS_ANVIL").map(PathBuf::from)).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
    })
}

/// A child process of this run.
struct Recorded {
    run: String,
    child: Child,
}

impl Drop for Recorded {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // The child is killed on drop (kill_on_drop); its record goes with it.
            registry::forget_process(&self.run, pid);
        }
    }
}

fn spawn(run: &str, program: &Path, args: &[String], log: &Path) -> Result<Recorded, BackendError> {
    let file = std::fs::File::create(log).map_err(BackendError::Io)?;
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file.try_clone().map_err(BackendError::Io)?)
        .stderr(file)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BackendError::Start(format!("starting {}: {e}", program.display())))?;
    let pid = child.id().expect("a spawned child has a pid");
    registry::record_process(run, pid, program).map_err(BackendError::Io)?;
    Ok(Recorded { run: run.to_owned(), child })
}

/// A running process network.
pub struct ProcessNetwork {
    pub l1_rpc: String,
    pub l2_rpc: String,
    _children: Vec<Recorded>,
}

impl ProcessNetwork {
    pub async fn start(spec: &NetworkSpec, spec_path: &Path, clock: ClockMode, run: &str) -> Result<Self, BackendError> {
        let logs = logs_dir(run)?;
        let (l1_port, l2_port) = (free_port()?, free_port()?);
        let l1_rpc = loopback_url(l1_port);
        write_configs(spec, &logs)?;
        let genesis = logs.join(crate::config::L1_GENESIS_FILE);
        let anvil = spawn(run, &anvil_binary(spec), &anvil_args(spec, l1_port, &genesis.to_string_lossy()), &logs.join("l1-anvil.log"))?;
        wait_for_chain(&l1_rpc, spec.l1.chain_id, ready_deadline(spec.l1.block_time), "anvil").await?;
        let harness = spec.process.harness.clone().map_or_else(std::env::current_exe, Ok).map_err(BackendError::Io)?;
        let ready = logs.join("l2.ready");
        let spec_arg = std::path::absolute(spec_path).map_err(BackendError::Io)?;
        let mut args = node_args(&spec_arg.to_string_lossy(), &l1_rpc, l2_port, clock, &ready.to_string_lossy());
        // The node goes with this process even when it is SIGKILLed; anvil cannot, and is left
        // for `harness clean`.
        args.extend(["--exit-with-parent".to_owned(), std::process::id().to_string()]);
        let node = spawn(run, &harness, &args, &logs.join("l2-harness.log"))?;
        let l2_rpc = loopback_url(l2_port);
        wait_for_chain(&l2_rpc, spec.l2[0].chain_id, ready_deadline(spec.l2[0].block_time), "the L2 node").await?;
        wait_for_blocks(&l2_rpc, spec.l2[0].block_time, ready_deadline(spec.l2[0].block_time)).await?;
        Ok(Self { l1_rpc, l2_rpc, _children: vec![node, anvil] })
    }
}
