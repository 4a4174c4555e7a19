//! What each app in the identity graph offers, as typed data.
//!
//! Skeleton: the identity-graph work (issue 7) fills in every field the seeds state.

use serde::Serialize;

/// An app of the identity graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum App {
    /// Proof (no user API; SAML JIT only).
    Proof,
    /// Hyperproof (REST + SCIM).
    Hyperproof,
    /// Proofpoint Essentials (REST users and groups).
    ProofpointEssentials,
    /// Tessian (no user API; IdP-driven).
    Tessian,
    /// Probo (SCIM 2.0 + Bridge).
    Probo,
}

/// One app's entry in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CatalogEntry {
    /// Which app.
    pub app: App,
    /// Its display name.
    pub name: &'static str,
}

static ENTRIES: [CatalogEntry; 5] = [
    CatalogEntry {
        app: App::Proof,
        name: "Proof",
    },
    CatalogEntry {
        app: App::Hyperproof,
        name: "Hyperproof",
    },
    CatalogEntry {
        app: App::ProofpointEssentials,
        name: "Proofpoint Essentials",
    },
    CatalogEntry {
        app: App::Tessian,
        name: "Tessian",
    },
    CatalogEntry {
        app: App::Probo,
        name: "Probo",
    },
];

/// The catalog entry of `app`.
pub fn entry(app: App) -> &'static CatalogEntry {
    match app {
        App::Proof => &ENTRIES[0],
        App::Hyperproof => &ENTRIES[1],
        App::ProofpointEssentials => &ENTRIES[2],
        App::Tessian => &ENTRIES[3],
        App::Probo => &ENTRIES[4],
    }
}

/// Every entry.
pub fn all() -> &'static [CatalogEntry] {
    &ENTRIES
}
