//! The [`Dialect`] trait every database implements, and the registry that maps URL
//! schemes to dialects.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ir::{QualifiedName, Schema};
use crate::plan::{ObjectId, Phase, Plan};

use crate::url::DbUrl;

/// What a dialect can do; the planner and the applier adapt to it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// DDL runs inside a transaction and rolls back as a whole.
    pub transactional_ddl: bool,
    /// Constraints can be added to an existing table with `ALTER TABLE`; when `false`
    /// (SQLite) the seal rebuilds the table instead.
    pub alter_add_constraint: bool,
    /// The primary key can be added after the load (policy `defer_primary_keys`).
    pub deferred_primary_key: bool,
    /// How the server compares an unquoted name with a catalog name; object filters
    /// ([`crate::Selection`]) compare the same way.
    #[serde(default)]
    pub identifier_case: crate::filter::IdentifierCase,
}

impl Capabilities {
    /// A capability set; dialects outside this crate build theirs with it.
    pub fn new(
        transactional_ddl: bool,
        alter_add_constraint: bool,
        deferred_primary_key: bool,
    ) -> Self {
        Capabilities {
            transactional_ddl,
            alter_add_constraint,
            deferred_primary_key,
            identifier_case: crate::filter::IdentifierCase::default(),
        }
    }

    /// The same capabilities with names compared as `case` says.
    pub fn with_identifier_case(mut self, case: crate::filter::IdentifierCase) -> Self {
        self.identifier_case = case;
        self
    }
}

impl std::fmt::Display for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        parts.push(if self.transactional_ddl {
            "transactional DDL"
        } else {
            "non-transactional DDL"
        });
        parts.push(if self.alter_add_constraint {
            "adds constraints with ALTER"
        } else {
            "adds constraints by table rebuild"
        });
        if self.deferred_primary_key {
            parts.push("can defer primary keys");
        }
        f.write_str(&parts.join(", "))
    }
}

/// How a statement holds a table while it runs, as the seal's scheduler sees it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Other shared holders may run on the table at the same time (index builds).
    Shared,
    /// Nothing else runs on the table meanwhile.
    Exclusive,
}

/// A table a statement locks, and how.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableLock {
    /// The table.
    pub table: QualifiedName,
    /// How.
    pub mode: LockMode,
}

impl TableLock {
    /// A lock of `mode` on `table`.
    pub fn new(table: &QualifiedName, mode: LockMode) -> Self {
        TableLock {
            table: table.clone(),
            mode,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One SQL statement of a rendered plan, with the objects it creates.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    /// The phase it belongs to (`None` for plain statements handed to the applier).
    pub phase: Option<Phase>,
    /// The objects it creates or changes; a failure names all of them.
    pub objects: Vec<ObjectId>,
    /// The SQL text, without a trailing semicolon.
    pub sql: String,
    /// For a statement that existing rows can make fail (a foreign key, a check, a
    /// unique key): a query that counts the offending rows and shows up to five. Its
    /// shape belongs to the dialect's applier, which runs it to explain a failure:
    /// PostgreSQL returns one row of (`rows` bigint, `groups` bigint or NULL, `samples`
    /// text[]); MySQL, whose statement adds several constraints at once, one row per
    /// constraint of (`object` index into `objects`, `n`, `groups`, `samples` as a JSON
    /// array).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<String>,
    /// Objects that must exist before it runs: the plan's dependencies of its objects
    /// (filled by [`crate::seal::attach_requirements`]). A scheduler running a batch
    /// over several connections waits for the statements of the batch that create them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<ObjectId>,
    /// The tables it locks while it runs. Empty means: exclusively, every table its
    /// objects belong to. A scheduler never runs two statements with conflicting locks
    /// at the same time, which also rules out lock-order deadlocks between its own
    /// connections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<TableLock>,
    /// It validates a constraint added `NOT VALID` by an earlier statement: under
    /// `--on-violation not-valid` a violation leaves that constraint NOT VALID instead
    /// of stopping the seal.
    #[serde(default, skip_serializing_if = "is_false")]
    pub validation: bool,
}

/// `text` on one line (runs of whitespace folded to a space), cut after `max`
/// characters with `...`: how messages quote SQL.
pub fn shorten(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}...", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

impl Statement {
    /// The objects it creates, as messages name them (`index "i" on table "t", ...`).
    pub fn describe(&self) -> String {
        self.objects
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Its SQL on one line, cut after 120 characters, for messages.
    pub fn excerpt(&self) -> String {
        shorten(&self.sql, 120)
    }

    /// A statement of `phase` creating `objects`, with no preflight query.
    pub fn new(phase: Option<Phase>, objects: Vec<ObjectId>, sql: impl Into<String>) -> Self {
        Statement {
            phase,
            objects,
            sql: sql.into(),
            ..Statement::default()
        }
    }
}

/// The result of a reflection: the schema and what it cost.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    /// The schema.
    pub schema: Schema,
    /// Number of catalog queries issued (constant in the number of tables).
    pub queries: u64,
}

/// Options of a reflection.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReflectOptions {
    /// Namespaces to include; empty means all user namespaces. Ignored by SQLite.
    pub schemas: Vec<String>,
    /// The objects to keep once reflected (tables, views and schemas by pattern); the
    /// library applies it after the dialect's reflection.
    #[serde(default)]
    pub selection: crate::filter::Selection,
}

impl ReflectOptions {
    /// Options that limit the reflection to these namespaces (all when empty).
    pub fn with_schemas(schemas: Vec<String>) -> Self {
        ReflectOptions {
            schemas,
            ..ReflectOptions::default()
        }
    }

    /// The same options, keeping only what `selection` selects.
    pub fn with_selection(mut self, selection: crate::filter::Selection) -> Self {
        self.selection = selection;
        self
    }
}

/// What an apply did.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Statements executed.
    pub statements: usize,
    /// Whether the whole batch ran in one transaction.
    pub transactional: bool,
    /// Statements a previous, interrupted run of the same batch had already applied,
    /// which this run skipped (dialects with a journal).
    #[serde(default)]
    pub resumed: usize,
    /// Connections the statements ran on.
    #[serde(default)]
    pub connections: usize,
    /// Constraints left `NOT VALID` because the loaded rows violate them (under
    /// [`crate::seal::OnViolation::NotValid`]), each with the count of offending rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_valid: Vec<String>,
    /// Invalid indexes an interrupted build had left behind, dropped and built again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rebuilt: Vec<String>,
}

/// A database dialect: reflection, rendering and application of DDL.
///
/// Methods that touch a database take the URL and open their own connection, so a
/// dialect value is stateless and can be shared between threads.
pub trait Dialect: Send + Sync {
    /// Short name (`sqlite`), stored in snapshots.
    fn name(&self) -> &str;
    /// URL schemes it handles (`["sqlite"]`).
    fn url_schemes(&self) -> Vec<String>;
    /// What it can do.
    fn capabilities(&self) -> Capabilities;
    /// Quotes an identifier, doubling the quote character it contains.
    fn quote_ident(&self, ident: &str) -> String;
    /// Reads the schema of the database at `url`.
    fn reflect(&self, url: &DbUrl, options: &ReflectOptions) -> Result<Reflection>;
    /// Renders every step of `plan` into statements, in plan order.
    fn render(&self, schema: &Schema, plan: &Plan) -> Result<Vec<Statement>>;
    /// Executes statements against `url`, all or nothing where the dialect allows it.
    fn apply(&self, url: &DbUrl, statements: &[Statement]) -> Result<ApplyReport>;

    /// Executes statements against `url` as `options` ask: over up to `options.jobs`
    /// connections, in dependency order, reporting progress. The default runs
    /// [`Dialect::apply`] on one connection and refuses
    /// [`OnViolation::NotValid`](crate::seal::OnViolation::NotValid).
    fn apply_with(
        &self,
        url: &DbUrl,
        statements: &[Statement],
        options: &crate::seal::ApplyOptions,
    ) -> Result<ApplyReport> {
        if options.on_violation == crate::seal::OnViolation::NotValid {
            return Err(Error::Unsupported {
                dialect: self.name().to_owned(),
                what: "leave violated constraints NOT VALID".into(),
            });
        }
        let started = std::time::Instant::now();
        let mut report = self.apply(url, statements)?;
        report.connections = 1;
        options.report(&crate::seal::Progress {
            done: statements.len(),
            total: statements.len(),
            elapsed: started.elapsed(),
        });
        Ok(report)
    }

    /// Counts, in the loaded data at `url`, what the seal of `schema` would refuse: per
    /// foreign key the orphan rows, per unique constraint or unique index the rows of
    /// duplicated keys, per check the failing rows, per NOT NULL column the NULLs, each
    /// with up to five samples. One set-based query per constraint (per table for the
    /// NOT NULL columns), run over up to `jobs` connections. Every object checked has a
    /// finding; those with `rows > 0` would fail. The default refuses.
    fn check(&self, url: &DbUrl, schema: &Schema, jobs: usize) -> Result<Vec<crate::Finding>> {
        let _ = (url, schema, jobs);
        Err(Error::Unsupported {
            dialect: self.name().to_owned(),
            what: "check loaded data yet".into(),
        })
    }

    /// [`Dialect::check`] as `options` ask: over `options.jobs` connections, reporting
    /// each query done to `options.progress`. The default calls [`Dialect::check`]
    /// without progress.
    fn check_with(
        &self,
        url: &DbUrl,
        schema: &Schema,
        options: &crate::check::CheckOptions,
    ) -> Result<Vec<crate::Finding>> {
        self.check(url, schema, options.jobs)
    }

    /// Some object that `url` already holds (`table "t"`), or `None` when it is empty.
    /// The default reflects the target; dialects whose targets may not exist yet
    /// (a SQLite file) override it.
    fn first_object(&self, url: &DbUrl) -> Result<Option<String>> {
        Ok(self
            .reflect(url, &ReflectOptions::default())?
            .schema
            .first_object())
    }
}

/// A compile-time registration, submitted by each dialect crate with `inventory::submit!`.
pub struct DialectRegistration {
    /// Builds the dialect.
    pub create: fn() -> Box<dyn Dialect>,
}

inventory::collect!(DialectRegistration);

/// Where a registered dialect comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Compiled into this build.
    BuiltIn,
    /// Loaded at run time from a shared library.
    Plugin(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Plugin(path) => write!(f, "plugin {path}"),
        }
    }
}

/// A dialect in the registry, with its origin.
#[derive(Clone)]
pub struct Registered {
    /// The dialect.
    pub dialect: Arc<dyn Dialect>,
    /// Where it comes from.
    pub origin: Origin,
}

/// Dialects known to this process: the compiled-in ones plus any loaded plugins.
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<Registered>,
}

/// Dialects this project ships, by scheme, with the cargo feature of the facade crate
/// that enables each. Only features that exist are listed.
const KNOWN_DIALECTS: &[(&str, &str, &str)] = &[
    ("mysql", "mysql", "mysql"),
    ("mariadb", "mysql", "mysql"),
    ("sqlite", "sqlite", "sqlite"),
    ("postgres", "postgres", "postgres"),
    ("postgresql", "postgres", "postgres"),
];

impl Registry {
    /// A registry of every dialect compiled into this build.
    ///
    /// A dialect crate registers only if something links it: the facade names each
    /// enabled dialect crate so the linker keeps its registration.
    pub fn builtin() -> Result<Registry> {
        let mut registry = Registry::default();
        let mut dialects: Vec<Box<dyn Dialect>> = inventory::iter::<DialectRegistration>
            .into_iter()
            .map(|r| (r.create)())
            .collect();
        dialects.sort_by(|a, b| a.name().cmp(b.name()));
        for dialect in dialects {
            registry.add(Arc::from(dialect), Origin::BuiltIn)?;
        }
        Ok(registry)
    }

    /// Adds a dialect; fails when one of its schemes is already claimed.
    pub fn add(&mut self, dialect: Arc<dyn Dialect>, origin: Origin) -> Result<()> {
        for scheme in dialect.url_schemes() {
            if let Some(existing) = self.find_scheme(&scheme) {
                return Err(Error::SchemeConflict {
                    scheme,
                    first: describe(existing),
                    second: format!("{} ({})", dialect.name(), origin),
                });
            }
        }
        self.entries.push(Registered { dialect, origin });
        Ok(())
    }

    /// Every registered dialect, in registration order.
    pub fn entries(&self) -> &[Registered] {
        &self.entries
    }

    /// The dialect that handles `url`'s scheme.
    pub fn resolve(&self, url: &DbUrl) -> Result<Arc<dyn Dialect>> {
        if let Some(found) = self.find_scheme(url.scheme()) {
            return Ok(found.dialect.clone());
        }
        if let Some((_, dialect, feature)) =
            KNOWN_DIALECTS.iter().find(|(s, _, _)| *s == url.scheme())
        {
            return Err(Error::DialectNotCompiled {
                url: url.to_string(),
                dialect: (*dialect).to_owned(),
                feature: (*feature).to_owned(),
            });
        }
        let mut known: Vec<String> = self
            .entries
            .iter()
            .flat_map(|e| e.dialect.url_schemes())
            .map(|s| format!("{s}:"))
            .collect();
        if known.is_empty() {
            known.push("no scheme at all".into());
        }
        Err(Error::UnknownScheme {
            scheme: url.scheme().to_owned(),
            url: url.to_string(),
            known: known.join(", "),
        })
    }

    /// The dialect with this name (as stored in snapshots).
    pub fn by_name(&self, name: &str) -> Result<Arc<dyn Dialect>> {
        self.entries
            .iter()
            .find(|e| e.dialect.name() == name)
            .map(|e| e.dialect.clone())
            .ok_or_else(|| Error::UnknownDialect(name.to_owned()))
    }

    fn find_scheme(&self, scheme: &str) -> Option<&Registered> {
        self.entries
            .iter()
            .find(|e| e.dialect.url_schemes().iter().any(|s| s == scheme))
    }
}

fn describe(entry: &Registered) -> String {
    format!("{} ({})", entry.dialect.name(), entry.origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_quoted_on_one_line_and_cut() {
        let long = format!("CREATE TABLE t (\n  a int,\n  {}\n)", "b".repeat(200));
        let statement = Statement::new(None, vec![], long);
        let excerpt = statement.excerpt();
        assert!(
            excerpt.starts_with("CREATE TABLE t ( a int, bbb"),
            "{excerpt}"
        );
        assert_eq!(excerpt.chars().count(), 123);
        assert!(excerpt.ends_with("..."));
        assert_eq!(
            Statement::new(None, vec![], "SELECT\n 1").excerpt(),
            "SELECT 1"
        );
    }

    #[test]
    fn a_known_dialect_left_out_of_the_build_names_its_feature() {
        let url = DbUrl::parse("sqlite:///tmp/x.db").unwrap();
        let err = Registry::default().resolve(&url).err().unwrap();
        assert_eq!(
            err.to_string(),
            "sqlite:///tmp/x.db: the sqlite dialect is not in this build; enable the `sqlite` \
             feature of schema-replicator or load a sqlite dialect plugin (--plugin PATH or \
             SCHEMA_REPLICATOR_PLUGIN_PATH)"
        );
        let url = DbUrl::parse("oracle://scott:tiger@db/orcl").unwrap();
        let err = Registry::default().resolve(&url).err().unwrap();
        assert_eq!(
            err.to_string(),
            "unknown URL scheme `oracle:` in oracle://scott:***@db/orcl; this build knows no scheme at all"
        );
    }
}
