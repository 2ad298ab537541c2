// From the state and the trace to what the playground shows: sections of blocks with
// each cell's value and class, the controls with their ranges, the overview's chips, the
// warnings, the explanation of one cell. Pure functions, no DOM: the renderers in web/ui/
// draw exactly this, and node:test checks it.
import { buildSections } from './sections.js';
import { compareMatrix } from './matrix-text.js';
import { explainCell, related, tableKey } from './explain.js';
import { fmt } from './format.js';
import { sizesOf, MAX_DECIMALS } from './state.js';
import { INPUT_IDS } from './steps.js';

/**
 * The article check of a block: the printed matrix, how it compares, and a summary line;
 * or null when the block has none.
 */
export function checkOf(state, block, S) {
  const rows = state.checks?.[tableKey(block.step, block.head)];
  if (!rows) return null;
  const result = compareMatrix(rows, { rows: block.rows, cols: block.cols, value: block.value }, state.decimals);
  const T = S.tools;
  const shape = result.shapeDiffers ? ` ${T.shape(result.printedShape, [block.rows, block.cols])}` : '';
  return { rows, result, summary: `${T.summary(result.differ, result.compared)}${shape}` };
}

/**
 * A cell's class: 'changed' (trained away from the baseline), 'check-same' /
 * 'check-differs' (against an article's printed value), 'blocked' (masked), or ''.
 */
export function cellClassOf(state, trace, baseline, block, r, c) {
  const base = baseline?.[block.step];
  if (base && INPUT_IDS.includes(block.step) && base[r]?.[c] !== undefined && base[r][c] !== block.value(r, c)) {
    return 'changed';
  }
  const printed = state.checks?.[tableKey(block.step, block.head)];
  if (printed && r < printed.length && c < printed[r].length) {
    const tol = 0.5 * 10 ** -state.decimals + 1e-12;
    const v = block.value(r, c);
    return printed[r][c] === v || Math.abs(printed[r][c] - v) <= tol ? 'check-same' : 'check-differs';
  }
  if (block.step === 'masked' && block.value(r, c) === -Infinity) return 'blocked';
  if (block.step === 'weights' && trace.heads[block.head].masked.data[r * block.cols + c] === -Infinity) return 'blocked';
  return '';
}

/** Each row's softmax max and sum, formatted: [{ label, max, sum }]. */
export function statsOf(trace, head, rowLabels, decimals) {
  const h = trace.heads[head];
  return rowLabels.map((label, r) => ({ label, max: fmt(h.rowMax[r], decimals), sum: fmt(h.rowSum[r], decimals) }));
}

/**
 * The sections to show: buildSections filtered by `steps` (null: all), each with its
 * blocks grouped by step (per-head blocks of a step share a group). A block carries
 * what its table needs: editable flags for this reader, its cells' classes, its check.
 * options: { steps, readonly, baseline, head: the one head whose tables are built (null: every head) }
 */
export function sectionsView(state, trace, S, { steps = null, readonly = false, baseline = null, head = null } = {}) {
  const all = buildSections(state.config, trace, S);
  const wanted = (id, stepIds) => !steps || stepIds.some((st) => steps.includes(st)) || steps.includes(id);
  return all.filter((sec) => wanted(sec.id, sec.steps)).map((sec) => {
    const blocks = sec.blocks.filter((b) => (!steps || steps.includes(b.step) || steps.includes(sec.id))
      && (head === null || b.head === undefined || b.head === head)).map((b) => ({
      ...b,
      editable: Boolean(b.editable) && !readonly,
      labelsEditable: Boolean(b.labelsEditable) && !readonly,
      toggle: Boolean(b.toggle) && !readonly,
      tools: b.tools && b.editable && !readonly ? b.tools : null,
      decimals: state.decimals,
      cellClass: (r, c) => cellClassOf(state, trace, baseline, b, r, c),
      check: checkOf(state, b, S),
      stats: b.stats ? statsOf(trace, b.head, b.rowLabels, state.decimals) : null,
    }));
    const groups = [];
    for (const block of blocks) {
      const last = groups[groups.length - 1];
      if (last && last.step === block.step) last.blocks.push(block);
      else groups.push({ key: `${sec.id}/${block.step}`, step: block.step, blocks: [block] });
    }
    return { id: sec.id, chip: sec.chip, title: sec.title, text: sec.text, tex: sec.tex, groups };
  });
}

/** The overview's chips: one per shown section, labelled for the reader. */
export function chipsOf(sections, S) {
  return sections.map((sec) => ({ target: sec.id, label: S.chips[sec.chip ?? sec.id] ?? sec.title }));
}

/** The warnings of a trace as sentences. */
export function warningsOf(trace, S) {
  return trace.warnings.map((w) => S.warningBlocked(w.head, w.row));
}

/**
 * The controls: sizes with their ranges (from the engine's page limits), options with
 * their current choice. `key` changes only when something they show changed.
 */
export function controlsView(state, limits, S) {
  const cfg = state.config;
  const z = sizesOf(cfg);
  const L = limits.page;
  const rope = cfg.positional === 'rope';
  const scaleKind = typeof cfg.scale === 'number' ? 'custom' : (cfg.scale ?? 'sqrt_dk');
  const maskKind = Array.isArray(cfg.mask) ? 'custom' : (cfg.mask ?? 'none');
  const sizes = [
    { key: 'n', label: S.tokensCount, value: z.n, min: 1, max: L.maxTokens },
    cfg.context ? { key: 'm', label: S.contextCount, value: z.m, min: 1, max: L.maxTokens } : null,
    { key: 'dModel', label: S.dModel, value: z.dModel, min: 1, max: L.maxDModel },
    { key: 'heads', label: S.heads, value: z.heads, min: 1, max: L.maxHeads },
    { key: 'dk', label: S.dk, value: z.dk, min: rope ? 2 : 1, max: L.maxHeadWidth, even: rope },
    { key: 'dv', label: S.dv, value: z.dv, min: 1, max: L.maxHeadWidth },
    cfg.wo ? { key: 'dOut', label: S.dOut, value: z.dOut, min: 1, max: L.maxDModel } : null,
    { key: 'decimals', label: S.decimals, value: state.decimals, min: 0, max: MAX_DECIMALS },
  ].filter(Boolean);
  const options = {
    scale: scaleKind,
    scaleValue: scaleKind === 'custom' ? String(cfg.scale) : '',
    mask: maskKind,
    positional: cfg.positional ?? 'none',
    score: cfg.score ?? 'dot',
    cross: Boolean(cfg.context),
    wo: Boolean(cfg.wo),
  };
  return { key: JSON.stringify([sizes, options, state.lang]), z, sizes, options };
}

/**
 * The explanation of one cell of a block: its arithmetic as lines (plus the article's
 * printed value when checked) and the cells it depends on and feeds, as Maps from
 * tableKey to one flag per cell. options: { head: the one head a view shows (null: all),
 * related: false for the lines only (a hover readout) }.
 */
export function explanationOf(state, trace, block, r, c, S, { head = null, related: withRelated = true } = {}) {
  const cell = { step: block.step, head: block.head ?? null, row: r, col: c };
  const lines = explainCell(trace, state.config, cell, state.decimals, S);
  const printed = state.checks?.[tableKey(block.step, block.head)]?.[r]?.[c];
  if (printed !== undefined) {
    lines.push(S.tools.printed(fmt(printed, state.decimals + 2), fmt(block.value(r, c), state.decimals + 2)));
  }
  if (!withRelated) return { lines, sources: new Map(), dependents: new Map() };
  return { lines, ...related(trace, state.config, cell, { head }) };
}
