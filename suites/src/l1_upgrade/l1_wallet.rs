//! L1 accounts of one test: keys derived from its salt (so tests sharing a network never share
//! one), funded from a dev account of the L1, and a client that signs for them.

use std::time::Duration;

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{client::RpcClient, types::{TransactionReceipt, TransactionRequest}},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, bail};
use harness::{
    contracts::{DisputeGameFactory, OptimismPortal, PermissionedDisputeGame, SystemConfig},
    genesis::dev_signers,
};

use crate::{TestNet, wallet::salted_signer};

/// How often a receipt is asked for: the fast L1 mines a transaction as it arrives.
const POLL: Duration = Duration::from_millis(20);

/// Sends of the funding transfer when another test takes the faucet's nonce first.
const FUNDING_ATTEMPTS: usize = 5;

/// Salted key indices of L1 accounts start here, clear of the test's L2 accounts.
const FIRST_L1_ACCOUNT: u32 = 1 << 16;

/// A funded L1 account of one test.
pub struct L1Wallet {
    pub signer: PrivateKeySigner,
    client: DynProvider,
    receipt_deadline: Duration,
}

impl L1Wallet {
    /// The test's `index`th L1 account, unfunded.
    pub fn new(net: &TestNet, index: u32) -> anyhow::Result<Self> {
        let signer = salted_signer(net.salt(), FIRST_L1_ACCOUNT + index);
        Self::for_signer(net, signer)
    }

    fn for_signer(net: &TestNet, signer: PrivateKeySigner) -> anyhow::Result<Self> {
        let url = net.urls().0.parse().context("the L1 RPC URL")?;
        let client = ProviderBuilder::new().wallet(EthereumWallet::from(signer.clone())).connect_client(RpcClient::new_http(url).with_poll_interval(POLL)).erased();
        let receipt_deadline = Duration::from_secs(3 * super::l1_block_time(net)? + 10);
        Ok(Self { signer, client, receipt_deadline })
    }

    /// The test's `index`th L1 account, holding `value` from a dev account of the L1. The dev
    /// account is picked by the test's salt, never the one that owns and proposes for the chains.
    pub async fn funded(net: &TestNet, index: u32, value: U256) -> anyhow::Result<Self> {
        let wallet = Self::new(net, index)?;
        let busy = role_accounts(net).await?;
        let faucets: Vec<&PrivateKeySigner> = dev_signers().iter().filter(|s| !busy.contains(&s.address())).collect();
        let pick = keccak256(format!("{} {index}", net.salt()))[0] as usize % faucets.len();
        let faucet = Self::for_signer(net, faucets[pick].clone())?;
        let mut last = None;
        for _ in 0..FUNDING_ATTEMPTS {
            match faucet.send(wallet.address(), Bytes::new(), value).await {
                Ok(_) => return Ok(wallet),
                Err(e) if is_nonce_race(&e) => last = Some(e),
                Err(e) => return Err(e.context("funding a test's L1 account")),
            }
        }
        Err(last.expect("at least one attempt").context(format!("funding a test's L1 account: the faucet's nonce was taken {FUNDING_ATTEMPTS} times")))
    }

    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Sends a call and waits for its receipt (reverted or not).
    pub async fn send(&self, to: Address, input: Bytes, value: U256) -> anyhow::Result<TransactionReceipt> {
        self.send_request(TransactionRequest::default().to(to).input(input.into()).value(value)).await
    }

    /// Sends a call with a gas limit of its own, so that one that will revert is mined (and
    /// its receipt shows it) instead of failing its gas estimate.
    pub async fn send_with_gas(&self, to: Address, input: Bytes, gas: u64) -> anyhow::Result<TransactionReceipt> {
        self.send_request(TransactionRequest::default().to(to).input(input.into()).gas_limit(gas)).await
    }

    async fn send_request(&self, request: TransactionRequest) -> anyhow::Result<TransactionReceipt> {
        let pending = self.client.send_transaction(request).await?;
        let hash: B256 = *pending.tx_hash();
        pending.with_timeout(Some(self.receipt_deadline)).get_receipt().await.with_context(|| format!("waiting for the receipt of L1 transaction {hash}"))
    }
}

/// The accounts the harness sends from itself: the chain's owner (the upgrade's transactions)
/// and its proposer. A test never funds from them, so it never races the harness for a nonce.
async fn role_accounts(net: &TestNet) -> anyhow::Result<Vec<Address>> {
    let latest = net.l1.get_block_number().await?;
    let portal = net.l1_addresses.portal;
    let owner = super::l1_call(net, net.l1_addresses.system_config, SystemConfig::ownerCall {}, latest).await?;
    let factory = super::l1_call(net, portal, OptimismPortal::disputeGameFactoryCall {}, latest).await?;
    let game_type = super::l1_call(net, portal, OptimismPortal::respectedGameTypeCall {}, latest).await?;
    let game = super::l1_call(net, factory, DisputeGameFactory::gameImplsCall { gameType: game_type }, latest).await?;
    let proposer = super::l1_call(net, game, PermissionedDisputeGame::proposerCall {}, latest).await?;
    Ok(vec![owner, proposer])
}

fn is_nonce_race(err: &anyhow::Error) -> bool {
    let text = format!("{err:#}");
    ["nonce too low", "replacement transaction underpriced", "already known"].iter().any(|m| text.contains(m))
}

/// Whether a receipt reports success; a failure names the transaction.
pub fn ensure_succeeded(receipt: &TransactionReceipt, what: &str) -> anyhow::Result<()> {
    if !receipt.status() {
        bail!("{what}: L1 transaction {} reverted", receipt.transaction_hash);
    }
    Ok(())
}
