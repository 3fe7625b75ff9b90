// The profile behind the bundle's two halves (scripts/split.sh, issue 10 item 6): serve DIR (a
// dist/ whose wasm `impnet-split instrument` marked), open its index.html in headless Chromium,
// wait until the first program has run and the page is idle, and write the wasm's mark bytes
// (one per defined function, != 0 = it ran) to OUT.
//   node e2e/split-profile.mjs DIR OUT [TIMEOUT_MS [WHICH]]   (WHICH: see `ways`; default first)
// Exits non-zero with a message on any error: a page problem (console error, failed request,
// the "stopped" bar), a missing mark export, or the time limit (default 120 s). The server and
// the browser are closed in every case.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ARGS, LOOPBACK } from './browser.mjs';
import { startServer } from './static-server.mjs';

// The ways a page opens, each a fresh instance, in one browser profile so that later ones find
// what earlier ones stored: every function any of them ran goes into the primary. The build
// profiles a first visit to the bare address only (the default, `first`): the app waits for
// the secondary on any other way in (src/split.rs, index.html's impnetSplitWait), so only
// that visit must run from the primary alone. For measuring other choices `which` adds
// (comma-separated, or `all`; `first` adds none):
//   link       a share link (the first visit's own: its Share button is pressed after its
//              marks were read, so the dialog's code is not counted);
//   returning  a returning visitor (the scenario restored from localStorage);
//   presets    every preset by ?preset= (its Squirrel program);
//   steps      every preset as its step list (&steps=1);
//   embeds     every preset embedded (?embed=1, as www/docs.html does).
// Each is [name, url(base, link), after(page) -> link].
const WAYS = {
  link: () => [['its share link', (base, link) => link]],
  returning: () => [['a returning visitor', (base) => base]],
  presets: (ids) => ids.map((id) => [`?preset=${id}`, (base) => `${base}?preset=${id}`]),
  steps: (ids) => ids.map((id) => [`?preset=${id}&steps=1`, (base) => `${base}?preset=${id}&steps=1`]),
  embeds: (ids) => ids.map((id) => [`embedded ${id}`, (base) => `${base}index.html?embed=1&preset=${id}`]),
};

function ways(which) {
  if (which === 'first') return [];
  if (which === 'all') return Object.keys(WAYS);
  const named = which.split(',');
  const unknown = named.filter((w) => !(w in WAYS));
  if (unknown.length) throw new Error(`unknown way(s) ${unknown.join(', ')}: pick from first, all, ${Object.keys(WAYS).join(', ')}`);
  return named;
}

// The first visit at several window sizes: the views lay out and bucket the timeline by the
// width they get, so each size runs some code of its own (the e2e tests' 1280x800 among them).
const SIZES = [[1280, 800], [1920, 1080], [1366, 768], [1024, 768], [768, 1024], [390, 844]];

function openings(which, presets) {
  const shareLink = async (page) => {
    await page.locator('#btn-share').click();
    return page.locator('#share-link').inputValue();
  };
  const first = SIZES.map(([width, height], i) => [`a first visit at ${width}x${height}`, (base) => base,
    i === 0 ? shareLink : undefined, { width, height }]);
  return [...first, ...ways(which).flatMap((w) => WAYS[w](presets))];
}

// What the e2e tests wait for before reading a page: the trace's first line in the detail
// panel (the program ran), then no request for a while (rules.json and preset files have
// arrived), then two frames (what arrived is painted). Returns the marks so far.
async function open(page, url) {
  // From a blank page: a link that differs from the page before only in its #fragment would
  // not load a new document.
  await page.goto('about:blank');
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

async function main(dir, out, timeoutMs, which) {
  const presets = readdirSync(join(dir, 'presets')).filter((f) => f.endsWith('.toml')).map((f) => f.slice(0, -5)).sort();
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
      let marks;
      let link;
      for (const [name, url, after, size] of openings(which, presets)) {
        await page.setViewportSize(size ?? { width: SIZES[0][0], height: SIZES[0][1] });
        const got = await open(page, url(server.url, link));
        if (got.error) throw new Error(`${name}: ${got.error}`);
        if (got.stopped) problems.push(`${name}: the page stopped: ${got.stopped}`);
        if (problems.length) throw new Error(`the page had problems while profiling (${name}):\n  ${problems.join('\n  ')}`);
        marks ??= new Uint8Array(got.marks.length);
        got.marks.forEach((m, i) => { marks[i] |= m; });
        if (after) link = await after(page);
      }
      return marks;
    })();
    const limit = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`the page did not finish its first program within ${timeoutMs} ms`)), timeoutMs);
    });
    const marks = await Promise.race([run, limit]);
    const ran = marks.filter((m) => m !== 0).length;
    if (ran === 0) throw new Error('no function is marked as run: the marks were not written');
    writeFileSync(out, marks);
    console.log(`profile (${which}): ${ran} of ${marks.length} functions ran while the page opened -> ${out}`);
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await server.close();
  }
}

const [dir, out, timeout = '120000', which = 'first'] = process.argv.slice(2);
if (!dir || !out || !(Number(timeout) > 0)) {
  console.error('usage: node e2e/split-profile.mjs DIR OUT [TIMEOUT_MS [first|all|WAY,WAY...]]');
  process.exit(2);
}
main(dir, out, Number(timeout), which).catch((e) => {
  console.error(`error: split-profile: ${e.message}`);
  process.exit(1);
});
