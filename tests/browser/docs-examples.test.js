// The examples for authors in docs/embedding.md, run as an author would: each fenced
// snippet after an `<!-- example: name -->` comment is extracted from the file. Plain HTML
// goes to Chromium as it is; Markdown through markdown-it (what Eleventy and VitePress use)
// and then Chromium; the React component and the Docusaurus one are bundled with esbuild
// against the real react and react-dom, the latter also rendered on the server in Node and
// hydrated. VitePress itself is not installed: its page's Markdown goes through
// markdown-it and its script runs with a stand-in for Vue's onMounted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import MarkdownIt from 'markdown-it';
import { launch, openPage, root, artifacts } from './browser.js';
import { CSP } from '../../scripts/serve.js';

const docs = readFileSync(join(root, 'docs/embedding.md'), 'utf8');
const EXAMPLES = new Map([...docs.matchAll(/<!-- example: ([\w-]+) -->\n```(\w+)\n([\s\S]*?)\n```/g)].map((m) => [m[1], { lang: m[2], code: m[3] }]));
const example = (name) => {
  assert.ok(EXAMPLES.has(name), `docs/embedding.md has the example "${name}"`);
  return EXAMPLES.get(name).code;
};
const bundlePath = join(root, 'dist/attention-playground.js');
const work = join(artifacts, 'docs-examples');
const WEIGHTS = ['0.014', '0.986', '5.0e-5', '<1.000'];

let env;
before(async () => {
  env = await launch();
  mkdirSync(work, { recursive: true });
});
after(async () => env?.close());

// A page of the test server (the built site's origin, under the strict CSP) whose HTML is
// `html`; `files` maps other paths to files served with it.
async function show(html, { width = 900, files = {} } = {}) {
  const { page, problems } = await openPage(env, 'embed.html#preset=two-words&steps=x', { width, height: 900, view: null });
  for (const [path, file] of Object.entries(files)) {
    await page.route(`${env.url}${path}`, (route) => route.fulfill({ contentType: 'text/javascript', body: readFileSync(file) }));
  }
  await page.route(`${env.url}article.html`, (route) => route.fulfill({ contentType: 'text/html', headers: { 'Content-Security-Policy': CSP }, body: html }));
  await page.goto(`${env.url}article.html`);
  return { page, problems };
}

const page = (body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>example</title><link rel="icon" href="favicon.svg"></head><body>${body}</body></html>`;
const weightsOf = (p, sel) => p.$$eval(`${sel} [data-step="weights"] td`, (tds) => tds.map((td) => td.textContent));

// esbuild with 'attention-playground/widget' taken from the build, as the package maps it.
const widgetAlias = {
  name: 'widget-alias',
  setup(b) {
    b.onResolve({ filter: /^attention-playground\/widget$/ }, () => ({ path: bundlePath }));
    b.onResolve({ filter: /^vue$/ }, () => ({ path: join(work, 'vue-stand-in.js') }));
  },
};
async function bundle(entry, { platform = 'browser', outfile }) {
  const result = await build({
    entryPoints: [entry], bundle: true, platform, format: platform === 'node' ? 'esm' : 'iife', outfile,
    jsx: 'automatic', loader: { '.js': 'jsx' }, plugins: [widgetAlias], logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    // on the server, react and react-dom come from node_modules, as in a site's build
    ...(platform === 'node' ? { packages: 'external' } : {}),
    logOverride: { 'empty-import-meta': 'silent' },
  });
  assert.deepEqual(result.warnings.map((w) => w.text), []);
  return outfile;
}

test('the first snippet: the compact flow, X editable, at most 700 px tall in a 700 px column', async (t) => {
  assert.match(example('first'), /<script src="attention-playground\.js" defer><\/script>/);
  const { page: p, problems } = await show(page(example('first')), { width: 700 });
  await p.waitForSelector('attention-playground [data-step="weights"] td');
  const height = await p.$eval('attention-playground', (w) => w.getBoundingClientRect().height);
  t.diagnostic(`first snippet at 700 px (body margin 8 px): ${Math.round(height)} px`);
  assert.ok(height <= 700, `${height} px`);
  assert.equal(await p.locator('attention-playground [data-step="x"].editable').count(), 1);
  assert.deepEqual(await weightsOf(p, 'attention-playground'), WEIGHTS);
  assert.deepEqual(problems, []);
  await p.close();
});

test('plain HTML: the whole page of the example works as it is', async () => {
  const { page: p, problems } = await show(example('html'));
  await p.waitForSelector('attention-playground [data-step="weights"] td');
  assert.deepEqual(await weightsOf(p, 'attention-playground'), WEIGHTS);
  assert.equal(await p.textContent('attention-playground .figure-caption'), 'Figure 1. Every step of attention for two words.');
  assert.deepEqual(problems, []);
  await p.close();
});

test('a Markdown static site: the post through markdown-it keeps the elements as HTML blocks', async () => {
  const markdown = example('markdown');
  const body = new MarkdownIt({ html: true }).render(markdown.replace(/^---\n[\s\S]*?\n---\n/, ''));
  assert.match(body, /<attention-playground preset="two-words" view="flow"/);
  const { page: p, problems } = await show(page(body), { files: { 'js/attention-playground.js': bundlePath } });
  await p.waitForFunction(() => [...document.querySelectorAll('attention-playground')].every((w) => w.trace));
  assert.equal(await p.locator('attention-playground').count(), 2);
  assert.equal(await p.evaluate(() => document.querySelectorAll('p attention-playground').length), 0, 'blocks, not inside paragraphs');
  assert.equal(await p.textContent('attention-playground >> nth=0 >> .figure-caption'), 'Figure 1. Every step of attention for two words.');
  assert.match(await p.textContent('attention-playground >> nth=1 >> .selection-bar'), /A\[word1, word2\].*0\.986/);
  assert.deepEqual(problems, []);
  await p.screenshot({ path: join(artifacts, 'docs-markdown.png'), fullPage: true });
  await p.close();
});

test('client-only (VitePress, Docusaurus): the widget module imports in Node without a DOM', async () => {
  assert.equal(typeof globalThis.customElements, 'undefined');
  await import(pathToFileURL(bundlePath).href); // what a server render does
  assert.equal(typeof globalThis.customElements, 'undefined');
});

test('VitePress: the page through markdown-it, its script imports the widget once mounted', async () => {
  const source = example('vitepress');
  const script = /<script setup>\n([\s\S]*?)<\/script>\n/.exec(source);
  assert.ok(script, 'a <script setup> block');
  assert.match(script[1], /onMounted\(\(\) => import\('attention-playground\/widget'\)\)/);
  const body = new MarkdownIt({ html: true }).render(source.replace(script[0], ''));
  // Vue calls onMounted's function once the page is in the document; so does the stand-in.
  writeFileSync(join(work, 'vue-stand-in.js'), 'export const onMounted = (fn) => { window.mountedCalls = (window.mountedCalls ?? 0) + 1; fn(); };\n');
  writeFileSync(join(work, 'vitepress-page.js'), script[1]);
  const out = await bundle(join(work, 'vitepress-page.js'), { outfile: join(work, 'vitepress.js') });
  const { page: p, problems } = await show(page(`<div id="app">${body}</div><script src="vitepress.js"></script>`), { files: { 'vitepress.js': out } });
  await p.waitForSelector('attention-playground [data-step="weights"] td');
  assert.equal(await p.evaluate(() => window.mountedCalls), 1);
  assert.equal(await p.evaluate(() => document.querySelectorAll('p attention-playground').length), 0, 'a block, not inside a paragraph');
  assert.match(await p.textContent('h1'), /Attention, one number at a time/);
  assert.deepEqual(await weightsOf(p, 'attention-playground'), WEIGHTS);
  assert.deepEqual(problems, []);
  await p.close();
});

test('Docusaurus: the component renders to HTML in Node and comes alive when hydrated in the browser', async () => {
  writeFileSync(join(work, 'Attention.js'), example('docusaurus'));
  const props = 'preset="two-words" view="flow" loading="eager" caption="Figure 2"';
  writeFileSync(join(work, 'docusaurus-server.js'), `import { renderToString } from 'react-dom/server';
import Attention from './Attention.js';
export const html = renderToString(<Attention ${props} />);
`);
  writeFileSync(join(work, 'docusaurus-client.js'), `import { hydrateRoot } from 'react-dom/client';
import Attention from './Attention.js';
hydrateRoot(document.getElementById('root'), <Attention ${props} />, { onRecoverableError: (err) => console.error(\`hydration: \${err.message}\`) });
`);
  const server = await bundle(join(work, 'docusaurus-server.js'), { platform: 'node', outfile: join(work, 'docusaurus-server.mjs') });
  const { html } = await import(`${pathToFileURL(server).href}?${Date.now()}`);
  assert.equal(html, '<attention-playground preset="two-words" view="flow" loading="eager" caption="Figure 2"></attention-playground>');
  const client = await bundle(join(work, 'docusaurus-client.js'), { outfile: join(work, 'docusaurus.js') });
  const { page: p, problems } = await show(page(`<div id="root">${html}</div><script src="docusaurus.js"></script>`), { files: { 'docusaurus.js': client } });
  await p.waitForSelector('attention-playground [data-step="weights"] td');
  assert.deepEqual(await weightsOf(p, 'attention-playground'), WEIGHTS);
  assert.equal(await p.textContent('attention-playground .figure-caption'), 'Figure 2');
  assert.deepEqual(problems, [], 'no hydration error');
  await p.close();
});

test('React: .config set as a property through a ref, and an edit reported through the input event', async () => {
  writeFileSync(join(work, 'AttentionFigure.js'), example('react'));
  writeFileSync(join(work, 'react-app.js'), `import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AttentionFigure } from './AttentionFigure.js';

const I = [[1, 0], [0, 1]];
window.edits = [];
function App() {
  const [config, setConfig] = useState({ x: [[1, 0], [0, 1]], tokens: ['a', 'b'], wq: I, wk: I, wv: I });
  window.setConfig = setConfig;
  return <AttentionFigure config={config} onEdit={(c, trace) => window.edits.push({ x: c.x, final: Array.from(trace.final.data) })} id="fig" loading="eager" />;
}
createRoot(document.getElementById('root')).render(<App />);
`);
  const out = await bundle(join(work, 'react-app.js'), { outfile: join(work, 'react.js') });
  const { page: p, problems } = await show(page('<div id="root"></div><script src="react.js"></script>'), { files: { 'react.js': out } });
  // the property, not the preset: tokens a and b, X the identity
  await p.waitForFunction(() => document.getElementById('fig')?.trace?.tokens?.[0] === 'a');
  assert.deepEqual(await p.$$eval('#fig [data-step="x"] td', (tds) => tds.map((td) => td.textContent)), ['1.000', '0.000', '0.000', '1.000']);
  assert.equal(await p.$eval('#fig', (w) => w.getAttribute('config')), null, 'an object, not an attribute');
  // an edit: the input event reaches onEdit with the new config and trace
  await p.click('#fig [data-step="x"] td[data-row="0"][data-col="1"]');
  await p.keyboard.type('2');
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => window.edits.length === 1);
  const edit = await p.evaluate(() => window.edits[0]);
  assert.deepEqual(edit.x, [[1, 2], [0, 1]]);
  assert.equal(edit.final.length, 4);
  // a new prop from React replaces the config
  await p.evaluate(() => window.setConfig({ x: [[5, 5]], wq: [[1], [0]], wk: [[1], [0]], wv: [[1], [0]] }));
  await p.waitForFunction(() => document.getElementById('fig').config.x[0][0] === 5);
  assert.deepEqual(await p.$$eval('#fig [data-step="x"] td', (tds) => tds.map((td) => td.textContent)), ['5.000', '5.000']);
  assert.equal(await p.evaluate(() => window.edits.length), 1, 'a property set is not an edit');
  assert.deepEqual(problems, []);
  await p.close();
});

test('the compact figures of the attribute examples: each shows, with no complaint about its attributes', async (t) => {
  const figures = [...EXAMPLES].filter(([name]) => name.startsWith('figure-'));
  assert.ok(figures.length >= 7, figures.map(([name]) => name).join(', '));
  const body = figures.map(([name, { code }]) => code.replace('<attention-playground', `<attention-playground id="${name}" loading="eager"`)).join('\n');
  const { page: p, problems } = await show(page(`${body}<script src="attention-playground.js"></script>`), { width: 716 }); // 700 px inside the body's margins
  // sentence="…" shows the tiny model's run() (.result), not an engine trace.
  await p.waitForFunction(() => [...document.querySelectorAll('attention-playground')].every((w) => w.trace || w.result));
  const heights = {};
  for (const [name] of figures) {
    assert.equal(await p.locator(`#${name} .widget-note`).count(), 0, name);
    heights[name] = Math.round(await p.$eval(`#${name}`, (w) => w.getBoundingClientRect().height));
  }
  t.diagnostic(`heights at 700 px: ${JSON.stringify(heights)}`);
  assert.ok(heights['figure-flow'] <= 700);
  assert.match(await p.textContent('#figure-select .selection-bar'), /A\[word1, word2\] *exp\(7\.778 − 7\.778\) ÷ Σ = 1 ÷ 1\.014 = 0\.986/);
  assert.match(await p.textContent('#figure-caption .figure-caption'), /^Figure 3\. With a causal mask/);
  assert.equal(await p.textContent('#figure-head .figure-head'), 'Head 2 of 2.');
  // The tiles view: the fused kernel's first block, and its walk.
  assert.equal(await p.locator('#figure-tiles [data-section="tiles"] table.matrix[data-step="tile-scores"]').count(), 1);
  assert.equal(await p.locator('#figure-tiles [data-section="tiles"] button').filter({ hasText: /Next block/ }).count(), 1);
  assert.deepEqual(problems, []);
  await p.screenshot({ path: join(artifacts, 'docs-figures.png'), fullPage: true });
  await p.close();
});
