// The benchmark's shared pieces: the check against the double reference, the timers, and the
// peers (TF.js wasm, onnxruntime-web) set up in their fastest forms measured here (see
// docs/performance.md, "How each peer was tuned"). Used by bench/attention.js and by
// bench/ort-threads.js, the child process that times onnxruntime-web on several threads
// (its thread count is fixed once per process).
import { fileURLToPath } from 'node:url';
import { attentionModel, ONNX_FORMS } from './onnx-graph.js';
import { referenceFused } from '../tests/reference.js';

const root = fileURLToPath(new URL('../', import.meta.url));

// Double-precision reference for a few rows (checking every row at n = 4096 would take
// longer than the benchmark).
const referenceRow = (q, k, v, i, m, d, causal, scale) => referenceFused(q, k, v, { n: i + 1, m, dk: d, dv: d, causal, scale }, i, i + 1);

export function check(name, got, q, k, v, n, d, causal, scale) {
  if (!(got instanceof Float32Array) || got.length !== n * d) throw new Error(`${name} n=${n}: the result is not a Float32Array of n·d numbers`);
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

const median = (samples) => [...samples].sort((a, b) => a - b)[samples.length >> 1];

/** Median of at least 3 samples after a warm-up run, within budgetMs (at most 30 samples). */
export async function time(fn, budgetMs) {
  await fn(); // warm-up (compiles, allocates)
  const samples = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < budgetMs && samples.length < 30)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { median: median(samples), samples: samples.length };
}

/**
 * Several implementations timed in turns (one sample of each, round after round), so a noisy
 * neighbour on a shared machine slows them alike: a warm-up call of each, at least 3 rounds,
 * then rounds until budgetMs (at most 30). Returns each one's median and the rounds run.
 */
export async function race(fns, budgetMs) {
  const names = Object.keys(fns);
  for (const name of names) await fns[name](); // warm-up
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const start = performance.now();
  let rounds = 0;
  while (rounds < 3 || (performance.now() - start < budgetMs && rounds < 30)) {
    for (const name of names) {
      // Every call starts from a collected heap (node --expose-gc, as npm run bench runs it):
      // otherwise a collection of the garbage one implementation left (the peers' n × n
      // matrices) lands in the timing of whichever call comes next.
      globalThis.gc?.();
      const t0 = performance.now();
      await fns[name]();
      samples[name].push(performance.now() - t0);
    }
    rounds++;
  }
  return { medians: Object.fromEntries(names.map((name) => [name, median(samples[name])])), rounds };
}

/** The fastest of the entries named `${peer}/${form}` in a race: { form, ms, medians }. */
export function bestForm(medians, peer) {
  const forms = Object.fromEntries(Object.entries(medians).filter(([name]) => name.startsWith(`${peer}/`)).map(([name, ms]) => [name.slice(peer.length + 1), ms]));
  const form = Object.keys(forms).reduce((a, b) => (forms[b] < forms[a] ? b : a));
  return { form, ms: forms[form], medians: forms };
}

// ---- TF.js on its wasm backend ----

export const TF_FORMS = {
  // q scaled once (n·d multiplies) instead of the n × n scores
  'scale-q': 'matMul(mul(q, scale), transpose(k)) → [add(mask)] → softmax → matMul(·, v)',
  'scale-scores': 'mul(matMul(q, transpose(k)), scale) → [add(mask)] → softmax → matMul(·, v)',
};

/** TF.js with its wasm backend, and what it runs with. */
export async function setupTf({ threads } = {}) {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${root}node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  if (threads) wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const [simd, multithread] = await Promise.all([tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
  const binary = simd && multithread ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  const settings = {
    version: tf.version_core,
    backend: tf.getBackend(),
    binary,
    threads: wasm.getThreadsCount(),
    threadsAsked: threads ?? 'default',
    note: multithread ? '' : 'tfjs-backend-wasm turns WASM_HAS_MULTITHREAD_SUPPORT off under Node (tfjs issue 3830), so Node gets the single-thread SIMD binary whatever setThreadsCount says',
  };
  return { tf, settings };
}

/**
 * The TF.js forms for one problem. Each call returns the output as a Float32Array
 * (dataSync(), included in the time). The tidy returns the output tensor, and the array is
 * read outside: tf.tidy() walks whatever its function returns looking for tensors, and over a
 * Float32Array of n·d numbers that walk (for…in over every index) cost more than the attention.
 */
export function tfForms(tf, { q, k, v, mask, n, d, causal, scale }) {
  const tq = tf.tensor2d(q, [n, d]);
  const tk = tf.tensor2d(k, [n, d]);
  const tv = tf.tensor2d(v, [n, d]);
  const tmask = causal ? tf.tensor2d(mask, [n, n]) : null;
  const run = (scores) => () => {
    const o = tf.tidy(() => {
      let s = scores();
      if (causal) s = tf.add(s, tmask);
      return tf.matMul(tf.softmax(s), tv);
    });
    const data = o.dataSync();
    o.dispose();
    return data;
  };
  return {
    forms: {
      'scale-q': run(() => tf.matMul(tf.mul(tq, scale), tf.transpose(tk))),
      'scale-scores': run(() => tf.mul(tf.matMul(tq, tf.transpose(tk)), scale)),
    },
    dispose: () => tf.dispose([tq, tk, tv, ...(tmask ? [tmask] : [])]),
  };
}

// ---- onnxruntime-web, wasm backend ----

export const ORT_SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all', executionMode: 'sequential', enableMemPattern: true, enableCpuMemArena: true };

/** onnxruntime-web with numThreads fixed for this process, and what it runs with. */
export async function setupOrt({ threads }) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = `${root}node_modules/onnxruntime-web/dist/`;
  ort.env.logLevel = 'error';
  const settings = { version: ort.env.versions?.web ?? '', binary: 'ort-wasm-simd-threaded.wasm', numThreads: threads, sessionOptions: { ...ORT_SESSION_OPTIONS } };
  return { ort, settings };
}

/**
 * The onnxruntime-web forms for one problem, each a session over one of ONNX_FORMS; a form
 * whose run fails (the fused attention ops overflow a 32-bit size at n = 4096) is left out and
 * named in `failed`.
 */
export async function ortForms(ort, { q, k, v, mask, n, d, causal, scale }, sessions) {
  const forms = {};
  const failed = {};
  for (const [form, { layout }] of Object.entries(ONNX_FORMS)) {
    const key = `${form}/${causal}/${scale}/${d}`;
    if (!sessions.has(key)) sessions.set(key, await ort.InferenceSession.create(attentionModel({ scale, masked: causal, form, d, dv: d }), { ...ORT_SESSION_OPTIONS }));
    const session = sessions.get(key);
    const dims = layout === '3d' ? [1, n, d] : [n, d];
    const feeds = { q: new ort.Tensor('float32', q, dims), k: new ort.Tensor('float32', k, dims), v: new ort.Tensor('float32', v, dims) };
    if (causal && layout === '2d') feeds.mask = new ort.Tensor('float32', mask, [n, n]);
    const fn = async () => (await session.run(feeds)).o.data;
    let got;
    try {
      got = await fn();
    } catch (err) {
      const message = String(err?.message ?? err);
      failed[form] = /Integer overflow/.test(message) ? 'OrtRun fails: integer overflow (SafeInt)' : message.slice(0, 160);
      continue;
    }
    check(`onnxruntime-web (${form})`, got, q, k, v, n, d, causal, scale); // a wrong result stops the benchmark
    forms[form] = fn;
  }
  return { forms, failed };
}

/** The causal mask as an additive −∞ matrix (for the peers' plain graphs). */
export function causalMask(n) {
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) mask[i * n + j] = -Infinity;
  return mask;
}
