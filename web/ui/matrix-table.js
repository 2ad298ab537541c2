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
 *   onToggle?(r, c), onFocusCell?(td|null)
 * }
 * Reuses `previous` (same shape) so focus and open editors survive recomputation.
 */
export function matrixTable(spec, previous) {
  const table = previous && previous.dataset.shape === `${spec.rows}x${spec.cols}` && previous.dataset.step === spec.step
    ? previous : build(spec);
  table._spec = spec;
  update(table, spec);
  return table;
}

function build(spec) {
  const headRow = h('tr', null, h('th', { scope: 'col', className: 'corner' }, h('span', { className: 'visually-hidden' }, spec.corner ?? '')),
    spec.colLabels.map((label) => h('th', { scope: 'col' }, label)));
  const body = h('tbody');
  for (let r = 0; r < spec.rows; r++) {
    const th = h('th', { scope: 'row', dataset: { row: r } });
    const tr = h('tr', null, th);
    for (let c = 0; c < spec.cols; c++) {
      const td = h('td', { dataset: { row: r, col: c }, tabindex: r === 0 && c === 0 ? 0 : -1 });
      td._r = r;
      td._c = c;
      tr.append(td);
    }
    body.append(tr);
  }
  const table = h('table', {
    className: 'matrix',
    dataset: { shape: `${spec.rows}x${spec.cols}`, step: spec.step },
  }, h('caption', null, spec.caption), h('thead', null, headRow), body);
  table.addEventListener('keydown', (e) => onKey(table, e));
  table.addEventListener('click', (e) => onClick(table, e));
  table.addEventListener('dblclick', (e) => {
    const cell = e.target.closest('td, th[scope=row]');
    if (cell && canEdit(table._spec, cell)) startEdit(table, cell, null);
  });
  table.addEventListener('focusin', (e) => {
    const cell = e.target.closest('td, th[scope=row]');
    if (cell && !e.target.matches('input')) {
      setRoving(table, cell);
      table._spec.onFocusCell?.(cell.matches('td') ? cell : null);
    }
  });
  return table;
}

function update(table, spec) {
  table.querySelector('caption').textContent = spec.caption;
  table.classList.toggle('editable', Boolean(spec.editable));
  const headers = table.querySelectorAll('thead th:not(.corner)');
  spec.colLabels.forEach((label, c) => { headers[c].textContent = label; });
  for (const th of table.querySelectorAll('tbody th')) {
    const r = Number(th.dataset.row);
    if (th.querySelector('input')) continue;
    th.textContent = spec.rowLabels[r];
    if (spec.labelsEditable) {
      th.tabIndex = -1;
      th.setAttribute('aria-label', spec.rowLabels[r]);
    }
  }
  // Recomputation touches only the cells whose shown value, class or label changed.
  const tds = table._cells ??= [...table.querySelectorAll('td')];
  for (const td of tds) {
    if (td.firstElementChild) continue; // an edit in progress keeps its text
    const v = spec.value(td._r, td._c);
    const cls = spec.cellClass?.(td._r, td._c) ?? '';
    if (td._value !== v || td._decimals !== spec.decimals) {
      td._value = v;
      td._decimals = spec.decimals;
      td.dataset.value = String(v);
      td.textContent = fmt(v, spec.decimals);
    }
    if ((td._cls ?? '') !== cls) {
      // classList, not className: highlight classes set by the playground must survive.
      if (td._cls) td.classList.remove(td._cls);
      if (cls) td.classList.add(cls);
      td._cls = cls;
    }
    if (td.hasAttribute('aria-invalid')) td.removeAttribute('aria-invalid');
  }
}

function canEdit(spec, cell) {
  return cell.matches('td') ? Boolean(spec.editable) : Boolean(spec.labelsEditable);
}

function setRoving(table, cell) {
  for (const el of table.querySelectorAll('[tabindex="0"]')) if (el !== cell) el.tabIndex = -1;
  cell.tabIndex = 0;
}

function cellAt(table, r, c) {
  if (c < 0) return table._spec.labelsEditable ? table.querySelector(`tbody th[data-row="${r}"]`) : null;
  return table.querySelector(`td[data-row="${r}"][data-col="${c}"]`);
}

function move(table, cell, dr, dc) {
  const spec = table._spec;
  let r = Number(cell.dataset.row);
  let c = cell.matches('td') ? Number(cell.dataset.col) : -1;
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
  const cells = [...table.querySelectorAll(table._spec.labelsEditable ? 'tbody th, td' : 'td')];
  return cells[cells.indexOf(cell) + (backwards ? -1 : 1)] ?? null;
}

function onClick(table, e) {
  const cell = e.target.closest('td');
  if (!cell || e.target.matches('input')) return;
  const spec = table._spec;
  if (spec.onToggle) spec.onToggle(Number(cell.dataset.row), Number(cell.dataset.col));
}

function onKey(table, e) {
  if (e.target.matches('input')) return; // the editor handles its own keys
  const cell = e.target.closest('td, th[scope=row]');
  if (!cell) return;
  const spec = table._spec;
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (moves[e.key]) {
    e.preventDefault();
    move(table, cell, ...moves[e.key]);
  } else if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    const r = Number(cell.dataset.row);
    const target = cellAt(table, r, e.key === 'Home' ? 0 : spec.cols - 1);
    setRoving(table, target);
    target.focus();
  } else if ((e.key === ' ' || e.key === 'Enter') && spec.onToggle && cell.matches('td')) {
    e.preventDefault();
    spec.onToggle(Number(cell.dataset.row), Number(cell.dataset.col));
  } else if ((e.key === 'Enter' || e.key === 'F2') && canEdit(spec, cell)) {
    e.preventDefault();
    startEdit(table, cell, null);
  } else if (canEdit(spec, cell) && !e.ctrlKey && !e.metaKey && !e.altKey && e.key.length === 1
             && (cell.matches('th') || EDIT_START.test(e.key))) {
    e.preventDefault();
    startEdit(table, cell, e.key);
  }
}

function startEdit(table, cell, typed) {
  if (cell.querySelector('input')) return;
  const isLabel = cell.matches('th');
  const current = isLabel ? cell.textContent : cell.dataset.value;
  const input = h('input', {
    type: 'text',
    inputmode: isLabel ? 'text' : 'decimal',
    className: 'cell-editor',
    'aria-label': isLabel ? cell.textContent : table._spec.cellLabel(Number(cell.dataset.row), Number(cell.dataset.col)),
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
    const spec = table._spec;
    if (commit) {
      const r = Number(cell.dataset.row);
      const error = isLabel ? spec.onLabel?.(r, input.value) : spec.onCommit?.(r, Number(cell.dataset.col), input.value);
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
    update(table, table._spec);
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
      const r = Number(cell.dataset.row) + (e.key === 'ArrowUp' ? -1 : 1);
      const target = cellAt(table, Math.min(table._spec.rows - 1, Math.max(0, r)), cell.matches('td') ? Number(cell.dataset.col) : -1);
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
