//! Signing an owner transaction when its block is built: only then are the sender's nonce (an
//! earlier transaction of the block may have used some, or created a contract from a delegated
//! account) and the gas the block has left known.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEip7702, TxEnvelope, transaction::Recovered},
    eips::eip7702::Authorization,
    network::TxSignerSync,
    primitives::{TxKind, U256},
    signers::{SignerSync, local::PrivateKeySigner},
};

use super::Call;

/// What the block decides about a transaction.
#[derive(Clone, Copy, Debug)]
pub struct BlockTerms {
    pub chain_id: u64,
    /// The sender's nonce in the block's state so far.
    pub nonce: u64,
    /// The fee cap: the block's base fee, no tip (the harness builds the block itself).
    pub base_fee: u128,
    /// What the block has left: the transaction uses what it needs and pays for that alone.
    pub gas_limit: u64,
}

/// `tx` signed by `sender` on `terms`: an EIP-1559 call, or an EIP-7702 set-code transaction
/// whose one authorization (by the sender itself, so at the nonce after the transaction's)
/// points the sender's account at `tx.delegate`.
pub fn sign(tx: &Call, sender: &PrivateKeySigner, terms: BlockTerms) -> Recovered<TxEnvelope> {
    let envelope = match tx.delegate {
        None => {
            let mut call = TxEip1559 {
                chain_id: terms.chain_id,
                nonce: terms.nonce,
                gas_limit: terms.gas_limit,
                max_fee_per_gas: terms.base_fee,
                max_priority_fee_per_gas: 0,
                to: TxKind::Call(tx.to),
                value: tx.value,
                input: tx.data.clone(),
                ..Default::default()
            };
            let signature = sender.sign_transaction_sync(&mut call).expect("a local key signs");
            TxEnvelope::Eip1559(call.into_signed(signature))
        }
        Some(code) => {
            let authorization = Authorization { chain_id: U256::from(terms.chain_id), address: code, nonce: terms.nonce + 1 };
            let signature = sender.sign_hash_sync(&authorization.signature_hash()).expect("a local key signs");
            let mut call = TxEip7702 {
                chain_id: terms.chain_id,
                nonce: terms.nonce,
                gas_limit: terms.gas_limit,
                max_fee_per_gas: terms.base_fee,
                max_priority_fee_per_gas: 0,
                to: tx.to,
                value: tx.value,
                input: tx.data.clone(),
                authorization_list: vec![authorization.into_signed(signature)],
                ..Default::default()
            };
            let signature = sender.sign_transaction_sync(&mut call).expect("a local key signs");
            TxEnvelope::Eip7702(call.into_signed(signature))
        }
    };
    Recovered::new_unchecked(envelope, sender.address())
}
