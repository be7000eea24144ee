// What the browser tests share: where the repository and Chromium are, the type names, the
// dev server on a free port, and headless Chromium launched the way this machine allows
// (Debian's /usr/bin/chromium through playwright-core; no browser download, no network).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const LABELS = ['title', 'opening', 'work', 'experience', 'problems', 'plans', 'closing', 'boilerplate'];
export const NAMES = {
  title: '标题',
  opening: '开头',
  work: '主要工作',
  experience: '经验体会',
  problems: '存在问题',
  plans: '今后打算',
  closing: '结尾',
  boilerplate: '网页杂项',
};

/** Fails with what to run when a file of the built package (web/pkg) or Chromium is missing. */
export function checkPrerequisites(files = ['tiaoli_wasm.js', 'tiaoli_wasm_bg.wasm', 'tiaoli.js', 'tiaoli-tagger.js']) {
  for (const file of files) {
    if (!existsSync(path.join(ROOT, 'web', 'pkg', file))) throw new Error(`web/pkg/${file} is missing: run \`make wasm\` first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)`);
}

/** Starts web/serve.py on a free port (the OS picks it) and waits until it answers. */
export async function startServer() {
  const proc = spawn('python3', [path.join(ROOT, 'web', 'serve.py'), '--port', '0', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve.py printed no address in 20 s: ${out}${stderr}`)), 20_000);
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = out.match(/Serving (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then(({ code }) => reject(new Error(`serve.py exited with ${code}: ${stderr}`)));
  });
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) break;
    } catch (err) {
      if (i > 100) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    exited,
    /** Stops the server; resolves to its exit, or throws if SIGTERM did not stop it. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 10_000))]);
      if (result === null) {
        proc.kill('SIGKILL');
        throw new Error('serve.py did not exit within 10 s of SIGTERM');
      }
      return result;
    },
  };
}

/**
 * Headless Chromium. launch() gives the browser a fresh --user-data-dir made with mkdtemp and
 * removes it on close (Playwright refuses --user-data-dir in args and owns that flag); the
 * other flags keep it from reaching for the network, which this machine refuses.
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
    timeout: 120_000,
  });
}

/** Types `text` into the report box and waits until exactly its paragraphs are shown. */
/**
 * Puts `text` in the report box as a paste does: the value set at once and one input event
 * (page.fill would type a long text in for half a minute).
 */
export function paste(page, text) {
  return page.evaluate((text) => {
    const box = document.getElementById('report');
    box.value = text;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

export async function enterReport(page, text) {
  await page.fill('#report', text);
  const count = text.split(/\r\n|\n|\r/).filter((l) => l.trim()).length;
  await page.waitForFunction(
    ({ count, text }) => {
      const results = document.getElementById('results');
      return (
        document.getElementById('report').value === text &&
        results.dataset.busy === 'false' &&
        results.querySelectorAll('.para').length === count
      );
    },
    { count, text },
    { timeout: 30_000 },
  );
}
