// The page's Learn section, by hand on one sentence (the trained model is "Attention that
// learned", web/ui/model-section.js): train W_Q and W_K (or all weights) with the engine's backward
// pass and watch the tables and the heatmap change; then feed a new sentence through the
// learned, now fixed weights. Training runs a few steps per animation frame, so the page
// stays responsive, and stops at the chosen number of steps or on Pause.
import { h, s } from './dom.js';
import { makeTrainer, lossOf } from '../lib/train.js';
import { randomMatrix } from '../lib/state.js';
import { NEW_SENTENCES } from '../lib/presets.js';
import { fmt, num } from '../lib/format.js';

const STEPS_PER_FRAME = 5;

function lossCurve(losses, label) {
  const W = 360;
  const H = 140;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, className: 'loss-curve', role: 'img', 'aria-label': label });
  svg.dataset.first = String(losses[0] ?? '');
  svg.dataset.last = String(losses[losses.length - 1] ?? '');
  // how often the loss went up from one step to the next
  svg.dataset.rises = String(losses.filter((v, i) => i > 0 && v > losses[i - 1] + 1e-9).length);
  if (losses.length < 2) return svg;
  const max = Math.max(...losses);
  const min = Math.min(0, ...losses);
  const x = (i) => 30 + (i / (losses.length - 1)) * (W - 40);
  const y = (v) => 10 + (1 - (v - min) / (max - min || 1)) * (H - 30);
  svg.append(
    s('line', { x1: 30, x2: W - 10, y1: y(min), y2: y(min), className: 'grid' }),
    s('text', { x: 26, y: y(max) + 4, 'text-anchor': 'end', className: 'axis' }, fmt(max, 2)),
    s('text', { x: 26, y: y(min) + 4, 'text-anchor': 'end', className: 'axis' }, fmt(min, 2)),
    s('text', { x: W - 10, y: H - 4, 'text-anchor': 'end', className: 'axis' }, String(losses.length)),
    s('polyline', { points: losses.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '), className: 'loss-line' }));
  return svg;
}

/**
 * playground: the page's Playground; commit(state): called when training stops, so the
 * URL and storage follow the learned weights.
 */
export function learnSection(playground, S, commit) {
  const T = S.learn;
  const el = h('section', { className: 'step learn', dataset: { section: 'learn' }, 'aria-labelledby': 'step-learn' });
  let trainer = null;
  let start = null; // the config before training, for Reset
  let startPreset = null; // the example it came from, for its second sentence
  let losses = [];
  let running = false;
  let target = 0;
  let fitTarget = null;
  let seed = 7;

  const task = h('select', { id: 'learn-task' }, h('option', { value: 'attend' }, T.taskAttend), h('option', { value: 'fit' }, T.taskFit));
  const head = h('select', { id: 'learn-head' });
  const query = h('select', { id: 'learn-query' });
  const key = h('select', { id: 'learn-key' });
  const optimizer = h('select', { id: 'learn-optimizer' }, h('option', { value: 'adam' }, 'Adam'), h('option', { value: 'sgd' }, T.sgd));
  const lr = h('input', { id: 'learn-lr', type: 'text', inputmode: 'decimal', value: '0.05', size: 5 });
  const steps = h('input', { id: 'learn-steps', type: 'number', min: 1, max: 5000, value: 150 });
  const trainButton = h('button', { type: 'button', id: 'learn-train' }, T.train);
  const pauseButton = h('button', { type: 'button', id: 'learn-pause', disabled: true }, T.pause);
  const stepButton = h('button', { type: 'button', id: 'learn-step' }, T.step);
  const resetButton = h('button', { type: 'button', id: 'learn-reset', disabled: true }, T.reset);
  const newSentence = h('button', { type: 'button', id: 'learn-new-sentence' }, T.newSentence);
  const status = h('p', { className: 'learn-status', role: 'status' });
  const curve = h('div', { className: 'learn-curve' });
  const note = h('p', { className: 'note', hidden: true });
  // Trained cells (class 'changed', drawn in violet: unlike the selection's blue, yellow and
  // green) are explained while there is a baseline to differ from.
  const legend = h('p', { className: 'learn-legend', hidden: true }, h('span', { className: 'swatch changed', 'aria-hidden': 'true' }), T.changedLegend);
  const setBaseline = (config) => {
    playground.setBaseline(config);
    legend.hidden = !config;
  };
  const attendRow = h('div', { className: 'learn-row' },
    h('label', { for: 'learn-head' }, T.head), head, h('label', { for: 'learn-query' }, T.query), query,
    h('label', { for: 'learn-key' }, T.key), key, h('span', { className: 'hint' }, T.pickHint));
  const fitRow = h('div', { className: 'learn-row', hidden: true });

  const taskSpec = () => (task.value === 'attend'
    ? { kind: 'attend', head: Number(head.value), row: Number(query.value), col: Number(key.value) }
    : { kind: 'fit', target: fitTarget });

  let shownTarget = null; // the target whose table fitRow shows
  const refreshChoices = () => {
    const cfg = playground.state.config;
    const tokens = cfg.tokens ?? cfg.x.map((_, i) => `t${i + 1}`);
    const keys = cfg.context ? (cfg.contextTokens ?? cfg.context.map((_, i) => `c${i + 1}`)) : tokens;
    // Rebuilt only when the labels change: an edit of a number leaves 2 × n options alone.
    const fill = (select, labels, keep) => {
      if (select.options.length === labels.length && labels.every((label, i) => select.options[i].text === label)) return;
      const old = keep ? select.value : null;
      select.replaceChildren(...labels.map((label, i) => h('option', { value: i }, label)));
      if (old !== null && old !== '' && Number(old) < labels.length) select.value = old;
    };
    fill(head, Array.from({ length: cfg.heads ?? 1 }, (_, i) => S.head(i)), true);
    fill(query, tokens, true);
    fill(key, keys, true);
    const z = { n: cfg.x.length, out: cfg.wo ? cfg.wo[0].length : playground.trace.final.cols };
    if (!fitTarget || fitTarget.length !== z.n || fitTarget[0].length !== z.out) fitTarget = randomMatrix(z.n, z.out, seed);
    // The target's table is built only while the "fit" task is chosen, and again only when
    // the target changes: an edit elsewhere must not rebuild n × d cells nobody sees.
    if (fitRow.hidden || shownTarget === fitTarget) return;
    shownTarget = fitTarget;
    fitRow.replaceChildren(
      h('span', null, T.target),
      h('table', { className: 'stats target' }, h('caption', null, T.targetCaption),
        h('tbody', null, fitTarget.map((row) => h('tr', null, row.map((v) => h('td', null, fmt(v, 2))))))),
      h('button', { type: 'button', onclick: () => { seed += 1; fitTarget = randomMatrix(z.n, z.out, seed); forget(); refreshChoices(); } }, T.newTarget));
  };

  // Any change of task or settings starts a new run from the weights shown now.
  const forget = () => {
    trainer = null;
    losses = [];
    curve.replaceChildren();
    status.textContent = '';
  };
  for (const control of [task, head, query, key, optimizer, lr]) control.addEventListener('change', forget);
  task.addEventListener('change', () => {
    attendRow.hidden = task.value !== 'attend';
    fitRow.hidden = task.value !== 'fit';
    refreshChoices();
  });

  const ensureTrainer = () => {
    if (trainer) return true;
    const rate = Number(lr.value);
    if (!(rate > 0 && rate < 100)) {
      status.textContent = T.badRate;
      lr.setAttribute('aria-invalid', 'true');
      return false;
    }
    lr.removeAttribute('aria-invalid');
    if (!start) {
      start = structuredClone(playground.state.config);
      startPreset = playground.state.preset;
      setBaseline(start);
      resetButton.disabled = false;
    }
    trainer = makeTrainer(playground.engine, playground.state.config, taskSpec(), { optimizer: optimizer.value, lr: rate });
    losses = [lossOf(playground.trace, taskSpec()).loss];
    return true;
  };

  const show = () => {
    // The one forward pass of this frame for the page; the loss is read off its trace.
    playground.setState({ ...playground.state, config: trainer.config, preset: null });
    const now = lossOf(playground.trace, taskSpec());
    const t = taskSpec();
    status.textContent = t.kind === 'attend'
      ? T.statusAttend(trainer.steps, num(now.loss, 4), query.selectedOptions[0]?.textContent ?? '', key.selectedOptions[0]?.textContent ?? '', num(now.weight, 3))
      : T.statusFit(trainer.steps, num(now.loss, 5));
    curve.replaceChildren(lossCurve(losses, T.curve));
  };

  const stop = () => {
    running = false;
    trainButton.disabled = false;
    pauseButton.disabled = true;
    commit(playground.state);
  };

  const frame = () => {
    if (!running) return;
    for (let i = 0; i < STEPS_PER_FRAME && trainer.steps < target; i++) losses.push(trainer.step().loss);
    show();
    if (trainer.steps >= target) stop();
    else requestAnimationFrame(frame);
  };

  trainButton.addEventListener('click', () => {
    if (!ensureTrainer()) return;
    target = trainer.steps + Math.max(1, Math.min(5000, Number.parseInt(steps.value, 10) || 150));
    running = true;
    trainButton.disabled = true;
    pauseButton.disabled = false;
    note.hidden = true;
    requestAnimationFrame(frame);
  });
  pauseButton.addEventListener('click', stop);
  stepButton.addEventListener('click', () => {
    if (running || !ensureTrainer()) return;
    losses.push(trainer.step().loss);
    show();
    commit(playground.state);
  });
  resetButton.addEventListener('click', () => {
    running = false;
    trainButton.disabled = false;
    pauseButton.disabled = true;
    if (start) playground.setState({ ...playground.state, config: start, preset: null });
    setBaseline(null);
    start = null;
    resetButton.disabled = true;
    note.hidden = true;
    forget();
    commit(playground.state);
  });
  newSentence.addEventListener('click', () => {
    running = false;
    const cfg = playground.state.config;
    const known = NEW_SENTENCES[playground.state.preset] ?? NEW_SENTENCES[startPreset];
    const fresh = known && known.x.length === cfg.x.length && known.x[0].length === cfg.x[0].length
      ? known : { x: randomMatrix(cfg.x.length, cfg.x[0].length, (seed += 1)), tokens: cfg.tokens };
    playground.setState({ ...playground.state, config: { ...cfg, x: fresh.x, tokens: fresh.tokens }, preset: null });
    note.hidden = false;
    note.textContent = T.newSentenceNote;
    forget();
    commit(playground.state);
  });

  playground.options.onPickWeight = (h0, r, c) => {
    task.value = 'attend';
    task.dispatchEvent(new Event('change'));
    head.value = String(h0);
    query.value = String(r);
    key.value = String(c);
    forget();
    status.textContent = T.picked(query.selectedOptions[0]?.textContent ?? '', key.selectedOptions[0]?.textContent ?? '');
  };

  el.append(
    h('h2', { id: 'step-learn' }, T.title),
    h('p', { className: 'explanation' }, T.text),
    h('div', { className: 'blocks' },
      h('div', { className: 'learn-controls' },
        h('div', { className: 'learn-row' }, h('label', { for: 'learn-task' }, T.task), task),
        attendRow, fitRow,
        h('div', { className: 'learn-row' },
          h('label', { for: 'learn-optimizer' }, T.optimizer), optimizer,
          h('label', { for: 'learn-lr' }, T.rate), lr,
          h('label', { for: 'learn-steps' }, T.steps), steps),
        h('div', { className: 'learn-row' }, trainButton, pauseButton, stepButton, resetButton, newSentence),
        status, legend, note),
      curve));
  // A new example starts over: no run, no baseline; "it" -> "animal" where both exist.
  const presetChanged = () => {
    running = false;
    trainButton.disabled = false;
    pauseButton.disabled = true;
    start = null;
    startPreset = null;
    resetButton.disabled = true;
    note.hidden = true;
    setBaseline(null);
    forget();
    refreshChoices();
    const tokens = playground.state.config.tokens ?? [];
    if (tokens.includes('it') && tokens.includes('animal')) {
      query.value = String(tokens.indexOf('it'));
      key.value = String(tokens.indexOf('animal'));
    }
  };
  presetChanged();
  return { el, refresh: refreshChoices, presetChanged };
}
