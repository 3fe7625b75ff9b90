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
    },
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
        Command::Split { input, profile, primary, secondary } => {
            let wasm = read(&input)?;
            let marks = read(&profile)?;
            let s = impnet_split::split(&wasm, &marks).map_err(|e| format!("{}: {e}", input.display()))?;
            write(&primary, &s.primary)?;
            write(&secondary, &s.secondary)?;
            println!(
                "{} of {} functions moved ({} instruction bytes); primary {} bytes, secondary {} bytes",
                s.moved,
                s.functions,
                s.moved_bytes,
                s.primary.len(),
                s.secondary.len()
            );
        }
    }
    Ok(())
}
