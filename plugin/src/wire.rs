//! The JSON documents that cross the plugin boundary.
//!
//! Every response is an object with exactly one key: `{"ok": <value>}` or
//! `{"error": <WireError>}`. Values are the serde forms of the core types (`Schema`,
//! `Plan`, `Statement`, `Reflection`, `ApplyReport`, `Capabilities`), the same JSON a
//! schema snapshot uses.

use std::borrow::Cow;

use schema_replicator_core::{
    Capabilities, Error, Plan, ReflectOptions, Schema, Statement, Violation,
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
    /// `Error::Check`.
    Check {
        /// The constraint or column whose query failed.
        object: String,
        /// The server's message.
        reason: String,
    },
    /// `Error::Schedule`.
    Schedule {
        /// What went wrong.
        reason: String,
        /// What the run leaves behind.
        outcome: String,
    },
    /// `Error::RefusedRows`, of any constraint and any outcome.
    RefusedRows {
        /// Each refused constraint with its rows.
        violations: Vec<Violation>,
        /// What the seal leaves behind.
        outcome: String,
    },
    /// `Error::Selection`.
    Selection {
        /// The pattern or the object.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// `Error::TargetNotEmpty`.
    TargetNotEmpty {
        /// The target URL, redacted.
        url: String,
        /// One object found there.
        object: String,
    },
    /// `Error::Unsupported`.
    Unsupported {
        /// The dialect's name.
        dialect: String,
        /// What it cannot do.
        what: String,
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
            Error::Check { object, reason } => WireError::Check {
                object: object.clone(),
                reason: reason.clone(),
            },
            Error::Schedule { reason, outcome } => WireError::Schedule {
                reason: reason.clone(),
                outcome: outcome.clone(),
            },
            Error::RefusedRows {
                violations,
                outcome,
            } => WireError::RefusedRows {
                violations: violations.clone(),
                outcome: outcome.clone(),
            },
            Error::Selection { what, reason } => WireError::Selection {
                what: what.clone(),
                reason: reason.clone(),
            },
            Error::Unsupported { dialect, what } => WireError::Unsupported {
                dialect: dialect.clone(),
                what: what.clone(),
            },
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
            WireError::Check { object, reason } => Error::Check { object, reason },
            WireError::Schedule { reason, outcome } => Error::Schedule { reason, outcome },
            WireError::RefusedRows {
                violations,
                outcome,
            } => Error::RefusedRows {
                violations,
                outcome,
            },
            WireError::Selection { what, reason } => Error::Selection { what, reason },
            WireError::Unsupported { dialect, what } => Error::Unsupported { dialect, what },
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
    use schema_replicator_core::Problem;

    use super::*;

    /// Whether `a` and `b` are the same variant of `Error`, for every variant a
    /// `WireError` mirrors.
    fn same_variant(a: &Error, b: &Error) -> bool {
        matches!(
            (a, b),
            (Error::InvalidUrl { .. }, Error::InvalidUrl { .. })
                | (Error::Connect { .. }, Error::Connect { .. })
                | (Error::Reflect { .. }, Error::Reflect { .. })
                | (Error::Render { .. }, Error::Render { .. })
                | (Error::Apply { .. }, Error::Apply { .. })
                | (Error::Check { .. }, Error::Check { .. })
                | (Error::Schedule { .. }, Error::Schedule { .. })
                | (Error::RefusedRows { .. }, Error::RefusedRows { .. })
                | (Error::Selection { .. }, Error::Selection { .. })
                | (Error::TargetNotEmpty { .. }, Error::TargetNotEmpty { .. })
                | (Error::Unsupported { .. }, Error::Unsupported { .. })
                | (Error::Io { .. }, Error::Io { .. })
        )
    }

    #[test]
    fn a_dialect_error_keeps_its_message_across_the_boundary() {
        let errors = [
            Error::InvalidUrl {
                input: "sqlite:".into(),
                reason: "no path".into(),
            },
            Error::Connect {
                url: "sqlite://x.db".into(),
                reason: "no such file".into(),
            },
            Error::Reflect {
                object: "table \"t\"".into(),
                reason: "malformed CREATE TABLE".into(),
            },
            Error::Render {
                object: "index \"i\"".into(),
                dialect: "sqlite".into(),
                reason: "partial indexes need a WHERE clause".into(),
            },
            Error::Apply {
                object: "table \"t\"".into(),
                reason: "boom".into(),
                outcome: "nothing was applied (rolled back)".into(),
            },
            Error::Check {
                object: "foreign key \"fk\" on table \"c\"".into(),
                reason: "no such table: p".into(),
            },
            Error::Schedule {
                reason: "2 statements wait on each other".into(),
                outcome: "3 of 5 statements are applied and stay so".into(),
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
                violations: vec![
                    Violation {
                        object: "unique constraint \"u\" on table \"c\"".into(),
                        problem: Problem::DuplicateKeys,
                        rows: 3,
                        samples: vec![],
                    },
                    Violation {
                        object: "column \"n\" of table \"c\"".into(),
                        problem: Problem::Nulls,
                        rows: 1,
                        samples: vec!["NULL".into()],
                    },
                ],
                outcome: "2 of 5 statements are applied and stay so".into(),
            },
            Error::Selection {
                what: "the pattern \"ord*\"".into(),
                reason: "it matches nothing".into(),
            },
            Error::TargetNotEmpty {
                url: "sqlite://y.db".into(),
                object: "table \"t\"".into(),
            },
            Error::Unsupported {
                dialect: "sqlite".into(),
                what: "check loaded data".into(),
            },
            Error::Io {
                path: "schema.json".into(),
                source: std::io::Error::other("permission denied"),
            },
        ];
        for error in errors {
            let json = serde_json::to_string(&WireError::from(&error)).unwrap();
            let back: WireError = serde_json::from_str(&json).unwrap();
            let back = back.into_error("p.so", "apply");
            assert!(
                same_variant(&back, &error),
                "{error:?} came back as {back:?}"
            );
            assert_eq!(back.to_string(), error.to_string());
            if let (
                Error::RefusedRows { violations, .. },
                Error::RefusedRows {
                    violations: back, ..
                },
            ) = (&error, &back)
            {
                assert_eq!(back, violations);
            }
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
