//! What building a `DirectoryUser` costs the heap, read off a counting allocator (the
//! only test in this binary, so no other test allocates meanwhile).

use idgraph_common::graph::DirectoryUser;
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The most bytes live at once while `make` runs, above what was live before.
fn peak_of<T>(make: impl FnOnce() -> T) -> (T, usize) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let made = make();
    (made, HEAP.peak_usage().saturating_sub(before))
}

#[test]
fn the_builder_allocates_a_user_once_at_its_exact_size() {
    let email = "first.last1@example.com";
    let (given, family, display, key, id) = ("First1", "Last1", "First1 Last1", "00u1", "1");
    let groups = vec!["Everyone".to_owned(), "Sales".to_owned()];
    let text: usize = [email, key, given, family, display, id, "Everyone", "Sales"]
        .iter()
        .map(|s| s.len())
        .sum();
    // The text exactly, and the group boundaries (a `u32` a group): nothing is copied
    // on the way, and nothing is over-allocated.
    let exact = text + 4 * groups.len();

    let builder = DirectoryUser::builder(email)
        .given_name(given)
        .family_name(family)
        .display_name(display)
        .external_id(key)
        .app_id(id)
        .groups(&groups);
    let (built, peak) = peak_of(|| builder.build());
    assert_eq!(peak, exact);

    // The measure sees copies: the `with_*` chain, which copies the text at every call,
    // peaks higher for the same user.
    let (chained, chain_peak) = peak_of(|| {
        DirectoryUser::new(email)
            .with_names(given, family)
            .with_display_name(display)
            .with_external_id(key)
            .with_groups(&groups)
            .with_app_id(id)
    });
    assert!(chain_peak > exact, "{chain_peak} <= {exact}");
    assert_eq!(format!("{built:?}"), format!("{chained:?}"));
}
