// Module worker: owns the WebAssembly tagger so that tagging never blocks typing.
//
// Messages in (from app.js):
//   { type: 'tag', seq, text }                 → { type: 'tagged', seq, paragraphs, ms } | { type: 'tag-error', seq, message }
//   { type: 'explain', id, text, line, top }   → { type: 'explained', id, line, explanation } | { type: 'explain-error', id, line, message }
//     (explanation: Tagger.explain for that one paragraph, or null if no paragraph is on the line)
//   { type: 'load-model', id, name, bytes }    → { type: 'model', id, model }            | { type: 'model-error', id, name, message }
//   { type: 'use-builtin', id }                → { type: 'model', id, model }
// Sent once on start: { type: 'ready', ms, names, model } or { type: 'fatal', message }.
//
// A failed call never replaces the working tagger: the page keeps tagging with the model it had.

import init, { Tagger, labelNames } from './pkg/tiaoli_wasm.js';

/** @type {Tagger | null} */
let builtin = null;
/** @type {{ tagger: Tagger, name: string } | null} */
let custom = null;

const started = performance.now();
/** The page compiles the module while this worker starts and sends it as the first message. */
const compiled = new Promise((resolve) => {
  self.addEventListener('message', function first(event) {
    if (event.data?.type !== 'module') return;
    self.removeEventListener('message', first);
    resolve(event.data.module);
  });
});
const ready = (async () => {
  const module = await compiled;
  await init({ module_or_path: module ?? new URL('./pkg/tiaoli_wasm_bg.wasm', import.meta.url) });
  builtin = new Tagger();
})();

ready
  .then(() => post({ type: 'ready', ms: performance.now() - started, names: plain(labelNames()), model: describe(builtin, 'builtin', '内置模型') }))
  .catch((err) => post({ type: 'fatal', message: messageOf(err) }));

function post(msg) {
  self.postMessage(msg);
}

function messageOf(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** serde-wasm-bindgen output is plain already; turn any Map into an object just in case. */
function plain(value) {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function describe(tagger, source, name) {
  return { source, name, info: plain(tagger.info()), labels: plain(tagger.labels()) };
}

function active() {
  return custom ? custom.tagger : builtin;
}

self.addEventListener('message', async (event) => {
  const msg = event.data;
  if (msg?.type === 'module') return;
  try {
    await ready;
  } catch {
    return; // 'fatal' has been reported already
  }
  switch (msg?.type) {
    case 'tag': {
      const t0 = performance.now();
      try {
        const paragraphs = plain(active().tag(String(msg.text ?? '')));
        post({ type: 'tagged', seq: msg.seq, paragraphs, ms: performance.now() - t0 });
      } catch (err) {
        post({ type: 'tag-error', seq: msg.seq, message: messageOf(err) });
      }
      break;
    }
    case 'explain': {
      try {
        const explanation = active().explain(String(msg.text ?? ''), msg.line, msg.top ?? undefined);
        post({ type: 'explained', id: msg.id, line: msg.line, explanation: explanation ? plain(explanation) : null });
      } catch (err) {
        post({ type: 'explain-error', id: msg.id, line: msg.line, message: messageOf(err) });
      }
      break;
    }
    case 'load-model': {
      let tagger = null;
      let model;
      try {
        tagger = Tagger.fromBytes(new Uint8Array(msg.bytes));
        model = describe(tagger, 'file', msg.name);
      } catch (err) {
        tagger?.free();
        post({ type: 'model-error', id: msg.id, name: msg.name, message: messageOf(err) });
        break;
      }
      if (custom) custom.tagger.free();
      custom = { tagger, name: msg.name };
      post({ type: 'model', id: msg.id, model });
      break;
    }
    case 'use-builtin': {
      if (custom) custom.tagger.free();
      custom = null;
      post({ type: 'model', id: msg.id, model: describe(builtin, 'builtin', '内置模型') });
      break;
    }
    default:
      break;
  }
});
