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
  if (process.env.IMPNET_SCREENSHOT) {
    await b.page.setViewportSize({ width: 1400, height: 900 });
    await b.page.screenshot({ path: join(ROOT, 'docs', 'playground.png') });
  }
  assert.deepEqual(b.problems, []);
});

test('a link that cannot be decoded says so and shows the default scenario', { timeout: 60_000 }, async () => {
  await b.page.goto(`${b.url}#zThisIsNotALink`, { waitUntil: 'load' });
  await b.page.locator('#notice').waitFor({ timeout: 30_000 });
  assert.match(await b.page.locator('#notice').innerText(), /could not be opened/);
  assert.match(await b.page.locator('#position').innerText(), /^1 \/ \d+$/);
  assert.deepEqual(b.problems, []);
});

test('two embeds on one page keep their own scenarios and never touch localStorage', { timeout: 300_000 }, async () => {
  const a = impnet('link', join(ROOT, 'presets', 'window-bound.toml'), '--base', b.url).trim().split('#')[1];
  const c = impnet('link', join(ROOT, 'presets', 'udp-burst-rate-limit.toml'), '--base', b.url).trim().split('#')[1];
  await b.page.goto(b.url, { waitUntil: 'load' });
  await b.page.evaluate(() => localStorage.clear());
  await b.page.setContent(`<iframe id="one" src="${b.url}?embed=1#${a}" width="900" height="500"></iframe>
    <iframe id="two" src="${b.url}?embed=1#${c}" width="900" height="500"></iframe>`);
  const one = b.page.frameLocator('#one');
  const two = b.page.frameLocator('#two');
  await one.locator('#detail').waitFor({ timeout: 30_000 });
  await two.locator('#detail').waitFor({ timeout: 30_000 });
  assert.match(await one.locator('#scenario-title').innerText(), /Window bound/);
  assert.match(await two.locator('#scenario-title').innerText(), /UDP burst/);
  assert.equal(await one.locator('#scenario-panel').count(), 0, 'embeds are read-only');
  await one.locator('#btn-next-call').click();
  assert.match(await two.locator('#position').innerText(), /^1 \//, 'stepping one embed leaves the other alone');
  const frame = b.page.frames().find((f) => f.url().includes('embed=1'));
  assert.equal(await frame.evaluate(() => localStorage.length), 0, 'embed mode never writes localStorage');
  assert.deepEqual(b.problems, []);
});
