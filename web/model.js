// The tiny transformer trained to resolve a pronoun (docs/model.md), on the engine's
// WebAssembly core: loadModel() -> { vocabulary, languages, run(sentence, { lang }) }.
// This layer turns a sentence into token ids and the model's file into Float32Array
// matrices; the forward pass, and every check of shapes and ids, is the C++ core's
// (cpp/src/model.cpp). Unknown words become an AttentionError naming the word and the
// known words nearest to it.
import { loadEngine, AttentionError } from './engine.js';

export { AttentionError };

const DEFAULT_MODEL = './data/pronoun-model.json';
const DEFAULT_TRAIN = './data/pronouns-train.json';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string'
  && typeof window === 'undefined';

async function readJson(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return JSON.parse(await readFile(url, 'utf8'));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the model from ${url.href} (HTTP ${response.status})`);
  return response.json();
}

const toMatrix = ({ rows, cols, data }) => ({ rows, cols, data: Float32Array.from(data) });

// The model file's weights as the core reads them (model_weights_from in embind.cpp).
function toWeights(file) {
  const w = file.weights;
  return {
    shape: file.shape,
    embedding: toMatrix(w.embedding),
    position: toMatrix(w.position),
    layers: w.layers.map((l) => ({ wq: toMatrix(l.wq), wk: toMatrix(l.wk), wv: toMatrix(l.wv), wo: toMatrix(l.wo) })),
    readout: toMatrix(w.readout),
  };
}

// Edit distance in code points (insert, delete, replace), for the nearest known words.
function distance(a, b) {
  const x = Array.from(a), y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length];
}

// Known words are a few letters long: comparing more of a long unknown word than this says
// nothing more, and would make a 200,000-character word cost seconds.
const COMPARED = 32;

// The three known words of a language nearest to `word`, nearest first, ties alphabetical.
export function nearestWords(word, words, count = 3) {
  const head = Array.from(word.slice(0, 2 * COMPARED)).slice(0, COMPARED).join('');
  return words.map((w) => [distance(head, w), w])
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .slice(0, count)
    .map(([, w]) => w);
}

// Punctuation of both languages: a separator, never part of a word.
const PUNCTUATION = /[\s.,!?;:"“”‘’()，。！？；：、（）《》]+/u;

/**
 * A sentence's words, as the data sets store them (docs/model.md, "Tokenisation"):
 * English is lower-cased and split at spaces and punctuation; Chinese is split at spaces and
 * punctuation, and each piece by longest match against the language's words, so
 * "狗没有穿过河" and "狗 没有 穿过 河" are the same words. A stretch of Chinese that starts
 * no known word up to the next one that does is one unknown word.
 */
export function tokenize(sentence, lang, words) {
  if (lang !== 'zh') {
    // English contractions as the words they stand for: "didn't" (or "didn’t") is "did not",
    // the model's words; "can't" and "won't" are "can not" and "will not".
    const expanded = sentence
      .replace(/\b(can)['’]t\b/giu, '$1 not')
      .replace(/\b(w)on['’]t\b/giu, '$1ill not')
      .replace(/\b(\p{L}+)n['’]t\b/giu, '$1 not');
    return expanded.split(PUNCTUATION).filter((p) => p !== '').map((p) => p.toLowerCase());
  }
  const pieces = sentence.split(PUNCTUATION).filter((p) => p !== '');
  const known = new Set(words);
  const longest = Math.max(...words.map((w) => w.length));
  const wordAt = (text, i) => {
    for (let len = Math.min(longest, text.length - i); len > 0; len--) {
      if (known.has(text.slice(i, i + len))) return text.slice(i, i + len);
    }
    return null;
  };
  const out = [];
  for (const piece of pieces) {
    let i = 0;
    while (i < piece.length) {
      let word = wordAt(piece, i);
      if (word === null) {
        let end = i + 1;
        while (end < piece.length && wordAt(piece, end) === null) end++;
        word = piece.slice(i, end);
      }
      out.push(word);
      i += word.length;
    }
  }
  return out;
}

function fail(code, field, message, extra = {}) {
  throw Object.assign(new AttentionError(code, field, message), extra);
}

const quote = (word) => `"${Array.from(word).slice(0, 24).join('')}"`;

// A model over `weights` (modelForward's form) with the file's vocabulary and languages.
function makeModel(engine, file, weights) {
  const vocabulary = Object.freeze([...file.vocabulary]);
  const languages = Object.freeze([...file.languages]);
  const words = Object.freeze(Object.fromEntries(languages.map((l) => [l, Object.freeze([...file.words[l]])])));
  const pronouns = Object.freeze({ ...file.pronouns });
  const ids = new Map(vocabulary.map((w, i) => [w, i]));
  const known = Object.fromEntries(languages.map((l) => [l, new Set(words[l])]));

  // A sentence as { lang, tokens, ids, pronoun }, or an AttentionError.
  function read(sentence, opts) {
    if (typeof sentence !== 'string') fail('bad_config', 'sentence', 'the sentence must be text');
    const lang = opts?.lang ?? (/\p{Script=Han}/u.test(sentence) ? 'zh' : 'en');
    if (!languages.includes(lang)) {
      fail('bad_config', 'lang', `the model knows the languages ${languages.map(quote).join(' and ')}, not ${quote(String(lang))}`);
    }
    const tokens = tokenize(sentence, lang, words[lang]);
    if (tokens.length === 0) fail('bad_config', 'sentence', 'the sentence has no words');
    for (const word of tokens) {
      if (!known[lang].has(word)) {
        const nearest = nearestWords(word, words[lang]);
        fail('bad_config', 'sentence', `the model does not know the word ${quote(word)}; the nearest words it knows: ${nearest.map(quote).join(', ')}`,
          { word, nearest });
      }
    }
    // The core refuses this too (too_large); stopping here spares converting a long list.
    if (tokens.length > file.shape.maxTokens) {
      fail('too_large', 'sentence', `the sentence has ${tokens.length} words; the model knows positions for ${file.shape.maxTokens}`);
    }
    const pronoun = tokens.indexOf(pronouns[lang]);
    if (pronoun < 0) fail('bad_config', 'sentence', `the sentence needs the pronoun ${quote(pronouns[lang])}: the model finds what it refers to`);
    return { lang, tokens, ids: tokens.map((w) => ids.get(w)), pronoun };
  }

  /**
   * One sentence through the model: { lang, tokens, pronoun, referent, attention, pointer,
   * layers }. referent is the readout's choice and attention the last layer's strongest
   * attention of the pronoun row (mean over heads), both token indices; layers holds every
   * layer's trace (heads[h].weights and every other step, as engine.run gives them).
   */
  function run(sentence, opts = {}) {
    const { lang, tokens, ids: tokenIds, pronoun } = read(sentence, opts);
    const out = engine.modelForward(weights, tokenIds, pronoun);
    return {
      lang, tokens, pronoun, referent: out.readout, attention: out.attention, pointer: out.pointer, layers: out.layers,
    };
  }

  return Object.freeze({
    vocabulary, languages, words, pronouns, shape: Object.freeze({ ...file.shape }),
    training: file.training, accuracy: file.accuracy, engine, weights, run, read,
  });
}

/**
 * Loads the engine and the trained model. Options: those of loadEngine(), plus
 * { modelUrl } to read another model file or { model } to pass its parsed JSON, and
 * { engine } to run on an engine already loaded (the widget's) instead of a new one.
 */
export async function loadModel(options = {}) {
  const { modelUrl, model, engine: given, ...engineOptions } = options;
  const [engine, file] = await Promise.all([
    given ?? loadEngine(engineOptions),
    model ?? readJson(new URL(modelUrl ?? DEFAULT_MODEL, import.meta.url)),
  ]);
  return makeModel(engine, file, toWeights(file));
}

/**
 * Trains the same model from scratch inside the wasm module (for a page's worker): the
 * shipped model's vocabulary and shape, the training set web/data/pronouns-train.json, the
 * seed and settings of the shipped training unless options say otherwise ({ seed, batch,
 * learningRate, attentionWeight }; { examples } to give the data set's entries, { trainUrl }
 * to read them elsewhere; loadModel's options too). Returns { stepsPerEpoch, run(steps) ->
 * { loss, steps, epoch }, model() -> a model over the current weights, stop() }.
 */
export async function loadTrainer(options = {}) {
  const { trainUrl, examples, seed, batch, learningRate, attentionWeight, ...modelOptions } = options;
  const [base, data] = await Promise.all([
    loadModel(modelOptions),
    examples ?? readJson(new URL(trainUrl ?? DEFAULT_TRAIN, import.meta.url)),
  ]);
  const converted = data.map((e) => {
    const { ids, pronoun } = base.read(e.sentence, { lang: e.lang });
    return { tokens: ids, pronoun, referent: e.referent };
  });
  const t = base.training ?? {};
  const training = base.engine.modelTraining;
  const stepsPerEpoch = training.start(base.shape, converted, {
    seed: seed ?? t.seed, batch: batch ?? t.batch, learningRate: learningRate ?? t.learningRate,
    attentionWeight: attentionWeight ?? t.attentionWeight,
  });
  return Object.freeze({
    stepsPerEpoch,
    examples: converted.length,
    run(steps = 1) {
      const { loss, steps: done } = training.run(steps);
      return { loss, steps: done, epoch: done / stepsPerEpoch };
    },
    model: () => makeModel(base.engine, { ...base, training: null, accuracy: null }, training.weights()),
    stop: () => training.stop(),
  });
}
