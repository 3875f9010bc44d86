//! The phase planner: a pure function from a [`Schema`] and a [`Policy`] to an ordered
//! [`Plan`] of steps, each tagged with its [`Phase`], the object it creates and the
//! objects it depends on.

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use crate::capabilities::Capabilities;
use crate::ir::{quoted, Expr, QualifiedName, Schema, Table};
use crate::object::{ObjectId, ObjectKind, Phase};
use crate::statement::Statement;

/// One step of a plan.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Its phase.
    pub phase: Phase,
    /// The object it creates.
    pub object: ObjectId,
    /// Objects that must exist first.
    pub depends_on: Vec<ObjectId>,
}

/// An ordered plan of every object of a schema.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// What the plan could not honour of the policy.
    pub warnings: Vec<String>,
    /// Each table's keys, checks, indexes and foreign keys are in `base`, created with
    /// the table ([`Policy::complete_tables`] on a dialect that can).
    #[serde(default)]
    pub complete_tables: bool,
}

impl Plan {
    /// Steps of one phase, in order.
    pub fn phase(&self, phase: Phase) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(move |s| s.phase == phase)
    }

    /// The phase in which an object is created.
    pub fn phase_of(&self, object: &ObjectId) -> Option<Phase> {
        self.steps
            .iter()
            .find(|s| &s.object == object)
            .map(|s| s.phase)
    }
}

/// Choices a user makes about the split between phases and about the copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Create primary keys in `seal` rather than `base`, where the dialect allows it.
    pub defer_primary_keys: bool,
    /// Leave definers out (MySQL `DEFINER`): the user that applies the copy defines its
    /// views, triggers, routines and events. Each object that runs with its definer's
    /// rights is listed as a warning.
    pub skip_definer: bool,
    /// Create events `DISABLE`, so that a copy (a staging database) does not run the
    /// source's scheduled jobs.
    pub disable_events: bool,
    /// Leave grants out (`pg_dump -x`, `--no-privileges`): the copy's objects get no
    /// privileges of the source's grantees, and nothing is said of privileges this
    /// dialect does not replicate.
    pub no_privileges: bool,
    /// Leave owners out (`pg_dump -O`): the applying role owns everything, and nothing
    /// is said of the source's owners.
    pub no_owner: bool,
    /// Leave comments out (`pg_dump --no-comments`).
    pub no_comments: bool,
    /// Say nothing of tablespaces (`pg_dump --no-tablespaces`): the copy's objects are
    /// in the target's default tablespace.
    pub no_tablespaces: bool,
    /// Say nothing of publications (`pg_dump --no-publications`).
    pub no_publications: bool,
    /// Say nothing of security labels (`pg_dump --no-security-labels`).
    pub no_security_labels: bool,
    /// Say nothing of subscriptions (`pg_dump --no-subscriptions`).
    pub no_subscriptions: bool,
    /// Create each table complete in `base`, its keys, checks, indexes and foreign keys
    /// inside its `CREATE TABLE`, where the dialect can
    /// ([`Capabilities::complete_tables`]; elsewhere the phases keep their shape): for a
    /// copy that loads no rows, which then needs none of the seal's table rebuilds.
    /// [`crate::clone_extracted`] sets it for an empty target. `seal` keeps counters,
    /// views, triggers and the rest.
    pub complete_tables: bool,
}

impl Policy {
    /// The same policy with `defer_primary_keys` set as given.
    pub fn with_defer_primary_keys(mut self, defer: bool) -> Self {
        self.defer_primary_keys = defer;
        self
    }

    /// The same policy with `skip_definer` set as given.
    pub fn with_skip_definer(mut self, skip: bool) -> Self {
        self.skip_definer = skip;
        self
    }

    /// The same policy with `no_privileges` set as given.
    pub fn with_no_privileges(mut self, skip: bool) -> Self {
        self.no_privileges = skip;
        self
    }

    /// The same policy with `no_owner` set as given.
    pub fn with_no_owner(mut self, skip: bool) -> Self {
        self.no_owner = skip;
        self
    }

    /// The same policy with `no_comments` set as given.
    pub fn with_no_comments(mut self, skip: bool) -> Self {
        self.no_comments = skip;
        self
    }

    /// The same policy with `no_tablespaces` set as given.
    pub fn with_no_tablespaces(mut self, skip: bool) -> Self {
        self.no_tablespaces = skip;
        self
    }

    /// The same policy with `no_publications` set as given.
    pub fn with_no_publications(mut self, skip: bool) -> Self {
        self.no_publications = skip;
        self
    }

    /// The same policy with `no_subscriptions` set as given.
    pub fn with_no_subscriptions(mut self, skip: bool) -> Self {
        self.no_subscriptions = skip;
        self
    }

    /// The same policy with `no_security_labels` set as given.
    pub fn with_no_security_labels(mut self, skip: bool) -> Self {
        self.no_security_labels = skip;
        self
    }

    /// The same policy with `complete_tables` set as given.
    pub fn with_complete_tables(mut self, complete: bool) -> Self {
        self.complete_tables = complete;
        self
    }

    /// The same policy with `disable_events` set as given.
    pub fn with_disable_events(mut self, disable: bool) -> Self {
        self.disable_events = disable;
        self
    }
}

/// Short text for an expression in object labels.
fn expr_label(expr: &Expr) -> String {
    let text = match expr {
        Expr::Raw { sql, .. } => sql.clone(),
        Expr::Literal { value } => format!("{value:?}"),
    };
    crate::statement::shorten(&text, 40)
}

fn columns_label(columns: &[String]) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    format!("({})", quoted.join(", "))
}

/// The ids of every constraint, index and counter of a table, in canonical order.
/// Renderers and the planner share it, so both name objects the same way.
pub fn table_objects(table: &Table) -> TableObjects {
    let t = &table.name;
    let primary_key = table.primary_key.as_ref().map(|pk| match &pk.name {
        Some(name) => ObjectId::owned(ObjectKind::PrimaryKey, t, name.clone(), 0),
        None => ObjectId::described(ObjectKind::PrimaryKey, t, columns_label(&pk.columns), 0),
    });
    let uniques = table
        .unique_constraints
        .iter()
        .enumerate()
        .map(|(i, u)| match &u.name {
            Some(name) => ObjectId::owned(ObjectKind::Unique, t, name.clone(), i),
            None => ObjectId::described(ObjectKind::Unique, t, columns_label(&u.columns), i),
        })
        .collect();
    let checks = table
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| match &c.name {
            Some(name) => ObjectId::owned(ObjectKind::Check, t, name.clone(), i),
            None => {
                let label = format!("CHECK ({})", expr_label(&c.expr));
                ObjectId::described(ObjectKind::Check, t, label, i)
            }
        })
        .collect();
    let foreign_keys = table
        .foreign_keys
        .iter()
        .enumerate()
        .map(|(i, fk)| match &fk.name {
            Some(name) => ObjectId::owned(ObjectKind::ForeignKey, t, name.clone(), i),
            None => {
                let mut label =
                    format!("{} -> {}", columns_label(&fk.columns), fk.referenced_table);
                if !fk.referenced_columns.is_empty() {
                    label.push_str(&columns_label(&fk.referenced_columns));
                }
                ObjectId::described(ObjectKind::ForeignKey, t, label, i)
            }
        })
        .collect();
    let exclusions = table
        .exclusions
        .iter()
        .enumerate()
        .map(|(i, x)| ObjectId::owned(ObjectKind::Exclusion, t, x.name.clone(), i))
        .collect();
    let indexes = table
        .indexes
        .iter()
        .enumerate()
        .map(|(i, ix)| ObjectId::owned(ObjectKind::Index, t, ix.name.clone(), i))
        .collect();
    let counters = table
        .columns
        .iter()
        .filter(|c| c.identity.is_some())
        .enumerate()
        .map(|(i, c)| ObjectId::owned(ObjectKind::Counter, t, c.name.clone(), i))
        .collect();
    TableObjects {
        table: ObjectId::table(t),
        primary_key,
        uniques,
        checks,
        exclusions,
        foreign_keys,
        indexes,
        counters,
    }
}

/// The plan's object ids, handed out shared rather than built again. An id a renderer
/// builds with [`table_objects`] equals the plan's own, but each new one is an allocation
/// of its own where the plan's is a pointer to share: at 5,000 tables, 11 MiB of copies
/// in a MySQL seal.
pub struct PlanIds<'a>(std::collections::HashSet<&'a ObjectId>);

impl<'a> PlanIds<'a> {
    /// The ids of `plan`'s steps.
    pub fn new(plan: &'a Plan) -> Self {
        PlanIds(plan.steps.iter().map(|s| &s.object).collect())
    }

    /// The plan's own handle of `id` when the plan has a step for it, else `id`.
    pub fn share(&self, id: ObjectId) -> ObjectId {
        self.0.get(&id).map_or(id, |&shared| shared.clone())
    }

    /// [`table_objects`] of `table`, each id shared with the plan where it has one.
    pub fn table_objects(&self, table: &Table) -> TableObjects {
        let ids = table_objects(table);
        let all = |ids: Vec<ObjectId>| ids.into_iter().map(|id| self.share(id)).collect();
        TableObjects {
            table: self.share(ids.table),
            primary_key: ids.primary_key.map(|id| self.share(id)),
            uniques: all(ids.uniques),
            checks: all(ids.checks),
            exclusions: all(ids.exclusions),
            foreign_keys: all(ids.foreign_keys),
            indexes: all(ids.indexes),
            counters: all(ids.counters),
        }
    }
}

/// Object ids of one table, parallel to the table's own lists.
#[derive(Debug, Clone)]
pub struct TableObjects {
    /// The table.
    pub table: ObjectId,
    /// Its primary key.
    pub primary_key: Option<ObjectId>,
    /// One per [`Table::unique_constraints`] entry.
    pub uniques: Vec<ObjectId>,
    /// One per [`Table::checks`] entry.
    pub checks: Vec<ObjectId>,
    /// One per [`Table::exclusions`] entry.
    pub exclusions: Vec<ObjectId>,
    /// One per [`Table::foreign_keys`] entry.
    pub foreign_keys: Vec<ObjectId>,
    /// One per [`Table::indexes`] entry.
    pub indexes: Vec<ObjectId>,
    /// One per auto-increment or identity column.
    pub counters: Vec<ObjectId>,
}

/// Plans every object of `schema` into phases.
///
/// Invariants (property-tested): every object appears exactly once; `base` holds no
/// foreign key, unique or check constraint, index, view or trigger; no step depends on
/// an object created in a later phase or later in the same phase.
pub fn plan(schema: &Schema, caps: &Capabilities, policy: &Policy) -> Plan {
    // Not with routines that need the tables: a check or an index may call them.
    let complete = policy.complete_tables
        && caps.complete_tables
        && !schema.routines.iter().any(|r| r.after_tables);
    let mut plan = Plan {
        complete_tables: complete,
        ..Plan::default()
    };
    // A complete table holds its primary key.
    let defer_pk = policy.defer_primary_keys && caps.deferred_primary_key && !complete;
    // Where a table's keys, checks, indexes and foreign keys are created: with the table
    // when it is created complete (needing nothing but it: the dialect creates a foreign
    // key before the table it references), else in the seal.
    let constraints = if complete { Phase::Base } else { Phase::Seal };
    if policy.defer_primary_keys && !caps.deferred_primary_key {
        plan.warnings.push(format!(
            "defer_primary_keys ignored: {} cannot add a primary key to an existing table, \
             so primary keys stay in base",
            schema.dialect
        ));
    }
    let objects: Vec<TableObjects> = schema.tables.iter().map(table_objects).collect();
    let position: std::collections::HashMap<&QualifiedName, usize> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.name, i))
        .collect();
    let mut push = |phase: Phase, object: &ObjectId, depends_on: Vec<ObjectId>| {
        plan.steps.push(Step {
            phase,
            object: object.clone(),
            depends_on,
        });
    };

    // Phases are barriers: whatever a phase holds exists before the next phase starts,
    // so steps name only the dependencies inside their own phase, and lists stay small.
    // Inside `pre`, namespaces and extensions come first; types, sequences and routines
    // keep their schema order (each after the one before it).
    let mut foundation: Vec<ObjectId> = Vec::new();
    for (i, namespace) in schema.namespaces.iter().enumerate() {
        let name = QualifiedName::bare(&namespace.name);
        let id = ObjectId::listed(ObjectKind::Namespace, &name, i);
        push(Phase::Pre, &id, Vec::new());
        foundation.push(id);
    }
    for (i, extension) in schema.extensions.iter().enumerate() {
        let name = QualifiedName::bare(&extension.name);
        let id = ObjectId::listed(ObjectKind::Extension, &name, i);
        push(Phase::Pre, &id, foundation.clone());
        foundation.push(id);
    }
    let mut previous: Option<ObjectId> = None;
    let mut chained =
        |phase: Phase, id: ObjectId, push: &mut dyn FnMut(Phase, &ObjectId, Vec<ObjectId>)| {
            let mut deps = foundation.clone();
            deps.extend(previous.take());
            push(phase, &id, deps);
            previous = Some(id);
        };
    // Types, sequences and routines in one dependency order across kinds (a domain
    // whose check calls a function comes after that function, a function whose
    // signature uses the domain after the domain); otherwise in the schema's order:
    // types, then sequences, then routines.
    let sequence_ids: Vec<ObjectId> = schema
        .sequences
        .iter()
        .enumerate()
        .map(|(i, s)| ObjectId::listed(ObjectKind::Sequence, &s.name, i))
        .collect();
    let routine_id =
        |(i, r): (usize, &crate::ir::Routine)| ObjectId::routine(&r.name, &r.arguments, i);
    let routines = || schema.routines.iter().enumerate();
    let no_requirements: &[crate::ir::ObjectRef] = &[];
    let mut early: Vec<(ObjectId, &[crate::ir::ObjectRef])> = Vec::new();
    for (i, ty) in schema.types.iter().enumerate() {
        let id = ObjectId::listed(ObjectKind::Type, &ty.name, i);
        early.push((id, &ty.requires));
    }
    early.extend(sequence_ids.iter().map(|id| (id.clone(), no_requirements)));
    for routine in routines().filter(|(_, r)| !r.after_tables) {
        early.push((routine_id(routine), &routine.1.requires));
    }
    let definitions = || schema.definitions.iter().enumerate();
    for (i, definition) in definitions().filter(|(_, d)| d.phase == Phase::Pre) {
        early.push((ObjectId::definition(definition, i), &definition.requires));
    }
    let by_ref: HashMap<crate::ir::ObjectRef, usize> = early
        .iter()
        .enumerate()
        .map(|(n, (id, _))| {
            let reference = crate::ir::ObjectRef {
                kind: id.kind,
                name: id.qualified_name(),
                arguments: id.arguments.clone(),
            };
            (reference, n)
        })
        .collect();
    let order: Vec<usize> = (0..early.len()).collect();
    let sorted = crate::order::dependency_order(&order, |&n| {
        early[n]
            .1
            .iter()
            .filter_map(|r| by_ref.get(r).copied())
            .collect()
    });
    for n in sorted {
        chained(Phase::Pre, early[n].0.clone(), &mut push);
    }
    // Complete tables need nothing but themselves, so each table's constraints and
    // indexes follow it: SQLite reads `sqlite_schema` whole for every object it
    // creates, and an index created while it holds fewer tables' rows costs less (a
    // clone of 5,000 tables' 15,000 objects: 12.6 s with every table first, 10.3 s so).
    // Not when columns are converted in the seal: every constraint waits for them.
    let interleaved = complete
        && !definitions()
            .any(|(_, d)| d.phase == Phase::Seal && d.kind == ObjectKind::ColumnConversion);
    for (table, ids) in schema.tables.iter().zip(&objects) {
        let mut deps = Vec::new();
        for option in &table.options {
            let parents = match option {
                crate::ir::TableOption::PartitionOf { parent, .. } => std::slice::from_ref(parent),
                crate::ir::TableOption::Inherits(parents) => parents.as_slice(),
                _ => &[],
            };
            deps.extend(parents.iter().map(ObjectId::table));
        }
        push(Phase::Base, &ids.table, deps);
        if interleaved {
            let own = || vec![ids.table.clone()];
            for id in ids.uniques.iter().chain(&ids.checks).chain(&ids.exclusions) {
                push(Phase::Base, id, own());
            }
            for id in ids.indexes.iter().chain(&ids.foreign_keys) {
                push(Phase::Base, id, own());
            }
        }
    }
    let virtual_ids: Vec<ObjectId> = schema
        .virtual_tables
        .iter()
        .enumerate()
        .map(|(i, v)| ObjectId::listed(ObjectKind::VirtualTable, &v.name, i))
        .collect();
    for id in &virtual_ids {
        push(Phase::Base, id, Vec::new());
    }
    for (i, definition) in definitions().filter(|(_, d)| d.phase == Phase::Base) {
        let on = definition.table.as_ref().and_then(|t| position.get(t));
        let deps = on.map(|&t| objects[t].table.clone()).into_iter().collect();
        push(Phase::Base, &ObjectId::definition(definition, i), deps);
    }
    // Routines that need the tables (a table's row type in the signature, a SQL-standard
    // body reading a table) open the seal, each after the one before it (they are in
    // dependency order): checks, exclusions and indexes may call them.
    let mut late_routine: Option<ObjectId> = None;
    for routine in routines().filter(|(_, r)| r.after_tables) {
        let id = routine_id(routine);
        push(Phase::Seal, &id, late_routine.take().into_iter().collect());
        late_routine = Some(id);
    }
    // Columns the seal converts to their final type (a type map's cast) come next,
    // each after the one before it: every key, check, index and foreign key waits for
    // them, so none is built on a column's loading type.
    for (i, definition) in definitions()
        .filter(|(_, d)| d.phase == Phase::Seal && d.kind == ObjectKind::ColumnConversion)
    {
        let id = ObjectId::definition(definition, i);
        let mut deps: Vec<ObjectId> = late_routine.take().into_iter().collect();
        if let Some(&t) = definition.table.as_ref().and_then(|t| position.get(t)) {
            deps.push(objects[t].table.clone());
        }
        push(Phase::Seal, &id, deps);
        late_routine = Some(id);
    }
    let on_table = |table: &ObjectId| {
        let mut deps = vec![table.clone()];
        deps.extend(late_routine.clone());
        deps
    };
    // Keys first: foreign keys depend on the referenced table's keys.
    for ids in objects.iter().filter(|_| !interleaved) {
        if let (true, Some(pk)) = (defer_pk, &ids.primary_key) {
            push(Phase::Seal, pk, on_table(&ids.table));
        }
        for unique in &ids.uniques {
            push(constraints, unique, on_table(&ids.table));
        }
    }
    for ids in objects.iter().filter(|_| !interleaved) {
        for check in &ids.checks {
            push(constraints, check, on_table(&ids.table));
        }
        for exclusion in &ids.exclusions {
            push(constraints, exclusion, on_table(&ids.table));
        }
        for index in &ids.indexes {
            push(constraints, index, on_table(&ids.table));
        }
    }
    for (table, ids) in schema.tables.iter().zip(&objects).filter(|_| !interleaved) {
        for (fk, id) in table.foreign_keys.iter().zip(&ids.foreign_keys) {
            let mut deps = on_table(&ids.table);
            if complete {
                push(constraints, id, deps);
                continue;
            }
            if let Some((parent, parent_ids)) = position
                .get(&fk.referenced_table)
                .map(|&i| (&schema.tables[i], &objects[i]))
            {
                if parent.name != table.name {
                    deps.push(parent_ids.table.clone());
                }
                deps.extend(referenced_key(
                    parent,
                    parent_ids,
                    &fk.referenced_columns,
                    defer_pk,
                ));
            }
            push(Phase::Seal, id, deps);
        }
    }
    // The settings of a primary key built in base that need its index (`CLUSTER ON`,
    // `REPLICA IDENTITY USING INDEX`), once the table is loaded, as pg_dump's
    // post-data has them.
    if !defer_pk {
        for (table, ids) in schema.tables.iter().zip(&objects) {
            let Some(key) = table.primary_key.as_ref().and_then(|pk| pk.name.as_ref()) else {
                continue;
            };
            if table
                .alterations
                .iter()
                .any(|a| a.index.as_ref() == Some(key))
            {
                let id = ObjectId::owned(ObjectKind::IndexSettings, &table.name, key.clone(), 0);
                push(Phase::Seal, &id, vec![ids.table.clone()]);
            }
        }
    }
    for ids in &objects {
        for counter in &ids.counters {
            push(Phase::Seal, counter, vec![ids.table.clone()]);
        }
    }
    for (i, (sequence, id)) in schema.sequences.iter().zip(&sequence_ids).enumerate() {
        let mut deps = vec![id.clone()];
        if let Some(owner) = &sequence.owned_by {
            deps.extend(
                position
                    .get(&owner.table)
                    .map(|&i| objects[i].table.clone()),
            );
        }
        let counter = ObjectId::listed(ObjectKind::Counter, &sequence.name, i);
        push(Phase::Seal, &counter, deps);
    }
    for (i, (virtual_table, id)) in schema.virtual_tables.iter().zip(&virtual_ids).enumerate() {
        if virtual_table.rebuild {
            let rebuild = ObjectId::listed(ObjectKind::Rebuild, &virtual_table.name, i);
            push(Phase::Seal, &rebuild, vec![id.clone()]);
        }
    }
    // Views, each after the one before it (views are in dependency order; the tables
    // exist since base), after the routines that need the tables.
    let mut last: Option<ObjectId> = late_routine.clone();
    let mut views: std::collections::HashMap<&QualifiedName, ObjectId> = Default::default();
    for (i, view) in schema.views.iter().enumerate() {
        let id = ObjectId::listed(ObjectKind::View, &view.name, i);
        push(Phase::Seal, &id, last.take().into_iter().collect());
        last = Some(id.clone());
        views.insert(&view.name, id);
    }
    // Triggers of one table each after the one before it: where several fire on the
    // same event, the server fires them in the order they were created (MySQL), which
    // is the source's firing order.
    let mut previous_on: std::collections::HashMap<&QualifiedName, ObjectId> = Default::default();
    for (i, trigger) in schema.triggers.iter().enumerate() {
        let id = ObjectId::listed(ObjectKind::Trigger, &trigger.name, i);
        let on = position
            .get(&trigger.table)
            .map(|&i| objects[i].table.clone())
            .or_else(|| views.get(&trigger.table).cloned());
        let before = previous_on.insert(&trigger.table, id.clone());
        push(Phase::Seal, &id, on.into_iter().chain(before).collect());
    }
    // Rules, policies, row-level security, extended statistics and publications after
    // the views (a rule may be on a view, a policy may read one), each after the one
    // before it.
    let seal_definitions = || {
        definitions().filter(|(_, d)| {
            d.phase == Phase::Seal
                && !LAST.contains(&d.kind)
                && d.kind != ObjectKind::ColumnConversion
        })
    };
    for (i, definition) in seal_definitions() {
        let id = ObjectId::definition(definition, i);
        let mut deps: Vec<ObjectId> = last.take().into_iter().collect();
        if let Some(&t) = definition.table.as_ref().and_then(|t| position.get(t)) {
            deps.push(objects[t].table.clone());
        }
        push(Phase::Seal, &id, deps);
        last = Some(id);
    }
    // Grants after the objects they are on: every routine, table and view exists by now.
    for (i, grant) in schema.grants.iter().enumerate() {
        push(
            Phase::Seal,
            &ObjectId::grant(grant, i),
            last.clone().into_iter().collect(),
        );
    }
    // The `LAST` kinds after everything else of the seal (the first waits for all of
    // it, each of the others for the one before): the role that loads the data created
    // the tables and keeps every right on them until the load is over and the seal is
    // done.
    let mut previous_access: Option<ObjectId> = None;
    for kind in LAST {
        for (i, definition) in definitions().filter(|(_, d)| d.kind == kind) {
            let id = ObjectId::definition(definition, i);
            let deps = match previous_access.take() {
                Some(before) => vec![before],
                None => plan.phase(Phase::Seal).map(|s| s.object.clone()).collect(),
            };
            plan.steps.push(Step {
                phase: Phase::Seal,
                object: id.clone(),
                depends_on: deps,
            });
            previous_access = Some(id);
        }
    }
    // Events last, after everything their bodies may use, so that none can fire before
    // the schema is whole.
    let sealed: Vec<ObjectId> = plan.phase(Phase::Seal).map(|s| s.object.clone()).collect();
    for (i, event) in schema.events.iter().enumerate() {
        plan.steps.push(Step {
            phase: Phase::Seal,
            object: ObjectId::listed(ObjectKind::Event, &event.name, i),
            depends_on: sealed.clone(),
        });
    }
    plan
}

/// The kinds of definitions the seal creates after everything else, in this order: the
/// names of partitions' keys (once every key exists), owners, privileges, default
/// privileges, subscriptions (not connected), and event triggers after all of them, so
/// that none fires on the seal's own statements.
const LAST: [ObjectKind; 6] = [
    ObjectKind::PartitionKeyNames,
    ObjectKind::Owner,
    ObjectKind::Privileges,
    ObjectKind::DefaultPrivileges,
    ObjectKind::Subscription,
    ObjectKind::EventTrigger,
];

/// The seal-phase key (deferred primary key or unique constraint) a foreign key relies on.
fn referenced_key(
    parent: &Table,
    ids: &TableObjects,
    referenced: &[String],
    defer_pk: bool,
) -> Option<ObjectId> {
    let pk_matches = parent
        .primary_key
        .as_ref()
        .is_some_and(|pk| referenced.is_empty() || same_set(&pk.columns, referenced));
    if pk_matches {
        return if defer_pk {
            ids.primary_key.clone()
        } else {
            None
        };
    }
    if let Some(i) = parent
        .unique_constraints
        .iter()
        .position(|u| same_set(&u.columns, referenced))
    {
        return Some(ids.uniques[i].clone());
    }
    // A unique index (not a constraint) can back a foreign key too (PostgreSQL).
    parent
        .indexes
        .iter()
        .position(|ix| {
            let columns: Option<Vec<String>> = ix
                .keys
                .iter()
                .map(|k| match &k.target {
                    crate::ir::IndexTarget::Column(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            ix.unique && ix.predicate.is_none() && columns.is_some_and(|c| same_set(&c, referenced))
        })
        .map(|i| ids.indexes[i].clone())
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Adds to each statement's [`Statement::requires`] (which the dialect may have
/// started) the plan's dependencies of its objects, except those the plan creates in
/// another phase: phases run one after the other, so within a phase only its own
/// objects can be waited for (an index's table is made by `base`). At scale this keeps
/// a copy of most objects' table off every statement of the seal.
pub fn attach_requirements(plan: &Plan, statements: &mut [Statement]) {
    let steps: HashMap<&ObjectId, &Step> = plan.steps.iter().map(|s| (&s.object, s)).collect();
    let elsewhere = |statement: &Statement, dep: &ObjectId| {
        statement
            .phase
            .zip(steps.get(dep))
            .is_some_and(|(own, step)| own != step.phase)
    };
    for statement in statements.iter_mut() {
        let mut requires: Vec<ObjectId> = std::mem::take(&mut statement.requires);
        // Sets, not list scans: one step may need every object of the seal (the first
        // owner statement waits for all of it), tens of thousands at scale.
        let mut seen: std::collections::HashSet<&ObjectId> = statement.objects.iter().collect();
        let given: Vec<ObjectId> = requires.clone();
        seen.extend(&given);
        for object in &statement.objects {
            for dep in steps.get(object).into_iter().flat_map(|s| &s.depends_on) {
                if !elsewhere(statement, dep) && seen.insert(dep) {
                    requires.push(dep.clone());
                }
            }
        }
        statement.requires = requires;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{
        CheckConstraint, Column, Deferrable, ForeignKey, Identity, Index, IndexKey, IndexTarget,
        MatchType, PrimaryKey, ReferentialAction, Trigger, UniqueConstraint, View,
    };
    use crate::types::DataType;
    use proptest::prelude::*;

    fn column(name: &str) -> Column {
        Column::new(name, DataType::from_raw("INTEGER"))
    }

    /// Tables with keys, checks, indexes, counters and foreign keys to any table
    /// (cycles and self-references included), plus views and triggers.
    fn schema_strategy() -> impl Strategy<Value = Schema> {
        proptest::collection::vec(
            (
                any::<bool>(),
                any::<bool>(),
                0usize..3,
                0usize..3,
                proptest::collection::vec((0usize..6, any::<bool>()), 0..3),
                any::<bool>(),
            ),
            1..6,
        )
        .prop_map(|tables| {
            let n = tables.len();
            let mut schema = Schema::new("test");
            for (i, (pk, unique, checks, indexes, fks, counter)) in tables.iter().enumerate() {
                let mut id = column("id");
                if *counter {
                    id.identity = Some(Identity::AutoIncrement {
                        last_value: Some(7),
                    });
                }
                schema.tables.push(Table {
                    alterations: Default::default(),
                    tablespaces: Default::default(),
                    exclusions: Vec::new(),
                    name: QualifiedName::bare(format!("t{i}")),
                    columns: vec![id, column("k")],
                    primary_key: pk.then(|| PrimaryKey {
                        index: None,
                        definition: None,
                        comment: None,
                        name: None,
                        columns: vec!["id".into()],
                    }),
                    unique_constraints: if *unique {
                        vec![UniqueConstraint {
                            index: None,
                            definition: None,
                            comment: None,
                            name: None,
                            columns: vec!["k".into()],
                        }]
                    } else {
                        vec![]
                    },
                    checks: (0..*checks)
                        .map(|c| CheckConstraint {
                            column: None,
                            definition: None,
                            comment: None,
                            name: Some(format!("c{c}")),
                            expr: Expr::raw("test", "k > 0"),
                        })
                        .collect(),
                    foreign_keys: fks
                        .iter()
                        .map(|(target, to_unique)| ForeignKey {
                            definition: None,
                            comment: None,
                            name: None,
                            columns: vec!["k".into()],
                            referenced_table: QualifiedName::bare(format!("t{}", target % n)),
                            referenced_columns: vec![if *to_unique { "k" } else { "id" }.into()],
                            on_delete: ReferentialAction::NoAction,
                            on_update: ReferentialAction::NoAction,
                            match_type: MatchType::Simple,
                            deferrable: Deferrable::NotDeferrable,
                        })
                        .collect(),
                    indexes: (0..*indexes)
                        .map(|x| Index {
                            partition_indexes: Default::default(),
                            definition: None,
                            comment: None,
                            name: format!("i{i}_{x}"),
                            unique: false,
                            keys: vec![IndexKey {
                                target: IndexTarget::Column("k".into()),
                                collation: None,
                                order: None,
                            }],
                            predicate: None,
                        })
                        .collect(),
                    options: vec![],
                    comment: None,
                });
                schema.views.push(View::new(
                    QualifiedName::bare(format!("v{i}")),
                    Expr::raw("test", "SELECT 1"),
                ));
                schema.triggers.push(Trigger {
                    definer: None,
                    settings: Vec::new(),
                    comment: None,
                    name: QualifiedName::bare(format!("tr{i}")),
                    table: QualifiedName::bare(format!("t{i}")),
                    definition: Expr::raw("test", "CREATE TRIGGER ..."),
                });
            }
            schema
        })
        .prop_flat_map(|schema| {
            let n = schema.tables.len();
            (
                Just(schema),
                0usize..3,
                proptest::collection::vec((any::<bool>(), any::<bool>()), 0..4),
                proptest::collection::vec((0..n, any::<bool>()), 0..4),
                proptest::collection::vec((0..n, 0..n), 0..3),
            )
        })
        .prop_map(
            |(mut schema, namespaces, routines, sequences, partitions)| {
                // Namespaces, extensions and types (`pre`), routines before and after the
                // tables, sequences owned by a table or free, partitions and exclusions.
                for i in 0..namespaces {
                    schema.namespaces.push(crate::ir::Namespace {
                        name: format!("s{i}"),
                        comment: None,
                    });
                    schema.extensions.push(crate::ir::Extension {
                        name: format!("e{i}"),
                        schema: format!("s{i}"),
                        version: "1".into(),
                        comment: None,
                    });
                    schema.types.push(crate::ir::UserType {
                        name: QualifiedName::bare(format!("ty{i}")),
                        kind: crate::ir::UserTypeKind::Enum { labels: vec![] },
                        requires: Vec::new(),
                        comment: None,
                    });
                }
                for (i, (after_tables, aggregate)) in routines.into_iter().enumerate() {
                    schema.routines.push(crate::ir::Routine {
                        definer: None,
                        settings: Vec::new(),
                        name: QualifiedName::bare(format!("f{i}")),
                        arguments: String::new(),
                        kind: if aggregate {
                            crate::ir::RoutineKind::Aggregate
                        } else {
                            crate::ir::RoutineKind::Function
                        },
                        definition: Expr::raw("test", "CREATE FUNCTION ..."),
                        after_tables,
                        requires: Vec::new(),
                        comment: None,
                    });
                }
                for (i, (table, owned)) in sequences.into_iter().enumerate() {
                    schema.sequences.push(crate::ir::Sequence {
                        owned_by: owned.then(|| crate::ir::ColumnRef {
                            table: QualifiedName::bare(format!("t{table}")),
                            column: "id".into(),
                        }),
                        ..crate::ir::Sequence::new(QualifiedName::bare(format!("seq{i}")))
                    });
                }
                for (child, parent) in partitions {
                    // Only a later table can be a partition of an earlier one.
                    if parent < child && schema.tables[child].partition_parent().is_none() {
                        schema.tables[child]
                            .options
                            .push(crate::ir::TableOption::PartitionOf {
                                parent: QualifiedName::bare(format!("t{parent}")),
                                bound: "DEFAULT".into(),
                            });
                        schema.tables[child].exclusions.push(crate::ir::Exclusion {
                            name: format!("x{child}"),
                            definition: Expr::raw("test", "EXCLUDE ..."),
                            comment: None,
                        });
                    }
                }
                schema
            },
        )
    }

    fn object_count(schema: &Schema) -> usize {
        schema
            .tables
            .iter()
            .map(|t| {
                let o = table_objects(t);
                1 + usize::from(o.primary_key.is_some())
                    + o.uniques.len()
                    + o.checks.len()
                    + o.foreign_keys.len()
                    + o.indexes.len()
                    + o.counters.len()
                    + o.exclusions.len()
            })
            .sum::<usize>()
            + schema.views.len()
            + schema.triggers.len()
            + schema.namespaces.len()
            + schema.extensions.len()
            + schema.types.len()
            + 2 * schema.sequences.len() // the sequence and its counter
            + schema.routines.len()
    }

    proptest! {
        /// The ids a renderer gets from `PlanIds` equal those `table_objects` builds, and
        /// each one the plan has a step for is the plan's own (one allocation, shared).
        #[test]
        fn plan_ids_are_the_plans_own(schema in schema_strategy()) {
            let plan = plan(&schema, &Capabilities::new(true, true, true), &Policy::default());
            let steps: std::collections::HashMap<&ObjectId, &ObjectId> =
                plan.steps.iter().map(|s| (&s.object, &s.object)).collect();
            let shared = PlanIds::new(&plan);
            for table in &schema.tables {
                let built = table_objects(table);
                let got = shared.table_objects(table);
                let pairs = |t: &TableObjects| {
                    let mut all = vec![t.table.clone()];
                    all.extend(t.primary_key.iter().cloned());
                    for list in [&t.uniques, &t.checks, &t.exclusions, &t.foreign_keys,
                                 &t.indexes, &t.counters] {
                        all.extend(list.iter().cloned());
                    }
                    all
                };
                let (built, got) = (pairs(&built), pairs(&got));
                prop_assert_eq!(&got, &built);
                for id in &got {
                    if let Some(own) = steps.get(id) {
                        prop_assert!(std::ptr::eq(&**id, &***own), "{} is a copy", id);
                    }
                }
            }
            // An id the plan has no step for comes back as it was given.
            let stranger = ObjectId::owned(ObjectKind::Index, &QualifiedName::bare("no such table"), "i".into(), 0);
            prop_assert!(!steps.contains_key(&stranger));
            let given: *const crate::object::ObjectIdFields = &*stranger;
            prop_assert!(std::ptr::eq(&*shared.share(stranger), given));
        }

        #[test]
        fn plans_keep_their_invariants(
            schema in schema_strategy(),
            defer in any::<bool>(),
            can_defer in any::<bool>(),
        ) {
            let caps = Capabilities::new(true, true, can_defer);
            let plan = plan(&schema, &caps, &Policy::default().with_defer_primary_keys(defer));
            // Every object exactly once.
            let mut seen = std::collections::BTreeSet::new();
            for step in &plan.steps {
                prop_assert!(seen.insert(step.object.clone()), "twice: {}", step.object);
            }
            let deferred_pks = if defer && can_defer {
                0
            } else {
                schema.tables.iter().filter(|t| t.primary_key.is_some()).count()
            };
            prop_assert_eq!(seen.len() + deferred_pks, object_count(&schema));
            prop_assert_eq!(plan.warnings.len(), usize::from(defer && !can_defer));
            // Base holds tables only: no foreign key, constraint, index, view or trigger.
            for step in plan.phase(Phase::Base) {
                prop_assert_eq!(step.object.kind, ObjectKind::Table);
            }
            // Pre holds what tables need, nothing that needs a table.
            for step in plan.phase(Phase::Pre) {
                prop_assert!(matches!(
                    step.object.kind,
                    ObjectKind::Namespace
                        | ObjectKind::Extension
                        | ObjectKind::Type
                        | ObjectKind::Sequence
                        | ObjectKind::Routine
                ), "{} in pre", step.object);
            }
            let late = schema.routines.iter().filter(|r| r.after_tables).count();
            prop_assert_eq!(
                plan.phase(Phase::Seal).filter(|s| s.object.kind == ObjectKind::Routine).count(),
                late
            );
            // Nothing depends on what comes later.
            for (i, step) in plan.steps.iter().enumerate() {
                for dep in &step.depends_on {
                    let at = plan.steps.iter().position(|s| &s.object == dep);
                    prop_assert!(at.is_some_and(|at| at < i), "{} before {}", dep, step.object);
                }
            }
        }

        #[test]
        fn complete_tables_hold_their_constraints_in_base_needing_only_their_table(
            schema in schema_strategy(),
            can in any::<bool>(),
        ) {
            let caps = Capabilities::new(true, false, false).with_complete_tables(can);
            let policy = Policy::default().with_complete_tables(true);
            let complete = plan(&schema, &caps, &policy);
            let phased = plan(&schema, &caps, &Policy::default());
            // Not when a routine needs the tables (a check may call it).
            let can = can && !schema.routines.iter().any(|r| r.after_tables);
            prop_assert_eq!(complete.complete_tables, can);
            // The same objects, whichever the shape.
            let objects = |p: &Plan| {
                p.steps.iter().map(|s| s.object.clone()).collect::<std::collections::BTreeSet<_>>()
            };
            prop_assert_eq!(objects(&complete), objects(&phased));
            if !can {
                prop_assert_eq!(&complete, &phased);
            }
            let constraint = |kind: ObjectKind| matches!(
                kind,
                ObjectKind::Unique | ObjectKind::Check | ObjectKind::Exclusion
                    | ObjectKind::Index | ObjectKind::ForeignKey
            );
            for step in complete.steps.iter().filter(|s| constraint(s.object.kind)) {
                let expected = if can { Phase::Base } else { Phase::Seal };
                prop_assert_eq!(step.phase, expected, "{}", step.object);
                if can {
                    // Only its own table: a foreign key comes before the table it
                    // references, so cycles of keys cannot deadlock the scheduler.
                    prop_assert_eq!(
                        &step.depends_on,
                        &vec![ObjectId::table(step.object.table.as_ref().unwrap())]
                    );
                }
            }
            if can {
                // Each table's constraints and indexes follow it, before the next
                // table (SQLite creates an object the faster the fewer it holds).
                let mut current: Option<&QualifiedName> = None;
                for step in complete.steps.iter().filter(|s| s.phase == Phase::Base) {
                    match step.object.kind {
                        ObjectKind::Table => current = step.object.table.as_ref(),
                        kind if constraint(kind) => prop_assert_eq!(
                            step.object.table.as_ref(),
                            current,
                            "{} is not right after its table",
                            step.object
                        ),
                        _ => current = None,
                    }
                }
            }
            for (i, step) in complete.steps.iter().enumerate() {
                for dep in &step.depends_on {
                    let at = complete.steps.iter().position(|s| &s.object == dep);
                    prop_assert!(at.is_some_and(|at| at < i), "{} before {}", dep, step.object);
                }
            }
        }
    }

    #[test]
    fn requirements_are_listed_once_after_those_the_dialect_gave() {
        let id = |name: &str| ObjectId::table(&QualifiedName::bare(name));
        let step = |object: ObjectId, depends_on: Vec<ObjectId>| Step {
            phase: Phase::Seal,
            object,
            depends_on,
        };
        let plan = Plan {
            steps: vec![
                step(id("own"), vec![id("x"), id("y"), id("other")]),
                step(id("other"), vec![id("y"), id("z"), id("x")]),
            ],
            ..Plan::default()
        };
        let mut statement = Statement::new(Some(Phase::Seal), vec![id("own"), id("other")], "S");
        statement.requires = vec![id("x")];
        let mut statements = vec![statement];
        attach_requirements(&plan, &mut statements);
        assert_eq!(statements[0].requires, vec![id("x"), id("y"), id("z")]);
    }

    #[test]
    fn requirements_made_by_another_phase_are_not_listed() {
        let table = ObjectId::table(&QualifiedName::bare("t"));
        let index = ObjectId::owned(ObjectKind::Index, &QualifiedName::bare("t"), "i".into(), 0);
        let view = ObjectId::listed(ObjectKind::View, &QualifiedName::bare("v"), 0);
        let plan = Plan {
            steps: vec![
                Step {
                    phase: Phase::Base,
                    object: table.clone(),
                    depends_on: vec![],
                },
                Step {
                    phase: Phase::Seal,
                    object: index.clone(),
                    depends_on: vec![table.clone()],
                },
                Step {
                    phase: Phase::Seal,
                    object: view.clone(),
                    depends_on: vec![table.clone(), index.clone()],
                },
            ],
            ..Plan::default()
        };
        let mut statements = vec![
            Statement::new(Some(Phase::Seal), vec![index.clone()], "CREATE INDEX"),
            Statement::new(Some(Phase::Seal), vec![view], "CREATE VIEW"),
        ];
        attach_requirements(&plan, &mut statements);
        assert_eq!(statements[0].requires, Vec::<ObjectId>::new());
        assert_eq!(statements[1].requires, vec![index]);
        // A statement outside the phases keeps every requirement.
        let mut loose = vec![Statement::new(
            None,
            vec![statements[1].objects[0].clone()],
            "V",
        )];
        attach_requirements(&plan, &mut loose);
        assert_eq!(loose[0].requires.len(), 2);
    }

    #[test]
    fn requirements_come_from_the_plan() {
        let table = QualifiedName::bare;
        let a_k = ObjectId::owned(ObjectKind::Unique, &table("a"), "a_k".into(), 0);
        let b_fk = ObjectId::owned(ObjectKind::ForeignKey, &table("b"), "b_a".into(), 0);
        let plan = Plan {
            steps: vec![
                Step {
                    phase: Phase::Seal,
                    object: a_k.clone(),
                    depends_on: vec![ObjectId::table(&table("a"))],
                },
                Step {
                    phase: Phase::Seal,
                    object: b_fk.clone(),
                    depends_on: vec![ObjectId::table(&table("b")), a_k.clone()],
                },
            ],
            ..Plan::default()
        };
        let mut statements = vec![Statement::new(Some(Phase::Seal), vec![b_fk], "ADD FK")];
        attach_requirements(&plan, &mut statements);
        assert_eq!(
            statements[0].requires,
            vec![ObjectId::table(&table("b")), a_k]
        );
    }
}
