// The flow view (the page's default): every step on one screen at 1280 × 800, coloured
// by value with masked cells apart from zeros, linked selection across steps, the walk
// (Play / Step / Back), undo, the stories, and the numbers against the reference.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, artifacts } from './browser.js';
import { referenceAttention } from '../reference.js';
import { PRESETS } from '../../web/lib/presets.js';

let env;
before(async () => {
  env = await launch();
  mkdirSync(artifacts, { recursive: true });
});
after(async () => env?.close());

const FLOW = '[data-view="flow"]';
const ready = (page) => page.waitForSelector(`${FLOW} [data-step="final"] td`, { state: 'attached' }); // hidden until a guess in the stories
const flow = (path, options = {}) => openPage(env, path, { view: null, ...options });

// The flow's matrix of a step (data-value of every td), row by row.
async function flowMatrix(page, step) {
  return page.$$eval(`${FLOW} table[data-step="${step}"] td`, (tds) => {
    const rows = [];
    for (const td of tds) (rows[Number(td.dataset.row)] ??= [])[Number(td.dataset.col)] = Number(td.dataset.value);
    return rows;
  });
}

function assertClose(got, want, what) {
  assert.equal(got.length, want.length, `${what}: rows`);
  want.forEach((row, r) => row.forEach((w, c) => {
    if (w === -Infinity) assert.equal(got[r][c], -Infinity, `${what}[${r}][${c}]`);
    else assert.ok(Math.abs(got[r][c] - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${what}[${r}][${c}]: ${got[r][c]} vs ${w}`);
  }));
}

// The bounding boxes of the flow's cards for `steps`, each checked inside the viewport.
async function assertInViewport(page, steps, what) {
  const { width, height } = page.viewportSize();
  for (const step of steps) {
    const box = await page.locator(`${FLOW} [data-card="${step}"]`).first().boundingBox();
    assert.ok(box, `${what}: ${step} shown`);
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
      `${what}: ${step} at ${JSON.stringify(box)} is outside ${width} × ${height}`);
  }
}

test('every step of two-words and three-tokens fits in 1280 × 800, and X, A, O of it-animal do', async () => {
  for (const [preset, lang, scheme] of [['two-words', 'en', 'light'], ['three-tokens', 'zh', 'dark']]) {
    const { page, problems } = await flow(`?lang=${lang}#preset=${preset}`, { colorScheme: scheme, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
    await ready(page);
    const steps = await page.$$eval(`${FLOW} [data-card]`, (cards) => cards.map((c) => c.dataset.card));
    assert.deepEqual(steps, ['x', 'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'final']);
    await assertInViewport(page, steps, `${preset} ${lang} ${scheme}`);
    await page.screenshot({ path: join(artifacts, `flow-${preset}-${lang}-${scheme}-1280.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  }
  const { page } = await flow('#preset=it-animal');
  await ready(page);
  await assertInViewport(page, ['x', 'weights', 'output'], 'it-animal');
  await page.screenshot({ path: join(artifacts, 'flow-it-animal-en-light-1280.png') });
  await page.close();
});

test('at 375 px every card stays within the width, in both languages and themes', async () => {
  for (const [lang, scheme] of [['en', 'dark'], ['zh', 'light']]) {
    const { page, problems } = await flow(`?lang=${lang}#preset=three-tokens`, { width: 375, height: 800, colorScheme: scheme });
    await ready(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `sideways scroll of ${overflow} px`);
    for (const card of await page.$$(`${FLOW} [data-card]`)) {
      const box = await card.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375.5, `card at ${JSON.stringify(box)}`);
    }
    await page.screenshot({ path: join(artifacts, `flow-three-tokens-${lang}-${scheme}-375.png`), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('every preset\'s flow shows the reference numbers', async () => {
  const { page, problems } = await flow('#preset=two-words');
  await ready(page);
  for (const name of Object.keys(PRESETS)) {
    await page.selectOption('#preset', name);
    await page.waitForFunction((n) => location.hash === `#preset=${n}`, name);
    await ready(page);
    const config = PRESETS[name]();
    const ref = referenceAttention(config);
    assertClose(await flowMatrix(page, 'q'), ref.q, `${name} q`);
    // The flow shows the selected head (the first).
    for (const step of ['scores', 'scaled', 'masked', 'weights', 'output']) assertClose(await flowMatrix(page, step), ref.heads[0][step], `${name} ${step}`);
    assertClose(await flowMatrix(page, 'final'), ref.final, `${name} final`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('cells are coloured by value; masked cells are drawn apart from a real zero', async () => {
  const { page } = await flow('#preset=causal');
  await ready(page);
  const colours = await page.$$eval(`${FLOW} table[data-step="weights"] td`, (tds) => tds.map((td) => ({
    value: Number(td.dataset.value), masked: td.classList.contains('masked-cell'), bg: getComputedStyle(td).backgroundImage !== 'none' ? getComputedStyle(td).backgroundImage : getComputedStyle(td).backgroundColor,
  })));
  const kept = colours.filter((c) => !c.masked);
  const blocked = colours.filter((c) => c.masked);
  assert.ok(blocked.length === 10, `10 blocked keys in a 5-token causal mask, got ${blocked.length}`);
  assert.ok(blocked.every((c) => c.value === 0 && c.bg.includes('gradient')), 'a blocked weight is hatched');
  // Different values, different colours; the largest weight is the most saturated.
  const distinct = new Set(kept.map((c) => c.bg));
  assert.ok(distinct.size > kept.length / 2, `${distinct.size} colours for ${kept.length} values`);
  const max = kept.reduce((a, b) => (b.value > a.value ? b : a));
  const min = kept.reduce((a, b) => (b.value < a.value ? b : a));
  assert.notEqual(max.bg, min.bg);
  // A real zero is not hatched: the masked step of another example has signed values only.
  const scaled = await page.$$eval(`${FLOW} table[data-step="masked"] td`, (tds) => tds.map((td) => [td.textContent, td.classList.contains('masked-cell')]));
  assert.ok(scaled.filter(([, m]) => m).every(([t]) => t === '−∞'), 'blocked scores read −∞');
  await page.close();
});

test('selecting a cell lights its sources and dependents in every step, and explains it', async () => {
  const { page } = await flow('#preset=three-tokens');
  await ready(page);
  await page.click(`${FLOW} table[data-step="scores"] td[data-row="1"][data-col="2"]`);
  const selected = await page.$$eval(`${FLOW} td[aria-selected="true"]`, (tds) => tds.map((td) => `${td.closest('table').dataset.step} ${td.dataset.row},${td.dataset.col}`));
  assert.deepEqual(selected, ['scores 1,2']);
  const related = await page.$$eval(`${FLOW} td[data-related]`, (tds) => tds.map((td) => `${td.closest('table').dataset.step}:${td.dataset.related}:${td.dataset.row},${td.dataset.col}`));
  for (const want of ['q:source:1,0', 'k:source:2,1', 'x:source:1,0', 'scaled:dependent:1,2', 'weights:dependent:1,0', 'output:dependent:1,1', 'final:dependent:1,0']) {
    assert.ok(related.includes(want), `${want} in ${related.join(' ')}`);
  }
  assert.ok(!related.some((r) => r.startsWith('weights') && r.endsWith(':0,0')), 'row 1 of the weights is not related to score (2, 3)');
  const bar = await page.textContent('.selection-bar');
  assert.match(bar, /q₂·k₃ = 0×1 \+ 1×1 = 1/);
  // The keyboard moves the selection too.
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.querySelector('[data-view="flow"] td[aria-selected="true"]')?.dataset.col === '1');
  await page.close();
});

test('Step and Back walk the computation; the selected row travels with it', async () => {
  const { page } = await flow('#preset=three-tokens', { reducedMotion: 'reduce' });
  await ready(page);
  await page.click(`${FLOW} table[data-step="x"] td[data-row="2"][data-col="0"]`);
  const step = page.getByRole('button', { name: 'Next step' });
  const back = page.getByRole('button', { name: 'Previous step' });
  // The DOM follows a click on the next frame: wait for each card, then check it is the only one.
  const current = async (want) => {
    await page.waitForSelector(`${FLOW} .flow-card.is-current[data-card="${want}"]`);
    assert.deepEqual(await page.$$eval(`${FLOW} .flow-card.is-current`, (cards) => cards.map((c) => c.dataset.card)), [want]);
  };
  await step.click();
  await current('x');
  for (const want of ['q', 'k', 'v', 'scores']) {
    await step.click();
    await current(want);
  }
  assert.equal(await page.$eval(`${FLOW} td[aria-selected="true"]`, (td) => td.closest('table').dataset.step + td.dataset.row), 'scores2');
  assert.match(await page.textContent('.selection-bar'), /S = Q·Kᵀ: every query against every key/);
  assert.match(await page.textContent('.stage-count'), /Step 5 of 10/);
  await back.click();
  await current('v');
  assert.ok(await page.getByRole('button', { name: 'Play' }).isVisible());
  await page.close();
});

test('undo and redo: Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y and the buttons, over edits and option changes', async () => {
  const { page } = await flow('#preset=two-words');
  await ready(page);
  const x = `${FLOW} table[data-step="x"] td[data-row="0"][data-col="0"]`;
  await page.click(x);
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.value === '5', x);
  const edited = await flowMatrix(page, 'weights');
  await page.keyboard.press('Control+z');
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.value === '1', x);
  assertClose(await flowMatrix(page, 'weights'), referenceAttention(PRESETS['two-words']()).heads[0].weights, 'after undo');
  await page.keyboard.press('Control+Shift+z');
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.value === '5', x);
  assertClose(await flowMatrix(page, 'weights'), edited, 'after redo');
  // An option change, undone by the button.
  await page.getByRole('button', { name: 'Sizes and options' }).click();
  await page.selectOption('#ctl-mask', 'causal');
  await page.waitForFunction(() => document.querySelector('[data-view="flow"] td.masked-cell'));
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.waitForFunction(() => !document.querySelector('[data-view="flow"] td.masked-cell'));
  await page.keyboard.press('Control+y');
  await page.waitForFunction(() => document.querySelector('[data-view="flow"] td.masked-cell'));
  // A letter typed into a number cell says why it was not taken.
  await page.click(x);
  await page.keyboard.press('q');
  assert.match(await page.textContent('[role="alert"]'), /not part of a number/);
  await page.close();
});

test('the two-word story: predict, then the answer with feedback; the article view shares the selection', async () => {
  const { page } = await flow('#preset=two-words');
  await ready(page);
  assert.match(await page.textContent('.story'), /Which word does “word1” attend to most\?/);
  assert.ok(await page.$eval(`${FLOW} [data-card="weights"]`, (el) => el.classList.contains('is-hidden-answer')));
  await page.click('.story-ask button:has-text("word1")');
  await page.waitForSelector('.story-result');
  await page.waitForSelector(`${FLOW} [data-card="weights"]:not(.is-hidden-answer) td[aria-selected="true"]`);
  assert.match(await page.textContent('.story-result'), /Not quite: “word2” gets the largest weight, 0\.986; “word1” gets 0\.014/);
  assert.ok(!(await page.$eval(`${FLOW} [data-card="weights"]`, (el) => el.classList.contains('is-hidden-answer'))));
  assert.equal(await page.$eval(`${FLOW} td[aria-selected="true"]`, (td) => `${td.closest('table').dataset.step} ${td.dataset.row},${td.dataset.col}`), 'weights 0,1');
  await page.getByRole('button', { name: 'Article' }).click();
  await page.waitForSelector('.sections td[aria-selected="true"]');
  assert.equal(await page.isVisible(FLOW), false, 'one view at a time');
  assert.equal(await page.$eval('.sections td[aria-selected="true"]', (td) => `${td.closest('table').dataset.step} ${td.dataset.row},${td.dataset.col}`), 'weights 0,1');
  await page.close();
});
