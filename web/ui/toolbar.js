// The bar above the playground: the view (flow / article), the head, the walk through the
// computation (Back / Play / Step), undo and redo, and the sizes-and-options toggle; then
// the selection bar that explains the chosen cell, and the example's story. Sticky, so
// the controls stay in reach while the steps scroll.
import { h } from './dom.js';

// What each bar last drew, to skip drawing the same again: every render of the page (each
// edit) asks for the bars, and new buttons would be restyled, laid out and repainted, and
// would take the keyboard focus away from the one a reader is on. The actions are the
// playground's methods, the same on every render, so the model and the language say all.
const drawn = new WeakMap(); // element -> { key, S }
function unchanged(el, model, S) {
  const key = JSON.stringify(model ?? null);
  const last = drawn.get(el);
  if (last && last.key === key && last.S === S) return true;
  drawn.set(el, { key, S });
  return false;
}

/**
 * model: { view, heads, head, allHeads, playing, stage: { index, count } | null, canUndo, canRedo,
 *          settingsOpen, story: { text, ask?: { choices: string[], result? } } | null,
 *          selection: { title, lines } | null, sentence }
 * actions: { view(v), head(h), back(), play(), step(), undo(), redo(), settings(), writeOut?(), guess(i), skip() }
 */
export function renderToolbar(bar, model, S, actions) {
  if (unchanged(bar, { model, writeOut: Boolean(actions.writeOut) }, S)) return;
  const F = S.flow;
  const button = (label, onclick, props = {}) => h('button', { type: 'button', onclick, ...props }, label);
  const tabs = (label, items, current, pick, name) => h('div', { className: 'tabs', role: 'group', 'aria-label': label },
    items.map(([value, text]) => button(text, () => pick(value), { 'aria-pressed': String(value === current), dataset: { [name]: value } })));

  const row = [
    tabs(F.viewsLabel, Object.entries(F.views), model.view, actions.view, 'viewTab'),
    model.heads > 1
      ? tabs(F.headsLabel, [...Array.from({ length: model.heads }, (_, i) => [i, S.head(i)]), ['all', F.allHeads]],
          model.allHeads ? 'all' : model.head, actions.head, 'headTab')
      : null,
    model.view === 'flow' ? h('div', { className: 'walk', role: 'group', 'aria-label': F.walk },
      button('◀', actions.back, { 'aria-label': F.back, title: F.back, disabled: !model.stage || model.stage.index <= 0 }),
      button(model.playing ? '❚❚' : '▶', actions.play, { 'aria-label': model.playing ? F.pause : F.play, title: model.playing ? F.pause : F.play, 'aria-pressed': String(model.playing) }),
      button('▶|', actions.step, { 'aria-label': F.step, title: F.step, disabled: Boolean(model.stage) && model.stage.index >= model.stage.count - 1 }),
      model.stage && model.stage.index >= 0 ? h('span', { className: 'stage-count' }, F.stageOf(model.stage.index, model.stage.count)) : null) : null,
    h('div', { className: 'history', role: 'group', 'aria-label': `${F.undo} / ${F.redo}` },
      button('↶', actions.undo, { 'aria-label': F.undo, title: `${F.undo} (Ctrl+Z)`, disabled: !model.canUndo }),
      button('↷', actions.redo, { 'aria-label': F.redo, title: `${F.redo} (Ctrl+⇧+Z, Ctrl+Y)`, disabled: !model.canRedo })),
    model.showSettings ? button(F.settings, actions.settings, { className: 'settings-toggle', 'aria-expanded': String(model.settingsOpen) }) : null,
    // For authors: the example as an article section or a script. On a phone only its icon,
    // so the sticky bar keeps its height.
    actions.writeOut ? h('button', { type: 'button', id: 'write-out', className: 'write-out', 'aria-label': S.writeOut.button, title: S.writeOut.title, onclick: actions.writeOut },
      h('span', { className: 'icon', 'aria-hidden': 'true' }, '✎'), h('span', { className: 'label' }, S.writeOut.button)) : null,
  ];
  bar.replaceChildren(h('div', { className: 'toolbar-row' }, row));
}

/** The selection bar: the walk's sentence, the chosen cell and its arithmetic. */
export function renderSelection(el, model, S) {
  if (unchanged(el, model, S)) return;
  const lines = [];
  if (model.sentence) lines.push(h('p', { className: 'stage-sentence' }, model.sentence));
  if (model.selection) {
    lines.push(h('p', { className: 'selection-title' }, model.selection.title));
    lines.push(...model.selection.lines.map((line) => h('p', { className: 'selection-line' }, line)));
  } else {
    lines.push(h('p', { className: 'selection-hint' }, S.flow.nothingSelected));
  }
  el.replaceChildren(...lines);
}

/** The example's story: its caption, and the question to answer before the answer shows. */
export function renderStory(el, model, S, actions) {
  if (unchanged(el, model, S)) return;
  if (!model) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  const parts = [h('p', { className: 'story-text' }, model.text)];
  if (model.ask) {
    const { choices, result } = model.ask;
    if (result) {
      parts.push(h('p', { className: `story-result ${result.right ? 'right' : 'wrong'}`, role: 'status' }, result.text));
    } else {
      parts.push(h('div', { className: 'story-ask', role: 'group', 'aria-label': S.flow.predictAsk },
        h('span', null, S.flow.predictAsk),
        choices.map((token, i) => h('button', { type: 'button', className: 'guess', dataset: { guess: i }, onclick: () => actions.guess(i) }, token)),
        h('button', { type: 'button', className: 'skip', onclick: actions.skip }, S.flow.predictSkip)));
    }
  }
  el.replaceChildren(...parts);
}
