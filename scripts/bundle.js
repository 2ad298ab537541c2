// Builds dist/attention-playground.js: the widget, the engine's JS, the wasm (inlined),
// KaTeX with the fonts our formulas use, and the stylesheets in one minified file that runs
// as a classic or module script.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const { version, license } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const out = `${root}dist/attention-playground.js`;
// The inlined wasm goes in gzipped; the widget inflates it with DecompressionStream.
writeFileSync(`${root}web/core/attention-core.wasm.gz`, gzipSync(readFileSync(`${root}web/core/attention-core.wasm`), { level: 9 }));
// So do the tiny model's weights (sentence="…"; the file has no data/ folder beside it):
// the JSON without its whitespace, gzipped, inflated and parsed by the widget when a
// widget first shows a sentence.
const modelJson = JSON.stringify(JSON.parse(readFileSync(`${root}web/data/pronoun-model.json`, 'utf8')));
writeFileSync(`${root}web/core/pronoun-model.json.gz`, gzipSync(modelJson, { level: 9 }));
// The engine reads files only under Node, and the widget always hands it the wasm's bytes:
// a bundle never reaches that branch. The scalar build is for runtimes without wasm SIMD;
// the one-file widget inlines only the SIMD build (every current browser has SIMD) and
// says so where it is missing (web/widget-bundle.js), and asks for it with { relaxed: false }.
// The scalar and relaxed imports become empty modules, and Node's modules (imported through
// importNode, by names bundlers do not read: the file, the worker pool's os and
// worker_threads) nothing, so the file has no import() left: a bundler that takes it in
// (`import 'attention-playground/widget'`) has nothing to resolve and nothing to warn about.
const NODE_IMPORT = 'import(/* webpackIgnore: true */ /* @vite-ignore */ name)';
// web/model.js reads a model file from disk only under Node, and the widget always hands it
// the model's JSON: the same kind of branch, emptied the same way.
const MODEL_FS_IMPORT = "import('node:fs/promises')";
const unreachable = {
  name: 'unreachable',
  setup(b) {
    b.onResolve({ filter: /\/attention-core-(scalar|relaxed)\.js$/ }, (args) => ({ path: args.path, namespace: 'unreachable' }));
    b.onLoad({ filter: /.*/, namespace: 'unreachable' }, () => ({ contents: 'export default undefined;', loader: 'js' }));
    b.onLoad({ filter: /[\\/]web[\\/]engine\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(NODE_IMPORT)) throw new Error(`web/engine.js no longer has ${NODE_IMPORT}; update scripts/bundle.js`);
      return { contents: source.replace(NODE_IMPORT, 'Promise.resolve({})'), loader: 'js' };
    });
    b.onLoad({ filter: /[\\/]web[\\/]model\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(MODEL_FS_IMPORT)) throw new Error(`web/model.js no longer has ${MODEL_FS_IMPORT}; update scripts/bundle.js`);
      return { contents: source.replace(MODEL_FS_IMPORT, 'Promise.resolve({})'), loader: 'js' };
    });
  },
};
// In a shadow root, rem still means the host page's root font size (many set 62.5 %), so
// the widget's stylesheet gets px of its own 16 px base instead (web/widget.css).
const BASE_PX = 16;
const widgetSizes = {
  name: 'widget-sizes',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/(\d*\.?\d+)rem\b/g, (_, n) => `${+(Number(n) * BASE_PX).toFixed(2)}px`),
      loader: 'text',
    }));
  },
};
await build({
  entryPoints: [`${root}web/widget-bundle.js`],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outfile: out,
  loader: { '.gz': 'binary', '.css': 'text', '.woff2': 'binary' },
  plugins: [unreachable, widgetSizes],
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
  // The file goes into other people's sites and into the npm package: it names what it holds.
  banner: { js: `/*! Attention Playground ${version} | ${license} | includes KaTeX (MIT); its WebAssembly includes xsimd (BSD-3-Clause) and the Emscripten runtime (MIT) */` },
});
const bytes = readFileSync(out);
if (/\bimport\(/.test(bytes.toString('utf8'))) throw new Error('dist/attention-playground.js has an import() left for bundlers to trip on');
console.log(`bundle: dist/attention-playground.js ${(bytes.length / 1024).toFixed(0)} KiB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KiB gzipped`);

// The page (dist/index.html) loads app.js as one module with a few chunks instead of ~50
// modules: the browser fetches and compiles them at once instead of import by import
// (about 0.2 to 0.4 s less before the first tables). web/ stays plain modules, and the other
// pages in dist/ (embed.html, the workers) keep them. A module's `new URL('…',
// import.meta.url)` names a file next to that module; in the bundle import.meta.url is
// dist/'s own, so each such path is rewritten relative to web/ (every output lies there).
const { dirname, relative, resolve } = await import('node:path');
const OWN_URL = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const webRoot = `${root}web`;
const ownUrls = {
  name: 'own-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]web[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replace(OWN_URL, (whole, quote, path) => {
        if (/^[a-z]+:/i.test(path)) return whole;
        const fromRoot = relative(webRoot, resolve(dirname(args.path), path)).split('\\').join('/');
        if (fromRoot.startsWith('..')) throw new Error(`${args.path}: ${path} lies outside web/`);
        return `new URL(${quote}./${fromRoot}${quote}, import.meta.url)`;
      });
      // Any other use of import.meta.url in a module below web/ would resolve against dist/
      // in the bundle and find nothing there: refuse it here rather than as a 404 later.
      // (web/core/ holds Emscripten's glue, whose own file lookups the engine replaces with
      // locateFile.)
      const below = dirname(args.path) !== webRoot && !/[\\/]web[\\/]core[\\/]/.test(args.path);
      if (below && contents.replace(/new URL\(\s*(['"])\.\/[^'"]+\1, import\.meta\.url\)/g, '').includes('import.meta.url')) {
        throw new Error(`${args.path}: import.meta.url other than new URL('<a literal path>', import.meta.url); the page bundle cannot place it`);
      }
      return { contents, loader: 'js' };
    });
  },
};
const page = await build({
  entryPoints: [`${root}web/app.js`],
  bundle: true,
  splitting: true, // the scalar engine and the embed dialog's preview load on demand
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: `${root}dist`,
  entryNames: '[name]',
  chunkNames: 'page-[name]-[hash]',
  allowOverwrite: true,
  plugins: [ownUrls],
  external: ['node:*'], // Node's own modules, imported only where the page never goes
  logLevel: 'warning',
  legalComments: 'inline',
  metafile: true,
});
const outputs = Object.entries(page.metafile.outputs);
const pageBytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`bundle: dist/app.js and ${outputs.length - 1} chunks, ${(pageBytes / 1024).toFixed(0)} KiB (the page's ${Object.keys(page.metafile.inputs).length} modules)`);
