//! The embedded OP Stack network: an in-process L1 and L2 that behave over JSON-RPC like real
//! clients. Execution is op-reth's (alloy-op-evm on op-revm); what lives here is the chain
//! around it: state, block building, sequencing and the RPC surface.

pub mod exec;
pub mod l2;
pub mod state;
