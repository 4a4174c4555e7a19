//! [`PasswordPolicy`]: the temporary password a directory sync gives new accounts.

use std::fmt;
use std::sync::Arc;

use idgraph_common::ExposeSecret;
use idgraph_common::graph::DirectoryUser;
use idgraph_common::secrecy::zeroize::Zeroize;

use crate::client::Surface;
use crate::credentials::UserPassword;
use crate::{Error, Result};

/// Length of a [generated](PasswordPolicy::generated) password.
pub const GENERATED_PASSWORD_LENGTH: usize = 20;

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";
/// Symbols that need no quoting in JSON, a URL, a shell or a CSV file, of the kind the
/// seed's own example (`Temp@1234`) uses.
const SYMBOLS: &[u8] = b"!@#$%^&*-_=+?";

type PerUser = dyn Fn(&DirectoryUser) -> UserPassword + Send + Sync;

/// How [`UserDirectory::create_user`](idgraph_common::graph::UserDirectory::create_user)
/// and [`rename_user`](idgraph_common::graph::UserDirectory::rename_user) choose the
/// temporary password of the accounts they create. Set it with
/// [`ClientBuilder::password_policy`](crate::ClientBuilder::password_policy); the
/// default is [`generated`](Self::generated).
///
/// * **REST surface**: every create sends a password (the seed's scenarios say each
///   create requires a temporary password).
/// * **Interface API**: a create needs no password (the Essentials welcome flow lets
///   people set their own), so one is sent only when the policy is
///   [`per_user`](Self::per_user): the caller asked for it. A generated password that
///   nobody could ever read would add nothing there.
///
/// A password never appears in `Debug`, `Display`, an error, a report or a trace: it is
/// a [`UserPassword`], exposed only while the request body is written (and declared
/// sensitive to the transport, which scrubs it from anything it quotes).
///
/// ```
/// use proofpoint_essentials::{PasswordPolicy, UserPassword};
///
/// // The default: 20 characters from the operating system's CSPRNG, never shown.
/// let generated = PasswordPolicy::generated();
/// // Or the caller's own, per person (for example one handed out by another channel).
/// let supplied = PasswordPolicy::per_user(|user| {
///     UserPassword::new(format!("Welcome-{}!", user.email().key().len()))
/// });
/// assert_eq!(format!("{generated:?}"), "PasswordPolicy::Generated");
/// assert_eq!(format!("{supplied:?}"), "PasswordPolicy::PerUser(..)");
/// ```
#[derive(Clone, Default)]
pub struct PasswordPolicy {
    kind: Kind,
}

#[derive(Clone, Default)]
enum Kind {
    #[default]
    Generated,
    PerUser(Arc<PerUser>),
}

impl PasswordPolicy {
    /// Generates each password from the operating system's CSPRNG (`getrandom`):
    /// [`GENERATED_PASSWORD_LENGTH`] characters with at least one upper-case letter,
    /// one lower-case letter, one digit and one symbol of `!@#$%^&*-_=+?`, each drawn
    /// without bias. The password is never returned, logged or reported: people sign in
    /// through single sign-on or set their own with a password reset. To hand out
    /// temporary passwords, use [`per_user`](Self::per_user) and deliver them yourself.
    pub fn generated() -> Self {
        Self {
            kind: Kind::Generated,
        }
    }

    /// Asks `password` for each new account's password, given the person as the source
    /// directory has them. An empty password is refused before anything is sent.
    pub fn per_user<F>(password: F) -> Self
    where
        F: Fn(&DirectoryUser) -> UserPassword + Send + Sync + 'static,
    {
        Self {
            kind: Kind::PerUser(Arc::new(password)),
        }
    }

    /// Whether this is the [`generated`](Self::generated) policy.
    pub fn is_generated(&self) -> bool {
        matches!(self.kind, Kind::Generated)
    }

    /// The password a new account for `user` gets on `surface`, or `None` when none is
    /// sent (interface API with a generated policy).
    pub(crate) fn for_create(
        &self,
        user: &DirectoryUser,
        surface: Surface,
    ) -> Result<Option<UserPassword>> {
        match (&self.kind, surface) {
            (Kind::Generated, Surface::InterfaceV1) => Ok(None),
            (Kind::Generated, _) => generate().map(Some),
            (Kind::PerUser(f), _) => {
                let password = f(user);
                if password.secret().expose_secret().is_empty() {
                    return Err(Error::invalid_input(format!(
                        "the password policy gave an empty password for {}; a new account needs a temporary password",
                        idgraph_common::error::quote(user.email().as_str())
                    )));
                }
                Ok(Some(password))
            }
        }
    }
}

impl fmt::Debug for PasswordPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            Kind::Generated => "PasswordPolicy::Generated",
            Kind::PerUser(_) => "PasswordPolicy::PerUser(..)",
        })
    }
}

/// Random bytes from the OS, a buffer at a time; the buffer is wiped on drop.
struct OsRandom {
    buf: [u8; 64],
    next: usize,
}

impl OsRandom {
    fn new() -> Self {
        Self {
            buf: [0; 64],
            next: 64,
        }
    }

    fn byte(&mut self) -> Result<u8> {
        if self.next == self.buf.len() {
            getrandom::fill(&mut self.buf).map_err(|e| {
                Error::config(format!(
                    "the operating system's random number generator failed ({e}), so no password could be generated; supply passwords with PasswordPolicy::per_user"
                ))
            })?;
            self.next = 0;
        }
        let b = self.buf[self.next];
        self.next += 1;
        Ok(b)
    }

    /// A uniform index below `n` (1..=256), by rejection.
    fn below(&mut self, n: usize) -> Result<usize> {
        let limit = 256 - 256 % n;
        loop {
            let b = usize::from(self.byte()?);
            if b < limit {
                return Ok(b % n);
            }
        }
    }
}

impl Drop for OsRandom {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

/// One generated password: one character of each class, the rest from all classes,
/// then a uniform shuffle.
pub(crate) fn generate() -> Result<UserPassword> {
    let all: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS].concat();
    let mut rng = OsRandom::new();
    let mut chars: Vec<u8> = Vec::with_capacity(GENERATED_PASSWORD_LENGTH);
    for class in [UPPER, LOWER, DIGITS, SYMBOLS] {
        chars.push(class[rng.below(class.len())?]);
    }
    while chars.len() < GENERATED_PASSWORD_LENGTH {
        chars.push(all[rng.below(all.len())?]);
    }
    // Fisher–Yates, so the guaranteed characters are not always first.
    for i in (1..chars.len()).rev() {
        let j = rng.below(i + 1)?;
        chars.swap(i, j);
    }
    let text: String = chars.iter().map(|&b| char::from(b)).collect();
    chars.zeroize();
    Ok(UserPassword::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn text(p: &UserPassword) -> String {
        p.secret().expose_secret().to_owned()
    }

    #[test]
    fn generated_passwords_meet_the_rules_and_differ() {
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let p = text(&generate().unwrap());
            assert_eq!(p.len(), GENERATED_PASSWORD_LENGTH);
            assert!(p.bytes().any(|b| UPPER.contains(&b)), "{p}");
            assert!(p.bytes().any(|b| LOWER.contains(&b)), "{p}");
            assert!(p.bytes().any(|b| DIGITS.contains(&b)), "{p}");
            assert!(p.bytes().any(|b| SYMBOLS.contains(&b)), "{p}");
            assert!(
                p.bytes().all(|b| [UPPER, LOWER, DIGITS, SYMBOLS]
                    .iter()
                    .any(|c| c.contains(&b))),
                "{p}"
            );
            assert!(seen.insert(p), "a generated password repeated");
        }
    }

    #[test]
    fn the_guaranteed_classes_are_not_always_in_front() {
        // Over many passwords the first character is not always upper case.
        let firsts: HashSet<bool> = (0..100)
            .map(|_| {
                let p = text(&generate().unwrap());
                UPPER.contains(&p.as_bytes()[0])
            })
            .collect();
        assert_eq!(firsts.len(), 2);
    }

    #[test]
    fn below_is_in_range() {
        let mut rng = OsRandom::new();
        for n in [1, 2, 3, 7, 75, 256] {
            for _ in 0..50 {
                assert!(rng.below(n).unwrap() < n);
            }
        }
    }

    #[test]
    fn the_policy_decides_per_surface() {
        let u = DirectoryUser::new("a@example.com");
        let g = PasswordPolicy::default();
        assert!(g.is_generated());
        assert!(g.for_create(&u, Surface::RestV2).unwrap().is_some());
        assert!(g.for_create(&u, Surface::InterfaceV1).unwrap().is_none());
        let s = PasswordPolicy::per_user(|u| UserPassword::new(format!("Pw-{}", u.email().key())));
        for surface in [Surface::RestV2, Surface::InterfaceV1] {
            let p = s.for_create(&u, surface).unwrap().unwrap();
            assert_eq!(text(&p), "Pw-a@example.com");
        }
        let empty = PasswordPolicy::per_user(|_| UserPassword::new(""));
        let e = empty.for_create(&u, Surface::RestV2).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        assert!(e.to_string().contains("a@example.com"), "{e}");
    }

    #[test]
    fn the_email_an_empty_password_error_quotes_is_escaped_and_bounded() {
        let empty = PasswordPolicy::per_user(|_| UserPassword::new(""));
        let hostile = format!(
            "evil\n2026-12-01 INFO forged\u{1b}[2J{}@example.com",
            "x".repeat(10_000)
        );
        let e = empty
            .for_create(&DirectoryUser::new(hostile), Surface::RestV2)
            .unwrap_err();
        let text = e.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(
            text.contains("`evil\\n2026-12-01 INFO forged\\u{1b}[2J"),
            "{text}"
        );
        assert!(text.chars().count() < 300, "{} characters", text.len());
    }
}
