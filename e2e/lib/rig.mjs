// The fixture every end-to-end test starts from: a fresh mock Spotify serving the release build,
// a fresh headless Chromium, and an instrumented page. Everything is torn down after the test.
//
//   import { test } from 'node:test';
//   import { startRig } from './lib/rig.mjs';
//
//   test('…', async (t) => {
//     const rig = await startRig(t, { liked: 500 });
//     await rig.open('/');
//     await rig.page.getByTestId('connect-spotify').click();
//     …
//     assert.deepEqual(rig.consoleErrors, []);
//     assert.deepEqual(rig.unexpectedRequests(), []);
//   });

import { launchBrowser } from './browser.mjs';
import { startMock } from './mock.mjs';
import { instrument, outside } from './page.mjs';

/**
 * Starts the mock and a browser for test `t` (a node:test context) and stops both after it.
 *
 * @param {import('node:test').TestContext} t
 * @param {object} [options] passed to `startMock` (`liked`, `seed`, `clientId`, `args`), plus
 * @param {{width: number, height: number}} [options.viewport] the page size (default 1280x900)
 */
export async function startRig(t, { viewport = { width: 1280, height: 900 }, ...mockOptions } = {}) {
  const mock = await startMock(mockOptions);
  t.after(() => mock.stop());
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const watch = await instrument(context, page);

  const response = await fetch(`${mock.appUrl}/config.json`);
  if (!response.ok) throw new Error(`${mock.appUrl}/config.json answered ${response.status}`);
  /** The config.json the app reads: `spotify_accounts_url`, `spotify_api_url`, `client_id`. */
  const config = await response.json();

  return {
    mock,
    browser,
    context,
    page,
    config,
    ...watch,
    /** Navigates to `path` on the app's origin and waits for the load event. */
    open: (path = '/') => page.goto(new URL(path, mock.appUrl).href),
    /** Requested URLs other than the app's origin and the Spotify URLs in config.json. */
    unexpectedRequests: () =>
      outside(watch.requests, [mock.appUrl, config.spotify_accounts_url, config.spotify_api_url]),
  };
}
