//! Set-based reflection from `information_schema`: one query per object kind, whatever
//! the number of tables, each filtered on the table's own schema column (filtering
//! `TABLE_CONSTRAINTS` by `CONSTRAINT_SCHEMA` makes MariaDB open every database), and
//! joined here rather than in SQL (joining `KEY_COLUMN_USAGE` with
//! `REFERENTIAL_CONSTRAINTS` in SQL costs seconds at a thousand tables). Each query
//! returns its rows as JSON documents (`JSON_OBJECT`), read into the private row
//! structs below.
//!
//! The `CHECK (json_valid(col))` that MariaDB adds by itself for a `JSON` column (stored
//! as `LONGTEXT COLLATE utf8mb4_bin`) is recognised, so the target does not get it
//! twice. Indexes the server made for foreign keys are kept like any other: the seal
//! creates them before the keys, which then use them.
//!
//! Stored routines come from MariaDB's `mysql.proc` and events' bodies from
//! `mysql.event`, which hold them as typed; trigger heads (`CREATE TRIGGER name timing
//! event ON table FOR EACH ROW`) are rebuilt from `information_schema.TRIGGERS`, whose
//! body is exact: no catalog table holds the head as typed, and diesel runs every query
//! as a prepared statement, for which the server returns no columns of `SHOW CREATE
//! TRIGGER`.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::sql_types::Text;
use diesel::{MysqlConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::order::dependency_order;
use schema_replicator_core::{
    CheckConstraint, Column, DataType, DbUrl, Deferrable, Error, Event, Expr, ForeignKey,
    Generated, Grant, GrantTarget, Identity, Index, IndexKey, IndexTarget, MatchType, PrimaryKey,
    QualifiedName, ReferentialAction, ReflectOptions, Result, Routine, RoutineKind, Schema,
    Sequence, Skipped, SortOrder, Table, TableOption, Trigger, View,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::{quote_ident, quote_literal, JOURNAL_TABLE};

/// One text column named `doc`: a row of every catalog query.
#[derive(QueryableByName)]
pub(crate) struct Doc {
    #[diesel(sql_type = Text)]
    pub(crate) doc: String,
}

/// What the server is.
#[derive(Deserialize, Debug, Clone)]
struct Server {
    version: String,
    /// MariaDB rather than MySQL.
    #[serde(deserialize_with = "flag")]
    mariadb: bool,
    /// `DATABASE()`.
    database: Option<String>,
    /// `@@collation_database`: the database's default collation.
    #[serde(default)]
    collation: Option<String>,
}

impl Server {
    /// `(major, minor)` of the version string.
    fn release(&self) -> (u32, u32) {
        let mut parts = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse().ok());
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }
}

/// Reads what the server is (one query).
fn server(conn: &mut MysqlConnection) -> std::result::Result<Server, String> {
    let docs = load(
        conn,
        "SELECT JSON_OBJECT('version', VERSION(), 'mariadb', VERSION() LIKE '%MariaDB%', \
         'database', DATABASE(), 'collation', @@collation_database) AS doc",
    )
    .map_err(|e| e.to_string())?;
    let doc = docs.first().ok_or("the server returned no version")?;
    serde_json::from_str(doc).map_err(|e| e.to_string())
}

/// A comparison in `JSON_OBJECT`: MariaDB writes `true`, MySQL writes `1`.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    })
}

fn load(conn: &mut MysqlConnection, sql: &str) -> diesel::QueryResult<Vec<String>> {
    let docs: Vec<Doc> = diesel::sql_query(sql).load(conn)?;
    Ok(docs.into_iter().map(|d| d.doc).collect())
}

/// Runs one catalog query and parses its rows.
fn fetch<T: DeserializeOwned>(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    what: &str,
    sql: &str,
) -> Result<Vec<T>> {
    let fail = |reason: String| Error::Reflect {
        object: format!("the catalog ({what})"),
        reason,
    };
    schema_replicator_core::trace::query(what, sql);
    load(conn, sql)
        .map_err(|e| fail(url.one_line(&e.to_string())))?
        .iter()
        .map(|d| serde_json::from_str(d).map_err(|e| fail(format!("{e} in {d}"))))
        .collect()
}

/// Runs `preferred` when there is one and the server lets this user run it (MariaDB's
/// `mysql` tables need a privilege `information_schema` does not), else `fallback`;
/// says which ran (`true`: `preferred`).
fn fetch_preferring<T: DeserializeOwned>(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    what: &str,
    preferred: Option<String>,
    fallback: &str,
) -> Result<(Vec<T>, bool)> {
    if let Some(sql) = preferred {
        schema_replicator_core::trace::query(what, &sql);
        if let Ok(docs) = load(conn, &sql) {
            let rows = docs
                .iter()
                .map(|d| {
                    serde_json::from_str(d).map_err(|e| Error::Reflect {
                        object: format!("the catalog ({what})"),
                        reason: format!("{e} in {d}"),
                    })
                })
                .collect::<Result<Vec<T>>>()?;
            return Ok((rows, true));
        }
    }
    Ok((fetch(conn, url, what, fallback)?, false))
}

#[derive(Deserialize)]
struct TableRow {
    name: String,
    kind: String,
    engine: Option<String>,
    collation: Option<String>,
    options: Option<String>,
    comment: Option<String>,
    auto_increment: Option<u64>,
}

#[derive(Deserialize)]
struct ColumnRow {
    table: String,
    name: String,
    default: Option<String>,
    nullable: String,
    column_type: String,
    collation: Option<String>,
    extra: String,
    comment: String,
    generation: Option<String>,
}

#[derive(Deserialize)]
struct IndexRow {
    table: String,
    name: String,
    non_unique: i64,
    seq: i64,
    column: Option<String>,
    sub_part: Option<i64>,
    collation: Option<String>,
    index_type: String,
    comment: String,
    #[serde(default, deserialize_with = "flag")]
    ignored: bool,
    #[serde(default)]
    expression: Option<String>,
}

#[derive(Deserialize)]
struct KeyColumnRow {
    table: String,
    name: String,
    column: String,
    referenced_schema: Option<String>,
    referenced_column: Option<String>,
}

#[derive(Deserialize)]
struct ReferenceRow {
    table: String,
    name: String,
    referenced_table: String,
    update_rule: String,
    delete_rule: String,
}

#[derive(Deserialize)]
struct CheckRow {
    table: Option<String>,
    name: String,
    level: Option<String>,
    clause: String,
}

#[derive(Deserialize)]
struct TableConstraintRow {
    table: String,
    name: String,
}

#[derive(Deserialize)]
struct ViewRow {
    name: String,
    definition: String,
    check_option: String,
    security: String,
    algorithm: Option<String>,
    definer: String,
    character_set_client: String,
    collation_connection: String,
}

#[derive(Deserialize)]
struct TriggerRow {
    /// `SHOW CREATE TRIGGER`'s statement as typed, without its definer.
    #[serde(skip)]
    original: Option<String>,
    name: String,
    event: String,
    table: String,
    statement: String,
    timing: String,
    sql_mode: String,
    definer: String,
    character_set_client: String,
    collation_connection: String,
    /// The database's default collation when it was created.
    #[serde(default)]
    db_collation: Option<String>,
}

#[derive(Deserialize)]
struct PartitionRow {
    table: String,
    name: String,
    method: String,
    expression: Option<String>,
    description: Option<String>,
    comment: String,
    subpartition: Option<String>,
    sub_method: Option<String>,
    sub_expression: Option<String>,
}

#[derive(Deserialize)]
struct RoutineRow {
    name: String,
    kind: String,
    params: String,
    returns: String,
    /// `NULL` where the catalog hides it from this user (not its definer, no
    /// privilege to see it).
    body: Option<String>,
    deterministic: String,
    data_access: String,
    security: String,
    comment: String,
    definer: String,
    sql_mode: String,
    character_set_client: String,
    collation_connection: String,
    #[serde(default)]
    aggregate: Option<String>,
    /// The database's default collation when the routine was created.
    #[serde(default)]
    db_collation: Option<String>,
}

#[derive(Deserialize)]
struct EventRow {
    name: String,
    definer: String,
    time_zone: String,
    body: String,
    kind: String,
    execute_at: Option<String>,
    interval_value: Option<String>,
    interval_field: Option<String>,
    sql_mode: String,
    starts: Option<String>,
    ends: Option<String>,
    status: String,
    on_completion: String,
    comment: String,
    character_set_client: String,
    collation_connection: String,
    /// The database's default collation when it was created.
    #[serde(default)]
    db_collation: Option<String>,
}

#[derive(Deserialize)]
struct SequenceRow {
    name: String,
    next: i64,
    min: i64,
    max: i64,
    start: i64,
    increment: i64,
    cache: i64,
    #[serde(deserialize_with = "flag")]
    cycle: bool,
    rounds: i64,
}

#[derive(Deserialize)]
struct PrivilegeRow {
    /// `'user'@'host'`.
    grantee: String,
    /// `database`, `table`, `column`, `function` or `procedure`.
    level: String,
    /// The table or routine; empty on the database level.
    object: String,
    column: Option<String>,
    privilege: String,
    #[serde(deserialize_with = "flag")]
    grantable: bool,
}

#[derive(Deserialize)]
struct SkippedRow {
    kind: String,
    name: String,
}

/// Every catalog row set reflection reads, each fetched once.
struct Catalog {
    tables: Vec<TableRow>,
    columns: Vec<ColumnRow>,
    indexes: Vec<IndexRow>,
    key_columns: Vec<KeyColumnRow>,
    references: Vec<ReferenceRow>,
    checks: Vec<CheckRow>,
    views: Vec<ViewRow>,
    triggers: Vec<TriggerRow>,
    partitions: Vec<PartitionRow>,
    /// Why trigger heads stay rebuilt from the catalog, if they do.
    trigger_text: Option<String>,
    routines: Vec<RoutineRow>,
    events: Vec<EventRow>,
    sequences: Vec<SequenceRow>,
    privileges: Vec<PrivilegeRow>,
    skipped: Vec<SkippedRow>,
}

/// The base tables being assembled, by name, and what later steps need from their rows.
#[derive(Default)]
struct Tables {
    /// The tables, by name.
    by_name: BTreeMap<String, Table>,
    /// Their names in the catalog's order.
    order: Vec<String>,
    /// Each table's collation, which its columns do not repeat.
    collations: HashMap<String, String>,
    /// The last AUTO_INCREMENT value each table handed out, if any.
    counters: HashMap<String, Option<i64>>,
}

impl Tables {
    /// The finished tables, in the catalog's order.
    fn into_ordered(mut self) -> Vec<Table> {
        self.order
            .into_iter()
            .filter_map(|n| self.by_name.remove(&n))
            .collect()
    }
}

/// Reads the schema of the connection's database.
pub(crate) fn reflect(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    options: &ReflectOptions,
) -> Result<Schema> {
    let server = open_session(conn, url)?;
    let database = reflected_database(&server, options)?;
    let mut catalog = fetch_catalog(conn, url, &server, &database)?;
    recover_four_byte_text(conn, url, &database, &mut catalog)?;

    let mut schema = Schema::new(crate::DIALECT);
    schema.server_version = Some(server.version.clone());
    add_skipped_objects(&mut schema, catalog.skipped);
    add_sequences(&mut schema, &catalog.tables, catalog.sequences);
    let mut tables = base_tables(&mut schema, catalog.tables);
    // Checks first: a JSON column is recognised by its hidden json_valid check.
    let mut checks = checks_by_table(catalog.checks);
    add_columns(&mut tables, &mut checks, catalog.columns, server.mariadb);
    unqualify_defaults(&mut tables, &database);
    add_checks(&mut tables, checks);
    let dangling = add_foreign_keys(
        &mut tables,
        catalog.key_columns,
        catalog.references,
        &database,
    );
    schema.skipped.extend(dangling);
    add_indexes(&mut tables, catalog.indexes, server.mariadb);
    let by_system_time = add_partitioning(&mut tables, catalog.partitions);
    if server.mariadb {
        read_periods(conn, url, &database, &mut tables)?;
        read_system_time_partitioning(conn, url, &database, &mut tables, &by_system_time)?;
    }
    schema.tables = tables.into_ordered();
    add_views(&mut schema, catalog.views, &database);
    if let Some(why) = catalog.trigger_text {
        schema.skipped.push(Skipped {
            kind: "trigger text".into(),
            name: "*".into(),
            reason: format!(
                "not replicated as typed: each trigger's head is rebuilt from the catalog \
                 and its body read in utf8mb3 (SHOW CREATE TRIGGER could not be read: {why})"
            ),
        });
    }
    add_triggers(&mut schema, catalog.triggers, server.collation.as_deref());
    add_routines(&mut schema, catalog.routines, server.collation.as_deref());
    add_events(&mut schema, catalog.events, server.collation.as_deref());
    add_grants(&mut schema, catalog.privileges);
    leave_out_misread_text(&mut schema);
    Ok(schema)
}

/// Reads what the server is and readies the session: MySQL 8 gets fresh table statistics.
fn open_session(conn: &mut MysqlConnection, url: &DbUrl) -> Result<Server> {
    let server = server(conn).map_err(|reason| Error::Reflect {
        object: "the server version".into(),
        reason: url.one_line(&reason),
    })?;
    if !server.mariadb {
        // MySQL 8 caches table statistics, AUTO_INCREMENT among them, for a day.
        diesel::sql_query("SET SESSION information_schema_stats_expiry = 0")
            .execute(conn)
            .map_err(|e| Error::Reflect {
                object: "the session".into(),
                reason: url.one_line(&e.to_string()),
            })?;
    }
    Ok(server)
}

/// The database reflected: the connection's, the only one `--schema` may name.
fn reflected_database(server: &Server, options: &ReflectOptions) -> Result<String> {
    let database = server.database.clone().unwrap_or_default();
    if let Some(other) = options.schemas.iter().find(|s| **s != database) {
        return Err(Error::Reflect {
            object: format!("schema {}", schema_replicator_core::quoted(other)),
            reason: format!(
                "a MySQL URL names one database ({}), the only schema it can reflect",
                schema_replicator_core::quoted(&database)
            ),
        });
    }
    Ok(database)
}

/// `SHOW CREATE TABLE` or `SHOW CREATE VIEW` (`kind`) of one object of `database`: the
/// text the server prints (empty when it prints none). `what` names the query in the
/// trace.
fn show_create(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    database: &str,
    kind: &str,
    name: &str,
    what: &str,
) -> Result<String> {
    #[derive(QueryableByName)]
    struct Shown {
        #[diesel(sql_type = Text, column_name = "Create Table")]
        table: String,
    }
    #[derive(QueryableByName)]
    struct ShownView {
        #[diesel(sql_type = Text, column_name = "Create View")]
        view: String,
    }
    let sql = format!(
        "SHOW CREATE {kind} {}.{}",
        quote_ident(database),
        quote_ident(name)
    );
    schema_replicator_core::trace::query(what, &sql);
    let fail = |e: diesel::result::Error| Error::Reflect {
        object: format!("{} {}", kind.to_lowercase(), QualifiedName::bare(name)),
        reason: url.one_line(&e.to_string()),
    };
    let text = if kind == "VIEW" {
        let rows: Vec<ShownView> = diesel::sql_query(&sql).load(conn).map_err(fail)?;
        rows.into_iter().next().map(|r| r.view)
    } else {
        let rows: Vec<Shown> = diesel::sql_query(&sql).load(conn).map_err(fail)?;
        rows.into_iter().next().map(|r| r.table)
    };
    Ok(text.unwrap_or_default())
}

/// Text the catalog lost: `information_schema` is utf8mb3, so a 4-byte character (an
/// emoji) in a view's query, a check or a default comes back as `?`. For the views,
/// checks and defaults whose text has a `?`, and only those, the text is read again
/// from `SHOW CREATE VIEW` / `SHOW CREATE TABLE`, which keep it (a `?` that was typed
/// costs one query and changes nothing).
fn recover_four_byte_text(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    database: &str,
    catalog: &mut Catalog,
) -> Result<()> {
    for view in catalog
        .views
        .iter_mut()
        .filter(|v| v.definition.contains('?'))
    {
        let create = show_create(conn, url, database, "VIEW", &view.name, "view text")?;
        let marker = format!("VIEW {} AS ", quote_ident(&view.name));
        if let Some(query) = create.split_once(&marker).map(|(_, q)| q.to_owned()) {
            let query = [" WITH CASCADED CHECK OPTION", " WITH LOCAL CHECK OPTION"]
                .iter()
                .find_map(|option| query.strip_suffix(option))
                .unwrap_or(&query);
            view.definition = query.to_owned();
        }
    }
    let mut tables: HashMap<String, String> = HashMap::new();
    let mut create_table = |conn: &mut MysqlConnection, table: &str| -> Result<String> {
        if let Some(text) = tables.get(table) {
            return Ok(text.clone());
        }
        let text = show_create(conn, url, database, "TABLE", table, "table text")?;
        tables.insert(table.to_owned(), text.clone());
        Ok(text)
    };
    for check in catalog.checks.iter_mut().filter(|c| c.clause.contains('?')) {
        let Some(table) = check.table.clone() else {
            continue;
        };
        let text = create_table(conn, &table)?;
        let column_level = check.level.as_deref() == Some("Column");
        let found = text.lines().map(str::trim).find_map(|line| {
            let rest = if column_level {
                line.strip_prefix(&format!("{} ", quote_ident(&check.name)))?
            } else {
                line.strip_prefix(&format!("CONSTRAINT {} ", quote_ident(&check.name)))?
            };
            let at = rest.find("CHECK (")? + "CHECK (".len();
            parenthesised(&rest[at..])
        });
        if let Some(clause) = found {
            check.clause = clause.to_owned();
        }
    }
    for column in catalog.columns.iter_mut() {
        let Some(default) = column.default.as_deref() else {
            continue;
        };
        if !(default.contains('?') && default.starts_with('\'')) {
            continue;
        }
        let text = create_table(conn, &column.table)?;
        let found = text.lines().map(str::trim).find_map(|line| {
            let rest = line.strip_prefix(&format!("{} ", quote_ident(&column.name)))?;
            let at = rest.find(" DEFAULT '")? + " DEFAULT ".len();
            string_literal(&rest[at..])
        });
        if let Some(literal) = found {
            column.default = Some(literal.to_owned());
        }
    }
    Ok(())
}

/// The text inside the parentheses `text` opens (it starts right after `(`), quotes
/// and nested parentheses skipped.
fn parenthesised(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('\''), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => {
                if chars.peek().map(|p| p.1) == Some(q) {
                    chars.next();
                } else {
                    quote = None;
                }
            }
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => return Some(&text[..i]),
            (None, ')') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The SQL string literal `text` starts with (`'it''s'`), as written.
fn string_literal(text: &str) -> Option<&str> {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' if chars.peek().map(|p| p.1) == Some('\'') => {
                chars.next();
            }
            '\'' => return Some(&text[..=i]),
            _ => {}
        }
    }
    None
}

/// Runs every catalog query, once each and always in this order.
fn fetch_catalog(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    server: &Server,
    database: &str,
) -> Result<Catalog> {
    let db = quote_literal(database);
    let tables = fetch_tables(conn, url, &db)?;
    let columns = fetch_columns(conn, url, &db)?;
    let indexes = fetch_indexes(conn, url, &db, server)?;
    let (key_columns, references) = fetch_foreign_keys(conn, url, &db)?;
    let checks = fetch_checks(conn, url, &db, server.mariadb)?;
    let views = fetch_views(conn, url, &db, server.mariadb)?;
    let mut triggers = fetch_triggers(conn, url, &db)?;
    let trigger_text = read_trigger_statements(url, database, &mut triggers);
    let partitions = fetch_partitions(conn, url, &db, &tables)?;
    let (routines, from_proc) = fetch_routines(conn, url, &db, server.mariadb)?;
    let (events, _) = fetch_events(conn, url, &db, server.mariadb)?;
    let sequences = fetch_sequences(conn, url, &tables)?;
    let privileges = fetch_privileges(conn, url, &db)?;
    // MariaDB's packages are replicated from `mysql.proc`; a user who may not read it
    // gets them listed as not replicated (MySQL has none).
    let skipped = if server.mariadb && !from_proc {
        fetch_skipped(conn, url, &db)?
    } else {
        Vec::new()
    };
    Ok(Catalog {
        tables,
        columns,
        indexes,
        key_columns,
        references,
        checks,
        views,
        triggers,
        partitions,
        trigger_text,
        routines,
        events,
        sequences,
        privileges,
        skipped,
    })
}

/// Fetches the tables of the database `db` (a quoted literal), views and others included.
fn fetch_tables(conn: &mut MysqlConnection, url: &DbUrl, db: &str) -> Result<Vec<TableRow>> {
    fetch(
        conn,
        url,
        "tables",
        &format!(
            "SELECT JSON_OBJECT('name', TABLE_NAME, 'kind', TABLE_TYPE, 'engine', ENGINE, \
             'collation', TABLE_COLLATION, 'options', CREATE_OPTIONS, 'comment', TABLE_COMMENT, \
             'auto_increment', AUTO_INCREMENT) AS doc \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = {db} ORDER BY TABLE_NAME"
        ),
    )
}

/// Fetches the columns of every table, in their tables' order.
fn fetch_columns(conn: &mut MysqlConnection, url: &DbUrl, db: &str) -> Result<Vec<ColumnRow>> {
    fetch(
        conn,
        url,
        "columns",
        &format!(
            "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', COLUMN_NAME, \
             'default', COLUMN_DEFAULT, 'nullable', IS_NULLABLE, 'column_type', COLUMN_TYPE, \
             'collation', COLLATION_NAME, 'extra', EXTRA, 'comment', COLUMN_COMMENT, \
             'generation', GENERATION_EXPRESSION) AS doc \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {db} \
             ORDER BY TABLE_NAME, ORDINAL_POSITION"
        ),
    )
}

/// Fetches the key parts of every primary key and index, with what the server's flavour
/// adds (ignored, invisible and functional key parts).
fn fetch_indexes(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
    server: &Server,
) -> Result<Vec<IndexRow>> {
    let (major, minor) = server.release();
    let mariadb = server.mariadb;
    // MariaDB 10.6 added IGNORED indexes; MySQL 8 has invisible and functional ones.
    let flavour_columns = if mariadb && (major, minor) >= (10, 6) {
        ", 'ignored', IGNORED = 'YES'"
    } else if !mariadb && major >= 8 {
        ", 'ignored', IS_VISIBLE = 'NO', 'expression', EXPRESSION"
    } else {
        ""
    };
    fetch(
        conn,
        url,
        "indexes",
        &format!(
            "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', INDEX_NAME, \
             'non_unique', NON_UNIQUE, 'seq', SEQ_IN_INDEX, 'column', COLUMN_NAME, 'sub_part', SUB_PART, \
             'collation', COLLATION, 'index_type', INDEX_TYPE, \
             'comment', INDEX_COMMENT{flavour_columns}) AS doc \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {db}"
        ),
    )
}

/// Fetches the foreign keys: their columns (`KEY_COLUMN_USAGE`), then the constraints
/// themselves (`REFERENTIAL_CONSTRAINTS`), two queries joined later.
fn fetch_foreign_keys(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
) -> Result<(Vec<KeyColumnRow>, Vec<ReferenceRow>)> {
    let key_columns = fetch(
        conn,
        url,
        "foreign key columns",
        &format!(
            "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', CONSTRAINT_NAME, \
             'column', COLUMN_NAME, 'referenced_schema', REFERENCED_TABLE_SCHEMA, \
             'referenced_column', REFERENCED_COLUMN_NAME) AS doc \
             FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = {db} AND REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
        ),
    )?;
    let references = fetch(
        conn,
        url,
        "foreign keys",
        &format!(
            "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', CONSTRAINT_NAME, \
             'referenced_table', REFERENCED_TABLE_NAME, 'update_rule', UPDATE_RULE, \
             'delete_rule', DELETE_RULE) AS doc \
             FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {db}"
        ),
    )?;
    Ok((key_columns, references))
}

/// Fetches the check constraints, each with the table it belongs to.
fn fetch_checks(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
    mariadb: bool,
) -> Result<Vec<CheckRow>> {
    // MariaDB's CHECK_CONSTRAINTS names the table and tells column checks from table
    // checks; MySQL 8's names neither, so its checks are matched to their tables through
    // TABLE_CONSTRAINTS (check names are unique per database there).
    let mut checks: Vec<CheckRow> = fetch(
        conn,
        url,
        "checks",
        &if mariadb {
            format!(
                "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', CONSTRAINT_NAME, \
                 'level', LEVEL, 'clause', CHECK_CLAUSE) AS doc \
                 FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {db} \
                 ORDER BY TABLE_NAME, CONSTRAINT_NAME"
            )
        } else {
            format!(
                "SELECT JSON_OBJECT('name', CONSTRAINT_NAME, 'clause', CHECK_CLAUSE) AS doc \
                 FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {db} \
                 ORDER BY CONSTRAINT_NAME"
            )
        },
    )?;
    if !mariadb {
        let owners: Vec<TableConstraintRow> = fetch(
            conn,
            url,
            "check owners",
            &format!(
                "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', CONSTRAINT_NAME) AS doc \
                 FROM information_schema.TABLE_CONSTRAINTS \
                 WHERE TABLE_SCHEMA = {db} AND CONSTRAINT_TYPE = 'CHECK'"
            ),
        )?;
        let owner: HashMap<String, String> =
            owners.into_iter().map(|o| (o.name, o.table)).collect();
        for check in &mut checks {
            check.table = owner.get(&check.name).cloned();
        }
    }
    Ok(checks)
}

/// Fetches the views, with MariaDB's algorithm.
fn fetch_views(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
    mariadb: bool,
) -> Result<Vec<ViewRow>> {
    let algorithm = if mariadb {
        ", 'algorithm', ALGORITHM"
    } else {
        ""
    };
    fetch(
        conn,
        url,
        "views",
        &format!(
            "SELECT JSON_OBJECT('name', TABLE_NAME, 'definition', VIEW_DEFINITION, \
             'check_option', CHECK_OPTION, 'security', SECURITY_TYPE, \
             'definer', DEFINER, 'character_set_client', CHARACTER_SET_CLIENT, \
             'collation_connection', COLLATION_CONNECTION{algorithm}) AS doc \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = {db} ORDER BY TABLE_NAME"
        ),
    )
}

/// Fetches the triggers, in their tables' firing order.
fn fetch_triggers(conn: &mut MysqlConnection, url: &DbUrl, db: &str) -> Result<Vec<TriggerRow>> {
    fetch(
        conn,
        url,
        "triggers",
        &format!(
            "SELECT JSON_OBJECT('name', TRIGGER_NAME, 'event', EVENT_MANIPULATION, \
             'table', EVENT_OBJECT_TABLE, 'statement', ACTION_STATEMENT, \
             'timing', ACTION_TIMING, 'sql_mode', SQL_MODE, 'definer', DEFINER, \
             'character_set_client', CHARACTER_SET_CLIENT, \
             'collation_connection', COLLATION_CONNECTION, \
             'db_collation', DATABASE_COLLATION) AS doc \
             FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = {db} \
             ORDER BY EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING, ACTION_ORDER"
        ),
    )
}

/// The statement each trigger was created with, as typed (`SHOW CREATE TRIGGER`, one
/// query per trigger over a text-protocol session: see [`crate::text`]; no catalog
/// table holds it, and `mysqldump` prints it). Returns why the heads stay rebuilt from
/// the catalog, when the session cannot be opened or a statement read.
fn read_trigger_statements(url: &DbUrl, database: &str, rows: &mut [TriggerRow]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut session = match crate::text::TextSession::open(url) {
        Ok(session) => session,
        Err(e) => return Some(url.one_line(&e)),
    };
    for row in rows {
        let sql = format!(
            "SHOW CREATE TRIGGER {}.{}",
            quote_ident(database),
            quote_ident(&row.name)
        );
        schema_replicator_core::trace::query("trigger statement", &sql);
        let shown = match session.first_row(&sql) {
            Ok(shown) => shown,
            Err(e) => return Some(url.one_line(&e)),
        };
        // Trigger, sql_mode, SQL Original Statement, ...
        row.original = shown
            .and_then(|values| values.into_iter().nth(2).flatten())
            .and_then(|statement| without_definer(&statement))
            .filter(|statement| unqualified_head(statement));
    }
    None
}

/// `CREATE DEFINER=`u`@`h` TRIGGER ...` without its definer: `CREATE TRIGGER ...`
/// (the definer is kept apart). `None` when the statement is not shaped so.
fn without_definer(statement: &str) -> Option<String> {
    let rest = statement.strip_prefix("CREATE DEFINER=")?;
    let mut chars = rest.char_indices().peekable();
    // `user`@`host`, each part quoted (backquotes, or double quotes under ANSI_QUOTES)
    // with embedded quotes doubled; a role has no host.
    let mut part = 0;
    let mut end = None;
    while let Some((_, quote)) = chars.next() {
        if quote != '`' && quote != '"' {
            return None;
        }
        loop {
            match chars.next() {
                Some((_, c)) if c == quote && chars.peek().map(|p| p.1) == Some(quote) => {
                    chars.next();
                }
                Some((_, c)) if c == quote => break,
                Some(_) => {}
                None => return None,
            }
        }
        part += 1;
        match chars.peek() {
            Some((_, '@')) if part == 1 => {
                chars.next();
            }
            Some((i, ' ')) => {
                end = Some(*i);
                break;
            }
            _ => return None,
        }
    }
    Some(format!("CREATE{}", &rest[end?..]))
}

/// Whether a trigger statement names its trigger and its table without a database, as
/// a copy in another database needs (`... ON srcdb.t` would create the trigger in the
/// source's database): `CREATE TRIGGER name timing event ON table ...`.
fn unqualified_head(statement: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut chars = statement.chars().peekable();
    while words.len() < 8 {
        let Some(c) = chars.next() else {
            return false;
        };
        match c {
            c if c.is_whitespace() => {}
            '.' => return false,
            '`' => {
                let mut word = String::new();
                loop {
                    match chars.next() {
                        Some('`') if chars.peek() == Some(&'`') => {
                            chars.next();
                            word.push('`');
                        }
                        Some('`') => break,
                        Some(c) => word.push(c),
                        None => return false,
                    }
                }
                words.push(word);
            }
            c => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || next == '.' || next == '`' {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                words.push(word);
            }
        }
        if words.len() == 7 {
            // After the table: it must not be followed by `.column`-like qualification.
            while chars.peek().is_some_and(|c| *c == ' ') {
                chars.next();
            }
            return chars.peek() != Some(&'.')
                && words[0].eq_ignore_ascii_case("CREATE")
                && words[1].eq_ignore_ascii_case("TRIGGER")
                && words[5].eq_ignore_ascii_case("ON");
        }
    }
    false
}

/// Fetches the partitions of the partitioned tables among `tables`; no query when there
/// are none.
fn fetch_partitions(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
    tables: &[TableRow],
) -> Result<Vec<PartitionRow>> {
    // Only partitioned tables are asked about: PARTITIONS has a row for every table.
    let partitioned: Vec<&str> = tables
        .iter()
        .filter(|t| {
            t.options
                .as_deref()
                .is_some_and(|o| o.split_whitespace().any(|w| w == "partitioned"))
        })
        .map(|t| t.name.as_str())
        .collect();
    if partitioned.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = partitioned.iter().map(|n| quote_literal(n)).collect();
    fetch(
        conn,
        url,
        "partitions",
        &format!(
            "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', PARTITION_NAME, \
             'method', PARTITION_METHOD, 'expression', PARTITION_EXPRESSION, \
             'description', PARTITION_DESCRIPTION, 'comment', PARTITION_COMMENT, \
             'subpartition', SUBPARTITION_NAME, 'sub_method', SUBPARTITION_METHOD, \
             'sub_expression', SUBPARTITION_EXPRESSION) AS doc \
             FROM information_schema.PARTITIONS \
             WHERE TABLE_SCHEMA = {db} AND TABLE_NAME IN ({}) \
             ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION",
            names.join(", ")
        ),
    )
}

/// Fetches the stored functions and procedures. MariaDB's `mysql.proc` holds them as
/// they were typed (parameter list, return type and body in the client's character
/// set, 4-byte characters included), which `SHOW CREATE` prints; `information_schema`
/// keeps the body in utf8mb3 only. MySQL 8 has no `mysql.proc`, and a user who may not
/// read it gets `information_schema.ROUTINES` with its `PARAMETERS`.
fn fetch_routines(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
    mariadb: bool,
) -> Result<(Vec<RoutineRow>, bool)> {
    let preferred = mariadb.then(|| {
        // The body as typed when the client wrote UTF-8; otherwise the server's own
        // UTF-8 conversion of it.
        format!(
            "SELECT JSON_OBJECT('name', name, 'kind', type, \
             'params', CONVERT(param_list USING utf8mb4), 'returns', CONVERT(returns USING utf8mb4), \
             'body', IF(character_set_client LIKE 'utf8%', CONVERT(body USING utf8mb4), \
               CONVERT(body_utf8 USING utf8mb4)), \
             'deterministic', is_deterministic, 'data_access', sql_data_access, \
             'security', security_type, 'comment', comment, 'definer', definer, \
             'sql_mode', sql_mode, 'character_set_client', character_set_client, \
             'collation_connection', collation_connection, 'aggregate', aggregate, \
             'db_collation', db_collation) AS doc \
             FROM mysql.proc WHERE db = {db} \
             AND type IN ('FUNCTION', 'PROCEDURE', 'PACKAGE', 'PACKAGE BODY') \
             ORDER BY name, type"
        )
    });
    fetch_preferring(
        conn,
        url,
        "routines",
        preferred,
        &format!(
            "SELECT JSON_OBJECT('name', r.ROUTINE_NAME, 'kind', r.ROUTINE_TYPE, \
             'params', COALESCE((SELECT GROUP_CONCAT(CONCAT_WS(' ', \
                 IF(r.ROUTINE_TYPE = 'PROCEDURE', p.PARAMETER_MODE, NULL), \
                 CONCAT('`', REPLACE(p.PARAMETER_NAME, '`', '``'), '`'), p.DTD_IDENTIFIER) \
               ORDER BY p.ORDINAL_POSITION SEPARATOR ', ') \
               FROM information_schema.PARAMETERS p \
               WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME \
               AND p.ROUTINE_TYPE = r.ROUTINE_TYPE AND p.ORDINAL_POSITION > 0), ''), \
             'returns', IF(r.ROUTINE_TYPE = 'FUNCTION', r.DTD_IDENTIFIER, ''), \
             'body', r.ROUTINE_DEFINITION, 'deterministic', r.IS_DETERMINISTIC, \
             'data_access', REPLACE(r.SQL_DATA_ACCESS, ' ', '_'), 'security', r.SECURITY_TYPE, \
             'comment', r.ROUTINE_COMMENT, 'definer', r.DEFINER, 'sql_mode', r.SQL_MODE, \
             'character_set_client', r.CHARACTER_SET_CLIENT, \
             'collation_connection', r.COLLATION_CONNECTION, \
             'db_collation', r.DATABASE_COLLATION) AS doc \
             FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = {db} \
             AND r.ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE') \
             ORDER BY r.ROUTINE_NAME, r.ROUTINE_TYPE"
        ),
    )
}

/// Fetches the events, their times in their own time zone; MariaDB's body as typed
/// (`mysql.event`), else `information_schema`'s utf8mb3 text of it.
fn fetch_events(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
    mariadb: bool,
) -> Result<(Vec<EventRow>, bool)> {
    let columns = |body: &str| {
        format!(
            "SELECT JSON_OBJECT('name', e.EVENT_NAME, 'definer', e.DEFINER, \
             'time_zone', e.TIME_ZONE, 'body', {body}, 'kind', e.EVENT_TYPE, \
             'execute_at', e.EXECUTE_AT, 'interval_value', e.INTERVAL_VALUE, \
             'interval_field', e.INTERVAL_FIELD, 'sql_mode', e.SQL_MODE, \
             'starts', e.STARTS, 'ends', e.ENDS, 'status', e.STATUS, \
             'on_completion', e.ON_COMPLETION, 'comment', e.EVENT_COMMENT, \
             'character_set_client', e.CHARACTER_SET_CLIENT, \
             'collation_connection', e.COLLATION_CONNECTION, \
             'db_collation', e.DATABASE_COLLATION) AS doc \
             FROM information_schema.EVENTS e"
        )
    };
    let preferred = mariadb.then(|| {
        format!(
            "{} JOIN mysql.event m ON m.db = e.EVENT_SCHEMA AND m.name = e.EVENT_NAME \
             WHERE e.EVENT_SCHEMA = {db} ORDER BY e.EVENT_NAME",
            columns(
                "IF(e.CHARACTER_SET_CLIENT LIKE 'utf8%', CONVERT(m.body USING utf8mb4), \
                 e.EVENT_DEFINITION)"
            )
        )
    });
    fetch_preferring(
        conn,
        url,
        "events",
        preferred,
        &format!(
            "{} WHERE e.EVENT_SCHEMA = {db} ORDER BY e.EVENT_NAME",
            columns("e.EVENT_DEFINITION")
        ),
    )
}

/// Fetches the state of every MariaDB sequence among `tables`: a sequence keeps it in
/// its own one-row table (there is no catalog view of it), so one query reads them all
/// (`UNION ALL`, 500 sequences a query); none when there are no sequences.
fn fetch_sequences(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    tables: &[TableRow],
) -> Result<Vec<SequenceRow>> {
    let names: Vec<&str> = tables
        .iter()
        .filter(|t| t.kind == "SEQUENCE")
        .map(|t| t.name.as_str())
        .collect();
    let mut out = Vec::new();
    for chunk in names.chunks(500) {
        let selects: Vec<String> = chunk
            .iter()
            .map(|name| {
                format!(
                    "SELECT JSON_OBJECT('name', {}, 'next', next_not_cached_value, \
                     'min', minimum_value, 'max', maximum_value, 'start', start_value, \
                     'increment', increment, 'cache', cache_size, 'cycle', cycle_option = 1, \
                     'rounds', cycle_count) AS doc FROM {}",
                    quote_literal(name),
                    quote_ident(name)
                )
            })
            .collect();
        out.extend(fetch(conn, url, "sequences", &selects.join(" UNION ALL "))?);
    }
    Ok(out)
}

/// Fetches the privileges granted on the database, its tables and views, their columns
/// (`information_schema`) and its routines (`mysql.procs_priv`, which only a user who
/// may read the `mysql` tables sees; for others the routines' privileges are noted as
/// not replicated).
fn fetch_privileges(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    db: &str,
) -> Result<Vec<PrivilegeRow>> {
    let mut rows: Vec<PrivilegeRow> = fetch(
        conn,
        url,
        "privileges",
        &format!(
            "SELECT JSON_OBJECT('grantee', GRANTEE, 'level', 'database', 'object', '', \
               'privilege', PRIVILEGE_TYPE, 'grantable', IS_GRANTABLE = 'YES') AS doc \
             FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = {db} \
             UNION ALL SELECT JSON_OBJECT('grantee', GRANTEE, 'level', 'table', \
               'object', TABLE_NAME, 'privilege', PRIVILEGE_TYPE, \
               'grantable', IS_GRANTABLE = 'YES') \
             FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = {db} \
             UNION ALL SELECT JSON_OBJECT('grantee', GRANTEE, 'level', 'column', \
               'object', TABLE_NAME, 'column', COLUMN_NAME, 'privilege', PRIVILEGE_TYPE, \
               'grantable', IS_GRANTABLE = 'YES') \
             FROM information_schema.COLUMN_PRIVILEGES WHERE TABLE_SCHEMA = {db}"
        ),
    )?;
    // Execute, Alter Routine and Grant, a set per row.
    let routines = format!(
        "SELECT JSON_OBJECT('grantee', CONCAT('''', User, '''@''', Host, ''''), \
           'level', LOWER(Routine_type), 'object', Routine_name, \
           'privilege', UPPER(Proc_priv), 'grantable', FIND_IN_SET('Grant', Proc_priv) > 0) \
           AS doc FROM mysql.procs_priv WHERE Db = {db}"
    );
    schema_replicator_core::trace::query("routine privileges", &routines);
    match load(conn, &routines) {
        Ok(docs) => {
            for doc in docs {
                let row: PrivilegeRow = serde_json::from_str(&doc).map_err(|e| Error::Reflect {
                    object: "the catalog (routine privileges)".into(),
                    reason: format!("{e} in {doc}"),
                })?;
                for privilege in row.privilege.split(',').filter(|p| *p != "GRANT") {
                    rows.push(PrivilegeRow {
                        privilege: privilege.to_owned(),
                        grantee: row.grantee.clone(),
                        level: row.level.clone(),
                        object: row.object.clone(),
                        column: None,
                        grantable: row.grantable,
                    });
                }
            }
        }
        Err(_) => rows.push(PrivilegeRow {
            grantee: String::new(),
            level: "unreadable".into(),
            object: String::new(),
            column: None,
            privilege: String::new(),
            grantable: false,
        }),
    }
    Ok(rows)
}

/// Fetches what is not replicated: MariaDB packages.
fn fetch_skipped(conn: &mut MysqlConnection, url: &DbUrl, db: &str) -> Result<Vec<SkippedRow>> {
    fetch(
        conn,
        url,
        "objects not replicated",
        &format!(
            "SELECT JSON_OBJECT('kind', LOWER(ROUTINE_TYPE), 'name', ROUTINE_NAME) AS doc \
             FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {db} \
             AND ROUTINE_TYPE NOT IN ('FUNCTION', 'PROCEDURE')"
        ),
    )
}

/// Records the packages as skipped.
fn add_skipped_objects(schema: &mut Schema, rows: Vec<SkippedRow>) {
    for row in rows {
        schema.skipped.push(Skipped {
            kind: row.kind,
            name: row.name,
            reason: "not replicated: MariaDB packages; create them on the target".into(),
        });
    }
}

/// Adds the grants: one per grantee and object, its privileges sorted, column
/// privileges as ``UPDATE (`a`, `b`)`` beside the table's own. `WITH GRANT OPTION`
/// holds for the whole grant when the catalog says so for any of its privileges (the
/// server keeps the grant option per level, not per privilege).
fn add_grants(schema: &mut Schema, rows: Vec<PrivilegeRow>) {
    type Privileges = BTreeMap<String, Vec<String>>;
    let mut grants: BTreeMap<(String, String, String), (Privileges, bool)> = BTreeMap::new();
    for row in rows {
        if row.level == "unreadable" {
            schema.skipped.push(Skipped {
                kind: "routine privileges".into(),
                name: "*".into(),
                reason: "not replicated: this user may not read mysql.procs_priv, where the \
                         privileges on routines are"
                    .into(),
            });
            continue;
        }
        let level = if row.level == "column" {
            "table".to_owned()
        } else {
            row.level
        };
        let entry = grants.entry((level, row.object, row.grantee)).or_default();
        entry.0.entry(row.privilege).or_default().extend(row.column);
        entry.1 |= row.grantable;
    }
    for ((level, object, grantee), (privileges, grantable)) in grants {
        let on = match level.as_str() {
            "database" => GrantTarget::Database,
            "function" => GrantTarget::Routine {
                kind: RoutineKind::Function,
                name: QualifiedName::bare(&object),
            },
            "procedure" => GrantTarget::Routine {
                kind: RoutineKind::Procedure,
                name: QualifiedName::bare(&object),
            },
            _ => GrantTarget::Table(QualifiedName::bare(&object)),
        };
        let mut privileges: Vec<String> = privileges
            .into_iter()
            .map(|(privilege, mut columns)| {
                if columns.is_empty() {
                    privilege
                } else {
                    columns.sort();
                    let columns: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
                    format!("{privilege} ({})", columns.join(", "))
                }
            })
            .collect();
        privileges.sort();
        schema.grants.push(Grant {
            grantee,
            on,
            privileges,
            grantable,
        });
    }
}

/// Builds the base tables (the journal left out) and records the other kinds of table
/// (sequences, system-versioned tables, ...) as skipped.
fn base_tables(schema: &mut Schema, rows: Vec<TableRow>) -> Tables {
    let mut tables = Tables::default();
    for row in rows {
        match row.kind.as_str() {
            "BASE TABLE" if row.name == JOURNAL_TABLE => {}
            "BASE TABLE" => add_base_table(&mut tables, row, false),
            "VIEW" => {}
            "SEQUENCE" => {}
            "SYSTEM VERSIONED" => add_base_table(&mut tables, row, true),
            other => schema.skipped.push(Skipped {
                kind: other.to_lowercase(),
                name: row.name,
                reason: "not replicated: not a base table or view".into(),
            }),
        }
    }
    tables
}

/// Adds one base table, still without columns or keys, with its options (engine,
/// collation, create options), and notes its collation and AUTO_INCREMENT counter.
fn add_base_table(tables: &mut Tables, row: TableRow, versioned: bool) {
    let mut table = Table {
        comment: row.comment.filter(|c| !c.is_empty()),
        ..Table::new(QualifiedName::bare(&row.name))
    };
    if let Some(engine) = row.engine {
        table.options.push(TableOption::Engine(engine));
    }
    if let Some(collation) = row.collation {
        tables
            .collations
            .insert(row.name.clone(), collation.clone());
        table.options.push(TableOption::Collation(collation));
    }
    let mut create_options: Vec<String> = row
        .options
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .filter(|o| *o != "partitioned")
        .map(str::to_owned)
        .collect();
    if versioned {
        create_options.push("WITH SYSTEM VERSIONING".into());
    }
    if !create_options.is_empty() {
        table
            .options
            .push(TableOption::CreateOptions(create_options));
    }
    // AUTO_INCREMENT is the next value; 1 on a table that never handed one out.
    tables.counters.insert(
        row.name.clone(),
        row.auto_increment
            .filter(|&n| n > 1)
            .map(|n| i64::try_from(n - 1).unwrap_or(i64::MAX)),
    );
    tables.order.push(row.name.clone());
    tables.by_name.insert(row.name, table);
}

/// The application-time periods and `WITHOUT OVERLAPS` keys of the tables that may
/// have them. MariaDB 10.11's catalog shows a period only as a check named after it
/// (`` `start` < `end` ``) and a `WITHOUT OVERLAPS` key as a unique key ending with the
/// period's columns; `SHOW CREATE TABLE` says which they are. It is read only for the
/// tables with such a check, so reflection stays a fixed number of queries on schemas
/// without periods.
fn read_periods(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    database: &str,
    tables: &mut Tables,
) -> Result<()> {
    let candidates: Vec<String> = tables
        .order
        .iter()
        .filter(|name| {
            tables.by_name[*name].checks.iter().any(|c| match &c.expr {
                Expr::Raw { sql, .. } => period_shape(sql).is_some(),
                _ => false,
            })
        })
        .cloned()
        .collect();
    for name in candidates {
        let create = show_create(conn, url, database, "TABLE", &name, "periods")?;
        let table = tables.by_name.get_mut(&name).expect("a candidate table");
        for line in create.lines().map(|l| l.trim().trim_end_matches(',')) {
            if let Some(period) = line.strip_prefix("PERIOD FOR `") {
                let period_name = period.split('`').next().unwrap_or_default();
                if let Some(check) = table
                    .checks
                    .iter_mut()
                    .find(|c| c.name.as_deref() == Some(period_name))
                {
                    check.definition = Some(Expr::raw(crate::DIALECT, line));
                }
            } else if line.contains(" WITHOUT OVERLAPS)") && line.starts_with("UNIQUE KEY `") {
                let key = line["UNIQUE KEY `".len()..]
                    .split('`')
                    .next()
                    .unwrap_or_default();
                if let Some(index) = table.indexes.iter_mut().find(|i| i.name == key) {
                    index.definition = Some(Expr::raw(crate::DIALECT, line));
                }
            }
        }
    }
    Ok(())
}

/// The `PARTITION BY SYSTEM_TIME ...` clause of each table in `names`, as `SHOW CREATE
/// TABLE` prints it (one query per such table): the catalog lists the partitions but
/// not their `INTERVAL` or `LIMIT`.
fn read_system_time_partitioning(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    database: &str,
    tables: &mut Tables,
    names: &[String],
) -> Result<()> {
    for name in names {
        let create = show_create(conn, url, database, "TABLE", name, "partitioning")?;
        let clause = create
            .find("PARTITION BY SYSTEM_TIME")
            .map(|at| create[at..].trim().to_owned());
        if let (Some(clause), Some(table)) = (clause, tables.by_name.get_mut(name)) {
            table.options.push(TableOption::Partitioning(clause));
        }
    }
    Ok(())
}

/// The two columns of a check shaped `` `start` < `end` ``, as MariaDB writes the check
/// of an application-time period.
fn period_shape(clause: &str) -> Option<(&str, &str)> {
    let (start, end) = clause.split_once(" < ")?;
    let column = |c: &'_ str| -> bool {
        c.len() > 2 && c.starts_with('`') && c.ends_with('`') && !c[1..c.len() - 1].contains('`')
    };
    (column(start) && column(end)).then_some((start, end))
}

/// The checks that name their table, grouped by table name.
fn checks_by_table(checks: Vec<CheckRow>) -> HashMap<String, Vec<CheckRow>> {
    let mut table_checks: HashMap<String, Vec<CheckRow>> = HashMap::new();
    for check in checks {
        if let Some(table) = check.table.clone() {
            table_checks.entry(table).or_default().push(check);
        }
    }
    table_checks
}

/// Adds the columns to their tables; the `json_valid` check standing for a MariaDB JSON
/// column is taken out of `checks`.
fn add_columns(
    tables: &mut Tables,
    checks: &mut HashMap<String, Vec<CheckRow>>,
    rows: Vec<ColumnRow>,
    mariadb: bool,
) {
    for row in rows {
        let Some(table) = tables.by_name.get_mut(&row.table) else {
            continue;
        };
        let table_collation = tables.collations.get(&row.table);
        let counter = tables.counters.get(&row.table).copied().flatten();
        let table_checks = checks.entry(row.table.clone()).or_default();
        let column = column(row, table_checks, table_collation, counter, mariadb);
        table.columns.push(column);
    }
}

/// Builds one column: its type (JSON recognised by its check, which leaves `checks`),
/// collation, comment, visibility, `ON UPDATE`, AUTO_INCREMENT counter, and its
/// generation expression or default.
fn column(
    row: ColumnRow,
    checks: &mut Vec<CheckRow>,
    table_collation: Option<&String>,
    counter: Option<i64>,
    mariadb: bool,
) -> Column {
    let extra = row.extra.to_lowercase();
    let generated_stored =
        if extra.contains("stored generated") || extra.contains("persistent generated") {
            Some(true)
        } else if extra.contains("virtual generated") {
            Some(false)
        } else {
            None
        };
    let json_check = format!("json_valid({})", quote_ident(&row.name));
    let is_json = mariadb
        && row.column_type == "longtext"
        && row.collation.as_deref() == Some("utf8mb4_bin")
        && checks.iter().any(|c| {
            c.name == row.name && c.level.as_deref() == Some("Column") && c.clause == json_check
        });
    if is_json {
        checks.retain(|c| !(c.name == row.name && c.clause == json_check));
    }
    let raw_type = if is_json {
        "json".to_owned()
    } else {
        row.column_type.clone()
    };
    let mut column = Column::new(&row.name, DataType::from_raw(raw_type));
    column.nullable = row.nullable == "YES";
    column.collation = row
        .collation
        .filter(|c| !is_json && Some(c) != table_collation);
    column.comment = Some(row.comment).filter(|c| !c.is_empty());
    column.invisible = extra.split_whitespace().any(|w| w == "invisible");
    if let Some(at) = extra.find("on update ") {
        let expr = row.extra[at + "on update ".len()..].trim();
        column.on_update = Some(Box::new(Expr::raw(crate::DIALECT, expr)));
    }
    if extra.contains("auto_increment") {
        column.identity = Some(Identity::AutoIncrement {
            last_value: counter,
        });
    }
    match generated_stored {
        Some(stored) => {
            column.generated = Some(Box::new(Generated {
                expr: Expr::raw(crate::DIALECT, row.generation.unwrap_or_default()),
                stored,
            }));
        }
        None => {
            column.default = default_expr(mariadb, &row.default, &extra, column.nullable)
                .map(|d| Expr::raw(crate::DIALECT, d));
        }
    }
    column
}

/// Defaults that name an object of this database (MariaDB writes `nextval(`db`.`seq`)`)
/// without the qualifier, so the copy's default uses the copy's own sequence.
fn unqualify_defaults(tables: &mut Tables, database: &str) {
    let qualifier = format!("{}.", quote_ident(database));
    for table in tables.by_name.values_mut() {
        for column in &mut table.columns {
            if let Some(Expr::Raw { sql, .. }) = &mut column.default {
                if !sql.starts_with('\'') && sql.contains(&qualifier) {
                    *sql = sql.replace(&qualifier, "");
                }
            }
        }
    }
}

/// Adds the check constraints to their tables; a column check keeps its column's name.
fn add_checks(tables: &mut Tables, checks: HashMap<String, Vec<CheckRow>>) {
    for (name, rows) in checks {
        let Some(table) = tables.by_name.get_mut(&name) else {
            continue;
        };
        for check in rows {
            let column = (check.level.as_deref() == Some("Column")).then(|| check.name.clone());
            table.checks.push(CheckConstraint {
                name: Some(check.name),
                column,
                expr: Expr::raw(crate::DIALECT, check.clause),
                definition: None,
                comment: None,
            });
        }
    }
}

/// Adds the foreign keys to their tables: REFERENTIAL_CONSTRAINTS joined with
/// KEY_COLUMN_USAGE here; a reference into this database loses its qualifier. Returns a
/// note for each key that references a table this database does not have (made with
/// `foreign_key_checks = 0`): replicated as it is, its rows cannot be checked.
fn add_foreign_keys(
    tables: &mut Tables,
    key_columns: Vec<KeyColumnRow>,
    references: Vec<ReferenceRow>,
    database: &str,
) -> Vec<Skipped> {
    let mut dangling = Vec::new();
    let mut fk_columns: HashMap<(String, String), Vec<KeyColumnRow>> = HashMap::new();
    for row in key_columns {
        fk_columns
            .entry((row.table.clone(), row.name.clone()))
            .or_default()
            .push(row);
    }
    let mut references = references;
    references.sort_by(|a, b| (&a.table, &a.name).cmp(&(&b.table, &b.name)));
    for reference in references {
        let parent_exists = tables.by_name.contains_key(&reference.referenced_table);
        let Some(table) = tables.by_name.get_mut(&reference.table) else {
            continue;
        };
        let parts = fk_columns
            .remove(&(reference.table.clone(), reference.name.clone()))
            .unwrap_or_default();
        let referenced_schema = parts
            .first()
            .and_then(|p| p.referenced_schema.clone())
            .filter(|s| *s != database);
        if referenced_schema.is_none() && !parent_exists {
            dangling.push(Skipped {
                kind: "foreign key".into(),
                name: reference.name.clone(),
                reason: format!(
                    "of table {}: it references table {}, which does not exist; \
                     replicated as the source has it, without counting its orphan rows",
                    schema_replicator_core::quoted(&reference.table),
                    schema_replicator_core::quoted(&reference.referenced_table)
                ),
            });
        }
        table.foreign_keys.push(ForeignKey {
            name: Some(reference.name),
            columns: parts.iter().map(|p| p.column.clone()).collect(),
            referenced_table: QualifiedName {
                schema: referenced_schema,
                name: reference.referenced_table,
            },
            referenced_columns: parts
                .iter()
                .map(|p| p.referenced_column.clone().unwrap_or_default())
                .collect(),
            on_delete: action(&reference.delete_rule),
            on_update: action(&reference.update_rule),
            match_type: MatchType::Simple,
            deferrable: Deferrable::NotDeferrable,
            definition: None,
            comment: None,
        });
    }
    dangling
}

/// STATISTICS rows grouped into keys, `(table, key, parts)`. STATISTICS lists a table's
/// keys in the table's own key order (the order SHOW CREATE TABLE prints them in), which
/// the seal keeps; no ORDER BY, which would lose it. Key parts are sorted by their position.
fn group_keys(rows: Vec<IndexRow>) -> Vec<(String, String, Vec<IndexRow>)> {
    let mut grouped: Vec<(String, String, Vec<IndexRow>)> = Vec::new();
    let mut slot: HashMap<(String, String), usize> = HashMap::new();
    for row in rows {
        let key = (row.table.clone(), row.name.clone());
        match slot.get(&key) {
            Some(&i) => grouped[i].2.push(row),
            None => {
                slot.insert(key, grouped.len());
                grouped.push((row.table.clone(), row.name.clone(), vec![row]));
            }
        }
    }
    for (_, _, rows) in &mut grouped {
        rows.sort_by_key(|r| r.seq);
    }
    grouped
}

/// Adds the primary keys and indexes to their tables, every one of them: an index the
/// server once made for a foreign key is created by the seal before the key (which then
/// uses it), so the copy has it even where another index now covers the key's columns
/// (the server would not make it again), and in the source's key order.
fn add_indexes(tables: &mut Tables, rows: Vec<IndexRow>, mariadb: bool) {
    for (table_name, index_name, rows) in group_keys(rows) {
        let Some(table) = tables.by_name.get_mut(&table_name) else {
            continue;
        };
        let parts: Vec<String> = rows.iter().map(key_part).collect();
        if index_name == "PRIMARY" {
            table.primary_key = Some(PrimaryKey {
                index: None,
                name: None,
                columns: rows.iter().filter_map(|r| r.column.clone()).collect(),
                definition: Some(Expr::raw(
                    crate::DIALECT,
                    format!("PRIMARY KEY ({})", parts.join(",")),
                )),
                comment: None,
            });
            continue;
        }
        let index = secondary_index(table, index_name, &rows, &parts, mariadb);
        table.indexes.push(index);
    }
}

/// Builds one index that is not the primary key, with its definition as `SHOW CREATE
/// TABLE` writes it (`parts` are its key parts written that way).
fn secondary_index(
    table: &Table,
    index_name: String,
    rows: &[IndexRow],
    parts: &[String],
    mariadb: bool,
) -> Index {
    let engine_default = match table.options.iter().find_map(|o| match o {
        TableOption::Engine(e) => Some(e.to_uppercase()),
        _ => None,
    }) {
        Some(e) if e == "MEMORY" || e == "HEAP" => "HASH",
        _ => "BTREE",
    };
    let first = &rows[0];
    let kind = match first.index_type.as_str() {
        "FULLTEXT" => "FULLTEXT KEY".to_owned(),
        "SPATIAL" => "SPATIAL KEY".to_owned(),
        _ if first.non_unique == 0 => "UNIQUE KEY".to_owned(),
        _ => "KEY".to_owned(),
    };
    let mut definition = format!("{kind} {} ({})", quote_ident(&index_name), parts.join(","));
    if !matches!(first.index_type.as_str(), "FULLTEXT" | "SPATIAL")
        && first.index_type != engine_default
    {
        definition.push_str(&format!(" USING {}", first.index_type));
    }
    if !first.comment.is_empty() {
        definition.push_str(&format!(" COMMENT {}", quote_literal(&first.comment)));
    }
    if first.ignored {
        definition.push_str(if mariadb { " IGNORED" } else { " INVISIBLE" });
    }
    Index {
        partition_indexes: Default::default(),
        name: index_name,
        unique: first.non_unique == 0,
        keys: index_keys(rows),
        predicate: None,
        definition: Some(Expr::raw(crate::DIALECT, definition)),
        comment: Some(first.comment.clone()).filter(|c| !c.is_empty()),
    }
}

/// The keys of an index: a column or (MySQL 8) an expression each, descending or not.
fn index_keys(rows: &[IndexRow]) -> Vec<IndexKey> {
    rows.iter()
        .map(|r| IndexKey {
            target: match (&r.column, &r.expression) {
                (Some(c), _) => IndexTarget::Column(c.clone()),
                (None, e) => IndexTarget::Expression(Expr::raw(
                    crate::DIALECT,
                    e.clone().unwrap_or_default(),
                )),
            },
            collation: None,
            order: (r.collation.as_deref() == Some("D")).then_some(SortOrder::Desc),
        })
        .collect()
}

/// Adds each partitioned table's `PARTITION BY` clause, rebuilt from PARTITIONS, to its
/// options.
/// Returns the tables partitioned by `SYSTEM_TIME` (MariaDB), whose clause the catalog
/// does not hold whole (`INTERVAL`, `LIMIT`).
fn add_partitioning(tables: &mut Tables, partitions: Vec<PartitionRow>) -> Vec<String> {
    let mut by_system_time = Vec::new();
    let mut by_partitioned: BTreeMap<String, Vec<PartitionRow>> = BTreeMap::new();
    for row in partitions {
        by_partitioned
            .entry(row.table.clone())
            .or_default()
            .push(row);
    }
    for (name, rows) in by_partitioned {
        let Some(table) = tables.by_name.get_mut(&name) else {
            continue;
        };
        if rows[0].method == "SYSTEM_TIME" {
            by_system_time.push(name);
            continue;
        }
        table
            .options
            .push(TableOption::Partitioning(partition_clause(&rows)));
    }
    by_system_time
}

/// Adds the views, each after the views it reads; names qualified with this database lose
/// the qualifier, so the copy refers to its own tables.
fn add_views(schema: &mut Schema, rows: Vec<ViewRow>, database: &str) {
    let qualifier = format!("{}.", quote_ident(database));
    let mut unordered: Vec<View> = Vec::new();
    for row in rows {
        let mut options = Vec::new();
        if let Some(algorithm) = row.algorithm {
            options.push(format!("algorithm={algorithm}"));
        }
        options.push(format!("security={}", row.security));
        if row.check_option != "NONE" {
            options.push(format!("check_option={}", row.check_option));
        }
        // The client character set the view was created with: its literals are read in it.
        options.push(format!("character_set_client={}", row.character_set_client));
        options.push(format!("collation_connection={}", row.collation_connection));
        let mut view = View::new(
            QualifiedName::bare(&row.name),
            Expr::raw(crate::DIALECT, row.definition.replace(&qualifier, "")),
        );
        view.options = options;
        view.definer = Some(row.definer);
        unordered.push(view);
    }
    schema.views = order_views(unordered);
}

/// Adds the triggers with their definers and the session settings they were created
/// under, in firing order (each trigger of a table's event and timing after the ones
/// that fire before it, so creating them in this order keeps their order).
fn add_triggers(schema: &mut Schema, rows: Vec<TriggerRow>, database_collation: Option<&str>) {
    for row in rows {
        let definition = row.original.unwrap_or_else(|| {
            format!(
                "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
                quote_ident(&row.name),
                row.timing,
                row.event,
                quote_ident(&row.table),
                row.statement
            )
        });
        schema.triggers.push(Trigger {
            definer: Some(row.definer),
            name: QualifiedName::bare(&row.name),
            table: QualifiedName::bare(&row.table),
            definition: Expr::raw(crate::DIALECT, definition),
            settings: creation_context(
                row.sql_mode,
                row.character_set_client,
                row.collation_connection,
                row.db_collation,
                database_collation,
            ),
            comment: None,
        });
    }
}

/// Adds the stored functions and procedures, each as the `CREATE` statement `SHOW
/// CREATE` prints (without its definer, kept apart), with the session settings it was
/// created under.
/// A routine made while the database had another default collation than it has now
/// keeps that one in `collation_database`, which the renderer makes the database's
/// default while it creates the routine (as `mysqldump` does).
fn add_routines(schema: &mut Schema, rows: Vec<RoutineRow>, database_collation: Option<&str>) {
    for row in rows {
        if row.kind.starts_with("PACKAGE") {
            add_package(schema, row);
            continue;
        }
        let definer = row.definer.clone();
        let function = row.kind == "FUNCTION";
        let Some(body) = row.body.clone() else {
            schema.skipped.push(Skipped {
                kind: row.kind.to_lowercase(),
                name: row.name.clone(),
                reason: "not replicated: the catalog hides its body from this user (only \
                         its definer and users with the privilege to see routines read it)"
                    .into(),
            });
            continue;
        };
        let mut head = String::from("CREATE ");
        if row.aggregate.as_deref() == Some("GROUP") {
            head.push_str("AGGREGATE ");
        }
        head.push_str(&format!(
            "{} {}({})",
            row.kind,
            quote_ident(&row.name),
            row.params
        ));
        if function {
            head.push_str(&format!(" RETURNS {}", row.returns));
        }
        let mut characteristics = Vec::new();
        if row.data_access != "CONTAINS_SQL" {
            characteristics.push(row.data_access.replace('_', " "));
        }
        if row.deterministic == "YES" {
            characteristics.push("DETERMINISTIC".to_owned());
        }
        if row.security == "INVOKER" {
            characteristics.push("SQL SECURITY INVOKER".to_owned());
        }
        if !row.comment.is_empty() {
            characteristics.push(format!("COMMENT {}", quote_literal(&row.comment)));
        }
        let mut definition = head;
        for characteristic in characteristics {
            definition.push_str(&format!("\n    {characteristic}"));
        }
        definition.push('\n');
        definition.push_str(&body);
        schema.routines.push(Routine {
            name: QualifiedName::bare(&row.name),
            arguments: row.params.clone(),
            kind: if function {
                RoutineKind::Function
            } else {
                RoutineKind::Procedure
            },
            definition: Expr::raw(crate::DIALECT, definition),
            after_tables: false,
            requires: Vec::new(),
            settings: routine_settings(row, database_collation),
            definer: Some(definer),
            comment: None,
        });
    }
}

/// A routine's session settings, and the database collation it was made under when
/// that is not the database's default now.
fn routine_settings(row: RoutineRow, database_collation: Option<&str>) -> Vec<(String, String)> {
    creation_context(
        row.sql_mode,
        row.character_set_client,
        row.collation_connection,
        row.db_collation,
        database_collation,
    )
}

/// The session settings an object was made under (`sql_mode`, client character set,
/// connection collation), and the database collation (see [`made_under`]).
fn creation_context(
    sql_mode: String,
    client: String,
    connection: String,
    made: Option<String>,
    now: Option<&str>,
) -> Vec<(String, String)> {
    made_under(
        vec![
            ("sql_mode".into(), sql_mode),
            ("character_set_client".into(), client),
            ("collation_connection".into(), connection),
        ],
        made,
        now,
    )
}

/// `settings` with `collation_database` when the object was made while the database's
/// default collation (`made`) was another than it is now (`now`): the renderer makes
/// that the default while it creates the object, as `mysqldump` does for routines,
/// triggers and events.
fn made_under(
    mut settings: Vec<(String, String)>,
    made: Option<String>,
    now: Option<&str>,
) -> Vec<(String, String)> {
    if let (Some(made), Some(now)) = (made, now) {
        if made != now {
            settings.push(("collation_database".into(), made));
        }
    }
    settings
}

/// Adds a MariaDB package (Oracle mode): its specification, then, as the same object,
/// its body (`PACKAGE BODY`, which `mysql.proc` lists right after it), each statement as
/// `SHOW CREATE PACKAGE [BODY]` prints it. One statement creates both, so a body never
/// lacks its specification.
fn add_package(schema: &mut Schema, row: RoutineRow) {
    let mut create = format!("CREATE {} {}", row.kind, quote_ident(&row.name));
    if row.security == "INVOKER" {
        create.push_str(" SQL SECURITY INVOKER");
    }
    if !row.comment.is_empty() {
        create.push_str(&format!(" COMMENT {}", quote_literal(&row.comment)));
    }
    create.push(' ');
    create.push_str(row.body.as_deref().unwrap_or_default());
    let spec = schema
        .routines
        .iter_mut()
        .find(|r| r.kind == RoutineKind::Package && r.name.name == row.name);
    match (row.kind.as_str(), spec) {
        ("PACKAGE BODY", Some(spec)) => {
            if let Expr::Raw { sql, .. } = &mut spec.definition {
                sql.push_str(";\n");
                sql.push_str(&create);
            }
        }
        _ => schema.routines.push(Routine {
            name: QualifiedName::bare(&row.name),
            arguments: String::new(),
            kind: RoutineKind::Package,
            definition: Expr::raw(crate::DIALECT, create),
            after_tables: false,
            requires: Vec::new(),
            settings: vec![
                ("sql_mode".into(), row.sql_mode),
                ("character_set_client".into(), row.character_set_client),
                ("collation_connection".into(), row.collation_connection),
            ],
            definer: Some(row.definer),
            comment: None,
        }),
    }
}

/// Adds the events, with the schedule `SHOW CREATE EVENT` prints and the session
/// settings (the time zone among them) it was created under.
fn add_events(schema: &mut Schema, rows: Vec<EventRow>, database_collation: Option<&str>) {
    for row in rows {
        let mut schedule = match (&row.execute_at, row.kind.as_str()) {
            (Some(at), "ONE TIME") => format!("AT {}", quote_literal(at)),
            _ => {
                let value = row.interval_value.clone().unwrap_or_default();
                let value = if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
                    value
                } else {
                    quote_literal(&value)
                };
                format!(
                    "EVERY {value} {}",
                    row.interval_field.clone().unwrap_or_default()
                )
            }
        };
        if let Some(starts) = &row.starts {
            schedule.push_str(&format!(" STARTS {}", quote_literal(starts)));
        }
        if let Some(ends) = &row.ends {
            schedule.push_str(&format!(" ENDS {}", quote_literal(ends)));
        }
        let status = match row.status.as_str() {
            "ENABLED" => "ENABLE",
            "DISABLED" => "DISABLE",
            _ => "DISABLE ON SLAVE",
        };
        schema.events.push(Event {
            name: QualifiedName::bare(&row.name),
            schedule,
            preserve: row.on_completion == "PRESERVE",
            status: status.into(),
            body: Expr::raw(crate::DIALECT, row.body),
            settings: made_under(
                vec![
                    ("sql_mode".into(), row.sql_mode),
                    ("time_zone".into(), row.time_zone),
                    ("character_set_client".into(), row.character_set_client),
                    ("collation_connection".into(), row.collation_connection),
                ],
                row.db_collation,
                database_collation,
            ),
            definer: Some(row.definer),
            comment: Some(row.comment).filter(|c| !c.is_empty()),
        });
    }
}

/// Adds the MariaDB sequences, each with its engine and comment from `tables`, and its
/// last value handed out (to the cache included) when it has handed out any.
fn add_sequences(schema: &mut Schema, tables: &[TableRow], rows: Vec<SequenceRow>) {
    let tables: HashMap<&str, &TableRow> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
    for row in rows {
        let table = tables.get(row.name.as_str());
        let used = row.next != row.start || row.rounds > 0;
        schema.sequences.push(Sequence {
            data_type: "bigint".into(),
            start: row.start,
            increment: row.increment,
            min_value: row.min,
            max_value: row.max,
            cache: row.cache,
            cycle: row.cycle,
            last_value: used.then(|| row.next.saturating_sub(row.increment)),
            owned_by: None,
            options: table
                .and_then(|t| t.engine.clone())
                .map(|e| vec![format!("engine={e}")])
                .unwrap_or_default(),
            comment: table
                .and_then(|t| t.comment.clone())
                .filter(|c| !c.is_empty()),
            name: QualifiedName::bare(&row.name),
        });
    }
}

/// Leaves out, with a warning each, the views, triggers, routines and events created
/// under a client character set other than UTF-8 whose text has characters outside
/// ASCII: their statement is sent as UTF-8 while that character set is set (so the
/// server reads what it was made under), and the server would read those characters
/// wrongly.
fn leave_out_misread_text(schema: &mut Schema) {
    fn misread(settings: &[(String, String)], text: &str) -> Option<String> {
        let client = settings
            .iter()
            .find(|(k, _)| k == "character_set_client")
            .map(|(_, v)| v.as_str())?;
        (!client.starts_with("utf8") && !text.is_ascii()).then(|| client.to_owned())
    }
    let reason = |client: &str| {
        format!(
            "not replicated: it was made under the client character set {client} and its \
             text has characters outside ASCII, which would be read wrongly; create it by hand"
        )
    };
    let raw = |expr: &Expr| match expr {
        Expr::Raw { sql, .. } => sql.clone(),
        _ => String::new(),
    };
    let mut notes = Vec::new();
    // Keeps the items of `list` whose text is read rightly, noting the others.
    let mut keep =
        |kind: &str, name: &str, settings: &[(String, String)], text: &Expr| match misread(
            settings,
            &raw(text),
        ) {
            Some(client) => {
                notes.push(Skipped {
                    kind: kind.to_owned(),
                    name: name.to_owned(),
                    reason: reason(&client),
                });
                false
            }
            None => true,
        };
    schema.views.retain(|v| {
        let settings: Vec<(String, String)> = v
            .options
            .iter()
            .filter_map(|o| o.split_once('='))
            .map(|(k, val)| (k.to_owned(), val.to_owned()))
            .collect();
        keep("view", &v.name.name, &settings, &v.query)
    });
    schema
        .triggers
        .retain(|t| keep("trigger", &t.name.name, &t.settings, &t.definition));
    schema.routines.retain(|r| {
        let kind = r.kind.sql().to_lowercase();
        keep(&kind, &r.name.name, &r.settings, &r.definition)
    });
    schema
        .events
        .retain(|e| keep("event", &e.name.name, &e.settings, &e.body));
    schema.skipped.extend(notes);
}

/// The default as SQL text. MariaDB's `COLUMN_DEFAULT` is already SQL (`'a'`, `NULL`,
/// `current_timestamp()`); MySQL 8's is the bare value, with `DEFAULT_GENERATED` in
/// `EXTRA` for expressions.
fn default_expr(
    mariadb: bool,
    default: &Option<String>,
    extra: &str,
    nullable: bool,
) -> Option<String> {
    if mariadb {
        return default.clone();
    }
    match default {
        None if nullable => Some("NULL".into()),
        None => None,
        Some(d) if extra.contains("default_generated") => {
            let lower = d.to_lowercase();
            if lower.starts_with("current_timestamp") || lower.starts_with("now(") {
                Some(d.clone())
            } else {
                Some(format!("({d})"))
            }
        }
        Some(d) if d.starts_with("b'") || d.starts_with("0x") => Some(d.clone()),
        Some(d) => Some(quote_literal(d)),
    }
}

/// One key part as `SHOW CREATE TABLE` writes it: `` `col`(10) DESC ``.
fn key_part(row: &IndexRow) -> String {
    let mut part = match (&row.column, &row.expression) {
        (Some(c), _) => quote_ident(c),
        (None, e) => format!("({})", e.clone().unwrap_or_default()),
    };
    // A spatial key lists a length (32) that its definition never states.
    if let (Some(length), false) = (row.sub_part, row.index_type == "SPATIAL") {
        part.push_str(&format!("({length})"));
    }
    if row.collation.as_deref() == Some("D") {
        part.push_str(" DESC");
    }
    part
}

fn action(rule: &str) -> ReferentialAction {
    match rule {
        "CASCADE" => ReferentialAction::Cascade,
        "SET NULL" => ReferentialAction::SetNull,
        "SET DEFAULT" => ReferentialAction::SetDefault,
        "NO ACTION" => ReferentialAction::NoAction,
        _ => ReferentialAction::Restrict,
    }
}

/// The `PARTITION BY` clause of a partitioned table, from its PARTITIONS rows.
fn partition_clause(rows: &[PartitionRow]) -> String {
    let first = &rows[0];
    let method = first.method.as_str();
    let expression = first.expression.clone().unwrap_or_default();
    let columns_method = method.ends_with("COLUMNS");
    let mut clause = if columns_method {
        format!("PARTITION BY {method}({expression})")
    } else {
        format!("PARTITION BY {method} ({expression})")
    };
    let mut names: Vec<&str> = Vec::new();
    for row in rows {
        if names.last() != Some(&row.name.as_str()) {
            names.push(&row.name);
        }
    }
    let subpartitions = rows.len() / names.len().max(1);
    if let Some(sub_method) = &first.sub_method {
        clause.push_str(&format!(
            " SUBPARTITION BY {sub_method} ({}) SUBPARTITIONS {subpartitions}",
            first.sub_expression.clone().unwrap_or_default()
        ));
    }
    let hashed = method.contains("HASH") || method.contains("KEY");
    let default_names = names.iter().enumerate().all(|(i, n)| *n == format!("p{i}"));
    let plain = rows.iter().all(|r| r.comment.is_empty());
    if hashed && default_names && plain && first.subpartition.is_none() {
        clause.push_str(&format!(" PARTITIONS {}", names.len()));
        return clause;
    }
    let mut seen = HashSet::new();
    let parts: Vec<String> = rows
        .iter()
        .filter(|r| seen.insert(r.name.clone()))
        .map(|r| {
            let mut part = format!("PARTITION {}", quote_ident(&r.name));
            match (method, &r.description) {
                (m, Some(d)) if m.starts_with("RANGE") => {
                    if d == "MAXVALUE" {
                        part.push_str(" VALUES LESS THAN MAXVALUE");
                    } else {
                        part.push_str(&format!(" VALUES LESS THAN ({d})"));
                    }
                }
                (m, Some(d)) if m.starts_with("LIST") => {
                    if d == "DEFAULT" {
                        part.push_str(" DEFAULT");
                    } else {
                        part.push_str(&format!(" VALUES IN ({d})"));
                    }
                }
                _ => {}
            }
            if !r.comment.is_empty() {
                part.push_str(&format!(" COMMENT = {}", quote_literal(&r.comment)));
            }
            part
        })
        .collect();
    clause.push_str(&format!(" ({})", parts.join(", ")));
    clause
}

/// Views in an order in which each comes after the views its query names.
fn order_views(views: Vec<View>) -> Vec<View> {
    let names: Vec<String> = views.iter().map(|v| quote_ident(&v.name.name)).collect();
    let uses: Vec<Vec<usize>> = views
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let text = match &v.query {
                Expr::Raw { sql, .. } => sql.as_str(),
                _ => "",
            };
            names
                .iter()
                .enumerate()
                .filter(|(j, n)| *j != i && text.contains(n.as_str()))
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let all: Vec<usize> = (0..views.len()).collect();
    let order = dependency_order(&all, |i| uses[*i].clone());
    let mut slots: Vec<Option<View>> = views.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::{parenthesised, period_shape, string_literal, unqualified_head, without_definer};

    #[test]
    fn a_trigger_statement_loses_its_definer_and_keeps_the_rest_as_typed() {
        assert_eq!(
            without_definer(
                "CREATE DEFINER=`root`@`localhost` trigger t before insert on x for each row \
                 set new.a = 1"
            )
            .as_deref(),
            Some("CREATE trigger t before insert on x for each row set new.a = 1")
        );
        assert_eq!(
            without_definer(
                "CREATE DEFINER=`a``b@c`@`%` TRIGGER `t` AFTER DELETE ON `x` FOR EACH ROW DO 1"
            )
            .as_deref(),
            Some("CREATE TRIGGER `t` AFTER DELETE ON `x` FOR EACH ROW DO 1"),
            "a backquote and an @ inside the user name"
        );
        assert_eq!(
            without_definer(
                "CREATE DEFINER=`app_role` TRIGGER t BEFORE INSERT ON x FOR EACH ROW DO 1"
            )
            .as_deref(),
            Some("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW DO 1"),
            "a role has no host"
        );
        assert_eq!(
            without_definer("CREATE DEFINER=\"root\"@\"%\" TRIGGER \"t\" BEFORE INSERT ON \"x\" FOR EACH ROW DO 1")
                .as_deref(),
            Some("CREATE TRIGGER \"t\" BEFORE INSERT ON \"x\" FOR EACH ROW DO 1"),
            "under ANSI_QUOTES"
        );
        assert_eq!(
            without_definer("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW DO 1"),
            None
        );
        assert_eq!(without_definer("CREATE DEFINER=`unterminated"), None);
    }

    #[test]
    fn only_a_trigger_on_an_unqualified_table_keeps_its_typed_head() {
        assert!(unqualified_head(
            "create trigger t before insert on x for each row set new.a = 1"
        ));
        assert!(unqualified_head(
            "CREATE TRIGGER `a b` AFTER UPDATE ON `x``y` FOR EACH ROW DO 1"
        ));
        assert!(!unqualified_head(
            "CREATE TRIGGER t BEFORE INSERT ON src.x FOR EACH ROW DO 1"
        ));
        assert!(!unqualified_head(
            "CREATE TRIGGER t BEFORE INSERT ON `src` . `x` FOR EACH ROW DO 1"
        ));
        assert!(!unqualified_head(
            "CREATE TRIGGER src.t BEFORE INSERT ON x FOR EACH ROW DO 1"
        ));
    }

    #[test]
    fn a_check_is_read_to_its_closing_parenthesis_past_quotes_and_nesting() {
        assert_eq!(
            parenthesised("`a` <> ')' and (`b` > 0 or `c` = 'x''y)')) COMMENT 'z'"),
            Some("`a` <> ')' and (`b` > 0 or `c` = 'x''y)')")
        );
        assert_eq!(
            parenthesised("`a` = 'it\\'s )'),"),
            Some("`a` = 'it\\'s )'")
        );
        assert_eq!(parenthesised("`a` > (1"), None);
    }

    #[test]
    fn a_default_literal_ends_at_its_closing_quote() {
        assert_eq!(
            string_literal("'🎬 \\\\ ''x''' COMMENT 'c'"),
            Some("'🎬 \\\\ ''x'''")
        );
        assert_eq!(string_literal("'unterminated"), None);
    }

    #[test]
    fn only_a_comparison_of_two_columns_may_be_a_period() {
        assert_eq!(period_shape("`from` < `to`"), Some(("`from`", "`to`")));
        assert_eq!(period_shape("`lo` < 5"), None);
        assert_eq!(period_shape("`a` < `b` and `c` < `d`"), None);
    }
}
