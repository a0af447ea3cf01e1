// The catalog is downloaded once: a reload reads it from the Cache API (only its 24-byte header
// is asked of the network, to learn the checksum that keys the cache), and a cached copy that was
// damaged on disk is noticed, downloaded again and replaced instead of breaking the app.
//
// Nothing here is copied from the data sets: the track searched for is whatever the served
// catalog's search returns at run time.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import path from 'node:path';
import { paths } from './lib/paths.mjs';
import { startRig } from './lib/rig.mjs';

const CATALOG_TIMEOUT_MS = 120_000;
/** The app's Cache API cache (`CACHE_NAME` in src/catalog.rs). */
const CACHE_NAME = 'encore-catalog';

/** Records every response for catalog.bin from now on: `{ status, range, bytes }`. */
function watchCatalogFetches(page) {
  const fetches = [];
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname !== '/catalog.bin') return;
    const entry = { status: response.status(), range: response.request().headers().range ?? null, bytes: null };
    fetches.push(entry);
    entry.bytes = (await response.body().catch(() => Buffer.alloc(0))).length;
  });
  return fetches;
}

/**
 * Loads the app from scratch, goes in without an account and searches for `query` (typing waits
 * until the catalog is ready: the box is disabled until then). Resolves to the results' ids.
 */
async function loadAndSearch(rig, query) {
  const { page } = rig;
  await rig.open('/');
  const tryIt = page.getByTestId('try-without-account');
  const search = page.getByTestId('search-input');
  await page.locator('[data-testid=try-without-account], [data-testid=search-input]').first().waitFor();
  if (await tryIt.isVisible()) await tryIt.click();
  await search.fill(query, { timeout: CATALOG_TIMEOUT_MS });
  await page.getByTestId('search-result').first().waitFor();
  return page.getByTestId('search-result').evaluateAll((items) => items.map((li) => li.dataset.trackId));
}

/** The cached catalog entries: `[{ url, bytes, sha256 }]`. */
function cachedCatalogs(page) {
  return page.evaluate(async (name) => {
    const cache = await caches.open(name);
    const out = [];
    for (const request of await cache.keys()) {
      const body = new Uint8Array(await (await cache.match(request)).arrayBuffer());
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
      const sha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
      out.push({ url: request.url, bytes: body.length, sha256 });
    }
    return out;
  }, CACHE_NAME);
}

/**
 * Damages the one cached catalog in place: `flip` changes one byte in the middle (the header still
 * reads right, the checksum no longer matches), `junk` replaces the whole body.
 */
function damageCachedCatalog(page, how) {
  return page.evaluate(
    async ({ name, how }) => {
      const cache = await caches.open(name);
      const [request] = await cache.keys();
      let bytes = new Uint8Array(await (await cache.match(request)).arrayBuffer());
      if (how === 'flip') bytes[bytes.length >> 1] ^= 0xff;
      else bytes = new TextEncoder().encode('not a catalog at all');
      await cache.put(request, new Response(bytes));
    },
    { name: CACHE_NAME, how },
  );
}

test('a reload reads the catalog from the Cache API, and a damaged cached copy is downloaded again', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  const served = await readFile(path.join(paths.appDir, 'catalog.bin'));
  const servedSha256 = createHash('sha256').update(served).digest('hex');
  const fetches = watchCatalogFetches(page);

  // First visit: the header, then the whole file, which is cached under its checksum.
  const found = await loadAndSearch(rig, 'love');
  const target = found[0];
  assert.deepEqual(
    fetches.map((f) => [f.status, f.range]),
    [[206, 'bytes=0-23'], [200, null]],
    'the first visit downloads the catalog',
  );
  const [cached] = await cachedCatalogs(page);
  assert.match(cached.url, /\/catalog\.bin\?v=\d+&xxh32=[0-9a-f]{8}$/);
  assert.equal(cached.sha256, servedSha256, 'the cache holds the served file');

  // Second visit: only the 24-byte header comes over the network; search still works.
  fetches.length = 0;
  assert.ok((await loadAndSearch(rig, 'love')).includes(target), 'the same search finds the same track');
  assert.deepEqual(fetches.map((f) => [f.status, f.range, f.bytes]), [[206, 'bytes=0-23', 24]], 'no download');

  // A damaged cached copy is dropped and downloaded again, never shown broken.
  for (const [how, what] of [['flip', 'one byte flipped'], ['junk', 'junk']]) {
    await damageCachedCatalog(page, how);
    assert.notEqual((await cachedCatalogs(page))[0].sha256, servedSha256, `${what}: damaged`);
    fetches.length = 0;
    assert.ok((await loadAndSearch(rig, 'love')).includes(target), `${what}: search works`);
    assert.deepEqual(
      fetches.map((f) => [f.status, f.range]),
      [[206, 'bytes=0-23'], [200, null]],
      `${what}: downloaded again`,
    );
    assert.equal(await page.getByTestId('error-message').count(), 0, `${what}: no error shown`);
    const repaired = await cachedCatalogs(page);
    assert.deepEqual(repaired.map((c) => c.sha256), [servedSha256], `${what}: the cache holds the served file again`);
  }
  t.diagnostic(`catalog.bin: ${served.length} bytes downloaded on a first visit, 24 on a cached one`);
  assert.deepEqual(rig.consoleErrors, []);
  assert.deepEqual(rig.unexpectedRequests(), []);
});
