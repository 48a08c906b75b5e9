//! Concurrent clients sending nonces out of order and with gaps, on a fresh network per
//! repetition. Afterwards every accepted transaction must be mined or listed as queued by
//! `txpool_content`, and each sender's `pending` nonce must be geth's: the state nonce plus the
//! run of accepted nonces that follows it.

use std::{
    collections::BTreeMap,
    path::Path,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use anyhow::Context;
use harness::{devnet::signed_transfer, genesis::dev_signers};
use serde_json::Value;

use super::{ETHER, FEE, NodeProcess, SINK, bounded, send};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Seconds each repetition sends for.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    #[arg(long, default_value_t = 10)]
    repeat: u32,
}

/// What one client sent and saw.
#[derive(Default)]
struct ClientLog {
    address: Address,
    accepted: BTreeMap<u64, B256>,
    refused: BTreeMap<String, u64>,
    latencies: Vec<Duration>,
    wedged: Option<String>,
}

/// A fresh key per client, the same on every run.
fn client_key(index: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256(format!("op-harness stress client {index}"))).expect("a hash is a valid key")
}

/// xorshift64: a deterministic shuffle is all this needs.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Sends from the dev accounts enough to each client for the whole run, and waits for it.
async fn fund(client: &DynProvider, chain_id: u64, keys: &[PrivateKeySigner]) -> anyhow::Result<()> {
    let devs = dev_signers();
    let mut nonces = Vec::new();
    for dev in devs {
        nonces.push(bounded("eth_getTransactionCount", client.get_transaction_count(dev.address())).await?);
    }
    for (i, key) in keys.iter().enumerate() {
        let (dev, nonce) = (&devs[i % devs.len()], nonces[i % devs.len()] + (i / devs.len()) as u64);
        let tx = signed_transfer(dev, chain_id, nonce, FEE, key.address(), U256::from(100u64) * ETHER);
        send(client, &tx).await?;
    }
    for key in keys {
        let deadline = Instant::now() + Duration::from_secs(60);
        while bounded("eth_getBalance", client.get_balance(key.address())).await? == U256::ZERO {
            anyhow::ensure!(Instant::now() < deadline, "client {} was not funded within 60 s", key.address());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

/// Until `until`: windows of four nonces in shuffled order; one window in three withholds one
/// of its nonces until after the next window, so its successors wait behind a gap. The last
/// withheld nonce is never sent: what follows it must stay queued.
async fn send_out_of_order(client: DynProvider, key: PrivateKeySigner, chain_id: u64, until: Instant, seed: u64) -> ClientLog {
    let mut log = ClientLog { address: key.address(), ..Default::default() };
    let (mut rng, mut next, mut held) = (seed | 1, 0u64, None);
    while Instant::now() < until && log.wedged.is_none() {
        let mut window: Vec<u64> = (next..next + 4).collect();
        for i in (1..window.len()).rev() {
            window.swap(i, (next_random(&mut rng) % (i as u64 + 1)) as usize);
        }
        let withhold = next_random(&mut rng).is_multiple_of(3).then(|| window.pop()).flatten();
        window.extend(held.take());
        for nonce in window {
            let started = Instant::now();
            let tx = signed_transfer(&key, chain_id, nonce, FEE, SINK, U256::from(1));
            match send(&client, &tx).await {
                Ok(hash) => {
                    log.accepted.insert(nonce, hash);
                }
                Err(e) if e.to_string().contains("wedged") => log.wedged = Some(e.to_string()),
                Err(e) => *log.refused.entry(e.to_string()).or_default() += 1,
            }
            log.latencies.push(started.elapsed());
        }
        (held, next) = (withhold, next + 4);
    }
    log
}

/// Where accepted transactions ended up once the pool drained, and how many senders' `pending`
/// nonces differed from geth's.
#[derive(Default)]
struct Tally {
    mined: usize,
    queued: usize,
    unaccounted: usize,
    nonce_mismatches: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.mined += other.mined;
        self.queued += other.queued;
        self.unaccounted += other.unaccounted;
        self.nonce_mismatches += other.nonce_mismatches;
    }
}

async fn tally(client: &DynProvider, log: &ClientLog, queued: &Value) -> anyhow::Result<Tally> {
    let state = bounded("eth_getTransactionCount", client.get_transaction_count(log.address)).await?;
    let pending = bounded("eth_getTransactionCount", client.get_transaction_count(log.address).pending()).await?;
    let geth_pending = (state..).find(|n| !log.accepted.contains_key(n)).expect("finitely many accepted");
    let listed = queued.as_object().and_then(|q| q.iter().find(|(a, _)| a.parse::<Address>().ok() == Some(log.address))).map(|(_, v)| v.clone());
    let mut tally = Tally { nonce_mismatches: usize::from(pending != geth_pending), ..Default::default() };
    for (nonce, hash) in &log.accepted {
        let mined = *nonce < state && bounded("eth_getTransactionReceipt", client.get_transaction_receipt(*hash)).await?.is_some();
        let is_queued = listed.as_ref().and_then(|l| l[nonce.to_string()]["hash"].as_str()).and_then(|h| h.parse::<B256>().ok()) == Some(*hash);
        match (mined, is_queued) {
            (true, _) => tally.mined += 1,
            (false, true) => tally.queued += 1,
            (false, false) => tally.unaccounted += 1,
        }
    }
    Ok(tally)
}

/// Waits until nothing executable is left in the pool.
async fn drain(client: &DynProvider) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status: Value = bounded("txpool_status", client.raw_request("txpool_status".into(), ())).await?;
        if status["pending"] == "0x0" {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "pending transactions left after 120 s: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn repetition(node: &NodeProcess, args: &Args) -> anyhow::Result<bool> {
    let client = node.client()?;
    let keys: Vec<PrivateKeySigner> = (0..args.clients).map(client_key).collect();
    fund(&client, node.chain_id, &keys).await?;
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| tokio::spawn(send_out_of_order(node.client().expect("a URL that parsed"), key, node.chain_id, until, i as u64 + 1)))
        .collect();
    let mut logs = Vec::new();
    for task in tasks {
        logs.push(task.await.context("a client task panicked")?);
    }
    let wedged = logs.iter().find_map(|l| l.wedged.clone());
    if wedged.is_none() {
        drain(&client).await?;
    }
    let content: Value = bounded("txpool_content", client.raw_request("txpool_content".into(), ())).await?;
    let mut total = Tally::default();
    for log in &logs {
        total += tally(&client, log, &content["queued"]).await?;
    }
    let mut latencies: Vec<Duration> = logs.iter().flat_map(|l| l.latencies.iter().copied()).collect();
    latencies.sort_unstable();
    let p99 = latencies.get(latencies.len() * 99 / 100).copied().unwrap_or_default();
    let refused: BTreeMap<&str, u64> = logs.iter().flat_map(|l| l.refused.iter()).fold(BTreeMap::new(), |mut all, (m, n)| {
        *all.entry(m.as_str()).or_default() += n;
        all
    });
    let accepted: usize = logs.iter().map(|l| l.accepted.len()).sum();
    print!(
        "sent {:6}  accepted {accepted:6}  mined {:6}  queued {:3}  unaccounted {}  pending-nonce mismatches {}  latency p99 {:6.1} ms max {:6.1} ms",
        latencies.len(),
        total.mined,
        total.queued,
        total.unaccounted,
        total.nonce_mismatches,
        p99.as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    if !refused.is_empty() {
        print!("  refused {refused:?}");
    }
    if let Some(wedge) = &wedged {
        print!("  WEDGED: {wedge}");
    }
    Ok(wedged.is_none() && total.unaccounted == 0 && total.nonce_mismatches == 0 && refused.is_empty())
}

pub async fn run(spec: &Path, args: Args) -> anyhow::Result<bool> {
    println!("{} clients, {} s each, {} repetitions on fresh networks", args.clients, args.seconds, args.repeat);
    let mut passed = 0;
    for rep in 1..=args.repeat {
        let node = NodeProcess::start(spec).await?;
        print!("run {rep:2}: ");
        let ok = repetition(&node, &args).await?;
        let (stop, clean) = node.terminate().await?;
        let ok = ok && clean && stop <= Duration::from_secs(2);
        println!("  SIGTERM {:.3} s  {}", stop.as_secs_f64(), if ok { "ok" } else { "FAIL" });
        passed += u32::from(ok);
    }
    println!("{passed} of {} repetitions passed", args.repeat);
    Ok(passed == args.repeat)
}
