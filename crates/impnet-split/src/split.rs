//! The split itself: what moves, the stubs left in the primary, and the secondary module.

use crate::data::{split_data, Object};
use crate::module::Module;
use crate::plan::Plan;
use crate::Error;

/// The name wasm-bindgen gives the page's loader (`js_name = impnetSplitLoad` in the
/// playground's `split.rs`), followed by a hash.
pub const LOAD_IMPORT_PREFIX: &str = "__wbg_impnetSplitLoad";
/// The primary's mutable i32 global the loader sets to 1 once the secondary is in.
pub const READY_EXPORT: &str = "split:ready";

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
    if m.memory.is_none() || m.memory_imported {
        return Err(Error::Unsupported("an imported memory or none".into()));
    }
    let plan = Plan::new(&m, marks)?;
    let data = map.map(|objects| split_data(&m, &plan.kept(&m), objects)).transpose()?;
    let (primary, moved_bytes) = crate::primary::write(&m, &plan, data.as_ref())?;
    let secondary = crate::secondary::write(&m, &plan, data.as_ref())?;
    Ok(Split {
        primary,
        secondary,
        functions: m.bodies.len(),
        moved: plan.moved.len(),
        moved_bytes,
        moved_data: data.map_or(0, |d| d.moved_bytes),
    })
}
