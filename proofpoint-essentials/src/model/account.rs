//! [`Me`]: who the interface API credential belongs to (`GET /me`).

use serde::Deserialize;
use serde_json::{Map, Value};

/// The account behind the interface API credentials, as `GET /api/v1/me` describes it.
///
/// Fields are optional because the API documents them only informally.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Me {
    /// The account type (for example `organization_admin`).
    #[serde(rename = "type", default)]
    pub account_type: Option<String>,
    /// Whether the account is an administrator.
    #[serde(default)]
    pub is_admin: Option<bool>,
    /// Whether the account is a partner (channel) administrator.
    #[serde(default)]
    pub is_partner_admin: Option<bool>,
    /// Whether the account is read-only (it then cannot create, update or delete users).
    #[serde(default)]
    pub read_only_user: Option<bool>,
    /// The kind of entity the account belongs to (`org`, `partner`, …).
    #[serde(default)]
    pub entity_type: Option<String>,
    /// The primary domain of that entity.
    #[serde(default)]
    pub entity_primary_domain: Option<String>,
    /// Fields the client does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
