//! Typed resource ids, so a group id cannot be passed where a user id belongs.

/// Defines a string newtype id with the conversions every id in the family has.
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a server-assigned id. Ids are opaque: no validation is done.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as the server sent it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the id into its string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        // Written as a string. Read from a string or, leniently, from an integer: a few servers
        // use numeric database ids even though RFC 7643 §3.1 says `id` is a string.
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor).map(Self)
            }
        }
    };
}

struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a resource id (string)")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

string_id! {
    /// The server-assigned `id` of a User (RFC 7643 §3.1).
    ///
    /// ```
    /// use scim_types::UserId;
    /// let id = UserId::new("2819c223-7f76-453a-919d-413861904646");
    /// assert_eq!(id.as_str(), "2819c223-7f76-453a-919d-413861904646");
    /// assert_eq!(serde_json::to_string(&id)?, "\"2819c223-7f76-453a-919d-413861904646\"");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    UserId
}

string_id! {
    /// The server-assigned `id` of a Group (RFC 7643 §3.1).
    ///
    /// ```
    /// use scim_types::GroupId;
    /// let id: GroupId = "e9e30dba".into();
    /// assert_eq!(id.to_string(), "e9e30dba");
    /// ```
    GroupId
}
