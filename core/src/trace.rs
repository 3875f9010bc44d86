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

/// Logs that `sql` starts; the returned guard logs its duration when dropped. Nothing
/// is formatted when no subscriber listens.
#[must_use = "the guard logs the duration when it is dropped"]
pub fn statement(sql: &str) -> StatementTimer {
    let excerpt = tracing::enabled!(target: STATEMENT_TARGET, tracing::Level::INFO)
        .then(|| crate::statement::shorten(sql, 160));
    if let Some(excerpt) = &excerpt {
        tracing::info!(target: STATEMENT_TARGET, "start: {excerpt}");
    }
    StatementTimer {
        started: Instant::now(),
        excerpt,
    }
}

/// Times one statement; see [`statement`].
#[derive(Debug)]
pub struct StatementTimer {
    started: Instant,
    /// The statement as the log shows it; `None` when nobody listens.
    excerpt: Option<String>,
}

impl Drop for StatementTimer {
    fn drop(&mut self) {
        if let Some(excerpt) = &self.excerpt {
            tracing::info!(
                target: STATEMENT_TARGET,
                "done in {:.1} ms: {excerpt}",
                self.started.elapsed().as_secs_f64() * 1000.0,
            );
        }
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
