// End to end: the release build in dist/ loads in headless Chromium, the Yew app renders and
// responds to a click without errors. The UI's own scenarios live in e2e/playground-*.test.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './browser.mjs';

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

test('the release build loads, renders #app and stays error-free after a click', { timeout: 60_000 }, async () => {
  const wasm = b.page.waitForResponse((r) => r.url().endsWith('.wasm'), { timeout: 30_000 });
  await b.page.goto(b.url, { waitUntil: 'load', timeout: 30_000 });
  const wasmResponse = await wasm;
  assert.equal(wasmResponse.headers()['content-type'], 'application/wasm');

  const app = b.page.locator('#app');
  await app.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await app.innerText(), /\S/, '#app has text');
  assert.equal(await b.page.title(), 'impnet playground');

  // Click the first control the app offers (its heading while it has none) and let it react.
  const target = b.page.locator('#app button, #app h1').first();
  await target.click({ timeout: 10_000 });
  await b.page.waitForTimeout(100);
  assert.match(await app.innerText(), /\S/, '#app still has text after the click');

  await b.shot('playground');
  assert.deepEqual(b.problems, [], 'no console errors, failed requests or non-loopback traffic');
});
