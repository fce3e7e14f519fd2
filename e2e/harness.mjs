// Harness of the console's browser tests: a wabi on a free port with a fresh
// data directory, a webhook receiver, and headless Debian Chromium driven by
// playwright-core. Nothing here is wabi-specific beyond starting it.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const artifacts = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

// startWabi runs the wabi binary and resolves with its base URL once the banner
// names it.
export async function startWabi(bin) {
  const data = mkdtempSync(join(tmpdir(), 'wabi-e2e-'));
  const proc = spawn(bin, ['serve', '-addr', '127.0.0.1:0', '-data', data, '-log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('wabi did not start: ' + out)), 20000);
    proc.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/listening on (http:\/\/[^/\s]+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`wabi exited with ${code}: ${out}`)));
  });
  proc.stdout.resume();
  return {
    base,
    stop() {
      proc.kill('SIGTERM');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// startReceiver is a webhook endpoint: it answers the Cloud API's handshake and
// records every POST.
export async function startReceiver() {
  const posts = [];
  const srv = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.searchParams.get('hub.challenge')) {
      res.end(url.searchParams.get('hub.challenge'));
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}/hook`, posts, close: () => srv.close() };
}

// launch starts headless Chromium with the flags a closed network needs.
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// api calls a wabi JSON endpoint and returns the decoded answer, failing on
// any status but 2xx.
export async function api(base, method, path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// step runs one named part of a story, saying which failed.
export async function step(name, fn) {
  process.stdout.write(`- ${name} ... `);
  try {
    await fn();
    process.stdout.write('ok\n');
  } catch (e) {
    process.stdout.write('FAILED\n');
    e.message = `${name}: ${e.message}`;
    throw e;
  }
}

// waitFor polls fn until it returns something truthy, for up to ms
// milliseconds, and returns that.
export async function waitFor(fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn);
    await new Promise((r) => setTimeout(r, 50));
  }
}
