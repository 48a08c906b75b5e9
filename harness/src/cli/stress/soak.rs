//! A long fast-clock run under a steady workload: resident memory at the start, its peak and at
//! the end, against a stated bound; and every transfer mined.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use alloy::{primitives::U256, providers::Provider};
use harness::{devnet::signed_transfer, genesis::dev_signers};

use super::{FEE, NodeProcess, SINK, bounded, head, send};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 30)]
    minutes: u64,
    /// Transfers per second, round robin over the dev accounts, each in nonce order.
    #[arg(long, default_value_t = 20)]
    tps: u64,
    /// Resident memory the node may have at the end, MB.
    #[arg(long, default_value_t = 512.0)]
    bound_mb: f64,
}

/// How often memory is sampled; a line is printed every sixth sample.
const SAMPLE: Duration = Duration::from_secs(10);

pub async fn run(spec: &Path, args: Args) -> anyhow::Result<bool> {
    let node = NodeProcess::start(spec).await?;
    let client = node.client()?;
    let devs = dev_signers();
    let mut nonces = Vec::new();
    for dev in devs {
        nonces.push(bounded("eth_getTransactionCount", client.get_transaction_count(dev.address())).await?);
    }
    let start_mb = node.rss_mb()?;
    let (mut peak_mb, mut sent) = (start_mb, 0usize);
    println!("{} min at {} transfers/s; start {start_mb:.0} MB", args.minutes, args.tps);
    let (started, end) = (Instant::now(), Instant::now() + Duration::from_secs(args.minutes * 60));
    let mut pace = tokio::time::interval(Duration::from_secs(1) / args.tps as u32);
    let mut next_sample = started + SAMPLE;
    while Instant::now() < end {
        pace.tick().await;
        let i = sent % devs.len();
        let tx = signed_transfer(&devs[i], node.chain_id, nonces[i], FEE, SINK, U256::from(1));
        send(&client, &tx).await?;
        (nonces[i], sent) = (nonces[i] + 1, sent + 1);
        if Instant::now() >= next_sample {
            peak_mb = peak_mb.max(node.rss_mb()?);
            let minute = started.elapsed().as_secs() / 60;
            if next_sample.duration_since(started).as_secs().is_multiple_of(60) {
                println!("{minute:3} min: {:6.0} MB  peak {peak_mb:6.0} MB  head {}  sent {sent}", node.rss_mb()?, head(&client).await?);
            }
            next_sample += SAMPLE;
        }
    }
    let end_mb = node.rss_mb()?;
    peak_mb = peak_mb.max(end_mb);
    let mut mined = 0;
    for (dev, nonce) in devs.iter().zip(&nonces) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while bounded("eth_getTransactionCount", client.get_transaction_count(dev.address())).await? < *nonce {
            anyhow::ensure!(Instant::now() < deadline, "{} has transfers still unmined 60 s after the workload", dev.address());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        mined += 1;
    }
    let blocks = head(&client).await?;
    let (stop, clean) = node.terminate().await?;
    println!("resident memory: start {start_mb:.0} MB, peak {peak_mb:.0} MB, end {end_mb:.0} MB (bound {:.0} MB)", args.bound_mb);
    println!("{sent} transfers sent, all mined ({mined} senders caught up); {blocks} blocks; SIGTERM to exit {:.3} s", stop.as_secs_f64());
    let passed = end_mb <= args.bound_mb && clean && stop <= Duration::from_secs(2);
    println!("{}", if passed { "PASS" } else { "FAIL" });
    Ok(passed)
}
