//! `pre` and `base` too large for one transaction, or asked to run over several
//! connections: applied in groups, each group in one transaction.
//!
//! One transaction takes a lock on every table it creates (and on its sequences, its
//! TOAST table and its primary key's index) until it ends, and the server's lock table
//! holds `max_locks_per_transaction` × (`max_connections` + `max_prepared_transactions`)
//! of them: 6,400 on default settings, which a base of 2,000 tables exceeds
//! (`out of shared memory`). So a phase of more than [`GROUP`] objects, or one applied
//! with `-j` above 1, runs in groups of at most [`GROUP`] objects (all the statements
//! of one object stay in one group), each group all or nothing, over up to `-j`
//! connections with the core's scheduler: groups of tables that do not depend on each
//! other run side by side.
//!
//! A clone into an empty database applies its seal the same way
//! ([`schema_replicator_core::ApplyOptions::no_rows`]): its tables hold no rows, so
//! nothing the seal adds can be violated, and a group of statements per transaction
//! does without the seal's journal row and transaction per statement.
//!
//! No journal is kept: the catalog is the journal. Each group commits as a whole, so
//! after a failure or a kill the target holds whole groups, and the convergent apply of
//! a re-run skips every object they created and applies the rest.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::result::Error as DieselError;
use diesel::{PgConnection, QueryResult};
use schema_replicator_core::journaled::{
    self, Batch, Entry, Executed, Failure, JournaledApply, Wording,
};
use schema_replicator_core::schedule::Outcome;
use schema_replicator_core::{
    ApplyOptions, ApplyReport, DbUrl, Error, ObjectId, QualifiedName, Result, Statement,
};

use crate::apply::message;

/// The most objects one group creates: with the locks each table takes (about five),
/// a group stays far below the lock table of a default server even when `-j` groups
/// run at once.
pub(crate) const GROUP: usize = 64;

/// Whether `statements` (of `pre` and `base`) are applied in groups rather than in one
/// transaction: when they create more than [`GROUP`] objects, or `jobs` is above 1.
pub(crate) fn grouped<'a>(
    statements: impl IntoIterator<Item = &'a Statement>,
    jobs: usize,
) -> bool {
    if jobs > 1 {
        return true;
    }
    let objects: BTreeSet<&ObjectId> = statements.into_iter().flat_map(|s| &s.objects).collect();
    objects.len() > GROUP
}

/// Applies `statements` but those `options.present` lists in groups of at most
/// [`GROUP`] objects, each in one transaction, over up to `options.jobs` connections.
pub(crate) fn apply(
    url: &DbUrl,
    statements: &[Statement],
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let pending = statements
        .iter()
        .enumerate()
        .filter(|(i, _)| !options.present.contains(i))
        .map(|(_, s)| s);
    let (groups, members) = groups(pending);
    let present = options.present.len();
    let options = options.clone().with_present(BTreeSet::new());
    let mut report = journaled::run(&Groups { url, members }, &groups, &options)?;
    // Counted in statements, as the caller gave them, not in groups.
    report.statements = statements.len() - present;
    report.present = present;
    report.transactional = false;
    Ok(report)
}

/// `statements` in groups: consecutive statements, every statement of one object in
/// the group of its first, at most [`GROUP`] objects a group. A group creates the
/// union of its statements' objects, locks the union of their tables and requires
/// what they require outside the group.
/// Also returns each group's statements, by the group's first object.
fn groups<'a>(
    statements: impl IntoIterator<Item = &'a Statement>,
) -> (Vec<Statement>, Members<'a>) {
    let mut groups: Vec<Vec<&Statement>> = Vec::new();
    let mut group_of: HashMap<&ObjectId, usize> = HashMap::new();
    let mut objects_in_last = 0;
    for statement in statements {
        // A statement about an object already grouped joins that group (they stay in
        // order: statements are appended).
        if let Some(&g) = statement.objects.iter().find_map(|o| group_of.get(o)) {
            groups[g].push(statement);
            for o in &statement.objects {
                group_of.entry(o).or_insert(g);
            }
            continue;
        }
        if groups.is_empty() || objects_in_last + statement.objects.len() > GROUP {
            groups.push(Vec::new());
            objects_in_last = 0;
        }
        let g = groups.len() - 1;
        groups[g].push(statement);
        objects_in_last += statement.objects.len();
        for o in &statement.objects {
            group_of.insert(o, g);
        }
    }
    let mut by_first: Members = HashMap::new();
    let groups = groups
        .into_iter()
        .map(|members| {
            // Sets, not list scans: a statement may require every object before it
            // (the first owner statement of a seal), tens of thousands at scale.
            let mut seen: std::collections::HashSet<&ObjectId> = Default::default();
            let mut objects: Vec<ObjectId> = Vec::new();
            for o in members.iter().flat_map(|s| &s.objects) {
                if seen.insert(o) {
                    objects.push(o.clone());
                }
            }
            let mut requires: Vec<ObjectId> = Vec::new();
            for r in members.iter().flat_map(|s| &s.requires) {
                if seen.insert(r) {
                    requires.push(r.clone());
                }
            }
            // One lock per table, the strongest any member takes.
            let locks = schema_replicator_core::schedule::strongest(
                members
                    .iter()
                    .flat_map(|s| schema_replicator_core::schedule::locks(s))
                    .collect(),
            );
            // The group's text names it (for the batch's digest and traces); what runs is
            // its members' SQL, joined when the group runs ([`Groups::execute`]), not
            // copied here.
            let digest =
                schema_replicator_core::journal::sql_digest(members.iter().map(|m| m.sql.as_str()));
            let sql = format!("-- {} statements, digest {digest:016x}", members.len());
            let mut group = Statement::new(members[0].phase, objects, sql);
            group.requires = requires;
            group.locks = locks
                .into_iter()
                .map(|(table, mode)| schema_replicator_core::TableLock { table, mode })
                .collect();
            if let Some(first) = group.objects.first() {
                by_first.insert(first.clone(), members);
            }
            group
        })
        .collect();
    (groups, by_first)
}

/// Each group's statements, by the group's first object (borrowed: a phase of tens of
/// thousands of statements is not copied again).
type Members<'a> = HashMap<ObjectId, Vec<&'a Statement>>;

/// The groups' steps for the core's driver, on the target `url`: no journal.
struct Groups<'a> {
    url: &'a DbUrl,
    /// Each group's statements, by the group's first object.
    members: Members<'a>,
}

impl JournaledApply for Groups<'_> {
    type Conn = PgConnection;
    type Error = DieselError;

    const WORDING: Wording = Wording {
        journal: "",
        container: "",
        run: "apply",
        why_kept: " (each group commits on its own)",
        unit: "group",
    };

    fn target(&self) -> String {
        self.url.to_string()
    }

    fn message(&self, error: &DieselError) -> String {
        message(self.url, error)
    }

    fn connect(&self) -> Result<PgConnection> {
        crate::seal::session(self.url)
    }

    fn exclude_others(&self, conns: &mut [PgConnection], batch: &Batch, _: bool) -> Result<()> {
        crate::seal::lock(conns, self.url, batch.digest as i64)
    }

    fn create_journal(&self, _: &mut PgConnection) -> QueryResult<()> {
        Ok(())
    }

    fn journaled(&self, _: &mut PgConnection, _: &Batch) -> QueryResult<Vec<Entry>> {
        Ok(Vec::new())
    }

    fn record(
        &self,
        _: &mut PgConnection,
        _: &Batch,
        _: usize,
        _: &Statement,
        _: Option<&str>,
    ) -> QueryResult<()> {
        Ok(())
    }

    fn forget_batch(&self, _: &mut PgConnection, _: &Batch) -> QueryResult<()> {
        Ok(())
    }

    fn drop_journal_if_empty(&self, _: &mut PgConnection) -> QueryResult<()> {
        Ok(())
    }

    fn journals_atomically(&self) -> bool {
        // Each group commits whole: nothing is ever applied and not known.
        true
    }

    fn set_lock_timeout(&self, conn: &mut PgConnection, timeout: Duration) -> QueryResult<()> {
        crate::seal::set_lock_timeout(conn, timeout)
    }

    fn lock_holder(
        &self,
        conn: &mut PgConnection,
        statement: &Statement,
        error: &DieselError,
        _waited: Duration,
    ) -> Option<String> {
        crate::seal::is_lock_timeout(error).then(|| crate::seal::lock_holders(conn, statement))
    }

    fn table_sizes(&self, _: &mut PgConnection) -> QueryResult<HashMap<QualifiedName, u64>> {
        // The tables are being created: all empty.
        Ok(HashMap::new())
    }

    /// Runs the group in one transaction.
    fn execute(
        &self,
        conn: &mut PgConnection,
        _: &Batch,
        _: usize,
        statement: &Statement,
    ) -> std::result::Result<Executed, Failure<DieselError>> {
        let Some(members) = statement.objects.first().and_then(|o| self.members.get(o)) else {
            let unknown = format!("no statements known for the group `{}`", statement.sql);
            return Err(Failure::Refused(DieselError::QueryBuilderError(
                unknown.into(),
            )));
        };
        let mut sql = String::from("BEGIN;\n");
        for member in members {
            sql.push_str(&member.sql);
            sql.push_str(";\n");
        }
        sql.push_str("COMMIT");
        let Err(e) = conn.batch_execute(&sql) else {
            return Ok(Executed::Recorded(Outcome::Applied));
        };
        let _ = conn.batch_execute("ROLLBACK");
        Err(Failure::Refused(e))
    }

    /// Names the statement of the group that failed: the group runs again, one
    /// statement at a time, in a transaction rolled back at the first failure.
    fn explain(&self, conn: &mut PgConnection, group: &Statement, reason: String) -> Error {
        let first = group.objects.first();
        let failed = first.and_then(|o| self.members.get(o)).and_then(|members| {
            conn.batch_execute("BEGIN").ok()?;
            let found = members
                .iter()
                .find_map(|m| conn.batch_execute(&m.sql).err().map(|e| (m, e)));
            let _ = conn.batch_execute("ROLLBACK");
            found
        });
        match failed {
            Some((member, e)) => Error::Apply {
                object: member.describe(),
                reason: format!(
                    "{} in statement `{}`",
                    message(self.url, &e),
                    member.excerpt()
                ),
                outcome: String::new(),
            },
            None => Error::Apply {
                object: group.describe(),
                reason,
                outcome: String::new(),
            },
        }
    }
}
