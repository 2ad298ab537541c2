// Tools under each table, for authors: export the step (CSV, Markdown, LaTeX; the heatmap
// as SVG or PNG) and check an article's printed matrix against the engine's. Built once
// per table and kept across recomputations, so an open menu stays open.
import { h } from './dom.js';
import { toCSV, toMarkdown, toLatex, parseMatrix, checkSummary } from '../lib/matrix-text.js';

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function svgText(svg) {
  const copy = svg.cloneNode(true);
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  // Standalone files need their own colours and fonts: the page's CSS does not travel.
  for (const t of copy.querySelectorAll('text')) {
    if (!t.getAttribute('fill')) t.setAttribute('fill', '#1d1f23');
    t.setAttribute('font-family', 'system-ui, sans-serif');
    t.setAttribute('font-size', t.classList.contains('value') ? '10' : '11');
  }
  return new XMLSerializer().serializeToString(copy);
}

export async function svgToPng(svg, scale = 2) {
  const text = svgText(svg);
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width * scale;
    canvas.height = height * scale;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('no PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * tools.update({ block, decimals, S, heatmapSvg }) refreshes what the tools act on.
 * onCheck(rows | null) is called with the article's matrix (or null to clear).
 */
export function blockTools({ onCheck, onMessage }) {
  let current = null;
  const out = h('textarea', { className: 'export-text', readonly: true, rows: 5, spellcheck: 'false' });
  const status = h('p', { className: 'tool-status', role: 'status' });
  const fileName = (ext) => `${current.block.step}${current.block.head !== undefined ? `-head${current.block.head + 1}` : ''}.${ext}`;
  const matrix = () => ({ rows: current.block.rows, cols: current.block.cols, value: current.block.value });
  const show = (text, ext, type) => {
    out.value = text;
    out.hidden = false;
    out.dataset.format = ext;
    out.select();
    navigator.clipboard?.writeText(text).then(
      () => { status.textContent = current.S.tools.copied; },
      () => { status.textContent = current.S.tools.selectToCopy; },
    );
    lastDownload = () => download(fileName(ext), new Blob([text], { type }));
  };
  let lastDownload = null;
  out.hidden = true;
  const formats = [
    ['CSV', () => show(toCSV(matrix(), current.block.rowLabels, current.block.colLabels), 'csv', 'text/csv')],
    ['Markdown', () => show(toMarkdown(matrix(), current.block.rowLabels, current.block.colLabels, current.decimals), 'md', 'text/markdown')],
    ['LaTeX', () => show(toLatex(matrix(), current.decimals), 'tex', 'text/x-tex')],
  ];
  const exportButtons = formats.map(([label, run]) => h('button', { type: 'button', dataset: { format: label.toLowerCase() }, onclick: run }, label));
  const saveButton = h('button', { type: 'button', className: 'save', onclick: () => lastDownload?.() });
  const picture = h('span', { className: 'picture-exports' });
  const exportMenu = h('details', { className: 'export' },
    h('summary'), h('div', { className: 'menu' }, exportButtons, picture, out, saveButton, status));

  const input = h('textarea', { className: 'check-input', rows: 4, spellcheck: 'false' });
  const checkStatus = h('p', { className: 'tool-status', role: 'status' });
  const compare = h('button', { type: 'button', className: 'compare' });
  const clear = h('button', { type: 'button', className: 'clear' });
  compare.addEventListener('click', () => {
    const parsed = parseMatrix(input.value);
    if (parsed.error) {
      checkStatus.textContent = current.S.tools.cannotRead(current.S.tools.parseErrors[parsed.error.code](parsed.error));
      input.setAttribute('aria-invalid', 'true');
      // The verdict on the last matrix read must not stand beside text that says nothing was read.
      if (current.check) onCheck(current.block, null);
      return;
    }
    input.removeAttribute('aria-invalid');
    onCheck(current.block, parsed.rows);
  });
  clear.addEventListener('click', () => {
    input.value = '';
    checkStatus.textContent = '';
    onCheck(current.block, null);
  });
  const checkMenu = h('details', { className: 'check' },
    h('summary'), h('div', { className: 'menu' }, h('label', { className: 'check-label' }), input, h('div', { className: 'row' }, compare, clear), checkStatus));

  // The outcome of a check stays visible with the menu closed.
  const summary = h('p', { className: 'check-summary', role: 'status', hidden: true });
  const el = h('div', { className: 'block-tools' }, exportMenu, checkMenu, summary);

  return {
    el,
    update(next) {
      current = next;
      const T = next.S.tools;
      exportMenu.querySelector('summary').textContent = T.export;
      saveButton.textContent = T.download;
      checkMenu.querySelector('summary').textContent = T.check;
      const label = checkMenu.querySelector('.check-label');
      label.textContent = T.checkHint;
      const id = `check-${next.block.step}-${next.block.head ?? 'all'}-${next.uid}`;
      input.id = id;
      label.setAttribute('for', id);
      compare.textContent = T.compare;
      clear.textContent = T.clear;
      if (next.check) {
        if (!input.value) input.value = next.check.rows.map((r) => r.join(' ')).join('\n');
        checkStatus.textContent = '';
        summary.textContent = checkSummary(next.check.result, [next.block.rows, next.block.cols], T);
        summary.classList.toggle('differs', next.check.result.differ > 0 || next.check.result.shapeDiffers);
      }
      summary.hidden = !next.check;
      picture.replaceChildren();
      if (next.heatmapSvg) {
        picture.append(
          h('button', { type: 'button', dataset: { format: 'svg' }, onclick: () => download(fileName('svg'), new Blob([svgText(next.heatmapSvg())], { type: 'image/svg+xml' })) }, `${T.heatmap} SVG`),
          h('button', {
            type: 'button',
            dataset: { format: 'png' },
            onclick: () => svgToPng(next.heatmapSvg()).then((b) => download(fileName('png'), b), (err) => onMessage(T.pngFailed(err.message))),
          }, `${T.heatmap} PNG`),
        );
      }
    },
  };
}
