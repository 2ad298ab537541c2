// The page's pure logic, without a browser: share links, resizing, number parsing,
// matrix text formats, the article checker and the embed snippets.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { encodeShare, decodeShare, resize, sizesOf, parseNumber, cleanChecks, cleanStored, causalMask, MAX_DECIMALS, withBlockCell } from '../../web/lib/state.js';
import { parseMatrix, toCSV, toMarkdown, toLatex, compareMatrix, checkSummary } from '../../web/lib/matrix-text.js';
import { widgetSnippet, embedUrl } from '../../web/lib/embed.js';
import { PRESETS } from '../../web/lib/presets.js';
import { fmt, fmtPlain, num } from '../../web/lib/format.js';
import { strings } from '../../web/i18n/index.js';

test('share links round-trip any state, including non-ASCII labels', () => {
  const state = { config: { ...PRESETS['it-animal'](), tokens: PRESETS['it-animal']().tokens.map((t, i) => (i === 0 ? '注意力 <b>"x"</b>' : t)) }, decimals: 4, lang: 'zh', checks: { 'q|-': [[1, 2]] } };
  const back = decodeShare(encodeShare(state));
  assert.deepEqual(back, { config: state.config, decimals: 4, lang: 'zh', checks: state.checks });
});

test('malformed share links give a message, never a throw', () => {
  const cases = {
    '#config=%%%': 'characters',
    '#config=abcde': 'truncated',
    '#config=abcd': 'utf8', // bytes 69 b7 1d: not UTF-8
    '#config=eyJ4Ijp': 'json', // {"x":
    '#config=WzEsMiwzXQ': 'not_object', // [1,2,3]
    '#config=bnVsbA': 'not_object', // null
    [`#config=${'A'.repeat(500_000)}`]: 'too_long',
  };
  for (const [hash, code] of Object.entries(cases)) assert.deepEqual(decodeShare(hash), { error: code }, hash.slice(0, 30));
  assert.equal(decodeShare(''), null);
  assert.equal(decodeShare('#step-x'), null);
  assert.deepEqual(decodeShare('#preset=causal'), { preset: 'causal' });
  // __proto__ stays an ordinary key of the config (the engine then refuses it by name)
  const polluted = decodeShare(`#config=${Buffer.from('{"__proto__":{"polluted":1},"x":[[1]]}').toString('base64url')}`);
  assert.equal({}.polluted, undefined);
  assert.ok(Object.hasOwn(polluted.config, '__proto__'));
  // bad view fields are dropped, the config kept
  const view = decodeShare(`#config=${Buffer.from('{"x":[[1]],"decimals":99,"lang":5,"checks":{"nope|1":[[1]],"q|-":[["a"]]}}').toString('base64url')}`);
  assert.deepEqual(view, { config: { x: [[1]] } });
});

test('the saved state: each bad field is dropped on its own, the good ones kept', () => {
  const config = { x: [[1]], wq: [[1]], wk: [[1]], wv: [[1]] };
  const checks = { 'weights|0': [[0.5]] };
  assert.deepEqual(cleanStored({ config, decimals: 4, lang: 'zh', checks }), { config, decimals: 4, lang: 'zh', checks });
  for (const decimals of [-1, MAX_DECIMALS + 1, 100, 101, 1e9, 2.5, NaN, '3', null, true, [3], { valueOf: 3 }]) {
    assert.deepEqual(cleanStored({ config, decimals, lang: 'en' }), { config, lang: 'en' }, `decimals ${String(decimals)}`);
  }
  for (const decimals of [0, MAX_DECIMALS]) assert.equal(cleanStored({ config, decimals }).decimals, decimals);
  for (const lang of [5, null, {}, ['zh'], '', 'x', 'z'.repeat(36)]) assert.deepEqual(cleanStored({ config, lang }), { config }, `lang ${JSON.stringify(lang)}`);
  for (const bad of ['nope', [[1]], { 'nope|1': [[1]] }, { 'q|-': [['a']] }, { 'q|-': [] }]) assert.deepEqual(cleanStored({ config, checks: bad }), { config });
  // a bad config goes, the view stays (the page then shows the default example with it)
  for (const bad of [null, 'x', 5, [[1]], true]) assert.deepEqual(cleanStored({ config: bad, decimals: 2, lang: 'zh' }), { decimals: 2, lang: 'zh' });
  for (const nothing of [null, undefined, 5, 'state', [1, 2], {}, { config: 'x', decimals: 99 }]) assert.equal(cleanStored(nothing), null);
  // unknown fields do not come along, and prototype keys stay plain data
  const parsed = JSON.parse('{"__proto__": {"polluted": 1}, "decimals": 2, "extra": 1}');
  assert.deepEqual(cleanStored(parsed), { decimals: 2 });
  assert.equal({}.polluted, undefined);
});

test('resize keeps what was typed and fills new cells', () => {
  const config = PRESETS['multi-head']();
  const bigger = resize(config, { n: 6, heads: 3, dk: 3 }, 7);
  const z = sizesOf(bigger);
  assert.deepEqual([z.n, z.heads, z.dk, z.dv, z.dModel], [6, 3, 3, 2, 4]);
  assert.deepEqual(bigger.x.slice(0, 4), config.x);
  assert.equal(bigger.tokens.length, 6);
  // head 0, columns 0..1 of W_Q are kept in place
  for (let r = 0; r < 4; r++) assert.deepEqual(bigger.wq[r].slice(0, 2), config.wq[r].slice(0, 2));
  // head 1's old columns moved to head 1's new place (width 3)
  for (let r = 0; r < 4; r++) assert.deepEqual(bigger.wq[r].slice(3, 5), config.wq[r].slice(2, 4));
  assert.equal(bigger.wo.length, 3 * 2);
  const smaller = resize(bigger, { n: 2, heads: 1, dk: 2 });
  assert.deepEqual(smaller.x, config.x.slice(0, 2));
  assert.deepEqual(smaller.wq, config.wq.map((row) => row.slice(0, 2)));
  assert.deepEqual(resize({ ...config, mask: causalMask(4, 4) }, { n: 5 }).mask[4], [1, 1, 1, 1, 1]);
});

test('numbers are read the way people type them', () => {
  const ok = { '0.5': 0.5, '-2': -2, '1e-3': 0.001, '.5': 0.5, '1/2': 0.5, '0,5': 0.5, ' 3 ': 3, '−1': -1 };
  for (const [text, value] of Object.entries(ok)) assert.equal(parseNumber(text), value, text);
  for (const bad of ['', 'abc', '1/0', '4x', 'Infinity', 'NaN', '1e999', '0x10', '--1']) assert.equal(parseNumber(bad), null, bad);
});

test('matrix text: read CSV, Markdown, LaTeX, JSON and plain text; refuse the rest clearly', () => {
  const want = [[1, 2], [3, 4]];
  for (const text of ['1 2\n3 4', '1,2\n3,4', '1\t2\n3\t4', '[[1, 2], [3, 4]]', 'X = [[1, 2], # word 1\n [3, 4]] # word 2'.slice(4),
    '| | a | b |\n|---|---:|---:|\n| x | 1 | 2 |\n| y | 3 | 4 |', '\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}', 'a b\nx 1 2\ny 3 4']) {
    assert.deepEqual(parseMatrix(text), { rows: want }, text);
  }
  const latex = parseMatrix('\\begin{bmatrix} \\frac{1}{2} & \\frac{1}{\\sqrt{2}} \\\\ ½ & -\\infty \\end{bmatrix}').rows;
  assert.deepEqual([latex[0][0], latex[1][0], latex[1][1]], [0.5, 0.5, -Infinity]);
  assert.ok(Math.abs(latex[0][1] - Math.SQRT1_2) < 1e-15);
  assert.deepEqual(parseMatrix('1 2\n3').error, { code: 'ragged', row: 2, count: 1, first: 2 });
  assert.deepEqual(parseMatrix('').error, { code: 'empty' });
  assert.deepEqual(parseMatrix('1 2\n3 alert(1)').error, { code: 'not_number', row: 2, entry: 2 });
  assert.ok(['not_number', 'no_numbers'].includes(parseMatrix('\\frac{1}{constructor}').error.code));
});

test('matrix text: entries are arithmetic, nested LaTeX included, and nothing else', () => {
  assert.deepEqual(parseMatrix('\\frac{\\frac{1}{2}}{2} \\dfrac{1}{\\sqrt{4}}\n√(9) -(1+2)*3').rows, [[0.25, 0.5], [3, -9]]);
  // names of Object.prototype's members are not numbers; nesting has a limit, not a stack overflow
  for (const bad of ['toString', 'constructor', '__proto__', 'Math.sqrt(2)', `${'('.repeat(100)}1${')'.repeat(100)}`, '1e', '2√2', '\\alert{1}', '.']) {
    assert.deepEqual(parseMatrix(`1 2\n1 ${bad}`).error, { code: 'not_number', row: 2, entry: 2 }, bad);
  }
});

test('matrix text: exports', () => {
  const m = { rows: 2, cols: 2, value: (r, c) => [[0.25, -1], [-Infinity, 1 / 3]][r][c] };
  // -Infinity is no plain number: a spreadsheet would read it as a formula (and fail)
  assert.equal(toCSV(m, ['a,b', '=SUM(A1)'], ['k1', 'k"2']), ',k1,"k""2"\n"a,b",0.25,-1\n\'=SUM(A1),\'-Infinity,0.3333333333333333\n');
  // Markdown and LaTeX carry the table's decimals, trailing zeros included (-1.00).
  assert.equal(toMarkdown(m, ['a|b', 'c'], ['1', '2'], 2), '|  | 1 | 2 |\n| --- | ---: | ---: |\n| a\\|b | 0.25 | -1.00 |\n| c | −∞ | 0.33 |\n');
  assert.equal(toLatex(m, 2), '\\begin{bmatrix}\n  0.25 & -1.00 \\\\\n  -\\infty & 0.33\n\\end{bmatrix}\n');
});

test('matrix text: exports never print a near-0 or near-1 value as 0 or 1, and read back as equal', () => {
  const values = [[0.0141660, 0.9858340], [0.0000453978, 0.9999546], [4.5e-7, 1]];
  const m = { rows: 3, cols: 2, value: (r, c) => values[r][c] };
  const md = toMarkdown(m, ['a', 'b', 'c'], ['1', '2'], 3);
  assert.equal(md, '|  | 1 | 2 |\n| --- | ---: | ---: |\n| a | 0.014 | 0.986 |\n| b | 0.000045 | 0.99995 |\n| c | 4.5e-7 | 1.000 |\n');
  const tex = toLatex(m, 3);
  assert.equal(tex, '\\begin{bmatrix}\n  0.014 & 0.986 \\\\\n  0.000045 & 0.99995 \\\\\n  4.5 \\times 10^{-7} & 1.000\n\\end{bmatrix}\n');
  for (const text of [md, tex, toCSV(m)]) {
    const back = compareMatrix(parseMatrix(text).rows, m, 3);
    assert.deepEqual([back.differ, back.shapeDiffers], [0, false], text);
  }
  assert.equal(parseMatrix('4.5×10^-7 2·10^{3}').rows[0].join(), '4.5e-7,2000');
});

// One CSV field back as a spreadsheet sees its text: quotes undone.
const csvCells = (line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].slice(0, -1).map(([, f]) => (f.startsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f));

test('CSV: no cell a spreadsheet would run as a formula, plain numbers kept as numbers', () => {
  const payloads = ["-1+cmd|' /C calc'!A0", '-2+3', '+SUM(1)', '=1+1', '@SUM(1)', '=HYPERLINK("http://x","y")', '\t=1+1', '\r=1+1',
    '-', '--1', '-1-1', '-1e5+1', '- 1', '-0x10', '+1', '-Infinity', '-1.', '-.5', "-1+1'", '=', '@', '+', '-1,2', '-"1"'];
  const plain = ['-1', '1', '-0.5', '12.25', '1e-7', '-1.5E+21', '0'];
  const m = { rows: 1, cols: 1, value: () => 0.5 };
  const formula = /^[=+\-@\t\r]/;
  const isPlain = (t) => /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(t);
  for (const label of [...payloads, ...plain]) {
    for (const csv of [toCSV(m, [label], ['k']), toCSV(m, ['r'], [label]), toCSV({ rows: 1, cols: 1, value: () => label })]) {
      const cells = csv.split('\n').filter(Boolean).flatMap(csvCells);
      assert.ok(cells.includes(label) || cells.includes(`'${label}`), `${JSON.stringify(label)} in ${JSON.stringify(csv)}`);
      for (const cell of cells) assert.ok(!formula.test(cell) || isPlain(cell), `${JSON.stringify(cell)} would run as a formula (${JSON.stringify(label)})`);
    }
  }
  // plain numbers stay numbers, and what is not a formula is left alone
  for (const label of [...plain, 'word', '1+1', 'a=b', ' =1']) assert.equal(toCSV(m, [label]).split(',')[0], label);
  assert.equal(toCSV(m, ['-2+3']), "'-2+3,0.5\n");
  assert.equal(toCSV(m, ['\t=1']), "'\t=1,0.5\n");
  assert.equal(toCSV(m, ['\r=1']), '"\'\r=1",0.5\n');
});

test('the checker compares at the shown precision and reports shape differences', () => {
  const engine = { rows: 3, cols: 3, value: (r, c) => [[0.4011, 0.1978, 0.4011], [0.1978, 0.4011, 0.4011], [0.2483, 0.2483, 0.5035]][r][c] };
  const r = compareMatrix([[0.5, 0.5, 0], [0, 0.5, 0.5]], engine, 3);
  assert.equal(r.compared, 6);
  assert.equal(r.differ, 6);
  assert.ok(r.shapeDiffers);
  const ok = compareMatrix([[0.401, 0.198, 0.401]], engine, 3);
  assert.equal(ok.differ, 0);
  assert.equal(compareMatrix([[0.4]], engine, 3).differ, 1);
  assert.equal(compareMatrix([[0.4]], engine, 1).differ, 0);
});

test('a matrix of another shape is its own verdict, never "all agree"', () => {
  const T = strings('en').tools;
  const engine = { rows: 3, cols: 3, value: (r, c) => [[0.4011, 0.1978, 0.4011], [0.1978, 0.4011, 0.4011], [0.2483, 0.2483, 0.5035]][r][c] };
  const part = compareMatrix([[0.401, 0.198, 0.401]], engine, 3); // the right first row, nothing else
  assert.equal(part.differ, 0);
  assert.equal(part.verdict, 'shape');
  const said = checkSummary(part, [3, 3], T);
  assert.doesNotMatch(said, /^All|all .* agree/i);
  assert.match(said, /1 × 3.*3 × 3/);
  const wrong = compareMatrix([[0.5, 0.5, 0], [0, 0.5, 0.5]], engine, 3);
  assert.equal(wrong.verdict, 'shape');
  assert.match(checkSummary(wrong, [3, 3], T), /2 × 3.*3 × 3.*6 cells.*6 differ/);
  const full = [[0.401, 0.198, 0.401], [0.198, 0.401, 0.401], [0.248, 0.248, 0.504]];
  assert.equal(compareMatrix(full, engine, 3).verdict, 'agree');
  assert.match(checkSummary(compareMatrix(full, engine, 3), [3, 3], T), /^All 9/);
  full[2][2] = 0.6;
  assert.equal(compareMatrix(full, engine, 3).verdict, 'differ');
  assert.match(checkSummary(compareMatrix(full, engine, 3), [3, 3], T), /^1 of 9 cells differ/);
  for (const lang of ['en', 'zh']) {
    const U = strings(lang).tools;
    assert.notEqual(checkSummary(part, [3, 3], U), U.summary(0, 3), lang);
  }
});

test('an edit of a vector block (v_a, a flat list shown as one row) sets that entry', () => {
  const config = { x: [[1, 2]], wq: [[1, 0], [0, 1]], wk: [[1, 0], [0, 1]], wv: [[1], [1]], score: 'additive' };
  const va = { step: 'va', field: 'va', vector: true, rows: 1, cols: 2, value: (r, c) => config.va?.[c] ?? 1 };
  assert.deepEqual(withBlockCell(config, va, 0, 1, 3).va, [1, 3]); // absent: the default ones, then the edit
  assert.equal(withBlockCell({ ...config, va: [2, 3] }, va, 0, 1, 3), null); // nothing to do
  assert.deepEqual(withBlockCell({ ...config, va: [2, 3] }, va, 0, 0, -1).va, [-1, 3]);
  const wq = { step: 'wq', rows: 2, cols: 2, value: (r, c) => config.wq[r][c] };
  assert.deepEqual(withBlockCell(config, wq, 1, 0, 5).wq, [[1, 0], [5, 1]]);
  assert.equal(withBlockCell(config, wq, 1, 1, 1), null);
  assert.deepEqual(config.wq, [[1, 0], [0, 1]]); // the old config is left alone
});

test('embed snippets escape everything they carry', () => {
  const config = { x: [[1]], tokens: ["it's <b>&"], wq: [[1]], wk: [[1]], wv: [[1]] };
  const snippet = widgetSnippet({ config, steps: ['weights'], lang: 'en', decimals: 2, readonly: true, theme: 'dark', scriptSrc: 'https://e.org/a.js' });
  assert.equal(snippet, '<script src="https://e.org/a.js" defer></script>\n<attention-playground config=\'{&quot;x&quot;:[[1]],&quot;tokens&quot;:[&quot;it&#39;s &lt;b&gt;&amp;&quot;],&quot;wq&quot;:[[1]],&quot;wk&quot;:[[1]],&quot;wv&quot;:[[1]]}\' steps="weights" lang="en" decimals="2" theme="dark" readonly></attention-playground>\n');
  const url = embedUrl({ config, steps: ['weights'], embedUrl: 'https://e.org/embed.html' });
  const params = new URLSearchParams(url.split('#')[1]);
  assert.deepEqual(JSON.parse(Buffer.from(params.get('config'), 'base64url').toString('utf8')), config);
  assert.equal(params.get('steps'), 'weights');
  assert.deepEqual(cleanChecks({ 'weights|0': [[0.5]] }), { 'weights|0': [[0.5]] });
});

test('numbers on screen', () => {
  assert.equal(fmt(0.0141660, 3), '0.014');
  assert.equal(fmt(-Infinity, 3), '−∞');
  assert.equal(fmt(2.97166, 2), '2.97');
  // One number of decimals in a table: trailing zeros are kept.
  assert.equal(fmt(5, 3), '5.000');
  assert.equal(fmt(0.5, 3), '0.500');
  assert.equal(fmt(-2, 1), '-2.0');
  assert.equal(fmt(7, 0), '7');
  // Exact 0 and ±1 look exact; nothing else may look like them.
  assert.equal(fmt(0, 3), '0.000');
  assert.equal(fmt(-0, 3), '0.000');
  assert.equal(fmt(1, 3), '1.000');
  assert.equal(fmt(-1, 3), '-1.000');
  assert.equal(fmt(-0.0001, 3), '-1.0e-4');
  assert.equal(fmt(0.0000453978, 3), '4.5e-5'); // seed 002's second row
  assert.equal(fmt(0.9999546, 3), '<1.000');
  assert.equal(fmt(0.9999546, 5), '0.99995');
  assert.equal(fmt(1.0000454, 3), '>1.000');
  assert.equal(fmt(-0.9999546, 3), '>-1.000');
  assert.equal(fmt(-1.0000454, 2), '<-1.00');
  assert.equal(fmt(0.0006, 3), '0.001'); // rounds to a non-zero number: shown as it is
  assert.equal(fmt(-0.0004, 3), '-4.0e-4'); // never "-0.000"
  // Plain numbers for exports and arithmetic: the digits the value needs instead of a marker.
  assert.equal(fmtPlain(5, 3), '5.000');
  assert.equal(fmtPlain(0.0000453978, 3), '0.000045');
  assert.equal(fmtPlain(0.9999546, 3), '0.99995');
  assert.equal(fmtPlain(Math.fround(0.99999994), 3), '0.9999999'); // float32's largest value below 1
  assert.equal(fmtPlain(4.5e-7, 3), '4.5e-7');
  assert.equal(num(5, 3), '5');
  assert.equal(num(0.5, 3), '0.5');
  assert.equal(num(0.0141660, 3), '0.014');
  assert.equal(num(0.9999546, 3), '0.99995');
});

test('numbers on screen: for any value, the same decimals, at most 7 characters, never a false 0 or ±1', () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values = [0, 1, -1, 0.5, 5e-324, 1e-300, -1e-9, 0.99999994, 1.0000001, -0.9999999];
  for (let i = 0; i < 2000; i++) values.push((random() - 0.5) * 10 ** Math.floor(random() * 12 - 9), 1 - random() * 1e-3, -1 + random() * 1e-3);
  for (const d of [0, 1, 2, 3, 4]) {
    for (const v of values) {
      const text = fmt(v, d);
      const marker = /e|[<>]/.test(text);
      if (!marker) {
        assert.equal(text.split('.')[1]?.length ?? 0, d, `${v} at ${d}: ${text}`);
        assert.ok(Math.abs(Number(text) - v) <= 0.5 * 10 ** -d + 1e-12, `${v} at ${d}: ${text}`);
      } else if (text.includes('e')) {
        assert.ok(Math.abs(Number(text) - v) <= Math.abs(v) * 0.05, `${v}: ${text}`);
      } else {
        assert.equal(text.split('.')[1]?.length ?? 0, d, `${v} at ${d}: ${text}`);
      }
      if ([0, 1, -1].includes(Number(text))) assert.ok(v === Number(text), `${v} at ${d} shows as ${text}`);
      // 7 characters; 8 for a negative below 1e-9 (-1.6e-10), float noise at most.
      if (d === 3) assert.ok(text.length <= (v < 0 && v > -1e-9 ? 8 : 7) || Math.abs(v) >= 100 || Math.abs(v) < 1e-99, `${v}: ${text} is too wide`);
      const plain = fmtPlain(v, d);
      assert.ok(!Number.isNaN(Number(plain)), `${v}: ${plain} is a number`);
      if ([0, 1, -1].includes(Number(plain))) assert.ok(v === Number(plain), `${v} at ${d} exports as ${plain}`);
    }
  }
});
