//! `harness bench`: the harness's L2 and anvil measured in one run on this machine: start to
//! first block, empty blocks per second, transfers per second, and container start to ready.
//! A benchmark, not a test: it prints numbers and ratios; `scripts/bench` runs it from a
//! release build.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEnvelope, TxLegacy},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256, U64},
    providers::{DynProvider, Provider, ProviderBuilder},
};
use anyhow::{Context, bail};
use harness::{
    backend::{container::ContainerNetwork, launch, process::anvil_binary, registry},
    devnet::{Devnet, DevnetOptions},
    genesis::dev_signers,
    spec::{ClockMode, NetworkSpec},
};
use tokio::process::Command;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The network the harness runs.
    #[arg(default_value = "networks/alphanet.toml")]
    spec: PathBuf,
    /// Empty blocks to produce for the blocks-per-second figure.
    #[arg(long, default_value_t = 2000)]
    blocks: u64,
    /// Transfers to send for the transfers-per-second figure.
    #[arg(long, default_value_t = 1000)]
    transfers: u64,
    /// Also time the container backend (needs scripts/setup).
    #[arg(long)]
    containers: bool,
}

/// One measurement of both nodes: seconds, or a rate per second.
struct Row {
    what: &'static str,
    harness: f64,
    anvil: Option<f64>,
    /// Whether larger is better (a rate) or smaller (a time).
    rate: bool,
}

impl Row {
    /// How many times better the harness is than anvil (above 1: faster).
    fn ratio(&self) -> Option<f64> {
        self.anvil.map(|a| if self.rate { self.harness / a } else { a / self.harness })
    }
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

/// Starts `program` on a free loopback port (it binds that port itself), recorded for
/// `harness clean`, killed on drop.
fn spawn(run: &str, program: &Path, args: &[String]) -> anyhow::Result<tokio::process::Child> {
    let child = Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn()?;
    registry::record_process(run, child.id().context("running")?, program)?;
    Ok(child)
}

/// Spawn to the first block past genesis, for a node process.
async fn first_block_ours(spec: &Path, run: &str) -> anyhow::Result<f64> {
    let port = launch::free_port()?;
    let args = ["up", &spec.to_string_lossy(), "--clock", "fast", "--rpc-port", &port.to_string()].map(str::to_owned);
    let started = Instant::now();
    let _child = spawn(run, &std::env::current_exe()?, &args)?;
    let node = client(&launch::loopback_url(port))?;
    until(Duration::from_secs(30), async || node.get_block_number().await.is_ok_and(|n| n >= 1)).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Spawn to the first mined block, for anvil (its first block comes on `evm_mine`).
async fn first_block_anvil(spec: &NetworkSpec, run: &str) -> anyhow::Result<(f64, tokio::process::Child, String)> {
    let port = launch::free_port()?;
    let args = ["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", &spec.l2[0].chain_id.to_string(), "--network", "optimism"].map(str::to_owned);
    let started = Instant::now();
    let child = spawn(run, &anvil_binary(spec), &args)?;
    let url = launch::loopback_url(port);
    let node = client(&url)?;
    until(Duration::from_secs(30), async || node.raw_request::<_, String>("evm_mine".into(), ()).await.is_ok()).await?;
    Ok((started.elapsed().as_secs_f64(), child, url))
}

/// In-process start to block 1: genesis, nodes, servers and the first block.
async fn first_block_in_process(spec: &NetworkSpec) -> anyhow::Result<(f64, Devnet)> {
    let started = Instant::now();
    let devnet = Devnet::start(spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await?;
    devnet.wait_for_block(&devnet.l2[0].name, 1).await?;
    Ok((started.elapsed().as_secs_f64(), devnet))
}

async fn blocks_per_second_ours(devnet: &Devnet, blocks: u64) -> anyhow::Result<f64> {
    let name = &devnet.l2[0].name;
    let head = client(&devnet.l2[0].rpc)?.get_block_number().await?;
    let started = Instant::now();
    devnet.wait_for_block(name, head + blocks).await?;
    Ok(blocks as f64 / started.elapsed().as_secs_f64())
}

async fn blocks_per_second_anvil(url: &str, blocks: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    client(url)?.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U64::from(blocks),)).await?;
    Ok(blocks as f64 / started.elapsed().as_secs_f64())
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

/// Sends the transfers and waits until every one has a receipt.
async fn transfers_per_second(url: &str, count: u64) -> anyhow::Result<f64> {
    let node = client(url)?;
    let signed = transfers(&node, count).await?;
    let started = Instant::now();
    for (raw, hash) in &signed {
        let sent = *node.send_raw_transaction(raw).await?.tx_hash();
        anyhow::ensure!(sent == *hash, "the node hashed a transfer differently: {sent} != {hash}");
    }
    // Each sender's last transfer is among the last ten; once they are in, all are.
    for (_, hash) in signed.iter().rev().take(10) {
        until(Duration::from_secs(120), async || node.get_transaction_receipt(*hash).await.is_ok_and(|r| r.is_some())).await?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

async fn container_rows(spec: &NetworkSpec, spec_path: &Path, run: &str) -> anyhow::Result<Row> {
    let started = Instant::now();
    let network = ContainerNetwork::start(spec, spec_path, ClockMode::Fast, run).await?;
    let ours = started.elapsed().as_secs_f64();
    network.stop().await?;
    Ok(Row { what: "container network start to ready, s (anvil + harness node)", harness: ours, anvil: None, rate: false })
}

fn print(rows: &[Row]) {
    println!("| measure | harness | anvil 1.7.1 | harness vs anvil |");
    println!("| --- | ---: | ---: | ---: |");
    for row in rows {
        let anvil = row.anvil.map_or("-".to_owned(), |a| format!("{a:.3}"));
        let ratio = row.ratio().map_or("-".to_owned(), |r| format!("{r:.2}x {}", if r >= 1.0 { "better" } else { "worse" }));
        println!("| {} | {:.3} | {anvil} | {ratio} |", row.what, row.harness);
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let spec = NetworkSpec::load(&args.spec)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let run = registry::new_run_id();
    let rows = runtime.block_on(async {
        let (in_process, devnet) = first_block_in_process(&spec).await?;
        let ours_process = first_block_ours(&args.spec, &run).await?;
        let (anvil_first, anvil, anvil_url) = first_block_anvil(&spec, &run).await?;
        let mut rows = vec![
            Row { what: "start to first block, s (process)", harness: ours_process, anvil: Some(anvil_first), rate: false },
            Row { what: "start to first L2 block, s (in-process)", harness: in_process, anvil: None, rate: false },
            Row {
                what: "empty blocks per second",
                harness: blocks_per_second_ours(&devnet, args.blocks).await?,
                anvil: Some(blocks_per_second_anvil(&anvil_url, args.blocks).await?),
                rate: true,
            },
            Row {
                what: "transfers per second (RPC, until every receipt)",
                harness: transfers_per_second(&devnet.l2[0].rpc, args.transfers).await?,
                anvil: Some(transfers_per_second(&anvil_url, args.transfers).await?),
                rate: true,
            },
        ];
        registry::forget_process(&run, anvil.id().unwrap_or_default());
        drop(anvil);
        if args.containers {
            rows.push(container_rows(&spec, &args.spec, &run).await?);
        }
        anyhow::Ok(rows)
    })?;
    print(&rows);
    Ok(Outcome::Success)
}
