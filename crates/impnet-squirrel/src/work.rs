//! What size-proportional work costs, in instructions (issue 13, SPEC §14 watchdog).
//!
//! An instruction is the VM's unit of fuel: ~4.5 ns native (the `ips` example). Natives and
//! variable-cost instructions do work that grows with their operands -- `find` scans a string,
//! `+` copies two, `insert(0)` moves an array, a collection walks the heap -- so they charge
//! it on top of their one instruction, in the same unit, through [`crate::Ctx::charge`]. The
//! charge counts against the task's watchdog and is part of the fuel a run reports as used
//! ([`crate::Vm::task_instructions`]), so a host's run-wide budget sees it too. Work that would
//! take a task past its watchdog is refused before it is done: the task ends with the
//! watchdog's error, as if it had run that many instructions.
//!
//! The weights, measured with `examples/work.rs` against a loop of plain instructions on the
//! same machine (each attack there should cost about as much wall time per unit as an
//! instruction does; docs/device-code.md has the numbers):
//! - bytes read, copied, hashed or written: 1 per [`BYTES_PER_UNIT`] (8: a 16 MiB string `+`
//!   is memory-bound, reading both sides and writing and interning the result);
//! - bytes `find` searches: 1 per [`SEARCH_BYTES_PER_UNIT`] (2: memmem's worst case, a needle
//!   that fails at its last byte everywhere, runs its Two-Way search at ~2 bytes per
//!   instruction's time);
//! - array elements moved or compared: 1 per [`VALUES_PER_UNIT`] (8);
//! - table entries shifted or copied: 1 each (each is rehashed);
//! - a new object made in a batch (a `split` piece): [`PER_OBJECT`];
//! - a collection: [`GC_PER_OBJECT`] per slot of the heap's arena.
//!
//! Below one unit nothing is charged: short strings and small arrays cost what they did.

/// Bytes read or written per unit.
pub const BYTES_PER_UNIT: u64 = 8;
/// Bytes of haystack `find` searches per unit.
pub const SEARCH_BYTES_PER_UNIT: u64 = 2;
/// Array elements moved or compared per unit.
pub const VALUES_PER_UNIT: u64 = 8;
/// Units per object a native allocates in a batch (e.g. `split`'s pieces).
pub const PER_OBJECT: u64 = 4;
/// Units per arena slot a collection visits (mark and sweep).
pub const GC_PER_OBJECT: u64 = 2;

/// Units for `n` bytes.
pub fn bytes(n: usize) -> u64 {
    n as u64 / BYTES_PER_UNIT
}

/// Units for `n` array elements.
pub fn values(n: usize) -> u64 {
    n as u64 / VALUES_PER_UNIT
}

/// Units for `n` table entries.
pub fn entries(n: usize) -> u64 {
    n as u64
}

/// Units for searching `n` bytes.
pub fn search(n: usize) -> u64 {
    n as u64 / SEARCH_BYTES_PER_UNIT
}
