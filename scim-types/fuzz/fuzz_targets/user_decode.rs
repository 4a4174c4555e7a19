//! Any bytes: decoding a User never panics, and a decoded User survives write → read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_types::User;

fuzz_target!(|data: &[u8]| {
    if let Ok(user) = serde_json::from_slice::<User>(data) {
        let written = serde_json::to_vec(&user).expect("a decoded User serializes");
        let again: User = serde_json::from_slice(&written).expect("written User decodes");
        assert_eq!(again, user);
        let _ = user.primary_email();
        let _ = format!("{user:?}");
    }
});
