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

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::check::open_connections;
use schema_replicator_core::schedule::{self, Outcome};
use schema_replicator_core::{journal, ApplyOptions, OnViolation};
use schema_replicator_core::{
    ApplyReport, DbUrl, Error, ObjectKind, QualifiedName, Result, Statement,
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
    let total = statements.len();
    let setup = |e: DieselError| Error::Apply {
        object: url.to_string(),
        reason: message(url, &e),
        outcome: "nothing was applied".into(),
    };
    let digest = journal::batch_digest(statements);
    let batch = quote_literal(&format!("{digest:016x}"));
    let mut conns = open_connections(options.jobs, total, || session(url))?;
    if conns.len() > 1 {
        // The connections already keep the server's cores busy; parallel workers per
        // index build would only compete with them.
        for conn in &mut conns {
            conn.batch_execute("SET max_parallel_maintenance_workers = 0")
                .map_err(setup)?;
        }
    }
    lock(&mut conns, url, digest as i64)?;
    let first = &mut conns[0];
    first
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}; \
             CREATE TABLE IF NOT EXISTS {journal} (\
               batch text NOT NULL, ordinal integer NOT NULL, object text NOT NULL, \
               outcome text, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), \
               PRIMARY KEY (batch, ordinal)); \
             COMMENT ON SCHEMA {schema} IS 'Schema Replicator: the journal of a seal under \
             way; a re-run of the same command resumes after what it lists. Dropped when \
             the seal completes.'",
            schema = quote_ident(JOURNAL_SCHEMA),
            journal = journal(),
        ))
        .map_err(setup)?;
    let rows: Vec<Done> = diesel::sql_query(format!(
        "SELECT ordinal::int8 AS ordinal, outcome FROM {} WHERE batch = {batch}",
        journal()
    ))
    .load(first)
    .map_err(setup)?;
    let mut done = vec![false; total];
    let mut earlier_not_valid = Vec::new();
    for row in rows {
        if let Some(slot) = usize::try_from(row.ordinal)
            .ok()
            .and_then(|i| done.get_mut(i))
        {
            *slot = true;
            earlier_not_valid.extend(row.outcome);
        }
    }
    let resumed = done.iter().filter(|d| **d).count();
    let rebuilt = drop_invalid_indexes(first, statements, &done).map_err(setup)?;

    let exec = |conn: &mut PgConnection, i: usize| {
        run_one(conn, url, statements, i, &batch, options.on_violation)
    };
    let weight = schedule::weights(statements, &table_sizes(&mut conns[0]).map_err(setup)?);
    let mut run = schedule::schedule(&mut conns, statements, &done, &weight, options, exec);
    let applied = resumed + run.applied;
    // Under an exclusive lock, so that another seal's statement cannot record itself
    // between the check and the drop.
    let drop_if_empty = format!(
        "BEGIN; LOCK TABLE {journal} IN ACCESS EXCLUSIVE MODE; \
         DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM {journal}) THEN \
           DROP TABLE {journal}; DROP SCHEMA {schema}; END IF; END $$; COMMIT",
        journal = journal(),
        schema = quote_ident(JOURNAL_SCHEMA),
    );
    if let Some(error) = run.error(journal::kept(applied, total, &journal_name(), "")) {
        if applied == 0 {
            // Nothing to resume: leave no journal behind (best effort, the error
            // matters more).
            if conns[0].batch_execute(&drop_if_empty).is_err() {
                let _ = conns[0].batch_execute("ROLLBACK");
            }
        }
        return Err(error);
    }
    let cleanup = |e: DieselError| Error::Apply {
        object: journal_name(),
        reason: format!("removing the finished seal: {}", message(url, &e)),
        outcome: format!("all {total} statements are applied; drop the schema by hand"),
    };
    let first = &mut conns[0];
    first
        .batch_execute(&format!(
            "DELETE FROM {} WHERE batch = {batch}; {drop_if_empty}",
            journal()
        ))
        .map_err(|e| {
            let _ = first.batch_execute("ROLLBACK");
            cleanup(e)
        })?;
    let mut not_valid = earlier_not_valid;
    not_valid.extend(run.not_valid);
    Ok(ApplyReport {
        statements: total,
        transactional: false,
        resumed,
        connections: conns.len(),
        not_valid,
        rebuilt,
    })
}

fn journal_name() -> String {
    format!("{JOURNAL_SCHEMA}.{JOURNAL}")
}

/// A connection for the seal. It checks that its client is alive (PostgreSQL 14 on),
/// and its commits do not wait for the disk: a server crash can lose the last few
/// statements, each with its journal row (they are one transaction, and WAL keeps
/// commit order), so the journal stays exact and a re-run builds them again.
fn session(url: &DbUrl) -> Result<PgConnection> {
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
fn lock(conns: &mut [PgConnection], url: &DbUrl, key: i64) -> Result<()> {
    let fail = |e: DieselError| Error::Apply {
        object: url.to_string(),
        reason: message(url, &e),
        outcome: "nothing was applied".into(),
    };
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
fn table_sizes(conn: &mut PgConnection) -> diesel::QueryResult<HashMap<QualifiedName, u64>> {
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
) -> diesel::QueryResult<Vec<String>> {
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
            let name = match object.kind {
                // Index ids hold the quoted name.
                ObjectKind::Index => object.name[1..object.name.len() - 1].replace("\"\"", "\""),
                _ => object.name.clone(),
            };
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

/// Runs statement `i` and records it, in one transaction.
fn run_one(
    conn: &mut PgConnection,
    url: &DbUrl,
    statements: &[Statement],
    i: usize,
    batch: &str,
    on_violation: OnViolation,
) -> Result<Outcome> {
    let statement = &statements[i];
    let record = |outcome: Option<&str>| {
        format!(
            "INSERT INTO {} (batch, ordinal, object, outcome) VALUES ({batch}, {i}, {}, {})",
            journal(),
            quote_literal(&statement.describe()),
            outcome.map_or("NULL".into(), quote_literal)
        )
    };
    let sql = format!("BEGIN; {};\n{}; COMMIT", statement.sql, record(None));
    let Err(e) = conn.batch_execute(&sql) else {
        return Ok(Outcome::Applied);
    };
    let _ = conn.batch_execute("ROLLBACK");
    let reason = message(url, &e);
    let violated = matches!(
        e,
        DieselError::DatabaseError(
            DatabaseErrorKind::ForeignKeyViolation | DatabaseErrorKind::CheckViolation,
            _
        )
    );
    if statement.validation && violated && on_violation == OnViolation::NotValid {
        let text = left_not_valid(conn, statement, &reason);
        conn.batch_execute(&record(Some(&text)))
            .map_err(|e| Error::Apply {
                object: statement.describe(),
                reason: format!("recording it in the journal: {}", message(url, &e)),
                outcome: String::new(),
            })?;
        return Ok(Outcome::LeftNotValid(text));
    }
    Err(explain(conn, statement, reason, ""))
}

/// `foreign key X on table "t": 3 orphan rows (e.g. ...)`, for the report.
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
