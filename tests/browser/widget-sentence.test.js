// The one-file widget's sentence="…" (docs/embedding.md, issue 17): the trained tiny model's
// attention for an author's sentence, in English and in Chinese, inside the widget's shadow
// root under the strict CSP. The weights shown are the ones loadModel().run() gives in
// Node (same wasm build, same weights: equal to the last bit); the answer is the right
// noun; a clicked cell is explained; an unknown word gets the model's message with the
// nearest known words, keeps what the reader typed, and the widget goes on working; the
// author's text is never HTML; the snippet of docs/embedding.md runs as it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, root, artifacts } from './browser.js';
import { loadModel } from '../../web/model.js';
import { fmt } from '../../web/lib/format.js';
import { CSP } from '../../scripts/serve.js';
import { sentenceSnippet } from '../../web/lib/embed.js';

const model = await loadModel();

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

// Every head's weights as a widget's number tables hold them: [layer][head] -> flat list.
const shownWeights = (page, host) => page.$$eval(`${host} table.model-weights-table`, (tables) => {
  const out = [];
  for (const t of tables) {
    const { layer, head } = t.dataset;
    (out[layer] ??= [])[head] = [...t.querySelectorAll('td')].map((td) => Number(td.dataset.value));
  }
  return out;
});

// The widget `host` shows exactly what run(text) gives in Node, and says the right noun.
async function checkShows(page, host, text, lang) {
  const want = model.run(text, { lang });
  const word = want.tokens[want.referent];
  await page.waitForFunction(([id, w]) => document.querySelector(id)?.shadowRoot.querySelector('.model-answer')?.dataset.word === w, [host, word]);
  assert.equal(await page.getAttribute(`${host} .model-answer`, 'data-referent'), String(want.referent));
  const shown = await shownWeights(page, host);
  assert.equal(shown.length, want.layers.length);
  want.layers.forEach((layer, l) => {
    assert.equal(shown[l].length, layer.heads.length);
    layer.heads.forEach((hd, k) => assert.deepEqual(shown[l][k], Array.from(hd.weights.data), `${host} layer ${l} head ${k}`));
  });
  const rows = await page.$$eval(`${host} table.model-weights-table`, (ts) => ts.map((t) => [...t.querySelectorAll('tbody tr')].findIndex((tr) => tr.classList.contains('pronoun-row'))));
  assert.deepEqual(rows, rows.map(() => want.pronoun));
  assert.equal(await page.locator(`${host} .model-head canvas`).count(), 4, 'two layers × two heads, as heatmaps');
  const result = await page.$eval(host, (w) => ({ tokens: w.result.tokens, referent: w.result.referent }));
  assert.deepEqual(result, { tokens: want.tokens, referent: want.referent });
  return want;
}

// Clicks cell (r, c) of a head's heatmap canvas (its layout: web/ui/heatmap-canvas.js).
async function clickCell(page, host, layer, head, r, c, n) {
  const canvas = page.locator(`${host} .heatmap-canvas[data-layer="${layer}"][data-head="${head}"] canvas`);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const cell = Number(await canvas.evaluate((el) => el.closest('.heatmap-canvas').dataset.cell));
  await canvas.click({ position: { x: box.width - 2 - n * cell + (c + 0.5) * cell, y: box.height - 2 - n * cell + (r + 0.5) * cell } });
}

test('sentence="…" in English and in Chinese: the weights run() gives, the right noun, a cell explained', async () => {
  const { page, problems } = await openPage(env, 'fixtures/sentence-host.html', { width: 900, height: 900, view: null });
  const en = await checkShows(page, '#en', 'The animal did not cross the street because it was too tired.', 'en');
  assert.equal(en.tokens[en.referent], 'animal');
  assert.match(await page.textContent('#en .model-answer-main'), /“it” refers to “animal”/);
  assert.equal(await page.inputValue('#en input.model-input'), 'The animal did not cross the street because it was too tired.');

  await page.locator('#zh').scrollIntoViewIfNeeded();
  const zh = await checkShows(page, '#zh', '狗没有穿过河，因为它太宽了。', 'zh');
  assert.equal(zh.tokens[zh.referent], '河');
  assert.match(await page.textContent('#zh .model-answer-main'), /“它”指的是“河”/);
  assert.equal(await page.$eval('#zh', (w) => w.shadowRoot.querySelector('.ap-root').dataset.theme), 'dark');

  // A click on a cell explains it under the heatmaps, as in the page's section.
  const n = en.tokens.length;
  await page.locator('#en').scrollIntoViewIfNeeded();
  await clickCell(page, '#en', 1, 0, en.pronoun, 1, n);
  const w = en.layers[1].heads[0].weights.data[en.pronoun * n + 1];
  const note = await page.textContent('#en .model-cell');
  assert.ok(note.startsWith(`Layer 2, head 1: “it” → “animal” = ${fmt(w, 4)}.`), note);
  assert.match(note, /pronoun’s row/);
  assert.deepEqual(await page.$eval('#en .model-cell', (p) => ({ ...p.dataset })), { layer: '1', head: '0', row: String(en.pronoun), col: '1' });

  // Read-only: the sentence as text, no input; the author's markup stays text everywhere.
  const bad = '#bad';
  await page.locator(bad).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${bad} .model-message:not([hidden])`);
  assert.equal(await page.locator(`${bad} input`).count(), 0);
  assert.equal(await page.textContent(`${bad} .model-sentence-text`), 'The <img src=x onerror=alert(1)> did not cross the street because it was too tired');
  assert.match(await page.textContent(`${bad} .model-message`), /does not know the word “<img”/);
  assert.match(await page.textContent(`${bad} .model-nearest`), /^Nearest words it knows: [^,]+, [^,]+, [^,]+\.$/);
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('attention-playground')].reduce((k, w) => k + w.shadowRoot.querySelectorAll('img').length, 0)), 0);
  assert.deepEqual(problems, [], 'no console errors, CSP violations or failed requests');
  await page.screenshot({ path: join(artifacts, 'widget-sentence.png'), fullPage: true });
  await page.close();
});

test('an unknown word: the message names it and the nearest words, keeps the text, and the widget goes on', async () => {
  const { page, problems } = await openPage(env, 'fixtures/sentence-host.html', { width: 900, height: 900, view: null });
  const first = await checkShows(page, '#en', 'The animal did not cross the street because it was too tired.', 'en');
  await page.evaluate(() => {
    window.inputs = 0;
    document.querySelector('#en').addEventListener('input', () => { window.inputs++; });
  });
  const typed = 'The donkey did not cross the street because it was too wide';
  await page.fill('#en input.model-input', typed);
  await page.click('#en button[type="submit"]');
  await page.waitForSelector('#en .model-message:not([hidden])');
  const nearest = (() => {
    try {
      model.run(typed, { lang: 'en' });
    } catch (err) {
      return err.nearest;
    }
    return null;
  })();
  assert.equal(nearest.length, 3);
  assert.match(await page.textContent('#en .model-message'), /does not know the word “donkey”/);
  assert.deepEqual(await page.$$eval('#en .model-suggestion', (bs) => bs.map((b) => b.textContent)), nearest);
  assert.equal(await page.inputValue('#en input.model-input'), typed, 'what the reader typed stays');
  assert.equal(await page.getAttribute('#en input.model-input', 'aria-invalid'), 'true');
  // The last good sentence's pictures stay; nothing was sent out.
  assert.deepEqual((await shownWeights(page, '#en'))[1][0], Array.from(first.layers[1].heads[0].weights.data));
  assert.equal(await page.evaluate(() => window.inputs), 0);
  assert.equal(await page.$eval('#en', (w) => w.sentence), typed);

  // A suggestion goes in place of the word, in what was typed.
  await page.click(`#en .model-suggestion >> text="${nearest[0]}"`);
  assert.equal(await page.inputValue('#en input.model-input'), typed.replace('donkey', nearest[0]));

  // Corrected, the widget shows the new sentence: the street, this time.
  const fixed = 'The animal did not cross the street because it was too wide';
  await page.fill('#en input.model-input', fixed);
  await page.press('#en input.model-input', 'Enter');
  const second = await checkShows(page, '#en', fixed, 'en');
  assert.equal(second.tokens[second.referent], 'street');
  assert.equal(await page.isHidden('#en .model-message'), true);
  assert.equal(await page.getAttribute('#en input.model-input', 'aria-invalid'), null);
  assert.ok(await page.evaluate(() => window.inputs) >= 1, 'a bubbling input event for the reader\'s sentence');

  // The author's attribute changes the sentence again (and the other widgets are untouched).
  await page.evaluate(() => document.querySelector('#en').setAttribute('sentence', 'the cat avoided the river because it was too hungry'));
  const third = await checkShows(page, '#en', 'the cat avoided the river because it was too hungry', 'en');
  assert.equal(third.tokens[third.referent], 'cat');
  await checkShows(page, '#zh', '狗没有穿过河，因为它太宽了。', 'zh');
  assert.equal(await page.$eval('#en', (w) => [w.config, w.trace]).then(JSON.stringify), '[null,null]');
  assert.deepEqual(problems, []);
  await page.close();
});

test('docs/embedding.md: the sentence snippet runs as it is, under the strict CSP', async (t) => {
  const docs = readFileSync(join(root, 'docs/embedding.md'), 'utf8');
  const snippet = /<!-- example: figure-sentence -->\n```html\n([\s\S]*?)\n```/.exec(docs)?.[1];
  assert.ok(snippet, 'docs/embedding.md has the example "figure-sentence"');
  const sentence = /sentence="([^"]*)"/.exec(snippet)[1];
  const { page, problems } = await openPage(env, 'fixtures/plain-host.html', { width: 700, height: 900, view: null });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>example</title><link rel="icon" href="favicon.svg"><script src="attention-playground.js" defer></script></head><body>${snippet}</body></html>`;
  await page.route(`${env.url}article.html`, (route) => route.fulfill({ contentType: 'text/html', headers: { 'Content-Security-Policy': CSP }, body: html }));
  await page.goto(`${env.url}article.html`);
  const want = await checkShows(page, 'attention-playground', sentence, undefined);
  assert.equal(want.tokens[want.referent], 'animal');
  const size = await page.$eval('attention-playground', (w) => ({ width: w.shadowRoot.querySelector('.ap-root').scrollWidth, height: w.getBoundingClientRect().height }));
  t.diagnostic(`the snippet at 700 px (body margin 8 px): ${Math.round(size.height)} px tall`);
  assert.ok(size.width <= 700 - 16, `no sideways scroll in a 700 px column (${size.width} px)`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a phone (375 px): no sideways scroll, and axe-core finds nothing serious (light English, dark Chinese)', async () => {
  const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // axe is injected as a script, which the strict CSP would refuse: this context bypasses it.
  const context = await env.browser.newContext({ bypassCSP: true, viewport: { width: 375, height: 800 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${env.url}fixtures/sentence-host.html`);
  await checkShows(page, '#en', 'The animal did not cross the street because it was too tired.', 'en');
  await checkShows(page, '#zh', '狗没有穿过河，因为它太宽了。', 'zh');
  await page.waitForSelector('#bad .model-message:not([hidden])');
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    widgets: [...document.querySelectorAll('attention-playground')].map((w) => {
      const box = w.shadowRoot.querySelector('.ap-root');
      return box.scrollWidth - box.clientWidth;
    }),
  }));
  assert.deepEqual(overflow, { page: 0, widgets: [0, 0, 0] });
  assert.ok(await page.$eval('#en input.model-input', (el) => el.getBoundingClientRect().height) >= 44, '44 px to tap the field');
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`));
  assert.deepEqual(violations, []);
  await page.screenshot({ path: join(artifacts, 'widget-sentence-375.png'), fullPage: true });
  await context.close();
});

test('the page\'s "Embed this sentence": its snippet, pasted into an article, shows the same sentence', async () => {
  const { page, problems } = await openPage(env, '', { width: 1280, height: 900 });
  await page.waitForSelector('.model-section');
  await page.evaluate(() => document.querySelector('.model-section').scrollIntoView());
  await page.waitForSelector('.model-section .model-head canvas');
  const typed = 'The dog avoided the bridge because it was too long.';
  await page.fill('#model-sentence', typed);
  await page.click('#model-run');
  await page.waitForFunction(() => document.querySelector('.model-answer')?.dataset.word === 'bridge');
  await page.click('.model-embed summary');
  const snippet = await page.inputValue('#model-embed-code');
  assert.equal(snippet, sentenceSnippet({ sentence: typed, lang: 'en', scriptSrc: `${env.url}attention-playground.js` }));
  // An unknown word leaves the snippet of the last sentence shown.
  await page.fill('#model-sentence', 'the dog avoided the bridje because it was too long');
  await page.click('#model-run');
  await page.waitForSelector('.model-message:not([hidden])');
  assert.equal(await page.inputValue('#model-embed-code'), snippet);
  assert.deepEqual(problems, []);

  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>example</title><link rel="icon" href="favicon.svg"></head><body>${snippet}</body></html>`;
  await page.route(`${env.url}article.html`, (route) => route.fulfill({ contentType: 'text/html', headers: { 'Content-Security-Policy': CSP }, body: html }));
  await page.goto(`${env.url}article.html`);
  const want = await checkShows(page, 'attention-playground', typed, 'en');
  assert.equal(want.tokens[want.referent], 'bridge');
  assert.equal(await page.inputValue('attention-playground input.model-input'), typed);
  assert.deepEqual(problems, []);
  await page.close();
});
