// Types of tiaoli.js, the data-only API (copied next to tiaoli_wasm.d.ts by the build).

import type { Label, ModelInfo, TaggedParagraph } from './tiaoli_wasm.js';
import { Tagger } from './tiaoli_wasm.js';

export type { Label, ModelInfo, TaggedParagraph };
export { Tagger };

/** Loads the WebAssembly module once; later calls share the first load. */
export function ready(): Promise<void>;

/**
 * A tagger with the built-in model, or with the bytes of a model file written by `tiaoli train`.
 * Rejects with an Error that says what is wrong if the bytes are not a valid model.
 * Call `free()` on a tagger you no longer need.
 */
export function createTagger(modelBytes?: Uint8Array | ArrayBuffer | ArrayBufferView | null): Promise<Tagger>;

/** Tags every paragraph (non-empty line) of `text` with the built-in model. */
export function tag(text: string): Promise<TaggedParagraph[]>;

/** The Chinese name of every type. Needs the module loaded: await `ready()`, `createTagger()` or `tag()` first. */
export function labelNames(): Record<Label, string>;
