//! `impnet link SCENARIO [--base URL]`: print a share link that opens the scenario in the
//! playground. The scenario travels in the `#fragment`, so the server never sees it.

use impnet_core::codec;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A scenario file (TOML or JSON), `-` for stdin, a preset id, a share link, or device
    /// code (a .nut file, SPEC §14).
    pub scenario: String,
    #[command(flatten)]
    pub code: crate::code::CodeArgs,
    /// The playground's address; any `#…` it carries is replaced.
    #[arg(long, default_value = "http://127.0.0.1:8080/")]
    pub base: String,
}

pub fn main(args: Args) -> ExitCode {
    match crate::code::load(&args.scenario, &args.code) {
        Ok(s) => {
            println!("{}", link(&args.base, &codec::encode(&s)));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("impnet link: {e}");
            ExitCode::from(2)
        }
    }
}

fn link(base: &str, fragment: &str) -> String {
    let base = base.split_once('#').map_or(base, |(b, _)| b);
    format!("{base}#{fragment}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_replaces_the_base_fragment() {
        assert_eq!(link("http://127.0.0.1:8080/", "jX"), "http://127.0.0.1:8080/#jX");
        assert_eq!(link("http://h/#old", "jX"), "http://h/#jX");
    }
}
