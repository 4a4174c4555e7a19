//! Offboarding a leaver: find the user by email, deactivate them, show the result.
//!
//! Against a fake Probo (the default; nothing leaves your machine):
//!
//! ```text
//! cargo run -p probo-scim --features test-util --example offboard
//! ```
//!
//! Against a real Probo instance:
//!
//! ```text
//! PROBO_URL=https://probo.example.com \
//! PROBO_SCIM_TOKEN=<the SCIM configuration's token> \
//! cargo run -p probo-scim --features test-util --example offboard -- leaver@example.com
//! ```
//!
//! | Variable | Meaning |
//! |---|---|
//! | `PROBO_URL` | the Probo instance (the client adds `/api/connect/v1/scim/2.0`); unset: a fake |
//! | `PROBO_SCIM_TOKEN` | the SCIM token (required with `PROBO_URL`) |
//! | first argument | the email to offboard (default `leaver@example.com`) |
//!
//! Deactivation keeps the account and its history (signed documents stay attributable);
//! it is what to do first. Deleting is a separate, irreversible decision.
#![allow(clippy::print_stdout)]

use probo_scim::testing::FakeProbo;
use probo_scim::{Client, Name, ScimToken, User, external_id};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let email = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "leaver@example.com".to_owned());

    // Keep the fake alive for the whole run when there is no real instance.
    let (client, _fake) = match std::env::var("PROBO_URL") {
        Ok(url) => {
            let token = std::env::var("PROBO_SCIM_TOKEN")
                .map_err(|_| "PROBO_SCIM_TOKEN must be set together with PROBO_URL")?;
            let client = Client::builder()
                .base_url(url)
                .token(ScimToken::new(token))
                .build()?;
            (client, None)
        }
        Err(_) => {
            let fake = FakeProbo::start().await;
            fake.insert_user(
                User::new(email.as_str())
                    .with_name(Name::new("Lee", "Ver"))
                    .with_external_id("00u-leaver"),
            );
            fake.insert_user(User::new("stayer@example.com"));
            println!("(no PROBO_URL: using a fake Probo at {})", fake.scim_url());
            (fake.client()?, Some(fake))
        }
    };

    let users = client.users();
    let Some(user) = users.find_by_user_name(&email).await? else {
        println!("no Probo user has the email {email}: nothing to do");
        return Ok(());
    };
    let Some(id) = user.id.clone() else {
        return Err("Probo listed a user without an id".into());
    };
    println!(
        "found {} (id {id}, externalId {}, active {:?})",
        user.user_name,
        external_id(&user).unwrap_or("none"),
        user.active
    );
    if user.active == Some(false) {
        println!("already deactivated: nothing to do");
        return Ok(());
    }

    match users.deactivate(&id).await {
        Ok(after) => println!(
            "deactivated {}: active is now {:?} (last modified {})",
            after.user_name,
            after.active,
            after
                .meta
                .as_ref()
                .and_then(|m| m.last_modified.as_deref())
                .unwrap_or("?")
        ),
        Err(e) if e.is_unauthorized() => {
            // The message explains the Bridge token rotation.
            println!("the token was rejected: {e}");
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
