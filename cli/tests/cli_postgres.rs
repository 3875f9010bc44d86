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

#[test]
fn check_counts_what_the_seal_would_refuse_and_exits_1() {
    if !available() {
        return;
    }
    let source = Db::new("check_src");
    psql(
        &source.0,
        &[
            "-c",
            "CREATE TABLE parent (id int PRIMARY KEY, code text NOT NULL UNIQUE);
             CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int NOT NULL,
                 CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id),
                 CONSTRAINT qty_positive CHECK (qty > 0));",
        ],
    )
    .unwrap();
    let target = Db::new("check_dst");
    for phase in ["pre", "base"] {
        let out = run(&["apply", &source.url(), &target.url(), "--phase", phase]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    psql(
        &target.0,
        &[
            "-c",
            "INSERT INTO parent VALUES (1, 'a'), (2, 'a'), (3, 'b'), (4, 'b'), (5, 'b');
             INSERT INTO child VALUES (1, 1, 1), (2, 7, 1), (3, 8, 0), (4, NULL, 2);",
        ],
    )
    .unwrap();
    let out = run(&[
        "check",
        &source.url(),
        &target.url(),
        "--format",
        "json",
        "-j",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rows"].as_u64() > Some(0))
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["object"]["name"].as_str().unwrap(),
                f["problem"].as_str().unwrap(),
                f["rows"],
                f["groups"],
                f["samples"]
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "child_parent orphan_rows 2 null [\"(\\\"parent_id\\\")=(7)\",\"(\\\"parent_id\\\")=(8)\"]",
            "qty_positive failing_rows 1 null [\"(3,8,0)\"]",
            "parent_code_key duplicate_keys 5 2 [\"(\\\"code\\\")=(a)\",\"(\\\"code\\\")=(b)\"]",
        ]
    );
    assert_eq!(report["failing"], 3);
    assert!(
        stderr(&out).ends_with(&format!(
            "checked 7 objects of {}: 3 would fail the seal\n",
            target.url()
        )),
        "{}",
        stderr(&out)
    );
}
