'use strict';
// Data plane: requests to an endpoint's status.url, which on the fake is
// http://127.0.0.1:PORT/endpoints/<namespace>/<name> (the path prefix stands
// for the real per-endpoint host).  This module does what the proxy in front
// of a real endpoint does -- auth (doc/protocol.md §7.17), endpoint state (§6.7:
// 503 while starting, X-Scale-Up-Timeout, 400 when paused, 502 when failed),
// concurrency slots and latency knobs (latency.js) -- then hands the request
// to the engine chosen by image/task: tgi.js, tei.js or tasks.js.

const { json, text, empty, sleep } = require('./util');
const { bearer } = require('./control');
const { healthRoute } = require('./state');
const tgi = require('./tgi');
const tei = require('./tei');
const tasks = require('./tasks');
const { Latency } = require('./latency');

const TGI_TASKS = new Set(['text-generation', 'text2text-generation', 'conversational']);
const TEI_TASKS = new Set(['feature-extraction', 'sentence-embeddings', 'sentence-similarity']);
const TGI_IMAGES = new Set(['tgi', 'tgiNeuron', 'vLLM', 'sGLang', 'llamacpp']);

function engineOf(ep) {
  const key = Object.keys(ep.model.image)[0];   // imageVariant(ep.model.image).key
  if (TGI_IMAGES.has(key)) return tgi;
  if (key === 'tei') return tei;
  if (TGI_TASKS.has(ep.model.task)) return tgi;
  if (TEI_TASKS.has(ep.model.task)) return tei;
  return tasks;
}

const FAILED_HTML = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
const PAUSED_TEXT = 'Bad Request: The endpoint is paused, ask a maintainer to restart it';
const TRANSIENT = new Set(['pending', 'initializing', 'updating']);
const SERVING = new Set(['running', 'updateFailed']);

function unavailable(ep) {
  const why = ep.wokeFromZero ? 'is scaled to zero and a replica is starting' : `is ${ep.state}`;
  return json(503, { error: `Service Unavailable: the endpoint ${why}, retry later or send an X-Scale-Up-Timeout header` });
}

// Response for a non-serving state, or null when the request may proceed.
function gate(ep) {
  if (SERVING.has(ep.state)) return null;
  if (ep.state === 'paused') return text(400, PAUSED_TEXT);
  if (ep.state === 'failed') return text(502, FAILED_HTML, 'text/html');
  return unavailable(ep);
}

class DataPlane {
  constructor(state) {
    this.state = state;
    this.slots = new Map();
    this.latency = new Latency();
  }

  reset() {
    this.slots = new Map();
    this.latency.reset();
  }

  // Concurrency slots: max_concurrency requests are served at once, the
  // rest wait in FIFO order (max_queue waiting, then 429 overloaded).
  async acquire(key, max, maxQueue) {
    if (!max) return null;
    let s = this.slots.get(key);
    if (!s) { s = { active: 0, queue: [] }; this.slots.set(key, s); }
    if (s.active < max) { s.active++; return s; }
    if (maxQueue && s.queue.length >= maxQueue) return false;
    await new Promise((resolve) => s.queue.push(resolve));
    return s;
  }

  release(s) {
    if (!s) return;
    const next = s.queue.shift();
    if (next) next(); else s.active--;
  }

  // Returns a response, or a promise of one when the request has to wait
  // (X-Scale-Up-Timeout, concurrency slots, latency knobs).
  handle(ctx) {
    const state = this.state;
    const parts = ctx.path.split('/');   // ['', 'endpoints', ns, name, ...rest]
    const ns = parts[2];
    const name = parts[3];
    ctx.route = '/' + parts.slice(4).join('/');
    const ep = ns && name ? state.get(ns, name, ctx.now) : null;
    if (!ep) return json(404, { error: 'Endpoint not found' });
    const key = ns + '/' + name;
    ctx.endpointKey = key;
    ctx.knob = (k) => state.knob(key, k);
    ctx.cfg = state.config;
    ep.dataRequests++;

    // Auth (doc/protocol.md §7.17): public = none; authenticated = any valid token;
    // protected/private = a token of the namespace owner or an org member.
    if (ep.type !== 'public') {
      const tok = bearer(ctx.headers);
      const p = state.principal(tok);
      if (!tok) return json(401, { error: 'Authorization header is required' });
      if (!p) return json(401, { error: 'Authorization header is correct, but the token seems invalid' });
      if ((ep.type === 'protected' || ep.type === 'private') && !state.canAccess(p, ns)) {
        return json(403, { error: 'You do not have access to this endpoint' });
      }
    }

    // Endpoint state (doc/protocol.md §6.7).
    if (ep.state === 'scaledToZero') {
      state.wake(ep, ctx.now);
    }
    if (!SERVING.has(ep.state)) {
      const hdr = ctx.headers['x-scale-up-timeout'];
      const secs = hdr !== undefined ? Number(hdr) : NaN;
      if (!TRANSIENT.has(ep.state) || !(secs > 0)) return gate(ep);
      return this.holdThenServe(ctx, ep, key, secs);
    }
    return this.serve(ctx, ep, key);
  }

  // X-Scale-Up-Timeout: hold the request until the endpoint runs.
  async holdThenServe(ctx, ep, key, secs) {
    const state = this.state;
    const deadline = ctx.now + secs * 1000;
    for (;;) {
      const now = Date.now();
      if (ep.deleted) return json(404, { error: 'Endpoint not found' });
      state.advance(ep, now);
      if (SERVING.has(ep.state)) break;
      if (!TRANSIENT.has(ep.state) || now >= deadline) return gate(ep);
      const next = state.nextTransitionAt(ep);
      await sleep(Math.max(1, Math.min(next === null ? Infinity : next, deadline) - now));
      if (ctx.aborted) return null;
    }
    return this.serve(ctx, ep, key);
  }

  serve(ctx, ep, key) {
    ep.lastActivity = Date.now();

    // Health route: 200 empty body (doc/protocol.md §6.5), knob health_status.
    if (ctx.method === 'GET' && (ctx.route === '/' || ctx.route === '/health' || ctx.route === '/ping' || ctx.route === healthRoute(ep))) {
      const st = ctx.knob('health_status');
      return st === 200 ? empty(200) : json(st, { error: 'unhealthy', error_type: 'healthcheck' });
    }

    // Payload limit (doc/protocol.md §7.21): axum DefaultBodyLimit rejection.
    if (ctx.bodyBytes > ctx.knob('payload_limit')) return text(413, 'Failed to buffer the request body: length limit exceeded');

    const max = ctx.knob('max_concurrency');
    const maxQueue = ctx.knob('max_queue');
    if (max) return this.serveInSlot(ctx, ep, key, max, maxQueue);
    const lat = this.latency.next(key, ctx.knob);
    if (lat > 0) return this.serveLater(ctx, ep, lat);
    if (ctx.aborted) return null;
    ep.lastActivity = Date.now();
    return engineOf(ep).handle(this.state, ep, ctx) || empty(404);
  }

  async serveInSlot(ctx, ep, key, max, maxQueue) {
    const slot = await this.acquire(key, max, maxQueue);
    if (slot === false) return json(429, { error: 'Model is overloaded', error_type: 'overloaded' });
    try {
      const lat = this.latency.next(key, ctx.knob);
      if (lat > 0) await sleep(lat);
      if (ctx.aborted) return null;
      ep.lastActivity = Date.now();
      return engineOf(ep).handle(this.state, ep, ctx) || empty(404);
    } finally {
      this.release(slot);
    }
  }

  async serveLater(ctx, ep, lat) {
    await sleep(lat);
    if (ctx.aborted) return null;
    ep.lastActivity = Date.now();
    return engineOf(ep).handle(this.state, ep, ctx) || empty(404);
  }
}

module.exports = { DataPlane, engineOf };
