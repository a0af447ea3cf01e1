// The Content-Security-Policy that `cargo xtask site` writes into the page enforces "only this
// site and Spotify": the whole guest journey and the whole login journey raise no violation, a
// fetch and an image to a third party are blocked before any request leaves, and pressing
// Listen contacts no new origin but Spotify's embed.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { paths } from './lib/paths.mjs';
import { startRig } from './lib/rig.mjs';
import {
  enterAsGuest, openPlayer, pickFromSearch, recommend, recordCspViolations, untilTheListChanges,
} from './lib/journey.mjs';
import { eventually, logIn } from './spotify-session.mjs';

const EMBED_ORIGIN = 'https://open.spotify.com';
const THIRD_PARTY = 'https://third-party.example';

/** The policy of the built page, as `{ directive: [sources] }`. */
async function builtPolicy() {
  const html = await readFile(path.join(paths.appDir, 'index.html'), 'utf8');
  const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
  assert.ok(content, 'index.html carries a CSP <meta>');
  return Object.fromEntries(
    content.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]),
  );
}

const originOf = (url) => new URL(url).origin;

test('the built page carries the policy: self, wasm, the loader by hash, the mock, the embed', async () => {
  const policy = await builtPolicy();
  assert.deepEqual(policy['default-src'], ["'self'"]);
  assert.deepEqual(policy['script-src'].slice(0, 2), ["'self'", "'wasm-unsafe-eval'"]);
  assert.ok(policy['script-src'].slice(2).every((s) => /^'sha256-[A-Za-z0-9+/]{43}='$/.test(s)), 'inline scripts by hash only');
  assert.deepEqual(policy['connect-src'], ["'self'", 'http://127.0.0.1:*'], 'the mock stands in for Spotify');
  assert.deepEqual(policy['frame-src'], [EMBED_ORIGIN]);
  assert.deepEqual(policy['img-src'], ["'self'"]);
  assert.deepEqual(policy['style-src'], ["'self'"]);
  assert.ok(!Object.values(policy).flat().includes("'unsafe-inline'"));
});

test('the guest journey raises no violation; a third-party fetch and image are blocked; Listen reaches only the embed', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  const violations = await recordCspViolations(page);
  await rig.open('/');
  await enterAsGuest(page);
  await pickFromSearch(page, 'love', 3);
  await pickFromSearch(page, 'night', 2);
  await recommend(page);
  await untilTheListChanges(page, () => page.locator('#energy').fill('100'));
  await untilTheListChanges(page, () => page.getByTestId('method-select').selectOption({ index: 1 }));
  // The map, from the keyboard: its card shows the first recommendation.
  const map = page.getByTestId('catalog-map');
  await map.scrollIntoViewIfNeeded();
  await map.focus();
  await page.keyboard.press('ArrowRight');
  await page.locator('.hover-card').waitFor();
  await page.keyboard.press('Escape');

  const seen = new Set(rig.requests.map(originOf));
  const before = rig.requests.length;
  await openPlayer(page);
  await page.waitForTimeout(1_000); // whatever the embed would pull in next
  const newOrigins = [...new Set(rig.requests.slice(before).map(originOf))].filter((o) => !seen.has(o));
  assert.deepEqual(newOrigins, [EMBED_ORIGIN], 'Listen contacts Spotify\'s embed and nothing else new');
  assert.deepEqual(violations, [], 'the guest journey keeps to the policy');

  // What an injected script would try: both are refused by the browser, no request leaves.
  const failures = [];
  rig.context.on('requestfailed', (request) => {
    if (request.url().startsWith(THIRD_PARTY)) failures.push(request.failure()?.errorText);
  });
  const fetched = await page.evaluate((url) => fetch(url).then(() => 'answered', () => 'refused'), `${THIRD_PARTY}/collect`);
  const image = await page.evaluate(
    (url) =>
      new Promise((resolve) => {
        const img = document.createElement('img');
        img.onload = () => resolve('loaded');
        img.onerror = () => resolve('refused');
        img.src = url;
        document.body.append(img);
      }),
    `${THIRD_PARTY}/pixel.png`,
  );
  assert.deepEqual([fetched, image], ['refused', 'refused']);
  await eventually(async () => violations.length >= 2, { timeoutMs: 5_000, what: 'the two violation reports' });
  assert.deepEqual(
    violations.map((v) => [v.directive, v.blocked]).sort(),
    [['connect-src', `${THIRD_PARTY}/collect`], ['img-src', `${THIRD_PARTY}/pixel.png`]],
  );
  assert.ok(failures.every((why) => why === 'csp'), `blocked before any request was made (${failures})`);
  assert.deepEqual(rig.consoleErrors.filter((e) => !/Content Security Policy|third-party\.example|open\.spotify\.com/.test(e)), []);
});

test('the login journey, from Connect to a saved playlist, raises no violation', async (t) => {
  const rig = await startRig(t, { liked: 20 });
  const { page } = rig;
  const violations = await recordCspViolations(page);
  await logIn(rig);
  await page.getByTestId('source-top').click();
  await page.getByTestId('match-summary').waitFor();
  await recommend(page);
  await page.getByTestId('save-playlist').click();
  await page.getByTestId('saved-playlist-link').waitFor({ timeout: 60_000 });
  assert.deepEqual(violations, []);
  assert.deepEqual(rig.unexpectedRequests(), []);
  assert.deepEqual(rig.consoleErrors, []);
});
