//! The seal over several connections, with a journal: the statements of the seal run in
//! dependency order on up to N connections, each in its own transaction together with
//! the journal row that records it, so the journal is exact. A re-run of the same
//! seal skips what the journal lists; a statement that was running when a run died
//! rolled back with its journal row and runs again.
//!
//! The journal is the table [`JOURNAL`] in the schema [`JOURNAL_SCHEMA`] of the target,
//! removed when a seal completes. One session-level advisory lock, keyed by the batch,
//! keeps two runs of the same seal apart. Sessions ask the server to check every second
//! that their client is still there, so a killed run's statements stop soon after it.
//!
//! The flow is core's journaled apply ([`journaled::run`]); this module supplies the
//! SQL of each step ([`Seal`]).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, QueryResult, QueryableByName, RunQueryDsl};
use schema_replicator_core::journaled::{
    self, Batch, Entry, Executed, Failure, JournaledApply, Wording,
};
use schema_replicator_core::schedule::Outcome;
use schema_replicator_core::{
    ApplyOptions, ApplyReport, DbUrl, Error, ObjectKind, QualifiedName, Result, Statement,
};

use crate::apply::{explain, message, Violations};
use crate::{connect, quote_ident, quote_literal};

/// The schema holding the journal while a seal is under way.
pub const JOURNAL_SCHEMA: &str = "_schema_replicator";
/// The journal table, in [`JOURNAL_SCHEMA`].
pub const JOURNAL: &str = "journal";

/// How long a run waits for the lock of another run of the same seal (a killed run's
/// sessions end within seconds; a live run keeps the lock).
const LOCK_WAIT: Duration = Duration::from_secs(10);

#[derive(QueryableByName)]
struct Done {
    #[diesel(sql_type = BigInt)]
    ordinal: i64,
    #[diesel(sql_type = Nullable<Text>)]
    outcome: Option<String>,
}

#[derive(QueryableByName)]
struct Invalid {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Size {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

fn journal() -> String {
    format!("{}.{}", quote_ident(JOURNAL_SCHEMA), quote_ident(JOURNAL))
}

/// Runs seal statements over up to `options.jobs` connections with the journal.
pub(crate) fn apply(
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    journaled::run(&Seal { url }, statements, options)
}

/// What an interrupted seal of `statements` left in the journal (see
/// [`journaled::left_behind`]).
pub(crate) fn left_behind(url: &DbUrl, statements: &[Statement]) -> Result<Option<usize>> {
    journaled::left_behind(&Seal { url }, statements)
}

/// The seal's steps for the journaled apply, on the target `url`.
struct Seal<'a> {
    url: &'a DbUrl,
}

/// The journal row of statement `ordinal`, with its outcome when it is not plain success.
fn record_sql(
    batch: &Batch,
    ordinal: usize,
    statement: &Statement,
    outcome: Option<&str>,
) -> String {
    format!(
        "INSERT INTO {} (batch, ordinal, object, outcome) VALUES ({}, {ordinal}, {}, {})",
        journal(),
        quote_literal(&batch.key),
        quote_literal(&statement.describe()),
        outcome.map_or("NULL".into(), quote_literal)
    )
}

/// Run at the start of the transactions that create and drop the journal: the user's
/// event triggers (the seal creates them last) do not fire on the journal's own DDL.
/// A superuser's session takes the replica role, in which only event triggers enabled
/// `ALWAYS` (or `REPLICA`, so the role is kept when there are such) fire.
const QUIET_EVENT_TRIGGERS: &str = "DO $quiet$ BEGIN \
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger e WHERE e.evtenabled = 'R') \
    THEN SET LOCAL session_replication_role = replica; END IF; END $quiet$;";

impl JournaledApply for Seal<'_> {
    type Conn = PgConnection;
    type Error = DieselError;

    const WORDING: Wording = Wording {
        // `JOURNAL_SCHEMA.JOURNAL`.
        journal: "_schema_replicator.journal",
        container: "schema",
        run: "seal",
        why_kept: "",
        unit: "statement",
    };

    fn target(&self) -> String {
        self.url.to_string()
    }

    fn message(&self, error: &DieselError) -> String {
        message(self.url, error)
    }

    fn connect(&self) -> Result<PgConnection> {
        session(self.url)
    }

    fn exclude_others(&self, conns: &mut [PgConnection], batch: &Batch, _: bool) -> Result<()> {
        if conns.len() > 1 {
            // The connections already keep the server's cores busy; parallel workers per
            // index build would only compete with them.
            for conn in conns.iter_mut() {
                conn.batch_execute("SET max_parallel_maintenance_workers = 0")
                    .map_err(|e| self.setup_error(&e))?;
            }
        }
        lock(conns, self.url, batch.digest as i64)
    }

    fn journal_exists(&self, conn: &mut PgConnection) -> QueryResult<bool> {
        let found: Vec<Locked> = diesel::sql_query(format!(
            "SELECT to_regclass({}) IS NOT NULL AS locked",
            quote_literal(&journal())
        ))
        .load(conn)?;
        Ok(found.first().is_some_and(|f| f.locked))
    }

    fn create_journal(&self, conn: &mut PgConnection) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "BEGIN; {QUIET_EVENT_TRIGGERS} CREATE SCHEMA IF NOT EXISTS {schema}; \
             CREATE TABLE IF NOT EXISTS {journal} (\
               batch text NOT NULL, ordinal integer NOT NULL, object text NOT NULL, \
               outcome text, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), \
               PRIMARY KEY (batch, ordinal)); \
             COMMENT ON SCHEMA {schema} IS 'Schema Replicator: the journal of a seal under \
             way; a re-run of the same command resumes after what it lists. Dropped when \
             the seal completes.'; COMMIT",
            schema = quote_ident(JOURNAL_SCHEMA),
            journal = journal(),
        ))
        .inspect_err(|_| {
            let _ = conn.batch_execute("ROLLBACK");
        })
    }

    fn journaled(&self, conn: &mut PgConnection, batch: &Batch) -> QueryResult<Vec<Entry>> {
        let rows: Vec<Done> = diesel::sql_query(format!(
            "SELECT ordinal::int8 AS ordinal, outcome FROM {} WHERE batch = {}",
            journal(),
            quote_literal(&batch.key)
        ))
        .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| Entry {
                ordinal: r.ordinal,
                outcome: r.outcome,
            })
            .collect())
    }

    fn record(
        &self,
        conn: &mut PgConnection,
        batch: &Batch,
        ordinal: usize,
        statement: &Statement,
        outcome: Option<&str>,
    ) -> QueryResult<()> {
        conn.batch_execute(&record_sql(batch, ordinal, statement, outcome))
    }

    fn forget_batch(&self, conn: &mut PgConnection, batch: &Batch) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "DELETE FROM {} WHERE batch = {}",
            journal(),
            quote_literal(&batch.key)
        ))
    }

    fn drop_journal_if_empty(&self, conn: &mut PgConnection) -> QueryResult<()> {
        // Under an exclusive lock, so that another seal's statement cannot record itself
        // between the check and the drop.
        conn.batch_execute(&format!(
            "BEGIN; LOCK TABLE {journal} IN ACCESS EXCLUSIVE MODE; {QUIET_EVENT_TRIGGERS} \
             DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM {journal}) THEN \
               DROP TABLE {journal}; DROP SCHEMA {schema}; END IF; END $$; COMMIT",
            journal = journal(),
            schema = quote_ident(JOURNAL_SCHEMA),
        ))
        .inspect_err(|_| {
            let _ = conn.batch_execute("ROLLBACK");
        })
    }

    fn set_lock_timeout(&self, conn: &mut PgConnection, timeout: Duration) -> QueryResult<()> {
        set_lock_timeout(conn, timeout)
    }

    fn lock_holder(
        &self,
        conn: &mut PgConnection,
        statement: &Statement,
        error: &DieselError,
        _waited: Duration,
    ) -> Option<String> {
        is_lock_timeout(error).then(|| lock_holders(conn, statement))
    }

    fn journals_atomically(&self) -> bool {
        true
    }

    fn clear_half_built(
        &self,
        conn: &mut PgConnection,
        statements: &[Statement],
        done: &[bool],
    ) -> QueryResult<Vec<String>> {
        drop_invalid_indexes(conn, statements, done)
    }

    fn table_sizes(&self, conn: &mut PgConnection) -> QueryResult<HashMap<QualifiedName, u64>> {
        table_sizes(conn)
    }

    /// Runs the statement and records it, in one transaction.
    fn execute(
        &self,
        conn: &mut PgConnection,
        batch: &Batch,
        ordinal: usize,
        statement: &Statement,
    ) -> std::result::Result<Executed, Failure<DieselError>> {
        let sql = format!(
            "BEGIN; {};\n{}; COMMIT",
            statement.sql,
            record_sql(batch, ordinal, statement, None)
        );
        let Err(e) = conn.batch_execute(&sql) else {
            return Ok(Executed::Recorded(Outcome::Applied));
        };
        let _ = conn.batch_execute("ROLLBACK");
        Err(Failure::Refused(e))
    }

    fn is_violation(&self, error: &DieselError) -> bool {
        matches!(
            error,
            DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation | DatabaseErrorKind::CheckViolation,
                _
            )
        )
    }

    fn left_not_valid(
        &self,
        conn: &mut PgConnection,
        statement: &Statement,
        reason: &str,
    ) -> String {
        left_not_valid(conn, statement, reason)
    }

    fn explain(&self, conn: &mut PgConnection, statement: &Statement, reason: String) -> Error {
        explain(conn, statement, reason, "")
    }
}

/// Another session, as lock messages name it; `schema` and `relation` name the table
/// it holds a lock on, when it is a table's.
#[derive(QueryableByName)]
struct Session {
    #[diesel(sql_type = BigInt)]
    pid: i64,
    #[diesel(sql_type = Text)]
    who: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    seconds: i64,
    #[diesel(sql_type = Text)]
    query: String,
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    relation: String,
}

/// Makes each statement of `conn` wait at most `timeout` for a lock (`lock_timeout`).
pub(crate) fn set_lock_timeout(conn: &mut PgConnection, timeout: Duration) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "SET lock_timeout = '{}ms'",
        timeout.as_millis().max(1)
    ))
}

/// Whether `error` is a lock timeout (SQLSTATE 55P03). Diesel gives the message only,
/// which the server writes in its `lc_messages` language (English by default).
pub(crate) fn is_lock_timeout(error: &DieselError) -> bool {
    matches!(error, DieselError::DatabaseError(_, info) if info.message().contains("lock timeout"))
}

/// Who holds locks on the tables `statement` needs (on any table of the database when
/// it names none), in words: `table "public"."t" is locked by session 812 (alice, idle
/// in transaction for 12 s: UPDATE t SET ...)`. Sessions of a seal (they hold advisory
/// locks) are left out.
pub(crate) fn lock_holders(conn: &mut PgConnection, statement: &Statement) -> String {
    let tables: Vec<String> = schema_replicator_core::schedule::locks(statement)
        .into_iter()
        .map(|(table, _)| {
            let name = match &table.schema {
                Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&table.name)),
                None => quote_ident(&table.name),
            };
            format!("to_regclass({})", quote_literal(&name))
        })
        .collect();
    let only = match tables.is_empty() {
        true => String::new(),
        false => format!("AND l.relation = ANY (ARRAY[{}]::oid[])", tables.join(", ")),
    };
    let sql = format!(
        "SELECT DISTINCT ON (a.pid) a.pid::int8 AS pid, coalesce(a.usename, '') AS who, \
           coalesce(a.state, '') AS state, \
           coalesce(extract(epoch FROM now() - a.xact_start)::int8, 0) AS seconds, \
           left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 120) AS query, \
           n.nspname::text AS schema, c.relname::text AS relation \
         FROM pg_catalog.pg_locks l \
         JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
         JOIN pg_catalog.pg_class c ON c.oid = l.relation \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE l.granted AND l.pid <> pg_backend_pid() \
           AND l.database = (SELECT oid FROM pg_catalog.pg_database \
                             WHERE datname = current_database()) \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') {only} \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks x \
                           WHERE x.pid = l.pid AND x.locktype = 'advisory') \
         ORDER BY a.pid LIMIT 3"
    );
    match diesel::sql_query(sql).load::<Session>(conn) {
        Ok(holders) if !holders.is_empty() => holders
            .iter()
            .map(|h| {
                let table = QualifiedName::bare(&h.relation).in_schema(&h.schema);
                format!(
                    "table {table} is locked by session {} ({}, {} for {} s: {})",
                    h.pid, h.who, h.state, h.seconds, h.query
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Ok(_) => open_transactions(conn),
        Err(e) => format!("another session holds the lock (naming it failed: {e})"),
    }
}

/// The other sessions of this database with a transaction open, oldest first: what
/// holds a lock that is not on a table (a name another transaction has taken but not
/// committed, say).
fn open_transactions(conn: &mut PgConnection) -> String {
    let sql = "SELECT a.pid::int8 AS pid, coalesce(a.usename, '') AS who, \
                 coalesce(a.state, '') AS state, \
                 extract(epoch FROM now() - a.xact_start)::int8 AS seconds, \
                 left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 120) AS query, \
                 '' AS schema, '' AS relation \
               FROM pg_catalog.pg_stat_activity a \
               WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() \
                 AND a.xact_start IS NOT NULL AND a.backend_type = 'client backend' \
                 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks x \
                                 WHERE x.pid = a.pid AND x.locktype = 'advisory') \
               ORDER BY a.xact_start LIMIT 3";
    match diesel::sql_query(sql).load::<Session>(conn) {
        Ok(open) if !open.is_empty() => open
            .iter()
            .map(|o| {
                format!(
                    "session {} ({}, {} for {} s: {}) has a transaction open",
                    o.pid, o.who, o.state, o.seconds, o.query
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Ok(_) => {
            "another session held the lock, and released it before it could be named".to_owned()
        }
        Err(e) => format!("another session holds the lock (naming it failed: {e})"),
    }
}

/// A connection for the seal. It checks that its client is alive (PostgreSQL 14 on),
/// and its commits do not wait for the disk: a server crash can lose the last few
/// statements, each with its journal row (they are one transaction, and WAL keeps
/// commit order), so the journal stays exact and a re-run builds them again.
pub(crate) fn session(url: &DbUrl) -> Result<PgConnection> {
    let mut conn = connect(url)?;
    conn.batch_execute(
        "SET synchronous_commit = off; \
         DO $$ BEGIN \
           PERFORM pg_catalog.set_config('client_connection_check_interval', '1s', false); \
         EXCEPTION WHEN undefined_object THEN NULL; END $$",
    )
    .map_err(|e| Error::Connect {
        url: url.to_string(),
        reason: message(url, &e),
    })?;
    Ok(conn)
}

/// Takes the advisory locks of this seal. The first connection holds the run's lock
/// `key`, so a second run is refused; every connection holds `key ^ 1` shared, and
/// the run starts only once it could take that one exclusively: when no session of a
/// killed run is still at work (without `client_connection_check_interval`, before
/// PostgreSQL 14, a busy one goes on until its statement ends). Waits a little for
/// both, then refuses.
pub(crate) fn lock(conns: &mut [PgConnection], url: &DbUrl, key: i64) -> Result<()> {
    let fail = |e: DieselError| Seal { url }.setup_error(&e);
    let try_lock = |conn: &mut PgConnection, sql: String| -> Result<bool> {
        let got: Vec<Locked> = diesel::sql_query(sql).load(conn).map_err(fail)?;
        Ok(got.first().is_some_and(|l| l.locked))
    };
    let workers = key ^ 1;
    let started = Instant::now();
    let mut run_lock = false;
    loop {
        let first = &mut conns[0];
        if !run_lock {
            run_lock = try_lock(
                first,
                format!("SELECT pg_catalog.pg_try_advisory_lock({key}) AS locked"),
            )?;
        }
        if run_lock
            && try_lock(
                first,
                format!("SELECT pg_catalog.pg_try_advisory_lock({workers}) AS locked"),
            )?
        {
            break;
        }
        if started.elapsed() > LOCK_WAIT {
            let reason = if run_lock {
                "sessions of an earlier run of the same seal are still at work on this \
                 database"
            } else {
                "another run of the same seal is under way on this database"
            };
            return Err(Error::Apply {
                object: url.to_string(),
                reason: reason.into(),
                outcome: "nothing was applied; wait for it to finish (or stop it) and re-run"
                    .into(),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let shared = format!(
        "SELECT pg_catalog.pg_advisory_unlock({workers}); \
         SELECT pg_catalog.pg_advisory_lock_shared({workers})"
    );
    conns[0].batch_execute(&shared).map_err(fail)?;
    for conn in conns.iter_mut().skip(1) {
        conn.batch_execute(&format!(
            "SELECT pg_catalog.pg_advisory_lock_shared({workers})"
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// The size on disk of every table, so that the biggest tables' work starts first.
fn table_sizes(conn: &mut PgConnection) -> QueryResult<HashMap<QualifiedName, u64>> {
    let rows: Vec<Size> = diesel::sql_query(
        "SELECT n.nspname::text AS schema, c.relname::text AS name, \
                pg_catalog.pg_relation_size(c.oid)::int8 AS bytes \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'm') \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = QualifiedName {
                schema: Some(r.schema),
                name: r.name,
            };
            (name, u64::try_from(r.bytes).unwrap_or(0))
        })
        .collect())
}

/// Drops the invalid indexes (left by an interrupted concurrent build) that pending
/// statements of the batch build, so they are built again; returns their names.
fn drop_invalid_indexes(
    conn: &mut PgConnection,
    statements: &[Statement],
    done: &[bool],
) -> QueryResult<Vec<String>> {
    let invalid: Vec<Invalid> = diesel::sql_query(
        "SELECT n.nspname::text AS schema, c.relname::text AS name \
         FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT i.indisvalid",
    )
    .load(conn)?;
    let invalid: HashSet<(String, String)> =
        invalid.into_iter().map(|i| (i.schema, i.name)).collect();
    let mut dropped = Vec::new();
    for (statement, _) in statements.iter().zip(done).filter(|(_, d)| !**d) {
        if !statement.sql.starts_with("CREATE ") {
            continue;
        }
        for object in &statement.objects {
            let (Some(table), true) = (
                &object.table,
                matches!(
                    object.kind,
                    ObjectKind::Index | ObjectKind::Unique | ObjectKind::PrimaryKey
                ),
            ) else {
                continue;
            };
            let name = object.name.clone();
            let schema = table.schema.clone().unwrap_or_else(|| "public".into());
            if invalid.contains(&(schema.clone(), name.clone())) {
                conn.batch_execute(&format!(
                    "DROP INDEX {}.{}",
                    quote_ident(&schema),
                    quote_ident(&name)
                ))?;
                dropped.push(object.to_string());
            }
        }
    }
    Ok(dropped)
}

/// `foreign key "X" on table "t": 3 orphan rows (e.g. ...)`, for the report.
fn left_not_valid(conn: &mut PgConnection, statement: &Statement, reason: &str) -> String {
    let found = statement.preflight.as_ref().and_then(|sql| {
        diesel::sql_query(sql)
            .load::<Violations>(conn)
            .ok()
            .and_then(|v| v.into_iter().next())
    });
    let fk = statement
        .objects
        .iter()
        .any(|o| o.kind == ObjectKind::ForeignKey);
    match found {
        Some(v) => format!(
            "{}: {} {}{} (e.g. {})",
            statement.describe(),
            v.rows,
            if fk { "orphan row" } else { "offending row" },
            if v.rows == 1 { "" } else { "s" },
            v.samples.join(", ")
        ),
        None => format!("{}: {reason}", statement.describe()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_journal_as_it_is_stored() {
        assert_eq!(Seal::WORDING.journal, format!("{JOURNAL_SCHEMA}.{JOURNAL}"));
    }
}
