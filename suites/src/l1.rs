//! The L2's SystemConfig as the L1 holds it: the source every fee and base-fee expectation is
//! taken from. An L2 block uses the values its L1 origin's state holds (op-node applies each
//! `ConfigUpdate` in the first L2 block whose origin contains it), so the checks read the L1 at
//! that origin rather than the spec the network was started with.

use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use anyhow::{Context, bail, ensure};

use crate::{
    TestNet,
    contracts::{L1_BLOCK, L1Block, call_abi},
};

/// The L1 contracts' ABIs, as the harness deploys and drives them.
pub use harness::contracts::{OptimismPortal, SystemConfig};

/// The DA-footprint gas scalar op-node writes into L1-attributes when the SystemConfig holds 0
/// (Jovian's L1-attributes spec).
const DA_FOOTPRINT_GAS_SCALAR_DEFAULT: u16 = 400;

/// What the SystemConfig holds at one L1 block, as an L2 block built on it sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1SystemConfig {
    pub batcher: Address,
    pub gas_limit: u64,
    /// Ecotone's scalars, from the scalar word by its version byte: version 1 holds the blob
    /// base-fee scalar in bytes 24..28 and the base-fee scalar in 28..32; version 0 only the
    /// base-fee scalar.
    pub base_fee_scalar: u32,
    pub blob_base_fee_scalar: u32,
    pub eip1559_denominator: u32,
    pub eip1559_elasticity: u32,
    pub operator_fee_scalar: u32,
    pub operator_fee_constant: u64,
    /// 0 where the contracts release has no such value.
    pub min_base_fee: u64,
    /// As the L1-attributes carry it: op-node's default for 0.
    pub da_footprint_gas_scalar: u16,
}

/// The SystemConfig L2 block `l2_block` was built with: the L1's, at that block's L1 origin.
pub async fn system_config(net: &TestNet, l2_block: u64) -> anyhow::Result<L1SystemConfig> {
    let origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, l2_block).await?;
    system_config_at_l1(net, origin).await
}

/// What the SystemConfig holds at L1 block `number`. Its values are read one getter at a time,
/// and an L1 may answer calls at its head block from state that the block being mined is
/// already changing: anvil once gave the old EIP-1559 denominator beside the new elasticity. A
/// read therefore counts once two in a row agree, within a bounded number of attempts.
pub async fn system_config_at_l1(net: &TestNet, number: u64) -> anyhow::Result<L1SystemConfig> {
    const ATTEMPTS: usize = 3;
    let mut last = read_system_config(net, number).await?;
    for _ in 0..ATTEMPTS {
        let again = read_system_config(net, number).await?;
        if again == last {
            return Ok(again);
        }
        last = again;
    }
    bail!("the SystemConfig's values at L1 block {number} differed in {} consecutive reads of that block: the L1 answers for it from a changing state", ATTEMPTS + 1)
}

async fn read_system_config(net: &TestNet, number: u64) -> anyhow::Result<L1SystemConfig> {
    use SystemConfig as S;
    let scalar = read(net, S::scalarCall {}, number).await?.to_be_bytes::<32>();
    let word = |at: usize| u32::from_be_bytes(scalar[at..at + 4].try_into().expect("4 bytes"));
    let da = optional(net, S::daFootprintGasScalarCall {}, number).await?;
    Ok(L1SystemConfig {
        batcher: Address::from_word(read(net, S::batcherHashCall {}, number).await?),
        gas_limit: read(net, S::gasLimitCall {}, number).await?,
        base_fee_scalar: word(28),
        blob_base_fee_scalar: if scalar[0] == 1 { word(24) } else { 0 },
        eip1559_denominator: read(net, S::eip1559DenominatorCall {}, number).await?,
        eip1559_elasticity: read(net, S::eip1559ElasticityCall {}, number).await?,
        operator_fee_scalar: read(net, S::operatorFeeScalarCall {}, number).await?,
        operator_fee_constant: read(net, S::operatorFeeConstantCall {}, number).await?,
        min_base_fee: optional(net, S::minBaseFeeCall {}, number).await?,
        da_footprint_gas_scalar: if da == 0 { DA_FOOTPRINT_GAS_SCALAR_DEFAULT } else { da },
    })
}

/// Calls a SystemConfig getter on the L1 at block `number`.
async fn read<C: SolCall>(net: &TestNet, call: C, number: u64) -> anyhow::Result<C::Return> {
    l1_call(net, net.l1_addresses.system_config, call, number).await
}

/// `eth_call` of `call` to `to` on the L1 at block `number`.
pub async fn l1_call<C: SolCall>(net: &TestNet, to: Address, call: C, number: u64) -> anyhow::Result<C::Return> {
    let output = l1_raw_call(net, to, call.abi_encode().into(), number).await.with_context(|| format!("calling {} on {to} at L1 block {number}", C::SIGNATURE))?;
    C::abi_decode_returns(&output).with_context(|| format!("decoding {} from {to} at L1 block {number}", C::SIGNATURE))
}

/// `eth_call` of raw `input` to `to` on the L1 at block `number`.
pub async fn l1_raw_call(net: &TestNet, to: Address, input: Bytes, number: u64) -> anyhow::Result<Bytes> {
    Ok(net.l1.call(TransactionRequest::default().to(to).input(input.into())).block(number.into()).await?)
}

/// A getter a release may lack (Jovian's): its value, or `None` when the call reverts.
async fn try_read<C: SolCall>(net: &TestNet, call: C, number: u64) -> anyhow::Result<Option<C::Return>> {
    match read(net, call, number).await {
        Ok(value) => Ok(Some(value)),
        Err(e) if format!("{e:#}").contains("execution reverted") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A getter a release may lack: its value, or zero when the call reverts.
async fn optional<C: SolCall<Return = R>, R: Default>(net: &TestNet, call: C, number: u64) -> anyhow::Result<R> {
    Ok(try_read(net, call, number).await?.unwrap_or_default())
}

/// Whether the SystemConfig holds Jovian's values (minimum base fee, DA-footprint scalar):
/// op-contracts v5.0.0's does; v4.1.0's reverts on their getters.
pub async fn has_jovian_setters(net: &TestNet) -> anyhow::Result<bool> {
    let latest = net.l1.get_block_number().await?;
    Ok(try_read(net, SystemConfig::minBaseFeeCall {}, latest).await?.is_some())
}

/// An L1 account of one test (or the SystemConfig's owner), signing its own transactions.
pub struct L1Wallet {
    pub signer: PrivateKeySigner,
    client: DynProvider,
    deadline: Duration,
}

impl L1Wallet {
    fn new(net: &TestNet, signer: PrivateKeySigner) -> anyhow::Result<Self> {
        let url = net.l1_url().parse().context("the L1's RPC URL")?;
        let client = ProviderBuilder::new().wallet(EthereumWallet::from(signer.clone())).connect_http(url).erased();
        Ok(Self { signer, client, deadline: l1_receipt_deadline(net) })
    }

    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Signs and sends `request`, then waits for its receipt, which must succeed.
    pub async fn send(&self, request: TransactionRequest) -> anyhow::Result<TransactionReceipt> {
        let receipt = self.send_unchecked(request).await?;
        if !receipt.status() {
            let hash = receipt.transaction_hash;
            let limit = self.client.get_transaction_by_hash(hash).await?.map(|tx| alloy::consensus::Transaction::gas_limit(&tx)).unwrap_or_default();
            bail!("L1 transaction {hash} failed in L1 block {:?}, using {} of its {limit} gas", receipt.block_number, receipt.gas_used);
        }
        Ok(receipt)
    }

    /// Signs and sends `request`, then waits for its receipt, whatever its status.
    pub async fn send_unchecked(&self, request: TransactionRequest) -> anyhow::Result<TransactionReceipt> {
        let request = self.with_gas_margin(request).await?;
        let account = format!("L1 account {}", self.address());
        let send = || async { self.client.send_transaction(request.clone()).await.context("sending an L1 transaction") };
        let pending = crate::net::retry_nonce_races(&account, send).await?;
        let hash = *pending.tx_hash();
        let receipt = pending.with_timeout(Some(self.deadline)).get_receipt().await.with_context(|| format!("no receipt for L1 transaction {hash} within {:?}", self.deadline))?;
        Ok(receipt)
    }

    /// `request` with a gas limit a quarter above the estimate, unless it names one. A deposit's
    /// gas depends on the block it lands in: the portal's resource metering runs its fee decay
    /// (`cdexp`) only when more than one block passed since the last deposit, so an exact
    /// estimate made for the next block falls short when another block comes first, as it often
    /// does on a shared fast L1 (the deposit then reverts with nearly all its gas used).
    async fn with_gas_margin(&self, request: TransactionRequest) -> anyhow::Result<TransactionRequest> {
        if request.gas.is_some() {
            return Ok(request);
        }
        let estimate = self.client.estimate_gas(request.clone().from(self.address())).await.context("estimating an L1 transaction's gas")?;
        Ok(request.gas_limit(estimate + estimate / 4))
    }
}

/// A few L1 block times: how long an L1 transaction may take to be mined.
fn l1_receipt_deadline(net: &TestNet) -> Duration {
    Duration::from_secs(3 * net.l1_block_time() + 10)
}

/// Ether each test's L1 account gets.
const L1_FUNDING: u128 = 100_000_000_000_000_000_000;

/// A fresh L1 account of this test, funded from the dev faucet.
pub async fn wallet(net: &TestNet) -> anyhow::Result<L1Wallet> {
    let wallet = L1Wallet::new(net, net.salted_signer("l1"))?;
    let faucet = L1Wallet::new(net, net.faucet_signer())?;
    faucet.send(TransactionRequest::default().with_to(wallet.address()).with_value(U256::from(L1_FUNDING))).await.context("funding a test account on L1")?;
    Ok(wallet)
}

/// The SystemConfig's owner, when it is one of the dev accounts (as on every local network).
pub async fn owner(net: &TestNet) -> anyhow::Result<L1Wallet> {
    let latest = net.l1.get_block_number().await?;
    let owner = read(net, SystemConfig::ownerCall {}, latest).await?;
    let signer = harness::genesis::dev_signers().iter().find(|s| s.address() == owner).cloned();
    let signer = signer.with_context(|| format!("precondition failed: SystemConfig's owner {owner} on {} is not a dev account, so this test cannot change it", net.origin))?;
    L1Wallet::new(net, signer)
}

/// The first L2 block whose L1 origin is L1 block `l1_block` (where op-node applies that
/// block's deposits and SystemConfig updates), searching from L2 block `from`. Bounded by the L2
/// blocks that exist now plus those that fit in the L1 blocks still to come, twice over (an L1
/// on its own clock, like anvil beside a fast L2, lets the L2 run ahead of the ratio).
pub async fn first_l2_block_of(net: &TestNet, l1_block: u64, from: u64) -> anyhow::Result<u64> {
    let origin_at = |n: u64| call_abi(net, L1_BLOCK, L1Block::numberCall {}, n);
    let start_origin = origin_at(from).await?;
    ensure!(start_origin <= l1_block, "L2 block {from} already derives from L1 block {start_origin}, past {l1_block}");
    let head = net.l2.get_block_number().await?.max(from);
    let per_l1 = net.l1_block_time().div_ceil(net.schedule.block_time);
    let bound = head - from + 2 * (l1_block.saturating_sub(origin_at(head).await?) + 1) * per_l1 + 10;
    for n in from..=from + bound {
        net.wait_for_block(n).await?;
        let origin = origin_at(n).await?;
        if origin == l1_block {
            return Ok(n);
        }
        ensure!(origin < l1_block, "L2 block {n} moved its origin past L1 block {l1_block} to {origin}");
    }
    bail!("no L2 block derived from L1 block {l1_block} within {bound} blocks after {from}")
}

/// What a user deposit asks for: `mint` is the ETH sent to the portal, `value` what the L2 call
/// carries to `to` (zero address with `creation` for a contract creation).
#[derive(Clone, Debug, Default)]
pub struct DepositRequest {
    pub to: Address,
    pub mint: U256,
    pub value: U256,
    pub gas_limit: u64,
    pub creation: bool,
    pub data: Bytes,
}

impl DepositRequest {
    /// The portal call that makes this deposit.
    pub fn portal_call(&self, portal: Address) -> TransactionRequest {
        let call = OptimismPortal::depositTransactionCall { to: self.to, value: self.value, gasLimit: self.gas_limit, isCreation: self.creation, data: self.data.clone() };
        TransactionRequest::default().with_to(portal).with_value(self.mint).with_input(Bytes::from(call.abi_encode()))
    }
}

/// A deposit's L1 side: the transaction that made it and its `TransactionDeposited` log.
#[derive(Clone, Debug)]
pub struct SentDeposit {
    pub receipt: TransactionReceipt,
    pub l1_block: u64,
    /// op-node's source hash: keccak256(uint256(0) ++ keccak256(l1BlockHash ++ uint256(logIndex))),
    /// the log's index counted over the whole L1 block (the deposits spec).
    pub source_hash: alloy::primitives::B256,
}

/// Reads the deposit an L1 transaction made through the portal from its receipt.
pub fn sent_deposit(net: &TestNet, receipt: TransactionReceipt) -> anyhow::Result<SentDeposit> {
    use alloy::sol_types::SolEvent;
    let log = receipt
        .inner
        .logs()
        .iter()
        .find(|l| l.address() == net.l1_addresses.portal && l.topics().first() == Some(&OptimismPortal::TransactionDeposited::SIGNATURE_HASH))
        .with_context(|| format!("L1 transaction {} emitted no TransactionDeposited from the portal", receipt.transaction_hash))?;
    let (block_hash, index) = (log.block_hash.context("a mined log has its block hash")?, log.log_index.context("a mined log has its index")?);
    let inner = alloy::primitives::keccak256([block_hash.as_slice(), &U256::from(index).to_be_bytes::<32>()].concat());
    let source_hash = alloy::primitives::keccak256([[0u8; 32].as_slice(), inner.as_slice()].concat());
    let l1_block = receipt.block_number.context("a mined receipt has its block")?;
    Ok(SentDeposit { receipt, l1_block, source_hash })
}

/// The deposit as the L2 executed it.
#[derive(Clone, Debug)]
pub struct LandedDeposit {
    /// The L2 block it landed in: the first whose L1 origin holds it.
    pub block: u64,
    pub deposit: op_alloy::consensus::TxDeposit,
    pub receipt: op_alloy::rpc_types::OpTransactionReceipt,
    /// The L2 block the search started at, before the deposit was sent.
    pub searched_from: u64,
}

/// Sends `request` through the portal from `wallet` and finds where it landed on L2.
pub async fn deposit(net: &TestNet, wallet: &L1Wallet, request: &DepositRequest) -> anyhow::Result<(SentDeposit, LandedDeposit)> {
    let from = net.l2.get_block_number().await?;
    let receipt = wallet.send(request.portal_call(net.l1_addresses.portal)).await?;
    let sent = sent_deposit(net, receipt)?;
    let landed = landed(net, &sent, from).await?;
    Ok((sent, landed))
}

/// Where `sent` landed: the deposit with its source hash in the first L2 block derived from
/// its L1 block.
pub async fn landed(net: &TestNet, sent: &SentDeposit, from: u64) -> anyhow::Result<LandedDeposit> {
    let block = first_l2_block_of(net, sent.l1_block, from).await?;
    let txs = crate::probe::block(net, block).await?.transactions.into_transactions();
    for tx in txs {
        if let op_alloy::consensus::OpTxEnvelope::Deposit(deposit) = tx.inner.inner.inner()
            && deposit.source_hash == sent.source_hash
        {
            let receipt = net.receipt(alloy::network::TransactionResponse::tx_hash(&tx)).await?;
            return Ok(LandedDeposit { block, deposit: deposit.inner().clone(), receipt, searched_from: from });
        }
    }
    bail!("L2 block {block}, the first derived from L1 block {}, holds no deposit with source hash {}", sent.l1_block, sent.source_hash)
}
