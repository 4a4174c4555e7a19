//! The `scim_object!` macro: one definition per SCIM complex type that generates the struct,
//! a hand-written (fast, lenient) `Deserialize`, a strict `Serialize` and a `Debug` that
//! redacts secrets.
//!
//! Why not `#[derive(Deserialize)]` with `#[serde(flatten)] extra`? Flatten buffers every
//! object into an intermediate map before dispatching fields, which makes decoding a page of
//! users several times slower than a plain struct. The generated visitor dispatches each key
//! directly: an exact `match` first (no allocation for known keys), then an
//! ASCII-case-insensitive match (RFC 7643 §2.1: attribute names are case-insensitive), and only
//! keys that are neither are allocated and kept in `extra`, so read → write loses nothing.
//!
//! Field kinds decide how a field is read and written:
//!
//! | kind     | Rust type        | reads                                 | writes            |
//! |----------|------------------|---------------------------------------|-------------------|
//! | `opt`    | `Option<T>`      | `null` → `None`                       | skipped if `None` |
//! | `secret` | `Option<String>` | as `opt`; `Debug` prints `<redacted>` | skipped if `None` |
//! | `flag`   | `Option<bool>`   | `true`, `"False"`, `1`, `""`, `null`  | JSON boolean      |
//! | `list`   | `Vec<T>`         | `null` → empty                        | skipped if empty  |
//! | `text`   | `String`         | `null`/missing → `""`                 | skipped if empty  |

/// See the module documentation.
macro_rules! scim_object {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty = $key:tt as $kind:ident,
            )*
        }
    ) => {
        $(#[$smeta])*
        #[non_exhaustive]
        #[derive(Clone, Default, PartialEq)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
            /// Every attribute this type does not model (unknown attributes and unknown schema
            /// extensions), kept verbatim so that read → write loses nothing.
            ///
            /// Numbers keep their value exactly: an integer that fits `i64` or `u64` digit
            /// for digit, any other number as the correctly rounded nearest `f64`, written
            /// back in the shortest form that reads as the same `f64` (`0.1` stays `0.1`;
            /// the spelling may change: `1E2` is written `100.0`, `-0` as `-0.0`). Two
            /// limits: an integer beyond 64 bits keeps only an `f64`'s precision
            /// (`18446744073709551617` is written `1.8446744073709552e+19`), and a number
            /// beyond `f64`'s range (`1e400`) fails to decode.
            pub extra: ::serde_json::Map<String, ::serde_json::Value>,
        }

        const _: () = {
            use ::serde::de::{MapAccess, Visitor};
            use ::serde::ser::SerializeMap;
            use $crate::lenient::{Fields, Key, KeySeed};

            #[allow(non_camel_case_types)]
            #[derive(Clone, Copy)]
            enum __Field {
                $($field,)*
            }

            impl Fields for __Field {
                #[inline]
                fn lookup(k: &str) -> Option<__Field> {
                    #[allow(unreachable_patterns)]
                    match k {
                        $($key => return Some(__Field::$field),)*
                        _ => {}
                    }
                    $(
                        if k.eq_ignore_ascii_case($key) {
                            return Some(__Field::$field);
                        }
                    )*
                    None
                }
            }

            fn __lookup(k: &str) -> Option<__Field> {
                __Field::lookup(k)
            }

            impl $name {
                /// Whether `key` names an attribute this type models (case-insensitively).
                #[allow(dead_code)]
                pub(crate) fn is_known_key(key: &str) -> bool {
                    __lookup(key).is_some()
                }
            }

            struct __Visitor;

            impl<'de> Visitor<'de> for __Visitor {
                type Value = $name;

                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(concat!("a SCIM ", stringify!($name), " object"))
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                    let mut out = $name::default();
                    while let Some(key) = map.next_key_seed(KeySeed::<__Field>::new())? {
                        match key {
                            $(
                                Key::Known(__Field::$field) => {
                                    out.$field = scim_object!(@de $kind, map);
                                }
                            )*
                            Key::Unknown(k) => {
                                let v: ::serde_json::Value = map.next_value()?;
                                out.extra.insert(k, v);
                            }
                        }
                    }
                    Ok(out)
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_map(__Visitor)
                }
            }

            impl ::serde::Serialize for $name {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    let mut map = s.serialize_map(None)?;
                    $( scim_object!(@ser $kind, map, $key, &self.$field); )*
                    for (k, v) in &self.extra {
                        // A typed field always wins over a same-named entry someone put in
                        // `extra`; writing both would produce a duplicate key.
                        if __lookup(k).is_none() {
                            map.serialize_entry(k, v)?;
                        }
                    }
                    map.end()
                }
            }

            impl ::std::fmt::Debug for $name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    let mut d = f.debug_struct(stringify!($name));
                    $( d.field(stringify!($field), scim_object!(@dbg $kind, &self.$field)); )*
                    d.field("extra", &self.extra);
                    d.finish()
                }
            }
        };
    };

    (@de opt, $map:ident) => { $map.next_value()? };
    (@de secret, $map:ident) => { $map.next_value()? };
    (@de flag, $map:ident) => { $map.next_value::<$crate::lenient::LenientBool>()?.0 };
    (@de list, $map:ident) => { $map.next_value::<Option<_>>()?.unwrap_or_default() };
    (@de text, $map:ident) => { $map.next_value::<Option<String>>()?.unwrap_or_default() };

    (@ser opt, $map:ident, $key:tt, $v:expr) => {
        if let Some(v) = $v { $map.serialize_entry($key, v)?; }
    };
    (@ser secret, $map:ident, $key:tt, $v:expr) => {
        if let Some(v) = $v { $map.serialize_entry($key, v)?; }
    };
    (@ser flag, $map:ident, $key:tt, $v:expr) => {
        if let Some(v) = $v { $map.serialize_entry($key, v)?; }
    };
    (@ser list, $map:ident, $key:tt, $v:expr) => {
        if !$v.is_empty() { $map.serialize_entry($key, $v)?; }
    };
    (@ser text, $map:ident, $key:tt, $v:expr) => {
        if !$v.is_empty() { $map.serialize_entry($key, $v)?; }
    };

    (@dbg secret, $v:expr) => {
        &$v.as_ref().map(|_| $crate::lenient::Redacted)
    };
    (@dbg $other:ident, $v:expr) => { $v };
}

pub(crate) use scim_object;
