// Importing the listener's library from Spotify (the mock): 10,000 liked songs through a rate
// limit and a CORS-less failure, the incremental syncs after it (nothing new, then 120 songs
// liked since), a sync after songs were un-liked, a cancelled import resumed (also after a song
// before its boundary was un-liked), a full disk, top tracks and a playlist as sources, and a
// playlist Spotify will not let the listener read.
//
// The sync of added songs extends the 10,000-song test rather than importing a library of its
// own: it costs three pages instead of a second full import, and it rewrites a cache of eleven
// chunks, which a small library would not. Un-liked songs make the app read the whole list
// again, so that test uses 1,000 songs (20 pages) to stay quick.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { SOURCES_ERROR, apiCalls, eventually, importFinished, likedCache, logIn } from './spotify-session.mjs';

async function mockFaults(rig) {
  const response = await fetch(`${rig.mock.url}/__mock/faults`);
  return response.json();
}

/** The `offset` of each liked-songs page requested since `since` (an index into the record). */
async function likedOffsets(rig, since) {
  const calls = (await apiCalls(rig, '/v1/me/tracks')).slice(since);
  return calls.map((c) => (c.status === 200 ? Number(/offset=(\d+)/.exec(c.query ?? '')?.[1]) : `status ${c.status}`));
}

/** Offsets in ascending order: pages are read several at a time, so they come back in any order. */
const sorted = (offsets) => [...offsets].sort((a, b) => a - b);

/** Reloads, imports the liked songs again and checks the cache is the mock's list exactly. */
async function reimportMatchesMock(rig, total) {
  await rig.open('/');
  await rig.page.getByTestId('source-liked').click();
  const summary = rig.page.getByTestId('match-summary');
  const n = String(total).replace(/\B(?=(\d{3})+$)/g, ',?'); // with or without thousands commas
  const sentence = new RegExp(`^${n} of ${n} of your tracks`);
  await eventually(async () => sentence.test((await summary.textContent()) ?? ''), {
    what: `the match summary counting ${total} tracks`,
  });
  const cache = await likedCache(rig.page);
  assert.equal(cache.complete, true);
  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  assert.equal(likedIds.length, total);
  assert.deepEqual(cache.entries.map((e) => e.track?.id), likedIds, 'every liked song, in order, once');
}

test('10,000 liked songs import through a 429 and a CORS-less failure without losing a track, then sync only what was added', async (t) => {
  const rig = await startRig(t, { liked: 10_000, seed: 7 });
  await logIn(rig);
  await rig.mock.addFaults([
    { path: '/v1/me/tracks', method: 'GET', kind: 'rate_limit', retry_after_s: 1, after: 60, times: 1 },
    { path: '/v1/me/tracks', method: 'GET', kind: 'rate_limit_no_cors', after: 130, times: 1 },
  ]);

  const started = Date.now();
  const startedMs = await rig.page.evaluate(() => performance.now());
  await rig.page.getByTestId('source-liked').click();
  const progress = rig.page.getByTestId('import-progress');
  await progress.waitFor();
  await eventually(async () => /of 10,000/.test((await progress.textContent()) ?? ''), {
    what: 'progress shown as "N of 10,000"',
  });
  await rig.screenshot('spotify-liked-import-progress');
  await progress.waitFor({ state: 'detached', timeout: 240_000 });
  const seconds = (Date.now() - started) / 1000;
  const importTasks = (await rig.longTasks()).filter((task) => task.startMs >= startedMs);
  const longestMs = Math.max(0, ...importTasks.map((task) => task.durationMs));
  const cache = await likedCache(rig.page);
  assert.equal(cache.complete, true);

  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  assert.equal(likedIds.length, 10_000);
  assert.deepEqual(cache.entries.map((e) => e.track?.id), likedIds, 'every track, in order, once');
  const fired = (await mockFaults(rig)).map((f) => f.fired);
  assert.deepEqual(fired, [1, 1], 'the 429 and the CORS-less failure both happened');
  const calls = await apiCalls(rig, '/v1/me/tracks');
  assert.equal(calls.filter((c) => c.status === 200).length, 200, '50 per page, no page fetched twice');
  assert.equal(calls.filter((c) => c.status === 429).length, 2);
  await rig.page.getByTestId('match-summary').waitFor();
  await rig.screenshot('spotify-liked-imported');
  t.diagnostic(`10,000 liked songs imported in ${seconds.toFixed(1)} s (with one 1 s Retry-After and one backoff)`);
  t.diagnostic(`longest main-thread task from the click until the progress bar went away: ${longestMs.toFixed(0)} ms`);

  // The next import, after a reload, only reads what was added since: here nothing, so one page.
  const before = calls.length;
  await rig.open('/');
  await rig.page.getByTestId('source-liked').click();
  await rig.page.getByTestId('match-summary').waitFor();
  await eventually(async () => (await apiCalls(rig, '/v1/me/tracks')).length > before, { what: 'sync request' });
  // Give a full re-read a chance to show itself before counting.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const synced = (await apiCalls(rig, '/v1/me/tracks')).length - before;
  assert.equal(synced, 1, 'an incremental sync, not a re-import');
  assert.equal((await likedCache(rig.page)).entries.length, 10_000);

  // The listener likes 120 more songs. The sync reads from the newest song until it meets the
  // newest one it had: offsets 0 and 50 (all new), then 100 (20 new, then the old newest).
  const { ids: newIds, liked_total: newTotal } = await rig.mock.likeMore(120);
  assert.equal(newTotal, 10_120);
  const beforeAdded = (await apiCalls(rig, '/v1/me/tracks')).length;
  await reimportMatchesMock(rig, 10_120);
  const addedSync = await likedOffsets(rig, beforeAdded);
  assert.deepEqual(addedSync, [0, 50, 100], 'only the three pages holding the new songs');
  const { liked_ids: likedNow } = await rig.mock.library({ ids: true });
  assert.deepEqual(likedNow.slice(0, 120), newIds, 'the mock lists the new songs first');
  t.diagnostic(`120 songs liked since: synced in ${addedSync.length} requests`);
  // Chromium itself logs the 429 and the blocked CORS-less reply; the app logs nothing.
  const browserNoise = /status of 429|blocked by CORS policy|net::ERR_FAILED/;
  assert.deepEqual(rig.consoleErrors.filter((e) => !browserNoise.test(e)), []);
  assert.deepEqual(rig.unexpectedRequests(), []);
});

test('after songs were un-liked, the next import reads the list once and the cache matches it', async (t) => {
  const rig = await startRig(t, { liked: 1_000, seed: 5 });
  await logIn(rig);
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page);
  const { liked_ids: first } = await rig.mock.library({ ids: true });
  const everyPage = Array.from({ length: 20 }, (_, i) => i * 50);

  // A song deep in the list goes: the sync meets the newest cached song at once but the counts
  // disagree, so the list is read again, from the second page on (the sync read the first).
  let since = (await apiCalls(rig, '/v1/me/tracks')).length;
  await rig.mock.unlike([first[500]]);
  await reimportMatchesMock(rig, 999);
  assert.deepEqual(sorted(await likedOffsets(rig, since)), everyPage, 'each page once');

  // The newest cached song goes and two are liked: the sync never meets the song it looks for,
  // so it reads the whole list, which is then the library.
  since = (await apiCalls(rig, '/v1/me/tracks')).length;
  await rig.mock.unlike([first[0]]);
  await rig.mock.likeMore(2);
  await reimportMatchesMock(rig, 1_000);
  assert.deepEqual(sorted(await likedOffsets(rig, since)), everyPage, 'each page once');
  assert.deepEqual(rig.consoleErrors, []);
});

test('a cancelled liked-songs import keeps what it fetched and resumes from there', async (t) => {
  const rig = await startRig(t, { liked: 10_000, seed: 11 });
  await logIn(rig);
  // Slow pages, so there is time to press Cancel mid-way.
  await rig.mock.addFaults({ path: '/v1/me/tracks', method: 'GET', kind: 'delay', delay_ms: 100 });
  await rig.page.getByTestId('source-liked').click();
  const progress = rig.page.getByTestId('import-progress');
  await eventually(async () => {
    const done = /([\d,]+) of 10,000/.exec((await progress.textContent()) ?? '')?.[1];
    return done !== undefined && Number(done.replaceAll(',', '')) >= 1_000;
  }, { what: 'a thousand songs imported' });
  await rig.page.locator('.spotify-sources').getByRole('button', { name: 'Cancel' }).click();
  const error = rig.page.locator(SOURCES_ERROR);
  await error.waitFor();
  assert.match(await error.textContent(), /Import cancelled/);

  const partial = await likedCache(rig.page);
  assert.equal(partial.complete, false);
  const kept = partial.entries.length;
  assert.ok(kept >= 1_000 && kept < 10_000 && kept % 50 === 0, `${kept} entries kept`);

  await rig.mock.clearFaults();
  const before = (await apiCalls(rig, '/v1/me/tracks')).length;
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page);
  const resumed = await likedOffsets(rig, before);
  // The page holding the last cached song comes first (it checks the boundary), then the first
  // page (it checks the top), then each page after the boundary once.
  const afterBoundary = [];
  for (let offset = kept + 49; offset < 10_000; offset += 50) afterBoundary.push(offset);
  assert.equal(resumed[0], kept - 1, 'resumed at its boundary');
  assert.deepEqual(sorted(resumed.slice(1)), [0, ...afterBoundary], 'no page fetched twice');
  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  const cache = await likedCache(rig.page);
  assert.equal(cache.complete, true);
  assert.deepEqual(cache.entries.map((e) => e.track?.id), likedIds);
});

/** Starts the liked-songs import and cancels it once at least `n` songs are in. */
async function importPartly(rig, n, total) {
  const everyPageSlow = { path: '/v1/me/tracks', method: 'GET', kind: 'delay', delay_ms: 100 };
  await rig.mock.addFaults(everyPageSlow);
  await rig.page.getByTestId('source-liked').click();
  const progress = rig.page.getByTestId('import-progress');
  const of = new RegExp(`([\\d,]+) of ${total.toLocaleString('en')}`);
  await eventually(async () => {
    const done = of.exec((await progress.textContent()) ?? '')?.[1];
    return done !== undefined && Number(done.replaceAll(',', '')) >= n;
  }, { what: `${n} songs imported` });
  await rig.page.locator('.spotify-sources').getByRole('button', { name: 'Cancel' }).click();
  await rig.page.locator(SOURCES_ERROR).waitFor();
  await rig.mock.clearFaults();
  const partial = await likedCache(rig.page);
  assert.equal(partial.complete, false);
  return partial.entries.length;
}

test('a resumed import checks its boundary: a song un-liked before it meanwhile is not skipped for good', async (t) => {
  const rig = await startRig(t, { liked: 5_000, seed: 13 });
  await logIn(rig);
  const kept = await importPartly(rig, 1_000, 5_000);
  assert.ok(kept >= 1_000 && kept < 5_000, `${kept} entries kept`);

  // A song well before the boundary goes: every later song moves up one place, so resuming at
  // the old offset would skip one song and still add up to Spotify's total.
  const { liked_ids: first } = await rig.mock.library({ ids: true });
  await rig.mock.unlike([first[10]]);
  const before = (await apiCalls(rig, '/v1/me/tracks')).length;
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page);
  const offsets = await likedOffsets(rig, before);
  assert.equal(offsets[0], kept - 1, 'the boundary was checked first');

  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  assert.equal(likedIds.length, 4_999);
  const cache = await likedCache(rig.page);
  assert.equal(cache.complete, true);
  assert.deepEqual(cache.entries.map((e) => e.track?.id), likedIds, 'every liked song, in order, once');
  t.diagnostic(`resumed from ${kept}: the boundary disagreed, so the list was read again (${offsets.length} requests)`);
});

test('a full disk says so, nothing unsaved is called saved, and the next import repairs the cache', async (t) => {
  const rig = await startRig(t, { liked: 5_000, seed: 23 });
  await logIn(rig);
  // The catalog alone is over this quota, so every write of the import fails as over quota.
  const devtools = await rig.context.newCDPSession(rig.page);
  const origin = new URL(rig.mock.appUrl).origin;
  await devtools.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 100_000 });
  await rig.page.getByTestId('source-liked').click();
  const error = rig.page.locator(SOURCES_ERROR);
  await error.waitFor({ timeout: 120_000 });
  const sentence = await error.textContent();
  assert.match(sentence, /storage for this site is full/);
  assert.doesNotMatch(sentence, /is kept/, 'nothing is promised as kept');
  assert.equal(await likedCache(rig.page), null, 'no partial write left behind');
  await rig.screenshot('spotify-import-storage-full');

  // Space again: the next import starts afresh and the cache is Spotify's list.
  await devtools.send('Storage.overrideQuotaForOrigin', { origin });
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page);
  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  const cache = await likedCache(rig.page);
  assert.equal(cache.complete, true);
  assert.deepEqual(cache.entries.map((e) => e.track?.id), likedIds);
});

test('top tracks and an own playlist are sources; null, local, episode and duplicate entries are left out', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const library = await rig.mock.library();

  await rig.page.getByTestId('source-top').click();
  await eventually(async () => (await apiCalls(rig, '/v1/me/top/tracks')).some((r) => r.status === 200), {
    what: 'top tracks fetched',
  });
  const [top] = await apiCalls(rig, '/v1/me/top/tracks');
  assert.match(top.query, /time_range=medium_term/);
  const sources = rig.page.locator('.chosen-sources');
  await eventually(async () => (await sources.textContent())?.includes(`${library.top_tracks.medium_term.length} tracks`), {
    what: 'the top tracks listed as a source',
  });

  const roadTrip = library.playlists.find((p) => p.name === 'Road Trip');
  await rig.page.getByTestId('source-playlists').click();
  const row = rig.page.locator(`[data-testid="playlist"][data-playlist-id="${roadTrip.id}"]`);
  await row.getByRole('button').click();
  await eventually(async () => (await sources.textContent())?.includes('125 tracks'), {
    what: 'Road Trip (130 entries: one null, one local file, one episode, two duplicates) as 125 tracks',
  });
  const pages = await apiCalls(rig, `/v1/playlists/${roadTrip.id}/items`);
  assert.deepEqual(pages.map((p) => p.status), [200, 200, 200]);
  await rig.page.getByTestId('match-summary').waitFor();
  await rig.screenshot('spotify-sources');
  assert.deepEqual(rig.consoleErrors, []);
});

test('a playlist Spotify refuses with 403 says it belongs to someone else', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const library = await rig.mock.library();
  const theirs = library.playlists.find((p) => p.name === "Someone Else's Mix");
  const shared = library.playlists.find((p) => p.name === 'Shared With Friends');

  await rig.page.getByTestId('source-playlists').click();
  const theirRow = rig.page.locator(`[data-testid="playlist"][data-playlist-id="${theirs.id}"]`);
  await theirRow.waitFor();
  assert.ok(await theirRow.getByRole('button').isDisabled(), 'someone else\'s playlist cannot be picked');

  // A playlist that looked readable (collaborative) but that Spotify refuses, e.g. after the
  // listener was removed from it: the 403 must be explained, not shown as a failure.
  await rig.mock.addFaults({ path: `/v1/playlists/${shared.id}/items`, kind: 'server_error', status: 403 });
  await rig.page.locator(`[data-testid="playlist"][data-playlist-id="${shared.id}"]`).getByRole('button').click();
  const error = rig.page.locator(SOURCES_ERROR);
  await error.waitFor();
  assert.match(await error.textContent(), /belongs to someone else/);
  await rig.screenshot('spotify-playlist-403');
});
