// Where the end-to-end tests find what `cargo xtask test` built. xtask passes each one in the
// environment; the defaults are the same places, so `node --test` in e2e/ works by hand after
// one `cargo xtask test --only e2e`.

import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = process.env.CARGO_TARGET_DIR
  ? path.resolve(repo, process.env.CARGO_TARGET_DIR)
  : path.join(repo, 'target');

export const paths = {
  repo,
  /** The release build of the app (Trunk's dist for public URL `/`). */
  appDir: process.env.ENCORE_APP_DIR ?? path.join(target, 'xtask', 'e2e-dist'),
  /** The catalog the mock draws its library from. */
  catalog: process.env.ENCORE_CATALOG ?? path.join(repo, 'public', 'catalog.bin'),
  /** The mock Spotify's release binary. */
  mockBin: process.env.ENCORE_MOCK_BIN ?? path.join(target, 'release', 'mock-spotify'),
  /** Screenshots for people to look at (gitignored). */
  screenshots: path.join(repo, 'e2e', 'screenshots'),
};
