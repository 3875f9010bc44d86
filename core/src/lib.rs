//! Core of Schema Replicator: the schema model (IR), the [`Dialect`] trait and its
//! registry, the phase planner, the scheduler and journal helpers of a parallel apply,
//! the schema diff, object filters, snapshots and errors.
//!
//! This crate holds no database driver code; each dialect crate implements [`Dialect`]
//! and registers itself with [`inventory`]. Modules, from the model outwards; none
//! imports another that imports it back (`error` names a few of the model's types, and
//! the last row's helpers serve every module):
//!
//! | module | holds |
//! |---|---|
//! | [`types`], [`ir`] | the schema model: tables, columns, constraints, views, ... |
//! | [`object`] | object identity: [`Phase`], [`ObjectKind`], [`ObjectId`] |
//! | [`order`] | the dependency sort ([`order::dependency_order`]) |
//! | [`filter`] | object filters ([`Selection`]) and how names compare ([`IdentifierCase`]) |
//! | [`capabilities`] | what a dialect can do ([`Capabilities`]) |
//! | [`statement`] | rendered SQL ([`Statement`]) with its locks and requirements |
//! | [`mod@plan`] | the phase planner ([`plan()`], [`Plan`], [`Policy`]) |
//! | [`apply`] | what an apply is asked and reports ([`ApplyOptions`], [`ApplyReport`]) |
//! | [`schedule`] | the dependency-aware scheduler of a parallel apply |
//! | [`journal`] | helpers for dialects that journal an apply in the target |
//! | [`violation`] | loaded rows a constraint refuses ([`Problem`], [`Violation`]) |
//! | [`check`] | the preflight of loaded data ([`Finding`]) and its parallel runner |
//! | [`journaled`] | the journaled, resumable, parallel apply ([`journaled::run`], [`journaled::JournaledApply`]) |
//! | [`converge`] | what of a phase a target already holds ([`converge::phase_status`]) |
//! | [`dialect`] | the [`Dialect`] trait |
//! | [`registry`] | URL schemes to dialects ([`Registry`]) |
//! | [`api`] | the front door: [`DdlExtractor`], [`DdlApplier`], [`clone_schema`] |
//! | [`mod@diff`], [`snapshot`], [`url`], [`trace`], [`error`] | comparison, JSON snapshots, URLs, logging, errors |
#![forbid(unsafe_code)]

pub mod api;
pub mod apply;
pub mod capabilities;
pub mod check;
pub mod converge;
pub mod dialect;
pub mod diff;
pub mod error;
pub mod filter;
pub mod ir;
pub mod journal;
pub mod journaled;
pub mod object;
pub mod order;
pub mod plan;
pub mod registry;
mod rewrite;
pub mod schedule;
pub mod snapshot;
pub mod statement;
pub mod trace;
pub mod translate;
pub mod types;
pub mod url;
pub mod violation;

pub use api::{
    check_source, clone_extracted, clone_extracted_owned, clone_schema, clone_with_options,
    read_source, CloneOptions, CloneReport, DdlApplier, DdlExtractor, OpenOptions, PhaseReport,
    Source, SourceSchema, Status,
};
pub use apply::{ApplyOptions, ApplyReport, OnViolation, Progress, ProgressFn};
pub use capabilities::Capabilities;
pub use check::{CheckOptions, Finding};
pub use dialect::{Dialect, ReflectOptions, Reflection};
pub use diff::{diff, Difference};
pub use error::{Error, Result};
pub use filter::{IdentifierCase, Selection};
pub use ir::*;
pub use object::{ObjectId, ObjectIdFields, ObjectKind, Phase};
pub use plan::{plan, Plan, Policy, Step};
pub use registry::{DialectRegistration, Origin, Registered, Registry};
pub use statement::{LockMode, Statement, TableLock, TargetNeeds};
pub use translate::{translate, Fidelity, LossReport, Translated, Translation, TypeMap};
pub use types::{DataType, TypeKind};
pub use url::{redact, DbUrl};
pub use violation::{Problem, Violation};

/// Re-exported so dialect crates register with the same `inventory` version.
pub use inventory;
