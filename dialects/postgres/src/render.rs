//! Rendering a plan as PostgreSQL statements. Constraints, indexes, routines, views and
//! triggers are written from the server's own `pg_get_*def` text, so they come back as
//! the source had them; tables, types and sequences from the structured IR.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;

use schema_replicator_core::filter::regclass_names;
use schema_replicator_core::object::Listed;
use schema_replicator_core::{
    Alteration, CheckConstraint, Column, Definition, Error, Expr, Extension, Identity, Index,
    LockMode, Namespace, ObjectId, ObjectKind, Phase, Plan, QualifiedName, Result, Routine, Schema,
    Sequence, Statement, Table, TableLock, TableOption, Trigger, UserType, UserTypeKind, View,
};

use crate::{quote_ident, quote_literal, DIALECT};

/// `"schema"."name"`.
pub(crate) fn qname(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&name.name)),
        None => quote_ident(&name.name),
    }
}

/// SQL text of an expression of this dialect. PostgreSQL's reflection keeps every
/// expression as the server's text, so a literal is refused like SQL of another dialect.
pub(crate) fn expr_sql(expr: &Expr, object: &dyn Display) -> Result<String> {
    let refuse = |reason: String| Error::Render {
        object: object.to_string(),
        dialect: DIALECT.into(),
        reason,
    };
    match expr.raw_sql(DIALECT) {
        Ok(Some(sql)) => Ok(sql.to_owned()),
        Err(other) => Err(refuse(format!("it holds {other} SQL"))),
        Ok(None) => Err(refuse(
            "literal values are not written by this dialect's reflection".into(),
        )),
    }
}

fn definition(expr: &Option<Expr>, object: &ObjectId) -> Result<String> {
    match expr {
        Some(expr) => expr_sql(expr, object),
        None => Err(Error::Render {
            object: object.to_string(),
            dialect: DIALECT.into(),
            reason: "it has no PostgreSQL definition (was it reflected from PostgreSQL?)".into(),
        }),
    }
}

fn missing(object: &ObjectId) -> Error {
    Error::Render {
        object: object.to_string(),
        dialect: DIALECT.into(),
        reason: "the plan names an object the schema does not have".into(),
    }
}

fn comment(what: &str, comment: &Option<String>) -> Option<String> {
    comment
        .as_ref()
        .map(|c| format!("COMMENT ON {what} IS {}", quote_literal(c)))
}

/// Statements of one step, sharing its phase and object.
struct Out<'a> {
    phase: Phase,
    object: &'a ObjectId,
    statements: &'a mut Vec<Statement>,
}

impl Out<'_> {
    fn push(&mut self, sql: String) {
        self.statements.push(Statement::new(
            Some(self.phase),
            vec![self.object.clone()],
            sql,
        ));
    }

    fn push_checked(&mut self, sql: String, preflight: Option<String>) {
        self.push_locked(sql, preflight, Vec::new());
    }

    /// A statement holding `locks` while it runs (empty: its table, exclusively).
    fn push_locked(&mut self, sql: String, preflight: Option<String>, locks: Vec<TableLock>) {
        let mut statement = Statement::new(Some(self.phase), vec![self.object.clone()], sql);
        statement.preflight = preflight;
        statement.locks = locks;
        self.statements.push(statement);
    }

    fn comment(&mut self, what: &str, text: &Option<String>) {
        if let Some(sql) = comment(what, text) {
            self.push(sql);
        }
    }
}

/// The schema's objects by the names the plan gives them, so that rendering stays
/// linear in the number of objects.
struct Lookup<'a> {
    tables: HashMap<&'a QualifiedName, &'a Table>,
    owned_sequences: HashMap<&'a QualifiedName, Vec<&'a Sequence>>,
    deferred_keys: HashSet<&'a QualifiedName>,
}

impl<'a> Lookup<'a> {
    fn new(schema: &'a Schema, plan: &'a Plan) -> Self {
        let mut owned_sequences: HashMap<&QualifiedName, Vec<&Sequence>> = HashMap::new();
        for seq in &schema.sequences {
            if let Some(owner) = &seq.owned_by {
                owned_sequences.entry(&owner.table).or_default().push(seq);
            }
        }
        Lookup {
            tables: schema.tables.iter().map(|t| (&t.name, t)).collect(),
            owned_sequences,
            deferred_keys: plan
                .phase(Phase::Seal)
                .filter(|s| s.object.kind == ObjectKind::PrimaryKey)
                .filter_map(|s| s.object.table.as_ref())
                .collect(),
        }
    }
}

/// Renders every step of `plan`: each step goes to the function for its kind of object.
/// With `only`, the steps of other phases are read (for what they decide, such as keys
/// left to the seal), not rendered: the statements of `only` are those a full render
/// gives.
pub(crate) fn render(schema: &Schema, plan: &Plan, only: Option<Phase>) -> Result<Vec<Statement>> {
    let lookup = Lookup::new(schema, plan);
    let mut statements = Vec::new();
    for step in plan
        .steps
        .iter()
        .filter(|s| only.is_none_or(|phase| s.phase == phase))
    {
        let object = &step.object;
        let mut out = Out {
            phase: step.phase,
            object,
            statements: &mut statements,
        };
        let table = object
            .table
            .as_ref()
            .and_then(|name| lookup.tables.get(name).copied());
        let first = out.statements.len();
        let out = &mut out;
        match (object.kind, table) {
            (ObjectKind::Namespace, _) => {
                render_namespace(listed(&schema.namespaces, object)?, out)
            }
            (ObjectKind::Extension, _) => {
                render_extension(listed(&schema.extensions, object)?, out)
            }
            (ObjectKind::Type, _) => render_type(listed(&schema.types, object)?, out)?,
            (ObjectKind::Sequence, _) => render_sequence(listed(&schema.sequences, object)?, out),
            (ObjectKind::Routine, _) => render_routine(listed(&schema.routines, object)?, out)?,
            (ObjectKind::Table, Some(table)) => render_table(table, &lookup, out)?,
            (ObjectKind::PrimaryKey, Some(table)) => {
                render_primary_key(table, out)?;
                append_alterations(table, &object.name, out);
            }
            (ObjectKind::Unique, Some(table)) => {
                render_unique(table, out)?;
                append_alterations(table, &object.name, out);
            }
            (ObjectKind::Check, Some(table)) => render_check(table, out)?,
            (ObjectKind::Exclusion, Some(table)) => {
                render_exclusion(table, out)?;
                append_alterations(table, &object.name, out);
            }
            (ObjectKind::ForeignKey, Some(table)) => render_foreign_key(table, out)?,
            (ObjectKind::Index, Some(table)) => {
                render_table_index(table, out)?;
                append_alterations(table, &object.name, out);
            }
            (ObjectKind::Counter, Some(table)) => render_identity_counter(table, out)?,
            (ObjectKind::IndexSettings, Some(table)) => {
                for sql in alterations(table, Some(&object.name)) {
                    out.push(sql);
                }
            }
            (ObjectKind::Counter, None) => {
                let seq = listed(&schema.sequences, object)?;
                render_sequence_counter(schema, seq, out)
            }
            (ObjectKind::View, _) => render_view(listed(&schema.views, object)?, out)?,
            (ObjectKind::Trigger, _) => render_trigger(listed(&schema.triggers, object)?, out)?,
            (kind, _) if kind.is_definition() => {
                render_definition(listed(&schema.definitions, object)?, out)?
            }
            _ => return Err(missing(object)),
        }
        if let (
            ObjectKind::Index | ObjectKind::Unique | ObjectKind::PrimaryKey | ObjectKind::Exclusion,
            Some(table),
        ) = (object.kind, table)
        {
            place_index(table, object, &mut out.statements[first..]);
        }
    }
    Ok(statements)
}

/// The tablespace of `table`'s index `index` (a key's included), when not the default.
fn index_tablespace<'t>(table: &'t Table, index: &str) -> Option<&'t str> {
    table
        .tablespaces
        .iter()
        .find(|p| p.index.as_deref() == Some(index))
        .map(|p| p.tablespace.as_str())
}

/// Puts the index that `object`'s statements build in its tablespace: `TABLESPACE` in
/// its `CREATE INDEX` (before a partial index's `WHERE`), `USING INDEX TABLESPACE` in a
/// constraint added whole (before an exclusion's `WHERE` or `DEFERRABLE`).
fn place_index(table: &Table, object: &ObjectId, statements: &mut [Statement]) {
    let Some(tablespace) = index_tablespace(table, &object.name) else {
        return;
    };
    let predicate = match object.kind {
        ObjectKind::Index => nth(&table.indexes, object)
            .ok()
            .and_then(|i| i.predicate.as_ref())
            .and_then(|p| expr_sql(p, object).ok()),
        _ => None,
    };
    for statement in statements {
        // The statement's first command builds the index; what follows (renames,
        // CLUSTER ON) needs it built.
        let end = statement.sql.find(";\n").unwrap_or(statement.sql.len());
        let head = &statement.sql[..end];
        let at = if head.starts_with("CREATE ") && head.contains("INDEX ") {
            let clause = format!(" TABLESPACE {}", quote_ident(tablespace));
            Some((
                index_tablespace_at(&statement.sql, predicate.as_deref()),
                clause,
            ))
        } else if head.starts_with("ALTER TABLE ") && !head.contains(" USING INDEX ") {
            let clause = format!(" USING INDEX TABLESPACE {}", quote_ident(tablespace));
            let at = head
                .rfind(" WHERE (")
                .filter(|_| head.contains(" EXCLUDE "))
                .or_else(|| head.find(" DEFERRABLE"))
                .unwrap_or(end);
            Some((at, clause))
        } else {
            None
        };
        if let Some((at, clause)) = at {
            statement.sql.insert_str(at, &clause);
        }
    }
}

/// The `ALTER` statements of `table`'s settings that need the index `index` (`None`:
/// the table alone), each as one statement: `ALTER TABLE ONLY t c1, c2` and `ALTER
/// INDEX i c1, c2`.
fn alterations(table: &Table, index: Option<&str>) -> Vec<String> {
    let (on_index, on_table): (Vec<&Alteration>, Vec<&Alteration>) = table
        .alterations
        .iter()
        .filter(|a| a.index.as_deref() == index)
        .partition(|a| a.on_index);
    let clauses = |list: &[&Alteration]| {
        list.iter()
            .map(|a| a.clause.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    if !on_table.is_empty() {
        out.push(format!(
            "ALTER TABLE ONLY {} {}",
            qname(&table.name),
            clauses(&on_table)
        ));
    }
    if let (false, Some(index)) = (on_index.is_empty(), index) {
        let name = QualifiedName {
            schema: table.name.schema.clone(),
            name: index.to_owned(),
        };
        out.push(format!(
            "ALTER INDEX {} {}",
            qname(&name),
            clauses(&on_index)
        ));
    }
    out
}

/// Appends to the statement that created the index `index` (the last one `out` holds)
/// the settings that need it (`CLUSTER ON`, a column's statistics target), so that they
/// are applied in the same transaction as the index.
fn append_alterations(table: &Table, index: &str, out: &mut Out<'_>) {
    let more = alterations(table, Some(index));
    if more.is_empty() {
        return;
    }
    if let Some(last) = out.statements.last_mut() {
        for sql in more {
            last.sql.push_str(";\n");
            last.sql.push_str(&sql);
        }
    }
}

/// The element `object.ordinal` of one of a table's lists, or the error that the
/// schema does not have it.
fn nth<'t, T>(list: &'t [T], object: &ObjectId) -> Result<&'t T> {
    object.in_list(list).ok_or_else(|| missing(object))
}

/// The free-standing object of one of the schema's lists that `object` is (same
/// position, same name), or the error that the schema does not have it.
fn listed<'t, T: Listed>(list: &'t [T], object: &ObjectId) -> Result<&'t T> {
    object.find_in(list).ok_or_else(|| missing(object))
}

/// `CREATE SCHEMA` and its comment.
fn render_namespace(ns: &Namespace, out: &mut Out<'_>) {
    out.push(format!("CREATE SCHEMA {}", quote_ident(&ns.name)));
    out.comment(&format!("SCHEMA {}", quote_ident(&ns.name)), &ns.comment);
}

/// `CREATE EXTENSION IF NOT EXISTS` in its schema, and its comment.
fn render_extension(ext: &Extension, out: &mut Out<'_>) {
    out.push(format!(
        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
        quote_ident(&ext.name),
        quote_ident(&ext.schema)
    ));
    out.comment(
        &format!("EXTENSION {}", quote_ident(&ext.name)),
        &ext.comment,
    );
}

/// `CREATE SEQUENCE` with every option, and its comment; its counter is set in the seal
/// ([`render_sequence_counter`]).
fn render_sequence(seq: &Sequence, out: &mut Out<'_>) {
    out.push(format!(
        "CREATE SEQUENCE {} {}",
        qname(&seq.name),
        sequence_options(seq, true)
    ));
    out.comment(&format!("SEQUENCE {}", qname(&seq.name)), &seq.comment);
}

/// A function or procedure as the server's definition has it, and its comment.
fn render_routine(routine: &Routine, out: &mut Out<'_>) -> Result<()> {
    out.push(expr_sql(&routine.definition, out.object)?);
    out.comment(
        &format!(
            "{} {}({})",
            routine.kind.sql(),
            qname(&routine.name),
            routine.arguments
        ),
        &routine.comment,
    );
    Ok(())
}

/// The table's primary key, when the seal adds it ([`add_key`]), and its comment.
fn render_primary_key(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let object = out.object;
    let pk = table.primary_key.as_ref().ok_or_else(|| missing(object))?;
    let name = pk.name.as_deref().ok_or_else(|| missing(object))?;
    let key = Key {
        table,
        name,
        definition: definition(&pk.definition, object)?,
        kind: "PRIMARY KEY",
        index: pk.index.as_ref(),
    };
    add_key(&key, object, None, out)?;
    out.comment(&constraint_target(name, table), &pk.comment);
    Ok(())
}

/// A unique constraint ([`add_key`]), checked first for duplicate keys, and its comment.
fn render_unique(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let object = out.object;
    let u = nth(&table.unique_constraints, object)?;
    let name = u.name.as_deref().ok_or_else(|| missing(object))?;
    let preflight = duplicates_preflight(table, &u.columns);
    let key = Key {
        table,
        name,
        definition: definition(&u.definition, object)?,
        kind: "UNIQUE",
        index: u.index.as_ref(),
    };
    add_key(&key, object, Some(preflight), out)?;
    out.comment(&constraint_target(name, table), &u.comment);
    Ok(())
}

/// A check constraint ([`add_validated`]), checked first for failing rows unless the
/// source holds it NOT VALID, and its comment.
fn render_check(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let object = out.object;
    let c = nth(&table.checks, object)?;
    let name = c.name.as_deref().ok_or_else(|| missing(object))?;
    let def = definition(&c.definition, object)?;
    let preflight = (!def.ends_with("NOT VALID"))
        .then(|| check_preflight(table, &expr_sql(&c.expr, object).unwrap_or_default()));
    add_validated(table, name, &def, preflight, None, out);
    out.comment(&constraint_target(name, table), &c.comment);
    Ok(())
}

/// An exclusion constraint, in one statement, and its comment.
fn render_exclusion(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let x = nth(&table.exclusions, out.object)?;
    let def = expr_sql(&x.definition, out.object)?;
    add_constraint(table, &x.name, &def, None, out);
    out.comment(&constraint_target(&x.name, table), &x.comment);
    Ok(())
}

/// A foreign key ([`add_validated`]), checked first for orphan rows unless the source
/// holds it NOT VALID, and its comment.
fn render_foreign_key(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let object = out.object;
    let fk = nth(&table.foreign_keys, object)?;
    let name = fk.name.as_deref().ok_or_else(|| missing(object))?;
    let def = definition(&fk.definition, object)?;
    let preflight = (!def.ends_with("NOT VALID")).then(|| orphans_preflight(table, fk));
    let references = Some(&fk.referenced_table);
    add_validated(table, name, &def, preflight, references, out);
    out.comment(&constraint_target(name, table), &fk.comment);
    Ok(())
}

/// An index of a table ([`render_index`]); a unique one without a predicate is checked
/// first for duplicate keys when its keys are plain columns.
fn render_table_index(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let index = nth(&table.indexes, out.object)?;
    let preflight = (index.unique && index.predicate.is_none())
        .then(|| unique_index_preflight(table, index))
        .flatten();
    render_index(&table.name, index, out.object, preflight, out)?;
    if let (false, Some(created)) = (
        index.partition_indexes.is_empty(),
        out.statements
            .iter_mut()
            .rev()
            .find(|s| s.sql.starts_with("CREATE ")),
    ) {
        created.sql.push_str(";\n");
        created
            .sql
            .push_str(&rename_partition_indexes(table, index));
    }
    Ok(())
}

/// The server names the index it makes on each partition for a partitioned table's
/// index itself; this gives each the source's name, in two steps (a temporary name
/// each first), since the server's names may be other partitions' names in the source.
fn rename_partition_indexes(table: &Table, index: &Index) -> String {
    let parent = QualifiedName {
        schema: table.name.schema.clone(),
        name: index.name.clone(),
    };
    partition_index_renames(&parent, &index.partition_indexes)
}

/// A `DO` block that gives the index the server made on each partition (at every level)
/// for the partitioned index `parent` the name `wanted` lists for that partition, in
/// two renames each (the server's names may be other partitions' names in the source).
/// A constraint's index renamed renames the constraint.
pub(crate) fn partition_index_renames(
    parent: &QualifiedName,
    wanted: &[(QualifiedName, String)],
) -> String {
    let wanted: Vec<String> = wanted
        .iter()
        .map(|(partition, name)| {
            format!(
                "({}::regclass, {})",
                quote_literal(&qname(partition)),
                quote_literal(name)
            )
        })
        .collect();
    let found = format!(
        "WITH RECURSIVE part(oid) AS (\
         SELECT h.inhrelid FROM pg_catalog.pg_inherits h WHERE h.inhparent = {}::regclass \
         UNION ALL SELECT h.inhrelid FROM pg_catalog.pg_inherits h \
         JOIN part ON h.inhparent = part.oid) \
         SELECT part.oid AS idx, w.name FROM part \
         JOIN pg_catalog.pg_index x ON x.indexrelid = part.oid \
         JOIN (VALUES {}) AS w(tbl, name) ON w.tbl = x.indrelid",
        quote_literal(&qname(parent)),
        wanted.join(", ")
    );
    format!(
        "DO $sr$ DECLARE r record; BEGIN \
         FOR r IN {found} LOOP \
         EXECUTE pg_catalog.format('ALTER INDEX %s RENAME TO %I', r.idx::regclass, '_sr_' || r.idx); \
         END LOOP; \
         FOR r IN {found} LOOP \
         EXECUTE pg_catalog.format('ALTER INDEX %s RENAME TO %I', r.idx::regclass, r.name); \
         END LOOP; END $sr$"
    )
}

/// The `setval` of an identity column's sequence (the `object.ordinal`-th identity
/// column of the table).
fn render_identity_counter(table: &Table, out: &mut Out<'_>) -> Result<()> {
    let column = table
        .columns
        .iter()
        .filter(|c| c.identity.is_some())
        .nth(out.object.ordinal)
        .ok_or_else(|| missing(out.object))?;
    if let Some(Identity::Generated { sequence, .. }) = &column.identity {
        let users = [(table.name.clone(), column.name.clone())];
        // Reading the column's maximum blocks no index build.
        let shared = vec![TableLock::new(&table.name, LockMode::Shared)];
        out.push_locked(setval(sequence, &users), None, shared);
    }
    Ok(())
}

/// The `setval` of a free-standing sequence, past the values of the columns that use
/// it ([`sequence_users`]).
fn render_sequence_counter(schema: &Schema, seq: &Sequence, out: &mut Out<'_>) {
    out.push(setval(seq, &sequence_users(schema, seq)));
}

/// `CREATE [MATERIALIZED] VIEW` (a materialized one `WITH DATA`), its comments and, for
/// a materialized view, its indexes.
fn render_view(view: &View, out: &mut Out<'_>) -> Result<()> {
    let kind = if view.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    let mut sql = format!("CREATE {kind} {}", qname(&view.name));
    if !view.options.is_empty() {
        sql.push_str(&format!(" WITH ({})", view.options.join(", ")));
    }
    if let Some(place) = view.tablespaces.iter().find(|p| p.index.is_none()) {
        sql.push_str(&format!(" TABLESPACE {}", quote_ident(&place.tablespace)));
    }
    sql.push_str(" AS\n");
    sql.push_str(&expr_sql(&view.query, out.object)?);
    if view.materialized {
        sql.push_str("\nWITH DATA");
    }
    out.push(sql);
    out.comment(&format!("{kind} {}", qname(&view.name)), &view.comment);
    for (column, text) in &view.column_comments {
        out.comment(
            &format!("COLUMN {}.{}", qname(&view.name), quote_ident(column)),
            &Some(text.clone()),
        );
    }
    for index in &view.indexes {
        let created = out.statements.len();
        render_index(&view.name, index, out.object, None, out)?;
        let tablespace = view
            .tablespaces
            .iter()
            .find(|p| p.index.as_deref() == Some(index.name.as_str()));
        if let (Some(place), Some(statement)) = (tablespace, out.statements.get_mut(created)) {
            let predicate = match &index.predicate {
                Some(p) => Some(expr_sql(p, out.object)?),
                None => None,
            };
            let at = index_tablespace_at(&statement.sql, predicate.as_deref());
            let clause = format!(" TABLESPACE {}", quote_ident(&place.tablespace));
            statement.sql.insert_str(at, &clause);
        }
    }
    Ok(())
}

/// Where `TABLESPACE` goes in a `CREATE INDEX` statement's first command: before a
/// partial index's `WHERE predicate`, else at its end.
fn index_tablespace_at(sql: &str, predicate: Option<&str>) -> usize {
    let end = sql.find(";\n").unwrap_or(sql.len());
    let head = &sql[..end];
    predicate
        .and_then(|p| head.rfind(&format!(" WHERE {p}")))
        .or_else(|| head.rfind(" WHERE ").filter(|_| predicate.is_some()))
        .unwrap_or(end)
}

/// A trigger as the server's definition has it, and its comment.
fn render_trigger(trigger: &Trigger, out: &mut Out<'_>) -> Result<()> {
    let mut sql = expr_sql(&trigger.definition, out.object)?;
    // Its state, in the same transaction as the trigger: the seal runs after the load,
    // so a disabled trigger never fires in the copy.
    let state = trigger
        .settings
        .iter()
        .find(|(k, _)| k == "enabled")
        .and_then(|(_, v)| match v.as_str() {
            "D" => Some("DISABLE TRIGGER"),
            "R" => Some("ENABLE REPLICA TRIGGER"),
            "A" => Some("ENABLE ALWAYS TRIGGER"),
            _ => None,
        });
    if let Some(state) = state {
        sql.push_str(&format!(
            ";\nALTER TABLE {} {state} {}",
            qname(&trigger.table),
            quote_ident(&trigger.name.name)
        ));
    }
    out.push(sql);
    out.comment(
        &format!(
            "TRIGGER {} ON {}",
            quote_ident(&trigger.name.name),
            qname(&trigger.table)
        ),
        &trigger.comment,
    );
    Ok(())
}

/// A rule, policy, row-level security, statistics object or collation: its statement
/// as the server printed it, then its comment.
fn render_definition(definition: &Definition, out: &mut Out<'_>) -> Result<()> {
    out.push(expr_sql(&definition.definition, out.object)?);
    let on_table = |what: &str| {
        let table = definition.table.as_ref().unwrap_or(&definition.name);
        format!(
            "{what} {} ON {}",
            quote_ident(&definition.name.name),
            qname(table)
        )
    };
    let name = &definition.name;
    let target = match definition.kind {
        ObjectKind::Rule => on_table("RULE"),
        ObjectKind::Policy => on_table("POLICY"),
        ObjectKind::Statistics => format!("STATISTICS {}", qname(name)),
        ObjectKind::Collation => format!("COLLATION {}", qname(name)),
        ObjectKind::RangeType | ObjectKind::BaseType => format!("TYPE {}", qname(name)),
        // `===(integer, integer)`: a symbol, never quoted, with its argument types.
        ObjectKind::Operator => format!(
            "OPERATOR {}.{}",
            quote_ident(name.schema.as_deref().unwrap_or("public")),
            name.name
        ),
        ObjectKind::Cast => format!("CAST {}", name.name),
        ObjectKind::DomainConstraint => {
            let (domain, constraint) = name.name.split_once('.').unwrap_or((&name.name, ""));
            let schema = quote_ident(name.schema.as_deref().unwrap_or("public"));
            format!(
                "CONSTRAINT {} ON DOMAIN {schema}.{}",
                quote_ident(constraint),
                quote_ident(domain)
            )
        }
        // `name USING method`: the name quoted, the method a keyword.
        ObjectKind::OperatorFamily | ObjectKind::OperatorClass => {
            let (object, method) = name.name.rsplit_once(" USING ").unwrap_or((&name.name, ""));
            let what = if definition.kind == ObjectKind::OperatorFamily {
                "OPERATOR FAMILY"
            } else {
                "OPERATOR CLASS"
            };
            let schema = quote_ident(name.schema.as_deref().unwrap_or("public"));
            format!("{what} {schema}.{} USING {method}", quote_ident(object))
        }
        ObjectKind::TextSearchDictionary => format!("TEXT SEARCH DICTIONARY {}", qname(name)),
        ObjectKind::TextSearchConfiguration => {
            format!("TEXT SEARCH CONFIGURATION {}", qname(name))
        }
        ObjectKind::TextSearchParser => format!("TEXT SEARCH PARSER {}", qname(name)),
        ObjectKind::TextSearchTemplate => format!("TEXT SEARCH TEMPLATE {}", qname(name)),
        ObjectKind::EventTrigger => format!("EVENT TRIGGER {}", quote_ident(&name.name)),
        ObjectKind::ForeignDataWrapper => {
            format!("FOREIGN DATA WRAPPER {}", quote_ident(&name.name))
        }
        ObjectKind::ForeignServer => format!("SERVER {}", quote_ident(&name.name)),
        ObjectKind::Conversion => format!("CONVERSION {}", qname(name)),
        ObjectKind::AccessMethod => format!("ACCESS METHOD {}", quote_ident(&name.name)),
        ObjectKind::Language => format!("LANGUAGE {}", quote_ident(&name.name)),
        ObjectKind::Transform => format!("TRANSFORM FOR {}", name.name),
        ObjectKind::ForeignTable => format!("FOREIGN TABLE {}", qname(name)),
        ObjectKind::Publication => format!("PUBLICATION {}", quote_ident(&name.name)),
        ObjectKind::Subscription => format!("SUBSCRIPTION {}", quote_ident(&name.name)),
        _ => return Ok(()),
    };
    out.comment(&target, &definition.comment);
    Ok(())
}

fn constraint_target(name: &str, table: &Table) -> String {
    format!("CONSTRAINT {} ON {}", quote_ident(name), qname(&table.name))
}

fn add_constraint(
    table: &Table,
    name: &str,
    definition: &str,
    preflight: Option<String>,
    out: &mut Out<'_>,
) {
    out.push_checked(
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
            qname(&table.name),
            quote_ident(name)
        ),
        preflight,
    );
}

/// A partitioned table: PostgreSQL attaches no index as a constraint to it and adds
/// no NOT VALID foreign key to it, so its constraints are added in one statement.
fn partitioned(table: &Table) -> bool {
    table
        .options
        .iter()
        .any(|o| matches!(o, TableOption::PartitionBy(_)))
}

/// A primary key or unique constraint to add in the seal.
struct Key<'a> {
    table: &'a Table,
    name: &'a str,
    /// The constraint's definition (`UNIQUE (a) DEFERRABLE`).
    definition: String,
    /// `UNIQUE` or `PRIMARY KEY`.
    kind: &'static str,
    /// The server's `CREATE UNIQUE INDEX` for its index.
    index: Option<&'a Expr>,
}

/// A key as its index build (which shares the table with other index builds) then an
/// instant `ADD CONSTRAINT ... USING INDEX`; in one statement where that cannot be.
fn add_key(
    key: &Key<'_>,
    object: &ObjectId,
    preflight: Option<String>,
    out: &mut Out<'_>,
) -> Result<()> {
    // ADD CONSTRAINT ... USING INDEX takes a plain b-tree only (not the GiST index of a
    // temporal key).
    let index = match key.index {
        Some(index) if !partitioned(key.table) && !key.definition.contains("WITHOUT OVERLAPS") => {
            Some(expr_sql(index, object)?).filter(|sql| sql.contains(" USING btree ("))
        }
        _ => None,
    };
    let Some(index) = index else {
        add_constraint(key.table, key.name, &key.definition, preflight, out);
        return Ok(());
    };
    let shared = vec![TableLock::new(&key.table.name, LockMode::Shared)];
    out.push_locked(index, preflight, shared);
    let deferrable = if key.definition.ends_with(" DEFERRABLE INITIALLY DEFERRED") {
        " DEFERRABLE INITIALLY DEFERRED"
    } else if key.definition.ends_with(" DEFERRABLE") {
        " DEFERRABLE"
    } else {
        ""
    };
    out.push(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}{deferrable}",
        qname(&key.table.name),
        quote_ident(key.name),
        key.kind,
        quote_ident(key.name)
    ));
    Ok(())
}

/// A foreign key (`references` its table) or a check: added `NOT VALID`, which is
/// instant, then validated by a statement that lets index builds on the referenced
/// table go on. A constraint the source holds NOT VALID, or one on a partitioned
/// table, is one statement.
fn add_validated(
    table: &Table,
    name: &str,
    definition: &str,
    preflight: Option<String>,
    references: Option<&QualifiedName>,
    out: &mut Out<'_>,
) {
    // A constraint NOT ENFORCED (PostgreSQL 18) cannot be validated.
    if preflight.is_none() || partitioned(table) || definition.contains(" NOT ENFORCED") {
        add_constraint(table, name, definition, preflight, out);
        return;
    }
    // Without a referenced table, each statement holds its own table exclusively: what
    // an empty lock list says, without a copy of the table's name per statement.
    let locks: Vec<TableLock> = match references {
        Some(r) => vec![
            TableLock::new(&table.name, LockMode::Exclusive),
            TableLock::new(r, LockMode::Exclusive),
        ],
        None => Vec::new(),
    };
    out.push_locked(
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {definition} NOT VALID",
            qname(&table.name),
            quote_ident(name)
        ),
        None,
        locks,
    );
    out.push_locked(
        format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            qname(&table.name),
            quote_ident(name)
        ),
        preflight,
        // The referenced table is read (ROW SHARE): index builds on it may go on.
        match references {
            Some(r) => vec![
                TableLock::new(&table.name, LockMode::Exclusive),
                TableLock::new(r, LockMode::Shared),
            ],
            None => Vec::new(),
        },
    );
    if let Some(last) = out.statements.last_mut() {
        last.validation = true;
    }
}

/// `CREATE [UNIQUE] INDEX` on a table or materialized view `on`, from the server's
/// definition, and its comment.
fn render_index(
    on: &QualifiedName,
    index: &Index,
    object: &ObjectId,
    preflight: Option<String>,
    out: &mut Out<'_>,
) -> Result<()> {
    let tail = definition(&index.definition, object)?;
    out.push_locked(
        format!(
            "CREATE {}INDEX {} ON {} {tail}",
            if index.unique { "UNIQUE " } else { "" },
            quote_ident(&index.name),
            qname(on)
        ),
        preflight,
        vec![TableLock::new(on, LockMode::Shared)],
    );
    let name = QualifiedName {
        schema: on.schema.clone(),
        name: index.name.clone(),
    };
    out.comment(&format!("INDEX {}", qname(&name)), &index.comment);
    Ok(())
}

/// `CREATE TYPE` (an enum or a composite type) or `CREATE DOMAIN` with its checks, and
/// its comment.
fn render_type(ty: &UserType, out: &mut Out<'_>) -> Result<()> {
    let name = qname(&ty.name);
    let kind = match &ty.kind {
        UserTypeKind::Enum { labels } => {
            let labels: Vec<String> = labels.iter().map(|l| quote_literal(l)).collect();
            out.push(format!(
                "CREATE TYPE {name} AS ENUM ({})",
                labels.join(", ")
            ));
            "TYPE"
        }
        UserTypeKind::Domain {
            base,
            nullable,
            default,
            collation,
            checks,
        } => {
            let mut sql = format!("CREATE DOMAIN {name} AS {}", base.raw);
            if let Some(collation) = collation {
                sql.push_str(&format!(" COLLATE {collation}"));
            }
            if let Some(default) = default {
                sql.push_str(&format!(" DEFAULT {}", expr_sql(default, out.object)?));
            }
            if !nullable {
                sql.push_str(" NOT NULL");
            }
            out.push(sql);
            render_domain_checks(&name, checks, out)?;
            "DOMAIN"
        }
        UserTypeKind::Composite { attributes } => {
            out.push(composite_sql(&name, attributes));
            "TYPE"
        }
        _ => {
            return Err(Error::Render {
                object: out.object.to_string(),
                dialect: DIALECT.into(),
                reason: "this kind of type is not supported".into(),
            })
        }
    };
    out.comment(&format!("{kind} {name}"), &ty.comment);
    Ok(())
}

/// `ALTER DOMAIN ... ADD CONSTRAINT` for each check of the domain `name`, with its
/// comment.
fn render_domain_checks(name: &str, checks: &[CheckConstraint], out: &mut Out<'_>) -> Result<()> {
    for check in checks {
        let check_name = check.name.as_deref().ok_or_else(|| missing(out.object))?;
        let def = definition(&check.definition, out.object)?;
        out.push(format!(
            "ALTER DOMAIN {name} ADD CONSTRAINT {} {def}",
            quote_ident(check_name)
        ));
        out.comment(
            &format!("CONSTRAINT {} ON DOMAIN {name}", quote_ident(check_name)),
            &check.comment,
        );
    }
    Ok(())
}

/// `CREATE TYPE name AS (...)`: the attributes' names, types and collations.
fn composite_sql(name: &str, attributes: &[Column]) -> String {
    let attrs: Vec<String> = attributes
        .iter()
        .map(|a| {
            let mut s = format!("{} {}", quote_ident(&a.name), a.data_type.raw);
            if let Some(c) = &a.collation {
                s.push_str(&format!(" COLLATE {c}"));
            }
            s
        })
        .collect();
    format!("CREATE TYPE {name} AS ({})", attrs.join(", "))
}

/// `[AS type] START WITH ... CYCLE`; an identity takes its type from the column.
fn sequence_options(seq: &Sequence, with_type: bool) -> String {
    let data_type = if with_type {
        format!("AS {} ", seq.data_type)
    } else {
        String::new()
    };
    format!(
        "{data_type}START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {}{}",
        seq.start,
        seq.increment,
        seq.min_value,
        seq.max_value,
        seq.cache,
        if seq.cycle { " CYCLE" } else { " NO CYCLE" }
    )
}

/// A table's `CREATE TABLE`, with its primary key unless the seal adds it, then its
/// comments and the sequences it owns.
fn render_table(table: &Table, lookup: &Lookup<'_>, out: &mut Out<'_>) -> Result<()> {
    let pk_in_base = !lookup.deferred_keys.contains(&table.name);
    let mut items: Vec<String> = Vec::new();
    for column in table.columns.iter().filter(|c| !c.inherited) {
        items.push(column_definition(column, out.object)?);
    }
    if let (true, Some(pk)) = (pk_in_base, &table.primary_key) {
        let name = pk.name.as_deref().ok_or_else(|| missing(out.object))?;
        let mut key = definition(&pk.definition, out.object)?;
        if let Some(tablespace) = index_tablespace(table, name) {
            let clause = format!(" USING INDEX TABLESPACE {}", quote_ident(tablespace));
            let at = key.find(" DEFERRABLE").unwrap_or(key.len());
            key.insert_str(at, &clause);
        }
        items.push(format!("CONSTRAINT {} {key}", quote_ident(name)));
    }
    out.push(create_table(table, &items));
    for sql in alterations(table, None) {
        out.push(sql);
    }
    out.comment(&format!("TABLE {}", qname(&table.name)), &table.comment);
    for column in &table.columns {
        out.comment(
            &format!(
                "COLUMN {}.{}",
                qname(&table.name),
                quote_ident(&column.name)
            ),
            &column.comment,
        );
    }
    for seq in lookup
        .owned_sequences
        .get(&table.name)
        .into_iter()
        .flatten()
    {
        if let Some(owner) = &seq.owned_by {
            out.push(format!(
                "ALTER SEQUENCE {} OWNED BY {}.{}",
                qname(&seq.name),
                qname(&table.name),
                quote_ident(&owner.column)
            ));
        }
    }
    Ok(())
}

/// One column of `CREATE TABLE`: name, type, collation, generation or default,
/// identity and NOT NULL.
fn column_definition(column: &Column, object: &ObjectId) -> Result<String> {
    let mut s = format!("{} {}", quote_ident(&column.name), column.data_type.raw);
    if let Some(collation) = &column.collation {
        s.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(generated) = &column.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) STORED",
            expr_sql(&generated.expr, object)?
        ));
    } else if let Some(default) = &column.default {
        s.push_str(&format!(" DEFAULT {}", expr_sql(default, object)?));
    }
    if let Some(Identity::Generated { always, sequence }) = &column.identity {
        s.push_str(&format!(
            " GENERATED {} AS IDENTITY (SEQUENCE NAME {} {})",
            if *always { "ALWAYS" } else { "BY DEFAULT" },
            qname(&sequence.name),
            sequence_options(sequence, false)
        ));
    }
    if !column.nullable {
        s.push_str(" NOT NULL");
    }
    Ok(s)
}

/// `CREATE [UNLOGGED] TABLE` of the column and constraint `items`, as a partition, an
/// heir or a partitioned table as the table's options say.
fn create_table(table: &Table, items: &[String]) -> String {
    let unlogged = if table.has_option(&TableOption::Unlogged) {
        "UNLOGGED "
    } else {
        ""
    };
    let partition_of = table.options.iter().find_map(|o| match o {
        TableOption::PartitionOf { parent, .. } => Some(parent),
        _ => None,
    });
    let mut sql = format!("CREATE {unlogged}TABLE {}", qname(&table.name));
    if let Some(parent) = partition_of {
        sql.push_str(&format!(" PARTITION OF {}", qname(parent)));
        if !items.is_empty() {
            sql.push_str(&format!(" (\n    {}\n)", items.join(",\n    ")));
        }
    } else {
        sql.push_str(&format!(" (\n    {}\n)", items.join(",\n    ")));
    }
    for option in &table.options {
        match option {
            TableOption::Inherits(parents) => {
                let parents: Vec<String> = parents.iter().map(qname).collect();
                sql.push_str(&format!(" INHERITS ({})", parents.join(", ")));
            }
            TableOption::PartitionOf { bound, .. } => sql.push_str(&format!(" {bound}")),
            _ => {}
        }
    }
    for option in &table.options {
        match option {
            TableOption::PartitionBy(key) => sql.push_str(&format!(" PARTITION BY {key}")),
            TableOption::Parameters(params) => {
                sql.push_str(&format!(" WITH ({})", params.join(", ")))
            }
            _ => {}
        }
    }
    if let Some(place) = table.tablespaces.iter().find(|p| p.index.is_none()) {
        sql.push_str(&format!(" TABLESPACE {}", quote_ident(&place.tablespace)));
    }
    sql
}

/// The columns that draw values from `seq`: its owner, or the columns whose default
/// calls `nextval` on it.
fn sequence_users(schema: &Schema, seq: &Sequence) -> Vec<(QualifiedName, String)> {
    if let Some(owner) = &seq.owned_by {
        return vec![(owner.table.clone(), owner.column.clone())];
    }
    // A default names the sequence in a regclass literal, quoted only where the name
    // needs it (`public."Order_id_seq"`); compare names, not spellings.
    let names_it = |sql: &str| {
        regclass_names(sql)
            .iter()
            .any(|n| n.name == seq.name.name && (n.schema.is_none() || n.schema == seq.name.schema))
    };
    let mut users = Vec::new();
    for table in &schema.tables {
        for column in &table.columns {
            if let Some(Expr::Raw { sql, .. }) = &column.default {
                if sql.contains("nextval(") && names_it(sql) {
                    users.push((table.name.clone(), column.name.clone()));
                }
            }
        }
    }
    users
}

/// `setval` so the next value cannot collide: GREATEST(source counter, max of the
/// columns that use it) for ascending sequences, LEAST and min for descending ones.
fn setval(seq: &Sequence, users: &[(QualifiedName, String)]) -> String {
    let (agg, pick) = if seq.increment < 0 {
        ("min", "LEAST")
    } else {
        ("max", "GREATEST")
    };
    let loaded: Vec<String> = users
        .iter()
        .map(|(table, column)| {
            format!(
                "(SELECT {agg}({})::bigint FROM {})",
                quote_ident(column),
                qname(table)
            )
        })
        .collect();
    let loaded = if loaded.is_empty() {
        "NULL::bigint".to_owned()
    } else {
        format!("{pick}({})", loaded.join(", "))
    };
    let name = quote_literal(&qname(&seq.name));
    match seq.last_value {
        Some(last) => format!(
            "SELECT pg_catalog.setval({name}, {pick}({last}::bigint, {loaded}), true)"
        ),
        None => format!(
            "SELECT pg_catalog.setval({name}, COALESCE({loaded}, {start}::bigint), {loaded} IS NOT NULL)",
            start = seq.start
        ),
    }
}

fn cols(table_alias: &str, columns: &[String]) -> Vec<String> {
    columns
        .iter()
        .map(|c| format!("{table_alias}.{}", quote_ident(c)))
        .collect()
}

/// A sample key as text: `(a, b)=(1, x)`.
fn sample(alias: &str, columns: &[String]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    format!(
        "'({})=(' || concat_ws(', ', {}) || ')'",
        names.join(", ").replace('\'', "''"),
        cols(alias, columns).join(", ")
    )
}

pub(crate) fn orphans_preflight(table: &Table, fk: &schema_replicator_core::ForeignKey) -> String {
    let child = cols("c", &fk.columns);
    let parent = cols("p", &fk.referenced_columns);
    let not_null: Vec<String> = child.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    let join: Vec<String> = child
        .iter()
        .zip(&parent)
        .map(|(c, p)| format!("{p} = {c}"))
        .collect();
    let filter = format!(
        "FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
        qname(&table.name),
        not_null.join(" AND "),
        qname(&fk.referenced_table),
        join.join(" AND ")
    );
    format!(
        "SELECT (SELECT count(*) {filter}) AS rows, NULL::bigint AS groups, \
         ARRAY(SELECT {} {filter} ORDER BY 1 LIMIT 5) AS samples",
        sample("c", &fk.columns)
    )
}

pub(crate) fn duplicates_preflight(table: &Table, columns: &[String]) -> String {
    let keys = cols("d", columns).join(", ");
    let not_null: Vec<String> = cols("d", columns)
        .iter()
        .map(|c| format!("{c} IS NOT NULL"))
        .collect();
    let groups = format!(
        "FROM {} d WHERE {} GROUP BY {keys} HAVING count(*) > 1",
        qname(&table.name),
        not_null.join(" AND ")
    );
    // Every row of a duplicated key offends; the samples are the duplicated keys.
    format!(
        "SELECT g.rows, g.groups, ARRAY(SELECT {} {groups} ORDER BY 1 LIMIT 5) AS samples \
         FROM (SELECT COALESCE(sum(n), 0)::bigint AS rows, count(*) AS groups \
         FROM (SELECT count(*) AS n {groups}) x) g",
        sample("d", columns)
    )
}

pub(crate) fn unique_index_preflight(table: &Table, index: &Index) -> Option<String> {
    let columns: Option<Vec<String>> = index
        .keys
        .iter()
        .map(|k| match &k.target {
            schema_replicator_core::IndexTarget::Column(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    columns.map(|columns| duplicates_preflight(table, &columns))
}

pub(crate) fn check_preflight(table: &Table, expr: &str) -> String {
    let filter = format!("FROM {} AS t WHERE NOT ({expr})", qname(&table.name));
    format!(
        "SELECT (SELECT count(*) {filter}) AS rows, NULL::bigint AS groups, \
         ARRAY(SELECT t::text {filter} ORDER BY 1 LIMIT 5) AS samples"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_replicator_core::{plan, CheckConstraint, Column, DataType, Policy};

    fn schema_with_check(definition: Option<Expr>) -> Schema {
        let mut schema = Schema::new(DIALECT);
        let mut table = Table::new(QualifiedName {
            schema: Some("public".into()),
            name: "t".into(),
        });
        table
            .columns
            .push(Column::new("k", DataType::from_raw("integer")));
        table.checks.push(CheckConstraint {
            column: None,
            name: Some("t_k_check".into()),
            expr: Expr::raw(DIALECT, "k > 0"),
            definition,
            comment: None,
        });
        schema.tables.push(table);
        schema
    }

    fn render_error(schema: &Schema) -> String {
        let caps = crate::PostgresDialect.capabilities();
        let plan = plan(schema, &caps, &Policy::default());
        render(schema, &plan, None).unwrap_err().to_string()
    }

    use schema_replicator_core::Dialect;

    #[test]
    fn a_constraint_without_its_server_definition_is_named() {
        assert_eq!(
            render_error(&schema_with_check(None)),
            "cannot render check constraint \"t_k_check\" on table \"public\".\"t\" for postgres: \
             it has no PostgreSQL definition (was it reflected from PostgreSQL?)"
        );
    }

    #[test]
    fn sql_of_another_dialect_is_refused() {
        assert_eq!(
            render_error(&schema_with_check(Some(Expr::raw(
                "sqlite",
                "CHECK (k > 0)"
            )))),
            "cannot render check constraint \"t_k_check\" on table \"public\".\"t\" for postgres: \
             it holds sqlite SQL"
        );
    }
}
