// tiaoli for sites that want only data: tag the paragraphs of a Chinese work report (工作总结)
// in the browser, no server, no network beyond fetching the .wasm file next to this module.
//
//   import { tag, explain, createTagger, labelNames } from './tiaoli.js';
//   const paragraphs = await tag('某某单位2024年工作总结\n一、主要工作\n……');
//   // [{ line, start, end, text, label: 'title', confidence, scores }, …]
//   const why = await explain(text, 2);
//   // { line: 2, label: 'work', confidence, words: [{ feature, weight }, …], context: […] } or undefined
//   labelNames().title  // '标题' (after the first tag() / createTagger() / ready())
//
//   const custom = await createTagger(new Uint8Array(await (await fetch('my.tiaoli')).arrayBuffer()));
//   custom.tag(text); custom.explain(text, 2); custom.info(); custom.free();
//
// The build copies this file next to tiaoli_wasm.js and tiaoli_wasm_bg.wasm (the published
// package), so the glue is imported from the same directory.

import init, { Tagger, labelNames as wasmLabelNames } from './tiaoli_wasm.js';

export { Tagger };

/** @type {Promise<void> | null} */
let initialising = null;
let initialised = false;
/** @type {Promise<Tagger> | null} */
let defaultTagger = null;

/**
 * Loads the WebAssembly module once (later calls share the first load). The .wasm file is
 * resolved relative to this module, so the package works from any URL.
 * @returns {Promise<void>}
 */
export function ready() {
  if (!initialising) {
    initialising = init({ module_or_path: new URL('./tiaoli_wasm_bg.wasm', import.meta.url) }).then(
      () => {
        initialised = true;
      },
      (err) => {
        initialising = null; // let a later call try again (e.g. after a network error)
        throw err;
      },
    );
  }
  return initialising;
}

/**
 * A tagger with the built-in model, or with a model file trained by `tiaoli train`.
 * Throws (rejects) with a clear Error if the bytes are not a valid model.
 * Call `.free()` on taggers you no longer need.
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView} [modelBytes]
 * @returns {Promise<Tagger>}
 */
export async function createTagger(modelBytes) {
  await ready();
  if (modelBytes === undefined || modelBytes === null) return new Tagger();
  return Tagger.fromBytes(toBytes(modelBytes));
}

/**
 * Tags every paragraph (non-empty line) of `text` with the built-in model.
 * @param {string} text
 * @returns {Promise<import('./tiaoli_wasm.js').TaggedParagraph[]>}
 */
export async function tag(text) {
  return (await builtinTagger()).tag(String(text));
}

/**
 * Why the paragraph on 1-based line `line` of `text` has its type, with the built-in model: its
 * label and confidence (as `tag` gives them: the paragraph is tagged in the context of the whole
 * text) and the `top` (default 5, at most 20) words and layout/context features that pushed it
 * there most, largest first. `undefined` if no paragraph is on that line.
 * @param {string} text
 * @param {number} line
 * @param {number} [top]
 * @returns {Promise<import('./tiaoli_wasm.js').Explanation | undefined>}
 */
export async function explain(text, line, top) {
  return (await builtinTagger()).explain(String(text), line, top);
}

/** The shared tagger with the built-in model, made on first use. */
function builtinTagger() {
  if (!defaultTagger) {
    defaultTagger = createTagger().catch((err) => {
      defaultTagger = null;
      throw err;
    });
  }
  return defaultTagger;
}

/**
 * The Chinese name of every type, e.g. `{ title: '标题', …, boilerplate: '网页杂项' }`.
 * Synchronous, so it needs the module loaded: await `ready()`, `createTagger()` or `tag()` first.
 * @returns {Record<string, string>}
 */
export function labelNames() {
  if (!initialised) throw new Error('tiaoli is not loaded yet: await ready(), createTagger() or tag() before labelNames()');
  return wasmLabelNames();
}

function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('createTagger(modelBytes): expected a Uint8Array or ArrayBuffer with the contents of a .tiaoli model file');
}
