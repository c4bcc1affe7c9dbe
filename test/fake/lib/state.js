'use strict';
// In-memory state of the fake: users and tokens, global config, per-endpoint
// knobs, the endpoint store with its state machine (doc/protocol.md §3.4), request
// recording and statistics.  Everything here is reset by `hfctl reset`.
//
// The state machine is lazy and deterministic: an operation stores a
// schedule of future transitions [{at, state}] and every read calls
// advance(ep, now), which applies the entries whose time has come.  No timer
// ever fires on its own; only the wall clock and the transition times decide.

const { hexId, isoTime } = require('./util');

// Defaults for `hfctl config` (README "Global config").
const DEFAULT_CONFIG = Object.freeze({
  pending_ms: 200,          // pending -> initializing
  initializing_ms: 200,     // initializing -> running (or failed)
  updating_ms: 200,         // updating -> running (or updateFailed)
  cold_start_ms: 200,       // scaledToZero wake-up: initializing -> running
  latency_ms: 0,            // data-plane service time per request
  jitter_ms: 0,             // + uniform random [0, jitter_ms)
  latency_per_input_ms: 0,  // + this much per input of a POST (inputs/input/texts array length, else 1)
  latency_dist: 'constant', // or 'lognormal' (latency.js)
  latency_median_ms: 0,     // lognormal: median service time
  latency_sigma: 0,         // lognormal: standard deviation of ln(service time)
  latency_seed: 0,          // seed of the latency draws (jitter, lognormal)
  max_concurrency: 0,       // data-plane slots per endpoint, 0 = unlimited
  max_queue: 0,             // requests waiting for a slot before 429, 0 = unlimited
  payload_limit: 2000000,   // TGI/TEI --payload-limit (doc/protocol.md §7.21) -> 413
  max_batch_size: 32,       // TEI max_client_batch_size -> 422 Validation (also in /info)
  openai_max_inputs: 0,     // vLLM/SGLang/llama.cpp /v1/embeddings inputs per request, 0 = no limit
  dimensions: 8,            // embedding size
  max_new_tokens_default: 20,
  max_new_tokens_cap: 100,
  max_input_tokens: 4095,   // TGI Info
  max_total_tokens: 4096,   // TGI Info
  tei_max_input_tokens: 512,
  health_status: 200,       // status of GET {url}{healthRoute} while running
  validate_compute: true,   // reject computes not in the hardware list (R9)
  whoami_limit: 0,          // >0: after this many whoami calls, 429 + Retry-After
  whoami_retry_after: 1,    // seconds, for whoami_limit
  minute_ms: 60000,         // length of a "minute" for scaleToZeroTimeout
  timestamp_digits: 3,      // fractional digits of createdAt/updatedAt: 0, 3, 6 or 9 (doc/protocol.md §7.1)
  record_requests: true,
  record_limit: 10000,      // ring buffer size
  record_body_limit: 1048576,
});

// Knobs settable per endpoint with `hfctl endpoint ns/name {...}`; a missing
// knob falls back to the global config of the same name.
const ENDPOINT_KNOBS = new Set([
  'latency_ms', 'jitter_ms', 'latency_dist', 'latency_median_ms', 'latency_sigma', 'latency_seed',
  'latency_per_input_ms', 'max_concurrency', 'max_queue', 'payload_limit', 'max_batch_size', 'openai_max_inputs',
  'dimensions', 'pending_ms', 'initializing_ms', 'updating_ms', 'cold_start_ms', 'health_status',
  'fail_deploy', 'fail_update',
]);

const STATES = ['pending', 'initializing', 'updating', 'updateFailed', 'running', 'paused', 'failed', 'scaledToZero'];

// status.message per state (doc/protocol.md §3.2/§3.4; texts it does not source are guesses).
const MESSAGES = {
  pending: 'Endpoint waiting to be scheduled',
  initializing: 'Endpoint is initializing',
  updating: 'Endpoint waiting for the update',
  updateFailed: 'Endpoint failed to update',
  running: 'Endpoint is ready',
  paused: 'Endpoint is paused',
  failed: 'Endpoint failed to deploy',
  scaledToZero: 'Endpoint is scaled to zero',
};

function makePrincipals(mainToken) {
  const mk = (name, type, fullname, orgs) => ({ id: hexId('user:' + name), type, name, fullname, orgs });
  const tokens = new Map();
  tokens.set(mainToken, mk('fake-user', 'user', 'Fake User', ['fake-org']));
  tokens.set('hf_other_token', mk('other-user', 'user', 'Other User', []));
  // An organization API token: whoami type "org" (HH _get_namespace refuses it).
  tokens.set('api_org_fake_token', mk('fake-org', 'org', 'Fake Org', []));
  return tokens;
}

class State {
  constructor(opts) {
    this.mainToken = opts.token;
    this.tokens = makePrincipals(opts.token);
    this.port = 0;
    this.reset();
  }

  reset() {
    this.config = { ...DEFAULT_CONFIG };
    this.knobs = new Map();       // "ns/name" -> {knob: value}
    if (this.endpoints) for (const ep of this.endpoints.values()) ep.deleted = true;   // releases held requests
    this.endpoints = new Map();   // "ns/name" -> endpoint record
    this.seq = 0;
    this.recorded = [];
    this.recordSeq = 0;
    this.whoamiCount = 0;
    this.resetStats();
    if (this.onReset) this.onReset();
  }

  // In-flight counters survive a reset (those requests are still open);
  // totals and maxima start again from zero.
  resetStats() {
    if (!this.stats) this.stats = { inFlight: 0, byEndpoint: new Map() };
    Object.assign(this.stats, { requests: 0, maxInFlight: 0, maxByEndpoint: new Map(), connections: 0, epoch: (this.stats.epoch || 0) + 1 });
  }

  // -------------------------------------------------------------- users
  principal(token) {
    return token ? this.tokens.get(token) || null : null;
  }

  canAccess(principal, ns) {
    return !!principal && (principal.name === ns || principal.orgs.includes(ns));
  }

  // Owner shown in createdBy/updatedBy when an endpoint is seeded without a token.
  ownerOf(ns) {
    for (const p of this.tokens.values()) if (p.type === 'user' && (p.name === ns || p.orgs.includes(ns))) return p;
    return { id: hexId('user:' + ns), name: ns };
  }

  // -------------------------------------------------------------- knobs
  knob(key, name) {
    const k = this.knobs.get(key);
    if (k && k[name] !== undefined && k[name] !== null) return k[name];
    return this.config[name];
  }

  setKnobs(key, obj) {
    const cur = this.knobs.get(key) || {};
    for (const [k, v] of Object.entries(obj)) {
      if (v === null) delete cur[k]; else cur[k] = v;
    }
    this.knobs.set(key, cur);
  }

  // ---------------------------------------------------------- endpoints
  baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  endpointUrl(ep) {
    return `${this.baseUrl()}/endpoints/${ep.namespace}/${ep.name}`;
  }

  get(ns, name, now) {
    const ep = this.endpoints.get(ns + '/' + name);
    if (ep) this.advance(ep, now === undefined ? Date.now() : now);
    return ep || null;
  }

  list(ns, now) {
    const out = [];
    for (const ep of this.endpoints.values()) {
      if (ep.namespace === ns) { this.advance(ep, now); out.push(ep); }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  insert(ep) {
    ep.seq = ++this.seq;
    this.endpoints.set(ep.namespace + '/' + ep.name, ep);
  }

  remove(ep) {
    this.endpoints.delete(ep.namespace + '/' + ep.name);
    ep.deleted = true;
  }

  key(ep) {
    return ep.namespace + '/' + ep.name;
  }

  // Put `ep` in `state` now, optionally followed by scheduled transitions.
  setState(ep, state, now, schedule) {
    ep.state = state;
    ep.message = MESSAGES[state] || state;
    ep.stateSince = now;
    ep.schedule = schedule || [];
    ep.wokeFromZero = false;
    if (state === 'running') {
      ep.deployed = true;
      ep.lastActivity = now;
    } else if (state === 'paused' || state === 'failed') {
      ep.deployed = false;
    }
  }

  // create / resume: pending -> initializing -> running|failed (doc/protocol.md §3.4).
  deploy(ep, now) {
    const k = this.key(ep);
    const t1 = now + this.knob(k, 'pending_ms');
    const t2 = t1 + this.knob(k, 'initializing_ms');
    this.setState(ep, 'pending', now, [{ at: t1, state: 'initializing' }, { at: t2, state: 'running', fail: 'fail_deploy' }]);
  }

  // update: updating -> running|updateFailed.
  update(ep, now) {
    const t = now + this.knob(this.key(ep), 'updating_ms');
    this.setState(ep, 'updating', now, [{ at: t, state: 'running', fail: 'fail_update' }]);
  }

  // Data-plane traffic to a scaledToZero endpoint: initializing -> running, URL kept.
  wake(ep, now) {
    const t = now + this.knob(this.key(ep), 'cold_start_ms');
    this.setState(ep, 'initializing', now, [{ at: t, state: 'running' }]);
    ep.wokeFromZero = true;
  }

  advance(ep, now) {
    while (ep.schedule.length && ep.schedule[0].at <= now) {
      const step = ep.schedule.shift();
      let st = step.state;
      if (step.fail && this.knob(this.key(ep), step.fail)) st = step.fail === 'fail_deploy' ? 'failed' : 'updateFailed';
      const rest = st === step.state ? ep.schedule : [];
      this.setState(ep, st, step.at, rest);
    }
    // Automatic scale-to-zero after scaleToZeroTimeout idle minutes (minReplica 0).
    const sc = ep.compute.scaling;
    if (ep.state === 'running' && sc.minReplica === 0 && typeof sc.scaleToZeroTimeout === 'number' && sc.scaleToZeroTimeout > 0) {
      const idleAt = ep.lastActivity + sc.scaleToZeroTimeout * this.config.minute_ms;
      if (now >= idleAt) this.setState(ep, 'scaledToZero', idleAt);
    }
  }

  // Time at which the pending schedule reaches `running`, or null.
  runningAt(ep) {
    for (const s of ep.schedule) if (s.state === 'running') return s.at;
    return null;
  }

  nextTransitionAt(ep) {
    return ep.schedule.length ? ep.schedule[0].at : null;
  }

  // ------------------------------------------------------ serialization
  // Full endpoint object, doc/protocol.md §3.2 (key order follows the real examples).
  serialize(ep) {
    const sc = ep.compute.scaling;
    const scaling = { minReplica: sc.minReplica, maxReplica: sc.maxReplica };
    if (sc.scaleToZeroTimeout !== undefined) scaling.scaleToZeroTimeout = sc.scaleToZeroTimeout;
    if (sc.metric !== undefined) scaling.metric = sc.metric;
    if (sc.measure !== undefined) scaling.measure = sc.measure;
    const compute = { accelerator: ep.compute.accelerator, instanceType: ep.compute.instanceType, instanceSize: ep.compute.instanceSize };
    if (ep.compute.id) compute.id = ep.compute.id;
    compute.scaling = scaling;
    const m = ep.model;
    const model = {
      repository: m.repository,
      revision: m.revision,
      task: m.task,
      framework: m.framework,
      image: redactImage(m.image),
      env: m.env || {},
      secrets: m.secrets || {},   // echoed as the real service does (doc/protocol.md §3.2, §7.19)
    };
    if (m.command !== undefined) model.command = m.command;
    if (m.args !== undefined) model.args = m.args;
    const o = {
      name: ep.name,
      type: ep.type,
      accountId: ep.accountId,
      provider: { vendor: ep.provider.vendor, region: ep.provider.region },
      healthRoute: healthRoute(ep),
      compute,
      model,
    };
    if (ep.route !== undefined) o.route = ep.route;
    if (ep.tags !== undefined) o.tags = ep.tags;
    if (ep.cacheHttpResponses !== undefined) o.cacheHttpResponses = ep.cacheHttpResponses;
    const target = Math.max(sc.minReplica, 1);
    let ready = 0;
    let tgt = target;
    switch (ep.state) {
      case 'running': case 'updating': case 'updateFailed': ready = target; break;
      case 'failed': tgt = 1; break;
      case 'paused': case 'scaledToZero': tgt = 0; break;
      default: break;
    }
    const digits = this.config.timestamp_digits;
    const status = {
      createdAt: isoTime(ep.createdAt, digits),
      createdBy: ep.createdBy,
      updatedAt: isoTime(ep.updatedAt, digits),
      updatedBy: ep.updatedBy,
      private: null,
      state: ep.state,
      message: ep.message,
    };
    // status.url: absent until deployed, while (re)deploying and when paused;
    // kept for scaledToZero, its wake-up and updating (doc/protocol.md §3.4).
    if (ep.deployed) status.url = this.endpointUrl(ep);
    status.readyReplica = ready;
    status.targetReplica = tgt;
    o.status = status;
    return o;
  }
}

function imageVariant(image) {
  const k = Object.keys(image)[0];
  return { key: k, body: image[k] || {} };
}

function healthRoute(ep) {
  const { body } = imageVariant(ep.model.image);
  return typeof body.healthRoute === 'string' && body.healthRoute ? body.healthRoute : '/health';
}

// Registry credentials come back redacted (doc/protocol.md §7.19, huggingface_hub commit 7105c3d89).
function redactImage(image) {
  const { key, body } = imageVariant(image);
  if (body && body.credentials) return { [key]: { ...body, credentials: { username: '', password: null } } };
  return image;
}

module.exports = { State, DEFAULT_CONFIG, ENDPOINT_KNOBS, STATES, MESSAGES, imageVariant, healthRoute };
