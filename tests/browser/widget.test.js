// The one-file widget in articles: numbers inside shadow roots, immunity to the host's
// CSS, independence of widgets, strict CSP, file://, the iframe page, exports, the embed
// dialog and the article checker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, openPage, root, artifacts } from './browser.js';
import { referenceAttention } from '../reference.js';
import { PRESETS } from '../../web/lib/presets.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

// Playwright's CSS selectors pierce open shadow roots, as a reader's eyes do.
const cellTexts = (page, host, step) => page.$$eval(`${host} [data-step="${step}"] table.matrix td`, (tds) => tds.map((td) => td.textContent));
const cellValues = (page, host, step) => page.$$eval(`${host} [data-step="${step}"] table.matrix td`, (tds) => tds.map((td) => Number(td.dataset.value)));

test('the example article renders its three widgets with the right numbers, under the strict CSP', async () => {
  const { page, problems } = await openPage(env, 'examples/blog-post.html', { width: 900, height: 900 });
  await page.waitForSelector('#first [data-step="weights"] td');
  assert.deepEqual(await cellTexts(page, '#first', 'weights'), ['0.014', '0.986', '5.0e-5', '<1.000']);
  assert.deepEqual(await cellTexts(page, '#first', 'output'), ['2.972', '3.972', '3.000', '4.000']);
  // steps="scores,scaled,weights,output": exactly those, in that order
  const shown = await page.$$eval('#first [data-step]', (els) => [...new Set(els.map((e) => e.dataset.step))]);
  assert.deepEqual(shown, ['scores', 'scaled', 'weights', 'output']);
  // the widgets are in shadow roots
  assert.equal(await page.evaluate(() => document.querySelectorAll('td').length), 0);
  assert.ok(await page.evaluate(() => document.querySelector('#first').shadowRoot.querySelectorAll('td').length > 0));

  await page.locator('#second').scrollIntoViewIfNeeded();
  await page.waitForSelector('#second [data-step="output"] td');
  assert.deepEqual(await cellTexts(page, '#second', 'output'), ['2.97', '3.97', '3.00', '4.00']); // decimals="2"

  await page.locator('#third').scrollIntoViewIfNeeded();
  await page.waitForSelector('#third [data-step="weights"] td');
  const ref = referenceAttention(PRESETS.causal());
  const weights = await cellValues(page, '#third', 'weights');
  ref.heads[0].weights.flat().forEach((w, i) => assert.ok(Math.abs(weights[i] - w) < 1e-5, `weights[${i}]`));
  assert.equal(await page.locator('#third td input').count(), 0);
  assert.equal(await page.locator('#third table.matrix.editable').count(), 0); // readonly
  assert.ok(await page.locator('#first .block-tools').count() > 0);
  await page.evaluate(() => document.querySelector('#first').setAttribute('tools', 'none'));
  await page.waitForFunction(() => document.querySelector('#first').shadowRoot.querySelectorAll('.block-tools').length === 0);
  assert.deepEqual(problems, [], 'no console errors, CSP violations or failed requests');
  await page.screenshot({ path: join(artifacts, 'blog-post.png') });
  await page.close();
});

test('editing one widget changes it alone and fires input; .config and .trace follow', async () => {
  const { page } = await openPage(env, 'examples/blog-post.html', { width: 900, height: 900 });
  await page.locator('#second').scrollIntoViewIfNeeded();
  await page.waitForSelector('#second [data-step="x"] td');
  await page.waitForSelector('#first [data-step="weights"] td');
  await page.evaluate(() => {
    window.inputs = 0;
    document.addEventListener('input', (e) => { if (e.target.id === 'second') window.inputs++; });
  });
  const firstBefore = await cellValues(page, '#first', 'weights');
  await page.click('#second [data-step="x"] td[data-row="0"][data-col="0"]');
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#second').config.x[0][0] === 3);
  assert.equal(await page.evaluate(() => window.inputs), 1);
  const ref = referenceAttention({ ...PRESETS['two-words'](), x: [[3, 2], [3, 4]] });
  await page.waitForFunction(() => document.querySelector('#second').shadowRoot.querySelector('[data-step="weights"] td').dataset.value !== '0.014166038483381271');
  const got = await cellValues(page, '#second', 'weights');
  ref.heads[0].weights.flat().forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-5));
  const trace = await page.evaluate(() => Array.from(document.querySelector('#second').trace.final.data));
  ref.final.flat().forEach((w, i) => assert.ok(Math.abs(trace[i] - w) < 1e-5));
  assert.deepEqual(await cellValues(page, '#first', 'weights'), firstBefore);
  // attributes re-render: a new preset replaces the reader's edits
  await page.evaluate(() => document.querySelector('#second').setAttribute('preset', 'three-tokens'));
  await page.waitForFunction(() => document.querySelector('#second').config.x.length === 3);
  await page.close();
});

test("the host page's CSS neither hides nor restyles the widgets", async () => {
  const { page, problems } = await openPage(env, 'fixtures/hostile-host.html');
  await page.waitForSelector('#a [data-step="weights"] td');
  assert.ok(await page.locator('#a [data-step="weights"] td').first().isVisible());
  assert.equal(await page.locator('#host-table').isVisible(), false); // the rule does apply to the host's own table
  const style = await page.$eval('#a [data-step="weights"] td', (td) => ({ font: getComputedStyle(td).fontFamily, color: getComputedStyle(td).color }));
  assert.doesNotMatch(style.font, /cursive/);
  assert.notEqual(style.color, 'rgb(255, 0, 0)');
  await page.waitForSelector('#b [data-step="weights"] td');
  const dark = await page.$eval('#b [data-step="weights"] td', (td) => getComputedStyle(td).backgroundColor);
  assert.equal(dark, 'rgb(27, 30, 35)'); // theme="dark"
  assert.deepEqual(problems, []);
  await page.screenshot({ path: join(artifacts, 'hostile-host.png') });
  await page.close();
});

test('works from file:// with no server', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(join(root, 'tests/browser/fixtures/file-classic.html')).href);
  await page.waitForSelector('attention-playground [data-step="weights"] td');
  assert.deepEqual(await cellTexts(page, 'attention-playground', 'output'), ['2.972', '3.972', '3.000', '4.000']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('embed.html shows one widget from its hash, and bad hashes give a message', async () => {
  const { page, problems } = await openPage(env, 'embed.html#preset=two-words&steps=weights&lang=zh&decimals=2');
  await page.waitForSelector('#widget [data-step="weights"] td');
  assert.deepEqual(await cellTexts(page, '#widget', 'weights'), ['0.01', '0.99', '5.0e-5', '<1.00']);
  assert.match(await page.textContent('#widget h2'), /注意力权重/);
  await page.goto(`${env.url}embed.html#config=not-base64!!&steps=weights`);
  await page.reload();
  await page.waitForSelector('#widget [role="alert"]');
  assert.match(await page.textContent('#widget [role="alert"]'), /unknown field|config/);
  await page.goto(`${env.url}embed.html#preset=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E`);
  await page.reload();
  await page.waitForSelector('#widget [role="alert"]');
  assert.match(await page.textContent('#widget [role="alert"]'), /<img src=x/);
  assert.equal(await page.locator('#widget img').count(), 0);
  assert.deepEqual(problems.filter((p) => p.startsWith('dialog')), []);
  await page.close();
});

test('exports of two-words: CSV, Markdown, LaTeX, SVG and PNG', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  const panel = '[data-step="weights"] [data-head="0"]';
  await page.click(`${panel} details.export summary`);
  const text = async (format) => {
    await page.click(`${panel} button[data-format="${format}"]`);
    return page.inputValue(`${panel} textarea.export-text`);
  };
  const values = await page.$$eval(`${panel} td[data-col]`, (tds) => tds.map((td) => td.dataset.value));
  assert.equal(await text('csv'), `,word1,word2\nword1,${values[0]},${values[1]}\nword2,${values[2]},${values[3]}\n`);
  // Exports are numbers: where the table shows 4.5e-5 and <1.000, the digits they need.
  assert.equal(await text('markdown'), '|  | word1 | word2 |\n| --- | ---: | ---: |\n| word1 | 0.014 | 0.986 |\n| word2 | 0.00005 | 0.9999 |\n');
  assert.equal(await text('latex'), '\\begin{bmatrix}\n  0.014 & 0.986 \\\\\n  0.00005 & 0.9999\n\\end{bmatrix}\n');
  const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.click(`${panel} button[data-format="svg"]`)]);
  const svg = readFileSync(await svgDownload.path(), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /word1 → word2: 0\.986/);
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.click(`${panel} button[data-format="png"]`)]);
  const png = readFileSync(await pngDownload.path());
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  await page.close();
});

test("the checker marks the known wrong cells of seed 003's article", async () => {
  const { page } = await openPage(env, '#preset=check-003');
  await page.waitForSelector('[data-step="weights"] td');
  // Q: the article's third row [0, 0] should be [1, 1]
  const qDiffers = await page.$$eval('[data-step="q"] td.check-differs', (tds) => tds.map((td) => `${td.dataset.row},${td.dataset.col}`));
  assert.deepEqual(qDiffers, ['2,0', '2,1']);
  // weights: every printed cell differs, and the shape is wrong (2 x 3 printed, 3 x 3 true)
  assert.equal(await page.locator('[data-step="weights"] td.check-differs').count(), 6);
  // a matrix of another shape is its own verdict, said first
  assert.match(await page.textContent('[data-step="weights"] .check-summary'), /2 × 3.*3 × 3.*6 cells.*6 differ/);
  await page.hover('[data-step="weights"] td[data-row="0"][data-col="1"]');
  assert.match(await page.textContent('[role="tooltip"]'), /article: 0\.50000 · engine: 0\.1977/);
  // pasting a matrix by hand
  await page.click('[data-step="scores"] details.check summary');
  await page.fill('[data-step="scores"] textarea.check-input', '| | x1 | x2 | x3 |\n|---|---|---|---|\n| x1 | 1 | 0 | 1 |\n| x2 | 0 | 1 | 1 |\n| x3 | 1 | 1 | 3 |');
  await page.click('[data-step="scores"] button.compare');
  await page.waitForSelector('[data-step="scores"] td.check-differs');
  assert.deepEqual(await page.$$eval('[data-step="scores"] td.check-differs', (tds) => tds.map((td) => `${td.dataset.row},${td.dataset.col}`)), ['2,2']);
  await page.close();
});

test('the embed dialog gives working snippets and a live preview', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  await page.click('#embed');
  await page.waitForSelector('dialog.embed-dialog attention-playground [data-step="weights"] td');
  await page.uncheck('#embed-step-scaled');
  await page.check('#embed-readonly');
  const snippet = await page.inputValue('#embed-widget-code');
  assert.match(snippet, /<script src="http:\/\/127\.0\.0\.1:\d+\/attention-playground\.js" defer><\/script>/);
  assert.match(snippet, /<attention-playground preset="two-words" steps="scores,masked,weights,output" lang="en" readonly><\/attention-playground>/);
  const iframe = await page.inputValue('#embed-iframe-code');
  const src = /src="([^"]+)"/.exec(iframe)[1].replace(/&amp;/g, '&');
  await page.waitForFunction(() => !document.querySelector('dialog attention-playground').shadowRoot.querySelector('[data-step="scaled"]'));
  // the iframe URL shows the same numbers
  const { page: frame } = await openPage(env, src.slice(env.url.length));
  await frame.waitForSelector('#widget [data-step="weights"] td');
  assert.deepEqual(await cellTexts(frame, '#widget', 'weights'), ['0.014', '0.986', '5.0e-5', '<1.000']);
  await frame.close();
  assert.deepEqual(problems, []);
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog.embed-dialog', { state: 'detached' });
  await page.close();
});
