//! What the library logs through [`tracing`], so `-v` and `RUST_LOG` can show it. Two
//! targets, both silent unless a subscriber enables them:
//! - `schema_replicator::statement` (level INFO): each DDL statement as it starts and,
//!   when it ends, its duration;
//! - `schema_replicator::query` (level DEBUG): each catalog query a reflection sends.
//!
//! Dialects call these helpers where they run SQL; they never log URLs (which may hold
//! passwords) or row data.

use std::time::Instant;

/// The target of statement events.
pub const STATEMENT_TARGET: &str = "schema_replicator::statement";
/// The target of catalog-query events.
pub const QUERY_TARGET: &str = "schema_replicator::query";

/// Logs that `sql` starts; the returned guard logs its duration when dropped.
#[must_use = "the guard logs the duration when it is dropped"]
pub fn statement(sql: &str) -> StatementTimer {
    let timer = StatementTimer {
        started: Instant::now(),
        excerpt: crate::statement::shorten(sql, 160),
    };
    tracing::info!(target: STATEMENT_TARGET, "start: {}", timer.excerpt);
    timer
}

/// Times one statement; see [`statement`].
#[derive(Debug)]
pub struct StatementTimer {
    started: Instant,
    excerpt: String,
}

impl Drop for StatementTimer {
    fn drop(&mut self) {
        tracing::info!(
            target: STATEMENT_TARGET,
            "done in {:.1} ms: {}",
            self.started.elapsed().as_secs_f64() * 1000.0,
            self.excerpt
        );
    }
}

/// Logs a catalog query: what it reads, and its SQL folded onto one line.
pub fn query(what: &str, sql: &str) {
    if tracing::enabled!(target: QUERY_TARGET, tracing::Level::DEBUG) {
        // Whole-line `--` comments would swallow the rest once folded onto one line.
        let one_line = sql
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        tracing::debug!(target: QUERY_TARGET, "catalog query ({what}): {one_line}");
    }
}
