//! Source directories read from files: [`CsvSource`] (CSV with a header) and
//! [`JsonSource`] (a JSON array of objects, or JSON Lines), each giving a [`Listing`] of
//! every person in the file, or a [`SourceError`] listing every bad row.
//!
//! A source never drops a person silently: a row that cannot be read (no email, an email
//! that is not an address, a bad boolean, the same email or link key twice, the wrong
//! number of fields, invalid UTF-8, malformed JSON) makes the whole load fail, and the
//! error names the line, the field and the reason of each problem, not only the first.
//! A plan made from a file with a person missing would deprovision that person.
//!
//! The fields read, and their default column (or key) names:
//!
//! | [`SourceField`] | Default name | Read as |
//! |---|---|---|
//! | `Email` | `email` | required; one `@`, a dotted domain, no white space |
//! | `GivenName` | `given_name` | text; empty is none |
//! | `FamilyName` | `family_name` | text; empty is none |
//! | `DisplayName` | `display_name` | text; empty is none |
//! | `ExternalId` | `external_id` | the link key; empty is none; unique in the file |
//! | `Active` | `active` | `true`/`false`/`1`/`0`/`yes`/`no` (any case); empty is `true` |
//! | `Groups` | `groups` | names separated by `;` (configurable); empty is none |
//! | `Role` | `role`, only when configured (`column(SourceField::Role, "role")`) | text; empty is none |
//!
//! Emails are unique in a file compared case-insensitively, link keys exactly. Problems
//! quote no email or link key (only their line numbers), so an error can be logged.
//!
//! ```
//! use idgraph_common::graph::source::CsvSource;
//!
//! let csv = "\
//! mail,first,last,active,employee_id,teams
//! ada@example.com,Ada,Lovelace,yes,E1,Engineering|On call
//! grace@example.com,Grace,Hopper,no,E2,
//! ";
//! let listing = CsvSource::from_reader(csv.as_bytes())
//!     .column_names([("email", "mail"), ("given_name", "first"), ("family_name", "last")])
//!     .link_key("employee_id")
//!     .column(idgraph_common::graph::source::SourceField::Groups, "teams")
//!     .no_column(idgraph_common::graph::source::SourceField::DisplayName)
//!     .groups_separator("|")
//!     .load()?;
//! let ada = &listing.users()[0];
//! assert_eq!(ada.external_id(), Some("E1"));
//! assert_eq!(ada.groups(), ["Engineering", "On call"]);
//! assert!(!listing.users()[1].is_active());
//! # Ok::<(), idgraph_common::graph::source::SourceError>(())
//! ```
#![cfg(feature = "sources")]
#![cfg_attr(docsrs, doc(cfg(feature = "sources")))]

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::listing::Listing;
use super::user::DirectoryUser;
use crate::error::{Error, quote};

/// How many problems [`SourceError`]'s `Display` lists before `… and N more`.
const SHOWN: usize = 50;

/// A field of [`DirectoryUser`] that a source fills from one column (CSV) or key (JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceField {
    /// [`DirectoryUser::email`]; required in every row.
    Email,
    /// [`DirectoryUser::given_name`].
    GivenName,
    /// [`DirectoryUser::family_name`].
    FamilyName,
    /// [`DirectoryUser::display_name`].
    DisplayName,
    /// [`DirectoryUser::external_id`]: the link key, unique in the file.
    ExternalId,
    /// [`DirectoryUser::role`]: read only when a column is configured for it
    /// (`.column(SourceField::Role, "role")`), since most exports have none.
    Role,
    /// [`DirectoryUser::is_active`].
    Active,
    /// [`DirectoryUser::groups`].
    Groups,
}

impl SourceField {
    /// Every field, in the order of the default CSV header ([`Role`](Self::Role) is not
    /// in it unless configured).
    pub const ALL: [SourceField; 8] = [
        SourceField::Email,
        SourceField::GivenName,
        SourceField::FamilyName,
        SourceField::DisplayName,
        SourceField::ExternalId,
        SourceField::Role,
        SourceField::Active,
        SourceField::Groups,
    ];

    /// The default column (or key) name: `email`, `given_name`, `family_name`,
    /// `display_name`, `external_id`, `role`, `active`, `groups`.
    pub fn default_name(self) -> &'static str {
        match self {
            SourceField::Email => "email",
            SourceField::GivenName => "given_name",
            SourceField::FamilyName => "family_name",
            SourceField::DisplayName => "display_name",
            SourceField::ExternalId => "external_id",
            SourceField::Role => "role",
            SourceField::Active => "active",
            SourceField::Groups => "groups",
        }
    }

    /// The field whose default name is `name` (for [`CsvSource::column_names`]).
    pub fn from_default_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.default_name() == name)
    }

    fn index(self) -> usize {
        match self {
            SourceField::Email => 0,
            SourceField::GivenName => 1,
            SourceField::FamilyName => 2,
            SourceField::DisplayName => 3,
            SourceField::ExternalId => 4,
            SourceField::Role => 5,
            SourceField::Active => 6,
            SourceField::Groups => 7,
        }
    }
}

/// One problem found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowProblem {
    /// The line (1-based) the row starts on; `None` for a problem with the input as a
    /// whole (it could not be opened).
    pub line: Option<u64>,
    /// The column (CSV) or key (JSON) the problem is in, by name; `None` for a problem
    /// with the whole row or file.
    pub column: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            // A column name comes from the file's header: quoted escaped and bounded.
            (Some(line), Some(col)) => {
                write!(f, "line {line}, field {}: {}", quote(col), self.kind)
            }
            (Some(line), None) => write!(f, "line {line}: {}", self.kind),
            (None, Some(col)) => write!(f, "field {}: {}", quote(col), self.kind),
            (None, None) => write!(f, "{}", self.kind),
        }
    }
}

/// What is wrong in a [`RowProblem`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The row has no email (empty, or the key is absent or `null`).
    MissingEmail,
    /// The email is not an address.
    NotAnEmail {
        /// Why (the address itself is not quoted).
        reason: &'static str,
    },
    /// The active flag is none of `true`, `false`, `1`, `0`, `yes`, `no` (or empty).
    BadBoolean {
        /// The value found (at most 40 characters of it).
        value: String,
    },
    /// The email was already on an earlier row (compared case-insensitively).
    DuplicateEmail {
        /// The line of the first row with it.
        first_line: u64,
    },
    /// The link key was already on an earlier row.
    DuplicateLinkKey {
        /// The line of the first row with it.
        first_line: u64,
    },
    /// A CSV row with another number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The text is not valid UTF-8.
    InvalidUtf8,
    /// The JSON is malformed: `column` (1-based) on the problem's line.
    MalformedJson {
        /// Where on the line.
        column: u64,
        /// What the parser expected.
        detail: String,
    },
    /// A JSON row (array element or line) that is not an object.
    NotAnObject,
    /// A JSON value of the wrong type.
    WrongType {
        /// What the field takes.
        expected: &'static str,
    },
    /// The CSV header has no column of this name (configure it with
    /// [`CsvSource::column`], or say the file has none with [`CsvSource::no_column`]).
    MissingColumn,
    /// The CSV header has this column more than once, so which one to read is unknown.
    DuplicateColumn,
    /// The input holds nothing at all (not even a CSV header, or `[]`): taken for a
    /// truncated export rather than a directory with nobody in it.
    Empty,
    /// The input could not be read.
    Unreadable {
        /// The I/O error.
        detail: String,
    },
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::MissingEmail => f.write_str("no email (every person needs one)"),
            ProblemKind::NotAnEmail { reason } => write!(f, "not an email address: {reason}"),
            ProblemKind::BadBoolean { value } => write!(
                f,
                "{} is not a boolean (true, false, 1, 0, yes, no, or empty for true)",
                quote(value)
            ),
            ProblemKind::DuplicateEmail { first_line } => {
                write!(f, "the same email as line {first_line}")
            }
            ProblemKind::DuplicateLinkKey { first_line } => {
                write!(f, "the same link key as line {first_line}")
            }
            ProblemKind::FieldCount { expected, found } => write!(
                f,
                "{found} field(s) where the header has {expected} (an unquoted separator, or an unclosed quote?)"
            ),
            ProblemKind::InvalidUtf8 => f.write_str("not valid UTF-8"),
            ProblemKind::MalformedJson { column, detail } => {
                write!(f, "malformed JSON at column {column}: {detail}")
            }
            ProblemKind::NotAnObject => f.write_str("not a JSON object"),
            ProblemKind::WrongType { expected } => write!(f, "expected {expected}"),
            ProblemKind::MissingColumn => f.write_str("no such column in the header"),
            ProblemKind::DuplicateColumn => f.write_str("the header has this column twice"),
            ProblemKind::Empty => f.write_str(
                "the input is empty (a source with nobody in it is a CSV header alone, or `[]`)",
            ),
            ProblemKind::Unreadable { detail } => write!(f, "cannot be read: {detail}"),
        }
    }
}

/// A source file that was not loaded, with every problem found in it.
///
/// `Display` lists the first 50 problems and says how many more there are;
/// [`problems`](Self::problems) has them all. Converts into
/// [`Error::InvalidInput`] with the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    origin: String,
    problems: Vec<RowProblem>,
}

impl SourceError {
    /// The input, as named in the message (its path, or the name given to the source).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Every problem, in the order of the file.
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was not loaded (no user was read from it): {} problem(s)",
            self.origin,
            self.problems.len()
        )?;
        for p in self.problems.iter().take(SHOWN) {
            write!(f, "\n  {p}")?;
        }
        if self.problems.len() > SHOWN {
            write!(f, "\n  … and {} more", self.problems.len() - SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::invalid_input(e.to_string())
    }
}

/// Where a source reads from.
enum Input<'r> {
    Path(PathBuf),
    Reader(Box<dyn Read + Send + 'r>),
}

impl<'r> Input<'r> {
    fn origin(&self, name: Option<&str>) -> String {
        match (name, self) {
            (Some(n), _) => n.to_owned(),
            (None, Input::Path(p)) => p.display().to_string(),
            (None, Input::Reader(_)) => "the source".to_owned(),
        }
    }

    fn open(self) -> Result<Box<dyn Read + Send + 'r>, std::io::Error> {
        match self {
            Input::Path(p) => Ok(Box::new(File::open(p)?)),
            Input::Reader(r) => Ok(r),
        }
    }
}

impl fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Input::Reader(_) => f.write_str("Reader(..)"),
        }
    }
}

/// What both sources share: the field names and the groups separator.
#[derive(Debug, Clone)]
struct Fields {
    names: [Option<String>; 8],
    separator: String,
}

impl Default for Fields {
    fn default() -> Self {
        Self {
            // The role is opt-in: most exports have no such column.
            names: SourceField::ALL
                .map(|f| (f != SourceField::Role).then(|| f.default_name().to_owned())),
            separator: ";".to_owned(),
        }
    }
}

impl Fields {
    fn name(&self, field: SourceField) -> Option<&str> {
        self.names[field.index()].as_deref()
    }

    fn set(&mut self, field: SourceField, name: Option<String>) {
        self.names[field.index()] = name;
    }

    fn set_defaults<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (default, name) in pairs {
            if let Some(field) = SourceField::from_default_name(default) {
                self.set(field, Some(name.to_owned()));
            }
        }
    }

    fn groups(&self, text: &str) -> Vec<String> {
        let sep = self.separator.as_str();
        if sep.is_empty() {
            let g = text.trim();
            return if g.is_empty() {
                Vec::new()
            } else {
                vec![g.to_owned()]
            };
        }
        text.split(sep)
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

macro_rules! shared_setters {
    () => {
        /// Reads `field` from the column (CSV) or key (JSON) `name` instead of its
        /// default name ([`SourceField::default_name`]).
        pub fn column(mut self, field: SourceField, name: impl Into<String>) -> Self {
            self.fields.set(field, Some(name.into()));
            self
        }

        /// Renames several fields at once, each given by its default name:
        /// `[("email", "mail"), ("external_id", "employee_id")]`. Pairs whose first
        /// name is no field's default are ignored.
        pub fn column_names<'a>(
            mut self,
            pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        ) -> Self {
            self.fields.set_defaults(pairs);
            self
        }

        /// The file has no column for `field`: it stays empty (`active` stays `true`).
        /// The email cannot be left out: a source without one fails to load.
        pub fn no_column(mut self, field: SourceField) -> Self {
            self.fields.set(field, None);
            self
        }

        /// The column (or key) holding the link key, the source's stable id for a
        /// person ([`DirectoryUser::external_id`]); `external_id` by default. The same as
        /// `.column(SourceField::ExternalId, name)`.
        pub fn link_key(self, name: impl Into<String>) -> Self {
            self.column(SourceField::ExternalId, name)
        }

        /// What separates group names in one value (`;` by default). An empty
        /// separator reads the whole value as one group.
        pub fn groups_separator(mut self, separator: impl Into<String>) -> Self {
            self.fields.separator = separator.into();
            self
        }

        /// The name the error message gives the input (by default its path, or
        /// `the source` for a reader).
        pub fn name(mut self, name: impl Into<String>) -> Self {
            self.name = Some(name.into());
            self
        }
    };
}

/// A CSV file with a header row, read into a [`Listing`].
///
/// Columns are found by header name (case-insensitively; extra columns are ignored);
/// by default the header is `email,given_name,family_name,display_name,external_id,
/// active,groups`, and every configured column must be in it (say which the file lacks
/// with [`no_column`](Self::no_column)). Quoted fields may hold separators, quotes
/// (doubled) and line breaks; a UTF-8 byte order mark and CRLF line endings are
/// accepted; blank lines are skipped. Values are trimmed.
///
/// ```
/// use idgraph_common::graph::source::{CsvSource, ProblemKind};
///
/// let csv = "\
/// email,given_name,family_name,display_name,external_id,active,groups
/// ada@example.com,Ada,Lovelace,\"Lovelace, Ada\",00u1,true,Engineering;On call
/// ,Grace,Hopper,Grace Hopper,00u2,true,
/// alan@example.com,Alan,Turing,Alan Turing,00u3,maybe,
/// ";
/// let err = CsvSource::from_reader(csv.as_bytes()).load().unwrap_err();
/// let lines: Vec<_> = err.problems().iter().map(|p| (p.line, p.column.as_deref())).collect();
/// assert_eq!(lines, [(Some(3), Some("email")), (Some(4), Some("active"))]);
/// assert_eq!(err.problems()[0].kind, ProblemKind::MissingEmail);
/// println!("{err}");
/// ```
#[derive(Debug)]
#[must_use = "a source does nothing until loaded"]
pub struct CsvSource<'r> {
    input: Input<'r>,
    fields: Fields,
    delimiter: u8,
    name: Option<String>,
}

impl CsvSource<'static> {
    /// Reads the file at `path` (opened by [`load`](Self::load)).
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        Self::with_input(Input::Path(path.as_ref().to_path_buf()))
    }
}

impl<'r> CsvSource<'r> {
    /// Reads from `reader` (a file, a byte slice, a network body, …).
    pub fn from_reader(reader: impl Read + Send + 'r) -> Self {
        Self::with_input(Input::Reader(Box::new(reader)))
    }

    fn with_input(input: Input<'r>) -> Self {
        Self {
            input,
            fields: Fields::default(),
            delimiter: b',',
            name: None,
        }
    }

    shared_setters!();

    /// The field delimiter (`,` by default; `b';'` or `b'\t'` for other exports).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Reads the whole file: every person in it, or every problem found.
    pub fn load(self) -> Result<Listing, SourceError> {
        let origin = self.input.origin(self.name.as_deref());
        let mut rows = Rows::new(origin);
        let reader = match self.input.open() {
            Ok(r) => r,
            Err(e) => {
                rows.problem(
                    None,
                    None,
                    ProblemKind::Unreadable {
                        detail: e.to_string(),
                    },
                );
                return rows.finish();
            }
        };
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(reader);
        let mut record = csv::ByteRecord::new();

        // The header.
        let header_line = match csv.read_byte_record(&mut record) {
            Ok(false) => {
                rows.problem(Some(1), None, ProblemKind::Empty);
                return rows.finish();
            }
            Ok(true) => record.position().map_or(1, csv::Position::line),
            Err(e) => {
                rows.problem(Some(1), None, unreadable(&e));
                return rows.finish();
            }
        };
        let mut header: Vec<String> = Vec::with_capacity(record.len());
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => header.push(s.trim_start_matches('\u{feff}').trim().to_owned()),
                Err(_) => {
                    rows.problem(
                        Some(header_line),
                        Some(format!("column {}", i + 1)),
                        ProblemKind::InvalidUtf8,
                    );
                    header.push(String::new());
                }
            }
        }
        let mut index: [Option<usize>; 8] = [None; 8];
        for field in SourceField::ALL {
            let Some(name) = self.fields.name(field) else {
                if field == SourceField::Email {
                    rows.problem(
                        Some(header_line),
                        Some(field.default_name().to_owned()),
                        ProblemKind::MissingColumn,
                    );
                }
                continue;
            };
            let mut at = header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.eq_ignore_ascii_case(name.trim()))
                .map(|(i, _)| i);
            match (at.next(), at.next()) {
                (Some(i), None) => index[field.index()] = Some(i),
                (Some(_), Some(_)) => rows.problem(
                    Some(header_line),
                    Some(name.to_owned()),
                    ProblemKind::DuplicateColumn,
                ),
                (None, _) => rows.problem(
                    Some(header_line),
                    Some(name.to_owned()),
                    ProblemKind::MissingColumn,
                ),
            }
        }
        if !rows.problems.is_empty() {
            // Without the columns no row can be read: the header is the thing to fix.
            return rows.finish();
        }

        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(csv::Position::line);
                    rows.problem(line, None, unreadable(&e));
                    break;
                }
            }
            let line = record.position().map_or(0, csv::Position::line);
            if record.len() != header.len() {
                rows.problem(
                    Some(line),
                    None,
                    ProblemKind::FieldCount {
                        expected: header.len(),
                        found: record.len(),
                    },
                );
                continue;
            }
            let mut cells = Cells::new(line);
            for field in SourceField::ALL {
                let (Some(i), Some(name)) = (index[field.index()], self.fields.name(field)) else {
                    continue;
                };
                let raw = record.get(i).unwrap_or_default();
                let Ok(text) = std::str::from_utf8(raw) else {
                    cells.bad(&mut rows, field, name, ProblemKind::InvalidUtf8);
                    continue;
                };
                let text = text.trim();
                match field {
                    SourceField::Active => match parse_bool(text) {
                        Some(b) => cells.active = b,
                        None => cells.bad(&mut rows, field, name, bad_boolean(text)),
                    },
                    SourceField::Groups => cells.groups = self.fields.groups(text),
                    _ => cells.set_text(field, text),
                }
            }
            rows.admit(cells, &self.fields);
        }
        rows.finish()
    }
}

/// JSON, read into a [`Listing`]: an array of objects (`[{…}, {…}]`), or JSON Lines (one
/// object per line; blank lines are skipped). Which one is told by the first character
/// (`[` is an array). A UTF-8 byte order mark and CRLF line endings are accepted.
///
/// Keys are the same field names as [`CsvSource`]'s columns, matched exactly; a missing
/// key or `null` is empty; other keys are ignored. Besides strings, `active` takes a
/// boolean (or `0`/`1`), `groups` a list of strings (or one string split on the
/// separator), and `external_id` an integer.
///
/// ```
/// use idgraph_common::graph::source::{JsonSource, ProblemKind};
///
/// let lines = r#"{"email": "ada@example.com", "external_id": 1, "groups": ["Engineering"]}
/// {"email": "grace@example.com", "active": false}
/// {"email": "alan@example", "active": "maybe"}
/// "#;
/// let err = JsonSource::from_reader(lines.as_bytes()).load().unwrap_err();
/// assert_eq!(err.problems().len(), 2); // both problems of line 3
/// assert!(err.problems().iter().all(|p| p.line == Some(3)));
///
/// let array = r#"[{"mail": "ada@example.com"}, {"mail": "grace@example.com"}]"#;
/// let listing = JsonSource::from_reader(array.as_bytes())
///     .column_names([("email", "mail")])
///     .load()?;
/// assert_eq!(listing.users().len(), 2);
/// # Ok::<(), idgraph_common::graph::source::SourceError>(())
/// ```
#[derive(Debug)]
#[must_use = "a source does nothing until loaded"]
pub struct JsonSource<'r> {
    input: Input<'r>,
    fields: Fields,
    name: Option<String>,
}

impl JsonSource<'static> {
    /// Reads the file at `path` (opened by [`load`](Self::load)).
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        Self::with_input(Input::Path(path.as_ref().to_path_buf()))
    }
}

impl<'r> JsonSource<'r> {
    /// Reads from `reader` (a file, a byte slice, a network body, …).
    pub fn from_reader(reader: impl Read + Send + 'r) -> Self {
        Self::with_input(Input::Reader(Box::new(reader)))
    }

    fn with_input(input: Input<'r>) -> Self {
        Self {
            input,
            fields: Fields::default(),
            name: None,
        }
    }

    shared_setters!();

    /// Reads the whole input: every person in it, or every problem found.
    pub fn load(self) -> Result<Listing, SourceError> {
        let origin = self.input.origin(self.name.as_deref());
        let mut rows = Rows::new(origin);
        let mut bytes = Vec::new();
        if let Err(e) = self
            .input
            .open()
            .and_then(|mut r| r.read_to_end(&mut bytes))
        {
            rows.problem(
                None,
                None,
                ProblemKind::Unreadable {
                    detail: e.to_string(),
                },
            );
            return rows.finish();
        }
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if body.iter().all(u8::is_ascii_whitespace) {
            rows.problem(Some(1), None, ProblemKind::Empty);
            return rows.finish();
        }
        let is_array = body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'[');

        // Invalid UTF-8, line by line (JSON Lines go on with the other lines).
        let mut lines = Vec::new();
        for (i, raw) in body.split(|b| *b == b'\n').enumerate() {
            let line = i as u64 + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            match std::str::from_utf8(raw) {
                Ok(text) => lines.push((line, Some(text))),
                Err(_) => {
                    rows.problem(Some(line), None, ProblemKind::InvalidUtf8);
                    lines.push((line, None));
                }
            }
        }

        if is_array {
            if !rows.problems.is_empty() {
                return rows.finish();
            }
            let Ok(text) = std::str::from_utf8(body) else {
                return rows.finish();
            };
            for (line, value) in array_elements(text, &mut rows) {
                json_row(&self.fields, &mut rows, line, &value);
            }
        } else {
            for (line, text) in lines {
                let Some(text) = text else { continue };
                if text.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(text) {
                    Ok(value) => json_row(&self.fields, &mut rows, line, &value),
                    Err(e) => rows.problem(Some(line), None, malformed(e.column() as u64, &e)),
                }
            }
        }
        rows.finish()
    }
}

/// One JSON row (an array element or a line) into `rows`.
fn json_row(fields: &Fields, rows: &mut Rows, line: u64, value: &Value) {
    let Value::Object(object) = value else {
        rows.problem(Some(line), None, ProblemKind::NotAnObject);
        return;
    };
    let mut cells = Cells::new(line);
    for field in SourceField::ALL {
        let Some(name) = fields.name(field) else {
            continue;
        };
        let value = object.get(name).unwrap_or(&Value::Null);
        match (field, value) {
            (_, Value::Null) => {}
            (SourceField::Active, Value::Bool(b)) => cells.active = *b,
            (SourceField::Active, Value::String(s)) => match parse_bool(s.trim()) {
                Some(b) => cells.active = b,
                None => cells.bad(rows, field, name, bad_boolean(s.trim())),
            },
            (SourceField::Active, Value::Number(n)) => match n.as_u64() {
                Some(1) => cells.active = true,
                Some(0) => cells.active = false,
                _ => cells.bad(rows, field, name, bad_boolean(&n.to_string())),
            },
            (SourceField::Active, _) => cells.bad(
                rows,
                field,
                name,
                ProblemKind::WrongType {
                    expected: "a boolean",
                },
            ),
            (SourceField::Groups, Value::String(s)) => cells.groups = fields.groups(s),
            (SourceField::Groups, Value::Array(items)) => {
                let mut groups = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(g) if !g.trim().is_empty() => {
                            groups.push(g.trim().to_owned());
                        }
                        Value::String(_) => {}
                        _ => {
                            cells.bad(
                                rows,
                                field,
                                name,
                                ProblemKind::WrongType {
                                    expected: "a list of group names (strings)",
                                },
                            );
                            break;
                        }
                    }
                }
                cells.groups = groups;
            }
            (SourceField::Groups, _) => cells.bad(
                rows,
                field,
                name,
                ProblemKind::WrongType {
                    expected: "a list of group names (strings)",
                },
            ),
            (_, Value::String(s)) => cells.set_text(field, s.trim()),
            (SourceField::ExternalId, Value::Number(n)) if n.is_i64() || n.is_u64() => {
                cells.set_text(field, &n.to_string());
            }
            (SourceField::ExternalId, _) => cells.bad(
                rows,
                field,
                name,
                ProblemKind::WrongType {
                    expected: "a string or an integer",
                },
            ),
            (_, _) => cells.bad(
                rows,
                field,
                name,
                ProblemKind::WrongType {
                    expected: "a string",
                },
            ),
        }
    }
    rows.admit(cells, fields);
}

/// The elements of a JSON array with the line each starts on; a syntax error is a
/// problem and ends the array (what follows cannot be told apart).
fn array_elements(text: &str, rows: &mut Rows) -> Vec<(u64, Value)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let skip = |mut pos: usize| {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        pos
    };
    let fail = |rows: &mut Rows, at: usize, detail: &str| {
        let (line, column) = line_column(text, at);
        rows.problem(
            Some(line),
            None,
            ProblemKind::MalformedJson {
                column,
                detail: detail.to_owned(),
            },
        );
    };
    // The caller saw the `[`.
    let mut pos = skip(skip(0) + 1);
    if bytes.get(pos) == Some(&b']') {
        pos += 1;
    } else {
        loop {
            let start = pos;
            let mut stream =
                serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
            match stream.next() {
                Some(Ok(value)) => {
                    out.push((line_column(text, start).0, value));
                    pos = skip(start + stream.byte_offset());
                }
                Some(Err(e)) => {
                    let (line, column) = line_column(text, start);
                    let (line, column) = if e.line() <= 1 {
                        (line, column + (e.column() as u64).saturating_sub(1))
                    } else {
                        (line + e.line() as u64 - 1, e.column() as u64)
                    };
                    rows.problem(Some(line), None, malformed(column, &e));
                    return out;
                }
                None => {
                    fail(rows, start, "the array is not closed (expected a value)");
                    return out;
                }
            }
            match bytes.get(pos) {
                Some(b',') => pos = skip(pos + 1),
                Some(b']') => {
                    pos += 1;
                    break;
                }
                Some(_) => {
                    fail(rows, pos, "expected `,` or `]`");
                    return out;
                }
                None => {
                    fail(rows, pos, "the array is not closed (expected `,` or `]`)");
                    return out;
                }
            }
        }
    }
    let end = skip(pos);
    if end < bytes.len() {
        fail(rows, end, "trailing characters after the array");
    }
    out
}

/// The 1-based line and column (in characters) of byte offset `at`.
fn line_column(text: &str, at: usize) -> (u64, u64) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.bytes().filter(|b| *b == b'\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before
        .get(line_start..)
        .map_or(0, |s| s.chars().count() as u64)
        + 1;
    (line, column)
}

/// A serde_json error without its own ` at line … column …` (the problem says where).
fn malformed(column: u64, e: &serde_json::Error) -> ProblemKind {
    let text = e.to_string();
    let detail = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    ProblemKind::MalformedJson { column, detail }
}

fn unreadable(e: &csv::Error) -> ProblemKind {
    ProblemKind::Unreadable {
        detail: e.to_string(),
    }
}

fn bad_boolean(text: &str) -> ProblemKind {
    ProblemKind::BadBoolean {
        value: text.chars().take(40).collect(),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "1", "yes"];
    const FALSE: [&str; 3] = ["false", "0", "no"];
    if text.is_empty() || TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// Why `address` is not an email address, if it is not one.
fn email_fault(address: &str) -> Option<&'static str> {
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains white space");
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Some("it has no `@`");
    };
    if local.is_empty() {
        return Some("nothing before the `@`");
    }
    if local.contains('@') {
        return Some("more than one `@`");
    }
    if domain.is_empty() {
        return Some("nothing after the `@`");
    }
    if !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Some("the part after the `@` is not a domain name (like example.com)");
    }
    None
}

/// One row's values, as read.
struct Cells {
    line: u64,
    bad: bool,
    bad_fields: [bool; 8],
    /// The text fields, `Email` to `Role` by [`SourceField::index`].
    text: [Option<String>; 6],
    active: bool,
    groups: Vec<String>,
}

impl Cells {
    fn new(line: u64) -> Self {
        Self {
            line,
            bad: false,
            bad_fields: [false; 8],
            text: Default::default(),
            active: true,
            groups: Vec::new(),
        }
    }

    fn bad(&mut self, rows: &mut Rows, field: SourceField, column: &str, kind: ProblemKind) {
        self.bad = true;
        self.bad_fields[field.index()] = true;
        rows.problem(Some(self.line), Some(column.to_owned()), kind);
    }

    fn set_text(&mut self, field: SourceField, text: &str) {
        if let Some(slot) = self.text.get_mut(field.index())
            && !text.is_empty()
        {
            *slot = Some(text.to_owned());
        }
    }

    fn take(&mut self, field: SourceField) -> Option<String> {
        self.text.get_mut(field.index()).and_then(Option::take)
    }
}

/// The users and problems of one load, and what was seen for the uniqueness checks.
struct Rows {
    origin: String,
    users: Vec<DirectoryUser>,
    problems: Vec<RowProblem>,
    emails: HashMap<String, u64>,
    keys: HashMap<String, u64>,
}

impl Rows {
    fn new(origin: String) -> Self {
        Self {
            origin,
            users: Vec::new(),
            problems: Vec::new(),
            emails: HashMap::new(),
            keys: HashMap::new(),
        }
    }

    fn problem(&mut self, line: Option<u64>, column: Option<String>, kind: ProblemKind) {
        self.problems.push(RowProblem { line, column, kind });
    }

    /// Checks the email and the uniqueness of the row, and keeps the user if the row
    /// has no problem.
    fn admit(&mut self, mut cells: Cells, fields: &Fields) {
        let email_column = fields.name(SourceField::Email).unwrap_or("email");
        let email = cells.take(SourceField::Email);
        match email.as_deref() {
            None if !cells.bad_fields[SourceField::Email.index()] => {
                cells.bad(
                    self,
                    SourceField::Email,
                    email_column,
                    ProblemKind::MissingEmail,
                );
            }
            None => {}
            Some(address) => {
                if let Some(reason) = email_fault(address) {
                    cells.bad(
                        self,
                        SourceField::Email,
                        email_column,
                        ProblemKind::NotAnEmail { reason },
                    );
                } else {
                    let key = address.to_lowercase();
                    if let Some(&first_line) = self.emails.get(&key) {
                        cells.bad(
                            self,
                            SourceField::Email,
                            email_column,
                            ProblemKind::DuplicateEmail { first_line },
                        );
                    } else {
                        self.emails.insert(key, cells.line);
                    }
                }
            }
        }
        let external_id = cells.take(SourceField::ExternalId);
        if let Some(key) = &external_id {
            if let Some(&first_line) = self.keys.get(key) {
                let column = fields
                    .name(SourceField::ExternalId)
                    .unwrap_or("external_id");
                cells.bad(
                    self,
                    SourceField::ExternalId,
                    column,
                    ProblemKind::DuplicateLinkKey { first_line },
                );
            } else {
                self.keys.insert(key.clone(), cells.line);
            }
        }
        let (Some(email), false) = (email, cells.bad) else {
            return;
        };
        let text = |field: SourceField| cells.text.get(field.index()).and_then(Option::as_deref);
        let user = DirectoryUser::builder(&email)
            .active(cells.active)
            .groups(&cells.groups)
            .given_name(text(SourceField::GivenName))
            .family_name(text(SourceField::FamilyName))
            .display_name(text(SourceField::DisplayName))
            .role(text(SourceField::Role))
            .external_id(external_id.as_deref())
            .build();
        self.users.push(user);
    }

    fn finish(self) -> Result<Listing, SourceError> {
        if self.problems.is_empty() {
            Ok(Listing::from_source(self.users))
        } else {
            Err(SourceError {
                origin: self.origin,
                problems: self.problems,
            })
        }
    }
}
