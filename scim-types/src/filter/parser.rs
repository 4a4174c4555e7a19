//! Recursive-descent parser for filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2).
//!
//! The parser does not recurse: open groups live on an explicit stack (see `Parser::expr`),
//! nesting is capped at [`MAX_DEPTH`], and `and`/`or` chains become n-ary nodes.

use serde_json::Number;

use super::lexer::{Lexer, Tok, Token};
use super::{
    AttrPath, CompValue, CompareOp, Filter, FilterError, FilterErrorKind, MAX_DEPTH, MAX_LEN,
};
use crate::path::PatchPath;

const EXPECT_START: &str = "attribute path, '(' or 'not'";
const EXPECT_OP: &str = "comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le) or 'pr'";
const EXPECT_VALUE: &str = "value (a double-quoted string, a number, true, false or null)";
const EXPECT_ATTR_NAME: &str =
    "attribute name (a letter, then letters, digits, '-' or '_'; or $ref)";

fn check_len(input: &str) -> Result<(), FilterError> {
    if input.len() > MAX_LEN {
        // Point at the first character past the limit.
        let mut at = MAX_LEN;
        while !input.is_char_boundary(at) {
            at -= 1;
        }
        return Err(FilterError::at(
            input,
            at,
            FilterErrorKind::TooLong,
            format!("at most {MAX_LEN} bytes"),
        ));
    }
    Ok(())
}

/// Parses a complete filter.
pub(crate) fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    check_len(input)?;
    let mut p = Parser::new(input)?;
    p.expr(End::Eof, 0, false)
}

/// Parses a lone attribute path (`[urn:…:]name[.sub]`), with nothing around it.
pub(crate) fn parse_attr_path_str(input: &str) -> Result<AttrPath, FilterError> {
    check_len(input)?;
    let mut p = Parser::new(input)?;
    let t = p.bump()?;
    let (path, word_end) = match t.tok {
        Tok::Word(w) if !t.ws_before => (attr_path(input, w, t.start)?, t.start + w.len()),
        _ => return Err(p.err_strict(&t, "attribute path")),
    };
    let end = p.bump()?;
    if end.tok != Tok::Eof || end.ws_before {
        // Point at the first character that is not part of the path (often a space).
        return Err(FilterError::at(
            input,
            word_end,
            FilterErrorKind::Syntax,
            "end of attribute path",
        ));
    }
    Ok(path)
}

/// Parses a PATCH path: `attrPath` or `valuePath [subAttr]` (RFC 7644 §3.5.2).
pub(crate) fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    check_len(input)?;
    let mut p = Parser::new(input)?;
    let t = p.bump()?;
    let attr = match t.tok {
        Tok::Word(w) if !t.ws_before => attr_path(input, w, t.start)?,
        _ => return Err(p.err_strict(&t, "attribute path")),
    };
    let next = p.bump()?;
    match next.tok {
        Tok::Eof if !next.ws_before => return Ok(PatchPath::from_parts(attr, None, None)),
        Tok::LBracket if !next.ws_before => {}
        _ => return Err(p.err_strict(&next, "'[' or end of path")),
    }
    if attr.sub_attr.is_some() {
        return Err(FilterError::at(
            input,
            t.start,
            FilterErrorKind::Syntax,
            "attribute without a sub-attribute before '['",
        ));
    }
    let filter = p.expr(End::Bracket, 1, true)?;
    let after = p.bump()?;
    let sub = match after.tok {
        Tok::Eof if !after.ws_before => None,
        Tok::Word(w) if !after.ws_before && w.starts_with('.') => {
            let name = &w[1..];
            check_name(input, name, after.start + 1, "sub-attribute name")?;
            let end = p.bump()?;
            if end.tok != Tok::Eof || end.ws_before {
                return Err(p.err_strict(&end, "end of path"));
            }
            Some(name.to_owned())
        }
        _ => return Err(p.err_strict(&after, "'.' and a sub-attribute, or end of path")),
    };
    Ok(PatchPath::from_parts(attr, Some(filter), sub))
}

struct Parser<'a> {
    lex: Lexer<'a>,
    peeked: Token<'a>,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Result<Self, FilterError> {
        let mut lex = Lexer::new(input);
        let peeked = lex.next_token()?;
        Ok(Self { lex, peeked })
    }

    fn input(&self) -> &'a str {
        self.lex.input()
    }

    fn bump(&mut self) -> Result<Token<'a>, FilterError> {
        let next = self.lex.next_token()?;
        Ok(std::mem::replace(&mut self.peeked, next))
    }

    fn peek(&self) -> &Token<'a> {
        &self.peeked
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peeked.tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn err_at(&self, t: &Token<'_>, expected: &'static str) -> FilterError {
        FilterError::at(self.input(), t.start, FilterErrorKind::Syntax, expected)
    }

    /// An error where whitespace is not allowed: points at the whitespace if there was some.
    fn err_strict(&self, t: &Token<'_>, expected: &'static str) -> FilterError {
        let at = if t.ws_before { t.ws_start } else { t.start };
        FilterError::at(self.input(), at, FilterErrorKind::Syntax, expected)
    }

    /// Parses `or_expr` up to the end `end` of the outermost group, without recursion: every
    /// open `(`, `not (` and `[` is a [`Frame`] on an explicit stack, so stack use is constant
    /// whatever the input, and nesting is capped at [`MAX_DEPTH`].
    ///
    /// `or_expr = and_expr *("or" and_expr)`, `and_expr = unary *("and" unary)`,
    /// `unary = "(" or_expr ")" / "not" "(" or_expr ")" / attrPath "[" or_expr "]" / attrExp`.
    fn expr(&mut self, end: End, base_depth: usize, in_vp: bool) -> Result<Filter, FilterError> {
        let mut stack = vec![Frame::new(Open::Root(end), in_vp)];
        loop {
            // Read one operand, opening frames for any groups in front of it.
            let mut operand = loop {
                let t = self.bump()?;
                let in_vp = stack.last().is_some_and(|f| f.in_vp);
                // Where a too-deep error points: the opening `(` or `[`.
                let mut at = t.start;
                let open = match t.tok {
                    Tok::LParen => Open::Paren,
                    // `not` is a keyword only before `(`; otherwise it is an attribute named
                    // "not".
                    Tok::Word(w)
                        if w.eq_ignore_ascii_case("not")
                            && matches!(self.peek().tok, Tok::LParen) =>
                    {
                        at = self.bump()?.start;
                        Open::Not
                    }
                    // `not` followed by something that cannot follow an attribute name: the
                    // caller meant the operator and forgot the parentheses the RFC requires.
                    Tok::Word(w) if w.eq_ignore_ascii_case("not") && self.not_without_parens() => {
                        return Err(self.err_at(
                            self.peek(),
                            "'(' after 'not' (the RFC form is not (filter))",
                        ));
                    }
                    Tok::Word(w) => {
                        let attr = attr_path(self.input(), w, t.start)?;
                        if !matches!(self.peek().tok, Tok::LBracket) || self.peek().ws_before {
                            break self.attr_exp(attr)?;
                        }
                        let open = self.bump()?;
                        at = open.start;
                        if in_vp {
                            return Err(self.err_at(
                                &open,
                                "a comparison operator (value paths cannot be nested)",
                            ));
                        }
                        if attr.sub_attr.is_some() {
                            return Err(
                                self.err_at(&t, "attribute without a sub-attribute before '['")
                            );
                        }
                        Open::ValuePath(attr)
                    }
                    _ => return Err(self.err_at(&t, EXPECT_START)),
                };
                if base_depth + stack.len() > MAX_DEPTH {
                    return Err(FilterError::at(
                        self.input(),
                        at,
                        FilterErrorKind::TooDeep,
                        format!("at most {MAX_DEPTH} levels of nesting"),
                    ));
                }
                let in_vp = in_vp || matches!(open, Open::ValuePath(_));
                stack.push(Frame::new(open, in_vp));
            };
            // After an operand: continue the current group, or close it (and maybe its
            // parents) and carry the group on as an operand of the enclosing one.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Err(self.err_at(self.peek(), EXPECT_START));
                };
                top.ands.push(operand);
                if self.peek_keyword("and") {
                    self.bump()?;
                    break;
                }
                if self.peek_keyword("or") {
                    self.bump()?;
                    top.close_and();
                    break;
                }
                let Some(frame) = stack.pop() else {
                    return Err(self.err_at(self.peek(), EXPECT_START));
                };
                let (open, group) = frame.finish();
                let t = self.bump()?;
                operand = match open {
                    Open::Root(End::Eof) => {
                        return match t.tok {
                            Tok::Eof => Ok(group),
                            _ => Err(self.err_at(&t, "'and', 'or' or end of input")),
                        };
                    }
                    Open::Root(End::Bracket) => {
                        return match t.tok {
                            Tok::RBracket => Ok(group),
                            _ => Err(self.err_at(&t, "'and', 'or' or ']'")),
                        };
                    }
                    Open::Paren | Open::Not if t.tok != Tok::RParen => {
                        return Err(self.err_at(&t, "'and', 'or' or ')'"));
                    }
                    Open::Paren => group,
                    Open::Not => Filter::Not(Box::new(group)),
                    Open::ValuePath(attr) => {
                        if t.tok != Tok::RBracket {
                            return Err(self.err_at(&t, "'and', 'or' or ']'"));
                        }
                        let next = self.peek();
                        if matches!(next.tok, Tok::Word(w) if w.starts_with('.')) && !next.ws_before
                        {
                            return Err(self.err_at(
                                next,
                                "'and' or 'or' (a sub-attribute after ']' is only valid in PATCH paths)",
                            ));
                        }
                        Filter::ValuePath {
                            attr,
                            filter: Box::new(group),
                        }
                    }
                };
            }
        }
    }

    fn not_without_parens(&self) -> bool {
        match self.peek().tok {
            Tok::Eof => true,
            Tok::Word(w) => !w.eq_ignore_ascii_case("pr") && CompareOp::from_keyword(w).is_none(),
            _ => false,
        }
    }

    /// `attrPath SP "pr" / attrPath SP compareOp SP compValue`, after the path.
    fn attr_exp(&mut self, attr: AttrPath) -> Result<Filter, FilterError> {
        let t = self.bump()?;
        let Tok::Word(w) = t.tok else {
            return Err(self.err_at(&t, EXPECT_OP));
        };
        if w.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present { attr });
        }
        let Some(op) = CompareOp::from_keyword(w) else {
            return Err(self.err_at(&t, EXPECT_OP));
        };
        let value = self.value()?;
        Ok(Filter::Compare { attr, op, value })
    }

    fn value(&mut self) -> Result<CompValue, FilterError> {
        let t = self.bump()?;
        match t.tok {
            Tok::Str(s) => Ok(CompValue::String(s)),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Ok(CompValue::Bool(true)),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Ok(CompValue::Bool(false)),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Ok(CompValue::Null),
            Tok::Word(w) if w.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
                number(self.input(), w, t.start).map(CompValue::Number)
            }
            _ => Err(self.err_at(&t, EXPECT_VALUE)),
        }
    }
}

/// What ends the outermost group.
#[derive(Clone, Copy)]
enum End {
    /// End of input (a whole filter).
    Eof,
    /// `]` (the value filter of a PATCH path; the caller reads what follows).
    Bracket,
}

/// What opened a group on the parser's stack.
enum Open {
    Root(End),
    Paren,
    Not,
    ValuePath(AttrPath),
}

/// An open group: its `or` operands so far, and the `and` chain being built.
struct Frame {
    open: Open,
    in_vp: bool,
    ors: Vec<Filter>,
    ands: Vec<Filter>,
}

impl Frame {
    fn new(open: Open, in_vp: bool) -> Self {
        Self {
            open,
            in_vp,
            ors: Vec::new(),
            ands: Vec::new(),
        }
    }

    /// Ends the current `and` chain at an `or`.
    fn close_and(&mut self) {
        let ands = std::mem::take(&mut self.ands);
        if let Some(f) = one_or_many(ands, Filter::And) {
            self.ors.push(f);
        }
    }

    fn finish(mut self) -> (Open, Filter) {
        self.close_and();
        let f = one_or_many(self.ors, Filter::Or);
        // A group is finished only after an operand was pushed, so `f` is always `Some`;
        // an empty `And` keeps the type total without a panic path.
        (self.open, f.unwrap_or(Filter::And(Vec::new())))
    }
}

/// One operand as itself, several as an n-ary node, none as `None`.
fn one_or_many(mut items: Vec<Filter>, many: fn(Vec<Filter>) -> Filter) -> Option<Filter> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(many(items)),
    }
}

/// Validates a JSON number (RFC 8259 §6) and converts it.
fn number(input: &str, w: &str, start: usize) -> Result<Number, FilterError> {
    let b = w.as_bytes();
    let mut i = 0;
    let err = |at: usize, what: &'static str| {
        FilterError::at(input, start + at, FilterErrorKind::Syntax, what)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return Err(err(i, "a digit (JSON number)")),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return Err(err(i, "a digit after '.' (JSON number)"));
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return Err(err(i, "a digit in the exponent (JSON number)"));
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if i != b.len() {
        return Err(err(i, "end of number (JSON number)"));
    }
    // Integers stay exact; everything else goes through the standard library's correctly
    // rounded float parser (serde_json's default one may be off by one ULP, which would break
    // `Display` → parse round trips).
    let is_integer = !w.contains(['.', 'e', 'E']);
    if is_integer {
        if let Ok(i) = w.parse::<i64>() {
            return Ok(Number::from(i));
        }
        if let Ok(u) = w.parse::<u64>() {
            return Ok(Number::from(u));
        }
    }
    w.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .ok_or_else(|| err(0, "a number within the range of a 64-bit float"))
}

/// Splits and validates `[urn ":"] name ["." sub]` found at byte offset `start`.
fn attr_path(input: &str, w: &str, start: usize) -> Result<AttrPath, FilterError> {
    let (urn, rest, rest_off) = match w.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("urn:") => {
            let Some(colon) = w.rfind(':') else {
                return Err(FilterError::at(
                    input,
                    start,
                    FilterErrorKind::Syntax,
                    EXPECT_ATTR_NAME,
                ));
            };
            check_urn(input, &w[..colon], start)?;
            (Some(&w[..colon]), &w[colon + 1..], colon + 1)
        }
        _ => (None, w, 0),
    };
    let (name, sub) = match rest.find('.') {
        Some(dot) => (&rest[..dot], Some((&rest[dot + 1..], dot + 1))),
        None => (rest, None),
    };
    check_name(input, name, start + rest_off, EXPECT_ATTR_NAME)?;
    let sub_attr = match sub {
        None => None,
        Some((sub, off)) => {
            check_name(
                input,
                sub,
                start + rest_off + off,
                "sub-attribute name (at most one '.')",
            )?;
            Some(sub.to_owned())
        }
    };
    Ok(AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub_attr,
        invalid: None,
    })
}

/// `ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_")`, plus `$ref` (RFC 7643 §2.4).
fn check_name(
    input: &str,
    name: &str,
    start: usize,
    expected: &'static str,
) -> Result<(), FilterError> {
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    let bad = name.char_indices().find(|&(i, c)| {
        if i == 0 {
            !c.is_ascii_alphabetic()
        } else {
            !(c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
    });
    match bad {
        _ if name.is_empty() => Err(FilterError::at(
            input,
            start,
            FilterErrorKind::Syntax,
            expected,
        )),
        Some((i, _)) => Err(FilterError::at(
            input,
            start + i,
            FilterErrorKind::Syntax,
            expected,
        )),
        None => Ok(()),
    }
}

/// A schema URN: `urn:` NID `:` NSS, segments non-empty, URN characters only (RFC 8141).
fn check_urn(input: &str, urn: &str, start: usize) -> Result<(), FilterError> {
    const EXPECT: &str = "schema URN (urn:<nid>:<nss>) followed by ':' and an attribute name";
    let mut offset = 0;
    let mut segments = 0;
    for seg in urn.split(':') {
        let ok_chars = seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~!$&'*+,;=@/%".contains(c));
        if seg.is_empty() || !ok_chars {
            return Err(FilterError::at(
                input,
                start + offset,
                FilterErrorKind::Syntax,
                EXPECT,
            ));
        }
        offset += seg.len() + 1;
        segments += 1;
    }
    if segments < 3 {
        return Err(FilterError::at(
            input,
            start,
            FilterErrorKind::Syntax,
            EXPECT,
        ));
    }
    Ok(())
}
