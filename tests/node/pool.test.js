// engine.createPool(): attention() split by query rows across worker_threads, each with its
// own engine. The result equals one thread's bit for bit: each row's arithmetic in the kernel
// does not depend on which rows share its tile (the Catch2 test "a slice of rows with its
// first_row equals the same rows of the whole" checks that natively), and every worker runs
// the same wasm build. Workers that fail to start or die mid-call are survived, and said.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { loadEngine, AttentionError } from 'attention-playground';
import { randomFloats as random } from '../../web/lib/plain-attention.js';

const engine = await loadEngine();
const pools = [];
after(() => pools.forEach((p) => p.close()));
async function pool(options) {
  const p = await engine.createPool(options);
  pools.push(p);
  return p;
}

function problem(n, m, dk, dv, seed) {
  return [random(n * dk, seed, 1.5), random(m * dk, seed + 1, 1.5), random(m * dv, seed + 2)];
}

test('all cores equal one core bit for bit: sizes not divisible by the workers, every mask', async () => {
  for (const workers of [2, 3]) {
    const p = await pool({ workers });
    assert.equal(p.threads, workers);
    assert.equal(p.warning, null);
    for (const [n, m, dk, dv] of [[1, 1, 1, 1], [5, 7, 3, 9], [63, 63, 8, 8], [65, 130, 17, 5], [257, 257, 64, 64], [1001, 300, 16, 16]]) {
      for (const mask of ['none', 'causal', 'custom']) {
        const [q, k, v] = problem(n, m, dk, dv, n + m);
        const opts = { n, m, dk, dv, causal: mask === 'causal' };
        if (mask === 'custom') opts.mask = Uint8Array.from({ length: n * m }, (_, i) => ((i * 13) % 5 === 0 ? 0 : 1));
        const one = engine.attention(q, k, v, opts);
        const all = await p.attention(q, k, v, opts);
        assert.equal(all.threads, Math.min(workers, Math.ceil(n / 4)), `${n}: one slice per worker on 4-row tiles`);
        assert.equal(all.warning, null);
        assert.deepEqual(all.data, one, `workers=${workers} n=${n} m=${m} ${mask}`);
      }
    }
  }
});

test('the caller\'s arrays are left as they were (the pool moves copies)', async () => {
  const p = await pool({ workers: 2 });
  const [q, k, v] = problem(40, 40, 4, 4, 9);
  const copies = [q.slice(), k.slice(), v.slice()];
  await p.attention(q, k, v, { n: 40, m: 40, dk: 4, dv: 4 });
  assert.deepEqual([q, k, v], copies);
  assert.equal(q.buffer.byteLength, 40 * 4 * 4, 'not detached');
});

test('a worker that fails to start: the pool runs on one thread and says so', async () => {
  const [q, k, v] = problem(50, 50, 8, 8, 3);
  const opts = { n: 50, m: 50, dk: 8, dv: 8, causal: true };
  const want = engine.attention(q, k, v, opts);
  // a factory that throws, and a worker script that does not exist
  for (const createWorker of [
    () => { throw new Error('no workers here'); },
    () => new Worker(new URL('./no-such-worker.js', import.meta.url)),
  ]) {
    const p = await pool({ workers: 2, createWorker });
    assert.equal(p.threads, 0);
    assert.match(p.warning, /no worker could start .*one thread/);
    const got = await p.attention(q, k, v, opts);
    assert.equal(got.threads, 1);
    assert.match(got.warning, /one thread/);
    assert.deepEqual(got.data, want);
  }
  // one of two fails: the other does all the rows
  const p = await pool({ workers: 2, createWorker: (i) => (i === 0 ? new Worker(new URL('../../web/attention-worker.js', import.meta.url)) : null.boom) });
  assert.equal(p.threads, 1);
  assert.match(p.warning, /1 of 2 workers could not start/);
  const got = await p.attention(q, k, v, opts);
  assert.deepEqual(got.data, want);
  assert.match(got.warning, /1 of 2/);
});

test('a worker that says it runs another build is left out, and the pool says why', async () => {
  // say, a stale cached worker script or a wasmUrl that points at another build's .wasm
  const other = engine.build === 'simd' ? 'scalar' : 'simd';
  const liar = () => new Worker(`const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready', build: '${other}' }); });`, { eval: true });
  const p = await pool({ workers: 1, createWorker: liar });
  assert.equal(p.threads, 0);
  assert.equal(p.build, engine.build);
  assert.match(p.warning, new RegExp(`loaded the ${other} build, not the ${engine.build} build`));
  const [q, k, v] = problem(9, 9, 4, 4, 3);
  assert.deepEqual((await p.attention(q, k, v, { n: 9, m: 9, dk: 4, dv: 4 })).data, engine.attention(q, k, v, { n: 9, m: 9, dk: 4, dv: 4 }));
});

test('a worker that never answers counts as failed after startTimeout', async () => {
  const silent = () => new Worker('setInterval(() => {}, 1000)', { eval: true });
  const p = await pool({ workers: 1, createWorker: silent, startTimeout: 300 });
  assert.equal(p.threads, 0);
  assert.match(p.warning, /did not answer within 300 ms/);
});

test('a worker that dies mid-call: its rows run on this thread, and the result says so', async () => {
  const dying = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready', build: '${engine.build}' }); else process.exit(3); });`;
  let made = 0;
  const p = await pool({
    workers: 2,
    createWorker: () => (made++ === 0 ? new Worker(dying, { eval: true }) : new Worker(new URL('../../web/attention-worker.js', import.meta.url))),
  });
  assert.equal(p.threads, 2);
  const [q, k, v] = problem(90, 90, 8, 8, 5);
  const opts = { n: 90, m: 90, dk: 8, dv: 8 };
  const got = await p.attention(q, k, v, opts);
  assert.deepEqual(got.data, engine.attention(q, k, v, opts));
  assert.match(got.warning, /a worker stopped .*this thread/);
  assert.equal(p.threads, 1);
});

test('bad arguments reject with the engine\'s AttentionErrors', async () => {
  const p = await pool({ workers: 2 });
  const a = new Float32Array(16);
  await assert.rejects(p.attention(a, a, a, { n: 4, m: 4, dk: 4, dv: 3 }), (e) => e instanceof AttentionError && e.code === 'shape_mismatch' && e.field === 'v');
  await assert.rejects(p.attention(a, a, a, { n: 4, m: 4, dk: 4, dv: 4, firstRow: 2 }), (e) => e instanceof AttentionError && e.field === 'firstRow');
  await assert.rejects(p.attention(a, a, Float32Array.from(a, (_, i) => (i === 5 ? NaN : 0)), { n: 4, m: 4, dk: 4, dv: 4 }), (e) => e instanceof AttentionError && e.code === 'non_finite');
  await assert.rejects(engine.createPool({ workers: 0 }), (e) => e instanceof AttentionError && e.field === 'workers');
  assert.equal((await p.attention(a, a, a, { n: 4, m: 4, dk: 4, dv: 4 })).data.length, 16);
});
