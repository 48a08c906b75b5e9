//! The L2's SystemConfig as the L1 holds it: the source every fee and base-fee expectation is
//! taken from. An L2 block uses the values its L1 origin's state holds (op-node applies each
//! `ConfigUpdate` in the first L2 block whose origin contains it), so the checks read the L1 at
//! that origin rather than the spec the network was started with.

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, Bytes},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use anyhow::Context;

use crate::{
    TestNet,
    contracts::{L1_BLOCK, L1Block, call_abi},
};

alloy::sol! {
    interface SystemConfig {
        function owner() external view returns (address);
        function batcherHash() external view returns (bytes32);
        function gasLimit() external view returns (uint64);
        function scalar() external view returns (uint256);
        function eip1559Denominator() external view returns (uint32);
        function eip1559Elasticity() external view returns (uint32);
        function operatorFeeScalar() external view returns (uint32);
        function operatorFeeConstant() external view returns (uint64);
        function minBaseFee() external view returns (uint64);
        function daFootprintGasScalar() external view returns (uint16);
        function setEIP1559Params(uint32 denominator, uint32 elasticity) external;
        function setGasConfigEcotone(uint32 basefeeScalar, uint32 blobbasefeeScalar) external;
        function setGasLimit(uint64 gasLimit) external;
        function setOperatorFeeScalars(uint32 operatorFeeScalar, uint64 operatorFeeConstant) external;
        function setMinBaseFee(uint64 minBaseFee) external;
        function setDAFootprintGasScalar(uint16 daFootprintGasScalar) external;
    }
}

/// The DA-footprint gas scalar op-node writes into L1-attributes when the SystemConfig holds 0
/// (Jovian's L1-attributes spec).
const DA_FOOTPRINT_GAS_SCALAR_DEFAULT: u16 = 400;

/// What the SystemConfig holds at one L1 block, as an L2 block built on it sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1SystemConfig {
    pub batcher: Address,
    pub gas_limit: u64,
    /// Ecotone's scalars, from the scalar word by its version byte: version 1 holds the blob
    /// base-fee scalar in bytes 24..28 and the base-fee scalar in 28..32; version 0 only the
    /// base-fee scalar.
    pub base_fee_scalar: u32,
    pub blob_base_fee_scalar: u32,
    pub eip1559_denominator: u32,
    pub eip1559_elasticity: u32,
    pub operator_fee_scalar: u32,
    pub operator_fee_constant: u64,
    /// 0 where the contracts release has no such value.
    pub min_base_fee: u64,
    /// As the L1-attributes carry it: op-node's default for 0.
    pub da_footprint_gas_scalar: u16,
}

/// The SystemConfig L2 block `l2_block` was built with: the L1's, at that block's L1 origin.
pub async fn system_config(net: &TestNet, l2_block: u64) -> anyhow::Result<L1SystemConfig> {
    let origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, l2_block).await?;
    system_config_at_l1(net, origin).await
}

/// What the SystemConfig holds at L1 block `number`.
pub async fn system_config_at_l1(net: &TestNet, number: u64) -> anyhow::Result<L1SystemConfig> {
    use SystemConfig as S;
    let scalar = read(net, S::scalarCall {}, number).await?.to_be_bytes::<32>();
    let word = |at: usize| u32::from_be_bytes(scalar[at..at + 4].try_into().expect("4 bytes"));
    let da = optional(net, S::daFootprintGasScalarCall {}, number).await?;
    Ok(L1SystemConfig {
        batcher: Address::from_word(read(net, S::batcherHashCall {}, number).await?),
        gas_limit: read(net, S::gasLimitCall {}, number).await?,
        base_fee_scalar: word(28),
        blob_base_fee_scalar: if scalar[0] == 1 { word(24) } else { 0 },
        eip1559_denominator: read(net, S::eip1559DenominatorCall {}, number).await?,
        eip1559_elasticity: read(net, S::eip1559ElasticityCall {}, number).await?,
        operator_fee_scalar: read(net, S::operatorFeeScalarCall {}, number).await?,
        operator_fee_constant: read(net, S::operatorFeeConstantCall {}, number).await?,
        min_base_fee: optional(net, S::minBaseFeeCall {}, number).await?,
        da_footprint_gas_scalar: if da == 0 { DA_FOOTPRINT_GAS_SCALAR_DEFAULT } else { da },
    })
}

/// Calls a SystemConfig getter on the L1 at block `number`.
async fn read<C: SolCall>(net: &TestNet, call: C, number: u64) -> anyhow::Result<C::Return> {
    let to = net.l1_addresses.system_config;
    let request = TransactionRequest::default().with_to(to).with_input(Bytes::from(call.abi_encode()));
    let output = net.l1.call(request).block(BlockId::number(number)).await.with_context(|| format!("calling {} on SystemConfig {to} at L1 block {number}", C::SIGNATURE))?;
    C::abi_decode_returns(&output).with_context(|| format!("decoding {} from {to}", C::SIGNATURE))
}

/// A getter a release may lack (Jovian's): its value, or zero when the call reverts.
async fn optional<C: SolCall<Return = R>, R: Default>(net: &TestNet, call: C, number: u64) -> anyhow::Result<R> {
    match read(net, call, number).await {
        Ok(value) => Ok(value),
        Err(e) if format!("{e:#}").contains("execution reverted") => Ok(R::default()),
        Err(e) => Err(e),
    }
}
