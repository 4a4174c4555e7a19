//! What an apply of many creates costs against Probo: 1,000 creates (each with an
//! `externalId`, as a directory sync sends them) into a 10,000-user `FakeProbo`, through
//! `UserDirectory::list_users` once and then `UserDirectory::create_user` per person.
//!
//! Probo's `externalId` filter is refused, so telling a rename from a new user used to
//! cost a full listing per create (1,000 × 10,000 users). Now the client keeps the
//! listing it made and updates it with its own writes: the target is one listing plus one
//! request per create.
//!
//! After criterion's report (one `create_user` into the 10,000-user tenant, time per
//! create), a plain run prints one `bench-figure NAME VALUE UNIT` line per figure:
//!
//! * `probo_1000_creates_listings`: `GET /Users` listings the whole run sent (the one
//!   before the creates included);
//! * `probo_1000_creates_requests`: every request the run sent;
//! * `probo_1000_creates_no_prior_listing_listings`: the same creates on a fresh client
//!   that never listed (the first create lists once);
//! * `probo_1000_creates_wall`: the run's elapsed time.
//!
//! With `--test` (as `cargo test --benches` runs it) only the plain run runs, and it
//! fails unless the counts are exactly 1 and 1,001.
//!
//! Run: `cargo bench -p idgraph-tests --bench probo_creates`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use futures::TryStreamExt;
use idgraph_common::graph::{CreateKind, DirectoryUser, UserDirectory};
use probo_scim::User;
use probo_scim::testing::FakeProbo;

const TENANT: usize = 10_000;
const CREATES: usize = 1_000;

async fn tenant() -> FakeProbo {
    let probo = FakeProbo::start().await;
    for i in 0..TENANT {
        probo.insert_user(
            User::new(format!("member{i}@example.com")).with_external_id(format!("m{i:05}")),
        );
    }
    probo
}

fn person(tag: &str, i: usize) -> DirectoryUser {
    DirectoryUser::new(format!("{tag}{i}@example.com"))
        .with_names("New", format!("Person {i}"))
        .with_external_id(format!("{tag}-{i:05}"))
}

struct Counts {
    listings: usize,
    requests: usize,
}

fn counts(probo: &FakeProbo, from: usize) -> Counts {
    let sent: Vec<_> = probo.requests().into_iter().skip(from).collect();
    Counts {
        listings: sent
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/Users"))
            .count(),
        requests: sent.len(),
    }
}

/// One listing, then the creates; returns what was sent.
async fn apply_like(probo: &FakeProbo, list_first: bool, tag: &str) -> Counts {
    let client = probo.client().unwrap();
    let from = probo.request_count();
    if list_first {
        let listed: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
        assert!(listed.len() >= TENANT);
    }
    for i in 0..CREATES {
        let created = client.create_user(&person(tag, i)).await.unwrap();
        assert_eq!(created.kind, CreateKind::New);
    }
    counts(probo, from)
}

fn figures(rt: &tokio::runtime::Runtime) {
    let probo = rt.block_on(tenant());
    let t = Instant::now();
    let listed = rt.block_on(apply_like(&probo, true, "a"));
    let wall = t.elapsed();
    println!(
        "bench-figure probo_1000_creates_listings {} count",
        listed.listings
    );
    println!(
        "bench-figure probo_1000_creates_requests {} count",
        listed.requests
    );
    println!(
        "bench-figure probo_1000_creates_wall {:.1} ms",
        wall.as_secs_f64() * 1e3
    );
    let fresh = rt.block_on(apply_like(&probo, false, "b"));
    println!(
        "bench-figure probo_1000_creates_no_prior_listing_listings {} count",
        fresh.listings
    );
    println!(
        "bench-figure probo_1000_creates_no_prior_listing_requests {} count",
        fresh.requests
    );
    assert_eq!(listed.listings, 1, "one listing, not one per create");
    assert_eq!(listed.requests, CREATES + 1);
    assert_eq!(fresh.listings, 1);
    assert_eq!(fresh.requests, CREATES + 1);
}

fn bench(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let probo = rt.block_on(tenant());
    let client = probo.client().unwrap();
    rt.block_on(async {
        let _: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    });
    let next = AtomicU64::new(0);
    let mut group = c.benchmark_group("probo_creates");
    group.bench_function("create_user_into_10k_tenant", |b| {
        b.to_async(rt).iter(|| {
            let i = next.fetch_add(1, Ordering::Relaxed) as usize;
            let client = client.clone();
            async move { client.create_user(&person("c", i)).await.unwrap() }
        })
    });
    group.finish();
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if !quick {
        let mut c = Criterion::default()
            .configure_from_args()
            .sample_size(20)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_secs(1));
        bench(&mut c, &rt);
        c.final_summary();
    }
    figures(&rt);
}
