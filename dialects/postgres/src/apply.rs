//! Applying statements in one transaction: all or nothing (the seal, which runs over
//! several connections with a journal, is in [`crate::seal`]). A failure names the
//! object and the statement; a constraint that meets offending rows is explained with
//! its preflight query (how many rows, a few sample keys).

use diesel::connection::SimpleConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::{
    ApplyOptions, ApplyReport, DbUrl, Error, Phase, Problem, Progress, Result, Statement, Violation,
};

use crate::connect;

/// The result of a statement's preflight query.
#[derive(QueryableByName)]
pub(crate) struct Violations {
    #[diesel(sql_type = BigInt)]
    pub(crate) rows: i64,
    #[diesel(sql_type = Array<Text>)]
    pub(crate) samples: Vec<String>,
}

const ROLLED_BACK: &str = "nothing was applied (the batch runs in one transaction)";

/// The server's message with its detail, on one line.
pub(crate) fn message(url: &DbUrl, e: &DieselError) -> String {
    let text = match e {
        DieselError::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection
            | diesel::result::DatabaseErrorKind::UnableToSendCommand,
            info,
        ) => format!(
            "lost the connection to the server ({})",
            info.message().trim()
        ),
        DieselError::DatabaseError(_, info) => match info.details() {
            Some(detail) => format!("{} ({detail})", info.message()),
            None => info.message().to_owned(),
        },
        other => other.to_string(),
    };
    url.one_line(&text)
}

/// Applies `statements`: the seal's with the journal over `options.jobs` connections,
/// the others before them in one transaction, or in groups when they are too many for
/// one or `-j` asks for more connections ([`crate::base`]); those `options.present`
/// lists are skipped.
pub(crate) fn apply_with(
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let seals = statements.iter().any(|s| s.phase == Some(Phase::Seal));
    if options.no_rows && seals && crate::base::grouped(statements, options.jobs) {
        // Tables without rows: nothing the seal adds can be violated, and groups of its
        // statements, each one transaction, do without a journal row per statement.
        // The groups skip what `options.present` lists (no copy of the rest).
        return crate::base::apply(url, statements, options);
    }
    // A phase's statements are all of the seal or none of it: applied as they are,
    // without a copy (tens of thousands of statements at scale).
    if !seals {
        return apply_others(url, statements, options);
    }
    if statements.iter().all(|s| s.phase == Some(Phase::Seal)) {
        let mut report = crate::seal::apply(url, statements, options)?;
        report.transactional = false;
        return Ok(report);
    }
    // The seal's statements (with those the target holds, which the journaled driver
    // counts) and the others still to run.
    let mut sealing = Vec::new();
    let mut sealing_present = std::collections::BTreeSet::new();
    let mut others = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        let present = options.present.contains(&i);
        if statement.phase == Some(Phase::Seal) {
            if present {
                sealing_present.insert(sealing.len());
            }
            sealing.push(statement.clone());
        } else if !present {
            others.push(statement.clone());
        }
    }
    let mut report = ApplyReport::default();
    if !others.is_empty() {
        report = apply_others(
            url,
            &others,
            &options.clone().with_present(Default::default()),
        )?;
    }
    let seal_options = options.clone().with_present(sealing_present);
    let mut combined = crate::seal::apply(url, &sealing, &seal_options)?;
    combined.statements += report.statements;
    // The seal's report counts what its journal did not already list.
    combined.present += options.present.len() - seal_options.present.len();
    combined.transactional = false;
    Ok(combined)
}

/// Applies statements none of which belongs to the seal, skipping those
/// `options.present` lists: in groups of transactions when they are too many for one
/// (or `-j` asks for more connections), else, and when none is left to run, in one
/// transaction.
fn apply_others(
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let pending = options.pending(statements);
    if !pending.is_empty() && crate::base::grouped(pending.iter(), options.jobs) {
        // The groups skip what `present` lists in place: no copy held meanwhile.
        drop(pending);
        return crate::base::apply(url, statements, options);
    }
    let mut report = transaction_waiting_for_locks(url, &pending, options)?;
    report.present = options.present.len();
    Ok(report)
}

/// Why a transaction stopped.
enum Stopped {
    /// Statement `.0` could not get its lock; `.1` names who holds it.
    Locked(usize, String),
    /// Anything else.
    Failed(Error),
}

impl From<Error> for Stopped {
    fn from(error: Error) -> Self {
        Stopped::Failed(error)
    }
}

/// Applies `statements` in one transaction, each waiting at most
/// `options.lock_timeout` for a lock; a transaction stopped by a lock timeout is rolled
/// back and run again, `options.lock_retries` times, each wait reported.
fn transaction_waiting_for_locks(
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let mut conn = connect(url)?;
    crate::seal::set_lock_timeout(&mut conn, options.lock_timeout).map_err(|e| Error::Apply {
        object: url.to_string(),
        reason: message(url, &e),
        outcome: ROLLED_BACK.into(),
    })?;
    let started = std::time::Instant::now();
    let mut attempt = 1;
    loop {
        match transaction(&mut conn, url, statements, options) {
            Ok(report) => return Ok(report),
            Err(Stopped::Failed(error)) => return Err(error),
            Err(Stopped::Locked(i, holder)) => {
                let what = statements[i].describe();
                let at = Progress::new(0, statements.len(), started.elapsed());
                match options.wait_for_lock(attempt, &what, &holder, at) {
                    Some(pause) => std::thread::sleep(pause),
                    None => {
                        return Err(Error::Apply {
                            object: what,
                            reason: options.gave_up_on_lock(&holder),
                            outcome: ROLLED_BACK.into(),
                        })
                    }
                }
                attempt += 1;
            }
        }
    }
}

/// Applies `statements` in one transaction.
fn transaction(
    conn: &mut PgConnection,
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> std::result::Result<ApplyReport, Stopped> {
    let started = std::time::Instant::now();
    let fail = |reason: String| Error::Apply {
        object: url.to_string(),
        reason,
        outcome: ROLLED_BACK.into(),
    };
    conn.batch_execute("BEGIN")
        .map_err(|e| fail(message(url, &e)))?;
    for (done, statement) in statements.iter().enumerate() {
        let timer = schema_replicator_core::trace::statement(&statement.sql);
        if let Err(e) = conn.batch_execute(&statement.sql) {
            drop(timer);
            let reason = message(url, &e);
            conn.batch_execute("ROLLBACK")
                .map_err(|e| fail(message(url, &e)))?;
            if crate::seal::is_lock_timeout(&e) {
                let holder = crate::seal::lock_holders(conn, statement);
                return Err(Stopped::Locked(done, holder));
            }
            return Err(explain(conn, statement, reason, ROLLED_BACK).into());
        }
        drop(timer);
        options.report(&Progress::new(
            done + 1,
            statements.len(),
            started.elapsed(),
        ));
    }
    conn.batch_execute("COMMIT")
        .map_err(|e| fail(message(url, &e)))?;
    Ok(ApplyReport::in_one_transaction(statements.len()))
}

/// The error for a failed statement, with the offending rows counted where the
/// statement has a preflight query; `outcome` says what the batch leaves behind.
pub(crate) fn explain(
    conn: &mut PgConnection,
    statement: &Statement,
    reason: String,
    outcome: &str,
) -> Error {
    let object = statement.describe();
    let found = statement.preflight.as_ref().and_then(|sql| {
        diesel::sql_query(sql)
            .load::<Violations>(conn)
            .ok()
            .and_then(|v| v.into_iter().next())
            .filter(|v| v.rows > 0)
    });
    let problem = statement
        .objects
        .first()
        .map_or(Problem::FailingRows, |o| Problem::of(o.kind));
    match found {
        // The counts say more than the server's message.
        Some(v) => Error::RefusedRows {
            violations: vec![Violation {
                object,
                problem,
                rows: v.rows as u64,
                samples: v.samples,
            }],
            outcome: outcome.into(),
        },
        None => Error::Apply {
            object,
            reason: format!("{reason} in statement `{}`", statement.excerpt()),
            outcome: outcome.into(),
        },
    }
}

/// One role name a catalog query returns.
#[derive(QueryableByName)]
struct Role {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The roles of `roles` the server at `url` does not have (roles are the cluster's).
pub(crate) fn missing_roles(url: &DbUrl, roles: &[String]) -> Result<Vec<String>> {
    let mut conn = connect(url)?;
    let present: std::collections::HashSet<String> = diesel::sql_query(
        "SELECT rolname::text AS name FROM pg_catalog.pg_roles WHERE rolname = ANY ($1)",
    )
    .bind::<Array<Text>, _>(roles)
    .load::<Role>(&mut conn)
    .map_err(|e| Error::Apply {
        object: "the roles".into(),
        reason: message(url, &e),
        outcome: "nothing was applied".into(),
    })?
    .into_iter()
    .map(|r| r.name)
    .collect();
    Ok(roles
        .iter()
        .filter(|r| !present.contains(*r))
        .cloned()
        .collect())
}

/// Whether the database at `url` has the extension `name` installed.
pub(crate) fn has_extension(url: &DbUrl, name: &str) -> Result<bool> {
    let mut conn = connect(url)?;
    let found = diesel::sql_query(
        "SELECT extname::text AS name FROM pg_catalog.pg_extension WHERE extname = $1",
    )
    .bind::<Text, _>(name)
    .load::<Role>(&mut conn)
    .map_err(|e| Error::Reflect {
        object: format!("extension {}", schema_replicator_core::quoted(name)),
        reason: message(url, &e),
    })?;
    Ok(!found.is_empty())
}
