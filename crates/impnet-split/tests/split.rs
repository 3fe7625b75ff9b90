//! The splitter on a small module built here (issue #10 item 6: the first load split by what
//! runs): both halves validate, moved functions leave stubs, and the split module computes
//! what the whole one did, run in node with a loader like the page's.

use impnet_split::{instrument, split, MARKS_EXPORT, MARK_COUNT_EXPORT, READY_EXPORT};
use std::process::Command;
use wasm_encoder::{
    CodeSection, ConstExpr, ElementSection, Elements, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction as I, MemorySection, MemoryType,
    Module, RefType, TableSection, TableType, TypeSection, ValType,
};

/// Imports the loader (like wasm-bindgen's, one externref) and defines:
/// 0 `run(x)`: hot, calls `cold(x)` when x > 100, else `hot_helper(x)`;
/// 1 `hot_helper(x)` = x*3+1 (kept small on purpose: too small to move);
/// 2 `cold(x)`: adds a global, calls `cold_deep`, `hot_helper` and, through the table,
///   `indirect` — a long body so it is worth moving;
/// 3 `cold_deep(x)`: reads a static (41, at 4096) and does arithmetic;
/// 4 `indirect(x)` = x - 7, reached only through the table.
fn sample() -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([ValType::Ref(RefType::EXTERNREF)], []); // 0: loader
    types.ty().function([ValType::I32], [ValType::I32]); // 1: i32 -> i32
    let mut imports = ImportSection::new();
    imports.import("wbg", "__wbg_impnetSplitLoad_0123", EntityType::Function(0));
    let mut funcs = FunctionSection::new();
    for _ in 0..5 {
        funcs.function(1);
    }
    let mut tables = TableSection::new();
    tables.table(TableType { element_type: RefType::FUNCREF, minimum: 2, maximum: Some(2), table64: false, shared: false });
    let mut memory = MemorySection::new();
    memory.memory(MemoryType { minimum: 1, maximum: None, memory64: false, shared: false, page_size_log2: None });
    let mut globals = GlobalSection::new();
    globals.global(GlobalType { val_type: ValType::I32, mutable: true, shared: false }, &ConstExpr::i32_const(1000));
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 1);
    exports.export("memory", ExportKind::Memory, 0);
    let mut elements = ElementSection::new();
    elements.active(None, &ConstExpr::i32_const(1), Elements::Functions([5].as_slice().into()));

    let mut code = CodeSection::new();
    let mut run = Function::new([]);
    for i in [I::LocalGet(0), I::I32Const(100), I::I32GtS, I::If(wasm_encoder::BlockType::Result(ValType::I32))] {
        run.instruction(&i);
    }
    for i in [I::LocalGet(0), I::Call(3), I::Else, I::LocalGet(0), I::Call(2), I::End, I::End] {
        run.instruction(&i);
    }
    code.function(&run);
    let mut hot = Function::new([]);
    for i in [I::LocalGet(0), I::I32Const(3), I::I32Mul, I::I32Const(1), I::I32Add, I::End] {
        hot.instruction(&i);
    }
    code.function(&hot);
    let mut cold = Function::new([(1, ValType::I32)]);
    for i in [
        I::LocalGet(0),
        I::GlobalGet(0),
        I::I32Add,
        I::LocalTee(1),
        I::Call(4),
        I::LocalGet(1),
        I::Call(2),
        I::I32Add,
        I::LocalGet(0),
        I::I32Const(1),
        I::CallIndirect { type_index: 1, table_index: 0 },
        I::I32Add,
        I::GlobalGet(0),
        I::I32Const(1),
        I::I32Add,
        I::GlobalSet(0),
        I::End,
    ] {
        cold.instruction(&i);
    }
    code.function(&cold);
    let mut deep = Function::new([]);
    for i in [
        I::I32Const(4096),
        I::I32Load(wasm_encoder::MemArg { offset: 0, align: 2, memory_index: 0 }),
        I::LocalGet(0),
        I::I32Mul,
        I::I32Const(12345),
        I::I32Xor,
        I::I32Const(7),
        I::I32RemU,
        I::I32Const(1_000_000),
        I::I32Add,
        I::I32Const(0x0f0f_0f0f),
        I::I32Xor,
        I::I32Const(0x0f0f_0f0f),
        I::I32Xor,
        I::End,
    ] {
        deep.instruction(&i);
    }
    code.function(&deep);
    let mut indirect = Function::new([]);
    indirect.instruction(&I::LocalGet(0)).instruction(&I::I32Const(7)).instruction(&I::I32Sub);
    // Padding (x | 0, eight times) so the body outweighs a stub.
    for _ in 0..8 {
        indirect.instruction(&I::I32Const(0)).instruction(&I::I32Or);
    }
    indirect.instruction(&I::End);
    code.function(&indirect);
    let mut data = wasm_encoder::DataSection::new();
    data.active(0, &ConstExpr::i32_const(4096), 41u32.to_le_bytes());

    let mut m = Module::new();
    m.section(&types).section(&imports).section(&funcs).section(&tables).section(&memory).section(&globals);
    m.section(&exports).section(&elements).section(&code).section(&data);
    m.finish()
}

fn exports_of(wasm: &[u8]) -> Vec<String> {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ExportSection(r) => Some(r.into_iter().map(|e| e.unwrap().name.to_string()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn instrument_exports_the_marks_and_stays_valid() {
    let out = instrument(&sample()).unwrap();
    assert_eq!(out.functions, 5);
    assert_eq!(out.address, 65536, "the marks go in a page added above the initial memory");
    let names = exports_of(&out.bytes);
    assert!(names.contains(&MARKS_EXPORT.to_string()) && names.contains(&MARK_COUNT_EXPORT.to_string()));
    assert!(names.contains(&"run".to_string()), "existing exports are kept");
}

#[test]
fn split_moves_what_did_not_run_and_leaves_what_did() {
    // run and hot_helper ran; cold, cold_deep and indirect did not.
    let s = split(&sample(), &[1, 1, 0, 0, 0], None).unwrap();
    assert_eq!((s.functions, s.moved), (5, 3));
    assert!(exports_of(&s.primary).contains(&READY_EXPORT.to_string()));
    // The secondary imports only what moved code calls from the primary: hot_helper.
    assert!(exports_of(&s.primary).contains(&"~2".to_string()));
    assert!(!exports_of(&s.primary).contains(&"~1".to_string()));
    // Nothing ran: run moves too, but hot_helper (9 bytes) is smaller than its stub would be.
    assert_eq!(split(&sample(), &[0, 0, 0, 0, 0], None).unwrap().moved, 4);
    assert_eq!(split(&sample(), &[1, 1, 1, 1, 1], None).unwrap().moved, 0);
}

#[test]
fn a_profile_from_another_build_is_refused_by_name() {
    let err = split(&sample(), &[1, 1], None).err().unwrap().to_string();
    assert!(err.contains("2 marks") && err.contains("5 functions"), "{err}");
}

#[test]
fn a_module_without_the_loader_import_is_refused() {
    let wasm = sample();
    let renamed = wasm
        .windows(b"impnetSplitLoad".len())
        .position(|w| w == b"impnetSplitLoad")
        .map(|at| {
            let mut w = wasm.clone();
            w[at] = b'X';
            w
        })
        .unwrap();
    let err = split(&renamed, &[1, 1, 0, 0, 0], None).err().unwrap().to_string();
    assert!(err.contains("__wbg_impnetSplitLoad"), "{err}");
}

/// Runs `run(x)` for several x in node on the whole module and on the split pair (loaded
/// lazily by a loader like the page's), and on the instrumented module, whose marks must
/// name the functions that ran.
#[test]
fn the_split_pair_computes_what_the_whole_module_did() {
    run_pair(None, &[1, 1, 0, 0, 0]);
}

/// `indirect` ran but `cold` and `cold_deep` before it did not: the primary lists `indirect`
/// before their stubs, so its index and its table entry change.
#[test]
fn kept_functions_move_ahead_of_the_stubs_and_keep_working() {
    let s = split(&sample(), &[1, 1, 0, 0, 1], None).unwrap();
    assert_eq!(s.moved, 2);
    run_pair(None, &[1, 1, 0, 0, 1]);
}

/// The same with the link map: the static at 4096 that only `cold_deep` reads moves to the
/// secondary (zero in the primary until it arrives), and `cold_deep` still reads 41.
#[test]
fn the_split_pair_with_moved_data_computes_the_same() {
    let objects = impnet_split::data::parse_map(MAP).unwrap();
    let s = split(&sample(), &[1, 1, 0, 0, 0], Some(&objects)).unwrap();
    assert_eq!(s.moved_data, 4, "the 4 bytes of the static only cold_deep reads");
    run_pair(Some(&objects), &[1, 1, 0, 0, 0]);
}

/// A wasm-ld map of `sample()`'s data: two statics, at 4096 (4 bytes) and 4100 (12, zero).
const MAP: &str = "    Addr      Off     Size Out     In      Symbol
       -      1c0       20 DATA
    1000      1c1       10 .rodata
    1000      1c1        4         x.o:(.rodata.TABLE)
    1000      1c1        4                 TABLE
    1004      1c5        c         x.o:(.rodata..Lanon.1)
       -      1e0       40 CUSTOM(name)
";

#[test]
fn a_map_that_does_not_describe_the_module_is_refused() {
    let err = impnet_split::data::parse_map("nothing here").err().unwrap().to_string();
    assert!(err.contains("no data chunks"), "{err}");
    let elsewhere = impnet_split::data::parse_map(&MAP.replace("    1000      1c1        4         x.o", "    2000      1c1        4         x.o").replace("    1004      1c5        c", "    2004      1c5        c")).unwrap();
    let err = split(&sample(), &[1, 1, 0, 0, 0], Some(&elsewhere)).err().unwrap().to_string();
    assert!(err.contains("is the map from this build"), "{err}");
}

#[test]
fn data_a_kept_function_reads_stays() {
    // Nothing moves when everything ran, so neither does the static cold_deep reads.
    let objects = impnet_split::data::parse_map(MAP).unwrap();
    assert_eq!(split(&sample(), &[1, 1, 1, 1, 1], Some(&objects)).unwrap().moved_data, 0);
}

fn run_pair(map: Option<&[impnet_split::data::Object]>, marks: &[u8]) {
    let dir = std::env::temp_dir().join(format!("impnet-split-test-{}-{}-{}", std::process::id(), map.is_some(), marks[4]));
    std::fs::create_dir_all(&dir).unwrap();
    let whole = sample();
    let s = split(&whole, marks, map).unwrap();
    let inst = instrument(&whole).unwrap();
    for (name, bytes) in [("whole", &whole), ("primary", &s.primary), ("secondary", &s.secondary), ("inst", &inst.bytes)] {
        std::fs::write(dir.join(format!("{name}.wasm")), bytes).unwrap();
    }
    let script = r#"
const fs = require('fs');
const dir = process.argv[1];
const load = (name, imports) => new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(dir + '/' + name + '.wasm')), imports).exports;
const xs = [5, 150, 7, 1000, 42];
const whole = load('whole', { wbg: { __wbg_impnetSplitLoad_0123: () => {} } });
let primary = null, loads = 0;
const loader = (x) => {
  if (x !== null) throw new Error('the stub passes null');
  if (primary['split:ready'].value) throw new Error('loaded twice');
  loads++;
  const mod = new WebAssembly.Module(fs.readFileSync(dir + '/secondary.wasm'));
  const imports = {};
  for (const { module, name } of WebAssembly.Module.imports(mod)) (imports[module] ??= {})[name] = primary[name];
  new WebAssembly.Instance(mod, imports);
  primary['split:ready'].value = 1;
};
primary = load('primary', { wbg: { __wbg_impnetSplitLoad_0123: loader } });
const a = [], b = [];
const before = primary.run(5); // hot path only: no load
const loadsBefore = loads;
const dataBefore = new Uint32Array(primary.memory.buffer, 4096, 1)[0];
for (const x of xs) { a.push(whole.run(x)); b.push(primary.run(x)); }
const inst = load('inst', { wbg: { __wbg_impnetSplitLoad_0123: () => {} } });
inst.run(5);
const marks = Array.from(new Uint8Array(inst.memory.buffer, inst.__impnet_marks.value, inst.__impnet_mark_count.value));
console.log(JSON.stringify({ a, b, before, loadsBefore, loads, marks, dataBefore }));
"#;
    let out = Command::new("node").arg("-e").arg(script).arg(&dir).output().expect("node runs (the e2e tests need it too)");
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<&str> = text.trim().split(['{', '}', ':', ',', '[', ']', '"']).filter(|s| !s.is_empty()).collect();
    let get = |key: &str| -> Vec<i64> {
        let at = v.iter().position(|s| *s == key).unwrap();
        v[at + 1..].iter().take_while(|s| s.parse::<i64>().is_ok()).map(|s| s.parse().unwrap()).collect()
    };
    assert_eq!(get("a"), get("b"), "same results split and whole: {text}");
    assert_eq!(get("before"), vec![16], "run(5) = hot_helper(5) = 16");
    assert_eq!(get("loadsBefore"), vec![0], "the hot path does not load the secondary");
    assert_eq!(get("loads"), vec![1], "the first cold call loads it, once");
    assert_eq!(get("marks"), vec![1, 1, 0, 0, 0], "run(5) ran run and hot_helper only");
    let expected = if map.is_some() { 0 } else { 41 };
    assert_eq!(get("dataBefore"), vec![expected], "the static at 4096 before the secondary is in");
}
