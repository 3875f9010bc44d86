//! The preflight of loaded data (`schema-replicator check SRC DST`): what the seal of a
//! schema would refuse, counted on the target before sealing. A dialect implements
//! [`Preflight`] (one set-based query per kind of constraint); [`probes`] builds the
//! queries of a schema and [`run_probes`] runs them over several connections.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::apply::{Progress, ProgressFn};
use crate::error::Result;
use crate::ir::{CheckConstraint, ForeignKey, Index, Schema, Table, UniqueConstraint};
use crate::object::{ObjectId, ObjectKind};
use crate::plan::table_objects;
pub use crate::violation::Problem;

/// The result of checking one constraint or NOT NULL column.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The constraint, index or column.
    pub object: ObjectId,
    /// What was looked for.
    pub problem: Problem,
    /// Offending rows; 0 when the seal would accept this object.
    pub rows: u64,
    /// For duplicate keys, the number of distinct duplicated keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<u64>,
    /// Up to five offending keys (`("parent_id")=(7)`).
    #[serde(default)]
    pub samples: Vec<String>,
}

impl Finding {
    /// Whether the seal would refuse this object.
    pub fn fails(&self) -> bool {
        self.rows > 0
    }
}

impl Finding {
    /// What was found, without the object or the count: `orphan rows (e.g. ...)`,
    /// `rows with a duplicated key in 2 keys (e.g. ...)`.
    pub fn problem_text(&self) -> String {
        let mut text = self.problem.noun(self.rows).to_owned();
        if let Some(groups) = self.groups.filter(|_| self.fails()) {
            let keys = if groups == 1 { "key" } else { "keys" };
            text.push_str(&format!(" in {groups} {keys}"));
        }
        if !self.samples.is_empty() {
            text.push_str(&format!(" (e.g. {})", self.samples.join(", ")));
        }
        text
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} {}", self.object, self.rows, self.problem_text())
    }
}

/// One NOT NULL column to check: its id and name.
#[derive(Debug, Clone)]
pub struct NotNullColumn {
    /// `column "c" on table "t"`.
    pub object: ObjectId,
    /// The column's name.
    pub name: String,
}

/// The NOT NULL columns of a table that hold stored values (generated columns are
/// computed, so they are left out), as check objects.
pub fn not_null_columns(table: &Table) -> Vec<NotNullColumn> {
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.nullable && c.generated.is_none() && !c.inherited)
        .map(|(i, c)| NotNullColumn {
            object: ObjectId::owned(ObjectKind::Column, &table.name, c.name.clone(), i),
            name: c.name.clone(),
        })
        .collect()
}

/// One query of a check, built by a dialect.
#[derive(Debug, Clone)]
pub enum Probe {
    /// Counts one constraint: a row of (`rows`, `groups`, `samples`).
    One {
        /// The constraint or index.
        object: ObjectId,
        /// What the query counts.
        problem: Problem,
        /// The query.
        sql: String,
    },
    /// Counts the NULLs of some NOT NULL columns of one table in one scan: a JSON
    /// object text mapping each column's position in `columns` (`"0"`, `"1"`, ...) to
    /// its count.
    Nulls {
        /// The columns, in the order of the query's keys.
        columns: Vec<NotNullColumn>,
        /// The query.
        sql: String,
    },
}

/// A [`Probe::One`]'s row: offending rows, duplicated keys, samples.
pub type Counted = (i64, Option<i64>, Vec<String>);

impl Probe {
    /// Runs the probe on `conn`: `count` reads a [`Probe::One`]'s row (none means
    /// nothing found), `doc` a [`Probe::Nulls`]'s JSON document.
    pub fn findings<C>(
        &self,
        conn: &mut C,
        count: impl FnOnce(&mut C, &str) -> Result<Option<Counted>>,
        doc: impl FnOnce(&mut C, &str) -> Result<Option<String>>,
    ) -> Result<Vec<Finding>> {
        Ok(match self {
            Probe::One { sql, .. } => {
                let (rows, groups, samples) = count(conn, sql)?.unwrap_or((0, None, Vec::new()));
                self.finding(rows, groups, samples)
            }
            Probe::Nulls { sql, .. } => self.null_findings(&doc(conn, sql)?.unwrap_or_default()),
        })
    }

    fn finding(&self, rows: i64, groups: Option<i64>, samples: Vec<String>) -> Vec<Finding> {
        match self {
            Probe::One {
                object, problem, ..
            } => vec![Finding {
                object: object.clone(),
                problem: *problem,
                rows: u64::try_from(rows).unwrap_or(0),
                groups: groups
                    .filter(|_| *problem == Problem::DuplicateKeys)
                    .and_then(|g| u64::try_from(g).ok()),
                samples,
            }],
            Probe::Nulls { .. } => Vec::new(),
        }
    }

    fn null_findings(&self, doc: &str) -> Vec<Finding> {
        let Probe::Nulls { columns, .. } = self else {
            return Vec::new();
        };
        let counts: std::collections::HashMap<String, Option<u64>> =
            serde_json::from_str(doc).unwrap_or_default();
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| Finding {
                object: c.object.clone(),
                problem: Problem::Nulls,
                rows: counts.get(&i.to_string()).copied().flatten().unwrap_or(0),
                groups: None,
                samples: Vec::new(),
            })
            .collect()
    }

    /// What the probe is about, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Probe::One { object, .. } => object.to_string(),
            Probe::Nulls { columns, .. } => columns
                .first()
                .and_then(|c| c.object.table.as_ref())
                .map(|t| format!("the NOT NULL columns of table {t}"))
                .unwrap_or_default(),
        }
    }
}

/// The queries a dialect counts offending loaded rows with: the same queries explain a
/// failed seal and make up `check`. Each returns `None` when the dialect does not count
/// that constraint (a constraint kept NOT VALID, an index whose key cannot be compared).
pub trait Preflight {
    /// Rows of `table` whose foreign key `fk` has no parent row: one row of (`rows`,
    /// `groups`, `samples`).
    fn orphan_rows(&self, table: &Table, fk: &ForeignKey) -> Option<String>;
    /// Rows of `table` that share the key of the unique constraint `unique`.
    fn duplicate_keys(&self, table: &Table, unique: &UniqueConstraint) -> Option<String>;
    /// Rows of `table` that share the key of the unique index `index`.
    fn duplicate_index_keys(&self, table: &Table, index: &Index) -> Option<String>;
    /// Rows of `table` for which `check` (whose id is `id`) is false.
    fn failing_rows(
        &self,
        table: &Table,
        check: &CheckConstraint,
        id: &ObjectId,
    ) -> Result<Option<String>>;
    /// The `key, count` pair of one NOT NULL column's NULLs (`'0', SUM(`a` IS NULL)`).
    fn null_count(&self, key: usize, column: &str) -> String;
    /// The query that returns the pairs of a table's NOT NULL columns as one JSON
    /// object text.
    fn nulls_query(&self, table: &Table, pairs: &str) -> String;
}

/// Every probe of `schema`, built with `preflight`: per table its foreign keys, unique
/// constraints, unique indexes and checks, then its NOT NULL columns.
pub fn probes(schema: &Schema, preflight: &dyn Preflight) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    let one = |object: &ObjectId, problem, sql: Option<String>| {
        sql.map(|sql| Probe::One {
            object: object.clone(),
            problem,
            sql,
        })
    };
    for table in &schema.tables {
        let ids = table_objects(table);
        for (fk, id) in table.foreign_keys.iter().zip(&ids.foreign_keys) {
            out.extend(one(
                id,
                Problem::OrphanRows,
                preflight.orphan_rows(table, fk),
            ));
        }
        for (unique, id) in table.unique_constraints.iter().zip(&ids.uniques) {
            let sql = preflight.duplicate_keys(table, unique);
            out.extend(one(id, Problem::DuplicateKeys, sql));
        }
        for (index, id) in table.indexes.iter().zip(&ids.indexes) {
            if index.unique {
                let sql = preflight.duplicate_index_keys(table, index);
                out.extend(one(id, Problem::DuplicateKeys, sql));
            }
        }
        for (check, id) in table.checks.iter().zip(&ids.checks) {
            let sql = preflight.failing_rows(table, check, id)?;
            out.extend(one(id, Problem::FailingRows, sql));
        }
        out.extend(null_probes(
            table,
            |i, c| preflight.null_count(i, c),
            |pairs| preflight.nulls_query(table, pairs),
        ));
    }
    Ok(out)
}

/// The one check runner: runs `probes` over up to `options.jobs` connections opened
/// with `connect`, each probe with `run`, reporting progress; findings in probe order.
pub fn run_probes<C: Send>(
    probes: &[Probe],
    options: &CheckOptions,
    connect: impl Fn() -> Result<C>,
    run: &(dyn Fn(&mut C, &Probe) -> Result<Vec<Finding>> + Sync),
) -> Result<Vec<Finding>> {
    let mut conns = open_connections(options.jobs, probes.len(), connect)?;
    Ok(
        run_parallel_reporting(&mut conns, probes, run, options.progress.as_ref())?
            .into_iter()
            .flatten()
            .collect(),
    )
}

/// NOT NULL columns checked per query (PostgreSQL functions take at most 100 arguments).
pub const COLUMNS_PER_QUERY: usize = 40;

/// One [`Probe::Nulls`] per chunk of `table`'s NOT NULL columns; `count` writes the
/// `key, count` pair of one column (`'0', SUM(`a` IS NULL)`), `query` the whole query
/// from those pairs.
pub fn null_probes(
    table: &Table,
    count: impl Fn(usize, &str) -> String,
    query: impl Fn(&str) -> String,
) -> Vec<Probe> {
    not_null_columns(table)
        .chunks(COLUMNS_PER_QUERY)
        .map(|chunk| {
            let pairs: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, c)| count(i, &c.name))
                .collect();
            Probe::Nulls {
                columns: chunk.to_vec(),
                sql: query(&pairs.join(", ")),
            }
        })
        .collect()
}

/// A JSON array text of samples as strings (other JSON values as their text), sorted:
/// not every server keeps the order of an aggregated array.
pub fn json_samples(text: Option<&str>) -> Vec<String> {
    let mut samples: Vec<String> = text
        .and_then(|s| serde_json::from_str::<Vec<serde_json::Value>>(s).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
        .collect();
    samples.sort();
    samples
}

/// How a check runs: over how many connections, reporting progress to whom.
#[derive(Clone)]
#[non_exhaustive]
pub struct CheckOptions {
    /// Connections the queries run on, in parallel (at least 1).
    pub jobs: usize,
    /// Called after each query with the queries done so far.
    pub progress: Option<ProgressFn>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            jobs: 4,
            progress: None,
        }
    }
}

impl std::fmt::Debug for CheckOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckOptions")
            .field("jobs", &self.jobs)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl CheckOptions {
    /// Options running the queries over `jobs` connections (at least 1).
    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Options reporting progress to `progress`.
    pub fn with_progress(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// Runs `run` on every item, in parallel, one worker per connection of `conns` (which
/// must not be empty when `items` is not); results come back in item order. The first
/// error wins.
pub fn run_parallel<C, Q, R>(
    conns: &mut [C],
    items: &[Q],
    run: &(dyn Fn(&mut C, &Q) -> Result<R> + Sync),
) -> Result<Vec<R>>
where
    C: Send,
    Q: Sync,
    R: Send,
{
    run_parallel_reporting(conns, items, run, None)
}

/// [`run_parallel`], calling `progress` after each item with the items done so far.
pub fn run_parallel_reporting<C, Q, R>(
    conns: &mut [C],
    items: &[Q],
    run: &(dyn Fn(&mut C, &Q) -> Result<R> + Sync),
    progress: Option<&ProgressFn>,
) -> Result<Vec<R>>
where
    C: Send,
    Q: Sync,
    R: Send,
{
    let started = std::time::Instant::now();
    let finished = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        let handles: Vec<_> = conns
            .iter_mut()
            .map(|conn| {
                let (next, results, finished) = (&next, &results, &finished);
                scope.spawn(move || -> Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return Ok(());
                        };
                        let result = run(conn, item)?;
                        results.lock().expect("no worker panics holding the lock")[i] =
                            Some(result);
                        let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                        if let Some(progress) = progress {
                            progress(&Progress::new(done, items.len(), started.elapsed()));
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("worker panicked"))
    })?;
    results
        .into_inner()
        .expect("workers are done")
        .into_iter()
        .map(|r| Ok(r.expect("a worker ran every item: `conns` is not empty")))
        .collect()
}

/// Opens the connections for [`run_parallel`]: `jobs` of them, but no more than there
/// are `items`, and at least one.
pub fn open_connections<C>(
    jobs: usize,
    items: usize,
    connect: impl Fn() -> Result<C>,
) -> Result<Vec<C>> {
    (0..jobs.min(items).max(1)).map(|_| connect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::QualifiedName;

    #[test]
    fn a_finding_reads_as_one_line() {
        let t = QualifiedName::bare("child");
        let finding = Finding {
            object: ObjectId::owned(ObjectKind::ForeignKey, &t, "fk".into(), 0),
            problem: Problem::OrphanRows,
            rows: 3,
            groups: None,
            samples: vec!["(\"p\")=(7)".into()],
        };
        assert_eq!(
            finding.to_string(),
            "foreign key \"fk\" on table \"child\": 3 orphan rows (e.g. (\"p\")=(7))"
        );
        let dup = Finding {
            object: ObjectId::owned(ObjectKind::Unique, &t, "u".into(), 0),
            problem: Problem::DuplicateKeys,
            rows: 4,
            groups: Some(2),
            samples: vec![],
        };
        assert_eq!(
            dup.to_string(),
            "unique constraint \"u\" on table \"child\": 4 rows with a duplicated key in 2 keys"
        );
    }

    #[test]
    fn work_is_spread_and_results_keep_their_order() {
        let items: Vec<u32> = (0..50).collect();
        let mut conns = vec![Vec::<u32>::new(); 3];
        let run = |seen: &mut Vec<u32>, i: &u32| {
            seen.push(*i);
            Ok(i * 2)
        };
        let out = run_parallel(&mut conns, &items, &run).unwrap();
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(conns.iter().map(Vec::len).sum::<usize>(), 50);
        let failing = |_: &mut Vec<u32>, i: &u32| {
            if *i == 7 {
                Err(crate::Error::UnknownDialect("x".into()))
            } else {
                Ok(*i)
            }
        };
        assert!(run_parallel(&mut conns, &items, &failing).is_err());
        let opened = open_connections(8, 2, || Ok(())).unwrap();
        assert_eq!(opened.len(), 2);
        assert_eq!(open_connections(8, 0, || Ok(())).unwrap().len(), 1);
    }
}
