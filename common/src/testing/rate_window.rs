//! Checking a rate limit after the fact.

use std::time::Duration;

/// The largest number of instants in any half-open window `[t, t + window)`.
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::testing::max_in_window;
///
/// let t = |ms| Duration::from_millis(ms);
/// assert_eq!(max_in_window(&[t(0), t(500), t(1000), t(1200)], t(1000)), 3);
/// ```
pub fn max_in_window(times: &[Duration], window: Duration) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..sorted.len() {
        while sorted[hi] - sorted[lo] >= window {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}
