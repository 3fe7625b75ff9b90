//! SPEC §14 "Where the code comes from", on the command line: `impnet run|link DEVICE.nut
//! [--scenario S] [--lib DIR]...`. Compile errors and unresolved requirements exit 2 naming
//! `file:line(:col)`; `impnet link` carries the code and its libraries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_impnet");

fn impnet(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn programs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../impnet-core/tests/programs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn section14_a_compile_error_exits_2_with_file_line_col() {
    let file = programs().join("bad/compile_error.nut").display().to_string();
    let o = impnet(&["run", &file]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).starts_with(&format!("impnet run: {file}:2:18: ")), "{}", stderr(&o));
}

#[test]
fn section14_an_unresolved_require_exits_2_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(dir.path(), "main.nut", "// readings\n#require \"Promise.lib.nut:4.0.0\"\n");
    let o = impnet(&["link", &main]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("{main}:2: #require \"Promise.lib.nut:4.0.0\": no file named Promise.lib.nut")), "{}", stderr(&o));
}

#[test]
fn section14_lib_folders_resolve_by_file_name_and_links_carry_code_and_libs() {
    let dir = tempfile::tempdir().unwrap();
    let libs = dir.path().join("libs");
    std::fs::create_dir(&libs).unwrap();
    write(&libs, "Promise.lib.nut", "@include \"util/helpers.nut\"\nclass Promise { function then(f) { return helper(this); } }\n");
    write(&libs, "helpers.nut", "function helper(x) { return x; }\n");
    let main = write(dir.path(), "main.nut", "#require \"Promise.lib.nut:4.0.0\"\nlocal p = Promise();\n");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = impnet(&["link", &main, "--lib", &empty.display().to_string(), "--lib", &libs.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let link = String::from_utf8(o.stdout).unwrap();
    let sc = impnet_core::codec::decode(link.trim()).unwrap();
    assert_eq!(sc.code.as_deref(), Some("#require \"Promise.lib.nut:4.0.0\"\nlocal p = Promise();\n"));
    let names: Vec<_> = sc.libs.keys().map(String::as_str).collect();
    assert_eq!(names, ["Promise.lib.nut", "helpers.nut"]);
    // The link's program resolves on its own, libraries in dependency order.
    let code = impnet_core::code::of_scenario(&sc).unwrap().unwrap();
    let order: Vec<_> = code.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(order, ["helpers.nut", "Promise.lib.nut", "device.nut"]);
}

#[test]
fn section14_scenario_parameters_apply_and_its_steps_must_be_absent() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(dir.path(), "main.nut", "agent.send(\"x\", 1);\n");
    let params = write(dir.path(), "p.toml", "seed = 7\n[network]\nrtt_ms = 300\n");
    let o = impnet(&["link", &main, "--scenario", &params]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sc = impnet_core::codec::decode(String::from_utf8(o.stdout).unwrap().trim()).unwrap();
    assert_eq!((sc.seed, sc.network.rtt_ms), (7, 300));
    assert!(sc.code.is_some());
    // A scenario file holding steps: refused (which program would run?).
    let steps = write(dir.path(), "s.toml", "[[steps]]\ncall = \"server.isconnected\"\n");
    let o = impnet(&["run", &main, "--scenario", &steps]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds no steps"), "{}", stderr(&o));
    // --lib without device code is refused rather than ignored.
    let o = impnet(&["run", "zero-timeout-trap", "--lib", "."]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn section15_run_with_agent_code_shows_both_sides_and_link_carries_both() {
    let dir = tempfile::tempdir().unwrap();
    let dev = write(dir.path(), "dev.nut", "agent.on(\"pong\", function(v) { server.log(\"pong \" + v); });\nagent.send(\"ping\", 41);\n");
    let agent = write(dir.path(), "agent.nut", "device.on(\"ping\", function(v) {\n  device.send(\"pong\", v + 1);\n});\n");
    let o = impnet(&["run", &dev, "--agent", &agent, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let send = lines.iter().find(|l| l["call"] == "device.send").expect("the agent's call line");
    assert_eq!((send["side"].as_str(), send["line"].as_u64()), (Some("agent"), Some(2)));
    assert!(lines.iter().any(|l| l["event"] == "device_received") && lines.iter().any(|l| l["text"] == "pong 42"));
    // The readable timeline marks the agent's lines.
    let o = impnet(&["run", &dev, "--agent", &agent]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("[agent] line 2"));
    // A link carries both programs.
    let o = impnet(&["link", &dev, "--agent", &agent]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sc = impnet_core::codec::decode(String::from_utf8(o.stdout).unwrap().trim()).unwrap();
    assert_eq!(sc.agent_code.as_deref(), Some(std::fs::read_to_string(&agent).unwrap().as_str()));
    assert!(sc.code.is_some());
}

#[test]
fn section15_agent_compile_errors_name_the_agent_file_and_agent_needs_device_code() {
    let dir = tempfile::tempdir().unwrap();
    let dev = write(dir.path(), "dev.nut", "server.log(1);\n");
    let agent = write(dir.path(), "agent.nut", "device.on(\"x\",\n");
    let o = impnet(&["run", &dev, "--agent", &agent]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(&format!("impnet run: {agent}:2:")), "{}", stderr(&o));
    let o = impnet(&["run", "zero-timeout-trap", "--agent", &agent]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--agent"), "{}", stderr(&o));
}

#[test]
fn issue9_a_preset_name_as_scenario_brings_its_conditions_and_the_nut_is_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(dir.path(), "main.nut", "imp.wakeup(10, function() { server.log(\"up \" + server.isconnected()); });\n");
    // transmitter-retry: a WiFi outage from 5 s for 100 s; its step list is left out.
    let o = impnet(&["link", &main, "--scenario", "transmitter-retry"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sc = impnet_core::codec::decode(String::from_utf8(o.stdout).unwrap().trim()).unwrap();
    let preset = impnet_core::scenario::parse_toml(impnet_core::presets::find("transmitter-retry").unwrap().toml).unwrap();
    assert_eq!(sc.network.outages, preset.network.outages);
    assert!(!sc.network.outages.is_empty());
    assert!(sc.steps.is_empty() && sc.on_connect.is_empty() && sc.on_unexpected_disconnect.is_empty());
    assert_eq!(sc.code.as_deref(), Some("imp.wakeup(10, function() { server.log(\"up \" + server.isconnected()); });\n"));
    // Run: at 11.5 s the WiFi is down, so the program sees it through the preset's outage.
    let o = impnet(&["run", &main, "--scenario", "transmitter-retry", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let first: serde_json::Value = out.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).find(|l| l["call"] == "server.isconnected").unwrap();
    assert_eq!((first["t_ms"].as_f64(), first["ret"].as_bool()), (Some(11500.0), Some(false)), "{out}");
    // A name that is neither a file nor a preset is still refused by name.
    let o = impnet(&["run", &main, "--scenario", "no-such-preset"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-preset"), "{}", stderr(&o));
}

/// SPEC §15 with §14 "Where the code comes from": `--lib` folders serve agent code's
/// `#require`/`@include` too (before, `#` made the line a comment and the handler failed with
/// "the index 'helper' does not exist"); a link of the pair carries the libraries either side
/// needs.
#[test]
fn section15_agent_require_resolves_from_lib_folders_and_links_carry_its_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let libs = dir.path().join("libs");
    std::fs::create_dir(&libs).unwrap();
    write(&libs, "Helper.lib.nut", "helper <- { greet = function(v) { return \"hello \" + v; } };\n");
    write(&libs, "Dev.lib.nut", "function payload() { return 7; }\n");
    let dev = write(dir.path(), "dev.nut", "#require \"Dev.lib.nut:1.0.0\"\nagent.send(\"hi\", payload());\n");
    let agent = write(dir.path(), "agent.nut", "#require \"Helper.lib.nut:1.0.0\"\ndevice.on(\"hi\", function(v) { server.log(helper.greet(v)); });\n");
    let lib = libs.display().to_string();
    let o = impnet(&["run", &dev, "--agent", &agent, "--lib", &lib, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!lines.iter().any(|l| l["event"] == "squirrel_error"), "{lines:?}");
    let log = lines.iter().find(|l| l["call"] == "server.log" && l["side"] == "agent").expect("the agent's log line");
    assert_eq!(log["text"], "hello 7");
    let o = impnet(&["link", &dev, "--agent", &agent, "--lib", &lib]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sc = impnet_core::codec::decode(String::from_utf8(o.stdout).unwrap().trim()).unwrap();
    let names: Vec<_> = sc.libs.keys().map(String::as_str).collect();
    assert_eq!(names, ["Dev.lib.nut", "Helper.lib.nut"]);
    let code = impnet_core::agent::code_of(&sc).unwrap().unwrap();
    let order: Vec<_> = code.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(order, ["Helper.lib.nut", "agent.nut"]);
    // The link's own run is the pair's run.
    let t = impnet_core::run(&sc, &impnet_core::RunOptions::default()).unwrap();
    assert!(t.to_json_lines().contains("\"text\":\"hello 7\""));
}

#[test]
fn section15_an_agent_library_missing_from_the_lib_folders_exits_2_naming_the_agent_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dev = write(dir.path(), "dev.nut", "server.log(1);\n");
    let agent = write(dir.path(), "agent.nut", "// helpers\n#require \"Helper.lib.nut:1.0.0\"\n");
    for cmd in ["run", "link"] {
        let o = impnet(&[cmd, &dev, "--agent", &agent, "--lib", &dir.path().display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let want = format!("impnet {cmd}: {agent}:2: #require \"Helper.lib.nut:1.0.0\": no file named Helper.lib.nut");
        assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));
    }
}
