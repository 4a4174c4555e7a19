//! Any bytes: decoding a PatchOp never panics, and a decoded PatchOp survives write → read
//! (with its paths re-parsed from their canonical form).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::PatchOp;

fuzz_target!(|data: &[u8]| {
    if let Ok(op) = serde_json::from_slice::<PatchOp>(data) {
        let written = serde_json::to_vec(&op).expect("a decoded PatchOp serializes");
        let again: PatchOp = serde_json::from_slice(&written).expect("written PatchOp decodes");
        assert_eq!(again, op);
    }
});
