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

export const cellKey = (step, head, row, col) => `${step}|${head ?? '-'}|${row}|${col}`;

const range = (n) => Array.from({ length: n }, (_, i) => i);

// The cells that `cell` is computed from directly.
function sourcesOf(z, { step, head, row: r, col: c }) {
  const out = [];
  const push = (s, hd, rows, cols) => rows.forEach((i) => cols.forEach((j) => out.push([s, hd, i, j])));
  const pair = (col) => (z.rope ? [col, col ^ 1] : [col]);
  const headCols = (hd, width) => range(width).map((j) => hd * width + j);
  switch (step) {
    case 'q': push('x', null, [r], range(z.dModel)); push('wq', null, range(z.dModel), pair(c)); break;
    case 'k': push(z.self ? 'x' : 'context', null, [r], range(z.dModel)); push('wk', null, range(z.dModel), pair(c)); break;
    case 'v': push(z.self ? 'x' : 'context', null, [r], range(z.dModel)); push('wv', null, range(z.dModel), [c]); break;
    case 'scores': push('q', null, [r], headCols(head, z.dk)); push('k', null, [c], headCols(head, z.dk)); break;
    case 'scaled': push('scores', head, [r], [c]); break;
    case 'masked': push('scaled', head, [r], [c]); break;
    case 'weights': push('masked', head, [r], range(z.m)); break;
    case 'output': push('weights', head, [r], range(z.m)); push('v', null, range(z.m), [head * z.dv + c]); break;
    case 'concat': push('output', Math.floor(c / z.dv), [r], [c % z.dv]); break;
    case 'final':
      if (z.hasWo) { push('concat', null, [r], range(z.heads * z.dv)); push('wo', null, range(z.heads * z.dv), [c]); }
      else push('concat', null, [r], [c]);
      break;
    default: break;
  }
  return out;
}

// The cells computed directly from `cell`.
function dependentsOf(z, { step, head, row: r, col: c }) {
  const out = [];
  const push = (s, hd, rows, cols) => rows.forEach((i) => cols.forEach((j) => out.push([s, hd, i, j])));
  const all = (width) => range(width);
  const pair = (col) => (z.rope ? [col, col ^ 1] : [col]);
  switch (step) {
    case 'x':
      push('q', null, [r], all(z.heads * z.dk));
      if (z.self) { push('k', null, [r], all(z.heads * z.dk)); push('v', null, [r], all(z.heads * z.dv)); }
      break;
    case 'context': push('k', null, [r], all(z.heads * z.dk)); push('v', null, [r], all(z.heads * z.dv)); break;
    case 'wq': push('q', null, all(z.n), pair(c)); break;
    case 'wk': push('k', null, all(z.m), pair(c)); break;
    case 'wv': push('v', null, all(z.m), [c]); break;
    case 'q': push('scores', Math.floor(c / z.dk), [r], all(z.m)); break;
    case 'k': push('scores', Math.floor(c / z.dk), all(z.n), [r]); break;
    case 'v': push('output', Math.floor(c / z.dv), all(z.n), [c % z.dv]); break;
    case 'scores': push('scaled', head, [r], [c]); break;
    case 'scaled': push('masked', head, [r], [c]); break;
    case 'masked': push('weights', head, [r], all(z.m)); break;
    case 'weights': push('output', head, [r], all(z.dv)); break;
    case 'output': push('concat', null, [r], [head * z.dv + c]); break;
    case 'concat': push('final', null, [r], z.hasWo ? all(z.dOut) : [c]); break;
    case 'wo': push('final', null, all(z.n), [c]); break;
    default: break;
  }
  return out;
}

function closure(z, start, next) {
  const seen = new Set();
  const queue = [start];
  while (queue.length) {
    const cell = queue.pop();
    for (const [step, head, row, col] of next(z, cell)) {
      const key = cellKey(step, head, row, col);
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push({ step, head, row, col });
    }
  }
  return seen;
}

/** Keys of every cell `cell` was computed from, and of every cell computed from it. */
export function related(trace, config, cell) {
  const z = sizesOfTrace(trace, config);
  return { sources: closure(z, cell, sourcesOf), dependents: closure(z, cell, dependentsOf) };
}
