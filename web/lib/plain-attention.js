// Attention in plain JavaScript, float32, one score row at a time: the baseline for what
// WebAssembly SIMD buys (the Cost section and the benchmark both time it). A timed peer,
// not a reference: the benchmark checks it against tests/reference.js like every peer.
export function plainAttention(q, k, v, n, m, d, causal, scale) {
  const out = new Float32Array(n * d);
  const row = new Float32Array(m);
  for (let i = 0; i < n; i++) {
    const visible = causal ? Math.min(m, i + 1) : m;
    let max = -Infinity;
    for (let j = 0; j < visible; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += q[i * d + p] * k[j * d + p];
      s *= scale;
      row[j] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let j = 0; j < visible; j++) sum += (row[j] = Math.exp(row[j] - max));
    const o = i * d;
    for (let j = 0; j < visible; j++) {
      const w = row[j] / sum;
      for (let c = 0; c < d; c++) out[o + c] += w * v[j * d + c];
    }
  }
  return out;
}

/** Deterministic values in [-range, range) (a linear congruential generator; the tests and the benchmark use it too). */
export function randomFloats(count, seed, range = 1) {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * range;
  });
}
