//! `impnet serve` (placeholder).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn main(_args: Args) -> ExitCode {
    eprintln!("impnet serve: not implemented yet");
    ExitCode::from(1)
}
