//! Credential newtypes: one type per kind of secret, so that passing one where another
//! belongs does not compile, and none of them can leak through `Debug`.
//!
//! Each wraps a [`SecretString`](idgraph_common::SecretString) (zeroised on drop). The
//! secrets are exposed only where the transport builds the auth header (marked
//! sensitive), and a user's password only where the request body is serialised.

idgraph_common::secret_type! {
    /// The API key of the REST surface (the user name of HTTP Basic).
    ///
    /// ```
    /// use proofpoint_essentials::ApiKey;
    /// assert_eq!(format!("{:?}", ApiKey::new("k")), "ApiKey([redacted])");
    /// ```
    pub struct ApiKey;
}

idgraph_common::secret_type! {
    /// The API secret of the REST surface (the password of HTTP Basic).
    ///
    /// ```
    /// use proofpoint_essentials::ApiSecret;
    /// assert_eq!(format!("{:?}", ApiSecret::new("s")), "ApiSecret([redacted])");
    /// ```
    pub struct ApiSecret;
}

idgraph_common::secret_type! {
    /// The admin account of the Essentials interface API, sent as `X-User`.
    ///
    /// Treated as a secret: it is half of the credential pair.
    ///
    /// ```
    /// use proofpoint_essentials::AdminUser;
    /// assert_eq!(format!("{:?}", AdminUser::new("admin@example.com")), "AdminUser([redacted])");
    /// ```
    pub struct AdminUser;
}

idgraph_common::secret_type! {
    /// The admin password (or API key) of the Essentials interface API, sent as
    /// `X-Password`.
    ///
    /// ```
    /// use proofpoint_essentials::AdminPassword;
    /// assert_eq!(format!("{:?}", AdminPassword::new("p")), "AdminPassword([redacted])");
    /// ```
    pub struct AdminPassword;
}

idgraph_common::secret_type! {
    /// A user's own mail password: write-only. The API never returns it; the client never
    /// reads it back, logs it or shows it in `Debug`.
    ///
    /// ```
    /// use proofpoint_essentials::UserPassword;
    /// assert_eq!(format!("{:?}", UserPassword::new("Temp@1234")), "UserPassword([redacted])");
    /// ```
    pub struct UserPassword;
}
