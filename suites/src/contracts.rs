//! The L2 contracts the fee and fork checks read: their addresses, the slices of their ABIs the
//! checks call, and typed calls to them at a chosen block.

use alloy::{
    primitives::{Address, B256, address, b256},
    sol_types::SolCall,
    transports::RpcError,
};
use anyhow::Context;

use crate::{TestNet, probe};

/// L1Block predeploy: the L1 attributes each block's deposit writes.
pub const L1_BLOCK: Address = address!("4200000000000000000000000000000000000015");
/// OperatorFeeVault predeploy (Isthmus).
pub const OPERATOR_FEE_VAULT: Address = address!("420000000000000000000000000000000000001B");
/// The EIP-2935 block-hash history contract.
pub const HISTORY_STORAGE: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// The account that sends every L1-attributes deposit.
pub const L1_INFO_DEPOSITOR: Address = address!("DeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001");
/// The Create2Deployer Canyon installs.
pub const CREATE2_DEPLOYER: Address = address!("13b0D85CcB8bf860b6b79AF3029fCA081AE9beF2");
/// keccak256 of the Create2Deployer's code, as op-geth and alloy-op-evm force-deploy it.
pub const CREATE2_DEPLOYER_CODE_HASH: B256 = b256!("b0550b5b431e30d38000efb7107aaa0ade03d48a7198a140edda9d27134468b2");
/// The EIP-4788 beacon-roots contract an Ecotone upgrade transaction deploys.
pub const BEACON_ROOTS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// The bn256 pairing precompile.
pub const BN256_PAIRING: Address = address!("0000000000000000000000000000000000000008");

alloy::sol! {
    interface L1Block {
        function number() external view returns (uint64);
        function timestamp() external view returns (uint64);
        function hash() external view returns (bytes32);
        function sequenceNumber() external view returns (uint64);
        function batcherHash() external view returns (bytes32);
        function basefee() external view returns (uint256);
        function blobBaseFee() external view returns (uint256);
        function baseFeeScalar() external view returns (uint32);
        function blobBaseFeeScalar() external view returns (uint32);
        function operatorFeeScalar() external view returns (uint32);
        function operatorFeeConstant() external view returns (uint64);
        function daFootprintGasScalar() external view returns (uint16);
    }

    interface GasPriceOracle {
        function getL1Fee(bytes memory data) external view returns (uint256);
        function getL1FeeUpperBound(uint256 unsignedTxSize) external view returns (uint256);
        function getOperatorFee(uint256 gasUsed) external view returns (uint256);
    }

    interface L2ToL1MessagePasser {
        function initiateWithdrawal(address target, uint256 gasLimit, bytes memory data) external payable;
    }

    interface Create2Deployer {
        function deploy(uint256 value, bytes32 salt, bytes code) external;
        function computeAddress(bytes32 salt, bytes32 codeHash) external view returns (address);
    }
}

/// Calls an ABI function of the contract at `to` at block `number` and decodes its result.
pub async fn call_abi<C: SolCall>(net: &TestNet, to: Address, function: C, number: u64) -> anyhow::Result<C::Return> {
    let output = probe::call(net, to, function.abi_encode().into(), number)
        .await
        .with_context(|| format!("calling {} on {to} at block {number}", C::SIGNATURE))?;
    C::abi_decode_returns(&output).with_context(|| format!("decoding what {} on {to} returned at block {number}: {output}", C::SIGNATURE))
}

/// Whether the contract at `to` lacks an ABI function at block `number`: the call reverts or
/// returns nothing, as a contract from before the function's fork does.
pub async fn lacks_function<C: SolCall>(net: &TestNet, to: Address, function: C, number: u64) -> anyhow::Result<bool> {
    match probe::call(net, to, function.abi_encode().into(), number).await {
        Ok(output) => Ok(output.is_empty()),
        Err(RpcError::ErrorResp(error)) if error.message.contains("execution reverted") => Ok(true),
        Err(e) => Err(e.into()),
    }
}
