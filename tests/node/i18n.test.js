// Every language has every string, of the same kind (text, or a function of the same
// arity), so a reader never meets a missing or English-only message in another language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGUAGES, pickLanguage } from '../../web/i18n/index.js';

function shape(value, path = '') {
  if (typeof value === 'function') return [[path, `function/${value.length}`]];
  if (typeof value === 'string') return [[path, 'string']];
  return Object.entries(value).flatMap(([k, v]) => shape(v, `${path}.${k}`));
}

test('every language has the same keys as English', () => {
  const english = new Map(shape(LANGUAGES.en));
  for (const [code, strings] of Object.entries(LANGUAGES)) {
    const other = new Map(shape(strings));
    for (const [key, kind] of english) assert.equal(other.get(key), kind, `${code}${key}`);
    for (const key of other.keys()) assert.ok(english.has(key), `${code}${key} is not in en`);
  }
});

test('Chinese strings are Chinese', () => {
  const zh = shape(LANGUAGES.zh).filter(([, kind]) => kind === 'string');
  const walk = (obj, path) => path.split('.').slice(1).reduce((o, k) => o[k], obj);
  // Formula-like labels (W_Q, d_k, QKᵀ, …) are the same in both; sentences must not be.
  const sentences = zh.filter(([key]) => walk(LANGUAGES.en, key).split(' ').length > 3);
  for (const [key] of sentences) assert.match(walk(LANGUAGES.zh, key), /[\u4e00-\u9fff]/, key);
});

test('the language is chosen from ?lang=, then the browser', () => {
  assert.equal(pickLanguage('zh-CN'), 'zh');
  assert.equal(pickLanguage('zh-Hant-TW'), 'zh');
  assert.equal(pickLanguage(null, 'fr-FR', 'zh'), 'zh');
  assert.equal(pickLanguage('de'), 'en');
  assert.equal(pickLanguage(undefined), 'en');
});
