fn main() {
    println!("impnet {}", env!("CARGO_PKG_VERSION"));
}
