// The page and the article's widgets in a second browser engine: Debian's firefox-esr,
// driven headless over WebDriver BiDi by npm puppeteer-core (Playwright's Firefox needs
// its own patched build, which cannot be downloaded here). Served like the Chromium tests,
// from dist/ with the strict CSP. Checks the golden cases' pinned numbers, that an edit
// recomputes, that a share link round-trips, and that nothing logs an error, fails to
// load or violates the CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { serve } from '../../scripts/serve.js';
import { root } from './browser.js';
import { referenceAttention } from '../reference.js';
import { PRESETS } from '../../web/lib/presets.js';
import { encodeShare } from '../../web/lib/state.js';

const golden = JSON.parse(readFileSync(join(root, 'tests/golden/cases.json'), 'utf8')).cases;

let browser;
let server;
let url;
before(async () => {
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    // no updates, telemetry or first-run pages: nothing but our page talks to the network
    extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'browser.shell.checkDefaultBrowser': false },
  });
  ({ server, url } = await serve({ root: join(root, 'dist'), port: 0 }));
});
after(async () => {
  await browser?.close();
  server?.close();
});

/**
 * A new page in its own browser context (its own storage), recording console errors,
 * uncaught exceptions, failed or refused requests and CSP violations (the last from the
 * page's own securitypolicyviolation events, which every engine fires the same way).
 */
async function openPage(path) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`); });
  page.on('requestfailed', (req) => {
    // a request cancelled because the test navigated on is not the page's failure
    if (!/NS_BINDING_ABORTED/.test(req.failure()?.errorText ?? '')) problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP: ${e.violatedDirective} ${e.blockedURI}`));
    // These checks read the article view (every step as a section), as the Chromium ones do.
    try {
      if (!localStorage.getItem('attention-playground:view')) localStorage.setItem('attention-playground:view', 'article');
    } catch {
      // no storage on this origin
    }
  });
  await page.goto(url + path);
  return { page, problems, close: () => context.close() };
}

// Every td of a step (of one head, or the step's only table) as number[][], full precision.
function matrixOf(page, step, head) {
  const scope = head === undefined ? `[data-step="${step}"]` : `[data-step="${step}"] [data-head="${head}"]`;
  return page.$$eval(`${scope} table.matrix td`, (tds) => {
    const rows = [];
    for (const td of tds) (rows[Number(td.dataset.row)] ??= [])[Number(td.dataset.col)] = Number(td.dataset.value);
    return rows;
  });
}

// Every table on the page in one round trip (each one costs ~100 ms over BiDi here):
// { "step|head": number[][] }, head "-" for steps without heads.
function allMatrices(page) {
  return page.evaluate(() => {
    const out = {};
    for (const td of document.querySelectorAll('[data-step] table.matrix td')) {
      const key = `${td.closest('[data-step]').dataset.step}|${td.closest('[data-head]')?.dataset.head ?? '-'}`;
      ((out[key] ??= [])[Number(td.dataset.row)] ??= [])[Number(td.dataset.col)] = Number(td.dataset.value);
    }
    return out;
  });
}

const ready = (page) => page.waitForSelector('[data-step="final"] td[data-row="0"][data-col="0"]');

// float32 engine vs double reference: 1e-5 relative to max(|want|, 1), as in the other layers.
function assertClose(got, want, what) {
  assert.equal(got.length, want.length, `${what}: rows`);
  want.forEach((row, r) => row.forEach((w, c) => {
    if (w === -Infinity) assert.equal(got[r][c], -Infinity, `${what}[${r}][${c}]`);
    else assert.ok(Math.abs(got[r][c] - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${what}[${r}][${c}]: page ${got[r][c]}, reference ${w}`);
  }));
}

// The page builds one head's tables at a time: the other heads are read through their tabs
// (and head 1 is shown again at the end).
async function assertMatchesReference(page, config, what, tables) {
  const got = tables ?? await allMatrices(page);
  const ref = referenceAttention(config);
  for (let h = 0; h < ref.heads.length; h++) {
    let shown = got;
    if (h > 0) {
      await page.click(`[data-head-tab="${h}"]`);
      await page.waitForSelector(`[data-step="weights"] [data-head="${h}"] td`);
      shown = await allMatrices(page);
    }
    assertClose(shown[`weights|${h}`], ref.heads[h].weights, `${what} weights ${h}`);
  }
  if (ref.heads.length > 1) {
    await page.click('[data-head-tab="0"]');
    await page.waitForSelector('[data-step="weights"] [data-head="0"] td');
  }
  assertClose(got['final|-'], ref.final, `${what} final`);
}

test('Firefox: the golden cases show their pinned values; the two-word numbers as text', async () => {
  const { page, problems, close } = await openPage('#preset=two-words');
  await ready(page);
  const texts = (step) => page.$$eval(`[data-step="${step}"] [data-head="0"] table.matrix td`, (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(await texts('scores'), ['5.000', '11.000', '11.000', '25.000']);
  assert.deepEqual(await texts('weights'), ['0.014', '0.986', '5.0e-5', '<1.000']);
  assert.deepEqual(await texts('output'), ['2.972', '3.972', '3.000', '4.000']);
  for (const [i, c] of golden.entries()) {
    const hash = encodeShare({ config: c.config, decimals: 3, lang: 'en' });
    if (i === 0) {
      await page.goto(`${url}?fresh${hash}`); // another query: a fresh load from a share link
      await ready(page);
    } else {
      // a link followed within the page (hashchange), quicker than a load; wait until the
      // page shows the new final output, or give up and let the checks below say what differs
      await page.evaluate((h) => { location.hash = h; }, hash);
      const want = referenceAttention(c.config).final;
      await page.waitForFunction((w) => {
        const tds = [...document.querySelectorAll('[data-step="final"] table.matrix td')];
        return tds.length === w.flat().length && w.flat().every((v, k) => Math.abs(Number(tds[k].dataset.value) - v) <= 1e-5 * Math.max(1, Math.abs(v)));
      }, { timeout: 5000 }, want).catch(() => {});
    }
    const tables = await allMatrices(page);
    await assertMatchesReference(page, c.config, c.name, tables);
    for (const [step, rows] of Object.entries(c.expect ?? {})) {
      const got = tables[`${step}|${step === 'final' || step === 'q' ? '-' : 0}`];
      rows.forEach((row, r) => row.forEach((want, col) => {
        if (want !== null) assert.ok(Math.abs(got[r][col] - want) <= c.tolerance, `${c.name} ${step}[${r}][${col}]: ${got[r][col]} vs ${want}`);
      }));
    }
  }
  assert.deepEqual(problems, []);
  await close();
});

test('Firefox: an edit recomputes every table, survives a reload at once, and its share link opens the same state', async () => {
  const { page, problems, close } = await openPage('#preset=two-words');
  await ready(page);
  await page.click('[data-step="x"] td[data-row="0"][data-col="0"]');
  await page.keyboard.type('0.5');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-step="x"] td[data-row="0"][data-col="0"]').dataset.value === '0.5');
  await assertMatchesReference(page, { ...PRESETS['two-words'](), x: [[0.5, 2], [3, 4]] }, 'after the edit');
  await page.click('[data-step="x"] td[data-row="1"][data-col="0"]');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await page.reload(); // no wait for the debounced save
  await ready(page);
  assert.equal(await page.$eval('[data-step="x"] td[data-row="1"][data-col="0"]', (td) => td.dataset.value), '2');
  await assertMatchesReference(page, { ...PRESETS['two-words'](), x: [[0.5, 2], [2, 4]] }, 'after the reload');
  const link = await page.waitForFunction(() => location.hash.startsWith('#config=') && location.href).then((h) => h.jsonValue());
  const final = await matrixOf(page, 'final');

  const other = await openPage(link.slice(url.length));
  await ready(other.page);
  assert.equal(await other.page.$eval('[data-step="x"] td[data-row="0"][data-col="0"]', (td) => td.dataset.value), '0.5');
  assert.equal(await other.page.$eval('[data-step="x"] td[data-row="1"][data-col="0"]', (td) => td.dataset.value), '2');
  assert.deepEqual(await matrixOf(other.page, 'final'), final);
  assert.deepEqual([...problems, ...other.problems], []);
  await other.close();
  await close();
});

test('Firefox: the example article shows its three widgets with the right numbers', async () => {
  const { page, problems, close } = await openPage('examples/blog-post.html');
  // The widgets live in shadow roots: read them through each host's shadowRoot.
  const shadow = (host, step, what) => page.waitForFunction((h, s, w) => {
    const tds = document.querySelector(h)?.shadowRoot?.querySelectorAll(`[data-step="${s}"] table.matrix td`) ?? [];
    return tds.length > 0 && [...tds].map((td) => (w === 'text' ? td.textContent : Number(td.dataset.value)));
  }, {}, host, step, what).then((handle) => handle.jsonValue());
  assert.deepEqual(await shadow('#first', 'weights', 'text'), ['0.014', '0.986', '5.0e-5', '<1.000']);
  assert.deepEqual(await shadow('#first', 'output', 'text'), ['2.972', '3.972', '3.000', '4.000']);
  assert.deepEqual(await shadow('#second', 'output', 'text'), ['2.97', '3.97', '3.00', '4.00']); // decimals="2"
  const weights = await shadow('#third', 'weights', 'value');
  referenceAttention(PRESETS.causal()).heads[0].weights.flat().forEach((w, i) => assert.ok(Math.abs(weights[i] - w) < 1e-5, `#third weights[${i}]`));
  assert.equal(await page.evaluate(() => document.querySelectorAll('td').length), 0); // all inside shadow roots
  assert.deepEqual(problems, []);
  await close();
});
