//! A hint to the CPU to start loading memory the planner is about to read.
//!
//! Why: `plan` visits people in the source's order, and reads each one's target account
//! wherever the target listing put it. Two listings from two systems rarely share an
//! order, so at a million users a side each of those reads is a cache miss (the account,
//! then its text), one after the other. Asking for the accounts a few people ahead lets
//! those misses overlap. `std::arch`'s `_mm_prefetch` is `unsafe` (it takes a raw
//! pointer) and this workspace forbids `unsafe`; `safe_arch` wraps it for a reference,
//! which is always a valid address. A prefetch has no effect on what the program
//! computes, only on when memory arrives; on other architectures it does nothing.

/// Starts loading the cache line holding `value` into every cache level.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse"
    ))]
    safe_arch::prefetch_t0(value);
    #[cfg(not(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse"
    )))]
    let _ = value;
}

/// Starts loading `items[i]`, when there is one (a position past the end, or
/// `u32::MAX` for "none", asks for nothing).
#[inline(always)]
pub(crate) fn prefetch_item<T>(items: &[T], i: usize) {
    if let Some(item) = items.get(i) {
        prefetch(item);
    }
}
