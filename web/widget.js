// The widget as an ES module, for pages that serve this folder (the playground page
// uses it for the embed preview). Loads the wasm and the stylesheet next to this file.
// The one-file build for blogs is widget-bundle.js -> dist/attention-playground.js.
import { defineAttentionPlayground } from './ui/widget-element.js';
import { loadEngine } from './engine.js';
import katex from './vendor/katex/katex.mjs';

const stylesheets = ['./style.css', './widget.css'].map((file) => new URL(file, import.meta.url).href);

export default defineAttentionPlayground({
  loadEngine: () => loadEngine(),
  styles(shadow) {
    for (const href of stylesheets) shadow.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href }));
  },
  renderMath(el, tex) {
    katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'mathml' });
  },
});
