//! The fault matrix: a feature's own checks against deliberate faults of the L2 node or of the
//! L1's scheduled upgrade. For each fault the table in `harness::node::l2::fault` lists for the
//! feature, a fresh embedded network with that fault runs the checks in order until one fails; a
//! fault no check fails on is not caught. The same checks must all pass on a healthy network, so that a catch is the fault's
//! doing and not a suite that fails anyway. A fault that only shows once something happens on
//! the network (a SystemConfig change on L1 for a node that ignores them) has a provocation,
//! which runs before the checks on the faulty network and, so that both see the same history,
//! on the healthy one. `feature_tests!`, `boundary_suite!` and `l1_feature_tests!` give every
//! feature module a `faults_are_caught` test that runs this; only the `faults` nextest profile
//! selects it, and verdicts never see it.

use std::{any::Any, fmt, future::Future, panic::AssertUnwindSafe, pin::Pin};

use futures::FutureExt;
use harness::{
    devnet::DevnetOptions,
    forks::{Feature, feature},
    node::l2::fault::{Fault, HEALTHY_FAILED, MatrixFault, NOT_CAUGHT, faults_of},
    spec::{Mode, NetworkSpec},
    verdict::INFRA_MARKER,
};

use crate::{TestNet, config_change, env, l1_upgrade, net};

/// What a check returns, boxed so that checks of any module fit one list.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

/// One check of a feature, as the matrix runs it.
#[derive(Clone, Copy)]
pub struct Check {
    pub name: &'static str,
    pub run: for<'a> fn(&'a TestNet) -> CheckFuture<'a>,
}

/// What a provocation returns.
type ProvocationFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

/// Something done on a fresh network before the checks, so that a fault has to show.
#[derive(Clone, Copy)]
struct Provocation {
    name: &'static str,
    run: for<'a> fn(&'a TestNet) -> ProvocationFuture<'a>,
}

/// The owner changes every SystemConfig value on L1 ([`config_change::change_everything`]):
/// a node that never applies SystemConfig updates is left with values the L1 no longer holds,
/// whatever its genesis values.
const CHANGE_EVERYTHING: Provocation = Provocation {
    name: "config_change::change_everything",
    run: |net| Box::pin(async move { config_change::change_everything(net).await.map(drop) }),
};

/// The provocation `fault` needs, if any.
fn provocation(fault: MatrixFault) -> Option<Provocation> {
    match fault {
        MatrixFault::L2(Fault::FreezeSystemConfig) => Some(CHANGE_EVERYTHING),
        _ => None,
    }
}

/// Features whose checks prove more on a spec of their own than on the mode's: the example
/// feature exists only where its example spec applies its bundle.
const OWN_SPECS: &[(&str, &str)] = &[("fjord.example_nut", "examples/alphanet-example.toml")];

/// The spec a matrix network of `feature` is built from in `mode`: an L1 feature of a release
/// gets the release's own (in Betanet mode, the L1 upgrades to it live), as its tests do.
fn spec(feature: &Feature, mode: Mode) -> anyhow::Result<NetworkSpec> {
    if let Some(release) = feature.release {
        return l1_upgrade::spec_for(mode, release);
    }
    match OWN_SPECS.iter().find(|(id, _)| *id == feature.id) {
        Some((_, file)) => net::spec_from(file, mode, feature.fork),
        None => net::spec_for(mode, feature.fork),
    }
}

/// The options that start a network with `fault`: in every L2 node, or in the L1's upgrade.
fn options(fault: Option<MatrixFault>) -> DevnetOptions {
    match fault {
        None => DevnetOptions::default(),
        Some(MatrixFault::L2(fault)) => DevnetOptions { fault: Some(fault), ..Default::default() },
        Some(MatrixFault::L1(fault)) => DevnetOptions { l1_fault: Some(fault), ..Default::default() },
    }
}

/// How one check ended.
enum Outcome {
    Passed,
    /// The check failed: the feature is wrong.
    Failed(String),
    /// The network failed under the check (its message carries the infrastructure marker).
    Broken(String),
}

impl Outcome {
    fn of(result: Result<anyhow::Result<()>, Box<dyn Any + Send>>) -> Self {
        let message = match result {
            Ok(Ok(())) => return Self::Passed,
            Ok(Err(err)) => format!("{err:#}"),
            Err(panic) => panic_message(panic.as_ref()),
        };
        if message.contains(INFRA_MARKER) { Self::Broken(message) } else { Self::Failed(message) }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap_or_else(|| "a panic without a message".into())
}

/// The first line of a message, for one-line reports.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

/// What one network did to the checks.
#[derive(Debug)]
pub enum Run {
    /// Every check passed.
    AllPassed,
    /// Check `check` failed with `error`.
    Failed { check: &'static str, error: String },
    /// The network failed to start, or failed under check `check`: nothing was proven.
    Broken { check: Option<&'static str>, error: String },
}

/// Runs `provocations`, then `checks` in order, on a fresh embedded network of `spec` with
/// `fault`, until one fails.
async fn run(spec: NetworkSpec, fault: Option<MatrixFault>, provocations: &[Provocation], checks: &[Check]) -> Run {
    let net = match TestNet::start(spec, options(fault)).await {
        Ok(net) => net,
        Err(e) => return Run::Broken { check: None, error: format!("the network did not start: {e:#}") },
    };
    for provocation in provocations {
        if let Err(e) = (provocation.run)(&net).await {
            return Run::Broken { check: Some(provocation.name), error: format!("the provocation failed: {e:#}") };
        }
    }
    for check in checks {
        match Outcome::of(AssertUnwindSafe((check.run)(&net)).catch_unwind().await) {
            Outcome::Passed => {}
            Outcome::Failed(error) => return Run::Failed { check: check.name, error },
            Outcome::Broken(error) => return Run::Broken { check: Some(check.name), error },
        }
    }
    Run::AllPassed
}

/// The matrix row of one feature: its suite on a healthy network and under each of its faults.
#[derive(Debug)]
pub struct Report {
    pub feature: &'static str,
    pub checks: Vec<&'static str>,
    pub healthy: Run,
    pub faults: Vec<(MatrixFault, Run)>,
}

impl Report {
    /// Whether the suite passed on the healthy network and failed under every fault.
    pub fn holds(&self) -> bool {
        matches!(self.healthy, Run::AllPassed) && self.faults.iter().all(|(_, run)| matches!(run, Run::Failed { .. }))
    }

    /// One line per problem, each starting with the marker `harness faults` reads back.
    fn problems(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match &self.healthy {
            Run::AllPassed => {}
            Run::Failed { check, error } => lines.push(format!("{HEALTHY_FAILED} check `{check}` fails without a fault: {}", first_line(error))),
            Run::Broken { check, error } => lines.push(format!("{HEALTHY_FAILED} the healthy network failed{}: {}", at(*check), first_line(error))),
        }
        for (fault, run) in &self.faults {
            match run {
                Run::Failed { .. } => {}
                Run::AllPassed => lines.push(format!("{NOT_CAUGHT} {fault} ({}): all {} checks passed ({})", fault.description(), self.checks.len(), self.checks.join(", "))),
                Run::Broken { check, error } => lines.push(format!("{NOT_CAUGHT} {fault}: the network failed{} instead of a check: {}", at(*check), first_line(error))),
            }
        }
        lines
    }
}

fn at(check: Option<&str>) -> String {
    check.map(|c| format!(" under check `{c}`")).unwrap_or_default()
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (fault, run) in &self.faults {
            if let Run::Failed { check, error } = run {
                writeln!(f, "fault caught: {fault} by `{check}`: {}", first_line(error))?;
            }
        }
        for line in self.problems() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// Runs feature `id`'s matrix row in the mode the environment names (the `faults` profile:
/// Betanet, where each feature has a before and an after).
pub async fn report(id: &str, checks: &[Check]) -> anyhow::Result<Report> {
    let feature = feature(id).ok_or_else(|| anyhow::anyhow!("`{id}` is not in the feature catalog"))?;
    let faults = faults_of(id);
    anyhow::ensure!(!faults.is_empty(), "`{id}` has no fault in the fault table (harness/src/node/l2/fault/table.rs): add one its suite must catch");
    let mode = env::mode();
    let mut all_provocations: Vec<Provocation> = Vec::new();
    for p in faults.iter().filter_map(|f| provocation(*f)) {
        if !all_provocations.iter().any(|q| q.name == p.name) {
            all_provocations.push(p);
        }
    }
    let healthy = run(spec(feature, mode)?, None, &all_provocations, checks).await;
    let mut runs = Vec::new();
    for fault in faults {
        let provoked = Vec::from_iter(provocation(fault));
        runs.push((fault, run(spec(feature, mode)?, Some(fault), &provoked, checks).await));
    }
    Ok(Report { feature: feature.id, checks: checks.iter().map(|c| c.name).collect(), healthy, faults: runs })
}

/// The test every feature module gets: fails, naming the feature, each fault and what was or was
/// not caught, unless the suite passes healthy and catches every fault.
pub async fn assert_caught(id: &str, checks: &[Check]) {
    let report = report(id, checks).await.unwrap_or_else(|e| panic!("fault matrix of `{id}`: {e:#}"));
    print!("{report}");
    if !report.holds() {
        panic!("fault matrix of `{id}` does not hold:\n{}", report.problems().join("\n"));
    }
}
