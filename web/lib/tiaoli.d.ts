// Types of tiaoli.js, the data-only API (copied next to tiaoli_wasm.d.ts by the build).

import type { Explanation, ExplainedFeature, Label, ModelInfo, TaggedParagraph } from './tiaoli_wasm.js';
import { Tagger } from './tiaoli_wasm.js';

export type { Explanation, ExplainedFeature, Label, ModelInfo, TaggedParagraph };
export { Tagger };

/** Loads the WebAssembly module once; later calls share the first load. */
export function ready(): Promise<void>;

/**
 * A tagger with the built-in model, or with the bytes of a model file written by `tiaoli train`.
 * Rejects with an Error that says what is wrong if the bytes are not a valid model.
 * Call `free()` on a tagger you no longer need.
 */
export function createTagger(modelBytes?: Uint8Array | ArrayBuffer | ArrayBufferView | null): Promise<Tagger>;

/**
 * Tags every paragraph (non-empty line) of `text` with the built-in model. Rejects with an
 * Error if the text is over 8 MiB of UTF-8 (`maxInputBytes()`).
 */
export function tag(text: string): Promise<TaggedParagraph[]>;

/**
 * Why the paragraph on 1-based line `line` of `text` has its type, with the built-in model: the
 * label and confidence `tag` gives it, and the `top` (default 5, at most 20) words and
 * layout/context features that pushed it there most. `undefined` if no paragraph is on that line.
 */
export function explain(text: string, line: number, top?: number): Promise<Explanation | undefined>;

/** The Chinese name of every type. Needs the module loaded: await `ready()`, `createTagger()` or `tag()` first. */
export function labelNames(): Record<Label, string>;
