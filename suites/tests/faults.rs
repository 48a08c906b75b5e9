//! The boundary suite against deliberately broken networks: it must fail, and say what is
//! wrong; and the fault matrix's runner against suites that cannot catch a fault or fail
//! anyway. (These test the harness, not a feature, so no nextest mode profile runs them.)

use alloy::providers::Provider;
use harness::{forks::Fork, node::l2::{chain::Fault, fault::MatrixFault}, spec::Mode};
use op_suites::{
    TestNet, boundary,
    matrix::{self, Check, CheckFuture, Run},
    net::spec_for,
};

async fn broken_betanet(fault: Fault) -> TestNet {
    let spec = spec_for(Mode::Betanet, Fork::Isthmus).expect("the shipped specs load");
    TestNet::embedded(spec, Some(fault)).await.expect("the network starts")
}

#[tokio::test]
async fn a_dropped_upgrade_transaction_is_named() {
    let net = broken_betanet(Fault::DropUpgradeTx { fork: Fork::Isthmus, index: 3 }).await;
    let err = boundary::all(&net, Fork::Isthmus).await.expect_err("a bundle without transaction 3 must fail");
    let message = format!("{err:#}");
    assert!(message.contains("missing upgrade transaction 3"), "{message}");
    assert!(message.contains("upgrade proxy 0x4200000000000000000000000000000000000015"), "{message}");
}

#[tokio::test]
async fn an_activation_one_block_late_is_caught() {
    let net = broken_betanet(Fault::LateActivation { fork: Fork::Isthmus }).await;
    let err = boundary::block_layout(&net, Fork::Isthmus).await.expect_err("upgrade transactions one block late must fail");
    let message = format!("{err:#}");
    assert!(message.contains("activation block 4 is missing upgrade transaction 0"), "{message}");
}

#[tokio::test]
async fn a_healthy_network_passes_every_boundary_check() {
    let spec = spec_for(Mode::Betanet, Fork::Isthmus).expect("the shipped specs load");
    let net = TestNet::embedded(spec, None).await.expect("the network starts");
    op_suites::pass(boundary::all(&net, Fork::Isthmus).await);
}

/// Jovian's state is compared with op-deployer's Jovian genesis; a dropped proxy update leaves
/// L1Block on its Isthmus implementation, and the comparison names it.
#[tokio::test]
async fn a_dropped_jovian_upgrade_is_named_by_the_op_deployer_comparison() {
    let spec = spec_for(Mode::Betanet, Fork::Jovian).expect("the shipped specs load");
    let healthy = TestNet::embedded(spec.clone(), None).await.expect("the network starts");
    op_suites::pass(op_suites::oracle::matches_op_deployer(&healthy, Fork::Jovian).await);
    let broken = TestNet::embedded(spec, Some(Fault::DropUpgradeTx { fork: Fork::Jovian, index: 1 })).await.expect("the network starts");
    let err = op_suites::oracle::matches_op_deployer(&broken, Fork::Jovian).await.expect_err("L1Block left on Isthmus's implementation must fail");
    let message = format!("{err:#}");
    assert!(message.contains("predeploy 0x4200000000000000000000000000000000000015"), "{message}");
}

/// A check that proves nothing about any feature: the chain has a head.
fn head_exists(net: &TestNet) -> CheckFuture<'_> {
    Box::pin(async move {
        net.l2.get_block_number().await?;
        Ok(())
    })
}

/// A check that fails on every network.
fn always_fails(_: &TestNet) -> CheckFuture<'_> {
    Box::pin(async { anyhow::bail!("this check fails everywhere") })
}

/// The matrix runner itself: a suite whose checks a fault cannot fail leaves the fault not
/// caught, and says so naming the fault and the checks.
#[tokio::test]
async fn the_matrix_reports_a_fault_no_check_catches() {
    let report = matrix::report("canyon.push0", &[Check { name: "head_exists", run: head_exists }]).await.expect("the matrix runs");
    assert!(matches!(report.healthy, Run::AllPassed), "{report:?}");
    assert!(matches!(report.faults[..], [(MatrixFault::L2(Fault::StaleRules { fork: Fork::Canyon }), Run::AllPassed)]), "{report:?}");
    assert!(!report.holds());
    let text = report.to_string();
    assert!(text.contains("fault not caught: stale-rules(canyon)") && text.contains("head_exists"), "{text}");
}

/// A suite that fails without a fault proves nothing by failing with one.
#[tokio::test]
async fn the_matrix_refuses_a_suite_that_fails_on_the_healthy_node() {
    let report = matrix::report("canyon.push0", &[Check { name: "always_fails", run: always_fails }]).await.expect("the matrix runs");
    assert!(matches!(report.healthy, Run::Failed { check: "always_fails", .. }), "{report:?}");
    assert!(!report.holds());
    assert!(report.to_string().contains("healthy suite failed: check `always_fails`"), "{report}");
}
