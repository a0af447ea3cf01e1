// The harness's own logic, without a browser.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outside } from './page.mjs';

test('requests outside the page origin and the Spotify URLs are reported', () => {
  const allowed = ['http://127.0.0.1:5001', 'http://127.0.0.1:5002', 'http://127.0.0.1:5002/v1'];
  const requests = [
    'http://127.0.0.1:5001/',
    'http://127.0.0.1:5001/catalog.bin',
    'http://127.0.0.1:5002/v1/me/tracks?limit=50',
    'http://127.0.0.1:5002/v1',
    'data:image/png;base64,AAAA',
    'blob:http://127.0.0.1:5001/0f1e',
    'https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC',
    'http://127.0.0.1:50012/',
    'https://fonts.googleapis.com/css2',
  ];
  assert.deepEqual(outside(requests, allowed), [
    'https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC',
    'http://127.0.0.1:50012/',
    'https://fonts.googleapis.com/css2',
  ]);
});

test('a URL prefix does not admit a longer path segment', () => {
  assert.deepEqual(outside(['http://h/v10/me', 'http://h/v1/me'], ['http://h/v1']), ['http://h/v10/me']);
});
