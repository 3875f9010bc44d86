//! Rendering: `CREATE TABLE` for base, then for the seal up to three `ALTER TABLE`
//! statements per table, shaped so that the server copies each table at most once
//! (twice when it has checks and an AUTO_INCREMENT that base could not keep):
//! 1. its checks (`ADD CHECK`, `MODIFY COLUMN` for MariaDB's column checks): adding a
//!    check always copies the table, and the copy is cheapest before the secondary
//!    indexes exist;
//! 2. its indexes and AUTO_INCREMENT counter, which the server adds in place (each index
//!    built by sorting, no table copy);
//! 3. its foreign keys, after every table's keys, so that each finds the declared index
//!    on its columns and the key it references (MariaDB's own index of a foreign key,
//!    which reflection does not list, is created by this statement, as in the source). The
//!    applier adds them without a table copy and counts orphan rows itself
//!    ([`crate::apply`]); run by hand with the server's checks on, the statement copies
//!    the table and checks every row.
//!
//! Views and triggers follow.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;

use schema_replicator_core::{
    quoted, Column, Error, Expr, ForeignKey, GrantTarget, Identity, LockMode, ObjectId, ObjectKind,
    Phase, Plan, QualifiedName, ReferentialAction, Result, Schema, Statement, Table, TableLock,
    TableOption,
};

use crate::{quote_ident, quote_literal, DIALECT, SESSION_SQL_MODE};

fn render_error(object: impl Display, reason: impl Into<String>) -> Error {
    Error::Render {
        object: object.to_string(),
        dialect: DIALECT.into(),
        reason: reason.into(),
    }
}

/// SQL text of an expression of this dialect: its raw SQL, or a literal as MySQL
/// writes it.
pub(crate) fn expr_sql(expr: &Expr, object: &dyn Display) -> Result<String> {
    let raw = expr.raw_sql(DIALECT).map_err(|other| {
        render_error(
            object,
            format!("it holds {other} SQL, which MySQL cannot run"),
        )
    })?;
    if let Some(sql) = raw {
        return Ok(sql.to_owned());
    }
    match expr {
        Expr::Literal { value } => Ok(match value {
            schema_replicator_core::Literal::Null => "NULL".into(),
            schema_replicator_core::Literal::Number(n) => n.clone(),
            schema_replicator_core::Literal::String(s) => quote_literal(s),
            _ => return Err(render_error(object, "an unknown kind of literal")),
        }),
        _ => Err(render_error(object, "an unknown kind of expression")),
    }
}

/// A table name as SQL: `` `db`.`t` `` when it lives in another database.
pub(crate) fn table_name(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&name.name)),
        None => quote_ident(&name.name),
    }
}

fn columns_sql(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether base can keep the column's AUTO_INCREMENT: MySQL wants the column to lead
/// a key, and in base only the primary key exists.
fn auto_increment_in_base(table: &Table, column: &Column) -> bool {
    table
        .primary_key
        .as_ref()
        .and_then(|pk| pk.columns.first())
        .is_some_and(|c| *c == column.name)
}

/// One column definition as `SHOW CREATE TABLE` orders its parts.
fn column_sql(
    table: &Table,
    column: &Column,
    auto_increment: bool,
    checks: &[String],
) -> Result<String> {
    let object = format!("column {} of table {}", quoted(&column.name), table.name);
    let mut out = format!("{} {}", quote_ident(&column.name), column.data_type.raw);
    if let Some(collation) = &column.collation {
        out.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(row) = system_time(column) {
        // A system-versioned table's own period column (MariaDB).
        out.push_str(&format!(" GENERATED ALWAYS AS ROW {row}"));
        if column.invisible {
            out.push_str(" INVISIBLE");
        }
    } else if let Some(generated) = &column.generated {
        out.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            expr_sql(&generated.expr, &object)?,
            if generated.stored {
                "STORED"
            } else {
                "VIRTUAL"
            }
        ));
        if !column.nullable {
            out.push_str(" NOT NULL");
        }
        if column.invisible {
            out.push_str(" INVISIBLE");
        }
    } else {
        out.push_str(if column.nullable {
            " NULL"
        } else {
            " NOT NULL"
        });
        if column.invisible {
            out.push_str(" INVISIBLE");
        }
        if let Some(default) = &column.default {
            out.push_str(&format!(" DEFAULT {}", expr_sql(default, &object)?));
        }
        if let Some(on_update) = &column.on_update {
            out.push_str(&format!(" ON UPDATE {}", expr_sql(on_update, &object)?));
        }
        if auto_increment && matches!(column.identity, Some(Identity::AutoIncrement { .. })) {
            out.push_str(" AUTO_INCREMENT");
        }
    }
    if let Some(comment) = &column.comment {
        out.push_str(&format!(" COMMENT {}", quote_literal(comment)));
    }
    for check in checks {
        out.push_str(&format!(" CHECK ({check})"));
    }
    Ok(out)
}

/// `START` or `END` for a column that holds a row's system time (`GENERATED ALWAYS AS
/// ROW START`), which MariaDB lists as a column generated from `ROW START`.
fn system_time(column: &Column) -> Option<&'static str> {
    let generated = column.generated.as_ref()?;
    match &generated.expr {
        Expr::Raw { sql, .. } if sql == "ROW START" => Some("START"),
        Expr::Raw { sql, .. } if sql == "ROW END" => Some("END"),
        _ => None,
    }
}

/// The base `CREATE TABLE`: columns and the primary key, with the table's options.
/// The `CREATE TABLE` of `table`: bare for `base` (columns and primary key, an
/// AUTO_INCREMENT only where the primary key lets it stay), or, when `complete`, with
/// its indexes, checks and foreign keys too, as `SHOW CREATE TABLE` shows a table (the
/// applier creates it with the foreign key checks off, so the tables it references
/// need not exist yet).
fn create_table(table: &Table, complete: bool) -> Result<String> {
    let object = format!("table {}", table.name);
    let mut column_checks: HashMap<&str, Vec<String>> = HashMap::new();
    let mut table_checks = Vec::new();
    if complete {
        for check in &table.checks {
            let text = expr_sql(&check.expr, &format!("check of {object}"))?;
            match &check.column {
                Some(column) => column_checks.entry(column).or_default().push(text),
                None => table_checks.push((check, text)),
            }
        }
    }
    let mut lines = Vec::new();
    for column in &table.columns {
        let keep = complete || auto_increment_in_base(table, column);
        let checks = column_checks
            .remove(column.name.as_str())
            .unwrap_or_default();
        lines.push(format!("  {}", column_sql(table, column, keep, &checks)?));
    }
    if let Some(column) = column_checks.keys().next() {
        return Err(check_of_missing_column(&object, column));
    }
    if let Some(pk) = &table.primary_key {
        let definition = match &pk.definition {
            Some(d) => expr_sql(d, &format!("primary key of {object}"))?,
            None => format!("PRIMARY KEY ({})", columns_sql(&pk.columns)),
        };
        lines.push(format!("  {definition}"));
    }
    if complete {
        for index in &table.indexes {
            lines.push(format!("  {}", index_sql(index, &object)?));
        }
    }
    let start = table
        .columns
        .iter()
        .find(|c| system_time(c) == Some("START"));
    let end = table.columns.iter().find(|c| system_time(c) == Some("END"));
    if let (Some(start), Some(end)) = (start, end) {
        lines.push(format!(
            "  PERIOD FOR SYSTEM_TIME ({}, {})",
            quote_ident(&start.name),
            quote_ident(&end.name)
        ));
    }
    if complete {
        for fk in &table.foreign_keys {
            lines.push(format!("  {}", foreign_key_sql(fk, table)?));
        }
        for (check, text) in table_checks {
            lines.push(format!("  {}", check_sql(check, &text)));
        }
    }
    let mut out = format!(
        "CREATE TABLE {} (\n{}\n)",
        table_name(&table.name),
        lines.join(",\n")
    );
    let mut partitioning = None;
    for option in &table.options {
        match option {
            TableOption::Engine(engine) => out.push_str(&format!(" ENGINE={engine}")),
            TableOption::Collation(collation) => {
                out.push_str(&format!(" DEFAULT COLLATE={collation}"))
            }
            TableOption::CreateOptions(options) => {
                for option in options {
                    out.push(' ');
                    out.push_str(option);
                }
            }
            TableOption::Partitioning(clause) => partitioning = Some(clause),
            other => {
                return Err(render_error(
                    format!("table {}", table.name),
                    format!("the table option {other:?} has no MySQL form"),
                ))
            }
        }
    }
    if let Some(comment) = &table.comment {
        out.push_str(&format!(" COMMENT={}", quote_literal(comment)));
    }
    if let Some(clause) = partitioning {
        out.push('\n');
        out.push_str(clause);
    }
    Ok(out)
}

/// The refusal of a column check whose column the table does not have.
fn check_of_missing_column(table: &str, column: &str) -> Error {
    render_error(
        format!("check of {table}"),
        format!(
            "it belongs to a column {} the table does not have",
            quoted(column)
        ),
    )
}

/// An index's definition (`KEY ...`, `UNIQUE KEY ...`, `FULLTEXT KEY ...`), as the
/// source's server wrote it.
fn index_sql(index: &schema_replicator_core::Index, table: &str) -> Result<String> {
    match &index.definition {
        Some(d) => expr_sql(d, &format!("index {} of {table}", quoted(&index.name))),
        None => Err(render_error(
            format!("index {} of {table}", quoted(&index.name)),
            "it has no MySQL definition (it comes from another dialect)",
        )),
    }
}

/// A table check as a table element (`CONSTRAINT name CHECK (...)`), or the
/// application-time period that stands behind it (MariaDB).
fn check_sql(check: &schema_replicator_core::CheckConstraint, text: &str) -> String {
    if let Some(Expr::Raw { sql, .. }) = &check.definition {
        if sql.starts_with("PERIOD FOR ") {
            return sql.clone();
        }
    }
    let name = check
        .name
        .as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default();
    format!("{name}CHECK ({text})")
}

fn action_sql(fk: &ForeignKey) -> String {
    let mut out = String::new();
    // RESTRICT is MySQL's default, and SHOW CREATE TABLE leaves it out.
    if fk.on_delete != ReferentialAction::Restrict {
        out.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != ReferentialAction::Restrict {
        out.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    out
}

fn foreign_key_sql(fk: &ForeignKey, table: &Table) -> Result<String> {
    let object = format!("foreign key on table {}", table.name);
    if fk.referenced_columns.is_empty() {
        return Err(render_error(object, "it names no referenced columns"));
    }
    let name = fk
        .name
        .as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default();
    Ok(format!(
        "{name}FOREIGN KEY ({}) REFERENCES {} ({}){}",
        columns_sql(&fk.columns),
        table_name(&fk.referenced_table),
        columns_sql(&fk.referenced_columns),
        action_sql(fk)
    ))
}

/// Counts the rows a foreign key would reject, with up to five sample keys. The
/// samples are looked for only when there are rows to show (MariaDB evaluates a `CASE`
/// branch's subquery only when it takes the branch), so a clean table is read once: the
/// applier runs this after every foreign key it adds. The same holds for the queries
/// below.
pub(crate) fn foreign_key_preflight(fk: &ForeignKey, table: &Table, label: usize) -> String {
    let child = table_name(&table.name);
    let parent = table_name(&fk.referenced_table);
    let not_null: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", quote_ident(c)))
        .collect();
    let join: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.referenced_columns)
        .map(|(c, p)| format!("p.{} = c.{}", quote_ident(p), quote_ident(c)))
        .collect();
    let orphan = format!(
        "{} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
        not_null.join(" AND "),
        join.join(" AND ")
    );
    let sample = sample_expr(&fk.columns, "c.");
    format!(
        "SELECT {label} AS object, CAST(COUNT(*) AS SIGNED) AS n, CAST(NULL AS SIGNED) AS groups, \
         CASE WHEN COUNT(*) > 0 THEN (SELECT JSON_ARRAYAGG(s.k) FROM (SELECT {sample} AS k \
         FROM {child} c WHERE {orphan} ORDER BY k LIMIT 5) s) END AS samples \
         FROM {child} c WHERE {orphan}"
    )
}

/// Whether a foreign key references a table of this database that the schema does not
/// have (the source made it with `foreign_key_checks = 0`).
pub(crate) fn dangling(fk: &ForeignKey, tables: &HashSet<&QualifiedName>) -> bool {
    fk.referenced_table.schema.is_none() && !tables.contains(&fk.referenced_table)
}

/// A preflight of the foreign key statement's shape that finds nothing.
const NOTHING_TO_COUNT: &str = "SELECT 0 AS object, CAST(0 AS SIGNED) AS n, \
     CAST(NULL AS SIGNED) AS groups, CAST(NULL AS CHAR) AS samples FROM DUAL WHERE FALSE";

/// `` CONCAT('(`a`, `b`)=(', c.`a`, ', ', c.`b`, ')') ``: a key as messages show it.
fn sample_expr(columns: &[String], prefix: &str) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let values: Vec<String> = columns
        .iter()
        .map(|c| format!("{prefix}{}", quote_ident(c)))
        .collect();
    format!(
        "CONCAT({}, CONCAT_WS(', ', {}), ')')",
        quote_literal(&format!("({})=(", names.join(", "))),
        values.join(", ")
    )
}

/// Counts the rows in duplicated keys of a unique index, with up to five sample keys.
pub(crate) fn unique_preflight(
    table: &Table,
    index: &schema_replicator_core::Index,
    label: usize,
) -> Option<String> {
    // A key WITHOUT OVERLAPS refuses overlapping periods, not equal keys: the server's
    // own message explains a failure.
    if matches!(&index.definition, Some(Expr::Raw { sql, .. }) if sql.contains(" WITHOUT OVERLAPS)"))
    {
        return None;
    }
    let columns: Vec<String> = index
        .keys
        .iter()
        .map(|k| match &k.target {
            schema_replicator_core::IndexTarget::Column(c) => Some(c.clone()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let t = table_name(&table.name);
    let not_null: Vec<String> = columns
        .iter()
        .map(|c| format!("{} IS NOT NULL", quote_ident(c)))
        .collect();
    Some(format!(
        "SELECT {label} AS object, CAST(COALESCE(SUM(d.n), 0) AS SIGNED) AS n, \
         CAST(COUNT(*) AS SIGNED) AS groups, \
         CASE WHEN COUNT(*) > 0 THEN (SELECT JSON_ARRAYAGG(s.k) FROM (SELECT k FROM \
         (SELECT {} AS k, COUNT(*) AS n FROM {t} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) x \
         ORDER BY k LIMIT 5) s) END AS samples \
         FROM (SELECT COUNT(*) AS n FROM {t} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) d",
        sample_expr(&columns, ""),
        not_null.join(" AND "),
        columns_sql(&columns),
        not_null.join(" AND "),
        columns_sql(&columns),
    ))
}

/// Counts the rows a check rejects, with up to five sample primary keys.
pub(crate) fn check_preflight(table: &Table, expr: &str, label: usize) -> String {
    let t = table_name(&table.name);
    let sample = match &table.primary_key {
        Some(pk) => sample_expr(&pk.columns, ""),
        None => "'(a row)'".into(),
    };
    format!(
        "SELECT {label} AS object, CAST(COUNT(*) AS SIGNED) AS n, CAST(NULL AS SIGNED) AS groups, \
         CASE WHEN COUNT(*) > 0 THEN (SELECT JSON_ARRAYAGG(s.k) FROM (SELECT {sample} AS k \
         FROM {t} WHERE NOT ({expr}) ORDER BY k LIMIT 5) s) END AS samples \
         FROM {t} WHERE NOT ({expr})"
    )
}

/// What one table's seal statements carry.
#[derive(Default)]
struct TableSeal {
    indexes: Vec<usize>,
    checks: Vec<usize>,
    foreign_keys: Vec<usize>,
    /// The AUTO_INCREMENT counter's object, when the plan syncs it.
    counter: Option<ObjectId>,
    /// The table was created complete, its AUTO_INCREMENT with it.
    complete: bool,
}

/// Renders every step of the plan.
/// With `only`, the steps of other phases are read (for what they decide, such as keys
/// left to the seal), not rendered: the statements of `only` are those a full render
/// gives.
pub(crate) fn render(schema: &Schema, plan: &Plan, only: Option<Phase>) -> Result<Vec<Statement>> {
    if let Some(kind) = [
        (!schema.namespaces.is_empty()).then_some("schemas"),
        (!schema.extensions.is_empty()).then_some("extensions"),
        (!schema.types.is_empty()).then_some("user-defined types"),
        schema
            .sequences
            .iter()
            .any(|s| s.owned_by.is_some())
            .then_some("sequences owned by columns"),
    ]
    .into_iter()
    .flatten()
    .next()
    {
        return Err(render_error(
            format!("the {} schema", schema.dialect),
            format!("it holds {kind}, which this dialect does not create"),
        ));
    }
    let tables: HashMap<&QualifiedName, &Table> =
        schema.tables.iter().map(|t| (&t.name, t)).collect();
    let shared = schema_replicator_core::plan::PlanIds::new(plan);
    let ids: HashMap<&QualifiedName, schema_replicator_core::plan::TableObjects> = schema
        .tables
        .iter()
        .map(|t| (&t.name, shared.table_objects(t)))
        .collect();
    let mut out = Vec::new();
    let mut seals = Seals::new(&tables, &ids);
    for step in plan
        .steps
        .iter()
        .filter(|s| only.is_none_or(|phase| s.phase == phase))
    {
        let object = &step.object;
        match (step.phase, object.kind) {
            (Phase::Pre, ObjectKind::Sequence) => {
                let sequence = listed(object, &schema.sequences)?;
                out.push(Statement::new(
                    Some(Phase::Pre),
                    vec![object.clone()],
                    sequence_sql(sequence),
                ));
            }
            (Phase::Seal, ObjectKind::Counter) if object.table.is_none() => {
                // A sequence's state: the next value it hands out, as mysqldump sets it.
                let sequence = listed(object, &schema.sequences)?;
                if let Some(last) = sequence.last_value {
                    out.push(Statement::new(
                        Some(Phase::Seal),
                        vec![object.clone()],
                        format!(
                            "DO SETVAL({}, {}, 0)",
                            table_name(&sequence.name),
                            last.saturating_add(sequence.increment)
                        ),
                    ));
                }
            }
            (Phase::Pre, ObjectKind::Routine) => {
                let routine = listed(object, &schema.routines)?;
                let create = expr_sql(&routine.definition, object)?;
                // A package's body is created by the same statement, with the same definer.
                let defined = match create.split_once(PACKAGE_BODY) {
                    Some((spec, body)) => format!(
                        "{};\n{}",
                        defined_by(&routine.definer, spec),
                        defined_by(&routine.definer, &format!("CREATE PACKAGE BODY {body}"))
                    ),
                    None => defined_by(&routine.definer, &create),
                };
                let mut statement = Statement::new(
                    Some(Phase::Pre),
                    vec![object.clone()],
                    in_context(&routine.settings, defined),
                );
                needs_definer(&mut statement, &routine.definer);
                out.push(statement);
            }
            (Phase::Seal, ObjectKind::Event) => {
                seals.flush(&mut out)?;
                let event = listed(object, &schema.events)?;
                let mut statement = Statement::new(
                    Some(Phase::Seal),
                    vec![object.clone()],
                    in_context(&event.settings, event_sql(event, object)?),
                );
                needs_definer(&mut statement, &event.definer);
                out.push(statement);
            }
            (Phase::Base, ObjectKind::Table) => {
                let table = lookup(&tables, object)?;
                let complete = plan.complete_tables;
                let mut objects = vec![object.clone()];
                if complete {
                    let table_ids = &ids[&table.name];
                    objects.extend(table_ids.indexes.iter().cloned());
                    objects.extend(table_ids.checks.iter().cloned());
                    objects.extend(table_ids.foreign_keys.iter().cloned());
                }
                out.push(Statement::new(
                    Some(Phase::Base),
                    objects,
                    create_table(table, complete)?,
                ));
            }
            (Phase::Base, ObjectKind::Index | ObjectKind::Check | ObjectKind::ForeignKey)
                if plan.complete_tables =>
            {
                // Created with its table (above).
                lookup(&tables, object)?;
            }
            (
                Phase::Seal,
                ObjectKind::Index
                | ObjectKind::Check
                | ObjectKind::ForeignKey
                | ObjectKind::Counter
                | ObjectKind::Unique,
            ) => {
                let table = lookup(&tables, object)?;
                let table_ids = &ids[&table.name];
                let seal = seals.of(&table.name);
                seal.complete = plan.complete_tables;
                let position = |list: &[ObjectId]| list.iter().position(|o| o == object);
                match object.kind {
                    ObjectKind::Index => seal.indexes.extend(position(&table_ids.indexes)),
                    ObjectKind::Check => seal.checks.extend(position(&table_ids.checks)),
                    ObjectKind::ForeignKey => {
                        seal.foreign_keys.extend(position(&table_ids.foreign_keys))
                    }
                    ObjectKind::Counter => seal.counter = Some(object.clone()),
                    _ => {
                        return Err(render_error(
                            object,
                            "MySQL keeps unique constraints as unique indexes; this one \
                             comes from another dialect",
                        ))
                    }
                }
            }
            (Phase::Seal, ObjectKind::Grant) => {
                seals.flush(&mut out)?;
                let grant = object
                    .in_list(&schema.grants)
                    .ok_or_else(|| render_error(object, "not in the schema"))?;
                let mut statement =
                    Statement::new(Some(Phase::Seal), vec![object.clone()], grant_sql(grant));
                statement.needs_mut().grantees.push(grant.grantee.clone());
                out.push(statement);
            }
            (Phase::Seal, ObjectKind::View) => {
                seals.flush(&mut out)?;
                let view = listed(object, &schema.views)?;
                let mut statement =
                    Statement::new(Some(Phase::Seal), vec![object.clone()], view_sql(view)?);
                needs_definer(&mut statement, &view.definer);
                let calls = called_functions(&expr_sql(&view.query, object)?);
                if !calls.is_empty() {
                    statement.needs_mut().calls = calls;
                }
                out.push(statement);
            }
            (Phase::Seal, ObjectKind::Trigger) => {
                seals.flush(&mut out)?;
                let trigger = listed(object, &schema.triggers)?;
                let create = expr_sql(&trigger.definition, object)?;
                let mut statement = Statement::new(
                    Some(Phase::Seal),
                    vec![object.clone()],
                    in_context(&trigger.settings, defined_by(&trigger.definer, &create)),
                );
                needs_definer(&mut statement, &trigger.definer);
                out.push(statement);
            }
            (phase, _) => {
                return Err(render_error(
                    object,
                    format!("MySQL has no {phase}-phase form of this object"),
                ))
            }
        }
    }
    seals.flush(&mut out)?;
    Ok(out)
}

fn lookup<'a>(tables: &HashMap<&QualifiedName, &'a Table>, object: &ObjectId) -> Result<&'a Table> {
    object
        .table
        .as_ref()
        .and_then(|t| tables.get(t).copied())
        .ok_or_else(|| render_error(object, "its table is not in the schema"))
}

/// Session settings an object keeps (MySQL stores them with views, triggers, routines
/// and events; events also their time zone).
const KEPT_SETTINGS: [&str; 4] = [
    "sql_mode",
    "character_set_client",
    "collation_connection",
    "time_zone",
];

/// `create` run under `settings`, then the session put back as [`crate::connect`] set it.
fn with_settings(settings: &[(String, String)], create: String) -> String {
    let set: Vec<String> = settings
        .iter()
        .filter(|(k, _)| KEPT_SETTINGS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k} = {}", quote_literal(v)))
        .collect();
    if set.is_empty() {
        return create;
    }
    let zone = settings.iter().any(|(k, _)| k == "time_zone");
    format!(
        "SET SESSION {}; {create}; SET SESSION sql_mode = {}{}; SET NAMES utf8mb4",
        set.join(", "),
        quote_literal(SESSION_SQL_MODE),
        if zone {
            ", time_zone = @@GLOBAL.time_zone"
        } else {
            ""
        }
    )
}

/// Where a package's definition goes on with its body (see the reflection).
const PACKAGE_BODY: &str = ";\nCREATE PACKAGE BODY ";

/// `CREATE SEQUENCE` as `SHOW CREATE SEQUENCE` prints it.
fn sequence_sql(sequence: &schema_replicator_core::Sequence) -> String {
    let mut out = format!(
        "CREATE SEQUENCE {} start with {} minvalue {} maxvalue {} increment by {} cache {} {}",
        table_name(&sequence.name),
        sequence.start,
        sequence.min_value,
        sequence.max_value,
        sequence.increment,
        sequence.cache,
        if sequence.cycle { "cycle" } else { "nocycle" }
    );
    for option in &sequence.options {
        if let Some(engine) = option.strip_prefix("engine=") {
            out.push_str(&format!(" ENGINE={engine}"));
        }
    }
    if let Some(comment) = &sequence.comment {
        out.push_str(&format!(" COMMENT={}", quote_literal(comment)));
    }
    out
}

/// Records `definer`, if any, as an account `statement` needs the applying user to be
/// allowed to name.
fn needs_definer(statement: &mut Statement, definer: &Option<String>) {
    if let Some(definer) = definer {
        statement.needs_mut().definers.push(definer.clone());
    }
}

/// The stored functions a view's query calls in this database: MySQL writes a stored
/// function call as a quoted name followed by `(` (built-in functions are unquoted), and
/// one in another database qualified, which is left alone.
pub(crate) fn called_functions(query: &str) -> Vec<String> {
    let chars: Vec<char> = query.chars().collect();
    let mut calls: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\'' | '"' => {
                // A string literal: quotes doubled or backslash-escaped inside.
                let quote = chars[i];
                i += 1;
                while i < chars.len() {
                    if chars[i] == '\\' {
                        i += 2;
                        continue;
                    }
                    if chars[i] == quote {
                        if chars.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            '`' => {
                let qualified = i > 0 && chars[i - 1] == '.';
                let mut name = String::new();
                i += 1;
                while i < chars.len() {
                    if chars[i] == '`' {
                        if chars.get(i + 1) == Some(&'`') {
                            name.push('`');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    name.push(chars[i]);
                    i += 1;
                }
                i += 1;
                let called = chars.get(i) == Some(&'(');
                let qualifies = chars.get(i) == Some(&'.');
                if called && !qualified && !qualifies && !calls.contains(&name) {
                    calls.push(name);
                }
            }
            _ => i += 1,
        }
    }
    calls
}

/// `GRANT ... ON ... TO ...` for the target's own database: the names are left
/// unqualified (`ON *` is the connection's database).
fn grant_sql(grant: &schema_replicator_core::Grant) -> String {
    let on = match &grant.on {
        GrantTarget::Table(name) => table_name(name),
        GrantTarget::Routine { kind, name } => format!("{} {}", kind.sql(), table_name(name)),
        _ => "*".to_owned(),
    };
    format!(
        "GRANT {} ON {on} TO {}{}",
        grant.privileges.join(", "),
        grantee_sql(&grant.grantee),
        if grant.grantable {
            " WITH GRANT OPTION"
        } else {
            ""
        }
    )
}

/// A grantee as the catalog writes it (`'user'@'host'`, unescaped) as SQL.
fn grantee_sql(grantee: &str) -> String {
    match grantee
        .strip_prefix('\'')
        .and_then(|g| g.strip_suffix('\''))
        .and_then(|g| g.rsplit_once("'@'"))
    {
        Some((user, host)) => format!("{}@{}", quote_literal(user), quote_literal(host)),
        None => grantee.to_owned(),
    }
}

/// `create` run in the context the object was made in: its session settings, and the
/// database's default collation when that was another one (`collation_database`).
fn in_context(settings: &[(String, String)], create: String) -> String {
    let sql = with_settings(settings, create);
    match settings.iter().find(|(k, _)| k == "collation_database") {
        Some((_, collation)) => with_database_collation(collation, &sql),
        None => sql,
    }
}

/// `sql` run while the database's default collation is `collation`, then the default
/// put back, as `mysqldump` does around a routine, trigger or event made under another
/// default: a routine's parameters and variables without a character set take the
/// database's.
fn with_database_collation(collation: &str, sql: &str) -> String {
    format!(
        "SET @sr_collation = @@collation_database; ALTER DATABASE COLLATE {}; {sql}; \
         SET @sr_restore = CONCAT('ALTER DATABASE COLLATE ', @sr_collation); \
         PREPARE sr_restore FROM @sr_restore; EXECUTE sr_restore; DEALLOCATE PREPARE sr_restore",
        quote_literal(collation)
    )
}

/// An account as `DEFINER=` names it: `` `user`@`host` ``, or `` `role` `` for a role.
fn account(definer: &str) -> String {
    match definer.rsplit_once('@') {
        Some((user, host)) => format!("{}@{}", quote_ident(user), quote_ident(host)),
        None => quote_ident(definer),
    }
}

/// `create` (a `CREATE ...` statement) with its definer, when it has one:
/// `CREATE DEFINER=`u`@`h` ...`.
fn defined_by(definer: &Option<String>, create: &str) -> String {
    match (definer, create.strip_prefix("CREATE ")) {
        (Some(definer), Some(rest)) => format!("CREATE DEFINER={} {rest}", account(definer)),
        _ => create.to_owned(),
    }
}

/// `CREATE EVENT` as `SHOW CREATE EVENT` prints it.
fn event_sql(event: &schema_replicator_core::Event, object: &ObjectId) -> Result<String> {
    let mut out = format!(
        "CREATE EVENT {} ON SCHEDULE {} ON COMPLETION {}PRESERVE {}",
        table_name(&event.name),
        event.schedule,
        if event.preserve { "" } else { "NOT " },
        event.status
    );
    if let Some(comment) = &event.comment {
        out.push_str(&format!(" COMMENT {}", quote_literal(comment)));
    }
    out.push_str(&format!(" DO {}", expr_sql(&event.body, object)?));
    Ok(defined_by(&event.definer, &out))
}

fn view_sql(view: &schema_replicator_core::View) -> Result<String> {
    let object = format!("view {}", view.name);
    let option = |key: &str| {
        view.options
            .iter()
            .find_map(|o| o.strip_prefix(&format!("{key}=")).map(str::to_owned))
    };
    let mut out = String::from("CREATE");
    if let Some(algorithm) = option("algorithm") {
        out.push_str(&format!(" ALGORITHM={algorithm}"));
    }
    if let Some(definer) = &view.definer {
        out.push_str(&format!(" DEFINER={}", account(definer)));
    }
    if let Some(security) = option("security") {
        out.push_str(&format!(" SQL SECURITY {security}"));
    }
    out.push_str(&format!(" VIEW {}", table_name(&view.name)));
    if !view.columns.is_empty() {
        out.push_str(&format!(" ({})", columns_sql(&view.columns)));
    }
    out.push_str(&format!(" AS {}", expr_sql(&view.query, &object)?));
    if let Some(check) = option("check_option") {
        out.push_str(&format!(" WITH {check} CHECK OPTION"));
    }
    let settings: Vec<(String, String)> = KEPT_SETTINGS
        .iter()
        .filter_map(|k| option(k).map(|v| ((*k).to_owned(), v)))
        .collect();
    Ok(with_settings(&settings, out))
}

/// The seal statements collected per table until the next view, trigger, grant or event
/// (or the end), and the key statement of each table emitted so far.
struct Seals<'a> {
    tables: &'a HashMap<&'a QualifiedName, &'a Table>,
    /// Each table's ids, shared with the plan.
    ids: &'a HashMap<&'a QualifiedName, schema_replicator_core::plan::TableObjects>,
    names: HashSet<&'a QualifiedName>,
    pending: Vec<(QualifiedName, TableSeal)>,
    index: HashMap<QualifiedName, usize>,
    /// Per table, the first object of the statement that creates its keys.
    keys_of: HashMap<QualifiedName, ObjectId>,
}

impl<'a> Seals<'a> {
    fn new(
        tables: &'a HashMap<&'a QualifiedName, &'a Table>,
        ids: &'a HashMap<&'a QualifiedName, schema_replicator_core::plan::TableObjects>,
    ) -> Self {
        Seals {
            tables,
            ids,
            names: tables.keys().copied().collect(),
            pending: Vec::new(),
            index: HashMap::new(),
            keys_of: HashMap::new(),
        }
    }

    /// What the seal collects for the table `name`.
    fn of(&mut self, name: &QualifiedName) -> &mut TableSeal {
        let pending = &mut self.pending;
        let slot = *self.index.entry(name.clone()).or_insert_with(|| {
            pending.push((name.clone(), TableSeal::default()));
            pending.len() - 1
        });
        &mut self.pending[slot].1
    }

    /// Emits the collected per-table seal statements: for every table its checks, then
    /// its keys, then, once every table's keys exist, each table's foreign keys.
    fn flush(&mut self, out: &mut Vec<Statement>) -> Result<()> {
        let pending: Vec<(QualifiedName, TableSeal)> = std::mem::take(&mut self.pending);
        self.index.clear();
        let mut foreign_keys = Vec::new();
        for (name, seal) in &pending {
            let table = self.tables[name];
            let [checks, keys, fks] = table_statements(table, &self.ids[name], seal, &self.names)?;
            let checks_first = checks.as_ref().map(|s| s.objects[0].clone());
            out.extend(checks);
            if let Some(mut keys) = keys {
                // After the checks: their table copy would otherwise rebuild the new
                // indexes row by row.
                keys.requires.extend(checks_first);
                self.keys_of.insert(name.clone(), keys.objects[0].clone());
                out.push(keys);
            }
            foreign_keys.extend(fks);
        }
        // A foreign key needs the index on its own columns and the key it references:
        // the plan knows the unique ones, but MariaDB also accepts any index that
        // starts with the referenced columns, so each waits for the key statements of
        // both tables.
        for mut statement in foreign_keys {
            for lock in &statement.locks {
                statement
                    .requires
                    .extend(self.keys_of.get(&lock.table).cloned());
            }
            out.push(statement);
        }
        Ok(())
    }
}

/// The free-standing object of the schema's `list` that `object` is.
fn listed<'a, T: schema_replicator_core::object::Listed>(
    object: &ObjectId,
    list: &'a [T],
) -> Result<&'a T> {
    object
        .find_in(list)
        .ok_or_else(|| render_error(object, "not in the schema"))
}

/// The seal statements of one table, each `None` when it has nothing to do:
/// - its checks, as one `ALTER TABLE` (`ADD CHECK`, and `MODIFY COLUMN` for the column
///   checks): a table copy the server cannot avoid, cheapest while the table has no
///   secondary index yet;
/// - its indexes, an AUTO_INCREMENT that base could not keep (restated with `MODIFY`,
///   as the column now leads a key) and the counter, as one `ALTER TABLE` the server
///   runs in place, building each index by sorting;
/// - its foreign keys, as one `ALTER TABLE` (see [`crate::apply`] for how the applier
///   adds them without a table copy and still refuses orphan rows).
fn table_statements(
    table: &Table,
    ids: &schema_replicator_core::plan::TableObjects,
    seal: &TableSeal,
    names: &HashSet<&QualifiedName>,
) -> Result<[Option<Statement>; 3]> {
    let object = format!("table {}", table.name);
    let mut checks = Alter::default();
    let mut keys = Alter::default();
    let mut fks = Alter::default();
    for &i in &seal.indexes {
        let index = &table.indexes[i];
        let definition = index_sql(index, &object)?;
        let preflight = index
            .unique
            .then(|| unique_preflight(table, index, keys.objects.len()))
            .flatten();
        keys.add(&ids.indexes[i], format!("ADD {definition}"), preflight);
    }
    // Columns to restate: those with column checks, and AUTO_INCREMENT columns that
    // base left without it.
    let mut column_checks: HashMap<&str, Vec<(usize, String)>> = HashMap::new();
    let mut table_checks = Vec::new();
    for &i in &seal.checks {
        let check = &table.checks[i];
        let text = expr_sql(&check.expr, &format!("check of {object}"))?;
        match &check.column {
            Some(column) => column_checks
                .entry(column.as_str())
                .or_default()
                .push((i, text)),
            None => table_checks.push((i, text)),
        }
    }
    for column in &table.columns {
        let restore_ai = seal.counter.is_some()
            && !seal.complete
            && matches!(column.identity, Some(Identity::AutoIncrement { .. }))
            && !auto_increment_in_base(table, column);
        let column_checks = column_checks.remove(column.name.as_str());
        if !restore_ai && column_checks.is_none() {
            continue;
        }
        let column_checks = column_checks.unwrap_or_default();
        let texts: Vec<String> = column_checks.iter().map(|(_, t)| t.clone()).collect();
        let clause = format!("MODIFY COLUMN {}", column_sql(table, column, true, &texts)?);
        let alter = if restore_ai { &mut keys } else { &mut checks };
        if column_checks.is_empty() {
            alter.clauses.push(clause.clone());
        }
        for (n, (i, text)) in column_checks.iter().enumerate() {
            let preflight = check_preflight(table, text, alter.objects.len());
            let clause = (n == 0).then(|| clause.clone());
            alter.add_opt(&ids.checks[*i], clause, Some(preflight));
        }
    }
    if let Some(column) = column_checks.keys().next() {
        return Err(check_of_missing_column(&object, column));
    }
    for (i, text) in table_checks {
        let preflight = check_preflight(table, &text, checks.objects.len());
        let clause = format!("ADD {}", check_sql(&table.checks[i], &text));
        checks.add(&ids.checks[i], clause, Some(preflight));
    }
    for &i in &seal.foreign_keys {
        let fk = &table.foreign_keys[i];
        // A key to a table that does not exist has no rows to count against.
        let preflight =
            (!dangling(fk, names)).then(|| foreign_key_preflight(fk, table, fks.objects.len()));
        fks.add(
            &ids.foreign_keys[i],
            format!("ADD {}", foreign_key_sql(fk, table)?),
            preflight,
        );
    }
    if !fks.objects.is_empty() && fks.preflights.is_empty() {
        // Its keys are still added with the checks off, which is the only way the server
        // takes them: there is nothing to count.
        fks.preflights.push(NOTHING_TO_COUNT.to_owned());
    }
    if let Some(counter) = &seal.counter {
        let next = table.columns.iter().find_map(|c| match c.identity {
            Some(Identity::AutoIncrement {
                last_value: Some(v),
            }) => Some(v.saturating_add(1)),
            _ => None,
        });
        // The server raises the counter to max(column) + 1 when the rows need more.
        let clause = next.map(|next| format!("AUTO_INCREMENT = {next}"));
        keys.add_opt(counter, clause, None);
    }
    // The table itself, and the tables its new foreign keys reference: the server
    // locks those too, so the parent's own ALTERs must not run at the same time
    // (other children may).
    let mut fk_locks = vec![TableLock::new(&table.name, LockMode::Exclusive)];
    for &i in &seal.foreign_keys {
        let parent = &table.foreign_keys[i].referenced_table;
        if *parent != table.name && !fk_locks.iter().any(|l| l.table == *parent) {
            fk_locks.push(TableLock::new(parent, LockMode::Shared));
        }
    }
    Ok([
        checks.statement(table, vec![]),
        keys.statement(table, vec![]),
        fks.statement(table, fk_locks),
    ])
}

/// One `ALTER TABLE` being put together: its clauses, the objects they create and the
/// preflight queries (one per object that rows can violate, labelled with the object's
/// position).
#[derive(Default)]
struct Alter {
    clauses: Vec<String>,
    objects: Vec<ObjectId>,
    preflights: Vec<String>,
}

impl Alter {
    fn add(&mut self, object: &ObjectId, clause: String, preflight: Option<String>) {
        self.add_opt(object, Some(clause), preflight);
    }

    fn add_opt(&mut self, object: &ObjectId, clause: Option<String>, preflight: Option<String>) {
        self.objects.push(object.clone());
        self.clauses.extend(clause);
        self.preflights.extend(preflight);
    }

    fn statement(self, table: &Table, locks: Vec<TableLock>) -> Option<Statement> {
        if self.clauses.is_empty() {
            return None;
        }
        let mut statement = Statement::new(
            Some(Phase::Seal),
            self.objects,
            format!(
                "ALTER TABLE {}\n  {}",
                table_name(&table.name),
                self.clauses.join(",\n  ")
            ),
        );
        if !self.preflights.is_empty() {
            statement.preflight = Some(self.preflights.join("\nUNION ALL\n"));
        }
        statement.locks = if locks.is_empty() {
            vec![TableLock::new(&table.name, LockMode::Exclusive)]
        } else {
            locks
        };
        Some(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_replicator_core::{plan, Capabilities, DataType, Policy, Sequence};

    fn table_with_default(default: Expr) -> Schema {
        let mut schema = Schema::new(DIALECT);
        let mut column = Column::new("a", DataType::from_raw("int(11)"));
        column.default = Some(default);
        schema.tables.push(Table {
            columns: vec![column],
            ..Table::new(QualifiedName::bare("t"))
        });
        schema
    }

    fn render_error(schema: &Schema) -> String {
        let caps = Capabilities::new(false, true, false);
        render(schema, &plan(schema, &caps, &Policy::default()), None)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_column_check_of_a_missing_column_is_refused_in_either_shape() {
        let mut schema = table_with_default(Expr::raw(DIALECT, "0"));
        schema.tables[0]
            .checks
            .push(schema_replicator_core::CheckConstraint {
                name: None,
                column: Some("gone".into()),
                expr: Expr::raw(DIALECT, "gone > 0"),
                definition: None,
                comment: None,
            });
        let expected =
            "cannot render check of table \"t\" for mysql: it belongs to a column \"gone\" the \
                        table does not have";
        assert_eq!(render_error(&schema), expected);
        let caps = Capabilities::new(false, true, false).with_complete_tables(true);
        let complete = plan(
            &schema,
            &caps,
            &Policy::default().with_complete_tables(true),
        );
        assert!(complete.complete_tables);
        assert_eq!(
            render(&schema, &complete, None).unwrap_err().to_string(),
            expected
        );
    }

    /// A table `name` with the primary key `a` and an int column `column`, and an index
    /// on that column when `index` gives its name, uniqueness and definition.
    fn keyed(name: &str, column: &str, index: Option<(&str, bool, &str)>) -> Table {
        use schema_replicator_core::{Index, IndexKey, IndexTarget, PrimaryKey};
        let mut table = table_with_default(Expr::raw(DIALECT, "1")).tables.remove(0);
        table.name = QualifiedName::bare(name);
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["a".into()],
            definition: None,
            index: None,
            comment: None,
        });
        table
            .columns
            .push(Column::new(column, DataType::from_raw("int(11)")));
        table
            .indexes
            .extend(index.map(|(name, unique, definition)| Index {
                partition_indexes: Default::default(),
                name: name.into(),
                unique,
                keys: vec![IndexKey {
                    target: IndexTarget::Column(column.into()),
                    collation: None,
                    order: None,
                }],
                predicate: None,
                definition: Some(Expr::raw(DIALECT, definition)),
                comment: None,
            }));
        table
    }

    /// A foreign key `name` on `column` referencing the same column of `parent`.
    fn fk_to(name: &str, column: &str, parent: &str) -> ForeignKey {
        use schema_replicator_core::{Deferrable, MatchType};
        ForeignKey {
            name: Some(name.into()),
            columns: vec![column.into()],
            referenced_table: QualifiedName::bare(parent),
            referenced_columns: vec![column.into()],
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
            match_type: MatchType::Simple,
            deferrable: Deferrable::NotDeferrable,
            definition: None,
            comment: None,
        }
    }

    /// The seal statements of a schema holding `tables`.
    fn seal_of(tables: Vec<Table>) -> Vec<Statement> {
        let mut schema = Schema::new(DIALECT);
        schema.tables = tables;
        let caps = Capabilities::new(false, true, false);
        render(&schema, &plan(&schema, &caps, &Policy::default()), None)
            .unwrap()
            .into_iter()
            .filter(|s| s.phase == Some(Phase::Seal))
            .collect()
    }

    #[test]
    fn a_child_alter_requires_the_parent_alter_that_creates_the_key_it_uses() {
        // A plain (not unique) index: MariaDB lets a foreign key reference it, and the
        // plan knows no dependency on it.
        let parent = keyed(
            "parent",
            "code",
            Some(("by_code", false, "KEY `by_code` (`code`)")),
        );
        let mut child = keyed("child", "code", None);
        child
            .foreign_keys
            .push(fk_to("child_code", "code", "parent"));
        let seal = seal_of(vec![child, parent]);
        assert!(seal[0].sql.starts_with("ALTER TABLE `parent`"), "{seal:#?}");
        assert!(seal[1].sql.starts_with("ALTER TABLE `child`"), "{seal:#?}");
        assert_eq!(seal[1].requires, vec![seal[0].objects[0].clone()]);
        assert_eq!(
            seal[1].locks,
            vec![
                TableLock::new(&QualifiedName::bare("child"), LockMode::Exclusive),
                TableLock::new(&QualifiedName::bare("parent"), LockMode::Shared),
            ]
        );
    }

    #[test]
    fn a_table_seals_as_checks_then_keys_then_foreign_keys_after_every_key() {
        use schema_replicator_core::CheckConstraint;
        let mut t = keyed("t", "b", Some(("by_b", true, "UNIQUE KEY `by_b` (`b`)")));
        t.checks.push(CheckConstraint {
            name: Some("b_positive".into()),
            column: None,
            expr: Expr::raw(DIALECT, "`b` > 0"),
            definition: None,
            comment: None,
        });
        // A foreign key to itself, and a second table with only a foreign key to it.
        t.foreign_keys.push(fk_to("self_b", "b", "t"));
        let mut other = keyed("a_other", "b", None);
        other.foreign_keys.push(fk_to("other_b", "b", "t"));
        let seal = seal_of(vec![other, t]);
        let sql: Vec<&str> = seal.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(seal.len(), 4, "{sql:#?}");
        assert!(sql[0].starts_with("ALTER TABLE `t`\n  ADD CONSTRAINT `b_positive` CHECK"));
        assert!(sql[1].starts_with("ALTER TABLE `t`\n  ADD UNIQUE KEY `by_b`"));
        // The foreign keys come after every table's keys, each waiting for the keys
        // of its table and of the table it references.
        assert!(
            sql[2..].iter().all(|s| s.contains("FOREIGN KEY")),
            "{sql:#?}"
        );
        assert_eq!(seal[1].requires, vec![seal[0].objects[0].clone()]);
        let other = seal.iter().find(|s| s.sql.contains("`a_other`")).unwrap();
        assert_eq!(other.requires, vec![seal[1].objects[0].clone()]);
        assert!(other.preflight.as_deref().unwrap().contains("NOT EXISTS"));
        let own = seal.iter().find(|s| s.sql.contains("`self_b`")).unwrap();
        assert_eq!(own.requires, vec![seal[1].objects[0].clone()]);
        assert_eq!(
            own.locks,
            vec![TableLock::new(
                &QualifiedName::bare("t"),
                LockMode::Exclusive
            )]
        );
    }

    #[test]
    fn a_view_calls_the_quoted_unqualified_names_before_a_parenthesis() {
        assert_eq!(
            called_functions(
                "select `f`(`t`.`a`) AS `x`,`other db`.`g`(1) AS `y`,`a``b`(2) AS `z`,\
                 concat('`no`(', \"`nor`(\") AS `w`,`f`(3) from `t`"
            ),
            ["f", "a`b"]
        );
    }

    #[test]
    fn sql_of_another_dialect_is_refused() {
        let schema = table_with_default(Expr::raw("postgres", "nextval('s')"));
        assert_eq!(
            render_error(&schema),
            "cannot render column \"a\" of table \"t\" for mysql: it holds postgres SQL, which \
             MySQL cannot run"
        );
    }

    #[test]
    fn objects_this_dialect_does_not_create_are_refused() {
        // MariaDB has sequences, but none is owned by a column (PostgreSQL's serials).
        let mut schema = table_with_default(Expr::raw(DIALECT, "1"));
        let mut owned = Sequence::new(QualifiedName::bare("s"));
        owned.owned_by = Some(schema_replicator_core::ColumnRef {
            table: QualifiedName::bare("t"),
            column: "a".into(),
        });
        schema.sequences.push(owned);
        assert_eq!(
            render_error(&schema),
            "cannot render the mysql schema for mysql: it holds sequences owned by columns, \
             which this dialect does not create"
        );
        let mut schema = table_with_default(Expr::raw(DIALECT, "1"));
        schema.tables[0].options.push(TableOption::Unlogged);
        assert_eq!(
            render_error(&schema),
            "cannot render table \"t\" for mysql: the table option Unlogged has no MySQL form"
        );
    }
}
