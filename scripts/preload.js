// Writes <link rel="modulepreload"> for every module the page imports (found by following
// the static imports from app.js) and a preload of the SIMD engine into dist/index.html, so
// the browser fetches them at once instead of one level of imports after another. In dist/,
// app.js is a bundle (scripts/bundle.js) and imports one shared chunk; without the bundle
// (or if the page grows more chunks) the same walk finds every module. web/index.html, the
// working site without a build step, stays as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const site = join(root, 'dist');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

const seen = new Set();
const order = [];
function walk(file) {
  if (seen.has(file)) return;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(IMPORT)) walk(join(dirname(file), m[1] ?? m[2]));
  order.push(file);
}
walk(join(site, 'app.js'));

const links = order.filter((f) => !f.endsWith(join(site, 'app.js')))
  .map((f) => `  <link rel="modulepreload" href="${relative(site, f).split('\\').join('/')}">`);
links.push('  <link rel="preload" href="core/attention-core.wasm" as="fetch" type="application/wasm" crossorigin>');
const page = join(site, 'index.html');
const html = readFileSync(page, 'utf8');
const marker = '  <script type="module" src="app.js"></script>';
if (!html.includes(marker)) throw new Error(`preload: ${marker.trim()} not found in dist/index.html`);
writeFileSync(page, html.replace(marker, `${links.join('\n')}\n${marker}`));
console.log(`preload: ${links.length} links in dist/index.html`);
