//! Running the built `impnet` binary from the CLI tests: one copy of the process plumbing.
#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_impnet");

/// A file under cargo's per-test temp dir, unique per test.
pub fn file(name: &str, text: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn impnet(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

pub fn impnet_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The child may refuse before reading everything; a closed pipe is then expected.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// An `impnet serve` child on 127.0.0.1:0 and the address it printed; killed when dropped, so
/// a failing test leaves no server behind.
pub struct Served(pub Child, pub String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first line `impnet serve` prints names its address; tests bind loopback only.
pub fn served_addr(line: &str) -> String {
    let addr = line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("address in the first line");
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    addr.to_string()
}

/// `impnet serve` on a random loopback port, with no playground files.
pub fn serve() -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--dist", "/nonexistent-dist"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("impnet serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = served_addr(&line);
    Served(child, addr)
}
