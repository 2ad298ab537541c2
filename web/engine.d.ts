// Types of the engine's public API (web/engine.js).

/** The step ids shared by C++, JS, the DOM and the docs, in pipeline order. */
export declare const STEP_IDS: readonly [
  'x', 'pe', 'encoded', 'context', 'contextPe', 'contextEncoded',
  'q', 'k', 'v', 'scores', 'scaled', 'masked', 'weights', 'output', 'concat', 'final',
];
export type StepId = (typeof STEP_IDS)[number];

/** The engine's input: plain JSON, the same object a share link carries. */
export interface AttentionConfig {
  /** n × d_model input rows. */
  x: number[][];
  /** One label per row of x. */
  tokens?: string[];
  /** m × d_model rows to attend to (cross-attention); absent means self-attention. */
  context?: number[][];
  contextTokens?: string[];
  /** Number of heads; default 1. */
  heads?: number;
  /** d_model × (heads·d_k). */
  wq: number[][];
  /** d_model × (heads·d_k). */
  wk: number[][];
  /** d_model × (heads·d_v). */
  wv: number[][];
  /** (heads·d_v) × d_out; absent means final = concat. */
  wo?: number[][];
  /** Factor applied to the scores: 1/√d_k (default), 1, or a given number. */
  scale?: 'sqrt_dk' | 'none' | number;
  /** none (default), causal, or an n × m matrix of 1 (keep) / 0 (block). */
  mask?: 'none' | 'causal' | number[][];
  positional?: 'none' | 'sinusoidal' | 'rope';
  score?: 'dot' | 'additive';
  /** d_k weights of the additive score; default all ones. */
  va?: number[];
}

/** A row-major float32 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export interface HeadTrace {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  scores: Matrix;
  scaled: Matrix;
  /** Blocked entries are -Infinity. */
  masked: Matrix;
  /** Row softmax of masked; an all-blocked row is all zeros. */
  weights: Matrix;
  output: Matrix;
  /** Max of each masked row (-Infinity when the row is all blocked). */
  rowMax: Float32Array;
  /** Sum of exp(masked - rowMax) of each row (0 when all blocked). */
  rowSum: Float32Array;
}

export interface TraceWarning {
  code: 'all_blocked';
  head: number;
  row: number;
  message: string;
}

export interface Trace {
  /** The input as given. */
  x: Matrix;
  /** The sinusoidal encoding added to x, or null. */
  pe: Matrix | null;
  /** x + pe, what the projections read; null without sinusoidal encoding. */
  encoded: Matrix | null;
  /** The context as given, or null for self-attention. */
  context: Matrix | null;
  contextPe: Matrix | null;
  /** context + contextPe, or null. */
  contextEncoded: Matrix | null;
  /** All heads side by side; q and k after RoPE when it is on. */
  q: Matrix;
  k: Matrix;
  v: Matrix;
  heads: HeadTrace[];
  concat: Matrix;
  /** concat · W_O, or concat when there is no W_O. */
  final: Matrix;
  /** The factor the scores were multiplied by. */
  scale: number;
  dk: number;
  dv: number;
  tokens: string[] | null;
  contextTokens: string[] | null;
  warnings: TraceWarning[];
}

export type AttentionErrorCode = 'bad_config' | 'shape_mismatch' | 'non_finite' | 'too_large';

export declare class AttentionError extends Error {
  name: 'AttentionError';
  code: AttentionErrorCode;
  /** The config field at fault ("x", "wq", "mask", …; "config" for the whole object). */
  field: string;
}

/** Bounds of one limit profile. */
export interface ProfileLimits {
  /** Bound on any dimension of any matrix. */
  maxDim: number;
  /** Bound on n and m. */
  maxTokens: number;
  /** Bound on d_model and d_out. */
  maxDModel: number;
  /** Bound on d_k and d_v. */
  maxHeadWidth: number;
  maxHeads: number;
  /** Bound on heads · n · m. */
  maxHeadCells: number;
  /** Bound on a token label's length, in characters (code points). */
  maxLabelLength: number;
}

/** The engine's limits (what run accepts), the fast path's, and the page's. */
export interface Limits extends ProfileLimits {
  /** What the page, the widget, share links and stored state show: run(config, { limits: 'page' }). */
  page: ProfileLimits;
  /** attention(): bound on n and m. */
  maxRows: number;
  /** attention(): bound on dk and dv. */
  maxWidth: number;
  /** attention(): bound on the bytes of inputs, output and workspace. */
  maxBytes: number;
  /** tiles(): bounds on the query rows and the keys of a block. */
  maxBlockRows: number;
  maxBlockCols: number;
}

export interface RunOptions {
  /** 'page' checks against limits.page; default 'engine'. */
  limits?: 'engine' | 'page';
}

/** Gradients with respect to every input the config has; absent keys for absent inputs. */
export interface Gradients {
  x: Matrix; context?: Matrix; wq: Matrix; wk: Matrix; wv: Matrix; wo?: Matrix; va?: Float32Array;
}

export interface Engine {
  readonly version: string;
  /** True when a WebAssembly SIMD build (plain or relaxed) is running. */
  readonly simd: boolean;
  /** True when the relaxed build is running: the fused kernel multiply-adds with f32x4.relaxed_madd. */
  readonly relaxed: boolean;
  /** Which build is running. */
  readonly build: 'relaxed' | 'simd' | 'scalar';
  /** Floats per SIMD batch in the running build. */
  readonly batchWidth: number;
  readonly limits: Limits;
  /**
   * Computes every step. Throws AttentionError on a bad config; keeps working after.
   * { limits: 'page' } checks the config against limits.page instead of the engine's.
   */
  run(config: AttentionConfig, options?: RunOptions): Trace;
  /**
   * One forward and one backward pass: seedOf gets the forward trace and returns the loss's
   * seeds; returns the trace, what seedOf returned, and the gradients.
   */
  gradients<Seeds extends { dFinal: number[][] | Matrix; dWeights?: Array<number[][] | Matrix> | null }>(
    config: AttentionConfig, seedOf: (trace: Trace) => Seeds, options?: RunOptions,
  ): { trace: Trace; seeds: Seeds; grads: Gradients };
  /** Forward passes run so far in this engine (a training step costs one). */
  forwardPasses(): number;
  /** The core's step table, in order. */
  steps(): Array<{ id: StepId; perHead: boolean }>;
  /**
   * Gradients through run(): dFinal is dL/d(final) (n × d_out); options.dWeights, one
   * n × m matrix per head, adds dL/d(weights) for losses on the attention weights.
   * Keys for inputs the config does not have are absent. Throws AttentionError.
   */
  backward(config: AttentionConfig, dFinal: number[][] | Matrix, options?: RunOptions & { dWeights?: Array<number[][] | Matrix> }): Gradients;
  /**
   * The fused fast path: softmax(scale · q kᵀ [causal]) v without ever holding an n × m
   * matrix. q is n × dk, k is m × dk, v is m × dv (row-major); returns n × dv.
   * scale defaults to 1/√dk. Throws AttentionError like run().
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, options: {
    n: number; m: number; dk: number; dv: number; causal?: boolean; scale?: number;
  }): Float32Array;
  /**
   * The tiny transformer's forward pass, for web/model.js (use loadModel() from
   * 'attention-playground/model' instead): one trace per layer, the readout's probability
   * per token, its choice and the last layer's strongest attention of the pronoun row.
   */
  modelForward(weights: ModelWeights, tokens: number[], pronoun: number): {
    layers: Trace[]; output: Matrix; pointer: Float32Array; readout: number; attention: number;
  };
  /**
   * Training the tiny transformer in this module, one training at a time (for a page's
   * worker; use loadTrainer() from 'attention-playground/model' instead).
   */
  readonly modelTraining: {
    start(shape: ModelWeights['shape'], examples: Array<{ tokens: number[]; pronoun: number; referent: number }>,
      options?: { seed?: number; batch?: number; learningRate?: number; attentionWeight?: number }): number;
    run(steps: number): { loss: number; steps: number };
    weights(): ModelWeights;
    stop(): void;
  };
  attention(q: Float32Array, k: Float32Array, v: Float32Array, options: FastOptions): Float32Array;
  /**
   * The fused kernel's own algorithm (the same C++ template as attention()) run with small
   * blocks, every step kept: for each query block against each key block it visits, in the
   * kernel's order, the tile's scores, the running max before and after, the rescale factor
   * exp(m_old − m_new), the running sum ℓ, the probabilities and the partial output; then
   * O = acc / ℓ. `input` is a config (its head options.head, default 0; dot scores only) or
   * the fast path's arguments. Blocks: 1…limits.maxBlockRows rows, 1…limits.maxBlockCols keys
   * (default 2 × 2). Throws AttentionError.
   */
  tiles(input: AttentionConfig | (FastOptions & { q: Float32Array; k: Float32Array; v: Float32Array }),
    options?: RunOptions & { blockRows?: number; blockCols?: number; head?: number }): TileTrace;
  /**
   * Every core: a pool of Web Workers (browsers) or worker_threads (Node), each loading its
   * own engine, that split attention()'s query rows between them (a causal mask by each
   * slice's first row, a custom mask by rows). Only postMessage with transferred buffers, no
   * SharedArrayBuffer: no cross-origin isolation needed. Results equal attention()'s bit for
   * bit. Workers that cannot start are left out; with none the pool runs on this thread and
   * says so in `warning`.
   */
  createPool(options?: PoolOptions): Promise<AttentionPool>;
  /** Wasm heap: bytes reserved, and bytes held by live allocations. */
  memory(): { reserved: number; inUse: number };
}

/** The tiny transformer's parameters (docs/model.md), as web/model.js hands them over. */
export interface ModelWeights {
  shape: { vocabulary: number; maxTokens: number; dModel: number; heads: number; layers: number };
  embedding: Matrix;
  position: Matrix;
  layers: Array<{ wq: Matrix; wk: Matrix; wv: Matrix; wo: Matrix }>;
  readout: Matrix;
/** The fast path's sizes and options. */
export interface FastOptions {
  n: number; m: number; dk: number; dv: number;
  causal?: boolean;
  /** Default 1/√dk. */
  scale?: number;
  /** n × m keep flags, row-major: 0 blocks key j for query row i. */
  mask?: Uint8Array;
  /** These rows are rows firstRow… of a larger problem: a causal mask counts from there. */
  firstRow?: number;
}

/** One step of the tiled kernel: query rows row0…row0+rows−1 against keys col0…col0+cols−1. */
export interface TileStep {
  row0: number; rows: number; col0: number; cols: number;
  /** rows × cols: scale · q·k as the kernel computes it (q scaled first); −Infinity where blocked. */
  scores: Float32Array;
  /** Per row: the running max before and after this block (−Infinity while nothing was visible). */
  mOld: Float32Array; mNew: Float32Array;
  /** Per row: exp(mOld − mNew), what the earlier sum and output are multiplied by. */
  rescale: Float32Array;
  /** rows × cols: exp(score − mNew), 0 where blocked. */
  p: Float32Array;
  /** Per row: the running sum ℓ after this block. */
  sum: Float32Array;
  /** rows × dv: the unnormalised output after this block, rescale · acc_old + p · V_block. */
  acc: Float32Array;
}

export interface TileTrace {
  blockRows: number; blockCols: number;
  n: number; m: number; dk: number; dv: number; scale: number; causal: boolean;
  /** The keep flags used, or null. */
  mask: Uint8Array | null;
  /** The head's q, k, v (from a config: after RoPE). */
  q: Matrix; k: Matrix; v: Matrix;
  steps: TileStep[];
  /** n × dv: O = acc / ℓ (a row with no visible key is zero). */
  out: Matrix;
  /** Per row: the final ℓ. */
  sum: Float32Array;
  /** From a config: the head shown, and the labels; null otherwise. */
  head: number | null; tokens: string[] | null; contextTokens: string[] | null;
}

export interface PoolOptions {
  /** Workers to start; default: the machine's cores (navigator.hardwareConcurrency, os.availableParallelism()). */
  workers?: number;
  /** Makes worker `index`: a Web Worker or a worker_threads Worker running attention-worker.js. */
  createWorker?: (index: number) => unknown;
  /** The worker script; default: attention-worker.js next to engine.js. */
  workerUrl?: string | URL;
  /** Milliseconds a worker may take to load its engine before it counts as failed; default 20000. */
  startTimeout?: number;
}

export interface AttentionPool {
  /** Workers running (0: everything runs on the calling thread). */
  readonly threads: number;
  /** Why fewer workers run than were asked for, or null. */
  readonly warning: string | null;
  /** The WebAssembly build every worker runs: the engine's (a worker that loads another is left out). */
  readonly build: 'relaxed' | 'simd' | 'scalar';
  /** attention() split by rows across the workers; threads = slices run, warning as above. */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, options: FastOptions):
    Promise<{ data: Float32Array; threads: number; warning: string | null }>;
  /** Stops the workers. */
  close(): void;
}

export interface LoadOptions {
  /** Force a SIMD (true) or the scalar (false) build; default: SIMD where supported. */
  simd?: boolean;
  /**
   * Force the relaxed (true) or the plain SIMD (false) build; default: relaxed where the
   * runtime supports relaxed SIMD, unless wasmUrl or wasmBinary is given (then false).
   * Fused vs separate multiply-adds: its results may differ from the SIMD build's in the
   * last bits, and from one CPU to another.
   */
  relaxed?: boolean;
  /** Where the build's .wasm is; default: next to engine.js. */
  wasmUrl?: string | URL;
  /** The module's bytes, when you have them already. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

export declare function loadEngine(options?: LoadOptions): Promise<Engine>;
/** True when this runtime supports WebAssembly SIMD. */
export declare function simdSupported(): boolean;
/** True when this runtime supports WebAssembly relaxed SIMD (Chrome 114+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd). */
export declare function relaxedSupported(): boolean;
