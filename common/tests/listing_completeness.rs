//! The SCIM client against servers that lie about their listings: each lie ends the
//! listing with `Error::IncompleteListing` after what really arrived, and the servers
//! that legitimately ignore paging (Probo, SCIMMY) still list everyone exactly once.
//! On tokio's paused clock (the clients have no timers; see `support`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;

use futures::StreamExt;
use idgraph_common::paginate::{ListingFault, ListingSummary, StopReason};
use idgraph_common::scim::ScimClient;
use idgraph_common::{Error, SecretString, auth::Bearer};
use scim_types::User;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::path};

/// How the fake lies.
#[derive(Clone, Copy, Default)]
struct Lies {
    /// The `totalResults` reported (`None`: the true count); `Some(None)`: omitted.
    total: Option<Option<u64>>,
    /// Every page holds every user, echoing the requested startIndex (Probo).
    everything_every_page: bool,
    /// A page asked for past the end holds the first page again (SCIMMY).
    first_page_past_the_end: bool,
    /// The page asked for at this startIndex holds the first page again.
    first_page_at: Option<u64>,
    /// Pages echo this startIndex whatever was asked.
    echo_start: Option<u64>,
    /// The page asked for at this startIndex has no `Resources` key.
    no_resources_at: Option<u64>,
    /// The page asked for at this startIndex has `"Resources": null`.
    null_resources_at: Option<u64>,
    /// From this startIndex on, the reported total is this much lower.
    total_drops_at: Option<(u64, u64)>,
}

struct Fake {
    n: u64,
    lies: Lies,
}

fn user(i: u64) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
           "id": format!("u{i:05}"), "userName": format!("user{i}@example.com")})
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let start: u64 = q
            .get("startIndex")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let count: u64 = q.get("count").and_then(|s| s.parse().ok()).unwrap_or(100);
        let l = self.lies;
        let first_again =
            l.first_page_at == Some(start) || (l.first_page_past_the_end && start > self.n);
        let range = if l.everything_every_page {
            1..=self.n
        } else if first_again {
            1..=count.min(self.n)
        } else {
            start..=(start + count - 1).min(self.n)
        };
        let items: Vec<Value> = range.map(user).collect();
        let mut total = l.total.unwrap_or(Some(self.n));
        if let Some((from, drop)) = l.total_drops_at
            && start >= from
        {
            total = total.map(|t| t - drop);
        }
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "startIndex": l.echo_start.unwrap_or(start),
            "itemsPerPage": count,
            "Resources": items,
        });
        if let Some(t) = total {
            body["totalResults"] = json!(t);
        }
        if l.no_resources_at == Some(start) {
            body.as_object_mut().unwrap().remove("Resources");
        }
        if l.null_resources_at == Some(start) {
            body["Resources"] = Value::Null;
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn serve(n: u64, lies: Lies) -> (MockServer, ScimClient) {
    let server = MockServer::start().await;
    Mock::given(path("/Users"))
        .respond_with(Fake { n, lies })
        .mount(&server)
        .await;
    let http = support::client(&server)
        .accept(idgraph_common::scim::SCIM_ACCEPT)
        .auth(Bearer::new(SecretString::from("t0ken")))
        .build()
        .unwrap();
    (server, ScimClient::from_http(http).with_page_size(100))
}

/// Lists to the end: the ids that arrived, and the summary or the error it ended with.
async fn list(scim: &ScimClient) -> (Vec<String>, Result<ListingSummary, Error>) {
    let mut stream = scim.users().list().stream();
    let mut ids = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(u) => ids.push(id(&u)),
            Err(e) => {
                assert!(stream.next().await.is_none(), "nothing after the error");
                assert!(stream.summary().is_none(), "no summary after an error");
                return (ids, Err(e));
            }
        }
    }
    let summary = stream
        .summary()
        .cloned()
        .expect("a clean end has a summary");
    (ids, Ok(summary))
}

fn id(u: &User) -> String {
    u.id.as_ref().map(|i| i.as_str().to_owned()).unwrap()
}

fn ids(range: std::ops::RangeInclusive<u64>) -> Vec<String> {
    range.map(|i| format!("u{i:05}")).collect()
}

fn incomplete(e: Error) -> (u64, Option<u64>, ListingFault) {
    match e {
        Error::IncompleteListing {
            received,
            expected,
            reason,
            ..
        } => (received, expected, reason),
        other => panic!("expected an incomplete listing, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_honest_server_ends_on_its_total() {
    let (server, scim) = serve(250, Lies::default()).await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=250));
    let s = end.unwrap();
    assert_eq!((s.pages, s.items, s.reported_total), (3, 250, Some(250)));
    assert_eq!(s.stop, StopReason::ReachedTotal);
    assert_eq!(support::received(&server).await, 3);
}

#[tokio::test(start_paused = true)]
async fn an_empty_page_before_the_total_is_an_error() {
    let (_s, scim) = serve(
        250,
        Lies {
            total: Some(Some(300)),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=250));
    let err = end.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(
        incomplete(err),
        (250, Some(300), ListingFault::EndedBeforeTotal)
    );
}

#[tokio::test(start_paused = true)]
async fn the_first_page_again_at_201_is_an_error_not_100_duplicates() {
    let (_s, scim) = serve(
        300,
        Lies {
            first_page_at: Some(201),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    // No duplicate was yielded, and the missing 100 are reported, not lost silently.
    assert_eq!(got, ids(1..=200));
    assert_eq!(
        incomplete(end.unwrap_err()),
        (
            200,
            Some(300),
            ListingFault::RepeatedItems { repeated: 100 }
        )
    );
}

#[tokio::test(start_paused = true)]
async fn an_echoed_start_index_that_differs_is_an_error() {
    // Pages really advance, but every page says it starts at 1.
    let (_s, scim) = serve(
        250,
        Lies {
            echo_start: Some(1),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=100));
    assert_eq!(
        incomplete(end.unwrap_err()),
        (
            100,
            Some(250),
            ListingFault::WrongStartIndex {
                requested: 101,
                echoed: 1
            }
        )
    );
}

#[tokio::test(start_paused = true)]
async fn an_echo_that_goes_backwards_is_an_error() {
    // The second page claims to start at 51 (backwards from the 101 asked).
    struct Backwards;
    impl Respond for Backwards {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let start: u64 = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "startIndex")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            let items: Vec<Value> = (start..start + 100).map(user).collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "totalResults": 300, "startIndex": if start == 1 { 1 } else { start - 50 },
                "Resources": items,
            }))
        }
    }
    let server = MockServer::start().await;
    Mock::given(path("/Users"))
        .respond_with(Backwards)
        .mount(&server)
        .await;
    let scim = ScimClient::from_http(support::client(&server).build().unwrap());
    let (got, end) = list(&scim).await;
    assert_eq!(got.len(), 100);
    assert_eq!(
        incomplete(end.unwrap_err()).2,
        ListingFault::WrongStartIndex {
            requested: 101,
            echoed: 51
        }
    );
}

#[tokio::test(start_paused = true)]
async fn resources_missing_or_null_while_results_are_reported_is_an_error() {
    for lies in [
        Lies {
            no_resources_at: Some(101),
            ..Lies::default()
        },
        Lies {
            null_resources_at: Some(101),
            ..Lies::default()
        },
    ] {
        let (_s, scim) = serve(250, lies).await;
        let (got, end) = list(&scim).await;
        assert_eq!(got, ids(1..=100));
        assert_eq!(
            incomplete(end.unwrap_err()),
            (100, Some(250), ListingFault::MissingItems)
        );
    }
    // With totalResults 0 a missing Resources is simply an empty listing (RFC 7644).
    let (_s, scim) = serve(
        0,
        Lies {
            no_resources_at: Some(1),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert!(got.is_empty());
    assert_eq!(end.unwrap().stop, StopReason::ReachedTotal);
}

#[tokio::test(start_paused = true)]
async fn a_total_that_drops_mid_listing_is_a_retryable_error() {
    let (_s, scim) = serve(
        300,
        Lies {
            total_drops_at: Some((101, 20)),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=100));
    let err = end.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(
        incomplete(err).2,
        ListingFault::TotalDecreased { from: 300, to: 280 }
    );
}

#[tokio::test(start_paused = true)]
async fn a_cursor_that_comes_back_is_an_error() {
    struct Looping;
    impl Respond for Looping {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let cursor = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let (items, next) = match cursor.as_str() {
                "" => ((1..=2).map(user).collect::<Vec<_>>(), "c1"),
                "c1" => ((3..=4).map(user).collect(), "c2"),
                _ => ((5..=5).map(user).collect(), "c1"),
            };
            ResponseTemplate::new(200)
                .set_body_json(json!({"Resources": items, "nextCursor": next}))
        }
    }
    let server = MockServer::start().await;
    Mock::given(path("/Users"))
        .respond_with(Looping)
        .mount(&server)
        .await;
    let scim = ScimClient::from_http(support::client(&server).build().unwrap());
    let mut stream = scim.users().list().cursor_paging().stream();
    let mut got = Vec::new();
    let mut end = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(u) => got.push(id(&u)),
            Err(e) => end = Some(e),
        }
    }
    assert_eq!(got, ids(1..=5));
    assert_eq!(incomplete(end.unwrap()).2, ListingFault::CursorLoop);
}

#[tokio::test(start_paused = true)]
async fn probo_everything_on_every_page_lists_each_user_once_in_one_request() {
    let (server, scim) = serve(
        250,
        Lies {
            everything_every_page: true,
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=250));
    assert_eq!(end.unwrap().stop, StopReason::ReachedTotal);
    assert_eq!(support::received(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn probo_without_a_total_stops_when_the_first_page_comes_back() {
    let (server, scim) = serve(
        250,
        Lies {
            everything_every_page: true,
            total: Some(None),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=250));
    assert_eq!(end.unwrap().stop, StopReason::PagingIgnored);
    assert_eq!(support::received(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn scimmy_repeating_page_one_past_the_end_lists_each_user_once() {
    // With its total (as SCIMMY reports it), the listing never asks past the end.
    let (server, scim) = serve(
        250,
        Lies {
            first_page_past_the_end: true,
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=250));
    assert_eq!(end.unwrap().stop, StopReason::ReachedTotal);
    assert_eq!(support::received(&server).await, 3);
    // Without a total, the page past the end (page 1 again) ends it cleanly.
    let (server, scim) = serve(
        250,
        Lies {
            first_page_past_the_end: true,
            total: Some(None),
            ..Lies::default()
        },
    )
    .await;
    let (got, end) = list(&scim).await;
    assert_eq!(got, ids(1..=250));
    assert_eq!(end.unwrap().stop, StopReason::PagingIgnored);
    assert_eq!(support::received(&server).await, 4);
}

#[tokio::test(start_paused = true)]
async fn the_error_says_what_arrived_and_what_was_reported() {
    let (_s, scim) = serve(
        250,
        Lies {
            total: Some(Some(300)),
            ..Lies::default()
        },
    )
    .await;
    let (_, end) = list(&scim).await;
    let text = end.unwrap_err().to_string();
    assert_eq!(
        text,
        "the listing is incomplete: the server ended the listing before its reported total arrived (250 distinct item(s) in 3 page(s) arrived of a reported 300)"
    );
}
