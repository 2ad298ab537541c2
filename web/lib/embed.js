// The snippets an author pastes into an article: the <attention-playground> element and
// an iframe of embed.html, both for the playground's current state. Pure string work,
// with every attribute value escaped.
const escapeAttr = (text) => String(text).replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

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
