//! `anvil_mine` on a fast-clock L2: a test attached over RPC asks the sequencer for blocks
//! instead of polling while the idle sequencer builds one every 100 ms; a real-time L2 has no
//! such method, so attached tests fall back to polling there.

use std::time::{Duration, Instant};

use alloy::{
    primitives::U256,
    providers::{DynProvider, Provider},
    transports::TransportError,
};
use harness::{
    devnet::{Devnet, DevnetOptions},
    spec::{ClockMode, NetworkSpec},
};

mod tx_support;

const INVALID_PARAMS: i64 = -32602;
const METHOD_NOT_FOUND: i64 = -32601;

/// The idle sequencer's pace on the fast clock (one block per 100 ms), which asked-for blocks
/// must beat.
const IDLE_PACE: Duration = Duration::from_millis(100);

/// A network of the shipped Alphanet, a client of its L2, and the L2's block time.
async fn start(clock: ClockMode) -> (Devnet, DynProvider, u64) {
    let spec = NetworkSpec::load(format!("{}/../networks/alphanet.toml", env!("CARGO_MANIFEST_DIR"))).expect("the shipped spec loads");
    let devnet = Devnet::start(&spec, DevnetOptions { clock, ..Default::default() }).await.expect("the network starts");
    let l2 = tx_support::client(&devnet.l2[0].rpc);
    (devnet, l2, spec.l2[0].block_time)
}

async fn mine(l2: &DynProvider, params: Vec<U256>) -> Result<(), TransportError> {
    l2.raw_request::<_, ()>("anvil_mine".into(), params).await
}

fn code(result: Result<(), TransportError>) -> i64 {
    result.expect_err("refused").as_error_resp().expect("a JSON-RPC error").code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_l2_builds_the_blocks_asked_for_before_answering() {
    let (_devnet, l2, _) = start(ClockMode::Fast).await;
    let before = l2.get_block_number().await.expect("answers");
    let count = 50;
    let started = Instant::now();
    mine(&l2, vec![U256::from(count)]).await.expect("the fast L2 mines");
    let took = started.elapsed();
    let after = l2.get_block_number().await.expect("answers");
    assert!(after >= before + count, "anvil_mine({count}) answered at head {after}, from {before}");
    assert!(took < IDLE_PACE * count as u32, "{count} blocks took {took:?}, no faster than the idle sequencer would have built them");
    let block = l2.get_block_by_number(after.into()).await.expect("answers").expect("the head exists");
    assert!(!block.transactions.is_empty(), "a mined block carries its L1-attributes deposit like any other");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_l2_refuses_other_intervals_and_unbounded_counts() {
    let (_devnet, l2, block_time) = start(ClockMode::Fast).await;
    mine(&l2, vec![U256::from(2), U256::from(block_time)]).await.expect("the block time is the one interval an L2 has");
    assert_eq!(code(mine(&l2, vec![U256::from(2), U256::from(block_time + 1)]).await), INVALID_PARAMS);
    assert_eq!(code(mine(&l2, vec![U256::from(harness::node::l2::target::MAX_MINED + 1)]).await), INVALID_PARAMS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_time_l2_has_no_anvil_mine() {
    let (_devnet, l2, _) = start(ClockMode::Realtime).await;
    assert_eq!(code(mine(&l2, vec![U256::from(1)]).await), METHOD_NOT_FOUND);
}
