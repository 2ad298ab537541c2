// web/widget.d.ts spells out the presets and tables the widget's attributes take; they
// must stay the ones the widget knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PRESETS } from '../../web/lib/presets.js';
import { TABLE_IDS } from '../../web/lib/steps.js';

const types = readFileSync(new URL('../../web/widget.d.ts', import.meta.url), 'utf8');
const union = (name) => {
  const body = new RegExp(`export type ${name} =([^;]+);`).exec(types)?.[1] ?? '';
  return [...body.matchAll(/'([^']+)'/g)].map((m) => m[1]);
};

test('widget.d.ts names every preset and every table, and nothing else', () => {
  assert.deepEqual(union('AttentionPlaygroundPreset').sort(), Object.keys(PRESETS).sort());
  assert.deepEqual(union('AttentionPlaygroundTable'), TABLE_IDS);
});

test('widget.d.ts names every view and every attribute the element reads', async () => {
  const { VIEWS } = await import('../../web/lib/embed.js');
  const { ATTRIBUTES } = await import('../../web/ui/widget-element.js');
  assert.deepEqual(union('AttentionPlaygroundView').sort(), [...VIEWS].sort());
  const body = /export interface AttentionPlaygroundAttributes \{([\s\S]*?)\n\}/.exec(types)[1];
  const named = [...body.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]);
  assert.deepEqual(named.sort(), [...ATTRIBUTES, 'loading'].sort());
});

test('the one-file widget inlines exactly the KaTeX fonts web/ui/math-fonts.js registers', async () => {
  const { MATH_FONTS } = await import('../../web/ui/math-fonts.js');
  const bundle = readFileSync(new URL('../../web/widget-bundle.js', import.meta.url), 'utf8');
  const imported = [...bundle.matchAll(/from '\.\/vendor\/katex\/fonts\/([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(imported.sort(), MATH_FONTS.map((f) => f.file).sort());
  for (const file of imported) assert.match(bundle, new RegExp(`'${file.replace('.', '\\.')}': \\w+`), file);
});
