//! `anvil_mine` on the embedded L1 in fast mode: blocks built back to back, each one block time
//! after the last, as the fast clock builds any block. A test lets the release's withdrawal
//! delays (days of L1 time) pass in seconds this way, honestly: the contracts are untouched and
//! every block is an ordinary block. Named and shaped as anvil's method (a count, then an
//! interval), so the same test drives anvil; the interval, if given, must be the block time, since
//! this L1's clock never jumps.

use std::sync::Arc;

use alloy::primitives::U256;
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};

use super::L1Chain;
use crate::node::{api::Node, rpc::error::{INVALID_PARAMS, server_error}};

/// Most blocks one call builds: two weeks of 12-second blocks, past the longest delay of a
/// withdrawal (the portal's seven-day proof maturity) with room.
pub const MAX_MINED: u64 = 100_800;

/// Blocks built per hold of the chain's lock, so RPC and the L2's producer keep their turn.
const CHUNK: u64 = 256;

fn invalid(message: String) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INVALID_PARAMS, message, None::<()>)
}

/// The `anvil_mine` method, for an L1 whose clock is fast.
pub fn module(node: Arc<Node<L1Chain>>) -> RpcModule<Node<L1Chain>> {
    let mut m = RpcModule::from_arc(node);
    m.register_async_method("anvil_mine", |params, node, _| async move {
        let mut p = params.sequence();
        let count: Option<U256> = p.optional_next()?;
        let interval: Option<U256> = p.optional_next()?;
        let count = count.map_or(Ok(1), u64::try_from).map_err(|_| invalid("the block count does not fit 64 bits".into()))?;
        if count > MAX_MINED {
            return Err(invalid(format!("{count} blocks is more than the {MAX_MINED} one call may build")));
        }
        let block_time = node.read().block_time;
        if interval.is_some_and(|i| i != U256::from(block_time)) {
            return Err(invalid(format!("this L1 builds a block every {block_time} s; its clock never jumps, so the interval must be {block_time} or absent")));
        }
        mine(&node, count).await?;
        Ok::<_, ErrorObjectOwned>(())
    })
    .expect("unique");
    m
}

/// Builds `count` blocks, yielding between chunks.
async fn mine(node: &Node<L1Chain>, count: u64) -> Result<(), ErrorObjectOwned> {
    let mut left = count;
    while left > 0 {
        let chunk = left.min(CHUNK);
        node.write(|chain| (0..chunk).try_for_each(|_| chain.build_next().map(|_| ()))).map_err(|e| server_error(format!("building an L1 block: {e}")))?;
        left -= chunk;
        tokio::task::yield_now().await;
    }
    Ok(())
}
