//! Any text: the Squirrel lexer, parser and compiler accept or refuse it with a
//! `file:line:col` error, never panic, overflow the stack or hang; `highlight` covers the
//! whole input with in-bounds, ordered tokens.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    if let Err(e) = impnet_squirrel::check("fuzz.nut", &src) {
        assert!(e.line >= 1 && e.col >= 1, "{e}");
    }
    let tokens = impnet_squirrel::lexer::highlight(&src);
    let mut end = 0;
    for t in &tokens {
        assert!(t.span.start as usize >= end && t.span.end as usize <= src.len(), "{t:?}");
        end = t.span.end as usize;
    }
});
