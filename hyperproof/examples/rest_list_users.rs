//! Lists the organization's users over the REST API with OAuth2 client credentials.
//!
//! ```text
//! cargo run -p hyperproof --features test-util --example rest_list_users
//! ```
//!
//! Runs against the in-process fake by default. To use a real Hyperproof organization,
//! set:
//!
//! | Variable | Meaning |
//! |---|---|
//! | `HYPERPROOF_CLIENT_ID` | the API client's id (Settings > API clients) |
//! | `HYPERPROOF_CLIENT_SECRET` | its secret |
//! | `HYPERPROOF_REGION` | optional: `us` (default), `eu` or `gov` |
//! | `HYPERPROOF_SCOPES` | optional: space-separated scopes, for example `user.read` |
//! | `HYPERPROOF_TOKEN_URL` | optional: another token URL than `https://accounts.hyperproof.app/oauth/token` |
#![allow(clippy::print_stdout)]

use std::error::Error as StdError;

use futures::TryStreamExt;
use hyperproof::testing::FakeHyperproof;
use hyperproof::{ClientCredentials, ClientSecret, Region, RestClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let id = std::env::var("HYPERPROOF_CLIENT_ID");
    let secret = std::env::var("HYPERPROOF_CLIENT_SECRET");
    let (client, _fake) = match (id, secret) {
        (Ok(id), Ok(secret)) => {
            let region: Region = std::env::var("HYPERPROOF_REGION")
                .map(|r| r.parse())
                .unwrap_or(Ok(Region::Us))?;
            let scopes = std::env::var("HYPERPROOF_SCOPES").unwrap_or_default();
            let credentials = ClientCredentials::new(id, ClientSecret::new(secret))
                .with_scopes(scopes.split_whitespace());
            let mut builder = RestClient::builder()
                .client_credentials(credentials)
                .region(region);
            if let Ok(url) = std::env::var("HYPERPROOF_TOKEN_URL") {
                builder = builder.token_url(url);
            }
            (builder.build()?, None)
        }
        _ => {
            let fake = FakeHyperproof::start().await;
            fake.add_rest_user(
                "grace@example.com",
                "Grace",
                "Hopper",
                hyperproof::HyperproofRole::ComplianceManager,
            );
            println!("(against the in-process fake at {})", fake.uri());
            (fake.rest_client()?, Some(fake))
        }
    };

    let me = client.users().me().await?;
    println!(
        "signed in as {} ({})",
        me.email.as_deref().unwrap_or("a service account"),
        me.id
    );

    let mut users = client.users().list().include_deactivated(true).stream();
    println!("users:");
    while let Some(user) = users.try_next().await? {
        println!(
            "  {:<32} {:<24} {}",
            user.email.as_deref().unwrap_or("-"),
            user.kind.as_ref().map_or("-", |k| k.as_str()),
            if user.is_deactivated() {
                "deactivated"
            } else {
                "active"
            },
        );
    }
    if let Some(summary) = users.summary() {
        println!("({summary})");
    }
    println!(
        "token requests made: {}",
        client.token_requests().unwrap_or_default()
    );
    Ok(())
}
