//! [`RestClient`] and its builder.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use idgraph_common::auth::{Bearer, ClientAuthMethod, OAuth2ClientCredentials};
use idgraph_common::{ApiError, Error, HttpClient, RedactedUrl, TransportSettings};

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

/// A client for Hyperproof's REST API (`/v1/users`, `/v1/groups`, `/v1/roles`).
///
/// Authenticated with either a static [`ApiToken`] or OAuth2 [`ClientCredentials`];
/// never with a [`ScimToken`](crate::ScimToken), which belongs to the SCIM API. Cheap to
/// clone: clones share the connection pool and the cached access token.
///
/// ```no_run
/// use futures::TryStreamExt;
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
/// let me = client.users().me().await?;
/// println!("acting as {:?}", me.email);
/// let mut users = client.users().list().include_deactivated(true).stream();
/// while let Some(user) = users.try_next().await? {
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
    /// lifecycle goes through SCIM). An owned handle: a cheap clone of the client,
    /// `Send + Sync + 'static`, never borrowing it.
    pub fn users(&self) -> Users {
        Users::new(self.http.clone())
    }

    /// `/v1/groups`: list, get and create groups (an owned handle).
    pub fn groups(&self) -> Groups {
        Groups::new(self.http.clone())
    }

    /// `/v1/roles`: the organization's roles (an owned handle).
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

/// Builds a [`RestClient`]: where the API is, the credential, one [`TransportSettings`]
/// value for every transport knob (the family rule: no per-knob transport setters), and
/// the token endpoint of OAuth2 client credentials.
///
/// `Clone` (build several clients that differ in one setting), `#[must_use]`, no
/// typestate; its `Debug` shows no secret and no user info, query or fragment of a URL.
///
/// | Setting | Default |
/// |---|---|
/// | credential: [`api_token`](Self::api_token) or [`client_credentials`](Self::client_credentials) | required |
/// | [`region`](Self::region) | [`Region::Us`] |
/// | [`base_url`](Self::base_url) | the region's URL (overrides the region) |
/// | [`transport`](Self::transport) | the transport's defaults (see below) |
/// | [`token_url`](Self::token_url) | [`DEFAULT_TOKEN_URL`] (client credentials only) |
/// | [`token_client_auth`](Self::token_client_auth) | [`ClientAuthMethod::RequestBody`] (form body, as Hyperproof documents) |
/// | [`token_refresh_skew`](Self::token_refresh_skew) | 30 s before expiry |
///
/// Transport defaults, each overridden by the [`TransportSettings`] knob of the same
/// name: retry policy [`RetryPolicy::standard`](idgraph_common::RetryPolicy::standard)
/// (429 and Hyperproof's quota 403 are retried, honouring `Retry-After`; a `POST` only
/// when provably not processed), a retry budget per client, no rate limiter (Hyperproof
/// documents no limit), connect timeout 5 s, attempt timeout 30 s, no operation timeout,
/// user agent `hyperproof/<version>`, a new `reqwest::Client` that follows no redirects,
/// and the transport's 32 MiB body cap (one `GET /v1/users` answer holds every user).
///
/// Token requests of client credentials travel with the same settings (connect and
/// attempt timeout, your `reqwest::Client`, user agent, plain-http opt-in; see
/// `idgraph_common::auth::OAuth2ClientCredentialsBuilder::transport`). Plain `http` is
/// accepted only to a loopback address unless the settings
/// [allow insecure http](TransportSettings::allow_insecure_http) (the credential then
/// travels unencrypted). The quota-403 rule and the 401/403 hints are always Hyperproof's.
///
/// Setting a credential replaces one set before: a client has exactly one.
///
/// ```
/// use std::time::Duration;
/// use hyperproof::{ApiToken, Region, RestClient, TransportSettings};
///
/// let builder = RestClient::builder()
///     .api_token(ApiToken::new("t0ken"))
///     .transport(TransportSettings::new().attempt_timeout(Duration::from_secs(10)).user_agent("my-tool/1.0"));
/// let us = builder.clone().build()?;
/// let eu = builder.region(Region::Eu).build()?;
/// assert_eq!((us.base_url(), eu.base_url()), ("https://api.hyperproof.app/v1", "https://api.hyperproof.eu/v1"));
/// # Ok::<(), hyperproof::Error>(())
/// ```
#[must_use]
#[derive(Clone, Default)]
pub struct RestClientBuilder {
    credential: Option<Credential>,
    region: Region,
    base_url: Option<String>,
    token_url: Option<String>,
    transport: TransportSettings,
    token: TokenEndpoint,
}

/// How the OAuth2 token endpoint is used (client credentials only).
#[derive(Clone, Debug, Default)]
struct TokenEndpoint {
    client_auth: Option<ClientAuthMethod>,
    refresh_skew: Option<Duration>,
}

impl RestClientBuilder {
    /// Authenticates with a static API token, sent as `Authorization: Bearer <token>`
    /// (the seed's "API token").
    pub fn api_token(mut self, token: ApiToken) -> Self {
        self.credential = Some(Credential::Token(token));
        self
    }

    /// Authenticates with OAuth2 client credentials: the client fetches an access token at
    /// the [token URL](Self::token_url), caches it until shortly before it expires
    /// ([`token_refresh_skew`](Self::token_refresh_skew); shared by all clones and
    /// concurrent calls, one token request at a time), and fetches a new one once when
    /// the API answers 401.
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

    /// Every transport knob of the API requests at once: timeouts, retry policy and
    /// budget, rate limiter, user agent, your own `reqwest::Client`, the body cap. A knob
    /// the settings leave unset keeps this crate's default (see the table above). Calling
    /// it again replaces the earlier settings.
    ///
    /// The token requests of client credentials use the same settings: the attempt
    /// timeout bounds one token request, and your `reqwest::Client`, user agent and
    /// plain-http opt-in apply to it too. A call's operation timeout covers the token
    /// request the call waits for.
    ///
    /// For tests on tokio's paused clock, use
    /// `TransportSettings::new().no_attempt_timeout().reqwest_client(idgraph_common::testing::paused_clock_reqwest_client())`
    /// (the `test-util` fake's `transport()` gives exactly that).
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        self.transport = settings;
        self
    }

    /// The OAuth2 token URL. Default [`DEFAULT_TOKEN_URL`], for every region (see there).
    /// Always `https` (plain `http` only to a loopback address): the client secret
    /// travels in the request. Ignored with an [`ApiToken`].
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// How the client authenticates to the token endpoint. Default
    /// [`ClientAuthMethod::RequestBody`] (`client_id` and `client_secret` in the form
    /// body, as Hyperproof documents); [`ClientAuthMethod::BasicAuth`] sends them as
    /// HTTP Basic. Ignored with an [`ApiToken`].
    ///
    /// ```
    /// use hyperproof::{ClientAuthMethod, ClientCredentials, ClientSecret, RestClient};
    ///
    /// let client = RestClient::builder()
    ///     .client_credentials(ClientCredentials::new("id", ClientSecret::new("secret")))
    ///     .token_client_auth(ClientAuthMethod::BasicAuth)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), hyperproof::Error>(())
    /// ```
    pub fn token_client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.token.client_auth = Some(method);
        self
    }

    /// How long before its expiry a cached access token is replaced. Default 30 s (half
    /// the lifetime for tokens that live less than a minute). Ignored with an
    /// [`ApiToken`].
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.token.refresh_skew = Some(skew);
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`Error::Config`] when no credential is set (naming `api_token` and
    /// `client_credentials`), the base or token URL is unusable (not https, or with a
    /// user name, query or fragment), a credential cannot be sent in an HTTP header, or
    /// a transport setting is inconsistent. Nothing is sent.
    pub fn build(self) -> Result<RestClient> {
        let credential = self.credential.ok_or_else(|| {
            Error::config(
                "no Hyperproof REST credential: call `api_token(ApiToken)` or `client_credentials(ClientCredentials)` on the builder (a ScimToken is for the SCIM API only)",
            )
        })?;
        let base = self
            .base_url
            .unwrap_or_else(|| self.region.api_base_url().to_owned());
        let insecure = self.transport.allows_insecure_http();
        endpoint_url::check(
            &base,
            "the Hyperproof REST base URL",
            "the REST credential",
            insecure,
        )?;

        // Vendor defaults first, then whatever the caller's settings set.
        let http = HttpClient::builder()
            .user_agent(USER_AGENT)
            .accept("application/json")
            .transport(self.transport.clone());

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
                    insecure,
                )?;
                if creds.client_id().trim().is_empty() {
                    return Err(Error::config(
                        "the OAuth2 client id is empty: use the API client's id from Settings > API clients",
                    ));
                }
                let provider = token_provider(token_url, &creds, &self.token, &self.transport)?;
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

/// The OAuth2 provider for `creds` at `token_url`, with the builder's token settings.
fn token_provider(
    token_url: &str,
    creds: &ClientCredentials,
    settings: &TokenEndpoint,
    transport: &TransportSettings,
) -> Result<OAuth2ClientCredentials> {
    let mut provider = OAuth2ClientCredentials::builder(
        token_url,
        creds.client_id(),
        creds.client_secret().secret().clone(),
    )
    .scopes(creds.scopes().iter().cloned());
    if let Some(method) = settings.client_auth {
        provider = provider.client_auth(method);
    }
    if let Some(skew) = settings.refresh_skew {
        provider = provider.refresh_skew(skew);
    }
    provider.transport(transport.clone()).build()
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
            .field("transport", &self.transport)
            .field("token_endpoint", &self.token)
            .finish()
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
            "Hyperproof rejected the access token issued for the OAuth2 client credentials (client id {}), also after fetching a new one: check that the API client still exists and is enabled, and that the token URL belongs to the same Hyperproof instance as the base URL. {SEPARATE} Client secrets can be rotated in Settings > API clients: after rotating, update your configuration.",
            idgraph_common::error::quote(client_id)
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
