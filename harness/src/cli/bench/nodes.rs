//! The nodes the bench starts as processes (`harness up` and anvil, each on a free loopback
//! port, recorded for `harness clean`, killed on drop) and what it measures through their RPC.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEnvelope, TxLegacy},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U64, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
};
use anyhow::{Context, bail};
use harness::{
    backend::{launch, process::anvil_binary, registry},
    genesis::dev_signers,
    spec::NetworkSpec,
};
use tokio::process::{Child, Command};

/// A node process and a client of its RPC.
pub struct Running {
    child: Child,
    pub client: DynProvider,
    /// Spawn to the first block past genesis, in seconds.
    pub first_block: f64,
}

impl Running {
    /// The most memory the process has held, in MiB (`VmHWM`).
    pub fn peak_memory(&self) -> anyhow::Result<f64> {
        peak_memory(&format!("/proc/{}/status", self.child.id().context("the node is running")?))
    }

    /// Stops the process and forgets it in the run registry.
    pub async fn stop(mut self, run: &str) -> anyhow::Result<()> {
        let pid = self.child.id().unwrap_or_default();
        self.child.kill().await?;
        registry::forget_process(run, pid);
        Ok(())
    }
}

/// The `VmHWM` line of a `/proc/<pid>/status` file, in MiB.
pub fn peak_memory(status: &str) -> anyhow::Result<f64> {
    let text = std::fs::read_to_string(status).with_context(|| format!("reading {status}"))?;
    let line = text.lines().find_map(|l| l.strip_prefix("VmHWM:")).with_context(|| format!("{status} has no VmHWM"))?;
    let kib: f64 = line.trim().trim_end_matches("kB").trim().parse().with_context(|| format!("{status}: VmHWM `{line}`"))?;
    Ok(kib / 1024.0)
}

fn client(url: &str) -> anyhow::Result<DynProvider> {
    Ok(ProviderBuilder::new().connect_http(url.parse()?).erased())
}

/// Polls `ready` every millisecond until it holds; bounded by `limit`.
async fn until<F: AsyncFnMut() -> bool>(limit: Duration, mut ready: F) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if ready().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    bail!("not ready within {limit:?}")
}

/// How long a node may take to start; far above either node's start-up.
const START_LIMIT: Duration = Duration::from_secs(30);

/// Starts `program` on a free loopback port (`args` get the port), recorded for `harness clean`.
fn spawn(run: &str, program: &Path, args: impl FnOnce(u16) -> Vec<String>) -> anyhow::Result<(Child, String)> {
    let port = launch::free_port()?;
    let child = Command::new(program).args(args(port)).stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn()?;
    registry::record_process(run, child.id().context("running")?, program)?;
    Ok((child, launch::loopback_url(port)))
}

/// `harness up` with the fast clock, timed to its first block past genesis.
pub async fn start_harness(spec: &Path, run: &str) -> anyhow::Result<Running> {
    let started = Instant::now();
    let args = |port: u16| ["up", &spec.to_string_lossy(), "--clock", "fast", "--rpc-port", &port.to_string()].map(str::to_owned).to_vec();
    let (child, url) = spawn(run, &std::env::current_exe()?, args)?;
    let client = client(&url)?;
    until(START_LIMIT, async || client.get_block_number().await.is_ok_and(|n| n >= 1)).await?;
    Ok(Running { child, client, first_block: started.elapsed().as_secs_f64() })
}

/// anvil as an OP chain with the spec's L2 chain id, timed to its first block, which comes on
/// `evm_mine` (it mines a block per transaction, and on request). Given `genesis` (the L2's
/// `genesis.json` the harness writes), it starts from the same state the harness's L2 builds,
/// predeploys and all; without it, from anvil's own near-empty genesis. As the backends run it,
/// with `--max-persisted-states 0`: by default anvil moves old states to a folder under
/// `~/.foundry/anvil/tmp`, 1.7 GB per 5,000 blocks, which a killed anvil never removes (ten
/// runs filled this machine's disk).
pub async fn start_anvil(spec: &NetworkSpec, genesis: Option<&Path>, run: &str) -> anyhow::Result<Running> {
    let started = Instant::now();
    let chain_id = spec.l2[0].chain_id.to_string();
    let args = |port: u16| {
        let mut args: Vec<String> = ["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", &chain_id, "--network", "optimism", "--max-persisted-states", "0"].map(str::to_owned).to_vec();
        args.extend(genesis.map(|g| ["--init".to_owned(), g.to_string_lossy().into_owned()]).into_iter().flatten());
        args
    };
    let (child, url) = spawn(run, &anvil_binary(spec), args)?;
    let client = client(&url)?;
    until(START_LIMIT, async || client.raw_request::<_, String>("evm_mine".into(), ()).await.is_ok()).await?;
    Ok(Running { child, client, first_block: started.elapsed().as_secs_f64() })
}

/// anvil's seconds for each of `segments` runs of `blocks` empty blocks (`anvil_mine`).
pub async fn anvil_segments(node: &DynProvider, segments: u64, blocks: u64) -> anyhow::Result<Vec<f64>> {
    let mut times = Vec::new();
    for _ in 0..segments {
        let started = Instant::now();
        node.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U64::from(blocks),)).await?;
        times.push(started.elapsed().as_secs_f64());
    }
    Ok(times)
}

/// Signed transfers from the dev accounts, round robin, at their next nonces.
async fn transfers(node: &DynProvider, count: u64) -> anyhow::Result<Vec<(Bytes, B256)>> {
    let chain_id = node.get_chain_id().await?;
    // anvil funds the first ten dev accounts.
    let senders = &dev_signers()[..10];
    let mut nonces = Vec::new();
    for signer in senders {
        nonces.push(node.get_transaction_count(signer.address()).await?);
    }
    Ok((0..count as usize)
        .map(|i| {
            let (signer, nonce) = (&senders[i % senders.len()], nonces[i % senders.len()] + (i / senders.len()) as u64);
            let mut tx = TxLegacy {
                chain_id: Some(chain_id),
                nonce,
                gas_price: 10_000_000_000,
                gas_limit: 21_000,
                to: TxKind::Call(Address::with_last_byte(0xbe)),
                value: U256::from(1),
                input: Bytes::new(),
            };
            let signature = signer.sign_transaction_sync(&mut tx).expect("a local key signs");
            let envelope = TxEnvelope::Legacy(tx.into_signed(signature));
            (envelope.encoded_2718().into(), *envelope.tx_hash())
        })
        .collect())
}

/// What sending the transfers measured.
pub struct Transfers {
    pub per_second: f64,
    /// How many blocks they went into.
    pub blocks: u64,
}

/// Sends `count` transfers one after another and waits until every one has a receipt.
pub async fn send_transfers(node: &DynProvider, count: u64) -> anyhow::Result<Transfers> {
    let signed = transfers(node, count).await?;
    let first = node.get_block_number().await?;
    let started = Instant::now();
    for (raw, hash) in &signed {
        let sent = *node.send_raw_transaction(raw).await?.tx_hash();
        anyhow::ensure!(sent == *hash, "the node hashed a transfer differently: {sent} != {hash}");
    }
    // Each sender's last transfer is among the last ten; once they are in, all are.
    for (_, hash) in signed.iter().rev().take(10) {
        until(Duration::from_secs(120), async || node.get_transaction_receipt(*hash).await.is_ok_and(|r| r.is_some())).await?;
    }
    let per_second = count as f64 / started.elapsed().as_secs_f64();
    let mut last = first;
    for (_, hash) in signed.iter().rev().take(10) {
        let receipt = node.get_transaction_receipt(*hash).await?.context("a receipt seen a moment ago")?;
        last = last.max(receipt.block_number.unwrap_or_default());
    }
    Ok(Transfers { per_second, blocks: last - first })
}
