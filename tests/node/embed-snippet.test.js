// The iframe snippet: the resize script comes first (it must listen before the frame
// speaks), inline or as embed-resize.js, and every value is escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { iframeSnippet, RESIZE_SCRIPT } from '../../web/lib/embed.js';

const base = { preset: 'two-words', steps: ['weights'], embedUrl: 'https://e.org/a/embed.html' };

test('the snippet is the inline resize script, then the iframe at the given starting height', () => {
  const snippet = iframeSnippet({ ...base, height: 431.2 });
  assert.ok(snippet.startsWith(RESIZE_SCRIPT));
  assert.match(snippet, /<\/script>\n<iframe src="https:\/\/e\.org\/a\/embed\.html#preset=two-words&amp;steps=weights" title="Attention Playground" loading="lazy" style="display: block; width: 100%; height: 432px; border: 0"><\/iframe>\n$/);
  for (const height of [undefined, null, 0, -5, Number.NaN, Infinity]) assert.match(iframeSnippet({ ...base, height }), /height: 720px/);
});

test('for a strict CSP: the script file instead, its URL escaped', () => {
  const snippet = iframeSnippet({ ...base, resizeScript: 'https://e.org/a/embed-resize.js?"><x' });
  assert.ok(snippet.startsWith('<script src="https://e.org/a/embed-resize.js?&quot;&gt;&lt;x" defer></script>\n<iframe '));
  assert.ok(!snippet.includes('addEventListener'));
});

test('the inline script and embed-resize.js speak the same messages, and check who sent them', () => {
  const file = readFileSync(new URL('../../web/embed-resize.js', import.meta.url), 'utf8');
  for (const text of [RESIZE_SCRIPT, file]) {
    assert.match(text, /'attention-playground:height'/);
    assert.match(text, /'attention-playground:fit'/);
    assert.match(text, /contentWindow === e(vent)?\.source/);
    assert.match(text, /Number\.isFinite\((e\.)?data\.height\)/);
  }
});

test('the sentence snippet: the widget with sentence="…", every value escaped', async () => {
  const { sentenceSnippet } = await import('../../web/lib/embed.js');
  assert.equal(sentenceSnippet({ sentence: 'the dog avoided the bridge because it was too long', lang: 'en', scriptSrc: 'https://e.org/a/attention-playground.js' }),
    '<script src="https://e.org/a/attention-playground.js" defer></script>\n<attention-playground sentence="the dog avoided the bridge because it was too long" lang="en"></attention-playground>\n');
  const hostile = sentenceSnippet({ sentence: 'it "><script>alert(\'x\')</script> & it', readonly: true, scriptSrc: 'a.js' });
  assert.match(hostile, /sentence="it &quot;&gt;&lt;script&gt;alert\(&#39;x&#39;\)&lt;\/script&gt; &amp; it" readonly>/);
  assert.equal(hostile.match(/<script/g).length, 1);
});
