// The "Attention that learned" section's pure logic (docs/model.md): a result of the tiny
// model's run() -> what the section shows (every layer's and head's attention, the answer
// and its confidence, one cell explained), what changed between two sentences (the learned
// weights: nothing; the attention: how much), the example sentences of the held-out set,
// the held-out figures, a loss curve's points. No DOM: tested in tests/node/model-view.test.js.

/** The mean over the last layer's heads of the pronoun's row of attention weights. */
export function pronounRow(result) {
  const heads = result.layers.at(-1).heads;
  const n = result.tokens.length;
  return Array.from({ length: n }, (_, k) => heads.reduce((s, h) => s + h.weights.data[result.pronoun * n + k], 0) / heads.length);
}

/**
 * What the section shows of one run: { lang, tokens, pronoun, referent, attention,
 * confidence (the readout's probability of its answer), attentionWeight (the last layer's
 * mean weight of the pronoun on the token it attends to most), layers: [{ layer, heads:
 * [{ layer, head, rows, cols, data }] }] } (layer and head count from 0).
 */
export function modelView(result) {
  const row = pronounRow(result);
  return {
    lang: result.lang,
    tokens: result.tokens,
    pronoun: result.pronoun,
    referent: result.referent,
    attention: result.attention,
    confidence: result.pointer[result.referent],
    attentionWeight: row[result.attention],
    layers: result.layers.map((trace, layer) => ({
      layer,
      heads: trace.heads.map((hd, head) => ({ layer, head, rows: hd.weights.rows, cols: hd.weights.cols, data: hd.weights.data })),
    })),
  };
}

/** One attention cell: { layer, head, query, key, weight, pronounRow, answer }. */
export function explainCell(view, layer, head, r, c) {
  const m = view.layers[layer].heads[head];
  return {
    layer,
    head,
    row: r,
    col: c,
    query: view.tokens[r],
    key: view.tokens[c],
    weight: m.data[r * m.cols + c],
    pronounRow: r === view.pronoun,
    answer: r === view.pronoun && c === view.referent,
  };
}

/** The learned matrices of a model's weights, in a fixed order: [{ layer, name, matrix }]. */
export function learnedMatrices(weights) {
  return weights.layers.flatMap((l, layer) => ['wq', 'wk', 'wv', 'wo'].map((name) => ({ layer, name, matrix: l[name] })));
}

/** A copy of a model's learned matrices (to compare the next sentence's with). */
export function snapshotWeights(weights) {
  return learnedMatrices(weights).map(({ layer, name, matrix }) => ({ layer, name, data: Float32Array.from(matrix.data) }));
}

/** How many numbers of the learned matrices are equal to a snapshot: { equal, total }. */
export function compareWeights(snapshot, weights) {
  const now = learnedMatrices(weights);
  let equal = 0;
  let total = 0;
  now.forEach(({ matrix }, i) => {
    const old = snapshot[i]?.data;
    for (let j = 0; j < matrix.data.length; j++) {
      total++;
      if (old && Object.is(old[j], matrix.data[j])) equal++;
    }
  });
  return { equal, total };
}

/**
 * What changed in the attention from view `a` to view `b`: null when the sentences do not
 * have the same number of tokens (the matrices are not comparable cell by cell); else
 * { words: the positions whose word differs, changed: cells (of every layer and head) that
 * moved by more than 0.01, total, largest: { layer, head, row, col, from, to } }.
 */
export function compareAttention(a, b) {
  if (!a || !b || a.tokens.length !== b.tokens.length) return null;
  const words = a.tokens.flatMap((t, i) => (t === b.tokens[i] ? [] : [i]));
  let changed = 0;
  let total = 0;
  let largest = null;
  b.layers.forEach((l, layer) => l.heads.forEach((m, head) => {
    const old = a.layers[layer].heads[head].data;
    for (let i = 0; i < m.data.length; i++) {
      const d = Math.abs(m.data[i] - old[i]);
      total++;
      if (d > 0.01) changed++;
      if (!largest || d > largest.delta) {
        largest = { layer, head, row: Math.floor(i / m.cols), col: i % m.cols, from: old[i], to: m.data[i], delta: d };
      }
    }
  }));
  return { words, changed, total, largest };
}

/**
 * A few example sentences of one language from the held-out set, as contrast pairs:
 * [{ pair, sentences: [a, b] }], `count` pairs spread over the set (every frame shows up).
 */
export function examplePairs(heldout, lang, count = 3) {
  const pairs = new Map();
  for (const e of heldout) {
    if (e.lang !== lang || e.pair === undefined) continue;
    if (!pairs.has(e.pair)) pairs.set(e.pair, []);
    pairs.get(e.pair).push(e);
  }
  const all = [...pairs.entries()].filter(([, s]) => s.length === 2);
  if (all.length === 0) return [];
  const step = Math.max(1, Math.floor(all.length / count));
  const out = [];
  for (let i = 0; i < all.length && out.length < count; i += step) {
    out.push({ pair: all[i][0], sentences: all[i][1] });
  }
  return out;
}

/** The held-out entry of these tokens, and the other sentence of its contrast pair (or null). */
export function contrastOf(heldout, lang, tokens) {
  const text = tokens.join(' ');
  const entry = heldout.find((e) => e.lang === lang && e.sentence === text);
  if (!entry || entry.pair === undefined) return null;
  const other = heldout.find((e) => e.pair === entry.pair && e !== entry);
  return other ? { entry, other } : null;
}

/** How a sentence of the data set is written in the input: Chinese without its spaces. */
export const displaySentence = (entry) => (entry.lang === 'zh' ? entry.sentence.replaceAll(' ', '') : entry.sentence);

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The typed text with the unknown `word` replaced by `replacement` (its first occurrence,
 * ignoring case, as the model reads English in lower case); the rest of the text as typed.
 */
export function replaceWord(text, word, replacement) {
  const latin = /^[\p{L}\p{N}'-]+$/u.test(word) && !/\p{Script=Han}/u.test(word);
  // An English word is replaced only where it stands as a whole word.
  const pattern = latin ? new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'iu') : new RegExp(escapeRegExp(word), 'u');
  const m = pattern.exec(text);
  if (!m) return text;
  return text.slice(0, m.index) + replacement + text.slice(m.index + m[0].length);
}

/** The stored figures as { heldout: { sentences, readout, attention, both }, pairs: { total, both } }. */
export function accuracyFigures(accuracy) {
  const a = accuracy?.heldout;
  if (!a) return null;
  return {
    heldout: { sentences: a.sentences, readout: a.readout, attention: a.attention, both: a.both, wrong: a.wrong ?? [] },
    pairs: { total: a.contrastPairs, both: a.contrastPairsBoth },
  };
}

/** A count as a percentage of a total, one decimal unless whole: 288/288 -> "100", 249/288 -> "86.5". */
export function percent(count, total) {
  if (!total) return '0';
  const p = (100 * count) / total;
  return Number.isInteger(Math.round(p * 10) / 10) ? String(Math.round(p)) : p.toFixed(1);
}

/**
 * The held-out figures of a model, as npm run train:model measures them (docs/model.md,
 * "Accuracy"): a sentence is right when the readout and the last layer's strongest attention
 * (mean over heads) both pick the referent; a contrast pair when both its sentences are.
 */
export function measureHeldout(model, heldout) {
  const out = { sentences: 0, readout: 0, attention: 0, both: 0, contrastPairs: 0, contrastPairsBoth: 0, wrong: [] };
  const pairs = new Map();
  for (const e of heldout) {
    const r = model.run(e.sentence, { lang: e.lang });
    const row = pronounRow(r);
    const attention = row.indexOf(Math.max(...row));
    const both = r.referent === e.referent && attention === e.referent;
    out.sentences++;
    out.readout += r.referent === e.referent;
    out.attention += attention === e.referent;
    out.both += both;
    if (!both) out.wrong.push({ lang: e.lang, sentence: e.sentence, referent: e.referent, readout: r.referent, attention });
    if (e.pair !== undefined) pairs.set(e.pair, (pairs.get(e.pair) ?? true) && both);
  }
  out.contrastPairs = pairs.size;
  out.contrastPairsBoth = [...pairs.values()].filter(Boolean).length;
  return out;
}

/**
 * A loss curve's drawing: losses (one per point) -> { points: "x,y …", max, min, count }
 * inside a width × height box with `pad` px margins; the y axis is logarithmic when the loss
 * spans more than two decades (training takes it from about 3 to 1e-4).
 */
export function lossCurve(losses, width, height, pad = { l: 44, r: 8, t: 8, b: 20 }) {
  const finite = losses.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0) return { points: '', max: 0, min: 0, count: 0, log: false };
  const max = Math.max(...finite);
  const min = Math.min(...finite);
  const log = max / min > 100;
  const f = log ? Math.log10 : (v) => v;
  const lo = log ? f(min) : 0;
  const hi = f(max);
  const x = (i) => pad.l + (losses.length === 1 ? 0 : (i / (losses.length - 1)) * (width - pad.l - pad.r));
  const y = (v) => pad.t + (1 - (f(v) - lo) / (hi - lo || 1)) * (height - pad.t - pad.b);
  const points = losses.flatMap((v, i) => (Number.isFinite(v) && v > 0 ? [`${x(i).toFixed(1)},${y(v).toFixed(1)}`] : [])).join(' ');
  return { points, max, min: log ? min : 0, count: finite.length, log, y };
}
