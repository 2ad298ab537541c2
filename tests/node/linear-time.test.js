// Every parser of user text in the page finishes crafted 200,000-character inputs quickly:
// long runs of digits, spaces, newlines, separators, brackets, minus signs, pipes, an
// unclosed "[", "\begin{pmatrix}" with no end, and so on. A pattern that backtracks
// quadratically needs ~200,000² steps on them (minutes; one froze the page for 34 s), a
// linear one milliseconds, so a bound of 1 s is generous yet catches it.
//
// Each input is parsed in a worker thread: a parser that hangs is stopped at its deadline
// and reported, instead of hanging the test run. The worker times the call alone (not its
// own start-up), and a case gets three tries, because on this shared 2-core machine one
// run can be slowed by a neighbour; a quadratic parser misses every try by far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { parseNumber, decodeShare } from '../../web/lib/state.js';
import { parseMatrix } from '../../web/lib/matrix-text.js';

const N = 200_000; // parseMatrix refuses longer text, so this is the longest it reads
const LIMIT_MS = 1000;
const TRIES = 3;

// `unit` repeated to exactly `length` characters
const run = (unit, length = N) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
const b64 = (text) => Buffer.from(text).toString('base64url');

const PARSERS = { parseNumber, parseMatrix, decodeShare };

// [parser, what, input]; the input ends in a character that makes the match fail late,
// which is where a backtracking pattern spends its time.
const CASES = [
  ['parseNumber', 'digits then a letter', () => `${run('1')}x`],
  ['parseNumber', 'digits then a slash and a letter', () => `${run('1')}/x`],
  ['parseNumber', 'a fraction whose bottom is digits then a letter', () => `1/${run('1')}x`],
  ['parseNumber', 'a point, digits, a letter', () => `.${run('1')}x`],
  ['parseNumber', 'an exponent of digits then a letter', () => `1e${run('1')}x`],
  ['parseNumber', 'digits, a point, digits, a letter', () => `${run('1', N / 2)}.${run('1', N / 2)}x`],
  ['parseNumber', 'minus signs', () => `${run('-')}1`],
  ['parseNumber', 'spaces around a slash', () => `1${run(' ', N / 2)}/${run(' ', N / 2)}x`],
  ['parseNumber', 'digits and commas', () => `${run('1,')}x`],
  ['parseMatrix', 'digits then a letter', () => `${run('1', N - 1)}x`],
  ['parseMatrix', 'spaces then a letter', () => `${run(' ', N - 1)}x`],
  ['parseMatrix', 'tabs then a letter', () => `${run('\t', N - 1)}x`],
  ['parseMatrix', 'newlines then a letter', () => `${run('\n', N - 1)}x`],
  ['parseMatrix', 'newline-space pairs then a letter', () => `${run('\n ', N - 1)}x`],
  ['parseMatrix', 'newlines then a pipe', () => `${run('\n', N - 1)}|`],
  ['parseMatrix', 'commas', () => `${run(',', N - 1)}x`],
  ['parseMatrix', 'semicolons', () => `${run(';', N - 1)}x`],
  ['parseMatrix', 'digits and commas (decimal commas)', () => run('1,1')],
  ['parseMatrix', 'points', () => `${run('.', N - 1)}1`],
  ['parseMatrix', 'digits and points', () => run('1.')],
  ['parseMatrix', 'exponents', () => run('1e')],
  ['parseMatrix', 'minus signs then a digit', () => `${run('-', N - 1)}1`],
  ['parseMatrix', 'minus signs then a letter', () => `${run('-', N - 1)}x`],
  ['parseMatrix', 'opening parentheses', () => `${run('(', N - 1)}1`],
  ['parseMatrix', 'opening brackets', () => run('[')],
  ['parseMatrix', 'closing brackets then a letter', () => `1 ${run(']', N - 3)}x`],
  ['parseMatrix', 'an unclosed [ and numbers', () => `[${run('1,', N - 1)}`],
  ['parseMatrix', 'an unclosed [[ and numbers', () => `[[${run('1, ', N - 2)}`],
  ['parseMatrix', '[[ then closing brackets', () => `[[${run(']', N - 3)}x`],
  ['parseMatrix', '[[1] then spaces', () => `[[1] ${run(' ', N - 6)}x`],
  ['parseMatrix', '[[1] then spaces, a comma, spaces', () => `[[1] ${run(' ', N / 2)},${run(' ', N / 2 - 8)}x`],
  ['parseMatrix', '\\begin{pmatrix} over and over, no end', () => run('\\begin{pmatrix}')],
  ['parseMatrix', '\\begin{pmatrix} and entries, no end', () => `\\begin{pmatrix}${run('1 & ', N - 20)}`],
  ['parseMatrix', 'ampersands in a bmatrix', () => `\\begin{bmatrix}${run('&', N - 40)}\\end{bmatrix}`],
  ['parseMatrix', 'one long LaTeX entry', () => `\\begin{bmatrix}${run('1+', N - 40)}x\\end{bmatrix}`],
  ['parseMatrix', '\\frac{ over and over', () => run('\\frac{')],
  ['parseMatrix', '\\frac{1}{ over and over', () => run('\\frac{1}{')],
  ['parseMatrix', '\\frac{ then brace pairs', () => `\\frac{${run('{}', N - 10)}`],
  ['parseMatrix', '\\sqrt{ over and over', () => run('\\sqrt{')],
  ['parseMatrix', '√ over and over', () => run('√')],
  ['parseMatrix', 'a pipe then spaces', () => `|${run(' ', N - 2)}x`],
  ['parseMatrix', 'pipes', () => `${run('|', N - 1)}x`],
  ['parseMatrix', 'a table separator of dashes', () => `| 1 |\n|${run('-', N - 10)}x`],
  ['parseMatrix', 'a table row of spaces and a colon', () => `| 1 |\n|${run(' ', N - 10)}:x`],
  ['parseMatrix', 'number signs (comments)', () => run('#')],
  ['parseMatrix', 'dollar signs', () => `${run('$', N - 1)}1`],
  ['decodeShare', 'a config of base64 letters', () => `#config=${run('A', N)}`],
  ['decodeShare', 'a config of dashes', () => `#config=${run('-', N)}`],
  ['decodeShare', 'ampersands', () => `#${run('&', N)}`],
  ['decodeShare', 'a long preset name', () => `#preset=${run('x', N)}`],
  ['decodeShare', 'deeply nested JSON', () => `#config=${b64(run('[', N / 2))}`],
  ['decodeShare', 'a huge number of fields', () => `#config=${b64(`{${run('"a":1,', N / 2)}"b":1}`)}`],
];

if (!isMainThread) {
  const [parser, , make] = CASES[workerData];
  const input = make();
  const start = performance.now();
  let threw = null;
  try {
    PARSERS[parser](input);
  } catch (err) {
    threw = String(err); // a parser answers bad text with a value, never a throw
  }
  parentPort.postMessage({ ms: performance.now() - start, threw });
} else {
  // One timed call in a fresh worker: its duration in ms, or Infinity when the worker
  // has not answered LIMIT_MS after it started (plus time to start a worker). A parser
  // that throws fails the test too.
  const timeOnce = (index) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: index });
    const timer = setTimeout(() => {
      worker.terminate();
      resolve(Infinity);
    }, LIMIT_MS + 4000);
    worker.once('message', ({ ms, threw }) => {
      clearTimeout(timer);
      worker.terminate();
      if (threw) reject(new Error(`threw ${threw}`));
      else resolve(ms);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });

  CASES.forEach(([parser, what, make], index) => {
    test(`${parser}: ${what} (${make().length.toLocaleString('en')} characters) in under ${LIMIT_MS} ms`, async () => {
      const times = [];
      for (let i = 0; i < TRIES && !(times.at(-1) < LIMIT_MS); i++) times.push(await timeOnce(index));
      assert.ok(times.at(-1) < LIMIT_MS, `${parser} took ${times.map((t) => (t === Infinity ? 'too long (stopped)' : `${Math.round(t)} ms`)).join(', ')}`);
    });
  });
}
