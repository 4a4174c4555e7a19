//! Test helpers (feature `test-util`): [`FakeHyperproof`], a stateful fake of Hyperproof's
//! REST API, its OAuth2 token endpoint and an organization's SCIM endpoint, on wiremock.
//!
//! * **Token endpoint** (`POST /oauth/token`): checks the client id and secret (form body,
//!   HTTP Basic or JSON), issues bearer tokens with `expires_in`, counts requests
//!   ([`FakeHyperproof::token_requests`]). Wrong credentials get `401 invalid_client`.
//! * **REST** (`/v1/users/me`, `/v1/users`, `/v1/groups`, `/v1/groups/{id}`,
//!   `POST /v1/groups`, `/v1/roles`): accepts the fake's [`ApiToken`] or an access token
//!   it issued, nothing else (a SCIM token gets 401). Users provisioned over SCIM show up
//!   in `GET /v1/users` (deactivated ones as `deactivatedUser`, only with
//!   `includeDeactivated=true`); SCIM groups show up in `GET /v1/groups`, archived once
//!   deleted over SCIM.
//! * **SCIM** ([`scim_url`](FakeHyperproof::scim_url)): the generic SCIM fake of
//!   `idgraph-common` with Hyperproof's rules: its own [`ScimToken`] (REST credentials
//!   get 401); a user created without a role gets `LIMITED_ACCESS_USER`; `add`/`replace`
//!   of `roles[primary eq "True"].value` sets the user's one primary role; groups are
//!   enabled, hold the memberships (a user's `groups` is read-only and not rendered; a
//!   member must be an existing user) and a group `DELETE` archives it
//!   ([`add_scim_group`](FakeHyperproof::add_scim_group) seeds one); users are never deleted: a
//!   `DELETE /Users/{id}` deactivates. The generic fake underneath
//!   ([`FakeHyperproof::scim`]) seeds state and injects SCIM failures.
//! * **Failures**: [`fail_next_rest`](FakeHyperproof::fail_next_rest) queues a 429, a
//!   quota 403, a permission 403 or any status for the next REST calls;
//!   [`revoke_access_tokens`](FakeHyperproof::revoke_access_tokens) makes every issued
//!   token invalid (the client then fetches a new one).
//!
//! Issued tokens do not expire on the fake's clock (wiremock runs on real time while tests
//! usually pause tokio's clock); expiry is the client's job, tested by advancing the
//! paused clock past `expires_in`.
//!
//! The clients from [`rest_client_builder`](FakeHyperproof::rest_client_builder) and
//! [`scim_client_builder`](FakeHyperproof::scim_client_builder) work on tokio's paused
//! clock as on a real one (see [`FakeHyperproof::transport`]).
//!
//! ```no_run
//! use hyperproof::testing::FakeHyperproof;
//!
//! # async fn run() -> hyperproof::Result<()> {
//! let fake = FakeHyperproof::start().await;
//! let rest = fake.rest_client()?;      // client credentials
//! let scim = fake.scim_client()?;      // SCIM token
//!
//! let me = rest.users().me().await?;
//! let jane = scim.users().create(&hyperproof::scim::NewUser::new("jane@example.com")).await?;
//! assert_eq!(fake.token_requests(), 1);
//! # let _ = (me, jane); Ok(()) }
//! ```

mod rest;
mod scim;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use idgraph_common::TransportSettings;
use idgraph_common::testing::{DeleteSemantics, Kind, ScimFake};
use wiremock::matchers::path_regex;
use wiremock::{Mock, Request};

use crate::credentials::{ApiToken, ClientCredentials, ClientSecret, ScimToken};
use crate::rest::{Group, OrganizationUser, OrganizationUserType, RestClient, RestClientBuilder};
use crate::scim::HyperproofRole;
use crate::{Result, ScimClient, ScimClientBuilder};
use rest::{RestApi, RestState, ScimView, lock};
use scim::HyperproofScimHooks;

/// A failure the fake answers a REST call with instead of handling it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 {"statusCode":429,"message":"Rate limit is exceeded. Try again in 5 seconds."}`.
    RateLimited {
        /// Sent as `Retry-After` (whole seconds) when set.
        retry_after: Option<Duration>,
    },
    /// `403 {"statusCode":403,"message":"Bandwidth quota exceeded. Try again later."}`.
    QuotaExceeded {
        /// Sent as `Retry-After` (whole seconds) when set.
        retry_after: Option<Duration>,
    },
    /// `403 {"statusCode":403,"message":"Forbidden"}`: a permission error.
    Forbidden,
    /// Any status, with Hyperproof's error body.
    Status(u16),
}

/// The fake's credentials and settings.
#[derive(Clone)]
pub(crate) struct FakeConfig {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) api_token: String,
    pub(crate) accept_api_token: bool,
    pub(crate) scim_token: String,
    pub(crate) token_lifetime: Duration,
    pub(crate) org_id: String,
    pub(crate) admin_email: String,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            client_id: "fakeclientid0123456789abcdef0000".to_owned(),
            client_secret: "fake-client-secret-0f1e2d3c".to_owned(),
            api_token: "fake-api-token-9a8b7c6d".to_owned(),
            accept_api_token: true,
            scim_token: "fake-scim-token-5e4f3a2b".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            org_id: fake_uuid(0x0a11, 1),
            admin_email: "admin@example.com".to_owned(),
        }
    }
}

/// A stateful fake of Hyperproof. See the [module docs](self).
///
/// One wiremock server serves all three surfaces: REST under `/v1`, the token endpoint
/// at `/oauth/token`, and the organization's SCIM endpoint under
/// `/scim/v2/<organization id>`.
pub struct FakeHyperproof {
    scim: ScimFake,
    state: Arc<Mutex<RestState>>,
    config: Arc<FakeConfig>,
}

impl FakeHyperproof {
    /// A fake with the default credentials and one admin user plus the API client's
    /// service account.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Configures a fake.
    pub fn builder() -> FakeHyperproofBuilder {
        FakeHyperproofBuilder {
            config: FakeConfig::default(),
        }
    }

    /// The server's root URL (`http://127.0.0.1:PORT`).
    pub fn uri(&self) -> String {
        self.scim.server_uri()
    }

    /// The REST base URL (`…/v1`), for [`RestClientBuilder::base_url`].
    pub fn rest_url(&self) -> String {
        format!("{}/v1", self.uri())
    }

    /// The OAuth2 token URL (`…/oauth/token`), for [`RestClientBuilder::token_url`].
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.uri())
    }

    /// The organization's SCIM URL (`…/scim/v2/<organization id>`), for
    /// [`ScimClientBuilder::scim_url`].
    pub fn scim_url(&self) -> String {
        self.scim.url()
    }

    /// The static API token the REST side accepts.
    pub fn api_token(&self) -> ApiToken {
        ApiToken::new(self.config.api_token.clone())
    }

    /// The client credentials the token endpoint accepts.
    pub fn client_credentials(&self) -> ClientCredentials {
        ClientCredentials::new(
            self.config.client_id.clone(),
            ClientSecret::new(self.config.client_secret.clone()),
        )
    }

    /// The SCIM token the SCIM side accepts.
    pub fn scim_token(&self) -> ScimToken {
        ScimToken::new(self.config.scim_token.clone())
    }

    /// The transport settings the fake's builders use: no attempt timeout and
    /// [`paused_clock_reqwest_client`] (no idle-pool timer), so a client works on tokio's
    /// paused clock as on a real one. Everything else is left to the client's defaults.
    ///
    /// `.transport(…)` replaces the whole value, so to add a knob start from this one:
    /// `fake.rest_client_builder().transport(fake.transport().retry_policy(policy))`.
    pub fn transport(&self) -> TransportSettings {
        TransportSettings::new()
            .no_attempt_timeout()
            .reqwest_client(paused_clock_reqwest_client())
    }

    /// A REST client builder pointed at the fake (base URL and token URL), with the
    /// fake's [`transport`](Self::transport) (paused-clock safe, token requests included),
    /// and no credential yet.
    pub fn rest_client_builder(&self) -> RestClientBuilder {
        RestClient::builder()
            .base_url(self.rest_url())
            .token_url(self.token_url())
            .transport(self.transport())
    }

    /// A REST client with the fake's client credentials.
    pub fn rest_client(&self) -> Result<RestClient> {
        self.rest_client_builder()
            .client_credentials(self.client_credentials())
            .build()
    }

    /// A SCIM client builder for the fake's SCIM URL, with the fake's
    /// [`transport`](Self::transport), and no token yet.
    pub fn scim_client_builder(&self) -> ScimClientBuilder {
        ScimClient::builder()
            .scim_url(self.scim_url())
            .transport(self.transport())
    }

    /// A SCIM client with the fake's SCIM token.
    pub fn scim_client(&self) -> Result<ScimClient> {
        self.scim_client_builder().token(self.scim_token()).build()
    }

    /// The generic SCIM fake underneath: seed users and groups
    /// ([`insert_user`](ScimFake::insert_user)), inject failures
    /// ([`fail_next`](ScimFake::fail_next)), read the SCIM requests it received.
    pub fn scim(&self) -> &ScimFake {
        &self.scim
    }

    /// The SCIM users, as a client would see them (deactivated ones included).
    pub fn scim_users(&self) -> Vec<scim_types::User> {
        self.scim.users()
    }

    /// The SCIM groups that are not archived.
    pub fn scim_groups(&self) -> Vec<scim_types::Group> {
        self.scim.with_store(|store| {
            store
                .all(Kind::Group)
                .iter()
                .filter(|g| !scim::is_archived(g))
                .filter_map(|g| serde_json::from_value(g.resource.clone()).ok())
                .collect()
        })
    }

    /// Seeds an empty SCIM group named `display_name` (as an IdP's "Push groups" would
    /// have made it) and returns it as a client sees it. The identity graph never
    /// creates groups, so a sync that puts people in groups needs them to exist.
    pub fn add_scim_group(&self, display_name: &str) -> scim_types::Group {
        self.scim.insert_group(scim_types::Group::new(display_name))
    }

    /// The display names of the SCIM groups (not archived) `user_id` is a member of, in
    /// the order they are stored.
    pub fn scim_groups_of(&self, user_id: &str) -> Vec<String> {
        self.scim_groups()
            .into_iter()
            .filter(|g| {
                g.members
                    .iter()
                    .any(|m| m.value.as_deref() == Some(user_id))
            })
            .map(|g| g.display_name)
            .collect()
    }

    /// How many token requests the token endpoint received (failed ones included).
    pub fn token_requests(&self) -> u64 {
        lock(&self.state).token_requests
    }

    /// The scopes of the last successful token request.
    pub fn last_token_scopes(&self) -> Vec<String> {
        lock(&self.state).token_scopes.clone()
    }

    /// Invalidates every access token issued so far: REST calls carrying one get 401
    /// (and a client with client credentials fetches a new token once).
    pub fn revoke_access_tokens(&self) {
        lock(&self.state).revoke_tokens();
    }

    /// Queues a failure for the next REST call that passes the credential check.
    pub fn fail_next_rest(&self, fault: Fault) {
        lock(&self.state).push_fault(fault);
    }

    /// Adds an active organization user (REST only: not provisioned over SCIM) with the
    /// given role, and returns it.
    pub fn add_rest_user(
        &self,
        email: &str,
        given_name: &str,
        surname: &str,
        role: HyperproofRole,
    ) -> OrganizationUser {
        lock(&self.state).add_user(
            Some(email),
            given_name,
            surname,
            OrganizationUserType::ActiveUser,
            role,
        )
    }

    /// The organization's users as `GET /v1/users?includeDeactivated=true` returns
    /// them: REST-only users, then users provisioned over SCIM.
    pub fn rest_users(&self) -> Vec<OrganizationUser> {
        let view = ScimView::read(&self.scim, &self.config);
        lock(&self.state).all_users(&view)
    }

    /// The groups as `GET /v1/groups` returns them (archived ones included).
    pub fn rest_groups(&self) -> Vec<Group> {
        let view = ScimView::read(&self.scim, &self.config);
        lock(&self.state).all_groups(&view)
    }

    /// Every request the server received (REST, token and SCIM), in order.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.scim
            .server()
            .received_requests()
            .await
            .unwrap_or_default()
    }
}

impl fmt::Debug for FakeHyperproof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeHyperproof")
            .field("uri", &self.uri())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("api_token", &"[redacted]")
            .field("scim_token", &"[redacted]")
            .field("token_lifetime", &self.token_lifetime)
            .finish_non_exhaustive()
    }
}

/// Configures a [`FakeHyperproof`].
///
/// | Setting | Default |
/// |---|---|
/// | [`client_credentials`](Self::client_credentials) | a fixed test id and secret |
/// | [`api_token`](Self::api_token) | a fixed test token, accepted |
/// | [`scim_token`](Self::scim_token) | a fixed test token |
/// | [`token_lifetime`](Self::token_lifetime) | 3600 s (`expires_in`) |
#[must_use]
pub struct FakeHyperproofBuilder {
    config: FakeConfig,
}

impl FakeHyperproofBuilder {
    /// The client id and secret the token endpoint accepts.
    pub fn client_credentials(mut self, client_id: &str, client_secret: &str) -> Self {
        self.config.client_id = client_id.to_owned();
        self.config.client_secret = client_secret.to_owned();
        self
    }

    /// The static API token the REST side accepts.
    pub fn api_token(mut self, token: &str) -> Self {
        self.config.api_token = token.to_owned();
        self.config.accept_api_token = true;
        self
    }

    /// Turns static API tokens off: the REST side accepts only issued access tokens, as
    /// Hyperproof's documented API does.
    pub fn without_api_token(mut self) -> Self {
        self.config.accept_api_token = false;
        self
    }

    /// The SCIM token the SCIM side accepts.
    pub fn scim_token(mut self, token: &str) -> Self {
        self.config.scim_token = token.to_owned();
        self
    }

    /// The `expires_in` of issued access tokens.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.token_lifetime = lifetime;
        self
    }

    /// Starts the fake.
    pub async fn start(self) -> FakeHyperproof {
        let config = Arc::new(self.config);
        let scim = ScimFake::builder()
            .base_path(&format!("/scim/v2/{}", config.org_id))
            .token(&config.scim_token)
            .groups(true)
            // Hyperproof keeps deprovisioned users; nothing deletes one over SCIM.
            .delete(DeleteSemantics::Deactivate)
            .hooks(HyperproofScimHooks)
            .start()
            .await;
        let state = Arc::new(Mutex::new(RestState::new(&config)));
        // On the SCIM fake's server, ahead of its catch-all.
        Mock::given(path_regex(r"^/(v1|oauth)(/|$)"))
            .respond_with(RestApi {
                state: state.clone(),
                config: config.clone(),
                scim: scim.clone(),
            })
            .with_priority(1)
            .mount(scim.server())
            .await;
        FakeHyperproof {
            scim,
            state,
            config,
        }
    }
}

impl fmt::Debug for FakeHyperproofBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeHyperproofBuilder")
            .field("config", &self.config)
            .finish()
    }
}

/// A `reqwest::Client` without idle-pool timer, for your own
/// [`TransportSettings::reqwest_client`] in tests on tokio's paused clock (see
/// [`FakeHyperproof::transport`]).
pub use idgraph_common::testing::paused_clock_reqwest_client;

/// A UUID-shaped id: `kind` tells ids of different things apart when reading test output.
pub(crate) fn fake_uuid(kind: u16, n: u64) -> String {
    format!(
        "{kind:04x}0000-0000-4000-8000-{:012x}",
        n & 0xffff_ffff_ffff
    )
}

/// The request path's segments, percent-decoded.
pub(crate) fn path_segments(request: &Request) -> Vec<String> {
    request
        .url
        .path_segments()
        .map(|segs| {
            segs.filter(|s| !s.is_empty())
                .map(|s| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The current time as ISO-8601 (UTC, whole seconds).
pub(crate) fn now_iso8601() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_uuids_are_uuid_shaped() {
        assert_eq!(fake_uuid(1, 2), "00010000-0000-4000-8000-000000000002");
    }

    #[test]
    fn iso8601_is_well_formed() {
        let s = now_iso8601();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T', "{s}");
    }
}
