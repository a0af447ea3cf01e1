// The whole guest journey on a 390 x 844 phone, by touch: every step fits the screen (no
// sideways scrolling) and every button, link, field, slider and checkbox is at least 44 px
// each way, the size a thumb can hit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instrument } from './lib/page.mjs';
import { startRig } from './lib/rig.mjs';
import { PHONE, horizontalOverflow, searchFor, smallTouchTargets, untilTheListChanges, waitForCatalog } from './lib/journey.mjs';

test('a phone: the guest journey by touch, nothing wider than the screen, every target 44 px', async (t) => {
  const rig = await startRig(t);
  const context = await rig.browser.newContext(PHONE);
  const page = await context.newPage();
  const watch = await instrument(context, page);
  const checkStep = async (step) => {
    assert.equal(await horizontalOverflow(page), 0, `${step}: no sideways scrolling`);
    const small = await smallTouchTargets(page);
    assert.deepEqual(small, [], `${step}: touch targets of 44 px or more`);
  };

  await page.goto(new URL('/', rig.mock.appUrl).href);
  await page.getByTestId('try-without-account').waitFor();
  await checkStep('first screen');
  await page.getByTestId('try-without-account').tap();
  await waitForCatalog(page);
  await page.getByTestId('search-input').tap();
  await searchFor(page, 'love');
  await checkStep('search results');
  for (const result of (await page.getByTestId('search-result').all()).slice(0, 3)) {
    await result.locator('button').first().tap();
  }
  await checkStep('with picks');
  await page.getByTestId('recommend').tap();
  await page.getByTestId('recommendation').first().waitFor({ timeout: 60_000 });
  await checkStep('with a list');
  // A slider by touch: a tap near its right end moves it there, and the list follows.
  const slider = page.locator('#energy');
  await slider.scrollIntoViewIfNeeded();
  const box = await slider.boundingBox();
  await untilTheListChanges(page, () => page.touchscreen.tap(box.x + box.width - 4, box.y + box.height / 2));
  await page.getByTestId('recommendation').first().getByRole('button', { name: /^Listen/ }).tap();
  await page.locator('[data-testid=recommendation] iframe').first().waitFor({ state: 'attached' });
  await checkStep('with a player open');
  await watch.screenshot('phone-journey');
  // The policy's own reports are csp.test.mjs's business; the embed cannot load in the sandbox.
  assert.deepEqual(watch.consoleErrors.filter((e) => !/Content Security Policy|open\.spotify\.com/.test(e)), []);
});
