// The "tiles" section: the fused kernel block by block. Every number on screen at every
// stage of the walk against the double reference's online softmax (tests/reference.js,
// referenceTiles over referenceAttention's masked scores), the end against the naive
// softmax(QKᵀ/√d_k)V; Previous / Next block; block sizes the reader changes; a causal mask
// skipping blocks; a cell's explanation; the Chinese page; no console errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, artifacts } from './browser.js';
import { referenceAttention, referenceTiles } from '../reference.js';
import { PRESETS } from '../../web/lib/presets.js';

let env;
before(async () => {
  env = await launch();
  mkdirSync(artifacts, { recursive: true });
});
after(async () => env?.close());

const SECTION = '[data-section="tiles"][data-step="tiles"]';
const ready = (page) => page.waitForSelector(`${SECTION} table[data-step="tile-scores"] td`, { state: 'attached' });

// Every tiles table on screen: { step: number[][] } from data-value, and the text shown.
function tables(page) {
  return page.$eval(SECTION, (section) => {
    const out = {};
    for (const td of section.querySelectorAll('table.matrix td')) {
      const step = td.closest('table').dataset.step;
      ((out[step] ??= [])[Number(td.dataset.row)] ??= [])[Number(td.dataset.col)] = Number(td.dataset.value);
    }
    return out;
  });
}

const stage = (page) => page.$eval(`${SECTION} .tiles-stage`, (el) => el.textContent);

// float32 kernel vs double reference: scores and sums of size up to ~10, 1e-5 relative.
function assertClose(got, want, what) {
  assert.equal(got?.length, want.length, `${what}: rows`);
  want.forEach((row, r) => row.forEach((w, c) => {
    if (w === -Infinity) assert.equal(got[r][c], -Infinity, `${what}[${r}][${c}]`);
    else assert.ok(Math.abs(got[r][c] - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${what}[${r}][${c}]: page ${got[r][c]}, reference ${w}`);
  }));
}

async function setBlocks(page, rows, cols) {
  const inputs = page.locator(`${SECTION} .tiles-controls input`);
  await inputs.nth(0).fill(String(rows));
  await inputs.nth(0).dispatchEvent('change');
  await inputs.nth(1).fill(String(cols));
  await inputs.nth(1).dispatchEvent('change');
  await page.waitForFunction(([sel, r, c]) => {
    const t = document.querySelector(`${sel} table[data-step="tile-scores"]`);
    return t && t.dataset.shape && document.querySelector(`${sel} .tiles-controls input`).value === String(r)
      && document.querySelectorAll(`${sel} .tiles-controls input`)[1].value === String(c);
  }, [SECTION, rows, cols]);
}

// Walks every stage with Next block, checking each against the reference, then the end.
async function walkAndCheck(page, config, blockRows, blockCols, what) {
  const ref = referenceAttention(config);
  const head = ref.heads[0];
  const v = ref.v.map((row) => row.slice(0, head.output[0].length)); // head 0's values
  const want = referenceTiles(head.masked, v, { blockRows, blockCols, causal: config.mask === 'causal' });
  const next = page.getByRole('button', { name: 'Next block', exact: true });
  const prev = page.getByRole('button', { name: 'Previous block', exact: true });
  assert.ok(await prev.isDisabled(), `${what}: Previous is disabled at the first block`);
  for (const [k, s] of want.steps.entries()) {
    const label = `${what} block ${k + 1}`;
    assert.match(await stage(page), new RegExp(`^Block ${k + 1} of ${want.steps.length}:`), label);
    const got = await tables(page);
    assertClose(got['tile-scores'], s.scores, `${label} scores`);
    assertClose(got['tile-p'], s.p, `${label} p`);
    assertClose(got['tile-acc'], s.acc, `${label} acc`);
    assertClose(got['tile-stats'], s.scores.map((_, r) => [s.mOld[r], s.mNew[r], s.rescale[r], s.sum[r]]), `${label} m, rescale, ℓ`);
    const before = await stage(page);
    await next.click();
    await page.waitForFunction(([sel, text]) => document.querySelector(`${sel} .tiles-stage`).textContent !== text, [SECTION, before]);
  }
  assert.match(await stage(page), /^The end/);
  assert.ok(await next.isDisabled(), `${what}: Next is disabled at the end`);
  const end = await tables(page);
  assertClose(end['tile-out'], want.out, `${what} O = acc / ℓ`);
  assertClose(end['tile-naive'], head.output, `${what} naive`);
  // tiled and naive are both float32: they may differ in the last bits only
  end['tile-diff'].flat().forEach((d, i) => assert.ok(Math.abs(d) <= 1e-5, `${what} difference ${i}: ${d}`));
  return want.steps.length;
}

test('it-animal, 3 × 4 blocks: every stage\'s numbers equal the reference, and the end equals the naive output', async () => {
  const { page, problems } = await openPage(env, '#preset=it-animal');
  await ready(page);
  await setBlocks(page, 3, 4);
  const count = await walkAndCheck(page, PRESETS['it-animal'](), 3, 4, 'it-animal 3×4');
  assert.equal(count, 4 * 3, 'ceil(11/3) query blocks × ceil(11/4) key blocks');
  // Previous walks back
  await page.getByRole('button', { name: 'Previous block', exact: true }).click();
  await page.waitForFunction((sel) => document.querySelector(`${sel} .tiles-stage`).textContent.startsWith('Block 12 of 12'), SECTION);
  await page.locator(SECTION).screenshot({ path: join(artifacts, 'tiles-it-animal-1280.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a causal mask: blocks after a query block are skipped, and the sentence says so', async () => {
  const config = PRESETS.causal();
  const { page, problems } = await openPage(env, '#preset=causal');
  await ready(page);
  await setBlocks(page, 2, 2);
  const n = config.x.length;
  let expected = 0;
  for (let r0 = 0; r0 < n; r0 += 2) expected += Math.ceil(Math.min(n, r0 + 2) / 2);
  assert.equal(await walkAndCheck(page, config, 2, 2, 'causal 2×2'), expected);
  await page.close();
  // the first block of a causal run skips the rest of the keys
  const again = await openPage(env, '#preset=causal');
  await ready(again.page);
  await setBlocks(again.page, 2, 2);
  assert.match(await stage(again.page), /skipped: the causal mask hides/);
  assert.deepEqual([...problems, ...again.problems], []);
  await again.page.close();
});

test('a cell explains itself: its arithmetic, what it came from and what it feeds', async () => {
  const { page, problems } = await openPage(env, '#preset=three-tokens');
  await ready(page);
  const cell = page.locator(`${SECTION} table[data-step="tile-p"] td[data-row="0"][data-col="1"]`);
  await cell.click();
  const tip = page.locator('[role="tooltip"]');
  await tip.waitFor({ state: 'visible' });
  const value = Number(await cell.getAttribute('data-value'));
  const text = await tip.textContent();
  assert.match(text, /^p = exp\(s − m\) = exp\(/);
  assert.ok(text.includes(value.toFixed(3).replace(/0+$/, '')), `${text} shows ${value}`);
  assert.equal(await cell.getAttribute('aria-selected'), 'true');
  const source = page.locator(`${SECTION} table[data-step="tile-scores"] td[data-row="0"][data-col="1"]`);
  assert.equal(await source.getAttribute('data-related'), 'source');
  const dependent = page.locator(`${SECTION} table[data-step="tile-stats"] td[data-row="0"][data-col="3"]`);
  assert.equal(await dependent.getAttribute('data-related'), 'dependent');
  // the rescale factor of a row's first block
  await page.locator(`${SECTION} table[data-step="tile-stats"] td[data-row="0"][data-col="2"]`).hover();
  assert.match(await tip.textContent(), /exp\(−∞ − [0-9.]+\) = 0/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Chinese page: the section speaks Chinese, and Next block walks', async () => {
  const { page, problems } = await openPage(env, '?lang=zh#preset=three-tokens', { locale: 'zh-CN' });
  await ready(page);
  const texts = await page.$eval(SECTION, (s) => [
    s.querySelector('h2').textContent, s.querySelector('.explanation').textContent, s.querySelector('.tiles-stage').textContent,
    ...[...s.querySelectorAll('label, button, caption')].map((el) => el.textContent),
  ]);
  for (const text of texts) assert.match(text, /[\u4e00-\u9fff]/, text);
  await page.getByRole('button', { name: '下一块', exact: true }).click();
  await page.waitForFunction((sel) => document.querySelector(`${sel} .tiles-stage`).textContent.startsWith('第 2 块'), SECTION);
  await page.locator(SECTION).screenshot({ path: join(artifacts, 'tiles-three-tokens-zh-1280.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
