//! What a dialect can do ([`Capabilities`]); the planner, the applier and the object
//! filters adapt to it.

use crate::filter::IdentifierCase;

/// What a dialect can do; the planner and the applier adapt to it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// DDL runs inside a transaction and rolls back as a whole.
    pub transactional_ddl: bool,
    /// Constraints can be added to an existing table with `ALTER TABLE`; when `false`
    /// (SQLite) the seal rebuilds the table instead.
    pub alter_add_constraint: bool,
    /// The primary key can be added after the load (policy `defer_primary_keys`).
    pub deferred_primary_key: bool,
    /// How the server compares an unquoted name with a catalog name; object filters
    /// ([`crate::Selection`]) compare the same way.
    #[serde(default)]
    pub identifier_case: IdentifierCase,
    /// A table can be created complete, its keys, checks, indexes and foreign keys inside
    /// its `CREATE TABLE`, before the tables its foreign keys reference exist (MySQL with
    /// `foreign_key_checks = 0`, SQLite): a copy that loads no rows (a clone of the
    /// schema into an empty database) is then built without the seal's table
    /// rebuilds ([`crate::Policy::complete_tables`]).
    #[serde(default)]
    pub complete_tables: bool,
}

impl Capabilities {
    /// A capability set; dialects outside this crate build theirs with it.
    pub fn new(
        transactional_ddl: bool,
        alter_add_constraint: bool,
        deferred_primary_key: bool,
    ) -> Self {
        Capabilities {
            transactional_ddl,
            alter_add_constraint,
            deferred_primary_key,
            identifier_case: IdentifierCase::default(),
            complete_tables: false,
        }
    }

    /// The same capabilities with [`Capabilities::complete_tables`] set as given.
    pub fn with_complete_tables(mut self, complete: bool) -> Self {
        self.complete_tables = complete;
        self
    }

    /// The same capabilities with names compared as `case` says.
    pub fn with_identifier_case(mut self, case: IdentifierCase) -> Self {
        self.identifier_case = case;
        self
    }
}

impl std::fmt::Display for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        parts.push(if self.transactional_ddl {
            "transactional DDL"
        } else {
            "non-transactional DDL"
        });
        parts.push(if self.alter_add_constraint {
            "adds constraints with ALTER"
        } else {
            "adds constraints by table rebuild"
        });
        if self.deferred_primary_key {
            parts.push("can defer primary keys");
        }
        if self.complete_tables {
            parts.push("creates tables complete for an empty copy");
        }
        f.write_str(&parts.join(", "))
    }
}
