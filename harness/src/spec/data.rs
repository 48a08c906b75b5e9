//! `[data]`: where the official OP data a network needs lives. The harness reads it at run time
//! and never copies it in: NUT bundles (an optimism checkout's `op-core/nuts`) and op-deployer's
//! state for the L1 contracts releases. The environment overrides the spec, so CI and every user
//! can point at their own copies without editing specs.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::forks::Fork;

/// Overrides `[data] nuts`.
pub const NUTS_ENV: &str = "HARNESS_NUTS";
/// Overrides `[data] deployments`.
pub const DEPLOYMENTS_ENV: &str = "HARNESS_DEPLOYMENTS";

/// `[data]`; paths are relative to the spec's folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataSpec {
    /// A NUT folder (`fork_lock.toml` and `bundles/`) or an optimism checkout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nuts: Option<PathBuf>,
    /// op-deployer's state files (`l1-allocs.op-contracts-<release>.json`, `l2-allocs...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployments: Option<PathBuf>,
    /// `sha256:<hex>` of bundles no lock covers, by fork (Jovian predates NUT bundles).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub nut_pins: BTreeMap<Fork, String>,
}

impl DataSpec {
    /// The NUT folder: `$HARNESS_NUTS`, else the spec's, resolved against `spec_dir`.
    pub fn nuts_dir(&self, spec_dir: &Path) -> Option<PathBuf> {
        resolve(NUTS_ENV, self.nuts.as_deref(), spec_dir)
    }

    /// The op-deployer state folder: `$HARNESS_DEPLOYMENTS`, else the spec's.
    pub fn deployments_dir(&self, spec_dir: &Path) -> Option<PathBuf> {
        resolve(DEPLOYMENTS_ENV, self.deployments.as_deref(), spec_dir)
    }
}

fn resolve(env: &str, configured: Option<&Path>, spec_dir: &Path) -> Option<PathBuf> {
    let from_env = std::env::var_os(env).filter(|v| !v.is_empty()).map(PathBuf::from);
    from_env.or_else(|| configured.map(|p| spec_dir.join(p)))
}
