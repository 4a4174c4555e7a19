//! The canonical printer. It walks the tree with an explicit stack, so printing a tree of any
//! depth cannot overflow the call stack.

use std::fmt::{self, Write};

use super::Filter;

/// Writes `s` as a JSON string: `"` and `\` escaped, control characters as `\n`-style or
/// `\u00XX` escapes, everything else verbatim.
pub(crate) fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        f.write_str(&s[run..i])?;
        if esc.is_empty() {
            write!(f, "\\u{b:04x}")?;
        } else {
            f.write_str(esc)?;
        }
        run = i + 1;
    }
    f.write_str(&s[run..])?;
    f.write_char('"')
}

enum Item<'a> {
    Node(&'a Filter),
    Text(&'static str),
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut stack = vec![Item::Node(self)];
        while let Some(item) = stack.pop() {
            let node = match item {
                Item::Text(t) => {
                    f.write_str(t)?;
                    continue;
                }
                Item::Node(n) => n,
            };
            match node {
                Filter::Compare { attr, op, value } => write!(f, "{attr} {op} {value}")?,
                Filter::Present { attr } => write!(f, "{attr} pr")?,
                Filter::Not(inner) => {
                    f.write_str("not (")?;
                    stack.push(Item::Text(")"));
                    stack.push(Item::Node(inner));
                }
                Filter::ValuePath { attr, filter } => {
                    write!(f, "{attr}[")?;
                    stack.push(Item::Text("]"));
                    stack.push(Item::Node(filter));
                }
                Filter::And(items) => push_operands(&mut stack, items, " and ", true),
                Filter::Or(items) => push_operands(&mut stack, items, " or ", false),
            }
        }
        Ok(())
    }
}

/// Whether `child` needs parentheses as an operand of `and` (`in_and`) or `or`.
///
/// `and` binds tighter than `or`, so an `or` operand of `and` needs them; a nested operand of
/// the same kind needs them too, so that the printed text parses back to the same tree.
pub(crate) fn needs_parens(child: &Filter, in_and: bool) -> bool {
    match child {
        Filter::Or(_) => true,
        Filter::And(_) => in_and,
        _ => false,
    }
}

fn push_operands<'a>(
    stack: &mut Vec<Item<'a>>,
    items: &'a [Filter],
    sep: &'static str,
    in_and: bool,
) {
    // Pushed in reverse so they pop in order.
    for (i, item) in items.iter().enumerate().rev() {
        let parens = needs_parens(item, in_and);
        if parens {
            stack.push(Item::Text(")"));
        }
        stack.push(Item::Node(item));
        if parens {
            stack.push(Item::Text("("));
        }
        if i > 0 {
            stack.push(Item::Text(sep));
        }
    }
}
