// The page's state and the pure operations on it: sizes read off the config, resizing
// that keeps what the user typed, identity/random fills, and share links.
// A state is { config, decimals, lang, preset }; config is the engine's JSON config.

import { TABLE_IDS } from './steps.js';

export const DEFAULT_DECIMALS = 3;
export const MAX_DECIMALS = 8;
export const MAX_LINK_LENGTH = 400_000;

// mulberry32: a tiny seeded generator, so "Random" gives the same numbers for the same seed.
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Values in [-range, range] rounded to one decimal: easy to read and to check by hand.
export function randomMatrix(rows, cols, seed, range = 1) {
  const next = seeded(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round((next() * 2 - 1) * range * 10) / 10));
}

export function identity(rows, cols) {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => (r === c ? 1 : 0)));
}

export function sizesOf(config) {
  const heads = config.heads ?? 1;
  return {
    n: config.x.length,
    m: config.context ? config.context.length : config.x.length,
    dModel: config.x[0].length,
    heads,
    dk: config.wq[0].length / heads,
    dv: config.wv[0].length / heads,
    dOut: config.wo ? config.wo[0].length : null,
  };
}

export const defaultToken = (i) => `t${i + 1}`;

// Resizes `rows` to r x c keeping every existing entry; new entries come from `fill`.
function resizeMatrix(rows, r, c, fill) {
  return Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => rows[i]?.[j] ?? fill(i, j)));
}

// Weights split into heads: keep head i's column j where both old and new have it.
function resizeHeads(rows, dModel, oldHeads, oldWidth, heads, width, fill) {
  return Array.from({ length: dModel }, (_, r) => Array.from({ length: heads * width }, (_, col) => {
    const h = Math.floor(col / width);
    const j = col % width;
    const old = h < oldHeads && j < oldWidth ? rows[r]?.[h * oldWidth + j] : undefined;
    return old ?? fill(r, col);
  }));
}

function resizeLabels(labels, count, make) {
  if (!labels) return undefined;
  return Array.from({ length: count }, (_, i) => labels[i] ?? make(i));
}

/**
 * Returns a config with the given sizes (any subset of n, m, dModel, dk, dv, heads, dOut),
 * keeping every value that still has a place. New cells get seeded random values so a new
 * token or head is visibly different from the others.
 */
export function resize(config, changes, seed = 1) {
  const old = sizesOf(config);
  const s = { ...old, ...changes };
  if (!config.context) s.m = s.n; // self-attention: the keys are the tokens
  const rand = (salt) => {
    const next = seeded(seed * 7919 + salt);
    return () => Math.round((next() * 2 - 1) * 10) / 10;
  };
  const out = { ...config };
  out.x = resizeMatrix(config.x, s.n, s.dModel, rand(1));
  out.tokens = resizeLabels(config.tokens, s.n, defaultToken);
  if (config.context) {
    out.context = resizeMatrix(config.context, s.m, s.dModel, rand(2));
    out.contextTokens = resizeLabels(config.contextTokens, s.m, (i) => `c${i + 1}`);
  }
  out.heads = s.heads;
  out.wq = resizeHeads(config.wq, s.dModel, old.heads, old.dk, s.heads, s.dk, rand(3));
  out.wk = resizeHeads(config.wk, s.dModel, old.heads, old.dk, s.heads, s.dk, rand(4));
  out.wv = resizeHeads(config.wv, s.dModel, old.heads, old.dv, s.heads, s.dv, rand(5));
  if (config.wo) {
    const oldRows = config.wo.map((row) => row.slice());
    // W_O's rows follow the heads' value columns; keep them per head.
    const byHead = Array.from({ length: s.heads * s.dv }, (_, col) => {
      const h = Math.floor(col / s.dv);
      const j = col % s.dv;
      return h < old.heads && j < old.dv ? oldRows[h * old.dv + j] : undefined;
    });
    const fill = rand(6);
    out.wo = byHead.map((row) => Array.from({ length: s.dOut ?? old.dOut }, (_, c) => row?.[c] ?? fill()));
  }
  if (Array.isArray(config.mask)) out.mask = resizeMatrix(config.mask, s.n, s.m, () => 1);
  if (config.va) out.va = Array.from({ length: s.dk }, (_, i) => config.va[i] ?? 1);
  if (config.positional === 'rope' && s.dk % 2 !== 0) out.positional = 'none';
  return out;
}

/** The causal pattern as an explicit mask, a starting point for editing one by hand. */
export function causalMask(n, m) {
  return Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, k) => (k <= j ? 1 : 0)));
}

export function withCell(matrix, r, c, value) {
  return matrix.map((row, i) => (i === r ? row.map((v, j) => (j === c ? value : v)) : row));
}

/**
 * The config with entry (r, c) of an editable block set to `value`, or null when it holds
 * that value already. The block's field is block.field ?? block.step. A vector block (v_a)
 * shows a flat list, which may be absent (the engine's default), as one row: cell (0, c)
 * is field[c], and the other entries keep what the block shows.
 */
export function withBlockCell(config, block, r, c, value) {
  const field = block.field ?? block.step;
  if (block.vector) {
    if (config[field]?.[c] === value) return null;
    return { ...config, [field]: Array.from({ length: block.cols }, (_, i) => (i === c ? value : config[field]?.[i] ?? block.value(0, i))) };
  }
  if (config[field][r][c] === value) return null;
  return { ...config, [field]: withCell(config[field], r, c, value) };
}

// Patterns for typed numbers. Each is anchored and no two of its quantifiers can match the
// same characters, so a failed match backtracks at most once over the text: linear time.
// (The old \d*\.?\d+ split a run of digits every possible way: 200,000 typed or pasted
// digits froze the tab for minutes.)
const DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

// Reads a number the way people type one: "0.5", "-2", "1e-3", ".5", "1/2", "0,5".
export function parseNumber(text) {
  const t = String(text).trim().replace(/^−/, '-').replace(',', '.');
  if (t === '') return null;
  const slash = t.indexOf('/');
  let v = NaN;
  if (slash < 0) {
    if (NUMBER.test(t)) v = Number(t);
  } else {
    const [top, bottom] = [t.slice(0, slash).trim(), t.slice(slash + 1).trim()];
    if (DECIMAL.test(top) && DECIMAL.test(bottom)) v = Number(top) / Number(bottom);
  }
  return Number.isFinite(v) ? v : null;
}

// ---- share links: #config=<base64url(UTF-8 JSON)> or #preset=<name> ----

export function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Errors carry a code the page turns into a sentence in the reader's language.
class LinkError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new LinkError('characters');
  if (text.length % 4 === 1) throw new LinkError('truncated');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LinkError('utf8');
  }
}

export function encodeShare(state) {
  const view = { decimals: state.decimals, lang: state.lang };
  if (state.checks && Object.keys(state.checks).length) view.checks = state.checks;
  return `#config=${toBase64Url(JSON.stringify({ ...state.config, ...view }))}`;
}

const isRecord = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Digits after the point a view may show: an integer 0…MAX_DECIMALS (toFixed throws past 100). */
export const isDecimals = (value) => Number.isInteger(value) && value >= 0 && value <= MAX_DECIMALS;

// A language as the page stores it ("en", "zh"); pickLanguage falls back on anything it
// does not know, so only the type and a sane length are checked here.
const isLang = (value) => typeof value === 'string' && value.length >= 2 && value.length <= 35;

// A check's key names a table of the step table: "weights|0", "q|-".
const CHECK_KEY = new RegExp(`^(${TABLE_IDS.join('|')})\\|(\\d{1,2}|-)$`);

/** Keeps only well-formed article checks: { "step|head": number[][] }. */
export function cleanChecks(value) {
  if (!isRecord(value)) return undefined;
  const out = {};
  for (const [key, rows] of Object.entries(value)) {
    // No size bound here: a check is only ever compared cell by cell with a table the
    // engine computed, so its extent is bounded by the engine's limits.
    if (!CHECK_KEY.test(key) || !Array.isArray(rows) || rows.length === 0) continue;
    if (!rows.every((row) => Array.isArray(row) && row.length > 0 && row.every((v) => typeof v === 'number' && !Number.isNaN(v)))) continue;
    out[key] = rows;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Reads a location hash. Returns { preset } or { config, decimals?, lang?, checks? } or
 * { error: code } (characters, truncated, utf8, json, not_object, too_long), or null when
 * the hash holds nothing for us. Never throws; the engine checks the config.
 */
export function decodeShare(hash) {
  if (typeof hash !== 'string' || hash.length <= 1) return null;
  if (hash.length > MAX_LINK_LENGTH) return { error: 'too_long' };
  const params = new URLSearchParams(hash.slice(1));
  if (params.has('preset')) return { preset: params.get('preset') };
  if (!params.has('config')) return null;
  let value;
  try {
    value = JSON.parse(fromBase64Url(params.get('config')));
  } catch (err) {
    return { error: err instanceof LinkError ? err.code : 'json' }; // JSON.parse: SyntaxError, or RangeError when nested too deep
  }
  if (!isRecord(value)) return { error: 'not_object' };
  const { decimals, lang, checks, ...config } = value;
  const out = { config };
  const cleaned = cleanChecks(checks);
  if (cleaned) out.checks = cleaned;
  if (isDecimals(decimals)) out.decimals = decimals;
  if (typeof lang === 'string') out.lang = lang;
  return out;
}

/**
 * What the page saved in localStorage, field by field: { config?, decimals?, lang?, checks? }
 * with each field kept only when its type and range are right, so one bad field (a decimals
 * of 100 from an older version, a hand edit) costs that field and not the whole state. Null
 * when nothing usable is left. The config is only checked to be an object: the engine checks
 * the rest, and the page runs it before using it. Never throws.
 */
export function cleanStored(value) {
  if (!isRecord(value)) return null;
  const out = {};
  if (isRecord(value.config)) out.config = value.config;
  if (isDecimals(value.decimals)) out.decimals = value.decimals;
  if (isLang(value.lang)) out.lang = value.lang;
  const checks = cleanChecks(value.checks);
  if (checks) out.checks = checks;
  return Object.keys(out).length ? out : null;
}
