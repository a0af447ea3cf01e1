// A taste of two kinds of music, as a guest: Mozart picked from the search, Eminem from an
// Exportify CSV written from the search's results. The page
// says the library has two sides, named for what they are; picking one (with the mouse or the
// arrow keys) makes a list of that side only, and "All" a list serving both. The choice is
// remembered across a reload, and goes back to "All" once the taste no longer has that side.
//
// Nothing here is copied from the data sets: the tracks are whatever the served catalog's
// search returns at run time, and each kind is recognised by the genres the page shows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  enterAsGuest,
  exportifyCsv,
  pickFromSearch,
  recommend,
  searchFor,
  searchResults,
  seriousAxeViolations,
  untilTheListChanges,
  waitForCatalog,
} from './lib/journey.mjs';
import { startRig } from './lib/rig.mjs';

/** The two kinds of the taste: how each is searched for and recognised in genres and names. */
const KINDS = {
  classical: { query: 'mozart', genre: /classical/i, artist: /mozart/i },
  rap: { query: 'eminem', genre: /hip hop|\brap\b|trap/i, artist: /eminem/i },
};
const SONGS_PER_KIND = 6;

/** The sides on offer, largest first: `{ testid, text, checked }`. */
function offeredSides(page) {
  return page.getByTestId('taste-sides').locator('label').evaluateAll((labels) =>
    labels.map((label) => ({
      testid: label.dataset.testid,
      text: label.textContent.trim(),
      checked: label.querySelector('input').checked,
    })),
  );
}

/** The recommendations on screen: `{ id, genres, why }`. */
function recommendations(page) {
  return page.getByTestId('recommendation').evaluateAll((items) =>
    items.map((li) => ({
      id: li.dataset.trackId,
      genres: li.querySelector('.genres')?.textContent ?? '',
      why: li.querySelector('.why').textContent,
    })),
  );
}

/** How many of `list` are of each kind, by their genres. */
function kindsOf(list) {
  return Object.fromEntries(
    Object.entries(KINDS).map(([kind, { genre }]) => [kind, list.filter((r) => genre.test(r.genres)).length]),
  );
}

/** Checks that `list` is of `kind` only: most of it in its genres, none in the other's, and no
 * explanation naming the other kind's artist. */
function assertOfKind(list, kind) {
  const other = kind === 'classical' ? 'rap' : 'classical';
  const counts = kindsOf(list);
  assert.ok(list.length > 0, `the ${kind} side has a list`);
  assert.ok(counts[kind] * 2 >= list.length, `most of the ${kind} side's list is ${kind} (${JSON.stringify(counts)})`);
  assert.equal(counts[other], 0, `nothing of the ${other} side: ${list.filter((r) => KINDS[other].genre.test(r.genres)).map((r) => r.genres).join(' / ')}`);
  for (const rec of list) {
    assert.doesNotMatch(rec.why, KINDS[other].artist, `no reason from the ${other} side ("${rec.why}")`);
  }
}

/** The longest main-thread task since `fromMs` (page time), 0 when none. */
async function longestSince(rig, fromMs) {
  const tasks = (await rig.longTasks()).filter((task) => task.startMs >= fromMs);
  return Math.max(0, ...tasks.map((task) => task.durationMs));
}

test('a taste of two kinds: its two sides by name, a list from one side or from all, remembered', async (t) => {
  const rig = await startRig(t);
  const { page } = rig;
  await rig.open('/');
  await enterAsGuest(page);

  await pickFromSearch(page, KINDS.classical.query, SONGS_PER_KIND);
  await searchFor(page, KINDS.rap.query);
  const rapCsv = exportifyCsv((await searchResults(page)).slice(0, SONGS_PER_KIND));
  const addRap = () =>
    page.getByTestId('source-csv').setInputFiles({ name: 'rap.csv', mimeType: 'text/csv', buffer: Buffer.from(rapCsv) });
  await addRap();
  const n = 2 * SONGS_PER_KIND;
  await page.getByTestId('match-summary').getByText(`${n} of ${n} of your tracks`).waitFor({ timeout: 10_000 });

  // The sides, named for what they are, largest first, with "All" before them.
  const sentence = page.getByTestId('taste-sides-count');
  await sentence.waitFor({ timeout: 30_000 });
  const count = Number(/^Your library has (\d+) sides$/.exec(await sentence.textContent())?.[1]);
  assert.ok(count >= 2, `two sides or more (${await sentence.textContent()})`);
  const sides = await offeredSides(page);
  t.diagnostic(`sides: ${sides.map((s) => s.text).join(' / ')}`);
  assert.deepEqual(
    sides.map((s) => s.testid),
    ['taste-side-all', ...Array.from({ length: count }, (_, i) => `taste-side-${i}`)],
  );
  assert.match(sides[0].text, new RegExp(`^All: ${n} songs$`));
  assert.ok(sides[0].checked, '"All" is the default');
  const sizes = sides.slice(1).map((s) => Number(/: (\d+) songs?$/.exec(s.text)?.[1]));
  assert.equal(sizes.reduce((a, b) => a + b, 0), n, `every song is on one side (${sizes})`);
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'largest first');
  const sideOf = {};
  for (const kind of Object.keys(KINDS)) {
    const at = sides.findIndex((s) => s.testid !== 'taste-side-all' && KINDS[kind].genre.test(s.text.split(':')[0]));
    assert.ok(at > 0, `a side is named for the ${kind} songs (${sides.map((s) => s.text).join(' / ')})`);
    sideOf[kind] = sides[at];
  }
  assert.notEqual(sideOf.classical.testid, sideOf.rap.testid, 'two sides, not one');
  assert.deepEqual(await seriousAxeViolations(page), [], 'the choice is labelled for every listener');
  await rig.screenshot('taste-sides');

  // All: a list serving both sides.
  const fromMs = await page.evaluate(() => performance.now());
  await recommend(page);
  const all = await recommendations(page);
  const allKinds = kindsOf(all);
  t.diagnostic(`"All": ${JSON.stringify(allKinds)} of ${all.length}`);
  assert.ok(allKinds.classical > 0 && allKinds.rap > 0, `"All" serves both sides (${JSON.stringify(allKinds)})`);
  const status = page.getByTestId('recommend-status');
  assert.doesNotMatch(await status.textContent(), /side/, 'a list from all sides names none');

  // One side with the arrow keys (from "All", down to the first side), then the other with the
  // mouse: each list is of its side only, and the status line says which.
  const first = sideOf.classical.testid === 'taste-side-0' ? 'classical' : 'rap';
  const second = first === 'classical' ? 'rap' : 'classical';
  await untilTheListChanges(page, async () => {
    await page.getByTestId('taste-side-all').locator('input').focus();
    await page.keyboard.press('ArrowDown');
  });
  assert.ok(await page.getByTestId('taste-side-0').locator('input').isChecked(), 'the arrow key chose the first side');
  assertOfKind(await recommendations(page), first);
  const firstName = sideOf[first].text.split(':')[0];
  await status.getByText(`from your \u201c${firstName}\u201d side`).waitFor();

  await untilTheListChanges(page, () => page.getByTestId(sideOf[second].testid).click());
  assertOfKind(await recommendations(page), second);
  const secondName = sideOf[second].text.split(':')[0];
  await status.getByText(`from your \u201c${secondName}\u201d side`).waitFor();
  await rig.screenshot('taste-sides-one-side');

  await untilTheListChanges(page, () => page.getByTestId('taste-side-all').click());
  const again = kindsOf(await recommendations(page));
  assert.ok(again.classical > 0 && again.rap > 0, `"All" again serves both (${JSON.stringify(again)})`);
  t.diagnostic(`longest main-thread task while choosing sides: ${(await longestSince(rig, fromMs)).toFixed(0)} ms`);

  // Remembered: the side chosen is still chosen after a reload, and its list comes back.
  await untilTheListChanges(page, () => page.getByTestId(sideOf.rap.testid).click());
  const rapName = sideOf.rap.text.split(':')[0];
  await status.getByText(`from your \u201c${rapName}\u201d side`).waitFor();
  const chosenList = (await recommendations(page)).map((r) => r.id);
  await page.reload();
  await waitForCatalog(page);
  await page.getByTestId('taste-sides').waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    (testid) => document.querySelector(`[data-testid="${testid}"] input`)?.checked,
    sideOf.rap.testid,
    { timeout: 30_000 },
  );
  await status.getByText(`from your \u201c${rapName}\u201d side`).waitFor({ timeout: 30_000 });
  assert.deepEqual((await recommendations(page)).map((r) => r.id), chosenList, 'the same side, the same list');

  // The taste loses that side (the CSV removed): no choice is left, the list is made from the
  // rest of the taste, and when the CSV comes back the choice is "All".
  const reloadedMs = await page.evaluate(() => performance.now());
  await page.getByTestId('picks-csv').getByTestId('remove-source').click();
  await page.getByTestId('taste-sides').waitFor({ state: 'detached', timeout: 30_000 });
  await page.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid=recommend-status]')?.textContent ?? '';
      return text.startsWith('The list is ready') && !text.includes('side');
    },
    null,
    { timeout: 30_000 },
  );
  assertOfKind(await recommendations(page), 'classical');
  await addRap();
  await page.getByTestId('taste-sides').waitFor({ timeout: 30_000 });
  assert.ok(await page.getByTestId('taste-side-all').locator('input').isChecked(), 'back to "All" once the side was gone');
  t.diagnostic(`longest main-thread task after the reload: ${(await longestSince(rig, reloadedMs)).toFixed(0)} ms`);

  assert.deepEqual(rig.consoleErrors, []);
  assert.deepEqual(rig.unexpectedRequests(), [], 'only the app origin was contacted');
});
