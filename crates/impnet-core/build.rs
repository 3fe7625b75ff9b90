//! The first preset's TOML, parsed here at build time into a literal tree
//! (`scenario::tree::Lit`): the playground's first screen shows that preset, and reading it
//! from the literal keeps the TOML parser out of what the page runs before its first paint
//! (issue #10 item 6: that code then waits in the bundle's second half). `presets` checks
//! that the literal reads to the same scenario as the file does.

use std::fmt::Write;

/// `presets::ALL[0]` (a test in `presets` keeps them equal).
const FIRST: &str = "default-policy-wifi-outage";

fn main() {
    let path = format!("../../presets/{FIRST}.toml");
    println!("cargo:rerun-if-changed={path}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = format!("// Written by build.rs from presets/{FIRST}.toml.\npub(crate) const FIRST_ID: &str = {FIRST:?};\n");
    out.push_str("pub(crate) const FIRST_TREE: crate::scenario::tree::Lit = ");
    table_lit(&mut out, &table, &path);
    out.push_str(";\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("first_preset.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

fn table_lit(out: &mut String, t: &toml::Table, path: &str) {
    out.push_str("crate::scenario::tree::Lit::Table(&[");
    for (k, v) in t {
        write!(out, "({k:?}, ").unwrap();
        lit(out, v, path);
        out.push_str("), ");
    }
    out.push_str("])");
}

fn lit(out: &mut String, v: &toml::Value, path: &str) {
    use toml::Value as V;
    match v {
        V::String(s) => write!(out, "crate::scenario::tree::Lit::Str({s:?})").unwrap(),
        V::Integer(i) => write!(out, "crate::scenario::tree::Lit::Int({i})").unwrap(),
        V::Float(f) if f.is_finite() => write!(out, "crate::scenario::tree::Lit::Float({f:?})").unwrap(),
        V::Boolean(b) => write!(out, "crate::scenario::tree::Lit::Bool({b})").unwrap(),
        V::Array(items) => {
            out.push_str("crate::scenario::tree::Lit::Array(&[");
            for item in items {
                lit(out, item, path);
                out.push_str(", ");
            }
            out.push_str("])");
        }
        V::Table(t) => table_lit(out, t, path),
        other => panic!("{path}: {other} has no literal form (a datetime or a non-finite float): parse it at run time"),
    }
}
