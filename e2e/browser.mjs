// Shared by e2e/*.test.mjs: serve dist/ on loopback and open it in headless Chromium with a
// fresh profile, refusing any request that is not to loopback.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './static-server.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'target', 'e2e');

// TOOLCHAIN.md §5: without the background-networking flags Chromium tries hosts it cannot reach.
export const ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--disable-sync', '--disable-quic',
];

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Starts the server and the browser. Returns { page, url, problems, shot(name), close() }.
 * `problems` collects console errors, page errors, failed or non-2xx responses and blocked
 * non-loopback requests; tests assert it stays empty.
 * With `url` (a loopback server the test runs itself, e.g. `impnet serve`) no static server is
 * started and `url` is the one returned.
 */
export async function openPlayground({ url } = {}) {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: build it first with \`trunk build --release=true\` (scripts/test.sh does)`);
  }
  const server = url ? { url, close: async () => {} } : await startServer(DIST);
  const profile = mkdtempSync(join(tmpdir(), 'impnet-e2e-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 800 },
    });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const problems = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    // A request the page gave up on meanwhile (a navigation, the split loader's aborted
    // streaming fetch) cannot be continued; that is not a problem of the page.
    if (LOOPBACK.has(u.hostname)) return route.continue().catch(() => {});
    problems.push(`blocked non-loopback request: ${u.href}`);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The secondary half of a split bundle (index.html's loader) streams in behind the first
    // paint; a test that moves on as soon as the page shows cancels it, as a reader would.
    if (r.url().endsWith('_rest.wasm') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

  mkdirSync(SHOTS, { recursive: true });
  return {
    page,
    url: server.url,
    problems,
    shot: (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }),
    close: async () => {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
