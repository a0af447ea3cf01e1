// axe-core finds no serious or critical violation at each stage of the guest journey (the first
// screen, with picks, with a list, with a player open), on a desktop and on a 390 x 844 phone;
// and the page names the project's own icon, so no browser asks in vain for /favicon.ico.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instrument } from './lib/page.mjs';
import { startRig } from './lib/rig.mjs';
import { PHONE, enterAsGuest, openPlayer, pickFromSearch, recommend, seriousAxeViolations } from './lib/journey.mjs';

/** Runs axe at each stage of the guest journey on `page`; resolves to `{ stage: violations }`. */
async function axeAlongTheJourney(rig, page) {
  const found = {};
  await page.goto(new URL('/', rig.mock.appUrl).href);
  await page.getByTestId('try-without-account').waitFor();
  found['first screen'] = await seriousAxeViolations(page);
  await enterAsGuest(page);
  await pickFromSearch(page, 'love', 3);
  found['with picks'] = await seriousAxeViolations(page);
  await recommend(page);
  found['with a list'] = await seriousAxeViolations(page);
  await openPlayer(page);
  found['with a player open'] = await seriousAxeViolations(page);
  return found;
}

for (const [device, options] of [['desktop', { viewport: { width: 1280, height: 900 } }], ['phone', PHONE]]) {
  test(`axe: no serious or critical violation along the guest journey (${device})`, async (t) => {
    const rig = await startRig(t);
    const context = await rig.browser.newContext(options);
    const page = await context.newPage();
    await instrument(context, page);
    const found = await axeAlongTheJourney(rig, page);
    for (const [stage, violations] of Object.entries(found)) {
      for (const v of violations) t.diagnostic(`${stage}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.slice(0, 3).join(', ')}`);
    }
    assert.deepEqual(
      Object.fromEntries(Object.entries(found).map(([stage, violations]) => [stage, violations.map((v) => v.id)])),
      { 'first screen': [], 'with picks': [], 'with a list': [], 'with a player open': [] },
    );
  });
}

// A browser asks for /favicon.ico only when the page names no icon of its own. Headless Chromium
// asks for neither, so the test checks what a browser with tabs would use: the page's declared
// icon and the manifest's icons, each served from the site and decoded as an image of its size.
test('the page names the project\'s own icon, and the manifest\'s icons are served at their sizes', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await page.getByTestId('try-without-account').waitFor();
  const imageSize = (src) =>
    page.evaluate(
      (src) =>
        new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
          img.onerror = () => resolve('not an image');
          img.src = src;
        }),
      src,
    );
  const icon = await page.evaluate(() => document.querySelector('link[rel~=icon]')?.href ?? null);
  assert.equal(icon, `${rig.mock.appUrl}/icon.svg`, 'the page names its icon');
  assert.match(await imageSize(icon), /^\d+x\d+$/, 'the icon is an image');

  const manifestUrl = await page.evaluate(() => document.querySelector('link[rel=manifest]')?.href ?? null);
  assert.ok(manifestUrl, 'the page links its manifest');
  const manifest = await page.evaluate(async (url) => (await fetch(url)).json(), manifestUrl);
  assert.equal(manifest.start_url, './');
  assert.ok(manifest.icons.some((i) => i.sizes === '192x192') && manifest.icons.some((i) => i.sizes === '512x512'));
  for (const { src, sizes } of manifest.icons) {
    const size = await imageSize(new URL(src, manifestUrl).href);
    if (sizes === 'any') assert.match(size, /^\d+x\d+$/, `${src} is an image`);
    else assert.equal(size, sizes, `${src} is ${sizes}`);
  }
  assert.ok(!rig.requests.some((url) => new URL(url).pathname === '/favicon.ico'));
  assert.deepEqual(rig.consoleErrors, []);
});
