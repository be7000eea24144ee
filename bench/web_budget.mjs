// Budgets of the browser package, measured in headless Chromium (Debian's) and Node:
// what the page downloads (raw, gzipped and brotli), page load to ready, the first tag after
// ready, and tag latency by size.
// Prints figures; gates nothing. Run with `make bench-web` (which builds web/pkg first).
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tests/browser/package.json'));
const { chromium } = require('playwright-core');

const report = readFileSync(join(root, 'examples/report.txt'), 'utf8');
const textOf = (chars) => {
  let s = '';
  while (s.length < chars) s += report;
  return s.slice(0, chars);
};
const SIZES = [1_000, 10_000, 100_000];
const LOADS = 11;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function latency(tagFn, text, runs = 15) {
  for (let i = 0; i < 3; i++) tagFn(text); // warm-up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    tagFn(text);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function node() {
  const pkg = join(root, 'web/pkg');
  const t0 = performance.now();
  const mod = await import(join(pkg, 'tiaoli_wasm.js'));
  mod.initSync({ module: readFileSync(join(pkg, 'tiaoli_wasm_bg.wasm')) });
  const tagger = new mod.Tagger();
  const ready = performance.now() - t0;
  const out = { ready };
  for (const n of SIZES) out[n] = await latency((t) => tagger.tag(t), textOf(n));
  return out;
}

/**
 * Navigates and waits until the page is ready. Polled from outside the page: waitForSelector
 * would inject Playwright's selector engine into the page while it loads, about 15 ms of its
 * main thread (seen in a Chromium trace).
 */
async function loaded(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  for (let i = 0; ; i++) {
    const ready = await page.evaluate(() => document.body.dataset.ready);
    if (ready === 'true') return;
    if (ready === 'error' || i > 600) throw new Error(`the page did not get ready: ${ready}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function browser() {
  const port = 8700 + Math.floor(Math.random() * 200);
  const server = spawn('python3', [join(root, 'web/serve.py'), '--port', String(port), '--quiet'], { stdio: 'ignore' });
  const profile = mkdtempSync(join(tmpdir(), 'tiaoli-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  try {
    const page = await context.newPage();
    const downloads = [];
    page.on('response', async (r) => {
      try { downloads.push({ url: r.url(), body: await r.body() }); } catch { /* redirects have no body */ }
    });
    const base = `http://127.0.0.1:${port}/`;
    for (let i = 0; ; i++) {
      try { await fetch(base); break; } catch { if (i > 50) throw new Error('server did not start'); await new Promise((r) => setTimeout(r, 100)); }
    }
    const readyTimes = [];
    const warmTimes = [];
    const starts = [];
    // First visits: serve.py lets the browser cache (revalidating each time), so the cache is
    // off for these loads and on for the repeat visits measured after them.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const firstTags = [];
    for (let i = 0; i < LOADS; i++) {
      await loaded(page, base);
      // The page stamps performance.now() (ms since navigation start) when the model is ready.
      readyTimes.push(Number(await page.evaluate(() => document.body.dataset.readyMs)));
      // The page's own first tag of a 10,000-character report, pasted a moment after ready
      // (no one pastes sooner), as the page timed it, and which instance tagged it.
      await page.waitForTimeout(300);
      firstTags.push(await page.evaluate((text) => new Promise((resolve) => {
        const results = document.getElementById('results');
        const done = new MutationObserver(() => {
          if (results.dataset.busy !== 'false' || !results.dataset.tagMs) return;
          done.disconnect();
          resolve({ ms: Number(results.dataset.tagMs), by: results.dataset.taggedBy });
        });
        done.observe(results, { attributes: true });
        const box = document.getElementById('report');
        box.value = text;
        box.dispatchEvent(new Event('input', { bubbles: true }));
      }), textOf(10_000)));
      // A fresh instance of the module, as a site embedding the package starts one: init (the
      // wasm comes from the HTTP cache), the built-in model decoded, then the first tag of a
      // 10,000-character report, cold.
      starts.push(await page.evaluate(async (text) => {
        const t0 = performance.now();
        const mod = await import(`./pkg/tiaoli_wasm.js?fresh=${Math.random()}`);
        await mod.default();
        const t1 = performance.now();
        const tagger = new mod.Tagger();
        const t2 = performance.now();
        tagger.tag(text);
        const t3 = performance.now();
        return { init: t1 - t0, model: t2 - t1, firstTag: t3 - t2 };
      }, textOf(10_000)));
    }
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    for (let i = 0; i <= LOADS; i++) {
      await loaded(page, base);
      // The first of these fills the cache.
      if (i > 0) warmTimes.push(Number(await page.evaluate(() => document.body.dataset.readyMs)));
    }
    const lat = await page.evaluate(async ({ sizes, report }) => {
      const mod = await import('./pkg/tiaoli_wasm.js');
      await mod.default();
      const tagger = new mod.Tagger();
      const out = {};
      for (const n of sizes) {
        let s = '';
        while (s.length < n) s += report;
        s = s.slice(0, n);
        for (let i = 0; i < 3; i++) tagger.tag(s);
        const times = [];
        for (let i = 0; i < 15; i++) { const t0 = performance.now(); tagger.tag(s); times.push(performance.now() - t0); }
        out[n] = times.sort((a, b) => a - b)[7];
      }
      return out;
    }, { sizes: SIZES, report });
    const seen = new Map();
    for (const d of downloads) if (!seen.has(d.url)) seen.set(d.url, d.body);
    const brotli = (body) => brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
    const files = [...seen].filter(([url]) => !url.includes('?fresh=')).map(([url, body]) => ({
      url: url.replace(base, ''), raw: body.length, gz: gzipSync(body, { level: 9 }).length, br: brotli(body),
    }));
    return { readyTimes, warmTimes, firstTags, starts, lat, files };
  } finally {
    await context.close();
    server.kill();
    rmSync(profile, { recursive: true, force: true });
  }
}

const kb = (n) => (n / 1024).toFixed(1);
const b = await browser();
const n = await node();
const sum = (key) => b.files.reduce((s, f) => s + f[key], 0);
const row = (name, f) => `  ${name.padEnd(32)} ${kb(f.raw).padStart(7)} KB raw ${kb(f.gz).padStart(7)} KB gzip ${kb(f.br).padStart(7)} KB brotli`;
console.log(`date ${new Date().toISOString().slice(0, 10)}, node ${process.version}, chromium via playwright-core`);
console.log('\nwhat the page downloads:');
for (const f of b.files.sort((x, y) => y.gz - x.gz)) console.log(row(f.url || 'index.html', f));
console.log(`${row('total', { raw: sum('raw'), gz: sum('gz'), br: sum('br') })}   (budget 200 KB gzip)`);
const wasm = b.files.find((f) => f.url.endsWith('.wasm'));
if (wasm) {
  // The model is a data segment of the module: gzipped alone, it is about its share.
  const model = gzipSync(readFileSync(join(root, 'crates/tiaoli/models/default.tiaoli')), { level: 9 }).length;
  console.log(`  the wasm module with its model: ${kb(wasm.gz)} KB gzip   (budget 170 KB)`);
  console.log(`    the model alone (crates/tiaoli/models/default.tiaoli): ${kb(model)} KB gzip; the code and the rest: about ${kb(wasm.gz - model)} KB`);
}
const med = (key) => median(b.starts.map((s) => s[key])).toFixed(1);
console.log(`\npage load to ready (Chromium): median ${median(b.readyTimes).toFixed(0)} ms of ${LOADS} first visits   (budget 100 ms)`);
console.log(`  a repeat visit (files revalidated from the cache): median ${median(b.warmTimes).toFixed(0)} ms of ${LOADS}`);
const by = [...new Set(b.firstTags.map((f) => f.by))].join(' or ');
console.log(`the page's first tag of 10,000 chars, pasted 300 ms after ready: median ${median(b.firstTags.map((f) => f.ms)).toFixed(1)} ms (tagged by the ${by})   (budget 5 ms)`);
console.log(`a fresh module in the page (median of ${LOADS}): init ${med('init')} ms, built-in model ${med('model')} ms, first tag of 10,000 chars ${med('firstTag')} ms`);
console.log(`Node: import + init + model load ${n.ready.toFixed(0)} ms`);
console.log('\ntag latency after warm-up (median of 15):');
for (const s of SIZES) console.log(`  ${String(s).padStart(7)} chars: Chromium ${b.lat[s].toFixed(2).padStart(7)} ms, Node ${n[s].toFixed(2).padStart(7)} ms${s === 10_000 ? '   (budget 20 ms)' : ''}`);
