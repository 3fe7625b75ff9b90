//! Data only moved code uses: the statics the primary's code can never reach travel with the
//! secondary, which writes them into memory when it is instantiated.
//!
//! Which bytes form one static comes from the linker's map (`--Map`, asked for by the
//! playground's `build.rs`): wasm-ld lists every input data chunk with its address and size,
//! and wasm-bindgen and wasm-opt keep data at its address (code holds absolute addresses). A
//! static stays in the primary when anything the primary keeps could point into it:
//! - a constant in a kept function (an `i32.const`, either half of an `i64.const`, which
//!   LLVM uses to store a pointer and a length at once, a load or store's offset, or a
//!   constant plus an offset of the same function) that falls inside it, or lies up to
//!   `SLACK` bytes before it (code indexing `base - k + i*k`);
//! - a 4-byte-aligned word inside a static that stays, which falls inside it (pointers in
//!   data: tables of strings, vtables' neighbours, `fmt` pieces);
//! - bytes the map does not attribute to any static, and passive segments, always stay.
//!
//! A moved static is zero in the primary until the secondary arrives, and only moved code,
//! which cannot run before the secondary arrives, refers to it.

use crate::module::Module;
use crate::Error;
use std::collections::BTreeSet;
use wasmparser::{DataKind, Operator};

/// Constants this far before a static count as pointing into it.
const SLACK: u64 = 64;

/// A static: its address and length in linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Object {
    pub start: u32,
    pub len: u32,
}

/// The data chunks of a wasm-ld map: lines like
/// `  100028   17054f       10         path.o:(.rodata..Lanon.x.2)` under the `DATA` line.
pub fn parse_map(text: &str) -> Result<Vec<Object>, Error> {
    let mut objects = Vec::new();
    let mut in_data = false;
    for (n, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() == 4 && cols[0] == "-" && cols[3] == "DATA" {
            in_data = true;
            continue;
        }
        if in_data && cols.len() >= 4 && cols[0] == "-" {
            break; // the next section
        }
        if !in_data || cols.len() < 4 || !cols[3].contains(":(") {
            continue; // output segments and symbol lines
        }
        let hex = |s: &str| {
            u32::from_str_radix(s, 16).map_err(|_| Error::Input(format!("link map line {}: {s:?} is not a hex number", n + 1)))
        };
        let (start, len) = (hex(cols[0])?, hex(cols[2])?);
        if len > 0 {
            objects.push(Object { start, len });
        }
    }
    if objects.is_empty() {
        return Err(Error::Input("the link map lists no data chunks (is it wasm-ld's --Map output?)".into()));
    }
    objects.sort();
    if objects.windows(2).any(|w| w[0].start + w[0].len > w[1].start) {
        return Err(Error::Input("the link map's data chunks overlap".into()));
    }
    Ok(objects)
}

/// A data segment: where it goes (`None`: passive) and its bytes.
pub struct Segment {
    pub start: Option<u32>,
    pub bytes: Vec<u8>,
}

/// The module's data, split: the primary's segments in their order (moved statics zeroed)
/// and the runs the secondary writes.
pub struct DataSplit {
    pub primary: Vec<Segment>,
    pub secondary: Vec<(u32, Vec<u8>)>,
    pub moved_bytes: usize,
}

pub fn split_data(m: &Module, kept: &[bool], objects: &[Object]) -> Result<DataSplit, Error> {
    let mut segments = Vec::new();
    if let Some(reader) = m.reader::<wasmparser::Data>(11)? {
        for d in reader {
            let d = d?;
            match d.kind {
                DataKind::Passive => segments.push(Segment { start: None, bytes: d.data.to_vec() }),
                DataKind::Active { memory_index: 0, offset_expr } => {
                    let mut ops = offset_expr.get_operators_reader();
                    let start = match (ops.read()?, ops.read()?) {
                        (Operator::I32Const { value }, Operator::End) => value as u32,
                        _ => return Err(Error::Unsupported("a data segment whose offset is not a constant".into())),
                    };
                    segments.push(Segment { start: Some(start), bytes: d.data.to_vec() });
                }
                DataKind::Active { .. } => return Err(Error::Unsupported("a second memory".into())),
            }
        }
    }
    // The map must describe this module: every byte of every segment inside a listed static
    // or between statics of the same map extent.
    let (lo, hi) = (objects[0].start, objects.last().map(|o| o.start + o.len).unwrap_or(0));
    for (start, s) in segments.iter().filter_map(|s| Some((s.start?, s))) {
        let end = start + s.bytes.len() as u32;
        if start < lo || end > hi {
            return Err(Error::Input(format!(
                "the link map covers {lo:#x}..{hi:#x} but a data segment lies at {start:#x}..{end:#x}: is the map from this build?"
            )));
        }
    }

    let mut needed = vec![false; objects.len()];
    let mut work = Vec::new();
    let mark = |addr: u64, slack: u64, needed: &mut Vec<bool>, work: &mut Vec<usize>| {
        // Every static overlapping [addr, addr + slack].
        let first = objects.partition_point(|o| u64::from(o.start) + u64::from(o.len) <= addr);
        for (i, o) in objects.iter().enumerate().skip(first) {
            if u64::from(o.start) > addr + slack {
                break;
            }
            if !needed[i] {
                needed[i] = true;
                work.push(i);
            }
        }
    };
    for (k, body) in m.bodies.iter().enumerate() {
        if !kept[k] {
            continue;
        }
        let mut consts = BTreeSet::new();
        let mut offsets = BTreeSet::new();
        for op in body.get_operators_reader()? {
            let op = op?;
            match op {
                Operator::I32Const { value } => {
                    consts.insert(u64::from(value as u32));
                }
                Operator::I64Const { value } => {
                    consts.insert(value as u64 & 0xffff_ffff);
                    consts.insert(value as u64 >> 32);
                }
                _ => match memarg(&op) {
                    Some(Some(offset)) => {
                        offsets.insert(offset);
                    }
                    Some(None) => {}
                    None => {
                        return Err(Error::Unsupported(format!(
                            "a memory instruction the data split does not know ({op:?}); split without the map"
                        )))
                    }
                },
            }
        }
        for &c in &consts {
            mark(c, SLACK, &mut needed, &mut work);
            for &o in &offsets {
                mark(c + o, 0, &mut needed, &mut work);
            }
        }
        for &o in &offsets {
            mark(o, SLACK, &mut needed, &mut work);
        }
    }
    // Globals' initial values (the stack pointer, wasm-bindgen's own) may be addresses too.
    if let Some(reader) = m.reader::<wasmparser::Global>(6)? {
        for g in reader {
            for op in g?.init_expr.get_operators_reader() {
                match op? {
                    Operator::I32Const { value } => mark(u64::from(value as u32), SLACK, &mut needed, &mut work),
                    Operator::I64Const { value } => mark(value as u64, SLACK, &mut needed, &mut work),
                    _ => {}
                }
            }
        }
    }
    // Bytes no static covers stay; so do pointers from them.
    let mut gaps = Vec::new();
    let mut at = lo;
    for o in objects {
        if o.start > at {
            gaps.push((at, o.start));
        }
        at = at.max(o.start + o.len);
    }
    let read = |addr: u32| -> Option<u32> {
        segments.iter().find_map(|s| {
            let off = addr.checked_sub(s.start?)? as usize;
            s.bytes.get(off..off + 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        })
    };
    for &(a, b) in &gaps {
        for addr in (a.next_multiple_of(4)..b).step_by(4) {
            if let Some(v) = read(addr) {
                mark(u64::from(v), 0, &mut needed, &mut work);
            }
        }
    }
    while let Some(i) = work.pop() {
        let o = objects[i];
        for addr in (o.start.next_multiple_of(4)..o.start + o.len).step_by(4) {
            if let Some(v) = read(addr) {
                mark(u64::from(v), 0, &mut needed, &mut work);
            }
        }
    }

    // Zero the moved statics in the primary's segments; the secondary writes them.
    let mut primary = segments;
    let mut secondary: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut moved_bytes = 0;
    for (o, _) in objects.iter().zip(&needed).filter(|(_, n)| !**n) {
        for s in primary.iter_mut() {
            let Some(start) = s.start else { continue };
            let (a, b) = (o.start.max(start), (o.start + o.len).min(start + s.bytes.len() as u32));
            if a >= b {
                continue;
            }
            let run = &mut s.bytes[(a - start) as usize..(b - start) as usize];
            if run.iter().all(|&x| x == 0) {
                continue; // nothing to carry
            }
            moved_bytes += run.len();
            match secondary.last_mut() {
                Some((at, bytes)) if *at + bytes.len() as u32 == a => bytes.extend_from_slice(run),
                _ => secondary.push((a, run.to_vec())),
            }
            run.fill(0);
        }
    }
    Ok(DataSplit { primary, secondary, moved_bytes })
}

/// A memory instruction's offset: `Some(Some(offset))`, `Some(None)` for any other instruction
/// this split knows, `None` for one it does not (SIMD, atomics), which it refuses.
fn memarg(op: &Operator) -> Option<Option<u64>> {
    use Operator::*;
    Some(match op {
        I32Load { memarg } | I64Load { memarg } | F32Load { memarg } | F64Load { memarg } | I32Load8S { memarg }
        | I32Load8U { memarg } | I32Load16S { memarg } | I32Load16U { memarg } | I64Load8S { memarg }
        | I64Load8U { memarg } | I64Load16S { memarg } | I64Load16U { memarg } | I64Load32S { memarg }
        | I64Load32U { memarg } | I32Store { memarg } | I64Store { memarg } | F32Store { memarg }
        | F64Store { memarg } | I32Store8 { memarg } | I32Store16 { memarg } | I64Store8 { memarg }
        | I64Store16 { memarg } | I64Store32 { memarg } => Some(memarg.offset),
        op if format!("{op:?}").contains("memarg") => return None,
        _ => None,
    })
}
