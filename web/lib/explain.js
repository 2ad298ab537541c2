// What each cell means: its arithmetic with the real numbers (explainCell) and which
// cells it was computed from or feeds into (related). Pure functions of the trace and
// the config, shared by the page and the widget.
import { fmt, sub, times, sumOf } from './format.js';

const at = (m, r, c) => m.data[r * m.cols + c];

export function sizesOfTrace(trace, config) {
  return {
    n: trace.x.rows,
    m: trace.k.rows,
    dModel: trace.x.cols,
    heads: trace.heads.length,
    dk: trace.dk,
    dv: trace.dv,
    dOut: trace.final.cols,
    self: !config.context,
    rope: config.positional === 'rope',
    hasWo: Array.isArray(config.wo),
  };
}

// ---------- arithmetic ----------

function matmulTerms(row, matrix, col, decimals) {
  return row.map((v, p) => times(v, matrix[p][col], decimals));
}

const rowOf = (m, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols));

/**
 * The arithmetic behind one cell, as lines of plain text (never HTML).
 * cell = { step, head, row, col }; S = the language's strings.
 */
export function explainCell(trace, config, cell, decimals, S) {
  const { step, head, row: r, col: c } = cell;
  const d = decimals;
  const f = (v) => fmt(v, d);
  const more = S.explain.more;
  const h = head == null ? null : trace.heads[head];
  const lines = [];
  switch (step) {
    case 'x': case 'context': case 'wq': case 'wk': case 'wv': case 'wo': {
      const source = step === 'x' ? config.x : config[step];
      lines.push(S.explain.input(step === 'x' ? 'X' : step === 'context' ? 'C' : step.toUpperCase().replace('W', 'W_'), r, c, f(source[r][c])));
      break;
    }
    case 'pe': {
      const i = c - (c % 2);
      const angle = `${r} / 10000^(${i}/${trace.x.cols})`;
      lines.push(`PE[${r}][${c}] = ${c % 2 === 0 ? 'sin' : 'cos'}(${angle}) = ${f(at(trace.pe, r, c))}`);
      break;
    }
    case 'xsum': {
      const x = config.x[r][c];
      const pe = at(trace.pe, r, c);
      lines.push(`X[${r + 1}][${c + 1}] + PE[${r}][${c}] = ${f(x)} + ${f(pe)} = ${f(at(trace.x, r, c))}`);
      break;
    }
    case 'q': case 'k': case 'v': {
      const src = step === 'q' || !config.context ? trace.x : trace.context;
      const w = config[`w${step}`];
      const input = rowOf(src, r);
      const plain = input.reduce((s, v, p) => s + v * w[p][c], 0);
      const name = `${step}${sub(r + 1)},${sub(c + 1)}`;
      lines.push(`${name} = ${sumOf(matmulTerms(input, w, c, d), more)} = ${f(plain)}`);
      if (config.positional === 'rope' && step !== 'v') {
        const pairCol = c ^ 1;
        const partner = input.reduce((s, v, p) => s + v * w[p][pairCol], 0);
        const i = (c % trace.dk) >> 1;
        const theta = r * 10000 ** (-2 * i / trace.dk);
        const rotated = c % 2 === 0
          ? `${f(plain)}·cos(${f(theta)}) − ${f(partner)}·sin(${f(theta)})`
          : `${f(partner)}·sin(${f(theta)}) + ${f(plain)}·cos(${f(theta)})`;
        lines.push(`RoPE: ${rotated} = ${f(at(trace[step], r, c))}`);
      }
      break;
    }
    case 'scores': {
      const q = rowOf(h.q, r);
      const k = rowOf(h.k, c);
      if (config.score === 'additive') {
        const va = config.va ?? q.map(() => 1);
        const terms = q.map((qv, p) => `${fmt(va[p], d)}·tanh(${f(qv)} + ${f(k[p])})`);
        lines.push(`Σ vₐ·tanh(q${sub(r + 1)} + k${sub(c + 1)}) = ${sumOf(terms, more)} = ${f(at(h.scores, r, c))}`);
      } else {
        const terms = q.map((qv, p) => times(qv, k[p], d));
        lines.push(`q${sub(r + 1)}·k${sub(c + 1)} = ${sumOf(terms, more)} = ${f(at(h.scores, r, c))}`);
      }
      break;
    }
    case 'scaled': {
      const s = at(h.scores, r, c);
      const out = f(at(h.scaled, r, c));
      if (config.scale === undefined || config.scale === 'sqrt_dk') lines.push(`${f(s)} ÷ √${trace.dk} = ${out}`);
      else if (config.scale === 'none') lines.push(`${f(s)} (×1) = ${out}`);
      else lines.push(`${f(s)} × ${f(trace.scale)} = ${out}`);
      break;
    }
    case 'masked': {
      const v = at(h.masked, r, c);
      lines.push(v === -Infinity ? S.explain.blocked : `${f(v)}: ${S.explain.kept}`);
      break;
    }
    case 'weights': {
      const v = at(h.masked, r, c);
      const max = h.rowMax[r];
      const sum = h.rowSum[r];
      if (sum === 0) lines.push(S.explain.allBlocked);
      else if (v === -Infinity) lines.push(`exp(−∞) ÷ Σ = 0`);
      else lines.push(`exp(${f(v)} − ${f(max)}) ÷ Σ = ${f(Math.exp(v - max))} ÷ ${f(sum)} = ${f(at(h.weights, r, c))}`);
      if (sum !== 0) lines.push(S.explain.rowStats(f(max), f(sum)));
      break;
    }
    case 'output': {
      const a = rowOf(h.weights, r);
      const terms = a.map((w, k) => times(w, at(h.v, k, c), d));
      lines.push(`${sumOf(terms, more)} = ${f(at(h.output, r, c))}`);
      lines.push(S.explain.output);
      break;
    }
    case 'concat': {
      const hd = Math.floor(c / trace.dv);
      lines.push(`${S.explain.concat(hd, c % trace.dv)} = ${f(at(trace.concat, r, c))}`);
      break;
    }
    case 'final': {
      if (!config.wo) {
        lines.push(`= concat[${r + 1}][${c + 1}] = ${f(at(trace.final, r, c))}`);
      } else {
        const terms = rowOf(trace.concat, r).map((v, p) => times(v, config.wo[p][c], d));
        lines.push(`${sumOf(terms, more)} = ${f(at(trace.final, r, c))}`);
        lines.push(S.explain.final);
      }
      break;
    }
    default:
      break;
  }
  return lines;
}

// ---------- dependencies ----------
// Which cells a cell was computed from, and which are computed from it, transitively.
// Each table keeps one flag per cell (Uint8Array) and a worklist of plain integers, so a
// full closure over thousands of cells takes about a millisecond.

export const tableKey = (step, head) => `${step}|${head ?? '-'}`;

function tablesOf(z) {
  const list = [];
  const add = (step, head, rows, cols) => list.push({ step, head, rows, cols, key: tableKey(step, head) });
  add('x', null, z.n, z.dModel);
  if (!z.self) add('context', null, z.m, z.dModel);
  add('wq', null, z.dModel, z.heads * z.dk);
  add('wk', null, z.dModel, z.heads * z.dk);
  add('wv', null, z.dModel, z.heads * z.dv);
  add('q', null, z.n, z.heads * z.dk);
  add('k', null, z.m, z.heads * z.dk);
  add('v', null, z.m, z.heads * z.dv);
  for (let h = 0; h < z.heads; h++) {
    for (const step of ['scores', 'scaled', 'masked', 'weights']) add(step, h, z.n, z.m);
    add('output', h, z.n, z.dv);
  }
  add('concat', null, z.n, z.heads * z.dv);
  if (z.hasWo) add('wo', null, z.heads * z.dv, z.dOut);
  add('final', null, z.n, z.dOut);
  return list;
}

// Calls mark(step, head, r0, r1, c0, c1) for every rectangle `step[head]` (r, c) depends on
// directly (direction "sources") or that depends on it directly ("dependents").
function edges(z, direction, step, head, r, c, mark) {
  const src = z.self ? 'x' : 'context';
  const pair = (name, h2, r0, r1, col) => {
    mark(name, h2, r0, r1, col, col + 1);
    if (z.rope && (name === 'q' || name === 'k' || name === 'wq' || name === 'wk')) mark(name, h2, r0, r1, col ^ 1, (col ^ 1) + 1);
  };
  if (direction === 'sources') {
    switch (step) {
      case 'q': mark('x', null, r, r + 1, 0, z.dModel); pair('wq', null, 0, z.dModel, c); break;
      case 'k': mark(src, null, r, r + 1, 0, z.dModel); pair('wk', null, 0, z.dModel, c); break;
      case 'v': mark(src, null, r, r + 1, 0, z.dModel); mark('wv', null, 0, z.dModel, c, c + 1); break;
      case 'scores':
        mark('q', null, r, r + 1, head * z.dk, (head + 1) * z.dk);
        mark('k', null, c, c + 1, head * z.dk, (head + 1) * z.dk);
        break;
      case 'scaled': mark('scores', head, r, r + 1, c, c + 1); break;
      case 'masked': mark('scaled', head, r, r + 1, c, c + 1); break;
      case 'weights': mark('masked', head, r, r + 1, 0, z.m); break;
      case 'output': mark('weights', head, r, r + 1, 0, z.m); mark('v', null, 0, z.m, head * z.dv + c, head * z.dv + c + 1); break;
      case 'concat': { const hd = Math.floor(c / z.dv); mark('output', hd, r, r + 1, c % z.dv, (c % z.dv) + 1); break; }
      case 'final':
        if (z.hasWo) { mark('concat', null, r, r + 1, 0, z.heads * z.dv); mark('wo', null, 0, z.heads * z.dv, c, c + 1); }
        else mark('concat', null, r, r + 1, c, c + 1);
        break;
      default: break;
    }
    return;
  }
  switch (step) {
    case 'x':
      mark('q', null, r, r + 1, 0, z.heads * z.dk);
      if (z.self) { mark('k', null, r, r + 1, 0, z.heads * z.dk); mark('v', null, r, r + 1, 0, z.heads * z.dv); }
      break;
    case 'context': mark('k', null, r, r + 1, 0, z.heads * z.dk); mark('v', null, r, r + 1, 0, z.heads * z.dv); break;
    case 'wq': pair('q', null, 0, z.n, c); break;
    case 'wk': pair('k', null, 0, z.m, c); break;
    case 'wv': mark('v', null, 0, z.m, c, c + 1); break;
    case 'q': mark('scores', Math.floor(c / z.dk), r, r + 1, 0, z.m); break;
    case 'k': mark('scores', Math.floor(c / z.dk), 0, z.n, r, r + 1); break;
    case 'v': { const hd = Math.floor(c / z.dv); mark('output', hd, 0, z.n, c % z.dv, (c % z.dv) + 1); break; }
    case 'scores': mark('scaled', head, r, r + 1, c, c + 1); break;
    case 'scaled': mark('masked', head, r, r + 1, c, c + 1); break;
    case 'masked': mark('weights', head, r, r + 1, 0, z.m); break;
    case 'weights': mark('output', head, r, r + 1, 0, z.dv); break;
    case 'output': mark('concat', null, r, r + 1, head * z.dv + c, head * z.dv + c + 1); break;
    case 'concat': if (z.hasWo) mark('final', null, r, r + 1, 0, z.dOut); else mark('final', null, r, r + 1, c, c + 1); break;
    case 'wo': mark('final', null, 0, z.n, c, c + 1); break;
    default: break;
  }
}

function closure(z, cell, direction) {
  const tables = tablesOf(z);
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
  edges(z, direction, cell.step, cell.head, cell.row, cell.col, mark);
  while (queue.length) {
    const c = queue.pop();
    const r = queue.pop();
    const t = queue.pop();
    edges(z, direction, tables[t].step, tables[t].head, r, c, mark);
  }
  return new Map(tables.map((t, i) => [t.key, flags[i]]));
}

/**
 * For one cell, { sources, dependents }: each a Map from tableKey(step, head) to one flag
 * per cell (row-major), 1 where that cell is in the set.
 */
export function related(trace, config, cell) {
  const z = sizesOfTrace(trace, config);
  return { sources: closure(z, cell, 'sources'), dependents: closure(z, cell, 'dependents') };
}
