//! Transactions with exactly the fields a test wants (a nonce gap, a fee bump), which a wallet's
//! fillers would otherwise choose.
#![allow(dead_code, reason = "each test binary uses a different part")]

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};

/// A fee cap well above an idle dev chain's base fee and the shipped specs' 2 gwei minimum.
pub const FEE: u128 = 10_000_000_000;

/// Dev account `index` of the standard test mnemonic.
pub fn signer(index: usize) -> PrivateKeySigner {
    harness::genesis::dev_signers()[index].clone()
}

/// A signed transfer of 1 wei with an explicit nonce and fee cap.
pub fn transfer(signer: &PrivateKeySigner, chain_id: u64, nonce: u64, max_fee: u128) -> Bytes {
    harness::devnet::signed_transfer(signer, chain_id, nonce, max_fee, Address::repeat_byte(0x77), U256::from(1))
}

/// A transaction to change a field of before signing.
pub fn unsigned_transfer(chain_id: u64, nonce: u64, max_fee: u128) -> TxEip1559 {
    TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_fee / 10,
        to: Address::repeat_byte(0x77).into(),
        value: U256::from(1),
        ..Default::default()
    }
}

/// A plain HTTP client of `url`.
pub fn client(url: &str) -> DynProvider {
    ProviderBuilder::new().connect_http(url.parse().expect("an RPC URL")).erased()
}
