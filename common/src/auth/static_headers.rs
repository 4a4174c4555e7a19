//! Providers whose header never changes: bearer token, HTTP Basic, header pair.
//!
//! Each builds its sensitive header value once, at construction, so the per-request cost
//! is a clone. Construction never fails (one way to make each, like every secret type of
//! the family); a credential that cannot travel in a header (a line break in it) is a
//! configuration error from the client builder's `build()`, before any request.

use std::borrow::Cow;
use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{AuthHeaders, AuthProvider, AuthStamp, header_name, sensitive_value};
use crate::error::{Error, Result};

/// `Authorization: Bearer <token>` (RFC 6750).
///
/// ```
/// use idgraph_common::auth::Bearer;
/// use secrecy::SecretString;
///
/// let auth = Bearer::new(SecretString::from("t0ken"));
/// assert_eq!(format!("{auth:?}"), "Bearer([redacted])");
/// ```
#[derive(Clone)]
pub struct Bearer {
    /// `None` when the token cannot be a header value (reported by `validate`).
    value: Option<HeaderValue>,
}

impl Bearer {
    /// A provider that sends `token` as a bearer token. A token with characters an HTTP
    /// header cannot carry is refused by the client's `build()`.
    pub fn new(token: impl Into<SecretString>) -> Self {
        let token = token.into();
        let value = sensitive_value(
            &format!("Bearer {}", token.expose_secret()),
            AUTHORIZATION.as_str(),
        )
        .ok();
        Self { value }
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer([redacted])")
    }
}

#[async_trait]
impl AuthProvider for Bearer {
    async fn authorize(&self, headers: &mut AuthHeaders) -> Result<AuthStamp> {
        headers.push(AUTHORIZATION, usable(&self.value, "bearer token")?.clone());
        Ok(AuthStamp::default())
    }

    fn validate(&self) -> Result<()> {
        usable(&self.value, "bearer token").map(drop)
    }
}

/// The prepared header value, or the configuration error that names the credential
/// (never its value).
fn usable<'a>(value: &'a Option<HeaderValue>, what: &str) -> Result<&'a HeaderValue> {
    value.as_ref().ok_or_else(|| {
        Error::config(format!(
            "the {what} contains characters that cannot travel in an HTTP header (control characters or line breaks)"
        ))
    })
}

/// `Authorization: Basic base64(user:password)` (RFC 7617).
///
/// Both parts are treated as secrets: vendors such as Proofpoint use an API key as the
/// user name.
#[derive(Clone)]
pub struct Basic {
    /// Always a valid header value (base64 is); `Option` only to share `usable`.
    value: Option<HeaderValue>,
}

impl Basic {
    /// A provider that sends `user` and `password` with HTTP Basic.
    ///
    /// ```
    /// use idgraph_common::auth::Basic;
    ///
    /// let auth = Basic::new("api-key", "api-secret");
    /// assert_eq!(format!("{auth:?}"), "Basic([redacted])");
    /// ```
    pub fn new(user: impl Into<SecretString>, password: impl Into<SecretString>) -> Self {
        let (user, password) = (user.into(), password.into());
        let raw = format!("{}:{}", user.expose_secret(), password.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        let value = sensitive_value(&format!("Basic {encoded}"), AUTHORIZATION.as_str()).ok();
        Self { value }
    }
}

impl fmt::Debug for Basic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Basic([redacted])")
    }
}

#[async_trait]
impl AuthProvider for Basic {
    async fn authorize(&self, headers: &mut AuthHeaders) -> Result<AuthStamp> {
        headers.push(
            AUTHORIZATION,
            usable(&self.value, "Basic credential")?.clone(),
        );
        Ok(AuthStamp::default())
    }

    fn validate(&self) -> Result<()> {
        usable(&self.value, "Basic credential").map(drop)
    }
}

/// Two headers carrying a user and a password, such as Proofpoint Essentials'
/// `X-User` / `X-Password`. The header names are configurable.
///
/// ```
/// use idgraph_common::auth::HeaderPair;
/// use secrecy::SecretString;
///
/// let auth = HeaderPair::x_user_x_password("admin@example.com", SecretString::from("pa55"));
/// assert_eq!(format!("{auth:?}"), "HeaderPair { user_header: \"X-User\", password_header: \"X-Password\", .. }");
/// ```
#[derive(Clone)]
pub struct HeaderPair {
    user_header: String,
    password_header: String,
    /// Both headers, prepared; or the configuration problem `validate` reports.
    prepared: std::result::Result<[(HeaderName, HeaderValue); 2], Cow<'static, str>>,
}

impl HeaderPair {
    /// A provider that sends `user` in `user_header` and `password` in `password_header`.
    /// An invalid header name, or a credential a header cannot carry, is refused by the
    /// client's `build()`.
    pub fn new(
        user_header: &str,
        user: impl Into<SecretString>,
        password_header: &str,
        password: impl Into<SecretString>,
    ) -> Self {
        let (user, password) = (user.into(), password.into());
        let prepare = || -> Result<[(HeaderName, HeaderValue); 2]> {
            let un = header_name(user_header)?;
            let pn = header_name(password_header)?;
            let uv = sensitive_value(user.expose_secret(), un.as_str())?;
            let pv = sensitive_value(password.expose_secret(), pn.as_str())?;
            Ok([(un, uv), (pn, pv)])
        };
        Self {
            user_header: user_header.to_owned(),
            password_header: password_header.to_owned(),
            // The message alone: `validate` makes it a configuration error again, and
            // the whole `Display` would say "client configuration error" twice.
            prepared: prepare().map_err(|e| match e {
                Error::Config { message, .. } => message,
                other => Cow::Owned(other.to_string()),
            }),
        }
    }

    /// The `X-User` / `X-Password` pair of the Proofpoint Essentials interface API.
    pub fn x_user_x_password(
        user: impl Into<SecretString>,
        password: impl Into<SecretString>,
    ) -> Self {
        Self::new("X-User", user, "X-Password", password)
    }

    fn headers(&self) -> Result<&[(HeaderName, HeaderValue); 2]> {
        self.prepared
            .as_ref()
            .map_err(|message| Error::config(message.clone()))
    }
}

impl fmt::Debug for HeaderPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderPair")
            .field("user_header", &self.user_header)
            .field("password_header", &self.password_header)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AuthProvider for HeaderPair {
    async fn authorize(&self, headers: &mut AuthHeaders) -> Result<AuthStamp> {
        for (name, value) in self.headers()? {
            headers.push(name.clone(), value.clone());
        }
        Ok(AuthStamp::default())
    }

    fn validate(&self) -> Result<()> {
        self.headers().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn basic_encodes_user_and_password() {
        let b = Basic::new("key", SecretString::from("secret"));
        let mut h = AuthHeaders::default();
        b.authorize(&mut h).await.unwrap();
        assert_eq!(h.entries[0].1.to_str().unwrap(), "Basic a2V5OnNlY3JldA==");
        assert!(h.entries[0].1.is_sensitive());
    }

    #[test]
    fn bad_credentials_do_not_leak_in_the_error() {
        let err = Bearer::new(SecretString::from("abc\ndef-SECRET"))
            .validate()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("bearer token"), "{text}");
        let err = HeaderPair::x_user_x_password("u", "p\r\nSECRET")
            .validate()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("SECRET") && text.contains("x-password"),
            "{text}"
        );
    }

    #[test]
    fn header_pair_rejects_bad_header_names() {
        let err = HeaderPair::new("X User", "u", "X-Password", "p")
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("`X User`"), "{err}");
    }

    #[tokio::test]
    async fn an_unusable_credential_is_an_error_at_use_too() {
        let mut h = AuthHeaders::default();
        assert!(Bearer::new("a\nb").authorize(&mut h).await.is_err());
        assert!(h.entries.is_empty());
    }
}
