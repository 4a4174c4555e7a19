//! Bad configuration is refused at build time, with an error that says what to fix and
//! never repeats a secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hyperproof::{
    ApiToken, ClientCredentials, ClientSecret, Error, Region, RestClient, ScimClient, ScimToken,
    TransportSettings,
};

fn config_message(err: Error) -> String {
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    err.to_string()
}

#[test]
fn a_scim_url_that_is_not_https_is_refused_unless_loopback() {
    let err = ScimClient::builder()
        .scim_url("http://scim.example.com/scim/v2/org-1")
        .token(ScimToken::new("scim-secret"))
        .build()
        .unwrap_err();
    let msg = config_message(err);
    assert!(msg.contains("Hyperproof SCIM URL"), "{msg}");
    assert!(msg.contains("plain http"), "{msg}");
    assert!(msg.contains("use https"), "{msg}");
    assert!(
        msg.contains("Settings > Authentication > Provisioning"),
        "{msg}"
    );

    for loopback in [
        "http://127.0.0.1:8080/scim/v2",
        "http://localhost:9/scim",
        "http://[::1]:1/s",
    ] {
        ScimClient::builder()
            .scim_url(loopback)
            .token(ScimToken::new("scim-secret"))
            .build()
            .unwrap_or_else(|e| panic!("{loopback}: {e}"));
    }
}

#[test]
fn plain_http_to_a_remote_host_needs_the_transport_opt_in() {
    let err = ScimClient::builder()
        .scim_url("http://scim.example.com/scim/v2")
        .token(ScimToken::new("scim-secret"))
        .build()
        .unwrap_err();
    assert!(config_message(err).contains("plain http"));
    ScimClient::builder()
        .scim_url("http://scim.example.com/scim/v2")
        .token(ScimToken::new("scim-secret"))
        .transport(TransportSettings::new().allow_insecure_http(true))
        .build()
        .unwrap();

    let err = RestClient::builder()
        .api_token(ApiToken::new("t"))
        .base_url("http://api.example.com/v1")
        .build()
        .unwrap_err();
    assert!(config_message(err).contains("REST base URL"));
    RestClient::builder()
        .api_token(ApiToken::new("t"))
        .base_url("http://api.example.com/v1")
        .transport(TransportSettings::new().allow_insecure_http(true))
        .build()
        .unwrap();
    // The token URL follows the same opt-in.
    let creds = || ClientCredentials::new("id", ClientSecret::new("s"));
    let err = RestClient::builder()
        .client_credentials(creds())
        .token_url("http://auth.example.com/oauth/token")
        .build()
        .unwrap_err();
    assert!(config_message(err).contains("token URL"));
    RestClient::builder()
        .client_credentials(creds())
        .token_url("http://auth.example.com/oauth/token")
        .transport(TransportSettings::new().allow_insecure_http(true))
        .build()
        .unwrap();
}

#[test]
fn a_missing_scim_url_names_its_setter() {
    let msg = config_message(
        ScimClient::builder()
            .token(ScimToken::new("scim-secret"))
            .build()
            .unwrap_err(),
    );
    assert!(msg.contains("scim_url("), "{msg}");
    assert!(msg.contains("no default"), "{msg}");
}

#[test]
fn builders_are_clone_and_each_clone_builds_on_its_own() {
    let rest = RestClient::builder().api_token(ApiToken::new("t"));
    let us = rest.clone().build().unwrap();
    let gov = rest.region(Region::Gov).build().unwrap();
    assert_ne!(us.base_url(), gov.base_url());

    let scim = ScimClient::builder().token(ScimToken::new("scim-secret"));
    let a = scim
        .clone()
        .scim_url("https://a.example.com/scim")
        .build()
        .unwrap();
    let b = scim.scim_url("https://b.example.com/scim").build().unwrap();
    assert_eq!(a.scim_url(), "https://a.example.com/scim");
    assert_eq!(b.scim_url(), "https://b.example.com/scim");
}

#[test]
fn an_inconsistent_transport_setting_is_a_config_error_from_build() {
    let policy = hyperproof::RetryPolicy::standard().with_max_attempts(0);
    let err = RestClient::builder()
        .api_token(ApiToken::new("t"))
        .transport(TransportSettings::new().retry_policy(policy.clone()))
        .build()
        .unwrap_err();
    config_message(err);
    let err = ScimClient::builder()
        .scim_url("https://scim.example.com/v2")
        .token(ScimToken::new("scim-secret"))
        .transport(TransportSettings::new().retry_policy(policy))
        .build()
        .unwrap_err();
    config_message(err);
}

#[test]
fn the_scim_url_is_required_and_must_be_a_url() {
    for bad in ["", "   "] {
        let err = ScimClient::builder()
            .scim_url(bad)
            .token(ScimToken::new("scim-secret"))
            .build()
            .unwrap_err();
        let msg = config_message(err);
        assert!(
            msg.contains("required") && msg.contains("no default"),
            "{msg}"
        );
    }
    let err = ScimClient::builder()
        .scim_url("scim.example.com/scim/v2")
        .token(ScimToken::new("scim-secret"))
        .build()
        .unwrap_err();
    assert!(config_message(err).contains("not a valid absolute URL"));
}

#[test]
fn a_scim_url_with_a_credential_inside_is_refused_without_echoing_it() {
    let err = ScimClient::builder()
        .scim_url("https://user:url-secret@scim.example.com/scim/v2")
        .token(ScimToken::new("scim-secret"))
        .build()
        .unwrap_err();
    let msg = config_message(err);
    assert!(msg.contains("user name or password"), "{msg}");
    assert!(!msg.contains("url-secret"), "{msg}");
}

#[test]
fn a_scim_url_with_a_query_is_refused() {
    let err = ScimClient::builder()
        .scim_url("https://scim.example.com/scim/v2?token=abc")
        .token(ScimToken::new("scim-secret"))
        .build()
        .unwrap_err();
    let msg = config_message(err);
    assert!(msg.contains("query or fragment"), "{msg}");
    assert!(!msg.contains("token=abc"), "{msg}");
}

#[test]
fn a_missing_credential_says_which_one_fits() {
    let msg = config_message(
        ScimClient::builder()
            .scim_url("https://scim.example.com/v2")
            .build()
            .unwrap_err(),
    );
    assert!(msg.contains("token(ScimToken)"), "{msg}");
    assert!(msg.contains("do not work on the SCIM API"), "{msg}");

    let msg = config_message(RestClient::builder().build().unwrap_err());
    assert!(msg.contains("api_token(ApiToken)"), "{msg}");
    assert!(
        msg.contains("client_credentials(ClientCredentials)"),
        "{msg}"
    );
    assert!(msg.contains("ScimToken is for the SCIM API only"), "{msg}");
}

#[test]
fn a_token_that_cannot_be_a_header_is_refused_without_echoing_it() {
    let err = RestClient::builder()
        .api_token(ApiToken::new("line\nbreak-secret"))
        .build()
        .unwrap_err();
    assert!(!config_message(err).contains("break-secret"));
    let err = ScimClient::builder()
        .scim_url("https://scim.example.com/v2")
        .token(ScimToken::new("line\rbreak-secret"))
        .build()
        .unwrap_err();
    assert!(!config_message(err).contains("break-secret"));
}

#[test]
fn a_token_url_that_is_not_https_is_refused() {
    let err = RestClient::builder()
        .client_credentials(ClientCredentials::new("id", ClientSecret::new("s")))
        .token_url("http://accounts.example.com/oauth/token")
        .build()
        .unwrap_err();
    let msg = config_message(err);
    assert!(
        msg.contains("OAuth2 token URL") && msg.contains("plain http"),
        "{msg}"
    );

    let err = RestClient::builder()
        .client_credentials(ClientCredentials::new("", ClientSecret::new("s")))
        .build()
        .unwrap_err();
    assert!(config_message(err).contains("client id is empty"));
}

#[test]
fn regions_pick_their_base_url_and_a_base_url_overrides_them() {
    for (region, url) in [
        (Region::Us, "https://api.hyperproof.app/v1"),
        (Region::Eu, "https://api.hyperproof.eu/v1"),
        (Region::Gov, "https://api.hyperproofgov.app/v1"),
    ] {
        let client = RestClient::builder()
            .api_token(ApiToken::new("t"))
            .region(region)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), url);
        assert_eq!(region.token_url(), hyperproof::DEFAULT_TOKEN_URL);
    }
    let seed = RestClient::builder()
        .api_token(ApiToken::new("t"))
        .region(Region::Eu)
        .base_url("https://api.hyperproof.io/v1")
        .build()
        .unwrap();
    assert_eq!(seed.base_url(), "https://api.hyperproof.io/v1");
    assert_eq!(seed.token_requests(), None);
    let err = "mars".parse::<Region>().unwrap_err();
    assert!(err.to_string().contains("`us`, `eu` or `gov`"), "{err}");
}
