'use strict';
// TEI (text-embeddings-inference) data plane, doc/protocol.md §6.4, §9.3,
// §9.4, §9.6, §9.7 ([TEI] v1.9.3).
// The model type follows the endpoint's task: text-classification is a
// classifier, sentence-ranking/text-ranking a reranker, anything else an
// embedding model.
//   POST /embed          {"inputs": str|[str], normalize, truncate, truncation_direction,
//                         prompt_name, dimensions} -> [[f32, ...], ...] (one row per input)
//   POST /predict        {"inputs": "a" | ["a","b"] | [["a"],["a","b"],..], raw_scores, truncate}
//   POST /rerank         {"query","texts",raw_scores,return_text,truncate} -> [{index,text?,score}]
//   POST /similarity     {"inputs":{"source_sentence","sentences"}} -> [f32, ...]
//   POST /               by model type: predict, rerank, embed (or similarity)
//   POST /v1/embeddings, /embeddings   OpenAI-compatible, flat errors {"message","code","type"}
//   GET  /info
// Errors: {"error", "error_type"} with TEI's PascalCase ErrorType and its
// status: Validation/Tokenizer 422, Empty 400, Backend 424, Overloaded 429,
// Unhealthy 503.

const { json, empty, sha256Bytes, isPlainObject } = require('./util');
const { T, DeserError } = require('./json');
const { readJson } = require('./tgi');
const { countTokens } = require('./textgen');

const VERSION = '1.9.3';
const Direction = T.dflt(T.enum(['left', 'right', 'Left', 'Right']), 'right');
const Input = T.untagged('Input', [T.string, T.vec(T.string)]);
const EmbedRequest = T.struct('EmbedRequest', {
  inputs: Input,
  truncate: T.opt(T.bool),
  truncation_direction: Direction,
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

// [TEI] types.rs PredictInput: a string, a pair [a, b], or a batch [[a], [a, b], ...].
const PREDICT_EXPECTING = 'a string, a pair of strings [string, string] or a batch of mixed strings and pairs [[string], [string, string], ...]';
const PredictInput = {
  name: 'PredictInput',
  de(node, path) {
    const fail = (msg, at) => new DeserError(path, msg, (at || node).e);
    if (node.k === 'string') return { batch: false, items: [[node.v]] };
    if (node.k !== 'array') throw fail(`invalid type: ${node.k === 'object' ? 'map' : node.k === 'number' ? `integer \`${node.raw}\`` : node.k}, expected ${PREDICT_EXPECTING}`);
    const it = node.items;
    if (!it.length) throw fail(`invalid length 0, expected ${PREDICT_EXPECTING}`);
    const strings = (arr, at) => arr.map((x) => { if (x.k !== 'string') throw fail(`invalid type: ${x.k}, expected a string`, x); return x.v; });
    if (it[0].k === 'string') {
      if (it.length > 2) throw fail(`invalid length 3, expected ${PREDICT_EXPECTING}`);
      return { batch: false, items: [strings(it)] };
    }
    const items = it.map((x) => {
      if (x.k !== 'array') throw fail(`invalid type: ${x.k}, expected a sequence`, x);
      if (x.items.length < 1 || x.items.length > 2) throw fail(`invalid length ${x.items.length}, expected ${PREDICT_EXPECTING}`, x);
      return strings(x.items);
    });
    return { batch: true, items };
  },
};
const PredictRequest = T.struct('PredictRequest', {
  inputs: PredictInput,
  truncate: T.opt(T.bool),
  truncation_direction: Direction,
  raw_scores: T.dflt(T.bool, false),
});
const RerankRequest = T.struct('RerankRequest', {
  query: T.string,
  texts: T.vec(T.string),
  truncate: T.opt(T.bool),
  truncation_direction: Direction,
  raw_scores: T.dflt(T.bool, false),
  return_text: T.dflt(T.bool, false),
});
const SimilarityRequest = T.struct('SimilarityRequest', {
  inputs: T.struct('SimilarityInput', { source_sentence: T.string, sentences: T.vec(T.string) }),
  parameters: T.opt(T.any),
});

// [TEI] router/src/lib.rs ErrorType (no serde rename) and its StatusCode.
const STATUS = { Unhealthy: 503, Backend: 424, Overloaded: 429, Tokenizer: 422, Validation: 422, Empty: 400 };
function teiError(type, error) {
  return json(STATUS[type], { error, error_type: type });
}
const backend = (msg) => teiError('Backend', `Backend error: ${msg}`);

// Model type by task (README "TEI").
function modelType(ep) {
  const t = ep.model.task;
  if (t === 'text-classification') return 'classifier';
  if (t === 'sentence-ranking' || t === 'text-ranking') return 'reranker';
  return 'embedding';
}
const MODEL_TYPES = {
  embedding: { embedding: { pooling: 'cls' } },
  classifier: { classifier: { id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' }, label2id: { NEGATIVE: 0, POSITIVE: 1 } } },
  reranker: { reranker: { id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } } },
};

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

// Batch checks of /embed, /v1/embeddings ([TEI] server.rs): [] -> 400 Empty,
// more than max_client_batch_size -> 422 Validation.
function checkBatch(ctx, texts, isBatch) {
  if (!isBatch) return null;
  const maxBatch = ctx.knob('max_batch_size');
  if (texts.length === 0) return { type: 'Empty', error: '`inputs` cannot be empty' };
  if (texts.length > maxBatch) return { type: 'Validation', error: `batch size ${texts.length} > maximum allowed batch size ${maxBatch}` };
  return null;
}

// Per-input checks of the tokenizer ([TEI] core tokenization.rs, infer.rs):
// an empty input is Empty (400), too many tokens without truncation Validation.
function checkInput(ctx, parts, truncate) {
  if (parts.every((t) => t.length === 0)) return { type: 'Empty', error: 'Input validation error: `inputs` cannot be empty' };
  const maxIn = ctx.cfg.tei_max_input_tokens;
  const n = parts.reduce((a, t) => a + countTokens(t), 0);
  if (!truncate && n > maxIn) return { type: 'Validation', error: `Input validation error: \`inputs\` must have less than ${maxIn} tokens. Given: ${n}` };
  return null;
}

// [TEI] infer.rs embed_pooled: 0 is refused before the inputs are read,
// more than the model's dimension after.
function checkDimsZero(dims) {
  return dims === 0 ? { type: 'Validation', error: 'Input validation error: `dimensions` should be positive' } : null;
}
function checkDimsMax(dims, dim) {
  return dims != null && dims > dim ? { type: 'Validation', error: 'Input validation error: `dimensions` should be smaller than the maximum embedding dimension.' } : null;
}

const asTei = (e) => teiError(e.type, e.error);
const asOpenAI = (e) => json(STATUS[e.type], { message: e.error, code: STATUS[e.type], type: e.type });

function computeHeaders(texts) {
  return { 'x-compute-type': 'cpu', 'x-compute-characters': String(texts.reduce((a, t) => a + t.length, 0)), 'x-compute-tokens': String(texts.reduce((a, t) => a + countTokens(t), 0)) };
}

function embed(state, ep, ctx) {
  const r = readJson(ctx, EmbedRequest);
  if (r.error) return r.error;
  const req = r.value;
  const isBatch = typeof req.inputs !== 'string';
  const texts = isBatch ? req.inputs : [req.inputs];
  const dim = ctx.knob('dimensions');
  const e = checkBatch(ctx, texts, isBatch) || checkDimsZero(req.dimensions) || (modelType(ep) !== 'embedding' ? { backend: true } : null)
    || firstInputError(ctx, texts, req.truncate) || checkDimsMax(req.dimensions, dim);
  if (e) return e.backend ? backend('Model is not an embedding model') : asTei(e);
  const prefix = req.prompt_name ? req.prompt_name + ': ' : '';
  const rows = texts.map((t) => embedOne(prefix + t, dim, req.dimensions, req.normalize));
  return json(200, rows, computeHeaders(texts));
}

function firstInputError(ctx, texts, truncate) {
  for (const t of texts) {
    const e = checkInput(ctx, [t], truncate);
    if (e) return e;
  }
  return null;
}

function openaiEmbed(state, ep, ctx) {
  const r = readJson(ctx, OpenAIRequest);
  if (r.error) return r.error;
  const req = r.value;
  const isBatch = typeof req.input !== 'string';
  const texts = isBatch ? req.input : [req.input];
  const dim = ctx.knob('dimensions');
  const e = checkBatch(ctx, texts, isBatch) || checkDimsZero(req.dimensions)
    || (modelType(ep) !== 'embedding' ? { type: 'Backend', error: 'Backend error: Model is not an embedding model' } : null)
    || firstInputError(ctx, texts, false) || checkDimsMax(req.dimensions, dim);
  if (e) return asOpenAI(e);
  const data = texts.map((t, i) => {
    const v = embedOne(t, dim, req.dimensions, true);
    const embedding = req.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
    return { object: 'embedding', embedding, index: i };
  });
  const tokens = texts.reduce((a, t) => a + countTokens(t), 0);
  return json(200, { object: 'list', data, model: ep.model.repository, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

// Cosine scores of source_sentence against each sentence (toolkit.js uses it too).
function cosines(ctx, source, sentences) {
  const dim = ctx.knob('dimensions');
  const src = embedOne(String(source), dim, null, true);
  return sentences.map((s) => {
    const v = embedOne(String(s), dim, null, true);
    return Math.round(v.reduce((a, x, i) => a + x * src[i], 0) * 10000) / 10000;
  });
}

// sentence-similarity on POST /: {"inputs": {"source_sentence", "sentences"}} -> [score].
function similarity(ctx, inputs) {
  return json(200, cosines(ctx, inputs.source_sentence, inputs.sentences || []));
}

// POST /similarity ([TEI] server.rs similarity).
function similarityRoute(state, ep, ctx) {
  const r = readJson(ctx, SimilarityRequest);
  if (r.error) return r.error;
  const { source_sentence: src, sentences } = r.value.inputs;
  if (!sentences.length) return teiError('Empty', '`inputs.sentences` cannot be empty');
  const maxBatch = ctx.knob('max_batch_size');
  if (sentences.length + 1 > maxBatch) return teiError('Validation', `batch size ${sentences.length + 1} > maximum allowed batch size ${maxBatch}`);
  if (modelType(ep) !== 'embedding') return backend('Model is not an embedding model');
  const e = firstInputError(ctx, [src, ...sentences], false);
  if (e) return asTei(e);
  return json(200, cosines(ctx, src, sentences));
}

// Deterministic logits in [-8, 8] from sha256 of the text(s).
function logit(salt, parts, k) {
  const h = sha256Bytes(salt + ':' + parts.join('\u0000') + '#' + k);
  return Math.round(((((h.charCodeAt(0) << 8) | h.charCodeAt(1)) / 65535) * 16 - 8) * 10000) / 10000;
}
const sigmoid = (x) => 1 / (1 + Math.exp(-x));

// Scores of one sequence (one or two texts), in label id order.
function scores(type, parts, raw) {
  if (type === 'reranker') {
    const l = logit('rank', parts.length === 1 ? [parts[0], ''] : parts, 0);
    return [f32(raw ? l : sigmoid(l))];
  }
  const ls = [logit('cls', parts, 0), logit('cls', parts, 1)];
  if (raw) return ls.map(f32);
  const m = Math.max(...ls);
  const ex = ls.map((x) => Math.exp(x - m));
  const z = ex[0] + ex[1];
  return ex.map((x) => f32(x / z));
}

function predictOne(type, parts, raw) {
  const id2label = MODEL_TYPES[type][type].id2label;
  return scores(type, parts, raw).map((score, i) => ({ score, label: id2label[i] })).sort((a, b) => b.score - a.score);
}

function predict(state, ep, ctx) {
  const r = readJson(ctx, PredictRequest);
  if (r.error) return r.error;
  const req = r.value;
  const type = modelType(ep);
  const truncate = req.truncate === null ? false : req.truncate;
  const { batch, items } = req.inputs;
  if (batch) {
    const maxBatch = ctx.knob('max_batch_size');
    if (items.length > maxBatch) return teiError('Validation', `batch size ${items.length} > maximum allowed batch size ${maxBatch}`);
  }
  if (type === 'embedding') return backend('Model is not a classifier model');
  for (const parts of items) {
    const e = checkInput(ctx, parts, truncate);
    if (e) return asTei(e);
  }
  const out = items.map((parts) => predictOne(type, parts, req.raw_scores));
  const all = [].concat(...items);
  return json(200, batch ? out : out[0], computeHeaders(all));
}

function rerank(state, ep, ctx) {
  const r = readJson(ctx, RerankRequest);
  if (r.error) return r.error;
  const req = r.value;
  if (!req.texts.length) return teiError('Empty', '`texts` cannot be empty');
  if (modelType(ep) !== 'reranker') return backend('model is not a re-ranker model');
  const maxBatch = ctx.knob('max_batch_size');
  if (req.texts.length > maxBatch) return teiError('Validation', `batch size ${req.texts.length} > maximum allowed batch size ${maxBatch}`);
  const truncate = req.truncate === null ? false : req.truncate;
  for (const t of req.texts) {
    const e = checkInput(ctx, [req.query, t], truncate);
    if (e) return asTei(e);
  }
  const ranks = req.texts.map((t, index) => {
    const score = scores('reranker', [req.query, t], req.raw_scores)[0];
    return req.return_text ? { index, text: t, score } : { index, score };
  });
  ranks.sort((a, b) => b.score - a.score || a.index - b.index);
  return json(200, ranks, computeHeaders([...req.texts, ...req.texts.map(() => req.query)]));
}

// [TEI] lib.rs Info, in its field order.
function info(state, ep, ctx) {
  return json(200, {
    model_id: ep.model.repository,
    model_sha: ep.model.revision,
    model_dtype: 'float32',
    served_model_name: ep.model.repository,
    model_type: MODEL_TYPES[modelType(ep)],
    max_concurrent_requests: ctx.knob('max_concurrency') || 512,
    max_input_length: ctx.cfg.tei_max_input_tokens,
    max_batch_tokens: 16384,
    max_batch_requests: null,
    max_client_batch_size: ctx.knob('max_batch_size'),
    auto_truncate: false,
    tokenization_workers: 2,
    version: VERSION,
    sha: 'fake',
    docker_label: null,
  });
}

// POST / by model type ([TEI] server.rs run: classifier -> predict, reranker
// -> rerank, embedding -> embed, or similarity for sentence-similarity).
function root(state, ep, ctx) {
  const type = modelType(ep);
  if (type === 'classifier') return predict(state, ep, ctx);
  if (type === 'reranker') return rerank(state, ep, ctx);
  if (ep.model.task === 'sentence-similarity') {
    try {
      const b = JSON.parse(ctx.bodyText);
      if (b && isPlainObject(b.inputs)) return similarity(ctx, b.inputs);
    } catch (e) { /* fall through to the TEI error path */ }
  }
  return embed(state, ep, ctx);
}

const ROUTES = {
  '/': root,
  '/invocations': root,
  '/embed': embed,
  '/predict': predict,
  '/rerank': rerank,
  '/similarity': similarityRoute,
  '/v1/embeddings': openaiEmbed,
  '/embeddings': openaiEmbed,
};

function handle(state, ep, ctx) {
  const { method, route } = ctx;
  if (route === '/info') return method === 'GET' ? info(state, ep, ctx) : empty(405);
  const fn = ROUTES[route];
  if (!fn) return empty(404);
  if (method !== 'POST') return empty(405);
  return fn(state, ep, ctx);
}

// Health and overload answers (dataplane.js): [TEI] health, Overloaded.
function health(ctx, status) {
  return status === 200 ? empty(200) : json(status, { error: 'unhealthy', error_type: 'Unhealthy' });
}
const overloaded = () => teiError('Overloaded', 'Model is overloaded');

// The labels of TEI's classifier, in id order (the order of scores()).
const CLASSIFIER_LABELS = Object.values(MODEL_TYPES.classifier.classifier.id2label);

module.exports = { handle, health, overloaded, embedOne, f32, f32Slow, cosines, modelType, scores, CLASSIFIER_LABELS };
