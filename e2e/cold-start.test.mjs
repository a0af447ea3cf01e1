// A first visit on a normal connection (issue 14 §2): Chromium emulates 20 Mbit/s with 40 ms of
// latency, nothing is cached, and a guest goes in, picks three songs and asks for a list. The
// test reports, from navigation, when the app showed, when the catalog was downloaded and ready and
// when the first list was on screen, and asserts that loading progress was on screen all the while.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickFromSearch } from './lib/journey.mjs';
import { startRig } from './lib/rig.mjs';
import { catalogDownloaded, milestone, milestones, report, watchMilestones } from './lib/timing.mjs';

/** Chromium's `Network.emulateNetworkConditions` for a 20 Mbit/s, 40 ms connection. */
const CONNECTION = {
  offline: false,
  latency: 40,
  downloadThroughput: (20e6 / 8),
  uploadThroughput: (20e6 / 8),
};

test('a first visit at 20 Mbit/s: progress all the way, then the catalog and a first guest list', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await watchMilestones(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', CONNECTION);

  await rig.open('/');
  await page.getByTestId('try-without-account').click();
  const catalogReady = await milestone(page, 'catalogReady');
  await pickFromSearch(page, 'love', 3);
  await page.getByTestId('recommend').click();
  const firstList = await milestone(page, 'firstList', 60_000);
  const { appShown, longestWithoutProgress } = await milestones(page);

  assert.ok(appShown < catalogReady && catalogReady < firstList, 'the app, then the catalog, then the list');
  assert.equal(longestWithoutProgress, 0, 'the catalog progress bar is on screen until the catalog is ready');
  await report(t, 'cold first visit, 20 Mbit/s and 40 ms', {
    'navigation to app shown': appShown,
    // The rest of "catalog ready" is checking and indexing it in the engine worker.
    'navigation to catalog downloaded': await catalogDownloaded(page),
    'navigation to catalog ready': catalogReady,
    'navigation to first guest list': firstList,
    'longest task': await rig.maxLongTaskMs(),
  });
  assert.deepEqual(rig.consoleErrors, []);
  assert.deepEqual(rig.unexpectedRequests(), []);
});
