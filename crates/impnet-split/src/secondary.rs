//! The secondary: the moved functions, importing the primary's memory, tables, globals and
//! the functions they call, and an element segment that fills the stubs' table slots.

use crate::data::DataSplit;
use crate::emit::{self, Sections};
use crate::module::Module;
use crate::plan::{global_export, table_export, Plan, MEMORY_EXPORT};
use crate::{reencode_error, validated, Error};
use std::collections::BTreeMap;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{CodeSection, ConstExpr, DataSection, ElementSection, Elements, EntityType, FunctionSection, ImportSection, RawSection};

/// The module name the secondary imports the primary's exports under.
const FROM: &str = "p";

pub(crate) fn write(m: &Module, plan: &Plan, data: Option<&DataSplit>) -> Result<Vec<u8>, Error> {
    let mut sections = Sections::default();
    // The primary's types keep their indices (it may add one at the end, which no moved
    // function uses), so the secondary's are the input's as they were.
    if let Some(types) = m.section(1) {
        sections.set(1, &RawSection { id: 1, data: types });
    }
    let mut imports = ImportSection::new();
    let memory = m.memory.ok_or_else(|| Error::Unsupported("no memory".into()))?;
    imports.import(FROM, MEMORY_EXPORT, EntityType::Memory(RoundtripReencoder.memory_type(memory).map_err(reencode_error)?));
    for (i, t) in m.tables.iter().enumerate() {
        let t = if i == 0 { plan.grown } else { *t };
        imports.import(FROM, &table_export(i), EntityType::Table(RoundtripReencoder.table_type(t).map_err(reencode_error)?));
    }
    for (i, g) in m.globals.iter().enumerate() {
        let ty = RoundtripReencoder.global_type(*g).map_err(reencode_error)?;
        imports.import(FROM, &global_export(i), EntityType::Global(ty));
    }
    let mut remap = Remap { index: BTreeMap::new() };
    for (n, (&f, name)) in plan.called.iter().enumerate() {
        imports.import(FROM, name, EntityType::Function(m.func_types[f as usize]));
        remap.index.insert(f, n as u32);
    }
    let base = plan.called.len() as u32;
    let mut funcs = FunctionSection::new();
    for (j, &f) in plan.moved.iter().enumerate() {
        funcs.function(m.func_types[f as usize]);
        remap.index.insert(f, base + j as u32);
    }
    sections.set(2, &imports);
    sections.set(3, &funcs);
    let mut elements = ElementSection::new();
    let own: Vec<u32> = (base..base + plan.moved.len() as u32).collect();
    elements.active(None, &ConstExpr::i32_const(plan.first_slot as i32), Elements::Functions(own.into()));
    sections.set(9, &elements);
    let mut code = CodeSection::new();
    for &f in &plan.moved {
        remap.parse_function_body(&mut code, m.bodies[(f - m.imported_funcs) as usize].clone()).map_err(|e| match e {
            wasm_encoder::reencode::Error::UserError(missing) => {
                Error::Malformed(format!("moved function {f} refers to function {missing}, which was not mapped"))
            }
            wasm_encoder::reencode::Error::ParseError(p) => Error::Parse(p),
            other => Error::Unsupported(other.to_string()),
        })?;
    }
    sections.set(10, &code);
    if let Some(d) = data {
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
    validated("secondary", emit::fresh(sections))
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

