//! Running a batch over several connections: the dependency-aware scheduler dialects
//! use for the seal.
//!
//! A batch is a list of statements in an order that is valid when run one by one. The
//! scheduler runs it over N connections: a statement starts once every statement it
//! depends on has finished and no running statement holds a conflicting lock on one
//! of its tables. Dependencies come from the statements themselves:
//! - a statement waits for the earlier statements about the same object (an index
//!   build before the constraint that uses it, a comment after its object);
//! - it waits for the earlier statements that create the objects it
//!   [requires](Statement::requires) (a foreign key after the referenced key);
//! - a statement about no table (a view, a trigger, a routine, a plain statement) waits
//!   for every statement before it, so views and triggers run last and one by one, as
//!   in the serial order.
//!
//! Among the statements ready to start, the one heading the heaviest chain of work
//! starts first: its own weight (the size of its table) plus the heaviest chain of the
//! statements that wait for it. A small parent table whose unique key a big child's
//! foreign key needs is therefore sealed before a medium table nothing waits for.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use crate::apply::{ApplyOptions, Progress};
use crate::error::Error;
use crate::ir::QualifiedName;
use crate::object::ObjectId;
use crate::statement::{LockMode, Statement};

/// The weight of each statement for [`schedule`]: the size of the first table its
/// objects belong to, from `sizes` (0 for statements about no table).
pub fn weights(statements: &[Statement], sizes: &HashMap<QualifiedName, u64>) -> Vec<u64> {
    statements
        .iter()
        .map(|s| {
            s.objects
                .iter()
                .find_map(|o| o.table.as_ref())
                .and_then(|t| sizes.get(t).copied())
                .unwrap_or(0)
        })
        .collect()
}

/// For each statement, the earlier statements it waits for, and whether it waits for
/// every statement before it (see the module documentation).
pub fn dependencies(statements: &[Statement]) -> Vec<(Vec<usize>, bool)> {
    let mut creators: HashMap<&ObjectId, usize> = HashMap::new();
    let mut result = Vec::with_capacity(statements.len());
    for (i, statement) in statements.iter().enumerate() {
        let mut deps: Vec<usize> = statement
            .objects
            .iter()
            .chain(&statement.requires)
            .filter_map(|o| creators.get(o).copied())
            .collect();
        deps.sort_unstable();
        deps.dedup();
        let barrier = !statement.objects.iter().any(|o| o.table.is_some());
        result.push((deps, barrier));
        for object in &statement.objects {
            creators.insert(object, i);
        }
    }
    result
}

/// Each statement's weight plus the heaviest chain of weights of the statements that
/// wait for it, directly or not (its "bottom level": the least work left once it
/// starts). Dependencies point backwards, so one pass from the end suffices.
fn priorities(deps: &[(Vec<usize>, bool)], weight: &[u64]) -> Vec<u64> {
    let mut priority: Vec<u64> = (0..deps.len())
        .map(|i| weight.get(i).copied().unwrap_or(0))
        .collect();
    let mut chain = vec![0u64; deps.len()];
    for i in (0..deps.len()).rev() {
        priority[i] = priority[i].saturating_add(chain[i]);
        for &d in &deps[i].0 {
            chain[d] = chain[d].max(priority[i]);
        }
    }
    priority
}

/// The tables a statement locks, and how (see [`Statement::locks`]).
pub fn locks(statement: &Statement) -> Vec<(QualifiedName, LockMode)> {
    let locks: Vec<(QualifiedName, LockMode)> = if statement.locks.is_empty() {
        statement
            .objects
            .iter()
            .filter_map(|o| o.table.clone())
            .map(|t| (t, LockMode::Exclusive))
            .collect()
    } else {
        statement
            .locks
            .iter()
            .map(|l| (l.table.clone(), l.mode))
            .collect()
    };
    strongest(locks)
}

/// `locks` with one entry per table, the strongest mode any entry gives it, in the
/// tables' order: what one statement locks, or several run as one (a group).
pub fn strongest(mut locks: Vec<(QualifiedName, LockMode)>) -> Vec<(QualifiedName, LockMode)> {
    locks.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then((b.1 == LockMode::Exclusive).cmp(&(a.1 == LockMode::Exclusive)))
    });
    locks.dedup_by(|later, first| later.0 == first.0);
    locks
}

/// What one statement came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran.
    Applied,
    /// It validated a constraint the rows violate; the constraint stays NOT VALID.
    /// The text says which and how many rows.
    LeftNotValid(String),
}

/// What a scheduled run came to.
#[derive(Debug, Default)]
pub struct Run {
    /// Statements run by this run (not counting those done before).
    pub applied: usize,
    /// Constraints left NOT VALID, in batch order.
    pub not_valid: Vec<String>,
    /// The first failure, with the position of its statement. Statements that were
    /// running when it happened finished; no other statement started after it.
    pub failure: Option<(usize, Error)>,
    /// Further failures of statements that were running at the same time.
    pub other_failures: Vec<(usize, Error)>,
}

impl Run {
    /// The error of a run that failed, its message ending with `outcome` (what the
    /// run leaves behind) and naming the other statements that failed beside it.
    pub fn error(&mut self, outcome: String) -> Option<Error> {
        let (_, first) = self.failure.take()?;
        let also = match self.other_failures.len() {
            0 => String::new(),
            n => format!(
                " ({n} more failed while it ran: {})",
                self.other_failures
                    .iter()
                    .map(|(_, e)| match e {
                        Error::Apply { object, .. } => object.clone(),
                        Error::RefusedRows { violations, .. } => violations
                            .iter()
                            .map(|v| v.object.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Some(match first {
            Error::Apply { object, reason, .. } => Error::Apply {
                object,
                reason: format!("{reason}{also}"),
                outcome,
            },
            Error::Schedule { reason, .. } => Error::Schedule {
                reason: format!("{reason}{also}"),
                outcome,
            },
            Error::RefusedRows { violations, .. } => Error::RefusedRows {
                violations,
                outcome: match also.trim() {
                    "" => outcome,
                    also => format!("{also}; {outcome}"),
                },
            },
            other => other,
        })
    }
}

#[derive(Default)]
struct Holds {
    shared: usize,
    exclusive: bool,
}

struct State {
    waiting_on: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    barrier: Vec<bool>,
    finished: Vec<bool>,
    first_unfinished: usize,
    /// Ready statements, the highest priority first, then in batch order.
    ready: BTreeSet<(Reverse<u64>, usize)>,
    /// Each statement's weight plus the heaviest chain of the statements waiting on it.
    priority: Vec<u64>,
    blocked_barriers: BTreeSet<usize>,
    holds: HashMap<QualifiedName, Holds>,
    running: usize,
    done: usize,
    stop: bool,
    run: Run,
    not_valid: Vec<(usize, String)>,
}

impl State {
    /// The state of a batch before its first statement starts: dependencies counted,
    /// what can start ready, and the statements `done` by an earlier run finished first,
    /// in order (which also releases what waits on them).
    fn new(statements: &[Statement], done: &[bool], weight: &[u64]) -> State {
        let n = statements.len();
        let deps = dependencies(statements);
        let mut state = State {
            waiting_on: vec![0; n],
            dependents: vec![Vec::new(); n],
            barrier: deps.iter().map(|(_, b)| *b).collect(),
            finished: vec![false; n],
            first_unfinished: 0,
            ready: BTreeSet::new(),
            priority: priorities(&deps, weight),
            blocked_barriers: BTreeSet::new(),
            holds: HashMap::new(),
            running: 0,
            done: 0,
            stop: false,
            run: Run::default(),
            not_valid: Vec::new(),
        };
        for (i, (before, _)) in deps.iter().enumerate() {
            for &d in before {
                state.waiting_on[i] += 1;
                state.dependents[d].push(i);
            }
        }
        for i in 0..n {
            if state.waiting_on[i] == 0 {
                if state.barrier[i] {
                    state.blocked_barriers.insert(i);
                } else {
                    state.make_ready(i);
                }
            }
        }
        for i in (0..n).filter(|&i| done.get(i).copied().unwrap_or(false)) {
            state.ready.remove(&(Reverse(state.priority[i]), i));
            state.blocked_barriers.remove(&i);
            state.finish(i);
        }
        state.release_barriers();
        state
    }

    fn free(&self, locks: &[(QualifiedName, LockMode)]) -> bool {
        locks
            .iter()
            .all(|(table, mode)| match self.holds.get(table) {
                None => true,
                Some(h) => !h.exclusive && (*mode == LockMode::Shared || h.shared == 0),
            })
    }

    fn take(&mut self, locks: &[(QualifiedName, LockMode)]) {
        for (table, mode) in locks {
            let h = self.holds.entry(table.clone()).or_default();
            match mode {
                LockMode::Shared => h.shared += 1,
                LockMode::Exclusive => h.exclusive = true,
            }
        }
    }

    fn release(&mut self, locks: &[(QualifiedName, LockMode)]) {
        for (table, mode) in locks {
            if let Some(h) = self.holds.get_mut(table) {
                match mode {
                    LockMode::Shared => h.shared -= 1,
                    LockMode::Exclusive => h.exclusive = false,
                }
                if h.shared == 0 && !h.exclusive {
                    self.holds.remove(table);
                }
            }
        }
    }

    /// A statement whose dependencies are done and whose locks are free.
    fn pick(&mut self, locks: &[Vec<(QualifiedName, LockMode)>]) -> Option<usize> {
        let found = self
            .ready
            .iter()
            .copied()
            .find(|&(_, i)| self.free(&locks[i]))?;
        self.ready.remove(&found);
        self.take(&locks[found.1]);
        Some(found.1)
    }

    fn finish(&mut self, i: usize) {
        self.finished[i] = true;
        self.done += 1;
        while self.first_unfinished < self.finished.len() && self.finished[self.first_unfinished] {
            self.first_unfinished += 1;
        }
        for d in std::mem::take(&mut self.dependents[i]) {
            self.waiting_on[d] -= 1;
            // A statement an earlier run did is finished already.
            if self.waiting_on[d] == 0 && !self.finished[d] {
                if self.barrier[d] {
                    self.blocked_barriers.insert(d);
                } else {
                    self.make_ready(d);
                }
            }
        }
        self.release_barriers();
    }

    /// A barrier is ready once everything before it is finished.
    fn release_barriers(&mut self) {
        while let Some(&b) = self.blocked_barriers.first() {
            if self.first_unfinished < b {
                break;
            }
            self.blocked_barriers.remove(&b);
            self.make_ready(b);
        }
    }

    fn make_ready(&mut self, i: usize) {
        self.ready.insert((Reverse(self.priority[i]), i));
    }
}

/// Runs `statements` over `conns` (one worker thread each) in dependency order.
/// `done[i]` marks statements an earlier run applied: they are skipped and count as
/// finished. Among the statements ready to start, the one heading the heaviest chain
/// of `weight`s (for example the sizes of their tables; missing weights count as 0)
/// starts first, so that the longest work does not come last; ties keep batch order.
/// `exec` runs statement
/// `i` on a connection. A failure stops the run: no statement starts after it, running
/// ones finish.
pub fn schedule<C: Send>(
    conns: &mut [C],
    statements: &[Statement],
    done: &[bool],
    weight: &[u64],
    options: &ApplyOptions,
    exec: impl Fn(&mut C, usize) -> Result<Outcome, Error> + Sync,
) -> Run {
    let n = statements.len();
    let locks: Vec<Vec<(QualifiedName, LockMode)>> = statements.iter().map(locks).collect();
    let state = State::new(statements, done, weight);
    let workers = conns.len().min(n.saturating_sub(state.done)).max(1);
    let shared = (Mutex::new(state), Condvar::new());
    let worker = Worker {
        shared: &shared,
        statements,
        locks: &locks,
        options,
        started: Instant::now(),
    };
    std::thread::scope(|scope| {
        for conn in conns.iter_mut().take(workers) {
            let (worker, exec) = (&worker, &exec);
            scope.spawn(move || worker.work(conn, exec));
        }
    });
    let mut state = shared.0.into_inner().unwrap_or_else(|e| e.into_inner());
    state.not_valid.sort_by_key(|(i, _)| *i);
    let mut run = std::mem::take(&mut state.run);
    run.not_valid = state.not_valid.into_iter().map(|(_, t)| t).collect();
    run
}

/// What every worker of a [`schedule`] shares.
struct Worker<'a> {
    shared: &'a (Mutex<State>, Condvar),
    statements: &'a [Statement],
    locks: &'a [Vec<(QualifiedName, LockMode)>],
    options: &'a ApplyOptions,
    started: Instant,
}

impl Worker<'_> {
    /// Runs statements on `conn` until the batch is done or stopped.
    fn work<C>(
        &self,
        conn: &mut C,
        exec: &(impl Fn(&mut C, usize) -> Result<Outcome, Error> + Sync),
    ) {
        while let Some(i) = self.next() {
            let result = self.run_one(conn, i, exec);
            self.record(i, result);
        }
    }

    /// The next statement this worker may start, waiting while none can; `None` when
    /// the batch is done or stopped.
    fn next(&self) -> Option<usize> {
        let (lock, wake) = self.shared;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if state.stop || state.done == self.statements.len() {
                wake.notify_all();
                return None;
            }
            if let Some(i) = state.pick(self.locks) {
                state.running += 1;
                return Some(i);
            }
            if state.running == 0 {
                // Nothing runs and nothing can start: cannot happen with backward
                // dependencies; fail rather than wait forever.
                state.stop = true;
                let pending = state.finished.iter().filter(|f| !**f).count();
                let first = state.first_unfinished;
                state.run.failure.get_or_insert((
                    first,
                    Error::Schedule {
                        reason: format!(
                            "{pending} statements can never start (their dependencies \
                             cannot be met)"
                        ),
                        outcome: String::new(),
                    },
                ));
                wake.notify_all();
                return None;
            }
            state = wake.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Runs statement `i`, timed for the log. A panicking statement fails like any
    /// other, so that the other workers do not wait for it forever.
    fn run_one<C>(
        &self,
        conn: &mut C,
        i: usize,
        exec: &(impl Fn(&mut C, usize) -> Result<Outcome, Error> + Sync),
    ) -> Result<Outcome, Error> {
        let _timer = crate::trace::statement(&self.statements[i].sql);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exec(conn, i))).unwrap_or_else(
            |_| {
                Err(Error::Apply {
                    object: self.statements[i].describe(),
                    reason: "the worker running it panicked".into(),
                    outcome: String::new(),
                })
            },
        )
    }

    /// Records how statement `i` ended: releases its locks, and either finishes it
    /// (reporting progress) or stops the run.
    fn record(&self, i: usize, result: Result<Outcome, Error>) {
        let (lock, wake) = self.shared;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        state.running -= 1;
        state.release(&self.locks[i]);
        match result {
            Ok(outcome) => {
                state.run.applied += 1;
                if let Outcome::LeftNotValid(text) = outcome {
                    state.not_valid.push((i, text));
                }
                state.finish(i);
                let progress =
                    Progress::new(state.done, self.statements.len(), self.started.elapsed());
                drop(state);
                self.options.report(&progress);
            }
            Err(e) => {
                state.stop = true;
                if state.run.failure.is_none() {
                    state.run.failure = Some((i, e));
                } else {
                    state.run.other_failures.push((i, e));
                }
            }
        }
        wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::ProgressFn;
    use crate::object::{ObjectKind, Phase};
    use crate::statement::TableLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    fn table(name: &str) -> QualifiedName {
        QualifiedName::bare(name)
    }

    fn index(t: &str, name: &str) -> Statement {
        let mut s = Statement::new(
            Some(Phase::Seal),
            vec![ObjectId::owned(
                ObjectKind::Index,
                &table(t),
                name.into(),
                0,
            )],
            format!("CREATE INDEX {name} ON {t}"),
        );
        s.locks = vec![TableLock::new(&table(t), LockMode::Shared)];
        s
    }

    fn unique(t: &str, name: &str) -> ObjectId {
        ObjectId::owned(ObjectKind::Unique, &table(t), name.into(), 0)
    }

    fn fk(t: &str, name: &str, requires: ObjectId) -> Statement {
        let mut s = Statement::new(
            Some(Phase::Seal),
            vec![ObjectId::owned(
                ObjectKind::ForeignKey,
                &table(t),
                name.into(),
                0,
            )],
            format!("ADD FK {name}"),
        );
        s.requires = vec![requires];
        s
    }

    fn view(name: &str) -> Statement {
        Statement::new(
            Some(Phase::Seal),
            vec![ObjectId::standalone(ObjectKind::View, &table(name))],
            format!("CREATE VIEW {name}"),
        )
    }

    fn batch() -> Vec<Statement> {
        vec![
            Statement::new(Some(Phase::Seal), vec![unique("a", "a_k")], "BUILD a_k"),
            Statement::new(Some(Phase::Seal), vec![unique("a", "a_k")], "ATTACH a_k"),
            index("b", "b_x"),
            index("b", "b_y"),
            fk("b", "b_a", unique("a", "a_k")),
            view("v"),
            view("w"),
        ]
    }

    #[test]
    fn dependencies_follow_objects_requirements_and_barriers() {
        let deps = dependencies(&batch());
        assert_eq!(deps[0], (vec![], false));
        assert_eq!(deps[1], (vec![0], false), "same object: after the build");
        assert_eq!(deps[2], (vec![], false));
        assert_eq!(
            deps[4],
            (vec![1], false),
            "the fk waits for the attached key"
        );
        assert_eq!(
            deps[5],
            (vec![], true),
            "a view waits for everything before it"
        );
    }

    #[test]
    fn locks_default_to_the_objects_tables_and_keep_the_strongest_mode() {
        let s = &batch()[4];
        assert_eq!(locks(s), vec![(table("b"), LockMode::Exclusive)]);
        let mut both = index("b", "b_x");
        both.locks
            .push(TableLock::new(&table("b"), LockMode::Exclusive));
        both.locks
            .push(TableLock::new(&table("a"), LockMode::Shared));
        assert_eq!(
            locks(&both),
            vec![
                (table("a"), LockMode::Shared),
                (table("b"), LockMode::Exclusive)
            ]
        );
    }

    /// Several statements run as one (a group) lock each table once, the strongest way
    /// any of them does, whichever comes first.
    #[test]
    fn statements_run_as_one_lock_each_table_once_the_strongest_way() {
        let shared = index("b", "b_x");
        let exclusive = &batch()[4];
        for order in [[&shared, exclusive], [exclusive, &shared]] {
            let merged = strongest(order.iter().flat_map(|s| locks(s)).collect());
            assert_eq!(merged, vec![(table("b"), LockMode::Exclusive)]);
        }
        let both = strongest(vec![
            (table("c"), LockMode::Shared),
            (table("a"), LockMode::Shared),
            (table("c"), LockMode::Shared),
        ]);
        assert_eq!(
            both,
            vec![
                (table("a"), LockMode::Shared),
                (table("c"), LockMode::Shared)
            ]
        );
    }

    /// Runs the batch on `jobs` workers, recording start and end events, and checks
    /// every ordering rule against the record.
    fn run_and_check(jobs: usize, done: &[bool]) -> (Run, Vec<(usize, bool)>) {
        let statements = batch();
        let events = Mutex::new(Vec::new());
        let mut conns: Vec<usize> = (0..jobs).collect();
        let run = schedule(
            &mut conns,
            &statements,
            done,
            &[],
            &ApplyOptions::default(),
            |_, i| {
                events.lock().unwrap().push((i, true));
                std::thread::sleep(Duration::from_millis(20));
                events.lock().unwrap().push((i, false));
                Ok(Outcome::Applied)
            },
        );
        let events = events.into_inner().unwrap();
        let deps = dependencies(&statements);
        let end = |i: usize| events.iter().position(|e| *e == (i, false));
        let start = |i: usize| events.iter().position(|e| *e == (i, true));
        for (i, (before, barrier)) in deps.iter().enumerate() {
            if done[i] {
                assert_eq!(start(i), None, "statement {i} was done before");
                continue;
            }
            let s = start(i).unwrap_or_else(|| panic!("statement {i} never ran"));
            for &d in before {
                if !done[d] {
                    assert!(end(d).unwrap() < s, "{i} started before {d} ended");
                }
            }
            if *barrier {
                for d in (0..i).filter(|d| !done[*d]) {
                    assert!(end(d).unwrap() < s, "barrier {i} started before {d} ended");
                }
            }
        }
        (run, events)
    }

    #[test]
    fn a_parallel_run_keeps_every_ordering_rule_and_overlaps_independent_work() {
        let (run, events) = run_and_check(3, &[false; 7]);
        assert!(run.failure.is_none());
        assert_eq!(run.applied, 7);
        // The two index builds on b share the table, and run beside a's key build.
        let mut running = 0usize;
        let mut most = 0usize;
        for (_, start) in &events {
            running = if *start { running + 1 } else { running - 1 };
            most = most.max(running);
        }
        assert_eq!(most, 3, "{events:?}");
    }

    #[test]
    fn statements_done_before_are_skipped_and_release_their_dependents() {
        let done = [true, true, false, true, false, false, false];
        let (run, _) = run_and_check(2, &done);
        assert_eq!(run.applied, 4);
        assert!(run.failure.is_none());
    }

    #[test]
    fn exclusive_locks_keep_statements_on_one_table_apart() {
        let statements: Vec<Statement> = (0..4)
            .map(|i| fk("t", &format!("fk{i}"), unique("p", &format!("k{i}"))))
            .collect();
        let active = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut conns = vec![(); 4];
        let run = schedule(
            &mut conns,
            &statements,
            &[false; 4],
            &[],
            &ApplyOptions::default(),
            |_, _| {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
                active.fetch_sub(1, Ordering::SeqCst);
                Ok(Outcome::Applied)
            },
        );
        assert_eq!(run.applied, 4);
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_failure_stops_the_run_and_not_valid_outcomes_are_listed() {
        let statements = batch();
        let mut conns = vec![(); 1];
        let seen = Mutex::new(Vec::new());
        let reported = Arc::new(Mutex::new(Vec::new()));
        let progress: ProgressFn = Arc::new({
            let reported = reported.clone();
            move |p: &Progress| reported.lock().unwrap().push((p.done, p.total))
        });
        let options = ApplyOptions::default().with_progress(progress);
        let run = schedule(
            &mut conns,
            &statements,
            &[false; 7],
            &[],
            &options,
            |_, i| {
                seen.lock().unwrap().push(i);
                match i {
                    2 => Ok(Outcome::LeftNotValid("b_x".into())),
                    4 => Err(Error::Unsupported {
                        dialect: "test".into(),
                        what: format!("run statement {i}"),
                    }),
                    _ => Ok(Outcome::Applied),
                }
            },
        );
        let (at, error) = run.failure.expect("a failure");
        assert_eq!(at, 4);
        assert_eq!(error.to_string(), "the test dialect cannot run statement 4");
        assert_eq!(run.not_valid, vec!["b_x".to_owned()]);
        assert_eq!(run.applied, 4);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![0, 1, 2, 3, 4],
            "nothing ran after 4"
        );
        assert_eq!(
            *reported.lock().unwrap(),
            vec![(1, 7), (2, 7), (3, 7), (4, 7)],
            "progress after each statement that finished"
        );
    }

    #[test]
    fn the_error_of_a_run_ends_with_its_outcome_and_names_the_other_failures() {
        let apply = |object: &str| Error::Apply {
            object: object.into(),
            reason: "boom".into(),
            outcome: String::new(),
        };
        let mut run = Run {
            failure: Some((3, apply("index \"a\" on table t"))),
            other_failures: vec![(4, apply("index \"b\" on table u"))],
            ..Run::default()
        };
        assert_eq!(
            run.error("nothing was applied".into()).unwrap().to_string(),
            "index \"a\" on table t: boom (1 more failed while it ran: index \"b\" on table \
             u); nothing was applied"
        );
        assert!(Run::default().error(String::new()).is_none());
    }

    #[test]
    fn a_panicking_statement_fails_the_run_instead_of_hanging_it() {
        let statements = batch();
        let mut conns = vec![(); 2];
        let run = schedule(
            &mut conns,
            &statements,
            &[false; 7],
            &[],
            &ApplyOptions::default(),
            |_, i| {
                if i == 2 {
                    panic!("boom");
                }
                Ok(Outcome::Applied)
            },
        );
        let (at, error) = run.failure.expect("a failure");
        assert_eq!(at, 2);
        assert_eq!(
            error.to_string(),
            "index \"b_x\" on table \"b\": the worker running it panicked; "
        );
    }

    #[test]
    fn a_statement_done_before_its_dependency_is_not_run_again() {
        // The attach (1) was journaled, the build (0) it depends on was not.
        let done = [false, true, false, false, false, false, false];
        let ran = Mutex::new(Vec::new());
        let mut conns = vec![(); 2];
        let run = schedule(
            &mut conns,
            &batch(),
            &done,
            &[],
            &ApplyOptions::default(),
            |_, i| {
                ran.lock().unwrap().push(i);
                Ok(Outcome::Applied)
            },
        );
        assert!(run.failure.is_none());
        let mut ran = ran.into_inner().unwrap();
        ran.sort_unstable();
        assert_eq!(ran, vec![0, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn the_heaviest_ready_statement_starts_first() {
        let statements: Vec<Statement> = ["a", "b", "c"]
            .iter()
            .map(|t| index(t, &format!("{t}_i")))
            .collect();
        assert_eq!(serial_order(&statements, &[5, 90, 20]), vec![1, 2, 0]);
    }

    /// The order one connection runs `statements` in, given their weights.
    fn serial_order(statements: &[Statement], weight: &[u64]) -> Vec<usize> {
        let order = Mutex::new(Vec::new());
        let mut conns = vec![()];
        schedule(
            &mut conns,
            statements,
            &vec![false; statements.len()],
            weight,
            &ApplyOptions::default(),
            |_, i| {
                order.lock().unwrap().push(i);
                Ok(Outcome::Applied)
            },
        );
        order.into_inner().unwrap()
    }

    #[test]
    fn the_head_of_the_heaviest_chain_starts_first() {
        // 0: a small parent's key; 1: a medium table nothing waits for; 2: a big
        // child's foreign key to the key of 0.
        let statements = vec![
            Statement::new(
                Some(Phase::Seal),
                vec![unique("parent", "parent_code_key")],
                "ADD UNIQUE parent_code_key",
            ),
            index("medium", "medium_i"),
            fk("child", "child_fk", unique("parent", "parent_code_key")),
        ];
        assert_eq!(
            priorities(&dependencies(&statements), &[5, 50, 90]),
            vec![95, 50, 90]
        );
        assert_eq!(serial_order(&statements, &[5, 50, 90]), vec![0, 2, 1]);
    }
}
