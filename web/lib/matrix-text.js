// Matrices as text, both ways: export a step as CSV, a Markdown table or a LaTeX bmatrix,
// and read back a matrix an article printed (CSV, Markdown, LaTeX, or numbers separated by
// spaces), so the page can check the article's numbers against the engine's.
import { fmtPlain } from './format.js';

// A spreadsheet reads a cell that starts with = + - @, a tab or a carriage return as a
// formula: "-2+3", "+SUM(1)" and "-1+cmd|' /C calc'!A0" run, not only "=…". Such a cell is
// exported as text (a leading ') unless the whole cell is a plain number, which a
// spreadsheet reads as a number. Every cell goes through here, labels and values alike.
const CSV_FORMULA_START = /^[=+\-@\t\r]/;
const CSV_PLAIN_NUMBER = /^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/i;
function csvField(text) {
  const t = CSV_FORMULA_START.test(text) && !CSV_PLAIN_NUMBER.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** m: { rows, cols, value(r, c) }; labels optional. Full precision: these are data. */
export function toCSV(m, rowLabels, colLabels) {
  const lines = [];
  if (colLabels) lines.push(['', ...colLabels].map(csvField).join(','));
  for (let r = 0; r < m.rows; r++) {
    const cells = Array.from({ length: m.cols }, (_, c) => String(m.value(r, c)));
    lines.push((rowLabels ? [rowLabels[r], ...cells] : cells).map(csvField).join(','));
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

// Every reader below runs in time linear in the text, whatever is pasted: patterns are
// anchored or start at a literal, and no two quantifiers in one can match the same
// characters; what a pattern cannot say that way (nested LaTeX, trailing brackets) is
// scanned by hand. Patterns like \d*\.?\d+, \s*,?\s* or ^\s*\| with the m flag took
// minutes on 200,000 crafted characters.
const PLAIN_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const VULGAR = { '½': 0.5, '⅓': 1 / 3, '¼': 0.25, '¾': 0.75, '⅔': 2 / 3 };

// One number as articles print it: 0.5, -1e-3, 1/2, \frac{1}{2}, \frac{1}{\sqrt{2}}, ½, −1, ∞.
function readNumber(token) {
  let t = token.trim().replace(/−/g, '-');
  if (t.startsWith('$')) t = t.slice(1);
  if (t.endsWith('$')) t = t.slice(0, -1);
  if (t === '') return null;
  if (PLAIN_NUMBER.test(t)) { // the common case, without the evaluator
    const v = Number(t);
    return Number.isFinite(v) ? v : null;
  }
  if (Object.hasOwn(VULGAR, t)) return VULGAR[t]; // own keys only: "constructor" is no number
  if (/^-?(?:\\infty|∞|inf(?:inity)?)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  // 4.5 \times 10^{-7}, 4.5×10^-7, 4.5·10^{-7}: scientific notation as articles print it.
  // Only in a cell-sized token: the leading \s* would rescan a long run of spaces.
  if (t.length < 200) t = t.replace(/\s*(?:\\times|\\cdot|×|·)\s*10\^\{?([-+]?\d+)\}?/g, 'e$1');
  return evaluate(t);
}

const isDigit = (ch) => ch >= '0' && ch <= '9';
const COMMANDS = new Set(['frac', 'dfrac', 'tfrac', 'sqrt']);

// Splits an expression into numbers, + - * / ( ) { }, √ and the LaTeX commands \frac,
// \dfrac, \tfrac, \sqrt, in one pass. Returns null at anything else.
function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (isDigit(ch) || ch === '.') {
      const start = i;
      while (isDigit(text[i])) i++;
      if (text[i] === '.') i++;
      while (isDigit(text[i])) i++;
      if (i - start === 1 && ch === '.') return null; // a lone point
      if ((text[i] === 'e' || text[i] === 'E')
          && (isDigit(text[i + 1]) || ((text[i + 1] === '-' || text[i + 1] === '+') && isDigit(text[i + 2])))) {
        i += 2;
        while (isDigit(text[i])) i++;
      }
      tokens.push(Number(text.slice(start, i)));
    } else if ('+-*/(){}√'.includes(ch)) {
      tokens.push(ch);
      i++;
    } else if (ch === '\\') {
      const start = ++i;
      while (i < text.length && /[a-z]/i.test(text[i])) i++;
      const name = text.slice(start, i);
      if (!COMMANDS.has(name)) return null;
      tokens.push(`\\${name}`);
    } else {
      return null;
    }
  }
  return tokens;
}

// Nesting deeper than this is refused rather than recursed into: "((((…" 200,000 deep
// would otherwise end in a stack overflow.
const MAX_DEPTH = 64;

// A tiny recursive-descent evaluator for + - * / ( ), numbers, \frac{a}{b}, \sqrt{a} and
// √a: no eval. Returns null when the text is not such an expression or not finite.
function evaluate(text) {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return null;
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i];
  const expect = (t) => {
    if (tokens[i++] !== t) throw new Error(`expected ${t}`);
  };
  // ( sum ) or { sum }, one level deeper
  function group(open, close) {
    expect(open);
    if (++depth > MAX_DEPTH) throw new Error('too deep');
    const v = sum();
    expect(close);
    depth--;
    return v;
  }
  function primary() {
    let sign = 1;
    while (peek() === '-' || peek() === '+') if (tokens[i++] === '-') sign = -sign; // a loop: "-----1" needs no stack
    const t = peek();
    if (typeof t === 'number') {
      i++;
      if (!Number.isFinite(t)) throw new Error('number');
      return sign * t;
    }
    if (t === '(') return sign * group('(', ')');
    if (t === '\\frac' || t === '\\dfrac' || t === '\\tfrac') {
      i++;
      const top = group('{', '}');
      return sign * (top / group('{', '}'));
    }
    if (t === '\\sqrt') {
      i++;
      return sign * Math.sqrt(group('{', '}'));
    }
    if (t === '√') {
      i++;
      if (++depth > MAX_DEPTH) throw new Error('too deep');
      const v = Math.sqrt(primary());
      depth--;
      return sign * v;
    }
    throw new Error('unexpected');
  }
  function product() {
    let v = primary();
    while (peek() === '*' || peek() === '/') v = tokens[i++] === '*' ? v * primary() : v / primary();
    return v;
  }
  function sum() {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  }
  try {
    const v = sum();
    return i === tokens.length && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

// The body of the first \begin{(b|p|v|B|V)matrix} … \end{…matrix}, or null. Found in two
// linear searches: one lazy pattern spanning both retried from every \begin when none ends.
function latexBody(text) {
  const begin = /\\begin\{[bpvBV]?matrix\}/.exec(text);
  if (!begin) return null;
  const rest = text.slice(begin.index + begin[0].length);
  const end = /\\end\{[bpvBV]?matrix\}/.exec(rest);
  return end ? rest.slice(0, end.index) : null;
}

// A row as NumPy prints it, "[[1, 2]," or "[3, 4]]": the brackets and a last comma go.
// By hand: /\]+,?$/ would rescan a long run of "]" from each of them.
function stripBrackets(line) {
  let start = 0;
  while (line[start] === '[') start++;
  const beforeComma = line.endsWith(',') ? line.length - 1 : line.length;
  let end = beforeComma;
  while (end > start && line[end - 1] === ']') end--;
  return line.slice(start, end < beforeComma ? end : line.length);
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
    lines = bracketed.replace(/^\[|\]$/g, '').split(/\]\s*(?:,\s*)?\[/).map((row) => row.replace(/[[\]]/g, '').split(/[\s,]+/));
    return finish(lines);
  }
  const latex = latexBody(text);
  const textLines = text.split(/\r?\n/);
  // A Markdown table: some line starts with "|" (tested line by line: ^\s*\| with the m
  // flag let \s* run across every following newline from each line start).
  const isTableRow = (l) => /^\s*\|/.test(l);
  // |---|:--:| separator rows; with the pipes removed one \s* is enough before the dashes
  const isRule = (l) => /^\s*:?-{3,}/.test(l.replace(/\|/g, ''));
  if (latex !== null) {
    lines = latex.split(/\\\\/).map((row) => row.split('&'));
  } else if (textLines.some(isTableRow)) {
    let rows = textLines.filter(isTableRow);
    // Above a Markdown table's |---| rule is its header, even when its labels are numbers
    // (the page's own exports label columns 1, 2, …).
    const rule = rows.findIndex(isRule);
    if (rule > 0) rows = rows.slice(rule);
    lines = rows.filter((l) => !isRule(l)).map((l) => l.trim().replace(/^\||\|$/g, '').split('|'));
  } else {
    lines = textLines.filter((l) => l.trim() !== '')
      .map((l) => (l.includes(',') && !/\d,\d{1,2}(\s|$)/.test(l) ? l.split(',') : stripBrackets(l.trim()).split(/[\s,;]+/)));
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
