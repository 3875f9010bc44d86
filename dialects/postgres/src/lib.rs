//! PostgreSQL dialect of Schema Replicator: set-based reflection from `pg_catalog` (a
//! fixed number of queries whatever the number of tables), rendering through the
//! server's own `pg_get_*def` texts, and apply in one transaction per phase except the
//! seal, which runs over several connections with a journal that lets a re-run resume.
//!
//! URLs: `postgres://user:password@host:port/database` (also `postgresql://`), with any
//! libpq parameters after `?`. Servers from PostgreSQL 13 on are supported.

use std::sync::atomic::{AtomicU64, Ordering};

use schema_replicator_diesel::count_queries;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use schema_replicator_core::check::CheckOptions;
use schema_replicator_core::Phase;
use schema_replicator_core::{
    ApplyOptions, ApplyReport, Capabilities, DbUrl, Dialect, DialectRegistration, Error,
    IdentifierCase, Plan, ReflectOptions, Reflection, Result, Schema, Statement,
};

mod apply;
mod base;
mod check;
mod reflect;
mod render;
mod seal;

pub use seal::{JOURNAL, JOURNAL_SCHEMA};

/// The dialect's name, as stored in snapshots.
pub const DIALECT: &str = "postgres";

/// The PostgreSQL dialect.
#[derive(Debug, Default, Clone, Copy)]
pub struct PostgresDialect;

schema_replicator_core::inventory::submit! {
    DialectRegistration { create: || Box::new(PostgresDialect) }
}

/// Quotes an identifier for PostgreSQL: double quotes, embedded ones doubled. The one
/// place this dialect quotes names.
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quotes a string literal for PostgreSQL: single quotes, embedded ones doubled (the
/// server runs with `standard_conforming_strings`, so backslashes are plain).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Session settings every connection starts with: names in catalog output come
/// schema-qualified (as `pg_dump` does it) and function bodies are not checked
/// before the objects they use exist.
const SESSION: &str = "SELECT pg_catalog.set_config('search_path', '', false); \
                       SET standard_conforming_strings = on; \
                       SET check_function_bodies = false; \
                       SET client_min_messages = warning";

/// Opens a connection and sets the session up. Errors are one line, without the password.
pub fn connect(url: &DbUrl) -> Result<PgConnection> {
    let fail = |reason: String| Error::Connect {
        url: url.to_string(),
        reason,
    };
    let mut conn =
        PgConnection::establish(&url.expose()).map_err(|e| fail(url.one_line(&e.to_string())))?;
    conn.batch_execute(SESSION)
        .map_err(|e| fail(url.one_line(&e.to_string())))?;
    Ok(conn)
}

/// Connections the reflection spreads its catalog queries over.
const REFLECT_CONNECTIONS: usize = 3;

/// `n` connections in read-only repeatable-read transactions that share the first
/// one's snapshot (as `pg_dump -j` does), each counting its queries into `counter`.
fn snapshot_connections(
    url: &DbUrl,
    n: usize,
    counter: &Arc<AtomicU64>,
) -> Result<Vec<PgConnection>> {
    let fail = |e: diesel::result::Error| Error::Reflect {
        object: "the catalog snapshot".into(),
        reason: url.one_line(&e.to_string()),
    };
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    // The catalog queries are many short scans whose estimated cost crosses the JIT
    // threshold: compiling them took 3.2 s of a 3.3 s query on 2,000 tables, for
    // nothing.
    let no_jit = "SET LOCAL jit = off";
    let mut first = connect(url)?;
    count_queries(&mut first, counter);
    first
        .batch_execute(&format!("{begin}; {no_jit}"))
        .map_err(fail)?;
    let snapshot: Vec<reflect::Doc> =
        diesel::sql_query("SELECT pg_catalog.pg_export_snapshot() AS doc")
            .load(&mut first)
            .map_err(fail)?;
    let id = snapshot
        .into_iter()
        .next()
        .map(|s| s.doc)
        .unwrap_or_default();
    let mut conns = vec![first];
    for _ in 1..n {
        let mut conn = connect(url)?;
        count_queries(&mut conn, counter);
        conn.batch_execute(&format!(
            "{begin}; SET TRANSACTION SNAPSHOT {}; {no_jit}",
            quote_literal(&id)
        ))
        .map_err(fail)?;
        conns.push(conn);
    }
    Ok(conns)
}

impl Dialect for PostgresDialect {
    fn name(&self) -> &str {
        DIALECT
    }

    fn url_schemes(&self) -> Vec<String> {
        vec!["postgres".into(), "postgresql".into()]
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true, true, true).with_identifier_case(IdentifierCase::FoldLower)
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_ident(ident)
    }

    fn reflect(&self, url: &DbUrl, options: &ReflectOptions) -> Result<Reflection> {
        let counter = Arc::new(AtomicU64::new(0));
        let mut conns = snapshot_connections(url, REFLECT_CONNECTIONS, &counter)?;
        let schema = reflect::reflect(&mut conns, options)?;
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
        apply::apply_with(url, statements, &ApplyOptions::default())
    }

    fn apply_with(
        &self,
        url: &DbUrl,
        statements: &[Statement],
        options: &ApplyOptions,
    ) -> Result<ApplyReport> {
        apply::apply_with(url, statements, options)
    }

    fn reflect_target(&self, url: &DbUrl) -> Result<Option<Schema>> {
        Ok(Some(self.reflect(url, &ReflectOptions::default())?.schema))
    }

    fn missing_roles(&self, url: &DbUrl, roles: &[String]) -> Result<Vec<String>> {
        apply::missing_roles(url, roles)
    }

    fn has_extension(&self, url: &DbUrl, name: &str) -> Result<bool> {
        apply::has_extension(url, name)
    }

    fn journal(&self, url: &DbUrl, statements: &[Statement]) -> Result<Option<usize>> {
        let sealing: Vec<Statement> = statements
            .iter()
            .filter(|s| s.phase == Some(schema_replicator_core::Phase::Seal))
            .cloned()
            .collect();
        if sealing.is_empty() {
            return Ok(None);
        }
        seal::left_behind(url, &sealing)
    }

    fn check_with(
        &self,
        url: &DbUrl,
        schema: &Schema,
        options: &CheckOptions,
    ) -> Result<Vec<schema_replicator_core::Finding>> {
        check::check(url, schema, options)
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
}
