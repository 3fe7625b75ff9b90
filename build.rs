//! The playground's bundle asks the linker for a map of where every static lands in memory.
//! `impnet-split` reads it to move data only the secondary half uses (issue #10 item 6); the
//! map changes nothing in the wasm. Only wasm32 binaries (the bundle) get it.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        return;
    }
    // OUT_DIR is <target>/<triple>/<profile>/build/<package>-<hash>/out: the map goes beside
    // the linked wasm, <target>/<triple>/<profile>/impnet-playground.map.
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Some(profile_dir) = out.ancestors().nth(3) {
        println!("cargo:rustc-link-arg-bins=--Map={}", profile_dir.join("impnet-playground.map").display());
    }
}
