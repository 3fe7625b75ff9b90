//! The split itself: what moves, the stubs left in the primary, and the secondary module.

use crate::data::{split_data, Object};
use crate::emit::{self, Sections};
use crate::instrument::reencode_error;
use crate::module::Module;
use crate::{validated, Error};
use std::collections::BTreeMap;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    AbstractHeapType, CodeSection, ConstExpr, DataSection, ElementSection, Elements, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, HeapType, ImportSection, Instruction, RawSection, TableSection, TypeSection, ValType,
};
use wasmparser::{Operator, TypeRef};

/// The name wasm-bindgen gives the page's loader (`js_name = impnetSplitLoad` in the
/// playground's `split.rs`), followed by a hash.
pub const LOAD_IMPORT_PREFIX: &str = "__wbg_impnetSplitLoad";
/// The primary's mutable i32 global the loader sets to 1 once the secondary is in.
pub const READY_EXPORT: &str = "split:ready";
/// The module name the secondary imports the primary's exports under.
const FROM: &str = "p";

pub struct Split {
    pub primary: Vec<u8>,
    pub secondary: Vec<u8>,
    pub functions: usize,
    pub moved: usize,
    /// Instruction bytes of the moved functions (what left the primary, before stubs).
    pub moved_bytes: usize,
    /// Bytes of data moved with them (with a link map).
    pub moved_data: usize,
}

/// Splits `wasm` by `marks` (one byte per defined function, nonzero = it ran: the memory
/// [`crate::instrument`]'s build leaves behind). With the linker's map of the data
/// (`data::parse_map`), statics only moved code uses move too.
pub fn split(wasm: &[u8], marks: &[u8], map: Option<&[Object]>) -> Result<Split, Error> {
    let m = Module::parse(wasm)?;
    if marks.len() != m.bodies.len() {
        return Err(Error::Input(format!(
            "the profile has {} marks but the module defines {} functions: was it taken from this build?",
            marks.len(),
            m.bodies.len()
        )));
    }
    let load = load_import(&m)?;
    let table = m.tables.first().copied().ok_or_else(|| Error::Unsupported("no table".into()))?;
    if m.imported_tables > 0 || !table.element_type.is_func_ref() || table.table64 {
        return Err(Error::Unsupported("a first table that is imported or not a 32-bit funcref table".into()));
    }
    let memory = match m.memory {
        Some(mt) if !m.memory_imported => mt,
        _ => return Err(Error::Unsupported("an imported memory or none".into())),
    };

    // What moves: functions that did not run, are not the start function, and are bigger than
    // the stub that replaces them.
    let imported = m.imported_funcs;
    let mut moved = Vec::new(); // function indices, in order
    for (k, body) in m.bodies.iter().enumerate() {
        let func = imported + k as u32;
        if marks[k] != 0 || m.start == Some(func) {
            continue;
        }
        let size = m.instructions(body)?.len();
        let stub_size = stub(&m, func, table.initial as u32, m.func_types.len() as u32)?.byte_len();
        if size > stub_size && movable(body)? {
            moved.push(func);
        }
    }
    let first_slot = table.initial as u32;
    let slot_of: BTreeMap<u32, u32> = moved.iter().enumerate().map(|(j, &f)| (f, first_slot + j as u32)).collect();
    // The primary lists its kept functions first and the stubs after them: a thousand
    // near-identical stubs between the real bodies cost gzip ~2 KB of context.
    let order: Vec<u32> = (imported..imported + m.bodies.len() as u32)
        .filter(|f| !slot_of.contains_key(f))
        .chain(moved.iter().copied())
        .collect();
    let mut renumber = Renumber { perm: (0..m.func_types.len() as u32 + 1).collect() };
    for (new, &old) in order.iter().enumerate() {
        renumber.perm[old as usize] = imported + new as u32;
    }

    // The primary functions moved code calls, which the secondary imports.
    let mut called = std::collections::BTreeSet::new();
    for &f in &moved {
        let body = &m.bodies[(f - imported) as usize];
        for op in body.get_operators_reader()? {
            if let Operator::Call { function_index } = op? {
                if !slot_of.contains_key(&function_index) {
                    called.insert(function_index);
                }
            }
        }
    }

    let mut grown = table;
    grown.initial += moved.len() as u64;
    if let Some(max) = grown.maximum {
        grown.maximum = Some(max.max(grown.initial));
    }
    let grown_ty = RoundtripReencoder.table_type(grown).map_err(reencode_error)?;
    let ready = m.globals.len() as u32;
    // One function, added last (so no index moves), checks and loads for every stub.
    let ensure = m.func_types.len() as u32;
    let (types, unit) = unit_type(&m)?;
    let names: BTreeMap<u32, String> = called.iter().map(|&f| (f, function_export(f))).collect();
    if let Some((clash, ..)) = m.exports.iter().find(|(name, ..)| name.starts_with(FUNCTION_EXPORT_PREFIX)) {
        return Err(Error::Unsupported(format!("an export named {clash}, which the split's own names could clash with")));
    }

    // --- the primary ---
    let mut sections = Sections::default();
    if let Some(types) = types {
        sections.set(1, &types);
    }
    let mut funcs = FunctionSection::new();
    for &f in &order {
        funcs.function(m.func_types[f as usize]);
    }
    funcs.function(unit);
    sections.set(3, &funcs);
    let mut tables = TableSection::new();
    for (i, t) in m.reader::<wasmparser::Table>(4)?.into_iter().flatten().enumerate() {
        let t = t?;
        if !matches!(t.init, wasmparser::TableInit::RefNull) {
            return Err(Error::Unsupported("a table with an initializer".into()));
        }
        let ty = if i == 0 { grown } else { t.ty };
        tables.table(RoundtripReencoder.table_type(ty).map_err(reencode_error)?);
    }
    sections.set(4, &tables);

    let mut globals = GlobalSection::new();
    if let Some(section) = m.reader(6)? {
        renumber.parse_global_section(&mut globals, section).map_err(reencode_error)?;
    }
    globals.global(GlobalType { val_type: ValType::I32, mutable: true, shared: false }, &ConstExpr::i32_const(0));
    sections.set(6, &globals);

    let mut exports = ExportSection::new();
    for &(name, kind, index) in &m.exports {
        let index = if kind == wasmparser::ExternalKind::Func { renumber.perm[index as usize] } else { index };
        exports.export(name, RoundtripReencoder.export_kind(kind).map_err(reencode_error)?, index);
    }
    exports.export(READY_EXPORT, ExportKind::Global, ready);
    exports.export("split:m", ExportKind::Memory, 0);
    for i in 0..m.tables.len() as u32 {
        exports.export(&format!("split:t{i}"), ExportKind::Table, i);
    }
    for i in 0..m.globals.len() as u32 {
        exports.export(&format!("split:g{i}"), ExportKind::Global, i);
    }
    for (&f, name) in &names {
        exports.export(name, ExportKind::Func, renumber.perm[f as usize]);
    }
    sections.set(7, &exports);
    if let Some(start) = m.start {
        sections.set(8, &wasm_encoder::StartSection { function_index: renumber.perm[start as usize] });
    }
    if let Some(section) = m.reader(9)? {
        let mut elements = ElementSection::new();
        renumber.parse_element_section(&mut elements, section).map_err(reencode_error)?;
        sections.set(9, &elements);
    }

    let mut code = CodeSection::new();
    let mut moved_bytes = 0;
    for &func in &order {
        let body = &m.bodies[(func - imported) as usize];
        match slot_of.get(&func) {
            Some(&slot) => {
                moved_bytes += m.instructions(body)?.len();
                code.function(&stub(&m, func, slot, ensure)?);
            }
            None => renumber.parse_function_body(&mut code, body.clone()).map_err(reencode_error)?,
        }
    }
    code.function(&ensure_body(ready, load));
    sections.set(10, &code);
    // Function names would now name the wrong functions.
    sections.drop_custom("name");
    let kept: Vec<bool> = (0..m.bodies.len() as u32).map(|k| !slot_of.contains_key(&(imported + k))).collect();
    let data = map.map(|objects| split_data(&m, &kept, objects)).transpose()?;
    if let Some(d) = &data {
        let mut section = DataSection::new();
        for seg in &d.primary {
            match seg.start {
                Some(at) => section.active(0, &ConstExpr::i32_const(at as i32), seg.bytes.iter().copied()),
                None => section.passive(seg.bytes.iter().copied()),
            };
        }
        sections.set(11, &section);
    }
    let primary = validated("primary", sections.write(&m))?;

    // --- the secondary ---
    let mut sections = Sections::default();
    match (m.section(1), unit_type(&m)?.0) {
        (_, Some(types)) => sections.set(1, &types),
        (Some(types), None) => sections.set(1, &RawSection { id: 1, data: types }),
        (None, None) => {}
    }
    let mut imports = ImportSection::new();
    let mem_ty = RoundtripReencoder.memory_type(memory).map_err(reencode_error)?;
    imports.import(FROM, "split:m", EntityType::Memory(mem_ty));
    for (i, t) in m.tables.iter().enumerate() {
        let ty = if i == 0 { grown_ty } else { RoundtripReencoder.table_type(*t).map_err(reencode_error)? };
        imports.import(FROM, &format!("split:t{i}"), EntityType::Table(ty));
    }
    for (i, g) in m.globals.iter().enumerate() {
        let ty = RoundtripReencoder.global_type(*g).map_err(reencode_error)?;
        imports.import(FROM, &format!("split:g{i}"), EntityType::Global(ty));
    }
    let mut remap = Remap { index: BTreeMap::new() };
    for (n, (&f, name)) in names.iter().enumerate() {
        imports.import(FROM, name, EntityType::Function(m.func_types[f as usize]));
        remap.index.insert(f, n as u32);
    }
    let base = called.len() as u32;
    let mut funcs = FunctionSection::new();
    for (j, &f) in moved.iter().enumerate() {
        funcs.function(m.func_types[f as usize]);
        remap.index.insert(f, base + j as u32);
    }
    sections.set(2, &imports);
    sections.set(3, &funcs);
    let mut elements = ElementSection::new();
    let own: Vec<u32> = (base..base + moved.len() as u32).collect();
    elements.active(None, &ConstExpr::i32_const(first_slot as i32), Elements::Functions(own.into()));
    sections.set(9, &elements);
    let mut code = CodeSection::new();
    for &f in &moved {
        remap.parse_function_body(&mut code, m.bodies[(f - imported) as usize].clone()).map_err(|e| match e {
            wasm_encoder::reencode::Error::UserError(missing) => {
                Error::Malformed(format!("moved function {f} refers to function {missing}, which was not mapped"))
            }
            other => reencode_error_any(other),
        })?;
    }
    sections.set(10, &code);
    if let Some(d) = &data {
        let mut section = DataSection::new();
        for (at, bytes) in &d.secondary {
            section.active(0, &ConstExpr::i32_const(*at as i32), bytes.iter().copied());
        }
        sections.set(11, &section);
    }
    // wasm-opt reads the features a module may use from this section: the primary's.
    if let Some(data) = m.custom("target_features") {
        sections.set(0, &wasm_encoder::CustomSection { name: "target_features".into(), data: data.into() });
    }
    let secondary = emit::fresh(sections);
    let secondary = validated("secondary", secondary)?;

    Ok(Split {
        primary,
        secondary,
        functions: m.bodies.len(),
        moved: moved.len(),
        moved_bytes,
        moved_data: data.map_or(0, |d| d.moved_bytes),
    })
}

/// The loader import: its function index and whether its one parameter is an externref
/// (`true`) or an i32 handle.
fn load_import(m: &Module) -> Result<(u32, bool), Error> {
    let mut func = 0;
    for import in &m.imports {
        if let TypeRef::Func(_) = import.ty {
            if import.name.starts_with(LOAD_IMPORT_PREFIX) {
                let params = &m.func_type(func)?.params;
                return match params.as_slice() {
                    [wasmparser::ValType::Ref(r)] if r.is_extern_ref() => Ok((func, true)),
                    [wasmparser::ValType::I32] => Ok((func, false)),
                    _ => Err(Error::Input(format!("the import {} takes {params:?}, not one object", import.name))),
                };
            }
            func += 1;
        }
    }
    Err(Error::Input(format!(
        "no import named {LOAD_IMPORT_PREFIX}…: the playground calls the page's loader at start (src/split.rs)"
    )))
}

/// Whether a function can live in another module: it must not touch data segments (which
/// stay in the primary) or take a function reference (which would need declaring there).
fn movable(body: &wasmparser::FunctionBody) -> Result<bool, Error> {
    for op in body.get_operators_reader()? {
        if matches!(op?, Operator::MemoryInit { .. } | Operator::DataDrop { .. } | Operator::RefFunc { .. } | Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. }) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The body left in the primary for a moved function: make sure the secondary is in, then
/// call the real function through its table slot with the same arguments.
fn stub(m: &Module, func: u32, slot: u32, ensure: u32) -> Result<Function, Error> {
    let ty = m.func_types[func as usize];
    let params = m.func_type(func)?.params.len() as u32;
    let mut f = Function::new([]);
    f.instruction(&Instruction::Call(ensure));
    for p in 0..params {
        f.instruction(&Instruction::LocalGet(p));
    }
    f.instruction(&Instruction::I32Const(slot as i32));
    f.instruction(&Instruction::CallIndirect { type_index: ty, table_index: 0 });
    f.instruction(&Instruction::End);
    Ok(f)
}

/// The function every stub calls first: unless `split:ready` is set, ask the page's loader
/// (with a null argument) to bring the secondary in now.
fn ensure_body(ready: u32, (load, externref): (u32, bool)) -> Function {
    let mut f = Function::new([]);
    f.instruction(&Instruction::GlobalGet(ready));
    f.instruction(&Instruction::I32Eqz);
    f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
    f.instruction(&if externref {
        Instruction::RefNull(HeapType::Abstract { shared: false, ty: AbstractHeapType::Extern })
    } else {
        Instruction::I32Const(0)
    });
    f.instruction(&Instruction::Call(load));
    f.instruction(&Instruction::End);
    f.instruction(&Instruction::End);
    f
}

/// The index of a `[] -> []` function type, and the type section rewritten with one added
/// at its end when the module has none.
fn unit_type(m: &Module) -> Result<(Option<TypeSection>, u32), Error> {
    let mut at = None;
    for (i, ty) in m.types.iter().enumerate() {
        if ty.as_ref().is_some_and(|t| t.params.is_empty() && t.results == 0) {
            at = Some(i as u32);
            break;
        }
    }
    if let Some(i) = at {
        return Ok((None, i));
    }
    let mut types = TypeSection::new();
    if let Some(section) = m.reader::<wasmparser::RecGroup>(1)? {
        RoundtripReencoder.parse_type_section(&mut types, section).map_err(reencode_error)?;
    }
    types.ty().function([], []);
    Ok((Some(types), m.types.len() as u32))
}

/// Moved code calls primary functions through exports named by index, short because there
/// are a thousand of them in the playground's primary.
const FUNCTION_EXPORT_PREFIX: &str = "~";

fn function_export(func: u32) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    let mut n = func;
    loop {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    format!("{FUNCTION_EXPORT_PREFIX}{}", String::from_utf8(digits).expect("ASCII digits"))
}

/// Renumbers the primary's functions (kept ones first, stubs last).
struct Renumber {
    perm: Vec<u32>,
}

impl Reencode for Renumber {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, wasm_encoder::reencode::Error> {
        Ok(self.perm[func as usize])
    }
}

/// Renumbers function indices for the secondary: primary functions become its imports, moved
/// ones its own. Types, tables, globals and the memory keep their indices (all imported, in
/// order).
struct Remap {
    index: BTreeMap<u32, u32>,
}

impl Reencode for Remap {
    type Error = u32;

    fn function_index(&mut self, func: u32) -> Result<u32, wasm_encoder::reencode::Error<u32>> {
        self.index.get(&func).copied().ok_or(wasm_encoder::reencode::Error::UserError(func))
    }
}

fn reencode_error_any(e: wasm_encoder::reencode::Error<u32>) -> Error {
    match e {
        wasm_encoder::reencode::Error::ParseError(p) => Error::Parse(p),
        other => Error::Unsupported(other.to_string()),
    }
}
