// Types of the tiny transformer's API (web/model.js, docs/model.md).
import type { AttentionError, Engine, LoadOptions, Matrix, ModelWeights, Trace } from './engine.js';

export { AttentionError } from './engine.js';

/** One sentence through the model. Indices count the sentence's tokens from 0. */
export interface ModelResult {
  lang: string;
  /** The sentence's words, as the model reads them. */
  tokens: string[];
  /** Index of the pronoun ("it" / "它"; the first one when there are several). */
  pronoun: number;
  /** The readout's answer: index of the token the pronoun refers to. */
  referent: number;
  /** Index of the token the pronoun row attends to most in the last layer (mean over heads). */
  attention: number;
  /** The readout's probability of each token. */
  pointer: Float32Array;
  /**
   * Every layer's attention: each is the trace engine.run() gives for that layer's input,
   * so heads[h].weights is the n × n matrix of attention weights of head h.
   */
  layers: Array<Trace & { heads: Array<{ weights: Matrix }> }>;
}

/** The error thrown for a word the model does not know. */
export interface UnknownWordError extends AttentionError {
  /** The unknown word. */
  word: string;
  /** The known words of the language nearest to it (edit distance), nearest first. */
  nearest: string[];
}

export interface Model {
  /** Every word the model knows, English then Chinese; a token id is an index here. */
  readonly vocabulary: readonly string[];
  /** ["en", "zh"]. */
  readonly languages: readonly string[];
  /** The words of each language. */
  readonly words: Readonly<Record<string, readonly string[]>>;
  /** The pronoun of each language: { en: "it", zh: "它" }. */
  readonly pronouns: Readonly<Record<string, string>>;
  readonly shape: { vocabulary: number; maxTokens: number; dModel: number; heads: number; layers: number };
  /** How the weights were trained (seed, epochs, batch, learning rate, time). */
  readonly training: Record<string, number>;
  /** The figures npm run train:model measured: train and held-out accuracy, the wrong sentences. */
  readonly accuracy: Record<string, unknown>;
  /** The engine the model runs on. */
  readonly engine: Engine;
  /** The weights, as Float32Array matrices. */
  readonly weights: ModelWeights;
  /** A sentence as the model reads it (token ids index vocabulary); throws like run(). */
  read(sentence: string, options?: { lang?: string }): { lang: string; tokens: string[]; ids: number[]; pronoun: number };
  /**
   * Resolves the pronoun of a sentence. lang defaults to "zh" when the text holds Chinese
   * characters, "en" otherwise. Throws AttentionError (field "sentence") for text without
   * words or without the pronoun, an UnknownWordError for an unknown word, too_large for
   * more words than the model has positions.
   */
  run(sentence: string, options?: { lang?: string }): ModelResult;
}

export interface ModelLoadOptions extends LoadOptions {
  /** Another model file; default: data/pronoun-model.json next to model.js. */
  modelUrl?: string | URL;
  /** The model file's parsed JSON, when you have it already. */
  model?: object;
  /** An engine already loaded (loadEngine()) to run on, instead of loading another one. */
  engine?: Engine;
}

export declare function loadModel(options?: ModelLoadOptions): Promise<Model>;

/** Training the same model from scratch inside the wasm module (one training per engine). */
export interface Trainer {
  /** Batches in one pass over the training set. */
  readonly stepsPerEpoch: number;
  /** Sentences in the training set. */
  readonly examples: number;
  /** Runs `steps` batches (default 1); loss is their mean loss per sentence. */
  run(steps?: number): { loss: number; steps: number; epoch: number };
  /** A model over the current weights (a copy: training on does not change it). */
  model(): Model;
  /** Ends the training and frees its memory. */
  stop(): void;
}

export interface TrainerOptions extends ModelLoadOptions {
  /** The data set's entries; default: data/pronouns-train.json next to model.js. */
  examples?: Array<{ lang: string; sentence: string; referent: number }>;
  trainUrl?: string | URL;
  /** Defaults: the shipped model's training settings. */
  seed?: number;
  batch?: number;
  learningRate?: number;
  attentionWeight?: number;
}

export declare function loadTrainer(options?: TrainerOptions): Promise<Trainer>;

/** A sentence's words as the model reads them (docs/model.md, "Tokenisation"). */
export declare function tokenize(sentence: string, lang: string, words: readonly string[]): string[];

/** The `count` words nearest to `word` by edit distance, ties alphabetical. */
export declare function nearestWords(word: string, words: readonly string[], count?: number): string[];
