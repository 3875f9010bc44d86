//! The round-trip test kit: checks that every dialect must pass, written against the
//! [`Dialect`](schema_replicator_core::Dialect) API only, so a third-party dialect
//! crate can run them on its own databases. Each check panics with a readable message
//! when it fails, like `assert!`; use them in `#[test]` functions.
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

use std::collections::BTreeSet;

use schema_replicator_core::{
    clone_schema, diff, snapshot, CloneReport, DdlApplier, DdlExtractor, ObjectKind, Phase, Plan,
    Policy, Registry, Schema,
};

/// Reflects `url` with `registry`, panicking with the error's message on failure.
pub fn reflect(registry: &Registry, url: &str) -> DdlExtractor {
    DdlExtractor::open(url, registry, &Policy::default())
        .unwrap_or_else(|e| panic!("reflect {url}: {e}"))
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
    let extractor = reflect(registry, source);
    assert_eq!(
        extractor.warnings(),
        Vec::<String>::new(),
        "warnings of {source}"
    );
    let applier =
        DdlApplier::open(target, registry).unwrap_or_else(|e| panic!("open {target}: {e}"));
    for phase in [Phase::Pre, Phase::Base] {
        applier
            .apply_phase(&extractor, phase)
            .unwrap_or_else(|e| panic!("apply {phase} to {target}: {e}"));
    }
    assert_base_is_bare(registry, target);
    load();
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
