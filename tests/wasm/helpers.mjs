// Shared by the WebAssembly tests: where the built module is, the fixtures as
// file maps, and a tiny HTTP server whose routes the tests script.
import { createServer } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// scripts/build-wasm writes build-wasm/dist; CAPPY_WASM_DIST points elsewhere.
export const dist = resolve(process.env.CAPPY_WASM_DIST ?? join(root, 'build-wasm', 'dist'));
export const distUrl = pathToFileURL(dist + '/').href;
export const fixtureDir = (name) => join(root, 'tests', 'fixtures', name);

// The checkpoint files of a fixture (not its ONNX export or expected scores).
export function fixtureFiles(name) {
  const files = {};
  for (const f of readdirSync(fixtureDir(name)).sort()) {
    if (f === 'expected.json' || f === 'model.onnx') continue;
    files[f] = new Uint8Array(readFileSync(join(fixtureDir(name), f)));
  }
  return files;
}

export const expectedCases = (name) => JSON.parse(readFileSync(join(fixtureDir(name), 'expected.json'), 'utf8')).cases;

// Cases grouped by instruction: [[instruction, [case, ...]], ...].
export function byInstruction(cases) {
  const groups = new Map();
  for (const c of cases) groups.set(c.instruction, [...(groups.get(c.instruction) ?? []), c]);
  return [...groups];
}

export function assertClose(actual, expected, tol, what) {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; ++i) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
    }
  }
}

// An HTTP server on a free port; `routes` maps a path to (req, res) => void.
// Unrouted paths get 404. Returns { url, close, hits } (hits counts requests per path).
export async function serve(routes) {
  const hits = new Map();
  const sockets = new Set();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) return route(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hits,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

export const sendBytes = (bytes, type = 'application/octet-stream') => (req, res) => {
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.byteLength });
  res.end(bytes);
};
