// The liked-songs import meets what Spotify and the browser throw at it (issue 11 §4), and each
// time the cache ends up exactly Spotify's list: a 5xx on a page, a Retry-After of more than a
// minute (the import says when it continues, then continues by itself), the access token
// expiring with pages in flight, and the tab closed in the middle (the next import resumes).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { apiCalls, eventually, importFinished, likedCache, logIn } from './spotify-session.mjs';

/** Fails unless the cached liked songs are exactly the mock's, in order, and complete. */
async function cacheIsSpotifysList(rig, page = rig.page) {
  const { liked_ids: likedIds } = await rig.mock.library({ ids: true });
  const cache = await likedCache(page);
  assert.equal(cache?.complete, true, 'the import finished');
  assert.deepEqual(cache.entries.map((e) => e.track?.id), likedIds, 'every liked song, in order, once');
}

/** Resolves once the progress bar shows at least `n` songs done. */
async function imported(page, n) {
  const progress = page.getByTestId('import-progress');
  await eventually(async () => {
    const done = /([\d,]+) of/.exec((await progress.textContent()) ?? '')?.[1];
    return done !== undefined && Number(done.replaceAll(',', '')) >= n;
  }, { what: `${n} songs imported` });
}

test('a 5xx on liked-songs pages is retried and loses nothing', async (t) => {
  const rig = await startRig(t, { liked: 2_000, seed: 29 });
  await logIn(rig);
  await rig.mock.addFaults({ path: '/v1/me/tracks', method: 'GET', kind: 'server_error', status: 503, after: 12, times: 2 });
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page);
  await cacheIsSpotifysList(rig);
  const calls = await apiCalls(rig, '/v1/me/tracks');
  assert.equal(calls.filter((c) => c.status === 503).length, 2);
  assert.equal(calls.filter((c) => c.status === 200).length, 40, 'each page once');
});

test('a Retry-After of more than a minute says when the import continues, and it continues then', async (t) => {
  const rig = await startRig(t, { liked: 2_000, seed: 31 });
  await logIn(rig);
  // Spotify sends Retry-After on every 429; here the browser may read it, as a proxy could allow.
  await rig.mock.settings({ expose_retry_after: true });
  await rig.mock.addFaults({ path: '/v1/me/tracks', method: 'GET', kind: 'rate_limit', retry_after_s: 65, after: 8, times: 1 });
  const started = Date.now();
  await rig.page.getByTestId('source-liked').click();
  const progress = rig.page.getByTestId('import-progress');
  const said = await eventually(async () => {
    const text = (await progress.textContent()) ?? '';
    return /continues by itself at \d\d:\d\d/.test(text) && text;
  }, { what: 'the sentence saying when the import continues' });
  await rig.screenshot('spotify-import-long-wait');
  // The time it gives is the listener's clock, a little over a minute from now.
  const [, hh, mm] = /at (\d\d):(\d\d)/.exec(said);
  const clock = await rig.page.evaluate(() => [new Date().getHours(), new Date().getMinutes()]);
  const minutesAhead = (Number(hh) * 60 + Number(mm) - (clock[0] * 60 + clock[1]) + 1440) % 1440;
  assert.ok(minutesAhead >= 1 && minutesAhead <= 3, `resumes ${minutesAhead} minutes ahead: ${said}`);

  await importFinished(rig.page, 240_000);
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds >= 65, 'it waited out what Spotify asked for');
  await cacheIsSpotifysList(rig);
  t.diagnostic(`"${said.trim()}"; finished after ${seconds.toFixed(0)} s`);
});

test('the access token expiring with pages in flight is refreshed once and the import goes on', async (t) => {
  const rig = await startRig(t, { liked: 5_000, seed: 37 });
  await logIn(rig);
  await rig.mock.settings({ latency_ms: 100 });
  await rig.page.getByTestId('source-liked').click();
  await imported(rig.page, 1_000);
  await rig.mock.expireTokens();
  await importFinished(rig.page);
  await cacheIsSpotifysList(rig);
  const { token_requests: tokens } = await rig.mock.received();
  const refreshes = tokens.filter((r) => r.grant_type === 'refresh_token');
  assert.ok(refreshes.length >= 1, 'refreshed');
  assert.ok(refreshes.every((r) => r.status === 200), 'no refresh refused (a rotated token reused)');
  assert.ok((await apiCalls(rig, '/v1/me/tracks')).some((c) => c.status === 401), 'pages met the expiry');
  await rig.page.getByTestId('logout').waitFor();
});

test('a tab closed in the middle of an import resumes it when opened again', async (t) => {
  const rig = await startRig(t, { liked: 5_000, seed: 41 });
  await logIn(rig);
  await rig.mock.settings({ latency_ms: 100 });
  await rig.page.getByTestId('source-liked').click();
  await imported(rig.page, 1_500);
  await rig.page.close();

  const reopened = await rig.context.newPage();
  await reopened.goto(rig.mock.appUrl);
  const partial = await likedCache(reopened);
  assert.equal(partial.complete, false, 'a closed tab leaves an unfinished import');
  const kept = partial.entries.length;
  assert.ok(kept >= 500 && kept % 50 === 0, `${kept} entries kept, whole pages only`);
  await rig.mock.settings({ latency_ms: 0 });
  const before = (await apiCalls(rig, '/v1/me/tracks')).length;
  await reopened.getByTestId('source-liked').click();
  await importFinished(reopened);
  const resumed = (await apiCalls(rig, '/v1/me/tracks')).slice(before);
  assert.match(resumed[0].query, new RegExp(`offset=${kept - 1}(&|$)`), 'resumed at its boundary, not from the start');
  await cacheIsSpotifysList(rig, reopened);
});
