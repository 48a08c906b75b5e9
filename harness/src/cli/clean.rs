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
    /// With --check: give networks still shutting down on their own this many seconds.
    #[arg(long, default_value_t = 0, requires = "check")]
    wait: u64,
}

/// What is left once the grace period is over (checked four times a second).
fn leftovers_after(run: Option<&str>, grace: std::time::Duration) -> Vec<registry::Leftover> {
    let deadline = std::time::Instant::now() + grace;
    loop {
        let left = registry::leftovers(run);
        if left.is_empty() || std::time::Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let leftovers = leftovers_after(args.run.as_deref(), std::time::Duration::from_secs(args.wait));
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
