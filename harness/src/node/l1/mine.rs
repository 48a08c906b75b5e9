//! `anvil_mine` on the embedded L1 in fast mode: blocks built back to back, as the fast clock
//! builds any block. Named and shaped as anvil's method (a count, then an interval), so the same
//! test drives anvil. The interval, if given, must be a whole number of slots (the block time
//! times N): each block then comes N slots after its parent, the slots between missed, as on
//! Ethereum when proposers miss theirs. A test lets the release's withdrawal delays (days of L1
//! time) pass in milliseconds this way, honestly: the contracts are untouched, every block is an
//! ordinary block, and its timestamp is one Ethereum could give it.

use std::sync::Arc;

use alloy::primitives::U256;
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};

use super::L1Chain;
use crate::node::{api::Node, rpc::error::{invalid_params, server_error}};

/// Most slots one call may cover (blocks times the slots per block): two weeks of 12-second
/// slots, past the longest delay of a withdrawal (the portal's seven-day proof maturity) with room.
pub const MAX_SLOTS: u64 = 100_800;

/// Blocks built per hold of the chain's lock, so RPC and the L2's producer keep their turn.
const CHUNK: u64 = 256;

/// The `anvil_mine` method, for an L1 whose clock is fast.
pub fn module(node: Arc<Node<L1Chain>>) -> RpcModule<Node<L1Chain>> {
    let mut m = RpcModule::from_arc(node);
    m.register_async_method("anvil_mine", |params, node, _| async move {
        let mut p = params.sequence();
        let count: Option<U256> = p.optional_next()?;
        let interval: Option<U256> = p.optional_next()?;
        let count = count.map_or(Ok(1), u64::try_from).map_err(|_| invalid_params("the block count does not fit 64 bits"))?;
        let slots = slots_per_block(&node, interval)?;
        if count.saturating_mul(slots) > MAX_SLOTS {
            return Err(invalid_params(format!("{count} blocks {slots} slots apart cover more than the {MAX_SLOTS} slots one call may")));
        }
        mine(&node, count, slots).await?;
        Ok::<_, ErrorObjectOwned>(())
    })
    .expect("unique");
    m
}

/// The slots each block comes after its parent: `interval` in whole slots, 1 when absent.
fn slots_per_block(node: &Node<L1Chain>, interval: Option<U256>) -> Result<u64, ErrorObjectOwned> {
    let chain = node.read();
    let block_time = chain.block_time;
    let Some(interval) = interval else { return Ok(1) };
    let interval = u64::try_from(interval).map_err(|_| invalid_params("the interval does not fit 64 bits"))?;
    if interval == 0 || interval % block_time != 0 {
        return Err(invalid_params(format!("this L1 has a slot every {block_time} s; the interval must be a whole number of slots (a positive multiple of {block_time})")));
    }
    if let Some(last) = chain.boundary_ahead().filter(|_| interval > block_time) {
        return Err(invalid_params(format!("no slot may be skipped before the scheduled L1 upgrade's blocks (through block {last}) are built: their numbers are fixed")));
    }
    Ok(interval / block_time)
}

/// Builds `count` blocks, each `slots` slots after its parent, yielding between chunks.
async fn mine(node: &Node<L1Chain>, count: u64, slots: u64) -> Result<(), ErrorObjectOwned> {
    let mut left = count;
    while left > 0 {
        let chunk = left.min(CHUNK);
        node.write(|chain| (0..chunk).try_for_each(|_| chain.build_in_slot(slots).map(|_| ()))).map_err(|e| server_error(format!("building an L1 block: {e}")))?;
        left -= chunk;
        tokio::task::yield_now().await;
    }
    Ok(())
}
