#!/usr/bin/env node
'use strict';
// Self-test of the fake service: starts hf_fake on an ephemeral port and
// exercises every route, state transition, auth failure, knob and fault.
// Node built-ins only.  Usage: node test/fake/selftest.js   (exit 0 = pass)

const http = require('http');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const assert = require('assert/strict');

const HERE = __dirname;
const TOKEN = 'hf_fake_token';
const OTHER = 'hf_other_token';
let BASE = '';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// ------------------------------------------------------------ helpers
function req(method, p, opts = {}) {
  return new Promise((resolve) => {
    const headers = { ...(opts.headers || {}) };
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token || TOKEN}`;
    let data;
    if (opts.body !== undefined) {
      data = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      if (!('content-type' in headers) && opts.contentType !== null) headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(data);
    } else if (method === 'POST' || method === 'PUT') {
      headers['content-length'] = 0;
    }
    const t0 = Date.now();
    let got = null;
    const chunks = [];
    const r = http.request(BASE + p, { method, headers, agent: opts.agent === undefined ? agent : opts.agent }, (res) => {
      got = res;
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch (e) { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, buf, text, json, ms: Date.now() - t0, complete: res.complete });
      });
      res.on('error', (e) => resolve({ status: res.statusCode, error: e.code || e.message, buf: Buffer.concat(chunks), ms: Date.now() - t0 }));
      res.on('aborted', () => resolve({ status: res.statusCode, error: 'aborted', buf: Buffer.concat(chunks), ms: Date.now() - t0 }));
    });
    r.on('error', (e) => resolve({ status: got ? got.statusCode : undefined, error: e.code || e.message, buf: Buffer.concat(chunks), ms: Date.now() - t0 }));
    if (opts.timeout) r.setTimeout(opts.timeout, () => { r.destroy(new Error('client-timeout')); });
    r.end(data);
  });
}
const fake = (method, p, body) => req(method, '/_fake/' + p, { body, token: null });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ctl = (...args) => execFileSync(path.join(HERE, 'hfctl'), args, { env: { ...process.env, HF_FAKE_URL: BASE }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
function ctlFails(...args) {
  try { ctl(...args); } catch (e) { return e.stderr.toString(); }
  throw new Error(`hfctl ${args.join(' ')} should have failed`);
}

function createBody(name, extra = {}) {
  const b = {
    accountId: null,
    compute: { accelerator: 'cpu', instanceSize: 'x2', instanceType: 'intel-icl', scaling: { maxReplica: 1, minReplica: 1, scaleToZeroTimeout: null } },
    model: { framework: 'pytorch', repository: 'gpt2', revision: null, image: { huggingface: {} }, task: 'text-generation' },
    name,
    provider: { region: 'us-east-1', vendor: 'aws' },
    type: 'authenticated',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && b[k] && typeof b[k] === 'object') b[k] = { ...b[k], ...v };
    else b[k] = v;
  }
  return b;
}
const EP = (ns, name) => `/v2/endpoint/${ns}/${name}`;
const DP = (ns, name, route = '/') => `/endpoints/${ns}/${name}${route}`;

async function waitState(ns, name, state, limit = 3000) {
  const t0 = Date.now();
  for (;;) {
    const r = await req('GET', EP(ns, name));
    if (r.json && r.json.status && r.json.status.state === state) return r.json;
    if (Date.now() - t0 > limit) throw new Error(`${ns}/${name} not ${state} after ${limit} ms (is ${r.json && r.json.status && r.json.status.state})`);
    await sleep(10);
  }
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// ------------------------------------------------------------ whoami / auth
test('whoami-v2 full shape with orgs', async () => {
  const r = await req('GET', '/api/whoami-v2');
  assert.equal(r.status, 200);
  const w = r.json;
  for (const k of ['id', 'type', 'name', 'fullname', 'email', 'emailVerified', 'isPro', 'canPay', 'avatarUrl', 'periodEnd', 'orgs', 'auth']) assert.ok(k in w, k);
  assert.equal(w.name, 'fake-user');
  assert.equal(w.type, 'user');
  assert.deepEqual(w.orgs.map((o) => o.name), ['fake-org']);
  assert.equal(w.orgs[0].type, 'org');
  const o = await req('GET', '/api/whoami-v2', { token: OTHER });
  assert.equal(o.json.name, 'other-user');
  assert.deepEqual(o.json.orgs, []);
  const org = await req('GET', '/api/whoami-v2', { token: 'api_org_fake_token' });
  assert.equal(org.json.type, 'org');
});

test('401 without or with an invalid token', async () => {
  for (const token of [null, 'hf_nope']) {
    const w = await req('GET', '/api/whoami-v2', { token });
    assert.equal(w.status, 401);
    assert.ok(w.json.error);
    const l = await req('GET', '/v2/endpoint/fake-user', { token });
    assert.equal(l.status, 401);
    assert.equal(l.json.error, 'A valid user or organization token, sent as a Bearer, is required');
  }
  const bad = await req('GET', '/v2/endpoint/fake-user', { headers: { authorization: 'Basic abc' }, token: null });
  assert.equal(bad.status, 401);
});

test('401 on a namespace that is neither the user nor an org', async () => {
  assert.equal((await req('GET', '/v2/endpoint/other-user')).status, 401);
  assert.equal((await req('GET', '/v2/endpoint/fake-user', { token: OTHER })).status, 401);
  assert.equal((await req('POST', '/v2/endpoint/fake-org', { token: OTHER, body: createBody('x') })).status, 401);
  assert.equal((await req('GET', '/v2/endpoint/fake-org')).status, 200);
});

test('whoami_limit -> 429 with Retry-After and ratelimit headers', async () => {
  await fake('POST', 'config', { whoami_limit: 2, whoami_retry_after: 7 });
  assert.equal((await req('GET', '/api/whoami-v2')).status, 200);
  assert.equal((await req('GET', '/api/whoami-v2')).status, 200);
  const r = await req('GET', '/api/whoami-v2');
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '7');
  assert.equal(r.headers.ratelimit, '"api";r=0;t=7');
  assert.match(r.headers['ratelimit-policy'], /"fixed window";"api";q=2;w=300/);
});

// ------------------------------------------------------------ control plane
test('create -> 202 pending without url, full object shape', async () => {
  const r = await req('POST', '/v2/endpoint/fake-user', {
    body: createBody('ep1', { model: { env: { A: '1' }, secrets: { TOKEN: 's3cret' }, command: ['python'], args: ['-m', 'x'] }, tags: ['dev'], cacheHttpResponses: false, route: { path: '/p' } }),
  });
  assert.equal(r.status, 202);
  const e = r.json;
  assert.deepEqual(Object.keys(e), ['name', 'type', 'accountId', 'provider', 'healthRoute', 'compute', 'model', 'route', 'tags', 'cacheHttpResponses', 'status']);
  assert.equal(e.name, 'ep1');
  assert.equal(e.type, 'authenticated');
  assert.equal(e.accountId, null);
  assert.equal(e.healthRoute, '/health');
  assert.deepEqual(e.compute.scaling, { minReplica: 1, maxReplica: 1, scaleToZeroTimeout: null });
  assert.equal(e.compute.id, 'aws-us-east-1-intel-icl-x2');
  assert.deepEqual(e.model.secrets, { TOKEN: 's3cret' });
  assert.deepEqual(e.model.command, ['python']);
  assert.deepEqual(e.model.args, ['-m', 'x']);
  assert.equal(e.model.revision, null);
  assert.deepEqual(e.route, { path: '/p' });
  const s = e.status;
  assert.equal(s.state, 'pending');
  assert.equal(s.message, 'Endpoint waiting to be scheduled');
  assert.ok(!('url' in s));
  assert.equal(s.readyReplica, 0);
  assert.equal(s.targetReplica, 1);
  assert.equal(s.private, null);
  assert.match(s.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  await fake('POST', 'config', { timestamp_digits: 9 });
  assert.match((await req('GET', EP('fake-user', 'ep1'))).json.status.updatedAt, /:\d\d\.\d{3}078506Z$/);
  await fake('POST', 'config', { timestamp_digits: 0 });
  assert.match((await req('GET', EP('fake-user', 'ep1'))).json.status.updatedAt, /:\d\dZ$/);
  assert.equal((await fake('POST', 'config', { timestamp_digits: 4 })).status, 400);
  assert.deepEqual(s.createdBy, s.updatedBy);
  assert.equal(s.createdBy.name, 'fake-user');
});

test('state machine: pending -> initializing -> running, url set', async () => {
  await fake('POST', 'config', { pending_ms: 100, initializing_ms: 100 });
  await req('POST', '/v2/endpoint/fake-user', { body: createBody('sm') });
  const a = await req('GET', EP('fake-user', 'sm'));
  assert.equal(a.json.status.state, 'pending');
  await sleep(120);
  const b = await req('GET', EP('fake-user', 'sm'));
  assert.equal(b.json.status.state, 'initializing');
  assert.ok(!('url' in b.json.status));
  await sleep(100);
  const c = await req('GET', EP('fake-user', 'sm'));
  assert.equal(c.json.status.state, 'running');
  assert.equal(c.json.status.message, 'Endpoint is ready');
  assert.equal(c.json.status.url, `${BASE}/endpoints/fake-user/sm`);
  assert.equal(c.json.status.readyReplica, 1);
});

test('create validation: task null, missing fields, bad names, replicas, image, compute', async () => {
  const cases = [
    [createBody('t1', { model: { task: null } }), 400, 'Failed to parse the request body as JSON: model.task: expected value'],
    [(() => { const b = createBody('t2'); delete b.model.repository; return b; })(), 400, 'Failed to parse the request body as JSON: model: missing field `repository`'],
    [(() => { const b = createBody('t3'); delete b.name; return b; })(), 400, 'Failed to parse the request body as JSON: missing field `name`'],
    [createBody('Bad_Name'), 400, /VALIDATION_FAILED: name/],
    [createBody('a'.repeat(33)), 400, /VALIDATION_FAILED: name/],
    [createBody('t4', { compute: { scaling: { minReplica: 2, maxReplica: 1 } } }), 400, /minReplica must be lower than or equal to maxReplica/],
    [createBody('t5', { compute: { scaling: { minReplica: -1, maxReplica: 1 } } }), 400, /compute.scaling.minReplica: invalid value: integer `-1`, expected u32/],
    [createBody('t6', { model: { image: { vLLM: { tensorParallelSize: 8 } } } }), 400, 'VALIDATION_FAILED: model.image.vLLM: missing field `url`'],
    [createBody('t7', { model: { image: { bogus: {} } } }), 400, /unknown variant `bogus`/],
    [createBody('t8', { compute: { instanceType: 'c6i', instanceSize: 'medium' } }), 400, "400: Instance compute 'Cpu' - 'c6i' - 'medium' in 'aws' - 'us-east-1' not found"],
    [createBody('t9', { type: 'secret' }), 400, /unknown variant `secret`/],
    [createBody('t10', { name: 5 }), 400, /name: invalid type: integer `5`, expected a string/],
    ['{"name":', 400, /EOF while parsing/],
  ];
  for (const [body, status, msg] of cases) {
    const r = await req('POST', '/v2/endpoint/fake-user', { body });
    assert.equal(r.status, status, JSON.stringify(body));
    if (msg instanceof RegExp) assert.match(r.json.error, msg); else assert.equal(r.json.error, msg);
  }
});

test('create: custom image wrapping, healthRoute, credentials redacted, scaling metric', async () => {
  const r = await req('POST', '/v2/endpoint/fake-user', {
    body: createBody('img', {
      model: { image: { custom: { url: 'ghcr.io/x/y:1', healthRoute: '/ping2', health_route: '/ignored', credentials: { username: 'u', password: 'p' } } } },
      compute: { scaling: { minReplica: 0, maxReplica: 2, scaleToZeroTimeout: 15, measure: { pendingRequests: 1.5 } } },
    }),
  });
  assert.equal(r.status, 202);
  assert.equal(r.json.healthRoute, '/ping2');
  assert.deepEqual(r.json.model.image, { custom: { url: 'ghcr.io/x/y:1', healthRoute: '/ping2', credentials: { username: '', password: null }, port: 80 } });
  assert.deepEqual(r.json.compute.scaling, { minReplica: 0, maxReplica: 2, scaleToZeroTimeout: 15, metric: 'pendingRequests', measure: { pendingRequests: 1.5 } });
});

test('409 on duplicate name, 404 on unknown endpoint', async () => {
  await req('POST', '/v2/endpoint/fake-user', { body: createBody('dup') });
  const r = await req('POST', '/v2/endpoint/fake-user', { body: createBody('dup') });
  assert.equal(r.status, 409);
  assert.ok(r.json.error);
  for (const [m, p] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['POST', '/pause'], ['POST', '/resume'], ['POST', '/scale-to-zero']]) {
    const x = await req(m, EP('fake-user', 'nope') + p, m === 'PUT' ? { body: {} } : {});
    assert.equal(x.status, 404, m + p);
    assert.equal(x.json.error, 'Endpoint not found');
  }
});

test('list (R1) items in creation order; org namespace', async () => {
  await req('POST', '/v2/endpoint/fake-user', { body: createBody('la') });
  await req('POST', '/v2/endpoint/fake-user', { body: createBody('lb') });
  await req('POST', '/v2/endpoint/fake-org', { body: createBody('lo') });
  const r = await req('GET', '/v2/endpoint/fake-user');
  assert.deepEqual(r.json.items.map((e) => e.name), ['la', 'lb']);
  const o = await req('GET', '/v2/endpoint/fake-org');
  assert.deepEqual(o.json.items.map((e) => e.name), ['lo']);
  assert.deepEqual((await req('GET', '/v2/endpoint/other-user', { token: OTHER })).json, { items: [] });
});

test('update: sparse merge, null unchanged, replace lists, updating -> running', async () => {
  await fake('POST', 'config', { updating_ms: 80 });
  ctl('seed', 'fake-user/up', JSON.stringify({ env: { A: '1' }, secrets: { S: 'x' }, tags: ['a'] }));
  const r = await req('PUT', EP('fake-user', 'up'), {
    body: { compute: { accelerator: null, scaling: { maxReplica: 3 } }, model: { env: { B: '2' }, args: [], task: null, image: { tgi: { url: 'ghcr.io/tgi:3' } } }, tags: ['b', 'c'], cacheHttpResponses: true },
  });
  assert.equal(r.status, 200);
  const e = r.json;
  assert.equal(e.status.state, 'updating');
  assert.equal(e.status.message, 'Endpoint waiting for the update');
  assert.ok(e.status.url, 'url kept while updating');
  assert.equal(e.compute.accelerator, 'cpu');
  assert.equal(e.compute.scaling.maxReplica, 3);
  assert.equal(e.compute.scaling.minReplica, 1);
  assert.deepEqual(e.model.env, { B: '2' });
  assert.deepEqual(e.model.secrets, { S: 'x' });
  assert.deepEqual(e.model.args, []);
  assert.equal(e.model.task, 'text-generation');
  assert.deepEqual(e.model.image, { tgi: { url: 'ghcr.io/tgi:3', port: 80 } });
  assert.deepEqual(e.tags, ['b', 'c']);
  assert.equal(e.cacheHttpResponses, true);
  await waitState('fake-user', 'up', 'running');
  const bad = await req('PUT', EP('fake-user', 'up'), { body: { compute: { scaling: { minReplica: 5 } } } });
  assert.equal(bad.status, 400);
  const img = await req('PUT', EP('fake-user', 'up'), { body: { model: { image: { vLLM: { tensorParallelSize: 8 } } } } });
  assert.equal(img.status, 400);
  assert.equal(img.json.error, 'VALIDATION_FAILED: model.image.vLLM: missing field `url`');
});

test('update with fail_update -> updateFailed; deploy with fail_deploy -> failed', async () => {
  await fake('POST', 'config', { pending_ms: 0, initializing_ms: 20, updating_ms: 20 });
  ctl('seed', 'fake-user/fu');
  ctl('endpoint', 'fake-user/fu', '{"fail_update":true}');
  await req('PUT', EP('fake-user', 'fu'), { body: { model: { revision: 'abc' } } });
  const e = await waitState('fake-user', 'fu', 'updateFailed');
  assert.equal(e.status.message, 'Endpoint failed to update');
  ctl('endpoint', 'fake-user/fd', '{"fail_deploy":true}');   // knob before the endpoint exists
  await req('POST', '/v2/endpoint/fake-user', { body: createBody('fd') });
  const f = await waitState('fake-user', 'fd', 'failed');
  assert.equal(f.status.message, 'Endpoint failed to deploy');
  assert.ok(!('url' in f.status));
  assert.equal(f.status.targetReplica, 1);
});

test('pause / resume / already running / scale-to-zero (empty bodies)', async () => {
  await fake('POST', 'config', { pending_ms: 30, initializing_ms: 30 });
  ctl('seed', 'fake-user/pr');
  const res1 = await req('POST', EP('fake-user', 'pr') + '/resume');
  assert.equal(res1.status, 400);
  assert.match(res1.json.error, /already running/);
  const p = await req('POST', EP('fake-user', 'pr') + '/pause');
  assert.equal(p.status, 200);
  assert.equal(p.json.status.state, 'paused');
  assert.ok(!('url' in p.json.status));
  assert.equal(p.json.status.targetReplica, 0);
  const r = await req('POST', EP('fake-user', 'pr') + '/resume');
  assert.equal(r.json.status.state, 'pending');
  assert.ok(!('url' in r.json.status));
  await waitState('fake-user', 'pr', 'running');
  const z = await req('POST', EP('fake-user', 'pr') + '/scale-to-zero');
  assert.equal(z.status, 200);
  assert.equal(z.json.status.state, 'scaledToZero');
  assert.ok(z.json.status.url, 'url kept when scaled to zero');
  const r2 = await req('POST', EP('fake-user', 'pr') + '/resume');
  assert.equal(r2.json.status.state, 'pending');
  await waitState('fake-user', 'pr', 'running');
  // resume from failed
  ctl('endpoint', 'fake-user/pr', '{"state":"failed"}');
  assert.equal((await req('POST', EP('fake-user', 'pr') + '/resume')).json.status.state, 'pending');
});

test('delete -> 200 {} then 404 on control and data plane', async () => {
  ctl('seed', 'fake-user/del');
  const d = await req('DELETE', EP('fake-user', 'del'));
  assert.equal(d.status, 200);
  assert.deepEqual(d.json, {});
  assert.equal((await req('GET', EP('fake-user', 'del'))).status, 404);
  assert.equal((await req('POST', DP('fake-user', 'del'), { body: { inputs: 'x' } })).status, 404);
});

test('hardware R9 / R13, logs, metrics, open-metrics', async () => {
  const r = await req('GET', '/v2/provider/fake-user');
  assert.equal(r.status, 200);
  const computes = r.json.vendors.flatMap((v) => v.regions.flatMap((g) => g.computes));
  const ids = computes.map((c) => c.id);
  for (const id of ['aws-us-east-1-intel-icl-x1', 'aws-us-east-1-intel-icl-x2', 'aws-us-east-1-intel-icl-x4', 'aws-us-east-1-nvidia-l4-x1', 'aws-us-east-1-nvidia-a10g-x1']) assert.ok(ids.includes(id), id);
  const x4 = computes.find((c) => c.id === 'aws-us-east-1-intel-icl-x4');
  assert.ok(!('numCpus' in x4));
  assert.equal(x4.gpuMemoryGb, null);
  assert.equal(computes.find((c) => c.id === 'aws-us-east-1-nvidia-l4-x1').gpuMemoryGb, 24);
  assert.equal((await req('GET', '/v2/provider', { token: null })).status, 200);
  assert.equal((await req('GET', '/v2/provider/fake-user', { token: null })).status, 401);
  ctl('seed', 'fake-user/lg');
  const l = await req('GET', EP('fake-user', 'lg') + '/logs?tail=10');
  assert.equal(l.status, 200);
  assert.match(l.headers['content-type'], /text\/plain/);
  assert.equal((await req('POST', EP('fake-user', 'lg') + '/metrics/latency')).status, 200);
  const om = await req('GET', EP('fake-user', 'lg') + '/open-metrics');
  assert.match(om.text, /# EOF\n$/);
});

test('catalog C1/C2', async () => {
  const l = await req('GET', '/api/catalog/repo-list');
  assert.ok(l.json.models.includes('meta-llama/Llama-3.2-3B-Instruct'));
  const d = await req('POST', '/api/catalog/deploy', { body: { namespace: 'fake-user', repoId: 'BAAI/bge-small-en-v1.5', endpointName: 'cat' } });
  assert.equal(d.status, 200);
  assert.equal(d.json.endpoint.name, 'cat');
  assert.equal(d.json.endpoint.model.task, 'feature-extraction');
  assert.equal((await req('POST', '/api/catalog/deploy', { token: null, body: { namespace: 'fake-user', repoId: 'gpt2' } })).status, 401);
});

// ------------------------------------------------------------ data plane: TGI
test('TGI / returns an array, /generate a bare object, headers, determinism', async () => {
  ctl('seed', 'fake-user/tg');
  const body = { inputs: 'I am', parameters: { max_new_tokens: 5, return_full_text: false } };
  const a = await req('POST', DP('fake-user', 'tg'), { body });
  assert.equal(a.status, 200);
  assert.ok(Array.isArray(a.json));
  const t = a.json[0].generated_text;
  assert.equal(t.trim().split(' ').length, 5);
  assert.equal(a.headers['x-generated-tokens'], '5');
  assert.equal(a.headers['x-prompt-tokens'], '2');
  const b = await req('POST', DP('fake-user', 'tg', '/generate'), { body });
  assert.ok(!Array.isArray(b.json));
  assert.equal(b.json.generated_text, t, 'same prompt/params -> same text');
  const s1 = await req('POST', DP('fake-user', 'tg', '/generate'), { body: { inputs: 'I am', parameters: { seed: 1, do_sample: true } } });
  const s2 = await req('POST', DP('fake-user', 'tg', '/generate'), { body: { inputs: 'I am', parameters: { seed: 2, do_sample: true } } });
  const s1b = await req('POST', DP('fake-user', 'tg', '/generate'), { body: { inputs: 'I am', parameters: { seed: 1, do_sample: true } } });
  assert.notEqual(s1.json.generated_text, s2.json.generated_text);
  assert.equal(s1.json.generated_text, s1b.json.generated_text);
  assert.equal(s1.json.generated_text.trim().split(' ').length, 20, 'default 20 tokens');
  const capped = await req('POST', DP('fake-user', 'tg', '/generate'), { body: { inputs: 'x', parameters: { max_new_tokens: 500 } } });
  assert.equal(capped.json.generated_text.trim().split(' ').length, 100);
  const longer = await req('POST', DP('fake-user', 'tg', '/generate'), { body: { inputs: 'I am', parameters: { max_new_tokens: 8 } } });
  assert.ok(longer.json.generated_text.startsWith(t), 'shorter output is a prefix of a longer one');
  // unknown keys are ignored, even those named like Object's own properties
  const odd = await req('POST', DP('fake-user', 'tg', '/generate'), { body: { inputs: 'I am', parameters: { max_new_tokens: 5, constructor: 1, toString: 'x' } } });
  assert.equal(odd.status, 200);
  assert.equal(odd.json.generated_text.trim().split(' ').length, 5);
});

test('TGI return_full_text, stop, echo:, nul:, fail:, details with u64 seed', async () => {
  ctl('seed', 'fake-user/tg2');
  const full = await req('POST', DP('fake-user', 'tg2'), { body: { inputs: 'Hello', parameters: { max_new_tokens: 2, return_full_text: true } } });
  assert.match(full.json[0].generated_text, /^Hello \w+ \w+$/);
  const dflt = await req('POST', DP('fake-user', 'tg2'), { body: { inputs: 'Hello', parameters: { max_new_tokens: 2 } } });
  assert.match(dflt.json[0].generated_text, /^Hello /, '/ defaults return_full_text to true for text-generation');
  const gen = await req('POST', DP('fake-user', 'tg2', '/generate'), { body: { inputs: 'Hello', parameters: { max_new_tokens: 2 } } });
  assert.doesNotMatch(gen.json.generated_text, /^Hello/, '/generate defaults to false');
  const echo = await req('POST', DP('fake-user', 'tg2', '/generate'), { body: { inputs: 'echo:héllo wörld ✓ 日本', parameters: {} } });
  assert.equal(echo.json.generated_text, 'héllo wörld ✓ 日本');
  const stop = await req('POST', DP('fake-user', 'tg2', '/generate'), { body: { inputs: 'echo:one two three', parameters: { stop: ['two'], details: true } } });
  assert.equal(stop.json.generated_text, 'one two');
  assert.equal(stop.json.details.finish_reason, 'stop_sequence');
  const nul = await req('POST', DP('fake-user', 'tg2', '/generate'), { body: { inputs: 'nul:x', parameters: {} } });
  assert.ok(nul.json.generated_text.includes('\u0000'));
  const fail = await req('POST', DP('fake-user', 'tg2', '/generate'), { body: { inputs: 'fail:x', parameters: {} } });
  assert.equal(fail.status, 424);
  assert.equal(fail.json.error_type, 'generation');
  const det = await req('POST', DP('fake-user', 'tg2'), { body: { inputs: 'I am', parameters: { max_new_tokens: 3, details: true, decoder_input_details: true, do_sample: true, seed: '__RAW__' } } });
  assert.equal(det.status, 422, 'string seed rejected');
  const raw = '{"inputs":"I am","parameters":{"max_new_tokens":3,"details":true,"do_sample":true,"seed":18446744073709551615}}';
  const d = await req('POST', DP('fake-user', 'tg2'), { body: raw });
  assert.match(d.text, /"seed":18446744073709551615/);
  const dd = d.json[0].details;
  assert.equal(dd.finish_reason, 'length');
  assert.equal(dd.generated_tokens, 3);
  assert.deepEqual(Object.keys(dd.tokens[0]), ['id', 'text', 'logprob', 'special']);
});

test('TGI validation errors (422 validation, axum rejections, 413)', async () => {
  ctl('seed', 'fake-user/tv');
  const v = async (parameters, msg, inputs = 'x') => {
    const r = await req('POST', DP('fake-user', 'tv'), { body: { inputs, parameters } });
    assert.equal(r.status, 422, JSON.stringify(parameters));
    assert.equal(r.json.error_type, 'validation');
    assert.equal(r.json.error, `Input validation error: ${msg}`);
  };
  await v({ temperature: 0 }, '`temperature` must be strictly positive');
  await v({ top_p: 1.0 }, '`top_p` must be > 0.0 and < 1.0');
  await v({ top_k: 0 }, '`top_k` must be strictly positive');
  await v({ max_new_tokens: 0 }, '`max_new_tokens` must be strictly positive');
  await v({ stop: ['a', 'b', 'c', 'd', 'e'] }, '`stop` supports up to 4 stop sequences. Given: 5');
  await v({}, '`inputs` cannot be empty', '');
  await v({ max_new_tokens: 10000 }, '`inputs` tokens + `max_new_tokens` must be <= 4096. Given: 1 `inputs` tokens and 10000 `max_new_tokens`');
  const bad = await req('POST', DP('fake-user', 'tv'), { body: '{"inputs": 5}' });
  assert.equal(bad.status, 422);
  assert.equal(bad.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(bad.text, 'Failed to deserialize the JSON body into the target type: inputs: invalid type: integer `5`, expected a string at line 1 column 12');
  const miss = await req('POST', DP('fake-user', 'tv'), { body: '{"parameters":{}}' });
  assert.equal(miss.status, 422);
  assert.match(miss.text, /^Failed to deserialize the JSON body into the target type: missing field `inputs` at line 1 column 17$/);
  const syn = await req('POST', DP('fake-user', 'tv'), { body: '{"inputs": "x",' });
  assert.equal(syn.status, 400);
  assert.match(syn.text, /^Failed to parse the request body as JSON: /);
  const ct = await req('POST', DP('fake-user', 'tv'), { body: '{"inputs":"x"}', headers: { 'content-type': 'text/plain' } });
  assert.equal(ct.status, 415);
  const chat = await req('POST', DP('fake-user', 'tv', '/v1/chat/completions'), { body: '{"messages":"hello"}' });
  assert.equal(chat.status, 422);
  assert.match(chat.text, /messages: invalid type: string "hello", expected a sequence at line 1 column 19/);
  ctl('endpoint', 'fake-user/tv', '{"payload_limit":1000}');
  const big = await req('POST', DP('fake-user', 'tv'), { body: { inputs: 'x'.repeat(2000) } });
  assert.equal(big.status, 413);
  const ok = await req('POST', DP('fake-user', 'tv'), { body: { inputs: 'x' } });
  assert.equal(ok.status, 200, 'keep-alive connection still usable after 413');
});

test('TGI chat completions, completions, stream, health, info', async () => {
  ctl('seed', 'fake-user/ch', '{"repository":"meta-llama/Llama-3.2-3B-Instruct"}');
  const r = await req('POST', DP('fake-user', 'ch', '/v1/chat/completions'), { body: { model: 'tgi', messages: [{ role: 'system', content: 'be nice' }, { role: 'user', content: 'echo:héllo ✓' }], stream: false } });
  assert.equal(r.status, 200);
  const c = r.json;
  assert.deepEqual(Object.keys(c), ['object', 'id', 'created', 'model', 'system_fingerprint', 'choices', 'usage']);
  assert.equal(c.object, 'chat.completion');
  assert.equal(c.id, '');
  assert.equal(c.model, 'meta-llama/Llama-3.2-3B-Instruct');
  assert.deepEqual(c.choices[0].message, { role: 'assistant', content: 'héllo ✓' });
  assert.equal(c.choices[0].finish_reason, 'stop');
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  const m = await req('POST', DP('fake-user', 'ch', '/v1/chat/completions'), { body: { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 3, seed: 4 } });
  assert.equal(m.json.choices[0].message.content.split(' ').length, 3);
  assert.equal(m.json.choices[0].finish_reason, 'length');
  const t0 = await req('POST', DP('fake-user', 'ch', '/v1/chat/completions'), { body: { messages: [{ role: 'user', content: 'hi' }], temperature: 0 } });
  assert.equal(t0.status, 200, 'chat temperature 0 = greedy');
  const tools = await req('POST', DP('fake-user', 'ch', '/v1/chat/completions'), { body: { messages: [{ role: 'user', content: 'weather?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] } });
  assert.equal(tools.json.choices[0].message.tool_calls[0].function.name, 'get_weather');
  const st = await req('POST', DP('fake-user', 'ch', '/v1/chat/completions'), { body: { messages: [{ role: 'user', content: 'echo:a b' }], stream: true } });
  assert.match(st.headers['content-type'], /text\/event-stream/);
  assert.match(st.text, /data: \[DONE\]\n\n$/);
  const gs = await req('POST', DP('fake-user', 'ch', '/generate_stream'), { body: { inputs: 'echo:a b', parameters: { details: true } } });
  const evs = gs.text.split('\n\n').filter(Boolean).map((l) => JSON.parse(l.replace(/^data:/, '')));
  assert.equal(evs[evs.length - 1].generated_text, 'a b');
  assert.ok(!gs.text.includes('[DONE]'));
  const comp = await req('POST', DP('fake-user', 'ch', '/v1/completions'), { body: { prompt: 'echo:zz', max_tokens: 4 } });
  assert.equal(comp.json.choices[0].text, 'zz');
  const h = await req('GET', DP('fake-user', 'ch', '/health'));
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  const info = await req('GET', DP('fake-user', 'ch', '/info'));
  for (const k of ['model_id', 'model_sha', 'model_pipeline_tag', 'max_concurrent_requests', 'max_best_of', 'max_stop_sequences', 'max_input_tokens', 'max_total_tokens', 'validation_workers', 'max_client_batch_size', 'router', 'version', 'sha', 'docker_label']) assert.ok(k in info.json, k);
  assert.equal(info.json.model_id, 'meta-llama/Llama-3.2-3B-Instruct');
  assert.equal((await req('GET', DP('fake-user', 'ch', '/nope'))).status, 404);
  ctl('endpoint', 'fake-user/ch', '{"health_status":503}');
  const h2 = await req('GET', DP('fake-user', 'ch', '/health'));
  assert.equal(h2.status, 503);
  assert.equal(h2.json.error_type, 'healthcheck');
});

// ------------------------------------------------------------ data plane: TEI and others
test('TEI embeddings: shapes, normalize, dimensions, errors', async () => {
  ctl('seed', 'fake-user/em', '{"task":"feature-extraction"}');
  const one = await req('POST', DP('fake-user', 'em'), { body: { inputs: 'hello' } });
  assert.equal(one.status, 200);
  assert.equal(one.json.length, 1);
  assert.equal(one.json[0].length, 8);
  const norm = Math.sqrt(one.json[0].reduce((a, x) => a + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-5, norm);
  const two = await req('POST', DP('fake-user', 'em', '/embed'), { body: { inputs: ['hello', 'world'], normalize: false } });
  assert.equal(two.json.length, 2);
  for (const x of two.json[0]) assert.equal(Math.round(x * 10000) / 10000, x);
  const again = await req('POST', DP('fake-user', 'em', '/embed'), { body: { inputs: ['hello'], normalize: true } });
  assert.deepEqual(again.json, one.json, 'deterministic');
  const d = await req('POST', DP('fake-user', 'em'), { body: { inputs: 'hello', dimensions: 4, normalize: false } });
  assert.equal(d.json[0].length, 4);
  assert.deepEqual(d.json[0], two.json[0].slice(0, 4));
  ctl('endpoint', 'fake-user/em', '{"dimensions":16,"max_batch_size":2}');
  assert.equal((await req('POST', DP('fake-user', 'em'), { body: { inputs: 'x' } })).json[0].length, 16);
  const many = await req('POST', DP('fake-user', 'em'), { body: { inputs: ['a', 'b', 'c'] } });
  assert.equal(many.status, 422);
  assert.deepEqual(many.json, { error: 'batch size 3 > maximum allowed batch size 2', error_type: 'Validation' });
  const none = await req('POST', DP('fake-user', 'em'), { body: { inputs: [] } });
  assert.equal(none.status, 400);
  assert.deepEqual(none.json, { error: '`inputs` cannot be empty', error_type: 'Empty' });
  const empty = await req('POST', DP('fake-user', 'em'), { body: { inputs: '' } });
  assert.equal(empty.status, 400);
  assert.deepEqual(empty.json, { error: 'Input validation error: `inputs` cannot be empty', error_type: 'Empty' });
  const long = await req('POST', DP('fake-user', 'em'), { body: { inputs: 'w '.repeat(600) } });
  assert.equal(long.status, 422);
  assert.deepEqual(long.json, { error: 'Input validation error: `inputs` must have less than 512 tokens. Given: 600', error_type: 'Validation' });
  assert.equal((await req('POST', DP('fake-user', 'em'), { body: { inputs: 'w '.repeat(600), truncate: true } })).status, 200);
  const big = await req('POST', DP('fake-user', 'em'), { body: { inputs: 'x'.repeat(3000000) } });
  assert.equal(big.status, 413);
  assert.equal(big.text, 'Failed to buffer the request body: length limit exceeded');
  const oa = await req('POST', DP('fake-user', 'em', '/v1/embeddings'), { body: { input: 'x', model: 'm' } });
  assert.equal(oa.json.data[0].embedding.length, 16);
  const oaErr = await req('POST', DP('fake-user', 'em', '/v1/embeddings'), { body: { input: ['a', 'b', 'c'] } });
  assert.equal(oaErr.status, 422);
  assert.deepEqual(oaErr.json, { message: 'batch size 3 > maximum allowed batch size 2', code: 422, type: 'Validation' });
  const info = await req('GET', DP('fake-user', 'em', '/info'));
  assert.equal(info.json.max_client_batch_size, 2);
  assert.deepEqual(info.json.model_type, { embedding: { pooling: 'cls' } });
  assert.equal(info.json.version, '1.9.3');
  assert.ok(!('router' in info.json));
  ctl('endpoint', 'fake-user/em', '{"health_status":503}');
  assert.deepEqual((await req('GET', DP('fake-user', 'em', '/health'))).json, { error: 'unhealthy', error_type: 'Unhealthy' });
  ctl('seed', 'fake-user/sim', '{"task":"sentence-similarity"}');
  const sim = await req('POST', DP('fake-user', 'sim'), { body: { inputs: { source_sentence: 'a', sentences: ['a', 'b'] } } });
  assert.equal(sim.json.length, 2);
  assert.equal(sim.json[0], 1);
});

test('other tasks: classification, summarization, translation, fill-mask, ner, qa, unknown', async () => {
  const seeded = new Set();
  const call = async (task, body) => {
    const name = 'k-' + task.replace(/[^a-z]/g, '').slice(0, 20);
    if (!seeded.has(name)) ctl('seed', `fake-user/${name}`, JSON.stringify({ task }));
    seeded.add(name);
    return req('POST', DP('fake-user', name), { body });
  };
  const tc = await call('text-classification', { inputs: 'I love it' });
  assert.deepEqual(tc.json[0].map((x) => x.label).sort(), ['NEGATIVE', 'POSITIVE']);
  assert.deepEqual((await call('text-classification', { inputs: 'I love it' })).json, tc.json);
  assert.ok((await call('summarization', { inputs: 'long text' })).json[0].summary_text);
  assert.ok((await call('translation', { inputs: 'hello' })).json[0].translation_text);
  const fm = await call('fill-mask', { inputs: 'Paris is the [MASK] of France' });
  assert.equal(fm.json.length, 3);
  assert.equal((await call('fill-mask', { inputs: 'no mask' })).status, 400);
  assert.equal((await call('token-classification', { inputs: 'Ada lives in London' })).json.length, 2);
  assert.ok('answer' in (await call('question-answering', { inputs: { question: 'Who?', context: 'Ada wrote code' } })).json);
  assert.deepEqual((await call('custom', { inputs: [1, 2], x: true })).json, { echo: { inputs: [1, 2], x: true } });
  assert.equal((await call('summarization', { nope: 1 })).status, 400);
});

// ------------------------------------------------------------ data plane: engines by image
const IMG = {
  tgi: { tgi: { url: 'ghcr.io/huggingface/text-generation-inference:3.3.6' } },
  tei: { tei: { url: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3' } },
  vllm: { vLLM: { url: 'vllm/vllm-openai:v0.10.1' } },
  sglang: { sGLang: { url: 'lmsysorg/sglang:latest' } },
  llamacpp: { llamacpp: { url: 'ghcr.io/ggml-org/llama.cpp:server' } },
  toolkit: { huggingface: {} },
};
// Through the control routes rather than hfctl (a process per call): faster.
const seedEngine = (name, engine, extra = {}) => fake('POST', `seed/fake-user/${name}`, { image: IMG[engine], ...extra });
const knobs = (name, obj) => fake('POST', `endpoint/fake-user/${name}`, obj);
const post = (name, route, body, opts = {}) => req('POST', DP('fake-user', name, route), { body, ...opts });
const get = (name, route, opts = {}) => req('GET', DP('fake-user', name, route), opts);

test('engine selection: seed default image by task, R2 keeps huggingface', async () => {
  const cases = [[undefined, 'tgi'], [null, 'tgi'], ['text-generation', 'tgi'], ['text2text-generation', 'tgi'], ['conversational', 'tgi'],
    ['feature-extraction', 'tei'], ['sentence-embeddings', 'tei'], ['sentence-similarity', 'tei'], ['text-classification', 'huggingface'], ['summarization', 'huggingface']];
  for (const [i, [task, key]] of cases.entries()) {
    await fake('POST', `seed/fake-user/d${i}`, task === undefined ? {} : { task });
    const ep = (await req('GET', EP('fake-user', `d${i}`))).json;
    assert.deepEqual(Object.keys(ep.model.image), [key], String(task));
    if (key !== 'huggingface') assert.match(ep.model.image[key].url, /^ghcr\.io\/huggingface\//);
  }
  assert.equal((await get('d0', '/info')).json.router, 'text-generation-router');
  assert.ok('model_type' in (await get('d5', '/info')).json);
  assert.equal((await get('d8', '/health')).text, 'Ok');
  await fake('POST', 'config', { pending_ms: 0, initializing_ms: 0 });
  assert.equal((await req('POST', '/v2/endpoint/fake-user', { body: createBody('viaapi') })).status, 202);
  const ep = await waitState('fake-user', 'viaapi', 'running');
  assert.deepEqual(ep.model.image, { huggingface: {} });
  const h = await get('viaapi', '/health');
  assert.equal(h.text, 'Ok');
  assert.equal((await get('viaapi', '/info')).status, 404);
});

test('probes per engine: GET /info, /v1/models, /health; Server: llama.cpp', async () => {
  for (const e of Object.keys(IMG)) await seedEngine(`p-${e}`, e);
  await seedEngine('p-tei-rr', 'tei', { task: 'sentence-ranking' });
  await seedEngine('p-tei-cl', 'tei', { task: 'text-classification' });
  await seedEngine('p-lce', 'llamacpp', { task: 'feature-extraction' });
  // GET /info
  assert.equal((await get('p-tgi', '/info')).json.router, 'text-generation-router');
  const ti = (await get('p-tei', '/info')).json;
  assert.deepEqual(ti.model_type, { embedding: { pooling: 'cls' } });
  assert.equal(ti.max_client_batch_size, 32);
  assert.deepEqual((await get('p-tei-rr', '/info')).json.model_type, { reranker: { id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } } });
  assert.deepEqual((await get('p-tei-cl', '/info')).json.model_type, { classifier: { id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' }, label2id: { NEGATIVE: 0, POSITIVE: 1 } } });
  for (const e of ['vllm', 'sglang']) {
    const r = await get(`p-${e}`, '/info');
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"detail":"Not Found"}');
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.equal(r.headers.server, undefined);
    assert.deepEqual((await post(`p-${e}`, '/', { inputs: 'x' })).json, { detail: 'Not Found' });
  }
  const li = await get('p-llamacpp', '/info');
  assert.equal(li.status, 404);
  assert.deepEqual(li.json, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
  assert.equal(li.headers.server, 'llama.cpp');
  assert.equal((await post('p-llamacpp', '/', { inputs: 'x' })).json.error.type, 'not_found_error');
  const ki = await get('p-toolkit', '/info');
  assert.equal(ki.status, 404);
  assert.equal(ki.text, 'Not Found');
  assert.match(ki.headers['content-type'], /^text\/plain/);
  // GET /v1/models
  const tm = (await get('p-tgi', '/v1/models')).json.data[0];
  assert.equal(tm.owned_by, tm.id);
  assert.equal(tm.created, 0);
  for (const e of ['vllm', 'sglang']) {
    const m = (await get(`p-${e}`, '/v1/models')).json;
    assert.equal(m.object, 'list');
    assert.deepEqual(Object.keys(m.data[0]), ['id', 'object', 'created', 'owned_by', 'root', 'max_model_len', 'permission']);
    assert.equal(m.data[0].owned_by, e);
    assert.equal(m.data[0].id, 'openai-community/gpt2');
    assert.equal(m.data[0].max_model_len, 4096);
  }
  const lm = await get('p-llamacpp', '/v1/models');
  assert.equal(lm.json.data[0].owned_by, 'llamacpp');
  assert.deepEqual(lm.json.data[0].meta, { n_ctx_train: 4096, n_embd: 8, n_vocab: 64, n_params: 1000, size: 1000 });
  assert.ok(!('root' in lm.json.data[0]));
  assert.equal((await get('p-llamacpp', '/models')).json.data[0].owned_by, 'llamacpp');
  assert.equal((await get('p-toolkit', '/v1/models')).status, 404);
  // GET /health
  for (const e of ['tgi', 'tei', 'vllm', 'sglang']) {
    const h = await get(`p-${e}`, '/health');
    assert.equal(h.status, 200);
    assert.equal(h.text, '');
  }
  const lh = await get('p-llamacpp', '/health');
  assert.deepEqual(lh.json, { status: 'ok' });
  assert.equal(lh.headers.server, 'llama.cpp');
  for (const route of ['/health', '/']) {
    const kh = await get('p-toolkit', route);
    assert.equal(kh.text, 'Ok');
    assert.match(kh.headers['content-type'], /^text\/plain/);
  }
  await knobs('p-llamacpp', { health_status: 503 });
  const l503 = await get('p-llamacpp', '/health');
  assert.equal(l503.status, 503);
  assert.deepEqual(l503.json, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
  // others
  assert.deepEqual((await get('p-vllm', '/version')).json, { version: '0.10.1' });
  assert.deepEqual((await get('p-llamacpp', '/props')).json, { default_generation_settings: { n_ctx: 4096, params: {} }, total_slots: 4, model_path: '/repository/model.gguf', build_info: 'b0-fake' });
  assert.equal((await get('p-lce', '/props')).headers.server, 'llama.cpp');
  assert.equal((await post('p-llamacpp', '/v1/completions', { prompt: 'x', max_tokens: 1 })).headers.server, 'llama.cpp');
  assert.deepEqual((await get('p-vllm', '/v1/completions')).json, { detail: 'Method Not Allowed' });
});

test('probes go through the auth and state gate', async () => {
  await seedEngine('g-vllm', 'vllm', { type: 'protected' });
  await seedEngine('g-lc', 'llamacpp');
  await seedEngine('g-tk', 'toolkit');
  assert.equal((await get('g-vllm', '/v1/models', { token: null })).status, 401);
  assert.equal((await get('g-vllm', '/v1/models', { token: OTHER })).status, 403);
  for (const [st, status] of [['paused', 400], ['initializing', 503], ['failed', 502]]) {
    for (const [name, route] of [['g-vllm', '/v1/models'], ['g-lc', '/info'], ['g-tk', '/health'], ['g-lc', '/health']]) {
      await knobs(name, { state: st });
      const r = await get(name, route);
      assert.equal(r.status, status, `${name} ${route} ${st}`);
      assert.equal(r.headers.server, undefined, 'the proxy answers, not llama.cpp');
    }
  }
  await knobs('g-lc', { state: 'running' });
  assert.equal((await get('g-lc', '/info')).headers.server, 'llama.cpp');
  // X-Scale-Up-Timeout holds a probe too
  await knobs('g-vllm', { state: 'scaledToZero', cold_start_ms: 100 });
  const held = await get('g-vllm', '/v1/models', { headers: { 'x-scale-up-timeout': '5' } });
  assert.equal(held.status, 200);
  assert.ok(held.ms >= 80, `held ${held.ms} ms`);
});

// The fake TGI's generated part for a prompt and parameters (POST /, no prompt in front).
async function tgiText(name, inputs, parameters) {
  const r = await post(name, '/', { inputs, parameters: { ...parameters, return_full_text: false } });
  assert.equal(r.status, 200, r.text);
  return r.json[0].generated_text;
}

test('OpenAI engines: /v1/completions greedy = TGI, sampling, stop, echo, array prompts', async () => {
  await seedEngine('c-tgi', 'tgi');
  for (const e of ['vllm', 'sglang', 'llamacpp']) await seedEngine(`c-${e}`, e);
  const prompt = 'Once upon a time';
  const greedy = await tgiText('c-tgi', prompt, { do_sample: false, max_new_tokens: 6 });
  const greedySeed = await tgiText('c-tgi', prompt, { do_sample: false, max_new_tokens: 6, seed: 7, repetition_penalty: 1.2, frequency_penalty: 0.5 });
  const until = await tgiText('c-tgi', prompt, { do_sample: false });
  const sampled = await tgiText('c-tgi', prompt, { do_sample: true, temperature: 0.7, top_p: 0.9, max_new_tokens: 5, seed: 11 });
  for (const e of ['vllm', 'sglang', 'llamacpp']) {
    const name = `c-${e}`;
    const r = await post(name, '/v1/completions', { model: 'openai-community/gpt2', prompt, max_tokens: 6, temperature: 0 });
    assert.equal(r.status, 200, r.text);
    const c = r.json;
    assert.match(c.id, /^cmpl-/);
    assert.equal(c.object, 'text_completion');
    assert.equal(c.model, 'openai-community/gpt2');
    assert.equal(c.choices[0].text, greedy, `${e} greedy = TGI do_sample false`);
    assert.equal(c.choices[0].finish_reason, 'length');
    assert.deepEqual(c.usage, { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
    assert.deepEqual(Object.keys(c.choices[0]), ['index', 'text', 'logprobs', 'finish_reason', ...(e === 'vllm' ? ['stop_reason'] : e === 'sglang' ? ['matched_stop'] : [])]);
    const rp = e === 'llamacpp' ? 'repeat_penalty' : 'repetition_penalty';
    const s = await post(name, '/v1/completions', { prompt, max_tokens: 6, temperature: 0, top_p: 0.5, top_k: 3, seed: 7, [rp]: 1.2, frequency_penalty: 0.5 });
    assert.equal(s.json.choices[0].text, greedySeed, `${e}: penalties and seed map, top_p/top_k ignored when greedy`);
    const u = await post(name, '/v1/completions', { prompt, max_tokens: e === 'llamacpp' ? -1 : null, temperature: 0 });
    if (e === 'sglang') {
      // SGLang's max_tokens is a plain int: pydantic refuses null
      assert.equal(u.status, 400, 'sglang: max_tokens null refused');
    } else {
      assert.equal(u.json.choices[0].text, until, `${e}: until the end = TGI without max_new_tokens`);
      assert.equal(u.json.choices[0].finish_reason, 'stop');
    }
    const dflt = await post(name, '/v1/completions', { prompt, temperature: 0 });
    assert.equal(dflt.json.usage.completion_tokens, e === 'llamacpp' ? 20 : 16, `${e}: default max_tokens`);
    const sp = await post(name, '/v1/completions', { prompt, max_tokens: 5, temperature: 0.7, top_p: 0.9, top_k: e === 'llamacpp' ? 0 : -1, seed: 11 });
    assert.equal(sp.json.choices[0].text, sampled, `${e}: seeded sampling = TGI do_sample true`);
    const [a, b] = await Promise.all([1, 2].map(() => post(name, '/v1/completions', { prompt, max_tokens: 8, temperature: 1 })));
    assert.notEqual(a.json.choices[0].text, b.json.choices[0].text, `${e}: unseeded sampling differs`);
    const [d1, d2] = await Promise.all([1, 2].map(() => post(name, '/v1/completions', { prompt, max_tokens: 8 })));
    assert.notEqual(d1.json.choices[0].text, d2.json.choices[0].text, `${e}: temperature absent samples`);
    // stop: TGI keeps it, the OpenAI engines strip it
    const kept = await tgiText('c-tgi', 'echo:one two. three', { do_sample: false, stop: ['.'] });
    assert.equal(kept, 'one two.');
    const st = await post(name, '/v1/completions', { prompt: 'echo:one two. three', temperature: 0, stop: ['.'] });
    assert.equal(st.json.choices[0].text, 'one two', `${e} strips the stop`);
    assert.equal(st.json.choices[0].finish_reason, 'stop');
    if (e === 'vllm') assert.equal(st.json.choices[0].stop_reason, '.');
    if (e === 'sglang') assert.equal(st.json.choices[0].matched_stop, '.');
    const st2 = await post(name, '/v1/completions', { prompt: 'echo:one two. three', temperature: 0, stop: 'two' });
    assert.equal(st2.json.choices[0].text, 'one ');
    if (e === 'vllm') assert.equal(u.json.choices[0].stop_reason, null, 'null on EOS');
    if (e === 'vllm') assert.equal(r.json.choices[0].stop_reason, null, 'null on length');
    // special prompts
    assert.equal((await post(name, '/v1/completions', { prompt: 'echo:héllo ✓', temperature: 0 })).json.choices[0].text, 'héllo ✓');
    assert.ok((await post(name, '/v1/completions', { prompt: 'nul:x', temperature: 0 })).json.choices[0].text.includes('\u0000'));
    const f = await post(name, '/v1/completions', { prompt: 'fail:x', temperature: 0 });
    assert.equal(f.status, 500);
    // structured output
    const schema = { type: 'object', properties: { text: { type: 'string' } } };
    const tj = await tgiText('c-tgi', prompt, { do_sample: false, max_new_tokens: 3, grammar: { type: 'json', value: schema } });
    const sb = e === 'vllm' ? { response_format: { type: 'json_schema', json_schema: { name: 'o', schema } } } : e === 'sglang' ? { json_schema: JSON.stringify(schema) } : { json_schema: schema };
    const js = await post(name, '/v1/completions', { prompt, max_tokens: 3, temperature: 0, ...sb });
    assert.equal(js.json.choices[0].text, tj, `${e} structured output = TGI json grammar`);
    assert.ok(JSON.parse(js.json.choices[0].text).text);
  }
  // echo (vLLM, SGLang); vLLM's truncate_prompt_tokens and adapter; several prompts
  for (const e of ['vllm', 'sglang']) {
    const ec = await post(`c-${e}`, '/v1/completions', { prompt, max_tokens: 6, temperature: 0, echo: true });
    assert.equal(ec.json.choices[0].text, prompt + greedy);
    const many = await post(`c-${e}`, '/v1/completions', { prompt: [prompt, 'Hello'], max_tokens: 6, temperature: 0 });
    assert.deepEqual(many.json.choices.map((c) => c.index), [0, 1]);
    assert.equal(many.json.choices[0].text, greedy);
    assert.equal(many.json.choices[1].text, await tgiText('c-tgi', 'Hello', { do_sample: false, max_new_tokens: 6 }));
  }
  const tr = await post('c-vllm', '/v1/completions', { prompt, max_tokens: 4, temperature: 0, truncate_prompt_tokens: 2, model: 'my-lora' });
  assert.equal(tr.json.choices[0].text, await tgiText('c-tgi', prompt, { do_sample: false, max_new_tokens: 4, truncate: 2, adapter_id: 'my-lora' }));
  // unknown keys are ignored
  assert.equal((await post('c-vllm', '/v1/completions', { prompt, max_tokens: 6, temperature: 0, bogus_key: 1 })).json.choices[0].text, greedy);
  assert.equal((await post('c-llamacpp', '/v1/completions', { prompt, max_tokens: 6, temperature: 0, min_p: 0, bogus_key: 1 })).json.choices[0].text, greedy);
  // chat is TGI's
  const chatBody = { messages: [{ role: 'user', content: 'Hi there' }], max_tokens: 4, temperature: 0 };
  const tc = (await post('c-tgi', '/v1/chat/completions', chatBody)).json;
  for (const e of ['vllm', 'sglang', 'llamacpp']) {
    const oc = (await post(`c-${e}`, '/v1/chat/completions', chatBody)).json;
    assert.deepEqual(oc.choices, tc.choices);
  }
  // stream
  const sse = await post('c-vllm', '/v1/completions', { prompt, max_tokens: 3, temperature: 0, stream: true });
  assert.match(sse.headers['content-type'], /text\/event-stream/);
  const evs = sse.text.split('\n\n').filter(Boolean);
  assert.equal(evs[evs.length - 1], 'data: [DONE]');
  assert.equal(evs.slice(0, -1).map((x) => JSON.parse(x.slice(6)).choices[0].text).join(''), greedy.split(' ').slice(0, 4).join(' '));
});

test('OpenAI engines: errors in each flavour\'s shape, llama.cpp refusals and 501s', async () => {
  for (const e of ['vllm', 'sglang', 'llamacpp']) await seedEngine(`e-${e}`, e);
  await seedEngine('e-vllm-emb', 'vllm', { task: 'feature-extraction' });
  await seedEngine('e-lc-emb', 'llamacpp', { task: 'sentence-embeddings' });
  const vl = async (body, msg) => {
    const r = await post('e-vllm', '/v1/completions', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.json, { error: { message: msg, type: 'BadRequestError', param: null, code: 400 } });
  };
  await vl({ prompt: 'x', max_tokens: 0 }, 'max_tokens must be at least 1, got 0.');
  await vl({ prompt: 'x', temperature: -0.5 }, 'temperature must be non-negative, got -0.5.');
  await vl({ prompt: 'x', top_p: 1.5 }, 'top_p must be in (0, 1], got 1.5.');
  await vl({ prompt: 'x', top_p: 0 }, 'top_p must be in (0, 1], got 0.0.');
  await vl({ prompt: 'x', stop: ['a', ''] }, 'stop cannot contain an empty string.');
  await vl({ prompt: 'x', max_tokens: 4096 }, "This model's maximum context length is 4096 tokens. However, you requested 4097 tokens (1 in the messages, 4096 in the completion). Please reduce the length of the messages or completion.");
  const sg = await post('e-sglang', '/v1/completions', { prompt: 'x', temperature: -1 });
  assert.deepEqual(sg.json, { object: 'error', message: 'temperature must be non-negative, got -1.0.', type: 'BadRequestError', param: null, code: 400 });
  assert.equal((await post('e-sglang', '/v1/completions', { prompt: 'x', top_p: 2 })).status, 400);
  const lc = async (body, status, msg, type) => {
    const r = await post('e-llamacpp', '/v1/completions', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.deepEqual(r.json, { error: { code: status, message: msg, type } });
    assert.equal(r.headers.server, 'llama.cpp');
  };
  await lc({ prompt: 'x', best_of: 1 }, 500, 'Unsupported param: best_of', 'server_error');
  await lc({ prompt: 'x', suffix: null }, 500, 'Unsupported param: suffix', 'server_error');
  await lc({ prompt: 'x', echo: true }, 500, 'Unsupported param: echo', 'server_error');
  await lc({ prompt: 'x', n: 2 }, 500, 'Only one completion choice is allowed', 'server_error');
  await lc({ prompt: 'x', max_tokens: 5000 }, 400, 'the request exceeds the available context size. try increasing the context size or enable context shift', 'invalid_request_error');
  await lc({ prompt: 5 }, 400, '"prompt" must be a string', 'invalid_request_error');
  assert.equal((await post('e-llamacpp', '/v1/completions', { prompt: 'x', echo: false, n: 1, temperature: -1 })).status, 200, 'llama.cpp: temperature <= 0 is greedy');
  // routes a mode does not mount
  const e1 = await post('e-lc-emb', '/v1/completions', { prompt: 'x' });
  assert.equal(e1.status, 501);
  assert.deepEqual(e1.json, { error: { code: 501, message: 'This server does not support completions. Start it without `--embeddings`', type: 'not_supported_error' } });
  assert.equal((await post('e-lc-emb', '/v1/chat/completions', { messages: [] })).status, 501);
  const e2 = await post('e-llamacpp', '/v1/embeddings', { input: 'x' });
  assert.equal(e2.status, 501);
  assert.deepEqual(e2.json, { error: { code: 501, message: 'This server does not support embeddings. Start it with `--embeddings`', type: 'not_supported_error' } });
  assert.equal((await post('e-llamacpp', '/embeddings', { input: 'x' })).status, 501);
  for (const [name, route] of [['e-vllm', '/v1/embeddings'], ['e-vllm-emb', '/v1/completions'], ['e-vllm-emb', '/v1/chat/completions'], ['e-sglang', '/v1/embeddings']]) {
    const r = await post(name, route, { input: 'x', prompt: 'x' });
    assert.equal(r.status, 404, `${name} ${route}`);
    assert.deepEqual(r.json, { detail: 'Not Found' });
  }
  // chat errors take the flavour's shape
  const ce = await post('e-vllm', '/v1/chat/completions', { messages: 'hi' });
  assert.equal(ce.status, 400);
  assert.equal(ce.json.error.type, 'BadRequestError');
  const cf = await post('e-sglang', '/v1/chat/completions', { messages: [{ role: 'user', content: 'fail:x' }] });
  assert.equal(cf.status, 500);
  assert.equal(cf.json.object, 'error');
});

test('OpenAI embeddings equal TEI vectors; limits', async () => {
  await seedEngine('m-tei', 'tei', { task: 'feature-extraction' });
  for (const e of ['vllm', 'sglang', 'llamacpp']) await seedEngine(`m-${e}`, e, { task: 'feature-extraction' });
  const texts = ['hello world', 'héllo ✓', 'x'];
  const tei = (await post('m-tei', '/embed', { inputs: texts })).json;
  const teiRaw = (await post('m-tei', '/embed', { inputs: texts, normalize: false, dimensions: 4 })).json;
  for (const e of ['vllm', 'sglang', 'llamacpp']) {
    const r = await post(`m-${e}`, '/v1/embeddings', { input: texts, model: 'openai-community/gpt2' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'list');
    assert.equal(r.json.model, 'openai-community/gpt2');
    assert.deepEqual(r.json.data.map((d) => d.index), [0, 1, 2]);
    assert.deepEqual(r.json.data.map((d) => d.embedding), tei, `${e} = TEI`);
    assert.deepEqual(r.json.usage, { prompt_tokens: 5, total_tokens: 5, ...(e === 'vllm' ? { completion_tokens: 0 } : {}) });
    const one = await post(`m-${e}`, '/v1/embeddings', { input: 'hello world', encoding_format: 'base64' });
    const buf = Buffer.from(one.json.data[0].embedding, 'base64');
    assert.deepEqual(Array.from({ length: 8 }, (_, i) => buf.readFloatLE(i * 4)), tei[0].map(Math.fround));
    const emptyIn = await post(`m-${e}`, '/v1/embeddings', { input: ['a', ''] });
    assert.equal(emptyIn.status, 400);
    assert.match(JSON.stringify(emptyIn.json), /input\[1\]/);
  }
  const vr = await post('m-vllm', '/v1/embeddings', { input: texts, normalize: false, dimensions: 4 });
  assert.deepEqual(vr.json.data.map((d) => d.embedding), teiRaw, 'vLLM normalize false = TEI normalize false');
  assert.match(vr.json.id, /^embd-/);
  assert.equal(typeof vr.json.created, 'number');
  // openai_max_inputs
  for (const e of ['vllm', 'sglang', 'llamacpp']) await knobs(`m-${e}`, { openai_max_inputs: 2 });
  const ov = await post('m-vllm', '/v1/embeddings', { input: texts });
  assert.equal(ov.status, 400);
  assert.match(ov.json.error.message, /batch size 3 .* 2/);
  const os = await post('m-sglang', '/v1/embeddings', { input: texts });
  assert.equal(os.status, 400);
  assert.equal(os.json.object, 'error');
  const ol = await post('m-llamacpp', '/v1/embeddings', { input: texts });
  assert.equal(ol.status, 500);
  assert.equal(ol.json.error.type, 'server_error');
  assert.equal((await post('m-vllm', '/v1/embeddings', { input: texts.slice(0, 2) })).status, 200);
  // too long
  const long = 'w '.repeat(600);
  const lv = await post('m-vllm', '/v1/embeddings', { input: long });
  assert.equal(lv.status, 400);
  assert.match(lv.json.error.message, /^This model's maximum context length is 512 tokens\. However, you requested 600 tokens/);
  assert.equal((await post('m-vllm', '/v1/embeddings', { input: long, truncate_prompt_tokens: -1 })).status, 200);
  const ll = await post('m-llamacpp', '/v1/embeddings', { input: long });
  assert.equal(ll.status, 500);
  assert.equal(ll.json.error.message, 'input is too large to process. increase the physical batch size');
});

test('TEI /rerank, /predict, POST / by model type', async () => {
  await seedEngine('r-rr', 'tei', { task: 'sentence-ranking' });
  await seedEngine('r-cl', 'tei', { task: 'text-classification' });
  await seedEngine('r-em', 'tei', { task: 'feature-extraction' });
  const texts = ['Deep learning is a subset of ML', 'Paris is in France', 'cats', 'the'];
  const rr = await post('r-rr', '/rerank', { query: 'What is deep learning?', texts, return_text: true });
  assert.equal(rr.status, 200);
  assert.deepEqual(rr.json.map((x) => x.index).sort(), [0, 1, 2, 3]);
  for (let i = 1; i < rr.json.length; i++) assert.ok(rr.json[i - 1].score >= rr.json[i].score, 'sorted by score');
  for (const x of rr.json) { assert.deepEqual(Object.keys(x), ['index', 'text', 'score']); assert.equal(x.text, texts[x.index]); assert.ok(x.score > 0 && x.score < 1); }
  const again = await post('r-rr', '/', { query: 'What is deep learning?', texts });
  assert.deepEqual(again.json, rr.json.map(({ index, score }) => ({ index, score })), 'POST / of a reranker reranks; deterministic');
  const raw = await post('r-rr', '/rerank', { query: 'What is deep learning?', texts, raw_scores: true });
  assert.ok(raw.json.some((x) => x.score < 0 || x.score > 1));
  assert.deepEqual((await post('r-rr', '/rerank', { query: 'q', texts: [] })).json, { error: '`texts` cannot be empty', error_type: 'Empty' });
  await knobs('r-rr', { max_batch_size: 3 });
  const big = await post('r-rr', '/rerank', { query: 'q', texts });
  assert.equal(big.status, 422);
  assert.deepEqual(big.json, { error: 'batch size 4 > maximum allowed batch size 3', error_type: 'Validation' });
  const notRr = await post('r-em', '/rerank', { query: 'q', texts: ['a'] });
  assert.equal(notRr.status, 424);
  assert.deepEqual(notRr.json, { error: 'Backend error: model is not a re-ranker model', error_type: 'Backend' });
  // predict
  const one = await post('r-cl', '/predict', { inputs: 'I like you' });
  assert.equal(one.status, 200);
  assert.deepEqual(one.json.map((x) => x.label).sort(), ['NEGATIVE', 'POSITIVE']);
  assert.ok(one.json[0].score >= one.json[1].score);
  assert.ok(Math.abs(one.json[0].score + one.json[1].score - 1) < 1e-6);
  const batch = await post('r-cl', '/predict', { inputs: [['I like you'], ['I hate pineapples', 'really']] });
  assert.equal(batch.json.length, 2);
  assert.deepEqual(batch.json[0], one.json);
  const pair = await post('r-cl', '/', { inputs: ['I hate pineapples', 'really'] });
  assert.deepEqual(pair.json, batch.json[1], 'POST / of a classifier predicts; a pair is one input');
  const notCl = await post('r-em', '/predict', { inputs: 'x' });
  assert.equal(notCl.status, 424);
  assert.equal(notCl.json.error_type, 'Backend');
  assert.equal((await post('r-cl', '/embed', { inputs: 'x' })).status, 424);
  await knobs('r-cl', { max_batch_size: 1 });
  assert.equal((await post('r-cl', '/predict', { inputs: [['a'], ['b']] })).status, 422);
  assert.equal((await post('r-em', '/', { inputs: 'x' })).json[0].length, 8, 'POST / of an embedding model embeds');
});

test('toolkit: generation = TGI, model_kwargs, embeddings, token vectors, 404', async () => {
  await seedEngine('k-tgi', 'tgi');
  await seedEngine('k-gen', 'toolkit');
  await seedEngine('k-t2t', 'toolkit', { task: 'text2text-generation' });
  await seedEngine('k-emb', 'toolkit', { task: 'sentence-embeddings' });
  await seedEngine('k-fe', 'toolkit', { task: 'feature-extraction' });
  await seedEngine('k-sim', 'toolkit', { task: 'sentence-similarity' });
  await seedEngine('k-cls', 'toolkit', { task: 'text-classification' });
  await seedEngine('k-tei', 'tei', { task: 'feature-extraction' });
  const params = { max_new_tokens: 5, temperature: 0.5, top_k: 4 };
  const g = await post('k-gen', '/', { inputs: 'Hello there', parameters: params });
  assert.equal(g.status, 200);
  const t = (await post('k-tgi', '/', { inputs: 'Hello there', parameters: params })).json;
  assert.deepEqual(g.json, t, 'same as TGI POST / (return_full_text true for text-generation)');
  assert.match(g.json[0].generated_text, /^Hello there /);
  const nf = await post('k-gen', '/predict', { inputs: 'Hello there', parameters: { ...params, return_full_text: false } });
  assert.equal(nf.json[0].generated_text, t[0].generated_text.slice('Hello there'.length));
  const plain = await post('k-gen', '/', { inputs: 'Hello there' });
  assert.equal(plain.json[0].generated_text, 'Hello there' + await tgiText('k-tgi', 'Hello there', {}), 'no parameters = TGI with parameters {} (greedy)');
  assert.equal((await post('k-t2t', '/', { inputs: 'Hello there', parameters: { max_new_tokens: 3 } })).json[0].generated_text, await tgiText('k-tgi', 'Hello there', { max_new_tokens: 3 }));
  const bad = await post('k-gen', '/', { inputs: 'x', parameters: { max_new_tokens: 2, watermark: true, stop: ['a'] } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { error: "The following `model_kwargs` are not used by the model: ['watermark', 'stop'] (note: typos in the generate arguments will also show up in this list)" });
  const noIn = await post('k-gen', '/', { prompt: 'x' });
  assert.equal(noIn.status, 400);
  assert.match(noIn.json.error, /^Body needs to provide a inputs key/);
  assert.equal((await post('k-gen', '/', { inputs: 'fail:x' })).status, 400);
  // embeddings
  const teiRows = (await post('k-tei', '/embed', { inputs: ['hello', 'world'] })).json;
  assert.deepEqual((await post('k-emb', '/', { inputs: 'hello' })).json, { embeddings: teiRows[0] });
  assert.deepEqual((await post('k-emb', '/', { inputs: ['hello', 'world'] })).json, { embeddings: teiRows });
  const fe = await post('k-fe', '/', { inputs: 'hello big world' });
  assert.equal(fe.json.length, 1);
  assert.equal(fe.json[0].length, 3, 'one vector per word');
  assert.equal(fe.json[0][0].length, 8);
  assert.equal((await post('k-fe', '/', { inputs: ['a b', 'c'] })).json.length, 2);
  const sim = await post('k-sim', '/', { inputs: { source_sentence: 'a', sentences: ['a', 'b'] } });
  assert.equal(sim.json.similarities.length, 2);
  assert.equal(sim.json.similarities[0], 1);
  assert.deepEqual((await post('k-cls', '/', { inputs: 'I love it' })).json[0].map((x) => x.label).sort(), ['NEGATIVE', 'POSITIVE']);
  // routes
  for (const [m, route] of [['GET', '/info'], ['GET', '/v1/models'], ['POST', '/v1/chat/completions'], ['POST', '/generate'], ['POST', '/v1/completions']]) {
    const r = await req(m, DP('fake-user', 'k-gen', route), m === 'POST' ? { body: {} } : {});
    assert.equal(r.status, 404, route);
    assert.equal(r.text, 'Not Found');
  }
  assert.equal((await get('k-gen', '/predict')).status, 405);
});

test('toolkit media: binary bodies and JSON base64, octet-stream rule, 400s, 413, recording', async () => {
  const MT = ['image-classification', 'object-detection', 'image-to-text', 'automatic-speech-recognition', 'audio-classification'];
  for (const t of [...MT, 'text-generation', 'image-segmentation']) await seedEngine('m-' + t, 'toolkit', { task: t });
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x01, 0x02]);
  const wav = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), Buffer.from([0xff, 0x00, 0xc3, 0x28])]);
  const bin = (t, body, type, route = '/') => post('m-' + t, route, body, { headers: { 'content-type': type } });
  const b64 = (t, media, extra = {}) => post('m-' + t, '/', { inputs: media.toString('base64'), ...extra });
  const isScores = (r, labels) => {
    assert.ok(Array.isArray(r) && r.length > 0 && r.length <= 5, JSON.stringify(r));
    for (const x of r) { assert.deepEqual(Object.keys(x), ['label', 'score']); assert.ok(labels.includes(x.label), x.label); assert.ok(x.score >= 0 && x.score <= 1); }
    for (let i = 1; i < r.length; i++) assert.ok(r[i - 1].score >= r[i].score, 'sorted descending');
    assert.ok(r.reduce((a, x) => a + x.score, 0) <= 1, 'scores sum to at most 1');
  };
  // image-classification: binary body == JSON base64; deterministic; other bytes, other answer
  const ic = await bin('image-classification', png, 'image/png');
  assert.equal(ic.status, 200, ic.text);
  assert.match(ic.headers['content-type'], /^application\/json/);
  isScores(ic.json, ['tabby cat', 'golden retriever', 'teapot', 'sports car', 'daisy']);
  assert.deepEqual((await b64('image-classification', png)).json, ic.json, 'JSON base64 = binary body');
  assert.deepEqual((await bin('image-classification', png, 'IMAGE/PNG; foo=bar')).json, ic.json, 'case-insensitive, parameters ignored');
  assert.deepEqual((await bin('image-classification', png, 'application/octet-stream', '/predict')).json, ic.json, 'octet-stream is an image for an image task');
  assert.notDeepEqual((await bin('image-classification', Buffer.from('other bytes'), 'image/jpeg')).json, ic.json);
  assert.deepEqual((await bin('image-classification', png, 'image/webp', '/?top_k=2')).json, ic.json.slice(0, 2), 'query string -> parameters');
  assert.deepEqual((await b64('image-classification', png, { parameters: { top_k: 1 } })).json, ic.json.slice(0, 1));
  const list = await post('m-image-classification', '/', { inputs: [png.toString('base64'), wav.toString('base64')] });
  assert.equal(list.json.length, 2);
  assert.deepEqual(list.json[0], ic.json, 'a list of media -> a list of results');
  // object-detection
  const od = await bin('object-detection', png, 'image/jpeg');
  assert.equal(od.status, 200, od.text);
  assert.ok(od.json.length >= 1 && od.json.length <= 3);
  for (const o of od.json) {
    assert.deepEqual(Object.keys(o), ['label', 'score', 'box']);
    assert.deepEqual(Object.keys(o.box), ['xmin', 'ymin', 'xmax', 'ymax']);
    assert.ok(o.score > 0.5 && o.score <= 1);
    assert.ok(Number.isInteger(o.box.xmin) && o.box.xmin < o.box.xmax && o.box.ymin < o.box.ymax);
  }
  assert.deepEqual((await b64('object-detection', png)).json, od.json);
  assert.deepEqual((await b64('object-detection', png, { parameters: { threshold: 1 } })).json, []);
  // image-to-text
  const it = await bin('image-to-text', png, 'image/gif');
  assert.equal(it.status, 200, it.text);
  assert.equal(it.json.length, 1);
  assert.deepEqual(Object.keys(it.json[0]), ['generated_text']);
  assert.match(it.json[0].generated_text, /^[a-z]+( [a-z]+){5}$/);
  assert.deepEqual((await b64('image-to-text', png)).json, it.json);
  assert.equal((await b64('image-to-text', png, { parameters: { max_new_tokens: 3 } })).json[0].generated_text, it.json[0].generated_text.split(' ').slice(0, 3).join(' '));
  // automatic-speech-recognition
  const asr = await bin('automatic-speech-recognition', wav, 'audio/wav');
  assert.equal(asr.status, 200, asr.text);
  assert.deepEqual(Object.keys(asr.json), ['text']);
  assert.match(asr.json.text, /^[a-z]+( [a-z]+)+$/);
  assert.deepEqual((await b64('automatic-speech-recognition', wav)).json, asr.json);
  assert.deepEqual((await bin('automatic-speech-recognition', wav, 'application/octet-stream')).json, asr.json, 'octet-stream is audio for a speech task');
  assert.deepEqual((await bin('automatic-speech-recognition', wav, 'audio/webm;codecs=opus')).json, asr.json);
  // audio-classification
  const ac = await bin('audio-classification', wav, 'audio/x-flac');
  assert.equal(ac.status, 200, ac.text);
  isScores(ac.json, ['Speech', 'Music', 'Dog', 'Siren', 'Silence']);
  assert.deepEqual((await b64('audio-classification', wav)).json, ac.json);
  assert.deepEqual((await bin('audio-classification', wav, 'Audio/AMR-WB+')).json, ac.json);
  assert.deepEqual((await bin('audio-classification', wav, 'application/octet-stream')).json, ac.json);

  const err400 = async (r, re) => { assert.equal(r.status, 400, r.text); assert.deepEqual(Object.keys(r.json), ['error']); if (re) assert.match(r.json.error, re); };
  // octet-stream: refused when the task's name holds neither audio, speech nor image
  await err400(await bin('object-detection', png, 'application/octet-stream'), /^Content type "application\/octet-stream" not supported for task object-detection\. Supported content types are: application\/json, image\/png, /);
  await err400(await bin('text-generation', png, 'application/octet-stream'), /not supported for task text-generation/);
  // any other Content-Type
  const un = await bin('image-classification', png, 'image/svg+xml');
  await err400(un, /^Content type "image\/svg\+xml" not supported\. Supported content types are: /);
  assert.ok(un.json.error.endsWith('audio/AMR, audio/amr, audio/AMR-WB, audio/AMR-WB+, audio/m4a, audio/x-m4a'));
  await err400(await post('m-text-generation', '/', { inputs: 'x' }, { headers: { 'content-type': 'text/plain' } }), /^Content type "text\/plain" not supported/);
  // mismatched media, media for a text task, an unserved media task, empty bodies, bad base64
  await err400(await bin('audio-classification', png, 'image/png'), /^Content type "image\/png" carries an image, but task audio-classification takes audio/);
  await err400(await bin('automatic-speech-recognition', png, 'image/jpeg'), /takes audio/);
  await err400(await bin('image-classification', wav, 'audio/wav'), /^Content type "audio\/wav" carries audio, but task image-classification takes an image/);
  await err400(await bin('object-detection', wav, 'audio/mpeg'), /takes an image/);
  await err400(await bin('text-generation', png, 'image/png'), /does not take image input/);
  await err400(await bin('image-segmentation', png, 'image/png'), /^hf_fake serves no image-segmentation pipeline/);
  await err400(await bin('image-classification', Buffer.alloc(0), 'image/png'), /^The request body is empty/);
  await err400(await bin('automatic-speech-recognition', Buffer.alloc(0), 'audio/flac'), /^The request body is empty/);
  await err400(await b64('image-classification', Buffer.alloc(0)), /The decoded bytes are not valid media \(no bytes\)\.$/);
  await err400(await post('m-image-to-text', '/', { inputs: 'https://example.com/cat.png' }),
    /^'inputs' for task 'image-to-text' must be the media content itself: .* could not be decoded as base64 \(Only base64 data is allowed\)\.$/);
  await err400(await post('m-audio-classification', '/', { inputs: 'QUJD=' }), /could not be decoded as base64 \(Incorrect padding\)/);
  await err400(await post('m-image-classification', '/', { inputs: ['QUJD', 'not base64!'] }), /^'inputs\[1\]' for task/);
  await err400(await post('m-image-classification', '/', { inputs: png.toString('base64'), parameters: { images: 'x.png' } }), /^'parameters\["images"\]' for task/);
  await err400(await post('m-image-classification', '/', 'not json'), /^Body needs to be a valid JSON$/);
  await err400(await post('m-image-classification', '/', { image: 'QUJD' }), /^Body needs to provide a inputs key/);
  // unserved media tasks keep tasks.js's echo for valid base64, text tasks are untouched
  assert.deepEqual((await post('m-image-segmentation', '/', { inputs: 'QUJD' })).json, { echo: { inputs: 'QUJD' } });
  assert.equal((await post('m-text-generation', '/', { inputs: 'not base64!', parameters: { max_new_tokens: 2 } })).status, 200);
  // the payload limit applies to binary bodies
  await knobs('m-image-classification', { payload_limit: 10 });
  const big = await bin('image-classification', png, 'image/png');
  assert.equal(big.status, 413);
  assert.equal(big.text, 'Failed to buffer the request body: length limit exceeded');
  // recording: a binary body is shown as its size and type, never decoded
  ctl('requests-clear');
  await bin('automatic-speech-recognition', wav, 'audio/wav');
  await bin('image-classification', png, 'Image/PNG');
  assert.equal(ctl('requests', '--status'), [
    'POST /endpoints/fake-user/m-automatic-speech-recognition/ -> 200',
    '  authorization: <present>',
    '  content-type: audio/wav',
    `  body: <${wav.length} bytes of audio/wav>`,
    'POST /endpoints/fake-user/m-image-classification/ -> 413',
    '  authorization: <present>',
    '  content-type: Image/PNG',
    `  body: <${png.length} bytes of Image/PNG>`,
    '',
  ].join('\n'));
  assert.equal(ctl('last-body', '--path', 'm-image-classification'), `<${png.length} bytes of Image/PNG>\n`);
  const rec = (await fake('GET', 'requests?last=1')).json[0];
  assert.equal(rec.body_bytes, png.length);
  assert.equal(rec.body_truncated, false);
});

test('latency_per_input_ms, with and without slots; GETs never sleep', async () => {
  await seedEngine('l-tei', 'tei', { task: 'feature-extraction' });
  await seedEngine('l-vl', 'vllm', { task: 'feature-extraction' });
  await knobs('l-tei', { latency_ms: 10, latency_per_input_ms: 20 });
  await knobs('l-vl', { latency_per_input_ms: 15, max_concurrency: 1 });
  await fake('POST', 'stats/reset');
  for (const body of [{ inputs: 'a' }, { inputs: ['a', 'b', 'c'] }, { inputs: [] }]) assert.equal((await post('l-tei', '/embed', body)).status, body.inputs.length === 0 ? 400 : 200);
  assert.equal((await post('l-tei', '/rerank', { query: 'q', texts: ['a', 'b'] })).status, 424);
  const r4 = await post('l-vl', '/v1/embeddings', { input: ['a', 'b', 'c', 'd'] });
  assert.equal(r4.status, 200);
  assert.ok(r4.ms >= 55, `4 inputs x 15 ms took ${r4.ms} ms`);
  await post('l-vl', '/v1/embeddings', { input: 'a' });
  await post('l-vl', '/v1/embeddings', 'not json');
  assert.deepEqual(ctl('latencies', 'fake-user/l-tei').split('\n').filter(Boolean).map(Number), [30, 70, 10, 50]);
  assert.deepEqual(ctl('latencies', 'fake-user/l-vl').split('\n').filter(Boolean).map(Number), [60, 15, 15]);
  await knobs('l-tei', { latency_ms: 400 });
  for (const route of ['/info', '/health', '/']) {
    const g = await get('l-tei', route);
    assert.equal(g.status, 200);
    assert.ok(g.ms < 200, `GET ${route} took ${g.ms} ms`);
  }
  assert.equal(ctl('latencies', 'fake-user/l-tei').split('\n').filter(Boolean).length, 4, 'GETs record no latency');
  assert.match(ctlFails('endpoint', 'fake-user/l-tei', '{"latency_per_inputs_ms":1}'), /unknown endpoint knob/);
});

// ------------------------------------------------------------ data plane: auth and states
test('data-plane auth: public, authenticated, protected', async () => {
  ctl('seed', 'fake-user/pub', '{"type":"public"}');
  ctl('seed', 'fake-user/aut', '{"type":"authenticated"}');
  ctl('seed', 'fake-user/pro', '{"type":"protected"}');
  const b = { inputs: 'x' };
  assert.equal((await req('POST', DP('fake-user', 'pub'), { body: b, token: null })).status, 200);
  assert.equal((await req('POST', DP('fake-user', 'aut'), { body: b, token: null })).status, 401);
  assert.equal((await req('POST', DP('fake-user', 'aut'), { body: b, token: 'hf_bad' })).status, 401);
  assert.equal((await req('POST', DP('fake-user', 'aut'), { body: b, token: OTHER })).status, 200, 'authenticated = any valid token');
  assert.equal((await req('POST', DP('fake-user', 'pro'), { body: b, token: OTHER })).status, 403);
  assert.equal((await req('POST', DP('fake-user', 'pro'), { body: b })).status, 200);
  assert.equal((await req('GET', DP('fake-user', 'aut', '/health'), { token: null })).status, 401);
});

test('data-plane states: paused 400, failed 502, initializing 503, updating 503', async () => {
  ctl('seed', 'fake-user/ps', '{"state":"paused"}');
  const p = await req('POST', DP('fake-user', 'ps'), { body: { inputs: 'x' } });
  assert.equal(p.status, 400);
  assert.equal(p.text, 'Bad Request: The endpoint is paused, ask a maintainer to restart it');
  ctl('endpoint', 'fake-user/ps', '{"state":"failed"}');
  const f = await req('POST', DP('fake-user', 'ps'), { body: { inputs: 'x' } });
  assert.equal(f.status, 502);
  assert.match(f.headers['content-type'], /text\/html/);
  assert.match(f.text, /502 Bad Gateway/);
  for (const s of ['initializing', 'pending', 'updating']) {
    ctl('endpoint', 'fake-user/ps', JSON.stringify({ state: s }));
    const r = await req('POST', DP('fake-user', 'ps'), { body: { inputs: 'x' } });
    assert.equal(r.status, 503, s);
    assert.ok(r.json.error);
  }
  ctl('endpoint', 'fake-user/ps', '{"state":"updateFailed"}');
  assert.equal((await req('POST', DP('fake-user', 'ps'), { body: { inputs: 'x' } })).status, 200, 'old replica still serves');
});

test('scaledToZero: 503 then wakes; X-Scale-Up-Timeout holds; timeout 503', async () => {
  ctl('seed', 'fake-user/z', '{"state":"scaledToZero"}');
  ctl('endpoint', 'fake-user/z', '{"cold_start_ms":150}');
  const a = await req('POST', DP('fake-user', 'z'), { body: { inputs: 'x' } });
  assert.equal(a.status, 503);
  const s = (await req('GET', EP('fake-user', 'z'))).json.status;
  assert.equal(s.state, 'initializing');
  assert.ok(s.url, 'url kept while waking');
  await waitState('fake-user', 'z', 'running');
  ctl('endpoint', 'fake-user/z', '{"state":"scaledToZero"}');
  const h = await req('POST', DP('fake-user', 'z'), { body: { inputs: 'x' }, headers: { 'x-scale-up-timeout': '5' } });
  assert.equal(h.status, 200);
  assert.ok(h.ms >= 130, `held ${h.ms} ms`);
  ctl('endpoint', 'fake-user/z', '{"state":"scaledToZero","cold_start_ms":2000}');
  const t = await req('POST', DP('fake-user', 'z'), { body: { inputs: 'x' }, headers: { 'x-scale-up-timeout': '0.2' } });
  assert.equal(t.status, 503);
  assert.ok(t.ms >= 180 && t.ms < 1500, `gave up after ${t.ms} ms`);
});

test('automatic scale-to-zero after scaleToZeroTimeout idle minutes', async () => {
  await fake('POST', 'config', { minute_ms: 50 });
  ctl('seed', 'fake-user/idle', '{"min_replica":0,"scale_to_zero_timeout":2}');
  assert.equal((await req('GET', EP('fake-user', 'idle'))).json.status.state, 'running');
  await sleep(130);
  const s = (await req('GET', EP('fake-user', 'idle'))).json.status;
  assert.equal(s.state, 'scaledToZero');
  assert.ok(s.url);
});

// ------------------------------------------------------------ knobs
test('latency and max_concurrency slots; stats in flight', async () => {
  ctl('seed', 'fake-user/lat');
  ctl('endpoint', 'fake-user/lat', '{"latency_ms":100,"max_concurrency":2}');
  await fake('POST', 'stats/reset');
  const t0 = Date.now();
  const rs = await Promise.all([1, 2, 3, 4].map(() => req('POST', DP('fake-user', 'lat'), { body: { inputs: 'x' } })));
  const el = Date.now() - t0;
  assert.ok(rs.every((r) => r.status === 200));
  assert.ok(el >= 190 && el < 600, `4 requests / 2 slots / 100 ms took ${el} ms`);
  const st = JSON.parse(ctl('stats'));
  assert.equal(st.requests, 4);
  assert.equal(st.max_in_flight_by_endpoint['fake-user/lat'], 4);
  ctl('endpoint', 'fake-user/lat', '{"max_queue":1,"max_concurrency":1}');
  const q = await Promise.all([1, 2, 3].map(() => req('POST', DP('fake-user', 'lat'), { body: { inputs: 'x' } })));
  assert.deepEqual(q.map((r) => r.status).sort(), [200, 200, 429]);
  assert.equal(q.find((r) => r.status === 429).json.error_type, 'overloaded');
});

test('lognormal latency: seeded sequence, served latencies recorded, median and tail', async () => {
  const { Latency, mulberry32, normal } = require('./lib/latency');
  // In-process draws: the same seed gives the same sequence, and over many
  // draws the median and the share above median * e^sigma (1 - Phi(1) = 15.9%)
  // are those of the distribution.  Nothing here is timed.
  const knobs = { latency_dist: 'lognormal', latency_median_ms: 50, latency_sigma: 0.8, latency_seed: 7, latency_ms: 0, jitter_ms: 0 };
  const knob = (k) => knobs[k];
  const seq = (n) => { const l = new Latency(); return Array.from({ length: n }, () => l.next('a/b', knob)); };
  const many = seq(20000);
  assert.deepEqual(seq(20), many.slice(0, 20));
  knobs.latency_seed = 8;
  assert.notDeepEqual(seq(20), many.slice(0, 20));
  const sorted = many.slice().sort((x, y) => x - y);
  const med = sorted[sorted.length / 2];
  assert.ok(med >= 48 && med <= 52, `median of 20,000 draws: ${med}`);
  const tail = many.filter((ms) => ms > 50 * Math.exp(0.8)).length / many.length;
  assert.ok(tail > 0.145 && tail < 0.175, `share above median * e^sigma: ${tail}`);
  const r = mulberry32(1);
  const z = Array.from({ length: 20000 }, () => normal(r));
  const mean = z.reduce((s, x) => s + x, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.03, `mean of 20,000 normals: ${mean}`);

  // Through the service: per-endpoint knobs, the served latencies in arrival
  // order, the same sequence after stats-reset and after rewriting the seed.
  ctl('seed', 'fake-user/ln');
  ctl('seed', 'fake-user/other');
  ctl('endpoint', 'fake-user/ln', '{"latency_dist":"lognormal","latency_median_ms":2,"latency_sigma":0.5,"latency_seed":42}');
  const send = async (name, n) => { for (let i = 0; i < n; i++) assert.equal((await req('POST', DP('fake-user', name), { body: { inputs: 'x' } })).status, 200); };
  const lat = (...a) => ctl('latencies', ...a).split('\n').filter(Boolean).map(Number);
  await fake('POST', 'stats/reset');
  await send('ln', 4);
  await send('other', 1);
  await send('ln', 4);
  const first = lat('fake-user/ln');
  assert.equal(first.length, 8);
  assert.deepEqual(lat(), [...first.slice(0, 4), 0, ...first.slice(4)]);
  knobs.latency_median_ms = 2; knobs.latency_sigma = 0.5; knobs.latency_seed = 42;
  assert.deepEqual(first, seq(8));
  await fake('POST', 'stats/reset');
  assert.deepEqual(lat(), []);
  await send('ln', 3);
  assert.deepEqual(lat(), first.slice(0, 3));
  ctl('endpoint', 'fake-user/ln', '{"latency_seed":42}');
  await send('ln', 2);
  assert.deepEqual(lat(), [...first.slice(0, 3), ...first.slice(0, 2)]);
  // the global config takes the same knobs; jitter is seeded too
  ctl('endpoint', 'fake-user/ln', '{"latency_dist":null,"latency_median_ms":null,"latency_sigma":null,"latency_seed":null}');
  ctl('config', '{"jitter_ms":3,"latency_seed":5}');
  await fake('POST', 'stats/reset');
  await send('ln', 5);
  const j = lat();
  await fake('POST', 'stats/reset');
  await send('ln', 5);
  assert.deepEqual(lat(), j);
  assert.ok(j.every((ms) => ms >= 0 && ms < 3));
  assert.match(ctlFails('config', '{"latency_dist":"pareto"}'), /latency_dist must be one of constant, lognormal/);
  assert.match(ctlFails('endpoint', 'fake-user/ln', '{"latency_seed":1.5}'), /latency_seed must be an integer/);
  assert.match(ctlFails('endpoint', 'fake-user/ln', '{"latency_sigma":-1}'), /latency_sigma must be a number >= 0/);
});

test('hfctl: reset, config, seed, state, wait-state, errors', async () => {
  ctl('seed', 'fake-user/cl');
  assert.equal(ctl('state', 'fake-user/cl'), 'running\n');
  ctl('endpoint', 'fake-user/cl', '{"state":"paused"}');
  assert.equal(ctl('state', 'fake-user/cl'), 'paused\n');
  assert.equal(ctl('config', '{"pending_ms":10,"initializing_ms":10}'), '');
  assert.equal(JSON.parse(ctl('config')).pending_ms, 10);
  await req('POST', EP('fake-user', 'cl') + '/resume');
  assert.equal(ctl('wait-state', 'fake-user/cl', 'running', '3000'), '');
  assert.match(ctlFails('state', 'fake-user/none'), /does not exist/);
  assert.match(ctlFails('config', '{"nope":1}'), /unknown config key "nope"/);
  assert.match(ctlFails('fault', '{"action":"explode"}'), /unknown fault action/);
  assert.match(ctlFails('bogus'), /unknown command/);
  ctl('reset');
  assert.equal((await req('GET', '/v2/endpoint/fake-user')).json.items.length, 0);
  assert.equal(JSON.parse(ctl('config')).pending_ms, 200);
});

test('hfctl requests / last-body: canonical bodies, auth hidden, filters', async () => {
  ctl('reset');
  await req('POST', '/v2/endpoint/fake-user', { body: '{"z":1,"a":{"y":18446744073709551615,"b":[1.50,true]}}' });
  await req('POST', EP('fake-user', 'x') + '/pause', { headers: { 'x-scale-up-timeout': '600' } });
  const out = ctl('requests');
  assert.equal(out, [
    'POST /v2/endpoint/fake-user',
    '  authorization: <present>',
    '  content-type: application/json',
    '  body: {"a":{"b":[1.50,true],"y":18446744073709551615},"z":1}',
    'POST /v2/endpoint/fake-user/x/pause',
    '  authorization: <present>',
    '  x-scale-up-timeout: 600',
    '',
  ].join('\n'));
  assert.match(ctl('requests', '--last', '1', '--show-auth', '--status'), /-> 404\n {2}authorization: Bearer hf_fake_token/);
  assert.equal(ctl('last-body', '--path', '/v2/endpoint/fake-user'), '<empty>\n');
  assert.equal(ctl('last-body', '--method', 'POST', '--path', '/v2/endpoint/fake-user'), '<empty>\n');
  await req('PUT', EP('fake-org', 'x'), { body: '{"b":1, "a":[2, {"d":null,"c":"\u00e9"}]}' });
  assert.equal(ctl('last-body', '--path', 'fake-org'), '{"a":[2,{"c":"é","d":null}],"b":1}\n');
  assert.equal(ctl('requests', '--path', 'nothing-matches'), '');
  ctl('requests-clear');
  assert.equal(ctl('requests'), '');
  assert.match(ctlFails('last-body'), /no matching request/);
});

// ------------------------------------------------------------ faults
test('fault respond: status, body, headers, count, order, method/path/regex/body match', async () => {
  ctl('reset');
  ctl('fault', '{"path":"/v2/endpoint/fake-user","count":2,"status":429,"body":{"error":"slow down"},"headers":{"Retry-After":"1"}}');
  ctl('fault', '{"path":"/v2/endpoint/fake-user","status":500}');
  const a = await req('GET', '/v2/endpoint/fake-user');
  const b = await req('GET', '/v2/endpoint/fake-user');
  const c = await req('GET', '/v2/endpoint/fake-user');
  const d = await req('GET', '/v2/endpoint/fake-user');
  assert.deepEqual([a.status, b.status, c.status, d.status], [429, 429, 500, 200]);
  assert.equal(a.headers['retry-after'], '1');
  assert.deepEqual(a.json, { error: 'slow down' });
  ctl('fault', '{"method":"POST","path_regex":"^/api/whoami","status":503,"body":"<html>down</html>","content_type":"text/html"}');
  assert.equal((await req('GET', '/api/whoami-v2')).status, 200, 'method must match');
  ctl('faults-clear');
  ctl('fault', '{"path_regex":"^/api/whoami","status":503,"body":"<html>down</html>","content_type":"text/html"}');
  const w = await req('GET', '/api/whoami-v2');
  assert.equal(w.status, 503);
  assert.equal(w.headers['content-type'], 'text/html');
  ctl('seed', 'fake-user/fb');
  ctl('fault', '{"match_body":"poison","status":500,"count":-1}');
  assert.equal((await req('POST', DP('fake-user', 'fb'), { body: { inputs: 'fine' } })).status, 200);
  assert.equal((await req('POST', DP('fake-user', 'fb'), { body: { inputs: 'poison' } })).status, 500);
  assert.equal((await req('POST', DP('fake-user', 'fb'), { body: { inputs: 'poison' } })).status, 500);
  assert.equal(ctl('faults').trim().split('\n').length, 1);
  ctl('faults-clear');
  assert.equal(ctl('faults'), '');
  ctl('fault', '{"path":"/generate","delay_ms":150,"status":200,"body":{"generated_text":"slow"}}');
  const slow = await req('POST', DP('fake-user', 'fb', '/generate'), { body: { inputs: 'x' } });
  assert.ok(slow.ms >= 140);
  assert.equal(slow.json.generated_text, 'slow');
});

test('fault drop / hang / reset / truncate', async () => {
  ctl('seed', 'fake-user/fx');
  ctl('fault', '{"path":"/endpoints/fake-user/fx","action":"drop"}');
  const dr = await req('POST', DP('fake-user', 'fx'), { body: { inputs: 'x' }, agent: false });
  assert.equal(dr.status, undefined);
  assert.equal(dr.error, 'ECONNRESET');
  ctl('fault', '{"path":"/endpoints/fake-user/fx","action":"hang"}');
  const hg = await req('POST', DP('fake-user', 'fx'), { body: { inputs: 'x' }, agent: false, timeout: 200 });
  assert.equal(hg.error, 'client-timeout');
  ctl('fault', '{"path":"/endpoints/fake-user/fx","action":"reset"}');
  const rs = await req('POST', DP('fake-user', 'fx'), { body: { inputs: 'x', parameters: { max_new_tokens: 50 } }, agent: false });
  assert.equal(rs.status, 200);
  assert.ok(rs.error, 'reset mid-body');
  ctl('fault', '{"path":"/endpoints/fake-user/fx","action":"truncate","bytes":10}');
  const tr = await req('POST', DP('fake-user', 'fx'), { body: { inputs: 'x' }, agent: false });
  assert.equal(tr.status, 200);
  assert.ok(tr.error || !tr.complete, 'truncated chunked body');
  assert.equal(tr.buf.length, 10);
  assert.equal((await req('POST', DP('fake-user', 'fx'), { body: { inputs: 'x' } })).status, 200, 'server fine afterwards');
});

test('fault drip / malformed_json / oversized / invalid_utf8 / deep_json / wrong_types', async () => {
  ctl('seed', 'fake-user/fy');
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"drip","interval_ms":5,"body":"0123456789","status":200}');
  const dp = await req('GET', EP('fake-user', 'fy'));
  assert.equal(dp.text, '0123456789');
  assert.ok(dp.ms >= 45, `drip took ${dp.ms}`);
  ctl('fault', '{"path":"/endpoints/fake-user/fy/health","action":"drip","interval_ms":1}');
  assert.equal((await req('GET', DP('fake-user', 'fy', '/health'))).status, 200, 'drip of the real response');
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"malformed_json"}');
  const mj = await req('GET', EP('fake-user', 'fy'));
  assert.equal(mj.status, 200);
  assert.equal(mj.json, undefined);
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"oversized","size":5000000}');
  const ov = await req('GET', EP('fake-user', 'fy'));
  assert.equal(ov.buf.length, 5000000);
  assert.equal(ov.headers['content-length'], '5000000');
  assert.ok(ov.json && ov.json.padding.length > 4000000);
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"oversized","size":100000,"chunked":true}');
  const ovc = await req('GET', EP('fake-user', 'fy'));
  assert.equal(ovc.headers['transfer-encoding'], 'chunked');
  assert.equal(ovc.buf.length, 100000);
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"invalid_utf8"}');
  const iu = await req('GET', EP('fake-user', 'fy'));
  assert.ok(iu.buf.includes(Buffer.from([0xff, 0xfe])));
  assert.equal(iu.status, 200);
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"deep_json","depth":1000}');
  const dj = await req('GET', EP('fake-user', 'fy'));
  assert.equal(dj.text, '['.repeat(1000) + ']'.repeat(1000));
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"wrong_types"}');
  const wt = await req('GET', EP('fake-user', 'fy'));
  assert.equal(typeof wt.json.name, 'number');
  assert.equal(typeof wt.json.status.state, 'number');
  assert.equal(typeof wt.json.status.readyReplica, 'string');
  assert.equal(wt.json.accountId, false);
  ctl('fault', '{"path":"/v2/endpoint/fake-user/fy","action":"wrong_types","mode":"top"}');
  const wt2 = await req('GET', EP('fake-user', 'fy'));
  assert.ok(Array.isArray(wt2.json.status));
  ctl('fault', '{"path":"/api/whoami","action":"wrong_types"}');
  assert.equal(typeof (await req('GET', '/api/whoami-v2')).json.name, 'number');
});

test('1,000 concurrent keep-alive connections', async () => {
  ctl('reset');
  ctl('seed', 'fake-user/conc');
  const agents = [];
  const rs = await Promise.all(Array.from({ length: 1000 }, () => {
    const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(a);
    return req('POST', DP('fake-user', 'conc'), { body: { inputs: 'x', parameters: { max_new_tokens: 2 } }, agent: a });
  }));
  assert.ok(rs.every((r) => r.status === 200), rs.find((r) => r.status !== 200));
  const rs2 = await Promise.all(agents.map((a) => req('GET', DP('fake-user', 'conc', '/health'), { agent: a })));
  assert.ok(rs2.every((r) => r.status === 200));
  const st = JSON.parse(ctl('stats'));
  assert.equal(st.connections, 1000, 'connections reused');
  assert.equal(st.requests, 2000);
  agents.forEach((a) => a.destroy());
});

// ------------------------------------------------------------ runner
async function main() {
  const t0 = Date.now();
  const child = spawn(path.join(HERE, 'hf_fake'), ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => { buf += c; if (buf.includes('\n')) resolve(buf.split('\n')[0]); });
    child.on('exit', (code) => reject(new Error(`hf_fake exited with ${code}`)));
  });
  const m = /^ready (\d+)$/.exec(line);
  if (!m) throw new Error(`unexpected first line: ${line}`);
  BASE = `http://127.0.0.1:${m[1]}`;
  let failed = 0;
  for (const t of tests) {
    await fake('POST', 'reset');
    await fake('POST', 'config', { pending_ms: 50, initializing_ms: 50, updating_ms: 50, cold_start_ms: 50 });
    try {
      await t.fn();
      process.stdout.write(`ok - ${t.name}\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`FAIL - ${t.name}\n  ${String(e && e.stack).split('\n').slice(0, 4).join('\n  ')}\n`);
    }
  }
  agent.destroy();
  // Clean shutdown on SIGTERM.
  const code = await new Promise((resolve) => { child.on('exit', (c, sig) => resolve(c === null ? sig : c)); child.kill('SIGTERM'); });
  if (code !== 0) { failed++; process.stdout.write(`FAIL - hf_fake exit status on SIGTERM: ${code}\n`); } else process.stdout.write('ok - clean exit on SIGTERM\n');
  process.stdout.write(`# ${tests.length + 1 - failed}/${tests.length + 1} passed in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { process.stderr.write(`selftest: ${e.stack}\n`); process.exit(2); });
