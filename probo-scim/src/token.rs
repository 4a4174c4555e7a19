//! [`ScimToken`]: the bearer token of an organization's SCIM configuration.

idgraph_common::secret_type! {
    /// The bearer token of a Probo SCIM configuration (Organization Settings >
    /// Authentication > Auto-Provisioning). Probo shows it once, when the configuration is
    /// created or the token regenerated.
    ///
    /// The token also selects the organization: there is no organization in the URL.
    /// If a Bridge (Google Workspace or Microsoft 365 sync) is enabled, Probo regenerates
    /// the token on every sync run, so a copied token stops working within minutes.
    ///
    /// Never printed: `Debug` shows `ScimToken([redacted])`.
    ///
    /// ```
    /// use probo_scim::ScimToken;
    ///
    /// let token = ScimToken::new(std::env::var("PROBO_SCIM_TOKEN").unwrap_or_default());
    /// assert_eq!(format!("{token:?}"), "ScimToken([redacted])");
    /// ```
    pub struct ScimToken;
}
