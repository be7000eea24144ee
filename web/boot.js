// Runs as soon as the parser reaches it (a classic script in <head>), before the page's
// module script, and starts what page load waits for: the WebAssembly download and compile
// and the page's own tagging instance; app.js adopts them, and the worker this can start,
// through window.tiaoliBoot.
'use strict';
(() => {
  const base = document.currentScript ? document.currentScript.src : document.baseURI;
  /** What the instances say before app.js listens, in order, with where it came from. */
  let early = [];
  let listener = null;
  const deliver = (msg, from) => (listener ? listener(msg, from) : early.push([msg, from]));
  const boot = {
    /** Where the instances' messages go from now on; what came before is replayed first. */
    listen(fn) {
      listener = fn;
      const replay = early;
      early = [];
      for (const [msg, from] of replay) fn(msg, from);
    },
  };

  if (typeof WebAssembly.compileStreaming === 'function') {
    boot.compiled = WebAssembly.compileStreaming(fetch(new URL('./pkg/tiaoli_wasm_bg.wasm', base)));
    // The instances handle a failure (each then fetches the module itself); this keeps it
    // from being reported as unhandled meanwhile.
    boot.compiled.catch(() => {});
  }
  const compiled = () => (boot.compiled ?? Promise.resolve(null)).catch(() => null);

  // The worker tags off the main thread. Its start-up competes for the processor with what
  // page load waits for, so app.js starts it once the page's own instance is ready (or has
  // failed). It instantiates what was compiled here (given null, it fetches the module).
  boot.startWorker = () => {
    if (boot.worker || boot.workerFailed) return;
    try {
      boot.worker = new Worker(new URL('./worker.js', base), { type: 'module', name: 'tiaoli' });
      boot.worker.addEventListener('message', (e) => deliver(e.data, 'worker'));
      boot.worker.addEventListener('error', (e) => {
        e.preventDefault();
        deliver({ type: 'fatal', message: e.message || '后台线程无法启动(worker.js 是否存在?)' }, 'worker');
      });
      compiled().then((module) => boot.worker.postMessage({ type: 'module', module }));
    } catch (err) {
      boot.workerFailed = true;
      deliver({ type: 'fatal', message: `浏览器无法启动后台线程:${err instanceof Error ? err.message : err}` }, 'worker');
    }
  };

  // A worker takes tens of milliseconds to start: until it has, the page answers short texts
  // on its own instance, which is ready sooner (index.html preloads these modules).
  Promise.all([import('./pkg/tiaoli_wasm.js'), import('./tagger-host.js')]).then(
    ([glue, { createHost }]) => {
      boot.page = createHost(async () => {
        const module = await compiled();
        await glue.default({ module_or_path: module ?? new URL('./pkg/tiaoli_wasm_bg.wasm', base) });
        return glue;
      }, (msg) => deliver(msg, 'page'));
    },
    (err) => deliver({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }, 'page'),
  );
  window.tiaoliBoot = boot;
})();
