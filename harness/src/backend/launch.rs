//! What the process and container backends share: ports on loopback, the command lines of the
//! two roles (anvil as L1, `harness up` as L2), readiness over RPC, and where logs go.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::providers::{Provider, ProviderBuilder};

use super::BackendError;
use crate::spec::{ClockMode, NetworkSpec};

/// A free loopback port. The OS picks it; it is released just before the node binds it.
pub fn free_port() -> Result<u16, BackendError> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(BackendError::Io)?;
    Ok(listener.local_addr().map_err(BackendError::Io)?.port())
}

/// `http://127.0.0.1:<port>`.
pub fn loopback_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// anvil as the spec's L1, on loopback only, starting from `genesis` (the L1 genesis with the
/// OP deployment the harness builds, so deposits work on every backend). In real time it mines
/// every L1 block time; with the fast clock it mines each transaction as it arrives, as the
/// embedded L1 does, so a deposit or a SystemConfig change reaches the L2 at once instead of
/// waiting out a 12 s L1 block.
pub fn anvil_args(spec: &NetworkSpec, port: u16, genesis: &str, clock: ClockMode) -> Vec<String> {
    // No states persisted to disk: anvil keeps them under ~/.foundry/anvil/tmp and leaves them
    // there (about 1.7 GB a run) when it is killed.
    let args = ["--host", "127.0.0.1", "--port", &port.to_string(), "--init", genesis, "--max-persisted-states", "0"];
    let mut args: Vec<String> = args.map(str::to_owned).to_vec();
    if clock == ClockMode::Realtime {
        args.extend(["--block-time".to_owned(), spec.l1.block_time.to_string()]);
    }
    args
}

/// Writes the network's node config files (the L1 genesis among them) into `dir`.
pub fn write_configs(spec: &NetworkSpec, dir: &Path) -> Result<(), BackendError> {
    let files = crate::config::for_network(spec, crate::devnet::unix_now(), None).map_err(|e| BackendError::Start(format!("building the genesis state: {e}")))?;
    crate::config::write(dir, &files).map_err(BackendError::Io)?;
    Ok(())
}

/// `harness up` as the spec's L2s, following the L1 at `l1_rpc`.
pub fn node_args(spec_path: &str, l1_rpc: &str, port: u16, clock: ClockMode, ready_file: &str) -> Vec<String> {
    let clock = match clock {
        ClockMode::Fast => "fast",
        ClockMode::Realtime => "realtime",
    };
    ["up", spec_path, "--backend", "embedded", "--l1-rpc", l1_rpc, "--rpc-port", &port.to_string(), "--clock", clock, "--ready-file", ready_file]
        .map(str::to_owned)
        .to_vec()
}

/// Waits until `url` answers `eth_chainId` with `chain_id`. Bounded: `deadline`, checked every
/// 100 ms; a node that answers with another chain id is an error at once.
pub async fn wait_for_chain(url: &str, chain_id: u64, deadline: Duration, what: &str) -> Result<(), BackendError> {
    let client = ProviderBuilder::new().connect_http(url.parse().map_err(|e| BackendError::Start(format!("{url}: {e}")))?);
    let interval = Duration::from_millis(100);
    for _ in 0..(deadline.as_millis() / interval.as_millis()).max(1) {
        match client.get_chain_id().await {
            Ok(id) if id == chain_id => return Ok(()),
            Ok(id) => return Err(BackendError::Start(format!("{what} at {url} is chain {id}, expected {chain_id}"))),
            Err(_) => tokio::time::sleep(interval).await,
        }
    }
    Err(BackendError::Start(format!("{what} at {url} did not answer within {deadline:?}")))
}

/// Waits until the L2 at `url` has produced a block past genesis: its sequencer runs.
pub async fn wait_for_blocks(url: &str, block_time: u64, deadline: Duration) -> Result<(), BackendError> {
    let client = ProviderBuilder::new().connect_http(url.parse().map_err(|e| BackendError::Start(format!("{url}: {e}")))?);
    let interval = Duration::from_millis(100);
    for _ in 0..(deadline.as_millis() / interval.as_millis()).max(1) {
        if client.get_block_number().await.is_ok_and(|n| n > 0) {
            return Ok(());
        }
        tokio::time::sleep(interval).await;
    }
    Err(BackendError::Start(format!("the L2 at {url} produced no block within {deadline:?} (block time {block_time} s)")))
}

/// Readiness deadline for a node: a fixed start-up allowance plus two block times.
pub fn ready_deadline(block_time: u64) -> Duration {
    Duration::from_secs(30 + 2 * block_time)
}

/// `reports/<run>/logs/`, created.
pub fn logs_dir(run: &str) -> Result<PathBuf, BackendError> {
    let dir = Path::new("reports").join(run).join("logs");
    std::fs::create_dir_all(&dir).map_err(BackendError::Io)?;
    Ok(dir)
}
