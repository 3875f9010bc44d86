//! The public test kit (`schema-replicator-testkit`) on MySQL/MariaDB: every check of
//! the kit ([`kit::check_dialect`]) on Chinook and the kitchen sink, each loaded into a
//! throwaway database on the local server with the `mysql` client, with the rows copied
//! by `mysqldump --no-create-info | mysql`. The kit's verdicts are then held against
//! `mysqldump --no-data` and the row counts, and the kit is shown to catch, on real
//! databases, what a defective dialect would get wrong.

mod my;

use std::panic::{catch_unwind, AssertUnwindSafe};

use my::{server_available, TestDb};
use schema_replicator::{DdlApplier, Phase, Policy, Registry};
use schema_replicator_testkit::{self as kit, Checked, Expect, TestDatabases};

const KITCHEN_SINK: &str = include_str!("../examples/kitchen-sink-mysql.sql");
const CHINOOK: &str = include_str!("fixtures/chinook-mysql.sql");

/// The stored routines of the kitchen sink, which the dialect documents as not
/// replicated.
const KITCHEN_WARNINGS: [&str; 2] = [
    "function \"double it\": not replicated: stored routines; create them on the target",
    "procedure \"noop\": not replicated: stored routines; create them on the target",
];

/// The local server as the kit sees it: a fresh database per request, dropped with its
/// handle, and the user's bulk load.
struct Server;

impl TestDatabases for Server {
    type Db = TestDb;

    fn empty(&self, tag: &str) -> TestDb {
        TestDb::new(tag)
    }

    fn url(&self, db: &TestDb) -> String {
        db.url()
    }

    fn load(&self, source: &TestDb, target: &TestDb) {
        source.load_data_into(target);
    }
}

/// The message a check panicked with; fails if the check passed.
fn refusal(what: &str, check: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(check))
        .err()
        .unwrap_or_else(|| panic!("the kit accepted {what}"));
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// The names of the source's tables, as the IR quotes them.
fn table_names(checked: &Checked<TestDb>) -> Vec<String> {
    let mut names: Vec<String> = checked
        .source
        .schema()
        .tables
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

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
    if !server_available() {
        return;
    }
    let registry = Registry::builtin().unwrap();
    let source = TestDb::with_script("kit_chinook", CHINOOK);
    let checked = kit::check_dialect(&registry, &Server, &source, &Expect::default());
    assert_eq!(
        table_names(&checked),
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
    let foreign_keys: usize = checked
        .source
        .schema()
        .tables
        .iter()
        .map(|t| t.foreign_keys.len())
        .sum();
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
fn kitchen_sink_passes_every_check_of_the_kit_with_its_routines_expected() {
    if !server_available() {
        return;
    }
    let registry = Registry::builtin().unwrap();
    let source = TestDb::with_script("kit_kitchen", KITCHEN_SINK);
    let expect = Expect::default().with_warnings(KITCHEN_WARNINGS);
    let checked = kit::check_dialect(&registry, &Server, &source, &expect);
    let schema = checked.source.schema();
    assert_eq!(
        (
            schema.tables.len(),
            schema.views.len(),
            schema.triggers.len()
        ),
        (11, 3, 3)
    );
    assert!(
        table_names(&checked).contains(&"\"Mixed Case ✓\"".to_owned()),
        "{:?}",
        table_names(&checked)
    );
    assert_eq!(checked.clone_report.warnings, KITCHEN_WARNINGS);
    assert_the_server_agrees(&source, &checked);
    // The routines are not copied: that is what the warnings say.
    assert_eq!(
        checked.clone.query_i64(
            "SELECT COUNT(*) AS value FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE()"
        ),
        0
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
    // Without the routines expected, the kit refuses the source.
    let target = TestDb::new("kit_kitchen_refused");
    let message = refusal("unexpected warnings", || {
        kit::round_trip(&registry, &source.url(), &target.url(), || {});
    });
    assert!(
        message.starts_with("assertion `left == right` failed: warnings of")
            && message.contains("stored routines"),
        "{message}"
    );
}

/// A small source with one object of each kind the seal creates.
const SMALL: &str = "CREATE TABLE parent (id int PRIMARY KEY, code varchar(10),
         CONSTRAINT parent_code_key UNIQUE (code));
     CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int,
         KEY child_parent (parent_id),
         CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id),
         CONSTRAINT child_qty_positive CHECK (qty > 0));
     CREATE VIEW child_view AS SELECT id FROM child;
     CREATE TRIGGER `child_touch` BEFORE INSERT ON `child` FOR EACH ROW SET NEW.qty = NEW.qty;";

/// What the seal of [`SMALL`] creates.
const SEALED: [&str; 6] = [
    "parent_code_key",
    "child_parent_fk",
    "child_qty_positive",
    "\"child_parent\"",
    "child_view",
    "child_touch",
];

#[test]
fn the_kit_catches_what_a_defective_dialect_would_get_wrong() {
    if !server_available() {
        return;
    }
    let registry = Registry::builtin().unwrap();
    let source = TestDb::with_script("kit_defects", SMALL);
    let extractor = kit::reflect(&registry, &source.url());

    // A target without its seal: the comparison sees every missing object.
    let unsealed = TestDb::new("kit_unsealed");
    let applier = DdlApplier::new(&unsealed.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Pre).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    kit::assert_base_is_bare(&registry, &unsealed.url());
    let copy = kit::reflect(&registry, &unsealed.url());
    let differences = kit::differences(extractor.schema(), copy.schema());
    assert_eq!(differences.len(), SEALED.len(), "{differences:#?}");
    for name in SEALED {
        assert!(
            differences.iter().any(|d| d.contains(name)),
            "{name} missing from {differences:#?}"
        );
    }
    let message = refusal("a copy without its seal", || {
        kit::assert_same_schema(extractor.schema(), copy.schema())
    });
    assert!(message.contains("the schemas differ"), "{message}");
    let message = refusal("a copy without its seal", || {
        kit::assert_seal_is_visible(&registry, &extractor, &source.url())
    });
    assert!(
        message.contains("cannot see what the seal creates"),
        "{message}"
    );

    // A base that created what the seal should: the kit says which.
    let message = refusal("a sealed database as a bare base", || {
        kit::assert_base_is_bare(&registry, &source.url())
    });
    assert_eq!(message, "\"child\" has foreign keys");

    // A target that is not empty.
    let message = refusal("a target that already holds the tables", || {
        kit::round_trip(&registry, &source.url(), &unsealed.url(), || {});
    });
    assert!(
        message.starts_with("apply ") && message.contains("already exists"),
        "{message}"
    );
}

#[test]
fn a_policy_mysql_cannot_honour_is_a_warning_the_kit_must_be_told_about() {
    if !server_available() {
        return;
    }
    let registry = Registry::builtin().unwrap();
    let source = TestDb::with_script("kit_policy", SMALL);
    let defer = Policy::default().with_defer_primary_keys(true);
    let warning = "defer_primary_keys ignored: mysql cannot add a primary key to an existing \
                   table, so primary keys stay in base";
    let target = TestDb::new("kit_policy_refused");
    let message = refusal("a policy warning nobody expected", || {
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
    let checked = kit::check_dialect(&registry, &Server, &source, &expect);
    assert!(checked.deferred.is_none());
    assert_eq!(checked.clone_report.warnings, [warning]);
    // The primary keys stayed where MySQL needs them.
    for table in ["parent", "child"] {
        let create = checked.round_trip.show_create(table);
        assert!(create.contains("PRIMARY KEY (`id`)"), "{create}");
    }
    assert_eq!(source.dump_schema(), checked.round_trip.dump_schema());
}
