// A matrix as a real <table>: row headers (token labels), column headers (dimensions),
// and one <td data-row data-col data-value> per entry. Editable tables behave like a
// small spreadsheet, keyboard first: arrows move, Enter or typing starts an edit, Enter
// commits, Escape cancels, Tab commits and moves on. Text is only ever set as text.
import { h } from './dom.js';
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

function build(spec) {
  const headRow = h('tr', null, h('th', { scope: 'col', className: 'corner' }, h('span', { className: 'visually-hidden' }, spec.corner ?? '')),
    spec.colLabels.map((label) => h('th', { scope: 'col' }, label)));
  const body = h('tbody');
  const cells = [];
  const labels = [];
  for (let r = 0; r < spec.rows; r++) {
    const th = h('th', { scope: 'row', dataset: { row: r } });
    positions.set(th, { r, c: -1 });
    labels.push(th);
    const tr = h('tr', null, th);
    for (let c = 0; c < spec.cols; c++) {
      const td = h('td', { dataset: { row: r, col: c }, tabindex: r === 0 && c === 0 ? 0 : -1 });
      positions.set(td, { r, c });
      cells.push(td);
      tr.append(td);
    }
    body.append(tr);
  }
  // A grid: the cells are navigable and selectable (aria-selected on the chosen one).
  const table = h('table', {
    role: 'grid',
    className: 'matrix',
    dataset: { shape: `${spec.rows}x${spec.cols}`, step: spec.step },
  }, h('caption', null, spec.caption), h('thead', null, headRow), body);
  views.set(table, { spec, cells, labels, shown: cells.map(() => ({ value: undefined, decimals: -1, cls: '', shade: undefined })) });
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

function update(table, spec) {
  const view = views.get(table);
  table.querySelector('caption').textContent = spec.caption;
  table.classList.toggle('editable', Boolean(spec.editable));
  const headers = table.querySelectorAll('thead th:not(.corner)');
  spec.colLabels.forEach((label, c) => { headers[c].textContent = label; });
  view.labels.forEach((th, r) => {
    if (th.firstElementChild?.matches('input')) return;
    th.textContent = spec.rowLabels[r];
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
  if (c < 0) return view.spec.labelsEditable ? view.labels[r] : null;
  return view.cells[r * view.spec.cols + c] ?? null;
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

// Tab inside an editor walks the cells row by row, then leaves the table.
function nextInOrder(table, cell, backwards) {
  const { spec, cells, labels } = views.get(table);
  const order = spec.labelsEditable
    ? labels.flatMap((th, r) => [th, ...cells.slice(r * spec.cols, (r + 1) * spec.cols)]) : cells;
  return order[order.indexOf(cell) + (backwards ? -1 : 1)] ?? null;
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
      target.focus();
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
