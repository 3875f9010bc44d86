//! The schema model (IR): plain data that every dialect reflects into and renders from.
//!
//! A [`Schema`] is serialised as a versioned JSON snapshot (see [`crate::snapshot`]), so
//! the `base` and `seal` phases can run days apart without the source being reachable.

use serde::{Deserialize, Serialize};

use crate::types::DataType;

/// The snapshot format this build writes. Bump it whenever the IR gains something an
/// older build would silently ignore (version 2: [`Schema::definitions`],
/// [`UserType::requires`], [`Routine::requires`]), so that an older build refuses the
/// snapshot instead of dropping objects.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest snapshot format this build reads: what it lacks takes its default.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// A whole database schema as reflected from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Snapshot format version; always [`FORMAT_VERSION`] for schemas built by this crate.
    pub format_version: u32,
    /// Name of the dialect that reflected the schema (`sqlite`, `postgres`, ...).
    pub dialect: String,
    /// The server's version string, when known. Informational; the diff ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Tables, in the order the source lists them.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Views, in an order in which each can be created after the ones before it.
    #[serde(default)]
    pub views: Vec<View>,
    /// Triggers, in the order the source lists them.
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    /// Namespaces to create (PostgreSQL schemas other than `public`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<Namespace>,
    /// Extensions; the objects they own are never replicated one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// User-defined types, each after the types it uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<UserType>,
    /// Sequences, standalone and owned by a column (identity sequences live on the column).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
    /// Functions, procedures and aggregates, each after the routines it uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routines: Vec<Routine>,
    /// Scheduled events (MySQL), created last in `seal` so none fires during the load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Privileges granted on the database and its objects (MySQL), granted in `seal`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// Virtual tables (SQLite: FTS5, FTS4, R*Tree, ...), created in `base`; their
    /// module creates their shadow tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_tables: Vec<VirtualTable>,
    /// Objects of the kinds kept as the server's own statement (PostgreSQL rules,
    /// row-level security policies, extended statistics, collations, ...), in
    /// dependency order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub definitions: Vec<Definition>,
    /// Objects the reflection saw but cannot replicate. Never empty in silence:
    /// every consumer (CLI, applier) reports them as warnings.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

impl Schema {
    /// An empty schema of the given dialect at the current [`FORMAT_VERSION`].
    pub fn new(dialect: impl Into<String>) -> Self {
        Schema {
            format_version: FORMAT_VERSION,
            dialect: dialect.into(),
            server_version: None,
            namespaces: Vec::new(),
            extensions: Vec::new(),
            types: Vec::new(),
            sequences: Vec::new(),
            routines: Vec::new(),
            events: Vec::new(),
            virtual_tables: Vec::new(),
            definitions: Vec::new(),
            grants: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            triggers: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// The roles its statements name (owners, grantees and grantors, policy roles),
    /// each with the objects that name it, in name order.
    pub fn roles(&self) -> Vec<(String, Vec<String>)> {
        let mut roles: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        for definition in &self.definitions {
            for role in &definition.roles {
                roles.entry(role).or_default().push(definition.describe());
            }
        }
        roles
            .into_iter()
            .map(|(role, objects)| (role.to_owned(), objects))
            .collect()
    }

    /// What the schema holds, indexed, to ask [`Holdings::holds`] of many objects.
    pub fn holdings(&self) -> Holdings<'_> {
        use crate::object::ObjectKind;
        let mut names: std::collections::HashSet<(ObjectKind, &QualifiedName)> = Default::default();
        for t in &self.tables {
            names.insert((ObjectKind::Table, &t.name));
        }
        for v in &self.views {
            names.insert((ObjectKind::Table, &v.name));
        }
        for v in &self.virtual_tables {
            names.insert((ObjectKind::Table, &v.name));
        }
        for t in &self.types {
            names.insert((ObjectKind::Type, &t.name));
        }
        for q in &self.sequences {
            names.insert((ObjectKind::Sequence, &q.name));
        }
        for d in &self.definitions {
            names.insert((d.kind, &d.name));
        }
        Holdings {
            names,
            routines: self
                .routines
                .iter()
                .map(|r| (&r.name, r.arguments.as_str()))
                .collect(),
            namespaces: self.namespaces.iter().map(|n| n.name.as_str()).collect(),
        }
    }

    /// Gives back the room its lists grew into while it was read (a list grows by
    /// doubling, so a reflected or parsed schema holds up to twice the room it needs;
    /// at 5,000 tables the columns alone left 8 MiB unused). Called once a source is
    /// read, before planning.
    pub fn shrink_to_fit(&mut self) {
        self.tables.shrink_to_fit();
        for table in &mut self.tables {
            table.columns.shrink_to_fit();
            table.unique_constraints.shrink_to_fit();
            table.checks.shrink_to_fit();
            table.foreign_keys.shrink_to_fit();
            table.indexes.shrink_to_fit();
            for index in &mut table.indexes {
                index.keys.shrink_to_fit();
            }
            table.options.shrink_to_fit();
        }
        self.views.shrink_to_fit();
        self.triggers.shrink_to_fit();
        self.types.shrink_to_fit();
        self.sequences.shrink_to_fit();
        self.routines.shrink_to_fit();
        self.grants.shrink_to_fit();
        self.definitions.shrink_to_fit();
        self.skipped.shrink_to_fit();
    }

    /// The table with exactly this name, if any.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }

    /// Some object of the schema, described (`table "t"`), or `None` when it is empty.
    pub fn first_object(&self) -> Option<String> {
        self.tables
            .first()
            .map(|t| format!("table {}", t.name))
            .or_else(|| self.views.first().map(|v| format!("view {}", v.name)))
            .or_else(|| self.triggers.first().map(|t| format!("trigger {}", t.name)))
            .or_else(|| self.types.first().map(|t| format!("type {}", t.name)))
            .or_else(|| {
                self.sequences
                    .first()
                    .map(|s| format!("sequence {}", s.name))
            })
            .or_else(|| self.routines.first().map(|r| format!("routine {}", r.name)))
            .or_else(|| self.events.first().map(|e| format!("event {}", e.name)))
            .or_else(|| {
                self.virtual_tables
                    .first()
                    .map(|v| format!("virtual table {}", v.name))
            })
            .or_else(|| {
                self.namespaces
                    .first()
                    .map(|n| format!("schema {}", quoted(&n.name)))
            })
    }
}

/// A namespace (PostgreSQL `CREATE SCHEMA`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    /// Its name.
    pub name: String,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An extension (PostgreSQL `CREATE EXTENSION`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Its name.
    pub name: String,
    /// The namespace its objects live in.
    pub schema: String,
    /// The installed version (informational: the target installs its own default).
    pub version: String,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A user-defined type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserType {
    /// Its name.
    pub name: QualifiedName,
    /// What kind of type, with its definition.
    pub kind: UserTypeKind,
    /// The other types, sequences and routines of the schema its definition names (a
    /// domain's check calling a function, a default calling `nextval`), which must
    /// exist before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<ObjectRef>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The definition of a [`UserType`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserTypeKind {
    /// An enumeration, labels in sort order.
    Enum {
        /// The labels.
        labels: Vec<String>,
    },
    /// A domain over a base type.
    Domain {
        /// The base type.
        base: DataType,
        /// `false` when the domain is NOT NULL.
        nullable: bool,
        /// Its default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<Expr>,
        /// An explicit collation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        collation: Option<String>,
        /// Its CHECK constraints.
        #[serde(default)]
        checks: Vec<CheckConstraint>,
    },
    /// A composite (row) type.
    Composite {
        /// Its attributes, in order (name, type and collation are used).
        attributes: Vec<Column>,
    },
}

/// A sequence generator with every option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// Its name.
    pub name: QualifiedName,
    /// Its integer type (`bigint`, `integer`, `smallint`).
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min_value: i64,
    /// `MAXVALUE`.
    pub max_value: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
    /// The last value handed out, or `None` when the sequence was never used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_value: Option<i64>,
    /// The column that owns it (`OWNED BY`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<ColumnRef>,
    /// Options as the server prints them (MariaDB: `engine=InnoDB`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Sequence {
    /// A `bigint` sequence with the server defaults (start 1, increment 1, no cycle),
    /// never used, owned by no column.
    pub fn new(name: QualifiedName) -> Self {
        Sequence {
            name,
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cache: 1,
            cycle: false,
            last_value: None,
            owned_by: None,
            options: Vec::new(),
            comment: None,
        }
    }
}

/// A setting pg_dump writes as an `ALTER` after a table or one of its indexes exists
/// The tablespace a table (`index` empty) or one of its indexes (a key's included) is
/// stored in (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Placement {
    /// The index, by name; `None` for the table itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The tablespace.
    pub tablespace: String,
}

/// (PostgreSQL): a column's statistics target, storage, compression or options, the
/// replica identity, `CLUSTER ON`, an index column's statistics target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Alteration {
    /// The index it needs (`CLUSTER ON i`, `REPLICA IDENTITY USING INDEX i`, or an
    /// `ALTER INDEX i`); `None` when the table alone is enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// `true` for a clause of `ALTER INDEX index`, `false` for one of `ALTER TABLE ONLY`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_index: bool,
    /// The clause (`ALTER COLUMN "c" SET STATISTICS 1000`, `CLUSTER ON "i"`).
    pub clause: String,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnRef {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
}

/// A function, procedure or aggregate, kept as its complete defining statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routine {
    /// Its name.
    pub name: QualifiedName,
    /// Its argument types, as `COMMENT ON FUNCTION name(...)` needs them.
    pub arguments: String,
    /// Function, procedure or aggregate.
    pub kind: RoutineKind,
    /// The full `CREATE` statement.
    pub definition: Expr,
    /// `true` when it needs the tables to exist (its signature uses a table's row type,
    /// or its SQL-standard body reads a table), so it is created after them.
    #[serde(default)]
    pub after_tables: bool,
    /// The types and other routines of the schema its definition names (a signature
    /// using a domain, a body calling a function, an aggregate's functions), which must
    /// exist before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<ObjectRef>,
    /// Session settings it was created under, which its body parses and runs under
    /// (MySQL: `sql_mode`, `character_set_client`, `collation_connection`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, String)>,
    /// The account it runs as and is defined by (MySQL `DEFINER`, `user@host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definer: Option<String>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The objects a [`Schema`] holds, indexed by kind and name ([`Schema::holdings`]).
#[derive(Debug)]
pub struct Holdings<'a> {
    names: std::collections::HashSet<(crate::object::ObjectKind, &'a QualifiedName)>,
    routines: std::collections::HashSet<(&'a QualifiedName, &'a str)>,
    namespaces: std::collections::HashSet<&'a str>,
}

impl Holdings<'_> {
    /// Whether the schema holds the object `of` names (a table or view, type, sequence,
    /// routine, schema, or an object kept as a [`Definition`]). `public` is always
    /// held: it is never created.
    pub fn holds(&self, of: &ObjectRef) -> bool {
        use crate::object::ObjectKind;
        match of.kind {
            ObjectKind::Table | ObjectKind::View => {
                self.names.contains(&(ObjectKind::Table, &of.name))
            }
            ObjectKind::Routine => self
                .routines
                .contains(&(&of.name, of.arguments.as_deref().unwrap_or_default())),
            ObjectKind::Namespace => {
                of.name.name == "public" || self.namespaces.contains(of.name.name.as_str())
            }
            // Range and base types are kept as their statements.
            ObjectKind::Type => {
                self.names.contains(&(ObjectKind::Type, &of.name))
                    || self.names.contains(&(ObjectKind::RangeType, &of.name))
                    || self.names.contains(&(ObjectKind::BaseType, &of.name))
            }
            kind => self.names.contains(&(kind, &of.name)),
        }
    }
}

/// An object of a kind the IR keeps as the statement that creates it, as the server
/// prints it (PostgreSQL `pg_get_ruledef`, `pg_get_statisticsobjdef`, or the statement
/// built from the catalog as `pg_dump` builds it): rules, row-level security policies
/// and a table's `ENABLE` / `FORCE ROW LEVEL SECURITY`, extended statistics,
/// collations, owners, privileges and default privileges (named by the object they
/// are of: `name` is its description, `table "public"."t"`). Its dialect renders it;
/// others report it as not portable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// What kind of object ([`crate::ObjectKind::Rule`], ...).
    pub kind: crate::object::ObjectKind,
    /// Its name; for an object that belongs to a table (a rule, a policy), in the
    /// table's schema, and for a table's row-level security the table's own name.
    pub name: QualifiedName,
    /// The table it belongs to, for the kinds that live on a table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<QualifiedName>,
    /// For an owner or privileges, the object they are of (a table's sequence's: the
    /// table), so that they go with it when a selection leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<ObjectRef>,
    /// The phase it is created in: `pre` for what tables may use (collations), `seal`
    /// for what would disturb the load (rules, policies) or only matters after it.
    pub phase: crate::object::Phase,
    /// The statement(s) that create it, exactly; several are separated by `;\n`.
    pub definition: Expr,
    /// The other free-standing objects its statement names, created before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<ObjectRef>,
    /// The roles its statement names (a policy's `TO` list), which the target must
    /// have.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Definition {
    /// How messages name it, as [`crate::ObjectId`] does (`rule "r" on table "public"."t"`).
    pub fn describe(&self) -> String {
        let label = self.kind.label();
        if self.kind.names_its_object() {
            return format!("{label} {}", self.name.name);
        }
        match &self.table {
            Some(table) if self.kind == crate::object::ObjectKind::RowSecurity => {
                format!("{label} of table {table}")
            }
            Some(table) => format!("{label} {} on table {table}", quoted(&self.name.name)),
            None => format!("{label} {}", self.name),
        }
    }
}

/// Names another free-standing object of the schema (a type, a sequence, a routine by
/// its signature, a table or view, a schema) that an object depends on or is of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    /// What kind of object ([`crate::ObjectKind::Type`], [`crate::ObjectKind::Sequence`],
    /// [`crate::ObjectKind::Routine`]).
    pub kind: crate::object::ObjectKind,
    /// Its name.
    pub name: QualifiedName,
    /// A routine's argument types, as [`Routine::arguments`] spells them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// Privileges of one grantee on one object (`GRANT ... ON ... TO ...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The account or role, as the catalog writes it (MySQL: `'user'@'host'`).
    pub grantee: String,
    /// What the privileges are on.
    pub on: GrantTarget,
    /// The privileges as SQL, sorted (`SELECT`, ``UPDATE (`a`, `b`)``).
    pub privileges: Vec<String>,
    /// `WITH GRANT OPTION`: the grantee may grant them on.
    #[serde(default)]
    pub grantable: bool,
}

impl Grant {
    /// How messages name it: `SELECT, UPDATE on table "t" to 'u'@'%'`.
    pub fn describe(&self) -> String {
        format!(
            "{} on {} to {}",
            self.privileges.join(", "),
            self.on,
            self.grantee
        )
    }
}

/// What a [`Grant`] is on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GrantTarget {
    /// The database (MySQL `ON db.*`): every object in it.
    Database,
    /// A table or view (its columns' privileges included).
    Table(QualifiedName),
    /// A function or procedure.
    Routine {
        /// Function or procedure.
        kind: RoutineKind,
        /// Its name.
        name: QualifiedName,
    },
}

impl std::fmt::Display for GrantTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrantTarget::Database => write!(f, "the database"),
            GrantTarget::Table(name) => write!(f, "table {name}"),
            GrantTarget::Routine { kind, name } => {
                write!(f, "{} {name}", kind.sql().to_lowercase())
            }
        }
    }
}

/// A virtual table (SQLite `CREATE VIRTUAL TABLE`), kept as its statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualTable {
    /// Its name.
    pub name: QualifiedName,
    /// The module that implements it, in lower case (`fts5`, `fts4`, `rtree`).
    pub module: String,
    /// The full `CREATE VIRTUAL TABLE` statement.
    pub definition: Expr,
    /// Its index is built from another table's rows (an external-content full-text
    /// table), so the seal rebuilds it once that table is loaded.
    #[serde(default)]
    pub rebuild: bool,
}

/// A scheduled event (MySQL `CREATE EVENT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its name.
    pub name: QualifiedName,
    /// The schedule as the server prints it: `AT '...'` or
    /// `EVERY 1 DAY STARTS '...' ENDS '...'`, in the time zone of `settings`.
    pub schedule: String,
    /// `ON COMPLETION PRESERVE`: the event stays once it has expired.
    #[serde(default)]
    pub preserve: bool,
    /// `ENABLE`, `DISABLE` or `DISABLE ON SLAVE`.
    pub status: String,
    /// The statement it runs (what follows `DO`).
    pub body: Expr,
    /// Session settings it was created under (`sql_mode`, `time_zone`,
    /// `character_set_client`, `collation_connection`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, String)>,
    /// The account it runs as (`user@host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definer: Option<String>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// What a [`Routine`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RoutineKind {
    /// A function.
    Function,
    /// A procedure.
    Procedure,
    /// An aggregate.
    Aggregate,
    /// A package (MariaDB's Oracle mode): its specification and its body.
    Package,
}

impl RoutineKind {
    /// The SQL keyword (`FUNCTION`, `PROCEDURE`, `AGGREGATE`).
    pub fn sql(self) -> &'static str {
        match self {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
            RoutineKind::Aggregate => "AGGREGATE",
            RoutineKind::Package => "PACKAGE",
        }
    }
}

/// A possibly schema-qualified object name (`schema.name`). SQLite leaves `schema` empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualifiedName {
    /// The namespace (PostgreSQL schema, MySQL database); `None` where the dialect has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The object's own name, exactly as the catalog spells it.
    pub name: String,
}

impl QualifiedName {
    /// An unqualified name.
    pub fn bare(name: impl Into<String>) -> Self {
        QualifiedName {
            schema: None,
            name: name.into(),
        }
    }

    /// The same name in `schema`.
    pub fn in_schema(mut self, schema: &str) -> Self {
        self.schema = Some(schema.to_owned());
        self
    }
}

/// A name as messages show it: in double quotes, embedded double quotes doubled, so odd
/// names stay unambiguous. This is for people; SQL is quoted by each dialect.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl std::fmt::Display for QualifiedName {
    /// Shown in messages as `"schema"."name"` with embedded double quotes doubled, so odd
    /// names stay unambiguous. This is for people; SQL is quoted by each dialect.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{}.", quoted(schema))?;
        }
        f.write_str(&quoted(&self.name))
    }
}

/// A table with everything that belongs to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The table's name.
    pub name: QualifiedName,
    /// Columns in their physical order.
    pub columns: Vec<Column>,
    /// The primary key, if the table has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// UNIQUE constraints (not unique indexes: those are in [`Table::indexes`]).
    #[serde(default)]
    pub unique_constraints: Vec<UniqueConstraint>,
    /// CHECK constraints, table-level and column-level alike.
    #[serde(default)]
    pub checks: Vec<CheckConstraint>,
    /// Foreign keys, in declaration order.
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKey>,
    /// EXCLUDE constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// Secondary indexes created with `CREATE INDEX`.
    #[serde(default)]
    pub indexes: Vec<Index>,
    /// Storage options (`WITHOUT ROWID`, `STRICT`, ...).
    #[serde(default)]
    pub options: Vec<TableOption>,
    /// Settings made with `ALTER` once the table or an index exists (PostgreSQL).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alterations: Vec<Alteration>,
    /// Where the table and its indexes are stored when not in the database's default
    /// tablespace (PostgreSQL).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tablespaces: Vec<Placement>,
    /// The table's comment, where the dialect has comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Table {
    /// A table with no columns, keys, constraints, indexes, options or comment yet.
    pub fn new(name: QualifiedName) -> Self {
        Table {
            alterations: Default::default(),
            tablespaces: Default::default(),
            name,
            columns: Vec::new(),
            primary_key: None,
            unique_constraints: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            exclusions: Vec::new(),
            indexes: Vec::new(),
            options: Vec::new(),
            comment: None,
        }
    }

    /// The column with exactly this name, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether the table has this storage option.
    pub fn has_option(&self, option: &TableOption) -> bool {
        self.options.contains(option)
    }
}

/// A column definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its type: portable kind and the source's exact spelling.
    pub data_type: DataType,
    /// `false` when the column is declared NOT NULL.
    pub nullable: bool,
    /// The default value, if any. Never set together with [`Column::generated`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Expr>,
    /// An explicit collation declared on the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// For a generated (computed) column, its expression and storage.
    /// Boxed: few columns are generated, and a column is held tens of thousands of times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Box<Generated>>,
    /// Identity or auto-increment behaviour, with its counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The column's comment, where the dialect has comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Inherited from a parent table and not declared by this one (PostgreSQL
    /// inheritance and partitions): the table's own DDL leaves it out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inherited: bool,
    /// The value written on every update of the row (MySQL `ON UPDATE
    /// current_timestamp()`).
    /// Boxed, as [`Column::generated`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<Box<Expr>>,
    /// Left out of `SELECT *` (MySQL and MariaDB `INVISIBLE`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invisible: bool,
}

impl Column {
    /// A nullable column with no default, collation, generation, identity or comment.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Column {
            name: name.into(),
            data_type,
            nullable: true,
            default: None,
            collation: None,
            generated: None,
            identity: None,
            comment: None,
            inherited: false,
            on_update: None,
            invisible: false,
        }
    }
}

/// A generated column: `GENERATED ALWAYS AS (expr) STORED|VIRTUAL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// The expression, without the surrounding parentheses.
    pub expr: Expr,
    /// `true` for STORED, `false` for VIRTUAL.
    pub stored: bool,
}

/// How a column numbers its rows by itself. Distinct from defaults on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Identity {
    /// PostgreSQL `GENERATED ALWAYS|BY DEFAULT AS IDENTITY`, with its sequence.
    Generated {
        /// `true` for ALWAYS, `false` for BY DEFAULT.
        always: bool,
        /// The identity's sequence, with its options and counter.
        sequence: Box<Sequence>,
    },
    /// SQLite `AUTOINCREMENT` (MySQL `AUTO_INCREMENT`): values are never reused.
    AutoIncrement {
        /// The highest value handed out so far (SQLite `sqlite_sequence.seq`), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_value: Option<i64>,
    },
}

/// A SQL expression or literal, never guessed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Expr {
    /// A literal value, portable across dialects.
    Literal {
        /// The value.
        value: Literal,
    },
    /// SQL text exactly as the source wrote it, tagged with the dialect that wrote it.
    Raw {
        /// Dialect name of the text (`sqlite`, `postgres`, ...).
        dialect: String,
        /// The text itself.
        sql: String,
    },
}

impl Expr {
    /// Raw SQL text of the given dialect.
    pub fn raw(dialect: &str, sql: impl Into<String>) -> Self {
        Expr::Raw {
            dialect: dialect.to_owned(),
            sql: sql.into(),
        }
    }

    /// The text of raw SQL written by `dialect`, the part of rendering an expression
    /// that every dialect shares: `Ok(Some(sql))` for raw SQL of `dialect`,
    /// `Err(other)` naming the dialect that wrote raw SQL of another one, and
    /// `Ok(None)` for anything else (a literal), which each dialect writes its own way.
    pub fn raw_sql(&self, dialect: &str) -> std::result::Result<Option<&str>, &str> {
        match self {
            Expr::Raw {
                dialect: wrote,
                sql,
            } if wrote == dialect => Ok(Some(sql)),
            Expr::Raw { dialect: wrote, .. } => Err(wrote),
            Expr::Literal { .. } => Ok(None),
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Literal {
    /// `NULL`.
    Null,
    /// A number, kept as its exact decimal text (`-5`, `1.50`, `1e3`).
    Number(String),
    /// A character string, unescaped.
    String(String),
}

/// Storage options of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TableOption {
    /// SQLite `WITHOUT ROWID`.
    WithoutRowid,
    /// SQLite `STRICT`.
    Strict,
    /// PostgreSQL `UNLOGGED`.
    Unlogged,
    /// PostgreSQL `PARTITION BY ...`: the partition key as the server prints it.
    PartitionBy(String),
    /// PostgreSQL `PARTITION OF parent FOR VALUES ...`.
    PartitionOf {
        /// The partitioned table.
        parent: QualifiedName,
        /// The bound (`FOR VALUES FROM (1) TO (10)`, `DEFAULT`).
        bound: String,
    },
    /// PostgreSQL `INHERITS (...)`.
    Inherits(Vec<QualifiedName>),
    /// PostgreSQL storage parameters (`WITH (fillfactor=70)`), as the server prints them.
    Parameters(Vec<String>),
    /// MySQL storage engine (`InnoDB`, `MyISAM`, ...).
    Engine(String),
    /// MySQL default collation of the table's text columns (it implies the character set).
    Collation(String),
    /// MySQL table options as the server lists them (`row_format=COMPACT`,
    /// `stats_persistent=0`, ...), written back verbatim.
    CreateOptions(Vec<String>),
    /// MySQL partitioning: the whole `PARTITION BY ...` clause with its partitions.
    Partitioning(String),
}

impl Table {
    /// The partitioned table this table is a partition of, if any.
    pub fn partition_parent(&self) -> Option<&QualifiedName> {
        self.options.iter().find_map(|o| match o {
            TableOption::PartitionOf { parent, .. } => Some(parent),
            _ => None,
        })
    }
}

/// An EXCLUDE constraint, kept as the server prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// Constraint name.
    pub name: String,
    /// `EXCLUDE USING ... (...)`.
    pub definition: Expr,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// Constraint name, when the source named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Key columns in key order.
    pub columns: Vec<String>,
    /// The complete definition as the server prints it, where the structured fields do
    /// not say everything (PostgreSQL); same-dialect rendering uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Expr>,
    /// The server's `CREATE UNIQUE INDEX` statement for the index behind it
    /// (PostgreSQL): the seal builds that index, then attaches it as the constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Expr>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    /// Constraint name, when the source named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns in constraint order.
    pub columns: Vec<String>,
    /// The complete definition as the server prints it, where the structured fields do
    /// not say everything (PostgreSQL); same-dialect rendering uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Expr>,
    /// The server's `CREATE UNIQUE INDEX` statement for the index behind it
    /// (PostgreSQL): the seal builds that index, then attaches it as the constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Expr>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConstraint {
    /// Constraint name, when the source named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a check written in a column's definition (MariaDB keeps these apart from
    /// table checks), that column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The condition, without the surrounding parentheses.
    pub expr: Expr,
    /// The complete definition as the server prints it, where the structured fields do
    /// not say everything (PostgreSQL); same-dialect rendering uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Expr>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name, when the source named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns of this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referenced_table: QualifiedName,
    /// Referenced columns; empty means "the referenced table's primary key" (SQLite allows it).
    #[serde(default)]
    pub referenced_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE` action.
    pub on_update: ReferentialAction,
    /// `MATCH` type.
    pub match_type: MatchType,
    /// Deferrability.
    pub deferrable: Deferrable,
    /// The complete definition as the server prints it, where the structured fields do
    /// not say everything (PostgreSQL); same-dialect rendering uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Expr>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `ON DELETE` / `ON UPDATE` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReferentialAction {
    /// `NO ACTION` (the default).
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl ReferentialAction {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// `MATCH` type of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MatchType {
    /// `MATCH SIMPLE` (the default).
    Simple,
    /// `MATCH FULL`.
    Full,
    /// `MATCH PARTIAL`.
    Partial,
}

/// Deferrability of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Deferrable {
    /// `NOT DEFERRABLE` (the default).
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    InitiallyDeferred,
}

/// A secondary index (`CREATE [UNIQUE] INDEX`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index name.
    pub name: String,
    /// `true` for a unique index.
    pub unique: bool,
    /// Key parts in order.
    pub keys: Vec<IndexKey>,
    /// `WHERE` predicate of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Expr>,
    /// The complete definition as the server prints it, where the structured fields do
    /// not say everything (PostgreSQL); same-dialect rendering uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Expr>,
    /// The index of a partitioned table (PostgreSQL): the name of the index it has on
    /// each partition (at every level), by partition, which the server would otherwise
    /// choose itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partition_indexes: Vec<(QualifiedName, String)>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One part of an index key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexKey {
    /// A column or an expression.
    pub target: IndexTarget,
    /// An explicit `COLLATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Explicit sort order, as written (`None` when the source wrote none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
}

/// What an index key part indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IndexTarget {
    /// A column, by name.
    Column(String),
    /// An expression.
    Expression(Expr),
}

/// Sort order of an index key part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SortOrder {
    /// `ASC`.
    Asc,
    /// `DESC`.
    Desc,
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// The view's name.
    pub name: QualifiedName,
    /// An explicit column list, if the source declared one.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The query (`SELECT ...`) as raw SQL.
    pub query: Expr,
    /// A materialized view (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// Options as the server prints them (`security_barrier=true`, `check_option=local`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Indexes of a materialized view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Where a materialized view (`index` empty) and its indexes are stored when not in
    /// the database's default tablespace (PostgreSQL).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tablespaces: Vec<Placement>,
    /// Column comments, by column name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_comments: Vec<(String, String)>,
    /// The account it is defined by (MySQL `DEFINER`, `user@host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definer: Option<String>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl View {
    /// A plain view with no explicit column list, options, indexes or comments.
    pub fn new(name: QualifiedName, query: Expr) -> Self {
        View {
            name,
            columns: Vec::new(),
            query,
            materialized: false,
            options: Vec::new(),
            indexes: Vec::new(),
            tablespaces: Vec::new(),
            column_comments: Vec::new(),
            definer: None,
            comment: None,
        }
    }
}

/// A trigger, kept as its complete defining statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The trigger's name.
    pub name: QualifiedName,
    /// The table or view it is attached to.
    pub table: QualifiedName,
    /// The full `CREATE TRIGGER` statement.
    pub definition: Expr,
    /// Session settings the trigger was created under, which its body parses and runs
    /// under (MySQL: `sql_mode`, `character_set_client`, `collation_connection`), so the
    /// target creates it under the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, String)>,
    /// The account it runs as (MySQL `DEFINER`, `user@host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definer: Option<String>,
    /// Its comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An object that was seen but will not be replicated, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Kind of object (`virtual table`, `policy`, ...).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What is not replicated and why, as a sentence (`not replicated: ...`).
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.kind, quoted(&self.name), self.reason)
    }
}
