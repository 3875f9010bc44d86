//! Helpers of the PostgreSQL integration tests: a throwaway database per test on the
//! local server, `pg_dump` as the oracle, and a data loader that stands in for the
//! user's bulk load.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

/// Host, port and user of the server the tests use.
const HOST: &str = "127.0.0.1";
const PORT: &str = "5432";
const USER: &str = "postgres";

/// The server's base URL (no database).
pub fn base_url() -> String {
    format!("postgres://{USER}@{HOST}:{PORT}")
}

/// Whether the server is up. In CI (`CI` set) a missing server fails the test; outside
/// CI the test is skipped with a message saying why.
pub fn server_available() -> bool {
    match PgConnection::establish(&format!("{}/postgres", base_url())) {
        Ok(_) => true,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("PostgreSQL at {HOST}:{PORT} is required in CI: {e}")
        }
        Err(e) => {
            eprintln!("skipped: no PostgreSQL server at {HOST}:{PORT} ({e})");
            false
        }
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A database created for one test and dropped when the value goes away.
pub struct TestDb {
    /// Database name.
    pub name: String,
}

impl TestDb {
    /// Creates an empty database named after `tag`.
    pub fn new(tag: &str) -> TestDb {
        let name = format!(
            "sr_test_{tag}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        admin(&format!("CREATE DATABASE \"{name}\""));
        TestDb { name }
    }

    /// Creates a database and runs a script in it.
    pub fn with_script(tag: &str, sql: &str) -> TestDb {
        let db = TestDb::new(tag);
        db.exec(sql)
            .unwrap_or_else(|e| panic!("script into {}: {e}", db.name));
        db
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("{}/{}", base_url(), self.name)
    }

    /// A connection.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url())
            .unwrap_or_else(|e| panic!("connect {}: {e}", self.name))
    }

    /// Runs SQL (one or more statements, autocommit), returning the server's message on failure.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        self.conn().batch_execute(sql).map_err(|e| e.to_string())
    }

    /// The single integer a query returns (`SELECT ... AS value`).
    pub fn query_i64(&self, sql: &str) -> i64 {
        let rows: Vec<Int> = diesel::sql_query(sql)
            .load(&mut self.conn())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows[0].value
    }

    /// The text rows of a query (`SELECT ... AS line`).
    pub fn lines(&self, sql: &str) -> Vec<String> {
        let rows: Vec<Line> = diesel::sql_query(sql)
            .load(&mut self.conn())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.line).collect()
    }

    /// The text of `pg_dump <section>` of this database.
    fn pg_dump(&self, section: &str) -> String {
        let out = Command::new("pg_dump")
            .args(["-h", HOST, "-p", PORT, "-U", USER, section, &self.name])
            .output()
            .expect("run pg_dump");
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 dump")
    }

    /// PostgreSQL's own round trip of this database's schema: `pg_dump -Fc
    /// --schema-only` restored with `pg_restore` into a new database, the oracle a copy
    /// is compared with.
    pub fn restored(&self) -> TestDb {
        let restored = TestDb::new("restored");
        let dump = Command::new("pg_dump")
            .args([
                "-h",
                HOST,
                "-p",
                PORT,
                "-U",
                USER,
                "-Fc",
                "--schema-only",
                &self.name,
            ])
            .output()
            .expect("run pg_dump");
        assert!(
            dump.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&dump.stderr)
        );
        feed(
            "pg_restore",
            &["--exit-on-error", "-d", &restored.name],
            &dump.stdout,
        );
        restored
    }

    /// `pg_dump --schema-only`, split into its statements (the `-- Name:` blocks) and
    /// sorted, so that only the order of statements is normalised. The random
    /// `\restrict` keys of recent pg_dump versions are dropped.
    pub fn dump_schema(&self) -> Vec<String> {
        let text: String = self
            .pg_dump("--schema-only")
            .lines()
            .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut blocks: Vec<String> = text
            .split("\n--\n-- ")
            .map(|b| b.trim().to_owned())
            .collect();
        blocks.sort();
        blocks
    }

    /// Row counts of every table, as `schema.table=count` lines.
    pub fn row_counts(&self) -> Vec<String> {
        let tables = self.lines(
            "SELECT format('%I.%I', n.nspname, c.relname) AS line FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1",
        );
        tables
            .iter()
            .map(|t| {
                format!(
                    "{t}={}",
                    self.query_i64(&format!("SELECT count(*) AS value FROM {t}"))
                )
            })
            .collect()
    }

    /// Copies every row of `self` into `target` the way a user would: `pg_dump
    /// --data-only` piped into `psql`. Sequence positions are left out so that the seal
    /// is what sets them.
    pub fn load_data_into(&self, target: &TestDb) {
        let data: String = self
            .pg_dump("--data-only")
            .lines()
            .filter(|l| !l.starts_with("SELECT pg_catalog.setval("))
            .map(|l| format!("{l}\n"))
            .collect();
        feed(
            "psql",
            &["-q", "-v", "ON_ERROR_STOP=1", "-d", &target.name],
            data.as_bytes(),
        );
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        admin(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

/// Runs one of the server's client programs against the local server with `input` on
/// its standard input; panics with its error output when it fails.
fn feed(program: &str, args: &[&str], input: &[u8]) {
    let mut child = Command::new(program)
        .args(["-h", HOST, "-p", PORT, "-U", USER])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .unwrap_or_else(|e| panic!("feed {program}: {e}"));
    let out = child.wait_with_output().expect(program);
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn admin(sql: &str) {
    let mut conn = PgConnection::establish(&format!("{}/postgres", base_url()))
        .unwrap_or_else(|e| panic!("connect to the server: {e}"));
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[derive(QueryableByName)]
struct Int {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}
