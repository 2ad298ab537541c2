// Writes the pronoun data sets of the tiny model (docs/model.md):
//   web/data/pronouns-train.json    sentences the model trains on
//   web/data/pronouns-heldout.json  sentences made of noun pairs never seen in training,
//                                   in contrast pairs that differ in one word
// Run: node scripts/make-pronouns.js (deterministic: the seed below fixes every choice, so
// running it again rewrites the same files byte for byte).
//
// The language: an animal and a place or thing meet in one sentence, a pronoun ("it" / "它")
// follows, and the adjective after the pronoun decides which of the two it refers to:
//   the dog did not cross the river because it was too tired   -> dog   (animals get tired)
//   the dog did not cross the river because it was too wide    -> river (places are wide)
// Four sentence frames put the animal first or second, so the answer is never a position.
// Each noun may carry a modifier (big, small, old) that shifts every position after it.
//
// Tokenisation, the same in both languages and everywhere (C++ trainer, web/model.js):
// the stored sentence's words separated by single spaces, no punctuation. English words are
// lower case; Chinese words are written with spaces between them here ("狗 没有 穿过 河 …").
// web/model.js also reads Chinese typed without spaces, by longest match against the
// vocabulary, which gives the same words for every sentence here (tests/node/pronouns.test.js).
//
// Each entry: { lang: "en" | "zh", sentence, referent } where referent is the index of the
// right noun's word in the sentence's tokens. Held-out entries also carry `pair`: the two
// sentences of a contrast pair share it and differ only in the adjective.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// mulberry32, the page's seeded generator: the same sequence on every platform.
import { seeded as rng } from '../web/lib/state.js';

const SEED = 17;
const TRAIN_FRAMES = 1600; // sampled sentence structures, each written in en and zh

// [en, zh] pairs.
const ANIMALS = [['animal', '动物'], ['dog', '狗'], ['cat', '猫'], ['horse', '马'], ['cow', '牛'], ['sheep', '羊']];
const PLACES = [['street', '马路'], ['river', '河'], ['road', '公路'], ['bridge', '桥'], ['fence', '篱笆'], ['hill', '山']];
// Adjectives after the pronoun: the first list only fits an animal, the second only a place.
const ANIMAL_ADJECTIVES = [['tired', '累'], ['hungry', '饿'], ['scared', '害怕'], ['weak', '虚弱'], ['sleepy', '困']];
const PLACE_ADJECTIVES = [['wide', '宽'], ['long', '长'], ['deep', '深'], ['high', '高'], ['slippery', '滑']];
const MODIFIERS = [null, ['big', '大'], ['small', '小'], ['old', '老']];
// [en active, en passive participle, zh]
const VERBS = [['cross', 'crossed', '穿过'], ['reach', 'reached', '到达'], ['pass', 'passed', '经过'], ['approach', 'approached', '靠近']];

// Noun pairs (animal i, place (i + 2) mod 6) are held out: every noun is seen in training,
// but never with that partner.
const heldOutPair = (animal, place) => place === (animal + 2) % PLACES.length;

// A sentence frame: words in en and zh as lists whose entries are words or slots; the slot
// 'A' is the animal (with its modifier), 'P' the place, 'V' the verb, 'J' the adjective.
const FRAMES = [
  { en: ['the', 'A', 'did', 'not', 'V', 'the', 'P', 'because', 'it', 'was', 'too', 'J'],
    zh: ['A', '没有', 'V', 'P', '因为', '它', '太', 'J', '了'] },
  { en: ['the', 'P', 'was', 'not', 'Vpassive', 'by', 'the', 'A', 'because', 'it', 'was', 'too', 'J'],
    zh: ['P', '没有', '被', 'A', 'V', '因为', '它', '太', 'J', '了'] },
  { en: ['the', 'P', 'stopped', 'the', 'A', 'because', 'it', 'was', 'too', 'J'],
    zh: ['P', '挡住', '了', 'A', '因为', '它', '太', 'J', '了'] },
  { en: ['the', 'A', 'avoided', 'the', 'P', 'because', 'it', 'was', 'too', 'J'],
    zh: ['A', '避开', '了', 'P', '因为', '它', '太', 'J', '了'] },
];

// Writes one structure in one language: { lang, sentence, referent }.
function render(s, lang) {
  const li = lang === 'en' ? 0 : 1;
  const words = [];
  let referent = -1;
  const noun = (pair, modifier, isReferent) => {
    if (modifier) words.push(modifier[li]);
    if (isReferent) referent = words.length;
    words.push(pair[li]);
  };
  for (const slot of FRAMES[s.frame][lang]) {
    if (slot === 'A') noun(ANIMALS[s.animal], MODIFIERS[s.animalModifier], s.toAnimal);
    else if (slot === 'P') noun(PLACES[s.place], MODIFIERS[s.placeModifier], !s.toAnimal);
    else if (slot === 'V') words.push(VERBS[s.verb][lang === 'en' ? 0 : 2]);
    else if (slot === 'Vpassive') words.push(VERBS[s.verb][1]);
    else if (slot === 'J') words.push((s.toAnimal ? ANIMAL_ADJECTIVES : PLACE_ADJECTIVES)[s.adjective][li]);
    else words.push(slot);
  }
  return { lang, sentence: words.join(' '), referent };
}

function makeSets() {
  const random = rng(SEED);
  const pick = (n) => Math.floor(random() * n);
  const structure = (animal, place) => ({
    frame: pick(FRAMES.length), animal, place, verb: pick(VERBS.length),
    animalModifier: pick(MODIFIERS.length), placeModifier: pick(MODIFIERS.length),
    toAnimal: random() < 0.5, adjective: pick(ANIMAL_ADJECTIVES.length),
  });

  const train = [];
  const seen = new Set();
  while (seen.size < TRAIN_FRAMES) {
    const animal = pick(ANIMALS.length), place = pick(PLACES.length);
    if (heldOutPair(animal, place)) continue;
    const s = structure(animal, place);
    const en = render(s, 'en');
    if (seen.has(en.sentence)) continue;
    seen.add(en.sentence);
    train.push(en, render(s, 'zh'));
  }

  // Held out: for every held-out noun pair and every frame, three contrast pairs per
  // language: the same sentence with an animal adjective and with a place adjective.
  const heldout = [];
  let pair = 0;
  for (let animal = 0; animal < ANIMALS.length; animal++) {
    for (let place = 0; place < PLACES.length; place++) {
      if (!heldOutPair(animal, place)) continue;
      for (let frame = 0; frame < FRAMES.length; frame++) {
        for (let i = 0; i < 3; i++) {
          const s = { ...structure(animal, place), frame };
          const placeAdjective = pick(PLACE_ADJECTIVES.length);
          for (const lang of ['en', 'zh']) {
            heldout.push({ ...render({ ...s, toAnimal: true }, lang), pair });
            heldout.push({ ...render({ ...s, toAnimal: false, adjective: placeAdjective }, lang), pair });
            pair++;
          }
        }
      }
    }
  }
  return { train, heldout };
}

// One entry per line: the files stay readable and their diffs small.
const toJson = (list) => `[\n${list.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;

export const vocabularyLists = { ANIMALS, PLACES, ANIMAL_ADJECTIVES, PLACE_ADJECTIVES, MODIFIERS, VERBS };
export { makeSets };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { train, heldout } = makeSets();
  mkdirSync(join(root, 'web/data'), { recursive: true });
  writeFileSync(join(root, 'web/data/pronouns-train.json'), toJson(train));
  writeFileSync(join(root, 'web/data/pronouns-heldout.json'), toJson(heldout));
  console.log(`pronouns: ${train.length} training and ${heldout.length} held-out sentences in web/data/`);
}
