//! `impnet run SCENARIO [--json] [--seed N] [--summary-only]`: run a scenario headless.
//! `impnet run DEVICE.nut [--scenario S] [--lib DIR]...`: run device code (SPEC §14; `code`).
//!
//! Exit codes: 0 the run completed, 2 the scenario was refused (stderr names the field),
//! 1 the run itself failed.

use impnet::timeline;
use impnet_core::{run, RunOptions};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A scenario file (TOML or JSON), `-` for stdin, a preset id, a share link, or device
    /// code (a .nut file, SPEC §14).
    pub scenario: String,
    #[command(flatten)]
    pub code: crate::code::CodeArgs,
    /// Print the SPEC §11 JSON lines instead of the readable timeline.
    #[arg(long)]
    pub json: bool,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print only the summary (memory stays flat however many calls the scenario makes).
    #[arg(long)]
    pub summary_only: bool,
}

pub fn main(args: Args) -> ExitCode {
    let scenario = match crate::code::load(&args.scenario, &args.code) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("impnet run: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = RunOptions { seed: args.seed, summary_only: args.summary_only };
    let trace = match run(&scenario, &opts) {
        Ok(t) => t,
        Err(e) => {
            let hint = if args.summary_only { "" } else { " (--summary-only keeps no trace lines)" };
            eprintln!("impnet run: {e}{hint}");
            return ExitCode::from(1);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if args.json {
        if args.summary_only {
            writeln!(out, "{}", trace.summary.to_json_line())
        } else {
            timeline::json_lines(&mut out, &trace)
        }
    } else {
        let seed = args.seed.unwrap_or(scenario.seed);
        timeline::write(&mut out, &scenario.title, seed, &trace, args.summary_only)
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // `impnet run … | head` closes the pipe early: not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("impnet run: writing the output: {e}");
            ExitCode::from(1)
        }
    }
}
