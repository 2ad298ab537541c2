// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core,
// started the way this machine needs (no sandbox as root, no background networking),
// and the built site served by scripts/serve.js with the strict CSP.
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const artifacts = join(root, 'test-results');

export async function launch() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'ap-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 800 },
  });
  const { server, url } = await serve({ root: join(root, 'dist'), port: 0 });
  return {
    context,
    url,
    async close() {
      await context.close();
      server.close();
    },
  };
}

/** A new page that records console errors, CSP violations and failed requests. */
export async function openPage(env, path = '', { width = 1280, height = 800 } = {}) {
  const page = await env.context.newPage();
  await page.setViewportSize({ width, height });
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`); });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(env.url + path);
  return { page, problems };
}
