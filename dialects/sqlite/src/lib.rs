//! SQLite dialect of Schema Replicator: set-based reflection through the `pragma_*`
//! table-valued functions plus a parser for what only `sqlite_schema.sql` holds,
//! rendering with table rebuilds for the seal, and transactional apply.
//!
//! URLs: `sqlite://relative/path.db`, `sqlite:///absolute/path.db`, `sqlite::memory:`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use schema_replicator_diesel::count_queries;
use std::sync::Arc;

use diesel::{Connection, SqliteConnection};
use schema_replicator_core::Phase;
use schema_replicator_core::{
    ApplyOptions, ApplyReport, Capabilities, DbUrl, Dialect, DialectRegistration, Error,
    IdentifierCase, Plan, ReflectOptions, Reflection, Result, Schema, Statement,
};

mod apply;
mod check;
pub mod parse;
mod reflect;
mod render;

pub use render::{copied_columns, rowid_name};

/// The dialect's name, as stored in snapshots.
pub const DIALECT: &str = "sqlite";

/// The SQLite dialect.
#[derive(Debug, Default, Clone, Copy)]
pub struct SqliteDialect;

schema_replicator_core::inventory::submit! {
    DialectRegistration { create: || Box::new(SqliteDialect) }
}

/// Quotes an identifier for SQLite: double quotes, embedded ones doubled. The one
/// place this dialect quotes names.
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quotes a string literal for SQLite: single quotes, embedded ones doubled.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Where a `sqlite:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `sqlite::memory:`.
    Memory,
    /// A database file.
    File(PathBuf),
}

/// Interprets `sqlite://relative/path`, `sqlite:///absolute/path`, `sqlite:path` and
/// `sqlite::memory:`.
pub fn location(url: &DbUrl) -> Result<Location> {
    let rest = url.rest();
    if rest == ":memory:" || rest == "//:memory:" {
        return Ok(Location::Memory);
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.is_empty() {
        return Err(Error::InvalidUrl {
            input: url.to_string(),
            reason: "it names no file (expected sqlite://path/to.db)".into(),
        });
    }
    Ok(Location::File(PathBuf::from(path)))
}

/// Opens a connection. With `must_exist`, a missing file is an error rather than a
/// new empty database.
pub fn connect(url: &DbUrl, must_exist: bool) -> Result<SqliteConnection> {
    let fail = |reason: String| Error::Connect {
        url: url.to_string(),
        reason,
    };
    let target = match location(url)? {
        Location::Memory => ":memory:".to_owned(),
        Location::File(path) => {
            if must_exist && !path.is_file() {
                return Err(fail(if path.exists() {
                    "not a file".into()
                } else {
                    "no such file".into()
                }));
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !parent.is_dir() {
                    return Err(fail(format!("no such directory: {}", parent.display())));
                }
            }
            path.to_str()
                .ok_or_else(|| fail("the path is not valid UTF-8".into()))?
                .to_owned()
        }
    };
    let mut conn = SqliteConnection::establish(&target).map_err(|e| fail(e.to_string()))?;
    // A file that is not a database opens fine; the first read tells.
    use diesel::connection::SimpleConnection;
    conn.batch_execute("PRAGMA schema_version")
        .map_err(|e| fail(e.to_string()))?;
    Ok(conn)
}

impl Dialect for SqliteDialect {
    fn name(&self) -> &str {
        DIALECT
    }

    fn url_schemes(&self) -> Vec<String> {
        vec!["sqlite".into()]
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true, false, false)
            .with_identifier_case(IdentifierCase::Insensitive)
            .with_complete_tables(true)
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_ident(ident)
    }

    fn reflect(&self, url: &DbUrl, _options: &ReflectOptions) -> Result<Reflection> {
        let mut conn = connect(url, true)?;
        let counter = Arc::new(AtomicU64::new(0));
        count_queries(&mut conn, &counter);
        let schema = reflect::reflect(&mut conn)?;
        Ok(Reflection {
            schema,
            queries: counter.load(Ordering::Relaxed),
        })
    }

    fn render(&self, schema: &Schema, plan: &Plan) -> Result<Vec<Statement>> {
        render::render(schema, plan, None)
    }

    fn render_phase(&self, schema: &Schema, plan: &Plan, phase: Phase) -> Result<Vec<Statement>> {
        let mut statements = render::render(schema, plan, Some(phase))?;
        statements.retain(|s| s.phase == Some(phase));
        Ok(statements)
    }

    fn apply(&self, url: &DbUrl, statements: &[Statement]) -> Result<ApplyReport> {
        if location(url)? == Location::Memory {
            return Err(Error::Connect {
                url: url.to_string(),
                reason: "an in-memory database cannot be a target: it vanishes when the \
                         connection closes, before the next phase"
                    .into(),
            });
        }
        let mut conn = connect(url, false)?;
        apply::apply(&mut conn, statements, &ApplyOptions::default())
    }

    /// One transaction on one connection, as [`Dialect::apply`], reporting each
    /// statement done; SQLite has one writer, so `options.jobs` is not used, and a
    /// constraint cannot be left NOT VALID.
    fn apply_with(
        &self,
        url: &DbUrl,
        statements: &[Statement],
        options: &ApplyOptions,
    ) -> Result<ApplyReport> {
        options.refuse_not_valid(self.name(), "")?;
        if location(url)? == Location::Memory {
            return self.apply(url, statements);
        }
        let mut conn = connect(url, false)?;
        let mut report = apply::apply(&mut conn, &options.pending(statements), options)?;
        report.present = options.present.len();
        Ok(report)
    }

    fn check_with(
        &self,
        url: &DbUrl,
        schema: &Schema,
        options: &schema_replicator_core::CheckOptions,
    ) -> Result<Vec<schema_replicator_core::Finding>> {
        check::check(url, schema, options)
    }

    fn check_source(
        &self,
        url: &DbUrl,
        schema: &Schema,
        target: &str,
        options: &schema_replicator_core::CheckOptions,
    ) -> Result<Vec<schema_replicator_core::Finding>> {
        // A server's column takes only values of its type; SQLite's took any.
        match target == DIALECT {
            true => Ok(Vec::new()),
            false => check::unfit_values(url, schema, options),
        }
    }

    fn reflect_target(&self, url: &DbUrl) -> Result<Option<Schema>> {
        if let Location::File(path) = location(url)? {
            if !path.exists() {
                return Ok(None);
            }
        }
        let mut conn = connect(url, true)?;
        Ok(Some(reflect::reflect(&mut conn)?))
    }

    fn first_object(&self, url: &DbUrl) -> Result<Option<String>> {
        if let Location::File(path) = location(url)? {
            if !path.exists() {
                return Ok(None);
            }
        }
        let mut conn = connect(url, true)?;
        Ok(reflect::reflect(&mut conn)?.first_object())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn urls_map_to_locations() {
        let loc = |s: &str| location(&DbUrl::parse(s).unwrap()).unwrap();
        assert_eq!(loc("sqlite://a/b.db"), Location::File("a/b.db".into()));
        assert_eq!(
            loc("sqlite:///tmp/b.db"),
            Location::File("/tmp/b.db".into())
        );
        assert_eq!(loc("sqlite::memory:"), Location::Memory);
        let err = location(&DbUrl::parse("sqlite://").unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`sqlite://` is not a database URL: it names no file (expected sqlite://path/to.db)"
        );
    }
}
