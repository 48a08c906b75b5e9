//! Where the nodes run, and each backend's settings.

use std::{collections::BTreeMap, path::PathBuf};

use serde::{Deserialize, Serialize};

/// Where the network's nodes run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// In the harness's own process; needs nothing but cargo.
    #[default]
    Embedded,
    /// Child processes: anvil as L1, `harness up` as L2.
    Process,
    /// Containers on host networking, through testcontainers.
    Container,
    /// A network someone else runs, reached by RPC URLs.
    External,
}

impl BackendKind {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Process => "process",
            Self::Container => "container",
            Self::External => "external",
        }
    }
}

/// How the embedded sequencer's clock runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Blocks every block time, on the wall clock.
    #[default]
    Realtime,
    /// Timestamps advance by the block time but blocks come as fast as they are asked for, so
    /// a fork 100 blocks ahead activates in milliseconds.
    Fast,
}

/// `[embedded]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddedSettings {
    pub clock: ClockMode,
}

/// `[process]`: binaries to run; by default anvil from `scripts/setup` and this `harness`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anvil: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harness: Option<PathBuf>,
}

/// `[container]`: one entry per role; unset roles use the locally built images.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContainerSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1: Option<ContainerRole>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l2: Option<ContainerRole>,
}

/// An image and how to start it. `{rpc_port}`, `{config_dir}` and `{chain_id}` in `command` and
/// `env` are replaced with what the harness picked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerRole {
    pub image: String,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub mounts: Vec<Mount>,
}

/// A host file or folder mounted into a container.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mount {
    pub source: PathBuf,
    pub target: String,
}

/// `[external]`: a network someone else runs. Environment variables override these.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExternalSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1_rpc: Option<String>,
    /// L2 RPC URLs by chain name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub l2_rpc: BTreeMap<String, String>,
    /// A devnet descriptor JSON (Kurtosis-style) to read the URLs from instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub descriptor: Option<PathBuf>,
}
