//! What moves: the functions that did not run (and are bigger than the stub that replaces
//! them), their table slots, the primary's new function order, and the primary functions moved
//! code calls.

use crate::module::Module;
use crate::split::LOAD_IMPORT_PREFIX;
use crate::Error;
use std::collections::BTreeMap;
use wasmparser::{Operator, TableType, TypeRef};

pub(crate) struct Plan {
    /// Moved functions (original indices), in order; the `j`th fills table slot `first_slot + j`.
    pub moved: Vec<u32>,
    pub slot_of: BTreeMap<u32, u32>,
    pub first_slot: u32,
    /// The first table grown by one slot per moved function.
    pub grown: TableType,
    /// The primary's defined functions in their new order: kept ones first, then the stubs
    /// (a thousand near-identical stubs between the real bodies cost gzip ~2 KB of context).
    pub order: Vec<u32>,
    /// Original index → the primary's index (imports and the added `ensure` unchanged).
    pub perm: Vec<u32>,
    /// Primary functions moved code calls, with the export name the secondary imports each by.
    pub called: BTreeMap<u32, String>,
    /// The loader import and whether it takes an externref (else an i32 handle).
    pub load: (u32, bool),
    /// The added function every stub calls first (the last index) and the `split:ready` global.
    pub ensure: u32,
    pub ready: u32,
}

impl Plan {
    pub fn new(m: &Module, marks: &[u8]) -> Result<Plan, Error> {
        if marks.len() != m.bodies.len() {
            return Err(Error::Input(format!(
                "the profile has {} marks but the module defines {} functions: was it taken from this build?",
                marks.len(),
                m.bodies.len()
            )));
        }
        let load = load_import(m)?;
        let table = m.tables.first().copied().ok_or_else(|| Error::Unsupported("no table".into()))?;
        if m.imported_tables > 0 || !table.element_type.is_func_ref() || table.table64 {
            return Err(Error::Unsupported("a first table that is imported or not a 32-bit funcref table".into()));
        }
        if let Some((clash, ..)) = m.exports.iter().find(|(name, ..)| name.starts_with(FUNCTION_EXPORT_PREFIX)) {
            return Err(Error::Unsupported(format!("an export named {clash}, which the split's own names could clash with")));
        }
        let imported = m.imported_funcs;
        let ensure = m.func_types.len() as u32;
        let first_slot = table.initial as u32;
        let mut moved = Vec::new();
        for (k, body) in m.bodies.iter().enumerate() {
            let func = imported + k as u32;
            if marks[k] != 0 || m.start == Some(func) {
                continue;
            }
            let stub_size = crate::primary::stub(m, func, first_slot, ensure)?.byte_len();
            if m.instructions(body)?.len() > stub_size && movable(body)? {
                moved.push(func);
            }
        }
        let slot_of: BTreeMap<u32, u32> = moved.iter().enumerate().map(|(j, &f)| (f, first_slot + j as u32)).collect();
        let order: Vec<u32> = (imported..ensure).filter(|f| !slot_of.contains_key(f)).chain(moved.iter().copied()).collect();
        let mut perm: Vec<u32> = (0..=ensure).collect();
        for (new, &old) in order.iter().enumerate() {
            perm[old as usize] = imported + new as u32;
        }
        let mut called = BTreeMap::new();
        for &f in &moved {
            for op in m.bodies[(f - imported) as usize].get_operators_reader()? {
                if let Operator::Call { function_index } = op? {
                    if !slot_of.contains_key(&function_index) {
                        called.entry(function_index).or_insert_with(|| function_export(function_index));
                    }
                }
            }
        }
        let mut grown = table;
        grown.initial += moved.len() as u64;
        if let Some(max) = grown.maximum {
            grown.maximum = Some(max.max(grown.initial));
        }
        Ok(Plan { moved, slot_of, first_slot, grown, order, perm, called, load, ensure, ready: m.globals.len() as u32 })
    }

    /// Per defined function (in the original order), whether it stays in the primary.
    pub fn kept(&self, m: &Module) -> Vec<bool> {
        (0..m.bodies.len() as u32).map(|k| !self.slot_of.contains_key(&(m.imported_funcs + k))).collect()
    }
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

/// The names the primary exports what the secondary imports under (module `p`): its memory,
/// each table and global by index, and each function moved code calls.
pub(crate) const MEMORY_EXPORT: &str = "split:m";

pub(crate) fn table_export(i: usize) -> String {
    format!("split:t{i}")
}

pub(crate) fn global_export(i: usize) -> String {
    format!("split:g{i}")
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

