// The snippets an author pastes into an article: the <attention-playground> element and
// an iframe of embed.html, both for the playground's current state. Pure string work,
// with every attribute value escaped.
import { toBase64Url } from './state.js';

const escapeAttr = (text) => String(text).replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * options: { config, preset?, steps?: string[], lang, decimals, readonly, theme,
 *            scriptSrc, embedUrl }
 */
export function widgetSnippet(o) {
  const attrs = [];
  if (o.preset) attrs.push(`preset="${escapeAttr(o.preset)}"`);
  else attrs.push(`config='${escapeAttr(JSON.stringify(o.config))}'`);
  if (o.steps?.length) attrs.push(`steps="${escapeAttr(o.steps.join(','))}"`);
  if (o.lang) attrs.push(`lang="${escapeAttr(o.lang)}"`);
  if (o.decimals !== undefined && o.decimals !== 3) attrs.push(`decimals="${Number(o.decimals)}"`);
  if (o.theme && o.theme !== 'auto') attrs.push(`theme="${escapeAttr(o.theme)}"`);
  if (o.readonly) attrs.push('readonly');
  return `<script src="${escapeAttr(o.scriptSrc)}" defer></script>\n<attention-playground ${attrs.join(' ')}></attention-playground>\n`;
}

export function embedUrl(o) {
  const params = new URLSearchParams();
  if (o.preset) params.set('preset', o.preset);
  else params.set('config', toBase64Url(JSON.stringify(o.config)));
  if (o.steps?.length) params.set('steps', o.steps.join(','));
  if (o.lang) params.set('lang', o.lang);
  if (o.decimals !== undefined && o.decimals !== 3) params.set('decimals', String(o.decimals));
  if (o.theme && o.theme !== 'auto') params.set('theme', o.theme);
  if (o.readonly) params.set('readonly', '1');
  return `${o.embedUrl}#${params.toString()}`;
}

export function iframeSnippet(o) {
  return `<iframe src="${escapeAttr(embedUrl(o))}" title="Attention Playground" loading="lazy" style="width: 100%; height: 720px; border: 0"></iframe>\n`;
}
