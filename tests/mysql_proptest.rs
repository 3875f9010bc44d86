//! Property test on the local MariaDB/MySQL server: random schemas with hostile
//! identifiers (every quote character, backslashes, leading and trailing spaces,
//! unicode, reserved words, names of exactly 64 characters, the same index and check
//! names on several tables) for tables, columns, AUTO_INCREMENT counters, primary keys,
//! unique constraints, checks (table and column checks), foreign keys, indexes,
//! triggers and views. Each schema is created with real SQL and two rows per table,
//! reflected, written as a snapshot and read back, and applied from the snapshot to an
//! empty database: pre, base, the rows loaded with `mysqldump --no-create-info |
//! mysql`, seal. The source must reflect every object the SQL created; our diff and
//! `mysqldump --no-data` must find no difference; the two databases must refuse the
//! same rows with the same messages, and every AUTO_INCREMENT must hand out the value
//! after the rows.
//!
//! What the server itself refuses is left out, each where the names are built:
//! characters outside the Basic Multilingual Plane (emoji) in any identifier, trailing
//! spaces in the names of tables, columns, indexes, triggers and views (check and
//! foreign key names may have them), and long non-ASCII names for the objects that are
//! files on disk (tables, views, triggers), whose encoded file names would pass the
//! file system's 255 bytes.

mod my;

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::MysqlConnection;
use my::{server_available, TestDb};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use schema_replicator::mysql::{quote_ident, quote_literal};
use schema_replicator::{
    diff, snapshot, ApplyOptions, DdlApplier, DdlExtractor, Phase, Policy, Registry, Schema,
};
use schema_replicator_testkit as kit;

/// MySQL's and MariaDB's identifier limit: 64 **characters** (NAME_CHAR_LEN) for
/// tables, columns, indexes, constraints, triggers and views, whatever their bytes.
const MAX_IDENT_CHARS: usize = 64;

/// Identifier stems chosen to break naive quoting or parsing.
fn stem() -> BoxedStrategy<String> {
    prop_oneof![
        // Reserved words (used bare, they must be quoted everywhere).
        prop_oneof![
            Just("select"),
            Just("order"),
            Just("GROUP"),
            Just("table"),
            Just("key"),
            Just("constraint"),
            Just("null"),
            Just("check"),
            Just("trigger"),
            Just("index"),
            Just("primary key"),
        ]
        .prop_map(str::to_owned),
        // Every quote character, alone and inside a name; backslash, which escapes in
        // MySQL string literals.
        prop_oneof![
            Just("a\"b"),
            Just("\""),
            Just("it's"),
            Just("'"),
            Just("back`tick"),
            Just("`"),
            Just("``"),
            Just("[bracket]"),
            Just("["),
            Just("]"),
            Just("back\\slash"),
            Just("\\"),
            Just("\\'"),
            Just("%_"),
        ]
        .prop_map(str::to_owned),
        // Spaces (a stem is put first or last, so they lead or trail), unicode (the
        // Basic Multilingual Plane only: the server refuses emoji in names), comments.
        prop_oneof![
            Just("with space"),
            Just(" lead"),
            Just("trail "),
            Just("ключ"),
            Just("名前"),
            Just("Ünïcode"),
            Just("MixedCase"),
            Just("mixedcase"),
            Just("MIXEDCASE"),
            Just("semi;colon--"),
            Just("/*c*/"),
            Just("#hash"),
            Just("a.b"),
            Just("a/b"),
        ]
        .prop_map(str::to_owned),
        "[a-zA-Z_][a-zA-Z0-9_ \"'`\\\\\\[\\]]{0,12}",
    ]
    .boxed()
}

/// How a name is built from its stem and its object's tag (`t0`, `ck1`, ...).
#[derive(Debug, Clone)]
enum Layout {
    /// The stem alone (a reserved word stays exactly that word).
    Bare,
    /// Stem then tag: a leading space stays leading.
    StemFirst,
    /// Tag then stem: a trailing space stays trailing.
    TagFirst,
    /// Exactly [`MAX_IDENT_CHARS`] characters: stem, padding of `pad`, tag; or tag
    /// first. Names that are files (tables, views, triggers) are padded with `l`.
    Long { pad: char, tag_first: bool },
}

#[derive(Debug, Clone)]
struct Hostile {
    stem: String,
    layout: Layout,
}

fn hostile() -> BoxedStrategy<Hostile> {
    let layout = prop_oneof![
        2 => Just(Layout::Bare),
        3 => Just(Layout::StemFirst),
        3 => Just(Layout::TagFirst),
        2 => (
            prop_oneof![Just('l'), Just('é'), Just('名'), Just('`'), Just('\''), Just(' ')],
            any::<bool>()
        )
            .prop_map(|(pad, tag_first)| Layout::Long { pad, tag_first }),
    ];
    (stem(), layout)
        .prop_map(|(stem, layout)| Hostile { stem, layout })
        .boxed()
}

/// What kind of object a name is for: the server's rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Tables, views, triggers: files on disk, no trailing space.
    File,
    /// Columns and indexes: no trailing space.
    Plain,
    /// Check and foreign key constraints: anything.
    Constraint,
}

impl Hostile {
    /// The same name with its tag where it had none, to tell apart two objects that
    /// share it.
    fn tagged(&self) -> Hostile {
        let layout = match self.layout {
            Layout::Bare => Layout::StemFirst,
            ref other => other.clone(),
        };
        Hostile {
            stem: self.stem.clone(),
            layout,
        }
    }

    fn build(&self, tag: &str, kind: Kind) -> String {
        let name = match &self.layout {
            Layout::Bare => self.stem.clone(),
            Layout::StemFirst => format!("{}{tag}", self.stem),
            Layout::TagFirst => format!("{tag}{}", self.stem),
            Layout::Long { pad, tag_first } => {
                let pad = if kind == Kind::File { 'l' } else { *pad };
                let budget = MAX_IDENT_CHARS - tag.chars().count();
                let stem: String = self.stem.chars().take(budget).collect();
                let padding: String =
                    std::iter::repeat_n(pad, budget - stem.chars().count()).collect();
                let name = if *tag_first {
                    format!("{tag}{padding}{stem}")
                } else {
                    format!("{stem}{padding}{tag}")
                };
                assert_eq!(name.chars().count(), MAX_IDENT_CHARS, "{name:?}");
                name
            }
        };
        if kind == Kind::Constraint {
            return name;
        }
        // The server refuses a trailing space in these names: it becomes `_`, which
        // keeps a name of the limit's length at the limit.
        let kept = name.trim_end_matches(' ');
        format!("{kept}{}", "_".repeat(name.len() - kept.len()))
    }
}

/// How the server compares most names: case-insensitively, trailing spaces ignored.
fn key(name: &str) -> String {
    name.trim_end_matches(' ').to_lowercase()
}

/// Hands out names unique in a scope (the database's tables and views, a table's
/// columns, ...): the hostile name when it is free, else a plain one.
#[derive(Default, Clone)]
struct Scope {
    taken: HashSet<String>,
    /// Names differ by case here: table and view names are file names, and this
    /// server has `lower_case_table_names = 0` (the default on Linux).
    exact: bool,
}

impl Scope {
    /// A scope where table and view names go.
    fn relations() -> Scope {
        Scope {
            taken: HashSet::new(),
            exact: true,
        }
    }

    /// A scope where `name` is already taken.
    fn with(name: &str) -> Scope {
        let mut scope = Scope::default();
        scope.insert(name);
        scope
    }

    fn key(&self, name: &str) -> String {
        if self.exact {
            name.trim_end_matches(' ').to_owned()
        } else {
            key(name)
        }
    }

    fn insert(&mut self, name: &str) {
        let key = self.key(name);
        self.taken.insert(key);
    }

    fn free(&self, name: &str) -> bool {
        !name.is_empty() && !self.taken.contains(&self.key(name)) && key(name) != "primary"
    }

    fn take(&mut self, h: &Hostile, tag: &str, kind: Kind) -> String {
        let wanted = h.build(tag, kind);
        self.take_exact(&wanted, tag)
    }

    /// `name` when it is free here, else a plain one.
    fn take_exact(&mut self, name: &str, tag: &str) -> String {
        let name = if self.free(name) {
            name.to_owned()
        } else {
            (0..)
                .map(|n| format!("{tag}_{n}"))
                .find(|n| self.free(n))
                .unwrap()
        };
        self.insert(&name);
        name
    }

    /// `name` when it is free in `self` and `other`, taken in both.
    fn take_in_both(&mut self, other: &mut Scope, name: &str, tag: &str) -> String {
        let name = if self.free(name) && other.free(name) {
            name.to_owned()
        } else {
            (0..)
                .map(|n| format!("{tag}_{n}"))
                .find(|n| self.free(n) && other.free(n))
                .unwrap()
        };
        self.insert(&name);
        other.insert(&name);
        name
    }
}

/// Column types; the first column of every table is always `int`.
const TYPES: &[&str] = &[
    "int",
    "varchar(20)",
    "text",
    "decimal(10,2)",
    "bigint",
    "smallint",
];

/// Text defaults with quotes of every kind in them. No character outside the Basic
/// Multilingual Plane: MariaDB's catalog loses them (PRODUCT BUG, see
/// [`four_byte_characters_survive_in_a_default`]).
const TEXT_DEFAULTS: &[&str] = &["it's", "a\"b", "back\\slash", "名前", "`", "", " "];

#[derive(Debug, Clone)]
struct ColumnSpec {
    name: Hostile,
    type_index: usize,
    not_null: bool,
    default: Option<usize>,
}

#[derive(Debug, Clone)]
struct TableSpec {
    name: Hostile,
    columns: Vec<ColumnSpec>,
    /// A primary key on the first column, AUTO_INCREMENT or not.
    primary_key: Option<bool>,
    unique: Option<Hostile>,
    /// A check on the first column: its name, or `None` for a column check (MariaDB
    /// names it after its column).
    check: Option<Option<Hostile>>,
    /// A foreign key from the first column to the primary key of an earlier table,
    /// picked by the number among those that have one, and its actions.
    foreign_key: Option<(Hostile, usize, usize)>,
    /// An index on the last column: name, unique, descending.
    index: Option<(Hostile, bool, bool)>,
    /// A trigger: name, BEFORE INSERT (or BEFORE UPDATE).
    trigger: Option<(Hostile, bool)>,
    /// A view of the first column under an alias.
    view: Option<(Hostile, Hostile)>,
}

#[derive(Debug, Clone)]
struct SchemaSpec {
    /// One name for the index and the check of every table (MySQL keeps index names per
    /// table, MariaDB check names too; foreign key and trigger names are per database).
    shared: Option<Hostile>,
    tables: Vec<TableSpec>,
    /// Connections of the seal.
    jobs: usize,
}

fn column_spec() -> BoxedStrategy<ColumnSpec> {
    (
        hostile(),
        0..TYPES.len(),
        any::<bool>(),
        proptest::option::of(0..TEXT_DEFAULTS.len()),
    )
        .prop_map(|(name, type_index, not_null, default)| ColumnSpec {
            name,
            type_index,
            not_null,
            default,
        })
        .boxed()
}

fn table_spec() -> BoxedStrategy<TableSpec> {
    (
        hostile(),
        proptest::collection::vec(column_spec(), 1..4),
        proptest::option::weighted(0.7, any::<bool>()),
        proptest::option::of(hostile()),
        proptest::option::of(proptest::option::weighted(0.7, hostile())),
        proptest::option::of((hostile(), any::<usize>(), 0usize..4)),
        proptest::option::of((hostile(), any::<bool>(), any::<bool>())),
        proptest::option::of((hostile(), any::<bool>())),
        proptest::option::of((hostile(), hostile())),
    )
        .prop_map(
            |(name, columns, primary_key, unique, check, foreign_key, index, trigger, view)| {
                TableSpec {
                    name,
                    columns,
                    primary_key,
                    unique,
                    check,
                    foreign_key,
                    index,
                    trigger,
                    view,
                }
            },
        )
        .boxed()
}

fn schema_spec() -> BoxedStrategy<SchemaSpec> {
    (
        proptest::option::of(hostile()),
        proptest::collection::vec(table_spec(), 1..4),
        1usize..4,
    )
        .prop_map(|(shared, tables, jobs)| SchemaSpec {
            shared,
            tables,
            jobs,
        })
        .boxed()
}

/// One table's names.
struct TableNames {
    table: String,
    columns: Vec<String>,
    unique: Option<String>,
    /// The check's name (a column check's is its column's), and whether it is a
    /// column check.
    check: Option<(String, bool)>,
    foreign_key: Option<(String, usize)>,
    index: Option<String>,
    trigger: Option<String>,
    view: Option<(String, String)>,
}

/// Picks every name of the spec, unique where MariaDB wants it: tables and views,
/// triggers, foreign keys per database; columns per table; indexes and constraints per
/// table, in one name space.
fn names(spec: &SchemaSpec) -> Vec<TableNames> {
    let mut relations = Scope::relations();
    let mut triggers = Scope::default();
    let mut foreign_keys = Scope::default();
    let shared = |tag: &str, kind: Kind| spec.shared.as_ref().map(|h| h.build(tag, kind));
    let mut out = Vec::new();
    for (t, table) in spec.tables.iter().enumerate() {
        let name = relations.take(&table.name, &format!("t{t}"), Kind::File);
        let mut columns = Scope::default();
        let column_names: Vec<String> = table
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| columns.take(&col.name, &format!("c{c}"), Kind::Plain))
            .collect();
        // MariaDB keeps one name space per table for its indexes and constraints; a
        // column check is named after its column. (The server refuses a check on an
        // AUTO_INCREMENT column.)
        let auto_increment = table.primary_key == Some(true);
        let column_check = matches!(table.check, Some(None)) && !auto_increment;
        let mut in_table = Scope::default();
        if column_check {
            in_table.insert(&column_names[0]);
        }
        let unique = table
            .unique
            .as_ref()
            .map(|h| in_table.take(h, &format!("u{t}"), Kind::Plain));
        let index = table.index.as_ref().map(|(h, ..)| {
            let wanted =
                shared("ix", Kind::Plain).unwrap_or_else(|| h.build(&format!("i{t}"), Kind::Plain));
            in_table.take_exact(&wanted, &format!("i{t}"))
        });
        let check = table
            .check
            .as_ref()
            .filter(|_| !auto_increment)
            .map(|named| match named {
                Some(h) => {
                    // Beside an index of the same shared name, in the table's one
                    // name space for both.
                    let shared = spec
                        .shared
                        .as_ref()
                        .map(|h| h.tagged().build("ck", Kind::Constraint));
                    let wanted =
                        shared.unwrap_or_else(|| h.build(&format!("ck{t}"), Kind::Constraint));
                    (in_table.take_exact(&wanted, &format!("ck{t}")), false)
                }
                None => (column_names[0].clone(), true),
            });
        // Not this table: InnoDB checks a row's reference to itself before the row is
        // there, so a self-reference from the primary key's column refuses every row.
        let parents: Vec<usize> = (0..t)
            .filter(|&p| spec.tables[p].primary_key.is_some())
            .collect();
        // Foreign key names are per database. The server names the index it makes for
        // a key whose column leads no index after the key, and refuses a trailing space
        // there.
        let kind = if table.primary_key.is_some() {
            Kind::Constraint
        } else {
            Kind::Plain
        };
        let foreign_key = table
            .foreign_key
            .as_ref()
            .filter(|_| !parents.is_empty())
            .map(|(h, pick, _)| {
                let wanted = h.build(&format!("fk{t}"), kind);
                let name = foreign_keys.take_in_both(&mut in_table, &wanted, &format!("fk{t}"));
                (name, parents[pick % parents.len()])
            });
        let trigger = table
            .trigger
            .as_ref()
            .map(|(h, _)| triggers.take(h, &format!("tg{t}"), Kind::File));
        let view = table.view.as_ref().map(|(v, alias)| {
            // The server takes leading spaces off a column alias; the view's other
            // column is `it's`.
            let alias = alias.build(&format!("a{t}"), Kind::Plain);
            (
                relations.take(v, &format!("v{t}"), Kind::File),
                Scope::with("it's").take_exact(alias.trim_start_matches(' '), &format!("a{t}")),
            )
        });
        out.push(TableNames {
            table: name,
            columns: column_names,
            unique,
            check,
            foreign_key,
            index,
            trigger,
            view,
        });
    }
    out
}

/// A table by the names of what it holds.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TableShape {
    name: String,
    /// In their order.
    columns: Vec<String>,
    /// Check and foreign key names.
    constraints: Vec<String>,
    /// Unique constraints among them.
    indexes: Vec<String>,
}

/// What the SQL created, by name, to hold the reflection to.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    tables: Vec<TableShape>,
    /// (name, table).
    triggers: Vec<(String, String)>,
    views: Vec<String>,
}

/// A value of each type for the probes, `key` for the first column.
fn value(type_index: usize, key: i32) -> String {
    match TYPES[type_index] {
        "int" | "bigint" | "smallint" => key.to_string(),
        "decimal(10,2)" => format!("{key}.5"),
        _ => quote_literal(&format!("v{key}'\"\\")),
    }
}

/// A key part on `column` of type `type_index`: text is indexed by a prefix.
fn key_part(column: &str, type_index: usize) -> String {
    if TYPES[type_index] == "text" {
        format!("{}(10)", quote_ident(column))
    } else {
        quote_ident(column)
    }
}

/// The SQL that creates the spec, and what it creates.
fn create_sql(spec: &SchemaSpec, names: &[TableNames]) -> (Vec<String>, Expected) {
    let mut sql = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut views = Vec::new();
    let mut expected = Expected::default();
    for (table, n) in spec.tables.iter().zip(names) {
        let type_of = |c: usize| {
            if c == 0 {
                0
            } else {
                table.columns[c].type_index
            }
        };
        let mut items = Vec::new();
        for (c, (col, name)) in table.columns.iter().zip(&n.columns).enumerate() {
            let type_index = type_of(c);
            let mut item = format!("{} {}", quote_ident(name), TYPES[type_index]);
            if col.not_null || (c == 0 && table.primary_key.is_some()) {
                item.push_str(" NOT NULL");
            }
            if c == 0 && table.primary_key == Some(true) {
                item.push_str(" AUTO_INCREMENT");
            } else if let Some(d) = col.default {
                let default = match TYPES[type_index] {
                    "int" | "bigint" | "smallint" => format!("{}", d as i32 - 3),
                    "decimal(10,2)" => format!("{d}.25"),
                    _ => quote_literal(TEXT_DEFAULTS[d]),
                };
                item.push_str(&format!(" DEFAULT {default}"));
            }
            if c == 0 && matches!(n.check, Some((_, true))) {
                item.push_str(&format!(" CHECK ({} <> -1)", quote_ident(name)));
            }
            items.push(item);
        }
        let first = quote_ident(&n.columns[0]);
        let last_column = n.columns.len() - 1;
        let last = key_part(&n.columns[last_column], type_of(last_column));
        if table.primary_key.is_some() {
            items.push(format!("PRIMARY KEY ({first})"));
        }
        let mut constraints = Vec::new();
        if let Some((ck, column_check)) = &n.check {
            if !column_check {
                items.push(format!(
                    "CONSTRAINT {} CHECK ({first} <> -1)",
                    quote_ident(ck)
                ));
            }
            constraints.push(ck.clone());
        }
        sql.push(format!(
            "CREATE TABLE {} (\n  {}\n)",
            quote_ident(&n.table),
            items.join(",\n  ")
        ));
        let mut indexes = Vec::new();
        if let Some(u) = &n.unique {
            sql.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({last})",
                quote_ident(&n.table),
                quote_ident(u)
            ));
            indexes.push(u.clone());
        }
        if let (Some(ix), Some((_, unique, desc))) = (&n.index, &table.index) {
            sql.push(format!(
                "CREATE {}INDEX {} ON {} ({last}{})",
                if *unique { "UNIQUE " } else { "" },
                quote_ident(ix),
                quote_ident(&n.table),
                if *desc { " DESC" } else { "" },
            ));
            indexes.push(ix.clone());
        }
        if let (Some((fk, parent)), Some((_, _, action))) = (&n.foreign_key, &table.foreign_key) {
            let actions = [
                "",
                " ON DELETE CASCADE",
                " ON DELETE RESTRICT ON UPDATE CASCADE",
                " ON DELETE NO ACTION ON UPDATE NO ACTION",
            ];
            // The server refuses a check on a column that ON UPDATE CASCADE changes.
            let action = if *action == 2 && n.check.is_some() {
                0
            } else {
                *action
            };
            let parent = &names[*parent];
            foreign_keys.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({first}) REFERENCES {} ({}){}",
                quote_ident(&n.table),
                quote_ident(fk),
                quote_ident(&parent.table),
                quote_ident(&parent.columns[0]),
                actions[action]
            ));
            constraints.push(fk.clone());
            // The server gives the key an index of its own name when no key leads with
            // its column (a prefix of a text column would not do, but the key's column
            // is an int), and reflection lists that index like any other.
            let covered = table.primary_key.is_some() || (last_column == 0 && !indexes.is_empty());
            if !covered {
                indexes.push(fk.clone());
            }
        }
        if let (Some(tg), Some((_, insert))) = (&n.trigger, &table.trigger) {
            // BEFORE INSERT turns a first column of -5 into 5; BEFORE UPDATE keeps it.
            sql.push(format!(
                "CREATE TRIGGER {} BEFORE {} ON {} FOR EACH ROW SET NEW.{first} = {}",
                quote_ident(tg),
                if *insert { "INSERT" } else { "UPDATE" },
                quote_ident(&n.table),
                if *insert {
                    format!("IF(NEW.{first} = -5, 5, NEW.{first})")
                } else {
                    format!("NEW.{first}")
                }
            ));
            expected.triggers.push((tg.clone(), n.table.clone()));
        }
        if let Some((v, alias)) = &n.view {
            views.push(format!(
                "CREATE VIEW {} AS SELECT {first} AS {}, {} AS `it's` FROM {} WHERE {first} <> -2",
                quote_ident(v),
                quote_ident(alias),
                quote_literal(&n.table),
                quote_ident(&n.table)
            ));
            expected.views.push(v.clone());
        }
        expected.tables.push(TableShape {
            name: n.table.clone(),
            columns: n.columns.clone(),
            constraints,
            indexes,
        });
    }
    sql.extend(foreign_keys);
    sql.extend(views);
    (sql, normalised(expected))
}

/// Names of what a reflected schema holds, in the shape of [`Expected`].
fn reflected(schema: &Schema) -> Expected {
    let mut e = Expected::default();
    for t in &schema.tables {
        e.tables.push(TableShape {
            name: t.name.name.clone(),
            columns: t.columns.iter().map(|c| c.name.clone()).collect(),
            constraints: t
                .checks
                .iter()
                .filter_map(|c| c.name.clone())
                .chain(t.foreign_keys.iter().filter_map(|f| f.name.clone()))
                .collect(),
            indexes: t.indexes.iter().map(|i| i.name.clone()).collect(),
        });
    }
    e.triggers = schema
        .triggers
        .iter()
        .map(|t| (t.name.name.clone(), t.table.name.clone()))
        .collect();
    e.views = schema.views.iter().map(|v| v.name.name.clone()).collect();
    normalised(e)
}

/// Sorted, so that the catalog's order does not matter.
fn normalised(mut e: Expected) -> Expected {
    for table in &mut e.tables {
        table.constraints.sort();
        table.indexes.sort();
    }
    e.tables.sort();
    e.triggers.sort();
    e.views.sort();
    e
}

/// A row of table `t` whose first column is `key`, or the next AUTO_INCREMENT value
/// when `counted` and the table has one.
fn insert_sql(
    spec: &SchemaSpec,
    names: &[TableNames],
    t: usize,
    key: i32,
    counted: bool,
) -> String {
    let table = &spec.tables[t];
    let n = &names[t];
    let columns: Vec<String> = n.columns.iter().map(|c| quote_ident(c)).collect();
    let values: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| match c {
            0 if counted && table.primary_key == Some(true) => "DEFAULT".into(),
            0 => value(0, key),
            _ => value(col.type_index, key),
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote_ident(&n.table),
        columns.join(", "),
        values.join(", ")
    )
}

/// The rows of the source: keys 1 and 2 in every table, in table order (a foreign key
/// references an earlier table), numbered by AUTO_INCREMENT where there is one.
fn data_sql(spec: &SchemaSpec, names: &[TableNames]) -> Vec<String> {
    (0..names.len())
        .flat_map(|t| [1, 2].map(|key| insert_sql(spec, names, t, key, true)))
        .collect()
}

/// A probe: a statement run on the loaded and sealed databases in a transaction that
/// is rolled back, then a query whose count is compared, whether the sealed target
/// must refuse the statement, and the keys a duplicate may be reported on.
struct Probe {
    sql: String,
    count: Option<String>,
    refused: bool,
    keys: Vec<String>,
}

fn probes(spec: &SchemaSpec, names: &[TableNames]) -> Vec<Probe> {
    let mut out = Vec::new();
    for (t, n) in names.iter().enumerate() {
        let table = &spec.tables[t];
        let unique_index = table
            .index
            .as_ref()
            .filter(|(_, unique, _)| *unique)
            .and(n.index.clone());
        let keys: Vec<String> = [
            table.primary_key.map(|_| "PRIMARY".to_owned()),
            n.unique.clone(),
            unique_index,
        ]
        .into_iter()
        .flatten()
        .collect();
        // Row 1 again: a duplicate key wherever there is a key.
        out.push(Probe {
            sql: insert_sql(spec, names, t, 1, false),
            count: None,
            refused: !keys.is_empty(),
            keys,
        });
        let probe = |sql: String, refused: bool| Probe {
            sql,
            count: None,
            refused,
            keys: Vec::new(),
        };
        let orphans = n.foreign_key.is_some();
        // First column -1: the check; also an orphan for the foreign key.
        out.push(probe(
            insert_sql(spec, names, t, -1, false),
            n.check.is_some() || orphans,
        ));
        if n.foreign_key.is_some() {
            out.push(probe(insert_sql(spec, names, t, 999, false), orphans));
        }
        // AUTO_INCREMENT hands out 3, past the loaded rows.
        if table.primary_key == Some(true) {
            out.push(probe(insert_sql(spec, names, t, 3, true), orphans));
        }
        // The BEFORE INSERT trigger turns -5 into 5.
        if let Some((_, true)) = &table.trigger {
            if !orphans {
                out.push(Probe {
                    sql: insert_sql(spec, names, t, -5, false),
                    count: Some(format!(
                        "SELECT COUNT(*) AS value FROM {} WHERE {} = 5",
                        quote_ident(&n.table),
                        quote_ident(&n.columns[0])
                    )),
                    refused: false,
                    keys: Vec::new(),
                });
            }
        }
        if let Some((v, alias)) = &n.view {
            out.push(Probe {
                sql: "DO 0".into(),
                count: Some(format!(
                    "SELECT COUNT(*) AS value FROM {} WHERE {} = 1",
                    quote_ident(v),
                    quote_ident(alias)
                )),
                refused: false,
                keys: Vec::new(),
            });
        }
    }
    out
}

/// The key a duplicate is reported on.
fn duplicate_key(message: &str) -> Option<&str> {
    let (_, key) = message.split_once("' for key '")?;
    key.strip_suffix('\'')
}

/// Whether two databases refused (or took) a probe the same way. A row that
/// duplicates several keys may be reported on any of them: the server checks them in
/// an order that is not part of the schema.
fn same_outcome(
    probe: &Probe,
    a: &Result<Option<i64>, String>,
    b: &Result<Option<i64>, String>,
) -> bool {
    match (a, b) {
        (Err(x), Err(y)) if x != y => [x, y].iter().all(|m| {
            m.starts_with("Duplicate entry '")
                && duplicate_key(m).is_some_and(|k| probe.keys.iter().any(|key| key == k))
        }),
        _ => a == b,
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

/// Runs each probe in a transaction that is rolled back, returning the
/// server's message (the database's name taken out) or the probe's count.
fn run_probes(db: &TestDb, probes: &[Probe]) -> Vec<Result<Option<i64>, String>> {
    use diesel::RunQueryDsl;
    let mut conn: MysqlConnection = db.conn();
    probes
        .iter()
        .map(|probe| {
            let result = conn
                .batch_execute(&format!("BEGIN; {}", probe.sql))
                .map_err(|e| e.to_string().replace(&quote_ident(&db.name), "`DB`"))
                .and_then(|()| match &probe.count {
                    Some(count) => diesel::sql_query(count)
                        .load::<Count>(&mut conn)
                        .map(|rows| Some(rows[0].value))
                        .map_err(|e| e.to_string()),
                    None => Ok(None),
                });
            conn.batch_execute("ROLLBACK").unwrap();
            result
        })
        .collect()
}

fn run(spec: &SchemaSpec) -> Result<(), TestCaseError> {
    let names = names(spec);
    let (mut sql, expected) = create_sql(spec, &names);
    sql.extend(data_sql(spec, &names));
    let source = TestDb::new("hostile_src");
    let mut conn = source.conn();
    for statement in &sql {
        conn.batch_execute(statement)
            .map_err(|e| TestCaseError::fail(format!("creating the source: {e}\n{statement}")))?;
    }
    drop(conn);

    // Reflect the source: it holds every object the SQL created, and nothing is skipped.
    let policy = Policy::default();
    let registry = Registry::builtin().unwrap();
    let live = DdlExtractor::open(&source.url(), &registry, &policy)
        .map_err(|e| TestCaseError::fail(format!("reflect the source: {e}")))?;
    prop_assert_eq!(&live.schema().skipped, &vec![]);
    prop_assert_eq!(reflected(live.schema()), expected);

    // Through a snapshot file and back.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    snapshot::write(live.schema(), &path).unwrap();
    let offline = DdlExtractor::open(path.to_str().unwrap(), &registry, &policy)
        .map_err(|e| TestCaseError::fail(format!("read the snapshot: {e}")))?;
    prop_assert_eq!(offline.schema(), live.schema());
    for phase in Phase::ALL {
        prop_assert_eq!(
            offline.phase_ddl(phase).unwrap(),
            live.phase_ddl(phase).unwrap()
        );
    }

    // Each phase rendered on its own, and read by an extractor holding fewer phases,
    // is that phase of the whole.
    kit::assert_phases_render_alone(&registry, path.to_str().unwrap(), &policy, &offline);

    // Applied from the snapshot into an empty database: pre, base, the rows loaded
    // with `mysqldump --no-create-info | mysql`, the seal over `jobs` connections.
    let target = TestDb::new("hostile_dst");
    let applier = DdlApplier::new(&target.url()).unwrap();
    let options = ApplyOptions::default().with_jobs(spec.jobs);
    for phase in Phase::ALL {
        if phase == Phase::Seal {
            source.load_data_into(&target);
        }
        applier
            .apply_phase_with(&offline, phase, &options)
            .map_err(|e| {
                TestCaseError::fail(format!(
                    "apply {phase}: {e}\n{}",
                    offline.phase_ddl(phase).unwrap().join(";\n")
                ))
            })?;
    }

    // Our diff and mysqldump see no difference.
    let copy = DdlExtractor::open(&target.url(), &registry, &policy)
        .map_err(|e| TestCaseError::fail(format!("reflect the target: {e}")))?;
    let differences = diff(live.schema(), copy.schema());
    prop_assert!(
        differences.is_empty(),
        "differences:\n{}",
        differences
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let (dump_a, dump_b) = (source.dump_schema(), target.dump_schema());
    prop_assert!(
        dump_a == dump_b,
        "mysqldump differs:\n{}",
        dump_difference(&dump_a, &dump_b).join("\n")
    );

    prop_assert_eq!(source.row_counts(), target.row_counts());

    // The same rows are refused, with the same messages (which name the constraint),
    // and every AUTO_INCREMENT hands out the value after the loaded rows.
    let probes = probes(spec, &names);
    let on_source = run_probes(&source, &probes);
    let on_target = run_probes(&target, &probes);
    for ((probe, a), b) in probes.iter().zip(&on_source).zip(&on_target) {
        prop_assert!(
            same_outcome(probe, a, b),
            "{}\nsource: {:?}\ntarget: {:?}",
            probe.sql,
            a,
            b
        );
        prop_assert_eq!(b.is_err(), probe.refused, "{}: {:?}", probe.sql, b);
        if probe.count.is_some() {
            prop_assert_eq!(b, &Ok(Some(1)), "{}", probe.sql);
        }
    }
    Ok(())
}

/// 32 cases, or as many as `PROPTEST_CASES` says, shrunk for long enough to reach a
/// small case.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 32;
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        config.max_shrink_iters = 1024;
    }
    config
}

proptest! {
    // Each case creates and drops two databases: a few cases keep the test well under
    // a minute.
    #![proptest_config(config())]

    #[test]
    fn hostile_names_survive_snapshot_apply_and_reflect(spec in schema_spec()) {
        if !server_available() {
            return Ok(());
        }
        run(&spec)?;
    }
}

/// Replicates `script` into an empty database and returns both `mysqldump --no-data`
/// texts.
fn replicate_script(script: &str) -> (String, String) {
    // Through diesel, whose session is utf8mb4 (the `mysql` client's is not).
    let source = TestDb::new("bug_src");
    source.exec(script).unwrap();
    let extractor = DdlExtractor::new(&source.url()).unwrap();
    let target = TestDb::new("bug_dst");
    let applier = DdlApplier::new(&target.url()).unwrap();
    for phase in Phase::ALL {
        applier.apply_phase(&extractor, phase).unwrap();
    }
    (source.dump_schema(), target.dump_schema())
}

/// The lines of two dumps that differ, as `-source` and `+target`.
fn dump_difference(source: &str, target: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| !target.contains(l))
        .map(|l| format!("-{l}"))
        .chain(
            target
                .lines()
                .filter(|l| !source.contains(l))
                .map(|l| format!("+{l}")),
        )
        .collect()
}

/// The minimal case the property found with an emoji in a text default.
/// `information_schema` is utf8mb3 on MariaDB, so COLUMN_DEFAULT reads `'????'`;
/// reflection reads such a default again from `SHOW CREATE TABLE`.
#[test]
fn four_byte_characters_survive_in_a_default() {
    if !server_available() {
        return;
    }
    let (source, target) = replicate_script(
        "CREATE TABLE t (a text DEFAULT '😀', b varchar(10) DEFAULT 'it''s ?', \
         c varchar(10) DEFAULT '🎬 \\\\ ''x''');",
    );
    assert_eq!(dump_difference(&source, &target), Vec::<String>::new());
}

/// The same loss in CHECK_CLAUSE (table and column checks) and VIEW_DEFINITION, read
/// again from `SHOW CREATE TABLE` and `SHOW CREATE VIEW`.
#[test]
fn four_byte_characters_survive_in_a_check_and_a_view() {
    if !server_available() {
        return;
    }
    let (source, target) = replicate_script(
        "CREATE TABLE t (a varchar(10), b varchar(10) CHECK (b <> '🎉'), \
           CONSTRAINT c CHECK (a <> '😀' AND (a <> ')' OR a IS NULL)));\n\
         CREATE VIEW v AS SELECT a, '😀' AS x FROM t WHERE a <> 'a?' WITH CASCADED CHECK OPTION;\n\
         CREATE VIEW w AS SELECT a FROM t WHERE a <> '🎉';",
    );
    assert_eq!(dump_difference(&source, &target), Vec::<String>::new());
}

/// The same loss in ACTION_STATEMENT; reflection reads each trigger's statement from
/// `SHOW CREATE TRIGGER` over a text-protocol session instead.
#[test]
fn four_byte_characters_survive_in_a_trigger() {
    if !server_available() {
        return;
    }
    let (source, target) = replicate_script(
        "CREATE TABLE t (a varchar(10));\n\
         CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW SET NEW.a = '😀';",
    );
    assert_eq!(dump_difference(&source, &target), Vec::<String>::new());
}
