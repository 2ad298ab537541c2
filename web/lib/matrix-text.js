// Matrices as text, both ways: export a step as CSV, a Markdown table or a LaTeX bmatrix,
// and read back a matrix an article printed (CSV, Markdown, LaTeX, or numbers separated by
// spaces), so the page can check the article's numbers against the engine's.
import { fmtPlain } from './format.js';

// A spreadsheet would run a cell that starts with = + - @ as a formula; quote those.
function csvField(text) {
  const t = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** m: { rows, cols, value(r, c) }; labels optional. Full precision: these are data. */
export function toCSV(m, rowLabels, colLabels) {
  const lines = [];
  if (colLabels) lines.push(['', ...colLabels].map(csvField).join(','));
  for (let r = 0; r < m.rows; r++) {
    const cells = Array.from({ length: m.cols }, (_, c) => String(m.value(r, c)));
    lines.push((rowLabels ? [csvField(rowLabels[r]), ...cells] : cells).join(','));
  }
  return `${lines.join('\n')}\n`;
}

const mdCell = (text) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

// Markdown and LaTeX carry the table's numbers as numbers: the table's decimals with
// trailing zeros, and where the table shows a marker (4.5e-5, <1.000) the digits the
// value needs (0.000045, 0.99995), so a pasted export reads back and checks as equal.
export function toMarkdown(m, rowLabels, colLabels, decimals) {
  const header = ['', ...colLabels].map(mdCell);
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (let r = 0; r < m.rows; r++) {
    const cells = Array.from({ length: m.cols }, (_, c) => fmtPlain(m.value(r, c), decimals));
    lines.push(`| ${[mdCell(rowLabels[r]), ...cells].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function texNumber(v, decimals) {
  if (v === -Infinity) return '-\\infty';
  if (v === Infinity) return '\\infty';
  return fmtPlain(v, decimals).replace(/e([-+]?)(\d+)$/, (_, sign, exp) => ` \\times 10^{${sign === '-' ? '-' : ''}${exp}}`);
}

export function toLatex(m, decimals) {
  const rows = Array.from({ length: m.rows }, (_, r) => Array.from({ length: m.cols }, (_, c) => texNumber(m.value(r, c), decimals)).join(' & '));
  return `\\begin{bmatrix}\n${rows.map((row) => `  ${row}`).join(' \\\\\n')}\n\\end{bmatrix}\n`;
}

// One number as articles print it: 0.5, -1e-3, 1/2, \frac{1}{2}, \frac{1}{\sqrt{2}}, ½, −1, ∞.
function readNumber(token) {
  let t = token.trim().replace(/−/g, '-').replace(/^\$|\$$/g, '');
  if (t === '') return null;
  const fractions = { '½': 0.5, '⅓': 1 / 3, '¼': 0.25, '¾': 0.75, '⅔': 2 / 3 };
  if (t in fractions) return fractions[t];
  if (/^-?(\\infty|∞|inf(inity)?)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  // 4.5 \times 10^{-7}, 4.5×10^-7, 4.5·10^{-7}: scientific notation as articles print it.
  t = t.replace(/\s*(?:\\times|\\cdot|×|·)\s*10\^\{?([-+]?\d+)\}?/g, 'e$1');
  const sqrt = (s) => s.replace(/\\sqrt\{([^{}]+)\}|√\(?([\d.]+)\)?/g, (_, a, b) => `Math.sqrt(${a ?? b})`);
  t = t.replace(/\\[dt]?frac\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, '($1)/($2)');
  t = sqrt(t);
  // What is left may only be numbers, Math.sqrt, + - * / and parentheses; evaluate it by hand.
  if (!/^[-+*/().\d\seE]*(Math\.sqrt\([\d.]+\)[-+*/().\d\seE]*)*$/.test(t)) return null;
  return evaluate(t);
}

// A tiny recursive-descent evaluator for + - * / ( ) numbers and Math.sqrt(n): no eval.
function evaluate(text) {
  const tokens = text.match(/Math\.sqrt|\d*\.?\d+(?:[eE][-+]?\d+)?|[-+*/()]/g);
  if (!tokens || tokens.join('') !== text.replace(/\s+/g, '')) return null;
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  function primary() {
    const t = next();
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '(') {
      const v = sum();
      if (next() !== ')') throw new Error('unbalanced');
      return v;
    }
    if (t === 'Math.sqrt') {
      if (next() !== '(') throw new Error('sqrt');
      const v = sum();
      if (next() !== ')') throw new Error('unbalanced');
      return Math.sqrt(v);
    }
    const v = Number(t);
    if (!Number.isFinite(v)) throw new Error('number');
    return v;
  }
  function product() {
    let v = primary();
    while (peek() === '*' || peek() === '/') v = next() === '*' ? v * primary() : v / primary();
    return v;
  }
  function sum() {
    let v = product();
    while (peek() === '+' || peek() === '-') v = next() === '+' ? v + product() : v - product();
    return v;
  }
  try {
    const v = sum();
    return i === tokens.length && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Reads a matrix from text. Returns { rows: number[][] } or { error: { code, ... } } with
 * code empty, too_long, no_numbers, not_number (row, entry) or ragged (row, count, first).
 * Accepts a LaTeX (b/p)matrix, a Markdown table, CSV, or rows of numbers separated by spaces
 * or tabs; a first row or column of labels is skipped.
 */
export function parseMatrix(text) {
  if (typeof text !== 'string' || text.trim() === '') return { error: { code: 'empty' } };
  if (text.length > 200_000) return { error: { code: 'too_long' } };
  let lines;
  // [[1, 2], [3, 4]] as JSON, Python or NumPy print it (comments after # dropped).
  const bracketed = text.replace(/#[^\n]*/g, '').trim();
  if (/^\[\s*\[/.test(bracketed)) {
    lines = bracketed.replace(/^\[|\]$/g, '').split(/\]\s*,?\s*\[/).map((row) => row.replace(/[[\]]/g, '').split(/[\s,]+/));
    return finish(lines);
  }
  const latex = /\\begin\{[bpvBV]?matrix\}([\s\S]*?)\\end\{[bpvBV]?matrix\}/.exec(text);
  if (latex) {
    lines = latex[1].split(/\\\\/).map((row) => row.split('&'));
  } else if (/^\s*\|/m.test(text)) {
    const isRule = (l) => /^\s*\|?\s*:?-{3,}/.test(l.replace(/\|/g, ''));
    let rows = text.split(/\r?\n/).filter((l) => /^\s*\|/.test(l));
    // Above a Markdown table's |---| rule is its header, even when its labels are numbers
    // (the page's own exports label columns 1, 2, …).
    const rule = rows.findIndex(isRule);
    if (rule > 0) rows = rows.slice(rule);
    lines = rows.filter((l) => !isRule(l)).map((l) => l.trim().replace(/^\||\|$/g, '').split('|'));
  } else {
    lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
      .map((l) => (l.includes(',') && !/\d,\d{1,2}(\s|$)/.test(l) ? l.split(',') : l.trim().replace(/^\[+|\]+,?$/g, '').split(/[\s,;]+/)));
  }
  return finish(lines);
}

function finish(raw) {
  const lines = raw.map((cells) => cells.map((c) => c.trim()).filter((c, i, all) => c !== '' || (i > 0 && i < all.length - 1)))
    .filter((cells) => cells.some((c) => c !== ''));
  const read = lines.map((cells) => cells.map(readNumber));
  // A header row or a label column is one whose entries are not numbers.
  let rows = read.filter((cells, i) => !(i === 0 && cells.slice(1).every((v) => v === null)));
  if (rows.length && rows.every((cells) => cells[0] === null && cells.length > 1)) rows = rows.map((cells) => cells.slice(1));
  if (rows.length === 0) return { error: { code: 'no_numbers' } };
  for (let r = 0; r < rows.length; r++) {
    const bad = rows[r].indexOf(null);
    if (bad >= 0) return { error: { code: 'not_number', row: r + 1, entry: bad + 1 } };
    if (rows[r].length !== rows[0].length) return { error: { code: 'ragged', row: r + 1, count: rows[r].length, first: rows[0].length } };
  }
  return { rows };
}

/**
 * Compares an article's matrix with the engine's at the shown precision. A cell differs
 * when the two numbers round to different values at `decimals` digits and differ by more
 * than half a unit of the last digit. The verdict: 'shape' when the article's matrix has
 * another shape (whatever the cells both have say: it is not this step's matrix),
 * else 'differ' when a cell differs, else 'agree'.
 */
export function compareMatrix(printed, m, decimals) {
  const tol = 0.5 * 10 ** -decimals + 1e-12;
  const cells = [];
  let differ = 0;
  let compared = 0;
  for (let r = 0; r < Math.min(printed.length, m.rows); r++) {
    for (let c = 0; c < Math.min(printed[r].length, m.cols); c++) {
      const a = printed[r][c];
      const e = m.value(r, c);
      const same = a === e || Math.abs(a - e) <= tol;
      compared++;
      if (!same) differ++;
      cells.push({ row: r, col: c, printed: a, engine: e, same });
    }
  }
  const shapeDiffers = printed.length !== m.rows || printed[0].length !== m.cols;
  const verdict = shapeDiffers ? 'shape' : differ > 0 ? 'differ' : 'agree';
  return { cells, differ, compared, shapeDiffers, verdict, printedShape: [printed.length, printed[0].length] };
}

/**
 * The verdict of compareMatrix as one sentence of T (a language's `tools` strings);
 * `shape` is the step's [rows, cols]. Never "all agree" about a matrix of another shape.
 */
export function checkSummary(result, shape, T) {
  if (result.verdict === 'shape') return `${T.shape(result.printedShape, shape)} ${T.shapeCells(result.differ, result.compared)}`;
  return T.summary(result.differ, result.compared);
}
