// The page's "Write it out" dialog: the current example as an article section (Markdown +
// LaTeX, web/lib/write-out.js) in either language, or as a NumPy or PyTorch script
// (web/lib/code-export.js). The text is shown in a read-only textarea (never as markup),
// with Copy and Download.
import { h } from './dom.js';
import { writeOut } from '../lib/write-out.js';
import { toNumpy, toPytorch } from '../lib/code-export.js';
import { LANGUAGES } from '../i18n/index.js';
import { MAX_DECIMALS } from '../lib/state.js';
import { copyArea } from './clipboard.js';

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * state: the playground's state; trace: its trace; select: the selected cell or null;
 * head: the head shown. Opens the dialog and returns it.
 */
export function openWriteOutDialog({ state, trace, select, head, S }) {
  const T = S.writeOut;
  const options = { format: 'article', lang: state.lang, decimals: state.decimals };
  const FORMATS = {
    article: { label: T.article, make: () => writeOut(trace, state.config, { lang: options.lang, decimals: options.decimals, head, select }), file: 'attention.md', type: 'text/markdown' },
    numpy: { label: T.numpy, make: () => toNumpy(state.config), file: 'attention_numpy.py', type: 'text/x-python', copy: true },
    pytorch: { label: T.pytorch, make: () => toPytorch(state.config), file: 'attention_pytorch.py', type: 'text/x-python', copy: true },
  };
  const out = h('textarea', { readonly: true, rows: 16, spellcheck: 'false', id: 'write-out-text' });
  const status = h('p', { role: 'status', className: 'embed-status' });

  const copy = () => copyArea(out, status, S);
  const formatButtons = Object.entries(FORMATS).map(([format, f]) => h('button', {
    type: 'button',
    dataset: { format },
    onclick: () => {
      options.format = format;
      update();
      if (f.copy) copy();
    },
  }, f.label));
  const lang = h('select', { id: 'write-out-lang' }, Object.entries(LANGUAGES).map(([code, L]) => h('option', { value: code, selected: code === options.lang }, L.langName)));
  lang.addEventListener('change', () => { options.lang = lang.value; update(); });
  const decimals = h('input', { type: 'number', id: 'write-out-decimals', min: 0, max: MAX_DECIMALS, value: options.decimals });
  decimals.addEventListener('change', () => {
    const v = Number.parseInt(decimals.value, 10);
    options.decimals = Number.isInteger(v) ? Math.min(MAX_DECIMALS, Math.max(0, v)) : state.decimals;
    decimals.value = String(options.decimals);
    update();
  });
  // The language and decimals are the article's; the scripts carry the config's exact numbers.
  const articleOptions = h('div', { className: 'embed-options' },
    h('label', { for: 'write-out-lang' }, S.language), lang,
    h('label', { for: 'write-out-decimals' }, S.decimals), decimals);

  function update() {
    const f = FORMATS[options.format];
    out.value = f.make();
    out.dataset.format = options.format;
    status.textContent = '';
    articleOptions.hidden = options.format !== 'article';
    for (const b of formatButtons) b.setAttribute('aria-pressed', String(b.dataset.format === options.format));
  }

  const dialog = h('dialog', { className: 'embed-dialog write-out-dialog', 'aria-labelledby': 'write-out-title' },
    h('form', { method: 'dialog', className: 'embed-form' },
      h('div', { className: 'embed-head' },
        h('h2', { id: 'write-out-title' }, T.title),
        h('button', { type: 'submit', className: 'close', 'aria-label': T.close }, '×')),
      h('p', { className: 'hint write-out-intro' }, T.intro),
      h('div', { className: 'tabs write-out-formats', role: 'group', 'aria-label': T.title }, formatButtons),
      articleOptions,
      h('label', { for: 'write-out-text', className: 'code-label' }, T.output), out,
      h('div', { className: 'row' },
        h('button', { type: 'button', className: 'copy', onclick: copy }, T.copy),
        h('button', { type: 'button', className: 'download', onclick: () => download(FORMATS[options.format].file, out.value, FORMATS[options.format].type) }, T.download)),
      status));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  update();
  dialog.showModal();
  return dialog;
}
