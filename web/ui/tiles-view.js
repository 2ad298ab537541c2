// Draws the "tiles" section (web/lib/tiles.js): the block sizes, Previous / Next block, one
// sentence per stage, the stage's tables, and each cell's arithmetic on hover, focus or click
// (ExplainView, with the cells it came from and feeds lit). No state on DOM nodes: the model
// and the callbacks come from the playground at every render.
import { h } from './dom.js';
import { matrixTable, cellPosition } from './matrix-table.js';
import { ExplainView } from './explain-view.js';
import { syncChildren } from './sections-view.js';

export class TilesView {
  /**
   * host: the element the section goes into.
   * options: { S() -> strings, tooltip? (the page's one role="tooltip" element, shared; without
   *            it the section makes its own), renderMath?(el, tex), explain(model, step, r, c) -> { lines, sources, dependents },
   *            onBlocks({ rows, cols }), onWalk(delta) }
   */
  constructor(host, options) {
    this.host = host;
    this.options = options;
    this.tables = new Map(); // step -> table element (reused across renders)
    this.shown = []; // [{ table, block }] of the last render
    this.model = null;
    const uid = Math.random().toString(36).slice(2, 8);
    this.title = h('h2', { id: `step-tiles-${uid}` });
    this.formula = h('div', { className: 'formula' });
    this.text = h('p', { className: 'explanation' });
    const input = (id, onchange) => h('input', { type: 'number', id, min: 1, step: 1, inputmode: 'numeric', onchange });
    const blocks = () => this.options.onBlocks({ rows: Number(this.rowsInput.value), cols: Number(this.colsInput.value) });
    this.rowsInput = input(`tiles-rows-${uid}`, blocks);
    this.colsInput = input(`tiles-cols-${uid}`, blocks);
    this.rowsLabel = h('label', { for: this.rowsInput.id });
    this.colsLabel = h('label', { for: this.colsInput.id });
    this.prev = h('button', { type: 'button', className: 'tiles-prev', onclick: () => this.options.onWalk(-1) });
    this.next = h('button', { type: 'button', className: 'tiles-next', onclick: () => this.options.onWalk(1) });
    this.sentence = h('p', { className: 'tiles-stage', role: 'status', 'aria-live': 'polite' });
    this.body = h('div', { className: 'tiles-tables' });
    this.note = h('p', { className: 'note', hidden: true });
    this.el = h('section', { className: 'step tiles', dataset: { section: 'tiles', step: 'tiles' }, 'aria-labelledby': this.title.id },
      this.title, this.formula, this.text,
      h('div', { className: 'blocks' },
        h('div', { className: 'tiles-controls' },
          h('span', { className: 'field' }, this.rowsLabel, this.rowsInput),
          h('span', { className: 'field' }, this.colsLabel, this.colsInput),
          this.prev, this.next),
        this.note, this.sentence, this.body));
    this.tooltip = options.tooltip ?? h('div', { className: 'tooltip', role: 'tooltip', id: `tip-tiles-${uid}`, hidden: true });
    this.explain = new ExplainView(this.tooltip);
    host.append(this.el);
    if (!options.tooltip) host.append(this.tooltip);
    const point = (sticky) => (e) => {
      const td = e.target.closest?.('td[data-col]');
      if (td && cellPosition(td)) this.point(td);
      else if (!sticky) this.returnToFocus();
    };
    this.body.addEventListener('mouseover', point(false));
    this.body.addEventListener('focusin', point(true));
    this.body.addEventListener('click', point(true));
    this.body.addEventListener('mouseleave', () => this.returnToFocus());
    this.body.addEventListener('focusout', (e) => {
      if (!this.body.contains(e.relatedTarget)) this.explain.hide();
    });
  }

  /**
   * model: tilesView(...) or null (additive scores); blocks: { rows, cols, maxRows, maxCols };
   * decimals: digits shown.
   */
  render(model, { blocks, decimals }) {
    const S = this.options.S();
    const T = S.tiles;
    this.title.textContent = T.title;
    this.text.textContent = T.text;
    if (!this.texShown) {
      this.texShown = true;
      const tex = '\\begin{aligned} m\' &= \\max\\big(m,\\ \\max_j s_j\\big) \\\\ \\ell\' &= e^{m - m\'}\\,\\ell + \\textstyle\\sum_j e^{s_j - m\'} \\\\ \\mathrm{acc}\' &= e^{m - m\'}\\,\\mathrm{acc} + \\textstyle\\sum_j e^{s_j - m\'}\\, v_j \\\\ O &= \\mathrm{acc} / \\ell \\end{aligned}';
      if (this.options.renderMath) this.options.renderMath(this.formula, tex);
      else this.formula.textContent = tex;
    }
    this.rowsLabel.textContent = T.blockRows;
    this.colsLabel.textContent = T.blockCols;
    this.rowsInput.max = blocks.maxRows;
    this.colsInput.max = blocks.maxCols;
    // Leave a field alone while the reader types in it.
    const active = this.host.getRootNode().activeElement;
    if (active !== this.rowsInput) this.rowsInput.value = blocks.rows;
    if (active !== this.colsInput) this.colsInput.value = blocks.cols;
    this.prev.textContent = `◀ ${T.previous}`;
    this.next.textContent = `${T.next} ▶`;
    this.prev.setAttribute('aria-label', T.previous);
    this.next.setAttribute('aria-label', T.next);
    this.model = model;
    this.note.hidden = Boolean(model);
    this.note.textContent = model ? '' : T.additive;
    this.prev.disabled = !model || model.index === 0;
    this.next.disabled = !model || model.index === model.count - 1;
    this.sentence.textContent = model ? model.sentence : '';
    const wrapped = [];
    this.shown = [];
    for (const block of model ? model.tables : []) {
      const table = matrixTable({
        step: block.step,
        caption: block.caption,
        rows: block.rows,
        cols: block.cols,
        value: block.value,
        decimals,
        rowLabels: block.rowLabels,
        colLabels: block.colLabels,
        cellLabel: (r, c) => S.cellLabel(block.name, r, c),
        corner: S.corner,
        cellClass: block.cellClass,
      }, this.tables.get(block.step));
      this.tables.set(block.step, table);
      this.shown.push({ table, block });
      let wrap = this.tables.get(`${block.step}#wrap`);
      if (!wrap) {
        wrap = h('div', { className: 'panel', dataset: { step: block.step } });
        this.tables.set(`${block.step}#wrap`, wrap);
      }
      syncChildren(wrap, [table]);
      wrapped.push(wrap);
    }
    syncChildren(this.body, wrapped);
    // The explanation follows the data: re-explain the focused cell, or none.
    this.returnToFocus();
  }

  point(td) {
    const shown = this.shown.find(({ table }) => table.contains(td));
    if (!shown || !this.model) return;
    const { r, c } = cellPosition(td);
    this.explain.show(td, this.options.explain(this.model, shown.block.step, r, c), this.shown);
  }

  returnToFocus() {
    const focused = this.host.getRootNode().activeElement;
    const td = focused?.closest?.('td[data-col]');
    if (td && this.body.contains(td) && cellPosition(td)) this.point(td);
    else this.explain.hide();
  }
}
