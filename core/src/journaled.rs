//! The journaled, resumable, parallel apply: one driver for every dialect that keeps a
//! journal of its apply in the target (PostgreSQL's seal, MySQL's apply, a plugin's).
//!
//! [`run`] owns the flow; a dialect implements [`JournaledApply`] and supplies only its
//! SQL (as operations on its own connection type) and how it words and classifies its
//! driver's errors:
//!
//! 1. open up to `jobs` connections ([`JournaledApply::connect`]);
//! 2. note whether a journal is left from an earlier run
//!    ([`JournaledApply::journal_exists`]), then make sure no other run is at work
//!    ([`JournaledApply::exclude_others`]: PostgreSQL's advisory locks, MySQL's wait for
//!    the statements a killed run left running);
//! 3. create the journal and read which statements of this batch it lists
//!    ([`JournaledApply::create_journal`], [`JournaledApply::journaled`]); the batch is
//!    recognised by its digest ([`Batch`]);
//! 4. after an interrupted run, record the statements it applied without journaling
//!    them instead of running them again ([`JournaledApply::already_applied`],
//!    [`JournaledApply::confirm_applied`], [`JournaledApply::record`]);
//! 5. clear what an interrupted run left half-built ([`JournaledApply::clear_half_built`]);
//! 6. schedule the rest by dependencies, biggest tables first
//!    ([`JournaledApply::table_sizes`], [`crate::schedule`]), each statement executed
//!    and journaled ([`JournaledApply::execute`]); a failure is classified and explained
//!    by the dialect ([`JournaledApply::is_violation`], [`JournaledApply::left_not_valid`],
//!    [`JournaledApply::explain`]) under the run's [`OnViolation`] policy;
//! 7. on failure, end the error with what stays applied ([`Wording::kept`]); on success,
//!    remove the batch from the journal and the journal when it is empty
//!    ([`JournaledApply::forget_batch`], [`JournaledApply::drop_journal_if_empty`]);
//! 8. report ([`ApplyReport`]: statements, resumed, connections, not valid, rebuilt).
//!
//! Nothing here talks to a database: core has no driver dependency.

use std::collections::HashMap;

use crate::apply::{ApplyOptions, ApplyReport, OnViolation, Progress};
use crate::check::open_connections;
use crate::error::{Error, Result};
use crate::ir::QualifiedName;
use crate::journal;
use crate::schedule::{self, Outcome};
use crate::statement::Statement;

/// The words a dialect's journal uses in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    /// The journal as messages name it (`_schema_replicator.journal`).
    pub journal: &'static str,
    /// What holds the journal, which a user drops by hand when removing it fails
    /// (`schema`, `table`).
    pub container: &'static str,
    /// What a run is called in messages (`seal`, `run`).
    pub run: &'static str,
    /// Why what was applied stays so, said after the count (` (MySQL commits each DDL
    /// statement)`), or nothing.
    pub why_kept: &'static str,
    /// What the driver runs one at a time, as messages count them (`statement`, or
    /// `group` for a dialect that runs groups of statements).
    pub unit: &'static str,
}

impl Wording {
    /// What a run that stopped after `applied` of `total` statements leaves behind: the
    /// end of its error message (see [`journal::kept`]).
    pub fn kept(&self, applied: usize, total: usize) -> String {
        journal::kept(applied, total, self.unit, self.journal, self.why_kept)
    }
}

/// A batch as its journal knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Its digest ([`journal::batch_digest`]), for instance a lock key.
    pub digest: u64,
    /// The digest as the journal stores it: 16 hexadecimal digits.
    pub key: String,
}

impl Batch {
    /// The batch of `statements`.
    pub fn of(statements: &[Statement]) -> Batch {
        let digest = journal::batch_digest(statements);
        Batch {
            digest,
            key: format!("{digest:016x}"),
        }
    }
}

/// A row of the journal: a statement of the batch that is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The statement's position in the batch, as stored (rows out of range are ignored).
    pub ordinal: i64,
    /// What the statement came to when it is not plain success: the text of a
    /// constraint left NOT VALID ([`Outcome::LeftNotValid`]).
    pub outcome: Option<String>,
}

/// What [`JournaledApply::execute`] did with the statement's journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Executed {
    /// The statement ran and its journal row was written with it (in its transaction).
    Recorded(Outcome),
    /// The statement ran; the driver records it next ([`JournaledApply::record`]).
    Unrecorded(Outcome),
}

/// How [`JournaledApply::execute`] failed.
#[derive(Debug)]
pub enum Failure<E> {
    /// The server refused the statement (it is not applied): the driver classifies the
    /// error ([`JournaledApply::is_violation`]) and has it explained
    /// ([`JournaledApply::explain`]).
    Refused(E),
    /// The dialect has already made the error; it is the statement's failure as is.
    Explained(Error),
}

/// A dialect whose apply keeps a journal in the target, so that a re-run of the same
/// batch resumes, and runs over several connections: what [`run`] needs of it.
///
/// Methods returning `Result<_, Self::Error>` report the driver's error, which [`run`]
/// words (with [`JournaledApply::message`]) for the step that failed; methods returning
/// [`Result`] word their errors themselves. Hooks with a default do nothing, for steps
/// only some dialects have.
pub trait JournaledApply: Sync {
    /// A connection to the target. Each runs on its own worker thread.
    type Conn: Send;
    /// The error of a database operation.
    type Error;

    /// How messages name the journal and the run.
    const WORDING: Wording;

    /// The target, as errors name it (the URL without its password).
    fn target(&self) -> String;

    /// The server's message for `error`, on one line, without the password.
    fn message(&self, error: &Self::Error) -> String;

    /// Refuses options the dialect cannot honour, before anything is done (say,
    /// [`OnViolation::NotValid`] on a server with no such state). Default: all are fine.
    fn accepts(&self, options: &ApplyOptions) -> Result<()> {
        let _ = options;
        Ok(())
    }

    /// Opens a connection for the run; its error says which target could not be reached.
    fn connect(&self) -> Result<Self::Conn>;

    /// Whether the journal exists, before this run creates it: left behind, it means an
    /// earlier run stopped, which may have applied statements it did not journal. The
    /// driver asks only dialects that do not journal atomically
    /// ([`JournaledApply::journals_atomically`]), and those must answer; [`left_behind`]
    /// (`status`, and a convergent apply choosing the journal's fast path) asks every
    /// dialect. The default (no) hides an interrupted run from those two.
    fn journal_exists(&self, conn: &mut Self::Conn) -> std::result::Result<bool, Self::Error> {
        let _ = conn;
        Ok(false)
    }

    /// Makes sure no other run of the batch is at work on the target, waiting a while
    /// and then refusing (its error ends with what stays applied: nothing). `conns` are
    /// all the run's connections; `interrupted` says whether an earlier run left its
    /// journal. See [`JournaledApply::setup_error`] for the words of a failed query.
    fn exclude_others(
        &self,
        conns: &mut [Self::Conn],
        batch: &Batch,
        interrupted: bool,
    ) -> Result<()>;

    /// Creates the journal unless it exists.
    fn create_journal(&self, conn: &mut Self::Conn) -> std::result::Result<(), Self::Error>;

    /// The journal's rows for `batch`.
    fn journaled(
        &self,
        conn: &mut Self::Conn,
        batch: &Batch,
    ) -> std::result::Result<Vec<Entry>, Self::Error>;

    /// Records statement `ordinal` of `batch` as done, with its outcome when it is not
    /// plain success (the text of a constraint left NOT VALID).
    fn record(
        &self,
        conn: &mut Self::Conn,
        batch: &Batch,
        ordinal: usize,
        statement: &Statement,
        outcome: Option<&str>,
    ) -> std::result::Result<(), Self::Error>;

    /// Removes the rows of `batch` from the journal, once every statement is applied.
    fn forget_batch(
        &self,
        conn: &mut Self::Conn,
        batch: &Batch,
    ) -> std::result::Result<(), Self::Error>;

    /// Drops the journal (and what holds it) when no batch has rows in it, so that no
    /// other run's rows are lost.
    fn drop_journal_if_empty(&self, conn: &mut Self::Conn) -> std::result::Result<(), Self::Error>;

    /// Hook: makes each statement on `conn` wait at most `timeout` for a lock another
    /// session holds, then fail (PostgreSQL `lock_timeout`, MySQL `lock_wait_timeout`).
    /// Set after [`JournaledApply::exclude_others`]. Default: nothing (waits unbounded).
    fn set_lock_timeout(
        &self,
        conn: &mut Self::Conn,
        timeout: std::time::Duration,
    ) -> std::result::Result<(), Self::Error> {
        let _ = (conn, timeout);
        Ok(())
    }

    /// Hook: when `error`, which refused `statement` after `waited`, is a lock timeout,
    /// who holds the lock, in words (`table "t" is locked by session 812 (...)`), so the
    /// driver tries it again and says what it waits for; `None` when it is another
    /// failure. Default: `None`.
    fn lock_holder(
        &self,
        conn: &mut Self::Conn,
        statement: &Statement,
        error: &Self::Error,
        waited: std::time::Duration,
    ) -> Option<String> {
        let _ = (conn, statement, error, waited);
        None
    }

    /// Whether every statement commits together with its journal row
    /// ([`Executed::Recorded`]), so that none can be applied without being journaled.
    /// Then a run that fails having applied nothing leaves no journal behind; otherwise
    /// the journal stays, since it tells the next run to look for statements applied
    /// but not journaled. Default: no.
    fn journals_atomically(&self) -> bool {
        false
    }

    /// After an interrupted run: whether `statement`, which the journal does not list,
    /// is applied all the same (the run died between running and journaling it). Asked
    /// only when the journal was left behind. Default: cannot tell, so it runs again.
    fn already_applied(
        &self,
        conn: &mut Self::Conn,
        statement: &Statement,
    ) -> std::result::Result<bool, Self::Error> {
        let _ = (conn, statement);
        Ok(false)
    }

    /// Hook: whether a statement [`JournaledApply::already_applied`] found may be taken
    /// for done; `false` makes it run again (MySQL counts the orphan rows of foreign
    /// keys a killed run added unchecked, and drops keys that have some). Default: yes.
    fn confirm_applied(&self, conn: &mut Self::Conn, statement: &Statement) -> Result<bool> {
        let _ = (conn, statement);
        Ok(true)
    }

    /// Hook: clears what an interrupted run left half-built for the statements still to
    /// run (`done[i]` marks those that are done), so that they build it again; returns
    /// what will be rebuilt, for [`ApplyReport::rebuilt`] (PostgreSQL drops the invalid
    /// indexes of interrupted concurrent builds). Default: nothing.
    fn clear_half_built(
        &self,
        conn: &mut Self::Conn,
        statements: &[Statement],
        done: &[bool],
    ) -> std::result::Result<Vec<String>, Self::Error> {
        let _ = (conn, statements, done);
        Ok(Vec::new())
    }

    /// The size of every table, so that the biggest tables' work starts first
    /// ([`schedule::weights`]).
    fn table_sizes(
        &self,
        conn: &mut Self::Conn,
    ) -> std::result::Result<HashMap<QualifiedName, u64>, Self::Error>;

    /// Runs statement `ordinal` of `batch`, journaling it with the statement when the
    /// dialect can ([`Executed::Recorded`]). On [`Failure::Refused`] the statement must
    /// not be applied (a transaction is rolled back first).
    fn execute(
        &self,
        conn: &mut Self::Conn,
        batch: &Batch,
        ordinal: usize,
        statement: &Statement,
    ) -> std::result::Result<Executed, Failure<Self::Error>>;

    /// Whether a refusal is loaded rows violating a foreign key or a check, which a
    /// validating statement may leave NOT VALID under [`OnViolation::NotValid`].
    /// Default: no.
    fn is_violation(&self, error: &Self::Error) -> bool {
        let _ = error;
        false
    }

    /// The report's line for a constraint left NOT VALID by `statement`, refused with
    /// `reason` (ideally with the count of offending rows). Default: the objects and
    /// the reason.
    fn left_not_valid(&self, conn: &mut Self::Conn, statement: &Statement, reason: &str) -> String {
        let _ = conn;
        format!("{}: {reason}", statement.describe())
    }

    /// The error for `statement`, refused with `reason` (the server's message),
    /// ideally counting the offending rows with its preflight query; the driver fills
    /// in the outcome. Default: the objects, the reason and the statement.
    fn explain(&self, conn: &mut Self::Conn, statement: &Statement, reason: String) -> Error {
        let _ = conn;
        Error::Apply {
            object: statement.describe(),
            reason: format!("{reason} in statement `{}`", statement.excerpt()),
            outcome: String::new(),
        }
    }

    /// The error of a step before any statement ran: the target, the server's message,
    /// and that nothing was applied.
    fn setup_error(&self, error: &Self::Error) -> Error {
        Error::Apply {
            object: self.target(),
            reason: self.message(error),
            outcome: "nothing was applied".into(),
        }
    }
}

/// What an interrupted run of `statements` left in the target's journal: `None` when
/// there is no journal, else how many of the statements it journaled (possibly none:
/// another batch's run, or one that stopped before its first statement).
pub fn left_behind<D: JournaledApply>(
    dialect: &D,
    statements: &[Statement],
) -> Result<Option<usize>> {
    let mut conn = dialect.connect()?;
    let setup = |e: D::Error| Error::Apply {
        object: D::WORDING.journal.into(),
        reason: format!("reading the journal: {}", dialect.message(&e)),
        outcome: "nothing was applied".into(),
    };
    if !dialect.journal_exists(&mut conn).map_err(setup)? {
        return Ok(None);
    }
    let entries = dialect
        .journaled(&mut conn, &Batch::of(statements))
        .map_err(setup)?;
    Ok(Some(entries.len()))
}

/// Applies `statements` for `dialect` over up to `options.jobs` connections, in
/// dependency order, with its journal: skips what an earlier run of the same batch
/// journaled, and removes the journal once every statement is applied. A statement
/// that cannot get a lock within `options.lock_timeout` is tried again, up to
/// `options.lock_retries` times, each wait reported to `options.progress` with who holds
/// the lock.
pub fn run<D: JournaledApply>(
    dialect: &D,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    dialect.accepts(options)?;
    let total = statements.len();
    let setup = |e: D::Error| dialect.setup_error(&e);
    let batch = Batch::of(statements);
    let mut conns = open_connections(options.jobs, total, || dialect.connect())?;
    // A journal that commits with each statement lists everything applied: nothing to
    // look for after an interrupted run.
    let interrupted =
        !dialect.journals_atomically() && dialect.journal_exists(&mut conns[0]).map_err(setup)?;
    dialect.exclude_others(&mut conns, &batch, interrupted)?;
    for conn in conns.iter_mut() {
        dialect
            .set_lock_timeout(conn, options.lock_timeout)
            .map_err(setup)?;
    }
    let first = &mut conns[0];
    dialect.create_journal(first).map_err(setup)?;
    let mut done = vec![false; total];
    let mut not_valid = Vec::new();
    for entry in dialect.journaled(first, &batch).map_err(setup)? {
        if let Some(slot) = usize::try_from(entry.ordinal)
            .ok()
            .and_then(|i| done.get_mut(i))
        {
            *slot = true;
            not_valid.extend(entry.outcome);
        }
    }
    if interrupted {
        // Each statement is atomic: the one that was running when the earlier run died
        // is applied or not, and applied ones are recorded rather than run again. What
        // the convergent apply found in the target is such a candidate too.
        for (ordinal, statement) in statements.iter().enumerate() {
            if !done[ordinal]
                && (options.present.contains(&ordinal)
                    || dialect.already_applied(first, statement).map_err(setup)?)
                && dialect.confirm_applied(first, statement)?
            {
                dialect
                    .record(first, &batch, ordinal, statement, None)
                    .map_err(setup)?;
                done[ordinal] = true;
            }
        }
    }
    let resumed = done.iter().filter(|d| **d).count();
    // What the target held before the run, and no run of this batch applied (a
    // convergent apply), is done too; after an interrupted run it was confirmed above.
    let mut present = 0;
    if !interrupted {
        for &ordinal in &options.present {
            if let Some(slot) = done.get_mut(ordinal).filter(|d| !**d) {
                *slot = true;
                present += 1;
            }
        }
    }
    let rebuilt = dialect
        .clear_half_built(first, statements, &done)
        .map_err(setup)?;
    let weight = schedule::weights(statements, &dialect.table_sizes(first).map_err(setup)?);
    // Whether a statement ran whose journal row could not be written: then the journal
    // must stay, whatever else the run applied, so the next run looks for it.
    let unrecorded = std::sync::atomic::AtomicBool::new(false);
    // Statements finished, for the progress reports of statements waiting for a lock.
    let finished = std::sync::atomic::AtomicUsize::new(resumed + present);
    let started = std::time::Instant::now();
    let exec = |conn: &mut D::Conn, ordinal: usize| {
        let at = || {
            Progress::new(
                finished.load(std::sync::atomic::Ordering::SeqCst),
                total,
                started.elapsed(),
            )
        };
        let outcome = execute(
            dialect,
            conn,
            Step {
                batch: &batch,
                statements,
                ordinal,
            },
            options,
            &unrecorded,
            &at,
        );
        if outcome.is_ok() {
            finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        outcome
    };
    let mut run = schedule::schedule(&mut conns, statements, &done, &weight, options, exec);
    // What the target held before the run is not counted as applied: the message
    // speaks of the statements the phase had to run.
    let applied = resumed + run.applied;
    if let Some(error) = run.error(D::WORDING.kept(applied, total - present)) {
        let unjournaled = !dialect.journals_atomically()
            && (interrupted || unrecorded.load(std::sync::atomic::Ordering::SeqCst));
        if resumed + run.applied == 0 && !unjournaled {
            // Nothing to resume: leave no journal behind (best effort, the error
            // matters more).
            let _ = dialect.drop_journal_if_empty(&mut conns[0]);
        }
        return Err(error);
    }
    let cleanup = |e: D::Error| Error::Apply {
        object: D::WORDING.journal.into(),
        reason: format!(
            "removing the finished {}: {}",
            D::WORDING.run,
            dialect.message(&e)
        ),
        outcome: format!(
            "all {total} statements are applied; drop the {} by hand",
            D::WORDING.container
        ),
    };
    let first = &mut conns[0];
    dialect.forget_batch(first, &batch).map_err(cleanup)?;
    dialect.drop_journal_if_empty(first).map_err(cleanup)?;
    not_valid.extend(run.not_valid);
    Ok(ApplyReport {
        statements: total - present,
        transactional: false,
        resumed,
        present,
        journal: Some(D::WORDING.journal)
            .filter(|j| !j.is_empty())
            .map(str::to_owned),
        connections: conns.len(),
        not_valid,
        rebuilt,
    })
}

/// Runs statement `ordinal` and makes sure it is journaled: a refusal of a validating
/// statement that the rows violate leaves its constraint NOT VALID under
/// [`OnViolation::NotValid`]; any other is explained.
/// Statement `ordinal` of `statements`, the batch `batch`.
struct Step<'a> {
    batch: &'a Batch,
    statements: &'a [Statement],
    ordinal: usize,
}

fn execute<D: JournaledApply>(
    dialect: &D,
    conn: &mut D::Conn,
    step: Step<'_>,
    options: &ApplyOptions,
    unrecorded: &std::sync::atomic::AtomicBool,
    at: &dyn Fn() -> Progress,
) -> Result<Outcome> {
    let Step {
        batch,
        statements,
        ordinal,
    } = step;
    let statement = &statements[ordinal];
    let mut attempt = 1;
    let outcome = loop {
        let started = std::time::Instant::now();
        let refused = match dialect.execute(conn, batch, ordinal, statement) {
            Ok(Executed::Recorded(outcome)) => return Ok(outcome),
            Ok(Executed::Unrecorded(outcome)) => break outcome,
            Err(Failure::Explained(error)) => return Err(error),
            Err(Failure::Refused(e)) => e,
        };
        if let Some(holder) = dialect.lock_holder(conn, statement, &refused, started.elapsed()) {
            let Some(pause) = options.wait_for_lock(attempt, &statement.describe(), &holder, at())
            else {
                return Err(Error::Apply {
                    object: statement.describe(),
                    reason: options.gave_up_on_lock(&holder),
                    outcome: String::new(),
                });
            };
            attempt += 1;
            std::thread::sleep(pause);
            continue;
        }
        let reason = dialect.message(&refused);
        if statement.validation
            && options.on_violation == OnViolation::NotValid
            && dialect.is_violation(&refused)
        {
            break Outcome::LeftNotValid(dialect.left_not_valid(conn, statement, &reason));
        }
        return Err(dialect.explain(conn, statement, reason));
    };
    let text = match &outcome {
        Outcome::Applied => None,
        Outcome::LeftNotValid(text) => Some(text.as_str()),
    };
    dialect
        .record(conn, batch, ordinal, statement, text)
        .map_err(|e| {
            unrecorded.store(true, std::sync::atomic::Ordering::SeqCst);
            Error::Apply {
                object: statement.describe(),
                reason: format!("recording it in the journal: {}", dialect.message(&e)),
                outcome: String::new(),
            }
        })?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Phase;
    use std::sync::Mutex;

    /// A journal row: batch key, ordinal, outcome.
    type Row = (String, usize, Option<String>);

    /// A dialect over an in-memory target: the journal is a Vec (`None` while it does
    /// not exist), the applied SQL another; `log` lists what the driver asked for.
    #[derive(Default)]
    struct Fake {
        atomic: bool,
        journal: Mutex<Option<Vec<Row>>>,
        applied: Mutex<Vec<String>>,
        log: Mutex<Vec<String>>,
        /// SQL the server refuses, and whether as a violation.
        refused: Vec<(&'static str, bool)>,
        /// SQL found applied after an interrupted run that is not to be taken for done.
        unconfirmed: Vec<&'static str>,
        /// A statement whose journal row cannot be written.
        unrecordable: Option<usize>,
    }

    impl Fake {
        fn log(&self, line: String) {
            self.log.lock().unwrap().push(line);
        }

        fn logged(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }

        fn rows(&self) -> Option<Vec<Row>> {
            self.journal.lock().unwrap().clone()
        }

        fn write(&self, batch: &Batch, ordinal: usize, outcome: Option<&str>) {
            self.journal
                .lock()
                .unwrap()
                .as_mut()
                .expect("the journal exists")
                .push((batch.key.clone(), ordinal, outcome.map(str::to_owned)));
        }
    }

    impl JournaledApply for Fake {
        type Conn = ();
        type Error = String;

        const WORDING: Wording = Wording {
            journal: "j",
            container: "table",
            run: "run",
            why_kept: " (why)",
            unit: "statement",
        };

        fn target(&self) -> String {
            "fake://target".into()
        }

        fn message(&self, error: &String) -> String {
            error.clone()
        }

        fn accepts(&self, options: &ApplyOptions) -> Result<()> {
            match options.jobs {
                99 => Err(Error::Unsupported {
                    dialect: "fake".into(),
                    what: "run on 99 connections".into(),
                }),
                _ => Ok(()),
            }
        }

        fn connect(&self) -> Result<()> {
            self.log("connect".into());
            Ok(())
        }

        fn journal_exists(&self, _: &mut ()) -> std::result::Result<bool, String> {
            Ok(self.journal.lock().unwrap().is_some())
        }

        fn exclude_others(&self, conns: &mut [()], _: &Batch, interrupted: bool) -> Result<()> {
            self.log(format!("exclude {} {interrupted}", conns.len()));
            Ok(())
        }

        fn create_journal(&self, _: &mut ()) -> std::result::Result<(), String> {
            self.journal.lock().unwrap().get_or_insert_with(Vec::new);
            Ok(())
        }

        fn journaled(&self, _: &mut (), batch: &Batch) -> std::result::Result<Vec<Entry>, String> {
            Ok(self
                .rows()
                .unwrap_or_default()
                .into_iter()
                .filter(|(key, _, _)| *key == batch.key)
                .map(|(_, ordinal, outcome)| Entry {
                    ordinal: ordinal as i64,
                    outcome,
                })
                .collect())
        }

        fn record(
            &self,
            _: &mut (),
            batch: &Batch,
            ordinal: usize,
            _: &Statement,
            outcome: Option<&str>,
        ) -> std::result::Result<(), String> {
            self.log(format!("record {ordinal}"));
            if self.unrecordable == Some(ordinal) {
                return Err("the journal is read-only".into());
            }
            self.write(batch, ordinal, outcome);
            Ok(())
        }

        fn forget_batch(&self, _: &mut (), batch: &Batch) -> std::result::Result<(), String> {
            self.log("forget".into());
            if let Some(rows) = self.journal.lock().unwrap().as_mut() {
                rows.retain(|(key, _, _)| *key != batch.key);
            }
            Ok(())
        }

        fn drop_journal_if_empty(&self, _: &mut ()) -> std::result::Result<(), String> {
            let mut journal = self.journal.lock().unwrap();
            if journal.as_ref().is_some_and(Vec::is_empty) {
                self.log("drop".into());
                *journal = None;
            }
            Ok(())
        }

        fn journals_atomically(&self) -> bool {
            self.atomic
        }

        fn already_applied(
            &self,
            _: &mut (),
            statement: &Statement,
        ) -> std::result::Result<bool, String> {
            Ok(self.applied.lock().unwrap().contains(&statement.sql))
        }

        fn confirm_applied(&self, _: &mut (), statement: &Statement) -> Result<bool> {
            Ok(!self.unconfirmed.contains(&statement.sql.as_str()))
        }

        fn table_sizes(
            &self,
            _: &mut (),
        ) -> std::result::Result<HashMap<QualifiedName, u64>, String> {
            Ok(HashMap::new())
        }

        fn execute(
            &self,
            _: &mut (),
            batch: &Batch,
            ordinal: usize,
            statement: &Statement,
        ) -> std::result::Result<Executed, Failure<String>> {
            self.log(format!("execute {ordinal}"));
            if let Some((_, violation)) = self.refused.iter().find(|(s, _)| *s == statement.sql) {
                let kind = if *violation { "violation" } else { "syntax" };
                return Err(Failure::Refused(format!("{kind} error")));
            }
            self.applied.lock().unwrap().push(statement.sql.clone());
            if self.atomic {
                self.write(batch, ordinal, None);
                return Ok(Executed::Recorded(Outcome::Applied));
            }
            Ok(Executed::Unrecorded(Outcome::Applied))
        }

        fn is_violation(&self, error: &String) -> bool {
            error.starts_with("violation")
        }
    }

    /// Statements about no table: each waits for those before it, so they run in order.
    fn batch(sqls: &[&str]) -> Vec<Statement> {
        sqls.iter()
            .map(|sql| Statement::new(Some(Phase::Seal), vec![], *sql))
            .collect()
    }

    fn row(statements: &[Statement], ordinal: usize) -> Row {
        (Batch::of(statements).key, ordinal, None)
    }

    #[test]
    fn a_batch_is_keyed_by_sixteen_hex_digits_of_its_digest() {
        let a = batch(&["CREATE TABLE a (x int)"]);
        let key = Batch::of(&a).key;
        assert_eq!(key.len(), 16);
        assert_eq!(u64::from_str_radix(&key, 16), Ok(journal::batch_digest(&a)));
    }

    #[test]
    fn a_completed_run_drops_the_journal_and_reports() {
        let statements = batch(&["A", "B", "C"]);
        let fake = Fake::default();
        let options = ApplyOptions::default().with_jobs(2);
        let report = run(&fake, &statements, &options).unwrap();
        assert_eq!(
            report,
            ApplyReport {
                statements: 3,
                transactional: false,
                resumed: 0,
                connections: 2,
                journal: Some("j".into()),
                ..ApplyReport::default()
            }
        );
        assert_eq!(fake.rows(), None, "the journal is gone");
        assert_eq!(
            fake.logged(),
            [
                "connect",
                "connect",
                "exclude 2 false",
                "execute 0",
                "record 0",
                "execute 1",
                "record 1",
                "execute 2",
                "record 2",
                "forget",
                "drop",
            ]
        );
    }

    #[test]
    fn a_completed_run_keeps_another_batchs_rows() {
        let statements = batch(&["A"]);
        let other = ("0123456789abcdef".to_owned(), 0, None);
        let fake = Fake {
            journal: Mutex::new(Some(vec![other.clone()])),
            ..Fake::default()
        };
        run(&fake, &statements, &ApplyOptions::default()).unwrap();
        assert_eq!(fake.rows(), Some(vec![other]));
    }

    #[test]
    fn a_re_run_skips_what_the_journal_lists() {
        let statements = batch(&["A", "B", "C", "D"]);
        let mut earlier = vec![row(&statements, 0), row(&statements, 1)];
        earlier[1].2 = Some("b left NOT VALID".into());
        // A row out of the batch's range is ignored.
        earlier.push(row(&statements, 9));
        let fake = Fake {
            journal: Mutex::new(Some(earlier)),
            ..Fake::default()
        };
        let report = run(&fake, &statements, &ApplyOptions::default()).unwrap();
        assert_eq!((report.statements, report.resumed), (4, 2));
        assert_eq!(report.not_valid, ["b left NOT VALID"]);
        let executed: Vec<String> = fake
            .logged()
            .into_iter()
            .filter(|l| l.starts_with("execute"))
            .collect();
        assert_eq!(executed, ["execute 2", "execute 3"]);
        assert_eq!(fake.rows(), None);
    }

    #[test]
    fn a_failure_says_what_stays_applied_and_keeps_the_journal() {
        let statements = batch(&["A", "B", "BAD", "D"]);
        let fake = Fake {
            refused: vec![("BAD", false)],
            ..Fake::default()
        };
        let err = run(&fake, &statements, &ApplyOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            ": syntax error in statement `BAD`; 2 of 4 statements are applied and stay so \
             (why), recorded in j: fix the cause and re-run the same command to resume"
        );
        assert_eq!(
            fake.rows(),
            Some(vec![row(&statements, 0), row(&statements, 1)])
        );
        assert!(!fake.logged().contains(&"execute 3".to_owned()));
    }

    #[test]
    fn a_failure_with_nothing_applied_leaves_no_journal() {
        let statements = batch(&["BAD", "B"]);
        for atomic in [false, true] {
            let fake = Fake {
                atomic,
                refused: vec![("BAD", false)],
                ..Fake::default()
            };
            let err = run(&fake, &statements, &ApplyOptions::default()).unwrap_err();
            assert!(err.to_string().ends_with("; nothing was applied"), "{err}");
            assert_eq!(fake.rows(), None, "atomic: {atomic}");
        }
    }

    #[test]
    fn a_journal_that_may_hide_an_unjournaled_statement_stays_after_a_failure() {
        // A statement ran and its row could not be written: the next run must look.
        let fake = Fake {
            unrecordable: Some(0),
            ..Fake::default()
        };
        run(&fake, &batch(&["A", "B"]), &ApplyOptions::default()).unwrap_err();
        assert_eq!(fake.rows(), Some(vec![]));
        // An interrupted run's journal, empty: whatever it hides is still unknown.
        let fake = Fake {
            journal: Mutex::new(Some(vec![])),
            refused: vec![("BAD", false)],
            ..Fake::default()
        };
        run(&fake, &batch(&["BAD"]), &ApplyOptions::default()).unwrap_err();
        assert_eq!(fake.rows(), Some(vec![]));
    }

    #[test]
    fn statements_the_target_holds_are_skipped_and_counted_apart() {
        let statements = batch(&["A", "B", "C"]);
        let fake = Fake::default();
        let options = ApplyOptions::default().with_present([0, 2].into_iter().collect());
        let report = run(&fake, &statements, &options).unwrap();
        assert_eq!(
            (report.statements, report.present, report.resumed),
            (1, 2, 0)
        );
        assert_eq!(*fake.applied.lock().unwrap(), vec!["B".to_owned()]);
        assert_eq!(fake.rows(), None, "the finished run leaves no journal");
    }

    #[test]
    fn an_interrupted_runs_unjournaled_statement_is_recorded_instead_of_run_again() {
        let statements = batch(&["A", "B", "C"]);
        // The earlier run journaled A, applied B and died before journaling it.
        let fake = Fake {
            journal: Mutex::new(Some(vec![row(&statements, 0)])),
            applied: Mutex::new(vec!["A".into(), "B".into()]),
            ..Fake::default()
        };
        let report = run(&fake, &statements, &ApplyOptions::default()).unwrap();
        assert_eq!((report.statements, report.resumed), (3, 2));
        assert_eq!(
            fake.logged(),
            [
                "connect",
                "exclude 1 true",
                "record 1",
                "execute 2",
                "record 2",
                "forget",
                "drop"
            ]
        );
        assert_eq!(*fake.applied.lock().unwrap(), ["A", "B", "C"]);
    }

    #[test]
    fn an_unjournaled_statement_the_dialect_does_not_confirm_runs_again() {
        let statements = batch(&["A", "B"]);
        let fake = Fake {
            journal: Mutex::new(Some(vec![])),
            applied: Mutex::new(vec!["A".into()]),
            unconfirmed: vec!["A"],
            ..Fake::default()
        };
        let report = run(&fake, &statements, &ApplyOptions::default()).unwrap();
        assert_eq!(report.resumed, 0);
        assert!(fake.logged().contains(&"execute 0".to_owned()));
    }

    #[test]
    fn a_statement_that_cannot_be_journaled_fails_the_run() {
        let statements = batch(&["A", "B", "C"]);
        let fake = Fake {
            unrecordable: Some(1),
            ..Fake::default()
        };
        let err = run(&fake, &statements, &ApplyOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            ": recording it in the journal: the journal is read-only; statement 1 of 3 is \
             applied and stays so (why), recorded in j: fix the cause and re-run the same \
             command to resume"
        );
        assert!(!fake.logged().contains(&"execute 2".to_owned()));
    }

    #[test]
    fn only_a_journal_left_behind_makes_the_driver_look_for_unjournaled_statements() {
        let statements = batch(&["A"]);
        // Applied by someone else, no journal: not the driver's, so it runs.
        let fake = Fake {
            applied: Mutex::new(vec!["A".into()]),
            ..Fake::default()
        };
        let report = run(&fake, &statements, &ApplyOptions::default()).unwrap();
        assert_eq!(report.resumed, 0);
        assert!(fake.logged().contains(&"execute 0".to_owned()));
    }

    #[test]
    fn a_violation_is_left_not_valid_only_when_asked_and_only_by_a_validation() {
        let mut statements = batch(&["A", "VALIDATE"]);
        statements[1].validation = true;
        let fake = Fake {
            refused: vec![("VALIDATE", true)],
            ..Fake::default()
        };
        let not_valid = ApplyOptions::default().with_on_violation(OnViolation::NotValid);
        let report = run(&fake, &statements, &not_valid).unwrap();
        assert_eq!(report.not_valid, [": violation error"]);
        assert!(fake.logged().contains(&"record 1".to_owned()));

        let fake = Fake {
            refused: vec![("VALIDATE", true)],
            ..Fake::default()
        };
        let err = run(&fake, &statements, &ApplyOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(": violation error in statement `VALIDATE`; statement 1 of 2"),
            "{err}"
        );
    }

    #[test]
    fn options_the_dialect_refuses_stop_the_run_before_it_connects() {
        let fake = Fake::default();
        let options = ApplyOptions::default().with_jobs(99);
        let err = run(&fake, &batch(&["A"]), &options).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the fake dialect cannot run on 99 connections"
        );
        assert!(fake.logged().is_empty());
    }
}
