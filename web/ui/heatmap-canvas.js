// A big step of the flow drawn as a heatmap on a <canvas> instead of n² text cells: the
// same colour scale as the tables (the page's --pos / --neg / --seq over --card, masked
// cells hatched), labels thinned to what fits, a readout of the pointed cell with its
// arithmetic (hover, tap, or the arrow keys), and a click or Enter that selects the cell
// as a click on a table cell does. The element's state lives in a WeakMap, as for tables.
import { h } from './dom.js';

const views = new WeakMap(); // wrapper element -> { spec, canvas, readout, cell, left, top, selected, cursor }
const LABEL_FONT = 10;
const LABEL_STYLE = `${LABEL_FONT}px system-ui, sans-serif`;
// ImageData is RGBA bytes; a 32-bit view of them reads them in the machine's byte order.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The spec a canvas heatmap was last drawn from (null for anything else). */
export const canvasSpec = (el) => views.get(el)?.spec ?? null;

/**
 * spec: { step, head?, caption, rows, cols, value(r, c), the cells' shades as either
 *   shades() (every cell's t in [-1, 1] at once, row by row, NaN where masked) or
 *   shade(r, c) -> t or null (masked), ramp: 'seq' | 'pos', rowLabels, colLabels, size (px of the longer side),
 *   readout(r, c) -> { title, lines }, onPick(r, c), lazy (draw only when near the viewport),
 *   maxCell (px a cell at most, default 14) }
 * Reuses `previous` when the shape is the same, so focus and the cursor survive edits.
 */
export function heatmapCanvas(spec, previous) {
  const old = previous && views.get(previous);
  const el = old && old.spec.rows === spec.rows && old.spec.cols === spec.cols && old.spec.step === spec.step ? previous : build(spec);
  const view = views.get(el);
  view.spec = spec;
  layout(view);
  drawWhenSeen(view);
  return el;
}

// spec.lazy: a canvas known to be off screen is drawn when it comes near the viewport, not
// on every edit (the flow at n = 64 has ten of them, most out of view). One observer for all.
let observer = null;
// Watches the canvas's place on screen (once per canvas): a stale one is drawn when it comes
// near the viewport.
function watch(view) {
  if (view.watched || typeof IntersectionObserver !== 'function') return;
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const seen = views.get(entry.target);
      if (!seen) continue;
      seen.onScreen = entry.isIntersecting;
      if (seen.onScreen && seen.stale) draw(seen);
    }
  }, { rootMargin: '300px' });
  observer.observe(view.el);
  view.watched = true;
}

function drawWhenSeen(view) {
  if (view.spec.lazy) watch(view);
  if (view.spec.lazy && view.onScreen === false) view.stale = true;
  else if (view.spec.lazy && view.onScreen === undefined && overBudget()) view.stale = true; // drawn when the observer first sees it
  else draw(view);
}

// A page that opens on a big example has canvases whose place is not known yet: the first
// ones (the flow's order is the page's, top first) are drawn at once, and past 12 ms of
// drawing in one task the rest wait for the observer, which draws those near the viewport
// in the next frame and the others when they are scrolled to.
let budgetStart = -1;
function overBudget() {
  const now = performance.now();
  if (budgetStart < 0) {
    budgetStart = now;
    setTimeout(() => { budgetStart = -1; }, 0);
  }
  return now - budgetStart > 12;
}

/** Marks (r, c) as the selected cell (null: none) and redraws. */
export function selectOnCanvas(el, cell) {
  const view = views.get(el);
  if (!view) return;
  const same = view.selected && cell && view.selected.r === cell.r && view.selected.c === cell.c;
  if (same || (!view.selected && !cell)) return;
  view.selected = cell;
  draw(view);
}

function build(spec) {
  const canvas = h('canvas', { tabindex: 0, role: 'img' });
  const readout = h('div', { className: 'canvas-readout', hidden: true });
  const el = h('div', { className: 'heatmap-canvas', dataset: { step: spec.step, shape: `${spec.rows}x${spec.cols}` } }, canvas, readout);
  const view = { spec, el, canvas, readout, selected: null, cursor: null };
  views.set(el, view);
  const cellAt = (e) => {
    const box = canvas.getBoundingClientRect();
    const c = Math.floor((e.clientX - box.left - view.left) / view.cell);
    const r = Math.floor((e.clientY - box.top - view.top) / view.cell);
    return r >= 0 && c >= 0 && r < view.spec.rows && c < view.spec.cols ? { r, c } : null;
  };
  canvas.addEventListener('pointermove', (e) => show(view, cellAt(e)));
  canvas.addEventListener('pointerleave', () => show(view, view.cursor));
  canvas.addEventListener('click', (e) => {
    const cell = cellAt(e);
    if (!cell) return;
    view.cursor = cell;
    show(view, cell);
    view.spec.onPick?.(cell.r, cell.c);
  });
  canvas.addEventListener('keydown', (e) => {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const { rows, cols } = view.spec;
    if (moves[e.key]) {
      e.preventDefault();
      const at = view.cursor ?? view.selected ?? { r: 0, c: 0 };
      view.cursor = { r: Math.min(rows - 1, Math.max(0, at.r + moves[e.key][0])), c: Math.min(cols - 1, Math.max(0, at.c + moves[e.key][1])) };
      show(view, view.cursor);
      draw(view);
    } else if ((e.key === 'Enter' || e.key === ' ') && (view.cursor ?? view.selected)) {
      e.preventDefault();
      const at = view.cursor ?? view.selected;
      view.spec.onPick?.(at.r, at.c);
    }
  });
  canvas.addEventListener('blur', () => { view.readout.hidden = true; });
  return el;
}

// A label's width as drawn, measured once per text (the same tokens label many canvases).
const widths = new Map();
let measurer = null;
function labelWidth(label) {
  if (!widths.has(label)) {
    measurer ??= document.createElement('canvas').getContext('2d');
    if (measurer) measurer.font = LABEL_STYLE;
    widths.set(label, measurer ? measurer.measureText(short(label)).width : Array.from(short(label)).length * 6);
  }
  return widths.get(label);
}

// Cell size and margins from the shape: the longer side gets `size` px, cells 2…14 px
// (2…spec.maxCell).
function layout(view) {
  const { spec } = view;
  view.cell = Math.max(2, Math.min(spec.maxCell ?? 14, Math.floor((spec.size ?? 320) / Math.max(spec.rows, spec.cols))));
  // The cell size in px, on the element: cells fill the canvas's right and bottom edges
  // (2 px margin), so a cell's place can be found from outside (tests, tools).
  if (view.el.dataset.cell !== String(view.cell)) view.el.dataset.cell = String(view.cell);
  // The widest label as drawn (a Chinese character is about twice a Latin letter's width).
  const longest = (labels) => {
    let widest = 6;
    for (const label of labels) widest = Math.max(widest, labelWidth(label));
    return Math.ceil(widest);
  };
  // labels: false (a thumbnail in the heads grid) draws the cells only.
  view.left = spec.labels === false ? 1 : 10 + longest(spec.rowLabels);
  view.top = spec.labels === false ? 1 : 10 + longest(spec.colLabels);
  // One label every `every` rows/columns, so they never overlap (10 px text).
  view.every = Math.max(1, Math.ceil((LABEL_FONT + 2) / view.cell));
  const width = view.left + spec.cols * view.cell + 2;
  const height = view.top + spec.rows * view.cell + 2;
  const dpr = globalThis.devicePixelRatio || 1;
  if (view.width !== width || view.height !== height) {
    view.canvas.width = Math.round(width * dpr);
    view.canvas.height = Math.round(height * dpr);
    view.canvas.style.width = `${width}px`;
    view.canvas.style.height = `${height}px`;
    view.width = width;
    view.height = height;
  }
  view.canvas.setAttribute('aria-label', spec.caption);
}

// A CSS colour (any syntax the page uses) as [r, g, b], through the canvas's own parser.
const parsed = new Map();
function rgb(ctx, css) {
  if (!parsed.has(css)) {
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    const v = ctx.fillStyle; // '#rrggbb' or 'rgba(r, g, b, a)'
    const m = v.startsWith('#') ? [1, 3, 5].map((i) => parseInt(v.slice(i, i + 2), 16)) : (v.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
    parsed.set(css, m);
  }
  return parsed.get(css);
}

const css = (v) => `rgb(${v.join(',')})`;

// The theme's colours, read from CSS once per task for all the canvases drawn in it (each
// getComputedStyle after a change makes the browser restyle the page first), per theme
// root (the page, or a widget's shadow root) and theme (data-theme, which a theme switch
// changes in the task that draws the canvases again).
const themes = new Map(); // root node -> { theme, colour(name, fallback) }
function themeColours(el) {
  const root = el.getRootNode();
  const theme = el.closest('[data-theme]')?.dataset.theme ?? '';
  if (themes.get(root)?.theme !== theme) {
    if (themes.size === 0) setTimeout(() => themes.clear(), 0);
    const style = getComputedStyle(el);
    const values = new Map();
    themes.set(root, {
      theme,
      colour: (name, fallback) => {
        if (!values.has(name)) values.set(name, style.getPropertyValue(name).trim());
        return values.get(name) || fallback;
      },
    });
  }
  return themes.get(root).colour;
}

/**
 * Draws every canvas heatmap under `root` again (the page's document, or a widget's box):
 * their colours come from the theme, so whoever switches it calls this.
 */
export function redrawCanvases(root) {
  for (const el of root.querySelectorAll('.heatmap-canvas')) {
    const view = views.get(el);
    if (view) drawWhenSeen(view);
  }
}
const short = (label) => (Array.from(label).length > 8 ? `${Array.from(label).slice(0, 7).join('')}…` : label);

function draw(view) {
  // A canvas not yet in the page has no theme to take its colours from (getComputedStyle
  // of a detached element is empty, and the light defaults would stay on a dark page): it
  // is drawn in the next frame, once its renderer has put it in place, before it is seen.
  // One still out of the page then is drawn when it is seen (the observer notices it).
  if (!view.el.isConnected) {
    view.stale = true;
    view.waiting ||= requestAnimationFrame(() => {
      view.waiting = 0;
      if (!view.stale) return;
      if (view.el.isConnected) draw(view);
      else watch(view);
    });
    return;
  }
  view.stale = false;
  const { spec, canvas, cell, left, top, every } = view;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const colour = themeColours(view.el);
  const card = rgb(ctx, colour('--card', '#ffffff'));
  const pos = rgb(ctx, colour(spec.ramp === 'seq' ? '--seq' : '--pos', '#ef8a62'));
  const neg = rgb(ctx, colour('--neg', '#4a9fd6'));
  const hatch = colour('--hatch', '#c9ccd3');
  const ink = colour('--muted', '#555');
  const blank = css(card);
  const dpr = canvas.width / view.width;
  const ring = (at, stroke, width) => {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!at) return;
    ctx.strokeStyle = stroke;
    ctx.lineWidth = width;
    // The row and column of the cell, faintly, each stopping short of the cell; then a ring
    // around the cell, outside it: nothing is drawn over the cell pointed at.
    const x0 = left + at.c * cell, y0 = top + at.r * cell;
    const x1 = x0 + cell, y1 = y0 + cell;
    const right = left + spec.cols * cell, bottom = top + spec.rows * cell;
    const gap = width + 1;
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    if (at.c > 0) { ctx.moveTo(x0 - gap, y0); ctx.lineTo(left, y0); ctx.lineTo(left, y1); ctx.lineTo(x0 - gap, y1); }
    if (at.c < spec.cols - 1) { ctx.moveTo(x1 + gap, y0); ctx.lineTo(right, y0); ctx.lineTo(right, y1); ctx.lineTo(x1 + gap, y1); }
    if (at.r > 0) { ctx.moveTo(x0, y0 - gap); ctx.lineTo(x0, top); ctx.lineTo(x1, top); ctx.lineTo(x1, y0 - gap); }
    if (at.r < spec.rows - 1) { ctx.moveTo(x0, y1 + gap); ctx.lineTo(x0, bottom); ctx.lineTo(x1, bottom); ctx.lineTo(x1, y1 + gap); }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.strokeRect(x0 - width / 2, y0 - width / 2, cell + width, cell + width);
  };
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, view.width, view.height);
  // One pixel per cell in an ImageData, scaled up without smoothing: a 128 × 128 step is
  // 16 k pixel writes, not 16 k fillRect calls.
  view.pixels ??= document.createElement('canvas');
  const small = view.pixels;
  small.width = spec.cols;
  small.height = spec.rows;
  const sctx = small.getContext('2d');
  const image = sctx.createImageData(spec.cols, spec.rows);
  // The colours of the scale at 256 steps a side (what 8-bit channels can show), packed
  // as the ImageData's 32-bit pixels; masked (−∞) cells get the hatch colour (and diagonal
  // strokes where cells are big enough), never a colour of the scale, so they cannot be
  // read as a zero.
  const pack = (end, k) => {
    const [r, g, b] = [0, 1, 2].map((i) => Math.round(end[i] * k + card[i] * (1 - k)));
    return (LITTLE_ENDIAN ? (255 << 24) | (b << 16) | (g << 8) | r : (r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
  };
  const palette = new Uint32Array(512);
  for (let i = 0; i < 256; i++) {
    palette[i] = pack(neg, i / 255);
    palette[256 + i] = pack(pos, i / 255);
  }
  const hatched = pack(rgb(ctx, hatch), 0.6);
  // t per cell, NaN where masked: at once from spec.shades() (one loop over the data, fast
  // even before the page's code is warm), or cell by cell from spec.shade(r, c).
  let shades = spec.shades?.();
  if (!shades) {
    shades = new Float32Array(spec.rows * spec.cols);
    for (let r = 0, i = 0; r < spec.rows; r++) {
      for (let c = 0; c < spec.cols; c++, i++) shades[i] = spec.shade(r, c) ?? NaN;
    }
  }
  const pixels = new Uint32Array(image.data.buffer);
  const masked = [];
  for (let i = 0; i < pixels.length; i++) {
    const t = shades[i];
    if (t !== t) {
      pixels[i] = hatched;
      if (cell >= 6) masked.push(Math.floor(i / spec.cols), i % spec.cols);
    } else {
      pixels[i] = t < 0 ? palette[Math.round(Math.min(1, -t) * 255)] : palette[256 + Math.round(Math.min(1, t) * 255)];
    }
  }
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, left, top, spec.cols * cell, spec.rows * cell);
  if (masked.length) {
    ctx.strokeStyle = blank;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < masked.length; i += 2) {
      const x = left + masked[i + 1] * cell;
      const y = top + masked[i] * cell;
      ctx.moveTo(x, y + cell);
      ctx.lineTo(x + cell, y);
    }
    ctx.stroke();
  }
  if (spec.labels === false) {
    ring(view.selected, colour('--selected', '#d93f0b'), 2);
    return;
  }
  ctx.fillStyle = ink;
  ctx.font = LABEL_STYLE;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (let r = 0; r < spec.rows; r += every) ctx.fillText(short(spec.rowLabels[r]), left - 4, top + r * cell + cell / 2);
  ctx.save();
  for (let c = 0; c < spec.cols; c += every) {
    ctx.setTransform(dpr, 0, 0, dpr, dpr * (left + c * cell + cell / 2), dpr * (top - 4));
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    ctx.fillText(short(spec.colLabels[c]), 0, 0);
  }
  ctx.restore();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ring(view.selected, colour('--selected', '#d93f0b'), 2);
  if (view.cursor && document.activeElement === canvas) ring(view.cursor, colour('--accent', '#2457c5'), 1);
}

// The readout: the cell's row → column, value and arithmetic, beside the cell.
function show(view, at) {
  if (!at) {
    view.readout.hidden = true;
    return;
  }
  const { title, lines } = view.spec.readout(at.r, at.c);
  view.readout.replaceChildren(h('strong', null, title), ...lines.slice(0, 4).map((line) => h('div', null, line)));
  view.readout.hidden = false;
  const x = view.left + (at.c + 1) * view.cell + 8;
  const y = view.top + at.r * view.cell;
  view.readout.style.left = `${Math.min(x, Math.max(0, view.width - 40))}px`;
  view.readout.style.top = `${y}px`;
}
