// The Cost section's worker: times the fused kernel (and plain JS) off the main thread so
// the page never freezes. Messages in: { sizes, d, causal, plainUpTo }; out: progress,
// one result per size, done, or error.
import { loadEngine } from './engine.js';
import { plainAttention, randomFloats } from './lib/plain-attention.js';

let engine = null;

function median(fn, budgetMs) {
  fn(); // warm-up
  const samples = [];
  const start = performance.now();
  while (samples.length < 3 && (samples.length === 0 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

self.onmessage = async ({ data }) => {
  try {
    engine ??= await loadEngine();
    const { sizes, d, causal, plainUpTo } = data;
    for (let i = 0; i < sizes.length; i++) {
      const n = sizes[i];
      self.postMessage({ type: 'progress', done: i, total: sizes.length, n });
      const q = randomFloats(n * d, 1);
      const k = randomFloats(n * d, 2);
      const v = randomFloats(n * d, 3);
      const scale = 1 / Math.sqrt(d);
      const fused = median(() => engine.attention(q, k, v, { n, m: n, dk: d, dv: d, causal, scale }), 400);
      let plain = null;
      if (n <= 512) {
        plain = median(() => plainAttention(q, k, v, n, n, d, causal, scale), 300); // warm the JIT first
      } else if (n <= plainUpTo) {
        const t0 = performance.now(); // seconds a run beyond here: one run, already warm
        plainAttention(q, k, v, n, n, d, causal, scale);
        plain = performance.now() - t0;
      }
      self.postMessage({ type: 'result', n, d, causal, fused, plain, build: engine.build });
    }
    self.postMessage({ type: 'done' });
  } catch (err) {
    self.postMessage({ type: 'error', message: err.message ?? String(err) });
  }
};
