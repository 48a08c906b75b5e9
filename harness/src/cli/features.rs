//! `harness features`

use harness::forks::{Coverage, FEATURES};

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
            let line = serde_json::json!({
                "id": feature.id,
                "fork": feature.fork,
                "layer": feature.layer,
                "suite": feature.suite_path(),
                "description": feature.description,
                "coverage": feature.coverage,
            });
            println!("{line}");
        } else {
            println!("{:<28} {:<3} {}", feature.id, feature.layer.name(), feature.description);
            if let Coverage::Uncovered(reason) = feature.coverage {
                println!("{:<32} NOT COVERED: {reason}", "");
            }
        }
    }
    Ok(Outcome::Success)
}
