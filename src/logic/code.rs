//! The code editor's logic (issue 10 item 1): colouring Squirrel with the VM's own lexer, the
//! compile check behind "errors as you type", and the text edits that Tab, Shift+Tab and Enter
//! make. The editor applies every edit as one `insertText` over a selection, so the browser's
//! own undo stack keeps working; this module only says *what* to insert *where*.

use impnet_squirrel::lexer::{highlight, Keyword, TokenKind};
use impnet_squirrel::{CompileError, Host, Vm};
use std::fmt::Write;

/// Spaces per indent level (Squirrel code on the imp is commonly four-space indented).
pub const INDENT: &str = "    ";

/// The file name compile errors and the device trace name the program by.
pub const FILE: &str = "device.nut";

/// What the editor opens with: the troubleshooting guide's retry pattern (SPEC §14 names).
pub const STARTER: &str = r#"// Send a reading; if the send fails, try again in ten minutes.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

const RETRY_TIME = 600;
local reading = blob(1995);

function transmitter() {
    local outcome = agent.send("reading", reading);
    if (outcome != 0) {
        server.log("send failed: " + outcome);
        imp.wakeup(RETRY_TIME, transmitter);
    }
}

imp.wakeup(10, transmitter);
"#;

/// CSS class of a token; `None` for plain text (identifiers, punctuation).
fn class_of(kind: &TokenKind) -> Option<&'static str> {
    Some(match kind {
        TokenKind::Keyword(Keyword::True | Keyword::False | Keyword::Null) => "tk-lit",
        TokenKind::Keyword(_) => "tk-kw",
        TokenKind::Int(_) | TokenKind::Float(_) => "tk-num",
        TokenKind::Str(_) => "tk-str",
        TokenKind::Comment => "tk-com",
        TokenKind::Error => "tk-err",
        TokenKind::Ident(_) | TokenKind::Punct(_) | TokenKind::Eof => return None,
    })
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
}

/// The source as HTML for the overlay under the textarea, one string per line: the same
/// characters, escaped, with coloured tokens wrapped in `<span class=…>`. Each line but the last
/// ends with its `\n`, so the lines joined are the text; a token over several lines (a block
/// comment, a verbatim string) is split at each newline so every line's HTML stands alone and
/// the editor can replace just the lines an edit changed. An empty last line (a trailing
/// newline) gets a space so the overlay is exactly as tall as the textarea's text.
pub fn paint_lines(src: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut put = |text: &str, class: Option<&str>| {
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                lines.last_mut().expect("never empty").push('\n');
                lines.push(String::new());
            }
            if part.is_empty() {
                continue;
            }
            let out = lines.last_mut().expect("never empty");
            match class {
                Some(class) => {
                    let _ = write!(out, "<span class=\"{class}\">");
                    escape_into(out, part);
                    out.push_str("</span>");
                }
                None => escape_into(out, part),
            }
        }
    };
    let mut at = 0usize;
    for t in highlight(src) {
        let (start, end) = (t.span.start as usize, t.span.end as usize);
        let Some(class) = class_of(&t.kind) else { continue };
        // Spans come from the lexer over these very bytes; anything else is skipped, not trusted.
        if start < at || end > src.len() || !src.is_char_boundary(start) || !src.is_char_boundary(end) {
            continue;
        }
        put(&src[at..start], None);
        put(&src[start..end], Some(class));
        at = end;
    }
    put(&src[at..], None);
    let last = lines.last_mut().expect("never empty");
    if last.is_empty() {
        last.push(' ');
    }
    lines
}

/// The whole overlay as one string (the lines joined).
pub fn paint_html(src: &str) -> String {
    paint_lines(src).concat()
}

/// Which lines of a repaint changed: `old[prefix..old.len() - suffix]` are replaced by
/// `new[prefix..new.len() - suffix]`; the lines before and after stay as they are.
pub fn changed_lines(old: &[String], new: &[String]) -> (usize, usize) {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
    (prefix, suffix)
}

/// Lines in `src` as the editor numbers them (an empty text and a trailing newline each count a
/// line, as a textarea shows them).
pub fn line_count(src: &str) -> u32 {
    src.bytes().filter(|&b| b == b'\n').count() as u32 + 1
}

/// The gutter's text: `1\n2\n…` for `lines` lines.
pub fn gutter_text(lines: u32) -> String {
    let mut out = String::with_capacity(lines as usize * 5);
    for n in 1..=lines {
        let _ = writeln!(out, "{n}");
    }
    out
}

/// The host a syntax check needs: none (compiling resolves no globals).
struct NoHost;
impl Host for NoHost {
    type Suspend = ();
}

/// Compiles `src` without running it: the first compile error, `file:line:col` and message,
/// exactly as `impnet run DEVICE.nut` reports it (`@include` lines blanked as a run does; the
/// libraries they name are found when it runs).
pub fn compile_check(src: &str) -> Result<(), CompileError> {
    Vm::new(NoHost).compile(FILE, &impnet_core::code::source::blank_includes(src)).map(|_| ())
}

/// One edit: replace the UTF-16 range `from..to` of the textarea's value with `insert`, then
/// select `select` (UTF-16 offsets in the new text). UTF-16 because that is how the DOM counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub from: u32,
    pub to: u32,
    pub insert: String,
    pub select: (u32, u32),
}

/// Converts between UTF-16 offsets (the DOM's) and byte offsets in `text`.
fn byte_at(text: &str, utf16: u32) -> usize {
    let mut n = 0u32;
    for (i, c) in text.char_indices() {
        if n >= utf16 {
            return i;
        }
        n += c.len_utf16() as u32;
    }
    text.len()
}

fn utf16_len(text: &str) -> u32 {
    text.chars().map(|c| c.len_utf16() as u32).sum()
}

/// Byte offset of the start of the line holding byte `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Tab: with no selection, spaces to the next indent stop; with a selection, every line it
/// touches indented by one level (the selection grows to cover them), as CodeMirror does.
pub fn tab(text: &str, sel: (u32, u32)) -> Edit {
    let (a, b) = (byte_at(text, sel.0), byte_at(text, sel.1));
    if a == b {
        let col = utf16_len(&text[line_start(text, a)..a]) as usize;
        let n = INDENT.len() - col % INDENT.len();
        let caret = sel.0 + n as u32;
        return Edit { from: sel.0, to: sel.1, insert: " ".repeat(n), select: (caret, caret) };
    }
    reindent(text, a, b, |line| format!("{INDENT}{line}"))
}

/// Shift+Tab: every line the selection touches loses up to one indent level.
pub fn untab(text: &str, sel: (u32, u32)) -> Edit {
    let (a, b) = (byte_at(text, sel.0), byte_at(text, sel.1));
    reindent(text, a, b, |line| {
        let n = line.bytes().take(INDENT.len()).take_while(|&c| c == b' ').count();
        let n = if n == 0 && line.starts_with('\t') { 1 } else { n };
        line[n..].to_string()
    })
}

/// Rewrites the whole lines bytes `a..b` touch, one by one, and selects them.
fn reindent(text: &str, a: usize, b: usize, f: impl Fn(&str) -> String) -> Edit {
    let start = line_start(text, a);
    // A selection ending at the start of a line does not touch that line.
    let b = if b > a && text[..b].ends_with('\n') { b - 1 } else { b };
    let end = text[b..].find('\n').map_or(text.len(), |i| b + i);
    let insert = text[start..end].split('\n').map(f).collect::<Vec<_>>().join("\n");
    let from = utf16_len(&text[..start]);
    let select = (from, from + utf16_len(&insert));
    Edit { from, to: from + utf16_len(&text[start..end]), insert, select }
}

/// Enter: a newline keeping the current line's indent, one level more after an opening `{`,
/// `[` or `(` at the end of what precedes the caret.
pub fn newline(text: &str, sel: (u32, u32)) -> Edit {
    let a = byte_at(text, sel.0);
    let line = &text[line_start(text, a)..a];
    let indent: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let opens = line.trim_end().ends_with(['{', '[', '(']);
    let insert = format!("\n{indent}{}", if opens { INDENT } else { "" });
    let caret = sel.0 + utf16_len(&insert);
    Edit { from: sel.0, to: sel.1, insert, select: (caret, caret) }
}

/// The 1-based line holding UTF-16 offset `at` (where the caret is).
pub fn line_of(text: &str, at: u32) -> u32 {
    let b = byte_at(text, at);
    line_count(&text[..b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_colours_tokens_from_the_vm_lexer_and_escapes_the_rest() {
        let html = paint_html("local s = \"<b>\"; // hi & bye\nif (x < 1) return null;");
        assert_eq!(
            html,
            "<span class=\"tk-kw\">local</span> s = <span class=\"tk-str\">\"&lt;b&gt;\"</span>; \
             <span class=\"tk-com\">// hi &amp; bye</span>\n<span class=\"tk-kw\">if</span> (x &lt; \
             <span class=\"tk-num\">1</span>) <span class=\"tk-kw\">return</span> <span class=\"tk-lit\">null</span>;"
        );
    }

    #[test]
    fn paint_keeps_every_character_so_the_overlay_lines_up_with_the_textarea() {
        let src = "function f() {\n    return `bad;\n}\n";
        let html = paint_html(src);
        let text = html
            .split('<')
            .enumerate()
            .map(|(i, part)| if i == 0 { part } else { part.split_once('>').map_or("", |p| p.1) })
            .collect::<String>();
        assert_eq!(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), format!("{src} "));
        assert!(html.contains("tk-err"), "the bad character is marked: {html}");
    }

    #[test]
    fn issue10_each_painted_line_stands_alone_and_a_block_comment_is_split_at_its_newlines() {
        let lines = paint_lines("a /* one\ntwo */ b\n\nc\n");
        assert_eq!(
            lines,
            ["a <span class=\"tk-com\">/* one</span>\n", "<span class=\"tk-com\">two */</span> b\n", "\n", "c\n", " "],
        );
        assert_eq!(paint_lines("x"), ["x"]);
    }

    #[test]
    fn issue10_an_edit_on_one_line_repaints_that_line_only() {
        let before = paint_lines("local a = 1;\nlocal b = 2;\nlocal c = 3;\n");
        let after = paint_lines("local a = 1;\nlocal bb = 2;\nlocal c = 3;\n");
        assert_eq!(changed_lines(&before, &after), (1, 2), "line 2 of 4");
        let joined = paint_lines("local a = 1;\nlocal b = 2;local c = 3;\n");
        assert_eq!(changed_lines(&before, &joined), (1, 1), "two lines became one");
        assert_eq!(changed_lines(&before, &before), (4, 0));
        // Opening a block comment repaints every line after it.
        let opened = paint_lines("/*local a = 1;\nlocal b = 2;\nlocal c = 3;\n");
        assert_eq!(changed_lines(&before, &opened), (0, 1));
    }

    #[test]
    fn the_starter_program_compiles() {
        assert_eq!(compile_check(STARTER), Ok(()));
    }

    #[test]
    fn compile_check_takes_include_lines_as_a_run_does() {
        // SPEC §14: `@include "lib.nut"` is Builder's directive, not Squirrel (`@` starts a
        // lambda); a run blanks it, so typing it must not read as a compile error.
        assert_eq!(compile_check("@include \"lib/util.nut\"\n  @include once \"b.nut\"\nserver.log(1);\n"), Ok(()));
        let e = compile_check("@include \"util.nut\"\nlocal y = ;\n").unwrap_err();
        assert_eq!(e.line, 2, "lines keep their numbers");
    }

    #[test]
    fn compile_check_reports_the_line_and_column_of_the_first_error() {
        assert_eq!(compile_check("local x = 1;\nserver.log(x);\n"), Ok(()));
        let e = compile_check("local x = 1;\nlocal y = ;\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.col), (FILE, 2, 11), "{e}");
    }

    #[test]
    fn tab_inserts_spaces_to_the_next_stop() {
        assert_eq!(tab("ab", (2, 2)), Edit { from: 2, to: 2, insert: "  ".into(), select: (4, 4) });
        assert_eq!(tab("", (0, 0)).insert, INDENT);
    }

    #[test]
    fn tab_and_untab_over_lines_indent_each_line_and_keep_them_selected() {
        let text = "a {\nb;\n}";
        let e = tab(text, (1, 6));
        assert_eq!(e, Edit { from: 0, to: 6, insert: "    a {\n    b;".into(), select: (0, 14) });
        let indented = format!("{}{}{}", &text[..0], e.insert, &text[6..]);
        let back = untab(&indented, e.select);
        assert_eq!(back.insert, "a {\nb;");
        assert_eq!(untab("  x", (3, 3)).insert, "x");
        assert_eq!(tab("x = 1;", (0, 1)).insert, "    x = 1;", "a selection within one line indents it too");
    }

    #[test]
    fn enter_keeps_the_indent_and_adds_a_level_after_an_open_brace() {
        assert_eq!(newline("    x;", (6, 6)).insert, "\n    ");
        let e = newline("    if (a) {", (12, 12));
        assert_eq!(e, Edit { from: 12, to: 12, insert: "\n        ".into(), select: (21, 21) });
    }

    #[test]
    fn offsets_are_utf16_like_the_dom() {
        // "é" is one UTF-16 unit, "😀" two.
        let text = "é😀\nx";
        assert_eq!(line_of(text, 4), 2);
        assert_eq!(tab(text, (3, 3)).insert, " ", "two characters but three units: the stop is counted in units");
    }

    #[test]
    fn gutter_and_line_count_agree_with_the_textarea() {
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("a\n"), 2);
        assert_eq!(gutter_text(3), "1\n2\n3\n");
    }
}
