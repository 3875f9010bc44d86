//! `schema-replicator`: the command line. Argument parsing and output only; every
//! decision lives in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use schema_replicator::{
    clone_schema_with, diff, snapshot, ApplyOptions, ApplyReport, DdlApplier, DdlExtractor,
    ObjectKind, OnViolation, Phase, Policy, Progress, ReflectOptions, Registry, Statement,
};

/// Replicate a database schema in phases: tables first, data in between, integrity last.
#[derive(Parser)]
#[command(name = "schema-replicator", version, about, long_about = None)]
struct Cli {
    /// Load a dialect plugin (a shared library); repeatable. Every library in the
    /// directories of SCHEMA_REPLICATOR_PLUGIN_PATH is loaded too.
    #[arg(long = "plugin", value_name = "PATH", global = true)]
    plugins: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
    /// Reflect only this schema (PostgreSQL namespace); repeatable. Default: every
    /// user schema.
    #[arg(long = "schema", global = true, value_name = "NAME")]
    schemas: Vec<String>,
}

#[derive(Args)]
struct PolicyArgs {
    /// Create primary keys in seal instead of base, where the dialect allows it.
    #[arg(long)]
    defer_primary_keys: bool,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        Policy::default().with_defer_primary_keys(self.defer_primary_keys)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Write the schema of SRC as a JSON snapshot.
    Snapshot {
        /// Database URL (sqlite://path.db) or snapshot file.
        src: String,
        /// Output file (standard output by default).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print the SQL of one phase.
    Ddl {
        /// Database URL or snapshot file.
        src: String,
        /// pre, base or seal.
        #[arg(long)]
        phase: Phase,
        /// Only this table's statements.
        #[arg(long)]
        table: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Apply one phase of SRC's schema to DST.
    Apply {
        /// Database URL or snapshot file to read the schema from.
        src: String,
        /// Database URL to change.
        dst: String,
        /// pre, base or seal.
        #[arg(long)]
        phase: Phase,
        /// Print the statements instead of running them.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Connections the seal runs on, in parallel, in dependency order (the other
        /// phases run on one).
        #[arg(short = 'j', long = "jobs", default_value_t = 1, value_parser = jobs)]
        jobs: usize,
        /// When the loaded rows violate a foreign key or a check: `stop` the seal, or
        /// leave the constraint `not-valid` and list it at the end (PostgreSQL).
        #[arg(long, value_name = "stop|not-valid", default_value = "stop")]
        on_violation: OnViolation,
    },
    /// Copy the schema of SRC into the empty database DST: pre, base and seal.
    Clone {
        /// Database URL or snapshot file.
        src: String,
        /// Database URL of an empty database (a SQLite file is created).
        dst: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Compare two schemas; exit 1 when they differ.
    Diff {
        /// Database URL or snapshot file.
        a: String,
        /// Database URL or snapshot file.
        b: String,
    },
    /// Count, in DST's loaded data, what the seal of SRC's schema would refuse: orphan
    /// rows, duplicated keys, failing checks, NULLs in NOT NULL columns. Exit 1 when
    /// anything would fail.
    Check {
        /// Database URL or snapshot file to read the schema from.
        src: String,
        /// Database URL of the loaded target.
        dst: String,
        /// Connections the queries run on, in parallel.
        #[arg(short = 'j', long = "jobs", default_value_t = 4, value_parser = jobs)]
        jobs: usize,
        /// `table` for people, `json` for pipelines.
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// List the dialects this build knows.
    Dialects,
}

/// A number of connections: 1 or more.
fn jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "`{text}` is not a number of connections (1 or more)"
        )),
        Ok(n) => Ok(n),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn warn(lines: &[String]) {
    for line in lines {
        eprintln!("warning: {line}");
    }
}

fn print_statements(statements: &[String]) -> schema_replicator::Result<()> {
    let mut out = std::io::stdout().lock();
    for sql in statements {
        // A closed pipe (`| head`) is not an error worth a message.
        if writeln!(out, "{sql};\n").is_err() {
            break;
        }
    }
    Ok(())
}

fn run(cli: Cli) -> schema_replicator::Result<ExitCode> {
    let registry: Registry = schema_replicator::registry_with_plugins(&cli.plugins)?;
    let options = ReflectOptions::with_schemas(cli.schemas.clone());
    match cli.command {
        Command::Snapshot { src, output } => {
            let source = DdlExtractor::open_with(&src, &registry, &Policy::default(), &options)?;
            warn(&source.warnings());
            match output {
                Some(path) => snapshot::write(source.schema(), &path)?,
                None => print!("{}", snapshot::to_json(source.schema())),
            }
        }
        Command::Ddl {
            src,
            phase,
            table,
            policy,
        } => {
            let source = DdlExtractor::open_with(&src, &registry, &policy.policy(), &options)?;
            warn(&source.warnings());
            let statements = match (table, phase) {
                (Some(table), Phase::Base) => vec![source.table_base_ddl(&table)?],
                (Some(table), Phase::Seal) => source.constraints_and_indexes_ddl(&table)?,
                (Some(table), Phase::Pre) => {
                    source.table(&table)?;
                    Vec::new()
                }
                (None, phase) => source.phase_ddl(phase),
            };
            print_statements(&statements)?;
        }
        Command::Apply {
            src,
            dst,
            phase,
            dry_run,
            policy,
            jobs,
            on_violation,
        } => {
            let source = DdlExtractor::open_with(&src, &registry, &policy.policy(), &options)?;
            let target = DdlApplier::open(&dst, &registry)?;
            target.check_dialect(&source)?;
            warn(&source.warnings());
            if dry_run {
                print_statements(&source.phase_ddl(phase))?;
            } else {
                let mut apply = ApplyOptions::default()
                    .with_jobs(jobs)
                    .with_on_violation(on_violation);
                let bar = std::io::stderr().is_terminal().then(progress::Bar::new);
                if let Some(bar) = &bar {
                    apply = apply.with_progress(bar.callback());
                }
                let started = Instant::now();
                let result = target.apply_phase_with(&source, phase, &apply);
                if let Some(bar) = &bar {
                    bar.clear();
                }
                let report = result?;
                let statements = source.phase_statements(phase);
                eprintln!(
                    "{}",
                    summary(&report, phase, &target, &statements, started.elapsed())
                );
                for object in &report.rebuilt {
                    eprintln!(
                        "note: {object} was left invalid by an interrupted build; rebuilt it"
                    );
                }
                for constraint in &report.not_valid {
                    eprintln!("warning: left NOT VALID: {constraint}");
                }
            }
        }
        Command::Clone { src, dst, policy } => {
            let report = clone_schema_with(&src, &dst, &registry, &policy.policy(), &options)?;
            warn(&report.warnings);
            let phases: Vec<String> = report
                .phases
                .iter()
                .map(|(phase, r)| format!("{phase} {}", r.statements))
                .collect();
            eprintln!(
                "cloned schema into {}: {} statements",
                redacted(&dst),
                phases.join(", ")
            );
        }
        Command::Diff { a, b } => {
            let left = DdlExtractor::open_with(&a, &registry, &Policy::default(), &options)?;
            let right = DdlExtractor::open_with(&b, &registry, &Policy::default(), &options)?;
            // What neither side can replicate is invisible to the diff: say so.
            warn(&left.warnings());
            warn(&right.warnings());
            let differences = diff(left.schema(), right.schema());
            if differences.is_empty() {
                eprintln!("no differences");
                return Ok(ExitCode::SUCCESS);
            }
            for d in &differences {
                println!("{d}");
            }
            return Ok(ExitCode::from(1));
        }
        Command::Check {
            src,
            dst,
            jobs,
            format,
        } => {
            let source = DdlExtractor::open_with(&src, &registry, &Policy::default(), &options)?;
            let target = DdlApplier::open(&dst, &registry)?;
            warn(&source.warnings());
            let findings = target.check(&source, jobs)?;
            let failing = findings.iter().filter(|f| f.fails()).count();
            if format == "json" {
                let report = serde_json::json!({
                    "target": target.url().to_string(),
                    "checked": findings.len(),
                    "failing": failing,
                    "findings": findings,
                });
                println!("{report:#}");
            } else {
                let mut rows = vec![[
                    "result".to_owned(),
                    "rows".to_owned(),
                    "object".to_owned(),
                    "problem".to_owned(),
                ]];
                for f in &findings {
                    rows.push([
                        if f.fails() { "FAIL" } else { "ok" }.to_owned(),
                        f.rows.to_string(),
                        f.object.to_string(),
                        f.problem_text(),
                    ]);
                }
                print_table(&rows, &[6, 4, 10]);
            }
            eprintln!(
                "checked {} objects of {}: {}",
                findings.len(),
                target.url(),
                match failing {
                    0 => "the seal would accept the loaded data".to_owned(),
                    1 => "1 would fail the seal".to_owned(),
                    n => format!("{n} would fail the seal"),
                }
            );
            if failing > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Dialects => {
            let mut rows = vec![[
                "name".to_owned(),
                "url schemes".to_owned(),
                "origin".to_owned(),
                "capabilities".to_owned(),
            ]];
            for entry in registry.entries() {
                let schemes: Vec<String> = entry
                    .dialect
                    .url_schemes()
                    .iter()
                    .map(|s| format!("{s}:"))
                    .collect();
                rows.push([
                    entry.dialect.name().to_owned(),
                    schemes.join(" "),
                    entry.origin.to_string(),
                    entry.dialect.capabilities().to_string(),
                ]);
            }
            print_table(&rows, &[10, 22, 10]);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The line that ends an apply: how many statements, where, how, how long, what.
fn summary(
    report: &ApplyReport,
    phase: Phase,
    target: &DdlApplier,
    statements: &[Statement],
    elapsed: Duration,
) -> String {
    let mut line = format!(
        "applied {} statements of phase {phase} to {}",
        report.statements,
        target.url()
    );
    if report.transactional {
        line.push_str(" in one transaction");
        return line;
    }
    if report.connections > 1 {
        line.push_str(&format!(" over {} connections", report.connections));
    }
    line.push_str(&format!(" in {:.1} s", elapsed.as_secs_f64()));
    if report.resumed > 0 {
        line.push_str(&format!(
            ", resuming after the {} an interrupted run had applied",
            report.resumed
        ));
    }
    let created = created(statements);
    if !created.is_empty() {
        line.push_str(&format!(": {created}"));
    }
    line.push_str(
        " (not in a transaction: a journal in the target lets a re-run of the same command \
         resume)",
    );
    line
}

/// `3 indexes, 2 foreign keys`: the objects of `statements`, counted by kind.
fn created(statements: &[Statement]) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut counts: Vec<(ObjectKind, usize)> = Vec::new();
    for object in statements.iter().flat_map(|s| &s.objects) {
        if seen.insert(object) {
            match counts.iter_mut().find(|(k, _)| *k == object.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((object.kind, 1)),
            }
        }
    }
    counts
        .iter()
        .map(|(kind, n)| {
            let label = kind.label();
            let plural = match (label, *n) {
                (_, 1) => label.to_owned(),
                ("index", _) => "indexes".to_owned(),
                (_, _) => format!("{label}s"),
            };
            format!("{n} {plural}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The progress bar on a terminal.
mod progress {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Draws `[#####.....] 37/120 statements, 0:42 elapsed, about 1:10 left` on
    /// standard error, at most ten times a second.
    pub struct Bar {
        state: Arc<Mutex<(Option<usize>, Option<Instant>)>>,
    }

    impl Bar {
        pub fn new() -> Bar {
            Bar {
                state: Arc::new(Mutex::new((None, None))),
            }
        }

        pub fn callback(&self) -> schema_replicator::ProgressFn {
            let state = self.state.clone();
            Arc::new(move |p: &Progress| {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                // The first report counts what an earlier run had done.
                let resumed = *state.0.get_or_insert(p.done.saturating_sub(1));
                let now = Instant::now();
                if state
                    .1
                    .is_some_and(|t| now - t < Duration::from_millis(100))
                    && p.done < p.total
                {
                    return;
                }
                state.1 = Some(now);
                eprint!("\r{}\x1b[K", line(p, resumed));
            })
        }

        pub fn clear(&self) {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.1.is_some() {
                eprint!("\r\x1b[K");
            }
        }
    }

    fn clock(d: Duration) -> String {
        let s = d.as_secs();
        format!("{}:{:02}", s / 60, s % 60)
    }

    /// One frame of the bar.
    pub fn line(p: &Progress, resumed: usize) -> String {
        const WIDTH: usize = 30;
        let filled = (p.done * WIDTH).checked_div(p.total).unwrap_or(WIDTH);
        let left = match p.remaining(resumed) {
            Some(d) if p.done < p.total => format!(", about {} left", clock(d)),
            _ => String::new(),
        };
        format!(
            "[{}{}] {}/{} statements, {} elapsed{left}",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            p.done,
            p.total,
            clock(p.elapsed)
        )
    }
}

/// Prints rows as columns at least `min_widths` wide, the last column unpadded.
fn print_table(rows: &[[String; 4]], min_widths: &[usize; 3]) {
    let mut widths = *min_widths;
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for [a, b, c, d] in rows {
        let [wa, wb, wc] = widths;
        println!("{a:<wa$} {b:<wb$} {c:<wc$} {d}");
    }
}

fn redacted(url: &str) -> String {
    schema_replicator::redact(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_shows_done_total_elapsed_and_time_left() {
        let p = Progress {
            done: 6,
            total: 12,
            elapsed: Duration::from_secs(75),
        };
        assert_eq!(
            progress::line(&p, 1),
            "[###############...............] 6/12 statements, 1:15 elapsed, about 1:30 left"
        );
        let end = Progress { done: 12, ..p };
        assert!(progress::line(&end, 0).ends_with("12/12 statements, 1:15 elapsed"));
    }

    #[test]
    fn the_summary_counts_objects_once_by_kind() {
        let t = schema_replicator::QualifiedName::bare("t");
        let ix = schema_replicator::ObjectId::owned(ObjectKind::Index, &t, "i".into(), 0);
        let fk = schema_replicator::ObjectId::owned(ObjectKind::ForeignKey, &t, "f".into(), 0);
        let ix2 = schema_replicator::ObjectId::owned(ObjectKind::Index, &t, "j".into(), 1);
        let statements = vec![
            Statement::new(Some(Phase::Seal), vec![ix.clone()], "CREATE INDEX i"),
            Statement::new(Some(Phase::Seal), vec![ix], "COMMENT ON INDEX i"),
            Statement::new(Some(Phase::Seal), vec![fk.clone()], "ADD f NOT VALID"),
            Statement::new(Some(Phase::Seal), vec![fk], "VALIDATE f"),
            Statement::new(Some(Phase::Seal), vec![ix2], "CREATE INDEX j"),
        ];
        assert_eq!(created(&statements), "2 indexes, 1 foreign key");
    }
}
