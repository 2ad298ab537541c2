// The controls above the steps: sizes as steppers, options as selects and checkboxes.
// Draws controlsView(...) (web/lib/view-model.js); every change goes to `actions`.
import { h } from './dom.js';

/**
 * Renders `model` into `container` unless it shows the same as last time (model.key).
 * actions: { size(key, value), decimals(value), clamped(label, limit, typed), scale(kind), scaleValue(text) -> error?,
 *            mask(kind), positional(kind), score(kind), cross(on), wo(on) }
 */
export function renderControls(container, model, S, actions, last) {
  if (last?.key === model.key) return last;
  const root = container.getRootNode();
  const focused = root.activeElement;
  const active = container.contains(focused) ? focused.id : null;

  const stepper = ({ key, label, value, min, max, even }) => {
    const input = h('input', { type: 'number', min, max, step: 1, inputmode: 'numeric', dataset: { control: key }, id: `ctl-${key}`, 'aria-label': label });
    input.value = String(value);
    const set = (v) => {
      let next = Math.min(max, Math.max(min, v));
      if (even && next % 2) next += next > value ? 1 : -1; // RoPE rotates pairs: d_k stays even
      if (next !== value) (key === 'decimals' ? actions.decimals : (n) => actions.size(key, n))(next);
      else input.value = String(value);
      // After the change (which clears old messages): the reader learns why it is not v.
      if (v > max || v < min) actions.clamped?.(label, v > max ? max : min, v);
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

  const o = model.options;
  const customScale = h('input', {
    type: 'text', inputmode: 'decimal', id: 'ctl-scale-value', dataset: { control: 'scale-value' }, 'aria-label': S.customScale,
    hidden: o.scale !== 'custom', className: 'scale-value',
  });
  customScale.value = o.scaleValue;
  customScale.addEventListener('change', () => {
    if (actions.scaleValue(customScale.value)) customScale.setAttribute('aria-invalid', 'true');
    else customScale.removeAttribute('aria-invalid');
  });
  const options = [
    h('div', { className: 'field scale-field' }, select('scale', S.scale, o.scale, S.scaleOptions, actions.scale), customScale),
    select('mask', S.mask, o.mask, S.maskOptions, actions.mask),
    select('positional', S.positional, o.positional, S.positionalOptions, actions.positional),
    select('score', S.score, o.score, S.scoreOptions, actions.score),
    check('cross', S.cross, o.cross, actions.cross),
    check('wo', S.useWo, o.wo, actions.wo),
  ];
  container.hidden = false;
  container.replaceChildren(
    h('fieldset', { className: 'sizes' }, h('legend', null, S.sizes), model.sizes.map(stepper)),
    h('fieldset', { className: 'options' }, h('legend', null, S.options), options),
    h('p', { className: 'hint' }, S.editHint));
  if (active) root.getElementById?.(active)?.focus();
  return model;
}
