//! Helpers of the MySQL/MariaDB integration tests: a throwaway database per test on the
//! local server, `mysqldump --no-data` as the oracle, and a data loader that stands in
//! for the user's bulk load (`mysqldump --no-create-info | mysql`).
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, MysqlConnection, QueryableByName, RunQueryDsl};

/// Host, port and user of the server the tests use.
pub const HOST: &str = "127.0.0.1";
pub const PORT: &str = "3306";
pub const USER: &str = "root";

/// The server's base URL (no database).
pub fn base_url() -> String {
    format!("mysql://{USER}@{HOST}:{PORT}")
}

/// Whether the server is up. In CI (`CI` set) a missing server fails the test; outside
/// CI the test is skipped with a message saying why.
pub fn server_available() -> bool {
    match MysqlConnection::establish(&format!("{}/mysql", base_url())) {
        Ok(_) => true,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("MariaDB/MySQL at {HOST}:{PORT} is required in CI: {e}")
        }
        Err(e) => {
            eprintln!("skipped: no MySQL server at {HOST}:{PORT} ({e})");
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
        admin(&format!(
            "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` \
             CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        ));
        TestDb { name }
    }

    /// Creates a database and runs a script in it with the `mysql` client (which
    /// understands `DELIMITER`).
    pub fn with_script(tag: &str, sql: &str) -> TestDb {
        let db = TestDb::new(tag);
        db.mysql(sql)
            .unwrap_or_else(|e| panic!("script into {}: {e}", db.name));
        db
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("{}/{}", base_url(), self.name)
    }

    /// A connection.
    pub fn conn(&self) -> MysqlConnection {
        MysqlConnection::establish(&self.url())
            .unwrap_or_else(|e| panic!("connect {}: {e}", self.name))
    }

    /// Runs SQL (one or more statements), returning the server's message on failure.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        self.conn().batch_execute(sql).map_err(|e| e.to_string())
    }

    /// Pipes a script into the `mysql` client.
    pub fn mysql(&self, script: &str) -> Result<(), String> {
        let mut child = Command::new("mysql")
            .args(["-h", HOST, "-P", PORT, "-u", USER, &self.name])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("run mysql: {e}"))?;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .map_err(|e| format!("pipe into mysql: {e}"))?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
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

    fn mysqldump(&self, args: &[&str]) -> String {
        let out = Command::new("mysqldump")
            .args(["-h", HOST, "-P", PORT, "-u", USER])
            .args(args)
            .arg(&self.name)
            .output()
            .expect("run mysqldump");
        assert!(
            out.status.success(),
            "mysqldump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .map_err(|e| e.utf8_error())
            .expect("utf-8 dump")
    }

    /// `mysqldump --no-data --routines --events --triggers --skip-dump-date`, with the
    /// AUTO_INCREMENT table option and the comment lines naming the database removed, and
    /// the database's name where the server qualifies a name with it (a sequence called
    /// in a default) written `DB`: the only normalisation.
    pub fn dump_schema(&self) -> String {
        self.mysqldump(&[
            "--no-data",
            "--routines",
            "--events",
            "--triggers",
            "--skip-dump-date",
        ])
        .lines()
        .filter(|l| !l.starts_with("-- Host:") && !l.starts_with("-- Dumping "))
        // A default that calls a sequence, and `ALTER DATABASE` around a routine made
        // under another default collation, name the database.
        .map(|l| strip_auto_increment(&l.replace(&format!("`{}`", self.name), "`DB`")) + "\n")
        .collect()
    }

    /// Row counts of every base table, as `table=count` lines.
    pub fn row_counts(&self) -> Vec<String> {
        let tables = self.lines(
            "SELECT TABLE_NAME AS line FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
        );
        tables
            .iter()
            .map(|t| {
                let quoted = format!("`{}`", t.replace('`', "``"));
                format!(
                    "{t}={}",
                    self.query_i64(&format!("SELECT COUNT(*) AS value FROM {quoted}"))
                )
            })
            .collect()
    }

    /// Copies every row of `self` into `target` the way a user would: `mysqldump
    /// --no-create-info --skip-triggers --hex-blob --skip-add-locks` piped into `mysql`.
    pub fn load_data_into(&self, target: &TestDb) {
        // Without LOCK TABLES: a table whose default draws from a sequence cannot be
        // written while only the table is locked.
        let data = self.mysqldump(&[
            "--no-create-info",
            "--skip-triggers",
            "--hex-blob",
            "--skip-add-locks",
        ]);
        target
            .mysql(&data)
            .unwrap_or_else(|e| panic!("load into {}: {e}", target.name));
    }

    /// `SHOW CREATE TABLE` of a table.
    pub fn show_create(&self, table: &str) -> String {
        #[derive(QueryableByName)]
        struct Shown {
            #[diesel(sql_type = Text, column_name = "Create Table")]
            create: String,
        }
        let rows: Vec<Shown> =
            diesel::sql_query(format!("SHOW CREATE TABLE `{}`", table.replace('`', "``")))
                .load(&mut self.conn())
                .unwrap_or_else(|e| panic!("show create {table}: {e}"));
        rows.into_iter().next().expect("one row").create
    }
}

/// `) ENGINE=InnoDB AUTO_INCREMENT=41 DEFAULT ...` without ` AUTO_INCREMENT=41`.
fn strip_auto_increment(line: &str) -> String {
    match line.find(" AUTO_INCREMENT=") {
        Some(at) if line.starts_with(')') => {
            let rest = &line[at + " AUTO_INCREMENT=".len()..];
            let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
            format!("{}{}", &line[..at], &rest[digits..])
        }
        _ => line.to_owned(),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        admin(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

fn admin(sql: &str) {
    let mut conn = MysqlConnection::establish(&format!("{}/mysql", base_url()))
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
