//! The genesis block header, computed the way op-geth and op-reth compute it from a
//! `genesis.json`, so that our genesis hash is the real chain's. Its roots come from the
//! genesis state the node starts on, whose trie is then already hashed: the allocation is not
//! walked a second time for them.

use alloy::{
    consensus::{EMPTY_OMMER_ROOT_HASH, Header, constants::EMPTY_ROOT_HASH},
    eips::{eip1559::INITIAL_BASE_FEE, eip7685::EMPTY_REQUESTS_HASH},
    genesis::Genesis,
    primitives::{Address, B256, address},
};

use crate::node::state::WorldState;

/// L2ToL1MessagePasser, whose storage root is the `withdrawalsRoot` from Isthmus on.
pub const L2_TO_L1_MESSAGE_PASSER: Address = address!("4200000000000000000000000000000000000016");

/// Which header-shaping rules are active at genesis.
#[derive(Clone, Copy, Debug, Default)]
pub struct GenesisRules {
    /// Shanghai / Canyon: withdrawals root.
    pub shanghai: bool,
    /// Cancun / Ecotone: blob gas fields and the parent beacon block root.
    pub cancun: bool,
    /// Prague / Isthmus: requests hash.
    pub prague: bool,
    /// OP Isthmus: the withdrawals root is the message passer's storage root.
    pub op_isthmus: bool,
}

/// Builds block 0 from a genesis description and the state its allocation holds.
pub fn genesis_header(genesis: &Genesis, rules: GenesisRules, state: &WorldState) -> Header {
    let withdrawals_root = rules.shanghai.then(|| {
        if rules.op_isthmus {
            state.storage_root(&L2_TO_L1_MESSAGE_PASSER)
        } else {
            EMPTY_ROOT_HASH
        }
    });
    Header {
        parent_hash: genesis.parent_hash.unwrap_or_default(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: genesis.coinbase,
        state_root: state.state_root(),
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        difficulty: genesis.difficulty,
        number: genesis.number.unwrap_or_default(),
        gas_limit: genesis.gas_limit,
        timestamp: genesis.timestamp,
        extra_data: genesis.extra_data.clone(),
        mix_hash: genesis.mix_hash,
        nonce: genesis.nonce.into(),
        base_fee_per_gas: Some(genesis.base_fee_per_gas.map_or(INITIAL_BASE_FEE, |f| f as u64)),
        withdrawals_root,
        blob_gas_used: rules.cancun.then(|| genesis.blob_gas_used.unwrap_or_default()),
        excess_blob_gas: rules.cancun.then(|| genesis.excess_blob_gas.unwrap_or_default()),
        parent_beacon_block_root: rules.cancun.then_some(B256::ZERO),
        requests_hash: rules.prague.then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}
