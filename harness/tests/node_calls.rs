//! `eth_call` and `eth_estimateGas` environments over JSON-RPC. alloy (and ethers) ask both for
//! the `pending` block by default; geth and anvil run that in the next block's environment on
//! the head's state. An estimate made in the head's own environment falls short in the next
//! block for contracts whose gas depends on it (OptimismPortal's resource metering).

use std::time::Duration;

use alloy::{
    eips::{BlockId, eip1559::BaseFeeParams},
    network::TransactionBuilder,
    primitives::{Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use harness::{
    devnet::{Devnet, DevnetOptions},
    spec::{ClockMode, NetworkSpec},
};

mod tx_support;

/// Initcode returning the block's NUMBER, TIMESTAMP and BASEFEE as three words.
const ENV_WORDS: [u8; 16] = [0x43, 0x5f, 0x52, 0x42, 0x60, 32, 0x52, 0x48, 0x60, 64, 0x52, 0x60, 96, 0x5f, 0xf3, 0x00];

/// Calls that race a new block are retried; more than this many races is a wedged test.
const ATTEMPTS: usize = 5;

async fn env_words(client: &DynProvider, block: BlockId) -> [u64; 3] {
    let request = TransactionRequest::default().with_deploy_code(Bytes::from_static(&ENV_WORDS));
    let call = tokio::time::timeout(Duration::from_secs(10), client.call(request).block(block)).await.expect("answers in time");
    let output = call.expect("the call runs");
    [0, 1, 2].map(|i| U256::from_be_slice(&output[32 * i..32 * (i + 1)]).to::<u64>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_call_runs_in_the_next_l1_block() {
    let spec = NetworkSpec::load(format!("{}/../networks/alphanet.toml", env!("CARGO_MANIFEST_DIR"))).expect("the shipped spec loads");
    let devnet = Devnet::start(&spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await.expect("the network starts");
    let l1 = tx_support::client(&devnet.l1.rpc);
    for _ in 0..ATTEMPTS {
        let head = l1.get_block(BlockId::latest()).await.expect("answers").expect("a head");
        let pending = env_words(&l1, BlockId::pending()).await;
        let latest = env_words(&l1, BlockId::number(head.header.number)).await;
        if l1.get_block_number().await.expect("answers") != head.header.number {
            continue;
        }
        let next_base_fee = head.header.inner.next_block_base_fee(BaseFeeParams::ethereum()).expect("a London header");
        assert_eq!(latest, [head.header.number, head.header.timestamp, head.header.base_fee_per_gas.unwrap()], "a call at the head runs in the head");
        assert_eq!(pending, [head.header.number + 1, head.header.timestamp + spec.l1.block_time, next_base_fee], "a pending call runs in the next block");
        return;
    }
    panic!("the L1 head moved during each of {ATTEMPTS} attempts");
}
