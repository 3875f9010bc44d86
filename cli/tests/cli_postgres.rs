//! The `schema-replicator` binary against the local PostgreSQL server: clone, diff and
//! `--schema`, with databases created and dropped through `psql`.

use std::path::PathBuf;
use std::process::{Command, Output};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

fn psql(db: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            db,
        ])
        .args(args)
        .output()
        .map_err(|e| format!("run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A database for one test, dropped at the end.
struct Db(String);

impl Db {
    fn new(tag: &str) -> Db {
        let name = format!("sr_cli_{tag}_{}", std::process::id());
        psql(
            "postgres",
            &[
                "-c",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ],
        )
        .unwrap();
        psql("postgres", &["-c", &format!("CREATE DATABASE {name}")]).unwrap();
        Db(name)
    }

    fn url(&self) -> String {
        format!("{SERVER}/{}", self.0)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = psql(
            "postgres",
            &[
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0),
            ],
        );
    }
}

fn available() -> bool {
    match psql("postgres", &["-c", "SELECT 1"]) {
        Ok(()) => true,
        Err(e) if std::env::var_os("CI").is_some() => panic!("PostgreSQL is required in CI: {e}"),
        Err(e) => {
            eprintln!("skipped: no PostgreSQL server at 127.0.0.1:5432 ({e})");
            false
        }
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schema-replicator"))
        .args(args)
        .output()
        .expect("run schema-replicator")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn clone_diff_and_schema_selection_through_the_command_line() {
    if !available() {
        return;
    }
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/kitchen-sink-postgres.sql");
    let source = Db::new("src");
    psql(&source.0, &["-f", script.to_str().unwrap()]).unwrap();
    let target = Db::new("dst");
    let out = run(&["clone", &source.url(), &target.url()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(&format!("cloned schema into {}: pre ", target.url())));
    let out = run(&["diff", &source.url(), &target.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "no differences\n");

    psql(
        &target.0,
        &["-c", "ALTER TABLE public.scratch ADD COLUMN extra int"],
    )
    .unwrap();
    let out = run(&["diff", &source.url(), &target.url()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "column \"extra\" of table \"public\".\"scratch\": only in B\n"
    );

    let out = run(&[
        "ddl",
        &source.url(),
        "--phase",
        "base",
        "--schema",
        "Sales Ünïcode",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ddl = String::from_utf8_lossy(&out.stdout);
    assert!(
        ddl.starts_with("CREATE TABLE \"Sales Ünïcode\".\"Order\" ("),
        "{ddl}"
    );
    assert!(!ddl.contains("\"public\".\"customer\" ("), "{ddl}");

    let out = run(&["--schema", "nope", "snapshot", &source.url()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: reflecting schema \"nope\": no such schema in the database\n"
    );
}
