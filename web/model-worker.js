// The "Attention that learned" section's worker: trains the tiny transformer from scratch
// (loadTrainer() of model.js, inside this worker's own wasm module) so the page never
// freezes, and measures the new weights on the held-out set at the end.
// Messages in: { type: 'start', epochs, chunk }, { type: 'pause' }, { type: 'resume' }.
// Out: { type: 'ready', stepsPerEpoch, examples }, { type: 'progress', steps, total, epoch,
// loss } (loss: the mean of the last chunk of batches), { type: 'done', weights, accuracy,
// seconds }, { type: 'error', message }.
import { loadTrainer } from './model.js';
import { measureHeldout } from './lib/model-view.js';

let paused = false;
let wake = null;

self.onmessage = ({ data }) => {
  if (data.type === 'start') {
    train(data).catch((err) => self.postMessage({ type: 'error', message: err.message ?? String(err) }));
  } else if (data.type === 'pause') {
    paused = true;
  } else if (data.type === 'resume') {
    paused = false;
    wake?.();
  }
};

// Lets the messages in between chunks (pause arrives this way), and waits while paused;
// returns the milliseconds spent paused.
async function breathe() {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const t0 = performance.now();
  while (paused) await new Promise((resolve) => { wake = resolve; });
  wake = null;
  return performance.now() - t0;
}

async function train({ epochs = 6, chunk = 10 }) {
  const heldoutPromise = fetch(new URL('./data/pronouns-heldout.json', import.meta.url)).then((r) => {
    if (!r.ok) throw new Error(`could not load the held-out set (HTTP ${r.status})`);
    return r.json();
  });
  const trainer = await loadTrainer({ relaxed: false }); // the page's build, already in the cache
  const total = epochs * trainer.stepsPerEpoch;
  self.postMessage({ type: 'ready', stepsPerEpoch: trainer.stepsPerEpoch, examples: trainer.examples, total });
  const started = performance.now();
  let pausedFor = 0;
  let steps = 0;
  while (steps < total) {
    const n = Math.min(chunk, total - steps);
    const { loss, epoch } = trainer.run(n);
    steps += n;
    self.postMessage({ type: 'progress', steps, total, epoch, loss });
    pausedFor += await breathe();
  }
  const seconds = (performance.now() - started - pausedFor) / 1000;
  const model = trainer.model();
  const accuracy = { heldout: measureHeldout(model, await heldoutPromise) };
  const weights = model.weights;
  trainer.stop();
  self.postMessage({ type: 'done', weights, accuracy, seconds, epochs });
}
