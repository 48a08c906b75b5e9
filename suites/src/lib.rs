//! The acceptance suites' fixtures and checks.
//!
//! A test asks for a [`TestNet`] and runs checks against it over JSON-RPC only, so the same
//! checks run against the embedded network, nodes in processes or containers, and a deployed
//! network. Checks return errors instead of panicking, so that the harness can also prove that
//! a broken network fails them.

pub mod base_fee;
pub mod boundary;
pub mod bytecode;
pub mod config_change;
pub mod contracts;
pub mod eip7702;
pub mod env;
pub mod fastlz;
pub mod fees;
pub mod l1;
pub mod l1_upgrade;
pub mod net;
pub mod oracle;
pub mod p256;
pub mod probe;
pub mod upgrades;
pub mod wallet;

pub use net::TestNet;

/// Unwraps a check's result, failing the test with the whole error chain.
pub fn pass(result: anyhow::Result<()>) {
    if let Err(err) = result {
        panic!("{err:#}");
    }
}

/// The activation-boundary tests of one fork: one test per check of [`boundary`], each on the
/// network the test's mode gives that fork.
#[macro_export]
macro_rules! boundary_suite {
    ($fork:expr) => {
        $crate::boundary_suite!(@tests $fork, block_layout, receipts_succeed, deployments_and_proxies, flags_flip, l1_info_format, header_fields, chain_advances, no_upgrade_transactions);
    };
    (@tests $fork:expr, $($check:ident),*) => {
        $(
            #[tokio::test]
            async fn $check() {
                let net = $crate::TestNet::for_fork($fork).await;
                $crate::pass($crate::boundary::$check(&net, $fork).await);
            }
        )*
    };
}

/// The tests of one feature: one test per check, each on a fresh network for feature `$id`,
/// named after its check so that its path is `<fork>::<feature>::<check>`, the path verdicts
/// map back to the feature. The checks are `async fn(&TestNet) -> anyhow::Result<()>` in the
/// module `$checks`.
#[macro_export]
macro_rules! feature_tests {
    ($id:literal, $checks:ident: $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let suite = $id.replace('.', "::");
                assert!(module_path!().ends_with(&format!("::{suite}")), "tests of `{}` must live in module `{suite}`, not `{}`", $id, module_path!());
                let net = $crate::TestNet::for_feature($id).await;
                $crate::pass($checks::$check(&net).await);
            }
        )+
    };
}
