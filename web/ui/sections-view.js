// Draws sectionsView(...) (web/lib/view-model.js): a <section> per step with its title,
// formula, text and tables, the softmax statistics, the pictures and the tools. Elements
// are kept across renders in Maps keyed by section, step and head (never state on the
// nodes), so focus, open editors and open menus survive a recomputation.
import { h } from './dom.js';
import { matrixTable } from './matrix-table.js';
import { blockTools } from './block-tools.js';
import { heatmapCanvas } from './heatmap-canvas.js';
import { CANVAS_ABOVE, shadesOf } from '../lib/flow.js';
import { fmt } from '../lib/format.js';
import { heatmap, heatmapCell, arcs, legend, ARCS_ALL_UP_TO, ARCS_TOP_K } from './pictures.js';

// Attention weights lie in [0, 1]: their heatmap's scale, whatever the largest weight.
const WEIGHTS_SCALE = { kind: 'sequential', max: 1 };

export class SectionsView {
  /**
   * options: { renderMath?(el, tex), authorTools, uid, S() -> strings,
   *            table(block) -> the matrix-table callbacks for a block,
   *            tools(block) -> the fill/shuffle buttons of an editable block,
   *            onPickWeight?(head, row, col), onCheck(block, rows), onMessage(text) }
   */
  constructor(root, options) {
    this.root = root;
    this.options = options;
    this.sections = new Map(); // section id -> { el, title, formula, text, body, tex }
    this.nodes = new Map(); // group / panel key -> element
    this.toolsByPanel = new Map();
    this.blockOf = new WeakMap(); // table element -> its block, for the explanation
    this.tables = []; // the matrix tables shown, in order
  }

  render(sections) {
    this.tables = [];
    const els = sections.map((sec) => this.section(sec));
    syncChildren(this.root, els);
    return this.tables;
  }

  /** The section element of a step id (for the overview's chips). */
  sectionEl(id) {
    return this.sections.get(id)?.el ?? null;
  }

  section(sec) {
    let entry = this.sections.get(sec.id);
    if (!entry) {
      const title = h('h2', { id: `step-${sec.id}` });
      const formula = h('div', { className: 'formula' });
      const text = h('p', { className: 'explanation' });
      const body = h('div', { className: 'blocks' });
      const el = h('section', { className: 'step', dataset: { section: sec.id }, 'aria-labelledby': `step-${sec.id}` }, title, formula, text, body);
      entry = { el, title, formula, text, body, tex: null };
      this.sections.set(sec.id, entry);
    }
    entry.title.textContent = sec.title;
    entry.text.textContent = sec.text;
    if (entry.tex !== sec.tex) {
      entry.tex = sec.tex;
      entry.formula.textContent = '';
      if (this.options.renderMath) this.options.renderMath(entry.formula, sec.tex);
      else entry.formula.textContent = sec.tex;
    }
    const groups = sec.groups.map((group) => {
      let wrap = this.nodes.get(group.key);
      if (!wrap) {
        wrap = h('div', { className: 'step-block', dataset: { step: group.step } });
        this.nodes.set(group.key, wrap);
      }
      syncChildren(wrap, group.blocks.map((block) => this.panel(block, `${group.key}/${block.head ?? ''}`)));
      return wrap;
    });
    syncChildren(entry.body, groups);
    return entry.el;
  }

  panel(block, key) {
    const S = this.options.S();
    const perHead = block.head !== undefined;
    let panel = this.nodes.get(key);
    if (!panel) {
      panel = h('div', { className: perHead ? 'head-panel' : 'panel', dataset: perHead ? { head: block.head } : {} });
      this.nodes.set(key, panel);
    }
    const previous = this.nodes.get(`${key}#table`);
    const table = matrixTable({
      step: block.step,
      caption: block.caption,
      rows: block.rows,
      cols: block.cols,
      value: block.value,
      decimals: block.decimals,
      rowLabels: block.rowLabels,
      colLabels: block.colLabels,
      editable: block.editable,
      labelsEditable: block.labelsEditable,
      cellLabel: (r, c) => S.cellLabel(block.name, r, c),
      corner: S.corner,
      cellClass: block.cellClass,
      ...this.options.table(block),
    }, previous);
    this.nodes.set(`${key}#table`, table);
    this.blockOf.set(table, block);
    this.tables.push(table);
    const parts = [table];
    if (block.stats) parts.push(statsTable(block.stats, S));
    let heatmapSvg = null;
    if (block.pictures) {
      const pictures = this.pictures(block, S);
      // A big heatmap is drawn on a canvas; its SVG is made only when it is exported.
      heatmapSvg = () => pictures.querySelector('svg.heatmap') ?? this.heatmapSvg(block, S);
      parts.push(pictures);
    }
    if (block.tools) parts.push(this.options.tools(block));
    if (this.options.authorTools !== false) {
      let tools = this.toolsByPanel.get(key);
      if (!tools) {
        tools = blockTools({ onCheck: this.options.onCheck, onMessage: this.options.onMessage });
        this.toolsByPanel.set(key, tools);
      }
      tools.update({ block, decimals: block.decimals, S, heatmapSvg, check: block.check, uid: this.options.uid });
      parts.push(tools.el);
    }
    syncChildren(panel, parts);
    return panel;
  }

  heatmapSvg(block, S) {
    const { trace } = this.options.current();
    const title = `${S.heatmap}${trace.heads.length > 1 ? ` (${S.head(block.head)})` : ''}`;
    return heatmap({ weights: trace.heads[block.head].weights, rowLabels: block.rowLabels, colLabels: block.colLabels, decimals: block.decimals, title, showValues: true });
  }

  pictures(block, S) {
    const { trace } = this.options.current();
    const weights = trace.heads[block.head].weights;
    const title = `${S.heatmap}${trace.heads.length > 1 ? ` (${S.head(block.head)})` : ''}`;
    const pick = (r, c) => this.options.onPickWeight?.(block.head, r, c);
    let map;
    if (weights.rows > CANVAS_ABOVE || weights.cols > CANVAS_ABOVE) {
      // Thousands of cells: one canvas (same readout and click) instead of an SVG element each.
      const value = (r, c) => weights.data[r * weights.cols + c];
      const key = `pictures|${block.head}`;
      map = heatmapCanvas({
        step: 'weights',
        head: block.head,
        caption: title,
        rows: weights.rows,
        cols: weights.cols,
        value,
        shades: () => shadesOf(WEIGHTS_SCALE, weights.data, trace.heads[block.head].masked.data),
        ramp: 'seq',
        rowLabels: block.rowLabels,
        colLabels: block.colLabels,
        size: 384,
        readout: (r, c) => ({ title: `${block.rowLabels[r]} → ${block.colLabels[c]}`, lines: [fmt(value(r, c), block.decimals)] }),
        onPick: pick,
      }, this.nodes.get(key));
      this.nodes.set(key, map);
    } else {
      map = heatmap({ weights, rowLabels: block.rowLabels, colLabels: block.colLabels, decimals: block.decimals, title, showValues: true });
      // Clicking a cell of the heatmap picks it, e.g. as the weight to train in the Learn section.
      map.addEventListener('click', (e) => {
        const cell = heatmapCell(e.target);
        if (cell) pick(cell.r, cell.c);
      });
    }
    const topK = weights.cols > ARCS_ALL_UP_TO ? ARCS_TOP_K : null;
    return h('div', { className: 'pictures' },
      h('figure', { className: 'heatmap-figure' }, map, h('figcaption', null, legend(S.legend))),
      h('div', { className: 'arcs-wrap' },
        h('p', { className: 'hint' }, `${S.arcs}. ${topK ? S.arcsTopK(topK) : S.arcsHint}`),
        arcs({ weights, rowLabels: block.rowLabels, colLabels: block.colLabels, decimals: block.decimals, title: S.arcs, topK })));
  }
}

function statsTable(rows, S) {
  return h('table', { className: 'stats' },
    h('caption', null, `${S.rowMax} / ${S.rowSum}`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, S.rowMax), h('th', { scope: 'col' }, S.rowSum))),
    h('tbody', null, rows.map((row, r) => h('tr', null,
      h('th', { scope: 'row' }, row.label),
      h('td', { dataset: { statRow: r, stat: 'max' } }, row.max),
      h('td', { dataset: { statRow: r, stat: 'sum' } }, row.sum)))));
}

// Makes `parent`'s children exactly `wanted`, touching the DOM only when they differ,
// so focus and open editors survive a recomputation.
export function syncChildren(parent, wanted) {
  const keep = new Set(wanted);
  for (const el of [...parent.children]) if (!keep.has(el)) el.remove();
  wanted.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
}
