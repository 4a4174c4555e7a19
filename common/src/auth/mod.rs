//! Auth providers: how a request proves who sends it.
//!
//! Built in: [`Bearer`] (RFC 6750), [`Basic`] (RFC 7617), [`HeaderPair`] (two custom
//! headers such as Proofpoint Essentials' `X-User` / `X-Password`) and
//! [`OAuth2ClientCredentials`] (RFC 6749 §4.4, with a cached, single-flight token).
//! Implement [`AuthProvider`] for anything else.
//!
//! Every secret is held as a [`SecretString`] and exposed in exactly one place: where the
//! provider builds its header value, which is marked sensitive. No provider's `Debug`
//! shows a secret.

mod oauth2;
mod static_headers;

use std::fmt;

use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result, quote};

pub use oauth2::{ClientAuthMethod, OAuth2ClientCredentials, OAuth2ClientCredentialsBuilder};
pub use static_headers::{Basic, Bearer, HeaderPair};

/// Identifies which credentials an attempt carried, so that a 401 invalidates exactly
/// those and not a token another task has refreshed in the meantime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AuthStamp(pub u64);

/// Adds credentials to outgoing requests.
///
/// The transport calls [`authorize`](AuthProvider::authorize) once per attempt, retries
/// included, and [`refresh_after_unauthorized`](AuthProvider::refresh_after_unauthorized)
/// when the server answers 401. Implementations must be cheap to call concurrently.
///
/// ```
/// use async_trait::async_trait;
/// use idgraph_common::auth::{AuthHeaders, AuthProvider, AuthStamp};
/// use secrecy::SecretString;
///
/// /// Sends a per-tenant key in a custom header.
/// #[derive(Debug)]
/// struct TenantKey(SecretString);
///
/// #[async_trait]
/// impl AuthProvider for TenantKey {
///     async fn authorize(&self, headers: &mut AuthHeaders) -> idgraph_common::Result<AuthStamp> {
///         headers.insert_secret("x-tenant-key", &self.0)?;
///         Ok(AuthStamp::default())
///     }
/// }
/// ```
#[async_trait]
pub trait AuthProvider: Send + Sync + fmt::Debug + 'static {
    /// Adds this provider's headers for one attempt and says which credentials it used.
    async fn authorize(&self, headers: &mut AuthHeaders) -> Result<AuthStamp>;

    /// The server answered 401 to an attempt that carried `stamp`. Return `true` when the
    /// provider now holds different credentials worth exactly one more attempt (for
    /// example after discarding an OAuth2 token), `false` when retrying cannot help.
    async fn refresh_after_unauthorized(&self, stamp: AuthStamp) -> Result<bool> {
        let _ = stamp;
        Ok(false)
    }

    /// Secrets this provider holds beyond the header values it adds (which the transport
    /// knows already), for example an OAuth2 client secret. Before any response text is
    /// quoted in an error, the transport removes every secret in every form it could come
    /// back in (as is, base64, percent- and JSON-encoded). Default: none.
    fn secret_values(&self, out: &mut Vec<SecretString>) {
        let _ = out;
    }

    /// Checks the provider's configuration without sending anything; the client
    /// builder's `build()` calls it, so an unusable credential is a configuration error
    /// before the first request. Default: nothing to check.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// The headers a provider adds to one attempt. Values are always marked sensitive.
#[derive(Default)]
pub struct AuthHeaders {
    pub(crate) entries: Vec<(HeaderName, HeaderValue)>,
}

impl AuthHeaders {
    /// Adds a header whose value is a secret. The value is marked sensitive, so HTTP
    /// logging layers do not print it, and an invalid value produces an error that does
    /// not contain it.
    pub fn insert_secret(&mut self, name: &str, value: &SecretString) -> Result<()> {
        let name = header_name(name)?;
        let value = sensitive_value(value.expose_secret(), name.as_str())?;
        self.entries.push((name, value));
        Ok(())
    }

    /// Adds a prepared header value (crate-internal fast path for static credentials).
    pub(crate) fn push(&mut self, name: HeaderName, value: HeaderValue) {
        self.entries.push((name, value));
    }
}

impl fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|(n, _)| format!("{n}: [redacted]")))
            .finish()
    }
}

/// Parses a header name, with an error that names it.
pub(crate) fn header_name(name: &str) -> Result<HeaderName> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::config(format!("{} is not a valid HTTP header name", quote(name))))
}

/// Builds a sensitive header value; the error names the header, never the value.
pub(crate) fn sensitive_value(value: &str, header: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "the credential for the {} header contains characters that are not allowed in an HTTP header (control characters or line breaks)",
            quote(header)
        ))
    })?;
    v.set_sensitive(true);
    Ok(v)
}
