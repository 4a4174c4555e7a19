//! Any text: PATCH-path parsing never panics, and whatever parses round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::PatchPath;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(path) = text.parse::<PatchPath>() {
        let canonical = path.to_string();
        let again: PatchPath = canonical
            .parse()
            .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {text:?} failed: {e}"));
        assert_eq!(again, path);
    }
});
