//! Small helpers the benches share: CPU clocks, medians, and what the machine was doing.
//! Included with `mod support;` (not a bench target of its own).
#![allow(dead_code)]

use std::time::Duration;

/// This thread's CPU time (user + system) in nanoseconds, from
/// `/proc/thread-self/schedstat`; `None` where that file does not exist.
pub(crate) fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        stat.split_whitespace().next()?.parse().ok()?,
    ))
}

/// The CPU time of every thread of this process (`/proc/self/task/*/schedstat`).
pub(crate) fn process_cpu() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path().join("schedstat");
        let Ok(stat) = std::fs::read_to_string(path) else {
            continue; // the thread ended meanwhile
        };
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// The median of `v` (the upper one for an even count); zero for an empty `v`.
pub(crate) fn median<T: Copy + PartialOrd + Default>(v: &[T]) -> T {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The smallest of `v`; zero for an empty `v`.
pub(crate) fn min<T: Copy + PartialOrd + Default>(v: &[T]) -> T {
    v.iter()
        .copied()
        .reduce(|a, b| if b < a { b } else { a })
        .unwrap_or_default()
}

/// One line saying how busy the machine was and which CPUs this process may use, so that
/// a wall-clock figure can be read in context.
pub(crate) fn machine_line() -> String {
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into());
    let cpus = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("Cpus_allowed_list:")
                    .map(|v| v.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "?".into());
    let online = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("load average {load}; this process may run on CPUs {cpus} ({online} usable)")
}
