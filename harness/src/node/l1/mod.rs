//! The embedded L1: an Ethereum chain on Prague rules, executed by alloy-evm's Ethereum block
//! executor, with real base fees, excess blob gas and beacon roots for the L2 to derive from.

mod node_chain;

use std::borrow::Cow;

use alloy::{
    consensus::{Header, ReceiptEnvelope, Sealed, TxEnvelope, constants::EMPTY_ROOT_HASH, transaction::Recovered},
    eips::{eip1559::BaseFeeParams, eip7840::BlobParams},
    primitives::{Address, B256, U256, keccak256},
};
use alloy_evm::{
    EvmEnv, EvmFactory,
    block::{BlockExecutionError, BlockExecutor, BlockExecutorFactory},
    eth::{EthBlockExecutionCtx, EthBlockExecutorFactory, receipt_builder::AlloyReceiptBuilder, spec::EthExecutorSpec},
    EthEvmFactory,
};
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};

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
}

impl L1Chain {
    pub fn new(chain_id: u64, block_time: u64, genesis: Sealed<Header>, mut state: WorldState) -> Self {
        state.record_block_hash(0, genesis.hash());
        let block = StoredBlock { header: genesis, transactions: Vec::new(), receipts: Vec::new(), state, extra: () };
        let factory = L1Factory::new(AlloyReceiptBuilder::default(), L1Rules::default(), EthEvmFactory::default());
        Self { chain_id, block_time, factory, store: ChainStore::new(block), pool: Mempool::default() }
    }

    pub fn head(&self) -> &L1Block {
        self.store.head()
    }

    /// The rules the executor applies (also used for `eth_call`).
    pub fn rules(&self) -> &L1Rules {
        self.factory.spec()
    }

    /// Builds and appends the next block from the mempool.
    pub fn build_next(&mut self) -> Result<Vec<Rejected>, BlockExecutionError> {
        let parent = self.head();
        let number = parent.number() + 1;
        let header = Header {
            parent_hash: parent.hash(),
            number,
            timestamp: parent.header.timestamp + self.block_time,
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
        let (block, rejected) = self.execute(state, header, candidates)?;
        let hashes: Vec<B256> = block.transactions.iter().map(|t| *t.tx_hash()).collect();
        self.pool.remove(hashes.into_iter().chain(rejected.iter().map(|r| r.hash)));
        self.store.push(block);
        Ok(rejected)
    }

    fn execute(
        &self,
        world: &WorldState,
        header: Header,
        candidates: Vec<Recovered<TxEnvelope>>,
    ) -> Result<(L1Block, Vec<Rejected>), BlockExecutionError> {
        execute(&self.factory, self.chain_id, world, header, Vec::new(), candidates)
    }
}

/// Executes `forced` (each must succeed) then `candidates` (invalid ones are left out) on
/// `world`, and seals the header.
fn execute(
    factory: &L1Factory,
    chain_id: u64,
    world: &WorldState,
    mut header: Header,
    forced: Vec<Recovered<TxEnvelope>>,
    candidates: Vec<Recovered<TxEnvelope>>,
) -> Result<(L1Block, Vec<Rejected>), BlockExecutionError> {
    let mut state = exec_state(world);
    let env = EvmEnv::for_eth_block(&header, factory.spec(), chain_id, Some(BlobParams::prague()));
    let evm = factory.evm_factory().create_evm(&mut state, env);
    let ctx = EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers: &[],
        withdrawals: Some(Cow::Borrowed(&[])),
        extra_data: header.extra_data.clone(),
        tx_count_hint: Some(forced.len() + candidates.len()),
        slot_number: None,
    };
    let mut executor = factory.create_executor(evm, ctx);
    executor.apply_pre_execution_changes()?;
    let (transactions, rejected) = run_transactions(forced, candidates, |tx| executor.execute_transaction(tx).map(|_| ()))?;
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

/// Runs `txs` in a block before block 0 on `world`, the way the L1's genesis gets its OP
/// deployment (as the L2's genesis replays upgrade transactions): every one must succeed.
pub fn run_before_genesis(chain_id: u64, world: &WorldState, timestamp: u64, txs: Vec<Recovered<TxEnvelope>>) -> Result<L1Block, String> {
    let factory = L1Factory::new(AlloyReceiptBuilder::default(), L1Rules::default(), EthEvmFactory::default());
    let header = Header { timestamp, gas_limit: 1_000_000_000, base_fee_per_gas: Some(0), excess_blob_gas: Some(0), parent_beacon_block_root: Some(B256::ZERO), ..Default::default() };
    let (block, _) = execute(&factory, chain_id, world, header, txs, Vec::new()).map_err(|e| e.to_string())?;
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
