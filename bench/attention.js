// npm run bench (the Node part): single-head attention forward, d = 64, float32.
//
// 1. One thread, n = m in {64, 256, 1024, 2048, 4096}, causal off and on. All measured in this
//    one process: our relaxed-SIMD, SIMD and scalar wasm builds, a plain JavaScript implementation, TF.js on
//    its wasm backend and onnxruntime-web's wasm backend on one thread. Ours and every form of
//    each peer (bench/peers.js) are timed in turns, so a busy neighbour slows them alike; each
//    peer's fastest form counts (printed and kept in the results); docs/performance.md says how
//    they were tuned. Plain JS is timed on its own.
// 2. Every core, n in {2048, 4096}: ours on one thread and through engine.createPool() with
//    os.availableParallelism() workers and TF.js at its Node default, in turns; onnxruntime-web
//    with numThreads = cores in a child process (its thread count is fixed once per process).
//
// Every result is checked against the tests' double-precision reference (tests/reference.js)
// before it is timed, and every timed call returns the output as a Float32Array in JS memory.
// Relaxed SIMD is turned on for the whole process (Node 20 has it behind a flag; Chrome 114+
// and Node 22+ run it by default). It changes nothing for the peers: neither TF.js's nor
// onnxruntime-web's .wasm holds a relaxed-SIMD instruction (ORT's env.wasm.simd = 'relaxed'
// only checks that the runtime supports it), so each runs the same code either way.
// BENCH_SIZES=64,256 BENCH_MT_SIZES= BENCH_BUDGET_MS=50 make a quick run (it still rewrites
// bench/results/latest.*); BENCH_MT_SIZES= (empty) skips part 2.
import { writeFileSync, mkdirSync } from 'node:fs';
import v8 from 'node:v8';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, availableParallelism } from 'node:os';
import { loadEngine } from '../web/engine.js';
import { plainAttention as plainJs, randomFloats as random } from '../web/lib/plain-attention.js';
import { ONNX_FORMS } from './onnx-graph.js';
import { check, time, race, bestForm, setupTf, tfForms, TF_FORMS, setupOrt, ortForms, causalMask } from './peers.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const root = fileURLToPath(new URL('../', import.meta.url));
const OURS = 'ours (wasm relaxed SIMD)';
const OURS_SIMD = 'ours (wasm SIMD)';
const list = (text) => text.split(',').filter((s) => s.trim() !== '').map(Number);
const SIZES = list(process.env.BENCH_SIZES ?? '64,256,1024,2048,4096');
const MT_SIZES = list(process.env.BENCH_MT_SIZES ?? '2048,4096');
const D = 64;
// Time per size: plain JS gets it alone; a race (ours and every peer form in turns) 3–4 times it.
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 1500);
const CORES = availableParallelism();

const problemOf = (n, causal) => ({ q: random(n * D, 1), k: random(n * D, 2), v: random(n * D, 3), mask: causal ? causalMask(n) : null, n, d: D, causal, scale: 1 / Math.sqrt(D) });
const fmt = (ms) => ms.toFixed(2);

function printSettings(tfSettings, ortSettings) {
  console.log(`TF.js ${tfSettings.version}: backend ${tfSettings.backend}, ${tfSettings.binary}, ${tfSettings.threads} thread(s) (setThreadsCount(${tfSettings.threadsAsked}))`);
  if (tfSettings.note) console.log(`  ${tfSettings.note}`);
  console.log('  forms timed in turns, fastest counts (tensors made once; the timed call includes dataSync() into a Float32Array):');
  for (const [name, text] of Object.entries(TF_FORMS)) console.log(`    ${name}: ${text}`);
  console.log(`onnxruntime-web ${ortSettings.version}: ${ortSettings.binary}, env.wasm.numThreads = ${ortSettings.numThreads}, session ${JSON.stringify(ortSettings.sessionOptions)}`);
  console.log('  forms timed in turns, fastest counts (the timed call is session.run(feeds) and reading o.data, a Float32Array):');
  for (const [name, { describe }] of Object.entries(ONNX_FORMS)) console.log(`    ${name}: ${describe}`);
  console.log();
}

async function singleThread(ours, oursSimd, scalar, tf, ort) {
  const sessions = new Map();
  const results = [];
  for (const causal of [false, true]) {
    for (const n of SIZES) {
      const p = problemOf(n, causal);
      const { q, k, v, scale } = p;
      const opts = { n, m: n, dk: D, dv: D, causal };
      const row = { n, causal, flops: 4 * n * n * D, results: {}, peerForms: {} };
      const record = (name, ms, samples) => { row.results[name] = { ms, gflops: row.flops / ms / 1e6, samples }; };
      const fns = {
        [OURS]: () => ours.attention(q, k, v, opts),
        [OURS_SIMD]: () => oursSimd.attention(q, k, v, opts),
        'ours (wasm scalar)': () => scalar.attention(q, k, v, opts),
      };
      for (const [name, fn] of Object.entries(fns)) check(name, fn(), q, k, v, n, D, causal, scale);
      const plain = () => plainJs(q, k, v, n, n, D, causal, scale);
      check('plain JS', plain(), q, k, v, n, D, causal, scale);
      const tfp = tfForms(tf, p);
      for (const [form, fn] of Object.entries(tfp.forms)) {
        check(`TF.js wasm (${form})`, fn(), q, k, v, n, D, causal, scale);
        fns[`TF.js wasm/${form}`] = fn;
      }
      const ortp = await ortForms(ort, p, sessions); // checks each form's result
      for (const [form, fn] of Object.entries(ortp.forms)) fns[`onnxruntime-web/${form}`] = fn;
      // ours and every form of both peers in turns; plain JS (up to seconds a run) on its own,
      // and at n = 4096 one timed run after the checked one
      const r = await race(fns, BUDGET_MS * 4);
      tfp.dispose();
      const plainT = n >= 4096
        ? await (async () => { const t0 = performance.now(); await plain(); return { median: performance.now() - t0, samples: 1 }; })()
        : await time(plain, BUDGET_MS);
      record(OURS, r.medians[OURS], r.rounds);
      record(OURS_SIMD, r.medians[OURS_SIMD], r.rounds);
      record('ours (wasm scalar)', r.medians['ours (wasm scalar)'], r.rounds);
      record('plain JS', plainT.median, plainT.samples);
      for (const peer of ['TF.js wasm', 'onnxruntime-web']) {
        const best = bestForm(r.medians, peer);
        record(peer, best.ms, r.rounds);
        row.peerForms[peer] = { form: best.form, medians: best.medians, ...(peer === 'onnxruntime-web' ? { failed: ortp.failed } : {}) };
      }
      results.push(row);
      const ourMs = row.results[OURS].ms;
      const cells = Object.entries(row.results).map(([name, r]) => `${name} ${fmt(r.ms)} ms ${r.gflops.toFixed(1)} GF/s${name === OURS ? '' : ` (×${(r.ms / ourMs).toFixed(2)})`}${row.peerForms[name] ? ` [${row.peerForms[name].form}]` : ''}`);
      console.log(`n=${String(n).padStart(4)} ${causal ? 'causal' : 'full  '} | ${cells.join(' | ')}`);
      for (const [peer, f] of Object.entries(row.peerForms)) {
        const alts = Object.entries(f.medians).map(([form, ms]) => `${form} ${fmt(ms)}`);
        const failed = Object.entries(f.failed ?? {}).map(([form, why]) => `${form}: ${why}`);
        console.log(`         ${peer} forms (ms): ${alts.join(', ')}${failed.length ? `; failed: ${failed.join('; ')}` : ''}`);
      }
    }
  }
  return results;
}

async function everyCore(ours, tf, tfSettings) {
  if (MT_SIZES.length === 0) return null;
  console.log(`\nEvery core: ${CORES} cores (os.availableParallelism()); ours single thread vs engine.createPool({ workers: ${CORES} }), TF.js at its Node default, onnxruntime-web numThreads = ${CORES} (child process)`);
  const child = spawnSync(process.execPath, [fileURLToPath(new URL('ort-threads.js', import.meta.url)), JSON.stringify({ threads: CORES, sizes: MT_SIZES, d: D, budgetMs: BUDGET_MS * 2 })], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`bench/ort-threads.js failed: ${child.stderr}`);
  const ortMt = JSON.parse(child.stdout.trim().split('\n').pop());
  console.log(`onnxruntime-web ${ortMt.settings.version}: env.wasm.numThreads = ${ortMt.settings.numThreads} (its own default here: min(4, ceil(cores / 2)) = ${Math.min(4, Math.ceil(cpus().length / 2))})`);
  const pool = await ours.createPool({ workers: CORES });
  if (pool.threads !== CORES) throw new Error(`the pool started ${pool.threads} of ${CORES} workers: ${pool.warning}`);
  const rows = [];
  try {
    for (const causal of [false, true]) {
      for (const n of MT_SIZES) {
        const p = problemOf(n, causal);
        const { q, k, v, scale } = p;
        const opts = { n, m: n, dk: D, dv: D, causal };
        const fns = {
          'ours, 1 thread': () => ours.attention(q, k, v, opts),
          [`ours, pool of ${CORES}`]: async () => (await pool.attention(q, k, v, opts)).data,
        };
        for (const [name, fn] of Object.entries(fns)) check(name, await fn(), q, k, v, n, D, causal, scale);
        const tfp = tfForms(tf, p);
        for (const [form, fn] of Object.entries(tfp.forms)) fns[`TF.js wasm/${form}`] = fn;
        const r = await race(fns, BUDGET_MS * 3);
        tfp.dispose();
        const row = { n, causal, flops: 4 * n * n * D, results: {}, forms: {} };
        for (const name of Object.keys(fns).slice(0, 2)) row.results[name] = { ms: r.medians[name], samples: r.rounds };
        const tfBest = bestForm(r.medians, 'TF.js wasm');
        row.results[`TF.js wasm, ${tfSettings.threads} thread(s)`] = { ms: tfBest.ms, samples: r.rounds };
        row.forms.tf = tfBest.form;
        const o = ortMt.rows.find((r) => r.n === n && r.causal === causal);
        row.results[`onnxruntime-web, ${CORES} threads`] = { ms: o.ms, samples: o.rounds };
        row.forms.ort = o.form;
        row.ortMedians = o.medians;
        rows.push(row);
        const one = row.results['ours, 1 thread'].ms;
        console.log(`n=${String(n).padStart(4)} ${causal ? 'causal' : 'full  '} | ${Object.entries(row.results).map(([name, r]) => `${name} ${fmt(r.ms)} ms${name === 'ours, 1 thread' ? '' : ` (×${(one / r.ms).toFixed(2)} of ours 1 thread)`}`).join(' | ')} [TF.js ${row.forms.tf}, ORT ${row.forms.ort}]`);
      }
    }
  } finally {
    pool.close();
  }
  return { cores: CORES, tfThreads: tfSettings.threads, ortThreads: ortMt.settings.numThreads, rows };
}

function table(results) {
  const names = Object.keys(results[0].results);
  const lines = [
    `| n | mask | ${names.map((n) => `${n} ms (GFLOP/s)`).join(' | ')} | ours vs best peer | ours SIMD vs best peer | ours vs scalar | ours vs plain JS | TF.js form | ORT form |`,
    `|---:|---|${names.map(() => '---:').join('|')}|---:|---:|---:|---:|---|---|`,
  ];
  for (const r of results) {
    const ours = r.results[OURS].ms;
    const bestPeer = Math.min(r.results['TF.js wasm'].ms, r.results['onnxruntime-web'].ms);
    lines.push(`| ${r.n} | ${r.causal ? 'causal' : 'none'} | ${names.map((n) => `${fmt(r.results[n].ms)} (${r.results[n].gflops.toFixed(1)})`).join(' | ')} | ×${(bestPeer / ours).toFixed(2)} | ×${(bestPeer / r.results[OURS_SIMD].ms).toFixed(2)} | ×${(r.results['ours (wasm scalar)'].ms / ours).toFixed(2)} | ×${(r.results['plain JS'].ms / ours).toFixed(1)} | ${r.peerForms['TF.js wasm'].form} | ${r.peerForms['onnxruntime-web'].form} |`);
  }
  return lines.join('\n');
}

function formsTable(results) {
  const tfNames = Object.keys(TF_FORMS);
  const ortNames = Object.keys(ONNX_FORMS);
  const lines = [
    `| n | mask | ${tfNames.map((f) => `TF.js ${f}`).join(' | ')} | ${ortNames.map((f) => `ORT ${f}`).join(' | ')} |`,
    `|---:|---|${[...tfNames, ...ortNames].map(() => '---:').join('|')}|`,
  ];
  for (const r of results) {
    const cell = (peer, f) => {
      const pf = r.peerForms[peer];
      if (pf.failed?.[f]) return 'fails';
      const ms = pf.medians[f];
      return ms === undefined ? '—' : f === pf.form ? `**${fmt(ms)}**` : fmt(ms);
    };
    lines.push(`| ${r.n} | ${r.causal ? 'causal' : 'none'} | ${tfNames.map((f) => cell('TF.js wasm', f)).join(' | ')} | ${ortNames.map((f) => cell('onnxruntime-web', f)).join(' | ')} |`);
  }
  return lines.join('\n');
}

function coresTable(mt) {
  const names = Object.keys(mt.rows[0].results);
  const pool = names[1];
  const lines = [
    `| n | mask | ${names.map((n) => `${n} ms`).join(' | ')} | pool vs ours 1 thread | pool vs TF.js | pool vs ORT |`,
    `|---:|---|${names.map(() => '---:').join('|')}|---:|---:|---:|`,
  ];
  for (const r of mt.rows) {
    const ms = names.map((n) => r.results[n].ms);
    lines.push(`| ${r.n} | ${r.causal ? 'causal' : 'none'} | ${ms.map(fmt).join(' | ')} | ×${(ms[0] / ms[1]).toFixed(2)} | ×${(ms[2] / ms[1]).toFixed(2)} | ×${(ms[3] / ms[1]).toFixed(2)} |`);
  }
  return `${lines.join('\n')}\n\n(${pool}: engine.createPool; TF.js's wasm backend runs ${mt.tfThreads} thread(s) in Node; onnxruntime-web with env.wasm.numThreads = ${mt.ortThreads}.)`;
}

const ours = await loadEngine();
if (ours.build !== 'relaxed') throw new Error(`the relaxed build did not load (${ours.build}): is web/core/attention-core-relaxed.wasm built?`);
const oursSimd = await loadEngine({ relaxed: false });
const scalar = await loadEngine({ simd: false });
const { tf, settings: tfSettings } = await setupTf({ threads: 1 });
const { ort, settings: ortSettings } = await setupOrt({ threads: 1 });
console.log(`attention forward, d = ${D}, float32; ${cpus()[0]?.model ?? 'unknown CPU'}; ${CORES} cores; Node ${process.version}; median of samples after warm-up\n`);
printSettings(tfSettings, ortSettings);
console.log(`ours: ${OURS} is the default build where relaxed SIMD runs (engine.build = '${ours.build}'); ${OURS_SIMD} where it does not\n`);
const results = await singleThread(ours, oursSimd, scalar, tf, ort);
const cores = await everyCore(ours, tf, tfSettings);

mkdirSync(`${root}bench/results`, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: CORES, node: process.version },
  d: D,
  flopsCounted: '4·n·m·d (also for causal, which does about half the work)',
  peers: { 'TF.js wasm': { ...tfSettings, forms: TF_FORMS }, 'onnxruntime-web': { ...ortSettings, forms: Object.fromEntries(Object.entries(ONNX_FORMS).map(([k, f]) => [k, f.describe])) } },
  results,
  everyCore: cores,
};
const settingsMd = [
  `TF.js ${tfSettings.version}: backend ${tfSettings.backend}, ${tfSettings.binary}, ${tfSettings.threads} thread(s). ${tfSettings.note}.`,
  `onnxruntime-web ${ortSettings.version}: ${ortSettings.binary}, env.wasm.numThreads = ${ortSettings.numThreads}, session options \`${JSON.stringify(ortSettings.sessionOptions)}\`.`,
  'Each peer\'s forms were timed in turns and its fastest counts (bold below); every timed call ends with the output in a Float32Array.',
].join('\n');
const md = [
  '## One thread', '', table(results), '', settingsMd, '', '### Every form of each peer (ms)', '', formsTable(results),
  ...(cores ? ['', '## Every core', '', coresTable(cores)] : []),
].join('\n');
writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${root}bench/results/latest.md`, `${md}\n`);
console.log(`\n${md}\n\nwritten: bench/results/latest.json, bench/results/latest.md`);
