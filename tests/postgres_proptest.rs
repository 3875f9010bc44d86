//! Property test on the local PostgreSQL server: random schemas with hostile
//! identifiers (every quote character, dollar quotes, leading and trailing spaces,
//! unicode, reserved words, names of exactly 63 bytes, the same name on several tables
//! and in two schemas) for tables, columns, counters (identities and sequences),
//! primary keys, unique constraints, checks, foreign keys, indexes, triggers with their
//! function, and views. Each schema is created with real SQL and two rows per table,
//! reflected, written as a snapshot and read back, and applied from the snapshot to an
//! empty database: pre, base, the rows loaded with `pg_dump --data-only | psql`, seal.
//! The source must reflect every object the SQL created; our diff and `pg_dump
//! --schema-only` must find no difference; the two databases must refuse the same rows
//! with the same messages, and every counter must hand out the value after the rows.

mod pg;

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::PgConnection;
use pg::{server_available, TestDb};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use schema_replicator::postgres::{quote_ident, quote_literal};
use schema_replicator::{
    diff, snapshot, ApplyOptions, DdlApplier, DdlExtractor, Phase, Policy, Registry, Schema,
};
use schema_replicator_testkit as kit;

/// PostgreSQL's identifier limit: NAMEDATALEN - 1 = 63 **bytes**, not characters (a
/// longer name is truncated with only a NOTICE). A multibyte character counts for its
/// UTF-8 length, so the long names below are padded to exactly 63 bytes.
const MAX_IDENT_BYTES: usize = 63;

/// Identifier stems chosen to break naive quoting, parsing or dollar quoting.
fn stem() -> BoxedStrategy<String> {
    prop_oneof![
        // Reserved words (used bare, they must be quoted everywhere).
        prop_oneof![
            Just("select"),
            Just("order"),
            Just("GROUP"),
            Just("table"),
            Just("user"),
            Just("constraint"),
            Just("null"),
            Just("check"),
            Just("trigger"),
            Just("public"),
        ]
        .prop_map(str::to_owned),
        // Every quote character, alone and inside a name.
        prop_oneof![
            Just("a\"b"),
            Just("\""),
            Just("\"\""),
            Just("it's"),
            Just("'"),
            Just("back`tick"),
            Just("`"),
            Just("[bracket]"),
            Just("["),
            Just("]"),
            Just("$$"),
            Just("$function$"),
            Just("back\\slash"),
        ]
        .prop_map(str::to_owned),
        // Spaces (a stem is put first or last, so they lead or trail), unicode, comments.
        prop_oneof![
            Just("with space"),
            Just(" lead"),
            Just("trail "),
            Just("  "),
            Just("ключ"),
            Just("名前"),
            Just("emoji😀"),
            Just("Ünïcode"),
            Just("MixedCase"),
            Just("mixedcase"),
            Just("MIXEDCASE"),
            Just("semi;colon--"),
            Just("/*c*/"),
            Just("a.b"),
        ]
        .prop_map(str::to_owned),
        "[a-zA-Z_][a-zA-Z0-9_ \"'`\\[\\]]{0,12}",
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
    /// Exactly [`MAX_IDENT_BYTES`] bytes: stem, padding of `pad` (then `l`s to fill
    /// the bytes a multibyte `pad` cannot), tag; or tag first.
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
            prop_oneof![Just('l'), Just('é'), Just('名'), Just('😀'), Just('"'), Just(' ')],
            any::<bool>()
        )
            .prop_map(|(pad, tag_first)| Layout::Long { pad, tag_first }),
    ];
    (stem(), layout)
        .prop_map(|(stem, layout)| Hostile { stem, layout })
        .boxed()
}

/// The first `max` bytes of `s`, cut at a character boundary.
fn truncate_bytes(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
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

    fn build(&self, tag: &str) -> String {
        match &self.layout {
            Layout::Bare => self.stem.clone(),
            Layout::StemFirst => format!("{}{tag}", self.stem),
            Layout::TagFirst => format!("{tag}{}", self.stem),
            Layout::Long { pad, tag_first } => {
                let budget = MAX_IDENT_BYTES - tag.len();
                let stem = truncate_bytes(&self.stem, budget);
                let mut padding = String::new();
                while stem.len() + padding.len() + pad.len_utf8() <= budget {
                    padding.push(*pad);
                }
                while stem.len() + padding.len() < budget {
                    padding.push('l');
                }
                let name = if *tag_first {
                    format!("{tag}{padding}{stem}")
                } else {
                    format!("{stem}{padding}{tag}")
                };
                assert_eq!(name.len(), MAX_IDENT_BYTES, "{name:?}");
                name
            }
        }
    }
}

/// Hands out names unique in a scope (a schema's relations, a table's columns, ...):
/// the hostile name when it is free, else a plain one.
#[derive(Default)]
struct Scope(HashSet<String>);

impl Scope {
    fn take(&mut self, h: &Hostile, tag: &str) -> String {
        let wanted = h.build(tag);
        if !wanted.is_empty() && self.0.insert(wanted.clone()) {
            return wanted;
        }
        (0..)
            .map(|n| format!("{tag}_{n}"))
            .find(|n| self.0.insert(n.clone()))
            .unwrap()
    }

    /// `name` when it is free here (a name shared with other tables), else a plain one.
    fn take_exact(&mut self, name: &str, tag: &str) -> String {
        if self.0.insert(name.to_owned()) {
            return name.to_owned();
        }
        self.take(
            &Hostile {
                stem: String::new(),
                layout: Layout::Bare,
            },
            tag,
        )
    }
}

/// Column types; the first column of every table is always `integer`.
const TYPES: &[&str] = &[
    "integer",
    "text",
    "numeric(10,2)",
    "character varying(20)",
    "bigint",
    "smallint",
];

/// Text defaults with quotes of every kind in them.
const TEXT_DEFAULTS: &[&str] = &["it's", "a\"b", "back\\slash", "名前", "$$", "", " "];

#[derive(Debug, Clone)]
struct ColumnSpec {
    name: Hostile,
    type_index: usize,
    not_null: bool,
    default: Option<usize>,
}

#[derive(Debug, Clone)]
struct TriggerSpec {
    name: Hostile,
    /// 0: BEFORE INSERT OR UPDATE, 1: AFTER UPDATE OF the last column, 2: AFTER DELETE.
    event: usize,
    when: bool,
    argument: Hostile,
}

/// What numbers the first column.
#[derive(Debug, Clone)]
enum Counter {
    /// `GENERATED ALWAYS|BY DEFAULT AS IDENTITY`.
    Identity { always: bool },
    /// `DEFAULT nextval('name')` of a sequence of its own, owned by the column or not:
    /// the name is in a string literal, in a regclass, in the default.
    Sequence { name: Hostile, owned: bool },
}

#[derive(Debug, Clone)]
struct TableSpec {
    name: Hostile,
    columns: Vec<ColumnSpec>,
    counter: Option<Counter>,
    primary_key: Option<Hostile>,
    unique: Option<Hostile>,
    check: Option<Hostile>,
    /// A foreign key from the first column to the primary key of an earlier table (or
    /// this one), picked by the number among those that have one.
    foreign_key: Option<(Hostile, usize, usize)>,
    /// An index on the last column: name, unique, descending, partial.
    index: Option<(Hostile, bool, bool, bool)>,
    trigger: Option<TriggerSpec>,
    /// A view of the first column under an alias.
    view: Option<(Hostile, Hostile)>,
}

#[derive(Debug, Clone)]
struct SchemaSpec {
    /// The schema the tables go in: `public` when `None`.
    namespace: Option<Hostile>,
    /// A second schema holding the same objects under the same names.
    copy: Option<Hostile>,
    /// One name for the check, foreign key and trigger of every table (PostgreSQL keeps
    /// those names per table).
    shared: Option<Hostile>,
    trigger_function: Hostile,
    tables: Vec<TableSpec>,
    defer_primary_keys: bool,
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

fn trigger_spec() -> BoxedStrategy<TriggerSpec> {
    (hostile(), 0usize..3, any::<bool>(), hostile())
        .prop_map(|(name, event, when, argument)| TriggerSpec {
            name,
            event,
            when,
            argument,
        })
        .boxed()
}

fn table_spec() -> BoxedStrategy<TableSpec> {
    (
        hostile(),
        proptest::collection::vec(column_spec(), 1..4),
        proptest::option::of(prop_oneof![
            any::<bool>().prop_map(|always| Counter::Identity { always }),
            (hostile(), any::<bool>()).prop_map(|(name, owned)| Counter::Sequence { name, owned }),
        ]),
        proptest::option::weighted(0.7, hostile()),
        proptest::option::of(hostile()),
        proptest::option::of(hostile()),
        proptest::option::of((hostile(), any::<usize>(), 0usize..5)),
        proptest::option::of((hostile(), any::<bool>(), any::<bool>(), any::<bool>())),
        proptest::option::of(trigger_spec()),
        proptest::option::of((hostile(), hostile())),
    )
        .prop_map(
            |(
                name,
                columns,
                counter,
                primary_key,
                unique,
                check,
                foreign_key,
                index,
                trigger,
                view,
            )| TableSpec {
                name,
                columns,
                counter,
                primary_key,
                unique,
                check,
                foreign_key,
                index,
                trigger,
                view,
            },
        )
        .boxed()
}

fn schema_spec() -> BoxedStrategy<SchemaSpec> {
    (
        proptest::option::of(hostile()),
        proptest::option::of(hostile()),
        proptest::option::of(hostile()),
        hostile(),
        proptest::collection::vec(table_spec(), 1..4),
        any::<bool>(),
        1usize..4,
    )
        .prop_map(
            |(namespace, copy, shared, trigger_function, tables, defer_primary_keys, jobs)| {
                SchemaSpec {
                    namespace,
                    copy,
                    shared,
                    trigger_function,
                    tables,
                    defer_primary_keys,
                    jobs,
                }
            },
        )
        .boxed()
}

/// A table by the names of what it holds.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TableShape {
    schema: String,
    name: String,
    /// In their order.
    columns: Vec<String>,
    /// Primary key, unique, check and foreign key names.
    constraints: Vec<String>,
    indexes: Vec<String>,
}

/// What the SQL created, by name, to hold the reflection to.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    namespaces: Vec<String>,
    tables: Vec<TableShape>,
    /// (schema, name, table).
    triggers: Vec<(String, String, String)>,
    views: Vec<(String, String)>,
    routines: Vec<(String, String)>,
    sequences: Vec<(String, String)>,
}

/// One table's names, decided once for every schema it is created in.
struct TableNames {
    table: String,
    sequence: Option<String>,
    columns: Vec<String>,
    primary_key: Option<String>,
    unique: Option<String>,
    check: Option<String>,
    foreign_key: Option<(String, usize)>,
    index: Option<String>,
    trigger: Option<String>,
    view: Option<(String, String)>,
}

/// Picks every name of the spec, unique where PostgreSQL wants it: relations (tables,
/// views, indexes, and the indexes of primary keys and unique constraints) per schema,
/// columns per table, constraints per table, triggers per table.
fn names(spec: &SchemaSpec) -> (String, Vec<TableNames>) {
    let mut relations = Scope::default();
    let mut functions = Scope::default();
    let function = functions.take(&spec.trigger_function, "fn");
    let shared = |tag: &str| spec.shared.as_ref().map(|h| h.build(tag));
    let mut out: Vec<TableNames> = Vec::new();
    for (t, table) in spec.tables.iter().enumerate() {
        let mut columns = Scope::default();
        let mut constraints = Scope::default();
        let mut triggers = Scope::default();
        let name = relations.take(&table.name, &format!("t{t}"));
        let sequence = match &table.counter {
            Some(Counter::Sequence { name, .. }) => Some(relations.take(name, &format!("sq{t}"))),
            _ => None,
        };
        let column_names: Vec<String> = table
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| columns.take(&col.name, &format!("c{c}")))
            .collect();
        let mut take_constraint = |h: &Hostile, tag: String, shared: Option<String>| {
            let wanted = shared.unwrap_or_else(|| h.build(&tag));
            // A primary key's and a unique constraint's names are also index names.
            constraints.take_exact(&wanted, &tag)
        };
        let primary_key = table.primary_key.as_ref().map(|h| {
            let n = take_constraint(h, format!("pk{t}"), None);
            relations.take_exact(&n, &format!("pk{t}"))
        });
        let unique = table.unique.as_ref().map(|h| {
            let n = take_constraint(h, format!("u{t}"), None);
            relations.take_exact(&n, &format!("u{t}"))
        });
        let check = table
            .check
            .as_ref()
            .map(|h| take_constraint(h, format!("ck{t}"), shared("ck")));
        let parents: Vec<usize> = (0..=t)
            .filter(|&p| spec.tables[p].primary_key.is_some())
            .collect();
        let foreign_key = table
            .foreign_key
            .as_ref()
            .filter(|_| !parents.is_empty())
            .map(|(h, pick, _)| {
                // Beside a check of the same shared name, in the table's constraints.
                let shared = spec.shared.as_ref().map(|h| h.tagged().build("fk"));
                let name = take_constraint(h, format!("fk{t}"), shared);
                (name, parents[pick % parents.len()])
            });
        let index = table
            .index
            .as_ref()
            .map(|(h, ..)| relations.take(h, &format!("i{t}")));
        let trigger = table.trigger.as_ref().map(|tr| {
            let wanted = shared("tg").unwrap_or_else(|| tr.name.build(&format!("tg{t}")));
            triggers.take_exact(&wanted, &format!("tg{t}"))
        });
        let view = table.view.as_ref().map(|(v, alias)| {
            (
                relations.take(v, &format!("v{t}")),
                // Beside the view's other column, `it's`.
                Scope(HashSet::from(["it's".to_owned()])).take(alias, &format!("a{t}")),
            )
        });
        out.push(TableNames {
            table: name,
            sequence,
            columns: column_names,
            primary_key,
            unique,
            check,
            foreign_key,
            index,
            trigger,
            view,
        });
    }
    (function, out)
}

/// A dollar-quote tag that `body` does not contain.
fn dollar_tag(body: &str) -> String {
    (0..)
        .map(|n| format!("$q{n}$"))
        .find(|tag| !body.contains(tag.as_str()))
        .unwrap()
}

/// A value of each type for the probes, `key` for the first column.
fn value(type_index: usize, key: i32) -> String {
    match TYPES[type_index] {
        "integer" | "bigint" | "smallint" => key.to_string(),
        "numeric(10,2)" => format!("{key}.5"),
        _ => quote_literal(&format!("v{key}'\"")),
    }
}

/// The SQL that creates the spec in `schema`, and what it creates.
fn create_sql(
    spec: &SchemaSpec,
    schema: Option<&str>,
    function: &str,
    names: &[TableNames],
    expected: &mut Expected,
) -> Vec<String> {
    let ns = schema.unwrap_or("public");
    let q = |name: &str| format!("{}.{}", quote_ident(ns), quote_ident(name));
    let mut sql = Vec::new();
    if let Some(s) = schema {
        sql.push(format!("CREATE SCHEMA {}", quote_ident(s)));
        expected.namespaces.push(s.to_owned());
    }
    // A trigger function whose body names itself in a string (dollar quotes included).
    let body = format!(
        "\nBEGIN\n  RAISE DEBUG '% %', {}, TG_ARGV[0];\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND\n",
        quote_literal(function)
    );
    let tag = dollar_tag(&body);
    sql.push(format!(
        "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS {tag}{body}{tag}",
        q(function)
    ));
    expected.routines.push((ns.to_owned(), function.to_owned()));
    let mut views = Vec::new();
    for (t, (table, n)) in spec.tables.iter().zip(names).enumerate() {
        let mut items = Vec::new();
        for (c, (col, name)) in table.columns.iter().zip(&n.columns).enumerate() {
            let type_index = if c == 0 { 0 } else { col.type_index };
            let mut item = format!("{} {}", quote_ident(name), TYPES[type_index]);
            match (c, &table.counter, col.default) {
                (0, Some(Counter::Identity { always }), _) => item.push_str(if *always {
                    " GENERATED ALWAYS AS IDENTITY"
                } else {
                    " GENERATED BY DEFAULT AS IDENTITY"
                }),
                (0, Some(Counter::Sequence { .. }), _) => {
                    let seq = q(n.sequence.as_ref().unwrap());
                    sql.push(format!("CREATE SEQUENCE {seq}"));
                    item.push_str(&format!(
                        " DEFAULT nextval({}::regclass)",
                        quote_literal(&seq)
                    ));
                }
                (_, _, Some(d)) => {
                    let default = match TYPES[type_index] {
                        "integer" | "bigint" | "smallint" => format!("{}", d as i32 - 3),
                        "numeric(10,2)" => format!("{d}.25"),
                        _ => quote_literal(TEXT_DEFAULTS[d]),
                    };
                    item.push_str(&format!(" DEFAULT {default}"));
                }
                _ => {}
            }
            if col.not_null {
                item.push_str(" NOT NULL");
            }
            items.push(item);
        }
        let first = quote_ident(&n.columns[0]);
        let last = quote_ident(n.columns.last().unwrap());
        let mut constraints = Vec::new();
        if let Some(pk) = &n.primary_key {
            items.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({first})",
                quote_ident(pk)
            ));
            constraints.push(pk.clone());
        }
        if let Some(ck) = &n.check {
            items.push(format!(
                "CONSTRAINT {} CHECK ({first} <> -1)",
                quote_ident(ck)
            ));
            constraints.push(ck.clone());
        }
        sql.push(format!(
            "CREATE TABLE {} (\n  {}\n)",
            q(&n.table),
            items.join(",\n  ")
        ));
        if let (Some(seq), Some(Counter::Sequence { owned, .. })) = (&n.sequence, &table.counter) {
            if *owned {
                sql.push(format!(
                    "ALTER SEQUENCE {} OWNED BY {}.{first}",
                    q(seq),
                    q(&n.table)
                ));
            }
            expected.sequences.push((ns.to_owned(), seq.clone()));
        }
        // Added by ALTER TABLE: CREATE TABLE would drop a unique constraint on the
        // primary key's column as redundant.
        if let Some(u) = &n.unique {
            sql.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({last})",
                q(&n.table),
                quote_ident(u)
            ));
            constraints.push(u.clone());
        }
        if let (Some((fk, parent)), Some((_, _, action))) = (&n.foreign_key, &table.foreign_key) {
            let parent_names = &names[*parent];
            let actions = [
                "",
                " ON DELETE CASCADE",
                " ON UPDATE SET NULL DEFERRABLE",
                " ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED",
                " MATCH FULL ON DELETE SET DEFAULT",
            ];
            sql.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({first}) REFERENCES {} ({}){}",
                q(&n.table),
                quote_ident(fk),
                q(&parent_names.table),
                quote_ident(&parent_names.columns[0]),
                actions[*action]
            ));
            constraints.push(fk.clone());
        }
        let mut indexes = Vec::new();
        if let (Some(ix), Some((_, unique, desc, partial))) = (&n.index, &table.index) {
            sql.push(format!(
                "CREATE {}INDEX {} ON {} ({last}{}){}",
                if *unique { "UNIQUE " } else { "" },
                quote_ident(ix),
                q(&n.table),
                if *desc { " DESC" } else { "" },
                if *partial {
                    format!(" WHERE {last} IS NOT NULL AND {first} <> -7")
                } else {
                    String::new()
                }
            ));
            indexes.push(ix.clone());
        }
        if let (Some(tg), Some(spec)) = (&n.trigger, &table.trigger) {
            let (timing, when) = match spec.event {
                0 => (
                    "BEFORE INSERT OR UPDATE".to_owned(),
                    format!("NEW.{first} IS DISTINCT FROM -5"),
                ),
                1 => (
                    format!("AFTER UPDATE OF {last}"),
                    format!("OLD.{last} IS DISTINCT FROM NEW.{last}"),
                ),
                _ => ("AFTER DELETE".to_owned(), format!("OLD.{first} <> -5")),
            };
            sql.push(format!(
                "CREATE TRIGGER {} {timing} ON {} FOR EACH ROW {}EXECUTE FUNCTION {}({})",
                quote_ident(tg),
                q(&n.table),
                if spec.when {
                    format!("WHEN ({when}) ")
                } else {
                    String::new()
                },
                q(function),
                quote_literal(&spec.argument.build(&format!("arg{t}")))
            ));
            expected
                .triggers
                .push((ns.to_owned(), tg.clone(), n.table.clone()));
        }
        if let Some((v, alias)) = &n.view {
            views.push(format!(
                "CREATE VIEW {} AS SELECT {first} AS {}, {} AS \"it's\" FROM {} WHERE {first} <> -2",
                q(v),
                quote_ident(alias),
                quote_literal(&n.table),
                q(&n.table)
            ));
            expected.views.push((ns.to_owned(), v.clone()));
        }
        expected.tables.push(TableShape {
            schema: ns.to_owned(),
            name: n.table.clone(),
            columns: n.columns.clone(),
            constraints,
            indexes,
        });
    }
    sql.extend(views);
    sql
}

/// Names of what a reflected schema holds, in the shape of [`Expected`].
fn reflected(schema: &Schema) -> Expected {
    let ns = |q: &schema_replicator::QualifiedName| q.schema.clone().unwrap_or_default();
    let mut e = Expected {
        namespaces: schema.namespaces.iter().map(|n| n.name.clone()).collect(),
        ..Expected::default()
    };
    for t in &schema.tables {
        let constraints: Vec<String> = t
            .primary_key
            .iter()
            .filter_map(|k| k.name.clone())
            .chain(t.unique_constraints.iter().filter_map(|u| u.name.clone()))
            .chain(t.checks.iter().filter_map(|c| c.name.clone()))
            .chain(t.foreign_keys.iter().filter_map(|f| f.name.clone()))
            .collect();
        e.tables.push(TableShape {
            schema: ns(&t.name),
            name: t.name.name.clone(),
            columns: t.columns.iter().map(|c| c.name.clone()).collect(),
            constraints,
            indexes: t.indexes.iter().map(|i| i.name.clone()).collect(),
        });
    }
    e.triggers = schema
        .triggers
        .iter()
        .map(|t| (ns(&t.name), t.name.name.clone(), t.table.name.clone()))
        .collect();
    e.views = schema
        .views
        .iter()
        .map(|v| (ns(&v.name), v.name.name.clone()))
        .collect();
    e.routines = schema
        .routines
        .iter()
        .map(|r| (ns(&r.name), r.name.name.clone()))
        .collect();
    e.sequences = schema
        .sequences
        .iter()
        .map(|q| (ns(&q.name), q.name.name.clone()))
        .collect();
    e
}

/// Sorted, so that the catalog's order does not matter.
fn normalised(mut e: Expected) -> Expected {
    for table in &mut e.tables {
        table.constraints.sort();
        table.indexes.sort();
    }
    e.namespaces.sort();
    e.tables.sort();
    e.triggers.sort();
    e.views.sort();
    e.routines.sort();
    e.sequences.sort();
    e
}

/// A row of table `t` whose first column is `key`, or the first column's counter's
/// next value when `counted` and the table has a counter.
fn insert_sql(
    spec: &SchemaSpec,
    ns: &str,
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
            0 if counted && table.counter.is_some() => "DEFAULT".into(),
            0 => value(0, key),
            _ => value(col.type_index, key),
        })
        .collect();
    format!(
        "INSERT INTO {}.{} ({}) OVERRIDING SYSTEM VALUE VALUES ({})",
        quote_ident(ns),
        quote_ident(&n.table),
        columns.join(", "),
        values.join(", ")
    )
}

/// The rows of the source: keys 1 and 2 in every table, in table order (a foreign key
/// references an earlier table), numbered by the counters where there are counters.
fn data_sql(spec: &SchemaSpec, ns: &str, names: &[TableNames]) -> Vec<String> {
    (0..names.len())
        .flat_map(|t| [1, 2].map(|key| insert_sql(spec, ns, names, t, key, true)))
        .collect()
}

/// A probe: a statement run on the loaded and sealed databases in a transaction that
/// is rolled back, whether the sealed target must refuse it, and the keys a duplicate
/// may be reported on.
struct Probe {
    sql: String,
    refused: bool,
    keys: Vec<String>,
}

fn probes(spec: &SchemaSpec, ns: &str, names: &[TableNames]) -> Vec<Probe> {
    let mut out = Vec::new();
    for (t, n) in names.iter().enumerate() {
        let table = &spec.tables[t];
        let unique_index = table
            .index
            .as_ref()
            .filter(|(_, unique, ..)| *unique)
            .and(n.index.clone());
        let keys: Vec<String> = [n.primary_key.clone(), n.unique.clone(), unique_index]
            .into_iter()
            .flatten()
            .collect();
        // Row 1 again: a duplicate key wherever there is a key.
        out.push(Probe {
            sql: insert_sql(spec, ns, names, t, 1, false),
            refused: !keys.is_empty(),
            keys,
        });
        let probe = |sql: String, refused: bool| Probe {
            sql,
            refused,
            keys: Vec::new(),
        };
        // A foreign key to another table (a row of a self-reference is its own parent).
        let orphans = n
            .foreign_key
            .as_ref()
            .is_some_and(|(_, parent)| *parent != t);
        // First column -1: the check; also an orphan for the foreign key.
        out.push(probe(
            insert_sql(spec, ns, names, t, -1, false),
            n.check.is_some() || orphans,
        ));
        if n.foreign_key.is_some() {
            out.push(probe(insert_sql(spec, ns, names, t, 999, false), orphans));
        }
        // The counter hands out 3, past the loaded rows.
        if table.counter.is_some() {
            out.push(probe(insert_sql(spec, ns, names, t, 3, true), orphans));
        }
        if let Some((v, alias)) = &n.view {
            out.push(probe(
                format!(
                    "SELECT 1 / (count(*) = 1)::int FROM {}.{} WHERE {} = 1",
                    quote_ident(ns),
                    quote_ident(v),
                    quote_ident(alias)
                ),
                false,
            ));
        }
    }
    out
}

/// The key a duplicate is reported on.
fn duplicate_key(message: &str) -> Option<&str> {
    message
        .strip_prefix("duplicate key value violates unique constraint \"")?
        .strip_suffix('"')
}

/// Whether two databases refused (or took) a probe the same way. A row that
/// duplicates several keys may be reported on any of them: the server checks them in
/// the order their indexes were built, which is not part of the schema (a deferred
/// primary key, or a parallel seal, builds it later).
fn same_outcome(probe: &Probe, a: &Result<(), String>, b: &Result<(), String>) -> bool {
    match (a, b) {
        (Err(x), Err(y)) if x != y => [x, y]
            .iter()
            .all(|m| duplicate_key(m).is_some_and(|k| probe.keys.iter().any(|key| key == k))),
        _ => a == b,
    }
}

/// Runs each probe in a transaction that is rolled back (deferred constraints are
/// checked first), returning the server's message for each.
fn run_probes(db: &TestDb, probes: &[Probe]) -> Vec<Result<(), String>> {
    let mut conn: PgConnection = db.conn();
    probes
        .iter()
        .map(|probe| {
            let result = conn
                .batch_execute(&format!(
                    "BEGIN; {}; SET CONSTRAINTS ALL IMMEDIATE; ROLLBACK",
                    probe.sql
                ))
                .map_err(|e| e.to_string());
            if result.is_err() {
                conn.batch_execute("ROLLBACK").unwrap();
            }
            result
        })
        .collect()
}

fn run(spec: &SchemaSpec) -> Result<(), TestCaseError> {
    let (function, names) = names(spec);
    let namespaces: Vec<Option<String>> = {
        let mut scope = Scope::default();
        // `public` is taken: the target has its own.
        scope.0.insert("public".into());
        // The prefix pg_ is reserved for system schemas.
        let mut take = |h: &Hostile, tag: &str| {
            let name = scope.take(h, tag);
            if name.starts_with("pg_") {
                scope.take_exact(tag, tag)
            } else {
                name
            }
        };
        let mut v = vec![spec.namespace.as_ref().map(|h| take(h, "s0"))];
        if let Some(copy) = &spec.copy {
            v.push(Some(take(copy, "s1")));
        }
        v
    };
    let mut expected = Expected::default();
    let mut sql = Vec::new();
    for ns in &namespaces {
        sql.extend(create_sql(
            spec,
            ns.as_deref(),
            &function,
            &names,
            &mut expected,
        ));
    }
    for ns in &namespaces {
        sql.extend(data_sql(spec, ns.as_deref().unwrap_or("public"), &names));
    }
    let source = TestDb::new("hostile_src");
    let mut conn = source.conn();
    for statement in &sql {
        conn.batch_execute(statement)
            .map_err(|e| TestCaseError::fail(format!("creating the source: {e}\n{statement}")))?;
    }
    drop(conn);

    // Reflect the source: it holds every object the SQL created, and nothing is skipped.
    let policy = Policy::default().with_defer_primary_keys(spec.defer_primary_keys);
    let registry = Registry::builtin().unwrap();
    let live = DdlExtractor::open(&source.url(), &registry, &policy)
        .map_err(|e| TestCaseError::fail(format!("reflect the source: {e}")))?;
    prop_assert_eq!(&live.schema().skipped, &vec![]);
    prop_assert_eq!(normalised(reflected(live.schema())), normalised(expected));

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
    // with `pg_dump --data-only | psql`, the seal over `jobs` connections.
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

    // Our diff and pg_dump see no difference.
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
    let only_a: Vec<&String> = dump_a.iter().filter(|s| !dump_b.contains(s)).collect();
    let only_b: Vec<&String> = dump_b.iter().filter(|s| !dump_a.contains(s)).collect();
    prop_assert!(
        only_a.is_empty() && only_b.is_empty() && dump_a == dump_b,
        "pg_dump differs:\nsource only: {:#?}\ntarget only: {:#?}",
        only_a,
        only_b
    );

    prop_assert_eq!(source.row_counts(), target.row_counts());

    // The same rows are refused, with the same messages (which name the constraint),
    // and every counter hands out the value after the loaded rows.
    for ns in &namespaces {
        let ns = ns.as_deref().unwrap_or("public");
        let probes = probes(spec, ns, &names);
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
            prop_assert_eq!(b.is_err(), probe.refused, "{}: {:?}", &probe.sql, b);
        }
    }
    Ok(())
}

/// 16 cases, or as many as `PROPTEST_CASES` says, shrunk for long enough to reach a
/// small case.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 16;
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
