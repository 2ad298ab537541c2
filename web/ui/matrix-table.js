// A matrix as a real <table>: row headers (token labels), column headers (dimensions),
// and one <td data-row data-col data-value> per entry. Editable tables behave like a
// small spreadsheet, keyboard first: arrows move, Enter or typing starts an edit, Enter
// commits, Escape cancels, Tab commits and moves on. Text is only ever set as text.
import { h, setText } from './dom.js';
import { fmt } from '../lib/format.js';

const EDIT_START = /^[-+.,0-9−]$/;

/**
 * spec: {
 *   step, head?, caption, rowLabels, colLabels, rows, cols, value(r, c), decimals,
 *   editable?, labelsEditable?, cellClass?(r, c), cellLabel(r, c),
 *   onCommit?(r, c, text) -> error message or null, onLabel?(r, text) -> error or null,
 *   onToggle?(r, c), onFocusCell?(cell | null), onReject?(r, c, key) (a key that cannot
 *   start a number), shade?(r, c) -> t in [-1, 1] or null (the cell's colour on its
 *   step's scale; null: blocked by the mask, drawn hatched)
 * }
 * Reuses `previous` (same shape) so focus and open editors survive recomputation.
 * The table's state lives in a JS object (views), never on its DOM nodes, and nothing is
 * read back from the DOM: a cell's row and column come from where it was built.
 */
const views = new WeakMap(); // table element -> { spec, cells: td[], labels: th[], shown: [] }
const positions = new WeakMap(); // td or row th -> { r, c } (c = -1 for a row label)

/** The row and column of a cell element of a matrix table, or null. */
export function cellPosition(el) {
  return positions.get(el) ?? null;
}

/** The spec a table was last rendered from. */
export function tableSpec(table) {
  return views.get(table)?.spec ?? null;
}

/** The td elements of a table in row-major order. */
export function tableCells(table) {
  return views.get(table)?.cells ?? [];
}

export function matrixTable(spec, previous) {
  const old = previous && views.get(previous);
  const table = old && old.spec.rows === spec.rows && old.spec.cols === spec.cols && old.spec.step === spec.step
    ? previous : build(spec);
  views.get(table).spec = spec;
  update(table, spec);
  return table;
}

// Above these sizes a table is windowed: only the rows and columns in view are built, the
// rest is empty space of the same size, and the headers stick to the edges while it scrolls.
export const WINDOW_ROWS_ABOVE = 32;
export const WINDOW_COLS_ABOVE = 24;
// A windowed table's cells have one fixed size (CSS: table.matrix.windowed), so where a
// row or column sits is arithmetic, never measured cell by cell.
export const CELL_W = 68;
export const CELL_H = 26;
const OVERSCAN = 4;

export const isWindowed = (spec) => spec.rows > WINDOW_ROWS_ABOVE || spec.cols > WINDOW_COLS_ABOVE;

function build(spec) {
  const windowed = isWindowed(spec);
  const colHeads = [];
  const headRow = h('tr', null, h('th', { scope: 'col', className: 'corner' }, h('span', { className: 'visually-hidden' }, spec.corner ?? '')));
  const body = h('tbody');
  // A grid: the cells are navigable and selectable (aria-selected on the chosen one).
  const table = h('table', {
    role: 'grid',
    className: windowed ? 'matrix windowed' : 'matrix',
    dataset: { shape: `${spec.rows}x${spec.cols}`, step: spec.step },
  }, h('caption', null, spec.caption), h('thead', null, headRow), body);
  if (windowed) {
    table.setAttribute('aria-rowcount', String(spec.rows + 1));
    table.setAttribute('aria-colcount', String(spec.cols + 1));
  }
  const view = {
    spec, windowed, body, headRow, colHeads, cells: [], labels: [],
    win: { r0: 0, r1: 0, c0: 0, c1: 0 },
    shown: Array.from({ length: spec.rows * spec.cols }, () => ({ value: undefined, decimals: -1, cls: '', shade: undefined })),
  };
  views.set(table, view);
  if (windowed) {
    // A first window before the table has a size; the first scroll or resize corrects it.
    buildWindow(table, { r0: 0, r1: Math.min(spec.rows, 18), c0: 0, c1: Math.min(spec.cols, 16) });
    let queued = 0;
    const follow = () => {
      if (queued) return;
      queued = requestAnimationFrame(() => {
        queued = 0;
        if (table.isConnected) rewindow(table);
      });
    };
    table.addEventListener('scroll', follow, { passive: true });
    if (typeof ResizeObserver === 'function') new ResizeObserver(follow).observe(table);
  } else {
    for (let c = 0; c < spec.cols; c++) headRow.append(colHead(view, c));
    for (let r = 0; r < spec.rows; r++) {
      const tr = h('tr', null, rowHead(view, r));
      for (let c = 0; c < spec.cols; c++) tr.append(cellOf(view, r, c));
      body.append(tr);
    }
  }
  table.addEventListener('keydown', (e) => onKey(table, e));
  table.addEventListener('click', (e) => onClick(table, e));
  table.addEventListener('dblclick', (e) => {
    const cell = e.target.closest('td, th[scope=row]');
    if (cell && positions.has(cell) && canEdit(views.get(table).spec, cell)) startEdit(table, cell, null);
  });
  table.addEventListener('focusin', (e) => {
    const cell = e.target.closest('td, th[scope=row]');
    if (cell && positions.has(cell) && !e.target.matches('input')) {
      setRoving(table, cell);
      views.get(table).spec.onFocusCell?.(cell.matches('td') ? cell : null);
    }
  });
  return table;
}

function colHead(view, c) {
  const th = h('th', { scope: 'col' });
  if (view.windowed) th.setAttribute('aria-colindex', String(c + 2));
  view.colHeads[c] = th;
  return th;
}

function rowHead(view, r) {
  const th = h('th', { scope: 'row', dataset: { row: r } });
  positions.set(th, { r, c: -1 });
  view.labels[r] = th;
  return th;
}

function cellOf(view, r, c) {
  const td = h('td', { dataset: { row: r, col: c }, tabindex: r === 0 && c === 0 ? 0 : -1 });
  if (view.windowed) td.setAttribute('aria-colindex', String(c + 2));
  positions.set(td, { r, c });
  view.cells[r * view.spec.cols + c] = td;
  // A new cell shows nothing yet: update() fills it.
  Object.assign(view.shown[r * view.spec.cols + c], { value: undefined, decimals: -1, cls: '', shade: undefined });
  return td;
}

// Empty space standing for the rows or columns outside the window.
// Sizes go through the CSSOM: the page's CSP refuses style attributes.
function padCol(tag, px) {
  if (px <= 0) return null;
  const el = h(tag, { className: 'pad', 'aria-hidden': 'true' });
  el.style.width = el.style.minWidth = `${px}px`;
  return el;
}
function padRow(px, span) {
  if (px <= 0) return null;
  const td = h('td', { colspan: span });
  td.style.height = `${px}px`;
  return h('tr', { className: 'pad', 'aria-hidden': 'true' }, td);
}

// The pitch of rows and columns as laid out (borders included), measured once shown.
function measure(view) {
  const td = view.cells.find(Boolean);
  if (!td || !td.offsetHeight) return;
  view.rowH = td.parentElement.offsetHeight;
  view.colW = td.offsetWidth;
}

// Builds the cells of rows r0..r1-1 and columns c0..c1-1 (the rest stays empty space).
function buildWindow(table, win) {
  const view = views.get(table);
  const { spec } = view;
  view.win = win;
  view.cells = [];
  view.labels = [];
  view.colHeads = [];
  const span = win.c1 - win.c0 + 3;
  const heads = [];
  for (let c = win.c0; c < win.c1; c++) heads.push(colHead(view, c));
  const W = view.colW ?? CELL_W;
  const H = view.rowH ?? CELL_H;
  view.headRow.replaceChildren(view.headRow.firstChild, ...[padCol('th', win.c0 * W), ...heads, padCol('th', (spec.cols - win.c1) * W)].filter(Boolean));
  const rows = [padRow(win.r0 * H, span)];
  for (let r = win.r0; r < win.r1; r++) {
    const tr = h('tr', { 'aria-rowindex': r + 2 }, rowHead(view, r), padCol('td', win.c0 * W));
    for (let c = win.c0; c < win.c1; c++) tr.append(cellOf(view, r, c));
    const after = padCol('td', (spec.cols - win.c1) * W);
    if (after) tr.append(after);
    rows.push(tr);
  }
  rows.push(padRow((spec.rows - win.r1) * H, span));
  view.body.replaceChildren(...rows.filter(Boolean));
}

// The window that covers what the scroller shows now, with a few rows and columns to spare.
function windowFor(table) {
  const view = views.get(table);
  const { spec } = view;
  if (!view.rowH) measure(view);
  const W = view.colW ?? CELL_W;
  const H = view.rowH ?? CELL_H;
  const top = Math.max(0, table.scrollTop - (table.tHead.offsetTop + table.tHead.offsetHeight));
  const left = Math.max(0, table.scrollLeft - (table.tHead.rows[0].cells[0].offsetWidth || 0));
  const r0 = Math.max(0, Math.floor(top / H) - OVERSCAN);
  const c0 = Math.max(0, Math.floor(left / W) - OVERSCAN);
  return {
    r0,
    r1: Math.min(spec.rows, r0 + Math.ceil((table.clientHeight || 400) / H) + 2 * OVERSCAN),
    c0,
    c1: Math.min(spec.cols, c0 + Math.ceil((table.clientWidth || 900) / W) + 2 * OVERSCAN),
  };
}

function rewindow(table, force = false) {
  const view = views.get(table);
  if (!view?.windowed || table.querySelector('input')) return; // an open editor keeps its cell
  const next = windowFor(table);
  const w = view.win;
  const covered = next.r0 >= w.r0 && next.r1 <= w.r1 && next.c0 >= w.c0 && next.c1 <= w.c1;
  if (covered && !force) return;
  const focused = table.contains(document.activeElement) || table.getRootNode().activeElement?.closest?.('table') === table;
  buildWindow(table, next);
  update(table, view.spec);
  if (focused) view.cells.find(Boolean)?.setAttribute('tabindex', '0');
  view.spec.onWindow?.();
}

/** Scrolls a windowed table so that cell (r, c) is built and in view; returns its element. */
export function revealCell(table, r, c) {
  const view = views.get(table);
  if (!view) return null;
  if (view.windowed && !view.cells[r * view.spec.cols + c]) {
    if (!view.rowH) measure(view);
    const W = view.colW ?? CELL_W;
    const H = view.rowH ?? CELL_H;
    const headerH = table.tHead.offsetTop + table.tHead.offsetHeight;
    const rowHeadW = table.tHead.rows[0].cells[0].offsetWidth || 0;
    const y = headerH + r * H;
    const x = rowHeadW + c * W;
    // Scrolled so the cell sits below the sticky header and right of the sticky labels.
    if (y < table.scrollTop + headerH || y + H > table.scrollTop + table.clientHeight) table.scrollTop = Math.max(0, y - headerH - H * 2);
    if (x < table.scrollLeft + rowHeadW || x + W > table.scrollLeft + table.clientWidth) table.scrollLeft = Math.max(0, x - rowHeadW - W * 2);
    const win = windowFor(table);
    // A table not laid out yet (hidden) still builds the cell asked for.
    if (!(r >= win.r0 && r < win.r1 && c >= win.c0 && c < win.c1)) {
      const rs = Math.max(0, r - OVERSCAN);
      const cs = Math.max(0, c - OVERSCAN);
      Object.assign(win, { r0: rs, r1: Math.min(view.spec.rows, rs + 18), c0: cs, c1: Math.min(view.spec.cols, cs + 16) });
    }
    buildWindow(table, win);
    update(table, view.spec);
    view.spec.onWindow?.();
  }
  return view.cells[r * view.spec.cols + c] ?? null;
}

function update(table, spec) {
  const view = views.get(table);
  setText(table.querySelector('caption'), spec.caption);
  table.classList.toggle('editable', Boolean(spec.editable));
  view.colHeads.forEach((th, c) => setText(th, spec.colLabels[c]));
  view.labels.forEach((th, r) => {
    if (th.firstElementChild?.matches('input')) return;
    setText(th, spec.rowLabels[r]);
    if (spec.labelsEditable) {
      th.tabIndex = -1;
      th.setAttribute('aria-label', spec.rowLabels[r]);
    }
  });
  // Recomputation touches only the cells whose shown value, class or label changed.
  view.cells.forEach((td, i) => {
    if (td.firstElementChild) return; // an edit in progress keeps its text
    const { r, c } = positions.get(td);
    const shown = view.shown[i];
    const v = spec.value(r, c);
    const cls = spec.cellClass?.(r, c) ?? '';
    if (shown.value !== v || shown.decimals !== spec.decimals) {
      shown.value = v;
      shown.decimals = spec.decimals;
      td.dataset.value = String(v);
      td.textContent = fmt(v, spec.decimals);
    }
    const shade = spec.shade ? spec.shade(r, c) : undefined;
    if (shown.shade !== shade) {
      shown.shade = shade;
      // The colour is drawn by CSS from --t (|t|) and the sign class: no colour in JS.
      td.classList.toggle('shaded', shade !== undefined && shade !== null);
      td.classList.toggle('neg', typeof shade === 'number' && shade < 0);
      td.classList.toggle('masked-cell', shade === null);
      if (typeof shade === 'number') td.style.setProperty('--t', Math.abs(shade).toFixed(3));
      else td.style.removeProperty('--t');
    }
    if (shown.cls !== cls) {
      // classList, not className: highlight classes set by the playground must survive.
      if (shown.cls) td.classList.remove(shown.cls);
      if (cls) td.classList.add(cls);
      shown.cls = cls;
    }
    if (td.hasAttribute('aria-invalid')) td.removeAttribute('aria-invalid');
  });
}

function canEdit(spec, cell) {
  return cell.matches('td') ? Boolean(spec.editable) : Boolean(spec.labelsEditable);
}

function setRoving(table, cell) {
  for (const el of table.querySelectorAll('[tabindex="0"]')) if (el !== cell) el.tabIndex = -1;
  cell.tabIndex = 0;
}

function cellAt(table, r, c) {
  const view = views.get(table);
  if (c < 0) {
    if (!view.spec.labelsEditable) return null;
    if (!view.labels[r]) revealCell(table, r, Math.max(0, view.win.c0));
    return view.labels[r] ?? null;
  }
  return revealCell(table, r, c);
}

function move(table, cell, dr, dc) {
  const { spec } = views.get(table);
  let { r, c } = positions.get(cell);
  r = Math.min(spec.rows - 1, Math.max(0, r + dr));
  c = Math.min(spec.cols - 1, Math.max(spec.labelsEditable ? -1 : 0, c + dc));
  const next = cellAt(table, r, c);
  if (next) {
    setRoving(table, next);
    next.focus();
  }
  return next;
}

// Tab inside an editor walks the cells row by row (with the labels when they are
// editable), then leaves the table.
function nextInOrder(table, cell, backwards) {
  const { spec } = views.get(table);
  const first = spec.labelsEditable ? -1 : 0;
  let { r, c } = positions.get(cell);
  c += backwards ? -1 : 1;
  if (c >= spec.cols) { r += 1; c = first; }
  if (c < first) { r -= 1; c = spec.cols - 1; }
  if (r < 0 || r >= spec.rows) return null;
  return cellAt(table, r, c);
}

function onClick(table, e) {
  const cell = e.target.closest('td');
  if (!cell || !positions.has(cell) || e.target.matches('input')) return;
  const { spec } = views.get(table);
  const { r, c } = positions.get(cell);
  if (spec.onToggle) spec.onToggle(r, c);
}

function onKey(table, e) {
  if (e.target.matches('input')) return; // the editor handles its own keys
  const cell = e.target.closest('td, th[scope=row]');
  if (!cell || !positions.has(cell)) return;
  const { spec } = views.get(table);
  const { r, c } = positions.get(cell);
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (moves[e.key]) {
    e.preventDefault();
    move(table, cell, ...moves[e.key]);
  } else if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    const target = cellAt(table, r, e.key === 'Home' ? 0 : spec.cols - 1);
    setRoving(table, target);
    target.focus();
  } else if ((e.key === ' ' || e.key === 'Enter') && spec.onToggle && cell.matches('td')) {
    e.preventDefault();
    spec.onToggle(r, c);
  } else if ((e.key === 'Enter' || e.key === 'F2') && canEdit(spec, cell)) {
    e.preventDefault();
    startEdit(table, cell, null);
  } else if (canEdit(spec, cell) && !e.ctrlKey && !e.metaKey && !e.altKey && e.key.length === 1
             && (cell.matches('th') || EDIT_START.test(e.key))) {
    e.preventDefault();
    startEdit(table, cell, e.key);
  } else if (canEdit(spec, cell) && cell.matches('td') && !e.ctrlKey && !e.metaKey && !e.altKey && /^\p{L}$/u.test(e.key)) {
    spec.onReject?.(r, c, e.key); // a letter cannot start a number: say why nothing happened
  }
}

function startEdit(table, cell, typed) {
  if (cell.querySelector('input')) return;
  const isLabel = cell.matches('th');
  const { r, c } = positions.get(cell);
  const spec0 = views.get(table).spec;
  const current = isLabel ? spec0.rowLabels[r] : String(spec0.value(r, c));
  const input = h('input', {
    type: 'text',
    inputmode: isLabel ? 'text' : 'decimal',
    className: 'cell-editor',
    'aria-label': isLabel ? spec0.rowLabels[r] : spec0.cellLabel(r, c),
    spellcheck: 'false',
    autocomplete: 'off',
  });
  input.value = typed ?? current;
  cell.textContent = '';
  cell.append(input);
  input.focus();
  if (typed === null) input.select();

  let done = false;
  const finish = (commit, then) => {
    if (done) return true;
    const view = views.get(table);
    const { spec } = view;
    if (commit) {
      const error = isLabel ? spec.onLabel?.(r, input.value) : spec.onCommit?.(r, c, input.value);
      if (error) {
        cell.setAttribute('aria-invalid', 'true');
        cell.classList.add('invalid');
        input.setAttribute('aria-invalid', 'true');
        return false; // keep the editor and what was typed
      }
    }
    done = true;
    input.remove();
    cell.classList.remove('invalid');
    cell.removeAttribute('aria-invalid');
    if (!isLabel) view.shown[r * spec.cols + c].value = undefined; // the cell's text was replaced: show it again
    update(table, view.spec);
    if (then !== undefined) {
      const target = then ?? cell;
      setRoving(table, target);
      // Back on the cell just edited, which is in view: no scrolling, so the browser need
      // not lay the page out again before this frame's own layout.
      target.focus(target === cell ? { preventScroll: true } : undefined);
    }
    return true;
  };

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      finish(true, cell);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      finish(false, cell);
    } else if (e.key === 'Tab') {
      const next = nextInOrder(table, cell, e.shiftKey);
      if (next) e.preventDefault();
      if (finish(true, next ?? undefined) && !next) cell.focus();
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      const { spec } = views.get(table);
      const target = cellAt(table, Math.min(spec.rows - 1, Math.max(0, r + (e.key === 'ArrowUp' ? -1 : 1))), isLabel ? -1 : c);
      finish(true, target);
    }
    e.stopPropagation();
  });
  // Leaving the editor commits a valid entry; an invalid one stays visible, marked.
  input.addEventListener('blur', () => {
    if (input.isConnected && input.value !== current) finish(true);
    else if (input.isConnected) finish(false);
  });
}
