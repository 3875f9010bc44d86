//! Loaded rows a constraint refuses: what [`Problem`] they have, and a
//! [`Violation`] (a constraint with its offending rows), which `check` counts and a
//! refused seal reports.

use serde::{Deserialize, Serialize};

use crate::object::ObjectKind;

/// What a check looks for.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// Rows of a foreign key's table whose key has no parent row.
    OrphanRows,
    /// Rows sharing the key of a unique constraint or unique index.
    DuplicateKeys,
    /// Rows for which a check constraint is false.
    FailingRows,
    /// NULLs in a column declared NOT NULL.
    Nulls,
    /// Zero dates (`'0000-00-00'`, or a zero month or day) in a source's column, which
    /// a target of another dialect cannot hold (MySQL to PostgreSQL).
    ZeroDates,
    /// Values in a SQLite source's column that the translated column's type refuses
    /// (text in an integer column, a date that is not one, text past a declared length).
    UnfitValues,
}

impl Problem {
    /// How a count of this problem reads (`orphan rows`).
    pub fn noun(self, rows: u64) -> &'static str {
        match (self, rows == 1) {
            (Problem::OrphanRows, true) => "orphan row",
            (Problem::OrphanRows, false) => "orphan rows",
            (Problem::DuplicateKeys, true) => "row with a duplicated key",
            (Problem::DuplicateKeys, false) => "rows with a duplicated key",
            (Problem::FailingRows, true) => "row failing the check",
            (Problem::FailingRows, false) => "rows failing the check",
            (Problem::Nulls, true) => "NULL",
            (Problem::Nulls, false) => "NULLs",
            (Problem::ZeroDates, true) => "zero date the target cannot hold",
            (Problem::ZeroDates, false) => "zero dates the target cannot hold",
            (Problem::UnfitValues, true) => "value the target's type refuses",
            (Problem::UnfitValues, false) => "values the target's type refuses",
        }
    }
}

impl Problem {
    /// What rows violating a constraint of `kind` do wrong: orphan rows for a foreign
    /// key, duplicated keys for a key or unique index, failing rows otherwise.
    pub fn of(kind: ObjectKind) -> Problem {
        match kind {
            ObjectKind::ForeignKey => Problem::OrphanRows,
            ObjectKind::PrimaryKey | ObjectKind::Unique | ObjectKind::Index => {
                Problem::DuplicateKeys
            }
            _ => Problem::FailingRows,
        }
    }
}

/// Loaded rows that one constraint the seal adds refuses.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The constraint or index, described (`foreign key "fk" on table "t"`).
    pub object: String,
    /// What the rows do wrong.
    pub problem: Problem,
    /// How many rows.
    pub rows: u64,
    /// A few of the offending keys or rows, rendered as text.
    pub samples: Vec<String>,
}

impl std::fmt::Display for Violation {
    /// `foreign key "X" on table "t" has 3 orphan rows (e.g. 7, 8, 8)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let noun = self.problem.noun(self.rows);
        write!(f, "{} has {} {noun}", self.object, self.rows)?;
        if !self.samples.is_empty() {
            write!(f, " (e.g. {})", self.samples.join(", "))?;
        }
        Ok(())
    }
}
