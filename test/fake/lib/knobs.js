'use strict';
// Unauthenticated test-control routes under /_fake/ (README "Control routes").
// They are never recorded, counted in stats, or subject to faults.  hfctl is
// a thin client of these routes.

const { json, apiError, isPlainObject } = require('./util');
const { canonical } = require('./json');
const { DEFAULT_CONFIG, ENDPOINT_KNOBS, STATES } = require('./state');
const control = require('./control');
const { DISTRIBUTIONS } = require('./latency');

function body(ctx) {
  if (!ctx.bodyText) return { value: {} };
  try { return { value: JSON.parse(ctx.bodyText) }; } catch (e) { return { error: apiError(400, `invalid JSON: ${e.message}`) }; }
}

function typeOk(def, v) {
  if (typeof def === 'boolean') return typeof v === 'boolean';
  if (typeof def === 'number') return typeof v === 'number' && v >= 0;
  return true;
}

// The latency knobs' own rules (same in config and endpoint knobs), or null.
function latencyKnobError(obj) {
  const dist = obj.latency_dist;
  if (dist != null && !DISTRIBUTIONS.includes(dist)) return `latency_dist must be one of ${DISTRIBUTIONS.join(', ')}`;
  for (const k of ['latency_median_ms', 'latency_sigma']) {
    if (obj[k] != null && !(typeof obj[k] === 'number' && obj[k] >= 0)) return `${k} must be a number >= 0`;
  }
  const seed = obj.latency_seed;
  if (seed != null && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) return 'latency_seed must be an integer from 0 to 4294967295';
  return null;
}

function canonicalBody(text) {
  if (!text) return '';
  try { return canonical(text); } catch (e) { return null; }
}

function handle(fake, ctx) {
  const { state, faults } = fake;
  const parts = ctx.path.split('/').filter(Boolean).slice(1);   // after '_fake'
  const m = ctx.method;
  const what = parts[0];

  if (what === 'health') return json(200, { ok: true });

  if (what === 'reset' && m === 'POST') {
    state.reset();
    return json(200, {});
  }

  if (what === 'config') {
    if (m === 'GET') return json(200, state.config);
    const b = body(ctx);
    if (b.error) return b.error;
    if (!isPlainObject(b.value)) return apiError(400, 'config must be a JSON object');
    for (const [k, v] of Object.entries(b.value)) {
      if (!(k in DEFAULT_CONFIG)) return apiError(400, `unknown config key "${k}"; valid keys: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
      if (v !== null && !typeOk(DEFAULT_CONFIG[k], v)) return apiError(400, `config key "${k}" must be a ${typeof DEFAULT_CONFIG[k]}${typeof DEFAULT_CONFIG[k] === 'number' ? ' >= 0' : ''}`);
    }
    if (b.value.timestamp_digits != null && ![0, 3, 6, 9].includes(b.value.timestamp_digits)) return apiError(400, 'timestamp_digits must be 0, 3, 6 or 9');
    const latErr = latencyKnobError(b.value);
    if (latErr) return apiError(400, latErr);
    for (const [k, v] of Object.entries(b.value)) state.config[k] = v === null ? DEFAULT_CONFIG[k] : v;
    if ('latency_seed' in b.value) fake.dataplane.latency.reseed();
    return json(200, state.config);
  }

  if (what === 'endpoint' && parts.length === 3) {
    const [, ns, name] = parts;
    const key = ns + '/' + name;
    if (m === 'GET') {
      const ep = state.get(ns, name);
      return json(200, { knobs: state.knobs.get(key) || {}, state: ep ? ep.state : null });
    }
    const b = body(ctx);
    if (b.error) return b.error;
    if (!isPlainObject(b.value)) return apiError(400, 'endpoint knobs must be a JSON object');
    const { state: forced, ...knobs } = b.value;
    for (const k of Object.keys(knobs)) {
      if (!ENDPOINT_KNOBS.has(k)) return apiError(400, `unknown endpoint knob "${k}"; valid knobs: state, ${[...ENDPOINT_KNOBS].join(', ')}`);
    }
    const latErr = latencyKnobError(knobs);
    if (latErr) return apiError(400, latErr);
    let ep = null;
    if (forced !== undefined) {
      if (!STATES.includes(forced)) return apiError(400, `unknown state "${forced}"; valid states: ${STATES.join(', ')}`);
      ep = state.get(ns, name);
      if (!ep) return apiError(404, `endpoint ${key} does not exist`);
    }
    state.setKnobs(key, knobs);
    if ('latency_seed' in knobs) fake.dataplane.latency.reseed(key);
    if (ep) control.forceState(state, ep, forced, Date.now());
    return json(200, { knobs: state.knobs.get(key) });
  }

  if (what === 'seed' && parts.length === 3 && m === 'POST') {
    const b = body(ctx);
    if (b.error) return b.error;
    if (!isPlainObject(b.value)) return apiError(400, 'seed must be a JSON object');
    const r = control.seed(state, parts[1], parts[2], b.value, Date.now());
    if (r.error) return r.error;
    return json(200, state.serialize(r.ep));
  }

  if (what === 'state' && parts.length === 3) {
    const ep = state.get(parts[1], parts[2]);
    if (!ep) return apiError(404, `endpoint ${parts[1]}/${parts[2]} does not exist`);
    const o = state.serialize(ep);
    return json(200, { state: ep.state, message: ep.message, url: o.status.url !== undefined, readyReplica: o.status.readyReplica, targetReplica: o.status.targetReplica });
  }

  if (what === 'faults') {
    if (m === 'GET') return json(200, faults.describe());
    if (m === 'DELETE') { faults.reset(); return json(200, {}); }
    const b = body(ctx);
    if (b.error) return b.error;
    for (const f of Array.isArray(b.value) ? b.value : [b.value]) {
      const err = faults.add(f);
      if (err) return apiError(400, err);
    }
    return json(200, {});
  }

  if (what === 'requests') {
    if (m === 'DELETE') { state.recorded = []; return json(200, {}); }
    const q = ctx.query;
    let list = state.recorded;
    if (q.get('path')) list = list.filter((r) => r.path.includes(q.get('path')));
    if (q.get('method')) list = list.filter((r) => r.method === q.get('method').toUpperCase());
    const last = Number(q.get('last'));
    if (last > 0) list = list.slice(-last);
    return json(200, list.map((r) => ({
      seq: r.seq,
      method: r.method,
      path: r.path,
      status: r.status,
      headers: r.headers,
      body: r.body,
      body_bytes: r.bodyBytes,
      body_truncated: r.truncated,
      // A binary body is recorded as `<N bytes of TYPE>` (server.js record), printed as is.
      body_canonical: r.binary ? r.body : canonicalBody(r.body),
    })));
  }

  if (what === 'stats') {
    if (parts[1] === 'reset' && m === 'POST') {
      state.resetStats();
      fake.dataplane.latency.clear();
      fake.dataplane.latency.reseed();
      return json(200, {});
    }
    const s = state.stats;
    return json(200, {
      requests: s.requests,
      max_in_flight: s.maxInFlight,
      max_in_flight_by_endpoint: Object.fromEntries([...s.maxByEndpoint.entries()].sort()),
      connections: s.connections,
    });
  }

  if (what === 'latencies' && m === 'GET') {
    const lat = fake.dataplane.latency;
    return json(200, { latencies: lat.list(ctx.query.get('endpoint')), dropped: lat.dropped });
  }

  return apiError(404, `unknown control route ${ctx.path}`);
}

module.exports = { handle };
