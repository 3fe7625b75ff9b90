// End to end, SPEC §15 in the playground: the timeline's messages lane draws one arrow per
// message between device and agent. The page's arrows are read from the DOM and compared with
// the crossings this file derives on its own from `impnet run --json` for the same link: each
// device `agent.send` and agent `device.send`, ended by its receipt (`agent_received` /
// `device_received`), its loss (`lost` / `downlink_lost`) or a `note` (no handler), a failed
// send (no `msg`) drawn as not sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPlayground, ROOT } from './browser.mjs';

function impnet(...args) {
  return execFileSync('cargo', ['run', '-q', '-p', 'impnet', '--', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

const jsonLines = (out) => out.trim().split('\n').map((l) => JSON.parse(l));

// Independent of src/logic/messages.rs: pairs sends with their ends by direction and id. A note
// names its side first ("agent: no device.on handler …" ends an uplink message, "device: no
// agent.on handler …" a downlink one: §15's wording).
function expectedCrossings(lines) {
  const out = [];
  const open = new Map();
  for (const l of lines) {
    if (l.call === 'agent.send' && l.side !== 'agent') {
      if (l.msg === undefined) out.push({ dir: 'up', msg: null, fate: 'not-sent' });
      else open.set(`up${l.msg}`, out.push({ dir: 'up', msg: l.msg, fate: 'unfinished' }) - 1);
    } else if (l.call === 'device.send' && l.side === 'agent') {
      if (l.msg === undefined) out.push({ dir: 'down', msg: null, fate: 'not-sent' });
      else open.set(`down${l.msg}`, out.push({ dir: 'down', msg: l.msg, fate: 'unfinished' }) - 1);
    } else if (l.event !== undefined && l.msg !== undefined) {
      const end = {
        agent_received: ['up', 'received'],
        lost: ['up', 'lost'],
        device_received: ['down', 'received'],
        downlink_lost: ['down', 'lost'],
        note: [l.why?.startsWith('device:') ? 'down' : 'up', 'dropped'],
      }[l.event];
      if (!end) continue;
      const k = open.get(`${end[0]}${l.msg}`);
      if (k === undefined) continue;
      out[k].fate = end[1];
      open.delete(`${end[0]}${l.msg}`);
    }
  }
  return out;
}

// The arrows on the page, in document order (the order the sends happened).
async function arrows(page) {
  return page.locator('#timeline g.messages g.msg').evaluateAll((gs) => gs.map((g) => {
    const cls = [...g.classList];
    const fate = cls.includes('not-sent') ? 'not-sent' : ['received', 'lost', 'dropped', 'unfinished'].find((f) => cls.includes(f));
    const msg = g.getAttribute('data-msg');
    return { dir: cls.includes('up') ? 'up' : 'down', msg: msg === null ? null : Number(msg), fate };
  }));
}

let b;
before(async () => { b = await openPlayground(); });
after(async () => { await b?.close(); });

async function openAndCompare(runArgs) {
  const sim = jsonLines(impnet('run', ...runArgs, '--json'));
  const link = impnet('link', ...runArgs, '--base', b.url).trim();
  await b.page.goto('about:blank');
  await b.page.goto(link, { waitUntil: 'load' });
  await b.page.locator('#timeline g.messages').waitFor({ timeout: 30_000 });
  const want = expectedCrossings(sim);
  assert.ok(want.length > 0, 'the program sends messages');
  assert.deepEqual(await arrows(b.page), want, 'one arrow per message, with its direction, id and fate');
  assert.deepEqual(b.problems, []);
  return want;
}

test('§15: a message received on the other side, and one with no handler there, in each direction', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'impnet-arrows-'));
  const device = join(dir, 'device.nut');
  const agent = join(dir, 'agent.nut');
  writeFileSync(device, 'agent.on("ack", function(v) { server.log("ack " + v); });\nagent.send("reading", 1);\nagent.send("nohandler", 2);\n');
  writeFileSync(agent, 'device.on("reading", function(v) { device.send("ack", v); device.send("nobody", v); });\n');
  const want = await openAndCompare([device, '--agent', agent]);
  assert.deepEqual(want.map((c) => `${c.dir} ${c.msg} ${c.fate}`), ['up 0 received', 'up 1 dropped', 'down 0 received', 'down 1 dropped']);
});

test('§15 with S9: the ack-no-resend pair through a WiFi outage: sends that time out draw as not sent', { timeout: 180_000 }, async () => {
  const want = await openAndCompare([join(ROOT, 'presets', 'ack-no-resend.device.nut'), '--agent', join(ROOT, 'presets', 'ack.agent.nut'), '--scenario', join(ROOT, 'presets', 'ack-no-resend.toml')]);
  const count = (dir, fate) => want.filter((c) => c.dir === dir && c.fate === fate).length;
  assert.ok(count('up', 'received') > 0 && count('down', 'received') > 0, 'readings and acks went through before the outage');
  assert.ok(count('up', 'not-sent') > 0, 'readings sent into the outage returned an error');
});
