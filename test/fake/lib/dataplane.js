'use strict';
// Data plane: requests to an endpoint's status.url, which on the fake is
// http://127.0.0.1:PORT/endpoints/<namespace>/<name> (the path prefix stands
// for the real per-endpoint host).  This module does what the proxy in front
// of a real endpoint does -- auth (doc/protocol.md §7.17), endpoint state (§6.7:
// 503 while starting, X-Scale-Up-Timeout, 400 when paused, 502 when failed),
// concurrency slots and latency knobs (latency.js) -- then hands the request
// to the engine chosen by the image key (engineOf): tgi.js, tei.js,
// openai.js (vLLM, SGLang, llama.cpp), toolkit.js, or for `custom`, `hfServe`
// and unknown keys by the task (tgi.js, tei.js, tasks.js).

const { json, text, empty, sleep } = require('./util');
const { bearer } = require('./control');
const { healthRoute } = require('./state');
const tgi = require('./tgi');
const tei = require('./tei');
const tasks = require('./tasks');
const openai = require('./openai');
const toolkit = require('./toolkit');
const { Latency } = require('./latency');

const TGI_TASKS = new Set(['text-generation', 'text2text-generation', 'conversational']);
const TEI_TASKS = new Set(['feature-extraction', 'sentence-embeddings', 'sentence-similarity']);

// Engine objects: handle(state, ep, ctx) -> response; health(ctx, status);
// overloaded(); notFound(); headers (added to every answer of the engine).
const healthcheckError = (ctx, status) => (status === 200 ? empty(200) : json(status, { error: 'unhealthy', error_type: 'healthcheck' }));
const ENGINES = {
  tgi: {
    name: 'tgi', handle: tgi.handle, health: healthcheckError, headers: null,
    overloaded: () => json(429, { error: 'Model is overloaded', error_type: 'overloaded' }), notFound: () => empty(404),
  },
  tei: { name: 'tei', handle: tei.handle, health: tei.health, overloaded: tei.overloaded, notFound: () => empty(404), headers: null },
  tasks: {
    name: 'tasks', handle: tasks.handle, health: healthcheckError, headers: null,
    overloaded: () => json(429, { error: 'Model is overloaded', error_type: 'overloaded' }), notFound: () => empty(404),
  },
  toolkit: toolkit.engine,
  vllm: openai.engines.vllm,
  sglang: openai.engines.sglang,
  llamacpp: openai.engines.llamacpp,
};
const BY_IMAGE = {
  tgi: ENGINES.tgi, tgiNeuron: ENGINES.tgi,
  tei: ENGINES.tei,
  vLLM: ENGINES.vllm, vLLMNeuron: ENGINES.vllm,
  sGLang: ENGINES.sglang,
  llamacpp: ENGINES.llamacpp,
  huggingface: ENGINES.toolkit, huggingfaceNeuron: ENGINES.toolkit,
};

function engineOf(ep) {
  const key = Object.keys(ep.model.image)[0];   // imageVariant(ep.model.image).key
  const e = Object.prototype.hasOwnProperty.call(BY_IMAGE, key) ? BY_IMAGE[key] : null;
  if (e) return e;
  // custom, hfServe, anything else: by task.
  if (TGI_TASKS.has(ep.model.task)) return ENGINES.tgi;
  if (TEI_TASKS.has(ep.model.task)) return ENGINES.tei;
  return ENGINES.tasks;
}

// Inputs of a request body, for latency_per_input_ms: the length of the
// array in `inputs`, `input` or `texts` (the first present), else 1.
function countInputs(bodyText) {
  let b;
  try { b = JSON.parse(bodyText); } catch (e) { return 1; }
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return 1;
  for (const k of ['inputs', 'input', 'texts']) {
    if (k in b) return Array.isArray(b[k]) ? b[k].length : 1;
  }
  return 1;
}

// The engine's own headers (llama.cpp's Server) on a response or a promise of one.
function decorate(eng, r) {
  if (!eng.headers || !r) return r;
  if (typeof r.then === 'function') return r.then((x) => decorate(eng, x));
  r.headers = { ...(r.headers || {}), ...eng.headers };
  return r;
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
    const eng = engineOf(ep);
    return decorate(eng, this.serveEngine(ctx, ep, key, eng));
  }

  serveEngine(ctx, ep, key, eng) {
    // Health route, per engine (README "Data plane"), knob health_status.
    if (ctx.method === 'GET' && (ctx.route === '/' || ctx.route === '/health' || ctx.route === '/ping' || ctx.route === healthRoute(ep))) {
      return eng.health(ctx, ctx.knob('health_status'));
    }

    // Payload limit (doc/protocol.md §7.21): axum DefaultBodyLimit rejection.
    if (ctx.bodyBytes > ctx.knob('payload_limit')) return text(413, 'Failed to buffer the request body: length limit exceeded');

    // Only POSTs queue for a slot and sleep a latency: probes and other
    // GETs (/info, /v1/models, ...) are answered at once.
    if (ctx.method !== 'POST') return this.run(ctx, ep, eng);

    const perInput = ctx.knob('latency_per_input_ms');
    const extra = perInput > 0 ? perInput * countInputs(ctx.bodyText) : 0;
    const max = ctx.knob('max_concurrency');
    const maxQueue = ctx.knob('max_queue');
    if (max) return this.serveInSlot(ctx, ep, key, max, maxQueue, eng, extra);
    const lat = this.latency.next(key, ctx.knob, extra);
    if (lat > 0) return this.serveLater(ctx, ep, lat, eng);
    if (ctx.aborted) return null;
    return this.run(ctx, ep, eng);
  }

  run(ctx, ep, eng) {
    ep.lastActivity = Date.now();
    return eng.handle(this.state, ep, ctx) || eng.notFound();
  }

  async serveInSlot(ctx, ep, key, max, maxQueue, eng, extra) {
    const slot = await this.acquire(key, max, maxQueue);
    if (slot === false) return eng.overloaded();
    try {
      const lat = this.latency.next(key, ctx.knob, extra);
      if (lat > 0) await sleep(lat);
      if (ctx.aborted) return null;
      return this.run(ctx, ep, eng);
    } finally {
      this.release(slot);
    }
  }

  async serveLater(ctx, ep, lat, eng) {
    await sleep(lat);
    if (ctx.aborted) return null;
    return this.run(ctx, ep, eng);
  }
}

module.exports = { DataPlane, engineOf, ENGINES, countInputs };
