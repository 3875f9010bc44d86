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
        assert_eq!(
            offline.phase_ddl(phase).unwrap(),
            live.phase_ddl(phase).unwrap()
        );
    }
    kit::assert_snapshot_round_trip(&live);
}

/// Full-text and R*Tree tables as applications use them: an FTS5 index of another
/// table kept in sync by triggers (external content), an FTS5 table with its own
/// content, an FTS4 index with external content, and an R*Tree.
const VIRTUAL_TABLES: &str = "
CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO docs_fts(docs_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE VIRTUAL TABLE notes_fts USING fts5(note);
CREATE VIRTUAL TABLE IF NOT EXISTS \"legacy fts\" USING fts4(title, body, content=\"docs\");
CREATE VIRTUAL TABLE boxes USING rtree(id, min_x, max_x, min_y, max_y);
INSERT INTO docs VALUES (1, 'Rust', 'systems programming'), (2, 'SQLite', 'an embedded database');
INSERT INTO notes_fts VALUES ('remember the milk');
INSERT INTO boxes VALUES (1, 0, 10, 0, 10), (2, 20, 30, 20, 30);
INSERT INTO \"legacy fts\"(\"legacy fts\") VALUES ('rebuild');
";

/// Every `sqlite_schema` entry (shadow tables included), as `type name tbl_name sql`.
fn schema_entries(path: &Path) -> Vec<String> {
    let mut conn = open(path);
    lines(
        &mut conn,
        "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || ifnull(sql, '-') AS line \
         FROM sqlite_schema ORDER BY type, name",
    )
}

#[test]
fn virtual_tables_come_back_with_their_shadow_tables_and_answer_queries() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("fts.db");
    create_db(&source, VIRTUAL_TABLES);
    let extractor = DdlExtractor::new(&url(&source)).unwrap();
    assert!(
        extractor.warnings().is_empty(),
        "{:?}",
        extractor.warnings()
    );
    let schema = extractor.schema();
    let modules: Vec<(&str, &str, bool)> = schema
        .virtual_tables
        .iter()
        .map(|v| (v.name.name.as_str(), v.module.as_str(), v.rebuild))
        .collect();
    assert_eq!(
        modules,
        [
            ("docs_fts", "fts5", true),
            ("notes_fts", "fts5", false),
            ("legacy fts", "fts4", true),
            ("boxes", "rtree", false),
        ]
    );
    // Shadow tables are the modules' own: never created directly.
    assert_eq!(
        kit::table_names(schema),
        ["\"docs\""],
        "only the plain table is a table"
    );
    let base = extractor.phase_ddl(Phase::Base).unwrap();
    assert_eq!(base.len(), 5, "{base:#?}");
    assert!(base[1].starts_with("CREATE VIRTUAL TABLE docs_fts USING fts5("));
    let seal = extractor.phase_ddl(Phase::Seal).unwrap();
    assert!(
        seal.contains(&"INSERT INTO \"docs_fts\"(\"docs_fts\") VALUES ('rebuild')".to_owned()),
        "{seal:#?}"
    );

    // pre and base, then the user's load: the plain table, and the virtual tables that
    // hold their own rows, through the virtual table; then the seal.
    let target = dir.path().join("copy.db");
    let registry = Registry::builtin().unwrap();
    let applier = schema_replicator::DdlApplier::open(&url(&target), &registry).unwrap();
    applier.apply_phase(&extractor, Phase::Pre).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    exec(
        &target,
        &format!(
            "ATTACH DATABASE '{}' AS src; \
             INSERT INTO main.docs SELECT * FROM src.docs; \
             INSERT INTO main.notes_fts (rowid, note) SELECT rowid, note FROM src.notes_fts; \
             INSERT INTO main.boxes SELECT * FROM src.boxes; \
             DETACH DATABASE src;",
            source.display()
        ),
    )
    .unwrap();
    applier.apply_phase(&extractor, Phase::Seal).unwrap();

    // SQLite's own oracle: every sqlite_schema entry of the virtual tables, their
    // shadow tables and the triggers as the source has it; the plain table, whose
    // statement base writes anew, through its PRAGMAs.
    let plain = |entries: Vec<String>| -> Vec<String> {
        entries
            .into_iter()
            .filter(|e| !e.starts_with("table docs docs "))
            .collect()
    };
    assert_eq!(
        plain(schema_entries(&source)),
        plain(schema_entries(&target))
    );
    assert_eq!(schema_entries(&source).len(), 24);
    assert_eq!(pragma_fingerprint(&source), pragma_fingerprint(&target));
    assert_eq!(exec(&target, "PRAGMA integrity_check"), Ok(()));
    assert_eq!(
        exec(
            &target,
            "INSERT INTO docs_fts(docs_fts) VALUES ('integrity-check')"
        ),
        Ok(())
    );
    let copy = DdlExtractor::new(&url(&target)).unwrap();
    assert!(diff(schema, copy.schema()).is_empty());

    // Behaviour: each index finds the loaded rows; the sync trigger keeps working.
    for db in [&source, &target] {
        let found = |sql: &str| query_i64(db, sql);
        assert_eq!(
            found("SELECT rowid AS value FROM docs_fts WHERE docs_fts MATCH 'embedded'"),
            2
        );
        assert_eq!(
            found("SELECT docid AS value FROM \"legacy fts\" WHERE \"legacy fts\" MATCH 'rust'"),
            1
        );
        assert_eq!(
            found("SELECT count(*) AS value FROM notes_fts WHERE notes_fts MATCH 'milk'"),
            1
        );
        assert_eq!(
            found("SELECT id AS value FROM boxes WHERE min_x <= 25 AND max_x >= 25"),
            2
        );
    }
    exec(
        &target,
        "INSERT INTO docs VALUES (3, 'Tokio', 'async runtime')",
    )
    .unwrap();
    assert_eq!(
        query_i64(
            &target,
            "SELECT rowid AS value FROM docs_fts WHERE docs_fts MATCH 'runtime'"
        ),
        3
    );
    // A re-run of base or seal has nothing to do (pre is empty on SQLite).
    for phase in [Phase::Base, Phase::Seal] {
        let report = applier.apply_phase(&extractor, phase).unwrap();
        assert!(report.nothing_to_do(), "{phase}");
    }
}

#[test]
fn a_virtual_table_whose_module_the_build_lacks_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("vt.db");
    create_db(&source, VIRTUAL_TABLES);
    // A snapshot of a database made where a module exists that this build lacks.
    let mut schema = DdlExtractor::new(&url(&source)).unwrap().schema().clone();
    let boxes = schema
        .virtual_tables
        .iter_mut()
        .find(|v| v.name.name == "boxes")
        .unwrap();
    boxes.module = "geopoly9".into();
    boxes.definition =
        schema_replicator::Expr::raw("sqlite", "CREATE VIRTUAL TABLE boxes USING geopoly9()");
    let snapshot = dir.path().join("vt.json");
    schema_replicator::snapshot::write(&schema, &snapshot).unwrap();
    let extractor = DdlExtractor::new(snapshot.to_str().unwrap()).unwrap();
    let target = dir.path().join("copy.db");
    let applier =
        schema_replicator::DdlApplier::open(&url(&target), &Registry::builtin().unwrap()).unwrap();
    let err = applier
        .apply_phase(&extractor, Phase::Base)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("virtual table \"boxes\": no such module: geopoly9"),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    assert_eq!(
        query_i64(&target, "SELECT count(*) AS value FROM sqlite_schema"),
        0
    );
}

/// A clone into an empty file loads no rows: each table is created complete, its
/// constraints in its `CREATE TABLE` and its indexes in base, so the seal rebuilds no
/// table. The copy has the source's PRAGMAs and counters, and the very schema text the
/// phased copy (base, load, seal with its rebuilds) ends with.
#[test]
fn a_clone_creates_each_table_complete_and_rebuilds_none() {
    let registry = Registry::builtin().expect("registry");
    let schema_text = |path: &Path| {
        lines(
            &mut open(path),
            "SELECT type || ' ' || name || ' ' || tbl_name || ': ' || ifnull(sql, '-') AS line \
             FROM sqlite_schema ORDER BY type, name",
        )
    };
    for (name, script) in [
        ("chinook", "tests/fixtures/chinook-sqlite.sql"),
        ("kitchen", "examples/kitchen-sink.sql"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join(format!("{name}.db"));
        create_db(
            &source,
            &std::fs::read_to_string(root().join(script)).unwrap(),
        );
        let extractor = DdlExtractor::new(&url(&source)).unwrap();
        let complete = extractor
            .complete_tables()
            .unwrap()
            .expect("SQLite creates tables complete");
        // No statement of the seal creates a constraint, which SQLite could add only by
        // rebuilding the table; the tables have some.
        let constraint = |kind: ObjectKind| {
            matches!(
                kind,
                ObjectKind::PrimaryKey
                    | ObjectKind::Unique
                    | ObjectKind::Check
                    | ObjectKind::ForeignKey
                    | ObjectKind::Index
            )
        };
        let seal = complete.phase_statements(Phase::Seal).unwrap();
        assert!(
            seal.iter()
                .all(|s| s.objects.iter().all(|o| !constraint(o.kind))),
            "{name}: a complete clone adds constraints in its seal: {seal:#?}"
        );
        assert!(complete
            .phase_statements(Phase::Base)
            .unwrap()
            .iter()
            .any(|s| s.objects.iter().any(|o| constraint(o.kind))));
        let clone = dir.path().join("clone.db");
        let report = schema_replicator::clone_schema(
            &url(&source),
            &url(&clone),
            &registry,
            &Policy::default(),
        )
        .unwrap();
        schema_replicator_testkit::assert_clone_ran(&report, &complete, name);
        assert_eq!(
            pragma_fingerprint(&source),
            pragma_fingerprint(&clone),
            "{name}"
        );
        assert_eq!(exec(&clone, "PRAGMA integrity_check"), Ok(()));
        let differences = diff(
            extractor.schema(),
            DdlExtractor::new(&url(&clone)).unwrap().schema(),
        );
        assert!(differences.is_empty(), "{name}: {differences:#?}");
        // The phased copy, rebuilt in its seal, ends with the same text.
        let phased = dir.path().join("phased.db");
        kit::round_trip(&registry, &url(&source), &url(&phased), || {});
        assert_eq!(schema_text(&clone), schema_text(&phased), "{name}");
    }
}
