//! [`PrimaryEmail`]: the user key of Proofpoint Essentials, validated and immutable.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};
use idgraph_common::error::quote;

/// Longest address accepted (RFC 5321 §4.5.3.1.3 path limit minus the angle brackets).
const MAX_LEN: usize = 254;
/// Longest local part (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_LEN: usize = 64;

/// A user's primary email address: the identifier of a Proofpoint Essentials user.
///
/// * **Validated** when built from caller input ([`PrimaryEmail::new`], [`FromStr`]): one
///   `@`, a non-empty local part of at most 64 bytes, a domain of dot-separated labels,
///   no white space, control characters or characters that RFC 5322 allows only inside
///   quotes. Characters RFC 5322 does allow (`+`, `/`, `?`, `#`, `%`, `'`, …) and non-ASCII
///   (RFC 6531) are accepted and always sent percent-encoded as **one** path segment.
/// * **Compared case-insensitively** (`Jane@Example.com == jane@example.com`), hashed and
///   ordered the same way, but kept and sent as given.
/// * **Immutable**: there is no setter, and no update type carries it. Changing a user's
///   address is an explicit delete-and-recreate
///   ([`Users::change_primary_email`](crate::Users::change_primary_email)).
///
/// ```
/// use proofpoint_essentials::PrimaryEmail;
///
/// let email = PrimaryEmail::new("Jane.Doe+mail@Example.com")?;
/// assert_eq!(email, PrimaryEmail::new("jane.doe+mail@example.com")?);
/// assert_eq!(email.as_str(), "Jane.Doe+mail@Example.com");
/// assert_eq!(email.domain(), "example.com");
///
/// assert!(PrimaryEmail::new("no-at-sign").is_err());
/// assert!(PrimaryEmail::new("a b@example.com").is_err());
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
///
/// Addresses read from the API are accepted as the server sent them (only an empty one
/// is refused): the server's own key must stay addressable even when it would not pass
/// the stricter check applied to caller input.
#[derive(Clone)]
pub struct PrimaryEmail {
    original: String,
    key: String,
}

impl PrimaryEmail {
    /// Validates an address given by the caller.
    ///
    /// Fails with [`Error::InvalidInput`] saying what is wrong (the address is quoted so
    /// the caller can find it; an email is not a secret).
    pub fn new(address: impl AsRef<str>) -> Result<Self> {
        let address = address.as_ref();
        validate(address).map_err(|why| {
            Error::invalid_input(format!(
                "{} is not a valid primary email: {why}",
                quote(address)
            ))
        })?;
        Ok(Self::unchecked(address.to_owned()))
    }

    /// An address as the server sent it: only an empty one is refused.
    pub(crate) fn from_server(address: String) -> std::result::Result<Self, &'static str> {
        if address.trim().is_empty() {
            return Err("the server sent an empty primary email");
        }
        Ok(Self::unchecked(address))
    }

    fn unchecked(original: String) -> Self {
        let key = original.to_lowercase();
        Self { original, key }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The lower-case comparison key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The domain part, lower case (what must be registered in the organization).
    pub fn domain(&self) -> &str {
        self.key.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The local part, as given.
    pub fn local_part(&self) -> &str {
        self.original.rsplit_once('@').map_or("", |(l, _)| l)
    }
}

/// Checks an address; the error says why, without repeating it.
fn validate(address: &str) -> std::result::Result<(), &'static str> {
    if address.is_empty() {
        return Err("it is empty");
    }
    if address.len() > MAX_LEN {
        return Err("it is longer than 254 bytes");
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains white space or control characters");
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("it has no `@`");
    };
    if local.is_empty() {
        return Err("the part before `@` is empty");
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err("the part before `@` is longer than 64 bytes");
    }
    // Allowed by RFC 5322 only inside a quoted local part, which mail systems handle
    // inconsistently; `@` here means a second `@`.
    if local.chars().any(|c| "\"(),:;<>@[\\]".contains(c)) {
        return Err(
            "the part before `@` contains a character allowed only in quotes (\"(),:;<>@[\\])",
        );
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before `@` starts or ends with a dot, or has two dots in a row");
    }
    if domain.is_empty() {
        return Err("the domain after `@` is empty");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("the domain has an empty label (a leading, trailing or double dot)");
        }
        if label.len() > 63 {
            return Err("a domain label is longer than 63 bytes");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a domain label starts or ends with `-`");
        }
        // Letters, digits and `-`; non-ASCII for internationalised domains (RFC 6531).
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err("the domain contains a character other than letters, digits, `-` and `.`");
        }
    }
    Ok(())
}

impl FromStr for PrimaryEmail {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<&str> for PrimaryEmail {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<String> for PrimaryEmail {
    type Error = Error;

    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl AsRef<str> for PrimaryEmail {
    fn as_ref(&self) -> &str {
        &self.original
    }
}

impl PartialEq for PrimaryEmail {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for PrimaryEmail {}

impl Hash for PrimaryEmail {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialOrd for PrimaryEmail {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PrimaryEmail {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl fmt::Debug for PrimaryEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.original, f)
    }
}

impl fmt::Display for PrimaryEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl Serialize for PrimaryEmail {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.original)
    }
}

/// Deserialising reads a value the *server* sent, so it is lenient (see the type docs).
impl<'de> Deserialize<'de> for PrimaryEmail {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::from_server(s).map_err(serde::de::Error::custom)
    }
}

impl From<PrimaryEmail> for idgraph_common::graph::Email {
    fn from(e: PrimaryEmail) -> Self {
        idgraph_common::graph::Email::new(e.original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc5322_atext_and_non_ascii() {
        for ok in [
            "a@b.co",
            "a+tag@example.com",
            "a/b@example.com",
            "a?b@example.com",
            "a#b@example.com",
            "a%b@example.com",
            "o'neil@example.com",
            "JANE@EXAMPLE.COM",
            "jörg@bücher.example",
            "用户@例子.广告",
        ] {
            assert!(PrimaryEmail::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses_with_a_reason() {
        for (bad, why) in [
            ("", "empty"),
            ("plain", "no `@`"),
            ("@example.com", "before `@` is empty"),
            ("a@", "domain after `@` is empty"),
            ("a b@example.com", "white space"),
            ("a@b@example.com", "quotes"),
            ("a@example..com", "empty label"),
            ("a@-x.com", "`-`"),
            ("a@exa/mple.com", "other than letters"),
            ("a\n@example.com", "white space"),
            (".a@example.com", "dot"),
            ("a<b>@example.com", "quotes"),
        ] {
            let err = PrimaryEmail::new(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(PrimaryEmail::new(long).is_err());
    }

    #[test]
    fn compares_case_insensitively_and_keeps_the_original() {
        let a = PrimaryEmail::new("Jane@Example.COM").unwrap();
        let b = PrimaryEmail::new("jane@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Jane@Example.COM");
        assert_eq!(a.domain(), "example.com");
        assert_eq!(a.local_part(), "Jane");
        let set: std::collections::HashSet<_> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn server_values_are_accepted_leniently_but_not_empty() {
        let e: PrimaryEmail = serde_json::from_str("\"weird address@x\"").unwrap();
        assert_eq!(e.as_str(), "weird address@x");
        assert!(serde_json::from_str::<PrimaryEmail>("\"  \"").is_err());
    }
}
