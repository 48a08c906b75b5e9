//! The L2's `optimism_*` methods, in op-node's JSON shapes.

use std::sync::Arc;

use alloy::{eips::BlockId, primitives::{B256, U64}};
use jsonrpsee::{RpcModule, types::{ErrorObjectOwned, Params}};
use kona_protocol::OutputRoot;
use serde_json::{Value, json};

use crate::{
    config::RollupConfig,
    genesis::L2_TO_L1_MESSAGE_PASSER,
    node::{api::Node, l2::chain::{Fault, L2Block, L2Chain}, l2::l1_info::L1Origin},
};

/// What the `optimism_*` methods read.
pub struct OpContext {
    pub node: Arc<Node<L2Chain>>,
    pub rollup: RollupConfig,
}

fn l1_ref(origin: &L1Origin) -> Value {
    json!({ "hash": origin.hash, "number": origin.number, "parentHash": origin.parent_hash, "timestamp": origin.timestamp })
}

fn l2_ref(block: &L2Block) -> Value {
    json!({
        "hash": block.hash(),
        "number": block.number(),
        "parentHash": block.header.parent_hash,
        "timestamp": block.header.timestamp,
        "l1origin": { "hash": block.extra.origin.hash, "number": block.extra.origin.number },
        "sequenceNumber": block.extra.sequence_number,
    })
}

/// op-node's sync status: a sequencer with no batcher, so every head is the unsafe head.
fn sync_status(head: &L2Block) -> Value {
    let l1 = l1_ref(&head.extra.origin);
    let l2 = l2_ref(head);
    json!({
        "current_l1": l1, "current_l1_finalized": l1, "head_l1": l1, "safe_l1": l1, "finalized_l1": l1,
        "unsafe_l2": l2, "safe_l2": l2, "finalized_l2": l2, "pending_safe_l2": l2,
        "cross_unsafe_l2": l2, "local_safe_l2": l2,
    })
}

pub fn module(ctx: OpContext) -> RpcModule<OpContext> {
    let mut m = RpcModule::new(ctx);
    m.register_method("optimism_rollupConfig", |_, c, _| Result::<_, ErrorObjectOwned>::Ok(c.rollup.clone())).expect("unique");
    m.register_method("optimism_syncStatus", |_, c, _| sync_status(c.node.read().head())).expect("unique");
    m.register_method("optimism_outputAtBlock", |p: Params<'_>, c, _| -> Result<Value, ErrorObjectOwned> {
        let number: U64 = p.one()?;
        let chain = c.node.read();
        let number = Fault::output_block(chain.config.rules.fault, number.to());
        let block = chain.store.state_of(BlockId::number(number))?;
        let withdrawal_root = block.state.storage_root(&L2_TO_L1_MESSAGE_PASSER);
        let output = OutputRoot::from_parts(block.header.state_root, withdrawal_root, block.hash());
        Ok(json!({
            "version": B256::ZERO,
            "outputRoot": output.hash(),
            "blockRef": l2_ref(block),
            "withdrawalStorageRoot": withdrawal_root,
            "stateRoot": block.header.state_root,
            "syncStatus": sync_status(chain.head()),
        }))
    })
    .expect("unique");
    m
}
