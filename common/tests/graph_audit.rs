//! The audit trail of `apply_audited`: one event per change, before → after, outcome;
//! a sink that fails stops the run.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use idgraph_common::graph::catalog::Operation;
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{
    ApplyMode, AuditEvent, AuditSink, DirectoryUser, JsonLinesSink, SyncPolicy, UserDirectory,
    apply_audited, plan,
};
use serde_json::Value;

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn events(buf: &Shared) -> Vec<Value> {
    String::from_utf8(buf.0.lock().unwrap().clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn every_change_is_one_event_with_before_and_after() {
    let app = MemoryDirectory::new(apps::probo_like()).with_users([
        DirectoryUser::new("jane.doe@example.com")
            .with_names("Jane", "Doe")
            .with_external_id("00u1")
            .with_app_id("p-1"),
        DirectoryUser::new("leaver@example.com").with_app_id("p-2"),
        DirectoryUser::new("stays@example.com").with_app_id("p-3"),
    ]);
    let source = [
        DirectoryUser::new("jane.smith@example.com")
            .with_names("Jane", "Smith")
            .with_external_id("00u1"),
        DirectoryUser::new("new@example.com"),
        DirectoryUser::new("stays@example.com"),
    ];
    let target: Vec<_> = app.list_users().try_collect().await.unwrap();
    let p = plan(
        &source,
        &target,
        app.catalog(),
        &SyncPolicy::default().max_deprovision_share(1.0),
    );
    let buf = Shared::default();
    let sink = JsonLinesSink::new(buf.clone());
    app.fail_next(Operation::Create, 1);
    let report = apply_audited(&p, &app, ApplyMode::Execute, &sink).await;

    let ev = events(&buf);
    assert_eq!(
        ev.len(),
        3,
        "rename, create, deactivate; not the unchanged user: {ev:#?}"
    );
    let by_action = |a: &str| ev.iter().find(|e| e["action"] == a).unwrap().clone();

    let rename = by_action("rename");
    assert_eq!(rename["email"], "jane.smith@example.com");
    assert_eq!(rename["previous_email"], "jane.doe@example.com");
    assert_eq!(rename["link_key"], "00u1");
    assert_eq!(rename["app_id"], "p-1");
    assert_eq!(rename["app"], "probo-like");
    assert_eq!(rename["outcome"], "done");
    assert_eq!(rename["changes"][0]["from"], "Doe");
    assert_eq!(rename["changes"][0]["to"], "Smith");
    assert!(rename["time"].as_str().unwrap().ends_with('Z'));

    let create = by_action("create");
    assert_eq!(create["outcome"], "failed");
    assert!(
        create["detail"]
            .as_str()
            .unwrap()
            .contains("injected failure"),
        "a failed create says why: {create}"
    );

    let deactivate = by_action("deactivate");
    assert_eq!(deactivate["email"], "leaver@example.com");
    assert_eq!(deactivate["changes"][0]["kind"], "active");
    assert_eq!(deactivate["changes"][0]["from"], true);
    assert_eq!(deactivate["changes"][0]["to"], false);

    // The report's failed create says why too.
    let failed = report.failures().next().unwrap();
    assert!(report.to_string().contains("injected failure"), "{report}");
    assert_eq!(failed.email.as_str(), "new@example.com");
}

struct Broken;
impl AuditSink for Broken {
    fn record(&self, _: &AuditEvent) -> idgraph_common::Result<()> {
        Err(idgraph_common::Error::config("disk full"))
    }
}

#[tokio::test]
async fn a_sink_that_cannot_write_stops_the_run_between_items() {
    let app = MemoryDirectory::new(apps::probo_like());
    let source: Vec<_> = (0..3)
        .map(|i| DirectoryUser::new(format!("u{i}@example.com")))
        .collect();
    let p = plan(&source, &[], app.catalog(), &SyncPolicy::default());
    let report = apply_audited(&p, &app, ApplyMode::Execute, &Broken).await;
    assert_eq!(
        app.len(),
        1,
        "the first create happened, then nothing: {report}"
    );
    let stopped = report.stopped.as_deref().unwrap();
    assert!(
        stopped.contains("audit trail could not be written"),
        "{stopped}"
    );
    assert!(!report.is_success());
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let app = MemoryDirectory::new(apps::probo_like());
    let p = plan(
        &[DirectoryUser::new("a@example.com")],
        &[],
        app.catalog(),
        &SyncPolicy::default(),
    );
    let buf = Shared::default();
    apply_audited(
        &p,
        &app,
        ApplyMode::DryRun,
        &JsonLinesSink::new(buf.clone()),
    )
    .await;
    assert!(events(&buf).is_empty());
}

#[tokio::test]
async fn the_bridge_writes_its_runs_to_the_audit_trail() {
    use idgraph_common::graph::bridge::{Bridge, BridgeConfig};
    let source = Arc::new(
        MemoryDirectory::new(apps::probo_like())
            .with_users([DirectoryUser::new("ada@example.com")]),
    );
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let buf = Shared::default();
    let bridge = Bridge::new(source, target.clone(), BridgeConfig::default())
        .with_audit(Arc::new(JsonLinesSink::new(buf.clone())));
    let report = bridge.run_once().await.unwrap();
    assert!(report.is_success(), "{report}");
    let ev = events(&buf);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0]["action"], "create");
    assert_eq!(ev[0]["email"], "ada@example.com");
    assert_eq!(target.len(), 1);
}

/// A SCIM user as the server returns it.
fn scim_user(id: &str, email: &str, active: bool) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": email,
        "emails": [{"value": email, "primary": true}],
        "active": active,
    })
}

#[tokio::test]
async fn each_event_names_the_request_ids_of_the_requests_that_made_the_change() {
    use idgraph_common::TransportSettings;
    use idgraph_common::scim::{ScimClient, ScimDirectory, ScimToken};
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    // Each answer carries its own request id.
    let mount = async |mock: MockBuilder, status: u16, id: &str, body: Value| {
        mock.respond_with(
            ResponseTemplate::new(status)
                .insert_header("x-request-id", id)
                .insert_header("content-type", "application/scim+json")
                .set_body_json(body),
        )
        .mount(&server)
        .await;
    };
    let leaver = |active| scim_user("u-1", "leaver@example.com", active);
    let user_name = |email: &str| body_partial_json(serde_json::json!({ "userName": email }));
    let users = || Mock::given(method("POST")).and(path("/Users"));
    mount(
        Mock::given(method("GET")).and(path("/Users/u-1")),
        200,
        "req-reread",
        leaver(true),
    )
    .await;
    // A server that echoes the client's token into its request id.
    let patch = Mock::given(method("PATCH")).and(path("/Users/u-1"));
    mount(patch, 200, "req-audit-token", leaver(false)).await;
    let created = scim_user("u-2", "new@example.com", true);
    mount(
        users().and(user_name("new@example.com")),
        201,
        "req-create",
        created,
    )
    .await;
    let conflict = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "409",
        "scimType": "uniqueness",
    });
    let taken = users().and(user_name("taken@example.com"));
    mount(taken, 409, "req-conflict", conflict).await;

    let client = ScimClient::builder()
        .base_url(server.uri())
        .token(ScimToken::new("audit-token"))
        .transport(TransportSettings::new().no_attempt_timeout())
        .build()
        .unwrap();
    let dir = ScimDirectory::new(client);
    let target = [DirectoryUser::new("leaver@example.com").with_app_id("u-1")];
    let source = [
        DirectoryUser::new("new@example.com"),
        DirectoryUser::new("taken@example.com"),
    ];
    let p = plan(
        &source,
        &target,
        dir.catalog(),
        &SyncPolicy::default().max_deprovision_share(1.0),
    );
    let buf = Shared::default();
    let report = apply_audited(
        &p,
        &dir,
        ApplyMode::Execute,
        &JsonLinesSink::new(buf.clone()),
    )
    .await;
    assert_eq!(report.failures().count(), 1, "{report}");

    let ev = events(&buf);
    let by_email = |e: &str| ev.iter().find(|x| x["email"] == e).unwrap().clone();
    assert_eq!(
        by_email("leaver@example.com")["request_ids"],
        serde_json::json!(["req-reread", "req-[redacted]"]),
        "the re-read before the deactivation, then the write, its echoed token scrubbed"
    );
    let file = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(!file.contains("audit-token"), "{file}");
    assert_eq!(
        by_email("new@example.com")["request_ids"],
        serde_json::json!(["req-create"])
    );
    let failed = by_email("taken@example.com");
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["request_ids"], serde_json::json!(["req-conflict"]));
}
