//! The L2 chain and its sequencer step: one call builds the next block the way op-node asks an
//! execution client to: L1-attributes deposit first, then in an activation block the fork's
//! upgrade transactions and nothing from the mempool, otherwise mempool transactions by fee.

use std::{collections::BTreeMap, sync::Arc};

use alloy::{
    consensus::{Header, Sealed, transaction::Recovered},
    primitives::{Address, address},
};
use op_alloy::consensus::{OpReceiptEnvelope, OpTxEnvelope};

pub use super::fault::Fault;
use super::{
    evm::L2EvmFactory,
    execute::{OpFactory, execute},
    fees::receipt_fees,
    l1_info::{L1Origin, deposit},
    rules::ChainRules,
};
use crate::{
    derive::{L1Addresses, L1Receipt, L2SystemConfig, user_deposits},
    forks::{Fork, UpgradeBundle, recovered_deposit},
    node::{exec::Rejected, mempool::Mempool, state::WorldState, store::{ChainStore, StoredBlock}},
};

/// The SequencerFeeVault, every L2 block's beneficiary.
pub const SEQUENCER_FEE_VAULT: Address = address!("4200000000000000000000000000000000000011");

/// What the sequencer needs to know about its chain.
#[derive(Clone, Debug)]
pub struct L2Config {
    pub name: String,
    pub chain_id: u64,
    pub rules: ChainRules,
    /// The L1 contracts this L2 derives from.
    pub l1: L1Addresses,
    /// Upgrade bundles by fork, for forks that activate after genesis.
    pub bundles: BTreeMap<Fork, Vec<UpgradeBundle>>,
}

/// What an L2 block keeps beside its transactions.
#[derive(Clone, Debug, Default)]
pub struct L2Extra {
    pub origin: L1Origin,
    pub sequence_number: u64,
    /// The system config the block was built with.
    pub system_config: L2SystemConfig,
    /// Receipt fee fields per transaction (`None` for deposits).
    pub fees: Vec<Option<super::fees::TxFees>>,
}

pub type L2Block = StoredBlock<OpTxEnvelope, OpReceiptEnvelope, L2Extra>;

/// Why a block could not be built: always a bug or a broken bundle, never a user transaction.
#[derive(Debug, thiserror::Error)]
#[error("building L2 block {number} failed: {reason}")]
pub struct BuildError {
    pub number: u64,
    pub reason: String,
}

/// A block ready to execute away from its chain: see [`L2Chain::next_block`].
pub struct NextBlock {
    factory: Arc<OpFactory>,
    chain_id: u64,
    parent: WorldState,
    /// The environment; execution fills in the roots.
    header: Header,
    /// L1-attributes deposit, user deposits and upgrade transactions: all must succeed.
    forced: Vec<Recovered<OpTxEnvelope>>,
    /// Pool transactions, taken while valid and while they fit.
    candidates: Vec<Recovered<OpTxEnvelope>>,
    /// The L1 origin, sequence number and system config; execution fills in the fees.
    extra: L2Extra,
}

/// An executed block and the pool transactions it left out.
pub struct BuiltBlock {
    block: L2Block,
    rejected: Vec<Rejected>,
}

impl NextBlock {
    /// Executes the block on its parent's state.
    pub fn execute(self) -> Result<BuiltBlock, BuildError> {
        let Self { factory, chain_id, parent, header, forced, candidates, mut extra } = self;
        let (number, timestamp) = (header.number, header.timestamp);
        let built = execute(&factory, chain_id, &parent, header, forced, candidates)
            .map_err(|e| BuildError { number, reason: e.to_string() })?;
        let mut state = built.state;
        state.record_block_hash(number, built.header.hash());
        let spec = factory.evm_factory().spec_at(factory.spec(), timestamp);
        extra.fees = receipt_fees(spec, &state, number, built.transactions.iter().map(|t| t.inner()));
        let block = StoredBlock { header: built.header, transactions: built.transactions, receipts: built.receipts, state, extra };
        Ok(BuiltBlock { block, rejected: built.rejected })
    }
}

/// One L2 chain: its blocks, its mempool, and the executor that extends it.
#[derive(Debug)]
pub struct L2Chain {
    pub config: L2Config,
    factory: Arc<OpFactory>,
    pub store: ChainStore<OpTxEnvelope, OpReceiptEnvelope, L2Extra>,
    pub pool: Mempool<OpTxEnvelope>,
}

impl L2Chain {
    /// A chain at its genesis block, which starts with `system_config`.
    pub fn new(config: L2Config, genesis: Sealed<Header>, state: WorldState, origin: L1Origin, system_config: L2SystemConfig) -> Self {
        let evms = L2EvmFactory::new(config.rules.fault);
        let factory = Arc::new(OpFactory::new(Default::default(), config.rules.op_hardforks(), evms));
        let mut state = state;
        state.record_block_hash(0, genesis.hash());
        let block = StoredBlock {
            header: genesis,
            transactions: Vec::new(),
            receipts: Vec::new(),
            state,
            extra: L2Extra { origin, system_config, ..Default::default() },
        };
        Self { config, factory, store: ChainStore::new(block), pool: Mempool::default() }
    }

    /// The executor factory (its fork schedule serves RPC calls too).
    pub fn factory(&self) -> &OpFactory {
        &self.factory
    }

    pub fn head(&self) -> &L2Block {
        self.store.head()
    }

    /// Timestamp of the next block.
    pub fn next_timestamp(&self) -> u64 {
        self.head().header.timestamp + self.config.rules.block_time
    }

    /// Builds the next block on `origin` and appends it (see [`Self::next_block`]). Returns the
    /// mempool transactions left out, with their reasons.
    pub fn build_next(&mut self, origin: L1Origin, epoch: Option<&[L1Receipt]>) -> Result<Vec<Rejected>, BuildError> {
        let built = self.next_block(origin, epoch).execute()?;
        self.append(built)
    }

    /// The next block on `origin`, with everything its execution needs. `epoch` holds the
    /// origin's receipts when the origin is new: its SystemConfig updates apply and its user
    /// deposits go in after the L1-attributes deposit, as op-node builds the first block of an
    /// epoch. Executing it takes no lock on the chain, so RPC keeps answering and the pool keeps
    /// filling meanwhile.
    pub fn next_block(&self, origin: L1Origin, epoch: Option<&[L1Receipt]>) -> NextBlock {
        let parent = self.head();
        let number = parent.number() + 1;
        let timestamp = self.next_timestamp();
        let rules = &self.config.rules;
        let sequence_number =
            if origin.number == parent.extra.origin.number { parent.extra.sequence_number + 1 } else { 0 };
        let mut system_config = parent.extra.system_config;
        let deposits = match epoch {
            Some(receipts) => {
                if rules.fault != Some(Fault::FreezeSystemConfig) {
                    system_config.apply(receipts, &self.config.l1, rules.is_active(Fork::Ecotone, origin.timestamp));
                }
                let ignored = rules.fault == Some(Fault::IgnoreUserDeposits);
                if ignored { Vec::new() } else { user_deposits(origin.hash, receipts, &self.config.l1) }
            }
            None => Vec::new(),
        };
        let header = Header {
            parent_hash: parent.hash(),
            number,
            timestamp,
            beneficiary: SEQUENCER_FEE_VAULT,
            gas_limit: system_config.kona.gas_limit + self.extra_upgrade_gas(timestamp),
            base_fee_per_gas: Some(rules.next_base_fee(&parent.header)),
            mix_hash: origin.mix_hash,
            extra_data: rules.extra_data(timestamp, system_config.eip1559_params(), system_config.min_base_fee),
            parent_beacon_block_root: rules.beacon_root(timestamp, &origin),
            ..Default::default()
        };
        // Regolith decides the deposit's shape by the L2 block's time, so it can activate live.
        let regolith = rules.is_active(Fork::Regolith, timestamp);
        let l1_info = deposit(rules.l1_info_format(timestamp), &origin, sequence_number, &system_config, regolith);
        let mut forced = vec![recovered_deposit(l1_info)];
        forced.extend(deposits.into_iter().map(recovered_deposit));
        let upgrades = self.upgrade_transactions(timestamp);
        let activation = !upgrades.is_empty() || rules.activating_at(timestamp).any(|f| f >= Fork::Ecotone);
        forced.extend(upgrades);
        let base_fee = header.base_fee_per_gas.unwrap_or_default();
        let state = &parent.state;
        let candidates = if activation {
            Vec::new()
        } else {
            self.pool.candidates(base_fee, |a| state.account(a).map_or(0, |acc| acc.nonce))
        };
        NextBlock {
            factory: self.factory.clone(),
            chain_id: self.config.chain_id,
            parent: state.clone(),
            header,
            forced,
            candidates,
            extra: L2Extra { origin, sequence_number, system_config, fees: Vec::new() },
        }
    }

    /// Appends a block built from [`Self::next_block`] on the current head, and forgets the
    /// pool transactions it included or rejected. Returns the rejected ones.
    pub fn append(&mut self, built: BuiltBlock) -> Result<Vec<Rejected>, BuildError> {
        let BuiltBlock { block, rejected } = built;
        if block.header.parent_hash != self.head().hash() {
            return Err(BuildError { number: block.number(), reason: "the head moved while the block was built".into() });
        }
        let included = block.transactions.iter().map(|t| t.tx_hash());
        self.pool.remove(included.chain(rejected.iter().map(|r| r.hash)));
        self.store.push(block);
        Ok(rejected)
    }

    /// The forks whose upgrade transactions go into the block at `timestamp`, honouring a
    /// configured fault.
    fn upgrading_forks(&self, timestamp: u64) -> Vec<Fork> {
        let rules = &self.config.rules;
        let late = match rules.fault {
            Some(Fault::LateActivation { fork }) => Some(fork),
            _ => None,
        };
        let on_time = rules.activating_at(timestamp).filter(|f| Some(*f) != late);
        let delayed = late.filter(|f| rules.activating_at(timestamp.saturating_sub(rules.block_time)).any(|a| a == *f));
        on_time.chain(delayed).collect()
    }

    fn upgrade_transactions(&self, timestamp: u64) -> Vec<Recovered<OpTxEnvelope>> {
        let mut txs = Vec::new();
        for fork in self.upgrading_forks(timestamp) {
            let bundle_txs = self.config.bundles.get(&fork).into_iter().flatten().flat_map(|b| &b.transactions);
            for (index, tx) in bundle_txs.enumerate() {
                if self.config.rules.fault == Some(Fault::DropUpgradeTx { fork, index }) {
                    continue;
                }
                txs.push(tx.recovered());
            }
        }
        txs
    }

    /// Gas op-node adds to the activation block's limit for the upgrade deposits: each fork's
    /// rule applied to its bundles' total.
    fn extra_upgrade_gas(&self, timestamp: u64) -> u64 {
        self.upgrading_forks(timestamp)
            .into_iter()
            .map(|fork| {
                let bundle_gas = self.config.bundles.get(&fork).into_iter().flatten().map(UpgradeBundle::total_gas).sum();
                fork.upgrade_gas(bundle_gas)
            })
            .sum()
    }
}
