//! The L1 half of an upgrade: OP contracts releases, as op-deployer deploys them.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::Fork;

/// An `op-contracts/<version>` release whose op-deployer state the harness can read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ContractsRelease {
    /// SystemConfig 3.7.0, OptimismPortal2 5.0.0, OPContractsManager 3.2.0 (Isthmus era).
    #[serde(rename = "v4.1.0")]
    V4_1_0,
    /// SystemConfig 3.11.0 (Jovian setters), OptimismPortal2 5.1.1, OPContractsManager 4.2.0.
    #[default]
    #[serde(rename = "v5.0.0")]
    V5_0_0,
}

impl ContractsRelease {
    /// Every release, oldest first.
    pub const ALL: [Self; 2] = [Self::V4_1_0, Self::V5_0_0];

    /// `v5.0.0`, as specs name it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::V4_1_0 => "v4.1.0",
            Self::V5_0_0 => "v5.0.0",
        }
    }

    /// How op-deployer's state files name the release: `op-contracts-v5.0.0`.
    pub fn file_tag(self) -> String {
        format!("op-contracts-{}", self.name())
    }

    /// The acceptance-suite module of the release's L1 features, and their ids' prefix:
    /// `contracts_v5_0_0`.
    pub fn suite_module(self) -> String {
        format!("contracts_{}", self.name().replace('.', "_"))
    }

    /// The newest L2 fork active at genesis in the L2 allocation op-deployer builds with this
    /// release.
    pub const fn l2_genesis_fork(self) -> Fork {
        match self {
            Self::V4_1_0 => Fork::Isthmus,
            Self::V5_0_0 => Fork::Jovian,
        }
    }
}

impl fmt::Display for ContractsRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A release this harness has no op-deployer state for.
#[derive(Debug, thiserror::Error)]
#[error("unknown OP contracts release `{0}`; known releases: {known}", known = ContractsRelease::ALL.map(ContractsRelease::name).join(", "))]
pub struct UnknownRelease(pub String);

impl FromStr for ContractsRelease {
    type Err = UnknownRelease;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let version = s.trim_start_matches("op-contracts/");
        Self::ALL.into_iter().find(|r| r.name() == version).ok_or_else(|| UnknownRelease(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_by_version_or_tag_and_order_by_age() {
        assert_eq!("v5.0.0".parse::<ContractsRelease>().unwrap(), ContractsRelease::V5_0_0);
        assert_eq!("op-contracts/v4.1.0".parse::<ContractsRelease>().unwrap(), ContractsRelease::V4_1_0);
        assert!("v3.0.0".parse::<ContractsRelease>().is_err());
        assert!(ContractsRelease::V4_1_0 < ContractsRelease::V5_0_0);
        assert_eq!(ContractsRelease::V5_0_0.file_tag(), "op-contracts-v5.0.0");
        assert_eq!(ContractsRelease::V5_0_0.suite_module(), "contracts_v5_0_0");
    }
}
