// The engine's JavaScript API: loadEngine() -> { version, simd, limits, run(config) }.
// This layer checks what only JavaScript can see (types, ragged rows, unknown fields,
// numbers beyond float32), flattens matrices into Float32Arrays, and hands them to the
// C++ core, which checks shapes and computes the trace. Every failure becomes an
// AttentionError with a code, the field at fault and a sentence a person understands.
import createSimdCore from './core/attention-core.js';

export const STEP_IDS = Object.freeze([
  'x', 'pe', 'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'concat', 'final',
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
const MAX_LABEL_LENGTH = 200;
const OPTIONS = {
  scale: ['sqrt_dk', 'none'],
  mask: ['none', 'causal'],
  positional: ['none', 'sinusoidal', 'rope'],
  score: ['dot', 'additive'],
};
const FIELDS = [
  'x', 'tokens', 'context', 'contextTokens', 'heads', 'wq', 'wk', 'wv', 'wo',
  'scale', 'mask', 'positional', 'score', 'va',
];

function fail(code, field, message) {
  throw new AttentionError(code, field, message);
}

// User text inside a message: quoted and cut short.
function quote(text) {
  return `"${text.length > 24 ? `${text.slice(0, 24)}…` : text}"`;
}

const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;

// How a value looks in a message.
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function checkNumber(value, where, field) {
  if (typeof value !== 'number') fail('bad_config', field, `${where} is ${describe(value)}, not a number`);
  if (!Number.isFinite(value)) fail('non_finite', field, `${where} is ${value}; every entry must be a finite number`);
  if (Math.abs(value) > FLOAT32_MAX) {
    fail('non_finite', field, `${where} is ${value}, beyond the float32 range (about ±3.4e38)`);
  }
}

// number[][] -> { rows, cols, data: Float32Array }, refusing anything else by name.
function toMatrix(value, field, maxDim) {
  if (!Array.isArray(value)) {
    fail('bad_config', field, `${field} must be a list of rows of numbers, but it is ${describe(value)}`);
  }
  if (value.length === 0) fail('bad_config', field, `${field} must have at least one row`);
  if (value.length > maxDim) fail('too_large', field, `${field} has ${value.length} rows; the limit is ${maxDim}`);
  const first = value[0];
  if (!Array.isArray(first)) fail('bad_config', field, `${field}[0] must be a list of numbers, but it is ${describe(first)}`);
  const cols = first.length;
  if (cols === 0) fail('bad_config', field, `${field}[0] is empty; every row needs at least one number`);
  if (cols > maxDim) fail('too_large', field, `${field} has ${cols} columns; the limit is ${maxDim}`);
  const data = new Float32Array(value.length * cols);
  for (let r = 0; r < value.length; r++) {
    const row = value[r];
    if (!Array.isArray(row)) fail('bad_config', field, `${field}[${r}] must be a list of numbers, but it is ${describe(row)}`);
    if (row.length !== cols) {
      fail('shape_mismatch', field, `${field}[${r}] has ${plural(row.length, 'number')} but ${field}[0] has ${cols}; rows must be the same length`);
    }
    for (let c = 0; c < cols; c++) {
      checkNumber(row[c], `${field}[${r}][${c}]`, field);
      data[r * cols + c] = row[c];
    }
  }
  return { rows: value.length, cols, data };
}

function toVector(value, field, maxDim) {
  if (!Array.isArray(value)) fail('bad_config', field, `${field} must be a list of numbers, but it is ${describe(value)}`);
  if (value.length > maxDim) fail('too_large', field, `${field} has ${value.length} numbers; the limit is ${maxDim}`);
  value.forEach((v, i) => checkNumber(v, `${field}[${i}]`, field));
  return Float32Array.from(value);
}

function toLabels(value, field, count, countOf) {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) fail('bad_config', field, `${field} must be a list of text labels, but it is ${describe(value)}`);
  if (value.length !== count) {
    fail('shape_mismatch', field, `${field} has ${plural(value.length, 'label')} but ${countOf} has ${plural(count, 'row')}`);
  }
  return value.map((label, i) => {
    if (typeof label !== 'string') fail('bad_config', field, `${field}[${i}] is ${describe(label)}, not text`);
    if (label.length > MAX_LABEL_LENGTH) {
      fail('bad_config', field, `${field}[${i}] is ${label.length} characters long; the limit is ${MAX_LABEL_LENGTH}`);
    }
    return label;
  });
}

function choice(value, field, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !OPTIONS[field].includes(value)) {
    fail('bad_config', field, `${field} is ${describe(value)}; use ${OPTIONS[field].map((o) => `"${o}"`).join(', ')}`);
  }
  return value;
}

// The JSON config of the public API -> the flat form the C++ bindings read.
function normalize(config, limits) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail('bad_config', 'config', `the config must be an object like {"x": [[1, 2]], "wq": …}, but it is ${describe(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!FIELDS.includes(key)) {
      const near = FIELDS.find((f) => f.toLowerCase() === key.toLowerCase());
      fail('bad_config', key, `unknown field ${quote(key)}${near ? `; did you mean "${near}"?` : ''}`);
    }
  }
  const max = limits.maxDim;
  for (const required of ['x', 'wq', 'wk', 'wv']) {
    if (config[required] === undefined || config[required] === null) {
      fail('bad_config', required, `${required} is required`);
    }
  }
  const x = toMatrix(config.x, 'x', max);
  const hasContext = config.context !== undefined && config.context !== null;
  const context = hasContext ? toMatrix(config.context, 'context', max) : null;
  if (!hasContext && config.contextTokens !== undefined && config.contextTokens !== null) {
    fail('bad_config', 'contextTokens', 'contextTokens labels the context rows, but there is no context');
  }
  const tokens = toLabels(config.tokens, 'tokens', x.rows, 'x');
  const contextTokens = hasContext ? toLabels(config.contextTokens, 'contextTokens', context.rows, 'context') : null;

  let heads = 1;
  if (config.heads !== undefined) {
    heads = config.heads;
    if (typeof heads !== 'number' || !Number.isInteger(heads) || heads < 1) {
      fail('bad_config', 'heads', `heads must be a whole number of at least 1, but it is ${describe(heads)}`);
    }
    if (heads > limits.maxHeads) fail('too_large', 'heads', `heads is ${heads}; the limit is ${limits.maxHeads}`);
  }

  let scale = 'sqrt_dk';
  let scaleValue = 1;
  if (typeof config.scale === 'number') {
    checkNumber(config.scale, 'scale', 'scale');
    scale = 'custom';
    scaleValue = config.scale;
  } else if (config.scale !== undefined) {
    if (!OPTIONS.scale.includes(config.scale)) {
      fail('bad_config', 'scale', `scale is ${describe(config.scale)}; use "sqrt_dk", "none" or a number`);
    }
    scale = config.scale;
  }

  let mask = 'none';
  let maskMatrix = null;
  if (Array.isArray(config.mask)) {
    mask = 'custom';
    maskMatrix = toMatrix(config.mask, 'mask', max);
  } else if (config.mask !== undefined) {
    if (!OPTIONS.mask.includes(config.mask)) {
      fail('bad_config', 'mask', `mask is ${describe(config.mask)}; use "none", "causal" or a matrix of 1 (keep) and 0 (block)`);
    }
    mask = config.mask;
  }

  const flat = {
    x,
    context,
    heads,
    wq: toMatrix(config.wq, 'wq', max),
    wk: toMatrix(config.wk, 'wk', max),
    wv: toMatrix(config.wv, 'wv', max),
    wo: config.wo === undefined || config.wo === null ? null : toMatrix(config.wo, 'wo', max),
    scale,
    scaleValue,
    mask,
    maskMatrix,
    positional: choice(config.positional, 'positional', 'none'),
    score: choice(config.score, 'score', 'dot'),
    va: config.va === undefined || config.va === null ? null : toVector(config.va, 'va', max),
  };
  return { flat, tokens, contextTokens };
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

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string'
  && typeof window === 'undefined';

async function readWasm(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
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
  const limits = Object.freeze(core.limits());

  function run(config) {
    const { flat, tokens, contextTokens } = normalize(config, limits);
    const result = core.run(flat);
    if (!result.ok) throw new AttentionError(result.code, result.field, result.message);
    return Object.assign(result.trace, { tokens, contextTokens });
  }

  // A seed gradient: number[][] like the config's matrices, or a { rows, cols, data } matrix.
  function seed(value, field) {
    if (value && typeof value === 'object' && !Array.isArray(value) && Number.isInteger(value.rows) && Number.isInteger(value.cols)
        && value.data?.length === value.rows * value.cols) {
      const rows = Array.from({ length: value.rows }, (_, r) => Array.prototype.slice.call(value.data, r * value.cols, (r + 1) * value.cols));
      return toMatrix(rows, field, limits.maxDim);
    }
    return toMatrix(value, field, limits.maxDim);
  }

  // Gradients of a loss through run(): dFinal = dL/d(final); options.dWeights = one
  // dL/d(weights) per head, for losses on the attention weights themselves.
  function backward(config, dFinal, options = {}) {
    const { flat } = normalize(config, limits);
    const dWeights = options?.dWeights;
    if (dWeights !== undefined && dWeights !== null && !Array.isArray(dWeights)) {
      fail('bad_config', 'dWeights', `dWeights must be a list with one matrix per head, but it is ${describe(dWeights)}`);
    }
    const result = core.backward(flat, seed(dFinal, 'dFinal'), dWeights ? dWeights.map((w) => seed(w, 'dWeights')) : null);
    if (!result.ok) throw new AttentionError(result.code, result.field, result.message);
    return result.grads;
  }

  // The fused fast path: row-major Float32Arrays in, a new Float32Array (n x dv) out.
  function attention(q, k, v, opts = {}) {
    if (opts === null || typeof opts !== 'object') fail('bad_config', 'options', 'the options must be an object like { n, m, dk, dv }');
    const { n, m, dk, dv, causal = false } = opts;
    for (const [name, value] of [['n', n], ['m', m], ['dk', dk], ['dv', dv]]) {
      if (!Number.isInteger(value) || value < 1) fail('bad_config', name, `${name} must be a whole number of at least 1, but it is ${describe(value)}`);
      if (value > (name.startsWith('d') ? limits.maxWidth : limits.maxRows)) {
        fail('too_large', name, `${name} is ${value}; the limit is ${name.startsWith('d') ? limits.maxWidth : limits.maxRows}`);
      }
    }
    for (const [name, array, rows, cols] of [['q', q, n, dk], ['k', k, m, dk], ['v', v, m, dv]]) {
      if (!(array instanceof Float32Array)) fail('bad_config', name, `${name} must be a Float32Array, but it is ${describe(array)}`);
      if (array.length !== rows * cols) {
        fail('shape_mismatch', name, `${name} holds ${array.length} numbers but should hold ${rows} × ${cols} = ${rows * cols}`);
      }
    }
    if (typeof causal !== 'boolean') fail('bad_config', 'causal', `causal must be true or false, but it is ${describe(causal)}`);
    const scale = opts.scale ?? 1 / Math.sqrt(dk);
    if (typeof scale !== 'number') fail('bad_config', 'scale', `scale must be a number, but it is ${describe(scale)}`);
    if (!Number.isFinite(scale)) fail('non_finite', 'scale', `scale is ${scale}; it must be a finite number`);
    const result = core.attention(q, k, v, { n, m, dk, dv, scale, causal });
    if (!result.ok) throw new AttentionError(result.code, result.field, result.message);
    return result.data;
  }

  return Object.freeze({
    version: core.version(),
    simd,
    batchWidth: core.batchWidth(),
    limits,
    run,
    backward,
    attention,
    // Memory of the wasm heap: reserved bytes (they only grow) and bytes in use by live
    // allocations (the same before and after any call; for leak checks).
    memory: () => ({ reserved: core.HEAP8.buffer.byteLength, inUse: core.heapInUse() }),
  });
}
