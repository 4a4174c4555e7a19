//! The User resource (RFC 7643 §4.1) with the Enterprise extension and any other extension.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::object::scim_object;
use crate::urn::ENTERPRISE_USER;
use crate::{
    Address, Email, EnterpriseUser, Entitlement, GroupRef, Im, Meta, MultiValued, Name,
    PhoneNumber, Photo, Role, UserId, X509Certificate, extension,
};

scim_object! {
    /// A SCIM User (RFC 7643 §4.1), with every core attribute, the Enterprise extension, and
    /// every other attribute or extension kept in [`extra`](User::extra).
    ///
    /// Reading is lenient and writing is strict (see the crate documentation): attribute names
    /// match in any case, `"active": "False"` reads as `false`, `null` reads as absent, and
    /// empty multi-valued attributes are not written. Otherwise a User read from JSON and
    /// written back yields the same JSON object, extensions and unknown keys included.
    ///
    /// `Debug` never prints `password`.
    ///
    /// # Examples
    ///
    /// Round trip, keeping an extension this crate does not know:
    ///
    /// ```
    /// use scim_types::User;
    /// let json = serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:acme:2.0:User"],
    ///     "id": "2819c223",
    ///     "userName": "bjensen@example.com",
    ///     "active": true,
    ///     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
    ///     "urn:example:acme:2.0:User": {"badge": 42},
    ///     "x-vendor-flag": "kept"
    /// });
    /// let user: User = serde_json::from_value(json.clone())?;
    /// assert_eq!(user.user_name, "bjensen@example.com");
    /// assert_eq!(user.primary_email(), Some("bjensen@example.com"));
    /// assert_eq!(serde_json::to_value(&user)?, json);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// Building one:
    ///
    /// ```
    /// use scim_types::{Email, Name, User, urn};
    /// let mut user = User::new("bjensen@example.com");
    /// user.name = Some(Name::new("Barbara", "Jensen"));
    /// user.emails.push(Email::work("bjensen@example.com").with_primary(true));
    /// user.active = Some(true);
    /// let json = serde_json::to_value(&user)?;
    /// assert_eq!(json["schemas"][0], urn::USER);
    /// assert_eq!(json["name"]["givenName"], "Barbara");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct User {
        /// Schema URNs of the core schema and of every extension present (`schemas`).
        pub schemas: Vec<String> = "schemas" as list,
        /// Server-assigned id (`id`); absent when creating.
        pub id: Option<UserId> = "id" as opt,
        /// The provisioning client's id for this user (`externalId`).
        pub external_id: Option<String> = "externalId" as opt,
        /// Unique sign-in name (`userName`, required by RFC 7643). Read as `""` when a server
        /// leaves it out (for example with `attributes=`), and not written when empty.
        pub user_name: String = "userName" as text,
        /// The user's name in parts (`name`).
        pub name: Option<Name> = "name" as opt,
        /// Name for display (`displayName`).
        pub display_name: Option<String> = "displayName" as opt,
        /// Casual name (`nickName`).
        pub nick_name: Option<String> = "nickName" as opt,
        /// Profile page URL (`profileUrl`).
        pub profile_url: Option<String> = "profileUrl" as opt,
        /// Job title (`title`).
        pub title: Option<String> = "title" as opt,
        /// Relationship to the organization, such as `"Employee"` (`userType`).
        pub user_type: Option<String> = "userType" as opt,
        /// Preferred language, such as `"en-US"` (`preferredLanguage`).
        pub preferred_language: Option<String> = "preferredLanguage" as opt,
        /// Locale for formatting, such as `"en-US"` (`locale`).
        pub locale: Option<String> = "locale" as opt,
        /// IANA time zone, such as `"America/Los_Angeles"` (`timezone`).
        pub timezone: Option<String> = "timezone" as opt,
        /// Whether the account is active (`active`); also read from `"True"`/`"False"`.
        pub active: Option<bool> = "active" as flag,
        /// Password to set (`password`); write-only, servers never return it. Redacted in
        /// `Debug`.
        pub password: Option<String> = "password" as secret,
        /// Email addresses (`emails`).
        pub emails: Vec<Email> = "emails" as list,
        /// Phone numbers (`phoneNumbers`).
        pub phone_numbers: Vec<PhoneNumber> = "phoneNumbers" as list,
        /// Instant-messaging handles (`ims`).
        pub ims: Vec<Im> = "ims" as list,
        /// Photo URLs (`photos`).
        pub photos: Vec<Photo> = "photos" as list,
        /// Mailing addresses (`addresses`).
        pub addresses: Vec<Address> = "addresses" as list,
        /// Groups the user belongs to; read-only (`groups`).
        pub groups: Vec<GroupRef> = "groups" as list,
        /// Entitlements (`entitlements`).
        pub entitlements: Vec<Entitlement> = "entitlements" as list,
        /// Roles (`roles`).
        pub roles: Vec<Role> = "roles" as list,
        /// Certificates (`x509Certificates`).
        pub x509_certificates: Vec<X509Certificate> = "x509Certificates" as list,
        /// The Enterprise User extension, stored under its URN key.
        pub enterprise: Option<EnterpriseUser> = ENTERPRISE_USER as opt,
        /// Resource metadata (`meta`); server-assigned.
        pub meta: Option<Meta> = "meta" as opt,
    }
}

impl User {
    /// A new user with this `userName` and `schemas` set to the core User URN.
    pub fn new(user_name: impl Into<String>) -> Self {
        Self {
            schemas: vec![crate::urn::USER.to_owned()],
            user_name: user_name.into(),
            ..Self::default()
        }
    }

    /// The primary email's value, else the first email's value.
    ///
    /// ```
    /// use scim_types::{Email, User};
    /// let mut u = User::new("jane");
    /// u.emails = vec![Email::home("jane@home.example"), Email::work("jane@corp.example").with_primary(true)];
    /// assert_eq!(u.primary_email(), Some("jane@corp.example"));
    /// ```
    pub fn primary_email(&self) -> Option<&str> {
        Email::primary_in(&self.emails).and_then(|e| e.value.as_deref())
    }

    /// `true` unless [`active`](User::active) is `false`. RFC 7643 §4.1.1 leaves the
    /// meaning of `active` to the service provider, and providers create users active,
    /// so a user without `active` (a server that does not send it) counts as active.
    ///
    /// ```
    /// use scim_types::User;
    /// assert!(User::new("jane").is_active());
    /// assert!(User::new("jane").with_active(true).is_active());
    /// assert!(!User::new("jane").with_active(false).is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.active != Some(false)
    }

    /// Reads the extension stored under `urn` as a `T`; `Ok(None)` when it is absent.
    ///
    /// The Enterprise URN reads [`enterprise`](User::enterprise); any other URN reads
    /// [`extra`](User::extra). URNs match ignoring ASCII case.
    ///
    /// ```
    /// use serde::Deserialize;
    /// #[derive(Deserialize)]
    /// struct Acme { badge: u32 }
    ///
    /// let user: scim_types::User = serde_json::from_str(
    ///     r#"{"userName":"jane","urn:example:acme:2.0:User":{"badge":42}}"#,
    /// )?;
    /// let acme: Option<Acme> = user.extension("urn:example:acme:2.0:User")?;
    /// assert_eq!(acme.map(|a| a.badge), Some(42));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the stored JSON does not deserialize into `T`.
    pub fn extension<T: DeserializeOwned>(
        &self,
        urn: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        if urn.eq_ignore_ascii_case(ENTERPRISE_USER) {
            return match &self.enterprise {
                Some(e) => T::deserialize(serde_json::to_value(e)?).map(Some),
                None => Ok(None),
            };
        }
        extension::get(&self.extra, urn)
    }

    /// Stores `value` as the extension `urn` and adds `urn` to `schemas`.
    ///
    /// ```
    /// let mut user = scim_types::User::new("jane");
    /// user.set_extension("urn:example:acme:2.0:User", &serde_json::json!({"badge": 42}))?;
    /// assert!(user.schemas.iter().any(|s| s == "urn:example:acme:2.0:User"));
    /// assert_eq!(serde_json::to_value(&user)?["urn:example:acme:2.0:User"]["badge"], 42);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `value` fails to serialize, or (for the Enterprise URN) is not a valid
    /// [`EnterpriseUser`].
    pub fn set_extension<T: Serialize + ?Sized>(
        &mut self,
        urn: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        if urn.eq_ignore_ascii_case(ENTERPRISE_USER) {
            let e = EnterpriseUser::deserialize_from(serde_json::to_value(value)?)?;
            self.enterprise = Some(e);
            extension::add_schema(&mut self.schemas, ENTERPRISE_USER);
            return Ok(());
        }
        extension::set(&mut self.extra, &mut self.schemas, urn, value)
    }

    /// Removes the extension `urn` (and its `schemas` entry), returning its JSON if present.
    pub fn remove_extension(&mut self, urn: &str) -> Option<Value> {
        if urn.eq_ignore_ascii_case(ENTERPRISE_USER) {
            extension::remove_schema(&mut self.schemas, ENTERPRISE_USER);
            return self
                .enterprise
                .take()
                .and_then(|e| serde_json::to_value(e).ok());
        }
        extension::remove(&mut self.extra, &mut self.schemas, urn)
    }

    /// Sets `name`.
    #[must_use]
    pub fn with_name(mut self, name: Name) -> Self {
        self.name = Some(name);
        self
    }

    /// Sets `displayName`.
    #[must_use]
    pub fn with_display_name(mut self, v: impl Into<String>) -> Self {
        self.display_name = Some(v.into());
        self
    }

    /// Sets `externalId`.
    #[must_use]
    pub fn with_external_id(mut self, v: impl Into<String>) -> Self {
        self.external_id = Some(v.into());
        self
    }

    /// Sets `active`.
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Appends an email.
    #[must_use]
    pub fn with_email(mut self, email: Email) -> Self {
        self.emails.push(email);
        self
    }

    /// Sets the Enterprise extension and lists its URN in `schemas`.
    #[must_use]
    pub fn with_enterprise(mut self, enterprise: EnterpriseUser) -> Self {
        self.enterprise = Some(enterprise);
        extension::add_schema(&mut self.schemas, ENTERPRISE_USER);
        self
    }
}

impl EnterpriseUser {
    fn deserialize_from(v: Value) -> Result<Self, serde_json::Error> {
        serde::Deserialize::deserialize(v)
    }
}
