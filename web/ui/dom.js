// The one way this project builds DOM: elements and text nodes, never HTML strings, so
// nothing a user, a URL or an embedding page supplies can ever become markup.
const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') el.setAttribute('class', value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** h('td', { className: 'cell', dataset: { row: 1 } }, 'text', childElement) */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** The same for SVG elements. */
export function s(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

/**
 * Sets an element's text only where it changed: the same text set again is a new text
 * node, which the browser restyles, lays out and repaints.
 */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}
