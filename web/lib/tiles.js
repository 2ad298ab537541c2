// The tiled kernel, explained: from engine.tiles() (the fused kernel's own algorithm run with
// small blocks, every step kept) to what the page's "tiles" section shows at one stage of
// its walk. Stages 0 … steps.length − 1 are the kernel's steps (a block of query rows against
// a block of keys); the last stage is the end, O = acc / ℓ next to the naive
// softmax(QKᵀ/√d_k)V with the difference per cell. Pure: no DOM, tested in node:test.
import { num, sub, times, sumOf } from './format.js';
import { tableKey } from './steps.js';
import { tokenLabels } from './sections.js';

/** The ids of the section's tables (their data-step), in the order they are shown. */
export const TILE_TABLES = ['tile-scores', 'tile-stats', 'tile-p', 'tile-acc', 'tile-out', 'tile-naive', 'tile-diff'];

/** Default and bounds of the block sizes the reader picks. */
export const TILE_BLOCKS = { rows: 2, cols: 2, maxRows: 4, maxCols: 16 };

/**
 * The fast path's arguments for one head of the page's trace, so the section runs the
 * traced kernel on exactly the q, k, v the page shows (no second run of the config); null
 * for additive scores, which the fused kernel does not compute.
 */
export function tileArgs(trace, config, head) {
  if (config.score === 'additive') return null;
  const h = trace.heads[head];
  const args = {
    q: h.q.data, k: h.k.data, v: h.v.data,
    n: h.q.rows, m: h.k.rows, dk: h.q.cols, dv: h.v.cols, scale: trace.scale,
    causal: config.mask === 'causal',
  };
  // A custom mask as keep flags: the keys the engine blocked (−∞ in its masked scores).
  if (Array.isArray(config.mask)) args.mask = Uint8Array.from(h.masked.data, (x) => (x === -Infinity ? 0 : 1));
  return args;
}

/** Block sizes clamped to what the section offers for n queries and m keys. */
export function clampBlocks({ rows, cols }, n, m) {
  const clamp = (v, hi, fallback) => Math.max(1, Math.min(hi, Number.isInteger(v) ? v : fallback));
  return { rows: clamp(rows, Math.min(TILE_BLOCKS.maxRows, n), TILE_BLOCKS.rows), cols: clamp(cols, Math.min(TILE_BLOCKS.maxCols, m), TILE_BLOCKS.cols) };
}

const range = (labels, from, count) => labels.slice(from, from + count);
const span = (from, count) => (count === 1 ? String(from + 1) : `${from + 1}–${from + count}`);

// The step before `index` for the same query rows (its sums and outputs are the "old" ones), or null.
function previousOf(tt, index) {
  const s = tt.steps[index];
  const p = tt.steps[index - 1];
  return p && p.row0 === s.row0 ? p : null;
}

// Key blocks the kernel skips for a query block (causal: every key after its last row).
function skippedAfter(tt, index) {
  const s = tt.steps[index];
  const next = tt.steps[index + 1];
  if (next && next.row0 === s.row0) return 0;
  return Math.ceil(tt.m / tt.blockCols) - Math.ceil((s.col0 + s.cols) / tt.blockCols);
}

/**
 * The section at stage `index`: { index, count, final, sentence, tables }.
 * tt: engine.tiles(); trace, config: the page's; head: the head shown; S: the strings.
 * A table: { step, caption, rows, cols, value(r, c), rowLabels, colLabels, cellClass(r, c), name }.
 */
export function tilesView({ tt, trace, config, head, index, S }) {
  const T = S.tiles;
  const { queries, keys } = tokenLabels(config);
  const count = tt.steps.length + 1;
  const at = Math.max(0, Math.min(count - 1, index));
  const dims = Array.from({ length: tt.dv }, (_, i) => String(i + 1));
  const table = (step, name, rows, cols, value, rowLabels, colLabels, cellClass = () => '') => ({
    step, name, caption: `${name} (${rows} × ${cols})`, rows, cols, value, rowLabels, colLabels, cellClass,
  });
  if (at === count - 1) {
    const naive = trace.heads[head].output;
    const out = tt.out;
    const diff = (r, c) => out.data[r * tt.dv + c] - naive.data[r * tt.dv + c];
    let largest = 0;
    for (let r = 0; r < tt.n; r++) for (let c = 0; c < tt.dv; c++) largest = Math.max(largest, Math.abs(diff(r, c)));
    return {
      index: at, count, final: true, largest,
      sentence: T.final(largest === 0 ? '0' : largest.toExponential(1)),
      tables: [
        table('tile-out', T.tables.out, tt.n, tt.dv, (r, c) => out.data[r * tt.dv + c], queries, dims),
        table('tile-naive', T.tables.naive, tt.n, tt.dv, (r, c) => naive.data[r * tt.dv + c], queries, dims),
        table('tile-diff', T.tables.diff, tt.n, tt.dv, diff, queries, dims),
      ],
    };
  }
  const s = tt.steps[at];
  const rowLabels = range(queries, s.row0, s.rows);
  const colLabels = range(keys, s.col0, s.cols);
  const blocked = (r, c) => (s.scores[r * s.cols + c] === -Infinity ? 'blocked' : '');
  const stats = [(r) => s.mOld[r], (r) => s.mNew[r], (r) => s.rescale[r], (r) => s.sum[r]];
  const skipped = skippedAfter(tt, at);
  const parts = [T.stage(at + 1, count - 1, span(s.row0, s.rows), rowLabels.join(', '), span(s.col0, s.cols), colLabels.join(', '))];
  if (!previousOf(tt, at)) parts.push(T.firstBlock);
  if (skipped > 0) parts.push(T.skipped(skipped));
  return {
    index: at, count, final: false, step: s,
    sentence: parts.join(' '),
    tables: [
      table('tile-scores', T.tables.scores, s.rows, s.cols, (r, c) => s.scores[r * s.cols + c], rowLabels, colLabels, blocked),
      table('tile-stats', T.tables.stats, s.rows, 4, (r, c) => stats[c](r), rowLabels, [T.cols.mOld, T.cols.mNew, T.cols.rescale, T.cols.sum]),
      table('tile-p', T.tables.p, s.rows, s.cols, (r, c) => s.p[r * s.cols + c], rowLabels, colLabels, blocked),
      table('tile-acc', T.tables.acc, s.rows, tt.dv, (r, c) => s.acc[r * tt.dv + c], rowLabels, dims),
    ],
  };
}

// A Map of tableKey -> flags (row-major) for the cells listed as [step, r, c], on the
// stage's tables: what ExplainView lights up.
function cellsOf(model, list) {
  const out = new Map();
  for (const [step, r, c] of list) {
    const t = model.tables.find((x) => x.step === step);
    if (!t || r < 0 || r >= t.rows || c < 0 || c >= t.cols) continue;
    const key = tableKey(step, null);
    if (!out.has(key)) out.set(key, new Uint8Array(t.rows * t.cols));
    out.get(key)[r * t.cols + c] = 1;
  }
  return out;
}

const rowCells = (step, r, cols) => Array.from({ length: cols }, (_, c) => [step, r, c]);

/**
 * One cell of the stage explained: { lines, sources, dependents } (the shape ExplainView
 * draws), its arithmetic with the real numbers.
 */
export function explainTile({ tt, trace, head, model, step, r, c, decimals, S }) {
  const E = S.tiles.explain;
  const f = (v) => num(v, decimals);
  const cell = (lines, sources = [], dependents = []) => ({ lines, sources: cellsOf(model, sources), dependents: cellsOf(model, dependents) });
  if (model.final) {
    const i = r * tt.dv + c;
    const last = [...tt.steps].reverse().find((st) => r >= st.row0 && r < st.row0 + st.rows);
    const acc = last.acc[(r - last.row0) * tt.dv + c];
    const out = tt.out.data[i];
    const naive = trace.heads[head].output.data[i];
    if (step === 'tile-out') return cell([`O${sub(r + 1)},${sub(c + 1)} = acc / ℓ = ${f(acc)} / ${f(tt.sum[r])} = ${f(out)}`, tt.sum[r] > 0 ? E.out : E.outBlocked], [], [['tile-diff', r, c]]);
    if (step === 'tile-naive') {
      const w = trace.heads[head].weights;
      const v = trace.heads[head].v;
      const terms = Array.from({ length: w.cols }, (_, k) => times(w.data[r * w.cols + k], v.data[k * v.cols + c], decimals));
      return cell([`(AV)${sub(r + 1)},${sub(c + 1)} = ${sumOf(terms, S.explain.more)} = ${f(naive)}`, E.naive], [], [['tile-diff', r, c]]);
    }
    return cell([`${f(out)} − ${f(naive)} = ${(out - naive).toExponential(2)}`, E.diff], [['tile-out', r, c], ['tile-naive', r, c]]);
  }
  const s = model.step;
  const prev = previousOf(tt, model.index);
  const row = s.row0 + r;
  const q = (p) => tt.q.data[row * tt.dk + p];
  const score = (j) => s.scores[r * s.cols + j];
  const pOf = (j) => s.p[r * s.cols + j];
  const mNew = s.mNew[r];
  const mOld = s.mOld[r];
  const rescale = s.rescale[r];
  if (step === 'tile-scores') {
    const key = s.col0 + c;
    if (score(c) === -Infinity) return cell([`s${sub(row + 1)},${sub(key + 1)} = −∞`, E.blocked(row + 1, key + 1)], [], [['tile-p', r, c]]);
    const terms = Array.from({ length: tt.dk }, (_, p) => times(q(p), tt.k.data[key * tt.dk + p], decimals));
    return cell([`s${sub(row + 1)},${sub(key + 1)} = ${f(tt.scale)} × (${sumOf(terms, S.explain.more)}) = ${f(score(c))}`, E.score],
      [], [['tile-stats', r, 1], ['tile-p', r, c]]);
  }
  if (step === 'tile-p') {
    if (score(c) === -Infinity) return cell(['exp(−∞) = 0', E.pBlocked], [['tile-scores', r, c]], rowCells('tile-acc', r, tt.dv));
    return cell([`p = exp(s − m) = exp(${f(score(c))} − ${f(mNew)}) = ${f(pOf(c))}`, E.p],
      [['tile-scores', r, c], ['tile-stats', r, 1]], [['tile-stats', r, 3], ...rowCells('tile-acc', r, tt.dv)]);
  }
  if (step === 'tile-acc') {
    const old = prev ? prev.acc[r * tt.dv + c] : 0;
    const terms = Array.from({ length: s.cols }, (_, j) => times(pOf(j), tt.v.data[(s.col0 + j) * tt.dv + c], decimals));
    return cell([`acc = ${f(rescale)} × ${f(old)} + (${sumOf(terms, S.explain.more)}) = ${f(s.acc[r * tt.dv + c])}`, prev ? E.acc : E.accFirst],
      [['tile-stats', r, 2], ...rowCells('tile-p', r, s.cols)]);
  }
  // tile-stats: m before, m after, the rescale factor, ℓ
  const rowMax = Math.max(...Array.from({ length: s.cols }, (_, j) => score(j)));
  if (c === 0) return cell([`m = ${f(mOld)}`, prev ? E.mOld : E.mStart], [], [['tile-stats', r, 1], ['tile-stats', r, 2]]);
  if (c === 1) {
    return cell([`m = max(${f(mOld)}, ${f(rowMax)}) = ${f(mNew)}`, E.mNew],
      [['tile-stats', r, 0], ...rowCells('tile-scores', r, s.cols)], [['tile-stats', r, 2], ...rowCells('tile-p', r, s.cols)]);
  }
  if (c === 2) {
    const line = mNew === -Infinity ? 'exp(0) = 1' : `exp(${f(mOld)} − ${f(mNew)}) = ${f(rescale)}`;
    return cell([line, mOld === -Infinity ? E.rescaleFirst : E.rescale], [['tile-stats', r, 0], ['tile-stats', r, 1]],
      [['tile-stats', r, 3], ...rowCells('tile-acc', r, tt.dv)]);
  }
  const oldSum = prev ? prev.sum[r] : 0;
  const terms = Array.from({ length: s.cols }, (_, j) => f(pOf(j)));
  return cell([`ℓ = ${f(rescale)} × ${f(oldSum)} + (${sumOf(terms, S.explain.more)}) = ${f(s.sum[r])}`, E.sum],
    [['tile-stats', r, 2], ...rowCells('tile-p', r, s.cols)]);
}
