// What each example is for: a caption saying what to look at, the cell that shows it
// (selected when the example opens), and for the two stories of the source tutorials a
// question the reader answers before the weights are shown. Pure: the answer is read off
// the engine's trace, never written down here.

/** preset -> { select: { step, head?, row, col }, predict?: { row } } (caption: S.flow.stories[preset]) */
export const STORIES = {
  'two-words': { select: { step: 'weights', head: 0, row: 0, col: 1 }, predict: { row: 0 } },
  'three-tokens': { select: { step: 'weights', head: 0, row: 2, col: 2 } },
  'it-animal': { select: { step: 'weights', head: 0, row: 7, col: 1 }, predict: { row: 7 } },
  'multi-head': { select: { step: 'weights', head: 0, row: 1, col: 0 } },
  causal: { select: { step: 'masked', head: 0, row: 1, col: 3 } },
  positional: { select: { step: 'encoded', row: 1, col: 0 } },
  'learn-it-animal': { select: { step: 'weights', head: 0, row: 7, col: 1 } },
  'check-003': { select: { step: 'weights', head: 0, row: 0, col: 0 } },
};

/** The key a query row attends to most in a head: { col, weight }. */
export function strongest(trace, head, row) {
  const w = trace.heads[head].weights;
  let col = 0;
  for (let c = 1; c < w.cols; c++) if (w.data[row * w.cols + c] > w.data[row * w.cols + col]) col = c;
  return { col, weight: w.data[row * w.cols + col] };
}

/** A reader's guess judged against the trace: { right, answer, weight, guessWeight }. */
export function judge(trace, head, row, guess) {
  const { col, weight } = strongest(trace, head, row);
  const w = trace.heads[head].weights;
  return { right: guess === col, answer: col, weight, guessWeight: w.data[row * w.cols + guess] };
}
