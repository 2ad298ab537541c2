// What an author's readers get around the widget: the element's own children as a
// fallback before and without JavaScript, and a widget that an RTL, typographically loud
// host page cannot turn around or restyle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPage, artifacts } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

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
  assert.deepEqual(await live.$$eval('#near [data-step="weights"] table.matrix td', (tds) => tds.map((td) => td.textContent)), ['0.014', '0.986', '0', '1']);
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
