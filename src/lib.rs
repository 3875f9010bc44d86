//! # Schema Replicator
//!
//! Replicate a relational database's schema in phases, so data can be bulk-loaded in
//! between without fighting its constraints:
//!
//! 1. `pre` and `base`: types, sequences and tables with their columns, exact types,
//!    defaults and primary keys, nothing else;
//! 2. load the data with any tool, in parallel, in any order;
//! 3. `seal`: unique and check constraints, indexes, foreign keys, views, triggers, and
//!    counters synchronised with the loaded data.
//!
//! This facade re-exports the public API of [`schema_replicator_core`] and the dialects
//! selected by cargo features (`sqlite`, `postgres` and `mysql` by default). With the feature `plugins`, dialects
//! can also be loaded at run time from shared libraries: see [`registry_with_plugins`].
//!
//! ```no_run
//! use schema_replicator::{DdlApplier, DdlExtractor, Phase};
//!
//! # fn main() -> schema_replicator::Result<()> {
//! let source = DdlExtractor::new("sqlite://examples/kitchen-sink.db")?;
//! println!("{}", source.table_base_ddl("artist")?);
//! let target = DdlApplier::new("sqlite://copy.db")?;
//! target.apply_phase(&source, Phase::Base)?;
//! // ... load the data ...
//! target.apply_phase(&source, Phase::Seal)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

// The public API, named item by item. The scheduler, the journal helpers, the check
// runner and other machinery for dialect authors stay in `schema-replicator-core`.
/// Convergent apply: where a phase's objects stand in a target.
pub use schema_replicator_core::converge::{ObjectState, PhaseStatus, State};
/// The schema model (also re-exported at the crate root).
pub use schema_replicator_core::ir;
pub use schema_replicator_core::ir::*;
/// Snapshot files: the schema as versioned JSON.
pub use schema_replicator_core::snapshot;
/// What the library logs through `tracing`, and under which targets.
pub use schema_replicator_core::trace;
/// Cross-dialect translation: the type mapping, its options and the loss report.
pub use schema_replicator_core::translate::{
    self, translate, Fidelity, Loss, LossReport, Translated, Translation, TypeMap,
};
pub use schema_replicator_core::{
    check_source, clone_extracted, clone_extracted_owned, clone_schema, clone_with_options, diff,
    plan, read_source, redact, ApplyOptions, ApplyReport, Capabilities, CheckOptions, CloneOptions,
    CloneReport, DataType, DbUrl, DdlApplier, DdlExtractor, Dialect, DialectRegistration,
    Difference, Error, Finding, IdentifierCase, LockMode, ObjectId, ObjectIdFields, ObjectKind,
    OnViolation, OpenOptions, Origin, Phase, PhaseReport, Plan, Policy, Problem, Progress,
    ProgressFn, ReflectOptions, Reflection, Registered, Registry, Result, Selection, Source,
    SourceSchema, Statement, Status, Step, TableLock, TypeKind, Violation,
};

/// The SQLite dialect (feature `sqlite`).
#[cfg(feature = "sqlite")]
pub use schema_replicator_sqlite as sqlite;

/// The PostgreSQL dialect (feature `postgres`).
#[cfg(feature = "postgres")]
pub use schema_replicator_postgres as postgres;

/// The MySQL and MariaDB dialect (feature `mysql`).
#[cfg(feature = "mysql")]
pub use schema_replicator_mysql as mysql;

/// Run-time plugins (feature `plugins`): the ABI and the loader.
#[cfg(feature = "plugins")]
pub use schema_replicator_plugin as plugin;

/// Every dialect compiled into this build, by name. Naming each dialect crate here
/// also keeps the linker from dropping its `inventory` registration.
pub fn compiled_dialects() -> Vec<&'static str> {
    [
        #[cfg(feature = "sqlite")]
        schema_replicator_sqlite::DIALECT,
        #[cfg(feature = "postgres")]
        schema_replicator_postgres::DIALECT,
        #[cfg(feature = "mysql")]
        schema_replicator_mysql::DIALECT,
    ]
    .to_vec()
}

/// The registry of every dialect compiled into this build.
pub fn registry() -> Result<Registry> {
    let registry = Registry::builtin()?;
    debug_assert!(compiled_dialects()
        .iter()
        .all(|name| registry.by_name(name).is_ok()));
    Ok(registry)
}

/// The registry of every dialect compiled into this build, plus the plugins of the
/// directories listed in the environment variable `SCHEMA_REPLICATOR_PLUGIN_PATH` and
/// then `plugins`, the libraries named explicitly (the command line's `--plugin`).
///
/// A build without the feature `plugins` ignores the environment variable and refuses
/// an explicit plugin with a message naming the feature.
pub fn registry_with_plugins(plugins: &[std::path::PathBuf]) -> Result<Registry> {
    let registry = registry()?;
    load_plugins(registry, plugins)
}

#[cfg(feature = "plugins")]
fn load_plugins(mut registry: Registry, plugins: &[std::path::PathBuf]) -> Result<Registry> {
    let search_path = std::env::var_os(plugin::host::PLUGIN_PATH_ENV);
    plugin::host::load_plugins(&mut registry, plugins, search_path.as_deref())?;
    Ok(registry)
}

#[cfg(not(feature = "plugins"))]
fn load_plugins(registry: Registry, plugins: &[std::path::PathBuf]) -> Result<Registry> {
    match plugins.first() {
        Some(path) => Err(Error::Plugin {
            path: path.display().to_string(),
            reason: "this build cannot load plugins; enable the `plugins` feature of \
                     schema-replicator"
                .into(),
        }),
        None => Ok(registry),
    }
}

#[cfg(all(test, not(feature = "plugins")))]
mod tests {
    #[test]
    fn a_build_without_plugins_refuses_a_plugin_by_name() {
        let err = super::registry_with_plugins(&["/p/libx.so".into()])
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "plugin /p/libx.so: this build cannot load plugins; enable the `plugins` feature of \
             schema-replicator"
        );
        assert!(super::registry_with_plugins(&[]).is_ok());
    }
}
