//! Rendered SQL: a [`Statement`] with its phase, the objects it creates, what it
//! requires and the tables it locks, which the scheduler ([`crate::schedule`]) reads.

use crate::ir::QualifiedName;
use crate::object::{ObjectId, Phase};

/// How a statement holds a table while it runs, as the seal's scheduler sees it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Other shared holders may run on the table at the same time (index builds).
    Shared,
    /// Nothing else runs on the table meanwhile.
    Exclusive,
}

/// A table a statement locks, and how.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableLock {
    /// The table.
    pub table: QualifiedName,
    /// How.
    pub mode: LockMode,
}

impl TableLock {
    /// A lock of `mode` on `table`.
    pub fn new(table: &QualifiedName, mode: LockMode) -> Self {
        TableLock {
            table: table.clone(),
            mode,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// What a statement needs the target to hold besides the plan's own objects: the
/// applier refuses the phase before anything runs when the target lacks any of it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TargetNeeds {
    /// Accounts the statement names as its objects' definers (MySQL `DEFINER`, as the
    /// catalog writes them: `user@host`). The applier refuses the phase when the
    /// applying user may not name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub definers: Vec<String>,
    /// Accounts or roles the statement grants privileges to (as the catalog writes
    /// them: `'user'@'host'`). The applier refuses the phase when the target lacks any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grantees: Vec<String>,
    /// Stored functions the statement calls by name (a MySQL view's query), which the
    /// server resolves when it runs: the applier refuses the phase when the target
    /// lacks one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
}

impl TargetNeeds {
    /// Whether it needs nothing.
    pub fn is_empty(&self) -> bool {
        self.definers.is_empty() && self.grantees.is_empty() && self.calls.is_empty()
    }
}

/// [`Statement::needs`] in JSON: its fields beside the statement's, absent when empty
/// (as they were when the statement held them itself), so the plugin wire format does
/// not change; read back as `None` when all are absent.
mod needs_fields {
    use super::TargetNeeds;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        needs: &Option<Box<TargetNeeds>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match needs {
            Some(needs) => needs.serialize(serializer),
            None => TargetNeeds::default().serialize(serializer),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Box<TargetNeeds>>, D::Error> {
        let needs = TargetNeeds::deserialize(deserializer)?;
        Ok((!needs.is_empty()).then(|| Box::new(needs)))
    }
}

/// One SQL statement of a rendered plan, with the objects it creates.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statement {
    /// The phase it belongs to (`None` for plain statements handed to the applier).
    pub phase: Option<Phase>,
    /// The objects it creates or changes; a failure names all of them.
    pub objects: Vec<ObjectId>,
    /// The SQL text, without a trailing semicolon.
    pub sql: String,
    /// For a statement that existing rows can make fail (a foreign key, a check, a
    /// unique key): a query that counts the offending rows and shows up to five. Its
    /// shape belongs to the dialect's applier, which runs it to explain a failure:
    /// PostgreSQL returns one row of (`rows` bigint, `groups` bigint or NULL, `samples`
    /// text[]); MySQL, whose statement adds several constraints at once, one row per
    /// constraint of (`object` index into `objects`, `n`, `groups`, `samples` as a JSON
    /// array).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<String>,
    /// Objects that must exist before it runs: the plan's dependencies of its objects
    /// (filled by [`crate::plan::attach_requirements`]). A scheduler running a batch
    /// over several connections waits for the statements of the batch that create them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<ObjectId>,
    /// The tables it locks while it runs. Empty means: exclusively, every table its
    /// objects belong to. A scheduler never runs two statements with conflicting locks
    /// at the same time, which also rules out lock-order deadlocks between its own
    /// connections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<TableLock>,
    /// It validates a constraint added `NOT VALID` by an earlier statement: under
    /// `--on-violation not-valid` a violation leaves that constraint NOT VALID instead
    /// of stopping the seal.
    #[serde(default, skip_serializing_if = "is_false")]
    pub validation: bool,
    /// What it needs the target to hold besides the plan's own objects (MySQL: the
    /// accounts it names, the stored functions it calls); `None` for nothing, as for
    /// almost every statement. Read through [`Statement::definers`],
    /// [`Statement::grantees`] and [`Statement::calls`]; in JSON, its fields are the
    /// statement's own.
    #[serde(flatten, with = "needs_fields")]
    pub needs: Option<Box<TargetNeeds>>,
}

/// `text` on one line (runs of whitespace folded to a space), cut after `max`
/// characters with `...`: how messages quote SQL.
pub fn shorten(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}...", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

impl Statement {
    /// The objects it creates, as messages name them (`index "i" on table "t", ...`):
    /// the first four, then how many more.
    pub fn describe(&self) -> String {
        const NAMED: usize = 4;
        let mut text = self
            .objects
            .iter()
            .take(NAMED)
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        if self.objects.len() > NAMED {
            text.push_str(&format!(" and {} more", self.objects.len() - NAMED));
        }
        text
    }

    /// Its SQL on one line, cut after 120 characters, for messages.
    pub fn excerpt(&self) -> String {
        shorten(&self.sql, 120)
    }

    /// The accounts it names as its objects' definers ([`TargetNeeds::definers`]).
    pub fn definers(&self) -> &[String] {
        self.needs.as_deref().map_or(&[], |n| &n.definers)
    }

    /// The accounts or roles it grants privileges to ([`TargetNeeds::grantees`]).
    pub fn grantees(&self) -> &[String] {
        self.needs.as_deref().map_or(&[], |n| &n.grantees)
    }

    /// The stored functions it calls by name ([`TargetNeeds::calls`]).
    pub fn calls(&self) -> &[String] {
        self.needs.as_deref().map_or(&[], |n| &n.calls)
    }

    /// What it needs of the target, to add to (made when it needed nothing yet).
    pub fn needs_mut(&mut self) -> &mut TargetNeeds {
        self.needs.get_or_insert_with(Default::default)
    }

    /// A statement of `phase` creating `objects`, with no preflight query.
    pub fn new(phase: Option<Phase>, objects: Vec<ObjectId>, sql: impl Into<String>) -> Self {
        Statement {
            phase,
            objects,
            sql: sql.into(),
            ..Statement::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_quoted_on_one_line_and_cut() {
        let long = format!("CREATE TABLE t (\n  a int,\n  {}\n)", "b".repeat(200));
        let statement = Statement::new(None, vec![], long);
        let excerpt = statement.excerpt();
        assert!(
            excerpt.starts_with("CREATE TABLE t ( a int, bbb"),
            "{excerpt}"
        );
        assert_eq!(excerpt.chars().count(), 123);
        assert!(excerpt.ends_with("..."));
        assert_eq!(
            Statement::new(None, vec![], "SELECT\n 1").excerpt(),
            "SELECT 1"
        );
    }

    #[test]
    fn what_a_statement_needs_is_written_beside_its_fields_and_read_back() {
        let plain = Statement::new(None, vec![], "CREATE VIEW v AS SELECT 1");
        let json = serde_json::to_value(&plain).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"phase": null, "objects": [], "sql": "CREATE VIEW v AS SELECT 1"})
        );
        let read: Statement = serde_json::from_value(json).unwrap();
        assert_eq!(read.needs, None);
        assert_eq!(read, plain);

        let mut needing = plain.clone();
        needing.needs_mut().definers.push("app@%".into());
        needing.needs_mut().calls.push("twice".into());
        let json = serde_json::to_value(&needing).unwrap();
        assert_eq!(json["definers"], serde_json::json!(["app@%"]));
        assert_eq!(json["calls"], serde_json::json!(["twice"]));
        assert!(json.get("grantees").is_none(), "{json}");
        assert!(json.get("needs").is_none(), "{json}");
        let read: Statement = serde_json::from_value(json).unwrap();
        assert_eq!(read, needing);
        assert_eq!(read.definers(), ["app@%"]);
        assert_eq!(read.calls(), ["twice"]);
        assert!(read.grantees().is_empty());
        assert!(plain.definers().is_empty() && plain.calls().is_empty());
    }
}
