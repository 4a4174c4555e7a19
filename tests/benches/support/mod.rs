//! Small helpers the benches share: CPU clocks, medians, and what the machine was doing.
//! Included with `mod support;` (not a bench target of its own).
#![allow(dead_code)]

use std::time::Duration;

/// This thread's CPU time (user + system), from `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`;
/// `None` off Linux.
///
/// Not `/proc/thread-self/schedstat`: for a thread that is running, the scheduler adds its
/// time there only at each tick (every 4 ms on this machine), so a sample of 20 ms read
/// from it could be off by a fifth. The clock asks the scheduler for the time up to now.
pub(crate) fn thread_cpu() -> Option<Duration> {
    cpu_clock(Clock::Thread)
}

/// The CPU time of every thread of this process (`CLOCK_PROCESS_CPUTIME_ID`); `None` off
/// Linux.
pub(crate) fn process_cpu() -> Option<Duration> {
    cpu_clock(Clock::Process)
}

enum Clock {
    Thread,
    Process,
}

#[cfg(target_os = "linux")]
fn cpu_clock(clock: Clock) -> Option<Duration> {
    use rustix::time::{ClockId, clock_gettime};
    let id = match clock {
        Clock::Thread => ClockId::ThreadCPUTime,
        Clock::Process => ClockId::ProcessCPUTime,
    };
    let t = clock_gettime(id);
    Some(Duration::new(
        u64::try_from(t.tv_sec).ok()?,
        u32::try_from(t.tv_nsec).ok()?,
    ))
}

#[cfg(not(target_os = "linux"))]
fn cpu_clock(_: Clock) -> Option<Duration> {
    None
}

/// The CPU time of another process (`/proc/PID/schedstat`), all its threads. Exact for a
/// process that is waiting when it is read (a server between requests): the scheduler
/// brings its count up to date whenever it stops running.
pub(crate) fn other_process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    Some(Duration::from_nanos(
        stat.split_whitespace().next()?.parse().ok()?,
    ))
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
