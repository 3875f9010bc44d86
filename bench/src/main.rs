//! `schema-replicator-bench`: times a full reflection plus the rendering of every phase
//! against the server's own schema dump, on synthetic schemas of N tables.
//!
//! ```text
//! cargo run --release -p schema-replicator-bench -- postgres [--tables 100,1000,5000] [--runs 5]
//! cargo run --release -p schema-replicator-bench -- mysql [--tables 100,1000,5000] [--runs 5]
//! cargo run --release -p schema-replicator-bench -- seal-postgres [--tables 50] [--rows 3000000] [--runs 3] [--keep] [--cli PATH]
//! cargo run --release -p schema-replicator-bench -- seal-mysql    [--tables 50] [--rows 3000000] [--runs 3] [--keep] [--cli PATH]
//! cargo run --release -p schema-replicator-bench -- clone-postgres|clone-mysql|clone-sqlite [--tables 1000,5000] [--runs 3] [--jobs 1] [--cli PATH]
//! cargo run --release -p schema-replicator-bench -- reflect-sqlite [--tables 1000,5000] [--runs 3] [--cli PATH]
//! ```
//!
//! The clone modes are described in [`clone`]; `reflect-sqlite` times our `snapshot` of
//! the clone benchmark's SQLite source against `sqlite3 .schema`.
//!
//! For each N it (re)creates the database `sr_bench_<N>` on the local server, fills it
//! with N tables (8 to 15 columns of varied types, 0 to 3 foreign keys, 1 to 3 indexes
//! of which some partial (PostgreSQL) or unique (MySQL), a check, defaults, comments),
//! then runs each side `--runs` times in a fresh process and prints the medians as a
//! Markdown table row: our wall time, the server's own dump tool's (`pg_dump
//! --schema-only`, `mysqldump --no-data`), the ratio, our peak resident memory and the
//! number of catalog queries we issued. The MySQL mode drops its database afterwards.
//!
//! The seal modes time the `seal` phase on loaded data. They build `sr_seal_src`: N
//! tables (5 to 8 columns: bigint primary key, integers, varchar, numeric, timestamp,
//! boolean) holding `--rows` rows in all, a few big tables and many small ones, filled on
//! the server, with 2 to 4 secondary indexes each (a unique constraint, plain and unique
//! multi-column ones), 1 or 2 foreign keys to an earlier table's primary or unique key,
//! and a check on two tables in three. Then `sr_seal_loaded`: our CLI's `apply --phase
//! pre` and `base` from `sr_seal_src`, then its rows (`pg_dump --data-only | psql`, or
//! `INSERT ... SELECT` per table), vacuumed and analysed (PostgreSQL). Each run times
//! every configuration on a fresh copy `sr_seal_run` of it (`CREATE DATABASE ...
//! TEMPLATE`; on MariaDB pre, base and the rows again, untimed), in an order that
//! rotates from run to run:
//!
//! - PostgreSQL: ours `apply --phase seal -j 1` and `-j 2`, and `pg_restore
//!   --section=post-data -j 1` and `-j 2` of a `pg_dump -Fc --schema-only` of the source,
//!   less the primary keys (`-L`), which pg_dump puts in post-data and base has made.
//!   Each copy is `STRATEGY FILE_COPY` and checkpointed before the timing starts.
//! - MariaDB/MySQL: ours `-j 1` and `-j 2`, and every secondary key and constraint line
//!   of `mysqldump --no-data`'s `CREATE TABLE`s as an `ALTER TABLE ... ADD` of its own
//!   (keys, then checks, then foreign keys), through one `mysql` client, with the
//!   server's default `foreign_key_checks = 1`. The copied tables are flushed (`FLUSH
//!   TABLES ... FOR EXPORT`) before the timing starts.
//!
//! After the first run of ours, `schema-replicator diff` of source and target must be
//! empty.
//!
//! It prints the dataset, a Markdown table of the median, minimum and maximum seal time
//! of each configuration, and the ratios of the medians, then drops the three databases
//! unless `--keep` is given. Our CLI is the `schema-replicator` binary beside this one
//! unless `--cli` names another; an `apply` without `-j` is run without it, with a warning.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};
use schema_replicator::DdlExtractor;

mod clone;
mod seal;

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";
const MYSQL_SERVER: &str = "mysql://root@127.0.0.1:3306";
const USAGE: &str = "usage: schema-replicator-bench postgres|mysql [--tables 100,1000,5000] \
     [--runs 5] | seal-postgres|seal-mysql [--tables 50] [--rows 3000000] [--runs 3] [--keep] \
     [--cli PATH] | clone-postgres|clone-mysql|clone-sqlite [--tables 1000,5000] [--runs 3] \
     [--jobs 1] [--cli PATH] | reflect-sqlite [--tables 1000,5000] [--runs 3] [--cli PATH]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("postgres") => compare(&args[1..], &POSTGRES),
        Some("mysql") => compare(&args[1..], &MYSQL),
        Some("seal-postgres") => seal::postgres(&args[1..]),
        Some("seal-mysql") => seal::mysql(&args[1..]),
        Some("reflect-sqlite") => clone::reflect_sqlite(&args[1..]),
        Some(which @ ("clone-postgres" | "clone-mysql" | "clone-sqlite")) => {
            clone::run(which, &args[1..])
        }
        Some("measure") if args.len() == 2 => measure(&args[1]),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// One run of our side, in this process: reflect, plan and render every phase, then
/// print `wall_ms queries peak_kib statements`.
fn measure(url: &str) -> Result<(), String> {
    let start = Instant::now();
    let extractor = DdlExtractor::new(url).map_err(|e| e.to_string())?;
    let statements = extractor.statements().len();
    let wall = start.elapsed().as_secs_f64() * 1000.0;
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let peak_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!("{wall:.1} {} {peak_kib} {statements}", extractor.queries());
    Ok(())
}

fn option(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

/// The `schema-replicator` binary the benchmark runs: `--cli PATH`, or the one built
/// beside the benchmark.
fn cli_binary(args: &[String]) -> Result<std::path::PathBuf, String> {
    let cli = match args.iter().position(|a| a == "--cli") {
        Some(i) => std::path::PathBuf::from(args.get(i + 1).ok_or("--cli needs a path")?),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("schema-replicator"),
    };
    if !cli.is_file() {
        return Err(format!(
            "{} not found: build it with `cargo build --release -p schema-replicator-cli` or \
             give --cli PATH",
            cli.display()
        ));
    }
    Ok(cli)
}

/// The numbers of tables `--tables` lists (`default` when it is not given).
fn sizes(args: &[String], default: &str) -> Result<Vec<usize>, String> {
    option(args, "--tables", default)
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .map_err(|_| format!("--tables: `{n}` is not a number"))
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// One server to compare against: how to build the database of N tables, its URL, and
/// the server's own dump tool.
struct Mode {
    /// The dump tool as the table's header names it.
    tool: &'static str,
    /// The dump tool as the ratio's header names it.
    short: &'static str,
    /// (Re)creates the database with N synthetic tables.
    create: fn(&str, usize) -> Result<(), String>,
    /// The URL of a database, for our side.
    url: fn(&str) -> String,
    /// The dump tool's command for a database, its output already discarded.
    dump: fn(&str) -> Command,
    /// Drops the database once measured, if this mode does.
    drop: Option<Step>,
}

/// A step on one database, by name.
type Step = fn(&str) -> Result<(), String>;

/// The medians of both sides on one database, with our last run's figures.
struct Measured {
    ours: f64,
    dump: f64,
    queries: u64,
    peak_kib: u64,
    statements: usize,
}

const POSTGRES: Mode = Mode {
    tool: "pg_dump --schema-only",
    short: "pg_dump",
    create,
    url: |db| format!("{SERVER}/{db}"),
    dump: |db| {
        let mut command = Command::new("pg_dump");
        command.args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "--schema-only",
            "-f",
            "/dev/null",
            db,
        ]);
        command
    },
    drop: None,
};

const MYSQL: Mode = Mode {
    tool: "mysqldump --no-data",
    short: "mysqldump",
    create: mysql_create,
    url: |db| format!("{MYSQL_SERVER}/{db}"),
    dump: |db| {
        let mut command = Command::new("mysqldump");
        command
            .args(["-h127.0.0.1", "-uroot", "--no-data", "--skip-dump-date", db])
            .stdout(Stdio::null());
        command
    },
    drop: Some(mysql_drop),
};

fn compare(args: &[String], mode: &Mode) -> Result<(), String> {
    let sizes = sizes(args, "100,1000,5000")?;
    let runs: usize = option(args, "--runs", "5")
        .parse()
        .map_err(|_| "--runs: not a number".to_owned())?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    println!(
        "| tables | statements | ours (median ms) | {} (median ms) | ours / {} | our peak RSS (MiB) | our catalog queries |",
        mode.tool, mode.short
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let db = format!("sr_bench_{n}");
        let measured = (mode.create)(&db, n).and_then(|()| measure_both(&me, mode, &db, runs));
        if let Some(drop) = mode.drop {
            drop(&db)?;
        }
        let m = measured?;
        println!(
            "| {n} | {} | {:.0} | {:.0} | {:.2} | {:.1} | {} |",
            m.statements,
            m.ours,
            m.dump,
            m.ours / m.dump,
            m.peak_kib as f64 / 1024.0,
            m.queries
        );
    }
    Ok(())
}

/// Runs each side `runs` times on `db`: the medians of our wall time and the dump
/// tool's, and our last run's figures.
fn measure_both(me: &Path, mode: &Mode, db: &str, runs: usize) -> Result<Measured, String> {
    let url = (mode.url)(db);
    let mut ours = Vec::new();
    let mut dumps = Vec::new();
    let mut last = (0u64, 0u64, 0usize);
    for _ in 0..runs {
        let out = Command::new(me)
            .args(["measure", &url])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let fields: Vec<&str> = text.split_whitespace().collect();
        ours.push(fields[0].parse::<f64>().map_err(|e| e.to_string())?);
        last = (
            fields[1].parse().unwrap_or(0),
            fields[2].parse().unwrap_or(0),
            fields[3].parse().unwrap_or(0),
        );
        let mut dump = (mode.dump)(db);
        let start = Instant::now();
        let status = dump
            .status()
            .map_err(|e| format!("run {}: {e}", mode.short))?;
        if !status.success() {
            return Err(format!("{} failed", mode.short));
        }
        dumps.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Measured {
        ours: median(ours),
        dump: median(dumps),
        queries: last.0,
        peak_kib: last.1,
        statements: last.2,
    })
}

/// A deterministic pseudo-random sequence (no dependency, same schema every time).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const TYPES: &[(&str, &str)] = &[
    ("integer", "0"),
    ("bigint", "1"),
    ("text", "'x'"),
    ("varchar(80)", "'y'"),
    ("numeric(12,2)", "0.00"),
    ("boolean", "false"),
    ("timestamptz", "now()"),
    ("date", "CURRENT_DATE"),
    ("jsonb", "'{}'::jsonb"),
    ("uuid", "gen_random_uuid()"),
    ("double precision", "1.5"),
    ("text[]", "'{}'::text[]"),
];

/// Recreates `db` with `n` synthetic tables.
fn create(db: &str, n: usize) -> Result<(), String> {
    let mut admin =
        PgConnection::establish(&format!("{SERVER}/postgres")).map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .map_err(|e| e.to_string())?;
    let mut conn = PgConnection::establish(&format!("{SERVER}/{db}")).map_err(|e| e.to_string())?;
    let mut rng = Lcg(n as u64);
    let mut sql = String::new();
    for t in 0..n {
        let columns = 8 + rng.below(8) as usize;
        sql.push_str(&format!(
            "CREATE TABLE t{t} (\n    id bigserial PRIMARY KEY"
        ));
        let mut kinds = Vec::new();
        for c in 1..columns {
            let (ty, default) = TYPES[rng.below(TYPES.len() as u64) as usize];
            kinds.push(ty);
            let default = if rng.below(2) == 0 {
                format!(" DEFAULT {default}")
            } else {
                String::new()
            };
            let not_null = if rng.below(3) == 0 { " NOT NULL" } else { "" };
            sql.push_str(&format!(",\n    c{c} {ty}{default}{not_null}"));
        }
        let fks = if t == 0 { 0 } else { rng.below(4) as usize };
        for f in 0..fks {
            let parent = rng.below(t as u64);
            sql.push_str(&format!(",\n    fk{f} bigint REFERENCES t{parent}(id)"));
        }
        sql.push_str(&format!(
            ",\n    CONSTRAINT t{t}_check CHECK (id > 0)\n);\n"
        ));
        let indexes = 1 + rng.below(3) as usize;
        for i in 0..indexes {
            let c = 1 + rng.below((columns - 1) as u64) as usize;
            let method = if kinds[c - 1].ends_with("[]") || kinds[c - 1] == "jsonb" {
                " USING gin"
            } else {
                ""
            };
            let partial = if i == 1 { " WHERE id > 100" } else { "" };
            sql.push_str(&format!(
                "CREATE INDEX t{t}_i{i} ON t{t}{method} (c{c}){partial};\n"
            ));
        }
        sql.push_str(&format!(
            "COMMENT ON TABLE t{t} IS 'synthetic table {t}';\n"
        ));
        sql.push_str(&format!("COMMENT ON COLUMN t{t}.c1 IS 'first column';\n"));
        // One implicit transaction per batch: keep each under the server's lock table.
        if t % 200 == 199 {
            conn.batch_execute(&sql).map_err(|e| e.to_string())?;
            sql.clear();
        }
    }
    if !sql.is_empty() {
        conn.batch_execute(&sql).map_err(|e| e.to_string())?;
    }
    Ok(())
}

const MYSQL_TYPES: &[(&str, &str)] = &[
    ("int", "0"),
    ("bigint", "1"),
    ("text", "('x')"),
    ("varchar(80)", "'y'"),
    ("decimal(12,2)", "0.00"),
    ("boolean", "false"),
    ("datetime(6)", "CURRENT_TIMESTAMP(6)"),
    ("date", "(CURRENT_DATE)"),
    ("json", "('{}')"),
    ("char(36)", "(uuid())"),
    ("double", "1.5"),
    ("enum('a','b','c')", "'a'"),
];

fn mysql_admin() -> Result<MysqlConnection, String> {
    MysqlConnection::establish(MYSQL_SERVER).map_err(|e| e.to_string())
}

/// Recreates `db` with `n` synthetic tables on the MySQL or MariaDB server: the same
/// shapes as [`create`], with unique keys where PostgreSQL has partial indexes, and
/// the index of a `json` column moved to the next column (MySQL cannot index one), and
/// a check on two columns (MariaDB refuses one on an AUTO_INCREMENT column).
fn mysql_create(db: &str, n: usize) -> Result<(), String> {
    let mut conn = mysql_admin()?;
    conn.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}; USE {db}"
    ))
    .map_err(|e| e.to_string())?;
    let mut rng = Lcg(n as u64);
    let mut sql = String::new();
    for t in 0..n {
        let columns = 8 + rng.below(8) as usize;
        sql.push_str(&format!(
            "CREATE TABLE t{t} (\n    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY"
        ));
        let mut kinds = Vec::new();
        for c in 1..columns {
            let (ty, default) = MYSQL_TYPES[rng.below(MYSQL_TYPES.len() as u64) as usize];
            kinds.push(ty);
            let default = if rng.below(2) == 0 {
                format!(" DEFAULT {default}")
            } else {
                String::new()
            };
            let not_null = if rng.below(3) == 0 { " NOT NULL" } else { "" };
            let comment = if c == 1 {
                " COMMENT 'first column'"
            } else {
                ""
            };
            sql.push_str(&format!(",\n    c{c} {ty}{default}{not_null}{comment}"));
        }
        let fks = if t == 0 { 0 } else { rng.below(4) as usize };
        let mut constraints = String::new();
        for f in 0..fks {
            let parent = rng.below(t as u64);
            sql.push_str(&format!(",\n    fk{f} bigint"));
            constraints.push_str(&format!(
                ",\n    CONSTRAINT t{t}_fk{f} FOREIGN KEY (fk{f}) REFERENCES t{parent} (id)"
            ));
        }
        let indexes = 1 + rng.below(3) as usize;
        for i in 0..indexes {
            let mut c = 1 + rng.below((columns - 1) as u64) as usize;
            for _ in 1..columns {
                if kinds[c - 1] != "json" {
                    break;
                }
                c = c % (columns - 1) + 1;
            }
            let part = match kinds[c - 1] {
                "json" => "id".to_owned(),
                "text" => format!("c{c}(20)"),
                _ => format!("c{c}"),
            };
            let kind = if i == 1 { "UNIQUE KEY" } else { "KEY" };
            sql.push_str(&format!(",\n    {kind} t{t}_i{i} ({part})"));
        }
        sql.push_str(&constraints);
        sql.push_str(&format!(
            ",\n    CONSTRAINT t{t}_check CHECK (c1 IS NOT NULL OR c2 IS NULL)\n) \
             COMMENT 'synthetic table {t}';\n"
        ));
        // Many statements per round trip: one per table would take minutes at 5000.
        if t % 200 == 199 {
            conn.batch_execute(&sql).map_err(|e| e.to_string())?;
            sql.clear();
        }
    }
    if !sql.is_empty() {
        conn.batch_execute(&sql).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn mysql_drop(db: &str) -> Result<(), String> {
    mysql_admin()?
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .map_err(|e| e.to_string())
}
