// Draws bench/results/latest.json as docs/performance.svg: time against n on log-log axes,
// one line per implementation (solid: no mask, dashed: causal). Plain SVG text, no library.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const report = JSON.parse(readFileSync(`${root}bench/results/latest.json`, 'utf8'));
const names = Object.keys(report.results[0].results);
const colors = ['#2f5bd3', '#7aa0ff', '#9db0d8', '#d1495b', '#edae49', '#00798c'];
const W = 720;
const H = 460;
const pad = { left: 70, right: 200, top: 30, bottom: 50 };
const ns = [...new Set(report.results.map((r) => r.n))];
const times = report.results.flatMap((r) => Object.values(r.results).map((x) => x.ms));
const [xmin, xmax] = [Math.min(...ns), Math.max(...ns)];
const [ymin, ymax] = [10 ** Math.floor(Math.log10(Math.min(...times))), 10 ** Math.ceil(Math.log10(Math.max(...times)))];
const x = (n) => pad.left + ((Math.log(n) - Math.log(xmin)) / (Math.log(xmax) - Math.log(xmin))) * (W - pad.left - pad.right);
const y = (ms) => H - pad.bottom - ((Math.log(ms) - Math.log(ymin)) / (Math.log(ymax) - Math.log(ymin))) * (H - pad.top - pad.bottom);
const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');

const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="#fff"/>`,
  `<text x="${pad.left}" y="18" font-size="14" font-weight="600">Attention forward, d = ${report.d}, one thread: time (ms) against n, log-log</text>`];
for (let e = Math.log10(ymin); e <= Math.log10(ymax); e++) {
  const yy = y(10 ** e);
  parts.push(`<line x1="${pad.left}" x2="${W - pad.right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`, `<text x="${pad.left - 8}" y="${yy + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)}</text>`);
}
for (const n of ns) {
  parts.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${pad.top}" y2="${H - pad.bottom}" stroke="#f0f0f0"/>`, `<text x="${x(n)}" y="${H - pad.bottom + 18}" text-anchor="middle">${n}</text>`);
}
parts.push(`<text x="${(pad.left + W - pad.right) / 2}" y="${H - 10}" text-anchor="middle">n (= m)</text>`);
parts.push(`<text transform="translate(16 ${(H - pad.bottom + pad.top) / 2}) rotate(-90)" text-anchor="middle">milliseconds</text>`);
names.forEach((name, i) => {
  for (const causal of [false, true]) {
    const pts = report.results.filter((r) => r.causal === causal).map((r) => `${x(r.n).toFixed(1)},${y(r.results[name].ms).toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${colors[i % colors.length]}" stroke-width="2"${causal ? ' stroke-dasharray="5 4"' : ''}/>`);
  }
  const ly = pad.top + 10 + i * 22;
  parts.push(`<line x1="${W - pad.right + 14}" x2="${W - pad.right + 38}" y1="${ly}" y2="${ly}" stroke="${colors[i % colors.length]}" stroke-width="2"/>`, `<text x="${W - pad.right + 44}" y="${ly + 4}">${esc(name)}</text>`);
});
const ly = pad.top + 10 + names.length * 22 + 10;
parts.push(`<line x1="${W - pad.right + 14}" x2="${W - pad.right + 38}" y1="${ly}" y2="${ly}" stroke="#555" stroke-width="2"/><text x="${W - pad.right + 44}" y="${ly + 4}">no mask</text>`);
parts.push(`<line x1="${W - pad.right + 14}" x2="${W - pad.right + 38}" y1="${ly + 20}" y2="${ly + 20}" stroke="#555" stroke-width="2" stroke-dasharray="5 4"/><text x="${W - pad.right + 44}" y="${ly + 24}">causal</text>`);
parts.push('</svg>');
writeFileSync(`${root}docs/performance.svg`, `${parts.join('\n')}\n`);
console.log('written: docs/performance.svg');
