//! What the splitter needs to know about a module, read once: the index spaces it renumbers
//! or extends, and each section's bytes so that everything else is copied untouched.

use crate::Error;
use std::ops::Range;
use wasmparser::{
    ExternalKind, FunctionBody, GlobalType, MemoryType, Parser, Payload, TableType, TypeRef,
    ValType,
};

/// One top-level section: its id and where its contents lie in the input.
pub struct Section {
    pub id: u8,
    pub range: Range<usize>,
}

/// A function type, enough to write a stub that forwards its parameters.
#[derive(Clone)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: usize,
}

pub struct Import<'a> {
    pub module: &'a str,
    pub name: &'a str,
    pub ty: TypeRef,
}

pub struct Module<'a> {
    pub bytes: &'a [u8],
    pub sections: Vec<Section>,
    /// Every type of the type section, by index (`None` for a non-function type).
    pub types: Vec<Option<FuncType>>,
    pub imports: Vec<Import<'a>>,
    /// The type index of every function, imported ones first (the function index space).
    pub func_types: Vec<u32>,
    pub imported_funcs: u32,
    /// Tables and globals in their index spaces, imported first; the defined memory.
    pub tables: Vec<TableType>,
    pub imported_tables: u32,
    pub globals: Vec<GlobalType>,
    pub memory: Option<MemoryType>,
    pub memory_imported: bool,
    pub exports: Vec<(&'a str, ExternalKind, u32)>,
    pub start: Option<u32>,
    /// The defined functions' bodies, in order.
    pub bodies: Vec<FunctionBody<'a>>,
}

impl<'a> Module<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut m = Module {
            bytes,
            sections: Vec::new(),
            types: Vec::new(),
            imports: Vec::new(),
            func_types: Vec::new(),
            imported_funcs: 0,
            tables: Vec::new(),
            imported_tables: 0,
            globals: Vec::new(),
            memory: None,
            memory_imported: false,
            exports: Vec::new(),
            start: None,
            bodies: Vec::new(),
        };
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload?;
            if let Some((id, range)) = payload.as_section() {
                // The code section's contents are its bodies, which arrive one by one below.
                m.sections.push(Section { id, range });
            }
            match payload {
                Payload::Version { encoding: wasmparser::Encoding::Component, .. } => {
                    return Err(Error::Unsupported("a component, not a core module".into()))
                }
                Payload::TypeSection(r) => {
                    for ty in r.into_iter_err_on_gc_types() {
                        let ty = ty?;
                        m.types.push(Some(FuncType { params: ty.params().to_vec(), results: ty.results().len() }));
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(t) => {
                                m.func_types.push(t);
                                m.imported_funcs += 1;
                            }
                            TypeRef::Table(t) => {
                                m.tables.push(t);
                                m.imported_tables += 1;
                            }
                            TypeRef::Global(g) => m.globals.push(g),
                            TypeRef::Memory(mt) => {
                                m.memory = Some(mt);
                                m.memory_imported = true;
                            }
                            _ => return Err(Error::Unsupported(format!("import {}.{}: not a function, table, memory or global", import.module, import.name))),
                        }
                        m.imports.push(Import { module: import.module, name: import.name, ty: import.ty });
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        m.func_types.push(t?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        m.tables.push(t?.ty);
                    }
                }
                Payload::MemorySection(r) => {
                    for mt in r {
                        if m.memory.replace(mt?).is_some() {
                            return Err(Error::Unsupported("more than one memory".into()));
                        }
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        m.globals.push(g?.ty);
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e?;
                        m.exports.push((e.name, e.kind, e.index));
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::CodeSectionEntry(body) => m.bodies.push(body),
                Payload::TagSection(_) => return Err(Error::Unsupported("exception tags".into())),
                _ => {}
            }
        }
        if m.bodies.len() != m.func_types.len() - m.imported_funcs as usize {
            return Err(Error::Malformed("the function and code sections disagree".into()));
        }
        Ok(m)
    }

    /// The raw contents of the first section with this id.
    pub fn section(&self, id: u8) -> Option<&'a [u8]> {
        self.sections.iter().find(|s| s.id == id).map(|s| &self.bytes[s.range.clone()])
    }

    /// The contents of the custom section with this name, after its name.
    pub fn custom(&self, name: &str) -> Option<&'a [u8]> {
        self.sections.iter().filter(|s| s.id == 0).find_map(|s| {
            let reader = wasmparser::BinaryReader::new(&self.bytes[s.range.clone()], s.range.start);
            let c = wasmparser::CustomSectionReader::new(reader).ok()?;
            (c.name() == name).then(|| c.data())
        })
    }

    /// A fresh reader over the section with this id (`None` when the module has none).
    pub fn reader<T: wasmparser::FromReader<'a>>(&self, id: u8) -> Result<Option<wasmparser::SectionLimited<'a, T>>, Error> {
        let Some(s) = self.sections.iter().find(|s| s.id == id) else { return Ok(None) };
        let reader = wasmparser::BinaryReader::new(&self.bytes[s.range.clone()], s.range.start);
        Ok(Some(wasmparser::SectionLimited::new(reader)?))
    }

    /// The type of a function, by its index in the function index space.
    pub fn func_type(&self, func: u32) -> Result<&FuncType, Error> {
        let ty = self.func_types[func as usize];
        self.types
            .get(ty as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| Error::Malformed(format!("function {func} has type {ty}, not a function type")))
    }

    /// The bytes of a defined function's body after its locals (its instructions).
    pub fn instructions(&self, body: &FunctionBody<'a>) -> Result<Range<usize>, Error> {
        let start = body.get_binary_reader_for_operators()?.original_position();
        Ok(start..body.range().end)
    }
}
