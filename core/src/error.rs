//! Errors of the core crate. Every variant names the object it is about, and no
//! variant ever carries a password: URLs are stored in their redacted form.

use std::path::PathBuf;

use crate::violation::Violation;

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reflecting, planning, rendering or applying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not a database URL.
    #[error("`{input}` is not a database URL: {reason}")]
    InvalidUrl {
        /// The input, with any password redacted.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No registered dialect handles the URL's scheme.
    #[error("unknown URL scheme `{scheme}:` in {url}; this build knows {known}")]
    UnknownScheme {
        /// The scheme.
        scheme: String,
        /// The URL, redacted.
        url: String,
        /// The schemes this build knows, comma separated.
        known: String,
    },
    /// The scheme belongs to a dialect that was not compiled into this build.
    #[error(
        "{url}: the {dialect} dialect is not in this build; enable the `{feature}` feature of \
         schema-replicator or load a {dialect} dialect plugin"
    )]
    DialectNotCompiled {
        /// The URL, redacted.
        url: String,
        /// The dialect's name.
        dialect: String,
        /// The cargo feature that provides it.
        feature: String,
    },
    /// Two dialects claim the same URL scheme.
    #[error("URL scheme `{scheme}:` is claimed by both {first} and {second}")]
    SchemeConflict {
        /// The scheme.
        scheme: String,
        /// The dialect registered first.
        first: String,
        /// The dialect that tried to register second.
        second: String,
    },
    /// A dialect name that is not registered.
    #[error("no dialect named `{0}` is registered")]
    UnknownDialect(String),
    /// The database cannot be opened or reached.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL, redacted.
        url: String,
        /// Why.
        reason: String,
    },
    /// A catalog query or the parsing of catalog text failed.
    #[error("reflecting {object}: {reason}")]
    Reflect {
        /// The object being reflected (a table, an index, "the catalog").
        object: String,
        /// Why.
        reason: String,
    },
    /// An object filter ([`crate::Selection`]) is malformed or matches nothing, or a
    /// selected object cannot be created without one the selection leaves out.
    #[error("selection: {what}: {reason}")]
    Selection {
        /// The pattern or the object (`the pattern "ord*"`, `table "t"`).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A table the caller named does not exist in the schema.
    #[error("unknown table {table} in {source_name}{hint}")]
    UnknownTable {
        /// The name asked for, quoted.
        table: String,
        /// Where it was looked up (redacted URL or snapshot path).
        source_name: String,
        /// A "did you mean" hint, possibly empty.
        hint: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A snapshot file cannot be read.
    #[error("snapshot {path}: {reason}")]
    Snapshot {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The schema cannot be rendered for this dialect.
    #[error("cannot render {object} for {dialect}: {reason}")]
    Render {
        /// The object.
        object: String,
        /// The target dialect.
        dialect: String,
        /// Why.
        reason: String,
    },
    /// A statement failed; nothing of the batch was kept where the dialect is transactional.
    #[error("{object}: {reason}; {outcome}")]
    Apply {
        /// The object whose statement failed.
        object: String,
        /// The server's message.
        reason: String,
        /// What happened to the rest of the batch ("nothing was applied", ...).
        outcome: String,
    },
    /// A query of `check` failed. `check` only reads: nothing was changed.
    #[error("{object}: {reason}; nothing was changed (check only reads)")]
    Check {
        /// The constraint or column whose query failed.
        object: String,
        /// The server's message.
        reason: String,
    },
    /// A parallel apply's schedule cannot go on: some statements can never start.
    #[error("the schedule of the batch: {reason}; {outcome}")]
    Schedule {
        /// What went wrong.
        reason: String,
        /// What the run leaves behind.
        outcome: String,
    },
    /// Loaded rows violate constraints the seal adds, so the seal refused them: the one
    /// error for refused rows, on every dialect.
    #[error("seal refused: {}; {outcome}", describe_violations(.violations))]
    RefusedRows {
        /// Each refused constraint with its rows.
        violations: Vec<Violation>,
        /// What the seal leaves behind ("nothing was applied", what stays applied).
        outcome: String,
    },
    /// The target of a clone holds an object the source does not have.
    #[error(
        "{url} holds {object}, which the source does not have; clone needs an empty target \
         database or one that holds (part of) the source's schema and nothing else"
    )]
    TargetNotEmpty {
        /// The target URL, redacted.
        url: String,
        /// One object found there.
        object: String,
    },
    /// The target already holds objects of a phase with other definitions than the
    /// source's (or holds part of what one statement creates): nothing was applied.
    #[error("{}", diverged(phase, lines))]
    Diverged {
        /// The phase (`pre`, `base`, `seal`).
        phase: String,
        /// One line per object: what differs, the source's value first.
        lines: Vec<String>,
    },
    /// No translation exists between the two dialects (a plugin's dialect, or the same
    /// dialect asked to translate to itself).
    #[error("cannot translate a {source_dialect} schema to {target_dialect}: translations exist between postgres, mysql and sqlite only")]
    CrossDialect {
        /// The schema's dialect.
        source_dialect: String,
        /// The target's dialect.
        target_dialect: String,
    },
    /// A schema read for one dialect offered to a target of another.
    #[error("the schema was read as {source_dialect} and the target is {target_dialect}: open the source for the target's dialect (OpenOptions::with_target) to translate it")]
    NotTranslated {
        /// The schema's dialect.
        source_dialect: String,
        /// The target's dialect.
        target_dialect: String,
    },
    /// `--strict` translation that would lose or skip objects: nothing was applied.
    #[error("{}", lossy(target, lines))]
    Lossy {
        /// The target dialect.
        target: String,
        /// One line per lossy or skipped object.
        lines: Vec<String>,
    },
    /// A `--type-map` file that cannot be read as one.
    #[error("type map {path}: {reason}")]
    TypeMap {
        /// The file.
        path: String,
        /// What is wrong, naming the rule.
        reason: String,
    },
    /// The dialect cannot do what was asked.
    #[error("the {dialect} dialect cannot {what}")]
    Unsupported {
        /// The dialect's name.
        dialect: String,
        /// What it cannot do (`check loaded data`).
        what: String,
    },
    /// A plugin misbehaved.
    #[error("plugin {path}: {reason}")]
    Plugin {
        /// The library path.
        path: String,
        /// Why.
        reason: String,
    },
}

fn describe_violations(v: &[Violation]) -> String {
    let parts: Vec<String> = v.iter().map(|v| v.to_string()).collect();
    parts.join("; ")
}

fn lossy(target: &str, lines: &[String]) -> String {
    let objects = match lines.len() {
        1 => "1 object".to_owned(),
        n => format!("{n} objects"),
    };
    format!(
        "the translation to {target} would lose or skip {objects}, which --strict refuses; \
         nothing was applied:\n  {}",
        lines.join("\n  ")
    )
}

fn diverged(phase: &str, lines: &[String]) -> String {
    let (objects, them) = match lines.len() {
        1 => ("1 object".to_owned(), "it"),
        n => (format!("{n} objects"), "them"),
    };
    format!(
        "{phase}: the target already holds {objects} of this phase otherwise than the source \
         has {them}; nothing was applied (drop or change {them} in the target, then re-run):\n  {}",
        lines.join("\n  ")
    )
}
