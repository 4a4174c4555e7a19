//! The paginator over real HTTP: each guard against a misbehaving server, and prefetch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt};
use idgraph_common::paginate::{ListingFault, Page, PageRequest, Paginator, StopReason, Strategy};
use idgraph_common::{Error, HttpClient, Result};
use serde::Deserialize;
use serde_json::{Value, json};
use support::{client, received};
use tokio::sync::Notify;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListResponse {
    #[serde(default)]
    total_results: Option<u64>,
    #[serde(rename = "Resources", default)]
    resources: Vec<User>,
}

#[derive(Debug, Deserialize, Clone, PartialEq)]
struct User {
    id: String,
}

fn user(i: u64) -> Value {
    json!({"id": format!("u{i:03}"), "userName": format!("user{i}@example.com")})
}

fn ids(range: std::ops::RangeInclusive<u64>) -> Vec<String> {
    range.map(|i| format!("u{i:03}")).collect()
}

fn query(req: &Request) -> HashMap<String, String> {
    req.url.query_pairs().into_owned().collect()
}

fn num(q: &HashMap<String, String>, key: &str, default: u64) -> u64 {
    q.get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A SCIM `/Users` endpoint over `n` users.
struct ScimUsers {
    n: u64,
    /// Probo: ignore startIndex/count and return everything, echoing the request.
    ignore_paging: bool,
    /// The `totalResults` to report (`None`: omit it).
    total: Option<u64>,
    /// The most items a page holds, whatever `count` asked for.
    cap: Option<u64>,
}

impl Respond for ScimUsers {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q = query(req);
        let start = num(&q, "startIndex", 1).max(1);
        let count = num(&q, "count", 100).min(100);
        let items: Vec<Value> = if self.ignore_paging {
            (1..=self.n).map(user).collect()
        } else {
            let take = self.cap.map_or(count, |c| c.min(count));
            (start..start + take)
                .filter(|i| *i <= self.n)
                .map(user)
                .collect()
        };
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            // Echoed, as Probo does: never to be trusted.
            "itemsPerPage": count,
            "startIndex": start,
            "Resources": items,
        });
        if let Some(t) = self.total {
            body["totalResults"] = json!(t);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn scim_server(users: ScimUsers) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/Users"))
        .respond_with(users)
        .mount(&server)
        .await;
    server
}

/// A SCIM index paginator over the client, as the SCIM client builds it.
fn scim_list(c: &HttpClient, count: u32) -> Paginator<User> {
    let c = c.clone();
    Paginator::new(Strategy::scim_index(count), move |req| {
        let c = c.clone();
        async move {
            let PageRequest::Index { start_index, count } = req else {
                unreachable!("{req:?}")
            };
            let list: ListResponse = c
                .get(["Users"])
                .query("startIndex", start_index)
                .query("count", count)
                .send_json()
                .await?;
            Ok(Page::new(list.resources).with_total(list.total_results))
        }
    })
}

async fn collect_ids(p: Paginator<User>) -> Vec<String> {
    p.items()
        .map_ok(|u| u.id)
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
}

async fn start_indexes(server: &MockServer) -> Vec<u64> {
    support::requests(server)
        .await
        .iter()
        .map(|r| num(&query(r), "startIndex", 0))
        .collect()
}

#[tokio::test]
async fn probo_returning_everything_on_every_page_yields_each_user_once() {
    // Probo: all 250 users on every page, itemsPerPage echoed as 100, totalResults 250.
    let server = scim_server(ScimUsers {
        n: 250,
        ignore_paging: true,
        total: Some(250),
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    let got = collect_ids(scim_list(&c, 100)).await;
    assert_eq!(got, ids(1..=250));
    // The known total ended the listing; the echoed itemsPerPage was not trusted.
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_server_returning_everything_without_a_total_is_stopped_by_dedup() {
    let server = scim_server(ScimUsers {
        n: 250,
        ignore_paging: true,
        total: None,
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    let mut items = scim_list(&c, 100)
        .dedup_by(|u: &User| u.id.as_str().into())
        .items();
    let mut got = Vec::new();
    while let Some(u) = items.try_next().await.unwrap() {
        got.push(u.id);
    }
    assert_eq!(got, ids(1..=250));
    // The second page was the first one again: the listing ended there, and says why.
    assert_eq!(start_indexes(&server).await, [1, 251]);
    assert_eq!(items.summary().unwrap().stop, StopReason::PagingIgnored);
}

#[tokio::test]
async fn a_total_the_server_does_not_have_is_an_error_not_a_short_listing() {
    let server = scim_server(ScimUsers {
        n: 250,
        ignore_paging: true,
        total: Some(1000),
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    let results: Vec<_> = scim_list(&c, 100)
        .dedup_by(|u: &User| u.id.as_str().into())
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 251);
    assert!(results[..250].iter().all(Result::is_ok));
    match &results[250] {
        Err(Error::IncompleteListing {
            received: 250,
            expected: Some(1000),
            reason: ListingFault::RepeatedItems { repeated: 250 },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn an_honest_server_is_walked_page_by_page() {
    let server = scim_server(ScimUsers {
        n: 250,
        ignore_paging: false,
        total: Some(250),
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    let got = collect_ids(scim_list(&c, 100)).await;
    assert_eq!(got, ids(1..=250));
    // The known total saves the final (empty) request.
    assert_eq!(start_indexes(&server).await, [1, 101, 201]);
}

#[tokio::test]
async fn without_a_total_the_empty_page_ends_the_listing() {
    let server = scim_server(ScimUsers {
        n: 250,
        ignore_paging: false,
        total: None,
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    assert_eq!(collect_ids(scim_list(&c, 100)).await, ids(1..=250));
    assert_eq!(start_indexes(&server).await, [1, 101, 201, 251]);
}

#[tokio::test]
async fn the_index_advances_by_the_items_received() {
    // Pages hold at most 40 items whatever count asked (and the echo says 100).
    let server = scim_server(ScimUsers {
        n: 100,
        ignore_paging: false,
        total: Some(100),
        cap: Some(40),
    })
    .await;
    let c = client(&server).build().unwrap();
    assert_eq!(collect_ids(scim_list(&c, 100)).await, ids(1..=100));
    assert_eq!(start_indexes(&server).await, [1, 41, 81]);
}

#[tokio::test]
async fn max_pages_caps_the_listing() {
    let server = scim_server(ScimUsers {
        n: 250,
        ignore_paging: false,
        total: Some(250),
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    assert_eq!(
        collect_ids(scim_list(&c, 50).max_pages(2)).await,
        ids(1..=100)
    );
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn prefetch_of_four_keeps_order_even_when_pages_arrive_out_of_order() {
    let server = scim_server(ScimUsers {
        n: 95,
        ignore_paging: false,
        total: Some(95),
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    // The first page is held back until the fifth one has arrived, so pages complete out
    // of order; the paginator must still yield them in order.
    let fifth_arrived = Arc::new(Notify::new());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let fetch = {
        let (c, fifth_arrived) = (c.clone(), fifth_arrived.clone());
        let (in_flight, peak) = (in_flight.clone(), peak.clone());
        move |req: PageRequest| {
            let (c, fifth_arrived) = (c.clone(), fifth_arrived.clone());
            let (in_flight, peak) = (in_flight.clone(), peak.clone());
            async move {
                let PageRequest::Index { start_index, count } = req else {
                    unreachable!("{req:?}")
                };
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let list: Result<ListResponse> = c
                    .get(["Users"])
                    .query("startIndex", start_index)
                    .query("count", count)
                    .send_json()
                    .await;
                match start_index {
                    1 => fifth_arrived.notified().await,
                    41 => fifth_arrived.notify_one(),
                    _ => {}
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let list = list?;
                Ok(Page::new(list.resources).with_total(list.total_results))
            }
        }
    };
    let got = collect_ids(Paginator::new(Strategy::scim_index(10), fetch).prefetch(4)).await;
    assert_eq!(got, ids(1..=95));
    // One request and four speculative ones in flight together.
    assert_eq!(peak.load(Ordering::SeqCst), 5);
    // Each page was requested exactly once, and nothing past the total.
    let mut starts = start_indexes(&server).await;
    starts.sort_unstable();
    assert_eq!(starts, (0..10).map(|p| p * 10 + 1).collect::<Vec<_>>());
}

#[tokio::test]
async fn page_number_paging_over_http() {
    let server = MockServer::start().await;
    struct Numbered;
    impl Respond for Numbered {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let q = query(req);
            let (page, size) = (num(&q, "page", 1), num(&q, "pageSize", 10));
            let users: Vec<Value> = ((page - 1) * size + 1..=page * size)
                .filter(|i| *i <= 23)
                .map(user)
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"users": users, "total": 23}))
        }
    }
    Mock::given(path("/users"))
        .respond_with(Numbered)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    #[derive(Deserialize)]
    struct Users {
        users: Vec<User>,
        total: Option<u64>,
    }
    let c2 = c.clone();
    let p = Paginator::new(Strategy::page_number(10), move |req| {
        let c = c2.clone();
        async move {
            let PageRequest::Number { page, size } = req else {
                unreachable!("{req:?}")
            };
            let list: Users = c
                .get(["users"])
                .query("page", page)
                .query("pageSize", size)
                .send_json()
                .await?;
            Ok(Page::new(list.users).with_total(list.total))
        }
    });
    assert_eq!(collect_ids(p).await, ids(1..=23));
    assert_eq!(received(&server).await, 3);
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_after_the_new_items() {
    let server = MockServer::start().await;
    struct Looping;
    impl Respond for Looping {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let q = query(req);
            let (items, next) = match q.get("cursor").map(String::as_str) {
                None => (vec![user(1), user(2)], "c1"),
                Some("c1") => (vec![user(3)], "c2"),
                // The server loops back to a cursor it already gave.
                _ => (vec![user(4)], "c1"),
            };
            ResponseTemplate::new(200).set_body_json(json!({"data": items, "next": next}))
        }
    }
    Mock::given(path("/users"))
        .respond_with(Looping)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    #[derive(Deserialize)]
    struct Data {
        data: Vec<User>,
        next: Option<String>,
    }
    let p = Paginator::new(Strategy::cursor(Some(2)), move |req| {
        let c = c.clone();
        async move {
            let PageRequest::Cursor { cursor, size } = req else {
                unreachable!("{req:?}")
            };
            let list: Data = c
                .get(["users"])
                .query_opt("cursor", cursor)
                .query_opt("limit", size)
                .send_json()
                .await?;
            Ok(Page::new(list.data).with_next_cursor(list.next))
        }
    });
    let results: Vec<_> = p.items().collect().await;
    let got: Vec<String> = results[..4]
        .iter()
        .map(|r| r.as_ref().unwrap().id.clone())
        .collect();
    assert_eq!(got, ids(1..=4));
    assert!(
        matches!(
            results[4],
            Err(Error::IncompleteListing {
                reason: ListingFault::CursorLoop,
                received: 4,
                ..
            })
        ),
        "{:?}",
        results[4]
    );
    assert_eq!(results.len(), 5);
    assert_eq!(received(&server).await, 3);
}

#[tokio::test]
async fn an_http_error_mid_listing_is_yielded_then_the_stream_ends() {
    let server = MockServer::start().await;
    Mock::given(path("/Users"))
        .respond_with(ScimUsers {
            n: 250,
            ignore_paging: false,
            total: Some(250),
            cap: None,
        })
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/Users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "scimType": "invalidValue", "detail": "bad startIndex", "status": "400"
        })))
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let results: Vec<_> = scim_list(&c, 100).pages().collect().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().items.len(), 100);
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(
        err.scim_error().unwrap().detail.as_deref(),
        Some("bad startIndex")
    );
}

#[tokio::test]
async fn nothing_is_requested_before_the_stream_is_polled() {
    let server = scim_server(ScimUsers {
        n: 5,
        ignore_paging: false,
        total: Some(5),
        cap: None,
    })
    .await;
    let c = client(&server).build().unwrap();
    let stream = scim_list(&c, 100).items();
    assert_eq!(received(&server).await, 0);
    drop(stream);
    assert_eq!(received(&server).await, 0);
}
