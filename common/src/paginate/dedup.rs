//! The repeat guard's memory: a 64-bit hash per item key.
//!
//! Written by hand (a few lines over `std`) rather than taken from a crate: the keys are
//! hashed once with a randomly seeded SipHash (`RandomState`, so a server cannot choose
//! ids that collide), and the set stores those hashes with a pass-through hasher, so each
//! key costs one hash and eight bytes, not a `String` and two hash passes.
//!
//! A collision between two different ids (probability about n²/2⁶⁵: one in 36 million
//! for a million items) makes an item look repeated. That can only turn a clean listing
//! into an [`IncompleteListing`](crate::Error::IncompleteListing) error, which a new
//! listing (a new seed) clears; it can never drop an item silently.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// A hasher for values that already are uniformly distributed 64-bit hashes.
#[derive(Default)]
pub(super) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the set holds `u64`s); fold anything else in anyway.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// What a page's keys say, against everything seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Every key is new (and none repeats within the page).
    AllNew,
    /// The page holds exactly the first page's items again: the server ignores paging or
    /// wrapped around.
    FirstPageAgain,
    /// This many items were already seen (on an earlier page or earlier on this one).
    Repeats(u64),
}

/// Every key seen in one listing, as hashes.
pub(super) struct Seen {
    seed: RandomState,
    all: HashSet<u64, BuildHasherDefault<PassThrough>>,
    /// The first page's hashes, sorted, to recognise it when it comes back.
    first: Vec<u64>,
}

impl Seen {
    pub(super) fn new() -> Self {
        Self {
            seed: RandomState::new(),
            all: HashSet::default(),
            first: Vec::new(),
        }
    }

    pub(super) fn hash(&self, key: &str) -> u64 {
        self.seed.hash_one(key)
    }

    /// Judges a page's key hashes and records them (unless the page is the first page
    /// again, which adds nothing).
    pub(super) fn admit(&mut self, hashes: &[u64], is_first_page: bool) -> Verdict {
        if !is_first_page && self.is_first_page_again(hashes) {
            return Verdict::FirstPageAgain;
        }
        self.all.reserve(hashes.len());
        let repeats = hashes.iter().filter(|h| !self.all.insert(**h)).count() as u64;
        if is_first_page {
            self.first = hashes.to_vec();
            self.first.sort_unstable();
        }
        if repeats == 0 {
            Verdict::AllNew
        } else {
            Verdict::Repeats(repeats)
        }
    }

    fn is_first_page_again(&self, hashes: &[u64]) -> bool {
        !hashes.is_empty()
            && hashes.len() == self.first.len()
            && hashes.iter().all(|h| self.first.binary_search(h).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(seen: &Seen, keys: &[&str]) -> Vec<u64> {
        keys.iter().map(|k| seen.hash(k)).collect()
    }

    #[test]
    fn verdicts() {
        let mut seen = Seen::new();
        let p1 = hashes(&seen, &["a", "b", "c"]);
        assert_eq!(seen.admit(&p1, true), Verdict::AllNew);
        let p2 = hashes(&seen, &["d", "e"]);
        assert_eq!(seen.admit(&p2, false), Verdict::AllNew);
        // Page 1 again, in another order.
        let again = hashes(&seen, &["c", "a", "b"]);
        assert_eq!(seen.admit(&again, false), Verdict::FirstPageAgain);
        // A page overlapping an earlier one.
        let overlap = hashes(&seen, &["e", "f"]);
        assert_eq!(seen.admit(&overlap, false), Verdict::Repeats(1));
        // A repeat inside one page.
        let twice = hashes(&seen, &["g", "g"]);
        assert_eq!(seen.admit(&twice, false), Verdict::Repeats(1));
    }

    #[test]
    fn a_subset_of_the_first_page_is_a_repeat_not_the_first_page_again() {
        let mut seen = Seen::new();
        let p1 = hashes(&seen, &["a", "b", "c"]);
        seen.admit(&p1, true);
        let part = hashes(&seen, &["a", "b"]);
        assert_eq!(seen.admit(&part, false), Verdict::Repeats(2));
    }
}
