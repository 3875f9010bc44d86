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
//! This facade re-exports [`schema_replicator_core`] and the dialects selected by cargo
//! features (`sqlite` and `postgres` by default).
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

pub use schema_replicator_core::*;

/// The SQLite dialect (feature `sqlite`).
#[cfg(feature = "sqlite")]
pub use schema_replicator_sqlite as sqlite;

/// The PostgreSQL dialect (feature `postgres`).
#[cfg(feature = "postgres")]
pub use schema_replicator_postgres as postgres;

/// Every dialect compiled into this build, by name. Naming each dialect crate here
/// also keeps the linker from dropping its `inventory` registration.
pub fn compiled_dialects() -> Vec<&'static str> {
    [
        #[cfg(feature = "sqlite")]
        schema_replicator_sqlite::DIALECT,
        #[cfg(feature = "postgres")]
        schema_replicator_postgres::DIALECT,
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
