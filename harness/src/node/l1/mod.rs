//! The embedded L1: an Ethereum chain on Prague rules, executed by alloy-evm's Ethereum block
//! executor, with real base fees, excess blob gas and beacon roots for the L2 to derive from.

mod mine;
mod node_chain;
mod schedule;

use std::borrow::Cow;

use alloy::{
    consensus::{Header, ReceiptEnvelope, Sealed, TxEnvelope, constants::EMPTY_ROOT_HASH, transaction::Recovered},
    signers::local::PrivateKeySigner,
    eips::{eip1559::BaseFeeParams, eip7840::BlobParams},
    primitives::{Address, B256, U256, keccak256},
};
use alloy_evm::{
    Evm, EvmEnv, EvmFactory,
    block::{BlockExecutionError, BlockExecutor, BlockExecutorFactory},
    eth::{EthBlockExecutionCtx, EthBlockExecutorFactory, receipt_builder::AlloyReceiptBuilder, spec::EthExecutorSpec},
    EthEvmFactory,
};
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};

pub use mine::{MAX_SLOTS, module as mine_module};
pub use schedule::{L1Fault, L1Schedule};

use crate::contracts::upgrade::{BlockTerms, Call, sign};

use super::{
    exec::{Rejected, commit, exec_state, run_transactions, seal_roots},
    l2::l1_info::L1Origin,
    mempool::Mempool,
    state::WorldState,
    store::{ChainStore, StoredBlock},
};

/// Prague from genesis, every earlier fork at block 0.
#[derive(Clone, Debug)]
pub struct L1Rules(EthereumChainHardforks);

impl Default for L1Rules {
    fn default() -> Self {
        let at_zero = [
            EthereumHardfork::Frontier,
            EthereumHardfork::Homestead,
            EthereumHardfork::Tangerine,
            EthereumHardfork::SpuriousDragon,
            EthereumHardfork::Byzantium,
            EthereumHardfork::Constantinople,
            EthereumHardfork::Petersburg,
            EthereumHardfork::Istanbul,
            EthereumHardfork::MuirGlacier,
            EthereumHardfork::Berlin,
            EthereumHardfork::London,
            EthereumHardfork::ArrowGlacier,
            EthereumHardfork::GrayGlacier,
        ]
        .map(|f| (f, ForkCondition::ZERO_BLOCK));
        let merge = (EthereumHardfork::Paris, ForkCondition::TTD {
            activation_block_number: 0,
            fork_block: Some(0),
            total_difficulty: U256::ZERO,
        });
        let timed = [EthereumHardfork::Shanghai, EthereumHardfork::Cancun, EthereumHardfork::Prague]
            .map(|f| (f, ForkCondition::ZERO_TIMESTAMP));
        Self(EthereumChainHardforks::new(at_zero.into_iter().chain([merge]).chain(timed)))
    }
}

impl EthereumHardforks for L1Rules {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.0.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for L1Rules {
    fn deposit_contract_address(&self) -> Option<Address> {
        None
    }
}

type L1Factory = EthBlockExecutorFactory<AlloyReceiptBuilder, L1Rules, EthEvmFactory>;

pub type L1Block = StoredBlock<TxEnvelope, ReceiptEnvelope, ()>;

/// The embedded L1 chain.
#[derive(Debug)]
pub struct L1Chain {
    pub chain_id: u64,
    pub block_time: u64,
    factory: L1Factory,
    pub store: ChainStore<TxEnvelope, ReceiptEnvelope, ()>,
    pub pool: Mempool<TxEnvelope>,
    /// A live L1 upgrade to mine, if the spec schedules one.
    schedule: Option<L1Schedule>,
}

impl L1Chain {
    pub fn new(chain_id: u64, block_time: u64, genesis: Sealed<Header>, mut state: WorldState) -> Self {
        state.record_block_hash(0, genesis.hash());
        let block = StoredBlock { header: genesis, transactions: Vec::new(), receipts: Vec::new(), state, extra: () };
        let factory = L1Factory::new(AlloyReceiptBuilder::default(), L1Rules::default(), EthEvmFactory::default());
        Self { chain_id, block_time, factory, store: ChainStore::new(block), pool: Mempool::default(), schedule: None }
    }

    /// Mines `schedule`'s transactions in their blocks, and keeps those blocks whole.
    pub fn with_schedule(mut self, schedule: L1Schedule) -> Self {
        self.store.pin(schedule.boundary());
        self.schedule = Some(schedule);
        self
    }

    /// The last block of the scheduled upgrade's boundary, while the head has not reached it:
    /// until then the schedule's blocks are fixed by number, so no slot may be skipped.
    pub fn boundary_ahead(&self) -> Option<u64> {
        let last = self.schedule.as_ref()?.boundary()[2];
        (self.head().number() < last).then_some(last)
    }

    pub fn head(&self) -> &L1Block {
        self.store.head()
    }

    /// The rules the executor applies (also used for `eth_call`).
    pub fn rules(&self) -> &L1Rules {
        self.factory.spec()
    }

    /// Builds and appends the next block from the mempool, in the next slot.
    pub fn build_next(&mut self) -> Result<Vec<Rejected>, BlockExecutionError> {
        self.build_in_slot(1)
    }

    /// Builds and appends the next block `slots` slots after its parent: the slots between
    /// went by without a block, as missed slots do on Ethereum.
    pub fn build_in_slot(&mut self, slots: u64) -> Result<Vec<Rejected>, BlockExecutionError> {
        let parent = self.head();
        let number = parent.number() + 1;
        let header = Header {
            parent_hash: parent.hash(),
            number,
            timestamp: parent.header.timestamp + slots * self.block_time,
            gas_limit: parent.header.gas_limit,
            base_fee_per_gas: parent.header.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: parent.header.next_block_excess_blob_gas(BlobParams::prague()),
            // A devnet has no beacon chain; these stand in deterministically.
            mix_hash: keccak256([b"prevrandao".as_slice(), &number.to_be_bytes()].concat()),
            parent_beacon_block_root: Some(keccak256([b"beacon".as_slice(), &number.to_be_bytes()].concat())),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            ..Default::default()
        };
        let state = &parent.state;
        let base_fee = header.base_fee_per_gas.unwrap_or_default();
        let candidates = self.pool.candidates(base_fee, |a| state.account(a).map_or(0, |acc| acc.nonce));
        let scheduled = self.schedule.as_ref().map(|s| s.calls(number)).unwrap_or_default();
        let (block, rejected) = execute(&self.factory, self.chain_id, state, header, Block { forced: Vec::new(), scheduled, candidates })?;
        let hashes: Vec<B256> = block.transactions.iter().map(|t| *t.tx_hash()).collect();
        self.pool.remove(hashes.into_iter().chain(rejected.iter().map(|r| r.hash)));
        self.store.push(block);
        Ok(rejected)
    }
}

/// What one block executes, in order.
struct Block<'a> {
    /// Signed transactions that must be valid (a pre-genesis block's).
    forced: Vec<Recovered<TxEnvelope>>,
    /// Calls the schedule puts in this block, each signed just before it runs: the nonce and
    /// the gas left depend on the transactions before it.
    scheduled: Vec<(Call, &'a PrivateKeySigner)>,
    /// The pool's transactions; invalid ones are left out.
    candidates: Vec<Recovered<TxEnvelope>>,
}

/// Executes `block` on `world` and seals the header.
fn execute(factory: &L1Factory, chain_id: u64, world: &WorldState, mut header: Header, block: Block<'_>) -> Result<(L1Block, Vec<Rejected>), BlockExecutionError> {
    let Block { forced, scheduled, candidates } = block;
    let mut state = exec_state(world);
    let env = EvmEnv::for_eth_block(&header, factory.spec(), chain_id, Some(BlobParams::prague()));
    let evm = factory.evm_factory().create_evm(&mut state, env);
    let ctx = EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers: &[],
        withdrawals: Some(Cow::Borrowed(&[])),
        extra_data: header.extra_data.clone(),
        tx_count_hint: Some(forced.len() + scheduled.len() + candidates.len()),
        slot_number: None,
    };
    let mut executor = factory.create_executor(evm, ctx);
    executor.apply_pre_execution_changes()?;
    // Forced transactions must all run, so none is ever rejected.
    let (mut transactions, _) = run_transactions(forced, [], |tx| executor.execute_transaction(tx).map(|_| ()))?;
    for (call, sender) in scheduled {
        let gas_used = executor.receipts().last().map_or(0, |r| r.cumulative_gas_used());
        let terms = BlockTerms {
            chain_id,
            nonce: account_nonce(executor.evm_mut().db_mut(), sender.address())?,
            base_fee: u128::from(header.base_fee_per_gas.unwrap_or_default()),
            gas_limit: header.gas_limit - gas_used,
        };
        let tx = sign(&call, sender, terms);
        // A call the block cannot take (its sender cannot pay, say) is left out, not fatal: the
        // L1 keeps going and the L1 boundary suite names the missing transaction.
        match executor.execute_transaction(&tx) {
            Ok(_) => transactions.push(tx),
            Err(e) => tracing::error!(to = %call.to, reason = %e, "a scheduled L1 transaction cannot be mined"),
        }
    }
    let (pooled, rejected) = run_transactions(Vec::new(), candidates, |tx| executor.execute_transaction(tx).map(|_| ()))?;
    transactions.extend(pooled);
    let result = executor.apply_post_execution_changes()?;
    let mut state = commit(state, world);
    header.blob_gas_used = Some(result.blob_gas_used);
    header.requests_hash = Some(result.requests.requests_hash());
    let envelopes: Vec<&TxEnvelope> = transactions.iter().map(|t| t.inner()).collect();
    seal_roots(&mut header, &envelopes, &result.receipts, &state, result.gas_used);
    let header = Sealed::new(header);
    state.record_block_hash(header.number, header.hash());
    Ok((StoredBlock { header, transactions, receipts: result.receipts, state, extra: () }, rejected))
}

/// The nonce of `address` in the block's state so far.
fn account_nonce(db: &mut impl revm::Database, address: Address) -> Result<u64, BlockExecutionError> {
    db.basic(address).map(|account| account.map_or(0, |a| a.nonce)).map_err(|e| BlockExecutionError::msg(e.to_string()))
}

/// Runs `txs` in a block before block 0 on `world`, the way the L1's genesis gets its OP
/// deployment (as the L2's genesis replays upgrade transactions): every one must succeed.
pub fn run_before_genesis(chain_id: u64, world: &WorldState, timestamp: u64, txs: Vec<Recovered<TxEnvelope>>) -> Result<L1Block, String> {
    let factory = L1Factory::new(AlloyReceiptBuilder::default(), L1Rules::default(), EthEvmFactory::default());
    let header = Header { timestamp, gas_limit: 1_000_000_000, base_fee_per_gas: Some(0), excess_blob_gas: Some(0), parent_beacon_block_root: Some(B256::ZERO), ..Default::default() };
    let (block, _) = execute(&factory, chain_id, world, header, Block { forced: txs, scheduled: Vec::new(), candidates: Vec::new() }).map_err(|e| e.to_string())?;
    if let Some(index) = block.receipts.iter().position(|r| !r.status()) {
        return Err(format!("transaction {index} reverted"));
    }
    Ok(block)
}

impl L1Block {
    /// This block as the L2's L1 origin.
    pub fn origin(&self) -> L1Origin {
        origin_of(&self.header)
    }
}

/// What the sequencer reads from an L1 header.
pub fn origin_of(header: &Sealed<Header>) -> L1Origin {
    L1Origin {
        number: header.number,
        timestamp: header.timestamp,
        hash: header.hash(),
        parent_hash: header.parent_hash,
        base_fee: header.base_fee_per_gas.unwrap_or_default(),
        blob_base_fee: header.blob_fee(BlobParams::prague()).unwrap_or(1),
        mix_hash: header.mix_hash,
        parent_beacon_block_root: header.parent_beacon_block_root.unwrap_or_default(),
    }
}
