// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core,
// started the way this machine needs (no sandbox as root, no background networking),
// and the built site served by scripts/serve.js with the strict CSP.
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const artifacts = join(root, 'test-results');

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false, // root on these machines
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const { server, url } = await serve({ root: join(root, 'dist'), port: 0, mounts: { '/fixtures/': join(root, 'tests/browser/fixtures') } });
  return {
    browser,
    url,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/**
 * A new page in a fresh context (its own storage), recording console errors, CSP
 * violations, failed requests and dialogs. `view` is the page's view as the reader last
 * chose it ('article': every step as a section, 'flow': the one-screen flow, the page's
 * own default; null leaves the choice to the page). `storage` ({ key: text }) is put into
 * the origin's localStorage before the page's first load (and not again on a reload).
 */
export async function openPage(env, path = '', { width = 1280, height = 800, colorScheme = 'light', locale = 'en-US', hasTouch = false, reducedMotion = 'no-preference', view = 'article', storage = null } = {}) {
  const context = await env.browser.newContext({ viewport: { width, height }, colorScheme, locale, hasTouch, isMobile: hasTouch, reducedMotion });
  if (view) {
    await context.addInitScript((v) => {
      try {
        if (!localStorage.getItem('attention-playground:view')) localStorage.setItem('attention-playground:view', v);
      } catch {
        // opaque origins (about:blank) have no storage
      }
    }, view);
  }
  if (storage) {
    await context.addInitScript((entries) => {
      if (sessionStorage.getItem('test:seeded')) return;
      sessionStorage.setItem('test:seeded', '1');
      for (const [key, text] of entries) localStorage.setItem(key, text);
    }, Object.entries(storage));
  }
  const page = await context.newPage();
  page.on('close', () => context.close().catch(() => {})); // the browser may be closing already
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`); });
  // A request the browser itself cancels because the test navigated on (goto, reload) is
  // not a failure of the page; a missing or refused asset still shows as a 4xx response,
  // another network error or a console error.
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(env.url + path);
  return { page, problems };
}
