//! [`FakeEssentials`]: both API surfaces on one wiremock server, over one store.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use idgraph_common::TransportSettings;
use idgraph_common::testing::paused_clock_reqwest_client;

use super::clock::SimClock;
use super::store::{self, Answer, INTERFACE, REST, Store, StoredGroup};
use crate::builder::ClientBuilder;
use crate::credentials::{AdminPassword, AdminUser, ApiKey, ApiSecret, UserPassword};
use crate::stack::Stack;
use idgraph_common::testing::max_in_window;

/// The fake's default organization domain (also registered for users).
pub const FAKE_ORG_DOMAIN: &str = "example.com";
/// The fake's default REST API key.
pub const FAKE_API_KEY: &str = "fake-api-key";
/// The fake's default REST API secret.
pub const FAKE_API_SECRET: &str = "fake-api-secret";
/// The fake's default interface API admin account.
pub const FAKE_ADMIN_USER: &str = "admin@example.com";
/// The fake's default interface API admin password.
pub const FAKE_ADMIN_PASSWORD: &str = "fake-admin-password";

/// One request the fake received (never a header or a body: they carry credentials and
/// passwords).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Arrival order, from 0.
    pub seq: u64,
    /// Arrival time on the fake's clock.
    pub at: Duration,
    /// HTTP method.
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The status the fake answered.
    pub status: u16,
}

enum Clock {
    Real(std::time::Instant),
    Sim(SimClock),
}

impl Clock {
    fn now(&self) -> Duration {
        match self {
            Clock::Real(start) => start.elapsed(),
            Clock::Sim(c) => c.now(),
        }
    }
}

struct State {
    store: Store,
    org_domain: String,
    basic: String,
    admin_user: String,
    admin_password: String,
    limit: Option<(u32, Duration)>,
    clock: Clock,
    /// Arrival times of the requests admitted in the current window.
    window: VecDeque<Duration>,
    log: Vec<RecordedRequest>,
    base_uri: String,
    /// Injected failures: (method, path fragment, status), each answered once.
    failures: Vec<(String, String, u16)>,
}

/// A stateful fake of Proofpoint Essentials, serving **both** surfaces from one store:
/// the REST surface under `/v2` and the interface API under `/api/v1`.
///
/// It behaves as the vendor documents:
///
/// * **rate limit**: more than 100 requests in any 60 s window (on its clock, see below)
///   are answered `429` with no `Retry-After`;
/// * **PUT is a full replacement**: every field a PUT omits is reset to its default
///   (names cleared, roles back to `["USER"]`, aliases and groups emptied, mailbox
///   1024 MB, status active, unknown fields dropped); `primaryEmail` and `type` are
///   immutable (400 if changed). The write-only password is kept when omitted;
/// * **a REST create needs names and a password**: `POST /v2/users` without a non-empty
///   `firstName`, `lastName` or `password` is a 400 `INVALID_FIELD` naming the first one
///   missing (the seed's scenarios say each create "requires primaryEmail, firstName,
///   lastName, type, and a temporary password"; its field table says the three are
///   optional, and the fake takes the stricter reading). The interface API requires
///   none of them;
/// * **domains**: creating a user whose domain is not registered is a 400 naming it;
/// * **delete** is immediate and takes the user's aliases and memberships with it;
/// * **groups** exist on the REST surface only; adding a member needs the user to exist;
/// * credentials are checked (HTTP Basic on REST, `X-User`/`X-Password` on the
///   interface API), and `GET /me` and `GET /endpoints/{domain}` answer;
/// * the interface API's batch create (a JSON array) answers `201`, or `207` with
///   `errors[]` (`status`, `error_message`, `identifier`) when some users failed.
///
/// # Clocks
///
/// By default the fake counts its window on the real clock. Tests on tokio's paused
/// clock give it a [`SimClock`] ([`FakeBuilder::clock`]) and build the client with
/// [`SimClock::limiter`], which stamps the simulated time into the shared clock right
/// before each request; see the [`clock`](super::SimClock) docs for why that is exact.
///
/// ```no_run
/// use proofpoint_essentials::testing::FakeEssentials;
/// use proofpoint_essentials::{NewUser, PrimaryEmail, UserPassword, UserType};
///
/// # async fn run() -> proofpoint_essentials::Result<()> {
/// let fake = FakeEssentials::start().await;
/// fake.add_group("grp_001", "Sales");
/// let client = fake.rest_client().build()?;
/// client
///     .users()
///     .create(
///         &NewUser::new(PrimaryEmail::new("a@example.com")?, UserType::User)
///             .password(UserPassword::new("Temp@1234")),
///     )
///     .await?;
/// assert!(fake.user_json("a@example.com").is_some());
/// # Ok(()) }
/// ```
pub struct FakeEssentials {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

/// Configures a [`FakeEssentials`].
#[must_use]
pub struct FakeBuilder {
    org_domain: String,
    domains: Vec<String>,
    limit: Option<(u32, Duration)>,
    clock: Option<SimClock>,
}

impl fmt::Debug for FakeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeBuilder")
            .field("org_domain", &self.org_domain)
            .field("domains", &self.domains)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl FakeBuilder {
    /// The organization's primary domain (registered too). Default `example.com`.
    pub fn org_domain(mut self, domain: impl Into<String>) -> Self {
        self.org_domain = domain.into();
        self
    }

    /// Registers another domain users may have.
    pub fn register_domain(mut self, domain: impl Into<String>) -> Self {
        self.domains.push(domain.into());
        self
    }

    /// The rate limit: `requests` per `window`, or `None` for none. Default 100 per 60 s.
    pub fn rate_limit(mut self, limit: Option<(u32, Duration)>) -> Self {
        self.limit = limit;
        self
    }

    /// Counts the rate-limit window on a simulated clock instead of the real one.
    pub fn clock(mut self, clock: SimClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts the server (on wiremock's own thread and runtime).
    pub async fn start(self) -> FakeEssentials {
        // Bodies carry passwords: the fake keeps its own log without them.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let mut domains = self.domains;
        domains.push(self.org_domain.clone());
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{FAKE_API_KEY}:{FAKE_API_SECRET}"))
        );
        let state = Arc::new(Mutex::new(State {
            store: Store::new(domains),
            org_domain: self.org_domain.to_lowercase(),
            basic,
            admin_user: FAKE_ADMIN_USER.to_owned(),
            admin_password: FAKE_ADMIN_PASSWORD.to_owned(),
            limit: self.limit,
            clock: match self.clock {
                Some(c) => Clock::Sim(c),
                None => Clock::Real(std::time::Instant::now()),
            },
            window: VecDeque::new(),
            log: Vec::new(),
            base_uri: server.uri(),
            failures: Vec::new(),
        }));
        Mock::given(any())
            .respond_with(Responder {
                state: Arc::clone(&state),
            })
            .mount(&server)
            .await;
        FakeEssentials { server, state }
    }
}

impl FakeEssentials {
    /// A fake with the defaults: organization and registered domain `example.com`,
    /// 100 requests per minute on the real clock.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Configures a fake.
    pub fn builder() -> FakeBuilder {
        FakeBuilder {
            org_domain: FAKE_ORG_DOMAIN.to_owned(),
            domains: Vec::new(),
            limit: Some((100, Duration::from_secs(60))),
            clock: None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server's root URL (`http://127.0.0.1:port`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The REST surface's base URL (`…/v2`).
    pub fn rest_base_url(&self) -> String {
        format!("{}/v2", self.server.uri())
    }

    /// The interface API as a custom stack.
    pub fn stack(&self) -> Stack {
        Stack::custom(self.server.uri())
    }

    /// The organization's primary domain.
    pub fn org_domain(&self) -> String {
        self.state().org_domain.clone()
    }

    /// The transport settings [`rest_client`](Self::rest_client) and
    /// [`interface_client`](Self::interface_client) use: no attempt timeout and
    /// [`paused_clock_reqwest_client`], so a client works on real and paused clocks alike.
    /// Everything else is left to the client's defaults.
    ///
    /// [`ClientBuilder::transport`] replaces the whole value, so to add a knob start from
    /// this one: `fake.rest_client().transport(fake.transport().rate_limiter(limiter))`.
    pub fn transport(&self) -> TransportSettings {
        TransportSettings::new()
            .no_attempt_timeout()
            .reqwest_client(paused_clock_reqwest_client())
    }

    /// A REST client builder pointed at this fake with its credentials and
    /// [`transport`](Self::transport). The default 100/minute limiter applies.
    pub fn rest_client(&self) -> ClientBuilder {
        crate::Client::builder()
            .base_url(self.rest_base_url())
            .api_key(ApiKey::new(FAKE_API_KEY))
            .api_secret(ApiSecret::new(FAKE_API_SECRET))
            .transport(self.transport())
    }

    /// An interface API client builder pointed at this fake, like
    /// [`rest_client`](Self::rest_client).
    pub fn interface_client(&self) -> ClientBuilder {
        crate::Client::builder()
            .stack(self.stack())
            .org_domain(self.org_domain())
            .admin_user(AdminUser::new(FAKE_ADMIN_USER))
            .admin_password(AdminPassword::new(FAKE_ADMIN_PASSWORD))
            .transport(self.transport())
    }

    /// Registers a domain users may have.
    pub fn register_domain(&self, domain: &str) {
        self.state().store.domains.insert(domain.to_lowercase());
    }

    /// Adds a group (REST surface).
    pub fn add_group(&self, id: &str, name: &str) {
        self.state().store.groups.insert(
            id.to_owned(),
            StoredGroup {
                name: name.to_owned(),
                members: BTreeSet::new(),
            },
        );
    }

    /// Inserts a user as a REST create would (camelCase JSON), bypassing the rate limit
    /// (and the password a create through the API needs: this is seeding).
    /// Returns the fake's error message when the vendor would refuse it.
    pub fn insert_user(&self, rest_json: Value) -> Result<(), String> {
        self.state()
            .store
            .create(&rest_json, &REST)
            .map(drop)
            .map_err(|(status, body)| format!("{status}: {body}"))
    }

    /// Inserts `count` generated users `user{i}@{domain}` (for benchmarks), bypassing the
    /// rate limit.
    pub fn insert_generated_users(&self, count: usize, domain: &str) {
        let mut s = self.state();
        s.store.domains.insert(domain.to_lowercase());
        for i in 0..count {
            let body = json!({
                "primaryEmail": format!("user{i:07}@{domain}"),
                "firstName": "Generated",
                "lastName": format!("User {i}"),
                "type": "User",
                "roles": ["USER"],
            });
            // Generated addresses are unique and the domain is registered: cannot fail.
            let _ = s.store.create(&body, &REST);
        }
    }

    /// A user as the REST surface would return it, with every field (never the password).
    pub fn user_json(&self, email: &str) -> Option<Value> {
        let s = self.state();
        s.store.get(email).map(|u| s.store.rest_json(u))
    }

    /// `true` when the user has exactly this password (so tests can check a password
    /// was set without the fake ever exposing it).
    pub fn password_matches(&self, email: &str, password: &str) -> bool {
        self.state()
            .store
            .get(email)
            .and_then(|u| u.password.as_deref())
            .is_some_and(|p| p == password)
    }

    /// The password the user was given, as a [`UserPassword`] (redacted in `Debug`), so
    /// tests can look for a generated password where it must not be.
    pub fn password_of(&self, email: &str) -> Option<UserPassword> {
        self.state()
            .store
            .get(email)
            .and_then(|u| u.password.clone())
            .map(UserPassword::new)
    }

    /// Answers the next request whose method is `method` and whose path as sent
    /// (percent-encoded) contains `path_fragment` with `status` and an `INJECTED` error
    /// body, instead of handling it; once. For tests of a failure in the middle of a
    /// multi-step change.
    pub fn fail_next(&self, method: &str, path_fragment: &str, status: u16) {
        self.state().failures.push((
            method.to_ascii_uppercase(),
            path_fragment.to_owned(),
            status,
        ));
    }

    /// How many users exist.
    pub fn user_count(&self) -> usize {
        self.state().store.users.len()
    }

    /// The members of a group (lower-case primary emails).
    pub fn members(&self, group_id: &str) -> Vec<String> {
        self.state()
            .store
            .groups
            .get(group_id)
            .map(|g| g.members.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().log.clone()
    }

    /// How many requests were answered 429.
    pub fn throttled(&self) -> usize {
        self.state().log.iter().filter(|r| r.status == 429).count()
    }

    /// The most requests that arrived in any window of this length on the fake's clock.
    pub fn max_requests_in(&self, window: Duration) -> usize {
        let times: Vec<Duration> = self.state().log.iter().map(|r| r.at).collect();
        max_in_window(&times, window)
    }
}

impl fmt::Debug for FakeEssentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state();
        f.debug_struct("FakeEssentials")
            .field("uri", &self.server.uri())
            .field("org_domain", &s.org_domain)
            .field("users", &s.store.users.len())
            .field("groups", &s.store.groups.len())
            .finish_non_exhaustive()
    }
}

struct Responder {
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let at = s.clock.now();
        let (status, body) = s.handle(request, at);
        let seq = s.log.len() as u64;
        s.log.push(RecordedRequest {
            seq,
            at,
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            status,
        });
        let t = ResponseTemplate::new(status);
        if body.is_null() {
            t
        } else {
            t.set_body_json(body)
        }
    }
}

impl State {
    /// Sliding window: admit when fewer than `quota` requests arrived in `(at - window, at]`.
    fn admit(&mut self, at: Duration) -> bool {
        let Some((quota, window)) = self.limit else {
            return true;
        };
        while self
            .window
            .front()
            .is_some_and(|&t| at.saturating_sub(t) >= window)
        {
            self.window.pop_front();
        }
        if self.window.len() >= quota as usize {
            return false;
        }
        self.window.push_back(at);
        true
    }

    fn handle(&mut self, req: &Request, at: Duration) -> Answer {
        if !self.admit(at) {
            // No Retry-After: the vendor does not promise one.
            return store::error(
                429,
                "RATE_LIMITED",
                "Rate limit exceeded: 100 requests per minute",
            );
        }
        if let Some(i) = self.failures.iter().position(|(m, frag, _)| {
            m == req.method.as_str() && req.url.path().contains(frag.as_str())
        }) {
            let (_, _, status) = self.failures.remove(i);
            return store::error(status, "INJECTED", "injected failure");
        }
        let segments: Vec<String> = req
            .url
            .path()
            .trim_start_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = req.method.as_str();
        let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
        let body = || serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
        match seg.as_slice() {
            ["v2", rest @ ..] => {
                if header("authorization") != Some(self.basic.as_str()) {
                    return store::error(401, "UNAUTHORIZED", "Invalid API key or secret");
                }
                self.rest(method, rest, body(), req)
            }
            ["api", "v1", rest @ ..] => {
                if header("x-user") != Some(self.admin_user.as_str())
                    || header("x-password") != Some(self.admin_password.as_str())
                {
                    return store::error(401, "UNAUTHORIZED", "Invalid X-User or X-Password");
                }
                self.interface(method, rest, body())
            }
            _ => store::error(404, "NOT_FOUND", "No such resource"),
        }
    }

    fn rest(&mut self, method: &str, path: &[&str], body: Value, req: &Request) -> Answer {
        let query = |k: &str| {
            req.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        let paging = || -> Result<(usize, usize), Answer> {
            let page = query("page")
                .map_or(Ok(1), |p| p.parse::<usize>())
                .map_err(|_| bad_query())?;
            let size = query("pageSize")
                .map_or(Ok(100), |p| p.parse::<usize>())
                .map_err(|_| bad_query())?;
            if page == 0 || size == 0 || size > 1000 {
                return Err(store::error(
                    400,
                    "INVALID_PAGING",
                    "page must be ≥ 1 and pageSize 1 to 1000",
                ));
            }
            Ok((page, size))
        };
        let st = &mut self.store;
        match (method, path) {
            ("GET", ["users"]) => match paging() {
                Err(a) => a,
                Ok((page, size)) => {
                    let users: Vec<Value> = st
                        .users
                        .values()
                        .skip((page - 1) * size)
                        .take(size)
                        .map(|u| st.rest_json(u))
                        .collect();
                    (200, json!({ "users": users, "total": st.users.len() }))
                }
            },
            // The seed's scenarios: each create requires names and a temporary password
            // (its field table says optional; the fake enforces the stricter reading).
            ("POST", ["users"]) => match missing_on_create(&body) {
                Some(field) => store::error(
                    400,
                    "INVALID_FIELD",
                    format!(
                        "`{field}` is required: each user is created with a first name, a last name and a temporary password"
                    ),
                ),
                None => match st.create(&body, &REST) {
                    Ok(u) => (201, st.rest_json(&u)),
                    Err(a) => a,
                },
            },
            ("GET", ["users", email]) => match st.get(email) {
                Some(u) => (200, st.rest_json(u)),
                None => store::not_found_user(email),
            },
            ("PUT", ["users", email]) => match st.replace(email, &body, &REST) {
                // The seed's PUT answer is partial.
                Ok(u) => (
                    200,
                    json!({
                        "primaryEmail": u.primary_email,
                        "firstName": u.first_name,
                        "lastName": u.last_name,
                        "roles": u.roles,
                        "updatedAt": u.updated_at,
                    }),
                ),
                Err(a) => a,
            },
            ("DELETE", ["users", email]) => match st.delete(email) {
                Ok(()) => (204, Value::Null),
                Err(a) => a,
            },
            ("GET", ["groups"]) => match paging() {
                Err(a) => a,
                Ok((page, size)) => {
                    let groups: Vec<Value> = st
                        .groups
                        .iter()
                        .skip((page - 1) * size)
                        .take(size)
                        .map(|(id, g)| Store::group_json(id, g))
                        .collect();
                    (200, json!({ "groups": groups, "total": st.groups.len() }))
                }
            },
            ("POST", ["groups", group, "members"]) => {
                let Some(email) = body.get("primaryEmail").and_then(Value::as_str) else {
                    return store::error(400, "INVALID_FIELD", "`primaryEmail` is required");
                };
                match st.add_member(group, email) {
                    Ok(v) => (201, v),
                    Err(a) => a,
                }
            }
            ("DELETE", ["groups", group, "members", email]) => match st.remove_member(group, email)
            {
                Ok(()) => (204, Value::Null),
                Err(a) => a,
            },
            _ => store::error(404, "NOT_FOUND", "No such resource"),
        }
    }

    fn interface(&mut self, method: &str, path: &[&str], body: Value) -> Answer {
        let org = self.org_domain.clone();
        match (method, path) {
            ("GET", ["me"]) => (
                200,
                json!({
                    "type": "organization_admin",
                    "is_admin": true,
                    "is_partner_admin": false,
                    "read_only_user": false,
                    "entity_type": "org",
                    "entity_primary_domain": org,
                }),
            ),
            ("GET", ["endpoints", domain]) => {
                if domain.to_lowercase() == org
                    || self.store.domains.contains(&domain.to_lowercase())
                {
                    (200, json!({ "endpoints": [self.base_uri] }))
                } else {
                    store::error(404, "NOT_FOUND", format!("No organization uses {domain}"))
                }
            }
            (_, ["orgs", o, ..]) if o.to_lowercase() != org => {
                store::error(404, "NOT_FOUND", format!("There is no organization {o}"))
            }
            (m, ["orgs", _, rest @ ..]) => self.org(m, rest, body),
            _ => store::error(404, "NOT_FOUND", "No such resource"),
        }
    }

    fn org(&mut self, method: &str, path: &[&str], body: Value) -> Answer {
        let st = &mut self.store;
        match (method, path) {
            ("GET", ["users"]) => {
                let users: Vec<Value> = st.users.values().map(Store::interface_json).collect();
                (200, json!({ "users": users }))
            }
            ("POST", ["users"]) => match body {
                Value::Array(items) => {
                    let mut users = Vec::new();
                    let mut errors = Vec::new();
                    for item in &items {
                        match st.create(item, &INTERFACE) {
                            Ok(u) => users.push(Store::interface_json(&u)),
                            Err((status, e)) => errors.push(json!({
                                "status": status,
                                "error_message": e.get("message").cloned().unwrap_or(Value::Null),
                                "identifier": item.get("primary_email").cloned().unwrap_or(Value::Null),
                            })),
                        }
                    }
                    let status = if errors.is_empty() { 201 } else { 207 };
                    (status, json!({ "users": users, "errors": errors }))
                }
                single => match st.create(&single, &INTERFACE) {
                    Ok(u) => (201, Store::interface_json(&u)),
                    Err(a) => a,
                },
            },
            ("GET", ["users", email]) => match st.get(email) {
                Some(u) => (200, Store::interface_json(u)),
                None => store::not_found_user(email),
            },
            ("PUT", ["users", email]) => match st.replace(email, &body, &INTERFACE) {
                Ok(_) => (204, Value::Null),
                Err(a) => a,
            },
            ("DELETE", ["users", email]) => match st.delete(email) {
                Ok(()) => (204, Value::Null),
                Err(a) => a,
            },
            _ => store::error(404, "NOT_FOUND", "No such resource"),
        }
    }
}

/// The first of the fields every REST create needs that `body` lacks (or leaves empty).
fn missing_on_create(body: &Value) -> Option<&'static str> {
    ["firstName", "lastName", "password"]
        .into_iter()
        .find(|field| {
            body.get(*field)
                .and_then(Value::as_str)
                .is_none_or(|v| v.trim().is_empty())
        })
}

fn bad_query() -> Answer {
    store::error(400, "INVALID_PAGING", "page and pageSize must be integers")
}
