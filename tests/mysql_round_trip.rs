//! MySQL/MariaDB round trips on the local server: pre and base into a fresh database,
//! the data loaded with `mysqldump --no-create-info | mysql`, seal; then our diff,
//! `mysqldump --no-data` (AUTO_INCREMENT normalised), row counts and counters must all
//! agree with the source. Also the behaviour of the sealed target, set-based
//! reflection, warnings, the journal, and bad input.

mod my;

use my::{server_available, TestDb};
use schema_replicator::mysql::JOURNAL_TABLE;
use schema_replicator::{
    diff, DdlApplier, DdlExtractor, ObjectKind, OpenOptions, Phase, Policy, ReflectOptions,
    Registry,
};

const KITCHEN_SINK: &str = include_str!("../examples/kitchen-sink-mysql.sql");
const CHINOOK: &str = include_str!("fixtures/chinook-mysql.sql");
const ROUTINES: &str = include_str!("fixtures/routines-mysql.sql");

fn extract(db: &TestDb) -> DdlExtractor {
    DdlExtractor::new(&db.url()).unwrap_or_else(|e| panic!("reflect {}: {e}", db.name))
}

/// pre and base, load, seal: the way a user runs a copy.
fn replicate(source: &TestDb) -> TestDb {
    let extractor = extract(source);
    let target = TestDb::new("target");
    let applier = DdlApplier::new(&target.url()).expect("target");
    applier.apply_phase(&extractor, Phase::Pre).expect("pre");
    applier.apply_phase(&extractor, Phase::Base).expect("base");
    source.load_data_into(&target);
    let report = applier.apply_phase(&extractor, Phase::Seal).expect("seal");
    assert!(!report.transactional, "MySQL DDL is never transactional");
    assert_eq!(report.resumed, 0);
    target
}

/// Our diff, mysqldump and the row counts agree, and no journal is left.
fn assert_identical(source: &TestDb, target: &TestDb) {
    assert_same_schema(source, target);
    assert_eq!(source.row_counts(), target.row_counts());
}

/// Our diff and mysqldump agree, and no journal is left.
fn assert_same_schema(source: &TestDb, target: &TestDb) {
    let a = extract(source);
    let b = extract(target);
    let differences = diff(a.schema(), b.schema());
    assert!(differences.is_empty(), "differences: {differences:#?}");
    let (dump_a, dump_b) = (source.dump_schema(), target.dump_schema());
    if dump_a != dump_b {
        let only_a: Vec<&str> = dump_a.lines().filter(|l| !dump_b.contains(l)).collect();
        let only_b: Vec<&str> = dump_b.lines().filter(|l| !dump_a.contains(l)).collect();
        panic!("mysqldump differs:\nsource only: {only_a:#?}\ntarget only: {only_b:#?}");
    }
    assert_eq!(
        target.query_i64(&format!(
            "SELECT COUNT(*) AS value FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{JOURNAL_TABLE}'"
        )),
        0,
        "the journal is dropped after a successful run"
    );
}

#[test]
fn chinook_comes_back_identical() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("chinook", CHINOOK);
    let target = replicate(&source);
    assert_identical(&source, &target);
    // Chinook adds each foreign key before its index: MariaDB's own index for the key
    // was replaced by the named one, and the copy has exactly the named ones.
    let create = target.show_create("Track");
    assert!(
        create.contains("KEY `IFK_TrackAlbumId` (`AlbumId`)"),
        "{create}"
    );
    assert!(!create.contains("KEY `FK_TrackAlbumId`"), "{create}");
}

#[test]
fn kitchen_sink_comes_back_identical() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("kitchen", KITCHEN_SINK);
    let target = replicate(&source);
    assert_identical(&source, &target);
    // The JSON column is JSON again, with exactly one json_valid check.
    let create = target.show_create("order");
    assert_eq!(create.matches("json_valid(`doc`)").count(), 1, "{create}");
}

#[test]
fn every_counter_hands_out_the_next_id_after_the_clone() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("counters", KITCHEN_SINK);
    let target = replicate(&source);
    let next = |db: &TestDb| {
        db.exec(
            "INSERT INTO `order` (`code`, `price`) VALUES ('next', 1); \
             INSERT INTO `sku` (`sku`, `title`, `location`) VALUES ('N', 'n', POINT(0, 0)); \
             INSERT INTO `no_pk_counter` (`tenant`) VALUES (9); \
             INSERT INTO `log` (`msg`) VALUES ('next')",
        )
        .unwrap();
        [
            "SELECT MAX(`id`) AS value FROM `order`",
            "SELECT MAX(`serial`) AS value FROM `sku`",
            "SELECT MAX(`seq`) AS value FROM `no_pk_counter`",
            "SELECT MAX(`id`) AS value FROM `log`",
        ]
        .map(|q| db.query_i64(q))
    };
    // order 41 is past the deleted 40; sku's counter (not on its primary key) is 10.
    assert_eq!(next(&source), [41, 10, 4, 3]);
    assert_eq!(next(&target), [41, 10, 4, 3]);
}

#[test]
fn the_counter_goes_past_loaded_rows_beyond_the_source_counter() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "counter_max",
        "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, v int);
         INSERT INTO t (v) VALUES (1), (2);",
    );
    let extractor = extract(&source);
    let target = TestDb::new("counter_max_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    // Rows loaded into the copy go past the source's counter (3).
    target
        .exec("INSERT INTO t VALUES (1, 1), (2, 2), (100, 3)")
        .unwrap();
    applier.apply_phase(&extractor, Phase::Seal).unwrap();
    target.exec("INSERT INTO t (v) VALUES (4)").unwrap();
    assert_eq!(target.query_i64("SELECT MAX(id) AS value FROM t"), 101);
}

#[test]
fn the_sealed_target_rejects_a_violating_row_for_every_constraint() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("behaviour", KITCHEN_SINK);
    let extractor = extract(&source);
    let target = TestDb::new("behaviour_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    source.load_data_into(&target);
    // Each statement violates exactly one constraint of the sealed schema.
    let violations = [
        ("unique `order code`", "INSERT INTO `order` (`id`, `code`, `price`) VALUES (900, 'o-1', 1)"),
        ("check `price not negative`", "INSERT INTO `order` (`id`, `code`, `price`) VALUES (901, 'neg', -1)"),
        ("column check on `positive`", "INSERT INTO `order` (`id`, `code`, `price`, `positive`) VALUES (902, 'pos', 1, -5)"),
        ("check `qty``positive`", "INSERT INTO `line item` VALUES (1, 9, 'A-1', 0)"),
        ("foreign key `line→order`", "INSERT INTO `line item` VALUES (77, 1, 'A-1', 1)"),
        ("foreign key `line→sku`", "INSERT INTO `line item` VALUES (1, 8, 'ZZZ', 1)"),
        ("unique `serial`", "INSERT INTO `sku` (`sku`, `serial`, `title`, `location`) VALUES ('D-4', 1, 't', POINT(0, 0))"),
        ("unique `slug`", "INSERT INTO `category` VALUES (3, NULL, 'Dup', 'root')"),
        ("foreign key `category_parent`", "INSERT INTO `category` VALUES (4, 99, 'Orphan', 'orphan')"),
        ("foreign key `tagged_category`", "INSERT INTO `tagged` VALUES ('nope', 'A-1')"),
        ("foreign key `tagged_ibfk_1`", "INSERT INTO `tagged` VALUES ('root', 'nope')"),
        ("JSON column", "INSERT INTO `order` (`id`, `code`, `price`, `doc`) VALUES (903, 'json', 1, 'not json')"),
    ];
    // After base, only the JSON check (part of the column's type) is in force.
    for (what, sql) in &violations {
        let accepted = target.exec(&format!("START TRANSACTION; {sql}; ROLLBACK"));
        if *what == "JSON column" {
            assert!(accepted.is_err(), "base accepted invalid JSON");
        } else {
            assert!(accepted.is_ok(), "base rejected {what}: {accepted:?}");
        }
    }
    applier.apply_phase(&extractor, Phase::Seal).unwrap();
    for (what, sql) in violations {
        let err = target.exec(sql).err();
        assert!(
            err.is_some(),
            "the sealed target accepted a row violating {what}"
        );
    }
}

#[test]
fn reflection_issues_the_same_number_of_queries_for_1_and_60_tables() {
    if !server_available() {
        return;
    }
    let table = |i: usize| {
        format!(
            "CREATE TABLE t{i} (id int PRIMARY KEY, p int, v varchar(10) UNIQUE, \
             CHECK (id > 0){});",
            if i > 0 {
                format!(", FOREIGN KEY (p) REFERENCES t{}(id)", i - 1)
            } else {
                String::new()
            }
        )
    };
    let one = TestDb::with_script("q1", &table(0));
    let many = TestDb::with_script("q60", &(0..60).map(table).collect::<String>());
    let queries = |db: &TestDb| {
        let registry = Registry::builtin().unwrap();
        let url = schema_replicator::DbUrl::parse(&db.url()).unwrap();
        let dialect = registry.resolve(&url).unwrap();
        let reflection = dialect.reflect(&url, &ReflectOptions::default()).unwrap();
        (reflection.queries, reflection.schema.tables.len())
    };
    let (q1, n1) = queries(&one);
    let (q60, n60) = queries(&many);
    assert_eq!((n1, n60), (1, 60));
    assert_eq!(
        q1, q60,
        "catalog queries must not grow with the number of tables"
    );
    assert!(q1 <= 16, "{q1} queries");
}

#[test]
fn base_holds_no_foreign_key_check_unique_or_secondary_index() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("base_only", KITCHEN_SINK);
    let extractor = extract(&source);
    let target = TestDb::new("base_only_target");
    DdlApplier::new(&target.url())
        .unwrap()
        .apply_phase(&extractor, Phase::Base)
        .unwrap();
    let count = |sql: &str| target.query_i64(sql);
    assert_eq!(
        count(
            "SELECT COUNT(*) AS value FROM information_schema.TABLE_CONSTRAINTS \
             WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE <> 'PRIMARY KEY' \
             AND NOT (CONSTRAINT_TYPE = 'CHECK' AND CONSTRAINT_NAME = 'doc')"
        ),
        0,
        "only primary keys (and the JSON column's own check) in base"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) AS value FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY'"
        ),
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) AS value FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE()"
        ),
        0
    );
    // AUTO_INCREMENT stays where the primary key backs it, and waits for its key
    // elsewhere.
    assert!(target.show_create("order").contains("AUTO_INCREMENT"));
    assert!(!target
        .show_create("sku")
        .contains("`serial` bigint(20) NOT NULL AUTO_INCREMENT"));
}

#[test]
fn a_user_who_may_not_read_the_mysql_tables_is_told_what_it_cannot_replicate() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("unprivileged", KITCHEN_SINK);
    source
        .mysql(
            "SET sql_mode = ORACLE;\nDELIMITER //\n\
             CREATE PACKAGE pkg AS FUNCTION f RETURN INT; END;\n//\nDELIMITER ;\n",
        )
        .unwrap();
    source
        .exec(&format!(
            "CREATE USER IF NOT EXISTS 'sr_limited'@'%' IDENTIFIED BY 'limited-pw'; \
             GRANT ALL ON `{}`.* TO 'sr_limited'@'%'",
            source.name
        ))
        .unwrap();
    let url = format!(
        "mysql://sr_limited:limited-pw@{}:{}/{}",
        my::HOST,
        my::PORT,
        source.name
    );
    let limited = DdlExtractor::new(&url).unwrap();
    let hidden = |kind: &str, name: &str| {
        format!(
            "{kind} \"{name}\": not replicated: the catalog hides its body from this user \
             (only its definer and users with the privilege to see routines read it)"
        )
    };
    assert_eq!(
        limited.warnings(),
        [
            "package \"pkg\": not replicated: MariaDB packages; create them on the target"
                .to_owned(),
            hidden("function", "double it"),
            hidden("procedure", "noop"),
            "routine privileges \"*\": not replicated: this user may not read \
             mysql.procs_priv, where the privileges on routines are"
                .to_owned(),
        ]
    );
    assert!(limited.schema().routines.is_empty());
    // root reads mysql.proc: the package is replicated, and nothing is warned about.
    let full = extract(&source);
    assert!(full.warnings().is_empty(), "{:#?}", full.warnings());
    source.exec("DROP USER IF EXISTS 'sr_limited'@'%'").unwrap();
}

#[test]
fn connection_failures_are_one_line_and_never_show_the_password() {
    if !server_available() {
        return;
    }
    let cases = [
        (
            "mysql://root:s3cret-pw@127.0.0.1:1/x",
            "cannot connect to mysql://root:***@127.0.0.1:1/x: ",
            "Can't connect to server on '127.0.0.1'",
        ),
        (
            "mysql://root:s3cret-pw@127.0.0.1:3306/mysql",
            "cannot connect to mysql://root:***@127.0.0.1:3306/mysql: ",
            "Access denied for user 'root'",
        ),
        (
            "mysql://root@127.0.0.1:3306/sr_no_such_database",
            "cannot connect to mysql://root@127.0.0.1:3306/sr_no_such_database: ",
            "Unknown database 'sr_no_such_database'",
        ),
    ];
    for (url, prefix, cause) in cases {
        let err = DdlExtractor::new(url).err().unwrap().to_string();
        assert!(err.starts_with(prefix), "{err}");
        assert!(err.contains(cause), "{err}");
        assert!(!err.contains("s3cret"), "password leaked: {err}");
        assert!(!err.contains('\n'), "not one line: {err}");
        let err = DdlApplier::new(url)
            .unwrap()
            .apply_ddl(&["SELECT 1".into()])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(prefix) && !err.contains("s3cret"), "{err}");
    }
}

#[test]
fn a_seal_that_meets_orphan_rows_names_the_key_counts_them_and_resumes_once_fixed() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "orphans",
        "CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY, parent_id int, KEY child_parent (parent_id),
             CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));
         CREATE TABLE a_other (id int PRIMARY KEY, v int, KEY by_v (v));",
    );
    let extractor = extract(&source);
    let target = TestDb::new("orphans_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    target
        .exec(
            "INSERT INTO parent VALUES (1); \
             INSERT INTO child VALUES (1, 1), (2, 7), (3, 8), (4, 8), (5, NULL)",
        )
        .unwrap();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "seal refused: foreign key \"child_parent_fk\" on table \"child\" has 3 orphan rows \
             (e.g. (`parent_id`)=(7), (`parent_id`)=(8), (`parent_id`)=(8)); 2 of 3 \
             statements are applied and stay so (MySQL commits each DDL statement), recorded \
             in {JOURNAL_TABLE}: fix the cause and re-run the same command to resume"
        )
    );
    // The keys of both tables were built; the foreign key, added without the server's
    // checks, was dropped again when its orphans were counted.
    assert_eq!(
        target.query_i64(
            "SELECT COUNT(*) AS value FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'child' AND INDEX_NAME = 'child_parent'"
        ),
        1
    );
    assert_eq!(foreign_keys(&target, "child"), 0);
    // Fixed data: the same command resumes and finishes.
    target
        .exec("DELETE FROM child WHERE id IN (2, 3, 4)")
        .unwrap();
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!((report.statements, report.resumed), (3, 2));
    assert_same_schema(&source, &target);
}

fn foreign_keys(db: &TestDb, table: &str) -> i64 {
    db.query_i64(&format!(
        "SELECT COUNT(*) AS value FROM information_schema.TABLE_CONSTRAINTS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' \
         AND CONSTRAINT_TYPE = 'FOREIGN KEY'"
    ))
}

/// A source with a parent whose unique `code` a child's foreign key references, its
/// extractor, and a target with base applied.
fn parent_and_child(tag: &str) -> (TestDb, DdlExtractor, TestDb) {
    let source = TestDb::with_script(
        tag,
        "CREATE TABLE parent (id int PRIMARY KEY, code int NOT NULL, UNIQUE KEY parent_code (code));
         CREATE TABLE child (id int PRIMARY KEY, code int, KEY child_code (code),
             CONSTRAINT child_parent_fk FOREIGN KEY (code) REFERENCES parent (code));",
    );
    let extractor = extract(&source);
    let target = TestDb::new(&format!("{tag}_target"));
    DdlApplier::new(&target.url())
        .unwrap()
        .apply_phase(&extractor, Phase::Base)
        .unwrap();
    (source, extractor, target)
}

#[test]
fn foreign_keys_a_stopped_run_added_without_counting_their_orphans_are_counted_by_the_re_run() {
    if !server_available() {
        return;
    }
    let (source, extractor, target) = parent_and_child("uncounted");
    let applier = DdlApplier::new(&target.url()).unwrap();
    target
        .exec("INSERT INTO parent VALUES (1, 10); INSERT INTO child VALUES (1, 10), (2, 20)")
        .unwrap();
    let refused =
        "seal refused: foreign key \"child_parent_fk\" on table \"child\" has 1 orphan row \
                   (e.g. (`code`)=(20)); 2 of 3 statements are applied";
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert!(err.to_string().starts_with(refused), "{err}");
    // A run that added the key the way the applier does, then died before counting.
    let seal = extractor.phase_ddl(Phase::Seal).unwrap();
    let add = seal.last().unwrap();
    assert!(add.contains("FOREIGN KEY"), "{add}");
    let add_unchecked = || {
        target
            .exec(&format!(
                "SET foreign_key_checks = 0; {add}; SET foreign_key_checks = 1"
            ))
            .unwrap()
    };
    add_unchecked();
    assert_eq!(foreign_keys(&target, "child"), 1);
    // The re-run does not take the key for done: it counts, drops it and refuses.
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert!(err.to_string().starts_with(refused), "{err}");
    assert_eq!(foreign_keys(&target, "child"), 0);
    // The same key over clean rows is taken for done.
    target.exec("DELETE FROM child WHERE id = 2").unwrap();
    add_unchecked();
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!((report.statements, report.resumed), (3, 3));
    assert_same_schema(&source, &target);
}

#[test]
fn foreign_keys_that_cannot_be_counted_are_dropped_again_and_the_error_says_so() {
    if !server_available() {
        return;
    }
    let (_source, extractor, target) = parent_and_child("uncountable");
    // A user who may alter both tables but not read the parent: the server lets it add
    // the key, and the orphan count, which reads the parent, fails.
    let user = format!("sr_u{}", std::process::id());
    let db = &target.name;
    target
        .exec(&format!(
            "CREATE USER '{user}'@'%' IDENTIFIED BY 'Pw-s3cret'; \
             GRANT ALL ON `{db}`.`child` TO '{user}'@'%'; \
             GRANT ALL ON `{db}`.`{JOURNAL_TABLE}` TO '{user}'@'%'; \
             GRANT ALTER, INDEX, REFERENCES ON `{db}`.`parent` TO '{user}'@'%'"
        ))
        .unwrap();
    let url = format!("mysql://{user}:Pw-s3cret@127.0.0.1:3306/{db}");
    let result = DdlApplier::new(&url).map(|applier| applier.apply_phase(&extractor, Phase::Seal));
    target.exec(&format!("DROP USER '{user}'@'%'")).unwrap();
    let err = result.unwrap().unwrap_err().to_string();
    assert!(
        err.starts_with(
            "foreign key \"child_parent_fk\" on table \"child\": counting the orphan rows of the \
             keys just added: "
        ),
        "{err}"
    );
    assert!(err.contains("SELECT command denied"), "{err}");
    assert!(
        err.contains("; the keys were dropped again; 2 of 3 statements are applied and stay so"),
        "{err}"
    );
    assert!(!err.contains("Pw-s3cret"), "password leaked: {err}");
    assert_eq!(foreign_keys(&target, "child"), 0);
}

#[test]
fn a_run_stopped_during_its_first_statement_is_not_applied_twice() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "first_statement",
        "CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE a_child (id int PRIMARY KEY, parent_id int, v int, KEY by_v (v),
             CONSTRAINT a_child_v CHECK (v > 0),
             CONSTRAINT a_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
         CREATE TABLE b_other (id int PRIMARY KEY, w int, KEY by_w (w));",
    );
    let extractor = extract(&source);
    let target = TestDb::new("first_statement_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    // The first seal statement (a_child's check) fails: nothing was applied, and no
    // journal is left behind.
    target
        .exec("INSERT INTO a_child VALUES (1, NULL, -1)")
        .unwrap();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert!(err.to_string().ends_with("; nothing was applied"), "{err}");
    assert_eq!(
        target.query_i64(&format!(
            "SELECT COUNT(*) AS value FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{JOURNAL_TABLE}'"
        )),
        0,
        "a run that applied nothing leaves no journal"
    );
    // The rows are fixed, and the first statement completes on the server, as a
    // statement does when its client is killed after sending it.
    let first = extractor.phase_ddl(Phase::Seal).unwrap().remove(0);
    assert!(first.starts_with("ALTER TABLE `a_child`"), "{first}");
    assert!(first.contains("CHECK"), "{first}");
    target
        .exec(&format!("DELETE FROM a_child; {first}"))
        .unwrap();
    // The re-run finds it in the target and does not run it again.
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!(
        (report.statements, report.resumed, report.present),
        (3, 0, 1)
    );
    assert_same_schema(&source, &target);
}

#[test]
fn schema_selection_can_only_name_the_url_database() {
    if !server_available() {
        return;
    }
    let db = TestDb::new("schemas");
    let same = DdlExtractor::open_with(
        &db.url(),
        &Registry::builtin().unwrap(),
        &OpenOptions::default().with_reflect(ReflectOptions::with_schemas(vec![db.name.clone()])),
    );
    assert!(same.is_ok(), "{:?}", same.err());
    let err = DdlExtractor::open_with(
        &db.url(),
        &Registry::builtin().unwrap(),
        &OpenOptions::default()
            .with_reflect(ReflectOptions::with_schemas(vec!["elsewhere".into()])),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "reflecting schema \"elsewhere\": a MySQL URL names one database (\"{}\"), \
             the only schema it can reflect",
            db.name
        )
    );
}

#[test]
fn a_target_that_holds_part_of_what_one_statement_creates_is_refused_and_status_names_it() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "partial",
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, KEY by_a (a), KEY by_b (b));",
    );
    let extractor = extract(&source);
    let target = TestDb::new("partial_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    // The seal builds both keys in one ALTER TABLE; one of them is already there.
    target.exec("ALTER TABLE t ADD KEY by_a (a)").unwrap();
    let status = applier.status(&extractor).unwrap();
    let seal = &status.phases[2].status;
    assert_eq!((seal.present, seal.missing, seal.different), (1, 1, 0));
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        "seal: the target already holds 1 object of this phase otherwise than the source has it; \
         nothing was applied (drop or change it in the target, then re-run):\n  \
         index \"by_a\" on table \"t\": the target holds index \"by_a\" on table \"t\" but \
         not index \"by_b\" on table \"t\", which the same statement creates"
    );
    assert_eq!(
        target.query_i64(&format!(
            "SELECT COUNT(*) AS value FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{JOURNAL_TABLE}'"
        )),
        0,
        "a refused phase leaves no journal"
    );
    target.exec("ALTER TABLE t DROP KEY by_a").unwrap();
    applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_same_schema(&source, &target);
    assert!(applier.status(&extractor).unwrap().sealed());
}

/// One value of a query on `db`, as text (`NULL` as `None`).
fn text(db: &TestDb, sql: &str) -> Option<String> {
    db.lines(&format!("SELECT CAST(({sql}) AS CHAR) AS line"))
        .into_iter()
        .next()
}

#[test]
fn routines_events_and_ordered_triggers_come_back_identical_and_behave_the_same() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("routines", ROUTINES);
    let extractor = extract(&source);
    // Routines come in pre, before the views and triggers of the seal that call them;
    // events come last.
    let pre = extractor.phase_ddl(Phase::Pre).unwrap();
    assert_eq!(pre.len(), 4, "{pre:#?}");
    assert!(
        pre.iter().all(|sql| sql.contains("CREATE DEFINER=")),
        "{pre:#?}"
    );
    let seal = extractor.phase_statements(Phase::Seal).unwrap();
    let kinds: Vec<ObjectKind> = seal.iter().map(|s| s.objects[0].kind).collect();
    let first_event = kinds.iter().position(|k| *k == ObjectKind::Event).unwrap();
    assert!(
        kinds[first_event..].iter().all(|k| *k == ObjectKind::Event),
        "{kinds:?}"
    );
    assert!(
        extractor.warnings().is_empty(),
        "{:#?}",
        extractor.warnings()
    );

    let target = replicate(&source);
    // mysqldump --routines --events --triggers of both agree: routine text as typed,
    // characteristics, sql_mode and character sets, trigger heads as typed, events.
    assert_identical(&source, &target);

    // Behaviour: the function reads the loaded rows, the 4-byte literal survived, the
    // triggers fire in the source's order, the trigger calls the procedure.
    for db in [&source, &target] {
        assert_eq!(text(db, "film_in_stock_count(1)").as_deref(), Some("2"));
        assert_eq!(text(db, "`label ✓`('Alien')").as_deref(), Some("🎬 Alien"));
        assert_eq!(
            text(db, "SELECT `copies` FROM `stocked` WHERE `film_id` = 3").as_deref(),
            Some("1")
        );
    }
    target
        .exec("INSERT INTO `film` (`title`) VALUES ('Dune')")
        .unwrap();
    assert_eq!(
        text(&target, "SELECT `log` FROM `film` WHERE `title` = 'Dune'").as_deref(),
        Some("🅰bc"),
        "film_a precedes film_b, film_c follows it"
    );
    target
        .exec("INSERT INTO `inventory` (`film_id`) VALUES (2)")
        .unwrap();
    assert_eq!(
        text(
            &target,
            "SELECT `msg` FROM `audit` ORDER BY `id` DESC LIMIT 1"
        )
        .as_deref(),
        Some("stocked 2 1")
    );
    // The function made under another database default was made under it again, and
    // the copy's database has its own default back.
    assert_eq!(
        target.lines(
            "SELECT CONCAT(ROUTINE_NAME, ' ', DATABASE_COLLATION) AS line \
             FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() \
             AND ROUTINE_NAME = 'legacy_upper' \
             UNION ALL SELECT CONCAT(TRIGGER_NAME, ' ', DATABASE_COLLATION) \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
             AND TRIGGER_NAME = 'audit_legacy' \
             UNION ALL SELECT CONCAT(EVENT_NAME, ' ', DATABASE_COLLATION) \
             FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() \
             AND EVENT_NAME = 'legacy_tidy'"
        ),
        [
            "legacy_upper latin1_swedish_ci",
            "audit_legacy latin1_swedish_ci",
            "legacy_tidy latin1_swedish_ci"
        ]
    );
    assert_eq!(
        text(&target, "@@collation_database").as_deref(),
        Some("utf8mb4_general_ci")
    );
    // The view made under utf8mb3 is made under utf8mb3 again (MySQL 8 writes its
    // literals with `_utf8mb3` introducers that must read the same).
    for db in [&source, &target] {
        let context = text(
            db,
            "SELECT CONCAT(CHARACTER_SET_CLIENT, ' ', COLLATION_CONNECTION) \
             FROM information_schema.VIEWS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'film_title'",
        );
        assert_eq!(context.as_deref(), Some("utf8mb3 utf8mb3_general_ci"));
    }
}

#[test]
fn disable_events_creates_every_event_disabled() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("events", ROUTINES);
    let options = OpenOptions::default().with_policy(Policy::default().with_disable_events(true));
    let extractor =
        DdlExtractor::open_with(&source.url(), &Registry::builtin().unwrap(), &options).unwrap();
    let target = TestDb::new("events_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    for phase in [Phase::Pre, Phase::Base, Phase::Seal] {
        applier.apply_phase(&extractor, phase).unwrap();
    }
    let status = |db: &TestDb| {
        db.lines(
            "SELECT CONCAT(EVENT_NAME, '=', STATUS) AS line FROM information_schema.EVENTS \
             WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME",
        )
    };
    assert_eq!(
        status(&source),
        [
            "every_90m=DISABLED",
            "legacy_tidy=DISABLED",
            "one_off=ENABLED",
            "purge_audit=DISABLED"
        ]
    );
    assert_eq!(
        status(&target),
        [
            "every_90m=DISABLED",
            "legacy_tidy=DISABLED",
            "one_off=DISABLED",
            "purge_audit=DISABLED"
        ]
    );
    // Everything else of the event is the source's: the diff names only the status.
    let differences = diff(extract(&source).schema(), extract(&target).schema());
    let shown: Vec<String> = differences.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        shown,
        ["event \"one_off\": status \"ENABLE\" vs \"DISABLE\""]
    );
}

/// The source's objects defined by an account other than the one that applies.
const FOREIGN_DEFINERS: &str = "
CREATE TABLE `t` (`id` int NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE DEFINER='sr_owner'@'%' FUNCTION `f`() RETURNS int(11) DETERMINISTIC RETURN 1;
CREATE DEFINER='sr_owner'@'%' SQL SECURITY INVOKER VIEW `v_invoker` AS SELECT `id` FROM `t`;
CREATE DEFINER='sr_owner'@'%' VIEW `v_definer` AS SELECT `id` FROM `t`;
CREATE DEFINER='sr_owner'@'%' TRIGGER `t_bi` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.`id` = NEW.`id`;
CREATE DEFINER='sr_owner'@'%' EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM `t`;
";

/// `mysql://sr_plain:...@host/db`: a user with every privilege on `db` and none to
/// name other definers.
fn plain_user_url(db: &TestDb) -> String {
    db.exec(&format!(
        "CREATE USER IF NOT EXISTS 'sr_plain'@'%' IDENTIFIED BY 'plain-pw'; \
         GRANT ALL ON `{}`.* TO 'sr_plain'@'%'",
        db.name
    ))
    .unwrap();
    format!(
        "mysql://sr_plain:plain-pw@{}:{}/{}",
        my::HOST,
        my::PORT,
        db.name
    )
}

#[test]
fn definers_are_replicated_and_a_user_who_may_not_set_them_is_refused_before_anything_runs() {
    if !server_available() {
        return;
    }
    // The definer exists, as on a real source (mysqldump cannot read the views of a
    // definer that does not).
    TestDb::new("definers_user")
        .exec("CREATE USER IF NOT EXISTS 'sr_owner'@'%'; GRANT SELECT ON *.* TO 'sr_owner'@'%'")
        .unwrap();
    let source = TestDb::with_script("definers", FOREIGN_DEFINERS);
    let extractor = extract(&source);

    // A user who may set definers (root) gets the source's.
    let copy = TestDb::new("definers_root");
    let applier = DdlApplier::new(&copy.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Pre).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_same_schema(&source, &copy);

    // A user who may not is refused before anything runs, in pre already.
    let target = TestDb::new("definers_plain");
    let url = plain_user_url(&target);
    let plain = DdlApplier::new(&url).unwrap();
    let err = plain
        .apply_phase(&extractor, Phase::Pre)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "the target user sr_plain@%: may not define objects for other accounts (it has \
         neither SET USER nor SUPER), and the source's objects are defined by sr_owner@% \
         (routine \"f\"()); nothing was applied; re-run with --skip-definer to define them \
         as sr_plain@%, or apply as a user who may set definers"
    );
    assert!(!err.contains("plain-pw"));
    assert_eq!(
        target.query_i64(
            "SELECT COUNT(*) AS value FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE()"
        ),
        0
    );
    plain.apply_phase(&extractor, Phase::Base).unwrap();
    let err = plain
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "defined by sr_owner@% (view \"v_definer\", view \"v_invoker\", \
             trigger \"t_bi\" and 1 more)"
        ),
        "{err}"
    );

    // --skip-definer: the applying user defines everything, and each object that runs
    // with its definer's rights is a warning.
    let options = OpenOptions::default().with_policy(Policy::default().with_skip_definer(true));
    let skipping =
        DdlExtractor::open_with(&source.url(), &Registry::builtin().unwrap(), &options).unwrap();
    let warnings = skipping.warnings();
    let rights = |kind: &str, name: &str| {
        format!(
            "{kind} definer \"{name}\": not replicated (--skip-definer): the {kind} runs \
             with the rights of the user that applies it, not those of sr_owner@%"
        )
    };
    assert_eq!(
        warnings,
        [
            rights("view", "v_definer"),
            rights("function", "f"),
            rights("trigger", "t_bi"),
            rights("event", "e"),
        ]
    );
    plain.apply_phase(&skipping, Phase::Pre).unwrap();
    plain.apply_phase(&skipping, Phase::Seal).unwrap();
    let definers = target.lines(
        "SELECT DISTINCT DEFINER AS line FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = DATABASE() UNION SELECT DEFINER FROM information_schema.VIEWS \
         WHERE TABLE_SCHEMA = DATABASE() UNION SELECT DEFINER FROM information_schema.TRIGGERS \
         WHERE TRIGGER_SCHEMA = DATABASE() UNION SELECT DEFINER FROM information_schema.EVENTS \
         WHERE EVENT_SCHEMA = DATABASE()",
    );
    assert_eq!(definers, ["sr_plain@%"]);
    // A re-run has nothing to do: the target's definers are not compared.
    assert!(plain
        .apply_phase(&skipping, Phase::Seal)
        .unwrap()
        .nothing_to_do());
    source
        .exec("DROP USER IF EXISTS 'sr_plain'@'%', 'sr_owner'@'%'")
        .unwrap();
}

/// Keys as real schemas keep them: an index the server once made for a foreign key,
/// kept (a dump restored it as a plain index) beside another index that now covers the
/// key's column; and a foreign key to a table that was dropped with the checks off.
const KEYS_AS_FOUND: &str = "
CREATE TABLE `parent` (`id` int NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `child` (
  `id` int NOT NULL,
  `parent_id` int DEFAULT NULL,
  `qty` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `parent_qty` (`parent_id`, `qty`),
  KEY `fk_child_parent` (`parent_id`),
  CONSTRAINT `fk_child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`)
) ENGINE=InnoDB;
SET foreign_key_checks = 0;
CREATE TABLE `orphaned` (
  `id` int NOT NULL,
  `gone_id` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `fk_orphaned_gone` (`gone_id`),
  CONSTRAINT `fk_orphaned_gone` FOREIGN KEY (`gone_id`) REFERENCES `gone` (`id`)
) ENGINE=InnoDB;
INSERT INTO `orphaned` VALUES (1, 10), (2, NULL);
SET foreign_key_checks = 1;
INSERT INTO `parent` VALUES (1);
INSERT INTO `child` VALUES (1, 1, 5);
CREATE TABLE `lookup` (
  `id` int NOT NULL,
  `code` int DEFAULT NULL,
  `tag` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `by_code` (`code`) USING BTREE,
  KEY `by_tag` (`tag`)
) ENGINE=MEMORY;
";

#[test]
fn a_covered_foreign_key_index_and_a_key_to_a_missing_table_come_back_as_the_source_has_them() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("keys_found", KEYS_AS_FOUND);
    let extractor = extract(&source);
    assert_eq!(
        extractor.warnings(),
        [
            "foreign key \"fk_orphaned_gone\": of table \"orphaned\": it references table \
          \"gone\", which does not exist; replicated as the source has it, without counting \
          its orphan rows"
        ]
    );
    // check counts what can be counted and leaves the dangling key alone.
    let findings = DdlApplier::new(&source.url())
        .unwrap()
        .check(&extractor, 1)
        .unwrap();
    assert!(
        findings.iter().all(|f| f.object.name != "fk_orphaned_gone"),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.object.name == "fk_child_parent" && f.rows == 0),
        "{findings:#?}"
    );
    let target = replicate(&source);
    assert_identical(&source, &target);
    let create = target.show_create("child");
    assert!(
        create.contains("KEY `fk_child_parent` (`parent_id`)"),
        "{create}"
    );
    let create = target.show_create("orphaned");
    assert!(create.contains("REFERENCES `gone` (`id`)"), "{create}");
    // A MEMORY table's index is a hash index unless it says BTREE: the copy's index
    // answers range scans as the source's does.
    assert_eq!(
        target.lines(
            "SELECT CONCAT(INDEX_NAME, ' ', INDEX_TYPE) AS line FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'lookup' ORDER BY INDEX_NAME"
        ),
        ["by_code BTREE", "by_tag HASH", "PRIMARY HASH"]
    );
    // The key is there: once its table exists, the server checks new rows.
    target
        .exec("CREATE TABLE `gone` (`id` int NOT NULL, PRIMARY KEY (`id`))")
        .unwrap();
    let err = target
        .exec("INSERT INTO `orphaned` VALUES (3, 99)")
        .unwrap_err();
    assert!(err.contains("foreign key constraint fails"), "{err}");
}

/// MariaDB sequences: used (a table's default draws from it), never used (another
/// engine, a hostile name), and one that cycled.
const SEQUENCES: &str = "
CREATE SEQUENCE `order_no` START WITH 1000 INCREMENT BY 10 CACHE 5 COMMENT 'order numbers';
CREATE SEQUENCE `unused ✓` ENGINE=Aria;
CREATE SEQUENCE `cycling` MINVALUE 1 MAXVALUE 3 CACHE 2 CYCLE;
SELECT NEXTVAL(`cycling`), NEXTVAL(`cycling`), NEXTVAL(`cycling`), NEXTVAL(`cycling`);
CREATE TABLE `orders` (
  `id` bigint NOT NULL DEFAULT nextval(`order_no`),
  `note` varchar(10) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
INSERT INTO `orders` (`note`) VALUES ('a'), ('b'), ('c');
";

#[test]
fn mariadb_sequences_come_back_with_their_next_values() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("sequences", SEQUENCES);
    let extractor = extract(&source);
    assert!(
        extractor.warnings().is_empty(),
        "{:#?}",
        extractor.warnings()
    );
    assert_eq!(extractor.schema().sequences.len(), 3);
    // Sequences come in pre, before the table whose default draws from one.
    assert_eq!(extractor.phase_ddl(Phase::Pre).unwrap().len(), 3);
    let target = replicate(&source);
    // mysqldump prints each sequence and `DO SETVAL(...)` with its next value.
    assert_identical(&source, &target);
    // The copy starts where the source's stored state says (values the source holds in
    // its cache count as used, as mysqldump takes them): never a value the source may
    // have handed out. Its default draws from its own sequence.
    let stored = text(&source, "SELECT next_not_cached_value FROM `order_no`").unwrap();
    assert_eq!(stored, "1050");
    assert_eq!(
        text(&source, "NEXTVAL(`order_no`)").as_deref(),
        Some("1030"),
        "the source's cache"
    );
    assert_eq!(
        text(&target, "NEXTVAL(`order_no`)").as_deref(),
        Some("1050")
    );
    let cycled = text(&source, "SELECT next_not_cached_value FROM `cycling`").unwrap();
    assert_eq!(text(&target, "NEXTVAL(`cycling`)"), Some(cycled));
    for db in [&source, &target] {
        assert_eq!(text(db, "NEXTVAL(`unused ✓`)").as_deref(), Some("1"));
    }
    target
        .exec("INSERT INTO `orders` (`note`) VALUES ('d')")
        .unwrap();
    assert_eq!(
        text(&target, "SELECT MAX(`id`) FROM `orders`").as_deref(),
        Some("1060")
    );
    let default = text(
        &target,
        "SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'id'",
    )
    .unwrap();
    assert_eq!(default, format!("nextval(`{}`.`order_no`)", target.name));
    // A re-run of each phase has nothing to do.
    let applier = DdlApplier::new(&target.url()).unwrap();
    for phase in [Phase::Pre, Phase::Base] {
        assert!(applier
            .apply_phase(&extractor, phase)
            .unwrap()
            .nothing_to_do());
    }
}

/// Grants on every level, to an account that exists on the server.
fn grants_script(db: &str) -> String {
    format!(
        "CREATE USER IF NOT EXISTS 'sr_reader'@'%' IDENTIFIED BY 'reader-pw';
         CREATE TABLE `t` (`id` int NOT NULL, `a` int DEFAULT NULL, `b` int DEFAULT NULL,
           PRIMARY KEY (`id`)) ENGINE=InnoDB;
         CREATE VIEW `v` AS SELECT `id`, `a` FROM `t`;
         CREATE FUNCTION `f`() RETURNS int(11) DETERMINISTIC RETURN 7;
         INSERT INTO `t` VALUES (1, 2, 3);
         GRANT SELECT ON `{db}`.* TO 'sr_reader'@'%';
         GRANT INSERT ON `{db}`.`t` TO 'sr_reader'@'%' WITH GRANT OPTION;
         GRANT UPDATE (`a`, `b`), SELECT (`a`) ON `{db}`.`t` TO 'sr_reader'@'%';
         GRANT SHOW VIEW ON `{db}`.`v` TO 'sr_reader'@'%';
         GRANT EXECUTE ON FUNCTION `{db}`.`f` TO 'sr_reader'@'%';"
    )
}

/// The privileges of `sr_reader` on `db`, a line each, from the server's own tables.
fn grants_on(db: &TestDb) -> Vec<String> {
    let grantee = "GRANTEE = '''sr_reader''@''%'''";
    db.lines(&format!(
        "SELECT CONCAT('database ', PRIVILEGE_TYPE, ' ', IS_GRANTABLE) AS line \
         FROM information_schema.SCHEMA_PRIVILEGES \
         WHERE TABLE_SCHEMA = DATABASE() AND {grantee} \
         UNION ALL SELECT CONCAT('table ', TABLE_NAME, ' ', PRIVILEGE_TYPE, ' ', IS_GRANTABLE) \
         FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE() AND {grantee} \
         UNION ALL SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', PRIVILEGE_TYPE) \
         FROM information_schema.COLUMN_PRIVILEGES \
         WHERE TABLE_SCHEMA = DATABASE() AND {grantee} \
         UNION ALL SELECT CONCAT('routine ', Routine_type, ' ', Routine_name, ' ', Proc_priv) \
         FROM mysql.procs_priv WHERE Db = DATABASE() AND User = 'sr_reader' \
         ORDER BY 1"
    ))
}

#[test]
fn grants_come_back_and_a_missing_grantee_is_refused_before_anything_runs() {
    if !server_available() {
        return;
    }
    let source = TestDb::new("grants");
    source.mysql(&grants_script(&source.name)).unwrap();
    let extractor = extract(&source);
    assert!(
        extractor.warnings().is_empty(),
        "{:#?}",
        extractor.warnings()
    );
    let grants: Vec<String> = extractor
        .schema()
        .grants
        .iter()
        .map(|g| format!("{}{}", g.describe(), if g.grantable { " +" } else { "" }))
        .collect();
    assert_eq!(
        grants,
        [
            "SELECT on the database to 'sr_reader'@'%'",
            "EXECUTE on function \"f\" to 'sr_reader'@'%'",
            "INSERT, SELECT (`a`), UPDATE (`a`, `b`) on table \"t\" to 'sr_reader'@'%' +",
            "SHOW VIEW on table \"v\" to 'sr_reader'@'%'",
        ]
    );
    let target = replicate(&source);
    assert_identical(&source, &target);
    assert_eq!(grants_on(&source), grants_on(&target));
    assert_eq!(
        grants_on(&target),
        [
            "column t.a SELECT",
            "column t.a UPDATE",
            "column t.b UPDATE",
            "database SELECT NO",
            "routine FUNCTION f Execute",
            "table t INSERT YES",
            "table v SHOW VIEW NO",
        ]
    );
    // Behaviour: the grantee reads the copy and may not delete from it.
    let reader = format!(
        "mysql://sr_reader:reader-pw@{}:{}/{}",
        my::HOST,
        my::PORT,
        target.name
    );
    let mut conn = <diesel::MysqlConnection as diesel::Connection>::establish(&reader).unwrap();
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SELECT `a` FROM `t`").unwrap();
    let denied = conn
        .batch_execute("DELETE FROM `t`")
        .unwrap_err()
        .to_string();
    assert!(denied.contains("DELETE command denied"), "{denied}");

    // A grantee the target lacks refuses the seal before anything runs.
    let mut schema = extractor.schema().clone();
    schema.grants[1].grantee = "'sr_nobody'@'%'".into();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("grants.json");
    schema_replicator::snapshot::write(&schema, &snapshot).unwrap();
    let from_snapshot = DdlExtractor::new(snapshot.to_str().unwrap()).unwrap();
    let lacking = TestDb::new("grants_lacking");
    let applier = DdlApplier::new(&lacking.url()).unwrap();
    applier.apply_phase(&from_snapshot, Phase::Pre).unwrap();
    applier.apply_phase(&from_snapshot, Phase::Base).unwrap();
    let err = applier
        .apply_phase(&from_snapshot, Phase::Seal)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "the grants: the target has no account 'sr_nobody'@'%' (grant EXECUTE on function \
         \"f\" to 'sr_nobody'@'%'); nothing was applied; create the accounts, or re-run with \
         --no-privileges to leave the grants out"
    );
    assert_eq!(
        lacking.query_i64(
            "SELECT COUNT(*) AS value FROM information_schema.VIEWS \
             WHERE TABLE_SCHEMA = DATABASE()"
        ),
        0,
        "nothing of the seal ran"
    );
    // --no-privileges leaves the grants out.
    let options = OpenOptions::default().with_policy(Policy::default().with_no_privileges(true));
    let without = DdlExtractor::open_with(
        snapshot.to_str().unwrap(),
        &Registry::builtin().unwrap(),
        &options,
    )
    .unwrap();
    assert!(without.schema().grants.is_empty());
    applier.apply_phase(&without, Phase::Seal).unwrap();
    assert!(grants_on(&lacking).is_empty());
    source.exec("DROP USER IF EXISTS 'sr_reader'@'%'").unwrap();
}

#[test]
fn a_view_over_a_function_the_source_dropped_is_refused_before_anything_runs() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "broken_view",
        "CREATE TABLE `t` (`id` int NOT NULL PRIMARY KEY, `a` int) ENGINE=InnoDB;
         CREATE FUNCTION `twice`(x INT) RETURNS int(11) DETERMINISTIC RETURN x * 2;
         CREATE FUNCTION `kept`(x INT) RETURNS int(11) DETERMINISTIC RETURN x;
         CREATE VIEW `v` AS SELECT `twice`(`a`) AS `b`, `kept`(`a`) AS `c`, count(*) AS `n`,
           'not `called`(1)' AS `s` FROM `t` GROUP BY `a`;
         CREATE INDEX `by_a` ON `t` (`a`);
         DROP FUNCTION `twice`;",
    );
    let extractor = extract(&source);
    // The statement knows what it calls: stored functions, not built-ins or text.
    let view = extractor
        .phase_statements(Phase::Seal)
        .unwrap()
        .into_iter()
        .find(|s| s.objects[0].kind == ObjectKind::View)
        .unwrap();
    assert_eq!(view.calls(), ["twice", "kept"]);
    let target = TestDb::new("broken_view_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Pre).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    let err = applier
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "the views: view \"v\" calls function \"twice\", which the target does not have, and \
         a view cannot be created without the functions it calls (a function dropped from \
         the source leaves its views broken there too); nothing was applied"
    );
    assert_eq!(
        target.query_i64(
            "SELECT COUNT(*) AS value FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'by_a'"
        ),
        0,
        "nothing of the seal ran"
    );
}

/// MariaDB temporal tables: system versioning (implicit, with its own invisible period
/// columns, partitioned by SYSTEM_TIME by interval and by limit), an application-time
/// period with a key WITHOUT OVERLAPS, and a plain
/// check of the same shape as a period's, which stays a check.
const TEMPORAL: &str = "
CREATE TABLE `prices` (
  `id` int NOT NULL PRIMARY KEY,
  `amount` decimal(8,2) NOT NULL
) WITH SYSTEM VERSIONING;
CREATE TABLE `audit rows` (
  `id` int NOT NULL PRIMARY KEY,
  `v` int DEFAULT NULL,
  `valid_from` timestamp(6) GENERATED ALWAYS AS ROW START INVISIBLE,
  `valid_to` timestamp(6) GENERATED ALWAYS AS ROW END INVISIBLE,
  PERIOD FOR SYSTEM_TIME (`valid_from`, `valid_to`),
  KEY `by_v` (`v`)
) WITH SYSTEM VERSIONING;
CREATE TABLE `rooms` (
  `room` int NOT NULL,
  `guest` varchar(20) DEFAULT NULL,
  `from` date NOT NULL,
  `to` date NOT NULL,
  PERIOD FOR `stay` (`from`, `to`),
  UNIQUE KEY `no double booking` (`room`, `stay` WITHOUT OVERLAPS)
);
CREATE TABLE `ranges` (
  `lo` int NOT NULL,
  `hi` int NOT NULL,
  CONSTRAINT `lo_hi` CHECK (`lo` < `hi`)
);
CREATE TABLE `monthly` (`id` int) WITH SYSTEM VERSIONING
  PARTITION BY SYSTEM_TIME INTERVAL 1 MONTH STARTS '2026-01-01 00:00:00' PARTITIONS 4;
CREATE TABLE `capped` (`id` int) WITH SYSTEM VERSIONING
  PARTITION BY SYSTEM_TIME LIMIT 1000
  (PARTITION `a` HISTORY, PARTITION `b` HISTORY, PARTITION `now` CURRENT);
INSERT INTO `prices` VALUES (1, 9.99);
UPDATE `prices` SET `amount` = 10.99 WHERE `id` = 1;
INSERT INTO `audit rows` (`id`, `v`) VALUES (1, 5);
INSERT INTO `rooms` VALUES (101, 'ann', '2026-01-01', '2026-01-05');
INSERT INTO `ranges` VALUES (1, 2);
";

#[test]
fn system_versioned_tables_and_application_time_periods_come_back() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("temporal", TEMPORAL);
    let extractor = extract(&source);
    assert!(
        extractor.warnings().is_empty(),
        "{:#?}",
        extractor.warnings()
    );
    // Base creates the versioned tables; the period and its key come in the seal.
    let base = extractor.phase_ddl(Phase::Base).unwrap().join("\n");
    assert!(base.contains("WITH SYSTEM VERSIONING"), "{base}");
    assert!(!base.contains("PERIOD FOR `stay`"), "{base}");
    let target = replicate(&source);
    assert_identical(&source, &target);
    // Behaviour: the copy keeps history from now on, refuses a double booking, and
    // `lo_hi` is a check, not a period.
    target
        .exec("UPDATE `prices` SET `amount` = 11.99 WHERE `id` = 1")
        .unwrap();
    assert_eq!(
        target.query_i64("SELECT COUNT(*) AS value FROM `prices` FOR SYSTEM_TIME ALL"),
        2
    );
    let err = target
        .exec("INSERT INTO `rooms` VALUES (101, 'bob', '2026-01-03', '2026-01-08')")
        .unwrap_err();
    assert!(err.contains("no double booking"), "{err}");
    target
        .exec("INSERT INTO `rooms` VALUES (101, 'bob', '2026-01-05', '2026-01-08')")
        .unwrap();
    let err = target
        .exec("INSERT INTO `ranges` VALUES (3, 3)")
        .unwrap_err();
    assert!(err.contains("lo_hi"), "{err}");
}

#[test]
fn mariadb_packages_come_back_with_their_bodies() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "packages",
        "CREATE TABLE `t` (`id` int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
         SET sql_mode = ORACLE;
         DELIMITER //
         CREATE PACKAGE pricing AS
           FUNCTION vat(amount DECIMAL(10,2)) RETURN DECIMAL(10,2);
         END;
         //
         CREATE PACKAGE BODY pricing AS
           FUNCTION vat(amount DECIMAL(10,2)) RETURN DECIMAL(10,2) AS
           BEGIN
             RETURN amount * 0.2;
           END;
         END;
         //
         CREATE PACKAGE spec_only COMMENT 'no body yet' AS PROCEDURE later; END;
         //
         DELIMITER ;",
    );
    let extractor = extract(&source);
    assert!(
        extractor.warnings().is_empty(),
        "{:#?}",
        extractor.warnings()
    );
    let pre = extractor.phase_ddl(Phase::Pre).unwrap();
    assert_eq!(pre.len(), 2, "{pre:#?}");
    assert!(
        pre[0].contains("CREATE DEFINER=") && pre[0].contains(";\nCREATE DEFINER="),
        "the body is created with the package, with its definer: {}",
        pre[0]
    );
    let target = replicate(&source);
    // mysqldump --routines prints each package and package body.
    assert_identical(&source, &target);
    assert!(target.dump_schema().contains("PACKAGE BODY"));
    let applier = DdlApplier::new(&target.url()).unwrap();
    assert!(applier
        .apply_phase(&extractor, Phase::Pre)
        .unwrap()
        .nothing_to_do());
}

#[test]
fn trigger_heads_are_rebuilt_with_a_warning_where_the_text_session_cannot_open() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("trigger_text", ROUTINES);
    // The text-protocol session takes host, port, user, password, database and
    // unix_socket; TLS settings are diesel's alone.
    let url = format!("{}?ssl_mode=disabled", source.url());
    let extractor = DdlExtractor::new(&url).unwrap();
    assert_eq!(
        extractor.warnings(),
        [
            "trigger text \"*\": not replicated as typed: each trigger's head is rebuilt from the \
          catalog and its body read in utf8mb3 (SHOW CREATE TRIGGER could not be read: the URL \
          parameter `ssl_mode` is not supported here)"
        ]
    );
    let named = |schema: &schema_replicator::Schema, name: &str| {
        schema
            .triggers
            .iter()
            .find(|t| t.name.name == name)
            .map(|t| t.definition.clone())
            .unwrap()
    };
    let film_a = named(extractor.schema(), "film_a");
    assert!(
        matches!(&film_a, schema_replicator::Expr::Raw { sql, .. }
            if sql.starts_with("CREATE TRIGGER `film_a` BEFORE INSERT ON `film` FOR EACH ROW")),
        "{film_a:?}"
    );
    // Without the parameter, the statement is the one typed.
    let typed = extract(&source);
    assert!(typed.warnings().is_empty());
    let film_b = named(typed.schema(), "film_b");
    assert!(
        matches!(&film_b, schema_replicator::Expr::Raw { sql, .. }
            if sql.starts_with("CREATE trigger film_b before insert on film for each row")),
        "{film_b:?}"
    );
}

#[test]
fn objects_made_under_a_non_utf8_client_with_text_outside_ascii_are_left_out_with_a_warning() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "latin1_client",
        "CREATE TABLE `t` (`a` varchar(10)) ENGINE=InnoDB;
         SET NAMES latin1;
         CREATE VIEW `v_latin` AS SELECT 'café' AS `c`;
         CREATE VIEW `v_ascii` AS SELECT 'cafe' AS `c`;
         SET NAMES utf8mb4;",
    );
    let extractor = extract(&source);
    assert_eq!(
        extractor.warnings(),
        [
            "view \"v_latin\": not replicated: it was made under the client character set \
          latin1 and its text has characters outside ASCII, which would be read wrongly; \
          create it by hand"
        ]
    );
    let views: Vec<&str> = extractor
        .schema()
        .views
        .iter()
        .map(|v| v.name.name.as_str())
        .collect();
    assert_eq!(views, ["v_ascii"]);
    // The rest is replicated, the ASCII view under latin1 as the source has it.
    let target = TestDb::new("latin1_client_target");
    schema_replicator::clone_schema(
        &source.url(),
        &target.url(),
        &Registry::builtin().unwrap(),
        &Policy::default(),
    )
    .unwrap();
    assert_eq!(
        text(
            &target,
            "SELECT CHARACTER_SET_CLIENT FROM information_schema.VIEWS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'v_ascii'"
        )
        .as_deref(),
        Some("latin1")
    );
}

/// A clone into an empty database loads no rows: each table is created complete, its
/// keys, checks, indexes and foreign keys in its `CREATE TABLE` (the foreign key checks
/// off), and the seal rebuilds nothing. mysqldump of the copy equals the source's, the
/// counters hand out the next id, and the keys refuse a violating row.
#[test]
fn a_clone_creates_each_table_complete_and_matches_mysqldump() {
    if !server_available() {
        return;
    }
    let registry = Registry::builtin().unwrap();
    for (tag, script) in [
        ("complete_sink", KITCHEN_SINK),
        ("complete_chinook", CHINOOK),
        ("complete_routines", ROUTINES),
    ] {
        let source = TestDb::with_script(tag, script);
        let extractor = extract(&source);
        let complete = extractor
            .complete_tables()
            .unwrap()
            .expect("MySQL creates tables complete");
        let base = complete.phase_statements(Phase::Base).unwrap();
        let tables = extractor.schema().tables.len();
        assert_eq!(base.len(), tables, "one statement per table in {tag}");
        for statement in complete.phase_statements(Phase::Seal).unwrap() {
            assert!(
                statement.objects.iter().all(|o| !matches!(
                    o.kind,
                    ObjectKind::Index | ObjectKind::Check | ObjectKind::ForeignKey
                )),
                "{tag}: the seal of a complete clone adds {}",
                statement.describe()
            );
        }
        let target = TestDb::new(&format!("{tag}_target"));
        let report = schema_replicator::clone_schema(
            &source.url(),
            &target.url(),
            &registry,
            &Policy::default(),
        )
        .unwrap_or_else(|e| panic!("clone {tag}: {e}"));
        schema_replicator_testkit::assert_clone_ran(&report, &complete, tag);
        assert_same_schema(&source, &target);
        // mysqldump drops the counters (AUTO_INCREMENT=); compare them on their own.
        assert_eq!(
            target.lines(
                "SELECT CONCAT(TABLE_NAME, '=', AUTO_INCREMENT) AS line FROM \
                 information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
                 AND AUTO_INCREMENT IS NOT NULL ORDER BY 1"
            ),
            source.lines(
                "SELECT CONCAT(TABLE_NAME, '=', AUTO_INCREMENT) AS line FROM \
                 information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
                 AND AUTO_INCREMENT IS NOT NULL ORDER BY 1"
            ),
            "counters of the clone of {tag}"
        );
    }
    // The keys hold in the copy: an orphan and a duplicate are refused.
    let source = TestDb::with_script("complete_keys", CHINOOK);
    let target = TestDb::new("complete_keys_target");
    schema_replicator::clone_schema(&source.url(), &target.url(), &registry, &Policy::default())
        .unwrap();
    let orphan = target
        .exec(
            "INSERT INTO `Track` (`TrackId`, `Name`, `AlbumId`, `MediaTypeId`, `Milliseconds`, \
             `UnitPrice`) VALUES (1, 'orphan', 999, 999, 1, 1)",
        )
        .unwrap_err();
    assert!(
        orphan.contains("a foreign key constraint fails"),
        "{orphan}"
    );
    target
        .exec("INSERT INTO `Genre` (`GenreId`, `Name`) VALUES (1, 'a')")
        .unwrap();
    let duplicate = target
        .exec("INSERT INTO `Genre` (`GenreId`, `Name`) VALUES (1, 'b')")
        .unwrap_err();
    assert!(duplicate.contains("Duplicate entry"), "{duplicate}");
}
