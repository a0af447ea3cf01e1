// Offline, Spotify's actions say they need the network instead of failing obscurely: connecting,
// importing and saving each answer with the same plain sentence, while the engine (in its
// worker, from the loaded catalog) keeps searching and recommending.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startRig } from './lib/rig.mjs';
import { pickFromSearch, recommend, waitForCatalog } from './lib/journey.mjs';
import { CONNECT_ERROR, OWN_CLIENT_ID, SOURCES_ERROR, logIn } from './spotify-session.mjs';

const NEEDS_NETWORK = /You are offline, and this needs Spotify/;

test('offline, connecting to Spotify says it needs the network', async (t) => {
  const rig = await startRig(t);
  const { page, context } = rig;
  await rig.open('/');
  await page.getByTestId('connect-spotify').click();
  // The Spotify step, loaded online (the mock's config.json has no Client ID); then the network goes.
  const setup = page.getByTestId('client-id-input');
  await setup.waitFor();
  await setup.fill(OWN_CLIENT_ID);
  await context.setOffline(true);
  await page.getByTestId('connect-spotify').click();
  const error = page.locator(CONNECT_ERROR);
  await error.waitFor();
  assert.match(await error.textContent(), NEEDS_NETWORK);
  assert.equal(await page.getByTestId('logout').count(), 0, 'not logged in');
});

test('offline, importing and saving say they need the network; recommending still works', async (t) => {
  const rig = await startRig(t, { liked: 50 });
  const { page, context } = rig;
  await logIn(rig);
  await waitForCatalog(page);
  await context.setOffline(true);

  await page.getByTestId('source-liked').click();
  const importError = page.locator(SOURCES_ERROR);
  await importError.waitFor();
  assert.match(await importError.textContent(), NEEDS_NETWORK);

  await pickFromSearch(page, 'love', 3);
  const list = await recommend(page);
  assert.ok(list.length >= 10, `recommendations offline (${list.length})`);
  await page.getByTestId('save-playlist').click();
  const saveError = page.locator('.save [data-testid="error-message"]');
  await saveError.waitFor();
  assert.match(await saveError.textContent(), NEEDS_NETWORK);
  const received = await rig.mock.received();
  assert.equal(received.playlists_created.length, 0, 'nothing was sent to Spotify');
  assert.equal(received.authorize.length, 1, 'no second login for the save permission');
});
