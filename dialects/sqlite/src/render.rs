//! Rendering a plan as SQLite statements.
//!
//! SQLite cannot add a constraint to an existing table, so the seal rebuilds every table
//! that gains a UNIQUE, CHECK or FOREIGN KEY constraint with SQLite's documented
//! procedure (create the new table, copy the rows, drop the old one, rename the new one)
//! before it creates indexes, counters, views and triggers.

use std::collections::BTreeSet;
use std::fmt::Display;

use schema_replicator_core::plan::table_objects;
use schema_replicator_core::{
    Deferrable, Error, Expr, ForeignKey, Identity, Index, IndexTarget, Literal, MatchType,
    ObjectId, ObjectKind, Phase, Plan, ReferentialAction, Result, Schema, SortOrder, Statement,
    Table, TableOption,
};

use crate::{quote_ident, quote_literal, DIALECT};

/// Prefix of the temporary name a table is rebuilt under during the seal.
pub(crate) const REBUILD_PREFIX: &str = "_sr_new_";

/// Renders `plan`: `base` tables, then `seal` rebuilds followed by the other seal steps.
pub(crate) fn render(schema: &Schema, plan: &Plan) -> Result<Vec<Statement>> {
    let mut out = Vec::new();
    let mut rebuilt: BTreeSet<usize> = BTreeSet::new();
    let mut rest: Vec<Statement> = Vec::new();
    let taken: BTreeSet<String> = schema
        .tables
        .iter()
        .map(|t| t.name.name.to_lowercase())
        .collect();
    let positions: std::collections::HashMap<&schema_replicator_core::QualifiedName, usize> =
        schema
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (&t.name, i))
            .collect();
    for step in &plan.steps {
        let object = &step.object;
        let table_index = object
            .table
            .as_ref()
            .and_then(|name| positions.get(name).copied());
        match (object.kind, table_index) {
            (ObjectKind::Table, Some(i)) => {
                let table = &schema.tables[i];
                out.push(Statement::new(
                    Some(step.phase),
                    vec![object.clone()],
                    create_table(table, &table.name.name, false)?,
                ));
            }
            (
                ObjectKind::PrimaryKey
                | ObjectKind::Unique
                | ObjectKind::Check
                | ObjectKind::ForeignKey,
                Some(i),
            ) => {
                if rebuilt.insert(i) {
                    out.extend(rebuild(&schema.tables[i], &taken)?);
                }
            }
            (ObjectKind::Index, Some(i)) => {
                let table = &schema.tables[i];
                rest.push(Statement::new(
                    Some(Phase::Seal),
                    vec![object.clone()],
                    create_index(table, &table.indexes[object.ordinal])?,
                ));
            }
            (ObjectKind::Counter, Some(i)) => {
                rest.extend(counter_sync(&schema.tables[i], object)?);
            }
            (ObjectKind::View, _) => {
                let view = object
                    .find_in(&schema.views)
                    .ok_or_else(|| missing(object))?;
                let mut sql = format!("CREATE VIEW {}", quote_ident(&view.name.name));
                if !view.columns.is_empty() {
                    sql.push_str(&format!(" ({})", idents(&view.columns)));
                }
                sql.push_str(" AS ");
                sql.push_str(&expr_sql(&view.query, object)?);
                rest.push(Statement::new(Some(Phase::Seal), vec![object.clone()], sql));
            }
            (ObjectKind::Trigger, _) => {
                let trigger = object
                    .find_in(&schema.triggers)
                    .ok_or_else(|| missing(object))?;
                rest.push(Statement::new(
                    Some(Phase::Seal),
                    vec![object.clone()],
                    expr_sql(&trigger.definition, object)?,
                ));
            }
            _ => return Err(missing(object)),
        }
    }
    out.extend(rest);
    Ok(out)
}

fn missing(object: &ObjectId) -> Error {
    Error::Render {
        object: object.to_string(),
        dialect: DIALECT.into(),
        reason: "the plan names an object the schema does not have".into(),
    }
}

fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQL text of an expression of this dialect: its raw SQL, or a literal as SQLite
/// writes it; raw SQL of another dialect cannot be rendered here.
pub(crate) fn expr_sql(expr: &Expr, object: &dyn Display) -> Result<String> {
    let refuse = |reason: String| Error::Render {
        object: object.to_string(),
        dialect: DIALECT.into(),
        reason,
    };
    let raw = expr
        .raw_sql(DIALECT)
        .map_err(|other| refuse(format!("its expression is {other} SQL")))?;
    if let Some(sql) = raw {
        return Ok(sql.to_owned());
    }
    match expr {
        Expr::Literal { value } => Ok(match value {
            Literal::Null => "NULL".into(),
            Literal::Number(n) => n.clone(),
            Literal::String(s) => quote_literal(s),
            _ => return Err(refuse("unsupported literal".into())),
        }),
        _ => Err(refuse("unsupported expression".into())),
    }
}

/// Whether the table keeps the primary key inline for `AUTOINCREMENT`.
fn autoincrement_column(table: &Table) -> Option<&str> {
    table
        .columns
        .iter()
        .find(|c| matches!(c.identity, Some(Identity::AutoIncrement { .. })))
        .map(|c| c.name.as_str())
}

/// `CREATE TABLE` named `name`: the base form (columns and primary key), or with
/// `full` every unique, check and foreign key constraint as well.
pub(crate) fn create_table(table: &Table, name: &str, full: bool) -> Result<String> {
    let id = ObjectId::table(&table.name);
    let inline_pk = autoincrement_column(table);
    let mut items = Vec::new();
    for column in &table.columns {
        let mut def = quote_ident(&column.name);
        if !column.data_type.raw.is_empty() {
            def.push(' ');
            def.push_str(&column.data_type.raw);
        }
        if inline_pk == Some(column.name.as_str()) {
            if let Some(pk_name) = table.primary_key.as_ref().and_then(|pk| pk.name.as_ref()) {
                def.push_str(&format!(" CONSTRAINT {}", quote_ident(pk_name)));
            }
            def.push_str(" PRIMARY KEY AUTOINCREMENT");
        }
        if !column.nullable {
            def.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            def.push_str(" DEFAULT ");
            def.push_str(&expr_sql(default, &id)?);
        }
        if let Some(collation) = &column.collation {
            def.push_str(" COLLATE ");
            def.push_str(&quote_ident(collation));
        }
        if let Some(generated) = &column.generated {
            def.push_str(&format!(
                " GENERATED ALWAYS AS ({}) {}",
                expr_sql(&generated.expr, &id)?,
                if generated.stored {
                    "STORED"
                } else {
                    "VIRTUAL"
                }
            ));
        }
        items.push(def);
    }
    if let (Some(pk), None) = (&table.primary_key, inline_pk) {
        items.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_name(&pk.name),
            idents(&pk.columns)
        ));
    }
    if full {
        let ids = table_objects(table);
        for unique in &table.unique_constraints {
            items.push(format!(
                "{}UNIQUE ({})",
                constraint_name(&unique.name),
                idents(&unique.columns)
            ));
        }
        for (check, id) in table.checks.iter().zip(&ids.checks) {
            items.push(format!(
                "{}CHECK ({})",
                constraint_name(&check.name),
                expr_sql(&check.expr, id)?
            ));
        }
        for fk in &table.foreign_keys {
            items.push(foreign_key(fk));
        }
    }
    let mut sql = format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote_ident(name),
        items.join(",\n  ")
    );
    let options: Vec<&str> = table
        .options
        .iter()
        .filter_map(|o| match o {
            TableOption::WithoutRowid => Some("WITHOUT ROWID"),
            TableOption::Strict => Some("STRICT"),
            _ => None,
        })
        .collect();
    if !options.is_empty() {
        sql.push(' ');
        sql.push_str(&options.join(", "));
    }
    Ok(sql)
}

fn constraint_name(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default()
}

fn foreign_key(fk: &ForeignKey) -> String {
    let mut sql = format!(
        "{}FOREIGN KEY ({}) REFERENCES {}",
        constraint_name(&fk.name),
        idents(&fk.columns),
        quote_ident(&fk.referenced_table.name)
    );
    if !fk.referenced_columns.is_empty() {
        sql.push_str(&format!(" ({})", idents(&fk.referenced_columns)));
    }
    if fk.on_delete != ReferentialAction::NoAction {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != ReferentialAction::NoAction {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    match fk.match_type {
        MatchType::Full => sql.push_str(" MATCH FULL"),
        MatchType::Partial => sql.push_str(" MATCH PARTIAL"),
        _ => {}
    }
    match fk.deferrable {
        Deferrable::InitiallyDeferred => sql.push_str(" DEFERRABLE INITIALLY DEFERRED"),
        Deferrable::InitiallyImmediate => sql.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        _ => {}
    }
    sql
}

/// The four statements that give `table` its unique, check and foreign key constraints.
fn rebuild(table: &Table, taken: &BTreeSet<String>) -> Result<Vec<Statement>> {
    let ids = table_objects(table);
    let mut objects: Vec<ObjectId> = Vec::new();
    objects.extend(ids.uniques.iter().cloned());
    objects.extend(ids.checks.iter().cloned());
    objects.extend(ids.foreign_keys.iter().cloned());
    let mut temp = format!("{REBUILD_PREFIX}{}", table.name.name);
    while taken.contains(&temp.to_lowercase()) {
        temp.insert(0, '_');
    }
    let copied = copied_columns(table);
    let name = quote_ident(&table.name.name);
    let statement = |sql: String| Statement::new(Some(Phase::Seal), objects.clone(), sql);
    Ok(vec![
        statement(create_table(table, &temp, true)?),
        statement(format!(
            "INSERT INTO {} ({copied}) SELECT {copied} FROM {name}",
            quote_ident(&temp)
        )),
        statement(format!("DROP TABLE {name}")),
        statement(format!(
            "ALTER TABLE {} RENAME TO {name}",
            quote_ident(&temp)
        )),
    ])
}

/// The columns a copy of `table`'s rows carries, quoted and comma-separated: the rowid
/// (see [`rowid_name`]) and every column that is not generated. The seal's rebuild and
/// any loader that must keep row ids use the same list.
pub fn copied_columns(table: &Table) -> String {
    let mut columns: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .map(|c| quote_ident(&c.name))
        .collect();
    if let Some(rowid) = rowid_name(table) {
        columns.insert(0, rowid.to_owned());
    }
    columns.join(", ")
}

/// The name under which a rebuild copies the rowid, so row ids survive: `None` for a
/// WITHOUT ROWID table, a table whose INTEGER PRIMARY KEY already is the rowid, or one
/// whose columns shadow all three rowid names.
pub fn rowid_name(table: &Table) -> Option<&'static str> {
    if table.has_option(&TableOption::WithoutRowid) {
        return None;
    }
    let aliased = table.primary_key.as_ref().is_some_and(|pk| {
        pk.columns.len() == 1
            && table
                .column(&pk.columns[0])
                .is_some_and(|c| c.data_type.raw.eq_ignore_ascii_case("INTEGER"))
    });
    if aliased {
        return None;
    }
    ["rowid", "_rowid_", "oid"]
        .into_iter()
        .find(|r| !table.columns.iter().any(|c| c.name.eq_ignore_ascii_case(r)))
}

fn create_index(table: &Table, index: &Index) -> Result<String> {
    let id = ObjectId::owned(ObjectKind::Index, &table.name, index.name.clone(), 0);
    let mut keys = Vec::new();
    for key in &index.keys {
        let mut part = match &key.target {
            IndexTarget::Column(c) => quote_ident(c),
            IndexTarget::Expression(e) => expr_sql(e, &id)?,
            _ => {
                return Err(Error::Render {
                    object: id.to_string(),
                    dialect: DIALECT.into(),
                    reason: "unsupported index key".into(),
                })
            }
        };
        if let Some(collation) = &key.collation {
            part.push_str(&format!(" COLLATE {}", quote_ident(collation)));
        }
        match key.order {
            Some(SortOrder::Desc) => part.push_str(" DESC"),
            Some(_) => part.push_str(" ASC"),
            None => {}
        }
        keys.push(part);
    }
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&index.name),
        quote_ident(&table.name.name),
        keys.join(", ")
    );
    if let Some(predicate) = &index.predicate {
        sql.push_str(" WHERE ");
        sql.push_str(&expr_sql(predicate, &id)?);
    }
    Ok(sql)
}

/// Statements that set the table's `sqlite_sequence` entry to
/// GREATEST(source counter, largest loaded id), so the next insert cannot collide.
fn counter_sync(table: &Table, object: &ObjectId) -> Result<Vec<Statement>> {
    let column = table
        .columns
        .iter()
        .filter(|c| matches!(c.identity, Some(Identity::AutoIncrement { .. })))
        .nth(object.ordinal)
        .ok_or_else(|| missing(object))?;
    let Some(Identity::AutoIncrement { last_value }) = &column.identity else {
        return Err(missing(object));
    };
    let name = quote_literal(&table.name.name);
    let loaded = format!(
        "(SELECT IFNULL(MAX({}), 0) FROM {})",
        quote_ident(&column.name),
        quote_ident(&table.name.name)
    );
    let statement = |sql: String| Statement::new(Some(Phase::Seal), vec![object.clone()], sql);
    let mut out = Vec::new();
    let source = match last_value {
        Some(value) => {
            out.push(statement(format!(
                "INSERT INTO sqlite_sequence (name, seq) SELECT {name}, {value} \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {name})"
            )));
            value.to_string()
        }
        None => "0".to_owned(),
    };
    out.push(statement(format!(
        "UPDATE sqlite_sequence SET seq = MAX(seq, {source}, {loaded}) WHERE name = {name}"
    )));
    Ok(out)
}
