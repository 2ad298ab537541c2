// npm run bench:page — the page itself in headless Chromium: load → first tables, and
// edit → repaint (median of 20 edits of X), for the small examples and two big share
// links. A benchmark, not a test: it prints figures and fails only if the page breaks.
//   node bench/page.js [--edits 20] [--view flow|article]
import { launch, openPage } from '../tests/browser/browser.js';
import { presetConfig } from '../web/lib/presets.js';
import { resize, encodeShare } from '../web/lib/state.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const EDITS = Number(arg('edits', 20));
const VIEW = arg('view', 'flow');

const big = (n, dModel, heads) => encodeShare({
  config: resize(presetConfig('two-words'), { n, dModel, heads, dk: dModel / heads, dv: dModel / heads }, 7),
  decimals: 2,
  lang: 'en',
});

const CASES = [
  { name: 'two-words', hash: '#preset=two-words', target: {} },
  { name: 'it-animal', hash: '#preset=it-animal', target: {} },
  { name: 'n=64, d_model=64, 8 heads', hash: big(64, 64, 8), target: { edit: 50 } },
  { name: 'n=128, d_model=64, 8 heads', hash: big(128, 64, 8), target: { edit: 150, load: 1500 } },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// One edit of X's cell (r, c) through the page's own editor, timed from the commit key to
// the end of the frame that shows the result (the next animation frame has run style,
// layout and paint of the change; a macrotask after it is past the frame).
async function timeEdit(page, r, c, value) {
  const cell = `[data-step="x"] td[data-row="${r}"][data-col="${c}"]`;
  await page.click(cell);
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(String(value));
  return page.evaluate(() => new Promise((done) => {
    const input = document.activeElement;
    const t0 = performance.now();
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
  }));
}

async function measure(env, c) {
  const { page, problems } = await openPage(env, `index.html${c.hash}`, { view: VIEW });
  await page.waitForSelector('[data-step="weights"] td, [data-step="weights"] canvas', { state: 'attached', timeout: 120_000 });
  const load = await page.evaluate(() => performance.now());
  const cells = await page.$$eval('td, canvas', (els) => els.length);
  const times = [];
  for (let i = 0; i < EDITS; i++) times.push(await timeEdit(page, i % 2, 0, ((i % 5) - 2) / 10 + 0.05));
  await page.close();
  return { load, edit: median(times), worst: Math.max(...times), cells, problems };
}

const env = await launch();
try {
  console.log(`page benchmark: headless Chromium, ${VIEW} view, median of ${EDITS} edits of X\n`);
  console.log('| case | load → first tables | edit → repaint (median) | worst edit | elements | target |');
  console.log('|---|---|---|---|---|---|');
  let broken = false;
  for (const c of CASES) {
    const r = await measure(env, c);
    const target = [c.target.edit && `edit ≤ ${c.target.edit} ms`, c.target.load && `load ≤ ${c.target.load} ms`].filter(Boolean).join(', ') || '—';
    console.log(`| ${c.name} | ${r.load.toFixed(0)} ms | ${r.edit.toFixed(1)} ms | ${r.worst.toFixed(1)} ms | ${r.cells} | ${target} |`);
    if (r.problems.length) {
      broken = true;
      console.error(`  problems (${r.problems.length}): ${r.problems.slice(0, 3).join('; ').slice(0, 600)}`);
    }
  }
  if (broken) process.exitCode = 1;
} finally {
  await env.close();
}
