// engine.backward through the wasm module: the golden cases' gradients agree with the
// native build (which Catch2 checks against finite differences), the seed gradient can be
// a matrix or number[][], dWeights adds a loss on the attention weights, and bad seeds get
// an AttentionError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEngine, AttentionError } from 'attention-playground';

const root = fileURLToPath(new URL('../../', import.meta.url));
const golden = JSON.parse(readFileSync(`${root}tests/golden/cases.json`, 'utf8')).cases;
const engine = await loadEngine();
const seedFor = (rows, cols) => Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => ((7 * r + 3 * c) % 5) / 2 - 1));

test('gradients of the golden cases agree with the native build', () => {
  const native = JSON.parse(execFileSync(`${root}build/native/trace_dump`).toString());
  for (const c of golden) {
    const t = engine.run(c.config);
    const g = engine.backward(c.config, seedFor(t.final.rows, t.final.cols));
    const want = native[c.name].grads;
    assert.deepEqual(Object.keys(g).sort(), Object.keys(want).sort(), c.name);
    for (const [key, w] of Object.entries(want)) {
      const got = key === 'va' ? g.va : g[key].data;
      const ref = key === 'va' ? w : w.data;
      const scale = Math.max(1, ...ref.map(Math.abs));
      // different SIMD widths sum in different orders: 1e-4 of the largest gradient
      ref.forEach((value, i) => assert.ok(Math.abs(got[i] - value) <= 1e-4 * scale, `${c.name} ${key}[${i}]: ${got[i]} vs ${value}`));
    }
  }
});

test('a loss on one attention weight: the gradient points where training should go', () => {
  const config = golden.find((g) => g.name === 'seed-003-three-tokens').config;
  const t = engine.run(config);
  const a = t.heads[0].weights;
  // L = -log A[2][0]: dL/dA = -1 / A at that cell
  const dW = Array.from({ length: 3 }, (_, r) => Array.from({ length: 3 }, (_, c) => (r === 2 && c === 0 ? -1 / a.data[6] : 0)));
  const g = engine.backward(config, { rows: 3, cols: 2, data: new Float32Array(6) }, { dWeights: [dW] });
  // a small step against the gradient raises the weight
  const step = (w, grad) => w.map((row, r) => row.map((v, c) => v - 0.1 * grad.data[r * grad.cols + c]));
  const after = engine.run({ ...config, wq: step(config.wq, g.wq), wk: step(config.wk, g.wk) });
  assert.ok(after.heads[0].weights.data[6] > a.data[6], `${after.heads[0].weights.data[6]} > ${a.data[6]}`);
  assert.equal(g.wo, undefined);
  assert.equal(g.context, undefined);
});

test('bad seeds get an AttentionError and the engine keeps working', () => {
  const config = golden[0].config;
  for (const [dFinal, options, field, code] of [
    [[[1, 2, 3]], undefined, 'dFinal', 'shape_mismatch'],
    [[[1, NaN], [0, 0]], undefined, 'dFinal', 'non_finite'],
    ['nope', undefined, 'dFinal', 'bad_config'],
    [[[1, 0], [0, 1]], { dWeights: 'x' }, 'dWeights', 'bad_config'],
    [[[1, 0], [0, 1]], { dWeights: [[[1, 0], [0, 1]], [[1, 0], [0, 1]]] }, 'dWeights', 'shape_mismatch'],
  ]) {
    assert.throws(() => engine.backward(config, dFinal, options), (e) => e instanceof AttentionError && e.field === field && e.code === code);
  }
  assert.throws(() => engine.backward({ ...config, wq: [[1]] }, [[1, 0], [0, 1]]), { code: 'shape_mismatch', field: 'wq' });
  assert.equal(engine.backward(config, [[1, 0], [0, 1]]).wq.rows, 2);
});
