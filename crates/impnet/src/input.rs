//! What a SCENARIO argument names: a file (TOML or JSON), `-` for stdin, a preset id, or a
//! share link (a whole URL, `#fragment` or bare fragment). The one loader of `run`, `link`,
//! `device` and `check` (issue 8 item 4).

use impnet_core::scenario::validate::MAX_FILE_BYTES;
use impnet_core::scenario::{parse_json, parse_toml};
use impnet_core::{codec, presets, Scenario};
use std::io::Read;
use std::path::Path;

/// Why the argument gave no scenario: always the user's input, so the exit code is 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, InputError> {
    Err(InputError(msg.into()))
}

/// Loads the scenario `arg` names. Files win over presets, presets over links: a preset id
/// such as `zero-timeout-trap` is also valid base64.
pub fn load(arg: &str) -> Result<Scenario, InputError> {
    if arg == "-" {
        return from_stdin();
    }
    let path = Path::new(arg);
    if path.is_file() {
        return from_file(path);
    }
    if let Some(p) = presets::find(arg) {
        return parse_toml(p.toml).or_else(|e| refuse(format!("preset {arg}: {e}")));
    }
    if let Some(p) = presets::find_pair(arg) {
        return p.scenario().or_else(|e| refuse(format!("preset {arg}: {e}")));
    }
    if looks_like_link(arg) {
        return codec::decode(arg).or_else(|e| refuse(e.to_string()));
    }
    if arg.contains('/') || arg.ends_with(".toml") || arg.ends_with(".json") {
        return refuse(format!("{arg}: no such file"));
    }
    let known: Vec<&str> = presets::ALL.iter().map(|p| p.id).chain(presets::PAIRS.iter().map(|p| p.id)).collect();
    let presets = if known.is_empty() { "none yet".to_string() } else { known.join(", ") };
    refuse(format!("`{arg}` is not a file, a preset or a share link (presets: {presets})"))
}

fn looks_like_link(arg: &str) -> bool {
    arg.contains('#')
        || arg.contains("://")
        || (arg.len() > 1
            && (arg.starts_with('j') || arg.starts_with('z'))
            && arg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn from_stdin() -> Result<Scenario, InputError> {
    let mut bytes = Vec::new();
    // Read one byte past the limit: enough to know it is too big, never more.
    std::io::stdin()
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .or_else(|e| refuse(format!("stdin: {e}")))?;
    let text = text_of("stdin", bytes)?;
    parse_sniffed("stdin", &text, None)
}

fn from_file(path: &Path) -> Result<Scenario, InputError> {
    let name = path.display().to_string();
    let len = std::fs::metadata(path).map(|m| m.len()).or_else(|e| refuse(format!("{name}: {e}")))?;
    if len > MAX_FILE_BYTES as u64 {
        return refuse(format!("{name}: the scenario is {len} bytes; the limit is {MAX_FILE_BYTES} bytes (1 MiB)"));
    }
    let bytes = std::fs::read(path).or_else(|e| refuse(format!("{name}: {e}")))?;
    let text = text_of(&name, bytes)?;
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    parse_sniffed(&name, &text, ext.as_deref())
}

fn text_of(name: &str, bytes: Vec<u8>) -> Result<String, InputError> {
    if bytes.len() > MAX_FILE_BYTES {
        return refuse(format!("{name}: the scenario is over the limit of {MAX_FILE_BYTES} bytes (1 MiB)"));
    }
    String::from_utf8(bytes).or_else(|e| refuse(format!("{name}: not UTF-8 text ({e})")))
}

/// The extension decides; without one, a leading `{` means JSON (a TOML file cannot start so).
fn parse_sniffed(name: &str, text: &str, ext: Option<&str>) -> Result<Scenario, InputError> {
    let json = match ext {
        Some("json") => true,
        Some("toml") => false,
        _ => text.trim_start().starts_with('{'),
    };
    let parsed = if json { parse_json(text) } else { parse_toml(text) };
    parsed.or_else(|e| refuse(format!("{name}: {e}")))
}
