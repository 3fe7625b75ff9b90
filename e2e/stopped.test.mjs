// End to end, issue 10 item 6: the shipped bundle rebuilds std with panic strategy
// immediate-abort (scripts/lib.sh, bundle_env), so a panic is a bare wasm `unreachable` trap.
// The page must still say that the playground stopped (index.html's handler), and the bundle
// must really carry no panic messages (else the size lever was not pulled).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, openPlayground } from './browser.mjs';

// The bundle route scripts/setup.sh chose (`plain` when no toolchain could rebuild std).
function bundleRoute() {
  try {
    const env = readFileSync(join(ROOT, '.tools', 'toolchain.env'), 'utf8');
    return env.match(/^IMPNET_BUNDLE_ROUTE=(\S+)$/m)?.[1] ?? 'plain';
  } catch {
    return 'plain';
  }
}

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

test('a trap in the app\'s wasm (what a panic is under immediate-abort) shows "the playground stopped"', { timeout: 60_000 }, async () => {
  // Keep the instance trunk starts, to trap inside it rather than in a module of the test's own.
  await b.page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.impnetWasm = e.detail.wasm; });
  });
  await b.page.goto(b.url, { waitUntil: 'load', timeout: 30_000 });
  await b.page.locator('#app').waitFor({ state: 'visible', timeout: 30_000 });
  await b.page.waitForFunction(() => window.impnetWasm, null, { timeout: 30_000 });
  assert.equal(await b.page.locator('#stopped').count(), 0, 'no bar while the app runs');
  assert.deepEqual(b.problems, [], 'the app loads without errors');

  // An allocation request with an invalid alignment ends in the same `unreachable` the app's
  // panics compile to; thrown from a timer, it reaches the page uncaught like a handler's would.
  await b.page.evaluate(() => setTimeout(() => window.impnetWasm.__wbindgen_malloc(8, 3)));
  const bar = b.page.locator('#stopped');
  await bar.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await bar.innerText(), /The playground stopped \(a bug\): reload the page\./);
  assert.match(await bar.innerText(), /RuntimeError: unreachable/);
  assert.equal(await b.page.locator('#stopped button').innerText(), 'Reload');
  assert.deepEqual(b.problems, ['page error: unreachable'], 'the trap itself, and nothing else');
});

test('the shipped wasm carries no panic messages or source locations', {
  skip: bundleRoute() === 'plain' && 'the bundle route is `plain` (no toolchain could rebuild std)',
}, () => {
  // Both halves of a split bundle (scripts/split.sh), or the one wasm of an unsplit one.
  const wasms = readdirSync(DIST).filter((f) => f.endsWith('.wasm'));
  assert.ok(wasms.length >= 1, 'a .wasm in dist/');
  for (const wasm of wasms) {
    const text = readFileSync(join(DIST, wasm)).toString('latin1');
    // What std's panic machinery and `Location`s leave in the data section under `panic = "abort"`.
    for (const needle of ['panicked at', 'called `Option::unwrap()` on a `None` value', 'library/core/src/', '.rs\0']) {
      assert.equal(text.includes(needle), false, `${wasm} contains ${JSON.stringify(needle)}`);
    }
  }
});
