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
  assert.equal(many.status, 413);
  assert.deepEqual(many.json, { error: 'batch size 3 > maximum allowed batch size 2', error_type: 'validation' });
  const empty = await req('POST', DP('fake-user', 'em'), { body: { inputs: '' } });
  assert.equal(empty.status, 422);
  assert.equal(empty.json.error_type, 'tokenizer');
  const oa = await req('POST', DP('fake-user', 'em', '/v1/embeddings'), { body: { input: 'x', model: 'm' } });
  assert.equal(oa.json.data[0].embedding.length, 16);
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
