// Big sizes on the page (n = 128, d_model = 64, 8 heads): one head's tables at a time and
// an "All heads" grid, windowed tables that show the engine's numbers wherever they are
// scrolled to (against the double reference), sticky headers, canvas heatmaps that read
// out and select a cell, and no console error anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './browser.js';
import { referenceAttention } from '../reference.js';
import { presetConfig } from '../../web/lib/presets.js';
import { resize, encodeShare } from '../../web/lib/state.js';
import { fmt } from '../../web/lib/format.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

const BIG = resize(presetConfig('two-words'), { n: 128, dModel: 64, heads: 8, dk: 8, dv: 8 }, 7);
const LINK = encodeShare({ config: BIG, decimals: 2, lang: 'en' });
let reference;
const ref = () => (reference ??= referenceAttention(BIG));

// float32 engine vs double reference: 1e-5 relative to max(|want|, 1), as in node tests.
const close = (got, want) => (want === -Infinity ? got === -Infinity : Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)));

// The cells a windowed table has built: [{ r, c, value }].
const builtCells = (page, table) => page.$eval(table, (t) => [...t.querySelectorAll('td[data-row][data-col]')]
  .map((td) => ({ r: Number(td.dataset.row), c: Number(td.dataset.col), value: Number(td.dataset.value) })));

test('windowed tables: a few hundred cells built, the reference numbers wherever they are scrolled, sticky headers', async () => {
  const { page, problems } = await openPage(env, LINK);
  const weights = 'table.matrix[data-step="weights"]';
  await page.waitForSelector(`${weights} td`);
  // Only the selected head's tables exist.
  assert.equal(await page.locator('table.matrix[data-step="weights"]').count(), 1);
  assert.equal(await page.$eval(weights, (t) => t.dataset.shape), '128x128');
  for (const [table, want] of [[weights, ref().heads[0].weights], ['table.matrix[data-step="x"]', BIG.x]]) {
    const first = await builtCells(page, table);
    assert.ok(first.length > 50 && first.length < 2000, `${table}: ${first.length} cells built, not all ${want.length * want[0].length}`);
    // Scroll to the far corner: the cells built there carry the right numbers and labels.
    await page.$eval(table, (t) => { t.scrollTop = t.scrollHeight; t.scrollLeft = t.scrollWidth; });
    await page.waitForFunction((sel) => [...document.querySelector(sel).querySelectorAll('td[data-row]')].some((td) => Number(td.dataset.row) === 127), table);
    const corner = await builtCells(page, table);
    assert.ok(corner.some(({ r, c }) => r === want.length - 1 && c === want[0].length - 1), `${table}: the last cell is built`);
    for (const { r, c, value } of corner) assert.ok(close(value, want[r][c]), `${table}[${r}][${c}]: page ${value}, reference ${want[r][c]}`);
    const shown = await page.$eval(`${table} td[data-row="127"][data-col="${want[0].length - 1}"]`, (td) => td.textContent);
    assert.equal(shown, fmt(want[127][want[0].length - 1], 2));
    // The headers stay at the table's edges while it scrolls.
    const edges = await page.$eval(table, (t) => {
      const box = t.getBoundingClientRect();
      const head = t.querySelector('thead th:not(.corner):not(.pad)').getBoundingClientRect();
      const row = t.querySelector('tbody th[scope="row"]').getBoundingClientRect();
      const label = t.querySelector('tbody tr:not(.pad):last-child th[scope="row"]').textContent;
      return { top: head.top - box.top, left: row.left - box.left, label, scrolled: t.scrollTop };
    });
    assert.ok(edges.scrolled > 1000, 'scrolled far down');
    assert.ok(edges.top >= 0 && edges.top < 40, `column headers stick to the top (${edges.top})`);
    assert.ok(edges.left >= 0 && edges.left < 4, `row headers stick to the left (${edges.left})`);
    assert.equal(edges.label, 't128');
  }
  // The weights' pictures: a canvas heatmap, and each query's top-2 arcs, not 128².
  assert.equal(await page.locator('[data-step="weights"] .pictures .heatmap-canvas canvas').count(), 1);
  const lines = await page.locator('[data-step="weights"] svg.arcs line').count();
  assert.ok(lines > 0 && lines <= 2 * 128, `${lines} arcs`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('head tabs build one head at a time; the All heads grid shows every head and a click picks one', async () => {
  const { page, problems } = await openPage(env, LINK, { view: 'flow' });
  await page.waitForSelector('[data-card="weights"] canvas', { state: 'attached' });
  assert.equal(await page.locator('[data-card="weights"]').count(), 1);
  await page.click('[data-head-tab="4"]');
  await page.waitForSelector('[data-card="weights"][data-head="4"]', { state: 'attached' });
  assert.equal(await page.locator('[data-card="weights"]').count(), 1);
  await page.click('[data-head-tab="all"]');
  await page.waitForSelector('[data-grid="heads"] canvas');
  // Five per-head steps × eight heads.
  assert.equal(await page.locator('[data-grid="heads"] .heatmap-canvas').count(), 40);
  assert.equal(await page.getAttribute('[data-head-tab="all"]', 'aria-pressed'), 'true');
  // A click on head 7's weights at its top-left picks head 7, and that cell.
  const thumb = page.locator('[data-grid="heads"] .heatmap-canvas[data-step="weights"]').nth(6).locator('canvas');
  await thumb.click({ position: { x: 3, y: 3 } });
  await page.waitForSelector('[data-card="weights"][data-head="6"]', { state: 'attached' });
  assert.equal(await page.locator('[data-grid="heads"]:not([hidden])').count(), 0);
  assert.equal(await page.getAttribute('[data-head-tab="6"]', 'aria-pressed'), 'true');
  assert.match(await page.textContent('.selection-bar'), /A\[word1, word1\] · head 7/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('canvas heatmaps: the readout gives the cell and its arithmetic, a click selects it, keys move', async () => {
  const { page, problems } = await openPage(env, LINK, { view: 'flow' });
  const canvas = '[data-card="weights"] canvas';
  await page.waitForSelector(canvas, { state: 'attached' });
  await page.locator(canvas).scrollIntoViewIfNeeded();
  // Where row 3, column 5 is drawn: from the canvas's own layout (cells after the labels).
  const box = await page.locator(canvas).boundingBox();
  const size = await page.$eval(canvas, (c) => ({ w: c.clientWidth, h: c.clientHeight }));
  const cell = Number(await page.$eval('[data-card="weights"] .heatmap-canvas', (el) => el.dataset.cell));
  assert.equal(cell, Math.floor(384 / 128));
  const left = size.w - 2 - 128 * cell;
  const top = size.h - 2 - 128 * cell;
  await page.mouse.move(box.x + left + 5 * cell + 1, box.y + top + 3 * cell + 1);
  const readout = page.locator('[data-card="weights"] .canvas-readout');
  await readout.waitFor();
  const text = await readout.textContent();
  assert.match(text, /A\[t4, t6\]/);
  assert.match(text, /exp\(/); // the arithmetic, not only the value
  await page.mouse.click(box.x + left + 5 * cell + 1, box.y + top + 3 * cell + 1);
  await page.waitForFunction(() => /A\[t4, t6\]/.test(document.querySelector('.selection-bar').textContent));
  const want = ref().heads[0].weights[3][5];
  assert.ok((await page.textContent('.selection-bar')).includes(fmt(want, 2)), 'the selection bar shows the reference weight');
  // The arrow keys move the readout; Enter selects.
  await page.focus(canvas);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /A\[t4, t7\]/.test(document.querySelector('.selection-bar').textContent));
  // Another theme draws the canvas again in its colours.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const before = await page.$eval(canvas, (c) => c.toDataURL());
  await page.selectOption('#theme', 'dark');
  await page.waitForFunction((old) => document.querySelector('[data-card="weights"] canvas').toDataURL() !== old, before);
  assert.deepEqual(problems, []);
  await page.close();
});

// The mean brightness (0…1) of the cells of every canvas in the flow that has been drawn.
const canvasBrightness = (page) => page.$$eval('.flow .heatmap-canvas', (els) => els.map((el) => {
  const canvas = el.querySelector('canvas');
  const cell = Number(el.dataset.cell);
  const [rows, cols] = el.dataset.shape.split('x').map(Number);
  const dpr = canvas.width / canvas.clientWidth;
  const w = Math.floor(cols * cell * dpr), hgt = Math.floor(rows * cell * dpr);
  const x = canvas.width - Math.round(2 * dpr) - w, y = canvas.height - Math.round(2 * dpr) - hgt;
  const { data } = canvas.getContext('2d').getImageData(x, y, w, hgt);
  let sum = 0, seen = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue; // not drawn yet (off screen)
    sum += (data[i] + data[i + 1] + data[i + 2]) / (3 * 255);
    seen += 1;
  }
  return { step: el.dataset.step, drawn: seen > 0, brightness: seen ? sum / seen : null };
}));

test('canvas heatmaps take the colours of the theme they are shown in, from their first drawing', async () => {
  for (const colorScheme of ['dark', 'light']) {
    const { page, problems } = await openPage(env, LINK, { view: 'flow', colorScheme });
    await page.waitForSelector('[data-card="weights"] canvas', { state: 'attached' });
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const shown = await canvasBrightness(page);
    const drawn = shown.filter((c) => c.drawn);
    assert.ok(drawn.length >= 2, `canvases drawn at load: ${JSON.stringify(shown)}`);
    for (const c of drawn) {
      // Dark cards are near black and light ones near white; the scale's colours are
      // mixed into the card's colour by each cell's value, most of them small.
      if (colorScheme === 'dark') assert.ok(c.brightness < 0.45, `${c.step} drawn in light colours on the dark page (${c.brightness.toFixed(2)})`);
      else assert.ok(c.brightness > 0.55, `${c.step} drawn in dark colours on the light page (${c.brightness.toFixed(2)})`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('n = 128 in both views: edits recompute, chips land on their step, no console errors', async () => {
  const { page, problems } = await openPage(env, LINK);
  await page.waitForSelector('table.matrix[data-step="weights"] td');
  await page.click('table.matrix[data-step="x"] td[data-row="0"][data-col="0"]');
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  const edited = structuredClone(BIG);
  edited.x[0][0] = 5;
  const want = referenceAttention(edited).heads[0].weights[0][1];
  await page.waitForFunction((w) => Math.abs(Number(document.querySelector('table.matrix[data-step="weights"] td[data-row="0"][data-col="1"]').dataset.value) - w) < 1e-5 * Math.max(1, Math.abs(w)), want);
  for (const target of ['weights', 'final']) {
    await page.click(`.chip[data-target="${target}"]`);
    await page.waitForFunction((t) => {
      const top = document.querySelector(`[data-section="${t}"]`)?.getBoundingClientRect().top;
      const bar = document.querySelector('.sticky').getBoundingClientRect().bottom;
      return top !== undefined && Math.abs(top - bar) < 24;
    }, target, { timeout: 5000 });
  }
  await page.click('[data-view-tab="flow"]');
  await page.waitForSelector('[data-card="weights"] canvas', { state: 'attached' });
  assert.deepEqual(problems, []);
  await page.close();
});
