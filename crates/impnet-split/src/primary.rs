//! The primary: the kept functions, a stub in place of each moved one, the table grown for
//! the secondary's functions, and the exports the secondary imports.

use crate::data::DataSplit;
use crate::emit::Sections;
use crate::module::Module;
use crate::plan::{global_export, table_export, Plan, MEMORY_EXPORT};
use crate::split::READY_EXPORT;
use crate::{reencode_error, validated, Error};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    AbstractHeapType, CodeSection, ConstExpr, DataSection, ElementSection, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, HeapType, Instruction, TableSection, TypeSection, ValType,
};

pub(crate) fn write(m: &Module, plan: &Plan, data: Option<&DataSplit>) -> Result<(Vec<u8>, usize), Error> {
    let mut renumber = Renumber { perm: plan.perm.clone() };
    let mut sections = Sections::default();
    let (types, unit) = unit_type(m)?;
    if let Some(types) = types {
        sections.set(1, &types);
    }
    let mut funcs = FunctionSection::new();
    for &f in &plan.order {
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
        let ty = if i == 0 { plan.grown } else { t.ty };
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
        let index = if kind == wasmparser::ExternalKind::Func { plan.perm[index as usize] } else { index };
        exports.export(name, RoundtripReencoder.export_kind(kind).map_err(reencode_error)?, index);
    }
    exports.export(READY_EXPORT, ExportKind::Global, plan.ready);
    exports.export(MEMORY_EXPORT, ExportKind::Memory, 0);
    for i in 0..m.tables.len() {
        exports.export(&table_export(i), ExportKind::Table, i as u32);
    }
    for i in 0..m.globals.len() {
        exports.export(&global_export(i), ExportKind::Global, i as u32);
    }
    for (&f, name) in &plan.called {
        exports.export(name, ExportKind::Func, plan.perm[f as usize]);
    }
    sections.set(7, &exports);
    if let Some(start) = m.start {
        sections.set(8, &wasm_encoder::StartSection { function_index: plan.perm[start as usize] });
    }
    if let Some(section) = m.reader(9)? {
        let mut elements = ElementSection::new();
        renumber.parse_element_section(&mut elements, section).map_err(reencode_error)?;
        sections.set(9, &elements);
    }

    let mut code = CodeSection::new();
    let mut moved_bytes = 0;
    for &func in &plan.order {
        let body = &m.bodies[(func - m.imported_funcs) as usize];
        match plan.slot_of.get(&func) {
            Some(&slot) => {
                moved_bytes += m.instructions(body)?.len();
                code.function(&stub(m, func, slot, plan.ensure)?);
            }
            None => renumber.parse_function_body(&mut code, body.clone()).map_err(reencode_error)?,
        }
    }
    code.function(&ensure_body(plan.ready, plan.load));
    sections.set(10, &code);
    // Function names would now name the wrong functions.
    sections.drop_custom("name");
    if let Some(d) = data {
        let mut section = DataSection::new();
        for seg in &d.primary {
            match seg.start {
                Some(at) => section.active(0, &ConstExpr::i32_const(at as i32), seg.bytes.iter().copied()),
                None => section.passive(seg.bytes.iter().copied()),
            };
        }
        sections.set(11, &section);
    }
    Ok((validated("primary", sections.write(m))?, moved_bytes))
}

/// The body left in the primary for a moved function: make sure the secondary is in, then
/// call the real function through its table slot with the same arguments.
pub(crate) fn stub(m: &Module, func: u32, slot: u32, ensure: u32) -> Result<Function, Error> {
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

