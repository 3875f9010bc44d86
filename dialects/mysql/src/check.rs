//! The preflight of loaded data: one query per foreign key, unique key and check (the
//! same queries that explain a failed seal), and one per table for its NOT NULL
//! columns, run over several connections.

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{MysqlConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::check::{
    json_samples, null_probes, open_connections, run_parallel_reporting, CheckOptions, Probe,
};
use schema_replicator_core::plan::table_objects;
use schema_replicator_core::{DbUrl, Error, Finding, Problem, Result, Schema};

use crate::quote_ident;
use crate::render::{check_preflight, foreign_key_preflight, sql, table_name, unique_preflight};

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    groups: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    samples: Option<String>,
}

#[derive(QueryableByName)]
struct Doc {
    #[diesel(sql_type = Nullable<Text>)]
    doc: Option<String>,
}

fn probes(schema: &Schema) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for table in &schema.tables {
        let ids = table_objects(table);
        for (fk, id) in table.foreign_keys.iter().zip(&ids.foreign_keys) {
            out.push(Probe::One {
                object: id.clone(),
                problem: Problem::OrphanRows,
                sql: foreign_key_preflight(fk, table, 0),
            });
        }
        for (index, id) in table.indexes.iter().zip(&ids.indexes) {
            if let Some(sql) = index
                .unique
                .then(|| unique_preflight(table, index, 0))
                .flatten()
            {
                out.push(Probe::One {
                    object: id.clone(),
                    problem: Problem::DuplicateKeys,
                    sql,
                });
            }
        }
        for (check, id) in table.checks.iter().zip(&ids.checks) {
            out.push(Probe::One {
                object: id.clone(),
                problem: Problem::FailingRows,
                sql: check_preflight(table, &sql(&check.expr, id)?, 0),
            });
        }
        out.extend(null_probes(
            table,
            |i, c| format!("'{i}', SUM({} IS NULL)", quote_ident(c)),
            |pairs| {
                format!(
                    "SELECT JSON_OBJECT({pairs}) AS doc FROM {}",
                    table_name(&table.name)
                )
            },
        ));
    }
    Ok(out)
}

fn run(conn: &mut MysqlConnection, url: &DbUrl, probe: &Probe) -> Result<Vec<Finding>> {
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
                .map(|r| (r.n, r.groups, json_samples(r.samples.as_deref()))))
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
    let run = |conn: &mut MysqlConnection, probe: &Probe| run(conn, url, probe);
    Ok(
        run_parallel_reporting(&mut conns, &probes, &run, options.progress.as_ref())?
            .into_iter()
            .flatten()
            .collect(),
    )
}
