//! Prints a scenario's JSON trace: `cargo run -p impnet-core --example trace -- file.toml`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: trace <scenario.toml>");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let sc = impnet_core::scenario::parse_toml(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let t = impnet_core::run(&sc, &Default::default()).expect("run");
    print!("{}", t.to_json_lines());
}
