//! What the Schema Replicator dialects built on `diesel` share, whatever their backend:
//! the core crate has no driver, so helpers that need diesel's types live here.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};

/// Counts every statement `conn` starts into `counter` (a reflection's cost, reported
/// as `Reflection::queries`). Several connections may share one counter.
pub fn count_queries<C: Connection>(conn: &mut C, counter: &Arc<AtomicU64>) {
    let seen = counter.clone();
    let instrumentation = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            seen.fetch_add(1, Ordering::Relaxed);
        }
    };
    conn.set_instrumentation(Box::new(instrumentation) as Box<dyn Instrumentation>);
}
