//! Test accounts and the clients that sign for them. Every test draws fresh keys derived from
//! its run salt, funded from a dev faucet, so tests on a shared network never touch each
//! other's accounts.

use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{client::ClientBuilder, types::TransactionRequest},
    signers::local::PrivateKeySigner,
    transports::{RpcError, TransportError, TransportErrorKind, layers::{RateLimitRetryPolicy, RetryBackoffLayer, RetryPolicy}},
};
use anyhow::{Context, bail};
use op_alloy::{network::Optimism, rpc_types::{OpTransactionReceipt, OpTransactionRequest}};

/// Transient transport failures (a node still binding, a reset connection) are retried here,
/// a bounded number of times, so that no test ever sleeps to paper over them.
fn retry_layer() -> RetryBackoffLayer<impl RetryPolicy + Clone> {
    let policy = RateLimitRetryPolicy::default()
        .or(|e: &TransportError| matches!(e, RpcError::Transport(TransportErrorKind::Custom(_))));
    RetryBackoffLayer::new_with_policy(8, 100, u64::MAX, policy)
}

/// A read-only client.
pub fn connect<N: alloy::network::Network>(url: &str) -> anyhow::Result<DynProvider<N>> {
    let client = ClientBuilder::default().layer(retry_layer()).http(url.parse().context("an RPC URL")?);
    Ok(ProviderBuilder::default().connect_client(client).erased())
}

/// A client that fills and signs transactions for `signer`.
fn signing_client(url: &str, signer: PrivateKeySigner) -> anyhow::Result<DynProvider<Optimism>> {
    let client = ClientBuilder::default().layer(retry_layer()).http(url.parse().context("an RPC URL")?);
    Ok(ProviderBuilder::new().network::<Optimism>().wallet(EthereumWallet::from(signer)).connect_client(client).erased())
}

/// A funded account of one test.
pub struct Wallet {
    pub signer: PrivateKeySigner,
    pub client: DynProvider<Optimism>,
    receipt_deadline: Duration,
    /// Every transaction this wallet sent, for the isolation check.
    sent: std::sync::Mutex<Vec<B256>>,
}

impl Wallet {
    pub fn new(url: &str, signer: PrivateKeySigner, receipt_deadline: Duration) -> anyhow::Result<Self> {
        Ok(Self { client: signing_client(url, signer.clone())?, signer, receipt_deadline, sent: Default::default() })
    }

    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Signs and sends `request`, returning its hash without waiting.
    pub async fn submit(&self, request: TransactionRequest) -> anyhow::Result<B256> {
        let pending = self.client.send_transaction(op_request(request)).await?;
        self.sent.lock().expect("not poisoned").push(*pending.tx_hash());
        Ok(*pending.tx_hash())
    }

    /// The transactions this wallet sent.
    pub fn sent(&self) -> Vec<B256> {
        self.sent.lock().expect("not poisoned").clone()
    }

    /// Signs, sends and waits for the receipt, within the deadline the block time implies.
    pub async fn send(&self, request: TransactionRequest) -> anyhow::Result<OpTransactionReceipt> {
        let hash = self.submit(request).await?;
        wait_receipt(&self.client, hash, self.receipt_deadline).await
    }

    /// Sends value to `to` and waits for it.
    pub async fn transfer(&self, to: Address, value: U256) -> anyhow::Result<OpTransactionReceipt> {
        self.send(TransactionRequest::default().with_to(to).with_value(value)).await
    }
}

/// The OP request wrapping an Ethereum one.
pub fn op_request(request: TransactionRequest) -> OpTransactionRequest {
    request.into()
}

/// Whether a receipt reports success.
pub fn succeeded(receipt: &OpTransactionReceipt) -> bool {
    alloy::consensus::TxReceipt::status(&receipt.inner.inner)
}

/// The block a receipt's transaction was mined in.
pub fn block_number(receipt: &OpTransactionReceipt) -> anyhow::Result<u64> {
    receipt.inner.block_number.with_context(|| format!("receipt of {} has no block number", receipt.inner.transaction_hash))
}

/// Polls for a receipt until `deadline`: a bounded number of requests, one per interval.
pub async fn wait_receipt(client: &DynProvider<Optimism>, hash: B256, deadline: Duration) -> anyhow::Result<OpTransactionReceipt> {
    const INTERVAL: Duration = Duration::from_millis(20);
    let attempts = (deadline.as_millis() / INTERVAL.as_millis()).max(1);
    for _ in 0..attempts {
        if let Some(receipt) = client.get_transaction_receipt(hash).await? {
            return Ok(receipt);
        }
        tokio::time::sleep(INTERVAL).await;
    }
    bail!("no receipt for {hash} within {deadline:?}")
}

/// The `index`th key of a test, derived from its salt.
pub fn salted_signer(salt: &str, index: u32) -> PrivateKeySigner {
    let mut seed = keccak256(format!("op-harness test account {salt} {index}"));
    // A zero or out-of-range scalar is astronomically unlikely; rehash until the key is valid.
    loop {
        if let Ok(signer) = PrivateKeySigner::from_bytes(&seed) {
            return signer;
        }
        seed = keccak256(seed);
    }
}
