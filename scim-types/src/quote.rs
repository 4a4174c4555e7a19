//! Caller input as an error message quotes it.
//!
//! `idgraph_common::error::quote` does this for the rest of the family; scim-types sits
//! below idgraph-common (it does no I/O and depends on nothing of the family), so it has
//! its own copy of the same rule: control characters escaped, so a `\n` or an ANSI escape
//! in the input cannot forge or hide log lines, and cut to a bounded length, so a
//! megabyte of input does not become a megabyte of error message.

use std::fmt;

/// How many characters of caller input an error quotes (as idgraph-common's `quote`).
pub(crate) const QUOTE_MAX_CHARS: usize = 120;

/// `input` in backticks, control characters escaped, at most [`QUOTE_MAX_CHARS`]
/// characters of it (a cut is marked with `…`).
pub(crate) fn quote(input: &str) -> Quoted<'_> {
    Quoted(input)
}

/// See [`quote`].
#[derive(Clone, Copy)]
pub(crate) struct Quoted<'a>(&'a str);

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
