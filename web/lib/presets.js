// The examples a visitor can load. Each is an engine config; two come straight from the
// source tutorials, the others are made here to show one idea each.
import { identity, randomMatrix } from './state.js';

const I2 = [[1, 0], [0, 1]];
const W003 = [[1, 0], [0, 1], [1, 1]];

// Hand-made 4-dimensional embeddings for the "it" sentence. The dimensions mean
// [animate thing, place, pronoun, everything else]. W_Q turns the pronoun feature into
// a question for animate things; W_K lets animate words answer it, so "it" attends to
// "animal" more than to "street".
const SENTENCE = ['The', 'animal', "didn't", 'cross', 'the', 'street', 'because', 'it', 'was', 'too', 'tired'];
const EMBED = {
  The: [0.1, 0.1, 0, 0.3],
  animal: [1, 0, 0, 0.1],
  "didn't": [0, 0, 0, 0.9],
  cross: [0.1, 0.3, 0, 0.8],
  the: [0.1, 0.1, 0, 0.3],
  street: [0, 1, 0, 0.1],
  because: [0, 0, 0, 0.6],
  it: [0.3, 0.3, 1, 0],
  was: [0, 0, 0, 0.7],
  too: [0, 0, 0, 0.5],
  tired: [0.6, 0, 0, 0.4],
};

export const PRESETS = {
  'two-words': () => ({
    x: [[1, 2], [3, 4]],
    tokens: ['word1', 'word2'],
    wq: I2, wk: I2, wv: I2,
  }),
  'three-tokens': () => ({
    x: identity(3, 3),
    tokens: ['x1', 'x2', 'x3'],
    wq: W003, wk: W003, wv: W003,
  }),
  'it-animal': () => ({
    x: SENTENCE.map((w) => EMBED[w]),
    tokens: SENTENCE,
    wq: [[0.5, 0, 0, 0], [0, 0.5, 0, 0], [2, 0.5, 0, 0], [0, 0, 0, 0.5]],
    wk: [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 1]],
    wv: identity(4, 4),
  }),
  'multi-head': () => ({
    x: randomMatrix(4, 4, 11, 2),
    tokens: ['the', 'cat', 'sat', 'down'],
    heads: 2,
    wq: randomMatrix(4, 4, 12, 1.5),
    wk: randomMatrix(4, 4, 13, 1.5),
    wv: randomMatrix(4, 4, 14),
    wo: randomMatrix(4, 4, 15),
  }),
  causal: () => ({
    x: randomMatrix(5, 4, 21, 2),
    tokens: ['<s>', 'I', 'like', 'green', 'tea'],
    wq: randomMatrix(4, 4, 22, 1.5),
    wk: randomMatrix(4, 4, 23, 1.5),
    wv: identity(4, 4),
    mask: 'causal',
  }),
  positional: () => ({
    x: [[1, 0, 0.5, 0], [0, 1, 0, 0.5], [0.5, 0.5, 1, 0]],
    tokens: ['dog', 'bites', 'man'],
    wq: identity(4, 4), wk: identity(4, 4), wv: identity(4, 4),
    positional: 'sinusoidal',
  }),
};

// Seed 003 as its article printed it: Q = [[1,0],[0,1],[0,0]] (it should be W_Q itself,
// since X = I), and 2 × 3 weights [[1/2,1/2,0],[0,1/2,1/2]] (there are three tokens, and
// the softmax of [1/√2, 0, 0] is not [1/2, 1/2, 0]). Loaded as checks on three-tokens.
PRESETS['check-003'] = PRESETS['three-tokens'];
export const PRESET_CHECKS = {
  'check-003': {
    'q|-': [[1, 0], [0, 1], [0, 0]],
    'weights|0': [[0.5, 0.5, 0], [0, 0.5, 0.5]],
  },
};

// For the Learn section: the "it" sentence with W_Q and W_K not yet learned (seeded random
// values), so that training has something to do; and a second sentence, with the same kind
// of embeddings, to feed through the learned and now fixed weights.
PRESETS['learn-it-animal'] = () => ({
  ...PRESETS['it-animal'](),
  wq: randomMatrix(4, 4, 41, 0.5),
  wk: randomMatrix(4, 4, 42, 0.5),
});
const SECOND_SENTENCE = {
  The: [0.1, 0.1, 0, 0.3], cat: [1, 0, 0, 0.1], sat: [0, 0, 0, 0.8], on: [0, 0, 0, 0.5], the: [0.1, 0.1, 0, 0.3],
  mat: [0, 1, 0, 0.1], because: [0, 0, 0, 0.6], it: [0.3, 0.3, 1, 0], was: [0, 0, 0, 0.7], so: [0, 0, 0, 0.5], soft: [0, 0.6, 0, 0.4],
};
export const NEW_SENTENCES = {
  'learn-it-animal': { tokens: Object.keys(SECOND_SENTENCE).map((w, i) => (i === 4 ? 'the' : w)), x: Object.values(SECOND_SENTENCE) },
};

export const DEFAULT_PRESET = 'two-words';

export function presetConfig(name) {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name]() : null;
}
