//! The embedded L2: OP execution rules, the L1-attributes deposit and the sequencer.

pub mod execute;
pub mod l1_info;
pub mod rules;
