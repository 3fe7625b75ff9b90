//! SPEC §14 "Where the code comes from": a scenario's `code` field, its libraries, and what is
//! refused at load (both code and step lists, compile errors, unresolved requirements).

use impnet_core::scenario::{parse_json, parse_toml};
use impnet_core::{codec, Scenario};

fn toml_code(code: &str) -> String {
    format!("title = \"t\"\ncode = '''\n{code}'''\n")
}

#[test]
fn section14_a_scenario_may_hold_code_instead_of_steps() {
    let sc = parse_toml(&toml_code("agent.send(\"x\", 1);\n")).unwrap();
    assert_eq!(sc.code.as_deref(), Some("agent.send(\"x\", 1);\n"));
    assert!(sc.steps.is_empty());
}

#[test]
fn section14_code_together_with_step_lists_is_refused_at_load() {
    for list in ["steps", "on_connect", "on_unexpected_disconnect"] {
        let text = format!("{}[[{list}]]\ncall = \"server.isconnected\"\n", toml_code("local a = 1;\n"));
        let e = parse_toml(&text).unwrap_err();
        assert_eq!(e.path, list, "{e}");
        assert!(e.reason.contains("either `code` or step lists"), "{e}");
    }
}

#[test]
fn section14_a_compile_error_is_refused_at_load_as_file_line_col() {
    let e = parse_toml(&toml_code("local a = 1;\nlocal b = ;\n")).unwrap_err();
    assert_eq!(e.path, "code");
    assert!(e.reason.starts_with("device.nut:2:"), "{e}");
    // Links and JSON refuse it the same way.
    let e = parse_json(r#"{"code": "function f( {"}"#).unwrap_err();
    assert_eq!(e.path, "code");
    assert!(e.reason.starts_with("device.nut:1:"), "{e}");
}

#[test]
fn section14_an_unresolved_require_is_refused_naming_its_line() {
    let e = parse_toml(&toml_code("// sensors\n#require \"Promise.lib.nut:4.0.0\"\n")).unwrap_err();
    assert_eq!(e.path, "code");
    assert!(e.reason.starts_with("device.nut:2: #require \"Promise.lib.nut:4.0.0\": no file named Promise.lib.nut"), "{e}");
}

#[test]
fn section14_requirements_resolve_among_the_scenarios_libs() {
    let text = format!(
        "{}[libs]\n\"Promise.lib.nut\" = \"class Promise {{ function then(f) {{ return this; }} }}\"\n",
        toml_code("#require \"Promise.lib.nut:4.0.0\"\nlocal p = Promise();\n")
    );
    let sc = parse_toml(&text).unwrap();
    let code = impnet_core::code::of_scenario(&sc).unwrap().unwrap();
    let names: Vec<_> = code.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Promise.lib.nut", "device.nut"]);
    // A compile error in a library names the library.
    let bad = text.replace("return this; }", "return this; ");
    let e = parse_toml(&bad).unwrap_err();
    assert!(e.reason.starts_with("Promise.lib.nut:1:"), "{e}");
}

#[test]
fn libs_without_code_are_refused() {
    let e = parse_toml("[libs]\n\"a.nut\" = \"x <- 1;\"\n").unwrap_err();
    assert_eq!(e.path, "libs");
}

#[test]
fn section14_share_links_carry_code_and_libs() {
    let mut sc = Scenario { code: Some("#require \"A.lib.nut:1.0.0\"\nserver.log(A);\n".into()), ..Scenario::default() };
    sc.libs.insert("A.lib.nut".into(), "A <- \"hello\";".into());
    let back = codec::decode(&codec::encode(&sc)).unwrap();
    assert_eq!(back, sc);
    // A step-list scenario's link does not grow a `code` field.
    let plain = Scenario::default();
    assert_eq!(codec::decode(&codec::encode(&plain)).unwrap(), plain);
}

#[test]
fn section14_a_code_scenario_runs_its_program_not_an_empty_step_list() {
    let sc = parse_toml(&toml_code("agent.send(\"x\", 1);\n")).unwrap();
    let t = impnet_core::run(&sc, &impnet_core::RunOptions::default()).unwrap();
    assert_eq!(t.summary.sent_msgs, 1);
}
