// The page's pure logic, without a browser: share links, resizing, number parsing,
// matrix text formats, the article checker and the embed snippets.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { encodeShare, decodeShare, resize, sizesOf, parseNumber, cleanChecks, cleanStored, causalMask, MAX_DECIMALS } from '../../web/lib/state.js';
import { parseMatrix, toCSV, toMarkdown, toLatex, compareMatrix } from '../../web/lib/matrix-text.js';
import { widgetSnippet, embedUrl } from '../../web/lib/embed.js';
import { PRESETS } from '../../web/lib/presets.js';
import { fmt } from '../../web/lib/format.js';

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
  assert.equal(toMarkdown(m, ['a|b', 'c'], ['1', '2'], 2), '|  | 1 | 2 |\n| --- | ---: | ---: |\n| a\\|b | 0.25 | -1 |\n| c | −∞ | 0.33 |\n');
  assert.equal(toLatex(m, 2), '\\begin{bmatrix}\n  0.25 & -1 \\\\\n  -\\infty & 0.33\n\\end{bmatrix}\n');
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
  assert.equal(fmt(5, 3), '5');
  assert.equal(fmt(-0.0001, 3), '0');
  assert.equal(fmt(-Infinity, 3), '−∞');
  assert.equal(fmt(2.97166, 2), '2.97');
});
