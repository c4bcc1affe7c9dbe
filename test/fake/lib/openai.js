'use strict';
// OpenAI-compatible engines: vLLM, SGLang and llama.cpp's llama-server
// (doc/protocol.md §9), one module
// with three flavours chosen by the image key (dataplane.js engineOf).
//
// An endpoint whose task is feature-extraction, sentence-embeddings or
// sentence-similarity runs in "pooling" (embedding) mode, sentence-ranking
// or text-ranking in "rank" mode (a reranker), text-classification in
// "classify" mode (a classifier), any other one is generative.  Routes,
// relative to the endpoint URL:
//   generative  POST /v1/completions, /v1/chat/completions; GET /v1/models
//   pooling     POST /v1/embeddings; GET /v1/models
//   rank        POST /v1/rerank (vLLM also /rerank, /v2/rerank; llama.cpp
//               also /rerank, /reranking, /v1/reranking); GET /v1/models
//   classify    POST /classify (vLLM, SGLang); GET /v1/models
//   vLLM        GET /version, /openapi.json; SGLang GET /get_model_info, /model_info, /openapi.json
//   llama.cpp   also /completions, /chat/completions, /embeddings, /models; GET /props
// Health (GET /, /health, /ping, healthRoute) is answered by dataplane.js
// through health() below.
//
// Generation is the fake TGI's (textgen.js with tgi.js's key parameters),
// so a greedy /v1/completions returns exactly the text of the fake TGI's
// POST / for the same prompt with {"do_sample": false}; see README "OpenAI-
// compatible engines" for the mapping of every parameter.  Embeddings are
// tei.js embedOne vectors, rerank and classify scores tei.js scores(), so
// TEI and these engines agree.

const crypto = require('crypto');
const { json, empty, isPlainObject } = require('./util');
const { tryParse, toValue } = require('./json');
const { generate, countTokens } = require('./textgen');
const tgi = require('./tgi');
const { embedOne, scores, CLASSIFIER_LABELS } = require('./tei');

const POOLING_TASKS = new Set(['feature-extraction', 'sentence-embeddings', 'sentence-similarity']);
const RANK_TASKS = new Set(['sentence-ranking', 'text-ranking']);
const VLLM_VERSION = '0.10.1';
const SGLANG_EOS_ID = 2;   // matched_stop on an end-of-sequence stop (SGLang reports the token id)

function isPooling(ep) {
  return POOLING_TASKS.has(ep.model.task);
}

// 'pool', 'rank', 'classify' or 'generate', by the endpoint's task.
function modeOf(ep) {
  const t = ep.model.task;
  if (POOLING_TASKS.has(t)) return 'pool';
  if (RANK_TASKS.has(t)) return 'rank';
  if (t === 'text-classification') return 'classify';
  return 'generate';
}

const hex = (n) => crypto.randomBytes(n).toString('hex');
const nonce = () => crypto.randomBytes(8).toString('hex');

// ------------------------------------------------------------ flavours
const PY_TYPES = { 400: 'BadRequestError', 404: 'NotFoundError', 429: 'TooManyRequestsError', 500: 'InternalServerError', 501: 'NotImplementedError', 503: 'ServiceUnavailableError' };
const LC_TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'unavailable_error', 500: 'server_error', 501: 'not_supported_error', 503: 'unavailable_error' };

const FLAVOURS = {
  vllm: {
    name: 'vllm',
    owner: 'vllm',
    greedy: (t) => t < 1e-5,
    defaultTemperature: 1.0,
    topKOff: (k) => k === -1 || k === 0,
    defaultMaxTokens: 16,
    // vLLM >= 0.10.1: {"error": {"message", "type", "param", "code"}} (doc/protocol.md §9.6).
    error: (status, message) => json(status, { error: { message, type: PY_TYPES[status] || 'BadRequestError', param: null, code: status } }),
    notFound: () => json(404, { detail: 'Not Found' }),
    methodNotAllowed: () => json(405, { detail: 'Method Not Allowed' }),
  },
  sglang: {
    name: 'sglang',
    owner: 'sglang',
    greedy: (t) => t < 1e-6,
    defaultTemperature: 1.0,
    topKOff: (k) => k === -1,
    defaultMaxTokens: 16,
    // SGLang ErrorResponse: {"object": "error", "message", "type", "param", "code"}.
    error: (status, message) => json(status, { object: 'error', message, type: PY_TYPES[status] || 'BadRequestError', param: null, code: status }),
    notFound: () => json(404, { detail: 'Not Found' }),
    methodNotAllowed: () => json(405, { detail: 'Method Not Allowed' }),
  },
  llamacpp: {
    name: 'llamacpp',
    owner: 'llamacpp',
    greedy: (t) => t <= 0,
    defaultTemperature: 0.8,
    topKOff: (k) => k <= 0,
    defaultMaxTokens: null,   // -1: until the end
    // llama.cpp: {"error": {"code", "message", "type"}}, HTTP status = code.
    error: (status, message) => json(status, { error: { code: status, message, type: LC_TYPES[status] || 'server_error' } }),
    notFound: () => json(404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }),
    methodNotAllowed: () => json(404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }),
  },
};

// ------------------------------------------------------------ body
// {value, node} or {error}.  The node keeps integer literals verbatim (seeds).
function readBody(flv, ctx) {
  if (flv.name === 'vllm' && !tgi.isJsonContentType(ctx.headers['content-type'] || '')) {
    return { error: flv.error(400, "Unsupported Media Type: Only 'application/json' is allowed") };
  }
  const r = tryParse(ctx.bodyText);
  if (!r.ok) {
    if (flv.name === 'llamacpp') return { error: flv.error(500, `[json.exception.parse_error.101] parse error at ${r.message.replace(/^(.*) at (line .*)$/, '$2: $1')}`) };
    return { error: flv.error(400, `JSON decode error: ${r.message}`) };
  }
  if (r.node.k !== 'object') return { error: flv.error(flv.name === 'llamacpp' ? 500 : 400, 'the request body must be a JSON object') };
  return { value: toValue(r.node), node: r.node };
}

// The literal of an integer member (u64 seeds stay exact, doc/protocol.md §7.3).
function rawInteger(node, key) {
  let raw;
  for (const [k, v] of node.fields) {
    if (k === key) raw = v.k === 'number' ? (v.isFloat ? (Number.isInteger(v.v) ? String(v.v) : undefined) : v.raw) : undefined;
  }
  return raw;
}

const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
const isInt = (x) => Number.isInteger(x);
const given = (v, k) => v[k] !== undefined && v[k] !== null;
const pyNum = (x) => (isInt(x) ? x.toFixed(1) : String(x));

// ------------------------------------------------------------ completions
// Checks shared by the three flavours; returns an error response or null.
function checkSampling(flv, v) {
  const L = flv.name === 'llamacpp';
  const bad = (msg) => flv.error(400, msg);
  for (const k of ['temperature', 'top_p', 'top_k', 'frequency_penalty', 'presence_penalty', 'repetition_penalty', 'repeat_penalty', 'typical_p']) {
    if (given(v, k) && !isNum(v[k])) return bad(`${k} must be a number, got ${JSON.stringify(v[k])}`);
  }
  if (given(v, 'top_k') && !isInt(v.top_k)) return bad(`top_k must be an integer, got ${v.top_k}`);
  if (given(v, 'seed') && !isInt(v.seed)) return bad(`seed must be an integer, got ${JSON.stringify(v.seed)}`);
  if (given(v, 'stop') && typeof v.stop !== 'string' && !(Array.isArray(v.stop) && v.stop.every((s) => typeof s === 'string'))) {
    return bad('stop must be a string or a list of strings');
  }
  if (L) return null;
  // [VLSP] _verify_args and [SG] sampling_params.py verify, texts of vLLM.
  if (given(v, 'temperature') && v.temperature < 0) return bad(`temperature must be non-negative, got ${pyNum(v.temperature)}.`);
  if (given(v, 'top_p') && !(v.top_p > 0 && v.top_p <= 1)) return bad(`top_p must be in (0, 1], got ${pyNum(v.top_p)}.`);
  if (given(v, 'top_k') && (v.top_k < -1 || (flv.name === 'sglang' && v.top_k === 0))) return bad(`top_k must be -1 (disable), or at least 1, got ${v.top_k}.`);
  for (const k of ['frequency_penalty', 'presence_penalty']) {
    if (given(v, k) && !(v[k] >= -2 && v[k] <= 2)) return bad(`${k} must be in [-2, 2], got ${pyNum(v[k])}.`);
  }
  if (given(v, 'repetition_penalty')) {
    const rp = v.repetition_penalty;
    if (flv.name === 'vllm' ? !(rp > 0 && rp <= 2) : !(rp >= 0 && rp <= 2)) return bad(`repetition_penalty must be in ${flv.name === 'vllm' ? '(0, 2]' : '[0, 2]'}, got ${pyNum(rp)}.`);
  }
  if (flv.name === 'vllm' && Array.isArray(v.stop) && v.stop.some((s) => s === '')) return bad('stop cannot contain an empty string.');
  if (flv.name === 'vllm' && v.stop === '') return bad('stop cannot contain an empty string.');
  if (given(v, 'n') && !(isInt(v.n) && v.n >= 1)) return bad(`n must be at least 1, got ${v.n}.`);
  return null;
}

// Structured output -> the TGI grammar of the same meaning, {grammar} or {error}.
function grammarOf(flv, v) {
  const bad = (msg) => ({ error: flv.error(400, msg) });
  const jsonG = (s) => ({ grammar: { type: 'json', value: s } });
  if (flv.name === 'vllm') {
    const rf = v.response_format;
    if (given(v, 'response_format')) {
      if (!isPlainObject(rf)) return bad('response_format must be an object');
      if (rf.type === 'json_schema') {
        const js = rf.json_schema;
        if (!isPlainObject(js) || !isPlainObject(js.schema)) return bad('response_format.json_schema.schema is required when type is json_schema');
        return jsonG(js.schema);
      }
      if (rf.type === 'json_object') return jsonG({});
      if (rf.type !== 'text') return bad(`unknown response_format type ${JSON.stringify(rf.type)}`);
    }
    if (given(v, 'guided_json')) {
      let s = v.guided_json;
      if (typeof s === 'string') { try { s = JSON.parse(s); } catch (e) { return bad('guided_json is not a valid JSON schema'); } }
      return jsonG(s);
    }
    if (given(v, 'guided_regex')) return { grammar: { type: 'regex', value: String(v.guided_regex) } };
    return { grammar: null };
  }
  if (flv.name === 'sglang') {
    if (given(v, 'json_schema')) {
      if (typeof v.json_schema !== 'string') return bad('json_schema must be a string holding a JSON schema');
      let s;
      try { s = JSON.parse(v.json_schema); } catch (e) { return bad(`json_schema is not valid JSON: ${e.message}`); }
      return jsonG(s);
    }
    if (given(v, 'regex')) return { grammar: { type: 'regex', value: String(v.regex) } };
    const rf = v.response_format;
    if (isPlainObject(rf) && rf.type === 'json_schema' && isPlainObject(rf.json_schema) && isPlainObject(rf.json_schema.schema)) return jsonG(rf.json_schema.schema);
    return { grammar: null };
  }
  if (given(v, 'json_schema')) {
    if (!isPlainObject(v.json_schema)) return bad('json_schema must be an object');
    return jsonG(v.json_schema);
  }
  return { grammar: null };
}

// The TGI GenerateParameters of the same meaning (tgi.js keyParams reads them).
function tgiParams(flv, v, node, ep) {
  const L = flv.name === 'llamacpp';
  const temperature = given(v, 'temperature') ? v.temperature : flv.defaultTemperature;
  const greedy = flv.greedy(temperature);
  let seed = given(v, 'seed') ? rawInteger(node, 'seed') : null;
  if (L && (seed === '-1' || seed === '4294967295')) seed = null;   // LLAMA_DEFAULT_SEED: random
  // llama.cpp's repeat_penalty 1.0 is its default (off): not given.
  let rp = L ? v.repeat_penalty : v.repetition_penalty;
  if (L && rp === 1) rp = null;
  const p = {
    temperature: null, top_k: null, top_p: null, typical_p: null,
    repetition_penalty: rp != null ? Math.fround(rp) : null,
    frequency_penalty: given(v, 'frequency_penalty') ? Math.fround(v.frequency_penalty) : null,
    do_sample: !greedy, seed: seed === undefined ? null : seed, watermark: false, grammar: null, adapter_id: null, truncate: null,
  };
  if (!greedy) {
    if (temperature !== 1) p.temperature = Math.fround(temperature);
    if (given(v, 'top_p') && v.top_p !== 1) p.top_p = Math.fround(v.top_p);
    if (given(v, 'top_k') && !flv.topKOff(v.top_k)) p.top_k = v.top_k;
    if (L && given(v, 'typical_p') && v.typical_p !== 1) p.typical_p = Math.fround(v.typical_p);
  }
  if (flv.name === 'vllm') {
    if (typeof v.model === 'string' && v.model !== ep.model.repository) p.adapter_id = v.model;
    if (isInt(v.truncate_prompt_tokens) && v.truncate_prompt_tokens > 0) p.truncate = v.truncate_prompt_tokens;
  }
  return p;
}

function stopList(v) {
  if (!given(v, 'stop')) return [];
  return typeof v.stop === 'string' ? [v.stop] : v.stop;
}

// The stop string that ended a generation, and the text without it (and
// without anything after it): vLLM, SGLang and llama.cpp strip the stop.
function stripStop(gen, stops) {
  if (gen.finish !== 'stop_sequence') return { text: gen.text, matched: null };
  let at = -1;
  let matched = null;
  for (const s of stops) {
    if (!s) continue;
    const i = gen.text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) { at = i; matched = s; }
  }
  return at < 0 ? { text: gen.text, matched: null } : { text: gen.text.slice(0, at), matched };
}

function contextError(flv, cfg, p, q) {
  const n = cfg.max_total_tokens;
  if (p + q <= n) return null;
  if (flv.name === 'vllm') {
    return flv.error(400, `This model's maximum context length is ${n} tokens. However, you requested ${p + q} tokens (${p} in the messages, ${q} in the completion). Please reduce the length of the messages or completion.`);
  }
  if (flv.name === 'sglang') {
    return flv.error(400, `Requested token count exceeds the model's maximum context length of ${n} tokens. You requested a total of ${p + q} tokens: ${p} tokens from the input messages and ${q} tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.`);
  }
  return flv.error(400, 'the request exceeds the available context size. try increasing the context size or enable context shift');
}

function failError(flv) {
  const msg = 'Request failed during generation: injected failure for a `fail:` prompt';
  return flv.error(500, flv.name === 'sglang' ? `Internal server error: ${msg}` : msg);
}

function completions(flv, state, ep, ctx) {
  const L = flv.name === 'llamacpp';
  const b = readBody(flv, ctx);
  if (b.error) return b.error;
  const v = b.value;
  const cfg = ctx.cfg;

  // [LC25] oaicompat_completion_params_parse: thrown runtime errors -> 500.
  if (L) {
    if (!('prompt' in v)) return flv.error(500, '"prompt" is required');
    if (v.n != null && v.n !== 1) return flv.error(500, 'Only one completion choice is allowed');
    for (const k of ['best_of', 'echo', 'suffix']) {
      if (k === 'echo' ? v.echo === true : k in v) return flv.error(500, `Unsupported param: ${k}`);
    }
  }
  let prompts;
  if (typeof v.prompt === 'string') prompts = [v.prompt];
  else if (!L && Array.isArray(v.prompt) && v.prompt.length && v.prompt.every((s) => typeof s === 'string')) prompts = v.prompt;
  else if (v.prompt === undefined) return flv.error(400, 'prompt: Field required');
  else return flv.error(400, L ? '"prompt" must be a string' : 'prompt must be a string or a list of strings');
  if (!L && prompts.some((s) => s === '')) return flv.error(400, 'The decoder prompt cannot be empty');

  const err = checkSampling(flv, v);
  if (err) return err;
  if (flv.name === 'vllm' && given(v, 'suffix')) return flv.error(400, 'suffix is not currently supported');

  // max_tokens: absent -> 16 (vLLM, SGLang) or until the end (llama.cpp);
  // null -> until the end on vLLM (Optional[int]) and llama.cpp; SGLang
  // declares a plain int, so its pydantic model refuses null; -1 -> until
  // the end on llama.cpp.
  let maxTokens;
  const mtKey = L && 'n_predict' in v ? 'n_predict' : 'max_tokens';
  if (!(mtKey in v)) maxTokens = flv.defaultMaxTokens;
  else if (v[mtKey] === null && flv.name === 'sglang') return flv.error(400, '1 validation error for CompletionRequest\nmax_tokens\n  Input should be a valid integer [type=int_type, input_value=None, input_type=NoneType]');
  else if (v[mtKey] === null) maxTokens = null;
  else if (!isInt(v[mtKey])) return flv.error(400, `${mtKey} must be an integer, got ${JSON.stringify(v[mtKey])}`);
  else if (L && v[mtKey] === -1) maxTokens = null;
  else if (v[mtKey] < 1) return flv.error(400, L ? `${mtKey} must be -1 or at least 1, got ${v[mtKey]}` : `max_tokens must be at least 1, got ${v[mtKey]}.`);
  else maxTokens = v[mtKey];

  const g = grammarOf(flv, v);
  if (g.error) return g.error;
  const tpt = flv.name === 'vllm' && given(v, 'truncate_prompt_tokens') ? v.truncate_prompt_tokens : null;
  if (tpt !== null) {
    if (!isInt(tpt) || (tpt < 1 && tpt !== -1)) return flv.error(400, `truncate_prompt_tokens must be >= 1 or -1, got ${JSON.stringify(tpt)}`);
    if (tpt > cfg.max_total_tokens) return flv.error(400, `truncate_prompt_tokens value (${tpt}) is greater than max_model_len (${cfg.max_total_tokens}). Please, select a smaller truncation size.`);
  }
  const n = !L && given(v, 'n') ? v.n : 1;
  const echo = !L && v.echo === true;
  const stops = stopList(v);
  const p = tgiParams(flv, v, b.node, ep);
  p.grammar = g.grammar;
  const base = tgi.keyParams(p);
  const jsonOut = tgi.isJsonGrammar(p.grammar);

  const choices = [];
  let pt = 0;
  let ctok = 0;
  for (let i = 0; i < prompts.length; i++) {
    const prompt = prompts[i];
    const np = countTokens(prompt);
    const err2 = contextError(flv, cfg, p.truncate ? Math.min(np, p.truncate) : np, maxTokens || 0);
    if (err2) return err2;
    pt += np;
    for (let j = 0; j < n; j++) {
      // A sampled request without a seed draws fresh randomness (two calls
      // differ); with a seed, choices after the first differ from it.
      let key = base;
      if (p.do_sample && p.seed == null) key = { ...base, nonce: nonce() };
      else if (p.do_sample && j > 0) key = { ...base, choice: j };
      const gen = generate({ prompt, keyParams: key, maxTokens, stop: stops, cfg, leadingSpace: true });
      if (gen.fail) return failError(flv);
      const s = stripStop(gen, stops);
      let out = jsonOut ? JSON.stringify({ text: s.text.trim() }) : s.text;
      if (echo) out = prompt + out;
      const finish = gen.finish === 'length' ? 'length' : 'stop';
      const c = { index: i * n + j, text: out, logprobs: null, finish_reason: finish };
      if (flv.name === 'vllm') c.stop_reason = s.matched;
      else if (flv.name === 'sglang') c.matched_stop = s.matched !== null ? s.matched : finish === 'stop' ? SGLANG_EOS_ID : null;
      choices.push(c);
      ctok += gen.tokens.length;
    }
  }
  const id = 'cmpl-' + hex(16);
  const created = Math.floor(ctx.now / 1000);
  const model = p.adapter_id || ep.model.repository;
  const usage = { prompt_tokens: pt, completion_tokens: ctok, total_tokens: pt + ctok };
  if (v.stream === true) return streamCompletions(flv, { id, created, model }, choices, usage, v.stream_options);
  return json(200, { id, object: 'text_completion', created, model, choices, usage });
}

// stream: one chunk per word of each choice, a last chunk with its
// finish_reason, usage when stream_options.include_usage, then [DONE].
function streamCompletions(flv, head, choices, usage, opts) {
  const events = [];
  const chunk = (c, textPart, last) => {
    const ch = { index: c.index, text: textPart, logprobs: null, finish_reason: last ? c.finish_reason : null };
    if ('stop_reason' in c) ch.stop_reason = last ? c.stop_reason : null;
    if ('matched_stop' in c) ch.matched_stop = last ? c.matched_stop : null;
    return JSON.stringify({ id: head.id, object: 'text_completion', created: head.created, model: head.model, choices: [ch] });
  };
  for (const c of choices) {
    for (const part of c.text.length ? c.text.match(/\s*\S+|\s+$/g) || [c.text] : []) events.push(chunk(c, part, false));
    events.push(chunk(c, '', true));
  }
  if (opts && opts.include_usage) events.push(JSON.stringify({ id: head.id, object: 'text_completion', created: head.created, model: head.model, choices: [], usage }));
  events.push('[DONE]');
  return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: events.map((e) => `data: ${e}\n\n`).join('') };
}

// ------------------------------------------------------------ chat
// TGI's chat (tgi.js), so the reply is the fake TGI's for the same request;
// only its errors take the flavour's shape (424 -> 500, the rest -> 400).
function chat(flv, state, ep, ctx) {
  if (flv.name === 'llamacpp') {
    const r = tryParse(ctx.bodyText);
    if (r.ok && r.node.k === 'object') {
      const v = toValue(r.node);
      if (v.n != null && v.n !== 1) return flv.error(500, 'Only one completion choice is allowed');
    }
  }
  const r = tgi.chatResponse(state, ep, ctx);
  const ct = (r.headers && r.headers['content-type']) || '';
  if (r.status === 200) {
    const headers = { 'content-type': ct };
    if (r.headers['cache-control']) headers['cache-control'] = r.headers['cache-control'];
    return { status: 200, headers, body: r.body };
  }
  let message = String(r.body || '');
  if (ct.startsWith('application/json')) {
    try { message = JSON.parse(r.body).error || message; } catch (e) { /* keep the text */ }
  }
  return flv.error(r.status === 424 ? 500 : 400, message);
}

// ------------------------------------------------------------ embeddings
function embeddings(flv, state, ep, ctx) {
  const L = flv.name === 'llamacpp';
  const b = readBody(flv, ctx);
  if (b.error) return b.error;
  const v = b.value;
  const input = v.input !== undefined ? v.input : L ? v.content : undefined;
  let texts;
  if (typeof input === 'string') texts = [input];
  else if (Array.isArray(input) && input.every((s) => typeof s === 'string')) texts = input;
  else if (input === undefined) return flv.error(400, L ? '"input" must be provided' : 'input: Field required');
  else return flv.error(400, 'input must be a string or a list of strings');
  if (!texts.length) return flv.error(400, 'input cannot be an empty list');
  const max = ctx.knob('openai_max_inputs');
  if (max > 0 && texts.length > max) return flv.error(L ? 500 : 400, `batch size ${texts.length} exceeds the maximum number of inputs per request ${max}`);
  const fmt = given(v, 'encoding_format') ? v.encoding_format : 'float';
  if (fmt !== 'float' && fmt !== 'base64') return flv.error(400, `encoding_format must be "float" or "base64", got ${JSON.stringify(fmt)}`);
  const dim = ctx.knob('dimensions');
  const dims = given(v, 'dimensions') ? v.dimensions : null;
  if (dims !== null && !(isInt(dims) && dims >= 1 && dims <= dim)) return flv.error(400, `dimensions must be an integer from 1 to ${dim}, got ${JSON.stringify(dims)}`);
  let normalize = true;
  if (flv.name === 'vllm' && given(v, 'normalize')) {
    if (typeof v.normalize !== 'boolean') return flv.error(400, 'normalize must be a boolean');
    normalize = v.normalize;
  }
  const tpt = flv.name === 'vllm' && given(v, 'truncate_prompt_tokens') ? v.truncate_prompt_tokens : null;
  if (tpt !== null && (!isInt(tpt) || (tpt < 1 && tpt !== -1))) return flv.error(400, `truncate_prompt_tokens must be >= 1 or -1, got ${JSON.stringify(tpt)}`);
  const maxIn = ctx.cfg.tei_max_input_tokens;
  const cut = tpt === null ? null : tpt === -1 ? maxIn : tpt;   // truncate_prompt_tokens -1: to the model's length
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    if (texts[i] === '') return flv.error(400, `input[${i}] is an empty string`);
    const nt = countTokens(texts[i]);
    tokens += cut !== null ? Math.min(nt, cut) : nt;
    if (nt > maxIn && tpt === null) {
      if (flv.name === 'vllm') return flv.error(400, `This model's maximum context length is ${maxIn} tokens. However, you requested ${nt} tokens in the input for embedding generation. Please reduce the length of the input.`);
      if (flv.name === 'sglang') return flv.error(400, `The input (${nt} tokens) is longer than the model's context length (${maxIn} tokens).`);
      return flv.error(500, 'input is too large to process. increase the physical batch size');
    }
  }
  const data = texts.map((t, i) => {
    const vec = embedOne(t, dim, dims, normalize);
    const embedding = fmt === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
    return { object: 'embedding', index: i, embedding };
  });
  const model = ep.model.repository;
  if (flv.name === 'vllm') {
    return json(200, { id: 'embd-' + hex(16), object: 'list', created: Math.floor(ctx.now / 1000), model, data, usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 } });
  }
  return json(200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

// ------------------------------------------------------------ rerank
// vLLM  {"query", "documents", "top_n": 0 (all)} -> {"id", "model", "usage",
//       "results": [{"index", "document": {"text"}, "relevance_score"}]}, best first
// SGLang {"query", "documents", "top_n"?, "return_documents": true} -> bare
//       [{"score", "document"?, "index"}], best first
// llama.cpp (Jina) {"query", "documents", "top_n"?} -> {"model", "object",
//       "usage", "results": [{"index", "relevance_score"}]}, best first; with
//       "texts" instead, TEI's [{"index", "score", "text"?}]
function stringList(x) {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

function rerank(flv, state, ep, ctx) {
  const L = flv.name === 'llamacpp';
  const b = readBody(flv, ctx);
  if (b.error) return b.error;
  const v = b.value;
  const teiStyle = L && v.texts !== undefined;
  const docs = teiStyle ? v.texts : v.documents;
  if (typeof v.query !== 'string') return flv.error(400, L ? '"query" must be provided' : 'query: Field required');
  if (!stringList(docs)) return flv.error(400, L ? '"documents" must be an array of strings' : 'documents: Input should be a valid list of strings');
  if (!docs.length) return flv.error(400, L ? '"documents" must be a non-empty string array' : 'documents cannot be empty');
  const max = ctx.knob('openai_max_inputs');
  if (max > 0 && docs.length > max) return flv.error(L ? 500 : 400, `batch size ${docs.length} exceeds the maximum number of inputs per request ${max}`);
  let topN = docs.length;
  if (given(v, 'top_n')) {
    if (!isInt(v.top_n) || v.top_n < 0) return flv.error(400, `top_n must be a non-negative integer, got ${JSON.stringify(v.top_n)}`);
    if (v.top_n > 0) topN = Math.min(v.top_n, docs.length);
  }
  let tokens = 0;
  const ranks = docs.map((text, index) => {
    tokens += countTokens(v.query) + countTokens(text);
    return { index, text, score: scores('reranker', [v.query, text], false)[0] };
  });
  ranks.sort((a, c) => c.score - a.score || a.index - c.index);
  const kept = ranks.slice(0, topN);
  const model = ep.model.repository;
  if (teiStyle) return json(200, kept.map((r) => (v.return_text ? { index: r.index, text: r.text, score: r.score } : { index: r.index, score: r.score })));
  if (L) return json(200, { model, object: 'list', usage: { prompt_tokens: tokens, total_tokens: tokens }, results: kept.map((r) => ({ index: r.index, relevance_score: r.score })) });
  if (flv.name === 'sglang') {
    const withDocs = v.return_documents !== false;
    return json(200, kept.map((r) => (withDocs ? { score: r.score, document: r.text, index: r.index, meta_info: null } : { score: r.score, index: r.index, meta_info: null })));
  }
  return json(200, { id: 'rerank-' + hex(16), model, usage: { total_tokens: tokens }, results: kept.map((r) => ({ index: r.index, document: { text: r.text }, relevance_score: r.score })) });
}

// ------------------------------------------------------------ classify
// vLLM, SGLang: {"input": str | [str]} -> {"id", "object": "list", "created",
// "model", "data": [{"index", "label", "probs", "num_classes"}], "usage"}:
// the likeliest label and every label's probability, in label id order.
function classify(flv, state, ep, ctx) {
  const b = readBody(flv, ctx);
  if (b.error) return b.error;
  const v = b.value;
  const texts = typeof v.input === 'string' ? [v.input] : v.input;
  if (v.input === undefined) return flv.error(400, 'input: Field required');
  if (!stringList(texts)) return flv.error(400, 'input must be a string or a list of strings');
  if (!texts.length) return flv.error(400, 'input cannot be an empty list');
  const max = ctx.knob('openai_max_inputs');
  if (max > 0 && texts.length > max) return flv.error(400, `batch size ${texts.length} exceeds the maximum number of inputs per request ${max}`);
  let tokens = 0;
  const data = texts.map((t, index) => {
    tokens += countTokens(t);
    const probs = scores('classifier', [t], false);
    const best = probs.indexOf(Math.max(...probs));
    return { index, label: CLASSIFIER_LABELS[best], probs, num_classes: probs.length };
  });
  return json(200, { id: 'classify-' + hex(16), object: 'list', created: Math.floor(ctx.now / 1000), model: ep.model.repository, data, usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 } });
}

// ------------------------------------------------------------ info routes
function models(flv, state, ep, ctx) {
  const id = ep.model.repository;
  const created = Math.floor(ctx.now / 1000);
  let card;
  if (flv.name === 'llamacpp') {
    card = { id, object: 'model', created, owned_by: 'llamacpp', meta: { n_ctx_train: 4096, n_embd: ctx.knob('dimensions'), n_vocab: 64, n_params: 1000, size: 1000 } };
  } else {
    const maxLen = modeOf(ep) === 'generate' ? ctx.cfg.max_total_tokens : ctx.cfg.tei_max_input_tokens;
    card = { id, object: 'model', created, owned_by: flv.owner, root: id, max_model_len: maxLen, permission: [] };
  }
  return json(200, { object: 'list', data: [card] });
}

function props(flv, state, ep, ctx) {
  return json(200, {
    default_generation_settings: { n_ctx: ctx.cfg.max_total_tokens, params: {} },
    total_slots: 4,
    model_path: '/repository/model.gguf',
    build_info: 'b0-fake',
  });
}

const NOT_SUPPORTED = {
  completions: 'This server does not support completions. Start it without `--embeddings`',
  embeddings: 'This server does not support embeddings. Start it with `--embeddings`',
  reranking: 'This server does not support reranking. Start it with `--reranking`',
};
const notSupported = (what) => (flv) => flv.error(501, NOT_SUPPORTED[what]);

// Route table of a flavour in a mode: path -> [method, handler].
function routesOf(flv, mode) {
  const t = {};
  const pooling = mode !== 'generate';
  t['/v1/models'] = ['GET', models];
  if (mode === 'pool') {
    t['/v1/embeddings'] = ['POST', embeddings];
  } else if (mode === 'rank') {
    t['/v1/rerank'] = ['POST', rerank];
  } else if (mode === 'classify') {
    if (flv.name !== 'llamacpp') t['/classify'] = ['POST', classify];
  } else {
    t['/v1/completions'] = ['POST', completions];
    t['/v1/chat/completions'] = ['POST', chat];
  }
  if (flv.name === 'vllm') {
    t['/version'] = ['GET', () => json(200, { version: VLLM_VERSION })];
  }
  if (flv.name === 'sglang') {
    const info = (f, state, ep) => json(200, { model_path: ep.model.repository, tokenizer_path: ep.model.repository, is_generation: !pooling });
    t['/get_model_info'] = ['GET', info];
    t['/model_info'] = ['GET', info];
  }
  if (flv.name !== 'llamacpp') {
    const paths = Object.keys(t).concat(['/health', '/ping']).sort();
    const doc = { openapi: '3.1.0', info: { title: 'FastAPI', version: '0.1.0' }, paths: Object.fromEntries(paths.map((p) => [p, { [p === '/health' || p === '/ping' || (t[p] && t[p][0] === 'GET') ? 'get' : 'post']: {} }])) };
    t['/openapi.json'] = ['GET', () => json(200, doc)];
  } else {
    t['/props'] = ['GET', props];
    if (pooling) {
      t['/v1/completions'] = ['POST', notSupported('completions')];
      t['/v1/chat/completions'] = ['POST', notSupported('completions')];
    } else {
      t['/v1/embeddings'] = ['POST', notSupported('embeddings')];
    }
    if (mode !== 'pool' && mode !== 'rank') t['/v1/embeddings'] = ['POST', notSupported('embeddings')];
    if (mode !== 'rank') t['/v1/rerank'] = ['POST', notSupported('reranking')];
  }
  return t;
}

const LLAMA_ALIASES = { '/completions': '/v1/completions', '/chat/completions': '/v1/chat/completions', '/embeddings': '/v1/embeddings', '/models': '/v1/models', '/v1/health': '/health', '/rerank': '/v1/rerank', '/reranking': '/v1/rerank', '/v1/reranking': '/v1/rerank' };
const VLLM_ALIASES = { '/rerank': '/v1/rerank', '/v2/rerank': '/v1/rerank' };

const tables = new Map();
function table(flv, mode) {
  const k = flv.name + ':' + mode;
  let t = tables.get(k);
  if (!t) { t = routesOf(flv, mode); tables.set(k, t); }
  return t;
}

function handleFlavour(flv, state, ep, ctx) {
  let route = ctx.route;
  if (flv.name === 'llamacpp' && LLAMA_ALIASES[route]) route = LLAMA_ALIASES[route];
  if (flv.name === 'vllm' && VLLM_ALIASES[route]) route = VLLM_ALIASES[route];
  const r = table(flv, modeOf(ep))[route];
  if (!r) return flv.notFound();
  if (r[0] !== ctx.method && !(r[0] === 'GET' && ctx.method === 'HEAD')) return flv.methodNotAllowed();
  return r[1](flv, state, ep, ctx);
}

// Health (dataplane.js): vLLM and SGLang an empty 200, llama.cpp
// {"status":"ok"}; knob health_status: vLLM/SGLang an empty answer with that
// status, llama.cpp its "Loading model" unavailable_error.
function healthOf(flv) {
  if (flv.name === 'llamacpp') {
    return (ctx, status) => (status === 200 ? json(200, { status: 'ok' }) : json(status, { error: { code: status, message: 'Loading model', type: 'unavailable_error' } }));
  }
  return (ctx, status) => empty(status);
}

function engine(name) {
  const flv = FLAVOURS[name];
  return {
    name,
    flavour: flv,
    handle: (state, ep, ctx) => handleFlavour(flv, state, ep, ctx),
    health: healthOf(flv),
    overloaded: () => flv.error(429, 'Model is overloaded'),
    notFound: () => flv.notFound(),
    headers: name === 'llamacpp' ? { server: 'llama.cpp' } : null,
  };
}

const engines = { vllm: engine('vllm'), sglang: engine('sglang'), llamacpp: engine('llamacpp') };

module.exports = { engines, FLAVOURS, isPooling, stripStop, tgiParams };
