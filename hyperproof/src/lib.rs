//! Work in progress: this crate has no client yet.
#![deny(missing_docs)]
