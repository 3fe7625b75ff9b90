//! Writing a module back: the sections a step replaced or added, in the order the binary
//! format requires, and every other section (custom ones included) copied as it was.

use crate::module::Module;
use wasm_encoder::{Encode, RawSection};

/// Where each known section id goes in a module (the binary format's order; 12 = data count
/// and 13 = tag sit out of numeric order).
fn rank(id: u8) -> u32 {
    match id {
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 5,
        13 => 6,
        6 => 7,
        7 => 8,
        8 => 9,
        9 => 10,
        12 => 11,
        10 => 12,
        11 => 13,
        _ => 0,
    }
}

#[derive(Default)]
pub struct Sections {
    /// (id, contents) replacing or adding a section; contents without the id and size.
    new: Vec<(u8, Vec<u8>)>,
    /// Custom sections left out.
    dropped: Vec<&'static str>,
}

impl Sections {
    pub fn set(&mut self, id: u8, section: &impl Encode) {
        let mut framed = Vec::new();
        section.encode(&mut framed);
        // A section encodes as its size, then its contents; RawSection writes the size again.
        let size_len = framed.iter().position(|b| b & 0x80 == 0).map_or(0, |p| p + 1);
        let contents = framed.split_off(size_len);
        self.new.retain(|(i, _)| *i != id);
        self.new.push((id, contents));
    }

    pub fn drop_custom(&mut self, name: &'static str) {
        self.dropped.push(name);
    }

    /// `from`'s sections with these replacements and additions.
    pub fn write(mut self, from: &Module) -> Vec<u8> {
        let mut out = wasm_encoder::Module::new();
        let place = |out: &mut wasm_encoder::Module, new: &mut Vec<(u8, Vec<u8>)>, upto: u32| {
            // Added sections that rank before `upto` go first.
            new.sort_by_key(|(id, _)| rank(*id));
            while let Some(pos) = new.iter().position(|(id, _)| rank(*id) < upto) {
                let (id, data) = new.remove(pos);
                out.section(&RawSection { id, data: &data });
            }
        };
        for s in &from.sections {
            let r = rank(s.id);
            if r != 0 {
                place(&mut out, &mut self.new, r);
            }
            match self.new.iter().position(|(id, _)| *id == s.id && s.id != 0) {
                Some(pos) => {
                    let (id, data) = self.new.remove(pos);
                    out.section(&RawSection { id, data: &data });
                }
                None => {
                    let data = &from.bytes[s.range.clone()];
                    if s.id == 0 && self.dropped.iter().any(|name| custom_name(data, s.range.start) == Some(name)) {
                        continue;
                    }
                    out.section(&RawSection { id: s.id, data });
                }
            }
        }
        place(&mut out, &mut self.new, u32::MAX);
        out.finish()
    }
}

/// A module built from nothing but the given sections, in order.
pub fn fresh(sections: Sections) -> Vec<u8> {
    let mut new = sections.new;
    new.sort_by_key(|(id, _)| rank(*id));
    let mut out = wasm_encoder::Module::new();
    for (id, data) in &new {
        out.section(&RawSection { id: *id, data });
    }
    out.finish()
}

fn custom_name(data: &[u8], offset: usize) -> Option<&str> {
    wasmparser::CustomSectionReader::new(wasmparser::BinaryReader::new(data, offset)).ok().map(|c| c.name())
}
