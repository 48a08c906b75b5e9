//! `harness`: validate specs, write node configs, run networks and suites, judge stability.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
