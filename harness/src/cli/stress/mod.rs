//! `harness stress`: the hardening figures, measured against a real `harness up` process on this
//! machine (fast clock). Not tests: they print numbers; `scripts/harden` runs them.
//!
//! - `load`: many clients send nonces out of order and with gaps; no request may wedge, every
//!   accepted transaction ends mined or reported queued, and `pending` nonces follow geth.
//! - `gapped`: block rate and CPU idle, then with an unincludable transaction; then SIGTERM.
//! - `soak`: resident memory over a long run with a steady workload.

mod gapped;
mod load;
mod soak;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use anyhow::{Context, bail};
use serde_json::Value;
use harness::backend::process::child_command;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Child,
};

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
    /// The network to stress (its first L2).
    #[arg(long, global = true, default_value = "networks/alphanet.toml")]
    spec: PathBuf,
}

#[derive(clap::Subcommand)]
enum What {
    /// Concurrent clients sending nonces out of order and gapped, repeated on fresh networks.
    Load(load::Args),
    /// Block rate and CPU idle and with a gapped transaction waiting; then the SIGTERM time.
    Gapped(gapped::Args),
    /// Resident memory under a steady workload.
    Soak(soak::Args),
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Runtime::new()?;
    let passed = runtime.block_on(async {
        match args.what {
            What::Load(load) => load::run(&args.spec, load).await,
            What::Gapped(gapped) => gapped::run(&args.spec, gapped).await,
            What::Soak(soak) => soak::run(&args.spec, soak).await,
        }
    })?;
    Ok(if passed { Outcome::Success } else { Outcome::Failed })
}

/// Every request's bound: a node that does not answer within it is wedged.
pub const REQUEST: Duration = Duration::from_secs(10);

/// A fee cap far above what the base fee reaches under these loads.
pub const FEE: u128 = 100_000_000_000;

/// Where the workload's transfers go.
pub const SINK: alloy::primitives::Address = alloy::primitives::Address::repeat_byte(0x77);

/// 10^18 wei.
pub const ETHER: alloy::primitives::U256 = alloy::primitives::U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// `harness up --json --clock fast` as a child process of this one.
pub struct NodeProcess {
    child: Child,
    pub pid: u32,
    pub rpc: String,
    pub chain_id: u64,
}

impl NodeProcess {
    pub async fn start(spec: &Path) -> anyhow::Result<Self> {
        let mut child = child_command(&std::env::current_exe()?)
            .args(["up", "--json", "--clock", "fast"])
            .arg(spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let pid = child.id().context("the node runs")?;
        let stdout = child.stdout.take().context("piped")?;
        let line = tokio::time::timeout(Duration::from_secs(120), BufReader::new(stdout).lines().next_line())
            .await
            .context("no ready line within 120 s")??
            .context("the node exited before it was ready")?;
        let ready: Value = serde_json::from_str(&line)?;
        let l2 = &ready["l2"][0];
        Ok(Self { child, pid, rpc: l2["rpc"].as_str().context("an L2 RPC")?.to_owned(), chain_id: l2["chain_id"].as_u64().context("a chain id")? })
    }

    pub fn client(&self) -> anyhow::Result<DynProvider> {
        Ok(ProviderBuilder::new().connect_http(self.rpc.parse()?).erased())
    }

    /// Resident memory, MB.
    pub fn rss_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let kb: f64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).context("VmRSS")?;
        Ok(kb / 1024.0)
    }

    /// CPU time used so far (user + system), seconds.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
        let fields: Vec<&str> = stat.rsplit_once(')').context("a stat line")?.1.split_whitespace().collect();
        let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
        // SAFETY: sysconf has no preconditions.
        Ok(ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64)
    }

    /// Sends SIGTERM and returns how long the process took to exit, and whether it exited 0.
    pub async fn terminate(mut self) -> anyhow::Result<(Duration, bool)> {
        let started = Instant::now();
        // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
        if unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGTERM) } != 0 {
            bail!("signalling {}: {}", self.pid, std::io::Error::last_os_error());
        }
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.context("still running 30 s after SIGTERM")??;
        Ok((started.elapsed(), status.success()))
    }
}

/// Runs `call` within [`REQUEST`], failing (wedged) when it does not answer.
pub async fn bounded<T, E: std::fmt::Display>(what: &str, call: impl IntoFuture<Output = Result<T, E>>) -> anyhow::Result<T> {
    match tokio::time::timeout(REQUEST, call.into_future()).await {
        Ok(result) => result.map_err(|e| anyhow::anyhow!("{what}: {e}")),
        Err(_) => bail!("{what}: no answer within {REQUEST:?} (wedged)"),
    }
}

/// Submits a signed transaction; its hash.
pub async fn send(client: &DynProvider, raw: &[u8]) -> anyhow::Result<alloy::primitives::B256> {
    Ok(*bounded("eth_sendRawTransaction", client.send_raw_transaction(raw)).await?.tx_hash())
}

/// The head block number.
pub async fn head(client: &DynProvider) -> anyhow::Result<u64> {
    bounded("eth_blockNumber", client.get_block_number()).await
}
