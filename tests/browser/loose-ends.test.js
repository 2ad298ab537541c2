// Issue #12's loose ends on the page: numbers a reader can trust at a glance (one number of
// decimals per table, nothing shown as 0 or 1 that is not), formulas that fit a phone,
// additive scoring and its v_a, the article checker's verdicts, trained cells in Learn, a
// Chinese page without English, and read-only widgets that invite no editing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './browser.js';
import { strings } from '../../web/i18n/index.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

const ready = (page) => page.waitForSelector('[data-step="final"] td[data-row="0"][data-col="0"]');

// Every matrix table (and the softmax statistics) as { step, texts, values }.
const tablesOf = (page, root = '') => page.$$eval(`${root} table.matrix, ${root} table.stats:not(.target)`, (tables) => tables.map((t) => {
  const tds = [...t.querySelectorAll('td')];
  return { step: t.dataset.step ?? 'stats', texts: tds.map((td) => td.textContent), values: tds.map((td) => (td.dataset.value === undefined ? null : Number(td.dataset.value))) };
}));

test('numbers: one number of decimals per table, and nothing shows as 0 or 1 that is not', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await ready(page);
  for (const decimals of [3, 2, 5]) {
    if (decimals !== 3) {
      const control = decimals < 3 ? '[data-control="decimals-dec"]' : '[data-control="decimals-inc"]';
      const clicks = decimals === 2 ? 1 : 3; // 3 -> 2, then 2 -> 5
      for (let i = 0; i < clicks; i++) await page.click(control);
      await page.waitForFunction((d) => document.querySelector('[data-step="x"] td').textContent === (1).toFixed(d), decimals);
    }
    for (const { step, texts, values } of await tablesOf(page)) {
      texts.forEach((text, i) => {
        // 5.0e-5 is a size, <1.000 a side of 1: neither has "decimals" to count.
        if (/e-|^[<>]|∞/.test(text)) return;
        assert.equal(text.split('.')[1]?.length, decimals, `${step}: "${text}" at ${decimals} decimals`);
        if (values[i] !== null && [0, 1, -1].includes(Number(text))) assert.equal(values[i], Number(text), `${step}: ${values[i]} shows as "${text}"`);
      });
    }
  }
  // Seed 002's second row, 0.00005 and 0.99995, at 5, 2 and 3 decimals.
  const weights = async () => page.$$eval('[data-step="weights"] table.matrix td', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(await weights(), ['0.01417', '0.98583', '0.00005', '0.99995']);
  await page.click('[data-control="decimals-dec"]');
  await page.click('[data-control="decimals-dec"]');
  await page.waitForFunction(() => document.querySelector('[data-step="weights"] td').textContent === '0.014');
  assert.deepEqual(await weights(), ['0.014', '0.986', '5.0e-5', '<1.000']);
  // The explanation's arithmetic gives the plain number, not a marker.
  await page.hover('[data-step="weights"] td[data-row="1"][data-col="1"]');
  assert.match(await page.textContent('[role="tooltip"]'), /= 0\.9999$|= 0\.9999\D/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('formulas fit a 375 px phone with RoPE on, and any still wider scrolls visibly', async () => {
  const { page } = await openPage(env, '#preset=two-words', { width: 375, height: 800 });
  await ready(page);
  await page.selectOption('#ctl-positional', 'rope');
  await page.waitForFunction(() => document.querySelector('[data-section="qkv"] .formula')?.textContent.includes('θ'));
  // Off-screen sections are not laid out (content-visibility): show the whole page.
  await page.setViewportSize({ width: 375, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await page.waitForTimeout(200);
  const formulas = await page.$$eval('.step .formula', (els) => els.map((el) => {
    const style = getComputedStyle(el);
    return { section: el.closest('[data-section]').dataset.section, scroll: el.scrollWidth, width: el.clientWidth, overflow: style.overflowX, attachment: style.backgroundAttachment };
  }));
  assert.ok(formulas.length >= 8);
  for (const f of formulas) {
    assert.ok(f.scroll <= f.width + 1 || ['auto', 'scroll'].includes(f.overflow), `${f.section}: ${f.scroll} px in ${f.width} px and overflow ${f.overflow}`);
    assert.match(f.attachment, /local.*scroll/, `${f.section}: the edge shadows that show more to scroll`);
  }
  const qkv = formulas.find((f) => f.section === 'qkv');
  assert.ok(qkv.scroll <= qkv.width + 1, `the RoPE formula fits: ${qkv.scroll} px in ${qkv.width} px`);
  assert.ok(formulas.every((f) => f.scroll <= f.width + 1), JSON.stringify(formulas.filter((f) => f.scroll > f.width + 1)));
  await page.close();
});

test('additive scoring: the title and formula say so, and v_a is its own table every score depends on', async () => {
  const { page, problems } = await openPage(env, '#preset=multi-head');
  await ready(page);
  await page.selectOption('#ctl-score', 'additive');
  await page.waitForSelector('[data-step="va"] table.matrix');
  assert.match(await page.textContent('[data-section="scores"] h2'), /Additive.*tanh/);
  assert.match(await page.textContent('[data-section="scores"] .formula'), /tanh/);
  const dk = Number(await page.inputValue('#ctl-dk'));
  assert.equal(await page.getAttribute('[data-step="va"] table.matrix', 'data-shape'), `1x${dk}`);
  assert.deepEqual(await page.$$eval('[data-step="va"] td', (tds) => tds.map((td) => td.textContent)), Array(dk).fill('1.000'));
  assert.equal(await page.locator('[data-step="va"] table.matrix.editable').count(), 1);
  await page.hover('[data-step="va"] td[data-col="0"]');
  assert.match(await page.textContent('[role="tooltip"]'), /^v_a\[1\] = 1: /);
  // every score of both heads is computed from it
  const scores = await page.locator('[data-step="scores"] td').count();
  assert.equal(await page.locator('[data-step="scores"] td.is-dependent').count(), scores);
  assert.deepEqual(problems, []);
  await page.close();
});

// Needs two changes in files this branch leaves alone: Playground.commitCell writes an edit
// through withBlockCell (web/lib/state.js), so a vector block such as v_a lands in
// config.va; view-model's sectionsView keeps section.chip and chipsOf labels a chip
// S.chips[section.chip ?? section.id].
test('additive scoring: editing v_a recomputes the scores; the chip says additive', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  await page.selectOption('#ctl-score', 'additive');
  await page.waitForSelector('[data-step="va"] table.matrix');
  assert.equal(await page.textContent('.chip[data-target="scores"]'), strings('en').chips.scoresAdditive);
  const before = await page.getAttribute('[data-step="scores"] td', 'data-value');
  await page.click('[data-step="va"] td[data-col="1"]');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await page.waitForFunction((b) => document.querySelector('[data-step="scores"] td').dataset.value !== b, before);
  assert.equal(await page.getAttribute('[data-step="va"] td[data-col="1"]', 'data-value'), '2');
  assert.equal(await page.locator('[role="alert"]:not([hidden])').count(), 0);
  await page.close();
});

test('the checker: a paste it cannot read clears the old verdict; another shape is its own verdict', async () => {
  const { page } = await openPage(env, '#preset=two-words');
  await ready(page);
  const panel = '[data-step="weights"] [data-head="0"]';
  await page.click(`${panel} details.check summary`);
  const compare = async (text) => {
    await page.fill(`${panel} textarea.check-input`, text);
    await page.click(`${panel} button.compare`);
  };
  await compare('0.014 0.986\n0.00005 1');
  await page.waitForSelector(`${panel} .check-summary:not([hidden])`);
  assert.match(await page.textContent(`${panel} .check-summary`), /^All 4 compared cells agree/);
  assert.equal(await page.locator(`${panel} td.check-same`).count(), 4);

  await compare('0.014 0.986\n0 one');
  await page.waitForSelector(`${panel} .check-summary`, { state: 'hidden' });
  assert.match(await page.textContent(`${panel} .check .tool-status`), /Could not read that matrix: row 2, entry 2/);
  assert.equal(await page.locator(`${panel} td.check-same, ${panel} td.check-differs`).count(), 0);

  await compare('0.014 0.986'); // the right first row, and nothing else
  await page.waitForSelector(`${panel} .check-summary:not([hidden])`);
  const said = await page.textContent(`${panel} .check-summary`);
  assert.doesNotMatch(said, /All .* agree/);
  assert.match(said, /1 × 2.*2 × 2/);
  assert.ok(await page.locator(`${panel} .check-summary.differs`).count() === 1, 'shown as a difference');
  await page.close();
});

test('Learn marks trained cells in a colour of their own, with a legend', async () => {
  const { page } = await openPage(env, '#preset=learn-it-animal');
  await ready(page);
  // The example selects "it" → "animal", whose sources are every cell of W_Q: select a cell
  // of X instead, so the trained cells show their own colour.
  await page.click('[data-step="x"] td[data-row="0"][data-col="0"]');
  assert.equal(await page.isVisible('.learn-legend'), false);
  await page.click('#learn-step');
  await page.waitForSelector('[data-step="wq"] td.changed');
  assert.equal(await page.isVisible('.learn-legend'), true);
  assert.match(await page.textContent('.learn-legend'), /changed by training/);
  const colours = await page.evaluate(() => {
    const probe = (cls) => {
      const td = document.querySelector('[data-step="x"] td');
      td.classList.add(cls);
      const style = getComputedStyle(td);
      const out = { cls, bg: style.backgroundColor, shadow: style.boxShadow };
      td.classList.remove(cls);
      return out;
    };
    const changed = document.querySelector('[data-step="wq"] td.changed');
    return {
      changed: getComputedStyle(changed).backgroundColor,
      swatch: getComputedStyle(document.querySelector('.learn-legend .swatch')).backgroundColor,
      others: ['is-source', 'is-dependent', 'is-selected', 'check-same', 'check-differs', 'blocked'].map(probe),
    };
  });
  assert.equal(colours.swatch, colours.changed);
  for (const other of colours.others) assert.notEqual(other.bg, colours.changed, `${other.cls} has the trained cells' colour`);
  // A trained cell that lights up as a source shows the source colour, and keeps its flag.
  await page.hover('[data-step="q"] td[data-row="0"][data-col="0"]');
  const source = await page.$eval('[data-step="wq"] td.changed.is-source', (td) => [getComputedStyle(td).backgroundColor, getComputedStyle(td).backgroundImage]);
  assert.equal(source[0], colours.others[0].bg);
  assert.match(source[1], /gradient/);
  await page.click('#learn-reset');
  await page.waitForSelector('[data-step="wq"] td.changed', { state: 'detached' });
  assert.equal(await page.isVisible('.learn-legend'), false);
  await page.close();
});

test('the Chinese page shows no English words, menus and dialogs open', async () => {
  const { page, problems } = await openPage(env, '?lang=zh#preset=check-003', { locale: 'zh-CN' });
  await ready(page);
  for (const [select, value] of [['#ctl-positional', 'rope'], ['#ctl-score', 'additive'], ['#ctl-mask', 'custom']]) await page.selectOption(select, value);
  await page.waitForSelector('[data-step="va"] td');
  await page.click('#learn-step');
  await page.$$eval('details', (all) => all.forEach((d) => { d.open = true; }));
  await page.hover('[data-step="q"] td[data-row="1"][data-col="0"]');
  await page.waitForSelector('[role="tooltip"]:not([hidden])');
  await page.click('#embed');
  await page.waitForSelector('dialog.embed-dialog attention-playground [data-step="weights"] td');
  const words = await page.evaluate(() => {
    const out = [];
    // Numbers, tokens (the example's own words), formulas, code and what the reader typed are not prose.
    const skip = '.katex, math, script, style, textarea, code, td, tbody th, thead th:not(.corner), svg text, svg title, #preset, #learn-query, #learn-key';
    const add = (text, where) => {
      const prose = text.replace(/[\w-]+\.(js|html)\b/g, ''); // file names
      for (const w of prose.match(/[A-Za-z][A-Za-z’']{2,}/g) ?? []) out.push(`${w} (${where.slice(0, 80)})`);
    };
    const roots = [document, ...[...document.querySelectorAll('attention-playground')].map((e) => e.shadowRoot)];
    for (const root of roots) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n; (n = walker.nextNode());) {
        if (!n.parentElement.closest(skip)) add(n.textContent, n.textContent.trim());
      }
      for (const el of root.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
        if (el.closest(skip)) continue;
        for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) add(el.getAttribute(a), `@${a} ${el.getAttribute(a)}`);
      }
    }
    return out;
  });
  // Names, units and notation that stay as they are in Chinese text.
  const kept = new Set(['WebAssembly', 'English', 'softmax', 'model', 'out', 'RoPE', 'Esc', 'CSV', 'Markdown', 'LaTeX', 'SVG', 'PNG',
    'Adam', 'GFLOP', 'xsimd', 'JavaScript', 'exp', 'tanh', 'sin', 'cos', 'pos', 'Concat', 'iframe', 'MiB', 'Ctrl', 'UTF', 'JSON']);
  assert.deepEqual(words.filter((w) => !kept.has(w.split(' ')[0])), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a read-only widget invites no editing; an editable one says how', async () => {
  const S = strings('en');
  const { page, problems } = await openPage(env, 'embed.html#preset=two-words&steps=x,weights&readonly=1');
  await page.waitForSelector('#widget [data-step="x"] td');
  assert.equal(await page.locator('#widget table.matrix.editable').count(), 0);
  assert.equal(await page.locator('#widget .edit-hint').count(), 0);
  const text = await page.$eval('#widget', (el) => el.shadowRoot.querySelector('.ap-root').innerText);
  assert.ok(!text.includes(S.editHint));
  assert.doesNotMatch(text, /\b(Edit|edit|Click|click|Change it)\b/);
  const cursors = await page.$$eval('#widget table.matrix td, #widget table.matrix th', (els) => [...new Set(els.map((el) => getComputedStyle(el).cursor))]);
  assert.ok(!cursors.includes('text'), `cursors: ${cursors}`);
  await page.hover('#widget [data-step="x"] td[data-row="0"][data-col="0"]');
  const tip = await page.$eval('#widget', (el) => el.shadowRoot.querySelector('[role="tooltip"]').textContent);
  assert.match(tip, /X\[1\]\[1\] = 1: an input/);
  assert.doesNotMatch(tip, /[Cc]hange|[Ee]dit/);
  await page.focus('#widget [data-step="x"] td[data-row="0"][data-col="0"]');
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#widget td input').count(), 0);

  // The same widget, editable: its tables say so and it shows how.
  await page.goto(`${env.url}embed.html#preset=two-words&steps=x,weights`);
  await page.reload();
  await page.waitForSelector('#widget [data-step="x"] td');
  assert.equal(await page.locator('#widget table.matrix.editable').count(), 1);
  assert.equal(await page.textContent('#widget .edit-hint'), S.editHint);
  assert.ok(await page.isVisible('#widget .edit-hint'));
  assert.equal(await page.$eval('#widget [data-step="x"] td', (td) => getComputedStyle(td).cursor), 'text');
  // Steps with nothing to edit: no hint.
  await page.goto(`${env.url}embed.html#preset=two-words&steps=weights`);
  await page.reload();
  await page.waitForSelector('#widget [data-step="weights"] td');
  assert.equal(await page.isVisible('#widget .edit-hint'), false);
  assert.deepEqual(problems, []);
  await page.close();
});
