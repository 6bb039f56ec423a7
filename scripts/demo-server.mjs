// A tiny static server for the web demo (scripts/demo): web-demo/ at /,
// the built module (build-wasm/dist) at /cappy/ and the default model at
// /models/, with the headers that make the page cross-origin isolated
// (COOP/COEP: SharedArrayBuffer, hence wasm threads). GET and HEAD only,
// nothing outside the three folders. Imported by tests/web-demo too.
import { createServer } from 'node:http';
import { createReadStream, statSync, cpSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve, extname, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.md': 'text/plain; charset=utf-8', '.ts': 'text/plain; charset=utf-8',
  '.cappy': 'application/octet-stream',
};

const HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // What a <meta> policy cannot say (the page's own policy is in index.html).
  'content-security-policy': "frame-ancestors 'none'",
  'cache-control': 'no-cache',
};

// mounts: URL prefix -> folder. Longest prefix wins.
export function defaultMounts({ dist = process.env.CAPPY_WASM_DIST ?? join(root, 'build-wasm', 'dist'), models = join(root, 'models') } = {}) {
  return { '/cappy/': resolve(dist), '/models/': resolve(models), '/': join(root, 'web-demo') };
}

// isolation: false leaves out COOP/COEP/CORP, as a plain static host would.
export async function startDemoServer({ port = 8000, host = '127.0.0.1', mounts = defaultMounts(), log = null, isolation = true } = {}) {
  const headers = isolation ? HEADERS : Object.fromEntries(Object.entries(HEADERS).filter(([k]) => !k.startsWith('cross-origin-')));
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    const done = (status, message) => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : `${message}\n`);
      log?.(`${req.method} ${req.url} ${status}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return done(405, 'method not allowed');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return done(400, 'bad path');
    }
    if (path.endsWith('/')) path += 'index.html';
    const prefix = prefixes.find((p) => path.startsWith(p));
    const base = mounts[prefix];
    const file = resolve(base, `.${path.slice(prefix.length - 1)}`);
    if (file !== base && !file.startsWith(base + sep)) return done(403, 'outside the served folders');
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return done(404, 'not found');
    }
    if (!stat.isFile()) return done(404, 'not found');
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': stat.size });
    log?.(`${req.method} ${req.url} 200`);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  const { port: actual } = server.address();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () => new Promise((ok) => { for (const s of sockets) s.destroy(); server.close(ok); }),
  };
}

// The same site as files in one folder, for any static host: web-demo/'s
// files at the top, the module in cappy/, the default model in models/.
export function exportSite(dir, mounts = defaultMounts()) {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) throw new Error(`${target} is not empty`);
  for (const source of Object.values(mounts)) {  // checked before anything is written
    if (target === source || target.startsWith(source + sep)) throw new Error(`${target} is inside ${source}`);
    if (!existsSync(source)) throw new Error(`${source} is missing`);
  }
  for (const [prefix, source] of Object.entries(mounts)) {
    const into = join(target, prefix);
    mkdirSync(into, { recursive: true });
    cpSync(source, into, { recursive: true, filter: (path) => prefix !== '/models/' || statSync(path).isDirectory() || path.endsWith('.cappy') });
  }
  return target;
}

// node scripts/demo-server.mjs [--port N] [--host H] [--quiet] | --export DIR
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  if (args.includes('--export')) {
    const dir = value('--export');
    if (!dir) {
      console.error('demo-server: --export needs a folder');
      process.exit(2);
    }
    try {
      console.log(`Cappy web demo written to ${exportSite(dir)}: serve that folder from any static host`);
      process.exit(0);
    } catch (e) {
      console.error(`demo-server: cannot export: ${e.message}`);
      process.exit(2);
    }
  }
  const port = Number(value('--port', process.env.PORT ?? 8000));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo-server: --port must be 0..65535, got ${value('--port')}`);
    process.exit(2);
  }
  const quiet = args.includes('--quiet');
  try {
    const server = await startDemoServer({ port, host: value('--host', '127.0.0.1'), log: quiet ? null : (line) => console.log(line) });
    console.log(`Cappy web demo: ${server.url}/  (Ctrl-C stops it)`);
    const stop = () => server.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    console.error(`demo-server: cannot listen: ${e.message}`);
    process.exit(2);
  }
}
