// The engine's JavaScript API: loadEngine() -> { version, simd, limits, run(config), ... }.
// This layer only converts JavaScript values into the engine's types (number[][] into a
// Float32Array matrix, labels into strings) and names the field when it cannot; every
// check of meaning (shapes, limits, options, unknown fields) belongs to the C++ core
// (cpp/src/validate.cpp). Every failure becomes an AttentionError with a code, the field
// at fault and a sentence a person understands.
import createSimdCore from './core/attention-core.js';

// The step ids in the order the computation produces them: the same in C++ (kSteps in
// cpp/include/attention/trace.hpp), web/lib/steps.js, the DOM and the docs. A test checks
// this list against the core's own table.
export const STEP_IDS = Object.freeze([
  'x', 'pe', 'encoded', 'context', 'contextPe', 'contextEncoded',
  'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'concat', 'final',
]);

export class AttentionError extends Error {
  constructor(code, field, message) {
    super(message);
    this.name = 'AttentionError';
    this.code = code;
    this.field = field;
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;
// Arrays longer than this are refused before they are read: far beyond every limit
// (512 x 512), and reading a billion-entry list would hang the caller.
const MAX_ENTRIES = 1 << 20;

function fail(code, field, message) {
  throw new AttentionError(code, field, message);
}

// User text inside a message: quoted and cut short (by code points, never mid-emoji).
function quote(text) {
  const chars = Array.from(text.length > 100 ? text.slice(0, 100) : text);
  return `"${chars.length > 24 ? `${chars.slice(0, 24).join('')}…` : chars.join('')}"`;
}

const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;

// How a value looks in a message. A function is named as one: its source text is never echoed.
function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return 'a BigInt';
  return String(value);
}

// Reads a property the way JSON would hold it: own properties only (nothing inherited from
// Object.prototype), and a getter or Proxy that throws becomes an error naming the field.
function own(object, key, field) {
  try {
    return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  } catch {
    return fail('bad_config', field, `${field} could not be read (reading it threw an error)`);
  }
}

// A list's entries, read once each: holes, lying lengths and throwing getters are refused.
function entries(value, field, what) {
  let length;
  try {
    length = value.length;
  } catch {
    return fail('bad_config', field, `${field} could not be read (reading it threw an error)`);
  }
  if (!Number.isInteger(length) || length < 0) fail('bad_config', field, `${field} is not a proper list`);
  if (length > MAX_ENTRIES) fail('too_large', field, `${field} has ${length} ${what}; far beyond every limit`);
  const out = new Array(length);
  for (let i = 0; i < length; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) fail('bad_config', field, `${field}[${i}] is missing (the list has a hole)`);
    out[i] = own(value, i, field);
  }
  return out;
}

function toNumber(value, where, field) {
  if (typeof value !== 'number') fail('bad_config', field, `${where} is ${describe(value)}, not a number`);
  if (Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX) {
    fail('non_finite', field, `${where} is ${value}, beyond the float32 range (about ±3.4e38)`);
  }
  return value; // NaN and ±Infinity pass: the core names them
}

// number[][] -> { rows, cols, data: Float32Array }.
function toMatrix(value, field) {
  if (!Array.isArray(value)) {
    fail('bad_config', field, `${field} must be a list of rows of numbers, but it is ${describe(value)}`);
  }
  const rows = entries(value, field, 'rows');
  if (rows.length === 0) return { rows: 0, cols: 0, data: new Float32Array(0) };
  const first = Array.isArray(rows[0]) ? entries(rows[0], `${field}[0]`, 'numbers') : null;
  if (!first) fail('bad_config', field, `${field}[0] must be a list of numbers, but it is ${describe(rows[0])}`);
  const cols = first.length;
  if (rows.length * cols > MAX_ENTRIES) fail('too_large', field, `${field} is ${rows.length} × ${cols}, far beyond every limit`);
  const data = new Float32Array(rows.length * cols);
  for (let r = 0; r < rows.length; r++) {
    if (!Array.isArray(rows[r])) fail('bad_config', field, `${field}[${r}] must be a list of numbers, but it is ${describe(rows[r])}`);
    const row = r === 0 ? first : entries(rows[r], field, 'numbers');
    if (row.length !== cols) {
      fail('shape_mismatch', field, `${field}[${r}] has ${plural(row.length, 'number')} but ${field}[0] has ${cols}; rows must be the same length`);
    }
    for (let c = 0; c < cols; c++) data[r * cols + c] = toNumber(row[c], `${field}[${r}][${c}]`, field);
  }
  return { rows: rows.length, cols, data };
}

function toVector(value, field) {
  if (!Array.isArray(value)) fail('bad_config', field, `${field} must be a list of numbers, but it is ${describe(value)}`);
  return Float32Array.from(entries(value, field, 'numbers'), (v, i) => toNumber(v, `${field}[${i}]`, field));
}

function toLabels(value, field) {
  if (!Array.isArray(value)) fail('bad_config', field, `${field} must be a list of text labels, but it is ${describe(value)}`);
  return entries(value, field, 'labels').map((label, i) => {
    if (typeof label !== 'string') fail('bad_config', field, `${field}[${i}] is ${describe(label)}, not text`);
    return label;
  });
}

// Each kind of field (from the core's field table) and how its JavaScript value converts.
const CONVERT = {
  matrix: toMatrix,
  vector: toVector,
  labels: toLabels,
  count: (value, field) => (typeof value === 'number' ? value : fail('bad_config', field, `${field} must be a whole number, but it is ${describe(value)}`)),
  option: (value, field) => (typeof value === 'string' ? value : fail('bad_config', field, `${field} must be text naming an option, but it is ${describe(value)}`)),
  scale: (value, field) => {
    if (typeof value === 'string') return value;
    if (typeof value !== 'number') fail('bad_config', field, `${field} must be "sqrt_dk", "none" or a number, but it is ${describe(value)}`);
    return toNumber(value, field, field);
  },
  mask: (value, field) => (typeof value === 'string' ? value : Array.isArray(value) ? toMatrix(value, field)
    : fail('bad_config', field, `${field} must be "none", "causal" or a matrix of 1 and 0, but it is ${describe(value)}`)),
};

// The JSON config of the public API -> the converted form the C++ bindings read:
// { fields: its own keys, <field>: converted value or null }, plus its labels.
function convert(config, fields) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail('bad_config', 'config', `the config must be an object like {"x": [[1, 2]], "wq": …}, but it is ${describe(config)}`);
  }
  let keys;
  try {
    keys = Object.keys(config);
  } catch {
    fail('bad_config', 'config', 'the config could not be read (listing its fields threw an error)');
  }
  const flat = { fields: keys };
  for (const { name, kind } of fields) {
    const value = own(config, name, name);
    flat[name] = value === undefined || value === null ? null : CONVERT[kind](value, name);
  }
  return flat;
}

// A minimal module whose one function uses a v128 instruction (i8x16.splat):
// it validates only where WebAssembly SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, // "\0asm", version 1
  1, 5, 1, 96, 0, 1, 123, // type section: () -> v128
  3, 2, 1, 0, // function section: one function of type 0
  10, 8, 1, 6, 0, 65, 0, 253, 15, 11, // code: i32.const 0; i8x16.splat; end
]);

export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const TYPED = Object.getPrototypeOf(Float32Array.prototype);
const typedGetter = (key) => Object.getOwnPropertyDescriptor(TYPED, key).get;
const TYPED_TAG = typedGetter(Symbol.toStringTag);
const TYPED_LENGTH = typedGetter('length');
const TYPED_BUFFER = typedGetter('buffer');
const TYPED_OFFSET = typedGetter('byteOffset');

function deepFreeze(object) {
  for (const value of Object.values(object)) if (value && typeof value === 'object') deepFreeze(value);
  return Object.freeze(object);
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string'
  && typeof window === 'undefined';

// Node's file module, named where no bundler looks: a dynamic import of it by its literal
// name makes esbuild fail, and webpack and Vite warn, when they bundle this file for a
// browser, although a browser never reaches that branch. The comments tell webpack and Vite
// to leave the import alone; esbuild leaves a non-literal import() as it is.
const NODE_FS = ['node:fs', 'promises'].join('/');

async function readWasm(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
    return readFile(url);
  }
  return undefined; // browsers and workers: the module fetches (and streams) it itself
}

/**
 * Loads the WebAssembly core: the SIMD build where the runtime supports WebAssembly SIMD,
 * the scalar build otherwise. With no options it finds its .wasm next to this module.
 * Options: { simd: true | false } to force a build; { wasmUrl, wasmBinary } to load the
 * module from elsewhere.
 */
export async function loadEngine(options = {}) {
  const simd = options.simd ?? simdSupported();
  if (simd && !simdSupported()) {
    throw new Error('This runtime does not support WebAssembly SIMD; load the scalar build with { simd: false }.');
  }
  const create = simd ? createSimdCore : (await import('./core/attention-core-scalar.js')).default;
  const file = simd ? './core/attention-core.wasm' : './core/attention-core-scalar.wasm';
  // Resolved only when the bytes are not given: a bundle with the wasm inlined has no URL.
  const wasmUrl = options.wasmBinary ? null : new URL(options.wasmUrl ?? file, import.meta.url);
  const wasmBinary = options.wasmBinary ?? await readWasm(wasmUrl);
  const core = await create({
    ...(wasmBinary ? { wasmBinary } : {}),
    locateFile: () => wasmUrl?.href ?? file,
    print: () => {},
    printErr: () => {},
  });
  const limits = deepFreeze(core.limits());
  const fields = core.fields();
  const failed = (result) => new AttentionError(result.code, result.field, result.message);
  // { limits: 'page' } checks a config against the page's limits instead of the engine's.
  const profileOf = (options) => (own(options ?? {}, 'limits', 'options') === 'page' ? 'page' : 'engine');

  function attachLabels(trace, flat) {
    return Object.assign(trace, { tokens: flat.tokens, contextTokens: flat.contextTokens });
  }

  function run(config, options) {
    const flat = convert(config, fields);
    const result = core.run(flat, profileOf(options), false);
    if (!result.ok) throw failed(result);
    return attachLabels(result.trace, flat);
  }

  // A seed gradient: number[][] like the config's matrices, or a { rows, cols, data } matrix.
  // Its size is checked before anything is expanded.
  function seed(value, field) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const rows = own(value, 'rows', field);
      const cols = own(value, 'cols', field);
      const data = own(value, 'data', field);
      if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
        fail('bad_config', field, `${field} must be a list of rows or a { rows, cols, data } matrix`);
      }
      if (rows * cols > MAX_ENTRIES) fail('too_large', field, `${field} is ${rows} × ${cols}, far beyond every limit`);
      if (data === null || typeof data !== 'object') fail('bad_config', field, `${field}.data must be a list of numbers`);
      const values = entries(data, field, 'numbers');
      if (values.length !== rows * cols) {
        fail('shape_mismatch', field, `${field}.data holds ${values.length} numbers but should hold ${rows} × ${cols} = ${rows * cols}`);
      }
      return { rows, cols, data: Float32Array.from(values, (v, i) => toNumber(v, `${field}.data[${i}]`, field)) };
    }
    return toMatrix(value, field);
  }

  function seeds(dFinal, dWeights) {
    if (dWeights !== undefined && dWeights !== null && !Array.isArray(dWeights)) {
      fail('bad_config', 'dWeights', `dWeights must be a list with one matrix per head, but it is ${describe(dWeights)}`);
    }
    return [seed(dFinal, 'dFinal'), dWeights ? entries(dWeights, 'dWeights', 'matrices').map((w) => seed(w, 'dWeights')) : null];
  }

  // Gradients of a loss through run(): dFinal = dL/d(final); options.dWeights = one
  // dL/d(weights) per head, for losses on the attention weights themselves.
  function backward(config, dFinal, options = {}) {
    const flat = convert(config, fields);
    const [d, dw] = seeds(dFinal, own(options ?? {}, 'dWeights', 'dWeights'));
    const result = core.backward(flat, profileOf(options), d, dw);
    if (!result.ok) throw failed(result);
    return result.grads;
  }

  // One forward and one backward pass: seedOf(trace) returns the loss's seeds
  // { dFinal, dWeights? } from the forward trace; returns { trace, seeds, grads }.
  function gradients(config, seedOf, options) {
    if (typeof seedOf !== 'function') fail('bad_config', 'seedOf', 'seedOf must be a function of the trace');
    const flat = convert(config, fields);
    const forward = core.run(flat, profileOf(options), true);
    if (!forward.ok) throw failed(forward);
    const trace = attachLabels(forward.trace, flat);
    let given;
    try {
      given = seedOf(trace);
      const [d, dw] = seeds(own(given, 'dFinal', 'dFinal'), own(given, 'dWeights', 'dWeights'));
      const result = core.backward(null, 'engine', d, dw);
      if (!result.ok) throw failed(result);
      return { trace, seeds: given, grads: result.grads };
    } finally {
      core.dropKept();
    }
  }

  // The true length of a real Float32Array, or -1: a Proxy, a subclass with a lying
  // `length` or an array-like is not one. Read through the TypedArray intrinsics, which
  // run no user code.
  function float32Length(value) {
    try {
      return TYPED_TAG.call(value) === 'Float32Array' ? TYPED_LENGTH.call(value) : -1;
    } catch {
      return -1;
    }
  }

  // The fused fast path: row-major Float32Arrays in, a new Float32Array (n x dv) out.
  function attention(q, k, v, opts = {}) {
    if (opts === null || typeof opts !== 'object') fail('bad_config', 'options', 'the options must be an object like { n, m, dk, dv }');
    const read = (key) => own(opts, key, key);
    const [n, m, dk, dv] = ['n', 'm', 'dk', 'dv'].map(read);
    const causal = read('causal') ?? false;
    for (const [name, value] of [['n', n], ['m', m], ['dk', dk], ['dv', dv]]) {
      if (!Number.isInteger(value) || value < 1) fail('bad_config', name, `${name} must be a whole number of at least 1, but it is ${describe(value)}`);
      if (value > (name.startsWith('d') ? limits.maxWidth : limits.maxRows)) {
        fail('too_large', name, `${name} is ${value}; the limit is ${name.startsWith('d') ? limits.maxWidth : limits.maxRows}`);
      }
    }
    const views = [['q', q, n, dk], ['k', k, m, dk], ['v', v, m, dv]].map(([name, array, rows, cols]) => {
      const length = float32Length(array);
      if (length < 0) fail('bad_config', name, `${name} must be a Float32Array, but it is ${describe(array)}`);
      if (length !== rows * cols) {
        fail('shape_mismatch', name, `${name} holds ${length} numbers but should hold ${rows} × ${cols} = ${rows * cols}`);
      }
      // A fresh view of the same memory: no own properties a caller could have added.
      return new Float32Array(TYPED_BUFFER.call(array), TYPED_OFFSET.call(array), length);
    });
    if (typeof causal !== 'boolean') fail('bad_config', 'causal', `causal must be true or false, but it is ${describe(causal)}`);
    const scale = read('scale') ?? 1 / Math.sqrt(dk);
    if (typeof scale !== 'number') fail('bad_config', 'scale', `scale must be a number, but it is ${describe(scale)}`);
    if (!Number.isFinite(scale)) fail('non_finite', 'scale', `scale is ${scale}; it must be a finite number`);
    const result = core.attention(...views, { n, m, dk, dv, scale, causal });
    if (!result.ok) throw failed(result);
    return result.data;
  }

  // The tiny transformer's forward pass (web/model.js calls it; docs/model.md): weights as
  // { shape, embedding, position, layers: [{ wq, wk, wv, wo }], readout } of Float32Array
  // matrices, token ids and the pronoun's index. Returns { layers: [trace], output, pointer,
  // readout, attention }.
  function modelForward(weights, tokens, pronoun) {
    const result = core.modelForward(weights, tokens, pronoun);
    if (!result.ok) throw failed(result);
    return result.result;
  }

  // Training the tiny transformer inside this module (one training at a time; a page runs
  // it in a worker): start(shape, examples, options) -> steps per epoch; run(steps) ->
  // { loss, steps }; weights() -> the current weights in modelForward's form; stop().
  const unwrap = (result, key) => {
    if (!result.ok) throw failed(result);
    return result[key];
  };
  const modelTraining = Object.freeze({
    start: (shape, examples, options = {}) => unwrap(core.modelTrainStart(shape, examples, options), 'stepsPerEpoch'),
    run: (steps) => unwrap(core.modelTrainRun(steps), 'result'),
    weights: () => unwrap(core.modelTrainWeights(), 'weights'),
    stop: () => core.modelTrainStop(),
  });

  return Object.freeze({
    version: core.version(),
    simd,
    batchWidth: core.batchWidth(),
    limits,
    run,
    backward,
    gradients,
    attention,
    modelForward,
    modelTraining,
    // Forward passes run so far (a training step costs one; tests count them).
    forwardPasses: () => core.forwardPasses(),
    // The core's own step table [{ id, perHead }], which STEP_IDS mirrors.
    steps: () => core.steps(),
    // Memory of the wasm heap: reserved bytes (they only grow) and bytes in use by live
    // allocations (the same before and after any call; for leak checks).
    memory: () => ({ reserved: core.HEAP8.buffer.byteLength, inUse: core.heapInUse() }),
  });
}
