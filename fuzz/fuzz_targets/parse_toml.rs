//! Any text: the TOML loader refuses or accepts, never panics or hangs; whatever it accepts
//! survives a share-link round trip unchanged.
#![no_main]
use impnet_core::{codec, scenario::parse_toml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = parse_toml(text) {
        let back = codec::decode(&codec::encode(&s)).expect("an accepted scenario makes a valid link");
        assert_eq!(back, s);
    }
});
