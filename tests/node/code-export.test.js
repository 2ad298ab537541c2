// "Copy as NumPy" and "Copy as PyTorch" (web/lib/code-export.js): the scripts' matrices and
// labels read back to exactly the config the engine ran; both are valid Python (ast.parse);
// the NumPy script runs (python3 + numpy, installed by scripts/setup.sh) and prints every
// head's weights and the output the engine computes. PyTorch is not installed here: its
// script is checked for syntax and for its numbers as text only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

import { loadEngine } from 'attention-playground';
import { toNumpy, toPytorch } from '../../web/lib/code-export.js';
import { PRESETS, presetConfig } from '../../web/lib/presets.js';

const engine = await loadEngine();

const base = presetConfig('multi-head');
const CASES = {
  ...Object.fromEntries(['two-words', 'three-tokens', 'it-animal', 'multi-head', 'causal', 'positional', 'learn-it-animal'].map((n) => [n, PRESETS[n]()])),
  rope: { ...base, positional: 'rope', mask: 'causal' },
  additive: { ...presetConfig('two-words'), score: 'additive', va: [0.5, -1.25] },
  'additive-default-va': { ...base, score: 'additive', scale: 'none' },
  // Cross-attention with sinusoidal encoding of both sequences, a custom scale and a mask
  // that blocks the whole second row (zero weights and output, never NaN).
  cross: {
    x: [[1, 0], [0, 1], [1, 1]], tokens: ['a', 'b', 'c'],
    context: [[0.5, -1], [2, 0.25], [-1, 1], [0, 3]], contextTokens: ['k1', 'k2', 'k3', 'k4'],
    wq: [[1, 0.5], [-0.5, 1]], wk: [[0.25, 1], [1, -1]], wv: [[1, 2], [3, -4]],
    mask: [[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]], positional: 'sinusoidal', scale: 0.37,
  },
  // Numbers whose shortest form is long, tiny or huge; labels that are hard to quote.
  awkward: {
    x: [[0.1 + 0.2, -1e-7], [1 / 3, 12345.678]], tokens: ['"""', 'a\\nb\n\'c\'\u2028{x}'],
    wq: [[1e-300, 2], [-0, 3]], wk: [[1, 0], [0, 1]], wv: [[1.5e10, 0], [0, 1]],
  },
};

// Python with numpy: the Debian interpreter apt's python3-numpy installs into, or python3.
function pythonWithNumpy() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}
const PY = pythonWithNumpy();
const anyPython = PY ?? 'python3';

// The literal after `NAME = np.array(` / `torch.tensor(`, up to its closing bracket, as JSON
// (Python's list of numbers is JSON: 0.1, -2, 1e-07, -0.0).
function literal(src, name) {
  const start = src.search(new RegExp(`^${name} = (?:np\\.array|torch\\.tensor)\\(`, 'm'));
  if (start < 0) return undefined;
  const open = src.indexOf('[', start);
  let depth = 0;
  let i = open;
  for (; i < src.length; i++) {
    if (src[i] === '[') depth++;
    if (src[i] === ']' && --depth === 0) break;
  }
  return JSON.parse(src.slice(open, i + 1).replace(/,(\s*)\]/g, '$1]'));
}

const stringList = (src, name) => {
  const line = src.split('\n').find((l) => l.startsWith(`${name} = [`));
  return line === undefined ? undefined : line.slice(name.length + 3);
};

function checkText(src, config, label) {
  const fields = { X: 'x', C: 'context', W_Q: 'wq', W_K: 'wk', W_V: 'wv', W_O: 'wo' };
  for (const [name, field] of Object.entries(fields)) {
    // Exactly the config's doubles: each printed in its shortest form, read back the same.
    if (config[field]) assert.deepEqual(literal(src, name), config[field], `${label}: ${name}`);
    else assert.equal(literal(src, name), undefined, `${label}: no ${name}`);
  }
  if (Array.isArray(config.mask)) assert.deepEqual(literal(src, 'mask'), config.mask, `${label}: mask`);
  if (config.va) assert.deepEqual(literal(src, 'v_a'), config.va, `${label}: v_a`);
  assert.match(src, new RegExp(`^heads = ${config.heads ?? 1}$`, 'm'));
  if (typeof config.scale === 'number') assert.match(src, new RegExp(`^scale = ${config.scale}$`, 'm'));
  if (config.scale === 'none') assert.match(src, /^scale = 1\.0 /m);
  if (config.scale === undefined || config.scale === 'sqrt_dk') assert.match(src, /^scale = 1 \/ d_k \*\* 0\.5$/m);
  if (config.mask === 'causal') assert.match(src, /^mask = (?:np|torch)\.tril\(/m);
  assert.equal(/def sinusoidal/.test(src), config.positional === 'sinusoidal', `${label}: sinusoidal`);
  assert.equal(/def rope/.test(src), config.positional === 'rope', `${label}: rope`);
  assert.equal(/tanh/.test(src), config.score === 'additive', `${label}: additive`);
  assert.equal(/@ W_O$/m.test(src), Boolean(config.wo), `${label}: W_O`);
  // Labels: Python reads the same text back.
  for (const [name, field] of [['tokens', 'tokens'], ['context_tokens', 'contextTokens']]) {
    const list = stringList(src, name);
    if (!config[field]) continue;
    const read = execFileSync(anyPython, ['-c', `import json; print(json.dumps(${list}))`], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(read), config[field], `${label}: ${name}`);
  }
}

function parsePython(src, label) {
  const r = spawnSync(anyPython, ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: src, encoding: 'utf8' });
  assert.equal(r.status, 0, `${label} is valid Python: ${r.stderr}`);
}

// NumPy's printout of a matrix: [[a b]\n [c d]], rows possibly wrapped.
function printedMatrix(text) {
  return [...text.matchAll(/\[([^[\]]+)\]/g)].map((m) => m[1].trim().split(/\s+/).map(Number));
}

test('the NumPy and PyTorch scripts rebuild the config exactly and are valid Python', () => {
  for (const [name, config] of Object.entries(CASES)) {
    for (const [kind, make] of [['NumPy', toNumpy], ['PyTorch', toPytorch]]) {
      const src = make(config);
      checkText(src, config, `${name} ${kind}`);
      parsePython(src, `${name} ${kind}`);
    }
  }
});

test('the NumPy script runs and prints the engine\'s weights and output', { skip: false }, () => {
  assert.ok(PY, 'python3 with numpy is needed: scripts/setup.sh installs python3-numpy (apt-get install python3-numpy)');
  for (const [name, config] of Object.entries(CASES)) {
    const trace = engine.run(config);
    const out = execFileSync(PY, ['-W', 'error', '-'], { input: toNumpy(config), encoding: 'utf8' });
    const parts = out.split(/^(A \(head \d+\)|Y) =$/m).slice(1);
    const printed = {};
    for (let i = 0; i < parts.length; i += 2) printed[parts[i]] = printedMatrix(parts[i + 1]);
    const expected = { Y: trace.final };
    trace.heads.forEach((h, i) => { expected[`A (head ${i + 1})`] = h.weights; });
    assert.deepEqual(Object.keys(printed).sort(), Object.keys(expected).sort(), name);
    for (const [key, m] of Object.entries(expected)) {
      const rows = printed[key];
      assert.equal(rows.length, m.rows, `${name} ${key} rows`);
      rows.forEach((row, r) => {
        assert.equal(row.length, m.cols, `${name} ${key} row ${r + 1}`);
        row.forEach((v, c) => {
          const e = m.data[r * m.cols + c];
          // float64 in NumPy against float32 in the engine (about 1e-6 relative, more
          // after softmax of large scores), printed with 6 decimals (5e-7).
          assert.ok(Math.abs(v - e) <= 2e-5 * Math.max(1, Math.abs(e)) + 5e-7, `${name} ${key}[${r + 1}][${c + 1}]: numpy ${v}, engine ${e}`);
        });
      });
    }
  }
});

test('an option the scripts cannot rebuild is named, and the script stops instead of printing other numbers', () => {
  const config = { ...PRESETS['two-words'](), dropout: 0.1, 'evil\nimport os': 1 };
  for (const make of [toNumpy, toPytorch]) {
    const src = make(config);
    parsePython(src, 'unknown field');
    assert.match(src, /^# This configuration uses dropout, evil\?import\?os, which this script cannot rebuild;$/m);
    assert.match(src, /^raise NotImplementedError\(/m);
  }
  if (PY) {
    const r = spawnSync(PY, ['-'], { input: toNumpy(config), encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /NotImplementedError: not rebuilt: dropout/);
    assert.equal(r.stdout, '');
  }
});
