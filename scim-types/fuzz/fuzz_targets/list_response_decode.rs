//! Any bytes: decoding a page of users never panics, and a decoded page survives
//! write → read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::{ListResponse, User};

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<ListResponse<User>>(data) {
        let written = serde_json::to_vec(&page).expect("a decoded page serializes");
        let again: ListResponse<User> =
            serde_json::from_slice(&written).expect("written page decodes");
        assert_eq!(again, page);
    }
});
