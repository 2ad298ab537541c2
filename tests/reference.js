// The one double-precision reference of attention in JavaScript, for the JS test layers and
// the benchmark, written from the formulas (not from the engine's code): the page's and the
// fast path's numbers are checked against this, never against themselves. referenceHead is
// one head; referenceAttention chains it into the whole pipeline and referenceFused is the
// fast path's single head on flat arrays. Returns plain number[][] per step.
const mul = (a, b) => a.map((row) => b[0].map((_, j) => row.reduce((s, v, p) => s + v * b[p][j], 0)));
const cols = (m, from, n) => m.map((row) => row.slice(from, from + n));

function sinusoidal(rows, d) {
  return Array.from({ length: rows }, (_, pos) => Array.from({ length: d }, (_, i) => {
    const angle = pos / 10000 ** ((i - (i % 2)) / d);
    return i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  }));
}

function rope(m, heads, dk) {
  return m.map((row, pos) => {
    const out = row.slice();
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < dk / 2; i++) {
        const t = pos * 10000 ** (-2 * i / dk);
        const a = row[h * dk + 2 * i];
        const b = row[h * dk + 2 * i + 1];
        out[h * dk + 2 * i] = a * Math.cos(t) - b * Math.sin(t);
        out[h * dk + 2 * i + 1] = a * Math.sin(t) + b * Math.cos(t);
      }
    }
    return out;
  });
}

/**
 * One head from its q, k, v rows (number[][]), every step kept: scores (dot, or additive
 * Σ va·tanh(q + k)), scaled, masked (−∞ where keep(j, k) is false), softmax weights (a row
 * with every key blocked gets zeros), output = weights · v.
 */
export function referenceHead(qh, kh, vh, { scale, keep = () => true, score = 'dot', va }) {
  const scores = qh.map((qr) => kh.map((kr) => (score === 'additive'
    ? qr.reduce((s, qv, c) => s + (va?.[c] ?? 1) * Math.tanh(qv + kr[c]), 0)
    : qr.reduce((s, qv, c) => s + qv * kr[c], 0))));
  const scaled = scores.map((r) => r.map((s) => s * scale));
  const masked = scaled.map((r, j) => r.map((s, kk) => (keep(j, kk) ? s : -Infinity)));
  const weights = masked.map((r) => {
    const max = r.reduce((a, b) => Math.max(a, b), -Infinity);
    if (max === -Infinity) return r.map(() => 0);
    const e = r.map((s) => (s === -Infinity ? 0 : Math.exp(s - max)));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((t) => t / sum);
  });
  return { scores, scaled, masked, weights, output: mul(weights, vh) };
}

export function referenceAttention(config) {
  const heads = config.heads ?? 1;
  let x = config.x.map((r) => r.slice());
  let ctx = config.context ? config.context.map((r) => r.slice()) : null;
  if (config.positional === 'sinusoidal') {
    const add = (m) => { const pe = sinusoidal(m.length, m[0].length); return m.map((r, i) => r.map((v, j) => v + pe[i][j])); };
    x = add(x);
    if (ctx) ctx = add(ctx);
  }
  const src = ctx ?? x;
  const dk = config.wq[0].length / heads;
  const dv = config.wv[0].length / heads;
  let q = mul(x, config.wq);
  let k = mul(src, config.wk);
  const v = mul(src, config.wv);
  if (config.positional === 'rope') { q = rope(q, heads, dk); k = rope(k, heads, dk); }
  const scale = typeof config.scale === 'number' ? config.scale : config.scale === 'none' ? 1 : 1 / Math.sqrt(dk);
  const keep = (j, kk) => (Array.isArray(config.mask) ? config.mask[j][kk] !== 0 : config.mask === 'causal' ? kk <= j : true);
  const out = { x, q, k, v, heads: [] };
  const concat = Array.from({ length: x.length }, () => []);
  for (let h = 0; h < heads; h++) {
    const head = referenceHead(cols(q, h * dk, dk), cols(k, h * dk, dk), cols(v, h * dv, dv), { scale, keep, score: config.score, va: config.va });
    head.output.forEach((row, j) => concat[j].push(...row));
    out.heads.push(head);
  }
  out.concat = concat;
  out.final = config.wo ? mul(concat, config.wo) : concat;
  return out;
}

/**
 * softmax(scale · q kᵀ [causal]) v for row-major arrays, in double, rows [from, to) only:
 * referenceHead with query i seeing keys 0..i when causal (what engine.attention computes).
 */
export function referenceFused(q, k, v, { n, m, dk, dv, causal = false, scale = 1 / Math.sqrt(dk) }, from = 0, to = n) {
  const rows = (flat, first, count, width) => Array.from({ length: count }, (_, r) => Array.from({ length: width }, (_, c) => flat[(first + r) * width + c]));
  const keep = causal ? (j, kk) => kk <= from + j : undefined;
  const { output } = referenceHead(rows(q, from, to - from, dk), rows(k, 0, m, dk), rows(v, 0, m, dv), { scale, keep });
  return Float64Array.from(output.flat());
}

/**
 * The online softmax of a tiled kernel, in double, from one head's masked scores
 * (number[][] n × m, −∞ where blocked) and its values v (m × dv): query blocks of
 * blockRows rows against key blocks of blockCols keys, in the fused kernel's order (a
 * causal mask skips the key blocks after a query block's last row). Returns
 * { steps: [{ row0, rows, col0, cols, scores, mOld, mNew, rescale, p, sum, acc }] (each a
 * number[][] or number[] per row), out (n × dv), sum (n) }.
 */
export function referenceTiles(masked, v, { blockRows, blockCols, causal = false }) {
  const n = masked.length;
  const m = masked[0].length;
  const dv = v[0].length;
  const steps = [];
  const out = [];
  const sums = [];
  for (let row0 = 0; row0 < n; row0 += blockRows) {
    const rows = Math.min(blockRows, n - row0);
    const max = new Array(rows).fill(-Infinity);
    const sum = new Array(rows).fill(0);
    const acc = Array.from({ length: rows }, () => new Array(dv).fill(0));
    const keyEnd = causal ? Math.min(m, row0 + rows) : m;
    for (let col0 = 0; col0 < keyEnd; col0 += blockCols) {
      const cols = Math.min(blockCols, keyEnd - col0);
      const step = { row0, rows, col0, cols, scores: [], mOld: [...max], mNew: [], rescale: [], p: [], sum: [], acc: [] };
      for (let r = 0; r < rows; r++) {
        const s = masked[row0 + r].slice(col0, col0 + cols);
        const mNew = Math.max(max[r], ...s);
        const rescale = mNew === -Infinity ? 1 : Math.exp(max[r] - mNew);
        const p = s.map((x) => (x === -Infinity ? 0 : Math.exp(x - mNew)));
        sum[r] = rescale * sum[r] + p.reduce((a, b) => a + b, 0);
        acc[r] = acc[r].map((a, c) => rescale * a + p.reduce((t, pj, j) => t + pj * v[col0 + j][c], 0));
        max[r] = mNew;
        step.scores.push(s);
        step.mNew.push(mNew);
        step.rescale.push(rescale);
        step.p.push(p);
        step.sum.push(sum[r]);
        step.acc.push([...acc[r]]);
      }
      steps.push(step);
    }
    for (let r = 0; r < rows; r++) {
      out.push(acc[r].map((a) => (sum[r] > 0 ? a / sum[r] : 0)));
      sums.push(sum[r]);
    }
  }
  return { steps, out, sum: sums };
}
