//! Trait impls for [`Filter`] that walk the tree with an explicit heap stack instead of
//! recursing once per level, as the derived ones would.
//!
//! The parser caps nesting at [`MAX_DEPTH`](super::MAX_DEPTH), but a tree built in code has no
//! cap: `f = f.not()` a million times is legal. A recursive walk over such a tree overflows the
//! thread's stack and aborts the process; for `Drop` that would happen even when the caller
//! never looks at the tree. Here depth costs heap, never call stack.
//!
//! Each walk handles children that have no children of their own in place (that recurses one
//! level, no more) and queues only the others, so ordinary shallow filters cost what the derived
//! impls cost: dropping `a and b` or `not (a)` allocates nothing.

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
            // on it finds nothing to detach, and the call stack stays at most three frames deep
            // whatever the tree's depth.
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

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
