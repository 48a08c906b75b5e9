//! The external backend: a network someone else runs, reached by RPC URLs from the
//! environment, the spec, or a descriptor file (the JSON `harness up --json` prints).

use std::path::Path;

use serde::Deserialize;

use super::{BackendError, launch::wait_for_chain};
use crate::spec::NetworkSpec;

/// Public networks' chain ids. The well-known dev keys are public too: the suites never run
/// with them against these chains.
pub const PUBLIC_CHAINS: &[(u64, &str)] = &[
    (1, "Ethereum mainnet"),
    (11_155_111, "Sepolia"),
    (17_000, "Holesky"),
    (560_048, "Hoodi"),
    (10, "OP Mainnet"),
    (11_155_420, "OP Sepolia"),
    (8453, "Base"),
    (84_532, "Base Sepolia"),
    (7_777_777, "Zora"),
    (34_443, "Mode"),
    (130, "Unichain"),
    (1301, "Unichain Sepolia"),
    (480, "World Chain"),
    (57_073, "Ink"),
    (1868, "Soneium"),
];

/// Refuses a public chain when the suites would use the dev keys on it.
pub fn refuse_public(chain_id: u64, uses_dev_keys: bool) -> Result<(), BackendError> {
    match PUBLIC_CHAINS.iter().find(|(id, _)| *id == chain_id) {
        Some((_, name)) if uses_dev_keys => Err(BackendError::PublicChain { chain_id, name }),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct Descriptor {
    l1: DescribedNode,
    l2: Vec<DescribedNode>,
}

#[derive(Deserialize)]
struct DescribedNode {
    rpc: String,
}

/// A network reached over RPC.
pub struct ExternalNetwork {
    pub l1_rpc: String,
    pub l2_rpc: String,
}

fn read_descriptor(path: &Path) -> Result<Descriptor, BackendError> {
    let text = std::fs::read_to_string(path).map_err(|e| BackendError::Start(format!("reading descriptor {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| BackendError::Start(format!("descriptor {}: {e} (expected the JSON `harness up --json` prints)", path.display())))
}

impl ExternalNetwork {
    /// The URLs from `HARNESS_L1_RPC`/`HARNESS_L2_RPC`, else the spec's `[external]`, else its
    /// descriptor; checked to answer with the spec's chain ids.
    pub async fn connect(spec: &NetworkSpec) -> Result<Self, BackendError> {
        let descriptor = spec.external.descriptor.as_ref().map(|p| read_descriptor(&spec.resolve_path(p))).transpose()?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let l1_rpc = env("HARNESS_L1_RPC")
            .or_else(|| spec.external.l1_rpc.clone())
            .or_else(|| descriptor.as_ref().map(|d| d.l1.rpc.clone()))
            .ok_or(BackendError::MissingUrl { key: "l1_rpc" })?;
        let l2_rpc = env("HARNESS_L2_RPC")
            .or_else(|| spec.external.l2_rpc.get(&spec.l2[0].name).cloned())
            .or_else(|| descriptor.as_ref().and_then(|d| d.l2.first()).map(|n| n.rpc.clone()))
            .ok_or(BackendError::MissingUrl { key: "l2_rpc" })?;
        let dev_keys = std::env::var_os("HARNESS_FAUCET_KEY").is_none();
        for chain_id in [spec.l1.chain_id, spec.l2[0].chain_id] {
            refuse_public(chain_id, dev_keys)?;
        }
        let deadline = std::time::Duration::from_secs(10);
        wait_for_chain(&l1_rpc, spec.l1.chain_id, deadline, "the external L1").await?;
        wait_for_chain(&l2_rpc, spec.l2[0].chain_id, deadline, "the external L2").await?;
        Ok(Self { l1_rpc, l2_rpc })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_chains_are_refused_only_with_dev_keys() {
        assert!(matches!(refuse_public(10, true), Err(BackendError::PublicChain { name: "OP Mainnet", .. })));
        assert!(refuse_public(10, false).is_ok());
        assert!(refuse_public(901, true).is_ok());
    }
}
