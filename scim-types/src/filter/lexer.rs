//! Tokens of the filter and PATCH-path grammars.
//!
//! Words are maximal runs of characters other than whitespace, `(`, `)`, `[`, `]` and `"`;
//! the parser decides whether a word is a keyword, an attribute path or a number. Strings are
//! JSON strings (RFC 8259 §7) and are decoded here.

use super::{FilterError, FilterErrorKind};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'a> {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Str(String),
    Word(&'a str),
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub(crate) tok: Tok<'a>,
    /// Byte offset of the token's first character.
    pub(crate) start: usize,
    /// Whether whitespace came right before this token.
    pub(crate) ws_before: bool,
    /// Byte offset where that whitespace started (`start` when there was none).
    pub(crate) ws_start: usize,
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'[' | b']' | b'"') || b.is_ascii_whitespace()
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Self { input, pos: 0 }
    }

    pub(crate) fn input(&self) -> &'a str {
        self.input
    }

    pub(crate) fn next_token(&mut self) -> Result<Token<'a>, FilterError> {
        let bytes = self.input.as_bytes();
        let before = self.pos;
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let ws_before = self.pos > before;
        let start = self.pos;
        let Some(&b) = bytes.get(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                ws_before,
                ws_start: before,
            });
        };
        let tok = match b {
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b'"' => return self.string(start, ws_before, before),
            _ => {
                let mut end = start;
                // Multi-byte UTF-8 never contains ASCII bytes, so a byte scan stays on
                // character boundaries.
                while end < bytes.len() && !is_delim(bytes[end]) {
                    end += 1;
                }
                self.pos = end;
                return Ok(Token {
                    tok: Tok::Word(&self.input[start..end]),
                    start,
                    ws_before,
                    ws_start: before,
                });
            }
        };
        self.pos += 1;
        Ok(Token {
            tok,
            start,
            ws_before,
            ws_start: before,
        })
    }

    fn string(
        &mut self,
        start: usize,
        ws_before: bool,
        ws_start: usize,
    ) -> Result<Token<'a>, FilterError> {
        let bytes = self.input.as_bytes();
        let body = start + 1;
        let mut i = body;
        // Fast path: no escapes, the string is a slice of the input.
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Token {
                        tok: Tok::Str(self.input[body..i].to_owned()),
                        start,
                        ws_before,
                        ws_start,
                    });
                }
                b'\\' => break,
                c if c < 0x20 => return Err(self.control_char(i)),
                _ => i += 1,
            }
        }
        let mut out = String::with_capacity(i - body + 16);
        out.push_str(&self.input[body..i]);
        loop {
            let Some(&c) = bytes.get(i) else {
                return Err(self.err(i, "closing '\"' of the string"));
            };
            match c {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Token {
                        tok: Tok::Str(out),
                        start,
                        ws_before,
                        ws_start,
                    });
                }
                b'\\' => {
                    let Some(&e) = bytes.get(i + 1) else {
                        return Err(self.err(i + 1, "escape character after '\\'"));
                    };
                    i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let (ch, next) = self.unicode_escape(i - 2)?;
                            out.push(ch);
                            i = next;
                        }
                        _ => {
                            return Err(self.err(
                                i - 1,
                                "escape '\\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t' or '\\uXXXX'",
                            ));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.control_char(i)),
                _ => {
                    // Copy the run up to the next quote, backslash or control character.
                    let run = i;
                    while i < bytes.len()
                        && bytes[i] != b'"'
                        && bytes[i] != b'\\'
                        && bytes[i] >= 0x20
                    {
                        i += 1;
                    }
                    out.push_str(&self.input[run..i]);
                }
            }
        }
    }

    /// Decodes `\uXXXX` (and a following low surrogate) starting at the backslash `at`;
    /// returns the character and the offset after the escape.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), FilterError> {
        let hi = self.hex4(at + 2)?;
        if (0xDC00..0xE000).contains(&hi) {
            return Err(self.err(
                at,
                "a high surrogate (\\uD800-\\uDBFF) before a low surrogate",
            ));
        }
        if !(0xD800..0xDC00).contains(&hi) {
            return match char::from_u32(hi) {
                Some(c) => Ok((c, at + 6)),
                None => Err(self.err(at, "a valid Unicode escape")),
            };
        }
        let bytes = self.input.as_bytes();
        let low_at = at + 6;
        if bytes.get(low_at) != Some(&b'\\') || bytes.get(low_at + 1) != Some(&b'u') {
            return Err(self.err(low_at, "a low surrogate escape (\\uDC00-\\uDFFF)"));
        }
        let lo = self.hex4(low_at + 2)?;
        if !(0xDC00..0xE000).contains(&lo) {
            return Err(self.err(low_at, "a low surrogate escape (\\uDC00-\\uDFFF)"));
        }
        let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        match char::from_u32(code) {
            Some(c) => Ok((c, low_at + 6)),
            None => Err(self.err(at, "a valid Unicode escape")),
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, FilterError> {
        let bytes = self.input.as_bytes();
        let mut v = 0u32;
        for k in 0..4 {
            let d = bytes
                .get(at + k)
                .and_then(|b| char::from(*b).to_digit(16))
                .ok_or_else(|| self.err(at + k, "four hex digits after '\\u'"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn control_char(&self, at: usize) -> FilterError {
        self.err(
            at,
            "an escaped control character (raw control characters are not allowed in strings)",
        )
    }

    pub(crate) fn err(&self, at: usize, expected: &'static str) -> FilterError {
        FilterError::at(self.input, at, FilterErrorKind::Syntax, expected)
    }
}
