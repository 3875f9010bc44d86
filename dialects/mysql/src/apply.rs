//! Applying statements on a server whose DDL commits statement by statement.
//!
//! "All or nothing" cannot hold, so the applier keeps a journal in the target, the
//! table [`JOURNAL_TABLE`]: one row per statement done, written right after it. A
//! re-run of the same batch (the same statements: the same command and arguments)
//! skips what the journal lists, and checks whether the statement that was running
//! when the previous run died got done (each statement is atomic), so nothing is
//! applied twice and nothing is missed. A successful run removes its rows, and the
//! table when no other batch has rows in it.
//!
//! A seal statement that adds foreign keys and nothing else runs with the session's
//! `foreign_key_checks = 0`, which lets the server add them in place instead of copying
//! the table; the applier then counts the orphan rows with the statement's preflight
//! query (set-based, one join per key) and, if there are any, drops the keys again and
//! refuses the seal with the counts. Once a key exists the server checks every new row,
//! so the count covers every row. A re-run finding such keys from a run that died
//! before counting counts them too.
//!
//! The flow is core's journaled apply ([`journaled::run`]); this module supplies the
//! SQL of each step ([`Apply`]).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{MysqlConnection, QueryResult, QueryableByName, RunQueryDsl};
use schema_replicator_core::check::json_samples;
use schema_replicator_core::journaled::{
    self, Batch, Entry, Executed, Failure, JournaledApply, Wording,
};
use schema_replicator_core::schedule::Outcome;
use schema_replicator_core::{
    quoted, ApplyOptions, ApplyReport, DbUrl, Error, ObjectId, ObjectKind, Phase, Problem,
    QualifiedName, Result, Statement, Violation,
};

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
struct Size {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
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
    let text = e.to_string();
    let lost = match e {
        DieselError::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection
            | diesel::result::DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        // Errors 2013, 2006, 1927 and 1053, which diesel does not classify.
        _ => [
            "Lost connection",
            "Server has gone away",
            "MySQL server has gone away",
            "Connection was killed",
            "Server shutdown in progress",
        ]
        .iter()
        .any(|start| text.starts_with(start)),
    };
    if lost {
        return url.one_line(&format!("lost the connection to the server ({text})"));
    }
    url.one_line(&text)
}

fn count(conn: &mut MysqlConnection, sql: &str) -> QueryResult<i64> {
    Ok(diesel::sql_query(sql)
        .load::<Count>(conn)?
        .first()
        .map_or(0, |c| c.n))
}

/// Applies `statements` over up to `options.jobs` connections in dependency order,
/// with the journal.
pub(crate) fn apply(
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let pending: Vec<&Statement> = statements
        .iter()
        .enumerate()
        .filter(|(i, _)| !options.present.contains(i))
        .map(|(_, s)| s)
        .collect();
    // What the statements need of the target, checked on one connection before any
    // runs: definers it may name, grantees it has, functions the views call.
    if pending
        .iter()
        .any(|s| s.needs.as_deref().is_some_and(|n| !n.is_empty()))
    {
        let mut conn = crate::connect(url)?;
        refuse_foreign_definers(&mut conn, url, &pending)?;
        refuse_missing_grantees(&mut conn, url, &pending)?;
        refuse_unresolved_calls(&mut conn, url, &pending)?;
    }
    journaled::run(&Apply { url }, statements, options)
}

/// One name a catalog query returns.
#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Refuses, before anything runs, statements that call stored functions the target
/// does not have (a view over a function the source dropped cannot be created): one
/// line names each statement's objects and the functions it lacks.
fn refuse_unresolved_calls(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    statements: &[&Statement],
) -> Result<()> {
    if statements.iter().all(|s| s.calls().is_empty()) {
        return Ok(());
    }
    let functions: std::collections::HashSet<String> = diesel::sql_query(
        "SELECT ROUTINE_NAME AS name FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'FUNCTION'",
    )
    .load::<Named>(conn)
    .map_err(|e| Error::Apply {
        object: "the functions views call".into(),
        reason: message(url, &e),
        outcome: "nothing was applied".into(),
    })?
    .into_iter()
    .map(|a| a.name.to_lowercase())
    .collect();
    let unresolved: Vec<String> = statements
        .iter()
        .filter_map(|statement| {
            let missing: Vec<String> = statement
                .calls()
                .iter()
                .filter(|f| !functions.contains(&f.to_lowercase()))
                .map(|f| format!("function {}", quoted(f)))
                .collect();
            (!missing.is_empty())
                .then(|| format!("{} calls {}", statement.describe(), missing.join(" and ")))
        })
        .collect();
    if unresolved.is_empty() {
        return Ok(());
    }
    Err(Error::Apply {
        object: "the views".into(),
        reason: format!(
            "{}, which the target does not have, and a view cannot be created without the \
             functions it calls (a function dropped from the source leaves its views broken \
             there too)",
            unresolved.join("; ")
        ),
        outcome: "nothing was applied".into(),
    })
}

/// Refuses, before anything runs, statements that grant privileges to accounts the
/// target does not have: one line lists them with their grants.
fn refuse_missing_grantees(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    statements: &[&Statement],
) -> Result<()> {
    if statements.iter().all(|s| s.grantees().is_empty()) {
        return Ok(());
    }
    // Every account has a row here (USAGE at least); a user sees all of them when it
    // may grant to others.
    let accounts: std::collections::HashSet<String> = diesel::sql_query(
        "SELECT DISTINCT GRANTEE AS name FROM information_schema.USER_PRIVILEGES",
    )
    .load::<Named>(conn)
    .map_err(|e| Error::Apply {
        object: "the grantees".into(),
        reason: message(url, &e),
        outcome: "nothing was applied".into(),
    })?
    .into_iter()
    .map(|a| a.name)
    .collect();
    let mut missing: Vec<(&str, Vec<String>)> = Vec::new();
    for statement in statements {
        for grantee in statement
            .grantees()
            .iter()
            .filter(|g| !accounts.contains(*g))
        {
            let objects = statement.objects.iter().map(|o| o.to_string());
            match missing.iter_mut().find(|(g, _)| g == grantee) {
                Some((_, listed)) => listed.extend(objects),
                None => missing.push((grantee, objects.collect())),
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = missing
        .iter()
        .map(|(grantee, grants)| format!("{grantee} ({})", grants.join("; ")))
        .collect();
    Err(Error::Apply {
        object: "the grants".into(),
        reason: format!("the target has no account {}", listed.join(", ")),
        outcome: "nothing was applied; create the accounts, or re-run with --no-privileges \
                  to leave the grants out"
            .into(),
    })
}

/// Privileges that let a user name another account as a definer: MariaDB's `SET USER`
/// (10.5.2 and later), MySQL's `SET_USER_ID` and `SET_ANY_DEFINER`, and `SUPER`,
/// which implies them on older servers.
const DEFINER_PRIVILEGES: &str = "'SUPER', 'SET USER', 'SET_USER_ID', 'SET_ANY_DEFINER'";

#[derive(QueryableByName)]
struct CurrentUser {
    #[diesel(sql_type = Text)]
    user: String,
}

/// Refuses, before anything runs, statements whose definers are other accounts than the
/// applying user when that user may not name them (it lacks every privilege of
/// [`DEFINER_PRIVILEGES`]): one line lists the definers with their objects.
fn refuse_foreign_definers(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    statements: &[&Statement],
) -> Result<()> {
    if statements.iter().all(|s| s.definers().is_empty()) {
        return Ok(());
    }
    let fail = |reason: String| Error::Apply {
        object: "the definers".into(),
        reason,
        outcome: "nothing was applied".into(),
    };
    let user = diesel::sql_query("SELECT CURRENT_USER() AS user")
        .load::<CurrentUser>(conn)
        .map_err(|e| fail(message(url, &e)))?
        .pop()
        .map(|u| u.user)
        .unwrap_or_default();
    // Definers as the definer clause and CURRENT_USER() write them: `user@host`.
    let mut foreign: Vec<(&str, Vec<String>)> = Vec::new();
    for statement in statements {
        for definer in statement.definers().iter().filter(|d| **d != user) {
            let objects = statement.objects.iter().map(|o| o.to_string());
            match foreign.iter_mut().find(|(d, _)| d == definer) {
                Some((_, listed)) => listed.extend(objects),
                None => foreign.push((definer, objects.collect())),
            }
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    let (name, host) = user.rsplit_once('@').unwrap_or((&user, ""));
    let grantee = format!("'{name}'@'{host}'");
    let privileged = count(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES \
             WHERE GRANTEE = {} AND PRIVILEGE_TYPE IN ({DEFINER_PRIVILEGES})",
            quote_literal(&grantee)
        ),
    )
    .map_err(|e| fail(message(url, &e)))?;
    if privileged > 0 {
        return Ok(());
    }
    let listed: Vec<String> = foreign
        .iter()
        .map(|(definer, objects)| {
            const SHOWN: usize = 3;
            let mut named = objects
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if objects.len() > SHOWN {
                named.push_str(&format!(" and {} more", objects.len() - SHOWN));
            }
            format!("{definer} ({named})")
        })
        .collect();
    Err(Error::Apply {
        object: format!("the target user {user}"),
        reason: format!(
            "may not define objects for other accounts (it has neither SET USER nor \
             SUPER), and the source's objects are defined by {}",
            listed.join("; ")
        ),
        outcome: format!(
            "nothing was applied; re-run with --skip-definer to define them as {user}, \
             or apply as a user who may set definers"
        ),
    })
}

/// What an interrupted run of `statements` left in the journal (see
/// [`journaled::left_behind`]).
pub(crate) fn left_behind(url: &DbUrl, statements: &[Statement]) -> Result<Option<usize>> {
    journaled::left_behind(&Apply { url }, statements)
}

/// The applier's steps for the journaled apply, on the target `url`.
struct Apply<'a> {
    url: &'a DbUrl,
}

impl JournaledApply for Apply<'_> {
    type Conn = MysqlConnection;
    type Error = DieselError;

    const WORDING: Wording = Wording {
        journal: JOURNAL_TABLE,
        container: "table",
        run: "run",
        why_kept: " (MySQL commits each DDL statement)",
        unit: "statement",
    };

    fn target(&self) -> String {
        self.url.to_string()
    }

    fn message(&self, error: &DieselError) -> String {
        message(self.url, error)
    }

    fn accepts(&self, options: &ApplyOptions) -> Result<()> {
        options.refuse_not_valid(crate::DIALECT, " (MySQL has no such state)")
    }

    fn connect(&self) -> Result<MysqlConnection> {
        crate::connect(self.url)
    }

    fn journal_exists(&self, conn: &mut MysqlConnection) -> QueryResult<bool> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
            quote_literal(JOURNAL_TABLE)
        );
        Ok(count(conn, &sql)? > 0)
    }

    /// After an interrupted run, waits for what it may have left running on the server.
    fn exclude_others(
        &self,
        conns: &mut [MysqlConnection],
        _: &Batch,
        interrupted: bool,
    ) -> Result<()> {
        match interrupted {
            true => wait_for_orphans(&mut conns[0], self.url),
            false => Ok(()),
        }
    }

    fn create_journal(&self, conn: &mut MysqlConnection) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} (\
               batch CHAR(16) NOT NULL, \
               ordinal INT NOT NULL, \
               object VARCHAR(1024) NOT NULL, \
               applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \
               PRIMARY KEY (batch, ordinal)\
             ) ENGINE=InnoDB COMMENT='Schema Replicator: statements applied so far; a re-run \
             of the same command resumes after them. Dropped when the run completes.'",
            quote_ident(JOURNAL_TABLE)
        ))
    }

    fn journaled(&self, conn: &mut MysqlConnection, batch: &Batch) -> QueryResult<Vec<Entry>> {
        let rows: Vec<Count> = diesel::sql_query(format!(
            "SELECT CAST(ordinal AS SIGNED) AS n FROM {} WHERE batch = {}",
            quote_ident(JOURNAL_TABLE),
            quote_literal(&batch.key)
        ))
        .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|row| Entry {
                ordinal: row.n,
                outcome: None,
            })
            .collect())
    }

    /// Records a statement; there is no outcome to keep, as MySQL leaves nothing NOT
    /// VALID.
    fn record(
        &self,
        conn: &mut MysqlConnection,
        batch: &Batch,
        ordinal: usize,
        statement: &Statement,
        _: Option<&str>,
    ) -> QueryResult<()> {
        let object: String = statement.describe().chars().take(1000).collect();
        conn.batch_execute(&format!(
            "INSERT INTO {} (batch, ordinal, object) VALUES ({}, {ordinal}, {})",
            quote_ident(JOURNAL_TABLE),
            quote_literal(&batch.key),
            quote_literal(&object)
        ))
    }

    fn forget_batch(&self, conn: &mut MysqlConnection, batch: &Batch) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "DELETE FROM {} WHERE batch = {}",
            quote_ident(JOURNAL_TABLE),
            quote_literal(&batch.key)
        ))
    }

    fn drop_journal_if_empty(&self, conn: &mut MysqlConnection) -> QueryResult<()> {
        let journal = quote_ident(JOURNAL_TABLE);
        if count(conn, &format!("SELECT COUNT(*) AS n FROM {journal}"))? == 0 {
            conn.batch_execute(&format!("DROP TABLE IF EXISTS {journal}"))?;
        }
        Ok(())
    }

    fn already_applied(
        &self,
        conn: &mut MysqlConnection,
        statement: &Statement,
    ) -> QueryResult<bool> {
        already_applied(conn, statement)
    }

    fn confirm_applied(&self, conn: &mut MysqlConnection, statement: &Statement) -> Result<bool> {
        verified(conn, self.url, statement)
    }

    fn table_sizes(&self, conn: &mut MysqlConnection) -> QueryResult<HashMap<QualifiedName, u64>> {
        let sizes: Vec<Size> = diesel::sql_query(
            "SELECT TABLE_NAME AS name, CAST(COALESCE(DATA_LENGTH, 0) AS SIGNED) AS bytes \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
        )
        .load(conn)?;
        Ok(sizes
            .into_iter()
            .map(|s| {
                (
                    QualifiedName::bare(&s.name),
                    u64::try_from(s.bytes).unwrap_or(0),
                )
            })
            .collect())
    }

    /// Runs the statement (the journal row follows it: MySQL commits each DDL statement
    /// on its own).
    fn execute(
        &self,
        conn: &mut MysqlConnection,
        _: &Batch,
        _: usize,
        statement: &Statement,
    ) -> std::result::Result<Executed, Failure<DieselError>> {
        if adds_foreign_keys(statement) {
            add_foreign_keys(conn, self.url, statement)?;
        } else if creates_foreign_keys(statement) {
            // A table created complete: the tables its keys reference may come later.
            let (created, restored) =
                without_foreign_key_checks(conn, &statement.sql).map_err(Failure::Refused)?;
            created.and(restored).map_err(Failure::Refused)?;
        } else {
            conn.batch_execute(&statement.sql)
                .map_err(Failure::Refused)?;
        }
        Ok(Executed::Unrecorded(Outcome::Applied))
    }

    fn explain(&self, conn: &mut MysqlConnection, statement: &Statement, reason: String) -> Error {
        explain(conn, statement, reason)
    }

    fn set_lock_timeout(&self, conn: &mut MysqlConnection, timeout: Duration) -> QueryResult<()> {
        // Whole seconds, at least one: the servers' granularity.
        let seconds = timeout.as_secs_f64().ceil().max(1.0) as u64;
        conn.batch_execute(&format!(
            "SET SESSION lock_wait_timeout = {seconds}, innodb_lock_wait_timeout = {seconds}"
        ))
    }

    fn lock_holder(
        &self,
        conn: &mut MysqlConnection,
        _statement: &Statement,
        error: &DieselError,
        _waited: Duration,
    ) -> Option<String> {
        // Error 1205, for metadata locks and row locks alike.
        if !matches!(error, DieselError::DatabaseError(_, info) if info.message().starts_with("Lock wait timeout exceeded"))
        {
            return None;
        }
        Some(lock_holders(conn))
    }
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    who: String,
    #[diesel(sql_type = Text)]
    command: String,
    #[diesel(sql_type = BigInt)]
    seconds: i64,
    #[diesel(sql_type = Text)]
    query: String,
}

/// The sessions with an open transaction in this database, oldest first: a metadata
/// lock on a table is held until the end of the transaction that read or wrote it.
/// (MariaDB names the holders of metadata locks only with its `metadata_lock_info`
/// plugin, which servers seldom load; open transactions are what holds them.)
fn lock_holders(conn: &mut MysqlConnection) -> String {
    let sql = "SELECT CAST(p.ID AS SIGNED) AS id, COALESCE(p.USER, '') AS who, \
                 COALESCE(p.COMMAND, '') AS command, \
                 CAST(COALESCE(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), 0) AS SIGNED) AS seconds, \
                 LEFT(COALESCE(t.trx_query, p.INFO, ''), 120) AS query \
               FROM information_schema.INNODB_TRX t \
               JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
               WHERE p.ID <> CONNECTION_ID() AND p.DB = DATABASE() \
               ORDER BY t.trx_started LIMIT 3";
    match diesel::sql_query(sql).load::<Holder>(conn) {
        Ok(holders) if !holders.is_empty() => holders
            .iter()
            .map(|h| {
                let query = match h.query.is_empty() {
                    true => "no statement running".to_owned(),
                    false => h.query.split_whitespace().collect::<Vec<_>>().join(" "),
                };
                format!(
                    "session {} ({}, {}, in a transaction for {} s: {query}) holds it",
                    h.id, h.who, h.command, h.seconds
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Ok(_) => {
            "another session held the lock, and no open transaction is left to name".to_owned()
        }
        Err(e) => format!("another session holds the lock (naming it failed: {e})"),
    }
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
                    schema_replicator_core::statement::shorten(
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
fn already_applied(conn: &mut MysqlConnection, statement: &Statement) -> QueryResult<bool> {
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
    // Object ids hold names unquoted.
    let name = |id: &ObjectId| quote_literal(&id.name);
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
            name(object)
        ),
        ObjectKind::ForeignKey | ObjectKind::Check => format!(
            "SELECT COUNT(*) AS n FROM information_schema.TABLE_CONSTRAINTS WHERE {schema} \
             AND TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
            table?,
            name(object)
        ),
        ObjectKind::View => format!(
            "SELECT COUNT(*) AS n FROM information_schema.VIEWS WHERE {schema} AND TABLE_NAME = {}",
            name(object)
        ),
        ObjectKind::Trigger => format!(
            "SELECT COUNT(*) AS n FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = {}",
            name(object)
        ),
        ObjectKind::Routine => format!(
            "SELECT COUNT(*) AS n FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = {}",
            name(object)
        ),
        ObjectKind::Event => format!(
            "SELECT COUNT(*) AS n FROM information_schema.EVENTS \
             WHERE EVENT_SCHEMA = DATABASE() AND EVENT_NAME = {}",
            name(object)
        ),
        ObjectKind::Sequence => format!(
            "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE {schema} \
             AND TABLE_NAME = {} AND TABLE_TYPE = 'SEQUENCE'",
            name(object)
        ),
        // A counter or a column restatement is idempotent: running it again is harmless.
        _ => return None,
    })
}

/// Whether the applier adds the statement's objects with the server's foreign key
/// checks off and counts the orphans itself: a seal statement adding foreign keys and
/// nothing else, with the query that counts them.
fn adds_foreign_keys(statement: &Statement) -> bool {
    statement.phase == Some(Phase::Seal)
        && statement.preflight.is_some()
        && !statement.objects.is_empty()
        && statement
            .objects
            .iter()
            .all(|o| o.kind == ObjectKind::ForeignKey && o.table.is_some())
}

/// Whether `statement` creates a table with its foreign keys (a table created complete,
/// see [`schema_replicator_core::Policy::complete_tables`]): it holds no rows to check,
/// and runs with the foreign key checks off, before the tables it references.
fn creates_foreign_keys(statement: &Statement) -> bool {
    statement.phase == Some(Phase::Base)
        && statement
            .objects
            .iter()
            .any(|o| o.kind == ObjectKind::ForeignKey)
}

/// Runs `sql` with the session's foreign key checks off (an error turning them off
/// runs nothing), then turns them back on: what running it and turning them back on
/// each gave.
fn without_foreign_key_checks(
    conn: &mut MysqlConnection,
    sql: &str,
) -> QueryResult<(QueryResult<()>, QueryResult<()>)> {
    conn.batch_execute("SET SESSION foreign_key_checks = 0")?;
    let ran = conn.batch_execute(sql);
    Ok((
        ran,
        conn.batch_execute("SET SESSION foreign_key_checks = 1"),
    ))
}

/// Adds the foreign keys of `statement` in place (checks off), then counts their orphan
/// rows; with any, drops the keys again and returns the refusal with the counts. When
/// something fails once the keys exist, they are dropped again too, and the message
/// says whether that worked.
fn add_foreign_keys(
    conn: &mut MysqlConnection,
    url: &DbUrl,
    statement: &Statement,
) -> std::result::Result<(), Failure<DieselError>> {
    let failed = |what: &str, e: &DieselError, after: &str| {
        Failure::Explained(Error::Apply {
            object: statement.describe(),
            reason: format!("{what}: {}{after}", message(url, e)),
            outcome: String::new(),
        })
    };
    let (added, restored) = without_foreign_key_checks(conn, &statement.sql)
        .map_err(|e| failed("turning the session's foreign key checks off", &e, ""))?;
    if let Err(e) = added {
        // Not added: the driver explains it, or tries again after a lock timeout.
        return match restored {
            Ok(()) => Err(Failure::Refused(e)),
            Err(_) => Err(Failure::Explained(explain(
                conn,
                statement,
                message(url, &e),
            ))),
        };
    }
    // The keys exist from here on, but nobody has counted their rows yet.
    let counted = restored
        .map_err(|e| ("turning the session's foreign key checks back on", e))
        .and_then(|()| {
            violations(conn, statement)
                .map_err(|e| ("counting the orphan rows of the keys just added", e))
        });
    let (what, e) = match counted {
        Ok(found) if found.is_empty() => return Ok(()),
        Ok(found) => match drop_foreign_keys(conn, statement) {
            Ok(()) => return Err(Failure::Explained(refusal(statement, &found))),
            Err(e) => ("dropping the keys again after finding orphan rows", e),
        },
        Err(failure) => failure,
    };
    let after = match drop_foreign_keys(conn, statement) {
        Ok(()) => "; the keys were dropped again",
        Err(_) => {
            "; the keys stay in the target, and a re-run of the same command counts their \
             orphan rows before it takes them for done"
        }
    };
    Err(failed(what, &e, after))
}

/// Whether foreign keys found in the catalog for a statement a stopped run did not
/// journal hold for every row (the run may have died before counting). When they do
/// not, they are dropped, so that the statement runs again and is refused with the
/// counts. Other statements need no such check.
fn verified(conn: &mut MysqlConnection, url: &DbUrl, statement: &Statement) -> Result<bool> {
    if !adds_foreign_keys(statement) {
        return Ok(true);
    }
    let failed = |e: DieselError| Error::Apply {
        object: statement.describe(),
        reason: format!(
            "counting the orphan rows of keys an interrupted run added: {}",
            message(url, &e)
        ),
        outcome: format!(
            "what the journal ({JOURNAL_TABLE}) lists stays applied; nothing else was \
             applied by this run"
        ),
    };
    if violations(conn, statement).map_err(failed)?.is_empty() {
        return Ok(true);
    }
    drop_foreign_keys(conn, statement).map_err(failed)?;
    Ok(false)
}

fn drop_foreign_keys(conn: &mut MysqlConnection, statement: &Statement) -> QueryResult<()> {
    let Some(table) = statement.objects.first().and_then(|o| o.table.as_ref()) else {
        return Ok(());
    };
    let drops: Vec<String> = statement
        .objects
        .iter()
        .map(|o| format!("DROP FOREIGN KEY {}", quote_ident(&o.name)))
        .collect();
    conn.batch_execute(&format!(
        "ALTER TABLE {} {}",
        crate::render::table_name(table),
        drops.join(", ")
    ))
}

/// The rows that violate the objects of `statement`, from its preflight query: one
/// entry per object with any.
fn violations(conn: &mut MysqlConnection, statement: &Statement) -> QueryResult<Vec<Violations>> {
    let Some(sql) = &statement.preflight else {
        return Ok(Vec::new());
    };
    Ok(diesel::sql_query(sql)
        .load::<Violations>(conn)?
        .into_iter()
        .filter(|v| v.n > 0)
        .collect())
}

/// The error for a failed statement, with the offending rows counted where it has a
/// preflight query.
/// The outcome is filled in by the caller, which knows what the run left behind.
fn explain(conn: &mut MysqlConnection, statement: &Statement, reason: String) -> Error {
    let found = violations(conn, statement).unwrap_or_default();
    if found.is_empty() {
        return Error::Apply {
            object: statement.describe(),
            reason: format!("{reason} in statement `{}`", statement.excerpt()),
            outcome: String::new(),
        };
    }
    refusal(statement, &found)
}

/// The refusal naming each violated object with its count and samples. The outcome is
/// filled in by the caller, which knows what the run left behind.
fn refusal(statement: &Statement, found: &[Violations]) -> Error {
    let violations = found
        .iter()
        .map(|v| {
            let object = usize::try_from(v.object)
                .ok()
                .and_then(|i| statement.objects.get(i));
            Violation {
                object: object
                    .map(|o| o.to_string())
                    .unwrap_or_else(|| statement.describe()),
                problem: object.map_or(Problem::FailingRows, |o| Problem::of(o.kind)),
                rows: u64::try_from(v.n).unwrap_or(0),
                samples: json_samples(v.samples.as_deref()),
            }
        })
        .collect();
    // The counts say more than the server's message, which names a temporary table.
    Error::RefusedRows {
        violations,
        outcome: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_key_is_sixteen_hex_digits() {
        let a = vec![Statement::new(None, vec![], "CREATE TABLE a (x int)")];
        assert_eq!(Batch::of(&a).key.len(), 16);
        assert!(Apply::WORDING
            .kept(1, 3)
            .starts_with("statement 1 of 3 is applied and stays so (MySQL"));
    }
}
