//! Caller data in paths and queries reaches the server exactly as one encoded segment or
//! value; segments a URL cannot carry safely are refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use idgraph_common::{ApiPath, Error};
use support::{client, client_for, received};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

/// The raw path and query of the only request the server received.
async fn raw_target(server: &MockServer) -> (String, Option<String>) {
    let reqs = support::requests(server).await;
    assert_eq!(reqs.len(), 1);
    (
        reqs[0].url.path().to_owned(),
        reqs[0].url.query().map(str::to_owned),
    )
}

#[tokio::test(start_paused = true)]
async fn an_email_with_reserved_characters_is_one_segment() {
    let server = server().await;
    let c = client(&server).build().unwrap();
    c.get(["Users", "a/b?c#d%e@x.com"])
        .send_empty()
        .await
        .unwrap();
    let (path, query) = raw_target(&server).await;
    assert_eq!(path, "/Users/a%2Fb%3Fc%23d%25e%40x.com");
    assert_eq!(query, None);
}

#[tokio::test(start_paused = true)]
async fn spaces_and_non_ascii_are_encoded_not_dropped() {
    let server = server().await;
    let c = client(&server).build().unwrap();
    c.delete(["Users", "José Müller+1;x=\\y"])
        .send_empty()
        .await
        .unwrap();
    let (path, _) = raw_target(&server).await;
    assert_eq!(path, "/Users/Jos%C3%A9%20M%C3%BCller%2B1%3Bx%3D%5Cy");
}

#[tokio::test(start_paused = true)]
async fn encoded_dots_and_inner_dots_are_not_resolved() {
    let server = server().await;
    let c = client(&server).build().unwrap();
    c.get(["Users", "%2e%2e", "../admin", "a..b"])
        .send_empty()
        .await
        .unwrap();
    let (path, _) = raw_target(&server).await;
    assert_eq!(path, "/Users/%252e%252e/..%2Fadmin/a..b");
}

#[tokio::test(start_paused = true)]
async fn the_base_path_is_kept_in_front() {
    let server = server().await;
    for base in ["/scim/v2", "/scim/v2/"] {
        let c = client_for(&format!("{}{base}", server.uri()))
            .build()
            .unwrap();
        c.get(["Users", "u 1"]).send_empty().await.unwrap();
        c.get(ApiPath::root()).send_empty().await.unwrap();
    }
    let paths: Vec<String> = support::requests(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/scim/v2/Users/u%201",
            "/scim/v2",
            "/scim/v2/Users/u%201",
            "/scim/v2"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn query_values_are_percent_encoded_with_percent_twenty_for_spaces() {
    let server = server().await;
    let c = client(&server).build().unwrap();
    c.get(["Users"])
        .query("filter", r#"userName eq "a+b@x.com""#)
        .query("count", 10)
        .query_opt("cursor", None::<&str>)
        .query_opt("attributes", Some("emails.value"))
        .send_empty()
        .await
        .unwrap();
    let (path, query) = raw_target(&server).await;
    assert_eq!(path, "/Users");
    assert_eq!(
        query.as_deref(),
        Some("filter=userName%20eq%20%22a%2Bb%40x.com%22&count=10&attributes=emails.value")
    );
}

#[tokio::test(start_paused = true)]
async fn dot_dot_dot_and_empty_segments_are_refused_before_sending() {
    let server = server().await;
    let c = client(&server).build().unwrap();
    for bad in ["..", ".", ""] {
        for result in [
            c.get(["Users", bad]).send().await,
            c.delete(["Users", bad]).send().await,
            c.put(vec!["Users".to_owned(), bad.to_owned()]).send().await,
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { .. }),
                "{bad:?}: {err:?}"
            );
            assert!(!err.was_sent() && !err.is_retryable());
        }
    }
    let err = c.get(["Users", ".."]).send().await.unwrap_err();
    assert!(err.to_string().contains("directory step"), "{err}");
    assert_eq!(received(&server).await, 0);
}

#[tokio::test(start_paused = true)]
async fn builder_mistakes_are_returned_by_send_and_nothing_is_sent() {
    let server = server().await;
    let c = client(&server).build().unwrap();
    let err = c
        .get(["Users"])
        .header("X-Bad", "line\nbreak")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(received(&server).await, 0);
}
