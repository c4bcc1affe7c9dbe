'use strict';
// Fault injection (README "Faults").  A fault matches the next `count`
// requests (control plane, data plane and whoami alike; never /_fake/) by
// method, path substring, path regex and request-body substring, in order of
// registration, and replaces or mangles the response.
//
// Actions that only need the fault's own description (respond, drop, hang,
// malformed_json, oversized, deep_json) never run the normal handler.  drip,
// truncate and reset mangle the normal response unless `body` is given;
// invalid_utf8 and wrong_types always start from the normal response, so the
// normal handler's side effects (e.g. creating an endpoint) do happen for them.

const { sleep } = require('./util');

const ACTIONS = new Set(['respond', 'drop', 'hang', 'drip', 'truncate', 'reset', 'malformed_json', 'oversized', 'invalid_utf8', 'deep_json', 'wrong_types']);
const NEEDS_REAL = new Set(['drip', 'truncate', 'reset', 'invalid_utf8', 'wrong_types']);
const FIELDS = new Set(['method', 'path', 'path_regex', 'match_body', 'count', 'action', 'status', 'body', 'content_type', 'headers',
  'delay_ms', 'interval_ms', 'size', 'depth', 'bytes', 'chunked', 'mode']);

class Faults {
  constructor() {
    this.list = [];
    this.nextId = 1;
  }

  reset() {
    this.list = [];
  }

  // Validate and register; returns an error string or null.
  add(f) {
    if (f === null || typeof f !== 'object' || Array.isArray(f)) return 'a fault must be a JSON object';
    for (const k of Object.keys(f)) if (!FIELDS.has(k)) return `unknown fault field "${k}"`;
    const fault = { ...f };
    fault.action = f.action || 'respond';
    if (!ACTIONS.has(fault.action)) return `unknown fault action "${fault.action}"; valid: ${[...ACTIONS].join(', ')}`;
    fault.count = f.count === undefined ? 1 : f.count;
    if (!Number.isInteger(fault.count) || fault.count === 0 || fault.count < -1) return 'count must be a positive integer, or -1 for every matching request';
    if (f.path_regex !== undefined) {
      try { fault.re = new RegExp(f.path_regex); } catch (e) { return `invalid path_regex: ${e.message}`; }
    }
    if (f.status !== undefined && !(Number.isInteger(f.status) && f.status >= 100 && f.status <= 999)) return 'status must be an HTTP status code';
    fault.id = this.nextId++;
    fault.hits = 0;
    this.list.push(fault);
    return null;
  }

  match(ctx) {
    for (let i = 0; i < this.list.length; i++) {
      const f = this.list[i];
      if (f.count === 0) continue;
      if (f.method && f.method.toUpperCase() !== ctx.method) continue;
      if (f.path !== undefined && !ctx.url.includes(f.path)) continue;
      if (f.re && !f.re.test(ctx.url)) continue;
      if (f.match_body !== undefined && !ctx.bodyText.includes(f.match_body)) continue;
      f.hits++;
      if (f.count > 0) f.count--;
      if (f.count === 0) this.list.splice(i, 1);
      return f;
    }
    return null;
  }

  describe() {
    return this.list.map(({ re, ...f }) => f);
  }

  needsReal(f) {
    return NEEDS_REAL.has(f.action) && (f.body === undefined || f.action === 'invalid_utf8' || f.action === 'wrong_types');
  }

  // Carry out fault `f`.  `real` is the normal response (or null).
  // `write(resp)` writes a response object normally.
  async apply(ctx, f, real, write) {
    const { res } = ctx;
    const sock = ctx.req.socket;
    if (f.delay_ms > 0) await sleep(f.delay_ms);
    if (ctx.aborted) return;
    switch (f.action) {
      case 'drop':
        sock.destroy();
        return;
      case 'hang':
        return;   // never answered; the socket closes when the client gives up (or at shutdown)
      case 'respond':
        write(ownResponse(f, 500));
        return;
      case 'malformed_json':
        write(ownResponse({ ...f, body: f.body !== undefined ? f.body : '{"name":"malformed","status":{"state":"running",}', content_type: 'application/json' }, 200));
        return;
      case 'deep_json': {
        const depth = f.depth || 100000;
        write({ status: f.status || 200, headers: { 'content-type': 'application/json' }, body: '['.repeat(depth) + ']'.repeat(depth) });
        return;
      }
      case 'oversized':
        await streamOversized(ctx, f);
        return;
      case 'invalid_utf8':
        write(invalidUtf8(f, real));
        return;
      case 'wrong_types':
        write(wrongTypes(f, real));
        return;
      default:
        break;
    }
    // drip / truncate / reset: mangle a byte stream.
    const resp = f.body !== undefined ? ownResponse(f, 200) : real;
    const body = Buffer.isBuffer(resp.body) ? resp.body : Buffer.from(resp.body || '');
    const headers = { ...resp.headers };
    if (f.action === 'drip') {
      headers['content-length'] = body.length;
      res.writeHead(f.status || resp.status, headers);
      const interval = f.interval_ms === undefined ? 50 : f.interval_ms;
      for (let i = 0; i < body.length; i++) {
        if (ctx.aborted) return;
        res.write(body.subarray(i, i + 1));
        await sleep(interval);
      }
      res.end();
      return;
    }
    const cut = Math.max(0, Math.min(body.length - 1, f.bytes !== undefined ? f.bytes : Math.floor(body.length / 2)));
    if (f.action === 'truncate') {
      // Chunked transfer encoding, cut mid-body, close without the last chunk.
      delete headers['content-length'];
      headers['transfer-encoding'] = 'chunked';
      res.writeHead(f.status || resp.status, headers);
      res.write(body.subarray(0, cut), () => sock.destroy());
      return;
    }
    // reset: announce the full length, send part, then TCP RST.
    headers['content-length'] = body.length;
    res.writeHead(f.status || resp.status, headers);
    // Give the client time to read what was sent: an RST makes the peer's
    // kernel drop unread data.
    res.write(body.subarray(0, cut), () => setTimeout(() => {
      if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy(); else sock.destroy();
    }, 50));
  }
}

function ownResponse(f, defStatus) {
  let body = f.body;
  let ct = f.content_type;
  if (body === undefined) { body = JSON.stringify({ error: 'Injected fault' }); ct = ct || 'application/json'; }
  else if (typeof body !== 'string') { body = JSON.stringify(body); ct = ct || 'application/json'; }
  else if (!ct) {
    try { JSON.parse(body); ct = 'application/json'; } catch (e) { ct = 'text/plain; charset=utf-8'; }
  }
  const headers = { 'content-type': ct };
  for (const [k, v] of Object.entries(f.headers || {})) headers[k.toLowerCase()] = String(v);
  return { status: f.status || defStatus, headers, body };
}

async function streamOversized(ctx, f) {
  const { res } = ctx;
  const size = f.size || 50 * 1024 * 1024;
  const head = Buffer.from('{"items":[],"padding":"');
  const tail = Buffer.from('"}');
  const fill = Math.max(0, size - head.length - tail.length);
  const headers = { 'content-type': 'application/json' };
  if (!f.chunked) headers['content-length'] = head.length + fill + tail.length;
  res.writeHead(f.status || 200, headers);
  res.write(head);
  const chunk = Buffer.alloc(65536, 0x61);
  let left = fill;
  while (left > 0) {
    if (ctx.aborted) return;
    const n = Math.min(left, chunk.length);
    left -= n;
    if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
      await new Promise((resolve) => {
        const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end(tail);
}

// Insert the bytes FF FE into the first JSON string value of the normal body.
function invalidUtf8(f, real) {
  const bad = Buffer.from([0xff, 0xfe]);
  let buf = null;
  if (real && real.body !== undefined && /json/.test(real.headers['content-type'] || '')) {
    const s = String(real.body);
    const m = /[:[,]\s*"/.exec(s);
    if (m) {
      const at = Buffer.byteLength(s.slice(0, m.index + m[0].length));
      const b = Buffer.from(s);
      buf = Buffer.concat([b.subarray(0, at), bad, b.subarray(at)]);
    }
  }
  if (!buf) buf = Buffer.concat([Buffer.from('{"error":"'), bad, Buffer.from('"}')]);
  return { status: f.status || (real && real.status < 300 ? real.status : 200), headers: { 'content-type': 'application/json' }, body: buf };
}

// A response in the right shape where every field has the wrong JSON type.
const SAMPLE_ENDPOINT = {
  name: 'wrong-types', type: 'protected', accountId: null, provider: { vendor: 'aws', region: 'us-east-1' }, healthRoute: '/health',
  compute: { accelerator: 'cpu', instanceType: 'intel-icl', instanceSize: 'x2', scaling: { minReplica: 1, maxReplica: 1 } },
  model: { repository: 'gpt2', revision: null, task: 'text-generation', framework: 'pytorch', image: { huggingface: {} }, env: {}, secrets: {} },
  status: {
    createdAt: '2025-03-07T15:30:13.949Z', createdBy: { id: '6273f303f6d63a28483fde12', name: 'fake-user' },
    updatedAt: '2025-03-07T15:30:13.949Z', updatedBy: { id: '6273f303f6d63a28483fde12', name: 'fake-user' },
    private: null, state: 'running', message: 'Endpoint is ready', url: 'http://127.0.0.1/endpoints/fake-user/wrong-types', readyReplica: 1, targetReplica: 1,
  },
};

function wrongLeaf(v) {
  if (typeof v === 'string') return 42;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  return false;   // null
}

function wrongDeep(v) {
  if (Array.isArray(v)) return v.map(wrongDeep);
  if (v !== null && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = wrongDeep(x);
    return o;
  }
  return wrongLeaf(v);
}

function wrongTop(v) {
  const o = {};
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x)) o[k] = {};
    else if (x !== null && typeof x === 'object') o[k] = [];
    else o[k] = wrongLeaf(x);
  }
  return o;
}

function wrongTypes(f, real) {
  let base = SAMPLE_ENDPOINT;
  if (real && real.status < 300 && /json/.test(real.headers['content-type'] || '')) {
    try {
      const v = JSON.parse(String(real.body));
      if (v !== null && typeof v === 'object' && Object.keys(v).length) base = v;
    } catch (e) { /* keep the sample */ }
  }
  const out = f.mode === 'top' && !Array.isArray(base) ? wrongTop(base) : wrongDeep(base);
  return { status: f.status || 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) };
}

module.exports = { Faults, ACTIONS };
