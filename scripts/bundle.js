// Builds dist/attention-playground.js: the widget, the engine's JS, the wasm (inlined),
// KaTeX and the stylesheet in one minified file that runs as a classic or module script.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = `${root}dist/attention-playground.js`;
// The inlined wasm goes in gzipped; the widget inflates it with DecompressionStream.
writeFileSync(`${root}web/core/attention-core.wasm.gz`, gzipSync(readFileSync(`${root}web/core/attention-core.wasm`), { level: 9 }));
await build({
  entryPoints: [`${root}web/widget-bundle.js`],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outfile: out,
  loader: { '.gz': 'binary', '.css': 'text' },
  // The engine reads files only under Node; a browser bundle never reaches that branch.
  // The scalar build is for browsers without wasm SIMD; the one-file widget inlines only
  // the SIMD build (every current browser has SIMD) and says so where it is missing.
  external: ['node:fs/promises', './core/attention-core-scalar.js'],
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
});
const bytes = readFileSync(out);
console.log(`bundle: dist/attention-playground.js ${(bytes.length / 1024).toFixed(0)} KiB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KiB gzipped`);
