//! The preflight of loaded data: one query per foreign key, unique constraint, unique
//! index and check (the same queries that explain a failed seal), and one per table
//! for its NOT NULL columns, run over several connections. Constraints kept NOT VALID
//! are not checked: the seal does not validate them either.

use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::check::{probes, run_probes, CheckOptions, Preflight, Probe};
use schema_replicator_core::{
    CheckConstraint, DbUrl, Error, Expr, Finding, ForeignKey, Index, ObjectId, Result, Schema,
    Table, UniqueConstraint,
};

use crate::quote_ident;
use crate::render::{
    check_preflight, duplicates_preflight, expr_sql, orphans_preflight, qname,
    unique_index_preflight,
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

/// PostgreSQL's preflight queries (in `render`, where they also explain a failed seal).
struct PgPreflight;

impl Preflight for PgPreflight {
    fn orphan_rows(&self, table: &Table, fk: &ForeignKey) -> Option<String> {
        (!not_valid(&fk.definition)).then(|| orphans_preflight(table, fk))
    }

    fn duplicate_keys(&self, table: &Table, unique: &UniqueConstraint) -> Option<String> {
        Some(duplicates_preflight(table, &unique.columns))
    }

    fn duplicate_index_keys(&self, table: &Table, index: &Index) -> Option<String> {
        index
            .predicate
            .is_none()
            .then(|| unique_index_preflight(table, index))
            .flatten()
    }

    fn failing_rows(
        &self,
        table: &Table,
        check: &CheckConstraint,
        id: &ObjectId,
    ) -> Result<Option<String>> {
        if not_valid(&check.definition) {
            return Ok(None);
        }
        Ok(Some(check_preflight(table, &expr_sql(&check.expr, id)?)))
    }

    fn null_count(&self, key: usize, column: &str) -> String {
        format!(
            "'{key}', count(*) FILTER (WHERE {} IS NULL)",
            quote_ident(column)
        )
    }

    fn nulls_query(&self, table: &Table, pairs: &str) -> String {
        format!(
            "SELECT json_build_object({pairs})::text AS doc FROM {}",
            qname(&table.name)
        )
    }
}

fn run(conn: &mut PgConnection, url: &DbUrl, probe: &Probe) -> Result<Vec<Finding>> {
    let fail = |e: diesel::result::Error| Error::Check {
        object: probe.describe(),
        reason: url.one_line(&e.to_string()),
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
    let probes = probes(schema, &PgPreflight)?;
    let run = |conn: &mut PgConnection, probe: &Probe| run(conn, url, probe);
    run_probes(&probes, options, || crate::connect(url), &run)
}
