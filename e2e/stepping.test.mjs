// End to end, issue 10 item 2: stepping through device code in the built playground. A code
// preset steps with the keyboard and the editor's highlighted line is the `line` that
// `impnet run --json` prints for the same trace line (the binary runs the page's own share
// link); a link made by `impnet link DEVICE.nut` shows the trace `impnet run DEVICE.nut --json`
// gives, line by line; an embed of a code preset on the docs page highlights its lines too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openPlayground, ROOT } from './browser.mjs';

function impnet(...args) {
  return execFileSync('cargo', ['run', '-q', '-p', 'impnet', '--', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

const jsonEntries = (out) => out.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => !('summary' in l));

// The stepping cursor's band in the editor: its line number, or null when the line under the
// cursor was not made by code (an ACK, a connection event).
async function highlighted(scope) {
  const band = scope.locator('.code-band.current');
  return (await band.count()) === 0 ? null : Number(await band.getAttribute('data-line'));
}

async function position(scope) {
  return Number((await scope.locator('#position').innerText()).split(' / ')[0]) - 1;
}

// What the callback row shows for a JSON line's `handler` (absent: the program's main body).
const CALLBACK = { undefined: 'main', 'imp.wakeup': 'imp.wakeup callback', onidle: 'imp.onidle callback', on_unexpected_disconnect: 'server.onunexpecteddisconnect callback', 'agent.on': 'agent.on callback' };

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

test('a code preset steps with the keyboard and highlights the line `impnet run --json` names', { timeout: 300_000 }, async () => {
  await b.page.goto(`${b.url}?preset=transmitter-retry`, { waitUntil: 'load' });
  await b.page.locator('#detail').waitFor({ timeout: 30_000 });
  // The page's own share link, run by the binary: the same scenario, so the same trace.
  await b.page.locator('#btn-share').click();
  const link = await b.page.locator('#share-link').inputValue();
  await b.page.locator('#share-dialog button').first().click();
  const entries = jsonEntries(impnet('run', link, '--json'));
  assert.equal(await b.page.locator('#position').innerText(), `1 / ${entries.length}`);
  const calls = entries.filter((l) => 'call' in l);
  assert.ok(calls.length >= 4 && calls.every((c) => typeof c.line === 'number'), 'code calls carry their line (§14)');

  await b.page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await b.page.keyboard.press('Home');
  let seen = 0;
  for (let k = 0; k < Math.min(calls.length, 12); k++) {
    await b.page.keyboard.press('Shift+ArrowRight');
    const at = await position(b.page);
    const want = entries[at];
    assert.equal(want, calls[k], `the ${k + 1}th call`);
    assert.equal(await highlighted(b.page), want.line, `call ${k + 1} (${want.call}, trace line ${at + 1})`);
    assert.equal(await b.page.locator('#detail [data-field="source-line"]').innerText(), `line ${want.line}`);
    assert.equal(await b.page.locator('#detail [data-field="callback"]').innerText(), CALLBACK[want.handler]);
    seen++;
  }
  // → line by line, across events too: the band is there exactly when the JSON line has `line`.
  await b.page.keyboard.press('Home');
  for (let i = 0; i < Math.min(entries.length, 30); i++) {
    assert.equal(await highlighted(b.page), entries[i].line ?? null, `trace line ${i + 1}: ${JSON.stringify(entries[i])}`);
    await b.page.keyboard.press('ArrowRight');
  }
  assert.ok(seen >= 4);
  assert.deepEqual(b.problems, []);
});

test('a link made by `impnet link DEVICE.nut` opens on the trace `impnet run DEVICE.nut --json` gives', { timeout: 300_000 }, async () => {
  const nut = join(ROOT, 'presets', 'zero-timeout-trap.nut');
  const link = impnet('link', nut, '--base', b.url).trim();
  const entries = jsonEntries(impnet('run', nut, '--json'));
  await b.page.goto('about:blank');
  await b.page.goto(link, { waitUntil: 'load' });
  await b.page.locator('#detail').waitFor({ timeout: 30_000 });
  assert.equal(await b.page.locator('#notice').count(), 0, 'the link decodes');
  assert.equal(await b.page.locator('#position').innerText(), `1 / ${entries.length}`);
  assert.equal(await b.page.locator('#code-panel').getAttribute('data-runs'), 'true', 'the program drives the run');
  // Every line's time and rule, stepping with →; code lines also their source line.
  await b.page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    assert.equal(await b.page.locator('#detail [data-field="rule"]').innerText(), e.rule, `trace line ${i + 1}`);
    assert.equal(await highlighted(b.page), e.line ?? null, `trace line ${i + 1}`);
    await b.page.keyboard.press('ArrowRight');
  }
  assert.deepEqual(b.problems, []);
});

test('an embed of a code preset on the docs page steps through its program', { timeout: 120_000 }, async () => {
  await b.page.goto(`${b.url}docs.html`, { waitUntil: 'load' });
  const title = 'Zero-timeout trap';
  await b.page.locator(`iframe[title="${title}"]`).scrollIntoViewIfNeeded();
  const frame = b.page.frameLocator(`iframe[title="${title}"]`);
  await frame.locator('.embed-split textarea.code-input').waitFor({ timeout: 30_000 });
  await frame.locator('#btn-next-call').click();
  const line = await highlighted(frame);
  assert.ok(line > 0, 'the first call\'s line is highlighted');
  const src = await frame.locator('.embed-split textarea.code-input').inputValue();
  assert.equal((await frame.locator('#detail [data-field="source-text"]').innerText()), src.split('\n')[line - 1].trim());
  // Other lazy embeds scrolled into view finish their fetches before a later navigation.
  for (const f of b.page.frames()) await f.waitForLoadState('networkidle');
  assert.deepEqual(b.problems, []);
});
