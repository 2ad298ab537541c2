// The snippets an author pastes into an article: the <attention-playground> element and
// an iframe of embed.html, both for the playground's current state. Pure string work,
// with every attribute value escaped.
import { toBase64Url } from './state.js';
import { TABLE_IDS } from './steps.js';

/** What the widget's view="…" takes (the first is what the embed dialog offers first). */
export const VIEWS = ['flow', 'steps', 'heatmap', 'tiles'];
/**
 * The steps a heatmap can show: the ones the flow draws as coloured cards (web/lib/flow.js);
 * the weight matrices W_Q, W_K, W_V, W_O and v_a are tables of the steps view only.
 */
export const PICTURED_STEPS = TABLE_IDS.filter((id) => !['wq', 'wk', 'wv', 'wo', 'va'].includes(id));

const escapeAttr = (text) => String(text).replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// The attributes of a compact figure, in the order both snippets write them: the view
// (the steps view is the element's default, so it is not written), the 1-based head, the
// selected cell and the caption.
function figureAttributes(o) {
  const out = [];
  if (o.view && o.view !== 'steps') out.push(['view', o.view]);
  if (o.steps?.length) out.push(['steps', o.steps.join(',')]);
  if (Number.isInteger(o.head) && o.head >= 1) out.push(['head', String(o.head)]);
  if (o.select) out.push(['select', o.select]);
  if (o.caption?.trim()) out.push(['caption', o.caption.trim()]);
  return out;
}

/**
 * options: { config, preset?, view?: 'flow' | 'steps' | 'heatmap', steps?: string[],
 *            head?: 1-based, select?: 'step:row,col', caption?, lang, decimals, readonly,
 *            theme, scriptSrc, embedUrl, height?, resizeScript? }
 */
export function widgetSnippet(o) {
  const attrs = [];
  if (o.preset) attrs.push(`preset="${escapeAttr(o.preset)}"`);
  else attrs.push(`config='${escapeAttr(JSON.stringify(o.config))}'`);
  for (const [name, value] of figureAttributes(o)) attrs.push(`${name}="${escapeAttr(value)}"`);
  if (o.lang) attrs.push(`lang="${escapeAttr(o.lang)}"`);
  if (o.decimals !== undefined && o.decimals !== 3) attrs.push(`decimals="${Number(o.decimals)}"`);
  if (o.theme && o.theme !== 'auto') attrs.push(`theme="${escapeAttr(o.theme)}"`);
  if (o.readonly) attrs.push('readonly');
  return `<script src="${escapeAttr(o.scriptSrc)}" defer></script>\n<attention-playground ${attrs.join(' ')}></attention-playground>\n`;
}

/**
 * The widget with the trained tiny model on a sentence (the page's "Attention that learned"
 * section): options { sentence, lang?, readonly?, scriptSrc }. The sentence is an attribute
 * value, escaped like every other.
 */
export function sentenceSnippet(o) {
  const attrs = [`sentence="${escapeAttr(o.sentence)}"`];
  if (o.lang) attrs.push(`lang="${escapeAttr(o.lang)}"`);
  if (o.readonly) attrs.push('readonly');
  return `<script src="${escapeAttr(o.scriptSrc)}" defer></script>\n<attention-playground ${attrs.join(' ')}></attention-playground>\n`;
}

export function embedUrl(o) {
  const params = new URLSearchParams();
  if (o.preset) params.set('preset', o.preset);
  else params.set('config', toBase64Url(JSON.stringify(o.config)));
  for (const [name, value] of figureAttributes(o)) params.set(name, value);
  if (o.lang) params.set('lang', o.lang);
  if (o.decimals !== undefined && o.decimals !== 3) params.set('decimals', String(o.decimals));
  if (o.theme && o.theme !== 'auto') params.set('theme', o.theme);
  if (o.readonly) params.set('readonly', '1');
  return `${o.embedUrl}#${params.toString()}`;
}

// The host's half of fitting the frame (embed.html reports its height): the same as
// web/embed-resize.js, small enough to read before pasting. It comes before the iframe,
// so it listens before the frame can speak.
export const RESIZE_SCRIPT = `<script>
addEventListener('message', (e) => {
  const frame = [...document.getElementsByTagName('iframe')].find((f) => f.contentWindow === e.source);
  if (!frame || e.data?.type !== 'attention-playground:height' || !Number.isFinite(e.data.height)) return;
  frame.style.height = \`\${Math.min(Math.max(Math.ceil(e.data.height), 0), 100000)}px\`;
  e.source.postMessage({ type: 'attention-playground:fit' }, '*');
});
</script>
`;

/**
 * The iframe, preceded by the script that fits it to its content: inline by default, or
 * <script src="resizeScript"> (embed-resize.js) for hosts whose CSP refuses inline scripts.
 * height: the frame's height until its page reports the real one (the dialog measures its
 * preview, so the frame does not jump when it loads).
 */
export function iframeSnippet(o) {
  const height = Number.isFinite(o.height) && o.height > 0 ? Math.ceil(o.height) : 720;
  const script = o.resizeScript ? `<script src="${escapeAttr(o.resizeScript)}" defer></script>\n` : RESIZE_SCRIPT;
  return `${script}<iframe src="${escapeAttr(embedUrl(o))}" title="Attention Playground" loading="lazy" style="display: block; width: 100%; height: ${height}px; border: 0"></iframe>\n`;
}
