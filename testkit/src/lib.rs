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

use std::collections::BTreeSet;

use schema_replicator_core::{
    clone_schema, diff, snapshot, CloneReport, DdlApplier, DdlExtractor, ObjectKind, Phase, Plan,
    Policy, Registry, Schema,
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

/// Asserts that the comparison can see what the seal creates: unless `source`'s seal is
/// empty, the database at `url`, where only `pre` and `base` are applied, must differ
/// from the source. (A dialect that reflected none of the objects the seal creates
/// would otherwise pass every round trip.)
pub fn assert_seal_is_visible(registry: &Registry, source: &DdlExtractor, url: &str) {
    let seal = source.phase_statements(Phase::Seal).len();
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
    let deferred = (extractor.dialect().capabilities().deferred_primary_key
        && !expect.policy.defer_primary_keys)
        .then(|| {
            let deferred = expect
                .clone()
                .with_policy(expect.policy.clone().with_defer_primary_keys(true));
            round_trip("round_trip_deferred", &deferred)
        });

    let clone = databases.empty("clone");
    let clone_report = clone_and_compare_with(registry, &url, &databases.url(&clone), expect);
    let phases: Vec<Phase> = clone_report.phases.iter().map(|(p, _)| *p).collect();
    assert_eq!(phases, Phase::ALL, "phases of the clone of {url}");
    for (phase, report) in &clone_report.phases {
        assert_eq!(
            (report.statements, report.resumed),
            (extractor.phase_statements(*phase).len(), 0),
            "statements the clone applied (and resumed) in {phase}"
        );
    }
    Checked {
        source: extractor,
        round_trip: first,
        deferred,
        clone,
        clone_report,
    }
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
            offline.phase_ddl(phase),
            extractor.phase_ddl(phase),
            "phase {phase} from the snapshot"
        );
    }
}
