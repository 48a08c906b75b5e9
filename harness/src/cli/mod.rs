//! Command-line entry point. Exit codes: 0 success, 1 a verdict failed, 2 usage or
//! infrastructure error.

mod config;
mod features;
mod validate;

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
}

/// How a command ended, beyond plain success.
pub enum Outcome {
    Success,
}

/// Parses the command line, runs the command and maps its result to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Config(args) => config::run(args),
        Command::Features(args) => features::run(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
