// Offline and updated: after one visit the service worker (public/sw.js) lets the app open,
// search, recommend and draw its map with no network at all; and a second deployment is
// noticed and offered as a reload, the page running the first one's files until the listener
// accepts.
//
// The tests serve a copy of the built site, so that they can deploy a "second build" into it:
// what a new build changes for the browser is its page and its worker's version.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const built = process.env.ENCORE_APP_DIR
  ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'target', 'xtask', 'e2e-dist');
const site = await mkdtemp(path.join(os.tmpdir(), 'encore-site-'));
await cp(built, site, { recursive: true });
process.env.ENCORE_APP_DIR = site; // read by lib/paths.mjs, imported below
const { startRig } = await import('./lib/rig.mjs');
const { enterAsGuest, litMapPixels, pickFromSearch, recommend } = await import('./lib/journey.mjs');

test.after(() => rm(site, { recursive: true, force: true }));

/** Waits until the page's service worker is active and has cached the app shell. */
async function workerReady(page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (worker.state !== 'activated') {
      await new Promise((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
    }
    return { scope: registration.scope, caches: await caches.keys() };
  });
}

test('after one visit, with no network: the app opens, searches, recommends and draws the map', async (t) => {
  const rig = await startRig(t);
  const { page, context } = rig;
  await rig.open('/');
  await enterAsGuest(page);
  const ready = await workerReady(page);
  assert.equal(ready.scope, `${rig.mock.appUrl}/`, 'the worker\'s scope is the site\'s path');
  assert.ok(ready.caches.some((name) => /^encore-shell-[0-9a-f]{16}$/.test(name)), `shell cached (${ready.caches})`);
  assert.ok(ready.caches.includes('encore-catalog'), 'catalog cached');
  // Installable: Chromium's own checks of the manifest and the worker. A test browser's context
  // is incognito, where nothing is installed: that one reason is the test's, not the site's.
  const cdp = await context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.equal(manifest.url, `${rig.mock.appUrl}/manifest.webmanifest`);
  assert.deepEqual(manifest.errors, [], 'the manifest parses cleanly');
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), [], 'installable');

  // Offline through the DevTools protocol (the page's and, by Playwright, the worker's), and the
  // server gone too, so nothing at all could answer.
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await context.setOffline(true);
  await rig.mock.stop();
  const online = await page.evaluate(() => navigator.onLine);
  assert.equal(online, false, 'the page is offline');

  await page.reload();
  await enterAsGuest(page);
  const picked = await pickFromSearch(page, 'love', 3);
  assert.equal(picked.length, 3, 'search works offline');
  const list = await recommend(page);
  assert.ok(list.length >= 10, `recommendations offline (${list.length})`);
  for (const id of picked) assert.ok(!list.includes(id), 'picks are not recommended back');
  const lit = await litMapPixels(page);
  assert.ok(lit > 2_000, `the map shows the catalog offline (${lit} lit pixels)`);
  await rig.screenshot('offline-results');
});

test('a second deployment is offered as a reload, and only the reload brings it in', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await page.getByTestId('try-without-account').waitFor();
  await workerReady(page);
  await page.reload(); // now under the worker's control, as every later visit is
  await page.getByTestId('try-without-account').waitFor();
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true);
  assert.equal(await page.getByTestId('update-prompt').count(), 0, 'nothing to offer yet');

  // Deploy a second build: another page, and so another worker version.
  const marker = '<meta name="encore-e2e-deployment" content="2" />';
  const index = path.join(site, 'index.html');
  await writeFile(index, (await readFile(index, 'utf8')).replace('</head>', `${marker}</head>`));
  const worker = path.join(site, 'sw.js');
  const script = await readFile(worker, 'utf8');
  const versioned = script.replace(/version: '([0-9a-f]{16})'/, "version: '$1-2'");
  assert.notEqual(versioned, script, 'the built worker carries its version');
  await writeFile(worker, versioned);
  const deployed = () => page.evaluate(() => document.querySelector('meta[name=encore-e2e-deployment]') !== null);

  // The next visit runs the first deployment still, and says a new one is ready.
  await page.reload();
  await page.getByTestId('update-prompt').waitFor({ timeout: 30_000 });
  assert.equal(await deployed(), false, 'the page keeps running the version it loaded');
  await rig.screenshot('offline-update-prompt');

  await Promise.all([page.waitForEvent('load'), page.getByTestId('update-reload').click()]);
  await page.getByTestId('try-without-account').waitFor();
  assert.equal(await deployed(), true, 'after the reload, the second deployment runs');
  assert.equal(await page.getByTestId('update-prompt').count(), 0);
  const caches = await page.evaluate(() => caches.keys());
  assert.equal(caches.filter((name) => name.startsWith('encore-shell-')).length, 1, `the old shell is gone (${caches})`);
  assert.deepEqual(rig.consoleErrors, []);
});
