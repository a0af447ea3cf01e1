// Helpers for the Spotify end-to-end tests (spotify-*.test.mjs): logging in through the Connect
// panel, and reading what the app keeps in the browser (web storage and the IndexedDB library).

/** The Client ID a listener brings (the mock accepts any non-empty one unless told otherwise). */
export const OWN_CLIENT_ID = 'e2e0own0client0id0000000000000000';

/** The mock's only user. */
export const MOCK_USER_ID = 'mock-listener';

/** The read-only scopes the app must ask for at login, and the write scope it must not. */
export const READ_SCOPES = [
  'user-library-read',
  'user-top-read',
  'playlist-read-private',
  'playlist-read-collaborative',
  'user-read-recently-played',
];
export const SAVE_SCOPE = 'playlist-modify-private';

/**
 * Opens the app, enters the listener's own Client ID when config.json has none, and presses
 * "Connect Spotify". Resolves once Spotify (the mock) has sent the browser back and the app has
 * settled: logged in (the `logout` button shows) or showing an error.
 */
export async function startLogin(rig) {
  const { page } = rig;
  await rig.open('/');
  await page.locator('[data-testid="connect-spotify"], [data-testid="logout"]').first().waitFor();
  if (await page.getByTestId('logout').isVisible()) return;
  const settled = `[data-testid="logout"], ${CONNECT_ERROR}`;
  const setup = page.getByTestId('client-id-input');
  if (await page.getByTestId('try-without-account').isVisible()) {
    // The welcome: choosing Spotify logs in at once when a Client ID is known, else opens the
    // Spotify step with the developer setup.
    await page.getByTestId('connect-spotify').click();
    await page.locator(`[data-testid="client-id-input"], ${settled}`).first().waitFor();
    if (!(await setup.isVisible())) {
      await page.locator(settled).first().waitFor();
      return;
    }
  }
  if (!rig.config.client_id) {
    await setup.fill(OWN_CLIENT_ID);
  }
  await page.getByTestId('connect-spotify').click();
  await page.locator(settled).first().waitFor();
}

/** The error shown by the Connect panel (other panels have their own). */
export const CONNECT_ERROR = '.connect-panel [data-testid="error-message"]';

/** The error shown by the Spotify sources. */
export const SOURCES_ERROR = '.spotify-sources [data-testid="error-message"]';

/** Logs in and fails the test unless it worked. */
export async function logIn(rig) {
  await startLogin(rig);
  await rig.page.getByTestId('logout').waitFor();
}

/** Everything in localStorage and sessionStorage, and the names of the IndexedDB databases. */
export function browserStorage(page) {
  return page.evaluate(async () => {
    const dump = (storage) => Object.fromEntries(Object.keys(storage).map((k) => [k, storage.getItem(k)]));
    const databases = (await indexedDB.databases()).map((d) => d.name);
    return { local: dump(localStorage), session: dump(sessionStorage), databases };
  });
}

/** The tokens the app stored (`encore.tokens`), or null. */
export async function storedTokens(page) {
  const json = await page.evaluate(() => localStorage.getItem('encore.tokens'));
  return json === null ? null : JSON.parse(json);
}

/**
 * The liked-songs cache the app keeps in IndexedDB for the mock's user, or null:
 * `{ complete, entries: [{ added_at, uri, track }] }`. The app stores a header under
 * `liked:USER` and the entries in chunks of 1,000 under `liked:USER:0`, `liked:USER:1`, ...,
 * each value one JSON string. Reading a big cache is work for the page: do not poll it.
 */
export function likedCache(page) {
  return page.evaluate(
    (key) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('encore');
        open.onerror = () => reject(open.error);
        open.onupgradeneeded = () => {
          // The app never created it: nothing is cached. Abort so no empty database is left.
          open.transaction.abort();
          resolve(null);
        };
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('library')) {
            db.close();
            resolve(null);
            return;
          }
          const store = db.transaction('library').objectStore('library');
          const get = (k) =>
            new Promise((ok, fail) => {
              const request = store.get(k);
              request.onerror = () => fail(request.error);
              request.onsuccess = () => ok(request.result === undefined ? null : JSON.parse(request.result));
            });
          (async () => {
            const header = await get(key);
            if (header === null) return null;
            const chunks = await Promise.all(
              Array.from({ length: Math.ceil(header.n_entries / 1000) }, (_, i) => get(`${key}:${i}`)),
            );
            return { complete: header.complete, entries: chunks.flat().slice(0, header.n_entries) };
          })().then((value) => {
            db.close();
            resolve(value);
          }, reject);
        };
      }),
    `liked:${MOCK_USER_ID}`,
  );
}

/**
 * Waits until the import under way, or just started by a click right before this call, has
 * removed its progress bar. A small import can show and remove it before this call looks, so a
 * bar the page recorded shortly before the call counts too (`e2e/lib/page.mjs`).
 */
export async function importFinished(page, timeout = 240_000) {
  const from = await page.evaluate(() => {
    const shown = window.__encoreImportProgress?.shownAt ?? [];
    const present = document.querySelector('[data-testid=import-progress]') !== null;
    // The bar on screen now, or one that came at most half a second before this call.
    return present ? shown.at(-1) ?? 0 : performance.now() - 500;
  });
  await page.waitForFunction(
    (from) =>
      document.querySelector('[data-testid=import-progress]') === null
      && (window.__encoreImportProgress?.shownAt ?? []).some((at) => at >= from),
    from,
    { timeout },
  );
}

/** Polls `probe` until it returns a truthy value (which is returned) or `timeoutMs` passes. */
export async function eventually(probe, { timeoutMs = 60_000, intervalMs = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The Web API requests the mock received for `path` (exact) and `method`. */
export async function apiCalls(rig, path, method = 'GET') {
  const { requests } = await rig.mock.received();
  return requests.filter((r) => r.path === path && r.method === method);
}

/**
 * Expires the tokens, then has `rig.page` load top tracks and `other` (a second tab) recent plays at
 * once, so both meet a 401 together; resolves, once both were served, to the refresh requests the
 * mock received.
 */
export async function bothTabsMeetAnExpiredToken(rig, other) {
  await rig.mock.expireTokens();
  await Promise.all([rig.page.getByTestId('source-top').click(), other.getByTestId('source-recent').click()]);
  await eventually(async () => {
    const top = await apiCalls(rig, '/v1/me/top/tracks');
    const recent = await apiCalls(rig, '/v1/me/player/recently-played');
    return top.some((r) => r.status === 200) && recent.some((r) => r.status === 200);
  }, { what: 'both tabs served after the refresh' });
  return (await rig.mock.received()).token_requests.filter((r) => r.grant_type === 'refresh_token');
}
