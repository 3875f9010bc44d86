//! Schema diff: two schemas in, human-readable differences out, empty when equal.

use serde::Serialize;

use crate::ir::{quoted, Column, Holdings, QualifiedName, Schema, Table};

/// One difference between schema A (left) and schema B (right).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The object that differs (`table "t"`, `column "c" of table "t"`).
    pub object: String,
    /// What differs, with the left value first.
    pub detail: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.object, self.detail)
    }
}

/// Compares two schemas. The server version and the skipped-object list are ignored;
/// everything that replication promises to reproduce is compared, including the order
/// of columns and counters' values.
pub fn diff(a: &Schema, b: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    if a.dialect != b.dialect {
        out.push(Difference {
            object: "schema".into(),
            detail: format!("dialect {} vs {}", a.dialect, b.dialect),
        });
    }
    keyed(
        |k| format!("schema {k}"),
        &a.namespaces,
        &b.namespaces,
        |n| quoted(&n.name),
        &mut out,
        |x, y, out| {
            field(
                &format!("schema {}", quoted(&x.name)),
                "definition",
                x,
                y,
                out,
            )
        },
    );
    keyed(
        |k| format!("extension {k}"),
        &a.extensions,
        &b.extensions,
        |e| quoted(&e.name),
        &mut out,
        |x, y, out| {
            field(
                &format!("extension {}", quoted(&x.name)),
                "definition",
                x,
                y,
                out,
            )
        },
    );
    keyed(
        |k| format!("type {k}"),
        &a.types,
        &b.types,
        |t| t.name.to_string(),
        &mut out,
        |x, y, out| field(&format!("type {}", x.name), "definition", x, y, out),
    );
    keyed(
        |k| format!("sequence {k}"),
        &a.sequences,
        &b.sequences,
        |s| s.name.to_string(),
        &mut out,
        |x, y, out| field(&format!("sequence {}", x.name), "definition", x, y, out),
    );
    keyed(
        |k| format!("routine {k}"),
        &a.routines,
        &b.routines,
        |r| format!("{}({})", r.name, r.arguments),
        &mut out,
        |x, y, out| {
            field(
                &format!("routine {}({})", x.name, x.arguments),
                "definition",
                x,
                y,
                out,
            )
        },
    );
    keyed(
        |k| format!("table {k}"),
        &a.tables,
        &b.tables,
        |t| t.name.to_string(),
        &mut out,
        diff_table,
    );
    keyed(
        |k| format!("view {k}"),
        &a.views,
        &b.views,
        |v| v.name.to_string(),
        &mut out,
        |x, y, out| {
            let object = format!("view {}", x.name);
            field(&object, "columns", &x.columns, &y.columns, out);
            field(&object, "query", &x.query, &y.query, out);
            field(
                &object,
                "materialized",
                &x.materialized,
                &y.materialized,
                out,
            );
            field(&object, "options", &x.options, &y.options, out);
            field(&object, "tablespaces", &x.tablespaces, &y.tablespaces, out);
            field(&object, "definer", &x.definer, &y.definer, out);
            field(&object, "indexes", &x.indexes, &y.indexes, out);
            field(
                &object,
                "column comments",
                &x.column_comments,
                &y.column_comments,
                out,
            );
            field(&object, "comment", &x.comment, &y.comment, out);
        },
    );
    order(
        "views",
        a.views.iter().map(|v| v.name.to_string()),
        b.views.iter().map(|v| v.name.to_string()),
        &mut out,
    );
    keyed(
        |k| format!("trigger {k}"),
        &a.triggers,
        &b.triggers,
        // Trigger names are per table in PostgreSQL: the table is part of the key.
        |t| format!("{} on {}", t.name, t.table),
        &mut out,
        |x, y, out| {
            let object = format!("trigger {} on {}", x.name, x.table);
            field(&object, "definition", &x.definition, &y.definition, out);
            field(&object, "settings", &x.settings, &y.settings, out);
            field(&object, "definer", &x.definer, &y.definer, out);
            field(&object, "comment", &x.comment, &y.comment, out);
        },
    );
    keyed(
        |k| format!("grant to {k}"),
        &a.grants,
        &b.grants,
        |g| format!("{} on {}", g.grantee, g.on),
        &mut out,
        |x, y, out| {
            let object = format!("grant to {} on {}", x.grantee, x.on);
            field(&object, "privileges", &x.privileges, &y.privileges, out);
            field(
                &object,
                "with grant option",
                &x.grantable,
                &y.grantable,
                out,
            );
        },
    );
    keyed(
        |k| format!("virtual table {k}"),
        &a.virtual_tables,
        &b.virtual_tables,
        |v| v.name.to_string(),
        &mut out,
        |x, y, out| {
            let object = format!("virtual table {}", x.name);
            field(&object, "definition", &x.definition, &y.definition, out);
        },
    );
    // An owner or privileges of an object one side holds and the other lacks is not a
    // difference of its own: the object's absence is.
    let (held_a, held_b) = (a.holdings(), b.holdings());
    let definitions = |x: &Schema, ours: &Holdings, theirs: &Holdings| {
        x.definitions
            .iter()
            .filter(|d| {
                d.of.as_ref()
                    .is_none_or(|of| theirs.holds(of) || !ours.holds(of))
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    keyed(
        |k| k.to_owned(),
        &definitions(a, &held_a, &held_b),
        &definitions(b, &held_b, &held_a),
        |d| d.describe(),
        &mut out,
        |x, y, out| {
            let object = x.describe();
            field(&object, "definition", &x.definition, &y.definition, out);
            field(&object, "comment", &x.comment, &y.comment, out);
        },
    );
    keyed(
        |k| format!("event {k}"),
        &a.events,
        &b.events,
        |e| e.name.to_string(),
        &mut out,
        |x, y, out| {
            let object = format!("event {}", x.name);
            field(&object, "schedule", &x.schedule, &y.schedule, out);
            field(
                &object,
                "on completion preserve",
                &x.preserve,
                &y.preserve,
                out,
            );
            field(&object, "status", &x.status, &y.status, out);
            field(&object, "body", &x.body, &y.body, out);
            field(&object, "settings", &x.settings, &y.settings, out);
            field(&object, "definer", &x.definer, &y.definer, out);
            field(&object, "comment", &x.comment, &y.comment, out);
        },
    );
    out
}

fn diff_table(a: &Table, b: &Table, out: &mut Vec<Difference>) {
    let object = format!("table {}", a.name);
    keyed(
        |k| format!("column {k} of {object}"),
        &a.columns,
        &b.columns,
        |c| quoted(&c.name),
        out,
        |x, y, out| diff_column(&a.name, x, y, out),
    );
    order(
        &format!("{object}: columns"),
        a.columns.iter().map(|c| quoted(&c.name)),
        b.columns.iter().map(|c| quoted(&c.name)),
        out,
    );
    field(&object, "primary key", &a.primary_key, &b.primary_key, out);
    field(
        &object,
        "unique constraints",
        &a.unique_constraints,
        &b.unique_constraints,
        out,
    );
    field(&object, "checks", &a.checks, &b.checks, out);
    field(&object, "exclusions", &a.exclusions, &b.exclusions, out);
    field(&object, "settings", &a.alterations, &b.alterations, out);
    field(&object, "tablespaces", &a.tablespaces, &b.tablespaces, out);
    field(
        &object,
        "foreign keys",
        &a.foreign_keys,
        &b.foreign_keys,
        out,
    );
    keyed(
        |k| format!("index {k} of {object}"),
        &a.indexes,
        &b.indexes,
        |i| quoted(&i.name),
        out,
        |x, y, out| {
            field(
                &format!("index {} of {object}", quoted(&x.name)),
                "definition",
                x,
                y,
                out,
            )
        },
    );
    field(&object, "options", &a.options, &b.options, out);
    field(&object, "comment", &a.comment, &b.comment, out);
}

fn diff_column(table: &QualifiedName, a: &Column, b: &Column, out: &mut Vec<Difference>) {
    let object = format!("column {} of table {table}", quoted(&a.name));
    if a.data_type.raw != b.data_type.raw {
        out.push(Difference {
            object: object.clone(),
            detail: format!("type {} vs {}", a.data_type.raw, b.data_type.raw),
        });
    } else {
        field(
            &object,
            "type kind",
            &a.data_type.kind,
            &b.data_type.kind,
            out,
        );
    }
    let null = |n: bool| if n { "NULL" } else { "NOT NULL" };
    if a.nullable != b.nullable {
        out.push(Difference {
            object: object.clone(),
            detail: format!("{} vs {}", null(a.nullable), null(b.nullable)),
        });
    }
    field(&object, "default", &a.default, &b.default, out);
    field(&object, "collation", &a.collation, &b.collation, out);
    field(&object, "generated", &a.generated, &b.generated, out);
    field(&object, "identity", &a.identity, &b.identity, out);
    field(&object, "on update", &a.on_update, &b.on_update, out);
    field(&object, "invisible", &a.invisible, &b.invisible, out);
    field(&object, "comment", &a.comment, &b.comment, out);
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

fn field<T: PartialEq + Serialize>(
    object: &str,
    what: &str,
    a: &T,
    b: &T,
    out: &mut Vec<Difference>,
) {
    if a != b {
        out.push(Difference {
            object: object.to_owned(),
            detail: format!("{what} {} vs {}", json(a), json(b)),
        });
    }
}

/// Matches two lists by key; reports what is only on one side and recurses into pairs.
fn keyed<T>(
    label: impl Fn(&str) -> String,
    a: &[T],
    b: &[T],
    key: impl Fn(&T) -> String,
    out: &mut Vec<Difference>,
    mut compare: impl FnMut(&T, &T, &mut Vec<Difference>),
) {
    let b_keys: std::collections::HashMap<String, &T> = b.iter().map(|y| (key(y), y)).collect();
    let mut a_keys = std::collections::HashSet::new();
    for x in a {
        let k = key(x);
        match b_keys.get(&k) {
            Some(y) => compare(x, y, out),
            None => out.push(Difference {
                object: label(&k),
                detail: "only in A".into(),
            }),
        }
        a_keys.insert(k);
    }
    for y in b {
        let k = key(y);
        if !a_keys.contains(&k) {
            out.push(Difference {
                object: label(&k),
                detail: "only in B".into(),
            });
        }
    }
}

/// Reports a different order of the names both sides share.
fn order(
    what: &str,
    a: impl Iterator<Item = String>,
    b: impl Iterator<Item = String>,
    out: &mut Vec<Difference>,
) {
    let a: Vec<String> = a.collect();
    let b: Vec<String> = b.collect();
    let in_a: std::collections::HashSet<&String> = a.iter().collect();
    let in_b: std::collections::HashSet<&String> = b.iter().collect();
    let common_a: Vec<&String> = a.iter().filter(|x| in_b.contains(x)).collect();
    let common_b: Vec<&String> = b.iter().filter(|x| in_a.contains(x)).collect();
    if common_a != common_b {
        out.push(Difference {
            object: what.to_owned(),
            detail: format!(
                "order {} vs {}",
                common_a
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                common_b
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Expr, PrimaryKey};
    use crate::types::DataType;

    fn column(name: &str, raw: &str) -> Column {
        Column::new(name, DataType::from_raw(raw))
    }

    fn schema() -> Schema {
        let mut s = Schema::new("sqlite");
        s.tables.push(Table {
            alterations: Default::default(),
            tablespaces: Default::default(),
            exclusions: Vec::new(),
            name: QualifiedName::bare("t"),
            columns: vec![column("id", "INTEGER"), column("name", "TEXT")],
            primary_key: Some(PrimaryKey {
                index: None,
                definition: None,
                comment: None,
                name: None,
                columns: vec!["id".into()],
            }),
            unique_constraints: vec![],
            checks: vec![],
            foreign_keys: vec![],
            indexes: vec![],
            options: vec![],
            comment: None,
        });
        s
    }

    #[test]
    fn equal_schemas_have_no_difference() {
        assert_eq!(diff(&schema(), &schema()), vec![]);
    }

    #[test]
    fn reports_type_default_and_missing_table() {
        let a = schema();
        let mut b = schema();
        b.tables[0].columns[1].data_type = DataType::from_raw("VARCHAR(10)");
        b.tables[0].columns[0].default = Some(Expr::raw("sqlite", "(1)"));
        b.tables[0].name = QualifiedName::bare("u");
        let lines: Vec<String> = diff(&a, &b).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            vec![
                "table \"t\": only in A".to_string(),
                "table \"u\": only in B".to_string()
            ]
        );
        b.tables[0].name = QualifiedName::bare("t");
        let lines: Vec<String> = diff(&a, &b).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            vec![
                "column \"id\" of table \"t\": default null vs {\"kind\":\"raw\",\"dialect\":\"sqlite\",\"sql\":\"(1)\"}".to_string(),
                "column \"name\" of table \"t\": type TEXT vs VARCHAR(10)".to_string(),
            ]
        );
    }

    #[test]
    fn reports_column_order() {
        let a = schema();
        let mut b = schema();
        b.tables[0].columns.reverse();
        let lines: Vec<String> = diff(&a, &b).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            vec!["table \"t\": columns: order \"id\", \"name\" vs \"name\", \"id\"".to_string()]
        );
    }

    #[test]
    fn same_named_triggers_of_different_tables_are_told_apart() {
        let trigger = |table: &str| crate::ir::Trigger {
            definer: None,
            name: QualifiedName::bare("audit"),
            table: QualifiedName::bare(table),
            definition: crate::ir::Expr::raw(
                "postgres",
                format!("CREATE TRIGGER audit ON {table}"),
            ),
            settings: Vec::new(),
            comment: None,
        };
        let mut a = Schema::new("postgres");
        a.triggers = vec![trigger("a"), trigger("b")];
        let mut b = Schema::new("postgres");
        b.triggers = vec![trigger("b"), trigger("a")];
        assert_eq!(
            diff(&a, &b),
            Vec::new(),
            "the order of triggers does not matter"
        );
        b.triggers.pop();
        assert_eq!(
            diff(&a, &b)
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
            ["trigger \"audit\" on \"a\": only in A"]
        );
    }
}
