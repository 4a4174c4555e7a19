//! The Group resource (RFC 7643 §4.2).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::object::scim_object;
use crate::{GroupId, Meta, extension};

scim_object! {
    /// A SCIM Group (RFC 7643 §4.2). Unknown attributes and extensions are kept in
    /// [`extra`](Group::extra).
    ///
    /// ```
    /// use scim_types::{Group, Member};
    /// let mut g = Group::new("Tour Guides");
    /// g.members.push(Member::user("2819c223-7f76-453a-919d-413861904646").with_display("Babs Jensen"));
    /// let json = serde_json::to_value(&g)?;
    /// assert_eq!(json["displayName"], "Tour Guides");
    /// assert_eq!(json["members"][0]["value"], "2819c223-7f76-453a-919d-413861904646");
    /// assert_eq!(serde_json::from_value::<Group>(json)?, g);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct Group {
        /// Schema URNs (`schemas`).
        pub schemas: Vec<String> = "schemas" as list,
        /// Server-assigned id (`id`).
        pub id: Option<GroupId> = "id" as opt,
        /// The provisioning client's id for this group (`externalId`).
        pub external_id: Option<String> = "externalId" as opt,
        /// Name for display (`displayName`, required). Not written when empty.
        pub display_name: String = "displayName" as text,
        /// Members: users or groups (`members`).
        pub members: Vec<Member> = "members" as list,
        /// Resource metadata (`meta`).
        pub meta: Option<Meta> = "meta" as opt,
    }
}

impl Group {
    /// A new group with this `displayName` and `schemas` set to the core Group URN.
    pub fn new(display_name: impl Into<String>) -> Self {
        Self {
            schemas: vec![crate::urn::GROUP.to_owned()],
            display_name: display_name.into(),
            ..Self::default()
        }
    }

    /// Reads the extension stored under `urn` as a `T`; see [`User::extension`](crate::User::extension).
    ///
    /// # Errors
    ///
    /// When the stored JSON does not deserialize into `T`.
    pub fn extension<T: DeserializeOwned>(
        &self,
        urn: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        extension::get(&self.extra, urn)
    }

    /// Stores `value` as the extension `urn` and adds `urn` to `schemas`.
    ///
    /// # Errors
    ///
    /// When `value` fails to serialize.
    pub fn set_extension<T: Serialize + ?Sized>(
        &mut self,
        urn: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        extension::set(&mut self.extra, &mut self.schemas, urn, value)
    }

    /// Removes the extension `urn` (and its `schemas` entry), returning its JSON if present.
    pub fn remove_extension(&mut self, urn: &str) -> Option<Value> {
        extension::remove(&mut self.extra, &mut self.schemas, urn)
    }

    /// Appends a member.
    #[must_use]
    pub fn with_member(mut self, member: Member) -> Self {
        self.members.push(member);
        self
    }
}

scim_object! {
    /// A member of a [`Group`] (`members`, RFC 7643 §4.2).
    pub struct Member {
        /// The member's resource `id` (`value`).
        pub value: Option<String> = "value" as opt,
        /// The member's URI (`$ref`).
        pub ref_: Option<String> = "$ref" as opt,
        /// The member's display name (`display`).
        pub display: Option<String> = "display" as opt,
        /// `"User"` or `"Group"` (`type`).
        pub type_: Option<String> = "type" as opt,
    }
}

impl Member {
    /// A member by resource id, with no type.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// A member that is a User.
    pub fn user(value: impl Into<String>) -> Self {
        Self::new(value).with_type("User")
    }

    /// A member that is a Group.
    pub fn group(value: impl Into<String>) -> Self {
        Self::new(value).with_type("Group")
    }

    /// Sets `type`.
    #[must_use]
    pub fn with_type(mut self, v: impl Into<String>) -> Self {
        self.type_ = Some(v.into());
        self
    }

    /// Sets `display`.
    #[must_use]
    pub fn with_display(mut self, v: impl Into<String>) -> Self {
        self.display = Some(v.into());
        self
    }

    /// Sets `$ref`.
    #[must_use]
    pub fn with_ref(mut self, v: impl Into<String>) -> Self {
        self.ref_ = Some(v.into());
        self
    }
}
