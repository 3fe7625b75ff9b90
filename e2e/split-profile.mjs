// The profile behind the bundle's two halves (scripts/split.sh, issue 10 item 6): serve DIR (a
// dist/ whose wasm `impnet-split instrument` marked), open its index.html in headless Chromium,
// wait until the first program has run and the page is idle, and write the wasm's mark bytes
// (one per defined function, != 0 = it ran) to OUT.
//   node e2e/split-profile.mjs DIR OUT [TIMEOUT_MS]
// Exits non-zero with a message on any error: a page problem (console error, failed request,
// the "stopped" bar), a missing mark export, or the time limit (default 120 s). The server and
// the browser are closed in every case.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ARGS, LOOPBACK } from './browser.mjs';
import { startServer } from './static-server.mjs';

// What the e2e tests wait for before reading a page: the trace's first line in the detail
// panel (the program ran), then no request for a while (rules.json has arrived), then two
// frames (what arrived is painted).
async function profile(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('#detail[data-index]').waitFor();
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return page.evaluate(() => {
    const wasm = window.__impnetProfileWasm;
    if (!wasm) return { error: 'the page never dispatched TrunkApplicationStarted' };
    if (!wasm.__impnet_marks || !wasm.__impnet_mark_count) {
      return { error: 'the wasm exports no __impnet_marks/__impnet_mark_count: was it instrumented (impnet-split instrument)?' };
    }
    const marks = new Uint8Array(wasm.memory.buffer, wasm.__impnet_marks.value, wasm.__impnet_mark_count.value);
    return { marks: Array.from(marks), stopped: document.getElementById('stopped')?.textContent };
  });
}

async function main(dir, out, timeoutMs) {
  const server = await startServer(dir);
  let browser;
  let timer;
  try {
    const problems = [];
    const run = (async () => {
      browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
      const page = await browser.newPage();
      page.setDefaultTimeout(timeoutMs);
      await page.route('**/*', (route) => {
        const u = new URL(route.request().url());
        if (LOOPBACK.has(u.hostname)) return route.continue();
        problems.push(`blocked non-loopback request: ${u.href}`);
        return route.abort();
      });
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
      // trunk's loader announces the raw wasm exports once the app has started.
      await page.addInitScript(() => {
        addEventListener('TrunkApplicationStarted', (e) => { window.__impnetProfileWasm = e.detail.wasm; });
      });
      return profile(page, server.url);
    })();
    const limit = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`the page did not finish its first program within ${timeoutMs} ms`)), timeoutMs);
    });
    const got = await Promise.race([run, limit]);
    if (got.error) throw new Error(got.error);
    if (got.stopped) problems.push(`the page stopped: ${got.stopped}`);
    if (problems.length) throw new Error(`the page had problems while profiling:\n  ${problems.join('\n  ')}`);
    const ran = got.marks.filter((m) => m !== 0).length;
    if (ran === 0) throw new Error('no function is marked as run: the marks were not written');
    writeFileSync(out, Uint8Array.from(got.marks));
    console.log(`profile: ${ran} of ${got.marks.length} functions ran while the page opened -> ${out}`);
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await server.close();
  }
}

const [dir, out, timeout = '120000'] = process.argv.slice(2);
if (!dir || !out || !(Number(timeout) > 0)) {
  console.error('usage: node e2e/split-profile.mjs DIR OUT [TIMEOUT_MS]');
  process.exit(2);
}
main(dir, out, Number(timeout)).catch((e) => {
  console.error(`error: split-profile: ${e.message}`);
  process.exit(1);
});
