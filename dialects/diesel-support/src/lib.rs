//! What the Schema Replicator dialects built on `diesel` share, whatever their backend:
//! the core crate has no driver, so helpers that need diesel's types live here (query
//! counting, and the runner of `check`'s counting queries).
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use diesel::query_builder::SqlQuery;
use diesel::query_dsl::LoadQuery;
use diesel::RunQueryDsl;
use schema_replicator_core::check::{json_samples, Probe};
use schema_replicator_core::{DbUrl, Error, Finding};

/// Counts every statement `conn` starts into `counter` (a reflection's cost, reported
/// as `Reflection::queries`). Several connections may share one counter.
pub fn count_queries<C: Connection>(conn: &mut C, counter: &Arc<AtomicU64>) {
    let seen = counter.clone();
    let instrumentation = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            seen.fetch_add(1, Ordering::Relaxed);
        }
    };
    conn.set_instrumentation(Box::new(instrumentation) as Box<dyn Instrumentation>);
}

/// One row of a counting query whose samples come as a JSON array text (MySQL, SQLite):
/// offending rows, duplicated keys, samples.
#[derive(diesel::QueryableByName)]
pub struct JsonCounted {
    /// Offending rows.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
    /// Distinct duplicated keys, for a unique key.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub groups: Option<i64>,
    /// Up to five samples, as a JSON array text.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub samples: Option<String>,
}

/// The JSON document of a NULL-counting query.
#[derive(diesel::QueryableByName)]
pub struct JsonDoc {
    /// A JSON object text mapping each column's key to its NULL count.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub doc: Option<String>,
}

/// Runs one probe of `check` on `conn` (a dialect whose counting queries return their
/// samples as a JSON array text); a failed query is one line naming the probe.
pub fn run_json_probe<C>(
    conn: &mut C,
    url: &DbUrl,
    probe: &Probe,
) -> schema_replicator_core::Result<Vec<Finding>>
where
    C: Connection,
    for<'a> SqlQuery: LoadQuery<'a, C, JsonCounted> + LoadQuery<'a, C, JsonDoc>,
{
    let fail = |e: diesel::result::Error| Error::Check {
        object: probe.describe(),
        reason: url.one_line(&e.to_string()),
    };
    probe.findings(
        conn,
        |conn, sql| {
            let rows: Vec<JsonCounted> = diesel::sql_query(sql).load(conn).map_err(fail)?;
            Ok(rows
                .into_iter()
                .next()
                .map(|r| (r.n, r.groups, json_samples(r.samples.as_deref()))))
        },
        |conn, sql| {
            let rows: Vec<JsonDoc> = diesel::sql_query(sql).load(conn).map_err(fail)?;
            Ok(rows.into_iter().next().and_then(|d| d.doc))
        },
    )
}
