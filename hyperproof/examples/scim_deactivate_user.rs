//! Deactivates a user over SCIM, as Hyperproof's deprovisioning does: `PATCH active =
//! false`. The user record and its audit history stay; `reactivate` undoes it.
//!
//! ```text
//! cargo run -p hyperproof --features test-util --example scim_deactivate_user [email]
//! ```
//!
//! Runs against the in-process fake by default (seeded with the leaver). To use a real
//! organization, set:
//!
//! | Variable | Meaning |
//! |---|---|
//! | `HYPERPROOF_SCIM_URL` | the organization's SCIM URL (Settings > Authentication > Provisioning) |
//! | `HYPERPROOF_SCIM_TOKEN` | the SCIM bearer token shown next to it |
#![allow(clippy::print_stdout)]

use std::error::Error as StdError;

use hyperproof::scim::NewUser;
use hyperproof::testing::FakeHyperproof;
use hyperproof::{HyperproofRole, ScimClient, ScimToken};

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let email = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "leaver@example.com".to_owned());

    let url = std::env::var("HYPERPROOF_SCIM_URL");
    let token = std::env::var("HYPERPROOF_SCIM_TOKEN");
    let (scim, _fake) = match (url, token) {
        (Ok(url), Ok(token)) => (
            ScimClient::builder()
                .scim_url(url)
                .token(ScimToken::new(token))
                .build()?,
            None,
        ),
        _ => {
            let fake = FakeHyperproof::start().await;
            let scim = fake.scim_client()?;
            scim.users()
                .create(
                    &NewUser::new(email.as_str())
                        .name("Lee", "Ver")
                        .role(HyperproofRole::User),
                )
                .await?;
            println!("(against the in-process fake at {})", fake.uri());
            (scim, Some(fake))
        }
    };

    let Some(user) = scim.users().find_by_user_name(&email).await? else {
        println!("no Hyperproof user has the userName {email}; nothing to do");
        return Ok(());
    };
    let Some(id) = user.id.clone() else {
        return Err(format!("the SCIM server returned {email} without an id").into());
    };
    if user.active == Some(false) {
        println!("{email} ({id}) is already deactivated");
        return Ok(());
    }
    let after = scim.users().deactivate(&id).await?;
    println!(
        "deactivated {email} ({id}): active = {:?}, role kept = {:?}",
        after.active,
        HyperproofRole::of(&after)
    );
    Ok(())
}
