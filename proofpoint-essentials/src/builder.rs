//! [`ClientBuilder`]: one builder for both API surfaces; the surface is chosen by which
//! settings are given, and `build()` refuses a mix of the two.

use std::fmt;

use idgraph_common::auth::{Basic, HeaderPair};
use idgraph_common::{
    ExposeSecret, HttpClient, HttpClientBuilder, RateLimiter, RedactedUrl, TransportSettings,
};

use crate::client::{Client, Inner, Surface};
use crate::credentials::{AdminPassword, AdminUser, ApiKey, ApiSecret};
use crate::errors;
use crate::password::PasswordPolicy;
use crate::stack::Stack;
use crate::{Error, Result};

/// The REST surface's default base URL, as the seed gives it.
pub const DEFAULT_REST_BASE_URL: &str = "https://api.proofpoint.com/v2";

/// The REST surface's documented rate limit: requests per minute per API key.
pub const REST_REQUESTS_PER_MINUTE: u32 = 100;

/// Default number of users per interface API batch create.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// The interface API's default cap on a success body: 256 MiB. The interface API does not
/// page, so one answer carries every user of the organization (about 0.5 KiB each); the
/// transport's usual 32 MiB would refuse the listing of a large organization. The REST
/// surface pages (at most 1,000 users a page) and keeps the transport's default.
pub const INTERFACE_MAX_RESPONSE_BODY: usize = 256 * 1024 * 1024;

/// The `User-Agent` both surfaces send unless the transport settings name another.
const USER_AGENT: &str = concat!("proofpoint-essentials/", env!("CARGO_PKG_VERSION"));

/// Builds a [`Client`] for one of the two API surfaces, chosen by the settings given:
///
/// | Setting | Surface | Default |
/// |---|---|---|
/// | [`api_key`](Self::api_key), [`api_secret`](Self::api_secret) | REST | required |
/// | [`base_url`](Self::base_url) | REST | `https://api.proofpoint.com/v2` |
/// | [`stack`](Self::stack) | interface | required by `build` ([`discover`](Self::discover) finds it) |
/// | [`org_domain`](Self::org_domain), [`admin_user`](Self::admin_user), [`admin_password`](Self::admin_password) | interface | required |
/// | [`batch_size`](Self::batch_size) | interface | 100 users per create request |
/// | [`transport`](Self::transport) | both | see below |
/// | [`password_policy`](Self::password_policy) | both | [`PasswordPolicy::generated`] (REST); no password on the interface API |
///
/// Setting any REST setting and any interface setting on one builder is an
/// [`Error::Config`] from [`build`](Self::build) naming them, as is a missing required
/// setting (named by its setter). `build` validates everything and sends nothing.
///
/// Transport knobs come in one [`TransportSettings`]. A knob it leaves unset keeps this
/// crate's default:
///
/// | Knob | Default |
/// |---|---|
/// | rate limiter | REST: 100 requests/minute ([`REST_REQUESTS_PER_MINUTE`], GCRA, burst 1), per client and shared by its clones; interface: none (no limit is documented). [`TransportSettings::rate_limiter`] replaces it (share one limiter between the clients of one API key), [`TransportSettings::no_rate_limiter`] removes it |
/// | retry policy | [`RetryPolicy::standard`](crate::RetryPolicy::standard): 429 is retried with full-jitter backoff (the API promises no `Retry-After`) |
/// | user agent | `proofpoint-essentials/<version>` |
/// | response body cap | REST: 32 MiB (the transport's); interface: [`INTERFACE_MAX_RESPONSE_BODY`] |
/// | timeouts, retry budget, own `reqwest::Client`, plain http | the transport's (5 s connect, 30 s per attempt, no overall limit; https only, or http to loopback) |
///
/// ```
/// use std::time::Duration;
/// use proofpoint_essentials::{
///     AdminPassword, AdminUser, ApiKey, ApiSecret, Client, Stack, Surface, TransportSettings,
/// };
///
/// let rest = Client::builder()
///     .api_key(ApiKey::new("key"))
///     .api_secret(ApiSecret::new("secret"))
///     .transport(TransportSettings::new().operation_timeout(Duration::from_secs(120)))
///     .build()?;
/// assert_eq!(rest.surface(), Surface::RestV2);
/// assert_eq!(rest.base_url(), "https://api.proofpoint.com/v2");
///
/// let real = Client::builder()
///     .stack(Stack::Us1)
///     .org_domain("example.com")
///     .admin_user(AdminUser::new("admin@example.com"))
///     .admin_password(AdminPassword::new("pa55"))
///     .build()?;
/// assert_eq!(real.base_url(), "https://us1.proofpointessentials.com/api/v1");
///
/// // The two surfaces' settings do not mix.
/// let mixed = Client::builder().api_key(ApiKey::new("key")).stack(Stack::Us1).build();
/// assert!(mixed.unwrap_err().to_string().contains("ClientBuilder::stack"));
///
/// // Nothing secret shows.
/// assert!(!format!("{rest:?} {real:?}").contains("secret"));
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ClientBuilder {
    rest: RestSettings,
    interface: InterfaceSettings,
    transport: TransportSettings,
    password_policy: PasswordPolicy,
}

#[derive(Clone, Default)]
struct RestSettings {
    api_key: Option<ApiKey>,
    api_secret: Option<ApiSecret>,
    base_url: Option<String>,
}

#[derive(Clone, Default)]
struct InterfaceSettings {
    stack: Option<Stack>,
    org_domain: Option<String>,
    admin_user: Option<AdminUser>,
    admin_password: Option<AdminPassword>,
    batch_size: Option<usize>,
}

impl RestSettings {
    /// The setters that were called, for error messages.
    fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.api_key.is_some() {
            out.push("ClientBuilder::api_key");
        }
        if self.api_secret.is_some() {
            out.push("ClientBuilder::api_secret");
        }
        if self.base_url.is_some() {
            out.push("ClientBuilder::base_url");
        }
        out
    }
}

impl InterfaceSettings {
    /// The setters that were called, for error messages.
    fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.stack.is_some() {
            out.push("ClientBuilder::stack");
        }
        if self.org_domain.is_some() {
            out.push("ClientBuilder::org_domain");
        }
        if self.admin_user.is_some() {
            out.push("ClientBuilder::admin_user");
        }
        if self.admin_password.is_some() {
            out.push("ClientBuilder::admin_password");
        }
        if self.batch_size.is_some() {
            out.push("ClientBuilder::batch_size");
        }
        out
    }
}

impl ClientBuilder {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// REST surface: the API key (HTTP Basic user name). Required there.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.rest.api_key = Some(key);
        self
    }

    /// REST surface: the API secret (HTTP Basic password). Required there.
    pub fn api_secret(mut self, secret: ApiSecret) -> Self {
        self.rest.api_secret = Some(secret);
        self
    }

    /// REST surface: the base URL. Default `https://api.proofpoint.com/v2`
    /// ([`DEFAULT_REST_BASE_URL`]). Must be `https`, or `http` to a loopback address (a
    /// local fake) unless [`TransportSettings::allow_insecure_http`] is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.rest.base_url = Some(url.into());
        self
    }

    /// Interface API: the stack the organization lives on. Required by
    /// [`build`](Self::build); with [`discover`](Self::discover) it is only where the
    /// question is asked (default `us1`).
    pub fn stack(mut self, stack: Stack) -> Self {
        self.interface.stack = Some(stack);
        self
    }

    /// Interface API: the organization's primary domain, for example `example.com`.
    /// Required there.
    pub fn org_domain(mut self, domain: impl Into<String>) -> Self {
        self.interface.org_domain = Some(domain.into());
        self
    }

    /// Interface API: the admin account, sent as `X-User`. Required there.
    pub fn admin_user(mut self, user: AdminUser) -> Self {
        self.interface.admin_user = Some(user);
        self
    }

    /// Interface API: the admin password or API key, sent as `X-Password`. Required there.
    pub fn admin_password(mut self, password: AdminPassword) -> Self {
        self.interface.admin_password = Some(password);
        self
    }

    /// Interface API: users per batch create request. Default 100
    /// ([`DEFAULT_BATCH_SIZE`]); the server's own limit is not documented, so lower it if
    /// large batches are refused. At least 1 (`build` refuses 0).
    pub fn batch_size(mut self, users: usize) -> Self {
        self.interface.batch_size = Some(users);
        self
    }

    /// Every transport knob (timeouts, retry policy and budget, rate limiter, user agent,
    /// your own `reqwest::Client`, plain http, body cap) in one value; it replaces any
    /// value given before. Knobs it leaves unset keep this crate's defaults (see the table
    /// above): on the REST surface the 100 requests/minute limiter stays unless the
    /// settings set a limiter or [`TransportSettings::no_rate_limiter`].
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        self.transport = settings;
        self
    }

    /// How the identity-graph view ([`UserDirectory::create_user`] and
    /// [`UserDirectory::rename_user`]) chooses the temporary password of the accounts
    /// it creates. Default [`PasswordPolicy::generated`]: on the REST surface, whose
    /// creates require a password, a fresh one from the operating system's CSPRNG, never
    /// shown; on the interface API no password unless the policy is
    /// [`PasswordPolicy::per_user`]. Valid for both surfaces (it chooses neither).
    ///
    /// [`Users::create`](crate::Users::create) is not affected: it sends the
    /// [`NewUser`](crate::NewUser) it is given.
    ///
    /// [`UserDirectory::create_user`]: idgraph_common::graph::UserDirectory::create_user
    /// [`UserDirectory::rename_user`]: idgraph_common::graph::UserDirectory::rename_user
    pub fn password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.password_policy = policy;
        self
    }

    /// Builds the client for the surface the settings choose. Sends nothing.
    ///
    /// Fails with [`Error::Config`] naming the setters when settings of both surfaces
    /// are given, when none are, when a required one is missing (REST: `api_key`,
    /// `api_secret`; interface: `stack`, `org_domain`, `admin_user`, `admin_password`),
    /// when the base URL or stack is unusable, the domain is not a plausible domain, the
    /// batch size is 0, a credential cannot be sent in a header, or a transport setting
    /// is inconsistent.
    pub fn build(self) -> Result<Client> {
        match self.surface()? {
            Surface::RestV2 => self.build_rest(),
            Surface::InterfaceV1 => {
                let stack = self.interface.stack.clone().ok_or_else(|| {
                    Error::config(
                        "the interface API needs a stack: call ClientBuilder::stack, or ClientBuilder::discover to ask which stack serves the domain",
                    )
                })?;
                self.build_interface(stack)
            }
        }
    }

    /// Interface API: asks `GET /endpoints/{domain}` on the configured stack (default
    /// `us1`) which stack serves the organization, then builds the client for that stack.
    ///
    /// Only a public stack (https, `*.proofpointessentials.com`) or the host that was
    /// asked is accepted, since the client sends its credentials there. Fails with
    /// [`Error::Config`] before sending anything when the settings are not the interface
    /// API's or one is missing (as [`build`](Self::build)), and after asking when the
    /// answer names no such stack.
    ///
    /// ```no_run
    /// use proofpoint_essentials::{AdminPassword, AdminUser, Client};
    ///
    /// # async fn run() -> proofpoint_essentials::Result<()> {
    /// let client = Client::builder()
    ///     .org_domain("example.com")
    ///     .admin_user(AdminUser::new("admin@example.com"))
    ///     .admin_password(AdminPassword::new("pa55"))
    ///     .discover()
    ///     .await?;
    /// println!("on {}", client.stack().map(ToString::to_string).unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn discover(self) -> Result<Client> {
        if !self.rest.given().is_empty() {
            return Err(self.mixed_error());
        }
        let asked = self.interface.stack.clone().unwrap_or(Stack::Us1);
        let probe = self.clone().build_interface(asked.clone())?;
        let domain = probe.org_domain().unwrap_or_default().to_owned();
        let stacks = probe.endpoints(&domain).await?;
        let Some(stack) = stacks.into_iter().next() else {
            return Err(Error::config(format!(
                "stack discovery on {asked} named no trusted stack for {}; set the stack with ClientBuilder::stack",
                idgraph_common::error::quote(&domain)
            )));
        };
        if stack == asked {
            return Ok(probe);
        }
        self.build_interface(stack)
    }

    /// Which surface the given settings choose.
    fn surface(&self) -> Result<Surface> {
        match (
            self.rest.given().is_empty(),
            self.interface.given().is_empty(),
        ) {
            (false, true) => Ok(Surface::RestV2),
            (true, false) => Ok(Surface::InterfaceV1),
            (false, false) => Err(self.mixed_error()),
            (true, true) => Err(Error::config(
                "no API surface chosen: call ClientBuilder::api_key and ClientBuilder::api_secret (the REST surface), or ClientBuilder::stack, ClientBuilder::org_domain, ClientBuilder::admin_user and ClientBuilder::admin_password (the Essentials interface API; ClientBuilder::discover finds the stack)",
            )),
        }
    }

    fn mixed_error(&self) -> Error {
        Error::config(format!(
            "settings of both API surfaces were given: {} (REST surface) and {} (interface API); a client talks to one surface, so keep one of the two sets",
            self.rest.given().join(", "),
            self.interface.given().join(", "),
        ))
    }

    /// The transport with this crate's defaults for `surface`, then the caller's settings.
    fn http(&self, surface: Surface) -> Result<HttpClientBuilder> {
        let mut b = HttpClient::builder()
            .user_agent(USER_AGENT)
            .api_error_hook(errors::hook(surface));
        b = match surface {
            // A fresh limiter per built client (its clones share it): the documented
            // limit is per API key, and a caller with several clients of one key passes
            // one shared limiter in the settings.
            Surface::RestV2 => b.rate_limiter(RateLimiter::per_minute(REST_REQUESTS_PER_MINUTE)?),
            Surface::InterfaceV1 => b.max_response_body(INTERFACE_MAX_RESPONSE_BODY),
        };
        Ok(b.transport(self.transport.clone()))
    }

    fn build_rest(self) -> Result<Client> {
        let s = &self.rest;
        let missing: Vec<&str> = [
            (
                s.api_key.is_none(),
                "an API key: call ClientBuilder::api_key",
            ),
            (
                s.api_secret.is_none(),
                "an API secret: call ClientBuilder::api_secret",
            ),
        ]
        .into_iter()
        .filter_map(|(missing, what)| missing.then_some(what))
        .collect();
        let (Some(key), Some(secret)) = (&s.api_key, &s.api_secret) else {
            return Err(Error::config(format!(
                "the REST surface needs {}",
                missing.join("; and ")
            )));
        };
        // RFC 7617: the user-id cannot contain a colon (the server would split there).
        if key.secret().expose_secret().contains(':') {
            return Err(Error::config(
                "the API key contains `:`, which HTTP Basic cannot carry in the user name; check that key and secret are not swapped or joined",
            ));
        }
        let base = s
            .base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_REST_BASE_URL.to_owned());
        let http = self
            .http(Surface::RestV2)?
            .base_url(base)
            .auth(Basic::new(key.secret().clone(), secret.secret().clone()))
            .build()?;
        Ok(Client::from_inner(Inner {
            http,
            surface: Surface::RestV2,
            org_domain: None,
            stack: None,
            batch_size: DEFAULT_BATCH_SIZE,
            password_policy: self.password_policy,
        }))
    }

    fn build_interface(self, stack: Stack) -> Result<Client> {
        let s = &self.interface;
        let missing: Vec<&str> = [
            (
                s.org_domain.is_none(),
                "the organization's primary domain: call ClientBuilder::org_domain",
            ),
            (
                s.admin_user.is_none(),
                "an admin account: call ClientBuilder::admin_user",
            ),
            (
                s.admin_password.is_none(),
                "the admin password or API key: call ClientBuilder::admin_password",
            ),
        ]
        .into_iter()
        .filter_map(|(missing, what)| missing.then_some(what))
        .collect();
        let (Some(domain), Some(user), Some(password)) =
            (&s.org_domain, &s.admin_user, &s.admin_password)
        else {
            return Err(Error::config(format!(
                "the interface API needs {}",
                missing.join("; and ")
            )));
        };
        let domain = check_domain(domain)?;
        let batch_size = s.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
        if batch_size == 0 {
            return Err(Error::config(
                "ClientBuilder::batch_size must be at least 1 user per request",
            ));
        }
        let http = self
            .http(Surface::InterfaceV1)?
            .base_url(stack.api_base()?)
            .auth(HeaderPair::x_user_x_password(
                user.secret().clone(),
                password.secret().clone(),
            ))
            .build()?;
        Ok(Client::from_inner(Inner {
            http,
            surface: Surface::InterfaceV1,
            org_domain: Some(domain),
            stack: Some(stack),
            batch_size,
            password_policy: self.password_policy,
        }))
    }
}

/// A domain must be a plausible DNS name: it becomes a path segment of every request.
fn check_domain(domain: &str) -> Result<String> {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    let plausible = !d.is_empty()
        && d.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !plausible {
        return Err(Error::config(format!(
            "{} is not a valid organization domain (expected something like example.com)",
            idgraph_common::error::quote(domain)
        )));
    }
    Ok(d)
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, i) = (&self.rest, &self.interface);
        f.debug_struct("ClientBuilder")
            // Without user info, query or fragment, which may carry a credential.
            .field("base_url", &r.base_url.as_deref().map(RedactedUrl::new))
            .field("api_key", &r.api_key)
            .field("api_secret", &r.api_secret)
            // `Stack`'s own Debug redacts a custom URL the same way.
            .field("stack", &i.stack)
            .field("org_domain", &i.org_domain)
            .field("admin_user", &i.admin_user)
            .field("admin_password", &i.admin_password)
            .field("batch_size", &i.batch_size)
            .field("transport", &self.transport)
            .field("password_policy", &self.password_policy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interface() -> ClientBuilder {
        Client::builder()
            .stack(Stack::Us1)
            .org_domain("example.com")
            .admin_user(AdminUser::new("u"))
            .admin_password(AdminPassword::new("p"))
    }

    #[test]
    fn missing_settings_are_named() {
        let e = Client::builder()
            .api_key(ApiKey::new("k"))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }));
        assert!(e.to_string().contains("ClientBuilder::api_secret"), "{e}");
        assert!(!e.to_string().contains("ClientBuilder::api_key"), "{e}");
        let e = Client::builder()
            .base_url("https://proxy.example/v2")
            .build()
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("ClientBuilder::api_key") && text.contains("ClientBuilder::api_secret"),
            "{text}"
        );
        let e = Client::builder()
            .org_domain("example.com")
            .admin_user(AdminUser::new("u"))
            .admin_password(AdminPassword::new("p"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ClientBuilder::stack"), "{e}");
        assert!(e.to_string().contains("ClientBuilder::discover"), "{e}");
        let e = Client::builder()
            .stack(Stack::Us1)
            .admin_user(AdminUser::new("u"))
            .build()
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("ClientBuilder::org_domain")
                && text.contains("ClientBuilder::admin_password")
                && !text.contains("ClientBuilder::admin_user"),
            "{text}"
        );
        let e = interface().org_domain("exa/mple.com").build().unwrap_err();
        assert!(
            e.to_string().contains("not a valid organization domain"),
            "{e}"
        );
    }

    #[test]
    fn no_settings_name_both_surfaces() {
        let e = Client::builder().build().unwrap_err();
        assert!(matches!(e, Error::Config { .. }));
        let text = e.to_string();
        assert!(
            text.contains("ClientBuilder::api_key") && text.contains("ClientBuilder::stack"),
            "{text}"
        );
    }

    #[test]
    fn settings_of_both_surfaces_are_refused_naming_them() {
        let e = interface()
            .api_key(ApiKey::new("k"))
            .api_secret(ApiSecret::new("s"))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }));
        let text = e.to_string();
        for setter in [
            "ClientBuilder::api_key",
            "ClientBuilder::api_secret",
            "ClientBuilder::stack",
            "ClientBuilder::org_domain",
        ] {
            assert!(text.contains(setter), "{setter}: {text}");
        }
        // Even a setting with a default (batch size, base URL) counts.
        let e = Client::builder()
            .api_key(ApiKey::new("k"))
            .api_secret(ApiSecret::new("s"))
            .batch_size(10)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ClientBuilder::batch_size"), "{e}");
        let e = interface()
            .base_url("https://api.proofpoint.com/v2")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ClientBuilder::base_url"), "{e}");
    }

    #[tokio::test]
    async fn discover_refuses_rest_settings_before_asking() {
        // An unroutable stack: a request would fail differently.
        let e = interface()
            .stack(Stack::custom("http://127.0.0.1:9"))
            .api_key(ApiKey::new("k"))
            .discover()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e:?}");
        assert!(e.to_string().contains("ClientBuilder::api_key"), "{e}");
    }

    #[test]
    fn batch_size_zero_is_refused() {
        let e = interface().batch_size(0).build().unwrap_err();
        assert!(e.to_string().contains("batch_size"), "{e}");
        assert_eq!(
            interface().batch_size(7).build().unwrap().inner.batch_size,
            7
        );
    }

    #[test]
    fn base_url_is_overridable_and_checked() {
        let rest = || {
            Client::builder()
                .api_key(ApiKey::new("k"))
                .api_secret(ApiSecret::new("s"))
        };
        let c = rest().base_url("http://127.0.0.1:9/v2").build().unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/v2");
        assert!(rest().base_url("http://remote.example/v2").build().is_err());
        // Plain http to a remote host only with the transport's explicit opt-in.
        let c = rest()
            .base_url("http://remote.example/v2")
            .transport(TransportSettings::new().allow_insecure_http(true))
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://remote.example/v2");
    }

    #[test]
    fn the_builder_is_clone_and_each_build_is_independent() {
        let b = interface();
        let a = b.clone().build().unwrap();
        let c = b.org_domain("other.example").build().unwrap();
        assert_eq!(a.org_domain(), Some("example.com"));
        assert_eq!(c.org_domain(), Some("other.example"));
    }
}
