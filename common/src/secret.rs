//! Secret newtypes: one distinct type per kind of credential, so a SCIM token cannot be
//! passed where an API key belongs, and none of them can leak through `Debug`.
//!
//! Each type wraps a [`secrecy::SecretString`] (zeroised on drop, redacted `Debug`).
//! The secret is exposed in one place only: where the transport builds the auth header,
//! which it marks sensitive so that HTTP logging layers skip it.

/// Defines a credential newtype over [`SecretString`](secrecy::SecretString) with a
/// redacting `Debug`, a `new` constructor and crate-visible access to the secret.
///
/// Vendor crates use it to give every credential its own type (`ScimToken`, `ApiToken`,
/// `ApiSecret`, …), which is what makes mixing them up a compile error.
///
/// ```
/// idgraph_common::secret_type! {
///     /// The bearer token of a SCIM configuration.
///     pub struct ScimToken;
/// }
///
/// let token = ScimToken::new("s3cr3t");
/// assert_eq!(format!("{token:?}"), "ScimToken([redacted])");
/// ```
#[macro_export]
macro_rules! secret_type {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Clone)]
        $vis struct $name($crate::secrecy::SecretString);

        impl $name {
            /// Wraps a secret value. The value is zeroised when the last copy is dropped
            /// and never appears in `Debug` output.
            pub fn new(value: impl ::core::convert::Into<::std::string::String>) -> Self {
                Self($crate::secrecy::SecretString::from(value.into()))
            }

            /// The wrapped secret, for building an auth provider.
            ///
            /// Call `expose_secret()` on it only where the value is put on the wire.
            pub fn secret(&self) -> &$crate::secrecy::SecretString {
                &self.0
            }
        }

        impl ::core::convert::From<$crate::secrecy::SecretString> for $name {
            fn from(secret: $crate::secrecy::SecretString) -> Self {
                Self(secret)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    crate::secret_type! {
        /// Test credential.
        pub struct TestKey;
    }

    #[test]
    fn debug_is_redacted_and_secret_is_kept() {
        use secrecy::ExposeSecret;
        let k = TestKey::new("hunter2");
        assert_eq!(format!("{k:?}"), "TestKey([redacted])");
        assert_eq!(format!("{:#?}", k.clone()), "TestKey([redacted])");
        assert_eq!(k.secret().expose_secret(), "hunter2");
    }
}
