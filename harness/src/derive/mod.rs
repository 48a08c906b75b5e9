//! Derivation: what an L1 block means for the L2, kept apart from execution the way kona keeps
//! its derivation pipeline apart from its executor. For each new L1 origin the sequencer asks
//! here for the epoch's inputs: the SystemConfig updates its logs carry and the user deposits
//! its portal logs carry. This is the seam where a real rollup node could stand in.

mod deposits;
mod system_config;

use alloy::primitives::{Address, Log};

pub use deposits::user_deposits;
pub use system_config::{DA_FOOTPRINT_GAS_SCALAR_DEFAULT, L2SystemConfig};

/// An L1 receipt as derivation reads it: whether it succeeded and its logs.
#[derive(Clone, Debug, Default)]
pub struct L1Receipt {
    pub success: bool,
    pub logs: Vec<Log>,
}

/// Where an L2 reads its L1: its portal and its SystemConfig.
#[derive(Clone, Copy, Debug)]
pub struct L1Addresses {
    pub portal: Address,
    pub system_config: Address,
}

/// The logs of `receipts` a derivation step reads: from successful receipts only, with their
/// index among all the block's logs (the index a deposit's source hash commits to).
fn successful_logs(receipts: &[L1Receipt]) -> impl Iterator<Item = (usize, &Log)> {
    let mut index = 0;
    receipts.iter().flat_map(move |r| {
        let first = index;
        index += r.logs.len();
        r.logs.iter().enumerate().filter(move |_| r.success).map(move |(i, log)| (first + i, log))
    })
}
