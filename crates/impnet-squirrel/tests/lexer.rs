//! The public token stream (issue 9 item 1: the playground colours code with it): kinds,
//! line:col positions and byte ranges; `highlight` never fails and keeps comments.

use impnet_squirrel::lexer::{highlight, tokenize, Keyword, Punct, TokenKind};

#[test]
fn tokens_carry_line_column_and_byte_range() {
    let src = "local x = 0x10; # note\n  x <- \"s\" + 1.5;";
    let toks = tokenize("t.nut", src).unwrap();
    let shown: Vec<(String, u32, u32)> = toks
        .iter()
        .map(|t| {
            (
                src[t.span.start as usize..t.span.end as usize].to_string(),
                t.span.line,
                t.span.col,
            )
        })
        .collect();
    let expect = [
        ("local", 1, 1),
        ("x", 1, 7),
        ("=", 1, 9),
        ("0x10", 1, 11),
        (";", 1, 15),
        ("x", 2, 3),
        ("<-", 2, 5),
        ("\"s\"", 2, 8),
        ("+", 2, 12),
        ("1.5", 2, 14),
        (";", 2, 17),
        ("", 2, 18),
    ];
    let expect: Vec<(String, u32, u32)> = expect
        .iter()
        .map(|(s, l, c)| (s.to_string(), *l, *c))
        .collect();
    assert_eq!(shown, expect);
    assert_eq!(toks[0].kind, TokenKind::Keyword(Keyword::Local));
    assert_eq!(toks[3].kind, TokenKind::Int(16));
    assert_eq!(toks[6].kind, TokenKind::Punct(Punct::NewSlot));
    assert_eq!(toks[7].kind, TokenKind::Str(b"s".to_vec()));
    assert_eq!(toks[9].kind, TokenKind::Float(1.5));
}

#[test]
fn columns_count_characters_not_bytes() {
    let toks = tokenize("t.nut", "\"é\" x").unwrap();
    assert_eq!((toks[1].span.line, toks[1].span.col), (1, 5));
}

#[test]
fn highlight_keeps_comments_and_marks_errors_without_failing() {
    let src = "a $ b // c\n/* d */ \"open";
    let kinds: Vec<TokenKind> = highlight(src).into_iter().map(|t| t.kind).collect();
    assert_eq!(kinds[0], TokenKind::Ident("a".into()));
    assert_eq!(kinds[1], TokenKind::Error);
    assert_eq!(kinds[2], TokenKind::Ident("b".into()));
    assert_eq!(kinds[3], TokenKind::Comment);
    assert_eq!(kinds[4], TokenKind::Comment);
    assert!(kinds.contains(&TokenKind::Error));
    assert_eq!(kinds.last(), Some(&TokenKind::Eof));
}

#[test]
fn token_categories_for_colouring() {
    let cats: Vec<&str> = highlight("local x = \"s\" + 1 // c")
        .iter()
        .map(|t| t.kind.category())
        .collect();
    assert_eq!(
        cats,
        ["keyword", "ident", "punct", "string", "punct", "number", "comment", "eof"]
    );
}
