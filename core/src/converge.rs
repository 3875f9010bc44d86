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

use crate::diff::diff;
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
    let targets = target.map(|t| Lookup::new(source, t, plan));
    let mut status = PhaseStatus {
        phase,
        present: 0,
        missing: 0,
        different: 0,
        objects: Vec::new(),
    };
    for step in plan.phase(phase) {
        if step.object.kind.is_data() {
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
            .filter(|o| !o.kind.is_data())
            .collect();
        if objects.is_empty() && !statement.objects.is_empty() {
            counters.push(i);
            continue;
        }
        // An owner or privileges may well be the target's already (the applying
        // role's own): they do not tell whether the seal has run.
        if objects.iter().any(|o| !o.kind.names_its_object()) {
            others += 1;
        }
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

/// The source's tables and the target's objects by identity, so that each lookup is
/// constant time whatever the size of the schemas.
struct Lookup<'a> {
    sources: HashMap<&'a QualifiedName, &'a Table>,
    tables: HashMap<&'a QualifiedName, &'a Table>,
    namespaces: HashMap<&'a str, &'a crate::ir::Namespace>,
    extensions: HashMap<&'a str, &'a crate::ir::Extension>,
    types: HashMap<&'a QualifiedName, &'a crate::ir::UserType>,
    sequences: HashMap<&'a QualifiedName, &'a crate::ir::Sequence>,
    routines: HashMap<(&'a QualifiedName, &'a str), &'a crate::ir::Routine>,
    views: HashMap<&'a QualifiedName, &'a crate::ir::View>,
    triggers: HashMap<(&'a QualifiedName, &'a QualifiedName), &'a crate::ir::Trigger>,
    events: HashMap<&'a QualifiedName, &'a crate::ir::Event>,
    virtual_tables: HashMap<&'a QualifiedName, &'a crate::ir::VirtualTable>,
    grants: HashMap<(&'a str, &'a crate::ir::GrantTarget), &'a crate::ir::Grant>,
    definitions: HashMap<DefinitionKey<'a>, &'a crate::ir::Definition>,
    /// Tables whose primary key the plan defers to the seal.
    deferred: HashSet<QualifiedName>,
}

impl<'a> Lookup<'a> {
    fn new(source: &'a Schema, target: &'a Schema, plan: &Plan) -> Self {
        Lookup {
            sources: source.tables.iter().map(|t| (&t.name, t)).collect(),
            tables: target.tables.iter().map(|t| (&t.name, t)).collect(),
            namespaces: target
                .namespaces
                .iter()
                .map(|n| (n.name.as_str(), n))
                .collect(),
            extensions: target
                .extensions
                .iter()
                .map(|e| (e.name.as_str(), e))
                .collect(),
            types: target.types.iter().map(|t| (&t.name, t)).collect(),
            sequences: target.sequences.iter().map(|q| (&q.name, q)).collect(),
            routines: target
                .routines
                .iter()
                .map(|r| ((&r.name, r.arguments.as_str()), r))
                .collect(),
            views: target.views.iter().map(|v| (&v.name, v)).collect(),
            triggers: target
                .triggers
                .iter()
                .map(|t| ((&t.table, &t.name), t))
                .collect(),
            events: target.events.iter().map(|e| (&e.name, e)).collect(),
            virtual_tables: target.virtual_tables.iter().map(|v| (&v.name, v)).collect(),
            grants: target
                .grants
                .iter()
                .map(|g| ((g.grantee.as_str(), &g.on), g))
                .collect(),
            definitions: target
                .definitions
                .iter()
                .map(|d| (definition_key(d), d))
                .collect(),
            deferred: plan
                .phase(Phase::Seal)
                .filter(|s| s.object.kind == ObjectKind::PrimaryKey)
                .filter_map(|s| s.object.table.clone())
                .collect(),
        }
    }

    fn state(&self, source: &Schema, object: &ObjectId) -> State {
        match object.kind {
            ObjectKind::Namespace => listed(
                object.find_in(&source.namespaces),
                self.namespaces.get(object.name.as_str()).copied(),
                |s, n| s.namespaces.push(n),
            ),
            ObjectKind::Extension => listed(
                object.find_in(&source.extensions),
                self.extensions.get(object.name.as_str()).copied(),
                |s, e| s.extensions.push(e),
            ),
            ObjectKind::Type => {
                let ours = object.find_in(&source.types);
                let theirs = ours.and_then(|t| self.types.get(&t.name).copied());
                listed(ours, theirs, |s, t| s.types.push(t))
            }
            ObjectKind::Sequence => {
                let ours = object.find_in(&source.sequences);
                let theirs = ours.and_then(|q| self.sequences.get(&q.name).copied());
                listed(ours, theirs, |s, mut q| {
                    // Its value is the seal's (a counter), its owner base's.
                    q.last_value = None;
                    q.owned_by = None;
                    s.sequences.push(q)
                })
            }
            ObjectKind::Routine => {
                let ours = object.find_in(&source.routines);
                let theirs =
                    ours.and_then(|r| self.routines.get(&(&r.name, r.arguments.as_str())).copied());
                let theirs = as_defined(ours, theirs, |r| &mut r.definer);
                listed(ours, theirs.as_ref(), |s, r| s.routines.push(r))
            }
            ObjectKind::View => {
                let ours = object.find_in(&source.views);
                let theirs = ours.and_then(|v| self.views.get(&v.name).copied());
                let theirs = as_defined(ours, theirs, |v| &mut v.definer);
                listed(ours, theirs.as_ref(), |s, v| s.views.push(v))
            }
            ObjectKind::Trigger => {
                let ours = object.find_in(&source.triggers);
                let theirs = ours.and_then(|t| self.triggers.get(&(&t.table, &t.name)).copied());
                let theirs = as_defined(ours, theirs, |t| &mut t.definer);
                listed(ours, theirs.as_ref(), |s, t| s.triggers.push(t))
            }
            ObjectKind::Grant => {
                let ours = object.in_list(&source.grants);
                let theirs =
                    ours.and_then(|g| self.grants.get(&(g.grantee.as_str(), &g.on)).copied());
                listed(ours, theirs, |s, g| s.grants.push(g))
            }
            ObjectKind::VirtualTable => {
                let ours = object.find_in(&source.virtual_tables);
                let theirs = ours.and_then(|v| self.virtual_tables.get(&v.name).copied());
                listed(ours, theirs, |s, v| s.virtual_tables.push(v))
            }
            ObjectKind::IndexSettings => {
                let settings = |table: &Table| -> Vec<crate::ir::Alteration> {
                    table
                        .alterations
                        .iter()
                        .filter(|a| a.index.as_deref() == Some(object.name.as_str()))
                        .cloned()
                        .collect()
                };
                let Some(name) = &object.table else {
                    return State::Missing;
                };
                match (self.sources.get(name), self.tables.get(name)) {
                    (Some(ours), Some(theirs)) if settings(ours) == settings(theirs) => {
                        State::Present
                    }
                    _ => State::Missing,
                }
            }
            // Objects kept as their statement. A setting of another object (an owner,
            // privileges) the target holds otherwise is set again: its statements
            // converge whatever the target had (an object the applying role created is
            // its own until the seal hands it over).
            kind if kind.is_definition() => {
                let ours = object.find_in(&source.definitions);
                let theirs = ours.and_then(|d| self.definitions.get(&definition_key(d)).copied());
                match listed(ours, theirs, |s, d| s.definitions.push(d)) {
                    State::Different { .. } if kind.names_its_object() => State::Missing,
                    state => state,
                }
            }
            ObjectKind::Event => {
                let ours = object.find_in(&source.events);
                let theirs = ours.and_then(|e| self.events.get(&e.name).copied());
                let theirs = as_defined(ours, theirs, |e| &mut e.definer);
                listed(ours, theirs.as_ref(), |s, e| s.events.push(e))
            }
            ObjectKind::Table => {
                let Some(name) = &object.table else {
                    return State::Missing;
                };
                let (Some(ours), Some(theirs)) = (self.sources.get(name), self.tables.get(name))
                else {
                    return State::Missing;
                };
                // The primary key is base's unless the plan defers it to the seal.
                let keep_key = !self.deferred.contains(name);
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
            | ObjectKind::Index => self.owned(object),
            ObjectKind::Counter
            | ObjectKind::Rebuild
            | ObjectKind::Statement
            | ObjectKind::Column => State::Missing,
            // Every other kind is a definition (matched above).
            _ => State::Missing,
        }
    }

    /// The state of a constraint or index of a table.
    fn owned(&self, object: &ObjectId) -> State {
        let Some(table_name) = &object.table else {
            return State::Missing;
        };
        let (Some(ours), Some(theirs)) =
            (self.sources.get(table_name), self.tables.get(table_name))
        else {
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
        let found = if object.unnamed {
            ids.iter()
                .filter_map(|id| only(theirs, id))
                .find(|t| diff(&mine, t).is_empty())
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

/// The state of a free-standing object: `ours` (the source's) against `theirs` (the
/// target's of the same identity), each put alone in a schema by `put`.
/// The target's object as the source's asks for it: an object the source renders without
/// a definer (`--skip-definer`) is defined by whoever applies it, so the target's definer
/// is not compared.
fn as_defined<T: Clone>(
    ours: Option<&T>,
    theirs: Option<&T>,
    definer: impl Fn(&mut T) -> &mut Option<String>,
) -> Option<T> {
    let mut theirs = theirs?.clone();
    if let Some(mut ours) = ours.cloned() {
        if definer(&mut ours).is_none() {
            *definer(&mut theirs) = None;
        }
    }
    Some(theirs)
}

/// A definition's identity: kind, table and name (a rule's name is its table's own).
type DefinitionKey<'a> = (ObjectKind, Option<&'a QualifiedName>, &'a QualifiedName);

fn definition_key(definition: &crate::ir::Definition) -> DefinitionKey<'_> {
    (definition.kind, definition.table.as_ref(), &definition.name)
}

fn listed<T: Clone>(ours: Option<&T>, theirs: Option<&T>, put: impl Fn(&mut Schema, T)) -> State {
    let (Some(ours), Some(theirs)) = (ours, theirs) else {
        return State::Missing;
    };
    let one = |item: &T| {
        let mut schema = Schema::new("");
        put(&mut schema, item.clone());
        schema
    };
    compared(&one(ours), &one(theirs))
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
    // The settings base makes with the table; those that need an index come with it.
    shape.alterations = table
        .alterations
        .iter()
        .filter(|a| a.index.is_none())
        .cloned()
        .collect();
    shape.tablespaces = table
        .tablespaces
        .iter()
        .filter(|p| p.index.is_none())
        .cloned()
        .collect();
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

/// Present when the two one-object schemas do not differ, else what differs.
fn compared(ours: &Schema, theirs: &Schema) -> State {
    let differences = diff(ours, theirs);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::Capabilities;
    use crate::ir::{CheckConstraint, Column, Expr, Index, IndexKey, IndexTarget, View};
    use crate::plan::{plan, Policy};
    use crate::types::DataType;

    fn index(name: &str, column: &str) -> Index {
        Index {
            partition_indexes: Default::default(),
            name: name.into(),
            unique: false,
            keys: vec![IndexKey {
                target: IndexTarget::Column(column.into()),
                collation: None,
                order: None,
            }],
            predicate: None,
            definition: None,
            comment: None,
        }
    }

    /// A table `t` (a, b) with an index on a and an unnamed check, and a view over it.
    fn source() -> Schema {
        let mut schema = Schema::new("sqlite");
        let mut t = Table::new(QualifiedName::bare("t"));
        for c in ["a", "b"] {
            t.columns
                .push(Column::new(c, DataType::from_raw("INTEGER")));
        }
        t.indexes.push(index("t_a", "a"));
        t.checks.push(CheckConstraint {
            name: None,
            column: None,
            expr: Expr::raw("sqlite", "a > 0"),
            definition: None,
            comment: None,
        });
        schema.tables.push(t);
        schema.views.push(View::new(
            QualifiedName::bare("v"),
            Expr::raw("sqlite", "SELECT a FROM t"),
        ));
        schema
    }

    fn planned(schema: &Schema) -> Plan {
        plan(
            schema,
            &Capabilities::new(true, false, false),
            &Policy::default(),
        )
    }

    fn states(status: &PhaseStatus) -> Vec<(String, State)> {
        status
            .objects
            .iter()
            .map(|o| (o.object.to_string(), o.state.clone()))
            .collect()
    }

    #[test]
    fn a_target_that_holds_everything_has_every_object_present() {
        let source = source();
        let plan = planned(&source);
        for phase in Phase::ALL {
            let status = phase_status(&source, &plan, Some(&source), phase);
            assert!(status.complete(), "{phase}: {status:?}");
            assert_eq!(status.present, status.objects.len());
        }
        let seal = phase_status(&source, &plan, Some(&source), Phase::Seal);
        assert_eq!(seal.present, 3, "check, index, view");
    }

    #[test]
    fn an_empty_target_lacks_everything_and_a_table_is_compared_as_base_creates_it() {
        let source = source();
        let plan = planned(&source);
        let seal = phase_status(&source, &plan, None, Phase::Seal);
        assert_eq!((seal.present, seal.missing), (0, 3));
        // After base: the table without its check and index is base's table.
        let mut bare = source.clone();
        bare.tables[0].indexes.clear();
        bare.tables[0].checks.clear();
        bare.views.clear();
        let base = phase_status(&source, &plan, Some(&bare), Phase::Base);
        assert!(base.complete(), "{base:?}");
        let seal = phase_status(&source, &plan, Some(&bare), Phase::Seal);
        assert_eq!((seal.present, seal.missing, seal.different), (0, 3, 0));
    }

    #[test]
    fn objects_with_another_definition_are_different_with_what_differs() {
        let source = source();
        let plan = planned(&source);
        let mut other = source.clone();
        other.tables[0].indexes[0] = index("t_a", "b");
        other.tables[0].columns[1].data_type = DataType::from_raw("TEXT");
        other.views[0].query = Expr::raw("sqlite", "SELECT b FROM t");
        let base = phase_status(&source, &plan, Some(&other), Phase::Base);
        assert_eq!(
            base.differences(),
            vec![
                "table \"t\": column \"b\" of table \"t\": type INTEGER vs TEXT (source vs target)"
            ]
        );
        let seal = phase_status(&source, &plan, Some(&other), Phase::Seal);
        assert_eq!(seal.different, 2, "{:?}", states(&seal));
        let lines = seal.differences();
        assert!(
            lines[0].starts_with("index \"t_a\" on table \"t\": definition {")
                && lines[0].ends_with("} (source vs target)"),
            "{lines:?}"
        );
        assert!(lines[1].starts_with("view \"v\": query "), "{lines:?}");
    }

    #[test]
    fn an_unnamed_constraint_is_found_by_its_definition() {
        let source = source();
        let plan = planned(&source);
        let mut other = source.clone();
        other.tables[0].checks[0].expr = Expr::raw("sqlite", "a > 1");
        let seal = phase_status(&source, &plan, Some(&other), Phase::Seal);
        let check = seal
            .objects
            .iter()
            .find(|o| o.object.kind == ObjectKind::Check)
            .unwrap();
        assert_eq!(
            check.state,
            State::Missing,
            "another check is another object"
        );
    }

    #[test]
    fn a_constraint_left_not_valid_is_not_validated() {
        let mut source = Schema::new("postgres");
        let mut t = Table::new(QualifiedName::bare("t").in_schema("public"));
        t.columns
            .push(Column::new("a", DataType::from_raw("integer")));
        t.checks.push(CheckConstraint {
            name: Some("t_a".into()),
            column: None,
            expr: Expr::raw("postgres", "a > 0"),
            definition: Some(Expr::raw("postgres", "CHECK ((a > 0))")),
            comment: None,
        });
        source.tables.push(t);
        let plan = planned(&source);
        let mut target = source.clone();
        target.tables[0].checks[0].definition =
            Some(Expr::raw("postgres", "CHECK ((a > 0)) NOT VALID"));
        let seal = phase_status(&source, &plan, Some(&target), Phase::Seal);
        assert_eq!(seal.objects[0].state, State::NotValidated);
        assert_eq!((seal.present, seal.missing), (0, 1));
        // Only its validation runs.
        let id = seal.objects[0].object.clone();
        let add = Statement::new(Some(Phase::Seal), vec![id.clone()], "ADD NOT VALID");
        let mut validate = Statement::new(Some(Phase::Seal), vec![id], "VALIDATE");
        validate.validation = true;
        assert_eq!(pending(&[add, validate], &seal), Ok(vec![false, true]));
    }

    #[test]
    fn counter_syncs_run_with_the_rest_of_their_phase_or_alone() {
        let source = source();
        let plan = planned(&source);
        let t = QualifiedName::bare("t");
        let counter = Statement::new(
            Some(Phase::Seal),
            vec![ObjectId::owned(ObjectKind::Counter, &t, "a".into(), 0)],
            "SYNC",
        );
        let index = |status: &PhaseStatus| {
            let id = status
                .objects
                .iter()
                .find(|o| o.object.kind == ObjectKind::Index)
                .unwrap()
                .object
                .clone();
            Statement::new(Some(Phase::Seal), vec![id], "CREATE INDEX")
        };
        let complete = phase_status(&source, &plan, Some(&source), Phase::Seal);
        let statements = [index(&complete), counter.clone()];
        assert_eq!(pending(&statements, &complete), Ok(vec![false, false]));
        let empty = phase_status(&source, &plan, None, Phase::Seal);
        assert_eq!(pending(&statements, &empty), Ok(vec![true, true]));
        // A phase of counter syncs alone always runs them.
        assert_eq!(pending(&[counter], &complete), Ok(vec![true]));
    }

    #[test]
    fn a_statement_the_target_holds_only_part_of_is_a_conflict() {
        let source = source();
        let plan = planned(&source);
        let mut other = source.clone();
        other.tables[0].indexes.clear();
        let status = phase_status(&source, &plan, Some(&other), Phase::Seal);
        let ids: Vec<ObjectId> = status
            .objects
            .iter()
            .filter(|o| o.object.table.is_some())
            .map(|o| o.object.clone())
            .collect();
        let both = Statement::new(Some(Phase::Seal), ids, "REBUILD");
        assert_eq!(
            pending(&[both], &status),
            Err(vec![
                "check constraint CHECK (a > 0) on table \"t\": the target holds check \
                 constraint CHECK (a > 0) on table \"t\" but not index \"t_a\" on table \
                 \"t\", which the same statement creates"
                    .to_owned()
            ])
        );
    }
}
