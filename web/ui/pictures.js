// Pictures of one head's attention weights: a heatmap (viridis, with a legend and each
// value as text in a <title>) and a BertViz-style arc view (query tokens on the left,
// key tokens on the right, line weight = attention weight). SVG built from elements only.
import { s, h } from './dom.js';
import { viridis, inkOn } from '../lib/color.js';
import { fmt } from '../lib/format.js';

const at = (m, r, c) => m.data[r * m.cols + c];

// Each heatmap cell's row and column, kept in JS (not read back from its attributes).
const heatmapCells = new WeakMap();

/** The { r, c } of a heatmap cell element (or one inside it), or null. */
export function heatmapCell(el) {
  const g = el.closest?.('g[data-row]');
  return g ? heatmapCells.get(g) ?? null : null;
}

export function heatmap({ weights, rowLabels, colLabels, decimals, title, showValues }) {
  const cell = Math.max(14, Math.min(40, Math.floor(320 / Math.max(weights.rows, weights.cols))));
  const labelWidth = 8 + 7 * Math.min(12, Math.max(...rowLabels.map((l) => l.length), 1));
  const labelHeight = 8 + 7 * Math.min(12, Math.max(...colLabels.map((l) => l.length), 1));
  const width = labelWidth + weights.cols * cell + 4;
  const height = labelHeight + weights.rows * cell + 4;
  const svg = s('svg', {
    className: 'heatmap', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title,
  }, s('title', null, title));
  const short = (label) => (label.length > 12 ? `${label.slice(0, 11)}…` : label);
  rowLabels.forEach((label, r) => svg.append(s('text', {
    x: labelWidth - 4, y: labelHeight + r * cell + cell / 2, 'text-anchor': 'end', 'dominant-baseline': 'central', className: 'axis',
  }, short(label))));
  colLabels.forEach((label, c) => {
    const x = labelWidth + c * cell + cell / 2;
    svg.append(s('text', {
      x, y: labelHeight - 4, transform: `rotate(-60 ${x} ${labelHeight - 4})`, className: 'axis',
    }, short(label)));
  });
  for (let r = 0; r < weights.rows; r++) {
    for (let c = 0; c < weights.cols; c++) {
      const w = at(weights, r, c);
      const g = s('g', { dataset: { row: r, col: c } },
        s('rect', { x: labelWidth + c * cell, y: labelHeight + r * cell, width: cell - 1, height: cell - 1, fill: viridis(w) }),
        s('title', null, `${rowLabels[r]} → ${colLabels[c]}: ${fmt(w, decimals)}`));
      if (showValues && cell >= 30) {
        g.append(s('text', {
          x: labelWidth + c * cell + cell / 2, y: labelHeight + r * cell + cell / 2,
          'text-anchor': 'middle', 'dominant-baseline': 'central', fill: inkOn(w), className: 'value',
        }, fmt(w, Math.min(decimals, 2))));
      }
      heatmapCells.set(g, { r, c });
      svg.append(g);
    }
  }
  return svg;
}

export function legend(label) {
  const stops = 10;
  const svg = s('svg', { className: 'legend', viewBox: '0 0 220 34', width: 220, height: 34, role: 'img', 'aria-label': `${label}: 0 → 1` });
  for (let i = 0; i < stops * 2; i++) {
    svg.append(s('rect', { x: 10 + i * 10, y: 4, width: 10.5, height: 12, fill: viridis(i / (stops * 2 - 1)) }));
  }
  svg.append(s('text', { x: 10, y: 30, className: 'axis' }, '0'));
  svg.append(s('text', { x: 110, y: 30, 'text-anchor': 'middle', className: 'axis' }, `${label} 0.5`));
  svg.append(s('text', { x: 210, y: 30, 'text-anchor': 'end', className: 'axis' }, '1'));
  return svg;
}

// Up to this many keys every arc is drawn; above it each query keeps its top-k keys, so a
// long sentence shows where each token looks instead of an n² hairball.
export const ARCS_ALL_UP_TO = 12;
export const ARCS_TOP_K = 2;

export function arcs({ weights, rowLabels, colLabels, decimals, title, topK = null }) {
  const count = Math.max(weights.rows, weights.cols);
  // Rows get closer as sentences grow (22 px down to 6 px); labels are thinned to fit.
  const rowGap = Math.max(6, Math.min(22, Math.floor(640 / count)));
  const every = Math.max(1, Math.ceil(13 / rowGap));
  const height = count * rowGap + 16;
  const width = 300;
  const left = 96;
  const right = width - 96;
  const svg = s('svg', { className: 'arcs', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title },
    s('title', null, title));
  const y = (i) => 14 + i * rowGap;
  const short = (label) => (label.length > 12 ? `${label.slice(0, 11)}…` : label);
  for (let r = 0; r < weights.rows; r++) {
    let keys = Array.from({ length: weights.cols }, (_, c) => c);
    if (topK) keys = keys.sort((a, b) => at(weights, r, b) - at(weights, r, a)).slice(0, topK);
    for (const c of keys) {
      const w = at(weights, r, c);
      if (w < 0.01) continue;
      svg.append(s('line', {
        x1: left + 4, y1: y(r), x2: right - 4, y2: y(c),
        'stroke-width': (0.5 + 6 * w).toFixed(2), 'stroke-opacity': (0.15 + 0.85 * w).toFixed(2),
        className: 'arc', dataset: { row: r, col: c },
      }, s('title', null, `${rowLabels[r]} → ${colLabels[c]}: ${fmt(w, decimals)}`)));
    }
  }
  rowLabels.forEach((label, r) => {
    if (r % every) return;
    svg.append(s('text', {
      x: left - 4, y: y(r), 'text-anchor': 'end', 'dominant-baseline': 'central', className: 'token', dataset: { row: r },
    }, short(label)));
  });
  colLabels.forEach((label, c) => {
    if (c % every) return;
    svg.append(s('text', {
      x: right + 4, y: y(c), 'dominant-baseline': 'central', className: 'token', dataset: { col: c },
    }, short(label)));
  });
  return h('figure', { className: 'arcs-figure' }, svg);
}
