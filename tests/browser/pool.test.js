// engine.createPool() in Chromium, under the page's strict CSP and without cross-origin
// isolation (no SharedArrayBuffer): Web Workers split the rows and the result equals one
// thread's bit for bit; a worker script that cannot load falls back to one thread and says
// so; the Cost section times the reader's example on one core and on all of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => env?.close());

test('Web Workers: all cores equal one core bit for bit; a worker that cannot start falls back', async () => {
  const { page, problems } = await openPage(env, '#preset=two-words');
  await page.waitForSelector('[data-step="final"] td', { state: 'attached' });
  const result = await page.evaluate(async () => {
    const { loadEngine } = await import('/engine.js');
    const engine = await loadEngine();
    const random = (count, seed) => {
      let s = seed >>> 0;
      return Float32Array.from({ length: count }, () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32 * 2 - 1;
      });
    };
    const out = { isolated: globalThis.crossOriginIsolated, sab: typeof SharedArrayBuffer, build: engine.build, cases: [] };
    const pool = await engine.createPool({ workers: 3 });
    out.threads = pool.threads;
    out.poolBuild = pool.build;
    for (const [n, m, d, causal] of [[1, 1, 4, false], [101, 77, 16, false], [257, 257, 64, true]]) {
      const q = random(n * d, n);
      const k = random(m * d, m + 1);
      const v = random(m * d, m + 2);
      const opts = { n, m, dk: d, dv: d, causal };
      const one = engine.attention(q, k, v, opts);
      const all = await pool.attention(q, k, v, opts);
      out.cases.push({ n, causal, threads: all.threads, warning: all.warning, same: all.data.length === one.length && all.data.every((x, i) => x === one[i]) });
    }
    pool.close();
    const broken = await engine.createPool({ workers: 2, workerUrl: './no-such-worker.js', startTimeout: 5000 });
    const q = random(40 * 8, 1);
    const fallback = await broken.attention(q, q, q, { n: 40, m: 40, dk: 8, dv: 8 });
    out.broken = { threads: broken.threads, warning: fallback.warning, same: fallback.data.every((x, i) => x === engine.attention(q, q, q, { n: 40, m: 40, dk: 8, dv: 8 })[i]) };
    return out;
  });
  assert.equal(result.isolated, false, 'the page is not cross-origin isolated');
  // Chromium runs relaxed SIMD: the workers must load the relaxed .wasm too, or rows would differ
  assert.equal(result.build, 'relaxed');
  assert.equal(result.poolBuild, 'relaxed');
  assert.equal(result.threads, 3);
  for (const c of result.cases) {
    assert.ok(c.same, `n=${c.n} causal=${c.causal}: equal bit for bit`);
    assert.equal(c.warning, null);
  }
  assert.equal(result.cases[2].threads, 3);
  assert.equal(result.broken.threads, 0);
  assert.match(result.broken.warning, /no worker could start.*one thread/);
  assert.ok(result.broken.same);
  // the missing worker script is the one request allowed to fail here
  assert.deepEqual(problems.filter((p) => !p.includes('no-such-worker')), []);
  await page.close();
});

test('the Cost section times the reader\'s example on one core and on all cores', async () => {
  const { page, problems } = await openPage(env, '#preset=it-animal');
  await page.waitForSelector('[data-step="final"] td', { state: 'attached' });
  const wasm = [];
  page.on('request', (request) => { if (request.url().endsWith('.wasm')) wasm.push(request.url()); });
  await page.getByRole('button', { name: 'Time one core vs all cores' }).click();
  await page.waitForSelector('table.cost-cores:not([hidden]) tbody tr:nth-child(2)', { timeout: 60000 });
  const rows = await page.$$eval('table.cost-cores tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows[0][0], 'one core');
  assert.match(rows[1][0], /^all cores \(\d+\)$/);
  for (const row of rows) assert.ok(Number(row[1]) > 0 && Number(row[2]) > 0, row.join(' | '));
  assert.match(await page.$eval('.cost-cores-status', (el) => el.textContent), /^Done: n = 11, m = 11, d_k = 4, 1 head, no mask\./);
  // the pools run the fastest build Chromium has, as the Cost worker does (each worker says
  // which build it loaded, and the pool leaves out one that differs), and the status says so
  assert.match(await page.$eval('.cost-cores-status', (el) => el.textContent), /Measured with the engine’s relaxed-SIMD \(multiply-adds fused where the CPU can\) build\./);
  assert.ok(wasm.some((u) => u.endsWith('/core/attention-core-relaxed.wasm')), wasm.join(' '));
  assert.deepEqual(problems, []);
  await page.close();
});
