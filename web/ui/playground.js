// The playground view: controls, every step as a section with formula, explanation and
// tables, the pictures, the tooltip that explains a cell, and the highlighting of what a
// cell depends on. One state -> engine.run -> sections -> DOM. Mounted by the page
// (index.html) into the document, and by the widget into a shadow root.
import { h } from './dom.js';
import { matrixTable } from './matrix-table.js';
import { blockTools } from './block-tools.js';
import { compareMatrix } from '../lib/matrix-text.js';
import { heatmap, arcs, legend } from './pictures.js';
import { buildSections } from '../lib/sections.js';
import { explainCell, related, tableKey } from '../lib/explain.js';
import { fmt } from '../lib/format.js';
import {
  sizesOf, resize, withCell, parseNumber, identity, randomMatrix, causalMask, seeded,
  UI_MAX, MAX_DECIMALS, defaultToken,
} from '../lib/state.js';
import { strings } from '../i18n/index.js';

const MAX_LABEL = 200;

export class Playground {
  /**
   * options: { engine, state, controls = true, readonly = false, steps = null (all),
   *            renderMath(el, tex), onChange(state) }
   */
  constructor(root, options) {
    this.root = root;
    this.engine = options.engine;
    this.options = options;
    this.seed = 1;
    this.sectionEls = new Map();
    this.tables = new Map();
    this.cellIndex = new Map();
    this.lit = new Map();
    this.blockToolsByPanel = new Map();
    this.uid = Math.random().toString(36).slice(2, 8);
    this.alert = h('div', { className: 'alert', role: 'alert', hidden: true });
    this.status = h('div', { className: 'status visually-hidden', role: 'status', 'aria-live': 'polite' });
    this.warnings = h('ul', { className: 'warnings', hidden: true });
    this.controls = h('div', { className: 'controls' });
    this.overview = h('nav', { className: 'overview' });
    this.sectionsEl = h('div', { className: 'sections' });
    this.tooltip = h('div', { className: 'tooltip', role: 'tooltip', id: `tip-${Math.random().toString(36).slice(2)}`, hidden: true });
    if (options.overview !== false) root.append(this.overview);
    root.append(this.controls, this.alert, this.warnings, this.sectionsEl, this.status, this.tooltip);
    this.sectionsEl.addEventListener('focusin', (e) => this.onPoint(e.target, true));
    this.sectionsEl.addEventListener('mouseover', (e) => this.onPoint(e.target, false));
    this.sectionsEl.addEventListener('mouseleave', () => this.returnToFocus());
    this.sectionsEl.addEventListener('focusout', (e) => {
      if (!this.sectionsEl.contains(e.relatedTarget)) this.unpoint();
    });
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.tooltip.hidden && !e.target.matches('input')) this.unpoint();
    });
    this.state = null;
    this.trace = null;
    this.setState(options.state);
    this.renderNow();
  }

  get S() { return strings(this.state.lang); }

  /**
   * Replaces the whole state. The engine runs at once (so an error is known at once);
   * the DOM follows on the next frame, once for any number of changes in between.
   * Returns an error message when the engine refuses the state.
   */
  setState(state) {
    try {
      const trace = this.engine.run(state.config);
      this.state = state;
      this.trace = trace;
      this.showError(null);
    } catch (err) {
      if (!this.state) throw err;
      this.showError(this.S.engineRefused(err.message, err.code, err.field));
      return err.message;
    }
    this.render();
    return null;
  }

  render() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.renderNow());
  }

  // One change of the config: recompute, render, tell the owner. Returns an error or null.
  change(mutate, extra = {}) {
    let config;
    try {
      config = mutate(this.state.config);
    } catch (err) {
      this.showError(err.message);
      return err.message;
    }
    const next = { ...this.state, ...extra, config, preset: extra.preset ?? null };
    this.shuffleNote = null;
    const error = this.setState(next);
    if (!error) {
      this.status.textContent = this.S.recomputed;
      this.options.onChange?.(this.state);
    }
    return error;
  }

  // Cells of W_Q, W_K, W_V, W_O that differ from `config` are marked as changed (training).
  setBaseline(config) {
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
    this.alert.hidden = !message;
    this.alert.textContent = message ?? '';
  }

  // ---------- rendering ----------

  renderNow() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const S = this.S;
    if (this.options.controls !== false && !this.options.readonly) this.renderControls();
    else this.controls.hidden = true;
    this.renderWarnings();
    const sections = buildSections(this.state.config, this.trace, S);
    const wanted = this.options.steps;
    const shown = wanted ? sections.filter((sec) => sec.steps.some((st) => wanted.includes(st)) || wanted.includes(sec.id)) : sections;
    const els = shown.map((sec) => this.renderSection(sec, wanted));
    syncChildren(this.sectionsEl, els);
    this.renderOverview(shown);
    this.indexCells();
    if (this.pointed) this.point(this.pointed.td, this.pointed.sticky);
  }

  // The whole formula once, and a chip per step that scrolls to its section.
  renderOverview(shown) {
    const S = this.S;
    if (this.options.overview === false) {
      this.overview.hidden = true;
      return;
    }
    this.overview.setAttribute('aria-label', S.overview);
    if (!this.overviewFormula) {
      this.overviewFormula = h('div', { className: 'overview-formula' });
      this.renderOverviewFormula(this.overviewFormula);
    }
    const chips = shown.map((sec) => h('li', null, h('button', {
      type: 'button', className: 'chip', dataset: { target: sec.id },
      onclick: () => this.sectionEls.get(sec.id)?.el.scrollIntoView({
        behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth', block: 'start',
      }),
    }, S.chips[sec.id] ?? sec.title)));
    this.overview.replaceChildren(this.overviewFormula, h('ol', { className: 'chips' }, chips));
  }

  renderOverviewFormula(formula) {
    const tex = '\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{QK^{\\top}}{\\sqrt{d_k}}\\right) V';
    if (this.options.renderMath) this.options.renderMath(formula, tex);
    else formula.textContent = 'Attention(Q, K, V) = softmax(QKᵀ / √d_k) V';
  }

  renderWarnings() {
    const list = this.trace.warnings;
    this.warnings.hidden = list.length === 0;
    this.warnings.replaceChildren(...list.map((w) => h('li', null, this.S.warningBlocked(w.head, w.row))));
  }

  renderSection(sec, wanted) {
    let entry = this.sectionEls.get(sec.id);
    if (!entry) {
      const title = h('h2', { id: `step-${sec.id}` });
      const formula = h('div', { className: 'formula' });
      const text = h('p', { className: 'explanation' });
      const body = h('div', { className: 'blocks' });
      const el = h('section', { className: 'step', dataset: { section: sec.id }, 'aria-labelledby': `step-${sec.id}` }, title, formula, text, body);
      entry = { el, title, formula, text, body, tex: null };
      this.sectionEls.set(sec.id, entry);
    }
    entry.title.textContent = sec.title;
    entry.text.textContent = sec.text;
    if (entry.tex !== sec.tex) {
      entry.tex = sec.tex;
      entry.formula.textContent = '';
      if (this.options.renderMath) this.options.renderMath(entry.formula, sec.tex);
      else entry.formula.textContent = sec.tex;
    }
    const blocks = wanted ? sec.blocks.filter((b) => wanted.includes(b.step) || wanted.includes(sec.id)) : sec.blocks;
    // One wrapper per step (and part): per-head blocks of a step share it.
    const groups = new Map();
    for (const block of blocks) {
      const id = `${block.step}/${block.part ?? ''}`;
      if (!groups.has(id)) groups.set(id, []);
      groups.get(id).push(block);
    }
    const children = [];
    for (const [id, list] of groups) {
      const { step, part } = list[0];
      const key = `${sec.id}/${id}`;
      let wrap = this.tables.get(key);
      if (!wrap) {
        wrap = h('div', { className: 'step-block', dataset: { step, ...(part ? { part } : {}) } });
        this.tables.set(key, wrap);
      }
      const inner = list.map((block) => this.renderBlock(block, key));
      syncChildren(wrap, inner);
      children.push(wrap);
    }
    syncChildren(entry.body, children);
    return entry.el;
  }

  renderBlock(block, key) {
    const S = this.S;
    const perHead = block.head !== undefined;
    const panelKey = `${key}/${block.head ?? ''}`;
    let panel = this.tables.get(panelKey);
    if (!panel) {
      panel = h('div', { className: perHead ? 'head-panel' : 'panel', dataset: perHead ? { head: block.head } : {} });
      this.tables.set(panelKey, panel);
    }
    const previous = panel.querySelector('table.matrix');
    const editable = block.editable && !this.options.readonly;
    const table = matrixTable({
      step: block.step,
      caption: block.caption,
      rows: block.rows,
      cols: block.cols,
      value: block.value,
      decimals: this.state.decimals,
      rowLabels: block.rowLabels,
      colLabels: block.colLabels,
      editable,
      labelsEditable: block.labelsEditable && !this.options.readonly,
      cellLabel: (r, c) => S.cellLabel(block.name, r, c),
      corner: S.corner,
      cellClass: (r, c) => this.cellClass(block, r, c),
      onCommit: (r, c, text) => this.commitCell(block, r, c, text),
      onLabel: (r, text) => this.commitLabel(block, r, text),
      onToggle: block.toggle && !this.options.readonly ? (r, c) => this.toggleMask(r, c) : undefined,
    }, previous);
    table._block = block;
    const parts = [table];
    if (block.stats) parts.push(this.statsTable(block));
    let heatmapSvg = null;
    if (block.pictures) {
      const pictures = this.pictures(block);
      heatmapSvg = () => pictures.querySelector('svg.heatmap');
      parts.push(pictures);
    }
    if (block.tools && editable) parts.push(this.tools(block));
    if (this.options.authorTools !== false && !block.part) {
      let tools = this.blockToolsByPanel.get(panelKey);
      if (!tools) {
        tools = blockTools({
          onCheck: (b, rows) => this.setCheck(b, rows),
          onMessage: (msg) => this.showError(msg),
        });
        this.blockToolsByPanel.set(panelKey, tools);
      }
      tools.update({ block, decimals: this.state.decimals, S, heatmapSvg, check: this.checkOf(block), uid: this.uid });
      parts.push(tools.el);
    }
    syncChildren(panel, parts);
    return panel;
  }

  // ---------- checking an article's numbers ----------

  checkOf(block) {
    const rows = this.state.checks?.[tableKey(block.step, block.head)];
    if (!rows) return null;
    const result = compareMatrix(rows, { rows: block.rows, cols: block.cols, value: block.value }, this.state.decimals);
    const S = this.S.tools;
    const shape = result.shapeDiffers ? ` ${S.shape(result.printedShape, [block.rows, block.cols])}` : '';
    return { rows, result, summary: `${S.summary(result.differ, result.compared)}${shape}` };
  }

  setCheck(block, rows) {
    const checks = { ...(this.state.checks ?? {}) };
    const key = tableKey(block.step, block.head);
    if (rows) checks[key] = rows;
    else delete checks[key];
    this.setView({ checks });
  }

  cellClass(block, r, c) {
    const base = this.baseline?.[block.step];
    if (base && ['wq', 'wk', 'wv', 'wo'].includes(block.step) && base[r]?.[c] !== undefined && base[r][c] !== block.value(r, c)) {
      return 'changed';
    }
    const printed = this.state.checks?.[tableKey(block.step, block.head)];
    if (printed && r < printed.length && c < printed[r].length) {
      const tol = 0.5 * 10 ** -this.state.decimals + 1e-12;
      const v = block.value(r, c);
      return printed[r][c] === v || Math.abs(printed[r][c] - v) <= tol ? 'check-same' : 'check-differs';
    }
    const v = block.value(r, c);
    if (block.step === 'masked' && v === -Infinity) return 'blocked';
    if (block.step === 'weights' && this.trace.heads[block.head].masked.data[r * block.cols + c] === -Infinity) return 'blocked';
    return '';
  }

  statsTable(block) {
    const S = this.S;
    const h0 = this.trace.heads[block.head];
    const d = this.state.decimals;
    return h('table', { className: 'stats' },
      h('caption', null, `${S.rowMax} / ${S.rowSum}`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, S.rowMax), h('th', { scope: 'col' }, S.rowSum))),
      h('tbody', null, block.rowLabels.map((label, r) => h('tr', null,
        h('th', { scope: 'row' }, label),
        h('td', { dataset: { statRow: r, stat: 'max' } }, fmt(h0.rowMax[r], d)),
        h('td', { dataset: { statRow: r, stat: 'sum' } }, fmt(h0.rowSum[r], d))))));
  }

  pictures(block) {
    const S = this.S;
    const weights = this.trace.heads[block.head].weights;
    const title = `${S.heatmap}${this.trace.heads.length > 1 ? ` (${S.head(block.head)})` : ''}`;
    const map = heatmap({ weights, rowLabels: block.rowLabels, colLabels: block.colLabels, decimals: this.state.decimals, title, showValues: true });
    // Clicking a cell of the heatmap picks it, e.g. as the weight to train in the Learn section.
    map.addEventListener('click', (e) => {
      const g = e.target.closest('g[data-row]');
      if (g && this.options.onPickWeight) this.options.onPickWeight(block.head, Number(g.dataset.row), Number(g.dataset.col));
    });
    return h('div', { className: 'pictures' },
      h('figure', { className: 'heatmap-figure' }, map, h('figcaption', null, legend(S.legend))),
      h('div', { className: 'arcs-wrap' },
        h('p', { className: 'hint' }, `${S.arcs}. ${S.arcsHint}`),
        arcs({ weights, rowLabels: block.rowLabels, colLabels: block.colLabels, decimals: this.state.decimals, title: S.arcs })));
  }

  tools(block) {
    const S = this.S;
    const button = (label, onclick) => h('button', { type: 'button', className: 'tool', onclick }, label);
    const list = [];
    for (const tool of block.tools) {
      if (tool === 'identity') {
        list.push(button(`${S.identity} ${block.name}`, () => this.change((cfg) => ({ ...cfg, [block.step]: identity(block.rows, block.cols) }))));
      } else if (tool === 'random') {
        list.push(button(`${S.random} ${block.name}`, () => this.change((cfg) => ({ ...cfg, [block.step]: randomMatrix(block.rows, block.cols, this.nextSeed()) }))));
      } else if (tool === 'random-x') {
        list.push(button(`${S.random} X`, () => this.change((cfg) => ({ ...cfg, x: randomMatrix(block.rows, block.cols, this.nextSeed()) }))));
      } else if (tool === 'shuffle') {
        list.push(button(S.shuffle, () => this.shuffle()));
      }
    }
    const note = block.tools.includes('shuffle') && this.shuffleNote ? h('p', { className: 'note', role: 'status' }, this.shuffleNote) : null;
    return h('div', { className: 'tools' }, list, note);
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

  // ---------- edits ----------

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
    if (this.state.config[block.step][r][c] === value) return null;
    return this.change((cfg) => ({ ...cfg, [block.step]: withCell(cfg[block.step], r, c, value) }));
  }

  commitLabel(block, r, text) {
    const label = String(text).trim();
    if (label.length > MAX_LABEL) {
      const msg = this.S.tokenTooLong(MAX_LABEL);
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

  // ---------- controls ----------

  renderControls() {
    const S = this.S;
    const cfg = this.state.config;
    const z = sizesOf(cfg);
    // Rebuilt only when something they show changed, not on every edit of a number.
    const key = JSON.stringify([z, cfg.scale, cfg.mask === undefined || typeof cfg.mask === 'string' ? cfg.mask : 'custom',
      cfg.positional, cfg.score, Boolean(cfg.context), Boolean(cfg.wo), this.state.decimals, this.state.lang]);
    if (key === this.controlsKey) return;
    this.controlsKey = key;
    const focused = this.root.getRootNode().activeElement;
    const active = this.controls.contains(focused) ? focused.dataset.control : null;
    const stepper = (key, label, value, min, max, apply) => {
      const input = h('input', { type: 'number', min, max, step: 1, inputmode: 'numeric', dataset: { control: key }, id: `ctl-${key}`, 'aria-label': label });
      input.value = String(value);
      const set = (v) => {
        const next = Math.min(max, Math.max(min, v));
        if (next !== value) apply(next);
        else input.value = String(value);
      };
      input.addEventListener('change', () => {
        const v = Number.parseInt(input.value, 10);
        if (Number.isFinite(v)) set(v);
        else input.value = String(value);
      });
      return h('div', { className: 'stepper' },
        h('label', { for: `ctl-${key}` }, label),
        h('button', { type: 'button', 'aria-label': S.decrease(label), disabled: value <= min, dataset: { control: `${key}-dec` }, onclick: () => set(value - 1) }, '−'),
        input,
        h('button', { type: 'button', 'aria-label': S.increase(label), disabled: value >= max, dataset: { control: `${key}-inc` }, onclick: () => set(value + 1) }, '+'));
    };
    const select = (key, label, value, options, apply) => {
      const el = h('select', { id: `ctl-${key}`, dataset: { control: key } },
        Object.entries(options).map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
      el.value = value;
      el.addEventListener('change', () => apply(el.value));
      return h('div', { className: 'field' }, h('label', { for: `ctl-${key}` }, label), el);
    };
    const check = (key, label, value, apply) => {
      const el = h('input', { type: 'checkbox', id: `ctl-${key}`, dataset: { control: key }, checked: value });
      el.addEventListener('change', () => apply(el.checked));
      return h('div', { className: 'field check' }, el, h('label', { for: `ctl-${key}` }, label));
    };
    const resizeTo = (changes) => this.change((c) => resize(c, changes, this.nextSeed()));
    const scaleKind = typeof cfg.scale === 'number' ? 'custom' : (cfg.scale ?? 'sqrt_dk');
    const maskKind = Array.isArray(cfg.mask) ? 'custom' : (cfg.mask ?? 'none');

    const sizes = [
      stepper('n', S.tokensCount, z.n, 1, UI_MAX.n, (n) => resizeTo({ n })),
      cfg.context ? stepper('m', S.contextCount, z.m, 1, UI_MAX.m, (m) => resizeTo({ m })) : null,
      stepper('dModel', S.dModel, z.dModel, 1, UI_MAX.dModel, (dModel) => resizeTo({ dModel })),
      stepper('heads', S.heads, z.heads, 1, UI_MAX.heads, (heads) => resizeTo({ heads })),
      stepper('dk', S.dk, z.dk, cfg.positional === 'rope' ? 2 : 1, UI_MAX.dk, (dk) => resizeTo({ dk: cfg.positional === 'rope' && dk % 2 ? dk + (dk > z.dk ? 1 : -1) : dk })),
      stepper('dv', S.dv, z.dv, 1, UI_MAX.dv, (dv) => resizeTo({ dv })),
      cfg.wo ? stepper('dOut', S.dOut, z.dOut, 1, UI_MAX.dOut, (dOut) => resizeTo({ dOut })) : null,
      stepper('decimals', S.decimals, this.state.decimals, 0, MAX_DECIMALS, (decimals) => this.setView({ decimals })),
    ];
    const customScale = h('input', {
      type: 'text', inputmode: 'decimal', id: 'ctl-scale-value', dataset: { control: 'scale-value' }, 'aria-label': S.customScale,
      hidden: scaleKind !== 'custom', className: 'scale-value',
    });
    customScale.value = scaleKind === 'custom' ? String(cfg.scale) : '';
    customScale.addEventListener('change', () => {
      const v = parseNumber(customScale.value);
      if (v === null) {
        customScale.setAttribute('aria-invalid', 'true');
        this.showError(S.invalidNumber(S.customScale, customScale.value.slice(0, 40)));
      } else {
        this.change((c) => ({ ...c, scale: v }));
      }
    });
    const options = [
      h('div', { className: 'field scale-field' },
        select('scale', S.scale, scaleKind, S.scaleOptions, (v) => this.change((c) => ({ ...c, scale: v === 'custom' ? (typeof c.scale === 'number' ? c.scale : 0.5) : v }))),
        customScale),
      select('mask', S.mask, maskKind, S.maskOptions, (v) => this.change((c) => ({ ...c, mask: v === 'custom' ? (Array.isArray(c.mask) ? c.mask : causalMask(z.n, z.m)) : v }))),
      select('positional', S.positional, cfg.positional ?? 'none', S.positionalOptions, (v) => this.change((c) => {
        const next = { ...c, positional: v };
        return v === 'rope' && z.dk % 2 ? resize(next, { dk: z.dk + 1 }, this.nextSeed()) : next;
      })),
      select('score', S.score, cfg.score ?? 'dot', S.scoreOptions, (v) => this.change((c) => ({ ...c, score: v }))),
      check('cross', S.cross, Boolean(cfg.context), (on) => this.change((c) => {
        if (!on) {
          const { context, contextTokens, ...rest } = c;
          return Array.isArray(rest.mask) ? { ...rest, mask: causalMask(z.n, z.n) } : rest;
        }
        const m = Math.max(2, z.n);
        const next = { ...c, context: randomMatrix(m, z.dModel, this.nextSeed()), contextTokens: Array.from({ length: m }, (_, i) => `c${i + 1}`) };
        return Array.isArray(next.mask) ? { ...next, mask: causalMask(z.n, m) } : next;
      })),
      check('wo', S.useWo, Boolean(cfg.wo), (on) => this.change((c) => {
        if (!on) {
          const { wo, ...rest } = c;
          return rest;
        }
        return { ...c, wo: identity(z.heads * z.dv, z.dModel) };
      })),
    ];
    this.controls.hidden = false;
    this.controls.replaceChildren(
      h('fieldset', { className: 'sizes' }, h('legend', null, S.sizes), sizes),
      h('fieldset', { className: 'options' }, h('legend', null, S.options), options),
      h('p', { className: 'hint' }, S.editHint));
    if (active) this.controls.querySelector(`[data-control="${active}"]`)?.focus();
  }

  // ---------- explaining a cell ----------

  // tableKey -> the table's tds in row-major order, for highlighting without queries.
  indexCells() {
    this.cellIndex.clear();
    for (const table of this.sectionsEl.querySelectorAll('table.matrix')) {
      const block = table._block;
      if (!block || block.part) continue;
      this.cellIndex.set(tableKey(block.step, block.head), [...table.querySelectorAll('td')]);
    }
  }

  onPoint(target, sticky) {
    const td = target.closest?.('td[data-col]');
    if (td) this.point(td, sticky);
    else if (!sticky) this.returnToFocus();
  }

  // When the mouse leaves, the explanation goes back to the focused cell, if any.
  returnToFocus() {
    const focused = this.root.getRootNode().activeElement;
    const td = focused?.closest?.('td[data-col]');
    if (td && this.sectionsEl.contains(td)) this.point(td, true);
    else this.unpoint();
  }

  point(td, sticky) {
    const table = td.closest('table.matrix');
    if (!table || !td.isConnected) {
      this.unpoint();
      return;
    }
    const block = table._block;
    const cell = { step: block.explainAs ?? block.step, head: block.head ?? null, row: Number(td.dataset.row), col: Number(td.dataset.col) };
    this.pointed = { td, sticky };
    const lines = explainCell(this.trace, this.state.config, cell, this.state.decimals, this.S);
    const printed = this.state.checks?.[tableKey(block.step, block.head)]?.[cell.row]?.[cell.col];
    if (printed !== undefined) {
      lines.push(this.S.tools.printed(fmt(printed, this.state.decimals + 2), fmt(block.value(cell.row, cell.col), this.state.decimals + 2)));
    }
    this.tooltip.replaceChildren(...lines.map((line) => h('div', null, line)));
    this.tooltip.hidden = lines.length === 0;
    td.setAttribute('aria-describedby', this.tooltip.id);
    // Placed on the next frame: measuring now would force a layout in the middle of a render.
    cancelAnimationFrame(this.placing);
    this.placing = requestAnimationFrame(() => { if (td.isConnected) this.placeTooltip(td); });
    const next = new Map([[td, 'is-selected']]);
    if (!block.part) {
      const { sources, dependents } = related(this.trace, this.state.config, cell);
      for (const [sets, cls] of [[sources, 'is-source'], [dependents, 'is-dependent']]) {
        for (const [key, flags] of sets) {
          const tds = this.cellIndex.get(key);
          if (!tds) continue;
          for (let i = 0; i < flags.length; i++) if (flags[i] && tds[i] && !next.has(tds[i])) next.set(tds[i], cls);
        }
      }
    }
    this.highlight(next);
  }

  // Moves the highlight classes to `next` (td -> class), touching only cells that change.
  highlight(next) {
    for (const [el, cls] of this.lit) {
      if (next.get(el) !== cls) el.classList.remove(cls);
    }
    for (const [el, cls] of next) {
      if (this.lit.get(el) !== cls) el.classList.add(cls);
    }
    this.lit = next;
  }

  placeTooltip(td) {
    const host = this.tooltip.offsetParent ?? document.body;
    const a = td.getBoundingClientRect();
    const b = host.getBoundingClientRect();
    const left = Math.max(4, Math.min(a.left - b.left + host.scrollLeft, b.width - 300));
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${a.bottom - b.top + host.scrollTop + 6}px`;
  }

  clearLit() {
    this.highlight(new Map());
  }

  unpoint() {
    this.pointed?.td.removeAttribute('aria-describedby');
    this.pointed = null;
    this.tooltip.hidden = true;
    this.clearLit();
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

// Makes `parent`'s children exactly `wanted`, touching the DOM only when they differ,
// so focus and open editors survive a recomputation.
function syncChildren(parent, wanted) {
  const keep = new Set(wanted);
  for (const el of [...parent.children]) if (!keep.has(el)) el.remove();
  wanted.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
}
