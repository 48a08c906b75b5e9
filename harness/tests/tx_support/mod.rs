//! Transactions with exactly the fields a test wants (a nonce gap, a fee bump), which a wallet's
//! fillers would otherwise choose.

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};

/// A fee cap well above an idle dev chain's base fee.
pub const FEE: u128 = 1_000_000_000;

/// Dev account `index` of the standard test mnemonic.
pub fn signer(index: usize) -> PrivateKeySigner {
    harness::genesis::dev_signers()[index].clone()
}

/// A signed transfer of 1 wei with an explicit nonce and fee cap.
pub fn transfer(signer: &PrivateKeySigner, chain_id: u64, nonce: u64, max_fee: u128) -> Bytes {
    harness::devnet::signed_transfer(signer, chain_id, nonce, max_fee, Address::repeat_byte(0x77), U256::from(1))
}

/// A plain HTTP client of `url`.
pub fn client(url: &str) -> DynProvider {
    ProviderBuilder::new().connect_http(url.parse().expect("an RPC URL")).erased()
}
