// Saving recommendations as a playlist: the write scope is asked for only at the first save (and
// says why), the save resumes after the listener grants it, and the mock receives a private
// playlist with exactly the tracks shown, in chunks of at most 100. A save that fails midway is
// never repeated by itself; Save again resumes into the same playlist, also when the reply to
// creating it was lost. A 403 says its cause.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { SAVE_SCOPE, apiCalls, logIn } from './spotify-session.mjs';

const SAVE_ERROR = '.save [data-testid="error-message"]';

/** Recommends `count` tracks from the listener's top tracks and returns their ids as shown. */
async function recommend(rig, count) {
  await rig.page.getByTestId('source-top').click();
  await rig.page.getByTestId('match-summary').waitFor();
  await rig.page.locator('#count').fill(String(count));
  await rig.page.getByTestId('recommend').click();
  const results = rig.page.getByTestId('recommendation');
  await results.nth(count - 1).waitFor({ timeout: 60_000 });
  const shown = await results.evaluateAll((cards) => cards.map((c) => c.dataset.trackId));
  assert.equal(shown.length, count, `${shown.length} recommendations shown`);
  return shown;
}

/**
 * Presses Save and waits for the link to the saved playlist, returning its href. The first save
 * goes to Spotify for the permission and is finished by the Connect panel on the way back.
 */
async function saveAndWait(rig, { first = false } = {}) {
  await rig.page.getByTestId('save-playlist').click();
  const link = rig.page.locator(`${first ? '.connect-panel' : '.save'} [data-testid="saved-playlist-link"]`);
  await link.waitFor({ timeout: 60_000 });
  return link.getAttribute('href');
}

test('save as playlist: private, 250 shown tracks in order, in chunks of at most 100', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  const shown = await recommend(rig, 250);
  assert.match(await rig.page.getByTestId('save-scope-why').textContent(), /create private playlists/);

  // Spotify (the mock) is asked for the write scope, consents, and sends the listener back;
  // the save then completes by itself.
  const href = await saveAndWait(rig, { first: true });
  await rig.screenshot('spotify-saved-playlist');

  const received = await rig.mock.received();
  assert.equal(received.authorize.length, 2);
  assert.ok(!received.authorize[0].scope.split(' ').includes(SAVE_SCOPE), 'not asked at login');
  assert.ok(received.authorize[1].scope.split(' ').includes(SAVE_SCOPE), 'asked when saving');
  assert.equal(received.playlists_created.length, 1);
  const [playlist] = received.playlists_created;
  assert.equal(playlist.public, false);
  assert.deepEqual(playlist.items, shown.map((id) => `spotify:track:${id}`));
  assert.deepEqual(playlist.chunk_sizes, [100, 100, 50]);
  assert.equal(href, `https://open.spotify.com/playlist/${playlist.id}`, 'the link is built from the id');
  assert.deepEqual(rig.consoleErrors, []);
});

test('a 5xx on the second add is not repeated; Save again resumes into the same playlist', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  // A first, small save grants the write permission (and reloads the page on the way back).
  await recommend(rig, 10);
  await saveAndWait(rig, { first: true });
  assert.equal(await rig.page.getByTestId('save-scope-why').count(), 0, 'no permission left to explain');

  const shown = await recommend(rig, 250);
  await rig.mock.addFaults({
    path: '/v1/playlists/', method: 'POST', kind: 'server_error', status: 503, after: 1, times: 1,
  });
  await rig.page.getByTestId('save-playlist').click();
  const error = rig.page.locator(SAVE_ERROR);
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.textContent(), /error 503.*holds 100 of the 250 tracks.*Save again/);
  let received = await rig.mock.received();
  assert.equal(received.playlists_created.length, 2);
  const id = received.playlists_created[1].id;
  const adds = () => apiCalls(rig, `/v1/playlists/${id}/items`, 'POST');
  assert.deepEqual((await adds()).map((r) => r.status), [201, 503], 'the failed add was not repeated');

  const href = await saveAndWait(rig);
  received = await rig.mock.received();
  assert.equal(received.playlists_created.length, 2, 'no second playlist for the retry');
  const playlist = received.playlists_created[1];
  assert.deepEqual(playlist.items, shown.map((uri) => `spotify:track:${uri}`), 'every track once, in order');
  assert.deepEqual(playlist.chunk_sizes, [100, 100, 50]);
  assert.deepEqual((await adds()).map((r) => r.status), [201, 503, 201, 201]);
  assert.equal(href, `https://open.spotify.com/playlist/${id}`);
});

test('a create whose reply was lost is finished by Save again, never made twice', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  await recommend(rig, 10);
  await saveAndWait(rig, { first: true });

  const shown = await recommend(rig, 30);
  // Spotify makes the playlist, and the connection drops before its reply arrives.
  await rig.mock.addFaults({ path: '/v1/me/playlists', method: 'POST', kind: 'reply_lost', times: 1 });
  await rig.page.getByTestId('save-playlist').click();
  const error = rig.page.locator(SAVE_ERROR);
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.textContent(), /Could not reach Spotify.*may have created the playlist.*Save again/);
  let received = await rig.mock.received();
  assert.equal(received.playlists_created.length, 2, 'the lost create was carried out');
  const made = received.playlists_created[1];
  assert.deepEqual(made.items, [], 'nothing was added after a create that was not confirmed');

  const href = await saveAndWait(rig);
  received = await rig.mock.received();
  assert.equal(received.playlists_created.length, 2, 'no second playlist for the retry');
  assert.deepEqual(received.playlists_created[1].items, shown.map((id) => `spotify:track:${id}`));
  assert.equal(href, `https://open.spotify.com/playlist/${made.id}`);
  assert.equal(
    (await apiCalls(rig, '/v1/me/playlists', 'POST')).length, 2, 'one create per playlist, the first save\'s and the lost one',
  );
});

test('a 403 on save with the permission granted names the allow-list', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  await recommend(rig, 10);
  await saveAndWait(rig, { first: true });
  await recommend(rig, 10);
  await rig.mock.addFaults({ path: '/v1/me/playlists', method: 'POST', kind: 'not_registered', times: 1 });
  await rig.page.getByTestId('save-playlist').click();
  const error = rig.page.locator(SAVE_ERROR);
  await error.waitFor({ timeout: 60_000 });
  const text = await error.textContent();
  assert.match(text, /although Encore has the permission.*allow-list/);
  assert.match(text, /User Management/);
  assert.equal((await rig.mock.received()).playlists_created.length, 1, 'nothing created by the refused save');
});
