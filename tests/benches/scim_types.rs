//! scim-types performance: decoding a page of users and parsing filters.
//!
//! `list_response_1000_users` decodes the same bytes twice, side by side: into
//! `ListResponse<User>` (lenient, lossless) and into a plain `#[derive(Deserialize)]` struct
//! with the same fields (the baseline). The target is at most 1.25× the baseline.
//!
//! After criterion's report, plain measurements print `bench-figure NAME VALUE UNIT` lines:
//! the decode times of both sides and the median of their per-round ratios (interleaved,
//! one decode per side per round), the size of `User` against the plain struct, and the
//! parse/print times of the filters and the PATCH path (medians of rounds, µs per call).
//! Instructions per decode (`IDGRAPH_BENCH_ONLY=plain|scim_types` under callgrind) are
//! counted by `tests/benches/figures.sh`.
//!
//! Run: `cargo bench -p idgraph-tests --bench scim_types` (`IDGRAPH_BENCH_FIGURES_ONLY=1`
//! skips criterion).
// A benchmark: a panic is a failed run, and the ratio report is printed on purpose.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

mod support;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use scim_types::{Filter, ListResponse, PatchPath, User};
use serde::Deserialize;
use serde_json::{Value, json};

/// One realistic user: Entra/Okta-style core attributes, two emails, a phone, an address,
/// groups, the enterprise extension and metadata.
fn user(i: usize) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": format!("2819c223-7f76-453a-919d-{i:012}"),
        "externalId": format!("00u{i:08}abcd"),
        "userName": format!("user{i}@example.com"),
        "name": {
            "formatted": format!("Ms. Barbara J Jensen {i}"),
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III"
        },
        "displayName": format!("Babs Jensen {i}"),
        "nickName": "Babs",
        "profileUrl": format!("https://login.example.com/user{i}"),
        "title": "Tour Guide",
        "userType": "Employee",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": !i.is_multiple_of(7),
        "emails": [
            {"value": format!("user{i}@example.com"), "type": "work", "primary": true},
            {"value": format!("user{i}@home.example.org"), "type": "home"}
        ],
        "phoneNumbers": [{"value": "+1-555-555-5555", "type": "work"}],
        "addresses": [{
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "US",
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 US",
            "primary": true
        }],
        "groups": [
            {"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"},
            {"value": "fc348aa8-3835-40eb-a20b-c726e15c55b5", "$ref": "https://example.com/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5", "display": "Employees"}
        ],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"),
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"a330bc54f0671c9\"",
            "location": format!("https://example.com/v2/Users/2819c223-7f76-453a-919d-{i:012}")
        }
    })
}

fn page(n: usize) -> Vec<u8> {
    let resources: Vec<Value> = (0..n).map(user).collect();
    serde_json::to_vec(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": n,
        "itemsPerPage": n,
        "startIndex": 1,
        "Resources": resources
    }))
    .unwrap()
}

// The baseline: the same fields as plain derived structs (no leniency, no unknown-key map).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainList {
    schemas: Vec<String>,
    total_results: u64,
    items_per_page: Option<u64>,
    start_index: Option<u64>,
    #[serde(rename = "Resources")]
    resources: Vec<PlainUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainUser {
    schemas: Vec<String>,
    id: Option<String>,
    external_id: Option<String>,
    user_name: String,
    name: Option<PlainName>,
    display_name: Option<String>,
    nick_name: Option<String>,
    profile_url: Option<String>,
    title: Option<String>,
    user_type: Option<String>,
    preferred_language: Option<String>,
    locale: Option<String>,
    timezone: Option<String>,
    active: Option<bool>,
    password: Option<String>,
    #[serde(default)]
    emails: Vec<PlainMulti>,
    #[serde(default)]
    phone_numbers: Vec<PlainMulti>,
    #[serde(default)]
    addresses: Vec<PlainAddress>,
    #[serde(default)]
    groups: Vec<PlainGroupRef>,
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    enterprise: Option<PlainEnterprise>,
    meta: Option<PlainMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainName {
    formatted: Option<String>,
    family_name: Option<String>,
    given_name: Option<String>,
    middle_name: Option<String>,
    honorific_prefix: Option<String>,
    honorific_suffix: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainMulti {
    value: Option<String>,
    display: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
    primary: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainAddress {
    formatted: Option<String>,
    street_address: Option<String>,
    locality: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
    primary: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainGroupRef {
    value: Option<String>,
    #[serde(rename = "$ref")]
    ref_: Option<String>,
    display: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainEnterprise {
    employee_number: Option<String>,
    cost_center: Option<String>,
    organization: Option<String>,
    division: Option<String>,
    department: Option<String>,
    manager: Option<PlainManager>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainManager {
    value: Option<String>,
    #[serde(rename = "$ref")]
    ref_: Option<String>,
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainMeta {
    resource_type: Option<String>,
    created: Option<String>,
    last_modified: Option<String>,
    location: Option<String>,
    version: Option<String>,
}

fn decode_list(c: &mut Criterion) {
    let bytes = page(1_000);
    // Both decoders must agree on what they read.
    let typed: ListResponse<User> = serde_json::from_slice(&bytes).unwrap();
    let plain: PlainList = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(typed.resources.len(), plain.resources.len());
    assert!(typed.resources.iter().all(|u| u.extra.is_empty()));

    let mut group = c.benchmark_group("list_response_1000_users");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("plain_serde_struct", |b| {
        b.iter(|| serde_json::from_slice::<PlainList>(black_box(&bytes)).unwrap());
    });
    group.bench_function("scim_types", |b| {
        b.iter(|| serde_json::from_slice::<ListResponse<User>>(black_box(&bytes)).unwrap());
    });
    group.finish();
}

const FILTERS: [(&str, &str); 4] = [
    ("simple", r#"userName eq "bjensen@example.com""#),
    (
        "typical",
        r#"userName eq "bjensen@example.com" and active eq true"#,
    ),
    (
        "value_path",
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    ),
    (
        "complex",
        r#"(title pr or userType ne "Intern") and not (emails co "example.org" or name.familyName sw "O'") and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
    ),
];
const PATCH_PATH: &str = r#"emails[type eq "work"].value"#;

fn parse_filters(c: &mut Criterion) {
    let filters = FILTERS;
    let mut group = c.benchmark_group("filter_parse");
    for (name, text) in filters {
        assert!(text.parse::<Filter>().is_ok());
        group.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| black_box(t).parse::<Filter>().unwrap());
        });
    }
    group.finish();

    let typical: Filter = filters[1].1.parse().unwrap();
    c.bench_function("filter_display/typical", |b| {
        b.iter(|| black_box(&typical).to_string());
    });
    c.bench_function("patch_path_parse", |b| {
        b.iter(|| black_box(PATCH_PATH).parse::<PatchPath>().unwrap());
    });
}

/// The 1.25× target measured robustly on a busy machine: the two decoders run alternately,
/// round after round, so both see the same load; the ratio of the fastest runs and the
/// median of the per-round ratios are reported. Criterion's own figures above are measured
/// one after the other and are more sensitive to load changes between them.
fn interleaved_ratio() {
    let bytes = page(1_000);
    let time = |typed: bool| {
        let start = Instant::now();
        if typed {
            black_box(serde_json::from_slice::<ListResponse<User>>(black_box(&bytes)).unwrap());
        } else {
            black_box(serde_json::from_slice::<PlainList>(black_box(&bytes)).unwrap());
        }
        start.elapsed()
    };
    for _ in 0..5 {
        time(false);
        time(true);
    }
    let rounds = 101;
    let mut plain = Vec::with_capacity(rounds);
    let mut typed = Vec::with_capacity(rounds);
    let mut ratios: Vec<f64> = Vec::with_capacity(rounds);
    for round in 0..rounds {
        // Alternate which goes first, so neither always runs on a warmer cache.
        let (p, t) = if round % 2 == 0 {
            let p = time(false);
            (p, time(true))
        } else {
            let t = time(true);
            (time(false), t)
        };
        plain.push(p);
        typed.push(t);
        ratios.push(t.as_secs_f64() / p.as_secs_f64());
    }
    let median = |v: &[Duration]| support::median(v).as_secs_f64() * 1e3;
    println!(
        "scim_types: interleaved rounds of one decode each ({})",
        support::machine_line()
    );
    println!(
        "bench-figure scim_types_decode_1000_users_plain_wall {:.2} ms (median of {rounds})",
        median(&plain)
    );
    println!(
        "bench-figure scim_types_decode_1000_users_scim_types_wall {:.2} ms (median of {rounds})",
        median(&typed)
    );
    println!(
        "bench-figure scim_types_decode_1000_users_vs_plain_wall {:.3} ratio (median per-round ratio; target <= 1.25)",
        support::median(&ratios)
    );
    println!(
        "bench-figure scim_types_decode_1000_users_page_json {:.2} MB",
        bytes.len() as f64 / 1e6
    );
    println!(
        "bench-figure scim_types_user_size {} bytes (plain struct: {})",
        std::mem::size_of::<User>(),
        std::mem::size_of::<PlainUser>()
    );
}

/// Parse (and print) times, each the median of rounds of 2,000 calls, µs per call.
fn parse_figures() {
    fn per_call(f: impl Fn()) -> f64 {
        const CALLS: u32 = 2_000;
        let mut rounds: Vec<f64> = (0..31)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..CALLS {
                    f();
                }
                start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
            })
            .collect();
        rounds.sort_by(f64::total_cmp);
        rounds[rounds.len() / 2]
    }
    for (name, text) in FILTERS {
        let us = per_call(|| {
            black_box(black_box(text).parse::<Filter>().unwrap());
        });
        println!("bench-figure scim_types_filter_parse_{name}_wall {us:.2} µs");
    }
    let typical: Filter = FILTERS[1].1.parse().unwrap();
    let us = per_call(|| {
        black_box(black_box(&typical).to_string());
    });
    println!("bench-figure scim_types_filter_display_typical_wall {us:.2} µs");
    let us = per_call(|| {
        black_box(black_box(PATCH_PATH).parse::<PatchPath>().unwrap());
    });
    println!("bench-figure scim_types_patch_path_parse_wall {us:.2} µs");
}

criterion_group!(benches, decode_list, parse_filters);

fn main() {
    // `IDGRAPH_BENCH_ONLY=plain|scim_types IDGRAPH_BENCH_N=<n>`: decode the page `n` times
    // with one side only and exit, for instruction counting under callgrind
    // (`tests/benches/figures.sh`).
    if let Ok(side) = std::env::var("IDGRAPH_BENCH_ONLY") {
        let n: u32 = std::env::var("IDGRAPH_BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        let bytes = page(1_000);
        for _ in 0..n {
            if side == "plain" {
                black_box(serde_json::from_slice::<PlainList>(black_box(&bytes)).unwrap());
            } else {
                black_box(serde_json::from_slice::<ListResponse<User>>(black_box(&bytes)).unwrap());
            }
        }
        return;
    }
    let quick = std::env::args().any(|a| a == "--test");
    if !quick && std::env::var_os("IDGRAPH_BENCH_FIGURES_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    interleaved_ratio();
    parse_figures();
}
