//! The `seal-postgres` and `seal-mysql` modes: time our `apply --phase seal -j N` on a
//! loaded database against the server's own tools adding the same indexes and
//! constraints (`pg_restore --section=post-data -j N`; `mysqldump --no-data`'s keys and
//! constraints as one `ALTER TABLE ... ADD` each, through the `mysql` client).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, MysqlConnection, PgConnection, RunQueryDsl};

use crate::{median, option, Lcg, MYSQL_SERVER, SERVER};

const SRC: &str = "sr_seal_src";
const LOADED: &str = "sr_seal_loaded";
const RUN: &str = "sr_seal_run";
/// Connections the (untimed) loading uses: the machine this was written for has 2 cores.
const LOAD_JOBS: usize = 2;

/// The columns after `id`, `code` and the foreign key columns, in the order tables take
/// them (the first three are in every table): name, PostgreSQL type, MySQL type, and the
/// value of row `g` (PostgreSQL, from `generate_series`) or `seq` (MySQL, from the
/// Sequence engine).
const FILLERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "label",
        "varchar(40)",
        "varchar(40)",
        "'item-' || g",
        "CONCAT('item-', seq)",
    ),
    (
        "amount",
        "numeric(12,2)",
        "decimal(12,2)",
        "(g % 100000) / 100.0",
        "(seq % 100000) / 100.0",
    ),
    (
        "n1",
        "integer",
        "int",
        "(g * 37) % 1000",
        "(seq * 37) % 1000",
    ),
    ("flag", "boolean", "boolean", "g % 3 = 0", "seq % 3 = 0"),
    (
        "created",
        "timestamp",
        "datetime",
        "timestamp '2020-01-01' + g * interval '1 second'",
        "TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq SECOND",
    ),
    (
        "n2",
        "integer",
        "int",
        "(g * 7919) % 100003",
        "(seq * 7919) % 100003",
    ),
];

/// The checks a table may have; every row satisfies each.
const CHECKS: &[&str] = &["amount >= 0", "n1 BETWEEN 0 AND 999", "code > id"];

/// A foreign key column `p<n>` of a table.
struct ForeignKey {
    parent: usize,
    /// References the parent's unique `code` rather than its primary key `id`.
    to_code: bool,
    /// Row `g` references the parent's row `1 + (g * step) % parent_rows`.
    step: u64,
}

/// A secondary index: `t<n>_code_key` (a unique constraint in PostgreSQL), or
/// `t<n>_i<k>`.
struct Index {
    name: String,
    unique: bool,
    /// A `UNIQUE` constraint rather than an index (PostgreSQL).
    constraint: bool,
    columns: Vec<&'static str>,
}

struct Table {
    rows: u64,
    /// How many of [`FILLERS`] the table has.
    fillers: usize,
    foreign_keys: Vec<ForeignKey>,
    indexes: Vec<Index>,
    check: Option<&'static str>,
}

/// The synthetic database, the same for both servers and every run.
struct Dataset {
    tables: Vec<Table>,
}

const FK_COLUMNS: [&str; 2] = ["p0", "p1"];

impl Dataset {
    fn new(count: usize, rows: u64) -> Dataset {
        let mut rng = Lcg(42);
        // One table in ten is twenty times bigger than the others on average.
        let weights: Vec<u64> = (0..count)
            .map(|t| (1 + rng.below(10)) * if t % 10 == 3 { 20 } else { 1 })
            .collect();
        let total: u64 = weights.iter().sum();
        let mut sizes: Vec<u64> = weights.iter().map(|w| (rows * w / total).max(1)).collect();
        let biggest = (0..count).max_by_key(|&t| weights[t]).unwrap_or(0);
        let assigned: u64 = sizes.iter().sum();
        sizes[biggest] = (sizes[biggest] + rows).saturating_sub(assigned).max(1);
        let mut tables = Vec::new();
        for (t, &rows) in sizes.iter().enumerate() {
            let fks = if t == 0 { 0 } else { 1 + rng.below(2) as usize };
            // 5 to 8 columns: id, code, the foreign keys and 3 to 6 fillers.
            let fillers = (3 + rng.below(4) as usize).min(6 - fks);
            let foreign_keys: Vec<ForeignKey> = (0..fks)
                .map(|_| ForeignKey {
                    parent: rng.below(t as u64) as usize,
                    to_code: rng.below(3) == 0,
                    step: [7919, 104729, 31, 65537][rng.below(4) as usize],
                })
                .collect();
            let mut indexes = vec![Index {
                name: format!("t{t}_code_key"),
                unique: true,
                constraint: true,
                columns: vec!["code"],
            }];
            // The foreign key columns lead an index each: MariaDB would add one otherwise.
            for column in FK_COLUMNS.iter().take(fks) {
                indexes.push(Index {
                    name: String::new(),
                    unique: false,
                    constraint: false,
                    columns: vec![column, "n1"],
                });
            }
            let wanted = (2 + rng.below(3) as usize).max(indexes.len());
            let last = if fillers >= 5 { "created" } else { "n1" };
            let extras: [(bool, Vec<&'static str>); 4] = [
                (false, vec!["n1", "label"]),
                (true, vec!["label", "n1"]),
                (false, vec!["amount"]),
                (false, vec!["flag", last]),
            ];
            let first = rng.below(4) as usize;
            for k in 0..wanted - indexes.len() {
                let (unique, columns) = extras[(first + k) % extras.len()].clone();
                let flagless = fillers < 4 && columns.contains(&"flag");
                indexes.push(Index {
                    name: String::new(),
                    unique,
                    constraint: false,
                    columns: if flagless {
                        vec!["amount", "n1"]
                    } else {
                        columns
                    },
                });
            }
            for (k, index) in indexes.iter_mut().enumerate().skip(1) {
                index.name = format!("t{t}_i{k}");
            }
            let check = (rng.below(3) != 0).then(|| CHECKS[rng.below(3) as usize]);
            tables.push(Table {
                rows,
                fillers,
                foreign_keys,
                indexes,
                check,
            });
        }
        Dataset { tables }
    }

    /// One line about the dataset, without sizes.
    fn describe(&self) -> String {
        let rows: u64 = self.tables.iter().map(|t| t.rows).sum();
        let smallest = self.tables.iter().map(|t| t.rows).min().unwrap_or(0);
        let largest = self.tables.iter().map(|t| t.rows).max().unwrap_or(0);
        let indexes: usize = self.tables.iter().map(|t| t.indexes.len()).sum();
        let unique = self
            .tables
            .iter()
            .flat_map(|t| &t.indexes)
            .filter(|i| i.unique)
            .count();
        let fks: usize = self.tables.iter().map(|t| t.foreign_keys.len()).sum();
        let to_code = self
            .tables
            .iter()
            .flat_map(|t| &t.foreign_keys)
            .filter(|f| f.to_code)
            .count();
        let checks = self.tables.iter().filter(|t| t.check.is_some()).count();
        format!(
            "{} tables, {rows} rows ({smallest} to {largest} per table), {indexes} secondary \
             indexes ({unique} unique, of which {} unique constraints), {fks} foreign keys \
             ({to_code} to a unique key), {checks} checks",
            self.tables.len(),
            self.tables.len(),
        )
    }

    /// `CREATE TABLE` with the primary key only.
    fn create_table(&self, t: usize, mysql: bool) -> String {
        let table = &self.tables[t];
        let mut sql = format!(
            "CREATE TABLE t{t} (\n    id bigint NOT NULL PRIMARY KEY,\n    code bigint NOT NULL"
        );
        for column in FK_COLUMNS.iter().take(table.foreign_keys.len()) {
            sql.push_str(&format!(",\n    {column} bigint"));
        }
        for &(name, pg, my, _, _) in FILLERS.iter().take(table.fillers) {
            sql.push_str(&format!(",\n    {name} {}", if mysql { my } else { pg }));
        }
        sql.push_str(if mysql { "\n) ENGINE=InnoDB" } else { "\n)" });
        sql
    }

    /// `INSERT ... SELECT` of every row of table `t`, computed on the server.
    fn insert(&self, t: usize, mysql: bool) -> String {
        let table = &self.tables[t];
        let g = if mysql { "seq" } else { "g" };
        let mut values = vec![g.to_owned(), format!("2 * {g} + 1")];
        for (f, fk) in table.foreign_keys.iter().enumerate() {
            let row = format!("1 + ({g} * {}) % {}", fk.step, self.tables[fk.parent].rows);
            let key = if fk.to_code {
                format!("2 * ({row}) + 1")
            } else {
                row
            };
            values.push(format!("CASE WHEN {g} % 10 = {f} THEN NULL ELSE {key} END"));
        }
        for &(_, _, _, pg, my) in FILLERS.iter().take(table.fillers) {
            values.push(if mysql { my } else { pg }.to_owned());
        }
        let from = if mysql {
            format!("seq_1_to_{}", table.rows)
        } else {
            format!("generate_series(1::bigint, {}) AS g", table.rows)
        };
        format!("INSERT INTO t{t} SELECT {} FROM {from}", values.join(", "))
    }

    /// The indexes, unique constraints and check of table `t` (PostgreSQL).
    fn pg_keys(&self, t: usize) -> String {
        let table = &self.tables[t];
        let mut sql = String::new();
        for index in &table.indexes {
            let columns = index.columns.join(", ");
            if index.constraint {
                sql.push_str(&format!(
                    "ALTER TABLE t{t} ADD CONSTRAINT {} UNIQUE ({columns});\n",
                    index.name
                ));
            } else {
                let unique = if index.unique { "UNIQUE " } else { "" };
                sql.push_str(&format!(
                    "CREATE {unique}INDEX {} ON t{t} ({columns});\n",
                    index.name
                ));
            }
        }
        if let Some(check) = table.check {
            sql.push_str(&format!(
                "ALTER TABLE t{t} ADD CONSTRAINT t{t}_chk CHECK ({check});\n"
            ));
        }
        sql
    }

    /// The indexes and check of table `t` as one `ALTER TABLE` (MySQL).
    fn mysql_keys(&self, t: usize) -> String {
        let table = &self.tables[t];
        let mut parts: Vec<String> = table
            .indexes
            .iter()
            .map(|index| {
                let kind = if index.unique { "UNIQUE KEY" } else { "KEY" };
                format!("ADD {kind} {} ({})", index.name, index.columns.join(", "))
            })
            .collect();
        if let Some(check) = table.check {
            parts.push(format!("ADD CONSTRAINT t{t}_chk CHECK ({check})"));
        }
        format!("ALTER TABLE t{t} {}", parts.join(", "))
    }

    /// The foreign keys of table `t`, one clause each.
    fn foreign_keys(&self, t: usize) -> Vec<String> {
        self.tables[t]
            .foreign_keys
            .iter()
            .enumerate()
            .map(|(f, fk)| {
                let key = if fk.to_code { "code" } else { "id" };
                format!(
                    "ADD CONSTRAINT t{t}_fk{f} FOREIGN KEY (p{f}) REFERENCES t{} ({key})",
                    fk.parent
                )
            })
            .collect()
    }
}

/// The options of both seal modes.
struct Settings {
    tables: usize,
    rows: u64,
    runs: usize,
    keep: bool,
    cli: PathBuf,
}

fn number<T: std::str::FromStr>(args: &[String], name: &str, default: &str) -> Result<T, String> {
    let value = option(args, name, default);
    value
        .parse()
        .map_err(|_| format!("{name}: `{value}` is not a number"))
}

impl Settings {
    fn parse(args: &[String]) -> Result<Settings, String> {
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "--tables" | "--rows" | "--runs" | "--cli" if i + 1 < args.len() => i += 2,
                "--keep" => i += 1,
                other => return Err(format!("unexpected argument `{other}`; {}", crate::USAGE)),
            }
        }
        let tables: usize = number(args, "--tables", "50")?;
        let rows: u64 = number(args, "--rows", "3000000")?;
        let runs: usize = number(args, "--runs", "3")?;
        if tables == 0 || runs == 0 || rows < tables as u64 {
            return Err("--tables and --runs must be at least 1, --rows at least --tables".into());
        }
        let cli = crate::cli_binary(args)?;
        Ok(Settings {
            tables,
            rows,
            runs,
            keep: args.iter().any(|a| a == "--keep"),
            cli,
        })
    }
}

/// The one line worth showing of a failed command's output: its first error, or its
/// last line.
fn failure(what: &str, out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .find(|l| l.to_lowercase().contains("error"))
        .or(lines.last())
        .map(|l| l.strip_prefix("error: ").unwrap_or(l).to_owned())
        .unwrap_or_else(|| out.status.to_string());
    format!("{what} failed: {line}")
}

/// Runs `command` to completion: its wall time in seconds; a non-zero exit is an error.
fn run(what: &str, command: &mut Command) -> Result<f64, String> {
    let (out, secs) = run_output(what, command)?;
    if out.status.success() {
        Ok(secs)
    } else {
        Err(failure(what, &out))
    }
}

fn run_output(what: &str, command: &mut Command) -> Result<(Output, f64), String> {
    let start = Instant::now();
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    Ok((out, start.elapsed().as_secs_f64()))
}

/// Runs `batches` of SQL on [`LOAD_JOBS`] connections, biggest first.
fn in_parallel<C: SimpleConnection>(
    connect: impl Fn() -> Result<C, String> + Sync,
    mut batches: Vec<(u64, String)>,
) -> Result<(), String> {
    batches.sort_by_key(|b| std::cmp::Reverse(b.0));
    let queue = Mutex::new(batches.into_iter());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..LOAD_JOBS)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    let mut conn = connect()?;
                    loop {
                        let next = queue.lock().map_err(|e| e.to_string())?.next();
                        let Some((_, sql)) = next else { return Ok(()) };
                        conn.batch_execute(&sql).map_err(|e| e.to_string())?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("a loading thread panicked".into()))
            })
            .collect::<Result<Vec<()>, String>>()
            .map(|_| ())
    })
}

/// Our CLI.
struct Ours<'a> {
    cli: &'a Path,
}

impl Ours<'_> {
    fn apply(&self, src: &str, dst: &str, phase: &str) -> Result<f64, String> {
        run(
            &format!("schema-replicator apply --phase {phase}"),
            Command::new(self.cli).args(["apply", src, dst, "--phase", phase]),
        )
    }

    /// Our seal with `-j jobs`, timed.
    fn seal(&self, src: &str, dst: &str, jobs: usize) -> Result<f64, String> {
        let what = format!("schema-replicator apply --phase seal -j {jobs}");
        let jobs = jobs.to_string();
        let args = ["apply", src, dst, "--phase", "seal", "-j", &jobs];
        let (out, secs) = run_output(&what, Command::new(self.cli).args(args))?;
        if out.status.success() {
            return Ok(secs);
        }
        Err(failure(&what, &out))
    }

    /// Fails unless the diff of `src` and `dst` is empty.
    fn same(&self, src: &str, dst: &str) -> Result<(), String> {
        let (out, _) = run_output(
            "schema-replicator diff",
            Command::new(self.cli).args(["diff", src, dst]),
        )?;
        match out.status.code() {
            Some(0) => Ok(()),
            Some(1) => Err(format!(
                "after our seal, the target differs from the source: {}",
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .next()
                    .unwrap_or("")
            )),
            _ => Err(failure("schema-replicator diff", &out)),
        }
    }
}

/// One timed way of sealing.
struct Configuration {
    name: String,
    times: Vec<f64>,
}

impl Configuration {
    fn new(name: &str) -> Configuration {
        Configuration {
            name: name.to_owned(),
            times: Vec::new(),
        }
    }

    fn median(&self) -> f64 {
        median(self.times.clone())
    }
}

/// Runs every configuration `runs` times, rotating their order from one run to the
/// next; `prepare` makes a fresh target before each, `seal` is timed.
fn measure(
    configurations: &mut [Configuration],
    runs: usize,
    mut prepare: impl FnMut() -> Result<(), String>,
    mut seal: impl FnMut(usize, bool) -> Result<f64, String>,
) -> Result<(), String> {
    let n = configurations.len();
    for r in 0..runs {
        for k in 0..n {
            let c = (r + k) % n;
            prepare()?;
            let secs = seal(c, r == 0)?;
            eprintln!(
                "run {}/{runs}: {}: {secs:.2} s",
                r + 1,
                configurations[c].name
            );
            configurations[c].times.push(secs);
        }
    }
    Ok(())
}

/// The results as Markdown: the dataset, the table of times, the ratios.
fn report(
    dataset: &str,
    configurations: &[Configuration],
    ratios: &[(&str, usize, usize, &str)],
    notes: &[String],
) {
    println!("Dataset: {dataset}.\n");
    println!("| configuration | median seal time (s) | min (s) | max (s) |");
    println!("|---|---:|---:|---:|");
    for c in configurations {
        let min = c.times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = c.times.iter().copied().fold(0.0, f64::max);
        println!("| {} | {:.2} | {min:.2} | {max:.2} |", c.name, c.median());
    }
    println!("\n| ratio (medians) | value | target |");
    println!("|---|---:|---|");
    for &(name, a, b, target) in ratios {
        let value = configurations[a].median() / configurations[b].median();
        println!("| {name} | {value:.2} | {target} |");
    }
    for note in notes {
        println!("\n{note}");
    }
}

fn mib(bytes: i64) -> String {
    format!("{:.0} MiB", bytes as f64 / 1048576.0)
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

fn pg_connect(db: &str) -> Result<PgConnection, String> {
    PgConnection::establish(&format!("{SERVER}/{db}")).map_err(|e| e.to_string())
}

fn pg_exec(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

/// Drops the three databases. `DROP DATABASE` wants a statement of its own.
fn pg_drop(admin: &mut PgConnection) -> Result<(), String> {
    for db in [RUN, LOADED, SRC] {
        pg_exec(admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
    }
    Ok(())
}

fn pg_size(conn: &mut PgConnection, db: &str) -> Result<i64, String> {
    diesel::select(sql::<BigInt>(&format!("pg_database_size('{db}')")))
        .get_result(conn)
        .map_err(|e| e.to_string())
}

fn psql(db: &str) -> Command {
    let mut command = Command::new("psql");
    command.args([
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        db,
    ]);
    command
}

/// The `seal-postgres` mode.
pub fn postgres(args: &[String]) -> Result<(), String> {
    let settings = Settings::parse(args)?;
    let dump = std::env::temp_dir().join("sr_seal_src.pgdump");
    let result = pg_bench(&settings, &dump);
    if settings.keep {
        eprintln!("kept {SRC}, {LOADED}, {RUN} and {}", dump.display());
        return result;
    }
    let _ = std::fs::remove_file(&dump);
    let _ = std::fs::remove_file(dump.with_extension("list"));
    let dropped = pg_connect("postgres").and_then(|mut admin| pg_drop(&mut admin));
    result.and(dropped)
}

fn pg_bench(settings: &Settings, dump: &Path) -> Result<(), String> {
    let start = Instant::now();
    let data = Dataset::new(settings.tables, settings.rows);
    let ours = Ours { cli: &settings.cli };
    let mut admin = pg_connect("postgres")?;
    pg_drop(&mut admin)?;
    eprintln!("building {SRC}: {}", data.describe());
    pg_exec(&mut admin, &format!("CREATE DATABASE {SRC}"))?;
    let n = data.tables.len();
    let creates: Vec<String> = (0..n).map(|t| data.create_table(t, false)).collect();
    pg_exec(&mut pg_connect(SRC)?, &(creates.join(";\n") + ";"))?;
    let weight = |t: usize| data.tables[t].rows;
    in_parallel(
        || pg_connect(SRC),
        (0..n).map(|t| (weight(t), data.insert(t, false))).collect(),
    )?;
    in_parallel(
        || pg_connect(SRC),
        (0..n).map(|t| (weight(t), data.pg_keys(t))).collect(),
    )?;
    // Each foreign key locks its parent: one connection, in table order.
    let fks: String = (0..n)
        .flat_map(|t| {
            data.foreign_keys(t)
                .into_iter()
                .map(move |fk| format!("ALTER TABLE t{t} {fk};\n"))
        })
        .collect();
    let mut conn = pg_connect(SRC)?;
    pg_exec(&mut conn, &fks)?;
    pg_exec(&mut conn, "VACUUM ANALYZE")?;
    drop(conn);
    eprintln!("building {LOADED}: pre and base by our CLI, then the data");
    pg_exec(&mut admin, &format!("CREATE DATABASE {LOADED}"))?;
    let src_url = format!("{SERVER}/{SRC}");
    let loaded_url = format!("{SERVER}/{LOADED}");
    ours.apply(&src_url, &loaded_url, "pre")?;
    ours.apply(&src_url, &loaded_url, "base")?;
    pg_copy_data()?;
    pg_exec(&mut pg_connect(LOADED)?, "VACUUM ANALYZE")?;
    run(
        "pg_dump",
        Command::new("pg_dump")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-Fc",
                "--schema-only",
                "-f",
            ])
            .arg(dump)
            .arg(SRC),
    )?;
    let list = pg_post_data_list(&mut pg_connect(SRC)?, dump)?;
    let description = format!(
        "{}; {LOADED} (before the seal) {}, {SRC} {}",
        data.describe(),
        mib(pg_size(&mut admin, LOADED)?),
        mib(pg_size(&mut admin, SRC)?)
    );
    eprintln!("loaded in {:.0} s; timing", start.elapsed().as_secs_f64());

    let mut configurations = [
        Configuration::new("ours -j 1"),
        Configuration::new("ours -j 2"),
        Configuration::new("pg_restore --section=post-data -j 1"),
        Configuration::new("pg_restore --section=post-data -j 2"),
    ];
    let run_url = format!("{SERVER}/{RUN}");
    measure(
        &mut configurations,
        settings.runs,
        || {
            // FILE_COPY checkpoints and writes the files directly: the timed seal starts
            // with no copied page left to write.
            pg_exec(
                &mut admin,
                &format!("DROP DATABASE IF EXISTS {RUN} WITH (FORCE)"),
            )?;
            pg_exec(
                &mut admin,
                &format!("CREATE DATABASE {RUN} TEMPLATE {LOADED} STRATEGY FILE_COPY"),
            )?;
            pg_exec(&mut admin, "CHECKPOINT")
        },
        |c, first| {
            let jobs = 1 + c % 2;
            if c < 2 {
                let secs = ours.seal(&src_url, &run_url, jobs)?;
                if first {
                    ours.same(&src_url, &run_url)?;
                }
                Ok(secs)
            } else {
                run(
                    &format!("pg_restore -j {jobs}"),
                    Command::new("pg_restore")
                        .args([
                            "--section=post-data",
                            "-j",
                            &jobs.to_string(),
                            "-d",
                            &run_url,
                            "-L",
                        ])
                        .arg(&list)
                        .arg(dump),
                )
            }
        },
    )?;
    let notes = vec![
        "pg_restore restores the post-data section less the primary keys (`-L`), which base \
         made. That section has no checks: pg_dump writes them in CREATE TABLE. Ours adds \
         and validates them too."
            .to_owned(),
    ];
    report(
        &description,
        &configurations,
        &[
            ("ours -j2 / pg_restore -j2", 1, 3, "≤ 1.0"),
            ("ours -j1 / ours -j2", 0, 1, "≥ 1.6"),
        ],
        &notes,
    );
    eprintln!("total {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// The table of contents of the dump's post-data section less the primary keys, which
/// pg_dump writes there and our base has made: a file for `pg_restore -L`, beside the
/// dump.
fn pg_post_data_list(src: &mut PgConnection, dump: &Path) -> Result<PathBuf, String> {
    let keys: String = diesel::select(sql::<Text>(
        "(SELECT coalesce(string_agg(conname, ' '), '') FROM pg_constraint WHERE contype = 'p')",
    ))
    .get_result(src)
    .map_err(|e| e.to_string())?;
    let keys: Vec<&str> = keys.split(' ').collect();
    let out = Command::new("pg_restore")
        .args(["-l", "--section=post-data"])
        .arg(dump)
        .output()
        .map_err(|e| format!("cannot run pg_restore: {e}"))?;
    if !out.status.success() {
        return Err(failure("pg_restore -l", &out));
    }
    // `3345; 2606 16389 CONSTRAINT public t0 t0_pkey postgres`
    let entries: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            !(words.get(3) == Some(&"CONSTRAINT") && words.get(6).is_some_and(|n| keys.contains(n)))
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let list = dump.with_extension("list");
    std::fs::write(&list, entries).map_err(|e| format!("{}: {e}", list.display()))?;
    Ok(list)
}

/// `pg_dump --data-only sr_seal_src | psql sr_seal_loaded`.
fn pg_copy_data() -> Result<(), String> {
    let mut dump = Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-U", "postgres", "--data-only", SRC])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run pg_dump: {e}"))?;
    let pipe = dump.stdout.take().ok_or("pg_dump: no output")?;
    let restore = psql(LOADED)
        .stdin(pipe)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    let dumped = dump.wait_with_output().map_err(|e| e.to_string())?;
    if !dumped.status.success() {
        return Err(failure("pg_dump --data-only", &dumped));
    }
    if !restore.status.success() {
        return Err(failure("psql", &restore));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// MySQL / MariaDB

fn my_connect(db: &str) -> Result<MysqlConnection, String> {
    let url = if db.is_empty() {
        MYSQL_SERVER.to_owned()
    } else {
        format!("{MYSQL_SERVER}/{db}")
    };
    MysqlConnection::establish(&url).map_err(|e| e.to_string())
}

fn my_exec(conn: &mut MysqlConnection, sql: &str) -> Result<(), String> {
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

fn my_number(conn: &mut MysqlConnection, query: &str) -> Result<i64, String> {
    diesel::select(sql::<BigInt>(&format!(
        "CAST(COALESCE(({query}), 0) AS SIGNED)"
    )))
    .get_result(conn)
    .map_err(|e| e.to_string())
}

fn my_size(conn: &mut MysqlConnection, db: &str) -> Result<i64, String> {
    my_number(
        conn,
        &format!(
            "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = '{db}'"
        ),
    )
}

/// Has InnoDB write the pages the copy into `db` dirtied (`FLUSH TABLES ... FOR
/// EXPORT`), so that a timed seal does not pay for its predecessor's writes.
fn my_flush(data: &Dataset, db: &str) -> Result<(), String> {
    let tables: Vec<String> = (0..data.tables.len()).map(|t| format!("t{t}")).collect();
    my_exec(
        &mut my_connect(db)?,
        &format!(
            "FLUSH TABLES {} FOR EXPORT; UNLOCK TABLES",
            tables.join(", ")
        ),
    )
}

/// Copies every table's rows from `from` into `to`, which has the same tables.
fn my_copy(data: &Dataset, from: &str, to: &str) -> Result<(), String> {
    in_parallel(
        || my_connect(to),
        (0..data.tables.len())
            .map(|t| {
                (
                    data.tables[t].rows,
                    format!("INSERT INTO {to}.t{t} SELECT * FROM {from}.t{t}"),
                )
            })
            .collect(),
    )
}

/// A database with `pre` and `base` applied by our CLI, then the rows of [`LOADED`]
/// (or of [`SRC`], for [`LOADED`] itself).
fn my_pre_seal(
    data: &Dataset,
    ours: &Ours,
    admin: &mut MysqlConnection,
    db: &str,
    from: &str,
) -> Result<(), String> {
    my_exec(
        admin,
        &format!("DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}"),
    )?;
    let src_url = format!("{MYSQL_SERVER}/{SRC}");
    let url = format!("{MYSQL_SERVER}/{db}");
    ours.apply(&src_url, &url, "pre")?;
    ours.apply(&src_url, &url, "base")?;
    my_copy(data, from, db)
}

/// `mysqldump --no-data`'s secondary keys and constraints, one `ALTER TABLE ... ADD`
/// each: every table's keys, then every check, then every foreign key.
fn mysqldump_alters() -> Result<(String, usize), String> {
    let out = Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            "-uroot",
            "--no-data",
            "--skip-dump-date",
            SRC,
        ])
        .output()
        .map_err(|e| format!("cannot run mysqldump: {e}"))?;
    if !out.status.success() {
        return Err(failure("mysqldump", &out));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut keys, mut checks, mut fks) = (Vec::new(), Vec::new(), Vec::new());
    let mut table = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
            table = rest.split(' ').next().map(str::to_owned);
            continue;
        }
        if line.starts_with(')') {
            table = None;
        }
        let Some(table) = &table else { continue };
        let clause = line.trim().trim_end_matches(',');
        let list = if ["KEY ", "UNIQUE KEY ", "FULLTEXT KEY ", "SPATIAL KEY "]
            .iter()
            .any(|k| clause.starts_with(k))
        {
            &mut keys
        } else if clause.starts_with("CONSTRAINT ") && clause.contains(" FOREIGN KEY ") {
            &mut fks
        } else if clause.starts_with("CONSTRAINT ") {
            &mut checks
        } else {
            continue;
        };
        list.push(format!("ALTER TABLE {table} ADD {clause};\n"));
    }
    let count = keys.len() + checks.len() + fks.len();
    Ok(([keys, checks, fks].concat().concat(), count))
}

/// The `seal-mysql` mode.
pub fn mysql(args: &[String]) -> Result<(), String> {
    let settings = Settings::parse(args)?;
    let alters = std::env::temp_dir().join("sr_seal_mysqldump_alters.sql");
    let result = my_bench(&settings, &alters);
    if settings.keep {
        eprintln!("kept {SRC}, {LOADED}, {RUN} and {}", alters.display());
        return result;
    }
    let _ = std::fs::remove_file(&alters);
    let dropped = my_connect("").and_then(|mut admin| {
        my_exec(
            &mut admin,
            &format!(
                "DROP DATABASE IF EXISTS {RUN}; DROP DATABASE IF EXISTS {LOADED}; \
                 DROP DATABASE IF EXISTS {SRC}"
            ),
        )
    });
    result.and(dropped)
}

fn my_bench(settings: &Settings, alters: &Path) -> Result<(), String> {
    let start = Instant::now();
    let data = Dataset::new(settings.tables, settings.rows);
    let ours = Ours { cli: &settings.cli };
    let mut admin = my_connect("")?;
    eprintln!("building {SRC}: {}", data.describe());
    my_exec(
        &mut admin,
        &format!(
            "DROP DATABASE IF EXISTS {RUN}; DROP DATABASE IF EXISTS {LOADED}; \
             DROP DATABASE IF EXISTS {SRC}; CREATE DATABASE {SRC}"
        ),
    )?;
    let n = data.tables.len();
    let creates: Vec<String> = (0..n).map(|t| data.create_table(t, true)).collect();
    my_exec(&mut my_connect(SRC)?, &(creates.join(";\n") + ";"))?;
    let weight = |t: usize| data.tables[t].rows;
    in_parallel(
        || my_connect(SRC),
        (0..n).map(|t| (weight(t), data.insert(t, true))).collect(),
    )?;
    in_parallel(
        || my_connect(SRC),
        (0..n).map(|t| (weight(t), data.mysql_keys(t))).collect(),
    )?;
    // The rows are right by construction: no need to check them (nor to copy the
    // tables, which adding a foreign key with the checks on does).
    let fks: String = (0..n)
        .filter(|&t| !data.tables[t].foreign_keys.is_empty())
        .map(|t| format!("ALTER TABLE t{t} {};\n", data.foreign_keys(t).join(", ")))
        .collect();
    my_exec(
        &mut my_connect(SRC)?,
        &format!("SET foreign_key_checks = 0;\n{fks}SET foreign_key_checks = 1"),
    )?;
    eprintln!("building {LOADED}: pre and base by our CLI, then the data");
    my_pre_seal(&data, &ours, &mut admin, LOADED, SRC)?;
    let (sql, statements) = mysqldump_alters()?;
    std::fs::write(alters, sql).map_err(|e| format!("{}: {e}", alters.display()))?;
    let description = format!(
        "{}; {LOADED} (before the seal) ≈ {}, {SRC} ≈ {} (InnoDB's estimates); the \
         mysqldump baseline is {statements} statements",
        data.describe(),
        mib(my_size(&mut admin, LOADED)?),
        mib(my_size(&mut admin, SRC)?)
    );
    eprintln!("loaded in {:.0} s; timing", start.elapsed().as_secs_f64());

    let mut configurations = [
        Configuration::new("ours -j 1"),
        Configuration::new("ours -j 2"),
        Configuration::new("mysqldump DDL, one ALTER per key"),
    ];
    let src_url = format!("{MYSQL_SERVER}/{SRC}");
    let run_url = format!("{MYSQL_SERVER}/{RUN}");
    measure(
        &mut configurations,
        settings.runs,
        || {
            my_pre_seal(&data, &ours, &mut admin, RUN, LOADED)?;
            my_flush(&data, RUN)
        },
        |c, first| {
            if c < 2 {
                let secs = ours.seal(&src_url, &run_url, 1 + c)?;
                if first {
                    ours.same(&src_url, &run_url)?;
                }
                Ok(secs)
            } else {
                let file = File::open(alters).map_err(|e| format!("{}: {e}", alters.display()))?;
                let start = Instant::now();
                let out = Command::new("mysql")
                    .args(["-uroot", "-h127.0.0.1", RUN])
                    .stdin(file)
                    .output()
                    .map_err(|e| format!("cannot run mysql: {e}"))?;
                let secs = start.elapsed().as_secs_f64();
                if !out.status.success() {
                    return Err(failure("mysql < mysqldump's ALTERs", &out));
                }
                Ok(secs)
            }
        },
    )?;
    let notes: Vec<String> = Vec::new();
    report(
        &description,
        &configurations,
        &[
            ("ours -j2 / mysqldump DDL", 1, 2, "—"),
            ("ours -j1 / ours -j2", 0, 1, "—"),
        ],
        &notes,
    );
    eprintln!("total {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}
