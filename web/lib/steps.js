// Every step the page shows, defined once: the config's inputs (X, C, W_Q, W_K, W_V, W_O)
// and the engine's trace steps (their ids are the core's, STEP_IDS). Per id: its symbol,
// its i18n key (strings(lang).steps[key]), whether there is one per head, its shape, how
// to read it, whether it is present for a config, which cells a cell depends on and feeds
// (one level: explain.js closes them transitively), and how a cell's arithmetic reads.
// sections.js, explain.js, share-link keys, the widget's steps= filter and the tests
// iterate over STEPS. Adding a step: one row in kSteps (C++), one entry here, its strings.
import { num, sub, times, sumOf } from './format.js';

const at = (m, r, c) => m.data[r * m.cols + c];
const rowOf = (m, r) => Array.from(m.data.slice(r * m.cols, (r + 1) * m.cols));
// An input as typed (doubles, not rounded to float32): the page shows what the reader wrote.
const matrixOf = (rows) => ({ rows: rows.length, cols: rows[0].length, data: rows.flat() });

/**
 * The sizes of a config and its trace, and its options, as the step entries use them.
 * z = { n, m, dModel, heads, dk, dv, dOut, self, rope, sinusoidal, hasWo, additive, scale }
 */
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
    sinusoidal: config.positional === 'sinusoidal',
    hasWo: Array.isArray(config.wo),
    additive: config.score === 'additive',
  };
}

// Edges are written once, as "sources" (what a cell is computed from); mark(step, head,
// r0, r1, c0, c1) marks a rectangle. Dependents are the same edges read backwards.
const pairCols = (z, name, col) => (z.rope && ['q', 'k', 'wq', 'wk'].includes(name) ? [col, col ^ 1] : [col]);

const input = (id, symbol, field, shape, when) => ({
  id, symbol, field, input: true, perHead: false, titleKey: id, shape, when,
  read: (trace, config) => matrixOf(config[field]),
  sources: () => {},
  explain: (ctx, r, c) => [ctx.S.explain.input(symbol, r, c, ctx.f(ctx.config[field][r][c]))],
});

const projection = (id, symbol, weight, rowsKey, width) => ({
  id, symbol, perHead: false, titleKey: id,
  shape: (z) => [z[rowsKey], z.heads * z[width]],
  read: (trace) => trace[id],
  sources: (z, head, r, c, mark) => {
    // The context's encoding is not shown as a table: a key or value row depends on C's row.
    const from = id === 'q' || z.self ? (z.sinusoidal ? 'encoded' : 'x') : 'context';
    mark(from, null, r, r + 1, 0, z.dModel);
    for (const col of pairCols(z, weight, c)) mark(weight, null, 0, z.dModel, col, col + 1);
  },
  explain: ({ trace, config, S, f, d }, r, c) => {
    const src = id === 'q' || !config.context ? queriesIn(trace) : keysIn(trace);
    const w = config[weight];
    const row = rowOf(src, r);
    const plain = row.reduce((s, v, p) => s + v * w[p][c], 0);
    const lines = [`${id}${sub(r + 1)},${sub(c + 1)} = ${sumOf(row.map((v, p) => times(v, w[p][c], d)), S.explain.more)} = ${f(plain)}`];
    if (config.positional === 'rope' && id !== 'v') {
      const partner = row.reduce((s, v, p) => s + v * w[p][c ^ 1], 0);
      const i = (c % trace.dk) >> 1;
      const theta = r * 10000 ** (-2 * i / trace.dk);
      const rotated = c % 2 === 0
        ? `${f(plain)}·cos(${f(theta)}) − ${f(partner)}·sin(${f(theta)})`
        : `${f(partner)}·sin(${f(theta)}) + ${f(plain)}·cos(${f(theta)})`;
      lines.push(`RoPE: ${rotated} = ${f(at(trace[id], r, c))}`, S.explain.rope(r, 2 * i, trace.dk, f(theta)));
    }
    return lines;
  },
});

const queriesIn = (trace) => trace.encoded ?? trace.x;
// v_a as the engine uses it: the config's, or ones (its default).
const vaOf = (config, dk) => config.va ?? Array.from({ length: dk }, () => 1);
const keysIn = (trace) => (trace.context ? trace.contextEncoded ?? trace.context : queriesIn(trace));

const perHead = (id, symbol, shape, sources, explain) => ({
  id, symbol, perHead: true, titleKey: id, shape, read: (trace, config, head) => trace.heads[head][id], sources, explain,
});

const nm = (z) => [z.n, z.m];

export const STEPS = [
  input('x', 'X', 'x', (z) => [z.n, z.dModel], () => true),
  input('context', 'C', 'context', (z) => [z.m, z.dModel], (z) => !z.self),
  {
    id: 'pe', symbol: 'PE', perHead: false, titleKey: 'pe',
    shape: (z) => [z.n, z.dModel], when: (z) => z.sinusoidal, read: (trace) => trace.pe,
    sources: () => {},
    // Rows and columns are counted from 1, as everywhere on the page; the formula's pos and
    // 2i count from 0, and the second line says which is which.
    explain: ({ trace, f, S }, r, c) => {
      const i = c - (c % 2);
      const fn = c % 2 === 0 ? 'sin' : 'cos';
      return [
        `PE[${r + 1}][${c + 1}] = ${fn}(pos / 10000^(2i/d_model)) = ${fn}(${r} / 10000^(${i}/${trace.x.cols})) = ${f(at(trace.pe, r, c))}`,
        S.explain.pe(r, i),
      ];
    },
  },
  {
    id: 'encoded', symbol: 'X + PE', perHead: false, titleKey: 'encoded',
    shape: (z) => [z.n, z.dModel], when: (z) => z.sinusoidal, read: (trace) => trace.encoded,
    sources: (z, head, r, c, mark) => {
      mark('x', null, r, r + 1, c, c + 1);
      mark('pe', null, r, r + 1, c, c + 1);
    },
    explain: ({ trace, f }, r, c) => [
      `X[${r + 1}][${c + 1}] + PE[${r + 1}][${c + 1}] = ${f(at(trace.x, r, c))} + ${f(at(trace.pe, r, c))} = ${f(at(trace.encoded, r, c))}`,
    ],
  },
  input('wq', 'W_Q', 'wq', (z) => [z.dModel, z.heads * z.dk], () => true),
  input('wk', 'W_K', 'wk', (z) => [z.dModel, z.heads * z.dk], () => true),
  input('wv', 'W_V', 'wv', (z) => [z.dModel, z.heads * z.dv], () => true),
  projection('q', 'Q', 'wq', 'n', 'dk'),
  projection('k', 'K', 'wk', 'm', 'dk'),
  projection('v', 'V', 'wv', 'm', 'dv'),
  // Additive scoring's weights, one per dimension of a head, shared by every head: a flat
  // list in the config, shown as a 1 × d_k table (vector: the playground writes va[c]).
  {
    id: 'va', symbol: 'v_a', field: 'va', input: true, vector: true, perHead: false, titleKey: 'va',
    shape: (z) => [1, z.dk], when: (z) => z.additive,
    read: (trace, config) => ({ rows: 1, cols: trace.dk, data: vaOf(config, trace.dk) }),
    sources: () => {},
    explain: ({ trace, config, S, f }, r, c) => [S.explain.va(c, f(vaOf(config, trace.dk)[c]))],
  },
  perHead('scores', 'S', nm, (z, head, r, c, mark) => {
    mark('q', null, r, r + 1, head * z.dk, (head + 1) * z.dk);
    mark('k', null, c, c + 1, head * z.dk, (head + 1) * z.dk);
    if (z.additive) mark('va', null, 0, 1, 0, z.dk);
  }, ({ trace, config, head, f, d, S }, r, c) => {
    const h = trace.heads[head];
    const q = rowOf(h.q, r);
    const k = rowOf(h.k, c);
    if (config.score === 'additive') {
      const va = vaOf(config, trace.dk);
      const terms = q.map((qv, p) => `${num(va[p], d)}·tanh(${f(qv)} + ${f(k[p])})`);
      return [`Σ vₐ·tanh(q${sub(r + 1)} + k${sub(c + 1)}) = ${sumOf(terms, S.explain.more)} = ${f(at(h.scores, r, c))}`];
    }
    return [`q${sub(r + 1)}·k${sub(c + 1)} = ${sumOf(q.map((qv, p) => times(qv, k[p], d)), S.explain.more)} = ${f(at(h.scores, r, c))}`];
  }),
  perHead('scaled', 'Ŝ', nm, (z, head, r, c, mark) => mark('scores', head, r, r + 1, c, c + 1), ({ trace, config, head, f }, r, c) => {
    const h = trace.heads[head];
    const s = at(h.scores, r, c);
    const out = f(at(h.scaled, r, c));
    if (config.scale === undefined || config.scale === 'sqrt_dk') return [`${f(s)} ÷ √${trace.dk} = ${out}`];
    if (config.scale === 'none') return [`${f(s)} (×1) = ${out}`];
    return [`${f(s)} × ${f(trace.scale)} = ${out}`];
  }),
  perHead('masked', 'Ŝ′', nm, (z, head, r, c, mark) => mark('scaled', head, r, r + 1, c, c + 1), ({ trace, head, f, S }, r, c) => {
    const v = at(trace.heads[head].masked, r, c);
    return [v === -Infinity ? S.explain.blocked : `${f(v)}: ${S.explain.kept}`];
  }),
  perHead('weights', 'A', nm, (z, head, r, c, mark) => mark('masked', head, r, r + 1, 0, z.m), ({ trace, head, f, S }, r, c) => {
    const h = trace.heads[head];
    const v = at(h.masked, r, c);
    const max = h.rowMax[r];
    const sum = h.rowSum[r];
    if (sum === 0) return [S.explain.allBlocked];
    const first = v === -Infinity ? 'exp(−∞) ÷ Σ = 0' : `exp(${f(v)} − ${f(max)}) ÷ Σ = ${f(Math.exp(v - max))} ÷ ${f(sum)} = ${f(at(h.weights, r, c))}`;
    return [first, S.explain.rowStats(f(max), f(sum))];
  }),
  perHead('output', 'O', (z) => [z.n, z.dv], (z, head, r, c, mark) => {
    mark('weights', head, r, r + 1, 0, z.m);
    mark('v', null, 0, z.m, head * z.dv + c, head * z.dv + c + 1);
  }, ({ trace, head, f, d, S }, r, c) => {
    const h = trace.heads[head];
    const terms = rowOf(h.weights, r).map((w, k) => times(w, at(h.v, k, c), d));
    return [`${sumOf(terms, S.explain.more)} = ${f(at(h.output, r, c))}`, S.explain.output];
  }),
  {
    id: 'concat', symbol: 'Concat', perHead: false, titleKey: 'concat',
    shape: (z) => [z.n, z.heads * z.dv], when: (z) => z.heads > 1 || z.hasWo, read: (trace) => trace.concat,
    sources: (z, head, r, c, mark) => {
      const hd = Math.floor(c / z.dv);
      mark('output', hd, r, r + 1, c % z.dv, (c % z.dv) + 1);
    },
    explain: ({ trace, f, S }, r, c) => [`${S.explain.concat(Math.floor(c / trace.dv), c % trace.dv)} = ${f(at(trace.concat, r, c))}`],
  },
  input('wo', 'W_O', 'wo', (z) => [z.heads * z.dv, z.dOut], (z) => z.hasWo),
  {
    id: 'final', symbol: 'Y', perHead: false, titleKey: 'final',
    shape: (z) => [z.n, z.dOut], when: () => true, read: (trace) => trace.final,
    sources: (z, head, r, c, mark) => {
      if (z.hasWo) {
        mark('concat', null, r, r + 1, 0, z.heads * z.dv);
        mark('wo', null, 0, z.heads * z.dv, c, c + 1);
      } else if (z.heads > 1) {
        mark('concat', null, r, r + 1, c, c + 1);
      } else {
        mark('output', 0, r, r + 1, c, c + 1);
      }
    },
    explain: ({ trace, config, f, d, S }, r, c) => {
      if (!config.wo) return [`= concat[${r + 1}][${c + 1}] = ${f(at(trace.final, r, c))}`];
      const terms = rowOf(trace.concat, r).map((v, p) => times(v, config.wo[p][c], d));
      return [`${sumOf(terms, S.explain.more)} = ${f(at(trace.final, r, c))}`, S.explain.final];
    },
  },
];

// The same edges read forwards: which cells are computed directly from a cell.
const DEPENDENTS = {
  x: (z, head, r, c, mark) => {
    if (z.sinusoidal) return mark('encoded', null, r, r + 1, c, c + 1);
    return DEPENDENTS.encoded(z, head, r, c, mark);
  },
  pe: (z, head, r, c, mark) => mark('encoded', null, r, r + 1, c, c + 1),
  encoded: (z, head, r, c, mark) => {
    mark('q', null, r, r + 1, 0, z.heads * z.dk);
    if (z.self) {
      mark('k', null, r, r + 1, 0, z.heads * z.dk);
      mark('v', null, r, r + 1, 0, z.heads * z.dv);
    }
  },
  context: (z, head, r, c, mark) => {
    mark('k', null, r, r + 1, 0, z.heads * z.dk);
    mark('v', null, r, r + 1, 0, z.heads * z.dv);
  },
  wq: (z, head, r, c, mark) => pairCols(z, 'q', c).forEach((col) => mark('q', null, 0, z.n, col, col + 1)),
  wk: (z, head, r, c, mark) => pairCols(z, 'k', c).forEach((col) => mark('k', null, 0, z.m, col, col + 1)),
  wv: (z, head, r, c, mark) => mark('v', null, 0, z.m, c, c + 1),
  va: (z, head, r, c, mark) => {
    for (let hd = 0; hd < z.heads; hd++) mark('scores', hd, 0, z.n, 0, z.m);
  },
  q: (z, head, r, c, mark) => mark('scores', Math.floor(c / z.dk), r, r + 1, 0, z.m),
  k: (z, head, r, c, mark) => mark('scores', Math.floor(c / z.dk), 0, z.n, r, r + 1),
  v: (z, head, r, c, mark) => mark('output', Math.floor(c / z.dv), 0, z.n, c % z.dv, (c % z.dv) + 1),
  scores: (z, head, r, c, mark) => mark('scaled', head, r, r + 1, c, c + 1),
  scaled: (z, head, r, c, mark) => mark('masked', head, r, r + 1, c, c + 1),
  masked: (z, head, r, c, mark) => mark('weights', head, r, r + 1, 0, z.m),
  weights: (z, head, r, c, mark) => mark('output', head, r, r + 1, 0, z.dv),
  output: (z, head, r, c, mark) => {
    if (z.heads > 1 || z.hasWo) mark('concat', null, r, r + 1, head * z.dv + c, head * z.dv + c + 1);
    else mark('final', null, r, r + 1, c, c + 1);
  },
  concat: (z, head, r, c, mark) => {
    if (z.hasWo) mark('final', null, r, r + 1, 0, z.dOut);
    else mark('final', null, r, r + 1, c, c + 1);
  },
  wo: (z, head, r, c, mark) => mark('final', null, 0, z.n, c, c + 1),
  final: () => {},
};

for (const step of STEPS) {
  step.when ??= () => true;
  step.dependents = DEPENDENTS[step.id];
}

export const STEP = Object.fromEntries(STEPS.map((s) => [s.id, s]));
/** Every id a table can carry (data-step), in the order of the computation. */
export const TABLE_IDS = STEPS.map((s) => s.id);
/** The ids whose tables are the config's editable inputs. */
export const INPUT_IDS = STEPS.filter((s) => s.input).map((s) => s.id);

/** A table of a step, for one head of a per-head step: "weights|0", "q|-". */
export const tableKey = (step, head) => `${step}|${head ?? '-'}`;

/** Every table a config and its trace have: [{ step, head, rows, cols, key }] in order. */
export function tablesOf(z) {
  const list = [];
  for (const step of STEPS) {
    if (!step.when(z)) continue;
    const [rows, cols] = step.shape(z);
    const heads = step.perHead ? Array.from({ length: z.heads }, (_, h) => h) : [null];
    for (const head of heads) list.push({ step: step.id, head, rows, cols, key: tableKey(step.id, head) });
  }
  return list;
}

/** The matrix { rows, cols, data } of a table: read(trace, config, head). */
export function readStep(id, trace, config, head = null) {
  return STEP[id].read(trace, config, head ?? 0);
}
