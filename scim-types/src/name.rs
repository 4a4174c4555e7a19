//! The `name` complex attribute of a User (RFC 7643 §4.1.1).

use crate::object::scim_object;

scim_object! {
    /// A user's name, in parts (`name`, RFC 7643 §4.1.1).
    ///
    /// ```
    /// use scim_types::Name;
    /// let n = Name::new("Barbara", "Jensen");
    /// assert_eq!(n.given_name.as_deref(), Some("Barbara"));
    /// assert_eq!(n.family_name.as_deref(), Some("Jensen"));
    /// ```
    pub struct Name {
        /// The full name for display (`formatted`).
        pub formatted: Option<String> = "formatted" as opt,
        /// Last name in most Western languages (`familyName`).
        pub family_name: Option<String> = "familyName" as opt,
        /// First name in most Western languages (`givenName`).
        pub given_name: Option<String> = "givenName" as opt,
        /// Middle name(s) (`middleName`).
        pub middle_name: Option<String> = "middleName" as opt,
        /// Title or salutation such as "Ms." (`honorificPrefix`).
        pub honorific_prefix: Option<String> = "honorificPrefix" as opt,
        /// Suffix such as "III" (`honorificSuffix`).
        pub honorific_suffix: Option<String> = "honorificSuffix" as opt,
    }
}

impl Name {
    /// A name with given and family parts.
    pub fn new(given_name: impl Into<String>, family_name: impl Into<String>) -> Self {
        Self {
            given_name: Some(given_name.into()),
            family_name: Some(family_name.into()),
            ..Self::default()
        }
    }

    /// Sets `formatted`.
    #[must_use]
    pub fn with_formatted(mut self, v: impl Into<String>) -> Self {
        self.formatted = Some(v.into());
        self
    }

    /// Sets `middleName`.
    #[must_use]
    pub fn with_middle_name(mut self, v: impl Into<String>) -> Self {
        self.middle_name = Some(v.into());
        self
    }

    /// Sets `honorificPrefix`.
    #[must_use]
    pub fn with_honorific_prefix(mut self, v: impl Into<String>) -> Self {
        self.honorific_prefix = Some(v.into());
        self
    }

    /// Sets `honorificSuffix`.
    #[must_use]
    pub fn with_honorific_suffix(mut self, v: impl Into<String>) -> Self {
        self.honorific_suffix = Some(v.into());
        self
    }
}
