// One worker of engine.createPool(): a Web Worker in browsers, a worker_threads Worker in
// Node. It loads its own engine (the build and wasm its pool's engine uses), says "ready" or
// "failed", then runs the fast path on the rows it is sent and moves the result back.
// Messages in: { type: 'init', simd, relaxed, wasmUrl, wasmBinary }, { type: 'run', id, q, k, v, opts };
// out: { type: 'ready', build } | { type: 'failed', message }, { type: 'result', id, ok, data | code, field, message }.
import { loadEngine } from './engine.js';

const node = typeof WorkerGlobalScope === 'undefined';
const port = node ? (await import('node:worker_threads')).parentPort : null;
const post = (message, transfer = []) => (node ? port.postMessage(message, transfer) : self.postMessage(message, transfer));
const listen = (fn) => (node ? port.on('message', fn) : self.addEventListener('message', (event) => fn(event.data)));

let engine = null;

listen(async (message) => {
  if (message?.type === 'init') {
    try {
      engine = await loadEngine({
        simd: message.simd,
        relaxed: message.relaxed,
        ...(message.wasmBinary ? { wasmBinary: message.wasmBinary } : message.wasmUrl ? { wasmUrl: message.wasmUrl } : {}),
      });
      post({ type: 'ready', build: engine.build });
    } catch (err) {
      post({ type: 'failed', message: String(err?.message ?? err) });
    }
    return;
  }
  if (message?.type !== 'run') return;
  try {
    const data = engine.attention(message.q, message.k, message.v, message.opts);
    post({ type: 'result', id: message.id, ok: true, data }, [data.buffer]);
  } catch (err) {
    post({ type: 'result', id: message.id, ok: false, code: err.code ?? 'bad_config', field: err.field ?? '', message: String(err?.message ?? err) });
  }
});
