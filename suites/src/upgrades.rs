//! What a fork's activation block must hold, derived in the test from the official sources and
//! not from what the harness parsed: kona-hardforks' transactions for the forks it ships, and
//! each NUT bundle file read afresh, its sha256 checked against its lock or pin, its deposits
//! built the way op-node builds them. From the transactions follow what they must leave behind:
//! contracts at their CREATE or CREATE2 addresses, proxies pointing at new implementations.

use std::collections::BTreeMap;

use alloy::{
    eips::eip2718::Encodable2718,
    primitives::{Address, B256, Bytes, TxKind, address, keccak256},
    sol_types::SolCall,
};
use anyhow::{Context, bail, ensure};
use harness::{
    forks::Fork,
    spec::{BundleLocation, NetworkSpec},
};
use op_alloy::consensus::{
    TxDeposit, UpgradeDepositSource,
    nuts::{NetworkUpgradeTransaction, NutBundle},
};
use sha2::{Digest, Sha256};

use crate::TestNet;

/// The deterministic-deployment ("Arachnid") CREATE2 factory the NUT bundles deploy through.
pub const CREATE2_FACTORY: Address = address!("4e59b44847b379578588920cA78FbF26c0B4956C");
/// The ConditionalDeployer predeploy proxy Karst installs.
pub const CONDITIONAL_DEPLOYER: Address = address!("420000000000000000000000000000000000002C");
/// The L2 ProxyAdmin predeploy.
pub const L2_PROXY_ADMIN: Address = address!("4200000000000000000000000000000000000018");

alloy::sol! {
    interface Proxy {
        function upgradeTo(address implementation) external;
    }
    interface ConditionalDeployer {
        function deploy(bytes32 salt, bytes initcode) external returns (address);
    }
    interface L2ProxyAdmin {
        function upgradePredeploys(address l2ContractsManager) external;
    }
}

/// One upgrade deposit as op-node would build it.
#[derive(Clone, Debug)]
pub struct ExpectedTx {
    /// The bundle's intent, or a description for kona's transactions (which carry none).
    pub intent: String,
    pub deposit: TxDeposit,
    /// keccak256 of the EIP-2718 bytes: the L2 transaction hash.
    pub hash: B256,
    /// From the fork's official source (kona, a locked NUT bundle), not a team's own bundle.
    pub official: bool,
}

impl ExpectedTx {
    fn new(intent: String, deposit: TxDeposit, official: bool) -> Self {
        let hash = keccak256(deposit.encoded_2718());
        Self { intent, deposit, hash, official }
    }
}

/// The label op-node puts before a bundle entry's index and intent when it derives the source
/// hash (op-node/rollup/derive/upgrade_transaction.go): bundles from Karst on; Lagoon kept the
/// interop fork's label. Jovian and earlier hash the intent alone.
pub fn qualified_label(fork: Fork) -> Option<&'static str> {
    match fork {
        Fork::Karst => Some("Karst"),
        Fork::Lagoon => Some("Interop"),
        _ => None,
    }
}

/// The upgrade deposits of `fork`'s activation block, in order.
pub fn expected_upgrades(net: &TestNet, fork: Fork) -> anyhow::Result<Vec<ExpectedTx>> {
    match &net.spec {
        Some(spec) => bundle_upgrades(spec, fork),
        None => kona_upgrades(fork).with_context(|| format!("{fork}'s bundle comes from the network's spec; set {} to read it", crate::env::SPEC)),
    }
}

/// The upgrade deposits `spec`'s bundles give `fork`'s activation block, in order.
pub fn bundle_upgrades(spec: &NetworkSpec, fork: Fork) -> anyhow::Result<Vec<ExpectedTx>> {
    let mut txs = Vec::new();
    for location in spec.bundle_locations(fork)? {
        match location {
            BundleLocation::BuiltIn => txs.extend(kona_upgrades(fork)?),
            BundleLocation::File { path, sha256 } => txs.extend(nut_upgrades(fork, &path, sha256.as_deref())?),
        }
    }
    Ok(txs)
}

/// kona-hardforks' upgrade transactions of a fork it ships.
fn kona_upgrades(fork: Fork) -> anyhow::Result<Vec<ExpectedTx>> {
    use kona_hardforks::{Hardfork, Hardforks};
    let raw: Vec<Bytes> = match fork {
        Fork::Ecotone => Hardforks::ECOTONE.txs().collect(),
        Fork::Fjord => Hardforks::FJORD.txs().collect(),
        Fork::Isthmus => Hardforks::ISTHMUS.txs().collect(),
        _ => bail!("kona-hardforks ships no upgrade transactions for {fork}"),
    };
    raw.into_iter()
        .enumerate()
        .map(|(index, raw)| {
            let envelope = <op_alloy::consensus::OpTxEnvelope as alloy::eips::eip2718::Decodable2718>::decode_2718(&mut raw.as_ref())?;
            let deposit = envelope.as_deposit().with_context(|| format!("kona's {fork} transaction {index} is not a deposit"))?.inner().clone();
            let intent = match effect(&deposit) {
                Effect::Deploys { address } => format!("deploy {address} from {}", deposit.from),
                Effect::Upgrades { proxy, implementation } => format!("upgrade proxy {proxy} to {implementation}"),
                _ => format!("call {} on {}", deposit.input.get(..4).map(alloy::hex::encode_prefixed).unwrap_or_default(), deposit.to.to().copied().unwrap_or_default()),
            };
            Ok(ExpectedTx::new(intent, deposit, true))
        })
        .collect()
}

/// A NUT bundle file read afresh: its bytes hashed against `sha256` when a lock or pin gives
/// one, its entries turned into deposits by op-node's rule for `fork`.
fn nut_upgrades(fork: Fork, path: &std::path::Path, sha256: Option<&str>) -> anyhow::Result<Vec<ExpectedTx>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading the {fork} bundle {}", path.display()))?;
    if let Some(pinned) = sha256 {
        let actual = format!("sha256:{}", alloy::hex::encode(Sha256::digest(&bytes)));
        ensure!(actual.eq_ignore_ascii_case(pinned), "{}: sha256 is {actual}, pinned to {pinned}", path.display());
    }
    let json: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", path.display()))?;
    let entries = json["transactions"].as_array().with_context(|| format!("{} has no `transactions` array", path.display()))?;
    let transactions = entries.iter().map(nut_entry).collect::<anyhow::Result<Vec<_>>>()?;
    let intents: Vec<String> = transactions.iter().map(|t| t.intent.clone()).collect();
    let bundle = NutBundle { fork_name: qualified_label(fork).unwrap_or_default().to_owned(), transactions };
    let mut deposits = bundle.to_deposit_transactions()?;
    if qualified_label(fork).is_none() {
        for (deposit, intent) in deposits.iter_mut().zip(&intents) {
            deposit.source_hash = UpgradeDepositSource { intent: intent.clone() }.source_hash();
        }
    }
    let official = sha256.is_some();
    Ok(intents.into_iter().zip(deposits).map(|(intent, deposit)| ExpectedTx::new(intent, deposit, official)).collect())
}

fn nut_entry(entry: &serde_json::Value) -> anyhow::Result<NetworkUpgradeTransaction> {
    let field = |key: &str| entry.get(key).with_context(|| format!("bundle entry without `{key}`: {entry}"));
    Ok(NetworkUpgradeTransaction {
        intent: field("intent")?.as_str().context("`intent` is not a string")?.to_owned(),
        from: serde_json::from_value(field("from")?.clone())?,
        to: serde_json::from_value(field("to")?.clone())?,
        data: serde_json::from_value(field("data")?.clone())?,
        gas_limit: field("gasLimit")?.as_u64().context("`gasLimit` is not a number")?,
    })
}

/// What an upgrade transaction leaves behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Deploys a contract at `address`: CREATE from a fresh deployer (`create_nonce` 0), or
    /// CREATE2 through the factory or the ConditionalDeployer.
    Deploys { address: Address },
    /// Points `proxy` at `implementation`.
    Upgrades { proxy: Address, implementation: Address },
    /// Hands the predeploys to an L2ContractsManager, which upgrades them.
    UpgradesPredeploys { manager: Address },
    /// Any other call (a setter such as `setJovian()`).
    Calls,
}

/// CREATE2 through the deterministic-deployment factory.
pub fn create2(salt: B256, initcode: &[u8]) -> Address {
    CREATE2_FACTORY.create2(salt, keccak256(initcode))
}

/// What `tx` does, read from its fields and calldata.
pub fn effect(tx: &TxDeposit) -> Effect {
    let input = tx.input.as_ref();
    match tx.to {
        TxKind::Create => Effect::Deploys { address: tx.from.create(0) },
        TxKind::Call(CREATE2_FACTORY) if input.len() >= 32 => Effect::Deploys { address: create2(B256::from_slice(&input[..32]), &input[32..]) },
        TxKind::Call(CONDITIONAL_DEPLOYER) if input.starts_with(&ConditionalDeployer::deployCall::SELECTOR) => {
            ConditionalDeployer::deployCall::abi_decode(input).map_or(Effect::Calls, |call| Effect::Deploys { address: create2(call.salt, &call.initcode) })
        }
        TxKind::Call(proxy) if input.starts_with(&Proxy::upgradeToCall::SELECTOR) => {
            Proxy::upgradeToCall::abi_decode(input).map_or(Effect::Calls, |call| Effect::Upgrades { proxy, implementation: call.implementation })
        }
        TxKind::Call(L2_PROXY_ADMIN) if input.starts_with(&L2ProxyAdmin::upgradePredeploysCall::SELECTOR) => {
            L2ProxyAdmin::upgradePredeploysCall::abi_decode(input).map_or(Effect::Calls, |call| Effect::UpgradesPredeploys { manager: call.l2ContractsManager })
        }
        TxKind::Call(_) => Effect::Calls,
    }
}

/// The implementations a bundle deploys by name: `"Deploy L1Block Implementation"` gives
/// `L1Block`, with the address its deployment creates.
pub fn named_deployments(txs: &[ExpectedTx]) -> BTreeMap<String, Address> {
    txs.iter()
        .filter_map(|tx| {
            let name = tx.intent.strip_prefix("Deploy ")?.strip_suffix(" Implementation")?;
            match effect(&tx.deposit) {
                Effect::Deploys { address } => Some((name.to_owned(), address)),
                _ => None,
            }
        })
        .collect()
}

/// The predeploys an L2ContractsManager must upgrade on every chain, by the contract name the
/// bundles' intents use, with kona-protocol's addresses for them. The interop predeploys
/// (CrossL2Inbox, L2ToL2CrossDomainMessenger) are upgraded only on chains with interop enabled,
/// so they are not listed.
pub fn core_predeploys() -> Vec<(&'static str, Address)> {
    use kona_protocol::Predeploys as P;
    vec![
        ("L2CrossDomainMessenger", P::L2_CROSS_DOMAIN_MESSENGER),
        ("GasPriceOracle", P::GAS_PRICE_ORACLE),
        ("L2StandardBridge", P::L2_STANDARD_BRIDGE),
        ("SequencerFeeVault", P::SEQUENCER_FEE_VAULT),
        ("OptimismMintableERC20Factory", P::OP_MINTABLE_ERC20_FACTORY),
        ("L2ERC721Bridge", P::L2_ERC721_BRIDGE),
        ("L1Block", P::L1_BLOCK_INFO),
        ("L2ToL1MessagePasser", P::L2_TO_L1_MESSAGE_PASSER),
        ("OptimismMintableERC721Factory", P::OP_MINTABLE_ERC721_FACTORY),
        ("L2ProxyAdmin", P::PROXY_ADMIN),
        ("BaseFeeVault", P::BASE_FEE_VAULT),
        ("L1FeeVault", P::L1_FEE_VAULT),
        ("OperatorFeeVault", P::OPERATOR_FEE_VAULT),
        ("SchemaRegistry", P::SCHEMA_REGISTRY),
        ("EAS", P::EAS),
    ]
}

/// Code hashes kona-hardforks publishes for what its bundles deploy, by address.
pub fn kona_code_hashes(fork: Fork) -> Vec<(Address, B256)> {
    use kona_hardforks::{Ecotone, Fjord, Isthmus};
    match fork {
        Fork::Ecotone => vec![
            (Ecotone::NEW_L1_BLOCK, Ecotone::L1_BLOCK_DEPLOYER_CODE_HASH),
            (Ecotone::GAS_PRICE_ORACLE, Ecotone::GAS_PRICE_ORACLE_CODE_HASH),
        ],
        Fork::Fjord => vec![(Fjord::FJORD_GAS_PRICE_ORACLE, Fjord::GAS_PRICE_ORACLE_CODE_HASH)],
        Fork::Isthmus => vec![
            (Isthmus::NEW_L1_BLOCK, Isthmus::L1_BLOCK_DEPLOYER_CODE_HASH),
            (Isthmus::GAS_PRICE_ORACLE, Isthmus::GAS_PRICE_ORACLE_CODE_HASH),
            (Isthmus::OPERATOR_FEE_VAULT, Isthmus::OPERATOR_FEE_VAULT_CODE_HASH),
        ],
        _ => Vec::new(),
    }
}

alloy::sol! {
    interface Semver {
        function version() external view returns (string);
    }
}

/// After an L2ContractsManager upgrade, each core predeploy answers `version()` through its
/// proxy with its new implementation's version (unless a later fork active at genesis points
/// the proxy elsewhere: not applicable), a string that implementation's creation code carries;
/// and each implementation in `known` (name, version, from a source outside the chain) reports
/// exactly that version.
pub async fn versions_match(net: &TestNet, fork: Fork, known: &[(&str, &str)]) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let txs = expected_upgrades(net, fork)?;
    let deployed = named_deployments(&txs);
    let initcode = |name: &str| txs.iter().find(|t| t.intent == format!("Deploy {name} Implementation")).map(|t| t.deposit.input.clone()).unwrap_or_default();
    let replaced = crate::boundary::replaced_at_genesis(net, fork)?;
    let mut redirected = Vec::new();
    for (name, proxy) in core_predeploys() {
        let Some(implementation) = deployed.get(name) else { continue };
        let direct = version(net, *implementation, block).await?;
        if replaced.contains(&proxy) {
            redirected.push(name);
        } else {
            let through = version(net, proxy, block).await?;
            ensure!(through == direct, "{fork}: {name} ({proxy}) answers version {through} at block {block}, its new implementation {implementation} says {direct}");
        }
        let literal = initcode(name).windows(direct.len()).any(|w| w == direct.as_bytes());
        ensure!(literal, "{fork}: {name}'s version {direct} does not appear in the creation code the bundle deployed it from");
    }
    if !redirected.is_empty() {
        net.not_applicable("proxies answer with the new versions", format!("a later fork active at genesis points {} elsewhere", redirected.join(", ")));
    }
    for (name, want) in known {
        let implementation = deployed.get(*name).with_context(|| format!("{fork}'s bundle deploys no {name} implementation"))?;
        let got = version(net, *implementation, block).await?;
        ensure!(got == *want, "{fork}: {name} at {implementation} reports version {got}, expected {want}");
    }
    Ok(())
}

async fn version(net: &TestNet, contract: Address, block: u64) -> anyhow::Result<String> {
    crate::contracts::call_abi(net, contract, Semver::versionCall {}, block).await
}
