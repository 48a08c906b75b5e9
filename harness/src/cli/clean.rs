//! `harness clean [--run ID] [--check]`: remove the processes and containers runs left behind.

use harness::backend::registry;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Only this run's leftovers.
    #[arg(long)]
    run: Option<String>,
    /// Only report; exit 1 if anything is left.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let leftovers = registry::leftovers(args.run.as_deref());
    if args.check {
        for leftover in &leftovers {
            eprintln!("left behind: {leftover}");
        }
        return Ok(if leftovers.is_empty() { Outcome::Success } else { Outcome::Failed });
    }
    for leftover in &leftovers {
        registry::remove(leftover)?;
        eprintln!("removed {leftover}");
    }
    eprintln!("{} removed; nothing of {} is left", leftovers.len(), args.run.as_deref().map_or("any run".to_owned(), |r| format!("run {r}")));
    Ok(Outcome::Success)
}
