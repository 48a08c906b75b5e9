//! EIP-7702 set-code authorizations, shared by the feature suite and the cross-feature checks.

use alloy::{
    eips::eip7702::{Authorization, SignedAuthorization},
    network::{TransactionBuilder, TransactionBuilder7702},
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
};
use anyhow::{Context, ensure};

use crate::{
    TestNet, bytecode,
    wallet::{Wallet, succeeded},
};

/// The code EIP-7702 installs in a delegating account: `0xef0100 ++ delegate`.
pub fn designator(delegate: Address) -> Bytes {
    [&[0xef, 0x01, 0x00][..], delegate.as_slice()].concat().into()
}

/// `authority`'s signed consent to run `delegate`'s code, valid at its nonce `nonce`.
pub async fn authorize(net: &TestNet, authority: &PrivateKeySigner, delegate: Address, nonce: u64) -> anyhow::Result<SignedAuthorization> {
    let auth = Authorization { chain_id: U256::from(net.l2.get_chain_id().await?), address: delegate, nonce };
    let signature = authority.sign_hash_sync(&auth.signature_hash())?;
    Ok(auth.into_signed(signature))
}

/// `sponsor` deploys `runtime` and installs `authority`'s delegation to it; returns the
/// delegate's address once the authority's code is the designator.
pub async fn delegate(net: &TestNet, authority: &Wallet, sponsor: &Wallet, runtime: &[u8]) -> anyhow::Result<Address> {
    let deployed = sponsor.send(TransactionRequest::default().with_deploy_code(bytecode::creation(runtime))).await?;
    let delegate = deployed.inner.contract_address.context("the delegate was not deployed")?;
    let nonce = net.l2.get_transaction_count(authority.address()).await?;
    let auth = authorize(net, &authority.signer, delegate, nonce).await?;
    let receipt = sponsor.send(TransactionRequest::default().with_to(authority.address()).with_authorization_list(vec![auth])).await?;
    ensure!(succeeded(&receipt), "the set-code transaction failed");
    let code = net.l2.get_code_at(authority.address()).await?;
    ensure!(code == designator(delegate), "the authority's code is {code}, not the delegation to {delegate}");
    Ok(delegate)
}
