// The engine runs in a dedicated Web Worker (src/worker/, public/engine-worker.js). When that
// worker cannot start or stops mid-session, the page says so in a sentence with a Retry button,
// never a silent hang; Retry starts a new worker and the listener carries on where they were.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startRig } from './lib/rig.mjs';
import { enterAsGuest, pickFromSearch, recommend, waitForCatalog } from './lib/journey.mjs';

const WORKER = '**/engine-worker.js';
/** Only the page's own first request: the service worker, installing meanwhile, caches the real one. */
const ONCE = { times: 1 };

/** Waits for the engine's sentence and checks that Retry is offered with it. */
async function stoppedSentence(page) {
  const message = page.getByTestId('error-message');
  await message.waitFor({ timeout: 30_000 });
  assert.ok(await page.getByTestId('retry-engine').isVisible(), 'Retry is offered');
  return message.textContent();
}

test('an engine worker that cannot start says so, and Retry starts a new one', async (t) => {
  const rig = await startRig(t);
  const { page, context } = rig;
  await context.route(WORKER, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: 'throw new Error("broken on purpose");' }), ONCE);
  await rig.open('/');
  await page.getByTestId('try-without-account').click();
  const sentence = await stoppedSentence(page);
  assert.match(sentence, /engine stopped .*Press Retry/, sentence);
  assert.equal(await page.getByTestId('search-input').isDisabled(), true, 'nothing pretends to work');

  await page.getByTestId('retry-engine').click();
  await waitForCatalog(page);
  assert.equal(await page.getByTestId('error-message').count(), 0, 'the sentence goes with the failure');
  const picked = await pickFromSearch(page, 'love', 2);
  assert.equal(picked.length, 2, 'the new engine searches');
  assert.deepEqual(rig.unexpectedRequests(), []);
});

test('an engine that crashes mid-session says so, and Retry brings back the list with the picks kept', async (t) => {
  const rig = await startRig(t);
  const { page, context } = rig;
  // The real worker, plus a listener that throws on one search: a crash inside the worker.
  await context.route(WORKER, async (route) => {
    const real = await (await route.fetch()).text();
    const crash = `\nself.addEventListener('message', (event) => {
      if (event.data.json?.includes('crash now')) throw new Error('crashed on purpose');
    });\n`;
    await route.fulfill({ contentType: 'text/javascript', body: real + crash });
  }, ONCE);
  await rig.open('/');
  await enterAsGuest(page);
  const picked = await pickFromSearch(page, 'love', 3);
  const before = await recommend(page);
  assert.ok(before.length >= 10, `a list (${before.length})`);

  await page.getByTestId('search-input').fill('crash now');
  const sentence = await stoppedSentence(page);
  assert.match(sentence, /engine stopped/, sentence);

  await page.getByTestId('retry-engine').click();
  await waitForCatalog(page);
  const kept = await page.getByTestId('pick').evaluateAll((items) => items.map((li) => li.dataset.trackId));
  assert.deepEqual(kept.sort(), [...picked].sort(), 'the picks are kept');
  const after = await recommend(page);
  assert.deepEqual(after, before, 'the same taste and settings give the same list');
  assert.deepEqual(rig.unexpectedRequests(), []);
});
