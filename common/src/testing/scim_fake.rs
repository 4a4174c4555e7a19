//! [`ScimFake`]: a stateful SCIM 2.0 service provider on wiremock, for tests.
//!
//! It serves `/Users` and `/Groups` (create, get, list with filter and paging, replace,
//! patch, delete), `/.search`, and the discovery endpoints, from an in-memory [`Store`],
//! behind a bearer-token check. Behaviour is standard (RFC 7644) by default; a vendor
//! fake changes it with [`Behaviour`] knobs and [`Hooks`] overrides.
//!
//! Request handling order: record the request → injected [`Failure`]s →
//! [`Hooks::before`] → bearer token → [`Hooks::normalize`] of the path →
//! [`Hooks::route`] → the standard routes.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use scim_types::{Filter, Group, PatchOp, PatchOperation, ScimError, ScimType, User};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use super::scim_filter::filter_matches;
use super::scim_store::{
    Behaviour, DeleteSemantics, Kind, Paging, PutSemantics, Store, Stored, not_found,
};

/// The token a fake accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "fake-scim-token";

/// The SCIM media type the fake answers with.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// An incoming request, pre-parsed for hooks.
#[derive(Debug)]
#[non_exhaustive]
pub struct FakeRequest<'a> {
    /// The raw wiremock request (headers, body, URL).
    pub raw: &'a wiremock::Request,
    /// Upper-case method (`"GET"`).
    pub method: &'a str,
    /// Percent-decoded path segments after the fake's base path (`["Users", "a/b"]`).
    pub segments: Vec<String>,
    /// Percent-decoded query pairs, in order.
    pub query: Vec<(String, String)>,
}

impl FakeRequest<'_> {
    /// A request header as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw.headers.get(name)?.to_str().ok()
    }

    /// The first query value for `key` (exact key).
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, or the 400 `invalidSyntax` a server answers for a bad body.
    pub fn json(&self) -> Result<Value, ScimError> {
        serde_json::from_slice(&self.raw.body).map_err(|e| {
            ScimError::new(400)
                .with_scim_type(ScimType::InvalidSyntax)
                .with_detail(format!(
                    "The request body message structure was invalid or did not conform to the request schema. ({e})"
                ))
        })
    }
}

/// Why the bearer-token check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// No `Authorization` header.
    Missing,
    /// Not `Bearer <token>`, or a token with characters RFC 6750 does not allow.
    Malformed,
    /// A well-formed token the fake does not know (wrong or rotated).
    InvalidToken,
}

/// Vendor behaviour: every method has the standard implementation as its default, so a
/// vendor fake overrides only where its server differs.
///
/// Methods run with the fake's state locked; they must not call back into the
/// [`ScimFake`] (use the `&mut Store` they are given).
///
/// ```
/// use idgraph_common::testing::{FakeRequest, Hooks, ScimFake, Store};
/// use wiremock::ResponseTemplate;
///
/// /// A server that has no `/Me` endpoint and says so with a 501.
/// struct NoMe;
///
/// impl Hooks for NoMe {
///     fn route(&self, req: &FakeRequest<'_>, _: &mut Store) -> Option<ResponseTemplate> {
///         (req.segments.first().map(String::as_str) == Some("Me"))
///             .then(|| ResponseTemplate::new(501))
///     }
/// }
///
/// # async fn run() {
/// let fake = ScimFake::builder().hooks(NoMe).start().await;
/// # let _ = fake; }
/// ```
#[allow(unused_variables)]
pub trait Hooks: Send + Sync + 'static {
    /// Runs before the token check; `Some` answers the request at once (CSRF guards,
    /// maintenance pages).
    fn before(&self, req: &FakeRequest<'_>, store: &mut Store) -> Option<ResponseTemplate> {
        None
    }

    /// Rewrites the path segments before routing (for example to strip a `/v2` alias).
    fn normalize(&self, segments: &mut Vec<String>) {}

    /// Runs after the token check, before the standard routes; `Some` answers the
    /// request (extra or disabled endpoints).
    fn route(&self, req: &FakeRequest<'_>, store: &mut Store) -> Option<ResponseTemplate> {
        None
    }

    /// The answer to a request that failed the token check. Default: 401 with a SCIM
    /// error body.
    fn unauthorized(&self, failure: AuthFailure) -> ResponseTemplate {
        let detail = match failure {
            AuthFailure::Missing => "authorization header required",
            AuthFailure::Malformed => "invalid authorization header",
            AuthFailure::InvalidToken => "invalid token",
        };
        scim_error_response(&ScimError::new(401).with_detail(detail), false)
    }

    /// The id of a new resource. Default: UUID-shaped.
    fn new_id(&self, kind: Kind, store: &mut Store) -> String {
        store.standard_id()
    }

    /// Whether the server accepts this filter; `Err` is the answer. Default: every
    /// filter that parses.
    fn check_filter(&self, kind: Kind, filter: &Filter) -> Result<(), ScimError> {
        Ok(())
    }

    /// Whether a stored resource appears in listings. Default: all.
    fn listed(&self, kind: Kind, stored: &Stored) -> bool {
        true
    }

    /// `POST /{Endpoint}`: stores the resource and returns its id (answered with 201 and
    /// the rendered resource). Default [`Store::standard_create`].
    fn create(&self, kind: Kind, body: Value, store: &mut Store) -> Result<String, ScimError> {
        let id = self.new_id(kind, store);
        store.standard_create(kind, id, body)
    }

    /// `PUT /{Endpoint}/{id}`. Default [`Store::standard_replace`].
    fn replace(
        &self,
        kind: Kind,
        id: &str,
        body: Value,
        store: &mut Store,
    ) -> Result<(), ScimError> {
        store.standard_replace(kind, id, body)
    }

    /// Checks or rewrites one PATCH operation before it is applied: `Ok(None)` skips it
    /// silently, `Err` fails the whole request. Default: applied as is.
    fn patch_operation(
        &self,
        kind: Kind,
        op: PatchOperation,
    ) -> Result<Option<PatchOperation>, ScimError> {
        Ok(Some(op))
    }

    /// `PATCH /{Endpoint}/{id}`. Default: every operation through
    /// [`patch_operation`](Self::patch_operation), then [`Store::standard_patch`].
    fn patch(
        &self,
        kind: Kind,
        id: &str,
        patch: PatchOp,
        store: &mut Store,
    ) -> Result<(), ScimError> {
        if store.get(kind, id).is_none() {
            return Err(not_found(id));
        }
        let mut ops = Vec::with_capacity(patch.operations.len());
        for op in patch.operations {
            if let Some(op) = self.patch_operation(kind, op)? {
                ops.push(op);
            }
        }
        store.standard_patch(kind, id, &ops)
    }

    /// `DELETE /{Endpoint}/{id}` (answered with 204). Default
    /// [`Store::standard_delete`].
    fn delete(&self, kind: Kind, id: &str, store: &mut Store) -> Result<(), ScimError> {
        store.standard_delete(kind, id)
    }

    /// The JSON clients see for a stored resource. Default: as stored.
    fn render(&self, kind: Kind, stored: &Stored) -> Value {
        stored.resource.clone()
    }

    /// The response for a SCIM error. Default: `application/scim+json` with the RFC
    /// shape (`status` a string unless [`Behaviour::error_status_as_number`]).
    fn error(&self, error: &ScimError, behaviour: &Behaviour) -> ResponseTemplate {
        scim_error_response(error, behaviour.error_status_as_number)
    }
}

/// The standard behaviour (no overrides).
#[derive(Debug, Clone, Copy, Default)]
pub struct Standard;

impl Hooks for Standard {}

/// A SCIM error as a response: `application/scim+json`, RFC 7644 §3.12 shape.
pub fn scim_error_response(error: &ScimError, status_as_number: bool) -> ResponseTemplate {
    let mut body = serde_json::to_value(error).unwrap_or_else(|_| json!({}));
    if status_as_number {
        body["status"] = json!(error.status);
    }
    scim_json(error.status, &body)
}

/// A JSON body with the SCIM content type.
pub fn scim_json(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), SCIM_CONTENT_TYPE)
}

/// A response the fake gives instead of handling a request: a status, an optional body,
/// headers, an optional delay; for the next `times` requests that match.
///
/// ```
/// use idgraph_common::testing::Failure;
///
/// // The next two GETs answer 503 with Retry-After: 1.
/// let f = Failure::status(503).with_header("Retry-After", "1").times(2).on_method("GET");
/// # let _ = f;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Failure {
    status: u16,
    body: Option<(Vec<u8>, String)>,
    headers: Vec<(String, String)>,
    times: usize,
    method: Option<String>,
    path_contains: Option<String>,
    delay: Option<Duration>,
}

impl Failure {
    /// Answers with this status (no body) once.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
            times: 1,
            method: None,
            path_contains: None,
            delay: None,
        }
    }

    /// Answers with a SCIM error body.
    pub fn scim(error: ScimError) -> Self {
        let status = error.status;
        let body = serde_json::to_vec(&error).unwrap_or_default();
        Self::status(status).with_body(body, SCIM_CONTENT_TYPE)
    }

    /// Sets the body and its content type.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>, content_type: &str) -> Self {
        self.body = Some((body.into(), content_type.to_owned()));
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Applies to this many matching requests (default 1).
    pub fn times(mut self, n: usize) -> Self {
        self.times = n.max(1);
        self
    }

    /// Only for this method (`"GET"`).
    pub fn on_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only for request paths containing this text (raw, percent-encoded path).
    pub fn on_path(mut self, fragment: &str) -> Self {
        self.path_contains = Some(fragment.to_owned());
        self
    }

    /// Delays the answer (real time, on wiremock's thread).
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }

    fn response(&self) -> ResponseTemplate {
        let mut r = ResponseTemplate::new(self.status);
        for (k, v) in &self.headers {
            r = r.insert_header(k.as_str(), v.as_str());
        }
        if let Some((body, ct)) = &self.body {
            r = r.set_body_raw(body.clone(), ct);
        }
        if let Some(d) = self.delay {
            r = r.set_delay(d);
        }
        r
    }
}

/// A request the fake received. The `Authorization` header is recorded as `[redacted]`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Upper-case method.
    pub method: String,
    /// The raw (percent-encoded) path, base path included.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// A header value, if the request had it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

struct State {
    store: Store,
    token: Option<String>,
    failures: VecDeque<Failure>,
    requests: Vec<RecordedRequest>,
}

struct Shared {
    state: Mutex<State>,
    hooks: Box<dyn Hooks>,
    base_path: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in a test thread while holding the lock must not take the fake down.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A stateful SCIM 2.0 server for tests, on wiremock. See the [module docs](crate::testing).
///
/// ```no_run
/// use idgraph_common::testing::ScimFake;
/// use scim_types::User;
///
/// # async fn run() {
/// let fake = ScimFake::start().await;
/// let jane = fake.insert_user(User::new("jane@example.com").with_active(true));
/// // Point your client at fake.url() with bearer token fake.token().
/// assert_eq!(fake.users().len(), 1);
/// # let _ = jane; }
/// ```
#[derive(Clone)]
pub struct ScimFake {
    server: Arc<MockServer>,
    shared: Arc<Shared>,
}

impl ScimFake {
    /// A standard fake at `/scim/v2`, accepting [`DEFAULT_TOKEN`].
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Configures a fake.
    pub fn builder() -> ScimFakeBuilder {
        ScimFakeBuilder::default()
    }

    /// The SCIM root URL (`http://127.0.0.1:PORT/scim/v2`): the base URL for clients.
    pub fn url(&self) -> String {
        format!("{}{}", self.server.uri(), self.shared.base_path)
    }

    /// The server's own URL (no base path).
    pub fn server_uri(&self) -> String {
        self.server.uri()
    }

    /// The underlying wiremock server (to mount extra mocks with a higher priority, or to
    /// read `received_requests`).
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The token currently accepted (`None`: no check).
    pub fn token(&self) -> Option<String> {
        self.shared.lock().token.clone()
    }

    /// Changes the accepted token (`None` turns the check off). Requests with the old
    /// token then get [`Hooks::unauthorized`] with [`AuthFailure::InvalidToken`].
    pub fn set_token(&self, token: Option<&str>) {
        self.shared.lock().token = token.map(str::to_owned);
    }

    /// Every user as a client would see it, in creation order.
    pub fn users(&self) -> Vec<User> {
        self.rendered(Kind::User)
    }

    /// One user as a client would see it.
    pub fn user(&self, id: &str) -> Option<User> {
        let state = self.shared.lock();
        let stored = state.store.get(Kind::User, id)?;
        serde_json::from_value(self.shared.hooks.render(Kind::User, stored)).ok()
    }

    /// Every group as a client would see it.
    pub fn groups(&self) -> Vec<Group> {
        self.rendered(Kind::Group)
    }

    fn rendered<T: serde::de::DeserializeOwned>(&self, kind: Kind) -> Vec<T> {
        let state = self.shared.lock();
        state
            .store
            .all(kind)
            .iter()
            .filter_map(|s| serde_json::from_value(self.shared.hooks.render(kind, s)).ok())
            .collect()
    }

    /// Seeds a user without any check (no uniqueness, no vendor rules): the fake assigns
    /// `id` (unless the user has one) and `meta`. Returns it as a client would see it.
    pub fn insert_user(&self, user: User) -> User {
        let value = serde_json::to_value(&user).unwrap_or_else(|_| json!({}));
        self.insert(
            Kind::User,
            user.id.as_ref().map(|i| i.as_str().to_owned()),
            value,
        )
        .unwrap_or(user)
    }

    /// Seeds a group without any check. Returns it as a client would see it.
    pub fn insert_group(&self, group: Group) -> Group {
        let value = serde_json::to_value(&group).unwrap_or_else(|_| json!({}));
        self.insert(
            Kind::Group,
            group.id.as_ref().map(|i| i.as_str().to_owned()),
            value,
        )
        .unwrap_or(group)
    }

    fn insert<T: serde::de::DeserializeOwned>(
        &self,
        kind: Kind,
        id: Option<String>,
        value: Value,
    ) -> Option<T> {
        let mut state = self.shared.lock();
        let id = match id {
            Some(id) => id,
            None => self.shared.hooks.new_id(kind, &mut state.store),
        };
        let stored = state.store.insert(kind, id, value);
        serde_json::from_value(self.shared.hooks.render(kind, stored)).ok()
    }

    /// Removes a user from the store directly; `true` if it existed.
    pub fn remove_user(&self, id: &str) -> bool {
        self.shared.lock().store.remove(Kind::User, id)
    }

    /// Runs `f` on the store (seeding, inspecting vendor-private state).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.shared.lock().store)
    }

    /// How many requests the fake has received (all paths, failures and 401s included).
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Queues an injected failure: the next matching request(s) get it instead of being
    /// handled (and change nothing).
    pub fn fail_next(&self, failure: Failure) {
        self.shared.lock().failures.push_back(failure);
    }
}

impl fmt::Debug for ScimFake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimFake")
            .field("url", &self.url())
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Configures a [`ScimFake`].
///
/// | Setting | Default |
/// |---|---|
/// | [`base_path`](Self::base_path) | `/scim/v2` |
/// | [`token`](Self::token) | [`DEFAULT_TOKEN`] |
/// | [`paging`](Self::paging) | [`Paging::Honour`], 100 per page |
/// | [`put`](Self::put) | [`PutSemantics::Replace`] |
/// | [`delete`](Self::delete) | [`DeleteSemantics::Hard`] |
/// | [`etags`](Self::etags) | off |
/// | [`unique_user_name`](Self::unique_user_name) | on |
/// | [`groups`](Self::groups), [`search`](Self::search) | on |
/// | [`patch`](Self::patch), [`filter`](Self::filter) | on |
/// | [`hooks`](Self::hooks) | [`Standard`] |
///
/// ```no_run
/// use idgraph_common::testing::{Paging, ScimFake};
///
/// # async fn run() {
/// let fake = ScimFake::builder()
///     .base_path("/scim")
///     .token("s3cret")
///     .paging(Paging::Honour { max_page_size: 10 })
///     .etags(true)
///     .start()
///     .await;
/// # let _ = fake; }
/// ```
#[must_use]
pub struct ScimFakeBuilder {
    behaviour: Behaviour,
    hooks: Box<dyn Hooks>,
    base_path: String,
    token: Option<String>,
}

impl Default for ScimFakeBuilder {
    fn default() -> Self {
        Self {
            behaviour: Behaviour::default(),
            hooks: Box::new(Standard),
            base_path: "/scim/v2".into(),
            token: Some(DEFAULT_TOKEN.into()),
        }
    }
}

impl fmt::Debug for ScimFakeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimFakeBuilder")
            .field("behaviour", &self.behaviour)
            .field("base_path", &self.base_path)
            .finish_non_exhaustive()
    }
}

impl ScimFakeBuilder {
    /// The path of the SCIM root on the server (`""` for the server root).
    pub fn base_path(mut self, path: &str) -> Self {
        self.base_path = format!("/{}", path.trim_matches('/'));
        if self.base_path == "/" {
            self.base_path.clear();
        }
        self
    }

    /// The bearer token the fake accepts.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Accepts every request without a token.
    pub fn no_auth(mut self) -> Self {
        self.token = None;
        self
    }

    /// Every knob at once.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Listing pagination.
    pub fn paging(mut self, paging: Paging) -> Self {
        self.behaviour.paging = paging;
        self
    }

    /// `PUT` semantics.
    pub fn put(mut self, put: PutSemantics) -> Self {
        self.behaviour.put = put;
        self
    }

    /// `DELETE` semantics.
    pub fn delete(mut self, delete: DeleteSemantics) -> Self {
        self.behaviour.delete = delete;
        self
    }

    /// ETags (`meta.version`, `ETag`, `If-Match` → 412).
    pub fn etags(mut self, on: bool) -> Self {
        self.behaviour.etags = on;
        self
    }

    /// 409 on a duplicate `userName`.
    pub fn unique_user_name(mut self, on: bool) -> Self {
        self.behaviour.unique_user_name = on;
        self
    }

    /// Serves `/Groups`.
    pub fn groups(mut self, on: bool) -> Self {
        self.behaviour.groups = on;
        self
    }

    /// Serves `/.search`.
    pub fn search(mut self, on: bool) -> Self {
        self.behaviour.search = on;
        self
    }

    /// Supports `PATCH` (off: a PUT-only server; see [`Behaviour::patch`]).
    pub fn patch(mut self, on: bool) -> Self {
        self.behaviour.patch = on;
        self
    }

    /// Supports filters (off: see [`Behaviour::filter`]).
    pub fn filter(mut self, on: bool) -> Self {
        self.behaviour.filter = on;
        self
    }

    /// Vendor overrides.
    pub fn hooks(mut self, hooks: impl Hooks) -> Self {
        self.hooks = Box::new(hooks);
        self
    }

    /// Starts the server.
    pub async fn start(self) -> ScimFake {
        let server = MockServer::start().await;
        let base_url = format!("{}{}", server.uri(), self.base_path);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                store: Store::new(self.behaviour, base_url),
                token: self.token,
                failures: VecDeque::new(),
                requests: Vec::new(),
            }),
            hooks: self.hooks,
            base_path: self.base_path,
        });
        Mock::given(any())
            .respond_with(Responder {
                shared: shared.clone(),
            })
            .mount(&server)
            .await;
        ScimFake {
            server: Arc::new(server),
            shared,
        }
    }
}

struct Responder {
    shared: Arc<Shared>,
}

impl Respond for Responder {
    fn respond(&self, raw: &wiremock::Request) -> ResponseTemplate {
        let shared = &*self.shared;
        let mut state = shared.lock();
        let method = raw.method.as_str();
        let path = raw.url.path();
        state.requests.push(record(raw));

        if let Some(pos) = state.failures.iter().position(|f| f.matches(method, path)) {
            let response = state.failures[pos].response();
            if let Some(f) = state.failures.get_mut(pos) {
                f.times -= 1;
                if f.times == 0 {
                    state.failures.remove(pos);
                }
            }
            return response;
        }

        let Some(rest) = path.strip_prefix(shared.base_path.as_str()) else {
            return endpoint_not_found(shared, &state.store);
        };
        let mut req = FakeRequest {
            raw,
            method,
            segments: rest
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
                .collect(),
            query: raw.url.query_pairs().into_owned().collect(),
        };
        let state = &mut *state;
        if let Some(r) = shared.hooks.before(&req, &mut state.store) {
            return r;
        }
        if let Some(token) = &state.token
            && let Err(failure) = check_bearer(raw, token)
        {
            return shared.hooks.unauthorized(failure);
        }
        shared.hooks.normalize(&mut req.segments);
        if let Some(r) = shared.hooks.route(&req, &mut state.store) {
            return r;
        }
        dispatch(shared, &req, &mut state.store)
    }
}

fn record(raw: &wiremock::Request) -> RecordedRequest {
    RecordedRequest {
        method: raw.method.as_str().to_owned(),
        path: raw.url.path().to_owned(),
        query: raw.url.query().map(str::to_owned),
        headers: raw
            .headers
            .iter()
            .map(|(k, v)| {
                let value = if k.as_str().eq_ignore_ascii_case("authorization") {
                    "[redacted]".to_owned()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (k.as_str().to_owned(), value)
            })
            .collect(),
        body: raw.body.clone(),
    }
}

/// RFC 6750: `Bearer` (any case), one or more spaces, a b64token.
fn check_bearer(raw: &wiremock::Request, expected: &str) -> Result<(), AuthFailure> {
    let Some(value) = raw.headers.get("authorization") else {
        return Err(AuthFailure::Missing);
    };
    let value = value.to_str().map_err(|_| AuthFailure::Malformed)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthFailure::Malformed)?;
    let token = token.trim_start_matches(' ');
    let b64token = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if !scheme.eq_ignore_ascii_case("bearer") || !b64token {
        return Err(AuthFailure::Malformed);
    }
    if token != expected {
        return Err(AuthFailure::InvalidToken);
    }
    Ok(())
}

fn endpoint_not_found(shared: &Shared, store: &Store) -> ResponseTemplate {
    shared.hooks.error(
        &ScimError::new(404).with_detail("Specified endpoint does not exist."),
        store.behaviour(),
    )
}

fn dispatch(shared: &Shared, req: &FakeRequest<'_>, store: &mut Store) -> ResponseTemplate {
    let hooks = &*shared.hooks;
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let kind = |name: &str| match name {
        "Users" => Some(Kind::User),
        "Groups" if store.behaviour().groups => Some(Kind::Group),
        _ => None,
    };
    let result = match (req.method, seg.as_slice()) {
        ("GET", ["ServiceProviderConfig"]) => {
            Ok(scim_json(200, &service_provider_config(store.behaviour())))
        }
        ("GET", ["ResourceTypes"]) => Ok(scim_json(200, &resource_types(store.behaviour()))),
        ("GET", ["Schemas"]) => Ok(scim_json(200, &list_body(Vec::new(), 1, None))),
        ("POST", [".search"]) if store.behaviour().search => search(hooks, req, store, None),
        ("POST", [ep, ".search"]) if store.behaviour().search && kind(ep).is_some() => {
            search(hooks, req, store, kind(ep))
        }
        ("GET", [ep]) if kind(ep).is_some() => {
            let params = ListParams::from_query(req);
            params.and_then(|p| list(hooks, store, kind(ep).into_iter().collect(), p))
        }
        ("POST", [ep]) => match kind(ep) {
            Some(k) => create(hooks, req, store, k),
            None => Err(endpoint_error()),
        },
        (m, [ep, id]) if kind(ep).is_some() => {
            let k = kind(ep).unwrap_or(Kind::User);
            one(hooks, req, store, k, m, id)
        }
        _ => Err(endpoint_error()),
    };
    result.unwrap_or_else(|e| hooks.error(&e, store.behaviour()))
}

/// RFC 7644 §3.12: 501, "the service provider does not support the request operation".
fn not_implemented(detail: &str) -> ScimError {
    ScimError::new(501).with_detail(detail)
}

fn endpoint_error() -> ScimError {
    ScimError::new(404).with_detail("Specified endpoint does not exist.")
}

fn resource_response(
    hooks: &dyn Hooks,
    store: &Store,
    kind: Kind,
    id: &str,
    status: u16,
) -> Result<ResponseTemplate, ScimError> {
    let stored = store.get(kind, id).ok_or_else(|| not_found(id))?;
    let body = hooks.render(kind, stored);
    let mut r = scim_json(status, &body);
    if store.behaviour().etags {
        r = r.insert_header("ETag", format!("W/\"{}\"", stored.version).as_str());
    }
    if status == 201 && store.behaviour().location_header {
        r = r.insert_header(
            "Location",
            format!("{}/{}/{}", store.base_url(), kind.endpoint(), id).as_str(),
        );
    }
    Ok(r)
}

fn create(
    hooks: &dyn Hooks,
    req: &FakeRequest<'_>,
    store: &mut Store,
    kind: Kind,
) -> Result<ResponseTemplate, ScimError> {
    let body = req.json()?;
    let id = hooks.create(kind, body, store)?;
    resource_response(hooks, store, kind, &id, 201)
}

fn one(
    hooks: &dyn Hooks,
    req: &FakeRequest<'_>,
    store: &mut Store,
    kind: Kind,
    method: &str,
    id: &str,
) -> Result<ResponseTemplate, ScimError> {
    if matches!(method, "PUT" | "PATCH" | "DELETE")
        && store.behaviour().etags
        && let (Some(if_match), Some(stored)) = (req.header("if-match"), store.get(kind, id))
    {
        let current = format!("W/\"{}\"", stored.version);
        let ok = if_match
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == current);
        if !ok {
            return Err(
                ScimError::new(412).with_detail("The resource has changed (ETag mismatch).")
            );
        }
    }
    match method {
        "GET" => resource_response(hooks, store, kind, id, 200),
        "PUT" => {
            if store.get(kind, id).is_none() {
                return Err(not_found(id));
            }
            let body = req.json()?;
            hooks.replace(kind, id, body, store)?;
            resource_response(hooks, store, kind, id, 200)
        }
        "PATCH" if !store.behaviour().patch => Err(not_implemented("PATCH is not supported.")),
        "PATCH" => {
            let body = req.json()?;
            let patch = parse_patch(body)?;
            hooks.patch(kind, id, patch, store)?;
            if store.behaviour().patch_returns_resource {
                resource_response(hooks, store, kind, id, 200)
            } else {
                Ok(ResponseTemplate::new(204))
            }
        }
        "DELETE" => {
            hooks.delete(kind, id, store)?;
            Ok(ResponseTemplate::new(204))
        }
        _ => Err(endpoint_error()),
    }
}

/// Parses a PatchOp body, answering a bad path with `invalidPath` and anything else with
/// `invalidValue`.
fn parse_patch(body: Value) -> Result<PatchOp, ScimError> {
    if let Some(ops) = body
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Operations")))
        .and_then(|(_, v)| v.as_array())
    {
        for op in ops {
            if let Some(path) = op.get("path").and_then(Value::as_str)
                && !path.is_empty()
                && path.parse::<scim_types::PatchPath>().is_err()
            {
                return Err(ScimError::new(400)
                    .with_scim_type(ScimType::InvalidPath)
                    .with_detail("The \"path\" attribute was invalid or malformed."));
            }
        }
    }
    let patch: PatchOp = serde_json::from_value(body).map_err(|e| {
        ScimError::new(400)
            .with_scim_type(ScimType::InvalidValue)
            .with_detail(format!("not a valid PatchOp: {e}"))
    })?;
    if patch.operations.is_empty() {
        return Err(ScimError::new(400)
            .with_scim_type(ScimType::InvalidValue)
            .with_detail("a PatchOp needs at least one operation"));
    }
    Ok(patch)
}

/// Listing parameters, from a query string or a SearchRequest body.
struct ListParams {
    filter: Option<Filter>,
    start_index: Option<i64>,
    count: Option<i64>,
}

impl ListParams {
    fn from_query(req: &FakeRequest<'_>) -> Result<Self, ScimError> {
        let mut bad = Vec::new();
        let mut int = |key: &str| -> Option<i64> {
            let raw = req.query_param(key)?;
            match raw.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    bad.push(key.to_owned());
                    None
                }
            }
        };
        let start_index = int("startIndex");
        let count = int("count");
        if !bad.is_empty() {
            return Err(bad_params(&bad));
        }
        let filter = req.query_param("filter").map(parse_filter).transpose()?;
        Ok(Self {
            filter,
            start_index,
            count,
        })
    }

    fn from_body(body: &Value) -> Result<Self, ScimError> {
        let text = |k: &str| {
            body.as_object()
                .and_then(|o| o.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)))
                .map(|(_, v)| v)
        };
        let num = |k: &str| text(k).and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
        let filter = text("filter")
            .and_then(Value::as_str)
            .map(parse_filter)
            .transpose()?;
        Ok(Self {
            filter,
            start_index: num("startIndex"),
            count: num("count"),
        })
    }
}

fn bad_params(names: &[String]) -> ScimError {
    let detail = if names.len() == 1 {
        format!(
            "Bad Request. Invalid parameter provided in request: {}.",
            names[0]
        )
    } else {
        format!(
            "Bad Request. Invalid parameters provided in request: {}.",
            names.join(", ")
        )
    };
    ScimError::new(400).with_detail(detail)
}

fn parse_filter(s: &str) -> Result<Filter, ScimError> {
    s.parse::<Filter>().map_err(|_| {
        ScimError::new(400).with_scim_type(ScimType::InvalidFilter).with_detail(
            "The specified filter syntax was invalid, or the specified attribute and filter comparison combination is not supported.",
        )
    })
}

fn search(
    hooks: &dyn Hooks,
    req: &FakeRequest<'_>,
    store: &mut Store,
    kind: Option<Kind>,
) -> Result<ResponseTemplate, ScimError> {
    let body = req.json()?;
    let params = ListParams::from_body(&body)?;
    let kinds = match kind {
        Some(k) => vec![k],
        None if store.behaviour().groups => vec![Kind::User, Kind::Group],
        None => vec![Kind::User],
    };
    list(hooks, store, kinds, params)
}

fn list(
    hooks: &dyn Hooks,
    store: &Store,
    kinds: Vec<Kind>,
    params: ListParams,
) -> Result<ResponseTemplate, ScimError> {
    if params.filter.is_some() && !store.behaviour().filter {
        return Err(not_implemented("Filtering is not supported."));
    }
    if let Some(f) = &params.filter {
        for k in &kinds {
            hooks.check_filter(*k, f)?;
        }
    }
    let mut matching: Vec<Value> = Vec::new();
    for kind in kinds {
        for stored in store.all(kind) {
            if !hooks.listed(kind, stored) {
                continue;
            }
            let rendered = hooks.render(kind, stored);
            if params
                .filter
                .as_ref()
                .is_none_or(|f| filter_matches(f, &rendered))
            {
                matching.push(rendered);
            }
        }
    }
    let start = params.start_index.unwrap_or(1).max(1);
    let body = match store.behaviour().paging {
        Paging::Honour { max_page_size } => {
            let count = params
                .count
                .unwrap_or(i64::from(max_page_size))
                .clamp(0, i64::from(max_page_size)) as usize;
            let total = matching.len();
            let page: Vec<Value> = matching
                .into_iter()
                .skip((start - 1) as usize)
                .take(count)
                .collect();
            let n = page.len();
            let mut body = list_body(page, start as u64, Some(total));
            body["itemsPerPage"] = json!(n);
            body
        }
        Paging::ReturnEverything { max_count } => {
            let echoed = params
                .count
                .unwrap_or(i64::from(max_count))
                .clamp(0, i64::from(max_count));
            let mut body = list_body(matching, start as u64, None);
            body["itemsPerPage"] = json!(echoed);
            body
        }
    };
    Ok(scim_json(200, &body))
}

fn list_body(resources: Vec<Value>, start: u64, total: Option<usize>) -> Value {
    let total = total.unwrap_or(resources.len());
    json!({
        "Resources": resources,
        "itemsPerPage": total,
        "schemas": [scim_types::urn::LIST_RESPONSE],
        "startIndex": start,
        "totalResults": total,
    })
}

fn service_provider_config(b: &Behaviour) -> Value {
    let max = match b.paging {
        Paging::Honour { max_page_size } => max_page_size,
        Paging::ReturnEverything { max_count } => max_count,
    };
    json!({
        "schemas": [scim_types::urn::SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": b.patch},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": b.filter, "maxResults": max},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": b.etags},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "OAuth Bearer Token",
            "description": "Authentication using OAuth Bearer Token"
        }]
    })
}

fn resource_types(b: &Behaviour) -> Value {
    let mut types = vec![json!({
        "schemas": [scim_types::urn::RESOURCE_TYPE], "id": "User", "name": "User",
        "endpoint": "/Users", "schema": scim_types::urn::USER,
        "schemaExtensions": [{"schema": scim_types::urn::ENTERPRISE_USER, "required": false}]
    })];
    if b.groups {
        types.push(json!({
            "schemas": [scim_types::urn::RESOURCE_TYPE], "id": "Group", "name": "Group",
            "endpoint": "/Groups", "schema": scim_types::urn::GROUP
        }));
    }
    list_body(types, 1, None)
}
