//! The `schema-replicator` binary: exit codes, output streams, and one clear error line
//! for bad input (never a panic, a backtrace or a password).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schema-replicator"))
}

fn example() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/kitchen-sink.db");
    format!("sqlite://{}", path.display())
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run schema-replicator")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts exit code 2 and exactly one line on stderr, returned.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    err.trim_end().to_owned()
}

#[test]
fn clone_then_diff_shows_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let copy = url(&dir.path().join("copy.db"));
    let out = run(&["clone", &example(), &copy]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("cloned schema into {copy}: pre 0, base 6, seal 32 statements\n")
    );
    let out = run(&["diff", &example(), &copy]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "no differences\n");
}

#[test]
fn diff_prints_differences_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    assert!(run(&["clone", &example(), &url(&copy)]).status.success());
    // Change the copy, as a user's migration would.
    schema_replicator::DdlApplier::new(&url(&copy))
        .unwrap()
        .apply_ddl(&["DROP VIEW \"big albums\"".to_owned()])
        .unwrap();
    let out = run(&["diff", &example(), &url(&copy)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "view \"big albums\": only in A\n");
}

#[test]
fn snapshot_ddl_and_dry_run_work_offline() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("schema.json");
    let out = run(&["snapshot", &example(), "-o", snap.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let from_db = run(&["ddl", &example(), "--phase", "seal"]);
    let from_snapshot = run(&["ddl", snap.to_str().unwrap(), "--phase", "seal"]);
    assert!(from_db.status.success() && from_snapshot.status.success());
    assert_eq!(stdout(&from_db), stdout(&from_snapshot));
    let base = stdout(&run(&[
        "ddl",
        snap.to_str().unwrap(),
        "--phase",
        "base",
        "--table",
        "album",
    ]));
    assert!(base.starts_with("CREATE TABLE \"album\" (\n"), "{base}");
    assert!(base.trim_end().ends_with(");"), "{base}");
    let target = dir.path().join("dry.db");
    let out = run(&[
        "apply",
        snap.to_str().unwrap(),
        &url(&target),
        "--phase",
        "base",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("CREATE TABLE").count(), 6);
    assert!(!target.exists(), "a dry run must not create the target");
}

#[test]
fn apply_reports_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let target = url(&dir.path().join("t.db"));
    let out = run(&["apply", &example(), &target, "--phase", "base"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("applied 6 statements of phase base to {target} in one transaction\n")
    );
}

#[test]
fn dialects_lists_sqlite() {
    let out = run(&["dialects"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.starts_with("sqlite")
            && l.contains("sqlite:")
            && l.contains("built-in")
            && l.contains("transactional DDL")),
        "{text}"
    );
}

#[test]
fn missing_file() {
    assert_eq!(
        fails(&["snapshot", "sqlite:///nowhere/at/all.db"]),
        "error: cannot connect to sqlite:///nowhere/at/all.db: no such file"
    );
}

#[test]
fn not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readme.db");
    std::fs::write(
        &path,
        "plain text, long enough to fill a header of a database file....",
    )
    .unwrap();
    assert_eq!(
        fails(&["ddl", &url(&path), "--phase", "base"]),
        format!(
            "error: cannot connect to {}: file is not a database",
            url(&path)
        )
    );
}

#[test]
fn unknown_table() {
    assert_eq!(
        fails(&["ddl", &example(), "--phase", "seal", "--table", "Album"]),
        format!(
            "error: unknown table \"Album\" in {}; did you mean \"album\"?",
            example()
        )
    );
}

/// The schemes of the dialects this binary was built with, as errors list them
/// (dialects register in name order).
fn known_schemes() -> String {
    let mut known = Vec::new();
    if cfg!(feature = "mysql") {
        known.push("mysql:, mariadb:");
    }
    if cfg!(feature = "postgres") {
        known.push("postgres:, postgresql:");
    }
    known.push("sqlite:");
    known.join(", ")
}

#[test]
fn unknown_scheme_hides_the_password() {
    assert_eq!(
        fails(&["snapshot", "mssql://sa:Pa55word@db/app"]),
        format!(
            "error: unknown URL scheme `mssql:` in mssql://sa:***@db/app; this build knows {}",
            known_schemes()
        )
    );
}

#[test]
fn mysql_is_listed_when_built_in_and_named_by_its_feature_otherwise() {
    if cfg!(feature = "mysql") {
        let text = stdout(&run(&["dialects"]));
        assert!(
            text.lines().any(|l| l.starts_with("mysql")
                && l.contains("mysql: mariadb:")
                && l.contains("built-in")
                && l.contains("non-transactional DDL")),
            "{text}"
        );
    } else {
        assert_eq!(
            fails(&["snapshot", "mysql://root:topsecret@127.0.0.1/app"]),
            "error: mysql://root:***@127.0.0.1/app: the mysql dialect is not in this build; \
             enable the `mysql` feature of schema-replicator or load a mysql dialect plugin \
             (--plugin PATH or SCHEMA_REPLICATOR_PLUGIN_PATH)"
        );
    }
}

#[test]
fn snapshot_of_another_format_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(&path, "{\"format_version\": 0, \"dialect\": \"sqlite\"}").unwrap();
    assert_eq!(
        fails(&["ddl", path.to_str().unwrap(), "--phase", "base"]),
        format!(
            "error: snapshot {}: format_version 0 is not supported; this build reads format_version 1",
            path.display()
        )
    );
}

#[test]
fn a_database_given_as_a_path_is_explained() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/kitchen-sink.db");
    assert_eq!(
        fails(&["ddl", path.to_str().unwrap(), "--phase", "base"]),
        format!(
            "error: snapshot {}: not a JSON snapshot; a database is given as a URL, e.g. sqlite://{}",
            path.display(),
            path.display()
        )
    );
}

#[test]
fn seal_with_orphan_rows() {
    let dir = tempfile::tempdir().unwrap();
    let target = url(&dir.path().join("t.db"));
    assert!(run(&["apply", &example(), &target, "--phase", "base"])
        .status
        .success());
    schema_replicator::DdlApplier::new(&target)
        .unwrap()
        .apply_ddl(&[
            "INSERT INTO ledger (entry_id, album_id, amount) VALUES (1, 7, 1.0)".to_owned(),
        ])
        .unwrap();
    assert_eq!(
        fails(&["apply", &example(), &target, "--phase", "seal"]),
        "error: seal refused: foreign key (\"album_id\") -> \"album\" on table \"ledger\" has 1 \
         orphan row (e.g. 7); nothing was applied"
    );
}

#[test]
fn bad_phase_is_a_usage_error() {
    let out = run(&["ddl", &example(), "--phase", "load"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown phase `load` (expected pre, base or seal)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_is_refused_where_the_dialect_cannot_do_it() {
    assert_eq!(
        fails(&["check", &example(), "sqlite::memory:"]),
        "error: the sqlite dialect cannot check loaded data yet"
    );
}

#[test]
fn a_sqlite_seal_runs_on_one_connection_and_refuses_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    let target = url(&dir.path().join("t.db"));
    for phase in ["pre", "base"] {
        let out = run(&["apply", &example(), &target, "--phase", phase]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        fails(&[
            "apply",
            &example(),
            &target,
            "--phase",
            "seal",
            "--on-violation",
            "not-valid"
        ]),
        "error: the sqlite dialect cannot leave violated constraints NOT VALID"
    );
    let out = run(&[
        "apply",
        &example(),
        &target,
        "--phase",
        "seal",
        "--on-violation",
        "later",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown violation policy `later` (expected stop or not-valid)"),
        "{}",
        stderr(&out)
    );
    // SQLite has one writer: -j 4 runs the seal in one transaction on one connection.
    let out = run(&["apply", &example(), &target, "--phase", "seal", "-j", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with(&format!("phase seal to {target} in one transaction\n")),
        "{}",
        stderr(&out)
    );
}
