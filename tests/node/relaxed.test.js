// The relaxed build (CMakeLists.txt, scripts/relax-wasm.js): the fused kernel's multiply-adds
// are f32x4.relaxed_madd. Node 20 validates relaxed SIMD only behind a V8 flag, which this
// file (its own process under node --test) turns on before anything is compiled. Checked:
// the module holds standard relaxed_madd and none of clang 14's pre-standard opcodes; with
// relaxed SIMD on, loadEngine() picks it; its fused attention, traced kernel and worker pool
// agree with the double reference, with each other bit for bit, and with the SIMD build.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { loadEngine, relaxedSupported } from 'attention-playground';
import { simdInstructions, OLD_FMA, RELAXED_MADD } from '../../scripts/relax-wasm.js';
import { referenceFused, referenceHead } from '../reference.js';
import { randomFloats as random } from '../../web/lib/plain-attention.js';
import { PRESETS } from '../../web/lib/presets.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
// Node 18's V8 predates the standard opcodes: there is nothing here to run, and every test
// says so. From Node 20 on (the project's runtime) relaxed SIMD must work.
const skip = Number(process.versions.node.split('.')[0]) < 20 ? 'Node 18 runs no standard relaxed SIMD' : false;
const relaxed = skip ? null : await loadEngine();
const simd = await loadEngine({ relaxed: false });
const pools = [];
after(() => pools.forEach((p) => p.close()));

const ops = (file) => {
  const counts = new Map();
  for (const { sub } of simdInstructions(readFileSync(new URL(`../../web/core/${file}`, import.meta.url)))) counts.set(sub, (counts.get(sub) ?? 0) + 1);
  return counts;
};

test('the relaxed module multiply-adds with the standard f32x4.relaxed_madd, and the SIMD build with none', () => {
  const r = ops('attention-core-relaxed.wasm');
  assert.ok((r.get(RELAXED_MADD) ?? 0) >= 50, `relaxed_madd: ${r.get(RELAXED_MADD)}`);
  assert.equal(r.get(OLD_FMA), undefined, 'no pre-standard opcode is left');
  assert.deepEqual([...r.keys()].filter((sub) => sub >= 0x100 && sub !== RELAXED_MADD), [], 'no other relaxed instruction');
  const s = ops('attention-core.wasm');
  assert.deepEqual([...s.keys()].filter((sub) => sub >= 0x100 || sub === OLD_FMA), []);
});

test('with relaxed SIMD on, loadEngine() picks the relaxed build and says so', { skip }, () => {
  assert.equal(relaxedSupported(), true);
  assert.equal(relaxed.build, 'relaxed');
  assert.equal(relaxed.relaxed, true);
  assert.equal(relaxed.simd, true);
  assert.equal(simd.build, 'simd');
});

function problem(n, m, dk, dv, seed) {
  return [random(n * dk, seed, 1.5), random(m * dk, seed + 1, 1.5), random(m * dv, seed + 2)];
}

const shapes = [
  [1, 1, 1, 1], [5, 3, 3, 9], [70, 130, 64, 64], [129, 65, 17, 33], [64, 64, 8, 5], [200, 257, 64, 64], [33, 300, 32, 32],
];

test('fused attention in the relaxed build matches the double reference and the SIMD build, every mask', { skip }, () => {
  let differ = 0;
  for (const [n, m, dk, dv] of shapes) {
    for (const mask of ['none', 'causal', 'custom']) {
      const [q, k, v] = problem(n, m, dk, dv, n * 7 + m);
      const keep = Uint8Array.from({ length: n * m }, (_, i) => ((i * 13) % 5 === 0 ? 0 : 1));
      const opts = { n, m, dk, dv, causal: mask === 'causal', ...(mask === 'custom' ? { mask: keep } : {}) };
      const scale = 1 / Math.sqrt(dk);
      const rows = (a, count, width) => Array.from({ length: count }, (_, i) => Array.from(a.subarray(i * width, (i + 1) * width)));
      const want = mask === 'custom'
        ? referenceHead(rows(q, n, dk), rows(k, m, dk), rows(v, m, dv), { scale, keep: (i, j) => keep[i * m + j] !== 0 }).output.flat()
        : Array.from(referenceFused(q, k, v, opts));
      const got = relaxed.attention(q, k, v, opts);
      const plain = simd.attention(q, k, v, opts);
      const label = `n=${n} m=${m} dk=${dk} dv=${dv} ${mask}`;
      want.forEach((w, i) => {
        assert.ok(Math.abs(got[i] - w) <= 2e-5, `${label} [${i}]: ${got[i]} vs reference ${w}`);
        // fused or not, the two builds round differently in the last bits only
        assert.ok(Math.abs(got[i] - plain[i]) <= 1e-5, `${label} [${i}]: ${got[i]} vs SIMD build ${plain[i]}`);
        if (got[i] !== plain[i]) differ += 1;
      });
    }
  }
  // V8 fuses relaxed_madd where the CPU has FMA; then rounding once must show somewhere. (A
  // CPU without FMA may round both builds the same, so elsewhere it is only said.)
  console.log(`relaxed vs SIMD build: ${differ} outputs differ in the last bits`);
  let fma = false;
  try {
    fma = /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch { /* not Linux */ }
  if (fma) assert.ok(differ > 0, 'this CPU has FMA, yet the relaxed build rounds exactly as the SIMD build');
});

test('in the relaxed build the traced kernel with 64-key blocks equals attention() bit for bit', { skip }, () => {
  for (const [n, m, dk, dv] of [[9, 130, 8, 8], [33, 70, 64, 64], [5, 64, 3, 5]]) {
    for (const causal of [false, true]) {
      const [q, k, v] = problem(n, m, dk, dv, n + m);
      const opts = { n, m, dk, dv, causal };
      const fast = relaxed.attention(q, k, v, opts);
      for (const blockRows of [1, 4]) {
        const t = relaxed.tiles({ q, k, v, ...opts }, { blockRows, blockCols: 64 });
        assert.deepEqual(t.out.data, fast, `n=${n} m=${m} causal=${causal} ${blockRows} rows`);
      }
    }
  }
});

test('a pool made from the relaxed engine runs the relaxed build: all cores equal one bit for bit', { skip }, async () => {
  const pool = await relaxed.createPool({ workers: 2 });
  pools.push(pool);
  assert.equal(pool.warning, null);
  assert.equal(pool.threads, 2, 'both workers said they run the relaxed build');
  assert.equal(pool.build, 'relaxed');
  for (const [n, m, dk, dv] of [[257, 257, 64, 64], [65, 130, 17, 5]]) {
    for (const causal of [false, true]) {
      const [q, k, v] = problem(n, m, dk, dv, n);
      const opts = { n, m, dk, dv, causal };
      const all = await pool.attention(q, k, v, opts);
      assert.deepEqual(all.data, relaxed.attention(q, k, v, opts), `n=${n} causal=${causal}`);
    }
  }
});

test('run() is the same code in both builds: every step of every example equal bit for bit', { skip }, () => {
  // Only the fused kernel (attention(), tiles()) multiply-adds with relaxed_madd.
  for (const [name, make] of Object.entries(PRESETS)) {
    const config = make();
    const a = relaxed.run(config);
    const b = simd.run(config);
    assert.deepEqual(Array.from(a.final.data), Array.from(b.final.data), `${name} final`);
    a.heads.forEach((head, h) => {
      for (const step of ['scores', 'weights', 'output']) assert.deepEqual(Array.from(head[step].data), Array.from(b.heads[h][step].data), `${name} head ${h} ${step}`);
    });
  }
});
