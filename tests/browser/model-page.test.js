// The "Attention that learned" section (web/ui/model-section.js, docs/model.md): a typed
// held-out sentence in English and in Chinese shows the attention weights loadModel().run()
// gives in Node (same module, same weights) and the right noun; an unknown word shows the
// message and its nearest words, keeps what was typed, and a suggestion replaces the word;
// a contrast pair keeps the learned weights and changes the attention; retraining in the
// worker runs to the end with a loss curve, pauses, and the page then uses its weights and
// can go back; axe-core finds nothing serious; screenshots at 1280 and 375 px, en and zh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, root, artifacts } from './browser.js';
import { loadModel } from '../../web/model.js';
import { fmt } from '../../web/lib/format.js';

const heldout = JSON.parse(readFileSync(join(root, 'web/data/pronouns-heldout.json'), 'utf8'));
const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
const model = await loadModel();

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

// The section loads its model when it comes near the screen.
async function ready(page) {
  await page.waitForSelector('.model-section');
  await page.evaluate(() => document.querySelector('.model-section').scrollIntoView());
  await page.waitForSelector('.model-section .model-head canvas');
}

// Every head's weights as the section's number tables hold them: [layer][head] -> flat list.
const shownWeights = (page) => page.$$eval('.model-section table.model-weights-table', (tables) => {
  const out = [];
  for (const t of tables) {
    const { layer, head } = t.dataset;
    (out[layer] ??= [])[head] = [...t.querySelectorAll('td')].map((td) => Number(td.dataset.value));
  }
  return out;
});

async function typeAndCheck(page, entry, text) {
  await page.fill('#model-sentence', text);
  await page.click('#model-run');
  const want = model.run(entry.sentence, { lang: entry.lang });
  await page.waitForFunction((word) => document.querySelector('.model-answer')?.dataset.word === word, want.tokens[want.referent]);
  assert.equal(want.referent, entry.referent, 'the model itself is right on this sentence');
  assert.equal(await page.getAttribute('.model-answer', 'data-referent'), String(entry.referent));
  const shown = await shownWeights(page);
  assert.equal(shown.length, want.layers.length);
  want.layers.forEach((layer, l) => layer.heads.forEach((hd, k) => {
    // the same wasm build and weights in Node and in the page: equal to the last bit
    assert.deepEqual(shown[l][k], Array.from(hd.weights.data), `layer ${l} head ${k}`);
  }));
  // the pronoun's row is the highlighted one in every table
  const rows = await page.$$eval('.model-section table.model-weights-table', (ts) => ts.map((t) => [...t.querySelectorAll('tbody tr')].findIndex((tr) => tr.classList.contains('pronoun-row'))));
  assert.deepEqual(rows, rows.map(() => want.pronoun));
  return want;
}

// Clicks cell (r, c) of a head's heatmap canvas.
async function clickCell(page, layer, head, r, c) {
  const canvas = page.locator(`.model-section .heatmap-canvas[data-layer="${layer}"][data-head="${head}"] canvas`);
  await canvas.scrollIntoViewIfNeeded();
  const geometry = await canvas.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return { x: box.left, y: box.top, w: box.width, h: box.height };
  });
  // The canvas's layout (heatmap-canvas.js): cells fill the right and bottom edge, 2 px margin.
  const n = await page.$$eval(`.model-section table.model-weights-table[data-layer="${layer}"][data-head="${head}"] tbody tr`, (trs) => trs.length);
  const cell = Number(await canvas.evaluate((el) => el.closest('.heatmap-canvas').dataset.cell));
  const left = geometry.w - 2 - n * cell;
  const top = geometry.h - 2 - n * cell;
  await canvas.click({ position: { x: left + (c + 0.5) * cell, y: top + (r + 0.5) * cell } });
}

test('an English held-out sentence: the weights run() gives, the right noun, every cell explained', async () => {
  const { page, problems } = await openPage(env, '', { width: 1280, height: 900 });
  await ready(page);
  const entry = heldout.find((e) => e.lang === 'en' && e.sentence.startsWith('the cow') && e.referent !== 1);
  const want = await typeAndCheck(page, entry, entry.sentence.replace('the cow', 'The cow') + '.');
  assert.match(await page.textContent('.model-answer'), new RegExp(`“it” refers to “${want.tokens[want.referent]}”`));
  assert.match(await page.textContent('.model-answer'), /confidence of the readout: \d+/);
  await clickCell(page, 1, 0, want.pronoun, want.referent);
  await page.waitForFunction(() => document.querySelector('.model-cell').dataset.layer === '1');
  const note = await page.textContent('.model-cell');
  const w = want.layers[1].heads[0].weights.data[want.pronoun * want.tokens.length + want.referent];
  assert.ok(note.startsWith(`Layer 2, head 1: “it” → “${want.tokens[want.referent]}” = ${fmt(w, 4)}.`), note);
  assert.equal(await page.getAttribute('.model-cell', 'data-row'), String(want.pronoun));
  assert.equal(await page.getAttribute('.model-cell', 'data-col'), String(want.referent));
  assert.match(note, /pronoun’s row/);
  // the honest numbers: the file's figures, and the supervised attention said plainly
  const figures = await page.textContent('.model-figures');
  const a = model.accuracy.heldout;
  assert.ok(figures.includes(`${a.readout} of ${a.sentences}`) && figures.includes(`${a.contrastPairsBoth} of ${a.contrastPairs}`), figures);
  assert.match(figures, /the attention was supervised/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a Chinese held-out sentence typed without spaces: the same weights, the right noun, no English', async () => {
  const { page, problems } = await openPage(env, '?lang=zh', { width: 1280, height: 900, locale: 'zh-CN' });
  await ready(page);
  assert.equal(await page.inputValue('#model-lang'), 'zh');
  // sheep + river is a held-out noun pair; this one's answer is the river
  const entry = heldout.find((e) => e.lang === 'zh' && e.sentence.split(' ')[e.referent] === '河');
  const want = await typeAndCheck(page, entry, `${entry.sentence.replaceAll(' ', '')}。`);
  assert.ok((await page.textContent('.model-answer')).includes(`“它”指的是“${want.tokens[want.referent]}”`));
  // no English UI text: what is left after the formula names, commands and file names
  const text = await page.$eval('.model-section', (el) => el.innerText);
  const rest = text.replace(/W_Q|W_K|npm run train:model|docs\/model\.md|Transformer|Adam/g, '');
  assert.doesNotMatch(rest, /[A-Za-z]{3,}/, rest.match(/.{0,20}[A-Za-z]{3,}.{0,20}/)?.[0]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('an unknown word: the message, the nearest words as buttons, the typed text kept; a suggestion puts the word in place', async () => {
  const { page, problems } = await openPage(env, '', { width: 1280, height: 900 });
  await ready(page);
  const typed = 'The horse did not cross the stret because it was too tired!';
  await page.fill('#model-sentence', typed);
  await page.click('#model-run');
  await page.waitForSelector('.model-message:not([hidden])');
  assert.match(await page.textContent('.model-message'), /does not know the word “stret”/);
  const suggestions = await page.$$eval('.model-suggestion', (bs) => bs.map((b) => b.textContent));
  assert.ok(suggestions.includes('street'), suggestions.join());
  assert.equal(await page.inputValue('#model-sentence'), typed);
  assert.equal(await page.getAttribute('#model-sentence', 'aria-invalid'), 'true');
  await page.click('.model-suggestion >> text=street');
  await page.waitForSelector('.model-message', { state: 'hidden' });
  assert.equal(await page.inputValue('#model-sentence'), 'The horse did not cross the street because it was too tired!');
  await page.waitForFunction(() => document.querySelector('.model-answer').dataset.word === 'horse');
  // a sentence without the pronoun says so, in the page's words
  await page.fill('#model-sentence', 'the horse did not cross the street');
  await page.click('#model-run');
  await page.waitForSelector('.model-message:not([hidden])');
  assert.match(await page.textContent('.model-message'), /needs the pronoun “it”/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a contrast pair one click apart: the learned weights unchanged, the attention changed', async () => {
  const { page, problems } = await openPage(env, '', { width: 1280, height: 900 });
  await ready(page);
  await page.click('.model-example >> nth=0');
  await page.waitForSelector('#model-contrast');
  const pixels = () => page.$$eval('.model-matrix canvas', (cs) => cs.map((c) => c.toDataURL()));
  await page.waitForTimeout(100); // the heatmaps are drawn again on the next frame
  const learnedBefore = await pixels();
  const attentionBefore = await shownWeights(page);
  const answerBefore = await page.getAttribute('.model-answer', 'data-word');
  await page.click('#model-contrast');
  await page.waitForFunction((old) => document.querySelector('.model-answer').dataset.word !== old, answerBefore);
  await page.waitForTimeout(100);
  assert.deepEqual(await pixels(), learnedBefore, 'W_Q and W_K are drawn the same');
  const weights = await page.$eval('.model-compare-weights', (p) => ({ ...p.dataset, text: p.textContent }));
  assert.equal(weights.equal, weights.total);
  assert.equal(weights.total, String(2 * 4 * 24 * 24));
  assert.match(weights.text, /unchanged/);
  const attention = await page.$eval('.model-compare-attention', (p) => ({ ...p.dataset }));
  assert.ok(Number(attention.changed) > 0);
  assert.notDeepEqual(await shownWeights(page), attentionBefore);
  // and back again: the pair's first sentence
  await page.click('#model-contrast');
  await page.waitForFunction((old) => document.querySelector('.model-answer').dataset.word === old, answerBefore);
  assert.deepEqual(await shownWeights(page), attentionBefore);
  // another theme draws the heatmaps again in its colours
  await page.selectOption('#theme', 'dark');
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  assert.notDeepEqual(await pixels(), learnedBefore);
  assert.deepEqual(problems, []);
  await page.close();
});

test('retraining in a worker: progress, Pause and Resume, a loss curve, the held-out figures; the page uses the new weights and goes back', async () => {
  const { page, problems } = await openPage(env, '', { width: 1280, height: 900 });
  await ready(page);
  await page.waitForTimeout(100);
  const shipped = await page.$$eval('.model-matrix canvas', (cs) => cs.map((c) => c.toDataURL()));
  const shippedAttention = await shownWeights(page);
  await page.selectOption('#model-epochs', '1'); // 200 batches: a few seconds
  await page.click('#model-train');
  await page.waitForFunction(() => Number(document.querySelector('#model-progress').value) >= 20, null, { timeout: 30000 });
  await page.click('#model-pause');
  await page.waitForTimeout(300); // the chunk in flight lands
  const paused = await page.$eval('#model-progress', (p) => p.value);
  await page.waitForTimeout(700);
  assert.equal(await page.$eval('#model-progress', (p) => p.value), paused, 'no progress while paused');
  assert.match(await page.textContent('.model-train-status'), /Paused at batch \d+ of 200/);
  await page.click('#model-resume');
  await page.waitForFunction(() => /^Done in/.test(document.querySelector('.model-train-status').textContent), null, { timeout: 60000 });
  const points = Number(await page.getAttribute('.model-loss', 'data-points'));
  assert.ok(points >= 20, `${points} points`);
  const curve = await page.$eval('.model-loss', (svg) => ({ first: Number(svg.dataset.first), last: Number(svg.dataset.last) }));
  assert.ok(curve.last < curve.first, `loss ${curve.first} -> ${curve.last}`);
  assert.match(await page.textContent('.model-train-status'), /\d+ of 288 held-out sentences right/);
  assert.match(await page.textContent('.model-figures'), /The weights you trained here \(epochs: 1,/);
  assert.equal(await page.getAttribute('.model-using', 'data-using'), 'retrained');
  await page.waitForTimeout(100);
  assert.notDeepEqual(await page.$$eval('.model-matrix canvas', (cs) => cs.map((c) => c.toDataURL())), shipped);
  assert.notDeepEqual(await shownWeights(page), shippedAttention);
  // a change of the page's language rebuilds the section in Chinese, on the weights trained here
  await page.selectOption('#lang', 'zh');
  await page.waitForFunction(() => document.querySelector('.model-section h2').textContent === '学会的注意力');
  await page.waitForSelector('.model-using[data-using="retrained"]');
  assert.equal(await page.textContent('.model-using'), '本页使用你训练的权重。');
  assert.match(await page.textContent('.model-figures'), /你在这里训练的权重/);
  await page.click('#model-use-shipped');
  await page.waitForFunction(() => document.querySelector('.model-using').dataset.using === 'shipped');
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.querySelector('.model-section h2').textContent === 'Attention that learned');
  await page.waitForSelector('.model-section .model-head canvas');
  await page.fill('#model-sentence', await page.$eval('.model-example', (b) => b.textContent));
  await page.click('#model-run');
  await page.waitForTimeout(100);
  assert.deepEqual(await page.$$eval('.model-matrix canvas', (cs) => cs.map((c) => c.toDataURL())), shipped);
  assert.deepEqual(await shownWeights(page), shippedAttention);
  assert.match(await page.textContent('.model-figures'), /The shipped weights/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('axe-core finds nothing serious in the section (en light, zh dark); phones: 44 px controls, no sideways scroll; screenshots', async () => {
  for (const [lang, colorScheme] of [['en', 'light'], ['zh', 'dark']]) {
    const context = await env.browser.newContext({ bypassCSP: true, colorScheme, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${env.url}?lang=${lang}`);
    await ready(page);
    await page.click('#model-run');
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => (await window.axe.run('.model-section', { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`));
    assert.deepEqual(violations, [], `${lang} ${colorScheme}`);
    await context.close();
  }
  for (const lang of ['en', 'zh']) {
    for (const width of [1280, 375]) {
      const { page, problems } = await openPage(env, `?lang=${lang}`, { width, height: 1400, hasTouch: width < 600 });
      await ready(page);
      await page.evaluate(() => document.querySelector('.model-section').scrollIntoView());
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(artifacts, `model-${lang}-${width}.png`) });
      if (width === 375) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${lang}: the page scrolls sideways by ${overflow}px`);
        const small = await page.$$eval('.model-section button, .model-section select, .model-section input',
          (els) => els.filter((e) => e.offsetParent !== null).map((e) => [e.id || e.textContent.trim(), e.getBoundingClientRect().height]).filter(([, h]) => h < 44));
        assert.deepEqual(small, [], lang);
      }
      assert.deepEqual(problems, []);
      await page.close();
    }
  }
});
