// Encore keeps to storage of its own (issue 11 §1): on a GitHub Pages origin, other sites of the
// same owner share localStorage, sessionStorage, IndexedDB and the Cache API with it. Forget me
// removes exactly Encore's (`encore.` keys, the `encore` database, `encore-` caches) and nothing
// of theirs, and a Forget me in the middle of a big import leaves nothing behind: the import
// stops, and none of its writes follows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { apiCalls, eventually, logIn } from './spotify-session.mjs';

/** Everything on the origin: both web storages, the IndexedDB database names, the cache names. */
function originStorage(page) {
  return page.evaluate(async () => {
    const dump = (storage) => Object.fromEntries(Object.keys(storage).map((k) => [k, storage.getItem(k)]));
    return {
      local: dump(localStorage),
      session: dump(sessionStorage),
      databases: (await indexedDB.databases()).map((d) => d.name).sort(),
      caches: (await caches.keys()).sort(),
    };
  });
}

/** What a neighbouring site on the same origin leaves behind: one of each kind of storage. */
function leaveNeighboursData(page) {
  return page.evaluate(async () => {
    localStorage.setItem('neighbour.token', 'theirs');
    localStorage.setItem('encore-fan-page.visits', '3');
    sessionStorage.setItem('neighbour.step', '2');
    const cache = await caches.open('neighbour-assets');
    await cache.put('/neighbour.txt', new Response('theirs'));
    await new Promise((resolve, reject) => {
      const open = indexedDB.open('neighbour-db');
      open.onupgradeneeded = () => open.result.createObjectStore('things');
      open.onsuccess = () => {
        open.result.close();
        resolve();
      };
      open.onerror = () => reject(open.error);
    });
  });
}

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const NEIGHBOUR = {
  local: { 'neighbour.token': 'theirs', 'encore-fan-page.visits': '3' },
  session: { 'neighbour.step': '2' },
  databases: ['neighbour-db'],
  caches: ['neighbour-assets'],
};

test('Forget me during a 10,000-song import leaves no Encore data behind, and a neighbouring site keeps all of its own', async (t) => {
  const rig = await startRig(t, { liked: 10_000, seed: 17 });
  await logIn(rig);
  await leaveNeighboursData(rig.page);
  // Slow pages: the import is still running when Forget me is pressed, with pages in flight.
  await rig.mock.settings({ latency_ms: 150 });
  await rig.page.getByTestId('source-liked').click();
  const progress = rig.page.getByTestId('import-progress');
  await eventually(async () => {
    const done = /([\d,]+) of 10,000/.exec((await progress.textContent()) ?? '')?.[1];
    // Past a few checkpoints, so the cache holds part of the library.
    return done !== undefined && Number(done.replaceAll(',', '')) >= 1_500;
  }, { what: '1,500 songs imported' });
  const before = await originStorage(rig.page);
  assert.ok(before.databases.includes('encore'), 'the import has cached part of the library');
  assert.ok(before.caches.some((name) => name.startsWith('encore-')), 'the catalog is cached');

  await rig.page.getByTestId('forget-me').click();
  await rig.page.getByTestId('connect-spotify').waitFor();
  // The mock records a request when it answers: let the pages that were in flight come back.
  await settle(1_000);
  const stopped = (await apiCalls(rig, '/v1/me/tracks')).length;
  // Long enough for a retry or a write the import still had in hand to show itself.
  await settle(3_000);

  const after = await originStorage(rig.page);
  assert.deepEqual(after, NEIGHBOUR, 'only the neighbour\'s data is left');
  const lateCalls = (await apiCalls(rig, '/v1/me/tracks')).length - stopped;
  assert.ok(lateCalls === 0, `${lateCalls} liked-songs requests after Forget me`);
  t.diagnostic(`Forget me at ${before.databases.length} database(s); ${stopped} pages requested before it`);
});

test('Log out during an import stops it: no request and no write follow', async (t) => {
  const rig = await startRig(t, { liked: 10_000, seed: 19 });
  await logIn(rig);
  await rig.mock.settings({ latency_ms: 150 });
  await rig.page.getByTestId('source-liked').click();
  const progress = rig.page.getByTestId('import-progress');
  await eventually(async () => /[1-9][\d,]* of 10,000/.test((await progress.textContent()) ?? ''), {
    what: 'the import under way',
  });
  await rig.page.getByTestId('logout').click();
  await rig.page.getByTestId('connect-spotify').waitFor();
  const snapshot = () => rig.page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('encore');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('library')) {
        db.close();
        resolve(null);
        return;
      }
      const get = db.transaction('library').objectStore('library').get('liked:mock-listener');
      get.onsuccess = () => {
        db.close();
        resolve(get.result ?? null);
      };
      get.onerror = () => reject(get.error);
    };
  }));
  await settle(1_000);
  const atLogout = await snapshot();
  const stopped = (await apiCalls(rig, '/v1/me/tracks')).length;
  await settle(3_000);
  assert.equal(await snapshot(), atLogout, 'the cached header is unchanged after log out');
  assert.equal((await apiCalls(rig, '/v1/me/tracks')).length, stopped, 'no page requested after log out');
});
