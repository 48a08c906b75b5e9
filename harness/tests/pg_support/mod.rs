//! A throwaway PostgreSQL server for one test: Debian's binaries (installed by scripts/setup),
//! a temporary data folder, 127.0.0.1 on a port picked here, trust authentication. It is
//! stopped and its folder removed when the guard drops, also when the test panics.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::{
    fs,
    net::TcpListener,
    os::unix::{fs::MetadataExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Where Debian's `postgresql` package puts the server binaries, one folder per major version.
const DEBIAN_BINARIES: &str = "/usr/lib/postgresql";
/// How long a fresh server may take to accept connections.
const START_DEADLINE: Duration = Duration::from_secs(30);

pub struct PgServer {
    child: Child,
    bin: PathBuf,
    data: tempfile::TempDir,
    owner: Owner,
    pub port: u16,
}

/// The account the server runs as: initdb and postgres refuse root.
#[derive(Clone, Copy)]
struct Owner {
    uid: u32,
    gid: u32,
}

impl PgServer {
    /// Starts a server, or fails the test naming scripts/setup when the binaries are missing.
    pub fn start() -> Self {
        let bin = binaries();
        let owner = owner();
        let data = tempfile::Builder::new().prefix("harness-pg-").tempdir().expect("a temporary folder");
        std::os::unix::fs::chown(data.path(), Some(owner.uid), Some(owner.gid)).expect("handing the data folder to the server's user");
        let cluster = data.path().join("cluster");
        let initdb = as_owner(Command::new(bin.join("initdb")), owner)
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C", "-D"])
            .arg(&cluster)
            .output()
            .expect("initdb runs");
        assert!(initdb.status.success(), "initdb failed: {}", String::from_utf8_lossy(&initdb.stderr));
        let port = free_port();
        let log = fs::File::create(data.path().join("server.log")).expect("a server log");
        let child = as_owner(Command::new(bin.join("postgres")), owner)
            .arg("-D")
            .arg(&cluster)
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-k"])
            .arg(data.path())
            .args(["-c", "fsync=off", "-c", "max_connections=50"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        let mut server = Self { child, bin, data, owner, port };
        server.wait_ready();
        server
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        while started.elapsed() < START_DEADLINE {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                panic!("postgres exited ({status}) before accepting connections:\n{}", self.log());
            }
            if postgres::Client::connect(&self.url(), postgres::NoTls).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("postgres did not accept connections within {START_DEADLINE:?}:\n{}", self.log());
    }

    fn log(&self) -> String {
        fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let stopped = as_owner(Command::new(self.bin.join("pg_ctl")), self.owner)
            .args(["stop", "-m", "immediate", "-w", "-D"])
            .arg(self.data.path().join("cluster"))
            .output()
            .is_ok_and(|o| o.status.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The newest version's binaries under [`DEBIAN_BINARIES`].
fn binaries() -> PathBuf {
    let versions = fs::read_dir(DEBIAN_BINARIES).into_iter().flatten().flatten().map(|e| e.path().join("bin"));
    let newest = versions.filter(|bin| bin.join("initdb").is_file() && bin.join("postgres").is_file()).max_by_key(|bin| major(bin));
    newest.unwrap_or_else(|| {
        panic!("no PostgreSQL server binaries under {DEBIAN_BINARIES}/<version>/bin\n  fix: run scripts/setup (it installs Debian's postgresql package)")
    })
}

fn major(bin: &Path) -> u32 {
    bin.parent().and_then(Path::file_name).and_then(|v| v.to_str()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// This process's user, or the `postgres` account when this process is root.
fn owner() -> Owner {
    let me = fs::metadata("/proc/self").expect("/proc/self");
    if me.uid() != 0 {
        return Owner { uid: me.uid(), gid: me.gid() };
    }
    let passwd = fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let entry = passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| f.first() == Some(&"postgres"));
    let fields = entry.unwrap_or_else(|| panic!("running as root but there is no `postgres` user\n  fix: run scripts/setup (Debian's postgresql package creates it)"));
    Owner { uid: fields[2].parse().expect("a uid"), gid: fields[3].parse().expect("a gid") }
}

fn as_owner(mut command: Command, owner: Owner) -> Command {
    command.uid(owner.uid).gid(owner.gid).env_remove("PGDATA");
    command
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}
