// Encore's engine worker: the catalog, search, matching, ranking and the map's painting run here,
// off the page's thread, so the page only renders and handles input (src/worker/mod.rs).
//
// It runs the app's own JS glue and .wasm (one download for both: the browser's HTTP cache and
// the service worker serve the page's copy), whose names `cargo xtask site` writes into APP below
// on every build. Messages that arrive while the module loads are kept and handed to the engine
// in order. A failure to load is posted to the page as `{ fatal }`, which shows it with a retry.

const APP = { glue: 'unbuilt', wasm: 'unbuilt' };

const early = [];
self.onmessage = (event) => early.push(event);

try {
  const glue = await import(new URL(APP.glue, import.meta.url).href);
  await glue.default({ module_or_path: new URL(APP.wasm, import.meta.url) });
  glue.engine_worker();
  for (const event of early) self.onmessage(event);
} catch (error) {
  self.postMessage({ fatal: `it could not start: ${error}` });
}
