// What each cell means: its arithmetic with the real numbers (explainCell) and which
// cells it was computed from or feeds into, transitively (related). Pure functions of the
// trace and the config over the step table of steps.js; shared by the page and the widget.
import { num } from './format.js';
import { STEP, sizesOfTrace, tableKey, tablesOf } from './steps.js';

export { sizesOfTrace, tableKey };

/**
 * The arithmetic behind one cell, as lines of plain text (never HTML).
 * cell = { step, head, row, col }; S = the language's strings.
 */
export function explainCell(trace, config, cell, decimals, S) {
  const step = STEP[cell.step];
  if (!step) return [];
  const ctx = { trace, config, S, head: cell.head ?? 0, d: decimals, f: (v) => num(v, decimals) };
  return step.explain(ctx, cell.row, cell.col);
}

// Each table keeps one flag per cell (Uint8Array) and a worklist of plain integers, so a
// full closure over thousands of cells takes about a millisecond.
function closure(z, cell, direction, only) {
  const tables = only === null ? tablesOf(z) : tablesOf(z).filter((t) => t.head === null || t.head === only);
  const byKey = new Map(tables.map((t, i) => [t.key, i]));
  const flags = tables.map((t) => new Uint8Array(t.rows * t.cols));
  const queue = [];
  const mark = (step, head, r0, r1, c0, c1) => {
    const t = byKey.get(tableKey(step, head));
    if (t === undefined) return;
    const { cols } = tables[t];
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        if (!flags[t][r * cols + c]) {
          flags[t][r * cols + c] = 1;
          queue.push(t, r, c);
        }
      }
    }
  };
  const edges = (step, head, r, c) => STEP[step][direction](z, head, r, c, mark);
  edges(cell.step, cell.head, cell.row, cell.col);
  while (queue.length) {
    const c = queue.pop();
    const r = queue.pop();
    const t = queue.pop();
    edges(tables[t].step, tables[t].head, r, c);
  }
  return new Map(tables.map((t, i) => [t.key, flags[i]]));
}

/**
 * For one cell, { sources, dependents }: each a Map from tableKey(step, head) to one flag
 * per cell (row-major), 1 where that cell is in the set. With `head` (a view that shows
 * one head), the other heads' tables are left out of the walk: the heads run side by side
 * on the same inputs, so the shown head's path reaches the same cells of the shared tables,
 * and eight heads of 128 × 128 cost eight times less.
 */
export function related(trace, config, cell, { head = null } = {}) {
  const z = sizesOfTrace(trace, config);
  const only = head === null || cell.head === null || cell.head === undefined ? head : cell.head;
  // The walk depends on the sizes and the cell only, not on the numbers: an edit keeps the
  // selected cell's answer, so the last one is kept (the result is read, never changed).
  const key = JSON.stringify([z, cell.step, cell.head ?? null, cell.row, cell.col, only]);
  if (last?.key !== key) {
    last = { key, value: { sources: closure(z, cell, 'sources', only), dependents: closure(z, cell, 'dependents', only) } };
  }
  return last.value;
}
let last = null;
