//! MySQL round trips.
