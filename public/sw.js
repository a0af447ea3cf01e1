// Encore's service worker: after one visit the app opens, searches and recommends with no
// network. Registered by src/offline.rs with the site's path as its scope (`/REPO/` on a project
// site). Plain JavaScript: it is a few event handlers over the Cache API, and a second wasm
// module would cost more than the whole worker.
//
// - The app shell (index.html, the .js, the .wasm, the CSS, config.json, the manifest and icons)
//   is cached at install under `encore-shell-VERSION`. `cargo xtask site` writes BUILD below on
//   every build: the shell's files and a version that changes with any of their bytes. So a new
//   deployment is a new worker, which waits until the listener accepts the reload the page offers:
//   the page always runs one version's files, never a mix.
// - The catalog is not fetched twice: the app already keeps it in the Cache API under its
//   checksum (`encore-catalog`, src/catalog.rs). The network comes first; offline, the worker
//   answers from that copy, its 24-byte header probe included.
// - Spotify, its embed and anything else outside the scope go straight to the network.

const BUILD = { version: 'unbuilt', shell: [] };

const SHELL_PREFIX = 'encore-shell-';
const SHELL_CACHE = `${SHELL_PREFIX}${BUILD.version}`;
/** The app's own catalog cache (`CACHE_NAME` in src/catalog.rs). */
const CATALOG_CACHE = 'encore-catalog';
/** What the page posts to the waiting worker when the listener accepts the update. */
const ACTIVATE = 'encore:activate';

const scope = new URL(self.registration.scope);
const inScope = (path) => new URL(path, scope).href;

self.addEventListener('install', (event) => {
  // No skipWaiting() here: a new version waits for the listener's word (see ACTIVATE).
  // `reload` skips the HTTP cache, which could still hold the previous deployment's index.html.
  const requests = BUILD.shell.map((path) => new Request(inScope(path), { cache: 'reload' }));
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(requests)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(
        names
          .filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE)
          .map((name) => caches.delete(name)),
      ),
    ),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === ACTIVATE) self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) {
    return;
  }
  const path = url.pathname.slice(scope.pathname.length);
  if (path === 'catalog.bin') {
    event.respondWith(catalog(request));
  } else if (request.mode === 'navigate') {
    // Every route of the single-page app is index.html (as 404.html is on GitHub Pages).
    event.respondWith(fromShell('index.html', request));
  } else if (BUILD.shell.includes(path)) {
    event.respondWith(fromShell(path, request));
  }
});

/** The cached shell file at `path`, or the network when it is not cached (yet). */
async function fromShell(path, request) {
  const cache = await caches.open(SHELL_CACHE);
  return (await cache.match(inScope(path))) ?? fetch(request);
}

/** The catalog from the network, or else the app's cached copy (a range of it for the probe). */
async function catalog(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    const cache = await caches.open(CATALOG_CACHE);
    const [key] = await cache.keys();
    const cached = key && (await cache.match(key));
    if (!cached) throw offline;
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('range') ?? '');
    if (!range) return cached;
    const bytes = await cached.arrayBuffer();
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), bytes.byteLength - 1);
    return new Response(bytes.slice(start, end + 1), {
      status: 206,
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${start}-${end}/${bytes.byteLength}`,
      },
    });
  }
}
