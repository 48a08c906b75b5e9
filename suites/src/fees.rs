//! The fee rules of the specs, computed in the test from values read over JSON-RPC, so that a
//! node's receipts and its GasPriceOracle are compared against an independent computation.

use alloy::{
    consensus::SignableTransaction,
    eips::{BlockId, eip2718::Encodable2718},
    primitives::{B256, Bytes, U256, keccak256},
    providers::Provider,
};
use anyhow::Context;
use harness::forks::Fork;
use op_alloy::{
    consensus::{OpReceipt, OpTxEnvelope, OpTypedTransaction},
    rpc_types::OpTransactionReceipt,
};

use crate::{
    TestNet,
    contracts::{L1_BLOCK, L1Block, call_abi},
    fastlz,
};

/// Fjord's floor on the estimated compressed size: 100 bytes, scaled by 1e6.
const MIN_SIZE_SCALED: i128 = 100_000_000;
/// Fjord's linear regression from FastLZ size to estimated Brotli size, scaled by 1e6.
const INTERCEPT: i128 = -42_585_600;
const FASTLZ_COEF: i128 = 836_500;
/// Bytes the GasPriceOracle adds to unsigned data for the signature it lacks.
const SIGNATURE_BYTES: u64 = 68;

/// The operator fee of a transaction that used `gas` at block `number`, by the specs' formula of
/// the fork in effect there: none before Isthmus, `gas * scalar / 1e6 + constant` from Isthmus,
/// `gas * scalar * 100 + constant` from Jovian.
pub fn operator_fee(net: &TestNet, number: u64, gas: u64, scalar: u32, constant: u64) -> U256 {
    let (gas, scalar, constant) = (U256::from(gas), U256::from(scalar), U256::from(constant));
    if crate::probe::is_active(net, Fork::Jovian, number) {
        gas * scalar * U256::from(100) + constant
    } else if crate::probe::is_active(net, Fork::Isthmus, number) {
        gas * scalar / U256::from(1_000_000) + constant
    } else {
        U256::ZERO
    }
}

/// The L1 prices and scalars L1Block holds after a block: what that block's L1 fees use.
#[derive(Clone, Copy, Debug)]
pub struct L1FeeParams {
    pub l1_base_fee: U256,
    pub blob_base_fee: U256,
    pub base_fee_scalar: u32,
    pub blob_base_fee_scalar: u32,
}

impl L1FeeParams {
    /// Reads the parameters from the L1Block getters at `block`.
    pub async fn at(net: &TestNet, block: u64) -> anyhow::Result<Self> {
        let params = Self {
            l1_base_fee: call_abi(net, L1_BLOCK, L1Block::basefeeCall {}, block).await?,
            blob_base_fee: call_abi(net, L1_BLOCK, L1Block::blobBaseFeeCall {}, block).await?,
            base_fee_scalar: call_abi(net, L1_BLOCK, L1Block::baseFeeScalarCall {}, block).await?,
            blob_base_fee_scalar: call_abi(net, L1_BLOCK, L1Block::blobBaseFeeScalarCall {}, block).await?,
        };
        anyhow::ensure!(!params.weighted_price().is_zero(), "L1Block at block {block} prices L1 data at zero, so every L1 fee would be 0: {params:?}");
        Ok(params)
    }

    /// `baseFeeScalar * l1BaseFee * 16 + blobBaseFeeScalar * blobBaseFee`.
    fn weighted_price(&self) -> U256 {
        U256::from(self.base_fee_scalar) * self.l1_base_fee * U256::from(16) + U256::from(self.blob_base_fee_scalar) * self.blob_base_fee
    }

    /// Fjord's L1 fee of data that compresses to `fastlz_size` bytes:
    /// `max(100e6, -42_585_600 + 836_500 * fastlzSize) * weighted price / 1e12`.
    pub fn fjord_fee(&self, fastlz_size: u64) -> U256 {
        let estimated = (INTERCEPT + FASTLZ_COEF * i128::from(fastlz_size)).max(MIN_SIZE_SCALED);
        U256::from(estimated) * self.weighted_price() / U256::from(1_000_000_000_000u64)
    }

    /// The Fjord fee when the size sits on the floor.
    pub fn fjord_floor_fee(&self) -> U256 {
        self.fjord_fee(0)
    }

    /// Fjord's `GasPriceOracle.getL1Fee(data)`: FastLZ of the unsigned data plus the signature.
    pub fn fjord_oracle_fee(&self, data: &[u8]) -> U256 {
        self.fjord_fee(fastlz::compressed_len(data) + SIGNATURE_BYTES)
    }

    /// Fjord's `getL1FeeUpperBound(size)`: the fee of the largest FastLZ output practical for
    /// `size` unsigned bytes, `txSize + txSize / 255 + 16` with the signature added.
    pub fn fjord_upper_bound(&self, unsigned_size: u64) -> U256 {
        let size = unsigned_size + SIGNATURE_BYTES;
        self.fjord_fee(size + size / 255 + 16)
    }

    /// Ecotone's L1 fee of `gas` calldata gas: `gas * weighted price / 16e6`.
    pub fn ecotone_fee(&self, gas: u64) -> U256 {
        U256::from(gas) * self.weighted_price() / U256::from(16_000_000)
    }

    /// Ecotone's `GasPriceOracle.getL1Fee(data)`: calldata gas of the data and the signature.
    pub fn ecotone_oracle_fee(&self, data: &[u8]) -> U256 {
        self.ecotone_fee(calldata_gas(data) + 16 * SIGNATURE_BYTES)
    }
}

/// A transaction's DA footprint from Jovian on: its Fjord size estimate from the FastLZ length
/// of its EIP-2718 bytes (at least 100 bytes), times the DA-footprint gas scalar.
pub fn da_footprint(raw: &[u8], scalar: u64) -> u64 {
    let size = i128::from(fastlz::compressed_len(raw));
    let estimate = (INTERCEPT + FASTLZ_COEF * size).max(MIN_SIZE_SCALED) / 1_000_000;
    u64::try_from(estimate).expect("positive") * scalar
}

/// Calldata gas: 4 per zero byte, 16 per other byte.
pub fn calldata_gas(data: &[u8]) -> u64 {
    data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

/// `len` bytes that FastLZ cannot shrink (a keccak chain from `seed`), to push an L1 fee above
/// Fjord's floor.
pub fn incompressible(seed: &str, len: usize) -> Bytes {
    let mut word = keccak256(seed);
    let mut data = Vec::with_capacity(len + 32);
    while data.len() < len {
        data.extend_from_slice(word.as_slice());
        word = keccak256(word);
    }
    data.truncate(len);
    data.into()
}

/// A mined transaction as the L1 fee sees it.
pub struct MinedTx {
    /// Its EIP-2718 bytes, signature included: what the receipt's l1Fee is computed on.
    pub raw: Bytes,
    /// Its unsigned EIP-2718 bytes: what `getL1Fee` takes (it adds the signature's 68 bytes).
    pub unsigned: Bytes,
}

impl MinedTx {
    /// Looks transaction `hash` up over RPC.
    pub async fn fetch(net: &TestNet, hash: B256) -> anyhow::Result<Self> {
        let tx = net.l2.get_transaction_by_hash(hash).await?.with_context(|| format!("transaction {hash} not found"))?;
        let envelope: OpTxEnvelope = tx.inner.inner.into_inner();
        let unsigned = OpTypedTransaction::from(envelope.clone()).encoded_for_signing().into();
        Ok(Self { raw: envelope.encoded_2718().into(), unsigned })
    }

    /// Size of the unsigned transaction, what `getL1FeeUpperBound` takes.
    pub fn unsigned_size(&self) -> u64 {
        self.unsigned.len() as u64
    }
}

/// The user (non-deposit) transactions' receipts of block `number`.
pub async fn user_receipts(net: &TestNet, number: u64) -> anyhow::Result<Vec<OpTransactionReceipt>> {
    let receipts = net.l2.get_block_receipts(BlockId::number(number)).await?.with_context(|| format!("no receipts for block {number}"))?;
    Ok(receipts.into_iter().filter(|r| !matches!(r.inner.inner.receipt, OpReceipt::Deposit(_))).collect())
}

/// The operator fees block `number`'s user transactions owe with `scalar` and `constant`, by
/// the formula of the fork in effect there, and the gas each used.
pub async fn block_operator_fees(net: &TestNet, number: u64, scalar: u32, constant: u64) -> anyhow::Result<(U256, Vec<u64>)> {
    let gas: Vec<u64> = user_receipts(net, number).await?.iter().map(|r| r.inner.gas_used).collect();
    Ok((gas.iter().map(|g| operator_fee(net, number, *g, scalar, constant)).sum(), gas))
}

/// Each user transaction of block `number` reports its DA footprint at `scalar` (computed here
/// from its signed bytes) as blobGasUsed, and the header's blobGasUsed is their sum.
pub async fn ensure_da_footprints(net: &TestNet, number: u64, scalar: u64) -> anyhow::Result<()> {
    let mut total = 0;
    for r in user_receipts(net, number).await? {
        let want = da_footprint(&MinedTx::fetch(net, r.inner.transaction_hash).await?.raw, scalar);
        anyhow::ensure!(r.inner.blob_gas_used == Some(want), "receipt of {} reports blobGasUsed {:?}, its DA footprint at scalar {scalar} is {want}", r.inner.transaction_hash, r.inner.blob_gas_used);
        total += want;
    }
    let header = crate::probe::header(net, number).await?;
    anyhow::ensure!(header.blob_gas_used == Some(total), "block {number} reports blobGasUsed {:?}, its user transactions' DA footprints sum to {total}", header.blob_gas_used);
    Ok(())
}
