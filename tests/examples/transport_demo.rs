//! A tour of the shared transport against an embedded local server (no network needed).
//!
//! Shows a paginated listing, a `429 Too Many Requests` with `Retry-After` handled by the
//! retry loop, and typed errors as an operator would see them.
//!
//! ```text
//! cargo run -p idgraph-tests --example transport_demo
//! RUST_LOG=idgraph_common=debug cargo run -p idgraph-tests --example transport_demo   # with spans
//! ```
//!
//! (To be replaced by the end-to-end identity-graph example.)
#![allow(clippy::print_stdout)]

use std::time::Instant;

use futures::TryStreamExt;
use idgraph_common::auth::Bearer;
use idgraph_common::paginate::{Page, PageRequest, Paginator, Strategy};
use idgraph_common::{Error, HttpClient, RateLimiter, RetryPolicy, SecretString};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "demo-token";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListResponse {
    total_results: Option<u64>,
    #[serde(rename = "Resources", default)]
    resources: Vec<User>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    id: String,
    user_name: String,
    active: bool,
}

const PEOPLE: [(&str, bool); 7] = [
    ("ada@example.com", true),
    ("grace@example.com", true),
    ("alan@example.com", false),
    ("edsger@example.com", true),
    ("barbara@example.com", true),
    ("ken@example.com", true),
    ("margaret@example.com", false),
];

/// A SCIM `/Users` listing that honours `startIndex` and `count`.
struct Users;

impl Respond for Users {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let arg = |k: &str, default: usize| {
            req.url
                .query_pairs()
                .find(|(key, _)| key == k)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(default)
        };
        let (start, count) = (arg("startIndex", 1).max(1), arg("count", 100));
        let page: Vec<_> = PEOPLE
            .iter()
            .enumerate()
            .skip(start - 1)
            .take(count)
            .map(|(i, (email, active))| {
                json!({"id": format!("u-{}", i + 1), "userName": email, "active": active})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": PEOPLE.len(),
            "startIndex": start,
            "itemsPerPage": page.len(),
            "Resources": page,
        }))
    }
}

async fn start_server() -> MockServer {
    let server = MockServer::start().await;
    let authorized = header("authorization", format!("Bearer {TOKEN}").as_str());
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(authorized)
        .respond_with(Users)
        .mount(&server)
        .await;
    // The first report request is throttled; the server asks us to come back in 1 s.
    Mock::given(path("/scim/v2/Reports/usage"))
        .and(query_param("month", "2026-05"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"error": "rate_limited", "message": "slow down"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/scim/v2/Reports/usage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"apiCalls": 1234})))
        .mount(&server)
        .await;
    Mock::given(path("/scim/v2/Users/u-404"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("X-Request-Id", "req-7f3a")
                .set_body_json(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "404",
                    "detail": "Resource u-404 not found",
                })),
        )
        .mount(&server)
        .await;
    Mock::given(path("/scim/v2/Users/u-html"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html><body>Login</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let server = start_server().await;
    let base_url = format!("{}/scim/v2", server.uri());
    println!("Embedded server at {base_url}\n");

    let client = HttpClient::builder()
        .base_url(&base_url)
        .auth(Bearer::new(SecretString::from(TOKEN)))
        .retry_policy(RetryPolicy::standard())
        .rate_limiter(RateLimiter::per_second(50)?)
        .user_agent("transport-demo/0.1")
        .build()?;
    println!("Client: {client:?}\n");

    // 1. A paginated listing: SCIM startIndex/count, 3 per page.
    println!("1. Paginated listing (SCIM startIndex/count, 3 per page)");
    let c = client.clone();
    let pages = Paginator::new(Strategy::scim_index(3), move |req| {
        let c = c.clone();
        async move {
            let PageRequest::Index { start_index, count } = req else {
                return Err(Error::invalid_input("expected an index page request"));
            };
            let list: ListResponse = c
                .get(["Users"])
                .query("startIndex", start_index)
                .query("count", count)
                .operation("demo.users.list")
                .send_json()
                .await?;
            Ok(Page::new(list.resources).with_total(list.total_results))
        }
    })
    .pages();
    let mut pages = std::pin::pin!(pages);
    let mut n = 0;
    while let Some(page) = pages.try_next().await? {
        n += 1;
        let count = page.items.len();
        println!(
            "   page {n} ({count} user{}):",
            if count == 1 { "" } else { "s" }
        );
        for u in &page.items {
            let state = if u.active { "active" } else { "inactive" };
            println!("     {:<5} {:<22} {state}", u.id, u.user_name);
        }
    }
    println!();

    // 2. A 429 with Retry-After: the retry loop waits as asked, then succeeds.
    println!("2. Throttled request (429, Retry-After: 1)");
    let started = Instant::now();
    let usage: serde_json::Value = client
        .get(["Reports", "usage"])
        .query("month", "2026-05")
        .send_json()
        .await?;
    println!(
        "   succeeded after {:.1} s: {usage}\n",
        started.elapsed().as_secs_f64()
    );

    // 3. Typed errors.
    println!("3. Typed errors");
    let not_found = client
        .get(["Users", "u-404"])
        .send()
        .await
        .unwrap_err_or_skip();
    if let Some(err) = not_found {
        println!("   404:           {err}");
        println!(
            "                  is_not_found={} status={:?} scim detail={:?}",
            err.is_not_found(),
            err.status(),
            err.scim_error().and_then(|e| e.detail.clone())
        );
    }
    let decode = client
        .get(["Users", "u-html"])
        .send_json::<User>()
        .await
        .unwrap_err_or_skip();
    if let Some(err) = decode {
        println!("   wrong body:    {err}");
    }
    let bad_path = client
        .delete(["Users", ".."])
        .send()
        .await
        .unwrap_err_or_skip();
    if let Some(err) = bad_path {
        println!("   bad path:      {err}");
        println!("                  was_sent={}", err.was_sent());
    }
    // A Retry-After above the policy's cap (60 s by default) fails at once instead of
    // sleeping for an hour.
    let throttled = start_throttling_server().await;
    let capped_err = HttpClient::builder()
        .base_url(throttled.uri())
        .build()?
        .get(["export"])
        .send()
        .await
        .unwrap_err_or_skip();
    if let Some(err) = capped_err {
        println!("   over the cap:  {err}");
        println!(
            "                  is_rate_limited={} retry_after={:?}",
            err.is_rate_limited(),
            err.retry_after()
        );
    }
    Ok(())
}

/// A server that always asks to come back in an hour.
async fn start_throttling_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/export"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    server
}

/// `Result::err`, reporting an unexpected success instead of panicking.
trait ErrOrSkip {
    fn unwrap_err_or_skip(self) -> Option<Error>;
}

impl<T> ErrOrSkip for Result<T, Error> {
    fn unwrap_err_or_skip(self) -> Option<Error> {
        match self {
            Ok(_) => {
                println!("   (unexpected success)");
                None
            }
            Err(e) => Some(e),
        }
    }
}
