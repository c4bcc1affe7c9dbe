#!/usr/bin/env node
'use strict';
// Throughput check of the fake (Node built-ins only).
// Usage: node test/fake/loadtest.js [--connections N] [--seconds S] [--route generate|chat|embed|get|whoami] [--url URL]
// Without --url it starts hf_fake on an ephemeral port.  Prints requests/s;
// exits 1 if any request failed.  Client and server share the machine, so
// the figure is a lower bound of what the fake can serve.

const http = require('http');
const path = require('path');
const { spawn } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : dflt; };
const CONNS = Number(opt('connections', 100));
const SECONDS = Number(opt('seconds', 5));
const ROUTE = opt('route', 'generate');

async function main() {
  let base = opt('url', null);
  let child = null;
  if (!base) {
    child = spawn(path.join(__dirname, 'hf_fake'), ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
    base = `http://127.0.0.1:${line.split(' ')[1]}`;
  }
  const call = (method, p, body) => new Promise((resolve, reject) => {
    const r = http.request(base + p, { method, headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
    r.on('error', reject);
    r.end(body ? JSON.stringify(body) : undefined);
  });
  await call('POST', '/_fake/reset');
  await call('POST', '/_fake/config', { record_requests: false });
  await call('POST', '/_fake/seed/fake-user/load', {});
  await call('POST', '/_fake/seed/fake-user/load-emb', { task: 'feature-extraction' });
  const routes = {
    generate: ['POST', '/endpoints/fake-user/load/generate', JSON.stringify({ inputs: 'I am', parameters: { max_new_tokens: 20 } })],
    chat: ['POST', '/endpoints/fake-user/load/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 })],
    embed: ['POST', '/endpoints/fake-user/load-emb/embed', JSON.stringify({ inputs: ['hello', 'world'] })],
    get: ['GET', '/v2/endpoint/fake-user/load', null],
    whoami: ['GET', '/api/whoami-v2', null],
  };
  const [method, p, body] = routes[ROUTE];
  const headers = { authorization: 'Bearer hf_fake_token' };
  if (body) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(body); }
  let ok = 0;
  let bad = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const worker = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (Date.now() < deadline) {
      await new Promise((resolve) => {
        const r = http.request(base + p, { method, headers, agent }, (res) => {
          res.resume();
          res.on('end', () => { if (res.statusCode === 200) ok++; else bad++; resolve(); });
        });
        r.on('error', () => { bad++; resolve(); });
        r.end(body || undefined);
      });
    }
    agent.destroy();
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNS }, worker));
  const secs = (Date.now() - t0) / 1000;
  process.stdout.write(`route=${ROUTE} connections=${CONNS} requests=${ok} errors=${bad} seconds=${secs.toFixed(1)} rps=${Math.round(ok / secs)}\n`);
  if (child) child.kill('SIGTERM');
  process.exit(bad ? 1 : 0);
}

main();
