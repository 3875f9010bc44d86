//! Rendering a plan as SQLite statements.
//!
//! SQLite cannot add a constraint to an existing table, so the seal rebuilds every table
//! that gains a UNIQUE, CHECK or FOREIGN KEY constraint with SQLite's documented
//! procedure (create the new table, copy the rows, drop the old one, rename the new one;
//! the renames of all rebuilt tables are done at once, see [`rename_rebuilt`]) before it
//! creates indexes, counters, views and triggers.

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
/// With `only`, the steps of other phases are read (for what they decide, such as keys
/// left to the seal), not rendered: the statements of `only` are those a full render
/// gives.
pub(crate) fn render(schema: &Schema, plan: &Plan, only: Option<Phase>) -> Result<Vec<Statement>> {
    let mut out = Vec::new();
    let mut rebuilt: BTreeSet<usize> = BTreeSet::new();
    let mut rest: Vec<Statement> = Vec::new();
    let mut renames: Vec<Rename> = Vec::new();
    let shared = schema_replicator_core::plan::PlanIds::new(plan);
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
    for step in plan
        .steps
        .iter()
        .filter(|s| only.is_none_or(|phase| s.phase == phase))
    {
        let object = &step.object;
        let table_index = object
            .table
            .as_ref()
            .and_then(|name| positions.get(name).copied());
        match (object.kind, table_index) {
            (ObjectKind::Table, Some(i)) => {
                // Created complete, the table holds its constraints: no rebuild follows.
                let table = &schema.tables[i];
                let complete = plan.complete_tables;
                let mut objects = vec![object.clone()];
                if complete {
                    let ids = shared.table_objects(table);
                    objects.extend(ids.uniques);
                    objects.extend(ids.checks);
                    objects.extend(ids.foreign_keys);
                }
                out.push(Statement::new(
                    Some(step.phase),
                    objects,
                    create_table(table, &table.name.name, complete)?,
                ));
            }
            (
                ObjectKind::PrimaryKey
                | ObjectKind::Unique
                | ObjectKind::Check
                | ObjectKind::ForeignKey,
                Some(_),
            ) if step.phase == Phase::Base => {}
            (
                ObjectKind::PrimaryKey
                | ObjectKind::Unique
                | ObjectKind::Check
                | ObjectKind::ForeignKey,
                Some(i),
            ) => {
                if rebuilt.insert(i) {
                    let (statements, rename) = rebuild(&schema.tables[i], &taken, &shared)?;
                    out.extend(statements);
                    renames.push(rename);
                }
            }
            (ObjectKind::Index, Some(i)) => {
                let table = &schema.tables[i];
                let statement = Statement::new(
                    Some(step.phase),
                    vec![object.clone()],
                    create_index(table, &table.indexes[object.ordinal])?,
                );
                match step.phase {
                    Phase::Base => out.push(statement),
                    _ => rest.push(statement),
                }
            }
            (ObjectKind::Counter, Some(i)) => {
                rest.extend(counter_sync(&schema.tables[i], object)?);
            }
            (ObjectKind::VirtualTable, _) => {
                let virtual_table = object
                    .find_in(&schema.virtual_tables)
                    .ok_or_else(|| missing(object))?;
                out.push(Statement::new(
                    Some(step.phase),
                    vec![object.clone()],
                    expr_sql(&virtual_table.definition, object)?,
                ));
            }
            (ObjectKind::Rebuild, _) => {
                // The full-text index of an external-content table, built from the rows
                // loaded into its content table (after the rebuilt tables are renamed).
                let virtual_table = object
                    .find_in(&schema.virtual_tables)
                    .ok_or_else(|| missing(object))?;
                let name = quote_ident(&virtual_table.name.name);
                rest.push(Statement::new(
                    Some(Phase::Seal),
                    vec![object.clone()],
                    format!("INSERT INTO {name}({name}) VALUES ('rebuild')"),
                ));
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
    out.extend(rename_rebuilt(&renames));
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

/// A table rebuilt under a temporary name, to be given its own name back.
struct Rename {
    /// The temporary name.
    temp: String,
    /// The table's name.
    name: String,
    /// Its `CREATE TABLE` under its own name, as `sqlite_schema` keeps it.
    sql: String,
    /// Whether it has an AUTOINCREMENT counter (a row in `sqlite_sequence`).
    counter: bool,
    /// The objects its rebuild creates.
    objects: Vec<ObjectId>,
}

/// The statements that give `table` its unique, check and foreign key constraints: the
/// new table under a temporary name, the rows copied, the old table dropped; the new
/// table gets its name back in [`rename_rebuilt`], with every other rebuilt table.
fn rebuild(
    table: &Table,
    taken: &BTreeSet<String>,
    shared: &schema_replicator_core::plan::PlanIds<'_>,
) -> Result<(Vec<Statement>, Rename)> {
    let ids = shared.table_objects(table);
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
    let statements = vec![
        statement(create_table(table, &temp, true)?),
        statement(format!(
            "INSERT INTO {} ({copied}) SELECT {copied} FROM {name}",
            quote_ident(&temp)
        )),
        statement(format!("DROP TABLE {name}")),
    ];
    let rename = Rename {
        sql: create_table(table, &table.name.name, true)?,
        name: table.name.name.clone(),
        temp,
        counter: table
            .columns
            .iter()
            .any(|c| matches!(c.identity, Some(Identity::AutoIncrement { .. }))),
        objects,
    };
    Ok((statements, rename))
}

/// Gives every rebuilt table its own name back, in one statement whose cost does not
/// grow with the number of tables in the database.
///
/// `ALTER TABLE ... RENAME TO` parses every entry of `sqlite_schema` to update the
/// references to the renamed table, so renaming each of N rebuilt tables costs N times
/// the whole schema: the seal of 2,000 tables spent most of its 150 s there. None of the
/// rebuilt tables is referenced by its temporary name, and only the names in
/// `sqlite_schema` (the table's, its automatic indexes', its `CREATE TABLE` text) and
/// in `sqlite_sequence` change: the file's pages do not. So the names are written there
/// directly (`PRAGMA writable_schema`, as SQLite documents for changes that leave the
/// file's content as it is), with one pass over `sqlite_schema` joined to a temporary
/// table of the renames, and the connection re-reads its schema
/// (`writable_schema = RESET`). The schema cookie, which tells other connections to
/// re-read it, has already changed with the rebuilds' `CREATE TABLE`s.
fn rename_rebuilt(renames: &[Rename]) -> Option<Statement> {
    if renames.is_empty() {
        return None;
    }
    // Written into one string: the rows hold every rebuilt table's CREATE text (megabytes
    // at thousands of tables), which a vector of rows and its join would hold twice more.
    let mut values = String::with_capacity(renames.iter().map(|r| r.sql.len() + 64).sum());
    for (i, r) in renames.iter().enumerate() {
        if i > 0 {
            values.push_str(",\n  ");
        }
        values.push_str(&format!(
            "({}, {}, ",
            quote_literal(&r.temp),
            quote_literal(&r.name)
        ));
        values.push_str(&quote_literal(&r.sql));
        values.push(')');
    }
    let counters: Vec<&Rename> = renames.iter().filter(|r| r.counter).collect();
    let sequence = if counters.is_empty() {
        String::new()
    } else {
        "UPDATE sqlite_sequence SET name = \
           (SELECT name FROM temp._sr_renames WHERE old = sqlite_sequence.name) \
         WHERE name IN (SELECT old FROM temp._sr_renames);\n"
            .to_owned()
    };
    let sql = format!(
        "CREATE TEMP TABLE _sr_renames (old TEXT PRIMARY KEY, name TEXT NOT NULL, sql TEXT NOT NULL);\n\
         INSERT INTO temp._sr_renames (old, name, sql) VALUES {values};\n\
         PRAGMA writable_schema = ON;\n\
         UPDATE sqlite_schema SET \
           name = (SELECT name FROM temp._sr_renames WHERE old = sqlite_schema.name), \
           tbl_name = (SELECT name FROM temp._sr_renames WHERE old = sqlite_schema.name), \
           sql = (SELECT sql FROM temp._sr_renames WHERE old = sqlite_schema.name) \
         WHERE type = 'table' AND name IN (SELECT old FROM temp._sr_renames);\n\
         UPDATE sqlite_schema SET \
           name = (SELECT 'sqlite_autoindex_' || name || substr(sqlite_schema.name, length('sqlite_autoindex_' || old) + 1) \
                   FROM temp._sr_renames WHERE old = sqlite_schema.tbl_name), \
           tbl_name = (SELECT name FROM temp._sr_renames WHERE old = sqlite_schema.tbl_name) \
         WHERE type = 'index' AND tbl_name IN (SELECT old FROM temp._sr_renames);\n\
         {sequence}\
         PRAGMA writable_schema = RESET;\n\
         PRAGMA writable_schema = OFF;\n\
         DROP TABLE temp._sr_renames"
    );
    let objects = renames
        .iter()
        .flat_map(|r| r.objects.iter().cloned())
        .collect();
    Some(Statement::new(Some(Phase::Seal), objects, sql))
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
    if last_value.is_none() {
        // The source never numbered a row, and nothing was loaded: the row a rebuild's
        // copy of no rows leaves in `sqlite_sequence` goes, so the copy stays unset too.
        out.push(statement(format!(
            "DELETE FROM sqlite_sequence WHERE name = {name} AND seq = 0 \
             AND NOT EXISTS (SELECT 1 FROM {})",
            quote_ident(&table.name.name)
        )));
    }
    Ok(out)
}
