//! `harness validate <spec>...`

use std::path::PathBuf;

use harness::spec::NetworkSpec;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Spec files to check.
    #[arg(required = true)]
    specs: Vec<PathBuf>,
}

/// Checks every spec and the official data it points at, and reports each problem; any invalid
/// spec makes the command exit 2.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut invalid = 0;
    for path in &args.specs {
        match NetworkSpec::load_with_data(path) {
            Ok(spec) => println!("ok      {} ({} {}, {} L2)", path.display(), spec.mode.name(), spec.name, spec.l2.len()),
            Err(err) => {
                invalid += 1;
                eprintln!("invalid {err}");
            }
        }
    }
    anyhow::ensure!(invalid == 0, "{invalid} of {} specs are invalid", args.specs.len());
    Ok(Outcome::Success)
}
