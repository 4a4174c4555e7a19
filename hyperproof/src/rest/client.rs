//! [`RestClient`] and its builder.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use idgraph_common::auth::{Bearer, OAuth2ClientCredentials, OAuth2ClientCredentialsBuilder};
use idgraph_common::{
    ApiError, Error, HttpClient, HttpClientBuilder, RateLimiter, RedactedUrl, RetryPolicy,
};

use super::groups::Groups;
use super::roles::Roles;
use super::users::Users;
use crate::credentials::{ApiToken, ClientCredentials};
use crate::region::{DEFAULT_TOKEN_URL, Region};
use crate::{Result, USER_AGENT, endpoint_url};

/// The REST credential a client was built with.
#[derive(Clone)]
enum Credential {
    Token(ApiToken),
    Client(ClientCredentials),
}

type HttpConfig = Box<dyn FnOnce(HttpClientBuilder) -> HttpClientBuilder + Send + Sync>;
type TokenConfig =
    Box<dyn FnOnce(OAuth2ClientCredentialsBuilder) -> OAuth2ClientCredentialsBuilder + Send + Sync>;

/// A client for Hyperproof's REST API (`/v1/users`, `/v1/groups`, `/v1/roles`).
///
/// Authenticated with either a static [`ApiToken`] or OAuth2 [`ClientCredentials`];
/// never with a [`ScimToken`](crate::ScimToken), which belongs to the SCIM API. Cheap to
/// clone: clones share the connection pool and the cached access token.
///
/// ```no_run
/// use hyperproof::{ClientCredentials, ClientSecret, Region, RestClient};
///
/// # async fn run() -> hyperproof::Result<()> {
/// let client = RestClient::builder()
///     .client_credentials(
///         ClientCredentials::new("0123456789abcdef0123456789abcdef", ClientSecret::new("s3cr3t"))
///             .with_scope("user.read"),
///     )
///     .region(Region::Eu)
///     .build()?;
///
/// let me = client.users().me().send().await?;
/// println!("acting as {:?}", me.email);
/// for user in client.users().list().include_deactivated(true).send().await? {
///     println!("{:?} {:?}", user.email, user.kind);
/// }
/// # Ok(()) }
/// ```
///
/// A [`ScimToken`](crate::ScimToken) cannot authenticate it:
///
/// ```compile_fail,E0308
/// use hyperproof::{RestClient, ScimToken};
///
/// let client = RestClient::builder().api_token(ScimToken::new("scim-token")).build();
/// ```
///
/// ```compile_fail,E0308
/// use hyperproof::{RestClient, ScimToken};
///
/// let client = RestClient::builder().client_credentials(ScimToken::new("scim-token")).build();
/// ```
#[derive(Clone)]
pub struct RestClient {
    http: HttpClient,
    oauth: Option<OAuth2ClientCredentials>,
    credential: CredentialKind,
}

/// What a [`RestClient`] authenticates with (for `Debug` and hints; no secret).
#[derive(Clone, Debug)]
enum CredentialKind {
    ApiToken,
    ClientCredentials { client_id: String },
}

impl RestClient {
    /// Starts building a client. Set a credential with
    /// [`api_token`](RestClientBuilder::api_token) or
    /// [`client_credentials`](RestClientBuilder::client_credentials).
    pub fn builder() -> RestClientBuilder {
        RestClientBuilder::default()
    }

    /// `/v1/users`: the calling user and the organization's users (read-only; user
    /// lifecycle goes through SCIM).
    pub fn users(&self) -> Users {
        Users::new(self.http.clone())
    }

    /// `/v1/groups`: list, get and create groups.
    pub fn groups(&self) -> Groups {
        Groups::new(self.http.clone())
    }

    /// `/v1/roles`: the organization's roles.
    pub fn roles(&self) -> Roles {
        Roles::new(self.http.clone())
    }

    /// How many OAuth2 token requests this client (and its clones) has made; `None` when
    /// it uses a static [`ApiToken`].
    ///
    /// Tokens are cached and shared, so this stays at 1 however many calls run, until the
    /// token nears expiry or the API rejects it.
    pub fn token_requests(&self) -> Option<u64> {
        self.oauth
            .as_ref()
            .map(OAuth2ClientCredentials::token_requests)
    }

    /// The base URL requests go to (for example `https://api.hyperproof.app/v1`).
    pub fn base_url(&self) -> &str {
        self.http.base_url().as_str()
    }

    /// The underlying transport, for endpoints this crate does not wrap. Requests sent
    /// through it carry the same credentials, retries and error hints.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("credential", &self.credential)
            .field("http", &self.http)
            .field("oauth", &self.oauth)
            .finish()
    }
}

/// Builds a [`RestClient`].
///
/// | Setting | Default |
/// |---|---|
/// | credential: [`api_token`](Self::api_token) or [`client_credentials`](Self::client_credentials) | required |
/// | [`region`](Self::region) | [`Region::Us`] |
/// | [`base_url`](Self::base_url) | the region's URL (overrides the region) |
/// | [`token_url`](Self::token_url) | [`DEFAULT_TOKEN_URL`] (client credentials only) |
/// | [`retry_policy`](Self::retry_policy) | [`RetryPolicy::standard`] (429 and the quota 403 are retried, honouring `Retry-After`) |
/// | [`rate_limiter`](Self::rate_limiter) | none (Hyperproof documents no limit) |
/// | [`operation_timeout`](Self::operation_timeout) | none; each attempt is limited to 30 s |
/// | [`configure_http`](Self::configure_http), [`configure_token_provider`](Self::configure_token_provider) | no change |
///
/// Setting a credential replaces one set before: a client has exactly one.
#[must_use]
#[derive(Default)]
pub struct RestClientBuilder {
    credential: Option<Credential>,
    region: Region,
    base_url: Option<String>,
    token_url: Option<String>,
    retry: Option<RetryPolicy>,
    limiter: Option<RateLimiter>,
    operation_timeout: Option<Duration>,
    http_config: Option<HttpConfig>,
    token_config: Option<TokenConfig>,
}

impl RestClientBuilder {
    /// Authenticates with a static API token, sent as `Authorization: Bearer <token>`
    /// (the seed's "API token").
    pub fn api_token(mut self, token: ApiToken) -> Self {
        self.credential = Some(Credential::Token(token));
        self
    }

    /// Authenticates with OAuth2 client credentials: the client fetches an access token at
    /// the [token URL](Self::token_url), caches it until 30 s before it expires (shared by
    /// all clones and concurrent calls, one token request at a time), and fetches a new
    /// one once when the API answers 401.
    pub fn client_credentials(mut self, credentials: ClientCredentials) -> Self {
        self.credential = Some(Credential::Client(credentials));
        self
    }

    /// The Hyperproof instance. Default [`Region::Us`].
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// A base URL other than a region's, including the version segment, for example the
    /// seed's `https://api.hyperproof.io/v1` (that host and its "API Tokens" menu are not
    /// found in Hyperproof's documentation, but are supported), a proxy, or a test server.
    /// Must be `https` (plain `http` only to a loopback address).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The OAuth2 token URL. Default [`DEFAULT_TOKEN_URL`], for every region (see there).
    /// Ignored with an [`ApiToken`].
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// How failed attempts are retried. Default [`RetryPolicy::standard`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// A client-side rate limit shared by every clone and attempt. Default: none.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// A limit on a whole call, retries and waits included. Default: none.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Adjusts the transport: timeouts, your own `reqwest::Client` (proxies, mTLS),
    /// default headers, … Runs after this builder's own settings, so it wins for those.
    /// The base URL, the credential, the quota-403 rule, the 401/403 hints and the
    /// https-only rule are always set by this builder and cannot be changed here.
    ///
    /// Calling it again adds to what an earlier call did.
    ///
    /// For tests on tokio's paused clock, remove every timer the transport keeps while
    /// real I/O is in flight (see `testing::paused_clock_http` with the `test-util`
    /// feature):
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyperproof::{ApiToken, RestClient};
    ///
    /// let client = RestClient::builder()
    ///     .api_token(ApiToken::new("t0ken"))
    ///     .configure_http(|http| http.attempt_timeout(Duration::from_secs(10)).user_agent("my-tool/1.0"))
    ///     .build()?;
    /// # Ok::<(), hyperproof::Error>(())
    /// ```
    pub fn configure_http(
        mut self,
        f: impl FnOnce(HttpClientBuilder) -> HttpClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http_config = Some(match self.http_config.take() {
            None => Box::new(f),
            Some(prev) => Box::new(move |b| f(prev(b))),
        });
        self
    }

    /// Adjusts the OAuth2 token provider: refresh skew, token-request timeout
    /// (`no_timeout()` for paused-clock tests), client authentication method (form body
    /// by default, as Hyperproof documents; `ClientAuthMethod::BasicAuth` otherwise).
    /// Ignored with an [`ApiToken`]. Calling it again adds to what an earlier call did.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyperproof::{ClientCredentials, ClientSecret, RestClient};
    ///
    /// let client = RestClient::builder()
    ///     .client_credentials(ClientCredentials::new("id", ClientSecret::new("secret")))
    ///     .configure_token_provider(|p| p.refresh_skew(Duration::from_secs(120)))
    ///     .build()?;
    /// # Ok::<(), hyperproof::Error>(())
    /// ```
    pub fn configure_token_provider(
        mut self,
        f: impl FnOnce(OAuth2ClientCredentialsBuilder) -> OAuth2ClientCredentialsBuilder
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.token_config = Some(match self.token_config.take() {
            None => Box::new(f),
            Some(prev) => Box::new(move |b| f(prev(b))),
        });
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`Error::Config`] when no credential is set, the base or token URL is
    /// unusable (not https, or with a user name, query or fragment), or a credential
    /// cannot be sent in an HTTP header. Nothing is sent.
    pub fn build(self) -> Result<RestClient> {
        let credential = self.credential.ok_or_else(|| {
            Error::config(
                "no Hyperproof REST credential: call `api_token(ApiToken)` or `client_credentials(ClientCredentials)` on the builder (a ScimToken is for the SCIM API only)",
            )
        })?;
        let base = self
            .base_url
            .unwrap_or_else(|| self.region.api_base_url().to_owned());
        endpoint_url::check(&base, "the Hyperproof REST base URL", "the REST credential")?;

        let mut http = HttpClient::builder()
            .user_agent(USER_AGENT)
            .accept("application/json");
        if let Some(retry) = self.retry {
            http = http.retry_policy(retry);
        }
        if let Some(limiter) = self.limiter {
            http = http.rate_limiter(limiter);
        }
        if let Some(timeout) = self.operation_timeout {
            http = http.operation_timeout(timeout);
        }
        if let Some(configure) = self.http_config {
            http = configure(http);
        }

        let (http, oauth, kind) = match credential {
            Credential::Token(token) => (
                http.auth(Bearer::new(token.secret().clone())),
                None,
                CredentialKind::ApiToken,
            ),
            Credential::Client(creds) => {
                let token_url = self.token_url.as_deref().unwrap_or(DEFAULT_TOKEN_URL);
                endpoint_url::check(
                    token_url,
                    "the Hyperproof OAuth2 token URL",
                    "the client secret",
                )?;
                if creds.client_id().trim().is_empty() {
                    return Err(Error::config(
                        "the OAuth2 client id is empty: use the API client's id from Settings > API clients",
                    ));
                }
                let mut provider = OAuth2ClientCredentials::builder(
                    token_url,
                    creds.client_id(),
                    creds.client_secret().secret().clone(),
                )
                .scopes(creds.scopes().iter().cloned());
                if let Some(configure) = self.token_config {
                    provider = configure(provider);
                }
                // Always https (or loopback): the secret travels in the request body.
                let provider = provider.allow_insecure_http(false).build()?;
                (
                    http.auth(provider.clone()),
                    Some(provider),
                    CredentialKind::ClientCredentials {
                        client_id: creds.client_id().to_owned(),
                    },
                )
            }
        };
        let hint_kind = kind.clone();
        let http = http
            .base_url(base)
            .allow_insecure_http(false)
            .throttle_when(is_quota_exceeded)
            .api_error_hook(move |api| {
                if let Some(h) = rest_hint(&hint_kind, api) {
                    api.set_hint(h);
                }
            })
            .build()?;
        Ok(RestClient {
            http,
            oauth,
            credential: kind,
        })
    }
}

impl fmt::Debug for RestClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credential = match &self.credential {
            None => "none".to_owned(),
            Some(Credential::Token(t)) => format!("{t:?}"),
            Some(Credential::Client(c)) => format!("{c:?}"),
        };
        // URLs without user info, query or fragment: any of them may carry a credential
        // (`build()` refuses them, but Debug output of a builder ends up in logs first).
        f.debug_struct("RestClientBuilder")
            .field("credential", &credential)
            .field("region", &self.region)
            .field("base_url", &self.base_url.as_deref().map(RedactedUrl::new))
            .field(
                "token_url",
                &self.token_url.as_deref().map(RedactedUrl::new),
            )
            .field("retry", &self.retry)
            .field("operation_timeout", &self.operation_timeout)
            .finish_non_exhaustive()
    }
}

/// Hyperproof's transient quota signal: `403 {"statusCode":403,"message":"Bandwidth quota
/// exceeded. Try again later."}`. Retried like a 429; any other 403 is a permission error.
pub(crate) fn is_quota_exceeded(status: u16, body: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"quota exceeded";
    status == 403
        && body
            .windows(NEEDLE.len())
            .any(|w| w.eq_ignore_ascii_case(NEEDLE))
}

fn rest_hint(kind: &CredentialKind, api: &ApiError) -> Option<Cow<'static, str>> {
    const SEPARATE: &str = "The REST credentials and the SCIM token are separate: a SCIM token does not authenticate the REST API.";
    match (api.status(), kind) {
        (401, CredentialKind::ApiToken) => Some(Cow::Owned(format!(
            "Hyperproof rejected the REST API token (ApiToken): it is wrong, expired, or was rotated or revoked. {SEPARATE} API tokens can be rotated: create a new one in Hyperproof and update your configuration."
        ))),
        (401, CredentialKind::ClientCredentials { client_id }) => Some(Cow::Owned(format!(
            "Hyperproof rejected the access token issued for the OAuth2 client credentials (client id `{client_id}`), also after fetching a new one: check that the API client still exists and is enabled, and that the token URL belongs to the same Hyperproof instance as the base URL. {SEPARATE} Client secrets can be rotated in Settings > API clients: after rotating, update your configuration."
        ))),
        // A quota 403 normally ends as a rate-limit error; never call it a permission one.
        (403, _) if is_quota_exceeded(403, api.body_snippet().as_bytes()) => None,
        (403, _) => Some(Cow::Borrowed(
            "Hyperproof accepted the credential but refused the operation: the API client's role or scopes (or the token's user) lack permission for it.",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_exceeded_is_recognised_only_on_403() {
        let body = br#"{"statusCode":403,"message":"Bandwidth quota exceeded. Try again later."}"#;
        assert!(is_quota_exceeded(403, body));
        assert!(is_quota_exceeded(403, b"BANDWIDTH QUOTA EXCEEDED"));
        assert!(!is_quota_exceeded(429, body));
        assert!(!is_quota_exceeded(
            403,
            br#"{"statusCode":403,"message":"Forbidden"}"#
        ));
        assert!(!is_quota_exceeded(403, b""));
    }

    #[test]
    fn building_without_a_credential_says_which_ones_fit() {
        let err = RestClient::builder().build().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("api_token") && msg.contains("client_credentials"),
            "{msg}"
        );
    }
}
