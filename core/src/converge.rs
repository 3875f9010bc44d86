//! Convergent apply: what of a phase a target already holds.
//!
//! Before a phase is applied, the target is reflected once (set-based, like any
//! reflection) and each object the phase creates is looked up in it by its identity:
//! [`State::Missing`] objects are created, [`State::Present`] ones (same definition as
//! the source's) are skipped, and [`State::Different`] ones refuse the whole phase
//! before anything runs, one line per object saying what differs. A statement runs when
//! the objects it creates are missing ([`pending`]); a phase whose statements are all
//! present has nothing to do.
//!
//! Objects are compared as the phase creates them: a table in `base` by its columns,
//! defaults, identity, primary key (unless deferred), options and comment, not by the
//! constraints and indexes the seal adds later, nor by its counter's value; a sequence
//! in `pre` without its value and owner, which `base` and the seal set. The comparison
//! is [`crate::diff()`]'s, so `diff` and a convergent apply agree on what "equal" means.
//!
//! Counters are data, not schema: their syncs (`setval`, `AUTO_INCREMENT`,
//! `sqlite_sequence`) run whenever any other statement of their phase runs, and when the
//! phase has nothing else; a seal whose every constraint, index, view and trigger exists
//! is complete (its counters were synced in the same run) and is skipped whole.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::diff::{diff, Difference};
use crate::ir::{Identity, QualifiedName, Schema, Table};
use crate::object::{ObjectId, ObjectKind, Phase};
use crate::plan::{table_objects, Plan};
use crate::statement::Statement;

/// Where one object of a phase stands in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// The target does not hold it.
    Missing,
    /// The target holds it with the source's definition.
    Present,
    /// The target holds a constraint of that name NOT VALID (PostgreSQL): it exists, its
    /// validation has not run.
    NotValidated,
    /// The target holds an object of that identity with another definition.
    Different {
        /// What differs, each `object: what, source's vs target's`.
        differences: Vec<String>,
    },
}

/// One object of a phase and its state in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectState {
    /// The object, as the plan names it.
    pub object: ObjectId,
    /// Where it stands.
    #[serde(flatten)]
    pub state: State,
}

/// What a target holds of one phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseStatus {
    /// The phase.
    pub phase: Phase,
    /// Objects of the phase the target holds as the source defines them.
    pub present: usize,
    /// Objects of the phase the target lacks (a constraint left NOT VALID counts here
    /// until it is validated).
    pub missing: usize,
    /// Objects of the phase the target holds with another definition.
    pub different: usize,
    /// Every object of the phase but counters, in plan order.
    pub objects: Vec<ObjectState>,
}

impl PhaseStatus {
    /// Whether the target holds every object of the phase as the source defines it.
    pub fn complete(&self) -> bool {
        self.missing == 0 && self.different == 0
    }

    /// One line per object whose definition differs: `index "ix" on table "t": ...`.
    pub fn differences(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter_map(|o| match &o.state {
                State::Different { differences } => Some(format!(
                    "{}: {} (source vs target)",
                    o.object,
                    differences.join("; ")
                )),
                _ => None,
            })
            .collect()
    }

    /// The state of `object`, if the phase has it (counters have none).
    pub fn state_of(&self, object: &ObjectId) -> Option<&State> {
        self.objects
            .iter()
            .find(|o| &o.object == object)
            .map(|o| &o.state)
    }
}

/// Where every object of `phase` of `source` (as `plan` orders them) stands in `target`
/// (`None`: the target holds nothing, so every object is missing).
pub fn phase_status(
    source: &Schema,
    plan: &Plan,
    target: Option<&Schema>,
    phase: Phase,
) -> PhaseStatus {
    let targets = target.map(|t| Lookup::new(t, plan));
    let mut status = PhaseStatus {
        phase,
        present: 0,
        missing: 0,
        different: 0,
        objects: Vec::new(),
    };
    for step in plan.phase(phase) {
        if step.object.kind == ObjectKind::Counter {
            continue;
        }
        let state = match &targets {
            None => State::Missing,
            Some(lookup) => lookup.state(source, &step.object),
        };
        match state {
            State::Present => status.present += 1,
            State::Missing | State::NotValidated => status.missing += 1,
            State::Different { .. } => status.different += 1,
        }
        status.objects.push(ObjectState {
            object: step.object.clone(),
            state,
        });
    }
    status
}

/// Which of `statements` (one phase, rendered from the plan `status` was made with)
/// still have to run: those that create a missing object, or validate one left NOT
/// VALID, and the counter syncs when anything else runs or when the phase has nothing
/// else. Fails with one line per conflict when a statement creates both objects the
/// target holds and objects it lacks, which neither running nor skipping it can fix.
pub fn pending(statements: &[Statement], status: &PhaseStatus) -> Result<Vec<bool>, Vec<String>> {
    let states: HashMap<&ObjectId, &State> = status
        .objects
        .iter()
        .map(|o| (&o.object, &o.state))
        .collect();
    let mut run = vec![false; statements.len()];
    let mut counters = Vec::new();
    let mut conflicts = Vec::new();
    let mut others = 0;
    for (i, statement) in statements.iter().enumerate() {
        let objects: Vec<&ObjectId> = statement
            .objects
            .iter()
            .filter(|o| o.kind != ObjectKind::Counter)
            .collect();
        if objects.is_empty() && !statement.objects.is_empty() {
            counters.push(i);
            continue;
        }
        others += 1;
        let needed: Vec<bool> = objects
            .iter()
            .map(|o| match states.get(o) {
                Some(State::Present) => false,
                Some(State::NotValidated) => statement.validation,
                // Missing, or not an object of the plan (plain SQL): it runs.
                _ => true,
            })
            .collect();
        run[i] = needed.is_empty() || needed.iter().any(|n| *n);
        if run[i] && needed.iter().any(|n| !n) {
            let held: Vec<String> = objects
                .iter()
                .zip(&needed)
                .filter(|(_, n)| !**n)
                .map(|(o, _)| o.to_string())
                .collect();
            let lacking: Vec<String> = objects
                .iter()
                .zip(&needed)
                .filter(|(_, n)| **n)
                .map(|(o, _)| o.to_string())
                .collect();
            conflicts.push(format!(
                "{}: the target holds {} but not {}, which the same statement creates",
                objects[0],
                held.join(", "),
                lacking.join(", ")
            ));
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let sync = others == 0 || run.iter().any(|r| *r);
    for i in counters {
        run[i] = sync;
    }
    Ok(run)
}

/// The target's objects by identity.
struct Lookup<'a> {
    target: &'a Schema,
    tables: HashMap<&'a QualifiedName, &'a Table>,
    /// Tables whose primary key the plan defers to the seal.
    deferred: HashSet<QualifiedName>,
}

impl<'a> Lookup<'a> {
    fn new(target: &'a Schema, plan: &Plan) -> Self {
        Lookup {
            target,
            tables: target.tables.iter().map(|t| (&t.name, t)).collect(),
            deferred: plan
                .phase(Phase::Seal)
                .filter(|s| s.object.kind == ObjectKind::PrimaryKey)
                .filter_map(|s| s.object.table.clone())
                .collect(),
        }
    }

    fn state(&self, source: &Schema, object: &ObjectId) -> State {
        let target = self.target;
        let name = object.qualified_name();
        match object.kind {
            ObjectKind::Namespace => self.listed(source, |s| {
                s.namespaces
                    .iter()
                    .find(|n| n.name == object.name)
                    .map(|n| {
                        let mut s = Schema::new(&source.dialect);
                        s.namespaces.push(n.clone());
                        s
                    })
            }),
            ObjectKind::Extension => self.listed(source, |s| {
                s.extensions
                    .iter()
                    .find(|e| e.name == object.name)
                    .map(|e| {
                        let mut s = Schema::new(&source.dialect);
                        s.extensions.push(e.clone());
                        s
                    })
            }),
            ObjectKind::Type => self.listed(source, |s| {
                s.types.iter().find(|t| t.name == name).map(|t| {
                    let mut s = Schema::new(&source.dialect);
                    s.types.push(t.clone());
                    s
                })
            }),
            ObjectKind::Sequence => self.listed(source, |s| {
                s.sequences.iter().find(|q| q.name == name).map(|q| {
                    let mut q = q.clone();
                    // Its value is the seal's (a counter), its owner base's.
                    q.last_value = None;
                    q.owned_by = None;
                    let mut s = Schema::new(&source.dialect);
                    s.sequences.push(q);
                    s
                })
            }),
            ObjectKind::Routine => self.listed(source, |s| {
                s.routines
                    .iter()
                    .find(|r| r.name == name && Some(&r.arguments) == object.arguments.as_ref())
                    .map(|r| {
                        let mut s = Schema::new(&source.dialect);
                        s.routines.push(r.clone());
                        s
                    })
            }),
            ObjectKind::View => self.listed(source, |s| {
                s.views.iter().find(|v| v.name == name).map(|v| {
                    let mut s = Schema::new(&source.dialect);
                    s.views.push(v.clone());
                    s
                })
            }),
            ObjectKind::Trigger => {
                let Some(ours) = object.in_list(&source.triggers) else {
                    return State::Missing;
                };
                let theirs = target
                    .triggers
                    .iter()
                    .find(|t| t.name == ours.name && t.table == ours.table);
                match theirs {
                    None => State::Missing,
                    Some(theirs) => {
                        let one = |t: &crate::ir::Trigger| {
                            let mut s = Schema::new(&source.dialect);
                            s.triggers.push(t.clone());
                            s
                        };
                        compared(&one(ours), &one(theirs))
                    }
                }
            }
            ObjectKind::Table => {
                let Some(name) = object.table.clone() else {
                    return State::Missing;
                };
                let (Some(ours), Some(theirs)) = (
                    source.tables.iter().find(|t| t.name == name),
                    self.tables.get(&name),
                ) else {
                    return State::Missing;
                };
                // The primary key is base's unless the plan defers it to the seal.
                let keep_key = !self.deferred.contains(&name);
                let mut theirs = base_shape(theirs, keep_key);
                // MySQL creates an AUTO_INCREMENT column that is not its key's first
                // column plain in base, and the seal makes it count once its key
                // exists: either state is base's.
                for column in &mut theirs.tables[0].columns {
                    let source = ours.column(&column.name).and_then(|c| c.identity.as_ref());
                    if column.identity.is_none()
                        && matches!(source, Some(Identity::AutoIncrement { .. }))
                    {
                        column.identity = Some(Identity::AutoIncrement { last_value: None });
                    }
                }
                compared(&base_shape(ours, keep_key), &theirs)
            }
            ObjectKind::PrimaryKey
            | ObjectKind::Unique
            | ObjectKind::Check
            | ObjectKind::Exclusion
            | ObjectKind::ForeignKey
            | ObjectKind::Index => self.owned(source, object),
            ObjectKind::Counter | ObjectKind::Statement | ObjectKind::Column => State::Missing,
        }
    }

    /// The state of a free-standing object: `one` projects a schema to a schema holding
    /// only that object (`None` when it lacks it).
    fn listed(&self, source: &Schema, one: impl Fn(&Schema) -> Option<Schema>) -> State {
        match (one(source), one(self.target)) {
            (Some(ours), Some(theirs)) => compared(&ours, &theirs),
            _ => State::Missing,
        }
    }

    /// The state of a constraint or index of a table.
    fn owned(&self, source: &Schema, object: &ObjectId) -> State {
        let Some(table_name) = &object.table else {
            return State::Missing;
        };
        let (Some(ours), Some(theirs)) = (
            source.tables.iter().find(|t| &t.name == table_name),
            self.tables.get(table_name),
        ) else {
            return State::Missing;
        };
        let Some(mine) = only(ours, object) else {
            return State::Missing;
        };
        // The target's object of the same identity: same name, or for an unnamed
        // constraint the same definition.
        let candidates = table_objects(theirs);
        let ids: &[ObjectId] = match object.kind {
            ObjectKind::PrimaryKey => candidates.primary_key.as_slice(),
            ObjectKind::Unique => &candidates.uniques,
            ObjectKind::Check => &candidates.checks,
            ObjectKind::Exclusion => &candidates.exclusions,
            ObjectKind::ForeignKey => &candidates.foreign_keys,
            _ => &candidates.indexes,
        };
        let mut matching = ids.iter().filter_map(|id| only(theirs, id));
        let found = if object.unnamed {
            matching.find(|t| diff_of(&mine, t).is_empty())
        } else {
            ids.iter()
                .find(|id| !id.unnamed && id.name == object.name)
                .and_then(|id| only(theirs, id))
        };
        match found {
            None => State::Missing,
            Some(found) if not_validated(&mine, &found) => State::NotValidated,
            Some(found) => compared(&mine, &found),
        }
    }
}

/// The table as `base` creates it: columns (counters without their values), the primary
/// key when `keep_key`, options and comment, in a schema of its own.
fn base_shape(table: &Table, keep_key: bool) -> Schema {
    let mut shape = Table::new(table.name.clone());
    shape.columns = table.columns.clone();
    for column in &mut shape.columns {
        match &mut column.identity {
            Some(Identity::Generated { sequence, .. }) => sequence.last_value = None,
            Some(Identity::AutoIncrement { last_value }) => *last_value = None,
            None => {}
        }
    }
    if keep_key {
        shape.primary_key = table.primary_key.clone();
    }
    shape.options = table.options.clone();
    shape.comment = table.comment.clone();
    let mut schema = Schema::new("");
    schema.tables.push(shape);
    schema
}

/// `table` reduced to the one constraint or index `object` names (by its ordinal).
fn only(table: &Table, object: &ObjectId) -> Option<Schema> {
    let mut shape = Table::new(table.name.clone());
    match object.kind {
        ObjectKind::PrimaryKey => shape.primary_key = Some(table.primary_key.clone()?),
        ObjectKind::Unique => shape
            .unique_constraints
            .push(object.in_list(&table.unique_constraints)?.clone()),
        ObjectKind::Check => shape.checks.push(object.in_list(&table.checks)?.clone()),
        ObjectKind::Exclusion => shape
            .exclusions
            .push(object.in_list(&table.exclusions)?.clone()),
        ObjectKind::ForeignKey => shape
            .foreign_keys
            .push(object.in_list(&table.foreign_keys)?.clone()),
        ObjectKind::Index => shape.indexes.push(object.in_list(&table.indexes)?.clone()),
        _ => return None,
    }
    let mut schema = Schema::new("");
    schema.tables.push(shape);
    Some(schema)
}

/// Whether `theirs` is `ours` left NOT VALID: the same definition with `NOT VALID`.
fn not_validated(ours: &Schema, theirs: &Schema) -> bool {
    let definition = |s: &Schema| {
        let t = &s.tables[0];
        t.foreign_keys
            .first()
            .and_then(|f| f.definition.clone())
            .or_else(|| t.checks.first().and_then(|c| c.definition.clone()))
    };
    match (definition(ours), definition(theirs)) {
        (
            Some(crate::ir::Expr::Raw { sql: mine, .. }),
            Some(crate::ir::Expr::Raw { sql: found, .. }),
        ) => found.strip_suffix(" NOT VALID") == Some(mine.as_str()),
        _ => false,
    }
}

fn diff_of(ours: &Schema, theirs: &Schema) -> Vec<Difference> {
    diff(ours, theirs)
}

/// Present when the two one-object schemas do not differ, else what differs.
fn compared(ours: &Schema, theirs: &Schema) -> State {
    let differences = diff_of(ours, theirs);
    if differences.is_empty() {
        State::Present
    } else {
        State::Different {
            // The object itself is named by the caller; a column is named here.
            differences: differences
                .iter()
                .map(|d| {
                    let detail = match d.detail.as_str() {
                        "only in A" => "only in the source".to_owned(),
                        "only in B" => "only in the target".to_owned(),
                        other => other.to_owned(),
                    };
                    match d.object.starts_with("column ") {
                        true => format!("{}: {detail}", d.object),
                        false => detail,
                    }
                })
                .collect(),
        }
    }
}
