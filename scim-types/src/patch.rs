//! PATCH requests (RFC 7644 §3.5.2) and a builder that validates them.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::PatchPath;
use crate::filter::FilterError;
use crate::lenient::{Fields, Key, KeySeed};
use crate::quote::quote;

/// A PATCH request body (RFC 7644 §3.5.2).
///
/// Reading accepts `op` in any case (`"Replace"`, `"ADD"`, as Entra ID sends), `Operations`
/// in any case, and an empty `path` as absent. Writing is always lowercase `op`,
/// `Operations`, and the PatchOp URN.
///
/// ```
/// use scim_types::{PatchOp, PatchOpKind};
/// let op = PatchOp::builder()
///     .replace("active", false)
///     .add(r#"emails[type eq "work"].value"#, "bjensen@example.com")
///     .remove(r#"members[value eq "2819c223"]"#)
///     .replace_value(serde_json::json!({"displayName": "Babs"}))
///     .build()?;
/// assert_eq!(op.operations.len(), 4);
/// assert_eq!(op.operations[0].op, PatchOpKind::Replace);
/// let json = serde_json::to_value(&op)?;
/// assert_eq!(json["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:PatchOp");
/// assert_eq!(json["Operations"][0], serde_json::json!({"op": "replace", "path": "active", "value": false}));
/// assert_eq!(json["Operations"][3], serde_json::json!({"op": "replace", "value": {"displayName": "Babs"}}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PatchOp {
    /// Message schema URNs (`schemas`).
    pub schemas: Vec<String>,
    /// The operations, applied in order and atomically by the server (`Operations`).
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    /// A PatchOp with these operations and the PatchOp URN. Unlike [`PatchOp::builder`], this
    /// does not check them.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self {
            schemas: vec![crate::urn::PATCH_OP.to_owned()],
            operations,
        }
    }

    /// Starts a validating builder.
    pub fn builder() -> PatchOpBuilder {
        PatchOpBuilder::default()
    }
}

/// The operation kind (`op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchOpKind {
    /// `add`: add values (RFC 7644 §3.5.2.1).
    Add,
    /// `replace`: replace values (§3.5.2.3).
    Replace,
    /// `remove`: remove values (§3.5.2.2).
    Remove,
}

impl PatchOpKind {
    /// The lowercase keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PatchOpKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PatchOpKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PatchOpKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"add\", \"replace\" or \"remove\" in any case")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PatchOpKind, E> {
                [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
                    .into_iter()
                    .find(|k| k.as_str().eq_ignore_ascii_case(v))
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(V)
    }
}

/// One PATCH operation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PatchOperation {
    /// What to do (`op`).
    pub op: PatchOpKind,
    /// Where (`path`); absent for a path-less add/replace whose value is an object of
    /// attributes.
    pub path: Option<PatchPath>,
    /// The value (`value`); absent for most removes.
    pub value: Option<Value>,
}

impl PatchOperation {
    /// An operation from its parts, unchecked.
    pub fn new(op: PatchOpKind, path: Option<PatchPath>, value: Option<Value>) -> Self {
        Self { op, path, value }
    }
}

#[derive(Clone, Copy)]
enum OpField {
    Op,
    Path,
    Value,
}

impl Fields for OpField {
    fn lookup(k: &str) -> Option<OpField> {
        op_field(k)
    }
}

fn op_field(k: &str) -> Option<OpField> {
    if k.eq_ignore_ascii_case("op") {
        Some(OpField::Op)
    } else if k.eq_ignore_ascii_case("path") {
        Some(OpField::Path)
    } else if k.eq_ignore_ascii_case("value") {
        Some(OpField::Value)
    } else {
        None
    }
}

impl<'de> Deserialize<'de> for PatchOperation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PatchOperation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a PATCH operation object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PatchOperation, A::Error> {
                let mut op = None;
                let mut path: Option<PatchPath> = None;
                let mut value = None;
                while let Some(key) = map.next_key_seed(KeySeed::<OpField>::new())? {
                    match key {
                        Key::Known(OpField::Op) => op = Some(map.next_value()?),
                        Key::Known(OpField::Path) => {
                            path = match map.next_value::<Option<String>>()? {
                                Some(s) if !s.is_empty() => {
                                    Some(s.parse().map_err(de::Error::custom)?)
                                }
                                _ => None,
                            };
                        }
                        Key::Known(OpField::Value) => value = map.next_value::<Option<Value>>()?,
                        Key::Unknown(_) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let op = op.ok_or_else(|| de::Error::missing_field("op"))?;
                Ok(PatchOperation { op, path, value })
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for PatchOperation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("op", &self.op)?;
        if let Some(p) = &self.path {
            map.serialize_entry("path", p)?;
        }
        if let Some(v) = &self.value {
            map.serialize_entry("value", v)?;
        }
        map.end()
    }
}

#[derive(Clone, Copy)]
enum Field {
    Schemas,
    Operations,
}

impl Fields for Field {
    fn lookup(k: &str) -> Option<Field> {
        field(k)
    }
}

fn field(k: &str) -> Option<Field> {
    if k.eq_ignore_ascii_case("Operations") {
        Some(Field::Operations)
    } else if k.eq_ignore_ascii_case("schemas") {
        Some(Field::Schemas)
    } else {
        None
    }
}

impl<'de> Deserialize<'de> for PatchOp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PatchOp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SCIM PatchOp object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PatchOp, A::Error> {
                let mut schemas = Vec::new();
                let mut operations = Vec::new();
                while let Some(key) = map.next_key_seed(KeySeed::<Field>::new())? {
                    match key {
                        Key::Known(Field::Schemas) => {
                            schemas = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default();
                        }
                        Key::Known(Field::Operations) => {
                            operations = map
                                .next_value::<Option<Vec<PatchOperation>>>()?
                                .unwrap_or_default();
                        }
                        Key::Unknown(_) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(PatchOp {
                    schemas,
                    operations,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for PatchOp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        if self.schemas.is_empty() {
            map.serialize_entry("schemas", &[crate::urn::PATCH_OP])?;
        } else {
            map.serialize_entry("schemas", &self.schemas)?;
        }
        map.serialize_entry("Operations", &self.operations)?;
        map.end()
    }
}

/// Why [`PatchOpBuilder::build`] failed. Every variant names the operation's 0-based index.
///
/// The message never repeats the [`source()`](std::error::Error::source) (chain printers
/// such as anyhow's `{:#}` show each cause once), and quotes the caller's path escaped and
/// cut to a bounded length.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// A path did not parse.
    #[error("PATCH operation {index}: invalid path {}", quote(.path))]
    InvalidPath {
        /// Index of the operation.
        index: usize,
        /// The path as given.
        path: String,
        /// Where and why it failed.
        source: FilterError,
    },
    /// A value failed to serialize to JSON.
    #[error("PATCH operation {index}: the value does not serialize to JSON")]
    Value {
        /// Index of the operation.
        index: usize,
        /// The serialization error.
        source: serde_json::Error,
    },
    /// A path-less `add`/`replace` was given a value that is not a JSON object.
    #[error(
        "PATCH operation {index}: a path-less {op} needs a JSON object of attributes as its value"
    )]
    ValueNotObject {
        /// Index of the operation.
        index: usize,
        /// The operation kind.
        op: PatchOpKind,
    },
    /// The builder had no operations; RFC 7644 requires at least one.
    #[error("a PATCH request needs at least one operation")]
    Empty,
}

/// Something usable as a PATCH path: a `&str`/`String` (parsed by the builder) or a
/// [`PatchPath`].
pub trait IntoPatchPath: sealed::Sealed {
    /// Converts into a parsed path.
    ///
    /// # Errors
    ///
    /// When a string does not parse as a PATCH path.
    fn into_patch_path(self) -> Result<PatchPath, (String, FilterError)>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for crate::PatchPath {}
    impl Sealed for &crate::PatchPath {}
}

impl IntoPatchPath for &str {
    fn into_patch_path(self) -> Result<PatchPath, (String, FilterError)> {
        self.parse().map_err(|e| (self.to_owned(), e))
    }
}

impl IntoPatchPath for String {
    fn into_patch_path(self) -> Result<PatchPath, (String, FilterError)> {
        self.as_str().into_patch_path()
    }
}

impl IntoPatchPath for &String {
    fn into_patch_path(self) -> Result<PatchPath, (String, FilterError)> {
        self.as_str().into_patch_path()
    }
}

impl IntoPatchPath for PatchPath {
    fn into_patch_path(self) -> Result<PatchPath, (String, FilterError)> {
        Ok(self)
    }
}

impl IntoPatchPath for &PatchPath {
    fn into_patch_path(self) -> Result<PatchPath, (String, FilterError)> {
        Ok(self.clone())
    }
}

/// Builds a [`PatchOp`], checking every path and value; the first problem is returned by
/// [`build`](PatchOpBuilder::build).
///
/// Values are anything `Serialize`: `serde_json::json!(…)`, `bool`, `&str`, your own structs.
#[derive(Debug, Default)]
#[must_use]
pub struct PatchOpBuilder {
    operations: Vec<PatchOperation>,
    error: Option<PatchError>,
}

impl PatchOpBuilder {
    fn push(
        &mut self,
        op: PatchOpKind,
        path: Option<Result<PatchPath, (String, FilterError)>>,
        value: Option<Result<Value, serde_json::Error>>,
    ) {
        if self.error.is_some() {
            return;
        }
        let index = self.operations.len();
        let path = match path.transpose() {
            Ok(p) => p,
            Err((path, source)) => {
                self.error = Some(PatchError::InvalidPath {
                    index,
                    path,
                    source,
                });
                return;
            }
        };
        let value = match value.transpose() {
            Ok(v) => v,
            Err(source) => {
                self.error = Some(PatchError::Value { index, source });
                return;
            }
        };
        if path.is_none() && !matches!(value, Some(Value::Object(_))) {
            self.error = Some(PatchError::ValueNotObject { index, op });
            return;
        }
        self.operations.push(PatchOperation { op, path, value });
    }

    /// `add` at `path`.
    pub fn add(mut self, path: impl IntoPatchPath, value: impl Serialize) -> Self {
        self.push(
            PatchOpKind::Add,
            Some(path.into_patch_path()),
            Some(serde_json::to_value(value)),
        );
        self
    }

    /// Path-less `add`: `object` must serialize to a JSON object of attribute → value.
    pub fn add_value(mut self, object: impl Serialize) -> Self {
        self.push(PatchOpKind::Add, None, Some(serde_json::to_value(object)));
        self
    }

    /// `replace` at `path`.
    pub fn replace(mut self, path: impl IntoPatchPath, value: impl Serialize) -> Self {
        self.push(
            PatchOpKind::Replace,
            Some(path.into_patch_path()),
            Some(serde_json::to_value(value)),
        );
        self
    }

    /// Path-less `replace`: `object` must serialize to a JSON object of attribute → value.
    pub fn replace_value(mut self, object: impl Serialize) -> Self {
        self.push(
            PatchOpKind::Replace,
            None,
            Some(serde_json::to_value(object)),
        );
        self
    }

    /// `remove` at `path` (a path is required).
    pub fn remove(mut self, path: impl IntoPatchPath) -> Self {
        self.push(PatchOpKind::Remove, Some(path.into_patch_path()), None);
        self
    }

    /// Appends an operation built elsewhere, unchecked.
    pub fn operation(mut self, op: PatchOperation) -> Self {
        if self.error.is_none() {
            self.operations.push(op);
        }
        self
    }

    /// The PatchOp, or the first problem found.
    ///
    /// # Errors
    ///
    /// See [`PatchError`].
    pub fn build(self) -> Result<PatchOp, PatchError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.operations.is_empty() {
            return Err(PatchError::Empty);
        }
        Ok(PatchOp::new(self.operations))
    }
}
