// End to end, issue 10: the code editor in the built playground. A preset opens with its
// Squirrel twin (presets/<id>.nut), fetched on demand past the first preset (item 6); a pasted
// program with a compile error shows the message at its line; the docs page's embeds show the
// preset's code read-only beside the timeline; and a speed report (no assertion on time):
// keystroke to paint with a 2 000-line program, typed with real key events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPlayground, ROOT } from './browser.mjs';

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

const editor = (page) => page.locator('#code-panel textarea.code-input');

test('a preset opens on its Squirrel twin, coloured by the VM lexer', { timeout: 120_000 }, async () => {
  await b.page.goto(`${b.url}?preset=transmitter-retry`, { waitUntil: 'load' });
  await editor(b.page).waitFor({ timeout: 30_000 });
  const want = readFileSync(join(ROOT, 'presets', 'transmitter-retry.nut'), 'utf8');
  assert.equal(await editor(b.page).inputValue(), want);
  assert.equal(await b.page.locator('#code-panel .code-paint').textContent(), want.endsWith('\n') ? `${want} ` : want);
  assert.ok(await b.page.locator('#code-panel .code-paint .tk-kw').count() > 5, 'keywords are coloured');
  assert.equal(await b.page.locator('#code-panel .code-gutter [data-line]').count(), want.split('\n').length);
  assert.equal(await b.page.locator('#code-error').count(), 0, 'the twin compiles');
  assert.deepEqual(b.problems, []);
});

test('a pasted program with a compile error shows the message at its line', { timeout: 120_000 }, async () => {
  await b.page.goto(`${b.url}?preset=zero-timeout-trap`, { waitUntil: 'load' });
  await editor(b.page).waitFor({ timeout: 30_000 });
  await editor(b.page).click();
  await b.page.keyboard.press('Control+A');
  await b.page.keyboard.insertText('server.log("a");\nlocal n = 1;\nif (n > ) server.log("b");\n');
  const msg = b.page.locator('#code-error');
  await msg.waitFor({ timeout: 5_000 });
  assert.equal(await msg.getAttribute('data-line'), '3');
  assert.match(await msg.innerText(), /^3:\d+: /);
  assert.equal(await b.page.locator('.code-squiggle').getAttribute('data-line'), '3');
  assert.match(await b.page.locator('#code-status').innerText(), /^device\.nut:3:\d+: /);
  // Undo (the browser's own) takes the paste back; the error goes with it.
  await b.page.keyboard.press('Control+Z');
  await msg.waitFor({ state: 'detached', timeout: 5_000 });
  assert.equal(await editor(b.page).inputValue(), readFileSync(join(ROOT, 'presets', 'zero-timeout-trap.nut'), 'utf8'));
  assert.deepEqual(b.problems, []);
});

test('the docs page embeds show each preset\'s code read-only beside the timeline', { timeout: 120_000 }, async () => {
  await b.page.goto(`${b.url}docs.html`, { waitUntil: 'load' });
  const frame = b.page.frameLocator('iframe[title="transmitter() retry"]');
  await b.page.locator('iframe[title="transmitter() retry"]').scrollIntoViewIfNeeded();
  const code = frame.locator('.embed-split textarea.code-input');
  await code.waitFor({ timeout: 30_000 });
  assert.equal(await code.isEditable(), false, 'read-only');
  assert.equal(await code.inputValue(), readFileSync(join(ROOT, 'presets', 'transmitter-retry.nut'), 'utf8'));
  assert.equal(await frame.locator('.embed-split #timeline').count(), 1);
  // Scrolling started other lazy embeds: let each finish its fetches (preset files, rule texts)
  // before the next test navigates away, which would cancel them.
  for (const f of b.page.frames()) await f.waitForLoadState('networkidle');
  assert.deepEqual(b.problems, []);
});

test('issue 10 item 6: a preset past the first is fetched from presets/ when it is opened', { timeout: 120_000 }, async () => {
  // The bundle holds the first preset's files only; the others come from dist/presets/.
  const asked = [];
  const onRequest = (r) => {
    // The page's own fetches only (not an embed's of an earlier page).
    if (r.frame() !== b.page.mainFrame()) return;
    const m = new URL(r.url()).pathname.match(/\/presets\/([^/]+)$/);
    if (m) asked.push(m[1]);
  };
  b.page.on('request', onRequest);
  try {
    await b.page.goto(`${b.url}?preset=default-policy-wifi-outage`, { waitUntil: 'load' });
    await editor(b.page).waitFor({ timeout: 30_000 });
    assert.equal(await editor(b.page).inputValue(), readFileSync(join(ROOT, 'presets', 'default-policy-wifi-outage.nut'), 'utf8'));
    assert.deepEqual(asked, [], 'the first preset is in the bundle');
    await b.page.locator('button.preset[data-preset="increase-buffer"]').click();
    const want = readFileSync(join(ROOT, 'presets', 'increase-buffer.nut'), 'utf8');
    await b.page.waitForFunction((w) => document.querySelector('#code-panel textarea.code-input')?.value === w, want, { timeout: 30_000 });
    assert.deepEqual(asked.sort(), ['increase-buffer.nut', 'increase-buffer.toml']);
    // Its step list needs nothing more; a device + agent pair fetches its three files.
    await b.page.locator('button.preset-steps[data-preset-steps="increase-buffer"]').click();
    await b.page.locator('button.preset[data-pair="ack-resend"]').click();
    const device = readFileSync(join(ROOT, 'presets', 'ack-resend.device.nut'), 'utf8');
    await b.page.waitForFunction((w) => document.querySelector('#code-panel textarea.code-input')?.value === w, device, { timeout: 30_000 });
    assert.deepEqual(asked.sort(), ['ack-resend.device.nut', 'ack-resend.toml', 'ack.agent.nut', 'increase-buffer.nut', 'increase-buffer.toml']);
  } finally {
    b.page.off('request', onRequest);
  }
  assert.deepEqual(b.problems, []);
});

test('speed report: keystroke to paint in a 2 000-line program', { timeout: 180_000 }, async () => {
  await b.page.goto(`${b.url}?preset=window-bound`, { waitUntil: 'load' });
  await editor(b.page).waitFor({ timeout: 30_000 });
  let src = '';
  for (let i = 0; i < 250; i++) {
    src += `function send${i}(n) {\n    local data = blob(100);\n    for (local k = 0; k < n; k++) {\n`
      + `        local r = agent.send("reading", data); // try\n        if (r != 0) server.log("send ${i} failed: " + r);\n`
      + `    }\n    return n * ${i};\n}\n`;
  }
  await editor(b.page).click();
  await b.page.keyboard.press('Control+A');
  await b.page.keyboard.insertText(src);
  assert.equal(await b.page.locator('#code-panel .code-gutter [data-line]').count(), 2001);
  // In the page: time from keydown to the first animation frame after the overlay changed.
  await b.page.evaluate(() => {
    const ta = document.querySelector('#code-panel textarea.code-input');
    const paint = document.querySelector('#code-panel .code-paint');
    window.__lat = [];
    let t0 = 0;
    ta.addEventListener('keydown', () => { t0 = performance.now(); }, true);
    new MutationObserver(() => {
      const start = t0;
      requestAnimationFrame(() => setTimeout(() => window.__lat.push(performance.now() - start), 0));
    }).observe(paint, { childList: true, subtree: true, characterData: true });
  });
  await b.page.keyboard.press('Control+Home');
  for (let i = 0; i < 40; i++) {
    await b.page.keyboard.press('ArrowDown');
    await b.page.keyboard.type('x');
    await b.page.waitForTimeout(30);
  }
  const lat = (await b.page.evaluate(() => window.__lat)).sort((x, y) => x - y);
  assert.ok(lat.length >= 30, `the overlay repainted per keystroke (${lat.length})`);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  console.log(`keystroke to paint, 2 000 lines: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${lat[lat.length - 1].toFixed(1)} ms (${lat.length} keystrokes)`);
  assert.deepEqual(b.problems, []);
});
