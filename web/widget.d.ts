// Types of the widget (dist/attention-playground.js, `import 'attention-playground/widget'`).
// The module has no runtime exports: importing it defines <attention-playground> where
// there is a DOM, and does nothing (without throwing) where there is none.
import type { AttentionConfig, Trace } from './engine.js';
import type { ModelResult } from './model.js';

/** The built-in examples the `preset` attribute names. */
export type AttentionPlaygroundPreset =
  'two-words' | 'three-tokens' | 'it-animal' | 'multi-head' | 'causal' | 'positional' | 'check-003' | 'learn-it-animal';

/** The tables the `steps` attribute can list (web/lib/steps.js TABLE_IDS). */
export type AttentionPlaygroundTable =
  'x' | 'context' | 'pe' | 'encoded' | 'wq' | 'wk' | 'wv' | 'q' | 'k' | 'v' | 'va' |
  'scores' | 'scaled' | 'masked' | 'weights' | 'output' | 'concat' | 'wo' | 'final';

/**
 * What the `view` attribute takes: "flow", every step of one head on one screen (the
 * compact figure the embed dialog writes); "steps", one section per step with its formula
 * and text (the default); "heatmap", one step's matrix, large and coloured by value;
 * "tiles", the fused (FlashAttention-style) kernel block by block on the widget's example.
 */
export type AttentionPlaygroundView = 'flow' | 'steps' | 'heatmap' | 'tiles';

/** The element's attributes, all strings as in HTML (for JSX or template type checks). */
export interface AttentionPlaygroundAttributes {
  /** The engine config as JSON; wins over `preset`. */
  config?: string;
  preset?: AttentionPlaygroundPreset;
  /** Default "steps". */
  view?: AttentionPlaygroundView;
  /**
   * Which tables (AttentionPlaygroundTable) to show, in that order, e.g. "scores,weights,output";
   * default all. With view="heatmap", the step to picture (the first listed; default "weights").
   */
  steps?: string;
  /**
   * The head (1-based, "1" to the config's heads) of the per-head steps: the only one the steps
   * view shows (default every head), the one the flow and the heatmap show (default "1").
   */
  head?: string;
  /**
   * A cell selected and explained as when a reader clicks it: "step:row,column", 1-based,
   * e.g. "weights:2,1" (the head is `head`'s). A bad value is named inside the widget.
   */
  select?: string;
  /** A caption under the figure, shown as text (never HTML); it names the figure for screen readers. */
  caption?: string;
  lang?: 'en' | 'zh';
  /** Digits shown after the point, "0" to "8"; default "3". */
  decimals?: string;
  /** Present: readers cannot edit. */
  readonly?: '' | boolean;
  theme?: 'light' | 'dark' | 'auto';
  /** "none" hides the Export and Check tools under the tables. */
  tools?: 'none';
  /** "eager" loads the engine at once; otherwise when the widget comes near the viewport. */
  loading?: 'eager' | 'lazy';
  /**
   * A sentence for the trained tiny model (docs/model.md; its 80 words, English or Chinese,
   * with "it" / "它"), e.g. "The animal did not cross the street because it was too tired":
   * the widget shows the model's attention in every layer and head, its answer and
   * confidence, and explains a clicked cell, instead of a config. Wins over `config` and
   * `preset`; `view`, `steps`, `head`, `select`, `decimals` and `tools` do not apply. The
   * sentence's language follows its script (Chinese characters: zh); `lang` is the language
   * of the widget's text. Readers can type another sentence unless `readonly`; an unknown
   * word is named in the widget with the nearest known words, and what they typed stays.
   * The model's weights are inside the one-file widget.
   */
  sentence?: string;
}

/** The element; it fires a bubbling, composed `input` event each time a reader edits it. */
export interface AttentionPlaygroundElement extends HTMLElement {
  /**
   * The config shown now, with a reader's edits (a copy); null when the attributes name
   * none that can be read, and with `sentence`. Assigning a config shows it; assigning null goes back to the
   * attributes.
   */
  config: AttentionConfig | null;
  /** The engine's trace of that config; null before the engine has loaded or on an error. */
  readonly trace: Trace | null;
  /** With `sentence`: the sentence in the widget now, as a reader typed it; otherwise null. */
  readonly sentence: string | null;
  /**
   * With `sentence`: the model's run() of the sentence shown (tokens, pronoun, referent,
   * every layer's trace); null before the model has loaded, when the attribute's sentence
   * cannot be read, and without `sentence`. The `input` event fires when a reader's
   * sentence is shown (not on every keystroke).
   */
  readonly result: ModelResult | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-playground': AttentionPlaygroundElement;
  }
}
