// npm run bench (the Node part): single-head attention forward, d = 64, float32, one
// thread, for n = m in {64, 256, 1024, 2048, 4096}, causal off and on. Peers, all measured
// in this one process: our SIMD and scalar wasm builds, a plain JavaScript implementation,
// TF.js on its wasm backend (the fast form matMul(q, transpose(k))), and onnxruntime-web's
// wasm backend on one thread (Transpose -> MatMul -> Mul -> [Add mask] -> Softmax -> MatMul).
// Every result is checked against the tests' double-precision reference (tests/reference.js)
// before it is timed. BENCH_SIZES=64,256 BENCH_BUDGET_MS=50 make a quick run (it still
// rewrites bench/results/latest.*).
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { loadEngine } from '../web/engine.js';
import { attentionModel } from './onnx-graph.js';
import { plainAttention as plainJs, randomFloats as random } from '../web/lib/plain-attention.js';
import { referenceFused } from '../tests/reference.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? '64,256,1024,2048,4096').split(',').map(Number);
const D = 64;
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 1500); // per implementation and size

// Double-precision reference for a few rows (checking every row at n = 4096 would take
// longer than the benchmark).
const referenceRow = (q, k, v, i, m, d, causal, scale) => referenceFused(q, k, v, { n: i + 1, m, dk: d, dv: d, causal, scale }, i, i + 1);

function check(name, got, q, k, v, n, d, causal, scale) {
  for (const i of new Set([0, 1, n >> 1, n - 1])) {
    const want = referenceRow(q, k, v, i, n, d, causal, scale);
    for (let c = 0; c < d; c++) {
      // float32 results of a 64-wide dot product and an n-term average: 1e-4 is generous
      if (!(Math.abs(got[i * d + c] - want[c]) <= 1e-4)) {
        throw new Error(`${name} n=${n} causal=${causal}: row ${i} col ${c} is ${got[i * d + c]}, reference ${want[c]}`);
      }
    }
  }
}

async function time(fn) {
  await fn(); // warm-up (compiles, allocates)
  const samples = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < BUDGET_MS && samples.length < 30)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], samples: samples.length };
}

async function setupTf() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${root}node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  wasm.setThreadsCount?.(1);
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}

async function setupOrt() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = `${root}node_modules/onnxruntime-web/dist/`;
  return ort;
}

async function main() {
  const ours = await loadEngine();
  const scalar = await loadEngine({ simd: false });
  const tf = await setupTf();
  const ort = await setupOrt();
  const sessions = new Map();
  const ortSession = async (masked, scale) => {
    const key = `${masked}/${scale}`;
    if (!sessions.has(key)) {
      sessions.set(key, await ort.InferenceSession.create(attentionModel({ scale, masked }), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }));
    }
    return sessions.get(key);
  };

  const results = [];
  console.log(`attention forward, d = ${D}, float32, one thread; ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}`);
  console.log(`TF.js ${tf.version_core} (backend ${tf.getBackend()}), onnxruntime-web ${ort.env.versions?.web ?? ''}; median of samples after warm-up\n`);
  for (const causal of [false, true]) {
    for (const n of SIZES) {
      const q = random(n * D, 1);
      const k = random(n * D, 2);
      const v = random(n * D, 3);
      const scale = 1 / Math.sqrt(D);
      const opts = { n, m: n, dk: D, dv: D, causal };
      const mask = new Float32Array(n * n);
      if (causal) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) mask[i * n + j] = -Infinity;
      const tq = tf.tensor2d(q, [n, D]);
      const tk = tf.tensor2d(k, [n, D]);
      const tv = tf.tensor2d(v, [n, D]);
      const tmask = tf.tensor2d(mask, [n, n]);
      const session = await ortSession(causal, scale);
      const feeds = { q: new ort.Tensor('float32', q, [n, D]), k: new ort.Tensor('float32', k, [n, D]), v: new ort.Tensor('float32', v, [n, D]) };
      if (causal) feeds.mask = new ort.Tensor('float32', mask, [n, n]);

      const impls = {
        'ours (wasm SIMD)': () => ours.attention(q, k, v, opts),
        'ours (wasm scalar)': () => scalar.attention(q, k, v, opts),
        'plain JS': () => plainJs(q, k, v, n, n, D, causal, scale),
        'TF.js wasm': () => tf.tidy(() => {
          let s = tf.mul(tf.matMul(tq, tf.transpose(tk)), scale);
          if (causal) s = tf.add(s, tmask);
          return tf.matMul(tf.softmax(s), tv).dataSync();
        }),
        'onnxruntime-web': async () => (await session.run(feeds)).o.data,
      };
      const row = { n, causal, flops: 4 * n * n * D, results: {} };
      for (const [name, fn] of Object.entries(impls)) {
        check(name, await fn(), q, k, v, n, D, causal, scale);
        // plain JS at n = 4096 takes seconds a run: after the checked run, one timed run
        const t = name === 'plain JS' && n >= 4096
          ? await (async () => { const t0 = performance.now(); await fn(); return { median: performance.now() - t0, samples: 1 }; })()
          : await time(fn);
        row.results[name] = { ms: t.median, gflops: row.flops / t.median / 1e6, samples: t.samples };
      }
      tf.dispose([tq, tk, tv, tmask]);
      results.push(row);
      const ourMs = row.results['ours (wasm SIMD)'].ms;
      const cells = Object.entries(row.results).map(([name, r]) => `${name} ${r.ms.toFixed(2)} ms ${r.gflops.toFixed(1)} GF/s${name === 'ours (wasm SIMD)' ? '' : ` (×${(r.ms / ourMs).toFixed(2)})`}`);
      console.log(`n=${String(n).padStart(4)} ${causal ? 'causal' : 'full  '} | ${cells.join(' | ')}`);
    }
  }
  return results;
}

function table(results) {
  const names = Object.keys(results[0].results);
  const lines = [
    `| n | mask | ${names.map((n) => `${n} ms (GFLOP/s)`).join(' | ')} | ours vs best peer | ours vs scalar | ours vs plain JS |`,
    `|---:|---|${names.map(() => '---:').join('|')}|---:|---:|---:|`,
  ];
  for (const r of results) {
    const ours = r.results['ours (wasm SIMD)'].ms;
    const bestPeer = Math.min(r.results['TF.js wasm'].ms, r.results['onnxruntime-web'].ms);
    lines.push(`| ${r.n} | ${r.causal ? 'causal' : 'none'} | ${names.map((n) => `${r.results[n].ms.toFixed(2)} (${r.results[n].gflops.toFixed(1)})`).join(' | ')} | ×${(bestPeer / ours).toFixed(2)} | ×${(r.results['ours (wasm scalar)'].ms / ours).toFixed(2)} | ×${(r.results['plain JS'].ms / ours).toFixed(1)} |`);
  }
  return lines.join('\n');
}

const results = await main();
mkdirSync(`${root}bench/results`, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  d: D,
  flopsCounted: '4·n·m·d (also for causal, which does about half the work)',
  results,
};
writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${root}bench/results/latest.md`, `${table(results)}\n`);
console.log(`\n${table(results)}\n\nwritten: bench/results/latest.json, bench/results/latest.md`);
