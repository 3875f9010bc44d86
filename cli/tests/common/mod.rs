//! Helpers shared by the command-line tests of several servers.
// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `schema-replicator` with `args`, waits until `journaled()` (the rows of the
/// seal's journal in the target) reaches `threshold`, kills the command with SIGKILL,
/// and returns `journaled()` after that.
pub fn kill_when_journaled(args: &[&str], threshold: i64, journaled: impl Fn() -> i64) -> i64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schema-replicator"))
        .args(args)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the seal");
    let started = Instant::now();
    while journaled() < threshold {
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the seal ended ({status}) before it could be killed");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "seal stalled");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL the seal");
    child.wait().expect("reap");
    journaled()
}

/// Runs `schema-replicator` with `args` on a pseudo-terminal (through `script`), and
/// returns whether it succeeded and everything it printed there.
pub fn on_a_terminal(args: &[&str]) -> (bool, String) {
    let command = std::iter::once(env!("CARGO_BIN_EXE_schema-replicator"))
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("run script(1)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Starts `schema-replicator` with `args`, waits until `journaled()` reaches
/// `threshold`, injects `fault` (a terminated connection, a server restart), and returns
/// what the command printed and how it ended.
pub fn fault_when_journaled(
    args: &[&str],
    threshold: i64,
    journaled: impl Fn() -> i64,
    fault: impl FnOnce(),
) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_schema-replicator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the seal");
    let mut child = Some(child);
    let started = Instant::now();
    while journaled() < threshold {
        let running = child.as_mut().expect("running");
        if let Some(status) = running.try_wait().expect("poll") {
            let out = child.take().unwrap().wait_with_output().expect("output");
            panic!(
                "the seal ended ({status}) before the fault: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(started.elapsed() < Duration::from_secs(120), "seal stalled");
        std::thread::sleep(Duration::from_millis(2));
    }
    fault();
    child.take().unwrap().wait_with_output().expect("reap")
}

/// A throw-away PostgreSQL cluster of the local installation, on its own port and
/// socket directory, that a test may stop and start without disturbing other tests.
pub struct PgCluster {
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
    /// Its port.
    pub port: u16,
    settings: String,
}

/// Runs `program` as the `postgres` user when the tests run as root (the server refuses
/// root), as the current user otherwise.
fn as_postgres(program: &std::path::Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A TCP port nobody listens on now, from the system (a fixed port can collide with the
/// local end of a connection, which takes ports from the same range).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl PgCluster {
    /// Creates and starts a cluster on a free port, with trust authentication.
    pub fn start() -> PgCluster {
        Self::start_with("")
    }

    /// [`PgCluster::start`] with server options (`-c max_locks_per_transaction=10`).
    pub fn start_with(settings: &str) -> PgCluster {
        let port = free_port();
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries in /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = std::env::temp_dir().join(format!("sr_pg_cluster_{port}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status();
        let out = as_postgres(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(dir.join("data"))
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = PgCluster {
            dir,
            bin,
            port,
            settings: settings.to_owned(),
        };
        cluster.pg_ctl(&["start", "-w"]);
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off {}",
            self.port,
            self.dir.display(),
            self.settings
        );
        let out = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-l"])
            .arg(self.dir.join("log"))
            .args(["-o", &options, "-t", "180"])
            .args(args)
            .output()
            .expect("run pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
    }

    /// Stops the server with a fast shutdown (sessions are terminated, their
    /// transactions rolled back) and starts it again.
    pub fn restart_fast(&self) {
        self.pg_ctl(&["stop", "-w", "-m", "fast"]);
        self.pg_ctl(&["start", "-w"]);
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["stop", "-m", "immediate"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A throw-away MariaDB server of the local installation, on its own port and data
/// directory, that a test may restart without disturbing other tests. It runs without
/// grant tables: anyone connecting over TCP is root.
pub struct MariaDbServer {
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
    /// Its port.
    pub port: u16,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

impl MariaDbServer {
    /// Creates a data directory and starts a server on a free port.
    pub fn start() -> MariaDbServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("sr_mariadb_{port}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .args(["--skip-test-db", "--auth-root-authentication-method=normal"]);
        if running_as_root() {
            install.arg("--user=root");
        }
        let out = install.output().expect("run mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut server = MariaDbServer {
            dir,
            child: None,
            port,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let mut command = Command::new(
            ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]
                .into_iter()
                .find(|p| std::path::Path::new(p).exists())
                .expect("mariadbd"),
        );
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!("--socket={}", self.dir.join("sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("pid").display()))
            .arg(format!("--port={}", self.port))
            .args([
                "--bind-address=127.0.0.1",
                "--skip-grant-tables",
                "--innodb-buffer-pool-size=64M",
            ])
            .arg(format!(
                "--log-error={}",
                self.dir.join("error.log").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if running_as_root() {
            command.arg("--user=root");
        }
        self.child = Some(command.spawn().expect("start mariadbd"));
        let started = Instant::now();
        while !self.answers() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "mariadbd on port {} did not start: {}",
                self.port,
                std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn answers(&self) -> bool {
        Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-u", "root", "-e", "SELECT 1"])
            .arg(format!("--port={}", self.port))
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Shuts the server down (SIGTERM: sessions are killed, their statements rolled
    /// back) and starts it again.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for MariaDbServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
