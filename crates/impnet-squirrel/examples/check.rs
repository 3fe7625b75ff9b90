//! Compiles Squirrel files and prints each one's first error, if any:
//!     cargo run -p impnet-squirrel --example check -- FILE.nut...
fn main() {
    for path in std::env::args().skip(1) {
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        match impnet_squirrel::check(&path, &src) {
            Ok(()) => println!("{path}: ok"),
            Err(e) => println!("{e}"),
        }
    }
}
