//! Short import names. wasm-bindgen names every JS function the wasm imports after the Rust
//! item plus a 16-digit hash (`__wbg_settextContent_0123456789abcdef`), under the module
//! `./impnet-playground_bg.js`; the glue (the `.js` beside the wasm) defines each once as a
//! property of its imports object. Hashes do not compress: renaming both sides to a few
//! letters takes ~4 KB off the first load (issue #10 item 6). Every rename is checked: each
//! old name must appear exactly once in the glue, as `name: function(`.

use crate::emit::Sections;
use crate::module::Module;
use crate::{reencode_error, validated, Error};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{EntityType, ImportSection};

/// The module name the imports get.
const MODULE: &str = "w";

pub struct Minified {
    pub wasm: Vec<u8>,
    pub js: String,
    pub renamed: usize,
}

/// Renames the function imports of `wasm` from the glue's module, in `wasm` and in `js`.
pub fn minify_imports(wasm: &[u8], js: &str) -> Result<Minified, Error> {
    let m = Module::parse(wasm)?;
    let glue_module = m
        .imports
        .iter()
        .find(|i| i.name.starts_with("__wbg_") || i.name.starts_with("__wbindgen_"))
        .map(|i| i.module)
        .ok_or_else(|| Error::Input("no wasm-bindgen import to rename".into()))?;
    let module_key = format!("\"{glue_module}\": ");
    if js.matches(&module_key).count() != 1 {
        return Err(Error::Input(format!("the glue does not name the import module {glue_module:?} exactly once")));
    }
    let mut js = js.replacen(&module_key, &format!("\"{MODULE}\": "), 1);
    let mut section = ImportSection::new();
    let mut renamed = 0;
    for import in &m.imports {
        let ty: EntityType = RoundtripReencoder.entity_type(import.ty).map_err(reencode_error)?;
        if import.module != glue_module {
            section.import(import.module, import.name, ty);
            continue;
        }
        let new = short_name(renamed);
        let old_key = format!("{}: function(", import.name);
        if !import.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || js.matches(&old_key).count() != 1 {
            return Err(Error::Input(format!("the glue does not define the import {} exactly once", import.name)));
        }
        js = js.replacen(&old_key, &format!("{new}: function("), 1);
        section.import(MODULE, &new, ty);
        renamed += 1;
    }
    let mut sections = Sections::default();
    sections.set(2, &section);
    let wasm = validated("renamed", sections.write(&m))?;
    Ok(Minified { wasm, js, renamed })
}

/// `a`..`z`, `A`..`Z`, then two letters and so on: JS identifiers that are not keywords and
/// never `__proto__`.
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = Vec::new();
    loop {
        s.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    // Two-letter names that are JS keywords: `do`, `if`, `in`; none of ours is longer.
    let name = String::from_utf8(s).expect("ASCII letters");
    if matches!(name.as_str(), "do" | "if" | "in") {
        format!("{name}_")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert!(names.iter().all(|n| n.chars().next().unwrap().is_ascii_alphabetic()));
        assert!(!names.iter().any(|n| ["do", "if", "in"].contains(&n.as_str())));
        assert_eq!((short_name(0).as_str(), short_name(51).as_str(), short_name(52).len()), ("a", "Z", 2));
    }
}
