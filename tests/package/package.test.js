// The npm package as a user gets it: `npm pack` (after a build), installed from the
// tarball into a fresh project with no network, then used there — the engine in Node on
// seed 002's golden case (SIMD and scalar builds), the widget module imported in Node with
// no DOM (as a static-site build does) and through a bundler (esbuild), and the installed
// widget bundle and engine in Chromium under the strict CSP. Tests the tarball, not the checkout: a file missing from
// package.json's `files` fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { launch, root } from '../browser/browser.js';
import { serve } from '../../scripts/serve.js';

const run = promisify(execFile);
const golden = JSON.parse(await readFile(join(root, 'tests/golden/cases.json'), 'utf8')).cases
  .find((c) => c.name === 'seed-002-two-words');

let dir;
let tarball;
let packed;
let project;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attention-playground-package-'));
  // prepack (scripts/check-package.js) refuses to pack a package whose build is missing.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
  packed = JSON.parse(stdout)[0];
  tarball = join(dir, packed.filename);
  project = join(dir, 'project');
  await run('mkdir', ['-p', project]);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'smoke', private: true, type: 'module' }));
  // --offline: the package has no runtime dependencies, so nothing may need the registry.
  await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline', '--ignore-scripts'], { cwd: project });
});
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const installed = (path = '') => join(project, 'node_modules/attention-playground', path);

test('the tarball holds the built engine, the widget bundle and the types, and nothing else', async (t) => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'README.md',
    'dist/attention-playground.js',
    'dist/embed-resize.js',
    'package.json',
    'web/attention-worker.js',
    'web/core/attention-core-relaxed.js',
    'web/core/attention-core-relaxed.wasm',
    'web/core/attention-core-scalar.js',
    'web/core/attention-core-scalar.wasm',
    'web/core/attention-core.js',
    'web/core/attention-core.wasm',
    'web/data/pronoun-model.json',
    'web/engine.d.ts',
    'web/engine.js',
    'web/model.d.ts',
    'web/model.js',
    'web/widget.d.ts',
  ]);
  const pkg = JSON.parse(await readFile(installed('package.json'), 'utf8'));
  assert.equal(pkg.dependencies, undefined, 'the engine and the bundle need no other package at run time');
  // every target of `exports` (code and types) is in the installed package
  const targets = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
  for (const target of targets) assert.ok((await stat(installed(target))).size > 0, target);
  t.diagnostic(`tarball ${(packed.size / 1024).toFixed(0)} KiB, unpacked ${(packed.unpackedSize / 1024).toFixed(0)} KiB, ${files.length} files`);
});

test("in Node: import 'attention-playground' runs the two-word golden case; the model answers; the widget module imports without a DOM", async () => {
  const script = `
    import { loadEngine, AttentionError, STEP_IDS } from 'attention-playground';
    const config = ${JSON.stringify(golden.config)};
    const out = {};
    for (const simd of [true, false]) {
      const engine = await loadEngine({ simd });
      const t = engine.run(config);
      out[simd ? 'simd' : 'scalar'] = { simd: engine.simd, version: engine.version,
        scores: Array.from(t.heads[0].scores.data), weights: Array.from(t.heads[0].weights.data), final: Array.from(t.final.data) };
      try { engine.run({ ...config, wq: [[1, 0, 0]] }); } catch (err) { out.error = err instanceof AttentionError && err.code; }
    }
    out.steps = STEP_IDS.length;
    const { loadModel } = await import('attention-playground/model');
    out.referent = (await loadModel()).run('the dog did not cross the street because it was too tired').referent;
    const widget = await import('attention-playground/widget');
    out.widgetExports = Object.keys(widget);
    out.dom = typeof customElements;
    console.log(JSON.stringify(out));
  `;
  await writeFile(join(project, 'smoke.mjs'), script);
  const { stdout } = await run(process.execPath, ['smoke.mjs'], { cwd: project });
  const out = JSON.parse(stdout);
  for (const build of ['simd', 'scalar']) {
    assert.equal(out[build].simd, build === 'simd');
    assert.equal(out[build].version, '0.1.0');
    for (const step of ['scores', 'weights', 'final']) {
      golden.expect[step].flat().forEach((want, i) => {
        const got = out[build][step][i];
        assert.ok(Math.abs(got - want) <= golden.tolerance, `${build} ${step}[${i}]: ${got} vs ${want}`);
      });
    }
  }
  assert.equal(out.error, 'shape_mismatch');
  assert.equal(out.steps, 16);
  assert.equal(out.referent, 1, 'attention-playground/model loads its trained weights from the package');
  assert.deepEqual(out.widgetExports, []);
  assert.equal(out.dom, 'undefined');
});

test("a bundler takes in 'attention-playground/widget': the bundle leaves nothing to resolve", async () => {
  await writeFile(join(project, 'article.js'), "import 'attention-playground/widget';\n");
  const result = await build({ entryPoints: [join(project, 'article.js')], absWorkingDir: project, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  assert.deepEqual(result.errors, []);
  assert.ok(result.outputFiles[0].contents.length > 400_000, 'the widget with its inlined engine');
});

test('in Chromium: the installed widget bundle shows two-words and the installed engine loads its wasm', async () => {
  await writeFile(join(project, 'index.html'), `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>package smoke test</title>
  <link rel="icon" href="data:,">
  <script src="node_modules/attention-playground/dist/attention-playground.js" defer></script>
  <script type="module" src="engine-check.js"></script>
</head>
<body>
  <attention-playground preset="two-words" steps="weights,output" loading="eager"></attention-playground>
  <output id="engine"></output>
</body>
</html>
`);
  await writeFile(join(project, 'engine-check.js'), `
import { loadEngine } from './node_modules/attention-playground/web/engine.js';
const engine = await loadEngine();
const trace = engine.run(${JSON.stringify(golden.config)});
document.getElementById('engine').textContent = JSON.stringify({ simd: engine.simd, build: engine.build, final: Array.from(trace.final.data) });
`);
  const env = await launch();
  const { server, url } = await serve({ root: project, port: 0 });
  try {
    const page = await env.browser.newPage();
    const problems = [];
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('response', (res) => { if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`); });
    await page.goto(`${url}index.html`);
    await page.waitForSelector('attention-playground [data-step="output"] td');
    const cells = (step) => page.$$eval(`attention-playground [data-step="${step}"] table.matrix td`, (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(await cells('weights'), ['0.014', '0.986', '5.0e-5', '<1.000']);
    assert.deepEqual(await cells('output'), ['2.972', '3.972', '3.000', '4.000']);
    await page.waitForFunction(() => document.getElementById('engine').textContent !== '');
    const engine = JSON.parse(await page.textContent('#engine'));
    assert.equal(engine.simd, true);
    assert.equal(engine.build, 'relaxed', 'Chromium runs relaxed SIMD, so the installed engine finds and loads the relaxed .wasm');
    golden.expect.final.flat().forEach((want, i) => assert.ok(Math.abs(engine.final[i] - want) <= golden.tolerance));
    assert.deepEqual(problems, [], 'no console errors, CSP violations or failed requests');
  } finally {
    server.close();
    await env.close();
  }
});
