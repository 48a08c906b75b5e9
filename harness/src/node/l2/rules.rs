//! The chain rules of one L2: its fork schedule as the executor sees it, and the header fields
//! the rules decide (base fee, extraData, L1-attributes format).

use alloy::{
    consensus::Header,
    eips::eip1559::{BaseFeeParams, calc_next_block_base_fee},
    primitives::{B64, B256, Bytes},
};
use alloy_hardforks::ForkCondition;
use alloy_op_hardforks::{OpChainHardforks, OpHardfork};
use op_alloy::consensus::{
    decode_holocene_extra_data, decode_jovian_extra_data, encode_holocene_extra_data, encode_jovian_extra_data,
};

use super::{fault::Fault, l1_info::L1Origin};
use crate::{
    forks::{Fork, L1InfoFormat},
    genesis::BEDROCK_BASE_FEE_PARAMS,
    spec::ForkSchedule,
};

/// EIP-1559 parameters from Canyon on, until Holocene lets the SystemConfig set them.
pub const CANYON_BASE_FEE_PARAMS: BaseFeeParams = BaseFeeParams::new(250, 6);

/// An L2's fork schedule in absolute time, and how this node applies it.
#[derive(Clone, Debug)]
pub struct ChainRules {
    pub schedule: ForkSchedule,
    pub genesis_time: u64,
    pub block_time: u64,
    /// A deliberate bug in this node (tests only; see [`Fault`]), consulted wherever the node
    /// applies the rule the bug gets wrong.
    pub fault: Option<Fault>,
}

impl ChainRules {
    /// Whether `fork` is active at `timestamp`.
    pub fn is_active(&self, fork: Fork, timestamp: u64) -> bool {
        timestamp >= self.genesis_time && self.schedule.is_active(fork, timestamp - self.genesis_time)
    }

    /// Forks whose activation block is the block at `timestamp`: active now, not at the parent.
    pub fn activating_at(&self, timestamp: u64) -> impl Iterator<Item = Fork> + '_ {
        let parent = timestamp.saturating_sub(self.block_time);
        Fork::ALL.into_iter().filter(move |f| timestamp > self.genesis_time && self.is_active(*f, timestamp) && !self.is_active(*f, parent))
    }

    /// The L1-attributes format of the block at `timestamp`: an activation block keeps the
    /// format of the fork its parent ran.
    pub fn l1_info_format(&self, timestamp: u64) -> L1InfoFormat {
        let parent = timestamp.saturating_sub(self.block_time).max(self.genesis_time);
        Fault::l1_info_format(self.fault, self.schedule.active_fork(parent - self.genesis_time).l1_info_format())
    }

    /// parentBeaconBlockRoot of the block at `timestamp` on `origin`: the L1 origin's, from
    /// Ecotone on.
    pub fn beacon_root(&self, timestamp: u64, origin: &L1Origin) -> Option<B256> {
        let root = if self.fault == Some(Fault::ZeroBeaconRoot) { B256::ZERO } else { origin.parent_beacon_block_root };
        self.is_active(Fork::Ecotone, timestamp).then_some(root)
    }

    /// The executor's view of the schedule. alloy-op-hardforks looks forks up by position, so
    /// every fork from Bedrock on is listed, unscheduled ones as never.
    pub fn op_hardforks(&self) -> OpChainHardforks {
        let condition = |fork: Fork| {
            self.schedule.time(fork, self.genesis_time).map_or(ForkCondition::Never, ForkCondition::Timestamp)
        };
        OpChainHardforks::new([
            (OpHardfork::Bedrock, ForkCondition::Block(0)),
            (OpHardfork::Regolith, condition(Fork::Regolith)),
            (OpHardfork::Canyon, condition(Fork::Canyon)),
            (OpHardfork::Ecotone, condition(Fork::Ecotone)),
            (OpHardfork::Fjord, condition(Fork::Fjord)),
            (OpHardfork::Granite, condition(Fork::Granite)),
            (OpHardfork::Holocene, condition(Fork::Holocene)),
            (OpHardfork::Isthmus, condition(Fork::Isthmus)),
            (OpHardfork::Jovian, condition(Fork::Jovian)),
            (OpHardfork::Karst, condition(Fork::Karst)),
            (OpHardfork::Interop, condition(Fork::Lagoon)),
        ])
    }

    /// The base fee of the block after `parent`, by OP rules: the parent's fork decides how its
    /// extraData carries the EIP-1559 parameters; before Holocene, the new block's time decides
    /// the Canyon denominator, as op-geth's `CalcBaseFee` and op-reth's `next_block_base_fee` do.
    pub fn next_base_fee(&self, parent: &Header) -> u64 {
        let base_fee = parent.base_fee_per_gas.unwrap_or_default();
        let has = |fault: Fault| self.fault == Some(fault);
        let pick = |elasticity: u32, denominator: u32| {
            if (elasticity == 0 && denominator == 0) || has(Fault::CanyonBaseFeeAfterHolocene) {
                CANYON_BASE_FEE_PARAMS
            } else {
                BaseFeeParams::new(denominator.into(), elasticity.into())
            }
        };
        if self.is_active(Fork::Jovian, parent.timestamp) {
            let (elasticity, denominator, min) = decode_jovian_extra_data(&parent.extra_data).unwrap_or_default();
            let footprint = if has(Fault::BaseFeeIgnoresDaFootprint) { 0 } else { parent.blob_gas_used.unwrap_or_default() };
            let min = if has(Fault::IgnoreMinBaseFee) { 0 } else { min };
            return calc_next_block_base_fee(parent.gas_used.max(footprint), parent.gas_limit, base_fee, pick(elasticity, denominator)).max(min);
        }
        let params = if self.is_active(Fork::Holocene, parent.timestamp) {
            let (elasticity, denominator) = decode_holocene_extra_data(&parent.extra_data).unwrap_or_default();
            pick(elasticity, denominator)
        } else if self.is_active(Fork::Canyon, parent.timestamp + self.block_time) && !has(Fault::BedrockDenominatorAfterCanyon) {
            CANYON_BASE_FEE_PARAMS
        } else {
            BEDROCK_BASE_FEE_PARAMS
        };
        calc_next_block_base_fee(parent.gas_used, parent.gas_limit, base_fee, params)
    }

    /// extraData of the block at `timestamp`: Holocene carries the EIP-1559 parameters, Jovian
    /// adds the minimum base fee.
    pub fn extra_data(&self, timestamp: u64, eip1559_params: B64, min_base_fee: u64) -> Bytes {
        // Zero parameters encode as the chain's defaults, Canyon's.
        let eip1559_params = if self.fault == Some(Fault::CanyonParamsInExtraData) { B64::ZERO } else { eip1559_params };
        if self.is_active(Fork::Jovian, timestamp) {
            encode_jovian_extra_data(eip1559_params, CANYON_BASE_FEE_PARAMS, min_base_fee).expect("17 bytes")
        } else if self.is_active(Fork::Holocene, timestamp) {
            encode_holocene_extra_data(eip1559_params, CANYON_BASE_FEE_PARAMS).expect("9 bytes")
        } else {
            Bytes::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ForksSpec;

    fn rules(forks: &str) -> ChainRules {
        let spec: ForksSpec = toml::from_str(forks).unwrap();
        ChainRules { schedule: spec.resolve().unwrap(), genesis_time: 1000, block_time: 2, fault: None }
    }

    #[test]
    fn activation_block_keeps_the_previous_l1_info_format() {
        let rules = rules("regolith = \"genesis\"\ncanyon = \"genesis\"\ndelta = \"genesis\"\necotone = \"genesis\"\nfjord = \"genesis\"\ngranite = \"genesis\"\nholocene = \"genesis\"\nisthmus = { offset = 8 }");
        assert_eq!(rules.l1_info_format(1002), L1InfoFormat::Ecotone);
        assert_eq!(rules.activating_at(1008).collect::<Vec<_>>(), [Fork::Isthmus]);
        assert_eq!(rules.l1_info_format(1008), L1InfoFormat::Ecotone);
        assert_eq!(rules.l1_info_format(1010), L1InfoFormat::Isthmus);
        assert_eq!(rules.activating_at(1010).count(), 0);
    }

    #[test]
    fn holocene_base_fee_uses_the_parents_extra_data() {
        let rules = rules("regolith = \"genesis\"\ncanyon = \"genesis\"\ndelta = \"genesis\"\necotone = \"genesis\"\nfjord = \"genesis\"\ngranite = \"genesis\"\nholocene = \"genesis\"");
        let mut params = [0u8; 8];
        params[..4].copy_from_slice(&50u32.to_be_bytes());
        params[4..].copy_from_slice(&2u32.to_be_bytes());
        let parent = Header {
            timestamp: 1002,
            gas_limit: 30_000_000,
            gas_used: 30_000_000,
            base_fee_per_gas: Some(1_000_000_000),
            extra_data: rules.extra_data(1002, B64::from(params), 0),
            ..Default::default()
        };
        // Full block, elasticity 2: target 15M, base fee rises by 1/50.
        assert_eq!(rules.next_base_fee(&parent), 1_020_000_000);
    }
}
