// The widget as a compact figure: view="flow" | "steps" | "heatmap", head, select and
// caption; their heights in a 700 px column; bad values named inside a widget that still
// works; the embed dialog's default snippet is the compact, editable flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, root, artifacts } from './browser.js';
import { CSP } from '../../scripts/serve.js';
import { referenceAttention } from '../reference.js';
import { PRESETS } from '../../web/lib/presets.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

const COLUMN = 700;
const ready = (page) => page.waitForFunction(() => [...document.querySelectorAll('attention-playground')]
  .every((w) => w.trace || w.shadowRoot?.querySelector('[role="alert"]')));

// A host page at 700 px wide with the given body, under the strict CSP.
async function host(body, { width = COLUMN } = {}) {
  const { page, problems } = await openPage(env, 'embed.html#preset=two-words&steps=x', { width, height: 900, view: null }); // a page with its icon: no favicon.ico
  const requests = []; // every request of the figures page
  page.on('request', (req) => requests.push(req.url()));
  await page.route(`${env.url}figures.html`, (route) => route.fulfill({
    contentType: 'text/html',
    headers: { 'Content-Security-Policy': CSP },
    body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>figures</title><link rel="icon" href="favicon.svg"><link rel="stylesheet" href="fixtures/figures.css"><body>${body}<script src="attention-playground.js"></script></body></html>`,
  }));
  await page.goto(`${env.url}figures.html`);
  await ready(page);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return { page, problems, requests };
}

const height = (page, sel) => page.$eval(sel, (el) => Math.round(el.getBoundingClientRect().height));
const notes = (page, sel) => page.$$eval(`${sel} .widget-note`, (ps) => ps.map((p) => p.textContent));

test('each view of two-words in a 700 px column: the flow and the heatmap fit one screen, the steps view is the long one', async (t) => {
  const { page, problems } = await host(`
    <attention-playground id="flow" preset="two-words" view="flow" loading="eager"></attention-playground>
    <attention-playground id="heatmap" preset="two-words" view="heatmap" loading="eager"></attention-playground>
    <attention-playground id="steps" preset="two-words" view="steps" steps="x,weights" loading="eager"></attention-playground>
    <attention-playground id="multi" preset="multi-head" view="flow" head="2" loading="eager"></attention-playground>
    <attention-playground id="animal" preset="it-animal" view="flow" loading="eager"></attention-playground>
    <attention-playground id="animalHeatmap" preset="it-animal" view="heatmap" loading="eager"></attention-playground>`);
  const heights = {};
  for (const id of ['flow', 'heatmap', 'steps', 'multi', 'animal', 'animalHeatmap']) heights[id] = await height(page, `#${id}`);
  t.diagnostic(`heights at ${COLUMN} px: ${JSON.stringify(heights)}`);
  assert.ok(heights.flow <= 700, `two-words flow ${heights.flow} px`);
  assert.ok(heights.heatmap <= 400, `two-words heatmap ${heights.heatmap} px`);
  assert.ok(heights.multi <= 1200, `multi-head flow ${heights.multi} px`);
  assert.ok(heights.steps > heights.flow);
  assert.ok(heights.animalHeatmap <= 700, `it-animal heatmap ${heights.animalHeatmap} px`);
  assert.ok(await page.$eval('#animalHeatmap', (w) => { const card = w.shadowRoot.querySelector('.flow-card'); return card.scrollWidth <= card.clientWidth + 1; }), 'eleven keys fit without scrolling');
  // the flow: every step of the example as a card, X editable, nothing wider than the column
  const cards = await page.$$eval('#flow .flow-card', (els) => els.map((el) => el.dataset.card));
  assert.deepEqual(cards, ['x', 'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'final']);
  assert.equal(await page.locator('#flow [data-step="x"].editable').count(), 1);
  assert.ok(await page.$eval('#flow', (w) => w.shadowRoot.querySelector('.ap-widget').scrollWidth <= w.clientWidth + 1));
  const ref = referenceAttention(PRESETS['two-words']());
  const weights = await page.$$eval('#flow [data-step="weights"] td', (tds) => tds.map((td) => Number(td.dataset.value)));
  ref.heads[0].weights.flat().forEach((w, i) => assert.ok(Math.abs(weights[i] - w) < 1e-5, `weights[${i}]`));
  // the heatmap: one card, the weights by default
  assert.deepEqual(await page.$$eval('#heatmap .flow-card', (els) => els.map((el) => el.dataset.card)), ['weights']);
  // the steps view: sections with their formulas
  assert.deepEqual(await page.$$eval('#steps section.step', (els) => els.map((el) => el.dataset.section)), ['x', 'weights']);
  // head="2": the second head's steps
  assert.deepEqual(await page.$$eval('#multi .flow-card[data-card="weights"]', (els) => els.map((el) => el.dataset.head)), ['1']);
  assert.equal(await page.textContent('#multi .figure-head'), 'Head 2 of 2.');
  assert.deepEqual(problems, []);
  await page.screenshot({ path: join(artifacts, 'figures-700.png'), fullPage: true });
  await page.close();
});

test('the flow: editing X fires input and recomputes; a click explains a cell under the figure', async () => {
  const { page } = await host('<attention-playground id="w" preset="two-words" view="flow"></attention-playground>');
  await page.evaluate(() => {
    window.inputs = 0;
    document.getElementById('w').addEventListener('input', () => window.inputs++);
  });
  await page.click('#w [data-step="x"] td[data-row="0"][data-col="0"]');
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('w').config.x[0][0] === 3);
  assert.equal(await page.evaluate(() => window.inputs), 1);
  const ref = referenceAttention({ ...PRESETS['two-words'](), x: [[3, 2], [3, 4]] });
  await page.waitForFunction((w) => Math.abs(Number(document.getElementById('w').shadowRoot.querySelector('[data-step="weights"] td').dataset.value) - w) < 1e-5, ref.heads[0].weights[0][0]);
  await page.click('#w [data-step="scores"] td[data-row="0"][data-col="1"]');
  await page.waitForFunction(() => /S\[word1, word2\]/.test(document.getElementById('w').shadowRoot.querySelector('.selection-bar').textContent));
  assert.match(await page.textContent('#w .selection-bar'), /3 × 3|×/);
  await page.close();
});

test('select: the cell is selected and explained as on a click; per head in the steps view', async () => {
  const { page, problems } = await host(`
    <attention-playground id="a" preset="two-words" view="heatmap" select="weights:1,2" loading="eager"></attention-playground>
    <attention-playground id="b" preset="multi-head" view="steps" steps="weights" head="2" select=" weights : 2 , 1 " loading="eager"></attention-playground>
    <attention-playground id="c" preset="two-words" view="flow" select="x:2,2" readonly loading="eager"></attention-playground>`);
  assert.equal(await page.$eval('#a td[aria-selected="true"]', (td) => `${td.dataset.row},${td.dataset.col}`), '0,1');
  assert.match(await page.textContent('#a .selection-bar'), /A\[word1, word2\].*exp\(7\.778 − 7\.778\) ÷ Σ = 1 ÷ 1\.014 = 0\.986/);
  // head="2": only the second head's weights, its cell (2, 1) selected and explained
  assert.deepEqual(await page.$$eval('#b [data-step="weights"] .head-panel', (ps) => ps.map((p) => p.dataset.head)), ['1']);
  assert.equal(await page.$eval('#b td[aria-selected="true"]', (td) => `${td.closest('[data-head]').dataset.head}:${td.dataset.row},${td.dataset.col}`), '1:1,0');
  assert.match(await page.textContent('#b .selection-bar'), /head 2/);
  // the explanation stays when the mouse passes over and leaves
  await page.hover('#b [data-step="weights"] td[data-row="0"][data-col="0"]');
  await page.mouse.move(1, 1);
  await page.waitForFunction(() => document.getElementById('b').shadowRoot.querySelector('td[aria-selected="true"]'));
  assert.equal(await page.$eval('#b td[aria-selected="true"]', (td) => `${td.dataset.row},${td.dataset.col}`), '1,0');
  assert.match(await page.textContent('#c .selection-bar'), /X\[word2, 2\]/);
  // a reader's click selects another cell
  await page.click('#a [data-step="weights"] td[data-row="1"][data-col="0"]');
  await page.waitForFunction(() => /A\[word2, word1\]/.test(document.getElementById('a').shadowRoot.querySelector('.selection-bar').textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

test('bad view, head and select values are named inside a widget that still works; attribute text stays text', async () => {
  const evil = '<img src=x onerror=alert(1)>';
  const { page, problems } = await host(`
    <attention-playground id="a" preset="two-words" view="bogus" head="7" select="weights:9,1" steps="weights" loading="eager"></attention-playground>
    <attention-playground id="b" preset="two-words" view="flow" select="${evil.replace(/</g, '&lt;')}" loading="eager"></attention-playground>
    <attention-playground id="c" preset="two-words" view="heatmap" select="nothing:1,1" loading="eager"></attention-playground>
    <attention-playground id="d" preset="two-words" view="heatmap" steps="weights" select="x:1,1" loading="eager"></attention-playground>
    <attention-playground id="e" preset="two-words" view="heatmap" select="weights:0,1" head="two" loading="eager"></attention-playground>`);
  const a = await notes(page, '#a');
  assert.equal(a.length, 3, a.join(' | '));
  assert.match(a[0], /view="bogus" is not a view; it takes flow, steps, heatmap/);
  assert.match(a[1], /head="7".*one head/);
  assert.match(a[2], /select="weights:9,1" is outside the table, which has 2 rows and 2 columns/);
  assert.equal(await page.locator('#a section.step[data-section="weights"]').count(), 1, 'still the steps view, with its tables');
  const b = await notes(page, '#b');
  assert.match(b[0], /select="<img src=x onerror=alert\(1\)>" is not step:row,column/);
  assert.equal(await page.locator('#b img').count(), 0);
  assert.match((await notes(page, '#c'))[0], /“nothing”, which is not a step/);
  assert.match((await notes(page, '#d'))[0], /select names x, which this widget does not show/);
  const e = await notes(page, '#e');
  assert.equal(e.length, 2);
  assert.match(e.join(' '), /head="two"/);
  assert.match(e.join(' '), /select="weights:0,1" is not step:row,column/);
  for (const id of ['#a', '#b', '#c', '#d', '#e']) assert.ok(await page.locator(`${id} [data-step="weights"] td`).count() > 0, id);
  // no alert, no dialog, no error
  assert.deepEqual(problems, []);
  await page.close();
});

test('caption: text under the figure that names it; changing it keeps the reader\'s edits', async () => {
  const { page, problems } = await host('<attention-playground id="w" preset="two-words" view="heatmap" steps="x" caption="Figure 1. &lt;b&gt;X&lt;/b&gt; &amp; its rows"></attention-playground>');
  assert.equal(await page.textContent('#w .figure-caption'), 'Figure 1. <b>X</b> & its rows');
  assert.equal(await page.locator('#w .figure-caption b').count(), 0);
  assert.equal(await page.$eval('#w', (w) => w.shadowRoot.querySelector('[role="figure"]').getAttribute('aria-labelledby')), 'caption');
  assert.equal(await page.getByRole('figure', { name: 'Figure 1. <b>X</b> & its rows' }).count(), 1);
  await page.click('#w [data-step="x"] td[data-row="1"][data-col="1"]');
  await page.keyboard.type('9');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('w').config.x[1][1] === 9);
  await page.evaluate(() => document.getElementById('w').setAttribute('caption', 'Figure 2'));
  await page.waitForFunction(() => document.getElementById('w').shadowRoot.querySelector('.figure-caption').textContent === 'Figure 2');
  assert.equal(await page.evaluate(() => document.getElementById('w').config.x[1][1]), 9);
  await page.evaluate(() => document.getElementById('w').removeAttribute('caption'));
  assert.equal(await page.locator('#w .figure-caption').count(), 0);
  assert.equal(await page.$eval('#w', (w) => w.shadowRoot.querySelector('[role="figure"]')), null);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the embed dialog's default snippet is the flow: X editable, at most 700 px tall in a 700 px column", async (t) => {
  const { page } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  await page.click('#embed');
  await page.waitForSelector('dialog.embed-dialog attention-playground [data-step="weights"] td');
  const snippet = await page.inputValue('#embed-widget-code');
  assert.match(snippet, /<attention-playground preset="two-words" view="flow" lang="en"><\/attention-playground>/);
  // the heatmap and a caption, as the author picks them
  await page.selectOption('#embed-picture', 'scores');
  await page.fill('#embed-caption', 'Scores <i>before</i> softmax');
  assert.match(await page.inputValue('#embed-widget-code'), /preset="two-words" view="heatmap" steps="scores" caption="Scores &lt;i&gt;before&lt;\/i&gt; softmax" lang="en"/);
  assert.match(await page.inputValue('#embed-iframe-code'), /view=heatmap&amp;steps=scores&amp;caption=Scores\+%3Ci%3Ebefore%3C%2Fi%3E\+softmax/);
  await page.waitForFunction(() => document.querySelector('dialog attention-playground').shadowRoot.querySelector('.figure-caption')?.textContent === 'Scores <i>before</i> softmax');
  await page.close();

  const { page: article, problems } = await host(snippet.replace(/<script[^>]*><\/script>\n/, '').replace('<attention-playground', '<attention-playground id="w"'));
  const h = await height(article, '#w');
  t.diagnostic(`the dialog's default two-words at ${COLUMN} px: ${h} px`);
  assert.ok(h <= 700, `${h} px`);
  assert.equal(await article.locator('#w [data-step="x"].editable').count(), 1);
  assert.deepEqual(problems, []);
  await article.screenshot({ path: join(artifacts, 'figure-default-700.png'), fullPage: true });
  await article.close();
});

test('formulas render with KaTeX HTML and CSS inside the shadow root, its fonts registered on the document from the bundle: no request leaves the origin', async () => {
  const { page, problems, requests } = await host('<attention-playground id="w" preset="two-words" steps="scaled,weights" loading="eager"></attention-playground>');
  await page.waitForSelector('#w .formula .katex-html');
  // KaTeX's HTML is what shows; its MathML is kept for screen readers only
  const shown = await page.$eval('#w', (w) => {
    const formula = w.shadowRoot.querySelector('[data-section="weights"] .formula');
    const html = formula.querySelector('.katex-html');
    const mathml = formula.querySelector('.katex-mathml');
    return { width: html.getBoundingClientRect().width, mathml: Boolean(mathml), mathmlHeight: mathml.getBoundingClientRect().height, font: getComputedStyle(formula.querySelector('.katex')).fontFamily };
  });
  assert.ok(shown.width > 100, `${shown.width} px`);
  assert.ok(shown.mathml);
  assert.equal(shown.mathmlHeight, 1); // katex.min.css's rules apply inside the shadow root: MathML hidden
  assert.match(shown.font, /^KaTeX_Main/);
  await page.evaluate(() => document.fonts.ready);
  const fonts = await page.evaluate(() => ({
    check: document.fonts.check('16px KaTeX_Main') && document.fonts.check('italic 16px KaTeX_Math'),
    faces: [...document.fonts].map((f) => `${f.family.replace(/"/g, '')} ${f.style} ${f.status}`),
  }));
  assert.ok(fonts.check, 'KaTeX_Main and KaTeX_Math are ready');
  assert.ok(fonts.faces.includes('KaTeX_Main normal loaded'), fonts.faces.join(', '));
  assert.ok(fonts.faces.includes('KaTeX_Math italic loaded'), fonts.faces.join(', '));
  // the host page's own stylesheet gained no @font-face and no KaTeX rule: only the FontFace set
  assert.equal(await page.evaluate(() => document.styleSheets.length), 1);
  assert.ok(requests.some((url) => url.endsWith('/attention-playground.js')));
  const outside = requests.filter((url) => !url.startsWith(env.url));
  assert.deepEqual(outside, [], 'no request leaves the origin');
  assert.deepEqual(requests.filter((url) => /\.(woff2?|ttf)$/.test(url)), [], 'the fonts come inside the bundle');
  assert.deepEqual(problems, []);
  await page.locator('#w').screenshot({ path: join(artifacts, 'widget-katex.png') });
  await page.close();
});

test("the embed dialog's preview (the module widget) draws formulas with KaTeX HTML too", async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  await page.click('#embed');
  await page.selectOption('#embed-view', 'steps');
  await page.waitForSelector('dialog attention-playground .formula .katex-html');
  assert.ok(await page.evaluate(() => document.fonts.check('16px KaTeX_Main')));
  assert.deepEqual(problems, []);
  await page.close();
});

test('embed.html takes the figure attributes from its hash, as text', async () => {
  const { page, problems } = await openPage(env, `embed.html#preset=two-words&view=heatmap&select=weights:1,2&caption=${encodeURIComponent('Figure <b>1</b>')}`, { width: COLUMN });
  await page.waitForSelector('#widget .selection-bar .selection-title');
  assert.deepEqual(await page.$$eval('#widget .flow-card', (els) => els.map((el) => el.dataset.card)), ['weights']);
  assert.match(await page.textContent('#widget .selection-bar'), /A\[word1, word2\]/);
  assert.equal(await page.textContent('#widget .figure-caption'), 'Figure <b>1</b>');
  await page.evaluate(() => { location.hash = 'preset=multi-head&view=flow&head=2'; });
  await page.waitForFunction(() => document.getElementById('widget').shadowRoot.querySelector('.figure-head')?.textContent === 'Head 2 of 2.');
  assert.equal(await page.locator('#widget .figure-caption').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('axe-core: no serious or critical violations in figures, light and dark, English and Chinese', async () => {
  const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  for (const [colorScheme, lang] of [['light', 'en'], ['dark', 'zh']]) {
    const context = await env.browser.newContext({ bypassCSP: true, colorScheme, viewport: { width: COLUMN, height: 900 } });
    const page = await context.newPage();
    await page.route(`${env.url}axe.html`, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="${lang}"><meta charset="utf-8"><title>figures</title><link rel="icon" href="favicon.svg"><body>
        <attention-playground preset="two-words" view="flow" caption="Figure 1" loading="eager"></attention-playground>
        <attention-playground preset="multi-head" view="heatmap" head="2" select="weights:2,1" loading="eager"></attention-playground>
        <attention-playground preset="two-words" view="nope" steps="x,weights" select="x:1,1" loading="eager"></attention-playground>
        <script src="attention-playground.js"></script></body></html>`,
    }));
    await page.goto(`${env.url}axe.html`);
    await ready(page);
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`));
    assert.deepEqual(violations, [], `${colorScheme} ${lang}`);
    await context.close();
  }
});
