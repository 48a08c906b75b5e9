//! op-node's `rollup.json`, written field for field as op-node reads it. (kona-genesis parses this
//! format, but its own serialisation adds kona-only keys op-node rejects, so we write it here and
//! let tests parse it back with kona.)

use std::collections::BTreeMap;

use alloy::primitives::{Address, B64, B256, U256, keccak256};
use serde::{Deserialize, Serialize};

use crate::{
    forks::Fork,
    genesis::{BEDROCK_BASE_FEE_PARAMS, eip1559_params},
    spec::{L2Spec, NetworkSpec},
};

/// A block reference: number and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRef {
    pub number: u64,
    pub hash: B256,
}

/// The rollup config of one L2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RollupConfig {
    pub genesis: RollupGenesis,
    pub block_time: u64,
    pub max_sequencer_drift: u64,
    pub seq_window_size: u64,
    pub channel_timeout: u64,
    pub l1_chain_id: u64,
    pub l2_chain_id: u64,
    /// `regolith_time` ... `interop_time`; absent forks never activate.
    #[serde(flatten)]
    pub fork_times: BTreeMap<String, u64>,
    pub batch_inbox_address: Address,
    pub deposit_contract_address: Address,
    pub l1_system_config_address: Address,
    pub protocol_versions_address: Address,
    pub chain_op_config: ChainOpConfig,
}

/// Where the L2 starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RollupGenesis {
    pub l1: BlockRef,
    pub l2: BlockRef,
    pub l2_time: u64,
    pub system_config: SystemConfigJson,
}

/// op-node's `eth.SystemConfig` JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemConfigJson {
    pub batcher_addr: Address,
    pub overhead: B256,
    pub scalar: B256,
    pub gas_limit: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip1559_params: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_fee_params: Option<B256>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_base_fee: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub da_footprint_gas_scalar: Option<u16>,
}

/// Base-fee parameters before Holocene.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainOpConfig {
    pub eip1559_elasticity: u64,
    pub eip1559_denominator: u64,
    pub eip1559_denominator_canyon: u64,
}

impl RollupConfig {
    /// The rollup config of `l2`, anchored at the given L1 and L2 genesis blocks.
    pub fn new(spec: &NetworkSpec, l2: &L2Spec, l1_genesis: BlockRef, l2_genesis: BlockRef, l2_time: u64) -> Self {
        let schedule = spec.schedule();
        let fork_times = Fork::ALL
            .into_iter()
            .filter_map(|f| Some((f.rollup_time_key()?, schedule.time(f, l2_time)?)))
            .collect();
        Self {
            genesis: RollupGenesis { l1: l1_genesis, l2: l2_genesis, l2_time, system_config: system_config(spec, l2) },
            block_time: l2.block_time,
            max_sequencer_drift: 600,
            seq_window_size: 3600,
            channel_timeout: 300,
            l1_chain_id: spec.l1.chain_id,
            l2_chain_id: l2.chain_id,
            fork_times,
            batch_inbox_address: batch_inbox(l2.chain_id),
            deposit_contract_address: placeholder("OptimismPortal", l2.chain_id),
            l1_system_config_address: placeholder("SystemConfig", l2.chain_id),
            protocol_versions_address: Address::ZERO,
            chain_op_config: ChainOpConfig {
                eip1559_elasticity: BEDROCK_BASE_FEE_PARAMS.elasticity_multiplier as u64,
                eip1559_denominator: BEDROCK_BASE_FEE_PARAMS.max_change_denominator as u64,
                eip1559_denominator_canyon: 250,
            },
        }
    }

    /// Activation time of `fork`, if scheduled.
    pub fn fork_time(&self, fork: Fork) -> Option<u64> {
        fork.rollup_time_key().and_then(|k| self.fork_times.get(&k).copied())
    }
}

/// The Ecotone-format fee scalar (version 1: blob base fee scalar, base fee scalar) when the
/// chain starts on Ecotone; otherwise a version-0 scalar that Bedrock-format L1-attributes
/// deposits can carry and that op-node reads as a base fee scalar after Ecotone.
fn fee_scalar(spec: &NetworkSpec, l2: &L2Spec) -> B256 {
    let sc = &l2.system_config;
    let mut scalar = [0u8; 32];
    scalar[28..].copy_from_slice(&sc.base_fee_scalar.to_be_bytes());
    if spec.schedule().is_active(Fork::Ecotone, 0) {
        scalar[0] = 1;
        scalar[24..28].copy_from_slice(&sc.blob_base_fee_scalar.to_be_bytes());
    }
    B256::from(scalar)
}

/// Isthmus operator fee parameters: scalar in bytes 20..24, constant in 24..32.
fn operator_fee_params(l2: &L2Spec) -> B256 {
    let mut params = [0u8; 32];
    params[20..24].copy_from_slice(&l2.system_config.operator_fee_scalar.to_be_bytes());
    params[24..].copy_from_slice(&l2.system_config.operator_fee_constant.to_be_bytes());
    B256::from(params)
}

fn system_config(spec: &NetworkSpec, l2: &L2Spec) -> SystemConfigJson {
    let scheduled = |fork| spec.schedule().offset(fork).is_some();
    let sc = &l2.system_config;
    SystemConfigJson {
        batcher_addr: sc.batcher,
        overhead: B256::ZERO,
        scalar: fee_scalar(spec, l2),
        gas_limit: l2.gas_limit,
        eip1559_params: scheduled(Fork::Holocene).then(|| eip1559_params(l2)),
        operator_fee_params: scheduled(Fork::Isthmus).then(|| operator_fee_params(l2)),
        min_base_fee: scheduled(Fork::Jovian).then_some(sc.min_base_fee),
        da_footprint_gas_scalar: scheduled(Fork::Jovian).then_some(sc.da_footprint_gas_scalar),
    }
}

/// op-deployer's batch inbox convention: `0xff00..00` followed by the chain id.
fn batch_inbox(chain_id: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[0] = 0xff;
    bytes[12..].copy_from_slice(&chain_id.to_be_bytes());
    Address::from(bytes)
}

/// A stable address for an L1 contract the local networks do not deploy. Real deployments
/// replace these through an external spec.
fn placeholder(contract: &str, chain_id: u64) -> Address {
    let seed = [contract.as_bytes(), &U256::from(chain_id).to_be_bytes::<32>()].concat();
    Address::from_slice(&keccak256(seed)[12..])
}
