//! The OP fee fields of L2 receipts (`l1Fee`, `l1GasUsed`, scalars, operator fee parameters),
//! computed by op-revm's own L1 cost functions from the L1Block state the block left behind.

use alloy::{eips::eip2718::Encodable2718, primitives::U256};
use op_alloy::{consensus::OpTxEnvelope, rpc_types::L1BlockInfo as ReceiptFees};
use op_revm::{L1BlockInfo, OpSpecId, estimate_tx_compressed_size};
use revm::database::WrapDatabaseRef;

use crate::node::state::WorldState;

/// Fee fields per transaction of a block the EVM ran with `spec`; deposits get none, as in
/// op-geth.
pub fn receipt_fees<'a>(spec: OpSpecId, state: &WorldState, number: u64, transactions: impl IntoIterator<Item = &'a OpTxEnvelope>) -> Vec<Option<TxFees>> {
    let Ok(info) = L1BlockInfo::try_fetch(&mut WrapDatabaseRef(state), U256::from(number), spec);
    transactions.into_iter().map(|tx| (!tx.is_deposit()).then(|| fees(info.clone(), tx, spec))).collect()
}

/// What a user transaction's receipt reports beyond its execution.
#[derive(Clone, Copy, Debug, Default)]
pub struct TxFees {
    /// The L1 fee breakdown and fee parameters.
    pub l1: ReceiptFees,
    /// From Jovian on, the DA footprint, which receipts report as `blobGasUsed`.
    pub da_footprint: Option<u64>,
}

fn fees(mut info: L1BlockInfo, tx: &OpTxEnvelope, spec: OpSpecId) -> TxFees {
    let encoded = tx.encoded_2718();
    let narrow = |v: U256| v.saturating_to::<u128>();
    let ecotone = spec.is_enabled_in(OpSpecId::ECOTONE);
    // The executor's own estimate (alloy-op-evm meters blocks with it).
    let da_footprint = spec.is_enabled_in(OpSpecId::JOVIAN).then(|| {
        (estimate_tx_compressed_size(&encoded) / 1_000_000).saturating_mul(info.da_footprint_gas_scalar.unwrap_or_default().into())
    });
    let l1 = ReceiptFees {
        l1_gas_price: Some(narrow(info.l1_base_fee)),
        l1_gas_used: Some(narrow(info.data_gas(&encoded, spec) + info.l1_fee_overhead.unwrap_or_default())),
        l1_fee: Some(narrow(info.calculate_tx_l1_cost(&encoded, spec))),
        l1_fee_scalar: (!ecotone).then(|| f64::from(info.l1_base_fee_scalar) / 1_000_000.0),
        l1_base_fee_scalar: Some(narrow(info.l1_base_fee_scalar)),
        l1_blob_base_fee: info.l1_blob_base_fee.map(narrow),
        l1_blob_base_fee_scalar: info.l1_blob_base_fee_scalar.map(narrow),
        operator_fee_scalar: info.operator_fee_scalar.map(narrow),
        operator_fee_constant: info.operator_fee_constant.map(narrow),
        da_footprint_gas_scalar: info.da_footprint_gas_scalar,
    };
    TxFees { l1, da_footprint }
}
