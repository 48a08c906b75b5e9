//! The owner's delegatecall forwarder: what lets an EOA owner run OPContractsManager's upgrade.
//!
//! `OPContractsManager.upgrade` must be DELEGATECALLed by the ProxyAdmin owner (a direct call
//! reverts `OnlyDelegatecall()`). Real chains' owners are Safes, which delegatecall through a
//! helper; op-deployer's devnets give every role to one EOA. The EOA gets the same power for the
//! upgrade's duration through EIP-7702: it delegates its account to this forwarder, calls itself
//! with `target ++ calldata`, and the forwarder DELEGATECALLs `target` with `calldata` in the
//! owner's context. It answers only calls from the account itself (`CALLER == ADDRESS`), so
//! nobody else can run code as the owner while the delegation lasts, and the upgrade revokes the
//! delegation in its last transaction.
//!
//! It is deployed through the CREATE2 factory every op-deployer L1 genesis holds (0x4e59…956C),
//! so its address is known before the upgrade block and the upgrade's transactions are data.

use alloy::primitives::{Address, B256, Bytes, address, hex, keccak256};

/// The deterministic-deployment proxy (Arachnid's CREATE2 factory): calldata is
/// `salt ++ init code`.
pub const CREATE2_FACTORY: Address = address!("4e59b44847b379578588920ca78fbf26c0b4956c");

/// Init code: `PUSH1 43 DUP1 PUSH1 9 PUSH0 CODECOPY PUSH0 RETURN`, then the 43-byte runtime:
///
/// ```text
/// 00 CALLER ADDRESS EQ PUSH1 0x09 JUMPI PUSH0 PUSH0 REVERT      only the account itself
/// 09 JUMPDEST PUSH0 PUSH0                                       retSize, retOffset
/// 0c PUSH1 0x14 CALLDATASIZE SUB                               argsSize = len - 20
/// 10 DUP1 PUSH1 0x14 PUSH0 CALLDATACOPY                        memory = calldata[20..]
/// 15 PUSH0 PUSH0 CALLDATALOAD PUSH1 0x60 SHR                   argsOffset, target
/// 1b GAS DELEGATECALL
/// 1d RETURNDATASIZE PUSH0 PUSH0 RETURNDATACOPY PUSH1 0x27 JUMPI
/// 24 RETURNDATASIZE PUSH0 REVERT                               bubble the revert up
/// 27 JUMPDEST RETURNDATASIZE PUSH0 RETURN
/// ```
const INIT_CODE: [u8; 52] = hex!("602b8060095f395ff33330146009575f5ffd5b5f5f601436038060145f375f5f3560601c5af43d5f5f3e6027573d5ffd5b3d5ff3");

fn salt() -> B256 {
    keccak256(b"op-harness/owner-delegatecall-forwarder")
}

/// Calldata for the CREATE2 factory that deploys the forwarder.
pub fn deployment() -> Bytes {
    [salt().as_slice(), &INIT_CODE].concat().into()
}

/// Where the forwarder lives once deployed.
pub fn address() -> Address {
    CREATE2_FACTORY.create2_from_code(salt(), INIT_CODE)
}

/// What the delegated owner sends itself to DELEGATECALL `target` with `calldata`.
pub fn call(target: Address, calldata: &[u8]) -> Bytes {
    [target.as_slice(), calldata].concat().into()
}

/// The forwarder's runtime code, for checks that it was deployed as written.
pub fn runtime() -> &'static [u8] {
    &INIT_CODE[9..]
}
