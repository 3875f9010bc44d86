//! The JSON documents that cross the plugin boundary.
//!
//! Every response is an object with exactly one key: `{"ok": <value>}` or
//! `{"error": <WireError>}`. Values are the serde forms of the core types (`Schema`,
//! `Plan`, `Statement`, `Reflection`, `ApplyReport`, `Capabilities`), the same JSON a
//! schema snapshot uses.

use std::borrow::Cow;

use schema_replicator_core::{
    Capabilities, Error, Plan, Problem, ReflectOptions, Schema, Statement, Violation,
};
use serde::{Deserialize, Serialize};

/// The envelope of every response.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response<T> {
    /// The call succeeded.
    Ok(T),
    /// The call failed, or panicked.
    Error(WireError),
}

/// What `describe` returns: the plugin's dialect, read once when the plugin is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// The dialect's name, stored in snapshots.
    pub name: String,
    /// The URL schemes it handles.
    pub url_schemes: Vec<String>,
    /// What it can do.
    pub capabilities: Capabilities,
    /// The IR `format_version` of the schemas it reads and writes; the host refuses a
    /// plugin whose version differs from its own.
    pub format_version: u32,
}

/// The request of `reflect`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReflectRequest<'a> {
    /// The database URL, password included.
    pub url: Cow<'a, str>,
    /// Reflection options.
    pub options: Cow<'a, ReflectOptions>,
}

/// The request of `render`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RenderRequest<'a> {
    /// The schema to render.
    pub schema: Cow<'a, Schema>,
    /// Its plan, as the host's planner made it.
    pub plan: Cow<'a, Plan>,
}

/// The request of `apply`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApplyRequest<'a> {
    /// The target database URL, password included.
    pub url: Cow<'a, str>,
    /// The statements to run, all or nothing where the dialect allows it.
    pub statements: Cow<'a, [Statement]>,
}

/// The request of `first_object`.
#[derive(Debug, Serialize, Deserialize)]
pub struct UrlRequest<'a> {
    /// The database URL, password included.
    pub url: Cow<'a, str>,
}

/// An error that crossed the boundary. The variants mirror those of the core `Error`
/// that a dialect returns, so the host rebuilds the same error with the same message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WireError {
    /// `Error::InvalidUrl`.
    InvalidUrl {
        /// The input, redacted.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `Error::Connect`.
    Connect {
        /// The URL, redacted.
        url: String,
        /// Why.
        reason: String,
    },
    /// `Error::Reflect`.
    Reflect {
        /// The object being reflected.
        object: String,
        /// Why.
        reason: String,
    },
    /// `Error::Render`.
    Render {
        /// The object.
        object: String,
        /// The dialect.
        dialect: String,
        /// Why.
        reason: String,
    },
    /// `Error::Apply`.
    Apply {
        /// The object whose statement failed.
        object: String,
        /// The server's message.
        reason: String,
        /// What happened to the rest of the batch.
        outcome: String,
    },
    /// `Error::RefusedRows` of foreign keys only, with nothing applied (the form of ABI
    /// version 1; other refusals cross as `Apply`, with the same message).
    ForeignKeyViolations {
        /// Orphan rows per foreign key.
        violations: Vec<FkViolation>,
    },
    /// `Error::TargetNotEmpty`.
    TargetNotEmpty {
        /// The target URL, redacted.
        url: String,
        /// One object found there.
        object: String,
    },
    /// `Error::Io`.
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The function panicked; the plugin caught the panic.
    Panic {
        /// The panic message, with its location when known.
        message: String,
    },
    /// Any other error, by its message.
    Other {
        /// The error's message.
        message: String,
    },
}

/// What a refused seal leaves behind when it ran in one transaction.
const NOTHING_APPLIED: &str = "nothing was applied";

/// Orphan rows found for one foreign key: how the wire carries a violation (unchanged
/// since ABI version 1).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct FkViolation {
    /// The foreign key, described (`foreign key ("AlbumId") -> "Album" on table "Track"`).
    pub foreign_key: String,
    /// How many rows of the child table have no parent.
    pub rows: u64,
    /// A few of the offending key values, rendered as text.
    pub samples: Vec<String>,
}

impl From<&Violation> for FkViolation {
    fn from(v: &Violation) -> Self {
        FkViolation {
            foreign_key: v.object.clone(),
            rows: v.rows,
            samples: v.samples.clone(),
        }
    }
}

impl From<FkViolation> for Violation {
    fn from(v: FkViolation) -> Self {
        Violation {
            object: v.foreign_key,
            problem: Problem::OrphanRows,
            rows: v.rows,
            samples: v.samples,
        }
    }
}

impl From<&Error> for WireError {
    fn from(error: &Error) -> Self {
        match error {
            Error::InvalidUrl { input, reason } => WireError::InvalidUrl {
                input: input.clone(),
                reason: reason.clone(),
            },
            Error::Connect { url, reason } => WireError::Connect {
                url: url.clone(),
                reason: reason.clone(),
            },
            Error::Reflect { object, reason } => WireError::Reflect {
                object: object.clone(),
                reason: reason.clone(),
            },
            Error::Render {
                object,
                dialect,
                reason,
            } => WireError::Render {
                object: object.clone(),
                dialect: dialect.clone(),
                reason: reason.clone(),
            },
            Error::Apply {
                object,
                reason,
                outcome,
            } => WireError::Apply {
                object: object.clone(),
                reason: reason.clone(),
                outcome: outcome.clone(),
            },
            Error::RefusedRows {
                violations,
                outcome,
            } => {
                let orphans = violations.iter().all(|v| v.problem == Problem::OrphanRows);
                if orphans && outcome == NOTHING_APPLIED {
                    WireError::ForeignKeyViolations {
                        violations: violations.iter().map(FkViolation::from).collect(),
                    }
                } else {
                    let parts: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
                    WireError::Apply {
                        object: "seal refused".into(),
                        reason: parts.join("; "),
                        outcome: outcome.clone(),
                    }
                }
            }
            Error::TargetNotEmpty { url, object } => WireError::TargetNotEmpty {
                url: url.clone(),
                object: object.clone(),
            },
            Error::Io { path, source } => WireError::Io {
                path: path.display().to_string(),
                message: source.to_string(),
            },
            other => WireError::Other {
                message: other.to_string(),
            },
        }
    }
}

impl WireError {
    /// The host's error for this wire error, raised by `function` of the plugin at
    /// `path`. Errors a dialect returns come back as the same variant with the same
    /// message; a panic or another error names the plugin.
    pub fn into_error(self, path: &str, function: &str) -> Error {
        match self {
            WireError::InvalidUrl { input, reason } => Error::InvalidUrl { input, reason },
            WireError::Connect { url, reason } => Error::Connect { url, reason },
            WireError::Reflect { object, reason } => Error::Reflect { object, reason },
            WireError::Render {
                object,
                dialect,
                reason,
            } => Error::Render {
                object,
                dialect,
                reason,
            },
            WireError::Apply {
                object,
                reason,
                outcome,
            } => Error::Apply {
                object,
                reason,
                outcome,
            },
            WireError::ForeignKeyViolations { violations } => Error::RefusedRows {
                violations: violations.into_iter().map(Violation::from).collect(),
                outcome: NOTHING_APPLIED.into(),
            },
            WireError::TargetNotEmpty { url, object } => Error::TargetNotEmpty { url, object },
            WireError::Io { path, message } => Error::Io {
                path: path.into(),
                source: std::io::Error::other(message),
            },
            WireError::Panic { message } => Error::Plugin {
                path: path.to_owned(),
                reason: format!("{function} panicked at {message}"),
            },
            WireError::Other { message } => Error::Plugin {
                path: path.to_owned(),
                reason: format!("{function} failed: {message}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dialect_error_keeps_its_message_across_the_boundary() {
        let errors = [
            Error::Connect {
                url: "sqlite://x.db".into(),
                reason: "no such file".into(),
            },
            Error::RefusedRows {
                violations: vec![Violation {
                    object: "foreign key (\"a\") -> \"p\" on table \"c\"".into(),
                    problem: Problem::OrphanRows,
                    rows: 2,
                    samples: vec!["7".into(), "9".into()],
                }],
                outcome: "nothing was applied".into(),
            },
            Error::RefusedRows {
                violations: vec![Violation {
                    object: "unique constraint \"u\" on table \"c\"".into(),
                    problem: Problem::DuplicateKeys,
                    rows: 3,
                    samples: vec![],
                }],
                outcome: "2 of 5 statements are applied and stay so".into(),
            },
            Error::Apply {
                object: "table \"t\"".into(),
                reason: "boom".into(),
                outcome: "nothing was applied (rolled back)".into(),
            },
        ];
        for error in errors {
            let json = serde_json::to_string(&WireError::from(&error)).unwrap();
            let back: WireError = serde_json::from_str(&json).unwrap();
            assert_eq!(
                back.into_error("p.so", "apply").to_string(),
                error.to_string()
            );
        }
    }

    #[test]
    fn a_panic_names_the_plugin_and_the_function() {
        let error = WireError::Panic {
            message: "src/lib.rs:3:5: boom".into(),
        };
        assert_eq!(
            error.into_error("/p/libx.so", "reflect").to_string(),
            "plugin /p/libx.so: reflect panicked at src/lib.rs:3:5: boom"
        );
    }
}
