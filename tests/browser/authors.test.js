// What an author's readers get around the widget: an iframe that fits its content (the
// height message of embed.html, embed-resize.js and the snippet's inline script), the
// element's own children as a fallback before and without JavaScript, and a widget that
// an RTL, typographically loud host page cannot turn around or restyle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPage, artifacts } from './browser.js';
import { iframeSnippet } from '../../web/lib/embed.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

// The frame's size against its page's content, measured inside the frame.
async function fit(page, selector) {
  const frame = await (await page.$(selector)).contentFrame();
  const inner = await frame.evaluate(() => {
    const root = document.documentElement;
    return {
      content: root.getBoundingClientRect().height,
      scrolls: root.scrollHeight > root.clientHeight || root.scrollWidth > root.clientWidth || innerWidth !== root.clientWidth,
      fitted: root.classList.contains('fitted'),
    };
  });
  const box = await page.$eval(selector, (f) => f.clientHeight); // the frame's viewport, inside its border
  return { ...inner, box, frame };
}

// Until the frame is fitted to its content (and, optionally, taller than minHeight).
const waitForFit = (page, selector, minHeight = 0) => page.waitForFunction(([sel, min]) => {
  const frame = document.querySelector(sel);
  const root = frame.contentDocument?.documentElement;
  if (!root?.classList.contains('fitted')) return false;
  return Math.abs(frame.clientHeight - root.getBoundingClientRect().height) <= 2 && frame.clientHeight > min;
}, [selector, minHeight]);

test('embed.html reports its height and embed-resize.js fits the iframe, under the strict CSP; it grows and shrinks with the widget', async () => {
  // Every height the host sets, from the first one.
  const context = await env.browser.newContext({ viewport: { width: 800, height: 900 } });
  await context.addInitScript(() => {
    window.heights = [];
    addEventListener('DOMContentLoaded', () => {
      const frame = document.getElementById('frame');
      if (!frame) return;
      new MutationObserver(() => window.heights.push(frame.style.height)).observe(frame, { attributes: true, attributeFilter: ['style'] });
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`${env.url}fixtures/iframe-host.html`);
  const frameSel = '#frame';
  await page.frameLocator(frameSel).locator('#widget [data-step="weights"] td').first().waitFor();
  await waitForFit(page, frameSel);
  let now = await fit(page, frameSel);
  assert.ok(Math.abs(now.box - now.content) <= 2, `frame ${now.box} px, content ${now.content} px`);
  assert.equal(now.scrolls, false, 'no scrollbar inside the frame');
  assert.notEqual(now.box, 720, 'the frame left the snippet height for its content');
  // The frame went from 720 px straight to its final height: no stop at the loading box.
  await page.waitForTimeout(300);
  const first = await page.evaluate(() => window.heights.slice());
  assert.equal(new Set(first).size, 1, `one height while loading, got ${first.join(', ')}`);
  // border-box host: the frame's 3 px borders are added to the height it is given
  assert.equal(await page.$eval(frameSel, (f) => f.getBoundingClientRect().height), Number.parseFloat(first[0]));
  assert.equal(await page.$eval(frameSel, (f) => f.clientHeight), Number.parseFloat(first[0]) - 6);

  // The widget's content grows: more steps
  const small = now.box;
  await now.frame.evaluate(() => { location.hash = 'preset=two-words&steps=x,q,k,v,scores,weights,output'; });
  await waitForFit(page, frameSel, small + 200);
  now = await fit(page, frameSel);
  assert.ok(Math.abs(now.box - now.content) <= 2);
  assert.equal(now.scrolls, false);
  // and shrinks back
  await now.frame.evaluate(() => { location.hash = 'preset=two-words&steps=weights'; });
  await page.waitForFunction((h) => document.getElementById('frame').clientHeight <= h + 2, small);
  now = await fit(page, frameSel);
  assert.ok(Math.abs(now.box - small) <= 2 && Math.abs(now.box - now.content) <= 2);
  // the page below the frame follows it
  const below = await page.$eval('#below', (p) => p.getBoundingClientRect().top);
  const frameBottom = await page.$eval(frameSel, (f) => f.getBoundingClientRect().bottom);
  assert.ok(below >= frameBottom && below - frameBottom < 40);

  // Only numbers, only from the frame that sent them: the host page itself, garbage, and
  // another frame's claims change nothing of this frame.
  const before = await page.$eval(frameSel, (f) => f.style.height);
  await page.evaluate(() => postMessage({ type: 'attention-playground:height', height: 5 }, '*'));
  await page.frame({ url: /favicon\.svg$/ }).evaluate(() => {
    for (const data of [{ type: 'attention-playground:height', height: '9999' }, { type: 'attention-playground:height', height: Infinity },
      { type: 'something-else', height: 10 }, 'attention-playground:height', null]) parent.postMessage(data, '*');
    parent.postMessage({ type: 'attention-playground:height', height: 77 }, '*');
  });
  // the other frame gets its 77 px inside its default 2 px border (border-box)
  await page.waitForFunction(() => document.getElementById('other').clientHeight === 77);
  assert.equal(await page.$eval(frameSel, (f) => f.style.height), before);
  assert.deepEqual(problems, []);
  await page.screenshot({ path: join(artifacts, 'iframe-host.png'), fullPage: true });
  await context.close();
});

test("the iframe snippet's inline script fits the frame; without a resize script the frame keeps its height and scrolls", async () => {
  const { page } = await openPage(env, 'favicon.svg', { width: 800, height: 900 });
  const snippet = iframeSnippet({ preset: 'two-words', steps: ['x', 'scores', 'weights', 'output'], lang: 'en', embedUrl: `${env.url}embed.html` });
  // A host page without a CSP, as most blogs: the inline script runs.
  await page.route(`${env.url}snippet-host.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>snippet</title><body style="margin: 0"><p>Before</p>${snippet}<p>After</p></body>` }));
  await page.route(`${env.url}no-script-host.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>no script</title><body><iframe src="${env.url}embed.html#preset=it-animal" style="width: 100%; height: 300px; border: 0"></iframe></body>` }));
  await page.goto(`${env.url}snippet-host.html`);
  await page.frameLocator('iframe').locator('#widget [data-step="output"] td').first().waitFor();
  await waitForFit(page, 'iframe');
  const now = await fit(page, 'iframe');
  assert.ok(Math.abs(now.box - now.content) <= 2 && !now.scrolls && now.content !== 720);

  await page.goto(`${env.url}no-script-host.html`);
  await page.frameLocator('iframe').locator('#widget [data-step="output"] td').first().waitFor();
  await page.waitForTimeout(200);
  const alone = await fit(page, 'iframe');
  assert.equal(alone.box, 300);
  assert.equal(alone.fitted, false);
  assert.ok(alone.content > 300 && alone.scrolls, 'the reader can still scroll the whole widget');
  await page.close();
});

test("the embed dialog's iframe snippet starts at the preview's height, so the frame does not jump when it loads", async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  await page.click('#embed');
  await page.waitForSelector('dialog.embed-dialog attention-playground [data-step="weights"] td');
  const preview = () => page.$eval('dialog attention-playground', (w) => Math.ceil(w.getBoundingClientRect().height));
  await page.waitForFunction(() => !/height: 720px/.test(document.getElementById('embed-iframe-code').value));
  const height = () => page.inputValue('#embed-iframe-code').then((code) => Number(/height: (\d+)px/.exec(code)[1]));
  assert.equal(await height(), await preview());
  assert.match(await page.inputValue('#embed-iframe-code'), /^<script>\naddEventListener\('message'/);
  // The dialog starts with the compact flow; the steps view is taller, and fewer steps shorter.
  const flow = await height();
  await page.selectOption('#embed-view', 'steps');
  await page.waitForFunction((h) => Number(/height: (\d+)px/.exec(document.getElementById('embed-iframe-code').value)[1]) > h, flow);
  assert.equal(await height(), await preview());
  const tall = await height();
  await page.uncheck('#embed-step-weights'); // fewer tables: a shorter frame
  await page.waitForFunction((h) => Number(/height: (\d+)px/.exec(document.getElementById('embed-iframe-code').value)[1]) < h, tall);
  assert.equal(await height(), await preview());
  assert.deepEqual(problems, []);
  await page.close();
});

test('the fallback inside the element shows without JavaScript, and until the widget runs', async () => {
  const off = await env.browser.newContext({ javaScriptEnabled: false });
  const page = await off.newPage();
  await page.goto(`${env.url}fixtures/fallback.html`);
  for (const id of ['#near-static', '#broken-static', '#far-static']) assert.ok(await page.locator(id).isVisible(), id);
  assert.match(await page.locator('#near-static').innerText(), /0\.986/);
  await off.close();

  const { page: live, problems } = await openPage(env, 'fixtures/fallback.html');
  await live.waitForSelector('#near [data-step="weights"] td');
  // mounted: the static copy is replaced by the live table
  assert.equal(await live.locator('#near-static').isVisible(), false);
  assert.deepEqual(await live.$$eval('#near [data-step="weights"] table.matrix td', (tds) => tds.map((td) => td.textContent)), ['0.014', '0.986', '5.0e-5', '<1.000']);
  // cannot run (no such example): the message, and the author's fallback stays
  await live.waitForSelector('#broken [role="alert"]');
  assert.ok(await live.locator('#broken-static').isVisible());
  // far below the fold, not started yet: the author's fallback (not the built-in formula)
  assert.ok(await live.locator('#far-static').isVisible());
  assert.equal(await live.$eval('#far', (el) => el.shadowRoot.querySelector('.fallback-formula')?.checkVisibility() ?? false), false);
  await live.locator('#far').scrollIntoViewIfNeeded();
  await live.waitForSelector('#far [data-step="weights"] td');
  assert.equal(await live.locator('#far-static').isVisible(), false);
  assert.deepEqual(problems, []);
  await live.close();
});

// Inherited text styles of the widget's cells, labels and headings.
const PROPS = ['direction', 'textTransform', 'letterSpacing', 'wordSpacing', 'fontFamily', 'fontSize', 'fontStyle', 'fontWeight',
  'fontVariantCaps', 'fontFeatureSettings', 'fontStretch', 'fontKerning', 'lineHeight', 'textAlign', 'textIndent', 'textShadow', 'whiteSpace', 'wordBreak'];
const styles = (page) => page.$$eval('#w [data-step] :is(td, th, caption, h2, p)', (els, props) => els.map((el) => {
  const cs = getComputedStyle(el);
  return `${el.tagName} ${props.map((p) => `${p}=${cs[p]}`).join(' ')}`;
}), PROPS);

test('an RTL, typographically loud host page leaves matrices left to right and the text as on a plain page', async () => {
  const { page: plain } = await openPage(env, 'fixtures/plain-host.html', { width: 1000, height: 900 });
  await plain.waitForSelector('#w [data-step="output"] td');
  const { page, problems } = await openPage(env, 'fixtures/rtl-host.html', { width: 1000, height: 900 });
  await page.waitForSelector('#w [data-step="output"] td');

  // every row of every matrix reads left to right: column c sits left of column c + 1
  const rows = await page.$$eval('#w [data-step] table.matrix tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => ({ col: Number(td.dataset.col), left: td.getBoundingClientRect().left }))).filter((r) => r.length > 1));
  assert.ok(rows.length >= 12, `${rows.length} rows`); // x, scores, weights, output: 3 rows each
  for (const row of rows) {
    for (let i = 1; i < row.length; i++) assert.ok(row[i].col > row[i - 1].col && row[i].left > row[i - 1].left, JSON.stringify(row));
  }
  // labels keep their case, cells their spacing
  const label = page.locator('#w [data-step="weights"] table.matrix tbody th').first();
  assert.equal(await label.innerText(), 'x1');
  const cell = await page.$eval('#w [data-step="weights"] table.matrix td', (td) => {
    const cs = getComputedStyle(td);
    return { letterSpacing: cs.letterSpacing, textTransform: cs.textTransform, direction: cs.direction, fontStyle: cs.fontStyle };
  });
  assert.deepEqual(cell, { letterSpacing: 'normal', textTransform: 'none', direction: 'ltr', fontStyle: 'normal' });
  // and everything inherited looks exactly as on a plain page, tables as wide
  assert.deepEqual(await styles(page), await styles(plain));
  const widths = (p) => p.$$eval('#w [data-step] table.matrix', (ts) => ts.map((t) => Math.round(t.getBoundingClientRect().width)));
  assert.deepEqual(await widths(page), await widths(plain));
  assert.deepEqual(problems, []);
  await page.screenshot({ path: join(artifacts, 'rtl-host.png'), fullPage: true });
  await page.close();
  await plain.close();
});
