//! Canary deposits around a live L1 upgrade. In the block before the upgrade, the upgrade block
//! (after the owner's transactions) and the block after, the L1 makes one deposit to each L2's
//! portal from an account of the harness's own. So every run of the L1 boundary suite, on a
//! fresh network or one it attaches to after the upgrade, finds deposits on each side of the
//! boundary and in it, to check they all reach the L2.

use std::sync::OnceLock;

use alloy::{
    primitives::{Address, U256, keccak256},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};

use super::Call;
use crate::contracts::OptimismPortal;

/// What each canary deposit mints on L2: 1 gwei.
pub const CANARY_VALUE: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);

/// L2 gas each canary deposit buys: a plain transfer's, with room.
const CANARY_GAS: u64 = 100_000;

/// What the canary account holds at genesis: its deposits' gas and value many times over.
pub const CANARY_FUNDS: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// The canary account: `keccak256("op-harness/l1-upgrade-canary")` as a key. No dev account, so
/// no test's transactions ever share its nonces.
pub fn canary_signer() -> &'static PrivateKeySigner {
    static SIGNER: OnceLock<PrivateKeySigner> = OnceLock::new();
    SIGNER.get_or_init(|| PrivateKeySigner::from_bytes(&keccak256(b"op-harness/l1-upgrade-canary")).expect("a hash is a valid key"))
}

/// The canary deposit to `portal`: 1 gwei to the canary's own address on L2.
pub fn canary_deposit(portal: Address) -> Call {
    let data = OptimismPortal::depositTransactionCall { to: canary_signer().address(), value: U256::ZERO, gasLimit: CANARY_GAS, isCreation: false, data: Default::default() };
    Call { to: portal, data: data.abi_encode().into(), value: CANARY_VALUE, delegate: None }
}
