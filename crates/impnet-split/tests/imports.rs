//! Short import names in the wasm and its JS glue (issue #10 item 6: the hashes wasm-bindgen
//! puts in every import name cost ~4 KB of first load).

use impnet_split::minify_imports;
use wasm_encoder::{CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, ImportSection, Instruction, Module, TypeSection, ValType};

fn module(names: &[&str]) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    let mut imports = ImportSection::new();
    for n in names {
        imports.import("./impnet-playground_bg.js", n, EntityType::Function(0));
    }
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    let mut exports = ExportSection::new();
    exports.export("twice", ExportKind::Func, names.len() as u32);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&Instruction::LocalGet(0)).instruction(&Instruction::Call(0)).instruction(&Instruction::Call(1)).instruction(&Instruction::End);
    code.function(&f);
    let mut m = Module::new();
    m.section(&types).section(&imports).section(&funcs).section(&exports).section(&code);
    m.finish()
}

const GLUE: &str = r#"function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_add_0123456789abcdef: function(arg0) {
            return arg0 + 1;
        },
        __wbg_double_fedcba9876543210: function(arg0) {
            return arg0 * 2;
        },
    };
    return {
        __proto__: null,
        "./impnet-playground_bg.js": import0,
    };
}
"#;

#[test]
fn imports_are_renamed_in_the_wasm_and_the_glue_alike() {
    let wasm = module(&["__wbg_add_0123456789abcdef", "__wbg_double_fedcba9876543210"]);
    let out = minify_imports(&wasm, GLUE).unwrap();
    assert_eq!(out.renamed, 2);
    assert!(out.js.contains("        a: function(arg0) {\n            return arg0 + 1;"), "{}", out.js);
    assert!(out.js.contains("        b: function(arg0) {\n            return arg0 * 2;"), "{}", out.js);
    assert!(out.js.contains("\"w\": import0") && !out.js.contains("0123456789abcdef"), "{}", out.js);
    let names: Vec<(String, String)> = wasmparser::Parser::new(0)
        .parse_all(&out.wasm)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ImportSection(r) => {
                Some(r.into_imports().map(|i| i.unwrap()).map(|i| (i.module.to_string(), i.name.to_string())).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(names, [("w".to_string(), "a".to_string()), ("w".to_string(), "b".to_string())]);

    // Run both in node: the renamed pair computes what the original did: twice(5) = (5+1)*2.
    let dir = std::env::temp_dir().join(format!("impnet-imports-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("m.wasm"), &out.wasm).unwrap();
    std::fs::write(dir.join("glue.js"), format!("{}\nmodule.exports = __wbg_get_imports;\n", out.js)).unwrap();
    let script = "const fs = require('fs'); const dir = process.argv[1];
const imports = require(dir + '/glue.js')();
const i = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(dir + '/m.wasm')), imports);
console.log(i.exports.twice(5));";
    let run = std::process::Command::new("node").arg("-e").arg(script).arg(&dir).output().expect("node runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "12");
}

#[test]
fn an_import_the_glue_does_not_define_once_is_refused_by_name() {
    let wasm = module(&["__wbg_add_0123456789abcdef", "__wbg_missing_0000000000000000"]);
    let err = minify_imports(&wasm, GLUE).err().unwrap().to_string();
    assert!(err.contains("__wbg_missing_0000000000000000"), "{err}");
}
