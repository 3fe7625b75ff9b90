//! `impnet`: one module per subcommand.

use clap::{Parser, Subcommand};
use impnet::{code, device, input, load, serve};
use std::process::ExitCode;

mod check;
mod explain;
mod link;
mod run;

#[derive(Parser)]
#[command(name = "impnet", version, about = "Watch the Electric Imp send path: run scenarios, share them, serve the playground")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless and print its timeline.
    Run(run::Args),
    /// Run scenarios (and sweeps of their parameters) and check their expectations, for CI.
    Check(check::Args),
    /// Print a share link for a scenario.
    Link(link::Args),
    /// Explain the rules and the model's choices where the docs are silent.
    Explain(explain::Args),
    /// Serve the playground and the WebSocket agent endpoint.
    Serve(serve::Args),
    /// Run a scenario live against a server over a real socket.
    Device(device::Args),
    /// Load-test `impnet serve` on loopback: N live connections, ACK latency, server memory.
    Load(load::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(a) => run::main(a),
        Command::Check(a) => check::main(a),
        Command::Link(a) => link::main(a),
        Command::Explain(a) => explain::main(a),
        Command::Serve(a) => serve::main(a),
        Command::Device(a) => device::main(a),
        Command::Load(a) => load::main(a),
    }
}
