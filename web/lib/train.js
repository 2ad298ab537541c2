// Learning W_Q, W_K (, W_V, W_O) by gradient descent with the engine's backward pass:
// the contrast the first source article draws between weights that are *learned* and then
// fixed, and attention weights that are *computed* afresh for every input.
//   task { kind: 'attend', head, row, col }: make query `row` attend to key `col`;
//        loss = -log A[head][row][col]; trains W_Q and W_K.
//   task { kind: 'fit', target }: make the final output approach `target`;
//        loss = mean squared error; trains W_Q, W_K, W_V and W_O when present.
const clone = (m) => m.map((row) => row.slice());

export function trainedFields(config, task) {
  if (task.kind === 'attend') return ['wq', 'wk'];
  return ['wq', 'wk', 'wv', ...(config.wo ? ['wo'] : [])];
}

/** The loss and the seed gradients of a task, from a trace. */
export function lossOf(trace, task) {
  if (task.kind === 'attend') {
    const w = trace.heads[task.head].weights;
    const a = w.data[task.row * w.cols + task.col];
    // a weight of exactly 0 (a blocked key) cannot be raised; its loss is capped instead of infinite
    const safe = Math.max(a, 1e-30);
    const dWeights = trace.heads.map((h, i) => Array.from({ length: h.weights.rows }, (_, r) => Array.from({ length: h.weights.cols }, (_, c) => (i === task.head && r === task.row && c === task.col ? -1 / safe : 0))));
    const dFinal = Array.from({ length: trace.final.rows }, () => new Array(trace.final.cols).fill(0));
    return { loss: -Math.log(safe), dFinal, dWeights, weight: a };
  }
  const f = trace.final;
  const count = f.rows * f.cols;
  let loss = 0;
  const dFinal = Array.from({ length: f.rows }, (_, r) => Array.from({ length: f.cols }, (_, c) => {
    const diff = f.data[r * f.cols + c] - task.target[r][c];
    loss += (diff * diff) / count;
    return (2 * diff) / count;
  }));
  return { loss, dFinal, dWeights: null };
}

/**
 * A trainer over a config. step() is one forward and one backward pass of the engine
 * (engine.gradients) on the current config, then one update of the trained fields with
 * plain gradient descent ('sgd') or Adam; it returns { loss, weight? } of the config it
 * stepped from. To show the updated config, run it once (the page does, once per frame).
 */
export function makeTrainer(engine, config, task, { optimizer = 'adam', lr = 0.05 } = {}) {
  let current = { ...config };
  const fields = trainedFields(config, task);
  for (const f of fields) current[f] = clone(current[f]);
  const moments = Object.fromEntries(fields.map((f) => [f, { m: current[f].map((r) => r.map(() => 0)), v: current[f].map((r) => r.map(() => 0)) }]));
  let t = 0;
  return {
    get config() { return current; },
    get steps() { return t; },
    step() {
      const { seeds, grads } = engine.gradients(current, (trace) => lossOf(trace, task));
      const { loss, weight } = seeds;
      t += 1;
      const next = { ...current };
      for (const f of fields) {
        const g = grads[f];
        const mo = moments[f];
        next[f] = current[f].map((row, r) => row.map((w, c) => {
          const gi = g.data[r * g.cols + c];
          if (optimizer === 'sgd') return w - lr * gi;
          mo.m[r][c] = 0.9 * mo.m[r][c] + 0.1 * gi;
          mo.v[r][c] = 0.999 * mo.v[r][c] + 0.001 * gi * gi;
          const mHat = mo.m[r][c] / (1 - 0.9 ** t);
          const vHat = mo.v[r][c] / (1 - 0.999 ** t);
          return w - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
        }));
      }
      current = next;
      return { loss, weight };
    },
  };
}
