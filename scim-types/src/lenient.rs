//! Lenient readers for the shapes real SCIM servers and IdPs actually send.
//!
//! Everything here is `pub(crate)`: the public types decide where leniency applies, and they
//! always write the strict RFC form back.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::{Deserialize, Serializer};

/// An optional boolean that also accepts `"True"`/`"false"` (any case), `0`/`1`, `""` and
/// `null`.
///
/// Entra ID's legacy provisioning sends `"active": "False"`; an empty string or `null` means
/// "unassigned" (RFC 7643 §2.5), so both read as `None`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LenientBool(pub(crate) Option<bool>);

impl<'de> Deserialize<'de> for LenientBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientBoolVisitor).map(LenientBool)
    }
}

struct LenientBoolVisitor;

impl<'de> Visitor<'de> for LenientBoolVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, \"true\"/\"false\" in any case, or null")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.eq_ignore_ascii_case("true") {
            Ok(Some(true))
        } else if v.eq_ignore_ascii_case("false") {
            Ok(Some(false))
        } else if v.trim().is_empty() {
            Ok(None)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// An optional unsigned integer that also accepts a decimal string (`"100"`), `""` and `null`.
///
/// Some servers quote `totalResults`, `startIndex` or `maxResults`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LenientU64(pub(crate) Option<u64>);

impl<'de> Deserialize<'de> for LenientU64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientU64Visitor).map(LenientU64)
    }
}

struct LenientU64Visitor;

impl<'de> Visitor<'de> for LenientU64Visitor {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer, as a number or a decimal string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v)
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // `100.0` is still a count; anything fractional or negative is not.
        if v.fract() == 0.0 && v >= 0.0 && v <= u64::MAX as f64 {
            Ok(Some(v as u64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u64>()
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// An HTTP status code read from `"409"` (RFC 7644 §3.12) or `409` (what many servers send).
pub(crate) fn status<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    match LenientU64::deserialize(d)?.0 {
        Some(v) => u16::try_from(v).map_err(|_| {
            de::Error::invalid_value(de::Unexpected::Unsigned(v), &"an HTTP status code")
        }),
        None => Err(de::Error::invalid_value(
            de::Unexpected::Str(""),
            &"an HTTP status code",
        )),
    }
}

/// Writes a status code the RFC way: as a JSON string.
pub(crate) fn status_as_string<S: Serializer>(v: &u16, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// `Option<bool>` through [`LenientBool`], for `#[serde(deserialize_with)]`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    LenientBool::deserialize(d).map(|b| b.0)
}

/// `Option<u64>` through [`LenientU64`], for `#[serde(deserialize_with)]`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    LenientU64::deserialize(d).map(|b| b.0)
}

/// A `Vec<T>` where `null` means empty (RFC 7643 §2.5: unassigned, null and `[]` are the same).
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(d).map(Option::unwrap_or_default)
}

/// An optional string where `""` reads as absent. Used for enumerated values (`sortOrder`,
/// `scimType`) where an empty string cannot mean anything else.
pub(crate) fn opt_non_empty<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.is_empty())
        .map(T::from))
}

/// Prints `Some(<redacted>)` in place of a secret in `Debug` output.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A map key: one of the type's known attributes, or anything else (kept verbatim).
pub(crate) enum Key<F> {
    Known(F),
    Unknown(String),
}

/// The known attributes of a type, looked up by key.
pub(crate) trait Fields: Sized {
    /// Tries an exact match first and then an ASCII-case-insensitive one, because SCIM
    /// attribute names are case-insensitive (RFC 7643 §2.1).
    fn lookup(key: &str) -> Option<Self>;
}

/// Reads a map key without allocating when it names a known attribute. Generic (not a
/// function pointer) so that the lookup inlines into each type's visitor.
pub(crate) struct KeySeed<F>(pub(crate) std::marker::PhantomData<F>);

impl<F> KeySeed<F> {
    pub(crate) fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, F: Fields> DeserializeSeed<'de> for KeySeed<F> {
    type Value = Key<F>;

    // Inline hint: called once per attribute of every resource; without it the
    // instantiation a downstream crate makes (through a generic page decoder) stays
    // out of line in some codegen-unit splits (300,000 calls for 50,000 users).
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de, F: Fields> Visitor<'de> for KeySeed<F> {
    type Value = Key<F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute name")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match F::lookup(v) {
            Some(k) => Key::Known(k),
            None => Key::Unknown(v.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(match F::lookup(&v) {
            Some(k) => Key::Known(k),
            None => Key::Unknown(v),
        })
    }
}

/// ASCII-case-insensitive membership test for schema URN lists.
pub(crate) fn contains_ci(list: &[String], item: &str) -> bool {
    list.iter().any(|s| s.eq_ignore_ascii_case(item))
}

/// A `bool` through [`LenientBool`], where absent, `null` and `""` read as `false`.
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    LenientBool::deserialize(d).map(|b| b.0.unwrap_or(false))
}
