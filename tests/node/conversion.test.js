// What crosses from JavaScript into the engine: only converted values (own properties,
// real lists, real Float32Arrays), every check of meaning in C++, one limits object with
// the page's profile, and a training step that costs one forward and one backward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadEngine, AttentionError } from 'attention-playground';
import { makeTrainer, lossOf } from '../../web/lib/train.js';
import { presetConfig } from '../../web/lib/presets.js';

const engine = await loadEngine();
const base = { x: [[1, 2], [3, 4]], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1, 0], [0, 1]] };

function refused(fn, code, field) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof AttentionError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.field, field, err.message);
    assert.ok(err.message.length > 10);
    return true;
  });
}

test('one limits object: the engine\'s, the fast path\'s and the page\'s, frozen', () => {
  const { limits } = engine;
  assert.ok(Object.isFrozen(limits) && Object.isFrozen(limits.page));
  assert.equal(limits.maxDim, 512);
  assert.deepEqual(
    [limits.page.maxTokens, limits.page.maxDModel, limits.page.maxHeads],
    [128, 64, 8],
  );
  assert.ok(limits.maxRows >= 16384);
});

test('the page\'s limits are checked by the engine, before any work, naming the limit and the value', () => {
  const tokens = (n) => ({ ...base, x: Array.from({ length: n }, (_, i) => [i % 3, 1]) });
  engine.run(tokens(200)); // the engine itself takes it
  refused(() => engine.run(tokens(129), { limits: 'page' }), 'too_large', 'x');
  assert.match((() => { try { engine.run(tokens(129), { limits: 'page' }); } catch (e) { return e.message; } })(), /129.*128/);
  engine.run(tokens(128), { limits: 'page' });
  const wide = (d) => ({ x: [[...new Array(d).fill(0.1)]], wq: Array.from({ length: d }, () => [1]), wk: Array.from({ length: d }, () => [1]), wv: Array.from({ length: d }, () => [1]) });
  refused(() => engine.run(wide(65), { limits: 'page' }), 'too_large', 'x');
  const heads = { ...base, heads: 9, wq: [new Array(18).fill(0), new Array(18).fill(0)], wk: [new Array(18).fill(0), new Array(18).fill(0)], wv: [new Array(9).fill(0), new Array(9).fill(0)] };
  engine.run(heads);
  refused(() => engine.run(heads, { limits: 'page' }), 'too_large', 'heads');
  // A config far beyond the page's limits (the freeze of issue 14: 512 tokens, 16 heads)
  // is refused in well under a second.
  const n = 512;
  const huge = { x: Array.from({ length: n }, () => [1, 2]), heads: 16, wq: [new Array(32).fill(1), new Array(32).fill(1)], wk: [new Array(32).fill(1), new Array(32).fill(1)], wv: [new Array(32).fill(1), new Array(32).fill(1)] };
  const t0 = performance.now();
  refused(() => engine.run(huge, { limits: 'page' }), 'too_large', 'x');
  assert.ok(performance.now() - t0 < 1000);
});

test('inherited properties are not fields; lists with holes are refused', () => {
  const plain = engine.run(base).final.data;
  Object.prototype.scale = 'none';
  Object.prototype.heads = 2;
  try {
    assert.deepEqual(engine.run(base).final.data, plain);
  } finally {
    delete Object.prototype.scale;
    delete Object.prototype.heads;
  }
  const holes = ['a'];
  holes[2] = 'c';
  refused(() => engine.run({ ...base, x: [[1, 2], [3, 4], [5, 6]], tokens: holes }), 'bad_config', 'tokens');
  const rowHole = [[1, 2], [3, 4]];
  delete rowHole[1][1];
  refused(() => engine.run({ ...base, x: rowHole }), 'bad_config', 'x');
});

test('getters and Proxies that throw become an AttentionError naming the field, and leak nothing', () => {
  const throwing = { ...base };
  Object.defineProperty(throwing, 'wk', { enumerable: true, get() { throw new Error('boom'); } });
  const proxy = { ...base, wv: new Proxy([[1, 0], [0, 1]], { get(t, k) { if (k === '1') throw new Error('trap'); return t[k]; } }) };
  const lying = { ...base, x: new Proxy([[1, 2], [3, 4]], { get: (t, k) => (k === 'length' ? 1e12 : t[k]) }) };
  const calls = () => {
    refused(() => engine.run(throwing), 'bad_config', 'wk');
    refused(() => engine.run(proxy), 'bad_config', 'wv');
    refused(() => engine.run(lying), 'too_large', 'x');
    refused(() => engine.backward(base, { rows: 2, cols: 2, get data() { throw new Error('x'); } }), 'bad_config', 'dFinal');
  };
  for (let i = 0; i < 50; i++) calls();
  const before = engine.memory().inUse;
  for (let i = 0; i < 2000; i++) calls();
  assert.equal(engine.memory().inUse, before, 'no wasm heap held after failing calls');
});

test('the fast path takes only real Float32Arrays, with their true length', () => {
  const q = new Float32Array(8).fill(0.5);
  const opts = { n: 2, m: 2, dk: 4, dv: 4 };
  const fine = engine.attention(q, q, q, opts);
  assert.equal(fine.length, 8);
  const lying = new Float32Array(8);
  Object.defineProperty(lying, 'length', { value: 1e9 });
  assert.deepEqual(engine.attention(lying, q, q, opts).length, 8); // its real length is used
  refused(() => engine.attention(new Proxy(q, {}), q, q, opts), 'bad_config', 'q');
  refused(() => engine.attention({ length: 8, '0': 1 }, q, q, opts), 'bad_config', 'q');
  refused(() => engine.attention(new Float32Array(7), q, q, opts), 'shape_mismatch', 'q');
});

test('smaller: no function source in messages, emoji count once, a scale float32 cannot hold is refused', () => {
  const secret = function leak() { return 'SECRET-SOURCE'; };
  assert.throws(() => engine.run({ ...base, x: secret }), (err) => !err.message.includes('SECRET') && err.field === 'x');
  assert.throws(() => engine.run({ ...base, x: [[1, secret], [3, 4]] }), (err) => !err.message.includes('SECRET'));
  const emoji = '🙂'.repeat(200); // 200 characters, 400 UTF-16 units
  engine.run({ ...base, tokens: [emoji, 'b'] });
  refused(() => engine.run({ ...base, tokens: ['🙂'.repeat(201), 'b'] }), 'bad_config', 'tokens');
  refused(() => engine.run({ ...base, scale: 1e-50 }), 'bad_config', 'scale');
  assert.ok(engine.run({ ...base, scale: 1e-30 }).scale > 0);
});

test('a training step is one forward and one backward pass, with the gradients of backward()', () => {
  const config = presetConfig('learn-it-animal');
  const task = { kind: 'attend', head: 0, row: 7, col: 1 };
  const trainer = makeTrainer(engine, config, task);
  const before = engine.forwardPasses();
  trainer.step();
  assert.equal(engine.forwardPasses() - before, 1);
  // engine.gradients gives what run + backward give, with one forward instead of two.
  const { trace, grads } = engine.gradients(config, (t) => lossOf(t, task));
  const seeds = lossOf(engine.run(config), task);
  const want = engine.backward(config, seeds.dFinal, { dWeights: seeds.dWeights });
  assert.deepEqual(grads.wq.data, want.wq.data);
  assert.deepEqual(trace.heads[0].weights.data, engine.run(config).heads[0].weights.data);
  // A seed function that throws leaves nothing kept.
  const heap = engine.memory().inUse;
  assert.throws(() => engine.gradients(config, () => { throw new Error('no'); }), /no/);
  assert.equal(engine.memory().inUse, heap);
});
