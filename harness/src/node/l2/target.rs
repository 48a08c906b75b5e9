//! How far a fast-clock L2's sequencer is asked to build, and the waits on it.
//!
//! On the fast clock the sequencer builds a block when a transaction arrives, when it is asked
//! for a block, or every idle tick. A wait for a block that is not there yet raises the target,
//! and the sequencer builds up to it back to back: every block still derived from L1 as any block
//! is (its L1 origin, deposits, upgrade transactions), only sooner. The in-process network's waits
//! raise it directly; a test attached over RPC raises it with `anvil_mine`, shaped as anvil's
//! method, instead of polling while the idle sequencer builds ten blocks a second.

use std::{sync::Arc, time::Duration};

use alloy::primitives::U256;
use jsonrpsee::RpcModule;
use tokio::{sync::watch, time::Instant};

use super::chain::L2Chain;
use crate::node::{api::Node, rpc::error::{invalid_params, server_error}};

/// Most blocks one `anvil_mine` call may ask for: an hour of 1-second blocks, past any wait of
/// a test, so one call cannot keep the sequencer busy without bound.
pub const MAX_MINED: u64 = 3_600;

/// How long a wait for `blocks` more blocks of a chain with `block_time` may take: those blocks
/// at the real-time pace, twice over, plus a fixed margin for a loaded machine. A fast clock
/// only ever comes sooner.
pub fn block_deadline(blocks: u64, block_time: u64) -> Duration {
    Duration::from_secs(2 * blocks * block_time + 10)
}

/// The block the sequencer is asked to reach, and the chain's head.
#[derive(Debug)]
pub struct BlockTarget {
    wanted: watch::Sender<u64>,
    head: watch::Receiver<u64>,
    /// The chain's block time: the pace a wait's deadline allows for.
    pub block_time: u64,
}

/// A wait that ran out: where the head was, and how long it was waited for.
#[derive(Debug)]
pub struct Missed {
    pub head: u64,
    pub waited: Duration,
}

impl BlockTarget {
    /// A target for `node`'s chain, and the receiver its sequencer watches.
    pub fn new(node: &Node<L2Chain>, block_time: u64) -> (Arc<Self>, watch::Receiver<u64>) {
        let (wanted, receiver) = watch::channel(0);
        (Arc::new(Self { wanted, head: node.subscribe(), block_time }), receiver)
    }

    /// The current head block number.
    pub fn head(&self) -> u64 {
        *self.head.borrow()
    }

    /// Asks for block `number` and waits until it exists, until [`block_deadline`].
    pub async fn reach(&self, number: u64) -> Result<(), Missed> {
        let mut head = self.head.clone();
        let deadline = block_deadline(number.saturating_sub(*head.borrow()), self.block_time);
        self.wanted.send_if_modified(|t| {
            let raise = *t < number;
            *t = (*t).max(number);
            raise
        });
        let started = Instant::now();
        let reached = tokio::time::timeout(deadline, head.wait_for(|h| *h >= number)).await.is_ok_and(|r| r.is_ok());
        match reached {
            true => Ok(()),
            false => Err(Missed { head: *head.borrow(), waited: started.elapsed() }),
        }
    }
}

/// The `anvil_mine` method, for an L2 whose clock is fast: `count` blocks (1 when absent) past
/// the head, built by the sequencer; it answers once they exist. L2 blocks come one block time
/// apart, so an interval other than the block time is refused.
pub fn mine_module(node: Arc<Node<L2Chain>>, target: Arc<BlockTarget>) -> RpcModule<Node<L2Chain>> {
    let mut m = RpcModule::from_arc(node);
    m.register_async_method("anvil_mine", move |params, _, _| {
        let target = target.clone();
        async move {
            let mut p = params.sequence();
            let count: Option<U256> = p.optional_next()?;
            let interval: Option<U256> = p.optional_next()?;
            let count = count.map_or(Ok(1), u64::try_from).map_err(|_| invalid_params("the block count does not fit 64 bits"))?;
            if count > MAX_MINED {
                return Err(invalid_params(format!("{count} blocks are more than the {MAX_MINED} one call may ask for")));
            }
            if interval.is_some_and(|i| i != U256::from(target.block_time)) {
                return Err(invalid_params(format!("this L2's blocks are its block time ({} s) apart; omit the interval", target.block_time)));
            }
            let wanted = target.head() + count;
            target
                .reach(wanted)
                .await
                .map_err(|m| server_error(format!("block {wanted} was not built within {:?}; the head is {}", m.waited, m.head)))
        }
    })
    .expect("unique");
    m
}
