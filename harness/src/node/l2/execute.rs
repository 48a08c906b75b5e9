//! Executes one L2 block with op-reth's block executor (alloy-op-evm on op-revm) and computes
//! the header a real OP node would.

use std::convert::Infallible;

use alloy::{
    consensus::{Header, Sealed, constants::EMPTY_ROOT_HASH, transaction::Recovered},
    eips::eip7685::EMPTY_REQUESTS_HASH,
};
use alloy_evm::{
    EvmFactory,
    block::{BlockExecutionError, BlockExecutionResult, BlockExecutor, BlockExecutorFactory},
};
use alloy_op_evm::{OpBlockExecutionCtx, OpBlockExecutorFactory, block::OpAlloyReceiptBuilder};
use alloy_op_hardforks::{OpChainHardforks, OpHardforks};
use op_alloy::consensus::{OpReceiptEnvelope, OpTxEnvelope};
use revm::{
    DatabaseRef,
    database::{State, WrapDatabaseRef},
};

use super::{evm::L2EvmFactory, fault::{Fault, patch_block}};
use crate::{
    genesis::L2_TO_L1_MESSAGE_PASSER,
    node::{
        exec::{Rejected, commit, exec_state, run_transactions, seal_roots},
        state::WorldState,
    },
};

/// The executor factory op-reth uses, configured with this chain's fork times and its EVMs.
pub type OpFactory = OpBlockExecutorFactory<OpAlloyReceiptBuilder, OpChainHardforks, L2EvmFactory>;

/// A block the sequencer built.
#[derive(Debug)]
pub struct ExecutedBlock {
    pub header: Sealed<Header>,
    pub transactions: Vec<Recovered<OpTxEnvelope>>,
    pub receipts: Vec<OpReceiptEnvelope>,
    pub state: WorldState,
    pub rejected: Vec<Rejected>,
}

/// Executes `forced` (L1-attributes, deposits, upgrade transactions) and then as many of
/// `candidates` as are valid and fit, on top of `world`. `header` arrives with its
/// environment set (number, timestamp, beneficiary, gas limit, base fee, prevrandao, extraData,
/// parent hash and beacon root) and leaves with its roots.
pub fn execute(
    factory: &OpFactory,
    chain_id: u64,
    world: &WorldState,
    mut header: Header,
    forced: Vec<Recovered<OpTxEnvelope>>,
    candidates: impl IntoIterator<Item = Recovered<OpTxEnvelope>>,
) -> Result<ExecutedBlock, BlockExecutionError> {
    let fault = factory.evm_factory().fault;
    let Ran { mut state, transactions, rejected, result } = run(factory, chain_id, world, &header, forced, candidates)?;
    patch_block(fault, &mut state, world, header.number)?;
    let state = commit(state, world);

    let (hardforks, timestamp) = (factory.spec(), header.timestamp);
    if hardforks.is_canyon_active_at_timestamp(timestamp) {
        header.withdrawals_root = Some(if Fault::message_passer_root(fault, hardforks.is_isthmus_active_at_timestamp(timestamp)) {
            state.storage_root(&L2_TO_L1_MESSAGE_PASSER)
        } else {
            EMPTY_ROOT_HASH
        });
    }
    if hardforks.is_ecotone_active_at_timestamp(timestamp) {
        header.blob_gas_used = Some(result.blob_gas_used);
        header.excess_blob_gas = Some(0);
    }
    if hardforks.is_isthmus_active_at_timestamp(timestamp) {
        header.requests_hash = Some(EMPTY_REQUESTS_HASH);
    }
    let envelopes: Vec<&OpTxEnvelope> = transactions.iter().map(|t| t.inner()).collect();
    seal_roots(&mut header, &envelopes, &result.receipts, &state, result.gas_used);
    Ok(ExecutedBlock { header: Sealed::new(header), transactions, receipts: result.receipts, state, rejected })
}

/// What a block's transactions did, on the database they read, before it is folded into a state.
pub struct Ran<DB: DatabaseRef> {
    /// The execution state: what was read, and the changes, as transitions.
    pub state: State<WrapDatabaseRef<DB>>,
    pub transactions: Vec<Recovered<OpTxEnvelope>>,
    pub rejected: Vec<Rejected>,
    pub result: BlockExecutionResult<OpReceiptEnvelope>,
}

/// Runs a block's transactions on `db`: the part of [`execute`] that reads no trie. Genesis
/// runs its upgrade replay this way on op-deployer's decoded allocation, while the same
/// allocation is built into a hashed state on another thread.
pub fn run<DB: DatabaseRef<Error = Infallible> + std::fmt::Debug>(
    factory: &OpFactory,
    chain_id: u64,
    db: DB,
    header: &Header,
    forced: Vec<Recovered<OpTxEnvelope>>,
    candidates: impl IntoIterator<Item = Recovered<OpTxEnvelope>>,
) -> Result<Ran<DB>, BlockExecutionError> {
    let (hardforks, evms) = (factory.spec(), factory.evm_factory());
    let mut state = exec_state(db);
    let evm = evms.create_evm(&mut state, evms.evm_env(header, hardforks, chain_id));
    let ctx = OpBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        extra_data: header.extra_data.clone(),
    };
    let mut executor = factory.create_executor(evm, ctx);
    executor.apply_pre_execution_changes()?;
    // The executor itself refuses a transaction that does not fit the remaining gas.
    let (transactions, rejected) =
        run_transactions(forced, candidates, |tx| executor.execute_transaction(tx).map(|_| ()))?;
    let result = executor.apply_post_execution_changes()?;
    Ok(Ran { state, transactions, rejected, result })
}
