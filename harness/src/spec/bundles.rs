//! Where each fork's upgrade transactions come from for a spec: its own `[[bundle]]` entries,
//! else the fork's built-in bundle (kona-hardforks), else the official NUT bundle from `[data]
//! nuts`, checked against its lock.

use std::path::PathBuf;

use super::{BundleSpec, NetworkSpec};
use crate::forks::{BundleError, Fork, NutDir, NutError, UpgradeBundle, UpgradeSource};

/// Where one of a fork's bundles comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleLocation {
    /// kona-hardforks' transactions for the fork.
    BuiltIn,
    /// A NUT bundle file, with the `sha256:<hex>` its bytes must have when a lock or pin says so.
    File { path: PathBuf, sha256: Option<String> },
}

/// A bundle the spec asks for that cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum BundleSourceError {
    #[error("{}: {source}", .path.display())]
    File { path: PathBuf, source: BundleError },
    #[error(transparent)]
    Nut(#[from] NutError),
    #[error("{fork}'s upgrade transactions come from an official NUT bundle, but no NUT folder is set")]
    NoNutDir { fork: Fork },
}

impl BundleSourceError {
    /// What to change so the bundle loads.
    pub fn fix(&self) -> String {
        match self {
            Self::File { .. } => {
                "make it NUT bundle JSON: `metadata` and `transactions`, each with intent, from, to (null to deploy), data and gasLimit".into()
            }
            Self::Nut(nut) => nut.fix(),
            Self::NoNutDir { .. } => format!(
                "set `nuts` under [data] to a NUT folder (an optimism checkout's op-core/nuts, or ../shared/nuts beside this project), or set {}",
                super::data::NUTS_ENV
            ),
        }
    }
}

impl NetworkSpec {
    /// The spec's `[[bundle]]` entries for `fork`, or the built-in one when it lists none.
    pub fn bundles_for(&self, fork: Fork) -> Vec<BundleSpec> {
        let listed: Vec<_> = self.bundles.iter().filter(|b| b.fork == fork).cloned().collect();
        if listed.is_empty() && fork.upgrade_source() == UpgradeSource::BuiltIn {
            return vec![BundleSpec { fork, builtin: true, file: None }];
        }
        listed
    }

    /// The bundles that apply at `fork`'s activation, in order. A fork that needs a bundle and
    /// has no `[[bundle]]` entry gets the official one from the NUT folder.
    pub fn upgrade_bundles(&self, fork: Fork) -> Result<Vec<UpgradeBundle>, BundleSourceError> {
        let listed = self.bundles_for(fork);
        if listed.is_empty() && fork.upgrade_source() == UpgradeSource::BundleRequired {
            return Ok(vec![self.official_bundle(fork)?]);
        }
        listed.iter().map(|b| self.load_bundle(fork, b)).collect()
    }

    fn load_bundle(&self, fork: Fork, bundle: &BundleSpec) -> Result<UpgradeBundle, BundleSourceError> {
        match &bundle.file {
            Some(file) => {
                let path = self.resolve_path(file);
                UpgradeBundle::from_nut_file(fork, &path).map_err(|source| BundleSourceError::File { path, source })
            }
            None => Ok(UpgradeBundle::builtin(fork).expect("validation admits built-in bundles only for forks that have one")),
        }
    }

    /// Where `fork`'s bundles come from, in order, for a check that reads them afresh rather than
    /// trusting what the harness parsed.
    pub fn bundle_locations(&self, fork: Fork) -> Result<Vec<BundleLocation>, BundleSourceError> {
        let listed = self.bundles_for(fork);
        if listed.is_empty() && fork.upgrade_source() == UpgradeSource::BundleRequired {
            let dir = self.data.nuts_dir(self.folder()).ok_or(BundleSourceError::NoNutDir { fork })?;
            let (path, sha256) = NutDir::open(&dir)?.bundle_file(fork, &self.data.nut_pins)?;
            return Ok(vec![BundleLocation::File { path, sha256: Some(sha256) }]);
        }
        Ok(listed
            .iter()
            .map(|b| match &b.file {
                Some(file) => BundleLocation::File { path: self.resolve_path(file), sha256: None },
                None => BundleLocation::BuiltIn,
            })
            .collect())
    }

    /// The official bundle of `fork` from the NUT folder, verified against its lock or pin.
    pub fn official_bundle(&self, fork: Fork) -> Result<UpgradeBundle, BundleSourceError> {
        let dir = self.data.nuts_dir(self.folder()).ok_or(BundleSourceError::NoNutDir { fork })?;
        Ok(NutDir::open(&dir)?.bundle(fork, &self.data.nut_pins)?)
    }
}
