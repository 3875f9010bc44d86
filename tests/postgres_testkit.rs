//! The public test kit (`schema-replicator-testkit`) on PostgreSQL: every check of the
//! kit ([`kit::check_dialect`]) on Chinook and the kitchen sink, each loaded into a
//! throwaway database on the local server, with the rows copied by `pg_dump --data-only
//! | psql`. The kit's verdicts are then held against pg_dump's and the row counts, and
//! the kit is shown to catch, on real PostgreSQL databases, what a defective dialect
//! would get wrong.

mod pg;

use pg::{server_available, TestDb};
use schema_replicator::Registry;
use schema_replicator_testkit::{self as kit, Checked, Defects, Expect, FnDatabases};

const KITCHEN_SINK: &str = include_str!("../examples/kitchen-sink-postgres.sql");
const CHINOOK: &str = include_str!("fixtures/chinook-postgres.sql");

/// The registry and a source database created by `script`, or `None` (the test is
/// skipped) without a server.
fn fixture(tag: &str, script: &str) -> Option<(Registry, TestDb)> {
    let source = server_available().then(|| TestDb::with_script(tag, script))?;
    Some((Registry::builtin().unwrap(), source))
}

/// The local server as the kit sees it: a fresh database per request, dropped with its
/// handle, and the user's bulk load.
const SERVER: FnDatabases<TestDb> =
    FnDatabases::new(TestDb::new, TestDb::url, TestDb::load_data_into);

/// pg_dump agrees with the kit: every target has the source's schema, and the targets
/// the rows were loaded into have its rows.
fn assert_the_server_agrees(source: &TestDb, checked: &Checked<TestDb>) {
    let deferred = checked
        .deferred
        .as_ref()
        .expect("PostgreSQL can defer primary keys: the kit must round-trip with them deferred");
    let schema = source.dump_schema();
    for (what, target) in [
        ("round trip", &checked.round_trip),
        ("round trip with deferred primary keys", deferred),
        ("clone", &checked.clone),
    ] {
        assert_eq!(target.dump_schema(), schema, "pg_dump of the {what}");
    }
    let rows = source.row_counts();
    assert!(
        rows.iter().any(|r| !r.ends_with("=0")),
        "the fixture has rows: {rows:?}"
    );
    assert_eq!(
        checked.round_trip.row_counts(),
        rows,
        "rows of the round trip"
    );
    assert_eq!(
        deferred.row_counts(),
        rows,
        "rows of the deferred round trip"
    );
}

#[test]
fn chinook_passes_every_check_of_the_kit() {
    let Some((registry, source)) = fixture("kit_chinook", CHINOOK) else {
        return;
    };
    let checked = kit::check_dialect(&registry, &SERVER, &source, &Expect::default());
    let schema = checked.source.schema();
    assert_eq!(
        kit::table_names(schema),
        [
            "album",
            "artist",
            "customer",
            "employee",
            "genre",
            "invoice",
            "invoice_line",
            "media_type",
            "playlist",
            "playlist_track",
            "track"
        ]
        .map(|t| format!("\"public\".\"{t}\""))
    );
    let foreign_keys: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(foreign_keys, 11);
    assert_the_server_agrees(&source, &checked);
    assert_eq!(
        checked
            .round_trip
            .query_i64("SELECT count(*) AS value FROM public.track"),
        3503
    );
    // PostgreSQL runs pre and base each in one transaction.
    for (phase, report) in &checked.clone_report.phases[..2] {
        assert!(report.transactional, "{phase} was not transactional");
    }
}

#[test]
fn kitchen_sink_passes_every_check_of_the_kit() {
    let Some((registry, source)) = fixture("kit_kitchen", KITCHEN_SINK) else {
        return;
    };
    let checked = kit::check_dialect(&registry, &SERVER, &source, &Expect::default());
    let schema = checked.source.schema();
    assert_eq!(
        (
            schema.tables.len(),
            schema.views.len(),
            schema.triggers.len()
        ),
        (KITCHEN_TABLES, KITCHEN_VIEWS, KITCHEN_TRIGGERS)
    );
    let tables = kit::table_names(schema);
    assert!(
        tables.contains(&"\"Sales Ünïcode\".\"Order\"".to_owned()),
        "{tables:?}"
    );
    assert_the_server_agrees(&source, &checked);
    // The identity continues past the deleted row (40) in both copies with rows.
    let next =
        "INSERT INTO public.customer (\"Full Name\", email) VALUES ('New', 'new@example.org') \
                RETURNING id::bigint AS value";
    let deferred = checked.deferred.as_ref().unwrap();
    assert_eq!(checked.round_trip.query_i64(next), 50);
    assert_eq!(deferred.query_i64(next), 50);
}

/// Tables (partitions included), views (one materialised) and triggers of the
/// PostgreSQL kitchen sink.
const KITCHEN_TABLES: usize = 18;
const KITCHEN_VIEWS: usize = 4;
const KITCHEN_TRIGGERS: usize = 1;

/// A small source with one object of each kind the seal creates: the one
/// [`kit::SMALL_SOURCE_SEALED`] describes.
const SMALL: &str =
    "CREATE TABLE parent (id int PRIMARY KEY, code text, CONSTRAINT parent_code_key UNIQUE (code));
     CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int,
         CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent(id),
         CONSTRAINT child_qty_positive CHECK (qty > 0));
     CREATE INDEX child_parent ON child (parent_id);
     CREATE VIEW child_view AS SELECT id FROM child;
     CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
     CREATE TRIGGER child_touch BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION touch();";

#[test]
fn the_kit_catches_what_a_defective_dialect_would_get_wrong() {
    let Some((registry, source)) = fixture("kit_defects", SMALL) else {
        return;
    };
    let defects = Defects::new(
        kit::SMALL_SOURCE_SEALED,
        "\"public\".\"child\" has foreign keys",
    )
    .with_primary_key_in_base(
        "\"public\".\"child\" has its primary key, which the plan leaves to the seal",
    );
    kit::assert_catches_defects(&registry, &SERVER, &source, &defects);
}

#[test]
fn warnings_fail_the_kit_unless_expected() {
    let Some((registry, source)) = fixture(
        "kit_warnings",
        "CREATE TABLE t (id int PRIMARY KEY, v int);
         CREATE FOREIGN DATA WRAPPER kit_wrapper;
         CREATE SERVER kit_server FOREIGN DATA WRAPPER kit_wrapper;
         CREATE TABLE parted (id int) PARTITION BY RANGE (id);
         CREATE FOREIGN TABLE remote_part PARTITION OF parted FOR VALUES FROM (0) TO (10)
             SERVER kit_server;",
    ) else {
        return;
    };
    let warning =
        "foreign table \"public.remote_part\": foreign tables that are partitions are not replicated";
    let target = TestDb::new("kit_warnings_refused");
    let message = kit::refusal("an unexpected warning", || {
        kit::round_trip(&registry, &source.url(), &target.url(), || {});
    });
    assert!(
        message.starts_with("assertion `left == right` failed: warnings of")
            && message.contains("foreign tables that are partitions are not replicated"),
        "{message}"
    );
    let expect = Expect::default().with_warnings([warning]);
    let checked = kit::check_dialect(&registry, &SERVER, &source, &expect);
    assert_eq!(checked.clone_report.warnings, [warning]);
    assert_eq!(
        kit::table_names(checked.source.schema()),
        ["\"public\".\"parted\"", "\"public\".\"t\""]
    );
    // The foreign partition itself is not copied: that is what the warning says.
    assert_eq!(
        checked
            .clone
            .query_i64("SELECT count(*) AS value FROM pg_class WHERE relname = 'remote_part'"),
        0
    );
    let missing = Expect::default().with_warnings([warning, "rule \"public.t.other\": x"]);
    let target = TestDb::new("kit_warnings_missing");
    let message = kit::refusal("a missing warning", || {
        kit::round_trip_with(&registry, &source.url(), &target.url(), &missing, || {});
    });
    assert!(message.contains("warnings of"), "{message}");
}
