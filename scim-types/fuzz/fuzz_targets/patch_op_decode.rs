//! Any bytes: decoding a PatchOp never panics, and a decoded PatchOp survives write → read
//! (paths re-parsed from their canonical form; writing adds the message URN when `schemas`
//! was empty).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::{PatchOp, urn};

fuzz_target!(|data: &[u8]| {
    if let Ok(mut op) = serde_json::from_slice::<PatchOp>(data) {
        let written = serde_json::to_vec(&op).expect("a decoded PatchOp serializes");
        let again: PatchOp = serde_json::from_slice(&written).expect("written PatchOp decodes");
        if op.schemas.is_empty() {
            op.schemas = vec![urn::PATCH_OP.to_owned()];
        }
        assert_eq!(again, op);
    }
});
