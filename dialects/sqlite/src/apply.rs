//! Transactional apply: every batch runs in one transaction with foreign key
//! enforcement off (as SQLite's table-rebuild procedure requires), then
//! `foreign_key_check` decides between COMMIT and ROLLBACK.

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
use schema_replicator_core::plan::table_objects;
use schema_replicator_core::{
    ApplyOptions, ApplyReport, Error, Problem, Progress, Result, Statement, Table, Violation,
};

use crate::quote_ident;
use crate::render::REBUILD_PREFIX;

#[derive(QueryableByName)]
struct ViolationRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = BigInt)]
    fkid: i64,
    #[diesel(sql_type = BigInt)]
    violations: i64,
}

#[derive(QueryableByName)]
struct SampleRow {
    #[diesel(sql_type = Text)]
    sample: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Samples of orphan keys reported per foreign key.
const SAMPLES: usize = 5;

pub(crate) fn apply(
    conn: &mut SqliteConnection,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let internal = |reason: String| Error::Apply {
        object: "the transaction".into(),
        reason,
        outcome: "nothing was applied".into(),
    };
    // Another connection writing to the file holds its lock: wait for it as long as
    // `options` allow, saying so, then give up with nothing applied.
    conn.batch_execute(&format!(
        "PRAGMA foreign_keys = OFF; PRAGMA busy_timeout = {}",
        options.lock_timeout.as_millis().clamp(1, i32::MAX as u128)
    ))
    .map_err(|e| internal(e.to_string()))?;
    let started = std::time::Instant::now();
    let mut attempt = 1;
    while let Err(e) = conn.batch_execute("BEGIN IMMEDIATE") {
        let text = e.to_string();
        if !text.contains("database is locked") {
            return Err(internal(text));
        }
        let holder = "another connection is writing to the database file";
        let at = Progress::new(0, statements.len(), started.elapsed());
        match options.wait_for_lock(attempt, "the transaction", holder, at) {
            Some(pause) => std::thread::sleep(pause),
            None => return Err(internal(options.gave_up_on_lock(holder))),
        }
        attempt += 1;
    }
    let result = size_cache(conn, statements).and_then(|()| run(conn, statements, options));
    match result {
        Ok(()) => {
            conn.batch_execute("COMMIT")
                .map_err(|e| internal(e.to_string()))?;
            Ok(ApplyReport::in_one_transaction(statements.len()))
        }
        Err(e) => {
            // The error names what failed; a failed rollback would only hide it.
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

/// A page cache sized for the schema: every `CREATE` re-reads `sqlite_schema`, and a
/// rebuild's `DROP TABLE` scans it, so a cache that holds it is not read from the file
/// again and again (a clone of 5,000 tables: 43 s with SQLite's default 2 MiB, 26 s with
/// 16 MiB). Twice the schema's text (what the file holds and what `statements` add), at
/// least SQLite's default and at most 64 MiB: at 5,000 tables about 7 MiB, where a
/// fixed 16 MiB cost a clone's peak memory as much. Run in the transaction, once the
/// file's lock is held.
fn size_cache(conn: &mut SqliteConnection, statements: &[Statement]) -> Result<()> {
    let failed = |e: diesel::result::Error| Error::Apply {
        object: "the transaction".into(),
        reason: e.to_string(),
        outcome: "nothing was applied (rolled back)".into(),
    };
    let held: Vec<Count> =
        diesel::sql_query("SELECT coalesce(sum(length(sql)), 0) AS n FROM sqlite_schema")
            .load(conn)
            .map_err(failed)?;
    let text = held.first().map_or(0, |c| c.n)
        + statements.iter().map(|s| s.sql.len() as i64).sum::<i64>();
    let cache_kib = (2 * text / 1024).clamp(2048, 65536);
    conn.batch_execute(&format!("PRAGMA cache_size = -{cache_kib}"))
        .map_err(failed)
}

fn run(
    conn: &mut SqliteConnection,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<()> {
    let started = std::time::Instant::now();
    for (done, statement) in statements.iter().enumerate() {
        let _timer = schema_replicator_core::trace::statement(&statement.sql);
        conn.batch_execute(&statement.sql)
            .map_err(|e| Error::Apply {
                object: statement.describe(),
                // SQLite names the table being rebuilt by its temporary name.
                reason: e.to_string().replace(REBUILD_PREFIX, ""),
                outcome: "nothing was applied (rolled back)".into(),
            })?;
        options.report(&Progress::new(
            done + 1,
            statements.len(),
            started.elapsed(),
        ));
    }
    let violations = foreign_key_violations(conn)?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::RefusedRows {
            violations,
            outcome: "nothing was applied".into(),
        })
    }
}

/// Every foreign key that has orphan rows, with the count and a few sample keys.
pub(crate) fn foreign_key_violations(conn: &mut SqliteConnection) -> Result<Vec<Violation>> {
    let check_error = |e: diesel::result::Error| Error::Apply {
        object: "foreign key check".into(),
        reason: e.to_string(),
        outcome: "nothing was applied (rolled back)".into(),
    };
    let rows: Vec<ViolationRow> = diesel::sql_query(
        "SELECT \"table\" AS table_name, fkid, count(*) AS violations \
         FROM pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .load(conn)
    .map_err(check_error)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let schema = crate::reflect::reflect(conn)?;
    let mut out = Vec::new();
    for row in rows {
        let table = schema.tables.iter().find(|t| t.name.name == row.table_name);
        let (label, samples) = match table {
            Some(table) => {
                // pragma ids count down from the last declared foreign key.
                let n = table.foreign_keys.len() as i64;
                let index = usize::try_from(n - 1 - row.fkid).unwrap_or(0);
                let label = table_objects(table)
                    .foreign_keys
                    .get(index)
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| format!("#{} of table {}", row.fkid, table.name));
                // Samples are a courtesy: a parent table that does not exist makes the
                // sample query fail, and the count alone still tells the story.
                let samples =
                    sample_orphans(conn, &schema.tables, table, index).unwrap_or_default();
                (label, samples)
            }
            None => (
                format!("#{} of table \"{}\"", row.fkid, row.table_name),
                Vec::new(),
            ),
        };
        out.push(Violation {
            object: label,
            problem: Problem::OrphanRows,
            rows: u64::try_from(row.violations).unwrap_or(0),
            samples,
        });
    }
    Ok(out)
}

/// Up to [`SAMPLES`] distinct orphan key values of one foreign key, as SQL literals.
fn sample_orphans(
    conn: &mut SqliteConnection,
    tables: &[Table],
    table: &Table,
    index: usize,
) -> diesel::QueryResult<Vec<String>> {
    let Some(fk) = table.foreign_keys.get(index) else {
        return Ok(Vec::new());
    };
    let referenced = if fk.referenced_columns.is_empty() {
        tables
            .iter()
            .find(|t| t.name == fk.referenced_table)
            .and_then(|t| t.primary_key.as_ref())
            .map(|pk| pk.columns.clone())
            .unwrap_or_default()
    } else {
        fk.referenced_columns.clone()
    };
    if referenced.len() != fk.columns.len() {
        return Ok(Vec::new());
    }
    let child = |c: &String| format!("c.{}", quote_ident(c));
    let shown: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("quote({})", child(c)))
        .collect();
    let shown = if shown.len() == 1 {
        shown[0].clone()
    } else {
        format!("'(' || {} || ')'", shown.join(" || ', ' || "))
    };
    let not_null: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("{} IS NOT NULL", child(c)))
        .collect();
    let matches: Vec<String> = fk
        .columns
        .iter()
        .zip(&referenced)
        .map(|(c, r)| format!("p.{} = {}", quote_ident(r), child(c)))
        .collect();
    let sql = format!(
        "SELECT DISTINCT {shown} AS sample FROM {} AS c WHERE {} AND NOT EXISTS \
         (SELECT 1 FROM {} AS p WHERE {}) LIMIT {SAMPLES}",
        quote_ident(&table.name.name),
        not_null.join(" AND "),
        quote_ident(&fk.referenced_table.name),
        matches.join(" AND ")
    );
    let rows: Vec<SampleRow> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(|r| r.sample).collect())
}
