// Code bytes of a .wasm file by crate, from its name section (what twiggy's `garbage`/`top`
// would say, summed per crate): node scripts/wasm-crates.mjs FILE.wasm [TOP] [MARKS]
// With MARKS (the profile `impnet-split instrument` + e2e/split-profile.mjs take of FILE: a byte
// per defined function, nonzero = it ran while the page opened), each crate's code is split
// into what the first paint runs (the primary's) and the rest, each gzipped -9 on its own.
// Use a file that still has its name section: after wasm-bindgen, before wasm-opt (which
// strips names). A function is charged to the first path segment of its demangled name
// (`<impnet_core::scenario::Scenario as serde::Deserialize>::deserialize` → impnet_core);
// generic code lands with the crate of the type it was instantiated for, as twiggy counts it.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const [file, topArg, marksFile] = process.argv.slice(2);
if (!file) {
    console.error('usage: node scripts/wasm-crates.mjs FILE.wasm [TOP]');
    process.exit(2);
}
const buf = readFileSync(file);
let pos = 8;
const u32 = () => {
    let result = 0, shift = 0, byte;
    do {
        byte = buf[pos++];
        result |= (byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
};
const name = () => {
    const n = u32();
    const s = buf.toString('utf8', pos, pos + n);
    pos += n;
    return s;
};

let imported = 0;
const bodies = []; // byte size per defined function
const code = []; // their bytes
const names = new Map();
let dataBytes = 0;
while (pos < buf.length) {
    const id = buf[pos++];
    const size = u32();
    const end = pos + size;
    if (id === 2) { // imports: count function imports (they come first in the index space)
        for (let n = u32(); n > 0; n--) {
            name(); name();
            const kind = buf[pos++];
            if (kind === 0) { u32(); imported++; }
            else if (kind === 1) { pos++; const f = u32(); u32(); if (f & 1) u32(); }
            else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); }
            else if (kind === 3) { pos += 2; }
            else if (kind === 4) { pos++; u32(); }
        }
    } else if (id === 10) {
        for (let n = u32(); n > 0; n--) {
            const len = u32();
            bodies.push(len);
            code.push(buf.subarray(pos, pos + len));
            pos += len;
        }
    } else if (id === 11) {
        dataBytes = size;
    } else if (id === 0) {
        const sec = name();
        if (sec === 'name') {
            while (pos < end) {
                const sub = buf[pos++];
                const subSize = u32();
                const subEnd = pos + subSize;
                if (sub === 1) {
                    for (let n = u32(); n > 0; n--) {
                        const idx = u32();
                        names.set(idx, name());
                    }
                }
                pos = subEnd;
            }
        }
    }
    pos = end;
}

const crateOf = (n) => {
    if (!n) return '(no name)';
    let s = n.replace(/^(<|&|\*|mut |dyn |const |\s)+/, '');
    s = s.replace(/^[<&*\s]+/, '');
    const m = s.match(/^([A-Za-z_][A-Za-z0-9_]*)/);
    if (!m) return '(other)';
    const c = m[1];
    return ['alloc', 'core', 'std', 'compiler_builtins', 'dlmalloc'].includes(c) ? 'std/core/alloc' : c;
};
if (marksFile) {
    const marks = readFileSync(marksFile);
    if (marks.length !== bodies.length) {
        console.error(`${marksFile} has ${marks.length} marks for ${bodies.length} functions: not a profile of ${file}`);
        process.exit(2);
    }
    const groups = new Map(); // crate -> [ran bodies, other bodies]
    bodies.forEach((_, i) => {
        const c = crateOf(names.get(imported + i));
        if (!groups.has(c)) groups.set(c, [[], []]);
        groups.get(c)[marks[i] ? 0 : 1].push(code[i]);
    });
    const size = (list) => list.reduce((a, b) => a + b.length, 0);
    const gz = (list) => (list.length ? gzipSync(Buffer.concat(list), { level: 9 }).length : 0);
    const rows = [...groups].map(([c, [ran, rest]]) => [c, size(ran), gz(ran), size(rest), gz(rest)]);
    rows.sort((a, b) => b[2] - a[2]);
    const top = Number(topArg || 20);
    const fmt = (n) => n.toLocaleString('en');
    console.log('| crate | first paint runs: code | gzip -9 | the rest: code | gzip -9 |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows.slice(0, top)) console.log(`| ${r[0]} | ${fmt(r[1])} | ${fmt(r[2])} | ${fmt(r[3])} | ${fmt(r[4])} |`);
    const others = rows.slice(top);
    if (others.length) {
        const sum = (k) => others.reduce((a, r) => a + r[k], 0);
        console.log(`| (${others.length} others) | ${fmt(sum(1))} | ${fmt(sum(2))} | ${fmt(sum(3))} | ${fmt(sum(4))} |`);
    }
    const all = (k) => rows.reduce((a, r) => a + r[k], 0);
    console.log(`| **all code** | ${fmt(all(1))} | ${fmt(all(2))} | ${fmt(all(3))} | ${fmt(all(4))} |`);
    process.exit(0);
}

const byCrate = new Map();
let total = 0;
bodies.forEach((len, i) => {
    const c = crateOf(names.get(imported + i));
    byCrate.set(c, (byCrate.get(c) || 0) + len);
    total += len;
});
const rows = [...byCrate].sort((a, b) => b[1] - a[1]);
const top = Number(topArg || 20);
console.log(`| crate | code bytes | share |`);
console.log(`|---|---:|---:|`);
for (const [c, n] of rows.slice(0, top)) console.log(`| ${c} | ${n.toLocaleString('en')} | ${(100 * n / total).toFixed(1)} % |`);
const rest = rows.slice(top).reduce((a, r) => a + r[1], 0);
if (rest) console.log(`| (${rows.length - top} others) | ${rest.toLocaleString('en')} | ${(100 * rest / total).toFixed(1)} % |`);
console.log(`| **all code** | ${total.toLocaleString('en')} | |`);
console.log(`| data section | ${dataBytes.toLocaleString('en')} | |`);
if (names.size === 0) console.error('warning: no name section: use the wasm before wasm-opt');
