// <attention-playground>: the playground as an element an author drops into an article.
// Attributes in (config, preset, view, steps, head, select, caption, lang, decimals,
// readonly, theme, tools, loading, sentence), `.config` and `.trace` out (`.sentence` and
// `.result` with sentence="…"), a bubbling `input` event when a reader edits it.
// sentence="…" shows the trained tiny model's attention for that sentence instead, drawn
// by the page's own section code (modelFigure, web/ui/model-section.js). Everything renders
// in an open shadow root, so the host page's CSS cannot reach in and ours cannot leak out.
// The engine loads once per page, when the first widget comes near the viewport (or at
// once with loading="eager", as for images); the model's weights when a widget first
// shows a sentence.
import { h } from './dom.js';
import { Playground } from './playground.js';
import { PRESETS, PRESET_CHECKS, DEFAULT_PRESET, presetConfig } from '../lib/presets.js';
import { DEFAULT_DECIMALS, MAX_DECIMALS } from '../lib/state.js';
import { TABLE_IDS } from '../lib/steps.js';
import { VIEWS, PICTURED_STEPS } from '../lib/embed.js';
import { pickLanguage, strings } from '../i18n/index.js';
import { followTheme } from '../lib/theme.js';
import { modelFigure } from './model-section.js';
import { redrawCanvases } from './heatmap-canvas.js';

/** The attributes the element observes (`loading` is read once, when it connects). */
export const ATTRIBUTES = ['config', 'preset', 'view', 'steps', 'head', 'select', 'caption', 'lang', 'decimals', 'readonly', 'theme', 'tools', 'sentence'];
// view="heatmap" without a step to picture in steps="…" shows the weights.
const DEFAULT_PICTURE = 'weights';

/**
 * select="step:row,col" (1-based, as a reader counts) -> { step, row, col } (0-based), or
 * { error } naming what is wrong. Pure; whether the step is shown is checked once drawn.
 */
export function parseSelect(text, W) {
  const value = String(text).trim();
  const match = /^([A-Za-z]+)\s*:\s*(\d{1,4})\s*,\s*(\d{1,4})$/.exec(value);
  if (!match) return { error: W.badSelect(value.slice(0, 40)) };
  const [, step, row, col] = match;
  if (!TABLE_IDS.includes(step)) return { error: W.unknownStep(step.slice(0, 40), TABLE_IDS.join(', ')) };
  if (Number(row) < 1 || Number(col) < 1) return { error: W.badSelect(value.slice(0, 40)) };
  return { step, row: Number(row) - 1, col: Number(col) - 1 };
}

/**
 * Defines the element and returns its class (undefined where there is no DOM). setup: {
 *   loadEngine() -> Promise<engine>   (called once, shared by every widget on the page)
 *   styles(shadowRoot)                (puts the stylesheets into a widget's shadow root)
 *   renderMath(el, tex)               (formulas: KaTeX's HTML and CSS, as on the page; it
 *                                      also puts KaTeX's fonts on the document, since a
 *                                      shadow root cannot declare fonts)
 *   loadModel(engine) -> Promise<model> (the tiny model of web/model.js on that engine, for
 *                                      sentence="…"; called once, when a widget first needs it)
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
  let modelPromise = null;
  const model = () => {
    modelPromise ??= engine().then((e) => setup.loadModel(e)).catch((err) => {
      modelPromise = null;
      throw err;
    });
    return modelPromise;
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
      this.sentenceFigure = null; // sentence="…": the model's figure (modelFigure)
      this.mounts = 0; // counts mounts, so a model that loads late does not overwrite a newer one
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
      if (attr === 'caption') {
        this.renderCaption(); // the only attribute that keeps a reader's edits
        return;
      }
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
      if (this.hasAttribute('sentence')) return null;
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

    /** sentence="…": the sentence in the widget now, as the reader typed it; else null. */
    get sentence() {
      if (!this.hasAttribute('sentence')) return null;
      return this.sentenceFigure?.sentence() ?? this.getAttribute('sentence');
    }

    /** sentence="…": the model's run() of the sentence shown (docs/model.md), or null. */
    get result() {
      return this.sentenceFigure?.result() ?? null;
    }

    applyTheme() {
      this.stopFollowingTheme?.();
      this.stopFollowingTheme = followTheme(this.getAttribute('theme'), (resolved) => {
        this.box.dataset.theme = resolved;
        redrawCanvases(this.box);
      });
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
      this.renderCaption();
    }

    // caption="…" under the figure, as text (never HTML); the figure is named by it.
    renderCaption() {
      const text = this.getAttribute('caption')?.trim();
      this.captionEl ??= h('p', { className: 'figure-caption', part: 'caption', id: 'caption' });
      this.captionEl.textContent = text ?? '';
      if (text) {
        this.box.append(this.captionEl);
        this.box.setAttribute('role', 'figure');
        this.box.setAttribute('aria-labelledby', 'caption');
      } else {
        this.captionEl.remove();
        this.box.removeAttribute('role');
        this.box.removeAttribute('aria-labelledby');
      }
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

    // How the attributes ask to show the state: { view, steps, head, select, notes }, where
    // notes name each value that could not be used (shown in the widget, which goes on
    // with the default for it). heads: how many the config has.
    figure(heads) {
      const W = strings(this.lang).widget;
      const notes = [];
      const viewAttr = this.getAttribute('view');
      let view = viewAttr === null ? 'steps' : viewAttr.trim().toLowerCase();
      if (!VIEWS.includes(view)) {
        notes.push(W.badView(viewAttr.slice(0, 40), VIEWS.join(', ')));
        view = 'steps';
      }
      let steps = this.steps();
      // One step's picture: the first pictured step that steps="…" lists, else the weights.
      if (view === 'heatmap') steps = [steps?.find((s) => PICTURED_STEPS.includes(s)) ?? DEFAULT_PICTURE];
      const headAttr = this.getAttribute('head');
      let head = null;
      if (headAttr !== null) {
        const n = /^\s*\d{1,3}\s*$/.test(headAttr) ? Number(headAttr) : 0;
        if (n >= 1 && n <= heads) head = n - 1;
        else notes.push(W.badHead(headAttr.slice(0, 40), heads));
      }
      const selectAttr = this.getAttribute('select');
      let select = null;
      if (selectAttr !== null) {
        const parsed = parseSelect(selectAttr, W);
        if (parsed.error) notes.push(parsed.error);
        else select = parsed;
      }
      return { view, steps, head, select, notes };
    }

    // Selects the cell select="…" names, as a reader's click would; or says why it cannot.
    applySelect(select, head) {
      const W = strings(this.lang).widget;
      const candidates = this.playground.shown.filter(({ block }) => block.step === select.step);
      const { block } = candidates.find(({ block: b }) => (b.head ?? null) === (head ?? b.head ?? null)) ?? candidates[0] ?? {};
      if (!block) return W.selectNotShown(select.step);
      if (select.row >= block.rows || select.col >= block.cols) {
        return W.selectOutside(`${select.step}:${select.row + 1},${select.col + 1}`, block.rows, block.cols);
      }
      this.playground.selection = { step: select.step, head: block.head ?? null, row: select.row, col: select.col };
      this.playground.renderNow();
      return null;
    }

    // sentence="…": the tiny model's attention for the sentence (its weights load once per
    // page, on the widgets' engine), or the model's message when it cannot read it.
    async mountSentence(ticket) {
      const S = strings(this.lang);
      if (!this.sentenceFigure) this.renderFallback(S.model.loading);
      let m;
      try {
        m = await model();
      } catch (err) {
        if (ticket === this.mounts) this.renderFallback(S.model.loadFailed(err.message ?? String(err)));
        return;
      }
      if (ticket !== this.mounts) return; // the attributes changed meanwhile
      this.sentenceFigure?.dispose();
      this.sentenceFigure = modelFigure(S, this.lang, m, {
        sentence: this.getAttribute('sentence'),
        readonly: this.hasAttribute('readonly'),
        onShow: () => this.dispatchEvent(new Event('input', { bubbles: true, composed: true })),
      });
      // The widget's `input` event means a new sentence shown (onShow), not every keystroke
      // in its text field: the field's own events, composed, would cross the shadow root.
      this.sentenceFigure.el.addEventListener('input', (e) => e.stopPropagation());
      this.box.toggleAttribute('data-readonly', this.hasAttribute('readonly'));
      this.box.dataset.view = 'sentence';
      this.box.replaceChildren(this.sentenceFigure.el);
      this.renderCaption();
    }

    mount() {
      const ticket = ++this.mounts;
      this.playground = null;
      if (this.hasAttribute('sentence')) {
        this.mountSentence(ticket);
        return;
      }
      this.sentenceFigure?.dispose();
      this.sentenceFigure = null;
      const { state, error } = this.readState();
      if (error) {
        this.playground = null;
        this.renderFallback(error);
        return;
      }
      const root = h('div', { className: 'playground' });
      const readonly = this.hasAttribute('readonly');
      const heads = Number.isInteger(state.config?.heads) && state.config.heads > 0 ? state.config.heads : 1;
      const { view, steps, head, select, notes } = this.figure(heads);
      const pictured = view === 'flow' || view === 'heatmap';
      try {
        this.playground = new Playground(root, {
          engine: this.engine,
          state,
          controls: false,
          overview: false,
          readonly,
          authorTools: this.getAttribute('tools') !== 'none',
          steps,
          view: view === 'tiles' ? 'tiles' : pictured ? 'flow' : 'article',
          // view="tiles": the fused kernel block by block (the page's tiles section alone).
          tiles: view === 'tiles',
          head,
          stories: false,
          // The flow and the heatmap explain the selected cell in a bar under the tables;
          // the steps view in a tooltip, and in the bar too when the author selects a cell.
          selectionBar: pictured || Boolean(select),
          renderMath: setup.renderMath,
          onChange: () => this.dispatchEvent(new Event('input', { bubbles: true, composed: true })),
        });
      } catch (err) {
        this.playground = null;
        this.renderFallback(strings(this.lang).engineRefused(err.message, err.code, err.field));
        return;
      }
      if (select) {
        const why = this.applySelect(select, head);
        if (why) notes.push(why);
      }
      // How to edit is said only where something can be edited: not in a read-only widget,
      // and (style.css) not in one whose steps hold no editable table.
      const S = strings(this.lang);
      this.box.toggleAttribute('data-readonly', readonly);
      this.box.dataset.view = view;
      this.box.replaceChildren(
        ...notes.map((note) => h('p', { className: 'widget-note', role: 'status' }, note)),
        ...(readonly || view === 'tiles' ? [] : [h('p', { className: 'hint edit-hint' }, pictured ? S.widget.editHintFlow : S.editHint)]),
        // The flow and the heatmap show one head; with several, which one.
        ...(pictured && heads > 1 ? [h('p', { className: 'figure-head' }, S.widget.showingHead(head ?? 0, heads))] : []),
        root);
      this.renderCaption();
    }
  }

  customElements.define(name, AttentionPlaygroundElement);
  return AttentionPlaygroundElement;
}
