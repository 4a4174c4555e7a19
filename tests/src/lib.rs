//! Shared helpers for the cross-crate tests, examples and benchmarks (not published).

pub mod redis_env;
