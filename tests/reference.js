// An independent double-precision reference of attention for the JS test layers, written
// from the formulas (not from the engine's code): the page's numbers are checked
// against this, never against themselves. Returns plain number[][] per step.
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
  const n = x.length;
  const m = src.length;
  const keep = (j, kk) => (Array.isArray(config.mask) ? config.mask[j][kk] !== 0 : config.mask === 'causal' ? kk <= j : true);
  const out = { x, q, k, v, heads: [] };
  const concat = Array.from({ length: n }, () => []);
  for (let h = 0; h < heads; h++) {
    const qh = cols(q, h * dk, dk);
    const kh = cols(k, h * dk, dk);
    const vh = cols(v, h * dv, dv);
    const scores = qh.map((qr) => kh.map((kr) => (config.score === 'additive'
      ? qr.reduce((s, qv, c) => s + (config.va?.[c] ?? 1) * Math.tanh(qv + kr[c]), 0)
      : qr.reduce((s, qv, c) => s + qv * kr[c], 0))));
    const scaled = scores.map((r) => r.map((s) => s * scale));
    const masked = scaled.map((r, j) => r.map((s, kk) => (keep(j, kk) ? s : -Infinity)));
    const weights = masked.map((r) => {
      const max = Math.max(...r);
      if (max === -Infinity) return r.map(() => 0);
      const e = r.map((s) => (s === -Infinity ? 0 : Math.exp(s - max)));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((t) => t / sum);
    });
    const output = mul(weights, vh);
    output.forEach((row, j) => concat[j].push(...row));
    out.heads.push({ scores, scaled, masked, weights, output });
  }
  out.concat = concat;
  out.final = config.wo ? mul(concat, config.wo) : concat;
  void m;
  return out;
}

/** softmax(scale · q kᵀ [causal]) v for row-major arrays, in double; rows [from, to) only. */
export function referenceFused(q, k, v, { n, m, dk, dv, causal = false, scale = 1 / Math.sqrt(dk) }, from = 0, to = n) {
  const out = new Float64Array((to - from) * dv);
  for (let i = from; i < to; i++) {
    const visible = causal ? Math.min(m, i + 1) : m;
    const w = new Float64Array(visible);
    let max = -Infinity;
    for (let j = 0; j < visible; j++) {
      let d = 0;
      for (let p = 0; p < dk; p++) d += q[i * dk + p] * k[j * dk + p];
      w[j] = d * scale;
      max = Math.max(max, w[j]);
    }
    let z = 0;
    for (let j = 0; j < visible; j++) z += (w[j] = Math.exp(w[j] - max));
    for (let j = 0; j < visible; j++) for (let c = 0; c < dv; c++) out[(i - from) * dv + c] += (w[j] / z) * v[j * dv + c];
  }
  return out;
}
