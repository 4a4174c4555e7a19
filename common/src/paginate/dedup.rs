//! The repeat guard's memory: every item key of a listing, each behind a 64-bit hash.
//!
//! Written by hand (a few lines over `std`) rather than taken from a crate: each key is
//! hashed once with foldhash, seeded afresh for each listing (made for short keys: about
//! a third of SipHash's instructions on a 36-byte id; a server cannot know the seed, and
//! a collision it did find would cost time, never a wrong answer), the table is keyed by
//! that hash through a pass-through hasher (no second hash pass), and the keys themselves
//! are appended to one byte buffer (no `String` per item), so that a hash match is
//! **verified** against the key it stands for: two different ids that happen to share a
//! hash (about n²/2⁶⁵: one in 36 million for a million items) are two items, never a
//! false repeat, and a real repeat is always seen.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// A hasher for values that already are uniformly distributed 64-bit hashes.
#[derive(Default)]
pub(super) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the table is keyed by `u64`); fold anything else in.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The most keys [`Seen::reserve`] makes room for in advance: 2²⁰, a table of 2²¹
/// buckets of 17 bytes (about 34 MiB), the size a listing of a million items grows to.
const RESERVE_LIMIT: u64 = 1 << 20;

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

/// Where a key was first seen.
#[derive(Clone, Copy)]
struct Origin {
    first_page: bool,
}

/// Every key seen in one listing.
pub(super) struct Seen {
    seed: foldhash::fast::RandomState,
    /// Key hash → where the first key with that hash is stored (see [`Arena`]).
    table: HashMap<u64, u64, BuildHasherDefault<PassThrough>>,
    /// Every key in `table`.
    arena: Arena,
    /// Where the keys of the first page end in `arena`.
    first_end: u64,
    /// How many keys the first page had.
    first_len: usize,
    /// The rare keys whose hash equals that of an earlier, different key.
    collided: HashMap<Box<[u8]>, Origin>,
    /// Tests only: every key gets the same hash, so that every key collides.
    #[cfg(test)]
    same_hash: bool,
}

impl Seen {
    pub(super) fn new() -> Self {
        Self {
            seed: foldhash::fast::RandomState::default(),
            table: HashMap::default(),
            arena: Arena::default(),
            first_end: 0,
            first_len: 0,
            collided: HashMap::new(),
            #[cfg(test)]
            same_hash: false,
        }
    }

    /// Makes room for `n` more keys at once (the total the first page reports), instead of
    /// growing the table step by step and re-inserting every key each time; at most
    /// [`RESERVE_LIMIT`], so that a server reporting an absurd total costs little.
    pub(super) fn reserve(&mut self, n: u64) {
        let n = usize::try_from(n.min(RESERVE_LIMIT)).unwrap_or(0);
        self.table.reserve(n);
    }

    fn hash(&self, key: &[u8]) -> u64 {
        #[cfg(test)]
        if self.same_hash {
            return 42;
        }
        self.seed.hash_one(key)
    }

    /// Where `key` (with hash `h`) was seen before, if it was.
    fn origin(&self, h: u64, key: &[u8]) -> Option<Origin> {
        let at = *self.table.get(&h)?;
        if self.arena.get(at) == key {
            return Some(Origin {
                first_page: at < self.first_end,
            });
        }
        self.collided.get(key).copied()
    }

    /// Judges a page's keys and records them (unless the page is the first page again,
    /// which adds nothing). `keys` is called for each item of the page in order; it is
    /// walked twice at most.
    pub(super) fn admit<'a, I>(&mut self, keys: impl Fn() -> I, is_first_page: bool) -> Verdict
    where
        I: Iterator<Item = Cow<'a, str>>,
    {
        if !is_first_page && self.first_len > 0 && self.is_first_page_again(keys()) {
            return Verdict::FirstPageAgain;
        }
        let mut repeats = 0u64;
        let mut len = 0usize;
        for key in keys() {
            len += 1;
            if !self.insert(key.as_bytes(), is_first_page) {
                repeats += 1;
            }
        }
        if is_first_page {
            self.first_end = self.arena.end();
            self.first_len = len;
        }
        if repeats == 0 {
            Verdict::AllNew
        } else {
            Verdict::Repeats(repeats)
        }
    }

    /// Records `key`; `false` when it was seen before.
    fn insert(&mut self, key: &[u8], first_page: bool) -> bool {
        let h = self.hash(key);
        match self.table.entry(h) {
            Entry::Vacant(slot) => {
                slot.insert(self.arena.push(key));
                true
            }
            Entry::Occupied(slot) => {
                let at = *slot.get();
                if self.arena.get(at) == key {
                    return false;
                }
                // Same hash, different key: a genuine collision, kept apart.
                match self.collided.entry(key.into()) {
                    Entry::Vacant(slot) => {
                        slot.insert(Origin { first_page });
                        true
                    }
                    Entry::Occupied(_) => false,
                }
            }
        }
    }

    /// Exactly the first page's keys (as many, each one seen on the first page), checked
    /// without recording anything. Stops at the first key that is not (on a normal page,
    /// the first one).
    fn is_first_page_again<'a>(&self, keys: impl Iterator<Item = Cow<'a, str>>) -> bool {
        let mut n = 0usize;
        for key in keys {
            let key = key.as_bytes();
            if !self
                .origin(self.hash(key), key)
                .is_some_and(|o| o.first_page)
            {
                return false;
            }
            n += 1;
        }
        n == self.first_len
    }
}

/// The keys, each as its length (LEB128) followed by its bytes, in chunks of 64 KiB (a
/// longer key gets a chunk of its own): memory grows by one chunk at a time, never by
/// doubling one buffer (which would hold up to twice the keys while it is copied).
#[derive(Default)]
struct Arena {
    chunks: Vec<Vec<u8>>,
}

const CHUNK: usize = 64 * 1024;

impl Arena {
    /// Stores `key`; returns where: chunk number × 2³² + offset in the chunk, so that
    /// later keys are at larger positions.
    fn push(&mut self, key: &[u8]) -> u64 {
        let need = key.len() + 10;
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= need);
        if !fits {
            self.chunks.push(Vec::with_capacity(need.max(CHUNK)));
        }
        let index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[index];
        let at = ((index as u64) << 32) | chunk.len() as u64;
        write_len(chunk, key.len());
        chunk.extend_from_slice(key);
        at
    }

    /// The key stored at `at` (a position `push` returned).
    fn get(&self, at: u64) -> &[u8] {
        let chunk = &self.chunks[(at >> 32) as usize];
        let offset = (at & u64::from(u32::MAX)) as usize;
        let (len, used) = read_len(&chunk[offset..]);
        &chunk[offset + used..offset + used + len]
    }

    /// The position the next key will have or pass.
    fn end(&self) -> u64 {
        self.chunks.last().map_or(0, |c| {
            (((self.chunks.len() - 1) as u64) << 32) | c.len() as u64
        })
    }
}

/// Appends `len` as LEB128 (one byte for keys under 128 bytes).
fn write_len(out: &mut Vec<u8>, mut len: usize) {
    while len >= 0x80 {
        out.push((len as u8) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
}

/// Reads a LEB128 length: (value, bytes used).
fn read_len(bytes: &[u8]) -> (usize, usize) {
    let (mut value, mut shift) = (0usize, 0u32);
    for (i, b) in bytes.iter().enumerate() {
        value |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
        shift += 7;
    }
    // Unreachable: every stored length is complete (written by `write_len`).
    (value, bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admit(seen: &mut Seen, keys: &[&str], first: bool) -> Verdict {
        seen.admit(|| keys.iter().map(|k| Cow::Borrowed(*k)), first)
    }

    fn verdicts(same_hash: bool) {
        let mut seen = Seen::new();
        seen.same_hash = same_hash;
        assert_eq!(admit(&mut seen, &["a", "b", "c"], true), Verdict::AllNew);
        assert_eq!(admit(&mut seen, &["d", "e"], false), Verdict::AllNew);
        // Page 1 again, in another order.
        assert_eq!(
            admit(&mut seen, &["c", "a", "b"], false),
            Verdict::FirstPageAgain
        );
        // A page overlapping an earlier one.
        assert_eq!(admit(&mut seen, &["e", "f"], false), Verdict::Repeats(1));
        // A repeat inside one page.
        assert_eq!(admit(&mut seen, &["g", "g"], false), Verdict::Repeats(1));
        // As many keys as the first page, some from a later page: not the first page.
        assert_eq!(
            admit(&mut seen, &["a", "b", "d"], false),
            Verdict::Repeats(3)
        );
    }

    #[test]
    fn verdicts_with_distinct_hashes() {
        verdicts(false);
    }

    #[test]
    fn verdicts_when_every_key_shares_one_hash() {
        // Every key collides with every other: each match is checked against the key
        // itself, so no item is taken for another and every real repeat is still seen.
        verdicts(true);
    }

    #[test]
    fn a_collision_is_neither_a_repeat_nor_lost() {
        let mut seen = Seen::new();
        seen.same_hash = true;
        let keys: Vec<String> = (0..500).map(|i| format!("user-{i}")).collect();
        let page: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(admit(&mut seen, &page[..250], true), Verdict::AllNew);
        assert_eq!(admit(&mut seen, &page[250..], false), Verdict::AllNew);
        assert_eq!(
            admit(&mut seen, &page[100..110], false),
            Verdict::Repeats(10)
        );
        assert_eq!(
            admit(&mut seen, &page[300..301], false),
            Verdict::Repeats(1)
        );
    }

    #[test]
    fn a_subset_of_the_first_page_is_a_repeat_not_the_first_page_again() {
        let mut seen = Seen::new();
        admit(&mut seen, &["a", "b", "c"], true);
        assert_eq!(admit(&mut seen, &["a", "b"], false), Verdict::Repeats(2));
    }

    #[test]
    fn an_absurd_reported_total_reserves_a_bounded_table() {
        let mut seen = Seen::new();
        seen.reserve(u64::MAX);
        let capacity = seen.table.capacity();
        assert!(capacity as u64 >= RESERVE_LIMIT, "{capacity}");
        assert!((capacity as u64) < 4 * RESERVE_LIMIT, "{capacity}");
        assert_eq!(admit(&mut seen, &["a", "b"], true), Verdict::AllNew);
        assert_eq!(admit(&mut seen, &["b"], false), Verdict::Repeats(1));
    }

    #[test]
    fn keys_spread_over_many_chunks() {
        let mut seen = Seen::new();
        let keys: Vec<String> = (0..20_000)
            .map(|i| format!("2819c223-7f76-453a-919d-{i:012}"))
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        // The first page alone fills several chunks.
        assert_eq!(admit(&mut seen, &keys[..5_000], true), Verdict::AllNew);
        assert_eq!(admit(&mut seen, &keys[5_000..], false), Verdict::AllNew);
        assert_eq!(
            admit(&mut seen, &keys[..5_000], false),
            Verdict::FirstPageAgain
        );
        assert_eq!(
            admit(&mut seen, &keys[4_990..5_010], false),
            Verdict::Repeats(20)
        );
        assert_eq!(
            admit(&mut seen, &["2819c223-7f76-453a-919d-999999999999"], false),
            Verdict::AllNew
        );
    }

    #[test]
    fn long_keys_round_trip() {
        let mut seen = Seen::new();
        let long = "x".repeat(100_000);
        let other = format!("{long}y");
        assert_eq!(admit(&mut seen, &[&long, "short"], true), Verdict::AllNew);
        assert_eq!(admit(&mut seen, &[&other], false), Verdict::AllNew);
        assert_eq!(admit(&mut seen, &[&long], false), Verdict::Repeats(1));
    }
}
