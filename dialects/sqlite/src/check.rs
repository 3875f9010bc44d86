//! The preflight of loaded data: one query per foreign key, unique constraint, unique
//! index and check, and one per table for its NOT NULL columns, run before the seal's
//! table rebuilds would meet the same rows. SQLite has one writer but many readers, so
//! the queries run over several connections like on the servers.

use std::collections::HashMap;

use diesel::SqliteConnection;
use schema_replicator_core::check::{probes, run_probes, CheckOptions, Preflight, Probe};
use schema_replicator_core::{
    CheckConstraint, Column, DbUrl, Finding, ForeignKey, Index, IndexTarget, ObjectId, ObjectKind,
    Problem, QualifiedName, Result, Schema, Table, TypeKind, UniqueConstraint,
};

use crate::render::expr_sql;
use crate::{quote_ident, quote_literal};

/// Samples shown per constraint.
const SAMPLES: usize = 5;

/// SQLite's counting queries. A foreign key whose parent table the schema does not
/// have (SQLite accepts one) has no parent rows to look for, and is not counted.
struct SqlitePreflight<'a> {
    tables: HashMap<&'a QualifiedName, &'a Table>,
}

/// `'("a", "b")=(' || quote(c."a") || ', ' || quote(c."b") || ')'`: a key as messages
/// show it, each value as an SQL literal.
fn sample_expr(parts: &[(String, String)]) -> String {
    let names: Vec<&str> = parts.iter().map(|(name, _)| name.as_str()).collect();
    let values: Vec<String> = parts
        .iter()
        .map(|(_, value)| format!("quote({value})"))
        .collect();
    format!(
        "{} || {} || ')'",
        quote_literal(&format!("({})=(", names.join(", "))),
        values.join(" || ', ' || ")
    )
}

/// The columns of `table` as sample parts, read through the alias `prefix`.
fn column_parts(columns: &[String], prefix: &str) -> Vec<(String, String)> {
    columns
        .iter()
        .map(|c| (quote_ident(c), format!("{prefix}{}", quote_ident(c))))
        .collect()
}

/// Rows of `from` that match `filter`: how many, and up to five distinct samples in
/// order.
fn counted(from: &str, filter: &str, sample: &str) -> String {
    format!(
        "SELECT COUNT(*) AS n, NULL AS groups, CASE WHEN COUNT(*) > 0 THEN \
         (SELECT json_group_array(k) FROM (SELECT DISTINCT {sample} AS k FROM {from} \
         WHERE {filter} \
         ORDER BY k LIMIT {SAMPLES})) END AS samples FROM {from} WHERE {filter}"
    )
}

/// Rows of `table` that share a key (`keys`, SQL expressions), counted over the rows
/// `filter` keeps: rows in duplicated keys, the keys, and up to five of them.
fn duplicates(table: &Table, keys: &[(String, String)], filter: &str) -> String {
    let t = quote_ident(&table.name.name);
    let group: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
    let group = group.join(", ");
    format!(
        "SELECT COALESCE(SUM(d.n), 0) AS n, COUNT(*) AS groups, CASE WHEN COUNT(*) > 0 THEN \
         (SELECT json_group_array(k) FROM (SELECT {} AS k FROM {t} WHERE {filter} \
         GROUP BY {group} HAVING COUNT(*) > 1 ORDER BY k LIMIT {SAMPLES})) END AS samples \
         FROM (SELECT COUNT(*) AS n FROM {t} WHERE {filter} GROUP BY {group} \
         HAVING COUNT(*) > 1) d",
        sample_expr(keys)
    )
}

/// `a IS NOT NULL AND b IS NOT NULL`: rows whose key a unique constraint compares (NULLs
/// are distinct) and a foreign key checks.
fn not_null(values: &[(String, String)]) -> String {
    values
        .iter()
        .map(|(_, v)| format!("{v} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl Preflight for SqlitePreflight<'_> {
    fn orphan_rows(&self, table: &Table, fk: &ForeignKey) -> Option<String> {
        let parent = self.tables.get(&fk.referenced_table)?;
        let referenced = if fk.referenced_columns.is_empty() {
            parent.primary_key.as_ref()?.columns.clone()
        } else {
            fk.referenced_columns.clone()
        };
        if referenced.len() != fk.columns.len() {
            return None;
        }
        let child = column_parts(&fk.columns, "c.");
        let matches: Vec<String> = child
            .iter()
            .zip(&referenced)
            .map(|((_, c), p)| format!("p.{} = {c}", quote_ident(p)))
            .collect();
        let filter = format!(
            "{} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {})",
            not_null(&child),
            quote_ident(&parent.name.name),
            matches.join(" AND ")
        );
        let from = format!("{} AS c", quote_ident(&table.name.name));
        Some(counted(&from, &filter, &sample_expr(&child)))
    }

    fn duplicate_keys(&self, table: &Table, unique: &UniqueConstraint) -> Option<String> {
        let keys = column_parts(&unique.columns, "");
        Some(duplicates(table, &keys, &not_null(&keys)))
    }

    fn duplicate_index_keys(&self, table: &Table, index: &Index) -> Option<String> {
        let keys: Vec<(String, String)> = index
            .keys
            .iter()
            .map(|k| {
                let (shown, value) = match &k.target {
                    IndexTarget::Column(c) => (quote_ident(c), quote_ident(c)),
                    IndexTarget::Expression(e) => {
                        let sql = e.raw_sql(crate::DIALECT).ok().flatten()?.to_owned();
                        (sql.clone(), format!("({sql})"))
                    }
                    _ => return None,
                };
                let value = match &k.collation {
                    Some(collation) => format!("{value} COLLATE {}", quote_ident(collation)),
                    None => value,
                };
                Some((shown, value))
            })
            .collect::<Option<_>>()?;
        let mut filter = not_null(&keys);
        if let Some(predicate) = &index.predicate {
            let predicate = predicate.raw_sql(crate::DIALECT).ok().flatten()?;
            filter = format!("{filter} AND ({predicate})");
        }
        Some(duplicates(table, &keys, &filter))
    }

    fn failing_rows(
        &self,
        table: &Table,
        check: &CheckConstraint,
        id: &ObjectId,
    ) -> Result<Option<String>> {
        let expr = expr_sql(&check.expr, id)?;
        let sample = match &table.primary_key {
            Some(pk) => sample_expr(&column_parts(&pk.columns, "")),
            None => "'(rowid)=(' || rowid || ')'".to_owned(),
        };
        // A check passes unless its condition is false (NULL passes).
        Ok(Some(counted(
            &quote_ident(&table.name.name),
            &format!("NOT ({expr})"),
            &sample,
        )))
    }

    fn null_count(&self, key: usize, column: &str) -> String {
        format!("'{key}', SUM({} IS NULL)", quote_ident(column))
    }

    fn nulls_query(&self, table: &Table, pairs: &str) -> String {
        format!(
            "SELECT json_object({pairs}) AS doc FROM {}",
            quote_ident(&table.name.name)
        )
    }
}

/// Checks the loaded data at `url` (which must exist) against `schema`'s constraints.
pub(crate) fn check(url: &DbUrl, schema: &Schema, options: &CheckOptions) -> Result<Vec<Finding>> {
    let preflight = SqlitePreflight {
        tables: schema.tables.iter().map(|t| (&t.name, t)).collect(),
    };
    let probes = probes(schema, &preflight)?;
    let run = |conn: &mut SqliteConnection, probe: &Probe| {
        schema_replicator_diesel::run_json_probe(conn, url, probe)
    };
    run_probes(&probes, options, || crate::connect(url, true), &run)
}

/// The condition under which a value of `column` is one a server's column of the type
/// its declared type translates to refuses (docs/type-mapping.md): text or a blob in an
/// integer or numeric column (SQLite keeps any value in any column), a date that is not
/// a date, text longer than a declared length. `None` for a column whose translation
/// takes any value (text).
fn unfit(column: &Column) -> Option<String> {
    let c = quote_ident(&column.name);
    let upper = column.data_type.raw.to_ascii_uppercase();
    let integer = format!("typeof({c}) NOT IN ('integer', 'null')");
    let number = format!("typeof({c}) NOT IN ('integer', 'real', 'null')");
    match TypeKind::from_sql_name(&column.data_type.raw) {
        TypeKind::Integer { .. } | TypeKind::Boolean => Some(integer),
        TypeKind::Decimal { .. } | TypeKind::Float { .. } => Some(number),
        TypeKind::Date | TypeKind::Timestamp { .. } => Some(format!(
            "typeof({c}) <> 'null' AND (typeof({c}) <> 'text' OR datetime({c}) IS NULL)"
        )),
        TypeKind::Char { length: Some(n) } | TypeKind::Varchar { length: Some(n) } => {
            Some(format!("length({c}) > {n}"))
        }
        TypeKind::Other if upper.contains("INT") => Some(integer),
        TypeKind::Other if ["REAL", "FLOA", "DOUB"].iter().any(|a| upper.contains(a)) => {
            Some(number)
        }
        _ => None,
    }
}

/// Counts, per column of the source at `url`, the values a server's translated column
/// would refuse (see [`unfit`]): one query per column, with up to five sample keys.
pub(crate) fn unfit_values(
    url: &DbUrl,
    schema: &Schema,
    options: &CheckOptions,
) -> Result<Vec<Finding>> {
    let mut probes = Vec::new();
    for table in &schema.tables {
        let sample = match &table.primary_key {
            Some(pk) => sample_expr(&column_parts(&pk.columns, "")),
            None => "'(rowid)=(' || rowid || ')'".to_owned(),
        };
        for (i, column) in table.columns.iter().enumerate() {
            if column.generated.is_some() {
                continue;
            }
            let Some(filter) = unfit(column) else {
                continue;
            };
            probes.push(Probe::One {
                object: ObjectId::owned(ObjectKind::Column, &table.name, column.name.clone(), i),
                problem: Problem::UnfitValues,
                sql: counted(&quote_ident(&table.name.name), &filter, &sample),
            });
        }
    }
    let run = |conn: &mut SqliteConnection, probe: &Probe| {
        schema_replicator_diesel::run_json_probe(conn, url, probe)
    };
    run_probes(&probes, options, || crate::connect(url, true), &run)
}
