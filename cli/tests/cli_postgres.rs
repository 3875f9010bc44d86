//! The `schema-replicator` binary against the local PostgreSQL server: clone, diff and
//! `--schema`, a parallel seal killed with SIGKILL at several moments and finished by a
//! re-run, with databases created and dropped through `psql`.

use std::path::PathBuf;
mod common;

use common::kill_when_journaled;
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
    pre_and_base(&source, &target);
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

/// One number from `sql`, or `None` when the query fails (a table not there yet).
fn value(db: &str, sql: &str) -> Option<i64> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAq",
            "-d",
            db,
            "-c",
            sql,
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Applies `pre` and `base` of `source` to `target` through the command line.
fn pre_and_base(source: &Db, target: &Db) {
    for phase in ["pre", "base"] {
        let out = run(&["apply", &source.url(), &target.url(), "--phase", phase]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

/// Tables chained by foreign keys, each with indexes, a unique key and a check: seal
/// work of several statements per table.
fn chained_tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            let fk = if i == 0 {
                String::new()
            } else {
                format!(
                    ", CONSTRAINT \"fk {i}\" FOREIGN KEY (parent) REFERENCES t{} (id)",
                    i - 1
                )
            };
            format!(
                "CREATE TABLE t{i} (id int PRIMARY KEY, parent int NOT NULL, a int NOT NULL, \
                 b text NOT NULL, CONSTRAINT t{i}_a_b UNIQUE (a, b), CHECK (a >= 0){fk}); \
                 CREATE INDEX t{i}_by_a ON t{i} (a); CREATE INDEX t{i}_by_b ON t{i} (b);\n"
            )
        })
        .collect()
}

#[test]
fn a_parallel_seal_killed_at_several_moments_is_finished_by_a_re_run() {
    if !available() {
        return;
    }
    const TABLES: usize = 12;
    let source = Db::new("kill_src");
    psql(&source.0, &["-c", &chained_tables(TABLES)]).unwrap();
    let loaded = Db::new("kill_loaded");
    pre_and_base(&source, &loaded);
    let load: String = (0..TABLES)
        .map(|i| {
            format!(
                "INSERT INTO t{i} SELECT g, g, g, 'row ' || g FROM generate_series(1, 150000) g;"
            )
        })
        .collect();
    psql(&loaded.0, &["-c", &load]).unwrap();
    let dry = run(&[
        "apply",
        &source.url(),
        &loaded.url(),
        "--phase",
        "seal",
        "--dry-run",
    ]);
    let total = String::from_utf8_lossy(&dry.stdout).matches(";\n").count() as i64;
    assert!(total > 6 * TABLES as i64, "{total} statements");
    // Kill right after the first statement is journaled, half-way, and near the end
    // (during the validations).
    for (round, threshold) in [1, total / 2, total - 10].into_iter().enumerate() {
        let target = Db(format!("{}_{round}", loaded.0));
        psql(
            "postgres",
            &[
                "-c",
                &format!("CREATE DATABASE {} TEMPLATE {}", target.0, loaded.0),
            ],
        )
        .unwrap();
        let journal = "SELECT count(*) FROM _schema_replicator.journal";
        let seal = [
            "apply",
            &source.url(),
            &target.url(),
            "--phase",
            "seal",
            "-j",
            "2",
        ];
        let done = kill_when_journaled(&seal, threshold, || value(&target.0, journal).unwrap_or(0));
        assert!(
            done >= threshold && done < total,
            "killed after {done} of {total} statements"
        );
        // The same command again.
        let rerun = run(&seal);
        let message = stderr(&rerun);
        assert!(rerun.status.success(), "{message}");
        assert!(
            message.starts_with(&format!(
                "applied {total} statements of phase seal to {} over 2 connections in ",
                target.url()
            )) && message.contains(", resuming after the "),
            "{message}"
        );
        assert_eq!(
            value(
                &target.0,
                "SELECT count(*) FROM pg_namespace WHERE nspname = '_schema_replicator'"
            ),
            Some(0),
            "the journal is removed once the seal is complete"
        );
        assert_eq!(
            value(
                &target.0,
                "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
            ),
            Some(0)
        );
        let diff = run(&["diff", &source.url(), &target.url()]);
        assert!(diff.status.success(), "{}", stderr(&diff));
        assert_eq!(stderr(&diff), "no differences\n");
    }
}

#[test]
fn the_seal_summary_counts_what_it_created_and_a_zero_job_count_is_refused() {
    if !available() {
        return;
    }
    let source = Db::new("summary_src");
    psql(&source.0, &["-c", &chained_tables(3)]).unwrap();
    let target = Db::new("summary_dst");
    pre_and_base(&source, &target);
    let out = run(&[
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "-j",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "invalid value '0' for '--jobs <JOBS>': `0` is not a number of connections (1 or more)"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "-j",
        "3",
    ]);
    let message = stderr(&out);
    assert!(out.status.success(), "{message}");
    assert!(
        message.starts_with(&format!(
            "applied 22 statements of phase seal to {} over 3 connections in ",
            target.url()
        )),
        "{message}"
    );
    assert!(
        message.trim_end().ends_with(
            ": 3 unique constraints, 3 check constraints, 6 indexes, 2 foreign keys (not in a \
             transaction: a journal in the target lets a re-run of the same command resume)"
        ),
        "{message}"
    );
    assert!(
        !message.contains('\r'),
        "no progress bar when stderr is not a terminal"
    );
}

#[test]
fn on_a_terminal_the_seal_draws_a_progress_bar() {
    if !available() {
        return;
    }
    let source = Db::new("bar_src");
    psql(&source.0, &["-c", &chained_tables(2)]).unwrap();
    let target = Db::new("bar_dst");
    pre_and_base(&source, &target);
    // `script` runs the command on a pseudo-terminal and copies what it prints.
    let command = format!(
        "{} apply {} {} --phase seal -j 2",
        env!("CARGO_BIN_EXE_schema-replicator"),
        source.url(),
        target.url()
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("run script(1)");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("] 14/14 statements, 0:0"),
        "the bar's last frame: {screen:?}"
    );
    assert!(
        screen.contains("\r\x1b[K"),
        "the bar is cleared: {screen:?}"
    );
    assert!(
        screen.contains("applied 14 statements of phase seal"),
        "{screen:?}"
    );
}
