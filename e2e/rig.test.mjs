// The rig itself: the release build starts in headless Chromium against the mock Spotify, renders
// without console errors, and a test can switch the mock's scenarios and read back what it got.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';

test('the release build renders against the mock, whose scenarios a test can switch', async (t) => {
  const rig = await startRig(t, { liked: 20, seed: 3 });
  const appOrigin = new URL(rig.mock.appUrl).origin;

  // The release build is not rebuilt for tests: the mock serves a config.json pointing at itself.
  assert.equal(rig.config.spotify_accounts_url, rig.mock.url);
  assert.equal(rig.config.spotify_api_url, `${rig.mock.url}/v1`);
  assert.notEqual(appOrigin, new URL(rig.mock.url).origin, 'the app and Spotify are two origins');

  await rig.open('/');
  await rig.page.getByRole('heading', { name: 'Encore', level: 1 }).waitFor();
  await rig.page.getByTestId('connect-spotify').waitFor();
  await rig.screenshot('rig-first-screen');
  assert.deepEqual(rig.consoleErrors, [], 'the first screen logs no errors');

  // A scenario switched at runtime fires once, then the mock answers as Spotify would (401 for
  // a token it never issued). The page's own fetch is what the mock sees, CORS included.
  await rig.mock.addFaults({ path: '/v1/me', method: 'GET', kind: 'server_error', status: 503, times: 1 });
  const statuses = await rig.page.evaluate(async (api) => {
    const me = () => fetch(`${api}/me`, { headers: { Authorization: 'Bearer not-issued' } });
    return [(await me()).status, (await me()).status];
  }, rig.config.spotify_api_url);
  assert.deepEqual(statuses, [503, 401]);

  const received = await rig.mock.received();
  const calls = received.requests.filter((r) => r.method === 'GET' && r.path === '/v1/me');
  assert.deepEqual(
    calls.map((r) => ({ status: r.status, origin: r.origin, has_authorization: r.has_authorization })),
    [
      { status: 503, origin: appOrigin, has_authorization: true },
      { status: 401, origin: appOrigin, has_authorization: true },
    ],
  );

  await rig.mock.reset();
  assert.deepEqual((await rig.mock.received()).requests, [], 'reset empties the record');

  assert.deepEqual(rig.unexpectedRequests(), [], 'only the app origin and the mock were contacted');
  const longestMs = await rig.maxLongTaskMs();
  t.diagnostic(`longest main-thread task on the first screen: ${longestMs.toFixed(0)} ms`);
});
