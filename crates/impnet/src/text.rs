//! Text from clients and links, made safe to print (issue 13 item 5): a message name with a
//! newline must not forge a log line, and a link's title must not reach the terminal as an
//! escape sequence (an OSC 52 clipboard write, say).

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character (C0, DEL, C1 — ESC and the 8-bit CSI among them) and
/// every bidirectional override written as a `\u{…}` escape; other text is unchanged.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Control characters, and the bidi controls that reorder what a terminal shows (U+202A–202E,
/// U+2066–2069), which can make printed text read differently from what it is.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue13_5_controls_and_escape_sequences_are_neutralised() {
        assert_eq!(printable("log"), "log");
        assert!(matches!(printable("plain é ü"), Cow::Borrowed(_)));
        assert_eq!(printable("a\nINFO forged"), "a\\u{a}INFO forged");
        // OSC 52 (clipboard write): ESC ] 52 ; c ; … BEL
        assert_eq!(printable("\u{1b}]52;c;aGk=\u{7}t"), "\\u{1b}]52;c;aGk=\\u{7}t");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(printable("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(printable("\r\t\u{7f}"), "\\u{d}\\u{9}\\u{7f}");
    }
}
