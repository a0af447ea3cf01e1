// Runs Encore's benchmark page in headless Chromium and writes what it measured.
//
//   node e2e/bench/run.mjs --site DIR --catalog 180k=PATH [--catalog 1m=PATH] --out FILE
//                          [--runs 20] [--warmup 3] [--op NAME ...]
//
// DIR holds index.html, bench.js and pkg/ (wasm-bindgen's output); `cargo xtask bench` builds
// it. The files are served on 127.0.0.1 with cross-origin isolation, which gives
// `performance.now()` its fine (5 microsecond) resolution instead of 100 microseconds. Each
// catalog is measured in its own page load, so its WebAssembly memory figure is its own. The
// output is an `encore_bench::Report` (JSON).

import { createServer } from 'node:http';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { launchBrowser } from '../lib/browser.mjs';

const { values } = parseArgs({
  options: {
    site: { type: 'string' },
    catalog: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    op: { type: 'string', multiple: true, default: [] },
    // A million-track catalog runs every recommender 20 times: minutes, not seconds.
    'timeout-minutes': { type: 'string', default: '30' },
  },
});
if (!values.site || !values.out || values.catalog.length === 0) {
  console.error('usage: run.mjs --site DIR --catalog LABEL=PATH [--catalog ...] --out FILE');
  process.exit(2);
}
const site = resolve(values.site);
const catalogs = values.catalog.map((spec) => {
  const at = spec.indexOf('=');
  if (at < 1) throw new Error(`--catalog wants LABEL=PATH, got ${spec}`);
  return { label: spec.slice(0, at), path: resolve(spec.slice(at + 1)) };
});

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

/** Serves the site, and `/catalog/LABEL` from the catalog files, with cross-origin isolation. */
function serve() {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const catalog = catalogs.find((c) => url.pathname === `/catalog/${c.label}`);
    const file = catalog ? catalog.path : join(site, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    if (!catalog && !file.startsWith(site)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const info = await stat(file);
      response.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cache-Control': 'no-store',
      });
      createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

async function measure(browser, origin, { label }) {
  const page = await browser.newPage();
  page.on('console', (message) => console.log(`  [${label}] ${message.text()}`));
  page.on('pageerror', (error) => console.error(`  [${label}] page error: ${error.message}`));
  const query = new URLSearchParams({ label, catalog: `/catalog/${label}`, runs: values.runs, warmup: values.warmup });
  for (const op of values.op) query.append('op', op);
  await page.goto(`${origin}/index.html?${query}`);
  const isolated = await page.evaluate(() => window.crossOriginIsolated);
  if (!isolated) console.warn('  the page is not cross-origin isolated: timer resolution is 100 us');
  await page.waitForFunction(() => window.benchResult || window.benchError, null, {
    timeout: Number(values['timeout-minutes']) * 60_000,
    polling: 500,
  });
  const { result, error } = await page.evaluate(() => ({ result: window.benchResult, error: window.benchError }));
  await page.close();
  if (error) throw new Error(`${label}: ${error}`);
  return result;
}

const server = await serve();
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await launchBrowser();
try {
  const report = { runner: 'chromium', platform: '', catalogs: [] };
  for (const catalog of catalogs) {
    const result = await measure(browser, origin, catalog);
    report.platform = `${result.platform} (Chromium ${browser.version()})`;
    report.catalogs.push(...result.catalogs);
  }
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
} finally {
  await browser.close();
  server.close();
}
