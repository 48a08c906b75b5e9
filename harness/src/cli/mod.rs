//! Command-line entry point. Exit codes: 0 success, 1 a verdict failed, 2 usage or
//! infrastructure error.

mod bench;
mod clean;
mod config;
mod faults;
mod features;
mod history;
mod run;
mod signals;
mod train;
mod stress;
mod up;
mod validate;
mod verdict;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Acceptance-test harness for OP Stack upgrade networks.
#[derive(Parser)]
#[command(name = "harness", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check network specs; exits 2 naming file, line, field and fix for the first problem.
    Validate(validate::Args),
    /// Write rollup.json and genesis.json for the spec's chains.
    Config(config::Args),
    /// List the fork catalog's features.
    Features(features::Args),
    /// The fault matrix as Markdown: each covered feature, the node faults its suite must
    /// catch and, from a `faults` profile JUnit, whether it did (exits 1 when one was missed).
    Faults(faults::Args),
    /// Measure the harness's L2 against anvil on this machine (run it from a release build:
    /// scripts/bench).
    Bench(bench::Args),
    /// Remove the processes and containers that killed runs left behind.
    Clean(clean::Args),
    /// Measure the hardening figures against a `harness up` process: concurrent out-of-order
    /// load, a gapped transaction, a memory soak (scripts/harden runs them).
    Stress(stress::Args),
    /// Run a network in the foreground; Ctrl-C stops it cleanly.
    Up(up::Args),
    /// The main job: bring the spec's network up, run the suites of its features against it,
    /// judge stability and write the reports. Exit codes as for `verdict`.
    Run(run::Args),
    /// Judge per-feature stability from nextest JUnit and the run history; write the reports.
    /// Exits 0 when every in-scope feature is stable, 1 when one is not, 2 on an
    /// infrastructure or input error.
    Verdict(verdict::Args),
    /// Work with run histories: import a folder into a shared PostgreSQL history.
    History(history::Args),
    /// The release train: status of every candidate, Betanet assembly, removal, Testnet gate.
    Train(train::Args),
}

/// How a command ended, beyond plain success.
pub enum Outcome {
    Success,
    /// The command ran but its answer is "no": exit code 1.
    Failed,
}

/// Parses the command line, runs the command and maps its result to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Config(args) => config::run(args),
        Command::Features(args) => features::run(args),
        Command::Faults(args) => faults::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Clean(args) => clean::run(args),
        Command::Stress(args) => stress::run(args),
        Command::Up(args) => up::run(args),
        Command::Run(args) => run::run(args),
        Command::Verdict(args) => verdict::run(args),
        Command::History(args) => history::run(args),
        Command::Train(args) => train::run(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
