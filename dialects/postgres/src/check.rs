//! The preflight of loaded data: one query per foreign key, unique constraint, unique
//! index and check (the same queries that explain a failed seal), and one per table
//! for its NOT NULL columns, run over several connections. Constraints kept NOT VALID
//! are not checked: the seal does not validate them either.

use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::check::{
    null_probes, open_connections, run_parallel_reporting, CheckOptions, Probe,
};
use schema_replicator_core::plan::table_objects;
use schema_replicator_core::{DbUrl, Error, Expr, Finding, Problem, Result, Schema};

use crate::quote_ident;
use crate::render::{
    check_preflight, duplicates_preflight, orphans_preflight, qname, text, unique_index_preflight,
};

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    groups: Option<i64>,
    #[diesel(sql_type = Array<Text>)]
    samples: Vec<String>,
}

#[derive(QueryableByName)]
struct Doc {
    #[diesel(sql_type = Nullable<Text>)]
    doc: Option<String>,
}

fn not_valid(definition: &Option<Expr>) -> bool {
    matches!(definition, Some(Expr::Raw { sql, .. }) if sql.ends_with("NOT VALID"))
}

fn probes(schema: &Schema) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for table in &schema.tables {
        let ids = table_objects(table);
        for (fk, id) in table.foreign_keys.iter().zip(&ids.foreign_keys) {
            if !not_valid(&fk.definition) {
                out.push(Probe::One {
                    object: id.clone(),
                    problem: Problem::OrphanRows,
                    sql: orphans_preflight(table, fk),
                });
            }
        }
        for (unique, id) in table.unique_constraints.iter().zip(&ids.uniques) {
            out.push(Probe::One {
                object: id.clone(),
                problem: Problem::DuplicateKeys,
                sql: duplicates_preflight(table, &unique.columns),
            });
        }
        for (index, id) in table.indexes.iter().zip(&ids.indexes) {
            let sql = (index.unique && index.predicate.is_none())
                .then(|| unique_index_preflight(table, index))
                .flatten();
            if let Some(sql) = sql {
                out.push(Probe::One {
                    object: id.clone(),
                    problem: Problem::DuplicateKeys,
                    sql,
                });
            }
        }
        for (check, id) in table.checks.iter().zip(&ids.checks) {
            if !not_valid(&check.definition) {
                out.push(Probe::One {
                    object: id.clone(),
                    problem: Problem::FailingRows,
                    sql: check_preflight(table, &text(&check.expr, id)?),
                });
            }
        }
        out.extend(null_probes(
            table,
            |i, c| format!("'{i}', count(*) FILTER (WHERE {} IS NULL)", quote_ident(c)),
            |pairs| {
                format!(
                    "SELECT json_build_object({pairs})::text AS doc FROM {}",
                    qname(&table.name)
                )
            },
        ));
    }
    Ok(out)
}

fn run(conn: &mut PgConnection, url: &DbUrl, probe: &Probe) -> Result<Vec<Finding>> {
    let fail = |e: diesel::result::Error| Error::Apply {
        object: probe.describe(),
        reason: url.one_line(&e.to_string()),
        outcome: "nothing was changed (check only reads)".into(),
    };
    probe.findings(
        conn,
        |conn, sql| {
            let rows = diesel::sql_query(sql).load::<Counted>(conn).map_err(fail)?;
            Ok(rows
                .into_iter()
                .next()
                .map(|r| (r.rows, r.groups, r.samples)))
        },
        |conn, sql| {
            let rows = diesel::sql_query(sql).load::<Doc>(conn).map_err(fail)?;
            Ok(rows.into_iter().next().and_then(|d| d.doc))
        },
    )
}

/// Checks the loaded data at `url` against `schema`'s constraints.
pub(crate) fn check(url: &DbUrl, schema: &Schema, options: &CheckOptions) -> Result<Vec<Finding>> {
    let probes = probes(schema)?;
    let mut conns = open_connections(options.jobs, probes.len(), || crate::connect(url))?;
    let run = |conn: &mut PgConnection, probe: &Probe| run(conn, url, probe);
    Ok(
        run_parallel_reporting(&mut conns, &probes, &run, options.progress.as_ref())?
            .into_iter()
            .flatten()
            .collect(),
    )
}
