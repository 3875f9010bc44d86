//! Changes the user asks for between the source and the copy, made to the reflected
//! schema before it is planned ([`crate::Policy::skip_definer`],
//! [`crate::Policy::disable_events`], [`crate::Policy::no_privileges`]).

use crate::ir::{Schema, Skipped};
use crate::object::ObjectKind;
use crate::plan::Policy;

/// Leaves out the definitions of `kinds`.
fn leave_out(schema: &mut Schema, kinds: &[ObjectKind]) {
    schema.definitions.retain(|d| !kinds.contains(&d.kind));
}

/// Rewrites `schema` as `policy` asks, noting in `schema.skipped` what a user must know
/// about the result.
pub(crate) fn rewrite(schema: &mut Schema, policy: &Policy) {
    if policy.skip_definer {
        skip_definers(schema);
    }
    if policy.no_privileges {
        schema.grants.clear();
        leave_out(
            schema,
            &[ObjectKind::Privileges, ObjectKind::DefaultPrivileges],
        );
    }
    if policy.no_owner {
        leave_out(schema, &[ObjectKind::Owner]);
        for d in &mut schema.definitions {
            if matches!(d.kind, ObjectKind::EventTrigger | ObjectKind::Subscription) {
                leave_out_owner(d);
            }
        }
    }
    if policy.no_tablespaces {
        for table in &mut schema.tables {
            table.tablespaces.clear();
        }
        for view in &mut schema.views {
            view.tablespaces.clear();
        }
    }
    if policy.no_subscriptions {
        leave_out(schema, &[ObjectKind::Subscription]);
    }
    if policy.no_publications {
        leave_out(schema, &[ObjectKind::Publication]);
    }
    if policy.no_comments {
        clear_comments(schema);
    }
    // What the user asked to leave out is not warned about as not replicated.
    schema.skipped.retain(|s| {
        let privileges = s.reason.contains("privileges (GRANT/REVOKE)")
            || s.kind == "default privileges"
            || s.kind == "routine privileges"
            || s.reason.contains("grants on this database");
        !((policy.no_privileges && privileges)
            || (policy.no_owner && s.reason.starts_with("its owner "))
            || (policy.no_tablespaces && s.reason.starts_with("its tablespace "))
            || (policy.no_publications && s.kind == "publication")
            || (policy.no_security_labels && s.kind == "security label")
            || (policy.no_subscriptions && s.kind == "subscription"))
    });
    if policy.disable_events {
        for event in &mut schema.events {
            if event.status != "DISABLE" {
                event.status = "DISABLE".into();
            }
        }
    }
}

/// Leaves out the `ALTER ... OWNER TO` statement a definition carries of its own (an
/// event trigger sets its owner itself, as it is created after the owners), and the role
/// it names.
fn leave_out_owner(definition: &mut crate::ir::Definition) {
    if let crate::ir::Expr::Raw { sql, .. } = &mut definition.definition {
        let kept: Vec<&str> = sql
            .split(";\n")
            .filter(|s| !(s.starts_with("ALTER ") && s.contains(" OWNER TO ")))
            .collect();
        *sql = kept.join(";\n");
    }
    definition.roles.clear();
}

/// Leaves out every comment of the schema (`--no-comments`).
fn clear_comments(schema: &mut Schema) {
    leave_out(schema, &[ObjectKind::Comment]);
    for d in &mut schema.definitions {
        d.comment = None;
    }
    for n in &mut schema.namespaces {
        n.comment = None;
    }
    for e in &mut schema.extensions {
        e.comment = None;
    }
    for t in &mut schema.types {
        t.comment = None;
    }
    for s in &mut schema.sequences {
        s.comment = None;
    }
    for r in &mut schema.routines {
        r.comment = None;
    }
    for e in &mut schema.events {
        e.comment = None;
    }
    for t in &mut schema.tables {
        t.comment = None;
        t.columns.iter_mut().for_each(|c| c.comment = None);
        if let Some(pk) = &mut t.primary_key {
            pk.comment = None;
        }
        t.unique_constraints
            .iter_mut()
            .for_each(|u| u.comment = None);
        t.checks.iter_mut().for_each(|c| c.comment = None);
        t.foreign_keys.iter_mut().for_each(|f| f.comment = None);
        t.exclusions.iter_mut().for_each(|x| x.comment = None);
        t.indexes.iter_mut().for_each(|i| i.comment = None);
    }
    for v in &mut schema.views {
        v.comment = None;
        v.column_comments.clear();
        v.indexes.iter_mut().for_each(|i| i.comment = None);
    }
    for t in &mut schema.triggers {
        t.comment = None;
    }
}

/// Leaves every definer out, so that the applying user defines each object, and warns
/// about each object that runs with its definer's rights: those now run with the
/// applying user's.
fn skip_definers(schema: &mut Schema) {
    let mut notes = Vec::new();
    let mut note = |kind: &str, name: String, definer: Option<String>, rights: bool| {
        if let (Some(definer), true) = (definer, rights) {
            notes.push(Skipped {
                kind: format!("{kind} definer"),
                name,
                reason: format!(
                    "not replicated (--skip-definer): the {kind} runs with the rights of \
                     the user that applies it, not those of {definer}"
                ),
            });
        }
    };
    for view in &mut schema.views {
        let rights = !view.options.iter().any(|o| o == "security=INVOKER");
        note("view", view.name.name.clone(), view.definer.take(), rights);
    }
    for routine in &mut schema.routines {
        let rights = match &routine.definition {
            crate::ir::Expr::Raw { sql, .. } => !sql.contains("SQL SECURITY INVOKER"),
            _ => true,
        };
        let kind = routine.kind.sql().to_lowercase();
        note(
            &kind,
            routine.name.name.clone(),
            routine.definer.take(),
            rights,
        );
    }
    for trigger in &mut schema.triggers {
        note(
            "trigger",
            trigger.name.name.clone(),
            trigger.definer.take(),
            true,
        );
    }
    for event in &mut schema.events {
        note("event", event.name.name.clone(), event.definer.take(), true);
    }
    schema.skipped.extend(notes);
}
