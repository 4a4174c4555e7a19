//! [`DirectoryUser`]: a user as the identity graph sees it, with all its text in one
//! buffer; [`EmailRef`] and [`GroupNames`], the borrowed views its accessors return.
//!
//! # Why the representation is written by hand
//!
//! The planner holds two whole directories at once (a million users a side, and more),
//! and reads every user of both. With nine owned fields a user was 208 bytes plus one
//! allocation per string (an `Email` alone was two `Arc<str>`), about 440 bytes a user in
//! all, and reading one meant chasing a pointer per field. Here a user is 64 bytes: one
//! `Box<str>` holding every string back to back, the `u32` offsets where each ends, a
//! byte of flags, and a second allocation only for the group offsets when it has groups.
//! No crate does "a record of a few short strings in one allocation" better without
//! `unsafe` (small-string crates keep each string a 24-byte value of its own), and the
//! code is short and safe: every read goes through `str::get`, so even a broken
//! invariant gives an empty string, never a panic.
//!
//! The email's lower-case key is not stored: it is computed where it is needed
//! ([`EmailRef::key`], and without allocating where the planner hashes and compares
//! ASCII addresses), which costs less than the memory of a second copy of every address
//! that is not already lower case.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::iter::FusedIterator;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::directory::Email;

mod builder;

pub use builder::DirectoryUserBuilder;

/// The fixed text fields of a [`DirectoryUser`], in the order their text is stored
/// (the groups follow the last).
#[derive(Clone, Copy)]
enum Part {
    Email,
    ExternalId,
    GivenName,
    FamilyName,
    DisplayName,
    Role,
    AppId,
}

/// How many [`Part`]s there are.
const PARTS: usize = 7;

impl Part {
    /// Its position in [`DirectoryUser::ends`].
    const fn index(self) -> usize {
        self as usize
    }

    /// Its bit in [`DirectoryUser::flags`]: set when the value is present (`Some`, even
    /// `Some("")`). The email is always present and has no bit of its own.
    const fn present(self) -> u8 {
        1 << (self as u8)
    }
}

/// [`DirectoryUser::flags`]: the user is active (bits 1 to 6 are [`Part::present`]).
const ACTIVE: u8 = 1 << 7;

/// A user as the identity graph sees it, whatever the app.
///
/// ```
/// use idgraph_common::graph::DirectoryUser;
///
/// let u = DirectoryUser::new("jane@example.com")
///     .with_names("Jane", "Doe")
///     .with_external_id("00u1")
///     .with_groups(["Sales"]);
/// assert!(u.is_active());
/// assert_eq!(u.given_name(), Some("Jane"));
/// assert_eq!(u.groups(), ["Sales"]);
/// assert_eq!(u.email(), DirectoryUser::new("JANE@example.com").email()); // case-insensitive
/// ```
///
/// # Reading and changing fields
///
/// Each field has an accessor that borrows from the user: [`email`](Self::email) (an
/// [`EmailRef`]), [`external_id`](Self::external_id), [`given_name`](Self::given_name),
/// [`family_name`](Self::family_name), [`display_name`](Self::display_name),
/// [`role`](Self::role) and [`app_id`](Self::app_id) (each an `Option<&str>`),
/// [`is_active`](Self::is_active) and [`groups`](Self::groups) (a [`GroupNames`]).
///
/// Values are set two ways, the same for every field: `with_*` builders take the user by
/// value and set a value (`with_given_name`, `with_groups`, …), and `set_*` methods take
/// `&mut self` and exactly what the accessor returns, so they also clear a field
/// (`set_app_id(None)`) and copy one from another user
/// (`a.set_given_name(b.given_name())`).
///
/// `None` and `Some("")` are distinct values and both round-trip (the planner treats an
/// empty value as "not set"); groups keep the order and the duplicates they were given.
///
/// # Equality, `Debug`, serde
///
/// Two users are equal when their emails are equal case-insensitively (as [`Email`]s
/// are) and every other field is equal exactly. `Debug` prints every field by name;
/// serde reads and writes the JSON object `{"email", "external_id", "given_name",
/// "family_name", "display_name", "active", "groups", "role" (left out when `None`),
/// "app_id"}`.
///
/// # Size
///
/// A user holds all its text in one allocation (two when it has groups: the group
/// boundaries). Offsets into it are `u32`, so one user's text (all its strings
/// together) is at most `u32::MAX` bytes: a value that would take it past that is not
/// stored, and the field keeps its previous value (an email that long alone is stored
/// as the empty address, which [`Email::check`] and every app refuse). No listing,
/// source file or app response the SDK reads comes near 4 GiB for one user.
#[derive(Clone)]
pub struct DirectoryUser {
    /// Every string back to back: the [`Part`]s in order, then each group.
    text: Box<str>,
    /// Where each [`Part`] ends in `text`; each starts where the one before ends, the
    /// email at 0. Non-decreasing, each on a char boundary (every value written is a
    /// whole `&str`).
    ends: [u32; PARTS],
    /// Where each group ends in `text`; the first starts where the app id ends. The
    /// last is `text.len()`.
    group_ends: Box<[u32]>,
    /// [`ACTIVE`] and the [`Part::present`] bits.
    flags: u8,
}

impl DirectoryUser {
    /// An active user with only an email, trimmed of surrounding white space as
    /// [`Email::new`] trims it.
    ///
    /// Takes anything that reads as a `&str`: `&str`, `String`, an [`Email`] (its
    /// address as given).
    pub fn new(email: impl AsRef<str>) -> Self {
        let email = email.as_ref().trim();
        // Past `u32::MAX` bytes the email cannot be stored (see "Size" above).
        let (text, end) = match u32::try_from(email.len()) {
            Ok(end) => (Box::from(email), end),
            Err(_) => (Box::from(""), 0),
        };
        Self {
            text,
            ends: [end; PARTS],
            group_ends: Box::new([]),
            flags: ACTIVE,
        }
    }

    // --- Accessors ---

    /// The email, the identity key: the address as given (trimmed), compared
    /// case-insensitively ([`EmailRef`]).
    #[inline]
    pub fn email(&self) -> EmailRef<'_> {
        EmailRef(self.part(Part::Email))
    }

    /// The source directory's id for this person (SCIM `externalId`), if known: the
    /// planner's link key.
    #[inline]
    pub fn external_id(&self) -> Option<&str> {
        self.optional(Part::ExternalId)
    }

    /// Given (first) name.
    #[inline]
    pub fn given_name(&self) -> Option<&str> {
        self.optional(Part::GivenName)
    }

    /// Family (last) name.
    #[inline]
    pub fn family_name(&self) -> Option<&str> {
        self.optional(Part::FamilyName)
    }

    /// Display name.
    #[inline]
    pub fn display_name(&self) -> Option<&str> {
        self.optional(Part::DisplayName)
    }

    /// Whether the account is active (may sign in).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.flags & ACTIVE != 0
    }

    /// Group names the user belongs to, in the app's own naming, in the order given
    /// (duplicates kept).
    #[inline]
    pub fn groups(&self) -> GroupNames<'_> {
        GroupNames {
            text: &self.text,
            start: self.end(Part::AppId),
            ends: &self.group_ends,
        }
    }

    /// The user's role in the app, in the app's own naming (`None`: the source does not
    /// manage it, or the app has none).
    #[inline]
    pub fn role(&self) -> Option<&str> {
        self.optional(Part::Role)
    }

    /// The app's own id for the user (SCIM `id`, Proofpoint primary email, …); `None`
    /// for users that exist only in a source directory.
    #[inline]
    pub fn app_id(&self) -> Option<&str> {
        self.optional(Part::AppId)
    }

    // --- Builders (by value) ---

    /// Replaces the email (trimmed, as [`new`](Self::new) trims it).
    #[must_use]
    pub fn with_email(mut self, email: impl AsRef<str>) -> Self {
        self.set_email(email.as_ref());
        self
    }

    /// Sets given and family names.
    #[must_use]
    pub fn with_names(mut self, given: impl AsRef<str>, family: impl AsRef<str>) -> Self {
        self.set_given_name(Some(given.as_ref()));
        self.set_family_name(Some(family.as_ref()));
        self
    }

    /// Sets the given name.
    #[must_use]
    pub fn with_given_name(mut self, name: impl AsRef<str>) -> Self {
        self.set_given_name(Some(name.as_ref()));
        self
    }

    /// Sets the family name.
    #[must_use]
    pub fn with_family_name(mut self, name: impl AsRef<str>) -> Self {
        self.set_family_name(Some(name.as_ref()));
        self
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_display_name(mut self, name: impl AsRef<str>) -> Self {
        self.set_display_name(Some(name.as_ref()));
        self
    }

    /// Sets the external id.
    #[must_use]
    pub fn with_external_id(mut self, id: impl AsRef<str>) -> Self {
        self.set_external_id(Some(id.as_ref()));
        self
    }

    /// Sets whether the user is active.
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.set_active(active);
        self
    }

    /// Sets the role.
    #[must_use]
    pub fn with_role(mut self, role: impl AsRef<str>) -> Self {
        self.set_role(Some(role.as_ref()));
        self
    }

    /// Sets the groups (replacing any), in this order.
    #[must_use]
    pub fn with_groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.set_groups(groups);
        self
    }

    /// Sets the app's own id.
    #[must_use]
    pub fn with_app_id(mut self, id: impl AsRef<str>) -> Self {
        self.set_app_id(Some(id.as_ref()));
        self
    }

    // --- Setters (in place; each takes what its accessor returns) ---

    /// Replaces the email (trimmed, as [`new`](Self::new) trims it).
    pub fn set_email(&mut self, email: &str) {
        self.put(Part::Email, email.trim());
    }

    /// Sets or clears the external id.
    pub fn set_external_id(&mut self, id: Option<&str>) {
        self.put_optional(Part::ExternalId, id);
    }

    /// Sets or clears the given name.
    pub fn set_given_name(&mut self, name: Option<&str>) {
        self.put_optional(Part::GivenName, name);
    }

    /// Sets or clears the family name.
    pub fn set_family_name(&mut self, name: Option<&str>) {
        self.put_optional(Part::FamilyName, name);
    }

    /// Sets or clears the display name.
    pub fn set_display_name(&mut self, name: Option<&str>) {
        self.put_optional(Part::DisplayName, name);
    }

    /// Sets whether the user is active.
    pub fn set_active(&mut self, active: bool) {
        if active {
            self.flags |= ACTIVE;
        } else {
            self.flags &= !ACTIVE;
        }
    }

    /// Replaces the groups, in this order (an empty iterator clears them).
    pub fn set_groups<I, S>(&mut self, groups: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let base = self.end(Part::AppId);
        let Some(head) = self.text.get(..base as usize) else {
            return;
        };
        let mut text = String::from(head);
        let mut ends = Vec::new();
        for g in groups {
            text.push_str(g.as_ref());
            // Past `u32::MAX` bytes of text the groups are not stored (see "Size").
            let Ok(end) = u32::try_from(text.len()) else {
                return;
            };
            ends.push(end);
        }
        self.text = text.into_boxed_str();
        self.group_ends = ends.into_boxed_slice();
    }

    /// Sets or clears the role.
    pub fn set_role(&mut self, role: Option<&str>) {
        self.put_optional(Part::Role, role);
    }

    /// Sets or clears the app's own id.
    pub fn set_app_id(&mut self, id: Option<&str>) {
        self.put_optional(Part::AppId, id);
    }

    // --- The representation ---

    /// Where part `p` ends in `text`.
    #[inline]
    fn end(&self, p: Part) -> u32 {
        // `index()` < PARTS: the array access cannot fail.
        self.ends.get(p.index()).copied().unwrap_or(0)
    }

    /// Where part `p` starts in `text`: where the one before it ends.
    #[inline]
    fn start(&self, p: Part) -> u32 {
        match p.index().checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        }
    }

    /// The text of part `p` (`""` when absent).
    #[inline]
    fn part(&self, p: Part) -> &str {
        self.text
            .get(self.start(p) as usize..self.end(p) as usize)
            .unwrap_or("")
    }

    /// Part `p`, when present.
    #[inline]
    fn optional(&self, p: Part) -> Option<&str> {
        (self.flags & p.present() != 0).then(|| self.part(p))
    }

    /// Sets or clears optional part `p`.
    fn put_optional(&mut self, p: Part, value: Option<&str>) {
        if self.put(p, value.unwrap_or("")) {
            match value {
                Some(_) => self.flags |= p.present(),
                None => self.flags &= !p.present(),
            }
        }
    }

    /// Replaces the text of part `p` with `value`, moving everything after it; `false`
    /// (and nothing changed) when the text would pass `u32::MAX` bytes.
    fn put(&mut self, p: Part, value: &str) -> bool {
        let (start, end) = (self.start(p) as usize, self.end(p) as usize);
        let (Some(head), Some(tail)) = (self.text.get(..start), self.text.get(end..)) else {
            return false; // not reached: the offsets are char boundaries of `text`
        };
        let Some(len) = start
            .checked_add(value.len())
            .and_then(|n| n.checked_add(tail.len()))
            .filter(|&n| u32::try_from(n).is_ok())
        else {
            return false;
        };
        // Every offset from `p`'s end on moves by the same amount; each stays within
        // `len`, which fits a `u32` (checked above).
        let moved = |e: u32| {
            u32::try_from((e as usize).saturating_sub(end - start) + value.len()).unwrap_or(e)
        };
        let mut text = String::with_capacity(len);
        text.push_str(head);
        text.push_str(value);
        text.push_str(tail);
        self.text = text.into_boxed_str();
        for e in self.ends.iter_mut().skip(p.index()) {
            *e = moved(*e);
        }
        for e in self.group_ends.iter_mut() {
            *e = moved(*e);
        }
        true
    }
}

impl DirectoryUser {
    /// `true` when the external id, the names, the display name and the role of `self`
    /// and `other` are all equal (present or absent alike), in one comparison of their
    /// text: the planner's test that nobody's attributes changed, made for every person.
    #[inline]
    pub(crate) fn same_attributes(&self, other: &Self) -> bool {
        const BITS: u8 = Part::ExternalId.present()
            | Part::GivenName.present()
            | Part::FamilyName.present()
            | Part::DisplayName.present()
            | Part::Role.present();
        let (a0, a) = self.attributes();
        let (b0, b) = other.attributes();
        self.flags & BITS == other.flags & BITS
            && a.is_some()
            && a == b
            && (Part::ExternalId.index()..Part::Role.index()).all(|i| {
                let at = |u: &Self, from: u32| u.ends.get(i).and_then(|e| e.checked_sub(from));
                at(self, a0) == at(other, b0)
            })
    }

    /// `true` when the external id is present and not empty (the planner's link key),
    /// decided from the offsets alone: the text is not read.
    #[inline]
    pub(crate) fn has_link_key(&self) -> bool {
        self.flags & Part::ExternalId.present() != 0
            && self.end(Part::ExternalId) > self.start(Part::ExternalId)
    }

    /// Starts loading what this user keeps on the heap ahead of a read
    /// ([`super::prefetch`]): every cache line of its text (a line holds 64 bytes; a
    /// user's text is typically 100 to 200) and its group boundaries. The struct itself
    /// is read to find them, so it should have been asked for earlier.
    #[inline]
    pub(crate) fn prefetch_heap(&self) {
        let bytes = self.text.as_bytes();
        // Every 64th byte from the first, and the last: one byte in each line the text
        // touches, whatever its alignment.
        for at in (0..bytes.len())
            .step_by(64)
            .chain(bytes.len().checked_sub(1))
        {
            if let Some(b) = bytes.get(at) {
                super::prefetch::prefetch(b);
            }
        }
        if let Some(e) = self.group_ends.first() {
            super::prefetch::prefetch(e);
        }
    }

    /// Where the attributes (external id to role, stored back to back) start, and their
    /// text.
    #[inline]
    fn attributes(&self) -> (u32, Option<&str>) {
        let start = self.start(Part::ExternalId);
        let end = self.end(Part::Role);
        (start, self.text.get(start as usize..end as usize))
    }
}

impl PartialEq for DirectoryUser {
    fn eq(&self, other: &Self) -> bool {
        self.flags == other.flags
            && self.email() == other.email()
            && self.external_id() == other.external_id()
            && self.given_name() == other.given_name()
            && self.family_name() == other.family_name()
            && self.display_name() == other.display_name()
            && self.role() == other.role()
            && self.app_id() == other.app_id()
            && self.groups() == other.groups()
    }
}

impl Eq for DirectoryUser {}

impl fmt::Debug for DirectoryUser {
    /// Every field by name, in the order of the JSON object (as the struct with public
    /// fields printed it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirectoryUser")
            .field("email", &self.email().as_str())
            .field("external_id", &self.external_id())
            .field("given_name", &self.given_name())
            .field("family_name", &self.family_name())
            .field("display_name", &self.display_name())
            .field("active", &self.is_active())
            .field("groups", &self.groups())
            .field("role", &self.role())
            .field("app_id", &self.app_id())
            .finish()
    }
}

impl Serialize for DirectoryUser {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let role = self.role();
        let mut s =
            serializer.serialize_struct("DirectoryUser", 8 + usize::from(role.is_some()))?;
        s.serialize_field("email", self.email().as_str())?;
        s.serialize_field("external_id", &self.external_id())?;
        s.serialize_field("given_name", &self.given_name())?;
        s.serialize_field("family_name", &self.family_name())?;
        s.serialize_field("display_name", &self.display_name())?;
        s.serialize_field("active", &self.is_active())?;
        s.serialize_field("groups", &self.groups())?;
        match role {
            Some(role) => s.serialize_field("role", role)?,
            None => s.skip_field("role")?,
        }
        s.serialize_field("app_id", &self.app_id())?;
        s.end()
    }
}

/// What [`DirectoryUser`] reads from serde: the object it has always been written as
/// (saved plans from before the fields became private read the same). Its strings
/// borrow from the input where they can (no escapes, an input held in memory), so a
/// user read from JSON costs the one allocation [`DirectoryUser::builder`] makes.
#[derive(Deserialize)]
#[serde(rename = "DirectoryUser")]
struct Wire<'a> {
    #[serde(borrow)]
    email: Cow<'a, str>,
    #[serde(borrow)]
    external_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    given_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    family_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    display_name: Option<Cow<'a, str>>,
    active: bool,
    #[serde(borrow)]
    groups: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    role: Option<Cow<'a, str>>,
    #[serde(borrow)]
    app_id: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for DirectoryUser {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w: Wire<'_> = Wire::deserialize(deserializer)?;
        Ok(DirectoryUser::builder(&w.email)
            .active(w.active)
            .external_id(w.external_id.as_deref())
            .given_name(w.given_name.as_deref())
            .family_name(w.family_name.as_deref())
            .display_name(w.display_name.as_deref())
            .role(w.role.as_deref())
            .app_id(w.app_id.as_deref())
            .groups(&w.groups)
            .build())
    }
}

/// A [`DirectoryUser`]'s email: the address as given, compared, hashed and ordered by its
/// lower-case key, as an [`Email`] is. Borrowed from the user; [`to_email`](Self::to_email)
/// makes an owned [`Email`].
///
/// The key is not stored: [`key`](Self::key) computes it (borrowing when the address is
/// already lower case), and comparisons of ASCII addresses compare ignoring ASCII case
/// without allocating.
///
/// ```
/// use idgraph_common::graph::{DirectoryUser, Email};
///
/// let u = DirectoryUser::new(" Jane.Doe@Example.com ");
/// assert_eq!(u.email().as_str(), "Jane.Doe@Example.com");
/// assert_eq!(u.email().key(), "jane.doe@example.com");
/// assert_eq!(u.email(), Email::new("jane.doe@example.com"));
/// assert_eq!(u.email().to_string(), "Jane.Doe@Example.com");
/// ```
#[derive(Clone, Copy)]
pub struct EmailRef<'a>(&'a str);

impl<'a> EmailRef<'a> {
    /// The address as given.
    #[inline]
    pub fn as_str(self) -> &'a str {
        self.0
    }

    /// The comparison key (lower case, as [`Email::key`]); borrowed when the address is
    /// already lower case.
    pub fn key(self) -> Cow<'a, str> {
        let s = self.0;
        if s.is_ascii() {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(s.to_ascii_lowercase())
            } else {
                Cow::Borrowed(s)
            }
        } else {
            let lower = s.to_lowercase();
            if lower == s {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(lower)
            }
        }
    }

    /// An owned [`Email`] with this address.
    pub fn to_email(self) -> Email {
        Email::new(self.0)
    }

    /// A 64-bit hash of the key from `state`, without allocating for ASCII addresses up
    /// to [`KEY_ON_STACK`] bytes: equal keys give equal hashes.
    pub(crate) fn key_hash(self, state: &impl BuildHasher) -> u64 {
        let s = self.0.as_bytes();
        if s.is_ascii() {
            if !s.iter().any(u8::is_ascii_uppercase) {
                return state.hash_one(s); // already the key
            }
            let mut buf = [0u8; KEY_ON_STACK];
            if let Some(lower) = buf.get_mut(..s.len()) {
                for (d, b) in lower.iter_mut().zip(s) {
                    *d = b.to_ascii_lowercase();
                }
                return state.hash_one(&*lower);
            }
            return state.hash_one(s.to_ascii_lowercase());
        }
        state.hash_one(self.0.to_lowercase().as_bytes())
    }
}

/// How long an ASCII address with upper-case letters [`EmailRef::key_hash`] lowercases on
/// the stack can be; longer ones allocate. Most addresses are far shorter, and the buffer
/// is zeroed on every call, so it is kept small.
const KEY_ON_STACK: usize = 64;

/// Whether two addresses have the same lower-case key.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        // Not only for two non-ASCII addresses: a non-ASCII one may lower-case to ASCII
        // (the Kelvin sign to `k`).
        a.to_lowercase() == b.to_lowercase()
    }
}

impl PartialEq for EmailRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_key(self.0, other.0)
    }
}

impl Eq for EmailRef<'_> {}

impl PartialEq<Email> for EmailRef<'_> {
    fn eq(&self, other: &Email) -> bool {
        same_key(self.0, other.as_str())
    }
}

impl PartialEq<EmailRef<'_>> for Email {
    fn eq(&self, other: &EmailRef<'_>) -> bool {
        same_key(self.as_str(), other.0)
    }
}

impl Hash for EmailRef<'_> {
    /// Hashes the key, as [`Email`] does.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for EmailRef<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EmailRef<'_> {
    /// By key, as [`Email`] orders.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Debug for EmailRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for EmailRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl From<EmailRef<'_>> for Email {
    fn from(e: EmailRef<'_>) -> Self {
        e.to_email()
    }
}

impl AsRef<str> for EmailRef<'_> {
    /// The address as given.
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// A [`DirectoryUser`]'s groups: the names in order (duplicates kept), borrowed from the
/// user. Iterates `&str`; compares equal to another list of the same names in the same
/// order.
///
/// ```
/// use idgraph_common::graph::DirectoryUser;
///
/// let u = DirectoryUser::new("a@x.io").with_groups(["Eng", "Sales"]);
/// let groups = u.groups();
/// assert_eq!(groups.len(), 2);
/// assert!(groups.contains("Sales"));
/// assert_eq!(groups.iter().collect::<Vec<_>>(), ["Eng", "Sales"]);
/// assert_eq!(groups, ["Eng", "Sales"]);
/// ```
#[derive(Clone, Copy)]
pub struct GroupNames<'a> {
    /// The user's whole text.
    text: &'a str,
    /// Where the first group starts.
    start: u32,
    /// Where each group ends.
    ends: &'a [u32],
}

impl<'a> GroupNames<'a> {
    /// How many groups (duplicates counted).
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// `true` when there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The names, in order.
    #[inline]
    pub fn iter(&self) -> GroupIter<'a> {
        GroupIter {
            text: self.text,
            start: self.start,
            ends: self.ends.iter(),
        }
    }

    /// The `i`-th name.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.iter().nth(i)
    }

    /// Whether `group` is one of the names (compared exactly: group names are the app's
    /// own).
    pub fn contains(&self, group: &str) -> bool {
        self.iter().any(|g| g == group)
    }

    /// The names as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl<'a> IntoIterator for GroupNames<'a> {
    type Item = &'a str;
    type IntoIter = GroupIter<'a>;
    fn into_iter(self) -> GroupIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &GroupNames<'a> {
    type Item = &'a str;
    type IntoIter = GroupIter<'a>;
    fn into_iter(self) -> GroupIter<'a> {
        self.iter()
    }
}

impl GroupNames<'_> {
    /// The names back to back (the user's text from the first group's start to the last
    /// one's end), when the offsets are as the user keeps them.
    fn joined(&self) -> Option<&str> {
        let end = self.ends.last().copied().unwrap_or(self.start);
        self.text.get(self.start as usize..end as usize)
    }
}

impl PartialEq for GroupNames<'_> {
    /// The same names in the same order. Compared as the names back to back and where
    /// each ends (one comparison of bytes, not one per name: the planner compares the
    /// groups of every person).
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        match (self.joined(), other.joined()) {
            (Some(a), Some(b)) => {
                a == b
                    && self
                        .ends
                        .iter()
                        .zip(other.ends)
                        .all(|(x, y)| x.checked_sub(self.start) == y.checked_sub(other.start))
            }
            _ => self.iter().eq(other.iter()),
        }
    }
}

impl Eq for GroupNames<'_> {}

impl<S: AsRef<str>> PartialEq<[S]> for GroupNames<'_> {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for GroupNames<'_> {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for GroupNames<'_> {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl fmt::Debug for GroupNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for GroupNames<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// The iterator of [`GroupNames`].
#[derive(Clone, Debug)]
pub struct GroupIter<'a> {
    text: &'a str,
    /// Where the next name from the front starts.
    start: u32,
    ends: std::slice::Iter<'a, u32>,
}

impl<'a> Iterator for GroupIter<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let end = *self.ends.next()?;
        let name = self
            .text
            .get(self.start as usize..end as usize)
            .unwrap_or("");
        self.start = end;
        Some(name)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl DoubleEndedIterator for GroupIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let end = *self.ends.next_back()?;
        let start = self.ends.as_slice().last().copied().unwrap_or(self.start);
        Some(self.text.get(start as usize..end as usize).unwrap_or(""))
    }
}

impl ExactSizeIterator for GroupIter<'_> {}

impl FusedIterator for GroupIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> DirectoryUser {
        DirectoryUser::new(" Ada@Example.COM ")
            .with_names("Ada", "Lovelace")
            .with_display_name("Ada Lovelace")
            .with_external_id("00u1")
            .with_role("admin")
            .with_groups(["Eng", "Sales", "Eng"])
            .with_app_id("42")
    }

    #[test]
    fn a_user_is_64_bytes() {
        assert_eq!(std::mem::size_of::<DirectoryUser>(), 64);
    }

    #[test]
    fn every_field_reads_back_and_setters_move_the_others() {
        let mut u = full();
        assert_eq!(u.email().as_str(), "Ada@Example.COM");
        assert_eq!(u.email().key(), "ada@example.com");
        assert_eq!(u.given_name(), Some("Ada"));
        assert_eq!(u.family_name(), Some("Lovelace"));
        assert_eq!(u.display_name(), Some("Ada Lovelace"));
        assert_eq!(u.external_id(), Some("00u1"));
        assert_eq!(u.role(), Some("admin"));
        assert_eq!(u.app_id(), Some("42"));
        assert!(u.is_active());
        assert_eq!(u.groups(), ["Eng", "Sales", "Eng"]);

        // Each change in the middle leaves every other field as it was.
        u.set_given_name(Some("Augusta Ada"));
        u.set_email("ada.king@example.com");
        u.set_role(None);
        u.set_display_name(Some(""));
        u.set_active(false);
        assert_eq!(u.email().as_str(), "ada.king@example.com");
        assert_eq!(u.given_name(), Some("Augusta Ada"));
        assert_eq!(u.family_name(), Some("Lovelace"));
        assert_eq!(u.display_name(), Some(""));
        assert_eq!(u.external_id(), Some("00u1"));
        assert_eq!(u.role(), None);
        assert_eq!(u.app_id(), Some("42"));
        assert!(!u.is_active());
        assert_eq!(u.groups(), ["Eng", "Sales", "Eng"]);
        assert_eq!(
            u.groups().iter().rev().collect::<Vec<_>>(),
            ["Eng", "Sales", "Eng"]
        );
        assert_eq!(u.groups().get(1), Some("Sales"));
        assert_eq!(u.groups().get(3), None);

        u.set_groups(Vec::<String>::new());
        assert!(u.groups().is_empty());
        u.set_app_id(None);
        assert_eq!(u.app_id(), None);
        assert_eq!(u.family_name(), Some("Lovelace"));
    }

    #[test]
    fn none_and_empty_stay_distinct() {
        let a = DirectoryUser::new("a@x.io");
        let b = DirectoryUser::new("a@x.io").with_external_id("");
        assert_eq!(a.external_id(), None);
        assert_eq!(b.external_id(), Some(""));
        assert_ne!(a, b);
        let json = serde_json::to_string(&b).unwrap_or_default();
        let back: DirectoryUser = serde_json::from_str(&json).unwrap_or_else(|_| a.clone());
        assert_eq!(back, b);
        assert_eq!(back.external_id(), Some(""));
    }

    #[test]
    fn equality_is_case_insensitive_on_the_email_only() {
        assert_eq!(full(), full().with_email("ada@example.com"));
        assert_ne!(full(), full().with_given_name("ADA"));
        assert_ne!(full(), full().with_groups(["Sales", "Eng", "Eng"]));
        assert_ne!(full(), full().with_active(false));
        // Unicode lower case, including a non-ASCII letter that lower-cases to ASCII.
        assert_eq!(
            DirectoryUser::new("ÉLODIE@x.fr").email(),
            DirectoryUser::new("élodie@x.fr").email()
        );
        assert_eq!(
            DirectoryUser::new("\u{212A}@x.io").email(),
            DirectoryUser::new("k@x.io").email()
        );
        assert_ne!(
            DirectoryUser::new("a@x.io").email(),
            DirectoryUser::new("b@x.io").email()
        );
    }

    #[test]
    fn key_hashes_agree_with_keys() {
        let state = foldhash::fast::RandomState::default();
        for (a, b) in [
            ("Ada@Example.COM", "ada@example.com"),
            ("ÉLODIE@x.fr", "élodie@x.fr"),
            ("\u{212A}@x.io", "k@x.io"),
            ("", ""),
        ] {
            assert_eq!(
                EmailRef(a).key_hash(&state),
                EmailRef(b).key_hash(&state),
                "{a}"
            );
            assert_eq!(
                EmailRef(a).key_hash(&state),
                state.hash_one(EmailRef(b).key().as_bytes())
            );
        }
        let long = format!("{}@X.io", "A".repeat(KEY_ON_STACK));
        assert_eq!(
            EmailRef(&long).key_hash(&state),
            EmailRef(&long.to_lowercase()).key_hash(&state)
        );
        assert_ne!(
            EmailRef("a@x.io").key_hash(&state),
            EmailRef("b@x.io").key_hash(&state)
        );
    }

    #[test]
    fn debug_and_json_keep_their_shape() {
        let u = full();
        assert_eq!(
            format!("{u:?}"),
            r#"DirectoryUser { email: "Ada@Example.COM", external_id: Some("00u1"), given_name: Some("Ada"), family_name: Some("Lovelace"), display_name: Some("Ada Lovelace"), active: true, groups: ["Eng", "Sales", "Eng"], role: Some("admin"), app_id: Some("42") }"#
        );
        let json = serde_json::to_string(&u).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"email":"Ada@Example.COM","external_id":"00u1","given_name":"Ada","family_name":"Lovelace","display_name":"Ada Lovelace","active":true,"groups":["Eng","Sales","Eng"],"role":"admin","app_id":"42"}"#
        );
        let bare = serde_json::to_string(&DirectoryUser::new("b@x.io")).unwrap_or_default();
        assert_eq!(
            bare,
            r#"{"email":"b@x.io","external_id":null,"given_name":null,"family_name":null,"display_name":null,"active":true,"groups":[],"app_id":null}"#
        );
        let back: Option<DirectoryUser> = serde_json::from_str(&json).ok();
        assert_eq!(back.as_ref(), Some(&u));
        // Where the strings cannot be borrowed (escapes; a reader; a `Value`), they
        // are read just the same.
        let escaped = r#"{"email":"b@x.io","external_id":null,"given_name":"Ren\u00e9e","family_name":null,"display_name":"A \"B\"","active":false,"groups":["G\/1"],"app_id":"7"}"#;
        let read: Option<DirectoryUser> = serde_json::from_str(escaped).ok();
        let want = DirectoryUser::new("b@x.io")
            .with_given_name("Renée")
            .with_display_name("A \"B\"")
            .with_active(false)
            .with_groups(["G/1"])
            .with_app_id("7");
        assert_eq!(format!("{read:?}"), format!("{:?}", Some(&want)));
        let from_reader: Option<DirectoryUser> = serde_json::from_reader(json.as_bytes()).ok();
        assert_eq!(from_reader.as_ref(), Some(&u));
        let value = serde_json::to_value(&u).unwrap_or_default();
        let from_value: Option<DirectoryUser> = serde_json::from_value(value).ok();
        assert_eq!(format!("{from_value:?}"), format!("{:?}", Some(&u)));
    }
}
