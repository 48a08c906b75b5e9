//! Upgrade bundles: the ordered network upgrade transactions a fork's activation block runs.
//!
//! Built-in bundles come from `kona-hardforks` (alloy 1.x inside, so they cross over as EIP-2718
//! bytes); anything newer, or a team's own feature, comes as a NUT bundle JSON file. Both are
//! decoded into op-alloy 2.x deposits here, and the checks the activation-boundary suite makes are
//! derived from the transactions themselves, so they hold for any bundle.

use std::path::Path;

use alloy::{
    consensus::{Sealed, transaction::Recovered},
    eips::eip2718::{Decodable2718, Encodable2718},
    primitives::{Address, B256, Bytes, TxKind, b256, keccak256},
};
use kona_hardforks::{Ecotone, Fjord, Hardfork, Hardforks, Isthmus};
use op_alloy::consensus::{
    OpTxEnvelope, TxDeposit, UpgradeDepositSource,
    nuts::{NetworkUpgradeTransaction, NutBundle},
};
use serde::Deserialize;

use super::{Fork, SourceHashRule};

/// `upgradeTo(address)`, the proxy call that points a predeploy at a new implementation.
pub const UPGRADE_TO_SELECTOR: [u8; 4] = [0x36, 0x59, 0xcf, 0xe6];

/// EIP-1967 implementation slot.
pub const IMPLEMENTATION_SLOT: B256 =
    b256!("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");

/// The `origin` of a bundle kona-hardforks ships.
pub const BUILTIN_ORIGIN: &str = "builtin";

/// The ordered upgrade transactions of one bundle.
#[derive(Clone, Debug)]
pub struct UpgradeBundle {
    pub fork: Fork,
    /// Where the bundle came from: `builtin` or the file path.
    pub origin: String,
    pub transactions: Vec<UpgradeTx>,
    /// Gas the activation block gets beyond the sum of the transactions' limits.
    pub extra_gas: u64,
}

impl UpgradeBundle {
    /// The gas the bundle reserves: its transactions' limits plus `metadata.extraGas`.
    pub fn total_gas(&self) -> u64 {
        self.transactions.iter().map(|t| t.deposit.gas_limit).sum::<u64>() + self.extra_gas
    }
}

/// `karst` -> `Karst`, as op-node capitalises a bundle label.
fn capitalised(label: &str) -> String {
    label[..1].to_ascii_uppercase() + &label[1..]
}

/// One upgrade transaction, kept both decoded and as the exact bytes that go on chain.
#[derive(Clone, Debug)]
pub struct UpgradeTx {
    /// What the transaction does, for messages.
    pub intent: String,
    pub deposit: TxDeposit,
    /// EIP-2718 bytes; their keccak is the L2 transaction hash.
    pub raw: Bytes,
}

/// A deposit as the block executor takes it: enveloped, its sender being its `from`.
pub fn recovered_deposit(deposit: TxDeposit) -> Recovered<OpTxEnvelope> {
    let from = deposit.from;
    Recovered::new_unchecked(OpTxEnvelope::Deposit(Sealed::new(deposit)), from)
}

impl UpgradeTx {
    /// This transaction as the block executor takes it.
    pub fn recovered(&self) -> Recovered<OpTxEnvelope> {
        recovered_deposit(self.deposit.clone())
    }

    /// The L2 transaction hash.
    pub fn hash(&self) -> B256 {
        keccak256(&self.raw)
    }

    /// Whether this transaction creates a contract.
    pub const fn is_deployment(&self) -> bool {
        matches!(self.deposit.to, TxKind::Create)
    }

    /// `(proxy, implementation)` if this is an `upgradeTo` call.
    pub fn proxy_upgrade(&self) -> Option<(Address, Address)> {
        let input = &self.deposit.input;
        let TxKind::Call(proxy) = self.deposit.to else { return None };
        (input.len() == 36 && input[..4] == UPGRADE_TO_SELECTOR)
            .then(|| (proxy, Address::from_slice(&input[16..36])))
    }
}

/// What a bundle promises about the state after it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// Transaction `index` of the bundle creates a contract (the receipt's `contractAddress`
    /// has code). Built-in bundles also know the address and code hash.
    Deploys { index: usize, address: Option<Address>, code_hash: Option<B256> },
    /// The proxy's EIP-1967 implementation slot holds `implementation`.
    Upgrades { proxy: Address, implementation: Address },
}

impl UpgradeBundle {
    /// The built-in bundle of `fork`, if kona-hardforks ships one.
    pub fn builtin(fork: Fork) -> Option<Self> {
        let raw: Vec<Bytes> = match fork {
            Fork::Ecotone => Hardforks::ECOTONE.txs().collect(),
            Fork::Fjord => Hardforks::FJORD.txs().collect(),
            Fork::Isthmus => Hardforks::ISTHMUS.txs().collect(),
            _ => return None,
        };
        let transactions = raw.into_iter().map(|raw| {
            let deposit = decode_deposit(&raw).expect("kona-hardforks yields deposit transactions");
            UpgradeTx { intent: describe(&deposit), deposit, raw }
        });
        Some(Self { fork, origin: BUILTIN_ORIGIN.into(), transactions: transactions.collect(), extra_gas: 0 })
    }

    /// Reads a NUT bundle JSON file for `fork`.
    pub fn from_nut_file(fork: Fork, path: &Path) -> Result<Self, BundleError> {
        /// Far above any real bundle (the official ones are under 1 MB); a regular file only, so
        /// a device or FIFO named by mistake fails at once.
        const MAX_BUNDLE_BYTES: u64 = 16 << 20;
        let bytes = crate::fsx::read_bounded(path, MAX_BUNDLE_BYTES).map_err(|e| BundleError::Read(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| BundleError::Read(e.to_string()))?;
        Self::from_nut_json(fork, &path.display().to_string(), &text)
    }

    /// Parses NUT bundle JSON; `origin` names it in messages. Source hashes follow op-node's
    /// rule for `fork` ([`Fork::source_hash_rule`]).
    pub fn from_nut_json(fork: Fork, origin: &str, text: &str) -> Result<Self, BundleError> {
        let file: NutFile = serde_json::from_str(text).map_err(|e| BundleError::Json(e.to_string()))?;
        if let Some(named) = file.fork.filter(|named| named.parse::<Fork>().ok() != Some(fork)) {
            return Err(BundleError::ForkMismatch { file: named, spec: fork });
        }
        if let Some(version) = file.metadata.version.filter(|v| !v.starts_with("1.")) {
            return Err(BundleError::Json(format!("metadata.version {version} is newer than this harness reads (1.x)")));
        }
        if let Some(index) = file.transactions.iter().position(|tx| tx.intent.trim().is_empty()) {
            return Err(BundleError::MissingIntent(index));
        }
        let intents: Vec<String> = file.transactions.iter().map(|t| t.intent.clone()).collect();
        let bundle = NutBundle {
            fork_name: capitalised(fork.bundle_label()),
            transactions: file.transactions.into_iter().map(NutTx::into_upgrade).collect(),
        };
        let mut deposits = bundle.to_deposit_transactions().map_err(|e| BundleError::Json(e.to_string()))?;
        if fork.source_hash_rule() == SourceHashRule::BareIntent {
            for (deposit, intent) in deposits.iter_mut().zip(&intents) {
                deposit.source_hash = UpgradeDepositSource { intent: intent.clone() }.source_hash();
            }
        }
        let transactions = intents
            .into_iter()
            .zip(deposits)
            .map(|(intent, deposit)| {
                let raw = deposit.encoded_2718().into();
                UpgradeTx { intent, deposit, raw }
            })
            .collect();
        Ok(Self { fork, origin: origin.to_owned(), transactions, extra_gas: file.metadata.extra_gas })
    }

    /// The checks the activation-boundary suite makes after this bundle ran.
    pub fn expectations(&self) -> Vec<Expectation> {
        let known = known_code_hashes(self.fork);
        self.transactions
            .iter()
            .enumerate()
            .filter_map(|(index, tx)| {
                if tx.is_deployment() {
                    // kona's deployers are fresh accounts, so the address is the nonce-0 one.
                    let address = tx.deposit.from.create(0);
                    let known = known.iter().find(|(a, _)| *a == address);
                    return Some(Expectation::Deploys {
                        index,
                        address: known.map(|(a, _)| *a),
                        code_hash: known.map(|(_, h)| *h),
                    });
                }
                tx.proxy_upgrade().map(|(proxy, implementation)| Expectation::Upgrades { proxy, implementation })
            })
            .collect()
    }
}

/// Code hashes kona-hardforks publishes for what its bundles deploy.
fn known_code_hashes(fork: Fork) -> Vec<(Address, B256)> {
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

fn decode_deposit(raw: &[u8]) -> Option<TxDeposit> {
    match OpTxEnvelope::decode_2718(&mut &raw[..]).ok()? {
        OpTxEnvelope::Deposit(deposit) => Some(deposit.into_inner()),
        _ => None,
    }
}

/// A readable description of a built-in upgrade transaction (kona does not export its intents).
fn describe(deposit: &TxDeposit) -> String {
    let tx = UpgradeTx { intent: String::new(), deposit: deposit.clone(), raw: Bytes::new() };
    if tx.is_deployment() {
        return format!("deploy {} from {}", deposit.from.create(0), deposit.from);
    }
    if let Some((proxy, implementation)) = tx.proxy_upgrade() {
        return format!("upgrade proxy {proxy} to {implementation}");
    }
    let selector = deposit.input.get(..4).map(alloy::hex::encode_prefixed).unwrap_or_default();
    format!("call {selector} on {}", deposit.to.to().copied().unwrap_or_default())
}

/// A NUT bundle file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("cannot read it: {0}")]
    Read(String),
    #[error("not a NUT bundle: {0}")]
    Json(String),
    #[error("it is for fork `{file}` but the spec attaches it to {spec}")]
    ForkMismatch { file: String, spec: Fork },
    #[error("transaction {0} has no intent (the intent derives its source hash)")]
    MissingIntent(usize),
}

/// The NUT bundle JSON layout of the OP monorepo (`metadata`, `transactions`), with an optional
/// `fork` that, when present, must match the fork the spec attaches the bundle to.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NutFile {
    #[serde(default)]
    fork: Option<String>,
    #[serde(default)]
    metadata: NutMetadata,
    transactions: Vec<NutTx>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NutMetadata {
    #[serde(default)]
    version: Option<String>,
    /// Gas op-node adds to the activation block's limit beyond the transactions' own.
    #[serde(default)]
    extra_gas: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NutTx {
    #[serde(default)]
    intent: String,
    from: Address,
    #[serde(default)]
    to: Option<Address>,
    data: Bytes,
    #[serde(alias = "gas_limit")]
    gas_limit: u64,
}

impl NutTx {
    fn into_upgrade(self) -> NetworkUpgradeTransaction {
        NetworkUpgradeTransaction {
            intent: self.intent,
            from: self.from,
            to: self.to,
            data: self.data,
            gas_limit: self.gas_limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_bundles_have_the_spec_transaction_counts() {
        assert_eq!(UpgradeBundle::builtin(Fork::Ecotone).unwrap().transactions.len(), 6);
        assert_eq!(UpgradeBundle::builtin(Fork::Fjord).unwrap().transactions.len(), 3);
        assert_eq!(UpgradeBundle::builtin(Fork::Isthmus).unwrap().transactions.len(), 8);
        assert!(UpgradeBundle::builtin(Fork::Jovian).is_none());
    }

    #[test]
    fn isthmus_expectations_cover_its_deployments_and_proxy_upgrades() {
        let expectations = UpgradeBundle::builtin(Fork::Isthmus).unwrap().expectations();
        assert!(expectations.contains(&Expectation::Deploys {
            index: 0,
            address: Some(Isthmus::NEW_L1_BLOCK),
            code_hash: Some(Isthmus::L1_BLOCK_DEPLOYER_CODE_HASH),
        }));
        assert!(expectations.contains(&Expectation::Upgrades {
            proxy: alloy::primitives::address!("4200000000000000000000000000000000000015"),
            implementation: Isthmus::NEW_L1_BLOCK,
        }));
        assert_eq!(expectations.iter().filter(|e| matches!(e, Expectation::Upgrades { .. })).count(), 3);
    }

    #[test]
    fn nut_json_needs_intents_and_the_right_fork() {
        let tx = |intent: &str| {
            format!(r#"{{"intent":"{intent}","from":"0x4210000000000000000000000000000000000009","to":null,"data":"0x00","gasLimit":100000}}"#)
        };
        let good = format!(r#"{{"fork":"Jovian","transactions":[{}]}}"#, tx("Jovian: deploy"));
        let bundle = UpgradeBundle::from_nut_json(Fork::Jovian, "t", &good).unwrap();
        assert_eq!(bundle.transactions.len(), 1);
        assert_eq!(bundle.transactions[0].hash(), keccak256(&bundle.transactions[0].raw));
        let missing = format!(r#"{{"fork":"Jovian","transactions":[{}]}}"#, tx(" "));
        assert_eq!(UpgradeBundle::from_nut_json(Fork::Jovian, "t", &missing).unwrap_err(), BundleError::MissingIntent(0));
        assert!(matches!(
            UpgradeBundle::from_nut_json(Fork::Karst, "t", &good),
            Err(BundleError::ForkMismatch { .. })
        ));
        assert!(matches!(UpgradeBundle::from_nut_json(Fork::Jovian, "t", "{"), Err(BundleError::Json(_))));
    }
}
