// A listener's first ten minutes (issue 15): the two ways in first, picks they can see and
// edit, a session that survives a reload, what a guest can do with a list, plain method names,
// search rows that tell versions apart, and the small truths of the controls, the player and
// the map.
//
// As in the guest journey, the tracks used are whatever the served catalog's search returns at
// run time: nothing is copied from the data sets (the genre tests search for two famous bands).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOG_TIMEOUT_MS, enterAsGuest, searchFor, waitForCatalog } from './lib/journey.mjs';
import { startRig } from './lib/rig.mjs';

const ANSWER_TIMEOUT_MS = 30_000;
const PHONE = { width: 390, height: 844 };

/** Searches and returns the rows on screen: `{ id, title, meta, button }`. */
async function search(page, query) {
  await searchFor(page, query);
  return page.getByTestId('search-result').evaluateAll((items) =>
    items.map((li) => ({
      id: li.dataset.trackId,
      title: li.querySelector('.track-title').textContent,
      meta: li.querySelector('.track-meta').textContent,
      button: li.querySelector('button').textContent,
    })),
  );
}

/** The picks listed for one source (`search`, `csv`, ...): `{ id, title, meta }`. */
function picks(page, source) {
  return page
    .getByTestId(`picks-${source}`)
    .getByTestId('pick')
    .evaluateAll((items) =>
      items.map((li) => ({
        id: li.dataset.trackId,
        title: li.querySelector('.track-title').textContent,
        meta: li.querySelector('.track-meta').textContent,
      })),
    );
}

function shownIds(page) {
  return page.getByTestId('recommendation').evaluateAll((items) => items.map((li) => li.dataset.trackId));
}

/** Adds the first `n` results of `query` from the search box; returns them. */
async function pickFromSearch(page, query, n) {
  const found = await search(page, query);
  const chosen = found.slice(0, n);
  for (const hit of chosen) {
    await page.locator(`[data-testid=search-result][data-track-id="${hit.id}"] button`).click();
  }
  return chosen;
}

async function recommend(page) {
  await page.getByTestId('recommend').click();
  await page.getByTestId('recommendation').first().waitFor({ timeout: ANSWER_TIMEOUT_MS });
}

test('the two ways in come first and side by side; Spotify setup is its own step; a guest sees only what a guest can use', async (t) => {
  const rig = await startRig(t, { viewport: PHONE });
  const { page } = rig;
  await rig.open('/');
  const guest = page.getByTestId('try-without-account');
  const spotify = page.getByTestId('connect-spotify');
  await guest.waitFor();
  for (const [name, button] of [['guest', guest], ['Spotify', spotify]]) {
    const box = await button.boundingBox();
    assert.ok(box.y + box.height <= PHONE.height, `the ${name} way in is on the first phone screen (bottom at ${box.y + box.height})`);
  }
  assert.equal(await page.getByTestId('client-id-input').count(), 0, 'no developer setup before choosing Spotify');
  await rig.screenshot('first-screen-phone');

  await page.setViewportSize({ width: 1280, height: 900 });
  const [a, b] = [await guest.boundingBox(), await spotify.boundingBox()];
  assert.ok(Math.abs(a.y - b.y) < 40 && a.x !== b.x, 'on a wide screen the two ways in sit side by side');

  // Choosing Spotify opens its setup step; the listener can still turn back.
  await spotify.click();
  await page.getByTestId('client-id-input').waitFor();
  await page.getByTestId('redirect-uri').waitFor();
  await page.getByTestId('guest-instead').click();
  await waitForCatalog(page);

  // A guest sees no Spotify buttons, and Spotify offered in one line.
  assert.equal(await page.getByTestId('client-id-input').count(), 0, 'the setup is gone');
  for (const id of ['source-liked', 'source-recent', 'source-top', 'source-playlists']) {
    assert.equal(await page.getByTestId(id).count(), 0, `${id} is not shown to a guest`);
  }
  assert.equal(await page.locator('.sources button:disabled').count(), 0, 'no disabled buttons beside the search box');
  await page.getByTestId('spotify-offer').waitFor();
  assert.deepEqual(rig.consoleErrors, []);
});

test('picks are a list with a remove button each; added search rows say so; every source is listed the same way', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await enterAsGuest(page);

  const chosen = await pickFromSearch(page, 'love', 2);
  // A pick's year comes with the engine's match, a moment after the pick itself.
  await page.getByTestId('picks-search').getByTestId('pick').filter({ hasText: / · \d{4}/ }).first().waitFor();
  const listed = await picks(page, 'search');
  assert.deepEqual(listed.map((p) => p.id), chosen.map((c) => c.id), 'the picks, in the order added');
  assert.deepEqual(listed.map((p) => p.title), chosen.map((c) => c.title));
  for (const pick of listed) assert.match(pick.meta, /\S/, 'each pick names its artist');
  assert.ok(listed.some((p) => / · \d{4}$/.test(p.meta)), `a pick shows its year (${listed.map((p) => p.meta)})`);
  await page.getByTestId('picks-search').getByText('Picked from search: 2 tracks').waitFor();

  // The added rows are marked and cannot be added twice.
  const rows = await search(page, 'love');
  for (const row of rows) {
    const added = chosen.some((c) => c.id === row.id);
    assert.equal(row.button, added ? 'Added' : 'Add', `"${row.title}" is ${added ? '' : 'not '}marked as added`);
  }
  assert.ok(await page.locator(`[data-testid=search-result][data-track-id="${chosen[0].id}"] button`).isDisabled());

  // One pick out; its search row can be added again.
  await page.getByTestId('picks-search').locator(`[data-testid=pick][data-track-id="${chosen[0].id}"] [data-testid=remove-pick]`).click();
  assert.deepEqual((await picks(page, 'search')).map((p) => p.id), [chosen[1].id]);
  await page.getByTestId('picks-search').getByText('Picked from search: 1 track', { exact: true }).waitFor();
  await page.locator(`[data-testid=search-result][data-track-id="${chosen[0].id}"] button`).getByText('Add', { exact: true }).waitFor();

  // A CSV's tracks are listed and removable the same way, one by one or as a whole.
  const rest = rows.filter((r) => !chosen.some((c) => c.id === r.id)).slice(0, 3);
  const csv = `Track URI,Track Name,Artist Name(s),Album Name\n${rest
    .map((r) => `spotify:track:${r.id},"${r.title.replaceAll('"', '""')}",Someone,Some Album`)
    .join('\n')}\n`;
  await page.getByTestId('source-csv').setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByText('Read 3 tracks: 3 new.').waitFor();
  assert.deepEqual((await picks(page, 'csv')).map((p) => p.id), rest.map((r) => r.id));
  await page.getByTestId('picks-csv').getByTestId('remove-pick').first().click();
  assert.equal((await picks(page, 'csv')).length, 2);
  await page.getByTestId('picks-csv').getByTestId('remove-source').click();
  await page.getByTestId('picks-csv').waitFor({ state: 'detached' });
  assert.equal((await picks(page, 'search')).length, 1, 'removing the CSV keeps the search picks');
  await rig.screenshot('taste-with-picks');
  assert.deepEqual(rig.consoleErrors, []);
});

test('a reload keeps the picks, the settings and the list; storage keys all start with encore.', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await enterAsGuest(page);
  const chosen = await pickFromSearch(page, 'love', 3);
  await page.locator('#energy').fill('50');
  await page.getByTestId('method-select').selectOption('centroid');
  await recommend(page);
  await page.waitForFunction(() => document.querySelector('ol.results')?.dataset.method === 'centroid', null, {
    timeout: ANSWER_TIMEOUT_MS,
  });
  const list = await shownIds(page);

  await rig.open('/');
  // Straight back to the work, with the picks, the controls and the same list.
  await page.getByTestId('picks-search').waitFor({ timeout: CATALOG_TIMEOUT_MS });
  assert.deepEqual((await picks(page, 'search')).map((p) => p.id), chosen.map((c) => c.id));
  assert.equal(await page.locator('#energy').inputValue(), '50');
  assert.equal(await page.getByTestId('method-select').inputValue(), 'centroid');
  await page.getByTestId('recommendation').first().waitFor();
  await waitForCatalog(page);
  await page.waitForFunction(
    (ids) => [...document.querySelectorAll('[data-testid=recommendation]')].map((li) => li.dataset.trackId).join(',') === ids,
    list.join(','),
    { timeout: ANSWER_TIMEOUT_MS },
  );
  const keys = await page.evaluate(() => Object.keys(localStorage));
  assert.ok(keys.length > 0);
  for (const key of keys) assert.match(key, /^encore\./, `localStorage key ${key}`);

  // A guest can forget it all too: nothing of Encore's stays, and the next visit starts afresh.
  await page.evaluate(() => localStorage.setItem('neighbour.setting', 'theirs'));
  await page.getByTestId('forget-me-guest').click();
  await page.getByTestId('forgotten').waitFor();
  await page.getByTestId('try-without-account').waitFor();
  const left = await page.evaluate(async () => ({
    local: Object.keys(localStorage),
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
  }));
  assert.deepEqual(left.local, ['neighbour.setting'], 'only the neighbour\'s key is left');
  assert.ok(!left.databases.includes('encore'), `no Encore database (${left.databases})`);
  assert.deepEqual(left.caches.filter((c) => c.startsWith('encore')), [], 'no Encore cache');
  await rig.open('/');
  await page.getByTestId('try-without-account').waitFor();
  assert.equal(await page.getByTestId('picks-search').count(), 0, 'no picks come back');
  assert.deepEqual(rig.consoleErrors, []);
});

test('a guest keeps a list by downloading or copying it, each confirmed; saving is offered as connecting Spotify', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.mock.appUrl });
  await rig.open('/');
  await enterAsGuest(page);
  await pickFromSearch(page, 'love', 3);
  await recommend(page);
  const ids = await shownIds(page);

  assert.equal(await page.getByTestId('save-playlist').count(), 0, 'no save a guest cannot do');
  assert.match(await page.getByTestId('download-csv').getAttribute('class'), /primary/, 'Download CSV is the main action');
  await page.getByTestId('connect-to-save').waitFor();
  assert.equal(await page.locator('.save [data-testid=error-message]').count(), 0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  assert.equal(download.suggestedFilename(), 'encore-recommendations.csv');
  await page.getByTestId('keep-notice').getByText(`Downloaded encore-recommendations.csv (${ids.length} tracks).`).waitFor();

  await page.getByTestId('copy-links').click();
  await page.getByTestId('keep-notice').getByText(`Copied ${ids.length} links.`).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.deepEqual(copied.split('\n'), ids.map((id) => `https://open.spotify.com/track/${id}`));
  assert.deepEqual(rig.consoleErrors, []);
});

test('methods have plain names: the default first, the original designs grouped as other approaches, each described', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await enterAsGuest(page);
  const select = page.getByTestId('method-select');
  const options = await select.evaluate((s) =>
    [...s.options].map((o) => ({ value: o.value, text: o.textContent, group: o.parentElement.label ?? null })),
  );
  assert.equal(options[0].value, 'blend', 'the default leads');
  assert.equal(options[0].group, null, 'the default is not among the others');
  const others = options.slice(1);
  assert.equal(others.length, 8);
  for (const o of others) assert.equal(o.group, 'Other approaches', `${o.value} is grouped`);
  const jargon = /^(blend|classifier|centroid|centroid-genre|clusters|knn|adviser|adviser-genre|popular)$/i;
  for (const o of options) assert.doesNotMatch(o.text, jargon, `${o.value} is shown by a plain name ("${o.text}")`);
  const descriptions = new Set();
  for (const o of options) {
    await select.selectOption(o.value);
    descriptions.add(await page.locator('.method-description').textContent());
  }
  assert.equal(descriptions.size, options.length, 'each method has its own line');
});

test('search tells versions apart, lists each exact duplicate once, and its own example works', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await enterAsGuest(page);
  const placeholder = await page.getByTestId('search-input').getAttribute('placeholder');
  const example = placeholder.replace(/^e\.g\.\s*/, '');
  const found = await search(page, example);
  const firstWord = example.split(' ')[0];
  assert.ok(found.some((r) => r.meta.toLowerCase().includes(firstWord)), `"${example}" finds ${firstWord} (${found.map((r) => r.title)})`);
  for (const query of ['love', 'blinding lights', example]) {
    const rows = await search(page, query);
    const seen = new Set(rows.map((r) => `${r.title} | ${r.meta}`));
    assert.equal(seen.size, rows.length, `"${query}": no two rows look the same (${rows.map((r) => `${r.title} | ${r.meta}`).join('; ')})`);
    // Rows of one song by one artist differ by what they show of the album or the year.
    const byArtist = new Map();
    for (const r of rows) {
      const key = `${r.title} | ${r.meta.split(' · ')[0]}`;
      byArtist.set(key, (byArtist.get(key) ?? 0) + 1);
    }
    for (const r of rows.filter((r) => byArtist.get(`${r.title} | ${r.meta.split(' · ')[0]}`) > 1)) {
      assert.ok(r.meta.split(' · ').length >= 2, `"${query}": "${r.title}" names its album or year (${r.meta})`);
    }
  }
});

test('the small truths: year sliders, the status region, one player at a time, the offline player, the map card', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  // Spotify's player is replaced by an empty page: nothing leaves the machine.
  await rig.context.route('https://open.spotify.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>player</title>' }));
  // A policy that forbids style attributes: positioning through the CSSOM is still allowed.
  await rig.context.route(`${rig.mock.appUrl}/`, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers(), 'content-security-policy': "style-src-attr 'none'" };
    await route.fulfill({ response, headers });
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
  });
  await rig.open('/');
  await enterAsGuest(page);

  for (const id of ['year-from', 'year-to']) {
    const slider = page.locator(`#${id}`);
    const bound = await slider.getAttribute(id === 'year-from' ? 'min' : 'max');
    assert.equal(await slider.inputValue(), bound, `${id} starts at the catalog's ${id === 'year-from' ? 'first' : 'last'} year`);
    assert.equal(await slider.getAttribute('aria-valuetext'), bound, `${id} says so to screen readers`);
  }

  await pickFromSearch(page, 'love', 3);
  await recommend(page);
  await page.getByTestId('recommend-status').getByText(/^The list is ready: 20 tracks/).waitFor();

  // Listen: the accessible name follows the button, one player is open at a time.
  const cards = page.getByTestId('recommendation');
  const [first, second] = [cards.nth(0), cards.nth(1)];
  const firstTitle = await first.locator('.track-title').textContent();
  await first.getByTestId('listen').click();
  assert.equal(await first.getByTestId('listen').getAttribute('aria-label'), `Hide player for ${firstTitle}`);
  const player = first.locator('iframe.player');
  assert.equal(await player.getAttribute('referrerpolicy'), 'no-referrer');
  assert.match(await player.getAttribute('sandbox'), /allow-scripts/);
  await second.getByTestId('listen').click();
  assert.equal(await page.locator('iframe.player').count(), 1, 'opening a second player closes the first');
  assert.match(await first.getByTestId('listen').getAttribute('aria-label'), /^Listen to /);

  // Offline, the player says why it cannot play.
  await rig.context.setOffline(true);
  await first.getByTestId('listen').click();
  await first.getByTestId('player-offline').waitFor();
  await rig.context.setOffline(false);

  // The map: its description exists, and a card near the right edge stays on a phone's page.
  assert.equal(await page.evaluate(() => document.getElementById(document.querySelector('[data-testid=catalog-map]').getAttribute('aria-describedby')) !== null), true);
  await page.setViewportSize(PHONE);
  const map = page.getByTestId('catalog-map');
  await map.scrollIntoViewIfNeeded();
  const box = await map.boundingBox();
  let shown = 0;
  for (const fy of [0.2, 0.4, 0.5, 0.6, 0.8]) {
    await page.mouse.move(box.x + box.width - 3, box.y + box.height * fy);
    if ((await page.locator('.hover-card').count()) === 0) continue;
    shown += 1;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the card near the right edge widens the page by ${overflow} px`);
  }
  assert.ok(shown > 0, 'a card was shown near the right edge');
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'nothing needed an inline style');
  assert.deepEqual(rig.consoleErrors, []);
});

// Seeds the first of `artist`'s songs that searching `query` finds, asks for recommendations and
// returns the title and shown genres of every song of `artist` in the list.
async function genresShownFor(t, query, artist) {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await enterAsGuest(page);
  await searchFor(page, query);
  await page
    .getByTestId('search-result')
    .filter({ has: page.locator('.track-meta', { hasText: new RegExp(`^${artist}`) }) })
    .first()
    .locator('button')
    .click();
  await recommend(page);
  const shown = await page.getByTestId('recommendation').evaluateAll((items) =>
    items.map((li) => ({
      title: li.querySelector('.track-title').textContent,
      artists: li.querySelector('.track-meta').textContent.split(' · ')[0],
      genres: li.querySelector('.genres')?.textContent ?? '',
    })),
  );
  const theirs = shown.filter((r) => r.artists.split(', ').includes(artist));
  assert.ok(theirs.length > 0, `${artist} is in the list (${shown.map((r) => r.artists).join(' / ')})`);
  t.diagnostic(`${artist} on screen: ${theirs.map((r) => `${r.title} (${r.genres})`).join('; ')}`);
  assert.deepEqual(rig.consoleErrors, []);
  return theirs;
}

// The two places this file names real music, famous bands whose genres the sources muddle.

test('a track shows its artist\'s own genres, not the label of a genre search that found it', async (t) => {
  // A genre search filed some of Radiohead's songs under "r&b", while Spotify's own genres for
  // Radiohead are rock ones. The page must show the latter for every Radiohead song in the list.
  for (const rec of await genresShownFor(t, 'karma police radiohead', 'Radiohead')) {
    assert.ok(!rec.genres.split(', ').includes('r&b'), `no search label among "${rec.genres}"`);
  }
});

test('a track leads with the genres both Spotify snapshots agree on', async (t) => {
  // Spotify's 2024 genres for Daft Punk add "rock" to the "electro" and "filter house" it gave
  // in 2020; "rock" is the commoner genre, so by id alone it would lead.
  for (const rec of await genresShownFor(t, 'daft punk', 'Daft Punk')) {
    const [first] = rec.genres.split(', ');
    assert.ok(first && first !== 'rock', `"${rec.genres}" does not lead with rock`);
  }
});
