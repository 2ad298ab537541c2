// "Write it out": the current configuration as an article section in Markdown with LaTeX
// (KaTeX-compatible), in the reader's language. Every step the trace has, in the order the
// page teaches them (the sections of sections.js, whose steps are the step table's): its
// formula, its matrix as a bmatrix (step.read), and one cell worked out with its real
// numbers the way the source tutorials write it (q₁·k₂ = 1×3 + 2×4 = 11, exp(…) ÷ Σ = …).
// Pure: a string out, no DOM. Tokens and other user text are escaped for Markdown and
// never set inside math.
import { STEP, sizesOfTrace } from './steps.js';
import { buildSections, tokenLabels } from './sections.js';
import { toLatex } from './matrix-text.js';
import { num } from './format.js';
import { explainCell } from './explain.js';
import { strings } from '../i18n/index.js';

const at = (m, r, c) => m.data[r * m.cols + c];
const rowOf = (m, r) => Array.from(m.data.slice(r * m.cols, (r + 1) * m.cols));

// A number in a line of arithmetic, in TeX: trailing zeros dropped (num), −∞ and the
// e-notation num uses below 1e-6 written as TeX.
export function texNum(v, decimals) {
  if (v === -Infinity) return '-\\infty';
  if (v === Infinity) return '\\infty';
  return num(v, decimals).replace(/e([-+]?)(\d+)$/, (_, sign, exp) => ` \\times 10^{${sign === '-' ? '-' : ''}${exp}}`);
}
// A factor of a product: negative numbers in parentheses, as tutorials write 0.5×(−1).
const factor = (v, d) => (v < 0 || Object.is(v, -0) ? `(${texNum(v, d)})` : texNum(v, d));
const times = (a, b, d) => `${factor(a, d)} \\times ${factor(b, d)}`;
// A sum of terms; past `limit` terms the middle is elided (the result is still the full sum).
const LIMIT = 16;
const sumTex = (terms) => (terms.length <= LIMIT ? terms.join(' + ') : `${terms.slice(0, 3).join(' + ')} + \\cdots + ${terms.at(-1)}`);

/** A step's symbol (steps.js writes Unicode: Ŝ, Ŝ′, W_Q) as TeX. */
export function texSymbol(symbol) {
  return symbol
    .replace(/Ŝ/g, '\\hat{S}')
    .replace(/′/g, '\'')
    .replace(/Concat/g, '\\mathrm{Concat}')
    .replace(/PE/g, '\\mathit{PE}');
}

// The TeX name of a matrix, with its head when there are several: A^{(2)}.
function matrixName(id, head, heads) {
  const sym = texSymbol(STEP[id].symbol);
  return head !== null && heads > 1 ? `${sym}^{(${head + 1})}` : sym;
}

/** The TeX name of one cell, rows and columns from 1: Q_{1,2}, A^{(2)}_{1,2}, (W_Q)_{1,2}. */
export function cellName(id, head, heads, r, c) {
  const name = matrixName(id, head, heads);
  const base = /[ +_]/.test(STEP[id].symbol) ? `(${name})` : name;
  return STEP[id].vector ? `${base}_{${c + 1}}` : `${base}_{${r + 1},${c + 1}}`;
}

// Markdown special characters in user text (tokens) are escaped one by one; line breaks
// become spaces. CommonMark lets any ASCII punctuation be escaped with a backslash.
export function mdText(text) {
  return String(text).replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[\\`*_[\]<>$|~&]/g, (ch) => `\\${ch}`);
}

// The worked-out cells of each step: lines of TeX, each an equation chain that starts with
// the cell's name and ends with its value. ctx = { trace, config, z, d, heads }.
const srcRow = (ctx, id, r) => {
  const { trace, config } = ctx;
  const queries = trace.encoded ?? trace.x;
  const keys = trace.context ? trace.contextEncoded ?? trace.context : queries;
  return rowOf(id === 'q' || !config.context ? queries : keys, r);
};
const srcName = (ctx, id, r) => {
  const from = id === 'q' || !ctx.config.context ? (ctx.trace.encoded ? '(X + \\mathit{PE})' : 'X') : 'C';
  return `${from}_{${r + 1},:}`;
};

function projectionLines(ctx, id, r, c) {
  const { trace, config, d, heads } = ctx;
  const weight = { q: 'wq', k: 'wk', v: 'wv' }[id];
  const w = config[weight];
  const row = srcRow(ctx, id, r);
  const plain = (col) => row.reduce((s, v, p) => s + v * w[p][col], 0);
  const wName = texSymbol(STEP[weight].symbol);
  const lhs = cellName(id, null, heads, r, c);
  const sum = sumTex(row.map((v, p) => times(v, w[p][c], d)));
  if (config.positional !== 'rope' || id === 'v') {
    return [`${lhs} = ${srcName(ctx, id, r)} \\cdot (${wName})_{:,${c + 1}} = ${sum} = ${texNum(at(trace[id], r, c), d)}`];
  }
  // RoPE: the projection first, then the pair (2i, 2i+1) of this head rotated by θ.
  const partnerCol = c ^ 1;
  const psum = sumTex(row.map((v, p) => times(v, w[p][partnerCol], d)));
  const i = (c % trace.dk) >> 1;
  const theta = r * 10000 ** (-2 * i / trace.dk);
  const a = plain(c);
  const b = plain(partnerCol);
  const pre = (col) => `(${srcName(ctx, id, r).replace(/_\{.*\}$/, '')}${wName})_{${r + 1},${col + 1}}`;
  const rotated = c % 2 === 0
    ? `${factor(a, d)} \\cdot \\cos(${texNum(theta, d)}) - ${factor(b, d)} \\cdot \\sin(${texNum(theta, d)})`
    : `${factor(b, d)} \\cdot \\sin(${texNum(theta, d)}) + ${factor(a, d)} \\cdot \\cos(${texNum(theta, d)})`;
  return [
    `${pre(c)} = ${sum} = ${texNum(a, d)}`,
    `${pre(partnerCol)} = ${psum} = ${texNum(b, d)}`,
    `\\theta = ${r} \\cdot 10000^{-${2 * i}/${trace.dk}} = ${texNum(theta, d)}`,
    `${lhs} = ${rotated} = ${texNum(at(trace[id], r, c), d)}`,
  ];
}

const vaOf = (config, dk) => config.va ?? Array.from({ length: dk }, () => 1);

const WORK = {
  pe: ({ trace, d, heads }, r, c) => {
    const i = c - (c % 2);
    const fn = c % 2 === 0 ? 'sin' : 'cos';
    return [`${cellName('pe', null, heads, r, c)} = \\${fn}\\left(\\frac{${r}}{10000^{${i}/${trace.x.cols}}}\\right) = ${texNum(at(trace.pe, r, c), d)}`];
  },
  encoded: ({ trace, d, heads }, r, c) => [
    `${cellName('encoded', null, heads, r, c)} = ${texNum(at(trace.x, r, c), d)} + ${factor(at(trace.pe, r, c), d)} = ${texNum(at(trace.encoded, r, c), d)}`,
  ],
  q: (ctx, r, c) => projectionLines(ctx, 'q', r, c),
  k: (ctx, r, c) => projectionLines(ctx, 'k', r, c),
  v: (ctx, r, c) => projectionLines(ctx, 'v', r, c),
  scores: ({ trace, config, d, head, heads }, r, c) => {
    const h = trace.heads[head];
    const q = rowOf(h.q, r);
    const k = rowOf(h.k, c);
    const lhs = cellName('scores', head, heads, r, c);
    const value = texNum(at(h.scores, r, c), d);
    if (config.score === 'additive') {
      const va = vaOf(config, trace.dk);
      const terms = q.map((qv, p) => `${factor(va[p], d)} \\cdot \\tanh(${texNum(qv, d)} + ${factor(k[p], d)})`);
      return [`${lhs} = \\sum_{c} v_{a,c} \\tanh(q_{${r + 1},c} + k_{${c + 1},c}) = ${sumTex(terms)} = ${value}`];
    }
    return [`${lhs} = q_{${r + 1}} \\cdot k_{${c + 1}} = ${sumTex(q.map((qv, p) => times(qv, k[p], d)))} = ${value}`];
  },
  scaled: ({ trace, config, d, head, heads }, r, c) => {
    const h = trace.heads[head];
    const lhs = cellName('scaled', head, heads, r, c);
    const s = texNum(at(h.scores, r, c), d);
    const out = texNum(at(h.scaled, r, c), d);
    if (config.scale === undefined || config.scale === 'sqrt_dk') return [`${lhs} = \\frac{${s}}{\\sqrt{${trace.dk}}} = ${out}`];
    if (config.scale === 'none') return [`${lhs} = ${s}`];
    return [`${lhs} = ${factor(at(h.scores, r, c), d)} \\times ${factor(trace.scale, d)} = ${out}`];
  },
  masked: ({ trace, d, head, heads }, r, c) => {
    const v = at(trace.heads[head].masked, r, c);
    const lhs = cellName('masked', head, heads, r, c);
    return [v === -Infinity
      ? `${lhs} = -\\infty \\quad (M_{${r + 1},${c + 1}} = 0)`
      : `${lhs} = ${cellName('scaled', head, heads, r, c)} = ${texNum(v, d)} \\quad (M_{${r + 1},${c + 1}} = 1)`];
  },
  weights: ({ trace, d, head, heads }, r, c) => {
    const h = trace.heads[head];
    const lhs = cellName('weights', head, heads, r, c);
    const row = rowOf(h.masked, r);
    const max = h.rowMax[r];
    const sum = h.rowSum[r];
    const kept = row.map((v, k) => [v, k]).filter(([v]) => v !== -Infinity);
    if (sum === 0 || kept.length === 0) return [`${lhs} = 0 \\quad (M_{${r + 1},:} = 0)`];
    const m = texNum(max, d);
    const exp = (v) => `\\exp(${texNum(v, d)} - ${factor(max, d)})`;
    const lines = [
      `m_{${r + 1}} = \\max(${kept.length <= LIMIT ? kept.map(([v]) => texNum(v, d)).join(', ') : `${texNum(kept[0][0], d)}, \\ldots`}) = ${m}`,
      `\\Sigma_{${r + 1}} = ${sumTex(kept.map(([v]) => exp(v)))} = ${sumTex(kept.map(([v]) => texNum(Math.exp(v - max), d)))} = ${texNum(sum, d)}`,
    ];
    const v = row[c];
    lines.push(v === -Infinity
      ? `${lhs} = \\exp(-\\infty) \\div \\Sigma_{${r + 1}} = 0`
      : `${lhs} = ${exp(v)} \\div \\Sigma_{${r + 1}} = ${texNum(Math.exp(v - max), d)} \\div ${texNum(sum, d)} = ${texNum(at(h.weights, r, c), d)}`);
    return lines;
  },
  output: ({ trace, d, head, heads }, r, c) => {
    const h = trace.heads[head];
    const terms = rowOf(h.weights, r).map((w, k) => times(w, at(h.v, k, c), d));
    return [`${cellName('output', head, heads, r, c)} = \\sum_k A_{${r + 1},k} V_{k,${c + 1}} = ${sumTex(terms)} = ${texNum(at(h.output, r, c), d)}`];
  },
  concat: ({ trace, d, heads }, r, c) => {
    const hd = Math.floor(c / trace.dv);
    return [`${cellName('concat', null, heads, r, c)} = ${cellName('output', hd, heads, r, c % trace.dv)} = ${texNum(at(trace.concat, r, c), d)}`];
  },
  final: ({ trace, config, d, heads }, r, c) => {
    const lhs = cellName('final', null, heads, r, c);
    const value = texNum(at(trace.final, r, c), d);
    if (!config.wo) {
      const from = heads > 1 ? cellName('concat', null, heads, r, c) : cellName('output', 0, heads, r, c);
      return [`${lhs} = ${from} = ${value}`];
    }
    const terms = rowOf(trace.concat, r).map((v, p) => times(v, config.wo[p][c], d));
    return [`${lhs} = \\sum_p \\mathrm{Concat}_{${r + 1},p} (W_O)_{p,${c + 1}} = ${sumTex(terms)} = ${value}`];
  },
};

// An input is given, not computed: its cell is stated with its value.
const inputLine = ({ d, heads }, id, m, r, c) => `${cellName(id, null, heads, r, c)} = ${texNum(at(m, r, c), d)}`;

/** The ids of the steps whose cells writeOut works out in TeX (a test checks that every step that is not an input has one). */
export const WORKED_IDS = Object.keys(WORK);

// Which cell of a step to work out: the selected cell in its own step; elsewhere the
// selection's row and column (or row 1, column 2, the tutorials' q₁·k₂) clamped to the
// step's shape. Softmax and what follows it skip a blocked key for the row's strongest one.
// Without a selection, a positional step shows row 2: row 1 is position 0, whose encoding
// is sin 0 and cos 0 and whose RoPE angle is 0.
function cellFor(id, head, m, select, trace, config) {
  if (select && select.step === id && (STEP[id].perHead ? (select.head ?? 0) === head : true)
      && select.row < m.rows && select.col < m.cols) return [select.row, select.col];
  const positional = id === 'pe' || id === 'encoded' || (config.positional === 'rope' && (id === 'q' || id === 'k'));
  const r = Math.min(select?.row ?? (positional ? 1 : 0), m.rows - 1);
  let c = Math.min(select ? select.col : 1, m.cols - 1);
  if (id === 'weights' && trace.heads[head].masked.data[r * m.cols + c] === -Infinity) {
    const w = rowOf(trace.heads[head].weights, r);
    c = w.indexOf(Math.max(...w));
  }
  return [r, c];
}

const display = (tex) => `$$\n${tex}\n$$`;
const sameList = (a, b) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The article section: writeOut(trace, config, { lang, decimals, head, select }) → Markdown.
 * head: the head whose cells are worked out (every head's matrices are shown);
 * select: { step, head, row, col } (0-based), the page's selected cell, or null.
 */
export function writeOut(trace, config, { lang = 'en', decimals = 3, head = 0, select = null } = {}) {
  const S = strings(lang);
  const W = S.writeOut;
  const d = decimals;
  const z = sizesOfTrace(trace, config);
  const heads = z.heads;
  const h0 = Math.min(Math.max(0, head), heads - 1);
  const { queries, keys } = tokenLabels(config);
  const ctx = { trace, config, z, d, heads };
  const out = [];

  out.push(`## ${W.heading}`, '');
  const scaleKind = typeof config.scale === 'number' ? 'custom' : (config.scale ?? 'sqrt_dk');
  const maskKind = Array.isArray(config.mask) ? 'custom' : (config.mask ?? 'none');
  const scaleText = scaleKind === 'custom' ? `$${texNum(trace.scale, d)}$` : scaleKind === 'none' ? S.scaleOptions.none : '$1/\\sqrt{d_k}$';
  out.push(W.summary({
    n: `$n = ${z.n}$`,
    tokens: queries.map((t) => `“${mdText(t)}”`).join(W.listSep),
    context: config.context ? { m: `$m = ${z.m}$`, tokens: keys.map((t) => `“${mdText(t)}”`).join(W.listSep) } : null,
    sizes: [`$d_{\\text{model}} = ${z.dModel}$`, `$h = ${heads}$`, `$d_k = ${z.dk}$`, `$d_v = ${z.dv}$`, ...(config.wo ? [`$d_{\\text{out}} = ${z.dOut}$`] : [])].join(W.listSep),
    scale: scaleText,
    mask: S.maskOptions[maskKind].replace(/\s*[（(].*$/, ''),
    positional: S.positionalOptions[config.positional ?? 'none'],
    score: S.scoreOptions[config.score ?? 'dot'],
  }), '');
  out.push(W.numbers(d, heads > 1 ? S.head(h0) : null), '');
  out.push(display('\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{QK^{\\top}}{\\sqrt{d_k}}\\right) V'), '');

  const sections = buildSections(config, trace, S);
  const blockOf = (id, hd) => sections.flatMap((s) => s.blocks).find((b) => b.step === id && (b.head ?? null) === hd);
  let number = 0;
  for (const section of sections) {
    const steps = section.steps.filter((id) => STEP[id] && STEP[id].when(z));
    if (steps.length === 0) continue;
    number += 1;
    out.push(`### ${number}. ${section.title}`, '');
    if (section.text) out.push(section.text, '');
    out.push(display(section.tex), '');
    for (const id of steps) {
      const step = STEP[id];
      const headsOf = step.perHead ? Array.from({ length: heads }, (_, i) => i) : [null];
      // Every head's matrix; the worked cell in the chosen head.
      for (const hd of headsOf) {
        const m = step.read(trace, config, hd ?? 0);
        if (step.perHead && heads > 1) out.push(W.labelled(S.head(hd)), '');
        else if (steps.length > 1) out.push(W.labelled(id === 'scores' && z.additive ? S.steps.scores.titleAdditive : S.steps[step.titleKey].title), '');
        out.push(display(`${matrixName(id, hd, heads)} = ${toLatex({ rows: m.rows, cols: m.cols, value: (r, c) => at(m, r, c) }, d).trim()}`), '');
      }
      const hd = step.perHead ? h0 : null;
      const m = step.read(trace, config, hd ?? 0);
      const [r, c] = cellFor(id, hd, m, select, trace, config);
      const block = blockOf(id, hd);
      // A row or column that is a token is named by it (escaped); dimensions are not.
      const label = (labels, i) => (sameList(labels, queries) || sameList(labels, keys) ? `“${mdText(labels[i])}”` : null);
      const where = step.vector ? W.column(c + 1) : W.cell(r + 1, c + 1, label(block?.rowLabels, r), label(block?.colLabels, c));
      if (step.input) {
        out.push(`${W.given(where)}`, '');
        out.push(display(inputLine(ctx, id, m, r, c)), '');
      } else if (!WORK[id]) {
        // A step with no TeX form here yet still gets its cell explained, as the page does.
        out.push(`${W.worked(where)}`, '');
        out.push(...explainCell(trace, config, { step: id, head: hd, row: r, col: c }, d, S).map((line) => `> ${mdText(line)}`), '');
      } else {
        out.push(`${W.worked(where)}`, '');
        const lines = WORK[id]({ ...ctx, head: hd ?? 0 }, r, c);
        out.push(display(lines.length === 1 ? lines[0] : `\\begin{aligned}\n${lines.map((l) => l.replace(' = ', ' &= ')).join(' \\\\\n')}\n\\end{aligned}`), '');
        if (id === 'pe' || (id !== 'v' && config.positional === 'rope' && (id === 'q' || id === 'k'))) out.push(W.positions, '');
      }
    }
  }
  out.push(`*${W.credit}*`, '');
  return out.join('\n');
}
