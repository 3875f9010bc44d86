//! Set-based reflection: six catalog queries whatever the number of tables, then the
//! `CREATE` text of each object through [`crate::parse`] for what the pragmas omit.

use std::collections::HashMap;

use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
use schema_replicator_core::{
    CheckConstraint, Column, DataType, Deferrable, Error, Expr, ForeignKey, Generated, Identity,
    Index, IndexKey, IndexTarget, Literal, MatchType, PrimaryKey, QualifiedName, ReferentialAction,
    Result, Schema, Skipped, SortOrder, Table, TableOption, Trigger, UniqueConstraint, View,
    VirtualTable,
};

use crate::parse::{self, ParsedConstraint, ParsedTable};
use crate::DIALECT;

#[derive(QueryableByName)]
struct ObjectRow {
    #[diesel(sql_type = Text)]
    object_type: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    sql: Option<String>,
}

#[derive(QueryableByName)]
struct TableListRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    table_type: String,
    #[diesel(sql_type = Integer)]
    without_rowid: i32,
    #[diesel(sql_type = Integer)]
    strict: i32,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
    #[diesel(sql_type = Integer)]
    hidden: i32,
}

#[derive(QueryableByName)]
struct IndexColumnRow {
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Integer)]
    cid: i32,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    referenced_table: String,
    #[diesel(sql_type = Text)]
    from_column: String,
    #[diesel(sql_type = Text)]
    on_update: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

#[derive(QueryableByName)]
struct SequenceRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    seq: Option<i64>,
}

fn catalog_error(e: diesel::result::Error) -> Error {
    Error::Reflect {
        object: "the catalog".into(),
        reason: e.to_string(),
    }
}

fn query<T: QueryableByName<diesel::sqlite::Sqlite> + 'static>(
    conn: &mut SqliteConnection,
    sql: &str,
) -> Result<Vec<T>> {
    schema_replicator_core::trace::query("the catalog", sql);
    diesel::sql_query(sql).load(conn).map_err(catalog_error)
}

fn parse_error(kind: &str, name: &str, e: parse::ParseError) -> Error {
    Error::Reflect {
        object: format!("{kind} {}", QualifiedName::bare(name)),
        reason: format!("cannot parse its definition: {e}"),
    }
}

/// Reads the whole schema of an open connection.
pub(crate) fn reflect(conn: &mut SqliteConnection) -> Result<Schema> {
    let objects: Vec<ObjectRow> = query(conn, include_str!("sql/objects.sql"))?;
    let table_list: Vec<TableListRow> = query(conn, include_str!("sql/table_list.sql"))?;
    let columns: Vec<ColumnRow> = query(conn, include_str!("sql/columns.sql"))?;
    let index_columns: Vec<IndexColumnRow> = query(conn, include_str!("sql/index_columns.sql"))?;
    let foreign_keys: Vec<ForeignKeyRow> = query(conn, include_str!("sql/foreign_keys.sql"))?;
    let has_sequence = objects.iter().any(|o| o.name == "sqlite_sequence");
    let sequences: Vec<SequenceRow> = if has_sequence {
        query(conn, include_str!("sql/sequences.sql"))?
    } else {
        Vec::new()
    };

    let mut schema = Schema::new(DIALECT);
    schema.server_version = Some(format!(
        "SQLite {}",
        diesel::select(diesel::dsl::sql::<Text>("sqlite_version()"))
            .get_result::<String>(conn)
            .map_err(catalog_error)?
    ));
    let kinds: HashMap<&str, &TableListRow> =
        table_list.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut columns_of: HashMap<&str, Vec<&ColumnRow>> = HashMap::new();
    for c in &columns {
        columns_of.entry(&c.table_name).or_default().push(c);
    }
    let mut fks_of: HashMap<&str, Vec<&ForeignKeyRow>> = HashMap::new();
    for f in &foreign_keys {
        fks_of.entry(&f.table_name).or_default().push(f);
    }
    let mut index_columns_of: HashMap<&str, Vec<&IndexColumnRow>> = HashMap::new();
    for c in &index_columns {
        index_columns_of.entry(&c.index_name).or_default().push(c);
    }
    let counters: HashMap<&str, Option<i64>> =
        sequences.iter().map(|s| (s.name.as_str(), s.seq)).collect();

    // Where each table is in `schema.tables`, for its indexes (a scan per index was
    // quadratic in the number of tables).
    let mut position: HashMap<String, usize> = HashMap::new();
    for object in &objects {
        if object.name.starts_with("sqlite_") {
            continue;
        }
        let Some(sql) = object.sql.as_deref() else {
            continue;
        };
        match object.object_type.as_str() {
            "table" => {
                let kind = kinds.get(object.name.as_str());
                if sql.starts_with("CREATE VIRTUAL")
                    || kind.is_some_and(|k| k.table_type == "virtual")
                {
                    schema
                        .virtual_tables
                        .push(virtual_table(&object.name, sql)?);
                    continue;
                }
                if kind.is_some_and(|k| k.table_type == "shadow") {
                    continue;
                }
                let parsed = parse::parse_create_table(sql)
                    .map_err(|e| parse_error("table", &object.name, e))?;
                let table = build_table(
                    object,
                    parsed,
                    columns_of.remove(object.name.as_str()).unwrap_or_default(),
                    fks_of.remove(object.name.as_str()).unwrap_or_default(),
                    kind.copied(),
                    counters.get(object.name.as_str()).copied().flatten(),
                    &mut schema.skipped,
                )?;
                position.insert(object.name.clone(), schema.tables.len());
                schema.tables.push(table);
            }
            "index" => {
                let parsed = parse::parse_create_index(sql)
                    .map_err(|e| parse_error("index", &object.name, e))?;
                let pragma = index_columns_of
                    .remove(object.name.as_str())
                    .unwrap_or_default();
                let index = build_index(object, parsed, &pragma)?;
                let Some(table) = position
                    .get(&object.table_name)
                    .map(|&i| &mut schema.tables[i])
                else {
                    // An index of a skipped (virtual) table goes with it.
                    continue;
                };
                table.indexes.push(index);
            }
            "view" => {
                let parsed = parse::parse_create_view(sql)
                    .map_err(|e| parse_error("view", &object.name, e))?;
                let mut view = View::new(
                    QualifiedName::bare(&object.name),
                    Expr::raw(DIALECT, parsed.query),
                );
                view.columns = parsed.columns;
                schema.views.push(view);
            }
            "trigger" => schema.triggers.push(Trigger {
                definer: None,
                settings: Vec::new(),
                comment: None,
                name: QualifiedName::bare(&object.name),
                table: QualifiedName::bare(&object.table_name),
                definition: Expr::raw(DIALECT, sql),
            }),
            other => schema.skipped.push(Skipped {
                kind: other.to_owned(),
                name: object.name.clone(),
                reason: "not replicated: unknown kind of schema object".into(),
            }),
        }
    }
    Ok(schema)
}

/// A virtual table from its `CREATE VIRTUAL TABLE` statement, kept as it is: the
/// module named after `USING`, and whether it is a full-text table whose index is built
/// from another table's rows (`content=...`, not empty), which the seal rebuilds.
fn virtual_table(name: &str, sql: &str) -> Result<VirtualTable> {
    let (module, arguments) =
        parse::virtual_table_module(sql).map_err(|e| parse_error("virtual table", name, e))?;
    let module = module.to_lowercase();
    let rebuild = module.starts_with("fts") && arguments.iter().any(|a| external_content(a));
    Ok(VirtualTable {
        name: QualifiedName::bare(name),
        module,
        definition: Expr::raw(DIALECT, sql),
        rebuild,
    })
}

/// Whether one module argument is `content=<table>` with a table (`content=''` makes a
/// contentless table, which has nothing to rebuild from).
fn external_content(argument: &str) -> bool {
    let Some((key, value)) = argument.split_once('=') else {
        return false;
    };
    let value = value.trim();
    key.trim().eq_ignore_ascii_case("content")
        && !value.is_empty()
        && value != "''"
        && value != "\"\""
}

/// A default's text as a portable literal when that loses nothing, otherwise raw SQL.
pub(crate) fn default_expr(text: &str) -> Expr {
    if text == "NULL" {
        return Expr::Literal {
            value: Literal::Null,
        };
    }
    if parse::number_literal(text) {
        return Expr::Literal {
            value: Literal::Number(text.to_owned()),
        };
    }
    if let Some(value) = parse::string_literal(text) {
        if crate::quote_literal(&value) == text {
            return Expr::Literal {
                value: Literal::String(value),
            };
        }
    }
    Expr::raw(DIALECT, text)
}

fn action(text: &str, table: &str) -> Result<ReferentialAction> {
    Ok(match text {
        "NO ACTION" => ReferentialAction::NoAction,
        "RESTRICT" => ReferentialAction::Restrict,
        "CASCADE" => ReferentialAction::Cascade,
        "SET NULL" => ReferentialAction::SetNull,
        "SET DEFAULT" => ReferentialAction::SetDefault,
        other => {
            return Err(Error::Reflect {
                object: format!("table {}", QualifiedName::bare(table)),
                reason: format!("unknown referential action `{other}`"),
            })
        }
    })
}

fn build_table(
    object: &ObjectRow,
    parsed: ParsedTable,
    columns: Vec<&ColumnRow>,
    fk_rows: Vec<&ForeignKeyRow>,
    kind: Option<&TableListRow>,
    counter: Option<i64>,
    skipped: &mut Vec<Skipped>,
) -> Result<Table> {
    let name = QualifiedName::bare(&object.name);
    let mismatch = |what: String| Error::Reflect {
        object: format!("table {name}"),
        reason: format!("its definition and the catalog disagree: {what}"),
    };
    if parsed.columns.len() != columns.len() {
        return Err(mismatch(format!(
            "{} columns parsed, {} in pragma_table_xinfo",
            parsed.columns.len(),
            columns.len()
        )));
    }
    for clause in &parsed.unsupported {
        skipped.push(Skipped {
            kind: "table".into(),
            name: object.name.clone(),
            reason: format!("its `{clause}` clause is not replicated"),
        });
    }
    let mut table = Table::new(name.clone());
    table.columns.reserve(columns.len());
    for (row, p) in columns.iter().zip(&parsed.columns) {
        if row.name != p.name {
            return Err(mismatch(format!(
                "column `{}` parsed where the catalog has `{}`",
                p.name, row.name
            )));
        }
        let generated = p.generated.as_ref().map(|(expr, stored)| Generated {
            expr: Expr::raw(DIALECT, expr),
            stored: *stored,
        });
        if generated.is_some() != matches!(row.hidden, 2 | 3) {
            return Err(mismatch(format!("generated column `{}`", row.name)));
        }
        table.columns.push(Column {
            inherited: false,
            on_update: None,
            invisible: false,
            name: row.name.clone(),
            data_type: DataType::from_raw(&row.declared_type),
            nullable: row.not_null == 0,
            default: p.default.as_deref().map(default_expr),
            collation: p.collation.clone(),
            generated: generated.map(Box::new),
            identity: p.autoincrement.then_some(Identity::AutoIncrement {
                last_value: counter,
            }),
            comment: None,
        });
    }
    let mut pk_columns: Vec<&ColumnRow> = columns.iter().copied().filter(|c| c.pk > 0).collect();
    pk_columns.sort_by_key(|c| c.pk);
    let mut parsed_fks = Vec::new();
    for constraint in parsed.constraints {
        match constraint {
            ParsedConstraint::PrimaryKey { name, .. } => {
                table.primary_key = Some(PrimaryKey {
                    index: None,
                    definition: None,
                    comment: None,
                    name,
                    columns: pk_columns.iter().map(|c| c.name.clone()).collect(),
                });
            }
            ParsedConstraint::Unique { name, columns } => {
                table.unique_constraints.push(UniqueConstraint {
                    index: None,
                    name,
                    columns,
                    definition: None,
                    comment: None,
                });
            }
            ParsedConstraint::Check { name, expr } => table.checks.push(CheckConstraint {
                column: None,
                definition: None,
                comment: None,
                name,
                expr: Expr::raw(DIALECT, expr),
            }),
            ParsedConstraint::ForeignKey(fk) => parsed_fks.push(fk),
        }
    }
    if table.primary_key.is_none() != pk_columns.is_empty() {
        return Err(mismatch("primary key".into()));
    }
    // pragma_foreign_key_list numbers foreign keys from the last declared one.
    let mut by_id: Vec<Vec<&ForeignKeyRow>> = Vec::new();
    for row in fk_rows {
        let id = usize::try_from(row.id).unwrap_or(0);
        if by_id.len() <= id {
            by_id.resize_with(id + 1, Vec::new);
        }
        by_id[id].push(row);
    }
    by_id.reverse();
    if by_id.len() != parsed_fks.len() {
        return Err(mismatch(format!(
            "{} foreign keys parsed, {} in pragma_foreign_key_list",
            parsed_fks.len(),
            by_id.len()
        )));
    }
    for (rows, p) in by_id.into_iter().zip(parsed_fks) {
        let from: Vec<String> = rows.iter().map(|r| r.from_column.clone()).collect();
        let (Some(first), true) = (rows.first(), from == p.columns) else {
            return Err(mismatch(format!(
                "foreign key on ({}) parsed where the catalog has ({})",
                p.columns.join(", "),
                from.join(", ")
            )));
        };
        table.foreign_keys.push(ForeignKey {
            definition: None,
            comment: None,
            name: p.name,
            columns: from,
            referenced_table: QualifiedName::bare(&first.referenced_table),
            referenced_columns: p.referenced_columns,
            on_delete: action(&first.on_delete, &object.name)?,
            on_update: action(&first.on_update, &object.name)?,
            match_type: match p.match_type.as_deref() {
                Some("FULL") => MatchType::Full,
                Some("PARTIAL") => MatchType::Partial,
                _ => MatchType::Simple,
            },
            deferrable: match (p.deferrable, p.initially_deferred) {
                (true, true) => Deferrable::InitiallyDeferred,
                (true, false) => Deferrable::InitiallyImmediate,
                _ => Deferrable::NotDeferrable,
            },
        });
    }
    if let Some(kind) = kind {
        if kind.without_rowid != 0 {
            table.options.push(TableOption::WithoutRowid);
        }
        if kind.strict != 0 {
            table.options.push(TableOption::Strict);
        }
    }
    Ok(table)
}

fn build_index(
    object: &ObjectRow,
    parsed: parse::ParsedIndex,
    pragma: &[&IndexColumnRow],
) -> Result<Index> {
    if parsed.keys.len() != pragma.len() {
        return Err(Error::Reflect {
            object: format!("index {}", QualifiedName::bare(&object.name)),
            reason: format!(
                "{} keys parsed, {} in pragma_index_xinfo",
                parsed.keys.len(),
                pragma.len()
            ),
        });
    }
    let keys = parsed
        .keys
        .into_iter()
        .zip(pragma)
        .map(|(key, row)| IndexKey {
            target: match (&row.name, row.cid) {
                (Some(column), cid) if cid >= 0 => IndexTarget::Column(column.clone()),
                _ => IndexTarget::Expression(Expr::raw(DIALECT, key.expr)),
            },
            collation: key.collation,
            order: match key.order.as_deref() {
                Some("DESC") => Some(SortOrder::Desc),
                Some(_) => Some(SortOrder::Asc),
                None => None,
            },
        })
        .collect();
    Ok(Index {
        partition_indexes: Default::default(),
        definition: None,
        comment: None,
        name: object.name.clone(),
        unique: parsed.unique,
        keys,
        predicate: parsed.predicate.map(|p| Expr::raw(DIALECT, p)),
    })
}
