//! The embedded L2's transaction pool and block producer under hostile use, over JSON-RPC: a
//! gapped nonce, nonces out of order from many clients, replacements, the nonce limits, and
//! queries for state the node no longer keeps. Expectations are geth's rules (its legacypool and
//! `eth_getTransactionCount(.., "pending")`), not this node's code.

use std::time::Duration;

mod tx_support;

use alloy::{
    consensus::TxEip1559,
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
};
use harness::{
    devnet::{Devnet, DevnetOptions},
    spec::{ClockMode, NetworkSpec},
};
use serde_json::Value;
use tx_support::{FEE, signer, transfer};

/// Each request's bound: a node that takes longer is wedged, not slow.
const REQUEST: Duration = Duration::from_secs(10);

async fn alphanet() -> (Devnet, DynProvider) {
    start("networks/alphanet.toml").await
}

/// A fast-clock network of the spec at `path` (from the workspace root).
async fn start(path: &str) -> (Devnet, DynProvider) {
    let spec = NetworkSpec::load(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).expect("the shipped spec loads");
    let devnet = Devnet::start(&spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await.expect("the network starts");
    let client = tx_support::client(&devnet.l2[0].rpc);
    (devnet, client)
}

async fn bounded<T>(what: &str, call: impl std::future::IntoFuture<Output = T>) -> T {
    tokio::time::timeout(REQUEST, call.into_future()).await.unwrap_or_else(|_| panic!("{what} got no answer within {REQUEST:?}: the node is wedged"))
}

async fn send(client: &DynProvider, raw: &Bytes) -> Result<B256, String> {
    let sent = bounded("eth_sendRawTransaction", client.send_raw_transaction(raw)).await;
    sent.map(|p| *p.tx_hash()).map_err(|e| e.to_string())
}

async fn pending_nonce(client: &DynProvider, address: Address) -> u64 {
    bounded("eth_getTransactionCount", client.get_transaction_count(address).pending()).await.expect("answers")
}

async fn txpool_status(client: &DynProvider) -> (u64, u64) {
    let status: Value = bounded("txpool_status", client.raw_request("txpool_status".into(), ())).await.expect("answers");
    let count = |key: &str| u64::from_str_radix(status[key].as_str().expect("a hex quantity").trim_start_matches("0x"), 16).unwrap();
    (count("pending"), count("queued"))
}

async fn head(client: &DynProvider) -> u64 {
    bounded("eth_blockNumber", client.get_block_number()).await.expect("answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gapped_transaction_leaves_the_fast_producer_at_its_idle_pace() {
    let (devnet, client) = alphanet().await;
    let chain_id = devnet.l2[0].chain_id;
    send(&client, &transfer(&signer(1), chain_id, 10, FEE)).await.expect("a gapped transaction is accepted");
    let (start, window) = (head(&client).await, Duration::from_secs(2));
    tokio::time::sleep(window).await;
    let built = head(&client).await - start;
    // Idle, the fast clock builds one block per idle tick (100 ms); allow half as many again.
    let idle_pace = (window.as_millis() / 100) as u64;
    assert!(built <= idle_pace * 3 / 2, "{built} blocks in {window:?} with one unincludable transaction waiting (idle pace: {idle_pace})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_no_block_has_room_for_waits_without_driving_blocks() {
    // Isthmus rules: no per-transaction gas cap (EIP-7825), which the newest forks add.
    let (devnet, client) = start("networks/examples/alphanet-isthmus.toml").await;
    let (chain_id, account) = (devnet.l2[0].chain_id, signer(6));
    // The whole block gas limit: valid for the pool, but the L1-attributes deposit always
    // comes first in a block, so it never fits.
    let latest = bounded("eth_getBlockByNumber", client.get_block_by_number(BlockNumberOrTag::Latest)).await.unwrap();
    let gas_limit = latest.expect("a head block").header.gas_limit;
    let whole_block = TxEip1559 { gas_limit, ..tx_support::unsigned_transfer(chain_id, 0, FEE) };
    send(&client, &harness::devnet::sign_eip1559(&account, whole_block)).await.expect("accepted");
    assert_eq!(txpool_status(&client).await, (1, 0), "it is pending: its nonce is next");
    let (start, window) = (head(&client).await, Duration::from_secs(2));
    tokio::time::sleep(window).await;
    let built = head(&client).await - start;
    let idle_pace = (window.as_millis() / 100) as u64;
    assert!(built <= idle_pace * 3 / 2, "{built} blocks in {window:?} with a transaction too big for any block (idle pace: {idle_pace})");
    assert_eq!(txpool_status(&client).await, (1, 0), "it waits in the pool, as on geth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gapped_transaction_is_queued_and_the_pending_nonce_follows_geth() {
    let (devnet, client) = alphanet().await;
    let (chain_id, account) = (devnet.l2[0].chain_id, signer(2));
    let gapped = send(&client, &transfer(&account, chain_id, 10, FEE)).await.expect("accepted");
    assert_eq!(pending_nonce(&client, account.address()).await, 0, "geth counts only the executable run from the state nonce");
    assert_eq!(txpool_status(&client).await, (0, 1), "the gapped transaction is queued, not pending");
    let found: Value = bounded("eth_getTransactionByHash", client.raw_request("eth_getTransactionByHash".into(), (gapped,))).await.unwrap();
    assert_eq!(found["hash"], serde_json::json!(gapped), "the pool's transaction is found: {found}");
    assert!(found["blockHash"].is_null() && found["blockNumber"].is_null(), "a pooled transaction has no block yet: {found}");

    for nonce in 0..10 {
        send(&client, &transfer(&account, chain_id, nonce, FEE)).await.expect("accepted");
    }
    let receipt = bounded("the gapped transaction's receipt", async {
        loop {
            if let Some(r) = client.get_transaction_receipt(gapped).await.expect("answers") {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(receipt.status(), "the gap closed, so nonce 10 is mined");
    assert_eq!(pending_nonce(&client, account.address()).await, 11);
    assert_eq!(txpool_status(&client).await, (0, 0));
}

/// Admission checks validity without running the transaction (as geth's pool does): what
/// cannot pay or cannot start is refused with geth's words, and on an OP chain the sender must
/// also cover the L1 fee, as op-geth's pool requires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_refuses_what_cannot_pay_the_l1_fee_or_its_intrinsic_gas() {
    let (devnet, client) = alphanet().await;
    let chain_id = devnet.l2[0].chain_id;
    let poor = alloy::signers::local::PrivateKeySigner::random();
    let refused = send(&client, &transfer(&poor, chain_id, 0, FEE)).await;
    assert!(refused.as_ref().is_err_and(|e| e.contains("insufficient funds")), "an empty account: {refused:?}");

    // Enough for gas * price + value, not for the L1 fee on top.
    let execution_cost = U256::from(21_000 * FEE + 1);
    let funding = harness::devnet::signed_transfer(&signer(4), chain_id, 0, FEE, poor.address(), execution_cost);
    send(&client, &funding).await.expect("the funding transfer is admitted");
    devnet.wait_for_block(&devnet.l2[0].name, head(&client).await + 1).await.expect("the funding is mined");
    assert_eq!(bounded("eth_getBalance", client.get_balance(poor.address())).await.expect("answers"), execution_cost, "precondition: the funding landed");
    let refused = send(&client, &transfer(&poor, chain_id, 0, FEE)).await;
    assert!(refused.as_ref().is_err_and(|e| e.contains("insufficient funds")), "gas * price + value without the L1 fee: {refused:?}");

    let short = TxEip1559 { gas_limit: 20_999, ..tx_support::unsigned_transfer(chain_id, 1, FEE) };
    let refused = send(&client, &harness::devnet::sign_eip1559(&signer(4), short)).await;
    assert!(refused.as_ref().is_err_and(|e| e.contains("intrinsic gas too low")), "gas under the 21,000 a transfer needs: {refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonce_limits_and_replacement_follow_geth() {
    let (devnet, client) = alphanet().await;
    let (chain_id, account) = (devnet.l2[0].chain_id, signer(3));
    send(&client, &transfer(&account, chain_id, u64::MAX - 1, FEE)).await.expect("nonce 2^64-2 is valid and queued");
    assert_eq!(pending_nonce(&client, account.address()).await, 0);
    let max = send(&client, &transfer(&account, chain_id, u64::MAX, FEE)).await;
    assert!(max.as_ref().is_err_and(|e| e.contains("nonce has max value")), "EIP-2681: {max:?}");

    let original = send(&client, &transfer(&account, chain_id, 5, FEE)).await.expect("queued");
    let cheap = send(&client, &transfer(&account, chain_id, 5, FEE + FEE / 20)).await;
    assert!(cheap.as_ref().is_err_and(|e| e.contains("replacement transaction underpriced")), "a 5% bump is below geth's 10%: {cheap:?}");
    let replacement = send(&client, &transfer(&account, chain_id, 5, FEE + FEE / 10)).await.expect("a 10% bump replaces");
    let old = bounded("eth_getTransactionByHash", client.get_transaction_by_hash(original)).await.expect("answers");
    assert!(old.is_none(), "the replaced transaction left the pool");
    assert!(bounded("eth_getTransactionByHash", client.get_transaction_by_hash(replacement)).await.expect("answers").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_queues_at_most_64_gapped_transactions() {
    let (devnet, client) = alphanet().await;
    let (chain_id, account) = (devnet.l2[0].chain_id, signer(4));
    for nonce in 1..=64 {
        send(&client, &transfer(&account, chain_id, nonce, FEE)).await.expect("within geth's per-account queue");
    }
    let over = send(&client, &transfer(&account, chain_id, 65, FEE)).await;
    assert!(over.as_ref().is_err_and(|e| e.contains("account limit exceeded")), "{over:?}");
    assert_eq!(txpool_status(&client).await, (0, 64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_sending_nonces_out_of_order_all_get_mined() {
    let (devnet, client) = alphanet().await;
    let chain_id = devnet.l2[0].chain_id;
    devnet.wait_for_block(&devnet.l2[0].name, 1).await.expect("the chain produces blocks");
    const CLIENTS: usize = 12;
    const PER_CLIENT: u64 = 8;
    let senders = (0..CLIENTS).map(|i| {
        let (client, account) = (client.clone(), signer(5 + i));
        tokio::spawn(async move {
            // Highest nonce first: every transaction but the last waits on a gap.
            for nonce in (0..PER_CLIENT).rev() {
                send(&client, &transfer(&account, chain_id, nonce, FEE)).await.expect("accepted");
                assert!(head(&client).await > 0);
            }
            account.address()
        })
    });
    let addresses: Vec<Address> = join_all(senders).await;
    bounded("every transaction mined", async {
        loop {
            let mut mined = 0;
            for address in &addresses {
                mined += client.get_transaction_count(*address).await.expect("answers");
            }
            if mined == CLIENTS as u64 * PER_CLIENT {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    for address in &addresses {
        assert_eq!(pending_nonce(&client, *address).await, PER_CLIENT);
    }
    assert_eq!(txpool_status(&client).await, (0, 0));
}

async fn join_all<T: Send + 'static>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.expect("the client task finished"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_older_than_the_window_is_missing_like_on_geth_but_blocks_stay() {
    let (devnet, client) = alphanet().await;
    let window = harness::node::store::STATE_WINDOW;
    let unpinned = harness::devnet::PINNED_AFTER_ACTIVATION + 1;
    devnet.wait_for_block("op-alpha", window + unpinned + 1).await.expect("the chain advances");
    let address = signer(0).address();
    let old = bounded("eth_getBalance", client.get_balance(address).block_id(BlockId::number(unpinned))).await;
    let message = old.expect_err("the state of the first block after the pinned ones is pruned").to_string();
    assert!(message.contains("missing trie node"), "geth's wording for pruned state: {message}");
    let recent = bounded("eth_getBalance", client.get_balance(address).block_id(BlockId::number(window + unpinned))).await;
    assert!(recent.is_ok_and(|b| b > U256::ZERO), "recent state is kept");
    let genesis = bounded("eth_getBalance", client.get_balance(address).block_id(BlockId::number(0))).await;
    assert!(genesis.is_ok(), "the genesis state (a fork boundary on an Alphanet) is kept");
    let first = bounded("eth_getBalance", client.get_balance(address).block_id(BlockId::number(1))).await;
    assert!(first.is_ok(), "the first blocks after the genesis forks' activation are kept");
    let block = bounded("eth_getBlockByNumber", client.get_block_by_number(1.into())).await.expect("answers");
    assert!(block.is_some(), "headers and bodies of pruned blocks are still served");
}
