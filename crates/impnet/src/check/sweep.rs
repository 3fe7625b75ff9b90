//! `--sweep PATH=V1,V2,…`: scenario parameters named by their path (`network.rtt_ms`,
//! `network.outages[0].for_ms`, `seed`), each given several values; the cross product of every
//! sweep is one run per combination.
//!
//! A combination is applied to the scenario's JSON form and the result goes through the same
//! loader as a file, so a bad key or value is refused with the loader's words and path.

use impnet_core::scenario::parse_json;
use impnet_core::Scenario;
use serde_json::Value;

/// Combinations past this are refused: a sweep is a matrix to read, not a fuzzer.
pub const MAX_COMBINATIONS: usize = 10_000;

/// Runs in one `impnet check` (inputs × combinations) past this are refused: each run may
/// spend a whole work budget (~2 s), so this bounds the command at a few hours of CPU.
pub const MAX_RUNS: usize = 10_000;

/// Refuses `inputs` × `combinations` runs past [`MAX_RUNS`], naming `--sweep`.
pub fn check_runs(inputs: usize, combinations: usize) -> Result<(), String> {
    match inputs.checked_mul(combinations) {
        Some(n) if n <= MAX_RUNS => Ok(()),
        _ => Err(format!(
            "--sweep: {inputs} inputs × {combinations} combinations is more than {MAX_RUNS} runs; sweep fewer values or check fewer inputs"
        )),
    }
}

/// One `--sweep` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub path: String,
    pub values: Vec<Value>,
}

/// One run's parameter values: (path, value), in the order of the sweeps.
pub type Combination = Vec<(String, Value)>;

/// Reads `PATH=V1,V2,…`. A value is read as JSON (`0.02`, `true`), else taken as a string
/// (`unlimited`).
pub fn parse(arg: &str) -> Result<Sweep, String> {
    let Some((path, values)) = arg.split_once('=') else {
        return Err(format!("--sweep {arg}: expected PATH=V1,V2,… (e.g. network.rtt_ms=50,100,400)"));
    };
    let path = path.trim();
    if path.is_empty() || segments(path).is_err() {
        return Err(format!("--sweep {arg}: `{path}` is not a parameter path (e.g. network.loss)"));
    }
    let values: Vec<Value> = values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string())))
        .collect();
    if values.is_empty() {
        return Err(format!("--sweep {arg}: no values after `=`"));
    }
    Ok(Sweep { path: path.to_string(), values })
}

/// Every combination of the sweeps' values, the last sweep varying fastest. No sweeps: one
/// empty combination (the scenario as written).
pub fn combinations(sweeps: &[Sweep]) -> Result<Vec<Combination>, String> {
    let total = sweeps.iter().try_fold(1usize, |n, s| n.checked_mul(s.values.len()).filter(|&n| n <= MAX_COMBINATIONS));
    if total.is_none() {
        return Err(format!("--sweep: more than {MAX_COMBINATIONS} combinations; sweep fewer values"));
    }
    let mut out: Vec<Combination> = vec![Vec::new()];
    for s in sweeps {
        out = out
            .into_iter()
            .flat_map(|c| {
                s.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((s.path.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    Ok(out)
}

#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `network.outages[0].for_ms` → Key(network), Key(outages), Index(0), Key(for_ms).
fn segments(path: &str) -> Result<Vec<Segment<'_>>, ()> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(());
        }
        out.push(Segment::Key(key));
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']').ok_or(())?;
            out.push(Segment::Index(index.parse().map_err(|_| ())?));
            rest = after.strip_prefix('[').unwrap_or(after);
            if !after.is_empty() && !after.starts_with('[') {
                return Err(());
            }
        }
    }
    Ok(out)
}

/// The scenario with `combo` applied, checked like a file. Errors name the sweep.
pub fn apply(base: &Scenario, combo: &Combination) -> Result<Scenario, String> {
    if combo.is_empty() {
        return Ok(base.clone());
    }
    let mut v = serde_json::to_value(base).map_err(|e| format!("--sweep: {e}"))?;
    for (path, value) in combo {
        set(&mut v, path, value.clone()).map_err(|why| format!("--sweep {path}: {why}"))?;
    }
    parse_json(&v.to_string()).map_err(|e| {
        let which = combo.iter().find(|(p, _)| e.path == *p || e.path.starts_with(&format!("{p}.")));
        match which {
            Some((p, val)) => format!("--sweep {p}={val}: {e}"),
            None => format!("--sweep {}: {e}", label(combo)),
        }
    })
}

fn set(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let segs = segments(path).map_err(|()| "not a parameter path".to_string())?;
    let mut at = root;
    for (i, seg) in segs.iter().enumerate() {
        at = match seg {
            Segment::Key(k) => {
                let Value::Object(m) = at else { return Err(format!("`{k}` is inside a value, not a group")) };
                // A key the loader does not know is refused by it, with the known keys listed.
                // An empty list is left out when a scenario is written: a path may index it.
                m.entry(k.to_string()).or_insert_with(|| match segs.get(i + 1) {
                    None => Value::Null,
                    Some(Segment::Index(_)) => Value::Array(Vec::new()),
                    Some(Segment::Key(_)) => Value::Object(Default::default()),
                })
            }
            Segment::Index(n) => {
                let Value::Array(a) = at else { return Err(format!("[{n}] indexes something that is not a list")) };
                let len = a.len();
                a.get_mut(*n).ok_or_else(|| format!("the list has {len} entries; [{n}] is past its end"))?
            }
        };
    }
    *at = value;
    Ok(())
}

/// `network.rtt_ms=50 network.loss=0.02`.
pub fn label(combo: &Combination) -> String {
    combo.iter().map(|(p, v)| format!("{p}={v}")).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue12_sweep_values_read_as_json_else_strings() {
        let s = parse("network.loss=0, 0.02,unlimited").unwrap();
        assert_eq!(s.values, vec![Value::from(0), Value::from(0.02), Value::from("unlimited")]);
        assert!(parse("network.loss").is_err());
        assert!(parse("network.loss=").is_err());
        assert!(parse("network..loss=1").is_err());
        assert!(parse("network.outages[x].at_ms=1").is_err());
    }

    #[test]
    fn issue12_cross_product_has_every_combination_once() {
        let sweeps = [parse("a=1,2,3").unwrap(), parse("b=x,y").unwrap()];
        let c = combinations(&sweeps).unwrap();
        assert_eq!(c.len(), 6);
        assert_eq!(label(&c[0]), "a=1 b=\"x\"");
        assert_eq!(label(&c[5]), "a=3 b=\"y\"");
        let mut labels: Vec<String> = c.iter().map(label).collect();
        labels.dedup();
        assert_eq!(labels.len(), 6);
        assert_eq!(combinations(&[]).unwrap(), vec![Vec::new()]);
        let huge = [parse(&format!("a={}", vec!["1"; 200].join(","))).unwrap(), parse(&format!("b={}", vec!["1"; 200].join(","))).unwrap()];
        assert!(combinations(&huge).unwrap_err().contains("10000"));
    }

    #[test]
    fn issue12_apply_sets_nested_and_indexed_parameters() {
        let base = impnet_core::scenario::parse_toml(
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 70000 }]\n",
        )
        .unwrap();
        let combo = vec![
            ("network.rtt_ms".to_string(), Value::from(400)),
            ("network.rto_ms".to_string(), Value::from(900)),
            ("network.outages[0].for_ms".to_string(), Value::from(1000)),
            ("seed".to_string(), Value::from(7)),
        ];
        let s = apply(&base, &combo).unwrap();
        assert_eq!((s.network.rtt_ms, s.network.rto_ms, s.network.outages[0].for_ms, s.seed), (400, Some(900), 1000, 7));
    }

    #[test]
    fn issue13_runs_across_inputs_are_capped_naming_the_sweep() {
        assert_eq!(check_runs(1, MAX_COMBINATIONS), Ok(()));
        assert_eq!(check_runs(2, MAX_RUNS / 2), Ok(()));
        let e = check_runs(3, 5_000).unwrap_err();
        assert!(e.starts_with("--sweep: 3 inputs × 5000 combinations") && e.contains("10000 runs"), "{e}");
        assert!(check_runs(usize::MAX, 2).is_err());
    }

    #[test]
    fn issue12_bad_sweep_key_or_value_names_it() {
        let base = Scenario::default();
        let one = |p: &str, v: Value| apply(&base, &vec![(p.to_string(), v)]).unwrap_err();
        let e = one("network.rtt", Value::from(5));
        assert!(e.starts_with("--sweep network.rtt=5: network.rtt: unknown field"), "{e}");
        let e = one("network.loss", Value::from(2));
        assert!(e.contains("network.loss") && e.contains("0 to 1"), "{e}");
        let e = one("network.rtt_ms", Value::from("fast"));
        assert!(e.contains("network.rtt_ms") && e.contains("expected an integer"), "{e}");
        let e = one("network.outages[0].at_ms", Value::from(1));
        assert!(e.contains("past its end"), "{e}");
        let e = one("seed.x", Value::from(1));
        assert!(e.contains("inside a value"), "{e}");
    }
}
