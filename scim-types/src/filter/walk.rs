//! Trait impls for [`Filter`] that walk the tree with an explicit heap stack instead of
//! recursing once per level, as the derived ones would.
//!
//! The parser caps nesting at [`MAX_DEPTH`](super::MAX_DEPTH), but a tree built in code has no
//! cap: `f = f.not()` a million times is legal. A recursive walk over such a tree overflows the
//! thread's stack and aborts the process; for `Drop` that would happen even when the caller
//! never looks at the tree. Here depth costs heap, never call stack.
//!
//! Each walk handles children that have no children of their own in place (that recurses one
//! level, no more) and queues only the others, so a shallow filter costs about what the derived
//! impls cost: dropping, comparing or hashing `a and b` or `not (a)` allocates nothing beyond
//! what the derived impls would (`Debug` always uses a small work list).

use std::fmt::{self, Write};
use std::hash::{Hash, Hasher};

use super::Filter;

/// A filter that owns no heap memory, left in place of a child moved out for dropping.
fn hollow() -> Filter {
    Filter::And(Vec::new())
}

/// Whether `f` owns further filters, so that dropping or walking it in place would recurse.
fn has_children(f: &Filter) -> bool {
    match f {
        Filter::Compare { .. } | Filter::Present { .. } => false,
        Filter::And(items) | Filter::Or(items) => !items.is_empty(),
        Filter::Not(_) | Filter::ValuePath { .. } => true,
    }
}

/// Moves every child of `f` that has children of its own onto `stack`, leaving a hollow filter
/// in its place. Childless children stay where they are: dropping them recurses one level.
fn detach_grandchildren(f: &mut Filter, stack: &mut Vec<Filter>) {
    match f {
        Filter::Compare { .. } | Filter::Present { .. } => {}
        Filter::Not(child) | Filter::ValuePath { filter: child, .. } => {
            if has_children(child) {
                stack.push(std::mem::replace(&mut **child, hollow()));
            }
        }
        Filter::And(items) | Filter::Or(items) => {
            for item in items.iter_mut().filter(|item| has_children(item)) {
                stack.push(std::mem::replace(item, hollow()));
            }
        }
    }
}

impl Drop for Filter {
    fn drop(&mut self) {
        // `Vec::new` does not allocate; the first push does, and only a tree at least three
        // levels deep pushes anything.
        let mut stack = Vec::new();
        detach_grandchildren(self, &mut stack);
        while let Some(mut node) = stack.pop() {
            detach_grandchildren(&mut node, &mut stack);
            // `node` drops here. Its children are now childless, so this `drop` re-entered
            // on it finds nothing to detach, and the call stack stays a few frames deep
            // whatever the tree's depth.
        }
    }
}

impl Clone for Filter {
    fn clone(&self) -> Self {
        // Top-down: each node is copied with its nested operands left hollow, and the
        // (original, copy) pairs of those operands are queued to be filled in later. The
        // copy's slots are borrowed mutably from the tree being built, so no node is moved.
        let mut root = shallow_clone(self);
        let mut stack = Vec::new();
        queue_clones(self, &mut root, &mut stack);
        while let Some((src, dst)) = stack.pop() {
            *dst = shallow_clone(src);
            queue_clones(src, dst, &mut stack);
        }
        root
    }
}

/// A copy of `f` in which operands that have children of their own are hollow; childless
/// operands are copied (recursing one level, no more).
fn shallow_clone(f: &Filter) -> Filter {
    let copy = |child: &Filter| {
        if has_children(child) {
            hollow()
        } else {
            shallow_clone(child)
        }
    };
    match f {
        Filter::Compare { attr, op, value } => Filter::Compare {
            attr: attr.clone(),
            op: *op,
            value: value.clone(),
        },
        Filter::Present { attr } => Filter::Present { attr: attr.clone() },
        Filter::And(items) => Filter::And(items.iter().map(copy).collect()),
        Filter::Or(items) => Filter::Or(items.iter().map(copy).collect()),
        Filter::Not(child) => Filter::Not(Box::new(copy(child))),
        Filter::ValuePath { attr, filter } => Filter::ValuePath {
            attr: attr.clone(),
            filter: Box::new(copy(filter)),
        },
    }
}

/// Queues the operands [`shallow_clone`] left hollow in `dst`, each with its original.
fn queue_clones<'s, 'd>(
    src: &'s Filter,
    dst: &'d mut Filter,
    stack: &mut Vec<(&'s Filter, &'d mut Filter)>,
) {
    let mut queue = |s: &'s Filter, d: &'d mut Filter| {
        if has_children(s) {
            stack.push((s, d));
        }
    };
    match (src, dst) {
        (Filter::Not(s), Filter::Not(d))
        | (Filter::ValuePath { filter: s, .. }, Filter::ValuePath { filter: d, .. }) => {
            queue(s, d);
        }
        (Filter::And(s), Filter::And(d)) | (Filter::Or(s), Filter::Or(d)) => {
            for (s, d) in s.iter().zip(d.iter_mut()) {
                queue(s, d);
            }
        }
        // Leaves, and childless operands `shallow_clone` already copied. (`dst` is always
        // `shallow_clone(src)`, so the kinds never differ.)
        _ => {}
    }
}

/// The same relation the derived impl would give (attribute paths ignore ASCII case, values
/// compare exactly, operands in order), without recursion.
impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        let mut stack = Vec::new();
        if !eq_node(self, other, &mut stack) {
            return false;
        }
        while let Some((a, b)) = stack.pop() {
            if !eq_node(a, b, &mut stack) {
                return false;
            }
        }
        true
    }
}

impl Eq for Filter {}

/// Compares what `a` and `b` hold themselves, compares childless operands in place and queues
/// pairs of operands that have children.
fn eq_node<'a>(a: &'a Filter, b: &'a Filter, stack: &mut Vec<(&'a Filter, &'a Filter)>) -> bool {
    let mut operands = |x: &'a Filter, y: &'a Filter| {
        if has_children(x) || has_children(y) {
            stack.push((x, y));
            true
        } else {
            // Childless: this call pushes nothing and recurses no further.
            eq_node(x, y, &mut Vec::new())
        }
    };
    match (a, b) {
        (
            Filter::Compare { attr, op, value },
            Filter::Compare {
                attr: attr_b,
                op: op_b,
                value: value_b,
            },
        ) => attr == attr_b && op == op_b && value == value_b,
        (Filter::Present { attr }, Filter::Present { attr: attr_b }) => attr == attr_b,
        (Filter::And(xs), Filter::And(ys)) | (Filter::Or(xs), Filter::Or(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| operands(x, y))
        }
        (Filter::Not(x), Filter::Not(y)) => operands(x, y),
        (
            Filter::ValuePath { attr, filter },
            Filter::ValuePath {
                attr: attr_b,
                filter: filter_b,
            },
        ) => attr == attr_b && operands(filter, filter_b),
        _ => false,
    }
}

/// Consistent with `PartialEq`: equal trees feed the hasher the same sequence, because the
/// walk order depends only on the tree's shape and [`AttrPath`](super::AttrPath) hashes
/// case-folded.
impl Hash for Filter {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut stack = Vec::new();
        hash_node(self, state, &mut stack);
        while let Some(node) = stack.pop() {
            hash_node(node, state, &mut stack);
        }
    }
}

/// Hashes what `f` holds itself, hashes childless operands in place and queues the others.
fn hash_node<'a, H: Hasher>(f: &'a Filter, state: &mut H, stack: &mut Vec<&'a Filter>) {
    let mut operand = |child: &'a Filter, state: &mut H| {
        if has_children(child) {
            stack.push(child);
        } else {
            // Childless: this call pushes nothing and recurses no further.
            hash_node(child, state, &mut Vec::new());
        }
    };
    std::mem::discriminant(f).hash(state);
    match f {
        Filter::Compare { attr, op, value } => {
            attr.hash(state);
            op.hash(state);
            value.hash(state);
        }
        Filter::Present { attr } => attr.hash(state),
        Filter::And(items) | Filter::Or(items) => {
            // The length keeps `And([a, And([b])])`-like shapes from colliding by accident.
            items.len().hash(state);
            for item in items {
                operand(item, state);
            }
        }
        Filter::Not(child) => operand(child, state),
        Filter::ValuePath { attr, filter } => {
            attr.hash(state);
            operand(filter, state);
        }
    }
}

/// Exactly what `#[derive(Debug)]` would print, in both `{:?}` and `{:#?}` forms, without
/// recursion. (Formatter options other than `#` are not passed on to the attribute paths and
/// values.)
impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pretty = f.alternate();
        let mut out = Indented {
            f,
            depth: 0,
            at_line_start: false,
        };
        let mut stack = vec![Dbg::Node(self)];
        while let Some(item) = stack.pop() {
            match item {
                Dbg::Text(s) => out.write_str(s)?,
                Dbg::Leaf(v) if pretty => write!(out, "{v:#?}")?,
                Dbg::Leaf(v) => write!(out, "{v:?}")?,
                Dbg::Indent => out.depth += 1,
                Dbg::Dedent => out.depth = out.depth.saturating_sub(1),
                Dbg::Node(node) => {
                    let start = stack.len();
                    debug_node(node, pretty, &mut stack);
                    // Pushed in print order; reversed so that they pop in print order.
                    stack[start..].reverse();
                }
            }
        }
        Ok(())
    }
}

/// One step of printing a filter's `Debug` form.
enum Dbg<'a> {
    Node(&'a Filter),
    Leaf(&'a dyn fmt::Debug),
    Text(&'static str),
    /// One more level of `{:#?}` indentation, as `debug_struct` and friends add.
    Indent,
    Dedent,
}

/// Pushes, in print order, the steps that print `node` as the derived impl would.
fn debug_node<'a>(node: &'a Filter, pretty: bool, out: &mut Vec<Dbg<'a>>) {
    match node {
        Filter::Compare { attr, op, value } => debug_struct(
            out,
            pretty,
            "Compare",
            [
                ("attr", Dbg::Leaf(attr)),
                ("op", Dbg::Leaf(op)),
                ("value", Dbg::Leaf(value)),
            ],
        ),
        Filter::Present { attr } => {
            debug_struct(out, pretty, "Present", [("attr", Dbg::Leaf(attr))]);
        }
        Filter::And(items) => debug_list(out, pretty, "And", items),
        Filter::Or(items) => debug_list(out, pretty, "Or", items),
        Filter::Not(child) => {
            // `Box<T>`'s `Debug` is `T`'s.
            out.push(Dbg::Text("Not"));
            debug_tuple_field(out, pretty, |out| out.push(Dbg::Node(child)));
        }
        Filter::ValuePath { attr, filter } => debug_struct(
            out,
            pretty,
            "ValuePath",
            [("attr", Dbg::Leaf(attr)), ("filter", Dbg::Node(filter))],
        ),
    }
}

/// `Name { a: …, b: … }`, or with `{:#?}` one indented `a: …,` line per field.
fn debug_struct<'a, const N: usize>(
    out: &mut Vec<Dbg<'a>>,
    pretty: bool,
    name: &'static str,
    fields: [(&'static str, Dbg<'a>); N],
) {
    out.push(Dbg::Text(name));
    out.push(Dbg::Text(if pretty { " {\n" } else { " { " }));
    if pretty {
        out.push(Dbg::Indent);
    }
    for (i, (field, value)) in fields.into_iter().enumerate() {
        if i > 0 && !pretty {
            out.push(Dbg::Text(", "));
        }
        out.extend([Dbg::Text(field), Dbg::Text(": "), value]);
        if pretty {
            out.push(Dbg::Text(",\n"));
        }
    }
    if pretty {
        out.extend([Dbg::Dedent, Dbg::Text("}")]);
    } else {
        out.push(Dbg::Text(" }"));
    }
}

/// The `(…)` of a one-field tuple variant, around what `field` pushes.
fn debug_tuple_field<'a>(
    out: &mut Vec<Dbg<'a>>,
    pretty: bool,
    field: impl FnOnce(&mut Vec<Dbg<'a>>),
) {
    if pretty {
        out.extend([Dbg::Text("(\n"), Dbg::Indent]);
        field(out);
        out.extend([Dbg::Text(",\n"), Dbg::Dedent, Dbg::Text(")")]);
    } else {
        out.push(Dbg::Text("("));
        field(out);
        out.push(Dbg::Text(")"));
    }
}

/// `Name([a, b])`, as a tuple variant holding a `Vec` prints.
fn debug_list<'a>(out: &mut Vec<Dbg<'a>>, pretty: bool, name: &'static str, items: &'a [Filter]) {
    out.push(Dbg::Text(name));
    debug_tuple_field(out, pretty, |out| {
        out.push(Dbg::Text("["));
        if pretty && !items.is_empty() {
            out.extend([Dbg::Text("\n"), Dbg::Indent]);
            for item in items {
                out.extend([Dbg::Node(item), Dbg::Text(",\n")]);
            }
            out.push(Dbg::Dedent);
        } else {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(Dbg::Text(", "));
                }
                out.push(Dbg::Node(item));
            }
        }
        out.push(Dbg::Text("]"));
    });
}

/// Writes through to a formatter, indenting every line start by four spaces per level, as the
/// standard library's `{:#?}` helpers do for nested values.
struct Indented<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    depth: usize,
    at_line_start: bool,
}

impl fmt::Write for Indented<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for line in s.split_inclusive('\n') {
            if self.at_line_start {
                for _ in 0..self.depth {
                    self.f.write_str("    ")?;
                }
            }
            self.at_line_start = line.ends_with('\n');
            self.f.write_str(line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::hash_map::DefaultHasher;

    use super::*;

    /// The same tree shape with every impl derived: the reference the hand-written impls must
    /// agree with.
    mod derived {
        use crate::filter::{AttrPath, CompValue, CompareOp};

        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[allow(dead_code)] // read only by the derived impls
        pub(super) enum Filter {
            Compare {
                attr: AttrPath,
                op: CompareOp,
                value: CompValue,
            },
            Present {
                attr: AttrPath,
            },
            And(Vec<Filter>),
            Or(Vec<Filter>),
            Not(Box<Filter>),
            ValuePath {
                attr: AttrPath,
                filter: Box<Filter>,
            },
        }
    }

    fn derived(f: &Filter) -> derived::Filter {
        match f {
            Filter::Compare { attr, op, value } => derived::Filter::Compare {
                attr: attr.clone(),
                op: *op,
                value: value.clone(),
            },
            Filter::Present { attr } => derived::Filter::Present { attr: attr.clone() },
            Filter::And(items) => derived::Filter::And(items.iter().map(derived).collect()),
            Filter::Or(items) => derived::Filter::Or(items.iter().map(derived).collect()),
            Filter::Not(child) => derived::Filter::Not(Box::new(derived(child))),
            Filter::ValuePath { attr, filter } => derived::Filter::ValuePath {
                attr: attr.clone(),
                filter: Box::new(derived(filter)),
            },
        }
    }

    fn hash_of(f: &impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        f.hash(&mut h);
        h.finish()
    }

    /// Every tree up to three levels deep over a few leaves chosen to be equal or unequal in
    /// the ways that matter: attribute case, value type, operator, and `And([])`.
    fn trees() -> Vec<Filter> {
        let leaves = vec![
            Filter::pr("a"),
            Filter::pr("A"),
            Filter::eq("a", 1),
            Filter::eq("a", "1"),
            Filter::ne("urn:x:a", 1.5),
            Filter::pr("not a path"),
            Filter::And(Vec::new()),
        ];
        let mut level = leaves.clone();
        let mut all = leaves.clone();
        for _ in 0..2 {
            let mut next = Vec::new();
            for t in &level {
                next.push(t.clone().not());
                next.push(Filter::value_path("emails", t.clone()));
                next.push(Filter::Or(vec![t.clone()]));
                for leaf in &leaves[..3] {
                    next.push(Filter::And(vec![t.clone(), leaf.clone()]));
                    next.push(Filter::Or(vec![leaf.clone(), t.clone()]));
                }
                next.push(Filter::And(vec![t.clone(), t.clone(), t.clone()]));
            }
            all.extend(next.iter().cloned());
            level = next;
        }
        all
    }

    #[test]
    fn clone_eq_hash_and_debug_agree_with_the_derived_impls() {
        let trees = trees();
        let reference: Vec<derived::Filter> = trees.iter().map(derived).collect();
        assert!(trees.len() > 700, "{}", trees.len());
        for (t, r) in trees.iter().zip(&reference) {
            let copy = t.clone();
            assert_eq!(derived(&copy), *r, "clone of {t}");
            assert_eq!(format!("{t:?}"), format!("{r:?}"));
            assert_eq!(format!("{t:#?}"), format!("{r:#?}"));
            assert_eq!(hash_of(&copy), hash_of(t), "{t}");
        }
        // Equality against every tree, on a sample of left-hand sides (all pairs would be
        // millions of comparisons).
        for (i, (a, ra)) in trees.iter().zip(&reference).enumerate().step_by(7) {
            for (j, (b, rb)) in trees.iter().zip(&reference).enumerate() {
                let eq = a == b;
                assert_eq!(eq, ra == rb, "{a:?} == {b:?}");
                assert!(eq || i != j, "{a:?} != itself");
                if eq {
                    assert_eq!(hash_of(a), hash_of(b), "{a} and {b}");
                }
            }
        }
    }

    #[test]
    fn debug_matches_the_derived_form_on_examples() {
        let f = Filter::pr("a").not();
        assert_eq!(
            format!("{f:?}"),
            r#"Not(Present { attr: AttrPath { urn: None, name: "a", sub_attr: None, invalid: None } })"#
        );
        let f = Filter::And(vec![Filter::eq("a", true), Filter::And(Vec::new())]);
        assert_eq!(
            format!("{f:#?}"),
            r#"And(
    [
        Compare {
            attr: AttrPath {
                urn: None,
                name: "a",
                sub_attr: None,
                invalid: None,
            },
            op: Eq,
            value: Bool(
                true,
            ),
        },
        And(
            [],
        ),
    ],
)"#
        );
        // Nested inside a value the standard library pretty-prints.
        let f = Some(Filter::value_path("emails", Filter::pr("type")));
        assert_eq!(format!("{f:#?}"), format!("{:#?}", f.as_ref().map(derived)));
    }

    #[test]
    fn unequal_deep_trees_are_unequal() {
        let chain = |leaf: Filter| {
            let mut f = leaf;
            for i in 0..1_000 {
                f = match i % 3 {
                    0 => f.not(),
                    1 => Filter::value_path("emails", f),
                    _ => Filter::pr("x").and(f),
                };
            }
            f
        };
        let a = chain(Filter::pr("a"));
        assert_eq!(a, chain(Filter::pr("A")));
        assert_ne!(a, chain(Filter::pr("b")));
        assert_ne!(a, chain(Filter::eq("a", 1)));
        assert_ne!(a, chain(Filter::pr("a")).not());
        assert_ne!(hash_of(&a), hash_of(&chain(Filter::pr("b"))));
    }

    /// What `Drop` would queue for `f` first: nothing (and no allocation) unless `f` is at
    /// least three levels deep.
    fn first_detach(mut f: Filter) -> Vec<Filter> {
        let mut stack = Vec::new();
        detach_grandchildren(&mut f, &mut stack);
        stack
    }

    #[test]
    fn dropping_a_shallow_filter_allocates_nothing() {
        for f in [
            Filter::pr("a"),
            Filter::eq("userName", "bjensen"),
            Filter::pr("a").not(),
            Filter::pr("a").and(Filter::pr("b")).and(Filter::eq("c", 1)),
            Filter::pr("a").or(Filter::pr("b")),
            Filter::value_path("emails", Filter::eq("type", "work")),
            Filter::And(Vec::new()),
        ] {
            let text = f.to_string();
            let stack = first_detach(f);
            assert!(stack.is_empty(), "{text}");
            assert_eq!(stack.capacity(), 0, "{text}: the drop stack allocated");
        }
    }

    #[test]
    fn only_grandparents_are_detached() {
        let work = Filter::eq("type", "work").and(Filter::pr("value"));
        let f = Filter::pr("a").and(Filter::value_path("emails", work.clone()));
        let stack = first_detach(f);
        assert_eq!(stack, [Filter::value_path("emails", work)]);

        let stack = first_detach(Filter::pr("a").not().not());
        assert_eq!(stack, [Filter::pr("a").not()]);
    }
}
