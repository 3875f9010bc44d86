//! The `schema-replicator` binary against the local PostgreSQL server: clone, diff and
//! `--schema`, a parallel seal killed with SIGKILL at several moments and finished by a
//! re-run, with databases created and dropped through `psql`.

use std::path::PathBuf;
mod common;

use common::{fault_when_journaled, kill_when_journaled, on_a_terminal, PgCluster};
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

    // The same clone over two connections, every phase in parallel: the kitchen sink's
    // types, routines, partitions and views keep their order.
    let parallel = Db::new("dst_j2");
    let out = run(&["clone", &source.url(), &parallel.url(), "-j", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["diff", &source.url(), &parallel.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["status", &source.url(), &parallel.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("\nthe target is sealed\n"));

    psql(
        &target.0,
        &["-c", "ALTER TABLE public.scratch ADD COLUMN extra int"],
    )
    .unwrap();
    // `status` names the difference, and a re-run of base refuses it.
    let out = run(&["status", &source.url(), &target.url()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "\nbase: different table \"public\".\"scratch\": column \"extra\" of table \
             \"public\".\"scratch\": only in the target (source vs target)\n"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["diff", &source.url(), &target.url()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "column \"extra\" of table \"public\".\"scratch\": only in B\n"
    );

    // The schema's order table numbers its rows from a sequence in `public`: without
    // that schema the table cannot be created, and that is said, not half-done.
    let out = run(&[
        "ddl",
        &source.url(),
        "--phase",
        "base",
        "--schema",
        "\"Sales Ünïcode\"",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: selection: table \"Sales Ünïcode\".\"Order\": needs sequence \
         \"public\".\"invoice_numbers\" (the default of column \"invoice_no\"), which the \
         selection excludes\n"
    );
    // With `public` kept for its sequence but none of its tables, the schema's tables
    // are all there is.
    let out = run(&[
        "ddl",
        &source.url(),
        "--phase",
        "base",
        "--schema",
        "\"Sales Ünïcode\"",
        "-n",
        "public",
        "-T",
        "public.*",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ddl = String::from_utf8_lossy(&out.stdout);
    assert!(
        ddl.starts_with("CREATE TABLE \"Sales Ünïcode\".\"Order\" ("),
        "{ddl}"
    );
    assert!(!ddl.contains("\"public\".\"customer\" ("), "{ddl}");

    let out = run(&["snapshot", &source.url(), "--schema", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: selection: the pattern \"nope\": no schema matches it\n"
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
    value_at(5432, db, sql)
}

/// [`value`] on the server at `port`.
fn value_at(port: u16, db: &str, sql: &str) -> Option<i64> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-tAq",
            "-v",
            "ON_ERROR_STOP=1",
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

/// A source of `n` chained tables, and a target with its pre and base applied, named
/// after `tag`.
fn chained_source_and_base(tag: &str, n: usize) -> (Db, Db) {
    let source = Db::new(&format!("{tag}_src"));
    psql(&source.0, &["-c", &chained_tables(n)]).unwrap();
    let target = Db::new(&format!("{tag}_dst"));
    pre_and_base(&source, &target);
    (source, target)
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
    let (source, loaded) = chained_source_and_base("kill", TABLES);
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
    let (source, target) = chained_source_and_base("summary", 3);
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
    let (source, target) = chained_source_and_base("bar", 2);
    let (ok, screen) = on_a_terminal(&[
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "-j",
        "2",
    ]);
    assert!(ok, "{screen}");
    // The bar counts every statement of the phase: the 14 it runs and the 3 owners'
    // (of the schema and the two tables) the target holds already.
    assert!(
        screen.contains("] 17/17 statements, 00:00:0"),
        "the bar's last frame: {screen:?}"
    );
    assert!(
        screen.contains("left\r\x1b[2Kapplied 14 statements"),
        "the bar is cleared before the summary: {screen:?}"
    );
    assert!(
        screen.contains("applied 14 statements of phase seal"),
        "{screen:?}"
    );
}

/// One query's rows through `psql -At`, one line each.
fn rows(db: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-At",
            "-d",
            db,
            "-c",
            sql,
        ])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const RELATIONS: &str = "SELECT table_schema || '.' || table_name FROM information_schema.tables \
                         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1";

const SHOP: &str = r#"
CREATE SCHEMA sales; CREATE SCHEMA hr; CREATE SCHEMA "Mixed Case";
CREATE TABLE public.customer (id int PRIMARY KEY);
CREATE TABLE sales.orders (id int PRIMARY KEY, customer_id int
    CONSTRAINT orders_customer_fk REFERENCES public.customer (id), note text);
CREATE TABLE sales.order_lines (order_id int CONSTRAINT lines_order_fk REFERENCES sales.orders (id), n int);
CREATE TABLE hr.people (id int PRIMARY KEY);
CREATE TABLE "Mixed Case"."Orders" (id int);
CREATE VIEW sales.customer_orders AS
    SELECT o.id FROM sales.orders o JOIN public.customer c ON c.id = o.customer_id;
CREATE VIEW sales.big_orders AS SELECT id FROM sales.orders WHERE id > 100;
"#;

#[test]
fn schema_and_table_filters_follow_pg_dump() {
    if !available() {
        return;
    }
    let source = Db::new("filter_src");
    psql(&source.0, &["-c", SHOP]).unwrap();

    // -n: one schema's objects; what they need from elsewhere is left out, by name.
    let sales = Db::new("filter_sales");
    let out = run(&["clone", &source.url(), &sales.url(), "-n", "sal*"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The seal: its three statements, and the owners of the schema, its two tables and
    // its view (none of what was left out).
    assert_eq!(
        stderr(&out),
        format!(
            "warning: foreign key \"orders_customer_fk\": left out of table \"sales\".\"orders\": \
             it references table \"public\".\"customer\", which the selection excludes\n\
             warning: view \"sales.customer_orders\": left out: it reads table or view \
             \"public\".\"customer\", which the selection excludes\n\
             cloned schema into {}: pre 1, base 2, seal 7 statements\n",
            sales.url()
        )
    );
    assert_eq!(
        rows(&sales.0, RELATIONS),
        "sales.big_orders\nsales.order_lines\nsales.orders\n"
    );
    // The foreign key inside the selection is there and enforced.
    assert!(psql(
        &sales.0,
        &["-c", "INSERT INTO sales.order_lines VALUES (7, 1)"]
    )
    .unwrap_err()
    .contains("lines_order_fk"));
    // Under the same filters, source and copy agree (the left-out objects are left out
    // of both sides, with the same warnings).
    let out = run(&["diff", &source.url(), &sales.url(), "-n", "sales"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).ends_with("which the selection excludes\nno differences\n"));
    let out = run(&[
        "diff",
        &source.url(),
        &sales.url(),
        "-t",
        "sales.*",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["equal"], true);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 2, "{doc}");

    // -N and -T: everything else; a quoted pattern keeps its case.
    let rest = Db::new("filter_rest");
    let out = run(&[
        "clone",
        &source.url(),
        &rest.url(),
        "-N",
        "sales",
        "--exclude-schema",
        "HR",
        "-T",
        "\"Mixed Case\".\"Ord\"*",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rows(&rest.0, RELATIONS), "public.customer\n");
    assert_eq!(
        rows(
            &rest.0,
            "SELECT nspname FROM pg_namespace WHERE nspname IN ('sales', 'hr', 'Mixed Case')"
        ),
        "Mixed Case\n",
        "the excluded schemas are not created; \"Mixed Case\", whose table alone -T left \
         out, is (as pg_dump keeps a schema it was not asked to exclude)"
    );

    // -t: unquoted names fold to lower case, so ORDERS is sales.orders, not "Orders".
    let out = run(&["ddl", &source.url(), "--phase", "base", "-t", "ORDERS"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ddl = String::from_utf8_lossy(&out.stdout);
    assert!(ddl.contains("CREATE TABLE \"sales\".\"orders\" ("), "{ddl}");
    assert!(!ddl.contains("\"Orders\""), "{ddl}");
    let out = run(&["ddl", &source.url(), "--phase", "base", "-t", "\"Orders\""]);
    let ddl = String::from_utf8_lossy(&out.stdout);
    assert!(
        ddl.contains("CREATE TABLE \"Mixed Case\".\"Orders\" ("),
        "{ddl}"
    );
    assert_eq!(ddl.matches("CREATE TABLE").count(), 1, "{ddl}");

    // Patterns that match nothing name themselves; a near miss in case gets a hint.
    for (args, message) in [
        (
            vec!["-n", "nope"],
            "error: selection: the pattern \"nope\": no schema matches it\n",
        ),
        (
            vec!["-t", "hr.orders"],
            "error: selection: the pattern \"hr.orders\": no table or view matches it\n",
        ),
        (
            vec!["-t", "\"ORDERS\""],
            "error: selection: the pattern \"\"\"ORDERS\"\"\": no table or view matches it: did \
             you mean \"Mixed Case\".\"Orders\" or \"sales\".\"orders\"?\n",
        ),
    ] {
        let url = source.url();
        let mut argv = vec!["snapshot", url.as_str()];
        argv.extend(args);
        let out = run(&argv);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr(&out), message);
    }
    let untouched = Db::new("filter_none");
    let out = run(&["clone", &source.url(), &untouched.url(), "-t", "nothing"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(rows(&untouched.0, RELATIONS), "", "nothing applied");
}

#[test]
fn check_draws_a_progress_bar_on_a_terminal_and_json_reports_findings() {
    if !available() {
        return;
    }
    let (source, target) = chained_source_and_base("checkbar", 3);
    let (ok, screen) = on_a_terminal(&["check", &source.url(), &target.url()]);
    assert!(ok, "{screen}");
    assert!(
        screen.contains("queries, 00:00:0"),
        "a frame of the bar: {screen:?}"
    );
    assert!(screen.contains("checked "), "{screen:?}");
    // Not on a terminal: no bar at all.
    let out = run(&["check", &source.url(), &target.url(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("queries,"), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["failing"], 0);
    assert!(doc["checked"].as_u64().unwrap() > 3, "{doc}");
}

/// A session of `psql` that holds ROW EXCLUSIVE on `table` of `db` in an open
/// transaction, as an application writing to it does, until [`Holder::release`].
struct Holder {
    child: std::process::Child,
    pid: i64,
}

impl Holder {
    fn hold(db: &Db, table: &str) -> Holder {
        Holder::start(
            db,
            &format!("BEGIN; LOCK TABLE {table} IN ROW EXCLUSIVE MODE;"),
        )
    }

    /// A session that ran `sql` (which leaves a transaction open) and waits.
    fn start(db: &Db, sql: &str) -> Holder {
        use std::io::Write;
        let app = format!("sr_holder_{}", std::process::id());
        let mut child = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-q", "-d", &db.0])
            .env("PGAPPNAME", &app)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run psql");
        let stdin = child.stdin.as_mut().expect("psql's stdin");
        writeln!(stdin, "{sql}").unwrap();
        stdin.flush().unwrap();
        let idle = format!(
            "SELECT pid FROM pg_stat_activity \
             WHERE application_name = '{app}' AND state = 'idle in transaction'"
        );
        for _ in 0..100 {
            if let Some(pid) = value(&db.0, &idle) {
                return Holder { child, pid };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the holder never ran {sql}");
    }

    fn release(mut self) {
        use std::io::Write;
        let mut stdin = self.child.stdin.take().expect("psql's stdin");
        writeln!(stdin, "ROLLBACK;").unwrap();
        drop(stdin);
        self.child.wait().unwrap();
    }
}

#[test]
fn a_seal_blocked_by_a_lock_names_its_holder_gives_up_in_time_and_a_re_run_resumes() {
    if !available() {
        return;
    }
    let (source, target) = chained_source_and_base("blocked", 3);
    let holder = Holder::hold(&target, "t1");
    let seal = [
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "--lock-timeout",
        "300ms",
        "--lock-retries",
        "1",
    ];
    let blocked = run(&seal);
    assert_eq!(blocked.status.code(), Some(2), "{}", stderr(&blocked));
    let message = stderr(&blocked);
    let held = format!(
        "table \"public\".\"t1\" is locked by session {} (postgres, idle in transaction for ",
        holder.pid
    );
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 2, "{message}");
    assert!(
        lines[0].starts_with("note: ")
            && lines[0].contains(" waits for a lock: ")
            && lines[0].contains(&held)
            && lines[0].ends_with("; attempt 2 of 2 in 1 s"),
        "{message}"
    );
    assert!(
        lines[1].starts_with("error: ")
            && lines[1].contains(": gave up waiting for a lock after 2 attempts of 0.3 s: ")
            && lines[1].contains(&held)
            && lines[1].contains(" statements are applied and stay so")
            && lines[1].ends_with(": fix the cause and re-run the same command to resume"),
        "{message}"
    );
    holder.release();
    let rerun = run(&seal);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stderr(&rerun).contains(", resuming after the "),
        "{}",
        stderr(&rerun)
    );
    let diff = run(&["diff", &source.url(), &target.url()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}

#[test]
fn a_seal_waits_for_a_lock_that_is_released_and_finishes() {
    if !available() {
        return;
    }
    let (source, target) = chained_source_and_base("waits", 3);
    let holder = Holder::hold(&target, "t2");
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        holder.release();
    });
    let seal = run(&[
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "--lock-timeout",
        "200ms",
    ]);
    release.join().unwrap();
    let message = stderr(&seal);
    assert!(seal.status.success(), "{message}");
    assert!(
        message.starts_with("note: ")
            && message.contains(" waits for a lock: table \"public\".\"t2\" is locked by session "),
        "{message}"
    );
    assert!(message.contains("applied "), "{message}");
    let diff = run(&["diff", &source.url(), &target.url()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}

/// Runs `sql` in `db` on the server at `port`; panics with the server's message.
fn psql_at(port: u16, db: &str, sql: &str) {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-q",
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rows for the chained tables of [`chained_tables`], enough for a seal of several
/// seconds.
fn load(tables: usize, per_table: usize) -> String {
    (0..tables)
        .map(|i| {
            format!(
                "INSERT INTO t{i} SELECT g, g, g, 'row ' || g FROM generate_series(1, {per_table}) g;"
            )
        })
        .collect()
}

const JOURNALED: &str = "SELECT count(*) FROM _schema_replicator.journal";
const INVALID_INDEXES: &str = "SELECT count(*) FROM pg_index WHERE NOT indisvalid";

/// Asserts that a seal a fault stopped (`out`) said so in one line naming the fault,
/// that the same command (`seal`) then resumed and finished it, and that the target
/// (`value` queries it) holds no invalid index, no journal, and the source's schema.
fn stopped_then_finished(
    out: &Output,
    seal: &[&str],
    source: &str,
    target: &str,
    value: impl Fn(&str) -> Option<i64>,
) {
    let message = one_error_line(out);
    assert!(
        message.contains("terminating connection due to administrator command")
            || message.contains(": lost the connection to the server ("),
        "{message}"
    );
    let rerun = run(seal);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stderr(&rerun).contains(", resuming after the "),
        "{}",
        stderr(&rerun)
    );
    assert_eq!(value(INVALID_INDEXES), Some(0));
    assert_eq!(value(JOURNALED), None, "the journal is gone");
    let diff = run(&["diff", source, target]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}

/// Asserts that a seal stopped by a fault said so in one line, naming what stays
/// applied, and returns that line.
fn one_error_line(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    let message = stderr(out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: ")
            && message.contains(
                " statements are applied and stay so, recorded in \
                                 _schema_replicator.journal: fix the cause and re-run the same \
                                 command to resume"
            ),
        "{message}"
    );
    message
}

#[test]
fn a_seal_connection_terminated_mid_seal_stops_the_run_and_a_re_run_finishes_it() {
    if !available() {
        return;
    }
    const TABLES: usize = 8;
    let (source, target) = chained_source_and_base("terminated", TABLES);
    psql(&target.0, &["-c", &load(TABLES, 150_000)]).unwrap();
    let seal = [
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "-j",
        "2",
    ];
    let terminated = std::cell::Cell::new(0);
    let out = fault_when_journaled(
        &seal,
        3,
        || value(&target.0, JOURNALED).unwrap_or(0),
        || {
            // One of the two seal sessions, while it runs a statement.
            let started = std::time::Instant::now();
            while terminated.get() == 0 && started.elapsed().as_secs() < 30 {
                terminated.set(
                    value(
                        &target.0,
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) \
                         FROM pg_stat_activity WHERE datname = current_database() \
                         AND pid <> pg_backend_pid() AND state = 'active' \
                         AND query LIKE 'BEGIN;%' LIMIT 1) t",
                    )
                    .unwrap_or(0),
                );
            }
        },
    );
    assert_eq!(terminated.get(), 1, "no seal session was caught running");
    stopped_then_finished(&out, &seal, &source.url(), &target.url(), |sql| {
        value(&target.0, sql)
    });
}

#[test]
fn a_server_restarted_mid_seal_stops_the_run_and_a_re_run_finishes_it() {
    if !available() {
        return;
    }
    const TABLES: usize = 8;
    let cluster = PgCluster::start();
    let port = cluster.port;
    let source = Db::new("restart_src");
    psql(&source.0, &["-c", &chained_tables(TABLES)]).unwrap();
    psql_at(port, "postgres", "CREATE DATABASE target");
    let target = cluster.url("target");
    for phase in ["pre", "base"] {
        let out = run(&["apply", &source.url(), &target, "--phase", phase]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    psql_at(port, "target", &load(TABLES, 150_000));
    let seal = [
        "apply",
        &source.url(),
        &target,
        "--phase",
        "seal",
        "-j",
        "2",
    ];
    let out = fault_when_journaled(
        &seal,
        3,
        || value_at(port, "target", JOURNALED).unwrap_or(0),
        || cluster.restart_fast(),
    );
    stopped_then_finished(&out, &seal, &source.url(), &target, |sql| {
        value_at(port, "target", sql)
    });
}

#[test]
fn a_base_blocked_by_another_transaction_names_it_gives_up_and_applies_nothing() {
    if !available() {
        return;
    }
    let source = Db::new("base_blocked_src");
    psql(&source.0, &["-c", &chained_tables(2)]).unwrap();
    let target = Db::new("base_blocked_dst");
    // Another transaction has created a table of the same name and not committed yet:
    // the base's CREATE TABLE must wait for it to end.
    let holder = Holder::start(&target, "BEGIN; CREATE TABLE t1 (x int);");
    let base = [
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "base",
        "--lock-timeout",
        "200ms",
        "--lock-retries",
        "1",
    ];
    let blocked = run(&base);
    let message = stderr(&blocked);
    assert_eq!(blocked.status.code(), Some(2), "{message}");
    let held = format!("session {} (postgres, idle in transaction for ", holder.pid);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 2, "{message}");
    assert!(
        lines[0].starts_with("note: table \"public\".\"t1\" waits for a lock: ")
            && lines[0].contains(&held)
            && lines[0].contains("CREATE TABLE t1 (x int);) has a transaction open")
            && lines[0].ends_with("; attempt 2 of 2 in 1 s"),
        "{message}"
    );
    assert!(
        lines[1].starts_with("error: table \"public\".\"t1\": gave up waiting for a lock after 2 attempts of 0.2 s: ")
            && lines[1].contains(&held)
            && lines[1].ends_with("; nothing was applied (the batch runs in one transaction)"),
        "{message}"
    );
    assert_eq!(
        value(
            &target.0,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        Some(0),
        "nothing was applied"
    );
    // The other transaction rolls back: the same command applies the base.
    holder.release();
    let rerun = run(&base);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
}

/// `n` tables, each with a serial key (a sequence), a unique key and an index: locks
/// enough for a base to need several transactions on a small lock table.
fn many_tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "CREATE TABLE m{i} (id serial PRIMARY KEY, code text UNIQUE, v int); \
                 CREATE INDEX m{i}_v ON m{i} (v);\n"
            )
        })
        .collect()
}

#[test]
fn a_base_larger_than_the_lock_table_applies_in_groups_and_a_killed_one_resumes() {
    if !available() {
        return;
    }
    // Enough groups of 64 that a kill seen at the first group lands well before the
    // last, however slowly the poll runs (at 300 tables, a loaded machine once saw the
    // whole base done first).
    const TABLES: usize = 1000;
    // 10 locks per transaction and 100 connections: a lock table of 1,000, which one
    // transaction creating 1,000 tables (a sequence, a TOAST table and two indexes
    // each) overflows.
    let cluster = PgCluster::start_with("-c max_locks_per_transaction=10");
    let port = cluster.port;
    let source = Db::new("many_src");
    psql(&source.0, &["-c", &many_tables(TABLES)]).unwrap();
    for db in ["one", "clone", "killed"] {
        psql_at(port, "postgres", &format!("CREATE DATABASE {db}"));
    }
    // The server's own limit, as a single transaction meets it.
    let one = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-q",
            "-1",
        ])
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            "one",
            "-c",
            &many_tables(TABLES),
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&one.stderr).contains("out of shared memory"),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let clone = run(&["clone", &source.url(), &cluster.url("clone")]);
    assert!(clone.status.success(), "{}", stderr(&clone));
    let diff = run(&["diff", &source.url(), &cluster.url("clone")]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    // A base killed part-way, then run again: it finishes, nothing twice.
    let target = cluster.url("killed");
    let pre = run(&["apply", &source.url(), &target, "--phase", "pre"]);
    assert!(pre.status.success(), "{}", stderr(&pre));
    let base = [
        "apply",
        &source.url(),
        &target,
        "--phase",
        "base",
        "-j",
        "2",
    ];
    let tables = || {
        value_at(
            port,
            "killed",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        )
        .unwrap_or(0)
    };
    let created = kill_when_journaled(&base, 64, tables);
    assert!(
        created >= 64 && created < TABLES as i64,
        "killed after {created} of {TABLES} tables"
    );
    // A group the killed client had sent may still commit on the server: wait for its
    // session to end before counting what the re-run finds.
    let started = std::time::Instant::now();
    while value_at(
        port,
        "killed",
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'killed' AND pid <> pg_backend_pid()",
    ) != Some(0)
    {
        assert!(started.elapsed().as_secs() < 30, "the killed run's sessions stay");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let created = tables();
    let rerun = run(&base);
    let message = stderr(&rerun);
    assert!(rerun.status.success(), "{message}");
    assert!(
        // Two statements a table: CREATE TABLE and ALTER SEQUENCE ... OWNED BY.
        message.starts_with(&format!(
            "applied {} statements of phase base to {target} (skipped {} whose objects \
             the target already holds)",
            2 * (TABLES as i64 - created),
            2 * created
        )) && message.ends_with(
            " (in several transactions, each committed whole: a re-run of the same command \
             applies what is missing)\n"
        ),
        "{message}"
    );
    assert_eq!(tables(), TABLES as i64);
    let seal = run(&["apply", &source.url(), &target, "--phase", "seal"]);
    assert!(seal.status.success(), "{}", stderr(&seal));
    let diff = run(&["diff", &source.url(), &target]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}

#[test]
fn a_server_restarted_during_a_clones_grouped_seal_stops_it_and_a_re_run_finishes_it() {
    if !available() {
        return;
    }
    // A clone into an empty database seals in groups, each one transaction: a restart
    // lands among them, the groups committed stay, and the same command finishes.
    const TABLES: usize = 1000;
    let cluster = PgCluster::start();
    let port = cluster.port;
    let source = Db::new("restart_clone_src");
    psql(&source.0, &["-c", &many_tables(TABLES)]).unwrap();
    psql_at(port, "postgres", "CREATE DATABASE target");
    let target = cluster.url("target");
    let clone = ["clone", &source.url(), &target, "-j", "2"];
    let sealed = || {
        value_at(
            port,
            "target",
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'm%\\_v'",
        )
        .unwrap_or(0)
    };
    let out = fault_when_journaled(&clone, 64, sealed, || cluster.restart_fast());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: ")
            && (message.contains("terminating connection due to administrator command")
                || message.contains(": lost the connection to the server (")),
        "{message}"
    );
    // Where in the seal the restart lands depends on the machine's speed (after the
    // last index, among the owners, on a busy one): at least the first group stays.
    let created = sealed();
    assert!(created >= 64, "stopped after {created} of {TABLES} indexes");
    let rerun = run(&clone);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    // `..., seal N (M already there) statements`: the re-run skips what the stopped
    // run's committed groups created (M > 0) and applies what it left (N, which is 0
    // when the restart cut the connection after the last group committed, as a busy
    // machine showed).
    let report = stderr(&rerun);
    let seal: Vec<i64> = report
        .rsplit_once(", seal ")
        .map(|(_, tail)| {
            tail.split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .take(2)
                .map(|n| n.parse().unwrap())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        seal.len() == 2 && seal[1] > 0,
        "the re-run skips what the stopped one created: {report}"
    );
    assert_eq!(sealed(), TABLES as i64);
    assert_eq!(
        value_at(
            port,
            "target",
            "SELECT count(*) FROM pg_constraint \
             WHERE contype = 'u' AND connamespace = 'public'::regnamespace"
        ),
        Some(TABLES as i64)
    );
    let diff = run(&["diff", &source.url(), &target]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}
