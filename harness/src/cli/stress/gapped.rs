//! A gapped transaction must leave the fast-clock node at its idle pace and CPU, and SIGTERM
//! must end it within 2 s.

use std::{path::Path, time::{Duration, Instant}};

use alloy::{primitives::U256, providers::Provider};
use harness::{devnet::signed_transfer, genesis::dev_signers};

use super::{FEE, NodeProcess, SINK, bounded, head, send};

#[derive(clap::Args)]
pub struct Args {
    /// Seconds each phase is measured.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

/// Blocks per second and CPU share (of one core) over `window`.
async fn pace(node: &NodeProcess, window: Duration) -> anyhow::Result<(f64, f64)> {
    let client = node.client()?;
    let (blocks, cpu, started) = (head(&client).await?, node.cpu_seconds()?, Instant::now());
    tokio::time::sleep(window).await;
    let elapsed = started.elapsed().as_secs_f64();
    Ok(((head(&client).await? - blocks) as f64 / elapsed, (node.cpu_seconds()? - cpu) / elapsed * 100.0))
}

pub async fn run(spec: &Path, args: Args) -> anyhow::Result<bool> {
    let node = NodeProcess::start(spec).await?;
    let window = Duration::from_secs(args.seconds);
    let (idle_rate, idle_cpu) = pace(&node, window).await?;
    println!("idle:                 {idle_rate:7.1} blocks/s  {idle_cpu:5.1}% CPU  ({}s)", args.seconds);
    let client = node.client()?;
    let signer = &dev_signers()[1];
    let nonce = bounded("eth_getTransactionCount", client.get_transaction_count(signer.address())).await?;
    send(&client, &signed_transfer(signer, node.chain_id, nonce + 10, FEE, SINK, U256::from(1))).await?;
    let (gapped_rate, gapped_cpu) = pace(&node, window).await?;
    println!("gapped tx in the pool:{gapped_rate:7.1} blocks/s  {gapped_cpu:5.1}% CPU  ({}s)", args.seconds);
    let (stop, clean) = node.terminate().await?;
    println!("SIGTERM to exit:      {:7.3} s  (exit {})", stop.as_secs_f64(), if clean { "0" } else { "non-zero" });
    // The idle pace is one block per 100 ms tick; a spinning producer runs tens of times faster.
    let passed = gapped_rate <= idle_rate * 1.5 + 1.0 && stop <= Duration::from_secs(2) && clean;
    println!("{}", if passed { "PASS: idle pace kept, stopped within 2 s" } else { "FAIL" });
    Ok(passed)
}
