// The flow view's model: every step of the selected head on one screen, in the order the
// data moves (X → Q, K, V → S → Ŝ → mask → A → O → concat → Y), each card with its
// colour scale, and the walk that Play / Step / Back take through them. Pure: no DOM.
import { STEP, sizesOfTrace } from './steps.js';

// Above this many keys, the score steps are drawn as small heatmaps in the flow.
export const MINI_ABOVE = 6;
// Above this many rows or columns, a step that is not edited is drawn on a canvas (a
// heatmap with a readout) instead of as text cells; edited inputs become windowed tables.
export const CANVAS_ABOVE = 24;

/**
 * A step's colour scale: 'sequential' for weights (0 … max, every value ≥ 0) and
 * 'diverging' for signed steps (−m … +m around 0, m the largest magnitude). Masked
 * (−∞) entries are left out of the range: they are drawn apart, hatched.
 */
export function scaleOf(step, matrix) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of matrix.data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) lo = hi = 0;
  if (step === 'weights' || lo >= 0) return { kind: 'sequential', min: 0, max: Math.max(hi, 1e-12) };
  const m = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
  return { kind: 'diverging', min: -m, max: m };
}

/** Where a value sits on its scale: t in [−1, 1] (diverging) or [0, 1] (sequential); null for −∞. */
export function shadeOf(scale, v) {
  if (v === -Infinity) return null;
  if (!Number.isFinite(v)) return 0;
  if (scale.kind === 'sequential') return Math.min(1, Math.max(0, v / scale.max));
  return Math.min(1, Math.max(-1, v / scale.max));
}

/**
 * shadeOf for a whole matrix at once, as a heatmap draws it: a Float32Array of t, NaN where
 * the entry is −∞ or where `masked` (the head's masked scores, or null) is −∞. One tight
 * loop instead of a call per cell: a page that opens on 128 tokens draws these before its
 * code is warm.
 */
export function shadesOf(scale, data, masked = null) {
  const out = new Float32Array(data.length);
  const max = scale.max;
  const lo = scale.kind === 'sequential' ? 0 : -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === -Infinity || (masked !== null && masked[i] === -Infinity)) out[i] = NaN;
    else if (v !== v || v === Infinity) out[i] = 0;
    else out[i] = Math.min(1, Math.max(lo, v / max));
  }
  return out;
}

/**
 * The cards of the flow, in order, for one head: [{ step, head?, symbol, title, rows,
 * cols, value, scale, shade(r, c), shades(), masked(r, c), rowLabels, colLabels, editable,
 * lane }].
 * lane 'input' (X, PE, X + PE, C and the projections) or 'head' (the per-head steps and
 * what follows them), so a view can lay them out as two rows.
 */
export function flowCards(state, trace, S, { head = 0, readonly = false } = {}) {
  const config = state.config;
  const z = sizesOfTrace(trace, config);
  const h = Math.min(head, z.heads - 1);
  const queries = config.tokens ?? Array.from({ length: z.n }, (_, i) => `t${i + 1}`);
  const keys = config.context ? (config.contextTokens ?? Array.from({ length: z.m }, (_, i) => `c${i + 1}`)) : queries;
  const dims = (n) => Array.from({ length: n }, (_, i) => String(i + 1));
  const order = ['x', 'context', 'pe', 'encoded', 'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'concat', 'final'];
  const cards = [];
  for (const id of order) {
    const step = STEP[id];
    if (!step.when(z)) continue;
    if (id === 'concat' && z.heads === 1) continue;
    const perHead = step.perHead;
    const matrix = step.read(trace, config, h);
    const value = (r, c) => matrix.data[r * matrix.cols + c];
    const scale = scaleOf(id, matrix);
    const maskData = id === 'masked' || id === 'weights' ? trace.heads[h].masked.data : null;
    const isMasked = maskData
      ? (r, c) => maskData[r * matrix.cols + c] === -Infinity
      : () => false;
    const rowLabels = ['k', 'v', 'context'].includes(id) ? keys : queries;
    const colLabels = ['scores', 'scaled', 'masked', 'weights'].includes(id) ? keys : dims(matrix.cols);
    const editable = Boolean(step.input) && !readonly;
    const canvas = !editable && (matrix.rows > CANVAS_ABOVE || matrix.cols > CANVAS_ABOVE);
    cards.push({
      step: id,
      ...(perHead ? { head: h } : {}),
      symbol: step.symbol,
      title: (config.score === 'additive' ? S.flow.titlesAdditive[id] : null) ?? S.flow.titles[id] ?? step.symbol,
      rows: matrix.rows,
      cols: matrix.cols,
      value,
      scale,
      shade: (r, c) => shadeOf(scale, value(r, c)),
      // Every cell's shade with the masked ones NaN, for a canvas.
      shades: () => shadesOf(scale, matrix.data, maskData),
      masked: isMasked,
      rowLabels,
      colLabels,
      editable,
      canvas,
      lane: perHead || ['concat', 'final'].includes(id) ? 'head' : 'input',
      // Long sentences: the steps between the scores and the weights become small
      // heatmaps (no digits; a click still selects and explains a cell), so X, A and O
      // stay on one screen.
      mini: !canvas && ['scores', 'scaled', 'masked'].includes(id) && matrix.cols > MINI_ABOVE,
    });
  }
  return cards;
}
