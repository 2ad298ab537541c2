// engine.attention(), the fused fast path, in both wasm builds: it agrees with an
// independent double reference, refuses bad arguments like run(), and handles
// n = m = 16384 with the heap growing only by what inputs, output and tiles need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadEngine, relaxedSupported, AttentionError } from 'attention-playground';
import { referenceFused } from '../reference.js';
import { randomFloats as random } from '../../web/lib/plain-attention.js';

const simd = await loadEngine();
const scalar = await loadEngine({ simd: false });

const reference = (q, k, v, opts) => referenceFused(q, k, v, opts);

test('both builds load, and say which one runs', () => {
  assert.equal(simd.simd, true);
  assert.equal(scalar.simd, false);
  const wasm = fileURLToPath(new URL('../../web/core/attention-core-scalar.wasm', import.meta.url));
  const text = execFileSync('wasm-dis', [wasm], { maxBuffer: 1 << 28 }).toString();
  assert.equal((text.match(/\b(f32x4|v128)\./g) ?? []).length, 0, 'the scalar build has no SIMD instructions');
});

test('the relaxed build is asked for only where it can run, and only as a SIMD build', async () => {
  await assert.rejects(loadEngine({ simd: false, relaxed: true }), /relaxed build is a SIMD build/);
  // Node 20 runs relaxed SIMD only behind a flag (tests/node/relaxed.test.js turns it on)
  if (!relaxedSupported()) await assert.rejects(loadEngine({ relaxed: true }), /does not support WebAssembly relaxed SIMD/);
  assert.equal(simd.build, relaxedSupported() ? 'relaxed' : 'simd');
  assert.equal(scalar.build, 'scalar');
  // a module given by the caller is the SIMD build unless it says otherwise
  const given = await loadEngine({ wasmUrl: new URL('../../web/core/attention-core.wasm', import.meta.url).href });
  assert.equal(given.build, 'simd');
});

test('fused attention matches the double reference in both builds', () => {
  const shapes = [
    { n: 1, m: 1, dk: 1, dv: 1 }, { n: 5, m: 3, dk: 3, dv: 9 }, { n: 70, m: 130, dk: 64, dv: 64, causal: true },
    { n: 129, m: 65, dk: 17, dv: 33 }, { n: 64, m: 64, dk: 8, dv: 5, causal: true, scale: 0.3 },
    { n: 200, m: 257, dk: 64, dv: 64 },
  ];
  for (const s of shapes) {
    const q = random(s.n * s.dk, 1, 2);
    const k = random(s.m * s.dk, 2, 2);
    const v = random(s.m * s.dv, 3);
    const want = reference(q, k, v, s);
    for (const engine of [simd, scalar]) {
      const got = engine.attention(q, k, v, s);
      assert.equal(got.length, s.n * s.dv);
      // outputs are averages of v (|v| <= 1): float32 scores and sums stay within 2e-5
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 2e-5, `${JSON.stringify(s)} simd=${engine.simd} [${i}]: ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test('fused attention agrees with run() on the same single head', () => {
  const x = [[1, 2], [3, 4], [0.5, -1]];
  const trace = simd.run({ x, wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]], mask: 'causal' });
  const flat = Float32Array.from(x.flat());
  const out = simd.attention(flat, flat, flat, { n: 3, m: 3, dk: 2, dv: 2, causal: true });
  trace.final.data.forEach((want, i) => assert.ok(Math.abs(out[i] - want) < 1e-6));
});

test('bad arguments get an AttentionError and the engine keeps working', () => {
  const a = new Float32Array(16);
  const cases = [
    ['bad_config', 'q', () => simd.attention([1, 2], a, a, { n: 4, m: 4, dk: 4, dv: 4 })],
    ['bad_config', 'n', () => simd.attention(a, a, a, { n: 0, m: 4, dk: 4, dv: 4 })],
    ['bad_config', 'dk', () => simd.attention(a, a, a, { n: 4, m: 4, dk: 2.5, dv: 4 })],
    ['bad_config', 'causal', () => simd.attention(a, a, a, { n: 4, m: 4, dk: 4, dv: 4, causal: 'yes' })],
    ['bad_config', 'options', () => simd.attention(a, a, a, null)],
    ['shape_mismatch', 'k', () => simd.attention(a, new Float32Array(15), a, { n: 4, m: 4, dk: 4, dv: 4 })],
    ['non_finite', 'scale', () => simd.attention(a, a, a, { n: 4, m: 4, dk: 4, dv: 4, scale: NaN })],
    ['non_finite', 'v', () => simd.attention(a, a, Float32Array.from(a, (_, i) => (i === 3 ? Infinity : 0)), { n: 4, m: 4, dk: 4, dv: 4 })],
    ['too_large', 'n', () => simd.attention(a, a, a, { n: 2 ** 21, m: 4, dk: 4, dv: 4 })],
    ['too_large', 'dk', () => simd.attention(a, a, a, { n: 4, m: 4, dk: 4096, dv: 4 })],
  ];
  for (const [code, field, call] of cases) {
    assert.throws(call, (err) => err instanceof AttentionError && err.code === code && err.field === field && err.message.length > 10, `${code} ${field}`);
  }
  // too large for memory is refused before the 4 GiB would be allocated (checked in C++)
  const before = simd.memory().reserved;
  const big = { n: 1 << 19, m: 1 << 19, dk: 1024, dv: 4 };
  assert.throws(() => simd.attention(new Float32Array(0), new Float32Array(0), new Float32Array(0), big), { code: 'shape_mismatch' });
  assert.equal(simd.memory().reserved, before);
  assert.equal(simd.attention(a, a, a, { n: 4, m: 4, dk: 4, dv: 4 }).length, 16);
});

test('n = m = 16384, d = 64 fits: the heap grows only by inputs, output and tiles', () => {
  const n = 16384;
  const d = 64;
  const q = random(n * d, 4);
  const k = random(n * d, 5);
  const v = random(n * d, 6);
  const before = simd.memory();
  const out = simd.attention(q, k, v, { n, m: n, dk: d, dv: d, causal: true });
  const after = simd.memory();
  const mib = (b) => b / 2 ** 20;
  const inputsAndOutput = 4 * n * d * 4; // q, k, v and out copies inside the heap
  const naiveScores = n * n * 4; // what a materialised n x n float matrix would take: 1 GiB
  const growth = after.reserved - before.reserved;
  console.log(`# heap before ${mib(before.reserved).toFixed(1)} MiB, after ${mib(after.reserved).toFixed(1)} MiB: `
    + `grew ${mib(growth).toFixed(1)} MiB (inputs + output ${mib(inputsAndOutput)} MiB, K transposed and Q scaled ${mib(2 * n * d * 4)} MiB; `
    + `an n × n score matrix would be ${mib(naiveScores)} MiB)`);
  assert.ok(growth <= inputsAndOutput + 2 * n * d * 4 + (4 << 20), `grew ${mib(growth)} MiB`);
  assert.equal(after.inUse, before.inUse, 'every byte of the call was freed');
  // spot-check a few rows against the reference (row i sees keys 0..i)
  for (const i of [0, 1, 4095, 16383]) {
    const want = reference(q.subarray(i * d, (i + 1) * d), k, v, { n: 1, m: i + 1, dk: d, dv: d });
    for (let c = 0; c < d; c++) assert.ok(Math.abs(out[i * d + c] - want[c]) < 2e-5, `row ${i}`);
  }
});
