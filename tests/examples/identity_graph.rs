//! The identity graph end to end: one source directory, six apps.
//!
//! ```text
//! cargo run -p idgraph-tests --example identity_graph
//! ```
//!
//! 1. Loads the source directory from a CSV (`tests/examples/data/directory.csv`, or
//!    `IDGRAPH_SOURCE_CSV`).
//! 2. Starts in-process fakes of Probo (SCIM), Hyperproof (SCIM) and Proofpoint Essentials
//!    (REST, 100 requests/minute) seeded with some drift, a generic SCIM 2.0 app ("Acme HR",
//!    `ScimDirectory` over an in-process SCIM server, groups managed through `/Groups`), and
//!    adds Proof and Tessian, which have no user API at all (read-blind: the plan lists the
//!    IdP actions to take instead).
//! 3. Shows the plan for each app, applies it, and prints what happened.
//! 4. Simulates an email change (same person, same source id): one `rename` per app
//!    that has a rename route, nobody deactivated; Proofpoint, whose email is immutable,
//!    gets a manual item naming what a delete-and-recreate would lose.
//! 5. Simulates a group change (a person joins the on-call group): one membership add in
//!    every app that manages groups (Hyperproof, Proofpoint, Acme HR), nothing anywhere
//!    else.
//! 6. Simulates a departure (the person is disabled in the source) and shows the
//!    offboarding plan and its result, then what the mass-deprovision guard does with a
//!    truncated (empty) export, and checks that planning again finds nothing left to do.
//!
//! Every plan is made from listings proven complete (`list_target`, `plan_listings`):
//! a listing that ended early is an error, never a plan. With fakes only, the run checks
//! what steps 4 and 5 promise (and that every apply succeeded, the guard tripped and the
//! apps converged) and exits non-zero when any of it does not hold, so CI, which runs
//! this example, checks them.
//!
//! Every change is recorded in an audit trail, one JSON object per line
//! (`target/identity_graph-audit.jsonl`, or `IDGRAPH_AUDIT_FILE`).
//!
//! With only fakes, the run uses tokio's simulated clock, so Proofpoint's 100
//! requests/minute pacing is honoured without costing wall time; it finishes in seconds.
//!
//! # Real tenants
//!
//! Point any app at a real tenant with environment variables (the others stay fakes):
//!
//! | App | Variables |
//! |---|---|
//! | Probo | `PROBO_URL` (instance URL), `PROBO_SCIM_TOKEN` |
//! | Hyperproof | `HYPERPROOF_SCIM_URL` (your organization's SCIM URL), `HYPERPROOF_SCIM_TOKEN` |
//! | Proofpoint Essentials (REST) | `PP_API_KEY`, `PP_API_SECRET`, optional `PP_BASE_URL` |
//! | Proofpoint Essentials (interface API) | `PP_STACK` (`us1`…`us5`, `eu1`), `PP_ORG_DOMAIN`, `PP_ADMIN_USER`, `PP_ADMIN_PASSWORD` |
//!
//! Against real tenants the run is a **dry run** (plans only, nothing sent that changes
//! anything) unless `IDGRAPH_APPLY=1` is set. `IDGRAPH_DEPARTURE` names the person whose
//! departure is simulated (default `alan.turing@example.com`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error as StdError;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant as WallInstant;

use hyperproof::testing::FakeHyperproof;
use idgraph_common::graph::catalog::Operation;
use idgraph_common::graph::catalog::{self, AppId};
use idgraph_common::graph::source::CsvSource;
use idgraph_common::graph::{
    Action, ApplyMode, DirectoryUser, FieldChange, JsonLinesSink, Listing, Outcome, ReadBlind,
    SyncPlan, SyncPolicy, SyncReport, UserDirectory, apply_audited, list_target, plan_listings,
};
use idgraph_common::scim::{ScimClient, ScimDirectory, ScimToken};
use idgraph_common::testing::{DEFAULT_TOKEN, ScimFake};
use idgraph_common::{RateLimiter, SecretString, TransportSettings};
use probo_scim::testing::FakeProbo;
use proofpoint_essentials::testing::{FakeEssentials, SimClock};
use scim_types::{Email, Name, User};
use serde_json::json;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Service accounts the sync must never touch.
const EXCLUDED: &[&str] = &["svc-backup@example.com"];

/// One app of the graph, and what keeps its fake alive.
struct App {
    directory: Box<dyn UserDirectory>,
    /// `"fake"`, `"real tenant"` or `"no user API"`.
    kind: &'static str,
    _fakes: Fakes,
}

#[derive(Default)]
#[allow(dead_code)] // held only to keep the fake servers running
struct Fakes {
    probo: Option<FakeProbo>,
    hyperproof: Option<FakeHyperproof>,
    scim: Option<ScimFake>,
    essentials: Option<FakeEssentials>,
}

fn load_source(path: &PathBuf) -> Result<Vec<DirectoryUser>, BoxError> {
    // Every person in the file, or an error naming each bad row (line, column, reason).
    Ok(CsvSource::from_path(path).load()?.into_users())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn any_real_tenant() -> bool {
    ["PROBO_URL", "HYPERPROOF_SCIM_URL", "PP_API_KEY", "PP_STACK"]
        .iter()
        .any(|v| env(v).is_some())
}

fn main() -> ExitCode {
    let simulated = !any_real_tenant();
    let runtime = if simulated {
        // Only fakes: a simulated clock. Their clients keep no timer pending during I/O
        // (the fakes' client builders see to it), so the clock only moves when every
        // task is waiting on a timer, such as Proofpoint's rate limiter.
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    let result = match runtime {
        Ok(rt) => rt.block_on(run(simulated)),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(simulated: bool) -> Result<bool, BoxError> {
    let wall = WallInstant::now();
    let sim = tokio::time::Instant::now();
    let path = env("IDGRAPH_SOURCE_CSV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/directory.csv")
        });
    let mut source = load_source(&path)?;
    let execute = simulated || env("IDGRAPH_APPLY").as_deref() == Some("1");
    let mode = if execute {
        ApplyMode::Execute
    } else {
        ApplyMode::DryRun
    };
    let policy = SyncPolicy::default()
        .exclude_all(EXCLUDED.iter().copied())
        // Small tenants: one departure is more than 10 % of five people, so allow two
        // deprovisions per run whatever the share.
        .deprovision_allowance(2);

    println!("idgraph: reconciling six apps against one source directory");
    println!(
        "source: {} ({} people; excluded: {})",
        path.display(),
        source.len(),
        EXCLUDED.join(", ")
    );
    println!(
        "clock: {}; mode: {}",
        if simulated {
            "simulated (fakes only)"
        } else {
            "real"
        },
        if execute {
            "apply"
        } else {
            "dry run (set IDGRAPH_APPLY=1 to apply to real tenants)"
        }
    );

    let apps = connect().await?;
    println!();
    for app in &apps {
        println!("  {:<22} {}", app.directory.catalog().name, app.kind);
    }

    let audit_path = env("IDGRAPH_AUDIT_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/identity_graph-audit.jsonl")
        });
    if let Some(dir) = audit_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // A fresh trail per run of the example (a real deployment appends).
    let _ = std::fs::remove_file(&audit_path);
    let audit = JsonLinesSink::create(&audit_path)?;
    let sync = SyncRun {
        policy: &policy,
        mode,
        audit: &audit,
    };

    let mut ok = true;
    println!("\n=== 1. Sync the source into every app");
    ok &= sync_all(&apps, &source, &source, &sync, Show::Everything)
        .await?
        .ok;

    let renamed = env("IDGRAPH_RENAME").unwrap_or_else(|| "grace.hopper@example.com".into());
    // Every source snapshot applied so far: where an app stores no link keys, it tells
    // whose each listed account is (a real deployment keeps this, or its audit trail).
    let mut history = source.clone();
    let Some(person) = source
        .iter_mut()
        .find(|u| u.email().key() == renamed.to_lowercase() && u.is_active())
    else {
        return Err(format!("{renamed} is not an active person in the source directory").into());
    };
    let new_email = format!(
        "grace.brewster@{}",
        person
            .email()
            .as_str()
            .rsplit('@')
            .next()
            .unwrap_or("example.com")
    );
    println!(
        "\n=== 2. Rename: {} becomes {new_email} in the source (same person, same id {})",
        person.email(),
        person.external_id().unwrap_or("?")
    );
    person.set_email(&new_email);
    let synced = sync_all(&apps, &source, &history, &sync, Show::Everything).await?;
    ok &= synced.ok;
    ok &= check(simulated, &rename_problems(&apps, &synced.plans, &policy));
    history.extend(source.iter().cloned());

    let joiner = "katherine.johnson@example.com";
    let group = "On call";
    let Some(person) = source.iter_mut().find(|u| u.email().key() == joiner) else {
        return Err(format!("{joiner} is not in the source directory").into());
    };
    println!("\n=== 3. Group change: {joiner} joins {group} in the source");
    let mut groups = person.groups().to_vec();
    groups.push(group.into());
    person.set_groups(groups);
    let synced = sync_all(&apps, &source, &history, &sync, Show::Deprovisioning).await?;
    ok &= synced.ok;
    ok &= check(
        simulated,
        &group_problems(&apps, &synced.plans, joiner, group),
    );

    let leaver = env("IDGRAPH_DEPARTURE").unwrap_or_else(|| "alan.turing@example.com".into());
    println!("\n=== 4. Departure: {leaver} is disabled in the source directory");
    let Some(person) = source
        .iter_mut()
        .find(|u| u.email().key() == leaver.to_lowercase())
    else {
        return Err(format!("{leaver} is not in the source directory").into());
    };
    person.set_active(false);
    ok &= sync_all(&apps, &source, &history, &sync, Show::Deprovisioning)
        .await?
        .ok;

    println!("\n=== 5. Safety: the source export comes back empty (a failed export)");
    for app in apps
        .iter()
        .filter(|a| !a.directory.catalog().is_read_blind())
    {
        let target = list_target(app.directory.as_ref()).await?;
        let p = plan_listings(
            &Listing::from_source(Vec::new()),
            &target,
            app.directory.catalog(),
            &policy,
        );
        let c = p.counts();
        match &p.guard {
            Some(guard) => println!(
                "  {:<22} guard tripped, nothing deprovisioned: {guard}",
                app.directory.catalog().name
            ),
            None => {
                println!(
                    "  {:<22} GUARD DID NOT TRIP: {} deactivation(s) planned",
                    app.directory.catalog().name,
                    c.deactivate + c.delete
                );
                ok = false;
            }
        }
    }

    if execute {
        println!("\n=== 6. Converged: planning again finds nothing left to do");
        for app in apps
            .iter()
            .filter(|a| !a.directory.catalog().is_read_blind())
        {
            let entry = app.directory.catalog();
            let mut target = list_target(app.directory.as_ref()).await?;
            if !entry.lifecycle.stores.external_id {
                target.carry_link_keys(&history);
            }
            let p = plan_listings(
                &Listing::from_source(source.clone()),
                &target,
                entry,
                &policy,
            );
            let settled = !p.has_operations();
            ok &= settled;
            println!(
                "  {:<22} {}",
                app.directory.catalog().name,
                if settled {
                    "nothing to do".to_owned()
                } else {
                    format!("STILL CHANGING:\n{p}")
                }
            );
        }
    }

    let trail = std::fs::read_to_string(&audit_path).unwrap_or_default();
    let renames = trail
        .lines()
        .filter(|l| l.contains(r#""action":"rename""#))
        .count();
    println!(
        "\naudit trail: {} event(s), {renames} rename(s), in {}",
        trail.lines().count(),
        audit_path.display()
    );
    if let Some(first) = trail.lines().find(|l| l.contains(r#""action":"rename""#)) {
        println!("  e.g. {first}");
    }

    println!(
        "\ndone in {:.2} s{}",
        wall.elapsed().as_secs_f64(),
        if simulated {
            format!(
                " ({:.1} s of simulated time, mostly Proofpoint's 100 requests/minute pacing)",
                sim.elapsed().as_secs_f64()
            )
        } else {
            String::new()
        }
    );
    Ok(ok)
}

/// Prints the problems a step's check found; `false` when there are any and the run
/// uses fakes only (against real tenants a plan depends on what the tenant holds, so the
/// problems are shown, not counted).
fn check(simulated: bool, problems: &[String]) -> bool {
    if problems.is_empty() {
        println!("  check: as expected");
        return true;
    }
    for p in problems {
        println!("  CHECK FAILED: {p}");
    }
    !simulated
}

/// What the rename step promises, app by app: one rename where the app renames by API
/// without losses, a manual rename item where renaming would lose data and the policy
/// does not allow it, nothing for apps that cannot be listed; and nobody created or
/// deprovisioned anywhere (an email change is the same person).
fn rename_problems(apps: &[App], plans: &[SyncPlan], policy: &SyncPolicy) -> Vec<String> {
    let mut problems = Vec::new();
    for (app, p) in apps.iter().zip(plans) {
        let entry = app.directory.catalog();
        let lossy = !entry.lifecycle.rename_loses.is_empty();
        let want = if entry.is_read_blind() {
            (0, 0)
        } else if entry.by_api(Operation::Rename) && (!lossy || policy.lossy_renames_allowed()) {
            (1, 0)
        } else {
            (0, 1)
        };
        let c = p.counts();
        let manual = p
            .items
            .iter()
            .filter(|i| {
                matches!(
                    i.action,
                    Action::Manual {
                        operation: Operation::Rename,
                        ..
                    }
                )
            })
            .count();
        if (c.rename, manual) != want || c.create + c.deactivate + c.delete > 0 {
            problems.push(format!(
                "{}: {} rename(s), {manual} manual rename(s), {} create(s), {} deprovision(s); \
                 expected {} rename(s), {} manual rename(s), no create or deprovision",
                entry.name,
                c.rename,
                c.create,
                c.deactivate + c.delete,
                want.0,
                want.1
            ));
        }
    }
    problems
}

/// What the group step promises, app by app: where the app reports groups, one change
/// adding `joiner` to `group` (an update, or a manual item where groups are not changed
/// by API) and no other operation; elsewhere, no operation at all.
fn group_problems(apps: &[App], plans: &[SyncPlan], joiner: &str, group: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (app, p) in apps.iter().zip(plans) {
        let entry = app.directory.catalog();
        let operations = p
            .items
            .iter()
            .filter(|i| i.action.operation().is_some())
            .count();
        let joins = p
            .items
            .iter()
            .filter(|i| i.email.key() == joiner)
            .filter(|i| match &i.action {
                Action::Update { changes, .. } => changes.iter().any(|c| {
                    matches!(c, FieldChange::Groups { added, .. } if added.iter().any(|g| g == group))
                }),
                Action::Manual {
                    operation: Operation::Groups,
                    instructions,
                } => instructions.contains(group),
                _ => false,
            })
            .count();
        let manages = entry.lifecycle.stores.groups && !entry.is_read_blind();
        let by_api = entry.by_api(Operation::Groups);
        let fine = match (manages, by_api) {
            (true, true) => joins == 1 && operations == 1,
            (true, false) => joins == 1 && operations == 0,
            (false, _) => joins == 0 && operations == 0,
        };
        if !fine {
            problems.push(format!(
                "{}: {joins} change(s) adding {joiner} to {group}, {operations} operation(s); \
                 expected {}",
                entry.name,
                if manages {
                    "exactly that one change"
                } else {
                    "nothing (the app does not manage groups)"
                }
            ));
        }
    }
    problems
}

/// How much of each plan to print.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    /// The whole plan table.
    Everything,
    /// For read-blind apps only the deprovisioning IdP actions: they cannot be listed,
    /// so their plan repeats every "assign" instruction on each run.
    Deprovisioning,
}

/// How every sync of the run is made.
struct SyncRun<'a> {
    policy: &'a SyncPolicy,
    mode: ApplyMode,
    audit: &'a JsonLinesSink,
}

/// What one [`sync_all`] did.
struct Synced {
    /// Every apply succeeded.
    ok: bool,
    /// Each app's plan, in the order of the apps.
    plans: Vec<SyncPlan>,
}

/// Plans and applies `source` to every app, one progress line per app. `previous` is
/// the source as last applied: for apps that do not store link keys (Proofpoint), it
/// gives the listed accounts their person's link key, so an email change is a rename.
async fn sync_all(
    apps: &[App],
    source: &[DirectoryUser],
    previous: &[DirectoryUser],
    sync: &SyncRun<'_>,
    show: Show,
) -> Result<Synced, BoxError> {
    let mut ok = true;
    let mut plans = Vec::with_capacity(apps.len());
    for (i, app) in apps.iter().enumerate() {
        let dir = app.directory.as_ref();
        let entry = dir.catalog();
        let started = tokio::time::Instant::now();
        // A complete listing or an error (a read-blind app gives an empty one: the plan
        // lists the IdP actions instead). Link keys carried onto it keep its fingerprint
        // that of what the app listed, so the plan could be saved and reviewed.
        let mut target = list_target(dir).await?;
        if !entry.lifecycle.stores.external_id {
            target.carry_link_keys(previous);
        }
        let p = plan_listings(
            &Listing::from_source(source.to_vec()),
            &target,
            entry,
            sync.policy,
        );
        let report = apply_audited(&p, dir, sync.mode, sync.audit).await;
        println!(
            "[{}/{}] {:<22} listed {:>2} · plan {} · result {}  ({:.1} s)",
            i + 1,
            apps.len(),
            entry.name,
            target.users().len(),
            plan_summary(&p),
            report_summary(&report),
            started.elapsed().as_secs_f64()
        );
        if p.read_blind && show == Show::Deprovisioning {
            let mut shown = 0;
            for item in &p.items {
                if let Action::Manual {
                    operation: Operation::Deactivate | Operation::Delete,
                    instructions,
                } = &item.action
                {
                    println!("      manual  {:<28} {instructions}", item.email.as_str());
                    shown += 1;
                }
            }
            println!(
                "      (+{} \"assign in the IdP\" actions unchanged since the last run)",
                p.counts().manual - shown
            );
        } else if p.has_operations() || p.counts().manual > 0 {
            println!("{}", indent(&p.to_string()));
        }
        for failed in report.failures() {
            if let Outcome::Failed { error } = &failed.outcome {
                println!(
                    "      FAILED {} {}: {error}",
                    failed.action.as_str(),
                    failed.email
                );
            }
        }
        ok &= report.is_success();
        plans.push(p);
    }
    Ok(Synced { ok, plans })
}

fn plan_summary(p: &SyncPlan) -> String {
    let c = p.counts();
    let mut parts = Vec::new();
    for (n, what) in [
        (c.create, "create"),
        (c.update, "update"),
        (c.rename, "rename"),
        (c.deactivate, "deactivate"),
        (c.delete, "delete"),
        (c.manual, "manual"),
        (c.skip, "skip"),
        (c.unchanged, "unchanged"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if parts.is_empty() {
        "empty".into()
    } else {
        parts.join(", ")
    }
}

fn report_summary(r: &SyncReport) -> String {
    let c = r.counts();
    format!(
        "{} done, {} failed, {} manual{}",
        c.done,
        c.failed,
        c.manual,
        if r.dry_run { " (dry run)" } else { "" }
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("      {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The five apps: real tenants where configured, fakes otherwise.
async fn connect() -> Result<Vec<App>, BoxError> {
    Ok(vec![
        probo().await?,
        hyperproof().await?,
        proofpoint().await?,
        acme_hr().await?,
        App {
            directory: Box::new(ReadBlind::proof()),
            kind: "no user API (SAML JIT only): IdP actions",
            _fakes: Fakes::default(),
        },
        App {
            directory: Box::new(ReadBlind::tessian()),
            kind: "no user API (IdP-driven): IdP actions",
            _fakes: Fakes::default(),
        },
    ])
}

/// A generic SCIM 2.0 app: the in-process SCIM server (a model of RFC 7643/7644, with
/// `/Groups`), reconciled through `ScimDirectory` under an id of its own. Its groups
/// exist already (the sync never creates groups).
async fn acme_hr() -> Result<App, BoxError> {
    let fake = ScimFake::start().await;
    for group in ["Engineering", "On call", "Sales"] {
        fake.insert_group(scim_types::Group::new(group));
    }
    // Drift: an account the source does not have.
    fake.insert_user(scim_types::User::new("mallory.former@example.com"));
    let client = ScimClient::builder()
        .base_url(fake.url())
        .token(ScimToken::new(DEFAULT_TOKEN))
        .transport(
            TransportSettings::new()
                .no_attempt_timeout()
                .reqwest_client(idgraph_common::testing::paused_clock_reqwest_client()),
        )
        .build()?;
    let entry = catalog::scim()
        .to_builder()
        .app(AppId::from_static("acme-hr"))
        .name("Acme HR (SCIM)")
        .build();
    let directory = ScimDirectory::discover(client)
        .await?
        .manage_groups(true)
        .catalog_entry(entry);
    Ok(App {
        directory: Box::new(directory),
        kind: "fake (in-process generic SCIM 2.0 server, groups through /Groups)",
        _fakes: Fakes {
            scim: Some(fake),
            ..Fakes::default()
        },
    })
}

async fn probo() -> Result<App, BoxError> {
    if let (Some(url), Some(token)) = (env("PROBO_URL"), env("PROBO_SCIM_TOKEN")) {
        let client = probo_scim::Client::builder()
            .base_url(url)
            .token(probo_scim::ScimToken::new(token))
            .build()?;
        return Ok(App {
            directory: Box::new(client),
            kind: "real tenant",
            _fakes: Fakes::default(),
        });
    }
    let fake = FakeProbo::start().await;
    // Drift: Ada's family name changed, someone left without being deprovisioned, and
    // the backup service account exists (excluded: must be left alone).
    for (email, given, family) in [
        ("ada.lovelace@example.com", "Ada", "King"),
        ("mallory.former@example.com", "Mallory", "Former"),
        ("svc-backup@example.com", "Backup", "Service"),
    ] {
        fake.insert_user(scim_user(email, given, family));
    }
    // The fake's own transport settings: safe on the paused clock this example runs on.
    let client = fake.client()?;
    Ok(App {
        directory: Box::new(client),
        kind: "fake (in-process SCIM server behaving like Probo)",
        _fakes: Fakes {
            probo: Some(fake),
            ..Fakes::default()
        },
    })
}

async fn hyperproof() -> Result<App, BoxError> {
    if let (Some(url), Some(token)) = (env("HYPERPROOF_SCIM_URL"), env("HYPERPROOF_SCIM_TOKEN")) {
        let client = hyperproof::ScimClient::builder()
            .scim_url(url)
            .token(hyperproof::ScimToken::new(token))
            .build()?;
        return Ok(App {
            directory: Box::new(client),
            kind: "real tenant",
            _fakes: Fakes::default(),
        });
    }
    let fake = FakeHyperproof::start().await;
    // The source's groups exist in Hyperproof (the sync never creates groups).
    for group in ["Engineering", "On call", "Sales"] {
        fake.add_scim_group(group);
    }
    // Drift: Grace was deactivated by mistake; a contractor left.
    let mut grace = scim_user("grace.hopper@example.com", "Grace", "Hopper");
    grace.active = Some(false);
    fake.scim().insert_user(grace);
    fake.scim()
        .insert_user(scim_user("old.contractor@example.com", "Old", "Contractor"));
    let client = fake.scim_client()?;
    Ok(App {
        directory: Box::new(client),
        kind: "fake (REST + SCIM, Hyperproof's rules)",
        _fakes: Fakes {
            hyperproof: Some(fake),
            ..Fakes::default()
        },
    })
}

async fn proofpoint() -> Result<App, BoxError> {
    if let (Some(key), Some(secret)) = (env("PP_API_KEY"), env("PP_API_SECRET")) {
        let mut b = proofpoint_essentials::Client::builder()
            .api_key(proofpoint_essentials::ApiKey::new(key))
            .api_secret(proofpoint_essentials::ApiSecret::new(secret));
        if let Some(url) = env("PP_BASE_URL") {
            b = b.base_url(url);
        }
        return Ok(App {
            directory: Box::new(b.build()?),
            kind: "real tenant (REST)",
            _fakes: Fakes::default(),
        });
    }
    if let (Some(stack), Some(domain), Some(user), Some(password)) = (
        env("PP_STACK"),
        env("PP_ORG_DOMAIN"),
        env("PP_ADMIN_USER"),
        env("PP_ADMIN_PASSWORD"),
    ) {
        let client = proofpoint_essentials::Client::builder()
            .stack(stack_from_env(&stack))
            .org_domain(domain)
            .admin_user(proofpoint_essentials::AdminUser::new(user))
            .admin_password(proofpoint_essentials::AdminPassword::from(
                SecretString::from(password),
            ))
            .build()?;
        return Ok(App {
            directory: Box::new(client),
            kind: "real tenant (interface API)",
            _fakes: Fakes::default(),
        });
    }
    // The fake counts its 100 requests/minute window on the simulated clock, which the
    // client's limiter stamps right before each request.
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    for (id, name) in [
        ("grp_eng", "Engineering"),
        ("grp_sales", "Sales"),
        ("grp_oncall", "On call"),
    ] {
        fake.add_group(id, name);
    }
    // Drift: Alan is in no group yet; an intern left.
    for (email, first, last) in [
        ("alan.turing@example.com", "Alan", "Turing"),
        ("former.intern@example.com", "Former", "Intern"),
    ] {
        fake.insert_user(json!({
            "primaryEmail": email, "firstName": first, "lastName": last,
            "type": "User", "status": "active", "groups": []
        }))?;
    }
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(RateLimiter::per_minute(100)?)),
        )
        .build()?;
    Ok(App {
        directory: Box::new(client),
        kind: "fake (REST, enforces 100 requests/minute)",
        _fakes: Fakes {
            essentials: Some(fake),
            ..Fakes::default()
        },
    })
}

/// `us1` → the us1 stack; a host or URL is taken as a custom stack.
fn stack_from_env(value: &str) -> proofpoint_essentials::Stack {
    if value.contains('.') || value.contains(':') {
        proofpoint_essentials::Stack::from_host(value)
    } else {
        proofpoint_essentials::Stack::from_host(&format!(
            "{}.proofpointessentials.com",
            value.to_ascii_lowercase()
        ))
    }
}

fn scim_user(email: &str, given: &str, family: &str) -> User {
    User::new(email)
        .with_name(Name::new(given, family))
        .with_display_name(format!("{given} {family}"))
        .with_active(true)
        .with_email(Email::work(email))
}
