'use strict';
// TEI (text-embeddings-inference) data plane, doc/protocol.md §6.4.
//   POST / and /embed   {"inputs": str|[str], normalize, truncate, truncation_direction,
//                        prompt_name, dimensions} -> [[f32, ...], ...] (one row per input)
//   POST /v1/embeddings OpenAI-compatible
//   GET  /info
// Errors: {"error", "error_type"}; 413 validation, 422 tokenizer (TEI ErrorType -> status).

const { json, sha256Bytes, isPlainObject } = require('./util');
const { T } = require('./json');
const { readJson } = require('./tgi');
const { countTokens } = require('./textgen');

const Input = T.untagged('Input', [T.string, T.vec(T.string)]);
const EmbedRequest = T.struct('EmbedRequest', {
  inputs: Input,
  truncate: T.opt(T.bool),
  truncation_direction: T.dflt(T.enum(['left', 'right', 'Left', 'Right']), 'right'),
  prompt_name: T.opt(T.string),
  normalize: T.dflt(T.bool, true),
  dimensions: T.opt(T.usize),
});
const OpenAIRequest = T.struct('OpenAICompatRequest', {
  input: Input,
  model: T.opt(T.string),
  encoding_format: T.dflt(T.enum(['float', 'base64']), 'float'),
  dimensions: T.opt(T.usize),
  user: T.opt(T.string),
});

function teiError(status, error, type) {
  return json(status, { error, error_type: type });
}

// Deterministic vector: values in [-1, 1] from sha256 blocks of the text, 4 decimals.
function rawVector(textIn, dim) {
  const v = [];
  let block = 0;
  while (v.length < dim) {
    const h = sha256Bytes('emb:' + textIn + '#' + block++);
    for (let i = 0; i + 1 < h.length && v.length < dim; i += 2) {
      v.push(Math.round(((((h.charCodeAt(i) << 8) | h.charCodeAt(i + 1)) / 65535) * 2 - 1) * 10000) / 10000);
    }
  }
  return v;
}

// Shortest decimal that reads back as the same f32 (how TEI/serde prints f32).
function f32Slow(f) {
  for (let p = 1; p < 10; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

// Same result as f32Slow, without most of its toPrecision calls.  For a
// normal f = ±a and a precision p, with E the decimal exponent of a and
// k = p - 1 - E, f.toPrecision(p) is R * 10^-k where R is a * 10^k rounded
// half up.  So:
// * p is skipped when a * 10^k is farther from an integer than any decimal
//   that reads back as f can be (|f| * 2^-24 plus double rounding; a 2x
//   margin covers the floating-point error of the test);
// * otherwise Number(f.toPrecision(p)) is computed as R / 10^k (or R * 10^-k),
//   a single correctly rounded operation on exact operands, whenever E is
//   certain, 10^|k| is exact and a * 10^k is not near a tie; else toPrecision.
const F32_MIN_NORMAL = 1.1754943508222875e-38;
const TWO_M23 = 2 ** -23;
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
function f32(x) {
  const f = Math.fround(x);
  const a = Math.abs(f);
  if (!(a >= F32_MIN_NORMAL && a < Infinity)) return f32Slow(f);
  const e10 = Math.floor(Math.log10(a));
  const m = e10 >= 0 ? a / 10 ** e10 : a * 10 ** -e10;
  const sureE = m > 1 + 1e-9 && m < 10 - 1e-8;
  for (let p = 1; p < 10; p++) {
    const k = p - 1 - e10;
    const exactPow = k <= 22 && k >= -22;
    const scaled = exactPow ? (k >= 0 ? a * POW10[k] : a / POW10[-k]) : (k >= 0 ? a * 10 ** k : a / 10 ** -k);
    const r = Math.round(scaled);
    const dist = Math.abs(scaled - r);
    if (dist > scaled * TWO_M23 * 1.01 + 1e-9) continue;
    let d;
    if (sureE && exactPow && dist < 0.5 - 1e-6) {
      d = k >= 0 ? r / POW10[k] : r * POW10[-k];
      if (f < 0) d = -d;
    } else {
      d = Number(f.toPrecision(p));
    }
    if (Math.fround(d) === f) return d;
  }
  return f;
}

function embedOne(textIn, dim, dims, normalize) {
  let v = rawVector(textIn, dim);
  if (dims != null) v = v.slice(0, dims);
  if (normalize) {
    const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
    v = v.map((x) => f32(x / n));
  }
  return v;
}

// Shared checks; returns an error response or null.
function check(ctx, texts, dims, dim) {
  const maxBatch = ctx.knob('max_batch_size');
  if (texts.length === 0) return teiError(413, '`inputs` cannot be empty', 'validation');
  if (texts.length > maxBatch) return teiError(413, `batch size ${texts.length} > maximum allowed batch size ${maxBatch}`, 'validation');
  if (dims != null && (dims === 0 || dims > dim)) return teiError(400, `\`dimensions\` must be > 0 and <= ${dim}. Given: ${dims}`, 'validation');
  for (const t of texts) {
    if (t.length === 0) return teiError(422, '`inputs` cannot be empty', 'tokenizer');
  }
  return null;
}

function embed(state, ep, ctx) {
  const r = readJson(ctx, EmbedRequest);
  if (r.error) return r.error;
  const req = r.value;
  const texts = typeof req.inputs === 'string' ? [req.inputs] : req.inputs;
  const dim = ctx.knob('dimensions');
  const err = check(ctx, texts, req.dimensions, dim);
  if (err) return err;
  const maxIn = ctx.cfg.tei_max_input_tokens;
  for (const t of texts) {
    const n = countTokens(t);
    if (!req.truncate && n > maxIn) return teiError(413, `Input validation error: \`inputs\` must have less than ${maxIn} tokens. Given: ${n}`, 'validation');
  }
  const prefix = req.prompt_name ? req.prompt_name + ': ' : '';
  const rows = texts.map((t) => embedOne(prefix + t, dim, req.dimensions, req.normalize));
  return json(200, rows, { 'x-compute-type': 'cpu', 'x-compute-characters': String(texts.reduce((a, t) => a + t.length, 0)), 'x-compute-tokens': String(texts.reduce((a, t) => a + countTokens(t), 0)) });
}

function openaiEmbed(state, ep, ctx) {
  const r = readJson(ctx, OpenAIRequest);
  if (r.error) return r.error;
  const req = r.value;
  const texts = typeof req.input === 'string' ? [req.input] : req.input;
  const dim = ctx.knob('dimensions');
  const err = check(ctx, texts, req.dimensions, dim);
  if (err) return err;
  const data = texts.map((t, i) => {
    const v = embedOne(t, dim, req.dimensions, true);
    const embedding = req.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
    return { object: 'embedding', embedding, index: i };
  });
  const tokens = texts.reduce((a, t) => a + countTokens(t), 0);
  return json(200, { object: 'list', data, model: ep.model.repository, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

// sentence-similarity (inference toolkit shape): {"inputs": {"source_sentence", "sentences"}} -> [score].
function similarity(ctx, inputs) {
  const dim = ctx.knob('dimensions');
  const src = embedOne(String(inputs.source_sentence), dim, null, true);
  const out = (inputs.sentences || []).map((s) => {
    const v = embedOne(String(s), dim, null, true);
    return Math.round(v.reduce((a, x, i) => a + x * src[i], 0) * 10000) / 10000;
  });
  return json(200, out);
}

function info(state, ep, ctx) {
  return json(200, {
    model_id: ep.model.repository,
    model_sha: ep.model.revision,
    model_dtype: 'float32',
    model_type: { embedding: { pooling: 'cls' } },
    max_concurrent_requests: ctx.knob('max_concurrency') || 512,
    max_input_length: ctx.cfg.tei_max_input_tokens,
    max_batch_tokens: 16384,
    max_batch_requests: null,
    max_client_batch_size: ctx.knob('max_batch_size'),
    auto_truncate: false,
    tokenization_workers: 2,
    version: '1.7.1',
    sha: 'fake',
    docker_label: null,
  });
}

function handle(state, ep, ctx) {
  const { method, route } = ctx;
  if (route === '/info') return info(state, ep, ctx);
  if (method !== 'POST') return { status: 405, headers: {}, body: '' };
  if (route === '/' || route === '/embed') {
    if (ep.model.task === 'sentence-similarity') {
      try {
        const b = JSON.parse(ctx.bodyText);
        if (b && isPlainObject(b.inputs)) return similarity(ctx, b.inputs);
      } catch (e) { /* fall through to the TEI error path */ }
    }
    return embed(state, ep, ctx);
  }
  if (route === '/v1/embeddings') return openaiEmbed(state, ep, ctx);
  return { status: 404, headers: {}, body: '' };
}

module.exports = { handle, embedOne, f32, f32Slow };
