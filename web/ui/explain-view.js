// The explanation of the pointed cell: a tooltip with its arithmetic and the highlight of
// the cells it depends on (is-source) and feeds (is-dependent) in every shown table.
// Draws explanationOf(...) (web/lib/view-model.js).
import { h } from './dom.js';
import { tableCells } from './matrix-table.js';
import { tableKey } from '../lib/explain.js';

export class ExplainView {
  constructor(tooltip) {
    this.tooltip = tooltip;
    this.lit = new Map(); // td -> class
    this.described = null;
  }

  /**
   * Shows `model` ({ lines, sources, dependents }) for `td`; tables = [{ table, block }].
   * With tooltip false (the flow view, whose selection bar explains) only the cells light up.
   */
  show(td, model, tables, { tooltip = true } = {}) {
    this.described?.removeAttribute('aria-describedby');
    this.described = null;
    // td is null when the selected cell is not built (a windowed table scrolled away from
    // it, or a canvas heatmap): the related cells still light up.
    if (tooltip && td) {
      this.tooltip.replaceChildren(...model.lines.map((line) => h('div', null, line)));
      this.tooltip.hidden = model.lines.length === 0;
      td.setAttribute('aria-describedby', this.tooltip.id);
      this.described = td;
      // Placed on the next frame: measuring now would force a layout in the middle of a render.
      cancelAnimationFrame(this.placing);
      this.placing = requestAnimationFrame(() => { if (td.isConnected) this.place(td); });
    } else {
      this.tooltip.hidden = true;
    }
    const next = new Map(td ? [[td, 'is-selected']] : []);
    const cellsByKey = new Map(tables.map(({ table, block }) => [tableKey(block.step, block.head), tableCells(table)]));
    for (const [sets, cls] of [[model.sources, 'is-source'], [model.dependents, 'is-dependent']]) {
      for (const [key, flags] of sets) {
        const tds = cellsByKey.get(key);
        if (!tds) continue;
        for (let i = 0; i < flags.length; i++) if (flags[i] && tds[i] && !next.has(tds[i])) next.set(tds[i], cls);
      }
    }
    this.highlight(next);
  }

  hide() {
    this.described?.removeAttribute('aria-describedby');
    this.described = null;
    this.tooltip.hidden = true;
    this.highlight(new Map());
  }

  // Moves the highlight to `next` (td -> class), touching only cells that change: the
  // selected cell gets aria-selected="true", the related ones data-related="source" or
  // "dependent" (and a class each, for the styles).
  highlight(next) {
    for (const [el, cls] of this.lit) {
      if (next.get(el) === cls) continue;
      el.classList.remove(cls);
      if (cls === 'is-selected') el.removeAttribute('aria-selected');
      else el.removeAttribute('data-related');
    }
    for (const [el, cls] of next) {
      if (this.lit.get(el) === cls) continue;
      el.classList.add(cls);
      if (cls === 'is-selected') el.setAttribute('aria-selected', 'true');
      else el.dataset.related = cls === 'is-source' ? 'source' : 'dependent';
    }
    this.lit = next;
  }

  place(td) {
    const host = this.tooltip.offsetParent ?? document.body;
    const a = td.getBoundingClientRect();
    const b = host.getBoundingClientRect();
    const left = Math.max(4, Math.min(a.left - b.left + host.scrollLeft, b.width - 300));
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${a.bottom - b.top + host.scrollTop + 6}px`;
  }
}
