// engine.tiles(): the fused kernel's own algorithm with small blocks, every step kept. Its
// output against the double reference (tests/reference.js) and against run() for the same
// config; each step against its definition; with the fast path's 64-key blocks, equal to
// engine.attention() bit for bit; errors as AttentionErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine, AttentionError } from 'attention-playground';
import { PRESETS } from '../../web/lib/presets.js';
import { referenceAttention, referenceFused, referenceHead } from '../reference.js';
import { randomFloats as random } from '../../web/lib/plain-attention.js';

const simd = await loadEngine();
const scalar = await loadEngine({ simd: false });

// Each step's numbers follow from the one before: m_new = max(m_old, the tile's max),
// rescale = exp(m_old − m_new), p = exp(score − m_new), ℓ = rescale · ℓ_old + Σ p,
// and at the end O = acc / ℓ.
function checkSteps(t, label) {
  const lastSum = new Float64Array(t.n);
  const last = new Array(t.n).fill(null);
  for (const [index, s] of t.steps.entries()) {
    const where = `${label} step ${index} (rows ${s.row0}+${s.rows}, keys ${s.col0}+${s.cols})`;
    assert.equal(s.scores.length, s.rows * s.cols, where);
    assert.equal(s.acc.length, s.rows * t.dv, where);
    for (let r = 0; r < s.rows; r++) {
      let tileMax = -Infinity;
      let pSum = 0;
      for (let j = 0; j < s.cols; j++) {
        const score = s.scores[r * s.cols + j];
        tileMax = Math.max(tileMax, score);
        const want = score === -Infinity ? 0 : Math.exp(score - s.mNew[r]);
        // float32 exp: a few ulp of a value <= 1
        assert.ok(Math.abs(s.p[r * s.cols + j] - want) <= 1e-6, `${where} p[${r}][${j}]`);
        pSum += s.p[r * s.cols + j];
      }
      assert.equal(s.mNew[r], Math.max(s.mOld[r], tileMax), `${where} m`);
      const rescale = s.mNew[r] === -Infinity ? 1 : Math.exp(s.mOld[r] - s.mNew[r]);
      assert.ok(Math.abs(s.rescale[r] - rescale) <= 1e-6, `${where} rescale`);
      const row = s.row0 + r;
      // ℓ: ~1 ulp per term, relative to ℓ itself
      assert.ok(Math.abs(s.sum[r] - (rescale * lastSum[row] + pSum)) <= 1e-5 * Math.max(1, s.sum[r]), `${where} sum`);
      lastSum[row] = s.sum[r];
      last[row] = [s, r];
    }
  }
  for (let row = 0; row < t.n; row++) {
    const [s, r] = last[row];
    const inv = t.sum[row] > 0 ? Math.fround(1 / t.sum[row]) : 0;
    for (let c = 0; c < t.dv; c++) assert.equal(t.out.data[row * t.dv + c], Math.fround(s.acc[r * t.dv + c] * inv), `${label} O[${row}][${c}] = acc / ℓ`);
  }
}

test('every dot-score example: tiles equals run() and the double reference, for every head and several blocks', () => {
  for (const [name, make] of Object.entries(PRESETS)) {
    const config = make();
    if (config.score === 'additive') continue;
    const want = referenceAttention(config);
    for (const engine of [simd, scalar]) {
      const trace = engine.run(config);
      for (let head = 0; head < trace.heads.length; head++) {
        for (const [blockRows, blockCols] of [[1, 1], [2, 2], [3, 2], [2, 5], [4, 64]]) {
          const label = `${name} head ${head} ${blockRows}×${blockCols} simd=${engine.simd}`;
          const t = engine.tiles(config, { blockRows, blockCols, head });
          assert.equal(t.head, head);
          assert.deepEqual(t.tokens, trace.tokens);
          const output = trace.heads[head].output.data;
          want.heads[head].output.flat().forEach((w, i) => {
            // float32 pipeline vs double: outputs of size up to ~5, 1e-5 relative
            assert.ok(Math.abs(t.out.data[i] - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${label} [${i}] vs reference`);
            // run() scales the scores, the kernel scales q: a few ulp apart
            assert.ok(Math.abs(t.out.data[i] - output[i]) <= 1e-5 * Math.max(1, Math.abs(w)), `${label} [${i}] vs run()`);
          });
          checkSteps(t, label);
        }
      }
    }
  }
});

test('awkward sizes, blocks that do not divide n or m, every mask, against the reference', () => {
  for (const n of [1, 3, 7, 9]) {
    for (const m of [1, 3, 7, 10]) {
      for (const [blockRows, blockCols] of [[1, 1], [2, 3], [3, 2], [4, 4], [4, 7]]) {
        for (const mask of ['none', 'causal', 'custom']) {
          const dk = 3;
          const dv = 5;
          const q = random(n * dk, n * 31 + m, 1.5);
          const k = random(m * dk, n + m * 17, 1.5);
          const v = random(m * dv, n * m + 5);
          const keep = Uint8Array.from({ length: n * m }, (_, i) => ((i * 7) % 3 === 0 ? 0 : 1));
          if (n > 1) keep.fill(0, m, 2 * m); // row 1 sees nothing: zero output, no NaN
          const opts = { n, m, dk, dv, scale: 0.5, causal: mask === 'causal', ...(mask === 'custom' ? { mask: keep } : {}) };
          const label = `n=${n} m=${m} ${blockRows}×${blockCols} ${mask}`;
          const t = simd.tiles({ q, k, v, ...opts }, { blockRows, blockCols });
          const want = mask === 'custom'
            ? referenceHead(
                Array.from({ length: n }, (_, i) => Array.from(q.subarray(i * dk, (i + 1) * dk))),
                Array.from({ length: m }, (_, j) => Array.from(k.subarray(j * dk, (j + 1) * dk))),
                Array.from({ length: m }, (_, j) => Array.from(v.subarray(j * dv, (j + 1) * dv))),
                { scale: 0.5, keep: (i, j) => keep[i * m + j] !== 0 },
              ).output.flat()
            : Array.from(referenceFused(q, k, v, opts));
          want.forEach((w, i) => assert.ok(Math.abs(t.out.data[i] - w) <= 2e-5, `${label} [${i}]: ${t.out.data[i]} vs ${w}`));
          checkSteps(t, label);
          // 64-key blocks are the fast path's own: equal bit for bit
          const fast = simd.attention(q, k, v, opts);
          const same = simd.tiles({ q, k, v, ...opts }, { blockRows, blockCols: 64 });
          assert.deepEqual(same.out.data, fast, `${label}: 64-key blocks equal attention()`);
        }
      }
    }
  }
});

test('the steps come in the kernel\'s order and a causal mask skips blocks past a tile', () => {
  const n = 5;
  const q = random(n * 2, 1);
  const t = simd.tiles({ q, k: q, v: q, n, m: n, dk: 2, dv: 2, causal: true }, { blockRows: 2, blockCols: 2 });
  // query blocks [0,2) [2,4) [4,5); each sees key blocks up to its last row
  assert.deepEqual(t.steps.map((s) => [s.row0, s.rows, s.col0, s.cols]), [
    [0, 2, 0, 2],
    [2, 2, 0, 2], [2, 2, 2, 2],
    [4, 1, 0, 2], [4, 1, 2, 2], [4, 1, 4, 1],
  ]);
  assert.deepEqual([...t.steps[0].mOld], [-Infinity, -Infinity]);
  assert.deepEqual([...t.steps[0].rescale], [0, 0], 'first block: nothing earlier to rescale');
  assert.equal(t.steps[0].scores[1], -Infinity, 'row 0 does not see key 1');
});

test('bad blocks, heads and scores are AttentionErrors; the engine keeps working', () => {
  const config = PRESETS['two-words']();
  const cases = [
    ['bad_config', 'blockRows', () => simd.tiles(config, { blockRows: 0, blockCols: 2 })],
    ['bad_config', 'blockRows', () => simd.tiles(config, { blockRows: 5, blockCols: 2 })],
    ['bad_config', 'blockCols', () => simd.tiles(config, { blockRows: 1, blockCols: 1000 })],
    ['bad_config', 'blockCols', () => simd.tiles(config, { blockRows: 1, blockCols: 1.5 })],
    ['bad_config', 'head', () => simd.tiles(config, { head: 1 })],
    ['bad_config', 'score', () => simd.tiles({ ...config, score: 'additive' })],
    ['bad_config', 'wq', () => simd.tiles({ ...config, wq: 'x' })],
    ['shape_mismatch', 'mask', () => simd.tiles({ q: new Float32Array(4), k: new Float32Array(4), v: new Float32Array(4), n: 2, m: 2, dk: 2, dv: 2, mask: new Uint8Array(3) })],
    ['bad_config', 'input', () => simd.tiles(null)],
  ];
  for (const [code, field, call] of cases) {
    assert.throws(call, (err) => err instanceof AttentionError && err.code === code && err.field === field, `${code} ${field}`);
  }
  assert.equal(simd.tiles(config).out.rows, 2);
  assert.equal(simd.limits.maxBlockRows, 4);
});

test('no heap leak over many traced calls', () => {
  const config = PRESETS['it-animal']();
  simd.tiles(config, { blockRows: 3, blockCols: 4 });
  const before = simd.memory().inUse;
  for (let i = 0; i < 200; i++) simd.tiles(config, { blockRows: 1 + (i % 4), blockCols: 1 + (i % 11) });
  assert.equal(simd.memory().inUse, before);
});

test('the tiles section\'s view model: one stage per step and the end; every cell explained', async () => {
  const { tilesView, explainTile, tileArgs, clampBlocks, TILE_TABLES } = await import('../../web/lib/tiles.js');
  const { strings } = await import('../../web/i18n/index.js');
  for (const lang of ['en', 'zh']) {
    const S = strings(lang);
    for (const name of ['it-animal', 'causal', 'multi-head']) {
      const config = PRESETS[name]();
      const trace = simd.run(config, { limits: 'page' });
      const head = trace.heads.length - 1;
      const blocks = clampBlocks({ rows: 3, cols: 4 }, trace.heads[head].q.rows, trace.heads[head].k.rows);
      const tt = simd.tiles(tileArgs(trace, config, head), { blockRows: blocks.rows, blockCols: blocks.cols });
      for (let index = 0; index <= tt.steps.length; index++) {
        const model = tilesView({ tt, trace, config, head, index, S });
        assert.equal(model.count, tt.steps.length + 1);
        assert.equal(model.final, index === tt.steps.length);
        assert.ok(model.sentence.length > 10);
        for (const t of model.tables) {
          assert.ok(TILE_TABLES.includes(t.step), t.step);
          for (let r = 0; r < t.rows; r++) {
            for (let c = 0; c < t.cols; c++) {
              const e = explainTile({ tt, trace, head, model, step: t.step, r, c, decimals: 3, S });
              assert.ok(e.lines.length >= 2 && e.lines.every((l) => typeof l === 'string' && l.length > 0), `${lang} ${name} ${index} ${t.step}[${r}][${c}]`);
            }
          }
        }
        if (model.final) assert.ok(model.largest <= 1e-5, `${name}: tiled and naive agree`);
      }
    }
  }
  // additive scores have no fused kernel; out-of-range blocks are clamped
  assert.equal(tileArgs(simd.run({ ...PRESETS['two-words'](), score: 'additive' }), { score: 'additive' }, 0), null);
  assert.deepEqual(clampBlocks({ rows: 50, cols: 0 }, 3, 40), { rows: 3, cols: 1 });
});
