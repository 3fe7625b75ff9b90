// End to end, issue 10 item 6: the bundle leaves the rule and choice texts out and fetches
// rules.json (www/rules.json, copied by trunk) at startup. The detail panel shows a rule's ID at
// once and its text when the file arrives; "About the model" lists the choices from it; a failed
// fetch is said in the panel, never a blank or a stopped page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPlayground, ROOT } from './browser.mjs';

const TEXTS = JSON.parse(readFileSync(join(ROOT, 'www', 'rules.json'), 'utf8'));

const detail = (page, name) => page.locator(`#detail [data-field="${name}"]`).first();

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

test('the detail panel shows the rule ID at once and its text once rules.json arrives', { timeout: 120_000 }, async () => {
  // Hold rules.json back until the panel has been read without it.
  let release;
  const held = new Promise((r) => { release = r; });
  let asked = 0;
  await b.page.route('**/rules.json', async (route) => {
    asked++;
    await held;
    await route.continue();
  });
  try {
    // zero-timeout-trap's step list: its last line is S8, a rule with no [choice].
    await b.page.goto(`${b.url}?preset=zero-timeout-trap&steps=1`, { waitUntil: 'load' });
    await b.page.locator('#detail').waitFor({ timeout: 30_000 });
    const rule = await detail(b.page, 'rule').innerText();
    assert.ok(rule in TEXTS.rules, `the first line names a rule (${rule})`);
    assert.match(await detail(b.page, 'rule-text').innerText(), /loading the rule's text/);

    release();
    await b.page.waitForFunction((want) => document.querySelector('#detail [data-field="rule-text"]')?.textContent === want,
      TEXTS.rules[rule], { timeout: 30_000 });
    assert.equal(asked, 1, 'rules.json is fetched once');

    // Another line, another rule: its text is there at once now.
    await b.page.locator('#btn-last').click();
    const last = await detail(b.page, 'rule').innerText();
    assert.equal(last, 'S8');
    assert.equal(await detail(b.page, 'rule-text').innerText(), TEXTS.rules.S8);

    // A line decided by a [choice] rule shows the choice from the file (S5: timeout 0).
    await b.page.locator('#btn-first').click();
    for (let i = 0; i < 200 && (await detail(b.page, 'rule').innerText()) !== 'S5'; i++) {
      await b.page.locator('#btn-next-call').click();
    }
    assert.equal(await detail(b.page, 'rule').innerText(), 'S5');
    const s5 = TEXTS.choices.find(([id]) => id === 'S5')[1];
    assert.equal(await detail(b.page, 'choice').innerText(), `[choice] ${s5}`);

    // "About the model" lists every choice of the file, in its order (its body is rendered
    // when it is first opened).
    await b.page.locator('#about summary').click();
    await b.page.locator('#about dl.choices dd').first().waitFor();
    const listed = await b.page.locator('#about dl.choices dd').allInnerTexts();
    assert.deepEqual(listed, TEXTS.choices.map(([, text]) => text));
  } finally {
    await b.page.unroute('**/rules.json');
  }
  assert.deepEqual(b.problems, []);
});

test('a rules.json that does not load is said in the detail panel and the page goes on', { timeout: 120_000 }, async () => {
  await b.page.route('**/rules.json', (route) => route.fulfill({ status: 503, body: 'down' }));
  try {
    await b.page.goto(`${b.url}?preset=zero-timeout-trap&steps=1`, { waitUntil: 'load' });
    await b.page.locator('#detail').waitFor({ timeout: 30_000 });
    await b.page.waitForFunction(() => /could not be loaded/.test(document.querySelector('#detail [data-field="rule-text"]')?.textContent ?? ''),
      null, { timeout: 30_000 });
    assert.equal(await detail(b.page, 'rule-text').innerText(), "(the rule's text could not be loaded: rules.json did not load)");
    assert.ok(await detail(b.page, 'rule').innerText(), 'the rule ID is still shown');
    await b.page.locator('#about summary').click();
    await b.page.locator('#about p.muted').waitFor();
    assert.match(await b.page.locator('#about').innerText(), /the list of choices could not be loaded/);
    // Stepping still works and no stop bar came up.
    await b.page.locator('#btn-last').click();
    assert.equal(await detail(b.page, 'rule').innerText(), 'S8');
    assert.equal(await b.page.locator('#stopped').count(), 0);
  } finally {
    await b.page.unroute('**/rules.json');
  }
  // The 503 itself shows as a failed response and Chromium's console line for it.
  const rest = b.problems.filter((p) => !/rules\.json|status of 503/.test(p));
  assert.deepEqual(rest, [], 'only the refused rules.json is a problem');
  b.problems.length = 0;
});
