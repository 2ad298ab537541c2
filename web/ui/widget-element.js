// <attention-playground>: the playground as an element an author drops into an article.
// Attributes in (config, preset, steps, lang, decimals, readonly, theme), `.config` and
// `.trace` out, a bubbling `input` event when a reader edits it. Everything renders in an
// open shadow root, so the host page's CSS cannot reach in and ours cannot leak out. The
// engine loads once per page, when the first widget comes near the viewport (or at once
// with loading="eager", as for images).
import { h } from './dom.js';
import { Playground } from './playground.js';
import { PRESETS, PRESET_CHECKS, DEFAULT_PRESET, presetConfig } from '../lib/presets.js';
import { DEFAULT_DECIMALS, MAX_DECIMALS } from '../lib/state.js';
import { TABLE_IDS } from '../lib/steps.js';
import { pickLanguage, strings } from '../i18n/index.js';
import { followTheme } from '../lib/theme.js';

const ATTRIBUTES = ['config', 'preset', 'steps', 'lang', 'decimals', 'readonly', 'theme', 'tools'];

/**
 * Defines the element and returns its class (undefined where there is no DOM). setup: {
 *   loadEngine() -> Promise<engine>   (called once, shared by every widget on the page)
 *   styles(shadowRoot)                (puts the stylesheet into a widget's shadow root)
 *   renderMath(el, tex)               (formulas; MathML needs no fonts)
 * }
 */
export function defineAttentionPlayground(setup, name = 'attention-playground') {
  // Without a DOM (Node, a static-site generator importing the widget while it renders
  // pages) there is nothing to define; importing must still succeed.
  if (typeof customElements === 'undefined' || typeof HTMLElement === 'undefined') return undefined;
  if (customElements.get(name)) return customElements.get(name);
  let enginePromise = null;
  const engine = () => {
    enginePromise ??= setup.loadEngine().catch((err) => {
      enginePromise = null; // a later widget (or a retry) may try again
      throw err;
    });
    return enginePromise;
  };

  class AttentionPlaygroundElement extends HTMLElement {
    static get observedAttributes() { return ATTRIBUTES; }

    constructor() {
      super();
      const shadow = this.attachShadow({ mode: 'open' });
      setup.styles(shadow);
      this.box = h('div', { className: 'ap-root ap-widget', part: 'root' });
      shadow.append(this.box);
      this.playground = null;
      this.engine = null;
      this.userConfig = null;
    }

    connectedCallback() {
      this.applyTheme();
      if (this.playground || this.loading) return;
      this.renderFallback();
      if (typeof IntersectionObserver !== 'function' || this.getAttribute('loading') === 'eager') {
        this.start();
        return;
      }
      // Nothing heavy happens until the widget is within a screen of being seen.
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.observer.disconnect();
          this.start();
        }
      }, { rootMargin: '300px' });
      this.observer.observe(this);
    }

    disconnectedCallback() {
      this.observer?.disconnect();
      this.stopFollowingTheme?.();
    }

    attributeChangedCallback(attr, oldValue, newValue) {
      if (oldValue === newValue) return;
      if (attr === 'theme') this.applyTheme();
      if (attr === 'config') this.userConfig = null;
      if (this.engine) this.mount();
      else if (this.box.firstChild) this.renderFallback();
    }

    get lang() {
      return pickLanguage(this.getAttribute('lang'), this.closest('[lang]')?.getAttribute('lang'), navigator.language);
    }

    /** The config the widget shows now, including a reader's edits (a copy). */
    get config() {
      const current = this.playground?.state.config ?? this.userConfig ?? this.readState().state?.config;
      return current ? structuredClone(current) : null;
    }

    set config(value) {
      this.userConfig = structuredClone(value);
      if (this.engine) this.mount();
    }

    /** The engine's trace of the current config, or null before it loads or on an error. */
    get trace() {
      return this.playground?.trace ?? null;
    }

    applyTheme() {
      this.stopFollowingTheme?.();
      this.stopFollowingTheme = followTheme(this.getAttribute('theme'), (resolved) => { this.box.dataset.theme = resolved; });
    }

    // Until the widget runs, and whenever it cannot, the element's own children show: an
    // author's static fallback (a table, the exported SVG), which is also what readers
    // without JavaScript see. Without children, the formula. Once mounted the slot is gone,
    // so the children are neither drawn nor read out.
    renderFallback(message) {
      const S = strings(this.lang);
      this.box.replaceChildren(h('div', { className: 'fallback' },
        h('slot', null, h('p', { className: 'fallback-formula' }, 'Attention(Q, K, V) = softmax(QKᵀ / √d_k) · V')),
        h('p', { role: message ? 'alert' : 'status', className: message ? 'alert' : 'loading' }, message ?? S.loading)));
    }

    async start() {
      this.loading = true;
      try {
        this.engine = await engine();
      } catch (err) {
        const S = strings(this.lang);
        this.renderFallback(S.loadFailed(err.message ?? String(err)));
        const retry = h('button', { type: 'button', onclick: () => { this.loading = false; this.start(); } }, S.retry);
        this.box.querySelector('.fallback').append(retry);
        this.loading = false;
        return;
      }
      this.loading = false;
      this.mount();
    }

    // The state the attributes describe, or an error message naming the attribute.
    readState() {
      const S = strings(this.lang);
      const decimalsAttr = this.getAttribute('decimals');
      const decimals = decimalsAttr !== null && /^\d+$/.test(decimalsAttr.trim())
        ? Math.min(MAX_DECIMALS, Number(decimalsAttr)) : DEFAULT_DECIMALS;
      const base = { decimals, lang: this.lang, preset: null };
      if (this.userConfig) return { state: { ...base, config: this.userConfig } };
      const configAttr = this.getAttribute('config');
      if (configAttr !== null) {
        try {
          return { state: { ...base, config: JSON.parse(configAttr) } };
        } catch (err) {
          return { error: S.widget.badConfigJson(err.message) };
        }
      }
      const preset = this.getAttribute('preset') ?? DEFAULT_PRESET;
      if (!Object.hasOwn(PRESETS, preset)) return { error: S.widget.unknownPreset(preset.slice(0, 40), Object.keys(PRESETS).join(', ')) };
      return { state: { ...base, config: presetConfig(preset), preset, checks: PRESET_CHECKS[preset] } };
    }

    steps() {
      const attr = this.getAttribute('steps');
      if (!attr) return null;
      const known = new Set(TABLE_IDS);
      const list = attr.split(/[\s,]+/).filter((s) => known.has(s));
      return list.length ? list : null;
    }

    mount() {
      const { state, error } = this.readState();
      if (error) {
        this.playground = null;
        this.renderFallback(error);
        return;
      }
      const root = h('div', { className: 'playground' });
      const readonly = this.hasAttribute('readonly');
      try {
        this.playground = new Playground(root, {
          engine: this.engine,
          state,
          controls: false,
          overview: false,
          readonly,
          authorTools: this.getAttribute('tools') !== 'none',
          steps: this.steps(),
          renderMath: setup.renderMath,
          onChange: () => this.dispatchEvent(new Event('input', { bubbles: true, composed: true })),
        });
      } catch (err) {
        this.playground = null;
        this.renderFallback(strings(this.lang).engineRefused(err.message, err.code, err.field));
        return;
      }
      // How to edit is said only where something can be edited: not in a read-only widget,
      // and (style.css) not in one whose steps hold no editable table.
      this.box.toggleAttribute('data-readonly', readonly);
      this.box.replaceChildren(...(readonly ? [] : [h('p', { className: 'hint edit-hint' }, strings(this.lang).editHint)]), root);
    }
  }

  customElements.define(name, AttentionPlaygroundElement);
  return AttentionPlaygroundElement;
}
