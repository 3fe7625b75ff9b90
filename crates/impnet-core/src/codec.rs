//! Share links: a scenario ⇄ URL fragment.
//!
//! The fragment is one kind character and URL-safe base64 (no padding):
//! - `j`: the payload as JSON;
//! - `z`: the payload as zlib-deflated JSON, used when that is shorter.
//!
//! The payload is a JSON object with a version `v` and only the fields that differ from the
//! defaults of that version (TypeScript playground style: the default scenario is `{"v":3}`).
//! Old links must open forever (Compiler Explorer style): `MIGRATIONS` upgrades a payload one
//! version at a time, and its length *is* the current version. If a default ever changes, the
//! migration into the new version writes the old default into payloads that omitted the field.
//!
//! Decoding trusts nothing: the fragment and the inflated payload are capped at the scenario
//! size limit (no zip bombs), zlib's checksum catches most tampering with deflated links, and
//! the scenario goes through the same reader and checks as a file (`scenario::tree`, `read`,
//! `validate`): a key given twice is refused by its path there, as in a JSON file.

use crate::scenario::load::Format;
use crate::scenario::tree::{Doc, Table, Value as Tree};
use crate::scenario::{load, validate::MAX_FILE_BYTES, Scenario};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

/// Why a link could not be decoded. Shown to users as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError {
    pub reason: String,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "share link: {}", self.reason)
    }
}

impl std::error::Error for LinkError {}

fn fail<T>(reason: impl Into<String>) -> Result<T, LinkError> {
    Err(LinkError { reason: reason.into() })
}

/// One upgrade step: a payload's top table of version `i + 1` (without `v`) to version `i + 2`.
type Migration = fn(Table) -> Result<Table, LinkError>;

/// Is `key` in the table?
fn has(map: &Table, key: &str) -> bool {
    map.iter().any(|(k, _)| k == key)
}

/// Upgrades, oldest first. Never remove or edit an entry: links in the wild depend on it.
const MIGRATIONS: &[Migration] = &[v1_to_v2, v2_to_v3];

/// v2 (issue 10) adds device code, `code` and `libs` (SPEC §14). Nothing else changed, so a v1
/// payload is a v2 payload as it is; one that claims v1 and carries code was not written by
/// impnet. The bump makes an older playground say "made by a newer impnet" about a link with
/// code, instead of "unknown field `code`".
fn v1_to_v2(map: Table) -> Result<Table, LinkError> {
    if has(&map, "code") || has(&map, "libs") {
        return fail("it says format v1, which had no device code, yet carries `code`; was it edited?");
    }
    Ok(map)
}

/// v3 (issue 11) adds agent code, `agent_code` (SPEC §15); a v2 payload is a v3 payload as it
/// is. As for v1 → v2, the bump makes an older playground say "made by a newer impnet".
fn v2_to_v3(map: Table) -> Result<Table, LinkError> {
    if has(&map, "agent_code") {
        return fail("it says format v2, which had no agent code, yet carries `agent_code`; was it edited?");
    }
    Ok(map)
}

/// The payload version this build writes.
pub const VERSION: u64 = 1 + MIGRATIONS.len() as u64;

const RAW: char = 'j';
const DEFLATED: char = 'z';

/// A fragment can be no longer than base64 of the largest payload (deflate is used only when
/// it is shorter than the raw JSON).
const MAX_FRAGMENT_CHARS: usize = MAX_FILE_BYTES / 3 * 4 + 8;

/// The fragment (without `#`) that carries `scenario`.
pub fn encode(scenario: &Scenario) -> String {
    // Serialising plain data into a `Value` cannot fail: every map key is a string.
    let mut payload = serde_json::to_value(scenario).expect("scenario serialises");
    let defaults = serde_json::to_value(Scenario::default()).expect("scenario serialises");
    strip_defaults(&mut payload, &defaults);
    if let Value::Object(m) = &mut payload {
        m.insert("v".into(), VERSION.into());
    }
    let json = payload.to_string().into_bytes();
    let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&json, 9);
    if deflated.len() < json.len() {
        format!("{DEFLATED}{}", URL_SAFE_NO_PAD.encode(deflated))
    } else {
        format!("{RAW}{}", URL_SAFE_NO_PAD.encode(json))
    }
}

/// Removes every field whose value is the default's; groups left empty go too.
fn strip_defaults(v: &mut Value, defaults: &Value) {
    let (Value::Object(m), Value::Object(d)) = (v, defaults) else { return };
    m.retain(|key, value| match d.get(key) {
        None => true,
        Some(dv) if dv == value => false,
        Some(dv) => {
            strip_defaults(value, dv);
            !matches!(value, Value::Object(o) if o.is_empty())
        }
    });
}

/// Accepts a fragment with or without the leading `#`, or a whole URL.
pub fn decode(input: &str) -> Result<Scenario, LinkError> {
    let fragment = fragment_of(input)?;
    if fragment.len() > MAX_FRAGMENT_CHARS {
        return fail(format!("it is {} characters long; no scenario needs more than {MAX_FRAGMENT_CHARS}", fragment.len()));
    }
    let mut chars = fragment.chars();
    let kind = chars.next();
    let body = chars.as_str().trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .or_else(|_| fail("it is damaged (not URL-safe base64); was it cut short or edited?"))?;
    let json = match kind {
        Some(RAW) => bytes,
        Some(DEFLATED) => inflate(&bytes)?,
        _ => return fail("it does not start with a known format letter (`j` or `z`); was it copied whole?"),
    };
    if json.len() > MAX_FILE_BYTES {
        return fail(format!("its scenario is over the {MAX_FILE_BYTES}-byte limit"));
    }
    // Read as text: serde_json's parser over `&str` is the one the rest of the bundle already
    // carries (agent JSON, live frames); a second one over bytes cost ≈ 5 KB of wasm.
    let Ok(json) = String::from_utf8(json) else {
        return fail("it is damaged (its payload is not UTF-8 text); was it edited?");
    };
    // Into the tree JSON files are read into, repeated keys kept: the reader refuses them by
    // their path (issue 13 item 10), where serde_json's own `Value` would keep the last one.
    let Tree::Table(mut map) = serde_json::from_str::<Doc>(&json).or_else(|e| fail(format!("it is damaged (its payload is not JSON: {e})")))?.0 else {
        return fail("it is damaged (its payload is not a JSON object)");
    };
    let version = match map.iter().position(|(k, _)| k == "v").map(|i| map.remove(i).1) {
        None => return fail("it has no version (`v`); it was not made by impnet"),
        Some(_) if has(&map, "v") => return fail("its scenario is invalid: v: given twice"),
        Some(Tree::Int(v)) if v >= 0 => v as u64,
        Some(Tree::UInt(v)) => v,
        Some(v) => return fail(format!("its version {} is not a positive integer", v.words(Format::Json))),
    };
    let map = migrate(MIGRATIONS, version, map)?;
    load::from_link_tree(Tree::Table(map)).or_else(|e| fail(format!("its scenario is invalid: {e}")))
}

fn fragment_of(input: &str) -> Result<&str, LinkError> {
    let input = input.trim();
    let fragment = match input.split_once('#') {
        Some((_, f)) => f,
        None if input.contains("://") => return fail("the URL has no `#…` part; the scenario travels after the `#`"),
        None => input,
    };
    if fragment.is_empty() {
        return fail("it is empty");
    }
    Ok(fragment)
}

fn inflate(bytes: &[u8]) -> Result<Vec<u8>, LinkError> {
    use miniz_oxide::inflate::{decompress_to_vec_zlib_with_limit, TINFLStatus};
    decompress_to_vec_zlib_with_limit(bytes, MAX_FILE_BYTES).or_else(|e| match e.status {
        TINFLStatus::HasMoreOutput => fail(format!("it inflates past the {MAX_FILE_BYTES}-byte scenario limit")),
        _ => fail("it is damaged (the compressed data does not check out); was it cut short or edited?"),
    })
}

/// Runs `chain[from-1..]` over a payload of version `from`, giving the current version.
fn migrate(chain: &[Migration], from: u64, mut map: Table) -> Result<Table, LinkError> {
    let current = 1 + chain.len() as u64;
    if from == 0 {
        return fail("its version is 0; versions start at 1");
    }
    if from > current {
        return fail(format!("it was made by a newer impnet (format v{from}); this one reads up to v{current}"));
    }
    for step in &chain[(from - 1) as usize..] {
        map = step(map)?;
    }
    Ok(map)
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
