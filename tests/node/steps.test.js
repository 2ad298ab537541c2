// The one step table (web/lib/steps.js) against the engine: every table it describes has
// the shape the trace has, every cell is explained, and the dependency edges written as
// "sources" and as "dependents" are the same edges. The view models built on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { loadEngine, STEP_IDS } from 'attention-playground';
import { STEPS, STEP, tablesOf, tableKey, sizesOfTrace, TABLE_IDS } from '../../web/lib/steps.js';
import { explainCell, related } from '../../web/lib/explain.js';
import { sectionsView, controlsView, checkOf } from '../../web/lib/view-model.js';
import { buildSections } from '../../web/lib/sections.js';
import { strings } from '../../web/i18n/index.js';
import { PRESETS, presetConfig } from '../../web/lib/presets.js';

const engine = await loadEngine();
const golden = JSON.parse(readFileSync(new URL('../golden/cases.json', import.meta.url), 'utf8')).cases;
const S = strings('en');

// Small configs that between them turn on every option the edges depend on.
const configs = [
  ...golden.map((c) => c.config),
  { ...golden.find((c) => c.name === 'multi-head-wo').config, positional: 'rope' },
  { ...golden.find((c) => c.name === 'multi-head-wo').config, positional: 'sinusoidal', mask: 'causal' },
  { ...golden.find((c) => c.name === 'multi-head-wo').config, score: 'additive' }, // v_a by default
];

test('the step table covers every trace step the page shows, in the core\'s order', () => {
  const traceSteps = STEPS.filter((s) => !s.input).map((s) => s.id);
  // Each is a trace step, in the order of STEP_IDS (the core's kSteps).
  const positions = traceSteps.map((id) => STEP_IDS.indexOf(id));
  assert.ok(positions.every((p) => p >= 0), `${traceSteps} ⊂ STEP_IDS`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  // Only the context's encoding is not a table of its own (a key row is explained from C).
  assert.deepEqual(STEP_IDS.filter((id) => !TABLE_IDS.includes(id)), ['contextPe', 'contextEncoded']);
  assert.deepEqual(STEPS.filter((s) => s.perHead).map((s) => s.id), engine.steps().filter((s) => s.perHead).map((s) => s.id));
});

test('every table has the shape the trace has, and every cell is explained', () => {
  for (const config of configs) {
    const trace = engine.run(config);
    const z = sizesOfTrace(trace, config);
    for (const t of tablesOf(z)) {
      const m = STEP[t.step].read(trace, config, t.head ?? 0);
      assert.deepEqual([m.rows, m.cols], [t.rows, t.cols], `${t.key}`);
      for (const [r, c] of [[0, 0], [t.rows - 1, t.cols - 1]]) {
        const lines = explainCell(trace, config, { step: t.step, head: t.head, row: r, col: c }, 3, S);
        assert.ok(lines.length > 0 && lines.every((l) => typeof l === 'string' && l.length > 0), `${t.key} explained`);
      }
    }
  }
});

test('"sources" and "dependents" are the same edges read both ways', () => {
  for (const config of configs) {
    const trace = engine.run(config);
    const z = sizesOfTrace(trace, config);
    const tables = tablesOf(z);
    const keys = new Set(tables.map((t) => t.key));
    const edges = (direction) => {
      const set = new Set();
      for (const t of tables) {
        for (let r = 0; r < t.rows; r++) {
          for (let c = 0; c < t.cols; c++) {
            STEP[t.step][direction](z, t.head, r, c, (step, head, r0, r1, c0, c1) => {
              if (!keys.has(tableKey(step, head))) return; // a table this config does not have
              for (let i = r0; i < r1; i++) {
                for (let j = c0; j < c1; j++) {
                  const a = `${t.key}:${r},${c}`;
                  const b = `${tableKey(step, head)}:${i},${j}`;
                  set.add(direction === 'sources' ? `${b}->${a}` : `${a}->${b}`);
                }
              }
            });
          }
        }
      }
      return set;
    };
    const forward = edges('dependents');
    const backward = edges('sources');
    assert.ok(forward.size > 0);
    assert.deepEqual([...forward].filter((e) => !backward.has(e)), [], `${config.positional ?? ''} ${config.heads ?? 1}: dependents not in sources`);
    assert.deepEqual([...backward].filter((e) => !forward.has(e)), [], 'sources not in dependents');
  }
});

test('a weight depends on its whole row of scores and on the inputs, and feeds the final output', () => {
  const config = golden.find((c) => c.name === 'seed-002-two-words').config;
  const trace = engine.run(config);
  const { sources, dependents } = related(trace, config, { step: 'weights', head: 0, row: 1, col: 0 });
  assert.deepEqual([...sources.get('scaled|0')], [0, 0, 1, 1]);
  assert.deepEqual([...sources.get('x|-')], [1, 1, 1, 1]); // row 2's query and every key
  assert.deepEqual([...dependents.get('output|0')], [0, 0, 1, 1]);
  assert.deepEqual([...dependents.get('final|-')], [0, 0, 1, 1]);
  assert.equal(dependents.get('x|-').some(Boolean), false);
});

test('view models: sections per step, blocked cells, checks, and controls from the engine\'s page limits', () => {
  const config = golden.find((c) => c.name === 'causal-three').config;
  const trace = engine.run(config);
  const state = { config, decimals: 3, lang: 'en', checks: { 'weights|0': [[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.2, 0.2]] } };
  const sections = sectionsView(state, trace, S);
  const ids = sections.flatMap((s) => s.groups.map((g) => g.step));
  assert.deepEqual(ids, ['x', 'wq', 'wk', 'wv', 'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'final']);
  const weights = sections.find((s) => s.id === 'weights').groups[0].blocks[0];
  const masked = sections.find((s) => s.id === 'masked').groups[0].blocks[0];
  assert.equal(masked.cellClass(0, 2), 'blocked');
  assert.equal(masked.cellClass(2, 0), '');
  assert.equal(weights.cellClass(0, 0), 'check-same'); // an article's printed value, compared
  assert.equal(weights.check.result.compared, 9);
  const printed = state.checks['weights|0'].flat();
  const differ = printed.filter((p, i) => Math.abs(p - trace.heads[0].weights.data[i]) > 5e-4).length;
  assert.ok(differ > 0);
  assert.equal(weights.check.result.differ, differ);
  assert.equal(checkOf(state, sections.find((s) => s.id === 'final').groups[0].blocks[0], S), null);
  // A reader who cannot edit gets no editable tables.
  const readonly = sectionsView(state, trace, S, { readonly: true, steps: ['x', 'weights'] });
  assert.deepEqual(readonly.flatMap((s) => s.groups.map((g) => g.step)), ['x', 'weights']);
  assert.equal(readonly[0].groups[0].blocks[0].editable, false);
  const controls = controlsView(state, engine.limits, S);
  assert.equal(controls.sizes.find((s) => s.key === 'n').max, engine.limits.page.maxTokens);
  assert.equal(controls.sizes.find((s) => s.key === 'heads').max, engine.limits.page.maxHeads);
});

test('every preset runs within the page\'s limits', () => {
  for (const name of Object.keys(PRESETS)) engine.run(presetConfig(name), { limits: 'page' });
});

test('additive scoring says so, and its v_a is an editable 1 × d_k table every score depends on', () => {
  const config = { ...golden.find((c) => c.name === 'multi-head-wo').config, score: 'additive' };
  const trace = engine.run(config);
  const state = { config, decimals: 3, lang: 'en' };
  const scores = sectionsView(state, trace, S).find((sec) => sec.id === 'scores');
  assert.equal(scores.title, S.steps.scores.titleAdditive);
  assert.match(scores.tex, /tanh/);
  assert.deepEqual(scores.groups.map((g) => g.step), ['va', 'scores']);
  const va = scores.groups[0].blocks[0];
  assert.deepEqual([va.rows, va.cols, va.editable, va.field, va.vector], [1, trace.dk, true, 'va', true]);
  assert.deepEqual(Array.from({ length: va.cols }, (_, c) => va.value(0, c)), Array(trace.dk).fill(1)); // the engine's default
  assert.equal(sectionsView(state, trace, S, { readonly: true }).find((sec) => sec.id === 'scores').groups[0].blocks[0].editable, false);
  // The chip's label: S.chips[section.chip]
  assert.equal(S.chips[buildSections(config, trace, S).find((sec) => sec.id === 'scores').chip], S.chips.scoresAdditive);
  assert.equal(buildSections(golden[0].config, engine.run(golden[0].config), S).find((sec) => sec.id === 'scores').chip, 'scores');
  // Every score of every head depends on every v_a, and a score is explained with them.
  const { dependents } = related(trace, config, { step: 'va', head: null, row: 0, col: 1 });
  for (let h = 0; h < trace.heads.length; h++) assert.ok(dependents.get(tableKey('scores', h)).every(Boolean), `head ${h}`);
  assert.ok(dependents.get('final|-').every(Boolean));
  const { sources } = related(trace, config, { step: 'scores', head: 1, row: 0, col: 0 });
  assert.ok(sources.get('va|-').every(Boolean));
  assert.match(explainCell(trace, { ...config, va: [2, -0.5] }, { step: 'va', head: null, row: 0, col: 1 }, 3, S)[0], /^v_a\[2\] = -0\.5: /);
  // Without additive scoring there is no v_a table.
  assert.equal(tablesOf(sizesOfTrace(engine.run(golden[0].config), golden[0].config)).some((t) => t.step === 'va'), false);
});

test('explanations count rows and columns from 1 and say that pos counts from 0', () => {
  const sin = { ...golden.find((c) => c.name === 'multi-head-wo').config, positional: 'sinusoidal' };
  const lines = explainCell(engine.run(sin), sin, { step: 'pe', head: null, row: 1, col: 2 }, 3, S);
  assert.match(lines[0], /^PE\[2\]\[3\] = sin\(pos \/ 10000\^\(2i\/d_model\)\) = sin\(1 \/ 10000\^\(2\/\d+\)\) = /);
  assert.match(lines[1], /pos = 1 is row 2 \(positions count from 0\); 2i = 2/);
  const rope = { ...golden.find((c) => c.name === 'multi-head-wo').config, positional: 'rope' };
  const q = explainCell(engine.run(rope), rope, { step: 'q', head: null, row: 2, col: 0 }, 3, S);
  assert.match(q[0], /^q₃,₁ = /);
  assert.match(q[2], /θ = pos·10000\^\(−2i\/d_k\) = 2·10000\^\(−0\/\d+\) = 2 rad; pos = 2 is row 3/);
});

test('a flow card shades every cell at once exactly as it shades them one by one', async () => {
  const { flowCards } = await import('../../web/lib/flow.js');
  for (const config of configs) {
    const trace = engine.run(config);
    for (let head = 0; head < trace.heads.length; head++) {
      for (const card of flowCards({ config }, trace, S, { head })) {
        const all = card.shades();
        assert.equal(all.length, card.rows * card.cols, card.step);
        for (let r = 0; r < card.rows; r++) {
          for (let c = 0; c < card.cols; c++) {
            const one = card.masked(r, c) ? null : card.shade(r, c);
            const at = all[r * card.cols + c];
            if (one === null) assert.ok(Number.isNaN(at), `${card.step} (${r}, ${c}) is masked, shades() gave ${at}`);
            else assert.equal(at, Math.fround(one), `${card.step} (${r}, ${c})`);
          }
        }
      }
    }
  }
});

test('shades at once: −∞ and masked cells are NaN, NaN and +∞ shade as 0, the rest clamp to the scale', async () => {
  const { shadesOf, shadeOf } = await import('../../web/lib/flow.js');
  const data = Float32Array.of(-Infinity, NaN, Infinity, 5, -5, 0.5, -0.25, 2);
  const masked = Float32Array.of(0, 0, 0, 0, 0, 0, 0, -Infinity);
  const diverging = { kind: 'diverging', min: -2, max: 2 };
  assert.deepEqual([...shadesOf(diverging, data, masked)], [NaN, 0, 0, 1, -1, 0.25, -0.125, NaN]);
  const sequential = { kind: 'sequential', min: 0, max: 0.5 };
  assert.deepEqual([...shadesOf(sequential, data)], [NaN, 0, 0, 1, 0, 1, 0, 1]);
  for (const v of data) {
    const one = shadeOf(sequential, v);
    const at = shadesOf(sequential, Float32Array.of(v))[0];
    assert.ok(one === null ? Number.isNaN(at) : at === one, `${v}`);
  }
});
