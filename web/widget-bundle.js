// Entry of dist/attention-playground.js: the widget in one self-contained file. The wasm
// and the stylesheet are inlined by scripts/bundle.js (esbuild), so the file makes no
// other request and works from file:// as a classic script. Styles go in through a
// constructed stylesheet, which a strict CSP (style-src 'self') allows.
import { defineAttentionPlayground } from './ui/widget-element.js';
import { loadEngine, simdSupported } from './engine.js';
import katex from './vendor/katex/katex.mjs';
// The wasm travels gzipped (scripts/bundle.js): base64 of compressed bytes is about 40 %
// smaller over the wire than base64 of raw bytes. DecompressionStream restores it.
import wasmGzip from './core/attention-core.wasm.gz';
import css from './style.css';
import widgetCss from './widget.css';

// Only the SIMD build is inlined (the scalar one would add 150 KiB for browsers older than
// Chrome 91, Firefox 89 and Safari 16.4); the page dist/index.html has both.
const SIMD_MISSING = 'this browser does not support WebAssembly SIMD, which this widget needs';

let sheet = null;

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Where there is no DOM (a static-site build importing 'attention-playground/widget' in
// Node) this defines nothing and does not throw.
defineAttentionPlayground({
  loadEngine: async () => {
    if (!simdSupported()) throw new Error(SIMD_MISSING);
    return loadEngine({ wasmBinary: await inflate(wasmGzip) });
  },
  styles(shadow) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(`${css}\n${widgetCss}`);
    }
    shadow.adoptedStyleSheets = [sheet];
  },
  renderMath(el, tex) {
    katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'mathml' });
  },
});
