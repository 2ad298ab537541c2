// The playground: one state -> engine.run -> view models (web/lib/view-model.js) -> the
// renderers (controls-view, sections-view, explain-view). This class only holds the state
// and the trace, turns the reader's actions into new states, and schedules one render per
// frame. Mounted by the page (index.html) into the document, and by the widget into a
// shadow root.
import { h, setText } from './dom.js';
import { cellPosition, tableCells } from './matrix-table.js';
import { canvasSpec, selectOnCanvas } from './heatmap-canvas.js';
import { renderControls } from './controls-view.js';
import { SectionsView } from './sections-view.js';
import { ExplainView } from './explain-view.js';
import { FlowView } from './flow-view.js';
import { TilesView } from './tiles-view.js';
import { HeadsGrid } from './heads-grid.js';
import { renderToolbar, renderSelection, renderStory } from './toolbar.js';
import { sectionsView, chipsOf, warningsOf, controlsView, explanationOf, cellClassOf } from '../lib/view-model.js';
import { flowCards } from '../lib/flow.js';
import { tilesView, explainTile, tileArgs, clampBlocks, TILE_BLOCKS } from '../lib/tiles.js';
import { STORIES, judge } from '../lib/stories.js';
import { fmt } from '../lib/format.js';
import { tableKey } from '../lib/explain.js';
import {
  sizesOf, resize, withCell, withBlockCell, parseNumber, identity, randomMatrix, causalMask, seeded, defaultToken,
} from '../lib/state.js';
import { strings } from '../i18n/index.js';

export class Playground {
  /**
   * options: { engine, state, controls = true, readonly = false, steps = null (all),
   *            renderMath(el, tex), onChange(state), overview = true, authorTools = true,
   *            view = 'article' | 'flow' | 'tiles', toolbar = false (view switch, walk, undo, story),
   *            keys = root (where Ctrl+Z is heard), onView(view),
   *            onWriteOut({ state, trace, select, head }) (the toolbar's "Write it out"),
   *            stories = true (a preset's story: its caption, question and first selection),
   *            selectionBar = false (without the toolbar: the bar that explains the selected
   *            cell, under the tables), head = null (a number: the head the flow shows and
   *            the only one the article shows),
   * `steps` filters the flow's cards as it filters the article's sections.
   *            tiles = false (true: the article view ends with the "tiles" section, the fused
   *            kernel block by block; view 'tiles' shows that section alone) }
   * Throws the engine's AttentionError when the first state cannot be run.
   */
  constructor(root, options) {
    this.root = root;
    this.engine = options.engine;
    this.options = options;
    this.seed = 1;
    this.state = null;
    this.trace = null;
    this.view = options.view ?? 'article';
    this.head = options.head ?? 0;
    this.allHeads = false; // the "All heads" grid above the view
    this.selection = null; // { step, head, row, col }, shared by both views
    this.stageIndex = null; // where Play / Step / Back are in the flow
    this.tileBlocks = { rows: TILE_BLOCKS.rows, cols: TILE_BLOCKS.cols }; // the tiles section's blocks
    this.tileIndex = 0; // and where its walk is
    this.tilesCache = null; // { trace, head, rows, cols, tt }: engine.tiles() once per change
    this.past = [];
    this.future = [];
    this.settingsOpen = false;
    // The first state runs before anything is added to `root`: when the engine refuses
    // it, the caller gets the error and `root` is untouched.
    const error = this.setState(options.state);
    if (error) throw error;
    this.alert = h('div', { className: 'alert', role: 'alert', hidden: true });
    this.status = h('div', { className: 'status visually-hidden', role: 'status', 'aria-live': 'polite' });
    this.warnings = h('ul', { className: 'warnings', hidden: true });
    this.controls = h('div', { className: 'controls' });
    this.overview = h('nav', { className: 'overview' });
    this.sectionsEl = h('div', { className: 'sections' });
    this.tooltip = h('div', { className: 'tooltip', role: 'tooltip', id: `tip-${Math.random().toString(36).slice(2)}`, hidden: true });
    if (options.toolbar) {
      this.bar = h('div', { className: 'toolbar' });
      this.selectionBar = h('div', { className: 'selection-bar', role: 'status', 'aria-live': 'polite' });
      this.storyEl = h('div', { className: 'story' });
      root.append(h('div', { className: 'sticky' }, this.bar, this.storyEl, this.selectionBar));
      (options.keys ?? root).addEventListener('keydown', (e) => this.onHistoryKey(e));
    } else if (options.selectionBar) {
      this.selectionBar = h('div', { className: 'selection-bar', role: 'status', 'aria-live': 'polite' });
    }
    if (options.overview !== false) root.append(this.overview);
    this.flowEl = h('div', { className: 'flow-host' });
    this.gridEl = h('div', { className: 'heads-grid-host' });
    this.tilesEl = h('div', { className: 'tiles-host' });
    root.append(this.controls, this.alert, this.warnings, this.gridEl, this.flowEl, this.sectionsEl, this.status, this.tooltip);
    // The tiles section exists in the document only where it can be shown.
    if (options.tiles || this.view === 'tiles') this.sectionsEl.after(this.tilesEl);
    if (this.selectionBar && !options.toolbar) this.sectionsEl.after(this.selectionBar);
    this.tiles = new TilesView(this.tilesEl, {
      tooltip: this.tooltip,
      S: () => this.S,
      renderMath: options.renderMath,
      explain: (model, step, r, c) => explainTile({
        tt: this.tilesCache.tt, trace: this.trace, head: this.tilesCache.head, model, step, r, c, decimals: this.state.decimals, S: this.S,
      }),
      onBlocks: ({ rows, cols }) => {
        this.tileBlocks = { rows: Number.isInteger(rows) ? rows : this.tileBlocks.rows, cols: Number.isInteger(cols) ? cols : this.tileBlocks.cols };
        this.tileIndex = 0;
        this.render();
      },
      onWalk: (delta) => {
        this.tileIndex += delta;
        this.render();
      },
    });
    this.grid = new HeadsGrid(this.gridEl, {
      S: () => this.S,
      pick: (head, step, r, c) => {
        this.allHeads = false;
        this.head = head;
        this.selection = { step, head, row: r, col: c };
        this.pointed = null;
        this.render();
      },
    });
    this.flow = new FlowView(this.flowEl, {
      S: () => this.S,
      table: (card) => ({
        onCommit: (r, c, text) => this.commitCell(card, r, c, text),
        onReject: (r, c, key) => this.showError(this.S.flow.notANumber(key)),
        onWindow: () => this.refreshPoint(),
      }),
      canvas: (card) => ({
        readout: (r, c) => this.readout(card, r, c),
        onPick: (r, c) => this.pick(card, r, c),
      }),
    });
    this.flowEl.addEventListener('focusin', (e) => this.onPoint(e.target, true));
    this.flowEl.addEventListener('click', (e) => this.onPoint(e.target, true));
    this.sections = new SectionsView(this.sectionsEl, {
      renderMath: options.renderMath,
      authorTools: options.authorTools,
      uid: Math.random().toString(36).slice(2, 8),
      S: () => this.S,
      current: () => ({ state: this.state, trace: this.trace }),
      table: (block) => ({
        onCommit: (r, c, text) => this.commitCell(block, r, c, text),
        onLabel: (r, text) => this.commitLabel(block, r, text),
        onToggle: block.toggle ? (r, c) => this.toggleMask(r, c) : undefined,
        onReject: (r, c, key) => this.showError(this.S.flow.notANumber(key)),
        onWindow: () => this.refreshPoint(),
      }),
      tools: (block) => this.tools(block),
      onPickWeight: (...args) => this.options.onPickWeight?.(...args),
      onCheck: (block, rows) => this.setCheck(block, rows),
      onMessage: (msg) => this.showError(msg),
    });
    this.explain = new ExplainView(this.tooltip);
    this.shown = []; // [{ table, block }] of the last render
    this.sectionsEl.addEventListener('focusin', (e) => this.onPoint(e.target, true));
    this.sectionsEl.addEventListener('mouseover', (e) => this.onPoint(e.target, false));
    this.sectionsEl.addEventListener('mouseleave', () => this.returnToFocus());
    this.sectionsEl.addEventListener('focusout', (e) => {
      if (!this.sectionsEl.contains(e.relatedTarget)) this.unpoint();
    });
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.tooltip.hidden && !e.target.matches('input')) this.unpoint();
    });
    this.renderNow();
  }

  get S() { return strings(this.state?.lang ?? this.options.state.lang); }

  /**
   * Replaces the whole state. The engine runs at once, against the page's limits (so an
   * error is known at once); the DOM follows on the next frame, once for any number of
   * changes in between. Returns null, or the engine's error (shown; the state is kept).
   * `trace` may be given when the caller already ran this config.
   */
  setState(state, trace = null, { record = false } = {}) {
    try {
      const previous = this.state;
      this.trace = trace ?? this.engine.run(state.config, { limits: 'page' });
      this.state = state;
      if (record && previous) this.remember(previous);
      if (state.preset !== previous?.preset) this.openStory();
      this.head = Math.min(this.head, this.trace.heads.length - 1);
      this.showError(null);
    } catch (err) {
      if (this.state) this.showError(this.S.engineRefused(err.message, err.code, err.field));
      return err;
    }
    if (this.alert) this.render();
    return null;
  }

  render() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.renderNow());
  }

  // One change of the config: recompute, render, tell the owner. Returns an error message or null.
  change(mutate, extra = {}) {
    let config;
    try {
      config = mutate(this.state.config);
    } catch (err) {
      this.showError(err.message);
      return err.message;
    }
    this.shuffleNote = null;
    const error = this.setState({ ...this.state, ...extra, config, preset: extra.preset ?? null }, null, { record: true });
    if (error) return error.message;
    this.status.textContent = this.S.recomputed;
    this.options.onChange?.(this.state);
    return null;
  }

  // Cells of W_Q, W_K, W_V, W_O that differ from `config` are marked as changed (training).
  setBaseline(config) {
    // Learn clears the baseline whenever it starts over (and once as it is built, after the
    // first paint): nothing to draw again when there was none.
    if ((this.baseline ?? null) === (config ?? null)) return;
    this.baseline = config;
    this.render();
  }

  setView(extra) {
    this.state = { ...this.state, ...extra };
    if ('checks' in extra) this.state.preset = null; // the preset no longer describes the state
    this.render();
    this.options.onChange?.(this.state);
  }

  showError(message) {
    if (!this.alert) return;
    if (this.alert.hidden !== !message) this.alert.hidden = !message;
    setText(this.alert, message ?? '');
  }

  // ---------- rendering: view models in, DOM out ----------

  renderNow() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const S = this.S;
    if (this.options.controls !== false && !this.options.readonly) {
      this.controlsModel = renderControls(this.controls, controlsView(this.state, this.engine.limits, S), S, this.actions(), this.controlsModel);
    } else {
      this.controls.hidden = true;
    }
    const warnings = warningsOf(this.trace, S);
    this.warnings.hidden = warnings.length === 0;
    this.warnings.replaceChildren(...warnings.map((w) => h('li', null, w)));
    const flow = this.view === 'flow';
    const tilesOnly = this.view === 'tiles';
    const cards = flow ? this.cards() : [];
    this.flowEl.hidden = !flow;
    this.sectionsEl.hidden = flow || tilesOnly;
    if (tilesOnly) {
      this.shown = [];
      this.overview.hidden = true;
    } else if (flow) {
      // The settings stay one click away in the flow; the article shows them always.
      if (!this.settingsOpen) this.controls.hidden = true;
      this.overview.hidden = true;
      const tables = this.flow.render(cards, { decimals: this.state.decimals, current: this.stageIndex === null ? null : cards[this.stageIndex]?.step, hidden: this.hiddenSteps() });
      this.shown = tables.map((table) => ({ table, block: this.flow.blockOf.get(table) }));
    } else {
      const model = sectionsView(this.state, this.trace, S, { steps: this.options.steps, readonly: this.options.readonly, baseline: this.baseline, head: this.shownHead() });
      const tables = this.sections.render(model);
      this.shown = tables.map((table) => ({ table, block: this.sections.blockOf.get(table) }));
      if (this.options.overview !== false) this.overview.hidden = false;
      this.renderOverview(chipsOf(model, S), S);
    }
    if (this.allHeads && this.trace.heads.length > 1) this.grid.render(this.state, this.trace, { current: this.head, decimals: this.state.decimals });
    else this.grid.hide();
    this.renderTiles();
    if (this.options.toolbar) this.renderBars(cards);
    else if (this.selectionBar) renderSelection(this.selectionBar, { sentence: null, selection: this.selectionModel() }, S);
    this.refreshPoint();
  }

  // The explanation and highlights again, after a render or when a windowed table has
  // built other cells.
  refreshPoint() {
    if (this.pointed && this.pointed.td.isConnected && this.shown.some(({ table }) => table.contains(this.pointed.td))) {
      this.point(this.pointed.td, this.pointed.sticky);
    } else if (this.selection) {
      this.showSelection();
    } else {
      this.unpoint();
    }
  }

  // ---------- the tiles section: the fused kernel block by block ----------

  renderTiles() {
    const on = this.view === 'tiles' || (Boolean(this.options.tiles) && this.view === 'article');
    if (on && !this.tilesEl.isConnected) this.sectionsEl.after(this.tilesEl);
    this.tilesEl.hidden = !on;
    if (!on) return;
    const head = Math.min(this.head, this.trace.heads.length - 1);
    const args = tileArgs(this.trace, this.state.config, head);
    const n = this.trace.heads[head].q.rows;
    const m = this.trace.heads[head].k.rows;
    const blocks = clampBlocks(this.tileBlocks, n, m);
    let model = null;
    if (args) {
      const c = this.tilesCache;
      if (!c || c.trace !== this.trace || c.head !== head || c.rows !== blocks.rows || c.cols !== blocks.cols) {
        this.tilesCache = { trace: this.trace, head, ...blocks, tt: this.engine.tiles(args, { blockRows: blocks.rows, blockCols: blocks.cols }) };
      }
      model = tilesView({ tt: this.tilesCache.tt, trace: this.trace, config: this.state.config, head, index: this.tileIndex, S: this.S });
      this.tileIndex = model.index;
    }
    this.tiles.render(model, {
      blocks: { ...blocks, maxRows: Math.min(TILE_BLOCKS.maxRows, n), maxCols: Math.min(TILE_BLOCKS.maxCols, m) },
      decimals: this.state.decimals,
    });
  }

  // The one head the current view shows, or null when it shows every head.
  shownHead() {
    return this.view === 'flow' || this.options.toolbar || this.options.head != null ? this.head : null;
  }

  // A canvas heatmap's readout of cell (r, c): its place and its arithmetic.
  readout(block, r, c) {
    const model = explanationOf(this.state, this.trace, block, r, c, this.S, { related: false });
    return { title: this.cellTitle(block, r, c), lines: model.lines };
  }

  // A cell by its step and its row and column labels, as the tables show them.
  cellTitle(block, r, c) {
    return this.S.flow.selected(block.symbol ?? block.name, block.rowLabels[r], block.colLabels[c]);
  }

  // A click (or Enter) on a canvas heatmap selects its cell, as a click on a table cell does.
  pick(block, r, c) {
    this.pointed = null;
    this.selection = { step: block.step, head: block.head ?? null, row: r, col: c };
    if (this.selectionBar) renderSelection(this.selectionBar, { sentence: null, selection: this.selectionModel() }, this.S);
    this.showSelection();
  }

  // ---------- the flow: cards, walk, story ----------

  cards() {
    const cards = flowCards(this.state, this.trace, this.S, { head: this.head, readonly: this.options.readonly });
    for (const card of cards) card.cellClass = (r, c) => cellClassOf(this.state, this.trace, this.baseline, card, r, c);
    const only = this.options.steps;
    return only ? cards.filter((card) => only.includes(card.step)) : cards;
  }

  // Until the reader has guessed, the weights and what follows them stay hidden.
  hiddenSteps() {
    if (!this.prediction || this.prediction.result) return new Set();
    return new Set(['weights', 'output', 'concat', 'final']);
  }

  openStory() {
    const story = this.options.stories === false ? null : STORIES[this.state.preset];
    this.stopPlaying();
    this.stageIndex = null;
    this.prediction = story?.predict ? { row: story.predict.row, result: null } : null;
    if (story) {
      // Before a guess, the query's own row is selected: the answer cell would give it away.
      this.selection = story.predict ? { step: 'q', head: null, row: story.predict.row, col: 0 } : { head: 0, ...story.select };
      this.head = story.select.head ?? 0;
    }
    this.pointed = null;
  }

  // The toolbar, the story and the selection bar; `cards` is this render's flow (empty in the article).
  renderBars(cards) {
    const S = this.S;
    const F = S.flow;
    renderToolbar(this.bar, {
      view: this.view,
      heads: this.trace.heads.length,
      head: this.head,
      allHeads: this.allHeads,
      playing: Boolean(this.timer),
      stage: this.view === 'flow' ? { index: this.stageIndex ?? -1, count: cards.length } : null,
      canUndo: this.past.length > 0,
      canRedo: this.future.length > 0,
      showSettings: this.view === 'flow' && this.options.controls !== false && !this.options.readonly,
      settingsOpen: this.settingsOpen,
    }, S, {
      view: (v) => this.setViewMode(v),
      head: (i) => this.pickHead(i),
      back: () => this.walk(-1),
      play: () => (this.timer ? this.stopPlaying() : this.play()),
      step: () => this.walk(1),
      undo: () => this.undo(),
      redo: () => this.redo(),
      settings: () => { this.settingsOpen = !this.settingsOpen; this.controls.hidden = !this.settingsOpen; this.controlsModel = null; this.render(); },
      writeOut: this.options.onWriteOut ? () => this.options.onWriteOut({ state: this.state, trace: this.trace, select: this.selection, head: this.head }) : null,
    });
    const preset = this.state.preset ?? 'custom';
    let ask = null;
    if (this.prediction) {
      const keys = this.state.config.tokens ?? this.state.config.x.map((_, i) => `t${i + 1}`);
      const result = this.prediction.result;
      ask = { choices: keys, result: result && { right: result.right, text: result.text } };
    }
    renderStory(this.storyEl, F.stories[preset] ? { text: F.stories[preset], ask } : null, S, {
      guess: (i) => this.guess(i),
      skip: () => this.guess(null),
    });
    const sentence = this.view === 'flow' && this.stageIndex !== null && cards[this.stageIndex]
      ? this.stageSentence(cards[this.stageIndex].step) : null;
    renderSelection(this.selectionBar, { sentence, selection: this.selectionModel() }, S);
  }

  // A head tab: one head's tables, or 'all' for the grid of every head (over the current one).
  pickHead(i) {
    if (i === 'all') {
      this.allHeads = !this.allHeads;
    } else {
      this.allHeads = false;
      this.head = i;
      if (this.selection?.head !== undefined && this.selection.head !== null) this.selection = { ...this.selection, head: i };
    }
    this.render();
  }

  stageSentence(step) {
    const F = this.S.flow;
    if (step === 'scores' && this.state.config.score === 'additive') return F.stage.scoresAdditive;
    return F.stage[step] ?? '';
  }

  selectionModel() {
    const shown = this.selection && this.findShown(this.selection);
    if (!shown) return null;
    const { block, r, c } = shown;
    const model = explanationOf(this.state, this.trace, block, r, c, this.S, { related: false });
    const head = block.head !== undefined && this.trace.heads.length > 1 ? ` · ${this.S.head(block.head)}` : '';
    // Rows and columns by their labels (tokens, or 1-based dimensions), as the tables show them.
    return { title: `${this.cellTitle(block, r, c)}${head}`, lines: model.lines };
  }

  guess(i) {
    const { row } = this.prediction;
    const keys = this.state.config.tokens ?? this.state.config.x.map((_, k) => `t${k + 1}`);
    const j = judge(this.trace, this.head, row, i ?? -1);
    const d = this.state.decimals;
    const F = this.S.flow;
    const text = i === null || j.right ? F.predictRight(keys[j.answer], fmt(j.weight, d))
      : F.predictWrong(keys[j.answer], fmt(j.weight, d), keys[i], fmt(j.guessWeight, d));
    this.prediction = { row, result: { right: i === null || j.right, text } };
    this.selection = { step: 'weights', head: this.head, row, col: j.answer };
    this.pointed = null;
    this.render();
    // On a phone the weights are screens below the question: bring them into view.
    if (matchMedia('(max-width: 600px)').matches) {
      requestAnimationFrame(() => this.flowEl.querySelector('[data-card="weights"]')?.scrollIntoView({ block: 'start' }));
    }
  }

  setViewMode(view) {
    if (view === this.view) return;
    this.view = view;
    this.stopPlaying();
    this.pointed = null;
    this.controlsModel = null;
    if (view === 'article') this.controls.hidden = false;
    this.options.onView?.(view);
    this.render();
  }

  walk(delta) {
    const cards = this.cards();
    const next = Math.max(0, Math.min(cards.length - 1, (this.stageIndex ?? -1) + delta));
    this.stageIndex = next;
    const card = cards[next];
    // The walk carries the selected row from step to step (clamped to each step's size).
    const sel = this.selection ?? { row: 0, col: 0 };
    this.selection = { step: card.step, head: card.head ?? null, row: Math.min(sel.row, card.rows - 1), col: Math.min(sel.col, card.cols - 1) };
    this.pointed = null;
    if (this.stageIndex >= cards.length - 1) this.stopPlaying();
    this.render();
  }

  play() {
    if (this.stageIndex === null || this.stageIndex >= this.cards().length - 1) this.stageIndex = -1;
    const slow = matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.timer = setInterval(() => this.walk(1), slow ? 2600 : 1600);
    this.walk(1);
  }

  stopPlaying() {
    if (this.timer) clearInterval(this.timer);
    this.timer = 0;
  }

  // ---------- undo ----------

  remember(state) {
    this.past.push(state);
    if (this.past.length > 200) this.past.shift();
    this.future = [];
  }

  undo() {
    if (!this.past.length) return;
    const previous = this.past.pop();
    this.future.push(this.state);
    this.restore(previous, this.S.flow.undone);
  }

  redo() {
    if (!this.future.length) return;
    const next = this.future.pop();
    this.past.push(this.state);
    this.restore(next, this.S.flow.redone);
  }

  restore(state, note) {
    if (this.setState(state)) return;
    this.status.textContent = note;
    this.options.onChange?.(this.state);
  }

  onHistoryKey(e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const t = e.target;
    if (t.matches?.('input, textarea, select') || t.isContentEditable) return; // their own undo
    const key = e.key.toLowerCase();
    if (key === 'z' && !e.shiftKey) this.undo();
    else if ((key === 'z' && e.shiftKey) || key === 'y') this.redo();
    else return;
    e.preventDefault();
  }

  // Scrolls a section to the top, below the sticky bar. Sections out of view are laid
  // out lazily (content-visibility), so the first jump can land short or long once they
  // render: when the scroll ends, it is checked and corrected (at most twice).
  landOn(el, tries = 2) {
    if (!el) return;
    const sticky = this.bar?.parentElement;
    el.style.scrollMarginTop = `${(sticky?.offsetHeight ?? 0) + 8}px`;
    const smooth = tries === 2 && !matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
    if (tries === 0) return;
    const check = () => {
      const want = (sticky?.offsetHeight ?? 0) + 8;
      const top = el.getBoundingClientRect().top;
      const atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      if (Math.abs(top - want) > 8 && !atBottom) this.landOn(el, tries - 1);
    };
    if (smooth && 'onscrollend' in window) window.addEventListener('scrollend', () => requestAnimationFrame(check), { once: true });
    else requestAnimationFrame(() => requestAnimationFrame(check));
  }

  // The whole formula once, and a chip per step that scrolls to its section.
  renderOverview(chips, S) {
    if (this.options.overview === false) {
      this.overview.hidden = true;
      return;
    }
    this.overview.setAttribute('aria-label', S.overview);
    if (!this.overviewFormula) {
      this.overviewFormula = h('div', { className: 'overview-formula' });
      const tex = '\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{QK^{\\top}}{\\sqrt{d_k}}\\right) V';
      if (this.options.renderMath) this.options.renderMath(this.overviewFormula, tex);
      else this.overviewFormula.textContent = 'Attention(Q, K, V) = softmax(QKᵀ / √d_k) V';
    }
    const items = chips.map((chip) => h('li', null, h('button', {
      type: 'button', className: 'chip', dataset: { target: chip.target },
      onclick: () => this.landOn(this.sections.sectionEl(chip.target)),
    }, chip.label)));
    this.overview.replaceChildren(this.overviewFormula, h('ol', { className: 'chips' }, items));
  }

  // The fill and shuffle buttons of an editable block.
  tools(block) {
    const S = this.S;
    const button = (label, onclick) => h('button', { type: 'button', className: 'tool', onclick }, label);
    const actions = {
      identity: () => button(`${S.identity} ${block.name}`, () => this.change((cfg) => ({ ...cfg, [block.step]: identity(block.rows, block.cols) }))),
      random: () => button(`${S.random} ${block.name}`, () => this.change((cfg) => ({ ...cfg, [block.step]: randomMatrix(block.rows, block.cols, this.nextSeed()) }))),
      'random-x': () => button(`${S.random} X`, () => this.change((cfg) => ({ ...cfg, x: randomMatrix(block.rows, block.cols, this.nextSeed()) }))),
      shuffle: () => button(S.shuffle, () => this.shuffle()),
    };
    const note = block.tools.includes('shuffle') && this.shuffleNote ? h('p', { className: 'note', role: 'status' }, this.shuffleNote) : null;
    return h('div', { className: 'tools' }, block.tools.map((tool) => actions[tool]()), note);
  }

  // ---------- actions ----------

  // What the controls do: each a new state.
  actions() {
    const S = this.S;
    const resizeTo = (changes) => this.change((c) => resize(c, changes, this.nextSeed()));
    const z = () => sizesOf(this.state.config);
    return {
      size: (key, value) => resizeTo({ [key]: value }),
      // A typed size beyond the page's limits is set to the limit, and the reader is told.
      clamped: (label, limit, typed) => this.showError(S.flow.clamped(label, limit, typed)),
      decimals: (decimals) => this.setView({ decimals }),
      scale: (v) => this.change((c) => ({ ...c, scale: v === 'custom' ? (typeof c.scale === 'number' ? c.scale : 0.5) : v })),
      scaleValue: (text) => {
        const v = parseNumber(text);
        if (v === null) {
          const msg = S.invalidNumber(S.customScale, text.slice(0, 40));
          this.showError(msg);
          return msg;
        }
        return this.change((c) => ({ ...c, scale: v }));
      },
      mask: (v) => this.change((c) => ({ ...c, mask: v === 'custom' ? (Array.isArray(c.mask) ? c.mask : causalMask(z().n, z().m)) : v })),
      positional: (v) => this.change((c) => {
        const next = { ...c, positional: v };
        return v === 'rope' && z().dk % 2 ? resize(next, { dk: z().dk + 1 }, this.nextSeed()) : next;
      }),
      score: (v) => this.change((c) => ({ ...c, score: v })),
      cross: (on) => this.change((c) => {
        const { n } = z();
        if (!on) {
          const { context, contextTokens, ...rest } = c;
          return Array.isArray(rest.mask) ? { ...rest, mask: causalMask(n, n) } : rest;
        }
        const m = Math.max(2, n);
        const next = { ...c, context: randomMatrix(m, z().dModel, this.nextSeed()), contextTokens: Array.from({ length: m }, (_, i) => `c${i + 1}`) };
        return Array.isArray(next.mask) ? { ...next, mask: causalMask(n, m) } : next;
      }),
      wo: (on) => this.change((c) => {
        if (!on) {
          const { wo, ...rest } = c;
          return rest;
        }
        return { ...c, wo: identity(z().heads * z().dv, z().dModel) };
      }),
    };
  }

  setCheck(block, rows) {
    const checks = { ...(this.state.checks ?? {}) };
    const key = tableKey(block.step, block.head);
    if (rows) checks[key] = rows;
    else delete checks[key];
    this.setView({ checks });
  }

  // Reorders the tokens and reports whether each token's output moved with it unchanged
  // (no positional information) or changed (position matters).
  shuffle() {
    const before = this.trace.final;
    const order = permutation(this.state.config.x.length, this.nextSeed());
    const error = this.change((cfg) => {
      const tokens = cfg.tokens ?? cfg.x.map((_, i) => defaultToken(i));
      return { ...cfg, x: order.map((i) => cfg.x[i]), tokens: order.map((i) => tokens[i]) };
    });
    if (error) return;
    const after = this.trace.final;
    let moved = 0;
    order.forEach((from, to) => {
      for (let c = 0; c < after.cols; c++) {
        moved = Math.max(moved, Math.abs(after.data[to * after.cols + c] - before.data[from * before.cols + c]));
      }
    });
    // float32 sums in another order differ in the last bits; 1e-5 is far below what the page shows.
    this.shuffleNote = moved < 1e-5 ? this.S.shuffleSame : this.S.shuffleChanged(fmt(moved, this.state.decimals));
    this.render();
  }

  nextSeed() {
    this.seed += 1;
    return this.seed * 1013;
  }

  commitCell(block, r, c, text) {
    const S = this.S;
    const where = S.cellLabel(block.name, r, c);
    const value = parseNumber(text);
    if (value === null) {
      const msg = S.invalidNumber(where, String(text).slice(0, 40));
      this.showError(msg);
      return msg;
    }
    if (Math.abs(value) > 3.4e38) {
      const msg = S.outOfRange(where);
      this.showError(msg);
      return msg;
    }
    const next = withBlockCell(this.state.config, block, r, c, value);
    return next ? this.change(() => next) : null;
  }

  commitLabel(block, r, text) {
    const label = String(text).trim();
    const max = this.engine.limits.page.maxLabelLength;
    if (Array.from(label).length > max) {
      const msg = this.S.tokenTooLong(max);
      this.showError(msg);
      return msg;
    }
    const field = block.labelsField ?? 'tokens';
    const rows = field === 'tokens' ? this.state.config.x.length : this.state.config.context.length;
    const make = field === 'tokens' ? defaultToken : (i) => `c${i + 1}`;
    return this.change((cfg) => {
      const labels = Array.from({ length: rows }, (_, i) => cfg[field]?.[i] ?? make(i));
      labels[r] = label || make(r);
      return { ...cfg, [field]: labels };
    });
  }

  toggleMask(r, c) {
    this.change((cfg) => ({ ...cfg, mask: withCell(cfg.mask, r, c, cfg.mask[r][c] ? 0 : 1) }));
  }

  // ---------- explaining a cell ----------

  onPoint(target, sticky) {
    const td = target.closest?.('td[data-col]');
    if (td && cellPosition(td)) this.point(td, sticky);
    else if (!sticky) this.returnToFocus();
  }

  // The shown table and cell of a selection, or null when no shown table has it.
  findShown(sel) {
    for (const { table, block } of this.shown) {
      if (block.step !== sel.step || (block.head ?? null) !== (sel.head ?? null)) continue;
      if (sel.row >= block.rows || sel.col >= block.cols) return null;
      if (canvasSpec(table)) return { td: null, canvas: table, block, r: sel.row, c: sel.col };
      const td = tableCells(table)[sel.row * block.cols + sel.col] ?? null;
      return { td, block, r: sel.row, c: sel.col };
    }
    return null;
  }

  // Shows the shared selection in the current view (after a render or a view switch).
  showSelection() {
    const found = this.findShown(this.selection);
    for (const { table } of this.shown) if (canvasSpec(table)) selectOnCanvas(table, table === found?.canvas ? { r: found.r, c: found.c } : null);
    if (!found) {
      this.explain.hide();
      return;
    }
    this.explain.show(found.td, explanationOf(this.state, this.trace, found.block, found.r, found.c, this.S, { head: this.shownHead() }), this.shown, { tooltip: false });
  }

  // When the mouse leaves, the explanation goes back to the focused cell, if any.
  returnToFocus() {
    const focused = this.root.getRootNode().activeElement;
    const td = focused?.closest?.('td[data-col]');
    if (td && this.sectionsEl.contains(td) && cellPosition(td)) this.point(td, true);
    else this.unpoint();
  }

  point(td, sticky) {
    const shown = this.shown.find(({ table }) => table.contains(td));
    if (!shown || !td.isConnected) {
      this.unpoint();
      return;
    }
    const { r, c } = cellPosition(td);
    this.pointed = { td, sticky };
    const flow = this.view === 'flow';
    if (sticky) {
      const changed = this.selection?.step !== shown.block.step || this.selection?.row !== r || this.selection?.col !== c;
      this.selection = { step: shown.block.step, head: shown.block.head ?? null, row: r, col: c };
      if (changed && this.selectionBar) renderSelection(this.selectionBar, { sentence: null, selection: this.selectionModel() }, this.S);
    }
    this.explain.show(td, explanationOf(this.state, this.trace, shown.block, r, c, this.S, { head: this.shownHead() }), this.shown, { tooltip: !flow });
  }

  unpoint() {
    this.pointed = null;
    if (this.selection && (this.view === 'flow' || (this.selectionBar && !this.options.toolbar))) this.showSelection();
    else this.explain.hide();
  }
}

// A seeded random order of 0..n-1 that moves at least one item when n > 1.
function permutation(n, seed) {
  const next = seeded(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  if (n > 1 && order.every((v, i) => v === i)) order.push(order.shift());
  return order;
}
