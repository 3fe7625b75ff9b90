//! The profiling build: every defined function stores 1 into its own byte of linear memory
//! when it starts, so a page run in a browser can say which functions ran.

use crate::emit::Sections;
use crate::module::Module;
use crate::{reencode_error, validated, Error};
use wasm_encoder::{CodeSection, ConstExpr, Encode, ExportKind, ExportSection, GlobalSection, GlobalType, Instruction, MemArg, MemorySection, ValType};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};

/// The exported i32 globals that locate the marks: their address and how many there are.
pub const MARKS_EXPORT: &str = "__impnet_marks";
pub const MARK_COUNT_EXPORT: &str = "__impnet_mark_count";

const PAGE: u64 = 65536;

pub struct Instrumented {
    pub bytes: Vec<u8>,
    /// One mark per defined function, in the order of the code section.
    pub functions: u32,
    pub address: u32,
}

/// `wasm` with a mark at the start of every defined function. The marks live in pages added
/// above the module's initial memory: Rust's allocator takes its heap from `memory.grow`,
/// which returns the end of what exists, so it never hands those pages out.
pub fn instrument(wasm: &[u8]) -> Result<Instrumented, Error> {
    let m = Module::parse(wasm)?;
    let memory = match (m.memory, m.memory_imported) {
        (Some(mt), false) if !mt.memory64 && !mt.shared => mt,
        (Some(_), true) => return Err(Error::Unsupported("an imported memory".into())),
        (Some(_), false) => return Err(Error::Unsupported("a 64-bit or shared memory".into())),
        (None, _) => return Err(Error::Unsupported("no memory".into())),
    };
    let count = m.bodies.len() as u64;
    let address = memory.initial * PAGE;
    let mut grown = memory;
    grown.initial += count.div_ceil(PAGE);
    if grown.maximum.is_some_and(|max| max < grown.initial) || address + count > u64::from(u32::MAX >> 1) {
        return Err(Error::Unsupported("no room above the initial memory for the marks".into()));
    }
    let address = address as u32;

    let mut sections = Sections::default();
    let mut mem = MemorySection::new();
    mem.memory(RoundtripReencoder.memory_type(grown).map_err(reencode_error)?);
    sections.set(5, &mem);

    let mut globals = GlobalSection::new();
    if let Some(section) = m.reader(6)? {
        RoundtripReencoder.parse_global_section(&mut globals, section).map_err(reencode_error)?;
    }
    let first = m.globals.len() as u32;
    let constant = GlobalType { val_type: ValType::I32, mutable: false, shared: false };
    globals.global(constant, &ConstExpr::i32_const(address as i32));
    globals.global(constant, &ConstExpr::i32_const(count as i32));
    sections.set(6, &globals);

    let mut exports = ExportSection::new();
    for &(name, kind, index) in &m.exports {
        exports.export(name, RoundtripReencoder.export_kind(kind).map_err(reencode_error)?, index);
    }
    exports.export(MARKS_EXPORT, ExportKind::Global, first);
    exports.export(MARK_COUNT_EXPORT, ExportKind::Global, first + 1);
    sections.set(7, &exports);

    let mut code = CodeSection::new();
    for (k, body) in m.bodies.iter().enumerate() {
        let all = body.range();
        let ops = m.instructions(body)?;
        let mut new = wasm[all.start..ops.start].to_vec();
        let mark = i64::from(address) + k as i64;
        for i in [
            Instruction::I32Const(mark as i32),
            Instruction::I32Const(1),
            Instruction::I32Store8(MemArg { offset: 0, align: 0, memory_index: 0 }),
        ] {
            i.encode(&mut new);
        }
        new.extend_from_slice(&wasm[ops]);
        code.raw(&new);
    }
    sections.set(10, &code);

    let bytes = validated("instrumented", sections.write(&m))?;
    Ok(Instrumented { bytes, functions: count as u32, address })
}

