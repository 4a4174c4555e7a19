//! The identity-graph layer: one [`UserDirectory`] trait for every app, a catalog of
//! what each app offers, safe reconciliation against a source directory, and the Bridge
//! sync loop.

pub mod catalog;
mod directory;

pub use catalog::{App, CatalogEntry};
pub use directory::{DirectoryUser, Email, UserDirectory};
