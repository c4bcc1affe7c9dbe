'use strict';
// Control plane: Hub whoami (doc/protocol.md §1.3, H1), management API /v2
// (§2, R1-R13) and the catalog (C1/C2, §2.6).  Every error body is
// {"error": "..."} (§5.1, [OAS23] ApiResponseError; source tags as in
// doc/protocol.md §0).

const { json, text, apiError, isPlainObject, hexId } = require('./util');
const { T, deserialize, DeserError } = require('./json');
const { findCompute, vendorsFor } = require('./hardware');
const { STATES } = require('./state');

const MSG_401 = 'A valid user or organization token, sent as a Bearer, is required';
const MSG_404 = 'Endpoint not found';
const MSG_409 = 'An endpoint with the same name already exists';
const PARSE = 'Failed to parse the request body as JSON: ';

// The last header seen and its token: clients send the same one every time.
let lastAuth = null;
let lastToken = null;
function bearer(headers) {
  const h = headers.authorization;
  if (!h) return null;
  if (h !== lastAuth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    lastToken = m ? m[1] : '';
    lastAuth = h;
  }
  return lastToken;
}

// ------------------------------------------------------------- schemas
// `model.task: null` is rejected with "expected value" (doc/protocol.md §2.1, §4).
const taskType = {
  name: 'a string',
  optional: true,
  de(node, path) {
    if (node.k === 'null') throw new DeserError(path, 'expected value', node.e);
    return T.string.de(node, path);
  },
};
const measureType = T.opt(T.map(T.opt(T.f64)));
const metricType = T.opt(T.enum(['pendingRequests', 'hardwareUsage']));
const typeEnum = T.enum(['public', 'protected', 'authenticated', 'private']);
const accelEnum = T.enum(['cpu', 'gpu', 'neuron']);
const routeType = T.opt(T.struct('EndpointRoute', { domain: T.opt(T.string), path: T.opt(T.string) }));

const CreateBody = T.struct('Endpoint', {
  accountId: T.opt(T.string),
  compute: T.struct('EndpointCompute', {
    accelerator: accelEnum,
    instanceType: T.string,
    instanceSize: T.string,
    id: T.opt(T.string),
    scaling: T.struct('EndpointScaling', {
      minReplica: T.u32,
      maxReplica: T.u32,
      scaleToZeroTimeout: T.opt(T.u32),
      measure: measureType,
      metric: metricType,
    }),
  }),
  model: T.struct('EndpointModel', {
    repository: T.string,
    framework: T.string,
    revision: T.opt(T.string),
    task: taskType,
    image: T.any,
    env: T.opt(T.map(T.string)),
    secrets: T.opt(T.map(T.string)),
    command: T.opt(T.vec(T.string)),
    args: T.opt(T.vec(T.string)),
    fromCatalog: T.opt(T.bool),
  }),
  name: T.string,
  provider: T.struct('EndpointProvider', { vendor: T.string, region: T.string }),
  type: typeEnum,
  route: routeType,
  cacheHttpResponses: T.opt(T.bool),
  tags: T.opt(T.vec(T.string)),
});

// Update: every field optional and nullable, null = unchanged (doc/protocol.md §4, [OAS23] EndpointUpdate).
const UpdateBody = T.struct('EndpointUpdate', {
  compute: T.opt(T.struct('EndpointComputeUpdate', {
    accelerator: T.opt(accelEnum),
    instanceType: T.opt(T.string),
    instanceSize: T.opt(T.string),
    id: T.opt(T.string),
    scaling: T.opt(T.struct('EndpointScalingUpdate', {
      minReplica: T.opt(T.u32),
      maxReplica: T.opt(T.u32),
      scaleToZeroTimeout: T.opt(T.u32),
      measure: measureType,
      metric: metricType,
    })),
  })),
  model: T.opt(T.struct('EndpointModelUpdate', {
    repository: T.opt(T.string),
    framework: T.opt(T.string),
    revision: T.opt(T.string),
    task: T.opt(T.string),
    image: T.opt(T.any),
    env: T.opt(T.map(T.string)),
    secrets: T.opt(T.map(T.string)),
    command: T.opt(T.vec(T.string)),
    args: T.opt(T.vec(T.string)),
  })),
  type: T.opt(typeEnum),
  route: routeType,
  cacheHttpResponses: T.opt(T.bool),
  tags: T.opt(T.vec(T.string)),
});

function parseBody(textBody, schema) {
  const r = deserialize(textBody, schema);
  if (r.ok) return { value: r.value, present: r.node };
  // Data errors are reported without position (doc/protocol.md §4 "model.task: expected value").
  const msg = r.syntax ? r.message : r.message.replace(/ at line \d+ column \d+$/, '');
  return { error: apiError(400, PARSE + msg) };
}

// Image variants (doc/protocol.md §2.1, custom image).  Unknown fields inside a variant
// are dropped silently, `url` is required except for huggingface*.
const IMAGE_KEYS = ['huggingface', 'huggingfaceNeuron', 'tgi', 'tgiNeuron', 'tei', 'llamacpp', 'custom', 'vLLM', 'sGLang', 'hfServe'];
const IMAGE_FIELDS = new Set([
  'url', 'port', 'healthRoute', 'credentials', 'disableCustomKernels', 'tensorParallelSize', 'dataParallelSize',
  'maxBatchPrefillTokens', 'maxBatchTotalTokens', 'maxInputLength', 'maxTotalTokens', 'quantize', 'maxNumSeqs',
  'maxModelLen', 'kvCacheDtype', 'ctxSize', 'nParallel', 'threadsHttp', 'nGpuLayers', 'modelPath', 'embeddings',
  'pooling', 'maxBatchTokens', 'maxConcurrentRequests', 'maxClientBatchSize', 'mode', 'enablePrefixCaching',
]);

function validateImage(image) {
  if (!isPlainObject(image)) return { error: PARSE + `model.image: invalid type: ${image === null ? 'null' : Array.isArray(image) ? 'sequence' : typeof image}, expected enum EndpointImage` };
  const keys = Object.keys(image);
  if (keys.length !== 1) return { error: PARSE + 'model.image: expected a map with exactly one key' };
  const key = keys[0];
  if (!IMAGE_KEYS.includes(key)) {
    return { error: PARSE + `model.image: unknown variant \`${key}\`, expected one of ${IMAGE_KEYS.map((k) => '`' + k + '`').join(', ')}` };
  }
  const body = image[key];
  if (!isPlainObject(body)) return { error: PARSE + `model.image.${key}: invalid type: ${body === null ? 'null' : 'sequence'}, expected struct` };
  if (key === 'huggingface' || key === 'huggingfaceNeuron') return { image: { [key]: {} } };
  if (typeof body.url !== 'string') return { error: `VALIDATION_FAILED: model.image.${key}: missing field \`url\`` };
  const out = {};
  for (const [k, v] of Object.entries(body)) if (IMAGE_FIELDS.has(k)) out[k] = v;
  if (out.port === undefined) out.port = 80;
  if (out.credentials !== undefined && !isPlainObject(out.credentials)) return { error: `VALIDATION_FAILED: model.image.${key}.credentials: expected an object` };
  return { image: { [key]: out } };
}

const NAME_RE = /^[a-z0-9-]{1,32}$/;

// Semantic checks shared by create, update and seed.  Returns an error response or null.
function checkEndpoint(state, ep) {
  const sc = ep.compute.scaling;
  if (sc.maxReplica < 1) return apiError(400, 'VALIDATION_FAILED: compute.scaling.maxReplica: must be greater than or equal to 1');
  if (sc.minReplica > sc.maxReplica) return apiError(400, 'VALIDATION_FAILED: compute.scaling: minReplica must be lower than or equal to maxReplica');
  if (sc.measure !== undefined && sc.measure !== null) {
    const mk = Object.keys(sc.measure);
    if (mk.length !== 1 || !['pendingRequests', 'hardwareUsage'].includes(mk[0])) {
      return apiError(400, 'VALIDATION_FAILED: compute.scaling.measure: expected exactly one of `pendingRequests`, `hardwareUsage`');
    }
  }
  const c = ep.compute;
  const hw = findCompute(ep.provider.vendor, ep.provider.region, c.accelerator, c.instanceType, c.instanceSize);
  if (!hw && state.config.validate_compute) {
    const acc = c.accelerator.charAt(0).toUpperCase() + c.accelerator.slice(1);
    return apiError(400, `400: Instance compute '${acc}' - '${c.instanceType}' - '${c.instanceSize}' in '${ep.provider.vendor}' - '${ep.provider.region}' not found`);
  }
  c.id = hw ? hw.id : undefined;
  return null;
}

function normalizeScaling(s) {
  const out = { minReplica: s.minReplica, maxReplica: s.maxReplica };
  if (s.scaleToZeroTimeout !== undefined) out.scaleToZeroTimeout = s.scaleToZeroTimeout;
  if (s.measure !== undefined && s.measure !== null) {
    out.metric = Object.keys(s.measure)[0];
    out.measure = s.measure;
  } else if (s.metric !== undefined && s.metric !== null) {
    out.metric = s.metric;
    out.measure = { [s.metric]: null };
  }
  return out;
}

// Build an endpoint record from a parsed CreateBody (R2, catalog, seed).
// Returns {ep} or {error: response}.
function buildEndpoint(state, ns, b, present, who, now) {
  if (!NAME_RE.test(b.name)) {
    return { error: apiError(400, `VALIDATION_FAILED: name: '${b.name}' is invalid, it must contain only lowercase alphanumeric characters or '-' and be at most 32 characters long`) };
  }
  const img = validateImage(b.model.image);
  if (img.error) return { error: apiError(400, img.error) };
  // scaleToZeroTimeout is echoed only when sent (HH always sends it, maybe null).
  const scalingNode = present && findNode(present, ['compute', 'scaling', 'scaleToZeroTimeout']);
  const scaling = { ...b.compute.scaling };
  if (!scalingNode) delete scaling.scaleToZeroTimeout;
  const ep = {
    namespace: ns,
    name: b.name,
    type: b.type,
    accountId: b.accountId === undefined ? null : b.accountId,
    provider: { vendor: b.provider.vendor, region: b.provider.region },
    compute: {
      accelerator: b.compute.accelerator,
      instanceType: b.compute.instanceType,
      instanceSize: b.compute.instanceSize,
      scaling: normalizeScaling(scaling),
    },
    model: {
      repository: b.model.repository,
      revision: b.model.revision === undefined ? null : b.model.revision,
      task: b.model.task === undefined ? null : b.model.task,
      framework: b.model.framework,
      image: img.image,
      env: b.model.env || {},
      secrets: b.model.secrets || {},
    },
    createdAt: now,
    updatedAt: now,
    createdBy: { id: who.id, name: who.name },
    updatedBy: { id: who.id, name: who.name },
    deployed: false,
    schedule: [],
    lastActivity: now,
    dataRequests: 0,
  };
  if (b.model.command !== null && b.model.command !== undefined) ep.model.command = b.model.command;
  if (b.model.args !== null && b.model.args !== undefined) ep.model.args = b.model.args;
  if (b.route) {
    ep.route = {};
    if (b.route.domain !== null) ep.route.domain = b.route.domain;
    if (b.route.path !== null) ep.route.path = b.route.path;
  }
  if (b.tags !== null && b.tags !== undefined) ep.tags = b.tags;
  if (b.cacheHttpResponses !== null && b.cacheHttpResponses !== undefined) ep.cacheHttpResponses = b.cacheHttpResponses;
  const err = checkEndpoint(state, ep);
  if (err) return { error: err };
  return { ep };
}

function findNode(node, path) {
  let cur = node;
  for (const k of path) {
    if (!cur || cur.k !== 'object') return null;
    const f = cur.fields.find(([key]) => key === k);
    if (!f) return null;
    cur = f[1];
  }
  return cur;
}

// R4: sparse merge, null = unchanged, image/env/secrets/command/args/tags replaced.
function applyUpdate(state, ep, u) {
  const next = JSON.parse(JSON.stringify({ compute: ep.compute, model: ep.model, route: ep.route, tags: ep.tags, type: ep.type, provider: ep.provider }));
  next.cacheHttpResponses = ep.cacheHttpResponses;
  if (u.compute) {
    for (const k of ['accelerator', 'instanceType', 'instanceSize']) if (u.compute[k] != null) next.compute[k] = u.compute[k];
    const s = u.compute.scaling;
    if (s) {
      const cur = next.compute.scaling;
      const merged = { minReplica: cur.minReplica, maxReplica: cur.maxReplica };
      if (cur.scaleToZeroTimeout !== undefined) merged.scaleToZeroTimeout = cur.scaleToZeroTimeout;
      if (s.minReplica != null) merged.minReplica = s.minReplica;
      if (s.maxReplica != null) merged.maxReplica = s.maxReplica;
      if (s.scaleToZeroTimeout != null) merged.scaleToZeroTimeout = s.scaleToZeroTimeout;
      if (s.measure != null) merged.measure = s.measure;
      else if (s.metric != null) merged.metric = s.metric;
      else if (cur.measure !== undefined) merged.measure = cur.measure;
      next.compute.scaling = normalizeScaling(merged);
    }
  }
  if (u.model) {
    for (const k of ['repository', 'framework', 'revision', 'task', 'env', 'secrets', 'command', 'args']) {
      if (u.model[k] != null) next.model[k] = u.model[k];
    }
    if (u.model.image != null) {
      const img = validateImage(u.model.image);
      if (img.error) return apiError(400, img.error);
      next.model.image = img.image;
    }
  }
  if (u.type != null) next.type = u.type;
  if (u.route) {
    next.route = next.route || {};
    if (u.route.domain != null) next.route.domain = u.route.domain;
    if (u.route.path != null) next.route.path = u.route.path;
  }
  if (u.tags != null) next.tags = u.tags;
  if (u.cacheHttpResponses != null) next.cacheHttpResponses = u.cacheHttpResponses;
  const err = checkEndpoint(state, { ...ep, ...next });
  if (err) return err;
  Object.assign(ep, next);
  if (ep.route === undefined) delete ep.route;
  if (ep.tags === undefined) delete ep.tags;
  if (ep.cacheHttpResponses === undefined) delete ep.cacheHttpResponses;
  return null;
}

// ------------------------------------------------------------- routes
function whoami(state, ctx) {
  const c = state.config;
  if (c.whoami_limit > 0) {
    state.whoamiCount++;
    if (state.whoamiCount > c.whoami_limit) {
      // Hub rate limit (doc/protocol.md §7.11).
      return apiError(429, `You have been rate-limited; you can retry this action in ${c.whoami_retry_after} seconds.`, {
        'retry-after': String(c.whoami_retry_after),
        ratelimit: `"api";r=0;t=${c.whoami_retry_after}`,
        'ratelimit-policy': `"fixed window";"api";q=${c.whoami_limit};w=300`,
      });
    }
  }
  const p = state.principal(bearer(ctx.headers));
  if (!p) return apiError(401, 'Invalid credentials in Authorization header');
  return json(200, whoamiBody(state, p));
}

// whoami-v2 shape, doc/protocol.md §1.3 ([HFJS] api-who-am-i.ts).
function whoamiBody(state, p) {
  const avatar = (n) => `https://cdn-avatars.huggingface.co/v1/production/uploads/${hexId('avatar:' + n)}/avatar.png`;
  const auth = { type: 'access_token', accessToken: { displayName: 'hfendpoints-fake', role: 'write', createdAt: '2025-01-01T00:00:00.000Z' } };
  if (p.type === 'org') {
    return { type: 'org', id: p.id, name: p.name, fullname: p.fullname, email: null, canPay: true, avatarUrl: avatar(p.name), periodEnd: null, auth };
  }
  return {
    type: 'user',
    id: p.id,
    name: p.name,
    fullname: p.fullname,
    email: `${p.name}@example.com`,
    emailVerified: true,
    canPay: true,
    isPro: false,
    periodEnd: null,
    avatarUrl: avatar(p.name),
    orgs: p.orgs.map((o) => ({
      type: 'org', id: hexId('user:' + o), name: o, fullname: o.replace(/(^|-)(\w)/g, (m, a, b) => (a ? ' ' : '') + b.toUpperCase()),
      email: null, canPay: false, avatarUrl: avatar(o), periodEnd: null, roleInOrg: 'admin',
    })),
    auth,
  };
}

// Authenticate and check namespace access; returns {principal} or {error}.
function authorize(state, ctx, ns) {
  const p = state.principal(bearer(ctx.headers));
  if (!p) return { error: apiError(401, MSG_401) };
  if (ns !== undefined && !state.canAccess(p, ns)) return { error: apiError(401, MSG_401) };
  return { principal: p };
}

function handleV2(state, ctx) {
  const parts = ctx.path.split('/').filter(Boolean);   // ['v2', ...]
  const m = ctx.method;
  const now = ctx.now;
  // R13: GET /v2/provider (no auth).
  if (parts[1] === 'provider' && parts.length === 2) {
    if (m !== 'GET') return apiError(405, 'Method Not Allowed');
    return json(200, { vendors: vendorsFor(new Map()) });
  }
  // R9: GET /v2/provider/{namespace}
  if (parts[1] === 'provider' && parts.length === 3) {
    if (m !== 'GET') return apiError(405, 'Method Not Allowed');
    const a = authorize(state, ctx, parts[2]);
    if (a.error) return a.error;
    const used = new Map();
    for (const ep of state.list(parts[2], now)) {
      const obj = state.serialize(ep);
      if (ep.compute.id) used.set(ep.compute.id, (used.get(ep.compute.id) || 0) + obj.status.targetReplica);
    }
    return json(200, { vendors: vendorsFor(used) });
  }
  if (parts[1] !== 'endpoint' || parts.length < 3) return apiError(404, 'Not Found');
  const ns = parts[2];
  const a = authorize(state, ctx, ns);
  if (a.error) return a.error;
  const who = a.principal;

  if (parts.length === 3) {
    if (m === 'GET') {   // R1
      return json(200, { items: state.list(ns, now).map((ep) => state.serialize(ep)) });
    }
    if (m === 'POST') {  // R2
      const pb = parseBody(ctx.bodyText, CreateBody);
      if (pb.error) return pb.error;
      const r = buildEndpoint(state, ns, pb.value, pb.present, who, now);
      if (r.error) return r.error;
      if (state.get(ns, r.ep.name, now)) return apiError(409, MSG_409);
      state.insert(r.ep);
      state.deploy(r.ep, now);
      return json(202, state.serialize(r.ep));
    }
    return apiError(405, 'Method Not Allowed');
  }

  const name = parts[3];
  const ep = state.get(ns, name, now);
  if (!ep) return apiError(404, MSG_404);
  const touch = () => { ep.updatedAt = now; ep.updatedBy = { id: who.id, name: who.name }; };

  if (parts.length === 4) {
    if (m === 'GET') return json(200, state.serialize(ep));   // R3
    if (m === 'DELETE') { state.remove(ep); return json(200, {}); }   // R5
    if (m === 'PUT') {   // R4
      const pb = parseBody(ctx.bodyText, UpdateBody);
      if (pb.error) return pb.error;
      const err = applyUpdate(state, ep, pb.value);
      if (err) return err;
      touch();
      if (ep.state === 'failed') state.deploy(ep, now);
      else if (ep.state !== 'paused' && ep.state !== 'scaledToZero') state.update(ep, now);
      return json(200, state.serialize(ep));
    }
    return apiError(405, 'Method Not Allowed');
  }

  const action = parts[4];
  if (parts.length === 5 && ['pause', 'resume', 'scale-to-zero'].includes(action)) {
    if (m !== 'POST') return apiError(405, 'Method Not Allowed');
    if (action === 'pause') {   // R6
      touch();
      state.setState(ep, 'paused', now);
      return json(200, state.serialize(ep));
    }
    if (action === 'resume') {  // R7
      if (ep.state === 'running') return apiError(400, `Endpoint ${name} is already running`);
      if (['paused', 'scaledToZero', 'failed', 'updateFailed'].includes(ep.state)) {
        touch();
        state.deploy(ep, now);
      }
      return json(200, state.serialize(ep));
    }
    // R8 scale-to-zero
    if (ep.state === 'paused') return apiError(400, `Endpoint ${name} is paused, resume it before scaling it to zero`);
    if (ep.state === 'failed') return apiError(400, `Endpoint ${name} failed to deploy and cannot be scaled to zero`);
    touch();
    state.setState(ep, 'scaledToZero', now);
    return json(200, state.serialize(ep));
  }
  // R10 logs
  if (parts.length === 5 && action === 'logs') {
    if (m !== 'GET') return apiError(405, 'Method Not Allowed');
    const lines = [
      `INFO Endpoint ${ns}/${name} created`,
      `INFO Model ${ep.model.repository} loaded`,
      `INFO Endpoint state: ${ep.state}`,
    ];
    return text(200, lines.join('\n') + '\n');
  }
  // R11 metrics
  if (parts.length === 6 && action === 'metrics') {
    if (m !== 'POST' && m !== 'GET') return apiError(405, 'Method Not Allowed');
    return json(200, { metric: parts[5], data: [] });
  }
  // R12 open-metrics (minimal OpenMetrics text)
  if (parts.length === 5 && action === 'open-metrics') {
    if (m !== 'GET') return apiError(405, 'Method Not Allowed');
    const lbl = `endpoint="${name}",namespace="${ns}"`;
    return text(200, `# TYPE hf_endpoint_requests counter\nhf_endpoint_requests_total{${lbl}} ${ep.dataRequests}\n` +
      `# TYPE hf_endpoint_ready_replicas gauge\nhf_endpoint_ready_replicas{${lbl}} ${state.serialize(ep).status.readyReplica}\n# EOF\n`,
    'application/openmetrics-text; version=1.0.0; charset=utf-8');
  }
  return apiError(404, 'Not Found');
}

// ------------------------------------------------------------- catalog
const CATALOG = [
  { repo: 'meta-llama/Llama-3.2-3B-Instruct', kind: 'tgi' },
  { repo: 'Qwen/Qwen2.5-7B-Instruct', kind: 'tgi' },
  { repo: 'openai-community/gpt2', kind: 'tgi' },
  { repo: 'BAAI/bge-small-en-v1.5', kind: 'tei' },
  { repo: 'sentence-transformers/all-MiniLM-L6-v2', kind: 'tei' },
];

function catalogName(repo) {
  const base = repo.split('/').pop().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 28).replace(/-$/, '');
  const suffix = [...hexId('catalog:' + repo)].slice(0, 3).map((c) => String.fromCharCode(97 + (parseInt(c, 16) % 26))).join('');
  return `${base}-${suffix}`;
}

function handleCatalog(state, ctx) {
  const parts = ctx.path.split('/').filter(Boolean);   // ['api','catalog', x]
  if (parts[2] === 'repo-list' && parts.length === 3) {   // C2
    if (ctx.method !== 'GET') return apiError(405, 'Method Not Allowed');
    return json(200, { models: CATALOG.map((c) => c.repo) });
  }
  if (parts[2] === 'deploy' && parts.length === 3) {   // C1
    if (ctx.method !== 'POST') return apiError(405, 'Method Not Allowed');
    const pb = parseBody(ctx.bodyText, T.struct('CatalogDeploy', {
      namespace: T.string, repoId: T.string, endpointName: T.opt(T.string), accelerator: T.opt(accelEnum),
    }));
    if (pb.error) return pb.error;
    const b = pb.value;
    const a = authorize(state, ctx, b.namespace);
    if (a.error) return a.error;
    const entry = CATALOG.find((c) => c.repo === b.repoId);
    if (!entry) return apiError(400, `Model ${b.repoId} is not in the catalog`);
    const gpu = (b.accelerator || (entry.kind === 'tgi' ? 'gpu' : 'cpu')) === 'gpu';
    const body = {
      accountId: null,
      name: b.endpointName || catalogName(b.repoId),
      type: 'protected',
      provider: { vendor: 'aws', region: 'us-east-1' },
      compute: {
        accelerator: gpu ? 'gpu' : 'cpu', instanceType: gpu ? 'nvidia-l4' : 'intel-spr', instanceSize: gpu ? 'x1' : 'x2',
        scaling: { minReplica: 0, maxReplica: 1, scaleToZeroTimeout: 15, measure: { hardwareUsage: null } },
      },
      model: {
        repository: b.repoId,
        revision: hexId('rev:' + b.repoId) + hexId('rev2:' + b.repoId).slice(0, 16),
        task: entry.kind === 'tgi' ? 'text-generation' : 'feature-extraction',
        framework: 'pytorch',
        image: entry.kind === 'tgi'
          ? { tgi: { disableCustomKernels: false, healthRoute: '/health', port: 80, url: 'ghcr.io/huggingface/text-generation-inference:3.1.1' } }
          : { tei: { healthRoute: '/health', port: 80, url: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.7.1' } },
      },
    };
    const r = buildEndpoint(state, b.namespace, body, { k: 'object', fields: [['compute', { k: 'object', fields: [['scaling', { k: 'object', fields: [['scaleToZeroTimeout', { k: 'number' }]] }]] }]] }, a.principal, ctx.now);
    if (r.error) return r.error;
    if (state.get(b.namespace, r.ep.name, ctx.now)) return apiError(409, MSG_409);
    state.insert(r.ep);
    state.deploy(r.ep, ctx.now);
    return json(200, { endpoint: state.serialize(r.ep) });
  }
  return apiError(404, 'Not Found');
}

// ------------------------------------------------------------- seeding
// The image Hugging Face deploys for a task when none is given (README
// "hfctl seed"): TGI for generation, TEI for embeddings, the toolkit otherwise.
const SEED_TGI_TASKS = new Set(['text-generation', 'text2text-generation', 'conversational']);
const SEED_TEI_TASKS = new Set(['feature-extraction', 'sentence-embeddings', 'sentence-similarity']);
const SEED_TGI_URL = 'ghcr.io/huggingface/text-generation-inference:3.3.6';
const SEED_TEI_URL = 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3';
function defaultImage(task) {
  if (task === undefined || task === null || SEED_TGI_TASKS.has(task)) return { tgi: { url: SEED_TGI_URL } };
  if (SEED_TEI_TASKS.has(task)) return { tei: { url: SEED_TEI_URL } };
  return { huggingface: {} };
}

// `hfctl seed ns/name {...}`: create an endpoint directly (no token), from a
// flat description or API-shaped parts, in any state (default running).
function seed(state, ns, name, spec, now) {
  const s = spec || {};
  const task = s.model && 'task' in s.model ? s.model.task : s.task === undefined ? 'text-generation' : s.task;
  const body = {
    accountId: null,
    name,
    type: s.type || 'authenticated',
    provider: { vendor: s.vendor || 'aws', region: s.region || 'us-east-1', ...(s.provider || {}) },
    compute: {
      accelerator: s.accelerator || 'cpu', instanceType: s.instance_type || 'intel-icl', instanceSize: s.instance_size || 'x2',
      ...(s.compute || {}),
      scaling: {
        minReplica: s.min_replica !== undefined ? s.min_replica : 1,
        maxReplica: s.max_replica !== undefined ? s.max_replica : 1,
        scaleToZeroTimeout: s.scale_to_zero_timeout !== undefined ? s.scale_to_zero_timeout : null,
        ...((s.compute && s.compute.scaling) || {}),
      },
    },
    model: {
      repository: s.repository || 'openai-community/gpt2',
      revision: s.revision !== undefined ? s.revision : null,
      framework: s.framework || 'pytorch',
      // A flat image with a top-level url is wrapped as {"custom": ...}, like HH does.
      image: s.image ? (typeof s.image.url === 'string' ? { custom: s.image } : s.image) : defaultImage(task),
      ...(s.task === undefined ? { task: 'text-generation' } : s.task === null ? {} : { task: s.task }),
      ...(s.env ? { env: s.env } : {}),
      ...(s.secrets ? { secrets: s.secrets } : {}),
      ...(s.model || {}),
    },
  };
  if (s.tags) body.tags = s.tags;
  const text = JSON.stringify(body);
  const pb = parseBody(text, CreateBody);
  if (pb.error) return pb;
  const r = buildEndpoint(state, ns, pb.value, pb.present, state.ownerOf(ns), now);
  if (r.error) return r;
  if (state.get(ns, name, now)) return { error: apiError(409, MSG_409) };
  state.insert(r.ep);
  const st = s.state || 'running';
  if (!STATES.includes(st)) return { error: apiError(400, `unknown state ${st}`) };
  forceState(state, r.ep, st, now);
  return { ep: r.ep };
}

// Force a state now, with no scheduled transition after it.
function forceState(state, ep, st, now) {
  const keep = ep.deployed;
  state.setState(ep, st, now, []);
  if (['running', 'scaledToZero', 'updating', 'updateFailed'].includes(st)) ep.deployed = true;
  else if (st === 'initializing') ep.deployed = keep;
  else ep.deployed = false;
}

module.exports = { whoami, handleV2, handleCatalog, seed, forceState, bearer, whoamiBody };
