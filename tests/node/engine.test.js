// The wasm module through its public JS API: the golden cases agree with the native
// build and with their pinned values, every error code arrives as an AttentionError,
// and the engine keeps working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadEngine, AttentionError, STEP_IDS } from 'attention-playground';
import { readStep } from '../../web/lib/steps.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const golden = JSON.parse(readFileSync(`${root}tests/golden/cases.json`, 'utf8')).cases;
const engine = await loadEngine();

// Relative agreement of two float32 results, scaled by max(|expected|, 1): the two
// builds run the same source with different SIMD widths (4 in wasm, 8-16 natively),
// so sums are associated differently; 1e-5 allows a few ulps of the largest entry.
function assertClose(got, want, tol, what) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(err <= tol * Math.max(Math.abs(want[i]), 1), `${what}[${i}]: wasm ${got[i]}, expected ${want[i]}`);
  }
}

test('loads with no options and reports version and SIMD', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  assert.equal(engine.version, pkg.version);
  assert.equal(engine.simd, true);
  assert.equal(engine.batchWidth, 4); // SIMD128 holds 4 floats
  // STEP_IDS mirrors the core's one step table (kSteps in trace.hpp).
  assert.deepEqual(STEP_IDS, engine.steps().map((s) => s.id));
  assert.ok(STEP_IDS.includes('encoded') && STEP_IDS.includes('x'), 'the typed input and the encoded input have their own ids');
});

test('the .wasm really contains v128 instructions', { skip: !existsSync('/usr/bin/wasm-dis') && 'binaryen wasm-dis not installed' }, () => {
  const text = execFileSync('wasm-dis', [`${root}web/core/attention-core.wasm`], { maxBuffer: 1 << 28 }).toString();
  const simd = text.match(/\b(f32x4\.[a-z_]+|v128\.[a-z_]+)/g) ?? [];
  assert.ok(simd.length > 50, `expected many SIMD instructions, found ${simd.length}`);
  assert.ok(simd.some((op) => op.startsWith('f32x4.mul')), 'f32x4.mul present');
});

test('golden cases: wasm agrees with the native build', () => {
  const native = JSON.parse(execFileSync(`${root}build/native/trace_dump`).toString());
  for (const c of golden) {
    const got = engine.run(c.config);
    const want = native[c.name];
    // Every step of the core's table (masked through the weights: -inf has no JSON form).
    const steps = engine.steps().filter((s) => s.id !== 'masked');
    for (const { id } of steps.filter((s) => !s.perHead)) {
      if (got[id] === null) assert.equal(want[id], undefined, `${c.name} ${id} absent in both`);
      else assertClose(got[id].data, want[id].data, 1e-5, `${c.name} ${id}`);
    }
    assert.equal(got.heads.length, want.heads.length);
    got.heads.forEach((h, i) => {
      for (const id of ['q', 'k', 'v', ...steps.filter((s) => s.perHead).map((s) => s.id)]) {
        assertClose(h[id].data, want.heads[i][id].data, 1e-5, `${c.name} head ${i} ${id}`);
      }
    });
  }
});

test('golden cases: pinned values from the seeds', () => {
  for (const c of golden.filter((g) => g.expect)) {
    const t = engine.run(c.config);
    for (const [step, rows] of Object.entries(c.expect)) {
      const m = readStep(step, t, c.config, 0); // the step table says where a step lives
      rows.forEach((row, r) => row.forEach((want, col) => {
        if (want === null) return;
        const got = m.data[r * m.cols + col];
        assert.ok(Math.abs(got - want) <= c.tolerance, `${c.name} ${step}[${r}][${col}]: ${got} vs ${want}`);
      }));
    }
  }
});

test('trace has every step with the documented shapes', () => {
  const c = golden.find((g) => g.name === 'multi-head-wo').config;
  const t = engine.run(c);
  assert.deepEqual(t.tokens, c.tokens);
  assert.equal(t.contextTokens, null);
  assert.equal(t.pe, null);
  assert.equal(t.heads.length, 2);
  assert.equal(t.dk, 2);
  assert.equal(t.dv, 2);
  assert.ok(Math.abs(t.scale - 1 / Math.SQRT2) < 1e-7);
  for (const h of t.heads) {
    for (const step of ['scores', 'scaled', 'masked', 'weights']) {
      assert.deepEqual([h[step].rows, h[step].cols], [5, 5]);
      assert.ok(h[step].data instanceof Float32Array);
    }
    assert.equal(h.rowMax.length, 5);
    assert.equal(h.rowSum.length, 5);
  }
  assert.deepEqual([t.concat.rows, t.concat.cols], [5, 4]);
  assert.deepEqual([t.final.rows, t.final.cols], [5, 3]);

  const sinus = engine.run({ ...c, positional: 'sinusoidal' });
  assert.deepEqual([sinus.pe.rows, sinus.pe.cols], [5, 4]);
  assert.equal(sinus.pe.data[1], 1); // PE(0, 1) = cos(0)
});

test('an all-blocked row warns and gives zeros', () => {
  const c = golden.find((g) => g.name === 'custom-mask-blocked-row').config;
  const t = engine.run(c);
  assert.equal(t.warnings.length, 1);
  assert.equal(t.warnings[0].code, 'all_blocked');
  assert.equal(t.warnings[0].row, 1);
  assert.equal(t.heads[0].rowMax[1], -Infinity);
  assert.equal(t.heads[0].masked.data[3], -Infinity);
  assert.ok(t.final.data.every(Number.isFinite));
});

const base = { x: [[1, 2], [3, 4]], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]] };
const bad = [
  ['bad_config', 'config', null],
  ['bad_config', 'config', [1, 2]],
  ['bad_config', 'x', { ...base, x: undefined }],
  ['bad_config', 'x', { ...base, x: 'hello' }],
  ['bad_config', 'x', { ...base, x: [[1, '2'], [3, 4]] }],
  ['bad_config', 'x', { ...base, x: [] }],
  ['bad_config', 'heads', { ...base, heads: 1.5 }],
  ['bad_config', 'heads', { ...base, heads: '2' }],
  ['bad_config', 'scale', { ...base, scale: 'sqrt' }],
  ['bad_config', 'mask', { ...base, mask: 'future' }],
  ['bad_config', 'mask', { ...base, mask: [[1, 0.5], [1, 1]] }],
  ['bad_config', 'positional', { ...base, positional: 'learned' }],
  ['bad_config', 'positional', { ...base, positional: 'rope', wq: [[1], [0]], wk: [[1], [0]] }],
  ['bad_config', 'score', { ...base, score: 'cosine' }],
  ['bad_config', 'tokens', { ...base, tokens: ['a', 2] }],
  ['bad_config', 'contextTokens', { ...base, contextTokens: ['a', 'b'] }],
  ['bad_config', 'Wq', { ...base, Wq: [[1]] }],
  ['bad_config', '__proto__', JSON.parse('{"__proto__": {"polluted": 1}, "x": [[1]], "wq": [[1]], "wk": [[1]], "wv": [[1]]}')],
  ['shape_mismatch', 'x', { ...base, x: [[1, 2], [3]] }],
  ['shape_mismatch', 'wq', { ...base, wq: [[1, 0], [0, 1], [1, 1]] }],
  ['shape_mismatch', 'wk', { ...base, wk: [[1], [0]] }],
  ['shape_mismatch', 'wo', { ...base, wo: [[1, 0, 0]] }],
  ['shape_mismatch', 'context', { ...base, context: [[1, 2, 3]] }],
  ['shape_mismatch', 'mask', { ...base, mask: [[1, 1, 1], [1, 1, 1]] }],
  ['shape_mismatch', 'tokens', { ...base, tokens: ['only one'] }],
  ['shape_mismatch', 'va', { ...base, score: 'additive', va: [1, 2, 3] }],
  ['non_finite', 'x', { ...base, x: [[1, NaN], [3, 4]] }],
  ['non_finite', 'wv', { ...base, wv: [[1, 0], [0, Infinity]] }],
  ['non_finite', 'wq', { ...base, wq: [[1e39, 0], [0, 1]] }],
  ['non_finite', 'scale', { ...base, scale: -Infinity }],
  ['too_large', 'x', { ...base, x: Array.from({ length: 513 }, () => [1, 2]) }],
  ['too_large', 'x', { ...base, x: [new Array(600).fill(0)] }],
  ['too_large', 'heads', { ...base, heads: 1000 }],
];

test('every bad config gets an AttentionError with the right code and field', () => {
  for (const [code, field, config] of bad) {
    assert.throws(() => engine.run(config), (err) => {
      assert.ok(err instanceof AttentionError, `${field}: ${err}`);
      assert.equal(err.name, 'AttentionError');
      assert.equal(err.code, code, `${JSON.stringify(config)?.slice(0, 80)}: ${err.message}`);
      assert.equal(err.field, field, err.message);
      assert.ok(err.message.length > 10, 'a sentence, not a number');
      return true;
    });
  }
  assert.equal({}.polluted, undefined);
  // ...and it still computes afterwards.
  const t = engine.run(base);
  assert.ok(Math.abs(t.heads[0].weights.data[0] - 0.0141660) < 2e-5);
});

test('the message names the field and the sizes', () => {
  assert.throws(() => engine.run({ ...base, wq: [[1, 0], [0, 1], [1, 1]] }), {
    message: 'wq has 3 rows but x has 2 columns',
  });
});

test('works without eval or new Function (strict CSP)', () => {
  const script = `
    import { loadEngine } from 'attention-playground';
    const e = await loadEngine();
    const t = e.run({ x: [[1, 2], [3, 4]], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]] });
    try { e.run({ x: 1 }); } catch (err) { if (err.code !== 'bad_config') process.exit(3); }
    process.stdout.write(String(t.final.data[0]));`;
  const out = execFileSync(process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { cwd: root }).toString();
  assert.ok(Math.abs(Number(out) - 2.9716679) < 1e-5, out);
});

test('thousands of valid and failing runs do not grow the wasm heap', () => {
  const c = golden.find((g) => g.name === 'multi-head-wo').config;
  const big = { ...base, x: Array.from({ length: 200 }, (_, i) => [i % 7, i % 5]) };
  const mixed = () => {
    engine.run(c);
    engine.run(big);
    assert.throws(() => engine.run({ ...c, heads: 3 }), { code: 'shape_mismatch' }); // thrown in C++
    assert.throws(() => engine.run({ ...c, x: [[NaN]] }), { code: 'non_finite' }); // refused in JS
  };
  for (let i = 0; i < 100; i++) mixed();
  const settled = engine.memory();
  for (let i = 0; i < 2000; i++) mixed();
  const after = engine.memory();
  assert.equal(after.inUse, settled.inUse, 'bytes still allocated after the calls returned');
  assert.equal(after.reserved, settled.reserved);
});
