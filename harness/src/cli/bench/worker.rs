//! `harness bench --worker`: the embedded network's measures, taken in a fresh process of their
//! own per run (so no run inherits another's allocations, caches or peak memory): start to the
//! first L2 block in-process, then empty blocks timed in segments, then the peak memory.

use std::{path::Path, process::Stdio, time::Instant};

use anyhow::Context;
use harness::{
    backend::registry,
    devnet::{Devnet, DevnetOptions},
    spec::{ClockMode, NetworkSpec},
};
use serde::{Deserialize, Serialize};
use tokio::process::Command;

/// What one worker measured.
#[derive(Serialize, Deserialize)]
pub struct Report {
    /// `Devnet::start` to block 1, in seconds (the spec is already loaded).
    pub first_block: f64,
    /// Seconds for each segment of empty blocks, in order.
    pub segments: Vec<f64>,
    /// The process's peak resident memory after the last segment, in MiB.
    pub peak_memory: f64,
}

/// Takes the measures in this process.
pub async fn measure(spec: &NetworkSpec, segments: u64, blocks: u64) -> anyhow::Result<Report> {
    let started = Instant::now();
    let devnet = Devnet::start(spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await?;
    let name = &devnet.l2[0].name;
    devnet.wait_for_block(name, 1).await?;
    let first_block = started.elapsed().as_secs_f64();
    let mut head = devnet.l2_node(name)?.block_number();
    let mut times = Vec::new();
    for _ in 0..segments {
        let started = Instant::now();
        head += blocks;
        devnet.wait_for_block(name, head).await?;
        times.push(started.elapsed().as_secs_f64());
    }
    let peak_memory = super::nodes::peak_memory("/proc/self/status")?;
    Ok(Report { first_block, segments: times, peak_memory })
}

/// Runs a worker process (recorded for `harness clean`) and reads its report.
pub async fn in_fresh_process(spec: &Path, segments: u64, blocks: u64, run: &str) -> anyhow::Result<Report> {
    let program = std::env::current_exe()?;
    let child = Command::new(&program)
        .args(["bench", &spec.to_string_lossy(), "--worker", "--blocks", &(segments * blocks).to_string(), "--segment", &blocks.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().context("running")?;
    registry::record_process(run, pid, &program)?;
    let output = child.wait_with_output().await?;
    registry::forget_process(run, pid);
    anyhow::ensure!(output.status.success(), "the bench worker failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    serde_json::from_slice(&output.stdout).context("reading the bench worker's report")
}
