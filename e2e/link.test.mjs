// End to end: a link made by `impnet link` opens in the playground showing exactly that
// scenario, and stepping to a call with the keyboard shows the same line `impnet run --json`
// prints for the same file (SPEC §11, §13). Also: two embeds on one page keep their own
// scenarios and leave localStorage alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openPlayground, ROOT } from './browser.mjs';

const PRESET = join(ROOT, 'presets', 'zero-timeout-trap.toml');

function impnet(...args) {
  return execFileSync('cargo', ['run', '-q', '-p', 'impnet', '--', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

// The detail panel's value of a field, with the no-break spaces of grouped numbers made plain.
async function field(page, name) {
  const t = await page.locator(`#detail [data-field="${name}"]`).first().innerText();
  return t.replace(/\u00a0/g, ' ').trim();
}

// "1 500.25 ms" → 1500.25
const msValue = (s) => Number(s.replace(/ ms$/, '').replace(/ /g, ''));

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

test('a link from `impnet link` shows the scenario and the trace `impnet run --json` gives', { timeout: 300_000 }, async () => {
  const link = impnet('link', PRESET, '--base', b.url).trim();
  const lines = impnet('run', PRESET, '--json').trim().split('\n').map((l) => JSON.parse(l));
  const entries = lines.filter((l) => !('summary' in l));
  const calls = entries.filter((l) => 'call' in l);

  await b.page.goto(link, { waitUntil: 'load' });
  await b.page.locator('#detail').waitFor({ timeout: 30_000 });
  assert.equal(await b.page.locator('#notice').count(), 0, 'the link decodes');
  assert.equal(await b.page.locator('#scenario-title').innerText(), 'Twenty logs with a zero timeout');
  assert.equal(await b.page.locator('#position').innerText(), `1 / ${entries.length}`);

  // The 16th call (index 15): the first log that no longer fits, timeout 0 (S5).
  const k = 15;
  await b.page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await b.page.keyboard.press('Home');
  for (let i = 0; i <= k; i++) await b.page.keyboard.press('Shift+ArrowRight');
  const want = calls[k];
  assert.equal(Number(await field(b.page, 'ret-value')), want.ret);
  assert.equal(await field(b.page, 'rule'), want.rule);
  assert.equal(await field(b.page, 'why'), want.why);
  assert.equal(msValue(await field(b.page, 't')), want.t_ms);
  assert.equal(msValue(await field(b.page, 'blocked')), want.blocked_ms);
  assert.match(await field(b.page, 'call'), new RegExp(`^${want.call.replace('.', '\\.')}\\(`));
  assert.equal(await field(b.page, 'ret-name'), ['OK', 'SEND_ERROR_NOT_CONNECTED', 'SEND_ERROR_TIMEOUT', 'SEND_ERROR_DISCONNECTED', 'SEND_ERROR_WOULDBLOCK'][want.ret]);

  // Line by line, backwards too: the position matches the JSON line index.
  await b.page.keyboard.press('ArrowLeft');
  const idx = entries.indexOf(want) - 1;
  assert.equal(await b.page.locator('#position').innerText(), `${idx + 1} / ${entries.length}`);
  const prev = entries[idx];
  if ('event' in prev) assert.equal(await field(b.page, 'event'), prev.event);
  else assert.equal(Number(await field(b.page, 'ret-value')), prev.ret);

  await b.shot('link');

  // Export: the trace downloads as exactly the JSON lines `impnet run --json` prints.
  const json = impnet('run', PRESET, '--json');
  await b.page.locator('.menu summary').click();
  const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.locator('#export-jsonl').click()]);
  const { readFile } = await import('node:fs/promises');
  assert.equal(await readFile(await download.path(), 'utf8'), json);
  assert.equal(download.suggestedFilename(), 'twenty-logs-with-a-zero-timeout.jsonl');
  assert.deepEqual(b.problems, []);
});

test('a link that cannot be decoded says so and shows the default scenario', { timeout: 60_000 }, async () => {
  // A fresh load: in an open playground a new fragment is a hashchange (tested below).
  await b.page.goto('about:blank');
  await b.page.goto(`${b.url}#zThisIsNotALink`, { waitUntil: 'load' });
  await b.page.locator('#notice').waitFor({ timeout: 30_000 });
  assert.match(await b.page.locator('#notice').innerText(), /could not be opened/);
  assert.match(await b.page.locator('#position').innerText(), /^1 \/ \d+$/);
  assert.equal(await b.page.locator('#scenario-title').innerText(), 'Default policy under a WiFi outage');
  assert.deepEqual(b.problems, []);
});

test('a link pasted into an open playground replaces the scenario', { timeout: 300_000 }, async () => {
  const frag = impnet('link', join(ROOT, 'presets', 'window-bound.toml'), '--base', b.url).trim().split('#')[1];
  await b.page.evaluate((f) => { location.hash = f; }, frag);
  await b.page.waitForFunction(() => document.querySelector('#scenario-title')?.textContent.startsWith('Window bound'));
  assert.equal(await b.page.locator('#notice').count(), 0);
  assert.deepEqual(b.problems, []);
});

test('two embeds on one page keep their own scenarios and never touch localStorage', { timeout: 300_000 }, async () => {
  const a = impnet('link', join(ROOT, 'presets', 'window-bound.toml'), '--base', b.url).trim().split('#')[1];
  const c = impnet('link', join(ROOT, 'presets', 'udp-burst-rate-limit.toml'), '--base', b.url).trim().split('#')[1];
  // A page of the docs' kind, with two embeds, served from the same loopback origin. It
  // empties localStorage before the embeds start (a full page left for it may store its
  // scenario on the way out), so what is there afterwards is theirs.
  const host = `${b.url}two-embeds.html`;
  await b.page.route(host, (r) => r.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><link rel="icon" href="data:,"><script>localStorage.clear()</script>
      <iframe id="one" src="${b.url}?embed=1#${a}" width="900" height="500"></iframe>
      <iframe id="two" src="${b.url}?embed=1#${c}" width="900" height="500"></iframe>`,
  }));
  await b.page.goto(b.url, { waitUntil: 'load' });
  // Let the page's fetches (rules.json, the split bundle's secondary) finish before leaving.
  await b.page.locator('#detail').waitFor();
  await b.page.waitForLoadState('networkidle');
  await b.page.goto(host, { waitUntil: 'load' });
  const one = b.page.frameLocator('#one');
  const two = b.page.frameLocator('#two');
  await one.locator('#detail').waitFor({ timeout: 30_000 });
  await two.locator('#detail').waitFor({ timeout: 30_000 });
  assert.match(await one.locator('#scenario-title').innerText(), /Window bound/);
  assert.match(await two.locator('#scenario-title').innerText(), /UDP burst/);
  assert.equal(await one.locator('#scenario-panel').count(), 0, 'embeds are read-only');
  await one.locator('#btn-next-call').click();
  assert.match(await two.locator('#position').innerText(), /^1 \//, 'stepping one embed leaves the other alone');
  // "Open in playground" carries the embed's scenario once the pointer is on it (the link is
  // written then, not at every render: issue 10 item 6).
  await one.locator('#open-in-playground').hover();
  assert.equal(await one.locator('#open-in-playground').getAttribute('href'), `${b.url}#${a}`);
  assert.equal(await b.page.evaluate(() => localStorage.length), 0, 'embed mode never writes localStorage');
  assert.deepEqual(b.problems, []);
});

// IMPNET_SCREENSHOT=1 refreshes docs/playground.png (the README's picture): a send that blocked
// for its whole 1 s timeout and returned 2 under ConnectionManager's defaults.
test('screenshot for the README', { skip: !process.env.IMPNET_SCREENSHOT, timeout: 60_000 }, async () => {
  await b.page.setViewportSize({ width: 1400, height: 900 });
  await b.page.goto('about:blank');
  await b.page.goto(`${b.url}?preset=connection-manager-defaults`, { waitUntil: 'load' });
  await b.page.locator('#detail').waitFor();
  await b.page.keyboard.press('e');
  for (let i = 0; i < 50 && (await b.page.locator('#detail [data-field="ret-value"]').count()) === 0; i++) {
    await b.page.keyboard.press('e');
  }
  await b.page.screenshot({ path: join(ROOT, 'docs', 'playground.png') });
  assert.deepEqual(b.problems, []);
});
