//! The SQLite dialect as a run-time plugin: the same code as the built-in dialect
//! (`schema-replicator-sqlite`), exported through the plugin ABI. Build it with
//! `cargo build -p schema-replicator-sqlite-plugin`, then load
//! `target/debug/libschema_replicator_sqlite_plugin.so` with `--plugin`.

schema_replicator_plugin::export_dialect!(schema_replicator_sqlite::SqliteDialect);
