// Draws the flow (web/lib/flow.js): every step of the selected head as a card in two
// lanes — the input and its projections, then the head's steps to the output — with
// arrows between them, each card's table coloured on its own scale with a legend.
// Each card sits in a step (`.flow-step`) with the arrow that leads to it, so a line of
// cards never ends or starts with an arrow alone; the lanes flow on in one wrapping row.
// Elements are kept across renders in a Map keyed by step and head; no state on nodes.
import { h, setText } from './dom.js';
import { matrixTable } from './matrix-table.js';
import { heatmapCanvas } from './heatmap-canvas.js';
import { syncChildren } from './sections-view.js';
import { fmt } from '../lib/format.js';

export class FlowView {
  /**
   * options: { S() -> strings, table(card) -> matrix-table callbacks (commit, label, reject),
   *            canvas(card) -> { readout(r, c), onPick(r, c) } for the cards drawn on a canvas }
   */
  constructor(root, options) {
    this.root = root;
    this.options = options;
    this.cards = new Map(); // key -> { el, caption, legend, table }
    this.blockOf = new WeakMap(); // table element -> its card (the block of the explanation)
    this.lanes = { input: h('div', { className: 'flow-lane', dataset: { lane: 'input' } }), head: h('div', { className: 'flow-lane', dataset: { lane: 'head' } }) };
    this.el = h('div', { className: 'flow', dataset: { view: 'flow' } }, this.lanes.input, this.lanes.head);
    root.append(this.el);
  }

  /** Renders the cards; returns the matrix tables shown, in order. */
  render(cards, { decimals, current = null, hidden = new Set() }) {
    const S = this.options.S();
    const tables = [];
    const byLane = { input: [], head: [] };
    cards.forEach((card) => {
      const key = `${card.step}|${card.head ?? '-'}`;
      let entry = this.cards.get(key);
      if (!entry) {
        const title = h('span', { className: 'flow-title' });
        const legend = h('span', { className: 'flow-legend' });
        const caption = h('div', { className: 'flow-caption' }, title, legend);
        const el = h('figure', { className: 'flow-card', dataset: { card: card.step } }, caption);
        const arrow = h('span', { className: 'flow-arrow', 'aria-hidden': 'true' }, '→');
        entry = { el, title, legend, table: null, arrow, step: h('div', { className: 'flow-step' }, arrow, el) };
        this.cards.set(key, entry);
      }
      entry.el.classList.toggle('is-current', current === card.step);
      entry.el.classList.toggle('is-hidden-answer', hidden.has(card.step));
      entry.note ??= h('p', { className: 'hidden-note' });
      setText(entry.note, hidden.has(card.step) ? S.flow.hidden : '');
      if (hidden.has(card.step)) entry.el.append(entry.note);
      else entry.note.remove();
      entry.el.classList.toggle('mini', Boolean(card.mini));
      entry.el.classList.toggle('wide', card.cols > 6);
      entry.el.classList.toggle('drawn', Boolean(card.canvas));
      setText(entry.title, card.mini ? (card.step === 'masked' ? S.flow.miniMasked : card.symbol) : card.title);
      if (card.mini) entry.title.title = card.title;
      // Wide tables (long sentences) show at most 2 decimals in the flow, the same for
      // every cell of the table; the selection bar gives every digit.
      const shown = card.cols > 6 ? Math.min(decimals, 2) : decimals;
      // Replaced only when it says something else (new nodes are restyled and repainted).
      const legend = legendOf(card, shown, S);
      const legendKey = legend.map((el) => `${el.className}\u0001${el.textContent}`).join('\u0002');
      if (entry.legendKey !== legendKey) {
        entry.legend.replaceChildren(...legend);
        entry.legendKey = legendKey;
      }
      const table = card.canvas ? heatmapCanvas({
        step: card.step,
        head: card.head,
        caption: `${card.title} (${card.rows} × ${card.cols})`,
        rows: card.rows,
        cols: card.cols,
        value: card.value,
        shades: card.shades,
        ramp: card.step === 'weights' ? 'seq' : 'pos',
        rowLabels: card.rowLabels,
        colLabels: card.colLabels,
        size: card.step === 'weights' ? 384 : 256,
        lazy: true,
        ...this.options.canvas(card),
      }, entry.table) : matrixTable({
        step: card.step,
        head: card.head,
        caption: `${card.symbol} (${card.rows} × ${card.cols})`,
        rows: card.rows,
        cols: card.cols,
        value: card.value,
        decimals: shown,
        rowLabels: card.rowLabels,
        colLabels: card.colLabels,
        editable: card.editable,
        labelsEditable: false,
        cellLabel: (r, c) => S.cellLabel(card.symbol, r, c),
        corner: S.corner,
        cellClass: card.cellClass,
        shade: (r, c) => (card.masked(r, c) ? null : card.shade(r, c)),
        ...this.options.table(card),
      }, entry.table);
      entry.el.classList.toggle('windowed', table.classList.contains('windowed'));
      if (table !== entry.table) {
        entry.table?.remove();
        entry.el.append(table);
        entry.table = table;
      }
      if (card.head === undefined) delete entry.el.dataset.head;
      else if (entry.el.dataset.head !== String(card.head)) entry.el.dataset.head = String(card.head);
      this.blockOf.set(table, card);
      tables.push(table);
      const lane = byLane[card.lane];
      // Q, K and V are three projections of the same input: one group, no arrows
      // between them (an arrow would say K is made from Q).
      if (['q', 'k', 'v'].includes(card.step)) {
        this.qkv ??= h('div', { className: 'flow-group', dataset: { group: 'qkv' } });
        if (!lane.includes(this.qkv)) {
          showArrow(entry, lane.length > 0);
          lane.push(this.qkv);
          this.qkvSteps = [];
        } else showArrow(entry, false);
        this.qkvSteps.push(entry.step);
      } else {
        showArrow(entry, lane.length > 0);
        lane.push(entry.step);
      }
    });
    if (this.qkv) syncChildren(this.qkv, this.qkvSteps ?? []);
    syncChildren(this.lanes.input, byLane.input);
    syncChildren(this.lanes.head, byLane.head);
    return tables;
  }
}

function showArrow(entry, shown) {
  if (entry.arrow.hidden === shown) entry.arrow.hidden = !shown;
}

// The card's scale in words: its range, and the hatching of blocked cells when it has any.
function legendOf(card, decimals, S) {
  const { scale } = card;
  const ramp = h('span', { className: `ramp ${scale.kind}`, 'aria-hidden': 'true' });
  const text = S.flow.legend(fmt(scale.min, decimals), fmt(scale.max, decimals));
  let masked = false;
  for (let r = 0; r < card.rows && !masked; r++) for (let c = 0; c < card.cols && !masked; c++) masked = card.masked(r, c);
  return [ramp, h('span', null, text), masked ? h('span', { className: 'masked-key', title: S.flow.legendMasked }, S.flow.legendMasked) : null]
    .filter(Boolean);
}
