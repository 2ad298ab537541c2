// How numbers appear on screen.
//
// fmt: a number in a table (matrix cells, statistics, the heatmap). Every number of a
// table has the same `decimals` digits after the point, trailing zeros kept (5.000,
// 0.500, 0.014), so a column reads at a glance. A number is never shown as 0, 1 or −1
// when it is not exactly that: a value too small for the decimals shows its size
// (4.5e-5), one that would round to ±1 says on which side it is (<1.000, >1.000,
// >-1.000, <-1.000); both stay within 7 characters. Exact 0 and 1 are 0.000 and 1.000,
// infinities ±∞. The full value is kept in data-value.
//
// fmtPlain: the same number as a plain number a reader can copy or compute with
// (exports, the arithmetic of an explanation): where fmt would show a marker, it gets the
// digits it needs instead (0.000045, 0.99995); with trim, trailing zeros are dropped
// (5, 0.5, 0.014), as the tutorials write their arithmetic.

// The value `decimals` digits would show, when that reads as 0, 1 or −1 and is not.
function falseRound(value, decimals) {
  const rounded = Number(value.toFixed(decimals));
  return (rounded === 0 || Math.abs(rounded) === 1) && value !== rounded ? rounded : null;
}

const special = (value) => {
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (Number.isNaN(value)) return 'NaN';
  return null;
};

export function fmt(value, decimals) {
  const s = special(value);
  if (s !== null) return s;
  const rounded = falseRound(value, decimals);
  if (rounded === 0) return value.toExponential(1).replace('e+', 'e');
  if (rounded !== null) return `${value < rounded ? '<' : '>'}${rounded.toFixed(decimals)}`;
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text; // no "-0.000"
}

export function fmtPlain(value, decimals, { trim = false } = {}) {
  const s = special(value);
  if (s !== null) return s;
  const rounded = falseRound(value, decimals);
  let text;
  if (rounded === 0) {
    text = String(Number(value.toPrecision(2))); // 0.000045, or 4.5e-7 below 1e-6
  } else if (rounded !== null) {
    // The fewest digits that tell it from ±1 (float32 needs at most 9).
    let k = decimals + 1;
    while (k < 20 && Math.abs(Number(value.toFixed(k))) === 1) k++;
    text = value.toFixed(k);
  } else {
    text = value.toFixed(decimals);
    if (Number(text) === 0) text = (0).toFixed(decimals);
  }
  return trim && !text.includes('e') && text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
/** 12 -> "₁₂" */
export function sub(index) {
  return String(index).replace(/\d/g, (d) => SUBSCRIPTS[d]);
}

/** A number in a line of arithmetic: plain, trailing zeros dropped. */
export const num = (value, decimals) => fmtPlain(value, decimals, { trim: true });

/** A product term as tutorials write it: 2×4, 0.5×(−1). */
export function times(a, b, decimals) {
  const wrap = (v) => (v < 0 ? `(${num(v, decimals)})` : num(v, decimals));
  return `${wrap(a)}×${wrap(b)}`;
}

/** Terms joined with +, shortened past `limit` terms so a tooltip stays readable. */
export function sumOf(terms, more, limit = 8) {
  if (terms.length <= limit) return terms.join(' + ');
  return `${terms.slice(0, limit - 2).join(' + ')} + ${more(terms.length - (limit - 2))}`;
}
