//! Any bytes: decoding a page of users never panics, and a decoded page survives
//! write → read (writing adds the message URN when `schemas` was empty).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::{ListResponse, User, urn};

fuzz_target!(|data: &[u8]| {
    if let Ok(mut page) = serde_json::from_slice::<ListResponse<User>>(data) {
        let written = serde_json::to_vec(&page).expect("a decoded page serializes");
        let again: ListResponse<User> =
            serde_json::from_slice(&written).expect("written page decodes");
        if page.schemas.is_empty() {
            page.schemas = vec![urn::LIST_RESPONSE.to_owned()];
        }
        assert_eq!(again, page);
        assert_eq!(again.reported_total(), page.reported_total());
    }
});
