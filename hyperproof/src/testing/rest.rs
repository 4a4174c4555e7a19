//! The fake's REST API and OAuth2 token endpoint.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use idgraph_common::testing::{Kind, ScimFake};
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::scim::{rest_group_of, rest_user_of};
use super::{FakeConfig, Fault, fake_uuid, now_iso8601, path_segments};
use crate::rest::{
    Group, GroupId, Me, ObjectStatus, OrganizationUser, OrganizationUserType, Role, RoleId, UserId,
    UserState,
};
use crate::scim::HyperproofRole;

/// The REST side's state, shared with the SCIM side (users provisioned over SCIM appear
/// in `GET /v1/users`).
#[derive(Debug)]
pub(crate) struct RestState {
    pub(crate) users: Vec<OrganizationUser>,
    pub(crate) groups: Vec<Group>,
    pub(crate) roles: Vec<(HyperproofRole, Role)>,
    /// Access tokens issued and not revoked.
    issued: HashSet<String>,
    pub(crate) token_requests: u64,
    pub(crate) token_scopes: Vec<String>,
    faults: VecDeque<Fault>,
    next_id: u64,
    /// The user an API token acts as.
    token_owner: UserId,
    /// The user the client credentials act as (a service account).
    service_account: UserId,
}

impl RestState {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let roles: Vec<(HyperproofRole, Role)> = HyperproofRole::ALL
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let name = match r {
                    HyperproofRole::OrganizationAdministrator => "Organization Administrator",
                    HyperproofRole::ComplianceManager => "Compliance Manager",
                    HyperproofRole::User => "User",
                    _ => "Limited Access User",
                };
                let mut role = Role {
                    id: RoleId::new(fake_uuid(0x7001, i as u64 + 1)),
                    name: Some(name.to_owned()),
                    description: None,
                    extra: Default::default(),
                };
                role.extra
                    .insert("scimValue".to_owned(), Value::from(r.as_str()));
                (r, role)
            })
            .collect();
        let mut state = Self {
            users: Vec::new(),
            groups: Vec::new(),
            roles,
            issued: HashSet::new(),
            token_requests: 0,
            token_scopes: Vec::new(),
            faults: VecDeque::new(),
            next_id: 0,
            token_owner: UserId::new(""),
            service_account: UserId::new(""),
        };
        state.token_owner = state
            .add_user(
                Some(&config.admin_email),
                "Ada",
                "Admin",
                OrganizationUserType::ActiveUser,
                HyperproofRole::OrganizationAdministrator,
            )
            .id;
        state.service_account = state
            .add_user(
                None,
                "API client",
                "",
                OrganizationUserType::ServiceAccount,
                HyperproofRole::User,
            )
            .id;
        state
    }

    pub(crate) fn next_uuid(&mut self, kind: u16) -> String {
        self.next_id += 1;
        fake_uuid(kind, self.next_id)
    }

    pub(crate) fn role_id(&self, role: HyperproofRole) -> Option<RoleId> {
        self.roles
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, role)| role.id.clone())
    }

    /// Adds an organization user and returns it.
    pub(crate) fn add_user(
        &mut self,
        email: Option<&str>,
        given_name: &str,
        surname: &str,
        kind: OrganizationUserType,
        role: HyperproofRole,
    ) -> OrganizationUser {
        let user = OrganizationUser {
            id: UserId::new(self.next_uuid(0x0001)),
            user_id: Some(UserId::new(self.next_uuid(0x0002))),
            email: email.map(str::to_owned),
            given_name: Some(given_name.to_owned()).filter(|s| !s.is_empty()),
            surname: Some(surname.to_owned()).filter(|s| !s.is_empty()),
            title: None,
            kind: Some(kind),
            status: Some(ObjectStatus::Active),
            organization_role_id: self.role_id(role),
            identity_providers: Vec::new(),
            extra: Default::default(),
        };
        self.users.push(user.clone());
        user
    }

    pub(crate) fn push_fault(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    pub(crate) fn revoke_tokens(&mut self) {
        self.issued.clear();
    }
}

/// Serves the token endpoint and `/v1/...`.
pub(crate) struct RestApi {
    pub(crate) state: Arc<Mutex<RestState>>,
    pub(crate) config: Arc<FakeConfig>,
    pub(crate) scim: ScimFake,
}

/// The SCIM side's users and groups, read before the REST state is locked (the lock
/// order is always SCIM, then REST).
pub(crate) struct ScimView {
    users: Vec<scim_types::User>,
    groups: Vec<Group>,
}

impl ScimView {
    pub(crate) fn read(scim: &ScimFake, config: &FakeConfig) -> Self {
        let groups = scim.with_store(|store| {
            store
                .all(Kind::Group)
                .iter()
                .filter_map(|g| rest_group_of(g, &config.org_id))
                .collect()
        });
        Self {
            users: scim.users(),
            groups,
        }
    }
}

impl RestState {
    /// Every organization user: REST-only ones, then those provisioned over SCIM.
    pub(crate) fn all_users(&self, view: &ScimView) -> Vec<OrganizationUser> {
        let mut users = self.users.clone();
        users.extend(
            view.users
                .iter()
                .map(|u| rest_user_of(u, |r| self.role_id(r))),
        );
        users
    }

    /// Every group: created over REST, then pushed over SCIM (archived ones included).
    pub(crate) fn all_groups(&self, view: &ScimView) -> Vec<Group> {
        let mut groups = self.groups.clone();
        groups.extend(view.groups.iter().cloned());
        groups
    }
}

/// Which credential a REST request carried.
enum Caller {
    Token,
    Client,
}

pub(crate) fn lock(state: &Mutex<RestState>) -> MutexGuard<'_, RestState> {
    // A panic in another handler must not wedge the fake for the rest of a test.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Hyperproof's error body shape (`{"statusCode": …, "message": …}`).
pub(crate) fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"statusCode": status, "message": message}))
}

impl Respond for RestApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments = path_segments(request);
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = request.method.as_str();
        if segs == ["oauth", "token"] {
            return if method == "POST" {
                self.token(request)
            } else {
                error(405, "Method not allowed")
            };
        }
        let Some(("v1", rest)) = segs.split_first().map(|(a, b)| (*a, b)) else {
            return error(404, "Not found");
        };
        let view = matches!(rest.first().copied(), Some("users" | "groups"))
            .then(|| ScimView::read(&self.scim, &self.config));
        let mut state = lock(&self.state);
        let caller = match self.caller(request, &state) {
            Some(c) => c,
            None => return error(401, "Unauthorized"),
        };
        if let Some(fault) = state.faults.pop_front() {
            return fault.response();
        }
        match (method, rest) {
            ("GET", ["users", "me"]) => {
                let id = match caller {
                    Caller::Token => state.token_owner.clone(),
                    Caller::Client => state.service_account.clone(),
                };
                match state.users.iter().find(|u| u.id == id) {
                    Some(u) => ResponseTemplate::new(200).set_body_json(me_of(u)),
                    None => error(404, "User not found"),
                }
            }
            ("GET", ["users"]) => {
                let include = query(request, "includeDeactivated")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                let users: Vec<OrganizationUser> = view
                    .map(|v| state.all_users(&v))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|u| include || !u.is_deactivated())
                    .collect();
                ResponseTemplate::new(200).set_body_json(users)
            }
            ("GET", ["groups"]) => {
                let status = query(request, "status").map(|s| ObjectStatus::from_wire(&s));
                let groups: Vec<Group> = view
                    .map(|v| state.all_groups(&v))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|g| status.as_ref().is_none_or(|s| g.status.as_ref() == Some(s)))
                    .collect();
                ResponseTemplate::new(200).set_body_json(groups)
            }
            ("GET", ["groups", id]) => {
                let groups = view.map(|v| state.all_groups(&v)).unwrap_or_default();
                match groups.iter().find(|g| g.id.as_str() == *id) {
                    Some(g) => ResponseTemplate::new(200).set_body_json(g),
                    None => error(404, "Group not found"),
                }
            }
            ("POST", ["groups"]) => create_group(&mut state, request, &self.config),
            ("GET", ["roles"]) => {
                let roles: Vec<&Role> = state.roles.iter().map(|(_, r)| r).collect();
                ResponseTemplate::new(200).set_body_json(roles)
            }
            _ => error(404, "Not found"),
        }
    }
}

impl RestApi {
    /// Who the request authenticates as: the API token, or an access token issued to
    /// the client credentials. The SCIM token is not a REST credential.
    fn caller(&self, request: &Request, state: &RestState) -> Option<Caller> {
        let token = bearer(request)?;
        if self.config.accept_api_token && token == self.config.api_token {
            Some(Caller::Token)
        } else if state.issued.contains(token) {
            Some(Caller::Client)
        } else {
            None
        }
    }

    /// `POST /oauth/token`: client credentials in the form body (as Hyperproof
    /// documents), HTTP Basic, or a JSON body (as some clients send).
    fn token(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        state.token_requests += 1;
        let params = token_params(request);
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let (mut id, mut secret) = (get("client_id"), get("client_secret"));
        if let Some((basic_id, basic_secret)) = basic(request) {
            id = Some(basic_id);
            secret = Some(basic_secret);
        }
        if get("grant_type").as_deref() != Some("client_credentials") {
            return ResponseTemplate::new(400).set_body_json(json!({
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials"
            }));
        }
        if id.as_deref() != Some(self.config.client_id.as_str())
            || secret.as_deref() != Some(self.config.client_secret.as_str())
        {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "error_description": "Client authentication failed"
            }));
        }
        state.token_scopes = get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let token = format!("hp-access-{}", state.next_uuid(0x70c0));
        state.issued.insert(token.clone());
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.config.token_lifetime.as_secs(),
            "scope": state.token_scopes.join(" "),
        }))
    }
}

fn create_group(state: &mut RestState, request: &Request, config: &FakeConfig) -> ResponseTemplate {
    let Ok(body) = request.body_json::<Value>() else {
        return error(400, "The request body is not valid JSON");
    };
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return error(400, "name is required");
    };
    let ids = |key: &str| -> Vec<UserId> {
        body.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(UserId::new)
                    .collect()
            })
            .unwrap_or_default()
    };
    let now = now_iso8601();
    let group = Group {
        id: GroupId::new(state.next_uuid(0x0006)),
        org_id: Some(config.org_id.clone()),
        name: name.to_owned(),
        group_lead_id: body
            .get("groupLeadId")
            .and_then(Value::as_str)
            .map(UserId::new),
        user_ids: ids("userIds"),
        status: Some(ObjectStatus::Active),
        created_on: Some(now.clone()),
        updated_on: Some(now),
        extra: Default::default(),
    };
    state.groups.push(group.clone());
    ResponseTemplate::new(200).set_body_json(group)
}

/// `GET /v1/users/me` for an organization user.
fn me_of(user: &OrganizationUser) -> Me {
    Me {
        id: user.user_id.clone().unwrap_or_else(|| user.id.clone()),
        email: user.email.clone(),
        given_name: user.given_name.clone(),
        surname: user.surname.clone(),
        language: Some("en".to_owned()),
        locale: Some("US".to_owned()),
        time_zone: Some("UTC".to_owned()),
        identity_providers: Vec::new(),
        organization_role_id: user.organization_role_id.clone(),
        last_login: None,
        state: Some(if user.is_deactivated() {
            UserState::Disabled
        } else {
            UserState::Valid
        }),
        verified_on: None,
        terms_accepted_on: None,
        extra: Default::default(),
    }
}

/// The bearer token of a request.
pub(crate) fn bearer(request: &Request) -> Option<&str> {
    let value = request.headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// `Authorization: Basic` client credentials (RFC 6749 §2.3.1: form-encoded parts).
fn basic(request: &Request) -> Option<(String, String)> {
    use base64::Engine as _;
    let value = request.headers.get("authorization")?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(raw).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unform = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unform(id)?, unform(secret)?))
}

/// The token request's parameters, from a form or a JSON body.
fn token_params(request: &Request) -> Vec<(String, String)> {
    if let Ok(Value::Object(map)) = request.body_json::<Value>() {
        return map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect();
    }
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A query parameter's decoded value.
pub(crate) fn query(request: &Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

impl Fault {
    /// The answer the fault stands for, in Hyperproof's shapes.
    pub(crate) fn response(&self) -> ResponseTemplate {
        let with_retry_after = |t: ResponseTemplate, after: &Option<Duration>| match after {
            Some(d) => t.insert_header("retry-after", d.as_secs().to_string()),
            None => t,
        };
        match self {
            Fault::RateLimited { retry_after } => with_retry_after(
                error(429, "Rate limit is exceeded. Try again in 5 seconds."),
                retry_after,
            ),
            Fault::QuotaExceeded { retry_after } => with_retry_after(
                error(403, "Bandwidth quota exceeded. Try again later."),
                retry_after,
            ),
            Fault::Forbidden => error(403, "Forbidden"),
            Fault::Status(status) => error(*status, "Injected failure"),
        }
    }
}
