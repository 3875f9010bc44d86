//! Set-based reflection: one catalog query per object kind, whatever the number of
//! tables. Each query returns its rows as JSON documents (`row_to_json`), read into the
//! private row structs below; nothing of the catalog's shape leaves this module.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{Array, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::check::run_parallel;
use schema_replicator_core::order::dependency_order;
use schema_replicator_core::{
    Alteration, CheckConstraint, Column, ColumnRef, DataType, Deferrable, Definition, Error,
    Exclusion, Expr, Extension, ForeignKey, Generated, Identity, Index, IndexKey, IndexTarget,
    MatchType, Namespace, ObjectKind, ObjectRef, Phase, Placement, PrimaryKey, QualifiedName,
    ReferentialAction, ReflectOptions, Result, Routine, RoutineKind, Schema, Sequence, Skipped,
    Table, TableOption, Trigger, UniqueConstraint, UserType, UserTypeKind, View,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::DIALECT;

const NAMESPACES_CTE: &str = include_str!("sql/namespaces_cte.sql");

/// One text column named `doc`: a row of every catalog query, and the few scalar
/// queries (server version, exported snapshot).
#[derive(QueryableByName)]
pub(crate) struct Doc {
    #[diesel(sql_type = Text)]
    pub(crate) doc: String,
}

/// The catalog queries, heaviest first (that is the order workers pick them up in).
const QUERIES: &[(&str, &str)] = &[
    ("columns", include_str!("sql/columns.sql")),
    ("constraints", include_str!("sql/constraints.sql")),
    ("indexes", include_str!("sql/indexes.sql")),
    ("sequences", include_str!("sql/sequences.sql")),
    ("tables", include_str!("sql/tables.sql")),
    ("skipped", include_str!("sql/skipped.sql")),
    ("types", include_str!("sql/types.sql")),
    ("routines", include_str!("sql/routines.sql")),
    ("triggers", include_str!("sql/triggers.sql")),
    ("views", include_str!("sql/views.sql")),
    ("schemas", include_str!("sql/namespaces.sql")),
    ("extensions", include_str!("sql/extensions.sql")),
    ("alterations", include_str!("sql/alterations.sql")),
    ("definitions", include_str!("sql/definitions.sql")),
    ("access", include_str!("sql/access.sql")),
];

/// A subscription's statement, as pg_dump writes it: not connected, its slot named,
/// its options (read through the row's JSON, as they differ between versions), then its
/// owner.
const SUBSCRIPTION: &str = "pg_catalog.format(\
    'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %s WITH (connect = false, slot_name = %s', \
    s.subname, s.subconninfo, \
    (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), ', ') \
     FROM pg_catalog.unnest(s.subpublications) p), \
    COALESCE(pg_catalog.quote_literal(s.subslotname), 'NONE')) \
    || CASE WHEN s.subbinary THEN ', binary = true' ELSE '' END \
    || CASE pg_catalog.to_jsonb(s) ->> 'substream' WHEN 'true' THEN ', streaming = on' \
            WHEN 't' THEN ', streaming = on' WHEN 'p' THEN ', streaming = parallel' ELSE '' END \
    || CASE WHEN COALESCE(pg_catalog.to_jsonb(s) ->> 'subtwophasestate', 'd') <> 'd' \
            THEN ', two_phase = on' ELSE '' END \
    || CASE WHEN pg_catalog.to_jsonb(s) ->> 'subdisableonerr' = 'true' \
            THEN ', disable_on_error = true' ELSE '' END \
    || CASE WHEN s.subsynccommit <> 'off' \
            THEN ', synchronous_commit = ' || pg_catalog.quote_literal(s.subsynccommit) ELSE '' END \
    || ')' \
    || pg_catalog.format(E';\\nALTER SUBSCRIPTION %I OWNER TO %I', s.subname, \
                         pg_catalog.pg_get_userbyid(s.subowner))";

/// Runs one catalog query with the namespace filter bound; each row is a JSON document.
fn fetch(
    conn: &mut PgConnection,
    what: &str,
    body: &str,
    schemas: &[String],
    major: u32,
    superuser: bool,
) -> Result<Vec<String>> {
    // Catalogs that only some versions have.
    let publication_schemas = if major >= 15 {
        "SELECT pn.pnnspid FROM pg_catalog.pg_publication_namespace pn WHERE pn.pnpubid = p.oid"
    } else {
        "SELECT NULL::oid WHERE false"
    };
    // What superusers alone may read: a subscription's connection string.
    let subscription = if superuser {
        SUBSCRIPTION
    } else {
        "NULL::text"
    };
    let body = body
        .replace("/*publication schemas*/", publication_schemas)
        .replace("/*subscription*/", subscription)
        .replace("/*superuser*/", if superuser { "true" } else { "false" });
    let sql = format!("{NAMESPACES_CTE}SELECT row_to_json(x)::text AS doc FROM (\n{body}\n) x");
    schema_replicator_core::trace::query(what, &sql);
    let docs: Vec<Doc> = diesel::sql_query(sql)
        .bind::<Array<Text>, _>(schemas)
        .load(conn)
        .map_err(|e| Error::Reflect {
            object: format!("the catalog ({what})"),
            reason: e.to_string(),
        })?;
    Ok(docs.into_iter().map(|d| d.doc).collect())
}

/// Every catalog query's rows, by query name. The queries run on `conns` in parallel,
/// all of them inside one exported snapshot, so they see one consistent catalog.
pub(crate) fn fetch_all(
    conns: &mut [PgConnection],
    schemas: &[String],
    major: u32,
    superuser: bool,
) -> Result<HashMap<&'static str, Vec<String>>> {
    let run = |conn: &mut PgConnection, (what, body): &(&str, &str)| {
        fetch(conn, what, body, schemas, major, superuser)
    };
    let rows = run_parallel(conns, QUERIES, &run)?;
    Ok(QUERIES.iter().map(|(what, _)| *what).zip(rows).collect())
}

/// Parses one query's rows.
fn parse<T: DeserializeOwned>(
    docs: &mut HashMap<&'static str, Vec<String>>,
    what: &str,
) -> Result<Vec<T>> {
    docs.remove(what)
        .unwrap_or_default()
        .iter()
        .map(|d| {
            serde_json::from_str(d).map_err(|e| Error::Reflect {
                object: format!("the catalog ({what})"),
                reason: format!("{e} in {d}"),
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct AlterationRow {
    rel: i64,
    index: Option<String>,
    clause: String,
    on_index: bool,
    tablespace: Option<String>,
}

#[derive(Deserialize)]
struct PartitionIndexRow {
    schema: String,
    table: String,
    name: String,
}

#[derive(Deserialize)]
struct NamespaceRow {
    name: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ExtensionRow {
    name: String,
    schema: String,
    version: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct CheckRow {
    name: String,
    definition: String,
    expr: Option<String>,
    comment: Option<String>,
    #[serde(default)]
    routines: Vec<i64>,
}

#[derive(Deserialize)]
struct AttributeRow {
    name: String,
    #[serde(rename = "type")]
    data_type: String,
    collation: Option<String>,
}

#[derive(Deserialize)]
struct TypeRow {
    oid: i64,
    schema: String,
    name: String,
    kind: String,
    comment: Option<String>,
    labels: Option<Vec<String>>,
    base: Option<String>,
    not_null: bool,
    default: Option<String>,
    collation: Option<String>,
    checks: Option<Vec<CheckRow>>,
    attributes: Option<Vec<AttributeRow>>,
    uses: Vec<i64>,
    objects: Vec<i64>,
    relations: Vec<i64>,
}

#[derive(Deserialize)]
struct AccessRow {
    kind: String,
    schema: Option<String>,
    label: String,
    definition: String,
    roles: Vec<String>,
    of_kind: Option<String>,
    of_schema: Option<String>,
    of_name: Option<String>,
    of_arguments: Option<String>,
}

#[derive(Deserialize)]
struct DefinitionRow {
    oid: i64,
    aliases: Vec<i64>,
    kind: String,
    schema: Option<String>,
    name: String,
    table_schema: Option<String>,
    table_name: Option<String>,
    phase: String,
    definition: String,
    comment: Option<String>,
    roles: Vec<String>,
    requires: Vec<i64>,
}

#[derive(Deserialize)]
struct SequenceRow {
    oid: i64,
    schema: String,
    name: String,
    data_type: String,
    start: i64,
    increment: i64,
    min_value: i64,
    max_value: i64,
    cache: i64,
    cycle: bool,
    comment: Option<String>,
    owner_schema: Option<String>,
    owner_table: Option<String>,
    owner_column: Option<String>,
    deptype: Option<String>,
}

#[derive(Deserialize)]
struct RoutineRow {
    oid: i64,
    uses: Vec<i64>,
    types: Vec<i64>,
    schema: String,
    name: String,
    kind: String,
    arguments: String,
    definition: Option<String>,
    comment: Option<String>,
    after_tables: bool,
    parallel: String,
    agg_kind: Option<String>,
    sfunc: Option<String>,
    stype: Option<String>,
    sspace: Option<i64>,
    finalfunc: Option<String>,
    finalfunc_extra: Option<bool>,
    finalfunc_modify: Option<String>,
    combinefunc: Option<String>,
    serialfunc: Option<String>,
    deserialfunc: Option<String>,
    initcond: Option<String>,
    sortop: Option<String>,
    msfunc: Option<String>,
    minvfunc: Option<String>,
    mstype: Option<String>,
    msspace: Option<i64>,
    mfinalfunc: Option<String>,
    mfinalfunc_extra: Option<bool>,
    mfinalfunc_modify: Option<String>,
    minitcond: Option<String>,
}

#[derive(Deserialize)]
struct ParentRow {
    schema: String,
    name: String,
}

#[derive(Deserialize)]
struct TableRow {
    oid: i64,
    schema: String,
    name: String,
    kind: String,
    persistence: String,
    comment: Option<String>,
    partition_key: Option<String>,
    is_partition: bool,
    bound: Option<String>,
    parents: Vec<ParentRow>,
    parameters: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct ColumnRow {
    rel: i64,
    num: i32,
    name: String,
    #[serde(rename = "type")]
    data_type: String,
    not_null: bool,
    default: Option<String>,
    identity: String,
    generated: String,
    collation: Option<String>,
    comment: Option<String>,
    local: bool,
}

#[derive(Deserialize)]
struct ConstraintRow {
    rel: i64,
    name: String,
    kind: String,
    definition: String,
    keys: Option<Vec<i32>>,
    ref_schema: Option<String>,
    ref_table: Option<String>,
    ref_rel: i64,
    ref_keys: Option<Vec<i32>>,
    foreign_ref_columns: Option<Vec<String>>,
    on_update: String,
    on_delete: String,
    match_type: String,
    deferrable: bool,
    deferred: bool,
    expr: Option<String>,
    index_definition: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct IndexRow {
    partitions: Option<Vec<PartitionIndexRow>>,
    rel: i64,
    name: String,
    unique: bool,
    valid: bool,
    definition: String,
    prefix: String,
    keys: Vec<i32>,
    expressions: Option<Vec<String>>,
    predicate: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct TriggerRow {
    schema: String,
    table: String,
    name: String,
    definition: String,
    comment: Option<String>,
    enabled: String,
}

#[derive(Deserialize)]
struct ViewRow {
    oid: i64,
    schema: String,
    name: String,
    materialized: bool,
    query: String,
    options: Option<Vec<String>>,
    tablespaces: Vec<Placement>,
    comment: Option<String>,
    uses: Vec<i64>,
}

#[derive(Deserialize)]
struct SkippedRow {
    kind: String,
    name: String,
    reason: String,
}

fn raw(sql: impl Into<String>) -> Expr {
    Expr::raw(DIALECT, sql)
}

fn qualified(schema: &str, name: &str) -> QualifiedName {
    QualifiedName {
        schema: Some(schema.to_owned()),
        name: name.to_owned(),
    }
}

/// Identity sequences, by the `(schema, table, column)` whose values they hand out.
type IdentitySequences = HashMap<(String, String, String), Sequence>;

/// Column names, by `(relation oid, column number)`.
type ColumnNames = HashMap<(i64, i32), String>;

/// The column rows of each table or view, by its oid.
type ColumnsByRel = HashMap<i64, Vec<ColumnRow>>;

/// The parents (partitioned or inherited) of each table, by its oid.
type Parents = HashMap<i64, Vec<QualifiedName>>;

/// The rows of the catalog queries about tables and what hangs off them (columns,
/// constraints, indexes, triggers), views, and the objects not replicated.
struct RelationRows {
    tables: Vec<TableRow>,
    alterations: Vec<AlterationRow>,
    columns: Vec<ColumnRow>,
    constraints: Vec<ConstraintRow>,
    indexes: Vec<IndexRow>,
    triggers: Vec<TriggerRow>,
    views: Vec<ViewRow>,
    skipped: Vec<SkippedRow>,
}

/// Reads the whole schema in a fixed number of queries, spread over `conns` (which
/// share one snapshot).
pub(crate) fn reflect(conns: &mut [PgConnection], options: &ReflectOptions) -> Result<Schema> {
    let schemas = &options.schemas;
    let (server_version, superuser) = server_version(&mut conns[0])?;
    let mut schema = Schema::new(DIALECT);
    schema.server_version = server_version;
    // `PostgreSQL 15.14 (Debian ...) on ...`: the major version.
    let major = schema
        .server_version
        .as_deref()
        .and_then(|v| v.split_whitespace().nth(1))
        .and_then(|v| v.split(['.', 'b', 'r']).next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut docs = fetch_all(conns, schemas, major, superuser)?;
    let states = sequence_states(&mut conns[0], &docs)?;

    add_namespaces(&mut schema, &mut docs, schemas)?;
    add_extensions(&mut schema, &mut docs)?;
    let mut links = Links::default();
    schema.types = order_types(parse(&mut docs, "types")?, &mut links)?;
    let mut identity_sequences = add_sequences(&mut schema, &mut docs, &states, &mut links)?;
    add_routines(&mut schema, &mut docs, &mut links)?;
    add_definitions(&mut schema, &mut docs, &mut links)?;
    add_access(&mut schema, &mut docs)?;
    links.apply(&mut schema);

    let rows = parse_relation_rows(&mut docs)?;
    let (names, mut columns_by_rel) = index_columns(rows.columns);
    let (mut tables, parents) = tables(rows.tables, &mut columns_by_rel, &mut identity_sequences)?;
    add_constraints(&mut tables, rows.constraints, &names);
    let view_indexes = add_indexes(&mut schema, &mut tables, rows.indexes, &names)?;
    add_alterations(&mut tables, rows.alterations);
    add_tables(&mut schema, tables, &parents);
    add_views(&mut schema, rows.views, columns_by_rel, view_indexes);
    add_triggers(&mut schema, rows.triggers);
    add_skipped(&mut schema, rows.skipped);
    Ok(schema)
}

/// The server's version string and whether the reflecting role is a superuser.
#[derive(QueryableByName)]
struct Server {
    #[diesel(sql_type = Text)]
    doc: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    superuser: bool,
}

/// Reads the server's version string, and whether the role may read what only
/// superusers may (one query, on `conn`).
fn server_version(conn: &mut PgConnection) -> Result<(Option<String>, bool)> {
    let server: Vec<Server> = diesel::sql_query(
        "SELECT pg_catalog.version() AS doc, r.rolsuper AS superuser \
         FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
    )
    .load(conn)
    .map_err(|e| Error::Reflect {
        object: "the server version".into(),
        reason: e.to_string(),
    })?;
    Ok(server
        .into_iter()
        .next()
        .map_or((None, false), |s| (Some(s.doc), s.superuser)))
}

/// Adds the schemas (namespaces) but `public`, by name; fails on a requested schema the
/// database does not have.
fn add_namespaces(
    schema: &mut Schema,
    docs: &mut HashMap<&'static str, Vec<String>>,
    schemas: &[String],
) -> Result<()> {
    let namespaces: Vec<NamespaceRow> = parse(docs, "schemas")?;
    let found: HashSet<&str> = namespaces.iter().map(|n| n.name.as_str()).collect();
    if let Some(missing) = schemas.iter().find(|s| !found.contains(s.as_str())) {
        return Err(Error::Reflect {
            object: format!("schema {}", schema_replicator_core::quoted(missing)),
            reason: "no such schema in the database".into(),
        });
    }
    for n in namespaces {
        // `public` exists in every new database; the target keeps its own.
        if n.name != "public" {
            schema.namespaces.push(Namespace {
                name: n.name,
                comment: n.comment,
            });
        }
    }
    schema.namespaces.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// Adds the extensions, by name.
fn add_extensions(
    schema: &mut Schema,
    docs: &mut HashMap<&'static str, Vec<String>>,
) -> Result<()> {
    let mut extensions: Vec<ExtensionRow> = parse(docs, "extensions")?;
    extensions.sort_by(|a, b| a.name.cmp(&b.name));
    schema.extensions = extensions
        .into_iter()
        .map(|e| Extension {
            name: e.name,
            schema: e.schema,
            version: e.version,
            comment: e.comment,
        })
        .collect();
    Ok(())
}

/// Sequences whose last value one statement reads: reading a sequence's state locks it
/// until the transaction ends, and the server's lock table (`max_locks_per_transaction`
/// × connections: 6,400 by default) cannot hold the locks of every sequence of a large
/// schema (20,000 tables with a serial column each: `out of shared memory`).
const STATES_PER_QUERY: usize = 1000;

#[derive(QueryableByName)]
struct SequenceState {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    oid: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    last_value: Option<i64>,
}

#[derive(Deserialize)]
struct SequenceOid {
    oid: i64,
}

/// The last value each sequence of the `sequences` rows handed out (none for one that
/// never did), by oid. A sequence's state is not transactional, so it is read after the
/// snapshot's transaction on `conn` ends, [`STATES_PER_QUERY`] sequences a statement,
/// each statement its own transaction that releases its locks: one query for schemas
/// of up to that many sequences.
fn sequence_states(
    conn: &mut PgConnection,
    docs: &HashMap<&'static str, Vec<String>>,
) -> Result<HashMap<i64, i64>> {
    let oids: Vec<i64> = docs
        .get("sequences")
        .into_iter()
        .flatten()
        .map(|d| serde_json::from_str::<SequenceOid>(d).map(|s| s.oid))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Reflect {
            object: "the catalog (sequences)".into(),
            reason: e.to_string(),
        })?;
    if oids.is_empty() {
        return Ok(HashMap::new());
    }
    let failed = |e: diesel::result::Error| Error::Reflect {
        object: "the catalog (sequence states)".into(),
        reason: e.to_string(),
    };
    conn.batch_execute("COMMIT").map_err(failed)?;
    let sql = "SELECT c.oid::int8 AS oid, pg_catalog.pg_sequence_last_value(c.oid) AS last_value \
               FROM pg_catalog.pg_class c WHERE c.oid::int8 = ANY($1)";
    let mut states = HashMap::new();
    for chunk in oids.chunks(STATES_PER_QUERY) {
        schema_replicator_core::trace::query("sequence states", sql);
        let rows: Vec<SequenceState> = diesel::sql_query(sql)
            .bind::<Array<diesel::sql_types::BigInt>, _>(chunk)
            .load(conn)
            .map_err(failed)?;
        states.extend(
            rows.into_iter()
                .filter_map(|r| Some((r.oid, r.last_value?))),
        );
    }
    Ok(states)
}

/// Adds the sequences, by name, but for those of identity columns, which are returned
/// for their columns instead.
fn add_sequences(
    schema: &mut Schema,
    docs: &mut HashMap<&'static str, Vec<String>>,
    states: &HashMap<i64, i64>,
    links: &mut Links,
) -> Result<IdentitySequences> {
    let sequences: Vec<SequenceRow> = parse(docs, "sequences")?;
    let mut identity_sequences: IdentitySequences = HashMap::new();
    for s in sequences {
        let owner = match (&s.owner_schema, &s.owner_table, &s.owner_column) {
            (Some(schema), Some(table), Some(column)) => Some(ColumnRef {
                table: qualified(schema, table),
                column: column.clone(),
            }),
            _ => None,
        };
        let identity = s.deptype.as_deref() == Some("i");
        let sequence = Sequence {
            options: Default::default(),
            name: qualified(&s.schema, &s.name),
            data_type: s.data_type,
            start: s.start,
            increment: s.increment,
            min_value: s.min_value,
            max_value: s.max_value,
            cache: s.cache,
            cycle: s.cycle,
            last_value: states.get(&s.oid).copied(),
            owned_by: if identity { None } else { owner.clone() },
            comment: s.comment,
        };
        match (identity, owner) {
            (true, Some(owner)) => {
                identity_sequences.insert(
                    (
                        owner.table.schema.clone().unwrap_or_default(),
                        owner.table.name,
                        owner.column,
                    ),
                    sequence,
                );
            }
            _ => {
                links.refer(s.oid, ObjectKind::Sequence, &sequence.name, None);
                schema.sequences.push(sequence)
            }
        }
    }
    schema.sequences.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(identity_sequences)
}

/// Adds the routines, each after the routines it uses (an aggregate's functions, the
/// routines a SQL-standard body calls), otherwise by name; those that cannot be
/// replicated are recorded as skipped.
fn add_routines(
    schema: &mut Schema,
    docs: &mut HashMap<&'static str, Vec<String>>,
    links: &mut Links,
) -> Result<()> {
    let mut routines: Vec<RoutineRow> = parse(docs, "routines")?;
    routines.sort_by(|a, b| {
        (&a.schema, &a.name, &a.arguments).cmp(&(&b.schema, &b.name, &b.arguments))
    });
    let order: Vec<i64> = routines.iter().map(|r| r.oid).collect();
    let uses: HashMap<i64, Vec<i64>> = routines.iter().map(|r| (r.oid, r.uses.clone())).collect();
    let mut by_oid: HashMap<i64, RoutineRow> = routines.into_iter().map(|r| (r.oid, r)).collect();
    for oid in dependency_order(&order, |oid| uses.get(oid).cloned().unwrap_or_default()) {
        let Some(r) = by_oid.remove(&oid) else {
            continue;
        };
        let needs = [r.uses.clone(), r.types.clone()].concat();
        match routine(r) {
            Ok(routine) => {
                let name = &routine.name;
                links.refer(oid, ObjectKind::Routine, name, Some(&routine.arguments));
                links.routines.push(needs);
                schema.routines.push(routine)
            }
            Err(skipped) => schema.skipped.push(skipped),
        }
    }
    Ok(())
}

/// Parses the rows of the remaining queries, in this order.
fn parse_relation_rows(docs: &mut HashMap<&'static str, Vec<String>>) -> Result<RelationRows> {
    Ok(RelationRows {
        tables: parse(docs, "tables")?,
        alterations: parse(docs, "alterations")?,
        columns: parse(docs, "columns")?,
        constraints: parse(docs, "constraints")?,
        indexes: parse(docs, "indexes")?,
        triggers: parse(docs, "triggers")?,
        views: parse(docs, "views")?,
        skipped: parse(docs, "skipped")?,
    })
}

/// Indexes the columns of tables and views: each column's name by `(relation, number)`,
/// and each relation's column rows.
fn index_columns(columns: Vec<ColumnRow>) -> (ColumnNames, ColumnsByRel) {
    let names: ColumnNames = columns
        .iter()
        .map(|c| ((c.rel, c.num), c.name.clone()))
        .collect();
    let mut columns_by_rel: ColumnsByRel = HashMap::new();
    for c in columns {
        columns_by_rel.entry(c.rel).or_default().push(c);
    }
    (names, columns_by_rel)
}

/// Builds the tables, by oid, with their options and columns (taken out of
/// `columns_by_rel`; an identity column takes its sequence out of `identity_sequences`),
/// and the parents (partitioned or inherited) of each.
fn tables(
    rows: Vec<TableRow>,
    columns_by_rel: &mut ColumnsByRel,
    identity_sequences: &mut IdentitySequences,
) -> Result<(BTreeMap<i64, Table>, Parents)> {
    let mut tables: BTreeMap<i64, Table> = BTreeMap::new();
    let mut parents: Parents = HashMap::new();
    for t in rows {
        let oid = t.oid;
        let parent_names: Vec<QualifiedName> = t
            .parents
            .iter()
            .map(|p| qualified(&p.schema, &p.name))
            .collect();
        let mut cols = columns_by_rel.remove(&oid).unwrap_or_default();
        cols.sort_by_key(|c| c.num);
        let columns: Vec<Column> = cols
            .into_iter()
            .map(|c| {
                let key = (t.schema.clone(), t.name.clone(), c.name.clone());
                column(c, identity_sequences.remove(&key))
            })
            .collect();
        let mut table = table(t, &parent_names)?;
        table.columns = columns;
        parents.insert(oid, parent_names);
        tables.insert(oid, table);
    }
    Ok((tables, parents))
}

/// Builds one table, without columns yet, with its options: `UNLOGGED`, the parent and
/// bound of a partition or the tables it inherits from, its partition key, its storage
/// parameters.
fn table(t: TableRow, parent_names: &[QualifiedName]) -> Result<Table> {
    let name = qualified(&t.schema, &t.name);
    let mut table = Table {
        comment: t.comment,
        ..Table::new(name.clone())
    };
    if t.persistence == "u" {
        table.options.push(TableOption::Unlogged);
    }
    if t.is_partition {
        let parent = parent_names
            .first()
            .cloned()
            .ok_or_else(|| Error::Reflect {
                object: format!("table {name}"),
                reason: "a partition without a parent".into(),
            })?;
        table.options.push(TableOption::PartitionOf {
            parent,
            bound: t.bound.unwrap_or_default(),
        });
    } else if !parent_names.is_empty() {
        table
            .options
            .push(TableOption::Inherits(parent_names.to_vec()));
    }
    if t.kind == "p" {
        table.options.push(TableOption::PartitionBy(
            t.partition_key.unwrap_or_default(),
        ));
    }
    if let Some(parameters) = t.parameters.filter(|p| !p.is_empty()) {
        table.options.push(TableOption::Parameters(parameters));
    }
    Ok(table)
}

/// Adds the constraints (primary keys, unique, check, exclusion and foreign keys) to
/// their tables, each kind by name.
fn add_constraints(
    tables: &mut BTreeMap<i64, Table>,
    constraints: Vec<ConstraintRow>,
    names: &ColumnNames,
) {
    for c in constraints {
        let Some(table) = tables.get_mut(&c.rel) else {
            continue;
        };
        add_constraint(table, c, names);
    }
    for table in tables.values_mut() {
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        table.unique_constraints.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Adds the indexes to their tables, by name, and returns those of materialized views,
/// by view oid; an invalid index is recorded as skipped.
fn add_indexes(
    schema: &mut Schema,
    tables: &mut BTreeMap<i64, Table>,
    indexes: Vec<IndexRow>,
    names: &ColumnNames,
) -> Result<HashMap<i64, Vec<Index>>> {
    let mut view_indexes: HashMap<i64, Vec<Index>> = HashMap::new();
    for i in indexes {
        let owner = tables
            .get(&i.rel)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| QualifiedName::bare(i.rel.to_string()));
        if !i.valid {
            schema.skipped.push(Skipped {
                kind: "index".into(),
                name: i.name.clone(),
                reason: format!(
                    "on {owner}: an invalid index (left by a failed CREATE INDEX CONCURRENTLY) \
                     is not replicated"
                ),
            });
            continue;
        }
        let rel = i.rel;
        let index = index(i, names)?;
        match tables.get_mut(&rel) {
            Some(table) => table.indexes.push(index),
            None => view_indexes.entry(rel).or_default().push(index),
        }
    }
    for table in tables.values_mut() {
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(view_indexes)
}

/// Adds each table's settings (statistics targets, storage, compression, column
/// options, replica identity, `CLUSTER ON`, index column statistics), sorted.
fn add_alterations(tables: &mut BTreeMap<i64, Table>, rows: Vec<AlterationRow>) {
    for row in rows {
        let Some(table) = tables.get_mut(&row.rel) else {
            continue;
        };
        if let Some(tablespace) = row.tablespace {
            table.tablespaces.push(Placement {
                index: row.index,
                tablespace,
            });
        } else {
            table.alterations.push(Alteration {
                index: row.index,
                on_index: row.on_index,
                clause: row.clause,
            });
        }
    }
    for table in tables.values_mut() {
        table.alterations.sort();
        table.tablespaces.sort();
    }
}

/// Adds the tables, parents before children (partitions and inheritance), otherwise by
/// name.
fn add_tables(schema: &mut Schema, mut tables: BTreeMap<i64, Table>, parents: &Parents) {
    let by_name: HashMap<QualifiedName, i64> = tables
        .iter()
        .map(|(oid, t)| (t.name.clone(), *oid))
        .collect();
    let mut order: Vec<i64> = tables.keys().copied().collect();
    order.sort_by(|a, b| tables[a].name.cmp(&tables[b].name));
    let deps = |oid: &i64| -> Vec<i64> {
        parents
            .get(oid)
            .map(|ps| ps.iter().filter_map(|p| by_name.get(p).copied()).collect())
            .unwrap_or_default()
    };
    for oid in dependency_order(&order, deps) {
        if let Some(table) = tables.remove(&oid) {
            schema.tables.push(table);
        }
    }
}

/// Adds the views and materialized views, each after the views it reads, otherwise by
/// name, with their column comments (from `columns_by_rel`) and indexes.
fn add_views(
    schema: &mut Schema,
    views: Vec<ViewRow>,
    mut columns_by_rel: ColumnsByRel,
    mut view_indexes: HashMap<i64, Vec<Index>>,
) {
    let view_oids: Vec<i64> = {
        let mut v: Vec<&ViewRow> = views.iter().collect();
        v.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        v.iter().map(|v| v.oid).collect()
    };
    let view_uses: HashMap<i64, Vec<i64>> = views.iter().map(|v| (v.oid, v.uses.clone())).collect();
    let mut views_by_oid: HashMap<i64, ViewRow> = views.into_iter().map(|v| (v.oid, v)).collect();
    for oid in dependency_order(&view_oids, |oid| {
        view_uses.get(oid).cloned().unwrap_or_default()
    }) {
        let Some(v) = views_by_oid.remove(&oid) else {
            continue;
        };
        let mut column_comments: Vec<(String, String)> = columns_by_rel
            .remove(&oid)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.comment.map(|comment| (c.name, comment)))
            .collect();
        column_comments.sort();
        let mut indexes = view_indexes.remove(&oid).unwrap_or_default();
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let query = v.query.trim_end().trim_end_matches(';').to_owned();
        let mut tablespaces = v.tablespaces;
        tablespaces.sort();
        schema.views.push(View {
            tablespaces,
            definer: None,
            name: qualified(&v.schema, &v.name),
            columns: Vec::new(),
            query: raw(query),
            materialized: v.materialized,
            options: v.options.unwrap_or_default(),
            indexes,
            column_comments,
            comment: v.comment,
        });
    }
}

/// Adds the triggers, by table and name, each with its state when it is not the default
/// (`enabled`: `D` disabled, `R` replica, `A` always).
fn add_triggers(schema: &mut Schema, triggers: Vec<TriggerRow>) {
    let mut triggers = triggers;
    triggers.sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
    for t in triggers {
        let table = qualified(&t.schema, &t.table);
        let settings = if t.enabled == "O" {
            Vec::new()
        } else {
            vec![("enabled".to_owned(), t.enabled.clone())]
        };
        schema.triggers.push(Trigger {
            definer: None,
            settings,
            name: qualified(&t.schema, &t.name),
            table,
            definition: raw(t.definition),
            comment: t.comment,
        });
    }
}

/// Records the objects the catalog reports as not replicated, sorted, after the others.
/// Adds the objects kept as their statement (rules, policies, row-level security,
/// extended statistics, collations), by phase, kind, table and name.
fn add_definitions(
    schema: &mut Schema,
    docs: &mut HashMap<&'static str, Vec<String>>,
    links: &mut Links,
) -> Result<()> {
    let mut rows: Vec<DefinitionRow> = parse(docs, "definitions")?;
    rows.sort_by(|a, b| {
        (
            &a.phase,
            &a.kind,
            &a.table_schema,
            &a.table_name,
            &a.schema,
            &a.name,
        )
            .cmp(&(
                &b.phase,
                &b.kind,
                &b.table_schema,
                &b.table_name,
                &b.schema,
                &b.name,
            ))
    });
    for row in rows {
        let name = QualifiedName {
            schema: row.schema.clone(),
            name: row.name.clone(),
        };
        let (kind, phase) = match (row.kind.as_str(), row.phase.as_str()) {
            ("rule", _) => (ObjectKind::Rule, Phase::Seal),
            ("policy", _) => (ObjectKind::Policy, Phase::Seal),
            ("row_security", _) => (ObjectKind::RowSecurity, Phase::Seal),
            ("statistics", _) => (ObjectKind::Statistics, Phase::Seal),
            ("collation", _) => (ObjectKind::Collation, Phase::Pre),
            ("range_type", _) => (ObjectKind::RangeType, Phase::Pre),
            ("shell_type", _) => (ObjectKind::ShellType, Phase::Pre),
            ("base_type", _) => (ObjectKind::BaseType, Phase::Pre),
            ("operator", _) => (ObjectKind::Operator, Phase::Pre),
            ("cast", _) => (ObjectKind::Cast, Phase::Pre),
            ("operator_family", _) => (ObjectKind::OperatorFamily, Phase::Pre),
            ("operator_class", _) => (ObjectKind::OperatorClass, Phase::Pre),
            ("text_search_dictionary", _) => (ObjectKind::TextSearchDictionary, Phase::Pre),
            ("text_search_configuration", _) => (ObjectKind::TextSearchConfiguration, Phase::Pre),
            ("text_search_parser", _) => (ObjectKind::TextSearchParser, Phase::Pre),
            ("text_search_template", _) => (ObjectKind::TextSearchTemplate, Phase::Pre),
            ("comment", _) => (ObjectKind::Comment, Phase::Pre),
            ("conversion", _) => (ObjectKind::Conversion, Phase::Pre),
            ("access_method", _) => (ObjectKind::AccessMethod, Phase::Pre),
            ("language", _) => (ObjectKind::Language, Phase::Pre),
            ("transform", _) => (ObjectKind::Transform, Phase::Pre),
            ("foreign_data_wrapper", _) => (ObjectKind::ForeignDataWrapper, Phase::Pre),
            ("foreign_server", _) => (ObjectKind::ForeignServer, Phase::Pre),
            ("user_mapping", _) => (ObjectKind::UserMapping, Phase::Pre),
            ("foreign_table", _) => (ObjectKind::ForeignTable, Phase::Base),
            ("event_trigger", _) => (ObjectKind::EventTrigger, Phase::Seal),
            ("partition_key_names", _) => (ObjectKind::PartitionKeyNames, Phase::Seal),
            ("subscription", _) => (ObjectKind::Subscription, Phase::Seal),
            ("publication", _) => (ObjectKind::Publication, Phase::Seal),
            (other, _) => {
                return Err(Error::Reflect {
                    object: format!("{other} {name}"),
                    reason: format!("unexpected object kind `{other}`"),
                })
            }
        };
        let table = match (&row.table_schema, &row.table_name) {
            (Some(schema), Some(table)) => Some(qualified(schema, table)),
            _ => None,
        };
        // What other objects may name: the definition's own id and its aliases (a
        // range type's multirange). A base type's id names the type (its shell has the
        // same id: routines are pointed at the shell when links are applied).
        if kind != ObjectKind::ShellType {
            for oid in std::iter::once(row.oid).chain(row.aliases) {
                links.refer(oid, kind, &name, None);
            }
        }
        links.definitions.push(row.requires);
        let (name, of, definition) = if kind == ObjectKind::PartitionKeyNames {
            partition_key_names(&name, table.as_ref(), &row.definition)?
        } else {
            (name, None, row.definition)
        };
        schema.definitions.push(Definition {
            kind,
            name,
            table,
            of,
            phase,
            definition: raw(definition),
            requires: Vec::new(),
            roles: row.roles,
            comment: row.comment,
        });
    }
    Ok(())
}

/// Adds owners, privileges and default privileges, each named by the object it is of,
/// in the order of their kinds and then of those names.
fn add_access(schema: &mut Schema, docs: &mut HashMap<&'static str, Vec<String>>) -> Result<()> {
    let mut rows: Vec<AccessRow> = parse(docs, "access")?;
    rows.sort_by(|a, b| (&a.kind, &a.schema, &a.label).cmp(&(&b.kind, &b.schema, &b.label)));
    for row in rows {
        let kind = match row.kind.as_str() {
            "owner" => ObjectKind::Owner,
            "privileges" => ObjectKind::Privileges,
            "default_privileges" => ObjectKind::DefaultPrivileges,
            other => {
                return Err(Error::Reflect {
                    object: row.label,
                    reason: format!("unexpected kind of access `{other}`"),
                })
            }
        };
        let of_kind = match row.of_kind.as_deref() {
            Some("namespace") => Some(ObjectKind::Namespace),
            Some("type") => Some(ObjectKind::Type),
            Some("routine") => Some(ObjectKind::Routine),
            Some("table") => Some(ObjectKind::Table),
            Some("view") => Some(ObjectKind::View),
            Some("sequence") => Some(ObjectKind::Sequence),
            Some("collation") => Some(ObjectKind::Collation),
            Some("statistics") => Some(ObjectKind::Statistics),
            Some("operator") => Some(ObjectKind::Operator),
            Some("text_search_dictionary") => Some(ObjectKind::TextSearchDictionary),
            Some("text_search_configuration") => Some(ObjectKind::TextSearchConfiguration),
            Some("publication") => Some(ObjectKind::Publication),
            Some("foreign_table") => Some(ObjectKind::ForeignTable),
            Some("operator_family") => Some(ObjectKind::OperatorFamily),
            Some("conversion") => Some(ObjectKind::Conversion),
            Some("language") => Some(ObjectKind::Language),
            Some("operator_class") => Some(ObjectKind::OperatorClass),
            Some("foreign_data_wrapper") => Some(ObjectKind::ForeignDataWrapper),
            Some("foreign_server") => Some(ObjectKind::ForeignServer),
            _ => None,
        };
        let of = of_kind.zip(row.of_name).map(|(kind, name)| ObjectRef {
            kind,
            name: QualifiedName {
                schema: row.of_schema,
                name,
            },
            arguments: row.of_arguments,
        });
        schema.definitions.push(Definition {
            kind,
            name: QualifiedName {
                schema: row.schema,
                name: row.label,
            },
            table: None,
            of,
            phase: Phase::Seal,
            definition: raw(row.definition),
            requires: Vec::new(),
            roles: row.roles,
            comment: None,
        });
    }
    Ok(())
}

/// The renames that give the constraints a partitioned table's key `constraint` makes
/// on its partitions the source's names; `pairs` is the JSON list of `[schema,
/// partition, name]`. Named by the key, of the partitioned table.
fn partition_key_names(
    constraint: &QualifiedName,
    table: Option<&QualifiedName>,
    pairs: &str,
) -> Result<(QualifiedName, Option<ObjectRef>, String)> {
    let table = table.cloned().unwrap_or_else(|| constraint.clone());
    let rows: Vec<(String, String, String)> =
        serde_json::from_str(pairs).map_err(|e| Error::Reflect {
            object: format!(
                "constraint {} on table {table}",
                schema_replicator_core::quoted(&constraint.name)
            ),
            reason: format!("the names of its partitions' constraints: {e}"),
        })?;
    let wanted: Vec<(QualifiedName, String)> = rows
        .into_iter()
        .map(|(schema, partition, name)| (qualified(&schema, &partition), name))
        .collect();
    let parent_index = QualifiedName {
        schema: table.schema.clone(),
        name: constraint.name.clone(),
    };
    let label = format!(
        "constraint {} on table {table}",
        schema_replicator_core::quoted(&constraint.name)
    );
    let of = ObjectRef {
        kind: ObjectKind::Table,
        name: table.clone(),
        arguments: None,
    };
    let sql = crate::render::partition_index_renames(&parent_index, &wanted);
    Ok((
        QualifiedName {
            schema: table.schema.clone(),
            name: label,
        },
        Some(of),
        sql,
    ))
}

fn add_skipped(schema: &mut Schema, skipped: Vec<SkippedRow>) {
    let mut skipped = skipped;
    skipped.sort_by(|a, b| (&a.kind, &a.name, &a.reason).cmp(&(&b.kind, &b.name, &b.reason)));
    schema.skipped.extend(skipped.into_iter().map(|s| Skipped {
        kind: s.kind,
        name: s.name,
        reason: s.reason,
    }));
}

/// How other objects name a type.
fn type_ref(name: &QualifiedName) -> ObjectRef {
    ObjectRef {
        kind: ObjectKind::Type,
        name: name.clone(),
        arguments: None,
    }
}

/// What the types and routines of a schema depend on, by object id (`pg_depend`),
/// gathered while they are read and turned into [`ObjectRef`]s once all are known.
#[derive(Default)]
struct Links {
    /// Every type, sequence and routine read so far, by object id.
    refs: HashMap<i64, ObjectRef>,
    /// The object ids each type of `Schema::types` depends on, in the same order.
    types: Vec<Vec<i64>>,
    /// The object ids each routine of `Schema::routines` depends on, in the same order.
    routines: Vec<Vec<i64>>,
    /// The object ids each of `Schema::definitions` depends on, in the same order.
    definitions: Vec<Vec<i64>>,
    /// For each type of `Schema::types`, the routines each of its checks calls.
    checks: Vec<Vec<Vec<i64>>>,
}

impl Links {
    fn refer(&mut self, oid: i64, kind: ObjectKind, name: &QualifiedName, arguments: Option<&str>) {
        let reference = ObjectRef {
            kind,
            name: name.clone(),
            arguments: arguments.map(str::to_owned),
        };
        self.refs.insert(oid, reference);
    }

    /// The objects of `oids` that the schema holds, other than `own`, sorted.
    fn resolve(&self, own: &ObjectRef, oids: &[i64]) -> Vec<ObjectRef> {
        let mut refs: Vec<ObjectRef> = oids
            .iter()
            .filter_map(|oid| self.refs.get(oid))
            .filter(|r| *r != own)
            .cloned()
            .collect();
        refs.sort();
        refs.dedup();
        refs
    }

    /// A domain whose check calls a routine that needs the domain (its signature uses
    /// it) cannot be created whole before or after the routine: such checks are added
    /// to the domain once the routine exists (`ALTER DOMAIN ... ADD CONSTRAINT`), as
    /// `pg_dump` breaks the cycle.
    fn split_domain_cycles(&self, schema: &mut Schema) {
        let mut needs: HashMap<ObjectRef, Vec<ObjectRef>> = HashMap::new();
        for ty in &schema.types {
            needs.insert(type_ref(&ty.name), ty.requires.clone());
        }
        for r in &schema.routines {
            let own = ObjectRef {
                kind: ObjectKind::Routine,
                name: r.name.clone(),
                arguments: Some(r.arguments.clone()),
            };
            needs.insert(own, r.requires.clone());
        }
        // Whether `from` needs `target`, directly or through what it needs.
        let reaches = |from: &ObjectRef, target: &ObjectRef| {
            let mut seen: std::collections::HashSet<&ObjectRef> = Default::default();
            let mut stack = vec![from];
            while let Some(at) = stack.pop() {
                if at == target {
                    return true;
                }
                if seen.insert(at) {
                    stack.extend(needs.get(at).into_iter().flatten());
                }
            }
            false
        };
        let mut split = Vec::new();
        for (ty, checks) in schema.types.iter_mut().zip(&self.checks) {
            let own = type_ref(&ty.name);
            let cyclic: Vec<ObjectRef> = ty
                .requires
                .iter()
                .filter(|r| r.kind == ObjectKind::Routine && reaches(r, &own))
                .cloned()
                .collect();
            if cyclic.is_empty() {
                continue;
            }
            let UserTypeKind::Domain {
                checks: domain_checks,
                ..
            } = &mut ty.kind
            else {
                continue;
            };
            let mut kept = Vec::new();
            for (check, oids) in std::mem::take(domain_checks).into_iter().zip(checks) {
                let calls: Vec<ObjectRef> = oids
                    .iter()
                    .filter_map(|oid| self.refs.get(oid))
                    .filter(|r| cyclic.contains(r))
                    .cloned()
                    .collect();
                if calls.is_empty() {
                    kept.push(check);
                    continue;
                }
                let constraint = check.name.clone().unwrap_or_default();
                let text = match &check.definition {
                    Some(Expr::Raw { sql, .. }) => sql.clone(),
                    _ => String::new(),
                };
                let mut requires = calls;
                requires.push(own.clone());
                split.push(Definition {
                    kind: ObjectKind::DomainConstraint,
                    name: QualifiedName {
                        schema: ty.name.schema.clone(),
                        name: format!("{}.{constraint}", ty.name.name),
                    },
                    table: None,
                    of: Some(own.clone()),
                    phase: Phase::Pre,
                    definition: raw(format!(
                        "ALTER DOMAIN {}.{} ADD CONSTRAINT {} {text}",
                        crate::quote_ident(ty.name.schema.as_deref().unwrap_or("public")),
                        crate::quote_ident(&ty.name.name),
                        crate::quote_ident(&constraint)
                    )),
                    requires,
                    roles: Vec::new(),
                    comment: check.comment.clone(),
                });
            }
            *domain_checks = kept;
            ty.requires.retain(|r| !cyclic.contains(r));
        }
        schema.definitions.extend(split);
    }

    /// Sets each type's and routine's [`requires`](UserType::requires), and moves into
    /// the seal (`after_tables`) the routines that call a routine that needs the tables.
    fn apply(self, schema: &mut Schema) {
        for (ty, oids) in schema.types.iter_mut().zip(&self.types) {
            let own = ObjectRef {
                kind: ObjectKind::Type,
                name: ty.name.clone(),
                arguments: None,
            };
            ty.requires = self.resolve(&own, oids);
        }
        for (routine, oids) in schema.routines.iter_mut().zip(&self.routines) {
            let own = ObjectRef {
                kind: ObjectKind::Routine,
                name: routine.name.clone(),
                arguments: Some(routine.arguments.clone()),
            };
            routine.requires = self.resolve(&own, oids);
            // A base type's functions come between its shell and the type itself.
            for r in &mut routine.requires {
                if r.kind == ObjectKind::BaseType {
                    r.kind = ObjectKind::ShellType;
                }
            }
        }
        for (definition, oids) in schema.definitions.iter_mut().zip(&self.definitions) {
            let own = ObjectRef {
                kind: definition.kind,
                name: definition.name.clone(),
                arguments: None,
            };
            definition.requires = self.resolve(&own, oids);
        }
        self.split_domain_cycles(schema);
        // Routines are in dependency order, so one pass carries `after_tables` along
        // every chain of calls.
        let mut late: std::collections::HashSet<ObjectRef> = Default::default();
        for routine in &mut schema.routines {
            if routine.requires.iter().any(|r| late.contains(r)) {
                routine.after_tables = true;
            }
            if routine.after_tables {
                late.insert(ObjectRef {
                    kind: ObjectKind::Routine,
                    name: routine.name.clone(),
                    arguments: Some(routine.arguments.clone()),
                });
            }
        }
    }
}

fn order_types(rows: Vec<TypeRow>, links: &mut Links) -> Result<Vec<UserType>> {
    let mut rows = rows;
    rows.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    let order: Vec<i64> = rows.iter().map(|t| t.oid).collect();
    let uses: HashMap<i64, Vec<i64>> = rows.iter().map(|t| (t.oid, t.uses.clone())).collect();
    let mut by_oid: HashMap<i64, TypeRow> = rows.into_iter().map(|t| (t.oid, t)).collect();
    let mut out = Vec::new();
    for oid in dependency_order(&order, |oid| uses.get(oid).cloned().unwrap_or_default()) {
        let Some(t) = by_oid.remove(&oid) else {
            continue;
        };
        let name = qualified(&t.schema, &t.name);
        let mut check_routines: Vec<Vec<i64>> = Vec::new();
        let kind = match t.kind.as_str() {
            "e" => UserTypeKind::Enum {
                labels: t.labels.unwrap_or_default(),
            },
            "d" => {
                check_routines = t
                    .checks
                    .iter()
                    .flatten()
                    .map(|c| c.routines.clone())
                    .collect();
                UserTypeKind::Domain {
                    base: DataType::from_raw(t.base.unwrap_or_default()),
                    nullable: !t.not_null,
                    default: t.default.map(raw),
                    collation: t.collation,
                    checks: t
                        .checks
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| CheckConstraint {
                            column: None,
                            name: Some(c.name),
                            expr: raw(c.expr.unwrap_or_default()),
                            definition: Some(raw(c.definition)),
                            comment: c.comment,
                        })
                        .collect(),
                }
            }
            "c" => UserTypeKind::Composite {
                attributes: t
                    .attributes
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| {
                        let mut column = Column::new(a.name, DataType::from_raw(a.data_type));
                        column.collation = a.collation;
                        column
                    })
                    .collect(),
            },
            other => {
                return Err(Error::Reflect {
                    object: format!("type {name}"),
                    reason: format!("unexpected type kind `{other}`"),
                })
            }
        };
        links.refer(t.oid, ObjectKind::Type, &name, None);
        links.types.push([t.uses, t.objects, t.relations].concat());
        links.checks.push(check_routines);
        out.push(UserType {
            name,
            kind,
            requires: Vec::new(),
            comment: t.comment,
        });
    }
    Ok(out)
}

fn routine(r: RoutineRow) -> std::result::Result<Routine, Skipped> {
    let name = qualified(&r.schema, &r.name);
    let label = format!("{}.{}({})", r.schema, r.name, r.arguments);
    let (kind, definition) = match r.kind.as_str() {
        "f" | "w" => (
            RoutineKind::Function,
            r.definition.clone().unwrap_or_default(),
        ),
        "p" => (
            RoutineKind::Procedure,
            r.definition.clone().unwrap_or_default(),
        ),
        "a" => (RoutineKind::Aggregate, aggregate_definition(&r)),
        other => {
            return Err(Skipped {
                kind: "routine".into(),
                name: label,
                reason: format!("routines of kind `{other}` are not replicated"),
            })
        }
    };
    Ok(Routine {
        definer: None,
        settings: Vec::new(),
        name,
        arguments: r.arguments,
        kind,
        definition: raw(definition.trim_end().trim_end_matches(';').to_owned()),
        after_tables: r.after_tables,
        requires: Vec::new(),
        comment: r.comment,
    })
}

/// An aggregate's final function (`prefix` `M` for the moving-aggregate mode's), with
/// its EXTRA and MODIFY settings.
fn final_function(
    prefix: &str,
    function: Option<&str>,
    extra: Option<bool>,
    modify: Option<&str>,
    parts: &mut Vec<String>,
) {
    let Some(f) = function else {
        return;
    };
    parts.push(format!("{prefix}FINALFUNC = {f}"));
    if extra == Some(true) {
        parts.push(format!("{prefix}FINALFUNC_EXTRA"));
    }
    match modify {
        Some("s") => parts.push(format!("{prefix}FINALFUNC_MODIFY = SHAREABLE")),
        Some("w") => parts.push(format!("{prefix}FINALFUNC_MODIFY = READ_WRITE")),
        _ => {}
    }
}

/// `CREATE AGGREGATE` from `pg_aggregate` (the server has no `pg_get_aggregatedef`).
fn aggregate_definition(r: &RoutineRow) -> String {
    let mut parts = vec![
        format!("SFUNC = {}", r.sfunc.as_deref().unwrap_or_default()),
        format!("STYPE = {}", r.stype.as_deref().unwrap_or_default()),
    ];
    if let Some(space) = r.sspace.filter(|s| *s != 0) {
        parts.push(format!("SSPACE = {space}"));
    }
    final_function(
        "",
        r.finalfunc.as_deref(),
        r.finalfunc_extra,
        r.finalfunc_modify.as_deref(),
        &mut parts,
    );
    for (key, value) in [
        ("COMBINEFUNC", &r.combinefunc),
        ("SERIALFUNC", &r.serialfunc),
        ("DESERIALFUNC", &r.deserialfunc),
    ] {
        if let Some(value) = value {
            parts.push(format!("{key} = {value}"));
        }
    }
    if let Some(init) = &r.initcond {
        parts.push(format!("INITCOND = {}", crate::quote_literal(init)));
    }
    if let Some(op) = &r.sortop {
        parts.push(format!("SORTOP = OPERATOR({op})"));
    }
    // The moving-aggregate mode.
    if let (Some(msfunc), Some(minvfunc), Some(mstype)) = (&r.msfunc, &r.minvfunc, &r.mstype) {
        parts.push(format!("MSFUNC = {msfunc}"));
        parts.push(format!("MINVFUNC = {minvfunc}"));
        parts.push(format!("MSTYPE = {mstype}"));
        if let Some(space) = r.msspace.filter(|s| *s != 0) {
            parts.push(format!("MSSPACE = {space}"));
        }
        final_function(
            "M",
            r.mfinalfunc.as_deref(),
            r.mfinalfunc_extra,
            r.mfinalfunc_modify.as_deref(),
            &mut parts,
        );
        if let Some(init) = &r.minitcond {
            parts.push(format!("MINITCOND = {}", crate::quote_literal(init)));
        }
    }
    // An ordered-set aggregate's arguments read `direct ORDER BY aggregated`; a
    // hypothetical-set one says so.
    if r.agg_kind.as_deref() == Some("h") {
        parts.push("HYPOTHETICAL".into());
    }
    match r.parallel.as_str() {
        "s" => parts.push("PARALLEL = SAFE".into()),
        "r" => parts.push("PARALLEL = RESTRICTED".into()),
        _ => {}
    }
    format!(
        "CREATE AGGREGATE {}.{}({}) (\n    {}\n)",
        crate::quote_ident(&r.schema),
        crate::quote_ident(&r.name),
        if r.arguments.is_empty() {
            "*"
        } else {
            &r.arguments
        },
        parts.join(",\n    ")
    )
}

fn column(c: ColumnRow, identity_sequence: Option<Sequence>) -> Column {
    let mut column = Column::new(c.name, DataType::from_raw(c.data_type));
    column.nullable = !c.not_null;
    column.collation = c.collation;
    column.comment = c.comment;
    column.inherited = !c.local;
    if c.generated == "s" {
        column.generated = c.default.map(|d| {
            Box::new(Generated {
                expr: raw(d),
                stored: true,
            })
        });
    } else {
        column.default = c.default.map(raw);
    }
    if let (Some(sequence), "a" | "d") = (identity_sequence, c.identity.as_str()) {
        column.identity = Some(Identity::Generated {
            always: c.identity == "a",
            sequence: Box::new(sequence),
        });
    }
    column
}

fn action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// Column names of `rel` for attribute numbers, from the columns query.
fn column_names(names: &ColumnNames, rel: i64, keys: &[i32]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            names
                .get(&(rel, *k))
                .cloned()
                .unwrap_or_else(|| format!("#{k}"))
        })
        .collect()
}

fn add_constraint(table: &mut Table, c: ConstraintRow, names: &ColumnNames) {
    let columns = column_names(names, c.rel, c.keys.as_deref().unwrap_or_default());
    let ref_columns = c.foreign_ref_columns.clone().unwrap_or_else(|| {
        column_names(names, c.ref_rel, c.ref_keys.as_deref().unwrap_or_default())
    });
    let text = raw(c.definition);
    let definition = Some(text.clone());
    match c.kind.as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                index: c.index_definition.clone().map(raw),
                name: Some(c.name),
                columns,
                definition,
                comment: c.comment,
            })
        }
        "u" => table.unique_constraints.push(UniqueConstraint {
            index: c.index_definition.clone().map(raw),
            name: Some(c.name),
            columns,
            definition,
            comment: c.comment,
        }),
        "c" => table.checks.push(CheckConstraint {
            column: None,
            name: Some(c.name),
            expr: raw(c.expr.unwrap_or_default()),
            definition,
            comment: c.comment,
        }),
        "x" => table.exclusions.push(Exclusion {
            name: c.name,
            definition: text,
            comment: c.comment,
        }),
        _ => table.foreign_keys.push(ForeignKey {
            name: Some(c.name),
            columns,
            referenced_table: qualified(
                c.ref_schema.as_deref().unwrap_or_default(),
                c.ref_table.as_deref().unwrap_or_default(),
            ),
            referenced_columns: ref_columns,
            on_delete: action(&c.on_delete),
            on_update: action(&c.on_update),
            match_type: match c.match_type.as_str() {
                "f" => MatchType::Full,
                "p" => MatchType::Partial,
                _ => MatchType::Simple,
            },
            deferrable: match (c.deferrable, c.deferred) {
                (false, _) => Deferrable::NotDeferrable,
                (true, false) => Deferrable::InitiallyImmediate,
                (true, true) => Deferrable::InitiallyDeferred,
            },
            definition,
            comment: c.comment,
        }),
    }
}

fn index(i: IndexRow, names: &ColumnNames) -> Result<Index> {
    let mut expressions = i.expressions.clone().unwrap_or_default().into_iter();
    let tail = i
        .definition
        .strip_prefix(&i.prefix)
        .ok_or_else(|| Error::Reflect {
            object: format!("index {}", schema_replicator_core::quoted(&i.name)),
            reason: format!("unexpected definition `{}`", i.definition),
        })?;
    Ok(Index {
        name: i.name,
        unique: i.unique,
        keys: i
            .keys
            .iter()
            .map(|&k| IndexKey {
                target: if k == 0 {
                    IndexTarget::Expression(raw(expressions.next().unwrap_or_default()))
                } else {
                    IndexTarget::Column(column_names(names, i.rel, &[k]).remove(0))
                },
                collation: None,
                order: None,
            })
            .collect(),
        predicate: i.predicate.map(raw),
        definition: Some(raw(tail)),
        partition_indexes: i
            .partitions
            .unwrap_or_default()
            .into_iter()
            .map(|p| (qualified(&p.schema, &p.table), p.name))
            .collect(),
        comment: i.comment,
    })
}
