//! Any text: parsing never panics, and whatever parses prints canonically and parses back
//! to an equal tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::Filter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = text.parse::<Filter>() {
        assert!(filter.validate().is_ok(), "parsed tree does not validate: {text:?}");
        let canonical = filter.to_string();
        let again: Filter = canonical
            .parse()
            .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {text:?} failed: {e}"));
        assert_eq!(again, filter, "{text:?} -> {canonical:?}");
        assert_eq!(again.to_string(), canonical);
    }
});
