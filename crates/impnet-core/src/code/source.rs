//! Where device code comes from (SPEC §14), and agent code (§15) alike: the main program plus the files its
//! `#require "Name.lib.nut:1.2.3"` and Builder's `@include "path"` name, found by file name
//! among the files the caller can supply (`impnet run --lib DIR`, a scenario's `libs`).
//!
//! Each file stays its own compilation unit so trace lines name the line *in the file that
//! made the call*. Files run in dependency order (a file's own requirements first), the main
//! program last; a file named twice runs once. `@include` is therefore not textual: it runs
//! the included file before the including one **[choice]**, which is what a library include
//! at the top of a file means. `@include` lines are blanked before compiling (`@` starts a
//! lambda in Squirrel); `#require` lines are comments already.

use impnet_squirrel::CompileError;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// The main program's name in traces and errors when it came from a scenario's `code`.
pub const MAIN_FILE: &str = "device.nut";
/// §14: device code is at most 1 MiB in all files.
pub const MAX_CODE_BYTES: usize = 1 << 20;
/// Requirements nested deeper than this are refused (they would only recurse).
const MAX_NESTING: usize = 64;

/// One compilation unit, directives blanked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeFile {
    pub name: String,
    pub text: String,
}

/// A program ready to compile: libraries in run order, the main program last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub files: Vec<CodeFile>,
}

impl Code {
    /// The main program (always the last file).
    pub fn main(&self) -> &CodeFile {
        self.files.last().expect("a program has its main file")
    }

    /// Compiles every file: the first compile error, as `file:line:col: message`.
    pub fn check(&self) -> Result<(), CodeError> {
        for f in &self.files {
            impnet_squirrel::check(&f.name, &f.text).map_err(CodeError::Compile)?;
        }
        Ok(())
    }
}

/// Why device code was refused at load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// A `#require`/`@include` names a file none of the library folders holds.
    Unresolved { file: String, line: u32, directive: String, wanted: String },
    /// A directive this loader cannot read (no quoted name).
    BadDirective { file: String, line: u32, directive: String },
    /// Requirements nested past `MAX_NESTING`.
    TooDeep { file: String, line: u32 },
    /// Over `MAX_CODE_BYTES` in all files of one program (`file`: its main file).
    TooLarge { file: String, bytes: usize },
    Compile(CompileError),
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Unresolved { file, line, directive, wanted } => write!(
                f,
                "{file}:{line}: {directive}: no file named {wanted} in the library folders (give its folder with --lib DIR)"
            ),
            CodeError::BadDirective { file, line, directive } => {
                write!(f, "{file}:{line}: {directive}: expected a quoted file name")
            }
            CodeError::TooDeep { file, line } => {
                write!(f, "{file}:{line}: libraries require each other more than {MAX_NESTING} levels deep")
            }
            CodeError::TooLarge { file, bytes } => {
                write!(f, "{file} and its libraries are {bytes} bytes in all files; the limit is {MAX_CODE_BYTES} bytes (1 MiB)")
            }
            CodeError::Compile(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CodeError {}

/// A `#require`/`@include` line: the directive as written and the file name it resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Directive {
    line: u32,
    written: String,
    wanted: String,
    /// An `@include` (a path, blanked before compiling by [`blank_includes`]) rather than a
    /// `#require` (`Name.lib.nut:version`, a Squirrel comment already).
    blank: bool,
}

/// Reads the directives of one file. `Err` for a directive without a quoted name.
fn directives(file: &str, text: &str) -> Result<Vec<Directive>, CodeError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let t = raw.trim();
        let (rest, blank) = if let Some(r) = t.strip_prefix("#require") {
            (r, false)
        } else if let Some(r) = t.strip_prefix("@include") {
            let r = r.trim_start();
            (r.strip_prefix("once").unwrap_or(r), true)
        } else {
            continue;
        };
        let written = t.to_string();
        let bad = || CodeError::BadDirective { file: file.into(), line, directive: written.clone() };
        let rest = rest.trim_start().strip_prefix('"').ok_or_else(bad)?;
        let quoted = &rest[..rest.find('"').ok_or_else(bad)?];
        // "Name.lib.nut:1.2.3": the version is noted, not enforced. "a/b/c.nut": by file name.
        let path = if blank { quoted } else { quoted.split(':').next().unwrap_or(quoted) };
        let wanted = path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        if wanted.is_empty() {
            return Err(bad());
        }
        out.push(Directive { line, written, wanted, blank });
    }
    Ok(out)
}

/// `text` as the compiler sees it: its `@include` lines blanked (`@` starts a lambda in
/// Squirrel), every other line where it was. The playground's editors check what is typed
/// through this, so a program with an `@include` compiles there as it does in a run.
pub fn blank_includes(text: &str) -> Cow<'_, str> {
    let is_include = |l: &str| l.trim().starts_with("@include");
    if !text.lines().any(is_include) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for l in text.split_inclusive('\n') {
        if is_include(l) {
            out.extend(l.chars().filter(|&c| c == '\n' || c == '\r'));
        } else {
            out.push_str(l);
        }
    }
    Cow::Owned(out)
}

/// Resolves `main`'s requirements through `lookup` (file name → its text) and returns the
/// program in run order. Does not compile: see [`Code::check`].
pub fn resolve(main_name: &str, main: &str, lookup: &mut dyn FnMut(&str) -> Option<String>) -> Result<Code, CodeError> {
    let mut r = Resolver { main: main_name, lookup, files: Vec::new(), seen: HashSet::from([main_name.to_string()]), bytes: 0 };
    r.add(main_name, main.to_string(), 0)?;
    Ok(Code { files: r.files })
}

struct Resolver<'a> {
    main: &'a str,
    lookup: &'a mut dyn FnMut(&str) -> Option<String>,
    files: Vec<CodeFile>,
    /// Files already included: a file with many directives (1 MiB holds ~50 000) must not
    /// scan a list for each.
    seen: HashSet<String>,
    bytes: usize,
}

impl Resolver<'_> {
    fn add(&mut self, name: &str, text: String, depth: usize) -> Result<(), CodeError> {
        self.bytes += text.len();
        if self.bytes > MAX_CODE_BYTES {
            return Err(CodeError::TooLarge { file: self.main.into(), bytes: self.bytes });
        }
        let ds = directives(name, &text)?;
        for d in &ds {
            if self.seen.contains(&d.wanted) {
                continue;
            }
            if depth >= MAX_NESTING {
                return Err(CodeError::TooDeep { file: name.into(), line: d.line });
            }
            let Some(lib) = (self.lookup)(&d.wanted) else {
                return Err(CodeError::Unresolved {
                    file: name.into(),
                    line: d.line,
                    directive: d.written.clone(),
                    wanted: d.wanted.clone(),
                });
            };
            self.seen.insert(d.wanted.clone());
            self.add(&d.wanted, lib, depth + 1)?;
        }
        self.files.push(CodeFile { name: name.to_string(), text: match blank_includes(&text) {
            Cow::Owned(blanked) => blanked,
            Cow::Borrowed(_) => text,
        } });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn libs(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
    }

    fn resolve_with(main: &str, files: &BTreeMap<String, String>) -> Result<Code, CodeError> {
        resolve("main.nut", main, &mut |n| files.get(n).cloned())
    }

    fn names(c: &Code) -> Vec<&str> {
        c.files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn section14_require_resolves_by_file_name_and_notes_the_version() {
        let files = libs(&[("Promise.lib.nut", "class Promise {}")]);
        let c = resolve_with("#require \"Promise.lib.nut:4.0.0\"\nlocal p = Promise;\n", &files).unwrap();
        assert_eq!(names(&c), ["Promise.lib.nut", "main.nut"]);
        c.check().unwrap();
    }

    #[test]
    fn section14_include_resolves_by_file_name_and_keeps_line_numbers() {
        let files = libs(&[("util.nut", "function twice(x) { return 2 * x; }")]);
        let main = "// top\n@include once \"lib/util.nut\"\nlocal y = twice(2);\n";
        let c = resolve_with(main, &files).unwrap();
        assert_eq!(names(&c), ["util.nut", "main.nut"]);
        // The include line is blank; the code after it is still on line 3.
        assert_eq!(c.main().text, "// top\n\nlocal y = twice(2);\n");
        c.check().unwrap();
    }

    #[test]
    fn section14_requirements_of_libraries_run_first_and_once() {
        let files = libs(&[
            ("A.lib.nut", "#require \"C.lib.nut:1.0.0\"\nA <- 1;"),
            ("B.lib.nut", "#require \"C.lib.nut:1.0.0\"\nB <- 2;"),
            ("C.lib.nut", "C <- 3;"),
        ]);
        let main = "#require \"A.lib.nut:1.0.0\"\n#require \"B.lib.nut:1.0.0\"\n";
        let c = resolve_with(main, &files).unwrap();
        assert_eq!(names(&c), ["C.lib.nut", "A.lib.nut", "B.lib.nut", "main.nut"]);
    }

    #[test]
    fn section14_an_unresolved_requirement_is_refused_naming_its_line() {
        let e = resolve_with("local a = 1;\n#require \"Messenger.lib.nut:0.2.0\"\n", &BTreeMap::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "main.nut:2: #require \"Messenger.lib.nut:0.2.0\": no file named Messenger.lib.nut in the library folders (give its folder with --lib DIR)"
        );
        // Inside a library: the library's file and line.
        let files = libs(&[("A.lib.nut", "\n\n@include \"gone.nut\"")]);
        let e = resolve_with("#require \"A.lib.nut:1.0.0\"", &files).unwrap_err();
        assert!(e.to_string().starts_with("A.lib.nut:3: @include \"gone.nut\": no file named gone.nut"), "{e}");
    }

    #[test]
    fn a_directive_without_a_quoted_name_is_refused() {
        let e = resolve_with("#require Promise\n", &BTreeMap::new()).unwrap_err();
        assert!(matches!(e, CodeError::BadDirective { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn libraries_that_require_each_other_terminate() {
        let files = libs(&[("A.nut", "@include \"B.nut\""), ("B.nut", "@include \"A.nut\"")]);
        let c = resolve_with("@include \"A.nut\"", &files).unwrap();
        assert_eq!(names(&c), ["B.nut", "A.nut", "main.nut"]);
    }

    #[test]
    fn section14_code_over_1_mib_in_all_files_is_refused() {
        let big = "x <- 1;\n".repeat(70_000);
        let files = libs(&[("a.nut", &big), ("b.nut", &big)]);
        let e = resolve_with("@include \"a.nut\"\n@include \"b.nut\"\n", &files).unwrap_err();
        assert!(matches!(e, CodeError::TooLarge { .. }), "{e:?}");
        assert!(e.to_string().contains("limit is 1048576 bytes (1 MiB)"), "{e}");
    }

    #[test]
    fn section14_a_compile_error_is_file_line_col_message() {
        let files = libs(&[("bad.nut", "local a = 1;\nlocal = 2;\n")]);
        let c = resolve_with("@include \"bad.nut\"", &files).unwrap();
        let e = c.check().unwrap_err();
        let CodeError::Compile(ce) = &e else { panic!("{e:?}") };
        assert_eq!((ce.file.as_str(), ce.line), ("bad.nut", 2));
        assert!(e.to_string().starts_with("bad.nut:2:"), "{e}");
    }
}
