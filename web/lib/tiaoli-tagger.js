// <tiaoli-tagger>: shows a work report (工作总结) with every paragraph tagged by section type.
//
//   <script type="module" src="/path/to/pkg/tiaoli-tagger.js"></script>
//   <tiaoli-tagger>
//     某某单位2024年工作总结
//     一、主要工作
//     ……
//   </tiaoli-tagger>
//
// The text comes from the `.text` property, else the `text` attribute, else the element's own
// text content (which is not displayed as such). Attribute `show-english` adds the English
// type names. After each tagging the element dispatches `tagged` (detail: { paragraphs, text })
// and on failure `tagerror` (detail: { error }); both bubble and cross shadow boundaries.
//
// Everything renders inside an open shadow root styled only by tiaoli-tagger.css (linked next
// to this module), so the page's CSS does not reach in and this CSS does not leak out. User
// text is inserted with textContent only.

import { tag, labelNames } from './tiaoli.js';

const STYLESHEET = new URL('./tiaoli-tagger.css', import.meta.url).href;
const LOW_CONFIDENCE = 0.5;
const REQUIRED = ['opening', 'work', 'problems', 'plans', 'closing'];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class TiaoliTagger extends HTMLElement {
  static observedAttributes = ['text', 'show-english'];

  /** @type {string | null} text set through the property (wins over attribute and content) */
  #text = null;
  #seq = 0;
  #queued = false;
  /** @type {any[]} */
  #paragraphs = [];
  #frame;
  #summary;
  #list;
  /** @type {MutationObserver} */
  #observer;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const link = el('link');
    link.rel = 'stylesheet';
    link.href = STYLESHEET;
    this.#frame = el('div', 'frame');
    this.#frame.hidden = true; // until the stylesheet is in, to avoid a flash of unstyled text
    const reveal = () => {
      this.#frame.hidden = false;
    };
    link.addEventListener('load', reveal, { once: true });
    link.addEventListener('error', reveal, { once: true });
    this.#summary = el('p', 'summary', '正在标注…');
    this.#summary.setAttribute('role', 'status');
    this.#list = el('ol', 'paras');
    this.#frame.append(this.#summary, this.#list);
    root.append(link, this.#frame);
    this.#observer = new MutationObserver(() => {
      if (this.#text === null && !this.hasAttribute('text')) this.#schedule();
    });
  }

  connectedCallback() {
    // A `.text` set before this element was defined is an own property shadowing the setter.
    if (Object.prototype.hasOwnProperty.call(this, 'text')) {
      const value = /** @type {any} */ (this).text;
      delete (/** @type {any} */ (this).text);
      this.text = value;
    }
    this.#observer.observe(this, { childList: true, characterData: true, subtree: true });
    this.#schedule();
  }

  disconnectedCallback() {
    this.#observer.disconnect();
  }

  attributeChangedCallback(name) {
    if (name === 'show-english') this.#frame.classList.toggle('show-en', this.hasAttribute('show-english'));
    else this.#schedule();
  }

  /** The report text being tagged. */
  get text() {
    if (this.#text !== null) return this.#text;
    if (this.hasAttribute('text')) return this.getAttribute('text') ?? '';
    return this.textContent ?? '';
  }

  set text(value) {
    this.#text = value === null || value === undefined ? null : String(value);
    this.#schedule();
  }

  /** The latest results (TaggedParagraph[]). */
  get paragraphs() {
    return this.#paragraphs;
  }

  #schedule() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      if (this.isConnected) this.#run();
    });
  }

  async #run() {
    const seq = ++this.#seq;
    const text = this.text;
    let paragraphs;
    let names;
    try {
      paragraphs = await tag(text);
      names = labelNames();
    } catch (error) {
      if (seq !== this.#seq) return;
      this.#paragraphs = [];
      this.#list.replaceChildren();
      this.#summary.textContent = `无法标注:${error instanceof Error ? error.message : error}`;
      this.#summary.dataset.state = 'error';
      this.dispatchEvent(new CustomEvent('tagerror', { detail: { error }, bubbles: true, composed: true }));
      return;
    }
    if (seq !== this.#seq) return; // a newer text is being tagged
    this.#paragraphs = paragraphs;
    this.#render(paragraphs, names);
    this.dispatchEvent(new CustomEvent('tagged', { detail: { paragraphs, text }, bubbles: true, composed: true }));
  }

  #render(paragraphs, names) {
    const present = new Set(paragraphs.map((p) => p.label));
    const missing = REQUIRED.filter((l) => !present.has(l)).map((l) => names[l] ?? l);
    this.#summary.dataset.state = paragraphs.length && missing.length ? 'missing' : 'ok';
    this.#summary.textContent = !paragraphs.length
      ? '(没有内容)'
      : `共 ${paragraphs.length} 段 · ${missing.length ? `缺少:${missing.join('、')}` : '基本结构齐全'}`;
    this.#list.replaceChildren(
      ...paragraphs.map((p) => {
        const item = el('li', p.confidence < LOW_CONFIDENCE ? 'para low' : 'para');
        item.dataset.label = p.label;
        item.dataset.line = String(p.line);
        const chip = el('span', 'chip', names[p.label] ?? p.label);
        chip.title = p.label;
        chip.append(el('span', 'en', p.label));
        const conf = el('span', 'conf', `${Math.round(p.confidence * 100)}%`);
        conf.title = '置信度';
        const meta = el('span', 'meta');
        meta.append(chip, conf);
        if (p.confidence < LOW_CONFIDENCE) {
          const mark = el('span', 'low-mark', '?');
          mark.title = '置信度低于 50%';
          meta.append(mark);
        }
        item.append(meta, el('span', 'text', p.text));
        return item;
      }),
    );
  }
}

if (!customElements.get('tiaoli-tagger')) customElements.define('tiaoli-tagger', TiaoliTagger);
