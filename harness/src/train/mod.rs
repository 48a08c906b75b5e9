//! The release train: features prove themselves alone on a monthly Alphanet, the stable ones
//! are bundled into a numbered Betanet that performs the real upgrade, and only a Betanet that
//! concluded without incident, every feature stable and every audit complete, moves on to
//! Testnet. The harness carries that bookkeeping: the [`file`] names the candidates and the
//! Betanet's numbers, [`status`] places each feature on the flowchart from the run history,
//! [`betanet`] writes the Betanet spec, [`edit`] records what the commands decide, and [`gate`]
//! answers whether the Betanet may move on.

pub mod betanet;
pub mod edit;
mod error;
pub mod file;
pub mod gate;
pub mod status;

use std::path::PathBuf;

pub use error::{Problem, TrainError};
pub use file::{Audit, BetanetPlan, Candidate, DEFAULT_TRAIN_FILE, Removal, Train};

use crate::forks::{Fork, Layer};

/// A feature as the Betanet set sees it: enough to schedule, name and bundle the upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    pub id: &'a str,
    pub fork: Fork,
    pub layer: Layer,
    /// The NUT bundle the feature owns, if any.
    pub bundle: Option<PathBuf>,
}

/// A hardfork name is assigned only when the set changes L2: an L1-only set carries its upgrade
/// number alone, and a set with L2 changes must be named. An empty set takes no name.
pub fn naming_rule(set: &[Member<'_>], name: Option<&str>) -> Result<(), Problem> {
    let l2: Vec<String> = set.iter().filter(|m| m.layer == Layer::L2).map(|m| m.id.to_owned()).collect();
    match (name, l2.is_empty()) {
        (Some(name), true) if !set.is_empty() => {
            Err(Problem::NameForL1Only { name: name.to_owned(), set: set.iter().map(|m| m.id.to_owned()).collect() })
        }
        (None, false) => Err(Problem::NoNameForL2 { l2 }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, layer: Layer) -> Member<'_> {
        Member { id, fork: Fork::Karst, layer, bundle: None }
    }

    #[test]
    fn only_a_set_that_changes_l2_is_named() {
        let l1_only = [member("karst.opcm", Layer::L1), member("karst.portal", Layer::L1)];
        let mixed = [member("karst.opcm", Layer::L1), member("karst.clz", Layer::L2)];
        assert!(naming_rule(&l1_only, None).is_ok());
        let err = naming_rule(&l1_only, Some("Karst")).unwrap_err();
        assert!(err.to_string().contains("changes only L1 contracts (karst.opcm, karst.portal)"), "{err}");
        assert!(err.fix().contains("delete betanet.hardfork_name"), "{}", err.fix());
        assert!(naming_rule(&mixed, Some("Karst")).is_ok());
        let err = naming_rule(&mixed, None).unwrap_err();
        assert!(err.to_string().contains("changes L2 (karst.clz)"), "{err}");
        assert!(naming_rule(&[], None).is_ok());
    }
}
