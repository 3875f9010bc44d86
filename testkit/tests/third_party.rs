//! A dialect written the way a third party writes one: outside the core, with only the
//! public API, registered with `inventory`, and checked with this kit. It keeps each
//! database in memory (`memory://name`) and its "SQL" is JSON, so it needs no server.
//! docs/dialects.md walks through the same steps for a real database.

use std::collections::BTreeMap;
use std::sync::Mutex;

use schema_replicator_core::plan::table_objects;
use schema_replicator_core::{
    ApplyReport, Capabilities, CheckConstraint, DbUrl, Dialect, DialectRegistration, Error,
    ForeignKey, Index, ObjectId, ObjectKind, Origin, Phase, Plan, QualifiedName, ReflectOptions,
    Reflection, Registry, Result, Schema, Skipped, Statement, Table, Trigger, UniqueConstraint,
    View,
};
use schema_replicator_testkit as kit;
use serde::{Deserialize, Serialize};

/// The databases, by URL.
static DATABASES: Mutex<BTreeMap<String, Schema>> = Mutex::new(BTreeMap::new());

/// A dialect that keeps schemas in memory.
struct MemoryDialect;

schema_replicator_core::inventory::submit! {
    DialectRegistration { create: || Box::new(MemoryDialect) }
}

/// What one statement creates: the memory dialect's SQL.
#[derive(Serialize, Deserialize)]
enum Create {
    Table(Box<Table>),
    Unique(QualifiedName, UniqueConstraint),
    Check(QualifiedName, CheckConstraint),
    ForeignKey(QualifiedName, ForeignKey),
    Index(QualifiedName, Index),
    Counter,
    View(View),
    Trigger(Trigger),
}

impl MemoryDialect {
    /// Every object of the schema as a statement, by the id the planner gives it.
    fn pieces(schema: &Schema) -> BTreeMap<ObjectId, Create> {
        let mut pieces = BTreeMap::new();
        for table in &schema.tables {
            let ids = table_objects(table);
            let name = &table.name;
            let mut bare = table.clone();
            bare.unique_constraints.clear();
            bare.checks.clear();
            bare.foreign_keys.clear();
            bare.indexes.clear();
            pieces.insert(ids.table, Create::Table(Box::new(bare)));
            for (id, u) in ids.uniques.into_iter().zip(&table.unique_constraints) {
                pieces.insert(id, Create::Unique(name.clone(), u.clone()));
            }
            for (id, c) in ids.checks.into_iter().zip(&table.checks) {
                pieces.insert(id, Create::Check(name.clone(), c.clone()));
            }
            for (id, fk) in ids.foreign_keys.into_iter().zip(&table.foreign_keys) {
                pieces.insert(id, Create::ForeignKey(name.clone(), fk.clone()));
            }
            for (id, ix) in ids.indexes.into_iter().zip(&table.indexes) {
                pieces.insert(id, Create::Index(name.clone(), ix.clone()));
            }
            for id in ids.counters {
                pieces.insert(id, Create::Counter);
            }
        }
        for (i, view) in schema.views.iter().enumerate() {
            let id = ObjectId::listed(ObjectKind::View, &view.name, i);
            pieces.insert(id, Create::View(view.clone()));
        }
        for (i, trigger) in schema.triggers.iter().enumerate() {
            let id = ObjectId::listed(ObjectKind::Trigger, &trigger.name, i);
            pieces.insert(id, Create::Trigger(trigger.clone()));
        }
        pieces
    }
}

fn table_mut<'a>(
    schema: &'a mut Schema,
    name: &QualifiedName,
) -> std::result::Result<&'a mut Table, String> {
    schema
        .tables
        .iter_mut()
        .find(|t| &t.name == name)
        .ok_or_else(|| format!("no such table: {name}"))
}

fn run(schema: &mut Schema, sql: &str) -> std::result::Result<(), String> {
    match serde_json::from_str(sql).map_err(|e| e.to_string())? {
        Create::Table(table) => {
            if schema.table(&table.name).is_some() {
                return Err(format!("table {} already exists", table.name));
            }
            schema.tables.push(*table);
        }
        Create::Unique(t, u) => table_mut(schema, &t)?.unique_constraints.push(u),
        Create::Check(t, c) => table_mut(schema, &t)?.checks.push(c),
        Create::ForeignKey(t, fk) => table_mut(schema, &t)?.foreign_keys.push(fk),
        Create::Index(t, ix) => table_mut(schema, &t)?.indexes.push(ix),
        Create::Counter => {}
        Create::View(view) => schema.views.push(view),
        Create::Trigger(trigger) => schema.triggers.push(trigger),
    }
    Ok(())
}

impl Dialect for MemoryDialect {
    fn name(&self) -> &str {
        "memory"
    }

    fn url_schemes(&self) -> Vec<String> {
        vec!["memory".into()]
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true, true, false)
    }

    fn quote_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn reflect(&self, url: &DbUrl, _options: &ReflectOptions) -> Result<Reflection> {
        let databases = DATABASES.lock().expect("databases");
        let schema = databases.get(&url.expose()).ok_or_else(|| Error::Connect {
            url: url.to_string(),
            reason: "no such database".into(),
        })?;
        Ok(Reflection {
            schema: schema.clone(),
            queries: 1,
        })
    }

    fn render(&self, schema: &Schema, plan: &Plan) -> Result<Vec<Statement>> {
        let mut pieces = Self::pieces(schema);
        plan.steps
            .iter()
            .map(|step| {
                let piece = pieces.remove(&step.object).ok_or_else(|| Error::Render {
                    object: step.object.to_string(),
                    dialect: "memory".into(),
                    reason: "the memory dialect does not keep this kind of object".into(),
                })?;
                Ok(Statement::new(
                    Some(step.phase),
                    vec![step.object.clone()],
                    serde_json::to_string(&piece).expect("the IR serialises"),
                ))
            })
            .collect()
    }

    fn apply(&self, url: &DbUrl, statements: &[Statement]) -> Result<ApplyReport> {
        let mut databases = DATABASES.lock().expect("databases");
        // All or nothing: work on a copy, keep it only if every statement ran.
        let mut schema = databases
            .get(&url.expose())
            .cloned()
            .unwrap_or_else(|| Schema::new("memory"));
        for statement in statements {
            run(&mut schema, &statement.sql).map_err(|reason| Error::Apply {
                object: statement
                    .objects
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                reason,
                outcome: "nothing was applied (rolled back)".into(),
            })?;
        }
        databases.insert(url.expose(), schema);
        Ok(ApplyReport::in_one_transaction(statements.len()))
    }

    fn first_object(&self, url: &DbUrl) -> Result<Option<String>> {
        let databases = DATABASES.lock().expect("databases");
        Ok(databases.get(&url.expose()).and_then(Schema::first_object))
    }
}

/// The kitchen-sink example's schema, as a memory database.
fn seed(url: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kitchen-sink.db");
    let sqlite = schema_replicator_sqlite::SqliteDialect;
    let mut schema = sqlite
        .reflect(
            &DbUrl::parse(&format!("sqlite://{path}")).unwrap(),
            &ReflectOptions::default(),
        )
        .unwrap()
        .schema;
    schema.dialect = "memory".into();
    DATABASES.lock().unwrap().insert(url.to_owned(), schema);
}

#[test]
fn a_dialect_outside_the_core_registers_and_passes_the_kit() {
    let registry = Registry::builtin().unwrap();
    let memory = registry
        .entries()
        .iter()
        .find(|e| e.dialect.name() == "memory")
        .expect("the memory dialect registered");
    assert_eq!(memory.origin, Origin::BuiltIn);
    let resolved = registry
        .resolve(&DbUrl::parse("memory://x").unwrap())
        .unwrap();
    assert_eq!(resolved.name(), "memory");

    seed("memory://source");
    let source = kit::round_trip(&registry, "memory://source", "memory://copy", || {});
    assert_eq!(source.schema().tables.len(), 6);
    kit::assert_plan_invariants(source.plan());
    kit::assert_snapshot_round_trip(&source);
    let report = kit::clone_and_compare(&registry, "memory://source", "memory://clone");
    assert_eq!(report.phases.len(), 3);
}

#[test]
fn the_kit_catches_a_copy_that_differs() {
    let registry = Registry::builtin().unwrap();
    seed("memory://differs");
    let source = kit::reflect(&registry, "memory://differs").schema().clone();
    let mut other = source.clone();
    other.views.clear();
    assert_eq!(
        kit::differences(&source, &other),
        vec![
            "view \"album_summary\": only in A".to_owned(),
            "view \"big albums\": only in A".to_owned()
        ]
    );
    let outcome = std::panic::catch_unwind(|| kit::assert_same_schema(&source, &other));
    assert!(outcome.is_err());
}

/// Memory databases as the kit's factory: a fresh name per request; the load copies
/// nothing, since the memory dialect keeps no rows.
struct Memory {
    prefix: &'static str,
    next: std::cell::Cell<usize>,
}

impl kit::TestDatabases for Memory {
    type Db = String;

    fn empty(&self, tag: &str) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        format!("memory://{}-{tag}-{n}", self.prefix)
    }

    fn url(&self, db: &String) -> String {
        db.clone()
    }

    fn load(&self, _source: &String, _target: &String) {}
}

#[test]
fn every_check_of_the_kit_runs_from_a_factory_of_databases() {
    let registry = Registry::builtin().unwrap();
    let databases = Memory {
        prefix: "factory",
        next: std::cell::Cell::new(0),
    };
    let source = "memory://factory-source".to_owned();
    seed(&source);
    let checked = kit::check_dialect(&registry, &databases, &source, &kit::Expect::default());
    assert_eq!(checked.source.schema().tables.len(), 6);
    // The memory dialect cannot defer primary keys: one round trip, then the clone.
    assert!(checked.deferred.is_none());
    assert_eq!(
        [checked.round_trip.as_str(), checked.clone.as_str()],
        ["memory://factory-round_trip-0", "memory://factory-clone-1"]
    );
    let databases = DATABASES.lock().unwrap();
    for target in [&checked.round_trip, &checked.clone] {
        assert_eq!(
            kit::differences(&databases[&source], &databases[target]),
            Vec::<String>::new(),
            "{target}"
        );
    }
    let seal = checked.source.phase_statements(Phase::Seal).unwrap().len();
    let (phase, report) = checked.clone_report.phases.last().unwrap();
    assert_eq!((*phase, report.statements), (Phase::Seal, seal));
    assert!(seal > 0);
}

#[test]
fn the_kit_expects_exactly_the_warnings_it_is_told_about() {
    let registry = Registry::builtin().unwrap();
    let databases = Memory {
        prefix: "warned",
        next: std::cell::Cell::new(0),
    };
    let source = "memory://warned-source".to_owned();
    seed(&source);
    DATABASES
        .lock()
        .unwrap()
        .get_mut(&source)
        .unwrap()
        .skipped
        .push(Skipped {
            kind: "function".into(),
            name: "f".into(),
            reason: "not replicated: stored routines".into(),
        });
    let warning = "function \"f\": not replicated: stored routines";
    let unexpected = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        kit::round_trip(&registry, &source, "memory://warned-refused", || {})
    }));
    let message = unexpected.err().expect("the kit accepted a warning");
    let message = message.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("warnings of memory://warned-source"),
        "{message}"
    );
    let expect = kit::Expect::default().with_warnings([warning]);
    let checked = kit::check_dialect(&registry, &databases, &source, &expect);
    assert_eq!(checked.clone_report.warnings, [warning]);
    // What the warning names is not copied.
    let databases = DATABASES.lock().unwrap();
    assert_eq!(databases[&checked.clone].skipped, []);
}
