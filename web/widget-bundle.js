// Entry of dist/attention-playground.js: the widget in one self-contained file. The wasm
// and the stylesheet are inlined by scripts/bundle.js (esbuild), so the file makes no
// other request and works from file:// as a classic script. Styles go in through a
// constructed stylesheet, which a strict CSP (style-src 'self') allows.
import { defineAttentionPlayground } from './ui/widget-element.js';
import { loadEngine } from './engine.js';
import katex from './vendor/katex/katex.mjs';
import wasmBinary from './core/attention-core.wasm';
import css from './style.css';

let sheet = null;

defineAttentionPlayground({
  loadEngine: () => loadEngine({ wasmBinary }),
  styles(shadow) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    shadow.adoptedStyleSheets = [sheet];
  },
  renderMath(el, tex) {
    katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'mathml' });
  },
});
