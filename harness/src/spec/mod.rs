//! The network spec: one TOML file under `networks/` that says which network to build and how
//! to judge it. Everything the harness does starts from a validated [`NetworkSpec`].

mod activation;
mod backend;
mod bundles;
mod data;
mod error;
mod l1_upgrade;
mod locate;
mod schedule;
mod validate;

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

pub use activation::{Activation, ForksSpec, Sequential};
pub use backend::{BackendKind, ContainerRole, ContainerSettings, EmbeddedSettings, ExternalSettings, Mount, ProcessSettings, ClockMode};
pub use bundles::{BundleLocation, BundleSourceError};
pub use data::{DEPLOYMENTS_ENV, DataSpec, NUTS_ENV};
pub use error::{SpecError, SpecErrorKind};
pub use l1_upgrade::{FIRST_UPGRADE_BLOCK, L1UpgradeSpec};
pub use schedule::ForkSchedule;

use crate::forks::{ContractsRelease, Feature, Fork, FEATURES};

/// How the network reaches its forks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every scheduled fork is active at genesis; features prove themselves alone.
    Alphanet,
    /// The network starts on the previous fork and upgrades live at a scheduled time.
    Betanet,
}

impl Mode {
    /// Lower-case name, also the nextest profile that runs this mode.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Alphanet => "alphanet",
            Self::Betanet => "betanet",
        }
    }
}

/// Which client software plays a role. The backend decides where it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// The harness's own node (in-process, `harness up` as a process, or its image).
    #[default]
    Harness,
    /// Foundry's anvil; L1 only.
    Anvil,
    /// Whatever the backend settings name (an image and command, or an RPC URL).
    Custom,
}

/// A validated network spec.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Short name, used in reports and run ids.
    pub name: String,
    pub mode: Mode,
    /// Upgrade number the Betanet process assigned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_number: Option<u32>,
    /// Hardfork name the Betanet process assigned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardfork_name: Option<String>,
    pub l1: L1Spec,
    pub l2: Vec<L2Spec>,
    pub forks: ForksSpec,
    /// Upgrade bundles, in the order they apply within their fork's activation block.
    #[serde(default, rename = "bundle", skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<BundleSpec>,
    /// Where the official OP data (NUT bundles, op-deployer state) lives.
    #[serde(default, skip_serializing_if = "is_default")]
    pub data: DataSpec,
    /// Feature ids in scope; `None` means every feature of the scheduled forks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    #[serde(default)]
    pub stability: StabilityPolicy,
    #[serde(default)]
    pub backend: BackendKind,
    #[serde(default)]
    pub embedded: EmbeddedSettings,
    #[serde(default)]
    pub process: ProcessSettings,
    #[serde(default)]
    pub container: ContainerSettings,
    #[serde(default)]
    pub external: ExternalSettings,
    /// Where the spec was read from; bundle files are relative to its folder.
    #[serde(skip)]
    pub path: PathBuf,
}

/// The L1 chain.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1Spec {
    pub chain_id: u64,
    /// Seconds between L1 blocks.
    #[serde(default = "default_l1_block_time")]
    pub block_time: u64,
    /// The op-contracts release the L1 starts on (before `[l1.upgrade]`, if any).
    #[serde(default)]
    pub contracts: ContractsRelease,
    #[serde(default)]
    pub node: NodeKind,
    /// An upgrade of the L1's contracts to a later release, at genesis or live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<L1UpgradeSpec>,
}

/// One L2 chain.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L2Spec {
    pub name: String,
    pub chain_id: u64,
    /// Seconds between L2 blocks.
    #[serde(default = "default_l2_block_time")]
    pub block_time: u64,
    #[serde(default = "default_gas_limit")]
    pub gas_limit: u64,
    #[serde(default)]
    pub system_config: SystemConfigSpec,
    #[serde(default)]
    pub node: NodeKind,
}

/// The L1 SystemConfig values the L2 reads through its L1-attributes deposits and extraData.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemConfigSpec {
    pub batcher: Address,
    /// Ecotone L1 base fee scalar.
    pub base_fee_scalar: u32,
    /// Ecotone L1 blob base fee scalar.
    pub blob_base_fee_scalar: u32,
    /// Holocene EIP-1559 denominator carried in extraData.
    pub eip1559_denominator: u32,
    /// Holocene EIP-1559 elasticity carried in extraData.
    pub eip1559_elasticity: u32,
    /// Isthmus operator fee scalar.
    pub operator_fee_scalar: u32,
    /// Isthmus operator fee constant, in wei.
    pub operator_fee_constant: u64,
    /// Jovian minimum base fee, in wei.
    pub min_base_fee: u64,
    /// Jovian DA footprint gas scalar.
    pub da_footprint_gas_scalar: u16,
}

impl Default for SystemConfigSpec {
    fn default() -> Self {
        Self {
            // The third account of the standard test mnemonic, as op-deployer's devnets use.
            batcher: alloy::primitives::address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
            base_fee_scalar: 1368,
            blob_base_fee_scalar: 810_949,
            eip1559_denominator: 250,
            eip1559_elasticity: 6,
            operator_fee_scalar: 0,
            operator_fee_constant: 0,
            min_base_fee: 0,
            da_footprint_gas_scalar: 400,
        }
    }
}

/// One upgrade bundle applied in a fork's activation block.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSpec {
    pub fork: Fork,
    /// The fork's built-in bundle from `kona-hardforks`.
    #[serde(default)]
    pub builtin: bool,
    /// A NUT bundle JSON file, relative to the spec's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

/// When a feature counts as stable. Every condition must hold over the feature's history in the
/// spec's mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StabilityPolicy {
    /// Runs needed before any verdict but `INSUFFICIENT_DATA`.
    pub min_runs: u32,
    /// The newest runs that must all be green.
    pub consecutive_passes: u32,
    /// Highest share of runs that passed only on retry.
    pub max_flake_rate: f64,
    /// Lowest acceptable Wilson lower bound of the pass rate.
    pub min_pass_rate: f64,
    /// Confidence level of that bound.
    pub confidence: f64,
}

impl Default for StabilityPolicy {
    fn default() -> Self {
        Self { min_runs: 10, consecutive_passes: 5, max_flake_rate: 0.02, min_pass_rate: 0.7, confidence: 0.95 }
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

const fn default_l1_block_time() -> u64 {
    12
}

const fn default_l2_block_time() -> u64 {
    2
}

const fn default_gas_limit() -> u64 {
    30_000_000
}

/// Largest spec file read: hand-written TOML is a few KB; a path to a device or a huge file
/// fails at once instead of filling memory.
const MAX_SPEC_BYTES: u64 = 1 << 20;

fn read_source(path: &Path) -> Result<String, SpecError> {
    let bytes = crate::fsx::read_bounded(path, MAX_SPEC_BYTES).map_err(|e| SpecError::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| SpecError::io(path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

impl NetworkSpec {
    /// Reads, parses and validates a spec file; errors name the file, line, field and fix.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SpecError> {
        let path = path.as_ref();
        Self::parse(path, &read_source(path)?)
    }

    /// [`Self::load`], then decodes the official data the spec points at (op-deployer's
    /// allocations) as a network's start would: `harness validate`'s check, so a damaged state
    /// file fails there too, not only when a network starts. Loading alone finds the files.
    pub fn load_with_data(path: impl AsRef<Path>) -> Result<Self, SpecError> {
        let path = path.as_ref();
        let source = read_source(path)?;
        let spec = Self::parse(path, &source)?;
        validate::data(&spec).map_err(|kind| SpecError::semantic(path, &source, kind))?;
        Ok(spec)
    }

    /// Parses and validates spec text; `path` is used for messages and to find bundle files.
    pub fn parse(path: &Path, source: &str) -> Result<Self, SpecError> {
        let mut spec: Self = toml::from_str(source).map_err(|e| SpecError::syntax(path, source, &e))?;
        spec.path = path.to_path_buf();
        validate::validate(&spec).map_err(|kind| SpecError::semantic(path, source, kind))?;
        Ok(spec)
    }

    /// The resolved fork schedule (offsets in seconds after genesis).
    pub fn schedule(&self) -> ForkSchedule {
        self.forks.resolve().expect("schedule was validated on load")
    }

    /// The features in scope: the spec's list, or every covered feature of a scheduled fork.
    pub fn features_in_scope(&self) -> Vec<&'static Feature> {
        match &self.features {
            Some(ids) => ids.iter().filter_map(|id| crate::forks::feature(id)).collect(),
            None => self.scheduled_features().filter(|f| f.is_covered()).collect(),
        }
    }

    /// Features of the scheduled forks that no suite can prove yet, for reports to name.
    pub fn uncovered_features(&self) -> Vec<&'static Feature> {
        self.scheduled_features().filter(|f| !f.is_covered()).collect()
    }

    /// Features the network has: L2 ones of its scheduled forks, L1 ones of the releases its
    /// `[l1.upgrade]` brings.
    fn scheduled_features(&self) -> impl Iterator<Item = &'static Feature> + '_ {
        let schedule = self.schedule();
        FEATURES.iter().filter(move |f| match f.release {
            Some(release) => self.l1.reaches(release),
            None => schedule.offset(f.fork).is_some(),
        })
    }

    /// This network as an Alphanet through `fork`: it and every earlier fork active at genesis,
    /// nothing after it.
    pub fn all_at_genesis_through(&self, fork: Fork) -> Self {
        let mut spec = self.clone();
        spec.mode = Mode::Alphanet;
        spec.forks = ForksSpec::default();
        for earlier in Fork::ALL.into_iter().filter(|f| *f <= fork) {
            spec.forks.set(earlier, Some(Activation::Genesis));
        }
        spec
    }

    /// This network as a Betanet for `fork`: every earlier fork active at genesis, `fork`
    /// activating live `offset` seconds later, nothing after it. How a feature proves itself
    /// absent before and present after its upgrade, on one network.
    pub fn upgrading_to(&self, fork: Fork, offset: u64) -> Self {
        let mut spec = self.clone();
        spec.mode = Mode::Betanet;
        spec.forks = ForksSpec::default();
        for earlier in Fork::ALL.into_iter().filter(|f| *f < fork) {
            spec.forks.set(earlier, Some(Activation::Genesis));
        }
        spec.forks.set(fork, Some(Activation::Offset(offset)));
        spec
    }

    /// A bundle file's path, resolved against the spec's folder.
    pub fn resolve_path(&self, file: &Path) -> PathBuf {
        self.folder().join(file)
    }

    /// The folder the spec's relative paths start from.
    pub fn folder(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}
