//! `schema-replicator`: the command line. Argument parsing and output only; every
//! decision lives in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use schema_replicator::{
    clone_extracted_owned, diff, snapshot, ApplyOptions, ApplyReport, CheckOptions, DbUrl,
    DdlApplier, DdlExtractor, Dialect, LossReport, ObjectKind, OnViolation, OpenOptions, Phase,
    Policy, ReflectOptions, Registry, Selection, Statement, Translation, TypeMap,
};
use serde_json::json;

/// The environment variable a source URL (or snapshot path) may come from.
const SOURCE_ENV: &str = "SCHEMA_REPLICATOR_SOURCE";
/// The environment variable a target URL may come from.
const TARGET_ENV: &str = "SCHEMA_REPLICATOR_TARGET";

/// Replicate a database schema in phases: tables first, data in between, integrity last.
///
/// Source and target URLs may come from the environment (SCHEMA_REPLICATOR_SOURCE,
/// SCHEMA_REPLICATOR_TARGET) instead of the command line; passwords in URLs are never
/// printed.
#[derive(Parser)]
#[command(name = "schema-replicator", version, about)]
struct Cli {
    /// Load a dialect plugin (a shared library); repeatable. Every library in the
    /// directories of SCHEMA_REPLICATOR_PLUGIN_PATH is loaded too.
    #[arg(long = "plugin", value_name = "PATH", global = true)]
    plugins: Vec<PathBuf>,
    /// Log to standard error: -v each statement as it starts and its duration, -vv also
    /// the catalog queries. RUST_LOG, when set, takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// pg_dump's object filters. Patterns take `*` and `?`; double quotes keep case and make
/// `*`, `?` and `.` literal. A pattern that matches nothing is an error.
#[derive(Args, Default)]
struct FilterArgs {
    /// Only tables and views matching PATTERN (`schema.table` where there are schemas);
    /// repeatable.
    #[arg(short = 't', long = "table", value_name = "PATTERN")]
    tables: Vec<String>,
    /// Leave out tables and views matching PATTERN; repeatable.
    #[arg(short = 'T', long = "exclude-table", value_name = "PATTERN")]
    exclude_tables: Vec<String>,
    /// Only objects in schemas matching PATTERN (PostgreSQL); repeatable.
    #[arg(short = 'n', long = "schema", value_name = "PATTERN")]
    schemas: Vec<String>,
    /// Leave out objects in schemas matching PATTERN (PostgreSQL); repeatable.
    #[arg(short = 'N', long = "exclude-schema", value_name = "PATTERN")]
    exclude_schemas: Vec<String>,
}

impl FilterArgs {
    fn selection(&self) -> Selection {
        let mut selection = Selection::all();
        selection.tables.clone_from(&self.tables);
        selection.exclude_tables.clone_from(&self.exclude_tables);
        selection.schemas.clone_from(&self.schemas);
        selection.exclude_schemas.clone_from(&self.exclude_schemas);
        selection
    }
}

/// How long a statement may wait for a lock another session holds.
#[derive(Args)]
struct LockArgs {
    /// How long one statement waits for a lock another session holds before it gives
    /// up and is tried again (`5s`, `500ms`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    lock_timeout: Duration,
    /// How many times a statement that could not get its lock is tried again, after
    /// 1, 2, 4, ... seconds, before the run stops (what it applied stays, and a re-run
    /// resumes).
    #[arg(long, value_name = "N", default_value_t = 5)]
    lock_retries: u32,
}

/// A duration as people write it: `5s`, `500ms`, `2m`.
fn duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(format!("`{text}` is no time at all; give at least 1ms")),
        Err(e) => Err(format!("`{text}` is not a duration like 5s or 500ms: {e}")),
    }
}

#[derive(Args)]
struct PolicyArgs {
    /// Create primary keys in seal instead of base, where the dialect allows it.
    #[arg(long)]
    defer_primary_keys: bool,
    /// Leave out definers (MySQL): the applying user defines every view, trigger,
    /// routine and event, and each one that runs with its definer's rights is listed
    /// as a warning.
    #[arg(long)]
    skip_definer: bool,
    /// Create events DISABLE (MySQL), so the copy does not run the source's jobs.
    #[arg(long)]
    disable_events: bool,
    /// Leave out grants (MySQL), and say nothing of privileges not replicated, as
    /// pg_dump's -x does (also --no-acl).
    #[arg(short = 'x', long, visible_alias = "no-acl")]
    no_privileges: bool,
    /// Leave out the source's owners (the applying role owns the copy), as pg_dump's
    /// -O does.
    #[arg(short = 'O', long)]
    no_owner: bool,
    /// Leave out comments.
    #[arg(long)]
    no_comments: bool,
    /// Say nothing of tablespaces (the copy uses the target's default).
    #[arg(long)]
    no_tablespaces: bool,
    /// Leave out publications.
    #[arg(long)]
    no_publications: bool,
    /// Say nothing of security labels.
    #[arg(long)]
    no_security_labels: bool,
    /// Say nothing of subscriptions (PostgreSQL does not let a copy take them: their
    /// connection strings are the superuser's to read).
    #[arg(long)]
    no_subscriptions: bool,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        Policy::default()
            .with_defer_primary_keys(self.defer_primary_keys)
            .with_skip_definer(self.skip_definer)
            .with_disable_events(self.disable_events)
            .with_no_privileges(self.no_privileges)
            .with_no_owner(self.no_owner)
            .with_no_comments(self.no_comments)
            .with_no_tablespaces(self.no_tablespaces)
            .with_no_publications(self.no_publications)
            .with_no_security_labels(self.no_security_labels)
            .with_no_subscriptions(self.no_subscriptions)
    }
}

/// How a schema of another dialect is translated for the target (the target's
/// dialect is DST's, or `ddl --to`'s).
#[derive(Args)]
struct TranslateArgs {
    /// Type overrides, a TOML file: `[types]` by source type pattern, `[columns]` by
    /// `table.column` (docs/type-mapping.md).
    #[arg(long, value_name = "FILE")]
    type_map: Option<PathBuf>,
    /// Write every source object's translation (exact, mapped, lossy, skipped) as JSON.
    #[arg(long, value_name = "FILE")]
    loss_report: Option<PathBuf>,
    /// Refuse a translation that would lose or skip any object, before anything is
    /// applied.
    #[arg(long)]
    strict: bool,
    /// MySQL tinyint(1) and SQLite BOOLEAN as PostgreSQL's boolean (values other than 0
    /// and 1 are then refused, and expressions comparing them with numbers fail).
    #[arg(long = "tinyint1-boolean")]
    tinyint1_boolean: bool,
    /// MySQL ENUM as text with a check of its labels, not a PostgreSQL enum type.
    #[arg(long)]
    enum_as_check: bool,
    /// A check `col >= 0` on each unsigned column widened for the target.
    #[arg(long)]
    unsigned_checks: bool,
    /// Translate spatial columns to PostGIS geometry and spatial indexes to GiST (pre
    /// creates the extension if it is not there); automatic for a PostgreSQL target
    /// database that has PostGIS.
    #[arg(long)]
    postgis: bool,
}

impl TranslateArgs {
    fn translation(&self) -> schema_replicator::Result<Translation> {
        let type_map = match &self.type_map {
            Some(path) => TypeMap::load(path)?,
            None => TypeMap::default(),
        };
        Ok(Translation::default()
            .with_type_map(type_map)
            .with_tinyint1_boolean(self.tinyint1_boolean)
            .with_enum_as_check(self.enum_as_check)
            .with_unsigned_checks(self.unsigned_checks)
            .with_postgis(self.postgis)
            .with_strict(self.strict))
    }

    /// Writes the loss report of `source`, when asked and when it was translated.
    fn write_report(&self, source: &DdlExtractor) -> schema_replicator::Result<()> {
        let Some(path) = &self.loss_report else {
            return Ok(());
        };
        let empty;
        let report = match source.loss_report() {
            Some(report) => report,
            None => {
                empty = LossReport::new(source.schema().dialect.as_str(), &source.schema().dialect);
                &empty
            }
        };
        let text = serde_json::to_string_pretty(report).unwrap_or_default() + "\n";
        std::fs::write(path, text).map_err(|source| schema_replicator::Error::Io {
            path: path.clone(),
            source,
        })
    }
}

/// How a command prints its result on standard output.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Lines or a table, for people.
    #[value(alias = "table")]
    Text,
    /// One JSON document, for pipelines.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Write the schema of SRC as a JSON snapshot.
    Snapshot {
        /// Database URL (sqlite://path.db) or snapshot file.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        src: String,
        /// Output file (standard output by default).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Print the SQL of one phase.
    Ddl {
        /// Database URL or snapshot file.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        src: String,
        /// pre, base or seal.
        #[arg(long)]
        phase: Phase,
        /// Render for this dialect (postgres, mysql, sqlite), translating SRC's schema
        /// when it is another's.
        #[arg(long, value_name = "DIALECT")]
        to: Option<String>,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        translate: TranslateArgs,
    },
    /// Apply one phase of SRC's schema to DST.
    Apply {
        /// Database URL or snapshot file to read the schema from.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        src: String,
        /// Database URL to change.
        #[arg(env = TARGET_ENV, hide_env_values = true)]
        dst: String,
        /// pre, base or seal.
        #[arg(long)]
        phase: Phase,
        /// Print the statements a run would run on DST as it stands (what it lacks)
        /// instead of running them.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        translate: TranslateArgs,
        /// Connections the phase runs on, in parallel, in dependency order: the seal, a
        /// MySQL phase, and a PostgreSQL `pre` or `base` (which then runs in groups of
        /// tables, each in its own transaction); SQLite has one writer.
        #[arg(short = 'j', long = "jobs", default_value_t = 1, value_parser = jobs)]
        jobs: usize,
        /// When the loaded rows violate a foreign key or a check: `stop` the seal, or
        /// leave the constraint `not-valid` and list it at the end (PostgreSQL).
        #[arg(long, value_name = "stop|not-valid", default_value = "stop")]
        on_violation: OnViolation,
        #[command(flatten)]
        lock: LockArgs,
        /// `text` for people, `json` for pipelines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Copy the schema of SRC into DST: pre, base and seal. DST is empty, or holds part or
    /// all of the schema (then only what it lacks is applied) and nothing else.
    Clone {
        /// Database URL or snapshot file.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        src: String,
        /// Database URL of an empty database (a SQLite file is created).
        #[arg(env = TARGET_ENV, hide_env_values = true)]
        dst: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        translate: TranslateArgs,
        /// Connections each phase runs on, in parallel, in dependency order (PostgreSQL
        /// and MySQL; SQLite has one writer).
        #[arg(short = 'j', long = "jobs", default_value_t = 1, value_parser = jobs)]
        jobs: usize,
        #[command(flatten)]
        lock: LockArgs,
        /// `text` for people, `json` for pipelines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show where each phase of SRC's schema stands in DST: how many of its objects DST
    /// holds, lacks and holds with another definition, and whether an interrupted run
    /// left its journal. Exit 0 when DST is fully sealed, 1 otherwise.
    Status {
        /// Database URL or snapshot file to read the schema from.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        src: String,
        /// Database URL of the target.
        #[arg(env = TARGET_ENV, hide_env_values = true)]
        dst: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        translate: TranslateArgs,
        /// `text` for people, `json` for pipelines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compare two schemas; exit 1 when they differ.
    Diff {
        /// Database URL or snapshot file.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        a: String,
        /// Database URL or snapshot file.
        #[arg(env = TARGET_ENV, hide_env_values = true)]
        b: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        translate: TranslateArgs,
        /// `text` for people, `json` for pipelines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Count, in DST's loaded data, what the seal of SRC's schema would refuse: orphan
    /// rows, duplicated keys, failing checks, NULLs in NOT NULL columns. Exit 1 when
    /// anything would fail.
    Check {
        /// Database URL or snapshot file to read the schema from.
        #[arg(env = SOURCE_ENV, hide_env_values = true)]
        src: String,
        /// Database URL of the loaded target.
        #[arg(env = TARGET_ENV, hide_env_values = true)]
        dst: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        translate: TranslateArgs,
        /// Connections the queries run on, in parallel.
        #[arg(short = 'j', long = "jobs", default_value_t = 4, value_parser = jobs)]
        jobs: usize,
        /// `table` (or `text`) for people, `json` for pipelines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the dialects this build knows.
    Dialects {
        /// `text` for people, `json` for pipelines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `schema-replicator man | man -l -`.
    Man,
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

/// glibc gives each thread that allocates an arena of its own and seldom returns what
/// they free: with the reflection's and the apply's worker threads, the resident size of
/// a 5,000-table PostgreSQL `snapshot` was 113 MiB for a 62 MiB heap peak. With one
/// arena it is 81 MiB, and no slower (measured in docs/benchmarks.md): our threads spend
/// their time waiting on the server, not in malloc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    // SAFETY: `mallopt` only sets an allocator parameter; it is called before any
    // thread of ours starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    logging(cli.verbose);
    let not_valid = matches!(
        cli.command,
        Command::Apply {
            on_violation: OnViolation::NotValid,
            ..
        }
    );
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}{}", hint(&e, not_valid));
            ExitCode::from(2)
        }
    }
}

/// What the command line adds to a library error: the flags and variables that help.
/// The library's messages name no flag.
fn hint(error: &schema_replicator::Error, asked_not_valid: bool) -> &'static str {
    use schema_replicator::Error;
    match error {
        Error::DialectNotCompiled { .. } => " (--plugin PATH or SCHEMA_REPLICATOR_PLUGIN_PATH)",
        Error::Unsupported { .. } if asked_not_valid => {
            ": use --on-violation stop, or `check` before the seal"
        }
        _ => "",
    }
}

/// Whether `tracing` events go to standard error (then no progress bar is drawn).
static LOGGING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sends the library's `tracing` events to standard error: RUST_LOG when it is set,
/// otherwise what `-v` asks for, otherwise nothing.
fn logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ => match verbose {
            0 => return,
            1 => EnvFilter::new(format!(
                "{}=info",
                schema_replicator::trace::STATEMENT_TARGET
            )),
            _ => EnvFilter::new(format!(
                "{}=info,{}=debug",
                schema_replicator::trace::STATEMENT_TARGET,
                schema_replicator::trace::QUERY_TARGET
            )),
        },
    };
    LOGGING.store(true, std::sync::atomic::Ordering::Relaxed);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn warn(lines: &[String]) {
    for line in lines {
        eprintln!("warning: {line}");
    }
}

/// Prints text on standard output; a closed pipe (`| head`) is not an error worth a
/// message, nor a panic.
fn print_text(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints one JSON document on standard output.
fn print_json(value: &serde_json::Value) {
    print_text(&format!("{value:#}\n"));
}

/// Prints SQL statements on standard output as `dialect`'s client reads a script (each
/// ended by `;` and a blank line, where nothing else is needed).
fn print_statements<'a>(dialect: &dyn Dialect, statements: impl IntoIterator<Item = &'a str>) {
    // Statement by statement, not as one text: tens of megabytes at scale.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for sql in statements {
        if out.write_all(dialect.script(sql).as_bytes()).is_err() {
            return;
        }
    }
    let _ = out.flush();
}

fn run(cli: Cli) -> schema_replicator::Result<ExitCode> {
    let registry: Registry = schema_replicator::registry_with_plugins(&cli.plugins)?;
    // `phases`: those whose statements the command needs held (a phase held by none is
    // rendered when its turn comes: one phase's statements in memory at a time).
    let open = |src: &str, policy: &Policy, filter: &FilterArgs, phases: &[Phase]| {
        let options = OpenOptions::default()
            .with_policy(policy.clone())
            .with_selection(filter.selection())
            .with_phases(phases);
        DdlExtractor::open_with(src, &registry, &options)
    };
    // For a target: translated for its dialect when the source is another's.
    let open_for = |src: &str,
                    to: &str,
                    policy: &Policy,
                    filter: &FilterArgs,
                    translate: &TranslateArgs,
                    phases: &[Phase]| {
        let mut translation = translate.translation()?;
        let options = OpenOptions::default()
            .with_policy(policy.clone())
            .with_selection(filter.selection())
            .with_phases(phases);
        let options = match DbUrl::looks_like_url(to) {
            true => {
                let url = DbUrl::parse(to)?;
                let dialect = registry.resolve(&url)?;
                // A target with PostGIS takes spatial columns as its geometry.
                if !translation.postgis {
                    let postgis = dialect.has_extension(&url, "postgis")?;
                    translation = translation.with_postgis(postgis);
                }
                options.with_target(dialect.name())
            }
            false => options.with_target(registry.by_name(to)?.name()),
        };
        let options = options.with_translation(translation);
        let source = DdlExtractor::open_with(src, &registry, &options)?;
        translate.write_report(&source)?;
        Ok::<_, schema_replicator::Error>(source)
    };
    match cli.command {
        Command::Snapshot {
            src,
            output,
            filter,
        } => {
            // Reflection only: a snapshot needs no plan and no rendered statements.
            let options = ReflectOptions::default().with_selection(filter.selection());
            let source = schema_replicator::read_source(&src, &registry, &options)?;
            warn(
                &source
                    .schema
                    .skipped
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            );
            match output {
                Some(path) => snapshot::write(&source.schema, &path)?,
                None => {
                    let out = std::io::BufWriter::new(std::io::stdout().lock());
                    // Like `print_text`: a closed pipe (`| head`) is not an error.
                    if let Err(e) = snapshot::write_json(&source.schema, out) {
                        if e.kind() != std::io::ErrorKind::BrokenPipe {
                            return Err(schema_replicator::Error::Io {
                                path: "standard output".into(),
                                source: e,
                            });
                        }
                    }
                }
            }
        }
        Command::Ddl {
            src,
            phase,
            to,
            filter,
            policy,
            translate,
        } => {
            let source = match &to {
                Some(to) => open_for(&src, to, &policy.policy(), &filter, &translate, &[phase])?,
                None => {
                    let source = open(&src, &policy.policy(), &filter, &[phase])?;
                    translate.write_report(&source)?;
                    source
                }
            };
            warn(&source.warnings());
            let statements = source.phase_slice(phase)?;
            print_statements(
                source.dialect().as_ref(),
                statements.iter().map(|s| s.sql.as_str()),
            );
        }
        Command::Apply {
            src,
            dst,
            phase,
            dry_run,
            filter,
            policy,
            translate,
            jobs,
            on_violation,
            lock,
            format,
        } => {
            // Every phase renders, or nothing is applied; one phase's statements at a
            // time are in memory.
            let source = open_for(&src, &dst, &policy.policy(), &filter, &translate, &[])?;
            source.check_renders()?;
            let target = DdlApplier::open(&dst, &registry)?;
            target.check_dialect(&source)?;
            let warnings = source.warnings();
            warn(&warnings);
            if dry_run {
                // What a run would do on the target as it stands: what it lacks.
                let pending = target.pending_statements(&source, phase)?;
                if pending.is_empty() && !source.phase_statements(phase)?.is_empty() {
                    eprintln!(
                        "nothing to do: {phase} is already applied to {}",
                        target.url()
                    );
                }
                let sql: Vec<String> = pending.into_iter().map(|s| s.sql).collect();
                if format == Format::Json {
                    print_json(&json!({
                        "phase": phase,
                        "target": target.url().to_string(),
                        "dry_run": true,
                        "statements": sql.len(),
                        "sql": sql,
                        "warnings": warnings,
                    }));
                } else {
                    print_statements(target.dialect().as_ref(), sql.iter().map(String::as_str));
                }
                return Ok(ExitCode::SUCCESS);
            }
            let bar = progress::Bar::on_terminal("statements");
            let apply = ApplyOptions::default()
                .with_jobs(jobs)
                .with_on_violation(on_violation)
                .with_lock_timeout(lock.lock_timeout, lock.lock_retries)
                .with_progress(progress::callback(bar.as_ref()));
            let started = Instant::now();
            let result = target.apply_phase_with(&source, phase, &apply);
            if let Some(bar) = &bar {
                bar.clear();
            }
            let report = result?;
            let elapsed = started.elapsed();
            let statements = source.phase_statements(phase)?;
            eprintln!("{}", summary(&report, phase, &target, &statements, elapsed));
            for object in &report.rebuilt {
                eprintln!("note: {object} was left invalid by an interrupted build; rebuilt it");
            }
            for constraint in &report.not_valid {
                eprintln!("warning: left NOT VALID: {constraint}");
            }
            if format == Format::Json {
                let created: serde_json::Map<String, serde_json::Value> = created(&statements)
                    .into_iter()
                    .map(|(kind, n)| (kind.label().to_owned(), n.into()))
                    .collect();
                print_json(&json!({
                    "phase": phase,
                    "target": target.url().to_string(),
                    "dry_run": false,
                    "statements": report.statements,
                    "transactional": report.transactional,
                    "connections": report.connections,
                    "resumed": report.resumed,
                    "present": report.present,
                    "nothing_to_do": report.nothing_to_do(),
                    "seconds": elapsed.as_secs_f64(),
                    "created": created,
                    "not_valid": report.not_valid,
                    "rebuilt": report.rebuilt,
                    "warnings": warnings,
                }));
            }
        }
        Command::Clone {
            src,
            dst,
            filter,
            policy,
            translate,
            jobs,
            lock,
            format,
        } => {
            let bar = progress::Bar::on_terminal("statements");
            let apply = ApplyOptions::default()
                .with_jobs(jobs)
                .with_lock_timeout(lock.lock_timeout, lock.lock_retries)
                .with_progress(progress::callback(bar.as_ref()));
            // Warnings first: they explain a clone that fails.
            let source = open_for(&src, &dst, &policy.policy(), &filter, &translate, &[])?;
            warn(&source.warnings());
            let result = clone_extracted_owned(source, &dst, &registry, &apply);
            if let Some(bar) = &bar {
                bar.clear();
            }
            let report = result?;
            let phases: Vec<String> = report
                .phases
                .iter()
                .map(|(phase, r)| {
                    let mut notes = Vec::new();
                    if r.present > 0 {
                        notes.push(format!("{} already there", r.present));
                    }
                    if r.resumed > 0 {
                        notes.push(format!("{} applied by an earlier run", r.resumed));
                    }
                    match notes.is_empty() {
                        true => format!("{phase} {}", r.statements),
                        false => format!("{phase} {} ({})", r.statements, notes.join(", ")),
                    }
                })
                .collect();
            eprintln!(
                "cloned schema into {}: {} statements",
                schema_replicator::redact(&dst),
                phases.join(", ")
            );
            if format == Format::Json {
                let phases: Vec<serde_json::Value> = report
                    .phases
                    .iter()
                    .map(|(phase, r)| {
                        json!({
                            "phase": phase,
                            "statements": r.statements,
                            "present": r.present,
                            "resumed": r.resumed,
                            "transactional": r.transactional,
                            "connections": r.connections,
                        })
                    })
                    .collect();
                print_json(&json!({
                    "source": schema_replicator::redact(&src),
                    "target": schema_replicator::redact(&dst),
                    "statements": report.phases.iter().map(|(_, r)| r.statements).sum::<usize>(),
                    "phases": phases,
                    "warnings": report.warnings,
                }));
            }
        }
        Command::Status {
            src,
            dst,
            filter,
            policy,
            translate,
            format,
        } => {
            let source = open_for(
                &src,
                &dst,
                &policy.policy(),
                &filter,
                &translate,
                &Phase::ALL,
            )?;
            let target = DdlApplier::open(&dst, &registry)?;
            warn(&source.warnings());
            let status = target.status(&source)?;
            if format == Format::Json {
                print_json(&json!({
                    "source": schema_replicator::redact(&src),
                    "target": target.url().to_string(),
                    "sealed": status.sealed(),
                    "phases": status.phases,
                }));
            } else {
                print_text(&status_text(&status));
            }
            return Ok(if status.sealed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Diff {
            a,
            b,
            filter,
            translate,
            format,
        } => {
            // The patterns must match in A; B may lack what A has. A of another dialect
            // than B is compared as its translation for B's dialect.
            let lenient =
                OpenOptions::default().with_selection(filter.selection().with_lenient(true));
            let right = DdlExtractor::open_with(&b, &registry, &lenient)?;
            let mut translation = translate.translation()?;
            if let (false, Ok(url)) = (translation.postgis, DbUrl::parse(&b)) {
                let postgis = registry.resolve(&url)?.has_extension(&url, "postgis")?;
                translation = translation.with_postgis(postgis);
            }
            let options = OpenOptions::default()
                .with_selection(filter.selection())
                .with_translation(translation)
                .with_target(right.schema().dialect.clone());
            let left = DdlExtractor::open_with(&a, &registry, &options)?;
            translate.write_report(&left)?;
            // What neither side can replicate is invisible to the diff: say so.
            let mut warnings = left.warnings();
            warnings.extend(right.warnings());
            warn(&warnings);
            let differences = match left.loss_report() {
                Some(_) => {
                    let right = schema_replicator::translate::comparable(
                        right.schema().clone(),
                        left.schema(),
                    );
                    let mut left = left.schema().clone();
                    schema_replicator::translate::forget_counters(&mut left);
                    diff(&left, &right)
                }
                None => diff(left.schema(), right.schema()),
            };
            if format == Format::Json {
                print_json(&json!({
                    "a": schema_replicator::redact(&a),
                    "b": schema_replicator::redact(&b),
                    "equal": differences.is_empty(),
                    "differences": differences,
                    "warnings": warnings,
                }));
            }
            if differences.is_empty() {
                eprintln!("no differences");
                return Ok(ExitCode::SUCCESS);
            }
            if format == Format::Text {
                let lines: Vec<String> = differences.iter().map(|d| format!("{d}\n")).collect();
                print_text(&lines.concat());
            }
            return Ok(ExitCode::from(1));
        }
        Command::Check {
            src,
            dst,
            filter,
            translate,
            jobs,
            format,
        } => {
            let source = open_for(
                &src,
                &dst,
                &Policy::default(),
                &filter,
                &translate,
                &Phase::ALL,
            )?;
            let target = DdlApplier::open(&dst, &registry)?;
            warn(&source.warnings());
            let mut options = CheckOptions::default().with_jobs(jobs);
            let bar = progress::Bar::on_terminal("queries");
            if let Some(bar) = &bar {
                options = options.with_progress(bar.callback());
            }
            let result = target.check_with(&source, &options);
            if let Some(bar) = &bar {
                bar.clear();
            }
            let mut findings = result?;
            // A translated schema: what the source's rows hold that the target cannot.
            let reflect = ReflectOptions::default().with_selection(filter.selection());
            findings.extend(schema_replicator::check_source(
                &src, &registry, &source, &reflect, &options,
            )?);
            let failing = findings.iter().filter(|f| f.fails()).count();
            if format == Format::Json {
                print_json(&json!({
                    "target": target.url().to_string(),
                    "checked": findings.len(),
                    "failing": failing,
                    "findings": findings,
                }));
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
        Command::Dialects { format } => {
            if format == Format::Json {
                let dialects: Vec<serde_json::Value> = registry
                    .entries()
                    .iter()
                    .map(|entry| {
                        json!({
                            "name": entry.dialect.name(),
                            "url_schemes": entry.dialect.url_schemes(),
                            "origin": entry.origin.to_string(),
                            "capabilities": entry.dialect.capabilities(),
                        })
                    })
                    .collect();
                print_json(&json!({ "dialects": dialects }));
                return Ok(ExitCode::SUCCESS);
            }
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
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(
                shell,
                &mut command,
                "schema-replicator",
                &mut std::io::stdout(),
            );
        }
        Command::Man => {
            let page = clap_mangen::Man::new(Cli::command());
            page.render(&mut std::io::stdout())
                .map_err(|e| schema_replicator::Error::Io {
                    path: "standard output".into(),
                    source: e,
                })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The line that ends an apply: how many statements, where, how, how long, what.
/// `status` for people: a line per phase, then each object that is not as the source
/// has it.
fn status_text(status: &schema_replicator::Status) -> String {
    use schema_replicator::State;
    let mut out = format!(
        "{:<6} {:>8} {:>8} {:>10}  journal\n",
        "phase", "present", "missing", "different"
    );
    for phase in &status.phases {
        let s = &phase.status;
        let journal = match phase.journal {
            None => "-".to_owned(),
            Some(n) => format!("left by an interrupted run ({n} statements of this phase)"),
        };
        out.push_str(&format!(
            "{:<6} {:>8} {:>8} {:>10}  {journal}\n",
            s.phase.to_string(),
            s.present,
            s.missing,
            s.different
        ));
    }
    // Per phase the first objects that are not as the source has them; JSON lists all.
    const LISTED: usize = 20;
    for phase in &status.phases {
        let mut listed = 0;
        let not_present = phase
            .status
            .objects
            .iter()
            .filter(|o| o.state != State::Present)
            .count();
        for object in &phase.status.objects {
            if object.state == State::Present {
                continue;
            }
            if listed == LISTED {
                out.push_str(&format!(
                    "{}: and {} more (--format json lists them all)\n",
                    phase.status.phase,
                    not_present - LISTED
                ));
                break;
            }
            listed += 1;
            let line = match &object.state {
                State::Present => continue,
                State::Missing => format!("{}: missing {}", phase.status.phase, object.object),
                State::NotValidated => {
                    format!("{}: not validated {}", phase.status.phase, object.object)
                }
                State::Different { differences } => format!(
                    "{}: different {}: {} (source vs target)",
                    phase.status.phase,
                    object.object,
                    differences.join("; ")
                ),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(if status.sealed() {
        "the target is sealed\n"
    } else {
        "the target is not sealed\n"
    });
    out
}

fn summary(
    report: &ApplyReport,
    phase: Phase,
    target: &DdlApplier,
    statements: &[Statement],
    elapsed: Duration,
) -> String {
    if statements.is_empty() {
        return format!("nothing to do: phase {phase} of this schema creates nothing");
    }
    if report.nothing_to_do() {
        return format!(
            "nothing to do: {phase} is already applied to {} ({} statements' objects are there)",
            target.url(),
            report.present
        );
    }
    let mut line = format!(
        "applied {} statements of phase {phase} to {}",
        report.statements,
        target.url()
    );
    if report.present > 0 {
        line.push_str(&format!(
            " (skipped {} whose objects the target already holds)",
            report.present
        ));
    }
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
    let created = created_text(statements);
    if !created.is_empty() && report.present == 0 {
        line.push_str(&format!(": {created}"));
    }
    line.push_str(match report.journal {
        Some(_) => {
            " (not in a transaction: a journal in the target lets a re-run of the same \
             command resume)"
        }
        None => {
            " (in several transactions, each committed whole: a re-run of the same command \
             applies what is missing)"
        }
    });
    line
}

/// The objects of `statements`, counted once each by kind, in order of appearance.
fn created(statements: &[Statement]) -> Vec<(ObjectKind, usize)> {
    let mut seen = std::collections::HashSet::new();
    let mut counts: Vec<(ObjectKind, usize)> = Vec::new();
    // Owners and privileges are not objects of their own.
    let objects = statements
        .iter()
        .flat_map(|s| &s.objects)
        .filter(|o| !o.kind.names_its_object());
    for object in objects {
        if seen.insert(object) {
            match counts.iter_mut().find(|(k, _)| *k == object.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((object.kind, 1)),
            }
        }
    }
    counts
}

/// `3 indexes, 2 foreign keys`: [`created`] in words.
fn created_text(statements: &[Statement]) -> String {
    created(statements)
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

/// The progress bar on a terminal, drawn by `indicatif`.
mod progress {
    use std::io::IsTerminal;
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

    /// The bar's layout: `[#####.....] 37/120 statements, 00:00:42 elapsed, about 1m left`,
    /// the bar as wide as the terminal leaves room for.
    pub const TEMPLATE: &str =
        "[{wide_bar}] {pos}/{len} {msg}, {elapsed_precise} elapsed, about {eta} left";

    /// A bar on standard error counting `unit` (`statements`, `queries`).
    pub struct Bar {
        bar: ProgressBar,
        started: Arc<Mutex<bool>>,
        unit: &'static str,
    }

    impl Bar {
        /// A bar when standard error is a terminal; `None` (silence) otherwise.
        pub fn on_terminal(unit: &'static str) -> Option<Bar> {
            // Log lines (-v, RUST_LOG) and a redrawn bar would garble each other.
            let logging = super::LOGGING.load(std::sync::atomic::Ordering::Relaxed);
            if !std::io::stderr().is_terminal() || logging {
                return None;
            }
            // Hidden until the first report, so that no empty bar is drawn.
            let bar = ProgressBar::hidden();
            bar.set_style(
                ProgressStyle::with_template(TEMPLATE)
                    .expect("the template is valid")
                    .progress_chars("##."),
            );
            bar.set_message(unit);
            Some(Bar {
                bar,
                started: Arc::new(Mutex::new(false)),
                unit,
            })
        }

        /// The callback the library reports progress to.
        pub fn callback(&self) -> schema_replicator::ProgressFn {
            let bar = self.bar.clone();
            let started = self.started.clone();
            let unit = self.unit;
            Arc::new(move |p: &schema_replicator::Progress| {
                let mut started = started.lock().unwrap_or_else(|e| e.into_inner());
                // A new batch (the next phase of a clone) starts the bar again.
                if bar.is_finished() {
                    bar.reset();
                    *started = false;
                }
                bar.set_length(p.total as u64);
                bar.set_position(p.done as u64);
                // The first report counts what an earlier, interrupted run had done:
                // the time left is estimated from this run's work only.
                if !*started {
                    *started = true;
                    bar.reset_eta();
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                match &p.waiting {
                    Some(waiting) => bar.set_message(format!("{unit}; {waiting}")),
                    None => bar.set_message(unit),
                }
                if p.done >= p.total {
                    // The last frame is always drawn, whatever the refresh rate.
                    bar.finish();
                }
            })
        }

        /// Removes the bar from the terminal.
        pub fn clear(&self) {
            self.bar.finish_and_clear();
        }
    }

    /// The progress callback of an apply: the bar's, which shows a statement waiting
    /// for a lock in its message; without a bar, a line on standard error per wait.
    pub fn callback(bar: Option<&Bar>) -> schema_replicator::ProgressFn {
        match bar {
            Some(bar) => bar.callback(),
            None => Arc::new(|p: &schema_replicator::Progress| {
                if let Some(waiting) = &p.waiting {
                    eprintln!("note: {waiting}");
                }
            }),
        }
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
    let [wa, wb, wc] = widths;
    let lines: Vec<String> = rows
        .iter()
        .map(|[a, b, c, d]| format!("{a:<wa$} {b:<wb$} {c:<wc$} {d}\n"))
        .collect();
    print_text(&lines.concat());
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(created_text(&statements), "2 indexes, 1 foreign key");
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_bar_template_is_valid() {
        assert!(indicatif::ProgressStyle::with_template(progress::TEMPLATE).is_ok());
    }
}
