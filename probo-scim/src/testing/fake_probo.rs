//! [`FakeProbo`]: the generic SCIM fake with Probo's rules, plus Probo-only controls.

use std::fmt;
use std::sync::{Arc, Mutex};

use idgraph_common::testing::{
    Failure, Kind, Paging, RecordedRequest, ScimFake, paused_clock_reqwest_client,
};
use idgraph_common::{Result, TransportSettings};
use scim_types::{User, UserId};
use serde_json::Value;

use super::gid::{new_gid, new_tenant, new_token};
use super::probo_hooks::{
    ProboHooks, ProfileState, ROLE_EMPLOYEE, SOURCE_SCIM, STATE_ACTIVE, STATE_DEACTIVATED,
    render_user, seed_fields,
};
use crate::builder::{ClientBuilder, SCIM_PATH};
use crate::client::Client;
use crate::token::ScimToken;

/// A stateful fake of a Probo instance's SCIM API on wiremock, behaving as Probo's server
/// does (see the [module docs](super) for the full list).
///
/// ```no_run
/// use probo_scim::testing::FakeProbo;
/// use probo_scim::User;
///
/// # async fn run() -> probo_scim::Result<()> {
/// let probo = FakeProbo::start().await;
/// let jane = probo.insert_user(User::new("jane@example.com"));
/// let client = probo.client()?;
/// let found = client.users().find_by_user_name("JANE@example.com").await?;
/// assert_eq!(found.and_then(|u| u.id), jane.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FakeProbo {
    fake: ScimFake,
    tenant: u64,
    log: Arc<Mutex<Vec<ProfileState>>>,
}

impl FakeProbo {
    /// Starts a fake Probo instance with a fresh SCIM token.
    pub async fn start() -> Self {
        let tenant = new_tenant();
        let token = new_token();
        let log = Arc::new(Mutex::new(Vec::new()));
        let fake = ScimFake::builder()
            .base_path(SCIM_PATH)
            .token(&token)
            .paging(Paging::ReturnEverything { max_count: 100 })
            .groups(false)
            .search(false)
            .unique_user_name(true)
            .hooks(ProboHooks {
                tenant,
                log: Arc::clone(&log),
            })
            .start()
            .await;
        Self { fake, tenant, log }
    }

    /// The instance URL, for [`ClientBuilder::base_url`].
    pub fn base_url(&self) -> String {
        self.fake.server_uri()
    }

    /// The SCIM root (`<instance>/api/connect/v1/scim/2.0`), for
    /// [`ClientBuilder::scim_url`].
    pub fn scim_url(&self) -> String {
        self.fake.url()
    }

    /// The SCIM token the fake currently accepts.
    pub fn token(&self) -> ScimToken {
        ScimToken::new(self.fake.token().unwrap_or_default())
    }

    /// The transport settings [`client_builder`](Self::client_builder) uses: no attempt
    /// timeout and [`paused_clock_reqwest_client`] (no idle-pool timer), so a client works
    /// on tokio's paused clock as on a real one. Everything else is left to the client's
    /// defaults.
    ///
    /// `.transport(…)` replaces the whole value, so to add a knob start from this one:
    /// `probo.client_builder().transport(probo.transport().retry_policy(policy))`.
    ///
    /// Why a paused clock needs this: wiremock answers from its own thread, on real time,
    /// and tokio moves a paused clock to the next pending timer whenever the test runtime
    /// is idle, including while it waits for that real socket I/O. A timer pending during
    /// a request (the attempt timeout, hyper's idle-connection reaper) would fire
    /// mid-request, and every wait measured on the paused clock would grow by the jump.
    pub fn transport(&self) -> TransportSettings {
        TransportSettings::new()
            .no_attempt_timeout()
            .reqwest_client(paused_clock_reqwest_client())
    }

    /// A client builder pointed at this fake with its current token and the fake's
    /// [`transport`](Self::transport) (paused-clock safe); add your own settings.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url())
            .token(self.token())
            .transport(self.transport())
    }

    /// A client pointed at this fake with its current token and the fake's
    /// [`transport`](Self::transport).
    pub fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    /// Simulates a Bridge sync run: Probo regenerates the SCIM token, so every client
    /// holding the old one gets `401 {"error":"unauthorized","message":"invalid token"}`.
    /// Returns the new token.
    pub fn rotate_token(&self) -> ScimToken {
        let token = new_token();
        self.fake.set_token(Some(&token));
        ScimToken::new(token)
    }

    /// Seeds a SCIM-provisioned user, as if a POST had created it (no checks). `id`
    /// (a GID) and `meta` are assigned; `active` absent means active. Returns the user as
    /// Probo would render it.
    pub fn insert_user(&self, user: User) -> User {
        let (fields, email, active) = seed_fields(&user);
        self.seed(Value::Object(fields), email, SOURCE_SCIM, active)
            .unwrap_or(user)
    }

    /// Seeds a profile Probo did *not* provision through SCIM (a user invited by hand):
    /// no `userName`, invisible to listings and to `userName` filters; a `GET` of it
    /// answers Probo's non-SCIM 500 (research §9.18); a `POST /Users` with its email
    /// takes it over. Returns its id.
    pub fn insert_manual_user(&self, email: &str) -> UserId {
        let tenant = self.tenant;
        self.fake.with_store(|store| {
            let id = new_gid(tenant);
            let mut fields = serde_json::Map::new();
            fields.insert("displayName".into(), email.into());
            store.insert(Kind::User, id.clone(), Value::Object(fields));
            if let Some(s) = store.get_mut(Kind::User, &id) {
                s.internal.insert("email".into(), email.into());
                s.internal.insert("source".into(), "MANUAL".into());
                s.internal.insert("state".into(), STATE_ACTIVE.into());
                s.internal.insert("role".into(), ROLE_EMPLOYEE.into());
            }
            UserId::new(id)
        })
    }

    fn seed(&self, fields: Value, email: String, source: &str, active: bool) -> Option<User> {
        let tenant = self.tenant;
        self.fake.with_store(|store| {
            let id = new_gid(tenant);
            store.insert(Kind::User, id.clone(), fields);
            let s = store.get_mut(Kind::User, &id)?;
            s.internal.insert("email".into(), email.into());
            s.internal.insert("source".into(), source.into());
            s.internal.insert("role".into(), ROLE_EMPLOYEE.into());
            let state = if active {
                STATE_ACTIVE
            } else {
                STATE_DEACTIVATED
            };
            s.internal.insert("state".into(), state.into());
            serde_json::from_value(render_user(s)).ok()
        })
    }

    /// Marks a user as referenced by other records (for example signed documents): a
    /// DELETE then only deactivates it, still answering 204. `false` if there is no such
    /// user.
    pub fn mark_referenced(&self, id: &UserId) -> bool {
        self.set_internal(id, "referenced", Value::Bool(true))
    }

    /// The user's membership role (`EMPLOYEE`, `ADMIN`, …).
    pub fn role(&self, id: &UserId) -> Option<String> {
        self.fake.with_store(|store| {
            store
                .get(Kind::User, id.as_str())?
                .internal
                .get("role")?
                .as_str()
                .map(str::to_owned)
        })
    }

    /// Sets the user's membership role (Probo resets it to `EMPLOYEE` on reactivation).
    pub fn set_role(&self, id: &UserId, role: &str) -> bool {
        self.set_internal(id, "role", Value::from(role))
    }

    fn set_internal(&self, id: &UserId, key: &str, value: Value) -> bool {
        self.fake
            .with_store(|store| match store.get_mut(Kind::User, id.as_str()) {
                Some(s) => {
                    s.internal.insert(key.into(), value);
                    true
                }
                None => false,
            })
    }

    /// Every SCIM-provisioned user as Probo would list it, in creation order.
    pub fn users(&self) -> Vec<User> {
        self.fake.with_store(|store| {
            store
                .all(Kind::User)
                .iter()
                .filter(|s| s.internal.get("source").and_then(Value::as_str) == Some(SOURCE_SCIM))
                .filter_map(|s| serde_json::from_value(render_user(s)).ok())
                .collect()
        })
    }

    /// One user as Probo would render it (any source).
    pub fn user(&self, id: &UserId) -> Option<User> {
        self.fake.user(id.as_str())
    }

    /// The profile's state after each successful write request that touched it, in
    /// order (a `POST` that took over or renamed it included): to assert that a sequence
    /// of steps kept the account (same id, state, role) at every step. Seeding through
    /// [`insert_user`](Self::insert_user) or the setters is not a step.
    pub fn history(&self, id: &UserId) -> Vec<ProfileState> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|s| s.id == id.as_str())
            .cloned()
            .collect()
    }

    /// How many requests the fake received (401s and 403s included).
    pub fn request_count(&self) -> usize {
        self.fake.request_count()
    }

    /// Every request received, in order (`Authorization` redacted).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.fake.requests()
    }

    /// Queues an injected failure (see [`Failure`]).
    pub fn fail_next(&self, failure: Failure) {
        self.fake.fail_next(failure);
    }

    /// The generic fake underneath (store access, the wiremock server).
    pub fn scim_fake(&self) -> &ScimFake {
        &self.fake
    }
}

impl fmt::Debug for FakeProbo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeProbo")
            .field("scim_url", &self.scim_url())
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}
