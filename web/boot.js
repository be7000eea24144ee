// Runs as soon as the parser reaches it (a classic script in <head>), before the page's
// module script: the worker's start-up and the WebAssembly download and compile are the long
// poles of page load, so they begin here and app.js adopts them.
'use strict';
(() => {
  const base = document.currentScript ? document.currentScript.src : document.baseURI;
  const boot = {};
  try {
    boot.worker = new Worker(new URL('./worker.js', base), { type: 'module', name: 'tiaoli' });
    // An error before app.js listens (the worker's script missing, say) would be lost.
    boot.worker.addEventListener('error', (e) => {
      boot.workerError = e.message || 'worker error';
    });
  } catch (err) {
    boot.error = err;
  }
  if (typeof WebAssembly.compileStreaming === 'function') {
    boot.compiled = WebAssembly.compileStreaming(fetch(new URL('./pkg/tiaoli_wasm_bg.wasm', base)));
    // app.js handles a failure; this keeps it from being reported as unhandled meanwhile.
    boot.compiled.catch(() => {});
  }
  window.tiaoliBoot = boot;
})();
