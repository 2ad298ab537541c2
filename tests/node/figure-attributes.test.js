// The pure parts of the widget's figure attributes: select="step:row,col" read 1-based,
// the snippets that write view, steps, head, select and caption (escaped), and the steps
// view limited to one head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../web/ui/widget-element.js';
import { widgetSnippet, embedUrl } from '../../web/lib/embed.js';
import { sectionsView } from '../../web/lib/view-model.js';
import { loadEngine } from '../../web/engine.js';
import { PRESETS } from '../../web/lib/presets.js';
import { strings } from '../../web/i18n/index.js';

const W = strings('en').widget;

test('select="step:row,col" is 1-based and says what is wrong', () => {
  assert.deepEqual(parseSelect('weights:2,1', W), { step: 'weights', row: 1, col: 0 });
  assert.deepEqual(parseSelect('  scores : 1 , 3 ', W), { step: 'scores', row: 0, col: 2 });
  assert.match(parseSelect('weights:0,1', W).error, /is not step:row,column/);
  assert.match(parseSelect('weights 2 1', W).error, /is not step:row,column/);
  assert.match(parseSelect('attention:1,1', W).error, /“attention”, which is not a step/);
  assert.ok(parseSelect(`weights:1,1${'x'.repeat(500)}`, W).error.length < 200, 'a long value is cut in the message');
});

test('the snippets write the figure attributes, escaped, and leave out the default view', () => {
  const base = { preset: 'two-words', lang: 'en', scriptSrc: 'a.js', embedUrl: 'https://e.org/embed.html' };
  assert.match(widgetSnippet({ ...base, view: 'flow' }), /<attention-playground preset="two-words" view="flow" lang="en"><\/attention-playground>/);
  assert.match(widgetSnippet({ ...base, view: 'steps', steps: ['x'] }), /preset="two-words" steps="x" lang="en"/);
  assert.match(widgetSnippet({ ...base, view: 'heatmap', steps: ['weights'], head: 2, select: 'weights:1,2', caption: ' A "quote" & <b> ' }),
    /preset="two-words" view="heatmap" steps="weights" head="2" select="weights:1,2" caption="A &quot;quote&quot; &amp; &lt;b&gt;" lang="en"/);
  assert.equal(embedUrl({ ...base, view: 'flow', head: 1, caption: 'Fig 1' }), 'https://e.org/embed.html#preset=two-words&view=flow&head=1&caption=Fig+1&lang=en');
});

test('the steps view of one head shows that head of every per-head step, and the shared steps', async () => {
  const engine = await loadEngine();
  const config = PRESETS['multi-head']();
  const state = { config, decimals: 3, lang: 'en' };
  const trace = engine.run(config, { limits: 'page' });
  const heads = (model) => model.flatMap((sec) => sec.groups.flatMap((g) => g.blocks.map((b) => `${b.step}${b.head === undefined ? '' : b.head}`)));
  const all = heads(sectionsView(state, trace, strings('en'), { steps: ['x', 'weights'] }));
  assert.deepEqual(all, ['x', 'weights0', 'weights1']);
  assert.deepEqual(heads(sectionsView(state, trace, strings('en'), { steps: ['x', 'weights'], head: 1 })), ['x', 'weights1']);
});
