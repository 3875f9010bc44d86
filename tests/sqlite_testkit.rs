//! The public test kit (`schema-replicator-testkit`) on SQLite, the way the PostgreSQL
//! and MySQL tests run it: every check of the kit ([`kit::check_dialect`]) on Chinook
//! and the kitchen sink, with databases as files in a temporary directory and the rows
//! copied table by table, children first. The kit's verdicts are then held against
//! SQLite's own PRAGMA output and the row counts, and the kit is shown to catch, on
//! SQLite files, what a defective dialect would get wrong.

mod common;

use std::cell::Cell;
use std::path::{Path, PathBuf};

use common::*;
use schema_replicator::Registry;
use schema_replicator_testkit::{self as kit, Checked, Defects, Expect, TestDatabases};

/// Database files in one temporary directory, removed with it.
struct Files {
    dir: tempfile::TempDir,
    next: Cell<usize>,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
            next: Cell::new(0),
        }
    }

    /// A database created from a script.
    fn with_script(&self, tag: &str, script: &str) -> PathBuf {
        let path = self.empty(tag);
        create_db(&path, script);
        path
    }
}

impl TestDatabases for Files {
    type Db = PathBuf;

    fn empty(&self, tag: &str) -> PathBuf {
        let n = self.next.get();
        self.next.set(n + 1);
        self.dir.path().join(format!("{tag}-{n}.db"))
    }

    fn url(&self, db: &PathBuf) -> String {
        url(db)
    }

    fn load(&self, source: &PathBuf, target: &PathBuf) {
        load_data(source, target);
    }
}

/// SQLite agrees with the kit: the round trip and the clone have the source's PRAGMA
/// fingerprint (`sqlite_sequence` counters included), and the round trip its rows.
fn assert_sqlite_agrees(source: &Path, checked: &Checked<PathBuf>) {
    assert!(
        checked.deferred.is_none(),
        "SQLite cannot add a primary key after the load: no deferred round trip"
    );
    let fingerprint = pragma_fingerprint(source);
    assert_eq!(
        pragma_fingerprint(&checked.round_trip),
        fingerprint,
        "round trip"
    );
    assert_eq!(pragma_fingerprint(&checked.clone), fingerprint, "clone");
    let rows = row_counts(source);
    assert!(
        rows.iter().any(|r| !r.ends_with(" 0")),
        "the fixture has rows: {rows:?}"
    );
    assert_eq!(row_counts(&checked.round_trip), rows);
    assert_eq!(
        exec(&checked.round_trip, "PRAGMA integrity_check"),
        Ok(()),
        "integrity of the round trip"
    );
}

#[test]
fn chinook_passes_every_check_of_the_kit() {
    let registry = Registry::builtin().unwrap();
    let files = Files::new();
    let sql = std::fs::read_to_string(root().join("tests/fixtures/chinook-sqlite.sql")).unwrap();
    let source = files.with_script("chinook", &sql);
    let checked = kit::check_dialect(&registry, &files, &source, &Expect::default());
    let schema = checked.source.schema();
    assert_eq!(schema.tables.len(), 11);
    assert_eq!(
        schema
            .tables
            .iter()
            .map(|t| t.foreign_keys.len())
            .sum::<usize>(),
        11
    );
    assert_sqlite_agrees(&source, &checked);
    assert_eq!(
        query_i64(&checked.round_trip, "SELECT count(*) AS value FROM Track"),
        3503
    );
}

#[test]
fn kitchen_sink_passes_every_check_of_the_kit() {
    let registry = Registry::builtin().unwrap();
    let files = Files::new();
    let sql = std::fs::read_to_string(root().join("examples/kitchen-sink.sql")).unwrap();
    let source = files.with_script("kitchen", &sql);
    let checked = kit::check_dialect(&registry, &files, &source, &Expect::default());
    let schema = checked.source.schema();
    assert_eq!(
        (
            schema.tables.len(),
            schema.views.len(),
            schema.triggers.len()
        ),
        (6, 2, 2)
    );
    assert_sqlite_agrees(&source, &checked);
    // The AUTOINCREMENT counter survived in the round trip: it stays at the deleted
    // artist (4), above the highest id left (3).
    for (sql, value) in [
        (
            "SELECT seq AS value FROM sqlite_sequence WHERE name = 'artist'",
            4,
        ),
        ("SELECT max(artist_id) AS value FROM artist", 3),
    ] {
        assert_eq!(query_i64(&checked.round_trip, sql), value, "{sql}");
    }
}

/// A small source with one object of each kind the seal creates: the one
/// [`kit::SMALL_SOURCE_SEALED`] describes.
const SMALL: &str = "CREATE TABLE parent (id integer PRIMARY KEY, code text,
         CONSTRAINT parent_code_key UNIQUE (code));
     CREATE TABLE child (id integer PRIMARY KEY, parent_id integer, qty integer,
         CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id),
         CONSTRAINT child_qty_positive CHECK (qty > 0));
     CREATE INDEX child_parent ON child (parent_id);
     CREATE VIEW child_view AS SELECT id FROM child;
     CREATE TRIGGER child_touch BEFORE INSERT ON child BEGIN SELECT 1; END;";

#[test]
fn the_kit_catches_what_a_defective_dialect_would_get_wrong() {
    let registry = Registry::builtin().unwrap();
    let files = Files::new();
    let source = files.with_script("defects", SMALL);
    let defects = Defects::new(
        kit::SMALL_SOURCE_SEALED,
        "\"parent\" has unique constraints",
    );
    kit::assert_catches_defects(&registry, &files, &source, &defects);
}
