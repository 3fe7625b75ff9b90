//! `impnet device` (placeholder).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn main(_args: Args) -> ExitCode {
    eprintln!("impnet device: not implemented yet");
    ExitCode::from(1)
}
