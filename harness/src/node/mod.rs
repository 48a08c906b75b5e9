//! The embedded OP Stack network: an in-process L1 and L2 that behave over JSON-RPC like real
//! clients. Execution is op-reth's (alloy-op-evm on op-revm); what lives here is the chain
//! around it: state, block building, sequencing and the RPC surface.

pub mod call;
pub mod api;
pub mod exec;
pub mod l1;
pub mod l2;
pub mod mempool;
pub mod proof;
pub mod receipts;
pub mod rpc;
pub mod state;
pub mod store;
pub mod trie;
