// embed.html, for hosts that allow an iframe but no scripts: the hash says what to show.
//   embed.html#preset=two-words&steps=scores,weights&lang=zh&decimals=2&readonly=1&theme=dark
//   embed.html#preset=two-words&view=heatmap&steps=weights&select=weights:1,2&caption=…
//   embed.html#config=<base64url JSON, as in the page's share links>&steps=…
// The config is read by the page's own share-link decoder; every value goes into an
// attribute of the widget, which validates it; nothing becomes HTML. In an iframe, the
// page reports its height to the host page (below).
import { decodeShare } from './lib/state.js';

const ALLOWED = ['preset', 'view', 'steps', 'head', 'select', 'caption', 'lang', 'decimals', 'theme'];

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

// Fitting the frame to the widget, for hosts that run the resize script (the iframe
// snippet's inline one, or embed-resize.js): this page tells its parent its height — a
// number and nothing else — once the widget shows its tables (or its message), so the frame
// goes from the snippet's height straight to the right one without passing through the
// loading box's, then on every change of size. When the parent answers that it fits the
// frame, the frame's own scrollbar goes (it would only flash while the parent catches up);
// a host without the script keeps a frame that scrolls.
const HEIGHT = 'attention-playground:height';
const FIT = 'attention-playground:fit';

function fitToParent() {
  const widget = document.getElementById('widget');
  const root = document.documentElement;
  const ready = () => Boolean(widget.trace || widget.shadowRoot?.querySelector('[role="alert"]'));
  let sent = -1;
  const report = () => {
    if (!ready()) return;
    const height = Math.ceil(root.getBoundingClientRect().height);
    if (height === sent) return;
    sent = height;
    window.parent.postMessage({ type: HEIGHT, height }, '*');
  };
  new ResizeObserver(report).observe(root);
  const waiting = setInterval(() => {
    if (!ready()) return;
    clearInterval(waiting);
    report();
  }, 50);
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.data?.type !== FIT || root.classList.contains('fitted')) return;
    root.classList.add('fitted');
    sent = -1; // a parent that started listening late has not heard the height yet
    report();
  });
}

apply(); // module scripts run after the document is parsed
window.addEventListener('hashchange', apply);
if (window.parent !== window) fitToParent();
