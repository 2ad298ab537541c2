// Types of the widget (dist/attention-playground.js, `import 'attention-playground/widget'`).
// The module has no runtime exports: importing it defines <attention-playground> where
// there is a DOM, and does nothing (without throwing) where there is none.
import type { AttentionConfig, Trace } from './engine.js';

/** The built-in examples the `preset` attribute names. */
export type AttentionPlaygroundPreset =
  'two-words' | 'three-tokens' | 'it-animal' | 'multi-head' | 'causal' | 'positional' | 'check-003' | 'learn-it-animal';

/** The tables the `steps` attribute can list (web/lib/steps.js TABLE_IDS). */
export type AttentionPlaygroundTable =
  'x' | 'context' | 'pe' | 'encoded' | 'wq' | 'wk' | 'wv' | 'q' | 'k' | 'v' | 'va' |
  'scores' | 'scaled' | 'masked' | 'weights' | 'output' | 'concat' | 'wo' | 'final';

/** The element's attributes, all strings as in HTML (for JSX or template type checks). */
export interface AttentionPlaygroundAttributes {
  /** The engine config as JSON; wins over `preset`. */
  config?: string;
  preset?: AttentionPlaygroundPreset;
  /** Which tables (AttentionPlaygroundTable) to show, in that order, e.g. "scores,weights,output"; default all. */
  steps?: string;
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
}

/** The element; it fires a bubbling, composed `input` event each time a reader edits it. */
export interface AttentionPlaygroundElement extends HTMLElement {
  /**
   * The config shown now, with a reader's edits (a copy); null when the attributes name
   * none that can be read. Assigning a config shows it; assigning null goes back to the
   * attributes.
   */
  config: AttentionConfig | null;
  /** The engine's trace of that config; null before the engine has loaded or on an error. */
  readonly trace: Trace | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-playground': AttentionPlaygroundElement;
  }
}
