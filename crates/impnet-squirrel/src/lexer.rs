//! The token stream. Public so an editor can colour Squirrel with the very lexer that compiles
//! it: [`tokenize`] for the compiler (fails at the first bad character), [`highlight`] for
//! editors (never fails, keeps comments, marks bad input as [`TokenKind::Error`]).

use crate::error::CompileError;

/// Where a token starts: 1-based line and column (columns count characters), and its byte
/// range in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    Ident(String),
    Keyword(Keyword),
    Int(i32),
    Float(f32),
    /// A string literal's bytes after escapes (verbatim `@"..."` strings included).
    Str(Vec<u8>),
    Punct(Punct),
    /// Only from [`highlight`]: `//`, `#` and `/* */` comments.
    Comment,
    /// Only from [`highlight`]: a character or literal the lexer refuses.
    Error,
    Eof,
}

impl TokenKind {
    /// A colouring class for editors: `keyword`, `ident`, `number`, `string`, `punct`,
    /// `comment`, `error` or `eof`.
    pub fn category(&self) -> &'static str {
        match self {
            TokenKind::Ident(_) => "ident",
            TokenKind::Keyword(_) => "keyword",
            TokenKind::Int(_) | TokenKind::Float(_) => "number",
            TokenKind::Str(_) => "string",
            TokenKind::Punct(_) => "punct",
            TokenKind::Comment => "comment",
            TokenKind::Error => "error",
            TokenKind::Eof => "eof",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

macro_rules! keywords {
    ($($name:ident = $text:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Keyword { $($name,)* }
        impl Keyword {
            pub fn parse(s: &str) -> Option<Keyword> {
                match s { $($text => Some(Keyword::$name),)* _ => None }
            }
            pub fn as_str(self) -> &'static str {
                match self { $(Keyword::$name => $text,)* }
            }
        }
    };
}

keywords! {
    Base = "base", Break = "break", Case = "case", Catch = "catch", Class = "class",
    Clone = "clone", Continue = "continue", Const = "const", Default = "default",
    Delete = "delete", Else = "else", Enum = "enum", Extends = "extends", For = "for",
    Foreach = "foreach", Function = "function", If = "if", In = "in", Local = "local",
    Null = "null", Resume = "resume", Return = "return", Switch = "switch", This = "this",
    Throw = "throw", Try = "try", Typeof = "typeof", While = "while", Do = "do", Yield = "yield",
    Constructor = "constructor", Instanceof = "instanceof", True = "true", False = "false",
    Static = "static", Line = "__LINE__", File = "__FILE__",
}

macro_rules! puncts {
    ($($name:ident = $text:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Punct { $($name,)* }
        impl Punct {
            pub fn as_str(self) -> &'static str {
                match self { $(Punct::$name => $text,)* }
            }
        }
        /// Longest first, so `>>>=` wins over `>>`.
        const PUNCTS: &[(&str, Punct)] = &[$(($text, Punct::$name),)*];
    };
}

puncts! {
    UShrAssign = ">>>=", Ellipsis = "...", UShr = ">>>", ShlAssign = "<<=", ShrAssign = ">>=",
    Cmp3 = "<=>", Ne = "!=", EqEq = "==", OrOr = "||", AndAnd = "&&", Le = "<=", Ge = ">=",
    NewSlot = "<-", PlusAssign = "+=", MinusAssign = "-=", MulAssign = "*=", DivAssign = "/=",
    ModAssign = "%=", AndAssign = "&=", OrAssign = "|=", XorAssign = "^=", Inc = "++", Dec = "--",
    Shl = "<<", Shr = ">>", ColonColon = "::",
    Not = "!", Lt = "<", Gt = ">", Assign = "=", Plus = "+", Minus = "-", Star = "*",
    Slash = "/", Percent = "%", Amp = "&", Pipe = "|", Caret = "^", Tilde = "~", Dot = ".",
    Colon = ":", Semi = ";", Comma = ",", Question = "?", At = "@", LParen = "(", RParen = ")",
    LBracket = "[", RBracket = "]", LBrace = "{", RBrace = "}",
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    col: u32,
    file: &'a str,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn bump(&mut self) -> u8 {
        let c = self.peek(0);
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if c & 0xC0 != 0x80 {
            // Count characters, not UTF-8 continuation bytes.
            self.col += 1;
        }
        c
    }

    fn error(&self, span: Span, message: impl Into<String>) -> CompileError {
        CompileError {
            file: self.file.to_string(),
            line: span.line,
            col: span.col,
            message: message.into(),
        }
    }

    fn here(&self) -> Span {
        Span {
            line: self.line,
            col: self.col,
            start: self.pos as u32,
            end: self.pos as u32,
        }
    }

    /// Skips whitespace; returns a comment token's span if it stopped after one.
    fn skip_space(&mut self) -> Result<Option<Span>, CompileError> {
        loop {
            let c = self.peek(0);
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C => {
                    self.bump();
                }
                b'#' | b'/' if c == b'#' || self.peek(1) == b'/' => {
                    let start = self.here();
                    while self.pos < self.src.len() && self.peek(0) != b'\n' {
                        self.bump();
                    }
                    return Ok(Some(start));
                }
                b'/' if self.peek(1) == b'*' => {
                    let start = self.here();
                    self.bump();
                    self.bump();
                    loop {
                        if self.pos >= self.src.len() {
                            return Err(self.error(start, "missing \"*/\" in comment"));
                        }
                        if self.peek(0) == b'*' && self.peek(1) == b'/' {
                            self.bump();
                            self.bump();
                            break;
                        }
                        self.bump();
                    }
                    return Ok(Some(start));
                }
                _ => return Ok(None),
            }
        }
    }

    fn next(&mut self) -> Result<Token, CompileError> {
        let span = self.here();
        let c = self.peek(0);
        let kind = if self.pos >= self.src.len() {
            TokenKind::Eof
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = self.pos;
            while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                self.bump();
            }
            let word = std::str::from_utf8(&self.src[start..self.pos]).unwrap_or("");
            match Keyword::parse(word) {
                Some(k) => TokenKind::Keyword(k),
                None => TokenKind::Ident(word.to_string()),
            }
        } else if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_ascii_digit()) {
            self.number(span)?
        } else if c == b'"' {
            self.bump();
            TokenKind::Str(self.string(span, b'"')?)
        } else if c == b'@' && self.peek(1) == b'"' {
            self.bump();
            self.bump();
            TokenKind::Str(self.verbatim(span)?)
        } else if c == b'\'' {
            self.bump();
            let bytes = self.string(span, b'\'')?;
            match bytes.as_slice() {
                [b] => TokenKind::Int(*b as i8 as i32),
                _ => return Err(self.error(span, "invalid character")),
            }
        } else {
            let rest = &self.src[self.pos..];
            let Some(&(text, p)) = PUNCTS.iter().find(|(t, _)| rest.starts_with(t.as_bytes()))
            else {
                let shown = std::str::from_utf8(rest)
                    .ok()
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                return Err(self.error(span, format!("unexpected character '{shown}'")));
            };
            for _ in 0..text.len() {
                self.bump();
            }
            TokenKind::Punct(p)
        };
        Ok(Token {
            kind,
            span: Span {
                end: self.pos as u32,
                ..span
            },
        })
    }

    fn number(&mut self, span: Span) -> Result<TokenKind, CompileError> {
        let start = self.pos;
        if self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X') {
            self.bump();
            self.bump();
            let mut v: u32 = 0;
            let mut digits = 0;
            while let Some(d) = (self.peek(0) as char).to_digit(16) {
                v = v.wrapping_mul(16).wrapping_add(d);
                digits += 1;
                self.bump();
            }
            if digits == 0 {
                return Err(self.error(span, "expected hex digits after '0x'"));
            }
            return Ok(TokenKind::Int(v as i32));
        }
        if self.peek(0) == b'0' && self.peek(1).is_ascii_digit() {
            // A leading 0 makes an octal literal, as in Squirrel.
            self.bump();
            let mut v: u32 = 0;
            while self.peek(0).is_ascii_digit() {
                let d = self.bump() - b'0';
                if d > 7 {
                    return Err(self.error(span, "invalid octal number"));
                }
                v = v.wrapping_mul(8).wrapping_add(d as u32);
            }
            return Ok(TokenKind::Int(v as i32));
        }
        let mut is_float = false;
        while self.peek(0).is_ascii_digit() {
            self.bump();
        }
        // `5.tostring()`: a dot makes a float only when a digit follows.
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            is_float = true;
            self.bump();
            while self.peek(0).is_ascii_digit() {
                self.bump();
            }
        }
        if matches!(self.peek(0), b'e' | b'E') {
            is_float = true;
            self.bump();
            if matches!(self.peek(0), b'+' | b'-') {
                self.bump();
            }
            if !self.peek(0).is_ascii_digit() {
                return Err(self.error(span, "exponent expected"));
            }
            while self.peek(0).is_ascii_digit() {
                self.bump();
            }
        }
        if self.peek(0).is_ascii_alphabetic() || self.peek(0) == b'_' {
            return Err(self.error(span, "invalid number"));
        }
        let text = std::str::from_utf8(&self.src[start..self.pos]).unwrap_or("0");
        if is_float {
            text.parse::<f32>()
                .map(TokenKind::Float)
                .map_err(|_| self.error(span, "invalid number"))
        } else {
            // Out-of-range decimal literals wrap like the 32-bit arithmetic they feed.
            let mut v: u32 = 0;
            for d in text.bytes() {
                v = v.wrapping_mul(10).wrapping_add((d - b'0') as u32);
            }
            Ok(TokenKind::Int(v as i32))
        }
    }

    fn string(&mut self, span: Span, quote: u8) -> Result<Vec<u8>, CompileError> {
        let mut out = Vec::new();
        loop {
            if self.pos >= self.src.len() {
                return Err(self.error(span, "unfinished string"));
            }
            let c = self.bump();
            match c {
                b'\n' => return Err(self.error(span, "newline in a constant")),
                c if c == quote => return Ok(out),
                b'\\' => {
                    let e = self.bump();
                    out.push(match e {
                        b't' => b'\t',
                        b'a' => 7,
                        b'b' => 8,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b'v' => 11,
                        b'f' => 12,
                        b'0' => 0,
                        b'\\' | b'"' | b'\'' => e,
                        b'x' => {
                            let mut v: u32 = 0;
                            let mut n = 0;
                            while n < 2 {
                                let Some(d) = (self.peek(0) as char).to_digit(16) else {
                                    break;
                                };
                                v = v * 16 + d;
                                n += 1;
                                self.bump();
                            }
                            if n == 0 {
                                return Err(self.error(span, "hexadecimal number expected"));
                            }
                            v as u8
                        }
                        _ => return Err(self.error(span, "unrecognised escaper char")),
                    });
                }
                c => out.push(c),
            }
        }
    }

    fn verbatim(&mut self, span: Span) -> Result<Vec<u8>, CompileError> {
        let mut out = Vec::new();
        loop {
            if self.pos >= self.src.len() {
                return Err(self.error(span, "unfinished string"));
            }
            let c = self.bump();
            if c == b'"' {
                if self.peek(0) == b'"' {
                    self.bump();
                    out.push(b'"');
                } else {
                    return Ok(out);
                }
            } else {
                out.push(c);
            }
        }
    }
}

/// The tokens of `src`, ending with [`TokenKind::Eof`]; comments are skipped. The first bad
/// character or literal is a [`CompileError`] at its position, naming `file`.
pub fn tokenize(file: &str, src: &str) -> Result<Vec<Token>, CompileError> {
    let mut lx = Lexer {
        src: src.as_bytes(),
        pos: 0,
        line: 1,
        col: 1,
        file,
    };
    let mut out = Vec::new();
    loop {
        while lx.skip_space()?.is_some() {}
        let t = lx.next()?;
        let end = t.kind == TokenKind::Eof;
        out.push(t);
        if end {
            return Ok(out);
        }
    }
}

/// Every token of `src` for syntax highlighting, comments included, ending with
/// [`TokenKind::Eof`]. Never fails: a character the lexer refuses becomes a one-character
/// [`TokenKind::Error`] token and lexing goes on after it (an unfinished `/* */` comment
/// becomes one `Error` token to the end).
pub fn highlight(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src: src.as_bytes(),
        pos: 0,
        line: 1,
        col: 1,
        file: "",
    };
    let mut out = Vec::new();
    loop {
        let before = lx.here();
        match lx.skip_space() {
            Ok(Some(span)) => {
                out.push(Token {
                    kind: TokenKind::Comment,
                    span: Span {
                        end: lx.pos as u32,
                        ..span
                    },
                });
                continue;
            }
            Ok(None) => {}
            Err(_) => {
                lx.pos = src.len();
                out.push(Token {
                    kind: TokenKind::Error,
                    span: Span {
                        end: lx.pos as u32,
                        ..before
                    },
                });
                continue;
            }
        }
        let start = lx.here();
        match lx.next() {
            Ok(t) => {
                let end = t.kind == TokenKind::Eof;
                out.push(t);
                if end {
                    return out;
                }
            }
            Err(_) => {
                // Resume one character after where the bad token started.
                lx.pos = start.start as usize;
                lx.line = start.line;
                lx.col = start.col;
                lx.bump();
                while lx.pos < src.len() && lx.peek(0) & 0xC0 == 0x80 {
                    lx.pos += 1;
                }
                out.push(Token {
                    kind: TokenKind::Error,
                    span: Span {
                        end: lx.pos as u32,
                        ..start
                    },
                });
            }
        }
    }
}
