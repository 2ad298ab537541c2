// "All heads": every per-head step of every head as a small heatmap, steps down and heads
// across, so the heads can be compared at a glance. Pointing at a thumbnail reads out the
// cell; a click picks that head (and that cell) for the flow or the article below.
import { h } from './dom.js';
import { heatmapCanvas } from './heatmap-canvas.js';
import { STEP } from '../lib/steps.js';
import { scaleOf, shadesOf } from '../lib/flow.js';
import { fmt } from '../lib/format.js';

export const GRID_STEPS = ['scores', 'scaled', 'masked', 'weights', 'output'];

export class HeadsGrid {
  /** options: { S() -> strings, pick(head, step, r, c) } */
  constructor(root, options) {
    this.options = options;
    this.thumbs = new Map(); // `${step}|${head}` -> canvas element
    this.el = h('section', { className: 'heads-grid', dataset: { grid: 'heads' }, hidden: true });
    root.append(this.el);
  }

  hide() {
    this.el.hidden = true;
  }

  /** Shows the grid for `trace`; `current` is the head shown below it. */
  render(state, trace, { current, decimals }) {
    const S = this.options.S();
    const config = state.config;
    const heads = trace.heads.length;
    const n = trace.heads[0].weights.rows;
    const queries = config.tokens ?? Array.from({ length: n }, (_, i) => `t${i + 1}`);
    const m = trace.heads[0].weights.cols;
    const keys = config.context ? (config.contextTokens ?? Array.from({ length: m }, (_, i) => `c${i + 1}`)) : queries;
    const size = Math.max(48, Math.min(96, Math.floor(800 / heads)));
    // One CSS grid: a label column, then a column per head.
    const cells = [h('span', { className: 'heads-grid-label' }),
      ...Array.from({ length: heads }, (_, i) => h('span', { className: `heads-grid-label head-name${i === current ? ' is-current' : ''}` }, S.head(i)))];
    for (const id of GRID_STEPS) {
      cells.push(h('span', { className: 'heads-grid-label', dataset: { step: id } }, STEP[id].symbol));
      for (let head = 0; head < heads; head++) {
        const matrix = STEP[id].read(trace, config, head);
        const scale = scaleOf(id, matrix);
        const value = (r, c) => matrix.data[r * matrix.cols + c];
        const key = `${id}|${head}`;
        const thumb = heatmapCanvas({
          step: id,
          head,
          caption: `${S.head(head)} · ${STEP[id].symbol} (${matrix.rows} × ${matrix.cols})`,
          rows: matrix.rows,
          cols: matrix.cols,
          value,
          shades: () => shadesOf(scale, matrix.data),
          ramp: id === 'weights' ? 'seq' : 'pos',
          rowLabels: queries,
          colLabels: id === 'output' ? Array.from({ length: matrix.cols }, (_, i) => String(i + 1)) : keys,
          size,
          labels: false,
          lazy: true,
          readout: (r, c) => ({
            title: `${S.head(head)} · ${S.flow.selected(STEP[id].symbol, queries[r], id === 'output' ? String(c + 1) : keys[c])}`,
            lines: [fmt(value(r, c), decimals)],
          }),
          onPick: (r, c) => this.options.pick(head, id, r, c),
        }, this.thumbs.get(key));
        this.thumbs.set(key, thumb);
        thumb.classList.toggle('is-current', head === current);
        cells.push(thumb);
      }
    }
    const table = h('div', { className: 'heads-grid-table' }, cells);
    table.style.gridTemplateColumns = `auto repeat(${heads}, auto)`;
    this.el.replaceChildren(h('h2', { className: 'heads-grid-title' }, S.flow.allHeadsTitle), h('p', { className: 'hint' }, S.flow.allHeadsHint), table);
    this.el.hidden = false;
  }
}
