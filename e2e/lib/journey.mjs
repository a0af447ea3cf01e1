// Steps of the listener's journeys shared by the deployment tests (csp, a11y, phone, offline),
// and the two checks they add to a page: Content-Security-Policy violations and axe-core.
//
// Only stable test ids are used, and the tracks are whatever the served catalog's search returns.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export const CATALOG_TIMEOUT_MS = 120_000;

/** Waits until the catalog is loaded and indexed (the search box is enabled then). */
export async function waitForCatalog(page) {
  await page.waitForFunction(
    () => {
      const input = document.querySelector('[data-testid=search-input]');
      return input && !input.disabled;
    },
    null,
    { timeout: CATALOG_TIMEOUT_MS },
  );
}

/** From the first screen: "Try without an account", then wait for the catalog. */
export async function enterAsGuest(page) {
  await page.getByTestId('try-without-account').click();
  await waitForCatalog(page);
}

/**
 * Types `query` into the search box and waits for its own answer's rows (the list says which
 * query its rows answer: until the new answer comes, the last query's rows stay on screen).
 */
export async function searchFor(page, query) {
  await page.getByTestId('search-input').fill(query);
  await page
    .locator(`[data-testid=search-results][data-query=${JSON.stringify(query)}]`)
    .getByTestId('search-result')
    .first()
    .waitFor();
}

/** Searches for `query` and adds its first `n` results to the taste; resolves to their ids. */
export async function pickFromSearch(page, query, n) {
  await searchFor(page, query);
  const ids = (await page.getByTestId('search-result').evaluateAll((items) => items.map((li) => li.dataset.trackId)))
    .slice(0, n);
  for (const id of ids) {
    await page.locator(`[data-testid=search-result][data-track-id="${id}"] button`).first().click();
  }
  return ids;
}

/** The search results on screen: `{ id, title, artists }`. */
export function searchResults(page) {
  return page.getByTestId('search-result').evaluateAll((items) =>
    items.map((li) => ({
      id: li.dataset.trackId,
      title: li.querySelector('.track-title').textContent,
      artists: li.querySelector('.track-meta').textContent.split(' · ')[0],
    })),
  );
}

function csvCell(text) {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** An Exportify export (byte order mark and all) of `tracks`. */
export function exportifyCsv(tracks) {
  const rows = tracks.map((t) =>
    [`spotify:track:${t.id}`, t.title, t.artists, 'Some Album', '2001-01-01', '50'].map(csvCell).join(','),
  );
  return `\uFEFFTrack URI,Track Name,Artist Name(s),Album Name,Release Date,Popularity\n${rows.join('\n')}\n`;
}

/** Presses Recommend and waits for the list; resolves to the recommended ids. */
export async function recommend(page) {
  await page.getByTestId('recommend').click();
  await page.getByTestId('recommendation').first().waitFor({ timeout: 60_000 });
  return page.getByTestId('recommendation').evaluateAll((items) => items.map((li) => li.dataset.trackId));
}

/** The recommended ids on screen, in order, as one string. */
export function shownList(page) {
  return page.getByTestId('recommendation').evaluateAll((items) => items.map((li) => li.dataset.trackId).join());
}

/** Runs `change` (a control moved) and waits until the list on screen is another one. */
export async function untilTheListChanges(page, change) {
  const before = await shownList(page);
  await change();
  await page.waitForFunction(
    (ids) => [...document.querySelectorAll('[data-testid=recommendation]')].map((li) => li.dataset.trackId).join() !== ids,
    before,
    { timeout: 30_000 },
  );
}

/** Opens the player of the first recommendation ("Listen") and waits for its frame. */
export async function openPlayer(page) {
  await page.getByTestId('recommendation').first().getByRole('button', { name: /^Listen/ }).click();
  await page.locator('[data-testid=recommendation] iframe').first().waitFor({ state: 'attached' });
}

/**
 * Records every `securitypolicyviolation` of every document `page` loads from now on, across
 * navigations (the login journey leaves for the mock's authorize page and comes back).
 * Resolves to the live list: `{ directive, blocked, sample, documentUrl }`.
 */
export async function recordCspViolations(page) {
  const violations = [];
  await page.exposeFunction('__encoreReportCspViolation', (violation) => violations.push(violation));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__encoreReportCspViolation({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        sample: event.sample,
        documentUrl: event.documentURI,
      });
    });
  });
  return violations;
}

const require = createRequire(import.meta.url);
let axeSource;

/**
 * Runs axe-core on the page (injected through the DevTools protocol, which the page's CSP does
 * not govern) and resolves to its serious and critical violations, each as
 * `{ id, impact, help, targets }`.
 */
export async function seriousAxeViolations(page) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })),
    ),
  );
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The iPhone-sized screen of issue 15: 390 x 844 CSS pixels, touch, a phone's user agent flag. */
export const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 3 };

/** How many CSS pixels the page is wider than the screen (0 when it fits: no sideways scroll). */
export function horizontalOverflow(page) {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/**
 * The visible touch targets smaller than `min` CSS pixels either way: buttons, selects, text
 * fields, links among a recommendation's actions, sliders, and each checkbox's label (a tap on
 * the label toggles it). Resolves to `[{ what, width, height }]`.
 */
export function smallTouchTargets(page, min = 44) {
  return page.evaluate((min) => {
    const targets = [
      ...document.querySelectorAll('button, select, input[type=text], input[type=search], input[type=range], .result-actions a'),
      ...[...document.querySelectorAll('input[type=checkbox]')].map((box) => document.querySelector(`label[for="${box.id}"]`) ?? box),
    ];
    return targets
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => {
        const { width, height } = el.getBoundingClientRect();
        return { what: el.outerHTML.slice(0, 90), width: Math.round(width), height: Math.round(height) };
      })
      .filter((t) => t.width < min || t.height < min);
  }, min);
}

/** How many pixels of the catalog map are lit (drawn on): a map showing the catalog has thousands. */
export async function litMapPixels(page) {
  const map = page.getByTestId('catalog-map');
  await map.scrollIntoViewIfNeeded();
  return map.evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 150) n += 1;
    return n;
  });
}
