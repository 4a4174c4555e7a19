//! Multi-valued complex attributes of a User (RFC 7643 §2.4, §4.1.2): emails, phone numbers,
//! instant messaging, photos, addresses, groups, entitlements, roles and certificates.
//!
//! Every type keeps unknown sub-attributes in `extra`, reads `primary` leniently (`"True"`)
//! and is `#[non_exhaustive]`: build them with the constructors and `with_*` setters.

use crate::object::scim_object;

/// What the multi-valued complex attributes have in common (RFC 7643 §2.4).
///
/// ```
/// use scim_types::{Email, MultiValued};
/// let emails = vec![Email::home("b@home.example"), Email::work("a@work.example").with_primary(true)];
/// assert_eq!(Email::primary_in(&emails).and_then(|e| e.value()), Some("a@work.example"));
/// ```
pub trait MultiValued {
    /// The `value` sub-attribute (for [`Address`], `formatted`, since addresses have no
    /// `value`).
    fn value(&self) -> Option<&str>;

    /// The `type` sub-attribute (`"work"`, `"home"`, …).
    fn type_(&self) -> Option<&str>;

    /// Whether `primary` is `true`. Absent reads as `false`.
    fn is_primary(&self) -> bool;

    /// The value marked primary, else the first one (RFC 7643 §2.4 allows at most one primary;
    /// when a server marks none, the first is what clients conventionally use).
    fn primary_in(items: &[Self]) -> Option<&Self>
    where
        Self: Sized,
    {
        items
            .iter()
            .find(|i| i.is_primary())
            .or_else(|| items.first())
    }
}

/// Defines one of the `value`/`display`/`type`/`primary` attributes with its constructors.
macro_rules! value_attribute {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal, [$($ctor:ident => $kind:literal),*]
    ) => {
        scim_object! {
            $(#[$meta])*
            pub struct $name {
                #[doc = concat!("The ", $what, " itself (`value`).")]
                pub value: Option<String> = "value" as opt,
                /// A human-readable label (`display`); read-only on most servers.
                pub display: Option<String> = "display" as opt,
                /// The label (`type`), such as `"work"` or `"home"`.
                pub type_: Option<String> = "type" as opt,
                /// Whether this is the preferred value (`primary`).
                pub primary: Option<bool> = "primary" as flag,
            }
        }

        impl $name {
            #[doc = concat!("A ", $what, " with no type.")]
            pub fn new(value: impl Into<String>) -> Self {
                Self { value: Some(value.into()), ..Self::default() }
            }

            $(
                #[doc = concat!("A ", $what, " of type `", $kind, "`.")]
                pub fn $ctor(value: impl Into<String>) -> Self {
                    Self::new(value).with_type($kind)
                }
            )*

            /// Sets `type`.
            #[must_use]
            pub fn with_type(mut self, type_: impl Into<String>) -> Self {
                self.type_ = Some(type_.into());
                self
            }

            /// Sets `display`.
            #[must_use]
            pub fn with_display(mut self, display: impl Into<String>) -> Self {
                self.display = Some(display.into());
                self
            }

            /// Sets `primary`.
            #[must_use]
            pub fn with_primary(mut self, primary: bool) -> Self {
                self.primary = Some(primary);
                self
            }
        }

        impl MultiValued for $name {
            fn value(&self) -> Option<&str> {
                self.value.as_deref()
            }
            fn type_(&self) -> Option<&str> {
                self.type_.as_deref()
            }
            fn is_primary(&self) -> bool {
                self.primary == Some(true)
            }
        }
    };
}

value_attribute! {
    /// An email address (`emails`, RFC 7643 §4.1.2).
    ///
    /// ```
    /// use scim_types::Email;
    /// let e = Email::work("bjensen@example.com").with_primary(true);
    /// assert_eq!(
    ///     serde_json::to_value(&e)?,
    ///     serde_json::json!({"value": "bjensen@example.com", "type": "work", "primary": true})
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    Email, "email address", [work => "work", home => "home", other => "other"]
}

value_attribute! {
    /// A phone number (`phoneNumbers`), ideally in RFC 3966 form (`tel:+1-201-555-0123`).
    PhoneNumber, "phone number", [work => "work", home => "home", mobile => "mobile"]
}

value_attribute! {
    /// An instant-messaging handle (`ims`).
    Im, "messaging handle", []
}

value_attribute! {
    /// A photo URL (`photos`); `type` is `"photo"` or `"thumbnail"`.
    Photo, "photo URL", [thumbnail => "thumbnail"]
}

value_attribute! {
    /// An entitlement (`entitlements`).
    Entitlement, "entitlement", []
}

value_attribute! {
    /// A role (`roles`).
    Role, "role", []
}

value_attribute! {
    /// A DER certificate, base64-encoded (`x509Certificates`).
    X509Certificate, "base64 DER certificate", []
}

scim_object! {
    /// A physical mailing address (`addresses`, RFC 7643 §4.1.2).
    ///
    /// ```
    /// use scim_types::Address;
    /// let a = Address::work().with_locality("Hollywood").with_country("US");
    /// assert_eq!(a.type_.as_deref(), Some("work"));
    /// ```
    pub struct Address {
        /// The full address, formatted for display (`formatted`).
        pub formatted: Option<String> = "formatted" as opt,
        /// Street, house number and so on (`streetAddress`).
        pub street_address: Option<String> = "streetAddress" as opt,
        /// City (`locality`).
        pub locality: Option<String> = "locality" as opt,
        /// State or region (`region`).
        pub region: Option<String> = "region" as opt,
        /// Postal code (`postalCode`).
        pub postal_code: Option<String> = "postalCode" as opt,
        /// ISO 3166-1 alpha-2 country code (`country`).
        pub country: Option<String> = "country" as opt,
        /// `"work"`, `"home"` or `"other"` (`type`).
        pub type_: Option<String> = "type" as opt,
        /// Whether this is the preferred address (`primary`).
        pub primary: Option<bool> = "primary" as flag,
    }
}

impl Address {
    /// An empty address of type `work`.
    pub fn work() -> Self {
        Self::default().with_type("work")
    }

    /// An empty address of type `home`.
    pub fn home() -> Self {
        Self::default().with_type("home")
    }

    /// Sets `type`.
    #[must_use]
    pub fn with_type(mut self, v: impl Into<String>) -> Self {
        self.type_ = Some(v.into());
        self
    }

    /// Sets `formatted`.
    #[must_use]
    pub fn with_formatted(mut self, v: impl Into<String>) -> Self {
        self.formatted = Some(v.into());
        self
    }

    /// Sets `streetAddress`.
    #[must_use]
    pub fn with_street_address(mut self, v: impl Into<String>) -> Self {
        self.street_address = Some(v.into());
        self
    }

    /// Sets `locality`.
    #[must_use]
    pub fn with_locality(mut self, v: impl Into<String>) -> Self {
        self.locality = Some(v.into());
        self
    }

    /// Sets `region`.
    #[must_use]
    pub fn with_region(mut self, v: impl Into<String>) -> Self {
        self.region = Some(v.into());
        self
    }

    /// Sets `postalCode`.
    #[must_use]
    pub fn with_postal_code(mut self, v: impl Into<String>) -> Self {
        self.postal_code = Some(v.into());
        self
    }

    /// Sets `country`.
    #[must_use]
    pub fn with_country(mut self, v: impl Into<String>) -> Self {
        self.country = Some(v.into());
        self
    }

    /// Sets `primary`.
    #[must_use]
    pub fn with_primary(mut self, primary: bool) -> Self {
        self.primary = Some(primary);
        self
    }
}

impl MultiValued for Address {
    fn value(&self) -> Option<&str> {
        self.formatted.as_deref()
    }
    fn type_(&self) -> Option<&str> {
        self.type_.as_deref()
    }
    fn is_primary(&self) -> bool {
        self.primary == Some(true)
    }
}

scim_object! {
    /// A group the user belongs to (`groups`, RFC 7643 §4.1.2). Read-only: servers derive it
    /// from Group membership and ignore it on write.
    pub struct GroupRef {
        /// The group's `id` (`value`).
        pub value: Option<String> = "value" as opt,
        /// The group's URI (`$ref`).
        pub ref_: Option<String> = "$ref" as opt,
        /// The group's display name (`display`).
        pub display: Option<String> = "display" as opt,
        /// `"direct"` or `"indirect"` membership (`type`).
        pub type_: Option<String> = "type" as opt,
    }
}

impl GroupRef {
    /// A reference to the group with this id.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            ..Self::default()
        }
    }
}

impl MultiValued for GroupRef {
    fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
    fn type_(&self) -> Option<&str> {
        self.type_.as_deref()
    }
    fn is_primary(&self) -> bool {
        false
    }
}
