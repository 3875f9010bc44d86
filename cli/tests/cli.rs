//! The `schema-replicator` binary: exit codes, output streams, and one clear error line
//! for bad input (never a panic, a backtrace or a password).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::on_a_terminal;

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
        format!("cloned schema into {copy}: pre 0, base 10, seal 8 statements\n")
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

/// A snapshot whose seal cannot be rendered (a check written in another dialect's SQL):
/// `ddl --phase base` prints base, which renders alone; `ddl --phase seal`, `apply` of
/// any phase and `clone` refuse with one line naming the check, before anything is
/// applied (apply and clone hold one phase's statements at a time, but render every
/// phase first).
#[test]
fn a_phase_that_cannot_be_rendered_refuses_apply_and_clone_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("schema.json");
    let out = run(&["snapshot", &example(), "-o", snap.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&snap).unwrap();
    let check = text.find("released BETWEEN 1900").expect("the album check");
    let dialect = text[..check].rfind("\"sqlite\"").unwrap();
    let bad = dir.path().join("bad.json");
    let edited = format!("{}\"postgres\"{}", &text[..dialect], &text[dialect + 8..]);
    std::fs::write(&bad, edited).unwrap();
    let bad = bad.to_str().unwrap();
    let refusal = "error: cannot render check constraint CHECK (released BETWEEN 1900 AND \
                   2100) on table \"album\" for sqlite: its expression is postgres SQL";

    let base = run(&["ddl", bad, "--phase", "base"]);
    assert!(base.status.success(), "{}", stderr(&base));
    assert_eq!(stdout(&base).matches("CREATE TABLE").count(), 6);
    assert_eq!(fails(&["ddl", bad, "--phase", "seal"]), refusal);

    let target = dir.path().join("copy.db");
    for phase in ["pre", "base", "seal"] {
        assert_eq!(
            fails(&["apply", bad, &url(&target), "--phase", phase]),
            refusal
        );
    }
    assert!(!target.exists(), "apply created {}", target.display());
    assert_eq!(fails(&["clone", bad, &url(&target)]), refusal);
    if target.exists() {
        let tables = run(&["ddl", &url(&target), "--phase", "base"]);
        assert!(tables.status.success(), "{}", stderr(&tables));
        assert_eq!(stdout(&tables), "", "the clone created tables");
    }
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
fn every_phase_re_run_has_nothing_to_do_and_status_says_where_the_target_stands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let target = url(&path);
    let status = |format: &str| run(&["status", &example(), &target, "--format", format]);
    // Nothing there yet: every object is missing.
    let before = status("json");
    assert_eq!(before.status.code(), Some(1), "{}", stderr(&before));
    let json: serde_json::Value = serde_json::from_str(&stdout(&before)).unwrap();
    assert_eq!(json["sealed"], false);
    assert_eq!(json["phases"][1]["phase"], "base");
    assert_eq!(json["phases"][1]["missing"], 6);
    assert_eq!(json["phases"][1]["present"], 0);
    for phase in ["pre", "base"] {
        let first = run(&["apply", &example(), &target, "--phase", phase]);
        assert!(first.status.success(), "{}", stderr(&first));
    }
    // Before the base, every object is missing: twenty are listed per phase.
    let none = stdout(&status("text"));
    assert_eq!(
        none.lines()
            .filter(|l| l.starts_with("seal: missing "))
            .count(),
        18,
        "{none}"
    );
    let half = status("text");
    assert_eq!(half.status.code(), Some(1));
    let text = stdout(&half);
    assert!(
        text.starts_with("phase   present  missing  different  journal\n"),
        "{text}"
    );
    assert!(
        text.contains("\nbase          6        0          0  -\n"),
        "{text}"
    );
    assert!(
        text.contains("\nseal          0       18          0  -\n"),
        "{text}"
    );
    assert!(
        text.contains("\nseal: missing index \"album_recent\" on table \"album\"\n"),
        "{text}"
    );
    assert!(text.ends_with("the target is not sealed\n"), "{text}");
    let seal = run(&["apply", &example(), &target, "--phase", "seal"]);
    assert!(seal.status.success(), "{}", stderr(&seal));
    let sealed = std::fs::read(&path).unwrap();
    for (phase, line) in [
        ("pre", "nothing to do: phase pre of this schema creates nothing".to_owned()),
        (
            "base",
            format!("nothing to do: base is already applied to {target} (6 statements' objects are there)"),
        ),
        (
            "seal",
            format!("nothing to do: seal is already applied to {target} (28 statements' objects are there)"),
        ),
    ] {
        let again = run(&["apply", &example(), &target, "--phase", phase]);
        assert!(again.status.success(), "{}", stderr(&again));
        assert_eq!(stderr(&again).trim_end(), line);
    }
    let again = run(&[
        "apply",
        &example(),
        &target,
        "--phase",
        "seal",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(
        (
            json["nothing_to_do"].clone(),
            json["present"].clone(),
            json["statements"].clone()
        ),
        (true.into(), 28.into(), 0.into())
    );
    let clone = run(&["clone", &example(), &target]);
    assert!(clone.status.success(), "{}", stderr(&clone));
    assert_eq!(
        stderr(&clone).trim_end(),
        format!("cloned schema into {target}: pre 0, base 0 (6 already there), seal 0 (28 already there) statements")
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        sealed,
        "the re-runs left the target as it was"
    );
    let after = status("text");
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    assert!(stdout(&after).ends_with("\nthe target is sealed\n"));
}

#[test]
fn a_dry_run_prints_what_the_target_lacks() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let target = url(&path);
    let dry = |phase: &str| run(&["apply", &example(), &target, "--phase", phase, "--dry-run"]);
    // Into nothing: the whole phase, and nothing is created.
    let base = dry("base");
    assert!(base.status.success(), "{}", stderr(&base));
    assert_eq!(stdout(&base).matches("CREATE TABLE").count(), 6);
    assert!(!path.exists());
    clone_into(&target);
    let again = dry("seal");
    assert!(again.status.success());
    assert_eq!(stdout(&again), "");
    assert_eq!(
        stderr(&again).trim_end(),
        format!("nothing to do: seal is already applied to {target}")
    );
    // One index gone: the dry run of the seal prints it, and the counter syncs that
    // run with anything the seal runs, nothing else.
    diesel::SqliteConnection::establish(&path.display().to_string())
        .unwrap()
        .batch_execute("DROP INDEX album_recent")
        .unwrap();
    let one = stdout(&dry("seal"));
    let statements: Vec<&str> = one.split(";\n\n").filter(|s| !s.is_empty()).collect();
    assert_eq!(
        statements[0],
        "CREATE INDEX \"album_recent\" ON \"album\" (\"released\") WHERE released >= 2000"
    );
    assert!(
        statements[1..].len() == 4
            && statements[1..]
                .iter()
                .all(|s| s.contains("sqlite_sequence")),
        "{one}"
    );
}

fn clone_into(target: &str) {
    let out = run(&["clone", &example(), target]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn status_lists_twenty_objects_a_phase_and_counts_the_rest() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    let sql: String = (0..25)
        .map(|i| format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v INT); CREATE INDEX t{i}_v ON t{i} (v);"))
        .collect();
    diesel::SqliteConnection::establish(&source.display().to_string())
        .unwrap()
        .batch_execute(&sql)
        .unwrap();
    let target = url(&dir.path().join("target.db"));
    let out = run(&["status", &url(&source), &target]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let seal: Vec<&str> = text.lines().filter(|l| l.starts_with("seal: ")).collect();
    assert_eq!(seal.len(), 21, "{text}");
    assert_eq!(seal[0], "seal: missing index \"t0_v\" on table \"t0\"");
    assert_eq!(seal[20], "seal: and 5 more (--format json lists them all)");
    let json = run(&["status", &url(&source), &target, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["phases"][2]["objects"].as_array().unwrap().len(), 25);
}

#[test]
fn an_object_the_target_holds_with_another_definition_refuses_the_phase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let target = url(&path);
    for phase in ["pre", "base"] {
        assert!(run(&["apply", &example(), &target, "--phase", phase])
            .status
            .success());
    }
    // The same index name with another predicate.
    let out = run(&["apply", &example(), &target, "--phase", "seal"]);
    assert!(out.status.success());
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut conn = diesel::SqliteConnection::establish(&path.display().to_string()).unwrap();
        conn.batch_execute(
            "DROP INDEX album_recent; \
             CREATE INDEX album_recent ON album (released) WHERE released >= 1990;",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let out = run(&["apply", &example(), &target, "--phase", "seal"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some(
            "error: seal: the target already holds 1 object of this phase otherwise than the source has it; nothing was applied (drop or change it in the target, then re-run):"
        )
    );
    let line = lines.next().unwrap_or_default();
    assert!(
        line.starts_with("  index \"album_recent\" on table \"album\": definition {")
            && line.contains("released >= 2000")
            && line.contains("released >= 1990")
            && line.ends_with("} (source vs target)"),
        "{err}"
    );
    assert_eq!(lines.next(), None, "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was applied");
}

#[test]
fn an_apply_waits_for_another_writer_in_time_then_gives_up_and_applies_nothing() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let target = url(&path);
    let mut writer = diesel::SqliteConnection::establish(&path.display().to_string()).unwrap();
    writer
        .batch_execute("CREATE TABLE not_in_the_way (x); BEGIN IMMEDIATE")
        .unwrap();
    // The table above is not the source's: clone would refuse it, apply does not care.
    let base = [
        "apply",
        &example(),
        &target,
        "--phase",
        "base",
        "--lock-timeout",
        "100ms",
        "--lock-retries",
        "1",
    ];
    let blocked = run(&base);
    assert_eq!(blocked.status.code(), Some(2), "{}", stderr(&blocked));
    assert_eq!(
        stderr(&blocked),
        "note: the transaction waits for a lock: another connection is writing to the \
         database file; attempt 2 of 2 in 1 s\n\
         error: the transaction: gave up waiting for a lock after 2 attempts of 0.1 s: \
         another connection is writing to the database file; nothing was applied\n"
    );
    writer.batch_execute("ROLLBACK").unwrap();
    let out = run(&base);
    assert!(out.status.success(), "{}", stderr(&out));
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
fn a_table_pattern_that_matches_nothing_is_an_error() {
    assert_eq!(
        fails(&["ddl", &example(), "--phase", "seal", "--table", "albums"]),
        "error: selection: the pattern \"albums\": no table or view matches it"
    );
    assert_eq!(
        fails(&["clone", &example(), "sqlite::memory:", "-T", "nothing*"]),
        "error: selection: the pattern \"nothing*\": no table or view matches it"
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
            "error: snapshot {}: format_version 0 is not supported; this build reads format_version 1 to 2",
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
fn check_counts_what_the_sqlite_seal_would_refuse_before_its_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let target = url(&path);
    assert!(run(&["apply", &example(), &target, "--phase", "base"])
        .status
        .success());
    let clean = run(&["check", &example(), &target]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    schema_replicator::DdlApplier::new(&target)
        .unwrap()
        .apply_ddl(&[
            // An orphan, a duplicated unique name (twice), a failing check, and two rows
            // the unique index on (title COLLATE NOCASE, artist_id) takes for one.
            "INSERT INTO artist (artist_id, name) VALUES (1, 'Nina'), (2, 'Nina'), (3, 'Nina')"
                .to_owned(),
            "INSERT INTO ledger (entry_id, album_id, amount) VALUES (1, 7, 1.0), (2, 7, 2.0)"
                .to_owned(),
            "INSERT INTO album (album_id, artist_id, title, released, price) VALUES \
             (1, 1, 'Blue', 1800, 1.0), (2, 1, 'BLUE', 1999, 1.0)"
                .to_owned(),
        ])
        .unwrap();
    let out = run(&["check", &example(), &target]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let failing: Vec<String> = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        failing,
        [
            "FAIL 3 unique constraint \"artist_name_unique\" on table \"artist\" rows with a \
             duplicated key in 1 key (e.g. (\"name\")=('Nina'))",
            "FAIL 2 index \"album_title_ci\" on table \"album\" rows with a duplicated key in \
             1 key (e.g. (\"title\", \"artist_id\")=('Blue', 1))",
            "FAIL 1 check constraint CHECK (released BETWEEN 1900 AND 2100) on table \"album\" \
             row failing the check (e.g. (\"album_id\")=(1))",
            "FAIL 2 foreign key (\"album_id\") -> \"album\" on table \"ledger\" orphan rows \
             (e.g. (\"album_id\")=(7))",
        ]
    );
    assert!(
        stderr(&out).ends_with(": 4 would fail the seal\n"),
        "{}",
        stderr(&out)
    );
    // A target that has none of the tables: one line naming the probe.
    let empty = url(&dir.path().join("empty.db"));
    assert!(run(&["apply", &example(), &empty, "--phase", "pre"])
        .status
        .success());
    let message = fails(&["check", &example(), &empty]);
    assert!(
        message.starts_with("error: ") && message.contains("no such table: "),
        "{message}"
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
        "error: the sqlite dialect cannot leave violated constraints NOT VALID: use \
         --on-violation stop, or `check` before the seal"
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

/// Table names of a SQLite database, sorted.
fn tables_of(path: &Path) -> Vec<String> {
    let source = schema_replicator::DdlExtractor::new(&url(path)).unwrap();
    let mut names: Vec<String> = source
        .schema()
        .tables
        .iter()
        .map(|t| t.name.name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn table_filters_select_with_wildcards_and_leave_out_what_needs_excluded_tables() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("some.db");
    // `-t` is repeatable, takes wildcards and compares as SQLite does (without case);
    // `-T` takes away from what `-t` selected.
    let out = run(&[
        "clone",
        &example(),
        &url(&copy),
        "-t",
        "ALB?M",
        "--table",
        "t*",
        "-T",
        "track*",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(tables_of(&copy), ["album", "tag"]);
    // The foreign key to the unselected artist table and the trigger that writes to the
    // unselected ledger are left out, each named in a warning.
    assert_eq!(
        stderr(&out),
        format!(
            "warning: foreign key \"album(artist_id)\": left out of table \"album\": it \
             references table \"artist\", which the selection excludes\n\
             warning: trigger \"album_title_audit\": left out of table \"album\": it names \
             table or view \"ledger\", which the selection excludes\n\
             cloned schema into {}: pre 0, base 5, seal 0 statements\n",
            url(&copy)
        )
    );
    // The copy is what the same filters see in the source.
    let out = run(&["diff", &example(), &url(&copy), "-t", "album", "-t", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["diff", &example(), &url(&copy), "-t", "album"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Everything but the excluded tables; views over them, and views over those views,
    // are left out too; the excluded table's own trigger goes with it silently.
    let rest = dir.path().join("rest.db");
    let out = run(&[
        "clone",
        &example(),
        &url(&rest),
        "-T",
        "ledger",
        "-T",
        "artist",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: foreign key \"album(artist_id)\": left out of table \"album\": it \
             references table \"artist\", which the selection excludes\n\
             warning: view \"album_summary\": left out: it reads table or view \"artist\", \
             which the selection excludes\n\
             warning: view \"big albums\": left out: it reads table or view \
             \"album_summary\", which the selection excludes\n\
             warning: trigger \"album_title_audit\": left out of table \"album\": it names \
             table or view \"ledger\", which the selection excludes\n\
             cloned schema into {}: pre 0, base 7, seal 0 statements\n",
            url(&rest)
        )
    );
    assert_eq!(
        tables_of(&rest),
        ["Track Listing", "album", "select", "tag"]
    );
}

#[test]
fn filters_that_match_nothing_or_name_a_schema_fail_with_the_pattern() {
    assert_eq!(
        fails(&["snapshot", &example(), "-n", "main"]),
        "error: selection: the pattern \"main\": no schema matches it: sqlite databases have \
         no schemas"
    );
    assert_eq!(
        fails(&["check", &example(), "sqlite::memory:", "-N", "x"]),
        "error: selection: the pattern \"x\": no schema matches it: sqlite databases have no \
         schemas"
    );
    assert_eq!(
        fails(&["diff", &example(), &example(), "-t", "main.album"]),
        "error: selection: the pattern \"main.album\": no table or view matches it: it names a \
         schema, and sqlite databases have none"
    );
    assert_eq!(
        fails(&["ddl", &example(), "--phase", "base", "-t", "\"album"]),
        "error: selection: the pattern \"\"\"album\": a double quote is not closed"
    );
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.db");
    assert_eq!(
        fails(&[
            "apply",
            &example(),
            &url(&target),
            "--phase",
            "base",
            "-T",
            "nope"
        ]),
        "error: selection: the pattern \"nope\": no table or view matches it"
    );
    assert!(!target.exists(), "nothing is created when a filter fails");
}

#[test]
fn snapshot_and_ddl_keep_only_the_selected_tables() {
    let out = run(&["snapshot", &example(), "-t", "artist"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let snapshot: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tables: Vec<&str> = snapshot["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["artist"]);
    let out = run(&[
        "ddl",
        &example(),
        "--phase",
        "base",
        "-t",
        "artist",
        "-t",
        "tag",
    ]);
    let ddl = stdout(&out);
    assert_eq!(ddl.matches("CREATE TABLE").count(), 2, "{ddl}");
    assert!(ddl.contains("CREATE TABLE \"artist\""), "{ddl}");
    assert!(ddl.contains("CREATE TABLE \"tag\""), "{ddl}");
}

#[test]
fn json_output_of_diff_apply_clone_and_dialects() {
    let dir = tempfile::tempdir().unwrap();
    let copy = url(&dir.path().join("copy.db"));
    let out = run(&["clone", &example(), &copy, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["target"], copy.as_str());
    assert_eq!(doc["statements"], 18);
    let phases: Vec<(String, u64)> = doc["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["phase"].as_str().unwrap().to_owned(),
                p["statements"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        phases,
        [("pre".into(), 0), ("base".into(), 10), ("seal".into(), 8)]
    );
    assert_eq!(doc["warnings"], serde_json::json!([]));

    let out = run(&["diff", &example(), &copy, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["equal"], true);
    assert_eq!(doc["differences"], serde_json::json!([]));

    schema_replicator::DdlApplier::new(&copy)
        .unwrap()
        .apply_ddl(&["DROP VIEW \"big albums\"".to_owned()])
        .unwrap();
    let out = run(&["diff", &example(), &copy, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["equal"], false);
    assert_eq!(
        doc["differences"],
        serde_json::json!([{"object": "view \"big albums\"", "detail": "only in A"}])
    );

    let target = url(&dir.path().join("t.db"));
    let out = run(&[
        "apply",
        &example(),
        &target,
        "--phase",
        "base",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["phase"], "base");
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["statements"], 6);
    assert_eq!(doc["transactional"], true);
    assert_eq!(doc["created"], serde_json::json!({"table": 6}));
    let out = run(&[
        "apply",
        &example(),
        &target,
        "--phase",
        "seal",
        "--dry-run",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["statements"], 28);
    assert_eq!(doc["sql"].as_array().unwrap().len(), 28);

    let out = run(&["dialects", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sqlite = doc["dialects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "sqlite")
        .expect("sqlite is listed");
    assert_eq!(sqlite["url_schemes"], serde_json::json!(["sqlite"]));
    assert_eq!(sqlite["origin"], "built-in");
    assert_eq!(sqlite["capabilities"]["transactional_ddl"], true);
    assert_eq!(sqlite["capabilities"]["identifier_case"], "insensitive");
}

#[test]
fn verbose_logs_statements_and_catalog_queries() {
    let dir = tempfile::tempdir().unwrap();
    let target = url(&dir.path().join("t.db"));
    let quiet = run(&["apply", &example(), &target, "--phase", "base", "--dry-run"]);
    assert_eq!(stderr(&quiet), "");
    let out = run(&["-v", "apply", &example(), &target, "--phase", "base"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    assert_eq!(
        log.matches("schema_replicator::statement: start: CREATE TABLE")
            .count(),
        6,
        "{log}"
    );
    assert_eq!(
        log.matches("schema_replicator::statement: done in ")
            .count(),
        6,
        "{log}"
    );
    assert!(!log.contains("catalog query"), "{log}");
    let out = run(&["-vv", "snapshot", &example()]);
    let log = stderr(&out);
    assert!(
        log.contains("DEBUG schema_replicator::query: catalog query (the catalog): SELECT"),
        "{log}"
    );
    // RUST_LOG takes precedence over -v.
    let out = bin()
        .args(["snapshot", &example()])
        .env("RUST_LOG", "schema_replicator::query=debug")
        .output()
        .unwrap();
    assert!(stderr(&out).contains("catalog query"), "{}", stderr(&out));
}

#[test]
fn urls_come_from_the_environment_and_help_never_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let copy = url(&dir.path().join("copy.db"));
    let out = bin()
        .arg("clone")
        .env("SCHEMA_REPLICATOR_SOURCE", example())
        .env("SCHEMA_REPLICATOR_TARGET", &copy)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("cloned schema into {copy}: pre 0, base 10, seal 8 statements\n")
    );
    let out = bin()
        .arg("diff")
        .env("SCHEMA_REPLICATOR_SOURCE", example())
        .env("SCHEMA_REPLICATOR_TARGET", &copy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "no differences\n");
    let secret = "postgres://alice:S3cret-pw@127.0.0.1:1/db";
    let out = bin()
        .args(["clone", "--help"])
        .env("SCHEMA_REPLICATOR_SOURCE", secret)
        .env("SCHEMA_REPLICATOR_TARGET", secret)
        .output()
        .unwrap();
    let help = stdout(&out);
    assert!(help.contains("SCHEMA_REPLICATOR_SOURCE"), "{help}");
    assert!(!help.contains("S3cret"), "{help}");
    let out = bin()
        .args(["snapshot"])
        .env("SCHEMA_REPLICATOR_SOURCE", "mssql://alice:S3cret-pw@db/app")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: unknown URL scheme `mssql:` in mssql://alice:***@db/app"),
        "{err}"
    );
    assert!(!err.contains("S3cret"), "{err}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let out = run(&["completions", "bash"]);
    assert!(out.status.success());
    let script = stdout(&out);
    assert!(
        script.contains(
            "complete -F _schema__replicator -o nosort -o bashdefault -o default schema-replicator"
        ),
        "{script}"
    );
    for word in ["clone", "--exclude-table", "--format", "completions"] {
        assert!(script.contains(word), "{word} in {script}");
    }
    let zsh = stdout(&run(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef schema-replicator"), "{zsh}");
    let out = run(&["man"]);
    assert!(out.status.success());
    let page = stdout(&out);
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{page}");
    assert!(page.contains(".TH schema-replicator 1"), "{page}");
    assert!(page.contains("clone"), "{page}");
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: invalid value 'tcsh' for '<SHELL>'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn on_a_terminal_every_phase_draws_a_progress_bar_and_elsewhere_none() {
    let dir = tempfile::tempdir().unwrap();
    let target = url(&dir.path().join("t.db"));
    let (ok, screen) = on_a_terminal(&["apply", &example(), &target, "--phase", "base"]);
    assert!(ok, "{screen}");
    assert!(
        screen.contains("] 6/6 statements, 00:00:0"),
        "the bar's last frame: {screen:?}"
    );
    assert!(
        screen.contains("left\r\x1b[2Kapplied 6 statements of phase base"),
        "the bar is cleared before the summary: {screen:?}"
    );
    // A clone's bar starts again with each phase.
    let copy = url(&dir.path().join("copy.db"));
    let (ok, screen) = on_a_terminal(&["clone", &example(), &copy]);
    assert!(ok, "{screen}");
    assert!(screen.contains("] 10/10 statements, 00:00:0"), "{screen:?}");
    assert!(screen.contains("] 8/8 statements, 00:00:0"), "{screen:?}");
    assert!(
        screen.contains("left\r\x1b[2Kcloned schema into"),
        "the bar is cleared before the summary: {screen:?}"
    );
    let seal = run(&["apply", &example(), &target, "--phase", "seal"]);
    assert!(seal.status.success(), "{}", stderr(&seal));
    assert_eq!(
        stderr(&seal),
        format!("applied 28 statements of phase seal to {target} in one transaction\n"),
        "no bar when standard error is not a terminal"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // `schema-replicator snapshot ... | head -c 1`: the reader goes away early.
    for args in [
        vec!["snapshot", "EXAMPLE"],
        vec!["ddl", "EXAMPLE", "--phase", "seal"],
        vec!["diff", "EXAMPLE", "sqlite::memory:"],
    ] {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("EXAMPLE", &example()))
            .collect();
        let mut child = bin()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn with_logs_on_a_terminal_no_bar_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let target = url(&dir.path().join("t.db"));
    let (ok, screen) = on_a_terminal(&["-v", "apply", &example(), &target, "--phase", "base"]);
    assert!(ok, "{screen}");
    // On a terminal the log is coloured: its words are apart.
    assert_eq!(
        screen.matches("start: CREATE TABLE").count(),
        6,
        "{screen:?}"
    );
    assert!(
        !screen.contains(" statements, 00:00:0"),
        "no bar between the log lines: {screen:?}"
    );
}

#[test]
fn a_snapshot_on_standard_output_is_the_file_and_a_full_output_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.json");
    let out = run(&["snapshot", &example(), "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Streamed to standard output, byte for byte the file.
    let streamed = run(&["snapshot", &example()]);
    assert!(streamed.status.success(), "{}", stderr(&streamed));
    assert_eq!(streamed.stdout, std::fs::read(&file).unwrap());
    // A write that fails (a full device) is one line naming the output, exit 2.
    let full = bin()
        .args(["snapshot", &example()])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(2), "{}", stderr(&full));
    assert_eq!(
        stderr(&full),
        "error: standard output: No space left on device (os error 28)\n"
    );
    let full = bin()
        .args(["snapshot", &example(), "-o", "/dev/full"])
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(2), "{}", stderr(&full));
    assert_eq!(
        stderr(&full),
        "error: /dev/full: No space left on device (os error 28)\n"
    );
}
