//! The public test kit (`schema-replicator-testkit`) on MySQL/MariaDB: every check of
//! the kit ([`kit::check_dialect`]) on Chinook and the kitchen sink, each loaded into a
//! throwaway database on the local server with the `mysql` client, with the rows copied
//! by `mysqldump --no-create-info | mysql`. The kit's verdicts are then held against
//! `mysqldump --no-data` and the row counts, and the kit is shown to catch, on real
//! databases, what a defective dialect would get wrong.

mod my;

use my::{server_available, TestDb};
use schema_replicator::{Policy, Registry};
use schema_replicator_testkit::{self as kit, Checked, Defects, Expect, FnDatabases};

const KITCHEN_SINK: &str = include_str!("../examples/kitchen-sink-mysql.sql");
const CHINOOK: &str = include_str!("fixtures/chinook-mysql.sql");

/// The foreign key to a dropped table that the test adds to the kitchen sink, which the
/// dialect replicates with a warning.
const KITCHEN_WARNINGS: [&str; 1] = [
    "foreign key \"trail_user\": of table \"audit trail\": it references table \"users\", \
     which does not exist; replicated as the source has it, without counting its orphan rows",
];

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

/// mysqldump agrees with the kit: both targets have the source's schema, the round
/// trip has its rows, and no phase ran in a transaction (MySQL commits each DDL
/// statement).
fn assert_the_server_agrees(source: &TestDb, checked: &Checked<TestDb>) {
    assert!(
        checked.deferred.is_none(),
        "MySQL cannot add a primary key after the load: no deferred round trip"
    );
    let schema = source.dump_schema();
    assert_eq!(
        checked.round_trip.dump_schema(),
        schema,
        "mysqldump of the round trip"
    );
    assert_eq!(
        checked.clone.dump_schema(),
        schema,
        "mysqldump of the clone"
    );
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
    for (phase, report) in &checked.clone_report.phases {
        assert!(!report.transactional, "{phase} claims a transaction");
    }
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
            "Album",
            "Artist",
            "Customer",
            "Employee",
            "Genre",
            "Invoice",
            "InvoiceLine",
            "MediaType",
            "Playlist",
            "PlaylistTrack",
            "Track"
        ]
        .map(|t| format!("\"{t}\""))
    );
    let foreign_keys: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(foreign_keys, 11);
    assert_the_server_agrees(&source, &checked);
    assert_eq!(
        checked
            .round_trip
            .query_i64("SELECT COUNT(*) AS value FROM `Track`"),
        3503
    );
}

#[test]
fn kitchen_sink_passes_every_check_of_the_kit_with_its_warning_expected() {
    let Some((registry, source)) = fixture("kit_kitchen", KITCHEN_SINK) else {
        return;
    };
    source
        .exec(
            "SET foreign_key_checks = 0; \
             CREATE TABLE `audit trail` (`id` int NOT NULL PRIMARY KEY, `user_id` int, \
               CONSTRAINT `trail_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`)); \
             SET foreign_key_checks = 1",
        )
        .unwrap();
    let expect = Expect::default().with_warnings(KITCHEN_WARNINGS);
    let checked = kit::check_dialect(&registry, &SERVER, &source, &expect);
    let schema = checked.source.schema();
    assert_eq!(
        (
            schema.tables.len(),
            schema.views.len(),
            schema.triggers.len()
        ),
        (12, 3, 3)
    );
    let tables = kit::table_names(schema);
    assert!(
        tables.contains(&"\"Mixed Case ✓\"".to_owned()),
        "{tables:?}"
    );
    assert_eq!(checked.clone_report.warnings, KITCHEN_WARNINGS);
    assert_the_server_agrees(&source, &checked);
    // The routines are copied, and the function computes on the clone.
    assert_eq!(
        checked.clone.query_i64(
            "SELECT COUNT(*) AS value FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE()"
        ),
        2
    );
    assert_eq!(
        checked.clone.query_i64("SELECT `double it`(21) AS value"),
        42
    );
    // The counter continues past the deleted order 40.
    checked
        .round_trip
        .exec("INSERT INTO `order` (`code`, `price`) VALUES ('next', 1)")
        .unwrap();
    assert_eq!(
        checked
            .round_trip
            .query_i64("SELECT MAX(`id`) AS value FROM `order`"),
        41
    );
    // Without the warning expected, the kit refuses the source.
    let target = TestDb::new("kit_kitchen_refused");
    let message = kit::refusal("unexpected warnings", || {
        kit::round_trip(&registry, &source.url(), &target.url(), || {});
    });
    assert!(
        message.starts_with("assertion `left == right` failed: warnings of")
            && message.contains("which does not exist"),
        "{message}"
    );
}

/// A small source with one object of each kind the seal creates: the one
/// [`kit::SMALL_SOURCE_SEALED`] describes.
const SMALL: &str = "CREATE TABLE parent (id int PRIMARY KEY, code varchar(10),
         CONSTRAINT parent_code_key UNIQUE (code));
     CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int,
         KEY child_parent (parent_id),
         CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id),
         CONSTRAINT child_qty_positive CHECK (qty > 0));
     CREATE VIEW child_view AS SELECT id FROM child;
     CREATE TRIGGER `child_touch` BEFORE INSERT ON `child` FOR EACH ROW SET NEW.qty = NEW.qty;";

#[test]
fn the_kit_catches_what_a_defective_dialect_would_get_wrong() {
    let Some((registry, source)) = fixture("kit_defects", SMALL) else {
        return;
    };
    let defects = Defects::new(kit::SMALL_SOURCE_SEALED, "\"child\" has foreign keys");
    kit::assert_catches_defects(&registry, &SERVER, &source, &defects);
}

#[test]
fn a_policy_mysql_cannot_honour_is_a_warning_the_kit_must_be_told_about() {
    let Some((registry, source)) = fixture("kit_policy", SMALL) else {
        return;
    };
    let defer = Policy::default().with_defer_primary_keys(true);
    let warning = "defer_primary_keys ignored: mysql cannot add a primary key to an existing \
                   table, so primary keys stay in base";
    let target = TestDb::new("kit_policy_refused");
    let message = kit::refusal("a policy warning nobody expected", || {
        kit::round_trip_with(
            &registry,
            &source.url(),
            &target.url(),
            &Expect::default().with_policy(defer.clone()),
            || {},
        );
    });
    assert!(message.contains("defer_primary_keys ignored"), "{message}");
    let expect = Expect::default()
        .with_policy(defer)
        .with_warnings([warning]);
    let checked = kit::check_dialect(&registry, &SERVER, &source, &expect);
    assert!(checked.deferred.is_none());
    assert_eq!(checked.clone_report.warnings, [warning]);
    // The primary keys stayed where MySQL needs them.
    for table in ["parent", "child"] {
        let create = checked.round_trip.show_create(table);
        assert!(create.contains("PRIMARY KEY (`id`)"), "{create}");
    }
    assert_eq!(source.dump_schema(), checked.round_trip.dump_schema());
}
