// tiaoli's browser package next to what a web developer would otherwise pick, in Node and in
// headless Chromium (Debian's), in one run on the same text:
//   tiaoli       web/pkg (make wasm): new Tagger().tag(text)
//   jieba-wasm   npm, segmentation only (jieba-rs with its dictionary): cut(paragraph, false)
//   fastText     npm fasttext.wasm + jieba-wasm to segment, with a model that fastText trained on
//                the corpus: predict(words of each paragraph)
// For each: what it downloads (raw and gzipped), time to ready (import, compile, model load;
// nothing cached) and tag latency for 1k, 10k and 100k characters (median of 15 after warm-up).
// Writes JSON; gates nothing. Run by bench/run.sh (`make bench`):
//   node bench/web_peers.mjs --text FILE --fasttext-model MODEL.ftz --out web.json
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const modules = join(here, 'node/node_modules');
const require = createRequire(join(here, 'node/package.json'));

const SIZES = [1_000, 10_000, 100_000];
const SYSTEMS = ['tiaoli', 'jieba-wasm', 'fasttext'];
const RUNS = 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function args() {
  const a = process.argv.slice(2);
  const get = (name) => { const i = a.indexOf(name); return i >= 0 ? a[i + 1] : undefined; };
  return { text: get('--text'), model: get('--fasttext-model'), out: get('--out'), child: get('--node-child'), trials: Number(get('--trials') ?? 5) };
}

/** The first n characters of the text, as whole lines where possible. */
function textOf(text, n) {
  let s = text;
  while (s.length < n) s += '\n' + text;
  return s.slice(0, n);
}

// --- Node: one child process per system and trial, so that nothing is cached -----------------

async function nodeLoad(system, model) {
  if (system === 'tiaoli') {
    const m = await import(pathToFileURL(join(root, 'web/pkg/tiaoli_wasm.js')));
    m.initSync({ module: readFileSync(join(root, 'web/pkg/tiaoli_wasm_bg.wasm')) });
    const tagger = new m.Tagger();
    return (s) => tagger.tag(s).length;
  }
  const jieba = require('jieba-wasm'); // the nodejs build: compiles its wasm on require
  const cutAll = (s) => s.split('\n').filter((p) => p.trim()).map((p) => jieba.cut(p, false));
  if (system === 'jieba-wasm') return (s) => cutAll(s).length;
  const { FastText } = await import(pathToFileURL(join(modules, 'fasttext.wasm/dist/index.mjs')));
  const ft = await FastText.create();
  ft.loadModel(readFileSync(model));
  return (s) => cutAll(s).map((w) => ft.predict(w.filter((x) => x.trim()).join(' '), 1, 0)).length;
}

async function nodeChild(system, textFile, model) {
  const text = readFileSync(textFile, 'utf8');
  const t0 = performance.now();
  const tag = await nodeLoad(system, model);
  const ready = performance.now() - t0;
  const latency = {};
  for (const n of SIZES) {
    const s = textOf(text, n);
    for (let i = 0; i < 3; i++) tag(s);
    const times = [];
    for (let i = 0; i < RUNS; i++) { const t = performance.now(); tag(s); times.push(performance.now() - t); }
    latency[n] = median(times);
  }
  process.stdout.write(JSON.stringify({ ready, latency }));
}

function node(system, opts) {
  const trials = [];
  for (let i = 0; i < Math.min(opts.trials, 3); i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--node-child', system, '--text', opts.text, '--fasttext-model', opts.model ?? ''], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
    trials.push(JSON.parse(r.stdout));
  }
  return {
    ready_ms: median(trials.map((t) => t.ready)),
    ready_all_ms: trials.map((t) => t.ready),
    latency_ms: Object.fromEntries(SIZES.map((n) => [n, median(trials.map((t) => t.latency[n]))])),
  };
}

// --- Chromium: a blank page on a local server that serves each package, never cached --------

const HARNESS = `
export async function load(system) {
  if (system === 'tiaoli') {
    const m = await import('/tiaoli/tiaoli_wasm.js');
    await m.default();
    const tagger = new m.Tagger();
    return (s) => tagger.tag(s).length;
  }
  const jieba = await import('/jieba/jieba_rs_wasm.js');
  const [, fastText] = await Promise.all([jieba.default(), system === 'fasttext' ? import('/fasttext/index.mjs') : null]);
  const cutAll = (s) => s.split('\\n').filter((p) => p.trim()).map((p) => jieba.cut(p, false));
  if (system === 'jieba-wasm') return (s) => cutAll(s).length;
  const ft = await fastText.FastText.create();
  await ft.loadModel('/model/model.ftz');
  return (s) => cutAll(s).map((w) => ft.predict(w.filter((x) => x.trim()).join(' '), 1, 0)).length;
}`;

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function serve(model) {
  const mounts = {
    '/tiaoli/': join(root, 'web/pkg'),
    '/jieba/': join(modules, 'jieba-wasm/pkg/web'),
    '/fasttext/': join(modules, 'fasttext.wasm/dist'),
  };
  const log = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let body;
    if (path === '/' || path === '/bench.html') body = Buffer.from('<!doctype html><meta charset="utf-8"><title>bench</title>');
    else if (path === '/harness.mjs') body = Buffer.from(HARNESS);
    else if (path === '/model/model.ftz' && model) body = readFileSync(model);
    else {
      for (const [prefix, dir] of Object.entries(mounts)) {
        if (!path.startsWith(prefix)) continue;
        const file = normalize(join(dir, path.slice(prefix.length)));
        if (file.startsWith(dir) && existsSync(file)) body = readFileSync(file);
      }
    }
    if (!body) { res.writeHead(404); res.end(); return; }
    log.push({ path, raw: body.length, gz: gzipSync(body, { level: 9 }).length });
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, log, port: server.address().port })));
}

async function browser(opts, text) {
  const { chromium } = require('playwright-core');
  const { server, log, port } = await serve(opts.model);
  const base = `http://127.0.0.1:${port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'tiaoli-bench-peers-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const out = { version: context.browser()?.version() ?? null, systems: {} };
  try {
    for (const system of SYSTEMS) {
      try {
        const ready = [];
        let downloads = [];
        let page;
        for (let i = 0; i < opts.trials; i++) {
          if (page) await page.close();
          page = await context.newPage();
          await page.goto(base + 'bench.html');
          log.length = 0;
          ready.push(await page.evaluate(async (system) => {
            const t0 = performance.now();
            const h = await import('/harness.mjs');
            window.tag = await h.load(system);
            return performance.now() - t0;
          }, system));
          if (i === 0) downloads = log.filter((d) => d.path !== '/harness.mjs');
        }
        const latency = await page.evaluate(async ({ sizes, text, runs }) => {
          const out = {};
          for (const n of sizes) {
            let s = text;
            while (s.length < n) s += '\n' + text;
            s = s.slice(0, n);
            for (let i = 0; i < 3; i++) window.tag(s);
            const times = [];
            for (let i = 0; i < runs; i++) { const t0 = performance.now(); window.tag(s); times.push(performance.now() - t0); }
            out[n] = times.sort((a, b) => a - b)[Math.floor(runs / 2)];
          }
          return out;
        }, { sizes: SIZES, text, runs: RUNS });
        await page.close();
        out.systems[system] = {
          ready_ms: median(ready), ready_all_ms: ready, latency_ms: latency, downloads,
          raw: downloads.reduce((s, d) => s + d.raw, 0), gz: downloads.reduce((s, d) => s + d.gz, 0),
        };
      } catch (e) {
        out.systems[system] = { error: String(e.message ?? e).split('\n')[0] };
      }
    }
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return out;
}

const opts = args();
if (opts.child) {
  await nodeChild(opts.child, opts.text, opts.model);
} else {
  if (!opts.text || !opts.out) { console.error('usage: node bench/web_peers.mjs --text FILE --fasttext-model MODEL.ftz --out OUT.json'); process.exit(2); }
  if (!opts.model || !existsSync(opts.model)) opts.model = undefined;
  const text = readFileSync(opts.text, 'utf8').slice(0, 200_000);
  const pkgVersion = (name) => JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
  const result = {
    node_version: process.version,
    versions: { 'jieba-wasm': pkgVersion('jieba-wasm'), 'fasttext.wasm': pkgVersion('fasttext.wasm'), 'playwright-core': pkgVersion('playwright-core') },
    sizes: SIZES, runs: RUNS, trials: opts.trials,
    node: {}, chromium: null,
  };
  for (const system of SYSTEMS) {
    if (system === 'fasttext' && !opts.model) { result.node[system] = { error: 'no fastText model (--fasttext-model)' }; continue; }
    console.error(`[web] node ${system}`);
    result.node[system] = node(system, opts);
  }
  console.error('[web] chromium');
  try {
    result.chromium = await browser(opts, text);
  } catch (e) {
    result.chromium = { error: String(e.message ?? e).split('\n')[0] };
  }
  writeFileSync(opts.out, JSON.stringify(result, null, 1));
  console.error(`[web] wrote ${opts.out}`);
}
