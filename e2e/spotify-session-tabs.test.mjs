// One session shared by every tab: Log out in one tab logs out the others, a refresh still in
// flight in another tab writes nothing back after it, and without Web Locks the localStorage
// lease still lets two tabs refresh only once between them. Every key the session keeps in web
// storage is Encore's own (`encore.`).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { apiCalls, bothTabsMeetAnExpiredToken, browserStorage, eventually, logIn, storedTokens } from './spotify-session.mjs';

/** A second tab of the same browser, on the app, logged in by the first tab's session. */
async function secondTab(rig) {
  const tab = await rig.context.newPage();
  await tab.goto(rig.page.url());
  await tab.getByTestId('logout').waitFor();
  return tab;
}

test('log out in one tab logs out the others', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const other = await secondTab(rig);
  await rig.page.getByTestId('logout').click();
  await rig.page.getByTestId('connect-spotify').waitFor();
  await other.getByTestId('connect-spotify').waitFor({ timeout: 10_000 });
  assert.equal(await storedTokens(other), null);
});

test('a refresh that finishes after Log out in another tab writes no tokens back', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const other = await secondTab(rig);
  // The refresh the other tab starts is slow to come back.
  await rig.mock.addFaults({ path: '/api/token', method: 'POST', kind: 'delay', delay_ms: 3_000, times: 1 });
  await rig.mock.expireTokens();
  await other.getByTestId('source-top').click();
  await eventually(async () => (await apiCalls(rig, '/v1/me/top/tracks')).some((r) => r.status === 401), {
    what: 'the other tab meeting the expired token',
  });
  await rig.page.getByTestId('logout').click();
  await rig.page.getByTestId('connect-spotify').waitFor();

  await eventually(async () => (await rig.mock.received()).token_requests.some((r) => r.grant_type === 'refresh_token'), {
    what: 'the slow refresh answered',
  });
  // Give the other tab time to (wrongly) store what came back.
  await other.waitForTimeout(1_000);
  for (const tab of [rig.page, other]) {
    assert.equal(await storedTokens(tab), null, 'no tokens after Log out');
    await tab.getByTestId('connect-spotify').waitFor();
  }
});

test('without Web Locks, two tabs meeting an expired token still refresh it once', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  // Every page of this browser lacks the Web Locks API, and counts the lease it falls back to.
  await rig.context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      if (key === 'encore.refresh_lease') {
        window.__encoreLeases = (window.__encoreLeases ?? 0) + 1;
      }
      return set.call(this, key, value);
    };
  });
  await logIn(rig);
  const other = await secondTab(rig);
  assert.equal(await other.evaluate(() => navigator.locks), undefined);

  const refreshes = await bothTabsMeetAnExpiredToken(rig, other);
  assert.deepEqual(refreshes.map((r) => r.status), [200], 'exactly one refresh, none refused');
  const leases = await Promise.all([rig.page, other].map((tab) => tab.evaluate(() => window.__encoreLeases ?? 0)));
  assert.ok(leases[0] + leases[1] >= 1, `the localStorage lease was used (${leases})`);
  await rig.page.getByTestId('logout').waitFor();
  await other.getByTestId('logout').waitFor();
});

test('every key the session keeps in web storage starts with encore.', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await rig.open('/');
  // What a login leaves between leaving for Spotify and coming back, and after.
  const seen = new Set();
  await rig.context.addInitScript(() => {
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      console.log(`e2e-storage-key:${key}`);
      return set.call(this, key, value);
    };
  });
  rig.page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('e2e-storage-key:')) seen.add(text.slice('e2e-storage-key:'.length));
  });
  await logIn(rig);
  await rig.page.getByTestId('source-top').click();
  await rig.page.getByTestId('match-summary').waitFor();
  const stored = await browserStorage(rig.page);
  for (const key of [...seen, ...Object.keys(stored.local), ...Object.keys(stored.session)]) {
    assert.ok(key.startsWith('encore.'), `${key} is Encore's own`);
  }
  assert.ok(seen.has('encore.pkce_verifier') && seen.has('encore.tokens'), [...seen].join(', '));
});
