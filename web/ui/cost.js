// The page's Cost section: how time and memory grow with n. The fused kernel (and plain
// JavaScript, up to a size) runs in a Web Worker with a progress bar and a Cancel button;
// results fill a table and a log-log plot as they arrive.
import { h, s } from './dom.js';
import { tileArgs } from '../lib/tiles.js';

const SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192];
const mib = (bytes) => (bytes / 2 ** 20 < 10 ? (bytes / 2 ** 20).toFixed(2) : (bytes / 2 ** 20).toFixed(0));

function plot(rows, S) {
  const W = 520;
  const H = 300;
  const pad = { l: 56, r: 16, t: 16, b: 40 };
  const pts = rows.flatMap((r) => [r.fused, r.plain].filter((t) => t !== null));
  if (!pts.length) return h('div');
  const [xmin, xmax] = [SIZES[0], SIZES[SIZES.length - 1]];
  const ymin = 10 ** Math.floor(Math.log10(Math.min(...pts)));
  const ymax = 10 ** Math.ceil(Math.log10(Math.max(...pts)));
  const x = (n) => pad.l + (Math.log(n / xmin) / Math.log(xmax / xmin)) * (W - pad.l - pad.r);
  const y = (t) => H - pad.b - (Math.log(t / ymin) / Math.log(ymax / ymin || 10)) * (H - pad.t - pad.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, className: 'cost-plot', role: 'img', 'aria-label': S.cost.plotLabel });
  for (let e = Math.log10(ymin); e <= Math.log10(ymax); e++) {
    svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(10 ** e), y2: y(10 ** e), className: 'grid' }),
      s('text', { x: pad.l - 6, y: y(10 ** e) + 4, 'text-anchor': 'end', className: 'axis' }, `${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)} ms`));
  }
  for (const n of SIZES) svg.append(s('text', { x: x(n), y: H - pad.b + 16, 'text-anchor': 'middle', className: 'axis' }, String(n)));
  svg.append(s('text', { x: (W + pad.l) / 2, y: H - 6, 'text-anchor': 'middle', className: 'axis' }, 'n'));
  const line = (key, cls) => {
    const p = rows.filter((r) => r[key] !== null).map((r) => `${x(r.n).toFixed(1)},${y(r[key]).toFixed(1)}`);
    if (p.length) svg.append(s('polyline', { points: p.join(' '), className: cls }));
    for (const r of rows.filter((row) => row[key] !== null)) {
      svg.append(s('circle', { cx: x(r.n), cy: y(r[key]), r: 3, className: cls }, s('title', null, `n = ${r.n}: ${r[key].toFixed(2)} ms`)));
    }
  };
  line('plain', 'series-plain');
  line('fused', 'series-fused');
  return h('figure', { className: 'cost-figure' }, svg,
    h('figcaption', null, h('span', { className: 'key key-fused' }, S.cost.fused), ' ', h('span', { className: 'key key-plain' }, S.cost.plain)));
}

// The reader's own configuration on one core and on all of them: every head through
// engine.createPool() with one worker, then with one per core (the pools are made once and
// kept). Both go through workers, so both pay the same copying; the difference is the cores.
let pools = null;

async function median(run, budgetMs) {
  await run(); // warm-up: the workers' first call compiles and grows their heaps
  const samples = [];
  const start = performance.now();
  while (samples.length < 7 && (samples.length < 3 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// The engine build a timing ran on, as the reader's language names it.
const buildName = (T, build) => T.builds[build] ?? build;

function coresBlock(S, { engine, timingEngine, current }) {
  const T = S.cost;
  const button = h('button', { type: 'button', className: 'cost-cores-run' }, T.coresRun);
  const status = h('p', { role: 'status', className: 'cost-cores-status' });
  const body = h('tbody');
  const table = h('table', { className: 'cost-table cost-cores', hidden: true },
    h('caption', null, T.coresCaption),
    h('thead', null, h('tr', null, [T.cores, T.fusedMs, T.gflops, T.speedup].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  button.addEventListener('click', async () => {
    const { config, trace } = current();
    const heads = trace.heads.map((_, i) => tileArgs(trace, config, i));
    if (heads.some((a) => a === null)) {
      status.textContent = T.coresAdditive;
      return;
    }
    button.disabled = true;
    status.textContent = T.starting;
    try {
      // The pools' workers load the build of the engine that makes them: timingEngine() (the
      // page's: the fastest build this browser runs), else the section's own engine.
      if (!pools) {
        const source = timingEngine ? await timingEngine() : engine;
        pools = await Promise.all([source.createPool({ workers: 1 }), source.createPool()]);
      }
      const { n, m, dk, dv, causal } = heads[0];
      // Work actually done: a causal run skips the keys after each query (a custom mask does not).
      let pairs = 0;
      for (let i = 0; i < n; i++) pairs += causal ? Math.min(i + 1, m) : m;
      const flops = 2 * pairs * (dk + dv) * heads.length;
      const rows = [];
      let warning = null;
      for (const pool of pools) {
        status.textContent = T.coresRunning(Math.max(1, pool.threads));
        const ms = await median(async () => {
          const results = await Promise.all(heads.map(({ q, k, v, ...opts }) => pool.attention(q, k, v, opts)));
          warning ??= results.find((r) => r.warning)?.warning ?? null;
        }, 1000);
        rows.push({ threads: Math.max(1, pool.threads), ms });
      }
      body.replaceChildren(...rows.map((r) => h('tr', null,
        h('th', { scope: 'row' }, r.threads === 1 ? T.oneCore : T.allCores(r.threads)),
        h('td', null, r.ms < 1 ? r.ms.toFixed(3) : r.ms.toFixed(2)),
        h('td', null, (flops / r.ms / 1e6).toPrecision(3)),
        h('td', null, `×${(rows[0].ms / r.ms).toFixed(2)}`))));
      table.hidden = false;
      status.textContent = [T.coresDone(n, m, dk, heads.length, causal ? T.causal : Array.isArray(config.mask) ? T.customMask : T.noMask),
        T.measuredWith(buildName(T, pools[0].build)), warning].filter(Boolean).join(' ');
    } catch (err) {
      status.textContent = T.failed(err.message ?? String(err));
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { className: 'cost-cores-block' },
    h('h3', null, T.coresTitle), h('p', { className: 'explanation' }, T.coresText), button, status, h('div', { className: 'table-scroll' }, table));
}

/**
 * S: the strings; options: { engine, current() -> { config, trace } } for the one-core /
 * all-cores timing, and optionally timingEngine() -> the engine whose build the pools run.
 */
export function costSection(S, options = null) {
  const T = S.cost;
  const maxN = h('select', { id: 'cost-n' }, SIZES.slice(2).map((n) => h('option', { value: n, selected: n === 2048 }, String(n))));
  const d = h('select', { id: 'cost-d' }, [32, 64, 128].map((v) => h('option', { value: v, selected: v === 64 }, String(v))));
  const causal = h('input', { type: 'checkbox', id: 'cost-causal' });
  const run = h('button', { type: 'button', id: 'cost-run' }, T.run);
  const cancel = h('button', { type: 'button', id: 'cost-cancel', disabled: true }, T.cancel);
  const progress = h('progress', { id: 'cost-progress', max: 1, value: 0, 'aria-label': T.progress });
  const status = h('p', { role: 'status', className: 'cost-status' });
  const body = h('tbody');
  const table = h('table', { className: 'cost-table' },
    h('caption', null, T.tableCaption),
    h('thead', null, h('tr', null, [T.n, T.fusedMs, T.gflops, T.plainMs, T.speedup, T.naiveMemory, T.fusedMemory].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  const plotBox = h('div', { className: 'cost-plot-box' });
  let worker = null;
  let rows = [];

  const stop = (message) => {
    worker?.terminate();
    worker = null;
    run.disabled = false;
    cancel.disabled = true;
    if (message) status.textContent = message;
  };

  run.addEventListener('click', () => {
    stop();
    rows = [];
    body.replaceChildren();
    plotBox.replaceChildren();
    const top = Number(maxN.value);
    const sizes = SIZES.filter((n) => n <= top);
    const dim = Number(d.value);
    run.disabled = true;
    cancel.disabled = false;
    progress.max = sizes.length;
    progress.value = 0;
    status.textContent = T.starting;
    worker = new Worker(new URL('../cost-worker.js', import.meta.url), { type: 'module' });
    worker.onerror = (e) => stop(T.failed(e.message ?? 'worker error'));
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') {
        progress.value = data.done;
        status.textContent = T.running(data.n);
      } else if (data.type === 'result') {
        rows.push(data);
        progress.value = rows.length;
        const flops = 4 * data.n * data.n * data.d;
        const naive = 4 * data.n * data.n;
        const fusedBytes = 4 * (4 * data.n * data.d) + 4 * 2 * data.n * data.d;
        body.append(h('tr', null,
          h('th', { scope: 'row' }, String(data.n)),
          h('td', null, data.fused.toFixed(2)),
          h('td', null, (flops / data.fused / 1e6).toFixed(1)),
          h('td', null, data.plain === null ? '—' : data.plain.toFixed(1)),
          h('td', null, data.plain === null ? '—' : `×${(data.plain / data.fused).toFixed(0)}`),
          h('td', null, `${mib(naive)} MiB`),
          h('td', null, `${mib(fusedBytes)} MiB`)));
        plotBox.replaceChildren(plot(rows, S));
      } else if (data.type === 'done') {
        stop(T.done(rows.length, buildName(T, rows[0]?.build ?? 'simd')));
      } else if (data.type === 'error') {
        stop(T.failed(data.message));
      }
    };
    worker.postMessage({ sizes, d: dim, causal: causal.checked, plainUpTo: 2048 });
  });
  cancel.addEventListener('click', () => stop(T.cancelled));

  return h('section', { className: 'step cost', dataset: { section: 'cost' }, 'aria-labelledby': 'step-cost' },
    h('h2', { id: 'step-cost' }, T.title),
    h('p', { className: 'explanation' }, T.text),
    h('div', { className: 'blocks' },
      h('div', { className: 'cost-controls' },
        h('label', { for: 'cost-n' }, T.upTo), maxN,
        h('label', { for: 'cost-d' }, 'd'), d,
        h('span', { className: 'check' }, causal, h('label', { for: 'cost-causal' }, T.causal)),
        run, cancel, progress),
      status, h('div', { className: 'table-scroll' }, table), plotBox,
      options?.engine?.createPool ? coresBlock(S, options) : null));
}
