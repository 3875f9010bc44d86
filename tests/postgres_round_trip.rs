//! PostgreSQL round trips on the local server: pre and base into a fresh database,
//! the data loaded with `pg_dump --data-only | psql`, seal; then our diff, `pg_dump
//! --schema-only`, row counts and counters must all agree with the source. Also the
//! behaviour of the sealed target, set-based reflection, warnings and bad input.

mod pg;

use pg::{server_available, TestDb};
use schema_replicator::{
    diff, ApplyOptions, DdlApplier, DdlExtractor, ObjectKind, OnViolation, OpenOptions, Phase,
    Policy, ReflectOptions, Registry,
};

const KITCHEN_SINK: &str = include_str!("../examples/kitchen-sink-postgres.sql");
const CHINOOK: &str = include_str!("fixtures/chinook-postgres.sql");

fn extract(db: &TestDb) -> DdlExtractor {
    DdlExtractor::new(&db.url()).unwrap_or_else(|e| panic!("reflect {}: {e}", db.name))
}

/// [`extract`], for a source of which everything is replicated: no warning.
fn extract_quietly(db: &TestDb) -> DdlExtractor {
    let extractor = extract(db);
    assert!(
        extractor.warnings().is_empty(),
        "{:?}",
        extractor.warnings()
    );
    extractor
}

/// pre and base, load, seal: the way a user runs a copy.
fn replicate(source: &TestDb, policy: &Policy) -> TestDb {
    replicate_with(source, policy, 1)
}

/// [`replicate`] with the seal over `jobs` connections.
fn replicate_with(source: &TestDb, policy: &Policy, jobs: usize) -> TestDb {
    let extractor = DdlExtractor::open(&source.url(), &Registry::builtin().unwrap(), policy)
        .expect("reflect source");
    let target = TestDb::new("target");
    let applier = DdlApplier::new(&target.url()).expect("target");
    applier.apply_phase(&extractor, Phase::Pre).expect("pre");
    applier.apply_phase(&extractor, Phase::Base).expect("base");
    source.load_data_into(&target);
    let options = ApplyOptions::default().with_jobs(jobs);
    let report = applier
        .apply_phase_with(&extractor, Phase::Seal, &options)
        .expect("seal");
    // As many connections as there are statements to run, at most `jobs` (owners the
    // target holds already do not run).
    assert_eq!(report.connections, jobs.min(report.statements));
    target
}

/// The statements of `phase` that create objects: all but those that set owners and
/// privileges, which a report does not count as skipped when the target holds them.
fn object_statements(extractor: &DdlExtractor, phase: Phase) -> usize {
    extractor
        .phase_statements(phase)
        .unwrap()
        .iter()
        .filter(|s| s.objects.iter().any(|o| !o.kind.names_its_object()))
        .count()
}

/// Our diff, pg_dump of the source and of its pg_dump | pg_restore round trip, and the
/// row counts agree.
fn assert_identical(source: &TestDb, target: &TestDb) {
    assert_same_schema(source, target);
    assert_eq!(source.row_counts(), target.row_counts());
}

/// Our diff, pg_dump of the source and of its pg_dump | pg_restore round trip agree.
fn assert_same_schema(source: &TestDb, target: &TestDb) {
    assert_schema_like_source(source, target);
    // PostgreSQL's own round trip, pg_dump | pg_restore, comes out the same: the copy
    // re-parses its statements as a restore does.
    let copy = target.dump_schema();
    let oracle = source.restored().dump_schema();
    let only_oracle: Vec<&String> = oracle.iter().filter(|s| !copy.contains(s)).collect();
    let only_copy: Vec<&String> = copy.iter().filter(|s| !oracle.contains(s)).collect();
    assert!(
        only_oracle.is_empty() && only_copy.is_empty(),
        "pg_dump of the pg_restore round trip differs:\nround trip only: {only_oracle:#?}\ncopy only: {only_copy:#?}"
    );
}

/// Our diff, pg_dump and the row counts agree (for schemas that pg_restore itself
/// cannot restore).
fn assert_like_source(source: &TestDb, target: &TestDb) {
    assert_schema_like_source(source, target);
    assert_eq!(source.row_counts(), target.row_counts());
}

/// Our diff and pg_dump agree.
fn assert_schema_like_source(source: &TestDb, target: &TestDb) {
    let a = extract(source);
    let b = extract(target);
    let differences = diff(a.schema(), b.schema());
    assert!(differences.is_empty(), "differences: {differences:#?}");
    let (dump_a, dump_b) = (source.dump_schema(), target.dump_schema());
    let only_a: Vec<&String> = dump_a.iter().filter(|s| !dump_b.contains(s)).collect();
    let only_b: Vec<&String> = dump_b.iter().filter(|s| !dump_a.contains(s)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "pg_dump differs:\nsource only: {only_a:#?}\ntarget only: {only_b:#?}"
    );
    assert_eq!(dump_a, dump_b);
}

#[test]
fn chinook_comes_back_identical() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("chinook", CHINOOK);
    let target = replicate_with(&source, &Policy::default(), 3);
    assert_identical(&source, &target);
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM public.track"),
        3503
    );
}

#[test]
fn kitchen_sink_comes_back_identical_with_deferred_primary_keys_too() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("kitchen", KITCHEN_SINK);
    for (policy, jobs) in [
        (Policy::default(), 1),
        (Policy::default().with_defer_primary_keys(true), 1),
        (Policy::default(), 4),
        (Policy::default().with_defer_primary_keys(true), 4),
    ] {
        let target = replicate_with(&source, &policy, jobs);
        assert_identical(&source, &target);
    }
}

#[test]
fn every_counter_hands_out_the_next_id_after_the_clone() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("counters", KITCHEN_SINK);
    let target = replicate(&source, &Policy::default());
    // Each insert takes its id from a sequence or an identity; source and target must
    // hand out the same value, which is past every loaded row.
    let inserts = [
        (
            "INSERT INTO public.customer (\"Full Name\", email) VALUES ('New', 'new@example.org') RETURNING id::bigint AS value",
            "public.customer",
        ),
        (
            "INSERT INTO \"Sales Ünïcode\".\"Order\" (customer_id) VALUES (10) RETURNING \"select\" AS value",
            "\"Sales Ünïcode\".\"Order\"",
        ),
        (
            "INSERT INTO \"Sales Ünïcode\".\"Order\" (customer_id) VALUES (10) RETURNING invoice_no::bigint AS value",
            "\"Sales Ünïcode\".\"Order\"",
        ),
        (
            "INSERT INTO public.booking (room, during) VALUES (9, '[2024-01-01,2024-01-02)') RETURNING id::bigint AS value",
            "public.booking",
        ),
        (
            "INSERT INTO public.measurement (taken) VALUES ('2024-02-02') RETURNING id::bigint AS value",
            "public.measurement",
        ),
    ];
    for (sql, table) in inserts {
        let expected = source.query_i64(sql);
        let got = target.query_i64(sql);
        assert_eq!(got, expected, "{table}: {sql}");
    }
    // The identity continues past the deleted row (40): 50, not 40.
    assert_eq!(
        target.query_i64("SELECT max(id)::bigint AS value FROM public.customer"),
        50
    );
}

/// A statement each constraint of the kitchen-sink schema must reject after the seal,
/// and whether base already rejects it (domains, NOT NULL, primary keys).
const VIOLATIONS: &[(&str, &str, bool)] = &[
    ("customer_email_key", "INSERT INTO public.customer (id, \"Full Name\") OVERRIDING SYSTEM VALUE VALUES (1001, 'Second NULL email')", false),
    ("customer_name_check", "INSERT INTO public.customer (id, \"Full Name\", email) OVERRIDING SYSTEM VALUE VALUES (1002, '  ', 'x@y')", false),
    ("positive_money_check", "INSERT INTO public.customer (id, \"Full Name\", email, balance) OVERRIDING SYSTEM VALUE VALUES (1003, 'Neg', 'n@y', -1)", true),
    ("Order_café_check", "INSERT INTO \"Sales Ünïcode\".\"Order\" (\"select\", customer_id, invoice_no, \"café\") VALUES (1001, 10, 1, -1)", false),
    ("order late check", "INSERT INTO \"Sales Ünïcode\".\"Order\" (\"select\", customer_id, invoice_no, placed) VALUES (1002, 10, 2, '1999-01-01')", false),
    ("Order customer", "INSERT INTO \"Sales Ünïcode\".\"Order\" (\"select\", customer_id, invoice_no) VALUES (1003, 999, 3)", false),
    ("Order invoice", "INSERT INTO \"Sales Ünïcode\".\"Order\" (\"select\", customer_id, invoice_no) SELECT 1004, 10, invoice_no FROM \"Sales Ünïcode\".\"Order\" ORDER BY 1 LIMIT 1", false),
    ("Code shape", "INSERT INTO \"Sales Ünïcode\".\"Order\" (\"select\", customer_id, invoice_no, region) VALUES (1005, 10, 5, 'abc')", true),
    ("line_qty_check", "INSERT INTO public.line VALUES (1, 9, 0, 1.00)", false),
    ("line_order_fk", "INSERT INTO public.line VALUES (999, 1, 1, 1.00)", false),
    ("line_pkey", "INSERT INTO public.line VALUES (1, 1, 1, 1.00)", true),
    ("pair_full", "INSERT INTO public.pair VALUES (1, NULL)", false),
    ("booking_no_overlap", "INSERT INTO public.booking (id, room, during) VALUES (1001, 1, '[2024-01-01 11:00, 2024-01-01 11:30)')", false),
    ("scratch_pkey", "INSERT INTO public.scratch VALUES ('x', 'again')", true),
    // The 2024 partition's key is named measurement_2025_pkey: the kitchen sink swaps them.
    ("measurement_2025_pkey", "INSERT INTO public.measurement (id, taken) SELECT id, taken FROM public.measurement ORDER BY taken LIMIT 1", true),
    ("animal_name_check", "INSERT INTO public.dog (id, name) VALUES (3, '')", false),
    ("happy_customers", "INSERT INTO public.happy_customers (\"Full Name\", email, feeling) VALUES ('Grumpy', 'g@y', 'sad')", false),
];

#[test]
fn the_sealed_target_rejects_a_violating_row_for_every_constraint() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("behaviour", KITCHEN_SINK);
    let sealed = replicate(&source, &Policy::default());
    let extractor = extract(&source);
    let base_only = TestDb::new("base_only");
    let applier = DdlApplier::new(&base_only.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Pre).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    source.load_data_into(&base_only);
    for (constraint, sql, in_base) in VIOLATIONS {
        let err = sealed
            .exec(sql)
            .err()
            .unwrap_or_else(|| panic!("{constraint}: the sealed target accepted `{sql}`"));
        // The server's message ends with the name of the object that refused the row
        // (`... violates check constraint "x"`, `... check option for view "x"`).
        assert!(
            err.ends_with(&format!(" \"{constraint}\"")),
            "{constraint}: rejected for another reason: {err}"
        );
        let before_seal = base_only.exec(sql);
        if *in_base {
            // Same constraint, same message, in a database that only has pre and base;
            // a partition's key has the name the server gave it until the seal names it.
            let without_name = |m: &str| m.rsplit_once(" \"").map(|(m, _)| m.to_owned());
            let base_err = before_seal
                .as_ref()
                .err()
                .unwrap_or_else(|| panic!("{constraint}: base should already reject it"));
            if constraint.starts_with("measurement_") {
                assert_eq!(without_name(base_err), without_name(&err), "{constraint}");
            } else {
                assert_eq!(
                    base_err, &err,
                    "{constraint}: base should already reject it"
                );
            }
        } else if *constraint == "happy_customers" {
            // The view with its CHECK OPTION does not exist before the seal.
            assert_eq!(
                before_seal,
                Err("relation \"public.happy_customers\" does not exist".to_owned())
            );
        } else {
            assert_eq!(
                before_seal,
                Ok(()),
                "{constraint}: base must accept the bulk load"
            );
        }
    }
}

#[test]
fn reflection_issues_the_same_number_of_queries_for_1_and_60_tables() {
    if !server_available() {
        return;
    }
    let script = |n: usize| {
        let mut sql =
            String::from("CREATE TABLE t0 (id serial PRIMARY KEY, v text CHECK (v <> ''));\n");
        for i in 1..n {
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id serial PRIMARY KEY, parent integer REFERENCES t{}(id), \
                 v text UNIQUE, w int DEFAULT 3 CHECK (w > 0));\n\
                 CREATE INDEX t{i}_w ON t{i} (w) WHERE w > 1;\nCOMMENT ON TABLE t{i} IS 'x';\n",
                i - 1
            ));
        }
        sql
    };
    let small = TestDb::with_script("q_small", &script(1));
    let large = TestDb::with_script("q_large", &script(60));
    let (a, b) = (extract(&small), extract(&large));
    assert_eq!(a.schema().tables.len(), 1);
    assert_eq!(b.schema().tables.len(), 60);
    // (A counter stuck at 0 would make the comparison below vacuous.)
    assert!(a.queries() > 0);
    assert_eq!(
        a.queries(),
        b.queries(),
        "queries must not grow with tables"
    );
    let queries = b.queries();
    // The per-table API reads the cached reflection, and gives each table's own DDL.
    for (table, i) in [("t1", 1), ("public.t2", 2)] {
        let p = i - 1;
        assert_eq!(
            b.table_base_ddl(table).unwrap(),
            format!(
                "CREATE TABLE \"public\".\"t{i}\" (\n    \
                 \"id\" integer DEFAULT nextval('public.t{i}_id_seq'::regclass) NOT NULL,\n    \
                 \"parent\" integer,\n    \"v\" text,\n    \"w\" integer DEFAULT 3,\n    \
                 CONSTRAINT \"t{i}_pkey\" PRIMARY KEY (id)\n);\n\
                 COMMENT ON TABLE \"public\".\"t{i}\" IS 'x';\n\
                 ALTER SEQUENCE \"public\".\"t{i}_id_seq\" OWNED BY \"public\".\"t{i}\".\"id\""
            ),
            "{table}"
        );
        assert_eq!(
            b.constraints_and_indexes_ddl(table).unwrap(),
            vec![
                format!("CREATE UNIQUE INDEX t{i}_v_key ON public.t{i} USING btree (v)"),
                format!(
                    "ALTER TABLE \"public\".\"t{i}\" ADD CONSTRAINT \"t{i}_v_key\" \
                     UNIQUE USING INDEX \"t{i}_v_key\""
                ),
                format!(
                    "ALTER TABLE \"public\".\"t{i}\" ADD CONSTRAINT \"t{i}_w_check\" \
                     CHECK ((w > 0)) NOT VALID"
                ),
                format!("ALTER TABLE \"public\".\"t{i}\" VALIDATE CONSTRAINT \"t{i}_w_check\""),
                format!(
                    "CREATE INDEX \"t{i}_w\" ON \"public\".\"t{i}\" USING btree (w) WHERE (w > 1)"
                ),
                format!(
                    "ALTER TABLE \"public\".\"t{i}\" ADD CONSTRAINT \"t{i}_parent_fkey\" \
                     FOREIGN KEY (parent) REFERENCES public.t{p}(id) NOT VALID"
                ),
                format!("ALTER TABLE \"public\".\"t{i}\" VALIDATE CONSTRAINT \"t{i}_parent_fkey\""),
            ],
            "{table}"
        );
    }
    assert_eq!(b.queries(), queries, "the per-table API issued queries");
}

#[test]
fn base_holds_no_foreign_key_trigger_or_secondary_unique_index() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("phases", KITCHEN_SINK);
    // Every table and every primary key of the source, by name: the same query on
    // source and target.
    let tables = |db: &TestDb| {
        db.lines(
            "SELECT format('%I.%I', n.nspname, c.relname) AS line FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY 1",
        )
    };
    // A partition's key is named once the seal has run (the server names it after the
    // partition in base): partitions are listed with the key they have, not its name.
    let primary_keys = |db: &TestDb| {
        db.lines(
            "SELECT co.conrelid::regclass::text || ' ' \
                    || CASE WHEN c.relispartition THEN 'a key' ELSE co.conname END AS line \
             FROM pg_constraint co \
             JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE co.contype = 'p' AND n.nspname <> 'pg_catalog' ORDER BY 1",
        )
    };
    let source_tables = tables(&source);
    let source_keys = primary_keys(&source);
    assert_eq!(source_tables.len(), 18, "{source_tables:#?}");
    assert_eq!(source_keys.len(), 10, "{source_keys:#?}");
    for defer in [false, true] {
        let extractor = DdlExtractor::open(
            &source.url(),
            &Registry::builtin().unwrap(),
            &Policy::default().with_defer_primary_keys(defer),
        )
        .unwrap();
        let target = TestDb::new("phases_target");
        let applier = DdlApplier::new(&target.url()).unwrap();
        applier.apply_phase(&extractor, Phase::Pre).unwrap();
        applier.apply_phase(&extractor, Phase::Base).unwrap();
        // Base built every table (so the zeros below are not those of an empty database).
        assert_eq!(tables(&target), source_tables, "defer={defer}");
        let count = |sql: &str| target.query_i64(sql);
        assert_eq!(count("SELECT count(*) AS value FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE co.contype IN ('f', 'u', 'x', 'c') AND n.nspname <> 'pg_catalog'"), 0);
        assert_eq!(
            count("SELECT count(*) AS value FROM pg_trigger WHERE NOT tgisinternal"),
            0
        );
        let unique_indexes = count(
            "SELECT count(*) AS value FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'pg_toast') AND NOT i.indisprimary",
        );
        assert_eq!(unique_indexes, 0, "only primary keys in base");
        // CLUSTER ON and REPLICA IDENTITY USING INDEX come with the seal, even on a
        // primary key built in base (the kitchen sink has one of each).
        assert_eq!(
            count(
                "SELECT count(*) AS value FROM pg_index \
                 WHERE indisclustered OR indisreplident"
            ),
            0,
            "no index settings in base"
        );
        let primary = primary_keys(&target);
        if defer {
            assert_eq!(
                primary,
                Vec::<String>::new(),
                "defer_primary_keys leaves no key at all in base"
            );
        } else {
            assert_eq!(primary, source_keys, "every primary key is built in base");
        }
    }
}

#[test]
fn objects_that_are_not_replicated_are_listed_as_warnings() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "warnings",
        "CREATE TABLE t (id int PRIMARY KEY, owner text);
         GRANT SELECT ON t TO PUBLIC;
         ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY own_rows ON t USING (owner = current_user);
         CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING;
         CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER quiet BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
         ALTER TABLE t DISABLE TRIGGER quiet;
         CREATE TYPE float_range AS RANGE (subtype = float8);
         CREATE CAST (float_range AS text) WITH INOUT;
         CREATE FOREIGN DATA WRAPPER sr_wrapper;
         CREATE SERVER sr_server FOREIGN DATA WRAPPER sr_wrapper;
         CREATE TABLE parted (id int) PARTITION BY RANGE (id);
         CREATE FOREIGN TABLE remote_part PARTITION OF parted FOR VALUES FROM (0) TO (10)
             SERVER sr_server;",
    );
    // The privileges, policy, row-level security, rule, range type and cast are
    // replicated (no warning); what is not is named, each with its reason.
    let mut warnings = extract(&source).warnings();
    warnings.sort();
    assert_eq!(
        warnings,
        vec![
            "foreign table \"public.remote_part\": foreign tables that are partitions are not \
             replicated",
        ]
    );
}

#[test]
fn schemas_can_be_chosen_and_an_unknown_one_is_named() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("schemas", KITCHEN_SINK);
    let registry = Registry::builtin().unwrap();
    let only = DdlExtractor::open_with(
        &source.url(),
        &registry,
        &OpenOptions::default()
            .with_reflect(ReflectOptions::with_schemas(vec!["Sales Ünïcode".into()])),
    )
    .unwrap();
    let names: Vec<String> = only
        .schema()
        .tables
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, vec!["\"Sales Ünïcode\".\"Order\""]);
    let err = DdlExtractor::open_with(
        &source.url(),
        &registry,
        &OpenOptions::default().with_reflect(ReflectOptions::with_schemas(vec!["nope".into()])),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "reflecting schema \"nope\": no such schema in the database"
    );
    let err = extract(&source).table_base_ddl("Customer").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unknown table \"Customer\" in {}; did you mean \"public\".\"customer\"?",
            source.url()
        )
    );
}

#[test]
fn connection_failures_are_one_line_and_never_show_the_password() {
    if !server_available() {
        return;
    }
    // libpq's multi-line message is joined into one line, the password shown as `***`.
    let cases = [
        (
            "postgres://postgres:s3cret-pw@127.0.0.1:1/x",
            "cannot connect to postgres://postgres:***@127.0.0.1:1/x: connection to server at \
             \"127.0.0.1\", port 1 failed: Connection refused; Is the server running on that \
             host and accepting TCP/IP connections?",
        ),
        (
            "postgres://nobody:s3cret-pw@127.0.0.1:5432/postgres",
            "cannot connect to postgres://nobody:***@127.0.0.1:5432/postgres: connection to \
             server at \"127.0.0.1\", port 5432 failed: FATAL:  role \"nobody\" does not exist",
        ),
        (
            "postgres://postgres:s3cret-pw@127.0.0.1:5432/sr_no_such_database",
            "cannot connect to postgres://postgres:***@127.0.0.1:5432/sr_no_such_database: \
             connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \
             \"sr_no_such_database\" does not exist",
        ),
    ];
    for (url, expected) in cases {
        let err = DdlExtractor::new(url).err().unwrap().to_string();
        assert_eq!(err, expected);
        let err = DdlApplier::new(url)
            .unwrap()
            .apply_ddl(&["SELECT 1".into()])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err, expected,
            "the applier reports it as the extractor does"
        );
    }
}

#[test]
fn a_seal_that_meets_orphan_rows_names_the_key_keeps_what_it_built_and_resumes_after_the_fix() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "orphans",
        "CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY, parent_id int,
             CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent(id));
         CREATE INDEX child_parent ON child (parent_id);",
    );
    let extractor = extract(&source);
    let target = TestDb::new("orphans_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    target
        .exec("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1), (2, 7), (3, 8), (4, 8), (5, NULL)")
        .unwrap();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        "seal refused: foreign key \"child_parent_fk\" on table \"public\".\"child\" has 3 orphan rows \
         (e.g. (\"parent_id\")=(7), (\"parent_id\")=(8), (\"parent_id\")=(8)); 2 of 3 statements \
         are applied and stay so, recorded in _schema_replicator.journal: fix the cause and \
         re-run the same command to resume"
    );
    // The index and the key added NOT VALID stay; the journal lists them.
    assert_eq!(
        target
            .query_i64("SELECT count(*) AS value FROM pg_indexes WHERE indexname = 'child_parent'"),
        1
    );
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        ),
        1
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM _schema_replicator.journal"),
        2
    );
    target
        .exec("DELETE FROM child WHERE parent_id > 1")
        .unwrap();
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!((report.statements, report.resumed), (3, 2));
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_constraint WHERE contype = 'f' AND convalidated"
        ),
        1
    );
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_namespace WHERE nspname = '_schema_replicator'"
        ),
        0,
        "the journal is removed when the seal completes"
    );
    assert_eq!(target.dump_schema(), source.dump_schema());
}

#[test]
fn a_failed_statement_names_its_object_and_statement_and_leaves_nothing_behind() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "failing",
        "CREATE TABLE a (id int); CREATE TABLE b (id int);",
    );
    // A view holds the table's name: the table is missing, and creating it fails.
    let target = TestDb::with_script("failing_target", "CREATE VIEW b AS SELECT 1 AS x;");
    let err = DdlApplier::new(&target.url())
        .unwrap()
        .apply_phase(&extract(&source), Phase::Base)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "table \"public\".\"b\": relation \"b\" already exists in statement \
         `CREATE TABLE \"public\".\"b\" ( \"id\" integer )`; nothing was applied (the batch runs in one transaction)"
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM pg_class WHERE relname = 'a'"),
        0,
        "table a, created before the failure, was rolled back"
    );
}

#[test]
fn a_seal_that_meets_duplicate_keys_counts_them_and_applies_nothing() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "duplicates",
        "CREATE TABLE t (id int PRIMARY KEY, k int, CONSTRAINT t_k_key UNIQUE (k));
         CREATE INDEX t_id ON t (id);",
    );
    let extractor = extract(&source);
    let target = TestDb::new("duplicates_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    target
        .exec("INSERT INTO t VALUES (1, 5), (2, 5), (3, 5), (4, 6), (5, NULL), (6, NULL)")
        .unwrap();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        "seal refused: unique constraint \"t_k_key\" on table \"public\".\"t\" has 3 rows with a \
         duplicated key (e.g. (\"k\")=(5)); nothing was applied"
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM pg_class WHERE relkind = 'i' AND relname IN ('t_k_key', 't_id')"),
        0
    );
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_namespace WHERE nspname = '_schema_replicator'"
        ),
        0,
        "a seal that applied nothing leaves no journal"
    );
}

/// A source whose foreign key and check the loaded rows violate, its base applied to a
/// target, and the rows loaded.
fn violated(tag: &str) -> (TestDb, DdlExtractor, TestDb, DdlApplier) {
    let source = TestDb::with_script(
        tag,
        "CREATE TABLE parent (id int PRIMARY KEY, code text, CONSTRAINT parent_code_key UNIQUE (code));
         CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int,
             CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent(id),
             CONSTRAINT child_qty_positive CHECK (qty > 0));
         CREATE INDEX child_parent ON child (parent_id);
         CREATE VIEW child_view AS SELECT id FROM child;",
    );
    let extractor = extract(&source);
    let target = TestDb::new(&format!("{tag}_target"));
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    target
        .exec(
            "INSERT INTO parent VALUES (1, 'a'), (2, 'b');
             INSERT INTO child VALUES (1, 1, 5), (2, 9, 5), (3, 2, -1), (4, 2, 0)",
        )
        .unwrap();
    (source, extractor, target, applier)
}

/// The error of a seal of [`violated`] with `OnViolation::Stop` on one connection: the
/// check fails first, after 4 of the 9 statements to run (the view's owner is the ninth;
/// the other owners' statements find the target holding them).
const STOPPED_AT_THE_CHECK: &str = "seal refused: check constraint \"child_qty_positive\" on \
    table \"public\".\"child\" has 2 rows failing the check (e.g. (3,2,-1), (4,2,0)); 4 of 9 \
    statements are applied and stay so, recorded in _schema_replicator.journal: fix the cause \
    and re-run the same command to resume";

#[test]
fn on_violation_not_valid_leaves_the_violated_constraints_not_valid_and_lists_them() {
    if !server_available() {
        return;
    }
    let (_source, extractor, target, applier) = violated("not_valid");
    let options = ApplyOptions::default()
        .with_jobs(2)
        .with_on_violation(OnViolation::NotValid);
    let report = applier
        .apply_phase_with(&extractor, Phase::Seal, &options)
        .unwrap();
    assert_eq!(
        report.not_valid,
        vec![
            "check constraint \"child_qty_positive\" on table \"public\".\"child\": 2 offending rows \
             (e.g. (3,2,-1), (4,2,0))"
                .to_owned(),
            "foreign key \"child_parent_fk\" on table \"public\".\"child\": 1 orphan row \
             (e.g. (\"parent_id\")=(9))"
                .to_owned(),
        ]
    );
    assert_eq!(
        target.lines(
            "SELECT conname || ' ' || convalidated AS line FROM pg_constraint \
             WHERE conrelid = 'public.child'::regclass AND contype IN ('c', 'f') ORDER BY 1"
        ),
        vec!["child_parent_fk false", "child_qty_positive false"]
    );
    // Everything else is built, and a NOT VALID constraint still guards new rows.
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_indexes WHERE indexname IN ('child_parent', 'parent_code_key')"
        ),
        2
    );
    assert_eq!(
        target.exec("INSERT INTO child VALUES (10, 1, -5)"),
        Err(
            "new row for relation \"child\" violates check constraint \"child_qty_positive\""
                .to_owned()
        )
    );
    assert_eq!(
        target.exec("INSERT INTO child VALUES (11, 99, 5)"),
        Err(
            "insert or update on table \"child\" violates foreign key constraint \"child_parent_fk\""
                .to_owned()
        )
    );
    assert_eq!(target.exec("INSERT INTO child VALUES (12, 1, 5)"), Ok(()));
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_namespace WHERE nspname = '_schema_replicator'"
        ),
        0
    );
}

#[test]
fn on_violation_stop_names_the_first_violation_and_what_stays_applied() {
    if !server_available() {
        return;
    }
    let (_source, extractor, target, applier) = violated("stop");
    let err = applier
        .apply_phase_with(&extractor, Phase::Seal, &ApplyOptions::default())
        .unwrap_err()
        .to_string();
    // Eight statements and four owners' (last): the schema's and the tables' find the
    // applying role already owning them, so the target holds them; the view's runs.
    let seal = extractor.phase_statements(Phase::Seal).unwrap();
    let owners = seal
        .iter()
        .filter(|s| s.objects.iter().all(|o| o.kind == ObjectKind::Owner))
        .count();
    assert_eq!((seal.len() - owners, owners), (8, 4));
    assert_eq!(err, STOPPED_AT_THE_CHECK);
    // The 4 applied statements, as the journal records them (by their place in the seal)
    // and as the catalog shows them: the unique constraint complete, the check and the
    // foreign key added NOT VALID.
    assert_eq!(
        target.lines(
            "SELECT ordinal || ' ' || object AS line FROM _schema_replicator.journal ORDER BY ordinal"
        ),
        vec![
            "0 unique constraint \"parent_code_key\" on table \"public\".\"parent\"",
            "1 unique constraint \"parent_code_key\" on table \"public\".\"parent\"",
            "2 check constraint \"child_qty_positive\" on table \"public\".\"child\"",
            "5 foreign key \"child_parent_fk\" on table \"public\".\"child\"",
        ]
    );
    assert_eq!(
        target.lines(
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || convalidated AS line \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
        ),
        vec![
            "child child_parent_fk false",
            "child child_pkey true",
            "child child_qty_positive false",
            "parent parent_code_key true",
            "parent parent_pkey true",
        ]
    );
    // The view runs after every other statement: nothing started after the failure.
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM pg_class WHERE relname = 'child_view'"),
        0,
        "nothing starts after the failure"
    );
    assert_eq!(
        target.lines(
            "SELECT indexname AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ),
        vec!["child_pkey", "parent_code_key", "parent_pkey"],
        "the index child_parent, after the check in the seal, is not built"
    );
}

#[test]
fn an_invalid_index_left_by_an_interrupted_build_is_dropped_and_rebuilt() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "invalid",
        "CREATE TABLE t (id int PRIMARY KEY, k int, CONSTRAINT t_k_key UNIQUE (k));
         CREATE INDEX t_k_id ON t (k, id);",
    );
    let extractor = extract(&source);
    let target = TestDb::new("invalid_target");
    let applier = DdlApplier::new(&target.url()).unwrap();
    applier.apply_phase(&extractor, Phase::Base).unwrap();
    target
        .exec("INSERT INTO t VALUES (1, 1), (2, 2), (3, 2)")
        .unwrap();
    // A concurrent build that fails leaves its index behind, invalid.
    assert_eq!(
        target.exec("CREATE UNIQUE INDEX CONCURRENTLY t_k_key ON public.t (k)"),
        Err("could not create unique index \"t_k_key\"".to_owned())
    );
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_index WHERE NOT indisvalid \
             AND indexrelid = 'public.t_k_key'::regclass"
        ),
        1
    );
    target.exec("DELETE FROM t WHERE id = 3").unwrap();
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!(
        report.rebuilt,
        vec!["unique constraint \"t_k_key\" on table \"public\".\"t\"".to_owned()]
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM pg_index WHERE NOT indisvalid"),
        0
    );
    assert_eq!(target.dump_schema(), source.dump_schema());
}

#[test]
fn a_second_run_of_the_same_seal_is_refused_while_the_first_holds_its_lock() {
    if !server_available() {
        return;
    }
    let (_source, extractor, target, applier) = violated("locked");
    let digest = schema_replicator_core::journal::batch_digest(
        &extractor.phase_statements(Phase::Seal).unwrap(),
    );
    let mut holder = target.conn();
    use diesel::connection::SimpleConnection;
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({})", digest as i64))
        .unwrap();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: another run of the same seal is under way on this database; nothing was \
             applied; wait for it to finish (or stop it) and re-run",
            schema_replicator::redact(&target.url())
        )
    );
    assert_eq!(
        target
            .query_i64("SELECT count(*) AS value FROM pg_indexes WHERE indexname = 'child_parent'"),
        0
    );
    // A session of a killed run still at work holds the workers' lock, shared.
    holder
        .batch_execute(&format!(
            "SELECT pg_advisory_unlock({key}); SELECT pg_advisory_lock_shared({})",
            digest as i64 ^ 1,
            key = digest as i64
        ))
        .unwrap();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: sessions of an earlier run of the same seal are still at work on this \
             database; nothing was applied; wait for it to finish (or stop it) and re-run",
            schema_replicator::redact(&target.url())
        )
    );
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_namespace WHERE nspname = '_schema_replicator'"
        ),
        0,
        "the refused runs applied nothing and leave no journal"
    );
    drop(holder);
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(
        err.to_string(),
        STOPPED_AT_THE_CHECK,
        "once the lock is gone, the seal runs from the start (the refused runs applied \
         nothing) and meets the loaded violations"
    );
}

/// Applications put the same trigger on many tables: PostgreSQL names triggers per
/// table, and each must come back on its own table, once.
#[test]
fn same_named_triggers_on_several_tables_each_come_back_on_their_table() {
    if !server_available() {
        return;
    }
    let mut script = String::from(
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN NEW.updated := now(); RETURN NEW; END $$;\n",
    );
    for t in ["orders", "customers", "\"Line Items\""] {
        script.push_str(&format!(
            "CREATE TABLE {t} (id int PRIMARY KEY, updated timestamptz);\n\
             CREATE TRIGGER set_updated BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION touch();\n"
        ));
    }
    let source = TestDb::with_script("same_triggers", &script);
    let extractor = extract(&source);
    let seal = extractor.phase_ddl(Phase::Seal).unwrap();
    let triggers: Vec<&String> = seal
        .iter()
        .filter(|s| s.starts_with("CREATE TRIGGER"))
        .collect();
    assert_eq!(triggers.len(), 3, "{seal:#?}");
    for on in ["public.orders", "public.customers", "public.\"Line Items\""] {
        assert_eq!(
            triggers
                .iter()
                .filter(|s| s.contains(&format!(" ON {on} ")))
                .count(),
            1,
            "{on}: {triggers:#?}"
        );
    }
    let target = replicate_with(&source, &Policy::default(), 2);
    assert_identical(&source, &target);
    assert_eq!(
        target.lines(
            "SELECT tgrelid::regclass::text || ' ' || tgname AS line FROM pg_trigger \
             WHERE NOT tgisinternal ORDER BY 1"
        ),
        [
            "\"Line Items\" set_updated",
            "customers set_updated",
            "orders set_updated"
        ]
    );
    // A re-run tells the three same-named triggers apart: it has nothing to do, then
    // rebuilds only the one dropped, then refuses the one redefined, naming its table.
    let applier = DdlApplier::new(&target.url()).unwrap();
    assert!(applier
        .apply_phase(&extractor, Phase::Seal)
        .unwrap()
        .nothing_to_do());
    target
        .exec("DROP TRIGGER set_updated ON customers")
        .unwrap();
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    // The trigger runs; the other two are there (and the owners, not counted).
    let seal = object_statements(&extractor, Phase::Seal);
    assert_eq!((report.statements, report.present), (1, seal - 1));
    assert_identical(&source, &target);
    target
        .exec(
            "DROP TRIGGER set_updated ON orders; CREATE TRIGGER set_updated BEFORE INSERT ON \
             orders FOR EACH ROW EXECUTE FUNCTION touch()",
        )
        .unwrap();
    let message = applier
        .apply_phase(&extractor, Phase::Seal)
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(
            "seal: the target already holds 1 object of this phase otherwise than the source \
             has it; nothing was applied (drop or change it in the target, then re-run):\n  \
             trigger \"public\".\"set_updated\": definition "
        ) && message.contains("BEFORE INSERT ON public.orders")
            && message.contains("BEFORE UPDATE ON public.orders"),
        "{message}"
    );
}

/// A standalone sequence with a mixed-case name, used by a column's default: the seal
/// moves it past the loaded rows, however PostgreSQL quotes its name in the default.
#[test]
fn a_mixed_case_sequence_used_by_a_default_goes_past_the_loaded_rows() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "mixed_seq",
        "CREATE SEQUENCE \"Invoice_Seq\";
         CREATE TABLE invoice (no bigint PRIMARY KEY DEFAULT nextval('\"Invoice_Seq\"'), memo text);
         INSERT INTO invoice (no, memo) SELECT n, 'loaded' FROM generate_series(1, 10) n;",
    );
    let seal = extract(&source).phase_ddl(Phase::Seal).unwrap().join(";\n");
    assert!(
        seal.contains("max(\"no\")") || seal.contains("max(no)"),
        "the counter reads the column that uses it: {seal}"
    );
    let target = replicate(&source, &Policy::default());
    assert_eq!(
        target.query_i64("INSERT INTO invoice (memo) VALUES ('new') RETURNING no AS value"),
        11,
        "the next invoice number follows the loaded ones"
    );
}

#[test]
fn constraints_left_not_valid_are_validated_by_a_re_run_once_the_rows_are_fixed() {
    if !server_available() {
        return;
    }
    let (source, extractor, target, applier) = violated("revalidate");
    let not_valid = ApplyOptions::default().with_on_violation(OnViolation::NotValid);
    let first = applier
        .apply_phase_with(&extractor, Phase::Seal, &not_valid)
        .unwrap();
    assert_eq!(first.not_valid.len(), 2);
    let status = applier.status(&extractor).unwrap();
    let seal = &status.phases[2];
    assert_eq!(
        (seal.status.missing, seal.status.different, seal.journal),
        (2, 0, None)
    );
    assert_eq!(
        seal.status.state_of(
            &extractor
                .plan()
                .phase(Phase::Seal)
                .find(|s| s.object.name == "child_qty_positive")
                .unwrap()
                .object
        ),
        Some(&schema_replicator::State::NotValidated)
    );
    assert!(!status.sealed());
    // Fixed rows: the re-run validates the two constraints and runs nothing else.
    target
        .exec("DELETE FROM child WHERE id IN (2, 3, 4)")
        .unwrap();
    let total = object_statements(&extractor, Phase::Seal);
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!((report.statements, report.present), (2, total - 2));
    assert_eq!(
        target.lines(
            "SELECT conname || ' ' || convalidated AS line FROM pg_constraint \
             WHERE conrelid = 'public.child'::regclass AND contype IN ('c', 'f') ORDER BY 1"
        ),
        vec!["child_parent_fk true", "child_qty_positive true"]
    );
    assert_eq!(target.dump_schema(), source.dump_schema());
    assert!(applier.status(&extractor).unwrap().sealed());
    assert!(applier
        .apply_phase(&extractor, Phase::Seal)
        .unwrap()
        .nothing_to_do());
}

#[test]
fn status_shows_an_interrupted_seals_journal_and_a_different_index_refuses_the_seal() {
    if !server_available() {
        return;
    }
    let (source, extractor, target, applier) = violated("status");
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    assert_eq!(err.to_string(), STOPPED_AT_THE_CHECK);
    let status = applier.status(&extractor).unwrap();
    let counts = |p: &schema_replicator::PhaseReport| {
        (
            p.status.present,
            p.status.missing,
            p.status.different,
            p.journal,
        )
    };
    assert_eq!(counts(&status.phases[1]), (2, 0, 0, None));
    // Four statements stay applied, and the journal lists them: the unique constraint
    // is there; the check and the foreign key are there NOT VALID (missing until
    // validated), and the index, the view and the view's owner are missing. The owners
    // of the schema and of the two tables are there (the applying role's).
    assert_eq!(counts(&status.phases[2]), (4, 5, 0, Some(4)));
    assert!(!status.sealed());
    // The index, built by someone else on another column, refuses the re-run before
    // anything runs.
    target
        .exec("CREATE INDEX child_parent ON child (qty)")
        .unwrap();
    target
        .exec("DELETE FROM child WHERE id IN (2, 3, 4)")
        .unwrap();
    let before = target.dump_schema();
    let err = applier.apply_phase(&extractor, Phase::Seal).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "seal: the target already holds 1 object of this phase otherwise than the source has it; \
             nothing was applied (drop or change it in the target, then re-run):\n  \
             index \"child_parent\" on table \"public\".\"child\": definition "
        ) && message.contains("USING btree (parent_id)")
            && message.contains("USING btree (qty)")
            && message.ends_with(" (source vs target)"),
        "{message}"
    );
    assert_eq!(target.dump_schema(), before, "nothing was applied");
    // Put back as the source has it, the same command resumes and finishes.
    target.exec("DROP INDEX child_parent").unwrap();
    let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!(report.resumed, 4, "{report:?}");
    assert_eq!(target.dump_schema(), source.dump_schema());
    let status = applier.status(&extractor).unwrap();
    assert!(status.sealed(), "{status:?}");
    assert_eq!(counts(&status.phases[2]).3, None, "no journal is left");
}

#[test]
fn a_failing_statement_of_a_grouped_base_is_named_and_a_re_run_finishes_after_the_fix() {
    if !server_available() {
        return;
    }
    // 80 tables: more objects than one group holds, so the base runs in groups.
    let script: String = (0..80)
        .map(|i| format!("CREATE TABLE g{i} (id int PRIMARY KEY, v text);\n"))
        .collect();
    let source = TestDb::with_script("grouped_fail", &script);
    let extractor = extract(&source);
    // A view holds the name of a table of the second group: that table is missing, and
    // creating it fails.
    let target = TestDb::with_script("grouped_fail_target", "CREATE VIEW g70 AS SELECT 1 AS x;");
    let applier = DdlApplier::new(&target.url()).unwrap();
    let err = applier
        .apply_phase(&extractor, Phase::Base)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "table \"public\".\"g70\": relation \"g70\" already exists in statement `CREATE TABLE \"public\".\"g70\""
        ) && err.ends_with(
            "; group 1 of 2 is applied and stays so (each group commits on its own): fix the \
             cause and re-run the same command to apply the rest (it skips what the target \
             holds)"
        ),
        "{err}"
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM pg_tables WHERE schemaname = 'public'"),
        64,
        "the first group stays, the second rolled back"
    );
    target.exec("DROP VIEW g70").unwrap();
    let report = applier.apply_phase(&extractor, Phase::Base).unwrap();
    assert_eq!((report.statements, report.present), (16, 64));
    applier.apply_phase(&extractor, Phase::Seal).unwrap();
    assert_eq!(target.dump_schema(), source.dump_schema());
}

#[test]
fn trigger_states_come_back_and_a_disabled_trigger_does_not_fire_in_the_copy() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "trigger_states",
        "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
         CREATE FUNCTION add_one() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN NEW.n := NEW.n + 1; RETURN NEW; END $$;
         CREATE FUNCTION add_ten() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN NEW.n := NEW.n + 10; RETURN NEW; END $$;
         CREATE FUNCTION add_hundred() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN NEW.n := NEW.n + 100; RETURN NEW; END $$;
         CREATE TRIGGER off BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION add_one();
         CREATE TRIGGER always BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION add_ten();
         CREATE TRIGGER replica BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION add_hundred();
         ALTER TABLE t DISABLE TRIGGER off;
         ALTER TABLE t ENABLE ALWAYS TRIGGER always;
         ALTER TABLE t ENABLE REPLICA TRIGGER replica;",
    );
    assert!(extract(&source).warnings().is_empty());
    let target = replicate(&source, &Policy::default());
    // pg_dump prints each state as ALTER TABLE ... DISABLE / ENABLE ALWAYS / REPLICA.
    assert_identical(&source, &target);
    // Behaviour: only the ALWAYS trigger fires on an ordinary session.
    target.exec("INSERT INTO t (id) VALUES (1)").unwrap();
    assert_eq!(
        target.query_i64("SELECT n::int8 AS value FROM t WHERE id = 1"),
        10
    );
    // A re-run has nothing to do: the states are part of each trigger.
    let applier = DdlApplier::new(&target.url()).unwrap();
    assert!(applier
        .apply_phase(&extract(&source), Phase::Seal)
        .unwrap()
        .nothing_to_do());
}

#[test]
fn what_an_extension_made_is_not_warned_about_but_privileges_changed_since_are() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "extension_members",
        "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pgcrypto;",
    );
    // The extension granted SELECT on its views to PUBLIC itself (pg_init_privs): its
    // objects come with CREATE EXTENSION, and nothing is said about them.
    assert_eq!(extract(&source).warnings(), Vec::<String>::new());
    // A privilege changed after the extension made it is the user's, as pg_dump dumps.
    source
        .exec("REVOKE SELECT ON pg_stat_statements FROM PUBLIC")
        .unwrap();
    let extractor = extract(&source);
    assert_eq!(extractor.warnings(), Vec::<String>::new());
    let seal = extractor.phase_ddl(Phase::Seal).unwrap().join("\n");
    assert!(
        seal.contains("REVOKE SELECT ON TABLE public.pg_stat_statements FROM PUBLIC"),
        "{seal}"
    );
    // No owner of what the extension made is set: CREATE EXTENSION makes it.
    assert!(!seal.contains("pg_stat_statements OWNER TO"), "{seal}");
    let target = replicate(&source, &Policy::default());
    assert_identical(&source, &target);
}

#[test]
fn pg_dump_switches_leave_out_owners_privileges_publications_and_comments() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "switches",
        "DO $$ BEGIN CREATE ROLE sr_switch_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         CREATE TABLE t (id int PRIMARY KEY);
         CREATE TABLE u (id int PRIMARY KEY);
         ALTER TABLE u OWNER TO sr_switch_owner;
         GRANT SELECT ON t TO PUBLIC;
         CREATE PUBLICATION sr_switch_pub FOR TABLE t;
         COMMENT ON TABLE t IS 'kept unless --no-comments';",
    );
    // A subscription (not connected, so that the test needs no publisher).
    source
        .exec(&format!(
            "CREATE SUBSCRIPTION sr_switch_sub_{} CONNECTION 'host=127.0.0.1 dbname=nowhere' \
             PUBLICATION p WITH (connect = false, slot_name = NONE, enabled = false)",
            source.name
        ))
        .unwrap();
    // Owners, privileges, publications and (read by a superuser) subscriptions are
    // replicated: nothing is warned about.
    assert_eq!(extract(&source).warnings(), Vec::<String>::new());
    // A role that is not a superuser cannot read a subscription's connection string:
    // it is told so, by name.
    let setup = TestDb::new("switch_roles");
    ensure_roles(&setup, &["sr_switch_reader"]);
    let reader_url = source.url().replacen("postgres@", "sr_switch_reader@", 1);
    let as_reader = DdlExtractor::new(&reader_url).unwrap();
    assert_eq!(
        as_reader.warnings(),
        [format!(
            "subscription \"sr_switch_sub_{}\": subscriptions are replicated only by a \
             superuser (their connection strings are readable by superusers only)",
            source.name
        )]
    );
    // The copy's subscription is created not connected, as pg_dump writes it.
    let target = replicate(&source, &Policy::default());
    assert_like_source(&source, &target);
    target
        .exec(&format!("DROP SUBSCRIPTION sr_switch_sub_{}", source.name))
        .unwrap();
    drop(target);
    let seal = extract(&source).phase_ddl(Phase::Seal).unwrap().join("\n");
    assert!(seal.contains("CREATE PUBLICATION sr_switch_pub"), "{seal}");
    assert!(
        seal.contains("ALTER TABLE public.u OWNER TO sr_switch_owner"),
        "{seal}"
    );
    assert!(
        seal.contains("GRANT SELECT ON TABLE public.t TO PUBLIC"),
        "{seal}"
    );
    let policy = Policy::default()
        .with_no_owner(true)
        .with_no_privileges(true)
        .with_no_publications(true)
        .with_no_subscriptions(true)
        .with_no_comments(true);
    let quiet = DdlExtractor::open(&source.url(), &Registry::builtin().unwrap(), &policy).unwrap();
    assert_eq!(quiet.warnings(), Vec::<String>::new());
    let base = quiet.phase_ddl(Phase::Base).unwrap().join("\n");
    assert!(!base.contains("COMMENT ON"), "{base}");
    let seal = quiet.phase_ddl(Phase::Seal).unwrap().join("\n");
    assert!(
        !seal.contains("OWNER TO")
            && !seal.contains("GRANT")
            && !seal.contains("PUBLICATION")
            && !seal.contains("SUBSCRIPTION"),
        "{seal}"
    );
    assert!(extract(&source)
        .phase_ddl(Phase::Base)
        .unwrap()
        .join("\n")
        .contains("COMMENT ON TABLE"));
    source
        .exec(&format!(
            "DROP SUBSCRIPTION sr_switch_sub_{}; DROP PUBLICATION sr_switch_pub; DROP TABLE u; \
             DROP ROLE sr_switch_owner",
            source.name
        ))
        .unwrap();
}

#[test]
fn objects_that_use_each_other_across_kinds_are_created_in_dependency_order() {
    if !server_available() {
        return;
    }
    // Every shape fails when types, sequences and routines are created kind by kind:
    // a domain whose check calls a function, a domain whose default draws from a
    // sequence, a function whose signature uses such a domain, a composite over it,
    // a SQL-standard function reading a table (and one calling it), called by a
    // check and by a view. Names sort against the order they need.
    let source = TestDb::with_script(
        "cross_kind_order",
        "CREATE FUNCTION public.z_is_even(n integer) RETURNS boolean
             LANGUAGE sql IMMUTABLE RETURN n % 2 = 0;
         CREATE SEQUENCE public.z_ticket_numbers START WITH 2 INCREMENT BY 2;
         CREATE DOMAIN public.a_even AS integer
             DEFAULT nextval('public.z_ticket_numbers')
             CONSTRAINT a_even_check CHECK (public.z_is_even(VALUE));
         CREATE FUNCTION public.a_half(v public.a_even) RETURNS integer
             LANGUAGE sql IMMUTABLE RETURN v / 2;
         CREATE DOMAIN public.b_small_even AS public.a_even
             CONSTRAINT b_small CHECK (public.a_half(VALUE) < 1000);
         CREATE TYPE public.a_pair AS (l public.b_small_even, r public.a_even);
         CREATE TABLE public.tickets (id public.a_even PRIMARY KEY, pair public.a_pair);
         CREATE FUNCTION public.a_ticket_count() RETURNS bigint
             LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM public.tickets; END;
         CREATE FUNCTION public.a_capacity_left() RETURNS bigint
             LANGUAGE sql STABLE BEGIN ATOMIC SELECT 100 - public.a_ticket_count(); END;
         CREATE TABLE public.limits (
             n integer CONSTRAINT within_capacity CHECK (n <= public.a_capacity_left() + 100));
         CREATE VIEW public.a_summary AS
             SELECT public.a_ticket_count() AS tickets, public.a_half(4) AS half;
         INSERT INTO public.tickets (pair) VALUES (ROW(4, 6)), (ROW(8, 10));
         INSERT INTO public.limits VALUES (1);
         CREATE DOMAIN public.c_code AS text CONSTRAINT c_code_short CHECK (length(VALUE) < 9);
         CREATE FUNCTION public.valid_code(c text) RETURNS boolean LANGUAGE sql IMMUTABLE
             BEGIN ATOMIC
                 SELECT CASE WHEN false THEN (NULL::public.c_code) IS NULL
                             ELSE length(c) = 3 END;
             END;
         ALTER DOMAIN public.c_code ADD CONSTRAINT c_code_valid CHECK (public.valid_code(VALUE));
         COMMENT ON CONSTRAINT c_code_valid ON DOMAIN public.c_code IS 'a function over the domain';
         CREATE TABLE public.codes (code public.c_code PRIMARY KEY);
         INSERT INTO public.codes VALUES ('abc');",
    );
    let extractor = extract_quietly(&source);
    // The order itself: each object after what it uses, whatever its name.
    let pre: Vec<String> = extractor
        .phase_statements(Phase::Pre)
        .unwrap()
        .iter()
        .flat_map(|s| s.objects.iter().map(|o| o.name.clone()))
        .collect();
    let at = |name: &str| {
        pre.iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{name} not in pre: {pre:?}"))
    };
    assert!(at("z_is_even") < at("a_even"), "{pre:?}");
    assert!(at("z_ticket_numbers") < at("a_even"), "{pre:?}");
    assert!(at("a_even") < at("a_half"), "{pre:?}");
    assert!(at("a_half") < at("b_small_even"), "{pre:?}");
    assert!(at("b_small_even") < at("a_pair"), "{pre:?}");
    // A domain whose check calls a function over the domain: the domain, the function,
    // then the check (a cycle, broken as pg_dump breaks it).
    assert!(at("c_code") < at("valid_code"), "{pre:?}");
    assert!(at("valid_code") < at("c_code.c_code_valid"), "{pre:?}");
    // The functions that read a table come in the seal, before the check calling them.
    assert!(!pre
        .iter()
        .any(|n| n == "a_ticket_count" || n == "a_capacity_left"));
    let seal: Vec<String> = extractor
        .phase_statements(Phase::Seal)
        .unwrap()
        .iter()
        .flat_map(|s| s.objects.iter().map(|o| o.name.clone()))
        .collect();
    let count = seal.iter().position(|n| n == "a_ticket_count").unwrap();
    let left = seal.iter().position(|n| n == "a_capacity_left").unwrap();
    let check = seal.iter().position(|n| n == "within_capacity").unwrap();
    assert!(count < left && left < check, "{seal:?}");
    for jobs in [1, 2] {
        let target = replicate_with(&source, &Policy::default(), jobs);
        assert_identical(&source, &target);
        // The domain still checks through its function, and draws from the sequence.
        assert!(target
            .exec("INSERT INTO public.tickets (id) VALUES (3)")
            .is_err());
        let refused = target
            .exec("INSERT INTO public.codes VALUES ('abcd')")
            .unwrap_err();
        assert!(refused.contains("c_code_valid"), "{refused}");
        target
            .exec("INSERT INTO public.tickets (pair) VALUES (ROW(2, 2))")
            .unwrap();
        assert_eq!(
            target.query_i64("SELECT tickets AS value FROM public.a_summary"),
            3
        );
    }
}

/// Creates cluster-wide roles the tests use, if they are not there yet (tests run in
/// parallel, so a concurrent creation is not an error).
fn ensure_roles(db: &TestDb, roles: &[&str]) {
    for role in roles {
        db.exec(&format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
    }
}

/// The number a query returns when run as `role` (logging in as it; trust auth).
fn count_as(db: &TestDb, role: &str, sql: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Value {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        value: i64,
    }
    let url = db.url().replacen("postgres@", &format!("{role}@"), 1);
    let mut conn = diesel::PgConnection::establish(&url).expect("connect as role");
    let rows: Vec<Value> = diesel::sql_query(sql).load(&mut conn).expect(sql);
    rows[0].value
}

const RULES_AND_POLICIES: &str = r#"
CREATE COLLATION public."ci Ünïcode" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
COMMENT ON COLLATION public."ci Ünïcode" IS 'case-insensitive';
CREATE SCHEMA "Other Schema";
CREATE COLLATION "Other Schema"."ci Ünïcode" (provider = libc, locale = 'C');
CREATE DOMAIN public.ci_text AS text COLLATE public."ci Ünïcode";
CREATE TABLE public.accounts (
    id integer PRIMARY KEY,
    owner_name name NOT NULL,
    email public.ci_text,
    note text COLLATE "Other Schema"."ci Ünïcode");
CREATE TABLE "Other Schema".accounts (id integer PRIMARY KEY, owner_name name NOT NULL, amount integer);
CREATE TABLE public.audit (id serial PRIMARY KEY, what text);
CREATE TABLE public.archive (id integer, what text);
CREATE VIEW public.recent AS SELECT id, what FROM public.audit;

-- The same policy name on tables of two schemas, and a hostile one.
CREATE POLICY own_rows ON public.accounts FOR SELECT TO sr_policy_reader
    USING (owner_name = CURRENT_USER);
CREATE POLICY own_rows ON "Other Schema".accounts AS RESTRICTIVE
    USING (amount >= 0) WITH CHECK (amount < 1000);
CREATE POLICY "Insert ""Ünïcode""" ON public.accounts FOR INSERT
    TO sr_policy_reader, sr_policy_writer WITH CHECK (id > 0);
COMMENT ON POLICY own_rows ON public.accounts IS 'readers see their own rows';
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Other Schema".accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Other Schema".accounts FORCE ROW LEVEL SECURITY;

-- The same rule name on two tables; a conditional rule; a disabled one; one on a view.
CREATE RULE log_insert AS ON INSERT TO public.archive
    DO INSTEAD INSERT INTO public.audit (what) VALUES ('archive ' || NEW.id);
CREATE RULE log_insert AS ON INSERT TO public.audit WHERE NEW.what = 'skip' DO INSTEAD NOTHING;
CREATE RULE "quiet delete" AS ON DELETE TO "Other Schema".accounts DO INSTEAD NOTHING;
ALTER TABLE "Other Schema".accounts DISABLE RULE "quiet delete";
CREATE RULE recent_insert AS ON INSERT TO public.recent
    DO INSTEAD INSERT INTO public.audit (what) VALUES (NEW.what);
COMMENT ON RULE log_insert ON public.archive IS 'archive goes to the audit';

-- The same statistics name in two schemas, a statistics target, expressions.
CREATE STATISTICS public.owner_stats (ndistinct, dependencies) ON owner_name, id FROM public.accounts;
CREATE STATISTICS "Other Schema".owner_stats (mcv) ON owner_name, amount FROM "Other Schema".accounts;
ALTER STATISTICS "Other Schema".owner_stats SET STATISTICS 500;
CREATE STATISTICS public.expr_stats ON (lower(owner_name)), (id % 10) FROM public.accounts;
COMMENT ON STATISTICS public.expr_stats IS 'expression statistics';

INSERT INTO public.accounts VALUES
    (1, 'sr_policy_reader', 'A@x', 'n'), (2, 'someone', 'b@x', 'n'), (3, 'sr_policy_reader', 'c@x', 'n');
INSERT INTO "Other Schema".accounts VALUES (1, 'x', 5), (2, 'y', 6);
INSERT INTO public.audit (what) VALUES ('first');
"#;

#[test]
fn rules_policies_row_security_statistics_and_collations_come_back_and_behave() {
    if !server_available() {
        return;
    }
    let setup = TestDb::new("roles");
    ensure_roles(&setup, &["sr_policy_reader", "sr_policy_writer"]);
    let source = TestDb::with_script("rules_policies", RULES_AND_POLICIES);
    let extractor = extract_quietly(&source);
    // Collations before the domain and tables that use them; the rest in the seal.
    let pre = extractor.phase_statements(Phase::Pre).unwrap();
    let first = |prefix: &str| pre.iter().position(|s| s.sql.starts_with(prefix)).unwrap();
    assert!(first("CREATE COLLATION") < first("CREATE DOMAIN"));
    for kind in [
        "CREATE RULE",
        "CREATE POLICY",
        "CREATE STATISTICS",
        "ROW LEVEL SECURITY",
    ] {
        assert!(
            extractor
                .phase_statements(Phase::Seal)
                .unwrap()
                .iter()
                .any(|s| s.sql.contains(kind)),
            "{kind} not in the seal"
        );
        for phase in [Phase::Pre, Phase::Base] {
            assert!(!extractor
                .phase_statements(phase)
                .unwrap()
                .iter()
                .any(|s| s.sql.contains(kind)));
        }
    }
    for jobs in [1, 2] {
        let target = replicate_with(&source, &Policy::default(), jobs);
        assert_identical(&source, &target);
        if jobs == 2 {
            continue;
        }
        // A policy dropped from the copy is a difference, and a re-run of the seal puts
        // back that policy alone.
        target
            .exec(r#"DROP POLICY own_rows ON "Other Schema".accounts"#)
            .unwrap();
        let differences = diff(extractor.schema(), extract(&target).schema());
        assert_eq!(
            differences
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
            [r#"policy "own_rows" on table "Other Schema"."accounts": only in A"#]
        );
        let applier = DdlApplier::new(&target.url()).unwrap();
        let report = applier.apply_phase(&extractor, Phase::Seal).unwrap();
        // The policy, and the counter sync that runs with anything of the seal.
        assert_eq!(report.statements, 2, "{report:?}");
        assert!(diff(extractor.schema(), extract(&target).schema()).is_empty());
        // A policy filters rows for a role, not for the table's owner.
        target
            .exec("GRANT SELECT ON public.accounts TO sr_policy_reader")
            .unwrap();
        let count = "SELECT count(*) AS value FROM public.accounts";
        assert_eq!(count_as(&target, "sr_policy_reader", count), 2);
        assert_eq!(target.query_i64(count), 3);
        // A rule redirects an insert; the one on the view too.
        target
            .exec("INSERT INTO public.archive VALUES (7, 'x'); INSERT INTO public.recent (what) VALUES ('via view')")
            .unwrap();
        assert_eq!(
            target.query_i64("SELECT count(*) AS value FROM public.archive"),
            0
        );
        assert_eq!(
            target.query_i64(
                "SELECT count(*) AS value FROM public.audit WHERE what IN ('archive 7', 'via view')"
            ),
            2
        );
        // A disabled rule does not fire: the delete happens.
        target
            .exec(r#"DELETE FROM "Other Schema".accounts WHERE id = 1"#)
            .unwrap();
        assert_eq!(
            target.query_i64(r#"SELECT count(*) AS value FROM "Other Schema".accounts"#),
            1
        );
        // The collation compares case-insensitively, through the domain too.
        assert_eq!(
            target.query_i64("SELECT count(*) AS value FROM public.accounts WHERE email = 'a@X'"),
            1
        );
    }
}

const OWNERS_AND_PRIVILEGES: &str = r#"
CREATE SCHEMA "Acl Schema" AUTHORIZATION sr_acl_owner;
CREATE TYPE "Acl Schema".mood AS ENUM ('ok', 'fine');
ALTER TYPE "Acl Schema".mood OWNER TO sr_acl_owner;
CREATE DOMAIN "Acl Schema".positive AS integer CHECK (VALUE > 0);
ALTER DOMAIN "Acl Schema".positive OWNER TO sr_acl_owner;
REVOKE USAGE ON DOMAIN "Acl Schema".positive FROM PUBLIC;
GRANT USAGE ON DOMAIN "Acl Schema".positive TO sr_acl_reader;
CREATE SEQUENCE "Acl Schema".tickets;
ALTER SEQUENCE "Acl Schema".tickets OWNER TO sr_acl_owner;
GRANT USAGE ON SEQUENCE "Acl Schema".tickets TO sr_acl_reader;
CREATE TABLE "Acl Schema".accounts (id serial PRIMARY KEY, "Owner Name" text, balance integer);
ALTER TABLE "Acl Schema".accounts OWNER TO sr_acl_owner;
GRANT SELECT ON "Acl Schema".accounts TO sr_acl_reader;
GRANT UPDATE ("Owner Name"), INSERT (balance) ON "Acl Schema".accounts TO sr_acl_reader;
GRANT SELECT, INSERT ON "Acl Schema".accounts TO sr_acl_grantor WITH GRANT OPTION;
GRANT USAGE ON SCHEMA "Acl Schema" TO sr_acl_reader, sr_acl_writer, sr_acl_grantor;
SET ROLE sr_acl_grantor;
GRANT INSERT ON "Acl Schema".accounts TO sr_acl_writer;
RESET ROLE;
GRANT USAGE ON SEQUENCE "Acl Schema".accounts_id_seq TO sr_acl_writer;
REVOKE DELETE ON "Acl Schema".accounts FROM sr_acl_owner;
CREATE TABLE public.plain (id integer PRIMARY KEY);
CREATE VIEW "Acl Schema".rich AS SELECT id FROM "Acl Schema".accounts WHERE balance > 100;
ALTER VIEW "Acl Schema".rich OWNER TO sr_acl_owner;
GRANT SELECT ON "Acl Schema".rich TO sr_acl_writer;
CREATE FUNCTION "Acl Schema".double(n integer) RETURNS integer LANGUAGE sql RETURN n * 2;
ALTER FUNCTION "Acl Schema".double(integer) OWNER TO sr_acl_owner;
REVOKE EXECUTE ON FUNCTION "Acl Schema".double(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "Acl Schema".double(integer) TO sr_acl_reader;
CREATE PROCEDURE public.noop() LANGUAGE sql AS 'SELECT 1';
REVOKE ALL ON PROCEDURE public.noop() FROM PUBLIC;
GRANT CREATE ON SCHEMA public TO sr_acl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE sr_acl_owner IN SCHEMA "Acl Schema"
    GRANT SELECT ON TABLES TO sr_acl_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE sr_acl_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE sr_acl_owner GRANT USAGE ON SEQUENCES TO sr_acl_writer;
INSERT INTO "Acl Schema".accounts ("Owner Name", balance) VALUES ('a', 150), ('b', 5);
"#;

#[test]
fn owners_and_privileges_come_back_and_roles_the_target_lacks_are_refused_first() {
    if !server_available() {
        return;
    }
    let setup = TestDb::new("acl_roles");
    let roles = [
        "sr_acl_owner",
        "sr_acl_reader",
        "sr_acl_writer",
        "sr_acl_grantor",
        "sr_acl_gone",
        "sr_acl_gone_owner",
    ];
    ensure_roles(&setup, &roles);
    let source = TestDb::with_script("acl", OWNERS_AND_PRIVILEGES);
    let extractor = extract_quietly(&source);
    // Owners and privileges are the seal's last statements: the role that loads the
    // data owns every table until then.
    let seal = extractor.phase_statements(Phase::Seal).unwrap();
    let first = seal
        .iter()
        .position(|s| s.objects[0].kind.names_its_object())
        .unwrap();
    assert!(seal[first..]
        .iter()
        .all(|s| s.objects[0].kind.names_its_object()));
    for phase in [Phase::Pre, Phase::Base] {
        let ddl = extractor.phase_ddl(phase).unwrap().join("\n");
        assert!(
            !ddl.contains("OWNER TO") && !ddl.contains("GRANT "),
            "{ddl}"
        );
    }
    for jobs in [1, 2] {
        let target = replicate_with(&source, &Policy::default(), jobs);
        // pg_dump prints every owner, GRANT and REVOKE, default privileges included.
        assert_identical(&source, &target);
        // A re-run has nothing to do.
        let applier = DdlApplier::new(&target.url()).unwrap();
        assert!(applier
            .apply_phase(&extractor, Phase::Seal)
            .unwrap()
            .nothing_to_do());
        if jobs == 2 {
            continue;
        }
        // Behaviour: the reader reads, the writer may not; the grantor's grant works.
        let count = r#"SELECT count(*) AS value FROM "Acl Schema".accounts"#;
        assert_eq!(count_as(&target, "sr_acl_reader", count), 2);
        let refused = std::panic::catch_unwind(|| count_as(&target, "sr_acl_writer", count));
        assert!(refused.is_err(), "a role without the grant reads the table");
        assert_eq!(
            count_as(
                &target,
                "sr_acl_writer",
                r#"WITH i AS (INSERT INTO "Acl Schema".accounts (balance) VALUES (1) RETURNING 1)
                   SELECT count(*) AS value FROM i"#
            ),
            1
        );
    }

    // Roles the target lacks: the extraction holds a grantee and an owner that the
    // cluster no longer has, and the clone is refused before anything runs.
    source
        .exec(
            "CREATE TABLE public.orphaned (id integer);
             ALTER TABLE public.orphaned OWNER TO sr_acl_gone_owner;
             GRANT SELECT ON public.plain TO sr_acl_gone;",
        )
        .unwrap();
    let stale = extract(&source);
    source
        .exec(
            "DROP TABLE public.orphaned; REVOKE SELECT ON public.plain FROM sr_acl_gone;
             DROP ROLE sr_acl_gone; DROP ROLE sr_acl_gone_owner;",
        )
        .unwrap();
    let target = TestDb::new("acl_missing");
    let applier = DdlApplier::new(&target.url()).unwrap();
    let err = applier
        .apply_phase(&stale, Phase::Pre)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "the roles: the target has no role \"sr_acl_gone\" (privileges on table \
         \"public\".\"plain\"), \"sr_acl_gone_owner\" (owner of table \"public\".\"orphaned\"); \
         nothing was applied; create the roles, or re-run with --no-owner (-O) and \
         --no-privileges (-x) to leave owners and privileges out"
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM pg_namespace WHERE nspname = 'Acl Schema'"),
        0,
        "nothing of pre was applied"
    );
    // Without owners and privileges the same extraction applies.
    let policy = Policy::default()
        .with_no_owner(true)
        .with_no_privileges(true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.json");
    std::fs::write(&path, schema_replicator::snapshot::to_json(stale.schema())).unwrap();
    let quiet = DdlExtractor::open(
        path.to_str().unwrap(),
        &Registry::builtin().unwrap(),
        &policy,
    )
    .unwrap();
    for phase in [Phase::Pre, Phase::Base, Phase::Seal] {
        applier.apply_phase(&quiet, phase).unwrap();
    }
    assert_eq!(
        target.lines(
            "SELECT pg_get_userbyid(relowner)::text AS line FROM pg_class \
             WHERE relname IN ('orphaned', 'accounts') ORDER BY relname"
        ),
        ["postgres", "postgres"]
    );
}

const TYPES_OPERATORS_AND_SEARCH: &str = r#"
CREATE SCHEMA "Kinds Ünïcode";
CREATE FUNCTION "Kinds Ünïcode".float_diff(a float8, b float8) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT RETURN a - b;
CREATE TYPE "Kinds Ünïcode"."float range" AS RANGE (
    subtype = float8, subtype_diff = "Kinds Ünïcode".float_diff,
    multirange_type_name = "Kinds Ünïcode"."float ranges");
COMMENT ON TYPE "Kinds Ünïcode"."float range" IS 'a range over a function';
CREATE DOMAIN "Kinds Ünïcode".short_range AS "Kinds Ünïcode"."float range"
    CHECK (upper(VALUE) - lower(VALUE) < 100);
CREATE FUNCTION "Kinds Ünïcode".width(r "Kinds Ünïcode"."float range") RETURNS float8
    LANGUAGE sql IMMUTABLE RETURN upper(r) - lower(r);
CREATE FUNCTION public.approx_eq(a integer, b integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE RETURN abs(a - b) <= 1;
CREATE OPERATOR public.=~= (FUNCTION = public.approx_eq, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = OPERATOR(public.=~=));
CREATE FUNCTION public.not_approx_eq(a integer, b integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE RETURN abs(a - b) > 1;
CREATE OPERATOR public.!~= (FUNCTION = public.not_approx_eq, LEFTARG = integer, RIGHTARG = integer,
    NEGATOR = OPERATOR(public.=~=));
CREATE OPERATOR "Kinds Ünïcode".=~= (FUNCTION = public.approx_eq, LEFTARG = integer,
    RIGHTARG = integer);
COMMENT ON OPERATOR public.=~= (integer, integer) IS 'close enough';
CREATE TYPE public.money_pair AS (amount numeric, currency text);
CREATE FUNCTION public.pair_to_text(p public.money_pair) RETURNS text
    LANGUAGE sql IMMUTABLE RETURN p.amount || ' ' || p.currency;
CREATE CAST (public.money_pair AS text) WITH FUNCTION public.pair_to_text(public.money_pair)
    AS ASSIGNMENT;
COMMENT ON CAST (public.money_pair AS text) IS 'a cast over a function';
CREATE TEXT SEARCH DICTIONARY "Kinds Ünïcode"."simple stop" (
    TEMPLATE = pg_catalog.simple, stopwords = 'english');
CREATE TEXT SEARCH CONFIGURATION "Kinds Ünïcode"."my english" (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION "Kinds Ünïcode"."my english"
    ADD MAPPING FOR asciiword, word WITH "Kinds Ünïcode"."simple stop", pg_catalog.english_stem;
ALTER TEXT SEARCH CONFIGURATION "Kinds Ünïcode"."my english"
    ADD MAPPING FOR int WITH pg_catalog.simple;
COMMENT ON TEXT SEARCH CONFIGURATION "Kinds Ünïcode"."my english" IS 'search';
CREATE TABLE public.bookings (
    id integer PRIMARY KEY,
    slot "Kinds Ünïcode".short_range,
    slots "Kinds Ünïcode"."float ranges",
    body text);
CREATE INDEX bookings_search ON public.bookings
    USING gin (to_tsvector('"Kinds Ünïcode"."my english"'::regconfig, body));
CREATE TABLE public.audit_log (id serial PRIMARY KEY, tag text);
CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO public.audit_log (tag) VALUES (tg_tag); END $$;
CREATE EVENT TRIGGER "log DDL" ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')
    EXECUTE FUNCTION public.log_ddl();
CREATE EVENT TRIGGER log_off ON ddl_command_start EXECUTE FUNCTION public.log_ddl();
ALTER EVENT TRIGGER log_off DISABLE;
COMMENT ON EVENT TRIGGER "log DDL" IS 'logs table DDL';
CREATE PUBLICATION "all of it" FOR ALL TABLES WITH (publish = 'insert, update');
CREATE PUBLICATION some_rows FOR TABLE public.bookings (id, body) WHERE (id > 10),
    TABLE public.audit_log;
CREATE PUBLICATION by_schema FOR TABLES IN SCHEMA "Kinds Ünïcode"
    WITH (publish_via_partition_root = true);
COMMENT ON PUBLICATION some_rows IS 'a row filter and a column list';
INSERT INTO public.bookings VALUES (1, '[1, 5)', '{[1, 2), [3, 4)}', 'the quick brown foxes');
"#;

#[test]
fn ranges_operators_casts_text_search_event_triggers_and_publications_come_back() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script("kinds", TYPES_OPERATORS_AND_SEARCH);
    let extractor = extract_quietly(&source);
    // The range before the domain over it and the function over it; the operator
    // after its function; event triggers last of all.
    let pre = extractor.phase_ddl(Phase::Pre).unwrap();
    let at = |text: &str| {
        pre.iter()
            .position(|s| s.contains(text))
            .unwrap_or_else(|| panic!("{text} not in pre: {pre:#?}"))
    };
    assert!(at("float_diff(a double precision") < at("AS RANGE"));
    assert!(at("AS RANGE") < at("CREATE DOMAIN"));
    assert!(at("AS RANGE") < at("width(r "));
    assert!(at("approx_eq(a integer") < at("CREATE OPERATOR public.=~="));
    assert!(at("pair_to_text(p ") < at("CREATE CAST"));
    assert!(at("CREATE TEXT SEARCH DICTIONARY") < at("CREATE TEXT SEARCH CONFIGURATION"));
    let seal = extractor.phase_ddl(Phase::Seal).unwrap();
    assert!(seal.last().unwrap().contains("EVENT TRIGGER"), "{seal:#?}");
    let target = replicate(&source, &Policy::default());
    assert_identical(&source, &target);
    // Behaviour: the range, the operator, the cast and the search configuration work;
    // the enabled event trigger logs a CREATE TABLE, the disabled one does not fire.
    assert_eq!(
        target.query_i64(
            r#"SELECT count(*) AS value FROM public.bookings
               WHERE "Kinds Ünïcode".width(slot) = 4 AND 3 =~= 4 AND NOT 3 !~= 4
                 AND CAST(ROW(2, 'EUR')::public.money_pair AS text) = '2 EUR'
                 AND to_tsvector('"Kinds Ünïcode"."my english"', body)
                     @@ plainto_tsquery('"Kinds Ünïcode"."my english"', 'the FOXES')"#
        ),
        1
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM public.audit_log"),
        0,
        "no event trigger fired during the copy"
    );
    target.exec("CREATE TABLE public.later (id int)").unwrap();
    assert_eq!(
        target.lines("SELECT tag AS line FROM public.audit_log"),
        ["CREATE TABLE"]
    );
    // A re-run has nothing to do.
    let applier = DdlApplier::new(&target.url()).unwrap();
    for phase in [Phase::Pre, Phase::Base, Phase::Seal] {
        let report = applier.apply_phase(&extractor, phase).unwrap();
        assert!(report.nothing_to_do(), "{phase}: {report:?}");
    }
}

#[test]
fn moving_ordered_set_and_hypothetical_set_aggregates_come_back_and_compute() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "aggregates",
        r#"CREATE FUNCTION public.sum_add(s bigint, v integer) RETURNS bigint
               LANGUAGE sql IMMUTABLE RETURN coalesce(s, 0) + v;
           CREATE FUNCTION public.sum_sub(s bigint, v integer) RETURNS bigint
               LANGUAGE sql IMMUTABLE RETURN s - v;
           CREATE AGGREGATE public."moving sum"(integer) (
               SFUNC = public.sum_add, STYPE = bigint,
               MSFUNC = public.sum_add, MINVFUNC = public.sum_sub, MSTYPE = bigint,
               MINITCOND = '0');
           CREATE AGGREGATE public.my_percentile(float8 ORDER BY anyelement) (
               SFUNC = ordered_set_transition, STYPE = internal,
               FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
           CREATE AGGREGATE public.my_rank(VARIADIC "any" ORDER BY VARIADIC "any") (
               SFUNC = ordered_set_transition_multi, STYPE = internal,
               FINALFUNC = rank_final, FINALFUNC_EXTRA, HYPOTHETICAL);
           COMMENT ON AGGREGATE public.my_percentile(float8 ORDER BY anyelement) IS 'ordered';
           CREATE TABLE public.readings (n integer);
           INSERT INTO public.readings SELECT generate_series(1, 10);"#,
    );
    extract_quietly(&source);
    let target = replicate(&source, &Policy::default());
    assert_identical(&source, &target);
    // Each computes in the copy: a moving window sum, a percentile, a rank.
    assert_eq!(
        target.query_i64(
            r#"SELECT max(s)::int8 AS value FROM (
                   SELECT public."moving sum"(n) OVER (ORDER BY n ROWS BETWEEN 2 PRECEDING
                                                       AND CURRENT ROW) AS s
                   FROM public.readings) w"#
        ),
        27
    );
    assert_eq!(
        target.query_i64(
            "SELECT (public.my_percentile(0.5) WITHIN GROUP (ORDER BY n))::int8 AS value \
             FROM public.readings"
        ),
        5
    );
    assert_eq!(
        target.query_i64(
            "SELECT public.my_rank(4) WITHIN GROUP (ORDER BY n) AS value FROM public.readings"
        ),
        4
    );
}

#[test]
fn foreign_data_wrappers_servers_mappings_foreign_tables_languages_and_the_rest_come_back() {
    if !server_available() {
        return;
    }
    let setup = TestDb::new("fdw_roles");
    ensure_roles(&setup, &["sr_fdw_user"]);
    let source = TestDb::with_script(
        "fdw",
        r#"CREATE FOREIGN DATA WRAPPER "Remote Wrapper" OPTIONS (debug 'true');
           COMMENT ON FOREIGN DATA WRAPPER "Remote Wrapper" IS 'no handler: tables only';
           CREATE SERVER "far away" TYPE 'pg' VERSION '15' FOREIGN DATA WRAPPER "Remote Wrapper"
               OPTIONS (host 'remote.example', "port" '5433');
           CREATE USER MAPPING FOR sr_fdw_user SERVER "far away" OPTIONS (user 'r', password 'it''s');
           CREATE USER MAPPING FOR PUBLIC SERVER "far away";
           GRANT USAGE ON FOREIGN SERVER "far away" TO sr_fdw_user;
           CREATE TYPE public.mood AS ENUM ('ok', 'fine');
           CREATE FOREIGN TABLE public."remote rows" (
               id integer OPTIONS (column_name 'ID') NOT NULL,
               label text COLLATE "C" DEFAULT 'x',
               feeling public.mood,
               CONSTRAINT positive CHECK (id > 0)
           ) SERVER "far away" OPTIONS (schema_name 'public', table_name 'rows');
           COMMENT ON FOREIGN TABLE public."remote rows" IS 'rows elsewhere';
           COMMENT ON COLUMN public."remote rows".label IS 'a label';
           GRANT SELECT ON public."remote rows" TO sr_fdw_user;
           CREATE VIEW public.remote_ids AS SELECT id FROM public."remote rows";
           CREATE TEXT SEARCH PARSER public.my_parser (START = prsd_start,
               GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype,
               HEADLINE = prsd_headline);
           CREATE TEXT SEARCH TEMPLATE public.my_template (LEXIZE = dsimple_lexize,
               INIT = dsimple_init);
           CREATE TEXT SEARCH DICTIONARY public.my_dict (TEMPLATE = public.my_template);
           CREATE TEXT SEARCH CONFIGURATION public.my_config (PARSER = public.my_parser);
           ALTER TEXT SEARCH CONFIGURATION public.my_config ADD MAPPING FOR word WITH public.my_dict;
           COMMENT ON SCHEMA public IS 'the application''s';
           CREATE CONVERSION public."my conversion" FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
           CREATE ACCESS METHOD "my btree" TYPE INDEX HANDLER bthandler;
           COMMENT ON ACCESS METHOD "my btree" IS 'a second b-tree';
           CREATE TRUSTED LANGUAGE "my plpgsql" HANDLER plpgsql_call_handler
               INLINE plpgsql_inline_handler VALIDATOR plpgsql_validator;
           CREATE FUNCTION public.tf_from(internal) RETURNS internal LANGUAGE internal
               IMMUTABLE STRICT AS 'int4recv';
           CREATE FUNCTION public.tf_to(internal) RETURNS integer LANGUAGE internal
               IMMUTABLE STRICT AS 'int4recv';
           CREATE TRANSFORM FOR integer LANGUAGE "my plpgsql" (
               FROM SQL WITH FUNCTION public.tf_from(internal),
               TO SQL WITH FUNCTION public.tf_to(internal));
           CREATE FUNCTION public.in_my_language() RETURNS integer LANGUAGE "my plpgsql"
               AS $$ BEGIN RETURN 7; END $$;"#,
    );
    let extractor = extract_quietly(&source);
    let base = extractor.phase_ddl(Phase::Base).unwrap().join("\n");
    assert!(base.contains("CREATE FOREIGN TABLE"), "{base}");
    let target = replicate(&source, &Policy::default());
    // pg_dump prints the wrapper, server, mappings (with their options), the foreign
    // table with its column options, and the public schema's comment alike. (pg_restore
    // cannot restore this schema: pg_dump writes a language whose handlers are the
    // server's own in its short form, `CREATE PROCEDURAL LANGUAGE "my plpgsql"`, for
    // which the server looks for an extension; the copy is compared with the source.)
    assert_like_source(&source, &target);
    assert_eq!(
        target.lines(
            "SELECT array_to_string(umoptions, ',') AS line FROM pg_user_mappings \
             WHERE usename = 'sr_fdw_user'"
        ),
        ["user=r,password=it's"]
    );
    assert_eq!(
        target.query_i64("SELECT count(*) AS value FROM ts_parse('public.my_parser', 'two words')"),
        3
    );
    // A function in the copy's own language runs.
    assert_eq!(
        target.query_i64("SELECT public.in_my_language()::int8 AS value"),
        7
    );
    // --no-comments leaves the public schema's comment out too.
    let quiet = DdlExtractor::open(
        &source.url(),
        &Registry::builtin().unwrap(),
        &Policy::default().with_no_comments(true),
    )
    .unwrap();
    assert!(!quiet
        .phase_ddl(Phase::Pre)
        .unwrap()
        .join("\n")
        .contains("COMMENT ON SCHEMA public"));
}

#[test]
fn a_base_type_comes_after_its_shell_and_functions_and_before_what_uses_it() {
    if !server_available() {
        return;
    }
    // The type's functions name the type, and the type names its functions: the shell
    // breaks the cycle. A domain, a function and a table use the type.
    let source = TestDb::with_script(
        "base_type",
        r#"CREATE TYPE public."small box";
           CREATE FUNCTION public.small_box_in(cstring) RETURNS public."small box"
               LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
           CREATE FUNCTION public.small_box_out(public."small box") RETURNS cstring
               LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
           CREATE FUNCTION public.small_box_recv(internal) RETURNS public."small box"
               LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
           CREATE FUNCTION public.small_box_send(public."small box") RETURNS bytea
               LANGUAGE internal IMMUTABLE STRICT AS 'int4send';
           CREATE TYPE public."small box" (INPUT = public.small_box_in,
               OUTPUT = public.small_box_out, RECEIVE = public.small_box_recv,
               SEND = public.small_box_send, LIKE = integer, CATEGORY = 'N', DEFAULT = '7');
           COMMENT ON TYPE public."small box" IS 'an integer in a box';
           CREATE DOMAIN public.boxes AS public."small box"[];
           CREATE FUNCTION public.unbox(b public."small box") RETURNS text
               LANGUAGE sql IMMUTABLE RETURN b::text;
           CREATE TABLE public.crates (id integer PRIMARY KEY, content public."small box",
               stack public.boxes);
           INSERT INTO public.crates VALUES (1, '42', '{1,2}');"#,
    );
    let extractor = extract_quietly(&source);
    let pre = extractor.phase_ddl(Phase::Pre).unwrap();
    let at = |text: &str| {
        pre.iter()
            .position(|s| s.starts_with(text))
            .unwrap_or_else(|| panic!("{text} not in pre: {pre:#?}"))
    };
    let shell = pre
        .iter()
        .position(|s| s == "CREATE TYPE public.\"small box\"")
        .expect("the shell");
    assert!(shell < at("CREATE OR REPLACE FUNCTION public.small_box_in"));
    assert!(
        at("CREATE OR REPLACE FUNCTION public.small_box_out")
            < at("CREATE TYPE public.\"small box\" (INPUT")
    );
    assert!(at("CREATE TYPE public.\"small box\" (INPUT") < at("CREATE DOMAIN"));
    let target = replicate(&source, &Policy::default());
    assert_identical(&source, &target);
    assert_eq!(
        target
            .lines("SELECT public.unbox(content) || ' ' || stack::text AS line FROM public.crates"),
        ["42 {1,2}"]
    );
}

#[test]
fn operator_classes_and_families_come_back_with_their_members_and_serve_indexes() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "opclasses",
        r#"CREATE FUNCTION public.rev_cmp(a integer, b integer) RETURNS integer
               LANGUAGE sql IMMUTABLE STRICT RETURN btint4cmp(b, a);
           -- A class that makes its own family.
           CREATE OPERATOR CLASS public."reversed ops" FOR TYPE integer USING btree AS
               OPERATOR 1 >, OPERATOR 2 >=, OPERATOR 3 =, OPERATOR 4 <=, OPERATOR 5 <,
               FUNCTION 1 public.rev_cmp(integer, integer);
           COMMENT ON OPERATOR CLASS public."reversed ops" USING btree IS 'biggest first';
           -- A family of its own, with a class in it and a loose cross-type member.
           CREATE OPERATOR FAMILY public.int_family USING btree;
           CREATE OPERATOR CLASS public.int4_in_family FOR TYPE integer USING btree
               FAMILY public.int_family AS
               OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
               FUNCTION 1 btint4cmp(integer, integer);
           CREATE OPERATOR CLASS public.int8_in_family FOR TYPE bigint USING btree
               FAMILY public.int_family AS
               OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
               FUNCTION 1 btint8cmp(bigint, bigint);
           ALTER OPERATOR FAMILY public.int_family USING btree ADD
               OPERATOR 1 < (integer, bigint), OPERATOR 3 = (integer, bigint),
               FUNCTION 1 (integer, bigint) btint48cmp(integer, bigint);
           COMMENT ON OPERATOR FAMILY public.int_family USING btree IS 'cross-type';
           CREATE TABLE public.scores (n integer, m bigint);
           CREATE INDEX scores_desc ON public.scores (n public."reversed ops");
           CREATE INDEX scores_family ON public.scores (n public.int4_in_family);
           INSERT INTO public.scores SELECT g, g FROM generate_series(1, 5) g;"#,
    );
    extract_quietly(&source);
    let target = replicate(&source, &Policy::default());
    assert_identical(&source, &target);
    // The indexes use the copy's classes, and the family holds its cross-type member.
    assert_eq!(
        target.lines(
            "SELECT c.relname || ' ' || o.opcname AS line FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_opclass o ON o.oid = i.indclass[0] \
             WHERE c.relname LIKE 'scores_%' ORDER BY 1"
        ),
        ["scores_desc reversed ops", "scores_family int4_in_family"]
    );
    assert_eq!(
        target.query_i64(
            "SELECT count(*) AS value FROM pg_amop a JOIN pg_opfamily f ON f.oid = a.amopfamily \
             WHERE f.opfname = 'int_family' AND a.amoplefttype <> a.amoprighttype"
        ),
        2
    );
}

/// Creates a tablespace in a new directory the server's user owns (the tests run as
/// root on the development and CI machines); `None` when that cannot be done here.
fn tablespace(db: &TestDb, name: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let owned = std::process::Command::new("chown")
        .args(["postgres:postgres", dir.to_str()?])
        .status()
        .ok()?
        .success();
    if !owned {
        return None;
    }
    db.exec(&format!(
        "CREATE TABLESPACE {name} LOCATION '{}'",
        dir.display()
    ))
    .ok()?;
    Some(dir)
}

#[test]
fn tables_views_and_indexes_come_back_in_their_tablespaces_and_no_tablespaces_leaves_them_out() {
    if !server_available() {
        return;
    }
    let setup = TestDb::new("tablespaces");
    let pid = std::process::id();
    let (a, b) = (format!("sr_ts_a_{pid}"), format!("sr_ts_b_{pid}"));
    let (Some(dir_a), Some(dir_b)) = (tablespace(&setup, &a), tablespace(&setup, &b)) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to create tablespaces (run the tests as root)"
        );
        eprintln!("skipped: no tablespace can be created here (the tests do not run as root)");
        return;
    };
    {
        let source = TestDb::with_script(
            "ts_source",
            &format!(
                "CREATE TABLE public.hot (id integer, v integer, w integer,
                     CONSTRAINT hot_pkey PRIMARY KEY (id) USING INDEX TABLESPACE {b})
                     TABLESPACE {a};
                 CREATE UNIQUE INDEX hot_v ON public.hot (v) TABLESPACE {b} WHERE v > 0;
                 CREATE INDEX hot_w ON public.hot (w) TABLESPACE {a};
                 ALTER TABLE public.hot ADD CONSTRAINT hot_w_key UNIQUE (w)
                     USING INDEX TABLESPACE {b} DEFERRABLE;
                 CREATE TABLE public.parts (id integer, PRIMARY KEY (id) USING INDEX TABLESPACE {b})
                     PARTITION BY RANGE (id) TABLESPACE {a};
                 CREATE TABLE public.parts_1 PARTITION OF public.parts FOR VALUES FROM (0) TO (10);
                 CREATE TABLE public.cold (id integer PRIMARY KEY);
                 CREATE MATERIALIZED VIEW public.hot_summary TABLESPACE {a} AS
                     SELECT v, count(*) AS n FROM public.hot GROUP BY v;
                 CREATE INDEX hot_summary_n ON public.hot_summary (n) TABLESPACE {b}
                     WHERE n > 0;
                 INSERT INTO public.hot VALUES (1, 1, 1), (2, 2, 2);
                 INSERT INTO public.parts VALUES (1);"
            ),
        );
        let extractor = extract(&source);
        assert!(
            extractor.warnings().is_empty(),
            "{:?}",
            extractor.warnings()
        );
        for defer in [false, true] {
            let policy = Policy::default().with_defer_primary_keys(defer);
            let target = replicate(&source, &policy);
            // pg_dump writes each object's `SET default_tablespace`: the copy's match.
            assert_identical(&source, &target);
        }
        // Without tablespaces everything is in the default one, and nothing is said.
        let quiet = DdlExtractor::open(
            &source.url(),
            &Registry::builtin().unwrap(),
            &Policy::default().with_no_tablespaces(true),
        )
        .unwrap();
        let all: Vec<String> = [Phase::Pre, Phase::Base, Phase::Seal]
            .into_iter()
            .flat_map(|p| quiet.phase_ddl(p).unwrap())
            .collect();
        assert!(!all.join("\n").contains("TABLESPACE"), "{all:#?}");
        assert!(quiet.warnings().is_empty());
    }
    // The databases are gone; the tablespaces can go.
    for name in [&a, &b] {
        setup.exec(&format!("DROP TABLESPACE {name}")).unwrap();
    }
    let _ = (
        std::fs::remove_dir_all(dir_a),
        std::fs::remove_dir_all(dir_b),
    );
}

/// A clone into an empty database puts no rows in its tables, so its seal runs in
/// groups of statements, each group one transaction, without a journal row per
/// statement; the copy is the same as pg_dump and pg_restore make it, and the copy's
/// event triggers fired on none of the seal's statements.
#[test]
fn a_clone_into_an_empty_database_seals_in_groups_and_matches_pg_dump() {
    if !server_available() {
        return;
    }
    let setup = TestDb::new("grouped_roles");
    ensure_roles(
        &setup,
        &[
            "sr_policy_reader",
            "sr_policy_writer",
            "sr_acl_owner",
            "sr_acl_reader",
            "sr_acl_writer",
            "sr_acl_grantor",
        ],
    );
    let registry = Registry::builtin().unwrap();
    for (tag, script) in [
        ("grouped_sink", KITCHEN_SINK),
        ("grouped_kinds", TYPES_OPERATORS_AND_SEARCH),
        ("grouped_rules", RULES_AND_POLICIES),
    ] {
        let source = TestDb::with_script(tag, script);
        let extractor = extract_quietly(&source);
        let target = TestDb::new(&format!("{tag}_copy"));
        // What the empty database lacks of the seal (it holds the public schema's owner).
        let seal = DdlApplier::new(&target.url())
            .unwrap()
            .pending_statements(&extractor, Phase::Seal)
            .unwrap()
            .len();
        let totals = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = totals.clone();
        let options = ApplyOptions::default()
            .with_jobs(2)
            .with_progress(std::sync::Arc::new(
                move |p: &schema_replicator::Progress| heard.lock().unwrap().push(p.total),
            ));
        let report =
            schema_replicator::clone_extracted(&extractor, &target.url(), &registry, &options)
                .unwrap_or_else(|e| panic!("clone {tag}: {e}"));
        let (phase, sealed) = &report.phases[2];
        assert_eq!(*phase, Phase::Seal);
        assert_eq!(sealed.statements, seal, "{tag}: statements of the seal");
        // The last phase's progress counts groups: fewer than its statements.
        let last_total = *totals.lock().unwrap().last().unwrap();
        assert!(
            last_total < seal,
            "{tag}: {last_total} units for {seal} statements"
        );
        assert_same_schema(&source, &target);
        if tag == "grouped_kinds" {
            assert_eq!(
                target.query_i64("SELECT count(*) AS value FROM public.audit_log"),
                0,
                "no event trigger fired during the clone"
            );
        }
        // A re-run has nothing to do.
        let applier = DdlApplier::new(&target.url()).unwrap();
        for phase in Phase::ALL {
            let report = applier.apply_phase(&extractor, phase).unwrap();
            assert!(report.nothing_to_do(), "{tag} {phase}: {report:?}");
        }
    }
}

/// Reading a sequence's state locks it until the transaction ends: a schema with more
/// sequences than the server's lock table holds (`max_locks_per_transaction` ×
/// connections) failed to reflect with `out of shared memory`. Each sequence comes back
/// with its state.
#[test]
fn more_sequences_than_the_lock_table_holds_are_reflected_with_their_states() {
    if !server_available() {
        return;
    }
    let source = TestDb::new("many_sequences");
    let locks = source.query_i64(
        "SELECT (current_setting('max_locks_per_transaction')::int \
           * (current_setting('max_connections')::int \
              + current_setting('max_prepared_transactions')::int))::int8 AS value",
    );
    // Twice the nominal size: the server's shared memory has some slack beyond it, and
    // each session's first sixteen locks take no slot (1.1 times did not fail).
    let n = 2 * usize::try_from(locks).unwrap();
    // Created 1,000 to a transaction: creating takes a lock on each too.
    for start in (0..n).step_by(1000) {
        let script: String = (start..n.min(start + 1000))
            .map(|i| format!("CREATE SEQUENCE s{i};"))
            .collect();
        source.exec(&script).unwrap();
    }
    let last = n - 1;
    source
        .exec(&format!(
            "SELECT setval('s0', 7); SELECT setval('s{last}', 42)"
        ))
        .unwrap();
    let extractor = extract(&source);
    let sequences = &extractor.schema().sequences;
    assert_eq!(sequences.len(), n);
    let state = |name: &str| {
        sequences
            .iter()
            .find(|s| s.name.name == name)
            .unwrap_or_else(|| panic!("{name} not reflected"))
            .last_value
    };
    assert_eq!(state("s0"), Some(7));
    assert_eq!(state(&format!("s{last}")), Some(42));
    assert_eq!(state("s1"), None, "never used");
}

/// A role that may not read a sequence's state cannot reflect it: one line naming the
/// query and the sequence, not a half-read schema.
#[test]
fn a_sequence_the_reader_may_not_read_is_refused_naming_it() {
    if !server_available() {
        return;
    }
    let source = TestDb::with_script(
        "sequence_denied",
        "CREATE SEQUENCE public.hidden_seq; CREATE TABLE public.t (id int PRIMARY KEY);",
    );
    ensure_roles(&source, &["sr_seq_outsider"]);
    let url = source
        .url()
        .replacen("postgres://postgres@", "postgres://sr_seq_outsider@", 1);
    let error = DdlExtractor::new(&url).err().expect("refused").to_string();
    assert_eq!(
        error,
        "reflecting the catalog (sequence states): permission denied for sequence hidden_seq"
    );
}
