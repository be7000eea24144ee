// The page's tagging protocol, answered by a WebAssembly Tagger. One copy serves both places
// it runs: worker.js, which tags off the main thread, and app.js, which tags short texts on
// the main thread until the worker has started (a worker takes tens of milliseconds to start,
// most of the time to ready otherwise).
//
// Messages in:
//   { type: 'tag', seq, text }                 → { type: 'tagged', seq, paragraphs, ms } | { type: 'tag-error', seq, message }
//   { type: 'explain', id, text, line, top }   → { type: 'explained', id, line, explanation } | { type: 'explain-error', id, line, message }
//     (explanation: Tagger.explain for that one paragraph, or null if no paragraph is on the line)
//   { type: 'load-model', id, name, bytes }    → { type: 'model', id, model }            | { type: 'model-error', id, name, message }
//   { type: 'use-builtin', id }                → { type: 'model', id, model }
// `start` answers { type: 'ready', ms, names, model } or { type: 'fatal', message }.
//
// A failed call never replaces the working tagger: the page keeps tagging with the model it had.

/**
 * @param {() => Promise<{ Tagger: any, labelNames: () => any }>} load the initialised glue
 * @param {(msg: object) => void} post where answers go
 */
export function createHost(load, post) {
  /** @type {any} */
  let builtin = null;
  /** @type {{ tagger: any, name: string } | null} */
  let custom = null;
  /** @type {any} */
  let wasm = null;

  const started = performance.now();
  const ready = (async () => {
    wasm = await load();
    builtin = new wasm.Tagger();
  })();
  ready
    .then(() => post({
      type: 'ready',
      ms: performance.now() - started,
      names: wasm.labelNames(),
      model: describe(builtin, 'builtin', '内置模型'),
    }))
    .catch((err) => post({ type: 'fatal', message: messageOf(err) }));

  const active = () => (custom ? custom.tagger : builtin);

  async function handle(msg) {
    try {
      await ready;
    } catch {
      return; // 'fatal' has been reported already
    }
    switch (msg?.type) {
      case 'tag': {
        const t0 = performance.now();
        try {
          const paragraphs = active().tag(String(msg.text ?? ''));
          post({ type: 'tagged', seq: msg.seq, paragraphs, ms: performance.now() - t0 });
        } catch (err) {
          post({ type: 'tag-error', seq: msg.seq, message: messageOf(err) });
        }
        break;
      }
      case 'explain': {
        try {
          const explanation = active().explain(String(msg.text ?? ''), msg.line, msg.top ?? undefined);
          post({ type: 'explained', id: msg.id, line: msg.line, explanation: explanation ?? null });
        } catch (err) {
          post({ type: 'explain-error', id: msg.id, line: msg.line, message: messageOf(err) });
        }
        break;
      }
      case 'load-model': {
        let tagger = null;
        let model;
        try {
          tagger = wasm.Tagger.fromBytes(new Uint8Array(msg.bytes));
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
  }

  return { handle };
}

function messageOf(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

// The module's results are plain objects and arrays (maps as objects: tests/node.rs checks),
// which postMessage copies as they are.
function describe(tagger, source, name) {
  return { source, name, info: tagger.info(), labels: tagger.labels() };
}
