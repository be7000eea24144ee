// tiaoli page: tags a pasted work report paragraph by paragraph.
//
// Tagging runs in a module worker (worker.js) that owns a WebAssembly tagger, so typing never
// waits for it. A worker takes tens of milliseconds to start, most of the time to ready, so
// until it has, this page answers short texts itself with the same protocol
// (tagger-host.js) on its own instance of the module. User text reaches the DOM through
// textContent only, never as HTML.

// boot.js, a classic script in <head>, started the WebAssembly download and compile, the
// worker and the page's own instance before this module ran; their messages come here.
const boot = window.tiaoliBoot;

/** The longest text the page tags on its main thread while the worker starts (about 30 ms). */
const MAIN_THREAD_MAX_CHARS = 100_000;

/** Where tagging can run: 'starting', 'ready' or 'failed'. */
const hosts = { worker: 'starting', page: 'starting' };

if (boot) queueMicrotask(() => boot.listen(onHostMessage));
// After this module has run: onHostMessage() needs the state and elements declared below.
else queueMicrotask(() => fatal('boot.js 未加载'));

/**
 * Sends a protocol message to where it runs: the worker once it is ready; before that, a
 * short text's tag or explain request to the page's instance if that is ready; anything else
 * to the worker, which answers once it has started (or to the page's instance if the worker
 * failed).
 */
function send(msg, transfer = []) {
  const short = (msg.type === 'tag' || msg.type === 'explain') && String(msg.text ?? '').length <= MAIN_THREAD_MAX_CHARS;
  const usePage = hosts.worker === 'failed' || (hosts.worker !== 'ready' && hosts.page === 'ready' && short);
  if (!usePage) boot.startWorker();
  if (usePage || !boot.worker) boot.page?.handle(msg);
  else boot.worker.postMessage(msg, transfer);
}

/** The eight types in the order of a report's plan (Label::ALL). */
const LABELS = ['title', 'opening', 'work', 'experience', 'problems', 'plans', 'closing', 'boilerplate'];

/** Shown until the worker reports labelNames() from the package. */
const FALLBACK_NAMES = {
  title: '标题',
  opening: '开头',
  work: '主要工作',
  experience: '经验体会',
  problems: '存在问题',
  plans: '今后打算',
  closing: '结尾',
  boilerplate: '网页杂项',
};

/** What a complete 工作总结 has (title and experience are not required). */
const REQUIRED = ['opening', 'work', 'problems', 'plans', 'closing'];

const DEBOUNCE_MS = 150;
const LOW_CONFIDENCE = 0.5;
const MAX_MODEL_BYTES = 64 * 1024 * 1024;

const SAMPLE = [
  '当前位置:首页 > 范文大全 > 学校工作总结',
  '阳光小学2024年秋季学期教学工作总结',
  '本学期,我校在区教育局的正确领导下,坚持立德树人根本任务,以提高教学质量为中心,全体教师团结协作,圆满完成了各项教学任务。现将本学期工作总结如下:',
  '一、主要工作',
  '(一)抓实课堂教学常规。严格落实备课、上课、作业、辅导、评价五个环节,每月开展一次教学常规检查。',
  '(二)推进教研活动。各学科组每周开展集体备课,全学期共组织公开课32节,评课活动28次。',
  '(三)丰富课后服务。开设书法、足球、科学实验等社团18个,参与学生占全校学生的85%。',
  '二、几点体会',
  '我们深刻体会到,只有把教师队伍建设放在首位,教学质量的提升才有坚实基础。',
  '三、存在的不足',
  '一是部分青年教师课堂驾驭能力有待提高;二是作业设计分层不够,个别学生负担偏重。',
  '四、下学期工作计划',
  '下学期,我们将继续加强青年教师培养,开展“师徒结对”活动,并进一步优化作业设计。',
  '总之,我们将以更加务实的作风,努力推动学校教育教学工作再上新台阶。',
  '阳光小学教务处',
  '2025年1月10日',
  '小编推荐:更多学校工作总结范文请点击查看',
].join('\n');

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const ui = {
  status: $('status'),
  report: /** @type {HTMLTextAreaElement} */ ($('report')),
  results: $('results'),
  resultsEmpty: $('results-empty'),
  stats: $('text-stats'),
  outline: $('outline'),
  outlineEmpty: $('outline-empty'),
  completeness: $('completeness'),
  legend: $('legend'),
  modelName: $('model-name'),
  modelBadge: $('model-badge'),
  modelInfo: $('model-info'),
  modelMeta: /** @type {HTMLDetailsElement} */ ($('model-meta')),
  modelMetadata: $('model-metadata'),
  modelFile: /** @type {HTMLInputElement} */ ($('model-file')),
  modelError: $('model-error'),
  useBuiltin: /** @type {HTMLButtonElement} */ ($('use-builtin')),
  showEnglish: /** @type {HTMLInputElement} */ ($('show-english')),
  removeBoilerplate: /** @type {HTMLButtonElement} */ ($('remove-boilerplate')),
  undoRemove: /** @type {HTMLButtonElement} */ ($('undo-remove')),
  copyText: /** @type {HTMLButtonElement} */ ($('copy-text')),
  exportJson: /** @type {HTMLButtonElement} */ ($('export-json')),
  exportMd: /** @type {HTMLButtonElement} */ ($('export-md')),
  loadSample: /** @type {HTMLButtonElement} */ ($('load-sample')),
  clearText: /** @type {HTMLButtonElement} */ ($('clear-text')),
  dropOverlay: $('drop-overlay'),
};

const state = {
  names: { ...FALLBACK_NAMES },
  ready: false,
  /** @type {{source: string, name: string, info: any, labels: string[]} | null} */
  model: null,
  /** The text and paragraphs on screen. */
  rendered: { text: '', paragraphs: /** @type {any[]} */ ([]) },
  sentSeq: 0,
  /** @type {Map<number, {text: string, resolve: Function, reject: Function}>} */
  pending: new Map(),
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  timer: undefined,
  modelRequest: 0,
  /** @type {string | null} */
  undoText: null,
  tagFailed: false,
};

// ---------------------------------------------------------------- helpers

/**
 * Creates an element. Text goes in through textContent only.
 * @param {string} tag
 * @param {{ class?: string, text?: string, attrs?: Record<string, string> }} [opts]
 * @param {Node[]} [children]
 */
function h(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined) node.textContent = opts.text;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function nameOf(label) {
  return state.names[label] ?? label;
}

function percent(p) {
  return `${Math.round(p * 100)}%`;
}

/** @param {string} text @param {'busy' | 'ok' | 'error' | 'info'} kind */
function setStatus(text, kind = 'info') {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

/** Lines of `text` with their terminators, numbered like the tagger does (\r\n, \n or \r). */
function splitLines(text) {
  const parts = text.split(/(\r\n|\n|\r)/);
  const lines = [];
  for (let i = 0; i < parts.length; i += 2) lines.push({ line: lines.length + 1, body: parts[i], end: parts[i + 1] ?? '' });
  return lines;
}

/** Consecutive runs of one type. */
function sections(paragraphs) {
  const runs = [];
  for (const p of paragraphs) {
    const last = runs[runs.length - 1];
    if (last && last.label === p.label) last.paragraphs.push(p);
    else runs.push({ label: p.label, paragraphs: [p] });
  }
  return runs;
}

function missingParts(paragraphs) {
  const present = new Set(paragraphs.map((p) => p.label));
  return REQUIRED.filter((l) => !present.has(l));
}

// ---------------------------------------------------------------- the tagging instances

/** A failed worker's unanswered requests, answered by the page's instance instead (an answer
 * that comes twice finds its request settled and is dropped). */
function resendPending() {
  for (const [seq, { text }] of state.pending) boot.page?.handle({ type: 'tag', seq, text });
  if (explain.inFlight) {
    const { id, text, line } = explain.inFlight;
    boot.page?.handle({ type: 'explain', id, text, line, top: EXPLAIN_ASKED });
  }
}

function fatal(message) {
  state.ready = false;
  document.body.dataset.ready = 'error';
  setStatus(`模型加载失败:${message}`, 'error');
  for (const { reject } of state.pending.values()) reject(new Error(message));
  state.pending.clear();
}

function onHostMessage(msg, from) {
  switch (msg?.type) {
    case 'ready': {
      hosts[from] = 'ready';
      if (from === 'worker') document.body.dataset.worker = 'ready';
      else if (hosts.worker === 'failed') resendPending();
      else setTimeout(boot.startWorker); // after this task: the page first shows it is ready
      if (state.ready) break; // the other instance was first
      state.ready = true;
      state.names = { ...FALLBACK_NAMES, ...msg.names };
      state.model = msg.model;
      renderLegend();
      renderModel();
      document.body.dataset.readyMs = String(Math.round(performance.now()));
      document.body.dataset.ready = 'true';
      setStatus(`内置模型已就绪(加载 ${Math.round(msg.ms)} ms)`, 'ok');
      if (ui.report.value.trim()) requestTag();
      else renderResults('', []);
      break;
    }
    case 'fatal':
      hosts[from] = 'failed';
      if (from === 'page') boot.startWorker();
      if (from === 'worker') document.body.dataset.worker = 'failed';
      // Either instance can tag alone; the page fails only when both have.
      if (hosts.worker === 'failed' && hosts.page === 'failed') fatal(msg.message);
      else if (from === 'worker' && hosts.page === 'ready') resendPending();
      break;
    case 'tagged':
    case 'tag-error': {
      const waiting = state.pending.get(msg.seq);
      state.pending.delete(msg.seq);
      const latest = msg.seq === state.sentSeq;
      if (msg.type === 'tagged') {
        waiting?.resolve({ paragraphs: msg.paragraphs, ms: msg.ms, text: waiting.text });
        if (latest && waiting) {
          renderResults(waiting.text, msg.paragraphs, msg.ms);
          // Which instance tagged, and how long it took: for `make bench-web`.
          ui.results.dataset.taggedBy = from;
          ui.results.dataset.tagMs = msg.ms.toFixed(2);
          if (state.tagFailed) setStatus(readyMessage(), 'ok');
          state.tagFailed = false;
        }
      } else {
        waiting?.reject(new Error(msg.message));
        if (latest) showTagError(msg.message);
      }
      if (latest) settleBusy();
      break;
    }
    case 'model': {
      if (msg.id !== state.modelRequest) break; // a newer request supersedes this one
      state.model = msg.model;
      ui.modelError.hidden = true;
      ui.modelError.textContent = '';
      renderModel();
      renderLegend();
      setStatus(
        msg.model.source === 'builtin'
          ? '已改用内置模型'
          : `已加载模型 “${msg.model.name}”(词表 ${msg.model.info.vocabularySize.toLocaleString('zh-CN')})`,
        'ok',
      );
      requestTag();
      break;
    }
    case 'model-error': {
      if (msg.id !== state.modelRequest) break;
      showModelError(msg.name, msg.message);
      break;
    }
    case 'explained':
    case 'explain-error':
      onExplained(msg);
      break;
    default:
      break;
  }
}

function readyMessage() {
  return state.model?.source === 'file' ? `正在使用模型 “${state.model.name}”` : '内置模型已就绪';
}

/** Tags `text` now; resolves with that text's paragraphs even if newer requests follow. */
function tagNow(text) {
  if (document.body.dataset.ready === 'error') return Promise.reject(new Error('模型未加载'));
  const seq = ++state.sentSeq;
  ui.results.dataset.busy = 'true';
  return new Promise((resolve, reject) => {
    state.pending.set(seq, { text, resolve, reject });
    send({ type: 'tag', seq, text });
  });
}

/** Tags the textarea's text; results older than the newest request are dropped. */
function requestTag() {
  clearTimeout(state.timer);
  state.timer = undefined;
  tagNow(ui.report.value).catch(() => {}); // errors are shown by onHostMessage
}

function scheduleTag() {
  clearTimeout(state.timer);
  ui.results.dataset.busy = 'true';
  state.timer = setTimeout(requestTag, DEBOUNCE_MS);
}

/** Paragraphs of exactly the textarea's current text. */
async function currentParagraphs() {
  const text = ui.report.value;
  const idle = state.timer === undefined && state.pending.size === 0;
  if (idle && state.rendered.text === text) return { text, paragraphs: state.rendered.paragraphs };
  clearTimeout(state.timer);
  state.timer = undefined;
  const result = await tagNow(text);
  return { text, paragraphs: result.paragraphs };
}

// ---------------------------------------------------------------- rendering

/**
 * Big results are drawn in slices so the page keeps answering: the first FIRST_PARAGRAPHS
 * paragraphs (and FIRST_RUNS outline entries) at once, the rest in tasks of about SLICE_MS
 * each. New results (or an error) cancel the slices of older ones, so a list never mixes two
 * texts. The outline's counts, the completeness check and the stats always cover every
 * paragraph, drawn or not.
 */
const FIRST_PARAGRAPHS = 300;
const FIRST_RUNS = 100;
const SLICE_MS = 40;

const paint = {
  /** Bumped by every renderResults: a slice of an older one does nothing. */
  gen: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  timer: undefined,
  /** @type {{ list: HTMLElement, items: any[], build: (x: any) => HTMLElement, done: number }[]} */
  jobs: [],
  /** @type {(() => void) | null} runs once everything is drawn */
  onDone: null,
};

/** Whether results are still being drawn. */
const painting = () => paint.jobs.length > 0;

function cancelPaint() {
  paint.gen++;
  clearTimeout(paint.timer);
  paint.timer = undefined;
  paint.jobs = [];
  paint.onDone = null;
}

/** Appends up to `max` more items of `job` (or until `deadline`, checked every few items). */
function paintSome(job, max, deadline = Infinity) {
  const fragment = document.createDocumentFragment();
  const stop = Math.min(job.items.length, job.done + max);
  let i = job.done;
  while (i < stop) {
    fragment.append(job.build(job.items[i]));
    i++;
    if ((i & 15) === 0 && performance.now() > deadline) break;
  }
  job.done = i;
  job.list.append(fragment);
}

function paintSlice(gen) {
  if (gen !== paint.gen) return;
  paint.timer = undefined;
  const deadline = performance.now() + SLICE_MS;
  for (const job of paint.jobs) {
    if (job.done < job.items.length) paintSome(job, Infinity, deadline);
    if (performance.now() > deadline) break;
  }
  paint.jobs = paint.jobs.filter((job) => job.done < job.items.length);
  if (paint.jobs.length) {
    paint.timer = setTimeout(() => paintSlice(gen), 0);
    return;
  }
  const done = paint.onDone;
  paint.onDone = null;
  done?.();
}

function renderResults(text, paragraphs, ms) {
  cancelPaint();
  const gen = paint.gen;
  state.rendered = { text, paragraphs };
  resetExplain();
  const hadFocus = ui.results.contains(document.activeElement);
  ui.results.replaceChildren();
  ui.results.dataset.count = String(paragraphs.length);
  ui.resultsEmpty.hidden = paragraphs.length > 0;
  $('results-hint').hidden = !paragraphs.length;
  if (!paragraphs.length) {
    ui.resultsEmpty.dataset.kind = 'info';
    ui.resultsEmpty.textContent = '在左侧输入文字后,这里会逐段显示类型和置信度。置信度低于 50% 的段落以虚线框和 “?” 标出。';
  }
  // The tab stop (and the focus, if a paragraph had it) goes back to the paragraph that had it,
  // once that one is drawn; until then the first paragraph holds the tab stop.
  const focusLine = explain.focusLine;
  const hasFocusLine = paragraphs.some((p) => p.line === focusLine);
  /** @type {HTMLElement | null} */
  let tabStop = null;
  const paragraphJob = {
    list: ui.results,
    items: paragraphs,
    done: 0,
    build: (p) => {
      const item = renderParagraph(p);
      const target = hasFocusLine ? p.line === focusLine : p === paragraphs[0];
      if (target || p === paragraphs[0]) {
        if (tabStop) tabStop.tabIndex = -1;
        tabStop = item;
        item.tabIndex = 0;
      }
      // Focus it once it is in the document, unless the user has moved on meanwhile.
      if (target && hadFocus) {
        queueMicrotask(() => {
          if (gen !== paint.gen || !item.isConnected) return;
          const active = document.activeElement;
          if (!active || active === document.body || paraOf(active)) item.focus({ preventScroll: true });
        });
      }
      return item;
    },
  };
  const runs = sections(paragraphs);
  const outlineJob = { list: ui.outline, items: runs, done: 0, build: outlineItem };
  ui.outline.replaceChildren();
  ui.outlineEmpty.hidden = runs.length > 0;
  paintSome(paragraphJob, FIRST_PARAGRAPHS);
  paintSome(outlineJob, FIRST_RUNS);
  renderCompleteness(paragraphs);
  const chars = [...text.replace(/\s/g, '')].length;
  const stats = paragraphs.length
    ? `${paragraphs.length.toLocaleString('zh-CN')} 段 · ${chars.toLocaleString('zh-CN')} 字${ms === undefined ? '' : ` · 标注用时 ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`}`
    : '';
  const hasText = paragraphs.length > 0;
  ui.exportJson.disabled = !hasText;
  ui.exportMd.disabled = !hasText;
  ui.removeBoilerplate.disabled = !hasText;
  ui.copyText.disabled = !text;
  paint.jobs = [paragraphJob, outlineJob].filter((job) => job.done < job.items.length);
  if (!paint.jobs.length) {
    ui.stats.textContent = stats;
    return;
  }
  ui.stats.textContent = `${stats} · 正在显示…`;
  ui.results.dataset.busy = 'true';
  paint.onDone = () => {
    ui.stats.textContent = stats;
    settleBusy();
  };
  paint.timer = setTimeout(() => paintSlice(gen), 0);
}

/** Results are not busy once the newest text is tagged, nothing is waiting to be, and all is drawn. */
function settleBusy() {
  if (state.timer === undefined && !state.pending.has(state.sentSeq) && !painting()) ui.results.dataset.busy = 'false';
}

function renderParagraph(p) {
  const low = p.confidence < LOW_CONFIDENCE;
  const top = Object.entries(p.scores ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([l, s]) => `${nameOf(l)} ${percent(s)}`)
    .join(' · ');
  const chip = h('span', { class: 'chip', attrs: { title: p.label } }, [
    h('span', { class: 'chip-zh', text: nameOf(p.label) }),
    h('span', { class: 'chip-en', text: p.label, attrs: { lang: 'en' } }),
  ]);
  const meta = h('div', { class: 'para-meta' }, [
    h('span', { class: 'line-no', text: String(p.line), attrs: { title: `第 ${p.line} 行` } }),
    chip,
    h('span', { class: 'conf', text: percent(p.confidence), attrs: { title: `置信度 · ${top}` } }),
  ]);
  if (low) {
    meta.append(h('span', { class: 'low-mark', text: '?', attrs: { title: '置信度低于 50%,请人工核对', 'aria-label': '置信度低,请核对' } }));
  }
  const item = h('li', { class: low ? 'para low' : 'para', attrs: { 'data-label': p.label, 'data-line': String(p.line), tabindex: '-1' } }, [
    meta,
    h('p', { class: 'para-text', text: p.text }),
  ]);
  item.dataset.start = String(p.start);
  item.dataset.end = String(p.end);
  return item;
}

/** One outline entry: a run of paragraphs of one type. */
function outlineItem(run) {
  const first = run.paragraphs[0];
  const last = run.paragraphs[run.paragraphs.length - 1];
  const lines = first.line === last.line ? `第 ${first.line} 行` : `第 ${first.line}–${last.line} 行`;
  const button = h('button', { class: 'outline-item', attrs: { type: 'button', title: `在原文中选中 ${lines}` } }, [
    h('span', { class: 'swatch', attrs: { 'aria-hidden': 'true' } }),
    h('span', { class: 'outline-name', text: nameOf(run.label) }),
    h('span', { class: 'outline-count', text: `${run.paragraphs.length} 段` }),
    h('span', { class: 'outline-lines', text: lines }),
  ]);
  button.addEventListener('click', () => selectRange(first.start, last.end, first.line));
  return h('li', { attrs: { 'data-label': run.label, 'data-count': String(run.paragraphs.length) } }, [button]);
}

function renderCompleteness(paragraphs) {
  const box = ui.completeness;
  if (!paragraphs.length) {
    box.dataset.state = 'empty';
    box.replaceChildren(h('span', { text: '尚无内容。' }));
    return;
  }
  const missing = missingParts(paragraphs);
  const notes = [];
  if (missing.length) {
    box.dataset.state = 'missing';
    notes.push(h('strong', { class: 'verdict', text: `缺少:${missing.map(nameOf).join('、')}` }));
    const unknown = missing.filter((l) => state.model && !state.model.labels.includes(l));
    if (unknown.length) notes.push(h('span', { class: 'note', text: `当前模型不识别:${unknown.map(nameOf).join('、')}` }));
  } else {
    box.dataset.state = 'ok';
    notes.push(h('strong', { class: 'verdict', text: '基本结构齐全' }));
    notes.push(h('span', { class: 'note', text: REQUIRED.map(nameOf).join('、') }));
  }
  const low = paragraphs.filter((p) => p.confidence < LOW_CONFIDENCE).length;
  const junk = paragraphs.filter((p) => p.label === 'boilerplate').length;
  if (junk) notes.push(h('span', { class: 'note', text: `${junk} 行网页杂项,可一键删除` }));
  if (low) notes.push(h('span', { class: 'note', text: `${low} 段置信度低于 50%,请人工核对` }));
  box.replaceChildren(...notes);
}

function renderLegend() {
  const known = new Set(state.model?.labels ?? LABELS);
  ui.legend.replaceChildren(
    ...LABELS.map((label) =>
      h('li', { attrs: { 'data-label': label }, class: known.has(label) ? '' : 'unknown' }, [
        h('span', { class: 'swatch', attrs: { 'aria-hidden': 'true' } }),
        h('span', { class: 'legend-zh', text: nameOf(label) }),
        h('span', { class: 'legend-en', text: label, attrs: { lang: 'en' } }),
        ...(known.has(label) ? [] : [h('span', { class: 'note', text: '当前模型无此类型' })]),
      ]),
    ),
  );
}

function renderModel() {
  const model = state.model;
  if (!model) return;
  const info = model.info;
  ui.modelName.textContent = model.name;
  ui.modelBadge.textContent = model.source === 'builtin' ? '内置' : '自定义';
  ui.modelBadge.dataset.source = model.source;
  ui.useBuiltin.disabled = model.source === 'builtin';
  const range = (r) => (r ? `${r[0]}–${r[1]}` : '不使用');
  const rows = [
    ['词表大小', info.vocabularySize.toLocaleString('zh-CN'), 'vocabulary-size'],
    ['类型', model.labels.map(nameOf).join('、'), 'labels'],
    ['特征 词/字', `${info.wordFeatures.toLocaleString('zh-CN')} / ${info.charFeatures.toLocaleString('zh-CN')}`, 'features'],
    ['n-gram 词/字', `${range(info.wordNgrams)} / ${range(info.charNgrams)}`, 'ngrams'],
    ['分词词典', `${info.dictionarySize.toLocaleString('zh-CN')} 词`, 'dictionary'],
    ['格式版本', String(info.formatVersion), 'format-version'],
  ];
  const dl = (entries) => entries.flatMap(([k, v, key]) => [h('dt', { text: k }), h('dd', { text: v, attrs: { 'data-key': key } })]);
  ui.modelInfo.replaceChildren(...dl(rows));
  const metadata = Object.entries(info.metadata ?? {}).map(([k, v]) => [k, String(v), `meta-${k}`]);
  ui.modelMetadata.replaceChildren(...dl(metadata));
  ui.modelMeta.hidden = metadata.length === 0;
}

function showTagError(message) {
  state.tagFailed = true;
  renderResults('', []);
  ui.resultsEmpty.hidden = false;
  ui.resultsEmpty.dataset.kind = 'error';
  ui.resultsEmpty.textContent = `无法标注:${message}`;
  setStatus(`无法标注:${message}`, 'error');
}

function showModelError(name, message) {
  const current = state.model?.source === 'file' ? `模型 “${state.model.name}”` : '内置模型';
  ui.modelError.textContent = `无法加载模型文件 “${name}”:${message}。仍在使用${current}。`;
  ui.modelError.hidden = false;
  setStatus(`模型文件 “${name}” 无效`, 'error');
}

/** Selects a range of the textarea (UTF-16 offsets, as the tagger reports them). */
function selectRange(start, end, line) {
  if (state.rendered.text !== ui.report.value) return;
  ui.report.focus();
  ui.report.setSelectionRange(start, end);
  const item = ui.results.querySelector(`[data-line="${line}"]`);
  if (item) {
    item.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    item.classList.remove('flash');
    void item.offsetWidth; // restart the animation
    item.classList.add('flash');
  }
}

// ---------------------------------------------------------------- explain
//
// Hovering a paragraph (mouse, pen), focusing it (Tab reaches the list, arrows move), pressing
// Enter on it or clicking/tapping it shows why it has its type: the words and the layout and
// context features that pushed it there most. The worker computes the explanation for that one
// paragraph of the text on screen; one request at a time, so it never queues up ahead of tagging.

/** Features shown per group; more are asked for, as a word and the same characters make one chip. */
const EXPLAIN_SHOWN = 5;
const EXPLAIN_ASKED = 8;
const HOVER_DELAY_MS = 250;
const HIDE_DELAY_MS = 200;

const explainPop = $('explain-pop');

const explain = {
  /** @type {HTMLElement | null} the paragraph the popover explains */
  item: null,
  /** 'hover' closes when the pointer leaves; 'focus' when focus leaves; 'pinned' (click, Enter) stays. */
  mode: /** @type {'hover' | 'focus' | 'pinned'} */ ('hover'),
  /** Explanations of the rendered text, by line. */
  cache: new Map(),
  /** The request the worker is working on, and the one to send when it answers. */
  /** @type {{ id: number, text: string, line: number } | null} */
  inFlight: null,
  /** @type {{ text: string, line: number } | null} */
  wanted: null,
  lastId: 0,
  /** The line that holds the list's tab stop. */
  focusLine: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  hoverTimer: undefined,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  hideTimer: undefined,
};

/** New paragraphs on screen: old explanations no longer apply. */
function resetExplain() {
  closeExplain();
  explain.cache.clear();
  explain.wanted = null;
}

function paraOf(target) {
  const item = /** @type {HTMLElement} */ (target)?.closest?.('.para');
  return item && ui.results.contains(item) ? /** @type {HTMLElement} */ (item) : null;
}

/** @param {HTMLElement} item @param {'hover' | 'focus' | 'pinned'} mode */
function openExplain(item, mode) {
  clearTimeout(explain.hoverTimer);
  clearTimeout(explain.hideTimer);
  if (explain.item === item) {
    // A stronger reason to stay open wins: pinned > focus > hover.
    const rank = { hover: 0, focus: 1, pinned: 2 };
    if (rank[mode] > rank[explain.mode]) explain.mode = mode;
    if (!explainPop.hidden) return;
  }
  explain.item?.removeAttribute('aria-describedby');
  explain.item = item;
  explain.mode = mode;
  item.setAttribute('aria-describedby', 'explain-pop');
  const line = Number(item.dataset.line);
  const p = state.rendered.paragraphs.find((x) => x.line === line);
  const cached = explain.cache.get(line);
  if (cached) renderExplanation(cached);
  else {
    renderExplainBody(p, [h('p', { class: 'explain-note', text: '正在分析…' })]);
    requestExplain(line);
  }
  explainPop.hidden = false;
  placeExplain();
}

function closeExplain() {
  clearTimeout(explain.hoverTimer);
  clearTimeout(explain.hideTimer);
  explain.item?.removeAttribute('aria-describedby');
  explain.item = null;
  explainPop.hidden = true;
  explainPop.replaceChildren();
}

function scheduleHide() {
  clearTimeout(explain.hideTimer);
  explain.hideTimer = setTimeout(() => {
    if (explain.mode === 'hover') closeExplain();
  }, HIDE_DELAY_MS);
}

function requestExplain(line) {
  explain.wanted = { text: state.rendered.text, line };
  sendExplain();
}

function sendExplain() {
  const want = explain.wanted;
  if (!want || explain.inFlight || !state.ready) return;
  explain.wanted = null;
  if (want.text !== state.rendered.text || explain.cache.has(want.line)) return;
  explain.inFlight = { id: ++explain.lastId, text: want.text, line: want.line };
  send({ type: 'explain', id: explain.inFlight.id, text: want.text, line: want.line, top: EXPLAIN_ASKED });
}

function onExplained(msg) {
  const asked = explain.inFlight;
  if (!asked || msg.id !== asked.id) return;
  explain.inFlight = null;
  const current = asked.text === state.rendered.text;
  if (current && msg.type === 'explained') explain.cache.set(asked.line, msg.explanation);
  if (current && explain.item && Number(explain.item.dataset.line) === asked.line) {
    if (msg.type === 'explained') renderExplanation(msg.explanation);
    else {
      const p = state.rendered.paragraphs.find((x) => x.line === asked.line);
      renderExplainBody(p, [h('p', { class: 'explain-note error', text: `无法解释:${msg.message}` })]);
    }
    placeExplain();
  }
  sendExplain();
}

const isChars = (feature) => feature.startsWith('「') && feature.endsWith('」') && feature.length > 2;

/**
 * Words and character n-grams as a writer reads them: 存在 the word and 「存在」 the characters
 * are one chip with their weights added. Largest first, at most EXPLAIN_SHOWN.
 * @param {{feature: string, weight: number}[]} words
 */
function mergedWords(words) {
  /** @type {Map<string, {text: string, weight: number, kinds: Set<string>}>} */
  const byText = new Map();
  for (const w of words) {
    const chars = isChars(w.feature);
    const text = chars ? w.feature.slice(1, -1) : w.feature;
    const entry = byText.get(text) ?? { text, weight: 0, kinds: new Set() };
    entry.weight += w.weight;
    entry.kinds.add(chars ? 'chars' : 'word');
    byText.set(text, entry);
  }
  return [...byText.values()]
    .sort((a, b) => b.weight - a.weight)
    .slice(0, EXPLAIN_SHOWN)
    .map((e) => ({ feature: e.text, weight: e.weight, kind: e.kinds.size > 1 ? 'both' : [...e.kinds][0] }));
}

const KIND_TITLES = { word: '分词得到的词', chars: '连续的字', both: '词,也是连续的字' };

/** A word or character n-gram (without 「」) as a chip: 「…」 with the paragraph's edges marked. */
function wordChip(text, kind) {
  let body = text;
  const parts = [];
  if (body.startsWith('⟨start⟩')) {
    parts.push(h('span', { class: 'edge', text: '段首' }));
    body = body.slice('⟨start⟩'.length);
  }
  const atEnd = body.endsWith('⟨end⟩');
  if (atEnd) body = body.slice(0, -'⟨end⟩'.length);
  parts.push(h('span', { class: 'word-text', text: body }));
  if (atEnd) parts.push(h('span', { class: 'edge', text: '段末' }));
  return h('span', { class: 'word-chip', attrs: { 'data-kind': kind, title: KIND_TITLES[kind] ?? '' } }, parts);
}

/** A list of features with a bar for each one's weight (relative to the strongest). */
function featureList(features, kind) {
  const max = Math.max(...features.map((f) => f.weight), 1e-9);
  return h(
    'ul',
    { class: `explain-list ${kind}` },
    features.map((f) => {
      const fill = h('span', { class: 'bar-fill' });
      fill.style.width = `${Math.max(4, Math.round((f.weight / max) * 100))}%`; // CSSOM: allowed by the CSP
      const name = kind === 'words' ? wordChip(f.feature, f.kind) : h('span', { class: 'feature-name', text: f.feature, attrs: { lang: 'en' } });
      return h('li', { class: 'explain-feature' }, [
        name,
        h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, [fill]),
        h('span', { class: 'weight', text: `+${f.weight.toFixed(2)}` }),
      ]);
    }),
  );
}

function renderExplanation(e) {
  const p = state.rendered.paragraphs.find((x) => x.line === e?.line);
  if (!e) {
    renderExplainBody(p, [h('p', { class: 'explain-note', text: '这一行没有段落。' })]);
    return;
  }
  const group = (caption, hint, content) =>
    h('section', { class: 'explain-group' }, [
      h('p', { class: 'explain-caption' }, [h('strong', { text: caption }), h('span', { class: 'explain-hint', text: ` · ${hint}` })]),
      content,
    ]);
  const none = (text) => h('p', { class: 'explain-note', text });
  renderExplainBody({ ...p, label: e.label, confidence: e.confidence, line: e.line }, [
    group('字词', '段落中最支持这一类型的词和字', e.words.length ? featureList(mergedWords(e.words), 'words') : none('没有明显支持这一类型的字词。')),
    group(
      '版式与上下文',
      '编号、位置、前后段落和所在标题(模型原文,英文)',
      e.context.length ? featureList(e.context.slice(0, EXPLAIN_SHOWN), 'context') : none(state.model?.info?.context === false ? '当前模型不看上下文。' : '没有明显的版式或上下文因素。'),
    ),
  ]);
}

/** The popover's header (type, confidence, line) and `body`. */
function renderExplainBody(p, body) {
  if (!p) {
    explainPop.replaceChildren(...body);
    return;
  }
  explainPop.dataset.label = p.label; // the type's colour (tiaoli-palette.css)
  const head = h('div', { class: 'explain-head' }, [
    h('span', { class: 'chip' }, [h('span', { class: 'chip-zh', text: nameOf(p.label) }), h('span', { class: 'chip-en', text: p.label, attrs: { lang: 'en' } })]),
    h('span', { class: 'explain-conf', text: `置信度 ${percent(p.confidence)}` }),
    h('span', { class: 'explain-line', text: `第 ${p.line} 行` }),
  ]);
  explainPop.replaceChildren(head, ...body);
}

/** Puts the popover under its paragraph, or above it when there is no room below. */
function placeExplain() {
  const item = explain.item;
  if (!item || explainPop.hidden) return;
  const r = item.getBoundingClientRect();
  const width = Math.min(explainPop.offsetWidth, document.documentElement.clientWidth - 16);
  const height = explainPop.offsetHeight;
  const left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8));
  const below = r.bottom + 6;
  const top = below + height > window.innerHeight && r.top - height - 6 > 0 ? r.top - height - 6 : below;
  explainPop.style.left = `${left + window.scrollX}px`;
  explainPop.style.top = `${top + window.scrollY}px`;
}

ui.results.addEventListener('pointerover', (e) => {
  if (e.pointerType === 'touch' || e.buttons) return; // touch: the click opens it
  const item = paraOf(e.target);
  if (!item) return;
  clearTimeout(explain.hideTimer);
  if (item === explain.item) return;
  clearTimeout(explain.hoverTimer);
  // Once one is open, moving to the next paragraph shows that one at once.
  if (explain.item && explain.mode === 'hover') openExplain(item, 'hover');
  else explain.hoverTimer = setTimeout(() => openExplain(item, 'hover'), HOVER_DELAY_MS);
});
ui.results.addEventListener('pointerout', (e) => {
  const item = paraOf(e.target);
  if (!item || item.contains(/** @type {Node} */ (e.relatedTarget))) return;
  clearTimeout(explain.hoverTimer);
  if (explain.item && explain.mode === 'hover' && !explainPop.contains(/** @type {Node} */ (e.relatedTarget))) scheduleHide();
});
// The popover itself can be hovered (to read it) without closing.
explainPop.addEventListener('pointerenter', () => clearTimeout(explain.hideTimer));
explainPop.addEventListener('pointerleave', (e) => {
  if (explain.mode === 'hover' && !explain.item?.contains(/** @type {Node} */ (e.relatedTarget))) scheduleHide();
});
ui.results.addEventListener('focusin', (e) => {
  const item = paraOf(e.target);
  if (!item) return;
  for (const el of ui.results.querySelectorAll('.para[tabindex="0"]')) if (el !== item) el.tabIndex = -1;
  item.tabIndex = 0;
  explain.focusLine = Number(item.dataset.line);
  openExplain(item, 'focus');
});
ui.results.addEventListener('focusout', (e) => {
  const next = /** @type {Node | null} */ (e.relatedTarget);
  if (explain.mode === 'focus' && !paraOf(next) && !explainPop.contains(next)) closeExplain();
});
ui.results.addEventListener('keydown', (e) => {
  const item = paraOf(e.target);
  if (!item || e.altKey || e.ctrlKey || e.metaKey) return;
  // Siblings, not a list of all paragraphs: a long result has tens of thousands.
  const go = {
    ArrowDown: () => item.nextElementSibling ?? item,
    ArrowUp: () => item.previousElementSibling ?? item,
    Home: () => ui.results.firstElementChild,
    End: () => ui.results.lastElementChild,
  }[e.key];
  if (go) {
    e.preventDefault();
    /** @type {HTMLElement | null} */ (go())?.focus();
  } else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    openExplain(item, 'pinned');
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || !explain.item) return;
  closeExplain();
});
document.addEventListener('pointerdown', (e) => {
  if (!explain.item || explain.mode === 'hover') return;
  const target = /** @type {Node} */ (e.target);
  if (!paraOf(target) && !explainPop.contains(target)) closeExplain();
});
window.addEventListener('resize', () => placeExplain());

// ---------------------------------------------------------------- actions

function setText(text) {
  ui.report.value = text;
  ui.copyText.disabled = !text;
  ui.undoRemove.hidden = true;
  state.undoText = null;
  requestTag();
}

async function removeBoilerplate() {
  let result;
  try {
    result = await currentParagraphs();
  } catch (err) {
    setStatus(`无法标注:${err.message}`, 'error');
    return;
  }
  if (ui.report.value !== result.text) return; // edited meanwhile; the user can click again
  const drop = new Set(result.paragraphs.filter((p) => p.label === 'boilerplate').map((p) => p.line));
  if (!drop.size) {
    setStatus('没有发现网页杂项', 'info');
    return;
  }
  let cleaned = splitLines(result.text)
    .filter((l) => !drop.has(l.line))
    .map((l) => l.body + l.end)
    .join('');
  // Deleting the last line also deletes the line break before it, as an editor would.
  if (!/[\r\n]$/.test(result.text)) cleaned = cleaned.replace(/(\r\n|\n|\r)$/, '');
  ui.report.value = cleaned;
  ui.copyText.disabled = !cleaned;
  state.undoText = result.text;
  ui.undoRemove.hidden = false;
  requestTag();
  setStatus(`已删除 ${drop.size} 行网页杂项(第 ${[...drop].join('、')} 行),可撤销`, 'ok');
}

function undoRemove() {
  if (state.undoText === null) return;
  setText(state.undoText);
  setStatus('已恢复删除前的原文', 'info');
}

async function copyText() {
  const text = ui.report.value;
  try {
    await navigator.clipboard.writeText(text);
    setStatus('原文已复制到剪贴板', 'ok');
  } catch {
    ui.report.focus();
    ui.report.select();
    const ok = document.execCommand('copy');
    setStatus(ok ? '原文已复制到剪贴板' : '无法访问剪贴板,请按 Ctrl+C 复制已选中的文字', ok ? 'ok' : 'error');
  }
}

function baseName(paragraphs) {
  const title = paragraphs.find((p) => p.label === 'title')?.text ?? '工作总结';
  return title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '').slice(0, 40) || '工作总结';
}

function download(filename, type, content) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = h('a', { attrs: { href: url, download: filename } });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

function toJson(paragraphs) {
  const model = state.model;
  return JSON.stringify(
    {
      generator: 'tiaoli web',
      model: model ? { source: model.source, name: model.name, labels: model.labels, metadata: model.info.metadata } : null,
      labelNames: Object.fromEntries(LABELS.map((l) => [l, nameOf(l)])),
      paragraphs: paragraphs.map((p) => ({
        line: p.line,
        start: p.start,
        end: p.end,
        label: p.label,
        name: nameOf(p.label),
        confidence: p.confidence,
        scores: p.scores,
        text: p.text,
      })),
    },
    null,
    2,
  );
}

/** Escapes what would make a paragraph start a Markdown block or contain raw HTML. */
function mdEscape(text) {
  return text
    .replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`)
    .replace(/^([#+-]|\d+[.)])/, (m) => `\\${m}`);
}

function toMarkdown(paragraphs) {
  const out = [];
  for (const run of sections(paragraphs)) {
    if (run.label === 'boilerplate') continue; // page junk is not part of the report
    if (run.label === 'title') {
      for (const p of run.paragraphs) out.push(`# ${mdEscape(p.text)}`, '');
      continue;
    }
    out.push(`## ${nameOf(run.label)}`, '');
    for (const p of run.paragraphs) out.push(mdEscape(p.text), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

async function exportAs(kind) {
  let result;
  try {
    result = await currentParagraphs();
  } catch (err) {
    setStatus(`无法导出:${err.message}`, 'error');
    return;
  }
  if (!result.paragraphs.length) return;
  const name = baseName(result.paragraphs);
  if (kind === 'json') download(`${name}.tiaoli.json`, 'application/json', toJson(result.paragraphs));
  else download(`${name}.md`, 'text/markdown;charset=utf-8', toMarkdown(result.paragraphs));
  setStatus(`已导出 ${kind === 'json' ? 'JSON' : 'Markdown'}`, 'ok');
}

async function loadModelFile(file) {
  const id = ++state.modelRequest;
  if (file.size > MAX_MODEL_BYTES) {
    showModelError(file.name, `文件过大(${(file.size / 1048576).toFixed(1)} MB),模型文件通常不到 1 MB`);
    return;
  }
  setStatus(`正在加载模型 “${file.name}”…`, 'busy');
  let bytes;
  try {
    bytes = await file.arrayBuffer();
  } catch (err) {
    showModelError(file.name, `无法读取文件:${err.message}`);
    return;
  }
  send({ type: 'load-model', id, name: file.name, bytes }, [bytes]);
}

function useBuiltin() {
  const id = ++state.modelRequest;
  send({ type: 'use-builtin', id });
}

const isTextFile = (file) => /^text\//.test(file.type) || /\.(txt|md|text)$/i.test(file.name);

// ---------------------------------------------------------------- events

ui.report.addEventListener('input', () => {
  ui.copyText.disabled = !ui.report.value;
  if (state.undoText !== null) {
    state.undoText = null;
    ui.undoRemove.hidden = true;
  }
  scheduleTag();
});
ui.results.addEventListener('click', (e) => {
  const item = /** @type {HTMLElement} */ (e.target).closest?.('.para');
  if (!item || window.getSelection()?.toString()) return;
  selectRange(Number(item.dataset.start), Number(item.dataset.end), Number(item.dataset.line));
  openExplain(item, 'pinned');
});
ui.showEnglish.addEventListener('change', () => document.body.classList.toggle('show-en', ui.showEnglish.checked));
ui.removeBoilerplate.addEventListener('click', removeBoilerplate);
ui.undoRemove.addEventListener('click', undoRemove);
ui.copyText.addEventListener('click', copyText);
ui.exportJson.addEventListener('click', () => exportAs('json'));
ui.exportMd.addEventListener('click', () => exportAs('md'));
ui.loadSample.addEventListener('click', () => {
  setText(SAMPLE);
  setStatus('已载入示例', 'info');
});
ui.clearText.addEventListener('click', () => {
  setText('');
  ui.report.focus();
});
ui.modelFile.addEventListener('change', () => {
  const file = ui.modelFile.files?.[0];
  ui.modelFile.value = ''; // choosing the same file again still loads it
  if (file) loadModelFile(file);
});
ui.useBuiltin.addEventListener('click', useBuiltin);

// Drag & drop anywhere: a model file loads the model, a text file fills the textarea.
let dragDepth = 0;
const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
document.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth += 1;
  ui.dropOverlay.hidden = false;
});
document.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('dragleave', (e) => {
  if (!hasFiles(e)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) ui.dropOverlay.hidden = true;
});
document.addEventListener('drop', async (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  ui.dropOverlay.hidden = true;
  const file = e.dataTransfer.files[0];
  if (!file) return;
  if (isTextFile(file)) {
    setText(await file.text());
    setStatus(`已读入 “${file.name}”`, 'info');
  } else {
    loadModelFile(file);
  }
});

renderLegend();
renderResults('', []);
