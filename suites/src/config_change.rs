//! SystemConfig changes its owner makes on L1 during a test, and the L2 block that takes each
//! up: the first whose L1 origin holds the `ConfigUpdate` (op-node applies an epoch's updates
//! there). What the checks expect on L2 is what the test set on L1, never the spec's value.

use alloy::{
    network::TransactionBuilder,
    primitives::Bytes,
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context, ensure};

use crate::{
    TestNet,
    l1::{self, L1SystemConfig, SystemConfig},
};

/// One owner transaction on SystemConfig and where the L2 took it up.
#[derive(Clone, Debug)]
pub struct Change {
    /// The L1 block holding the owner's transaction.
    pub l1_block: u64,
    /// The first L2 block derived from that L1 block: the first built with the new values.
    pub l2_block: u64,
    /// The SystemConfig the L2 block before `l2_block` was built with.
    pub before: L1SystemConfig,
    /// The SystemConfig `l2_block` was built with.
    pub after: L1SystemConfig,
}

/// The SystemConfig the L2's latest block was built with: what a change must differ from.
pub async fn current(net: &TestNet) -> anyhow::Result<L1SystemConfig> {
    l1::system_config(net, net.l2.get_block_number().await?).await
}

/// Has the SystemConfig's owner make `call`, checks the contract logged a `ConfigUpdate`, and
/// waits for the L2 block that takes the change up.
pub async fn change<C: SolCall>(net: &TestNet, call: C) -> anyhow::Result<Change> {
    let owner = l1::owner(net).await?;
    let from = net.l2.get_block_number().await?;
    let to = net.l1_addresses.system_config;
    let request = TransactionRequest::default().with_to(to).with_input(Bytes::from(call.abi_encode()));
    let receipt = owner.send(request).await.with_context(|| format!("the owner's {} on SystemConfig {to}", C::SIGNATURE))?;
    let logged = receipt.inner.logs().iter().any(|l| l.address() == to && l.topics().first() == Some(&SystemConfig::ConfigUpdate::SIGNATURE_HASH));
    ensure!(logged, "the owner's {} on SystemConfig {to} logged no ConfigUpdate", C::SIGNATURE);
    let l1_block = receipt.block_number.context("a mined receipt names its block")?;
    let l2_block = l1::first_l2_block_of(net, l1_block, from).await?;
    let before = l1::system_config(net, l2_block - 1).await?;
    let after = l1::system_config(net, l2_block).await?;
    ensure!(before != after, "SystemConfig holds the same values before and after the owner's {} in L1 block {l1_block}: {after:?}", C::SIGNATURE);
    Ok(Change { l1_block, l2_block, before, after })
}

impl Change {
    /// Checks that a value the L2 shows, read by `read` at an L2 block, is `old` in the block
    /// before the change's L2 block and `new` from it on: the change took effect exactly there.
    pub async fn ensure_switch<T, F>(&self, what: &str, old: T, new: T, read: impl Fn(u64) -> F) -> anyhow::Result<()>
    where
        T: PartialEq + std::fmt::Debug,
        F: std::future::Future<Output = anyhow::Result<T>>,
    {
        let (before, after) = (read(self.l2_block - 1).await?, read(self.l2_block).await?);
        ensure!(after == new, "{what} at L2 block {} is {after:?}; the owner set {new:?} in L1 block {}, its origin", self.l2_block, self.l1_block);
        ensure!(before == old, "{what} at L2 block {}, derived before L1 block {}, is {before:?}, expected the former {old:?}", self.l2_block - 1, self.l1_block);
        Ok(())
    }
}

/// Has the owner change every SystemConfig value the L2 reads (gas limit, batcher, Ecotone
/// scalars, EIP-1559 parameters, operator fee, and where the contracts release has them the
/// minimum base fee and DA-footprint scalar) and returns the first L2 block built with all of
/// them. Checks that read the SystemConfig on L1 run after this cannot pass on a node that
/// ignores the L1, however its genesis values were chosen.
pub async fn change_everything(net: &TestNet) -> anyhow::Result<u64> {
    let now = current(net).await?;
    let (denominator, elasticity) = if now.eip1559_denominator == 100 { (120, 4) } else { (100, 3) };
    let mut last = change(net, SystemConfig::setGasLimitCall { gasLimit: now.gas_limit + 1_000_000 }).await?;
    last = change(net, SystemConfig::setBatcherHashCall { batcherHash: net.salted_signer("batcher").address().into_word() }).await?.later(last);
    let scalars = SystemConfig::setGasConfigEcotoneCall { basefeeScalar: now.base_fee_scalar + 1_234, blobbasefeeScalar: now.blob_base_fee_scalar + 5_678 };
    last = change(net, scalars).await?.later(last);
    last = change(net, SystemConfig::setEIP1559ParamsCall { denominator, elasticity }).await?.later(last);
    let operator = SystemConfig::setOperatorFeeScalarsCall { operatorFeeScalar: now.operator_fee_scalar + 7, operatorFeeConstant: now.operator_fee_constant + 1_000_003 };
    last = change(net, operator).await?.later(last);
    if l1::has_jovian_setters(net).await? {
        last = change(net, SystemConfig::setMinBaseFeeCall { minBaseFee: now.min_base_fee + 1_000_000_000 }).await?.later(last);
        last = change(net, SystemConfig::setDAFootprintGasScalarCall { daFootprintGasScalar: now.da_footprint_gas_scalar + 100 }).await?.later(last);
    }
    Ok(last.l2_block)
}

impl Change {
    /// Whichever of two changes took effect later.
    fn later(self, other: Self) -> Self {
        if self.l2_block >= other.l2_block { self } else { other }
    }
}
