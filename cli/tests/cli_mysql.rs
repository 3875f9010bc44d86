//! MySQL command-line tests.
