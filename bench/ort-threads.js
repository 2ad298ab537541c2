// Child process of bench/attention.js: onnxruntime-web on `threads` threads (numThreads is
// fixed once per process, so the single-thread figures come from the parent and these from
// here). Usage: node bench/ort-threads.js '{"threads":2,"sizes":[2048],"d":64,"budgetMs":1500}'
// Prints one JSON line: the settings and, per size and mask, every form's median (ms).
import { randomFloats as random } from '../web/lib/plain-attention.js';
import { setupOrt, ortForms, race, bestForm, causalMask } from './peers.js';

const { threads, sizes, d, budgetMs } = JSON.parse(process.argv[2]);
const { ort, settings } = await setupOrt({ threads });
const sessions = new Map();
const rows = [];
for (const causal of [false, true]) {
  for (const n of sizes) {
    const problem = { q: random(n * d, 1), k: random(n * d, 2), v: random(n * d, 3), mask: causal ? causalMask(n) : null, n, d, causal, scale: 1 / Math.sqrt(d) };
    const { forms, failed } = await ortForms(ort, problem, sessions);
    const r = await race(Object.fromEntries(Object.entries(forms).map(([form, fn]) => [`ort/${form}`, fn])), budgetMs);
    const best = bestForm(r.medians, 'ort');
    rows.push({ n, causal, ms: best.ms, form: best.form, rounds: r.rounds, medians: best.medians, failed });
  }
}
process.stdout.write(`${JSON.stringify({ settings, rows })}\n`);
