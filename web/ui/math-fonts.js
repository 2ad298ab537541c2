// KaTeX's fonts for formulas drawn inside a shadow root. Browsers ignore @font-face rules
// in a shadow root's stylesheets, so katex.min.css's other rules go into each widget's
// shadow root (without its @font-face, which would only be dead weight there) and the fonts
// are registered once on the document through the FontFace API. Only the faces our
// formulas use (web/lib/sections.js: \mathbb for ℝ, italic letters, upright text, the big
// delimiters of \left( … \right) and cases) are listed; a formula needing another face
// falls back to the next font of KaTeX's stack.
export const MATH_FONTS = [
  { family: 'KaTeX_AMS', file: 'KaTeX_AMS-Regular.woff2', style: 'normal', weight: '400' },
  { family: 'KaTeX_Main', file: 'KaTeX_Main-Regular.woff2', style: 'normal', weight: '400' },
  { family: 'KaTeX_Math', file: 'KaTeX_Math-Italic.woff2', style: 'italic', weight: '400' },
  { family: 'KaTeX_Size1', file: 'KaTeX_Size1-Regular.woff2', style: 'normal', weight: '400' },
  { family: 'KaTeX_Size2', file: 'KaTeX_Size2-Regular.woff2', style: 'normal', weight: '400' },
  { family: 'KaTeX_Size3', file: 'KaTeX_Size3-Regular.woff2', style: 'normal', weight: '400' },
  { family: 'KaTeX_Size4', file: 'KaTeX_Size4-Regular.woff2', style: 'normal', weight: '400' },
];

/** A stylesheet's text without its @font-face rules (KaTeX's have no nested braces). */
export function withoutFontFaces(css) {
  return css.replace(/@font-face\s*\{[^}]*\}/g, '');
}

let registered = false;

/**
 * Adds the fonts to document.fonts, once per page. source(font) gives a face's data: an
 * ArrayBuffer or typed array (the one-file widget carries them; nothing is fetched, so no
 * Content-Security-Policy font-src is involved) or a CSS src such as `url(…)` (the module
 * widget, next to the site's copy). A face the page already has (its own KaTeX stylesheet)
 * is left to the page.
 */
export function registerMathFonts(source) {
  if (registered || typeof document === 'undefined' || !document.fonts || typeof FontFace !== 'function') return;
  registered = true;
  const unquote = (family) => family.replace(/^["']|["']$/g, '');
  const present = new Set([...document.fonts].map((f) => `${unquote(f.family)}|${f.style}|${f.weight}`));
  for (const font of MATH_FONTS) {
    if (present.has(`${font.family}|${font.style}|${font.weight}`)) continue;
    const face = new FontFace(font.family, source(font), { style: font.style, weight: font.weight, display: 'block' });
    document.fonts.add(face);
    // Binary data is parsed at once; a URL loads when a formula first uses the face.
    face.loaded.catch(() => {}); // a face that cannot load leaves KaTeX's fallback fonts
  }
}
