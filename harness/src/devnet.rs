//! An embedded OP Stack network running in this process: an L1 and the spec's L2s, each with a
//! JSON-RPC server on loopback and a block producer, stopped when the [`Devnet`] drops.

use std::{collections::BTreeMap, sync::{Arc, Mutex}, time::Duration};

use alloy::{
    consensus::Sealed,
    eips::BlockNumberOrTag,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use serde::Serialize;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    config::{L2Files, NetworkFiles, RollupConfig},
    contracts::L1Contracts,
    derive::{L1Addresses, L1Receipt, L2SystemConfig},
    forks::Fork,
    genesis::{GenesisError, dev_signers},
    node::{
        api::{Node, state_nonce},
        l1::{L1Chain, L1Fault, L1Schedule, mine_module, origin_of},
        l2::{
            chain::{Fault, L2Chain, L2Config},
            l1_info::L1Origin,
            rules::ChainRules,
            target::{BlockTarget, mine_module as l2_mine_module},
        },
        rpc::{RpcServer, eth, op},
    },
    spec::{ClockMode, NetworkSpec},
};

/// How to run an embedded network.
#[derive(Clone, Debug, Default)]
pub struct DevnetOptions {
    pub clock: ClockMode,
    /// Genesis timestamp; defaults to now.
    pub genesis_time: Option<u64>,
    /// A deliberate bug in every L2 node, for proving the suites catch it (the fault matrix);
    /// never set from a spec or the command line.
    pub fault: Option<Fault>,
    /// A deliberate fault in the L1's scheduled upgrade (tests of the L1 boundary suite only).
    pub l1_fault: Option<L1Fault>,
    /// Take L1 origins from this L1 (anvil, a real node) instead of an embedded L1.
    pub l1_rpc: Option<String>,
    /// Serve the first L2's RPC on this loopback port (the next L2s on the ports after it)
    /// instead of ports the OS picks; for a node whose caller picked its ports.
    pub rpc_port: Option<u16>,
    /// Start the first L2 from this op-geth genesis (a real chain's, say) instead of building
    /// one; its timestamp is the genesis time.
    pub l2_genesis: Option<Arc<alloy::genesis::Genesis>>,
}

/// Where the sequencer takes its L1 origins from.
#[derive(Clone)]
pub enum L1Source {
    /// This network's embedded L1, advanced in fast mode to keep pace with the L2.
    Embedded(Arc<Node<L1Chain>>),
    /// Any L1 over JSON-RPC; its blocks come on its own clock.
    Rpc(DynProvider),
}

impl L1Source {
    /// The L1 block the L2 starts from.
    async fn head(&self) -> Result<Sealed<alloy::consensus::Header>, String> {
        match self {
            Self::Embedded(l1) => Ok(l1.read().head().header.clone()),
            Self::Rpc(client) => rpc_block(client, BlockNumberOrTag::Latest).await?.ok_or_else(|| "the L1 has no latest block".to_owned()),
        }
    }

    /// The L1 origin of the L2 block at `timestamp`: the next L1 block once it is old enough,
    /// as op-node advances it, with that block's receipts (a new epoch); else `current`. An
    /// embedded L1 in fast mode is first advanced to keep pace.
    async fn origin_for(&self, clock: ClockMode, current: L1Origin, timestamp: u64) -> Result<(L1Origin, Option<Vec<L1Receipt>>), String> {
        match self {
            Self::Embedded(l1) => {
                if clock == ClockMode::Fast {
                    l1.write(|l1| {
                        while l1.head().header.timestamp + l1.block_time <= timestamp {
                            l1.build_next().map_err(|e| e.to_string())?;
                        }
                        Ok::<_, String>(())
                    })?;
                }
                let l1 = l1.read();
                let next = l1.store.get(current.number + 1).filter(|b| b.header.timestamp <= timestamp);
                Ok(next.map_or((current, None), |b| (b.origin(), Some(b.receipts.iter().map(l1_receipt).collect()))))
            }
            Self::Rpc(client) => {
                let next = rpc_block(client, BlockNumberOrTag::Number(current.number + 1)).await?.filter(|h| h.timestamp <= timestamp);
                let Some(header) = next else { return Ok((current, None)) };
                let receipts = client.get_block_receipts(header.number.into()).await.map_err(|e| format!("reading the receipts of L1 block {}: {e}", header.number))?;
                let receipts = receipts.unwrap_or_default().iter().map(|r| L1Receipt { success: r.status(), logs: r.inner.logs().iter().map(|l| l.inner.clone()).collect() }).collect();
                Ok((origin_of(&header), Some(receipts)))
            }
        }
    }
}

/// An embedded L1 receipt as derivation reads it.
fn l1_receipt(receipt: &alloy::consensus::ReceiptEnvelope) -> L1Receipt {
    L1Receipt { success: receipt.status(), logs: receipt.logs().to_vec() }
}

/// A block header from an L1 over RPC, sealed with the hash the node reported.
async fn rpc_block(client: &DynProvider, tag: BlockNumberOrTag) -> Result<Option<Sealed<alloy::consensus::Header>>, String> {
    let block = client.get_block_by_number(tag).await.map_err(|e| format!("reading L1 block {tag}: {e}"))?;
    Ok(block.map(|b| Sealed::new_unchecked(b.header.inner, b.header.hash)))
}

/// Why a network could not start or a wait failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    #[error("upgrade bundle: {0}")]
    Bundle(#[from] crate::spec::BundleSourceError),
    #[error("binding an RPC server on 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
    #[error("no L2 named `{0}` in this network")]
    UnknownChain(String),
    #[error("{chain} did not reach block {target} within {waited:?} (head is {head}; block time {block_time} s){}", .failure.as_ref().map(|f| format!("; the sequencer stopped: {f}")).unwrap_or_default())]
    Timeout { chain: String, target: u64, head: u64, waited: Duration, block_time: u64, failure: Option<String> },
    #[error("the L1: {0}")]
    L1(String),
    #[error("{fork} is not scheduled on this network")]
    Unscheduled { fork: Fork },
}

/// An RPC endpoint and its chain id.
#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    pub rpc: String,
    pub chain_id: u64,
}

/// One running L2.
#[derive(Clone, Debug, Serialize)]
pub struct L2Endpoint {
    pub name: String,
    pub chain_id: u64,
    pub rpc: String,
    /// The L2's contracts on L1.
    pub l1_contracts: L1Contracts,
    /// Owns the L2's SystemConfig (and its other L1 roles, on dev networks).
    pub system_config_owner: Address,
    #[serde(skip)]
    pub rollup: RollupConfig,
}

/// A running network. Dropping it stops every producer and server.
pub struct Devnet {
    pub genesis_time: u64,
    pub l1: Endpoint,
    pub l2: Vec<L2Endpoint>,
    pub forks: BTreeMap<Fork, u64>,
    l2_nodes: Vec<Arc<Node<L2Chain>>>,
    targets: Vec<Arc<BlockTarget>>,
    failure: Arc<Mutex<Option<String>>>,
    tasks: Vec<JoinHandle<()>>,
    _servers: Vec<RpcServer>,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A signed EIP-1559 transfer with exactly the nonce and fee cap given (tip: a tenth of the
/// cap): what load and pool checks need and a wallet would not send (a nonce gap, a fee bump).
pub fn signed_transfer(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    max_fee: u128,
    to: alloy::primitives::Address,
    value: alloy::primitives::U256,
) -> alloy::primitives::Bytes {
    let tx = alloy::consensus::TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_fee / 10,
        to: to.into(),
        value,
        ..Default::default()
    };
    sign_eip1559(signer, tx)
}

/// `tx` signed by `signer`, encoded for `eth_sendRawTransaction`.
pub fn sign_eip1559(signer: &PrivateKeySigner, mut tx: alloy::consensus::TxEip1559) -> alloy::primitives::Bytes {
    use alloy::{consensus::SignableTransaction, eips::eip2718::Encodable2718, network::TxSignerSync};
    let signature = signer.sign_transaction_sync(&mut tx).expect("a local key signs");
    alloy::consensus::TxEnvelope::from(tx.into_signed(signature)).encoded_2718().into()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn client_version(role: &str, clock: ClockMode) -> String {
    let clock = match clock {
        ClockMode::Fast => "fast",
        ClockMode::Realtime => "realtime",
    };
    format!("op-harness/v{}/{role}/clock-{clock}", env!("CARGO_PKG_VERSION"))
}

impl Devnet {
    /// Builds genesis and starts the L1 and every L2 of `spec`.
    pub async fn start(spec: &NetworkSpec, options: DevnetOptions) -> Result<Self, DevnetError> {
        let given = options.l2_genesis.as_deref();
        let genesis_time = given.map(|g| g.timestamp).or(options.genesis_time).unwrap_or_else(unix_now);
        let NetworkFiles { l1: l1_genesis, deployment, l2: l2_files } = crate::config::for_network(spec, genesis_time, given)?;
        let owner = deployment.owner;
        if options.l1_rpc.is_some() && deployment.upgrade.is_some() {
            return Err(DevnetError::L1("the spec schedules a live L1 upgrade, which only the embedded L1 mines; run it on the embedded backend".into()));
        }
        let mut servers = Vec::new();
        let mut tasks = Vec::new();
        let failure = Arc::new(Mutex::new(None));
        let (l1, l1_url) = match &options.l1_rpc {
            Some(url) => (L1Source::Rpc(connect_l1(url, spec.l1.chain_id).await?), url.clone()),
            None => {
                let mut chain = L1Chain::new(
                    spec.l1.chain_id,
                    spec.l1.block_time,
                    l1_genesis.header.clone(),
                    l1_genesis.state.clone(),
                );
                if let Some(plan) = deployment.upgrade.clone() {
                    chain = chain.with_schedule(L1Schedule::new(plan, options.l1_fault));
                }
                let node = Node::new(chain, spec.l1.chain_id, client_version("l1", options.clock));
                let mut methods = eth::module(node.clone());
                if options.clock == ClockMode::Fast {
                    methods.merge(mine_module(node.clone())).expect("distinct names");
                }
                let server = RpcServer::start(methods, None).await?;
                let url = server.url();
                servers.push(server);
                tasks.push(match options.clock {
                    ClockMode::Realtime => tokio::spawn(produce_l1_realtime(node.clone(), failure.clone())),
                    ClockMode::Fast => tokio::spawn(keep_l1_alive(node.clone())),
                });
                (L1Source::Embedded(node), url)
            }
        };
        let l1_head = l1.head().await.map_err(DevnetError::L1)?;
        let mut devnet = Self {
            genesis_time,
            l1: Endpoint { rpc: l1_url, chain_id: spec.l1.chain_id },
            l2: Vec::new(),
            forks: spec.schedule().scheduled().map(|(f, o)| (f, genesis_time + o)).collect(),
            l2_nodes: Vec::new(),
            targets: Vec::new(),
            failure,
            tasks,
            _servers: servers,
        };
        for (index, mut files) in l2_files.into_iter().enumerate() {
            // The L2 starts on whichever L1 block is the head now.
            files.rollup.genesis.l1 = crate::config::BlockRef { number: l1_head.number, hash: l1_head.hash() };
            devnet.start_l2(spec, index, files, owner, origin_of(&l1_head), &l1, &options).await?;
        }
        Ok(devnet)
    }

    #[allow(clippy::too_many_arguments, reason = "the parts of one L2's start, each from a different source")]
    async fn start_l2(
        &mut self,
        spec: &NetworkSpec,
        index: usize,
        files: L2Files,
        owner: Address,
        origin: L1Origin,
        l1: &L1Source,
        options: &DevnetOptions,
    ) -> Result<(), DevnetError> {
        let port = options
            .rpc_port
            .map(|p| p.checked_add(index as u16).ok_or_else(|| std::io::Error::other(format!("L2 {index} would need port {p} + {index}, past 65535"))))
            .transpose()?;
        let l2 = &spec.l2[index];
        let schedule = spec.schedule();
        let rules = ChainRules { schedule, genesis_time: self.genesis_time, block_time: l2.block_time, fault: options.fault };
        let bundles = schedule
            .live_forks()
            .map(|(fork, _)| Ok((fork, spec.upgrade_bundles(fork)?)))
            .collect::<Result<_, crate::spec::BundleSourceError>>()?;
        let rollup = &files.rollup;
        let config = L2Config {
            name: l2.name.clone(),
            chain_id: l2.chain_id,
            l1: L1Addresses { portal: rollup.deposit_contract_address, system_config: rollup.l1_system_config_address },
            rules,
            bundles,
        };
        let system_config = L2SystemConfig::from_genesis(&rollup.genesis.system_config);
        let chain = L2Chain::new(config, files.genesis.header.clone(), files.genesis.state.clone(), origin, system_config);
        let node = Node::new(chain, l2.chain_id, client_version("l2", options.clock));
        let (target, target_rx) = BlockTarget::new(&node, l2.block_time);
        let methods = {
            let mut m = eth::module(node.clone());
            m.merge(op::module(op::OpContext { node: node.clone(), rollup: files.rollup.clone() })).expect("distinct names");
            if options.clock == ClockMode::Fast {
                m.merge(l2_mine_module(node.clone(), target.clone())).expect("distinct names");
            }
            m
        };
        let server = RpcServer::start(methods, port).await?;
        let producer = Producer { l2: node.clone(), l1: l1.clone(), failure: self.failure.clone() };
        self.tasks.push(tokio::spawn(producer.run(options.clock, target_rx)));
        self.l2.push(L2Endpoint {
            name: l2.name.clone(),
            chain_id: l2.chain_id,
            rpc: server.url(),
            l1_contracts: files.contracts,
            system_config_owner: owner,
            rollup: files.rollup,
        });
        self.l2_nodes.push(node);
        self.targets.push(target);
        self._servers.push(server);
        Ok(())
    }

    /// The prefunded dev signers (the standard test mnemonic).
    pub fn signers(&self) -> &'static [PrivateKeySigner] {
        dev_signers()
    }

    fn chain_index(&self, name: &str) -> Result<usize, DevnetError> {
        self.l2.iter().position(|l| l.name == name).ok_or_else(|| DevnetError::UnknownChain(name.to_owned()))
    }

    /// The in-process L2 node, for checks that look beneath RPC.
    pub fn l2_node(&self, name: &str) -> Result<&Arc<Node<L2Chain>>, DevnetError> {
        Ok(&self.l2_nodes[self.chain_index(name)?])
    }

    /// Waits until L2 `name` has block `target`, asking its sequencer for it on the fast clock.
    /// The deadline follows from the block time (see [`BlockTarget::reach`]).
    pub async fn wait_for_block(&self, name: &str, target: u64) -> Result<(), DevnetError> {
        let index = self.chain_index(name)?;
        let wanted = &self.targets[index];
        wanted.reach(target).await.map_err(|missed| DevnetError::Timeout {
            chain: name.to_owned(),
            target,
            head: missed.head,
            waited: missed.waited,
            block_time: wanted.block_time,
            failure: self.failure.lock().map(|f| f.clone()).unwrap_or_default(),
        })
    }

    /// Waits until `fork` is active on L2 `name`: its activation block exists.
    pub async fn wait_for_fork(&self, name: &str, fork: Fork) -> Result<u64, DevnetError> {
        let index = self.chain_index(name)?;
        let rollup = &self.l2[index].rollup;
        let offset = rollup.fork_time(fork).map(|t| t - rollup.genesis.l2_time);
        let offset = offset.or((fork == Fork::Bedrock).then_some(0)).ok_or(DevnetError::Unscheduled { fork })?;
        let block = offset.div_ceil(self.targets[index].block_time);
        self.wait_for_block(name, block).await?;
        Ok(block)
    }

    /// The line `harness up --json` prints when the network is ready.
    pub fn ready_line(&self) -> serde_json::Value {
        let forks: BTreeMap<&str, u64> = self.forks.iter().map(|(f, t)| (f.name(), *t)).collect();
        serde_json::json!({ "l1": self.l1, "l2": self.l2, "genesis_time": self.genesis_time, "forks": forks })
    }
}

/// A client of an L1 over RPC, checked to be the spec's chain.
async fn connect_l1(url: &str, chain_id: u64) -> Result<DynProvider, DevnetError> {
    let client = ProviderBuilder::new().connect(url).await.map_err(|e| DevnetError::L1(format!("connecting to {url}: {e}")))?.erased();
    let actual = client.get_chain_id().await.map_err(|e| DevnetError::L1(format!("{url} does not answer eth_chainId: {e}")))?;
    if actual != chain_id {
        return Err(DevnetError::L1(format!("{url} is chain {actual}, but the spec's [l1] says chain_id = {chain_id}")));
    }
    Ok(client)
}

/// How long a fast-mode producer waits with nothing to do before building an empty block, so
/// that heads advance for clients that poll.
const FAST_IDLE: Duration = Duration::from_millis(100);

/// Builds one L2's blocks.
struct Producer {
    l2: Arc<Node<L2Chain>>,
    l1: L1Source,
    failure: Arc<Mutex<Option<String>>>,
}

impl Producer {
    async fn run(self, clock: ClockMode, mut target: watch::Receiver<u64>) {
        self.l2.write(|chain| {
            let boundaries = fork_boundaries(&chain.config.rules);
            chain.store.pin(boundaries);
        });
        // In fast mode the first block comes at once: a fresh network is usable immediately.
        let mut first = clock == ClockMode::Fast;
        loop {
            if !std::mem::take(&mut first) {
                self.wait_for_work(clock, &mut target).await;
            }
            let wanted = *target.borrow();
            if let Err(reason) = self.catch_up(clock, wanted).await {
                tracing::error!(chain = %self.l2.read().config.name, %reason, "sequencer stopped");
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
                return;
            }
        }
    }

    /// Fast mode: a transaction, a waiter, or the idle tick. Real time: the next block's time.
    async fn wait_for_work(&self, clock: ClockMode, target: &mut watch::Receiver<u64>) {
        match clock {
            ClockMode::Fast => {
                tokio::select! {
                    () = self.l2.wake.notified() => {}
                    _ = target.changed() => {}
                    () = tokio::time::sleep(FAST_IDLE) => {}
                }
            }
            ClockMode::Realtime => {
                let next = self.l2.read().next_timestamp();
                tokio::time::sleep(Duration::from_secs(next.saturating_sub(unix_now()))).await;
            }
        }
    }

    /// Builds at least one block, and in fast mode keeps going while a waiter wants a higher
    /// block, or while pending transactions remain and the last block took some from the pool.
    /// Queued ones (behind a nonce gap) and pending ones that fit no block yet wait, as on geth,
    /// for a new transaction or the idle tick, instead of driving empty blocks. It yields
    /// between blocks so that RPC and shutdown keep their turn.
    async fn catch_up(&self, clock: ClockMode, target: u64) -> Result<(), String> {
        loop {
            let took_from_pool = self.build_one(clock).await?;
            let more = {
                let chain = self.l2.read();
                let state = &chain.head().state;
                clock == ClockMode::Fast
                    && (chain.head().number() < target || (took_from_pool && chain.pool.has_pending(|a| state_nonce(state, a))))
            };
            if !more {
                return Ok(());
            }
            tokio::task::yield_now().await;
        }
    }

    /// Builds the next block; whether it took transactions from the pool (included or dropped).
    async fn build_one(&self, clock: ClockMode) -> Result<bool, String> {
        let (timestamp, current) = {
            let chain = self.l2.read();
            (chain.next_timestamp(), chain.head().extra.origin)
        };
        let (origin, epoch) = self.l1.origin_for(clock, current, timestamp).await?;
        // Executed outside the chain's lock, so transactions keep arriving (for the next block)
        // and RPC keeps answering while this one builds.
        let next = self.l2.read().next_block(origin, epoch.as_deref());
        let built = next.execute().map_err(|e| e.to_string())?;
        let (rejected, took_from_pool) = self
            .l2
            .write(|chain| {
                let waiting = chain.pool.len();
                let rejected = chain.append(built)?;
                let state = &chain.store.head().state;
                chain.pool.drop_stale(|a| state_nonce(state, a));
                Ok::<_, crate::node::l2::chain::BuildError>((rejected, chain.pool.len() < waiting))
            })
            .map_err(|e| e.to_string())?;
        for r in rejected {
            tracing::debug!(hash = %r.hash, reason = %r.reason, "transaction left out");
        }
        Ok(took_from_pool)
    }
}

/// How many blocks after each activation keep their state for the whole run. The suites read
/// state a few blocks into a fork (the activation block's successors up to `activation + 4`);
/// on a fast-clock network that lives for a whole test run those blocks leave the store's
/// state window within two minutes, so they are pinned with a margin.
pub const PINNED_AFTER_ACTIVATION: u64 = 8;

/// Genesis and the blocks around each live fork's activation (the one before it, the
/// activation block and [`PINNED_AFTER_ACTIVATION`] after): the acceptance suites compare state
/// across them for the whole run, so their state outlives the store's window.
fn fork_boundaries(rules: &ChainRules) -> Vec<u64> {
    let activations = rules.schedule.live_forks().filter_map(|(fork, _)| rules.schedule.activation_block(fork, rules.block_time));
    std::iter::once(0)
        .chain(activations)
        .flat_map(|block| block.saturating_sub(1)..=block + PINNED_AFTER_ACTIVATION)
        .collect()
}

/// Real-time L1 blocks every block time.
async fn produce_l1_realtime(l1: Arc<Node<L1Chain>>, failure: Arc<Mutex<Option<String>>>) {
    loop {
        let next = { let chain = l1.read(); chain.head().header.timestamp + chain.block_time };
        tokio::time::sleep(Duration::from_secs(next.saturating_sub(unix_now()))).await;
        if let Err(e) = l1.write(L1Chain::build_next) {
            *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!("L1: {e}"));
            return;
        }
    }
}

/// In fast mode the L1 grows with the L2; this also mines L1 transactions as they arrive.
async fn keep_l1_alive(l1: Arc<Node<L1Chain>>) {
    loop {
        l1.wake.notified().await;
        if l1.write(|c| if c.pool.is_empty() { Ok(Vec::new()) } else { c.build_next() }).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::{forks::Fork, spec::ForkSchedule};

    /// The suites read a fork's early blocks at any time during a run; those must stay pinned.
    #[test]
    fn genesis_and_each_activations_first_blocks_are_pinned() {
        let mut schedule = ForkSchedule::default();
        schedule.set(Fork::Karst, Some(8));
        let rules = ChainRules { schedule, genesis_time: 1_000, block_time: 2, fault: None };
        let pinned: BTreeSet<u64> = fork_boundaries(&rules).into_iter().collect();
        let karst = 4;
        for block in (0..=PINNED_AFTER_ACTIVATION).chain(karst - 1..=karst + PINNED_AFTER_ACTIVATION) {
            assert!(pinned.contains(&block), "block {block} is not pinned: {pinned:?}");
        }
        assert!(!pinned.contains(&(karst + PINNED_AFTER_ACTIVATION + 1)));
    }
}
