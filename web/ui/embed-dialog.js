// The page's "Embed" dialog: pick what to show, get the widget snippet and the iframe
// snippet for the current state, see a live preview, copy with one click. It starts with
// the compact figure: the flow, with X editable. Picking steps means the steps view, and
// picking a step to picture the heatmap.
import { h } from './dom.js';
import { widgetSnippet, iframeSnippet, VIEWS, PICTURED_STEPS } from '../lib/embed.js';
import { LANGUAGES } from '../i18n/index.js';
import { TABLE_IDS, STEP } from '../lib/steps.js';
import { copyArea } from './clipboard.js';

// Every table the widget can show, from the one step table.
const STEPS = TABLE_IDS;
// What a heatmap can picture for every config (the others exist only with some options).
const PICTURES = PICTURED_STEPS.filter((id) => ['x', 'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'final'].includes(id));
const ATTRIBUTES = ['preset', 'config', 'view', 'steps', 'head', 'caption', 'lang', 'decimals', 'readonly', 'theme'];

export function openEmbedDialog({ state, S, baseUrl }) {
  const T = S.embed;
  const chosen = new Set(['scores', 'scaled', 'masked', 'weights', 'output']);
  const options = { view: VIEWS[0], picture: 'weights', head: null, caption: '', lang: state.lang, decimals: state.decimals, readonly: false, theme: 'auto' };
  const heads = Number.isInteger(state.config.heads) ? state.config.heads : 1;
  // The preview's height, for the iframe snippet's starting height: the frame then opens
  // at about its final size instead of jumping when its page reports it.
  let previewHeight = null;
  const widgetOut = h('textarea', { readonly: true, rows: 4, spellcheck: 'false', id: 'embed-widget-code' });
  const iframeOut = h('textarea', { readonly: true, rows: 6, spellcheck: 'false', id: 'embed-iframe-code' });
  const status = h('p', { role: 'status', className: 'embed-status' });
  const preview = h('div', { className: 'embed-preview' });

  const describe = () => ({
    config: state.config,
    preset: state.preset && !state.checks ? state.preset : null,
    ...options,
    steps: { steps: STEPS.filter((s) => chosen.has(s)), heatmap: [options.picture] }[options.view] ?? [],
    scriptSrc: new URL('attention-playground.js', baseUrl).href,
    embedUrl: new URL('embed.html', baseUrl).href,
    height: previewHeight,
  });

  let widget = null;
  const update = () => {
    const o = describe();
    widgetOut.value = widgetSnippet(o);
    iframeOut.value = iframeSnippet(o);
    if (!widget) return;
    for (const name of ATTRIBUTES) widget.removeAttribute(name);
    if (o.preset) widget.setAttribute('preset', o.preset);
    else widget.setAttribute('config', JSON.stringify(o.config));
    widget.setAttribute('view', o.view);
    if (o.steps.length) widget.setAttribute('steps', o.steps.join(','));
    if (o.head) widget.setAttribute('head', String(o.head));
    if (o.caption.trim()) widget.setAttribute('caption', o.caption.trim());
    widget.setAttribute('lang', o.lang);
    widget.setAttribute('decimals', String(o.decimals));
    widget.setAttribute('theme', o.theme);
    if (o.readonly) widget.setAttribute('readonly', '');
  };

  const stepBoxes = STEPS.map((step) => {
    const box = h('input', { type: 'checkbox', id: `embed-step-${step}`, checked: chosen.has(step) });
    box.addEventListener('change', () => {
      if (box.checked) chosen.add(step); else chosen.delete(step);
      setView('steps');
      update();
    });
    // The step's name in the reader's language; its id, what steps="…" takes, as code.
    return h('label', { className: 'embed-step', for: `embed-step-${step}` }, box, S.steps[STEP[step].titleKey].title, ' ', h('code', null, step));
  });
  const view = h('select', { id: 'embed-view' }, VIEWS.map((v) => h('option', { value: v, selected: v === options.view }, T.views[v])));
  const setView = (v) => { options.view = v; view.value = v; };
  view.addEventListener('change', () => { setView(view.value); update(); });
  const picture = h('select', { id: 'embed-picture' }, PICTURES.map((id) => h('option', { value: id, selected: id === options.picture }, S.steps[STEP[id].titleKey].title)));
  picture.addEventListener('change', () => { options.picture = picture.value; setView('heatmap'); update(); });
  const head = heads > 1 ? h('select', { id: 'embed-head' }, h('option', { value: '' }, T.defaultHead),
    Array.from({ length: heads }, (_, i) => h('option', { value: String(i + 1) }, S.head(i)))) : null;
  head?.addEventListener('change', () => { options.head = head.value ? Number(head.value) : null; update(); });
  const caption = h('input', { type: 'text', id: 'embed-caption', maxLength: 200, spellcheck: 'true' });
  caption.addEventListener('input', () => { options.caption = caption.value; update(); });
  const lang = h('select', { id: 'embed-lang' }, Object.entries(LANGUAGES).map(([code, L]) => h('option', { value: code, selected: code === options.lang }, L.langName)));
  lang.addEventListener('change', () => { options.lang = lang.value; update(); });
  const decimals = h('input', { type: 'number', id: 'embed-decimals', min: 0, max: 8, value: options.decimals });
  decimals.addEventListener('change', () => {
    const v = Number.parseInt(decimals.value, 10);
    options.decimals = Number.isInteger(v) ? Math.min(8, Math.max(0, v)) : 3;
    decimals.value = String(options.decimals);
    update();
  });
  const readonly = h('input', { type: 'checkbox', id: 'embed-readonly' });
  readonly.addEventListener('change', () => { options.readonly = readonly.checked; update(); });
  const theme = h('select', { id: 'embed-theme' }, ['auto', 'light', 'dark'].map((t) => h('option', { value: t }, T.themes[t])));
  theme.addEventListener('change', () => { options.theme = theme.value; update(); });

  const copy = (area) => () => copyArea(area, status, S);

  const dialog = h('dialog', { className: 'embed-dialog', 'aria-labelledby': 'embed-title' },
    h('form', { method: 'dialog', className: 'embed-form' },
      h('div', { className: 'embed-head' },
        h('h2', { id: 'embed-title' }, T.title),
        h('button', { type: 'submit', className: 'close', 'aria-label': T.close }, '×')),
      h('p', { className: 'hint' }, T.intro),
      h('div', { className: 'embed-options' },
        h('label', { for: 'embed-view' }, T.view), view,
        h('label', { for: 'embed-picture' }, T.picture), picture,
        head ? [h('label', { for: 'embed-head' }, T.head), head] : null,
        h('label', { for: 'embed-caption' }, T.caption), caption),
      h('fieldset', { className: 'embed-steps' }, h('legend', null, T.steps), stepBoxes),
      h('div', { className: 'embed-options' },
        h('label', { for: 'embed-lang' }, S.language), lang,
        h('label', { for: 'embed-decimals' }, S.decimals), decimals,
        h('label', { for: 'embed-theme' }, T.theme), theme,
        h('span', { className: 'check' }, readonly, h('label', { for: 'embed-readonly' }, T.readonly))),
      h('label', { for: 'embed-widget-code', className: 'code-label' }, T.widgetCode), widgetOut,
      h('button', { type: 'button', className: 'copy-widget', onclick: copy(widgetOut) }, T.copy),
      h('label', { for: 'embed-iframe-code', className: 'code-label' }, T.iframeCode), iframeOut,
      h('button', { type: 'button', className: 'copy-iframe', onclick: copy(iframeOut) }, T.copy),
      status,
      h('h3', null, T.preview), preview));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  update();
  dialog.showModal();
  // The preview is the widget itself, loaded only now.
  import('../widget.js').then(() => {
    widget = document.createElement('attention-playground');
    widget.setAttribute('loading', 'eager'); // the preview may sit below the dialog's fold
    preview.append(widget);
    update();
    new ResizeObserver(() => {
      if (!widget.trace) return; // still loading: not the height the frame will have
      previewHeight = Math.ceil(widget.getBoundingClientRect().height);
      iframeOut.value = iframeSnippet(describe());
    }).observe(widget);
  });
  return dialog;
}
