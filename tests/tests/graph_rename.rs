//! A person's email changes in the source: against each vendor fake, one rename
//! converges in one apply (the next plan is empty), and the person has an active account
//! after every call the apply makes. A planned deactivation of an account renamed in
//! between is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use idgraph_common::graph::{
    ApplyMode, CatalogEntry, Created, DirectoryUser, Email, Outcome, SyncPolicy, UserDirectory,
    apply, carry_link_keys, list_target, plan,
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
    assert!(target.iter().any(|u| u.email.as_str() == NEW && u.active));
    assert!(!target.iter().any(|u| u.email.as_str() == OLD));
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
                .app_id
                .as_deref()
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
