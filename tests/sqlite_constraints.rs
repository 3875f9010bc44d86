//! Behaviour, not text: every constraint of the kitchen-sink schema lets a violating
//! row in after `base` and rejects it after `seal`; a seal that meets bad data is
//! refused with a message naming the constraint and leaves the target as it was; bad
//! input gets one clear message.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use schema_replicator::{diff, snapshot, DdlApplier, DdlExtractor, Error, Phase, Policy, Registry};

fn kitchen_sink() -> PathBuf {
    root().join("examples/kitchen-sink.db")
}

/// A fresh copy of the kitchen-sink schema with the given phases applied.
fn target(dir: &Path, name: &str, phases: &[Phase]) -> PathBuf {
    let extractor = DdlExtractor::new(&url(&kitchen_sink())).unwrap();
    let path = dir.join(name);
    let applier = DdlApplier::new(&url(&path)).unwrap();
    for &phase in phases {
        applier.apply_phase(&extractor, phase).unwrap();
    }
    path
}

/// (constraint, valid rows first, then the violating statement, expected error).
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "artist_name_unique (NOCASE)",
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba')",
        "INSERT INTO artist (name) VALUES ('ABBA')",
        "UNIQUE constraint failed: artist.name",
    ),
    (
        "album.artist_id foreign key",
        "",
        "INSERT INTO album (album_id, artist_id, title) VALUES (1, 99, 'x')",
        "FOREIGN KEY constraint failed",
    ),
    (
        "album.released check",
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba')",
        "INSERT INTO album (album_id, artist_id, title, released) VALUES (1, 1, 'x', 1800)",
        "CHECK constraint failed: released BETWEEN 1900 AND 2100",
    ),
    (
        "album_price_positive",
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba')",
        "INSERT INTO album (album_id, artist_id, title, price) VALUES (1, 1, 'x', -1)",
        "CHECK constraint failed: album_price_positive",
    ),
    (
        "album UNIQUE (artist_id, title)",
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba'); \
         INSERT INTO album (album_id, artist_id, title) VALUES (1, 1, 'x')",
        "INSERT INTO album (album_id, artist_id, title) VALUES (2, 1, 'x')",
        "UNIQUE constraint failed: album.",
    ),
    (
        "album_title_ci unique index (NOCASE)",
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba'); \
         INSERT INTO album (album_id, artist_id, title) VALUES (1, 1, 'x')",
        "INSERT INTO album (album_id, artist_id, title) VALUES (2, 1, 'X')",
        "UNIQUE constraint failed: album.title, album.artist_id",
    ),
    (
        "\"Track Listing\".position check",
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba'); \
         INSERT INTO album (album_id, artist_id, title) VALUES (1, 1, 'x')",
        "INSERT INTO \"Track Listing\" VALUES (1, 0, 't', 1)",
        "CHECK constraint failed: position",
    ),
    (
        "track_album_fk (deferred)",
        "",
        "INSERT INTO \"Track Listing\" VALUES (99, 1, 't', 1)",
        "FOREIGN KEY constraint failed",
    ),
    (
        "ledger.album_id foreign key to the implicit primary key",
        "",
        "INSERT INTO ledger (album_id, amount) VALUES (99, 1.0)",
        "FOREIGN KEY constraint failed",
    ),
    (
        "\"select\".\"group\" unique",
        "INSERT INTO \"select\" (\"order\", \"group\") VALUES (1, 'a')",
        "INSERT INTO \"select\" (\"order\", \"group\") VALUES (2, 'a')",
        "UNIQUE constraint failed: select.group",
    ),
    (
        "\"select\".parent self-reference",
        "",
        "INSERT INTO \"select\" (\"order\", parent) VALUES (3, 42)",
        "FOREIGN KEY constraint failed",
    ),
];

#[test]
fn every_constraint_is_absent_after_base_and_enforced_after_seal() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, setup, violation, expected)) in CASES.iter().enumerate() {
        let before = target(
            dir.path(),
            &format!("before{i}.db"),
            &[Phase::Pre, Phase::Base],
        );
        exec(&before, setup).unwrap_or_else(|e| panic!("{name}: setup before seal: {e}"));
        assert_eq!(
            exec(&before, violation),
            Ok(()),
            "{name}: accepted before seal"
        );

        let after = target(
            dir.path(),
            &format!("after{i}.db"),
            &[Phase::Pre, Phase::Base, Phase::Seal],
        );
        exec(&after, setup).unwrap_or_else(|e| panic!("{name}: setup after seal: {e}"));
        let err = exec(&after, violation).expect_err(name);
        assert!(err.contains(expected), "{name}: {err}");
    }
}

/// Reflection and row counts of a database, to prove a failed seal changed nothing.
fn state(path: &Path) -> (schema_replicator::Schema, Vec<String>, Vec<String>) {
    let schema = DdlExtractor::new(&url(path)).unwrap().schema().clone();
    (schema, row_counts(path), pragma_fingerprint(path))
}

#[test]
fn seal_with_orphan_rows_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = target(dir.path(), "orphans.db", &[Phase::Pre, Phase::Base]);
    exec(
        &path,
        "PRAGMA foreign_keys = OFF;
         INSERT INTO artist (artist_id, name) VALUES (1, 'Abba');
         INSERT INTO album (album_id, artist_id, title) VALUES
           (1, 1, 'ok'), (2, 98, 'orphan a'), (3, 99, 'orphan b'), (4, 99, 'orphan c');",
    )
    .unwrap();
    let before = state(&path);
    let extractor = DdlExtractor::new(&url(&kitchen_sink())).unwrap();
    let err = DdlApplier::new(&url(&path))
        .unwrap()
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_err();
    let Error::RefusedRows { violations, .. } = &err else {
        panic!("not a refusal: {err:?}");
    };
    assert_eq!(violations.len(), 1);
    assert_eq!(
        violations[0].problem,
        schema_replicator::Problem::OrphanRows
    );
    assert_eq!(violations[0].rows, 3);
    assert_eq!(violations[0].samples, ["98", "99"]);
    assert_eq!(
        err.to_string(),
        "seal refused: foreign key (\"artist_id\") -> \"artist\"(\"artist_id\") on table \
         \"album\" has 3 orphan rows (e.g. 98, 99); nothing was applied"
    );
    assert_eq!(state(&path), before);
}

#[test]
fn seal_with_a_failing_check_names_it_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = target(dir.path(), "check.db", &[Phase::Pre, Phase::Base]);
    exec(
        &path,
        "INSERT INTO artist (artist_id, name) VALUES (1, 'Abba');
         INSERT INTO album (album_id, artist_id, title, price) VALUES (1, 1, 'free', 0);",
    )
    .unwrap();
    let before = state(&path);
    let extractor = DdlExtractor::new(&url(&kitchen_sink())).unwrap();
    let err = DdlApplier::new(&url(&path))
        .unwrap()
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "unique constraint (\"artist_id\", \"title\") on table \"album\", check constraint \
         CHECK (released BETWEEN 1900 AND 2100) on table \"album\", check constraint \
         \"album_price_positive\" on table \"album\", foreign key (\"artist_id\") -> \
         \"artist\"(\"artist_id\") on table \"album\": CHECK constraint failed: \
         album_price_positive; nothing was applied (rolled back)"
    );
    assert_eq!(state(&path), before);
}

#[test]
fn seal_with_duplicates_names_the_unique_constraint() {
    let dir = tempfile::tempdir().unwrap();
    let path = target(dir.path(), "dup.db", &[Phase::Pre, Phase::Base]);
    exec(
        &path,
        "INSERT INTO \"select\" (\"order\", \"group\") VALUES (1, 'same'), (2, 'same');",
    )
    .unwrap();
    let extractor = DdlExtractor::new(&url(&kitchen_sink())).unwrap();
    let err = DdlApplier::new(&url(&path))
        .unwrap()
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("UNIQUE constraint failed: select.group; nothing was applied"),
        "{err}"
    );
    assert!(
        err.starts_with("unique constraint (\"group\") on table \"select\""),
        "{err}"
    );
}

#[test]
fn an_in_memory_target_is_refused() {
    let err = schema_replicator::clone_schema(
        &url(&kitchen_sink()),
        "sqlite::memory:",
        &Registry::builtin().unwrap(),
        &Policy::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot connect to sqlite::memory:: an in-memory database cannot be a target: it \
         vanishes when the connection closes, before the next phase"
    );
}

#[test]
fn missing_file_is_reported() {
    let err = DdlExtractor::new("sqlite:///no/such/dir/x.db")
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "cannot connect to sqlite:///no/such/dir/x.db: no such file"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(
        &path,
        "these are not the pages you are looking for, not even close to a header",
    )
    .unwrap();
    let err = DdlExtractor::new(&url(&path)).err().unwrap();
    assert_eq!(
        err.to_string(),
        format!("cannot connect to {}: file is not a database", url(&path))
    );
}

#[test]
fn unknown_table_is_reported_with_a_hint() {
    let ks = DdlExtractor::new(&url(&kitchen_sink())).unwrap();
    let err = ks.table_base_ddl("ALBUM").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unknown table \"ALBUM\" in {}; did you mean \"album\"?",
            url(&kitchen_sink())
        )
    );
    let err = ks.constraints_and_indexes_ddl("nope").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("unknown table \"nope\" in {}", url(&kitchen_sink()))
    );
}

#[test]
fn unknown_scheme_and_missing_dialect_are_reported() {
    let err = DdlExtractor::new("oracle://scott:tiger@db/orcl")
        .err()
        .unwrap();
    // Dialects register in name order: mysql, postgres, sqlite.
    let mut known = Vec::new();
    if cfg!(feature = "mysql") {
        known.push("mysql:, mariadb:");
    }
    if cfg!(feature = "postgres") {
        known.push("postgres:, postgresql:");
    }
    known.push("sqlite:");
    let known = known.join(", ");
    assert_eq!(
        err.to_string(),
        format!(
            "unknown URL scheme `oracle:` in oracle://scott:***@db/orcl; this build knows {known}"
        )
    );
    if !cfg!(feature = "mysql") {
        let err = DdlExtractor::new("mariadb://app:hunter2@localhost/app")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "mariadb://app:***@localhost/app: the mysql dialect is not in this build; enable \
             the `mysql` feature of schema-replicator or load a mysql dialect plugin"
        );
    }
    if !cfg!(feature = "postgres") {
        let err = DdlExtractor::new("postgres://app:hunter2@localhost/app")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "postgres://app:***@localhost/app: the postgres dialect is not in this build; enable \
             the `postgres` feature of schema-replicator or load a postgres dialect plugin"
        );
    }
}

#[test]
fn snapshot_of_another_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let live = DdlExtractor::new(&url(&kitchen_sink())).unwrap();
    let path = dir.path().join("future.json");
    let text = snapshot::to_json(live.schema()).replacen(
        "\"format_version\": 2",
        "\"format_version\": 99",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let err = DdlExtractor::open(
        path.to_str().unwrap(),
        &Registry::builtin().unwrap(),
        &Policy::default(),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "snapshot {}: format_version 99 is not supported; this build reads format_version 1 to 2",
            path.display()
        )
    );
}

#[test]
fn clone_completes_a_target_that_holds_part_of_the_schema_and_refuses_a_foreign_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = target(dir.path(), "busy.db", &[Phase::Pre, Phase::Base]);
    let registry = Registry::builtin().unwrap();
    let report = schema_replicator::clone_schema(
        &url(&kitchen_sink()),
        &url(&path),
        &registry,
        &Policy::default(),
    )
    .unwrap();
    let (_, base) = &report.phases[1];
    assert!(base.nothing_to_do(), "{base:?}");
    let (_, seal) = &report.phases[2];
    assert!(seal.statements > 0 && seal.present == 0, "{seal:?}");
    let source = DdlExtractor::open(&url(&kitchen_sink()), &registry, &Policy::default()).unwrap();
    let copy = DdlExtractor::open(&url(&path), &registry, &Policy::default()).unwrap();
    assert_eq!(diff(source.schema(), copy.schema()), vec![]);

    // A table the source does not have: refused, nothing applied.
    let foreign = target(dir.path(), "foreign.db", &[]);
    DdlApplier::new(&url(&foreign))
        .unwrap()
        .apply_ddl(&["CREATE TABLE \"not ours\" (x)".to_owned()])
        .unwrap();
    let err = schema_replicator::clone_schema(
        &url(&kitchen_sink()),
        &url(&foreign),
        &registry,
        &Policy::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} holds table \"not ours\", which the source does not have; clone needs an \
             empty target database or one that holds (part of) the source's schema and \
             nothing else",
            url(&foreign)
        )
    );
    let left = DdlExtractor::open(&url(&foreign), &registry, &Policy::default()).unwrap();
    assert_eq!(left.schema().tables.len(), 1, "nothing was applied");
}

#[test]
fn defer_primary_keys_is_reported_where_sqlite_cannot_honour_it() {
    let ks = DdlExtractor::open(
        &url(&kitchen_sink()),
        &Registry::builtin().unwrap(),
        &Policy::default().with_defer_primary_keys(true),
    )
    .unwrap();
    assert_eq!(
        ks.warnings(),
        vec![
            "defer_primary_keys ignored: sqlite cannot add a primary key to an existing table, \
              so primary keys stay in base"
                .to_owned()
        ]
    );
    assert!(ks
        .table_base_ddl("album")
        .unwrap()
        .contains("PRIMARY KEY (\"album_id\")"));
}

#[test]
fn unsupported_clauses_are_listed_not_dropped_silently_and_virtual_tables_are_replicated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.db");
    create_db(
        &path,
        "CREATE TABLE t (a INTEGER PRIMARY KEY ON CONFLICT REPLACE, b TEXT UNIQUE ON CONFLICT IGNORE);
         CREATE VIRTUAL TABLE docs USING fts5(body);",
    );
    let odd = DdlExtractor::new(&url(&path)).unwrap();
    assert_eq!(
        odd.warnings(),
        vec![
            "table \"t\": its `ON CONFLICT REPLACE` clause is not replicated".to_owned(),
            "table \"t\": its `ON CONFLICT IGNORE` clause is not replicated".to_owned(),
        ]
    );
    assert_eq!(odd.schema().tables.len(), 1);
    assert_eq!(odd.schema().virtual_tables.len(), 1);
    // The copy has what could be replicated, and the diff against it is otherwise clean.
    let copy = dir.path().join("copy.db");
    schema_replicator::clone_schema(
        &url(&path),
        &url(&copy),
        &Registry::builtin().unwrap(),
        &Policy::default(),
    )
    .unwrap();
    let copied = DdlExtractor::new(&url(&copy)).unwrap();
    assert_eq!(diff(odd.schema(), copied.schema()), vec![]);
    assert_eq!(copied.schema().virtual_tables.len(), 1);
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

fn lines(conn: &mut diesel::SqliteConnection, sql: &str) -> Vec<String> {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|l| l.line)
        .collect()
}

#[test]
fn rebuilt_tables_get_their_names_back_in_the_schema_every_connection_reads() {
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    let mut conn = open(&source);
    conn.batch_execute(
        "CREATE TABLE \"pa'rent\" (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE);
         CREATE TABLE child (id INTEGER PRIMARY KEY AUTOINCREMENT,
             parent INTEGER REFERENCES \"pa'rent\" (id), qty INT CHECK (qty > 0),
             tag TEXT, UNIQUE (parent, tag));
         CREATE TABLE never (id INTEGER PRIMARY KEY AUTOINCREMENT, v INT CHECK (v <> 0));
         INSERT INTO \"pa'rent\" (code) VALUES ('a'), ('b');
         DELETE FROM \"pa'rent\";",
    )
    .unwrap();
    drop(conn);
    let target = dir.path().join("target.db");
    let extractor = DdlExtractor::new(&url(&source)).unwrap();
    let applier = DdlApplier::new(&url(&target)).unwrap();
    for phase in [Phase::Pre, Phase::Base] {
        applier.apply_phase(&extractor, phase).unwrap();
    }
    // An application's connection, open across the seal, with the schema read.
    let mut app = open(&target);
    app.batch_execute("INSERT INTO child (parent, qty, tag) VALUES (NULL, 1, 'x')")
        .unwrap();
    applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!(
        lines(
            &mut app,
            "SELECT integrity_check AS line FROM pragma_integrity_check"
        ),
        vec!["ok"]
    );
    assert_eq!(
        lines(
            &mut app,
            "SELECT type || ' ' || name || ' on ' || tbl_name AS line FROM sqlite_schema \
             WHERE name LIKE 'sqlite_autoindex%' OR name LIKE '%sr_new%' ORDER BY 1"
        ),
        vec![
            "index sqlite_autoindex_child_1 on child",
            "index sqlite_autoindex_pa'rent_1 on pa'rent",
        ]
    );
    // The open connection sees the sealed tables: their constraints hold.
    assert_eq!(
        app.batch_execute("INSERT INTO child (parent, qty, tag) VALUES (NULL, -1, 'y')")
            .unwrap_err()
            .to_string(),
        "CHECK constraint failed: qty > 0"
    );
    assert_eq!(
        app.batch_execute("INSERT INTO child (parent, qty, tag) VALUES (7, 1, 'z')")
            .unwrap_err()
            .to_string(),
        "FOREIGN KEY constraint failed"
    );
    // Counters as the source has them: set (2, though its rows are gone), moved past
    // the loaded row, and never set.
    assert_eq!(
        lines(
            &mut app,
            "SELECT name || '=' || seq AS line FROM sqlite_sequence ORDER BY name"
        ),
        vec!["child=1", "pa'rent=2"]
    );
    // The one difference from the source is the counter the loaded row moved.
    let copy = DdlExtractor::new(&url(&target)).unwrap();
    let differences: Vec<String> = diff(extractor.schema(), copy.schema())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        differences,
        vec![
            "column \"id\" of table \"child\": identity {\"kind\":\"auto_increment\"} vs \
             {\"kind\":\"auto_increment\",\"last_value\":1}"
        ]
    );
}
