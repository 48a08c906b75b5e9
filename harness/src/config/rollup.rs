//! op-node's `rollup.json`, written field for field as op-node reads it. (kona-genesis parses this
//! format, but its own serialisation adds kona-only keys op-node rejects, so we write it here and
//! let tests parse it back with kona.)

use std::collections::BTreeMap;

use alloy::primitives::{Address, B64, B256};
use serde::{Deserialize, Serialize};

use crate::{
    contracts::{L1Contracts, SystemConfigValues},
    forks::Fork,
    genesis::BEDROCK_BASE_FEE_PARAMS,
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
    /// The rollup config of `l2`, anchored at the given L1 and L2 genesis blocks, reading the
    /// L1 contracts `contracts` whose SystemConfig holds `values`.
    pub fn new(
        spec: &NetworkSpec,
        l2: &L2Spec,
        l1_genesis: BlockRef,
        l2_genesis: BlockRef,
        l2_time: u64,
        contracts: &L1Contracts,
        values: &SystemConfigValues,
    ) -> Self {
        let schedule = spec.schedule();
        let fork_times = Fork::ALL
            .into_iter()
            .filter_map(|f| Some((f.rollup_time_key()?, schedule.time(f, l2_time)?)))
            .collect();
        Self {
            genesis: RollupGenesis { l1: l1_genesis, l2: l2_genesis, l2_time, system_config: system_config(spec, values) },
            block_time: l2.block_time,
            max_sequencer_drift: 600,
            seq_window_size: 3600,
            channel_timeout: 300,
            l1_chain_id: spec.l1.chain_id,
            l2_chain_id: l2.chain_id,
            fork_times,
            batch_inbox_address: contracts.batch_inbox,
            deposit_contract_address: contracts.optimism_portal,
            l1_system_config_address: contracts.system_config,
            protocol_versions_address: contracts.protocol_versions,
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

/// Holocene's EIP-1559 parameters: denominator, then elasticity.
fn eip1559_params(values: &SystemConfigValues) -> B64 {
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&values.eip1559_denominator.to_be_bytes());
    out[4..].copy_from_slice(&values.eip1559_elasticity.to_be_bytes());
    B64::from(out)
}

/// Isthmus operator fee parameters: scalar in bytes 20..24, constant in 24..32.
fn operator_fee_params(values: &SystemConfigValues) -> B256 {
    let mut params = [0u8; 32];
    params[20..24].copy_from_slice(&values.operator_fee_scalar.to_be_bytes());
    params[24..].copy_from_slice(&values.operator_fee_constant.to_be_bytes());
    B256::from(params)
}

/// The genesis system config: what the L1 SystemConfig holds, in the fields the scheduled forks
/// read.
fn system_config(spec: &NetworkSpec, values: &SystemConfigValues) -> SystemConfigJson {
    let scheduled = |fork| spec.schedule().offset(fork).is_some();
    SystemConfigJson {
        batcher_addr: Address::from_word(values.batcher_hash),
        overhead: B256::from(values.overhead),
        scalar: B256::from(values.scalar),
        gas_limit: values.gas_limit,
        eip1559_params: scheduled(Fork::Holocene).then(|| eip1559_params(values)),
        operator_fee_params: scheduled(Fork::Isthmus).then(|| operator_fee_params(values)),
        min_base_fee: scheduled(Fork::Jovian).then_some(values.min_base_fee),
        da_footprint_gas_scalar: scheduled(Fork::Jovian).then_some(values.da_footprint_gas_scalar),
    }
}
