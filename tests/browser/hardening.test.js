// Hostile input in the browser: payloads in labels, links and attributes stay text in
// every view; state survives a reload; a failed wasm load says so and offers a retry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './browser.js';
import { encodeShare } from '../../web/lib/state.js';
import { fmt } from '../../web/lib/format.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

const PAYLOADS = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', 'javascript:alert(3)', '</table><b>x</b>'];

// Elements a payload could have created, counted in the document and every open shadow root.
const injected = (page) => page.evaluate(() => {
  const roots = [document];
  for (let i = 0; i < roots.length; i++) {
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  return roots.reduce((count, root) => count + root.querySelectorAll('img, script:not([src]), b, a[href^="javascript"]').length, 0);
});

test('payloads in token labels stay text in tables, tooltips, pictures and exports', async () => {
  const config = {
    x: [[1, 0], [0, 1], [1, 1], [0.5, 0.5]], tokens: PAYLOADS,
    wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]],
  };
  const { page, problems } = await openPage(env, encodeShare({ config, decimals: 3, lang: 'en' }));
  await page.waitForSelector('[data-step="weights"] td');
  const rowHeaders = await page.$$eval('[data-step="x"] tbody th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(rowHeaders, PAYLOADS);
  const svgText = await page.$$eval('[data-step="weights"] svg text', (ts) => ts.map((t) => t.textContent));
  assert.ok(PAYLOADS.every((p) => svgText.some((t) => p.startsWith(t.replace('…', '')))));
  await page.hover('[data-step="scores"] td[data-row="1"][data-col="0"]');
  await page.click('[data-step="weights"] [data-head="0"] details.export summary');
  await page.click('[data-step="weights"] [data-head="0"] button[data-format="csv"]');
  const csv = await page.inputValue('[data-step="weights"] [data-head="0"] textarea.export-text');
  assert.match(csv, /^,<img src=x onerror=alert\(1\)>,"""><script>alert\(2\)<\/script>",javascript:alert\(3\),<\/table><b>x<\/b>$/m);
  await page.click('[data-step="weights"] [data-head="0"] button[data-format="markdown"]');
  assert.ok((await page.inputValue('[data-step="weights"] [data-head="0"] textarea.export-text')).includes('</table><b>x</b>'));
  assert.equal(await injected(page), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('payloads in widget attributes and embed hashes stay text', async () => {
  const { page, problems } = await openPage(env, `embed.html#config=${Buffer.from(JSON.stringify({
    x: [[1, 2], [3, 4]], tokens: PAYLOADS.slice(0, 2), wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]],
  })).toString('base64url')}&lang=${encodeURIComponent('"><img src=x onerror=alert(4)>')}&steps=weights`);
  await page.waitForSelector('#widget [data-step="weights"] td');
  assert.deepEqual(await page.$$eval('#widget [data-step="weights"] table.matrix tbody th', (ths) => ths.map((t) => t.textContent)), PAYLOADS.slice(0, 2));
  await page.evaluate((p) => {
    const w = document.querySelector('#widget');
    w.setAttribute('config', `{"x": [[1]], "wq": [[1]], "wk": [[1]], "wv": [[1]], "${p}": 1}`);
  }, PAYLOADS[0]);
  await page.waitForSelector('#widget [role="alert"]');
  assert.match(await page.textContent('#widget [role="alert"]'), /unknown field "<img src=x onerror=alert…"/); // quoted, cut short
  assert.equal(await injected(page), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a reload keeps the state: the URL first, then localStorage', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  await page.click('[data-step="x"] td[data-row="0"][data-col="1"]');
  await page.keyboard.type('7');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash.startsWith('#config='));
  await page.reload();
  await page.waitForSelector('[data-step="weights"] td');
  assert.equal(await page.getAttribute('[data-step="x"] td[data-row="0"][data-col="1"]', 'data-value'), '7');
  await page.goto(env.url); // no hash: the last state from localStorage
  await page.waitForSelector('[data-step="weights"] td');
  assert.equal(await page.getAttribute('[data-step="x"] td[data-row="0"][data-col="1"]', 'data-value'), '7');
  await page.close();
});

test('an edit just before a reload or leaving is kept', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  const edit = async (row, value) => {
    await page.waitForSelector('[data-step="weights"] td');
    await page.click(`[data-step="x"] td[data-row="${row}"][data-col="1"]`);
    await page.keyboard.type(value);
    await page.keyboard.press('Enter');
  };
  const x = (row) => page.getAttribute(`[data-step="x"] td[data-row="${row}"][data-col="1"]`, 'data-value');
  // No wait between the edit and the reload: the debounced save (120 ms) has not run yet.
  await edit(0, '7');
  await page.reload();
  await page.waitForSelector('[data-step="weights"] td');
  assert.equal(await x(0), '7');
  // The tab hidden right after an edit: saved at once (read back in the same task as the event).
  const withSeven = await page.evaluate(() => location.hash);
  await edit(1, '8');
  const saved = await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    delete document.visibilityState;
    return { stored: JSON.parse(localStorage.getItem('attention-playground:state')).config.x, hash: location.hash };
  });
  assert.deepEqual(saved.stored, [[1, 7], [3, 8]]);
  assert.match(saved.hash, /^#config=/);
  // A link to the earlier state followed in the page, then a reload: the link's state, not
  // the edit the reload-after-edit record still holds for that hash.
  await page.evaluate((h) => { location.hash = h; }, withSeven);
  await page.waitForFunction(() => document.querySelector('[data-step="x"] td[data-row="1"][data-col="1"]').dataset.value === '4');
  await page.reload();
  await page.waitForSelector('[data-step="weights"] td');
  assert.deepEqual([await x(0), await x(1)], ['7', '4']);
  // Leaving for another page right after an edit, then coming back without a hash.
  await edit(1, '9');
  await page.goto(`${env.url}embed.html`);
  await page.goto(env.url);
  await page.waitForSelector('[data-step="weights"] td');
  assert.deepEqual([await x(0), await x(1)], ['7', '9']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('bad values saved in localStorage are dropped, the good ones kept, and the tables still appear', async () => {
  const KEY = 'attention-playground:state';
  const config = { x: [[1, 9], [3, 4]], tokens: ['a', 'b'], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]] };
  const cases = [
    // [what is stored, X[0][1] shown, decimals in effect, the page's language]
    [{ config, decimals: 101, lang: 'zh' }, '9', 3, 'zh-CN'], // toFixed(101) throws
    [{ config, decimals: 100 }, '9', 3, 'en'], // beyond the stepper's 8
    [{ config, decimals: '5', lang: { toString: 1 }, checks: 'nope' }, '9', 3, 'en'],
    [{ config, decimals: 2, checks: { 'weights|0': [['a']], 'nope|1': [[1]] } }, '9', 2, 'en'],
    [{ config: { ...config, x: 'nope' }, decimals: 4, lang: 'zh' }, '2', 4, 'zh-CN'], // the default example, the view kept
    [{ config: [1, 2], decimals: 1, lang: 'zh' }, '2', 1, 'zh-CN'],
    [{ config: null, decimals: 9 }, '2', 3, 'en'],
    ['{"config": {', '2', 3, 'en'],
  ];
  for (const [stored, x01, decimals, lang] of cases) {
    const what = JSON.stringify(stored).slice(0, 80);
    const { page, problems } = await openPage(env, '', { storage: { [KEY]: typeof stored === 'string' ? stored : JSON.stringify(stored) } });
    await page.waitForSelector('[data-step="weights"] td', { timeout: 10_000 }).catch(() => assert.fail(`no table for ${what}: ${problems.join('; ')}`));
    assert.equal(await page.getAttribute('[data-step="x"] td[data-row="0"][data-col="1"]', 'data-value'), x01, what);
    assert.equal(await page.inputValue('#ctl-decimals'), String(decimals), what);
    const weight = Number(await page.getAttribute('[data-step="weights"] td[data-row="0"][data-col="0"]', 'data-value'));
    assert.equal(await page.textContent('[data-step="weights"] td[data-row="0"][data-col="0"]'), fmt(weight, decimals), what);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang, what);
    assert.deepEqual(problems, [], what);
    await page.close();
  }
});

test('a failed wasm load shows a clear message and a retry that works', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.route('**/attention-core.wasm', (route) => route.abort());
  await page.goto(`${env.url}#preset=two-words`);
  const alert = page.locator('[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /could not load/);
  await page.unroute('**/attention-core.wasm');
  await page.click('[role="alert"] button');
  // The page opens on the flow, where the two-word story hides the weights until a guess.
  await page.waitForSelector('[data-step="weights"] td', { state: 'attached' });
  assert.equal(await page.textContent('[data-step="weights"] td'), '0.014');
  await context.close();
});

test('a short link beyond the page\'s limits gives a message and a working page at once, at every entry point', async () => {
  // 400 tokens and 16 heads in under 3 KB: the engine itself would take it; the page must not try.
  const config = {
    x: Array.from({ length: 400 }, (_, i) => [i % 3]),
    heads: 16,
    wq: [new Array(32).fill(1)],
    wk: [new Array(32).fill(1)],
    wv: [new Array(32).fill(1)],
  };
  const hash = encodeShare({ config, decimals: 3, lang: 'en' });
  assert.ok(hash.length < 3072, `${hash.length} characters`);
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="final"] td');
  // A link followed on a page already open: the state it has stays, the message says why.
  const t0 = Date.now();
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector('[role="alert"]:not([hidden])');
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
  assert.match(await page.textContent('[role="alert"]'), /400.*128/);
  assert.equal(await page.$$eval('[data-step="x"] table.matrix td', (tds) => tds.length), 4, 'the two-word example is still shown');
  // The same link opened fresh: the default example and the message.
  await page.goto(`${env.url}?fresh${hash}`);
  await page.waitForSelector('[data-step="final"] td');
  assert.match(await page.textContent('[role="alert"]'), /limit is 128/);
  // embed.html and the widget's config attribute take the same limits.
  await page.goto(`${env.url}embed.html${hash}`);
  await page.waitForSelector('#widget [role="alert"]');
  assert.match(await page.textContent('#widget [role="alert"]'), /limit is 128/);
  await page.evaluate((c) => document.querySelector('#widget').setAttribute('config', JSON.stringify({ ...c, x: c.x.slice(0, 4) })), config);
  await page.waitForSelector('#widget [role="alert"]');
  assert.match(await page.textContent('#widget [role="alert"]'), /heads is 16; the limit is 8/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a size typed beyond the page\'s limits is set to the limit, and the reader is told', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="final"] td');
  await page.fill('#ctl-dModel', '100');
  await page.press('#ctl-dModel', 'Enter');
  await page.waitForFunction(() => document.querySelector('table.matrix[data-step="x"]')?.dataset.shape === '2x64');
  assert.match(await page.textContent('[role="alert"]'), /d_model: 100 .* 64/);
  assert.equal(await page.inputValue('#ctl-dModel'), '64');
  assert.deepEqual(problems, []);
  await page.close();
});
