// End to end, issue #5 ("the served playground runs a preset live and shows its trace"):
// `impnet serve` serves dist/ and plays impCloud on /ws; the playground it serves runs the
// zero-timeout trap live over a real WebSocket on loopback, loads the live trace, and that
// trace gives the same return codes, call by call, as `impnet run --json` (S5, S3, S8: fourteen
// 0s, one 2, then 1s). The live run is 10× real time (the panel's time-scale knob).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, openPlayground, ROOT } from './browser.mjs';

const PRESET_ID = 'zero-timeout-trap';
const PRESET = join(ROOT, 'presets', `${PRESET_ID}.toml`);
const BIN = process.env.IMPNET_BIN ?? join(ROOT, 'target', 'debug', 'impnet');
/** The server is killed after this long whatever happens to the test. */
const SERVER_HARD_LIMIT_MS = 240_000;

function ensureBinary() {
  if (!existsSync(BIN)) {
    execFileSync('cargo', ['build', '-q', '-p', 'impnet'], { cwd: ROOT, stdio: 'inherit' });
  }
}

const impnet = (...args) => execFileSync(BIN, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });

/** Starts `impnet serve` on a port the kernel picks; resolves once its first line names it. */
function startServe() {
  const child = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--dist', DIST], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', RUST_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const hardStop = setTimeout(() => child.kill('SIGKILL'), SERVER_HARD_LIMIT_MS);
  hardStop.unref();
  // Also when the test process ends some other way (an uncaught error, the runner's timeout).
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  let log = '';
  const exited = new Promise((ok) => child.once('exit', (code, signal) => { clearTimeout(hardStop); ok({ code, signal }); }));
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`impnet serve did not report its address within 30 s:\n${log}`)), 30_000);
    const onData = (d) => {
      log += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) { clearTimeout(timer); ok(`${m[1]}/`); }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    exited.then(({ code, signal }) => { clearTimeout(timer); fail(new Error(`impnet serve exited (${code ?? signal}):\n${log}`)); });
  });
  return {
    ready,
    log: () => log.replace(/\x1b\[[0-9;]*m/g, ''),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // graceful: its ctrl-c handler stops accepting
      const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(late);
    },
  };
}

// The detail panel's value of a field, with the no-break spaces of grouped numbers made plain.
async function field(page, name) {
  const t = await page.locator(`#detail [data-field="${name}"]`).first().innerText();
  return t.replace(/\u00a0/g, ' ').trim();
}

const jsonLines = (text) => text.trim().split('\n').map((l) => JSON.parse(l));
const callsOf = (lines) => lines.filter((l) => 'call' in l);

let serve;
let b;
before(async () => {
  ensureBinary();
  serve = startServe();
  const url = await serve.ready;
  b = await openPlayground({ url });
});
after(async () => {
  await b?.close();
  await serve?.stop();
});

/**
 * Opens `?preset=id` on the served page, switches live mode on at 10× and runs it; resolves,
 * once the live trace is on screen, to the JSON lines the Export menu downloads for it.
 */
async function runLive(page, url, id) {
  return runLiveAt(page, url, `${url}?preset=${id}`);
}

/** As `runLive`, for any page of the server at `url` (a share link, say). */
async function runLiveAt(page, url, pageUrl, { beforeRun } = {}) {
  const wsUrl = `ws://${new URL(url).host}/ws`;
  await page.goto('about:blank');
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.locator('#detail').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('.badge.live').count(), 0, 'a fresh page shows the simulated trace');

  // Live mode on: the panel offers the page's own server and a time scale.
  await page.locator('.live-toggle-button').click();
  await beforeRun?.();
  assert.equal(await page.locator('.live-toggle-button').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('.live-url').inputValue(), wsUrl, 'the default server is the one that served the page');
  await page.locator('.live-scale').selectOption('10');
  await page.locator('.live-run').click();

  // Bounded wait for the run to end and its trace to replace the simulated one.
  await page.locator('.badge.live').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('.badge.live').innerText(), `live: live ×10 against ${wsUrl}`);
  assert.match(await page.locator('.live-status').innerText(), /^done \(live ×10 against .*\) in \d+\.\d\d s; peak bufferedAmount \d+ B$/);
  assert.equal(await page.locator('.live-run').innerText(), 'Run live', 'the run is over');

  // The trace on screen, exported (the same JSON-lines format as `impnet run --json`).
  await page.locator('.menu summary').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-jsonl').click()]);
  return jsonLines(await readFile(await download.path(), 'utf8'));
}

const pairs = (calls) => calls.map((c) => [c.call, c.ret]);
const summaryOf = (lines) => lines.find((l) => 'summary' in l).summary;
const connections = () => (serve.log().match(/device connected/g) ?? []).length;

test('s5: the playground served by `impnet serve` runs the zero-timeout trap live and shows its trace, same return codes as `impnet run --json`', { timeout: 180_000 }, async () => {
  const sim = jsonLines(impnet('run', PRESET, '--json'));
  const simCalls = callsOf(sim);
  const { page, url } = b;
  const before = connections();

  const live = await runLive(page, url, 'zero-timeout-trap');
  assert.equal(await page.locator('#scenario-title').innerText(), 'Twenty logs with a zero timeout');
  const liveEntries = live.filter((l) => !('summary' in l));
  const liveCalls = callsOf(live);
  assert.deepEqual(pairs(liveCalls), pairs(simCalls), 'live and simulated return codes agree call by call');
  const rets = liveCalls.filter((c) => c.call === 'server.log').map((c) => c.ret);
  assert.deepEqual(rets, [...Array(14).fill(0), 2, ...Array(5).fill(1)], 'S5: fourteen fit, the fifteenth times out, the rest find no connection (S8)');
  const [ls, ss] = [summaryOf(live), summaryOf(sim)];
  assert.deepEqual([ls.sent_msgs, ls.lost_msgs, ls.lost_bytes], [ss.sent_msgs, ss.lost_msgs, ss.lost_bytes]);

  // The timeline and detail panel step through that same live trace (loading it keeps the
  // cursor near the virtual time it was at, so go to the start first).
  assert.match(await page.locator('#position').innerText(), new RegExp(`^\\d+ / ${liveEntries.length}$`));
  await page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press('Home');
  assert.equal(await page.locator('#position').innerText(), `1 / ${liveEntries.length}`);
  const k = 15; // call 15 is the 15th log, the first that no longer fits
  for (let i = 0; i <= k; i++) await page.keyboard.press('Shift+ArrowRight');
  const want = liveCalls[k];
  assert.equal(await page.locator('#position').innerText(), `${liveEntries.indexOf(want) + 1} / ${liveEntries.length}`);
  assert.equal(Number(await field(page, 'ret-value')), want.ret);
  assert.equal(await field(page, 'ret-name'), 'SEND_ERROR_TIMEOUT');
  assert.equal(await field(page, 'rule'), want.rule);
  assert.equal(Number((await field(page, 't')).replace(/ ms$/, '').replace(/ /g, '')), want.t_ms);
  await b.shot('live-zero-timeout-trap');

  // The server saw the browser's device: its hello was logged.
  assert.equal(connections(), before + 1, `impnet serve's log:\n${serve.log()}`);
  assert.deepEqual(b.problems, []);
});

test('t2: window-bound runs live through the served playground; every message is ACKed by the server as in `impnet run --json`', { timeout: 180_000 }, async () => {
  const sim = jsonLines(impnet('run', join(ROOT, 'presets', 'window-bound.toml'), '--json'));
  const { page, url } = b;
  const before = connections();

  const live = await runLive(page, url, 'window-bound');
  const liveEntries = live.filter((l) => !('summary' in l));
  assert.deepEqual(pairs(callsOf(live)), pairs(callsOf(sim)), 'live and simulated return codes agree call by call');
  const [ls, ss] = [summaryOf(live), summaryOf(sim)];
  // acked_msgs counts ACKs the server sent back over the socket: all 300 made the round trip.
  assert.deepEqual([ls.sent_msgs, ls.acked_msgs, ls.lost_msgs], [ss.sent_msgs, ss.acked_msgs, 0]);
  assert.ok(ls.goodput_bps > 0 && ls.goodput_bps <= 34_560, `T2: goodput ${ls.goodput_bps} B/s stays under 3456 B per 100 ms RTT`);
  assert.match(await page.locator('#position').innerText(), new RegExp(`^\\d+ / ${liveEntries.length}$`));
  await page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press('End');
  assert.equal(await page.locator('#position').innerText(), `${liveEntries.length} / ${liveEntries.length}`);
  await b.shot('live-window-bound');

  assert.equal(connections(), before + 1, `impnet serve's log:\n${serve.log()}`);
  assert.deepEqual(b.problems, []);
});

/** Writes `files` ({ name: text }) into a fresh temporary folder; returns their paths by name. */
function tempFiles(files) {
  const dir = mkdtempSync(join(tmpdir(), 'impnet-live-code-'));
  return Object.fromEntries(Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return [name, join(dir, name)];
  }));
}

// The device log as the page shows it: [text] of every line in #log-console.
const logTexts = (page) => page.locator('#log-console li .text').allInnerTexts();
const sites = (calls) => calls.map((c) => [c.call, c.line, c.ret, c.text ?? null]);

// livecode item 1 (issue #10): an edited program goes live, not only step lists. The program
// reaches the page through `impnet link DEVICE.nut`; its server.log texts and agent.send's
// return, computed in Squirrel from the live run's returns, are read from the device log on
// screen and match `impnet run --json`.
const PROGRAM = `server.log("hello from the live device");
local r = agent.send("reading", { temp = 21.5 });
server.log("agent.send returned " + r);
imp.wakeup(1, function() {
    server.log("woke, wakereason " + hardware.wakereason());
});
`;

test('s14: a program opened from `impnet link DEVICE.nut` runs live; its log lines and call lines match `impnet run --json`', { timeout: 180_000 }, async () => {
  const { 'device.nut': device } = tempFiles({ 'device.nut': PROGRAM });
  const sim = jsonLines(impnet('run', device, '--json'));
  const { page, url } = b;
  const link = impnet('link', device, '--base', url).trim();
  const before = connections();

  const live = await runLiveAt(page, url, link, {
    beforeRun: async () => {
      assert.equal(await page.locator('.live-unavailable').count(), 0, 'edited code is not turned away');
      assert.equal(await page.locator('.live-status').innerText(), 'Runs the device code in real time against impnet serve.');
      assert.equal(await page.locator('.live-agent-note').count(), 0, 'no agent code, no note');
    },
  });
  const want = ['hello from the live device', 'agent.send returned 0', 'woke, wakereason 0'];
  assert.deepEqual(callsOf(sim).filter((c) => c.call === 'server.log').map((c) => c.text), want, 'the simulation logs');
  assert.deepEqual(await logTexts(page), want, 'the device log on screen shows the live run\'s lines');
  assert.deepEqual(sites(callsOf(live)), sites(callsOf(sim)), 'live and simulated calls agree: lines, returns, texts');
  const [ls, ss] = [summaryOf(live), summaryOf(sim)];
  assert.deepEqual([ls.sent_msgs, ls.acked_msgs, ls.lost_msgs], [ss.sent_msgs, ss.acked_msgs, 0]);
  await b.shot('live-device-code');
  assert.equal(connections(), before + 1, `impnet serve's log:\n${serve.log()}`);
  assert.deepEqual(b.problems, []);
});

// livecode item 1, agent code: impnet serve's agent reads bytes and runs no code, so a pair goes
// live as its device program with a note saying so; no agent line appears.
test('s15: a device + agent pair goes live as its device code, the panel saying agent code does not run live', { timeout: 180_000 }, async () => {
  const files = tempFiles({
    'device.nut': 'agent.on("ack", function(v) { server.log("ack " + v); });\nlocal r = agent.send("reading", 7);\nserver.log("sent " + r);\n',
    'agent.nut': 'device.on("reading", function(v) { server.log("agent got " + v); device.send("ack", v); });\n',
  });
  const sim = jsonLines(impnet('run', files['device.nut'], '--agent', files['agent.nut'], '--json'));
  assert.ok(sim.some((l) => l.side === 'agent'), 'simulated, the agent runs');
  const { page, url } = b;
  const link = impnet('link', files['device.nut'], '--agent', files['agent.nut'], '--base', url).trim();

  const live = await runLiveAt(page, url, link, {
    beforeRun: async () => {
      assert.match(await page.locator('.live-agent-note').innerText(), /^Agent code does not run live: impnet serve plays the agent/);
    },
  });
  assert.deepEqual(await logTexts(page), ['sent 0'], 'the device code ran; no agent line, no ack came down');
  assert.equal(live.filter((l) => l.side === 'agent').length, 0);
  assert.deepEqual(b.problems, []);
});
