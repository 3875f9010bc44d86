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
