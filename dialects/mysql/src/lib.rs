//! MySQL and MariaDB dialect of Schema Replicator: set-based reflection from
//! `information_schema` (a fixed number of queries whatever the number of tables),
//! rendering that mirrors the server's own `SHOW CREATE TABLE`, a seal of one
//! `ALTER TABLE` per table, and a journaled apply that resumes after a failure or a kill.
//!
//! URLs: `mysql://user:password@host:port/database` (also `mariadb://`), with diesel's
//! `?unix_socket=...` and `ssl_*` parameters. MariaDB from 10.5 and MySQL from 8.0 are
//! recognised; MariaDB 10.11 is the one the test suite runs against.

use std::sync::atomic::{AtomicU64, Ordering};

use schema_replicator_diesel::count_queries;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection};
use schema_replicator_core::check::CheckOptions;
use schema_replicator_core::Phase;
use schema_replicator_core::{
    ApplyOptions, ApplyReport, Capabilities, DbUrl, Dialect, DialectRegistration, Error, Plan,
    ReflectOptions, Reflection, Result, Schema, Statement,
};

mod apply;
mod check;
mod reflect;
mod render;
mod text;

pub use apply::JOURNAL_TABLE;

/// The dialect's name, as stored in snapshots.
pub const DIALECT: &str = "mysql";

/// The MySQL and MariaDB dialect.
#[derive(Debug, Default, Clone, Copy)]
pub struct MysqlDialect;

schema_replicator_core::inventory::submit! {
    DialectRegistration { create: || Box::new(MysqlDialect) }
}

/// Quotes an identifier for MySQL: backticks, embedded ones doubled. The one place this
/// dialect quotes names.
pub fn quote_ident(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// Quotes a string literal for MySQL: single quotes doubled and backslashes doubled, so
/// it reads the same whether or not the session has `NO_BACKSLASH_ESCAPES`... as long
/// as it has not: every connection of this dialect sets its own `sql_mode`
/// (the session settings), without it.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// The session every connection starts with: a known `sql_mode` (zero dates allowed,
/// no engine substitution, no `ANSI_QUOTES` or `NO_BACKSLASH_ESCAPES`), UTC (diesel sets
/// `time_zone`), utf8mb4, foreign keys checked.
const SESSION: &str = "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION', \
                       SESSION foreign_key_checks = 1, NAMES utf8mb4";

/// The session's `sql_mode` ([`SESSION`]), restored after a trigger is created in its own.
pub(crate) const SESSION_SQL_MODE: &str = "NO_ENGINE_SUBSTITUTION";

/// The URL diesel understands: `mariadb://` is spelled `mysql://`.
fn diesel_url(url: &DbUrl) -> String {
    let exposed = url.expose();
    match exposed.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => exposed,
    }
}

/// The database a URL names (`mysql://host/db` names `db`), if any.
fn database_name(url: &DbUrl) -> Option<&str> {
    let path = url.rest().strip_prefix("//")?.split(['?', '#']).next()?;
    let (_, db) = path.split_once('/')?;
    (!db.is_empty()).then_some(db)
}

/// Opens a connection and sets the session up. Errors are one line, without the password.
pub fn connect(url: &DbUrl) -> Result<MysqlConnection> {
    let fail = |reason: String| Error::Connect {
        url: url.to_string(),
        reason,
    };
    if database_name(url).is_none() {
        return Err(fail(
            "the URL names no database (mysql://user@host/database)".into(),
        ));
    }
    let mut conn = MysqlConnection::establish(&diesel_url(url))
        .map_err(|e| fail(url.one_line(&e.to_string())))?;
    conn.batch_execute(SESSION)
        .map_err(|e| fail(url.one_line(&e.to_string())))?;
    Ok(conn)
}

impl Dialect for MysqlDialect {
    fn name(&self) -> &str {
        DIALECT
    }

    fn url_schemes(&self) -> Vec<String> {
        vec!["mysql".into(), "mariadb".into()]
    }

    /// DDL commits statement by statement; constraints are added with `ALTER TABLE`;
    /// the primary key stays in base, because InnoDB clusters rows by it (adding it
    /// after the load rebuilds the whole table) and an AUTO_INCREMENT column needs it.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(false, true, false).with_complete_tables(true)
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_ident(ident)
    }

    fn reflect(&self, url: &DbUrl, options: &ReflectOptions) -> Result<Reflection> {
        let counter = Arc::new(AtomicU64::new(0));
        let mut conn = connect(url)?;
        count_queries(&mut conn, &counter);
        let schema = reflect::reflect(&mut conn, url, options)?;
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
        apply::apply(url, statements, &ApplyOptions::default())
    }

    fn apply_with(
        &self,
        url: &DbUrl,
        statements: &[Statement],
        options: &ApplyOptions,
    ) -> Result<ApplyReport> {
        apply::apply(url, statements, options)
    }

    /// A statement that holds several (a routine or trigger with a `BEGIN ... END` body,
    /// run under its own session settings) between `DELIMITER ;;` and `DELIMITER ;`, as
    /// `mysqldump` writes them, so that the `mysql` client sends it whole.
    fn script(&self, sql: &str) -> String {
        if sql.contains(';') {
            format!("DELIMITER ;;\n{sql};;\nDELIMITER ;\n\n")
        } else {
            format!("{sql};\n\n")
        }
    }

    fn reflect_target(&self, url: &DbUrl) -> Result<Option<Schema>> {
        Ok(Some(self.reflect(url, &ReflectOptions::default())?.schema))
    }

    fn journal(&self, url: &DbUrl, statements: &[Statement]) -> Result<Option<usize>> {
        apply::left_behind(url, statements)
    }

    fn check_with(
        &self,
        url: &DbUrl,
        schema: &Schema,
        options: &CheckOptions,
    ) -> Result<Vec<schema_replicator_core::Finding>> {
        check::check(url, schema, options)
    }

    fn check_source(
        &self,
        url: &DbUrl,
        schema: &Schema,
        target: &str,
        options: &CheckOptions,
    ) -> Result<Vec<schema_replicator_core::Finding>> {
        // SQLite keeps a zero date as the text it is; PostgreSQL has no such date.
        match target {
            "postgres" => check::zero_dates(url, schema, options),
            _ => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_literal("it's a \\ back"), "'it''s a \\\\ back'");
    }

    #[test]
    fn a_url_without_a_database_is_refused_before_connecting() {
        let url = DbUrl::parse("mysql://root:pw@127.0.0.1:1").unwrap();
        let err = connect(&url).err().unwrap();
        assert_eq!(
            err.to_string(),
            "cannot connect to mysql://root:***@127.0.0.1:1: the URL names no database \
             (mysql://user@host/database)"
        );
    }

    #[test]
    fn mariadb_urls_reach_diesel_as_mysql() {
        let url = DbUrl::parse("mariadb://root@127.0.0.1:3306/db").unwrap();
        assert_eq!(diesel_url(&url), "mysql://root@127.0.0.1:3306/db");
    }
}
