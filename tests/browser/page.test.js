// The page in Debian's Chromium, served with the strict CSP: it loads cleanly, shows
// the engine's numbers (checked against an independent double reference), explains
// cells, updates on edits, restores share links and works from the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, artifacts } from './browser.js';
import { referenceAttention } from '../reference.js';
import { PRESETS } from '../../web/lib/presets.js';
import { decodeShare } from '../../web/lib/state.js';
import { STEP } from '../../web/lib/steps.js';

let env;
before(async () => {
  mkdirSync(artifacts, { recursive: true });
  env = await launch();
});
after(async () => env?.close());

const ready = (page) => page.waitForSelector('[data-step="final"] td[data-row="0"][data-col="0"]');

// Every td of a step as number[][] from data-value (full precision).
async function matrixOf(page, step, head) {
  const scope = head === undefined ? `[data-step="${step}"]` : `[data-step="${step}"] [data-head="${head}"]`;
  return page.$$eval(`${scope} table.matrix td`, (tds) => {
    const rows = [];
    for (const td of tds) {
      const r = Number(td.dataset.row);
      (rows[r] ??= [])[Number(td.dataset.col)] = Number(td.dataset.value);
    }
    return rows;
  });
}

async function textsOf(page, step, head = 0) {
  return page.$$eval(`[data-step="${step}"] [data-head="${head}"] table.matrix td`, (tds) => tds.map((td) => td.textContent));
}

// float32 engine vs double reference: 1e-5 relative to max(|want|, 1), as in node tests.
function assertMatrixClose(got, want, what) {
  assert.equal(got.length, want.length, `${what}: rows`);
  want.forEach((row, r) => row.forEach((w, c) => {
    const g = got[r][c];
    if (w === -Infinity) assert.equal(g, -Infinity, `${what}[${r}][${c}]`);
    else assert.ok(Math.abs(g - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${what}[${r}][${c}]: page ${g}, reference ${w}`);
  }));
}

// The page builds the tables of one head at a time: its tab picks which.
async function showHead(page, h, heads) {
  if (heads < 2) return;
  await page.click(`[data-head-tab="${h}"]`);
  await page.waitForSelector(`[data-step="weights"] [data-head="${h}"] td`, { state: 'attached' });
}

async function assertPageMatchesReference(page, config) {
  const ref = referenceAttention(config);
  assertMatrixClose(await matrixOf(page, 'q'), ref.q, 'q');
  for (let h = 0; h < ref.heads.length; h++) {
    await showHead(page, h, ref.heads.length);
    assert.equal(await page.locator('[data-step="weights"] [data-head]').count(), 1, 'one head built at a time');
    for (const step of ['scores', 'scaled', 'masked', 'weights', 'output']) {
      assertMatrixClose(await matrixOf(page, step, h), ref.heads[h][step], `head ${h} ${step}`);
    }
  }
  assertMatrixClose(await matrixOf(page, 'final'), ref.final, 'final');
}

// Performs `action`, waits until the page has written the new state into the URL, and
// returns the engine config that URL holds.
async function changeAndRead(page, action) {
  const before = await page.evaluate(() => location.hash);
  await action();
  await page.waitForFunction((h) => location.hash !== h && location.hash.startsWith('#config='), before);
  // The URL is written ~120 ms after a change, the DOM on the next frame: both are done.
  return decodeShare(await page.evaluate(() => location.hash)).config;
}

test('loads with no console errors or failed requests, and every preset renders correctly', async () => {
  const { page, problems } = await openPage(env);
  await ready(page);
  for (const name of Object.keys(PRESETS)) {
    await page.selectOption('#preset', name);
    await page.waitForFunction((n) => location.hash === `#preset=${n}`, name);
    await assertPageMatchesReference(page, PRESETS[name]());
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('two-words shows the seed numbers; three-tokens the corrected ones', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  // One number of decimals per table; 0.00005 and 0.99995 are neither 0 nor 1.
  assert.deepEqual(await textsOf(page, 'scores'), ['5.000', '11.000', '11.000', '25.000']);
  assert.deepEqual(await textsOf(page, 'weights'), ['0.014', '0.986', '5.0e-5', '<1.000']);
  assert.deepEqual(await textsOf(page, 'output'), ['2.972', '3.972', '3.000', '4.000']);

  await page.goto(`${env.url}#preset=three-tokens`);
  await page.reload();
  await ready(page);
  assert.deepEqual(await textsOf(page, 'weights'), ['0.401', '0.198', '0.401', '0.198', '0.401', '0.401', '0.248', '0.248', '0.503']);
  assert.deepEqual(await textsOf(page, 'output'), ['0.802', '0.599', '0.599', '0.802', '0.752', '0.752']);
  await page.close();
});

test('typing into X[0][0] recomputes every dependent table', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await ready(page);
  const before = await matrixOf(page, 'final');
  await page.click('[data-step="x"] td[data-row="0"][data-col="0"]');
  await page.keyboard.type('0.5');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-step="x"] td[data-row="0"][data-col="0"]').dataset.value === '0.5');
  const config = { ...PRESETS['two-words'](), x: [[0.5, 2], [3, 4]] };
  await assertPageMatchesReference(page, config);
  assert.notDeepEqual(await matrixOf(page, 'final'), before);
  assert.deepEqual(problems, []);
  await page.close();
});

test('an invalid entry keeps the last good value, marks the cell and says why', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  const cell = '[data-step="x"] td[data-row="1"][data-col="1"]';
  await page.click(cell);
  await page.keyboard.type('4x');
  await page.keyboard.press('Enter');
  const alert = page.locator('[role="alert"]').first();
  await alert.waitFor({ state: 'visible' });
  assert.match(await alert.textContent(), /“4x” is not a number/);
  assert.equal(await page.getAttribute(cell, 'aria-invalid'), 'true');
  assert.equal(await page.inputValue(`${cell} input`), '4x'); // nothing typed is lost
  assert.equal(await page.getAttribute(cell, 'data-value'), '4');
  await assertPageMatchesReference(page, PRESETS['two-words']());
  // fixing it commits
  await page.fill(`${cell} input`, '5');
  await page.keyboard.press('Enter');
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.value === '5', cell);
  await assertPageMatchesReference(page, { ...PRESETS['two-words'](), x: [[1, 2], [3, 5]] });
  await page.close();
});

test('causal mask zeroes weights above the diagonal; two heads show two panels and concat', async () => {
  const { page } = await openPage(env, '#preset=causal');
  await ready(page);
  const w = await matrixOf(page, 'weights', 0);
  w.forEach((row, j) => row.forEach((v, k) => { if (k > j) assert.equal(v, 0); }));
  await page.selectOption('#preset', 'multi-head');
  await page.waitForSelector('[data-step="weights"] [data-head="0"]');
  // One head's tables at a time; the head tabs switch between them.
  assert.equal(await page.locator('[data-step="weights"] [data-head]').count(), 1);
  await page.click('[data-head-tab="1"]');
  await page.waitForSelector('[data-step="weights"] [data-head="1"]');
  assert.equal(await page.locator('[data-step="weights"] [data-head]').count(), 1);
  assert.equal(await page.locator('[data-step="concat"] table.matrix').count(), 1);
  assert.equal(await page.locator('[data-step="wo"] table.matrix').count(), 1);
  await page.close();
});

test('hover and focus show the arithmetic of a score, a weight and an output', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  const tip = page.locator('[role="tooltip"]');
  await page.hover('[data-step="scores"] td[data-row="0"][data-col="1"]');
  assert.match(await tip.textContent(), /q₁·k₂ = 1×3 \+ 2×4 = 11/);
  // the cells it came from and the ones it feeds are highlighted
  assert.equal(await page.locator('[data-step="q"] td.is-source').count(), 2);
  assert.ok(await page.locator('[data-step="final"] td.is-dependent').count() >= 2);
  await page.mouse.move(0, 0); // the mouse would otherwise win over focus
  await page.focus('[data-step="weights"] td[data-row="0"][data-col="0"]');
  assert.match(await tip.textContent(), /exp\(3\.536 − 7\.778\) ÷ Σ = .* = 0\.014/);
  assert.match(await tip.textContent(), /7\.778/);
  await page.hover('[data-step="output"] td[data-row="0"][data-col="0"]');
  assert.match(await tip.textContent(), /0\.014×1 \+ 0\.986×3 = 2\.972/);
  await page.close();
});

test('a share link restores an edited state exactly; a malformed one shows an alert', async () => {
  const { page } = await openPage(env, '#preset=multi-head');
  await ready(page);
  await changeAndRead(page, async () => {
    await page.click('[data-step="x"] td[data-row="2"][data-col="1"]');
    await page.keyboard.type('1.25');
    await page.keyboard.press('Enter');
  });
  // the URL follows a moment after each change: wait for the one that holds both edits
  const config = await changeAndRead(page, () => page.selectOption('#ctl-mask', 'causal'));
  assert.equal(config.mask, 'causal');
  assert.equal(config.x[2][1], 1.25);
  const link = await page.evaluate(() => location.href);
  const finalBefore = await matrixOf(page, 'final');
  const weightsBefore = await matrixOf(page, 'weights', 1);

  const { page: other, problems } = await openPage(env, link.slice(env.url.length));
  await ready(other);
  assert.deepEqual(await matrixOf(other, 'final'), finalBefore);
  assert.deepEqual(await matrixOf(other, 'weights', 1), weightsBefore);
  assert.equal(await other.getAttribute('[data-step="x"] td[data-row="2"][data-col="1"]', 'data-value'), '1.25');
  assert.deepEqual(problems, []);

  for (const bad of ['#config=%%%', '#config=eyJ4Ijp', '#config=WzEsMiwzXQ', '#preset=nope']) {
    await other.goto(`${env.url}${bad}`);
    await other.reload();
    await ready(other);
    const alert = other.locator('[role="alert"]').first();
    await alert.waitFor({ state: 'visible' });
    assert.match(await alert.textContent(), /could not be opened/);
    assert.deepEqual(await textsOf(other, 'weights'), ['0.014', '0.986', '5.0e-5', '<1.000']); // the default example
  }
  await other.close();
  await page.close();
});

test('keyboard only: reach a cell, edit it and commit it', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement?.matches('[data-step="x"] td'));
  }
  assert.ok(found, 'Tab reaches the X table');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => `${document.activeElement.dataset.row},${document.activeElement.dataset.col}`), '1,1');
  await page.keyboard.type('-2');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-step="x"] td[data-row="1"][data-col="1"]').dataset.value === '-2');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.row), '1'); // focus stays on the cell
  await assertPageMatchesReference(page, { ...PRESETS['two-words'](), x: [[1, 2], [3, -2]] });
  // Escape cancels an edit
  await page.keyboard.type('9');
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('[data-step="x"] td[data-row="1"][data-col="1"]', 'data-value'), '-2');
  await page.close();
});

test('hostile token labels stay text', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await ready(page);
  const payload = '<img src=x onerror=alert(1)>';
  await page.focus('[data-step="x"] tbody th[data-row="0"]');
  await page.keyboard.press('Enter');
  await page.keyboard.type(payload);
  await page.keyboard.press('Enter');
  await page.waitForFunction((p) => document.querySelector('[data-step="x"] tbody th[data-row="0"]').textContent === p, payload);
  assert.equal(await page.locator('img').count(), 0);
  assert.ok((await page.locator('[data-step="weights"] svg text').allTextContents()).some((t) => t.startsWith('<img')));
  assert.deepEqual(problems.filter((p) => p.startsWith('dialog')), []);
  await page.close();
});

test('screenshots of the default view at 1280 and 375 wide', async () => {
  for (const width of [1280, 375]) {
    const { page } = await openPage(env, '', { width, height: 800 });
    await ready(page);
    await page.screenshot({ path: join(artifacts, `page-${width}.png`) });
    if (width === 375) {
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(scroll <= 0, `no horizontal page scroll at 375 px (overflow ${scroll}px)`);
    }
    // Off-screen steps are not rendered (content-visibility), so show the whole page at once.
    await page.setViewportSize({ width, height: await page.evaluate(() => document.documentElement.scrollHeight) });
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(artifacts, `page-${width}-full.png`), fullPage: true });
    await page.close();
  }
});

test('every option recomputes to the reference values', async () => {
  const { page, problems } = await openPage(env, '#preset=multi-head');
  await ready(page);
  const steps = [
    () => page.selectOption('#ctl-scale', 'none'),
    () => page.selectOption('#ctl-scale', 'custom'),
    async () => { await page.fill('#ctl-scale-value', '0.3'); await page.press('#ctl-scale-value', 'Enter'); },
    () => page.selectOption('#ctl-positional', 'sinusoidal'),
    () => page.selectOption('#ctl-positional', 'rope'),
    () => page.selectOption('#ctl-score', 'additive'),
    () => page.selectOption('#ctl-mask', 'causal'),
    () => page.click('#ctl-cross'),
    () => page.click('[data-control="heads-dec"]'),
    () => page.click('[data-control="n-inc"]'),
    () => page.click('#ctl-wo'),
    () => page.click('[data-control="dModel-inc"]'),
  ];
  for (const step of steps) {
    const config = await changeAndRead(page, step);
    await assertPageMatchesReference(page, config);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('custom mask: clicking a cell blocks that key for that query', async () => {
  const { page } = await openPage(env, '#preset=three-tokens');
  await ready(page);
  let config = await changeAndRead(page, () => page.selectOption('#ctl-mask', 'custom'));
  assert.deepEqual(config.mask, [[1, 0, 0], [1, 1, 0], [1, 1, 1]]); // starts from the causal pattern
  config = await changeAndRead(page, () => page.click('[data-step="masked"] td[data-row="2"][data-col="0"]'));
  assert.equal(config.mask[2][0], 0);
  await page.waitForFunction(() => document.querySelector('[data-step="weights"] td[data-row="2"][data-col="0"]').dataset.value === '0');
  await assertPageMatchesReference(page, config);
  // keyboard: Space toggles it back
  config = await changeAndRead(page, async () => {
    await page.focus('[data-step="masked"] td[data-row="2"][data-col="0"]');
    await page.keyboard.press(' ');
  });
  assert.equal(config.mask[2][0], 1);
  await page.close();
});

test('shuffling tokens shows that order matters only with positional encoding', async () => {
  const { page } = await openPage(env, '#preset=positional');
  await ready(page);
  await page.click('text=Shuffle tokens');
  await page.waitForSelector('.tools .note');
  assert.match(await page.textContent('.tools .note'), /changed/);
  await page.selectOption('#ctl-positional', 'none');
  await page.waitForSelector('.tools .note', { state: 'detached' });
  await page.click('text=Shuffle tokens');
  await page.waitForSelector('.tools .note');
  assert.match(await page.textContent('.tools .note'), /exactly what it was/);
  await page.close();
});

test('decimals change what is shown, not what is computed', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  await page.click('[data-control="decimals-inc"]');
  await page.waitForFunction(() => document.querySelector('[data-step="weights"] td').textContent === '0.0142');
  await page.click('[data-control="decimals-dec"]');
  await page.click('[data-control="decimals-dec"]');
  await page.waitForFunction(() => document.querySelector('[data-step="weights"] td').textContent === '0.01');
  assert.ok(Math.abs(Number(await page.getAttribute('[data-step="weights"] td', 'data-value')) - 0.014166) < 1e-6);
  await page.close();
});

test('the Cost section times the fused kernel in a worker, plots it, and can be cancelled', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await ready(page);
  await page.selectOption('#cost-n', '512');
  await page.click('#cost-run');
  // the page answers while the worker measures
  assert.equal(await page.evaluate(() => 6 * 7), 42);
  await page.waitForFunction(() => !document.querySelector('#cost-run').disabled, null, { timeout: 60000 });
  const rows = await page.$$eval('.cost-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => r[0]), ['64', '128', '256', '512']);
  for (const r of rows) {
    assert.ok(Number(r[1]) > 0, 'fused time');
    assert.ok(Number(r[3]) > 0, 'plain JS time');
  }
  assert.equal(rows[3][5], '1.00 MiB'); // 512 x 512 floats
  // the timing worker runs the fastest build Chromium offers, and says which
  assert.match(await page.textContent('.cost-status'), /^Done: 4 sizes measured with the engine’s relaxed-SIMD \(multiply-adds fused where the CPU can\) build\./);
  assert.equal(await page.locator('.cost-plot polyline').count(), 2);
  // cancel a long run
  await page.selectOption('#cost-n', '8192');
  await page.click('#cost-run');
  await page.click('#cost-cancel');
  assert.match(await page.textContent('.cost-status'), /Cancelled/);
  assert.equal(await page.isDisabled('#cost-run'), false);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the golden cases shared by every layer show their pinned values on the page', async () => {
  const { readFileSync } = await import('node:fs');
  const { encodeShare } = await import('../../web/lib/state.js');
  const golden = JSON.parse(readFileSync(new URL('../golden/cases.json', import.meta.url), 'utf8')).cases;
  const { page, problems } = await openPage(env, '#preset=two-words');
  await ready(page);
  for (const c of golden) {
    await page.goto(`${env.url}${encodeShare({ config: c.config, decimals: 3, lang: 'en' })}`);
    await page.reload();
    await ready(page);
    await assertPageMatchesReference(page, c.config);
    for (const [step, rows] of Object.entries(c.expect ?? {})) {
      const got = await matrixOf(page, step, STEP[step].perHead ? 0 : undefined);
      rows.forEach((row, r) => row.forEach((want, col) => {
        if (want !== null) assert.ok(Math.abs(got[r][col] - want) <= c.tolerance, `${c.name} ${step}[${r}][${col}]: ${got[r][col]} vs ${want}`);
      }));
    }
  }
  assert.deepEqual(problems, []);
  await page.close();
});
