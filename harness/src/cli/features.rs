//! `harness features`

use harness::forks::FEATURES;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    for feature in FEATURES {
        if args.json {
            let line = serde_json::json!({ "id": feature.id, "fork": feature.fork, "suite": feature.suite_path(), "description": feature.description });
            println!("{line}");
        } else {
            println!("{:<28} {}", feature.id, feature.description);
        }
    }
    Ok(Outcome::Success)
}
