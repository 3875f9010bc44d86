//! Object filters: which tables, views and schemas a command works on, with `pg_dump`'s
//! pattern syntax (`-t/--table`, `-T/--exclude-table`, `-n/--schema`,
//! `-N/--exclude-schema`).
//!
//! A [`Selection`] is applied to a reflected [`Schema`] before anything is planned, so
//! every command sees the same objects. Every include or exclude pattern must match
//! something (`pg_dump --strict-names`, made the rule). What the selected objects need
//! from outside the selection is never half-created:
//! - a foreign key to an excluded table, a view that reads an excluded table or view and
//!   a trigger whose statement names one are left out, each with a warning (a
//!   [`Skipped`] entry) that names it;
//! - a table whose column type, partition parent, inheritance parent or default needs an
//!   excluded object cannot be created at all: that is an error naming both.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ir::{quoted, ForeignKey, QualifiedName, Schema, Skipped, TableOption};

/// How a dialect compares an unquoted identifier with a catalog name.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdentifierCase {
    /// Names are compared exactly (MySQL and MariaDB table names on Linux).
    #[default]
    Sensitive,
    /// Unquoted names fold to lower case; quoted ones keep their case (PostgreSQL).
    FoldLower,
    /// Names compare without regard to ASCII case (SQLite).
    Insensitive,
}

/// The objects a command works on: `pg_dump`'s `-t`, `-T`, `-n` and `-N` patterns.
///
/// Patterns use `*` (any run of characters) and `?` (one character). Where the dialect
/// has schemas, a table pattern may be qualified (`sales.order*`); a pattern without a
/// dot matches the name in every schema. Double quotes keep case and make `*`, `?` and
/// `.` literal (`"Order.Lines"`), `""` inside them stands for one `"`. Unquoted letters
/// fold to lower case on PostgreSQL, compare without case on SQLite and exactly on
/// MySQL, as each server compares names.
///
/// Table patterns select tables and views (materialized views too); their indexes,
/// constraints, triggers and owned sequences come with them. Schema patterns select every
/// object in the matching schemas. An empty selection keeps everything.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selection {
    /// Keep only tables and views matching one of these (`-t`); empty keeps all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<String>,
    /// Leave out tables and views matching one of these (`-T`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_tables: Vec<String>,
    /// Keep only objects in schemas matching one of these (`-n`); empty keeps all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Leave out objects in schemas matching one of these (`-N`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_schemas: Vec<String>,
    /// Accept patterns that match nothing (the second schema of a diff, which may lack
    /// what the first has). By default a pattern that matches nothing is an error.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lenient: bool,
}

impl Selection {
    /// A selection that keeps everything.
    pub fn all() -> Self {
        Selection::default()
    }

    /// Also keep tables and views matching `pattern`.
    pub fn table(mut self, pattern: impl Into<String>) -> Self {
        self.tables.push(pattern.into());
        self
    }

    /// Leave out tables and views matching `pattern`.
    pub fn exclude_table(mut self, pattern: impl Into<String>) -> Self {
        self.exclude_tables.push(pattern.into());
        self
    }

    /// Also keep the objects of schemas matching `pattern`.
    pub fn schema(mut self, pattern: impl Into<String>) -> Self {
        self.schemas.push(pattern.into());
        self
    }

    /// Leave out the objects of schemas matching `pattern`.
    pub fn exclude_schema(mut self, pattern: impl Into<String>) -> Self {
        self.exclude_schemas.push(pattern.into());
        self
    }

    /// The same selection, accepting patterns that match nothing when `lenient`.
    pub fn with_lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// Whether the selection keeps everything.
    pub fn is_all(&self) -> bool {
        self.tables.is_empty()
            && self.exclude_tables.is_empty()
            && self.schemas.is_empty()
            && self.exclude_schemas.is_empty()
    }

    /// Removes from `schema` what the selection leaves out, and what the kept objects
    /// would need from it where that can be left out alone (recorded in
    /// `schema.skipped`). Fails when a pattern matches nothing, or when a kept table
    /// cannot be created without an excluded object.
    pub fn apply(&self, schema: &mut Schema, case: IdentifierCase) -> Result<()> {
        if self.is_all() {
            return Ok(());
        }
        let has_schemas = schema_names(schema).next().is_some();
        let compile = |kind: PatternKind, texts: &[String]| {
            texts
                .iter()
                .map(|text| Pattern::parse(text, kind, case))
                .collect::<Result<Vec<_>>>()
        };
        let tables = compile(PatternKind::Table, &self.tables)?;
        let exclude_tables = compile(PatternKind::Table, &self.exclude_tables)?;
        let schemas = compile(PatternKind::Schema, &self.schemas)?;
        let exclude_schemas = compile(PatternKind::Schema, &self.exclude_schemas)?;

        // Every pattern must match something (of what exists before filtering).
        let relations: Vec<&QualifiedName> = schema
            .tables
            .iter()
            .map(|t| &t.name)
            .chain(schema.views.iter().map(|v| &v.name))
            .chain(schema.virtual_tables.iter().map(|v| &v.name))
            .collect();
        for pattern in tables.iter().chain(&exclude_tables) {
            // A database whose objects name no schema has none (SQLite, MySQL), unless
            // it is merely empty.
            if pattern.schema.is_some() && !has_schemas && !relations.is_empty() && !self.lenient {
                return Err(pattern.unmatched(format!(
                    "it names a schema, and {} databases have none",
                    schema.dialect
                )));
            }
            if !self.lenient && !relations.iter().any(|name| pattern.matches(name)) {
                // A near miss in case only gets a hint.
                let loose =
                    Pattern::parse(&pattern.text, pattern.kind, IdentifierCase::Insensitive)?;
                let near: Vec<String> = relations
                    .iter()
                    .filter(|name| loose.matches(name))
                    .take(3)
                    .map(|name| name.to_string())
                    .collect();
                let hint = if near.is_empty() {
                    String::new()
                } else {
                    format!("did you mean {}?", near.join(" or "))
                };
                return Err(pattern.unmatched(hint));
            }
        }
        for pattern in schemas.iter().chain(&exclude_schemas) {
            if !self.lenient && !schema_names(schema).any(|s| pattern.name.matches(s)) {
                let why = if has_schemas {
                    String::new()
                } else {
                    format!("{} databases have no schemas", schema.dialect)
                };
                return Err(pattern.unmatched(why));
            }
        }

        let in_schemas = |name: &QualifiedName| -> bool {
            let s = name.schema.as_deref();
            (schemas.is_empty() || s.is_some_and(|s| schemas.iter().any(|p| p.name.matches(s))))
                && !s.is_some_and(|s| exclude_schemas.iter().any(|p| p.name.matches(s)))
        };
        let selected = |name: &QualifiedName| -> bool {
            in_schemas(name)
                && (tables.is_empty() || tables.iter().any(|p| p.matches(name)))
                && !exclude_tables.iter().any(|p| p.matches(name))
        };

        let mut removed = Removed::default();
        let mut kept_tables = Vec::with_capacity(schema.tables.len());
        for table in std::mem::take(&mut schema.tables) {
            if selected(&table.name) {
                kept_tables.push(table);
            } else {
                removed.relations.push(table.name);
            }
        }
        schema.tables = kept_tables;
        // A virtual table is selected like a table (its shadow tables go with it).
        let virtual_tables = std::mem::take(&mut schema.virtual_tables);
        for virtual_table in virtual_tables {
            if selected(&virtual_table.name) {
                schema.virtual_tables.push(virtual_table);
            } else {
                removed.relations.push(virtual_table.name);
            }
        }
        let views = std::mem::take(&mut schema.views);
        for view in views {
            if selected(&view.name) {
                schema.views.push(view);
            } else {
                removed.relations.push(view.name);
            }
        }
        let gone: HashSet<QualifiedName> = removed.relations.iter().cloned().collect();

        // Objects that follow a schema alone.
        schema.types.retain(|t| {
            in_schemas(&t.name) || {
                removed.types.push(t.name.clone());
                false
            }
        });
        schema.routines.retain(|r| {
            in_schemas(&r.name) || {
                removed.routines.push(r.name.clone());
                false
            }
        });
        schema.events.retain(|e| in_schemas(&e.name));
        // A rule, policy or row-level security goes with its table or view.
        schema.definitions.retain(|d| match &d.table {
            Some(table) => !gone.contains(table),
            None => in_schemas(&d.name),
        });
        schema.sequences.retain(|s| {
            let keep = match &s.owned_by {
                Some(owner) => !gone.contains(&owner.table) && in_schemas(&s.name),
                None => in_schemas(&s.name),
            };
            if !keep {
                removed.sequences.push(s.name.clone());
            }
            keep
        });
        // Extensions belong to the database; one whose schema the selection leaves out
        // goes with it.
        schema
            .extensions
            .retain(|e| in_schemas(&QualifiedName::bare(&e.name).in_schema(&e.schema)));
        let used_schemas: HashSet<String> = schema
            .tables
            .iter()
            .map(|t| &t.name)
            .chain(schema.views.iter().map(|v| &v.name))
            .chain(schema.types.iter().map(|t| &t.name))
            .chain(schema.routines.iter().map(|r| &r.name))
            .chain(schema.sequences.iter().map(|s| &s.name))
            .filter_map(|n| n.schema.clone())
            .chain(schema.extensions.iter().map(|e| e.schema.clone()))
            .collect();
        // A schema the schema patterns keep stays, empty or not, unless table patterns
        // narrow the selection to what they match: then only the schemas in use stay.
        schema.namespaces.retain(|n| {
            let kept = in_schemas(&QualifiedName::bare("").in_schema(&n.name));
            (kept && tables.is_empty()) || used_schemas.contains(&n.name)
        });
        schema.triggers.retain(|t| !gone.contains(&t.table));

        removed.leave_out_routines(schema, case);
        removed.refuse_broken_tables(schema, case)?;
        removed.leave_out_dependents(schema, case);
        keep_definitions_of_what_stays(schema);
        Ok(())
    }
}

/// What the selection took away, to find what the kept objects needed from it.
#[derive(Default)]
struct Removed {
    relations: Vec<QualifiedName>,
    types: Vec<QualifiedName>,
    routines: Vec<QualifiedName>,
    sequences: Vec<QualifiedName>,
}

impl Removed {
    /// Fails when a kept table cannot be created without a removed object.
    fn refuse_broken_tables(&self, schema: &Schema, case: IdentifierCase) -> Result<()> {
        let gone: HashSet<&QualifiedName> = self.relations.iter().collect();
        let references = References::new(schema, case);
        let types = Candidates::new(case, self.types.iter().map(|t| ("type", t)));
        let called = Candidates::new(
            case,
            self.sequences
                .iter()
                .map(|s| ("sequence", s))
                .chain(self.routines.iter().map(|r| ("routine", r))),
        );
        for table in &schema.tables {
            for option in &table.options {
                let parents: Vec<&QualifiedName> = match option {
                    TableOption::PartitionOf { parent, .. } => vec![parent],
                    TableOption::Inherits(parents) => parents.iter().collect(),
                    _ => Vec::new(),
                };
                if let Some(parent) = parents.into_iter().find(|p| gone.contains(p)) {
                    return Err(needs(&table.name, format!("table {parent}"), "its parent"));
                }
            }
            for column in &table.columns {
                let typed = Refs::scan(&column.data_type.raw, Lexicon::Standard);
                if let Some((_, t)) = references.first(&typed, &types) {
                    return Err(needs(
                        &table.name,
                        format!("type {t}"),
                        &format!("the type of column {}", quoted(&column.name)),
                    ));
                }
                let exprs = column
                    .default
                    .iter()
                    .chain(column.generated.iter().map(|g| &g.expr));
                for expr in exprs {
                    let refs = Refs::of(expr);
                    if let Some((kind, name)) = references.first(&refs, &called) {
                        return Err(needs(
                            &table.name,
                            format!("{kind} {name}"),
                            &format!("the default of column {}", quoted(&column.name)),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Leaves out, with a warning each, the routines whose definition names a removed
    /// table, view or routine (a row type in a signature, a table a body reads), and
    /// then the routines that call those.
    fn leave_out_routines(&mut self, schema: &mut Schema, case: IdentifierCase) {
        let refs: Vec<Refs> = schema
            .routines
            .iter()
            .map(|r| Refs::of(&r.definition))
            .collect();
        let names: Vec<QualifiedName> = schema.routines.iter().map(|r| r.name.clone()).collect();
        let mut needs = self
            .transitively(schema, case, &names, &refs, "routine")
            .into_iter();
        let mut skipped = Vec::new();
        schema.routines.retain(|routine| {
            let Some(what) = needs.next().flatten() else {
                return true;
            };
            skipped.push(Skipped {
                kind: routine.kind.sql().to_ascii_lowercase(),
                name: format!("{}({})", plain(&routine.name), routine.arguments),
                reason: format!("left out: it names {what}, which the selection excludes"),
            });
            self.routines.push(routine.name.clone());
            false
        });
        schema.skipped.extend(skipped);
    }

    /// For each of the objects `names` (whose texts' paths are `refs`), what removed
    /// object it needs, if any, counting the objects of this list it leaves out as
    /// removed in turn (a view over a left-out view, a routine calling a left-out one).
    /// Lists come in dependency order, so one pass finds every chain; passes repeat
    /// until nothing changes for lists that do not.
    fn transitively(
        &self,
        schema: &Schema,
        case: IdentifierCase,
        names: &[QualifiedName],
        refs: &[Refs],
        kind: &'static str,
    ) -> Vec<Option<String>> {
        let mut references = References::new(schema, case);
        let mut candidates = self.needed_candidates(case);
        let mut needs: Vec<Option<String>> = vec![None; names.len()];
        loop {
            let mut changed = false;
            for (i, (name, refs)) in names.iter().zip(refs).enumerate() {
                if needs[i].is_some() {
                    continue;
                }
                if let Some((what_kind, what)) = references.first(refs, &candidates) {
                    needs[i] = Some(format!("{what_kind} {what}"));
                    references.forget(name);
                    candidates.add(kind, name.clone());
                    changed = true;
                }
            }
            if !changed {
                return needs;
            }
        }
    }

    /// Leaves out, with a warning each, the foreign keys, views and triggers that need
    /// a removed object; views over such views follow.
    fn leave_out_dependents(&mut self, schema: &mut Schema, case: IdentifierCase) {
        let mut skipped = Vec::new();
        let gone: HashSet<QualifiedName> = self.relations.iter().cloned().collect();
        for table in &mut schema.tables {
            let name = table.name.clone();
            table.foreign_keys.retain(|fk| {
                if !gone.contains(&fk.referenced_table) {
                    return true;
                }
                skipped.push(Skipped {
                    kind: "foreign key".into(),
                    name: fk_name(&name, fk),
                    reason: format!(
                        "left out of table {name}: it references table {}, which the \
                         selection excludes",
                        fk.referenced_table
                    ),
                });
                false
            });
        }
        // Views may read views.
        let refs: Vec<Refs> = schema.views.iter().map(|v| Refs::of(&v.query)).collect();
        let names: Vec<QualifiedName> = schema.views.iter().map(|v| v.name.clone()).collect();
        let mut needs = self
            .transitively(schema, case, &names, &refs, "table or view")
            .into_iter();
        schema.views.retain(|view| {
            let Some(what) = needs.next().flatten() else {
                return true;
            };
            skipped.push(Skipped {
                kind: if view.materialized {
                    "materialized view"
                } else {
                    "view"
                }
                .into(),
                name: plain(&view.name),
                reason: format!("left out: it reads {what}, which the selection excludes"),
            });
            self.relations.push(view.name.clone());
            false
        });
        let gone: HashSet<QualifiedName> = self.relations.iter().cloned().collect();
        schema.triggers.retain(|t| !gone.contains(&t.table));
        let references = References::new(schema, case);
        let candidates = self.needed_candidates(case);
        let tables: HashSet<&QualifiedName> = schema.tables.iter().map(|t| &t.name).collect();
        schema.triggers.retain(|trigger| {
            let refs = Refs::of(&trigger.definition);
            match references.first(&refs, &candidates) {
                Some((kind, what)) => {
                    let what = format!("{kind} {what}");
                    let on = if tables.contains(&trigger.table) {
                        "table"
                    } else {
                        "view"
                    };
                    skipped.push(Skipped {
                        kind: "trigger".into(),
                        name: trigger.name.name.clone(),
                        reason: format!(
                            "left out of {on} {}: it names {what}, which the selection \
                             excludes",
                            trigger.table
                        ),
                    });
                    false
                }
                None => true,
            }
        });
        // Grants go with what they are on.
        let gone_routines: HashSet<&QualifiedName> = self.routines.iter().collect();
        schema.grants.retain(|grant| match &grant.on {
            crate::ir::GrantTarget::Table(table) => !gone.contains(table),
            crate::ir::GrantTarget::Routine { name, .. } => !gone_routines.contains(name),
            _ => true,
        });
        schema.events.retain(|event| {
            let refs = Refs::of(&event.body);
            match references.first(&refs, &candidates) {
                Some((kind, what)) => {
                    skipped.push(Skipped {
                        kind: "event".into(),
                        name: plain(&event.name),
                        reason: format!(
                            "left out: it names {kind} {what}, which the selection excludes"
                        ),
                    });
                    false
                }
                None => true,
            }
        });
        schema.skipped.extend(skipped);
    }

    /// The removed relations and routines, as what a view or trigger may need.
    fn needed_candidates(&self, case: IdentifierCase) -> Candidates {
        Candidates::new(
            case,
            self.relations
                .iter()
                .map(|n| ("table or view", n))
                .chain(self.routines.iter().map(|n| ("routine", n))),
        )
    }
}

fn needs(table: &QualifiedName, object: String, role: &str) -> Error {
    Error::Selection {
        what: format!("table {table}"),
        reason: format!("needs {object} ({role}), which the selection excludes"),
    }
}

/// How a foreign key is named in a warning: its name, or its columns when unnamed.
fn fk_name(table: &QualifiedName, fk: &ForeignKey) -> String {
    fk.name
        .clone()
        .unwrap_or_else(|| format!("{}({})", table.name, fk.columns.join(", ")))
}

/// A name as a [`Skipped`] entry holds it: `schema.name`, unquoted (its display quotes).
fn plain(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{schema}.{}", name.name),
        None => name.name.clone(),
    }
}

/// How a SQL text spells string literals and comments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lexicon {
    /// Quotes doubled in literals, `--` and `/* */` comments.
    Standard,
    /// MySQL: also backslash escapes in literals and `#` comments.
    Mysql,
}

/// Every schema name the schema's objects use.
fn schema_names(schema: &Schema) -> impl Iterator<Item = &str> {
    schema.namespaces.iter().map(|n| n.name.as_str()).chain(
        schema
            .tables
            .iter()
            .map(|t| &t.name)
            .chain(schema.views.iter().map(|v| &v.name))
            .chain(schema.types.iter().map(|t| &t.name))
            .chain(schema.routines.iter().map(|r| &r.name))
            .chain(schema.sequences.iter().map(|s| &s.name))
            .filter_map(|n| n.schema.as_deref()),
    )
}

/// One part of an identifier path, and whether it was quoted.
type Part = (String, bool);

/// Identifier paths in SQL text: `a.b.c` as `["a", "b", "c"]`, each part with whether
/// it was quoted. String literals and comments are skipped, except a literal cast to
/// `regclass` (`nextval('public.t_id_seq'::regclass)`, as PostgreSQL prints defaults),
/// which names a relation and is read as a path.
struct Refs(Vec<Vec<Part>>);

impl Refs {
    /// The paths in an expression, read as the dialect that wrote it reads them.
    fn of(expr: &crate::ir::Expr) -> Refs {
        match expr {
            crate::ir::Expr::Raw { sql, dialect } if dialect == "mysql" => {
                Refs::scan(sql, Lexicon::Mysql)
            }
            crate::ir::Expr::Raw { sql, .. } => Refs::scan(sql, Lexicon::Standard),
            crate::ir::Expr::Literal { .. } => Refs(Vec::new()),
        }
    }

    fn scan(sql: &str, lexicon: Lexicon) -> Refs {
        let chars: Vec<char> = sql.chars().collect();
        let mut paths: Vec<Vec<Part>> = Vec::new();
        let mut current: Vec<Part> = Vec::new();
        let mut after_dot = false;
        let mut i = 0;
        let flush = |current: &mut Vec<Part>, paths: &mut Vec<Vec<Part>>| {
            if !current.is_empty() {
                paths.push(std::mem::take(current));
            }
        };
        while i < chars.len() {
            let c = chars[i];
            // `[` quotes a name (SQLite) unless it subscripts what precedes it
            // (`ARRAY[...]`, `a[1]`).
            let subscript = c == '['
                && i > 0
                && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '_' | ']' | ')'));
            let part = match c {
                '"' | '`' | '[' if !subscript => {
                    let close = if c == '[' { ']' } else { c };
                    let (text, next) = quoted_text(&chars, i + 1, close);
                    i = next;
                    Some((text, true))
                }
                '\'' => {
                    let (text, next) = if lexicon == Lexicon::Mysql {
                        escaped_text(&chars, i + 1)
                    } else {
                        quoted_text(&chars, i + 1, '\'')
                    };
                    i = next;
                    flush(&mut current, &mut paths);
                    after_dot = false;
                    if casts_to_regclass(&chars, i) {
                        paths.push(parse_path(&text));
                    }
                    continue;
                }
                '#' if lexicon == Lexicon::Mysql => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    continue;
                }
                '-' if chars.get(i + 1) == Some(&'-') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    continue;
                }
                '/' if chars.get(i + 1) == Some(&'*') => {
                    i += 2;
                    while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                '.' => {
                    after_dot = true;
                    i += 1;
                    continue;
                }
                c if c.is_alphanumeric() || c == '_' || c == '$' => {
                    let start = i;
                    while i < chars.len()
                        && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                    {
                        i += 1;
                    }
                    Some((chars[start..i].iter().collect(), false))
                }
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                _ => {
                    i += 1;
                    None
                }
            };
            match part {
                Some(part) => {
                    if !after_dot {
                        flush(&mut current, &mut paths);
                    }
                    current.push(part);
                }
                None => flush(&mut current, &mut paths),
            }
            after_dot = false;
        }
        flush(&mut current, &mut paths);
        Refs(paths)
    }
}

/// The text of a quoted token that starts after its opening character at `from`, up to
/// `close` (doubled to stand for itself, but for `]`), and the position after it.
fn quoted_text(chars: &[char], from: usize, close: char) -> (String, usize) {
    let mut text = String::new();
    let mut i = from;
    while i < chars.len() {
        if chars[i] == close {
            if close != ']' && chars.get(i + 1) == Some(&close) {
                text.push(close);
                i += 2;
                continue;
            }
            return (text, i + 1);
        }
        text.push(chars[i]);
        i += 1;
    }
    (text, i)
}

/// A MySQL string literal's text from `from` to its closing quote, where a backslash
/// escapes the character after it and a doubled quote stands for one, and the position
/// after it.
fn escaped_text(chars: &[char], from: usize) -> (String, usize) {
    let mut text = String::new();
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                text.extend(chars.get(i + 1));
                i += 2;
            }
            '\'' if chars.get(i + 1) == Some(&'\'') => {
                text.push('\'');
                i += 2;
            }
            '\'' => return (text, i + 1),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    (text, i)
}

/// The relations that `'...'::regclass` literals in PostgreSQL text name (as PostgreSQL
/// prints a sequence default: `nextval('public."Order_id_seq"'::regclass)`), unquoted
/// parts folded to lower case as the server folds them.
pub fn regclass_names(sql: &str) -> Vec<QualifiedName> {
    let chars: Vec<char> = sql.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' => i = quoted_text(&chars, i + 1, '"').1,
            '\'' => {
                let (text, next) = quoted_text(&chars, i + 1, '\'');
                i = next;
                if casts_to_regclass(&chars, i) {
                    let mut parts: Vec<String> = parse_path(&text)
                        .into_iter()
                        .map(|(part, quoted)| {
                            if quoted {
                                part
                            } else {
                                part.to_ascii_lowercase()
                            }
                        })
                        .collect();
                    if let Some(name) = parts.pop() {
                        names.push(QualifiedName {
                            schema: parts.pop(),
                            name,
                        });
                    }
                }
            }
            _ => i += 1,
        }
    }
    names
}

/// Whether `::regclass` follows position `i`.
fn casts_to_regclass(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..chars.len().min(i + 10)].iter().collect();
    rest.to_ascii_lowercase().starts_with("::regclass")
}

/// The identifier path a `regclass` literal spells (`public."Order Lines"`).
fn parse_path(text: &str) -> Vec<Part> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '"' {
            let (name, next) = quoted_text(&chars, i + 1, '"');
            parts.push((name, true));
            i = next;
        } else {
            let start = i;
            while i < chars.len() && chars[i] != '.' {
                i += 1;
            }
            parts.push((chars[start..i].iter().collect(), false));
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
        }
    }
    parts
}

/// Objects a text may refer to, indexed by name, each with what to call it.
struct Candidates {
    case: IdentifierCase,
    by_name: HashMap<String, Vec<(&'static str, QualifiedName)>>,
}

impl Candidates {
    fn new<'a>(
        case: IdentifierCase,
        objects: impl IntoIterator<Item = (&'static str, &'a QualifiedName)>,
    ) -> Self {
        let mut candidates = Candidates {
            case,
            by_name: HashMap::new(),
        };
        for (kind, name) in objects {
            candidates.add(kind, name.clone());
        }
        candidates
    }

    fn add(&mut self, kind: &'static str, name: QualifiedName) {
        self.by_name
            .entry(fold(&name.name, self.case))
            .or_default()
            .push((kind, name));
    }
}

/// Decides whether text refers to an object, knowing which names the kept objects use
/// (an unqualified name that a kept object also has is read as that kept object).
struct References {
    case: IdentifierCase,
    /// How many kept objects have each (folded) name.
    kept: HashMap<String, usize>,
}

impl References {
    fn new(schema: &Schema, case: IdentifierCase) -> Self {
        let kept = schema
            .tables
            .iter()
            .map(|t| &t.name)
            .chain(schema.views.iter().map(|v| &v.name))
            .chain(schema.routines.iter().map(|r| &r.name))
            .chain(schema.sequences.iter().map(|s| &s.name))
            .fold(HashMap::new(), |mut kept: HashMap<String, usize>, n| {
                *kept.entry(fold(&n.name, case)).or_default() += 1;
                kept
            });
        References { case, kept }
    }

    /// `name` is no longer a kept object's.
    fn forget(&mut self, name: &QualifiedName) {
        if let Some(count) = self.kept.get_mut(&fold(&name.name, self.case)) {
            *count = count.saturating_sub(1);
        }
    }

    /// The key a referring part is looked up by, as the server resolves it.
    fn key(&self, (text, quoted): &Part) -> String {
        match self.case {
            IdentifierCase::Sensitive => text.clone(),
            IdentifierCase::Insensitive => text.to_ascii_lowercase(),
            IdentifierCase::FoldLower if *quoted => text.clone(),
            IdentifierCase::FoldLower => text.to_ascii_lowercase(),
        }
    }

    /// The first of `candidates` that `refs` names, in the text's order.
    fn first<'a>(
        &self,
        refs: &Refs,
        candidates: &'a Candidates,
    ) -> Option<(&'static str, &'a QualifiedName)> {
        refs.0.iter().find_map(|path| {
            let last = path.last()?;
            let found = candidates.by_name.get(&self.key(last))?;
            found
                .iter()
                .find(|(_, object)| self.qualifies(path, object))
                .map(|(kind, object)| (*kind, object))
        })
    }

    /// Whether `path`, whose last part names `object`, refers to it: a qualified path
    /// must name its schema; an unqualified one must not name a kept object as well.
    /// Where there are no schemas, `main.t` (SQLite) and `db.t` (MySQL, which
    /// qualifies every name in a view) qualify a table, but `NEW.c` (a column of a row)
    /// and `db.t.c` do not.
    fn qualifies(&self, path: &[Part], object: &QualifiedName) -> bool {
        let n = path.len();
        match (&object.schema, n) {
            (_, 1) => {
                self.kept
                    .get(&fold(&object.name, self.case))
                    .copied()
                    .unwrap_or(0)
                    == 0
            }
            (Some(schema), _) => self.key(&path[n - 2]) == fold(schema, self.case),
            (None, 2) => match self.case {
                IdentifierCase::Insensitive => {
                    matches!(self.key(&path[0]).as_str(), "main" | "temp")
                }
                _ => true,
            },
            (None, _) => false,
        }
    }
}

fn fold(name: &str, case: IdentifierCase) -> String {
    match case {
        IdentifierCase::Insensitive => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PatternKind {
    Table,
    Schema,
}

/// One compiled pattern: an optional schema part and a name part.
struct Pattern {
    text: String,
    kind: PatternKind,
    schema: Option<Glob>,
    name: Glob,
}

impl Pattern {
    fn parse(text: &str, kind: PatternKind, case: IdentifierCase) -> Result<Pattern> {
        let invalid = |reason: &str| Error::Selection {
            what: format!("the pattern {}", quoted(text)),
            reason: reason.to_owned(),
        };
        let mut parts: Vec<Vec<Atom>> = vec![Vec::new()];
        let mut in_quotes = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let part = parts.last_mut().expect("one part at least");
            match c {
                '"' if in_quotes && chars.peek() == Some(&'"') => {
                    chars.next();
                    part.push(Atom::Char('"', true));
                }
                '"' => in_quotes = !in_quotes,
                _ if in_quotes => part.push(Atom::Char(c, true)),
                '*' => part.push(Atom::Any),
                '?' => part.push(Atom::One),
                '.' => parts.push(Vec::new()),
                _ => part.push(Atom::Char(c, false)),
            }
        }
        if in_quotes {
            return Err(invalid("a double quote is not closed"));
        }
        let glob = |atoms: Vec<Atom>| Glob { atoms, case };
        let mut parts = parts.into_iter().map(glob).collect::<Vec<_>>();
        if parts.iter().any(|p| p.atoms.is_empty()) {
            return Err(invalid("a name in it is empty"));
        }
        let max = if kind == PatternKind::Table { 2 } else { 1 };
        if parts.len() > max {
            return Err(invalid(if kind == PatternKind::Table {
                "too many dotted names (at most schema.table)"
            } else {
                "a schema pattern has no dots (quote a dot that is part of the name)"
            }));
        }
        let name = parts.pop().expect("one part at least");
        Ok(Pattern {
            text: text.to_owned(),
            kind,
            schema: parts.pop(),
            name,
        })
    }

    fn matches(&self, name: &QualifiedName) -> bool {
        let schema_ok = match (&self.schema, &name.schema) {
            (None, _) => true,
            (Some(p), Some(s)) => p.matches(s),
            (Some(_), None) => false,
        };
        schema_ok && self.name.matches(&name.name)
    }

    fn unmatched(&self, why: String) -> Error {
        let what = match self.kind {
            PatternKind::Table => "table or view",
            PatternKind::Schema => "schema",
        };
        Error::Selection {
            what: format!("the pattern {}", quoted(&self.text)),
            reason: if why.is_empty() {
                format!("no {what} matches it")
            } else {
                format!("no {what} matches it: {why}")
            },
        }
    }
}

#[derive(Clone, Copy)]
enum Atom {
    /// A character, and whether it was quoted.
    Char(char, bool),
    /// `*`.
    Any,
    /// `?`.
    One,
}

struct Glob {
    atoms: Vec<Atom>,
    case: IdentifierCase,
}

impl Glob {
    /// Whether the whole of `name` matches: the usual greedy wildcard match, which
    /// backtracks only to the last `*`, so it takes at most len(pattern) x len(name)
    /// steps whatever the pattern.
    fn matches(&self, name: &str) -> bool {
        let text: Vec<char> = name.chars().collect();
        let (mut a, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.atoms.get(a) {
                Some(Atom::Any) => {
                    star = Some((a, t));
                    a += 1;
                }
                Some(Atom::One) => {
                    a += 1;
                    t += 1;
                }
                Some(Atom::Char(p, quoted)) if self.same(*p, *quoted, text[t]) => {
                    a += 1;
                    t += 1;
                }
                _ => match star {
                    Some((star_a, star_t)) => {
                        a = star_a + 1;
                        t = star_t + 1;
                        star = Some((star_a, star_t + 1));
                    }
                    None => return false,
                },
            }
        }
        self.atoms[a..].iter().all(|atom| matches!(atom, Atom::Any))
    }

    fn same(&self, pattern: char, quoted: bool, c: char) -> bool {
        match self.case {
            IdentifierCase::Sensitive => pattern == c,
            IdentifierCase::Insensitive => pattern.eq_ignore_ascii_case(&c),
            IdentifierCase::FoldLower if quoted => pattern == c,
            IdentifierCase::FoldLower => pattern.to_ascii_lowercase() == c,
        }
    }
}

/// Leaves out the definitions whose table, or the object they are of (an owner,
/// privileges), the selection left out.
fn keep_definitions_of_what_stays(schema: &mut Schema) {
    let holdings = schema.holdings();
    let relation = |name: &QualifiedName| crate::ir::ObjectRef {
        kind: crate::object::ObjectKind::Table,
        name: name.clone(),
        arguments: None,
    };
    let keep: Vec<bool> = schema
        .definitions
        .iter()
        .map(|d| {
            d.table
                .as_ref()
                .is_none_or(|t| holdings.holds(&relation(t)))
                && d.of.as_ref().is_none_or(|of| holdings.holds(of))
        })
        .collect();
    let mut keep = keep.into_iter();
    schema.definitions.retain(|_| keep.next().unwrap_or(true));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Column, Expr, Table, Trigger, View};
    use crate::types::DataType;

    fn qn(schema: Option<&str>, name: &str) -> QualifiedName {
        QualifiedName {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    fn table(schema: Option<&str>, name: &str) -> Table {
        Table {
            columns: vec![Column::new("id", DataType::from_raw("integer"))],
            ..Table::new(qn(schema, name))
        }
    }

    fn fk(name: &str, to: QualifiedName) -> ForeignKey {
        ForeignKey {
            name: Some(name.into()),
            columns: vec!["id".into()],
            referenced_table: to,
            referenced_columns: vec!["id".into()],
            on_delete: crate::ir::ReferentialAction::NoAction,
            on_update: crate::ir::ReferentialAction::NoAction,
            match_type: crate::ir::MatchType::Simple,
            deferrable: crate::ir::Deferrable::NotDeferrable,
            definition: None,
            comment: None,
        }
    }

    /// The message with which `selection` refuses `schema`.
    fn refused(selection: Selection, mut schema: Schema, case: IdentifierCase) -> String {
        selection.apply(&mut schema, case).unwrap_err().to_string()
    }

    fn glob(pattern: &str, case: IdentifierCase) -> Pattern {
        Pattern::parse(pattern, PatternKind::Table, case).unwrap()
    }

    #[test]
    fn wildcards_quotes_and_case_follow_pg_dump() {
        let pg = IdentifierCase::FoldLower;
        assert!(glob("ord*", pg).matches(&qn(Some("s"), "orders")));
        assert!(glob("ORD*", pg).matches(&qn(Some("s"), "orders")));
        assert!(!glob("ORD*", pg).matches(&qn(Some("s"), "ORDERS")));
        assert!(glob("\"ORD\"*", pg).matches(&qn(Some("s"), "ORDERS")));
        assert!(glob("s.o?ders", pg).matches(&qn(Some("s"), "orders")));
        assert!(!glob("t.orders", pg).matches(&qn(Some("s"), "orders")));
        assert!(glob("\"a.b\"", pg).matches(&qn(None, "a.b")));
        assert!(!glob("\"a*\"", pg).matches(&qn(None, "ab")));
        assert!(glob("\"a*\"", pg).matches(&qn(None, "a*")));
        assert!(glob("\"say \"\"hi\"\"\"", pg).matches(&qn(None, "say \"hi\"")));
        assert!(glob("*", pg).matches(&qn(None, "")));
        let sqlite = IdentifierCase::Insensitive;
        assert!(glob("ALBUM", sqlite).matches(&qn(None, "album")));
        let mysql = IdentifierCase::Sensitive;
        assert!(!glob("album", mysql).matches(&qn(None, "Album")));
        assert!(glob("Al?um", mysql).matches(&qn(None, "Album")));
    }

    #[test]
    fn malformed_patterns_are_refused_with_the_pattern() {
        let err = |p: &str, kind| {
            Pattern::parse(p, kind, IdentifierCase::FoldLower)
                .err()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            err("\"open", PatternKind::Table),
            "selection: the pattern \"\"\"open\": a double quote is not closed"
        );
        assert_eq!(
            err("a.b.c", PatternKind::Table),
            "selection: the pattern \"a.b.c\": too many dotted names (at most schema.table)"
        );
        assert_eq!(
            err("a.b", PatternKind::Schema),
            "selection: the pattern \"a.b\": a schema pattern has no dots (quote a dot that \
             is part of the name)"
        );
        assert_eq!(
            err("a.", PatternKind::Table),
            "selection: the pattern \"a.\": a name in it is empty"
        );
    }

    fn shop() -> Schema {
        let mut schema = Schema::new("postgres");
        let mut orders = table(Some("public"), "orders");
        orders
            .foreign_keys
            .push(fk("orders_customer_fk", qn(Some("public"), "customer")));
        schema.tables = vec![table(Some("public"), "customer"), orders];
        schema.views = vec![
            View::new(
                qn(Some("public"), "big_orders"),
                Expr::raw(
                    "postgres",
                    "SELECT id FROM public.orders WHERE id > 'customer'",
                ),
            ),
            View::new(
                qn(Some("public"), "vip"),
                Expr::raw("postgres", "SELECT id FROM customer"),
            ),
            View::new(
                qn(Some("public"), "vip_orders"),
                Expr::raw(
                    "postgres",
                    "SELECT o.id FROM vip v JOIN orders o USING (id)",
                ),
            ),
        ];
        schema.triggers = vec![
            Trigger {
                definer: None,
                name: qn(Some("public"), "audit"),
                table: qn(Some("public"), "orders"),
                definition: Expr::raw(
                    "postgres",
                    "CREATE TRIGGER audit AFTER INSERT ON orders FOR EACH ROW EXECUTE \
                     FUNCTION log()",
                ),
                settings: Vec::new(),
                comment: None,
            },
            Trigger {
                definer: None,
                name: qn(Some("public"), "audit"),
                table: qn(Some("public"), "customer"),
                definition: Expr::raw("postgres", "CREATE TRIGGER audit ON customer"),
                settings: Vec::new(),
                comment: None,
            },
        ];
        schema
    }

    #[test]
    fn an_excluded_table_takes_its_triggers_and_leaves_out_what_needs_it() {
        let mut schema = shop();
        Selection::all()
            .exclude_table("customer")
            .apply(&mut schema, IdentifierCase::FoldLower)
            .unwrap();
        let names: Vec<&str> = schema.tables.iter().map(|t| t.name.name.as_str()).collect();
        assert_eq!(names, ["orders"]);
        assert!(schema.tables[0].foreign_keys.is_empty());
        let views: Vec<&str> = schema.views.iter().map(|v| v.name.name.as_str()).collect();
        // A string literal that spells the excluded name is not a reference.
        assert_eq!(views, ["big_orders"]);
        assert_eq!(schema.triggers.len(), 1);
        assert_eq!(schema.triggers[0].table.name, "orders");
        let warnings: Vec<String> = schema.skipped.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            warnings,
            [
                "foreign key \"orders_customer_fk\": left out of table \"public\".\"orders\": it \
                 references table \"public\".\"customer\", which the selection excludes",
                "view \"public.vip\": left out: it reads table or view \
                 \"public\".\"customer\", which the selection excludes",
                "view \"public.vip_orders\": left out: it reads table or view \
                 \"public\".\"vip\", which the selection excludes",
            ]
        );
    }

    #[test]
    fn included_tables_keep_only_what_matches_and_unmatched_patterns_fail() {
        let mut schema = shop();
        Selection::all()
            .table("ord*")
            .table("big_*")
            .apply(&mut schema, IdentifierCase::FoldLower)
            .unwrap();
        assert_eq!(schema.tables.len(), 1);
        assert_eq!(schema.views.len(), 1);
        assert_eq!(
            refused(
                Selection::all().table("nope*"),
                shop(),
                IdentifierCase::FoldLower
            ),
            "selection: the pattern \"nope*\": no table or view matches it"
        );
        assert_eq!(
            refused(
                Selection::all().exclude_schema("sales"),
                shop(),
                IdentifierCase::FoldLower
            ),
            "selection: the pattern \"sales\": no schema matches it"
        );
        assert_eq!(
            refused(
                Selection::all().table("\"Orders\""),
                shop(),
                IdentifierCase::FoldLower
            ),
            "selection: the pattern \"\"\"Orders\"\"\": no table or view matches it: did you \
             mean \"public\".\"orders\"?"
        );
        let mut lenient = shop();
        Selection::all()
            .exclude_table("nope*")
            .with_lenient(true)
            .apply(&mut lenient, IdentifierCase::FoldLower)
            .unwrap();
        assert_eq!(
            lenient,
            shop(),
            "a lenient pattern that matches nothing changes nothing"
        );
        let mut lite = Schema::new("sqlite");
        lite.tables.push(table(None, "t"));
        assert_eq!(
            refused(
                Selection::all().schema("main"),
                lite.clone(),
                IdentifierCase::Insensitive
            ),
            "selection: the pattern \"main\": no schema matches it: sqlite databases have no \
             schemas"
        );
        assert_eq!(
            refused(
                Selection::all().table("main.t"),
                lite,
                IdentifierCase::Insensitive
            ),
            "selection: the pattern \"main.t\": no table or view matches it: it names a schema, \
             and sqlite databases have none"
        );
    }

    #[test]
    fn a_table_that_needs_an_excluded_type_or_parent_is_refused() {
        let mut schema = Schema::new("postgres");
        let mut t = table(Some("app"), "t");
        t.columns
            .push(Column::new("mood", DataType::from_raw("\"Types\".mood")));
        schema.tables.push(t);
        schema.types.push(crate::ir::UserType {
            name: qn(Some("Types"), "mood"),
            kind: crate::ir::UserTypeKind::Enum {
                labels: vec!["ok".into()],
            },
            requires: Vec::new(),
            comment: None,
        });
        assert_eq!(
            refused(
                Selection::all().exclude_schema("\"Types\""),
                schema.clone(),
                IdentifierCase::FoldLower
            ),
            "selection: table \"app\".\"t\": needs type \"Types\".\"mood\" (the type of column \
             \"mood\"), which the selection excludes"
        );

        let mut parted = Schema::new("postgres");
        let mut child = table(Some("app"), "t_2024");
        child.options.push(TableOption::PartitionOf {
            parent: qn(Some("app"), "t"),
            bound: "DEFAULT".into(),
        });
        parted.tables = vec![table(Some("app"), "t"), child];
        assert_eq!(
            refused(
                Selection::all().table("t_*"),
                parted,
                IdentifierCase::FoldLower
            ),
            "selection: table \"app\".\"t_2024\": needs table \"app\".\"t\" (its parent), which \
             the selection excludes"
        );
    }

    #[test]
    fn schema_patterns_keep_their_schemas_objects_and_namespaces() {
        let mut schema = Schema::new("postgres");
        schema.namespaces = vec![
            crate::ir::Namespace {
                name: "sales".into(),
                comment: None,
            },
            crate::ir::Namespace {
                name: "hr".into(),
                comment: None,
            },
        ];
        schema.tables = vec![
            table(Some("sales"), "orders"),
            table(Some("hr"), "people"),
            table(Some("public"), "misc"),
        ];
        let mut only_sales = schema.clone();
        Selection::all()
            .schema("sal*")
            .apply(&mut only_sales, IdentifierCase::FoldLower)
            .unwrap();
        assert_eq!(only_sales.tables.len(), 1);
        assert_eq!(only_sales.namespaces.len(), 1);
        assert_eq!(only_sales.namespaces[0].name, "sales");
        let mut not_hr = schema;
        Selection::all()
            .exclude_schema("HR")
            .apply(&mut not_hr, IdentifierCase::FoldLower)
            .unwrap();
        let names: Vec<String> = not_hr.tables.iter().map(|t| t.name.to_string()).collect();
        assert_eq!(names, ["\"sales\".\"orders\"", "\"public\".\"misc\""]);
        assert_eq!(not_hr.namespaces.len(), 1);
    }

    #[test]
    fn a_default_that_calls_an_excluded_sequence_through_regclass_is_refused() {
        let mut schema = Schema::new("postgres");
        let mut a = table(Some("public"), "a");
        a.columns[0].default = Some(Expr::raw(
            "postgres",
            "nextval('public.\"B_id_seq\"'::regclass)",
        ));
        schema.tables = vec![a, table(Some("public"), "b")];
        schema.sequences.push(crate::ir::Sequence {
            owned_by: Some(crate::ir::ColumnRef {
                table: qn(Some("public"), "b"),
                column: "id".into(),
            }),
            ..crate::ir::Sequence::new(qn(Some("public"), "B_id_seq"))
        });
        let err = Selection::all()
            .exclude_table("b")
            .apply(&mut schema, IdentifierCase::FoldLower)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "selection: table \"public\".\"a\": needs sequence \"public\".\"B_id_seq\" (the \
             default of column \"id\"), which the selection excludes"
        );
    }

    #[test]
    fn comments_subscripts_and_row_columns_are_read_as_a_server_reads_them() {
        let mut lite = Schema::new("sqlite");
        lite.tables = vec![
            table(None, "album"),
            table(None, "ledger"),
            table(None, "artist"),
        ];
        let trigger = |name: &str, sql: &str| Trigger {
            definer: None,
            name: qn(None, name),
            table: qn(None, "album"),
            definition: Expr::raw("sqlite", sql),
            settings: Vec::new(),
            comment: None,
        };
        lite.triggers = vec![
            // An apostrophe in a block comment opens no string literal.
            trigger(
                "audit",
                "CREATE TRIGGER audit AFTER UPDATE ON album BEGIN /* don't */ \
                 INSERT INTO ledger VALUES (1); END",
            ),
            // A column of the new row that is spelled like the excluded table is not it.
            trigger(
                "touch",
                "CREATE TRIGGER touch AFTER UPDATE ON album BEGIN SELECT NEW.ledger; END",
            ),
            // `main.ledger` is the table.
            trigger(
                "main_audit",
                "CREATE TRIGGER main_audit AFTER DELETE ON album BEGIN \
                 DELETE FROM main.ledger; END",
            ),
        ];
        Selection::all()
            .exclude_table("ledger")
            .apply(&mut lite, IdentifierCase::Insensitive)
            .unwrap();
        let kept: Vec<&str> = lite.triggers.iter().map(|t| t.name.name.as_str()).collect();
        assert_eq!(kept, ["touch"]);

        let mut pg = shop();
        pg.views.push(View::new(
            qn(Some("public"), "first_customer"),
            Expr::raw(
                "postgres",
                "SELECT ARRAY[(SELECT min(id) FROM public.customer)] AS ids",
            ),
        ));
        Selection::all()
            .exclude_table("customer")
            .apply(&mut pg, IdentifierCase::FoldLower)
            .unwrap();
        assert!(
            pg.views.iter().all(|v| v.name.name != "first_customer"),
            "a subscript bracket is not a quote"
        );
    }

    #[test]
    fn extensions_and_empty_schemas_follow_the_schema_patterns() {
        let mut schema = Schema::new("postgres");
        schema.namespaces = ["app", "ext", "empty"]
            .iter()
            .map(|n| crate::ir::Namespace {
                name: (*n).into(),
                comment: None,
            })
            .collect();
        schema.extensions.push(crate::ir::Extension {
            name: "citext".into(),
            schema: "ext".into(),
            version: "1.6".into(),
            comment: None,
        });
        schema.tables = vec![table(Some("app"), "t"), table(Some("app"), "u")];
        let names =
            |s: &Schema| -> Vec<String> { s.namespaces.iter().map(|n| n.name.clone()).collect() };
        let mut everything_but_u = schema.clone();
        Selection::all()
            .exclude_table("u")
            .apply(&mut everything_but_u, IdentifierCase::FoldLower)
            .unwrap();
        assert_eq!(names(&everything_but_u), ["app", "ext", "empty"]);
        assert_eq!(everything_but_u.extensions.len(), 1);
        let mut only_t = schema.clone();
        Selection::all()
            .table("t")
            .apply(&mut only_t, IdentifierCase::FoldLower)
            .unwrap();
        assert_eq!(
            names(&only_t),
            ["app", "ext"],
            "the extension's schema stays"
        );
        let mut no_ext = schema;
        Selection::all()
            .exclude_schema("ext")
            .apply(&mut no_ext, IdentifierCase::FoldLower)
            .unwrap();
        assert_eq!(names(&no_ext), ["app", "empty"]);
        assert!(no_ext.extensions.is_empty());
    }

    #[test]
    fn a_pattern_of_many_stars_matches_like_a_simple_one() {
        // Backtracking over every star would take years on this name; the greedy match
        // answers at once.
        let pattern = glob("*a*a*a*a*a*a*a*a*a*a*a*a*b", IdentifierCase::Sensitive);
        let long = qn(None, &"a".repeat(5_000));
        assert!(!pattern.matches(&long));
        assert!(pattern.matches(&qn(None, &format!("{}b", "a".repeat(5_000)))));
        assert!(glob("*a*b", IdentifierCase::Sensitive).matches(&qn(None, "xxaxxb")));
        assert!(glob("a*", IdentifierCase::Sensitive).matches(&qn(None, "a")));
        assert!(!glob("a?", IdentifierCase::Sensitive).matches(&qn(None, "a")));
    }

    #[test]
    fn routines_that_name_an_excluded_table_are_left_out_and_so_are_their_callers() {
        let mut schema = shop();
        let routine = |name: &str, body: &str| crate::ir::Routine {
            definer: None,
            settings: Vec::new(),
            name: qn(Some("public"), name),
            arguments: String::new(),
            kind: crate::ir::RoutineKind::Function,
            definition: Expr::raw(
                "postgres",
                format!("CREATE FUNCTION public.{name}() RETURNS integer AS $$ {body} $$"),
            ),
            after_tables: false,
            requires: Vec::new(),
            comment: None,
        };
        schema.routines = vec![
            routine("customers", "SELECT count(*) FROM public.customer"),
            routine("twice", "SELECT 2 * public.customers()"),
            routine("orders_count", "SELECT count(*) FROM public.orders"),
        ];
        Selection::all()
            .exclude_table("customer")
            .apply(&mut schema, IdentifierCase::FoldLower)
            .unwrap();
        let kept: Vec<&str> = schema
            .routines
            .iter()
            .map(|r| r.name.name.as_str())
            .collect();
        assert_eq!(kept, ["orders_count"]);
        let warnings: Vec<String> = schema
            .skipped
            .iter()
            .filter(|s| s.kind == "function")
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            warnings,
            [
                "function \"public.customers()\": left out: it names table or view \
                 \"public\".\"customer\", which the selection excludes",
                "function \"public.twice()\": left out: it names routine \
                 \"public\".\"customers\", which the selection excludes",
            ]
        );
    }

    #[test]
    fn mysql_text_is_read_with_backslash_escapes_and_hash_comments() {
        let mut my = Schema::new("mysql");
        my.tables = vec![table(None, "orders"), table(None, "audit")];
        let trigger = |name: &str, body: &str| Trigger {
            definer: None,
            name: qn(None, name),
            table: qn(None, "orders"),
            definition: Expr::raw(
                "mysql",
                format!("CREATE TRIGGER {name} AFTER INSERT ON orders FOR EACH ROW {body}"),
            ),
            settings: Vec::new(),
            comment: None,
        };
        my.triggers = vec![
            trigger(
                "escaped",
                "INSERT INTO x VALUES ('it\\'s'); INSERT INTO audit VALUES (1)",
            ),
            trigger("commented", "# don't\nINSERT INTO audit VALUES (1)"),
            trigger("quiet", "SET @n = 'audit'"),
        ];
        Selection::all()
            .exclude_table("audit")
            .apply(&mut my, IdentifierCase::Sensitive)
            .unwrap();
        let kept: Vec<&str> = my.triggers.iter().map(|t| t.name.name.as_str()).collect();
        assert_eq!(
            kept,
            ["quiet"],
            "a literal that spells the name is not a reference"
        );
    }

    #[test]
    fn regclass_literals_name_relations_as_postgresql_folds_them() {
        assert_eq!(
            regclass_names(
                "nextval('public.\"Order_id_seq\"'::regclass) + nextval('Plain'::REGCLASS) \
                 || 'not a cast' || \"x'y\""
            ),
            [qn(Some("public"), "Order_id_seq"), qn(None, "plain"),]
        );
    }

    #[test]
    fn thousands_of_tables_and_a_long_chain_of_views_are_left_out_in_one_go() {
        // 3,000 tables, each with a foreign key to the one before; 3,000 views, each
        // reading the view before it by its bare name, the first reading t0.
        const N: usize = 3_000;
        let mut schema = Schema::new("sqlite");
        for i in 0..N {
            let mut t = table(None, &format!("t{i}"));
            if i > 0 {
                t.foreign_keys
                    .push(fk(&format!("t{i}_fk"), qn(None, &format!("t{}", i - 1))));
            }
            schema.tables.push(t);
            let read = if i == 0 {
                "t0".to_owned()
            } else {
                format!("v{}", i - 1)
            };
            schema.views.push(View::new(
                qn(None, &format!("v{i}")),
                Expr::raw("sqlite", format!("SELECT id FROM {read}")),
            ));
        }
        Selection::all()
            .exclude_table("t0")
            .apply(&mut schema, IdentifierCase::Insensitive)
            .unwrap();
        assert_eq!(schema.tables.len(), N - 1);
        assert!(schema.views.is_empty(), "the whole chain goes");
        let foreign_keys: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
        assert_eq!(foreign_keys, N - 2, "only t1's key to t0 is left out");
        assert_eq!(schema.skipped.len(), N + 1);
        assert_eq!(
            schema.skipped[N].to_string(),
            format!(
                "view \"v{}\": left out: it reads table or view \"v{}\", which the selection \
                 excludes",
                N - 1,
                N - 2
            )
        );
    }
}
