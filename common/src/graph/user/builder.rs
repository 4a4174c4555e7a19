//! [`DirectoryUserBuilder`]: a [`DirectoryUser`] made in one allocation.
//!
//! Why a builder beside the `with_*` methods: a user keeps its text in one exactly sized
//! buffer, so each `with_*` or `set_*` call copies the whole text into a new one. An
//! adapter turning a listing's users into directory users with six such calls made
//! seven allocations a user, and the allocator scattered the last of them among the
//! freed ones. The planner then read its inputs from all over the heap. In an A/B of
//! `reconcile`'s CPU table on the same planner (two runs each), inputs built with the
//! `with_*` methods planned 1M × 1M in 239 and 262 ms of thread CPU, and the same
//! inputs built with this builder, each side whole before the other, in 211 and 213
//! (both sides listing the people in the same order, as the bench then did).
//! The builder borrows every value and allocates once at
//! [`build`](DirectoryUserBuilder::build), at the exact size (plus the group
//! boundaries, when there are groups).

use super::{ACTIVE, DirectoryUser, PARTS, Part};

/// The optional [`Part`]s, in the order their text is stored (after the email).
const OPTIONAL: [Part; PARTS - 1] = [
    Part::ExternalId,
    Part::GivenName,
    Part::FamilyName,
    Part::DisplayName,
    Part::Role,
    Part::AppId,
];

/// Builds a [`DirectoryUser`] from borrowed values, allocating its text once, in
/// [`build`](Self::build): the way to make many users (an adapter's listing, a source
/// file). Made by [`DirectoryUser::builder`]. (Until then it holds only the borrowed
/// values: a list of them for the groups, freed when the user is built.)
///
/// Each field's method takes what its accessor returns (an `Option<&str>`, so a field is
/// copied from another user as `.given_name(other.given_name())`) or a plain `&str`;
/// a field never set is absent (`None`), and the user is active unless
/// [`active`](Self::active) says otherwise. The result is the same user the `with_*`
/// methods make from the same values.
///
/// ```
/// use idgraph_common::graph::DirectoryUser;
///
/// let u = DirectoryUser::builder(" jane@example.com ")
///     .given_name("Jane")
///     .family_name("Doe")
///     .external_id(Some("00u1"))
///     .groups(["Sales", "Everyone"])
///     .build();
/// assert_eq!(u.email().as_str(), "jane@example.com");
/// assert_eq!(u.display_name(), None);
/// assert_eq!(
///     u,
///     DirectoryUser::new("jane@example.com")
///         .with_names("Jane", "Doe")
///         .with_external_id("00u1")
///         .with_groups(["Sales", "Everyone"])
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct DirectoryUserBuilder<'a> {
    email: &'a str,
    /// The [`OPTIONAL`] parts' values, in that order.
    parts: [Option<&'a str>; PARTS - 1],
    active: bool,
    groups: Vec<&'a str>,
}

impl DirectoryUser {
    /// A builder for an active user with email `email` (trimmed, as [`new`](Self::new)
    /// trims it) and nothing else yet; see [`DirectoryUserBuilder`].
    pub fn builder(email: &str) -> DirectoryUserBuilder<'_> {
        DirectoryUserBuilder {
            email: email.trim(),
            parts: [None; PARTS - 1],
            active: true,
            groups: Vec::new(),
        }
    }
}

impl<'a> DirectoryUserBuilder<'a> {
    /// Sets optional part `p` (never the email, which has no slot: `OPTIONAL` holds
    /// the parts after it, in order).
    fn part(mut self, p: Part, value: Option<&'a str>) -> Self {
        if let Some(slot) = p.index().checked_sub(1).and_then(|i| self.parts.get_mut(i)) {
            *slot = value;
        }
        self
    }

    /// Sets (or, with `None`, clears) the external id.
    pub fn external_id(self, id: impl Into<Option<&'a str>>) -> Self {
        self.part(Part::ExternalId, id.into())
    }

    /// Sets (or clears) the given name.
    pub fn given_name(self, name: impl Into<Option<&'a str>>) -> Self {
        self.part(Part::GivenName, name.into())
    }

    /// Sets (or clears) the family name.
    pub fn family_name(self, name: impl Into<Option<&'a str>>) -> Self {
        self.part(Part::FamilyName, name.into())
    }

    /// Sets (or clears) the display name.
    pub fn display_name(self, name: impl Into<Option<&'a str>>) -> Self {
        self.part(Part::DisplayName, name.into())
    }

    /// Sets (or clears) the role.
    pub fn role(self, role: impl Into<Option<&'a str>>) -> Self {
        self.part(Part::Role, role.into())
    }

    /// Sets (or clears) the app's own id.
    pub fn app_id(self, id: impl Into<Option<&'a str>>) -> Self {
        self.part(Part::AppId, id.into())
    }

    /// Sets whether the user is active (the default: active).
    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// Sets the groups (replacing any), in this order: anything that iterates over
    /// borrowed names (`["Sales"]`, `&Vec<String>`, another user's
    /// [`groups`](DirectoryUser::groups)).
    pub fn groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = &'a S>,
        S: AsRef<str> + ?Sized + 'a,
    {
        self.groups.clear();
        self.groups.extend(groups.into_iter().map(AsRef::as_ref));
        self
    }

    /// The user, its text in one allocation of exactly its size.
    ///
    /// As with the `set_*` methods, a value that would take the user's text past
    /// `u32::MAX` bytes is not stored: that field is left absent (the groups: none),
    /// and an email that long alone is stored as the empty address (see
    /// [`DirectoryUser`]'s "Size").
    pub fn build(self) -> DirectoryUser {
        let fits = |n: usize| u32::try_from(n).is_ok();
        let email = if fits(self.email.len()) {
            self.email
        } else {
            ""
        };
        // Decide what is stored, and the exact length, before allocating.
        let mut len = email.len();
        let mut parts = self.parts;
        for value in &mut parts {
            match value.map(|v| len.saturating_add(v.len())) {
                Some(n) if fits(n) => len = n,
                Some(_) => *value = None,
                None => {}
            }
        }
        let with_groups = self.groups.iter().try_fold(len, |n, g| {
            Some(n.saturating_add(g.len())).filter(|&n| fits(n))
        });
        let groups: &[&str] = match with_groups {
            Some(n) => {
                len = n;
                &self.groups
            }
            None => &[],
        };

        // Every offset below is at most `len`, which fits a `u32` (checked above), so
        // the conversions cannot fail; `u32::MAX` would only ever mark a broken
        // invariant, and every read goes through `str::get`.
        let offset = |text: &String| u32::try_from(text.len()).unwrap_or(u32::MAX);
        let mut text = String::with_capacity(len);
        text.push_str(email);
        let mut ends = [offset(&text); PARTS];
        let mut flags = if self.active { ACTIVE } else { 0 };
        for (p, value) in OPTIONAL.iter().zip(parts) {
            if let Some(v) = value {
                text.push_str(v);
                flags |= p.present();
            }
            if let Some(e) = ends.get_mut(p.index()) {
                *e = offset(&text);
            }
        }
        let mut group_ends = Vec::with_capacity(groups.len());
        for g in groups {
            text.push_str(g);
            group_ends.push(offset(&text));
        }
        DirectoryUser {
            text: text.into_boxed_str(),
            ends,
            group_ends: group_ends.into_boxed_slice(),
            flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_user_the_with_methods_build() {
        let built = DirectoryUser::builder(" Ada@Example.COM ")
            .app_id("42")
            .role(Some("admin"))
            .groups(["Eng", "Sales", "Eng"])
            .external_id("00u1")
            .display_name("")
            .family_name("Lovelace")
            .given_name("Ada")
            .active(false)
            .build();
        let chained = DirectoryUser::new(" Ada@Example.COM ")
            .with_names("Ada", "Lovelace")
            .with_display_name("")
            .with_external_id("00u1")
            .with_role("admin")
            .with_groups(["Eng", "Sales", "Eng"])
            .with_app_id("42")
            .with_active(false);
        assert_eq!(built, chained);
        // Equality ignores email case: compare what is stored, field by field.
        assert_eq!(format!("{built:?}"), format!("{chained:?}"));
        assert_eq!(built.email().as_str(), "Ada@Example.COM");
        assert_eq!(built.display_name(), Some(""));
        assert_eq!(built.groups(), ["Eng", "Sales", "Eng"]);
        assert!(!built.is_active());
        // The same attributes to the planner, text and offsets alike.
        assert!(built.same_attributes(&chained));
    }

    #[test]
    fn unset_and_cleared_fields_are_absent() {
        let u = DirectoryUser::builder("a@x.io")
            .given_name("Ann")
            .given_name(None)
            .groups(["A"])
            .groups(Vec::<String>::new().iter())
            .build();
        assert_eq!(u, DirectoryUser::new("a@x.io"));
        assert_eq!(u.given_name(), None);
        assert!(u.groups().is_empty());
        assert!(u.is_active());
        assert!(!u.has_link_key());
    }

    #[test]
    fn copies_every_field_from_another_user() {
        let from = DirectoryUser::new("b@x.io")
            .with_names("Bo", "Li")
            .with_external_id("e1")
            .with_groups(["G1", "G2"])
            .with_app_id("7");
        let copy = DirectoryUser::builder(from.email().as_str())
            .external_id(from.external_id())
            .given_name(from.given_name())
            .family_name(from.family_name())
            .display_name(from.display_name())
            .role(from.role())
            .app_id(from.app_id())
            .active(from.is_active())
            .groups(from.groups())
            .build();
        assert_eq!(format!("{copy:?}"), format!("{from:?}"));
        assert!(copy.has_link_key());
    }

    #[test]
    fn groups_take_owned_and_borrowed_names() {
        let owned = vec![String::from("X"), String::from("Y")];
        let u = DirectoryUser::builder("c@x.io").groups(&owned).build();
        assert_eq!(u.groups(), ["X", "Y"]);
        let names = ["X", "Y"];
        let v = DirectoryUser::builder("c@x.io").groups(&names).build();
        assert_eq!(u.groups(), v.groups());
    }
}
