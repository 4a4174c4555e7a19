//! Caller input (an email, an id, an attribute path) as an error message quotes it: in
//! backticks, control characters escaped, so a `\n` or an ANSI escape in the input cannot
//! forge or hide log lines, and cut to [`QUOTE_MAX_CHARS`] characters, so a megabyte of
//! input does not become a megabyte of error message.
//!
//! The one implementation of this rule in the family: scim-types is its lowest crate, and
//! `idgraph_common::error::quote` re-exports this one.
//!
//! ```
//! use scim_types::quote::quote;
//!
//! assert_eq!(quote("jane@example.com").to_string(), "`jane@example.com`");
//! assert_eq!(quote("a\nFAKE LOG LINE\u{1b}[2J").to_string(), "`a\\nFAKE LOG LINE\\u{1b}[2J`");
//! assert_eq!(quote(&"x".repeat(500)).to_string().chars().count(), 2 + 120 + 1);
//! ```

use std::fmt;

/// How many characters of caller input an error quotes ([`quote`]).
pub const QUOTE_MAX_CHARS: usize = 120;

/// `input` in backticks, control characters escaped, at most [`QUOTE_MAX_CHARS`]
/// characters of it (a cut is marked with `…`).
pub fn quote(input: &str) -> Quoted<'_> {
    Quoted(input)
}

/// Caller input as an error message shows it; see [`quote`].
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`")?;
        for (n, ch) in self.0.chars().enumerate() {
            if n == QUOTE_MAX_CHARS {
                f.write_str("…")?;
                break;
            }
            if ch.is_control() {
                write!(f, "{}", ch.escape_default())?;
            } else {
                write!(f, "{ch}")?;
            }
        }
        f.write_str("`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bounds() {
        assert_eq!(quote("name").to_string(), "`name`");
        assert_eq!(quote("a\nb\u{1b}[2J").to_string(), "`a\\nb\\u{1b}[2J`");
        let long = quote(&"x".repeat(10_000)).to_string();
        assert_eq!(long.chars().count(), 1 + QUOTE_MAX_CHARS + 1 + 1);
        assert!(long.ends_with("…`"));
    }
}
