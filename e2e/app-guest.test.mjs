// The journey without a Spotify account: search the catalog, drop an Exportify CSV, see what
// matched, get explained recommendations that follow the sliders, and see them on the map.
// Also: a damaged or missing catalog explains itself instead of leaving a blank page.
//
// Nothing here is copied from the data sets: the tracks used are whatever the served catalog's
// search returns at run time, and the CSV is written from them on the fly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { paths } from './lib/paths.mjs';
import { CATALOG_TIMEOUT_MS, exportifyCsv, litMapPixels, searchResults, waitForCatalog } from './lib/journey.mjs';
import { startRig } from './lib/rig.mjs';

const SPOTIFY_ID = /^[0-9A-Za-z]{22}$/;


/** The recommendations on screen: `{ id, why }`. */
function recommendations(page) {
  return page.getByTestId('recommendation').evaluateAll((items) =>
    items.map((li) => ({ id: li.dataset.trackId, why: li.querySelector('.why').textContent })),
  );
}

/** The recommendations' average energy in percent, as the audio profile chart reports it. */
async function recommendedEnergy(page) {
  const text = await page.locator('.chart rect.bar-recommended title').evaluateAll((titles) =>
    titles.map((x) => x.textContent).find((x) => x.startsWith('energy:')),
  );
  const percent = Number(/recommended (\d+)%/.exec(text ?? '')?.[1]);
  assert.ok(Number.isFinite(percent), `the profile chart gives the list's energy (${text})`);
  return percent;
}

/** `title` shouted, with two letters of its longest plain word swapped (not the first letter). */
function sloppy(title) {
  const words = title.split(/\s+/);
  let longest = -1;
  words.forEach((w, i) => {
    if (/^[A-Za-z]{5,}$/.test(w) && (longest < 0 || w.length > words[longest].length)) longest = i;
  });
  if (longest >= 0) {
    const w = words[longest];
    words[longest] = w[0] + w[2] + w[1] + w.slice(3);
  }
  return words.join(' ').toUpperCase();
}

test('without an account: search, an Exportify CSV, explained recommendations that follow the sliders, the map', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await page.getByTestId('try-without-account').waitFor();
  await rig.screenshot('app-welcome');
  await page.getByTestId('try-without-account').click();
  await waitForCatalog(page);

  // Search as you type.
  const search = page.getByTestId('search-input');
  await search.fill('love');
  await page.getByTestId('search-result').first().waitFor();
  const found = await searchResults(page);
  assert.ok(found.length >= 7, `"love" finds several tracks (${found.length})`);
  for (const hit of found) assert.match(hit.id, SPOTIFY_ID);

  // Forgiving of case and a small typo: the longest title, shouted and misspelt, still comes up.
  const target = found.reduce((a, b) => (b.title.length > a.title.length ? b : a));
  const query = sloppy(target.title);
  await search.fill(query);
  await page.waitForFunction(
    (id) => [...document.querySelectorAll('[data-testid=search-result]')].some((li) => li.dataset.trackId === id),
    target.id,
    { timeout: 10_000 },
  );
  t.diagnostic(`"${query}" found "${target.title}"`);

  // Three tracks from the search...
  await search.fill('love');
  await page.getByTestId('search-result').first().waitFor();
  const seeds = found.slice(0, 3);
  for (const seed of seeds) {
    await page.locator(`[data-testid=search-result][data-track-id="${seed.id}"] button`).click();
  }
  // ...and three more plus one unknown song from an Exportify CSV.
  const unknown = { id: '0000000000000000000001', title: 'A Song Encore Has Never Heard', artists: 'Nobody In Particular' };
  const csv = exportifyCsv([...found.slice(3, 6), unknown]);
  await page.getByTestId('source-csv').setInputFiles({ name: 'my-playlist.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const summary = page.getByTestId('match-summary');
  await summary.getByText('6 of 7 of your tracks').waitFor({ timeout: 10_000 });
  // A second export dropped anywhere on the page adds to the first.
  const dataTransfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
    return transfer;
  }, exportifyCsv([found[6]]));
  await page.locator('main').dispatchEvent('drop', { dataTransfer });
  await summary.getByText('7 of 8 of your tracks').waitFor({ timeout: 10_000 });
  await summary.getByText('See the 1 not found').click();
  await summary.getByText(unknown.title).waitFor();
  await rig.screenshot('app-taste');

  // Recommendations, each explained.
  await page.getByTestId('recommend').click();
  await page.getByTestId('recommendation').first().waitFor({ timeout: 30_000 });
  const first = await recommendations(page);
  assert.equal(first.length, 20, 'the default list has 20 tracks');
  const seedIds = new Set(found.slice(0, 7).map((s) => s.id));
  for (const rec of first) {
    assert.match(rec.id, SPOTIFY_ID);
    // One pattern for every explanation: the strongest concrete reason first.
    assert.match(rec.why, /^(also by |plays with |similar |shares |same |close to |popular )/, `every result says why it is there ("${rec.why}")`);
    assert.ok(!seedIds.has(rec.id), 'a seed is never recommended back');
  }
  await rig.screenshot('app-results');

  // A slider re-ranks the list by itself (no button press), and the list really moves the way
  // the slider says: its average energy (the audio profile chart) goes up.
  const before = first.map((r) => r.id).join(',');
  const energyBefore = await recommendedEnergy(page);
  await page.locator('#energy').fill('100');
  await page.waitForFunction(
    (ids) => [...document.querySelectorAll('[data-testid=recommendation]')].map((li) => li.dataset.trackId).join(',') !== ids,
    before,
    { timeout: 20_000 },
  );
  const energetic = await recommendations(page);
  assert.equal(energetic.length, 20);
  assert.notEqual(energetic.map((r) => r.id).join(','), before, 'more energy, other tracks');
  const energyAfter = await recommendedEnergy(page);
  t.diagnostic(`average energy of the list: ${energyBefore}% before, ${energyAfter}% at "100% more energetic"`);
  assert.ok(energyAfter > energyBefore, `the list got more energetic (${energyBefore}% -> ${energyAfter}%)`);

  // Another method is one choice away, with its sentence, and the list shown is that method's.
  const description = await page.locator('.method-description').textContent();
  await page.getByTestId('method-select').selectOption('knn');
  await page.waitForFunction((d) => document.querySelector('.method-description').textContent !== d, description);
  await page.waitForFunction(
    (ids) => document.querySelector('ol.results')?.dataset.method === 'knn'
      && [...document.querySelectorAll('[data-testid=recommendation]')].map((li) => li.dataset.trackId).join(',') !== ids,
    energetic.map((r) => r.id).join(','),
    { timeout: 30_000 },
  );
  assert.equal(await page.locator('ol.results').getAttribute('data-method'), 'knn', 'the list is the new method\'s');

  // Discovery: "New artists only" leaves out every artist the taste credits, and says why each
  // new one fits.
  const seedArtists = new Set(found.slice(0, 7).flatMap((s) => s.artists.split(', ').map((a) => a.toLowerCase())));
  const knnIds = (await recommendations(page)).map((r) => r.id).join(',');
  await page.getByTestId('artists-select').selectOption('new');
  await page.waitForFunction(
    (ids) => [...document.querySelectorAll('[data-testid=recommendation]')].map((li) => li.dataset.trackId).join(',') !== ids,
    knnIds,
    { timeout: 30_000 },
  );
  const newArtists = await page.getByTestId('recommendation').evaluateAll((items) =>
    items.map((li) => li.querySelector('.track-meta').textContent.split(' · ')[0]),
  );
  assert.ok(newArtists.length > 0, 'new artists are found');
  for (const credit of newArtists) {
    for (const artist of credit.split(', ')) {
      assert.ok(!seedArtists.has(artist.toLowerCase()), `"${artist}" is not an artist of the taste`);
    }
  }
  t.diagnostic(`new artists: ${newArtists.slice(0, 5).join(' / ')}`);

  // The sound families on the charts are named for what they are, not numbered.
  const families = await page.locator('.chart text').evaluateAll((texts) => texts.map((x) => x.textContent));
  assert.ok(!families.some((f) => /^Family \d+$/.test(f)), `families have names (${families.slice(0, 6).join(' / ')})`);

  // The map: a canvas with the whole catalog drawn on it.
  const map = page.getByTestId('catalog-map');
  const lit = await litMapPixels(page);
  assert.ok(lit > 2_000, `the map shows the catalog (${lit} lit pixels)`);
  // From the keyboard: the arrow keys step through the recommendations, each with its card.
  await map.focus();
  await page.keyboard.press('ArrowRight');
  const card = page.locator('.hover-card');
  await card.waitFor();
  const firstTitle = await page.locator('[data-testid=recommendation] .track-title').first().textContent();
  assert.equal(await card.locator('strong').textContent(), firstTitle, 'the first step shows the first recommendation');
  assert.match(await card.locator('em').textContent(), /recommended/);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.match(await card.locator('em').textContent(), /yours/, 'before the recommendations come your tracks');
  await page.keyboard.press('Escape');
  await card.waitFor({ state: 'detached' });
  const box = await map.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.locator('.map').screenshot({ path: path.join(paths.screenshots, 'app-map-closeup.png') });
  await rig.screenshot('app-map');

  // Usable at 360 px: nothing wider than the screen.
  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 360 px (${overflow} px too wide)`);
  await rig.screenshot('app-mobile-360');

  // Where the main thread's time went: the app records each heavy step as a User Timing measure.
  const steps = await page.evaluate(() => {
    const worst = {};
    for (const m of performance.getEntriesByType('measure')) {
      if (m.name.startsWith('encore:')) worst[m.name.slice(7)] = Math.max(worst[m.name.slice(7)] ?? 0, m.duration);
    }
    return worst;
  });
  t.diagnostic(`slowest run of each step (ms): ${Object.entries(steps).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  const longest = await rig.maxLongTaskMs();
  const tasks = await rig.longTasks();
  t.diagnostic(`longest main-thread task over the whole guest journey: ${longest.toFixed(0)} ms`);
  t.diagnostic(`long tasks (> 50 ms): ${tasks.map((x) => x.durationMs.toFixed(0)).join(', ') || 'none'}`);
  assert.deepEqual(rig.consoleErrors, []);
  assert.deepEqual(rig.unexpectedRequests(), [], 'only the app origin was contacted');
});

test('a damaged catalog says what happened and what to do', async (t) => {
  const rig = await startRig(t);
  await rig.context.route('**/catalog.bin', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: 'this is not a catalog' }),
  );
  await rig.open('/');
  const error = rig.page.getByTestId('error-message');
  await error.waitFor({ timeout: CATALOG_TIMEOUT_MS });
  assert.match(await error.textContent(), /damaged .*Reload the page/);
  await rig.screenshot('app-corrupt-catalog');
});

test('a missing catalog says so', async (t) => {
  const rig = await startRig(t);
  await rig.context.route('**/catalog.bin', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await rig.open('/');
  const error = rig.page.getByTestId('error-message');
  await error.waitFor({ timeout: CATALOG_TIMEOUT_MS });
  assert.match(await error.textContent(), /missing from this site \(error 404\)/);
});
