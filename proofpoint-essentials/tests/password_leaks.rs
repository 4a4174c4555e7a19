//! No password, generated or supplied, shows in any `Debug` of the client, builder or
//! policy, in a `SyncReport` (`Display`, `Debug`, JSON), in an audit event (`Debug`, and
//! the JSON Lines a `JsonLinesSink` writes), in an error, or in the traces at TRACE
//! level. (Its own test binary: the trace capture must see every callsite, which
//! tests running alongside without a subscriber would otherwise race.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod password_support;
use password_support::{people, rest, strict_fake};

use std::io::Write;
use std::sync::{Arc, Mutex};

use idgraph_common::graph::{
    ApplyMode, AuditEvent, AuditSink, DirectoryUser, JsonLinesSink, Outcome, SyncPolicy,
    SyncReport, UserDirectory, apply_audited, carry_link_keys, list_target, plan,
};
use idgraph_common::testing::paused_clock_reqwest_client;
use idgraph_common::{ExposeSecret, TransportSettings};
use proofpoint_essentials::testing::{FAKE_API_KEY, FAKE_API_SECRET};
use proofpoint_essentials::{ApiKey, ApiSecret, Client, PasswordPolicy, RateLimiter, UserPassword};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SUPPLIED: &str = "Supplied-pw-9!";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// Every audit event of the test, as an auditor would read them: written by a
/// `JsonLinesSink` (into `json`), and each event's `Debug`.
struct Trail {
    json: Captured,
    sink: JsonLinesSink,
    debug: Mutex<String>,
    events: Mutex<usize>,
}

impl Trail {
    fn new() -> Self {
        let json = Captured::default();
        Self {
            sink: JsonLinesSink::new(json.clone()),
            json,
            debug: Mutex::new(String::new()),
            events: Mutex::new(0),
        }
    }

    fn text(&self) -> String {
        let json = String::from_utf8(self.json.0.lock().unwrap().clone()).unwrap();
        format!("{json}\n{}", self.debug.lock().unwrap())
    }
}

impl AuditSink for Trail {
    fn record(&self, event: &AuditEvent) -> idgraph_common::Result<()> {
        *self.events.lock().unwrap() += 1;
        self.debug
            .lock()
            .unwrap()
            .push_str(&format!("{event:?}\n{event:#?}\n"));
        self.sink.record(event)
    }
}

/// Plans `src` against `dir` and applies it with `trail` as the audit sink.
async fn sync(
    dir: &dyn UserDirectory,
    src: &[DirectoryUser],
    policy: &SyncPolicy,
    trail: &Trail,
) -> SyncReport {
    let target = list_target(dir).await.unwrap().into_users();
    let p = plan(src, &target, dir.catalog(), policy);
    apply_audited(&p, dir, ApplyMode::Execute, trail).await
}

/// A server that refuses every create with a 400 quoting the whole request body (the
/// password included, as a careless server might), and remembers the passwords it got.
struct EchoCreate {
    passwords: Arc<Mutex<Vec<String>>>,
}

impl Respond for EchoCreate {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if let Some(p) = body.get("password").and_then(Value::as_str) {
            self.passwords.lock().unwrap().push(p.to_owned());
        }
        let text = String::from_utf8_lossy(&request.body).into_owned();
        ResponseTemplate::new(400).set_body_json(json!({
            "code": "INVALID_FIELD",
            "message": format!("rejected: {text}"),
            "request": body,
        }))
    }
}

fn assert_clean(what: &str, text: &str, passwords: &[String]) {
    assert!(!passwords.is_empty());
    for p in passwords {
        assert!(
            !text.contains(p.as_str()),
            "a password leaked in {what}: {text}"
        );
    }
}

fn report_texts(report: &SyncReport) -> String {
    let mut out = format!(
        "{report}\n{report:?}\n{}\n",
        serde_json::to_string(report).unwrap()
    );
    for item in &report.items {
        if let Outcome::Failed { error } = &item.outcome {
            out.push_str(error);
            out.push('\n');
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn no_password_shows_in_debug_reports_errors_or_traces() {
    let (logs, guard) = capture();
    let mut texts = String::new();
    let mut passwords: Vec<String> = vec![SUPPLIED.to_owned()];
    let trail = Trail::new();
    let policy_default = SyncPolicy::default();

    // 1. Generated and supplied passwords through a successful sync of the strict fake,
    //    with one person the server refuses (unregistered domain).
    let (fake, clock) = strict_fake().await;
    let mut src = people(4);
    src.push(DirectoryUser::new("stray@unregistered.example").with_names("S", "T"));
    let generated = rest(&fake, &clock, None);
    let report = sync(&generated, &src, &policy_default, &trail).await;
    assert_eq!(report.counts().failed, 1, "{report}");
    texts.push_str(&report_texts(&report));
    texts.push_str(&format!("{generated:?} {generated:#?}\n"));
    for p in &src[..4] {
        let pw = fake.password_of(p.email().as_str()).unwrap();
        passwords.push(pw.secret().expose_secret().to_owned());
        texts.push_str(&format!("{pw:?}\n"));
    }

    //    A lossy rename recreates the account with a new generated password (audited
    //    as one rename event, with the email before and after).
    let mut renamed = src[..4].to_vec();
    renamed[0].set_email("person00.new@example.com");
    let mut target = list_target(&generated).await.unwrap().into_users();
    carry_link_keys(&mut target, &src);
    let p = plan(
        &renamed,
        &target,
        generated.catalog(),
        &SyncPolicy::default().allow_lossy_renames(true),
    );
    assert_eq!(p.counts().rename, 1, "{p}");
    let report = apply_audited(&p, &generated, ApplyMode::Execute, &trail).await;
    assert!(report.is_success(), "{report}");
    texts.push_str(&report_texts(&report));
    let pw = fake.password_of("person00.new@example.com").unwrap();
    passwords.push(pw.secret().expose_secret().to_owned());
    assert!(
        trail.text().contains(r#""action":"rename""#),
        "{}",
        trail.text()
    );

    let (fake2, clock2) = strict_fake().await;
    let policy = PasswordPolicy::per_user(|_| UserPassword::new(SUPPLIED));
    texts.push_str(&format!("{policy:?} {policy:#?}\n"));
    let builder = fake2
        .rest_client()
        .transport(
            fake2
                .transport()
                .rate_limiter(clock2.limiter(RateLimiter::per_minute(100).unwrap())),
        )
        .password_policy(policy.clone());
    texts.push_str(&format!("{builder:?}\n"));
    let supplied = builder.build().unwrap();
    let report = sync(&supplied, &src, &policy_default, &trail).await;
    assert_eq!(report.counts().failed, 1, "{report}");
    assert!(fake2.password_matches("person00@example.com", SUPPLIED));
    texts.push_str(&report_texts(&report));
    texts.push_str(&format!("{supplied:?}\n"));

    // 2. A server that quotes the request body back in its errors: the password it was
    //    sent (generated and supplied) is scrubbed from the error and the report.
    let server = MockServer::start().await;
    let echoed = Arc::new(Mutex::new(Vec::new()));
    Mock::given(any())
        .respond_with(EchoCreate {
            passwords: Arc::clone(&echoed),
        })
        .mount(&server)
        .await;
    for policy in [PasswordPolicy::generated(), policy] {
        let client = Client::builder()
            .base_url(format!("{}/v2", server.uri()))
            .api_key(ApiKey::new(FAKE_API_KEY))
            .api_secret(ApiSecret::new(FAKE_API_SECRET))
            .transport(
                TransportSettings::new()
                    .no_attempt_timeout()
                    .reqwest_client(paused_clock_reqwest_client())
                    .no_rate_limiter(),
            )
            .password_policy(policy)
            .build()
            .unwrap();
        let who = DirectoryUser::new("echo@example.com").with_names("E", "Cho");
        let err = client.create_user(&who).await.unwrap_err();
        assert!(err.is_bad_request(), "{err:?}");
        texts.push_str(&format!("{err} {err:?} {err:#?}\n"));
        let p = plan(
            std::slice::from_ref(&who),
            &[],
            client.catalog(),
            &SyncPolicy::default(),
        );
        let report = apply_audited(&p, &client, ApplyMode::Execute, &trail).await;
        assert_eq!(report.counts().failed, 1, "{report}");
        texts.push_str(&report_texts(&report));
    }
    let echoed = echoed.lock().unwrap().clone();
    assert_eq!(
        echoed.len(),
        4,
        "each create reached the server with a password"
    );
    assert!(echoed.iter().any(|p| p == SUPPLIED));
    passwords.extend(echoed);

    drop(guard);
    let traced = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        traced.contains("proofpoint_essentials.users.create"),
        "the trace saw the creates"
    );
    assert_clean("the traces", &traced, &passwords);
    assert_clean("Debug, reports and errors", &texts, &passwords);

    // The audit trail saw every change: the 5 creates of each of the two syncs (one of
    // each refused), the rename, and the 2 creates the echoing server refused. Failed
    // creates say why, and the reasons carry no password.
    let audit = trail.text();
    assert_eq!(*trail.events.lock().unwrap(), 13, "{audit}");
    assert_eq!(
        audit
            .lines()
            .filter(|l| l.starts_with('{') && l.contains(r#""outcome":"failed""#))
            .count(),
        4,
        "{audit}"
    );
    assert!(audit.contains("echo@example.com"), "{audit}");
    assert_clean("the audit trail", &audit, &passwords);
}
