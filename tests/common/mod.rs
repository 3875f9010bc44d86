//! Helpers shared by the SQLite integration tests: databases in temporary
//! directories, a data loader that stands in for the user's bulk load, and a
//! fingerprint of SQLite's own PRAGMA output to compare source and target with.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use schema_replicator::sqlite::{copied_columns, quote_ident};
use schema_replicator::{DdlExtractor, Identity, Table, TableOption};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sqlite://` URL of a path.
pub fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Opens a connection with foreign key enforcement on, as an application would.
pub fn open(path: &Path) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(path.to_str().expect("utf-8 path"))
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    conn.batch_execute("PRAGMA foreign_keys = ON")
        .expect("enable foreign keys");
    conn
}

/// Creates a database from a SQL script.
pub fn create_db(path: &Path, sql: &str) {
    let mut conn = open(path);
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("load script into {}: {e}", path.display()));
}

/// Runs SQL, returning SQLite's error message on failure.
pub fn exec(path: &Path, sql: &str) -> Result<(), String> {
    open(path).batch_execute(sql).map_err(|e| e.to_string())
}

#[derive(QueryableByName)]
struct Int {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// The single integer a query returns (`SELECT ... AS value`).
pub fn query_i64(path: &Path, sql: &str) -> i64 {
    let rows: Vec<Int> = diesel::sql_query(sql)
        .load(&mut open(path))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0].value
}

pub fn lines(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
    let rows: Vec<Line> = diesel::sql_query(sql)
        .load(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| r.line).collect()
}

/// Copies every row of `source` into the same tables of `target`, table by table in
/// reverse order (children before parents), as a careless bulk loader would.
pub fn load_data(source: &Path, target: &Path) {
    let schema = DdlExtractor::new(&url(source))
        .expect("reflect source")
        .schema()
        .clone();
    let mut conn = open(target);
    conn.batch_execute("PRAGMA foreign_keys = OFF").unwrap();
    conn.batch_execute(&format!(
        "ATTACH DATABASE '{}' AS src",
        source.display().to_string().replace('\'', "''")
    ))
    .unwrap();
    for table in schema.tables.iter().rev() {
        let columns = copied_columns(table);
        let name = quote_ident(&table.name.name);
        conn.batch_execute(&format!(
            "INSERT INTO main.{name} ({columns}) SELECT {columns} FROM src.{name}"
        ))
        .unwrap_or_else(|e| panic!("load {name}: {e}"));
    }
    conn.batch_execute("DETACH DATABASE src").unwrap();
}

/// SQLite's own description of a database: every table's `pragma_table_xinfo`,
/// `pragma_foreign_key_list`, `pragma_index_list` and `pragma_index_xinfo` rows,
/// the names of views and triggers, and `sqlite_sequence`, sorted by table.
pub fn pragma_fingerprint(path: &Path) -> Vec<String> {
    let mut conn = open(path);
    let mut out = lines(
        &mut conn,
        "SELECT m.name || ' col ' || c.cid || ' ' || c.name || ' ' || c.type || ' nn=' || c.\"notnull\" \
         || ' dflt=' || ifnull(c.dflt_value, '-') || ' pk=' || c.pk || ' hidden=' || c.hidden AS line \
         FROM sqlite_schema m, pragma_table_xinfo(m.name) c WHERE m.type = 'table' \
         AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
    );
    out.extend(lines(
        &mut conn,
        "SELECT m.name || ' fk ' || f.id || '.' || f.seq || ' ' || f.\"table\" || ' ' || f.\"from\" \
         || '->' || ifnull(f.\"to\", '-') || ' ' || f.on_update || '/' || f.on_delete || ' ' || f.\"match\" AS line \
         FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' \
         ORDER BY m.name, f.id, f.seq",
    ));
    out.extend(lines(
        &mut conn,
        "SELECT m.name || ' index ' || i.name || ' unique=' || i.\"unique\" || ' origin=' || i.origin \
         || ' partial=' || i.partial || ' key ' || x.seqno || ' ' || x.cid || ' ' || ifnull(x.name, '-') \
         || ' desc=' || x.\"desc\" || ' ' || x.coll || ' key=' || x.\"key\" AS line \
         FROM sqlite_schema m, pragma_index_list(m.name) i, pragma_index_xinfo(i.name) x \
         WHERE m.type = 'table' ORDER BY m.name, i.name, x.seqno",
    ));
    out.extend(lines(
        &mut conn,
        "SELECT type || ' ' || name || ' on ' || tbl_name AS line FROM sqlite_schema \
         WHERE type IN ('view', 'trigger') ORDER BY type, name",
    ));
    let has_sequence = !lines(
        &mut conn,
        "SELECT name AS line FROM sqlite_schema WHERE name = 'sqlite_sequence'",
    )
    .is_empty();
    if has_sequence {
        out.extend(lines(
            &mut conn,
            "SELECT 'sequence ' || name || ' ' || seq AS line FROM sqlite_sequence ORDER BY name",
        ));
    }
    out
}

/// Row counts of every table, sorted by table name.
pub fn row_counts(path: &Path) -> Vec<String> {
    let schema = DdlExtractor::new(&url(path))
        .expect("reflect")
        .schema()
        .clone();
    let mut conn = open(path);
    let mut out: Vec<String> = schema
        .tables
        .iter()
        .map(|t| {
            let name = quote_ident(&t.name.name);
            lines(
                &mut conn,
                &format!(
                    "SELECT {} || ' ' || count(*) AS line FROM {name}",
                    schema_replicator::sqlite::quote_literal(&t.name.name)
                ),
            )
            .remove(0)
        })
        .collect();
    out.sort();
    out
}

/// Inserts one row into `table` that leaves its integer primary key to the database,
/// filling NOT NULL columns with values that satisfy foreign keys and checks seen in
/// the fixtures, and returns the id the database handed out.
pub fn insert_with_counter(path: &Path, table: &Table) -> Option<i64> {
    let pk = table.primary_key.as_ref()?;
    if pk.columns.len() != 1 || table.has_option(&TableOption::WithoutRowid) {
        return None;
    }
    let id_column = table.column(&pk.columns[0])?;
    if !id_column.data_type.raw.eq_ignore_ascii_case("INTEGER") {
        return None;
    }
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        if column.name == id_column.name || column.generated.is_some() {
            continue;
        }
        let fk = table
            .foreign_keys
            .iter()
            .find(|fk| fk.columns.len() == 1 && fk.columns[0] == column.name);
        let value = if let Some(fk) = fk {
            let parent_column = fk
                .referenced_columns
                .first()
                .cloned()
                .unwrap_or_else(|| "rowid".to_owned());
            format!(
                "(SELECT min({}) FROM {})",
                quote_ident(&parent_column),
                quote_ident(&fk.referenced_table.name)
            )
        } else if column.nullable || column.default.is_some() {
            continue;
        } else {
            let raw = column.data_type.raw.to_ascii_uppercase();
            if raw.contains("INT") || raw.contains("NUM") || raw.contains("REAL") {
                "1".to_owned()
            } else {
                format!("'new row {}'", table.name.name.replace('\'', "''"))
            }
        };
        columns.push(quote_ident(&column.name));
        values.push(value);
    }
    let name = quote_ident(&table.name.name);
    let sql = if columns.is_empty() {
        format!("INSERT INTO {name} DEFAULT VALUES")
    } else {
        format!(
            "INSERT INTO {name} ({}) VALUES ({})",
            columns.join(", "),
            values.join(", ")
        )
    };
    exec(path, &sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    Some(query_i64(
        path,
        &format!(
            "SELECT max({}) AS value FROM {name}",
            quote_ident(&id_column.name)
        ),
    ))
}

/// The id the next insert into `table` must receive: above both the highest id present
/// and, for AUTOINCREMENT, the highest ever handed out in the source.
pub fn expected_next_id(source: &Path, table: &Table) -> i64 {
    let pk = &table.primary_key.as_ref().expect("primary key").columns[0];
    let max = query_i64(
        source,
        &format!(
            "SELECT ifnull(max({}), 0) AS value FROM {}",
            quote_ident(pk),
            quote_ident(&table.name.name)
        ),
    );
    let counter = table
        .columns
        .iter()
        .find_map(|c| match &c.identity {
            Some(Identity::AutoIncrement { last_value }) => *last_value,
            _ => None,
        })
        .unwrap_or(0);
    max.max(counter) + 1
}
