//! The preflight of loaded data: one query per foreign key, unique key and check (the
//! same queries that explain a failed seal), and one per table for its NOT NULL
//! columns, run over several connections.

use std::collections::HashSet;

use diesel::MysqlConnection;
use schema_replicator_core::check::{probes, run_probes, CheckOptions, Preflight, Probe};
use schema_replicator_core::{
    CheckConstraint, DbUrl, Finding, ForeignKey, Index, ObjectId, ObjectKind, Problem,
    QualifiedName, Result, Schema, Table, UniqueConstraint,
};

use crate::quote_ident;
use crate::render::{
    check_preflight, dangling, expr_sql, foreign_key_preflight, table_name, unique_preflight,
};

/// MySQL's preflight queries (in `render`, where they also explain a failed seal).
/// MySQL keeps unique keys as unique indexes: the schema has no unique constraints.
/// A foreign key to a table that does not exist has no orphans to count.
struct MysqlPreflight<'a> {
    tables: HashSet<&'a QualifiedName>,
}

impl Preflight for MysqlPreflight<'_> {
    fn orphan_rows(&self, table: &Table, fk: &ForeignKey) -> Option<String> {
        (!dangling(fk, &self.tables)).then(|| foreign_key_preflight(fk, table, 0))
    }

    fn duplicate_keys(&self, _table: &Table, _unique: &UniqueConstraint) -> Option<String> {
        None
    }

    fn duplicate_index_keys(&self, table: &Table, index: &Index) -> Option<String> {
        unique_preflight(table, index, 0)
    }

    fn failing_rows(
        &self,
        table: &Table,
        check: &CheckConstraint,
        id: &ObjectId,
    ) -> Result<Option<String>> {
        Ok(Some(check_preflight(table, &expr_sql(&check.expr, id)?, 0)))
    }

    fn null_count(&self, key: usize, column: &str) -> String {
        format!("'{key}', SUM({} IS NULL)", quote_ident(column))
    }

    fn nulls_query(&self, table: &Table, pairs: &str) -> String {
        format!(
            "SELECT JSON_OBJECT({pairs}) AS doc FROM {}",
            table_name(&table.name)
        )
    }
}

/// Checks the loaded data at `url` against `schema`'s constraints.
pub(crate) fn check(url: &DbUrl, schema: &Schema, options: &CheckOptions) -> Result<Vec<Finding>> {
    let preflight = MysqlPreflight {
        tables: schema.tables.iter().map(|t| &t.name).collect(),
    };
    let probes = probes(schema, &preflight)?;
    let run = |conn: &mut MysqlConnection, probe: &Probe| {
        schema_replicator_diesel::run_json_probe(conn, url, probe)
    };
    run_probes(&probes, options, || crate::connect(url), &run)
}

/// Counts, per date, datetime and timestamp column of the source at `url`, the zero
/// dates (a zero year, month or day) that another dialect cannot hold: one query per
/// column, over several connections, with up to five sample keys.
pub(crate) fn zero_dates(
    url: &DbUrl,
    schema: &Schema,
    options: &CheckOptions,
) -> Result<Vec<Finding>> {
    let mut probes = Vec::new();
    for table in &schema.tables {
        for (i, column) in table.columns.iter().enumerate() {
            let raw = column.data_type.raw.to_ascii_lowercase();
            let dated = raw.starts_with("date") || raw.starts_with("timestamp");
            if !dated || column.generated.is_some() {
                continue;
            }
            let c = quote_ident(&column.name);
            let zero = format!("(YEAR({c}) = 0 OR MONTH({c}) = 0 OR DAYOFMONTH({c}) = 0)");
            let sample = match &table.primary_key {
                Some(pk) if !pk.columns.is_empty() => {
                    let parts: Vec<String> = pk.columns.iter().map(|k| quote_ident(k)).collect();
                    format!("CONCAT_WS(',', {})", parts.join(", "))
                }
                _ => format!("CAST({c} AS CHAR)"),
            };
            let from = table_name(&table.name);
            probes.push(Probe::One {
                object: ObjectId::owned(ObjectKind::Column, &table.name, column.name.clone(), i),
                problem: Problem::ZeroDates,
                sql: format!(
                    "SELECT CAST(COUNT(*) AS SIGNED) AS n, CAST(NULL AS SIGNED) AS `groups`, \
                     CASE WHEN COUNT(*) > 0 THEN (SELECT JSON_ARRAYAGG(s.k) FROM (SELECT \
                     {sample} AS k FROM {from} WHERE {zero} ORDER BY k LIMIT 5) s) END AS samples \
                     FROM {from} WHERE {zero}"
                ),
            });
        }
    }
    let run = |conn: &mut MysqlConnection, probe: &Probe| {
        schema_replicator_diesel::run_json_probe(conn, url, probe)
    };
    run_probes(&probes, options, || crate::connect(url), &run)
}
