//! SPEC §14 "The rest of the imp API": `time()` and `date()` count from the scenario's
//! `start_epoch` (default 1 735 689 600 = 2025-01-01T00:00:00Z) on the device and, §15, on the
//! agent; `time()` is a 32-bit Squirrel integer, so a run that would pass 2^31 - 1 is refused.

use impnet_core::codec::{decode, encode};
use impnet_core::scenario::{parse_json, parse_toml, validate, Scenario};
use impnet_core::{run, RunOptions};
use serde_json::Value;

const CLOCKS: &str = r#"local d = date();
server.log(time() + " " + d.year + "-" + d.month + "-" + d.day + " " + d.hour + ":" + d.min + ":" + d.sec);
"#;

fn pair(toml: &str) -> Scenario {
    let mut s = parse_toml(toml).unwrap();
    s.code = Some(format!("imp.wakeup(2.5, function() {{\n{CLOCKS}}});\n"));
    s.agent_code = Some(CLOCKS.into());
    validate(&s).unwrap();
    s
}

/// (side, t_ms, text) of every log line.
fn logs(s: &Scenario) -> Vec<(String, f64, String)> {
    let t = run(s, &RunOptions::default()).unwrap();
    t.to_json_lines()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["call"] == "server.log")
        .map(|l| {
            let side = l.get("side").and_then(Value::as_str).unwrap_or("device").to_string();
            (side, l["t_ms"].as_f64().unwrap(), l["text"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn section14_time_and_date_count_from_start_epoch_on_both_sides() {
    // 1 000 000 000 s = 2001-09-09T01:46:40Z. The agent logs at t = 0; the device 1 500 ms
    // (boot) + 2 500 ms later, at 4 s (date()'s month counts from 0).
    let got = logs(&pair("start_epoch = 1000000000\nend_ms = 20000\n"));
    assert_eq!(
        got,
        [
            ("agent".to_string(), 0.0, "1000000000 2001-8-9 1:46:40".to_string()),
            ("device".to_string(), 4000.0, "1000000004 2001-8-9 1:46:44".to_string()),
        ]
    );
    // Without the field: the default, 2025-01-01T00:00:00Z.
    let got = logs(&pair("end_ms = 20000\n"));
    assert_eq!(got[0].2, "1735689600 2025-0-1 0:0:0");
    assert_eq!(got[1].2, "1735689604 2025-0-1 0:0:4");
}

#[test]
fn section14_start_epoch_is_refused_where_time_would_pass_a_32_bit_integer() {
    // The whole run must fit: start_epoch + end_ms / 1000 <= 2^31 - 1.
    let e = parse_toml("start_epoch = 2147400000\nend_ms = 86400000\n").unwrap_err();
    assert_eq!(e.path, "start_epoch");
    assert!(e.to_string().contains("2147483647") && e.to_string().contains("32-bit"), "{e}");
    let fits = parse_toml("start_epoch = 2147397247\nend_ms = 86400000\n").unwrap();
    assert_eq!(fits.start_epoch, 2_147_397_247);
    // A run that ends sooner may start later.
    assert!(parse_toml("start_epoch = 2147483000\nend_ms = 600000\n").is_ok());
    for (bad, why) in [("start_epoch = -1", "-1"), ("start_epoch = \"2025\"", "got \"2025\""), ("start_epoch = 1.5", "1.5")] {
        let e = parse_toml(bad).unwrap_err();
        assert_eq!(e.path, "start_epoch", "{bad}: {e}");
        assert!(e.to_string().contains(why), "{bad}: {e}");
    }
}

#[test]
fn section14_start_epoch_round_trips_through_toml_json_and_links_and_is_omitted_at_its_default() {
    let s = pair("start_epoch = 1000000000\nend_ms = 20000\n");
    assert_eq!(decode(&encode(&s)).unwrap(), s);
    let text = toml::to_string(&s).unwrap();
    assert!(text.contains("start_epoch = 1000000000"), "{text}");
    assert_eq!(parse_toml(&text).unwrap(), s);
    assert_eq!(parse_json(&serde_json::to_string(&s).unwrap()).unwrap(), s);
    // At its default the field is not written: links and TOML made before it are unchanged.
    let d = pair("end_ms = 20000\n");
    assert!(!toml::to_string(&d).unwrap().contains("start_epoch"));
    assert!(!serde_json::to_string(&d).unwrap().contains("start_epoch"));
    for p in impnet_core::presets::ALL {
        let sc = parse_toml(p.toml).unwrap();
        assert_eq!(sc.start_epoch, impnet_core::scenario::DEFAULT_START_EPOCH, "{}", p.id);
        assert!(!toml::to_string(&sc).unwrap().contains("start_epoch"), "{}", p.id);
        assert!(!encode(&sc).contains("start_epoch"), "{}", p.id);
    }
}
