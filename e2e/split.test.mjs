// End to end, issue 10 item 6: the bundle in two halves (scripts/split.sh, src/split.rs,
// index.html's loader). The page fetches the primary wasm and the JS first, the secondary (what
// a first visit did not run) once the primary starts. A first visit to the bare address runs its
// first program from the primary alone; every other way in (a link, a preset, a step list, an
// embed, a returning visitor) waits for the secondary, fetched once; a feature outside the first
// paint used before the secondary arrived fetches it synchronously and works the same; a
// secondary that cannot load says so. Every other e2e test also runs on the split dist/
// (scripts/test.sh splits it before the e2e phase).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, openPlayground } from './browser.mjs';

// The two halves dist/index.html names: the primary in trunk's preload, the secondary in the
// meta that split.sh writes.
function halves() {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const rest = html.match(/<meta name="impnet-rest" content="([^"]+)">/)?.[1];
  assert.ok(rest, 'dist/ is split (run scripts/split.sh after trunk build; scripts/test.sh does)');
  const primary = html.match(/<link rel="preload" href="([^"]+_bg\.wasm)"/)?.[1];
  assert.ok(primary, 'dist/index.html preloads the primary wasm');
  return { primary, rest };
}

// Requests for the secondary, in order, by how they were made: 'fetch' (the loader's streaming
// compile as the primary starts) or 'xhr' (a stub needed it at once).
function watchSecondary(page, rest) {
  const seen = [];
  const onRequest = (r) => {
    if (new URL(r.url()).pathname === rest) seen.push(r.resourceType());
  };
  page.on('request', onRequest);
  return { seen, stop: () => page.off('request', onRequest) };
}

// Holds the first request for the secondary (the streaming fetch) until release(); later ones
// (the synchronous fetch) go through.
async function holdFirst(page, rest) {
  let release;
  const held = new Promise((r) => { release = r; });
  let n = 0;
  await page.route((u) => u.pathname === rest, async (route) => {
    if (n++ === 0) await held;
    await route.continue().catch(() => {}); // the page may have gone
  });
  return release;
}

// The raw wasm exports (trunk's TrunkApplicationStarted event carries them).
const ready = (page) => page.evaluate(() => window.__splitWasm['split:ready'].value);

let b;
before(async () => {
  b = await openPlayground();
  await b.page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__splitWasm = e.detail.wasm; });
  });
});
after(async () => { await b?.close(); });

// Opens `url` with the secondary's streaming fetch held back; `waits`: whether the app should
// wait for it (any way in but a bare first visit). Checks the first program runs (at once, or
// only once the secondary is released) and that the secondary was asked for once only, by the
// streaming fetch: no stub needed it first.
async function openHeld(url, rest, { waits }) {
  const secondary = watchSecondary(b.page, rest);
  const release = await holdFirst(b.page, rest);
  const program = b.page.locator('#detail[data-index]');
  try {
    await b.page.goto('about:blank'); // else a share link of this page only changes its #fragment
    await b.page.goto(url, { waitUntil: 'load' });
    if (waits) {
      // It has everything but the secondary; the app has not started.
      await b.page.waitForFunction(() => window.__splitWasm, null, { timeout: 30_000 });
      await b.page.waitForTimeout(500);
      assert.equal(await b.page.locator('#app').count(), 0, `${url}: the app waits for the secondary`);
      assert.equal(await ready(b.page), 0);
      release();
    }
    await program.waitFor({ timeout: 30_000 });
    if (!waits) assert.equal(await ready(b.page), 0, `${url}: the first program ran without the secondary`);
  } finally {
    release();
    await b.page.unrouteAll({ behavior: 'wait' });
    await b.page.waitForFunction(() => window.__splitWasm['split:ready'].value === 1, null, { timeout: 30_000 });
    await b.page.waitForLoadState('networkidle');
    secondary.stop();
  }
  assert.deepEqual(secondary.seen, ['fetch'], `${url}: the secondary was fetched once, by the loader's streaming fetch`);
}

// Empties localStorage from a page of the origin that is not the app (the app would store its
// scenario again on its way out).
async function clearStorage() {
  await b.page.goto(`${b.url}rules.json`);
  await b.page.evaluate(() => localStorage.clear());
}

test('issue 10 item 6: the page loads the primary and the JS, then the secondary, and runs the first program', { timeout: 120_000 }, async () => {
  const { primary, rest } = halves();
  const order = [];
  const onRequest = (r) => {
    const path = new URL(r.url()).pathname;
    if (/\.(wasm|js)$/.test(path)) order.push(path);
  };
  b.page.on('request', onRequest);
  try {
    await b.page.goto(b.url, { waitUntil: 'load' });
    await b.page.locator('#detail[data-index]').waitFor({ timeout: 30_000 });
    assert.match(await b.page.locator('#position').innerText(), /^1 \/ \d+$/, 'the first program ran');
    await b.page.waitForFunction(() => window.__splitWasm['split:ready'].value === 1, null, { timeout: 30_000 });
    await b.page.waitForLoadState('networkidle');
  } finally {
    b.page.off('request', onRequest);
  }
  const js = order.filter((p) => p.endsWith('.js'));
  assert.equal(js.length, 1, `the JS glue, once (${order})`);
  assert.deepEqual(order.filter((p) => p.endsWith('.wasm')), [primary, rest], 'the primary, then the secondary, each once');
  assert.equal(await b.page.locator('#stopped').count(), 0);
  assert.deepEqual(b.problems, []);
});

test('issue 10 item 6: a bare first visit runs from the primary alone; every other way in waits for the secondary, fetched once', { timeout: 180_000 }, async () => {
  const { rest } = halves();
  await clearStorage();
  await openHeld(b.url, rest, { waits: false });
  await b.page.locator('#btn-share').click();
  const link = await b.page.locator('#share-link').inputValue();
  assert.match(link, /#./);
  await openHeld(link, rest, { waits: true });
  await openHeld(`${b.url}?preset=udp-fragmented-under-loss`, rest, { waits: true });
  await openHeld(`${b.url}?preset=ack-resend&steps=1`, rest, { waits: true });
  await openHeld(`${b.url}index.html?embed=1&preset=window-bound`, rest, { waits: true });
  // The presets opened above left their scenario in localStorage on the way out: the bare
  // address is now a returning visit.
  await openHeld(b.url, rest, { waits: true });
  assert.notEqual(await b.page.locator('#scenario-title').innerText(), '', 'the stored scenario opened');
  assert.equal(await b.page.locator('#stopped').count(), 0);
  assert.deepEqual(b.problems, []);
});

test('issue 10 item 6: the Share dialog before the secondary arrived fetches it synchronously and gives the same link', { timeout: 120_000 }, async () => {
  const { rest } = halves();
  const shareLink = async () => {
    await b.page.locator('#btn-share').click();
    const link = await b.page.locator('#share-link').inputValue();
    await b.page.locator('#share-dialog button').first().click();
    return link;
  };
  const url = b.url; // a bare first visit: the app starts before the secondary is in
  await clearStorage();

  // The link with the secondary loaded the ordinary way.
  await b.page.goto(url, { waitUntil: 'load' });
  await b.page.waitForFunction(() => window.__splitWasm?.['split:ready'].value === 1, null, { timeout: 30_000 });
  await b.page.locator('#detail[data-index]').waitFor({ timeout: 30_000 });
  const want = await shareLink();
  assert.match(want, /#./, 'the share link carries the scenario');

  // Again with the streaming fetch held back: the dialog's code is in the secondary.
  const secondary = watchSecondary(b.page, rest);
  const failed = [];
  const onFailed = (r) => { if (new URL(r.url()).pathname === rest) failed.push(`${r.resourceType()} ${r.failure()?.errorText}`); };
  b.page.on('requestfailed', onFailed);
  const release = await holdFirst(b.page, rest);
  try {
    await b.page.goto(url, { waitUntil: 'load' });
    await b.page.locator('#detail[data-index]').waitFor({ timeout: 30_000 });
    assert.deepEqual(secondary.seen, ['fetch']);
    assert.equal(await ready(b.page), 0, 'held: not instantiated yet');
    assert.equal(await shareLink(), want, 'the same link as with the secondary loaded ahead');
    assert.deepEqual(secondary.seen, ['fetch', 'xhr'], 'a stub fetched the secondary synchronously');
    assert.equal(await ready(b.page), 1);
    assert.deepEqual(failed, ['fetch net::ERR_ABORTED'], 'the loader stopped the streaming fetch rather than download twice');
  } finally {
    b.page.off('requestfailed', onFailed);
    secondary.stop();
    release();
    await b.page.unrouteAll({ behavior: 'wait' });
  }
  await b.page.waitForLoadState('networkidle');
  await b.page.waitForTimeout(200);
  assert.equal(await b.page.locator('#stopped').count(), 0);
  assert.deepEqual(b.problems, []);
});

test('issue 10 item 6: a secondary that cannot load puts up the "stopped" bar saying why', { timeout: 120_000 }, async () => {
  const { rest } = halves();
  await clearStorage();
  // The streaming fetch is held, the synchronous one finds nothing.
  let release;
  const held = new Promise((r) => { release = r; });
  let n = 0;
  await b.page.route((u) => u.pathname === rest, async (route) => {
    if (n++ > 0) return route.fulfill({ status: 404, body: 'not found\n' });
    await held;
    await route.continue().catch(() => {}); // the page may have stopped it
  });
  try {
    await b.page.goto('about:blank');
    await b.page.goto(b.url, { waitUntil: 'load' });
    await b.page.locator('#detail[data-index]').waitFor({ timeout: 30_000 });
    assert.equal(await ready(b.page), 0);
    // From the page: the handler's error goes to window's error event, as a reader's click's does.
    await b.page.evaluate(() => document.getElementById('btn-share').click());
    const bar = b.page.locator('#stopped');
    await bar.waitFor({ timeout: 10_000 });
    assert.match(await bar.innerText(), /The playground stopped .*the second half of the bundle cannot load: \S+_rest\.wasm answered HTTP 404/s);
  } finally {
    release();
    await b.page.unrouteAll({ behavior: 'wait' });
  }
  // What the page reported: the 404 (also as the console's "Failed to load resource") and the
  // error the bar shows; nothing else.
  const problems = b.problems.splice(0);
  assert.ok(problems.some((p) => /^HTTP 404: .*_rest\.wasm$/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /^page error: the second half of the bundle cannot load/.test(p)), problems.join('\n'));
  assert.deepEqual(problems.filter((p) => !/_rest\.wasm|second half of the bundle|status of 404/.test(p)), []);
});
