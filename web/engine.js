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

// The same with one f32x4.relaxed_madd (v128, v128, v128) -> v128: relaxed SIMD.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, // "\0asm", version 1
  1, 8, 1, 96, 3, 123, 123, 123, 1, 123, // type section: (v128, v128, v128) -> v128
  3, 2, 1, 0, // function section: one function of type 0
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11, // local.get 0, 1, 2; f32x4.relaxed_madd; end
]);

const validates = (probe) => {
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
};

export function simdSupported() {
  return validates(SIMD_PROBE);
}

export function relaxedSupported() {
  return validates(RELAXED_PROBE);
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

// Node's modules (the file module, and os and worker_threads for the worker pool), named
// where no bundler looks: a dynamic import of one by its literal name makes esbuild fail,
// and webpack and Vite warn, when they bundle this file for a browser, although a browser
// never reaches those branches. The comments tell webpack and Vite to leave the import
// alone; esbuild leaves a non-literal import() as it is.
const NODE_FS = ['node:fs', 'promises'].join('/');
const NODE_OS = ['node', 'os'].join(':');
const NODE_WORKERS = ['node', 'worker_threads'].join(':');
const importNode = (name) => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

async function readWasm(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await importNode(NODE_FS);
    return readFile(url);
  }
  return undefined; // browsers and workers: the module fetches (and streams) it itself
}

// The three builds: each .wasm with its own Emscripten JavaScript (the glue names the
// module's imports to match it). The SIMD build's is imported statically: the page's.
const BUILDS = {
  relaxed: { file: './core/attention-core-relaxed.wasm', glue: async () => (await import('./core/attention-core-relaxed.js')).default },
  simd: { file: './core/attention-core.wasm', glue: async () => createSimdCore },
  scalar: { file: './core/attention-core-scalar.wasm', glue: async () => (await import('./core/attention-core-scalar.js')).default },
};

/**
 * Loads the WebAssembly core: the relaxed build where the runtime supports relaxed SIMD
 * (the fused kernel's multiply-adds are one f32x4.relaxed_madd each), the SIMD build where it
 * supports WebAssembly SIMD, the scalar build otherwise. With no options it finds its .wasm
 * next to this module. Options: { simd: false } for the scalar build, { relaxed: false } for
 * the SIMD build; { wasmUrl, wasmBinary } to load a module from elsewhere, which is taken to
 * be the SIMD build (or scalar with { simd: false }) unless { relaxed: true } says otherwise.
 */
export async function loadEngine(options = {}) {
  const simd = options.simd ?? simdSupported();
  if (simd && !simdSupported()) {
    throw new Error('This runtime does not support WebAssembly SIMD; load the scalar build with { simd: false }.');
  }
  const elsewhere = Boolean(options.wasmBinary || options.wasmUrl);
  if (options.relaxed && options.simd === false) throw new Error('The relaxed build is a SIMD build: { relaxed: true } cannot go with { simd: false }.');
  if (options.relaxed && !relaxedSupported()) {
    throw new Error('This runtime does not support WebAssembly relaxed SIMD; load the SIMD build with { relaxed: false }.');
  }
  const relaxed = Boolean(options.relaxed ?? (simd && !elsewhere && relaxedSupported()));
  const build = relaxed ? 'relaxed' : simd ? 'simd' : 'scalar';
  const { file, glue } = BUILDS[build];
  const create = await glue();
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

  // The true length of a real Uint8Array, or -1 (read like float32Length).
  function uint8Length(value) {
    try {
      return TYPED_TAG.call(value) === 'Uint8Array' ? TYPED_LENGTH.call(value) : -1;
    } catch {
      return -1;
    }
  }

  // The fast path's arguments, converted and checked for kind: [q, k, v views, options for
  // the core]. Shared by attention() and tiles().
  function fastArgs(q, k, v, opts) {
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
    const core = { n, m, dk, dv, scale, causal };
    // firstRow: these rows are rows firstRow.. of a larger problem (a causal mask counts from there).
    const firstRow = read('firstRow');
    if (firstRow !== undefined && firstRow !== null) {
      if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow > limits.maxRows) {
        fail('bad_config', 'firstRow', `firstRow must be a whole number from 0 to ${limits.maxRows}, but it is ${describe(firstRow)}`);
      }
      core.firstRow = firstRow;
    }
    // mask: n × m keep flags (0 blocks the key), row-major.
    const mask = read('mask');
    if (mask !== undefined && mask !== null) {
      const length = uint8Length(mask);
      if (length < 0) fail('bad_config', 'mask', `mask must be a Uint8Array of n × m keep flags, but it is ${describe(mask)}`);
      if (length !== n * m) fail('shape_mismatch', 'mask', `mask holds ${length} flags but should hold ${n} × ${m} = ${n * m}`);
      core.mask = new Uint8Array(TYPED_BUFFER.call(mask), TYPED_OFFSET.call(mask), length);
    }
    return [views, core];
  }

  // The fused fast path: row-major Float32Arrays in, a new Float32Array (n x dv) out.
  function attention(q, k, v, opts = {}) {
    const [views, args] = fastArgs(q, k, v, opts);
    const result = core.attention(...views, args);
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
  // One head of a config as the fast path's arguments: its q, k, v (after RoPE), its scale
  // and its mask. The fused kernel computes dot-product scores only.
  function headArgs(config, options) {
    const trace = run(config, options);
    const index = own(options ?? {}, 'head', 'head') ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= trace.heads.length) {
      fail('bad_config', 'head', `head must be a whole number from 0 to ${trace.heads.length - 1}, but it is ${describe(index)}`);
    }
    if (own(config, 'score', 'score') === 'additive') {
      fail('bad_config', 'score', 'the fused kernel computes dot-product scores; additive scores have no tiled kernel');
    }
    const head = trace.heads[index];
    const maskKind = own(config, 'mask', 'mask');
    const args = {
      q: head.q.data, k: head.k.data, v: head.v.data,
      n: head.q.rows, m: head.k.rows, dk: head.q.cols, dv: head.v.cols, scale: trace.scale,
      causal: maskKind === 'causal',
    };
    // A custom mask as keep flags: the keys run() blocked (-Infinity in its masked scores).
    if (Array.isArray(maskKind)) args.mask = Uint8Array.from(head.masked.data, (x) => (x === -Infinity ? 0 : 1));
    return { args, head: index, trace };
  }

  // The fused kernel with small blocks, every step kept. `input` is a config (one head of
  // it, options.head) or the fast path's { q, k, v, n, m, dk, dv, scale, causal, mask }.
  function tiles(input, options = {}) {
    if (input === null || typeof input !== 'object') fail('bad_config', 'input', `tiles() takes a config or { q, k, v, n, m, dk, dv }, but it got ${describe(input)}`);
    if (options === null || typeof options !== 'object') fail('bad_config', 'options', 'the options must be an object like { blockRows, blockCols }');
    const fromConfig = Object.prototype.hasOwnProperty.call(input, 'x');
    const { args, head, trace } = fromConfig ? headArgs(input, options) : { args: input, head: null, trace: null };
    const [views, coreArgs] = fastArgs(own(args, 'q', 'q'), own(args, 'k', 'k'), own(args, 'v', 'v'), args);
    for (const key of ['blockRows', 'blockCols']) {
      const value = own(options, key, key) ?? 2;
      if (!Number.isInteger(value) || value < 0) fail('bad_config', key, `${key} must be a whole number, but it is ${describe(value)}`);
      coreArgs[key] = value;
    }
    const result = core.tiles(...views, coreArgs);
    if (!result.ok) throw failed(result);
    const { n, m, dk, dv, scale, causal } = coreArgs;
    const matrix = (data, rows, cols) => ({ rows, cols, data });
    return Object.assign(result.trace, {
      n, m, dk, dv, scale, causal,
      mask: coreArgs.mask ?? null,
      q: matrix(views[0].slice(), n, dk), k: matrix(views[1].slice(), m, dk), v: matrix(views[2].slice(), m, dv),
      out: matrix(result.trace.out, n, dv),
      head,
      tokens: trace?.tokens ?? null,
      contextTokens: trace?.contextTokens ?? null,
    });
  }

  // Splits rows 0..n into at most `parts` ranges of about equal work, on the kernel's
  // 4-row tiles: equal counts without a mask; under a causal mask row i costs ~i + 1 keys, so
  // the boundaries go where the work so far is t/parts of the whole (n·√(t/parts)).
  function splitRows(n, parts, causal) {
    const bounds = [0];
    for (let t = 1; t < parts; t++) {
      const at = causal ? n * Math.sqrt(t / parts) : (n * t) / parts;
      const row = Math.min(n, Math.max(bounds[bounds.length - 1], Math.round(at / 4) * 4));
      if (row > bounds[bounds.length - 1] && row < n) bounds.push(row);
    }
    bounds.push(n);
    return bounds.slice(1).map((end, i) => [bounds[i], end]);
  }

  // Every core: a pool of Web Workers (browsers) or worker_threads (Node), each with its own
  // engine, that split the query rows of attention() between them. Plain postMessage with
  // transferred ArrayBuffers, no SharedArrayBuffer: works on any static host, without
  // cross-origin isolation. A worker that cannot start is left out; with none, the pool runs
  // on this thread and says so (pool.warning, and each result's `warning`).
  async function createPool(poolOptions = {}) {
    if (poolOptions === null || typeof poolOptions !== 'object') fail('bad_config', 'options', 'the pool options must be an object like { workers: 4 }');
    const read = (key) => own(poolOptions, key, key);
    let count = read('workers');
    if (count === undefined || count === null) {
      count = isNode ? (await importNode(NODE_OS)).availableParallelism?.() ?? 2 : globalThis.navigator?.hardwareConcurrency ?? 2;
    }
    if (!Number.isInteger(count) || count < 1 || count > 64) fail('bad_config', 'workers', `workers must be a whole number from 1 to 64, but it is ${describe(count)}`);
    const createWorker = read('createWorker') ?? (async () => {
      const url = new URL(read('workerUrl') ?? './attention-worker.js', import.meta.url);
      if (isNode) return new (await importNode(NODE_WORKERS)).Worker(url);
      return new Worker(url, { type: 'module' });
    });
    const startTimeout = read('startTimeout') ?? 20000;
    const init = { type: 'init', simd, relaxed, wasmUrl: wasmUrl?.href ?? null, wasmBinary: options.wasmBinary ?? null };

    // One interface over both kinds of worker: Node's emit data and errors, browsers' events.
    function listen(worker, type, fn) {
      if (typeof worker.on === 'function') worker.on(type, fn);
      else worker.addEventListener(type, type === 'message' ? (event) => fn(event.data) : (event) => fn(event.error ?? event.message ?? event));
    }
    const reason = (err) => String(err?.message ?? err ?? 'unknown error');

    function start(index) {
      return new Promise((resolve) => {
        let worker;
        let settled = false;
        const timer = setTimeout(() => done(null, `did not answer within ${startTimeout} ms`), startTimeout);
        function done(ready, why) {
          if (settled) return; // later errors belong to the running pool's handlers
          settled = true;
          clearTimeout(timer);
          if (!ready) {
            try { worker?.terminate(); } catch { /* already gone */ }
          }
          resolve(ready ? { worker, jobs: new Map(), alive: true } : { error: `worker ${index + 1}: ${why}` });
        }
        Promise.resolve().then(() => createWorker(index)).then((w) => {
          worker = w;
          listen(worker, 'message', (message) => {
            // A worker must run this engine's build, or rows would round differently.
            if (message?.type === 'ready') {
              if (message.build === build) done(true);
              else done(null, `loaded the ${message.build ?? 'unknown'} build, not the ${build} build of this engine`);
            } else if (message?.type === 'failed') done(null, message.message);
          });
          listen(worker, 'error', (err) => done(null, reason(err)));
          listen(worker, 'exit', () => done(null, 'exited'));
          worker.postMessage(init);
        }, (err) => done(null, reason(err)));
      });
    }

    const started = await Promise.all(Array.from({ length: count }, (_, i) => start(i)));
    const workers = started.filter((w) => w.worker);
    const failures = started.filter((w) => w.error).map((w) => w.error);
    let warning = null;
    if (failures.length === count) warning = `no worker could start (${failures[0]}); running on one thread`;
    else if (failures.length) warning = `${failures.length} of ${count} workers could not start (${failures[0]}); using ${workers.length}`;
    let nextId = 0;

    // A worker that fails after starting: its rows are run here, and it is not used again.
    function lose(slot, why) {
      if (!slot.alive) return;
      slot.alive = false;
      try { slot.worker.terminate(); } catch { /* already gone */ }
      const jobs = [...slot.jobs.values()];
      slot.jobs.clear();
      for (const job of jobs) job.lost(why);
    }
    for (const slot of workers) {
      listen(slot.worker, 'message', (message) => {
        if (message?.type !== 'result') return;
        const job = slot.jobs.get(message.id);
        if (!job) return;
        slot.jobs.delete(message.id);
        job.settle(message);
      });
      listen(slot.worker, 'error', (err) => lose(slot, reason(err)));
      listen(slot.worker, 'exit', () => lose(slot, 'exited'));
    }

    function runOn(slot, payload, transfer) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        slot.jobs.set(id, {
          settle: (m) => (m.ok ? resolve({ data: m.data }) : reject(new AttentionError(m.code, m.field, m.message))),
          lost: (why) => resolve({ lost: why }),
        });
        slot.worker.postMessage({ type: 'run', id, ...payload }, transfer);
      });
    }

    async function parallel(q, k, v, opts = {}) {
      const [[qv, kv, vv], args] = fastArgs(q, k, v, opts);
      if (args.firstRow !== undefined) fail('bad_config', 'firstRow', 'the pool splits rows itself; firstRow is for a single call');
      const { n, m, dk, dv } = args;
      const live = workers.filter((w) => w.alive);
      if (live.length === 0) return { data: attention(qv, kv, vv, args), threads: 1, warning };
      const ranges = splitRows(n, live.length, args.causal);
      // A view into a larger buffer would clone all of that buffer: send just its numbers.
      const whole = (a) => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice());
      const [kSend, vSend] = [whole(kv), whole(vv)];
      const parts = await Promise.all(ranges.map(([from, to], i) => {
        const part = { ...args, n: to - from, firstRow: from };
        if (args.mask) part.mask = args.mask.slice(from * m, to * m);
        const qPart = qv.slice(from * dk, to * dk);
        // k and v are copied to each worker (structured clone); q's rows and the mask's are moved.
        return runOn(live[i], { q: qPart, k: kSend, v: vSend, opts: part }, [qPart.buffer, ...(part.mask ? [part.mask.buffer] : [])]);
      }));
      const out = new Float32Array(n * dv);
      let lostWhy = null;
      parts.forEach((result, i) => {
        const [from, to] = ranges[i];
        if (result.lost) {
          lostWhy ??= result.lost;
          const part = { ...args, n: to - from, firstRow: from };
          if (args.mask) part.mask = args.mask.subarray(from * m, to * m);
          out.set(attention(qv.subarray(from * dk, to * dk), kv, vv, part), from * dv);
        } else {
          out.set(result.data, from * dv);
        }
      });
      if (lostWhy) warning = `a worker stopped (${lostWhy}); its rows ran on this thread`;
      return { data: out, threads: ranges.length, warning: lostWhy ? warning : (live.length < count ? warning : null) };
    }

    return Object.freeze({
      /** Workers that started (0: everything runs on the calling thread). */
      get threads() { return workers.filter((w) => w.alive).length; },
      get warning() { return warning; },
      // The WebAssembly build every worker runs: this engine's.
      build,
      attention: parallel,
      close() {
        for (const slot of workers) {
          slot.alive = false;
          try { slot.worker.terminate(); } catch { /* already gone */ }
        }
      },
    });
  }

  return Object.freeze({
    version: core.version(),
    simd,
    relaxed,
    // Which WebAssembly build runs: 'relaxed', 'simd' or 'scalar'.
    build,
    batchWidth: core.batchWidth(),
    limits,
    run,
    backward,
    gradients,
    attention,
    modelForward,
    modelTraining,
    tiles,
    createPool,
    // Forward passes run so far (a training step costs one; tests count them).
    forwardPasses: () => core.forwardPasses(),
    // The core's own step table [{ id, perHead }], which STEP_IDS mirrors.
    steps: () => core.steps(),
    // Memory of the wasm heap: reserved bytes (they only grow) and bytes in use by live
    // allocations (the same before and after any call; for leak checks).
    memory: () => ({ reserved: core.HEAP8.buffer.byteLength, inUse: core.heapInUse() }),
  });
}
