// What a test wants to know about a page besides its DOM: console errors, every URL it asked
// for, how long the main thread was blocked, and screenshots for a person to look at.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { paths } from './paths.mjs';

/**
 * Records long tasks (PerformanceObserver 'longtask': main-thread tasks over 50 ms) from the
 * first script of every document the page loads.
 */
function recordLongTasks() {
  window.__encoreLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__encoreLongTasks.push({ name: entry.name, startMs: entry.startTime, durationMs: entry.duration });
    }
  }).observe({ type: 'longtask', buffered: true });
}

/**
 * Records when an import's progress bar (`import-progress`) came onto the page, from the first
 * script of every document: a fast import can show and remove it before a test looks.
 */
function recordImportProgress() {
  const seen = { shownAt: [] };
  window.__encoreImportProgress = seen;
  let shown = false;
  new MutationObserver(() => {
    const now = document.querySelector('[data-testid=import-progress]') !== null;
    if (now && !shown) seen.shownAt.push(performance.now());
    shown = now;
  }).observe(document, { subtree: true, childList: true });
}

/** Watches `page` (and every request of its browser context) from now on. */
export async function instrument(context, page) {
  const consoleErrors = [];
  const requests = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  // On the context, so iframes, popups and workers are seen too.
  context.on('request', (request) => requests.push(request.url()));
  await page.addInitScript(recordLongTasks);
  // On the context: a test may open a second page of the same browser (a reopened tab).
  await context.addInitScript(recordImportProgress);
  return {
    /** Console errors and uncaught exceptions, in order. */
    consoleErrors,
    /** Every URL requested, in order. */
    requests,
    /** Long tasks of the current document: `{ name, startMs, durationMs }`. */
    longTasks: () => page.evaluate(() => window.__encoreLongTasks ?? []),
    /** The longest main-thread block of the current document in ms (0 when none over 50 ms). */
    maxLongTaskMs: () =>
      page.evaluate(() => Math.max(0, ...(window.__encoreLongTasks ?? []).map((t) => t.durationMs))),
    /** Saves a full-page screenshot as e2e/screenshots/NAME.png and returns its path. */
    screenshot: async (name) => {
      await mkdir(paths.screenshots, { recursive: true });
      const file = path.join(paths.screenshots, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

/**
 * The requested URLs outside `allowed` (URL prefixes such as the page's origin and the Spotify
 * URLs from config.json). `data:` and `blob:` URLs never leave the browser and are not counted.
 */
export function outside(requests, allowed) {
  const prefixes = allowed.map((url) => (url.endsWith('/') ? url : `${url}/`));
  // With a slash appended, `http://host/v1` matches the prefix `http://host/v1/` while
  // `http://host/v10` does not.
  return requests.filter(
    (url) => !url.startsWith('data:') && !url.startsWith('blob:')
      && !prefixes.some((prefix) => `${url}/`.startsWith(prefix)),
  );
}
