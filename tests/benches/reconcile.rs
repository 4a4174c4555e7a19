//! Planning cost of `idgraph_common::graph::plan`.
//!
//! Source and target each hold `n` users (names, display name, external id, two
//! groups); 1 % of them differ: 0.4 % have a changed name (update), 0.3 % are new in the
//! source (create) and 0.3 % are gone from it (deactivate). The target is Proofpoint
//! Essentials, so groups are compared too. Emails differ in case between the two sides,
//! as real exports do. Only `plan` is timed; the inputs are built once, as the SDK's
//! adapters build a listing's users: one `DirectoryUser::builder` each (one allocation),
//! each side whole before the other, so that a side's users lie in the heap in the order
//! made. The target lists the people in an order of its own, as another system does
//! (`listing_order`; `IDGRAPH_BENCH_RECONCILE_SAME_ORDER=1` gives it the source's order,
//! the best case).
//!
//! Targets (issue 15): 1M × 1M in ≤ 300 ms of CPU, the cost per user at 1M within 1.15×
//! of 100k, ≤ 200 bytes of input per user: common/README.md says which this bench shows
//! met.
//!
//! After criterion's (wall-clock) report, a second table gives the median of 7 samples
//! per size (plan and drop) in wall time *and* in CPU time of the planning thread (Linux
//! `CLOCK_THREAD_CPUTIME_ID`), which stays honest on a shared, loaded machine, with
//! the time per user so linearity can be read off directly.
//!
//! Each size also prints `bench-figure reconcile_plan_<n>_thread_cpu_ms VALUE ms` and
//! `bench-figure reconcile_plan_<n>_cpu_per_user_ns VALUE ns` (CPU of the planning
//! thread), and the floor any planner pays, every user of both sides read once and
//! nothing else (`reconcile_touch_<n>_cpu_per_user_ns`); then how each grows per user
//! from 100k to 1M (and 10M): `reconcile_{plan,touch}_<n>_vs_100000_per_user`.
//!
//! Memory (a counting global allocator, bytes requested from the allocator):
//! `bench-figure reconcile_inputs_<n>_bytes_per_user` (the live heap of both inputs,
//! `Vec`s included, divided by the 2n users) and `bench-figure reconcile_plan_<n>_peak_extra`
//! (the peak heap one `plan` adds on top of its inputs, MiB); and
//! `bench-figure reconcile_directory_user_size` (`size_of::<DirectoryUser>()`).
//!
//! `IDGRAPH_BENCH_RECONCILE_10M=1` adds n = 10M to the CPU table (3 samples instead of 7)
//! and prints `bench-figure reconcile_plan_10000000_process_peak_rss` (the process's peak
//! resident memory, GiB, from `/proc/self/status`: inputs, plan and allocator together).
//!
//! The table above plans the same inputs again and again, so whatever of them fits in
//! the last-level cache is still there at the next plan: at 100k both sides (35 MB) fit
//! in this machine's 260 MiB L3, at 1M (350 MB) they do not, and the per-user ratio
//! between the two is mostly the cache's size. A last table plans with the caches
//! emptied first ([`Evictor`]), as a plan made after minutes of listing meets its inputs,
//! so that every size starts from memory alike: 100k, 1M (and 10M) interleaved, one plan
//! each per round for 11 rounds (each round in the opposite order from the last), and the
//! floor likewise, printed as `reconcile_{plan,touch}_<n>_cold_cpu_per_user_ns` (medians)
//! and `reconcile_{plan,touch}_<n>_vs_100000_cold_per_user` (the median of each round's
//! own ratio, which cancels the host's drift over the run), with the
//! minor page faults one plan takes (`reconcile_plan_<n>_cold_page_faults`, median): the
//! allocator may hand a plan memory it kept from the last one, or fresh pages the kernel
//! must zero. `IDGRAPH_BENCH_RECONCILE_COLD_ONLY=LABEL` prints only this table, for 100k
//! and 1M, with `_LABEL` after `cold` in each name: `figures.sh` runs it as `heap_kept`
//! with glibc told never to give freed memory back, so that no plan faults.
//!
//! Run: `cargo bench -p idgraph-tests --bench reconcile` (`IDGRAPH_BENCH_CPU_ONLY=1` skips
//! criterion's wall-clock part and prints only the CPU table).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

mod support;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use idgraph_common::graph::{DirectoryUser, SyncPolicy, plan};
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Bytes currently requested from the allocator (`PeakAlloc` counts every allocation).
fn live_heap() -> usize {
    HEAP.current_usage()
}

/// The process's peak resident set in bytes (Linux `VmHWM`), when the platform says.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// User `i`, built as the SDK's adapters build the users of a listing: one
/// [`DirectoryUser::builder`] each, so a side's users lie in the heap in the order made.
fn user(i: usize, upper: bool) -> DirectoryUser {
    named(i, upper, &format!("First{i}"))
}

/// User `i` with given name `given`.
fn named(i: usize, upper: bool, given: &str) -> DirectoryUser {
    let email = if upper {
        format!("First.Last{i}@Example.COM")
    } else {
        format!("first.last{i}@example.com")
    };
    DirectoryUser::builder(&email)
        .given_name(given)
        .family_name(format!("Last{i}").as_str())
        .display_name(format!("First{i} Last{i}").as_str())
        .external_id(format!("00u{i:08}").as_str())
        .groups(match i % 3 {
            0 => ["Everyone", "Sales"],
            _ => ["Everyone", "Engineering"],
        })
        .app_id(format!("{i}").as_str())
        .build()
}

/// `(source, target)` with `n` users each and 1 % differences; each side made whole
/// before the other, as two listings are, and the target in an order of its own (see
/// [`listing_order`]).
fn inputs(n: usize) -> (Vec<DirectoryUser>, Vec<DirectoryUser>) {
    (side(n, true), side(n, false))
}

/// One side of [`inputs`]: the source (`true`: emails in another case, 0.4 % renamed)
/// or the target, its users made in the order the side lists them.
fn side(n: usize, source: bool) -> Vec<DirectoryUser> {
    // 0.3 %: only in the target (deactivate), 0.3 %: only in the source (create); each
    // side then topped up to exactly `n` with people unchanged on both sides.
    let mut people: Vec<usize> = (0..n)
        .filter(|i| !matches!((i % 1000, source), (0..=2, true) | (3..=5, false)))
        .collect();
    let missing = n - people.len();
    people.extend(n..n + missing);
    if !source {
        listing_order(&mut people);
    }
    let users: Vec<DirectoryUser> = people
        .into_iter()
        .map(|i| match i % 1000 {
            // 0.4 %: changed name (update).
            6..=9 if source && i < n => named(i, true, &format!("Renamed{i}")),
            _ => user(i, source),
        })
        .collect();
    assert_eq!(users.len(), n);
    users
}

/// Puts the target's people in an order unrelated to the source's, as two systems list
/// the same people (one by employee number, the other by account id): a fixed
/// pseudo-random permutation (Fisher-Yates over xorshift64, the same every run), so
/// that `plan` meets each person's target account wherever its listing put it. Written
/// out rather than taken from `fastrand`, whose generator may change between versions:
/// the permutation, and so the figures, must not.
/// `IDGRAPH_BENCH_RECONCILE_SAME_ORDER=1` keeps the source's order instead: every target
/// account is then read in memory order, the best case (the bench's only order until
/// 2026-12-08).
fn listing_order(people: &mut [usize]) {
    if std::env::var_os("IDGRAPH_BENCH_RECONCILE_SAME_ORDER").is_some() {
        return;
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..people.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        people.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

fn bench_plan(c: &mut Criterion) {
    let entry = proofpoint_essentials::catalog_entry();
    let policy = SyncPolicy::default();
    let mut group = c.benchmark_group("plan");
    for n in [10_000usize, 100_000, 1_000_000] {
        let (source, target) = inputs(n);
        // Sanity: the plan has the intended shape and the guard does not trip.
        let p = plan(&source, &target, entry, &policy);
        let counts = p.counts();
        assert!(p.guard.is_none());
        assert_eq!(counts.update, n * 4 / 1000);
        assert_eq!(counts.deactivate, n * 3 / 1000);
        assert_eq!(counts.create, n * 3 / 1000);
        assert_eq!(counts.unchanged, n - n * 7 / 1000);
        drop(p);

        group.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(20));
        } else {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(8));
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| plan(black_box(&source), black_box(&target), entry, &policy));
        });
    }
    group.finish();
}

/// The floor any planner pays at size n: every user of both sides read once (the bytes
/// of the address and of each attribute summed), nothing hashed, joined or compared. What it costs per user as n grows is the memory hierarchy's part.
fn touch_all(source: &[DirectoryUser], target: &[DirectoryUser]) -> u64 {
    // A sum the compiler vectorises: the cost is reaching the bytes, not arithmetic.
    let fold = |acc: u64, text: &str| acc.wrapping_add(text.bytes().map(u64::from).sum::<u64>());
    let mut acc = 0u64;
    for u in source.iter().chain(target) {
        acc = fold(acc, u.email().as_str());
        for v in [
            u.external_id(),
            u.given_name(),
            u.family_name(),
            u.display_name(),
            u.role(),
            u.app_id(),
        ]
        .into_iter()
        .flatten()
        {
            acc = fold(acc, v);
        }
        for g in u.groups() {
            acc = fold(acc, g);
        }
        acc ^= u64::from(u.is_active());
    }
    acc
}

/// Median thread CPU of `f` over `samples` samples of `reps` calls, per call.
fn cpu_of(samples: usize, reps: u32, mut f: impl FnMut()) -> (Duration, Option<Duration>) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..samples {
        let c0 = support::thread_cpu();
        let t0 = Instant::now();
        for _ in 0..reps {
            f();
        }
        wall.push(t0.elapsed() / reps);
        if let (Some(a), Some(b)) = (c0, support::thread_cpu()) {
            cpu.push((b - a) / reps);
        }
    }
    (
        support::median(&wall),
        (!cpu.is_empty()).then(|| support::median(&cpu)),
    )
}

fn cpu_report() {
    let entry = proofpoint_essentials::catalog_entry();
    let policy = SyncPolicy::default();
    println!();
    println!(
        "plan(), median of 7 samples (3 at 10M), plan + drop (source n × target n, 1 % differences)"
    );
    println!(
        "{:>9}  {:>10}  {:>10}  {:>13}",
        "n", "wall", "thread CPU", "CPU per user"
    );
    println!(
        "bench-figure reconcile_directory_user_size {} bytes (the struct alone, before its strings)",
        std::mem::size_of::<DirectoryUser>()
    );
    let mut sizes = vec![10_000usize, 100_000, 1_000_000];
    let (mut touch_per_user, mut plan_per_user) = (Vec::new(), Vec::new());
    let ten_million = std::env::var_os("IDGRAPH_BENCH_RECONCILE_10M").is_some();
    if ten_million {
        sizes.push(10_000_000);
    }
    for n in sizes {
        let before = live_heap();
        let (source, target) = inputs(n);
        let input_bytes = live_heap().saturating_sub(before);
        println!(
            "bench-figure reconcile_inputs_{n}_bytes_per_user {:.0} B",
            input_bytes as f64 / (2 * n) as f64
        );
        let base = live_heap();
        HEAP.reset_peak_usage();
        drop(black_box(plan(&source, &target, entry, &policy)));
        println!(
            "bench-figure reconcile_plan_{n}_peak_extra {:.1} MiB",
            HEAP.peak_usage().saturating_sub(base) as f64 / (1024.0 * 1024.0)
        );
        // Repeat small sizes so that one sample lasts long enough for the
        // scheduler's CPU accounting; times are per plan.
        let reps = (200_000 / n).max(1) as u32;
        let samples = if n >= 10_000_000 { 3 } else { 7 };
        let (_, touch) = cpu_of(samples, reps, || {
            black_box(touch_all(black_box(&source), black_box(&target)));
        });
        if let Some(t) = touch {
            let ns = t.as_secs_f64() * 1e9 / n as f64;
            touch_per_user.push((n, ns));
            println!("bench-figure reconcile_touch_{n}_cpu_per_user_ns {ns:.0} ns");
        }
        let (wall, cpu) = cpu_of(samples, reps, || {
            let p = plan(black_box(&source), black_box(&target), entry, &policy);
            drop(black_box(p));
        });
        let (cpu_s, per_user) = match cpu {
            None => ("n/a".to_owned(), "n/a".to_owned()),
            Some(c) => {
                plan_per_user.push((n, c.as_secs_f64() * 1e9 / n as f64));
                println!(
                    "bench-figure reconcile_plan_{n}_thread_cpu_ms {:.1} ms",
                    c.as_secs_f64() * 1e3
                );
                println!(
                    "bench-figure reconcile_plan_{n}_cpu_per_user_ns {:.0} ns",
                    c.as_secs_f64() * 1e9 / n as f64
                );
                (
                    format!("{:.1} ms", c.as_secs_f64() * 1e3),
                    format!("{:.0} ns", c.as_secs_f64() * 1e9 / n as f64),
                )
            }
        };
        println!(
            "{:>9}  {:>10}  {:>10}  {:>13}",
            n,
            format!("{:.1} ms", wall.as_secs_f64() * 1e3),
            cpu_s,
            per_user
        );
    }
    // How the per-user cost grows from 100k to each larger n, for the plan and for the
    // floor: where both grow alike, the growth is the memory hierarchy's, not the
    // planner's.
    let at = |v: &[(usize, f64)], n: usize| v.iter().find(|(m, _)| *m == n).map(|(_, x)| *x);
    for n in [1_000_000usize, 10_000_000] {
        for (name, v) in [("plan", &plan_per_user), ("touch", &touch_per_user)] {
            if let (Some(big), Some(base)) = (at(v, n), at(v, 100_000)) {
                println!(
                    "bench-figure reconcile_{name}_{n}_vs_100000_per_user {:.2} ratio",
                    big / base
                );
            }
        }
    }
    if ten_million && let Some(rss) = peak_rss() {
        println!(
            "bench-figure reconcile_plan_10000000_process_peak_rss {:.2} GiB",
            rss as f64 / (1024.0 * 1024.0 * 1024.0)
        );
    }
}

/// Empties the caches before a cold sample: one write in every cache line of a buffer
/// twice the last-level cache's size (Linux sysfs; 512 MiB where it does not say), which
/// evicts every line held before.
struct Evictor(Vec<u8>);

impl Evictor {
    fn new() -> Self {
        let llc = (0..8)
            .rev()
            .find_map(|i| {
                let at = format!("/sys/devices/system/cpu/cpu0/cache/index{i}/size");
                let size = std::fs::read_to_string(at).ok()?;
                let size = size.trim();
                let (digits, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit())?);
                let scale = match unit {
                    "K" => 1 << 10,
                    "M" => 1 << 20,
                    _ => return None,
                };
                digits.parse::<usize>().ok().map(|d| d * scale)
            })
            .unwrap_or(256 << 20);
        Self(vec![1; 2 * llc])
    }

    fn run(&mut self) {
        for b in self.0.iter_mut().step_by(64) {
            *b = b.wrapping_add(1);
        }
        black_box(&self.0);
    }
}

/// This thread's minor page faults so far (Linux `/proc/thread-self/stat`, field 10):
/// each is a page of memory the kernel handed over afresh, zeroed.
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it do not.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(7)?.parse().ok()
}

/// One call of `f` after `evict` emptied the caches: its thread CPU and the minor page
/// faults it took.
fn cold_call(evict: &mut Evictor, f: impl FnOnce()) -> Option<(Duration, u64)> {
    evict.run();
    let (c0, f0) = (support::thread_cpu()?, minor_faults()?);
    f();
    Some((
        support::thread_cpu()? - c0,
        minor_faults()?.saturating_sub(f0),
    ))
}

/// Rounds of the cold table: every size planned once per round.
const COLD_ROUNDS: usize = 11;

/// The cold table (see the header): sizes interleaved, caches emptied before each plan
/// and each floor. `label` (`IDGRAPH_BENCH_RECONCILE_COLD_ONLY`) goes into the figures'
/// names, for a run under other allocator settings.
///
/// Each round plans every size back to back, in the opposite order from the round
/// before, and the ratios are the median over the rounds of each round's own ratio: on
/// a shared machine the speed of the whole host drifts over a run (in one run the 100k
/// plans took 183 ns a user, in another 297), and a ratio of two sizes measured within
/// one round cancels that drift where a ratio of two medians over the whole run does
/// not.
fn cold_report(sizes: &[usize], label: &str) {
    let entry = proofpoint_essentials::catalog_entry();
    let policy = SyncPolicy::default();
    let built: Vec<_> = sizes.iter().map(|&n| inputs(n)).collect();
    let mut evict = Evictor::new();
    // Per size, per round: the plan's and the floor's CPU and page faults (`None` where
    // the platform gave no clock).
    let mut plans = vec![Vec::new(); sizes.len()];
    let mut touches = vec![Vec::new(); sizes.len()];
    for round in 0..COLD_ROUNDS {
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (source, target) = &built[i];
            touches[i].push(cold_call(&mut evict, || {
                black_box(touch_all(black_box(source), black_box(target)));
            }));
            plans[i].push(cold_call(&mut evict, || {
                drop(black_box(plan(
                    black_box(source),
                    black_box(target),
                    entry,
                    &policy,
                )));
            }));
        }
    }
    println!();
    println!(
        "plan() and the floor from emptied caches {label}, median of {COLD_ROUNDS} interleaved rounds"
    );
    println!(
        "{:>9}  {:>13}  {:>14}  {:>16}",
        "n", "plan per user", "floor per user", "page faults/plan"
    );
    let per_user = |v: &[Option<(Duration, u64)>], n: usize| {
        let cpu: Vec<Duration> = v.iter().flatten().map(|(c, _)| *c).collect();
        let faults: Vec<u64> = v.iter().flatten().map(|(_, f)| *f).collect();
        (!cpu.is_empty()).then(|| {
            (
                support::median(&cpu).as_secs_f64() * 1e9 / n as f64,
                support::median(&faults),
            )
        })
    };
    for ((&n, plans), touches) in sizes.iter().zip(&plans).zip(&touches) {
        let (Some((p, faults)), Some((t, _))) = (per_user(plans, n), per_user(touches, n)) else {
            println!("{n:>9}  {:>13}  {:>14}  {:>16}", "n/a", "n/a", "n/a");
            continue;
        };
        println!("bench-figure reconcile_plan_{n}_cold{label}_cpu_per_user_ns {p:.0} ns");
        println!("bench-figure reconcile_plan_{n}_cold{label}_page_faults {faults} faults");
        println!("bench-figure reconcile_touch_{n}_cold{label}_cpu_per_user_ns {t:.0} ns");
        println!(
            "{n:>9}  {:>13}  {:>14}  {faults:>16}",
            format!("{p:.0} ns"),
            format!("{t:.0} ns")
        );
    }
    // Per user at n against per user at 100k, round by round, then the median.
    let growth = |v: &[Option<(Duration, u64)>], base: &[Option<(Duration, u64)>], n: usize| {
        let ratios: Vec<f64> = v
            .iter()
            .zip(base)
            .filter_map(|(big, small)| {
                let (big, small) = ((*big)?.0.as_secs_f64(), (*small)?.0.as_secs_f64());
                (small > 0.0).then(|| (big / n as f64) / (small / 100_000.0))
            })
            .collect();
        (!ratios.is_empty()).then(|| support::median(&ratios))
    };
    let Some(base) = sizes.iter().position(|&n| n == 100_000) else {
        return;
    };
    for (i, &n) in sizes.iter().enumerate().filter(|(_, n)| **n > 100_000) {
        for (name, v) in [("plan", &plans), ("touch", &touches)] {
            if let Some(r) = growth(&v[i], &v[base], n) {
                println!(
                    "bench-figure reconcile_{name}_{n}_vs_100000_cold{label}_per_user {r:.2} ratio (median of per-round ratios)"
                );
            }
        }
    }
}

criterion_group!(benches, bench_plan);

fn main() {
    if let Ok(label) = std::env::var("IDGRAPH_BENCH_RECONCILE_COLD_ONLY") {
        cold_report(&[100_000, 1_000_000], &format!("_{label}"));
        return;
    }
    if std::env::var_os("IDGRAPH_BENCH_CPU_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    cpu_report();
    let mut sizes = vec![100_000, 1_000_000];
    if std::env::var_os("IDGRAPH_BENCH_RECONCILE_10M").is_some() {
        sizes.push(10_000_000);
    }
    cold_report(&sizes, "");
}
