// How fast a big liked-songs library imports against Spotify's real latency (150 ms a page, set
// on the mock), through a storm of 429s, some of them without CORS headers (the browser then sees
// a network error). Targets (issue 14 §4): 10,000 songs in at most 20 s and 50,000 in at most
// 90 s, with no song lost and none duplicated. The time is reported, never asserted: the machine
// running the tests may be busy.
//
// `node --test` runs the 10,000-song form. The 50,000-song form takes a few minutes with the
// catalog's setup and is run by hand:
//
//   cd e2e && ENCORE_E2E_IMPORT_SONGS=50000 node --test spotify-import-speed.test.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { apiCalls, importFinished, likedCache, logIn } from './spotify-session.mjs';

const SONGS = Number(process.env.ENCORE_E2E_IMPORT_SONGS ?? 10_000);
const TARGET_S = SONGS > 10_000 ? 90 : 20;
const LATENCY_MS = 150;
const STORM_429S = 10;

test(`${SONGS.toLocaleString('en')} liked songs import at ${LATENCY_MS} ms a page through a storm of 429s, none lost or duplicated`, async (t) => {
  const rig = await startRig(t, { liked: SONGS, seed: 3 });
  await logIn(rig);
  const pages = Math.ceil(SONGS / 50);
  await rig.mock.settings({ latency_ms: LATENCY_MS });
  // The storm breaks out a third of the way in: every third 429 comes without CORS headers.
  await rig.mock.addFaults({
    path: '/v1/me/tracks',
    method: 'GET',
    kind: 'rate_limit_storm',
    retry_after_s: 1,
    no_cors_every: 3,
    after: Math.floor(pages / 3),
    times: STORM_429S,
  });

  const started = Date.now();
  const startedMs = await rig.page.evaluate(() => performance.now());
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page, 600_000);
  const seconds = (Date.now() - started) / 1000;
  const finishedMs = await rig.page.evaluate(() => performance.now());
  // Only the import's own tasks: matching the library and reading the cache back come after.
  const importTasks = (await rig.longTasks()).filter((task) => task.startMs >= startedMs && task.startMs < finishedMs);

  const cache = await likedCache(rig.page);
  assert.equal(cache.complete, true);
  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  const cachedIds = cache.entries.map((e) => e.track?.id);
  assert.equal(cachedIds.length, SONGS, 'no song lost');
  assert.equal(new Set(cachedIds).size, SONGS, 'no song twice');
  assert.deepEqual(cachedIds, likedIds, 'Spotify\'s list, in order');
  const calls = await apiCalls(rig, '/v1/me/tracks');
  assert.equal(calls.filter((c) => c.status === 200).length, pages, 'each page fetched once');
  assert.equal(calls.filter((c) => c.status === 429).length, STORM_429S, 'the whole storm was met');

  const sequentialS = (pages * LATENCY_MS) / 1000;
  const verdict = seconds <= TARGET_S ? 'met' : `missed by ${(seconds - TARGET_S).toFixed(1)} s`;
  t.diagnostic(
    `${SONGS.toLocaleString('en')} liked songs (${pages} pages at ${LATENCY_MS} ms, ${STORM_429S} 429s) imported in `
      + `${seconds.toFixed(1)} s: target ${TARGET_S} s ${verdict}; one page at a time would take ${sequentialS.toFixed(0)} s before any 429`,
  );
  const longestMs = Math.max(0, ...importTasks.map((task) => task.durationMs));
  t.diagnostic(`longest main-thread task during the import: ${longestMs.toFixed(0)} ms (${importTasks.length} over 50 ms)`);
});
