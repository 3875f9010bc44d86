//! Run-time dialect plugins for Schema Replicator.
//!
//! A plugin is a shared library (a Rust `cdylib`) that serves one [`Dialect`] through a
//! versioned C ABI ([`abi`]) exchanging JSON ([`wire`]). Rust has no stable ABI, so a
//! plugin and its host may be built by different compilers: only `#[repr(C)]` data and
//! `extern "C"` functions cross the boundary.
//!
//! - Plugin authors: build a `cdylib` whose `lib.rs` calls [`export_dialect!`] with
//!   their dialect ([`guest`]).
//! - Hosts (feature `host`): [`host::PluginDialect::load`] loads one library and
//!   [`host::load_plugins`] loads a list into a [`Registry`](schema_replicator_core::Registry).
//!
//! See `docs/plugin-abi.md` for the ABI and its version rule.

pub mod abi;
pub mod guest;
#[cfg(feature = "host")]
pub mod host;
pub mod wire;

/// Re-exported for [`export_dialect!`] and for plugin authors.
pub use schema_replicator_core::Dialect;
