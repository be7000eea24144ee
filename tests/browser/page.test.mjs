// Browser tests for the tiaoli page (web/index.html), the embed page and the component.
//
//   make wasm release-cli            # web/pkg and the CLI (the tests spawn `cargo run --release`)
//   npm ci --prefix tests/browser    # playwright-core (drives Debian's /usr/bin/chromium)
//   node --test tests/browser/
//
// The tests start web/serve.py on a free port, drive headless Chromium, and write only into a
// temporary directory (printed). TIAOLI_SCREENSHOT=path also saves the page screenshot there.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkPrerequisites, enterReport, LABELS, launchBrowser, NAMES, paste, ROOT, startServer } from './helpers.mjs';

const REQUIRED = ['opening', 'work', 'problems', 'plans', 'closing'];

// A report written for these tests. Line 3 is blank and line 6 is indented, so line numbers
// and offsets are not simply the paragraph index.
const BREADCRUMB = '当前位置:首页 > 范文大全 > 工作总结';
const TITLE = '街道社区服务中心2024年度工作总结';
const REPORT = [
  BREADCRUMB,
  TITLE,
  '',
  '2024年,在街道党工委的坚强领导下,中心紧紧围绕服务居民这一核心任务,凝心聚力、真抓实干,较好完成了全年各项目标任务。现将一年来的工作总结如下:',
  '一、主要工作完成情况',
  '  (一)深化便民服务。全年办理各类便民事项3200余件,群众满意率达到98%以上。',
  '(二)加强养老助餐。新建社区食堂2家,为辖区老年人提供助餐服务1.5万人次。',
  '(三)推进环境整治。组织志愿者开展卫生清扫活动46次,清理卫生死角120处。',
  '二、工作体会',
  '实践证明,只有坚持群众需求导向,才能把服务做到居民心坎上。',
  '三、存在的问题',
  '一是服务人员力量不足,专业社工比例偏低;二是部分设施老化,维护资金紧张。',
  '四、下一步工作打算',
  '2025年,我们将着力扩大志愿服务队伍,计划新增注册志愿者300名,并推进活动阵地改造提升。',
  '总之,我们将以更加饱满的热情投入工作,为建设和谐宜居社区作出新的更大贡献。',
  '相关文章推荐:社区工作总结范文',
].join('\n');
const REPORT_LINES = REPORT.split('\n')
  .map((text, i) => ({ line: i + 1, text: text.trim() }))
  .filter((l) => l.text);
// Cases the shipped model gets right with a wide margin (checked with `tiaoli tag`).
const CLEAR_CASES = { 1: 'boilerplate', 2: 'title', 4: 'opening', 11: 'problems', 13: 'plans', 16: 'boilerplate' };

let server;
let browser;
let outDir;

// ------------------------------------------------------------------ helpers

function run(cmd, args, { input, timeout = 15 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}):\n${stderr}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** `tiaoli tag --format jsonl` through cargo, as a list of objects. */
async function cliTag(text, extra = []) {
  const out = await run('cargo', ['run', '-q', '--release', '-p', 'tiaoli-cli', '--', 'tag', '--format', 'jsonl', ...extra], { input: text });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** A fresh context and page; closed when the test ends. Collects console errors. */
async function newPage(t, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true, ...options });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

/** Waits until the page has loaded the default model (or failed to: then says why). */
async function waitReady(page) {
  await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 60_000 });
  const [ready, status] = await page.evaluate(() => [document.body.dataset.ready, document.getElementById('status').textContent]);
  assert.equal(ready, 'true', `the page failed to load the model: ${status}`);
}

async function openApp(t, options) {
  const opened = await newPage(t, options);
  await opened.page.goto(server.url);
  await waitReady(opened.page);
  return opened;
}

function shownParagraphs(page) {
  return page.$$eval('#results .para', (items) =>
    items.map((el) => ({
      line: Number(el.dataset.line),
      label: el.dataset.label,
      text: el.querySelector('.para-text').textContent,
      chip: el.querySelector('.chip-zh').textContent,
      title: el.querySelector('.chip').getAttribute('title'),
      low: el.classList.contains('low'),
      mark: !!el.querySelector('.low-mark'),
      conf: el.querySelector('.conf').textContent,
    })),
  );
}

function parseCsp(header) {
  const map = new Map();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

function hostOf(url) {
  if (url.startsWith('data:')) return null;
  if (url.startsWith('blob:')) return new URL(url.slice(5)).hostname;
  return new URL(url).hostname;
}

// ------------------------------------------------------------------ setup

before(async () => {
  checkPrerequisites();
  outDir = await mkdtemp(path.join(os.tmpdir(), 'tiaoli-browser-'));
  console.log(`test output directory: ${outDir}`);
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// ------------------------------------------------------------------ tests

test('the page loads the model and tags every paragraph of a report', { timeout: 180_000 }, async (t) => {
  const { page, errors } = await newPage(t);
  const t0 = Date.now();
  await page.goto(server.url);
  await waitReady(page);
  const loadToReady = Date.now() - t0;
  const inPage = await page.evaluate(() => document.body.dataset.readyMs);
  console.log(`load-to-ready: ${loadToReady} ms (page reports ${inPage} ms after navigation start)`);
  assert.match(await page.textContent('#status'), /内置模型已就绪/);

  await enterReport(page, REPORT);
  const shown = await shownParagraphs(page);
  assert.deepEqual(
    shown.map((p) => [p.line, p.text]),
    REPORT_LINES.map((l) => [l.line, l.text]),
    'one element per non-empty line, data-line = its line number, text trimmed',
  );
  for (const p of shown) {
    assert.ok(LABELS.includes(p.label), `line ${p.line}: data-label ${p.label}`);
    assert.equal(p.chip, NAMES[p.label], `line ${p.line}: Chinese name shown`);
    assert.equal(p.title, p.label, `line ${p.line}: English name on hover`);
    assert.match(p.conf, /^\d{1,3}%$/);
    const pct = Number.parseInt(p.conf, 10);
    if (pct !== 50) assert.equal(p.low, pct < 50, `line ${p.line}: low-confidence flag`);
    assert.equal(p.mark, p.low, `line ${p.line}: "?" marker on low confidence only`);
  }
  for (const [line, label] of Object.entries(CLEAR_CASES)) {
    assert.equal(shown.find((p) => p.line === Number(line))?.label, label, `line ${line}`);
  }
  // Whether any paragraph is low-confidence depends on the model; the loop above checks that
  // exactly those under 50% are marked.

  // Outline: consecutive runs, in order, with counts.
  const outline = await page.$$eval('#outline li', (items) => items.map((li) => [li.dataset.label, Number(li.dataset.count)]));
  const runs = [];
  for (const p of shown) {
    if (runs.length && runs[runs.length - 1][0] === p.label) runs[runs.length - 1][1] += 1;
    else runs.push([p.label, 1]);
  }
  assert.deepEqual(outline, runs);
  assert.equal(await page.textContent('#outline li:first-child .outline-name'), NAMES.boilerplate);

  // Completeness names exactly the required parts that no paragraph has.
  const missing = REQUIRED.filter((l) => !shown.some((p) => p.label === l));
  const verdict = await page.textContent('#completeness .verdict');
  if (missing.length) assert.equal(verdict, `缺少:${missing.map((l) => NAMES[l]).join('、')}`);
  else assert.equal(verdict, '基本结构齐全');
  await enterReport(page, `${TITLE}\n一、主要工作完成情况\n三、存在的问题`);
  const partial = (await shownParagraphs(page)).map((p) => p.label);
  const partialMissing = REQUIRED.filter((l) => !partial.includes(l)).map((l) => NAMES[l]);
  assert.ok(partialMissing.length > 0);
  assert.equal(await page.textContent('#completeness .verdict'), `缺少:${partialMissing.join('、')}`);

  // The English toggle shows English type names next to the Chinese ones.
  const en = page.locator('#results .para .chip-en').first();
  assert.equal(await en.isVisible(), false);
  await page.check('#show-english');
  assert.equal(await en.isVisible(), true);

  // Rapid edits: stale results are dropped, the final text's paragraphs win.
  await page.evaluate((report) => {
    const box = document.getElementById('report');
    for (let i = 1; i <= 30; i++) {
      box.value = report.split('\n').slice(0, i % 16 || 1).join('\n');
      box.dispatchEvent(new Event('input', { bubbles: true }));
    }
    box.value = report;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, REPORT);
  await page.waitForFunction((n) => document.getElementById('results').dataset.busy === 'false' && document.querySelectorAll('#results .para').length === n, REPORT_LINES.length);
  assert.deepEqual((await shownParagraphs(page)).map((p) => p.line), REPORT_LINES.map((l) => l.line));

  assert.deepEqual(errors, [], 'no errors in the console');
});

// The page is ready on its own instance of the module, before its worker has started: it tags
// short texts itself, and a text over its main-thread limit waits for the worker. Without a
// worker at all (its script missing), it tags everything itself.
test('the page tags before its worker has started, and without one', { timeout: 300_000 }, async (t) => {
  // Long enough to go to the worker (MAIN_THREAD_MAX_CHARS in web/app.js is 100,000).
  let long = '';
  while (long.length <= 100_000) long += `${REPORT}\n`;
  const longCount = long.split('\n').filter((l) => l.trim()).length;
  const paras = (page) => page.evaluate(() => document.querySelectorAll('#results .para').length);

  {
    const { page, errors } = await newPage(t);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/worker.js', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(server.url);
    await waitReady(page);
    await enterReport(page, REPORT);
    assert.equal(await page.evaluate(() => document.body.dataset.worker), undefined, 'tagged while the worker was held');
    const before = await shownParagraphs(page);
    for (const [line, label] of Object.entries(CLEAR_CASES)) {
      assert.equal(before.find((p) => p.line === Number(line))?.label, label, `line ${line}`);
    }
    await paste(page, long);
    await page.waitForTimeout(1000);
    assert.equal(await paras(page), REPORT_LINES.length, 'the long text waits for the worker');
    assert.equal(await page.evaluate(() => document.getElementById('results').dataset.busy), 'true');
    release();
    await page.waitForSelector('body[data-worker="ready"]', { state: 'attached' });
    await page.waitForFunction((n) => document.querySelectorAll('#results .para').length === n, longCount, { timeout: 60_000 });
    // Back to the short report, now through the worker: the same tags.
    await enterReport(page, REPORT);
    assert.deepEqual(await shownParagraphs(page), before);
    assert.deepEqual(errors, []);
  }
  {
    const { page, errors } = await newPage(t);
    await page.route('**/worker.js', (route) => route.fulfill({ status: 404, body: 'missing' }));
    await page.goto(server.url);
    await waitReady(page);
    await page.waitForSelector('body[data-worker="failed"]', { state: 'attached' });
    await enterReport(page, REPORT);
    await paste(page, long);
    await page.waitForFunction((n) => document.querySelectorAll('#results .para').length === n, longCount, { timeout: 60_000 });
    assert.match(await page.textContent('#status'), /内置模型已就绪/);
    assert.ok(errors.every((e) => /404|worker/i.test(e)), `only the missing worker is reported: ${errors}`);
  }
});

test('the page, the wasm API and the CLI agree line by line', { timeout: 15 * 60_000 }, async (t) => {
  const { page } = await openApp(t);
  await enterReport(page, REPORT);
  const shown = await shownParagraphs(page);

  const api = await page.evaluate(async (text) => {
    const lib = await import('/pkg/tiaoli.js');
    const paragraphs = await lib.tag(text);
    const glue = await import('/pkg/tiaoli_wasm.js');
    const tagger = new glue.Tagger();
    const direct = tagger.tag(text);
    const info = tagger.info();
    tagger.free();
    return {
      names: lib.labelNames(),
      info,
      paragraphs: paragraphs.map((p) => ({ ...p, sliced: text.slice(p.start, p.end) })),
      direct: direct.map((p) => [p.line, p.label, p.confidence]),
    };
  }, REPORT);
  const cli = await cliTag(REPORT);

  assert.deepEqual(api.names, NAMES);
  assert.deepEqual(api.info.labels, LABELS);
  assert.equal(api.paragraphs.length, REPORT_LINES.length);
  assert.equal(cli.length, REPORT_LINES.length);
  for (const [i, want] of REPORT_LINES.entries()) {
    const page_ = shown[i];
    const lib = api.paragraphs[i];
    const bin = cli[i];
    assert.equal(page_.line, want.line);
    assert.equal(lib.line, want.line);
    assert.equal(bin.line, want.line);
    assert.equal(lib.text, want.text);
    assert.equal(lib.sliced, want.text, `line ${want.line}: start/end are UTF-16 offsets`);
    assert.equal(bin.text, want.text);
    assert.equal(page_.label, bin.label, `line ${want.line}: page vs CLI`);
    assert.equal(lib.label, bin.label, `line ${want.line}: wasm API vs CLI`);
    assert.ok(Math.abs(lib.confidence - bin.confidence) < 1e-5, `line ${want.line}: confidence ${lib.confidence} vs ${bin.confidence}`);
    assert.equal(page_.conf, `${Math.round(lib.confidence * 100)}%`);
    assert.equal(page_.low, lib.confidence < 0.5, `line ${want.line}: low-confidence flag`);
    for (const label of LABELS) {
      assert.ok(Math.abs(lib.scores[label] - bin.scores[label]) < 1e-5, `line ${want.line}: score of ${label}`);
    }
    assert.deepEqual(api.direct[i], [lib.line, lib.label, lib.confidence], 'tiaoli.js and the glue agree');
  }
});

test('no request leaves 127.0.0.1', { timeout: 180_000 }, async (t) => {
  const { context, page } = await newPage(t);
  const seen = [];
  context.on('request', (req) => seen.push(req.url()));
  await context.route('**/*', (route) => {
    seen.push(route.request().url());
    return route.continue();
  });
  await page.goto(server.url);
  await waitReady(page);
  await enterReport(page, REPORT);
  await page.click('#load-sample');
  await page.waitForFunction(() => document.querySelectorAll('#results .para').length > 10 && document.getElementById('results').dataset.busy === 'false');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  await download.path();
  await page.goto(new URL('embed.html', server.url).href);
  await page.waitForFunction(() => document.querySelector('tiaoli-tagger')?.shadowRoot?.querySelectorAll('.para').length > 0);
  await page.waitForSelector('#summary[data-ready="true"]');

  assert.ok(seen.some((u) => u.endsWith('/pkg/tiaoli_wasm_bg.wasm')), `the recorder saw the wasm fetch: ${seen.join(' ')}`);
  assert.ok(seen.some((u) => u.endsWith('/worker.js')), 'the recorder saw the worker script');
  const foreign = seen.filter((u) => {
    const host = hostOf(u);
    return host !== null && host !== '127.0.0.1';
  });
  assert.deepEqual(foreign, [], 'every request goes to 127.0.0.1');
  console.log(`${seen.length} requests recorded, all to 127.0.0.1`);
});

test('pasted HTML shows as text and never runs', { timeout: 120_000 }, async (t) => {
  const { page } = await openApp(t);
  const img = '<img src=x onerror="window.__pwned=1">';
  const script = '<script>window.__pwned=2</script>';
  const text = [`${TITLE}${img}`, script, '一、主要工作 <b>加粗</b> <a href="javascript:window.__pwned=3">链接</a>', `<svg onload="window.__pwned=4"></svg>`].join('\n');
  await enterReport(page, text);
  const shown = await shownParagraphs(page);
  assert.equal(shown[0].text, `${TITLE}${img}`);
  assert.equal(shown[1].text, script);
  assert.ok(shown[2].text.includes('<b>加粗</b>'));
  assert.equal(await page.locator('#results img, #results script, #results b, #results a, #results svg').count(), 0);
  // Exports and the outline carry the text too: nothing of it may become markup anywhere.
  await page.click('#outline li:first-child button');
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('body img:not(.brand-mark)').count(), 0);
});

test('the CSP header is sent, forbids inline script and remote origins, and is enforced', { timeout: 120_000 }, async (t) => {
  const { page } = await newPage(t);
  const violations = [];
  await page.exposeFunction('__reportViolation', (v) => violations.push(v));
  const response = await page.goto(server.url);
  const headers = response.headers();
  const header = headers['content-security-policy'];
  assert.ok(header, 'Content-Security-Policy header present');
  const csp = parseCsp(header);
  assert.deepEqual(csp.get('default-src'), ["'self'"]);
  const scriptSrc = csp.get('script-src');
  assert.ok(scriptSrc.includes("'self'"));
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'blob:']) assert.ok(!scriptSrc.includes(bad), `script-src has no ${bad}`);
  assert.deepEqual(csp.get('object-src'), ["'none'"]);
  assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
  assert.ok(!csp.get('style-src').includes("'unsafe-inline'"));
  for (const [name, values] of csp) {
    for (const v of values) {
      assert.ok(/^'[a-z-]+'$/.test(v) || (name === 'img-src' && v === 'data:'), `${name} allows only keywords, not the origin ${v}`);
    }
  }
  assert.equal(headers['x-content-type-options'], 'nosniff');
  // Cached, but revalidated: a reload downloads nothing that did not change.
  assert.equal(headers['cache-control'], 'no-cache');
  const wasmUrl = new URL('pkg/tiaoli_wasm_bg.wasm', server.url);
  const first = await fetch(wasmUrl);
  await first.arrayBuffer();
  const since = first.headers.get('last-modified');
  assert.ok(since, 'files carry Last-Modified');
  const again = await fetch(wasmUrl, { headers: { 'If-Modified-Since': since } });
  assert.equal(again.status, 304, 'an unchanged file is not sent again');

  // The same policy in a <meta> (minus frame-ancestors, which meta cannot carry) on both pages.
  for (const pageName of ['index.html', 'embed.html']) {
    const html = await (await fetch(new URL(pageName, server.url))).text();
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
    assert.ok(meta, `${pageName} has a CSP meta tag`);
    const fromMeta = parseCsp(meta[1]);
    const expected = new Map(csp);
    expected.delete('frame-ancestors');
    assert.deepEqual(fromMeta, expected, `${pageName}: meta policy = header policy`);
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), `${pageName} has no inline script`);
    assert.ok(!/\sstyle=/.test(html), `${pageName} has no inline style attribute`);
    assert.ok(!/<style/.test(html), `${pageName} has no <style> element`);
  }

  // Enforced: an injected inline script does not run, and a violation is reported.
  await waitReady(page);
  const ran = await page.evaluate(async () => {
    document.addEventListener('securitypolicyviolation', (e) => window.__reportViolation(e.violatedDirective));
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 300));
    return window.__inlineRan === true;
  });
  assert.equal(ran, false, 'inline script blocked');
  assert.ok(violations.some((v) => v.startsWith('script-src')), `violation reported: ${violations}`);

  // MIME types the page depends on.
  const types = {};
  for (const file of ['app.js', 'worker.js', 'pkg/tiaoli_wasm.js', 'pkg/tiaoli_wasm_bg.wasm', 'style.css', 'index.html']) {
    const res = await fetch(new URL(file, server.url));
    assert.equal(res.status, 200, file);
    types[file] = res.headers.get('content-type').split(';')[0];
    assert.equal(res.headers.get('content-security-policy'), header, `${file} carries the CSP`);
  }
  assert.deepEqual(types, {
    'app.js': 'text/javascript',
    'worker.js': 'text/javascript',
    'pkg/tiaoli_wasm.js': 'text/javascript',
    'pkg/tiaoli_wasm_bg.wasm': 'application/wasm',
    'style.css': 'text/css',
    'index.html': 'text/html',
  });
});

test('a model file trained with the CLI loads; a bad one is refused clearly', { timeout: 15 * 60_000 }, async (t) => {
  const dir = await mkdtemp(path.join(outDir, 'model-'));
  const modelPath = path.join(dir, 'm.tiaoli');
  await run('cargo', ['run', '-q', '--release', '-p', 'tiaoli-cli', '--', 'train', '--data', 'tests/data/mini.jsonl', '--min-df', '1', '--out', modelPath]);
  const inspect = JSON.parse(await run('cargo', ['run', '-q', '--release', '-p', 'tiaoli-cli', '--', 'inspect', '--model', modelPath, '--format', 'json']));
  const garbagePath = path.join(dir, 'garbage.tiaoli');
  await writeFile(garbagePath, Buffer.from('这不是模型文件 not a model file \u0000\u0001\u0002'.repeat(20)));

  const { page, errors } = await openApp(t);
  const builtinVocabulary = await page.textContent('[data-key="vocabulary-size"]');
  assert.equal(await page.textContent('#model-badge'), '内置');
  assert.equal(await page.isDisabled('#use-builtin'), true);

  // The file picker.
  await page.setInputFiles('#model-file', modelPath);
  await page.waitForFunction(() => document.getElementById('model-badge').textContent === '自定义');
  assert.equal(await page.textContent('#model-name'), 'm.tiaoli');
  const vocabulary = await page.textContent('[data-key="vocabulary-size"]');
  assert.equal(vocabulary.replace(/,/g, ''), String(inspect.vocabulary_size));
  assert.notEqual(vocabulary, builtinVocabulary);
  assert.equal(await page.textContent('[data-key="labels"]'), inspect.labels.map((l) => NAMES[l]).join('、'));
  assert.match(await page.textContent('#status'), /已加载模型 “m\.tiaoli”/);
  assert.equal(await page.isEnabled('#use-builtin'), true);

  // Tagging now uses that model: same labels as the CLI with --model.
  await enterReport(page, REPORT);
  const withModel = await shownParagraphs(page);
  const cli = await cliTag(REPORT, ['--model', modelPath]);
  assert.deepEqual(withModel.map((p) => [p.line, p.label]), cli.map((p) => [p.line, p.label]));

  // A garbage file dropped on the page: a clear error, and the loaded model stays in use.
  const garbage = [...(await readFile(garbagePath))];
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'garbage.tiaoli', { type: 'application/octet-stream' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, garbage);
  await page.waitForSelector('#model-error:not([hidden])');
  const message = await page.textContent('#model-error');
  assert.match(message, /^无法加载模型文件 “garbage\.tiaoli”:.+。仍在使用模型 “m\.tiaoli”。$/s);
  assert.ok(message.length > 'garbage.tiaoli'.length + 20, `the error says what is wrong: ${message}`);
  assert.equal(await page.getAttribute('#model-error', 'role'), 'alert');
  assert.equal(await page.isHidden('#drop-overlay'), true);
  assert.equal(await page.textContent('#model-badge'), '自定义');

  // Still tags, with the model it had.
  const next = `${TITLE}\n三、存在的问题\n四、下一步工作打算`;
  await enterReport(page, next);
  assert.deepEqual((await shownParagraphs(page)).map((p) => p.label), (await cliTag(next, ['--model', modelPath])).map((p) => p.label));

  // The embedding module takes the same files: createTagger(bytes) loads, garbage rejects clearly.
  const lib = await page.evaluate(
    async ([model, bad]) => {
      const { createTagger } = await import('/pkg/tiaoli.js');
      const tagger = await createTagger(new Uint8Array(model).buffer);
      const info = tagger.info();
      tagger.free();
      let error = null;
      try {
        await createTagger(new Uint8Array(bad));
      } catch (err) {
        error = err instanceof Error ? err.message : `not an Error: ${err}`;
      }
      return { vocabularySize: info.vocabularySize, labels: info.labels, error };
    },
    [[...(await readFile(modelPath))], garbage],
  );
  assert.equal(lib.vocabularySize, inspect.vocabulary_size);
  assert.deepEqual(lib.labels, inspect.labels);
  assert.ok(lib.error && message.includes(lib.error), `the page shows the module's error: ${lib.error}`);

  // Back to the built-in model.
  await page.click('#use-builtin');
  await page.waitForFunction(() => document.getElementById('model-badge').textContent === '内置');
  assert.equal(await page.textContent('[data-key="vocabulary-size"]'), builtinVocabulary);
  assert.equal(await page.isHidden('#model-error'), true);
  await enterReport(page, REPORT);
  assert.deepEqual((await shownParagraphs(page)).map((p) => p.label), (await cliTag(REPORT)).map((p) => p.label));
  assert.deepEqual(errors, []);
});

test('too much text is an error in the page, which keeps working', { timeout: 180_000 }, async (t) => {
  const { page } = await openApp(t);
  // 9 MiB of UTF-8 is over the wasm module's 8 MiB limit; set it without typing.
  await page.evaluate(() => {
    const box = document.getElementById('report');
    box.value = `${'总结'.repeat(1_600_000)}\n`; // 9.6 MB of UTF-8 in one line
    box.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForSelector('#results-empty[data-kind="error"]:not([hidden])', { timeout: 60_000 });
  assert.match(await page.textContent('#results-empty'), /无法标注:.*too large/);
  assert.equal(await page.getAttribute('#status', 'data-kind'), 'error');
  await enterReport(page, REPORT);
  assert.equal((await shownParagraphs(page)).length, REPORT_LINES.length);
  assert.equal(await page.getAttribute('#status', 'data-kind'), 'ok');
});

test('removing boilerplate cleans the text; JSON and Markdown export', { timeout: 120_000 }, async (t) => {
  const { context, page } = await openApp(t);
  await enterReport(page, REPORT);
  const before = await shownParagraphs(page);
  const junk = before.filter((p) => p.label === 'boilerplate');
  assert.ok(junk.some((p) => p.text === BREADCRUMB));

  // JSON export: the tag results.
  const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  assert.match(jsonDownload.suggestedFilename(), /\.json$/);
  const exported = JSON.parse(await readFile(await jsonDownload.path(), 'utf8'));
  assert.deepEqual(exported.paragraphs.map((p) => [p.line, p.label, p.text]), before.map((p) => [p.line, p.label, p.text]));
  assert.ok(exported.paragraphs.every((p) => typeof p.confidence === 'number' && p.scores && typeof p.start === 'number'));

  // Markdown export: one heading per section, paragraphs under it, no page junk.
  const [mdDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-md')]);
  assert.match(mdDownload.suggestedFilename(), /\.md$/);
  const md = await readFile(await mdDownload.path(), 'utf8');
  assert.ok(md.includes('## 存在问题'), md);
  assert.ok(md.includes(`# ${TITLE}`), md);
  assert.ok(md.includes('## 主要工作\n\n一、主要工作完成情况'), md);
  assert.ok(!md.includes('当前位置'), 'boilerplate is left out of the Markdown');
  await writeFile(path.join(outDir, 'export.md'), md);

  // One click removes the boilerplate lines from the textarea.
  await page.click('#remove-boilerplate');
  await page.waitForFunction((crumb) => !document.getElementById('report').value.includes(crumb), BREADCRUMB);
  const cleaned = await page.inputValue('#report');
  const expected = REPORT.split('\n')
    .filter((_, i) => !junk.some((p) => p.line === i + 1))
    .join('\n');
  assert.equal(cleaned, expected);
  assert.ok(cleaned.startsWith(TITLE));
  assert.match(await page.textContent('#status'), new RegExp(`已删除 ${junk.length} 行网页杂项`));
  await page.waitForFunction((n) => document.querySelectorAll('#results .para').length === n && document.getElementById('results').dataset.busy === 'false', REPORT_LINES.length - junk.length);
  assert.ok((await shownParagraphs(page)).every((p) => p.label !== 'boilerplate' || !junk.some((j) => j.text === p.text)));

  // Copy puts the cleaned text on the clipboard.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
  await page.click('#copy-text');
  await page.waitForFunction(() => /已复制/.test(document.getElementById('status').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), cleaned);

  // Undo restores the text as it was.
  await page.click('#undo-remove');
  assert.equal(await page.inputValue('#report'), REPORT);
});

test('keyboard: labelled controls, real buttons, visible focus', { timeout: 120_000 }, async (t) => {
  const { page } = await openApp(t);
  const unlabeled = await page.$$eval('input, textarea', (els) => els.filter((e) => !e.labels?.length).map((e) => e.id));
  assert.deepEqual(unlabeled, []);
  const fakeButtons = await page.$$eval('[onclick], div[role="button"], span[role="button"]', (els) => els.length);
  assert.equal(fakeButtons, 0);
  // Tab order starts with the skip link, then reaches the report box's tools and the box.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  const order = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.className));
  }
  assert.ok(order.includes('load-sample') && order.includes('report'), order.join(','));
  await enterReport(page, REPORT);
  await page.focus('#remove-boilerplate');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineWidth);
  assert.match(outline, /^solid [2-9]/, 'keyboard focus is visible');
  // Enter on an outline entry selects that section in the text.
  await page.focus('#outline li:nth-child(2) button');
  await page.keyboard.press('Enter');
  const sel = await page.evaluate(() => {
    const box = document.getElementById('report');
    return [document.activeElement.id, box.value.slice(box.selectionStart, box.selectionEnd)];
  });
  assert.deepEqual(sel, ['report', TITLE]);
});

test('the embed page: <tiaoli-tagger> renders in its shadow root, styles stay apart; tiaoli.js prints data', { timeout: 120_000 }, async (t) => {
  const { page, errors } = await newPage(t);
  await page.goto(new URL('embed.html', server.url).href);
  await page.waitForFunction(() => document.querySelector('tiaoli-tagger')?.shadowRoot?.querySelectorAll('.para[data-label]').length > 0);
  const component = await page.evaluate(async () => {
    const el = document.querySelector('tiaoli-tagger');
    const { tag } = await import('/pkg/tiaoli.js');
    const expected = await tag(el.textContent);
    const items = [...el.shadowRoot.querySelectorAll('.para')].map((p) => ({
      line: Number(p.dataset.line),
      label: p.dataset.label,
      text: p.querySelector('.text').textContent,
    }));
    return {
      items,
      expected: expected.map((p) => ({ line: p.line, label: p.label, text: p.text })),
      inLightDom: document.querySelectorAll('.para, [data-line]').length,
      stylesheet: el.shadowRoot.querySelector('link[rel="stylesheet"]')?.href,
    };
  });
  assert.ok(component.items.length >= 8);
  assert.deepEqual(component.items, component.expected);
  assert.equal(component.items[0].label, 'title');
  assert.equal(component.inLightDom, 0, 'nothing rendered outside the shadow root');
  assert.equal(component.stylesheet, new URL('pkg/tiaoli-tagger.css', server.url).href);

  // Styles: the page's style.css has rules for .para and [data-label]; they must not reach the
  // shadow root, and the component's rules must not reach the page.
  const styles = await page.evaluate(() => {
    const probe = document.createElement('li');
    probe.className = 'para';
    probe.dataset.label = 'work';
    const probeText = document.createElement('span');
    probeText.className = 'text';
    probe.append(probeText);
    document.body.append(probe);
    const inner = document.querySelector('tiaoli-tagger').shadowRoot.querySelector('.para');
    const pick = (el) => {
      const s = getComputedStyle(el);
      return { borderLeftWidth: s.borderLeftWidth, paddingTop: s.paddingTop, cursor: s.cursor, display: s.display };
    };
    const result = { page: pick(probe), shadow: pick(inner), pageText: getComputedStyle(probeText).whiteSpace };
    probe.remove();
    return result;
  });
  assert.equal(styles.page.borderLeftWidth, '5px', 'the page stylesheet styles its own .para');
  assert.equal(styles.shadow.borderLeftWidth, '4px', 'the component stylesheet styles the shadow .para');
  assert.equal(styles.page.cursor, 'pointer');
  assert.equal(styles.shadow.cursor, 'auto', "the page's .para cursor does not leak in");
  assert.equal(styles.shadow.display, 'grid');
  assert.equal(styles.page.display, 'list-item', "the component's .para rules do not leak out");
  assert.equal(styles.pageText, 'normal', "the component's .text rule does not leak out");

  // The .text property re-tags and dispatches `tagged`; user text stays text.
  const changed = await page.evaluate(async () => {
    const el = document.querySelector('tiaoli-tagger');
    const detail = await new Promise((resolve) => {
      el.addEventListener('tagged', (e) => resolve(e.detail), { once: true });
      el.text = '社区2024年工作总结\n<img src=x onerror="window.__pwned=1">\n三、存在的问题';
    });
    await new Promise((r) => setTimeout(r, 200));
    return {
      count: detail.paragraphs.length,
      lines: [...el.shadowRoot.querySelectorAll('.para')].map((p) => Number(p.dataset.line)),
      img: el.shadowRoot.querySelectorAll('img').length,
      second: el.shadowRoot.querySelectorAll('.para .text')[1].textContent,
      pwned: window.__pwned,
    };
  });
  assert.deepEqual(changed, { count: 3, lines: [1, 2, 3], img: 0, second: '<img src=x onerror="window.__pwned=1">', pwned: undefined });

  // A new element from script, with the text attribute.
  const fromAttribute = await page.evaluate(async () => {
    const el = document.createElement('tiaoli-tagger');
    const done = new Promise((resolve) => el.addEventListener('tagged', (e) => resolve(e.detail.paragraphs.map((p) => p.label)), { once: true }));
    el.setAttribute(
      'text',
      '当前位置:首页 > 范文大全 > 工作总结\n社区2024年工作总结\n今年以来,社区在街道党工委领导下,扎实开展各项工作,现总结如下:\n三、存在的问题\n一是人手不足;二是经费紧张。',
    );
    document.body.append(el);
    return done;
  });
  assert.deepEqual(fromAttribute, ['boilerplate', 'title', 'opening', 'problems', 'problems']);

  // The data-only module printed its JSON summary.
  await page.waitForSelector('#summary[data-ready="true"]');
  const summary = JSON.parse(await page.textContent('#summary'));
  assert.ok(Array.isArray(summary) && summary.length === 5);
  for (const p of summary) {
    assert.ok(LABELS.includes(p.label));
    assert.equal(p.name, NAMES[p.label]);
  }
  assert.match(await page.textContent('#event-log'), /tagged 事件/);
  assert.deepEqual(errors, []);
});

test('screenshots: desktop and phone (stacked, no sideways scrolling)', { timeout: 120_000 }, async (t) => {
  const { page } = await openApp(t);
  await enterReport(page, REPORT);
  await page.check('#show-english');
  await page.uncheck('#show-english');
  const file = path.join(outDir, 'page.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
  if (process.env.TIAOLI_SCREENSHOT) {
    await copyFile(file, process.env.TIAOLI_SCREENSHOT);
    console.log(`screenshot also written to ${process.env.TIAOLI_SCREENSHOT}`);
  }

  const phone = await openApp(t, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await enterReport(phone.page, REPORT);
  const layout = await phone.page.evaluate(() => {
    const box = (sel) => document.querySelector(sel).getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      width: window.innerWidth,
      editorBottom: box('.editor').bottom,
      resultsTop: box('.results-panel').top,
      sideTop: box('.side').top,
      resultsBottom: box('.results-panel').bottom,
    };
  });
  assert.ok(layout.scrollWidth <= layout.width, `no horizontal scrolling on a phone: ${JSON.stringify(layout)}`);
  assert.ok(layout.resultsTop >= layout.editorBottom, 'results stack under the editor');
  assert.ok(layout.sideTop >= layout.resultsBottom, 'the outline stacks under the results');
  const phoneFile = path.join(outDir, 'page-phone.png');
  await phone.page.screenshot({ path: phoneFile, fullPage: true });
  console.log(`phone screenshot: ${phoneFile}`);
});

test('serve.py exits cleanly on SIGTERM', { timeout: 60_000 }, async () => {
  const own = await startServer();
  const res = await fetch(new URL('lib/tiaoli.js', own.url));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type').split(';')[0], 'text/javascript');
  const { code, signal } = await own.stop();
  assert.equal(signal, null);
  assert.equal(code, 0);
});
