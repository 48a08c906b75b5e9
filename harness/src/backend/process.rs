//! The process backend: anvil as L1 and `harness up` as L2, each a child process on loopback
//! ports the harness picks, recorded for `harness clean` and killed when the network drops.
//! Each child also dies with the harness process even when that is SIGKILLed: the kernel sends
//! it SIGKILL when its parent goes (`PR_SET_PDEATHSIG`).

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

/// Asks the kernel to SIGKILL the calling (child) process when the thread that spawned it exits.
/// Spawning happens on the thread that runs the network (the CLI's main thread, a test's
/// thread), which lives as long as the network, so this means: when the harness process dies.
/// A parent that died before the request took effect is noticed by the parent pid changing.
fn die_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: prctl, getppid and _exit are async-signal-safe, as code between fork and exec must be.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            libc::_exit(1);
        }
    }
    Ok(())
}

/// A command for `program` whose process is killed when its handle drops or this process dies.
pub fn child_command(program: &Path) -> Command {
    let parent = std::process::id() as libc::pid_t;
    let mut command = Command::new(program);
    command.kill_on_drop(true);
    // SAFETY: the hook only makes async-signal-safe calls (see `die_with_parent`).
    unsafe { command.pre_exec(move || die_with_parent(parent)) };
    command
}

fn spawn(run: &str, program: &Path, args: &[String], log: &Path) -> Result<Recorded, BackendError> {
    let file = std::fs::File::create(log).map_err(BackendError::Io)?;
    let child = child_command(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file.try_clone().map_err(BackendError::Io)?)
        .stderr(file)
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
        let anvil = spawn(run, &anvil_binary(spec), &anvil_args(spec, l1_port, &genesis.to_string_lossy(), clock), &logs.join("l1-anvil.log"))?;
        wait_for_chain(&l1_rpc, spec.l1.chain_id, ready_deadline(spec.l1.block_time), "anvil").await?;
        let harness = spec.process.harness.clone().map_or_else(std::env::current_exe, Ok).map_err(BackendError::Io)?;
        let ready = logs.join("l2.ready");
        let spec_arg = std::path::absolute(spec_path).map_err(BackendError::Io)?;
        let args = node_args(&spec_arg.to_string_lossy(), &l1_rpc, l2_port, clock, &ready.to_string_lossy());
        let node = spawn(run, &harness, &args, &logs.join("l2-harness.log"))?;
        let l2_rpc = loopback_url(l2_port);
        wait_for_chain(&l2_rpc, spec.l2[0].chain_id, ready_deadline(spec.l2[0].block_time), "the L2 node").await?;
        wait_for_blocks(&l2_rpc, spec.l2[0].block_time, ready_deadline(spec.l2[0].block_time)).await?;
        Ok(Self { l1_rpc, l2_rpc, _children: vec![node, anvil] })
    }
}
