//! A person's email changes in the source: against each vendor fake and a generic SCIM
//! server, one rename converges in one apply (the next plan is empty), and the person
//! has an active account after every call the apply makes. A planned deactivation of an
//! account renamed in between is refused, and nothing is changed. A reviewed rename in
//! Proofpoint, which stores no link keys, runs when the target is unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use idgraph_common::graph::{
    ApplyMode, CatalogEntry, Created, DirectoryUser, Email, Listing, Outcome, SyncPlan, SyncPolicy,
    SyncReport, UserDirectory, apply, apply_reviewed, carry_link_keys, list_target, plan,
    plan_listings,
};
use idgraph_common::paginate::Items;
use idgraph_common::testing::paused_clock_reqwest_client;
use idgraph_common::{Result, TransportSettings};

/// A directory that checks, after every call, that the person still has an active
/// account in the fake (`active`), and counts the calls where they did not.
struct Watched<'a> {
    inner: &'a dyn UserDirectory,
    active: Box<dyn Fn() -> bool + Send + Sync + 'a>,
    calls: AtomicUsize,
    violations: AtomicUsize,
}

impl<'a> Watched<'a> {
    fn new(inner: &'a dyn UserDirectory, active: impl Fn() -> bool + Send + Sync + 'a) -> Self {
        Self {
            inner,
            active: Box::new(active),
            calls: AtomicUsize::new(0),
            violations: AtomicUsize::new(0),
        }
    }
    fn after<T>(&self, r: T) -> T {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if !(self.active)() {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}

#[async_trait]
impl UserDirectory for Watched<'_> {
    fn catalog(&self) -> &CatalogEntry {
        self.inner.catalog()
    }
    fn list_users(&self) -> Items<DirectoryUser> {
        self.inner.list_users()
    }
    async fn create_user(&self, u: &DirectoryUser) -> Result<Created> {
        let r = self.inner.create_user(u).await;
        self.after(r)
    }
    async fn update_user(&self, u: &DirectoryUser) -> Result<DirectoryUser> {
        let r = self.inner.update_user(u).await;
        self.after(r)
    }
    async fn deactivate_user(&self, u: &DirectoryUser) -> Result<DirectoryUser> {
        let r = self.inner.deactivate_user(u).await;
        self.after(r)
    }
    async fn delete_user(&self, u: &DirectoryUser) -> Result<()> {
        let r = self.inner.delete_user(u).await;
        self.after(r)
    }
    async fn get_user(&self, u: &DirectoryUser) -> Result<DirectoryUser> {
        let r = self.inner.get_user(u).await;
        self.after(r)
    }
    async fn rename_user(&self, u: &DirectoryUser, new: &Email) -> Result<DirectoryUser> {
        let r = self.inner.rename_user(u, new).await;
        self.after(r)
    }
}

const OLD: &str = "jane.doe@example.com";
const NEW: &str = "jane.smith@example.com";

fn jane(email: &str) -> DirectoryUser {
    DirectoryUser::new(email)
        .with_names("Jane", "Doe")
        .with_external_id("00u1")
}

fn settings() -> TransportSettings {
    TransportSettings::new()
        .no_attempt_timeout()
        .reqwest_client(paused_clock_reqwest_client())
}

/// Syncs `jane(OLD)` in, renames her in the source, and checks the rename: one item,
/// done, the person active after every call, the next plan a no-op.
async fn rename_converges(dir: &dyn UserDirectory, watched: &Watched<'_>, policy: &SyncPolicy) {
    let before = [jane(OLD)];
    let target = list_target(dir).await.unwrap().into_users();
    let p = plan(&before, &target, dir.catalog(), policy);
    assert!(apply(&p, dir, ApplyMode::Execute).await.is_success());

    let after = [jane(NEW)];
    let mut target = list_target(dir).await.unwrap().into_users();
    carry_link_keys(&mut target, &before);
    let p = plan(&after, &target, dir.catalog(), policy);
    let c = p.counts();
    assert_eq!(
        (c.rename, c.create, c.deactivate, c.delete),
        (1, 0, 0, 0),
        "{p}"
    );
    let report = apply(&p, watched, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    assert!(
        watched.calls.load(Ordering::Relaxed) >= 2,
        "re-read and rename"
    );
    assert_eq!(
        watched.violations.load(Ordering::Relaxed),
        0,
        "the person had no active account after some call"
    );

    let target = list_target(dir).await.unwrap().into_users();
    let again = plan(&after, &target, dir.catalog(), policy);
    assert!(again.is_noop(), "{again}");
    assert!(
        target
            .iter()
            .any(|u| u.email().as_str() == NEW && u.is_active())
    );
    assert!(!target.iter().any(|u| u.email().as_str() == OLD));
}

#[tokio::test(start_paused = true)]
async fn proofpoint_renames_by_delete_and_recreate_when_allowed() {
    use proofpoint_essentials::testing::FakeEssentials;
    let fake = FakeEssentials::start().await;
    fake.register_domain("example.com");
    let client = fake
        .rest_client()
        .transport(fake.transport())
        .build()
        .unwrap();
    let watched = Watched::new(&client, || {
        [OLD, NEW].iter().any(|e| {
            fake.user_json(e)
                .is_some_and(|u| u["status"] != "inactive" && u["isActive"] != false)
        })
    });
    let policy = SyncPolicy::default().allow_lossy_renames(true);
    rename_converges(&client, &watched, &policy).await;

    // Without the policy's consent, a manual item and nobody touched.
    let target = list_target(&client).await.unwrap().into_users();
    let mut target = target;
    carry_link_keys(&mut target, &[jane(NEW)]);
    let p = plan(
        &[jane("jane.x@example.com")],
        &target,
        client.catalog(),
        &SyncPolicy::default(),
    );
    assert_eq!(p.counts().manual, 1, "{p}");
    assert!(!p.has_operations(), "{p}");
}

#[tokio::test(start_paused = true)]
async fn a_planned_deactivation_of_an_account_renamed_since_is_refused_on_probo() {
    use probo_scim::testing::FakeProbo;
    let fake = FakeProbo::start().await;
    let client = fake.client_builder().transport(settings()).build().unwrap();
    let p = plan(&[jane(OLD)], &[], client.catalog(), &SyncPolicy::default());
    assert!(apply(&p, &client, ApplyMode::Execute).await.is_success());
    let target = list_target(&client).await.unwrap().into_users();
    let leave = plan(
        &[],
        &target,
        client.catalog(),
        &SyncPolicy::default()
            .allow_empty_source(true)
            .max_deprovision_share(1.0),
    );
    assert_eq!(leave.counts().deactivate, 1, "{leave}");
    // Between plan and apply, the account is moved to another address.
    client
        .users()
        .rename_email(
            target[0]
                .app_id()
                .map(probo_scim::UserId::new)
                .as_ref()
                .unwrap(),
            NEW,
        )
        .await
        .unwrap();
    let report = apply(&leave, &client, ApplyMode::Execute).await;
    let Outcome::Failed { error } = &report.items[0].outcome else {
        panic!("{report}")
    };
    assert!(error.contains("changed since the plan"), "{error}");
    let now = fake.users();
    assert!(
        now.iter().all(|u| u.active != Some(false)),
        "nobody deactivated: {now:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn probo_renames_in_place() {
    use probo_scim::testing::FakeProbo;
    let fake = FakeProbo::start().await;
    let client = fake.client_builder().transport(settings()).build().unwrap();
    let watched = Watched::new(&client, || {
        fake.users()
            .iter()
            .any(|u| [OLD, NEW].contains(&u.user_name.as_str()) && u.active != Some(false))
    });
    rename_converges(&client, &watched, &SyncPolicy::default()).await;
    let renamed = fake
        .users()
        .into_iter()
        .find(|u| u.user_name == NEW)
        .unwrap();
    assert_eq!(renamed.external_id.as_deref(), Some("00u1"));
}

#[tokio::test(start_paused = true)]
async fn hyperproof_renames_in_place() {
    use hyperproof::testing::FakeHyperproof;
    let fake = FakeHyperproof::start().await;
    let client = fake.scim_client().unwrap();
    let watched = Watched::new(&client, || {
        fake.scim_users()
            .iter()
            .any(|u| [OLD, NEW].contains(&u.user_name.as_str()) && u.active != Some(false))
    });
    rename_converges(&client, &watched, &SyncPolicy::default()).await;
    let renamed = fake
        .scim_users()
        .into_iter()
        .find(|u| u.user_name == NEW)
        .unwrap();
    assert_eq!(renamed.primary_email(), Some(NEW));
}

/// Syncs `jane(OLD)` into `dir`, plans her departure, lets `rename` move her account
/// to `NEW` in between (as an admin or another tool would), then applies the plan: the
/// report of that apply.
async fn stale_deactivation(dir: &dyn UserDirectory) -> SyncReport {
    let p = plan(&[jane(OLD)], &[], dir.catalog(), &SyncPolicy::default());
    let report = apply(&p, dir, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    let target = list_target(dir).await.unwrap().into_users();
    let leave = plan(
        &[],
        &target,
        dir.catalog(),
        &SyncPolicy::default()
            .allow_empty_source(true)
            .max_deprovision_share(1.0),
    );
    assert_eq!(leave.counts().deactivate, 1, "{leave}");
    // Between plan and apply, the account is renamed by the app's own route.
    let renamed = dir.rename_user(&target[0], &Email::new(NEW)).await.unwrap();
    assert_eq!(renamed.email().as_str(), NEW);
    let report = apply(&leave, dir, ApplyMode::Execute).await;
    assert_eq!(report.items.len(), 1, "{report}");
    report
}

fn refusal(report: &SyncReport) -> &str {
    let Outcome::Failed { error } = &report.items[0].outcome else {
        panic!("not refused: {report}")
    };
    assert!(error.contains("nothing was changed: plan again"), "{error}");
    error
}

#[tokio::test(start_paused = true)]
async fn a_planned_deactivation_of_an_account_renamed_since_is_refused_on_hyperproof() {
    use hyperproof::testing::FakeHyperproof;
    let fake = FakeHyperproof::start().await;
    let client = fake.scim_client().unwrap();
    let report = stale_deactivation(&client).await;
    let error = refusal(&report);
    assert!(error.contains("changed since the plan"), "{error}");
    assert!(error.contains(NEW), "{error}");
    let now = fake.scim_users();
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(now[0].user_name, NEW);
    assert_ne!(now[0].active, Some(false), "not deactivated: {now:?}");
}

#[tokio::test(start_paused = true)]
async fn a_planned_deactivation_of_an_account_renamed_since_is_refused_on_proofpoint() {
    use proofpoint_essentials::testing::FakeEssentials;
    let fake = FakeEssentials::start().await;
    fake.register_domain("example.com");
    let client = fake
        .rest_client()
        .transport(fake.transport())
        .build()
        .unwrap();
    let report = stale_deactivation(&client).await;
    // Proofpoint's rename deletes the account and creates it again: the planned
    // account is gone, which here may mean renamed, never "done".
    let error = refusal(&report);
    assert!(error.contains("is gone since the plan"), "{error}");
    assert!(fake.user_json(OLD).is_none());
    let renamed = fake.user_json(NEW).unwrap();
    assert_eq!(renamed["status"], "active", "not deactivated: {renamed}");
    assert_eq!(fake.user_count(), 1);
}

/// The generic SCIM directory over the in-process SCIM server.
async fn generic_scim() -> (
    idgraph_common::testing::ScimFake,
    idgraph_common::scim::ScimDirectory,
) {
    use idgraph_common::scim::{ScimClient, ScimDirectory, ScimToken};
    use idgraph_common::testing::{DEFAULT_TOKEN, ScimFake};
    let fake = ScimFake::start().await;
    let client = ScimClient::builder()
        .base_url(fake.url())
        .token(ScimToken::new(DEFAULT_TOKEN))
        .transport(settings())
        .build()
        .unwrap();
    let dir = ScimDirectory::discover(client).await.unwrap();
    (fake, dir)
}

#[tokio::test(start_paused = true)]
async fn a_planned_deactivation_of_an_account_renamed_since_is_refused_on_generic_scim() {
    let (fake, dir) = generic_scim().await;
    let report = stale_deactivation(&dir).await;
    let error = refusal(&report);
    assert!(error.contains("changed since the plan"), "{error}");
    assert!(error.contains(NEW), "{error}");
    let now = fake.users();
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(now[0].user_name, NEW);
    assert_ne!(now[0].active, Some(false), "not deactivated: {now:?}");
}

#[tokio::test(start_paused = true)]
async fn generic_scim_renames_in_place() {
    let (fake, dir) = generic_scim().await;
    // After every call: the person has an active account, and it is the account (the
    // SCIM id) seen at the first call, never a new one.
    let first_id = std::sync::Mutex::new(None::<String>);
    let watched = Watched::new(&dir, || {
        let users = fake.users();
        let Some(u) = users
            .iter()
            .find(|u| [OLD, NEW].contains(&u.user_name.as_str()) && u.active != Some(false))
        else {
            return false;
        };
        let id = u.id.as_ref().map(|i| i.as_str().to_owned());
        let mut first = first_id.lock().unwrap();
        first.get_or_insert_with(|| id.clone().unwrap_or_default()) == &id.unwrap_or_default()
    });
    rename_converges(&dir, &watched, &SyncPolicy::default()).await;
    let now = fake.users();
    assert_eq!(now.len(), 1, "no second account: {now:?}");
    assert_eq!(now[0].user_name, NEW);
    assert_eq!(now[0].external_id.as_deref(), Some("00u1"));
    assert_eq!(
        now[0].id.as_ref().map(|i| i.as_str().to_owned()),
        first_id.lock().unwrap().clone(),
        "the same account"
    );
    let requests = fake.requests();
    assert!(
        !requests.iter().any(|r| r.method == "DELETE"),
        "nothing deleted"
    );
    assert_eq!(
        requests.iter().filter(|r| r.method == "POST").count(),
        1,
        "one create, by the first sync only"
    );
}

/// A reviewed plan for Jane's rename in Proofpoint (no link keys stored: they are
/// carried from the source as applied before), as saved and read back.
async fn reviewed_proofpoint_rename(client: &proofpoint_essentials::Client) -> SyncPlan {
    let policy = SyncPolicy::default().allow_lossy_renames(true);
    let p = plan(&[jane(OLD)], &[], client.catalog(), &policy);
    assert!(apply(&p, client, ApplyMode::Execute).await.is_success());
    let mut target = list_target(client).await.unwrap();
    target.carry_link_keys(&[jane(OLD)]);
    let p = plan_listings(
        &Listing::from_source(vec![jane(NEW)]),
        &target,
        client.catalog(),
        &policy,
    );
    assert_eq!(p.counts().rename, 1, "{p}");
    serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_reviewed_rename_in_proofpoint_runs_only_against_an_unchanged_target() {
    use proofpoint_essentials::testing::FakeEssentials;
    for changed in [false, true] {
        let fake = FakeEssentials::start().await;
        fake.register_domain("example.com");
        let client = fake
            .rest_client()
            .transport(fake.transport())
            .build()
            .unwrap();
        let reviewed = reviewed_proofpoint_rename(&client).await;
        if changed {
            fake.insert_user(serde_json::json!({
                "primaryEmail": "late@example.com", "firstName": "Late", "lastName": "Comer",
                "type": "User", "status": "active", "groups": []
            }))
            .unwrap();
            let err = apply_reviewed(&reviewed, &client, ApplyMode::Execute)
                .await
                .unwrap_err();
            assert!(
                matches!(err, idgraph_common::Error::StalePlan { .. }),
                "{err}"
            );
            assert!(fake.user_json(OLD).is_some() && fake.user_json(NEW).is_none());
        } else {
            let report = apply_reviewed(&reviewed, &client, ApplyMode::Execute)
                .await
                .unwrap();
            assert!(report.is_success(), "{report}");
            assert!(fake.user_json(OLD).is_none());
            assert_eq!(fake.user_json(NEW).unwrap()["status"], "active");
        }
    }
}
