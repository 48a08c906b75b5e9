//! The harness's L2 against a node no one on the team wrote: the same signed workload (transfers,
//! contract deployments and calls, a revert, an out-of-gas) runs on the embedded L2 and on anvil
//! `--network optimism --hardfork isthmus`, from the same accounts at the same nonces. Every
//! receipt's status, gas and logs, and the resulting balances, storage and code, must agree.
//! L1 and operator fees are anvil's blind spot, so the L2 runs with zero fee scalars.

use std::process::Stdio;

use alloy::{
    consensus::{SignableTransaction, TxEnvelope, TxLegacy},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256, address},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
};
use harness::{
    backend::{launch, process::anvil_binary, registry},
    devnet::{Devnet, DevnetOptions},
    genesis::dev_signers,
    spec::{ClockMode, NetworkSpec},
};
use op_suites::bytecode::{ALWAYS_REVERT, STORE_WORD, creation, op};

const GAS_PRICE: u128 = 10_000_000_000;

/// Runtime code that stores its calldata word at slot 0 and logs it as the topic of LOG1.
const STORE_AND_LOG: &[u8] = &[
    op::PUSH1, 0, op::CALLDATALOAD, 0x80, op::PUSH1, 0, op::SSTORE, // sstore(0, word), word kept
    op::PUSH1, 0, op::PUSH1, 0, 0xa1, // log1(0, 0, word)
    op::STOP,
];

/// A step of the workload before it is signed.
struct Planned {
    what: &'static str,
    signer: &'static PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: u64,
    input: Bytes,
    gas: u64,
    succeeds: bool,
}

/// The transfer's recipient, an account no one else touches.
const RECIPIENT: Address = address!("00000000000000000000000000000000000d1ff0");

/// The one step whose code emits a log.
const LOGGING_CALL: &str = "store and log a word";

/// One transaction of the workload, signed once and sent to both nodes.
struct Step {
    what: &'static str,
    raw: Bytes,
    hash: B256,
    succeeds: bool,
}

/// Signs a planned step as a legacy transaction at the fixed gas price.
fn sign(plan: Planned, chain_id: u64) -> Step {
    let mut tx = TxLegacy {
        chain_id: Some(chain_id),
        nonce: plan.nonce,
        gas_price: GAS_PRICE,
        gas_limit: plan.gas,
        to: plan.to,
        value: U256::from(plan.value),
        input: plan.input,
    };
    let signature = plan.signer.sign_transaction_sync(&mut tx).expect("a local key signs");
    let envelope = TxEnvelope::Legacy(tx.into_signed(signature));
    Step { what: plan.what, raw: envelope.encoded_2718().into(), hash: *envelope.tx_hash(), succeeds: plan.succeeds }
}

/// The workload: deployments first, then calls that store, log, revert and run out of gas.
fn workload(chain_id: u64) -> (Vec<Step>, Vec<Address>) {
    let (alice, bob) = (&dev_signers()[5], &dev_signers()[6]);
    let store = alice.address().create(0);
    let revert = alice.address().create(1);
    let logger = alice.address().create(2);
    let word = |n: u8| Bytes::from(B256::with_last_byte(n).to_vec());
    let plan = [
        Planned { what: "deploy a storing contract", signer: alice, nonce: 0, to: TxKind::Create, value: 0, input: creation(STORE_WORD), gas: 200_000, succeeds: true },
        Planned { what: "deploy a reverting contract", signer: alice, nonce: 1, to: TxKind::Create, value: 0, input: creation(ALWAYS_REVERT), gas: 200_000, succeeds: true },
        Planned { what: "deploy a logging contract", signer: alice, nonce: 2, to: TxKind::Create, value: 0, input: creation(STORE_AND_LOG), gas: 200_000, succeeds: true },
        Planned { what: "transfer", signer: bob, nonce: 0, to: TxKind::Call(RECIPIENT), value: 12_345, input: Bytes::new(), gas: 21_000, succeeds: true },
        Planned { what: "store a word", signer: bob, nonce: 1, to: TxKind::Call(store), value: 0, input: word(7), gas: 100_000, succeeds: true },
        Planned { what: LOGGING_CALL, signer: bob, nonce: 2, to: TxKind::Call(logger), value: 0, input: word(9), gas: 100_000, succeeds: true },
        Planned { what: "call that reverts", signer: bob, nonce: 3, to: TxKind::Call(revert), value: 1, input: Bytes::new(), gas: 100_000, succeeds: false },
        Planned { what: "store with too little gas", signer: bob, nonce: 4, to: TxKind::Call(store), value: 0, input: word(8), gas: 22_000, succeeds: false },
    ];
    let steps = plan.into_iter().map(|p| sign(p, chain_id)).collect();
    let accounts = vec![alice.address(), bob.address(), store, revert, logger, RECIPIENT];
    (steps, accounts)
}

/// Sends `raw` and waits for its receipt: a bounded number of polls.
async fn execute(client: &DynProvider, step: &Step) -> TransactionReceipt {
    let hash = client.send_raw_transaction(&step.raw).await.unwrap_or_else(|e| panic!("{}: {e}", step.what)).tx_hash().to_owned();
    assert_eq!(hash, step.hash);
    for _ in 0..500 {
        if let Some(receipt) = client.get_transaction_receipt(hash).await.expect("RPC answers") {
            return receipt;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{}: no receipt within 10 s", step.what)
}

/// The fee-free spec of the embedded L2: the alphanet with zero L1 and operator fee scalars.
fn spec() -> NetworkSpec {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/alphanet.toml");
    let mut spec = NetworkSpec::load(&path).expect("the shipped spec loads");
    let config = &mut spec.l2[0].system_config;
    (config.base_fee_scalar, config.blob_base_fee_scalar, config.operator_fee_scalar, config.operator_fee_constant) = (0, 0, 0, 0);
    spec
}

/// anvil on a free loopback port, recorded for `harness clean`, killed when dropped.
async fn start_anvil(spec: &NetworkSpec, run: &str) -> (tokio::process::Child, String) {
    let port = launch::free_port().expect("a free port");
    let binary = anvil_binary(spec);
    let chain_id = spec.l2[0].chain_id.to_string();
    let child = tokio::process::Command::new(&binary)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", &chain_id, "--network", "optimism", "--hardfork", "isthmus"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("precondition failed: anvil at {} does not start ({e}); run scripts/setup", binary.display()));
    registry::record_process(run, child.id().expect("running"), &binary).expect("recorded");
    let url = launch::loopback_url(port);
    launch::wait_for_chain(&url, spec.l2[0].chain_id, launch::ready_deadline(2), "anvil").await.expect("anvil answers");
    (child, url)
}

#[tokio::test]
async fn the_workload_runs_the_same_on_anvil() {
    let spec = spec();
    let run = registry::new_run_id();
    let devnet = Devnet::start(&spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await.expect("the L2 starts");
    let (anvil_child, anvil_url) = start_anvil(&spec, &run).await;
    let ours: DynProvider = ProviderBuilder::new().connect_http(devnet.l2[0].rpc.parse().unwrap()).erased();
    let anvil: DynProvider = ProviderBuilder::new().connect_http(anvil_url.parse().unwrap()).erased();
    let (steps, accounts) = workload(spec.l2[0].chain_id);
    for step in &steps {
        let (a, b) = (execute(&ours, step).await, execute(&anvil, step).await);
        assert_eq!(a.status(), step.succeeds, "{}: status on the harness's L2", step.what);
        assert_eq!(a.status(), b.status(), "{}: status", step.what);
        assert_eq!(a.gas_used, b.gas_used, "{}: gas used", step.what);
        assert_eq!(a.contract_address, b.contract_address, "{}: contract address", step.what);
        let logs = |r: &TransactionReceipt| r.inner.logs().iter().map(|l| l.inner.clone()).collect::<Vec<_>>();
        assert_eq!(logs(&a), logs(&b), "{}: logs", step.what);
        assert_eq!(!logs(&a).is_empty(), step.what == LOGGING_CALL, "{}: logs exactly where the code logs", step.what);
    }
    for account in accounts {
        assert_eq!(ours.get_balance(account).await.unwrap(), anvil.get_balance(account).await.unwrap(), "balance of {account}");
        assert_eq!(ours.get_storage_at(account, U256::ZERO).await.unwrap(), anvil.get_storage_at(account, U256::ZERO).await.unwrap(), "slot 0 of {account}");
        assert_eq!(ours.get_code_at(account).await.unwrap(), anvil.get_code_at(account).await.unwrap(), "code of {account}");
    }
    registry::forget_process(&run, anvil_child.id().expect("running"));
}
