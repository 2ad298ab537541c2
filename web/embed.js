// embed.html, for hosts that allow an iframe but no scripts: the hash says what to show.
//   embed.html#preset=two-words&steps=scores,weights&lang=zh&decimals=2&readonly=1&theme=dark
//   embed.html#config=<base64url JSON, as in the page's share links>&steps=…
// Every value goes into an attribute of the widget, which validates it; nothing becomes HTML.
(() => {
  const ALLOWED = ['preset', 'steps', 'lang', 'decimals', 'theme'];

  function fromBase64Url(text) {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  }

  function apply() {
    const widget = document.getElementById('widget');
    const params = new URLSearchParams(location.hash.slice(1));
    for (const name of [...ALLOWED, 'config', 'readonly']) widget.removeAttribute(name);
    for (const name of ALLOWED) {
      const value = params.get(name);
      if (value !== null) widget.setAttribute(name, value.slice(0, 200));
    }
    if (params.has('readonly') && params.get('readonly') !== '0') widget.setAttribute('readonly', '');
    const config = params.get('config');
    if (config !== null) {
      let json;
      try {
        json = JSON.parse(fromBase64Url(config));
      } catch {
        json = null;
      }
      // A page share link also carries view fields; the widget takes them as attributes.
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        const { decimals, lang, checks, ...engineConfig } = json;
        if (Number.isInteger(decimals) && !params.has('decimals')) widget.setAttribute('decimals', String(decimals));
        if (typeof lang === 'string' && !params.has('lang')) widget.setAttribute('lang', lang.slice(0, 20));
        void checks;
        widget.setAttribute('config', JSON.stringify(engineConfig));
      } else {
        widget.setAttribute('config', '{"error": "the link\'s config could not be read"}');
      }
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', apply);
  else apply();
  window.addEventListener('hashchange', apply);
})();
