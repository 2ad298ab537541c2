// Entry of dist/attention-playground.js: the widget in one self-contained file. The wasm,
// the stylesheets and KaTeX's fonts are inlined by scripts/bundle.js (esbuild), so the file
// makes no other request and works from file:// as a classic script. Styles go in through a
// constructed stylesheet, which a strict CSP (style-src 'self') allows; the fonts through
// the FontFace API from bytes, which fetches nothing (web/ui/math-fonts.js).
import { defineAttentionPlayground } from './ui/widget-element.js';
import { loadEngine, simdSupported } from './engine.js';
import katex from './vendor/katex/katex.mjs';
// The wasm travels gzipped (scripts/bundle.js): base64 of compressed bytes is about 40 %
// smaller over the wire than base64 of raw bytes. DecompressionStream restores it.
import wasmGzip from './core/attention-core.wasm.gz';
// The tiny model's weights for sentence="…" (about 36 KiB gzipped), the same way.
import modelGzip from './core/pronoun-model.json.gz';
import { loadModel } from './model.js';
import css from './style.css';
import widgetCss from './widget.css';
import katexCss from './vendor/katex/katex.min.css';
import { registerMathFonts, withoutFontFaces } from './ui/math-fonts.js';
// Each face web/ui/math-fonts.js lists (a test checks that the two lists agree).
import AMS from './vendor/katex/fonts/KaTeX_AMS-Regular.woff2';
import Main from './vendor/katex/fonts/KaTeX_Main-Regular.woff2';
import MathItalic from './vendor/katex/fonts/KaTeX_Math-Italic.woff2';
import Size1 from './vendor/katex/fonts/KaTeX_Size1-Regular.woff2';
import Size2 from './vendor/katex/fonts/KaTeX_Size2-Regular.woff2';
import Size3 from './vendor/katex/fonts/KaTeX_Size3-Regular.woff2';
import Size4 from './vendor/katex/fonts/KaTeX_Size4-Regular.woff2';

const FONT_DATA = {
  'KaTeX_AMS-Regular.woff2': AMS,
  'KaTeX_Main-Regular.woff2': Main,
  'KaTeX_Math-Italic.woff2': MathItalic,
  'KaTeX_Size1-Regular.woff2': Size1,
  'KaTeX_Size2-Regular.woff2': Size2,
  'KaTeX_Size3-Regular.woff2': Size3,
  'KaTeX_Size4-Regular.woff2': Size4,
};

// Only the SIMD build is inlined (the scalar one would add 150 KiB for browsers older than
// Chrome 91, Firefox 89 and Safari 16.4, the relaxed one as much for a faster fused kernel
// at sizes no widget runs); the page dist/index.html has all three.
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
    return loadEngine({ wasmBinary: await inflate(wasmGzip), relaxed: false });
  },
  // On the widgets' engine: the model is a part of the same wasm module.
  loadModel: async (engine) => loadModel({ engine, model: JSON.parse(new TextDecoder().decode(await inflate(modelGzip))) }),
  styles(shadow) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      // KaTeX's rules first, as the page links katex.min.css before style.css.
      sheet.replaceSync(`${withoutFontFaces(katexCss)}\n${css}\n${widgetCss}`);
    }
    shadow.adoptedStyleSheets = [sheet];
  },
  // As the page: KaTeX's HTML and CSS for the eye, its MathML for screen readers.
  renderMath(el, tex) {
    registerMathFonts((font) => FONT_DATA[font.file]);
    katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'htmlAndMathml' });
  },
});
