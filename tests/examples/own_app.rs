//! Your own app in the identity graph: a `UserDirectory` for an app none of our crates
//! knows, written against the public API only, reconciled alongside a vendor app.
//!
//! "Acme Wiki" is a made-up internal wiki with a small REST API (served here in process):
//! paged `GET /api/users`, `GET /api/users/{id}`, `GET /api/users/by-email/{email}`,
//! `POST /api/users`, `PATCH /api/users/{id}`, and no delete (a wiki admin deletes
//! accounts by hand). The example
//!
//! 1. describes the wiki with `CatalogEntry::builder` (its own `AppId`, routes,
//!    what it stores, what a person does where there is no API);
//! 2. implements `UserDirectory` for it over the family's shared transport
//!    (`HttpClient`: retries, typed errors, redacted secrets) and its paginator, which
//!    proves each listing complete;
//! 3. reconciles it and a Probo fake against the CSV directory: plan, apply, plan again
//!    (empty), then a departure (a deactivation, and a manual delete naming the admin
//!    action) and a rename (one action, the same wiki account).
//!
//! ```text
//! cargo run -p idgraph-tests --example own_app
//! ```
//!
//! It exits non-zero when an app does not converge.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use idgraph_common::auth::Bearer;
use idgraph_common::graph::catalog::{
    AppId, Attributes, Auth, AuthMethod, CatalogEntry, CaveatKind, Operation, Pagination, Route,
    UserApi,
};
use idgraph_common::graph::source::CsvSource;
use idgraph_common::graph::{
    ApplyMode, Created, Deprovision, DirectoryUser, Email, Listing, SyncPolicy, UserDirectory,
    apply, list_target, plan_listings,
};
use idgraph_common::paginate::{Items, Page, PageRequest, Paginator, Strategy};
use idgraph_common::{Error, HttpClient, Result, SecretString};
use percent_encoding::percent_decode_str;
use probo_scim::testing::FakeProbo;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wiremock::matchers::header;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type BoxError = Box<dyn StdError + Send + Sync>;

const WIKI_TOKEN: &str = "wiki-service-token";

// ---------------------------------------------------------------------------------------
// The wiki's catalog entry: what a planner needs to know about the app.
// ---------------------------------------------------------------------------------------

/// The wiki's id in plans, reports and audit events.
const WIKI: AppId = AppId::from_static("acme-wiki");

fn wiki_entry() -> CatalogEntry {
    CatalogEntry::builder(WIKI, "Acme Wiki")
        .surface("REST /api/users (internal)")
        .user_api(UserApi::new(
            "https://wiki.acme.test/api",
            Auth::new(
                AuthMethod::BearerToken,
                "a service token from Settings > API",
            ),
        ))
        .pagination(Pagination::offset("page / per_page").page_sizes(Some(2), Some(100)))
        .summary("REST: create, edit, disable; deleting is a wiki admin's job")
        .step(
            Operation::List,
            Route::RestApi,
            "GET /api/users?page=&per_page=",
        )
        .step(Operation::Create, Route::RestApi, "POST /api/users")
        .step(Operation::Update, Route::RestApi, "PATCH /api/users/{id}")
        .step(
            Operation::Deactivate,
            Route::RestApi,
            "PATCH /api/users/{id} disabled=true",
        )
        .step(
            Operation::Delete,
            Route::AdminConsole,
            "ask a wiki admin to delete the account in Acme Wiki > Settings > People (their \
             pages stay, attributed to a former user)",
        )
        .step(
            Operation::Rename,
            Route::RestApi,
            "PATCH /api/users/{id} email=…: the same account and pages",
        )
        .stores(Attributes::NAMES_ONLY.with_external_id(true))
        .caveat(
            CaveatKind::IrreversibleDelete,
            "deleting a wiki account re-attributes its pages; there is no undo",
        )
        .build()
}

// ---------------------------------------------------------------------------------------
// The directory: UserDirectory over the shared transport.
// ---------------------------------------------------------------------------------------

/// A wiki user as the API sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WikiUser {
    id: String,
    email: String,
    first: Option<String>,
    last: Option<String>,
    external_ref: Option<String>,
    disabled: bool,
}

#[derive(Debug, Deserialize)]
struct WikiPage {
    users: Vec<WikiUser>,
    total: u64,
}

/// Acme Wiki as a [`UserDirectory`].
struct WikiDirectory {
    http: HttpClient,
    entry: CatalogEntry,
}

impl WikiDirectory {
    fn new(base_url: &str, token: SecretString) -> Result<Self> {
        let http = HttpClient::builder()
            .base_url(base_url)
            .auth(Bearer::new(token))
            .user_agent("acme-wiki-sync/0.1")
            .build()?;
        Ok(Self {
            http,
            entry: wiki_entry(),
        })
    }

    fn to_directory(u: WikiUser) -> DirectoryUser {
        let mut d = DirectoryUser::new(u.email)
            .with_app_id(u.id)
            .with_active(!u.disabled);
        d.set_given_name(u.first.as_deref());
        d.set_family_name(u.last.as_deref());
        d.set_external_id(u.external_ref.as_deref());
        d
    }

    /// The wiki's id of `user`: the one the caller read, else looked up by email.
    async fn id_of(&self, user: &DirectoryUser) -> Result<String> {
        match user.app_id() {
            Some(id) => Ok(id.to_owned()),
            None => Ok(self
                .get_user(user)
                .await?
                .app_id()
                .unwrap_or_default()
                .to_owned()),
        }
    }

    async fn patch(&self, id: &str, body: Value) -> Result<DirectoryUser> {
        let u: WikiUser = self
            .http
            .patch(["api", "users", id])
            .json(&body)
            .operation("wiki.users.update")
            .send_json()
            .await?;
        Ok(Self::to_directory(u))
    }
}

#[async_trait]
impl UserDirectory for WikiDirectory {
    fn catalog(&self) -> &CatalogEntry {
        &self.entry
    }

    fn list_users(&self) -> Items<DirectoryUser> {
        let http = self.http.clone();
        // The paginator ends cleanly only when the pages add up to the reported total;
        // an early empty page or a short total is an error, never a short listing.
        Paginator::new(Strategy::page_number(2), move |req| {
            let http = http.clone();
            async move {
                let PageRequest::Number { page, size } = req else {
                    return Err(Error::invalid_input("the wiki pages by number"));
                };
                let p: WikiPage = http
                    .get(["api", "users"])
                    .query("page", page)
                    .query("per_page", size)
                    .operation("wiki.users.list")
                    .send_json()
                    .await?;
                Ok(Page::new(p.users).with_total(Some(p.total)))
            }
        })
        .items()
        .map(Self::to_directory)
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let u: WikiUser = self
            .http
            .post(["api", "users"])
            .json(&json!({
                "email": user.email().as_str(),
                "first": user.given_name(),
                "last": user.family_name(),
                "external_ref": user.external_id(),
                "disabled": !user.is_active(),
            }))
            .operation("wiki.users.create")
            .send_json()
            .await?;
        Ok(Created::new(Self::to_directory(u)))
    }

    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.id_of(desired).await?;
        self.patch(
            &id,
            json!({
                "first": desired.given_name(),
                "last": desired.family_name(),
                "external_ref": desired.external_id(),
                "disabled": !desired.is_active(),
            }),
        )
        .await
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.id_of(user).await?;
        self.patch(&id, json!({ "disabled": true })).await
    }

    async fn delete_user(&self, _user: &DirectoryUser) -> Result<()> {
        // No API: the catalog's instruction, as every directory of the family answers.
        let step = self.entry.step(Operation::Delete);
        Err(Error::unsupported(
            self.entry.name.clone(),
            Operation::Delete.as_str(),
            step.how.clone(),
        ))
    }

    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let request = match user.app_id() {
            Some(id) => self.http.get(["api", "users", id]),
            None => self
                .http
                .get(["api", "users", "by-email", user.email().as_str()]),
        };
        let u: WikiUser = request.operation("wiki.users.get").send_json().await?;
        Ok(Self::to_directory(u))
    }

    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let id = self.id_of(user).await?;
        self.patch(&id, json!({ "email": new_email.as_str() }))
            .await
    }
}

// ---------------------------------------------------------------------------------------
// The wiki itself, in process (in real life it is somebody else's server).
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct WikiState {
    users: BTreeMap<u64, WikiUser>,
    next: u64,
}

#[derive(Clone, Default)]
struct Wiki(Arc<Mutex<WikiState>>);

impl Wiki {
    fn state(&self) -> std::sync::MutexGuard<'_, WikiState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, email: &str, first: &str, last: &str, external_ref: Option<&str>) {
        let mut st = self.state();
        st.next += 1;
        let id = st.next;
        st.users.insert(
            id,
            WikiUser {
                id: format!("w{id}"),
                email: email.to_owned(),
                first: Some(first.to_owned()),
                last: Some(last.to_owned()),
                external_ref: external_ref.map(str::to_owned),
                disabled: false,
            },
        );
    }

    fn find(&self, email: &str) -> Option<WikiUser> {
        let st = self.state();
        let found = st
            .users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email));
        found.cloned()
    }
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({"error": "no such user"}))
}

fn email_taken() -> ResponseTemplate {
    ResponseTemplate::new(409).set_body_json(json!({"error": "email already in use"}))
}

impl Respond for Wiki {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let segments: Vec<String> = req
            .url
            .path_segments()
            .map(|s| {
                s.map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let query = |k: &str| {
            req.url
                .query_pairs()
                .find(|(key, _)| key == k)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let mut st = self.state();
        let by_id =
            |st: &WikiState, id: &str| st.users.iter().find(|(_, u)| u.id == id).map(|(k, _)| *k);
        match (req.method.as_str(), segments.as_slice()) {
            ("GET", ["api", "users"]) => {
                let (page, per) = (query("page").unwrap_or(1), query("per_page").unwrap_or(2));
                let users: Vec<&WikiUser> = st
                    .users
                    .values()
                    .skip(page.saturating_sub(1) * per)
                    .take(per)
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"users": users, "total": st.users.len()}))
            }
            ("GET", ["api", "users", "by-email", email]) => match st
                .users
                .values()
                .find(|u| u.email.eq_ignore_ascii_case(email))
            {
                Some(u) => ResponseTemplate::new(200).set_body_json(u),
                None => not_found(),
            },
            ("GET", ["api", "users", id]) => match by_id(&st, id) {
                Some(k) => ResponseTemplate::new(200).set_body_json(&st.users[&k]),
                None => not_found(),
            },
            ("POST", ["api", "users"]) => {
                let Some(email) = body["email"].as_str() else {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"error": "email is required"}));
                };
                if st
                    .users
                    .values()
                    .any(|u| u.email.eq_ignore_ascii_case(email))
                {
                    return email_taken();
                }
                st.next += 1;
                let n = st.next;
                let user = WikiUser {
                    id: format!("w{n}"),
                    email: email.to_owned(),
                    first: body["first"].as_str().map(str::to_owned),
                    last: body["last"].as_str().map(str::to_owned),
                    external_ref: body["external_ref"].as_str().map(str::to_owned),
                    disabled: body["disabled"].as_bool().unwrap_or(false),
                };
                st.users.insert(n, user.clone());
                ResponseTemplate::new(201).set_body_json(user)
            }
            ("PATCH", ["api", "users", id]) => {
                let Some(k) = by_id(&st, id) else {
                    return not_found();
                };
                if let Some(email) = body["email"].as_str()
                    && st
                        .users
                        .iter()
                        .any(|(other, u)| *other != k && u.email.eq_ignore_ascii_case(email))
                {
                    return email_taken();
                }
                let Some(u) = st.users.get_mut(&k) else {
                    return not_found();
                };
                let text = |v: &Value| v.as_str().map(str::to_owned);
                if let Some(obj) = body.as_object() {
                    for (key, v) in obj {
                        match key.as_str() {
                            "email" => u.email = text(v).unwrap_or_else(|| u.email.clone()),
                            "first" => u.first = text(v),
                            "last" => u.last = text(v),
                            "external_ref" => u.external_ref = text(v),
                            "disabled" => u.disabled = v.as_bool().unwrap_or(u.disabled),
                            _ => {}
                        }
                    }
                }
                ResponseTemplate::new(200).set_body_json(&*u)
            }
            ("DELETE", _) => ResponseTemplate::new(405)
                .set_body_json(json!({"error": "only a wiki admin can delete accounts"})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"error": "no such route"})),
        }
    }
}

async fn start_wiki() -> (MockServer, Wiki) {
    let wiki = Wiki::default();
    // Drift: Ada is there under another family name, and a former contractor still has
    // an account.
    wiki.insert("ada.lovelace@example.com", "Ada", "King", Some("00u001"));
    wiki.insert("mallory.former@example.com", "Mallory", "Former", None);
    let server = MockServer::start().await;
    Mock::given(header(
        "authorization",
        format!("Bearer {WIKI_TOKEN}").as_str(),
    ))
    .respond_with(wiki.clone())
    .mount(&server)
    .await;
    (server, wiki)
}

// ---------------------------------------------------------------------------------------
// Reconcile the wiki alongside a vendor app.
// ---------------------------------------------------------------------------------------

async fn sync(
    name: &str,
    source: &[DirectoryUser],
    target: &dyn UserDirectory,
    policy: &SyncPolicy,
) -> std::result::Result<bool, BoxError> {
    // Plans only from listings proven complete: a listing the paginator could not prove
    // whole (it ended early, or short of the total the app reported) is an error here,
    // never a plan that would deprovision whoever is missing from it.
    let source = Listing::from_source(source.to_vec());
    let listed = list_target(target).await?;
    let p = plan_listings(&source, &listed, target.catalog(), policy);
    println!("{p}");
    let report = apply(&p, target, ApplyMode::Execute).await;
    println!("{report}");
    let listed = list_target(target).await?;
    let again = plan_listings(&source, &listed, target.catalog(), policy);
    let converged = !again.has_operations() && report.is_success();
    println!(
        "{name}: {}\n",
        if converged {
            "converged (the next plan has nothing to do)"
        } else {
            "DID NOT CONVERGE"
        }
    );
    Ok(converged)
}

async fn run() -> std::result::Result<bool, BoxError> {
    let csv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/directory.csv");
    let mut source = CsvSource::from_path(&csv).load()?.into_users();
    source.retain(|u| u.email().as_str() != "svc-backup@example.com");

    let (server, wiki_state) = start_wiki().await;
    let wiki = WikiDirectory::new(&server.uri(), SecretString::from(WIKI_TOKEN))?;
    let probo_fake = FakeProbo::start().await;
    let probo = probo_fake.client_builder().build()?;
    println!(
        "Apps: {} ({}) and {} ({})\n",
        wiki.catalog().name,
        wiki.catalog().app,
        probo.catalog().name,
        probo.catalog().app
    );

    // Leavers are deleted where the app can delete by API (Probo), and deactivated plus a
    // manual delete item where it cannot (the wiki).
    let policy = SyncPolicy::default()
        .deprovision(Deprovision::Delete)
        .max_deprovision_share(0.6);
    let targets: [(&str, &dyn UserDirectory); 2] = [("Acme Wiki", &wiki), ("Probo", &probo)];
    let mut ok = true;
    println!("== 1. First sync");
    for (name, target) in targets {
        ok &= sync(name, &source, target, &policy).await?;
    }

    println!("== 2. Grace leaves; Alan's email changes");
    source.retain(|u| u.email().as_str() != "grace.hopper@example.com");
    let wiki_id_before = wiki_state
        .find("alan.turing@example.com")
        .map(|u| u.id)
        .unwrap_or_default();
    for u in &mut source {
        if u.email().as_str() == "alan.turing@example.com" {
            u.set_email("alan.turing@example.org");
        }
    }
    for (name, target) in targets {
        ok &= sync(name, &source, target, &policy).await?;
    }
    let renamed = wiki_state.find("alan.turing@example.org");
    let same_account = renamed.as_ref().map(|u| u.id.as_str()) == Some(wiki_id_before.as_str());
    let grace_disabled = wiki_state
        .find("grace.hopper@example.com")
        .is_some_and(|u| u.disabled);
    println!(
        "Wiki: Alan renamed on the same account: {same_account}; Grace disabled (delete left \
         to a wiki admin): {grace_disabled}"
    );
    Ok(ok && same_account && grace_disabled)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
