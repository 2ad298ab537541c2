// Users bundle the engine (`import { loadEngine } from 'attention-playground'`) for the
// browser with esbuild, webpack or Vite. Its Node-only branch must not make a bundler fail
// or warn: esbuild bundles web/engine.js for platform=browser with no error and no warning,
// and the output names no Node module a bundler would try to resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const engine = fileURLToPath(new URL('../../web/engine.js', import.meta.url));

test('esbuild bundles web/engine.js for the browser with no error or warning', async () => {
  for (const format of ['esm', 'iife']) {
    const result = await build({
      entryPoints: [engine], bundle: true, platform: 'browser', format, write: false, outdir: 'out', logLevel: 'silent',
      // an iife has no import.meta: that one is about the format, not about the engine
      logOverride: format === 'iife' ? { 'empty-import-meta': 'silent' } : {},
    });
    assert.deepEqual(result.errors, [], format);
    assert.deepEqual(result.warnings.map((w) => w.text), [], format);
    const code = result.outputFiles.map((f) => f.text).join('\n');
    assert.doesNotMatch(code, /import\(\s*["']node:|["']node:fs\/promises["']/, `${format}: no literal Node module`);
  }
});

test('the hidden import keeps the comments that tell webpack and Vite to leave it alone', async () => {
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(engine, 'utf8');
  assert.doesNotMatch(source, /import\(\s*['"]node:/, 'no literal import of a Node module');
  assert.match(source, /import\(\/\* webpackIgnore: true \*\/ \/\* @vite-ignore \*\/ name\)/);
});
