//! Property test: random schemas with hostile identifiers (quotes of every kind,
//! spaces, unicode, SQL keywords, very long names) survive render, apply and reflect
//! unchanged.

use proptest::prelude::*;
use schema_replicator::sqlite::{quote_ident, SqliteDialect};
use schema_replicator::{
    diff, CheckConstraint, Column, DataType, DdlApplier, DdlExtractor, Deferrable, Dialect, Expr,
    ForeignKey, Index, IndexKey, IndexTarget, Literal, MatchType, Phase, Policy, PrimaryKey,
    QualifiedName, ReferentialAction, Schema, SortOrder, Table, UniqueConstraint, View,
};

/// Identifier stems chosen to break naive quoting; a unique suffix is appended.
fn stem() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("select".to_owned()),
        Just("order".to_owned()),
        Just("GROUP".to_owned()),
        Just("table".to_owned()),
        Just("a\"b".to_owned()),
        Just("\"\"".to_owned()),
        Just("it's".to_owned()),
        Just("back`tick".to_owned()),
        Just("[bracket]".to_owned()),
        Just("with space".to_owned()),
        Just(" lead".to_owned()),
        Just("ключ".to_owned()),
        Just("名前".to_owned()),
        Just("emoji😀".to_owned()),
        Just("semi;colon--".to_owned()),
        Just("/*c*/".to_owned()),
        (200usize..300).prop_map(|n| "l".repeat(n)),
        "[a-zA-Z_][a-zA-Z0-9_ \"'`]{0,12}",
    ]
    // Names starting with sqlite_ are reserved by SQLite itself.
    .prop_filter("reserved prefix", |s| {
        !s.to_lowercase().starts_with("sqlite_")
    })
}

fn name(stem: &str, tag: &str, i: usize) -> String {
    format!("{stem}{tag}{i}")
}

const TYPES: &[&str] = &[
    "INTEGER",
    "TEXT",
    "REAL",
    "BLOB",
    "NUMERIC(10,2)",
    "VARCHAR(20)",
    "",
];

#[derive(Debug, Clone)]
struct ColumnSpec {
    stem: String,
    type_index: usize,
    nullable: bool,
    default: Option<i32>,
}

#[derive(Debug, Clone)]
struct TableSpec {
    stem: String,
    columns: Vec<ColumnSpec>,
    primary_key: bool,
    unique: Option<String>,
    check: bool,
    index: Option<(String, bool)>,
    foreign_key: bool,
    view: Option<String>,
}

fn column_spec() -> impl Strategy<Value = ColumnSpec> {
    (
        stem(),
        0..TYPES.len(),
        any::<bool>(),
        proptest::option::of(-5i32..100),
    )
        .prop_map(|(stem, type_index, nullable, default)| ColumnSpec {
            stem,
            type_index,
            nullable,
            default,
        })
}

fn table_spec() -> impl Strategy<Value = TableSpec> {
    (
        stem(),
        proptest::collection::vec(column_spec(), 1..4),
        any::<bool>(),
        proptest::option::of(stem()),
        any::<bool>(),
        proptest::option::of((stem(), any::<bool>())),
        any::<bool>(),
        proptest::option::of(stem()),
    )
        .prop_map(
            |(stem, columns, primary_key, unique, check, index, foreign_key, view)| TableSpec {
                stem,
                columns,
                primary_key,
                unique,
                check,
                index,
                foreign_key,
                view,
            },
        )
}

/// Builds the IR the way SQLite reflection reports it.
fn build(specs: &[TableSpec]) -> Schema {
    let mut schema = Schema::new("sqlite");
    for (t, spec) in specs.iter().enumerate() {
        let table_name = name(&spec.stem, "t", t);
        let columns: Vec<Column> = spec
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| Column {
                inherited: false,
                on_update: None,
                invisible: false,
                name: name(&col.stem, "c", c),
                data_type: DataType::from_raw(TYPES[col.type_index]),
                nullable: col.nullable,
                default: col.default.map(|d| Expr::Literal {
                    value: Literal::Number(d.to_string()),
                }),
                collation: None,
                generated: None,
                identity: None,
                comment: None,
            })
            .collect();
        let first = columns[0].name.clone();
        let last = columns[columns.len() - 1].name.clone();
        let mut table = Table {
            columns,
            primary_key: spec.primary_key.then(|| PrimaryKey {
                index: None,
                definition: None,
                comment: None,
                name: None,
                columns: vec![first.clone()],
            }),
            ..Table::new(QualifiedName::bare(&table_name))
        };
        if let Some(u) = &spec.unique {
            table.unique_constraints.push(UniqueConstraint {
                index: None,
                definition: None,
                comment: None,
                name: Some(name(u, "u", t)),
                columns: vec![last.clone()],
            });
        }
        if spec.check {
            table.checks.push(CheckConstraint {
                column: None,
                definition: None,
                comment: None,
                name: None,
                expr: Expr::raw(
                    "sqlite",
                    format!("{} IS NOT 'forbidden'", quote_ident(&last)),
                ),
            });
        }
        if let Some((ix, desc)) = &spec.index {
            table.indexes.push(Index {
                partition_indexes: Default::default(),
                definition: None,
                comment: None,
                name: name(ix, "i", t),
                unique: false,
                keys: vec![IndexKey {
                    target: IndexTarget::Column(last.clone()),
                    collation: None,
                    order: desc.then_some(SortOrder::Desc),
                }],
                predicate: None,
            });
        }
        if spec.foreign_key && t > 0 && schema.tables[0].primary_key.is_some() {
            let parent = &schema.tables[0];
            table.foreign_keys.push(ForeignKey {
                definition: None,
                comment: None,
                name: Some(name(&spec.stem, "fk", t)),
                columns: vec![last.clone()],
                referenced_table: parent.name.clone(),
                referenced_columns: parent.primary_key.as_ref().unwrap().columns.clone(),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
                match_type: MatchType::Simple,
                deferrable: Deferrable::InitiallyDeferred,
            });
        }
        if let Some(v) = &spec.view {
            schema.views.push(View::new(
                QualifiedName::bare(name(v, "v", t)),
                Expr::raw(
                    "sqlite",
                    format!(
                        "SELECT {} FROM {}",
                        quote_ident(&first),
                        quote_ident(&table_name)
                    ),
                ),
            ));
        }
        schema.tables.push(table);
    }
    schema
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hostile_schemas_survive_render_apply_reflect(specs in proptest::collection::vec(table_spec(), 1..4)) {
        let schema = build(&specs);
        let dir = tempfile::tempdir().unwrap();
        let target = format!("sqlite://{}", dir.path().join("t.db").display());
        let extractor = DdlExtractor::from_schema(
            schema.clone(),
            std::sync::Arc::new(SqliteDialect),
            &Policy::default(),
        ).unwrap();
        // Each phase rendered on its own gives that phase's statements of the whole.
        let plan = extractor.plan();
        let mut by_phase = Vec::new();
        for phase in Phase::ALL {
            by_phase.extend(SqliteDialect.render_phase(&schema, plan, phase).unwrap());
        }
        let whole = SqliteDialect.render(&schema, plan).unwrap();
        prop_assert_eq!(by_phase, whole);
        let applier = DdlApplier::new(&target).unwrap();
        for phase in Phase::ALL {
            applier.apply_phase(&extractor, phase).unwrap();
        }
        let mut reflected = DdlExtractor::new(&target).unwrap().schema().clone();
        reflected.server_version = None;
        prop_assert_eq!(diff(&schema, &reflected), vec![]);
        // Rebuilt tables move to the end of sqlite_schema; compare them by name.
        let mut got = reflected.tables.clone();
        let mut want = schema.tables.clone();
        got.sort_by(|a, b| a.name.cmp(&b.name));
        want.sort_by(|a, b| a.name.cmp(&b.name));
        prop_assert_eq!(got, want);
        prop_assert_eq!(&reflected.views, &schema.views);
    }
}
