//! What an apply is asked ([`ApplyOptions`]: connections, what to do with violated
//! constraints, a progress callback) and what it reports ([`ApplyReport`],
//! [`Progress`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::statement::Statement;
use std::time::Duration;

/// What the seal does when the loaded rows violate a foreign key or a check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnViolation {
    /// Stop at the first failure: no new statement starts, running ones finish.
    #[default]
    Stop,
    /// Leave the violated foreign keys and checks `NOT VALID`, go on, and list them in
    /// the report (PostgreSQL). Other failures still stop.
    NotValid,
}

impl std::str::FromStr for OnViolation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "stop" => Ok(OnViolation::Stop),
            "not-valid" => Ok(OnViolation::NotValid),
            other => Err(format!(
                "unknown violation policy `{other}` (expected stop or not-valid)"
            )),
        }
    }
}

/// Where a run stands, as reported after each statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Statements finished, including those an earlier run had applied.
    pub done: usize,
    /// Statements in the batch.
    pub total: usize,
    /// Time since the run started.
    pub elapsed: Duration,
    /// Set while a statement waits for a lock another session holds, between two
    /// attempts: what it waits for and who holds it.
    pub waiting: Option<String>,
}

impl Progress {
    /// `done` of `total` statements finished after `elapsed`, nothing waiting.
    pub fn new(done: usize, total: usize, elapsed: Duration) -> Self {
        Progress {
            done,
            total,
            elapsed,
            waiting: None,
        }
    }
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to apply a batch.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Connections to run statements on (at least 1).
    pub jobs: usize,
    /// What a violated foreign key or check does.
    pub on_violation: OnViolation,
    /// Called after each statement.
    pub progress: Option<ProgressFn>,
    /// How long one statement may wait for a lock another session holds (PostgreSQL's
    /// `lock_timeout`, MySQL's `lock_wait_timeout`) before it gives up and is tried
    /// again; 5 seconds by default.
    pub lock_timeout: Duration,
    /// How many times a statement that could not get its lock is tried again, after
    /// 1, 2, 4, ... seconds (at most 30), before the run stops; 5 by default.
    pub lock_retries: u32,
    /// Statements of the batch (by position) whose objects the target already holds,
    /// as a convergent apply found them ([`crate::converge`]): they are skipped and
    /// counted in [`ApplyReport::present`].
    pub present: BTreeSet<usize>,
    /// The target's tables hold no rows (a clone of the schema into an empty
    /// database): nothing the batch adds can be violated, so a dialect may apply even
    /// the seal in groups of statements, each group in one transaction with the
    /// catalog as its journal, instead of one journaled transaction per statement
    /// (PostgreSQL). Set by [`crate::clone_extracted`].
    pub no_rows: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            jobs: 1,
            on_violation: OnViolation::Stop,
            progress: None,
            lock_timeout: Duration::from_secs(5),
            lock_retries: 5,
            present: BTreeSet::new(),
            no_rows: false,
        }
    }
}

impl std::fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("jobs", &self.jobs)
            .field("on_violation", &self.on_violation)
            .field("progress", &self.progress.is_some())
            .field("lock_timeout", &self.lock_timeout)
            .field("lock_retries", &self.lock_retries)
            .field("present", &self.present.len())
            .field("no_rows", &self.no_rows)
            .finish()
    }
}

impl ApplyOptions {
    /// Options running on `jobs` connections (at least 1).
    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Options saying whether the target's tables hold no rows
    /// ([`ApplyOptions::no_rows`]).
    pub fn with_no_rows(mut self, no_rows: bool) -> Self {
        self.no_rows = no_rows;
        self
    }

    /// Options with this violation policy.
    pub fn with_on_violation(mut self, on_violation: OnViolation) -> Self {
        self.on_violation = on_violation;
        self
    }

    /// Options reporting progress to `progress`.
    pub fn with_progress(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Options under which a statement waits at most `timeout` for a lock, and is tried
    /// `retries` more times.
    pub fn with_lock_timeout(mut self, timeout: Duration, retries: u32) -> Self {
        self.lock_timeout = timeout;
        self.lock_retries = retries;
        self
    }

    /// The pause before attempt `attempt` (2, 3, ...) of a statement that could not get
    /// its lock: 1, 2, 4, ... seconds, at most 30.
    pub fn lock_backoff(attempt: u32) -> Duration {
        Duration::from_secs(1u64 << attempt.saturating_sub(2).min(5)).min(Duration::from_secs(30))
    }

    /// After attempt `attempt` of `what` failed to get a lock `holder` holds: `None`
    /// when that was the last attempt, else the pause before the next one, which has
    /// been reported to the progress callback (as `at` with its `waiting` set) and
    /// logged.
    pub fn wait_for_lock(
        &self,
        attempt: u32,
        what: &str,
        holder: &str,
        at: Progress,
    ) -> Option<Duration> {
        let attempts = self.lock_retries.saturating_add(1);
        if attempt >= attempts {
            return None;
        }
        let pause = Self::lock_backoff(attempt + 1);
        let text = format!(
            "{what} waits for a lock: {holder}; attempt {} of {attempts} in {}",
            attempt + 1,
            seconds(pause)
        );
        tracing::warn!(target: crate::trace::STATEMENT_TARGET, "{text}");
        self.report(&Progress {
            waiting: Some(text),
            ..at
        });
        Some(pause)
    }

    /// Why a statement failed after its last attempt to get a lock `holder` holds.
    pub fn gave_up_on_lock(&self, holder: &str) -> String {
        format!(
            "gave up waiting for a lock after {} attempts of {}: {holder}",
            self.lock_retries.saturating_add(1),
            seconds(self.lock_timeout)
        )
    }

    /// Options that skip the statements at these positions, which the target holds.
    pub fn with_present(mut self, present: BTreeSet<usize>) -> Self {
        self.present = present;
        self
    }

    /// The statements of `statements` to run: all but those [`ApplyOptions::present`]
    /// lists, in order (borrowed when it lists none: a phase is not copied).
    pub fn pending<'a>(&self, statements: &'a [Statement]) -> std::borrow::Cow<'a, [Statement]> {
        if self.present.is_empty() {
            return std::borrow::Cow::Borrowed(statements);
        }
        statements
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.present.contains(i))
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Fails with [`Error::Unsupported`](crate::Error::Unsupported) when these options
    /// ask to leave violated constraints NOT VALID, which `dialect` cannot do.
    pub fn refuse_not_valid(&self, dialect: &str, why: &str) -> crate::Result<()> {
        if self.on_violation == OnViolation::NotValid {
            return Err(crate::Error::Unsupported {
                dialect: dialect.to_owned(),
                what: format!("leave violated constraints NOT VALID{why}"),
            });
        }
        Ok(())
    }

    /// Calls the progress callback, if any.
    pub fn report(&self, progress: &Progress) {
        if let Some(callback) = &self.progress {
            callback(progress);
        }
    }
}

/// What an apply did.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyReport {
    /// Statements executed.
    pub statements: usize,
    /// Whether the whole batch ran in one transaction.
    pub transactional: bool,
    /// Statements a previous, interrupted run of the same batch had already applied,
    /// which this run skipped (dialects with a journal).
    #[serde(default)]
    pub resumed: usize,
    /// Connections the statements ran on.
    #[serde(default)]
    pub connections: usize,
    /// Constraints left `NOT VALID` because the loaded rows violate them (under
    /// [`crate::apply::OnViolation::NotValid`]), each with the count of offending rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_valid: Vec<String>,
    /// Invalid indexes an interrupted build had left behind, dropped and built again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rebuilt: Vec<String>,
    /// Statements skipped because the target already held what they create
    /// ([`ApplyOptions::present`]); not counted in `statements`.
    #[serde(default)]
    pub present: usize,
    /// The journal that let a re-run resume while the run was under way (removed once
    /// it completed), when the batch was not one transaction and kept one; `None` for
    /// a batch applied in one transaction, or in groups that each commit whole (then
    /// the target's catalog is the journal: a re-run applies what is missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
}

impl ApplyReport {
    /// Whether the target already held everything the batch creates, so nothing ran.
    pub fn nothing_to_do(&self) -> bool {
        self.statements == 0 && self.present > 0
    }

    /// The report of `statements` statements run in one transaction on one connection.
    pub fn in_one_transaction(statements: usize) -> Self {
        ApplyReport {
            statements,
            transactional: true,
            connections: 1,
            ..ApplyReport::default()
        }
    }

    /// The report of `statements` statements run one by one, each committed, on one
    /// connection.
    pub fn one_by_one(statements: usize) -> Self {
        ApplyReport {
            statements,
            connections: 1,
            ..ApplyReport::default()
        }
    }
}

/// `5 s`, `0.5 s`: a duration in messages.
fn seconds(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}
