//! `sqlparser_eval`: measures the `sqlparser` crate (its `SQLiteDialect`, its `Display`
//! and its source spans) against our own parser of SQLite's `CREATE` statements,
//! `schema_replicator::sqlite::parse`, on the text SQLite itself stores.
//!
//! ```text
//! cargo run --release -p schema-replicator-bench --bin sqlparser_eval [-- --runs 15]
//! ```
//!
//! The corpus is every statement in `sqlite_schema.sql` (rows without text, the automatic
//! indexes, have none) of a fresh in-memory database loaded with each of:
//!
//! - `examples/kitchen-sink.sql`;
//! - `tests/fixtures/chinook-sqlite.sql`;
//! - the schemas the SQLite tests type inline (`tests/sqlite_round_trip.rs`: a chain of
//!   tables with a foreign key, a UNIQUE and a CHECK each; `tests/sqlite_constraints.rs`:
//!   `ON CONFLICT` clauses and an FTS5 virtual table, whose shadow tables SQLite creates);
//! - the statements of the unit tests of `dialects/sqlite/src/parse.rs` (every clause of
//!   `CREATE TABLE`, an index with expression keys, a collation and a predicate, a view
//!   with a column list), made acceptable to SQLite;
//! - hostile identifiers typed out here after the stems of `tests/sqlite_proptest.rs`:
//!   keywords, quotes of every kind, spaces, Cyrillic, CJK, an emoji, `;`, `--` and `/*`
//!   inside names, a 250-character name, and lower-case keywords;
//! - SQLite syntax that the fixtures above do not use, typed out here: multi-word and
//!   parameterless type names, `DEFAULT TRUE` and `CURRENT_DATE`, named `NOT NULL`,
//!   `INTEGER PRIMARY KEY DESC`, `GLOB`, `LIKE ... ESCAPE`, `->>`, `CASE`, `SET DEFAULT`,
//!   `NOT DEFERRABLE`, `WITHOUT ROWID, STRICT`, a function key in an index, a `WITH` view;
//! - the kitchen sink as our own replication leaves it: `pre`, `base` and `seal` applied
//!   to an empty database file, whose stored text is what the next replication reads.
//!
//! For each statement it records whether our parser parses it (triggers are copied
//! verbatim and virtual tables are skipped, so neither is parsed), whether
//! `sqlparser::parser::Parser::parse_sql` with `SQLiteDialect` parses it into exactly one
//! statement, whether that statement's `Display` is the stored text byte for byte, and
//! whether it is once every white-space character is removed from both. Then, with
//! `sqlparser::ast::Spanned`, it slices from the stored text the pieces that replication
//! must copy exactly: each column's `DEFAULT` and generated expression, each `CHECK`
//! condition, each index key's expression and a partial index's `WHERE`, and a view's
//! query, and compares every slice with the text our parser extracts for the same piece.
//! Last it times both parsers on the statements ours parses (tables, indexes, views):
//! `--runs` runs (default 15) of 50 passes each, and prints the median time per pass.
//!
//! It prints Markdown: the counts per corpus and in total, the span pieces by kind, and
//! every statement that sqlparser does not parse, whose `Display` differs (with the first
//! differing excerpt), or whose pieces do not slice back exactly.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use schema_replicator::sqlite::parse::{
    parse_create_index, parse_create_table, parse_create_view, ParsedConstraint,
};
use schema_replicator::{DdlApplier, DdlExtractor, Phase, Policy};
use sqlparser::ast::{
    ColumnOption, CreateIndex, CreateTable, CreateView, Expr, Spanned, Statement, TableConstraint,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Span};

/// The version this evaluation pins in `bench/Cargo.toml`.
const SQLPARSER_VERSION: &str = "0.64.0";
/// Parser passes over the corpus per timed run.
const PASSES: u32 = 50;

/// The schemas that `tests/sqlite_round_trip.rs` and `tests/sqlite_constraints.rs`
/// create from inline strings (the round trip's chain with three tables).
const TESTS_INLINE: &str = "\
CREATE TABLE t0 (id INTEGER PRIMARY KEY);
CREATE TABLE t1 (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t0 (id), v TEXT UNIQUE CHECK (length(v) < 10));
CREATE INDEX i1 ON t1 (p);
CREATE TABLE t2 (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t1 (id), v TEXT UNIQUE CHECK (length(v) < 10));
CREATE INDEX i2 ON t2 (p);
CREATE TABLE t (a INTEGER PRIMARY KEY ON CONFLICT REPLACE, b TEXT UNIQUE ON CONFLICT IGNORE);
CREATE VIRTUAL TABLE docs USING fts5(body);
";

/// The statements of `parse.rs`'s unit tests. SQLite refuses `AUTOINCREMENT` in a
/// `WITHOUT ROWID` table, so the table here is a rowid table, and the index has a table
/// of its own with the columns it names.
const PARSE_RS_TESTS: &str = "\
CREATE TABLE IF NOT EXISTS main.\"t\" ( -- comment
id INTEGER CONSTRAINT pk PRIMARY KEY AUTOINCREMENT,
[na me] VARCHAR(10, 2) NOT NULL DEFAULT 'it''s' COLLATE NOCASE UNIQUE,
n NUMERIC DEFAULT -5 CHECK (n > 0 AND (n < 10)),
d DEFAULT (datetime('now')),
g AS (n * 2) STORED, v INT GENERATED ALWAYS AS (n+1) VIRTUAL,
p REFERENCES parent(id) ON DELETE SET NULL ON UPDATE NO ACTION,
CONSTRAINT \"u 2\" UNIQUE (n, d) ON CONFLICT REPLACE,
FOREIGN KEY (n) REFERENCES `other` MATCH FULL DEFERRABLE INITIALLY DEFERRED,
CHECK (d IS NOT NULL));
CREATE TABLE ix (a, b, c, \"d\"\"x\");
CREATE UNIQUE INDEX \"i\" ON ix (a COLLATE NOCASE DESC, (a + b), lower(c) ASC, \"d\"\"x\") WHERE a > 0;
CREATE VIEW v (a, \"b c\") AS SELECT 1, 2;
";

/// Hostile identifiers after the stems of `tests/sqlite_proptest.rs`, and keywords in
/// lower case; `{long}` stands for a 250-character name.
const HOSTILE: &str = "\
CREATE TABLE \"select\" (\"order\" INTEGER PRIMARY KEY, \"GROUP\" TEXT DEFAULT 'x', \"table\" INT CHECK (\"table\" <> 0));
CREATE TABLE \"a\"\"b t0\" (
  \"it's c0\" INTEGER PRIMARY KEY,
  \"back`tick c1\" TEXT NOT NULL DEFAULT 7,
  \"[bracket] c2\" NUMERIC(10,2) DEFAULT -3,
  \"\"\"\" TEXT DEFAULT '''',
  CONSTRAINT \"semi;colon-- u\" UNIQUE (\"back`tick c1\"),
  CONSTRAINT \"/*c*/ ck\" CHECK (\"[bracket] c2\" >= -5)
);
CREATE TABLE [with space t1] (
  `ключ c0` INTEGER,
  \"名前 c1\" TEXT COLLATE RTRIM,
  \"emoji😀 c2\" REAL DEFAULT (1e3 / 7),
  \" lead c3\" BLOB DEFAULT x'00ff',
  FOREIGN KEY (`ключ c0`) REFERENCES \"a\"\"b t0\" (\"it's c0\") ON DELETE CASCADE
);
CREATE INDEX \"order i\" ON [with space t1] (\"名前 c1\" COLLATE NOCASE, \"emoji😀 c2\" DESC) WHERE \" lead c3\" IS NOT NULL;
CREATE VIEW \"GROUP v\" AS SELECT \"名前 c1\" AS \"table\", count(*) AS n FROM [with space t1] GROUP BY 1;
CREATE TABLE \"{long}\" (x INTEGER DEFAULT +1 CHECK (x BETWEEN -1 AND 1));
create   table lower_case (id integer primary key, n integer default (1 + 2) check (n in (1, 2, 3)));
create index lower_case_n on lower_case (n) where n is not null and n > 1;
";

/// SQLite syntax that the fixtures do not use, one construct sqlparser might refuse per
/// statement where it can (a parser stops at the first error). `every_clause` is the
/// table of `parse.rs`'s unit test with `VARCHAR(10)` for `VARCHAR(10, 2)`.
const SQLITE_SYNTAX: &str = "\
CREATE TABLE ty_unsigned (a UNSIGNED BIG INT);
CREATE TABLE ty_varying (b VARYING CHARACTER(255));
CREATE TABLE ty_native (c NATIVE CHARACTER(70));
CREATE TABLE ty_two_args (d DECIMAL(10, 5), e VARCHAR(10, 2));
CREATE TABLE ty_other (
  d DOUBLE PRECISION,
  e INT8,
  f,
  g BOOLEAN DEFAULT TRUE,
  h DATE DEFAULT CURRENT_DATE,
  i TEXT CONSTRAINT i_nn NOT NULL CONSTRAINT i_def DEFAULT 'x'
);
CREATE TABLE rowid_desc (id INTEGER PRIMARY KEY DESC, v TEXT CHECK (v GLOB '[a-z]*' AND v NOT LIKE '%!_%' ESCAPE '!'));
CREATE TABLE json_doc (
  doc TEXT CHECK (json_valid(doc)),
  kind TEXT GENERATED ALWAYS AS (doc ->> '$.kind'),
  n INT AS (CASE WHEN doc IS NULL THEN 0 ELSE 1 END) STORED
);
CREATE TABLE child (
  p INTEGER REFERENCES rowid_desc ON DELETE SET DEFAULT NOT DEFERRABLE,
  q INTEGER,
  PRIMARY KEY (p, q)
) WITHOUT ROWID, STRICT;
CREATE TABLE conflict_pk (p INTEGER, q INTEGER, PRIMARY KEY (p, q) ON CONFLICT ABORT);
CREATE TABLE conflict_unique (p INTEGER, q INTEGER, UNIQUE (p, q) ON CONFLICT IGNORE);
CREATE TABLE every_clause (
id INTEGER CONSTRAINT pk PRIMARY KEY AUTOINCREMENT,
[na me] VARCHAR(10) NOT NULL DEFAULT 'it''s' COLLATE NOCASE UNIQUE,
n NUMERIC DEFAULT -5 CHECK (n > 0 AND (n < 10)),
d DEFAULT (datetime('now')),
g AS (n * 2) STORED, v INT GENERATED ALWAYS AS (n+1) VIRTUAL,
p REFERENCES parent(id) ON DELETE SET NULL ON UPDATE NO ACTION,
FOREIGN KEY (n) REFERENCES `other` MATCH FULL DEFERRABLE INITIALLY DEFERRED,
CHECK (d IS NOT NULL));
CREATE INDEX json_doc_id ON json_doc (json_extract(doc, '$.id') DESC) WHERE doc IS NOT NULL AND kind IN ('a', 'b');
CREATE VIEW counted AS WITH x(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x WHERE n < 3) SELECT n FROM x;
";

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

const SCHEMA_QUERY: &str = "SELECT type AS kind, name, sql FROM main.sqlite_schema \
     WHERE sql IS NOT NULL ORDER BY rowid";

/// What our parser does with a statement.
enum Ours {
    Parsed,
    Failed(String),
    /// Copied as it stands (triggers) or not replicated (virtual tables).
    NotParsed,
}

/// A piece that replication copies as exact text.
struct Piece {
    kind: &'static str,
    label: String,
    ours: Option<String>,
    /// `None` when sqlparser gives the node no span.
    sliced: Option<String>,
}

struct Measured {
    corpus: &'static str,
    kind: String,
    name: String,
    ours: Ours,
    theirs: Result<String, String>,
    display_exact: bool,
    display_no_ws: bool,
    pieces: Vec<Piece>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = match args.as_slice() {
        [] => 15,
        [flag, n] if flag == "--runs" => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or("--runs takes a positive number")?,
        _ => return Err("usage: sqlparser_eval [--runs N]".into()),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
    };
    let kitchen_sink = read("examples/kitchen-sink.sql")?;
    let hostile = HOSTILE.replace("{long}", &"l".repeat(250));
    let corpora: Vec<(&'static str, Vec<Stored>)> = vec![
        ("examples/kitchen-sink.sql", load(&kitchen_sink)?),
        (
            "tests/fixtures/chinook-sqlite.sql",
            load(&read("tests/fixtures/chinook-sqlite.sql")?)?,
        ),
        ("tests/sqlite_*.rs (inline)", load(TESTS_INLINE)?),
        ("parse.rs unit tests", load(PARSE_RS_TESTS)?),
        ("hostile identifiers", load(&hostile)?),
        ("SQLite syntax (typed here)", load(SQLITE_SYNTAX)?),
        (
            "kitchen sink, replicated",
            replicated(&kitchen_sink, &scratch_dir()?)?,
        ),
    ];

    let mut measured = Vec::new();
    for (corpus, statements) in &corpora {
        for s in statements {
            measured.push(measure(corpus, s));
        }
    }
    let timed: Vec<&Stored> = corpora
        .iter()
        .flat_map(|(_, s)| s)
        .filter(|s| our_parser(s).is_some())
        .collect();
    let (ours_time, theirs_time) = time_parsers(&timed, runs);

    report(
        &corpora,
        &measured,
        timed.len(),
        runs,
        ours_time,
        theirs_time,
    );
    Ok(())
}

/// A fresh in-memory database loaded with `script`, and its stored statements.
fn load(script: &str) -> Result<Vec<Stored>, String> {
    let mut conn = SqliteConnection::establish(":memory:").map_err(|e| e.to_string())?;
    conn.batch_execute(script).map_err(|e| e.to_string())?;
    stored(&mut conn)
}

fn stored(conn: &mut SqliteConnection) -> Result<Vec<Stored>, String> {
    diesel::sql_query(SCHEMA_QUERY)
        .load(conn)
        .map_err(|e| e.to_string())
}

/// A directory of our own for the replication's database files.
fn scratch_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("sqlparser_eval.{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// The statements stored in an empty database after replicating `script`'s schema
/// into it (`pre`, `base`, `seal`). Removes `dir` afterwards.
fn replicated(script: &str, dir: &Path) -> Result<Vec<Stored>, String> {
    let result = (|| {
        let source = dir.join("source.db");
        let target = dir.join("target.db");
        let url = |p: &Path| format!("sqlite://{}", p.display());
        let mut conn = SqliteConnection::establish(&source.display().to_string())
            .map_err(|e| e.to_string())?;
        conn.batch_execute(script).map_err(|e| e.to_string())?;
        drop(conn);
        let registry = schema_replicator::registry().map_err(|e| e.to_string())?;
        let extractor = DdlExtractor::open(&url(&source), &registry, &Policy::default())
            .map_err(|e| e.to_string())?;
        let applier = DdlApplier::open(&url(&target), &registry).map_err(|e| e.to_string())?;
        for phase in Phase::ALL {
            applier
                .apply_phase(&extractor, phase)
                .map_err(|e| e.to_string())?;
        }
        let mut conn = SqliteConnection::establish(&target.display().to_string())
            .map_err(|e| e.to_string())?;
        stored(&mut conn)
    })();
    // Best effort: the directory is ours and holds nothing else.
    let _ = std::fs::remove_dir_all(dir);
    result
}

/// One of our parser's entry points, its result dropped.
type OurParse = fn(&str) -> Result<(), String>;

/// Our parser for a statement, or `None` when replication does not parse it.
fn our_parser(s: &Stored) -> Option<OurParse> {
    fn table(sql: &str) -> Result<(), String> {
        parse_create_table(sql).map(drop).map_err(|e| e.to_string())
    }
    fn index(sql: &str) -> Result<(), String> {
        parse_create_index(sql).map(drop).map_err(|e| e.to_string())
    }
    fn view(sql: &str) -> Result<(), String> {
        parse_create_view(sql).map(drop).map_err(|e| e.to_string())
    }
    match s.kind.as_str() {
        "table" if !starts_with_words(&s.sql, "CREATE VIRTUAL") => Some(table),
        "index" => Some(index),
        "view" => Some(view),
        _ => None,
    }
}

fn starts_with_words(sql: &str, prefix: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect::<Vec<_>>()
    };
    let want = words(prefix);
    words(sql).get(..want.len()) == Some(&want[..])
}

fn parse_theirs(sql: &str) -> Result<Statement, String> {
    let mut statements = Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| e.to_string())?;
    match statements.len() {
        1 => Ok(statements.remove(0)),
        n => Err(format!("{n} statements")),
    }
}

fn measure(corpus: &'static str, s: &Stored) -> Measured {
    let ours = match our_parser(s) {
        None => Ours::NotParsed,
        Some(parse) => match parse(&s.sql) {
            Ok(()) => Ours::Parsed,
            Err(e) => Ours::Failed(e),
        },
    };
    let parsed = parse_theirs(&s.sql);
    let theirs = parsed
        .as_ref()
        .map(ToString::to_string)
        .map_err(Clone::clone);
    let (display_exact, display_no_ws) = match &theirs {
        Ok(shown) => (
            *shown == s.sql,
            without_white_space(shown) == without_white_space(&s.sql),
        ),
        Err(_) => (false, false),
    };
    let pieces = match &parsed {
        Ok(statement) => pieces(&s.sql, statement),
        Err(_) => Vec::new(),
    };
    Measured {
        corpus,
        kind: s.kind.clone(),
        name: s.name.clone(),
        ours,
        theirs,
        display_exact,
        display_no_ws,
        pieces,
    }
}

fn without_white_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The exact-text pieces of a statement, as our parser extracts them and as sliced
/// from `sql` with sqlparser's spans.
fn pieces(sql: &str, statement: &Statement) -> Vec<Piece> {
    let text = Source::new(sql);
    match statement {
        Statement::CreateTable(t) => match parse_create_table(sql) {
            Ok(ours) => table_pieces(&text, t, &ours),
            Err(_) => Vec::new(),
        },
        Statement::CreateIndex(ix) => match parse_create_index(sql) {
            Ok(ours) => index_pieces(&text, ix, &ours),
            Err(_) => Vec::new(),
        },
        Statement::CreateView(v) => match parse_create_view(sql) {
            Ok(ours) => view_pieces(&text, v, &ours),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn table_pieces(
    text: &Source<'_>,
    t: &CreateTable,
    ours: &schema_replicator::sqlite::parse::ParsedTable,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut their_checks = Vec::new();
    for (i, column) in t.columns.iter().enumerate() {
        let name = &column.name.value;
        let our_column = ours.columns.get(i);
        let mut default = None;
        let mut generated = None;
        for option in &column.options {
            match &option.option {
                ColumnOption::Default(e) => default = Some(text.slice(e.span())),
                ColumnOption::Generated {
                    generation_expr: Some(e),
                    ..
                } => generated = Some(text.slice(e.span())),
                ColumnOption::Check(c) => {
                    their_checks.push((name.clone(), text.slice(c.expr.span())))
                }
                _ => {}
            }
        }
        let our_default = our_column.and_then(|c| c.default.clone());
        if our_default.is_some() || default.is_some() {
            pieces.push(Piece {
                kind: "column DEFAULT",
                label: format!("DEFAULT of {name}"),
                ours: our_default,
                sliced: default.flatten(),
            });
        }
        let our_generated = our_column.and_then(|c| c.generated.as_ref().map(|g| g.0.clone()));
        if our_generated.is_some() || generated.is_some() {
            pieces.push(Piece {
                kind: "generated expression",
                label: format!("AS (...) of {name}"),
                ours: our_generated,
                sliced: generated.flatten(),
            });
        }
    }
    for constraint in &t.constraints {
        if let TableConstraint::Check(c) = constraint {
            let label = c
                .name
                .as_ref()
                .map_or_else(|| "table".to_owned(), |n| n.value.clone());
            their_checks.push((label, text.slice(c.expr.span())));
        }
    }
    let our_checks: Vec<&String> = ours
        .constraints
        .iter()
        .filter_map(|c| match c {
            ParsedConstraint::Check { expr, .. } => Some(expr),
            _ => None,
        })
        .collect();
    for i in 0..our_checks.len().max(their_checks.len()) {
        let (label, sliced) = their_checks
            .get(i)
            .cloned()
            .unwrap_or_else(|| ("?".to_owned(), None));
        pieces.push(Piece {
            kind: "CHECK condition",
            label: format!("CHECK #{} ({label})", i + 1),
            ours: our_checks.get(i).map(|s| (*s).clone()),
            sliced,
        });
    }
    pieces
}

fn index_pieces(
    text: &Source<'_>,
    ix: &CreateIndex,
    ours: &schema_replicator::sqlite::parse::ParsedIndex,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for i in 0..ix.columns.len().max(ours.keys.len()) {
        // A key's COLLATE is a piece of its own in both parsers: compare the expression.
        let sliced = ix.columns.get(i).and_then(|c| match &c.column.expr {
            Expr::Collate { expr, .. } => text.slice(expr.span()),
            e => text.slice(e.span()),
        });
        pieces.push(Piece {
            kind: "index key",
            label: format!("key #{}", i + 1),
            ours: ours.keys.get(i).map(|k| k.expr.clone()),
            sliced,
        });
    }
    if ours.predicate.is_some() || ix.predicate.is_some() {
        pieces.push(Piece {
            kind: "index WHERE",
            label: "WHERE".to_owned(),
            ours: ours.predicate.clone(),
            sliced: ix.predicate.as_ref().and_then(|p| text.slice(p.span())),
        });
    }
    pieces
}

fn view_pieces(
    text: &Source<'_>,
    v: &CreateView,
    ours: &schema_replicator::sqlite::parse::ParsedView,
) -> Vec<Piece> {
    vec![Piece {
        kind: "view query",
        label: "AS query".to_owned(),
        ours: Some(ours.query.clone()),
        sliced: text.slice(v.query.span()),
    }]
}

/// Maps sqlparser's locations (1-based line, 1-based column in characters) to bytes.
struct Source<'a> {
    src: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(src: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source { src, line_starts }
    }

    fn offset(&self, at: Location) -> Option<usize> {
        let line = usize::try_from(at.line).ok()?.checked_sub(1)?;
        let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(line)?;
        let rest = &self.src[start..];
        match rest.char_indices().nth(column) {
            Some((i, _)) => Some(start + i),
            None => (rest.chars().count() == column).then_some(self.src.len()),
        }
    }

    /// The text a span covers; `None` for an empty (missing) span.
    fn slice(&self, span: Span) -> Option<String> {
        let start = self.offset(span.start)?;
        let end = self.offset(span.end)?;
        (start <= end).then(|| self.src[start..end].to_owned())
    }
}

/// Median time of one pass over `statements` for our parser and for sqlparser.
fn time_parsers(statements: &[&Stored], runs: usize) -> (Duration, Duration) {
    let ours: Vec<_> = statements
        .iter()
        .filter_map(|s| our_parser(s).map(|p| (p, s.sql.as_str())))
        .collect();
    let mut ours_times = Vec::new();
    let mut theirs_times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        for _ in 0..PASSES {
            for (parse, sql) in &ours {
                let _ = std::hint::black_box(parse(std::hint::black_box(sql)));
            }
        }
        ours_times.push(start.elapsed() / PASSES);
        let start = Instant::now();
        for _ in 0..PASSES {
            for s in statements {
                let _ = std::hint::black_box(Parser::parse_sql(
                    &SQLiteDialect {},
                    std::hint::black_box(&s.sql),
                ));
            }
        }
        theirs_times.push(start.elapsed() / PASSES);
    }
    (median(ours_times), median(theirs_times))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[derive(Default)]
struct Counts {
    statements: usize,
    ours_needed: usize,
    ours_parsed: usize,
    theirs_parsed: usize,
    display_exact: usize,
    display_no_ws: usize,
    pieces: usize,
    pieces_exact: usize,
}

impl Counts {
    fn add(&mut self, m: &Measured) {
        self.statements += 1;
        match m.ours {
            Ours::Parsed => {
                self.ours_needed += 1;
                self.ours_parsed += 1;
            }
            Ours::Failed(_) => self.ours_needed += 1,
            Ours::NotParsed => {}
        }
        self.theirs_parsed += usize::from(m.theirs.is_ok());
        self.display_exact += usize::from(m.display_exact);
        self.display_no_ws += usize::from(m.display_no_ws);
        self.pieces += m.pieces.len();
        self.pieces_exact += m.pieces.iter().filter(|p| exact(p)).count();
    }

    fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {}/{} | {}/{} | {}/{} | {}/{} | {}/{} |",
            self.statements,
            self.ours_parsed,
            self.ours_needed,
            self.theirs_parsed,
            self.statements,
            self.display_exact,
            self.statements,
            self.display_no_ws,
            self.statements,
            self.pieces_exact,
            self.pieces,
        )
    }
}

fn exact(p: &Piece) -> bool {
    p.ours.is_some() && p.ours == p.sliced
}

fn report(
    corpora: &[(&'static str, Vec<Stored>)],
    measured: &[Measured],
    timed: usize,
    runs: usize,
    ours_time: Duration,
    theirs_time: Duration,
) {
    println!(
        "# sqlparser {SQLPARSER_VERSION} (SQLiteDialect) against schema_replicator::sqlite::parse"
    );
    println!();
    println!(
        "| corpus | statements | ours parses | sqlparser parses | Display byte-exact \
         | Display equal without white space | span slices exact |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut total = Counts::default();
    for (corpus, _) in corpora {
        let mut counts = Counts::default();
        for m in measured.iter().filter(|m| m.corpus == *corpus) {
            counts.add(m);
            total.add(m);
        }
        println!("{}", counts.row(corpus));
    }
    println!("{}", total.row("**total**"));
    println!();
    println!(
        "\"ours parses\" counts the statements replication parses: triggers are copied \
         verbatim and virtual tables are not replicated."
    );
    println!();

    println!("## Span slices by kind of piece");
    println!();
    println!("| piece | compared | exact | no span | differs |");
    println!("|---|---:|---:|---:|---:|");
    let mut kinds: Vec<&str> = Vec::new();
    for p in measured.iter().flat_map(|m| &m.pieces) {
        if !kinds.contains(&p.kind) {
            kinds.push(p.kind);
        }
    }
    for kind in kinds {
        let of_kind: Vec<&Piece> = measured
            .iter()
            .flat_map(|m| &m.pieces)
            .filter(|p| p.kind == kind)
            .collect();
        let exact_n = of_kind.iter().filter(|p| exact(p)).count();
        let missing = of_kind.iter().filter(|p| p.sliced.is_none()).count();
        println!(
            "| {kind} | {} | {exact_n} | {missing} | {} |",
            of_kind.len(),
            of_kind.len() - exact_n - missing
        );
    }
    println!();

    println!("## Parse time");
    println!();
    println!(
        "Median of {runs} runs, each {PASSES} passes over the {timed} statements our parser \
         parses; time per pass:"
    );
    println!();
    println!("| parser | per pass | per statement |");
    println!("|---|---:|---:|");
    for (label, t) in [
        ("schema_replicator::sqlite::parse", ours_time),
        ("sqlparser (SQLiteDialect)", theirs_time),
    ] {
        println!(
            "| {label} | {:.1} µs | {:.2} µs |",
            t.as_secs_f64() * 1e6,
            t.as_secs_f64() * 1e6 / timed.max(1) as f64
        );
    }
    println!();
    println!(
        "sqlparser / ours: {:.1}x",
        theirs_time.as_secs_f64() / ours_time.as_secs_f64().max(1e-12)
    );
    println!();

    let ours_failed: Vec<_> = measured
        .iter()
        .filter_map(|m| match &m.ours {
            Ours::Failed(e) => Some((m, e)),
            _ => None,
        })
        .collect();
    if !ours_failed.is_empty() {
        println!("## Our parser fails");
        println!();
        for (m, e) in ours_failed {
            println!("- {}: {} `{}`: {e}", m.corpus, m.kind, m.name);
        }
        println!();
    }

    println!("## sqlparser fails to parse");
    println!();
    for m in measured {
        if let Err(e) = &m.theirs {
            println!("- {}: {} `{}`: {e}", m.corpus, m.kind, short(&m.name));
        }
    }
    println!();

    println!("## Display differs from the stored text (first difference: stored / Display)");
    println!();
    for m in measured {
        if let Ok(shown) = &m.theirs {
            if !m.display_exact {
                let sql = stored_sql(corpora, m);
                let (stored, displayed) = first_difference(&sql, shown);
                let beyond = if m.display_no_ws {
                    " (white space only)".to_owned()
                } else {
                    let (stored, displayed) =
                        first_difference(&without_white_space(&sql), &without_white_space(shown));
                    format!("; without white space: {stored} / {displayed}")
                };
                println!(
                    "- {}: {} `{}`: {stored} / {displayed}{beyond}",
                    m.corpus,
                    m.kind,
                    short(&m.name),
                );
            }
        }
    }
    println!();

    println!("## Span slices that differ from our parser's text (ours / sliced)");
    println!();
    for m in measured {
        for p in m.pieces.iter().filter(|p| !exact(p)) {
            println!(
                "- {}: {} `{}` {}: {} / {}",
                m.corpus,
                m.kind,
                short(&m.name),
                p.label,
                p.ours.as_deref().map_or("(none)".to_owned(), quoted),
                p.sliced.as_deref().map_or("(no span)".to_owned(), quoted),
            );
        }
    }
}

fn stored_sql(corpora: &[(&'static str, Vec<Stored>)], m: &Measured) -> String {
    corpora
        .iter()
        .filter(|(c, _)| *c == m.corpus)
        .flat_map(|(_, s)| s)
        .find(|s| s.name == m.name && s.kind == m.kind)
        .map(|s| s.sql.clone())
        .unwrap_or_default()
}

/// A name cut to 40 characters.
fn short(name: &str) -> String {
    if name.chars().count() > 40 {
        format!("{}…", name.chars().take(40).collect::<String>())
    } else {
        name.to_owned()
    }
}

fn quoted(s: &str) -> String {
    format!("`{}`", s.replace('\n', "⏎"))
}

/// Excerpts of `a` and `b` around their first difference, 12 characters before it and
/// 24 from it.
fn first_difference(a: &str, b: &str) -> (String, String) {
    let common = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let excerpt = |s: &str| {
        let before: String = s[..common.min(s.len())]
            .chars()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = s[common.min(s.len())..].chars().take(24).collect();
        format!("`…{before}‸{after}…`").replace('\n', "⏎")
    };
    (excerpt(a), excerpt(b))
}
