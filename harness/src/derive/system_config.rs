//! The L2's view of its L1 SystemConfig: where it starts (the rollup config's genesis system
//! config) and how each `ConfigUpdate` log of a new L1 origin changes it, as op-node applies them.
//!
//! kona-genesis applies the updates every release has had (batcher, fee scalars, gas limit,
//! EIP-1559 and operator-fee parameters) exactly as op-node does; the two Jovian added (minimum
//! base fee, DA-footprint gas scalar) are newer than its 0.4.5 release and are decoded here.

use alloy::primitives::{Address, B64, Log, U256};
use kona_genesis::{CONFIG_UPDATE_TOPIC, SystemConfig as KonaSystemConfig, SystemConfigLog};

use super::{L1Addresses, L1Receipt, successful_logs};
use crate::config::SystemConfigJson;

/// The DA-footprint gas scalar op-node writes into L1-attributes when the SystemConfig holds 0.
pub const DA_FOOTPRINT_GAS_SCALAR_DEFAULT: u16 = 400;

/// `ConfigUpdate` types Jovian added, beyond kona-genesis 0.4.5's.
const MIN_BASE_FEE: u64 = 6;
const DA_FOOTPRINT_GAS_SCALAR: u64 = 7;

/// The system config an L2 block is built with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L2SystemConfig {
    pub kona: KonaSystemConfig,
    pub min_base_fee: u64,
    /// As the SystemConfig holds it; [`Self::da_footprint_gas_scalar`] applies op-node's default.
    pub da_footprint_scalar: u16,
}

impl L2SystemConfig {
    /// The genesis system config of a rollup config.
    pub fn from_genesis(json: &SystemConfigJson) -> Self {
        let (denominator, elasticity) = json.eip1559_params.map(split_eip1559).unzip();
        let operator = json.operator_fee_params.map(|p| (u32::from_be_bytes(p[20..24].try_into().expect("4 bytes")), u64::from_be_bytes(p[24..].try_into().expect("8 bytes"))));
        let scalar = U256::from_be_bytes(json.scalar.0);
        let kona = KonaSystemConfig {
            batcher_address: json.batcher_addr,
            overhead: U256::from_be_bytes(json.overhead.0),
            scalar,
            gas_limit: json.gas_limit,
            eip1559_denominator: denominator,
            eip1559_elasticity: elasticity,
            operator_fee_scalar: operator.map(|(s, _)| s),
            operator_fee_constant: operator.map(|(_, c)| c),
            ..Default::default()
        };
        Self { kona, min_base_fee: json.min_base_fee.unwrap_or_default(), da_footprint_scalar: json.da_footprint_gas_scalar.unwrap_or_default() }
    }

    /// Applies the `ConfigUpdate` logs of `receipts` (an L1 block at `l1_time`), in order. A log
    /// that does not decode is ignored and the old value kept, as op-node does since it stopped
    /// treating update errors as critical.
    pub fn apply(&mut self, receipts: &[L1Receipt], addresses: &L1Addresses, ecotone_active_at_l1_time: bool) {
        let updates = successful_logs(receipts).filter(|(_, log)| log.address == addresses.system_config && log.topics().first() == Some(&CONFIG_UPDATE_TOPIC));
        for (index, log) in updates {
            if let Err(reason) = self.apply_log(log, ecotone_active_at_l1_time) {
                tracing::warn!(index, %reason, "ignored a SystemConfig update that does not decode");
            }
        }
    }

    fn apply_log(&mut self, log: &Log, ecotone_active: bool) -> Result<(), String> {
        let update_type = log.topics().get(2).map(|t| U256::from_be_bytes(t.0)).ok_or("a ConfigUpdate log without its type topic")?;
        let word = || single_word(&log.data.data).ok_or_else(|| format!("update type {update_type}: data is not one ABI-encoded word"));
        match update_type.to::<u64>() {
            MIN_BASE_FEE => self.min_base_fee = word()?.to(),
            DA_FOOTPRINT_GAS_SCALAR => self.da_footprint_scalar = word()?.to(),
            _ => SystemConfigLog::new(log.clone(), ecotone_active).build().map_err(|e| e.to_string())?.apply(&mut self.kona),
        }
        Ok(())
    }

    /// The batcher the L1-attributes deposit names.
    pub const fn batcher(&self) -> Address {
        self.kona.batcher_address
    }

    /// `(baseFeeScalar, blobBaseFeeScalar)` as Ecotone's L1-attributes carry them: a version-1
    /// scalar holds both; a version-0 one only the base-fee scalar, in its low 4 bytes.
    pub fn ecotone_scalars(&self) -> (u32, u32) {
        let bytes = self.kona.scalar.to_be_bytes::<32>();
        let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        match bytes[0] {
            1 => (word(28), word(24)),
            _ => (word(28), 0),
        }
    }

    /// `(scalar, constant)` of the Isthmus operator fee.
    pub fn operator_fee(&self) -> (u32, u64) {
        (self.kona.operator_fee_scalar.unwrap_or_default(), self.kona.operator_fee_constant.unwrap_or_default())
    }

    /// The DA-footprint gas scalar the L1-attributes carry: op-node writes 400 for 0.
    pub const fn da_footprint_gas_scalar(&self) -> u16 {
        if self.da_footprint_scalar == 0 { DA_FOOTPRINT_GAS_SCALAR_DEFAULT } else { self.da_footprint_scalar }
    }

    /// Holocene's EIP-1559 parameters, denominator then elasticity (zero: the chain's defaults).
    pub fn eip1559_params(&self) -> B64 {
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&self.kona.eip1559_denominator.unwrap_or_default().to_be_bytes());
        out[4..].copy_from_slice(&self.kona.eip1559_elasticity.unwrap_or_default().to_be_bytes());
        B64::from(out)
    }
}

fn split_eip1559(params: B64) -> (u32, u32) {
    (u32::from_be_bytes(params[..4].try_into().expect("4 bytes")), u32::from_be_bytes(params[4..].try_into().expect("4 bytes")))
}

/// `abi.encode(bytes)` of one 32-byte word: offset 0x20, length 0x20, the word.
fn single_word(data: &[u8]) -> Option<U256> {
    let words: Vec<U256> = data.chunks(32).map(U256::from_be_slice).collect();
    match (data.len(), words.as_slice()) {
        (96, [offset, length, word]) if *offset == U256::from(32) && *length == U256::from(32) => Some(*word),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::B256;

    use super::*;

    fn config_update_log(address: Address, update_type: u64, word: U256) -> Log {
        let data = [U256::from(32), U256::from(32), word].iter().flat_map(|w| w.to_be_bytes::<32>()).collect::<Vec<u8>>();
        Log::new_unchecked(address, vec![CONFIG_UPDATE_TOPIC, B256::ZERO, B256::from(U256::from(update_type))], data.into())
    }

    fn receipts(logs: Vec<Log>) -> Vec<L1Receipt> {
        vec![L1Receipt { success: true, logs }]
    }

    #[test]
    fn jovian_and_earlier_updates_apply_and_foreign_or_failed_ones_do_not() {
        let address = Address::repeat_byte(0x5c);
        let addresses = L1Addresses { portal: Address::ZERO, system_config: address };
        let mut config = L2SystemConfig::default();
        let eip1559 = U256::from((50u64 << 32) | 4);
        let logs = vec![
            config_update_log(address, 4, eip1559),
            config_update_log(address, MIN_BASE_FEE, U256::from(7)),
            config_update_log(address, DA_FOOTPRINT_GAS_SCALAR, U256::from(900)),
            config_update_log(Address::repeat_byte(1), MIN_BASE_FEE, U256::from(99)),
        ];
        config.apply(&receipts(logs), &addresses, true);
        assert_eq!((config.kona.eip1559_denominator, config.kona.eip1559_elasticity), (Some(50), Some(4)));
        assert_eq!((config.min_base_fee, config.da_footprint_gas_scalar()), (7, 900));
        let failed = vec![L1Receipt { success: false, logs: vec![config_update_log(address, MIN_BASE_FEE, U256::from(8))] }];
        config.apply(&failed, &addresses, true);
        assert_eq!(config.min_base_fee, 7, "a failed receipt's update must not apply");
    }

    #[test]
    fn a_zero_da_footprint_scalar_reads_as_op_nodes_default() {
        assert_eq!(L2SystemConfig::default().da_footprint_gas_scalar(), DA_FOOTPRINT_GAS_SCALAR_DEFAULT);
    }
}
