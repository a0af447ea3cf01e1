// What the listener waits for, measured inside the page (issue 14 §2): from navigation to the
// catalog being ready and to the first list on screen, and from a control's last input event to
// the new list painted. Figures are reported, never asserted against a time: `t.diagnostic` in
// every run, and a JSON file for `cargo xtask bench` when ENCORE_E2E_FIGURES names one.

import { readFile, writeFile } from 'node:fs/promises';

/**
 * Records, from the first script of every document, when the page first showed each milestone,
 * in milliseconds since navigation started (`performance.now()`): `appShown` (Encore's header),
 * `catalogReady` (the search box enabled), `firstList` (a recommendation on screen), and
 * `longestWithoutProgress`: the longest time between `appShown` and `catalogReady` with no
 * catalog progress bar on screen.
 */
function recordMilestones() {
  const marks = {};
  window.__encoreMilestones = marks;
  const probes = {
    appShown: () => document.querySelector('.site-header'),
    catalogReady: () => {
      const input = document.querySelector('[data-testid=search-input]');
      return input && !input.disabled;
    },
    firstList: () => document.querySelector('[data-testid=recommendation]'),
  };
  const look = () => {
    for (const [name, probe] of Object.entries(probes)) {
      if (marks[name] === undefined && probe()) marks[name] = performance.now();
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
  // Between the app's first paint and the catalog being ready, the listener should always see
  // how far loading is: the longest stretch without the progress bar is kept.
  let unshownSince = null;
  marks.longestWithoutProgress = 0;
  const sample = () => {
    if (marks.catalogReady !== undefined) return;
    const now = performance.now();
    const shown = document.querySelector('[data-testid=catalog-progress]');
    if (marks.appShown !== undefined && !shown) unshownSince ??= now;
    if (shown || marks.appShown === undefined) unshownSince = null;
    if (unshownSince !== null) {
      marks.longestWithoutProgress = Math.max(marks.longestWithoutProgress, now - unshownSince);
    }
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
}

/** Starts recording milestones on every document `page` loads from now on. */
export async function watchMilestones(page) {
  await page.addInitScript(recordMilestones);
}

/** The milestones of the current document so far: `{ appShown, catalogReady, firstList }`. */
export function milestones(page) {
  return page.evaluate(() => ({ ...(window.__encoreMilestones ?? {}) }));
}

/** Waits until the current document has reached milestone `name`; resolves to its time. */
export async function milestone(page, name, timeout = 120_000) {
  await page.waitForFunction((name) => window.__encoreMilestones?.[name] !== undefined, name, { timeout });
  return (await milestones(page))[name];
}

/**
 * Moves a control the way a listener does and measures, in the page, from the last input event
 * to the first frame painted with a new list. `steps` are the values given one after another,
 * `gapMs` apart (one value is a click; several are a drag). Resolves to the milliseconds, or
 * null when no new list came within `timeoutMs`.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} selector the control (`#energy`, `[data-testid=method-select]`, ...)
 * @param {string[]} steps the values set in turn
 */
export function timeToNewList(page, selector, steps, { gapMs = 16, timeoutMs = 30_000 } = {}) {
  return page.evaluate(
    ({ selector, steps, gapMs, timeoutMs }) =>
      new Promise((resolve) => {
        const ids = () => [...document.querySelectorAll('[data-testid=recommendation]')].map((li) => li.dataset.trackId).join();
        let before = null;
        const control = document.querySelector(selector);
        let lastInput = null;
        let done = false;
        const finish = (value) => {
          if (done) return;
          done = true;
          observer.disconnect();
          resolve(value);
        };
        // The frame that shows the list is painted right after its animation-frame callbacks;
        // a message posted from there arrives once that paint is done.
        const afterPaint = () =>
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => finish(performance.now() - lastInput);
            channel.port2.postMessage(null);
          });
        const observer = new MutationObserver(() => {
          if (before !== null && ids() !== before) {
            observer.disconnect();
            afterPaint();
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        setTimeout(() => finish(null), timeoutMs);
        const next = () => {
          const value = steps.shift();
          control.value = value;
          lastInput = performance.now();
          // What was on screen at the last input: an answer to an earlier step of a drag may
          // still be showing; only the list made after it counts.
          if (steps.length === 0) before = ids();
          control.dispatchEvent(new Event('input', { bubbles: true }));
          control.dispatchEvent(new Event('change', { bubbles: true }));
          if (steps.length > 0) setTimeout(next, gapMs);
        };
        next();
      }),
    { selector, steps: [...steps], gapMs, timeoutMs },
  );
}

/**
 * The durations (ms) of the engine worker's User Timing measure `encore:NAME` since the last
 * call, e.g. `recommend-piece` (one piece of a ranking) or `recommender-warm-up`: where the time
 * between an input and its list goes, beside the page's own measures.
 */
export async function workerMeasures(page, name) {
  const [worker] = page.workers();
  if (!worker) return [];
  return worker.evaluate((name) => {
    const durations = performance.getEntriesByName(`encore:${name}`).map((m) => m.duration);
    performance.clearMeasures(`encore:${name}`);
    return durations;
  }, name);
}

/**
 * When the engine worker had the whole catalog downloaded, in the page's milliseconds since
 * navigation (the worker's Resource Timing of `catalog.bin`), or null when it was not fetched.
 */
export async function catalogDownloaded(page) {
  const [worker] = page.workers();
  if (!worker) return null;
  const pageOrigin = await page.evaluate(() => performance.timeOrigin);
  const end = await worker.evaluate(() => {
    const fetched = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('catalog.bin'));
    return fetched.length === 0 ? null : performance.timeOrigin + Math.max(...fetched.map((r) => r.responseEnd));
  });
  return end === null ? null : end - pageOrigin;
}

/** The `p`-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Reports `figures` (a flat object of numbers) under `name`: as a diagnostic line of test `t`,
 * and merged into the JSON file named by ENCORE_E2E_FIGURES (what `cargo xtask bench` reads).
 */
export async function report(t, name, figures) {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(0) : v}`)
    .join(', ');
  t.diagnostic(`${name} (ms): ${line}`);
  const file = process.env.ENCORE_E2E_FIGURES;
  if (!file) return;
  const all = JSON.parse(await readFile(file, 'utf8').catch(() => '{}'));
  all[name] = figures;
  await writeFile(file, JSON.stringify(all, null, 2));
}

/** How many repetitions a measured journey makes: a short form in `test`, longer in `bench`. */
export const REPEATS = Number(process.env.ENCORE_E2E_REPEATS ?? 3);
