//! Object identity: the [`Phase`]s of a replication and the [`ObjectId`] of every
//! object a plan creates, which statements, findings and messages name.

use serde::{Deserialize, Serialize};

use crate::ir::{quoted, QualifiedName};

/// The phases of a replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Namespaces, types, sequences, functions: what tables need to exist.
    Pre,
    /// Tables with columns, types, defaults, identity and the primary key.
    Base,
    /// Unique and check constraints, indexes, foreign keys, views, triggers, counters.
    Seal,
}

impl Phase {
    /// Every phase in execution order.
    pub const ALL: [Phase; 3] = [Phase::Pre, Phase::Base, Phase::Seal];

    /// The phase's name as the CLI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pre => "pre",
            Phase::Base => "base",
            Phase::Seal => "seal",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Phase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pre" => Ok(Phase::Pre),
            "base" => Ok(Phase::Base),
            "seal" => Ok(Phase::Seal),
            other => Err(format!(
                "unknown phase `{other}` (expected pre, base or seal)"
            )),
        }
    }
}

/// Kinds of objects a plan creates.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A namespace (PostgreSQL schema).
    Namespace,
    /// An extension.
    Extension,
    /// A user-defined type.
    Type,
    /// A sequence (created in `pre`, owned by its column in `base`).
    Sequence,
    /// A function, procedure or aggregate.
    Routine,
    /// A table (in `base`: columns, defaults, identity, and the primary key unless deferred).
    Table,
    /// A primary key added after the load (policy `defer_primary_keys`).
    PrimaryKey,
    /// A UNIQUE constraint.
    Unique,
    /// A CHECK constraint.
    Check,
    /// An EXCLUDE constraint.
    Exclusion,
    /// A foreign key.
    ForeignKey,
    /// A secondary index.
    Index,
    /// The settings a table's primary key's index takes once the table is loaded
    /// (`CLUSTER ON`, `REPLICA IDENTITY USING INDEX`, a column's statistics target),
    /// named by the index.
    IndexSettings,
    /// An auto-increment counter to synchronise after the load.
    Counter,
    /// A view.
    View,
    /// A trigger.
    Trigger,
    /// A scheduled event (MySQL), created last.
    Event,
    /// A virtual table (SQLite), created in `base` by its module.
    VirtualTable,
    /// Privileges of one grantee on one object.
    Grant,
    /// The rebuild, after the load, of a virtual table's index from the rows of the
    /// table it indexes: data, like a counter.
    Rebuild,
    /// A rewrite rule on a table or view (PostgreSQL `CREATE RULE`).
    Rule,
    /// A row-level security policy (PostgreSQL `CREATE POLICY`).
    Policy,
    /// A table's `ENABLE` (and `FORCE`) `ROW LEVEL SECURITY`.
    RowSecurity,
    /// An extended statistics object (PostgreSQL `CREATE STATISTICS`).
    Statistics,
    /// A collation (PostgreSQL `CREATE COLLATION`).
    Collation,
    /// A range type and its multirange (PostgreSQL `CREATE TYPE ... AS RANGE`).
    RangeType,
    /// A base type's shell (`CREATE TYPE name`), which its input and output functions
    /// need before the type itself exists.
    ShellType,
    /// A base type over its functions (`CREATE TYPE name (INPUT = ..., ...)`).
    BaseType,
    /// An operator (PostgreSQL `CREATE OPERATOR`), named with its argument types.
    Operator,
    /// A cast (PostgreSQL `CREATE CAST`), named `(source AS target)`.
    Cast,
    /// A domain's check added once the routine it calls exists, because that routine's
    /// signature uses the domain; named `domain.constraint`.
    DomainConstraint,
    /// An operator family with its loose members, named `name USING method`.
    OperatorFamily,
    /// An operator class with its operators and functions, named `name USING method`.
    OperatorClass,
    /// A text search dictionary.
    TextSearchDictionary,
    /// A text search configuration with its mappings.
    TextSearchConfiguration,
    /// A text search parser.
    TextSearchParser,
    /// A text search template.
    TextSearchTemplate,
    /// An encoding conversion.
    Conversion,
    /// An access method (index or table).
    AccessMethod,
    /// A procedural language outside extensions.
    Language,
    /// A transform of a type for a language, named `type LANGUAGE language`.
    Transform,
    /// A foreign-data wrapper.
    ForeignDataWrapper,
    /// A foreign server.
    ForeignServer,
    /// A user mapping of a role (or PUBLIC) for a foreign server, named
    /// `for role server name`.
    UserMapping,
    /// A foreign table (created in base).
    ForeignTable,
    /// A comment on an object the copy does not create (PostgreSQL's `public` schema),
    /// named by that object.
    Comment,
    /// An event trigger (PostgreSQL), created last.
    EventTrigger,
    /// A publication with its tables and schemas (PostgreSQL logical replication).
    Publication,
    /// A subscription, created not connected (it subscribes to nothing until enabled).
    Subscription,
    /// A column loaded as one type and converted to another by the seal (a type map's
    /// cast, PostgreSQL's `ALTER COLUMN ... TYPE ... USING`), named by the column.
    ColumnConversion,
    /// The names of the constraints a partitioned table's key makes on its partitions
    /// (renamed to the source's in the seal), named by the key.
    PartitionKeyNames,
    /// An object's owner (PostgreSQL `ALTER ... OWNER TO`), named by its object.
    Owner,
    /// An object's privileges (PostgreSQL `GRANT` / `REVOKE` against the object's
    /// default), named by its object.
    Privileges,
    /// A role's default privileges (PostgreSQL `ALTER DEFAULT PRIVILEGES`).
    DefaultPrivileges,
    /// A plain SQL statement handed to the applier, numbered.
    Statement,
    /// A column (its NOT NULL, in a preflight check).
    Column,
}

impl ObjectKind {
    /// Whether a step of this kind writes data rather than creating an object (a
    /// counter sync, a rebuilt index): it runs whenever anything else of its phase
    /// runs, and the target is never said to lack or hold it.
    pub fn is_data(self) -> bool {
        matches!(self, ObjectKind::Counter | ObjectKind::Rebuild)
    }

    /// Whether objects of this kind are kept as their statement, in
    /// [`crate::ir::Schema::definitions`].
    pub fn is_definition(self) -> bool {
        matches!(
            self,
            ObjectKind::Rule
                | ObjectKind::Policy
                | ObjectKind::RowSecurity
                | ObjectKind::Statistics
                | ObjectKind::Collation
                | ObjectKind::RangeType
                | ObjectKind::ShellType
                | ObjectKind::BaseType
                | ObjectKind::Operator
                | ObjectKind::Cast
                | ObjectKind::DomainConstraint
                | ObjectKind::OperatorFamily
                | ObjectKind::OperatorClass
                | ObjectKind::TextSearchDictionary
                | ObjectKind::TextSearchConfiguration
                | ObjectKind::TextSearchParser
                | ObjectKind::TextSearchTemplate
                | ObjectKind::Conversion
                | ObjectKind::AccessMethod
                | ObjectKind::Language
                | ObjectKind::Transform
                | ObjectKind::ForeignDataWrapper
                | ObjectKind::ForeignServer
                | ObjectKind::UserMapping
                | ObjectKind::ForeignTable
                | ObjectKind::Comment
                | ObjectKind::EventTrigger
                | ObjectKind::Publication
                | ObjectKind::ColumnConversion
                | ObjectKind::Subscription
                | ObjectKind::PartitionKeyNames
                | ObjectKind::Owner
                | ObjectKind::Privileges
                | ObjectKind::DefaultPrivileges
        )
    }

    /// Whether an object of this kind is named by what it is of (`owner of table "t"`):
    /// its name is that object's description.
    pub fn names_its_object(self) -> bool {
        matches!(
            self,
            ObjectKind::Owner
                | ObjectKind::Privileges
                | ObjectKind::DefaultPrivileges
                | ObjectKind::Comment
                | ObjectKind::PartitionKeyNames
                | ObjectKind::IndexSettings
        )
    }

    /// How messages name the kind (`foreign key`).
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Namespace => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Type => "type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Routine => "routine",
            ObjectKind::Table => "table",
            ObjectKind::PrimaryKey => "primary key",
            ObjectKind::Unique => "unique constraint",
            ObjectKind::Check => "check constraint",
            ObjectKind::Exclusion => "exclusion constraint",
            ObjectKind::ForeignKey => "foreign key",
            ObjectKind::Index => "index",
            ObjectKind::IndexSettings => "settings of index",
            ObjectKind::Counter => "counter",
            ObjectKind::View => "view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Event => "event",
            ObjectKind::VirtualTable => "virtual table",
            ObjectKind::Grant => "grant",
            ObjectKind::Rebuild => "index rebuild of virtual table",
            ObjectKind::Rule => "rule",
            ObjectKind::Policy => "policy",
            ObjectKind::RowSecurity => "row-level security",
            ObjectKind::Statistics => "statistics object",
            ObjectKind::Collation => "collation",
            ObjectKind::RangeType => "range type",
            ObjectKind::ShellType => "shell type",
            ObjectKind::BaseType => "base type",
            ObjectKind::Operator => "operator",
            ObjectKind::Cast => "cast",
            ObjectKind::DomainConstraint => "domain constraint",
            ObjectKind::OperatorFamily => "operator family",
            ObjectKind::OperatorClass => "operator class",
            ObjectKind::TextSearchDictionary => "text search dictionary",
            ObjectKind::TextSearchConfiguration => "text search configuration",
            ObjectKind::TextSearchParser => "text search parser",
            ObjectKind::TextSearchTemplate => "text search template",
            ObjectKind::Conversion => "conversion",
            ObjectKind::AccessMethod => "access method",
            ObjectKind::Language => "language",
            ObjectKind::Transform => "transform for",
            ObjectKind::ForeignDataWrapper => "foreign-data wrapper",
            ObjectKind::ForeignServer => "foreign server",
            ObjectKind::UserMapping => "user mapping",
            ObjectKind::ForeignTable => "foreign table",
            ObjectKind::Comment => "comment on",
            ObjectKind::EventTrigger => "event trigger",
            ObjectKind::Publication => "publication",
            ObjectKind::Subscription => "subscription",
            ObjectKind::ColumnConversion => "conversion of column",
            ObjectKind::PartitionKeyNames => "partition names of",
            ObjectKind::Owner => "owner of",
            ObjectKind::Privileges => "privileges on",
            ObjectKind::DefaultPrivileges => "default privileges",
            ObjectKind::Statement => "statement",
            ObjectKind::Column => "column",
        }
    }
}

/// Identifies one object of a schema, as structured values: its kind, where it lives
/// (the table of a table-owned object, the schema of a free-standing one), its own name
/// exactly as the catalog spells it (never quoted), a routine's argument types, and its
/// position in the schema. Messages show it with [`Display`](std::fmt::Display).
///
/// Its fields ([`ObjectIdFields`]) are read through it (`id.kind`, `id.name`); a clone
/// shares them. A plan and its statements name each object many times (a step, its
/// statement, every step and statement that waits for it): shared, those copies cost
/// a pointer each instead of the fields and their strings (about 40 MiB at 5,000
/// tables). Changing a field of one id ([`std::ops::DerefMut`]) copies its fields
/// first, so no other id changes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(std::sync::Arc<ObjectIdFields>);

impl std::ops::Deref for ObjectId {
    type Target = ObjectIdFields;

    fn deref(&self) -> &ObjectIdFields {
        &self.0
    }
}

impl std::ops::DerefMut for ObjectId {
    fn deref_mut(&mut self) -> &mut ObjectIdFields {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

impl From<ObjectIdFields> for ObjectId {
    fn from(fields: ObjectIdFields) -> Self {
        ObjectId(std::sync::Arc::new(fields))
    }
}

impl Serialize for ObjectId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ObjectIdFields::deserialize(deserializer).map(ObjectId::from)
    }
}

impl std::fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ObjectIdFields {
            kind,
            table,
            schema,
            name,
            unnamed,
            arguments,
            ordinal,
        } = &*self.0;
        f.debug_struct("ObjectId")
            .field("kind", kind)
            .field("table", table)
            .field("schema", schema)
            .field("name", name)
            .field("unnamed", unnamed)
            .field("arguments", arguments)
            .field("ordinal", ordinal)
            .finish()
    }
}

/// The fields of an [`ObjectId`], which reads them through it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectIdFields {
    /// What kind of object.
    pub kind: ObjectKind,
    /// The table it belongs to, for table-owned objects (and for a table itself).
    pub table: Option<QualifiedName>,
    /// The schema of a free-standing object, where the dialect has schemas (a
    /// table-owned object is in its table's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Its own name, unquoted; for a constraint the source left unnamed, a description
    /// of it (`CHECK (qty > 0)`, `("a") -> "p"`), and then [`ObjectIdFields::unnamed`] is set.
    pub name: String,
    /// `name` describes an unnamed constraint rather than naming it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unnamed: bool,
    /// A routine's argument types (`integer, text`): routines are named by signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Where the object is in the schema: for a table-owned object its position among
    /// the table's objects of this kind (`table.checks[ordinal]`, as
    /// [`crate::plan::table_objects`] numbers them), for a free-standing object its
    /// position in the schema's list of that kind (`schema.views[ordinal]`; a counter of a
    /// sequence: `schema.sequences[ordinal]`). Renderers find a step's object with it,
    /// never by name; it also tells same-named objects apart (triggers of one name on
    /// several tables).
    pub ordinal: usize,
}

impl ObjectId {
    /// An object of `table` named `name` (unquoted), at position `ordinal` among the
    /// table's objects of its kind.
    pub fn owned(kind: ObjectKind, table: &QualifiedName, name: String, ordinal: usize) -> Self {
        ObjectIdFields {
            kind,
            table: Some(table.clone()),
            schema: None,
            name,
            unnamed: false,
            arguments: None,
            ordinal,
        }
        .into()
    }

    /// An unnamed constraint of `table`, shown as `description`.
    pub fn described(
        kind: ObjectKind,
        table: &QualifiedName,
        description: String,
        ordinal: usize,
    ) -> Self {
        let mut id = Self::owned(kind, table, description, ordinal);
        id.unnamed = true;
        id
    }

    /// A table itself.
    pub fn table(name: &QualifiedName) -> Self {
        Self::owned(ObjectKind::Table, name, name.name.clone(), 0)
    }

    /// A free-standing object such as a view, at position `ordinal` of the schema's list
    /// of objects of its kind.
    pub fn listed(kind: ObjectKind, name: &QualifiedName, ordinal: usize) -> Self {
        ObjectIdFields {
            kind,
            table: None,
            schema: name.schema.clone(),
            name: name.name.clone(),
            unnamed: false,
            arguments: None,
            ordinal,
        }
        .into()
    }

    /// A grant, described (`SELECT on table "t" to 'u'@'%'`), at position `ordinal` of the
    /// schema's grants.
    pub fn grant(grant: &crate::ir::Grant, ordinal: usize) -> Self {
        ObjectIdFields {
            kind: ObjectKind::Grant,
            table: None,
            schema: None,
            name: grant.describe(),
            unnamed: true,
            arguments: None,
            ordinal,
        }
        .into()
    }

    /// An object kept as its statement, at position `ordinal` of the schema's
    /// definitions.
    pub fn definition(definition: &crate::ir::Definition, ordinal: usize) -> Self {
        let mut id = Self::listed(definition.kind, &definition.name, ordinal);
        id.table = definition.table.clone();
        id.unnamed = definition.kind.names_its_object();
        id
    }

    /// A routine, named by its signature, at position `ordinal` of the schema's routines.
    pub fn routine(name: &QualifiedName, arguments: &str, ordinal: usize) -> Self {
        let mut id = Self::listed(ObjectKind::Routine, name, ordinal);
        id.arguments = Some(arguments.to_owned());
        id
    }

    /// A free-standing object such as a view, first of its list (or outside any schema).
    pub fn standalone(kind: ObjectKind, name: &QualifiedName) -> Self {
        Self::listed(kind, name, 0)
    }

    /// The schema-qualified name of a free-standing object (or of a table).
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    /// The element of `list` (one of the schema's lists, or one of a table's) that this
    /// object is, by its [`ordinal`](ObjectIdFields::ordinal).
    pub fn in_list<'a, T>(&self, list: &'a [T]) -> Option<&'a T> {
        list.get(self.ordinal)
    }

    /// The free-standing object of `list` (views, triggers, types, sequences, routines,
    /// namespaces, extensions) that this id is: the one at its
    /// [`ordinal`](ObjectIdFields::ordinal), provided it has this id's name, so that a plan
    /// made for another schema fails instead of rendering the wrong object.
    pub fn find_in<'a, T: Listed>(&self, list: &'a [T]) -> Option<&'a T> {
        self.in_list(list)
            .filter(|item| item.listed_name() == (self.schema.as_deref(), self.name.as_str()))
    }
}

impl std::fmt::Display for ObjectId {
    /// One naming rule: every name in double quotes (embedded ones doubled), a table-owned
    /// object followed by its table, an unnamed constraint by its description, a routine
    /// by its signature: `foreign key "fk" on table "public"."t"`, `view "public"."v"`,
    /// `routine "public"."f"(integer)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = self.kind.label();
        match &self.table {
            Some(table) if self.kind == ObjectKind::Table => write!(f, "table {table}"),
            Some(table) if self.kind == ObjectKind::RowSecurity => {
                write!(f, "{label} of table {table}")
            }
            Some(table) if self.unnamed => write!(f, "{label} {} on table {table}", self.name),
            Some(table) => write!(f, "{label} {} on table {table}", quoted(&self.name)),
            None if self.unnamed => write!(f, "{label} {}", self.name),
            None => {
                write!(f, "{label} {}", self.qualified_name())?;
                match &self.arguments {
                    Some(arguments) => write!(f, "({arguments})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A free-standing object of a schema's lists, by the name its [`ObjectId`] carries.
pub trait Listed {
    /// Its schema (where it has one) and its own name.
    fn listed_name(&self) -> (Option<&str>, &str);
}

macro_rules! listed_by_qualified_name {
    ($($t:ty),*) => {$(
        impl Listed for $t {
            fn listed_name(&self) -> (Option<&str>, &str) {
                (self.name.schema.as_deref(), &self.name.name)
            }
        }
    )*};
}

listed_by_qualified_name!(
    crate::ir::View,
    crate::ir::Trigger,
    crate::ir::UserType,
    crate::ir::Sequence,
    crate::ir::Routine,
    crate::ir::Event,
    crate::ir::VirtualTable,
    crate::ir::Definition
);

impl Listed for crate::ir::Namespace {
    fn listed_name(&self) -> (Option<&str>, &str) {
        (None, &self.name)
    }
}

impl Listed for crate::ir::Extension {
    fn listed_name(&self) -> (Option<&str>, &str) {
        (None, &self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Expr, View};

    #[test]
    fn a_listed_object_is_found_by_position_and_checked_by_name() {
        let view = |schema: &str, name: &str| {
            View::new(
                QualifiedName::bare(name).in_schema(schema),
                Expr::raw("postgres", "SELECT 1"),
            )
        };
        let views = vec![view("public", "a"), view("public", "b")];
        let b = ObjectId::listed(ObjectKind::View, &views[1].name, 1);
        assert_eq!(
            b.find_in(&views).map(|v| &v.name.name),
            Some(&"b".to_owned())
        );
        // A plan made for a schema whose views came in another order finds nothing,
        // rather than the wrong view.
        let swapped = vec![view("public", "b"), view("public", "a")];
        assert!(b.find_in(&swapped).is_none());
        let elsewhere = vec![view("app", "a"), view("app", "b")];
        assert!(b.find_in(&elsewhere).is_none(), "same name, other schema");
        assert_eq!(
            b.to_string(),
            "view \"public\".\"b\"",
            "one naming rule: every name quoted"
        );
    }
}
