// The data-only use of tiaoli on the embed page: tag a short report and print a JSON summary.
import { tag, labelNames } from './pkg/tiaoli.js';

const text = [
  '社区图书室2024年第一季度工作小结',
  '一季度,图书室围绕“书香社区”建设目标,开展了以下工作:',
  '一、新增图书820册,完成全部图书的电子编目。',
  '二、存在的问题:开放时间与居民下班时间冲突,晚间借阅需求难以满足。',
  '三、下一步计划延长周末开放时间,并试行线上预约借书。',
].join('\n');

const summary = document.getElementById('summary');
const log = document.getElementById('event-log');

document.addEventListener('tagged', (e) => {
  const { paragraphs } = /** @type {CustomEvent} */ (e).detail;
  log.textContent = `tagged 事件:${paragraphs.length} 段已标注。`;
});

try {
  const paragraphs = await tag(text);
  const names = labelNames();
  summary.textContent = JSON.stringify(
    paragraphs.map((p) => ({ line: p.line, label: p.label, name: names[p.label], confidence: Number(p.confidence.toFixed(2)), text: p.text })),
    null,
    2,
  );
  summary.dataset.ready = 'true';
} catch (err) {
  summary.textContent = `出错:${err instanceof Error ? err.message : err}`;
  summary.dataset.ready = 'error';
}
