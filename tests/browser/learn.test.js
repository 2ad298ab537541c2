// The Learn section: training learn-it-animal raises "it" -> "animal" above 0.5 while the
// loss falls, and (what the section now says) most other words go to "animal" too; Pause stops; Reset restores; a new sentence changes the attention weights
// through the same learned, unchanged W_Q.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

const values = (page, step) => page.$$eval(`[data-step="${step}"] table.matrix td`, (tds) => tds.map((td) => td.dataset.value));
const heatmapColours = (page) => page.$$eval('[data-step="weights"] svg.heatmap rect', (rs) => rs.map((r) => r.getAttribute('fill')));

test('training learn-it-animal makes "it" attend to "animal"', async () => {
  const { page, problems } = await openPage(env, '#preset=learn-it-animal');
  await page.waitForSelector('[data-step="weights"] td');
  assert.equal(await page.$eval('#learn-query', (s) => s.selectedOptions[0].textContent), 'it');
  assert.equal(await page.$eval('#learn-key', (s) => s.selectedOptions[0].textContent), 'animal');
  const before = Number(await page.getAttribute('[data-step="weights"] td[data-row="7"][data-col="1"]', 'data-value'));
  assert.ok(before < 0.2, `untrained weight ${before}`);
  await page.fill('#learn-steps', '150');
  await page.click('#learn-train');
  await page.waitForFunction(() => !document.querySelector('#learn-train').disabled, null, { timeout: 30000 });
  const after = Number(await page.getAttribute('[data-step="weights"] td[data-row="7"][data-col="1"]', 'data-value'));
  assert.ok(after > 0.5, `trained weight ${after}`);
  const curve = await page.$eval('.loss-curve', (svg) => ({ first: svg.dataset.first, last: svg.dataset.last, rises: svg.dataset.rises }));
  assert.ok(Number(curve.last) < Number(curve.first) / 4, `loss ${curve.first} -> ${curve.last}`);
  assert.ok(Number(curve.rises) <= 10, `the loss rose ${curve.rises} times in 150 steps`);
  assert.match(await page.textContent('.learn-status'), /step 150 · loss .* · weight it → animal = 0\.\d+/);
  // Fitting one sentence teaches no language: most rows, not only "it", now peak at "animal".
  const peaks = await page.$$eval('[data-step="weights"] table.matrix tbody tr', (trs) => trs.map((tr) => {
    const v = [...tr.querySelectorAll('td')].map((td) => Number(td.dataset.value));
    return v.indexOf(Math.max(...v));
  }));
  assert.ok(peaks.filter((c) => c === 1).length > peaks.length / 2, `rows peaking at "animal": ${peaks}`);
  assert.match(await page.textContent('.learn .explanation'), /teaches no language/);
  assert.ok(await page.locator('[data-step="wq"] td.changed').count() > 0, 'changed cells are marked');
  await page.waitForFunction(() => location.hash.startsWith('#config='));
  assert.deepEqual(problems, []);
  await page.close();
});

test('Pause stops updates, Reset restores the initial tables', async () => {
  const { page } = await openPage(env, '#preset=learn-it-animal');
  await page.waitForSelector('[data-step="weights"] td');
  const initial = await values(page, 'wq');
  await page.fill('#learn-steps', '5000');
  await page.click('#learn-train');
  await page.waitForFunction(() => /step [1-9]/.test(document.querySelector('.learn-status').textContent));
  await page.click('#learn-pause');
  // the tables follow the state on the next frame: let the last one land before reading
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const paused = await values(page, 'wq');
  const status = await page.textContent('.learn-status');
  await page.waitForTimeout(400);
  assert.deepEqual(await values(page, 'wq'), paused);
  assert.equal(await page.textContent('.learn-status'), status);
  assert.notDeepEqual(paused, initial);
  await page.click('#learn-reset');
  await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('[data-step="wq"] table.matrix td')].map((td) => td.dataset.value)) === want, JSON.stringify(initial));
  assert.equal(await page.locator('[data-step="wq"] td.changed').count(), 0);
  await page.close();
});

test('a new sentence changes the attention weights, not W_Q', async () => {
  const { page } = await openPage(env, '#preset=learn-it-animal');
  await page.waitForSelector('[data-step="weights"] td');
  await page.fill('#learn-steps', '60');
  await page.click('#learn-train');
  await page.waitForFunction(() => !document.querySelector('#learn-train').disabled, null, { timeout: 30000 });
  const wq = await values(page, 'wq');
  const colours = await heatmapColours(page);
  const tokens = await page.$$eval('[data-step="x"] tbody th', (ths) => ths.map((t) => t.textContent));
  await page.click('#learn-new-sentence');
  await page.waitForFunction((old) => JSON.stringify([...document.querySelectorAll('[data-step="x"] tbody th')].map((t) => t.textContent)) !== old, JSON.stringify(tokens));
  assert.deepEqual(await values(page, 'wq'), wq);
  assert.notDeepEqual(await heatmapColours(page), colours);
  assert.match(await page.textContent('.learn .note'), /did not change/);
  await page.close();
});

test('clicking a heatmap cell picks the weight to train', async () => {
  const { page } = await openPage(env, '#preset=it-animal');
  await page.waitForSelector('[data-step="weights"] td');
  await page.click('[data-step="weights"] svg.heatmap g[data-row="0"][data-col="5"] rect');
  assert.equal(await page.$eval('#learn-query', (s) => s.selectedOptions[0].textContent), 'The');
  assert.equal(await page.$eval('#learn-key', (s) => s.selectedOptions[0].textContent), 'street');
  await page.click('#learn-step');
  await page.waitForFunction(() => /step 1 /.test(document.querySelector('.learn-status').textContent));
  await page.close();
});
