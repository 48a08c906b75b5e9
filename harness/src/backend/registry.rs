//! Everything a run starts is recorded so it can be removed even after the run was killed:
//! child processes in a per-run folder under the temp dir, containers by Docker label.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// The Docker label every container of a run carries, valued with the run id.
pub const RUN_LABEL: &str = "op-harness.run";

/// A new run id: unique per process start, readable in `docker ps`.
pub fn new_run_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos:x}", std::process::id())
}

/// Where runs record their processes.
pub fn runs_dir() -> PathBuf {
    std::env::temp_dir().join("op-harness").join("runs")
}

/// Records that `pid` (running `program`) belongs to run `run`.
pub fn record_process(run: &str, pid: u32, program: &Path) -> std::io::Result<()> {
    let dir = runs_dir().join(run);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join(pid.to_string()), program.as_os_str().as_encoded_bytes())
}

/// Forgets a process that was stopped normally.
pub fn forget_process(run: &str, pid: u32) {
    let dir = runs_dir().join(run);
    // Already gone is fine: the goal is that the record is gone.
    let _ = fs::remove_file(dir.join(pid.to_string()));
    let _ = fs::remove_dir(dir);
}

/// A process or container a run left behind.
#[derive(Debug, PartialEq, Eq)]
pub enum Leftover {
    Process { run: String, pid: u32, program: String },
    Container { id: String, run: String },
}

impl std::fmt::Display for Leftover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Process { run, pid, program } => write!(f, "process {pid} ({program}) of run {run}"),
            Self::Container { id, run } => write!(f, "container {id} of run {run}"),
        }
    }
}

/// Whether `pid` is alive and still runs `program` (a recycled PID is someone else's).
fn is_ours(pid: u32, program: &str) -> bool {
    fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmd| {
        let first = cmd.split(|b| *b == 0).next().unwrap_or_default();
        Path::new(&*String::from_utf8_lossy(first)).file_name() == Path::new(program).file_name()
    })
}

/// Live processes recorded by `run` (or by every run), dropping records of dead ones.
fn processes(run: Option<&str>) -> Vec<Leftover> {
    let Ok(runs) = fs::read_dir(runs_dir()) else { return Vec::new() };
    let mut found = Vec::new();
    for entry in runs.flatten().filter(|e| run.is_none_or(|r| e.file_name() == r)) {
        let run_id = entry.file_name().to_string_lossy().into_owned();
        for record in fs::read_dir(entry.path()).into_iter().flatten().flatten() {
            let pid: Option<u32> = record.file_name().to_str().and_then(|p| p.parse().ok());
            let program = fs::read_to_string(record.path()).unwrap_or_default();
            match pid {
                Some(pid) if is_ours(pid, &program) => found.push(Leftover::Process { run: run_id.clone(), pid, program }),
                Some(pid) => forget_process(&run_id, pid),
                None => {}
            }
        }
    }
    found
}

/// Labelled containers of `run` (or of every run). No Docker, no containers.
fn containers(run: Option<&str>) -> Vec<Leftover> {
    let filter = match run {
        Some(run) => format!("label={RUN_LABEL}={run}"),
        None => format!("label={RUN_LABEL}"),
    };
    let format = format!("{{{{.ID}}}} {{{{.Label \"{RUN_LABEL}\"}}}}");
    let Ok(out) = Command::new("docker").args(["ps", "-a", "--no-trunc", "--filter", &filter, "--format", &format]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(id, run)| Leftover::Container { id: id.to_owned(), run: run.to_owned() })
        .collect()
}

/// What runs left behind.
pub fn leftovers(run: Option<&str>) -> Vec<Leftover> {
    let mut all = processes(run);
    all.extend(containers(run));
    all
}

/// Removes one leftover: SIGKILL for a process (it was already orphaned), `docker rm -f` for
/// a container.
pub fn remove(leftover: &Leftover) -> std::io::Result<()> {
    match leftover {
        Leftover::Process { run, pid, .. } => {
            let status = Command::new("kill").args(["-KILL", &pid.to_string()]).status()?;
            if status.success() {
                forget_process(run, *pid);
            }
            Ok(())
        }
        Leftover::Container { id, .. } => {
            let status = Command::new("docker").args(["rm", "-f", "-v", id]).stdout(std::process::Stdio::null()).status()?;
            if status.success() { Ok(()) } else { Err(std::io::Error::other(format!("docker rm -f {id} failed"))) }
        }
    }
}
