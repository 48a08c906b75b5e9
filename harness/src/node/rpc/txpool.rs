//! geth's `txpool_status` and `txpool_content`: what the pool holds, pending (executable now)
//! and queued (waiting on a nonce gap), so a client can tell a stuck transaction from a lost one.

use alloy::primitives::U64;
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};
use serde_json::json;

use crate::node::api::{Node, NodeChain};

pub fn register<C: NodeChain>(m: &mut RpcModule<Node<C>>) {
    m.register_method("txpool_status", |_, n, _| {
        let (pending, queued) = n.pool_counts();
        json!({ "pending": U64::from(pending), "queued": U64::from(queued) })
    })
    .expect("unique");
    m.register_method("txpool_content", |_, n, _| Ok::<_, ErrorObjectOwned>(n.pool_content())).expect("unique");
}
