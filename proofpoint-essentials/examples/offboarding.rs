//! Offboarding a departed employee, as the seed's deprovisioning scenario describes:
//! read the user, remove it from each group, delete it (irreversibly), verify the 404.
//!
//! ```text
//! cargo run -p proofpoint-essentials --features test-util --example offboarding [email]
//! ```
//!
//! Runs against the in-process fake by default (seeded with the leaver); set
//! `PP_API_KEY` and `PP_API_SECRET` to run against a real REST endpoint. For a temporary
//! absence, deactivate instead: nothing is lost and `reactivate` undoes it.
#![allow(clippy::print_stdout)]

use std::error::Error as StdError;

use proofpoint_essentials::testing::FakeEssentials;
use proofpoint_essentials::{ApiKey, ApiSecret, Client, Irreversible, PrimaryEmail};

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let email = PrimaryEmail::new(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "leaver@example.com".to_owned()),
    )?;

    let (client, _fake) = match (std::env::var("PP_API_KEY"), std::env::var("PP_API_SECRET")) {
        (Ok(key), Ok(secret)) => (
            Client::builder()
                .api_key(ApiKey::new(key))
                .api_secret(ApiSecret::new(secret))
                .build()?,
            None,
        ),
        _ => {
            let fake = FakeEssentials::start().await;
            fake.add_group("grp_sales", "Sales");
            fake.add_group("grp_vip", "VIP policy");
            fake.insert_user(serde_json::json!({
                "primaryEmail": email.as_str(), "firstName": "Lee", "lastName": "Ver",
                "type": "User", "aliases": ["lv@example.com"], "groups": ["grp_sales", "grp_vip"]
            }))?;
            println!("(against the in-process fake at {})", fake.uri());
            (fake.rest_client().build()?, Some(fake))
        }
    };

    // A temporary absence would be: client.users().deactivate(&email).await?
    let report = client.users().offboard(&email, Irreversible).await?;
    println!(
        "deleted {} (aliases lost with it: {:?})",
        email,
        report.user.aliases.clone().unwrap_or_default()
    );
    for g in &report.groups_removed {
        println!("  removed from group {g}");
    }
    for (g, why) in &report.group_failures {
        println!("  could not remove from {g}: {why}");
    }
    match (&report.verified_gone, &report.verification_error) {
        (true, _) => println!("verified: GET now answers 404"),
        (false, Some(e)) => println!("NOT verified: {e}"),
        (false, None) => println!("NOT verified"),
    }
    Ok(())
}
