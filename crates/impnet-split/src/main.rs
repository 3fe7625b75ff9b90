//! `impnet-split`: the build step that splits the playground's wasm (see the library's docs).

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Split the playground's wasm by what its first paint runs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write IN with a mark at the start of every function, for the profile run.
    Instrument { input: PathBuf, output: PathBuf },
    /// Split IN by a profile (the marks the instrumented build left in memory).
    Split {
        input: PathBuf,
        #[arg(long)]
        profile: PathBuf,
        #[arg(long)]
        primary: PathBuf,
        #[arg(long)]
        secondary: PathBuf,
        /// wasm-ld's map of the build (`--Map`): also move data only moved code uses.
        #[arg(long)]
        map: Option<PathBuf>,
    },
    /// Rename wasm-bindgen's imports to short names in WASM and its JS glue, both in place.
    MinifyImports { wasm: PathBuf, js: PathBuf },
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("impnet-split: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Instrument { input, output } => {
            let wasm = read(&input)?;
            let out = impnet_split::instrument(&wasm).map_err(|e| format!("{}: {e}", input.display()))?;
            write(&output, &out.bytes)?;
            println!("instrumented {} functions; marks at {} ({} bytes)", out.functions, out.address, out.bytes.len());
        }
        Command::Split { input, profile, primary, secondary, map } => {
            let wasm = read(&input)?;
            let marks = read(&profile)?;
            let objects = match &map {
                Some(path) => {
                    let text = String::from_utf8(read(path)?).map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
                    Some(impnet_split::data::parse_map(&text).map_err(|e| format!("{}: {e}", path.display()))?)
                }
                None => None,
            };
            let s = impnet_split::split(&wasm, &marks, objects.as_deref()).map_err(|e| format!("{}: {e}", input.display()))?;
            write(&primary, &s.primary)?;
            write(&secondary, &s.secondary)?;
            println!(
                "{} of {} functions moved ({} instruction bytes), {} data bytes; primary {} bytes, secondary {} bytes",
                s.moved,
                s.functions,
                s.moved_bytes,
                s.moved_data,
                s.primary.len(),
                s.secondary.len()
            );
        }
        Command::MinifyImports { wasm, js } => {
            let bytes = read(&wasm)?;
            let text = String::from_utf8(read(&js)?).map_err(|_| format!("{}: not UTF-8 text", js.display()))?;
            let out = impnet_split::minify_imports(&bytes, &text).map_err(|e| format!("{}: {e}", wasm.display()))?;
            write(&wasm, &out.wasm)?;
            write(&js, out.js.as_bytes())?;
            println!("{} imports renamed in {} and {}", out.renamed, wasm.display(), js.display());
        }
    }
    Ok(())
}
