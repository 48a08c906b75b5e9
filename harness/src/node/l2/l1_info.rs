//! The L1-attributes deposit that opens every L2 block. kona-protocol encodes the calldata of
//! each format; the deposit itself is an op-alloy 2.x transaction (only bytes cross the alloy
//! 1.x / 2.x line).

use alloy::{
    eips::eip2718::Encodable2718,
    primitives::{Address, B256, Bytes, TxKind, U256, address},
};
use kona_protocol::{L1BlockInfoBedrock, L1BlockInfoEcotone, L1BlockInfoIsthmus};
use op_alloy::consensus::{L1InfoDepositSource, TxDeposit};

use crate::{derive::L2SystemConfig, forks::L1InfoFormat};

/// The depositor account that sends L1-attributes deposits.
pub const L1_INFO_DEPOSITOR: Address = address!("DeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001");
/// The L1Block predeploy.
pub const L1_BLOCK: Address = address!("4200000000000000000000000000000000000015");

/// The L1 block an L2 block derives from, as the sequencer needs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1Origin {
    pub number: u64,
    pub timestamp: u64,
    pub hash: B256,
    pub parent_hash: B256,
    pub base_fee: u64,
    pub blob_base_fee: u128,
    /// L1's prevrandao, which becomes the L2 block's.
    pub mix_hash: B256,
    /// The L1 block's parent beacon block root, which becomes the L2 block's.
    pub parent_beacon_block_root: B256,
}

/// Jovian's `setL1BlockValuesJovian`: Isthmus's fields plus the DA footprint gas scalar.
const JOVIAN_SELECTOR: [u8; 4] = L1InfoFormat::Jovian.selector();

/// A kona L1-info struct with the fields every format shares filled from the origin, sequence
/// number and batcher, plus the format's own fields.
macro_rules! l1_info {
    ($kind:ident, $origin:expr, $sequence_number:expr, $config:expr, { $($field:ident: $value:expr),* $(,)? }) => {
        $kind {
            number: $origin.number,
            time: $origin.timestamp,
            base_fee: $origin.base_fee,
            block_hash: $origin.hash,
            sequence_number: $sequence_number,
            batcher_address: $config.batcher(),
            $($field: $value),*
        }
    };
}

/// Encodes the calldata of `format`, with the system config's values as op-node puts them:
/// Bedrock's format carries the raw overhead and scalar, Ecotone's the two scalars the scalar
/// word holds, Isthmus's also the operator fee, Jovian's also the DA-footprint gas scalar.
pub fn calldata(format: L1InfoFormat, origin: &L1Origin, sequence_number: u64, config: &L2SystemConfig) -> Bytes {
    let (base_fee_scalar, blob_base_fee_scalar) = config.ecotone_scalars();
    let (operator_fee_scalar, operator_fee_constant) = config.operator_fee();
    let isthmus = || {
        l1_info!(L1BlockInfoIsthmus, origin, sequence_number, config, {
            blob_base_fee: origin.blob_base_fee,
            blob_base_fee_scalar: blob_base_fee_scalar,
            base_fee_scalar: base_fee_scalar,
            operator_fee_scalar: operator_fee_scalar,
            operator_fee_constant: operator_fee_constant,
        })
    };
    match format {
        L1InfoFormat::Bedrock => l1_info!(L1BlockInfoBedrock, origin, sequence_number, config, {
            l1_fee_overhead: config.kona.overhead,
            l1_fee_scalar: config.kona.scalar,
        })
        .encode_calldata(),
        L1InfoFormat::Ecotone => l1_info!(L1BlockInfoEcotone, origin, sequence_number, config, {
            blob_base_fee: origin.blob_base_fee,
            blob_base_fee_scalar: blob_base_fee_scalar,
            base_fee_scalar: base_fee_scalar,
            empty_scalars: false,
            l1_fee_overhead: U256::ZERO,
        })
        .encode_calldata(),
        L1InfoFormat::Isthmus => isthmus().encode_calldata(),
        L1InfoFormat::Jovian => {
            let mut data = isthmus().encode_calldata().to_vec();
            data[..4].copy_from_slice(&JOVIAN_SELECTOR);
            data.extend_from_slice(&config.da_footprint_gas_scalar().to_be_bytes());
            data.into()
        }
    }
}

/// The L1-attributes deposit transaction. Before Regolith it is a system transaction with
/// 150M gas; from Regolith on a regular deposit with 1M.
pub fn deposit(format: L1InfoFormat, origin: &L1Origin, sequence_number: u64, config: &L2SystemConfig, regolith: bool) -> TxDeposit {
    let source = L1InfoDepositSource { l1_block_hash: origin.hash, seq_number: sequence_number };
    TxDeposit {
        source_hash: source.source_hash(),
        from: L1_INFO_DEPOSITOR,
        to: TxKind::Call(L1_BLOCK),
        mint: 0,
        value: U256::ZERO,
        gas_limit: if regolith { 1_000_000 } else { 150_000_000 },
        is_system_transaction: !regolith,
        input: calldata(format, origin, sequence_number, config),
    }
}

/// The deposit's EIP-2718 bytes.
pub fn encode(deposit: &TxDeposit) -> Bytes {
    deposit.encoded_2718().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> L2SystemConfig {
        L2SystemConfig::default()
    }

    #[test]
    fn each_format_has_its_selector_and_length() {
        let origin = L1Origin::default();
        for (format, len) in [
            (L1InfoFormat::Bedrock, 260),
            (L1InfoFormat::Ecotone, 164),
            (L1InfoFormat::Isthmus, 176),
            (L1InfoFormat::Jovian, 178),
        ] {
            let data = calldata(format, &origin, 0, &config());
            assert_eq!(data[..4], format.selector(), "{format:?}");
            assert_eq!(data.len(), len, "{format:?}");
        }
    }
}
