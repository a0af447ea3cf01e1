// A running session survives every login reply it did not ask for: a forged `?code=`, a forged
// `?error=`, and Back onto Spotify's authorize page (which answers again with the old, used
// state). Declining the save permission keeps the read session and says why nothing was saved.
// A refused refresh token (`invalid_grant`) ends the session with the six-month explanation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { CONNECT_ERROR, apiCalls, eventually, logIn, storedTokens } from './spotify-session.mjs';

/** Logs in, and returns the tokens the session runs on. */
async function loggedIn(rig) {
  await logIn(rig);
  return storedTokens(rig.page);
}

/** The session is the one it was: the same tokens, the account menu shown, no second exchange. */
async function assertStillLoggedIn(rig, tokens) {
  await rig.page.getByTestId('logout').waitFor();
  assert.deepEqual(await storedTokens(rig.page), tokens, 'the tokens are untouched');
  const exchanges = (await rig.mock.received()).token_requests.filter((r) => r.grant_type === 'authorization_code');
  assert.equal(exchanges.length, 1, 'only the real login was exchanged');
  assert.equal(new URL(rig.page.url()).search, '', 'the reply left the address bar');
}

for (const [what, query] of [
  ['a forged ?code=', '?code=AQforged&state=not-the-one-we-sent'],
  ['a forged ?error=', '?error=access_denied&state=not-the-one-we-sent'],
  ['a reply without state', '?code=AQforged'],
]) {
  test(`${what} while logged in is ignored with a sentence, and the session goes on`, async (t) => {
    const rig = await startRig(t, { liked: 20 });
    const tokens = await loggedIn(rig);
    await rig.open(`/${query}`);
    const error = rig.page.locator(CONNECT_ERROR);
    await error.waitFor();
    assert.match(await error.textContent(), /ignored for your safety.*still logged in/);
    await assertStillLoggedIn(rig, tokens);
    assert.deepEqual(rig.consoleErrors, []);
  });
}

test('Back onto the authorize page answers with a used state: the session goes on', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  const tokens = await loggedIn(rig);
  // The browser goes back to the consent page it came from; Spotify, already consented, sends it
  // straight back with a fresh code and the state of the finished login.
  const [asked] = (await rig.mock.received()).authorize;
  const authorize = new URL('/authorize', rig.mock.url);
  for (const key of ['client_id', 'response_type', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method']) {
    authorize.searchParams.set(key, asked[key]);
  }
  await rig.page.goto(authorize.href);
  const error = rig.page.locator(CONNECT_ERROR);
  await error.waitFor();
  assert.match(await error.textContent(), /still logged in/);
  assert.equal((await rig.mock.received()).authorize[1].outcome, 'code', 'Spotify did send a new code');
  await assertStillLoggedIn(rig, tokens);
});

test('declining the save permission keeps the read session and explains the save', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  const tokens = await loggedIn(rig);
  await rig.page.getByTestId('source-top').click();
  await rig.page.getByTestId('match-summary').waitFor();
  await rig.page.getByTestId('recommend').click();
  await rig.page.getByTestId('recommendation').first().waitFor({ timeout: 60_000 });
  await rig.mock.addFaults({ path: '/authorize', kind: 'access_denied', times: 1 });
  await rig.page.getByTestId('save-playlist').click();

  const error = rig.page.locator(CONNECT_ERROR);
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.textContent(), /did not allow Encore to create playlists, so the list was not saved.*still logged in/);
  await assertStillLoggedIn(rig, tokens);
  const received = await rig.mock.received();
  assert.equal(received.authorize[1].outcome, 'access_denied');
  assert.deepEqual(received.playlists_created, []);
  const session = await rig.page.evaluate(() => Object.keys(sessionStorage));
  assert.ok(!session.includes('encore.pending_save'), 'the declined save is not resumed later');
  // The read session still reads.
  await rig.page.getByTestId('source-recent').click();
  await eventually(async () => (await apiCalls(rig, '/v1/me/player/recently-played')).some((r) => r.status === 200), {
    what: 'recent plays read after the declined permission',
  });
});

test('a refused refresh token ends the session, explaining the six-month login', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  const tokens = await loggedIn(rig);
  // The refresh token the app holds is one Spotify no longer honours.
  await rig.page.evaluate((json) => localStorage.setItem('encore.tokens', json), JSON.stringify({
    ...tokens, refresh_token: 'revoked-six-months-ago',
  }));
  await rig.mock.expireTokens();
  await rig.page.getByTestId('source-top').click();

  const error = rig.page.locator(CONNECT_ERROR);
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.textContent(), /a login lasts six months.*log in again/);
  await rig.page.getByTestId('connect-spotify').waitFor();
  assert.equal(await storedTokens(rig.page), null, 'the refused tokens are dropped');
  const refreshes = (await rig.mock.received()).token_requests.filter((r) => r.grant_type === 'refresh_token');
  assert.deepEqual(refreshes.map((r) => [r.status, r.error]), [[400, 'invalid_grant']]);
});
