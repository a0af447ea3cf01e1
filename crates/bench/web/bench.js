// Encore's benchmark page: loads a catalog, times every engine operation compiled to WebAssembly
// and, on the same data in the same page load, the best nearest-neighbour search plain
// JavaScript would write (typed arrays, unrolled distance, bounded top-k behind a threshold
// check). The result is `window.benchResult` in the shape of `encore_bench::Report`, read by
// e2e/bench/run.mjs; `window.benchError` holds the message when something fails.

import init, { Bench } from './pkg/encore_bench.js';

const params = new URLSearchParams(location.search);
const label = params.get('label') ?? 'catalog';
const catalogUrl = params.get('catalog') ?? 'catalog.bin';
const runs = Number(params.get('runs') ?? 20);
const warmup = Number(params.get('warmup') ?? 3);
const only = params.getAll('op');
/** Values per scaled row, of which the first 13 are features and the rest zero padding. */
const STRIDE = 16;
const FEATURES = 13;
const K = 50;

const logElement = document.getElementById('log');
function log(line) {
  logElement.textContent += `${line}\n`;
  console.log(line);
}

/** Median, min and max of `samples` (milliseconds), as `encore_bench::Timing`. */
function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median_ms: median, min_ms: s[0], max_ms: s[n - 1], runs: n };
}

/** Runs `op` `warmup` times, then `count` times timed. */
function time(op, count = runs) {
  for (let i = 0; i < warmup; i++) op();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    op();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/**
 * The JavaScript baseline: the `k` rows of `rows` nearest to `query`, skipping row `skip`.
 * Distances are computed over the 13 real features (the padding is zero), and a candidate is
 * inserted into a sorted array only when it beats the current k-th distance.
 */
function nearestJs(rows, query, k, skip) {
  const dist = new Float32Array(k).fill(Infinity);
  const index = new Int32Array(k).fill(-1);
  let threshold = Infinity;
  let count = 0;
  const [q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12] = query;
  const n = rows.length / STRIDE;
  for (let i = 0, o = 0; i < n; i++, o += STRIDE) {
    let d = rows[o] - q0;
    let s = d * d;
    d = rows[o + 1] - q1; s += d * d;
    d = rows[o + 2] - q2; s += d * d;
    d = rows[o + 3] - q3; s += d * d;
    d = rows[o + 4] - q4; s += d * d;
    d = rows[o + 5] - q5; s += d * d;
    d = rows[o + 6] - q6; s += d * d;
    d = rows[o + 7] - q7; s += d * d;
    d = rows[o + 8] - q8; s += d * d;
    d = rows[o + 9] - q9; s += d * d;
    d = rows[o + 10] - q10; s += d * d;
    d = rows[o + 11] - q11; s += d * d;
    d = rows[o + 12] - q12; s += d * d;
    if (s < threshold && i !== skip) {
      let j = count < k ? count++ : k - 1;
      while (j > 0 && dist[j - 1] > s) {
        dist[j] = dist[j - 1];
        index[j] = index[j - 1];
        j--;
      }
      dist[j] = s;
      index[j] = i;
      if (count === k) threshold = dist[k - 1];
    }
  }
  return index;
}

/**
 * Decodes step by step as the app does, `runs` times: records the longest step of each run (the
 * longest task loading blocks the page for) and logs where the decode's time goes, by kind of
 * step (`unpack titl`, `derive tracks`, ..).
 */
function profileDecode(bench, record) {
  const totals = new Map();
  const longest = [];
  for (let run = 0; run < runs; run++) {
    let max = 0;
    for (const line of bench.decode_steps()) {
      const [step, ms] = line.split('\t');
      const kind = step.split(' from ')[0];
      totals.set(kind, (totals.get(kind) ?? 0) + Number(ms) / runs);
      max = Math.max(max, Number(ms));
    }
    longest.push(max);
  }
  record('decode-longest-step', summarize(longest));
  const kinds = [...totals].sort((a, b) => b[1] - a[1]);
  log(`decode by step (mean ms per decode): ${kinds.map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(', ')}`);
}

async function main() {
  const wasm = await init();
  const memory = () => wasm.memory.buffer.byteLength;
  log(`${label}: fetching ${catalogUrl}`);
  const response = await fetch(catalogUrl);
  if (!response.ok) throw new Error(`${catalogUrl}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const ops = [];
  const record = (op, timing) => {
    ops.push({ op, ...timing });
    log(`${op.padEnd(28)} ${timing.median_ms.toFixed(3).padStart(10)} ms median (min ${timing.min_ms.toFixed(3)}, max ${timing.max_ms.toFixed(3)})`);
  };

  const bench = new Bench(bytes);
  record('decode', time(() => bench.decode()));
  profileDecode(bench, record);
  const nTracks = bench.keep();
  const memoryAfterDecode = memory();
  log(`${nTracks} tracks; WebAssembly memory ${(memoryAfterDecode / 1e6).toFixed(1)} MB`);
  const prepareStart = performance.now();
  bench.prepare();
  record('prepare', summarize([performance.now() - prepareStart]));

  const wanted = (op) => only.length === 0 || only.includes(op);
  // The baseline goes with nearest-50, which it is compared with (`--op nearest-50` asks for both).
  if (wanted(`nearest-${K}-js`) || wanted(`nearest-${K}`)) {
    // The baseline's own copy of the data, as a JavaScript app would hold it.
    const rows = new Float32Array(bench.scaled());
    const nQueries = Bench.queries();
    const queries = Array.from({ length: nQueries }, (_, i) => bench.query_row(i));
    const skips = Array.from({ length: nQueries }, (_, i) => bench.query_track(i));
    let agree = 0;
    for (let i = 0; i < nQueries; i++) {
      const engine = new Set(bench.nearest_tracks(i));
      agree += nearestJs(rows, queries[i], K, skips[i]).filter((t) => engine.has(t)).length;
    }
    log(`JavaScript baseline agrees with the engine on ${agree} of ${nQueries * K} neighbours`);
    let call = 0;
    record(`nearest-${K}-js`, time(() => {
      const i = call++ % nQueries;
      return nearestJs(rows, queries[i], K, skips[i]);
    }));
  }
  for (const op of Bench.ops()) {
    if (wanted(op)) record(op, time(() => bench.run(op)));
  }
  const memoryAfterAll = memory();
  log(`WebAssembly memory after every operation: ${(memoryAfterAll / 1e6).toFixed(1)} MB`);
  window.benchResult = {
    runner: 'chromium',
    platform: navigator.userAgent,
    catalogs: [{
      label,
      n_tracks: nTracks,
      file_bytes: bytes.length,
      gzip_bytes: null,
      memory_after_decode_bytes: memoryAfterDecode,
      memory_after_all_bytes: memoryAfterAll,
      ops,
    }],
  };
  log('done');
}

main().catch((error) => {
  window.benchError = String(error?.stack ?? error);
  log(`error: ${window.benchError}`);
});
