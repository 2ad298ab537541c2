// The pure logic of the "Attention that learned" section (web/lib/model-view.js) on the
// tiny model's real results: the view of a run, a cell explained, the learned weights
// compared, the attention of a contrast pair compared, the example pairs, replacing an
// unknown word in what was typed, the held-out figures (the worker's measure equals the
// trainer's stored figures), percentages and the loss curve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel, tokenize } from '../../web/model.js';
import {
  pronounRow, modelView, explainCell, snapshotWeights, compareWeights, compareAttention, examplePairs, contrastOf,
  displaySentence, replaceWord, accuracyFigures, percent, measureHeldout, lossCurve,
} from '../../web/lib/model-view.js';

const read = (name) => JSON.parse(readFileSync(new URL(`../../web/data/${name}`, import.meta.url), 'utf8'));
const heldout = read('pronouns-heldout.json');
const model = await loadModel();

test('modelView: every layer and head, the answer, its confidence, the strongest attention', () => {
  const r = model.run('the dog did not reach the bridge because it was too tired', { lang: 'en' });
  const v = modelView(r);
  assert.equal(v.layers.length, 2);
  assert.deepEqual(v.layers.map((l) => l.heads.length), [2, 2]);
  assert.equal(v.layers[1].heads[1].data, r.layers[1].heads[1].weights.data);
  assert.equal(v.referent, 1);
  assert.equal(v.confidence, r.pointer[1]);
  const row = pronounRow(r);
  assert.equal(row.indexOf(Math.max(...row)), r.attention);
  assert.equal(v.attentionWeight, row[r.attention]);
  assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'a row of attention weights sums to 1');
  const e = explainCell(v, 1, 0, r.pronoun, 1);
  assert.deepEqual({ ...e, weight: undefined }, { layer: 1, head: 0, row: r.pronoun, col: 1, query: 'it', key: 'dog', weight: undefined, pronounRow: true, answer: true });
  assert.equal(e.weight, r.layers[1].heads[0].weights.data[r.pronoun * r.tokens.length + 1]);
  assert.equal(explainCell(v, 0, 1, 0, 2).pronounRow, false);
});

test('the learned weights: a snapshot equals them, one changed number is counted', () => {
  const snap = snapshotWeights(model.weights);
  assert.deepEqual(compareWeights(snap, model.weights), { equal: 2 * 4 * 24 * 24, total: 2 * 4 * 24 * 24 });
  snap[5].data[7] += 1;
  assert.deepEqual(compareWeights(snap, model.weights), { equal: 2 * 4 * 24 * 24 - 1, total: 2 * 4 * 24 * 24 });
});

test('a contrast pair: one word differs, the attention changes; the same sentence changes nothing; other lengths do not compare', () => {
  const [a, b] = heldout.filter((e) => e.pair === 0);
  const va = modelView(model.run(a.sentence, { lang: a.lang }));
  const vb = modelView(model.run(b.sentence, { lang: b.lang }));
  const c = compareAttention(va, vb);
  assert.equal(c.words.length, 1);
  assert.equal(c.total, 2 * 2 * va.tokens.length ** 2);
  assert.ok(c.changed > 0 && c.largest.delta > 0.5, JSON.stringify(c.largest));
  assert.equal(compareAttention(va, modelView(model.run(a.sentence, { lang: a.lang }))).changed, 0);
  assert.equal(compareAttention(va, modelView(model.run('the cat avoided the river because it was too deep'))), null);
  // contrastOf finds the other sentence from the tokens, in both directions
  assert.equal(contrastOf(heldout, 'en', va.tokens).other, b);
  assert.equal(contrastOf(heldout, 'en', vb.tokens).other, a);
  assert.equal(contrastOf(heldout, 'en', ['the', 'cat']), null);
});

test('example pairs: both sentences of a pair, one language, spread over the set; Chinese shown without spaces', () => {
  for (const lang of ['en', 'zh']) {
    const pairs = examplePairs(heldout, lang, 3);
    assert.equal(pairs.length, 3);
    assert.equal(new Set(pairs.map((p) => p.sentences[0].sentence.split(' ')[lang === 'en' ? 1 : 0])).size > 1, true);
    for (const { pair, sentences } of pairs) {
      assert.equal(sentences.length, 2);
      assert.ok(sentences.every((e) => e.lang === lang && e.pair === pair));
      assert.notEqual(sentences[0].referent, sentences[1].referent);
      for (const e of sentences) {
        const shown = displaySentence(e);
        assert.equal(lang === 'zh', !shown.includes(' '));
        assert.deepEqual(tokenize(shown, lang, model.words[lang]), e.sentence.split(' '));
      }
    }
  }
});

test('replaceWord: the unknown word as typed, whole words only, case ignored, the rest kept', () => {
  assert.equal(replaceWord('The horse did not cross the Stret, because it was too tired!', 'stret', 'street'),
    'The horse did not cross the street, because it was too tired!');
  // "the" inside "there" is not the word "the"
  assert.equal(replaceWord('there the', 'the', 'a'), 'there a');
  assert.equal(replaceWord('狗没有穿过河流因为它太宽了', '河流', '河'), '狗没有穿过河因为它太宽了');
  assert.equal(replaceWord('no such word', 'stret', 'street'), 'no such word');
  assert.equal(replaceWord('a (b) c', '(b)', 'x'), 'a x c'); // pattern characters are text
  // the model's own message names the word replaceWord gets
  const typed = 'the cat did not pass the fense because it was too wide';
  try {
    model.run(typed);
    assert.fail('fense is not a known word');
  } catch (err) {
    assert.equal(err.word, 'fense');
    assert.ok(err.nearest.includes('fence'));
    assert.equal(model.run(replaceWord(typed, err.word, 'fence')).referent, 6);
  }
});

test('the held-out figures: the measure the worker runs equals the trainer\'s stored figures; percentages', () => {
  const file = read('pronoun-model.json');
  assert.deepEqual(measureHeldout(model, heldout), file.accuracy.heldout);
  const f = accuracyFigures(file.accuracy);
  assert.deepEqual(f.pairs, { total: 144, both: 144 });
  assert.equal(f.heldout.sentences, 288);
  assert.equal(accuracyFigures(null), null);
  assert.equal(percent(288, 288), '100');
  assert.equal(percent(249, 288), '86.5');
  assert.equal(percent(105, 144), '72.9');
  assert.equal(percent(1, 0), '0');
});

test('lossCurve: one point per finite loss, a log scale when the loss spans decades', () => {
  const losses = [3, 1, 0.1, 0.01, 0.001, NaN, 0.0005];
  const c = lossCurve(losses, 360, 150);
  assert.equal(c.count, 6);
  assert.equal(c.points.split(' ').length, 6);
  assert.equal(c.log, true);
  assert.equal(c.y(3), 8); // the largest at the top margin
  assert.equal(c.y(0.0005), 130); // the smallest at the bottom margin
  assert.equal(lossCurve([2, 1], 360, 150).log, false);
  assert.equal(lossCurve([], 360, 150).count, 0);
});
