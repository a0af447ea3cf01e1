// The mock Spotify (crates/mock-spotify) as a child process: one per rig, on ephemeral ports,
// serving the release build of the app on a second origin with a config.json pointing at itself.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { paths } from './paths.mjs';

const START_TIMEOUT_MS = 30_000;

/**
 * Starts the mock and waits for the JSON line it prints first.
 *
 * @param {object} [options]
 * @param {number} [options.liked] liked songs in the fake library (0 to 50,000)
 * @param {number} [options.seed] seed of the fake library and of issued codes
 * @param {string} [options.clientId] the only client id the mock accepts (any when absent)
 * @param {string[]} [options.args] further command-line flags (see `mock-spotify --help`)
 */
export async function startMock({ liked = 100, seed = 1, clientId, args = [] } = {}) {
  const argv = [
    '--port', '0',
    '--catalog', paths.catalog,
    '--liked', String(liked),
    '--seed', String(seed),
    '--app-dir', paths.appDir,
    '--app-port', '0',
    ...(clientId === undefined ? [] : ['--client-id', clientId]),
    ...args,
  ];
  const child = spawn(paths.mockBin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });

  const info = await new Promise((resolve, reject) => {
    const fail = (why) => {
      child.kill('SIGKILL');
      reject(new Error(`mock-spotify ${why}\n  command: ${paths.mockBin} ${argv.join(' ')}\n  stderr: ${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`printed nothing within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (err) => { clearTimeout(timer); fail(`could not start: ${err.message}`); });
    child.once('exit', (code) => { clearTimeout(timer); fail(`exited (${code}) before it was ready`); });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(line));
      } catch {
        fail(`printed ${JSON.stringify(line)} instead of its JSON line`);
      }
    });
  });
  // Keep draining stdout so a chatty mock never blocks on a full pipe.
  child.stdout.resume();
  return new Mock(child, info, () => stderr);
}

/** A running mock and its control API (`/__mock/`). */
export class Mock {
  constructor(child, info, stderr) {
    this.child = child;
    /** Everything the mock printed on its first line (its URLs). */
    this.info = info;
    /** The fake Spotify's origin, e.g. `http://127.0.0.1:41234`. */
    this.url = info.url;
    /** The app's origin, serving the release build and a config.json pointing at the mock. */
    this.appUrl = info.app_url;
    this.stderr = stderr;
  }

  /** Adds scenario rules (one or an array), e.g. `{ path: '/v1/me', kind: 'server_error', status: 503, times: 1 }`. */
  async addFaults(rules) {
    return (await this.#control('POST', 'faults', rules)).ids;
  }

  /** Removes every scenario rule. */
  async clearFaults() {
    await this.#control('DELETE', 'faults');
  }

  /** Changes runtime settings, e.g. `{ expires_in_s: 5, expose_retry_after: true }`. */
  async settings(change) {
    return this.#control('POST', 'settings', change);
  }

  /** Makes every issued access token expired now. */
  async expireTokens() {
    await this.#control('POST', 'expire_tokens');
  }

  /** What the mock received: authorize parameters, token requests, playlists created, items added, requests. */
  async received() {
    return this.#control('GET', 'received');
  }

  /** What the fake library holds (`ids: true` adds the liked songs' ids). */
  async library({ ids = false } = {}) {
    return this.#control('GET', ids ? 'library?ids=true' : 'library');
  }

  /**
   * The listener likes `n` more songs now: library tracks not liked yet, the same ones on every
   * run, listed first by `GET /v1/me/tracks` (saved after every earlier song, newest first).
   * Resolves to `{ ids, liked_total }`: the new songs' ids, newest first, and the new total.
   */
  async likeMore(n) {
    return this.#control('POST', 'like_more', { n });
  }

  /** The listener un-likes the songs with these Spotify ids; resolves to `{ liked_total }`. */
  async unlike(ids) {
    return this.#control('POST', 'unlike', { ids });
  }

  /** Forgets tokens, faults, created playlists, liked songs changed since the start and the record of requests. */
  async reset() {
    await this.#control('POST', 'reset');
  }

  /** Stops the process and waits for it to exit. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  async #control(method, what, body) {
    const response = await fetch(`${this.url}/__mock/${what}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} /__mock/${what} answered ${response.status}: ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  }
}
