// The widget as an ES module, for pages that serve this folder (the playground page
// uses it for the embed preview). Loads the wasm, the stylesheets and KaTeX's fonts next to
// this file. The one-file build for blogs is widget-bundle.js -> dist/attention-playground.js.
import { defineAttentionPlayground } from './ui/widget-element.js';
import { loadEngine } from './engine.js';
import { loadModel } from './model.js';
import { registerMathFonts } from './ui/math-fonts.js';
import katex from './vendor/katex/katex.mjs';

// katex.min.css's @font-face rules do nothing in a shadow root; registerMathFonts puts the
// fonts on the document instead.
const stylesheets = ['./vendor/katex/katex.min.css', './style.css', './widget.css'].map((file) => new URL(file, import.meta.url).href);
const fontUrl = (font) => `url(${new URL(`./vendor/katex/fonts/${font.file}`, import.meta.url).href}) format("woff2")`;

export default defineAttentionPlayground({
  // The SIMD build, as the one-file widget and the page: the same numbers everywhere (the
  // relaxed build's fused multiply-adds round differently in the last bits).
  loadEngine: () => loadEngine({ relaxed: false }),
  // data/pronoun-model.json next to model.js, on the widgets' engine.
  loadModel: (engine) => loadModel({ engine }),
  styles(shadow) {
    for (const href of stylesheets) shadow.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href }));
  },
  renderMath(el, tex) {
    registerMathFonts(fontUrl);
    katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'htmlAndMathml' });
  },
});
