// Saving recommendations as a playlist: the write scope is asked for only now, the save resumes
// after the listener grants it, and the mock receives a private playlist with exactly the tracks
// shown, in chunks of at most 100.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRig } from './lib/rig.mjs';
import { SAVE_SCOPE, eventually, logIn } from './spotify-session.mjs';

test('save as playlist: private, exactly the shown tracks, in chunks of at most 100', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  await logIn(rig);
  await rig.page.getByTestId('source-top').click();
  await rig.page.getByTestId('match-summary').waitFor();
  await rig.page.getByTestId('recommend').click();
  const results = rig.page.getByTestId('recommendation');
  await results.first().waitFor({ timeout: 60_000 });
  const shown = await results.evaluateAll((cards) => cards.map((c) => c.dataset.trackId));
  assert.ok(shown.length >= 10, `${shown.length} recommendations shown`);

  await rig.page.getByTestId('save-playlist').click();
  // Spotify (the mock) is asked for the write scope, consents, and sends the listener back;
  // the save then completes by itself.
  const link = rig.page.getByTestId('saved-playlist-link');
  await link.waitFor({ timeout: 60_000 });
  await rig.screenshot('spotify-saved-playlist');

  const received = await rig.mock.received();
  assert.equal(received.authorize.length, 2);
  assert.ok(!received.authorize[0].scope.split(' ').includes(SAVE_SCOPE), 'not asked at login');
  assert.ok(received.authorize[1].scope.split(' ').includes(SAVE_SCOPE), 'asked when saving');
  assert.equal(received.playlists_created.length, 1);
  const [playlist] = received.playlists_created;
  assert.equal(playlist.public, false);
  assert.deepEqual(playlist.items, shown.map((id) => `spotify:track:${id}`));
  assert.ok(playlist.chunk_sizes.every((n) => n >= 1 && n <= 100), `chunks ${playlist.chunk_sizes}`);
  assert.equal(await link.getAttribute('href'), await eventually(async () => {
    const href = await link.getAttribute('href');
    return href?.includes(playlist.id) ? href : null;
  }, { what: 'the link to the new playlist' }));
  assert.deepEqual(rig.consoleErrors, []);
});
