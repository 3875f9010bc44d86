//! Core of Schema Replicator: the schema model (IR), the [`Dialect`] trait and its
//! registry, the phase planner, the schema diff, snapshots and errors.
//!
//! This crate holds no database driver code; each dialect crate implements [`Dialect`]
//! and registers itself with [`inventory`].
#![forbid(unsafe_code)]

pub mod api;
pub mod check;
pub mod dialect;
pub mod diff;
pub mod error;
pub mod filter;
pub mod ir;
pub mod plan;
pub mod seal;
pub mod snapshot;
pub mod trace;
pub mod types;
pub mod url;

pub use api::{
    clone_schema, clone_schema_with, clone_with_options, CloneOptions, CloneReport, DdlApplier,
    DdlExtractor, Source,
};
pub use check::{CheckOptions, Finding, Problem};
pub use dialect::{
    ApplyReport, Capabilities, Dialect, DialectRegistration, LockMode, Origin, ReflectOptions,
    Reflection, Registered, Registry, Statement, TableLock,
};
pub use diff::{diff, Difference};
pub use error::{Error, FkViolation, Result};
pub use filter::{IdentifierCase, Selection};
pub use ir::*;
pub use plan::{plan, ObjectId, ObjectKind, Phase, Plan, Policy, Step};
pub use seal::{ApplyOptions, OnViolation, Progress, ProgressFn};
pub use types::{DataType, TypeKind};
pub use url::{redact, DbUrl};

/// Re-exported so dialect crates register with the same `inventory` version.
pub use inventory;
