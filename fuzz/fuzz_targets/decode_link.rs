//! Any text as a share link: a clear error or a valid scenario, never a panic, a hang or a
//! zip bomb; a link that decodes re-encodes to one that decodes the same.
#![no_main]
use impnet_core::{codec, scenario::validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = codec::decode(text) {
        assert!(validate(&s).is_ok());
        assert_eq!(codec::decode(&codec::encode(&s)).expect("re-encoded link decodes"), s);
    }
});
