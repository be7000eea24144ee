// Module worker: owns a WebAssembly tagger so that tagging never blocks typing. It answers
// the protocol of tagger-host.js; boot.js sends it the compiled module as its first message.

import init, { Tagger, labelNames } from './pkg/tiaoli_wasm.js';
import { createHost } from './tagger-host.js';

/** The module boot.js compiled, or null: then the worker fetches it itself. */
const compiled = new Promise((resolve) => {
  self.addEventListener('message', function first(event) {
    if (event.data?.type !== 'module') return;
    self.removeEventListener('message', first);
    resolve(event.data.module);
  });
});

const host = createHost(
  async () => {
    const module = await compiled;
    await init({ module_or_path: module ?? new URL('./pkg/tiaoli_wasm_bg.wasm', import.meta.url) });
    return { Tagger, labelNames };
  },
  (msg) => self.postMessage(msg),
);

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'module') host.handle(event.data);
});
