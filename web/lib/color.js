// A perceptually uniform, colour-blind-safe sequential scale (viridis), sampled at nine
// stops and interpolated linearly in sRGB, which is indistinguishable at this density.
const STOPS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** t in [0, 1] -> "rgb(r, g, b)" */
export function viridis(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const u = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  const mix = (k) => Math.round(a[k] + (b[k] - a[k]) * u);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** Text colour that stays readable on viridis(t): white on the dark end, black on the light. */
export function inkOn(t) {
  return t < 0.55 ? '#fff' : '#111';
}
