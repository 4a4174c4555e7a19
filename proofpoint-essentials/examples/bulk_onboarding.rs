//! Bulk onboarding from a CSV file, with group assignment.
//!
//! ```text
//! cargo run -p proofpoint-essentials --features test-util --example bulk_onboarding [file.csv]
//! ```
//!
//! Runs against the in-process fake by default. Set `PP_API_KEY` and `PP_API_SECRET` (and
//! optionally `PP_BASE_URL`) to run against a real REST endpoint instead.
//!
//! CSV columns: `email,first_name,last_name,groups,temp_password`, with `groups` a
//! `;`-separated list of group ids. Rows are validated first; the bulk create then
//! continues past any user's failure and prints a per-user report. At the default
//! 100 requests/minute the run paces itself (one request every 600 ms).
#![allow(clippy::print_stdout)]

use std::error::Error as StdError;
use std::path::PathBuf;

use proofpoint_essentials::testing::FakeEssentials;
use proofpoint_essentials::{
    ApiKey, ApiSecret, BulkUser, Client, GroupId, NewUser, PrimaryEmail, UserPassword, UserType,
};

#[derive(Debug, serde::Deserialize)]
struct Row {
    email: String,
    first_name: String,
    last_name: String,
    groups: String,
    temp_password: String,
}

fn parse(path: &PathBuf) -> Result<Vec<BulkUser>, Box<dyn StdError>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut users = Vec::new();
    for (line, row) in reader.deserialize::<Row>().enumerate() {
        let row = row?;
        // Bad rows stop the run before anything is sent.
        let email = PrimaryEmail::new(&row.email).map_err(|e| format!("row {}: {e}", line + 2))?;
        let user = NewUser::new(email, UserType::User)
            .names(row.first_name, row.last_name)
            .password(UserPassword::new(row.temp_password));
        let groups = row
            .groups
            .split(';')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(GroupId::new)
            .collect::<Result<Vec<_>, _>>()?;
        users.push(BulkUser::new(user).groups(groups));
    }
    Ok(users)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/new_hires.csv")
        });
    let users = parse(&path)?;
    println!("{} users to onboard from {}", users.len(), path.display());

    // The fake stays alive for the whole run when used.
    let (client, _fake) = match (std::env::var("PP_API_KEY"), std::env::var("PP_API_SECRET")) {
        (Ok(key), Ok(secret)) => {
            let mut b = Client::builder()
                .api_key(ApiKey::new(key))
                .api_secret(ApiSecret::new(secret));
            if let Ok(url) = std::env::var("PP_BASE_URL") {
                b = b.base_url(url);
            }
            (b.build()?, None)
        }
        _ => {
            let fake = FakeEssentials::start().await;
            for (id, name) in [
                ("grp_sales", "Sales"),
                ("grp_eng", "Engineering"),
                ("grp_oncall", "On call"),
            ] {
                fake.add_group(id, name);
            }
            println!("(against the in-process fake at {})", fake.uri());
            (fake.rest_client().build()?, Some(fake))
        }
    };

    let report = client.users().bulk_create(users).send().await;
    for r in &report.results {
        match &r.user {
            Ok(_) => {
                let groups: Vec<String> = r
                    .groups
                    .iter()
                    .map(|g| match &g.result {
                        Ok(_) => format!("+{}", g.group),
                        Err(e) => format!("!{} ({e})", g.group),
                    })
                    .collect();
                println!("created  {} {}", r.email, groups.join(" "));
            }
            Err(e) => match e.unregistered_domain() {
                Some(domain) => println!(
                    "skipped  {}: register `{domain}` in the admin console first",
                    r.email
                ),
                None => println!("failed   {}: {e}", r.email),
            },
        }
    }
    println!(
        "{} created, {} failed, {} group assignments failed",
        report.created().count(),
        report.failed().count(),
        report.failed_groups().count()
    );
    Ok(())
}
