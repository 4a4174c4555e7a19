//! OAuth 2.0 client credentials (RFC 6749 §4.4) with a cached, single-flight token.
//!
//! Written here rather than taken from the `oauth2` crate: we need one grant, our own
//! error type, our own secret handling and tokio's clock (so caching is testable with a
//! paused clock), and `oauth2` would bring a second HTTP abstraction for ~150 lines.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::{AuthHeaders, AuthProvider, AuthStamp, sensitive_value};
use crate::error::{ApiError, Error, ErrorBody, Result, TimeoutKind, quote};
use crate::http::body::{self, Ctx, DecodeCtx};
use crate::http::{TransportSettings, validate_base_url};
use crate::redact::RedactedUrl;
use crate::redact::Redaction;

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` in the form body (`client_secret_post`), as
    /// Hyperproof documents. The default.
    #[default]
    RequestBody,
    /// HTTP Basic with the URL-encoded id and secret (`client_secret_basic`).
    BasicAuth,
}

/// OAuth 2.0 client-credentials auth with a cached token.
///
/// * The token is cached until shortly before `expires_in` (the refresh skew, default
///   30 s, or half the lifetime for short-lived tokens). Without `expires_in` it is kept
///   until the API answers 401.
/// * However many calls run at once, at most one token request is in flight; the others
///   wait for it and share its token.
/// * On a 401 the token that was rejected is discarded and the call is retried once with
///   a fresh one; a second 401 is returned as an unauthorized error.
/// * Cloning shares the cache.
///
/// ```
/// use idgraph_common::auth::OAuth2ClientCredentials;
/// use secrecy::SecretString;
///
/// let auth = OAuth2ClientCredentials::builder(
///     "https://accounts.hyperproof.app/oauth/token",
///     "my-client-id",
///     SecretString::from("my-client-secret"),
/// )
/// .scope("user.read")
/// .build()?;
/// assert!(!format!("{auth:?}").contains("my-client-secret"));
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone)]
pub struct OAuth2ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    token_url: Url,
    path: String,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    method: ClientAuthMethod,
    http: reqwest::Client,
    user_agent: Option<HeaderValue>,
    timeout: Option<Duration>,
    skew: Duration,
    cache: Mutex<Option<Cached>>,
    /// Serialises token requests: the single-flight lock.
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    requests: AtomicU64,
}

#[derive(Clone)]
struct Cached {
    header: HeaderValue,
    refresh_at: Option<Instant>,
    generation: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
}

/// `expires_in` as a number or a numeric string (both are seen in the wild).
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(f64),
        S(String),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::N(n)) if n.is_finite() && n >= 0.0 => Some(n as u64),
        Some(Raw::S(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

impl OAuth2ClientCredentials {
    /// Starts building a provider for `token_url` with the given client id and secret.
    pub fn builder(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> OAuth2ClientCredentialsBuilder {
        OAuth2ClientCredentialsBuilder {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
            method: ClientAuthMethod::default(),
            skew: Duration::from_secs(30),
            transport: TransportSettings::new(),
        }
    }

    /// How many token requests this provider (and its clones) has made.
    pub fn token_requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// A cached token that is not due for refresh.
    fn fresh(&self) -> Option<Cached> {
        let cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .as_ref()
            .filter(|c| c.refresh_at.is_none_or(|at| Instant::now() < at))
            .cloned()
    }

    /// The form body of a token request, and the Basic header when the client
    /// authenticates that way. Built before any await: the form serializer is not `Send`.
    fn token_request_body(&self) -> Result<(String, Option<HeaderValue>)> {
        let i = &*self.inner;
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if !i.scopes.is_empty() {
            form.append_pair("scope", &i.scopes.join(" "));
        }
        let basic = match i.method {
            ClientAuthMethod::RequestBody => {
                form.append_pair("client_id", &i.client_id);
                form.append_pair("client_secret", i.client_secret.expose_secret());
                None
            }
            ClientAuthMethod::BasicAuth => {
                // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let raw = format!(
                    "{}:{}",
                    enc(&i.client_id),
                    enc(i.client_secret.expose_secret())
                );
                let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
                Some(sensitive_value(&format!("Basic {b64}"), "authorization")?)
            }
        };
        Ok((form.finish(), basic))
    }

    async fn fetch(&self) -> Result<Cached> {
        let i = &*self.inner;
        i.requests.fetch_add(1, Ordering::Relaxed);
        let ctx = Ctx {
            method: "POST",
            path: &i.path,
        };
        let (body, basic) = self.token_request_body()?;
        let mut rb = i
            .http
            .post(i.token_url.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(agent) = &i.user_agent {
            rb = rb.header(USER_AGENT, agent.clone());
        }
        let basic_sent = basic.clone();
        if let Some(basic) = basic {
            rb = rb.header(AUTHORIZATION, basic);
        }

        let exchange = async {
            let mut resp = rb.send().await?;
            let status = resp.status().as_u16();
            let headers = std::mem::take(resp.headers_mut());
            let body = body::read_capped(&mut resp, 64 * 1024).await;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let exchanged = match i.timeout {
            Some(limit) => {
                tokio::time::timeout(limit, exchange)
                    .await
                    .map_err(|_| Error::Timeout {
                        kind: TimeoutKind::Attempt,
                        after: limit,
                        method: "POST",
                        path: i.path.clone(),
                    })?
            }
            None => exchange.await,
        };
        let (status, headers, bytes) = match exchanged {
            Err(e) => {
                return Err(Error::Transport {
                    method: "POST",
                    path: i.path.clone(),
                    sent: !e.is_connect(),
                    source: Box::new(e.without_url()),
                });
            }
            Ok(parts) => parts,
        };
        if !(200..300).contains(&status) {
            return Err(Error::Api(Box::new(
                self.token_error(status, &headers, &bytes, basic_sent),
            )));
        }
        let token: TokenResponse = body::decode_json(
            &bytes,
            &DecodeCtx {
                status,
                ctx,
                content_type: body::content_type(&headers),
                // The body holds the access token: never quote it in an error.
                quote_body: false,
            },
        )?;
        if let Some(kind) = token.token_type.as_deref()
            && !kind.eq_ignore_ascii_case("bearer")
        {
            // The name is the server's text: a token endpoint that echoes its request
            // would put the client secret in it. Scrubbed (of the issued token too) and
            // quoted with a bounded length, like caller input.
            let redaction = self.redaction(basic_sent, Some(&token.access_token));
            return Err(Error::config(format!(
                "the token endpoint issued a {} token; only bearer tokens are supported",
                quote(&redaction.scrub(kind))
            )));
        }
        let header = sensitive_value(&format!("Bearer {}", token.access_token), "authorization")?;
        let refresh_at = token.expires_in.map(|secs| {
            let lifetime = Duration::from_secs(secs);
            let skew = if lifetime > i.skew * 2 {
                i.skew
            } else {
                lifetime / 2
            };
            Instant::now() + (lifetime - skew)
        });
        Ok(Cached {
            header,
            refresh_at,
            generation: i.generation.fetch_add(1, Ordering::Relaxed) + 1,
        })
    }
}

impl OAuth2ClientCredentials {
    /// The error for a refused token request. It quotes only RFC 6749 §5.2's `error` and
    /// `error_description`, never the raw body (a token endpoint or a proxy in front of it
    /// may echo the request, client secret included), and even those are scrubbed of the
    /// client's secrets.
    fn token_error(
        &self,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        bytes: &[u8],
        basic_sent: Option<HeaderValue>,
    ) -> ApiError {
        #[derive(Deserialize)]
        struct Rfc6749Error {
            #[serde(default)]
            error: Option<String>,
            #[serde(default)]
            error_description: Option<String>,
        }
        let i = &*self.inner;
        let parsed = serde_json::from_slice::<Rfc6749Error>(bytes)
            .ok()
            .filter(|e| e.error.is_some() || e.error_description.is_some());
        let mut api = ApiError::new(status, "POST", i.path.clone());
        api.body = match parsed {
            Some(e) => ErrorBody::Json {
                code: e.error,
                message: e.error_description,
            },
            None => ErrorBody::Empty,
        };
        api.request_id = body::request_id(headers);
        api.retry_after = body::retry_after(headers);
        if matches!(status, 400 | 401) {
            api.hint = Some(
                "the OAuth2 token endpoint rejected the client credentials: check the client id and secret, that the API client is enabled, and the requested scopes".into(),
            );
        }
        self.redaction(basic_sent, None).clean_api(&mut api);
        api
    }

    /// What a token request sent that must not come back in an error: the Basic header
    /// (when used), the client secret (sent in the form body otherwise), and an access
    /// token the answer issued.
    fn redaction(&self, basic_sent: Option<HeaderValue>, issued: Option<&str>) -> Redaction {
        let mut secrets = vec![self.inner.client_secret.clone()];
        secrets.extend(issued.map(SecretString::from));
        Redaction::new(
            basic_sent.into_iter().map(|v| (AUTHORIZATION, v)).collect(),
            None,
            Some(Arc::from(secrets)),
        )
    }
}

#[async_trait]
impl AuthProvider for OAuth2ClientCredentials {
    async fn authorize(&self, headers: &mut AuthHeaders) -> Result<AuthStamp> {
        let token = match self.fresh() {
            Some(t) => t,
            None => {
                let _single_flight = self.inner.refresh.lock().await;
                // Another task may have refreshed while we waited for the lock.
                match self.fresh() {
                    Some(t) => t,
                    None => {
                        let t = self.fetch().await?;
                        *self.inner.cache.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(t.clone());
                        t
                    }
                }
            }
        };
        headers.push(AUTHORIZATION, token.header);
        Ok(AuthStamp(token.generation))
    }

    fn secret_values(&self, out: &mut Vec<SecretString>) {
        out.push(self.inner.client_secret.clone());
    }

    async fn refresh_after_unauthorized(&self, stamp: AuthStamp) -> Result<bool> {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        // Discard the rejected token, unless another task already replaced it.
        if cache.as_ref().is_some_and(|c| c.generation == stamp.0) {
            *cache = None;
        }
        Ok(true)
    }
}

impl fmt::Debug for OAuth2ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2ClientCredentials")
            .field(
                "token_url",
                &RedactedUrl::new(self.inner.token_url.as_str()),
            )
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.inner.scopes)
            .field("method", &self.inner.method)
            .finish_non_exhaustive()
    }
}

/// Builds an [`OAuth2ClientCredentials`] provider.
#[must_use]
pub struct OAuth2ClientCredentialsBuilder {
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    method: ClientAuthMethod,
    skew: Duration,
    transport: TransportSettings,
}

impl OAuth2ClientCredentialsBuilder {
    /// Requests a scope (repeatable). Default: none (the client's default scopes).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Requests several scopes.
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// How the client authenticates to the token endpoint. Default: form body.
    pub fn client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.method = method;
        self
    }

    /// How long before expiry a token is refreshed. Default 30 s (half the lifetime for
    /// tokens that live less than a minute).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// The transport knobs of the client this provider authenticates, so that token
    /// requests travel the same way its API requests do: the connect timeout (default
    /// 5 s), the attempt timeout (as the timeout of one token request, default 30 s;
    /// [`no_attempt_timeout`](TransportSettings::no_attempt_timeout) removes it, for tests
    /// on a paused clock), your own `reqwest::Client` (its proxy, TLS roots and pool), the
    /// user agent and the plain-http opt-in
    /// ([`allow_insecure_http`](TransportSettings::allow_insecure_http): a token URL in
    /// plain `http` to a non-loopback host is refused otherwise). Taken by value, like
    /// every builder's `transport`; a knob the settings leave unset keeps its default,
    /// and calling it again replaces the earlier settings.
    ///
    /// The retry policy, retry budget and rate limiter do not apply to the token request
    /// itself: it is made inside an API attempt, which the client's policy retries (a
    /// failed token request fails that attempt), and a token is fetched about once per
    /// lifetime, so it takes no permit. The body cap is the provider's own (64 KiB: a token
    /// answer is small).
    ///
    /// ```
    /// use std::time::Duration;
    /// use idgraph_common::TransportSettings;
    /// use idgraph_common::auth::OAuth2ClientCredentials;
    ///
    /// let settings = TransportSettings::new().attempt_timeout(Duration::from_secs(10));
    /// let auth = OAuth2ClientCredentials::builder(
    ///     "https://auth.example.com/oauth/token",
    ///     "client-id",
    ///     "s3cr3t".to_owned(),
    /// )
    /// .transport(settings)
    /// .build()?;
    /// # let _ = auth;
    /// # Ok::<(), idgraph_common::Error>(())
    /// ```
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        self.transport = settings;
        self
    }

    /// Builds the provider. Fails when the token URL is unusable.
    pub fn build(self) -> Result<OAuth2ClientCredentials> {
        let transport = self.transport;
        let token_url = validate_base_url(&self.token_url, transport.allows_insecure_http())?;
        if self.client_id.is_empty() {
            return Err(Error::config("the OAuth2 client id is empty"));
        }
        let timeout = transport
            .attempt_timeout
            .unwrap_or(Some(crate::http::DEFAULT_ATTEMPT_TIMEOUT));
        // An agent that cannot be a header value is refused by the client's own build(),
        // which reads the same settings; here it is simply not sent.
        let user_agent = transport
            .user_agent
            .as_deref()
            .and_then(|agent| HeaderValue::from_str(agent).ok());
        let http = match transport.reqwest_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(
                    transport
                        .connect_timeout
                        .unwrap_or(crate::http::DEFAULT_CONNECT_TIMEOUT),
                )
                .redirect(reqwest::redirect::Policy::none())
                // Token requests are rare (about once per token lifetime): a kept-alive
                // connection buys nothing, and an idle-pool timer would be one more timer.
                .pool_max_idle_per_host(0)
                .build()
                .map_err(|e| Error::Config {
                    message: "could not create the HTTP client for the token endpoint".into(),
                    source: Some(Box::new(e)),
                })?,
        };
        Ok(OAuth2ClientCredentials {
            inner: Arc::new(Inner {
                path: token_url.path().to_owned(),
                token_url,
                client_id: self.client_id,
                client_secret: self.client_secret,
                scopes: self.scopes,
                method: self.method,
                http,
                user_agent,
                timeout,
                skew: self.skew,
                cache: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
                generation: AtomicU64::new(0),
                requests: AtomicU64::new(0),
            }),
        })
    }
}

impl fmt::Debug for OAuth2ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2ClientCredentialsBuilder")
            .field("token_url", &RedactedUrl::new(&self.token_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}
