//! Probo-shaped identifiers for the fake: GIDs and SCIM tokens.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The GID entity type of a membership profile (a SCIM user).
const MEMBERSHIP_PROFILE: u16 = 51;

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// splitmix64: a cheap, well-mixed sequence (not cryptographic; this is a test fake).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A Probo GID: 24 bytes (tenant, entity type 51, millisecond timestamp, random) as
/// unpadded base64url, so always 32 characters of `[A-Za-z0-9_-]`.
pub(crate) fn new_gid(tenant: u64) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 24];
    bytes[..8].copy_from_slice(&tenant.to_be_bytes());
    bytes[8..10].copy_from_slice(&MEMBERSHIP_PROFILE.to_be_bytes());
    bytes[10..18].copy_from_slice(&now_ms().to_be_bytes());
    bytes[18..].copy_from_slice(&mix(n).to_be_bytes()[..6]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `id` decodes as a GID (Probo answers 404 for anything else).
pub(crate) fn is_gid(id: &str) -> bool {
    id.len() == 32 && URL_SAFE_NO_PAD.decode(id).is_ok_and(|b| b.len() == 24)
}

/// A tenant id for one fake.
pub(crate) fn new_tenant() -> u64 {
    mix(now_ms() ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32))
}

/// A SCIM token as Probo makes them: 32 random bytes, hex-encoded (64 characters).
pub(crate) fn new_token() -> String {
    let seed = now_ms() ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(17);
    (0..4)
        .map(|i| format!("{:016x}", mix(seed.wrapping_add(i))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gids_are_32_url_safe_chars_and_unique() {
        let t = new_tenant();
        let a = new_gid(t);
        let b = new_gid(t);
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
        assert!(is_gid(&a));
        assert!(!is_gid("abc"));
        assert_eq!(new_token().len(), 64);
    }
}
