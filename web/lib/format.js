// How numbers appear on screen: at most `decimals` digits after the point, trailing
// zeros dropped (5, 0.5, 0.014), infinities as ±∞. The full value is kept in data-value.
export function fmt(value, decimals) {
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (Number.isNaN(value)) return 'NaN';
  const rounded = Number(value.toFixed(decimals));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
/** 12 -> "₁₂" */
export function sub(index) {
  return String(index).replace(/\d/g, (d) => SUBSCRIPTS[d]);
}

/** A product term as tutorials write it: 2×4, 0.5×(−1). */
export function times(a, b, decimals) {
  const wrap = (v) => (v < 0 ? `(${fmt(v, decimals)})` : fmt(v, decimals));
  return `${wrap(a)}×${wrap(b)}`;
}

/** Terms joined with +, shortened past `limit` terms so a tooltip stays readable. */
export function sumOf(terms, more, limit = 8) {
  if (terms.length <= limit) return terms.join(' + ');
  return `${terms.slice(0, limit - 2).join(' + ')} + ${more(terms.length - (limit - 2))}`;
}
