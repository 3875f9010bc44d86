//! Applying statements on a server whose DDL commits statement by statement.
//!
//! "All or nothing" cannot hold, so the applier keeps a journal in the target, the
//! table [`JOURNAL_TABLE`]: one row per statement done, written right after it. A
//! re-run of the same batch (the same statements: the same command and arguments)
//! skips what the journal lists, and checks whether the statement that was running
//! when the previous run died got done (each statement is atomic), so nothing is
//! applied twice and nothing is missed. A successful run removes its rows, and the
//! table when no other batch has rows in it.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{MysqlConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::{ApplyReport, DbUrl, Error, ObjectId, ObjectKind, Result, Statement};

use schema_replicator_core::check::json_samples;

use crate::{quote_ident, quote_literal};

/// The journal table the applier keeps in the target while a batch is under way.
pub const JOURNAL_TABLE: &str = "_schema_replicator_journal";

/// How long a re-run waits for statements a killed run left running on the server.
const WAIT_FOR_ORPHANS: Duration = Duration::from_secs(600);

#[derive(QueryableByName)]
struct Violations {
    #[diesel(sql_type = BigInt)]
    object: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Text>)]
    samples: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Running {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    info: Option<String>,
}

/// The server's message, on one line, without the password.
fn message(url: &DbUrl, e: &DieselError) -> String {
    url.one_line(&e.to_string())
}

/// A stable 64-bit digest (FNV-1a) of the batch: the journal's key for "the same run".
fn digest(statements: &[Statement]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for statement in statements {
        for byte in statement.sql.bytes().chain([0u8]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn count(conn: &mut MysqlConnection, sql: &str) -> diesel::QueryResult<i64> {
    Ok(diesel::sql_query(sql)
        .load::<Count>(conn)?
        .first()
        .map_or(0, |c| c.n))
}

pub(crate) fn apply(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    statements: &[Statement],
) -> Result<ApplyReport> {
    let fail = |reason: String| Error::Apply {
        object: url.to_string(),
        reason,
        outcome: "nothing was applied".into(),
    };
    let batch = quote_literal(&digest(statements));
    let journal = quote_ident(JOURNAL_TABLE);
    // A journal left behind means an earlier run stopped, possibly while running its
    // first statement, before it journaled anything.
    let interrupted = count(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
            quote_literal(JOURNAL_TABLE)
        ),
    )
    .map_err(|e| fail(message(url, &e)))?
        > 0;
    conn.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {journal} (\
           batch CHAR(16) NOT NULL, \
           ordinal INT NOT NULL, \
           object VARCHAR(1024) NOT NULL, \
           applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \
           PRIMARY KEY (batch, ordinal)\
         ) ENGINE=InnoDB COMMENT='Schema Replicator: statements applied so far; a re-run \
         of the same command resumes after them. Dropped when the run completes.'"
    ))
    .map_err(|e| fail(message(url, &e)))?;
    let done = count(
        conn,
        &format!("SELECT COUNT(*) AS n FROM {journal} WHERE batch = {batch}"),
    )
    .map_err(|e| fail(message(url, &e)))?;
    let done = usize::try_from(done).unwrap_or(0).min(statements.len());
    let mut resumed = done;
    if interrupted {
        // Wait for what the stopped run may have left running on the server, then see
        // whether the statement after its journaled ones got done.
        wait_for_orphans(conn, url)?;
        if let Some(next) = statements.get(done) {
            if already_applied(conn, next).map_err(|e| fail(message(url, &e)))? {
                record(conn, &journal, &batch, done, next).map_err(|e| fail(message(url, &e)))?;
                resumed += 1;
            }
        }
    }
    for (ordinal, statement) in statements.iter().enumerate().skip(resumed) {
        if let Err(e) = conn.batch_execute(&statement.sql) {
            let reason = message(url, &e);
            return Err(explain(conn, statement, reason, ordinal, statements.len()));
        }
        record(conn, &journal, &batch, ordinal, statement).map_err(|e| Error::Apply {
            object: statement.describe(),
            reason: format!("recording it in the journal: {}", message(url, &e)),
            outcome: kept(ordinal + 1, statements.len()),
        })?;
    }
    let cleanup = |e: diesel::result::Error| Error::Apply {
        object: JOURNAL_TABLE.into(),
        reason: format!("removing the finished run: {}", message(url, &e)),
        outcome: format!(
            "all {} statements are applied; drop the table by hand",
            statements.len()
        ),
    };
    conn.batch_execute(&format!("DELETE FROM {journal} WHERE batch = {batch}"))
        .map_err(cleanup)?;
    let others = count(conn, &format!("SELECT COUNT(*) AS n FROM {journal}")).map_err(cleanup)?;
    if others == 0 {
        conn.batch_execute(&format!("DROP TABLE IF EXISTS {journal}"))
            .map_err(cleanup)?;
    }
    Ok(ApplyReport {
        statements: statements.len(),
        transactional: false,
        resumed,
    })
}

fn record(
    conn: &mut MysqlConnection,
    journal: &str,
    batch: &str,
    ordinal: usize,
    statement: &Statement,
) -> diesel::QueryResult<()> {
    let object: String = statement.describe().chars().take(1000).collect();
    conn.batch_execute(&format!(
        "INSERT INTO {journal} (batch, ordinal, object) VALUES ({batch}, {ordinal}, {})",
        quote_literal(&object)
    ))
}

/// What is left behind when the statement after the first `applied` of `total` fails.
fn kept(applied: usize, total: usize) -> String {
    let done = match applied {
        0 => return "nothing was applied".into(),
        1 => format!("statement 1 of {total} is applied and stays so"),
        n => format!("statements 1 to {n} of {total} are applied and stay so"),
    };
    format!(
        "{done} (MySQL commits each DDL statement), recorded in {JOURNAL_TABLE}: fix the \
         cause and re-run the same command to resume"
    )
}

/// Waits while other sessions still run statements in this database: a killed client
/// leaves its statement running on the server until it completes.
fn wait_for_orphans(conn: &mut MysqlConnection, url: &DbUrl) -> Result<()> {
    let started = Instant::now();
    loop {
        let running: Vec<Running> = diesel::sql_query(
            "SELECT CAST(ID AS SIGNED) AS id, INFO AS info FROM information_schema.PROCESSLIST \
             WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Query'",
        )
        .load(conn)
        .map_err(|e| Error::Apply {
            object: url.to_string(),
            reason: message(url, &e),
            outcome: "nothing was applied".into(),
        })?;
        let Some(first) = running.first() else {
            return Ok(());
        };
        if started.elapsed() > WAIT_FOR_ORPHANS {
            return Err(Error::Apply {
                object: url.to_string(),
                reason: format!(
                    "session {} still runs `{}` in this database after {} s",
                    first.id,
                    schema_replicator_core::dialect::shorten(
                        first.info.as_deref().unwrap_or(""),
                        120
                    ),
                    WAIT_FOR_ORPHANS.as_secs()
                ),
                outcome: "nothing was applied; wait for it (or KILL it) and re-run".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether the objects of a statement that was running when a run died exist: a
/// statement is atomic, so its first checkable object tells.
fn already_applied(conn: &mut MysqlConnection, statement: &Statement) -> diesel::QueryResult<bool> {
    for object in &statement.objects {
        if let Some(sql) = probe(object) {
            return Ok(count(conn, &sql)? > 0);
        }
    }
    Ok(false)
}

/// A query counting the catalog rows of `object`, for the kinds that can be checked.
fn probe(object: &ObjectId) -> Option<String> {
    let table = object.table.as_ref().map(|t| quote_literal(&t.name));
    let bare = |id: &ObjectId| {
        // Standalone ids hold the displayed name: `"name"`.
        let name = id.name.trim_matches('"').replace("\"\"", "\"");
        quote_literal(&name)
    };
    let unquote = |s: &str| quote_literal(&s.trim_matches('"').replace("\"\"", "\""));
    let schema = "TABLE_SCHEMA = DATABASE()";
    Some(match object.kind {
        ObjectKind::Table => format!(
            "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE {schema} AND TABLE_NAME = {}",
            table?
        ),
        ObjectKind::Index => format!(
            "SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE {schema} \
             AND TABLE_NAME = {} AND INDEX_NAME = {}",
            table?,
            unquote(&object.name)
        ),
        ObjectKind::ForeignKey | ObjectKind::Check => format!(
            "SELECT COUNT(*) AS n FROM information_schema.TABLE_CONSTRAINTS WHERE {schema} \
             AND TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
            table?,
            quote_literal(&object.name)
        ),
        ObjectKind::View => format!(
            "SELECT COUNT(*) AS n FROM information_schema.VIEWS WHERE {schema} AND TABLE_NAME = {}",
            bare(object)
        ),
        ObjectKind::Trigger => format!(
            "SELECT COUNT(*) AS n FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = {}",
            bare(object)
        ),
        // A counter or a column restatement is idempotent: running it again is harmless.
        _ => return None,
    })
}

/// The error for a failed statement, with the offending rows counted where it has a
/// preflight query.
fn explain(
    conn: &mut MysqlConnection,
    statement: &Statement,
    reason: String,
    ordinal: usize,
    total: usize,
) -> Error {
    let outcome = kept(ordinal, total);
    let found: Vec<Violations> = statement
        .preflight
        .as_ref()
        .and_then(|sql| diesel::sql_query(sql).load::<Violations>(conn).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|v| v.n > 0)
        .collect();
    if found.is_empty() {
        return Error::Apply {
            object: statement.describe(),
            reason: format!("{reason} in statement `{}`", statement.excerpt()),
            outcome,
        };
    }
    let parts: Vec<String> = found
        .iter()
        .map(|v| {
            let object = usize::try_from(v.object)
                .ok()
                .and_then(|i| statement.objects.get(i))
                .map(|o| o.to_string())
                .unwrap_or_else(|| statement.describe());
            let samples = json_samples(v.samples.as_deref());
            let noun = match (v.n == 1, statement_kind(statement, v.object)) {
                (true, Some(ObjectKind::ForeignKey)) => "orphan row",
                (false, Some(ObjectKind::ForeignKey)) => "orphan rows",
                (true, _) => "offending row",
                (false, _) => "offending rows",
            };
            format!("{object} has {} {noun} (e.g. {})", v.n, samples.join(", "))
        })
        .collect();
    // The counts say more than the server's message, which names a temporary table.
    Error::Apply {
        object: "seal refused".into(),
        reason: parts.join("; "),
        outcome,
    }
}

fn statement_kind(statement: &Statement, index: i64) -> Option<ObjectKind> {
    usize::try_from(index)
        .ok()
        .and_then(|i| statement.objects.get(i))
        .map(|o| o.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_digest_depends_on_every_statement() {
        let a = vec![Statement::new(None, vec![], "CREATE TABLE a (x int)")];
        let b = vec![Statement::new(None, vec![], "CREATE TABLE b (x int)")];
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(digest(&a), digest(&a.clone()));
        assert_eq!(digest(&a).len(), 16);
    }

    #[test]
    fn what_stays_applied_is_said() {
        assert_eq!(kept(0, 3), "nothing was applied");
        assert!(kept(1, 3).starts_with("statement 1 of 3 is applied and stays so (MySQL"));
        assert!(kept(2, 3).starts_with("statements 1 to 2 of 3 are applied and stay so"));
    }
}
