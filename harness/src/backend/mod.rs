//! Where a network's nodes run: in this process, as child processes, as containers, or
//! somewhere else reached by RPC. Every backend yields the same endpoints, so the suites do not
//! care which one runs; and everything a backend starts is recorded for `harness clean`.

pub mod container;
pub mod external;
pub mod launch;
pub mod process;
pub mod registry;

use std::{collections::BTreeMap, path::Path};

use alloy::providers::{Provider, ProviderBuilder};

use crate::{
    devnet::{Devnet, DevnetError, DevnetOptions},
    forks::Fork,
    spec::{BackendKind, NetworkSpec},
};

/// Why a network could not be brought up.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Embedded(#[from] DevnetError),
    #[error(transparent)]
    Genesis(#[from] crate::genesis::GenesisError),
    #[error("{0}")]
    Start(String),
    #[error(transparent)]
    Io(std::io::Error),
    #[error("the external backend needs `{key}`: set [external] {key} in the spec, HARNESS_{} in the environment, or [external] descriptor", key.to_uppercase())]
    MissingUrl { key: &'static str },
    #[error("chain {chain_id} is {name}, a public network; the suites will not use the well-known dev keys there (set HARNESS_FAUCET_KEY to a key of your own)")]
    PublicChain { chain_id: u64, name: &'static str },
}

/// A running network of any backend. Dropping it stops what it started.
pub enum Network {
    Embedded(Devnet),
    Process(process::ProcessNetwork),
    Container(container::ContainerNetwork),
    External(external::ExternalNetwork),
}

impl Network {
    /// Brings `spec`'s network up on `kind`. `run` labels what is started.
    pub async fn start(kind: BackendKind, spec: &NetworkSpec, spec_path: &Path, options: DevnetOptions, run: &str) -> Result<Self, BackendError> {
        Ok(match kind {
            BackendKind::Embedded => Self::Embedded(Devnet::start(spec, options).await?),
            BackendKind::Process => Self::Process(process::ProcessNetwork::start(spec, spec_path, options.clock, run).await?),
            BackendKind::Container => Self::Container(container::ContainerNetwork::start(spec, spec_path, options.clock, run).await?),
            BackendKind::External => Self::External(external::ExternalNetwork::connect(spec).await?),
        })
    }

    /// Stops everything this network started and waits until it is gone: containers are
    /// removed before this returns (dropping them only schedules their removal).
    pub async fn stop(self) -> Result<(), BackendError> {
        match self {
            Self::Container(network) => network.stop().await,
            other => {
                drop(other);
                Ok(())
            }
        }
    }

    pub fn l1_rpc(&self) -> &str {
        match self {
            Self::Embedded(d) => &d.l1.rpc,
            Self::Process(p) => &p.l1_rpc,
            Self::Container(c) => &c.l1_rpc,
            Self::External(e) => &e.l1_rpc,
        }
    }

    pub fn l2_rpc(&self) -> &str {
        match self {
            Self::Embedded(d) => &d.l2[0].rpc,
            Self::Process(p) => &p.l2_rpc,
            Self::Container(c) => &c.l2_rpc,
            Self::External(e) => &e.l2_rpc,
        }
    }

    /// The line `harness up --json` prints, the same for every backend: the fork schedule is
    /// read from the L2's `optimism_rollupConfig`.
    pub async fn ready_line(&self, spec: &NetworkSpec) -> Result<serde_json::Value, BackendError> {
        if let Self::Embedded(devnet) = self {
            return Ok(devnet.ready_line());
        }
        let url = self.l2_rpc().parse().map_err(|e| BackendError::Start(format!("{}: {e}", self.l2_rpc())))?;
        let config: serde_json::Value = ProviderBuilder::new()
            .connect_http(url)
            .raw_request("optimism_rollupConfig".into(), ())
            .await
            .map_err(|e| BackendError::Start(format!("reading optimism_rollupConfig from {}: {e}", self.l2_rpc())))?;
        let genesis_time = config["genesis"]["l2_time"].as_u64().unwrap_or_default();
        let mut forks: BTreeMap<&str, u64> =
            Fork::ALL.into_iter().filter_map(|f| Some((f.name(), config[f.rollup_time_key()?].as_u64()?))).collect();
        forks.insert(Fork::Bedrock.name(), genesis_time);
        let l2 = &spec.l2[0];
        Ok(serde_json::json!({
            "l1": { "rpc": self.l1_rpc(), "chain_id": spec.l1.chain_id },
            "l2": [{ "name": l2.name, "chain_id": l2.chain_id, "rpc": self.l2_rpc() }],
            "genesis_time": genesis_time,
            "forks": forks,
        }))
    }
}
