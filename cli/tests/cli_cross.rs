//! Cross-dialect replication through the `schema-replicator` binary, against the local
//! PostgreSQL and MariaDB servers and SQLite files: Chinook translated from each dialect
//! into each other one, loaded with the target dialect's own Chinook rows, sealed, and
//! compared with the target dialect's native Chinook (tables, columns, keys, foreign
//! keys, indexes, and the answers of queries over the rows); then one test per mapping
//! rule, the loss report, `--strict` and `--type-map`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schema-replicator"))
        .args(args)
        .output()
        .expect("run schema-replicator")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        stderr(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs a client program with `sql` on its standard input; its error on failure.
fn client(program: &str, args: &[&str], sql: &str) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

fn servers_available() -> bool {
    let pg = client(
        "psql",
        &["-h", "127.0.0.1", "-U", "postgres", "-Atq", "postgres"],
        "SELECT 1",
    );
    let my = client("mariadb", &["-h", "127.0.0.1", "-uroot", "-N"], "SELECT 1");
    match (pg, my) {
        (Ok(_), Ok(_)) => true,
        (pg, my) if std::env::var_os("CI").is_some() => {
            panic!("PostgreSQL and MariaDB are required in CI: {pg:?} {my:?}")
        }
        (pg, my) => {
            eprintln!("skipped: a server is missing ({pg:?} {my:?})");
            false
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `sql` run where the dialect enforces what the seal added: SQLite's foreign keys are
/// on per connection, MySQL's strict mode refuses a value it would otherwise truncate.
fn enforcing(dialect: &str, sql: &str) -> String {
    match dialect {
        "sqlite" => format!("PRAGMA foreign_keys = ON; {sql}"),
        "mysql" => format!("SET SESSION sql_mode = 'STRICT_ALL_TABLES'; {sql}"),
        _ => sql.to_owned(),
    }
}

/// A database of one dialect for one test, dropped at the end.
enum Db {
    Pg(String),
    My(String),
    Lite(tempfile::TempDir),
}

impl Db {
    fn new(dialect: &str, tag: &str) -> Db {
        let name = format!("sr_x_{tag}_{}", std::process::id());
        match dialect {
            "postgres" => {
                pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                pg_admin(&format!("CREATE DATABASE {name}"));
                Db::Pg(name)
            }
            "mysql" => {
                my_admin(&format!(
                    "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`"
                ));
                Db::My(name)
            }
            _ => Db::Lite(tempfile::tempdir().unwrap()),
        }
    }

    fn dialect(&self) -> &'static str {
        match self {
            Db::Pg(_) => "postgres",
            Db::My(_) => "mysql",
            Db::Lite(_) => "sqlite",
        }
    }

    fn url(&self) -> String {
        match self {
            Db::Pg(name) => format!("postgres://postgres@127.0.0.1:5432/{name}"),
            Db::My(name) => format!("mysql://root@127.0.0.1:3306/{name}"),
            Db::Lite(dir) => format!("sqlite://{}", dir.path().join("db.sqlite").display()),
        }
    }

    fn try_exec(&self, sql: &str) -> Result<(), String> {
        match self {
            Db::Pg(name) => client(
                "psql",
                &[
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    name,
                ],
                sql,
            )
            .map(drop),
            Db::My(name) => client("mariadb", &["-h", "127.0.0.1", "-uroot", name], sql).map(drop),
            Db::Lite(dir) => {
                let path = dir.path().join("db.sqlite");
                let mut conn = SqliteConnection::establish(path.to_str().unwrap())
                    .map_err(|e| e.to_string())?;
                conn.batch_execute(sql).map_err(|e| e.to_string())
            }
        }
    }

    fn exec(&self, sql: &str) {
        let head: String = sql.chars().take(200).collect();
        self.try_exec(sql).unwrap_or_else(|e| panic!("{head}: {e}"));
    }

    fn count(&self, sql: &str) -> i64 {
        match self {
            Db::Pg(name) => client(
                "psql",
                &[
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-Atq",
                    "-v",
                    "ON_ERROR_STOP=1",
                    name,
                ],
                sql,
            ),
            Db::My(name) => client("mariadb", &["-h", "127.0.0.1", "-uroot", "-N", name], sql),
            Db::Lite(dir) => {
                let path = dir.path().join("db.sqlite");
                let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
                return diesel::sql_query(sql)
                    .get_result::<Count>(&mut conn)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .n;
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn quote(&self, ident: &str) -> String {
        match self {
            Db::My(_) => format!("`{ident}`"),
            _ => format!("\"{ident}\""),
        }
    }

    /// The schema as a JSON snapshot.
    fn snapshot(&self) -> serde_json::Value {
        let out = ok(&["snapshot", &self.url()]);
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        match self {
            Db::Pg(name) => pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
            Db::My(name) => my_admin(&format!("DROP DATABASE IF EXISTS `{name}`")),
            Db::Lite(_) => {}
        }
    }
}

fn pg_admin(sql: &str) {
    client(
        "psql",
        &["-h", "127.0.0.1", "-U", "postgres", "-q", "postgres"],
        sql,
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn my_admin(sql: &str) {
    client("mariadb", &["-h", "127.0.0.1", "-uroot"], sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The key two spellings of a Chinook name share (`album_id`, `AlbumId`, `[AlbumId]`).
fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// The tables and columns of a snapshot by their key: (table key) to (table name,
/// column key to column name).
fn names(snapshot: &serde_json::Value) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    snapshot["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let name = t["name"]["name"].as_str().unwrap().to_owned();
            let columns = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let c = c["name"].as_str().unwrap().to_owned();
                    (key(&c), c)
                })
                .collect();
            (key(&name), (name, columns))
        })
        .collect()
}

/// The INSERT statements of a Chinook script, their table and column names renamed to
/// the spelling of `target` (matched by [`key`]) and quoted for it.
fn rows_for(script: &str, target: &Db) -> String {
    let names = names(&target.snapshot());
    let mut out = String::new();
    let mut in_insert = false;
    for line in script.lines() {
        if let Some(rest) = line.strip_prefix("INSERT INTO ") {
            let (table, rest) = rest.split_once(" (").unwrap();
            let (columns, rest) = rest.split_once(')').unwrap();
            let (table_name, columns_of) = &names[&key(table)];
            let columns: Vec<String> = columns
                .split(',')
                .map(|c| target.quote(&columns_of[&key(c)]))
                .collect();
            out.push_str(&format!(
                "INSERT INTO {} ({}){rest}\n",
                target.quote(table_name),
                columns.join(", ")
            ));
            in_insert = true;
        } else if in_insert {
            // SQL Server's N'...' national literals: plain strings everywhere.
            out.push_str(&line.replace("(N'", "('").replace(", N'", ", '"));
            out.push('\n');
            in_insert = !line.trim_end().ends_with(';');
        }
    }
    out
}

/// What of a schema the comparison with a native Chinook looks at, by key: per table,
/// each column's type family, length, precision, scale and nullability; the primary
/// key; the foreign keys; the indexed column lists.
fn shape(snapshot: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let mut shape = BTreeMap::new();
    for t in snapshot["tables"].as_array().unwrap() {
        let mut facts = Vec::new();
        for c in t["columns"].as_array().unwrap() {
            let kind = &c["data_type"]["kind"];
            let family = match kind["type"].as_str().unwrap() {
                "char" | "varchar" | "text" => "string",
                other => other,
            };
            // A timestamp's fractional digits are the translation's choice: PostgreSQL's
            // timestamp keeps microseconds, so its MySQL translation is datetime(6)
            // where the native MySQL Chinook chose whole seconds.
            let precision = match family {
                "timestamp" | "time" => serde_json::Value::Null,
                _ => kind["precision"].clone(),
            };
            facts.push(format!(
                "column {} {family} length={} precision={} scale={} nullable={}",
                key(c["name"].as_str().unwrap()),
                kind["length"],
                precision,
                kind["scale"],
                c["nullable"]
            ));
        }
        let keys = |v: &serde_json::Value| -> String {
            v.as_array()
                .unwrap()
                .iter()
                .map(|c| key(c.as_str().unwrap()))
                .collect::<Vec<_>>()
                .join(",")
        };
        facts.push(format!(
            "primary key ({})",
            keys(&t["primary_key"]["columns"])
        ));
        for fk in t["foreign_keys"].as_array().unwrap() {
            facts.push(format!(
                "foreign key ({}) references {} ({}) on delete {} on update {}",
                keys(&fk["columns"]),
                key(fk["referenced_table"]["name"].as_str().unwrap()),
                keys(&fk["referenced_columns"]),
                fk["on_delete"],
                fk["on_update"]
            ));
        }
        let indexes: BTreeSet<String> = t["indexes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let columns: Vec<String> = i["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| key(k["target"]["column"].as_str().unwrap_or("(expression)")))
                    .collect();
                format!("index unique={} ({})", i["unique"], columns.join(","))
            })
            .collect();
        facts.extend(indexes);
        facts.sort();
        shape.insert(key(t["name"]["name"].as_str().unwrap()), facts);
    }
    shape
}

/// Questions over the Chinook rows, each a count, written for `db`'s names.
fn answers(db: &Db) -> Vec<i64> {
    let names = names(&db.snapshot());
    let t = |table: &str| db.quote(&names[&key(table)].0);
    let c = |table: &str, column: &str| {
        format!(
            "{}.{}",
            db.quote(&names[&key(table)].0),
            db.quote(&names[&key(table)].1[&key(column)])
        )
    };
    let mut answers = Vec::new();
    for table in [
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
        "Track",
    ] {
        answers.push(db.count(&format!("SELECT COUNT(*) AS n FROM {}", t(table))));
    }
    answers.push(db.count(&format!(
        "SELECT COUNT(*) AS n FROM {il} JOIN {tr} ON {a} = {b} JOIN {al} ON {c1} = {c2} \
         JOIN {ar} ON {d1} = {d2} WHERE {name} LIKE 'A%'",
        il = t("InvoiceLine"),
        tr = t("Track"),
        al = t("Album"),
        ar = t("Artist"),
        a = c("InvoiceLine", "TrackId"),
        b = c("Track", "TrackId"),
        c1 = c("Track", "AlbumId"),
        c2 = c("Album", "AlbumId"),
        d1 = c("Album", "ArtistId"),
        d2 = c("Artist", "ArtistId"),
        name = c("Artist", "Name"),
    )));
    answers.push(db.count(&format!(
        "SELECT COUNT(*) AS n FROM {} WHERE {} BETWEEN 5.5 AND 10.5",
        t("Invoice"),
        c("Invoice", "Total")
    )));
    answers.push(db.count(&format!(
        "SELECT COUNT(*) AS n FROM {} WHERE {} >= '2022-01-01' AND {} IS NOT NULL",
        t("Invoice"),
        c("Invoice", "InvoiceDate"),
        c("Invoice", "BillingState")
    )));
    answers
}

fn chinook(dialect: &str) -> String {
    fixture(&format!("chinook-{dialect}.sql"))
}

/// Chinook of `from` translated into `to` in phases, loaded with `to`'s own rows,
/// sealed; compared with `to`'s native Chinook.
fn translate_chinook(from: &str, to: &str) {
    if !servers_available() {
        return;
    }
    let source = Db::new(from, &format!("{from}_src_for_{to}"));
    source.exec(&chinook(from));
    let target = Db::new(to, &format!("{from}_to_{to}"));
    let report = std::env::temp_dir().join(format!(
        "sr_loss_{from}_to_{to}_{}.json",
        std::process::id()
    ));
    let (src, dst) = (source.url(), target.url());
    for phase in ["pre", "base"] {
        let mut args = vec![
            "apply",
            &src,
            &dst,
            "--phase",
            phase,
            "--loss-report",
            report.to_str().unwrap(),
        ];
        // The copy belongs to the account that applies it: PostgreSQL's owners are
        // left out as pg_dump -O leaves them out, not reported one by one.
        if from == "postgres" {
            args.push("-O");
        }
        let out = ok(&args);
        assert!(
            stderr(&out).contains(&format!("warning: translated {from} to {to}: ")),
            "{}",
            stderr(&out)
        );
    }
    let loss: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(loss["source_dialect"], from);
    assert_eq!(loss["target_dialect"], to);
    // Chinook is tables, keys and indexes only: nothing is lost.
    assert_eq!(loss["summary"]["lossy"], 0, "{loss:#}");
    assert_eq!(loss["summary"]["skipped"], 0, "{loss:#}");
    // Loaded with the target dialect's own rows, then sealed.
    target.exec(&rows_for(&chinook(to), &target));
    ok(&["apply", &source.url(), &target.url(), "--phase", "seal"]);
    let out = ok(&["diff", &source.url(), &target.url()]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
    let out = ok(&["status", &source.url(), &target.url()]);
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("\nthe target is sealed\n"));

    let native = Db::new(to, &format!("{to}_native_for_{from}"));
    native.exec(&chinook(to));
    assert_eq!(shape(&target.snapshot()), shape(&native.snapshot()));
    assert_eq!(answers(&target), answers(&native));
    assert_eq!(answers(&target)[0], 347, "the albums are loaded");

    // The seal is real: a row without its parent is refused.
    let names = names(&target.snapshot());
    let (line, columns) = &names["invoiceline"];
    let orphan = format!(
        "INSERT INTO {} ({}, {}, {}, {}, {}) VALUES (99999, 1, 999999, 0.99, 1)",
        target.quote(line),
        target.quote(&columns["invoicelineid"]),
        target.quote(&columns["invoiceid"]),
        target.quote(&columns["trackid"]),
        target.quote(&columns["unitprice"]),
        target.quote(&columns["quantity"]),
    );
    let refusal = target.try_exec(&enforcing(to, &orphan)).unwrap_err();
    assert!(refusal.to_lowercase().contains("foreign key"), "{refusal}");
}

#[test]
fn chinook_from_mysql_to_postgres() {
    translate_chinook("mysql", "postgres");
}

#[test]
fn chinook_from_sqlite_to_postgres() {
    translate_chinook("sqlite", "postgres");
}

#[test]
fn chinook_from_postgres_to_mysql() {
    translate_chinook("postgres", "mysql");
}

#[test]
fn chinook_from_postgres_to_sqlite() {
    translate_chinook("postgres", "sqlite");
}

#[test]
fn chinook_from_mysql_to_sqlite() {
    translate_chinook("mysql", "sqlite");
}

#[test]
fn chinook_from_sqlite_to_mysql() {
    translate_chinook("sqlite", "mysql");
}

/// A MySQL table with one column per mapping rule, and a second table that reuses an
/// index name (MySQL's index names are per table, PostgreSQL's per schema).
const RULES: &str = "SET SESSION sql_mode = '';
CREATE TABLE `parent` (`id` int NOT NULL, PRIMARY KEY (`id`));
CREATE TABLE `rules` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `big` bigint unsigned NOT NULL DEFAULT 0,
  `flag` tinyint(1) NOT NULL DEFAULT 1,
  `mood` enum('happy','sad','it''s') NOT NULL DEFAULT 'happy',
  `tags` set('a','b','c') NOT NULL DEFAULT '',
  `born` year DEFAULT NULL,
  `created` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `body` text,
  `title` varchar(200) NOT NULL,
  `parent_id` int DEFAULT NULL,
  `a_column_name_that_is_exactly_sixty_four_characters_long_abcdefg` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_title` (`title`(10)),
  FULLTEXT KEY `ft_body` (`body`),
  CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`),
  CONSTRAINT `small_big` CHECK (`big` < 100000000000000000000),
  CONSTRAINT `flag_bit` CHECK (`flag` in (0, 1))
);
CREATE TABLE `other` (`id` int NOT NULL, `title` varchar(20), PRIMARY KEY (`id`), KEY `idx_title` (`title`));";

#[test]
fn mysql_to_postgres_maps_each_rule_with_a_row_that_exercises_it() {
    if !servers_available() {
        return;
    }
    let source = Db::new("mysql", "rules_src");
    source.exec(RULES);
    let target = Db::new("postgres", "rules_dst");
    assert_eq!(target.dialect(), "postgres");
    let report = std::env::temp_dir().join(format!("sr_rules_{}.json", std::process::id()));
    let (src, dst) = (source.url(), target.url());
    let loss = report.to_str().unwrap();
    for phase in ["pre", "base"] {
        ok(&[
            "apply",
            &src,
            &dst,
            "--phase",
            phase,
            "--unsigned-checks",
            "--loss-report",
            loss,
        ]);
    }
    // Rows as a MySQL export has them load into the base tables: the unsigned
    // maxima, an enum label with a quote, a SET of several members, a year.
    // Cut to 54 bytes, then `_` and 8 hex digits of the whole name's hash: 63 bytes.
    let long = &"a_column_name_that_is_exactly_sixty_four_characters_long_abcdefg"[..54];
    let pg_long: String = {
        let loss: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let entry = loss["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| {
                o["object"]
                    == "column \"rules\".\"a_column_name_that_is_exactly_sixty_four_characters_long_abcdefg\""
                    && o["status"] == "mapped"
                    && o["reason"] == "its name exceeds the limit or collides in the target"
            })
            .unwrap_or_else(|| panic!("no rename of the 64-character column: {loss:#}"));
        entry["to"].as_str().unwrap().to_owned()
    };
    assert_eq!(pg_long.len(), 63, "{pg_long}");
    assert!(pg_long.starts_with(&format!("{long}_")), "{pg_long}");
    target.exec(&format!(
        "INSERT INTO parent (id) VALUES (1);
         INSERT INTO rules (id, big, flag, mood, tags, born, created, updated, body, title,
                            parent_id, \"{pg_long}\")
         VALUES (4294967295, 18446744073709551615, 1, 'it''s', 'a,c', 2155,
                 '2024-01-02 03:04:05', '2000-01-01 00:00:00+00', 'the quick brown fox',
                 'a title longer than ten characters', 1, 7);
         INSERT INTO other (id, title) VALUES (1, 'x');"
    ));
    // `check` on the translated target counts what the seal would refuse.
    target.exec("INSERT INTO rules (id, created, title, parent_id, tags) VALUES (5, '2024-01-01', 't', 42, 'a,d')");
    // ... and, in the source's rows, the zero dates PostgreSQL cannot hold.
    source.exec(
        "SET SESSION sql_mode = ''; INSERT INTO rules (id, title, created) \
         VALUES (7, 'zero', '0000-00-00 00:00:00'), (8, 'zero day', '2024-05-00 10:00:00')",
    );
    let out = run(&["check", &src, &dst]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        table.contains("FAIL") && table.contains("fk_parent"),
        "{table}"
    );
    assert!(table.contains("rules_tags_check"), "{table}");
    let zero = table
        .lines()
        .find(|l| l.contains("column \"created\" on table \"rules\""))
        .unwrap_or_else(|| panic!("no zero-date finding: {table}"));
    assert!(
        zero.starts_with("FAIL   2 ")
            && zero
                .trim_end()
                .ends_with("zero dates the target cannot hold (e.g. 7, 8)"),
        "{zero}"
    );
    let updated = table
        .lines()
        .find(|l| l.contains("column \"updated\" on table \"rules\""))
        .unwrap_or_else(|| panic!("no finding for the other dated column: {table}"));
    assert!(updated.starts_with("ok "), "{updated}");
    target.exec("DELETE FROM rules WHERE id = 5");
    ok(&["apply", &src, &dst, "--phase", "seal", "--unsigned-checks"]);

    // Each rule holds in the sealed target.
    let refused = |sql: &str, what: &str| {
        let error = target.try_exec(sql).unwrap_err();
        assert!(error.contains(what), "{sql}: {error}");
    };
    refused(
        "INSERT INTO rules (id, created, title, mood) VALUES (10, '2024-01-01', 't', 'angry')",
        "invalid input value for enum rules_mood: \"angry\"",
    );
    refused(
        "INSERT INTO rules (id, created, title, tags) VALUES (10, '2024-01-01', 't', 'a,d')",
        "rules_tags_check",
    );
    refused(
        "INSERT INTO rules (id, created, title, big) VALUES (10, '2024-01-01', 't', -1)",
        "rules_big_check",
    );
    refused(
        "INSERT INTO rules (id, created, title, parent_id) VALUES (10, '2024-01-01', 't', 42)",
        "fk_parent",
    );
    // AUTO_INCREMENT is an identity whose counter the seal set past the loaded rows.
    target.exec("INSERT INTO other (id, title) VALUES (2, 'y')");
    assert_eq!(
        target.count("INSERT INTO rules (created, title) VALUES ('2024-01-01', 'next') RETURNING id - 4294967295"),
        1
    );
    // ON UPDATE CURRENT_TIMESTAMP is a trigger: a changed row gets the time.
    target.exec("UPDATE rules SET title = 'changed' WHERE id = 4294967295");
    assert_eq!(
        target.count("SELECT COUNT(*) FROM rules WHERE id = 4294967295 AND updated > '2020-01-01'"),
        1
    );
    // FULLTEXT is a GIN index over to_tsvector; the prefix index an expression index.
    assert_eq!(
        target.count(
            "SELECT COUNT(*) FROM rules WHERE to_tsvector('simple'::regconfig, COALESCE(body, '')) \
             @@ to_tsquery('simple', 'fox')"
        ),
        1
    );
    let indexes = client(
        "psql",
        &["-h", "127.0.0.1", "-U", "postgres", "-Atq", &dst_name(&target)],
        "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename IN ('rules', 'other') \
         AND indexname NOT LIKE '%pkey' ORDER BY 1",
    )
    .unwrap();
    // The second table's `idx_title` (tables in name order: `other` first) takes a
    // hash suffix in PostgreSQL's schema-wide namespace of indexes.
    assert_eq!(
        indexes,
        "fk_parent: CREATE INDEX fk_parent ON public.rules USING btree (parent_id)\n\
         ft_body: CREATE INDEX ft_body ON public.rules USING gin \
         (to_tsvector('simple'::regconfig, COALESCE(body, ''::text)))\n\
         idx_title: CREATE INDEX idx_title ON public.other USING btree (title)\n\
         idx_title_8668c701: CREATE INDEX idx_title_8668c701 ON public.rules USING btree \
         (\"left\"((title)::text, 10))\n"
    );

    // The report: the zero date default is lossy and says so; everything else is
    // exact or mapped.
    let loss: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let lossy: Vec<&serde_json::Value> = loss["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "lossy" || o["status"] == "skipped")
        .collect();
    assert_eq!(lossy.len(), 1, "{loss:#}");
    assert_eq!(lossy[0]["object"], "column \"rules\".\"created\"");
    assert_eq!(
        lossy[0]["reason"],
        "its default is dropped: the zero date '0000-00-00 00:00:00' has no postgres value"
    );
    assert_eq!(loss["summary"]["lossy"], 1);
    // --strict refuses before anything is applied, listing what would be lost.
    let empty = Db::new("postgres", "rules_strict");
    let out = run(&["clone", &src, &empty.url(), "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "error: the translation to postgres would lose or skip 1 object, which --strict \
             refuses; nothing was applied:\n  lossy column \"rules\".\"created\": datetime -> \
             timestamp without time zone (its default is dropped: the zero date \
             '0000-00-00 00:00:00' has no postgres value)\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        empty.count("SELECT COUNT(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"),
        0
    );
}

fn dst_name(db: &Db) -> String {
    match db {
        Db::Pg(name) | Db::My(name) => name.clone(),
        Db::Lite(_) => unreachable!(),
    }
}

#[test]
fn options_and_the_type_map_choose_other_faithful_types() {
    if !servers_available() {
        return;
    }
    let source = Db::new("mysql", "options_src");
    source.exec(RULES);
    let src = source.url();
    let ddl = |extra: &[&str]| {
        let mut args = vec!["ddl", &src, "--phase", "base", "--to", "postgres"];
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&ok(&args).stdout).into_owned()
    };
    let plain = ddl(&[]);
    assert!(
        plain.contains("\"flag\" smallint DEFAULT 1 NOT NULL"),
        "{plain}"
    );
    assert!(
        plain.contains("\"mood\" \"public\".\"rules_mood\" DEFAULT 'happy' NOT NULL"),
        "{plain}"
    );
    let boolean = ddl(&["--tinyint1-boolean"]);
    assert!(
        boolean.contains("\"flag\" boolean DEFAULT true NOT NULL"),
        "{boolean}"
    );
    // Its check compares numbers: reported, not created to fail the seal.
    let out = ok(&[
        "ddl",
        &src,
        "--phase",
        "seal",
        "--to",
        "postgres",
        "--tinyint1-boolean",
    ]);
    assert!(
        stderr(&out).contains(
            "warning: skipped check \"flag_bit\" of table \"rules\" (it compares flag, a \
             boolean in the target, with numbers)\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("flag_bit"));
    let checked = ddl(&["--enum-as-check"]);
    assert!(
        checked.contains("\"mood\" character varying(5) DEFAULT 'happy' NOT NULL"),
        "{checked}"
    );

    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "[types]\n\"varchar(*)\" = \"text\"\n[columns]\n\"rules.body\" = { to = \"character varying(5000)\" }\n",
    )
    .unwrap();
    let mapped = ddl(&["--type-map", map.to_str().unwrap()]);
    assert!(mapped.contains("\"title\" text NOT NULL"), "{mapped}");
    assert!(
        mapped.contains("\"body\" character varying(5000)"),
        "{mapped}"
    );

    std::fs::write(&map, "[types]\n\"int\" = 3\n").unwrap();
    let out = run(&[
        "ddl",
        &src,
        "--phase",
        "base",
        "--to",
        "postgres",
        "--type-map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: type map {}: [types] \"int\": expected a type or {{ to = \"type\" }}, found a integer\n",
            map.display()
        )
    );
    let out = run(&["ddl", &src, "--phase", "base", "--to", "oracle"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    assert!(stderr(&out).contains("oracle"), "{}", stderr(&out));
}

/// SQLite's own shapes: AUTOINCREMENT, a rowid alias, WITHOUT ROWID, STRICT, a column
/// without a type, unnamed constraints, an expression index with a predicate, a view
/// and a trigger.
const SQLITE_SHAPES: &str = "
CREATE TABLE counter (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  label TEXT NOT NULL DEFAULT 'x',
  created DATETIME DEFAULT CURRENT_TIMESTAMP,
  anything,
  price NUMERIC(8,2) CHECK (price >= 0),
  UNIQUE (label)
);
CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE strict_t (a INTEGER NOT NULL, b TEXT) STRICT;
CREATE TABLE child (
  id INTEGER PRIMARY KEY,
  counter_id INTEGER REFERENCES counter(id) ON DELETE CASCADE,
  note TEXT
);
CREATE INDEX child_note ON child (lower(note)) WHERE note IS NOT NULL;
CREATE TABLE tag (name TEXT COLLATE NOCASE);
CREATE TABLE tagged (id INTEGER PRIMARY KEY, tag TEXT REFERENCES tag(name), counter_id INTEGER REFERENCES counter);
CREATE TABLE cased (Id INTEGER, Owner INTEGER REFERENCES COUNTER(ID), PRIMARY KEY (id));
CREATE VIEW priced AS SELECT label, price FROM counter WHERE price > 0;
CREATE VIEW totals(who, n) AS SELECT label, count(*) FROM counter GROUP BY label;
CREATE UNIQUE INDEX counter_label_nocase ON counter (label COLLATE NOCASE);
CREATE TRIGGER touch AFTER UPDATE ON counter BEGIN
  UPDATE counter SET created = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER keep BEFORE DELETE ON counter BEGIN
  SELECT RAISE(ABORT, 'counters are kept');
END;
INSERT INTO counter (label, price) VALUES ('a', 1.5), ('b', 2);
";

fn report_objects(path: &std::path::Path) -> BTreeMap<String, serde_json::Value> {
    let loss: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    loss["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["object"].as_str().unwrap().to_owned(), o.clone()))
        .collect()
}

#[test]
fn sqlite_to_postgres_maps_sqlites_own_shapes_translates_a_faithful_trigger_and_reports_another() {
    if !servers_available() {
        return;
    }
    let source = Db::new("sqlite", "shapes_src");
    source.exec(SQLITE_SHAPES);
    let target = Db::new("postgres", "shapes_dst");
    let report = std::env::temp_dir().join(format!("sr_shapes_{}.json", std::process::id()));
    let out = ok(&[
        "clone",
        &source.url(),
        &target.url(),
        "--loss-report",
        report.to_str().unwrap(),
    ]);
    assert!(
        stderr(&out).contains(
            "warning: skipped trigger \"keep\" on table \"counter\" (its body is sqlite \
             procedural code, which is not translated: write it for postgres: its body uses \
             SELECT, which is not translated (SET, INSERT, UPDATE and DELETE are))\n"
        ),
        "{}",
        stderr(&out)
    );
    let objects = report_objects(&report);
    let status = |object: &str| {
        objects
            .get(object)
            .unwrap_or_else(|| panic!("{object} is not in the report: {objects:#?}"))["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status("column \"counter\".\"id\""), "mapped");
    assert_eq!(status("column \"counter\".\"anything\""), "mapped");
    assert_eq!(
        objects["column \"counter\".\"anything\""]["reason"],
        "no declared type: values of any kind, kept as text"
    );
    assert_eq!(
        objects["table \"kv\""]["reason"],
        "WITHOUT ROWID: the primary key is an index of an ordinary table"
    );
    assert_eq!(
        objects["table \"strict_t\""]["reason"],
        "STRICT: the target enforces column types itself"
    );
    assert_eq!(status("view \"priced\""), "mapped");
    assert_eq!(status("index \"child_note\" on table \"child\""), "exact");
    assert_eq!(status("trigger \"touch\" on table \"counter\""), "mapped");
    assert_eq!(status("trigger \"keep\" on table \"counter\""), "skipped");
    // SQLite lets a foreign key reference columns no key covers (it fails only when a
    // row is written); PostgreSQL refuses such a key: reported, not created.
    let loose = objects
        .iter()
        .find(|(k, v)| {
            k.starts_with("foreign key ")
                && k.ends_with("of table \"tagged\"")
                && v["status"] == "skipped"
        })
        .unwrap_or_else(|| panic!("the loose foreign key is not skipped: {objects:#?}"));
    assert_eq!(
        loose.1["reason"],
        "it references (\"name\") of table \"tag\", which no primary or unique key covers: \
         postgres requires one"
    );
    assert_eq!(
        objects["column \"tag\".\"name\""]["reason"],
        "collation NOCASE: comparisons become case-sensitive"
    );
    let out = ok(&["diff", &source.url(), &target.url()]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));

    // The translated objects behave: AUTOINCREMENT numbers new rows (past the source's
    // counter), the unnamed check refuses, the view reads, the cascade deletes.
    assert_eq!(
        target.count(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'counter' \
             AND column_name = 'id' AND is_identity = 'YES'"
        ),
        1
    );
    assert_eq!(
        target.count("INSERT INTO counter (label, price) VALUES ('c', 3) RETURNING id"),
        3
    );
    // The translated trigger stamps an updated row once, as SQLite does (it does not
    // fire itself again for its own UPDATE).
    target.exec("UPDATE counter SET label = 'cc', created = '2000-01-01' WHERE id = 3");
    assert_eq!(
        target.count("SELECT COUNT(*) FROM counter WHERE id = 3 AND created > '2020-01-01'"),
        1
    );
    let error = target
        .try_exec("INSERT INTO counter (label, price) VALUES ('d', -1)")
        .unwrap_err();
    assert!(error.contains("violates check constraint"), "{error}");
    target.exec(
        "INSERT INTO child (id, counter_id, note) VALUES (1, 3, 'Note'); \
         DELETE FROM counter WHERE id = 3;",
    );
    assert_eq!(target.count("SELECT COUNT(*) FROM child"), 0);
    // SQLite's names are case-blind: `REFERENCES COUNTER(ID)` and `PRIMARY KEY (id)`
    // name `counter`.`id` and `Id`.
    let error = target
        .try_exec("INSERT INTO cased (\"Id\", \"Owner\") VALUES (1, 42)")
        .unwrap_err();
    assert!(error.contains("violates foreign key constraint"), "{error}");
    // `REFERENCES counter` names no column: the primary key is meant.
    let error = target
        .try_exec("INSERT INTO tagged (id, counter_id) VALUES (1, 42)")
        .unwrap_err();
    assert!(error.contains("tagged_counter_id_fkey"), "{error}");
    assert_eq!(target.count("SELECT COUNT(*) FROM priced"), 0);
    // The view keeps its own column names; the NOCASE key stays case-blind.
    target.exec("INSERT INTO counter (label, price) VALUES ('nocase', 1)");
    assert_eq!(
        target.count("SELECT COUNT(*) FROM totals WHERE who = 'nocase' AND n = 1"),
        1
    );
    let error = target
        .try_exec("INSERT INTO counter (label, price) VALUES ('NoCase', 1)")
        .unwrap_err();
    assert!(error.contains("counter_label_nocase"), "{error}");
    let definition = client(
        "psql",
        &[
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atq",
            &dst_name(&target),
        ],
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'child_note'",
    )
    .unwrap();
    assert_eq!(
        definition.trim(),
        "CREATE INDEX child_note ON public.child USING btree (lower(note)) WHERE (note IS NOT NULL)"
    );
    // SQLite keeps any value in any column; `check` names, in the source's rows, those
    // the translated columns refuse: text in a number, a number in a date, a long name.
    source.exec(
        "INSERT INTO counter (id, label, price, created) VALUES (7, 'bad', 'abc', 1700000000);
         INSERT INTO strict_t (a, b) VALUES (1, 'ok');",
    );
    let out = run(&["check", &source.url(), &target.url()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    for (column, text) in [("price", "FAIL   1 "), ("created", "FAIL   1 ")] {
        let line = table
            .lines()
            .find(|l| l.contains(&format!("column \"{column}\" on table \"counter\"")))
            .unwrap_or_else(|| panic!("{column}: {table}"));
        assert!(line.starts_with(text), "{line}");
        assert!(
            line.trim_end()
                .ends_with("value the target's type refuses (e.g. (\"id\")=(7))"),
            "{line}"
        );
    }
    let fine = table
        .lines()
        .find(|l| l.contains("column \"a\" on table \"strict_t\""))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(fine.starts_with("ok "), "{fine}");
}

/// PostgreSQL's own shapes: an enum type, a domain with a check, an array, a time
/// zone, a deferrable foreign key, a partial index, two tables whose names differ
/// only in case, a view.
const POSTGRES_SHAPES: &str = "
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE \"Users\" (
  id serial PRIMARY KEY,
  name text NOT NULL,
  m mood DEFAULT 'happy',
  score positive,
  tags text[],
  created timestamptz DEFAULT now()
);
CREATE TABLE users (
  id integer PRIMARY KEY,
  \"Users_id\" integer REFERENCES \"Users\"(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX users_name ON \"Users\" (name);
CREATE INDEX users_name_like ON \"Users\" (name text_pattern_ops);
ALTER TABLE \"Users\" ADD COLUMN doc jsonb;
CREATE INDEX users_doc ON \"Users\" USING gin (doc);
CREATE INDEX users_partial ON users (id) WHERE id > 10;
CREATE VIEW good AS SELECT name FROM \"Users\" WHERE score > 5;
CREATE DOMAIN code AS text NOT NULL DEFAULT 'x' CHECK (VALUE <> 'NO_VALUE');
ALTER TABLE \"Users\" ADD COLUMN c code;
CREATE TABLE orders (id integer PRIMARY KEY, user_id integer,
  CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES \"Users\"(id));
CREATE TABLE refunds (id integer PRIMARY KEY, user_id integer,
  CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES \"Users\"(id));
CREATE TABLE bookings (id integer PRIMARY KEY, during tsrange,
  CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&));
ALTER TABLE \"Users\" ADD CONSTRAINT id_positive CHECK (id > 0);
COMMENT ON TABLE orders IS 'what was bought';
";

#[test]
fn postgres_to_mysql_and_sqlite_fold_names_and_report_what_they_cannot_hold() {
    if !servers_available() {
        return;
    }
    let source = Db::new("postgres", "pgshapes_src");
    source.exec(POSTGRES_SHAPES);
    let src = source.url();
    for to in ["mysql", "sqlite"] {
        let target = Db::new(to, &format!("pgshapes_{to}"));
        let report =
            std::env::temp_dir().join(format!("sr_pgshapes_{to}_{}.json", std::process::id()));
        ok(&[
            "clone",
            &src,
            &target.url(),
            "-O",
            "--loss-report",
            report.to_str().unwrap(),
        ]);
        let objects = report_objects(&report);
        // `users` and `Users` fold onto one name in MySQL's and SQLite's namespace: the
        // one met second is renamed with a hash suffix.
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        let mut renamed = 0;
        for name in ["Users", "users"] {
            let entry = &objects[&format!("table \"public\".\"{name}\"")];
            if entry["status"] == "mapped" {
                renamed += 1;
                assert_eq!(
                    entry["reason"],
                    "its name is taken in the target's namespace"
                );
                let to = entry["to"].as_str().unwrap().to_owned();
                assert!(
                    to.starts_with(&format!("{name}_")) && to.len() == 14,
                    "{to}"
                );
                names.insert(name, to);
            } else {
                assert_eq!(entry["status"], "exact", "{entry:#}");
                names.insert(name, name.to_owned());
            }
        }
        assert_eq!(renamed, 1, "{objects:#?}");
        let users = names["users"].clone();
        let big_users = names["Users"].clone();
        assert_eq!(
            objects["column \"public\".\"Users\".\"tags\""]["status"],
            "lossy"
        );
        assert_eq!(objects["type \"public\".\"mood\""]["status"], "mapped");
        assert_eq!(
            objects["index \"users_doc\" on table \"public\".\"Users\""]["reason"],
            format!("a gin index has no {to} equivalent")
        );
        assert_eq!(
            objects["index \"users_name_like\" on table \"public\".\"Users\""]["reason"],
            "its operator class is PostgreSQL's own: a plain index"
        );
        assert_eq!(
            objects["index \"users_partial\" on table \"public\".\"users\""]["status"],
            if to == "mysql" { "skipped" } else { "exact" }
        );
        assert_eq!(
            objects["exclusion constraint \"no_overlap\" of table \"public\".\"bookings\""]
                ["reason"],
            format!("{to} has no exclusion constraints")
        );
        if to == "mysql" {
            assert_eq!(
                objects["check \"id_positive\" of table \"public\".\"Users\""]["reason"],
                "MariaDB refuses a check that reads the AUTO_INCREMENT column id"
            );
        } else {
            assert_eq!(
                objects["table \"public\".\"orders\""]["reason"],
                "its comments are not kept: SQLite has none"
            );
        }
        if to == "mysql" {
            // Foreign key names are one namespace in a MySQL database: the second renamed.
            let renamed = objects
                .values()
                .filter(|o| o["reason"] == "MySQL's constraint names are unique in the database")
                .count();
            assert_eq!(renamed, 1, "{objects:#?}");
        }
        let out = ok(&["diff", &src, &target.url()]);
        assert_eq!(stderr(&out).lines().last(), Some("no differences"), "{to}");

        // The enum, the domain's check and the foreign key hold in the target.
        let q = |name: &str| target.quote(name);
        target.exec(&format!(
            "INSERT INTO {} ({}, {}, {}, {}) VALUES (1, 'ann', 'sad', 7)",
            q(&big_users),
            q("id"),
            q("name"),
            q("m"),
            q("score")
        ));
        // The domain's default, NOT NULL and check hold on its column.
        assert_eq!(
            target.count(&format!(
                "SELECT COUNT(*) AS n FROM {} WHERE {} = 'x'",
                q(&big_users),
                q("c")
            )),
            1,
            "{to}"
        );
        for (bad, what) in [
            ("(2, 'bob', 'sad', 7, NULL)", "domain NOT NULL"),
            ("(2, 'bob', 'sad', 7, 'NO_VALUE')", "domain check on text"),
        ] {
            let sql = format!(
                "INSERT INTO {} ({}, {}, {}, {}, {}) VALUES {bad}",
                q(&big_users),
                q("id"),
                q("name"),
                q("m"),
                q("score"),
                q("c")
            );
            assert!(
                target.try_exec(&enforcing(to, &sql)).is_err(),
                "{to}: the {what} accepted {bad}"
            );
        }
        for (bad, what) in [
            ("(2, 'bob', 'angry', 7)", "enum"),
            ("(2, 'bob', 'sad', 0)", "domain check"),
        ] {
            let sql = format!(
                "INSERT INTO {} ({}, {}, {}, {}) VALUES {bad}",
                q(&big_users),
                q("id"),
                q("name"),
                q("m"),
                q("score")
            );
            assert!(
                target.try_exec(&enforcing(to, &sql)).is_err(),
                "{to}: the {what} accepted {bad}"
            );
        }
        let orphan = format!(
            "INSERT INTO {} ({}, {}) VALUES (1, 99)",
            q(&users),
            q("id"),
            q("Users_id")
        );
        assert!(
            target.try_exec(&enforcing(to, &orphan)).is_err(),
            "{to}: an orphan was accepted"
        );
        assert_eq!(
            target.count(&format!("SELECT COUNT(*) AS n FROM {}", q("good"))),
            1
        );
    }
    // --strict lists every loss of the translation to MySQL.
    let empty = Db::new("mysql", "pgshapes_strict");
    let out = run(&["clone", &src, &empty.url(), "-O", "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.starts_with("error: the translation to mysql would lose or skip "),
        "{message}"
    );
    for line in [
        "\n  lossy column \"public\".\"Users\".\"tags\": text[] -> longtext (no MySQL type is known for it: kept as its text)",
        "\n  skipped index \"users_partial\" on table \"public\".\"users\" (a partial index: MySQL indexes whole tables)",
        "\n  lossy foreign key \"users_Users_id_fkey\" of table \"public\".\"users\" (MySQL checks every foreign key at once: DEFERRABLE is dropped)",
    ] {
        assert!(message.contains(line), "{line} not in {message}");
    }
    assert_eq!(
        empty.count(&format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{}'",
            dst_name(&empty)
        )),
        0
    );
}

#[test]
fn mysql_spatial_columns_and_indexes_become_postgis_geometry_and_gist() {
    if !servers_available() {
        return;
    }
    let available = client(
        "psql",
        &["-h", "127.0.0.1", "-U", "postgres", "-Atq", "postgres"],
        "SELECT COUNT(*) FROM pg_available_extensions WHERE name = 'postgis'",
    )
    .unwrap();
    if available.trim() != "1" {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostGIS is required in CI (scripts/setup.sh installs it)"
        );
        eprintln!("skipped: PostGIS is not installed for the local PostgreSQL");
        return;
    }
    let source = Db::new("mysql", "geo_src");
    source.exec(
        "CREATE TABLE `places` (`id` int NOT NULL, `pt` point NOT NULL, `area` polygon, \
         PRIMARY KEY (`id`), SPATIAL KEY `sp_pt` (`pt`))",
    );
    let src = source.url();
    // Without PostGIS: the binary value, the spatial index reported.
    let plain = Db::new("postgres", "geo_plain");
    let out = ok(&["clone", &src, &plain.url()]);
    assert!(
        stderr(&out).contains(
            "warning: skipped index \"sp_pt\" on table \"places\" (a spatial index: PostGIS \
             was not asked for (--postgis))\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("warning: lossy column \"places\".\"pt\": point -> bytea"),
        "{}",
        stderr(&out)
    );
    // With PostGIS: geometry columns and a GiST index that serves a spatial query.
    let target = Db::new("postgres", "geo_dst");
    let dst = target.url();
    ok(&["clone", &src, &dst, "--postgis"]);
    let out = ok(&["diff", &src, &dst, "--postgis"]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
    let definition = client(
        "psql",
        &[
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atq",
            &dst_name(&target),
        ],
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
         WHERE attrelid = 'places'::regclass AND attname IN ('pt', 'area') ORDER BY attnum; \
         SELECT indexdef FROM pg_indexes WHERE indexname = 'sp_pt'",
    )
    .unwrap();
    assert_eq!(
        definition,
        "geometry(Point)\ngeometry(Polygon)\n\
         CREATE INDEX sp_pt ON public.places USING gist (pt)\n"
    );
    // A target that has PostGIS is seen to have it: no option needed.
    let detected = Db::new("postgres", "geo_detected");
    detected.exec("CREATE EXTENSION postgis");
    let out = ok(&["clone", &src, &detected.url()]);
    assert!(!stderr(&out).contains("bytea"), "{}", stderr(&out));
    let out = ok(&["diff", &src, &detected.url()]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
    assert_eq!(
        detected.count(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'sp_pt' AND indexdef LIKE '%USING gist%'"
        ),
        1
    );
    target.exec(
        "INSERT INTO places (id, pt) VALUES (1, ST_GeomFromText('POINT(1 2)')), \
         (2, ST_GeomFromText('POINT(10 20)'))",
    );
    assert_eq!(
        target.count(
            "SELECT COUNT(*) FROM places WHERE ST_DWithin(pt, ST_GeomFromText('POINT(1 2.5)'), 1)"
        ),
        1
    );
}

#[test]
fn a_type_maps_cast_loads_rows_as_they_are_and_the_seal_converts_them() {
    if !servers_available() {
        return;
    }
    let source = Db::new("mysql", "cast_src");
    source.exec(
        "CREATE TABLE `flags` (`id` int NOT NULL, `active` tinyint(1) NOT NULL DEFAULT 1, \
         `amount` varchar(20), PRIMARY KEY (`id`), KEY `by_active` (`active`))",
    );
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "[columns]\n\
         \"flags.active\" = { to = \"boolean\", cast = \"active <> 0\" }\n\
         \"flags.amount\" = { to = \"numeric(12,2)\", cast = \"nullif(amount, '')::numeric(12,2)\" }\n",
    )
    .unwrap();
    let map = map.to_str().unwrap();
    let target = Db::new("postgres", "cast_dst");
    let (src, dst) = (source.url(), target.url());
    let report = dir.path().join("loss.json");
    for phase in ["pre", "base"] {
        ok(&[
            "apply",
            &src,
            &dst,
            "--phase",
            phase,
            "--type-map",
            map,
            "--loss-report",
            report.to_str().unwrap(),
        ]);
    }
    let objects = report_objects(&report);
    assert_eq!(
        objects["column \"flags\".\"active\""]["reason"],
        "loaded as smallint, converted by the seal USING (active <> 0)"
    );
    assert_eq!(objects["column \"flags\".\"active\""]["to"], "boolean");
    // The rows as MySQL exports them: a flag of 2, an empty amount.
    target.exec("INSERT INTO flags (id, active, amount) VALUES (1, 2, '12.50'), (2, 0, '')");
    let out = ok(&["apply", &src, &dst, "--phase", "seal", "--type-map", map]);
    assert!(stderr(&out).contains("seal"), "{}", stderr(&out));
    assert_eq!(
        target.count("SELECT COUNT(*) FROM flags WHERE active AND amount = 12.50"),
        1
    );
    assert_eq!(
        target.count("SELECT COUNT(*) FROM flags WHERE NOT active AND amount IS NULL"),
        1
    );
    // The default follows the new type; the index is built on the converted column.
    target.exec("INSERT INTO flags (id) VALUES (3)");
    assert_eq!(
        target.count("SELECT COUNT(*) FROM flags WHERE id = 3 AND active"),
        1
    );
    let types = client(
        "psql",
        &[
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atq",
            &dst_name(&target),
        ],
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
         WHERE attrelid = 'flags'::regclass AND attnum > 0 ORDER BY attnum",
    )
    .unwrap();
    assert_eq!(types, "integer\nboolean\nnumeric(12,2)\n");
    // A re-run finds the conversion made; diff through the same map sees no difference.
    let out = ok(&["apply", &src, &dst, "--phase", "seal", "--type-map", map]);
    assert!(stderr(&out).starts_with("warning: translated mysql to postgres"));
    assert!(
        stderr(&out).contains("nothing to do: seal is already applied"),
        "{}",
        stderr(&out)
    );
    let out = ok(&["diff", &src, &dst, "--type-map", map]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
    // A cast for a target that cannot convert is one error naming the file and rule.
    let sqlite = Db::new("sqlite", "cast_sqlite");
    let out = run(&["clone", &src, &sqlite.url(), "--type-map", map]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: type map {map}: \"flags.active\": a cast converts the loaded rows in the \
             seal, which only a postgres target can do (the target is sqlite)\n"
        )
    );
}

#[test]
fn mysql_triggers_with_portable_bodies_become_plpgsql_and_others_are_reported() {
    if !servers_available() {
        return;
    }
    let source = Db::new("mysql", "trg_src");
    source.exec(
        "CREATE TABLE `t` (`id` int NOT NULL, `b` varchar(10), `n` int, PRIMARY KEY (`id`));
         CREATE TABLE `audit` (`tid` int, `what` varchar(10));
         CREATE TRIGGER `t_bi` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.b = upper(NEW.b), NEW.n = coalesce(NEW.n, 0) + 1;
         DELIMITER //
         CREATE TRIGGER `t_ai` AFTER INSERT ON `t` FOR EACH ROW BEGIN
           INSERT INTO `audit` (`tid`, `what`) VALUES (NEW.id, 'insert');
         END//
         CREATE TRIGGER `t_bu` BEFORE UPDATE ON `t` FOR EACH ROW BEGIN
           IF NEW.n < 0 THEN SET NEW.n = 0; END IF;
         END//
         DELIMITER ;",
    );
    let target = Db::new("postgres", "trg_dst");
    let (src, dst) = (source.url(), target.url());
    let out = ok(&["clone", &src, &dst]);
    assert!(
        stderr(&out).contains(
            "warning: skipped trigger \"t_bu\" on table \"t\" (its body is mysql procedural \
             code, which is not translated: write it for postgres: its body uses IF, which is \
             not translated (SET, INSERT, UPDATE and DELETE are))\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("0 lossy, 1 skipped"),
        "{}",
        stderr(&out)
    );
    target.exec("INSERT INTO t (id, b) VALUES (1, 'abc')");
    assert_eq!(
        target.count("SELECT COUNT(*) FROM t WHERE b = 'ABC' AND n = 1"),
        1
    );
    assert_eq!(
        target.count("SELECT COUNT(*) FROM audit WHERE tid = 1 AND what = 'insert'"),
        1
    );
    let out = ok(&["diff", &src, &dst]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
    let out = ok(&["clone", &src, &dst]);
    assert!(
        stderr(&out).contains(
            "pre 0 (2 already there), base 0 (2 already there), seal 0 (2 already there)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mysql_on_update_current_timestamp_is_a_trigger_in_sqlite() {
    if !servers_available() {
        return;
    }
    let source = Db::new("mysql", "stamp_src");
    source.exec(
        "CREATE TABLE `stamped` (`id` int NOT NULL, `name` varchar(20), \
         `updated` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), \
         PRIMARY KEY (`id`))",
    );
    let target = Db::new("sqlite", "stamp_dst");
    let (src, dst) = (source.url(), target.url());
    let report = target_dir_file(&target, "loss.json");
    ok(&["clone", &src, &dst, "--loss-report", &report]);
    let loss: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let updated = loss["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["object"] == "column \"stamped\".\"updated\"")
        .unwrap();
    assert_eq!(updated["status"], "mapped");
    assert_eq!(updated["reason"], "ON UPDATE as a trigger");
    target.exec("INSERT INTO stamped (id, name, updated) VALUES (1, 'a', '2000-01-01 00:00:00')");
    // A change that leaves the column alone stamps the row ...
    target.exec("UPDATE stamped SET name = 'b' WHERE id = 1");
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM stamped WHERE updated > '2020-01-01'"),
        1
    );
    // ... one that sets it keeps its value, and one that changes nothing stamps nothing.
    target.exec("UPDATE stamped SET name = 'c', updated = '2001-01-01 00:00:00' WHERE id = 1");
    target.exec("UPDATE stamped SET name = 'c' WHERE id = 1");
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM stamped WHERE updated = '2001-01-01 00:00:00'"),
        1
    );
    let out = ok(&["diff", &src, &dst]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
}

/// A path in a SQLite test database's own directory.
fn target_dir_file(db: &Db, name: &str) -> String {
    match db {
        Db::Lite(dir) => dir.path().join(name).display().to_string(),
        _ => std::env::temp_dir()
            .join(format!("{}_{name}", std::process::id()))
            .display()
            .to_string(),
    }
}

/// The rows of the blog fixture as a MySQL export writes them (`INSERT` statements
/// with explicit keys), for the target's quoting.
fn blog_rows(db: &Db) -> String {
    let q = |n: &str| db.quote(n);
    format!(
        "INSERT INTO {u} ({id}, {login}, {email}, {reg}, {name}) VALUES \
           (1, 'admin', 'admin@example.org', '2024-01-01 10:00:00', 'Admin'), \
           (2, 'editor', 'ed@example.org', '2024-02-01 10:00:00', 'Editor'); \
         INSERT INTO {p} ({id}, {author}, {date}, {gmt}, {content}, {title}, {pname}) VALUES \
           (1, 1, '2024-01-02 00:00:00', '2024-01-02 00:00:00', 'Hello world', 'Hello', 'hello-world'), \
           (2, 2, '2024-03-04 05:06:07', '2024-03-04 05:06:07', 'A draft', 'Draft', 'draft'); \
         INSERT INTO {m} ({mid}, {pid}, {key}, {value}) VALUES (1, 1, '_edit_lock', '1700000000:1'); \
         INSERT INTO {o} ({oid}, {oname}, {ovalue}) VALUES (1, 'siteurl', 'http://example.org'), \
           (2, 'blogname', 'Blog'); \
         INSERT INTO {l} ({obj}, {term}) VALUES (1, 1), (2, 1);",
        u = q("blog_users"),
        p = q("blog_posts"),
        m = q("blog_postmeta"),
        o = q("blog_options"),
        l = q("blog_term_links"),
        id = q("ID"),
        login = q("user_login"),
        email = q("user_email"),
        reg = q("user_registered"),
        name = q("display_name"),
        author = q("post_author"),
        date = q("post_date"),
        gmt = q("post_modified_gmt"),
        content = q("post_content"),
        title = q("post_title"),
        pname = q("post_name"),
        mid = q("meta_id"),
        pid = q("post_id"),
        key = q("meta_key"),
        value = q("meta_value"),
        oid = q("option_id"),
        oname = q("option_name"),
        ovalue = q("option_value"),
        obj = q("object_id"),
        term = q("term_id"),
    )
}

#[test]
fn a_php_applications_mysql_schema_moves_to_postgres_and_sqlite_with_its_rows() {
    if !servers_available() {
        return;
    }
    let source = Db::new("mysql", "blog_src");
    source.exec(&fixture("blog-mysql.sql"));
    let src = source.url();
    for to in ["postgres", "sqlite"] {
        let target = Db::new(to, &format!("blog_{to}"));
        let dst = target.url();
        ok(&["apply", &src, &dst, "--phase", "pre"]);
        ok(&["apply", &src, &dst, "--phase", "base"]);
        if to == "postgres" {
            // The source's rows hold zero dates PostgreSQL cannot take: check names them.
            let out = run(&["check", &src, &dst]);
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            let table = String::from_utf8_lossy(&out.stdout).into_owned();
            let zero = table
                .lines()
                .find(|l| l.contains("column \"post_modified_gmt\" on table \"blog_posts\""))
                .unwrap_or_else(|| panic!("{table}"));
            assert!(
                zero.starts_with("FAIL   2 ")
                    && zero
                        .trim_end()
                        .ends_with("zero dates the target cannot hold (e.g. 1, 2)"),
                "{zero}"
            );
        }
        // The rows as exported after the dates are set, loaded into the base tables.
        target.exec(&blog_rows(&target));
        let out = ok(&["apply", &src, &dst, "--phase", "seal"]);
        assert!(stderr(&out).contains("seal"), "{}", stderr(&out));
        let out = ok(&["diff", &src, &dst]);
        assert_eq!(stderr(&out).lines().last(), Some("no differences"), "{to}");
        // The keys go on numbering past the loaded rows; the foreign keys hold and
        // cascade.
        let q = |n: &str| target.quote(n);
        target.exec(&enforcing(
            to,
            &format!(
                "INSERT INTO {} ({}, {}) VALUES ('home', 'x')",
                q("blog_options"),
                q("option_name"),
                q("option_value")
            ),
        ));
        assert_eq!(
            target.count(&format!(
                "SELECT COUNT(*) AS n FROM {} WHERE {} = 3",
                q("blog_options"),
                q("option_id")
            )),
            1,
            "{to}"
        );
        let orphan = format!(
            "INSERT INTO {} ({}, {}, {}, {}) VALUES (9, 'x', 'y', 'z')",
            q("blog_posts"),
            q("post_author"),
            q("post_content"),
            q("post_title"),
            q("post_name")
        );
        assert!(target.try_exec(&enforcing(to, &orphan)).is_err(), "{to}");
        target.exec(&enforcing(
            to,
            &format!("DELETE FROM {} WHERE {} = 1", q("blog_users"), q("ID")),
        ));
        assert_eq!(
            target.count(&format!("SELECT COUNT(*) AS n FROM {}", q("blog_postmeta"))),
            0,
            "{to}: the cascade"
        );
        let out = ok(&["clone", &src, &dst]);
        assert!(
            stderr(&out).contains("pre 0, base 0 (5 already there)"),
            "{to}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn sqlite_text_keys_and_indexes_fit_mysqls_key_limits() {
    if !servers_available() {
        return;
    }
    let source = Db::new("sqlite", "keys_src");
    source.exec(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value, updated DATETIME DEFAULT CURRENT_TIMESTAMP);
         CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL COLLATE NOCASE,
           done BOOLEAN NOT NULL DEFAULT 0, body TEXT, UNIQUE (name, done));
         CREATE INDEX items_done ON items (done, body);
         CREATE INDEX items_body ON items (body);
         CREATE VIEW open_items AS SELECT id, name FROM items WHERE done = 0;",
    );
    let target = Db::new("mysql", "keys_dst");
    let (src, dst) = (source.url(), target.url());
    let report = std::env::temp_dir().join(format!("sr_keys_{}.json", std::process::id()));
    ok(&[
        "clone",
        &src,
        &dst,
        "--loss-report",
        report.to_str().unwrap(),
    ]);
    let objects = report_objects(&report);
    assert_eq!(
        objects["column \"settings\".\"key\""]["reason"],
        "unlimited text in a key: MySQL keys hold 768 characters of it at most"
    );
    assert_eq!(objects["column \"settings\".\"key\""]["to"], "varchar(768)");
    assert_eq!(
        objects["column \"items\".\"name\""]["to"], "varchar(191)",
        "a two-column unique key shares 3072 bytes"
    );
    assert_eq!(objects["column \"items\".\"body\""]["to"], "longtext");
    assert_eq!(
        objects["index \"items_done\" on table \"items\""]["reason"],
        "body indexed by its first 191 characters"
    );
    // Long values load: the plain indexes hold a prefix, the text is whole.
    let long = "x".repeat(5000);
    target.exec(&format!(
        "INSERT INTO `settings` (`key`, `value`) VALUES ('{}', 'v');
         INSERT INTO `items` (`name`, `body`) VALUES ('a', '{long}');",
        "k".repeat(768)
    ));
    assert_eq!(
        target.count("SELECT COUNT(*) FROM `items` WHERE CHAR_LENGTH(`body`) = 5000"),
        1
    );
    assert_eq!(target.count("SELECT COUNT(*) FROM `open_items`"), 1);
    let out = ok(&["diff", &src, &dst]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
}

#[test]
fn a_translated_seal_killed_part_way_is_finished_by_a_re_run() {
    if !servers_available() {
        return;
    }
    // 300 MySQL tables as applications write them: the same index name and the same
    // check name on every table (one schema-wide namespace of indexes in PostgreSQL), a
    // foreign key from each to the one before, an AUTO_INCREMENT key.
    let source = Db::new("mysql", "killed_src");
    let mut script = String::new();
    for i in 0..300 {
        let parent = match i {
            0 => String::new(),
            _ => format!(
                ", CONSTRAINT `fk_{i}` FOREIGN KEY (`parent_id`) REFERENCES `t{}` (`id`)",
                i - 1
            ),
        };
        script.push_str(&format!(
            "CREATE TABLE `t{i}` (`id` int NOT NULL AUTO_INCREMENT, `parent_id` int, \
             `name` varchar(100) NOT NULL DEFAULT 'x', PRIMARY KEY (`id`), \
             KEY `idx_name` (`name`), CONSTRAINT `chk_name` CHECK (`name` <> ''){parent});\n"
        ));
    }
    source.exec(&script);
    let target = Db::new("postgres", "killed_dst");
    let (src, dst) = (source.url(), target.url());
    ok(&["apply", &src, &dst, "--phase", "pre"]);
    ok(&["apply", &src, &dst, "--phase", "base"]);
    let journaled = || {
        client(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-Atq",
                &dst_name(&target),
            ],
            "SELECT count(*) FROM _schema_replicator.journal",
        )
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
    };
    let seal = ["apply", src.as_str(), dst.as_str(), "--phase", "seal"];
    let done = common::kill_when_journaled(&seal, 150, journaled);
    assert!(done >= 150, "{done} statements journaled before the kill");
    let out = ok(&seal);
    assert!(
        stderr(&out).contains(&format!(
            "resuming after the {done} an interrupted run had applied"
        )),
        "{}",
        stderr(&out)
    );
    let out = ok(&["diff", &src, &dst]);
    assert_eq!(stderr(&out).lines().last(), Some("no differences"));
    // Every table kept its own index and check: the second and later `idx_name` under
    // a hash suffix.
    assert_eq!(
        target.count(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname LIKE 'idx_name%'"
        ),
        300
    );
    assert_eq!(
        target.count("SELECT COUNT(*) FROM pg_constraint WHERE conname = 'chk_name'"),
        300
    );
    let out = ok(&seal);
    assert!(
        stderr(&out).contains("nothing to do: seal is already applied"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_schema_offered_to_another_dialect_untranslated_or_without_a_translation_is_refused() {
    use schema_replicator::{DdlApplier, DdlExtractor, OpenOptions, Registry, Schema};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::Lite(tempfile::tempdir().unwrap());
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    let registry = Registry::builtin().unwrap();
    // Read for SQLite, offered to PostgreSQL: the applier refuses before connecting.
    let read = DdlExtractor::open_with(&db.url(), &registry, &OpenOptions::default()).unwrap();
    let applier = DdlApplier::open("postgres://postgres@127.0.0.1:1/x", &registry).unwrap();
    assert_eq!(
        applier.check_dialect(&read).unwrap_err().to_string(),
        "the schema was read as sqlite and the target is postgres: open the source for the \
         target's dialect (OpenOptions::with_target) to translate it"
    );
    // A schema of a dialect no translation knows.
    let sqlite = registry.by_name("sqlite").unwrap();
    let error =
        schema_replicator::translate(Schema::new("oracle"), sqlite.as_ref(), &Default::default())
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot translate a oracle schema to sqlite: translations exist between postgres, \
         mysql and sqlite only"
    );
    // A type map that is not there.
    let missing = dir.path().join("missing.toml");
    let out = run(&[
        "ddl",
        &db.url(),
        "--phase",
        "base",
        "--to",
        "postgres",
        "--type-map",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("error: {}", missing.display())),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}
