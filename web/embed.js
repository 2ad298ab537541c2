// embed.html, for hosts that allow an iframe but no scripts: the hash says what to show.
//   embed.html#preset=two-words&steps=scores,weights&lang=zh&decimals=2&readonly=1&theme=dark
//   embed.html#config=<base64url JSON, as in the page's share links>&steps=…
// The config is read by the page's own share-link decoder; every value goes into an
// attribute of the widget, which validates it; nothing becomes HTML.
import { decodeShare } from './lib/state.js';

const ALLOWED = ['preset', 'steps', 'lang', 'decimals', 'theme'];

function apply() {
  const widget = document.getElementById('widget');
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of [...ALLOWED, 'config', 'readonly']) widget.removeAttribute(name);
  for (const name of ALLOWED) {
    const value = params.get(name);
    if (value !== null) widget.setAttribute(name, value.slice(0, 200));
  }
  if (params.has('readonly') && params.get('readonly') !== '0') widget.setAttribute('readonly', '');
  if (!params.has('config')) return;
  const shared = decodeShare(`#${new URLSearchParams({ config: params.get('config') })}`);
  if (!shared?.config) {
    widget.setAttribute('config', '{"error": "the link\'s config could not be read"}');
    return;
  }
  // A page share link also carries view fields; the widget takes them as attributes.
  if (shared.decimals !== undefined && !params.has('decimals')) widget.setAttribute('decimals', String(shared.decimals));
  if (shared.lang !== undefined && !params.has('lang')) widget.setAttribute('lang', shared.lang.slice(0, 20));
  widget.setAttribute('config', JSON.stringify(shared.config));
}

apply(); // module scripts run after the document is parsed
window.addEventListener('hashchange', apply);
