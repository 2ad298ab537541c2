// The widget as an ES module, for pages that serve this folder (the playground page
// uses it for the embed preview). Loads the wasm and the stylesheet next to this file.
// The one-file build for blogs is widget-bundle.js -> dist/attention-playground.js.
import { defineAttentionPlayground } from './ui/widget-element.js';
import { loadEngine } from './engine.js';
import katex from './vendor/katex/katex.mjs';

const stylesheet = new URL('./style.css', import.meta.url).href;

export default defineAttentionPlayground({
  loadEngine: () => loadEngine(),
  styles(shadow) {
    shadow.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: stylesheet }));
  },
  renderMath(el, tex) {
    katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'mathml' });
  },
});
