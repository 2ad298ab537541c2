// The pronoun data sets (web/data/pronouns-*.json, written by scripts/make-pronouns.js):
// held out means never seen, every referent is a noun, contrast pairs differ in one word,
// and the files are what the seeded generator writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeSets, vocabularyLists } from '../../scripts/make-pronouns.js';

const read = (name) => JSON.parse(readFileSync(new URL(`../../web/data/${name}`, import.meta.url), 'utf8'));
const train = read('pronouns-train.json');
const heldout = read('pronouns-heldout.json');
const { ANIMALS, PLACES } = vocabularyLists;
const nouns = new Set([...ANIMALS, ...PLACES].flat());
const PRONOUN = { en: 'it', zh: '它' };

test('the committed files are what the seeded generator writes', () => {
  const { train: t, heldout: h } = makeSets();
  assert.deepEqual(train, t);
  assert.deepEqual(heldout, h);
});

test('no held-out sentence appears in training, and no held-out noun pair either', () => {
  const seen = new Set(train.map((e) => `${e.lang}|${e.sentence}`));
  for (const e of heldout) assert.ok(!seen.has(`${e.lang}|${e.sentence}`), e.sentence);
  const pairOf = (e) => e.sentence.split(' ').filter((w) => nouns.has(w)).sort().join('+');
  const trainPairs = new Set(train.map(pairOf));
  for (const e of heldout) assert.ok(!trainPairs.has(pairOf(e)), `${e.sentence}: its nouns meet in training`);
});

test('every referent points at a noun, one of exactly two, and one pronoun follows them', () => {
  for (const e of [...train, ...heldout]) {
    assert.ok(e.lang === 'en' || e.lang === 'zh');
    const words = e.sentence.split(' ');
    assert.ok(nouns.has(words[e.referent]), `${e.sentence}: token ${e.referent} is not a noun`);
    assert.equal(words.filter((w) => nouns.has(w)).length, 2, e.sentence);
    assert.equal(words.filter((w) => w === PRONOUN[e.lang]).length, 1, e.sentence);
    assert.ok(words.indexOf(PRONOUN[e.lang]) > e.referent, e.sentence);
  }
});

test('held-out contrast pairs differ in one word and point at different nouns', () => {
  const pairs = new Map();
  for (const e of heldout) pairs.set(e.pair, [...(pairs.get(e.pair) ?? []), e]);
  assert.equal(pairs.size * 2, heldout.length);
  for (const [, [a, b]] of pairs) {
    assert.equal(a.lang, b.lang);
    const wa = a.sentence.split(' '), wb = b.sentence.split(' ');
    assert.equal(wa.length, wb.length);
    assert.equal(wa.filter((w, i) => w !== wb[i]).length, 1, `${a.sentence} / ${b.sentence}`);
    assert.notEqual(a.referent, b.referent);
  }
  for (const lang of ['en', 'zh']) assert.ok(heldout.some((e) => e.lang === lang) && train.some((e) => e.lang === lang));
});
