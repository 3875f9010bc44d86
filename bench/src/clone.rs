//! `clone-postgres`, `clone-mysql`, `clone-sqlite`: our `clone` of a synthetic schema
//! into an empty database, side by side with the server's own tools doing the same,
//! with peak memory.
//!
//! For each N of `--tables` the source is the synthetic schema of N tables of the
//! reflection benchmark (`sr_bench_<N>`; for SQLite the same shapes in a file). Each of
//! `--runs` runs, in an order that alternates, copies the schema (no rows) into a fresh
//! empty database:
//!
//! - **ours**: `schema-replicator clone SRC DST` (with `-j J` when `--jobs` says so);
//! - **reference**: PostgreSQL `pg_dump -s -Fc SRC | pg_restore -d DST`; MySQL
//!   `mysqldump --no-data SRC | mariadb DST`; SQLite `sqlite3 SRC ".schema --nosys"` (without `sqlite_sequence`, which SQLite makes itself) replayed
//!   into `sqlite3 DST` in one transaction.
//!
//! Each side runs under `/usr/bin/time`, which gives its wall time and the peak
//! resident memory of its biggest process. After our first run, `schema-replicator diff
//! SRC DST` must be empty. Then our `snapshot SRC` and `ddl --phase seal SRC` run once
//! each, for their peak memory. It prints one Markdown table row per N: the medians,
//! their ratio and the peak memories; each side's time is also printed to stderr as it
//! ends.

use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::{median, option, Lcg, MYSQL_SERVER, SERVER};

/// A target: its URL for ours, its name or path for the reference tool.
type Target = (String, String);

/// One dialect's sides.
struct Dialect {
    name: &'static str,
    reference: &'static str,
    /// Builds the source of N tables; returns its URL.
    source: fn(usize, &Path) -> Result<String, String>,
    /// Makes an empty target; returns its URL and what the reference tool needs.
    empty: fn(&str, &Path) -> Result<Target, String>,
    /// The reference pipeline, as a shell command, from the source URL to the target.
    pipeline: fn(&str, &str) -> String,
    /// Drops what the run made.
    cleanup: fn(usize, &Path),
}

const POSTGRES: Dialect = Dialect {
    name: "PostgreSQL",
    reference: "pg_dump -s -Fc | pg_restore",
    source: |n, _| {
        let db = format!("sr_bench_{n}");
        crate::create(&db, n)?;
        Ok(format!("{SERVER}/{db}"))
    },
    empty: |name, _| {
        let mut admin =
            PgConnection::establish(&format!("{SERVER}/postgres")).map_err(|e| e.to_string())?;
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).map_err(|e| e.to_string())?;
        }
        Ok((format!("{SERVER}/{name}"), name.to_owned()))
    },
    pipeline: |source, target| {
        let db = source.rsplit('/').next().unwrap_or_default();
        format!(
            "pg_dump -h 127.0.0.1 -U postgres -s -Fc {db} | \
             pg_restore -h 127.0.0.1 -U postgres -d {target}"
        )
    },
    cleanup: |n, _| {
        if let Ok(mut admin) = PgConnection::establish(&format!("{SERVER}/postgres")) {
            for db in [
                format!("sr_bench_{n}"),
                "sr_clone_ours".into(),
                "sr_clone_reference".into(),
            ] {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    },
};

const MYSQL: Dialect = Dialect {
    name: "MariaDB",
    reference: "mysqldump --no-data | mariadb",
    source: |n, _| {
        let db = format!("sr_bench_{n}");
        crate::mysql_create(&db, n)?;
        Ok(format!("{MYSQL_SERVER}/{db}"))
    },
    empty: |name, _| {
        crate::mysql_admin()?
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}"
            ))
            .map_err(|e| e.to_string())?;
        Ok((format!("{MYSQL_SERVER}/{name}"), name.to_owned()))
    },
    pipeline: |source, target| {
        let db = source.rsplit('/').next().unwrap_or_default();
        format!(
            "mysqldump -h127.0.0.1 -uroot --no-data --skip-dump-date {db} | \
             mariadb -h127.0.0.1 -uroot {target}"
        )
    },
    cleanup: |n, _| {
        for db in [
            format!("sr_bench_{n}"),
            "sr_clone_ours".into(),
            "sr_clone_reference".into(),
        ] {
            let _ = crate::mysql_drop(&db);
        }
    },
};

const SQLITE: Dialect = Dialect {
    name: "SQLite",
    reference: "sqlite3 .schema, replayed in one transaction",
    source: |n, dir| {
        let path = dir.join(format!("sr_bench_{n}.db"));
        sqlite_create(&path, n)?;
        Ok(format!("sqlite://{}", path.display()))
    },
    empty: |name, dir| {
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        Ok((
            format!("sqlite://{}", path.display()),
            path.display().to_string(),
        ))
    },
    pipeline: |source, target| {
        let path = source.trim_start_matches("sqlite://");
        format!(
            "(echo 'BEGIN;'; sqlite3 {path} '.schema --nosys'; echo 'COMMIT;') | sqlite3 {target}"
        )
    },
    cleanup: |_, _| {},
};

/// The SQLite source: the synthetic shapes of the PostgreSQL one in SQLite's types,
/// AUTOINCREMENT on one table in three, in one transaction.
fn sqlite_create(path: &Path, n: usize) -> Result<(), String> {
    const TYPES: &[(&str, &str)] = &[
        ("INTEGER", "0"),
        ("TEXT", "'x'"),
        ("VARCHAR(80)", "'y'"),
        ("NUMERIC(12,2)", "0.00"),
        ("BOOLEAN", "0"),
        ("TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("DATE", "CURRENT_DATE"),
        ("REAL", "1.5"),
        ("BLOB", "x''"),
    ];
    let _ = std::fs::remove_file(path);
    let mut conn = diesel::SqliteConnection::establish(&path.display().to_string())
        .map_err(|e| e.to_string())?;
    let mut rng = Lcg(n as u64);
    let mut sql = String::from("BEGIN;\n");
    for t in 0..n {
        let columns = 8 + rng.below(8) as usize;
        let key = if t % 3 == 0 {
            "id INTEGER PRIMARY KEY AUTOINCREMENT"
        } else {
            "id INTEGER PRIMARY KEY"
        };
        sql.push_str(&format!("CREATE TABLE t{t} (\n    {key}"));
        for c in 1..columns {
            let (ty, default) = TYPES[rng.below(TYPES.len() as u64) as usize];
            let default = if rng.below(2) == 0 {
                format!(" DEFAULT ({default})")
            } else {
                String::new()
            };
            let not_null = if rng.below(3) == 0 { " NOT NULL" } else { "" };
            sql.push_str(&format!(",\n    c{c} {ty}{default}{not_null}"));
        }
        let fks = if t == 0 { 0 } else { rng.below(4) as usize };
        let mut constraints = String::new();
        for f in 0..fks {
            let parent = rng.below(t as u64);
            sql.push_str(&format!(",\n    fk{f} INTEGER"));
            constraints.push_str(&format!(
                ",\n    CONSTRAINT t{t}_fk{f} FOREIGN KEY (fk{f}) REFERENCES t{parent} (id)"
            ));
        }
        sql.push_str(&constraints);
        sql.push_str(&format!(
            ",\n    CONSTRAINT t{t}_check CHECK (id > 0)\n);\n"
        ));
        let indexes = 1 + rng.below(3) as usize;
        for i in 0..indexes {
            let c = 1 + rng.below((columns - 1) as u64) as usize;
            let (kind, partial) = match i {
                1 => ("UNIQUE INDEX", ""),
                2 => ("INDEX", " WHERE id > 100"),
                _ => ("INDEX", ""),
            };
            sql.push_str(&format!(
                "CREATE {kind} t{t}_i{i} ON t{t} (c{c}){partial};\n"
            ));
        }
    }
    sql.push_str("COMMIT;\n");
    conn.batch_execute(&sql).map_err(|e| e.to_string())
}

/// Wall seconds and peak resident memory (MiB) of `command` run through `/usr/bin/time`.
fn timed(command: &mut Command, what: &str) -> Result<(f64, f64), String> {
    let report = std::env::temp_dir().join(format!("sr_bench_time_{}", std::process::id()));
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M", "-o"])
        .arg(&report)
        .arg(program)
        .args(args)
        .output()
        .map_err(|e| format!("run /usr/bin/time ({what}): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = std::fs::read_to_string(&report).map_err(|e| e.to_string())?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    let wall = fields
        .first()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("/usr/bin/time said `{text}`"))?;
    let kib = fields
        .get(1)
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);
    Ok((wall, kib / 1024.0))
}

/// Runs the clone benchmark of the dialect named by `which`.
pub fn run(which: &str, args: &[String]) -> Result<(), String> {
    let dialect = match which {
        "clone-postgres" => &POSTGRES,
        "clone-mysql" => &MYSQL,
        _ => &SQLITE,
    };
    let sizes = crate::sizes(args, "1000,5000")?;
    let runs: usize = option(args, "--runs", "3")
        .parse()
        .map_err(|_| "--runs: not a number".to_owned())?;
    let jobs = option(args, "--jobs", "1");
    let cli = crate::cli_binary(args)?;
    let dir = std::env::temp_dir().join(format!("sr_bench_clone_{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    println!(
        "{}: clone -j {jobs} against {}, {runs} runs, medians",
        dialect.name, dialect.reference
    );
    println!();
    println!(
        "| tables | ours (s) | reference (s) | ours / reference | our peak RSS (MiB) | reference peak RSS (MiB) | our snapshot, ddl --phase seal peak RSS (MiB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let result = one_size(dialect, n, runs, &jobs, &cli, &dir);
        (dialect.cleanup)(n, &dir);
        let m = result?;
        println!(
            "| {n} | {:.1} | {:.1} | {:.2} | {:.0} | {:.0} | {:.0}, {:.0} |",
            m.ours,
            m.reference,
            m.ours / m.reference,
            m.our_peak,
            m.reference_peak,
            m.snapshot_peak,
            m.ddl_peak
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What [`one_size`] measured: seconds and MiB.
struct Measured {
    /// Median wall time of our clone.
    ours: f64,
    /// Median wall time of the reference.
    reference: f64,
    /// Peak resident memory of our clone.
    our_peak: f64,
    /// Peak resident memory of the reference's biggest process.
    reference_peak: f64,
    /// Peak resident memory of our `snapshot` of the source.
    snapshot_peak: f64,
    /// Peak resident memory of our `ddl --phase seal` of the source.
    ddl_peak: f64,
}

/// Medians of both sides' wall times at `n` tables, the peak memories, and the peak
/// memories of our `snapshot` and `ddl --phase seal` of the source (one run each).
fn one_size(
    dialect: &Dialect,
    n: usize,
    runs: usize,
    jobs: &str,
    cli: &Path,
    dir: &Path,
) -> Result<Measured, String> {
    let source = (dialect.source)(n, dir)?;
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    let (mut our_peak, mut reference_peak) = (0.0f64, 0.0f64);
    for run in 0..runs {
        for side in [run % 2, 1 - run % 2] {
            if side == 0 {
                let (target, _) = (dialect.empty)("sr_clone_ours", dir)?;
                let mut command = Command::new(cli);
                command.args(["clone", &source, &target]);
                if jobs != "1" {
                    command.args(["-j", jobs]);
                }
                let (wall, peak) = timed(&mut command, "our clone")?;
                eprintln!(
                    "{n} tables, run {}: ours {wall:.1} s, {peak:.0} MiB",
                    run + 1
                );
                ours.push(wall);
                our_peak = our_peak.max(peak);
                if run == 0 {
                    let diff = Command::new(cli)
                        .args(["diff", &source, &target])
                        .output()
                        .map_err(|e| e.to_string())?;
                    if !diff.status.success() {
                        return Err(format!(
                            "the clone differs from its source:\n{}",
                            String::from_utf8_lossy(&diff.stdout)
                        ));
                    }
                }
            } else {
                let (_, target) = (dialect.empty)("sr_clone_reference", dir)?;
                let mut command = Command::new("sh");
                command.args(["-c", &(dialect.pipeline)(&source, &target)]);
                let (wall, peak) = timed(&mut command, dialect.reference)?;
                eprintln!(
                    "{n} tables, run {}: reference {wall:.1} s, {peak:.0} MiB",
                    run + 1
                );
                reference.push(wall);
                reference_peak = reference_peak.max(peak);
            }
        }
    }
    let (_, snapshot) = timed(
        Command::new(cli).args(["snapshot", &source]),
        "our snapshot",
    )?;
    let (_, ddl) = timed(
        Command::new(cli).args(["ddl", "--phase", "seal", &source]),
        "our ddl",
    )?;
    eprintln!("{n} tables: snapshot {snapshot:.0} MiB, ddl --phase seal {ddl:.0} MiB");
    Ok(Measured {
        ours: median(ours),
        reference: median(reference),
        our_peak,
        reference_peak,
        snapshot_peak: snapshot,
        ddl_peak: ddl,
    })
}

/// `reflect-sqlite`: our `snapshot` of the SQLite source of N tables (reflection and
/// the JSON snapshot; `ddl` adds only planning and rendering) against `sqlite3 SRC
/// .schema`, `--runs` times each, alternating, with peak memory: one Markdown row per N.
pub fn reflect_sqlite(args: &[String]) -> Result<(), String> {
    let sizes = crate::sizes(args, "1000,5000")?;
    let runs: usize = option(args, "--runs", "3")
        .parse()
        .map_err(|_| "--runs: not a number".to_owned())?;
    let cli = crate::cli_binary(args)?;
    let dir = std::env::temp_dir().join(format!("sr_bench_reflect_{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    println!("SQLite: snapshot against sqlite3 .schema, {runs} runs, medians");
    println!();
    println!(
        "| tables | ours (s) | sqlite3 .schema (s) | ours / sqlite3 | our peak RSS (MiB) | sqlite3 peak RSS (MiB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let path = dir.join(format!("sr_bench_{n}.db"));
        sqlite_create(&path, n)?;
        let url = format!("sqlite://{}", path.display());
        let (mut ours, mut reference) = (Vec::new(), Vec::new());
        let (mut our_peak, mut reference_peak) = (0.0f64, 0.0f64);
        for run in 0..runs {
            for side in [run % 2, 1 - run % 2] {
                let (wall, peak) = if side == 0 {
                    timed(Command::new(&cli).args(["snapshot", &url]), "our snapshot")?
                } else {
                    timed(
                        Command::new("sqlite3").arg(&path).arg(".schema"),
                        "sqlite3 .schema",
                    )?
                };
                let (walls, peaks) = match side {
                    0 => (&mut ours, &mut our_peak),
                    _ => (&mut reference, &mut reference_peak),
                };
                walls.push(wall);
                *peaks = peaks.max(peak);
            }
        }
        let (ours, reference) = (median(ours), median(reference));
        println!(
            "| {n} | {ours:.2} | {reference:.2} | {:.2} | {our_peak:.0} | {reference_peak:.0} |",
            ours / reference
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
