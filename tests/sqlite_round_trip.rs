//! Round trips on real SQLite databases: reflect a source, apply `pre` and `base` to a
//! fresh database, load the data, apply `seal`, and compare the target with the source
//! through our diff, through SQLite's own PRAGMA output, and through behaviour.

mod common;

use std::path::Path;

use common::*;
use schema_replicator::{diff, DdlExtractor, ObjectKind, Phase, Policy, Registry};
use schema_replicator_testkit as kit;

/// Runs the phased workflow from `source` into `target` with the round-trip kit (which
/// checks that base is bare and that the target reflects equal to the source), then
/// compares them through SQLite's own PRAGMA output and through behaviour.
fn round_trip(source: &Path, target: &Path) {
    let registry = Registry::builtin().expect("registry");
    let extractor = kit::round_trip(&registry, &url(source), &url(target), || {
        load_data(source, target)
    });
    assert_eq!(pragma_fingerprint(source), pragma_fingerprint(target));
    assert_eq!(row_counts(source), row_counts(target));
    assert_eq!(exec(target, "PRAGMA integrity_check"), Ok(()));

    // Every table with a counter hands out an id above everything the source used.
    for table in &extractor.schema().tables {
        if let Some(id) = insert_with_counter(target, table) {
            assert_eq!(
                id,
                expected_next_id(source, table),
                "next id of {}",
                table.name
            );
        }
    }
}

#[test]
fn chinook_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("chinook.db");
    let sql = std::fs::read_to_string(root().join("tests/fixtures/chinook-sqlite.sql")).unwrap();
    create_db(&source, &sql);
    assert_eq!(
        query_i64(&source, "SELECT count(*) AS value FROM Track"),
        3503
    );
    round_trip(&source, &dir.path().join("copy.db"));
}

#[test]
fn kitchen_sink_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("kitchen.db");
    let sql = std::fs::read_to_string(root().join("examples/kitchen-sink.sql")).unwrap();
    create_db(&source, &sql);
    let target = dir.path().join("copy.db");
    round_trip(&source, &target);
    // The AUTOINCREMENT counter survived although the last artist was deleted.
    assert_eq!(
        query_i64(
            &target,
            "SELECT seq AS value FROM sqlite_sequence WHERE name = 'artist'"
        ),
        5
    );
    // Triggers and views work on the copy.
    exec(
        &target,
        "UPDATE album SET title = 'Arrival (remaster)' WHERE album_id = 1",
    )
    .unwrap();
    assert_eq!(
        query_i64(
            &target,
            "SELECT count(*) AS value FROM ledger WHERE memo = 'renamed from Arrival'"
        ),
        1
    );
    assert_eq!(
        exec(&target, "DELETE FROM ledger WHERE amount > 1000"),
        Err("ledger entries over 1000 are permanent".to_owned())
    );
    assert_eq!(
        query_i64(&target, "SELECT count(*) AS value FROM \"big albums\""),
        1
    );
}

#[test]
fn shipped_example_database_matches_its_script() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("kitchen.db");
    let sql = std::fs::read_to_string(root().join("examples/kitchen-sink.sql")).unwrap();
    create_db(&fresh, &sql);
    let shipped = DdlExtractor::new(&url(&root().join("examples/kitchen-sink.db"))).unwrap();
    let built = DdlExtractor::new(&url(&fresh)).unwrap();
    assert_eq!(diff(shipped.schema(), built.schema()), vec![]);
}

#[test]
fn kitchen_sink_reflection_covers_every_feature() {
    let ks = DdlExtractor::new(&url(&root().join("examples/kitchen-sink.db"))).unwrap();
    let schema = ks.schema();
    let table = |name: &str| ks.table(name).unwrap();
    assert_eq!(schema.tables.len(), 6);
    assert_eq!(schema.views.len(), 2);
    assert_eq!(schema.triggers.len(), 2);
    let artist = table("artist");
    assert_eq!(
        artist.column("name").unwrap().collation.as_deref(),
        Some("NOCASE")
    );
    assert_eq!(
        artist.unique_constraints[0].name.as_deref(),
        Some("artist_name_unique")
    );
    let album = table("album");
    assert_eq!(album.checks.len(), 2);
    assert!(
        album
            .column("price_cents")
            .unwrap()
            .generated
            .as_ref()
            .unwrap()
            .stored
    );
    assert!(
        !album
            .column("title_length")
            .unwrap()
            .generated
            .as_ref()
            .unwrap()
            .stored
    );
    assert_eq!(album.indexes.len(), 2);
    assert!(album.indexes[1].predicate.is_some());
    let tracks = table("Track Listing");
    assert_eq!(
        tracks.primary_key.as_ref().unwrap().columns,
        ["album id", "position"]
    );
    assert_eq!(
        tracks.foreign_keys[0].deferrable,
        schema_replicator::Deferrable::InitiallyDeferred
    );
    assert!(tracks.has_option(&schema_replicator::TableOption::WithoutRowid));
    assert!(table("ledger").has_option(&schema_replicator::TableOption::Strict));
    assert!(table("ledger").foreign_keys[0]
        .referenced_columns
        .is_empty());
}

#[test]
fn reflection_issues_a_constant_number_of_queries() {
    let dir = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for tables in [1usize, 50, 200] {
        let path = dir.path().join(format!("n{tables}.db"));
        let mut sql = String::from("CREATE TABLE t0 (id INTEGER PRIMARY KEY);\n");
        for i in 1..tables {
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t{} (id), \
                 v TEXT UNIQUE CHECK (length(v) < 10));\nCREATE INDEX i{i} ON t{i} (p);\n",
                i - 1
            ));
        }
        create_db(&path, &sql);
        let reflection = DdlExtractor::new(&url(&path)).unwrap();
        assert_eq!(reflection.schema().tables.len(), tables);
        counts.push(reflection.queries());
    }
    assert!(
        counts.iter().all(|&c| c == counts[0]),
        "queries per size: {counts:?}"
    );
    assert!(counts[0] <= 8, "queries: {}", counts[0]);
}

#[test]
fn per_table_api_reads_one_reflection() {
    let ks = DdlExtractor::new(&url(&root().join("examples/kitchen-sink.db"))).unwrap();
    let queries = ks.queries();
    let base = ks.table_base_ddl("album").unwrap();
    assert!(base.starts_with("CREATE TABLE \"album\" ("), "{base}");
    assert!(!base.contains("REFERENCES") && !base.contains("CHECK") && !base.contains("UNIQUE"));
    assert!(base.contains("GENERATED ALWAYS AS (CAST(price * 100 AS INTEGER)) STORED"));
    let seal = ks.constraints_and_indexes_ddl("album").unwrap();
    assert!(seal
        .iter()
        .any(|s| s.contains("CONSTRAINT \"album_price_positive\" CHECK (price > 0)")));
    assert!(seal
        .iter()
        .any(|s| s.starts_with("CREATE UNIQUE INDEX \"album_title_ci\"")));
    assert!(!seal.iter().any(|s| s.contains("CREATE VIEW")));
    assert_eq!(ks.queries(), queries);
}

#[test]
fn plan_puts_every_object_in_exactly_one_phase() {
    let ks = DdlExtractor::new(&url(&root().join("examples/kitchen-sink.db"))).unwrap();
    let plan = ks.plan();
    kit::assert_plan_invariants(plan);
    let mut seen = std::collections::BTreeSet::new();
    for step in &plan.steps {
        assert!(seen.insert(step.object.clone()), "twice: {}", step.object);
        if step.phase == Phase::Base {
            assert_eq!(step.object.kind, ObjectKind::Table, "{}", step.object);
        }
    }
    // 6 tables, 3 unique, 3 checks, 4 foreign keys, 4 indexes, 2 counters, 2 views, 2 triggers.
    assert_eq!(seen.len(), 6 + 3 + 3 + 4 + 4 + 2 + 2 + 2);
}

#[test]
fn snapshot_reproduces_the_same_ddl_without_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let live = DdlExtractor::new(&url(&root().join("examples/kitchen-sink.db"))).unwrap();
    let path = dir.path().join("schema.json");
    schema_replicator::snapshot::write(live.schema(), &path).unwrap();
    let offline = DdlExtractor::open(
        path.to_str().unwrap(),
        &Registry::builtin().unwrap(),
        &Policy::default(),
    )
    .unwrap();
    assert_eq!(offline.schema(), live.schema());
    for phase in Phase::ALL {
        assert_eq!(offline.phase_ddl(phase), live.phase_ddl(phase));
    }
    kit::assert_snapshot_round_trip(&live);
}
