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
pub mod matrix;
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
/// network the test's mode gives that fork, and the fault matrix of `<fork>.activation` over
/// the same checks ([`matrix`]).
#[macro_export]
macro_rules! boundary_suite {
    ($fork:expr) => {
        $crate::boundary_suite!(@tests $fork, block_layout, receipts_succeed, deployments_and_proxies, flags_flip, l1_info_format, header_fields, chain_advances, no_upgrade_transactions);
    };
    (@tests $fork:expr, $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let net = $crate::TestNet::for_fork($fork).await;
                $crate::pass($crate::boundary::$check(&net, $fork).await);
            }
        )+

        $crate::faults_are_caught!(format!("{}.activation", $fork), net => [$($check: $crate::boundary::$check(net, $fork)),+]);
    };
}

/// The tests of one feature: one test per check, each on a fresh network for feature `$id`,
/// named after its check so that its path is `<fork>::<feature>::<check>`, the path verdicts
/// map back to the feature. The checks are `async fn(&TestNet) -> anyhow::Result<()>` in the
/// module `$checks`. Also `faults_are_caught`, the feature's fault matrix over the same checks
/// ([`matrix`]), which only the `faults` nextest profile runs.
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

        $crate::faults_are_caught!($id, net => [$($check: $checks::$check(net)),+]);
    };
}

/// The fault-matrix test of feature `$id` (`faults_are_caught`, the `faults` profile only): its
/// checks, each called as `$call` with `$net` the network, against the feature's faults
/// ([`matrix`]).
#[doc(hidden)]
#[macro_export]
macro_rules! faults_are_caught {
    ($id:expr, $net:ident => [$($check:ident: $call:expr),+]) => {
        #[tokio::test]
        async fn faults_are_caught() {
            let checks = [$($crate::matrix::Check {
                name: stringify!($check),
                run: {
                    fn run($net: &$crate::TestNet) -> $crate::matrix::CheckFuture<'_> {
                        Box::pin($call)
                    }
                    run
                },
            }),+];
            $crate::matrix::assert_caught(&$id, &checks).await;
        }
    };
}
