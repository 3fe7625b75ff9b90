// Usage: node scripts/wasm-imports.mjs FILE.wasm
// Lists a wasm module's imports and fails if any comes from `env` (an unresolved host symbol:
// the core must run with nothing from its host). Then instantiates the module with no imports
// and calls the wasm_probe exports, printing their results.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/wasm-imports.mjs FILE.wasm');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(file));
const imports = WebAssembly.Module.imports(module);
console.log(`${file}: ${imports.length} import(s)`);
for (const i of imports) console.log(`  ${i.module}.${i.name} (${i.kind})`);
const fromEnv = imports.filter((i) => i.module === 'env');
if (fromEnv.length > 0) {
  console.error(`FAIL: ${fromEnv.length} import(s) from module "env": ${fromEnv.map((i) => i.name).join(', ')}`);
  process.exit(1);
}
console.log('ok: nothing imported from "env"');

if (imports.length === 0) {
  const { exports } = new WebAssembly.Instance(module, {});
  for (const name of ['probe_lines', 'probe_hash', 'squirrel_hash']) {
    if (typeof exports[name] !== 'function') continue;
    const v = exports[name]();
    // The hashes are u64: JS sees a signed BigInt; print them as unsigned hex.
    const shown = typeof v === 'bigint' ? BigInt.asUintN(64, v).toString(16).padStart(16, '0') : String(v);
    console.log(`${name}() = ${shown}`);
  }
}
