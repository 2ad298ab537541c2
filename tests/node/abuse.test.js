// Hostile and random input against the engine and the share-link decoder: 10,000 mixed
// valid and invalid calls in one engine (each invalid one gets the right AttentionError,
// each valid one matches the double reference, nothing aborts or leaks), and property
// tests (fast-check) of share links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadEngine, AttentionError } from 'attention-playground';
import { decodeShare, encodeShare } from '../../web/lib/state.js';
import { referenceAttention } from '../reference.js';

const engine = await loadEngine();

function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// A random config and what the engine must say about it: null (valid) or [code, field].
function randomCase(rand) {
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const mat = (r, c, range = 1) => Array.from({ length: r }, () => Array.from({ length: c }, () => Math.round((rand() * 2 - 1) * range * 100) / 100));
  const n = int(1, 6);
  const d = int(1, 5);
  const heads = int(1, 3);
  const dk = 2 * int(1, 2);
  const dv = int(1, 3);
  const config = { x: mat(n, d), heads, wq: mat(d, heads * dk), wk: mat(d, heads * dk), wv: mat(d, heads * dv) };
  if (rand() < 0.3) config.mask = 'causal';
  if (rand() < 0.2) config.positional = rand() < 0.5 ? 'sinusoidal' : 'rope';
  if (rand() < 0.2) config.score = 'additive';
  if (rand() < 0.2) config.wo = mat(heads * dv, int(1, 3));
  if (rand() < 0.2) config.scale = Math.round(rand() * 100) / 100;
  const breakage = rand();
  if (breakage < 0.5) return { config, expect: null };
  const faults = [
    [() => { config.wq = mat(d + 1, heads * dk); }, ['shape_mismatch', 'wq']],
    [() => { config.x[0][0] = NaN; }, ['non_finite', 'x']],
    [() => { config.wv[0][0] = 'one'; }, ['bad_config', 'wv']],
    [() => { config.heads = 0; }, ['bad_config', 'heads']],
    [() => { config.mask = 'sideways'; }, ['bad_config', 'mask']],
    [() => { config.tokens = ['<img src=x onerror=alert(1)>']; config.tokens.length = n + 1; config.tokens.fill('x', 1); }, ['shape_mismatch', 'tokens']],
    [() => { config.x = Array.from({ length: 600 }, () => [1]); }, ['too_large', 'x']],
    [() => { config.x[n - 1] = config.x[n - 1].concat([1]); }, [n === 1 ? 'shape_mismatch' : 'shape_mismatch', n === 1 ? 'wq' : 'x']],
    [() => { config.wq = mat(d, heads * dk + 1); config.wk = mat(d, heads * dk + 1); delete config.positional; }, [heads === 1 ? null : 'shape_mismatch', heads === 1 ? null : 'wq']],
    [() => { config.x[0][0] = 1e38; config.wq[0][0] = 1e38; }, ['non_finite', null]],
  ];
  const [apply, expect] = faults[int(0, faults.length - 1)];
  apply();
  return { config, expect };
}

function sameAsReference(trace, config) {
  const ref = referenceAttention(config);
  const flat = ref.final.flat();
  // float32 vs double over a few small products: 1e-4 relative to max(|x|, 1)
  flat.forEach((want, i) => assert.ok(Math.abs(trace.final.data[i] - want) <= 1e-4 * Math.max(1, Math.abs(want)), `final[${i}]`));
}

test('10,000 mixed valid and invalid calls: right errors, right numbers, no leak', () => {
  const rand = lcg(2026);
  const a = new Float32Array(64).map(() => rand() - 0.5);
  let valid = 0;
  let refused = 0;
  let settled = null;
  for (let i = 0; i < 10_000; i++) {
    if (i === 100) settled = engine.memory();
    if (i % 10 === 9) {
      // the fast path, valid or not
      const bad = rand() < 0.5;
      const opts = { n: 4, m: 4, dk: 4, dv: 4, causal: rand() < 0.5 };
      if (bad) {
        assert.throws(() => engine.attention(a.subarray(0, 15), a.subarray(0, 16), a.subarray(0, 16), opts), { code: 'shape_mismatch', field: 'q' });
        refused++;
      } else {
        assert.equal(engine.attention(a.subarray(0, 16), a.subarray(16, 32), a.subarray(32, 48), opts).length, 16);
        valid++;
      }
      continue;
    }
    const { config, expect } = randomCase(rand);
    let trace = null;
    try {
      trace = engine.run(config);
    } catch (err) {
      assert.ok(err instanceof AttentionError, `not an AttentionError: ${err}`);
      assert.ok(expect, `valid config refused: ${err.message}`);
      if (expect[0]) assert.equal(err.code, expect[0], err.message);
      if (expect[1]) assert.equal(err.field, expect[1], err.message);
      refused++;
      continue;
    }
    if (expect && expect[0]) assert.fail(`expected ${expect.join(' ')} for ${JSON.stringify(config).slice(0, 200)}`);
    if (i % 7 === 0) sameAsReference(trace, config); // the reference is slow in JS; every 7th
    valid++;
  }
  assert.ok(valid > 3000 && refused > 3000, `${valid} valid, ${refused} refused`);
  const after = engine.memory();
  assert.ok(after.reserved <= settled.reserved, `heap grew from ${settled.reserved} to ${after.reserved}`);
  assert.equal(after.inUse, settled.inUse);
});

test('share links: any string decodes to a state or an error code, never a throw or a polluted prototype', () => {
  const codes = new Set(['characters', 'truncated', 'utf8', 'json', 'not_object', 'too_long']);
  const check = (hash) => {
    const out = decodeShare(hash);
    if (out === null) return;
    if ('error' in out) assert.ok(codes.has(out.error), out.error);
    else if (!('preset' in out)) assert.equal(typeof out.config, 'object');
    assert.equal({}.polluted, undefined);
    assert.equal(Object.prototype.polluted, undefined);
  };
  const b64 = (text) => Buffer.from(text).toString('base64url');
  fc.assert(fc.property(fc.string(), (s) => check(`#${s}`)), { numRuns: 2000 });
  fc.assert(fc.property(fc.string(), (s) => check(`#config=${s}`)), { numRuns: 2000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => check(`#config=${Buffer.from(bytes).toString('base64url')}`)), { numRuns: 2000 });
  fc.assert(fc.property(fc.jsonValue(), (value) => check(`#config=${b64(JSON.stringify(value) ?? 'null')}`)), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ minLength: 1 }), fc.nat(40), (s, cut) => check(`#config=${b64(JSON.stringify({ x: [[1]], s })).slice(0, cut)}`)), { numRuns: 1000 });
  // deep nesting, 10 MB, __proto__ and constructor keys
  check(`#config=${b64('['.repeat(100_000) + ']'.repeat(100_000))}`);
  check(`#config=${'A'.repeat(10 * 2 ** 20)}`);
  check(`#config=${b64('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "x": [[1]]}')}`);
});

test('whatever a share link holds, the engine answers with a result or an AttentionError', () => {
  const cell = fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.constant(1e39));
  const matrix = fc.oneof(fc.array(fc.array(cell, { maxLength: 4 }), { maxLength: 4 }), cell, fc.constant([[1, 2], [3]]));
  const config = fc.record({
    x: matrix, wq: matrix, wk: matrix, wv: matrix,
    heads: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.double(), fc.string()),
    mask: fc.oneof(fc.constantFrom('none', 'causal', 'diagonal'), matrix),
    tokens: fc.oneof(fc.array(fc.string({ maxLength: 300 }), { maxLength: 4 }), fc.string()),
    scale: fc.oneof(fc.double(), fc.constantFrom('sqrt_dk', 'none', 'huge')),
  }, { requiredKeys: [] });
  fc.assert(fc.property(config, (c) => {
    const decoded = decodeShare(encodeShare({ config: c, decimals: 3, lang: 'en' }));
    try {
      const t = engine.run(decoded.config);
      assert.ok(t.final.data.every(Number.isFinite));
    } catch (err) {
      assert.ok(err instanceof AttentionError, String(err));
      assert.ok(['bad_config', 'shape_mismatch', 'non_finite', 'too_large'].includes(err.code));
      assert.ok(err.message.length > 5);
    }
  }), { numRuns: 3000 });
  assert.equal(engine.run({ x: [[1]], wq: [[1]], wk: [[1]], wv: [[1]] }).final.data[0], 1);
});
