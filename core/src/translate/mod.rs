//! Cross-dialect translation: a schema reflected from one dialect rewritten as the IR
//! another dialect's reflection would give for its faithful copy, with a
//! [`LossReport`] that classifies every source object.
//!
//! The target dialect then plans, renders, applies, diffs and checks the translated
//! schema exactly as one of its own: translation is IR to IR, before the planner.
//! Columns take the default mapping of their direction (`docs/type-mapping.md`) or
//! the user's [`TypeMap`]; check, default, index and view expressions are re-printed
//! for the target when they use only portable constructs (`translate::expr`) and reported
//! otherwise; trigger, routine and event bodies are procedural code of their dialect
//! and are reported, never guessed. Names are fitted to the target's limits and
//! namespaces deterministically (a hash suffix), and each rename is reported.

mod expr;
pub mod report;
mod trigger;
mod typemap;
mod types;

use std::collections::{HashMap, HashSet};

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::ir::{
    CheckConstraint, Column, Expr, ForeignKey, Identity, Index, IndexKey, IndexTarget, Literal,
    MatchType, PrimaryKey, QualifiedName, ReferentialAction, Routine, RoutineKind, Schema,
    Sequence, SortOrder, Table, TableOption, Trigger, UniqueConstraint, UserType, UserTypeKind,
    View,
};
use crate::types::{DataType, TypeKind};

pub use report::{Fidelity, Loss, LossReport, Summary};
pub use typemap::{TypeMap, TypeRule};

use types::Rule;

/// The dialects a schema can be translated between.
pub const DIALECTS: [&str; 3] = ["postgres", "mysql", "sqlite"];

/// How a schema is translated to another dialect: the user's choices where the
/// default mapping has more than one faithful answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Translation {
    /// The user's type overrides (`--type-map FILE`).
    pub type_map: TypeMap,
    /// MySQL `tinyint(1)` as a boolean (it can hold other values, so not by default).
    pub tinyint1_boolean: bool,
    /// MySQL `ENUM` as text with a check of its labels rather than a PostgreSQL enum.
    pub enum_as_check: bool,
    /// A check `col >= 0` on each widened unsigned column.
    pub unsigned_checks: bool,
    /// Refuse, before anything is applied, a translation with a lossy or skipped object.
    pub strict: bool,
    /// The PostgreSQL target has PostGIS: spatial columns become `geometry` and spatial
    /// indexes GiST indexes, and `pre` creates the extension (`IF NOT EXISTS`).
    pub postgis: bool,
}

impl Translation {
    /// The same options with `type_map`.
    pub fn with_type_map(mut self, type_map: TypeMap) -> Self {
        self.type_map = type_map;
        self
    }

    /// The same options with `tinyint1_boolean`.
    pub fn with_tinyint1_boolean(mut self, on: bool) -> Self {
        self.tinyint1_boolean = on;
        self
    }

    /// The same options with `enum_as_check`.
    pub fn with_enum_as_check(mut self, on: bool) -> Self {
        self.enum_as_check = on;
        self
    }

    /// The same options with `unsigned_checks`.
    pub fn with_unsigned_checks(mut self, on: bool) -> Self {
        self.unsigned_checks = on;
        self
    }

    /// The same options with `postgis`.
    pub fn with_postgis(mut self, on: bool) -> Self {
        self.postgis = on;
        self
    }

    /// The same options with `strict`.
    pub fn with_strict(mut self, on: bool) -> Self {
        self.strict = on;
        self
    }
}

/// A schema translated for another dialect, and what became of each source object.
#[derive(Debug, Clone)]
pub struct Translated {
    /// The schema as the target dialect holds it.
    pub schema: Schema,
    /// Every source object, classified.
    pub report: LossReport,
}

/// Translates `source` for `target`. Fails when the pair is not one of [`DIALECTS`],
/// and, with [`Translation::strict`], when any object would be lossy or skipped
/// ([`Error::Lossy`], listing them).
pub fn translate(
    source: Schema,
    target: &dyn Dialect,
    options: &Translation,
) -> Result<Translated> {
    let (from, to) = (source.dialect.clone(), target.name().to_owned());
    let known = |d: &str| DIALECTS.contains(&d);
    if from == to || !known(&from) || !known(&to) {
        return Err(Error::CrossDialect {
            source_dialect: from,
            target_dialect: to,
        });
    }
    let mut tx = Tx {
        src: leak(&from),
        dst: leak(&to),
        target,
        options,
        report: LossReport::new(&from, &to),
        relations: HashSet::new(),
        tables: HashMap::new(),
        columns: HashMap::new(),
        out: Schema::new(to.clone()),
        error: None,
        unique_keys: HashMap::new(),
        primary_keys: HashMap::new(),
        on_updates: Vec::new(),
        identity_bigints: HashSet::new(),
        constraints: HashSet::new(),
        domain_columns: HashMap::new(),
        booleans: HashSet::new(),
    };
    tx.out.server_version = None;
    tx.schema(source);
    let Tx {
        out, report, error, ..
    } = tx;
    if let Some(error) = error {
        return Err(error);
    }
    if options.strict {
        let lines: Vec<String> = report.losses().map(|l| l.to_string()).collect();
        if !lines.is_empty() {
            return Err(Error::Lossy { target: to, lines });
        }
    }
    Ok(Translated {
        schema: out,
        report,
    })
}

/// `target`, a schema of the target's dialect, as a translation can describe it: the
/// owners and privileges of the target's roles, which no translation carries (the
/// applying role owns the copy), MySQL's default engine and collation, extensions'
/// versions and comments, and the state of counters are left out; and an expression
/// (a default, a check, an index key or predicate, a view's query) the target's server
/// spells otherwise than the translation (`'x'::text` for `'x'`, `(a >= (0)::numeric)`
/// for `"a" >= 0`) counts as the translation's when the two are one canonical text. `diff` compares a translated source with this, and a
/// re-run of a translated phase finds what it applied through it.
pub fn comparable(mut target: Schema, translated: &Schema) -> Schema {
    use crate::object::ObjectKind;
    // A counter's state follows the loaded rows (the seal sets it past them), which a
    // source of another dialect does not describe.
    forget_counters(&mut target);
    // An extension's version and comment are the target's own installation's.
    for extension in &mut target.extensions {
        extension.version.clear();
        extension.comment = None;
    }
    adopt_spellings(&mut target, translated);
    adopt_conversions(&mut target, translated);
    // A MySQL table's engine and collation are the server's defaults: the translation
    // names none.
    if target.dialect == "mysql" {
        for table in &mut target.tables {
            table
                .options
                .retain(|o| !matches!(o, TableOption::Engine(_) | TableOption::Collation(_)));
        }
        // A view's algorithm, security and client character set are the server's
        // defaults, its definer the account that applied it.
        for view in &mut target.views {
            view.options.clear();
            view.definer = None;
        }
    }
    target.definitions.retain(|d| {
        !matches!(
            d.kind,
            ObjectKind::Owner | ObjectKind::Privileges | ObjectKind::DefaultPrivileges
        )
    });
    target
}

/// Leaves out the state of `schema`'s counters: what a comparison across dialects
/// does not compare (the seal sets each counter past the loaded rows).
pub fn forget_counters(schema: &mut Schema) {
    for table in &mut schema.tables {
        for column in &mut table.columns {
            match &mut column.identity {
                Some(Identity::AutoIncrement { last_value }) => *last_value = None,
                Some(Identity::Generated { sequence, .. }) => sequence.last_value = None,
                None => {}
            }
        }
    }
}

/// A column the seal converted (a type map's cast) holds its final type in the target:
/// the comparison sees it as `base` created it, and the conversion as made.
fn adopt_conversions(target: &mut Schema, translated: &Schema) {
    use crate::object::ObjectKind;
    for conversion in translated
        .definitions
        .iter()
        .filter(|d| d.kind == ObjectKind::ColumnConversion)
    {
        let Some(table) = &conversion.table else {
            continue;
        };
        let Some(ours) = translated
            .table(table)
            .and_then(|t| t.column(&conversion.name.name))
        else {
            continue;
        };
        let sql = expr_text(&conversion.definition);
        let marker = format!("ALTER COLUMN {} TYPE ", crate::ir::quoted(&ours.name));
        let Some(to) = sql
            .find(&marker)
            .map(|at| &sql[at + marker.len()..])
            .and_then(|rest| rest.find(" USING (").map(|end| &rest[..end]))
        else {
            continue;
        };
        let Some(theirs) = target
            .tables
            .iter_mut()
            .find(|t| &t.name == table)
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == ours.name))
        else {
            continue;
        };
        let (kind_to, kind_theirs) = (
            TypeKind::from_sql_name(to),
            TypeKind::from_sql_name(&theirs.data_type.raw),
        );
        let converted = theirs.data_type.raw.eq_ignore_ascii_case(to.trim())
            || (kind_to != TypeKind::Other && kind_to == kind_theirs);
        if converted {
            theirs.data_type = ours.data_type.clone();
            theirs.default = ours.default.clone();
            target.definitions.push(conversion.clone());
        }
    }
}

/// Gives `target` the translation's spelling of each expression the two hold as one
/// canonical text ([`expr::canonical`]).
fn adopt_spellings(target: &mut Schema, translated: &Schema) {
    let dialect = target.dialect.clone();
    let same = |ours: &Expr, theirs: &Expr, query: bool| match (ours, theirs) {
        (Expr::Raw { sql: a, .. }, Expr::Raw { sql: b, .. }) => {
            a == b
                || matches!(
                    (
                        expr::canonical(a, &dialect, query),
                        expr::canonical(b, &dialect, query)
                    ),
                    (Some(x), Some(y)) if x == y
                )
        }
        _ => ours == theirs,
    };
    let keys_same = |ours: &Index, theirs: &Index| {
        ours.unique == theirs.unique
            && ours.keys.len() == theirs.keys.len()
            && ours.keys.iter().zip(&theirs.keys).all(|(a, b)| {
                a.order == b.order
                    && match (&a.target, &b.target) {
                        (IndexTarget::Column(x), IndexTarget::Column(y)) => x == y,
                        (IndexTarget::Expression(x), IndexTarget::Expression(y)) => {
                            same(x, y, false)
                        }
                        _ => false,
                    }
            })
            && match (&ours.predicate, &theirs.predicate) {
                (Some(x), Some(y)) => same(x, y, false),
                (None, None) => true,
                _ => false,
            }
    };
    let tables: HashMap<&QualifiedName, &Table> =
        translated.tables.iter().map(|t| (&t.name, t)).collect();
    for table in &mut target.tables {
        let Some(ours) = tables.get(&table.name) else {
            continue;
        };
        for column in &mut table.columns {
            let Some(c) = ours.column(&column.name) else {
                continue;
            };
            if let (Some(o), Some(t)) = (&c.default, &column.default) {
                if same(o, t, false) {
                    column.default = c.default.clone();
                }
            }
            if let (Some(o), Some(t)) = (&c.generated, &column.generated) {
                if same(&o.expr, &t.expr, false) {
                    column.generated = c.generated.clone();
                }
            }
        }
        for check in &mut table.checks {
            if let Some(o) = ours.checks.iter().find(|c| c.name == check.name) {
                if same(&o.expr, &check.expr, false) {
                    check.expr = o.expr.clone();
                    check.definition = o.definition.clone();
                }
            }
        }
        for index in &mut table.indexes {
            if let Some(o) = ours.indexes.iter().find(|i| i.name == index.name) {
                if keys_same(o, index) {
                    index.keys = o.keys.clone();
                    index.predicate = o.predicate.clone();
                    index.definition = o.definition.clone();
                }
            }
        }
    }
    for view in &mut target.views {
        if let Some(o) = translated.views.iter().find(|v| v.name == view.name) {
            if same(&o.query, &view.query, true) {
                view.query = o.query.clone();
            }
        }
    }
}

/// One of the three dialect names, as a `'static` string.
fn leak(name: &str) -> &'static str {
    DIALECTS
        .iter()
        .find(|d| **d == name)
        .copied()
        .unwrap_or("postgres")
}

/// A stable 32-bit FNV-1a hash of `text`, as 8 hex digits: the suffix that keeps a
/// shortened or de-duplicated name unique. Written out rather than taken from `std`,
/// whose hasher may change between releases and so rename objects between runs.
fn hash8(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

struct Tx<'a> {
    src: &'static str,
    dst: &'static str,
    target: &'a dyn Dialect,
    options: &'a Translation,
    report: LossReport,
    /// Names taken in the target's schema-wide namespace of relations and indexes
    /// (folded to lower case where the target folds them).
    relations: HashSet<String>,
    /// Source table name to target table name.
    tables: HashMap<QualifiedName, QualifiedName>,
    /// (source table, source column) to target column.
    columns: HashMap<(QualifiedName, String), String>,
    out: Schema,
    /// The first rule that cannot be followed (a type map's cast for a target that
    /// cannot convert).
    error: Option<Error>,
    /// The column sets each source table's primary and unique keys cover (sorted): what
    /// a foreign key may reference in PostgreSQL and SQLite.
    unique_keys: HashMap<QualifiedName, Vec<Vec<String>>>,
    /// Each source table's primary key columns: what a foreign key without referenced
    /// columns (SQLite's `REFERENCES parent`) references.
    primary_keys: HashMap<QualifiedName, Vec<String>>,
    /// The `ON UPDATE` columns of the table being translated for SQLite, with the
    /// value each takes: triggers made once the table is complete.
    on_updates: Vec<(String, String)>,
    /// The source's `bigint unsigned` AUTO_INCREMENT columns: a bigint identity in
    /// PostgreSQL, and so are the foreign key columns that reference them.
    identity_bigints: HashSet<(QualifiedName, String)>,
    /// MySQL's foreign key and check names taken, database-wide.
    constraints: HashSet<String>,
    /// The source's columns of a PostgreSQL domain type: name to the domain's base type.
    domain_columns: HashMap<String, String>,
    /// Integer columns made boolean by option (table, column lower case).
    booleans: HashSet<(QualifiedName, String)>,
}

impl Tx<'_> {
    fn q(&self, ident: &str) -> String {
        self.target.quote_ident(ident)
    }

    /// A name in a key or index definition: as PostgreSQL's deparser writes it, or
    /// quoted by the target dialect.
    fn key_ident(&self, name: &str) -> String {
        match self.pg() {
            true => deparse_ident(name),
            false => self.q(name),
        }
    }

    /// `CREATE UNIQUE INDEX` of a PostgreSQL key, as the server reflects it.
    fn key_index(&self, name: &str, table: &QualifiedName, list: &str) -> Expr {
        self.raw(format!(
            "CREATE UNIQUE INDEX {} ON {} USING btree ({list})",
            deparse_ident(name),
            deparse_table(table)
        ))
    }

    fn pg(&self) -> bool {
        self.dst == "postgres"
    }

    /// The target's identifier limit: PostgreSQL 63 bytes, MySQL 64 characters.
    fn fits(&self, name: &str) -> bool {
        match self.dst {
            "postgres" => name.len() <= 63,
            "mysql" => name.chars().count() <= 64,
            _ => true,
        }
    }

    /// `name` within the target's limit: unchanged when it fits, else cut and suffixed
    /// with the hash of the whole name.
    fn fit(&self, name: &str) -> String {
        if self.fits(name) {
            return name.to_owned();
        }
        let suffix = format!("_{}", hash8(name));
        let mut cut = String::new();
        for c in name.chars() {
            let mut next = cut.clone();
            next.push(c);
            next.push_str(&suffix);
            if !self.fits(&next) {
                break;
            }
            cut.push(c);
        }
        cut + &suffix
    }

    /// Whether the target folds the case of names when it compares them (MySQL's table
    /// names on case-insensitive file systems, SQLite's names always).
    fn folds(&self) -> bool {
        self.dst != "postgres"
    }

    fn key(&self, name: &str) -> String {
        if self.folds() {
            name.to_lowercase()
        } else {
            name.to_owned()
        }
    }

    /// `wanted`, fitted and made unique among the target's schema-wide names (then
    /// suffixed with the hash of `scope` and `wanted`); taken. Reports a rename of
    /// `object`.
    fn unique(&mut self, wanted: &str, scope: &str, object: &str) -> String {
        let mut name = self.fit(wanted);
        let mut attempt = 0;
        loop {
            if self.relations.insert(self.key(&name)) {
                break;
            }
            attempt += 1;
            let seed = format!("{scope}.{wanted}.{attempt}");
            let suffix = format!("_{}", hash8(&seed));
            let mut base = wanted.to_owned();
            while !self.fits(&(base.clone() + &suffix)) {
                base.pop();
            }
            name = base + &suffix;
        }
        if name != wanted {
            let reason = if self.fits(wanted) {
                "its name is taken in the target's namespace".to_owned()
            } else {
                format!("its name exceeds {}'s identifier limit", self.dst)
            };
            self.report
                .mapped(object, wanted, name.clone(), Some(reason));
        }
        name
    }

    /// A table's name in the target: PostgreSQL's in `public`.
    fn table_name(&self, source: &QualifiedName) -> QualifiedName {
        self.tables
            .get(source)
            .cloned()
            .unwrap_or_else(|| self.place(&source.name))
    }

    fn place(&self, name: &str) -> QualifiedName {
        match self.pg() {
            true => QualifiedName::bare(name).in_schema("public"),
            false => QualifiedName::bare(name),
        }
    }

    /// A column's name in the target. SQLite compares names without case, so a key
    /// may spell its column otherwise than the table does.
    fn column_name(&self, table: &QualifiedName, column: &str) -> String {
        if let Some(name) = self.columns.get(&(table.clone(), column.to_owned())) {
            return name.clone();
        }
        if self.src == "sqlite" {
            let found = self
                .columns
                .iter()
                .find(|((t, c), _)| t == table && c.eq_ignore_ascii_case(column));
            if let Some((_, name)) = found {
                return name.clone();
            }
        }
        column.to_owned()
    }

    fn raw(&self, sql: impl Into<String>) -> Expr {
        Expr::raw(self.dst, sql)
    }

    fn literal(&self, text: &str) -> String {
        let mut s = text.replace('\'', "''");
        if self.dst == "mysql" {
            s = s.replace('\\', "\\\\");
        }
        format!("'{s}'")
    }

    fn schema(&mut self, source: Schema) {
        let Schema {
            tables,
            views,
            triggers,
            namespaces,
            extensions,
            types,
            sequences,
            routines,
            events,
            grants,
            virtual_tables,
            definitions,
            skipped,
            ..
        } = source;
        for n in namespaces {
            self.report.skipped(
                format!("schema {}", crate::ir::quoted(&n.name)),
                format!(
                    "its tables are created in the {} database's own namespace",
                    self.dst
                ),
            );
        }
        if self.pg() && self.options.postgis {
            self.out.extensions.push(crate::ir::Extension {
                name: "postgis".into(),
                schema: "public".into(),
                version: String::new(),
                comment: None,
            });
        }
        for e in extensions {
            self.report.skipped(
                format!("extension {}", crate::ir::quoted(&e.name)),
                format!("{} extensions have no {} equivalent", self.src, self.dst),
            );
        }
        // Enumerations and domains a column uses become the column's own type.
        for t in &types {
            let object = format!("type {}", t.name);
            match &t.kind {
                UserTypeKind::Enum { .. } | UserTypeKind::Domain { .. } => self.report.mapped(
                    object,
                    "a type",
                    "the type of each column that uses it",
                    None,
                ),
                _ => self
                    .report
                    .skipped(object, format!("{} has no composite types", self.dst)),
            }
        }
        let user_types: HashMap<QualifiedName, UserType> =
            types.into_iter().map(|t| (t.name.clone(), t)).collect();
        // Names first: a foreign key may reference a table listed after it.
        for table in &tables {
            let sorted = |columns: &[String]| {
                let mut columns = columns.to_vec();
                columns.sort();
                columns
            };
            let keys = table
                .primary_key
                .iter()
                .map(|k| sorted(&k.columns))
                .chain(table.unique_constraints.iter().map(|u| sorted(&u.columns)))
                .chain(
                    table
                        .indexes
                        .iter()
                        .filter(|i| i.unique && i.predicate.is_none())
                        .filter_map(|i| {
                            let columns: Option<Vec<String>> = i
                                .keys
                                .iter()
                                .map(|k| match &k.target {
                                    IndexTarget::Column(c) => Some(c.clone()),
                                    _ => None,
                                })
                                .collect();
                            columns.map(|c| sorted(&c))
                        }),
                )
                .collect();
            self.unique_keys.insert(table.name.clone(), keys);
            for column in &table.columns {
                let unsigned_big = matches!(
                    column.data_type.kind,
                    TypeKind::Integer {
                        bytes: 8,
                        unsigned: true
                    }
                );
                if unsigned_big && matches!(column.identity, Some(Identity::AutoIncrement { .. })) {
                    self.identity_bigints
                        .insert((table.name.clone(), column.name.clone()));
                }
            }
            if let Some(pk) = &table.primary_key {
                self.primary_keys
                    .insert(table.name.clone(), pk.columns.clone());
            }
            let wanted = match (&table.name.schema, self.src) {
                (Some(s), "postgres") if s != "public" => format!("{s}_{}", table.name.name),
                _ => table.name.name.clone(),
            };
            let object = format!("table {}", table.name);
            let name = self.unique(&wanted, "", &object);
            self.tables.insert(table.name.clone(), self.place(&name));
            let mut seen: HashSet<String> = HashSet::new();
            for column in &table.columns {
                let mut name = self.fit(&column.name);
                let mut attempt = 0;
                while !seen.insert(self.key(&name)) {
                    attempt += 1;
                    name = self.fit(&format!(
                        "{}_{}",
                        column.name,
                        hash8(&format!("{}.{attempt}", column.name))
                    ));
                }
                if name != column.name {
                    self.report.mapped(
                        format!("column {}.{}", table.name, crate::ir::quoted(&column.name)),
                        column.name.clone(),
                        name.clone(),
                        Some("its name exceeds the limit or collides in the target".into()),
                    );
                }
                self.columns
                    .insert((table.name.clone(), column.name.clone()), name);
            }
        }
        for sequence in sequences {
            self.sequence(sequence);
        }
        for table in tables {
            self.table(table, &user_types);
        }
        let renames = self.renamed_tables();
        let domains = std::mem::take(&mut self.domain_columns);
        for view in views {
            self.view(view, &renames, &domains);
        }
        for trigger in triggers {
            self.trigger(trigger);
        }
        for routine in routines {
            let reason = self.procedural();
            self.report.skipped(
                format!("{} {}", routine.kind.sql().to_lowercase(), routine.name),
                reason,
            );
        }
        for event in events {
            self.report.skipped(
                format!("event {}", event.name),
                format!("{} has no scheduled events", self.dst),
            );
        }
        for grant in grants {
            self.report.skipped(
                format!("grant {}", grant.describe()),
                format!(
                    "privileges of {} accounts are not translated to {} roles",
                    self.src, self.dst
                ),
            );
        }
        for v in virtual_tables {
            self.report.skipped(
                format!("virtual table {}", v.name),
                format!(
                    "the {} module {} has no {} equivalent",
                    self.src, v.module, self.dst
                ),
            );
        }
        for d in definitions {
            use crate::object::ObjectKind;
            let reason = match d.kind {
                ObjectKind::Owner => "the account that applies the copy owns it".to_owned(),
                ObjectKind::Privileges | ObjectKind::DefaultPrivileges => {
                    format!("privileges of {} roles are not translated", self.src)
                }
                kind => format!("{} has no {}", self.dst, kind.label()),
            };
            self.report.skipped(d.describe(), reason);
        }
        for s in skipped {
            self.report.skipped(
                format!("{} {}", s.kind, crate::ir::quoted(&s.name)),
                format!("the {} source cannot replicate it: {}", self.src, s.reason),
            );
            self.out.skipped.push(s);
        }
    }

    /// The tables the translation renamed, by the source's name as a view writes it
    /// (`schema.table` for PostgreSQL): what a view's query reads under another name.
    fn renamed_tables(&self) -> HashMap<String, String> {
        self.tables
            .iter()
            .map(|(from, to)| {
                let key = match (&from.schema, self.src) {
                    (Some(schema), "postgres") => format!("{schema}.{}", from.name),
                    _ => from.name.clone(),
                };
                (key, to.name.clone())
            })
            .collect()
    }

    /// A PL/pgSQL trigger function the translation writes (`pg_trigger_function`).
    fn push_trigger_function(&mut self, name: &QualifiedName, definition: String) {
        self.out.routines.push(Routine {
            name: name.clone(),
            arguments: String::new(),
            kind: RoutineKind::Function,
            definition: self.raw(definition),
            after_tables: false,
            requires: Vec::new(),
            settings: Vec::new(),
            definer: None,
            comment: None,
        });
    }

    /// How the report names a check or foreign key (`check "c" of table "t"`; an unnamed
    /// one by its kind alone).
    fn constraint_object(kind: &str, name: Option<&str>, table: &QualifiedName) -> String {
        let name = name
            .map(|n| format!("{} ", crate::ir::quoted(n)))
            .unwrap_or_default();
        format!("{kind} {name}of table {table}")
    }

    /// Why a procedural body is not translated.
    fn procedural(&self) -> String {
        format!(
            "its body is {} procedural code, which is not translated: write it for {}",
            self.src, self.dst
        )
    }

    /// A MySQL or SQLite row trigger for PostgreSQL where its body is faithful
    /// ([`trigger::to_postgres`]): a PL/pgSQL function and the trigger that runs it.
    /// Every other trigger is reported, never guessed.
    fn trigger(&mut self, source: Trigger) {
        let object = format!("trigger {} on table {}", source.name, source.table);
        if !self.pg() || self.src == "postgres" || !self.tables.contains_key(&source.table) {
            let reason = self.procedural();
            self.report.skipped(object, reason);
            return;
        }
        let table = self.table_name(&source.table);
        let name = self.fit(&source.name.name);
        let wanted = format!("{}_{}", table.name, source.name.name);
        let function = self.unique(&wanted, "", &format!("function of {object}"));
        let function = self.place(&function);
        let guard = format!("schema_replicator.trigger_{}", hash8(&wanted));
        let sql = expr_text(&source.definition);
        match trigger::to_postgres(
            &sql,
            self.src,
            &deparse_ident(&name),
            &deparse_table(&table),
            &deparse_table(&function),
            &guard,
        ) {
            Ok(translated) => {
                self.push_trigger_function(&function, translated.function);
                self.out.triggers.push(Trigger {
                    name: self.place(&name),
                    table,
                    definition: self.raw(translated.trigger),
                    settings: Vec::new(),
                    definer: None,
                    comment: source.comment.clone(),
                });
                self.report.mapped(
                    object,
                    "trigger",
                    format!("trigger running the PL/pgSQL function {function}"),
                    None,
                );
            }
            Err(why) => {
                let reason = format!("{}: {why}", self.procedural());
                self.report.skipped(object, reason);
            }
        }
    }

    fn sequence(&mut self, sequence: Sequence) {
        let object = format!("sequence {}", sequence.name);
        if let (Some(owner), false) = (&sequence.owned_by, self.pg()) {
            self.report.mapped(
                object,
                "the sequence of a serial column",
                format!(
                    "the AUTO_INCREMENT of column {}",
                    crate::ir::quoted(&owner.column)
                ),
                None,
            );
            return;
        }
        if self.dst != "postgres" {
            self.report.skipped(
                object,
                format!("{} has no free-standing sequences", self.dst),
            );
            return;
        }
        let name = self.unique(&sequence.name.name, "", &object);
        self.report.exact(object);
        self.out.sequences.push(Sequence {
            name: self.place(&name),
            data_type: "bigint".into(),
            owned_by: None,
            options: Vec::new(),
            ..sequence
        });
    }

    fn table(&mut self, source: Table, user_types: &HashMap<QualifiedName, UserType>) {
        let object = format!("table {}", source.name);
        let name = self.table_name(&source.name);
        let mut table = Table::new(name.clone());
        table.comment = source.comment.clone();
        // Notes of the table itself.
        let mut notes: Vec<(Fidelity, String)> = Vec::new();
        for option in &source.options {
            match option {
                TableOption::Engine(e) if e.eq_ignore_ascii_case("InnoDB") => {}
                TableOption::Engine(e) => notes.push((
                    Fidelity::Mapped,
                    format!("the {e} engine: the target's tables are transactional"),
                )),
                TableOption::Collation(c) if c.ends_with("_ci") => notes.push((
                    Fidelity::Mapped,
                    format!("collation {c}: comparisons and unique keys become case-sensitive"),
                )),
                TableOption::Collation(_) | TableOption::CreateOptions(_) => {}
                TableOption::WithoutRowid => notes.push((
                    Fidelity::Mapped,
                    "WITHOUT ROWID: the primary key is an index of an ordinary table".into(),
                )),
                TableOption::Strict => notes.push((
                    Fidelity::Mapped,
                    "STRICT: the target enforces column types itself".into(),
                )),
                TableOption::Unlogged if self.pg() => {
                    table.options.push(TableOption::Unlogged);
                }
                TableOption::Partitioning(p) | TableOption::PartitionBy(p) => notes.push((
                    Fidelity::Lossy,
                    format!("partitioned ({p}): the target's table is not partitioned"),
                )),
                TableOption::PartitionOf { parent, .. } => notes.push((
                    Fidelity::Lossy,
                    format!("a partition of {parent}: the target's table stands alone"),
                )),
                TableOption::Inherits(parents) => notes.push((
                    Fidelity::Lossy,
                    format!(
                        "inherits from {}: the target's table stands alone",
                        parents
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                TableOption::Unlogged => notes.push((
                    Fidelity::Mapped,
                    "UNLOGGED: the target's table is logged".into(),
                )),
                other => notes.push((Fidelity::Lossy, format!("{other:?} is not translated"))),
            }
        }
        // Columns, and for each the widest key it is part of (primary, unique or foreign:
        // MySQL cannot make such a key of unlimited text; a plain index takes a prefix).
        let mut key_width: HashMap<&str, usize> = HashMap::new();
        let unique_indexes = source.indexes.iter().filter(|i| i.unique).map(|i| {
            i.keys
                .iter()
                .filter_map(|k| match &k.target {
                    IndexTarget::Column(c) => Some(c),
                    _ => None,
                })
                .collect::<Vec<_>>()
        });
        let keys = source
            .primary_key
            .iter()
            .map(|k| k.columns.iter().collect::<Vec<_>>())
            .chain(
                source
                    .unique_constraints
                    .iter()
                    .map(|u| u.columns.iter().collect()),
            )
            .chain(
                source
                    .foreign_keys
                    .iter()
                    .map(|f| f.columns.iter().collect()),
            )
            .chain(unique_indexes);
        for key in keys {
            for column in &key {
                let width = key_width.entry(column.as_str()).or_default();
                *width = (*width).max(key.len());
            }
        }
        let single_integer_key = match &source.primary_key {
            Some(pk) if pk.columns.len() == 1 && self.src == "sqlite" => source
                .column(&pk.columns[0])
                .filter(|c| c.data_type.raw.eq_ignore_ascii_case("INTEGER"))
                .map(|c| c.name.clone()),
            _ => None,
        };
        let mut rule_checks: Vec<(String, Rule)> = Vec::new();
        let mut checks = source.checks.clone();
        for column in &source.columns {
            let (rule, domain_checks) = self.column(
                &source,
                column,
                &mut table,
                key_width.get(column.name.as_str()).copied(),
                single_integer_key.as_deref() == Some(column.name.as_str()),
                user_types,
            );
            if let Some(rule) = rule {
                rule_checks.push((self.column_name(&source.name, &column.name), rule));
            }
            checks.extend(domain_checks);
        }
        // SQLite keeps no comments.
        let commented =
            source.comment.is_some() || source.columns.iter().any(|c| c.comment.is_some());
        if self.dst == "sqlite" && commented {
            notes.push((
                Fidelity::Lossy,
                "its comments are not kept: SQLite has none".into(),
            ));
            table.comment = None;
            for column in &mut table.columns {
                column.comment = None;
            }
        }
        let status = notes
            .iter()
            .map(|(s, _)| *s)
            .max()
            .unwrap_or(Fidelity::Exact);
        let reason: Vec<String> = notes.into_iter().map(|(_, n)| n).collect();
        match status {
            Fidelity::Exact => self.report.exact(&object),
            Fidelity::Mapped => {
                self.report
                    .mapped(&object, "table", "table", Some(reason.join("; ")))
            }
            _ => self.report.lossy(&object, None, None, reason.join("; ")),
        }
        // Every dialect but SQLite holds a primary key's columns NOT NULL (SQLite numbers
        // a rowid alias's NULL).
        if let Some(pk) = &source.primary_key {
            let keyed: Vec<String> = pk
                .columns
                .iter()
                .map(|c| self.column_name(&source.name, c))
                .collect();
            for column in &mut table.columns {
                if keyed.contains(&column.name) {
                    column.nullable = false;
                    // MySQL's DEFAULT NULL of a nullable column: not for a key's.
                    if matches!(&column.default, Some(Expr::Raw { sql, .. }) if sql == "NULL") {
                        column.default = None;
                    }
                }
            }
        }
        self.primary_key(&source, &mut table);
        for exclusion in &source.exclusions {
            self.report.skipped(
                format!(
                    "exclusion constraint {} of table {}",
                    crate::ir::quoted(&exclusion.name),
                    source.name
                ),
                format!("{} has no exclusion constraints", self.dst),
            );
        }
        for (n, unique) in source.unique_constraints.iter().enumerate() {
            self.unique_constraint(&source, unique, n, &mut table);
        }
        let mut check_names: HashSet<String> = HashSet::new();
        for check in &checks {
            self.check(&source, check, &mut table, &mut check_names);
        }
        for (column, rule) in rule_checks {
            self.rule_check(&column, rule, &mut table, &mut check_names);
        }
        for fk in &source.foreign_keys {
            self.foreign_key(&source, fk, &mut table);
        }
        for index in &source.indexes {
            self.index(&source, index, &mut table);
        }
        if self.dst == "mysql" {
            foreign_key_indexes(&mut table, |n| self.q(n));
            self.one_auto_increment(&source, &mut table);
            // MySQL lists a table's checks by name.
            table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for (column, value) in std::mem::take(&mut self.on_updates) {
            self.sqlite_on_update(&table, &column, &value);
        }
        self.out.tables.push(table);
    }

    /// Translates one column into `table`; returns a rule of its type the seal checks,
    /// and the checks of its domain (PostgreSQL), as checks of the source's dialect.
    fn column(
        &mut self,
        source: &Table,
        column: &Column,
        table: &mut Table,
        key_width: Option<usize>,
        rowid_alias: bool,
        user_types: &HashMap<QualifiedName, UserType>,
    ) -> (Option<Rule>, Vec<CheckConstraint>) {
        let object = format!("column {}.{}", source.name, crate::ir::quoted(&column.name));
        let name = self.column_name(&source.name, &column.name);
        // A user type of the source: its enumeration or its domain's base type.
        let mut data_type = column.data_type.clone();
        let mut domain_checks = Vec::new();
        let (mut domain_not_null, mut domain_default) = (false, None);
        if self.src == "postgres" {
            let key = parse_type_name(&column.data_type.raw);
            if let Some(t) = key.and_then(|k| user_types.get(&k)) {
                match &t.kind {
                    UserTypeKind::Enum { labels } => {
                        let quoted: Vec<String> = labels
                            .iter()
                            .map(|l| format!("'{}'", l.replace('\'', "''")))
                            .collect();
                        data_type = DataType {
                            kind: TypeKind::Other,
                            raw: format!("enum({})", quoted.join(",")),
                        };
                    }
                    UserTypeKind::Domain {
                        base,
                        checks,
                        nullable,
                        default,
                        ..
                    } => {
                        self.domain_columns
                            .insert(column.name.clone(), base.raw.to_lowercase());
                        data_type = base.clone();
                        domain_checks = checks.clone();
                        domain_not_null = !nullable;
                        domain_default = default.clone();
                    }
                    _ => {}
                }
            }
        }
        let user = self
            .options
            .type_map
            .lookup(&source.name.name, &column.name, &data_type.raw)
            .cloned();
        // A rule with a cast: the column is created as the default mapping has it (the
        // source's rows load as they are) and converted by the seal.
        let conversion = user.clone().filter(|r| r.cast.is_some());
        let user = user.filter(|r| r.cast.is_none());
        let mut mapped = match &user {
            Some(rule) => types::Mapped {
                raw: rule.to.clone(),
                status: Fidelity::Mapped,
                note: Some(format!("by the type map's rule \"{}\"", rule.pattern)),
                rule: None,
                enum_type: None,
            },
            None => {
                // A PostgreSQL enum becomes MySQL's inline ENUM or a checked text.
                let (src, raw) = (self.src, data_type.raw.clone());
                if src == "postgres" && raw.starts_with("enum(") {
                    let labels = types::labels(&raw);
                    if self.dst == "mysql" {
                        types::Mapped {
                            raw,
                            status: Fidelity::Mapped,
                            note: Some("the enumeration inline".into()),
                            rule: None,
                            enum_type: None,
                        }
                    } else {
                        types::Mapped {
                            raw: "TEXT".into(),
                            status: Fidelity::Mapped,
                            note: Some("text with a check of its labels".into()),
                            rule: Some(Rule::OneOf(labels)),
                            enum_type: None,
                        }
                    }
                } else {
                    types::map(
                        src,
                        self.dst,
                        &raw,
                        &data_type.kind,
                        key_width,
                        self.options,
                    )
                }
            }
        };
        if let Some(labels) = mapped.enum_type.take() {
            let type_name = self.unique(
                &format!("{}_{}", table.name.name, name),
                &table.name.name,
                &format!("enumeration of {object}"),
            );
            let qualified = self.place(&type_name);
            mapped.raw = qualified.to_string();
            self.out.types.push(UserType {
                name: qualified,
                kind: UserTypeKind::Enum { labels },
                requires: Vec::new(),
                comment: None,
            });
        }
        // A `bigint unsigned` AUTO_INCREMENT, and a foreign key's column that holds
        // its values: PostgreSQL's identity is at most a bigint.
        if self.pg() && mapped.raw == "numeric(20,0)" && user.is_none() {
            let key = (source.name.clone(), column.name.clone());
            let references = source.foreign_keys.iter().any(|fk| {
                fk.columns.iter().zip(&fk.referenced_columns).any(|(c, r)| {
                    c == &column.name
                        && self
                            .identity_bigints
                            .contains(&(fk.referenced_table.clone(), r.clone()))
                })
            });
            if self.identity_bigints.contains(&key) || references {
                mapped.raw = "bigint".into();
                mapped.note = Some(
                    "an AUTO_INCREMENT's bigint unsigned, or a key holding its values: \
                     bigint, PostgreSQL's widest identity (values above \
                     9223372036854775807 are refused)"
                        .into(),
                );
            }
        }
        let boolean_by_option = mapped.raw.eq_ignore_ascii_case("boolean")
            && !matches!(data_type.kind, TypeKind::Boolean if self.src == "postgres");
        if boolean_by_option {
            self.booleans
                .insert((source.name.clone(), column.name.to_lowercase()));
        }
        let mut out = Column::new(
            name,
            DataType {
                kind: TypeKind::from_sql_name(&mapped.raw),
                raw: mapped.raw.clone(),
            },
        );
        // A domain's NOT NULL and default hold for its column.
        out.nullable = column.nullable && !domain_not_null;
        let column_default = column.default.clone().or(domain_default);
        out.comment = column.comment.clone();
        let mut losses: Vec<String> = Vec::new();
        if let Some(note) = &mapped.note {
            losses.push(note.clone());
        }
        let mut status = mapped.status;
        let lose = |why: String, status: &mut Fidelity, losses: &mut Vec<String>| {
            *status = Fidelity::Lossy;
            losses.push(why);
        };
        if column.invisible {
            lose(
                format!("{} has no invisible columns", self.dst),
                &mut status,
                &mut losses,
            );
        }
        if let Some(collation) = &column.collation {
            let mut notes = Vec::new();
            if self.src == "mysql" && !collation.starts_with("utf8") {
                let charset = collation.split('_').next().unwrap_or(collation);
                notes.push(format!(
                    "character set {charset}: the target holds the text in its own encoding"
                ));
            }
            let binary = match self.src {
                "sqlite" => collation.eq_ignore_ascii_case("BINARY"),
                "mysql" => collation.ends_with("_bin"),
                _ => false,
            };
            if collation.ends_with("_ci") || collation.eq_ignore_ascii_case("NOCASE") {
                notes.push(format!(
                    "collation {collation}: comparisons become case-sensitive"
                ));
            } else if !binary {
                notes.push(format!(
                    "collation {collation}: the target's default collation compares and \
                     orders the text"
                ));
            }
            if !notes.is_empty() {
                status = status.max(Fidelity::Mapped);
                losses.extend(notes);
            }
        }
        // Identity: AUTO_INCREMENT, SQLite's AUTOINCREMENT and rowid alias, serial.
        let serial =
            matches!(&column.default, Some(Expr::Raw { sql, .. }) if sql.starts_with("nextval("));
        let counted = match &column.identity {
            Some(Identity::AutoIncrement { last_value }) => Some(*last_value),
            Some(Identity::Generated { sequence, .. }) => Some(sequence.last_value),
            None if rowid_alias && self.src == "sqlite" => Some(None),
            None if serial && self.src == "postgres" => Some(None),
            None => None,
        };
        let sole_key = source
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns == [column.name.clone()]);
        let counted = match counted {
            // SQLite numbers only its rowid: an INTEGER PRIMARY KEY of one column.
            Some(_) if self.dst == "sqlite" && !sole_key => {
                lose(
                    "SQLite numbers only a one-column INTEGER PRIMARY KEY: AUTO_INCREMENT dropped"
                        .into(),
                    &mut status,
                    &mut losses,
                );
                None
            }
            Some(last) if self.dst == "sqlite" => {
                out.data_type = DataType::from_raw("INTEGER");
                mapped.raw = "INTEGER".into();
                Some(last)
            }
            other => other,
        };
        if let Some(last_value) = counted {
            out.identity = Some(self.identity(table, &out, last_value));
            if matches!(
                column.identity,
                Some(Identity::Generated { always: true, .. })
            ) {
                lose(
                    "GENERATED ALWAYS: the target accepts explicit values".into(),
                    &mut status,
                    &mut losses,
                );
            }
            if column.identity.is_none() {
                status = status.max(Fidelity::Mapped);
                losses.push(match rowid_alias {
                    true => "a rowid alias: an identity that numbers new rows".into(),
                    false => "a serial column: the target numbers new rows".into(),
                });
            }
        }
        if let Some(generated) = &column.generated {
            match expr::expression(&expr_text(&generated.expr), self.src, self.dst) {
                Ok(sql) => {
                    out.generated = Some(Box::new(crate::ir::Generated {
                        expr: self.raw(sql),
                        stored: generated.stored || self.pg(),
                    }));
                    if !generated.stored && self.pg() {
                        status = status.max(Fidelity::Mapped);
                        losses.push("a virtual generated column: stored".into());
                    }
                }
                Err(why) => lose(
                    format!("its generation is dropped: {why}"),
                    &mut status,
                    &mut losses,
                ),
            }
        } else if let Some(default) = &column_default {
            if !(serial && out.identity.is_some()) {
                match self.default(default, &mapped.raw) {
                    Ok(d) => out.default = d,
                    Err(why) => lose(
                        format!("its default is dropped: {why}"),
                        &mut status,
                        &mut losses,
                    ),
                }
            }
        }
        // MySQL reflects a nullable column without a default as DEFAULT NULL.
        if self.dst == "mysql" && out.nullable && out.default.is_none() && out.generated.is_none() {
            out.default = Some(self.raw("NULL"));
        }
        let on_update = match &column.on_update {
            Some(on_update) => self.on_update(table, &out, on_update, &mut status, &mut losses),
            None => None,
        };
        // A domain's checks become checks of each column of the domain.
        let domain_checks = domain_checks
            .into_iter()
            .map(|mut check| {
                let text = expr::replace_value(&expr_text(&check.expr), &column.name)
                    .unwrap_or_else(|| expr_text(&check.expr));
                check.expr = Expr::raw(self.src, text);
                check.definition = None;
                check.column = Some(column.name.clone());
                check.name = check.name.map(|n| format!("{}_{n}", column.name));
                check
            })
            .collect();
        if let Some(rule) = conversion {
            match self.conversion(table, &out, column, &rule) {
                Ok(note) => {
                    status = status.max(Fidelity::Mapped);
                    losses.push(note);
                    mapped.raw = rule.to.clone();
                }
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
        let from = column.data_type.raw.clone();
        match status {
            Fidelity::Exact => self.report.exact(object),
            Fidelity::Mapped => self.report.mapped(
                object,
                from,
                mapped.raw.clone(),
                Some(losses.join("; ")).filter(|s| !s.is_empty()),
            ),
            _ => self.report.lossy(
                object,
                Some(from),
                Some(mapped.raw.clone()),
                losses.join("; "),
            ),
        }
        if let Some(on_update) = on_update {
            out.on_update = Some(Box::new(on_update));
        }
        table.columns.push(out);
        (mapped.rule, domain_checks)
    }

    /// The seal's conversion of `column` (created as `out`) to the type map's `rule`:
    /// `ALTER COLUMN ... TYPE ... USING (cast)`, its default dropped before and set
    /// again for the new type after. Returns the report's note.
    fn conversion(
        &mut self,
        table: &Table,
        out: &Column,
        column: &Column,
        rule: &TypeRule,
    ) -> Result<String> {
        let refuse = |reason: &str| Error::TypeMap {
            path: self.options.type_map.origin.clone(),
            reason: format!("\"{}\": {reason}", rule.pattern),
        };
        if !self.pg() {
            return Err(refuse(&format!(
                "a cast converts the loaded rows in the seal, which only a postgres target \
                 can do (the target is {})",
                self.dst
            )));
        }
        if out.identity.is_some() || out.generated.is_some() {
            return Err(refuse(
                "an identity or generated column cannot be converted by a cast",
            ));
        }
        let cast = rule.cast.clone().unwrap_or_default();
        let c = self.q(&out.name);
        let t = table.name.to_string();
        let mut sql = format!("ALTER TABLE {t} ");
        if out.default.is_some() {
            sql.push_str(&format!("ALTER COLUMN {c} DROP DEFAULT, "));
        }
        sql.push_str(&format!("ALTER COLUMN {c} TYPE {} USING ({cast})", rule.to));
        let mut note = format!(
            "loaded as {}, converted by the seal USING ({cast})",
            out.data_type.raw
        );
        if let Some(default) = &column.default {
            match self.default(default, &rule.to) {
                Ok(Some(d)) => {
                    sql.push_str(&format!(", ALTER COLUMN {c} SET DEFAULT {}", expr_text(&d)));
                }
                Ok(None) => {}
                Err(why) => note.push_str(&format!("; its default is dropped: {why}")),
            }
        }
        self.out.definitions.push(crate::ir::Definition {
            kind: crate::object::ObjectKind::ColumnConversion,
            name: QualifiedName {
                schema: table.name.schema.clone(),
                name: out.name.clone(),
            },
            table: Some(table.name.clone()),
            of: None,
            phase: crate::object::Phase::Seal,
            definition: self.raw(sql),
            requires: Vec::new(),
            roles: Vec::new(),
            comment: None,
        });
        Ok(note)
    }

    /// The identity of `column` in the target: PostgreSQL's BY DEFAULT identity with
    /// its sequence (the seal sets it past the loaded rows), MySQL's and SQLite's
    /// auto-increment with the source's counter.
    fn identity(&mut self, table: &Table, column: &Column, last_value: Option<i64>) -> Identity {
        if !self.pg() {
            return Identity::AutoIncrement { last_value };
        }
        let name = self.unique(
            &format!("{}_{}_seq", table.name.name, column.name),
            &table.name.name,
            &format!("sequence of column {}", crate::ir::quoted(&column.name)),
        );
        let (data_type, max) = match column.data_type.raw.as_str() {
            "smallint" => ("smallint", i64::from(i16::MAX)),
            "integer" => ("integer", i64::from(i32::MAX)),
            _ => ("bigint", i64::MAX),
        };
        let mut sequence = Sequence::new(self.place(&name));
        sequence.data_type = data_type.into();
        sequence.max_value = max;
        sequence.last_value = last_value;
        Identity::Generated {
            always: false,
            sequence: Box::new(sequence),
        }
    }

    /// A default in the target, `None` for a NULL default, `Err` with the reason when
    /// it cannot be translated faithfully.
    fn default(&self, default: &Expr, to_type: &str) -> std::result::Result<Option<Expr>, String> {
        enum Value {
            Text(String),
            Number(String),
            Sql(String),
        }
        let value = match default {
            Expr::Literal { value } => match value {
                Literal::Null => return Ok(None),
                Literal::Number(n) => Value::Number(n.clone()),
                Literal::String(s) => Value::Text(s.clone()),
            },
            Expr::Raw { sql, .. } => {
                let sql = sql.trim();
                if sql.eq_ignore_ascii_case("NULL") {
                    return Ok(None);
                }
                if let Some(value) = unquote(sql, self.src) {
                    if value.starts_with("0000-00-00") && self.pg() {
                        return Err(format!("the zero date {sql} has no {} value", self.dst));
                    }
                    Value::Text(value)
                } else if sql.parse::<f64>().is_ok() {
                    Value::Number(sql.to_owned())
                } else {
                    Value::Sql(expr::expression(sql, self.src, self.dst)?)
                }
            }
        };
        // SQLite's TRUE and FALSE in a column that holds numbers: 1 and 0.
        if !to_type.eq_ignore_ascii_case("boolean") {
            if let Value::Sql(v) = &value {
                match v.to_ascii_lowercase().as_str() {
                    "true" => return Ok(Some(self.number_default("1"))),
                    "false" => return Ok(Some(self.number_default("0"))),
                    _ => {}
                }
            }
        }
        // A boolean of MySQL's 0 and 1.
        if to_type.eq_ignore_ascii_case("boolean") {
            if let Value::Text(v) | Value::Number(v) = &value {
                match v.as_str() {
                    "0" => return Ok(Some(self.raw("false"))),
                    "1" => return Ok(Some(self.raw("true"))),
                    _ => {}
                }
            }
        }
        Ok(Some(match (value, self.dst) {
            // SQLite's reflection keeps literal defaults as literals.
            (Value::Text(v), "sqlite") => Expr::Literal {
                value: Literal::String(v),
            },
            (Value::Number(n), "sqlite") => Expr::Literal {
                value: Literal::Number(n),
            },
            (Value::Text(v), _) => self.raw(self.literal(&v)),
            (Value::Number(n) | Value::Sql(n), _) => self.raw(n),
        }))
    }

    /// A numeric default as the target's reflection holds it.
    fn number_default(&self, n: &str) -> Expr {
        match self.dst {
            "sqlite" => Expr::Literal {
                value: Literal::Number(n.to_owned()),
            },
            _ => self.raw(n),
        }
    }

    /// MySQL's `ON UPDATE CURRENT_TIMESTAMP`: in PostgreSQL a trigger that sets the
    /// column when a row changes and the statement does not set it.
    fn on_update(
        &mut self,
        table: &Table,
        column: &Column,
        on_update: &Expr,
        status: &mut Fidelity,
        losses: &mut Vec<String>,
    ) -> Option<Expr> {
        let text = expr_text(on_update);
        let value = match expr::expression(&text, self.src, self.dst) {
            Ok(v) => v,
            Err(why) => {
                *status = Fidelity::Lossy;
                losses.push(format!("its ON UPDATE is dropped: {why}"));
                return None;
            }
        };
        if self.dst == "mysql" {
            return Some(self.raw(value));
        }
        if !self.pg() {
            // SQLite: a trigger, made once the table has all its columns.
            self.on_updates.push((column.name.clone(), value));
            *status = (*status).max(Fidelity::Mapped);
            losses.push("ON UPDATE as a trigger".into());
            return None;
        }
        let function = self.unique(
            &format!("{}_{}_on_update", table.name.name, column.name),
            &table.name.name,
            &format!(
                "trigger function of ON UPDATE of column {}",
                crate::ir::quoted(&column.name)
            ),
        );
        let function = self.place(&function);
        let c = self.q(&column.name);
        let definition = pg_trigger_function(
            &deparse_table(&function),
            &format!(
                "BEGIN\n    IF NEW.{c} IS NOT DISTINCT FROM OLD.{c} AND NEW IS DISTINCT FROM OLD THEN\
                 \n        NEW.{c} := {value};\n    END IF;\n    RETURN NEW;\nEND"
            ),
        );
        self.push_trigger_function(&function, definition);
        self.out.triggers.push(Trigger {
            definition: self.raw(format!(
                "CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
                deparse_ident(&function.name),
                deparse_table(&table.name),
                deparse_table(&function)
            )),
            name: function.clone(),
            table: table.name.clone(),
            settings: Vec::new(),
            definer: None,
            comment: None,
        });
        *status = (*status).max(Fidelity::Mapped);
        losses.push("ON UPDATE as a trigger".into());
        None
    }

    /// MySQL's `ON UPDATE` for SQLite: a trigger that sets the column when a row
    /// changes and the statement leaves the column as it was (SQLite does not fire it
    /// again for its own UPDATE).
    fn sqlite_on_update(&mut self, table: &Table, column: &str, value: &str) {
        let name = self.unique(
            &format!("{}_{column}_on_update", table.name.name),
            &table.name.name,
            &format!(
                "trigger of ON UPDATE of column {}",
                crate::ir::quoted(column)
            ),
        );
        let c = self.q(column);
        let others: Vec<String> = table
            .columns
            .iter()
            .filter(|o| o.name != column && o.generated.is_none())
            .map(|o| {
                let q = self.q(&o.name);
                format!("NEW.{q} IS NOT OLD.{q}")
            })
            .collect();
        let mut when = format!("NEW.{c} IS OLD.{c}");
        if !others.is_empty() {
            when.push_str(&format!(" AND ({})", others.join(" OR ")));
        }
        let row = match &table.primary_key {
            Some(pk) if !pk.columns.is_empty() => pk
                .columns
                .iter()
                .map(|k| {
                    let q = self.q(k);
                    format!("{q} = NEW.{q}")
                })
                .collect::<Vec<_>>()
                .join(" AND "),
            _ => "rowid = NEW.rowid".to_owned(),
        };
        let t = self.q(&table.name.name);
        let sql = format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {t} FOR EACH ROW WHEN {when} BEGIN \
             UPDATE {t} SET {c} = {value} WHERE {row}; END",
            self.q(&name)
        );
        self.out.triggers.push(Trigger {
            name: QualifiedName::bare(name),
            table: table.name.clone(),
            definition: self.raw(sql),
            settings: Vec::new(),
            definer: None,
            comment: None,
        });
    }

    fn column_list(&self, table: &QualifiedName, columns: &[String]) -> String {
        columns
            .iter()
            .map(|c| self.key_ident(&self.column_name(table, c)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn primary_key(&mut self, source: &Table, table: &mut Table) {
        let Some(pk) = &source.primary_key else {
            return;
        };
        let object = format!("primary key of table {}", source.name);
        let columns: Vec<String> = pk
            .columns
            .iter()
            .map(|c| self.column_name(&source.name, c))
            .collect();
        let list = self.column_list(&source.name, &pk.columns);
        let (name, definition) = match self.dst {
            "postgres" => {
                let wanted = pk
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{}_pkey", table.name.name));
                let name = self.unique(&wanted, &table.name.name, &object);
                (Some(name), Some(self.raw(format!("PRIMARY KEY ({list})"))))
            }
            "mysql" => (
                None,
                Some(self.raw(format!("PRIMARY KEY ({})", list.replace(", ", ",")))),
            ),
            _ => (pk.name.clone(), None),
        };
        self.report.exact(object);
        let index = match (self.pg(), &name) {
            (true, Some(name)) => Some(self.key_index(name, &table.name, &list)),
            _ => None,
        };
        table.primary_key = Some(PrimaryKey {
            name,
            columns,
            definition,
            index,
            comment: pk.comment.clone(),
        });
    }

    fn unique_constraint(
        &mut self,
        source: &Table,
        u: &UniqueConstraint,
        n: usize,
        table: &mut Table,
    ) {
        let object = format!(
            "unique constraint {} of table {}",
            u.name
                .as_deref()
                .map(crate::ir::quoted)
                .unwrap_or_else(|| format!("#{}", n + 1)),
            source.name
        );
        let columns: Vec<String> = u
            .columns
            .iter()
            .map(|c| self.column_name(&source.name, c))
            .collect();
        let list = self.column_list(&source.name, &u.columns);
        let wanted = u
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{}_key", table.name.name, columns.join("_")));
        self.report.exact(&object);
        match self.dst {
            "mysql" => {
                let name = self.fit(&wanted);
                table.indexes.push(Index {
                    definition: Some(self.raw(format!(
                        "UNIQUE KEY {} ({})",
                        self.q(&name),
                        list.replace(", ", ",")
                    ))),
                    name,
                    unique: true,
                    keys: columns.iter().map(|c| column_key(c)).collect(),
                    predicate: None,
                    partition_indexes: Vec::new(),
                    comment: u.comment.clone(),
                });
            }
            "postgres" => {
                let name = self.unique(&wanted, &table.name.name, &object);
                let index = Some(self.key_index(&name, &table.name, &list));
                table.unique_constraints.push(UniqueConstraint {
                    name: Some(name),
                    columns,
                    definition: Some(self.raw(format!("UNIQUE ({list})"))),
                    index,
                    comment: u.comment.clone(),
                });
            }
            _ => table.unique_constraints.push(UniqueConstraint {
                name: u.name.clone(),
                columns,
                definition: None,
                index: None,
                comment: u.comment.clone(),
            }),
        }
    }

    /// A name for a check, unique in its table.
    fn check_name(&mut self, wanted: &str, names: &mut HashSet<String>) -> String {
        if self.dst == "mysql" {
            let name = self.constraint_name(wanted, "", &format!("check {wanted}"));
            names.insert(self.key(&name));
            return name;
        }
        let mut name = self.fit(wanted);
        let mut attempt = 0;
        while !names.insert(self.key(&name)) {
            attempt += 1;
            name = self.fit(&format!("{wanted}{attempt}"));
        }
        name
    }

    /// MySQL's rules for AUTO_INCREMENT: one column a table, leading a key. A second
    /// counted column loses its counter (reported); a counted column no key leads gets
    /// an index of its own.
    fn one_auto_increment(&mut self, source: &Table, table: &mut Table) {
        let counted: Vec<String> = table
            .columns
            .iter()
            .filter(|c| c.identity.is_some())
            .map(|c| c.name.clone())
            .collect();
        for extra in counted.iter().skip(1) {
            if let Some(c) = table.columns.iter_mut().find(|c| &c.name == extra) {
                c.identity = None;
            }
            self.report.lossy(
                format!("column {}.{}", source.name, crate::ir::quoted(extra)),
                None,
                None,
                "MySQL counts one column a table: its AUTO_INCREMENT is dropped",
            );
        }
        let Some(first) = counted.first() else {
            return;
        };
        // MariaDB refuses a check that reads an AUTO_INCREMENT column.
        let mut kept = Vec::new();
        for check in std::mem::take(&mut table.checks) {
            let reads = expr::identifiers(&expr_text(&check.expr), self.dst)
                .iter()
                .any(|c| c.eq_ignore_ascii_case(first));
            if reads {
                self.report.skipped(
                    Self::constraint_object("check", check.name.as_deref(), &source.name),
                    format!("MariaDB refuses a check that reads the AUTO_INCREMENT column {first}"),
                );
            } else {
                kept.push(check);
            }
        }
        table.checks = kept;
        let leads = |columns: &[String]| columns.first() == Some(first);
        let led = table.primary_key.as_ref().is_some_and(|pk| leads(&pk.columns))
            || table.indexes.iter().any(|i| {
                matches!(i.keys.first().map(|k| &k.target), Some(IndexTarget::Column(c)) if c == first)
            });
        if !led {
            let name = self.fit(first);
            table.indexes.push(Index {
                definition: Some(self.raw(format!("KEY {} ({})", self.q(&name), self.q(first)))),
                name,
                unique: false,
                keys: vec![column_key(first)],
                predicate: None,
                partition_indexes: Vec::new(),
                comment: None,
            });
        }
    }

    /// A foreign key's or check's name in MySQL, where they are unique in the whole
    /// database (in PostgreSQL and SQLite, in their table): fitted and, when another
    /// table's constraint has it, suffixed with a hash and reported.
    fn constraint_name(&mut self, wanted: &str, scope: &str, object: &str) -> String {
        if self.dst != "mysql" {
            return self.fit(wanted);
        }
        let mut name = self.fit(wanted);
        let mut attempt = 0;
        while !self.constraints.insert(self.key(&name)) {
            attempt += 1;
            let suffix = format!("_{}", hash8(&format!("{scope}.{wanted}.{attempt}")));
            let mut base = wanted.to_owned();
            while !self.fits(&(base.clone() + &suffix)) {
                base.pop();
            }
            name = base + &suffix;
        }
        if name != wanted {
            self.report.mapped(
                object,
                wanted,
                name.clone(),
                Some("MySQL's constraint names are unique in the database".into()),
            );
        }
        name
    }

    fn check(
        &mut self,
        source: &Table,
        check: &CheckConstraint,
        table: &mut Table,
        names: &mut HashSet<String>,
    ) {
        let object = Self::constraint_object("check", check.name.as_deref(), &source.name);
        let text = expr_text(&check.expr);
        // A column that became boolean by option: the check's numbers no longer compare.
        let booleans: Vec<String> = expr::identifiers(&text, self.src)
            .into_iter()
            .filter(|c| {
                self.booleans
                    .contains(&(source.name.clone(), c.to_lowercase()))
            })
            .collect();
        if let Some(column) = booleans.first() {
            self.report.skipped(
                object,
                format!("it compares {column}, a boolean in the target, with numbers"),
            );
            return;
        }
        let sql = match expr::expression(&text, self.src, self.dst) {
            Ok(sql) => sql,
            Err(why) => {
                self.report.skipped(object, why);
                return;
            }
        };
        let wanted = check.name.clone().unwrap_or_else(|| match &check.column {
            Some(c) => format!("{}_{}_check", table.name.name, c),
            None => format!("{}_check", table.name.name),
        });
        let name = self.check_name(&wanted, names);
        if sql == text {
            self.report.exact(object);
        } else {
            self.report.mapped(object, text, sql.clone(), None);
        }
        self.push_check(table, name, sql);
    }

    fn push_check(&self, table: &mut Table, name: String, sql: String) {
        let definition = self.pg().then(|| self.raw(format!("CHECK ({sql})")));
        table.checks.push(CheckConstraint {
            name: Some(name),
            column: None,
            expr: self.raw(sql),
            definition,
            comment: None,
        });
    }

    fn rule_check(
        &mut self,
        column: &str,
        rule: Rule,
        table: &mut Table,
        names: &mut HashSet<String>,
    ) {
        let c = self.q(column);
        let list = |labels: &[String]| {
            labels
                .iter()
                .map(|l| self.literal(l))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = match &rule {
            Rule::NonNegative => format!("{c} >= 0"),
            Rule::OneOf(labels) => format!("{c} IN ({})", list(labels)),
            Rule::Members(labels) if self.pg() => format!(
                "string_to_array({c}, ',') <@ ARRAY[{}]::text[]",
                list(labels)
            ),
            Rule::Members(labels) => {
                // SQLite: every member, and so the whole, is among the labels: with the
                // labels and the value both wrapped in commas, removing each label
                // leaves only commas.
                let mut stripped = format!("',' || {c} || ','");
                for l in labels {
                    stripped = format!(
                        "replace({stripped}, {}, ',')",
                        self.literal(&format!(",{l},"))
                    );
                }
                format!("trim(replace({stripped}, ',,', ','), ',') = ''")
            }
        };
        let name = self.check_name(&format!("{}_{column}_check", table.name.name), names);
        self.push_check(table, name, sql);
    }

    fn foreign_key(&mut self, source: &Table, fk: &ForeignKey, table: &mut Table) {
        let object = Self::constraint_object("foreign key", fk.name.as_deref(), &source.name);
        // SQLite compares names without case: `REFERENCES Users(ID)` names `users`.
        let mut resolved = fk.clone();
        if self.src == "sqlite" {
            if !self.tables.contains_key(&resolved.referenced_table) {
                let wanted = &resolved.referenced_table.name;
                if let Some(exact) = self
                    .tables
                    .keys()
                    .find(|t| t.name.eq_ignore_ascii_case(wanted))
                {
                    resolved.referenced_table = exact.clone();
                }
            }
            for c in &mut resolved.referenced_columns {
                if let Some((_, exact)) = self.columns.keys().find(|(t, name)| {
                    *t == resolved.referenced_table && name.eq_ignore_ascii_case(c)
                }) {
                    *c = exact.clone();
                }
            }
        }
        let fk = &resolved;
        if !self.tables.contains_key(&fk.referenced_table) {
            self.report.skipped(
                object,
                format!(
                    "it references {}, which is not translated",
                    fk.referenced_table
                ),
            );
            return;
        }
        // SQLite's `REFERENCES parent` names no columns: the parent's primary key.
        let mut fk = fk.clone();
        if fk.referenced_columns.is_empty() {
            fk.referenced_columns = self
                .primary_keys
                .get(&fk.referenced_table)
                .cloned()
                .unwrap_or_default();
        }
        let fk = &fk;
        let mut wanted = fk.referenced_columns.clone();
        wanted.sort();
        let unique = self
            .unique_keys
            .get(&fk.referenced_table)
            .is_some_and(|keys| keys.contains(&wanted));
        if !unique && self.dst != "mysql" {
            self.report.skipped(
                object,
                format!(
                    "it references ({}) of table {}, which no primary or unique key covers: \
                     {} requires one",
                    fk.referenced_columns
                        .iter()
                        .map(|c| crate::ir::quoted(c))
                        .collect::<Vec<_>>()
                        .join(", "),
                    fk.referenced_table,
                    self.dst
                ),
            );
            return;
        }
        if fk.match_type == MatchType::Partial {
            self.report
                .skipped(object, "MATCH PARTIAL is implemented by no dialect");
            return;
        }
        let referenced = self.table_name(&fk.referenced_table);
        let columns: Vec<String> = fk
            .columns
            .iter()
            .map(|c| self.column_name(&source.name, c))
            .collect();
        let referenced_columns: Vec<String> = fk
            .referenced_columns
            .iter()
            .map(|c| self.column_name(&fk.referenced_table, c))
            .collect();
        let wanted = fk
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{}_fkey", table.name.name, columns.join("_")));
        let name = self.constraint_name(&wanted, &table.name.name, &object);
        let definition = self.pg().then(|| {
            let mut sql = format!(
                "FOREIGN KEY ({}) REFERENCES {}({})",
                self.column_list(&source.name, &fk.columns),
                deparse_table(&referenced),
                self.column_list(&fk.referenced_table, &fk.referenced_columns)
            );
            if fk.match_type == MatchType::Full {
                sql.push_str(" MATCH FULL");
            }
            for (verb, action) in [("UPDATE", fk.on_update), ("DELETE", fk.on_delete)] {
                if action != ReferentialAction::NoAction {
                    sql.push_str(&format!(" ON {verb} {}", action.sql()));
                }
            }
            match fk.deferrable {
                crate::ir::Deferrable::InitiallyDeferred => {
                    sql.push_str(" DEFERRABLE INITIALLY DEFERRED")
                }
                crate::ir::Deferrable::InitiallyImmediate => sql.push_str(" DEFERRABLE"),
                _ => {}
            }
            self.raw(sql)
        });
        let (mut on_delete, mut on_update) = (fk.on_delete, fk.on_update);
        if self.dst == "mysql" {
            for action in [&mut on_delete, &mut on_update] {
                if *action == ReferentialAction::SetDefault {
                    *action = ReferentialAction::NoAction;
                    self.report.lossy(
                        &object,
                        None,
                        None,
                        "InnoDB has no SET DEFAULT action: NO ACTION",
                    );
                }
            }
        }
        let mut deferrable = fk.deferrable;
        if self.dst == "mysql" && deferrable != crate::ir::Deferrable::NotDeferrable {
            deferrable = crate::ir::Deferrable::NotDeferrable;
            self.report.lossy(
                &object,
                None,
                None,
                "MySQL checks every foreign key at once: DEFERRABLE is dropped",
            );
        } else {
            self.report.exact(&object);
        }
        table.foreign_keys.push(ForeignKey {
            name: Some(name),
            columns,
            referenced_table: referenced,
            referenced_columns,
            on_delete,
            on_update,
            match_type: fk.match_type,
            deferrable,
            definition,
            comment: fk.comment.clone(),
        });
    }

    fn index(&mut self, source: &Table, index: &Index, table: &mut Table) {
        let object = format!(
            "index {} on table {}",
            crate::ir::quoted(&index.name),
            source.name
        );
        let source_definition = index
            .definition
            .as_ref()
            .and_then(|d| d.raw_sql(self.src).ok().flatten())
            .unwrap_or_default()
            .to_owned();
        let fulltext = source_definition.starts_with("FULLTEXT");
        let spatial = source_definition.starts_with("SPATIAL");
        let mut notes: Vec<String> = Vec::new();
        // PostgreSQL's access methods and operator classes (`USING gin (doc)`,
        // `(name varchar_pattern_ops)`).
        if self.src == "postgres" {
            let method = source_definition
                .strip_prefix("USING ")
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or("btree");
            match method {
                "btree" => {}
                "hash" => notes.push("a hash index as the target's own index".into()),
                other => {
                    self.report.skipped(
                        object,
                        format!("a {other} index has no {} equivalent", self.dst),
                    );
                    return;
                }
            }
            if source_definition.contains("_ops") {
                notes.push("its operator class is PostgreSQL's own: a plain index".into());
            }
        }
        if spatial && !(self.pg() && self.options.postgis) {
            let reason = match self.pg() {
                true => "a spatial index: PostGIS was not asked for (--postgis)",
                false => "a spatial index needs a spatial type",
            };
            self.report.skipped(object, reason);
            return;
        }
        let prefixes = prefix_lengths(&source_definition);
        let mut keys: Vec<IndexKey> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        for (i, key) in index.keys.iter().enumerate() {
            // A key's own collation (SQLite's `email COLLATE NOCASE`): PostgreSQL keeps a
            // case-blind key as an index on lower(); MySQL's default collation is
            // case-blind already; anything else is reported.
            if let (Some(collation), IndexTarget::Column(c)) = (&key.collation, &key.target) {
                let nocase = collation.eq_ignore_ascii_case("NOCASE");
                if nocase && self.pg() {
                    let name = self.column_name(&source.name, c);
                    let e = format!("lower(({})::text)", deparse_ident(&name));
                    notes.push(format!("{name} COLLATE NOCASE as lower({name})"));
                    let desc = key.order == Some(SortOrder::Desc);
                    let part = format!("({e})");
                    parts.push(if desc { format!("{part} DESC") } else { part });
                    keys.push(IndexKey {
                        target: IndexTarget::Expression(self.raw(e)),
                        collation: None,
                        order: key.order,
                    });
                    continue;
                }
                if !(nocase && self.dst == "mysql") {
                    self.report.lossy(
                        &object,
                        None,
                        None,
                        format!("the collation {collation} of its key {c} is not kept"),
                    );
                }
            }
            let (part, target) = match &key.target {
                IndexTarget::Column(c) => {
                    let name = self.column_name(&source.name, c);
                    let quoted = self.key_ident(&name);
                    match prefixes.get(i).copied().flatten() {
                        Some(n) if self.pg() => {
                            notes.push(format!("the prefix of {n} characters as an expression"));
                            let e = format!("\"left\"({quoted}, {n})");
                            (format!("({e})"), IndexTarget::Expression(self.raw(e)))
                        }
                        Some(n) if self.dst == "sqlite" => {
                            notes.push(format!("the whole column rather than its prefix of {n}"));
                            (quoted, IndexTarget::Column(name))
                        }
                        _ if self.dst == "mysql" => {
                            // Unlimited text (or text sized for a key) in a plain index:
                            // MySQL indexes a prefix of it.
                            let raw = table
                                .column(&name)
                                .map(|c| c.data_type.raw.to_ascii_lowercase())
                                .unwrap_or_default();
                            let unlimited = raw == "longtext" || raw == "longblob";
                            let sized = raw == "varchar(768)" || raw == "varbinary(3072)";
                            let single = index.keys.len() == 1;
                            let prefix = match (unlimited, sized && !single && !index.unique) {
                                (true, _) if single => Some(768),
                                (true, _) | (false, true) => Some(191),
                                _ => None,
                            };
                            match prefix {
                                Some(n) => {
                                    notes.push(format!(
                                        "{name} indexed by its first {n} characters"
                                    ));
                                    (format!("{quoted}({n})"), IndexTarget::Column(name))
                                }
                                None => (quoted, IndexTarget::Column(name)),
                            }
                        }
                        _ => (quoted, IndexTarget::Column(name)),
                    }
                }
                IndexTarget::Expression(e) => {
                    // PostgreSQL's `left(c, n)` (a MySQL prefix, translated): MySQL's prefix.
                    if let (true, Some((c, n))) = (self.dst == "mysql", left_prefix(&expr_text(e)))
                    {
                        let name = self.column_name(&source.name, &c);
                        let part = format!("{}({n})", self.q(&name));
                        let desc = key.order == Some(SortOrder::Desc);
                        parts.push(if desc { format!("{part} DESC") } else { part });
                        keys.push(IndexKey {
                            target: IndexTarget::Column(name),
                            collation: None,
                            order: key.order,
                        });
                        notes.push(format!("left({c}, {n}) as MySQL's prefix of {n}"));
                        continue;
                    }
                    match expr::expression(&expr_text(e), self.src, self.dst) {
                        Ok(sql) if self.dst != "mysql" => {
                            (format!("({sql})"), IndexTarget::Expression(self.raw(sql)))
                        }
                        Ok(_) => {
                            self.report.skipped(
                                object,
                                "an expression index: MariaDB indexes columns only",
                            );
                            return;
                        }
                        Err(why) => {
                            self.report.skipped(object, why);
                            return;
                        }
                    }
                }
            };
            let desc = key.order == Some(SortOrder::Desc);
            parts.push(if desc { format!("{part} DESC") } else { part });
            keys.push(IndexKey {
                target,
                collation: None,
                order: key.order,
            });
        }
        let predicate = match &index.predicate {
            Some(p) => match expr::expression(&expr_text(p), self.src, self.dst) {
                Ok(sql) if self.dst != "mysql" => Some(sql),
                Ok(_) => {
                    self.report
                        .skipped(object, "a partial index: MySQL indexes whole tables");
                    return;
                }
                Err(why) => {
                    self.report.skipped(object, why);
                    return;
                }
            },
            None => None,
        };
        let (name, definition) = match self.dst {
            "mysql" => {
                let name = self.fit(&index.name);
                let kind = if index.unique { "UNIQUE KEY" } else { "KEY" };
                (
                    name.clone(),
                    Some(format!("{kind} {} ({})", self.q(&name), parts.join(","))),
                )
            }
            _ => {
                let name = self.unique(&index.name, &table.name.name, &object);
                let definition = self.pg().then(|| {
                    if spatial {
                        format!("USING gist ({})", parts.join(", "))
                    } else if fulltext {
                        let columns: Vec<String> = keys
                            .iter()
                            .filter_map(|k| match &k.target {
                                IndexTarget::Column(c) => {
                                    Some(format!("COALESCE({}, '')", self.q(c)))
                                }
                                _ => None,
                            })
                            .collect();
                        format!(
                            "USING gin (to_tsvector('simple'::regconfig, {}))",
                            columns.join(" || ' ' || ")
                        )
                    } else {
                        let mut d = format!("USING btree ({})", parts.join(", "));
                        if let Some(p) = &predicate {
                            d.push_str(&format!(" WHERE ({p})"));
                        }
                        d
                    }
                });
                (name, definition)
            }
        };
        if spatial {
            notes.push("SPATIAL as a GiST index (PostGIS)".into());
        }
        if fulltext {
            if self.pg() {
                notes.push(
                    "FULLTEXT as a GIN index over to_tsvector('simple', ...): query it with @@"
                        .into(),
                );
            } else {
                self.report
                    .skipped(object, format!("{} has no FULLTEXT index", self.dst));
                return;
            }
        }
        match notes.is_empty() {
            true => self.report.exact(&object),
            false => self.report.mapped(
                &object,
                source_definition.clone(),
                definition.clone().unwrap_or_default(),
                Some(notes.join("; ")),
            ),
        }
        table.indexes.push(Index {
            name,
            unique: index.unique && !fulltext,
            keys,
            predicate: predicate.map(|p| self.raw(p)),
            definition: definition.map(|d| self.raw(d)),
            partition_indexes: Vec::new(),
            comment: index.comment.clone(),
        });
    }

    fn view(
        &mut self,
        view: View,
        renames: &HashMap<String, String>,
        domains: &HashMap<String, String>,
    ) {
        let object = format!("view {}", view.name);
        if view.materialized && !self.pg() {
            self.report
                .skipped(object, format!("{} has no materialized views", self.dst));
            return;
        }
        let text = expr_text(&view.query);
        // SQLite keeps a view's column list; elsewhere the names go on its select list.
        let names: &[String] = if self.dst == "sqlite" {
            &[]
        } else {
            &view.columns
        };
        let query = match expr::query(&text, self.src, self.dst, renames, domains, names) {
            Ok(q) => q,
            Err(why) => {
                self.report.skipped(object, why);
                return;
            }
        };
        let name = self.unique(&view.name.name, "", &object);
        let mut out = View::new(self.place(&name), self.raw(query));
        if self.dst == "sqlite" {
            out.columns = view.columns.clone();
        }
        out.materialized = view.materialized;
        // MySQL's WITH CHECK OPTION: PostgreSQL has it; SQLite has not.
        let check_option = view
            .options
            .iter()
            .find_map(|o| o.strip_prefix("check_option="))
            .filter(|o| !o.eq_ignore_ascii_case("NONE"))
            .map(str::to_lowercase);
        let mut lost = None;
        if let Some(option) = check_option {
            match self.dst {
                "postgres" => out.options.push(format!("check_option={option}")),
                _ => lost = Some(format!("{} has no WITH CHECK OPTION", self.dst)),
            }
        }
        out.comment = view.comment.clone();
        match lost {
            Some(why) => self.report.lossy(object, None, None, why),
            None => self
                .report
                .mapped(object, "query", "query re-printed", None),
        }
        self.out.views.push(out);
    }
}

/// MySQL's own index for each foreign key no index begins with (InnoDB makes one,
/// named after the key): made explicit, so the copy is what the server reflects.
fn foreign_key_indexes(table: &mut Table, q: impl Fn(&str) -> String) {
    let mut added = Vec::new();
    for fk in &table.foreign_keys {
        let by_key = table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.starts_with(&fk.columns));
        let by_index = table.indexes.iter().any(|i| {
            let columns: Vec<&String> = i
                .keys
                .iter()
                .map_while(|k| match &k.target {
                    IndexTarget::Column(c) => Some(c),
                    _ => None,
                })
                .collect();
            columns.len() >= fk.columns.len()
                && columns.iter().zip(&fk.columns).all(|(a, b)| *a == b)
        });
        let covered = by_key || by_index;
        if covered {
            continue;
        }
        let name = fk.name.clone().unwrap_or_default();
        let list: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
        added.push(Index {
            definition: Some(Expr::raw(
                "mysql",
                format!("KEY {} ({})", q(&name), list.join(",")),
            )),
            name,
            unique: false,
            keys: fk.columns.iter().map(|c| column_key(c)).collect(),
            predicate: None,
            partition_indexes: Vec::new(),
            comment: None,
        });
    }
    table.indexes.extend(added);
}

/// PostgreSQL's keywords that its deparser quotes (all but the unreserved ones).
const PG_KEYWORDS: &str = "all analyse analyze and any array as asc asymmetric authorization \
    between bigint binary bit boolean both case cast char character check coalesce collate \
    collation column concurrently constraint create cross current_catalog current_date \
    current_role current_schema current_time current_timestamp current_user dec decimal \
    default deferrable desc distinct do else end except exists extract false fetch float for \
    foreign freeze from full grant greatest group grouping having ilike in initially inner \
    inout int integer intersect interval into is isnull join lateral leading least left like \
    limit localtime localtimestamp national natural nchar none normalize not notnull null \
    nullif numeric offset on only or order out outer overlaps overlay placing position \
    precision primary real references returning right row select session_user setof similar \
    smallint some substring symmetric table tablesample then time timestamp to trailing treat \
    trim true union unique user using values varchar variadic verbose when where window with \
    xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi \
    xmlroot xmlserialize xmltable";

/// A name as PostgreSQL's deparser writes it (`pg_get_constraintdef`,
/// `pg_get_indexdef`): bare when it is a lower-case identifier and no keyword, quoted
/// otherwise. The definitions a translation writes for PostgreSQL are those the server
/// reflects back, so that a translated clone diffs empty and a re-run finds it applied.
fn deparse_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !PG_KEYWORDS.split_whitespace().any(|k| k == name) {
        name.to_owned()
    } else {
        crate::ir::quoted(name)
    }
}

/// A PL/pgSQL trigger function as `pg_get_functiondef` prints it (so that it reads
/// back as written): `function` as the deparser writes its name, `body` from `BEGIN`
/// to `END`.
fn pg_trigger_function(function: &str, body: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION {function}()\n RETURNS trigger\n LANGUAGE plpgsql\n\
         AS $function$\n{body}\n$function$"
    )
}

/// A table name as PostgreSQL's deparser writes it, schema first.
fn deparse_table(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{}.{}", deparse_ident(schema), deparse_ident(&name.name)),
        None => deparse_ident(&name.name),
    }
}

fn column_key(column: &str) -> IndexKey {
    IndexKey {
        target: IndexTarget::Column(column.to_owned()),
        collation: None,
        order: None,
    }
}

/// The SQL text of an expression of any dialect (a literal as plain SQL).
fn expr_text(expr: &Expr) -> String {
    match expr {
        Expr::Raw { sql, .. } => sql.clone(),
        Expr::Literal { value } => match value {
            Literal::Null => "NULL".into(),
            Literal::Number(n) => n.clone(),
            Literal::String(s) => format!("'{}'", s.replace('\'', "''")),
        },
    }
}

/// The value of a quoted string literal of `dialect` (`'it''s'`), or `None` when `sql`
/// is not one (PostgreSQL's `'x'::text` casts count as one).
fn unquote(sql: &str, dialect: &str) -> Option<String> {
    let body = if dialect == "postgres" {
        match sql.rfind("'::") {
            Some(at) if sql.starts_with('\'') => &sql[..=at],
            _ => sql,
        }
    } else {
        sql
    };
    let inner = body.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                if chars.next() != Some('\'') {
                    return None;
                }
                out.push('\'');
            }
            '\\' if dialect == "mysql" => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// The column and length of an index key `left(c, n)` (`"left"((c)::text, 10)` as
/// PostgreSQL prints it), if it is one.
fn left_prefix(sql: &str) -> Option<(String, u32)> {
    let inner = sql
        .trim()
        .trim_start_matches('"')
        .strip_prefix("left")?
        .trim_start_matches('"')
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let (column, length) = inner.rsplit_once(',')?;
    let column = column.trim();
    let column = column.strip_suffix("::text").unwrap_or(column);
    let column = column.trim_start_matches('(').trim_end_matches(')');
    let column = column.trim_matches('"').replace("\"\"", "\"");
    Some((column, length.trim().parse().ok()?))
}

/// The prefix length of each key part of a MySQL index definition (`` `c`(10) ``).
fn prefix_lengths(definition: &str) -> Vec<Option<u32>> {
    let Some(open) = definition.find(" (") else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in definition[open + 2..].chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                break;
            }
            ')' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts
        .iter()
        .map(|p| {
            let p = p.trim();
            let p = p.strip_suffix(" DESC").unwrap_or(p);
            if !p.starts_with('`') {
                return None;
            }
            let open = p.rfind("`(")?;
            p[open + 2..].strip_suffix(')')?.parse().ok()
        })
        .collect()
}

/// The user type a PostgreSQL column type names (`public.mood`, `"Mood"`), if it is a
/// plain name.
fn parse_type_name(raw: &str) -> Option<QualifiedName> {
    let raw = raw.trim();
    if raw.ends_with(']') || raw.contains('(') {
        return None;
    }
    let unquote = |s: &str| s.trim_matches('"').replace("\"\"", "\"");
    match raw.split_once('.') {
        Some((schema, name)) => {
            Some(QualifiedName::bare(unquote(name)).in_schema(&unquote(schema)))
        }
        None => Some(QualifiedName::bare(unquote(raw)).in_schema("public")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_prefixes_and_quoted_defaults_are_read_as_their_dialect_writes_them() {
        assert_eq!(hash8("abc"), "1a47e90b");
        assert_eq!(prefix_lengths("KEY `i` (`a`(10),`b`)"), [Some(10), None]);
        assert_eq!(unquote("'it''s'", "mysql").as_deref(), Some("it's"));
        assert_eq!(unquote("'a\\'b'", "mysql").as_deref(), Some("a'b"));
        assert_eq!(
            unquote("'x'::character varying", "postgres").as_deref(),
            Some("x")
        );
        assert_eq!(unquote("now()", "postgres"), None);
    }
}
