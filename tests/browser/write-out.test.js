// The page's "Write it out" dialog: the article section (Markdown + LaTeX) and the NumPy
// and PyTorch scripts for the state shown, in the reader's language, as text in a
// read-only textarea with Copy and Download; the selected cell and head are the ones
// worked out; user text never becomes markup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, artifacts } from './browser.js';
import { encodeShare } from '../../web/lib/state.js';
import { PRESETS } from '../../web/lib/presets.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

test('Write it out gives the article, then NumPy and PyTorch, with Copy and Download', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="weights"] td');
  // Select S[1][2] (the scores' cell the tutorial works out).
  await page.click('[data-step="scores"] td[data-row="0"][data-col="1"]');
  await page.click('#write-out');
  await page.waitForSelector('dialog.write-out-dialog[open]');
  const md = await page.inputValue('#write-out-text');
  assert.match(md, /^## Attention, worked out step by step\n/);
  assert.ok(md.includes('S_{1,2} = q_{1} \\cdot k_{2} = 1 \\times 3 + 2 \\times 4 = 11\n'));
  assert.ok(md.includes('A_{1,2} &= \\exp(7.778 - 7.778) \\div \\Sigma_{1} = 1 \\div 1.014 = 0.986\n'));
  assert.equal(await page.getAttribute('#write-out-text', 'readonly'), '');
  // Another number of decimals rewrites it.
  await page.fill('#write-out-decimals', '2');
  await page.dispatchEvent('#write-out-decimals', 'change');
  assert.ok((await page.inputValue('#write-out-text')).includes('\\hat{S}_{1,2} = \\frac{11}{\\sqrt{2}} = 7.78\n'));
  await page.screenshot({ path: join(artifacts, 'write-out-article.png') });

  const downloaded = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('dialog.write-out-dialog button.download')]);
    return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
  };
  const article = await downloaded();
  assert.equal(article.name, 'attention.md');
  assert.equal(article.text, await page.inputValue('#write-out-text'));

  await page.click('dialog.write-out-dialog button[data-format="numpy"]');
  const numpy = await page.inputValue('#write-out-text');
  assert.match(numpy, /^import numpy as np$/m);
  assert.match(numpy, /^X = np\.array\(\[\n {4}\[1, 2\],\n {4}\[3, 4\],\n\], dtype=np\.float64\)$/m);
  assert.notEqual(await page.textContent('dialog.write-out-dialog [role="status"]'), '', 'copying says what happened');
  assert.equal(await page.isHidden('#write-out-lang'), true, 'the scripts have no language');
  assert.deepEqual(await downloaded(), { name: 'attention_numpy.py', text: numpy });

  await page.click('dialog.write-out-dialog button[data-format="pytorch"]');
  const torch = await page.inputValue('#write-out-text');
  assert.match(torch, /^import torch$/m);
  assert.equal(await page.getAttribute('dialog.write-out-dialog button[data-format="pytorch"]', 'aria-pressed'), 'true');
  await page.screenshot({ path: join(artifacts, 'write-out-pytorch.png') });
  assert.deepEqual(problems, []);
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog.write-out-dialog', { state: 'detached' });
  await page.close();
});

test('in Chinese the dialog and the article are Chinese; the head shown is the one worked out; labels stay text', async () => {
  const config = { ...PRESETS['multi-head'](), tokens: ['<img src=x onerror=alert(1)>', '*cat*', '$x$', 'down'] };
  const { page, problems } = await openPage(env, encodeShare({ config, decimals: 3, lang: 'zh' }), { width: 375, height: 800 });
  await page.waitForSelector('[data-step="weights"] td');
  // The flow or the article, whichever shows: pick head 2 in the toolbar.
  await page.click('button[data-head-tab="1"]');
  await page.click('#write-out');
  await page.waitForSelector('dialog.write-out-dialog[open]');
  // No English in the dialog's own text (names like NumPy, PyTorch, Markdown, LaTeX, KaTeX stay).
  const ui = await page.$eval('dialog.write-out-dialog', (d) => [...d.querySelectorAll('h2, p, label, button, option')].map((e) => e.textContent).join(' | '));
  const english = ui.replace(/NumPy|PyTorch|Markdown|LaTeX|KaTeX|English/g, '').match(/[A-Za-z]{3,}/g);
  assert.equal(english, null, `English words in the Chinese dialog: ${english} (${ui})`);
  const md = await page.inputValue('#write-out-text');
  assert.match(md, /^## 注意力，一步一步算出来\n/);
  assert.match(md, /各步的单元格都以头 2 为例来算/);
  assert.match(md, /S\^\{\(2\)\}_\{\d,\d\} = q_\{\d\} \\cdot k_\{\d\} = /);
  assert.ok(md.includes('“\\<img src=x onerror=alert(1)\\>”'));
  assert.equal(await page.$$eval('dialog img', (imgs) => imgs.length), 0);
  await page.screenshot({ path: join(artifacts, 'write-out-zh-375.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
