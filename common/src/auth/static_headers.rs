//! Providers whose header never changes: bearer token, HTTP Basic, header pair.
//!
//! Each builds its sensitive header value once, at construction, so a bad credential is a
//! configuration error before any request and the per-request cost is a clone.

use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{AuthHeaders, AuthProvider, AuthStamp, header_name, sensitive_value};
use crate::error::Result;

/// `Authorization: Bearer <token>` (RFC 6750).
///
/// ```
/// use idgraph_common::auth::Bearer;
/// use secrecy::SecretString;
///
/// let auth = Bearer::new(SecretString::from("t0ken"))?;
/// assert_eq!(format!("{auth:?}"), "Bearer([redacted])");
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone)]
pub struct Bearer {
    value: HeaderValue,
}

impl Bearer {
    /// A provider that sends `token` as a bearer token.
    ///
    /// Fails when the token contains characters an HTTP header cannot carry.
    pub fn new(token: SecretString) -> Result<Self> {
        let value = sensitive_value(
            &format!("Bearer {}", token.expose_secret()),
            AUTHORIZATION.as_str(),
        )?;
        Ok(Self { value })
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
        headers.push(AUTHORIZATION, self.value.clone());
        Ok(AuthStamp::default())
    }
}

/// `Authorization: Basic base64(user:password)` (RFC 7617).
///
/// Both parts are treated as secrets: vendors such as Proofpoint use an API key as the
/// user name.
#[derive(Clone)]
pub struct Basic {
    value: HeaderValue,
}

impl Basic {
    /// A provider that sends `user` and `password` with HTTP Basic.
    pub fn new(user: &SecretString, password: &SecretString) -> Result<Self> {
        let raw = format!("{}:{}", user.expose_secret(), password.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        let value = sensitive_value(&format!("Basic {encoded}"), AUTHORIZATION.as_str())?;
        Ok(Self { value })
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
        headers.push(AUTHORIZATION, self.value.clone());
        Ok(AuthStamp::default())
    }
}

/// Two headers carrying a user and a password, such as Proofpoint Essentials'
/// `X-User` / `X-Password`. The header names are configurable.
///
/// ```
/// use idgraph_common::auth::HeaderPair;
/// use secrecy::SecretString;
///
/// let auth = HeaderPair::x_user_x_password(
///     SecretString::from("admin@example.com"),
///     SecretString::from("pa55"),
/// )?;
/// assert_eq!(format!("{auth:?}"), "HeaderPair { user_header: \"x-user\", password_header: \"x-password\", .. }");
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone)]
pub struct HeaderPair {
    user_header: HeaderName,
    user: HeaderValue,
    password_header: HeaderName,
    password: HeaderValue,
}

impl HeaderPair {
    /// A provider that sends `user` in `user_header` and `password` in `password_header`.
    pub fn new(
        user_header: &str,
        user: &SecretString,
        password_header: &str,
        password: &SecretString,
    ) -> Result<Self> {
        let user_header = header_name(user_header)?;
        let password_header = header_name(password_header)?;
        Ok(Self {
            user: sensitive_value(user.expose_secret(), user_header.as_str())?,
            password: sensitive_value(password.expose_secret(), password_header.as_str())?,
            user_header,
            password_header,
        })
    }

    /// The `X-User` / `X-Password` pair of the Proofpoint Essentials interface API.
    pub fn x_user_x_password(user: SecretString, password: SecretString) -> Result<Self> {
        Self::new("X-User", &user, "X-Password", &password)
    }
}

impl fmt::Debug for HeaderPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderPair")
            .field("user_header", &self.user_header.as_str())
            .field("password_header", &self.password_header.as_str())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AuthProvider for HeaderPair {
    async fn authorize(&self, headers: &mut AuthHeaders) -> Result<AuthStamp> {
        headers.push(self.user_header.clone(), self.user.clone());
        headers.push(self.password_header.clone(), self.password.clone());
        Ok(AuthStamp::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn basic_encodes_user_and_password() {
        let b = Basic::new(&SecretString::from("key"), &SecretString::from("secret")).unwrap();
        let mut h = AuthHeaders::default();
        b.authorize(&mut h).await.unwrap();
        assert_eq!(h.entries[0].1.to_str().unwrap(), "Basic a2V5OnNlY3JldA==");
        assert!(h.entries[0].1.is_sensitive());
    }

    #[test]
    fn bad_credentials_do_not_leak_in_the_error() {
        let err = Bearer::new(SecretString::from("abc\ndef-SECRET")).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("authorization"), "{text}");
    }

    #[test]
    fn header_pair_rejects_bad_header_names() {
        let err = HeaderPair::new(
            "X User",
            &SecretString::from("u"),
            "X-Password",
            &SecretString::from("p"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`X User`"));
    }
}
