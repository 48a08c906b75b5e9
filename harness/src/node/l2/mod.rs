//! The embedded L2: OP execution rules, the L1-attributes deposit and the sequencer.

pub mod chain;
pub mod evm;
pub mod execute;
pub mod fault;
pub mod fees;
pub mod l1_info;
mod node_chain;
pub mod rules;
pub mod target;
