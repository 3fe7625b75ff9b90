//! SPEC §1 and §14 (determinism): the shared programs (`programs/mod.rs`) give the pinned
//! output hashes natively; `tests/squirrel_wasm.rs` at the workspace root asserts the same
//! hashes in headless Chromium, so native and wasm runs agree byte for byte.

mod programs;

#[test]
fn s14_programs_give_the_pinned_hashes_natively() {
    let mut wrong = Vec::new();
    for (name, src, pinned) in programs::PROGRAMS {
        let (out, _) = programs::run(name, src);
        let h = programs::hash(out.as_bytes());
        if h != *pinned {
            wrong.push(format!(
                "{name}: hash {h:#018x}, pinned {pinned:#018x}; output:\n{out}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The same program run twice in one process gives the same output (no state leaks between
/// VMs, no address-dependent order).
#[test]
fn s14_a_program_repeats_exactly() {
    let (name, src, _) = programs::PROGRAMS[1];
    assert_eq!(programs::run(name, src), programs::run(name, src));
}
