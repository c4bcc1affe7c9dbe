'use strict';
// TGI (text-generation-inference) data plane, doc/protocol.md §6.1-§6.3, §6.5,
// §6.6 ([TGI] and the other source tags: doc/protocol.md §0).
// Routes, relative to the endpoint URL:
//   GET  /  /health  /ping  {healthRoute}   health (200, empty body)
//   POST /                 compat generate -> [{generated_text, details?}]  (array!)
//   POST /generate         -> {generated_text, details?}                    (bare object)
//   POST /generate_stream  SSE, no [DONE]
//   POST /v1/chat/completions, /chat/completions   OpenAI chat (doc/protocol.md §6.3)
//   POST /v1/completions   OpenAI completions
//   GET  /info  /v1/models  /metrics

const { json, text, empty } = require('./util');
const { T, deserialize } = require('./json');
const { generate, tokenInfo, countTokens } = require('./textgen');

const VERSION = '3.3.6-dev0';
const FINGERPRINT = '3.3.6-native';

// [TGI] GrammarType: adjacently tagged {"type","value"}; json_object is an alias of json.
const Grammar = T.tagged('type', 'value', { json: T.any, regex: T.string, json_schema: T.any }, { json_object: 'json' });

// [TGI] lib.rs GenerateParameters.
const Params = T.struct('GenerateParameters', {
  best_of: T.opt(T.usize),
  temperature: T.opt(T.f32),
  repetition_penalty: T.opt(T.f32),
  frequency_penalty: T.opt(T.f32),
  top_k: T.opt(T.i32),
  top_p: T.opt(T.f32),
  typical_p: T.opt(T.f32),
  do_sample: T.dflt(T.bool, false),
  max_new_tokens: T.opt(T.u32),
  return_full_text: T.opt(T.bool),
  stop: T.dflt(T.vec(T.string), () => []),
  truncate: T.opt(T.usize),
  watermark: T.dflt(T.bool, false),
  details: T.dflt(T.bool, false),
  decoder_input_details: T.dflt(T.bool, false),
  seed: T.opt(T.u64),
  top_n_tokens: T.opt(T.u32),
  grammar: T.opt(Grammar),
  adapter_id: T.opt(T.string),
});
// Missing `parameters` -> default_parameters(): do_sample true (doc/protocol.md §6.1, §7.20).
const defaultParams = () => ({ ...Params.de({ k: 'object', fields: [], e: 0 }, ''), do_sample: true });
const CompatRequest = T.struct('CompatGenerateRequest', { inputs: T.string, parameters: T.dflt(Params, defaultParams), stream: T.dflt(T.bool, false) });
const GenerateRequest = T.struct('GenerateRequest', { inputs: T.string, parameters: T.dflt(Params, defaultParams) });

const Message = T.struct('Message', {
  role: T.string,
  content: T.opt(T.untagged('MessageContent', [T.string, T.vec(T.any)])),
  name: T.opt(T.string),
  tool_calls: T.opt(T.any),
  tool_call_id: T.opt(T.string),
});
const ChatRequest = T.struct('ChatRequest', {
  model: T.opt(T.string),
  messages: T.vec(Message),
  frequency_penalty: T.opt(T.f32),
  presence_penalty: T.opt(T.f32),
  logit_bias: T.opt(T.any),
  logprobs: T.opt(T.bool),
  top_logprobs: T.opt(T.u32),
  max_tokens: T.opt(T.u32),
  max_completion_tokens: T.opt(T.u32),
  n: T.opt(T.u32),
  stop: T.opt(T.vec(T.string)),
  stream: T.dflt(T.bool, false),
  stream_options: T.opt(T.any),
  seed: T.opt(T.u64),
  temperature: T.opt(T.f32),
  top_p: T.opt(T.f32),
  tools: T.opt(T.vec(T.any)),
  tool_choice: T.opt(T.any),
  tool_prompt: T.opt(T.string),
  response_format: T.opt(Grammar),
});
const CompletionRequest = T.struct('CompletionRequest', {
  model: T.opt(T.string),
  prompt: T.untagged('Prompt', [T.string, T.vec(T.string)]),
  max_tokens: T.opt(T.u32),
  temperature: T.opt(T.f32),
  top_p: T.opt(T.f32),
  seed: T.opt(T.u64),
  stop: T.opt(T.vec(T.string)),
  stream: T.dflt(T.bool, false),
  frequency_penalty: T.opt(T.f32),
  repetition_penalty: T.opt(T.f32),
});

// TGI error JSON (doc/protocol.md §6.6).
function tgiError(status, error, type) {
  return json(status, { error, error_type: type });
}
const validation = (msg) => tgiError(422, `Input validation error: ${msg}`, 'validation');

// axum Json extractor rejections (doc/protocol.md §6.6): text/plain bodies.
const JSON_CT = /^application\/(.+\+)?json\b/;
let lastCt = null;
let lastCtOk = false;
function isJsonContentType(raw) {
  if (raw !== lastCt) {
    lastCtOk = JSON_CT.test(raw.toLowerCase());
    lastCt = raw;
  }
  return lastCtOk;
}

function readJson(ctx, schema) {
  if (!isJsonContentType(ctx.headers['content-type'] || '')) {
    return { error: text(415, 'Expected request with `Content-Type: application/json`') };
  }
  const r = deserialize(ctx.bodyText, schema);
  if (r.ok) return { value: r.value };
  if (r.syntax) return { error: text(400, `Failed to parse the request body as JSON: ${r.message}`) };
  return { error: text(422, `Failed to deserialize the JSON body into the target type: ${r.message}`) };
}

// [TGI] validation.rs, same order of checks.
function validateParams(p, inputs, cfg) {
  if (p.best_of != null) {
    if (p.best_of === 0 || p.best_of > 2) return validation(`\`best_of\` must be > 0 and <= 2. Given: ${p.best_of}`);
    if (p.best_of > 1 && !p.do_sample) return validation('you must use sampling when `best_of` is > 1');
  }
  if (p.temperature != null && p.temperature <= 0) return validation('`temperature` must be strictly positive');
  if (p.repetition_penalty != null && p.repetition_penalty <= 0) return validation('`repetition_penalty` must be strictly positive');
  if (p.frequency_penalty != null && (p.frequency_penalty < -2 || p.frequency_penalty > 2)) return validation('`frequency_penalty` must be >= -2.0 and <= 2.0');
  if (p.top_p != null && (p.top_p <= 0 || p.top_p >= 1)) return validation('`top_p` must be > 0.0 and < 1.0');
  if (p.typical_p != null && (p.typical_p <= 0 || p.typical_p >= 1)) return validation('`typical_p` must be > 0.0 and < 1.0');
  if (p.top_k != null && p.top_k <= 0) return validation('`top_k` must be strictly positive');
  if (p.max_new_tokens === 0) return validation('`max_new_tokens` must be strictly positive');
  if (p.stop.length > 4) return validation(`\`stop\` supports up to 4 stop sequences. Given: ${p.stop.length}`);
  if (p.top_n_tokens != null && p.top_n_tokens > 5) return validation(`\`top_n_tokens\` must be >= 0 and <= 5. Given: ${p.top_n_tokens}`);
  if (inputs.length === 0) return validation('`inputs` cannot be empty');
  if (p.truncate != null && (p.truncate === 0 || p.truncate > cfg.max_input_tokens)) {
    return validation(`\`truncate\` must be strictly positive and less than ${cfg.max_input_tokens}. Given: ${p.truncate}`);
  }
  const n = countTokens(inputs);
  if (p.truncate == null && n > cfg.max_input_tokens) return validation(`\`inputs\` must have less than ${cfg.max_input_tokens} tokens. Given: ${n}`);
  if (p.max_new_tokens != null && Math.min(n, p.truncate || n) + p.max_new_tokens > cfg.max_total_tokens) {
    return validation(`\`inputs\` tokens + \`max_new_tokens\` must be <= ${cfg.max_total_tokens}. Given: ${n} \`inputs\` tokens and ${p.max_new_tokens} \`max_new_tokens\``);
  }
  return null;
}

// Parameters that change the generated text (not max_new_tokens/stop/details).
function keyParams(p) {
  return {
    temperature: p.temperature, top_k: p.top_k, top_p: p.top_p, typical_p: p.typical_p, repetition_penalty: p.repetition_penalty,
    frequency_penalty: p.frequency_penalty, do_sample: p.do_sample, seed: p.seed, watermark: p.watermark,
    grammar: p.grammar, adapter_id: p.adapter_id, truncate: p.truncate,
  };
}

function isJsonGrammar(g) {
  return g && (g.type === 'json' || g.type === 'json_schema');
}

// Run the "model" for a TGI generate request; returns {error} or {gen, out}.
function runGenerate(state, ep, inputs, p, cfg) {
  const err = validateParams(p, inputs, cfg);
  if (err) return { error: err };
  const gen = generate({ prompt: inputs, keyParams: keyParams(p), maxTokens: p.max_new_tokens, stop: p.stop, cfg, leadingSpace: true });
  if (gen.fail) return { error: tgiError(424, 'Request failed during generation: Server error: injected failure for a `fail:` prompt', 'generation') };
  if (isJsonGrammar(p.grammar)) gen.text = JSON.stringify({ text: gen.text.trim() });
  return { gen };
}

// JSON with the u64 seed spliced in verbatim (doc/protocol.md §7.3).
function withSeed(obj, seed) {
  const s = JSON.stringify(obj);
  return seed == null ? s : s.replace('"__SEED__"', seed);
}

// [TGI] Token {id, text, logprob, special}.
function tokenJson(t) {
  const { id, logprob } = tokenInfo(t);
  return { id, text: t, logprob, special: false };
}

function details(gen, p, inputs) {
  const d = {
    finish_reason: gen.finish,
    generated_tokens: gen.tokens.length,
    seed: p.do_sample && p.seed != null ? '__SEED__' : null,
    prefill: [],
    tokens: gen.tokens.map((t) => tokenJson(t)),
  };
  if (p.decoder_input_details) {
    d.prefill = inputs.split(/(?=\s)/).map((t, i) => ({ id: tokenInfo(t).id, text: t, logprob: i === 0 ? null : tokenInfo(t).logprob }));
  }
  return d;
}

function genHeaders(gen, inputs, ctx) {
  const ms = String(Date.now() - ctx.now);
  return {
    'x-compute-type': 'gpu+optimized',
    'x-compute-time': ms,
    'x-compute-characters': String(inputs.length),
    'x-total-time': ms,
    'x-validation-time': '0',
    'x-queue-time': '0',
    'x-inference-time': ms,
    'x-time-per-token': '0',
    'x-prompt-tokens': String(countTokens(inputs)),
    'x-generated-tokens': String(gen.tokens.length),
  };
}

function sse(status, headers, events) {
  return {
    status,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
    body: events.map((e) => `data:${e}\n\n`).join(''),
  };
}

function generateResponse(state, ep, ctx, compat) {
  const cfg = ctx.cfg;
  const r = readJson(ctx, compat ? CompatRequest : GenerateRequest);
  if (r.error) return r.error;
  const { inputs } = r.value;
  const p = r.value.parameters;
  const stream = compat ? r.value.stream : ctx.route === '/generate_stream';
  if (p.return_full_text == null) p.return_full_text = compat && ep.model.task === 'text-generation';
  const run = runGenerate(state, ep, inputs, p, cfg);
  if (run.error) return run.error;
  const { gen } = run;
  const full = (p.return_full_text ? inputs : '') + gen.text;
  const headers = genHeaders(gen, inputs, ctx);
  if (stream) {
    // doc/protocol.md §6.2: one event per token, last one carries generated_text (+ details); no [DONE].
    const events = gen.tokens.map((t, i) => {
      const last = i === gen.tokens.length - 1;
      const ev = { index: i + 1, token: tokenJson(t), generated_text: last ? full : null, details: null };
      if (last && p.details) ev.details = { finish_reason: gen.finish, generated_tokens: gen.tokens.length, seed: p.do_sample && p.seed != null ? '__SEED__' : null, input_length: countTokens(inputs) };
      return withSeed(ev, p.seed);
    });
    return sse(200, headers, events);
  }
  const out = { generated_text: full };
  if (p.details) out.details = details(gen, p, inputs);
  return { status: 200, headers: { 'content-type': 'application/json', ...headers }, body: withSeed(compat ? [out] : out, p.seed) };
}

function contentText(c) {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  return c.filter((x) => x && x.type === 'text' && typeof x.text === 'string').map((x) => x.text).join('');
}

function chatResponse(state, ep, ctx) {
  const cfg = ctx.cfg;
  const r = readJson(ctx, ChatRequest);
  if (r.error) return r.error;
  const req = r.value;
  // [TGI] ChatRequest -> GenerateParameters: temperature 0 means greedy.
  let doSample = true;
  let temperature = req.temperature;
  if (temperature === 0) { doSample = false; temperature = null; }
  const maxTokens = req.max_tokens != null ? req.max_tokens : req.max_completion_tokens;
  const p = {
    temperature, top_p: req.top_p, frequency_penalty: req.frequency_penalty, do_sample: doSample, seed: req.seed,
    max_new_tokens: maxTokens, stop: req.stop || [], grammar: req.response_format, best_of: null, top_k: null,
    typical_p: null, repetition_penalty: null, top_n_tokens: null, truncate: null, watermark: false, adapter_id: null,
  };
  const users = req.messages.filter((m) => m.role === 'user');
  const last = users.length ? users[users.length - 1] : req.messages[req.messages.length - 1];
  const prompt = last ? contentText(last.content) : '';
  const allText = req.messages.map((m) => contentText(m.content)).join(' ');
  const err = validateParams(p, req.messages.length ? allText || ' ' : '', cfg);
  if (err) return err;
  const gen = generate({ prompt, keyParams: { ...keyParams(p), presence_penalty: req.presence_penalty, chat: true }, maxTokens, stop: p.stop, cfg, leadingSpace: false });
  if (gen.fail) return tgiError(424, 'Request failed during generation: Server error: injected failure for a `fail:` prompt', 'generation');
  const finish = gen.finish === 'eos_token' ? 'stop' : gen.finish;
  let message;
  const tools = req.tools || [];
  if (tools.length && req.tool_choice !== 'none') {
    let fn = tools[0] && tools[0].function ? tools[0].function : { name: 'tool' };
    const tc = req.tool_choice;
    if (tc && typeof tc === 'object' && tc.function && tc.function.name) fn = tools.map((t) => t.function || {}).find((f) => f.name === tc.function.name) || fn;
    const args = {};
    const props = (fn.parameters && fn.parameters.properties) || {};
    const words = gen.text.split(' ');
    Object.keys(props).forEach((k, i) => {
      const ty = props[k] && props[k].type;
      args[k] = ty === 'integer' || ty === 'number' ? i + 1 : ty === 'boolean' ? true : words[i % words.length];
    });
    message = { role: 'assistant', tool_calls: [{ id: '0', type: 'function', function: { name: fn.name, arguments: JSON.stringify(args) } }] };
  } else {
    const content = isJsonGrammar(p.grammar) ? JSON.stringify({ text: gen.text }) : gen.text;
    message = { role: 'assistant', content };
  }
  const promptTokens = req.messages.reduce((a, m) => a + countTokens(contentText(m.content)), 0);
  const usage = { prompt_tokens: promptTokens, completion_tokens: gen.tokens.length, total_tokens: promptTokens + gen.tokens.length };
  const created = Math.floor(ctx.now / 1000);
  const base = { id: '', created, model: ep.model.repository, system_fingerprint: FINGERPRINT };
  const logprobs = req.logprobs ? { content: gen.tokens.map((t) => ({ token: t, logprob: tokenInfo(t).logprob, top_logprobs: [] })) } : null;
  if (req.stream) {
    const events = [];
    if (message.content !== undefined) {
      const toks = isJsonGrammar(p.grammar) ? [message.content] : gen.tokens;
      toks.forEach((t, i) => {
        events.push(withSeed({ object: 'chat.completion.chunk', ...base, choices: [{ index: 0, delta: { role: 'assistant', content: t }, logprobs: null, finish_reason: i === toks.length - 1 ? finish : null }], usage: null }));
      });
    } else {
      events.push(JSON.stringify({ object: 'chat.completion.chunk', ...base, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: message.tool_calls }, logprobs: null, finish_reason: finish }], usage: null }));
    }
    if (req.stream_options && req.stream_options.include_usage) events.push(JSON.stringify({ object: 'chat.completion.chunk', ...base, choices: [], usage }));
    events.push('[DONE]');
    return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: events.map((e) => `data: ${e}\n\n`).join('') };
  }
  // doc/protocol.md §6.3: the real non-stream response shape.
  return json(200, {
    object: 'chat.completion', ...base,
    choices: [{ index: 0, message, logprobs, finish_reason: finish }],
    usage,
  }, { 'x-prompt-tokens': String(promptTokens), 'x-generated-tokens': String(gen.tokens.length) });
}

function completionsResponse(state, ep, ctx) {
  const r = readJson(ctx, CompletionRequest);
  if (r.error) return r.error;
  const req = r.value;
  const prompts = typeof req.prompt === 'string' ? [req.prompt] : req.prompt;
  const choices = [];
  let pt = 0;
  let ct = 0;
  for (let i = 0; i < prompts.length; i++) {
    const p = {
      temperature: req.temperature, top_p: req.top_p, frequency_penalty: req.frequency_penalty, repetition_penalty: req.repetition_penalty,
      do_sample: true, seed: req.seed, max_new_tokens: req.max_tokens, stop: req.stop || [], grammar: null, best_of: null,
      top_k: null, typical_p: null, top_n_tokens: null, truncate: null, watermark: false, adapter_id: null,
    };
    const run = runGenerate(state, ep, prompts[i], p, ctx.cfg);
    if (run.error) return run.error;
    choices.push({ index: i, text: run.gen.text, logprobs: null, finish_reason: run.gen.finish === 'eos_token' ? 'stop' : run.gen.finish });
    pt += countTokens(prompts[i]);
    ct += run.gen.tokens.length;
  }
  return json(200, {
    object: 'text_completion', id: '', created: Math.floor(ctx.now / 1000), model: ep.model.repository, system_fingerprint: FINGERPRINT,
    choices, usage: { prompt_tokens: pt, completion_tokens: ct, total_tokens: pt + ct },
  });
}

// TGI Info (doc/protocol.md §6.5).
function info(state, ep, ctx) {
  const cfg = ctx.cfg;
  return json(200, {
    model_id: ep.model.repository,
    model_sha: ep.model.revision,
    model_pipeline_tag: ep.model.task,
    max_concurrent_requests: ctx.knob('max_concurrency') || 128,
    max_best_of: 2,
    max_stop_sequences: 4,
    max_input_tokens: cfg.max_input_tokens,
    max_total_tokens: cfg.max_total_tokens,
    validation_workers: 2,
    max_client_batch_size: 4,
    router: 'text-generation-router',
    version: VERSION,
    sha: 'fake',
    docker_label: null,
  });
}

function handle(state, ep, ctx) {
  const { method, route } = ctx;
  const post = (fn) => (method === 'POST' ? fn() : empty(405));
  switch (route) {
    case '/':
      return method === 'GET' ? null : post(() => generateResponse(state, ep, ctx, true));
    case '/generate':
    case '/generate_stream':
      return post(() => generateResponse(state, ep, ctx, false));
    case '/v1/chat/completions':
    case '/chat/completions':
      return post(() => chatResponse(state, ep, ctx));
    case '/v1/completions':
      return post(() => completionsResponse(state, ep, ctx));
    case '/info':
      return method === 'GET' ? info(state, ep, ctx) : empty(405);
    case '/v1/models':
      return json(200, { object: 'list', data: [{ id: ep.model.repository, object: 'model', created: 0, owned_by: ep.model.repository }] });
    case '/metrics':
      return text(200, `# TYPE tgi_request_count counter\ntgi_request_count ${ep.dataRequests}\n`);
    default:
      return empty(404);
  }
}

// Shared with openai.js (chat of vLLM, SGLang, llama.cpp is TGI's, keys
// built the same way) and toolkit.js (same generated text as TGI).
module.exports = { handle, tgiError, readJson, keyParams, isJsonGrammar, isJsonContentType, chatResponse, defaultParams, Params };
