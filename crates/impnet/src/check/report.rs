//! What `impnet check` prints: the checklist (or, for sweeps, the pass/fail matrix), the JSON
//! document (`--json`) and JUnit XML (`--junit`).

use super::sweep::label;
use super::{Case, InputReport, RunReport};
use impnet_core::expect::Evidence;
use serde_json::{json, Map, Value};
use std::fmt::Write;

const PASS: &str = "✓";
const FAIL: &str = "✗";

/// Failures listed under a sweep's matrix before the rest are only counted.
const MAX_FAILURE_LINES: usize = 40;

fn mark(passed: bool) -> &'static str {
    if passed {
        PASS
    } else {
        FAIL
    }
}

fn heading(r: &InputReport) -> String {
    if r.title.is_empty() {
        r.input.clone()
    } else {
        format!("{} — {}", r.input, r.title)
    }
}

/// `found returned 4; line 3, t = 2400 ms: agent.send at step 0.1`.
fn failure_detail(c: &Case) -> String {
    match &c.evidence {
        Some(ev) => format!("found {}; decided by {ev}", c.found),
        None => format!("found {}", c.found),
    }
}

/// The readable report. Without sweeps: every case with ✓/✗. With sweeps: one row per
/// combination, then the failures.
pub fn text(reports: &[InputReport], swept: bool) -> String {
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for r in reports {
        let (p, f) = r.counts();
        passed += p;
        failed += f;
        let _ = writeln!(out, "{} {}", mark(f == 0), heading(r));
        if swept {
            matrix(&mut out, &r.runs);
        } else {
            for why in r.runs.iter().filter_map(|run| run.stopped.as_ref()) {
                let _ = writeln!(out, "  ! the run stopped early: {why}");
            }
            for c in r.runs.iter().flat_map(|run| &run.cases) {
                let _ = writeln!(out, "  {} {}", mark(c.passed), c.description);
                if !c.passed {
                    let _ = writeln!(out, "      {}", failure_detail(c));
                }
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    out
}

/// The resilience matrix: swept values in columns, then `✓ 4/4` or `✗ 3/4 expect[2]`.
fn matrix(out: &mut String, runs: &[RunReport]) {
    let Some(first) = runs.first() else { return };
    let keys: Vec<&str> = first.combo.iter().map(|(k, _)| k.as_str()).collect();
    let cell = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let widths: Vec<usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| runs.iter().map(|r| cell(&r.combo[i].1).chars().count()).max().unwrap_or(0).max(k.chars().count()))
        .collect();
    let mut head = String::from("  ");
    for (k, w) in keys.iter().zip(&widths) {
        let _ = write!(head, "{k:<w$}  ");
    }
    let _ = writeln!(out, "{head}result");
    let mut failures = Vec::new();
    for run in runs {
        let mut row = String::from("  ");
        for ((_, v), w) in run.combo.iter().zip(&widths) {
            let _ = write!(row, "{:<w$}  ", cell(v));
        }
        let ok = run.cases.iter().filter(|c| c.passed).count();
        let bad: Vec<&Case> = run.cases.iter().filter(|c| !c.passed).collect();
        let ids: Vec<&str> = bad.iter().map(|c| c.id.as_str()).collect();
        let line = format!("{row}{} {ok}/{} {}", mark(bad.is_empty()), run.cases.len(), ids.join(" "));
        let _ = writeln!(out, "{}", line.trim_end());
        failures.extend(bad.into_iter().map(|c| (run, c)));
    }
    for (run, c) in failures.iter().take(MAX_FAILURE_LINES) {
        let _ = writeln!(out, "  {FAIL} {}: {} — {}", label(&run.combo), c.description, failure_detail(c));
    }
    if failures.len() > MAX_FAILURE_LINES {
        let _ = writeln!(out, "  … and {} more failures (--json lists them all)", failures.len() - MAX_FAILURE_LINES);
    }
}

fn evidence_json(ev: &Evidence) -> Value {
    let mut m = Map::new();
    m.insert("index".into(), ev.index.into());
    // As the trace writes times: whole milliseconds as integers.
    let t = if ev.t_ms.fract() == 0.0 && ev.t_ms.abs() < 9e15 { json!(ev.t_ms as i64) } else { json!(ev.t_ms) };
    m.insert("t_ms".into(), t);
    m.insert("what".into(), ev.what.clone().into());
    let mut opt = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    opt("step", ev.step.map(Value::from));
    opt("iter", ev.iter.map(Value::from));
    opt("line", ev.line.map(Value::from));
    opt("file", ev.file.clone().map(Value::from));
    opt("handler", ev.handler.clone().map(Value::from));
    opt("side", ev.side.map(|s| s.as_str().into()));
    Value::Object(m)
}

/// `--json`: one document with every input, run and case.
pub fn json(reports: &[InputReport]) -> String {
    let (mut passed, mut failed) = (0, 0);
    let inputs: Vec<Value> = reports
        .iter()
        .map(|r| {
            let (p, f) = r.counts();
            passed += p;
            failed += f;
            let runs: Vec<Value> = r
                .runs
                .iter()
                .map(|run| {
                    let params: Map<String, Value> = run.combo.iter().cloned().collect();
                    let cases: Vec<Value> = run
                        .cases
                        .iter()
                        .map(|c| {
                            json!({
                                "id": c.id,
                                "expect": c.description,
                                "passed": c.passed,
                                "found": c.found,
                                "evidence": c.evidence.as_ref().map(evidence_json),
                            })
                        })
                        .collect();
                    json!({
                        "params": params,
                        "passed": run.cases.iter().all(|c| c.passed),
                        "stopped": run.stopped,
                        "cases": cases,
                    })
                })
                .collect();
            json!({ "input": r.input, "title": r.title, "passed": f == 0, "runs": runs })
        })
        .collect();
    let doc = json!({ "passed": passed, "failed": failed, "inputs": inputs });
    format!("{doc}\n")
}

/// XML text and attribute escaping (the five predefined entities; control characters, which
/// XML 1.0 cannot carry, become spaces).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `--junit`: a `testsuite` per input, a `testcase` per case per combination.
pub fn junit(reports: &[InputReport]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = reports.iter().map(|r| r.runs.iter().map(|run| run.cases.len()).sum::<usize>()).sum();
    let failed: usize = reports.iter().map(|r| r.counts().1).sum();
    let _ = writeln!(out, "<testsuites name=\"impnet check\" tests=\"{total}\" failures=\"{failed}\">");
    for r in reports {
        let (p, f) = r.counts();
        let time: f64 = r.runs.iter().map(|run| run.seconds).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" time=\"{time:.6}\">",
            esc(&heading(r)),
            p + f
        );
        for run in &r.runs {
            let prefix = if run.combo.is_empty() { String::new() } else { format!("[{}] ", label(&run.combo)) };
            // A run's time is shared by its cases; JUnit wants one per case.
            let each = run.seconds / run.cases.len().max(1) as f64;
            for c in &run.cases {
                let name = format!("{prefix}{}: {}", c.id, c.description);
                let open = format!("    <testcase classname=\"{}\" name=\"{}\" time=\"{each:.6}\"", esc(&r.input), esc(&name));
                if c.passed {
                    let _ = writeln!(out, "{open}/>");
                } else {
                    let _ = writeln!(out, "{open}>");
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
                        esc(&format!("found {}", c.found)),
                        esc(&failure_detail(c))
                    );
                    let _ = writeln!(out, "    </testcase>");
                }
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
