//! `harness history import <FROM> --into <TO>`: moves a history (normally a folder carried in
//! a CI cache) into another (normally the team's PostgreSQL). Runs already there count once,
//! so an import can be repeated, or run from several machines at once.

use anyhow::Context;
use harness::history::{Appended, History, Location};

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Copy every run of one history into another; the source is left as it was.
    Import {
        /// The history to read: a folder or a postgres:// URL.
        from: String,
        /// The history to append to; default $HARNESS_HISTORY.
        #[arg(long)]
        into: Option<String>,
    },
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Command::Import { from, into } = args.command;
    let into = Location::named(into.as_deref())
        .context("no history to import into\n  fix: pass --into postgres://user@host/db (or a folder), or set $HARNESS_HISTORY")?;
    let from = Location::parse(&from);
    anyhow::ensure!(from != into, "the source and the target are the same history\n  fix: name another target with --into");
    let runs = History::open(&from)?.load()?;
    let mut target = History::open(&into)?;
    let mut already = 0;
    for run in &runs {
        if target.append(run)? == Appended::AlreadyRecorded {
            already += 1;
        }
    }
    println!("imported {} of {} runs into {target} ({already} were already there)", runs.len() - already, runs.len());
    Ok(Outcome::Success)
}
