// Browser tests for the page's explanations: hovering, clicking or focusing a paragraph shows
// why it has its type (web/app.js, computed in web/worker.js by Tagger.explain).
//
//   make wasm                        # web/pkg
//   npm ci --prefix tests/browser    # playwright-core (drives Debian's /usr/bin/chromium)
//   node --test tests/browser/explain.test.mjs
//
// Starts web/serve.py on a free port and drives headless Chromium, as page.test.mjs does.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPrerequisites, enterReport, launchBrowser, NAMES, startServer } from './helpers.mjs';


// A report written for these tests. Line 1 is page junk with HTML-looking text; line 3 is blank.
const JUNK = '首页 > <b>范文大全</b> > 工作总结';
const REPORT = [
  JUNK,
  '市图书馆2024年度工作总结',
  '',
  '2024年,市图书馆在市文旅局的指导下,以全民阅读推广为抓手,不断提升公共文化服务水平,现将一年来的工作总结如下:',
  '一、主要工作',
  '(一)开展阅读推广活动。全年举办读书分享会86场,线上线下参与读者4.2万人次。',
  '(二)完善总分馆体系。新建乡镇分馆5个,图书通借通还覆盖全部街道。',
  '二、存在的问题',
  '一是馆舍面积不足,阅览座位长期紧张;二是数字资源更新较慢,读者满意度有待提高。',
  '三、2025年工作打算',
  '明年,我们将加快新馆建设前期工作,计划新增数字资源20TB,并开展少儿阅读季活动。',
  '市图书馆',
  '2024年12月25日',
].join('\n');
const PROBLEMS_LINE = 9;

let server;
let browser;

// ------------------------------------------------------------------ helpers

/** A fresh page with the model loaded; closed when the test ends. Collects console errors. */
async function openApp(t, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, ...options });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 60_000 });
  const [ready, status] = await page.evaluate(() => [document.body.dataset.ready, document.getElementById('status').textContent]);
  assert.equal(ready, 'true', `the page failed to load the model: ${status}`);
  return { page, errors };
}

/** Waits until the popover shows the explanation (not just "正在分析…") of `line`. */
async function waitExplained(page, line) {
  await page.waitForFunction(
    (line) => {
      const pop = document.getElementById('explain-pop');
      return !pop.hidden && pop.querySelector('.explain-line')?.textContent === `第 ${line} 行` && pop.querySelectorAll('.explain-group').length === 2;
    },
    line,
    { timeout: 30_000 },
  );
}

async function waitClosed(page) {
  await page.waitForFunction(() => document.getElementById('explain-pop').hidden, null, { timeout: 10_000 });
}

/** What the popover shows. */
function shownExplanation(page) {
  return page.evaluate(() => {
    const pop = document.getElementById('explain-pop');
    return {
      hidden: pop.hidden,
      role: pop.getAttribute('role'),
      label: pop.dataset.label,
      name: pop.querySelector('.explain-head .chip-zh')?.textContent,
      conf: pop.querySelector('.explain-conf')?.textContent,
      line: pop.querySelector('.explain-line')?.textContent,
      words: [...pop.querySelectorAll('.explain-list.words .word-chip')].map((c) => c.textContent),
      wordKinds: [...pop.querySelectorAll('.explain-list.words .word-chip')].map((c) => c.dataset.kind),
      context: [...pop.querySelectorAll('.explain-list.context .feature-name')].map((c) => c.textContent),
      weights: [...pop.querySelectorAll('.explain-feature .weight')].map((w) => w.textContent),
      bars: [...pop.querySelectorAll('.bar-fill')].map((b) => b.getBoundingClientRect().width),
      elements: [...new Set([...pop.querySelectorAll('*')].map((el) => el.localName))].sort(),
      describedBy: [...document.querySelectorAll('[aria-describedby="explain-pop"]')].map((el) => Number(el.dataset.line)),
    };
  });
}

/** A chip's text for a feature as the API gives it: 「」 dropped, edges spelled in Chinese. */
function chipText(feature) {
  const body = feature.startsWith('「') && feature.endsWith('」') && feature.length > 2 ? feature.slice(1, -1) : feature;
  return body.replace(/^⟨start⟩/, '段首').replace(/⟨end⟩$/, '段末');
}

/** The chips the page should show for the API's words: one per text, weights added, top 5. */
function expectedChips(words) {
  const sums = new Map();
  for (const w of words) sums.set(chipText(w.feature), (sums.get(chipText(w.feature)) ?? 0) + w.weight);
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([text]) => text);
}

// ------------------------------------------------------------------ setup

before(async () => {
  checkPrerequisites(['tiaoli_wasm.js', 'tiaoli_wasm_bg.wasm', 'tiaoli.js']);
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// ------------------------------------------------------------------ tests

test('hovering a paragraph explains its type with words and layout/context features', { timeout: 180_000 }, async (t) => {
  const { page, errors } = await openApp(t);
  await enterReport(page, REPORT);
  assert.equal(await page.isVisible('#results-hint'), true, 'the page says how to see why');
  const para = page.locator(`#results .para[data-line="${PROBLEMS_LINE}"]`);
  const label = await para.getAttribute('data-label');
  const conf = await para.locator('.conf').textContent();

  await para.locator('.para-text').hover();
  await waitExplained(page, PROBLEMS_LINE);
  const shown = await shownExplanation(page);
  assert.equal(shown.role, 'tooltip');
  assert.equal(shown.label, label, 'the popover has the paragraph type (and its colour)');
  assert.equal(shown.name, NAMES[label]);
  assert.equal(shown.conf, `置信度 ${conf}`, 'the same confidence as the paragraph shows');
  assert.ok(shown.words.length >= 1 && shown.words.length <= 5, `words: ${shown.words}`);
  assert.ok(shown.context.length >= 1 && shown.context.length <= 5, `context: ${shown.context}`);
  assert.deepEqual(shown.describedBy, [PROBLEMS_LINE], 'the paragraph is described by the popover');
  for (const w of shown.weights) assert.match(w, /^\+\d+\.\d\d$/);
  assert.ok(shown.bars.every((b) => b > 0), `bars have widths (CSSOM, allowed by the CSP): ${shown.bars}`);

  // The popover shows what the data API says, in the order it says it.
  const api = await page.evaluate(
    async ({ text, line }) => {
      const { explain, tag } = await import('/pkg/tiaoli.js');
      const why = await explain(text, line, 8);
      const tagged = (await tag(text)).find((p) => p.line === line);
      return { why, tagged, blank: (await explain(text, 3)) === undefined };
    },
    { text: REPORT, line: PROBLEMS_LINE },
  );
  assert.equal(api.why.label, label);
  assert.equal(api.why.label, api.tagged.label);
  assert.equal(api.why.confidence, api.tagged.confidence);
  assert.deepEqual(shown.words, expectedChips(api.why.words), 'a word and the same characters are one chip');
  assert.deepEqual(shown.context, api.why.context.slice(0, 5).map((c) => c.feature));
  const weights = shown.weights.map(Number);
  const sorted = (list) => list.every((w, i) => i === 0 || list[i - 1] >= w);
  assert.ok(sorted(weights.slice(0, shown.words.length)) && sorted(weights.slice(shown.words.length)), `largest first: ${shown.weights}`);
  assert.ok(api.blank, 'explain() gives undefined for a blank line');

  // Another paragraph under the pointer: the popover follows; off the list, it closes.
  await page.locator('#results .para[data-line="2"] .para-text').hover();
  await waitExplained(page, 2);
  assert.equal((await shownExplanation(page)).label, await page.getAttribute('#results .para[data-line="2"]', 'data-label'));
  await page.mouse.move(5, 5);
  await waitClosed(page);
  assert.deepEqual((await shownExplanation(page)).describedBy, []);

  // A click (or tap) pins it; a click elsewhere closes it.
  await para.locator('.para-text').click();
  await waitExplained(page, PROBLEMS_LINE);
  await page.mouse.move(5, 5);
  await page.waitForTimeout(500);
  assert.equal((await shownExplanation(page)).hidden, false, 'a clicked paragraph stays explained');
  await page.mouse.click(5, 5);
  await waitClosed(page);

  // Typing goes on while a paragraph is explained; the new text closes the stale popover.
  await para.locator('.para-text').click();
  await waitExplained(page, PROBLEMS_LINE);
  await page.mouse.move(5, 5);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'report', 'a click still selects the paragraph in the text');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n附件:活动照片');
  await page.waitForFunction(() => document.querySelectorAll('#results .para').length === 13 && document.getElementById('results').dataset.busy === 'false');
  await waitClosed(page);
  assert.ok((await page.inputValue('#report')).endsWith('附件:活动照片'));

  assert.deepEqual(errors, [], 'no errors (a CSP violation would be one)');
});

test('keyboard: the list is one tab stop, focus and Enter explain, arrows move, Escape closes', { timeout: 180_000 }, async (t) => {
  const { page, errors } = await openApp(t);
  await enterReport(page, REPORT);
  const active = () => page.evaluate(() => ({ line: Number(document.activeElement?.dataset?.line ?? 0), para: !!document.activeElement?.matches('.para') }));

  await page.focus('#show-english');
  await page.keyboard.press('Tab');
  assert.deepEqual(await active(), { line: 1, para: true }, 'Tab reaches the first paragraph');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(ring, 'solid', 'the focused paragraph shows the focus ring');
  await waitExplained(page, 1);
  await page.keyboard.press('Escape');
  await waitClosed(page);
  assert.deepEqual(await active(), { line: 1, para: true }, 'Escape closes the popover and keeps the focus');

  await page.keyboard.press('Enter');
  await waitExplained(page, 1);
  assert.deepEqual((await shownExplanation(page)).describedBy, [1]);

  await page.keyboard.press('ArrowDown');
  assert.deepEqual(await active(), { line: 2, para: true }, 'ArrowDown moves to the next paragraph');
  await waitExplained(page, 2);
  await page.keyboard.press('End');
  const last = await page.evaluate(() => Number([...document.querySelectorAll('#results .para')].at(-1).dataset.line));
  assert.deepEqual(await active(), { line: last, para: true });
  await waitExplained(page, last);
  const shown = await shownExplanation(page);
  assert.ok(shown.words.length >= 1 && shown.context.length >= 1, JSON.stringify(shown));
  await page.keyboard.press('Escape');
  await waitClosed(page);
  await page.keyboard.press('Enter');
  await waitExplained(page, last);
  await page.keyboard.press('Escape');
  await waitClosed(page);

  // One tab stop: Shift+Tab leaves the list, Tab comes back to the paragraph last focused.
  await page.keyboard.press('Shift+Tab');
  assert.equal((await active()).para, false);
  await page.keyboard.press('Tab');
  assert.deepEqual(await active(), { line: last, para: true });
  await waitExplained(page, last);
  // Leaving the list by keyboard closes a popover that focus opened.
  await page.keyboard.press('Shift+Tab');
  await waitClosed(page);

  assert.deepEqual(errors, []);
});

test('HTML-looking text in explanations shows as text', { timeout: 180_000 }, async (t) => {
  const { page, errors } = await openApp(t);
  await enterReport(page, REPORT);

  // Line 1 (page junk with <b> tags): the model's own chips include n-grams of the markup.
  await page.locator('#results .para[data-line="1"] .para-text').hover();
  await waitExplained(page, 1);
  let shown = await shownExplanation(page);
  assert.ok(shown.words.some((w) => /[<>/]/.test(w)), `a chip with markup characters: ${shown.words}`);
  assert.equal(await page.textContent('#results .para[data-line="1"] .para-text'), JUNK);
  await page.mouse.move(5, 5);
  await waitClosed(page);

  // A worker answer with markup in every string (as a hostile model file could give): the page
  // shows it as text. The page's worker is intercepted (once it has started and the page sends
  // it everything): explain requests get this answer.
  await page.waitForSelector('body[data-worker="ready"]', { state: 'attached' });
  const evil = '<img src=x onerror="document.title=\'pwned\'"><b>加粗</b>';
  await page.evaluate((evil) => {
    const worker = window.tiaoliBoot.worker;
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (msg, ...rest) => {
      if (msg?.type !== 'explain') return post(msg, ...rest);
      const explanation = {
        line: msg.line,
        label: 'work',
        confidence: 0.5,
        words: [
          { feature: `「⟨start⟩${evil}」`, weight: 0.9 },
          { feature: evil, weight: 0.3 },
          { feature: '「加粗」', weight: 0.2 },
          { feature: '加粗', weight: 0.2 },
        ],
        context: [{ feature: `its heading is ${evil}`, weight: 1.5 }],
      };
      setTimeout(() => worker.dispatchEvent(new MessageEvent('message', { data: { type: 'explained', id: msg.id, line: msg.line, explanation } })));
    };
  }, evil);
  await page.locator('#results .para[data-line="7"] .para-text').hover();
  await waitExplained(page, 7);
  shown = await shownExplanation(page);
  assert.deepEqual(shown.words, [`段首${evil}`, '加粗', evil]);
  assert.deepEqual(shown.wordKinds, ['chars', 'both', 'word']);
  assert.deepEqual(shown.weights, ['+0.90', '+0.40', '+0.30', '+1.50']);
  assert.deepEqual(shown.context, [`its heading is ${evil}`]);
  assert.ok(!shown.elements.includes('img') && !shown.elements.includes('b'), `elements: ${shown.elements}`);
  await page.waitForTimeout(200);
  assert.notEqual(await page.title(), 'pwned');
  assert.deepEqual(errors, []);
});
