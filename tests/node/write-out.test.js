// "Write it out" (web/lib/write-out.js): the exported article renders through KaTeX with
// no error, in both languages and for configs that turn on every option; and every number
// in it is read back and checked: each matrix against the engine's trace and the double
// reference (tests/reference.js), and each worked-out cell's arithmetic evaluated term by
// term (its factors against the cells they come from, each side of every "=" against the
// result, the result against the engine and the reference). A wrong number fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import katex from 'katex';

import { loadEngine } from 'attention-playground';
import { writeOut, texSymbol, WORKED_IDS } from '../../web/lib/write-out.js';
import { STEP, STEPS, sizesOfTrace, tablesOf } from '../../web/lib/steps.js';
import { PRESETS, presetConfig } from '../../web/lib/presets.js';
import { referenceAttention } from '../reference.js';

const engine = await loadEngine();

// Presets (masked, causal, multi-head, positional among them) and configs for the options
// no preset has: RoPE, additive scoring with v_a, cross-attention with a custom mask that
// blocks a whole row, a custom scale, no scale, more keys than the arithmetic writes out.
const base = presetConfig('multi-head');
const CASES = {
  ...Object.fromEntries(['two-words', 'three-tokens', 'it-animal', 'multi-head', 'causal', 'positional'].map((name) => [name, PRESETS[name]()])),
  rope: { ...base, positional: 'rope', mask: 'causal' },
  additive: { ...presetConfig('two-words'), score: 'additive', va: [0.5, -1.25] },
  'additive-default-va': { ...base, score: 'additive', scale: 'none' },
  cross: {
    x: [[1, 0], [0, 1], [1, 1]], tokens: ['a', 'b', 'c'],
    context: [[0.5, -1], [2, 0.25], [-1, 1], [0, 3]], contextTokens: ['k1', 'k2', 'k3', 'k4'],
    wq: [[1, 0.5], [-0.5, 1]], wk: [[0.25, 1], [1, -1]], wv: [[1, 2], [3, -4]],
    mask: [[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]], positional: 'sinusoidal', scale: 0.37,
  },
  'many-keys': {
    x: Array.from({ length: 20 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]),
    wq: [[1, 0], [0, 1]], wk: [[0.5, 1], [1, 0.5]], wv: [[2, 0], [0, -1]],
  },
};

// ---------- reading the Markdown back ----------

/** Every math segment: { tex, display }. $$…$$ on lines of their own; $…$ inside a line, not \$. */
function mathOf(md) {
  const out = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '$$') {
      const end = lines.indexOf('$$', i + 1);
      assert.ok(end > i, 'a $$ block is closed');
      out.push({ tex: lines.slice(i + 1, end).join('\n'), display: true });
      i = end;
      continue;
    }
    let open = -1;
    for (let j = 0; j < lines[i].length; j++) {
      if (lines[i][j] === '\\') { j++; continue; }
      if (lines[i][j] !== '$') continue;
      if (open < 0) open = j;
      else { out.push({ tex: lines[i].slice(open + 1, j), display: false }); open = -1; }
    }
    assert.equal(open, -1, `an inline $ is closed: ${lines[i]}`);
  }
  return out;
}

// A number as the article prints it: 0.014, -2, -\infty, 4.5 \times 10^{-7}.
function texNumber(text) {
  const t = text.trim();
  if (t === '-\\infty') return -Infinity;
  const sci = /^(-?\d+(?:\.\d+)?) \\times 10\^\{(-?\d+)\}$/.exec(t);
  if (sci) return Number(sci[1]) * 10 ** Number(sci[2]);
  assert.match(t, /^-?\d+(?:\.\d+)?$/, `a number: "${t}"`);
  return Number(t);
}

// A tiny evaluator for the arithmetic the article writes: numbers, + - \times \cdot \div,
// ( ), { }, \left( \right), \frac{}{}, \sqrt{}, ^{}, \exp \tanh \sin \cos, \max(…, …),
// -\infty. Anything else (a symbol, \sum, \cdots) makes a side "not a number": null.
function evaluate(tex) {
  const src = tex.replace(/\\left|\\right/g, '').replace(/\\!/g, '');
  const tokens = [];
  for (let i = 0; i < src.length;) {
    const ch = src[i];
    if (/\s/.test(ch)) { i++; continue; }
    const n = /^\d+(?:\.\d+)?/.exec(src.slice(i));
    if (n) { tokens.push(Number(n[0])); i += n[0].length; continue; }
    if ('+-()/{}^,'.includes(ch)) { tokens.push(ch); i++; continue; }
    const cmd = /^\\([a-zA-Z]+)/.exec(src.slice(i));
    if (cmd) { tokens.push(`\\${cmd[1]}`); i += cmd[0].length; continue; }
    return null; // letters, subscripts, primes: not plain arithmetic
  }
  let p = 0;
  const FUNCS = { '\\exp': Math.exp, '\\tanh': Math.tanh, '\\sin': Math.sin, '\\cos': Math.cos };
  const expect = (t) => { if (tokens[p++] !== t) throw new Error(`expected ${t}`); };
  function atom() {
    const t = tokens[p++];
    if (typeof t === 'number') return t;
    if (t === '-') return -power();
    if (t === '\\infty') return Infinity;
    if (t === '(' || t === '{') { const v = sum(); expect(t === '(' ? ')' : '}'); return v; }
    if (t === '\\frac') { expect('{'); const a = sum(); expect('}'); expect('{'); const b = sum(); expect('}'); return a / b; }
    if (t === '\\sqrt') { expect('{'); const a = sum(); expect('}'); return Math.sqrt(a); }
    if (FUNCS[t]) { expect('('); const a = sum(); expect(')'); return FUNCS[t](a); }
    if (t === '\\max') {
      expect('(');
      const list = [sum()];
      while (tokens[p] === ',') { p++; list.push(sum()); }
      expect(')');
      return Math.max(...list);
    }
    throw new Error(`unexpected ${t}`);
  }
  function power() {
    const b = atom();
    if (tokens[p] === '^') { p++; return b ** atom(); }
    return b;
  }
  function product() {
    let v = power();
    for (;;) {
      const t = tokens[p];
      if (t === '\\times' || t === '\\cdot') { p++; v *= power(); } else if (t === '\\div' || t === '/') { p++; v /= power(); } else return v;
    }
  }
  function sum() {
    let v = product();
    while (tokens[p] === '+' || tokens[p] === '-') v = tokens[p++] === '+' ? v + product() : v - product();
    return v;
  }
  try {
    const v = sum();
    return p === tokens.length ? v : null;
  } catch {
    return null;
  }
}

// The numbers written in an expression, for its tolerance.
const literals = (tex) => (tex.replace(/\\times 10\^\{-?\d+\}/g, '').match(/\d+(?:\.\d+)?/g) ?? []).map(Number);

// Splits "a = b = c" at its top-level = (none sits inside braces in this article).
function sides(line) {
  return line.replace(/&/g, '').replace(/\\quad \(.*\)$/, '').split(/ = /).map((s) => s.trim());
}

// Which step and cell a left-hand side names: Q_{1,2}, A^{(2)}_{1,2}, (W_Q)_{1,2}, (v_a)_{2}.
const SYMBOLS = new Map(STEPS.map((s) => [texSymbol(s.symbol), s.id]));
function cellOf(lhs) {
  const m = /^\(?(.+?)\)?(?:\^\{\((\d+)\)\})?_\{(\d+)(?:,(\d+))?\}$/.exec(lhs);
  if (!m) return null;
  const id = SYMBOLS.get(m[1].replace(/^\((.*)\)$/, '$1'));
  if (!id) return null;
  const vector = STEP[id].vector;
  return { step: id, head: m[2] ? Number(m[2]) - 1 : (STEP[id].perHead ? 0 : null), row: vector ? 0 : Number(m[3]) - 1, col: vector ? Number(m[3]) - 1 : Number(m[4]) - 1 };
}

// ---------- the expected numbers ----------

const at = (m, r, c) => m.data[r * m.cols + c];
const rowOf = (m, r) => Array.from(m.data.slice(r * m.cols, (r + 1) * m.cols));

// The double reference's value of a table, as number[][].
function referenceTable(config, ref, step, head) {
  const dk = config.wq[0].length / (config.heads ?? 1);
  const pe = () => ref.x.map((row, i) => row.map((v, j) => v - config.x[i][j]));
  const table = {
    x: () => config.x, context: () => config.context, pe, encoded: () => ref.x,
    wq: () => config.wq, wk: () => config.wk, wv: () => config.wv, wo: () => config.wo,
    va: () => [config.va ?? Array.from({ length: dk }, () => 1)],
    q: () => ref.q, k: () => ref.k, v: () => ref.v, concat: () => ref.concat, final: () => ref.final,
  }[step];
  return table ? table() : ref.heads[head][step];
}

// A printed number agrees with a value when it is that value rounded to `d` decimals (the
// exporter prints more digits where d would read as 0 or ±1); against the double reference
// the engine's float32 may sit across a rounding boundary: 1e-5 relative more.
const printedTol = (d) => 0.5 * 10 ** -d + 1e-12;
function agrees(printed, value, d, slack = 0) {
  if (printed === value) return true;
  return Math.abs(printed - value) <= printedTol(d) + slack * Math.max(1, Math.abs(value));
}

/**
 * Checks one exported article against the engine's trace and the reference. Returns a
 * list of problems (empty when every number is right); `worked` counts the cells checked.
 */
function checkArticle(md, config, trace, d, { head = 0 } = {}) {
  const problems = [];
  const ref = referenceAttention(config);
  const z = sizesOfTrace(trace, config);
  const math = mathOf(md);
  for (const { tex, display } of math) {
    try {
      katex.renderToString(tex, { throwOnError: true, displayMode: display });
    } catch (err) {
      problems.push(`KaTeX: ${err.message} in ${tex.slice(0, 80)}`);
    }
  }
  // Matrices, in the order of the step table, every head.
  const matrices = math.filter((m) => m.tex.includes('\\begin{bmatrix}'));
  const tables = tablesOf(z);
  if (matrices.length !== tables.length) problems.push(`${matrices.length} matrices for ${tables.length} tables`);
  tables.forEach((t, i) => {
    const m = matrices[i];
    if (!m) return;
    const [lhs, body] = m.tex.split(' = \\begin{bmatrix}');
    const name = texSymbol(STEP[t.step].symbol) + (t.head !== null && z.heads > 1 ? `^{(${t.head + 1})}` : '');
    if (lhs !== name) problems.push(`matrix ${i} is ${lhs}, expected ${name}`);
    const rows = body.replace('\\end{bmatrix}', '').split('\\\\').map((row) => row.split('&').map(texNumber));
    const engineM = STEP[t.step].read(trace, config, t.head ?? 0);
    const refM = referenceTable(config, ref, t.step, t.head);
    if (rows.length !== engineM.rows || rows.some((r) => r.length !== engineM.cols)) {
      problems.push(`${name} has shape ${rows.length} × ${rows[0].length}, expected ${engineM.rows} × ${engineM.cols}`);
      return;
    }
    rows.forEach((row, r) => row.forEach((v, c) => {
      if (!agrees(v, at(engineM, r, c), d)) problems.push(`${name}[${r + 1}][${c + 1}] = ${v}, engine ${at(engineM, r, c)}`);
      if (!agrees(v, refM[r][c], d, 1e-5)) problems.push(`${name}[${r + 1}][${c + 1}] = ${v}, reference ${refM[r][c]}`);
    }));
  });
  // Worked-out cells: every equation chain whose left side names a cell, a row max, a Σ or θ.
  const worked = new Set();
  const blocks = math.filter((m) => m.display && !m.tex.includes('bmatrix'))
    .map((m) => m.tex.replace(/^\\begin\{aligned\}\n|\n\\end\{aligned\}$/g, '').split(' \\\\\n'));
  for (const lines of blocks) {
    // The block's cell (its last line's), for the lines before it: softmax's m and Σ.
    const blockCell = cellOf(sides(lines.at(-1))[0]);
    for (const line of lines) {
      const parts = sides(line);
      const cell = cellOf(parts[0]);
      if (!cell && !/^(m_|\\Sigma_|\\theta|\(\(?X|\(C)/.test(parts[0])) continue; // a section's formula
      const result = evaluate(parts.at(-1));
      if (result === null) { problems.push(`no number at the end of ${line}`); continue; }
      // Each side that is plain arithmetic equals the result, up to the rounding of the
      // numbers it is made of (each off by half a unit of the last digit, and no function
      // here, exp of a non-positive number, tanh, sin, cos, multiplies an error by more than 1
      // or by more than its partner's size).
      for (const side of parts.slice(1, -1)) {
        const v = evaluate(side);
        if (v === null) continue;
        const tol = 10 ** -d * literals(side).reduce((s, x) => s + Math.max(1, Math.abs(x)), 1);
        if (!(Math.abs(v - result) <= tol) && !(v === result)) problems.push(`${side} = ${v}, not ${parts.at(-1)} (in ${parts[0]})`);
      }
      if (/^(m_|\\Sigma_)/.test(parts[0])) {
        const h = trace.heads[blockCell?.head ?? 0];
        const r = Number(/_\{(\d+)\}/.exec(parts[0])[1]) - 1;
        const kept = rowOf(h.masked, r).filter((v) => v !== -Infinity);
        if (parts[0].startsWith('m_')) {
          if (!agrees(result, h.rowMax[r], d)) problems.push(`${parts[0]} = ${result}, engine ${h.rowMax[r]}`);
          if (kept.length <= 16) same(problems, d, `${parts[0]} of`, parts[1].replace(/^\\max\(|\)$/g, '').split(', ').map(texNumber), kept);
        } else {
          if (!agrees(result, h.rowSum[r], d)) problems.push(`${parts[0]} = ${result}, engine ${h.rowSum[r]}`);
          if (kept.length <= 16) {
            same(problems, d, `${parts[0]} terms`, parts[2].split(' + ').map(texNumber), kept.map((v) => Math.exp(v - h.rowMax[r])));
            const args = [...parts[1].matchAll(/\\exp\((.+?) - \(?(.+?)\)?\)/g)];
            same(problems, d, `${parts[0]} exp of`, args.map((a) => texNumber(a[1])), kept);
            same(problems, d, `${parts[0]} minus`, args.map((a) => texNumber(a[2])), kept.map(() => h.rowMax[r]));
          }
        }
      }
      if (!cell) continue;
      worked.add(`${cell.step}|${cell.head ?? '-'}`);
      const engineM = STEP[cell.step].read(trace, config, cell.head ?? 0);
      const value = at(engineM, cell.row, cell.col);
      if (!agrees(result, value, d)) problems.push(`${parts[0]} = ${result}, engine ${value}`);
      const refV = referenceTable(config, ref, cell.step, cell.head)[cell.row][cell.col];
      if (!agrees(result, refV, d, 1e-5)) problems.push(`${parts[0]} = ${result}, reference ${refV}`);
      problems.push(...factorProblems(cell, parts, trace, config, d).map((p) => `${parts[0]}: ${p}`));
    }
  }
  // Every step has a cell worked out (or stated, for an input), in the chosen head.
  for (const t of tables) {
    if ((t.head ?? head) !== head) continue;
    if (!worked.has(`${t.step}|${t.head ?? '-'}`)) problems.push(`no cell of ${t.step} worked out`);
  }
  return problems;
}

// Printed numbers against the values they stand for, one by one.
function compareList(problems, d, label, printed, values) {
  if (printed.length !== values.length) problems.push(`${label}: ${printed.length} numbers for ${values.length}`);
  else printed.forEach((v, i) => { if (!agrees(v, values[i], d)) problems.push(`${label} ${i + 1}: ${v} ≠ ${values[i]}`); });
}
const same = compareList;

// The factors of a worked sum are the cells it is computed from: x·W for a projection, q·k
// for a score, A·V for an output, Concat·W_O for the final output; softmax's exp(ŝ − m) ÷ Σ
// reads the masked row, its max and its Σ.
function factorProblems(cell, parts, trace, config, d) {
  const { step, head, row: r, col: c } = cell;
  const problems = [];
  const products = (side) => side.split(' + ').map((term) => term.split(' \\times ').map((f) => texNumber(f.replace(/^\((.*)\)$/, '$1'))));
  const same = (...args) => compareList(problems, d, ...args);
  const h = head === null ? null : trace.heads[head];
  const sumSide = parts.find((s) => / \\times /.test(s) && !s.includes('\\cdots') && evaluate(s) !== null);
  const pairCheck = (left, right) => {
    if (!sumSide && parts.some((p) => p.includes('\\cdots'))) return null; // elided: the result is still checked
    if (!sumSide) return problems.push('no sum of products');
    const terms = products(sumSide);
    same('left factors', terms.map((t) => t[0]), left);
    same('right factors', terms.map((t) => t[1]), right);
    return null;
  };
  const column = (rows, col) => rows.map((rr) => rr[col]);
  const queries = trace.encoded ?? trace.x;
  const keys = trace.context ? trace.contextEncoded ?? trace.context : queries;
  if (['q', 'k', 'v'].includes(step) && (config.positional !== 'rope' || step === 'v')) {
    pairCheck(rowOf(step === 'q' ? queries : keys, r), column(config[`w${step}`], c));
  } else if (step === 'scores' && config.score !== 'additive') {
    pairCheck(rowOf(h.q, r), rowOf(h.k, c));
  } else if (step === 'scores') {
    const side = parts.find((s) => s.includes('\\tanh(') && !s.includes('\\sum'));
    const terms = [...side.matchAll(/(\(?-?[\d.]+\)?) \\cdot \\tanh\((-?[\d.]+) \+ \(?(-?[\d.]+)\)?\)/g)];
    same('v_a', terms.map((t) => texNumber(t[1].replace(/[()]/g, ''))), config.va ?? rowOf(h.q, r).map(() => 1));
    same('q', terms.map((t) => texNumber(t[2])), rowOf(h.q, r));
    same('k', terms.map((t) => texNumber(t[3])), rowOf(h.k, c));
  } else if (step === 'scaled' && (config.scale === undefined || config.scale === 'sqrt_dk')) {
    const m = /^\\frac\{(.+)\}\{\\sqrt\{(\d+)\}\}$/.exec(parts[1]);
    if (!m) problems.push(`not s/√d_k: ${parts[1]}`);
    else same('s, d_k', [texNumber(m[1]), Number(m[2])], [at(h.scores, r, c), trace.dk]);
  } else if (step === 'output') {
    pairCheck(rowOf(h.weights, r), column(rowOf2(h.v), c));
  } else if (step === 'final' && config.wo) {
    pairCheck(rowOf(trace.concat, r), column(config.wo, c));
  } else if (step === 'weights' && h.rowSum[r] > 0 && h.masked.data[r * h.masked.cols + c] !== -Infinity) {
    const m = /^\\exp\((.+) - \(?(.+?)\)?\) \\div \\Sigma_\{\d+\}$/.exec(parts[1]);
    const div = /^(.+) \\div (.+)$/.exec(parts[2]);
    if (!m || !div) problems.push(`not exp(ŝ − m) ÷ Σ: ${parts.slice(1, 3).join(' = ')}`);
    else same('ŝ, m, Σ', [texNumber(m[1]), texNumber(m[2]), texNumber(div[2])], [at(h.masked, r, c), h.rowMax[r], h.rowSum[r]]);
  } else if (step === 'encoded') {
    const m = /^(.+) \+ \(?(.+?)\)?$/.exec(parts[1]);
    same('x, pe', [texNumber(m[1]), texNumber(m[2])], [at(trace.x, r, c), at(trace.pe, r, c)]);
  } else if (step === 'pe') {
    const m = /\\frac\{(\d+)\}\{10000\^\{(\d+)\/(\d+)\}\}/.exec(parts[1]);
    same('pos, 2i, d_model', m.slice(1).map(Number), [r, c - (c % 2), trace.x.cols]);
  }
  return problems;
}
const rowOf2 = (m) => Array.from({ length: m.rows }, (_, r) => rowOf(m, r));

// ---------- the tests ----------

test('the article renders through KaTeX and every number in it is the engine\'s, in both languages', () => {
  for (const [name, config] of Object.entries(CASES)) {
    const trace = engine.run(config);
    for (const lang of ['en', 'zh']) {
      for (const decimals of name === 'two-words' || name === 'cross' ? [0, 2, 3, 5] : [3]) {
        for (let head = 0; head < trace.heads.length; head++) {
          const md = writeOut(trace, config, { lang, decimals, head });
          const problems = checkArticle(md, config, trace, decimals, { head });
          assert.deepEqual(problems, [], `${name} ${lang} ${decimals} decimals head ${head + 1}`);
        }
      }
    }
  }
});

test('every step of the step table that is computed has its worked-out form', () => {
  assert.deepEqual(STEPS.filter((s) => !s.input).map((s) => s.id).filter((id) => !WORKED_IDS.includes(id)), []);
});

test('the two-word example reads like its tutorial', () => {
  const config = PRESETS['two-words']();
  const md = writeOut(engine.run(config), config, { lang: 'en', decimals: 3 });
  assert.ok(md.includes('S_{1,2} = q_{1} \\cdot k_{2} = 1 \\times 3 + 2 \\times 4 = 11\n'), 'q₁·k₂ = 1×3 + 2×4 = 11');
  assert.ok(md.includes('\\hat{S}_{1,2} = \\frac{11}{\\sqrt{2}} = 7.778\n'));
  assert.ok(md.includes('A_{1,2} &= \\exp(7.778 - 7.778) \\div \\Sigma_{1} = 1 \\div 1.014 = 0.986\n'), 'exp(…) ÷ Σ = …');
  assert.ok(md.includes('O_{1,2} = \\sum_k A_{1,k} V_{k,2} = 0.014 \\times 2 + 0.986 \\times 4 = 3.972\n'));
});

test('a wrong number fails the check', () => {
  const config = PRESETS['two-words']();
  const trace = engine.run(config);
  const md = writeOut(trace, config, { lang: 'zh', decimals: 3 });
  assert.deepEqual(checkArticle(md, config, trace, 3), []);
  const wrong = {
    'a matrix entry': ['11.000 \\\\', '11.010 \\\\'],
    'a factor': ['1 \\times 3 + 2 \\times 4', '1 \\times 3 + 2 \\times 5'],
    'a factor and the result together': ['1 \\times 3 + 2 \\times 4 = 11', '1 \\times 3 + 2 \\times 5 = 13'],
    'a result': ['\\frac{11}{\\sqrt{2}} = 7.778', '\\frac{11}{\\sqrt{2}} = 7.788'],
    'a softmax term': ['= 0.014 + 1 = 1.014', '= 0.015 + 1 = 1.015'],
    'the row max': ['\\exp(7.778 - 7.778) \\div', '\\exp(7.778 - 7.777) \\div'],
    'the last digit of a weight': ['1 \\div 1.014 = 0.986', '1 \\div 1.014 = 0.987'],
    'an output': ['0.986 \\times 4 = 3.972', '0.986 \\times 4 = 3.982'],
    'an input': ['X_{1,2} = 2', 'X_{1,2} = 3'],
  };
  for (const [what, [from, to]] of Object.entries(wrong)) {
    assert.ok(md.includes(from), `${what}: "${from}" is in the article`);
    assert.notDeepEqual(checkArticle(md.replace(from, to), config, trace, 3), [], `${what} is caught`);
  }
  // Bad TeX is caught by KaTeX.
  assert.notDeepEqual(checkArticle(md.replace('\\hat{S}_{1,2} =', '\\hat{S}_{1,2 ='), config, trace, 3), []);
});

test('the selected cell is the one worked out; the chosen head is the one explained', () => {
  const config = PRESETS['multi-head']();
  const trace = engine.run(config);
  const md = writeOut(trace, config, { lang: 'en', decimals: 3, head: 1, select: { step: 'weights', head: 1, row: 2, col: 3 } });
  assert.deepEqual(checkArticle(md, config, trace, 3, { head: 1 }), []);
  assert.match(md, /A\^\{\(2\)\}_\{3,4\} &= \\exp/);
  assert.match(md, /Worked out for row 3 \(“sat”\), column 4 \(“down”\)/);
  // Without tokens, rows and columns are named by the page's default labels.
  const plain = { ...config, tokens: undefined };
  assert.match(writeOut(engine.run(plain), plain, { decimals: 3 }), /Worked out for row 1 \(“t1”\), column 2 \(“t2”\)/);
  // Elsewhere the selection's row and column carry over, clamped to each step's shape.
  assert.match(md, /S\^\{\(2\)\}_\{3,4\} = q_\{3\}/);
  assert.doesNotMatch(md, /A\^\{\(1\)\}_\{\d+,\d+\} &= /);
  // A blocked default cell of the weights moves to the row's strongest key.
  const causal = PRESETS.causal();
  const ct = engine.run(causal);
  const cm = writeOut(ct, causal, { decimals: 3 });
  assert.match(cm, /\\hat\{S\}'_\{1,2\} = -\\infty \\quad \(M_\{1,2\} = 0\)/);
  assert.match(cm, /A_\{1,1\} &= \\exp/);
});

test('a row with every key blocked, and user text that looks like Markdown or TeX, stay right', () => {
  const config = { ...CASES.cross, tokens: ['$x$', '*b*', '<img src=x onerror=alert(1)>'], contextTokens: ['[a](b)', 'k_2', '\\(', '`c`'] };
  const trace = engine.run(config);
  const md = writeOut(trace, config, { lang: 'en', decimals: 3 });
  assert.deepEqual(checkArticle(md, config, trace, 3), []);
  assert.ok(md.includes('“\\$x\\$”') && md.includes('“\\*b\\*”') && md.includes('“\\<img src=x onerror=alert(1)\\>”'));
  assert.ok(md.includes('“\\[a\\](b)”') && md.includes('“k\\_2”') && md.includes('“\\\\(”') && md.includes('“\\`c\\`”'));
  // The row every key of which is blocked: weight 0 and its reason.
  const blocked = writeOut(trace, config, { decimals: 3, select: { step: 'weights', head: 0, row: 1, col: 2 } });
  assert.ok(blocked.includes('A_{2,3} = 0 \\quad (M_{2,:} = 0)'));
  assert.deepEqual(checkArticle(blocked, config, trace, 3), []);
});

test('the Chinese article has Chinese prose', () => {
  for (const name of ['two-words', 'multi-head', 'cross']) {
    const config = CASES[name];
    const md = writeOut(engine.run(config), config, { lang: 'zh', decimals: 3 });
    const prose = md.split('\n$$\n').filter((_, i) => i % 2 === 0).join('\n')
      .split('\n').filter((l) => l && l !== '$$' && !l.startsWith('\\') && !/^[A-Za-z\\(]/.test(l.replace(/^#+ \d+\. /, 'x')))
      .map((l) => l.replace(/\$[^$]*\$/g, '').replace(/“[^”]*”/g, ''));
    for (const line of prose) {
      assert.match(line, /[\u4e00-\u9fff]/, `${name}: ${line}`);
      // Names of things (softmax, RoPE, W_Q, d_model, Markdown) stay; no English sentence.
      assert.doesNotMatch(line, /\b(?:the|and|of|is|for|with|out|row|column)\b/i, `${name}: ${line}`);
    }
  }
});
