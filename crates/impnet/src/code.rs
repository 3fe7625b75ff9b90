//! `impnet run|link DEVICE.nut [--agent AGENT.nut] [--scenario S.toml] [--lib DIR]...`: device
//! code from a file (SPEC §14 "Where the code comes from"), and agent code beside it (§15). The `.nut` file is the program; `--scenario` adds
//! parameters, outages, seed and `end_ms` (its `steps` must be absent); each `--lib` folder
//! resolves `#require`/`@include` by file name, for device and agent code alike. Everything refused here is the user's input:
//! exit 2, with compile errors as `file:line:col: message`.

use crate::input::{self, InputError};
use impnet_core::code::{self, MAX_CODE_BYTES};
use impnet_core::scenario::validate;
use impnet_core::Scenario;
use std::path::{Path, PathBuf};

/// The device-code flags `run`, `link` and `device` share.
#[derive(clap::Args, Debug, Default)]
pub struct CodeArgs {
    /// With a DEVICE.nut: the scenario (file, preset or link) whose parameters, outages, seed
    /// and end_ms apply; a file or link must hold no steps, a preset's are left out.
    #[arg(long = "scenario", value_name = "SCENARIO")]
    pub with_scenario: Option<String>,
    /// A folder where `#require "Name.lib.nut:1.2.3"` and `@include "path"` find their files by
    /// file name (repeatable; the first folder holding the name wins).
    #[arg(long = "lib", value_name = "DIR")]
    pub libs: Vec<PathBuf>,
    /// With a DEVICE.nut: the agent code that runs beside it (SPEC §15).
    #[arg(long = "agent", value_name = "AGENT.nut")]
    pub agent: Option<PathBuf>,
}

/// Is `arg` device code rather than a scenario?
pub fn is_device_code(arg: &str) -> bool {
    arg.ends_with(".nut")
}

/// Loads `arg` as a scenario, or as device code when it is a `.nut` file.
pub fn load(arg: &str, flags: &CodeArgs) -> Result<Scenario, InputError> {
    if !is_device_code(arg) {
        if flags.with_scenario.is_some() || !flags.libs.is_empty() || flags.agent.is_some() {
            return Err(InputError("--scenario, --lib and --agent go with device code (a .nut file)".into()));
        }
        return input::load(arg);
    }
    let base = match &flags.with_scenario {
        Some(s) => conditions_of(s)?,
        None => Scenario::default(),
    };
    let mut s = from_nut(Path::new(arg), base, &flags.libs).map_err(InputError)?;
    if let Some(path) = &flags.agent {
        let (agent, libs) = agent_code(path, &flags.libs).map_err(InputError)?;
        s.agent_code = Some(agent);
        // One `libs` table serves both sides: a file both require is the same file.
        s.libs.extend(libs);
        validate(&s).map_err(|e| InputError(e.to_string()))?;
    }
    Ok(s)
}

/// Reads agent code and the libraries its `#require`/`@include` lines name, as device code's
/// are, and compiles them under the file's own name, so errors point into it (§15).
fn agent_code(path: &Path, lib_dirs: &[PathBuf]) -> Result<(String, Libs), String> {
    let (main, program, libs) = resolve_file(path, lib_dirs)?;
    let start = impnet_core::code::natives::DEFAULT_START_EPOCH;
    impnet_core::agent::Agent::load(&program, 0, start).map_err(|e| e.to_string())?;
    Ok((main, libs))
}

/// Files by the name a directive gives them.
type Libs = std::collections::BTreeMap<String, String>;

/// Reads the program at `path` and every file its directives name from `lib_dirs` (the first
/// folder holding the name wins): its text, the program resolved under the file's own name,
/// and the libraries as read (the scenario keeps them: share links carry them).
fn resolve_file(path: &Path, lib_dirs: &[PathBuf]) -> Result<(String, code::Code, Libs), String> {
    let main = read(path)?;
    let mut read_libs = Libs::new();
    let mut lookup_error = None;
    let mut lookup = |name: &str| -> Option<String> {
        let file = lib_dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())?;
        match read(&file) {
            Ok(text) => {
                read_libs.insert(name.to_string(), text.clone());
                Some(text)
            }
            Err(e) => {
                lookup_error.get_or_insert(e);
                None
            }
        }
    };
    let program = code::resolve(&path.display().to_string(), &main, &mut lookup);
    if let Some(e) = lookup_error {
        return Err(e);
    }
    Ok((main, program.map_err(|e| e.to_string())?, read_libs))
}

/// The scenario `--scenario` names, as `impnet::input` loads it. A preset (named by its id,
/// not a file of that name) brings its conditions only: its step lists are the program that
/// DEVICE.nut replaces.
fn conditions_of(arg: &str) -> Result<Scenario, InputError> {
    let mut sc = input::load(arg)?;
    if !Path::new(arg).is_file() && impnet_core::presets::find(arg).is_some() {
        sc.steps.clear();
        sc.on_connect.clear();
        sc.on_unexpected_disconnect.clear();
        sc.code = None;
        sc.agent_code = None;
        sc.libs.clear();
    }
    Ok(sc)
}

fn read(path: &Path) -> Result<String, String> {
    let name = path.display();
    let len = std::fs::metadata(path).map_err(|e| format!("{name}: {e}"))?.len();
    if len > MAX_CODE_BYTES as u64 {
        return Err(format!("{name}: {len} bytes; device code is at most {MAX_CODE_BYTES} bytes (1 MiB) in all files"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("{name}: not UTF-8 text ({e})"))
}

fn from_nut(path: &Path, mut base: Scenario, lib_dirs: &[PathBuf]) -> Result<Scenario, String> {
    if !(base.steps.is_empty() && base.on_connect.is_empty() && base.on_unexpected_disconnect.is_empty()) {
        return Err("--scenario: with device code the scenario holds no steps or handler lists (§14)".into());
    }
    if base.code.is_some() {
        return Err("--scenario: the scenario holds code of its own; give one program".into());
    }
    let (main, program, read_libs) = resolve_file(path, lib_dirs)?;
    // Compile under the file's own name, so errors point into the user's file.
    program.check().map_err(|e| e.to_string())?;
    base.libs = read_libs;
    base.code = Some(main);
    validate(&base).map_err(|e| e.to_string())?;
    Ok(base)
}
