//! The network a test runs against, and what it knows about the network's forks.

use std::{collections::BTreeMap, path::PathBuf, str::FromStr, time::Duration};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::U256,
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, bail};
use harness::{
    devnet::{Devnet, DevnetOptions},
    forks::{Fork, UpgradeBundle, feature},
    genesis::dev_signers,
    node::l2::chain::Fault,
    spec::{ClockMode, Mode, NetworkSpec},
    verdict::{INFRA_MARKER, NOT_APPLICABLE_MARKER},
};
use op_alloy::{network::Optimism, rpc_types::OpTransactionReceipt};

use crate::{env, wallet::{Wallet, connect, salted_signer}};

/// Seconds after genesis at which a per-test Betanet activates the fork under test: four L2
/// blocks, so that there are blocks before it to check the feature's absence on.
pub const LIVE_OFFSET: u64 = 8;

/// Value each test account is funded with.
const FUNDING: U256 = alloy::primitives::uint!(10_000_000_000_000_000_000_U256);

/// When the network's forks activate, read from `optimism_rollupConfig`.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub genesis_time: u64,
    pub block_time: u64,
    pub forks: BTreeMap<Fork, u64>,
}

impl Schedule {
    fn from_rollup_config(config: &serde_json::Value) -> anyhow::Result<Self> {
        let number = |v: &serde_json::Value| v.as_u64();
        let genesis_time = number(&config["genesis"]["l2_time"]).context("rollup config without genesis.l2_time")?;
        let block_time = number(&config["block_time"]).context("rollup config without block_time")?;
        let mut forks: BTreeMap<Fork, u64> = Fork::ALL
            .into_iter()
            .filter_map(|f| Some((f, number(&config[f.rollup_time_key()?])?)))
            .collect();
        forks.insert(Fork::Bedrock, genesis_time);
        Ok(Self { genesis_time, block_time, forks })
    }

    /// The first block at or after `fork`'s activation time.
    pub fn activation_block(&self, fork: Fork) -> Option<u64> {
        self.forks.get(&fork).map(|t| t.saturating_sub(self.genesis_time).div_ceil(self.block_time))
    }

    /// Whether `fork` activated after genesis, so blocks without it exist.
    pub fn is_live(&self, fork: Fork) -> bool {
        self.forks.get(&fork).is_some_and(|t| *t > self.genesis_time)
    }

    /// Whether block `number` activates a fork live (its gas limit may carry upgrade gas).
    pub fn is_activation_block(&self, number: u64) -> bool {
        self.forks.keys().any(|f| self.is_live(*f) && self.activation_block(*f) == Some(number))
    }
}

/// The L1 contracts an L2 derives from, as its rollup config names them.
#[derive(Clone, Copy, Debug)]
pub struct L1Addresses {
    pub portal: alloy::primitives::Address,
    pub system_config: alloy::primitives::Address,
}

impl L1Addresses {
    fn from_rollup_config(config: &serde_json::Value) -> anyhow::Result<Self> {
        let address = |key: &str| serde_json::from_value(config[key].clone()).with_context(|| format!("rollup config without {key}"));
        Ok(Self { portal: address("deposit_contract_address")?, system_config: address("l1_system_config_address")? })
    }
}

/// The network under test and clients for it.
pub struct TestNet {
    pub mode: Mode,
    /// Where the network came from, for messages: a spec name or an RPC URL.
    pub origin: String,
    pub schedule: Schedule,
    pub l2: DynProvider<Optimism>,
    pub l1: DynProvider,
    /// The L2's contracts on L1 its rollup config names.
    pub l1_addresses: L1Addresses,
    l2_url: String,
    l1_url: String,
    salt: String,
    faucet: PrivateKeySigner,
    /// The spec, when known (embedded networks, or `HARNESS_SPEC` for attached ones).
    pub spec: Option<NetworkSpec>,
    devnet: Option<Devnet>,
    accounts: std::sync::atomic::AtomicU32,
    /// Whether the attached L2 answers `anvil_mine` (until it says it has no such method).
    l2_mines: std::sync::atomic::AtomicBool,
}

/// JSON-RPC's code for a method the server does not have.
const METHOD_NOT_FOUND: i64 = -32601;

fn networks_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../networks")
}

/// Whether a send failed because a concurrent sender took the same nonce.
fn is_nonce_race(err: &anyhow::Error) -> bool {
    harness::node::rpc::error::is_nonce_race(&format!("{err:#}"))
}

/// Runs `send` until it does not lose a nonce race. On a shared network another test may take
/// a shared account's next nonce (the faucet's, the SystemConfig owner's) between the nonce
/// lookup and the send; that is retried a bounded number of times.
pub(crate) async fn retry_nonce_races<T, F: std::future::Future<Output = anyhow::Result<T>>>(account: &str, mut send: impl FnMut() -> F) -> anyhow::Result<T> {
    const ATTEMPTS: usize = 5;
    let mut last = None;
    for _ in 0..ATTEMPTS {
        match send().await {
            Err(e) if is_nonce_race(&e) => last = Some(e),
            done => return done,
        }
    }
    Err(last.expect("at least one attempt").context(format!("{account}'s nonce contended {ATTEMPTS} times")))
}

/// The spec a fresh network for `fork` is built from in `mode`.
/// The Alphanet is the shipped one, extended to every fork through `fork` at genesis when it
/// stops before it (Lagoon rides the next train); the Betanet starts on the fork before `fork`
/// and activates it live.
pub fn spec_for(mode: Mode, fork: Fork) -> anyhow::Result<NetworkSpec> {
    spec_from(&format!("{}.toml", mode.name()), mode, fork)
}

/// As [`spec_for`], from another spec under `networks/` (`examples/alphanet-example.toml`).
pub fn spec_from(file: &str, mode: Mode, fork: Fork) -> anyhow::Result<NetworkSpec> {
    let base = NetworkSpec::load(networks_dir().join(file))?;
    Ok(match mode {
        Mode::Alphanet if base.schedule().offset(fork).is_none() => base.all_at_genesis_through(fork),
        Mode::Alphanet => base,
        Mode::Betanet => base.upgrading_to(fork.max(Fork::Regolith), LIVE_OFFSET),
    })
}

impl TestNet {
    /// The network for a test of feature `id`.
    pub async fn for_feature(id: &str) -> Self {
        let fork = feature(id).unwrap_or_else(|| panic!("`{id}` is not in the feature catalog")).fork;
        Self::for_fork(fork).await
    }

    /// The network the environment names, or a fresh embedded one in the profile's mode that
    /// schedules `fork` (live in Betanet mode).
    pub async fn for_fork(fork: Fork) -> Self {
        Self::for_spec(|| spec_for(env::mode(), fork)).await
    }

    /// A fresh embedded network of `spec`, optionally with a deliberate fault.
    pub async fn embedded(spec: NetworkSpec, fault: Option<Fault>) -> anyhow::Result<Self> {
        Self::start(spec, DevnetOptions { fault, ..Default::default() }).await
    }

    /// The network the environment names, or a fresh embedded one of `spec`.
    pub async fn for_spec(spec: impl FnOnce() -> anyhow::Result<NetworkSpec>) -> Self {
        let net = match env::external_l2() {
            Some(url) => Self::attach(&url).await,
            None => Self::embedded(spec().expect("the shipped specs load"), None).await,
        };
        net.unwrap_or_else(|e| panic!("{INFRA_MARKER} the network failed to start: {e:#}"))
    }

    /// A fresh embedded network of `spec` on the fast clock, with `options`' faults.
    pub async fn start(spec: NetworkSpec, options: DevnetOptions) -> anyhow::Result<Self> {
        let devnet = Devnet::start(&spec, DevnetOptions { clock: ClockMode::Fast, ..options }).await?;
        let l2_url = devnet.l2[0].rpc.clone();
        let mut net = Self::connect(&l2_url, &devnet.l1.rpc, spec.mode, spec.name.clone()).await?;
        net.devnet = Some(devnet);
        net.spec = Some(spec);
        Ok(net)
    }

    /// The network at `HARNESS_L2_RPC` (and `HARNESS_L1_RPC`).
    async fn attach(l2_url: &str) -> anyhow::Result<Self> {
        let l1_url = std::env::var(env::L1_RPC).with_context(|| format!("{} is set but {} is not", env::L2_RPC, env::L1_RPC))?;
        let mut net = Self::connect(l2_url, &l1_url, env::mode(), l2_url.to_owned()).await?;
        if let Ok(path) = std::env::var(env::SPEC) {
            net.spec = Some(NetworkSpec::load(&path)?);
        }
        if let Ok(key) = std::env::var(env::FAUCET_KEY) {
            net.faucet = PrivateKeySigner::from_str(&key).context("HARNESS_FAUCET_KEY is not a private key")?;
        }
        Ok(net)
    }

    async fn connect(l2_url: &str, l1_url: &str, mode: Mode, origin: String) -> anyhow::Result<Self> {
        let l2: DynProvider<Optimism> = connect(l2_url)?;
        let config: serde_json::Value = l2.raw_request("optimism_rollupConfig".into(), ()).await?;
        let salt = env::salt();
        // Spread tests over the dev accounts so concurrent funding rarely shares a faucet nonce.
        let faucet_index = 1 + (alloy::primitives::keccak256(&salt)[0] as usize % (dev_signers().len() - 1));
        Ok(Self {
            mode,
            origin,
            schedule: Schedule::from_rollup_config(&config)?,
            l1_addresses: L1Addresses::from_rollup_config(&config)?,
            l2,
            l1: connect(l1_url)?,
            l2_url: l2_url.to_owned(),
            l1_url: l1_url.to_owned(),
            salt,
            faucet: dev_signers()[faucet_index].clone(),
            spec: None,
            devnet: None,
            accounts: Default::default(),
            l2_mines: true.into(),
        })
    }

    /// The upgrade bundles of `fork`: the spec's, else the built-in one.
    pub fn bundles(&self, fork: Fork) -> anyhow::Result<Vec<UpgradeBundle>> {
        match &self.spec {
            Some(spec) => Ok(spec.upgrade_bundles(fork)?),
            None => Ok(UpgradeBundle::builtin(fork).into_iter().collect()),
        }
    }

    /// The embedded network, when this test started one.
    pub fn devnet(&self) -> Option<&Devnet> {
        self.devnet.as_ref()
    }

    /// How long to wait for a transaction's receipt: a few block times.
    pub fn receipt_deadline(&self) -> Duration {
        Duration::from_secs(3 * self.schedule.block_time + 10)
    }

    /// Waits until block `number` exists. An embedded network's sequencer is asked for it; so is
    /// an attached one that answers `anvil_mine` (the harness's L2 on the fast clock, whose idle
    /// sequencer would otherwise build ten blocks a second). Any other is polled, 10 ms apart at
    /// first and backing off to a quarter block time, until the harness's block deadline.
    pub async fn wait_for_block(&self, number: u64) -> anyhow::Result<()> {
        if let Some(devnet) = &self.devnet {
            return Ok(devnet.wait_for_block(&devnet.l2[0].name, number).await?);
        }
        let head = self.l2.get_block_number().await?;
        if head >= number || self.mine(number - head).await? {
            return Ok(());
        }
        let deadline = harness::node::l2::target::block_deadline(number - head, self.schedule.block_time);
        let longest = Duration::from_millis((self.schedule.block_time * 250).clamp(20, 1000));
        let until = tokio::time::Instant::now() + deadline;
        let mut pause = Duration::from_millis(10);
        while tokio::time::Instant::now() < until {
            if self.l2.get_block_number().await? >= number {
                return Ok(());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(longest);
        }
        bail!("{} did not reach block {number} within {deadline:?}", self.origin)
    }

    /// Asks the attached L2 for `count` more blocks with `anvil_mine`; false when it has no such
    /// method (a real-time or third-party node), which is remembered.
    async fn mine(&self, count: u64) -> anyhow::Result<bool> {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.l2_mines.load(Relaxed) {
            return Ok(false);
        }
        match self.l2.raw_request::<_, ()>("anvil_mine".into(), (U256::from(count),)).await {
            Ok(()) => Ok(true),
            Err(e) if e.as_error_resp().is_some_and(|r| r.code == METHOD_NOT_FOUND) => {
                self.l2_mines.store(false, Relaxed);
                Ok(false)
            }
            Err(e) => Err(e).with_context(|| format!("asking {} for {count} blocks with anvil_mine", self.origin)),
        }
    }

    /// Precondition: `fork` is scheduled here; waits for its activation block and returns it.
    /// An unscheduled fork fails the test (acceptance runs never skip). A chain that stops
    /// right before the activation block fails the fork; one that stops earlier is
    /// infrastructure.
    pub async fn require(&self, fork: Fork) -> u64 {
        let Some(block) = self.schedule.activation_block(fork) else {
            panic!("precondition failed: {fork} is not scheduled on network {} ({} mode); this test needs it active", self.origin, self.mode.name());
        };
        if let Err(e) = self.wait_for_block(block).await {
            let head = self.l2.get_block_number().await.ok();
            if halted_at_activation(head, block) {
                panic!("{fork}'s activation halted the chain: it built block {} and never activation block {block}: {e:#}", head.unwrap_or_default());
            }
            panic!("{INFRA_MARKER} waiting for {fork}: {e:#}");
        }
        block
    }

    /// The last block before `fork`, when this network activated it live. Where it is active
    /// at genesis there is none, and the "absent before" part of the calling check is recorded
    /// as not applicable: it is never counted as passed.
    pub fn before(&self, fork: Fork) -> Option<BlockNumberOrTag> {
        let live = self.schedule.is_live(fork).then(|| self.schedule.activation_block(fork)).flatten();
        if live.is_none() {
            self.not_applicable(&format!("absent before {fork}"), format!("{fork} is active at genesis on {}", self.origin));
        }
        live.map(|b| BlockNumberOrTag::Number(b - 1))
    }

    /// Records that `part` of the running check does not apply to this network, and why. The
    /// verdict reads the marker from the test's output.
    pub fn not_applicable(&self, part: &str, why: impl std::fmt::Display) {
        println!("{NOT_APPLICABLE_MARKER} {part}: {why}");
    }

    /// The blocks from `fork`'s activation on where its rule is the one in effect: until `later`
    /// (a fork that replaces the rule) activates. `None`, recorded as not applicable, when
    /// `later` replaced it from the start.
    pub fn rule_in_effect(&self, fork: Fork, later: Fork, rule: &str) -> Option<std::ops::Range<u64>> {
        let start = self.schedule.activation_block(fork)?;
        let end = self.schedule.activation_block(later).unwrap_or(u64::MAX);
        if end <= start {
            self.not_applicable(rule, format!("{later} replaces {fork}'s rule from genesis on {}", self.origin));
            return None;
        }
        Some(start..end)
    }

    /// A fresh account of this test, funded from the faucet.
    pub async fn wallet(&self) -> anyhow::Result<Wallet> {
        let index = self.accounts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let wallet = Wallet::new(&self.l2_url, salted_signer(&self.salt, index), self.receipt_deadline())?;
        let receipt = self.fund(wallet.address()).await?;
        anyhow::ensure!(crate::wallet::succeeded(&receipt), "funding transaction {} failed", receipt.inner.transaction_hash);
        Ok(wallet)
    }

    /// Sends the funding transfer.
    async fn fund(&self, to: alloy::primitives::Address) -> anyhow::Result<OpTransactionReceipt> {
        let faucet = self.faucet();
        retry_nonce_races("the faucet", || faucet.transfer(to, FUNDING)).await.context("funding a test account")
    }

    /// The L1's RPC URL.
    pub fn l1_url(&self) -> &str {
        &self.l1_url
    }

    /// The L2's RPC URL.
    pub fn l2_url(&self) -> &str {
        &self.l2_url
    }

    /// Seconds between L1 blocks: the spec's, else mainnet's 12.
    pub fn l1_block_time(&self) -> u64 {
        self.spec.as_ref().map_or(12, |s| s.l1.block_time)
    }

    /// The `index`-th extra key of this test in namespace `space` (for accounts on L1).
    pub fn salted_signer(&self, space: &str) -> PrivateKeySigner {
        let index = self.accounts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        salted_signer(&format!("{} {space}", self.salt), index)
    }

    /// The dev account this test funds its accounts from (on both chains).
    pub fn faucet_signer(&self) -> PrivateKeySigner {
        self.faucet.clone()
    }

    /// The faucet account itself.
    pub fn faucet(&self) -> Wallet {
        Wallet::new(&self.l2_url, self.faucet.clone(), self.receipt_deadline()).expect("the L2 URL parsed before")
    }

    /// Checks that, from block `from` on, every transaction touching one of `wallets` was sent
    /// by them or funded them from this test's faucet: on a shared network, nothing foreign
    /// reached this test's accounts.
    pub async fn assert_isolated(&self, from: u64, wallets: &[&Wallet]) -> anyhow::Result<()> {
        use alloy::{consensus::Transaction as _, network::TransactionResponse as _};
        let ours: Vec<_> = wallets.iter().map(|w| w.address()).collect();
        let sent: Vec<_> = wallets.iter().flat_map(|w| w.sent()).collect();
        let head = self.l2.get_block_number().await?;
        for number in from..=head {
            let block = self.l2.get_block_by_number(number.into()).full().await?.context("block missing")?;
            for tx in block.transactions.into_transactions() {
                let to = tx.inner.inner.inner().to();
                let touches = ours.contains(&tx.from()) || to.is_some_and(|t| ours.contains(&t));
                let expected = sent.contains(&tx.tx_hash()) || (tx.from() == self.faucet.address() && to.is_some_and(|t| ours.contains(&t)));
                anyhow::ensure!(!touches || expected, "foreign transaction {} in block {number} touched this test's accounts", tx.tx_hash());
            }
        }
        Ok(())
    }

    /// The receipt of `hash`, waiting for it.
    pub async fn receipt(&self, hash: alloy::primitives::B256) -> anyhow::Result<OpTransactionReceipt> {
        crate::wallet::wait_receipt(&self.l2, hash, self.receipt_deadline()).await
    }
}

/// Whether a chain that did not reach `activation` stopped at the fork: it built the block
/// before, so the fork's first block is what failed (the fork's fault). A chain that stopped
/// earlier, or a node that no longer answers, tells nothing about the fork (infrastructure).
fn halted_at_activation(head: Option<u64>, activation: u64) -> bool {
    head.is_some_and(|head| head + 1 >= activation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_halt_right_before_the_activation_block_is_the_forks_fault() {
        assert!(halted_at_activation(Some(9), 10), "stopped at the block before the fork");
        assert!(!halted_at_activation(Some(5), 10), "stopped well before: the network's fault");
        assert!(!halted_at_activation(None, 10), "the node no longer answers");
    }
}
