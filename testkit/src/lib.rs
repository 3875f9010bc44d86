//! The round-trip test kit: checks that every dialect must pass, written against the
//! [`Dialect`](schema_replicator_core::Dialect) API only, so a third-party dialect
//! crate can run them on its own databases. Each check panics with a readable message
//! when it fails, like `assert!`; use them in `#[test]` functions.
//!
//! The kit needs no driver and assumes no database: it takes URLs. A dialect either
//! calls the checks one by one with a source URL and the URL of an empty target,
//!
//! ```no_run
//! use schema_replicator_core::Registry;
//! use schema_replicator_testkit as kit;
//!
//! let registry = Registry::builtin().unwrap();
//! // Create the source database with your fixture first, then:
//! let source = kit::round_trip(&registry, "mydb://source", "mydb://copy", || {
//!     // load the source's rows into the copy, in any order
//! });
//! kit::assert_plan_invariants(source.plan());
//! kit::assert_snapshot_round_trip(&source);
//! ```
//!
//! or implements [`TestDatabases`] (a factory of empty databases and a bulk load) and
//! runs every check at once with [`check_dialect`]:
//!
//! ```no_run
//! use schema_replicator_core::Registry;
//! use schema_replicator_testkit::{self as kit, Expect, TestDatabases};
//!
//! struct MyDatabases;
//!
//! impl TestDatabases for MyDatabases {
//!     type Db = String;
//!     fn empty(&self, tag: &str) -> String {
//!         // create an empty database for `tag`
//!         format!("mydb://localhost/{tag}")
//!     }
//!     fn url(&self, db: &String) -> String {
//!         db.clone()
//!     }
//!     fn load(&self, _source: &String, _target: &String) {
//!         // copy the rows of source into target
//!     }
//! }
//!
//! let registry = Registry::builtin().unwrap();
//! let source = String::from("mydb://localhost/fixture"); // created from a fixture
//! let checked = kit::check_dialect(&registry, &MyDatabases, &source, &Expect::default());
//! assert_eq!(checked.source.schema().tables.len(), 11);
//! ```
//!
//! A database type that already creates itself, says its URL and copies its rows needs
//! no `impl`: [`FnDatabases`] makes the factory of its three functions. And
//! [`assert_catches_defects`] shows, on the dialect's own databases, that the kit
//! refuses what a defective dialect would get wrong.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use schema_replicator_core::{
    clone_extracted, clone_schema, diff, snapshot, ApplyOptions, CloneReport, DdlApplier,
    DdlExtractor, ObjectKind, OpenOptions, Phase, Plan, Policy, QualifiedName, Registry, Schema,
    Statement,
};

/// What the checks expect of a source, and the policy they plan it with. The default
/// expects no warning at all and plans with the default policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Expect {
    /// The warnings reflecting the source must give, exactly and in order: objects the
    /// dialect documents as not replicated (stored routines, policies, ...). Any other
    /// warning, or a missing one, fails the check.
    pub warnings: Vec<String>,
    /// The policy the source is planned with (where primary keys go).
    pub policy: Policy,
}

impl Expect {
    /// The same expectations with these warnings, in the order the extractor gives them.
    pub fn with_warnings<I, S>(mut self, warnings: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.warnings = warnings.into_iter().map(Into::into).collect();
        self
    }

    /// The same expectations with `policy`.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
}

/// A dialect's databases, as [`check_dialect`] needs them: empty ones to copy into, and
/// the user's bulk load between two of them. The kit never connects to a database
/// itself, so the implementation decides what a database is (a file, a database on a
/// server, a name in memory) and when it goes away (typically when `Db` is dropped).
pub trait TestDatabases {
    /// One database; the kit keeps it until it returns it in [`Checked`].
    type Db;

    /// Creates a new, empty database; `tag` says what the kit wants it for
    /// (`round_trip`, `round_trip_deferred`, `clone`).
    fn empty(&self, tag: &str) -> Self::Db;

    /// The URL of `db`, as the registry resolves it.
    fn url(&self, db: &Self::Db) -> String;

    /// Copies every row of `source` into `target`, whose `pre` and `base` are applied:
    /// the user's bulk load, in any table order.
    fn load(&self, source: &Self::Db, target: &Self::Db);
}

/// A [`TestDatabases`] made of three functions, for a database type that can already
/// create itself empty, say its URL and copy its rows into another:
///
/// ```no_run
/// use schema_replicator_testkit::FnDatabases;
///
/// struct Db(String);
///
/// impl Db {
///     fn new(tag: &str) -> Db {
///         // create an empty database for `tag`, then:
///         Db(format!("mydb://localhost/{tag}"))
///     }
///     fn url(&self) -> String {
///         self.0.clone()
///     }
///     fn load_into(&self, _target: &Db) {
///         // copy the rows of self into target
///     }
/// }
///
/// const DATABASES: FnDatabases<Db> = FnDatabases::new(Db::new, Db::url, Db::load_into);
/// ```
pub struct FnDatabases<Db> {
    empty: fn(&str) -> Db,
    url: fn(&Db) -> String,
    load: fn(&Db, &Db),
}

impl<Db> FnDatabases<Db> {
    /// The factory whose [`TestDatabases::empty`] is `empty`, [`TestDatabases::url`] is
    /// `url` and [`TestDatabases::load`] is `load` (source first).
    pub const fn new(empty: fn(&str) -> Db, url: fn(&Db) -> String, load: fn(&Db, &Db)) -> Self {
        FnDatabases { empty, url, load }
    }
}

impl<Db> TestDatabases for FnDatabases<Db> {
    type Db = Db;

    fn empty(&self, tag: &str) -> Db {
        (self.empty)(tag)
    }

    fn url(&self, db: &Db) -> String {
        (self.url)(db)
    }

    fn load(&self, source: &Db, target: &Db) {
        (self.load)(source, target)
    }
}

/// What [`check_dialect`] checked, for further, dialect-specific assertions (row counts,
/// the server's own dump, behaviour).
pub struct Checked<Db> {
    /// The source, reflected and planned with the expected policy.
    pub source: DdlExtractor,
    /// The target of the phased workflow with the expected policy, its rows loaded.
    pub round_trip: Db,
    /// The target of the phased workflow with `defer_primary_keys`, its rows loaded,
    /// when the dialect can defer primary keys and the expected policy did not already.
    pub deferred: Option<Db>,
    /// The target of [`clone_schema`] (no rows).
    pub clone: Db,
    /// What the clone reported.
    pub clone_report: CloneReport,
}

/// Reflects `url` with `registry`, panicking with the error's message on failure.
pub fn reflect(registry: &Registry, url: &str) -> DdlExtractor {
    reflect_with(registry, url, &Policy::default())
}

/// Reflects `url` with `registry` and plans it with `policy`, panicking with the error's
/// message on failure.
pub fn reflect_with(registry: &Registry, url: &str, policy: &Policy) -> DdlExtractor {
    DdlExtractor::open(url, registry, policy).unwrap_or_else(|e| panic!("reflect {url}: {e}"))
}

/// The differences between two schemas, one line each (empty when they are equal).
pub fn differences(a: &Schema, b: &Schema) -> Vec<String> {
    diff(a, b).iter().map(ToString::to_string).collect()
}

/// The names of `schema`'s tables as the IR quotes them (`"public"."t"`), sorted.
pub fn table_names(schema: &Schema) -> Vec<String> {
    let mut names: Vec<String> = schema.tables.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    names
}

/// The message `check` panicked with (empty when it panicked with something other than
/// a string); panics with `the kit accepted {what}` when `check` passed. For tests that
/// show a check refuses what it should.
pub fn refusal(what: &str, check: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(check))
        .err()
        .unwrap_or_else(|| panic!("the kit accepted {what}"));
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Asserts that two schemas are equal as far as the IR models them.
pub fn assert_same_schema(expected: &Schema, actual: &Schema) {
    assert_eq!(
        differences(expected, actual),
        Vec::<String>::new(),
        "the schemas differ"
    );
}

/// Asserts that the database at `url` holds what `base` creates and nothing that could
/// make a bulk load fail: no foreign key, unique or check constraint, index, view or
/// trigger.
pub fn assert_base_is_bare(registry: &Registry, url: &str) {
    let base = reflect(registry, url);
    for table in &base.schema().tables {
        let name = &table.name;
        assert!(table.foreign_keys.is_empty(), "{name} has foreign keys");
        assert!(
            table.unique_constraints.is_empty(),
            "{name} has unique constraints"
        );
        assert!(table.checks.is_empty(), "{name} has check constraints");
        assert!(table.indexes.is_empty(), "{name} has indexes");
    }
    assert!(base.schema().views.is_empty(), "base created views");
    assert!(base.schema().triggers.is_empty(), "base created triggers");
}

/// [`assert_base_is_bare`], and no primary key that `plan` leaves to a later phase
/// (policy `defer_primary_keys` on a dialect that can defer them) exists yet.
pub fn assert_base_follows_plan(registry: &Registry, url: &str, plan: &Plan) {
    assert_base_is_bare(registry, url);
    let deferred: BTreeSet<_> = plan
        .steps
        .iter()
        .filter(|s| s.object.kind == ObjectKind::PrimaryKey && s.phase > Phase::Base)
        .filter_map(|s| s.object.table.as_ref())
        .collect();
    if deferred.is_empty() {
        return;
    }
    let base = reflect(registry, url);
    for table in &base.schema().tables {
        assert!(
            !(deferred.contains(&table.name) && table.primary_key.is_some()),
            "{} has its primary key, which the plan leaves to the seal",
            table.name
        );
    }
}

/// Asserts that reflecting gave exactly the expected warnings.
pub fn assert_warnings(extractor: &DdlExtractor, expect: &Expect, source: &str) {
    assert_eq!(
        extractor.warnings(),
        expect.warnings,
        "warnings of {source}"
    );
}

/// The phased workflow, checked: reflects `source` (which must reflect without
/// warnings), applies `pre` and `base` to the empty database `target`, checks that
/// base is bare, runs `load` (the user's bulk load), applies `seal`, reflects `target`
/// and asserts that it equals the source. Returns the source's extractor for further,
/// dialect-specific checks.
pub fn round_trip(
    registry: &Registry,
    source: &str,
    target: &str,
    load: impl FnOnce(),
) -> DdlExtractor {
    round_trip_with(registry, source, target, &Expect::default(), load)
}

/// [`round_trip`] with expectations: the source must reflect with exactly
/// `expect.warnings`, it is planned with `expect.policy`, and base must also leave out
/// the primary keys that policy defers ([`assert_base_follows_plan`]).
pub fn round_trip_with(
    registry: &Registry,
    source: &str,
    target: &str,
    expect: &Expect,
    load: impl FnOnce(),
) -> DdlExtractor {
    phased(registry, source, target, expect, |_| load())
}

/// The phased workflow; `load` also gets the source's extractor.
fn phased(
    registry: &Registry,
    source: &str,
    target: &str,
    expect: &Expect,
    load: impl FnOnce(&DdlExtractor),
) -> DdlExtractor {
    let extractor = reflect_with(registry, source, &expect.policy);
    assert_warnings(&extractor, expect, source);
    let applier =
        DdlApplier::open(target, registry).unwrap_or_else(|e| panic!("open {target}: {e}"));
    for phase in [Phase::Pre, Phase::Base] {
        applier
            .apply_phase(&extractor, phase)
            .unwrap_or_else(|e| panic!("apply {phase} to {target}: {e}"));
    }
    assert_base_follows_plan(registry, target, extractor.plan());
    load(&extractor);
    applier
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_or_else(|e| panic!("apply seal to {target}: {e}"));
    assert_same_schema(extractor.schema(), reflect(registry, target).schema());
    extractor
}

/// Clones `source` into the empty database `target` with [`clone_schema`] and asserts
/// that the copy reflects equal to the source.
pub fn clone_and_compare(registry: &Registry, source: &str, target: &str) -> CloneReport {
    let report = clone_schema(source, target, registry, &Policy::default())
        .unwrap_or_else(|e| panic!("clone {source} into {target}: {e}"));
    assert_same_schema(
        reflect(registry, source).schema(),
        reflect(registry, target).schema(),
    );
    report
}

/// [`clone_and_compare`] with expectations: the clone plans with `expect.policy` and
/// reports exactly `expect.warnings`.
pub fn clone_and_compare_with(
    registry: &Registry,
    source: &str,
    target: &str,
    expect: &Expect,
) -> CloneReport {
    let report = clone_schema(source, target, registry, &expect.policy)
        .unwrap_or_else(|e| panic!("clone {source} into {target}: {e}"));
    assert_eq!(
        report.warnings, expect.warnings,
        "warnings of the clone of {source}"
    );
    assert_same_schema(
        reflect(registry, source).schema(),
        reflect(registry, target).schema(),
    );
    report
}

/// Asserts that the comparison can see what the seal creates: unless `source`'s seal
/// creates nothing (but owners and privileges), the database at `url`, where only `pre` and `base` are applied, must differ
/// from the source. (A dialect that reflected none of the objects the seal creates
/// would otherwise pass every round trip.)
pub fn assert_seal_is_visible(registry: &Registry, source: &DdlExtractor, url: &str) {
    // Owners and privileges may be the target's already (the applying role's own).
    let seal = source
        .phase_statements(Phase::Seal)
        .expect("the phase renders")
        .iter()
        .filter(|s| s.objects.iter().any(|o| !o.kind.names_its_object()))
        .count();
    if seal == 0 {
        return;
    }
    assert_ne!(
        differences(source.schema(), reflect(registry, url).schema()),
        Vec::<String>::new(),
        "{url} reflects equal to the source before its seal of {seal} statements: the \
         comparison cannot see what the seal creates"
    );
}

/// Runs every check of the kit on one source database, given a factory of empty
/// databases and a bulk load:
///
/// 1. the source reflects with at least one table and exactly `expect.warnings`;
/// 2. its plan keeps the planner's invariants ([`assert_plan_invariants`]) and its
///    snapshot round-trips ([`assert_snapshot_round_trip`]);
/// 3. the phased workflow into an empty database ([`round_trip_with`]), where the
///    target after `base` must differ from the source ([`assert_seal_is_visible`]);
/// 4. the same with `defer_primary_keys` when the dialect can defer primary keys and
///    `expect.policy` does not already;
/// 5. [`clone_schema`] into an empty database ([`clone_and_compare_with`]), which must
///    apply every statement of each phase, in phase order, without resuming anything.
///
/// Returns the source's extractor and the targets for dialect-specific checks.
pub fn check_dialect<D: TestDatabases>(
    registry: &Registry,
    databases: &D,
    source: &D::Db,
    expect: &Expect,
) -> Checked<D::Db> {
    let url = databases.url(source);
    let extractor = reflect_with(registry, &url, &expect.policy);
    assert!(
        !extractor.schema().tables.is_empty(),
        "{url} reflects no table: the checks would prove nothing"
    );
    assert_warnings(&extractor, expect, &url);
    assert_plan_invariants(extractor.plan());
    assert_snapshot_round_trip(&extractor);
    assert_phases_render_alone(registry, &url, &expect.policy, &extractor);

    let round_trip = |tag: &str, expect: &Expect| {
        let target = databases.empty(tag);
        let target_url = databases.url(&target);
        phased(registry, &url, &target_url, expect, |planned| {
            assert_seal_is_visible(registry, planned, &target_url);
            databases.load(source, &target);
        });
        target
    };
    let first = round_trip("round_trip", expect);
    // A re-run of every phase on the loaded, sealed target converges.
    assert_converges(registry, &extractor, &databases.url(&first));
    let deferred = (extractor.dialect().capabilities().deferred_primary_key
        && !expect.policy.defer_primary_keys)
        .then(|| {
            let deferred = expect
                .clone()
                .with_policy(expect.policy.clone().with_defer_primary_keys(true));
            round_trip("round_trip_deferred", &deferred)
        });

    let clone = databases.empty("clone");
    let clone_url = databases.url(&clone);
    // A clone into an empty database creates its tables complete where the dialect can:
    // then its seal adds no key, check, index or foreign key to a table.
    let complete = extractor
        .complete_tables()
        .unwrap_or_else(|e| panic!("complete tables of {url}: {e}"));
    assert_eq!(
        complete.is_some(),
        extractor.dialect().capabilities().complete_tables
            && !extractor.schema().routines.iter().any(|r| r.after_tables),
        "whether {url} is cloned with complete tables"
    );
    if let Some(complete) = &complete {
        assert_complete_tables(complete);
    }
    let cloned = complete.as_ref().unwrap_or(&extractor);
    // What an empty database lacks: every statement, but for what a new database
    // holds already (PostgreSQL's `public` schema, owned as the source's is).
    let empty =
        DdlApplier::open(&clone_url, registry).unwrap_or_else(|e| panic!("open {clone_url}: {e}"));
    let lacking: Vec<usize> = Phase::ALL
        .iter()
        .map(|phase| {
            let pending = empty
                .pending_statements(cloned, *phase)
                .unwrap_or_else(|e| panic!("what {clone_url} lacks of {phase}: {e}"));
            let all = cloned.phase_statements(*phase).expect("the phase renders");
            let held = all.len() - pending.len();
            assert!(
                all.iter()
                    .filter(|s| !pending.contains(s))
                    .all(|s| s.objects.iter().all(|o| o.kind.names_its_object())),
                "an empty database holds {held} statements' objects of {phase}"
            );
            pending.len()
        })
        .collect();
    let clone_report = clone_and_compare_with(registry, &url, &clone_url, expect);
    let phases: Vec<Phase> = clone_report.phases.iter().map(|(p, _)| *p).collect();
    assert_eq!(phases, Phase::ALL, "phases of the clone of {url}");
    for ((phase, report), lacking) in clone_report.phases.iter().zip(lacking) {
        assert_eq!(
            (report.statements, report.resumed, report.present),
            (lacking, 0, 0),
            "statements the clone applied (and resumed, and found there) in {phase}"
        );
    }
    assert_converges(registry, &extractor, &databases.url(&clone));
    Checked {
        source: extractor,
        round_trip: first,
        deferred,
        clone,
        clone_report,
    }
}

/// Asserts that a clone into an empty target, which reported `report`, ran every
/// statement of each phase of `cloned`, the extractor it applied (the source's, or its
/// [`DdlExtractor::complete_tables`]).
pub fn assert_clone_ran(report: &CloneReport, cloned: &DdlExtractor, what: &str) {
    let counts: Vec<usize> = report.phases.iter().map(|(_, r)| r.statements).collect();
    let expected: Vec<usize> = Phase::ALL
        .iter()
        .map(|p| {
            cloned
                .phase_statements(*p)
                .expect("the phase renders")
                .len()
        })
        .collect();
    assert_eq!(
        counts, expected,
        "statements per phase of the clone of {what}"
    );
}

/// Asserts that `complete` ([`DdlExtractor::complete_tables`]) creates every key, check
/// and foreign key of a table in the table's own `base` statement, its indexes in
/// `base` too (with the table, or right after it), and that its seal adds none.
pub fn assert_complete_tables(complete: &DdlExtractor) {
    let constraint = |kind: ObjectKind| {
        matches!(
            kind,
            ObjectKind::Unique | ObjectKind::Check | ObjectKind::Index | ObjectKind::ForeignKey
        )
    };
    for statement in complete.statements() {
        let constraints: Vec<&schema_replicator_core::ObjectId> = statement
            .objects
            .iter()
            .filter(|o| constraint(o.kind))
            .collect();
        if constraints.is_empty() {
            continue;
        }
        assert_eq!(
            statement.phase,
            Some(Phase::Base),
            "{} is not created with its table",
            statement.describe()
        );
        for object in constraints.iter().filter(|o| o.kind != ObjectKind::Index) {
            assert!(
                statement
                    .objects
                    .iter()
                    .any(|o| o.kind == ObjectKind::Table && o.table == object.table),
                "{object} is created apart from its table"
            );
        }
    }
    let planned = complete
        .plan()
        .steps
        .iter()
        .filter(|s| constraint(s.object.kind))
        .count();
    let created: usize = complete
        .phase_statements(Phase::Base)
        .expect("the phase renders")
        .iter()
        .map(|s| s.objects.iter().filter(|o| constraint(o.kind)).count())
        .sum();
    assert_eq!(
        created, planned,
        "keys, checks, indexes and foreign keys created with their tables"
    );
}

/// Asserts that `target`, which holds the whole schema `extractor` read, converges: a
/// re-run of each phase has nothing to do ([`schema_replicator_core::ApplyReport::nothing_to_do`];
/// a phase of counter syncs alone runs them again), a clone into it applies nothing but
/// such syncs, and the target reflects the same before and after.
pub fn assert_converges(registry: &Registry, extractor: &DdlExtractor, target: &str) {
    let before = reflect(registry, target);
    let applier =
        DdlApplier::open(target, registry).unwrap_or_else(|e| panic!("open {target}: {e}"));
    let syncs_only = |phase: Phase| {
        extractor
            .phase_statements(phase)
            .expect("the phase renders")
            .iter()
            .all(|s| s.objects.iter().all(|o| o.kind == ObjectKind::Counter))
    };
    for phase in Phase::ALL {
        let statements = extractor
            .phase_statements(phase)
            .expect("the phase renders")
            .len();
        let report = applier
            .apply_phase(extractor, phase)
            .unwrap_or_else(|e| panic!("re-apply {phase} to {target}: {e}"));
        if syncs_only(phase) {
            assert_eq!(
                report.statements, statements,
                "{phase}: counter syncs run again"
            );
        } else {
            assert!(
                report.nothing_to_do() && report.present == statements,
                "a re-run of {phase} on {target} that holds it must have nothing to do: \
                 {report:?}"
            );
        }
    }
    let report = clone_extracted(extractor, target, registry, &ApplyOptions::default())
        .unwrap_or_else(|e| panic!("clone into {target}, which holds the schema: {e}"));
    for (phase, applied) in &report.phases {
        if !syncs_only(*phase) {
            assert_eq!(
                applied.statements, 0,
                "a clone into {target} applied {phase}"
            );
        }
    }
    assert_same_schema(before.schema(), reflect(registry, target).schema());
}

/// Asserts that applying `base` to a target that holds the source's first table with
/// one more column (`sr_extra`) is refused before anything runs, with one line naming
/// the table and the column, and that the target keeps its table as it was.
pub fn assert_refuses_a_different_table(
    registry: &Registry,
    extractor: &DdlExtractor,
    target: &str,
) {
    let mut other = extractor.schema().clone();
    let table = other.tables.first_mut().expect("the source has a table");
    let mut extra = table.columns[0].clone();
    extra.name = "sr_extra".into();
    extra.identity = None;
    extra.generated = None;
    extra.default = None;
    extra.nullable = true;
    table.columns.push(extra);
    let name = table.name.clone();
    let other = DdlExtractor::from_schema(other, extractor.dialect().clone(), &Policy::default())
        .unwrap_or_else(|e| panic!("plan the altered schema: {e}"));
    let applier =
        DdlApplier::open(target, registry).unwrap_or_else(|e| panic!("open {target}: {e}"));
    for phase in [Phase::Pre, Phase::Base] {
        applier
            .apply_phase(&other, phase)
            .unwrap_or_else(|e| panic!("apply {phase} of the altered schema: {e}"));
    }
    base_refused(registry, extractor, target, &name);
}

/// Asserts that applying `extractor`'s base to `target` is refused because the target's
/// table `name` has one more column, `sr_extra`, and that the target is unchanged.
fn base_refused(registry: &Registry, extractor: &DdlExtractor, target: &str, name: &QualifiedName) {
    let applier =
        DdlApplier::open(target, registry).unwrap_or_else(|e| panic!("open {target}: {e}"));
    let before = reflect(registry, target);
    let error = applier
        .apply_phase(extractor, Phase::Base)
        .expect_err("base over a table with another definition must be refused");
    let message = error.to_string();
    let expected_start = "base: the target already holds 1 object of this phase otherwise than the source has it; nothing was applied";
    assert!(message.starts_with(expected_start), "{message}");
    let line = format!("\n  table {name}: column \"sr_extra\" of table {name}: only in the target");
    assert!(message.contains(&line), "{message}\nlacks {line}");
    assert_same_schema(before.schema(), reflect(registry, target).schema());
}

/// Asserts the planner's invariants on a plan: every object appears once; `base` holds
/// no constraint, index, view or trigger; no step depends on an object created later.
pub fn assert_plan_invariants(plan: &Plan) {
    let planned: BTreeSet<_> = plan.steps.iter().map(|s| &s.object).collect();
    assert_eq!(
        planned.len(),
        plan.steps.len(),
        "an object is planned twice"
    );
    let mut created = BTreeSet::new();
    for step in &plan.steps {
        if step.phase == Phase::Base {
            assert!(
                !matches!(
                    step.object.kind,
                    ObjectKind::Unique
                        | ObjectKind::Check
                        | ObjectKind::ForeignKey
                        | ObjectKind::Index
                        | ObjectKind::View
                        | ObjectKind::Trigger
                ),
                "base creates {}",
                step.object
            );
        }
        for dependency in &step.depends_on {
            assert!(
                !planned.contains(dependency) || created.contains(dependency),
                "{} depends on {}, which is created later",
                step.object,
                dependency
            );
        }
        created.insert(&step.object);
    }
}

/// Asserts that a snapshot of the extractor's schema reads back equal and renders the
/// same statements, so `base` and `seal` can run from a snapshot without the source.
pub fn assert_snapshot_round_trip(extractor: &DdlExtractor) {
    let json = snapshot::to_json(extractor.schema());
    let schema = snapshot::from_json(&json, "the snapshot")
        .unwrap_or_else(|e| panic!("read the snapshot back: {e}"));
    assert_eq!(
        &schema,
        extractor.schema(),
        "the snapshot changed the schema"
    );
    let offline =
        DdlExtractor::from_schema(schema, extractor.dialect().clone(), &Policy::default())
            .unwrap_or_else(|e| panic!("render the snapshot: {e}"));
    for phase in Phase::ALL {
        assert_eq!(
            offline.phase_ddl(phase).expect("the phase renders"),
            extractor.phase_ddl(phase).expect("the phase renders"),
            "phase {phase} from the snapshot"
        );
    }
}

/// Asserts that each phase rendered on its own is that phase of the whole: the
/// dialect's [`render_phase`](schema_replicator_core::Dialect::render_phase) gives the
/// statements [`render`](schema_replicator_core::Dialect::render) gives for the phase,
/// and an extractor of `url` (read with `policy`) holding fewer phases
/// ([`OpenOptions::with_phases`]) gives every phase's statements, with their
/// requirements, locks and preflights, as `extractor` (holding all) does; so does the
/// plan with complete tables, where the dialect has one.
pub fn assert_phases_render_alone(
    registry: &Registry,
    url: &str,
    policy: &Policy,
    extractor: &DdlExtractor,
) {
    let dialect = extractor.dialect();
    let (schema, plan) = (extractor.schema(), extractor.plan());
    let whole = dialect
        .render(schema, plan)
        .unwrap_or_else(|e| panic!("render {url}: {e}"));
    for phase in Phase::ALL {
        let alone = dialect
            .render_phase(schema, plan, phase)
            .unwrap_or_else(|e| panic!("render {phase} of {url}: {e}"));
        let of_whole: Vec<&Statement> = whole.iter().filter(|s| s.phase == Some(phase)).collect();
        assert_eq!(
            alone.iter().collect::<Vec<_>>(),
            of_whole,
            "{phase} of {url} rendered alone"
        );
    }
    let complete = extractor
        .complete_tables()
        .unwrap_or_else(|e| panic!("complete tables of {url}: {e}"));
    for holds in [&[][..], &[Phase::Seal][..], &[Phase::Pre, Phase::Base][..]] {
        let options = OpenOptions::default()
            .with_policy(policy.clone())
            .with_phases(holds);
        let lean = DdlExtractor::open_with(url, registry, &options)
            .unwrap_or_else(|e| panic!("reflect {url} holding {holds:?}: {e}"));
        assert_eq!(lean.holds(), holds, "the phases {url} holds");
        let lean_complete = lean
            .complete_tables()
            .unwrap_or_else(|e| panic!("complete tables of {url} holding {holds:?}: {e}"));
        let pairs = [
            (Some(&lean), Some(extractor), "phased"),
            (lean_complete.as_ref(), complete.as_ref(), "complete"),
        ];
        for (lean, whole, shape) in pairs {
            assert_eq!(lean.is_some(), whole.is_some(), "a {shape} plan of {url}");
            let (Some(lean), Some(whole)) = (lean, whole) else {
                continue;
            };
            for phase in Phase::ALL {
                assert_eq!(
                    lean.phase_statements(phase).expect("the phase renders"),
                    whole.phase_statements(phase).expect("the phase renders"),
                    "{phase} of the {shape} plan of {url}, holding {holds:?}"
                );
            }
        }
    }
}

/// What the seal creates in the small source suggested for [`assert_catches_defects`],
/// as [`Defects::sealed`] wants it. The source, written in the dialect's SQL: tables
/// `parent` (`id` its primary key, `code` under the unique constraint `parent_code_key`)
/// and `child` (`id` its primary key; `parent_id` with the foreign key `child_parent_fk`
/// to `parent (id)` and the index `child_parent`; `qty` under the check constraint
/// `child_qty_positive`, `qty > 0`), the view `child_view` over `child` and the trigger
/// `child_touch` on `child`. The index's name is quoted because `child_parent` alone is
/// also part of `child_parent_fk`.
pub const SMALL_SOURCE_SEALED: [&str; 6] = [
    "parent_code_key",
    "child_parent_fk",
    "child_qty_positive",
    "\"child_parent\"",
    "child_view",
    "child_touch",
];

/// What [`assert_catches_defects`] expects the kit to say about a source, in the words
/// that depend on the dialect (how it quotes names) and on its database (its errors).
/// Built with [`Defects::new`] and the `with_` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Defects {
    /// Everything the source's seal creates, each as a text (typically its name) found in
    /// the difference the comparison reports when that object is missing: a target
    /// without its seal must differ from the source by exactly one difference each.
    pub sealed: Vec<String>,
    /// The message [`assert_base_is_bare`] refuses the sealed source itself with, exactly:
    /// the first thing it finds that base must not create (`"child" has foreign keys`,
    /// say).
    pub not_bare: String,
    /// For a dialect that can defer primary keys, the message
    /// [`assert_base_follows_plan`] refuses a base that created them with, exactly;
    /// `None` (the default) for a dialect that cannot, whose plan under
    /// `defer_primary_keys` keeps them in base, so such a base must pass.
    pub primary_key_in_base: Option<String>,
}

impl Defects {
    /// What the seal of the source creates and the message [`assert_base_is_bare`]
    /// refuses the source with; the dialect cannot defer primary keys.
    pub fn new<I, S>(sealed: I, not_bare: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Defects {
            sealed: sealed.into_iter().map(Into::into).collect(),
            not_bare: not_bare.into(),
            primary_key_in_base: None,
        }
    }

    /// The same, for a dialect that can defer primary keys: [`assert_base_follows_plan`]
    /// refuses a base that created them with `message`.
    pub fn with_primary_key_in_base(mut self, message: impl Into<String>) -> Self {
        self.primary_key_in_base = Some(message.into());
        self
    }
}

/// Shows on the dialect's own databases that the kit catches what a defective dialect
/// would get wrong. `source` is a database whose seal creates what `defects.sealed`
/// lists (and, for a dialect that can defer primary keys, with a primary key): see
/// [`SMALL_SOURCE_SEALED`]. Each refusal below must come with the expected message:
///
/// 1. a target where only `pre` and `base` are applied is bare
///    ([`assert_base_is_bare`]) and the seal is visible there
///    ([`assert_seal_is_visible`]), but it differs from the source by exactly one
///    difference per entry of `defects.sealed`, each naming it, so
///    [`assert_same_schema`] refuses it (`the schemas differ`);
/// 2. [`assert_seal_is_visible`] refuses a target that reflects equal to the source
///    before its seal (the source itself stands in for it: what a dialect that cannot
///    reflect what the seal creates would see), saying that the comparison `cannot see
///    what the seal creates`;
/// 3. [`assert_base_is_bare`] refuses the sealed source with `defects.not_bare`;
/// 4. under `defer_primary_keys`, [`assert_base_follows_plan`] refuses a base that
///    created the primary keys with `defects.primary_key_in_base` when the dialect can
///    defer them (which `primary_key_in_base` must say), and passes it when it cannot;
/// 5. a target that holds a table with another definition is refused before anything
///    runs ([`assert_refuses_a_different_table`]), and the kit's own check of that
///    refusal fails when the target holds the table as the source has it.
pub fn assert_catches_defects<D: TestDatabases>(
    registry: &Registry,
    databases: &D,
    source: &D::Db,
    defects: &Defects,
) {
    let url = databases.url(source);
    let extractor = reflect(registry, &url);

    // A target without its seal: the comparison sees every missing object.
    let unsealed = databases.empty("unsealed");
    let unsealed_url = databases.url(&unsealed);
    let applier = DdlApplier::open(&unsealed_url, registry)
        .unwrap_or_else(|e| panic!("open {unsealed_url}: {e}"));
    for phase in [Phase::Pre, Phase::Base] {
        applier
            .apply_phase(&extractor, phase)
            .unwrap_or_else(|e| panic!("apply {phase} to {unsealed_url}: {e}"));
    }
    assert_base_is_bare(registry, &unsealed_url);
    assert_seal_is_visible(registry, &extractor, &unsealed_url);
    let copy = reflect(registry, &unsealed_url);
    let differences = differences(extractor.schema(), copy.schema());
    assert_eq!(differences.len(), defects.sealed.len(), "{differences:#?}");
    for name in &defects.sealed {
        assert!(
            differences.iter().any(|d| d.contains(name)),
            "{name} missing from {differences:#?}"
        );
    }
    let message = refusal("a copy without its seal", || {
        assert_same_schema(extractor.schema(), copy.schema())
    });
    assert!(message.contains("the schemas differ"), "{message}");

    // A dialect that cannot see what the seal creates: its copy before the seal
    // reflects equal to the source, as the source itself does.
    let message = refusal("a copy that reflects equal before its seal", || {
        assert_seal_is_visible(registry, &extractor, &url)
    });
    assert!(
        message.contains("cannot see what the seal creates"),
        "{message}"
    );

    // A base that created what the seal should: the kit says which.
    let message = refusal("a sealed database as a bare base", || {
        assert_base_is_bare(registry, &url)
    });
    assert_eq!(message, defects.not_bare);

    // A base that kept a primary key the policy defers.
    let can_defer = extractor.dialect().capabilities().deferred_primary_key;
    assert_eq!(
        defects.primary_key_in_base.is_some(),
        can_defer,
        "primary_key_in_base is for a dialect that can defer primary keys"
    );
    let deferred = reflect_with(
        registry,
        &url,
        &Policy::default().with_defer_primary_keys(true),
    );
    let base_follows_plan = || assert_base_follows_plan(registry, &unsealed_url, deferred.plan());
    match &defects.primary_key_in_base {
        Some(expected) => {
            let message = refusal(
                "a primary key in base under defer_primary_keys",
                base_follows_plan,
            );
            assert_eq!(&message, expected);
        }
        None => base_follows_plan(),
    }

    // A target that holds a table with another definition is refused; one that holds
    // it as the source has it is not, and the kit says so.
    let other = databases.empty("different");
    assert_refuses_a_different_table(registry, &extractor, &databases.url(&other));
    let first = &extractor.schema().tables[0].name;
    let message = refusal(
        "a target that holds the tables as the source has them",
        || {
            base_refused(registry, &extractor, &unsealed_url, first);
        },
    );
    assert!(
        message.contains("base over a table with another definition must be refused"),
        "{message}"
    );
}
