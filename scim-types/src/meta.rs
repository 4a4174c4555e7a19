//! Resource metadata (`meta`, RFC 7643 §3.1).

use crate::object::scim_object;

scim_object! {
    /// Resource metadata (`meta`, RFC 7643 §3.1). Server-assigned and read-only.
    ///
    /// Timestamps are kept as the server's string, so they round-trip byte for byte (servers
    /// differ in precision and offsets, and this crate takes no date-time dependency).
    ///
    /// ```
    /// let meta: scim_types::Meta = serde_json::from_str(
    ///     r#"{"resourceType":"User","created":"2010-01-23T04:56:22Z","version":"W/\"a330bc54f0671c9\""}"#,
    /// )?;
    /// assert_eq!(meta.resource_type.as_deref(), Some("User"));
    /// assert_eq!(meta.version.as_deref(), Some("W/\"a330bc54f0671c9\""));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct Meta {
        /// The resource type name, such as `"User"` (`resourceType`).
        pub resource_type: Option<String> = "resourceType" as opt,
        /// When the resource was created, as the server's `xsd:dateTime` string (`created`).
        pub created: Option<String> = "created" as opt,
        /// When the resource last changed, as the server's string (`lastModified`).
        pub last_modified: Option<String> = "lastModified" as opt,
        /// The resource's URI; some servers send a relative one (`location`).
        pub location: Option<String> = "location" as opt,
        /// The resource's ETag, usually weak (`W/"…"`), for `If-Match` (`version`).
        pub version: Option<String> = "version" as opt,
    }
}

impl Meta {
    /// Metadata naming only the resource type.
    pub fn new(resource_type: impl Into<String>) -> Self {
        Self {
            resource_type: Some(resource_type.into()),
            ..Self::default()
        }
    }
}
