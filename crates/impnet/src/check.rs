//! `impnet check FILE|LINK… [--sweep PATH=V1,V2,…]… [--junit FILE] [--json]`: run each scenario
//! (every sweep combination, in parallel on all cores) and check its `[[expect]]` entries
//! (issue #12).
//!
//! Exit codes: 0 every expectation passed, 1 some failed (or a run stopped), 2 an input or a
//! sweep was refused (stderr names it; nothing runs).

use crate::input;
use impnet_core::expect::{check_trace, Check, Evidence, Expect, Window};
use impnet_core::{run, RunOptions, Scenario};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

mod report;
mod sweep;

pub use sweep::Combination;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario files (TOML or JSON), preset ids or share links.
    #[arg(required = true, value_name = "FILE|LINK")]
    pub inputs: Vec<String>,
    /// Run every combination of these parameter values (repeatable: the cross product), e.g.
    /// `--sweep network.rtt_ms=50,100,400 --sweep network.loss=0,0.02`.
    #[arg(long, value_name = "PATH=V1,V2,…")]
    pub sweep: Vec<String>,
    /// Also write JUnit XML here (one test case per expectation per combination).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print one JSON document instead of the checklist.
    #[arg(long)]
    pub json: bool,
}

/// One checked thing: an expectation, or "the run completes" for a scenario without any.
#[derive(Clone, Debug)]
pub struct Case {
    /// `expect[2]`, or `run` for the implicit case.
    pub id: String,
    pub description: String,
    pub passed: bool,
    pub found: String,
    pub evidence: Option<Evidence>,
}

/// One run: an input under one combination of sweep values.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub combo: Combination,
    pub cases: Vec<Case>,
    pub seconds: f64,
    /// Why the run stopped before its scenario was done (a §13 limit or the work budget).
    pub stopped: Option<String>,
}

/// Everything checked for one input.
#[derive(Clone, Debug)]
pub struct InputReport {
    pub input: String,
    pub title: String,
    pub runs: Vec<RunReport>,
}

impl InputReport {
    fn counts(&self) -> (usize, usize) {
        let cases = self.runs.iter().flat_map(|r| &r.cases);
        let passed = cases.clone().filter(|c| c.passed).count();
        (passed, cases.count() - passed)
    }
}

pub fn main(args: Args) -> ExitCode {
    let Plan { jobs, bases, mut reports } = match prepare(&args) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("impnet check: {e}");
            }
            return ExitCode::from(2);
        }
    };
    let bar = progress(jobs.len());
    let results: Vec<(usize, RunReport)> = jobs
        .into_par_iter()
        .map(|(i, combo)| {
            // Applied here, not kept from `prepare`: 10 000 copies of a 1 MiB scenario would not
            // fit in memory; one per worker does.
            let r = match sweep::apply(&bases[i], &combo) {
                Ok(scenario) => check_one(&scenario, combo),
                // `prepare` applied this very combination to this very input already.
                Err(e) => RunReport {
                    combo,
                    cases: vec![Case { id: "run".into(), description: "the sweep applies".into(), passed: false, found: e, evidence: None }],
                    seconds: 0.0,
                    stopped: None,
                },
            };
            bar.inc(1);
            (i, r)
        })
        .collect();
    bar.finish_and_clear();

    for (i, r) in results {
        reports[i].runs.push(r);
    }
    let failed: usize = reports.iter().map(|r| r.counts().1).sum();

    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, report::junit(&reports)) {
            eprintln!("impnet check: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let out = if args.json { report::json(&reports) } else { report::text(&reports, !args.sweep.is_empty()) };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
        // `impnet check … | head` closes the pipe early: the verdict still stands.
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("impnet check: writing the output: {e}");
            return ExitCode::from(2);
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A run to make: (index of its input, the sweep values to apply to it).
type Job = (usize, Combination);

/// Everything to run: the jobs, the inputs as loaded, and the reports the runs fill in.
struct Plan {
    jobs: Vec<Job>,
    bases: Vec<Scenario>,
    reports: Vec<InputReport>,
}

/// Loads every input and applies every combination up front, so a refusal stops everything
/// before any run (exit 2) and names every bad input, not only the first.
fn prepare(args: &Args) -> Result<Plan, Vec<String>> {
    let mut errors = Vec::new();
    let sweeps: Vec<sweep::Sweep> = args.sweep.iter().filter_map(|s| sweep::parse(s).map_err(|e| errors.push(e)).ok()).collect();
    let combos = sweep::combinations(&sweeps).unwrap_or_else(|e| {
        errors.push(e);
        Vec::new()
    });
    if let Err(e) = sweep::check_runs(args.inputs.len(), combos.len()) {
        return Err(vec![e]);
    }
    let mut jobs = Vec::new();
    let mut bases = Vec::new();
    let mut reports = Vec::new();
    for arg in &args.inputs {
        let base = match input::load(arg) {
            Ok(s) => s,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        for combo in &combos {
            match sweep::apply(&base, combo) {
                Ok(_) => jobs.push((reports.len(), combo.clone())),
                Err(e) => {
                    errors.push(format!("{arg}: {e}"));
                    // One message per bad sweep value is enough.
                    break;
                }
            }
        }
        reports.push(InputReport { input: arg.clone(), title: base.title.clone(), runs: Vec::new() });
        bases.push(base);
    }
    if errors.is_empty() {
        Ok(Plan { jobs, bases, reports })
    } else {
        Err(errors)
    }
}

/// Long sweeps show a bar on a terminal; pipes and CI logs stay clean (indicatif draws
/// nothing when stderr is not a terminal).
fn progress(jobs: usize) -> ProgressBar {
    if jobs < 8 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(jobs as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} runs {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// Runs one scenario and checks it. A run that stops early fails every case.
pub fn check_one(scenario: &Scenario, combo: Combination) -> RunReport {
    let started = Instant::now();
    let outcome = run(scenario, &RunOptions::default());
    let seconds = started.elapsed().as_secs_f64();
    let implicit = scenario.expect.is_empty();
    let expects = if implicit { vec![run_completes()] } else { scenario.expect.clone() };
    let id = |i: usize| if implicit { "run".to_string() } else { format!("expect[{i}]") };
    let stopped = outcome.as_ref().ok().and_then(|t| t.summary.stop.as_ref()).map(|s| s.to_string());
    let cases = match outcome {
        Err(e) => expects
            .iter()
            .enumerate()
            .map(|(i, x)| Case {
                id: id(i),
                description: x.to_string(),
                passed: false,
                found: format!("the run stopped: {e}"),
                evidence: None,
            })
            .collect(),
        Ok(trace) => check_trace(&expects, &trace)
            .into_iter()
            .zip(&expects)
            .enumerate()
            .map(|(i, (v, x))| Case {
                id: id(i),
                description: x.to_string(),
                found: match (implicit, v.passed, &stopped) {
                    (true, true, _) => format!("ended at {} ms", trace.summary.end.micros as f64 / 1000.0),
                    (true, false, Some(why)) => format!("stopped: {why}"),
                    _ => v.found,
                },
                passed: v.passed,
                evidence: v.evidence,
            })
            .collect(),
    };
    RunReport { combo, cases, seconds, stopped }
}

/// A scenario without expectations is one case: the run did its work without a limit stopping
/// it (§13: a limit writes a `note` line and ends the run).
fn run_completes() -> Expect {
    Expect {
        name: Some("the run completes within its budget".into()),
        check: Check::Never { event: "note".into() },
        window: Window::default(),
    }
}
