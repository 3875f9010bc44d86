//! The `schema-replicator` binary against the local MariaDB/MySQL server: a seal killed
//! with SIGKILL part-way (on one connection, then on two) and re-run finishes the job
//! from its journal; `--on-violation not-valid` is refused; clone and diff;
//! one-line errors without the password.

mod common;

use common::{fault_when_journaled, kill_when_journaled, MariaDbServer};
use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, MysqlConnection, QueryableByName, RunQueryDsl};

const SERVER: &str = "mysql://root@127.0.0.1:3306";
const JOURNAL: &str = "_schema_replicator_journal";

fn server_available() -> bool {
    match MysqlConnection::establish(&format!("{SERVER}/mysql")) {
        Ok(_) => true,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("MariaDB/MySQL at 127.0.0.1:3306 is required in CI: {e}")
        }
        Err(e) => {
            eprintln!("skipped: no MySQL server at 127.0.0.1:3306 ({e})");
            false
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A database for one test, dropped at the end.
struct Db(String);

impl Db {
    fn new(tag: &str) -> Db {
        let name = format!("sr_cli_{tag}_{}", std::process::id());
        admin(&format!(
            "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`"
        ));
        Db(name)
    }

    fn url(&self) -> String {
        format!("{SERVER}/{}", self.0)
    }

    fn exec(&self, sql: &str) {
        let mut conn = MysqlConnection::establish(&self.url()).expect("connect");
        conn.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn count(&self, sql: &str) -> i64 {
        let mut conn = MysqlConnection::establish(&self.url()).expect("connect");
        diesel::sql_query(sql)
            .load::<Count>(&mut conn)
            .map(|rows| rows.first().map_or(0, |r| r.n))
            .unwrap_or(0)
    }

    fn journal_rows(&self) -> i64 {
        self.count(&format!("SELECT COUNT(*) AS n FROM `{JOURNAL}`"))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        admin(&format!("DROP DATABASE IF EXISTS `{}`", self.0));
    }
}

fn admin(sql: &str) {
    let mut conn = MysqlConnection::establish(&format!("{SERVER}/mysql")).expect("connect");
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schema-replicator"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run schema-replicator")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Tables chained by foreign keys, each with a few indexes: enough seal work (one
/// table rebuild per table) to be killed part-way.
fn chained_tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            let fk = if i == 0 {
                String::new()
            } else {
                format!(
                    ", CONSTRAINT `fk {i}` FOREIGN KEY (parent) REFERENCES t{} (id)",
                    i - 1
                )
            };
            format!(
                "CREATE TABLE t{i} (id int NOT NULL PRIMARY KEY, parent int NOT NULL, \
                 a int NOT NULL, b varchar(40) NOT NULL, KEY by_a (a), KEY by_b (b), \
                 UNIQUE KEY a_b (a, b), CHECK (a >= 0){fk});\n"
            )
        })
        .collect()
}

#[test]
fn a_seal_killed_part_way_is_finished_by_a_re_run() {
    if !server_available() {
        return;
    }
    const TABLES: usize = 16;
    // Per table its check, its keys and (but the first) its foreign key.
    const STATEMENTS: usize = 3 * TABLES - 1;
    let source = Db::new("kill_src");
    source.exec(&chained_tables(TABLES));
    // Kill right after the first statement is journaled, half-way, and among the
    // foreign keys, which the applier adds unchecked and then counts.
    let thresholds = [1, STATEMENTS as i64 / 2, STATEMENTS as i64 - 6];
    for (round, threshold) in thresholds.into_iter().enumerate() {
        let target = Db::new(&format!("kill_dst{round}"));
        let base = run(&["apply", &source.url(), &target.url(), "--phase", "base"]);
        assert!(base.status.success(), "{}", stderr(&base));
        for i in 0..TABLES {
            target.exec(&format!(
                "INSERT INTO t{i} SELECT seq, seq, seq, CONCAT('row ', seq) \
                 FROM seq_1_to_40000"
            ));
        }
        // The first round on one connection, the others on two.
        let jobs = (round.min(1) + 1).to_string();
        let seal = [
            "apply",
            &source.url(),
            &target.url(),
            "--phase",
            "seal",
            "-j",
            &jobs,
        ];
        let done = kill_when_journaled(&seal, threshold, || target.journal_rows());
        assert!(
            done >= threshold && done < STATEMENTS as i64,
            "killed after {done} of {STATEMENTS} statements"
        );
        // The same command again.
        let rerun = run(&seal);
        let message = stderr(&rerun);
        assert!(rerun.status.success(), "{message}");
        assert!(
            message.contains(&format!(
                "applied {STATEMENTS} statements of phase seal to {}",
                target.url()
            )) && message.contains("resuming after the "),
            "{message}"
        );
        assert_eq!(
            target.count(&format!(
                "SELECT COUNT(*) AS n FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{JOURNAL}'"
            )),
            0,
            "the journal is dropped once the seal is complete"
        );
        let diff = run(&["diff", &source.url(), &target.url()]);
        assert!(diff.status.success(), "{}", stderr(&diff));
        assert_eq!(stderr(&diff).trim(), "no differences");
    }
}

#[test]
fn clone_then_diff_reports_no_differences() {
    if !server_available() {
        return;
    }
    let source = Db::new("clone_src");
    source.exec(&chained_tables(3));
    let target = Db::new("clone_dst");
    let clone = run(&["clone", &source.url(), &target.url()]);
    assert!(clone.status.success(), "{}", stderr(&clone));
    assert!(
        stderr(&clone).contains(&format!("cloned schema into {}", target.url())),
        "{}",
        stderr(&clone)
    );
    let diff = run(&["diff", &source.url(), &target.url()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    // A second clone into the same database converges: there is nothing left to apply.
    let again = run(&["clone", &source.url(), &target.url()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains(&format!(
            "cloned schema into {}: pre 0, base 0 (",
            target.url()
        )) && stderr(&again).contains(" already there), seal 0 ("),
        "{}",
        stderr(&again)
    );
    // A table the source does not have refuses the clone.
    target.exec("CREATE TABLE not_ours (x int)");
    let foreign = run(&["clone", &source.url(), &target.url()]);
    assert_eq!(foreign.status.code(), Some(2));
    assert_eq!(
        stderr(&foreign).trim(),
        format!(
            "error: {} holds table \"not_ours\", which the source does not have; clone needs \
             an empty target database or one that holds (part of) the source's schema and \
             nothing else",
            target.url()
        )
    );
}

#[test]
fn a_wrong_password_is_one_line_without_the_password() {
    if !server_available() {
        return;
    }
    let out = run(&[
        "snapshot",
        "mysql://root:Wr0ng-s3cret@127.0.0.1:3306/mysql",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(out.status.code(), Some(2), "errors exit with 2");
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with(
            "error: cannot connect to mysql://root:***@127.0.0.1:3306/mysql: Access denied for user 'root'"
        ),
        "{message}"
    );
    assert!(!message.contains("Wr0ng-s3cret"), "{message}");
}

#[test]
fn check_counts_what_the_seal_would_refuse_and_exits_1() {
    if !server_available() {
        return;
    }
    let source = Db::new("check_src");
    source.exec(
        "CREATE TABLE parent (id int PRIMARY KEY, code varchar(10) NOT NULL, UNIQUE KEY code (code));
         CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int NOT NULL,
             CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id),
             CONSTRAINT qty_positive CHECK (qty > 0));",
    );
    let target = Db::new("check_dst");
    let base = run(&["apply", &source.url(), &target.url(), "--phase", "base"]);
    assert!(base.status.success(), "{}", stderr(&base));
    target.exec(
        "INSERT INTO parent VALUES (1, 'a'), (2, 'a'), (3, 'b'), (4, 'b'), (5, 'b');
         INSERT INTO child VALUES (1, 1, 1), (2, 7, 1), (3, 8, 0), (4, NULL, 2);",
    );
    let out = run(&[
        "check",
        &source.url(),
        &target.url(),
        "--format",
        "json",
        "-j",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["failing"], 3);
    assert_eq!(report["target"], target.url());
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
            "child_parent orphan_rows 2 null [\"(`parent_id`)=(7)\",\"(`parent_id`)=(8)\"]",
            "qty_positive failing_rows 1 null [\"(`id`)=(3)\"]",
            "code duplicate_keys 5 2 [\"(`code`)=(a)\",\"(`code`)=(b)\"]",
        ]
    );
    assert!(
        stderr(&out).ends_with(&format!(
            "checked 7 objects of {}: 3 would fail the seal\n",
            target.url()
        )),
        "{}",
        stderr(&out)
    );
    // After the fix: nothing would fail, exit 0, and the table format for people.
    target.exec("DELETE FROM child WHERE id IN (2, 3); DELETE FROM parent WHERE id IN (2, 4, 5);");
    let out = run(&["check", &source.url(), &target.url()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("result rows object"), "{table}");
    assert!(
        table.contains("ok     0    foreign key \"child_parent\" on table \"child\""),
        "{table}"
    );
    assert!(stderr(&out).contains("the seal would accept the loaded data"));
}

#[test]
fn on_violation_not_valid_is_refused_because_mysql_has_no_such_state() {
    if !server_available() {
        return;
    }
    let source = Db::new("notvalid_src");
    source.exec(&chained_tables(2));
    let target = Db::new("notvalid_dst");
    let out = run(&[
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "--on-violation",
        "not-valid",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: the mysql dialect cannot leave violated constraints NOT VALID (MySQL has no \
         such state): use --on-violation stop, or `check` before the seal\n"
    );
}

#[test]
fn table_filters_compare_names_exactly_and_leave_out_what_needs_excluded_tables() {
    if !server_available() {
        return;
    }
    let source = Db::new("filter_src");
    source.exec(
        "CREATE TABLE `Parent` (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY, pid int,
             CONSTRAINT child_parent_fk FOREIGN KEY (pid) REFERENCES `Parent` (id));
         CREATE TABLE child_note (id int PRIMARY KEY, child_id int,
             CONSTRAINT note_child_fk FOREIGN KEY (child_id) REFERENCES child (id));
         CREATE TABLE other (id int);
         CREATE VIEW parent_ids AS SELECT id FROM `Parent`;
         CREATE VIEW child_ids AS SELECT id FROM child;",
    );
    let target = Db::new("filter_dst");
    let out = run(&[
        "clone",
        &source.url(),
        &target.url(),
        "-t",
        "c*",
        "-T",
        "*_ids",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: foreign key \"child_parent_fk\": left out of table \"child\": it \
             references table \"Parent\", which the selection excludes\n\
             cloned schema into {}: pre 0, base 2, seal 0 statements\n",
            target.url()
        )
    );
    // The index the server made for the left-out key stays, as in the source: one
    // statement per table adds its index, one adds the key inside the selection.
    assert_eq!(
        target.count(
            "SELECT COUNT(*) AS n FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'child' \
             AND INDEX_NAME = 'child_parent_fk'"
        ),
        1
    );
    let tables = target.count(
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    );
    assert_eq!(tables, 2, "child and child_note, no view");
    // The foreign key inside the selection is there and enforced.
    let mut conn = MysqlConnection::establish(&target.url()).unwrap();
    let err = conn
        .batch_execute("INSERT INTO child_note VALUES (1, 42)")
        .unwrap_err()
        .to_string();
    assert!(err.contains("note_child_fk"), "{err}");

    // Everything but the parent: the view that reads it goes too, by name.
    let rest = Db::new("filter_rest");
    let out = run(&["clone", &source.url(), &rest.url(), "-T", "Parent"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(
        log.contains(
            "warning: view \"parent_ids\": left out: it reads table or view \"Parent\", which \
             the selection excludes\n"
        ),
        "{log}"
    );
    let out = run(&[
        "diff",
        &source.url(),
        &rest.url(),
        "-T",
        "Parent",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // MySQL compares table names exactly: a near miss in case is refused with a hint,
    // and a schema pattern has nothing to match.
    let out = run(&["snapshot", &source.url(), "-t", "parent"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: selection: the pattern \"parent\": no table or view matches it: did you mean \
         \"Parent\"?\n"
    );
    let out = run(&["check", &source.url(), &target.url(), "-n", "app"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: selection: the pattern \"app\": no schema matches it: mysql databases have no \
         schemas\n"
    );
}

/// A session with an open transaction that wrote to `table`, as an application does: it
/// holds the table's metadata lock until [`Holder::release`].
struct Holder {
    id: i64,
    release: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl Holder {
    fn hold(db: &Db, table: &str) -> Holder {
        let mut conn = MysqlConnection::establish(&db.url()).expect("connect");
        conn.batch_execute(&format!(
            "BEGIN; INSERT INTO {table} VALUES (1000, 0, 0, 'held')"
        ))
        .expect("hold the table");
        let id = diesel::sql_query("SELECT CAST(CONNECTION_ID() AS SIGNED) AS id")
            .load::<Id>(&mut conn)
            .expect("connection id")[0]
            .id;
        let (release, released) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let _ = released.recv();
            conn.batch_execute("ROLLBACK").expect("release");
        });
        Holder {
            id,
            release,
            thread,
        }
    }

    fn release(self) {
        self.release.send(()).unwrap();
        self.thread.join().unwrap();
    }
}

#[test]
fn a_seal_blocked_by_an_open_transaction_names_it_gives_up_and_a_re_run_finishes() {
    if !server_available() {
        return;
    }
    let source = Db::new("blocked_src");
    source.exec(&chained_tables(3));
    let target = Db::new("blocked_dst");
    let base = run(&["apply", &source.url(), &target.url(), "--phase", "base"]);
    assert!(base.status.success(), "{}", stderr(&base));
    let holder = Holder::hold(&target, "t1");
    let seal = [
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "--lock-timeout",
        "1s",
        "--lock-retries",
        "1",
    ];
    let blocked = run(&seal);
    let message = stderr(&blocked);
    assert_eq!(blocked.status.code(), Some(2), "{message}");
    let held = format!("session {} (root, Sleep, in a transaction for ", holder.id);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 2, "{message}");
    assert!(
        lines[0].starts_with("note: ")
            && lines[0].contains("on table \"t1\" waits for a lock: ")
            && lines[0].contains(&held)
            && lines[0].contains(": no statement running) holds it; attempt 2 of 2 in 1 s"),
        "{message}"
    );
    assert!(
        lines[1].starts_with("error: ")
            && lines[1].contains(": gave up waiting for a lock after 2 attempts of 1 s: ")
            && lines[1].contains(&held)
            && lines[1].contains("recorded in _schema_replicator_journal")
            && lines[1].ends_with(": fix the cause and re-run the same command to resume"),
        "{message}"
    );
    holder.release();
    let rerun = run(&seal);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    let diff = run(&["diff", &source.url(), &target.url()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}

/// A number from `sql` on the database at `url`, 0 when the query fails.
fn count_at(url: &str, sql: &str) -> i64 {
    let Ok(mut conn) = MysqlConnection::establish(url) else {
        return 0;
    };
    diesel::sql_query(sql)
        .load::<Count>(&mut conn)
        .map(|rows| rows.first().map_or(0, |r| r.n))
        .unwrap_or(0)
}

fn exec_at(url: &str, sql: &str) {
    let mut conn = MysqlConnection::establish(url).expect("connect");
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Rows for the chained tables of [`chained_tables`].
fn load(tables: usize, per_table: usize) -> String {
    (0..tables)
        .map(|i| {
            format!(
                "INSERT INTO t{i} SELECT seq, seq, seq, CONCAT('row ', seq) \
                 FROM seq_1_to_{per_table};"
            )
        })
        .collect()
}

/// Asserts that a seal stopped by a fault said so in one line, naming what stays
/// applied, and returns that line.
fn one_error_line(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    let message = stderr(out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: ")
            && message.contains(&format!(
                " statements are applied and stay so (MySQL commits each DDL statement), \
                 recorded in {JOURNAL}: fix the cause and re-run the same command to resume"
            )),
        "{message}"
    );
    message
}

/// Asserts that a seal a fault stopped (`out`) said so in one line naming the lost
/// connection, that the same command (`seal`) then resumed and finished it, and that
/// `target` holds no journal and the same schema as `source`.
fn stopped_then_finished(out: &Output, seal: &[&str], source: &str, target: &str) {
    let message = one_error_line(out);
    assert!(
        message.contains(": lost the connection to the server ("),
        "{message}"
    );
    let rerun = run(seal);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stderr(&rerun).contains("resuming after the "),
        "{}",
        stderr(&rerun)
    );
    finished(source, target);
}

/// Asserts that `target` holds no journal and the same schema as `source`.
fn finished(source: &str, target: &str) {
    assert_eq!(
        count_at(
            target,
            &format!(
                "SELECT COUNT(*) AS n FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{JOURNAL}'"
            )
        ),
        0,
        "the journal is gone"
    );
    let diff = run(&["diff", source, target]);
    assert!(diff.status.success(), "{}", stderr(&diff));
}

#[test]
fn a_seal_connection_killed_mid_seal_stops_the_run_and_a_re_run_finishes_it() {
    if !server_available() {
        return;
    }
    const TABLES: usize = 12;
    let source = Db::new("killconn_src");
    source.exec(&chained_tables(TABLES));
    let target = Db::new("killconn_dst");
    let base = run(&["apply", &source.url(), &target.url(), "--phase", "base"]);
    assert!(base.status.success(), "{}", stderr(&base));
    target.exec(&load(TABLES, 60_000));
    let seal = [
        "apply",
        &source.url(),
        &target.url(),
        "--phase",
        "seal",
        "-j",
        "2",
    ];
    let killed = std::cell::Cell::new(0);
    let out = fault_when_journaled(
        &seal,
        3,
        || target.journal_rows(),
        || {
            // One of the two seal sessions, while it runs a statement.
            let started = std::time::Instant::now();
            while killed.get() == 0 && started.elapsed().as_secs() < 30 {
                let id = target.count(&format!(
                    "SELECT CAST(ID AS SIGNED) AS n FROM information_schema.PROCESSLIST \
                     WHERE DB = '{}' AND COMMAND = 'Query' AND INFO LIKE 'ALTER TABLE%' LIMIT 1",
                    target.0
                ));
                if id > 0 {
                    admin(&format!("KILL CONNECTION {id}"));
                    killed.set(id);
                }
            }
        },
    );
    assert!(killed.get() > 0, "no seal session was caught running");
    stopped_then_finished(&out, &seal, &source.url(), &target.url());
}

#[test]
fn a_server_restarted_mid_seal_stops_the_run_and_a_re_run_finishes_it() {
    if !server_available() {
        return;
    }
    const TABLES: usize = 12;
    let mut server = MariaDbServer::start();
    let source = Db::new("restart_src");
    source.exec(&chained_tables(TABLES));
    exec_at(&server.url("mysql"), "CREATE DATABASE target");
    let target = server.url("target");
    let base = run(&["apply", &source.url(), &target, "--phase", "base"]);
    assert!(base.status.success(), "{}", stderr(&base));
    exec_at(&target, &load(TABLES, 60_000));
    let seal = [
        "apply",
        &source.url(),
        &target,
        "--phase",
        "seal",
        "-j",
        "2",
    ];
    let journaled = format!("SELECT COUNT(*) AS n FROM `{JOURNAL}`");
    let out = fault_when_journaled(
        &seal,
        3,
        || count_at(&target, &journaled),
        || server.restart(),
    );
    stopped_then_finished(&out, &seal, &source.url(), &target);
}

/// Runs a script with the `mysql` client (which reads `DELIMITER`) in `db`.
fn mysql_client(db: &Db, script: &[u8]) {
    use std::io::Write;
    let mut child = Command::new("mysql")
        .args(["-h", "127.0.0.1", "-P", "3306", "-u", "root", &db.0])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mysql");
    child.stdin.take().unwrap().write_all(script).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mysql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ddl_piped_into_the_mysql_client_creates_routines_triggers_and_events() {
    if !server_available() {
        return;
    }
    let source = Db::new("ddl_routines_src");
    mysql_client(
        &source,
        include_bytes!("../../tests/fixtures/routines-mysql.sql"),
    );
    let target = Db::new("ddl_routines_dst");
    for phase in ["pre", "base", "seal"] {
        let out = run(&["ddl", &source.url(), "--phase", phase]);
        assert!(out.status.success(), "{}", stderr(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        if phase == "pre" {
            // A routine with a BEGIN ... END body is written between DELIMITERs, as
            // mysqldump writes it.
            assert!(script.starts_with("DELIMITER ;;\nSET SESSION "), "{script}");
        }
        mysql_client(&target, script.as_bytes());
    }
    let out = run(&["diff", &source.url(), &target.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let count = |table: &str, column: &str| {
        target.count(&format!(
            "SELECT COUNT(*) AS n FROM information_schema.{table} WHERE {column} = DATABASE()"
        ))
    };
    assert_eq!(
        (
            count("ROUTINES", "ROUTINE_SCHEMA"),
            count("TRIGGERS", "TRIGGER_SCHEMA"),
            count("EVENTS", "EVENT_SCHEMA")
        ),
        (4, 6, 4)
    );
}

#[test]
fn a_pre_killed_among_its_routines_is_finished_by_a_re_run() {
    if !server_available() {
        return;
    }
    // Enough routines that the kill lands well before the last.
    const ROUTINES: usize = 1000;
    let source = Db::new("kill_routines_src");
    let script: String = (0..ROUTINES)
        .map(|i| {
            format!("CREATE FUNCTION f{i}(x INT) RETURNS int(11) DETERMINISTIC RETURN x + {i};\n")
        })
        .collect();
    source.exec(&script);
    source.exec("CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW v AS SELECT f7(id) AS a FROM t");
    let target = Db::new("kill_routines_dst");
    let pre = ["apply", &source.url(), &target.url(), "--phase", "pre"];
    let done = kill_when_journaled(&pre, 50, || target.journal_rows());
    assert!(
        done >= 50 && done < ROUTINES as i64,
        "killed after {done} of {ROUTINES} routines"
    );
    // The same command again: each routine once, whether or not the one running at the
    // kill got done.
    let rerun = run(&pre);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert_eq!(
        target.count(
            "SELECT COUNT(*) AS n FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE()"
        ),
        ROUTINES as i64
    );
    for phase in ["base", "seal"] {
        let out = run(&["apply", &source.url(), &target.url(), "--phase", phase]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let diff = run(&["diff", &source.url(), &target.url()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    // A re-run of the finished phase has nothing to do.
    let again = run(&pre);
    assert!(
        stderr(&again).starts_with("nothing to do: pre is already applied"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_clone_killed_among_its_complete_tables_is_finished_by_a_re_run() {
    if !server_available() {
        return;
    }
    // Enough tables that the kill lands well before the last. Each references the one
    // before it, and the first the last (a cycle): created complete, each table's
    // foreign key comes before the table it references. Every table has the same index
    // name and the same check (MariaDB names a column check after its column).
    const TABLES: usize = 300;
    let source = Db::new("kill_clone_src");
    source.exec(&cyclic_tables(TABLES));
    let target = Db::new("kill_clone_dst");
    let clone = ["clone", &source.url(), &target.url()];
    let done = kill_when_journaled(&clone, 50, || target.journal_rows());
    assert!(
        done >= 50 && done < TABLES as i64,
        "killed after {done} of {TABLES} tables"
    );
    // The same command again goes on with complete tables, each created once.
    let rerun = run(&clone);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    complete_clone_finished(&source.url(), &target.url(), TABLES);
    let again = run(&clone);
    assert!(again.status.success(), "{}", stderr(&again));
}

/// `n` tables, each referencing the one before it and the first the last (a cycle: a
/// table created complete has its foreign key before the table it references), all
/// with the same index name and the same check (MariaDB names a column check after
/// its column); two rows in `t7`.
fn cyclic_tables(n: usize) -> String {
    let script: String = (0..n)
        .map(|i| {
            let parent = (i + n - 1) % n;
            format!(
                "CREATE TABLE t{i} (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, \
                 p int, v int CHECK (v > 0), KEY k (v), \
                 CONSTRAINT fk{i} FOREIGN KEY (p) REFERENCES t{parent} (id)) ENGINE=InnoDB;\n"
            )
        })
        .collect();
    format!(
        "SET foreign_key_checks = 0;\n{script}INSERT INTO t7 (p, v) VALUES (NULL, 1), (NULL, 2);"
    )
}

/// Asserts that the clone of [`cyclic_tables`]`(tables)` at `target` is whole: every
/// foreign key, no journal, `t7`'s counter, `diff` empty, an orphan refused.
fn complete_clone_finished(source: &str, target: &str, tables: usize) {
    let count = |sql: &str| count_at(target, sql);
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE()"
        ),
        tables as i64
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '_schema_replicator_journal'"
        ),
        0,
        "the journal is gone"
    );
    assert_eq!(
        count(
            "SELECT AUTO_INCREMENT AS n FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't7'"
        ),
        3
    );
    let diff = run(&["diff", source, target]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    // The copy's keys hold: an orphan is refused.
    let orphan = MysqlConnection::establish(target)
        .unwrap()
        .batch_execute("INSERT INTO t3 (p, v) VALUES (999, 1)")
        .unwrap_err()
        .to_string();
    assert!(
        orphan.contains("a foreign key constraint fails"),
        "{orphan}"
    );
}

#[test]
fn a_server_restarted_among_a_clones_complete_tables_stops_it_and_a_re_run_finishes_it() {
    if !server_available() {
        return;
    }
    const TABLES: usize = 300;
    let mut server = MariaDbServer::start();
    let source = Db::new("restart_clone_src");
    source.exec(&cyclic_tables(TABLES));
    exec_at(&server.url("mysql"), "CREATE DATABASE target");
    let target = server.url("target");
    let clone = ["clone", &source.url(), &target, "-j", "2"];
    let journaled = format!("SELECT COUNT(*) AS n FROM `{JOURNAL}`");
    let out = fault_when_journaled(
        &clone,
        50,
        || count_at(&target, &journaled),
        || server.restart(),
    );
    let message = one_error_line(&out);
    assert!(
        message.contains(": lost the connection to the server ("),
        "{message}"
    );
    let created = count_at(
        &target,
        "SELECT COUNT(*) AS n FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 't%'",
    );
    // Where the restart lands depends on the machine's speed (on a busy one, after the
    // last table, at the seal's counter): at least the journaled tables stay.
    assert!(created >= 50, "stopped after {created} of {TABLES} tables");
    // The same command again goes on with complete tables, each created once.
    let rerun = run(&clone);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    // It says what the stopped run had applied (each table it created, journaled or
    // found in the target), and, with complete tables, the seal holds t7's counter
    // only: no key, check or index.
    let base = match created < TABLES as i64 {
        true => format!("base {TABLES} ({created} applied by an earlier run)"),
        // The restart landed after the last table, at the seal's counter.
        false => format!("base 0 ({TABLES} already there)"),
    };
    assert!(
        stderr(&rerun).ends_with(&format!(": pre 0, {base}, seal 1 statements\n")),
        "{}",
        stderr(&rerun)
    );
    complete_clone_finished(&source.url(), &target, TABLES);
}

#[test]
fn a_clone_over_a_killed_phased_seal_goes_on_in_the_phased_shape() {
    if !server_available() {
        return;
    }
    // The target holds tables with rows and the journal of a seal killed part-way: a
    // clone does not plan complete tables for it (its journal lists the phased seal's
    // statements) and finishes that seal.
    const TABLES: usize = 12;
    let source = Db::new("phased_clone_src");
    source.exec(&chained_tables(TABLES));
    let target = Db::new("phased_clone_dst");
    let base = run(&["apply", &source.url(), &target.url(), "--phase", "base"]);
    assert!(base.status.success(), "{}", stderr(&base));
    target.exec(&load(TABLES, 60_000));
    let seal = ["apply", &source.url(), &target.url(), "--phase", "seal"];
    let done = kill_when_journaled(&seal, 3, || target.journal_rows());
    assert!(done >= 3, "killed after {done} statements");
    let clone = run(&["clone", &source.url(), &target.url()]);
    assert!(clone.status.success(), "{}", stderr(&clone));
    // The phased seal's statements (keys, foreign keys, counters), not the few of a
    // seal after complete tables.
    let ddl = run(&["ddl", &source.url(), "--phase", "seal"]);
    let phased = String::from_utf8_lossy(&ddl.stdout)
        .matches(";\n\n")
        .count();
    assert!(phased > TABLES, "{phased}");
    // What the killed run applied counts as applied by an earlier run (at least what
    // its journal held when it was killed), and so does base (found in the target
    // while a journal is there).
    let report = stderr(&clone);
    let seal =
        format!(": pre 0, base {TABLES} ({TABLES} applied by an earlier run), seal {phased} (");
    let resumed: i64 = report
        .split_once(&seal)
        .and_then(|(_, tail)| tail.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        resumed >= done
            && resumed < phased as i64
            && report.ends_with(" applied by an earlier run) statements\n"),
        "{report}"
    );
    finished(&source.url(), &target.url());
}
