//! Signed transactions with exactly the fields a test wants (a nonce gap, a fee bump), which a
//! wallet's fillers would otherwise choose.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, Bytes, TxKind, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};

/// A fee cap well above an idle dev chain's base fee.
pub const FEE: u128 = 1_000_000_000;

/// Dev account `index` of the standard test mnemonic.
pub fn signer(index: usize) -> PrivateKeySigner {
    harness::genesis::dev_signers()[index].clone()
}

/// A signed EIP-1559 transfer of 1 wei with an explicit nonce and fee cap (tip = cap / 10).
pub fn transfer(signer: &PrivateKeySigner, chain_id: u64, nonce: u64, max_fee: u128) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_fee / 10,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(1),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).expect("signs");
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718().into()
}

/// A plain HTTP client of `url`.
pub fn client(url: &str) -> DynProvider {
    ProviderBuilder::new().connect_http(url.parse().expect("an RPC URL")).erased()
}
