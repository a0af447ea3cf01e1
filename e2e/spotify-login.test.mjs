// Logging in to Spotify (the mock) with Authorization Code + PKCE, and what happens when it goes
// wrong: a forged reply, a declined consent, an account missing from the app's allow-list, an
// expired token. Also: log out and forget me leave nothing behind.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import {
  CONNECT_ERROR, OWN_CLIENT_ID, READ_SCOPES, SAVE_SCOPE, apiCalls, bothTabsMeetAnExpiredToken, browserStorage,
  eventually, importFinished,
  likedCache, logIn,
  startLogin, storedTokens,
} from './spotify-session.mjs';

test('login: PKCE S256 with read-only scopes, the code exchanged once, the address bar cleaned', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  // Capture the verifier as the app stores it before leaving for Spotify, to check the challenge.
  let verifier;
  rig.page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('e2e-verifier:')) verifier = text.slice('e2e-verifier:'.length);
  });
  await rig.page.addInitScript(() => {
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      if (key === 'encore.pkce_verifier') console.log(`e2e-verifier:${value}`);
      return set.call(this, key, value);
    };
  });
  await rig.open('/');
  // Choosing Spotify opens its step, with the developer setup when the site has no Client ID.
  await rig.page.getByTestId('connect-spotify').click();
  if (!rig.config.client_id) {
    await rig.page.getByTestId('client-id-input').fill(OWN_CLIENT_ID);
  }
  const redirectUri = await rig.page.getByTestId('redirect-uri').textContent();
  assert.equal(redirectUri, `${rig.mock.appUrl}/`, 'the redirect URI shown is exactly the one sent');
  await rig.screenshot('spotify-connect-panel');
  await rig.page.getByTestId('connect-spotify').click();
  await rig.page.getByTestId('logout').waitFor();
  await rig.screenshot('spotify-logged-in');

  const received = await rig.mock.received();
  assert.equal(received.authorize.length, 1);
  const authorize = received.authorize[0];
  assert.match(verifier, /^[A-Za-z0-9\-._~]{43,128}$/);
  assert.equal(authorize.client_id, rig.config.client_id || OWN_CLIENT_ID);
  assert.equal(authorize.response_type, 'code');
  assert.equal(authorize.redirect_uri, `${rig.mock.appUrl}/`);
  assert.equal(authorize.code_challenge_method, 'S256');
  assert.equal(authorize.code_challenge, createHash('sha256').update(verifier).digest('base64url'));
  assert.match(authorize.state, /^[A-Za-z0-9_-]{22,}$/);
  assert.deepEqual(authorize.scope.split(' ').sort(), [...READ_SCOPES].sort(), 'read-only scopes at login');
  assert.ok(!authorize.scope.includes(SAVE_SCOPE));
  assert.equal(authorize.outcome, 'code');
  assert.deepEqual(
    received.token_requests.map((r) => [r.grant_type, r.status]),
    [['authorization_code', 200]],
  );

  const url = new URL(rig.page.url());
  assert.equal(url.search, '', 'code and state are removed from the address bar');
  const stored = await browserStorage(rig.page);
  assert.ok(!('encore.pkce_verifier' in stored.session), 'the verifier is used once');
  assert.ok(!('encore.pkce_state' in stored.session), 'the state is used once');
  assert.equal(stored.local['encore.client_id'], rig.config.client_id ? undefined : OWN_CLIENT_ID);
  const tokens = await storedTokens(rig.page);
  assert.ok(tokens.access_token && tokens.refresh_token);
  for (const request of rig.requests) {
    assert.ok(!request.includes(tokens.access_token), `no token in a URL: ${request}`);
  }
  assert.deepEqual(rig.consoleErrors, []);
  assert.deepEqual(rig.unexpectedRequests(), []);
});

test('a login reply whose state the app did not issue is refused, and no code is exchanged', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await rig.open('/?code=AQforged&state=not-the-one-we-sent');
  const error = rig.page.locator(CONNECT_ERROR);
  await error.waitFor();
  assert.match(await error.textContent(), /does not belong to the login Encore started/);
  assert.equal(new URL(rig.page.url()).search, '', 'the forged code is removed from the address bar');
  assert.deepEqual((await rig.mock.received()).token_requests, []);
  assert.equal(await storedTokens(rig.page), null);
  await rig.page.getByTestId('connect-spotify').waitFor();
});

test('a declined login explains what that means and leaves the listener logged out', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await rig.mock.addFaults({ path: '/authorize', kind: 'access_denied', times: 1 });
  await startLogin(rig);
  const error = rig.page.locator(CONNECT_ERROR);
  assert.match(await error.textContent(), /You declined the Spotify login/);
  assert.equal((await rig.mock.received()).authorize[0].outcome, 'access_denied');
  assert.deepEqual((await rig.mock.received()).token_requests, []);
  assert.equal(await storedTokens(rig.page), null);
  await rig.page.getByTestId('connect-spotify').waitFor();
});

test('a 403 on /me right after login shows the allow-list guidance', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await rig.mock.addFaults({ path: '/v1/me', method: 'GET', kind: 'not_registered', times: 1 });
  await startLogin(rig);
  const error = rig.page.locator(CONNECT_ERROR);
  const text = await error.textContent();
  assert.match(text, /does not allow your account/);
  assert.match(text, /User Management/);
  await rig.screenshot('spotify-not-registered');
  assert.equal(await storedTokens(rig.page), null, 'the unusable tokens are dropped');
  await rig.page.getByTestId('connect-spotify').waitFor();
});

test('an expired access token is refreshed once on 401, and the rotated refresh token is kept', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const first = await storedTokens(rig.page);

  await rig.mock.expireTokens();
  await rig.page.getByTestId('source-top').click();
  await eventually(async () => (await apiCalls(rig, '/v1/me/top/tracks')).some((r) => r.status === 200), {
    what: 'top tracks fetched after a refresh',
  });
  const second = await storedTokens(rig.page);
  assert.notEqual(second.access_token, first.access_token);
  assert.notEqual(second.refresh_token, first.refresh_token, 'the rotated refresh token is stored');

  // Again: only works if the rotated token (not the revoked first one) is used.
  await rig.mock.expireTokens();
  await rig.page.getByTestId('source-recent').click();
  await eventually(
    async () => (await apiCalls(rig, '/v1/me/player/recently-played')).some((r) => r.status === 200),
    { what: 'recent plays fetched after a second refresh' },
  );
  const refreshes = (await rig.mock.received()).token_requests.filter((r) => r.grant_type === 'refresh_token');
  assert.deepEqual(refreshes.map((r) => r.status), [200, 200], 'one refresh per expiry, none refused');
  const statuses = (await apiCalls(rig, '/v1/me/top/tracks')).map((r) => r.status);
  assert.deepEqual(statuses, [401, 200], 'the refused request is retried once');
  await rig.page.getByTestId('logout').waitFor();
  // Chromium itself logs every 401 response; the app logs nothing.
  assert.deepEqual(rig.consoleErrors.filter((e) => !/status of 401/.test(e)), []);
});

test('two tabs meeting an expired token refresh it once between them', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const second = await rig.context.newPage();
  await second.goto(rig.page.url());
  await second.getByTestId('logout').waitFor();

  // Both tabs get a 401 at about the same time; Spotify revokes a refresh token once used, so a
  // second refresh with it would fail with invalid_grant and log the listener out.
  const refreshes = await bothTabsMeetAnExpiredToken(rig, second);
  assert.deepEqual(refreshes.map((r) => r.status), [200], 'exactly one refresh, none refused');
  await rig.page.getByTestId('logout').waitFor();
  await second.getByTestId('logout').waitFor();
});

test('log out forgets the tokens; forget me also erases the cached library and settings', async (t) => {
  const rig = await startRig(t, { liked: 120 });
  await logIn(rig);
  await rig.page.getByTestId('source-liked').click();
  await importFinished(rig.page);
  assert.equal((await likedCache(rig.page)).entries.length, 120, 'the library is cached');

  await rig.page.getByTestId('logout').click();
  await rig.page.getByTestId('connect-spotify').waitFor();
  let stored = await browserStorage(rig.page);
  assert.equal(stored.local['encore.tokens'], undefined, 'no token after log out');
  assert.equal(stored.local['encore.user'], undefined);
  assert.ok(!JSON.stringify(stored).includes('access_token'));

  await logIn(rig);
  await rig.page.getByTestId('forget-me').click();
  await rig.page.getByTestId('connect-spotify').waitFor();
  stored = await eventually(async () => {
    const s = await browserStorage(rig.page);
    return s.databases.includes('encore') ? null : s;
  }, { what: 'the library database deleted' });
  assert.deepEqual(stored.local, {}, 'no token, Client ID or setting left');
  assert.deepEqual(stored.session, {});
  assert.equal(await likedCache(rig.page), null, 'no library left');
});
