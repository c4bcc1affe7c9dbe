'use strict';
// Hugging Face Inference Toolkit (image `huggingface`, `huggingfaceNeuron`),
// doc/protocol.md §9.3, §9.5, §9.6
// ([TK] webservice_starlette.py, handler.py, sentence_transformers_utils.py).
//   GET  /  /health       200 text/plain "Ok" (dataplane.js health())
//   POST /  /predict      {"inputs", "parameters"?} -> the pipeline of model.task;
//                         media tasks also take image/*, audio/*, octet-stream bodies
//   anything else         404 text/plain "Not Found" (Starlette); GET /predict 405
// Every failure is 400 {"error": "<exception text>"}.
//
// text-generation / text2text-generation generate the fake TGI's text
// (textgen.js with tgi.js's key parameters): the toolkit's {"inputs": p,
// "parameters": P} gives the same generated part as TGI's POST / with the
// same {"inputs": p, "parameters": P}.  sentence-embeddings answers tei.js
// vectors, feature-extraction token-level vectors; the media tasks
// (image-classification, object-detection, image-to-text,
// automatic-speech-recognition, audio-classification) answer from a sha256
// of the media bytes, sent as a binary body or base64 in JSON `inputs`
// (README "Media bodies"); the other tasks are tasks.js's.

const { json, text, isPlainObject, words, sha256 } = require('./util');
const { generate, countTokens, wordsFor } = require('./textgen');
const tgi = require('./tgi');
const tei = require('./tei');
const tasks = require('./tasks');

// Keys a transformers text-generation pipeline takes (README "Inference toolkit").
const GEN_KEYS = new Set(['max_new_tokens', 'temperature', 'top_k', 'top_p', 'typical_p', 'repetition_penalty', 'do_sample', 'return_full_text', 'max_length', 'num_beams']);

const fail = (msg) => json(400, { error: msg });

// Python's repr of a str (the quotes a list of kwargs is printed with).
function pyRepr(s) {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), '\\' + q).replace(/\n/g, '\\n') + q;
}

// Python's repr of a number, as in the transformers messages.
const pyNum = (x) => (Number.isInteger(x) ? String(x) : String(x));

function generation(ep, ctx, body) {
  const inputs = body.inputs;
  const single = typeof inputs === 'string';
  if (!single && !(Array.isArray(inputs) && inputs.length && inputs.every((s) => typeof s === 'string'))) {
    return fail('TextGenerationPipeline expects `inputs` to be a string or a list of strings');
  }
  if (body.parameters != null && !isPlainObject(body.parameters)) return fail("argument after ** must be a mapping, not " + (Array.isArray(body.parameters) ? 'list' : typeof body.parameters));
  const params = { ...(body.parameters || {}) };
  // [TK] handler.py: generation_parameters -> generate_kwargs, flattened to the top level.
  if ('generation_parameters' in params) { params.generate_kwargs = params.generation_parameters; delete params.generation_parameters; }
  if ('generate_kwargs' in params) {
    const gk = params.generate_kwargs;
    delete params.generate_kwargs;
    if (isPlainObject(gk)) Object.assign(params, gk);
  }
  const unused = Object.keys(params).filter((k) => !GEN_KEYS.has(k));
  if (unused.length) {
    return fail(`The following \`model_kwargs\` are not used by the model: [${unused.map(pyRepr).join(', ')}] (note: typos in the generate arguments will also show up in this list)`);
  }
  for (const k of ['temperature', 'top_p', 'typical_p', 'repetition_penalty']) {
    if (params[k] != null && typeof params[k] !== 'number') return fail(`'>' not supported between instances of '${typeof params[k] === 'string' ? 'str' : typeof params[k]}' and 'int'`);
  }
  for (const k of ['max_new_tokens', 'top_k', 'max_length', 'num_beams']) {
    if (params[k] != null && !Number.isInteger(params[k])) return fail(`\`${k}\` must be an integer, but is ${JSON.stringify(params[k])}`);
  }
  const doSample = params.do_sample === true;
  // transformers GenerationConfig / logits warpers, applied when sampling.
  if (doSample) {
    if (params.temperature != null && !(params.temperature > 0)) {
      return fail(`\`temperature\` (=${pyNum(params.temperature)}) has to be a strictly positive float, otherwise your next token scores will be invalid. If you're looking for greedy decoding strategies, set \`do_sample=False\`.`);
    }
    if (params.top_p != null && !(params.top_p >= 0 && params.top_p <= 1)) return fail(`\`top_p\` has to be a float > 0 and < 1, but is ${pyNum(params.top_p)}`);
    if (params.top_k != null && params.top_k < 0) return fail(`\`top_k\` has to be a strictly positive integer, but is ${params.top_k}`);
  }
  if (params.repetition_penalty != null && !(params.repetition_penalty > 0)) return fail(`\`penalty\` has to be a strictly positive float, but is ${pyNum(params.repetition_penalty)}`);
  if (params.max_new_tokens != null && params.max_new_tokens < 1) return fail(`\`max_new_tokens\` must be greater than 0, but is ${params.max_new_tokens}.`);
  if (params.num_beams != null && params.num_beams < 1) return fail(`\`num_beams\` has to be a strictly positive integer, but is ${params.num_beams}`);

  // The TGI GenerateParameters of the same request: what tgi.js would
  // deserialise from {"parameters": P} (f32 values, do_sample default false).
  const f = (x) => (x == null ? null : Math.fround(x));
  const p = {
    temperature: f(params.temperature), top_k: params.top_k == null ? null : params.top_k, top_p: f(params.top_p),
    typical_p: f(params.typical_p), repetition_penalty: f(params.repetition_penalty), frequency_penalty: null,
    do_sample: doSample, seed: null, watermark: false, grammar: null, adapter_id: null, truncate: null,
  };
  const key = tgi.keyParams(p);
  // return_full_text: the text-generation pipeline prepends the prompt unless
  // it is false; text2text-generation never does.
  const full = ep.model.task === 'text-generation' && params.return_full_text !== false;
  const out = [];
  for (const prompt of single ? [inputs] : inputs) {
    let maxTokens = params.max_new_tokens != null ? params.max_new_tokens : null;
    if (maxTokens == null && params.max_length != null) maxTokens = Math.max(0, params.max_length - countTokens(prompt));
    const gen = generate({ prompt, keyParams: key, maxTokens, stop: [], cfg: ctx.cfg, leadingSpace: true });
    if (gen.fail) return fail('CUDA error: an illegal memory access was encountered (injected failure for a `fail:` prompt)');
    out.push([{ generated_text: (full ? prompt : '') + gen.text }]);
  }
  return json(200, single ? out[0] : out);
}

// [TK] SentenceEmbeddingPipeline: {"embeddings": [f..]} or [[f..], ..];
// `parameters` are not passed to sentence-transformers pipelines (handler.py).
function sentenceEmbeddings(ep, ctx, body) {
  const dim = ctx.knob('dimensions');
  const inputs = body.inputs;
  if (typeof inputs === 'string') return json(200, { embeddings: tei.embedOne(inputs, dim, null, true) });
  if (Array.isArray(inputs) && inputs.every((s) => typeof s === 'string')) {
    return json(200, { embeddings: inputs.map((s) => tei.embedOne(s, dim, null, true)) });
  }
  if (isPlainObject(inputs)) {
    const k = Object.keys(inputs).find((x) => x !== 'sentences');
    if (k !== undefined) return fail(`SentenceEmbeddingPipeline.__call__() got an unexpected keyword argument '${k}'`);
    return sentenceEmbeddings(ep, ctx, { inputs: inputs.sentences });
  }
  return fail("TextEncodeInput must be Union[TextInputSequence, Tuple[InputSequence, InputSequence]]");
}

// transformers FeatureExtractionPipeline: token-level vectors, [[v_1, ..., v_k]]
// for a string (one un-normalised vector per whitespace-separated word).
function featureExtraction(ep, ctx, body) {
  const dim = ctx.knob('dimensions');
  const one = (s) => [words(s).map((w) => tei.embedOne(w, dim, null, false))];
  const inputs = body.inputs;
  if (typeof inputs === 'string') return json(200, one(inputs));
  if (Array.isArray(inputs) && inputs.every((s) => typeof s === 'string')) return json(200, inputs.map(one));
  return fail("TextEncodeInput must be Union[TextInputSequence, Tuple[InputSequence, InputSequence]]");
}

// [TK] SentenceSimilarityPipeline: {"similarities": [..]}.
function sentenceSimilarity(ep, ctx, body) {
  const inputs = body.inputs;
  if (!isPlainObject(inputs)) return fail('SentenceSimilarityPipeline.__call__() argument after ** must be a mapping, not ' + (typeof inputs === 'string' ? 'str' : Array.isArray(inputs) ? 'list' : typeof inputs));
  const extra = Object.keys(inputs).find((k) => k !== 'source_sentence' && k !== 'sentences');
  if (extra !== undefined) return fail(`SentenceSimilarityPipeline.__call__() got an unexpected keyword argument '${extra}'`);
  for (const k of ['source_sentence', 'sentences']) {
    if (!(k in inputs)) return fail(`SentenceSimilarityPipeline.__call__() missing 1 required positional argument: '${k}'`);
  }
  const sentences = Array.isArray(inputs.sentences) ? inputs.sentences : [inputs.sentences];
  return json(200, { similarities: tei.cosines(ctx, inputs.source_sentence, sentences) });
}

// ------------------------------------------------------------ media bodies
// [TK] serialization/base.py (doc: engines.md §7 item 11): the request
// Content-Type picks the deserializer, matched without parameters and
// case-insensitively; the list is reported in its documented spelling.
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/jpg', 'image/tiff', 'image/bmp', 'image/gif', 'image/webp', 'image/x-image'];
const AUDIO_TYPES = ['audio/x-flac', 'audio/flac', 'audio/mpeg', 'audio/x-mpeg-3', 'audio/wave', 'audio/wav', 'audio/x-wav', 'audio/ogg',
  'audio/x-audio', 'audio/webm', 'audio/webm;codecs=opus', 'audio/AMR', 'audio/amr', 'audio/AMR-WB', 'audio/AMR-WB+', 'audio/m4a', 'audio/x-m4a'];
const SUPPORTED = ['application/json', ...IMAGE_TYPES, ...AUDIO_TYPES].join(', ');
const normType = (t) => t.split(';')[0].trim().toLowerCase();
const KIND_OF_TYPE = new Map([['application/json', 'json'], ...IMAGE_TYPES.map((t) => [normType(t), 'image']), ...AUDIO_TYPES.map((t) => [normType(t), 'audio'])]);

// Tasks whose `inputs` is media ([TK] base.py AUDIO_INPUT_TASKS, IMAGE_INPUT_TASKS, UNSUPPORTED_MEDIA_TASKS).
const AUDIO_TASKS = new Set(['automatic-speech-recognition', 'audio-classification', 'zero-shot-audio-classification']);
const IMAGE_TASKS = new Set(['image-classification', 'image-segmentation', 'image-to-text', 'image-to-image', 'object-detection',
  'depth-estimation', 'image-feature-extraction', 'mask-generation', 'zero-shot-image-classification', 'zero-shot-object-detection',
  'visual-question-answering', 'document-question-answering', 'image-text-to-text']);
const VIDEO_TASKS = new Set(['video-classification']);
const MEDIA_KEYS = new Set(['inputs', 'images', 'image', 'audios', 'videos', 'url', 'path', 'base64', 'image_url']);
const mediaKindOf = (task) => (AUDIO_TASKS.has(task) ? 'audio' : IMAGE_TASKS.has(task) ? 'image' : VIDEO_TASKS.has(task) ? 'video' : null);

// The deserializer of a Content-Type: 'json' | 'image' | 'audio', or {error}.
// A missing (or empty) Content-Type is read as JSON (the fake's choice, README).
function deserializerOf(contentType, task) {
  if (contentType === undefined || contentType.trim() === '') return 'json';
  const t = normType(contentType);
  if (t === 'application/octet-stream') {
    // Raw bytes say nothing about their type: the task's name decides.
    if (task && (task.includes('audio') || task.includes('speech'))) return 'audio';
    if (task && task.includes('image')) return 'image';
    return { error: `Content type "${contentType}" not supported for task ${task == null ? 'None' : task}. Supported content types are: ${SUPPORTED}` };
  }
  const k = KIND_OF_TYPE.get(t);
  return k || { error: `Content type "${contentType}" not supported. Supported content types are: ${SUPPORTED}` };
}

// base64.b64decode(value, validate=True): the standard alphabet, padding
// only at the end.  Returns a Buffer, or {error} with Python's reason.
function b64decodeStrict(s) {
  if (!/^[\x00-\x7f]*$/.test(s)) return { error: 'string argument should contain only ASCII characters' };
  if (!/^[A-Za-z0-9+/=]*$/.test(s)) return { error: 'Only base64 data is allowed' };
  const m = /^([A-Za-z0-9+/]*)(=*)$/.exec(s);
  if (!m) return { error: s.startsWith('=') ? 'Leading padding not allowed' : 'Discontinuous padding not allowed' };
  const data = m[1].length;
  if (data % 4 === 1) return { error: `Invalid base64-encoded string: number of data characters (${data}) cannot be 1 more than a multiple of 4` };
  if ((data + m[2].length) % 4 !== 0 || (m[2].length && data % 4 === 0)) return { error: 'Incorrect padding' };
  return Buffer.from(s, 'base64');
}

// [TK] base.py decode_media_string_input: every string in a media position
// (the input itself, a list element, a MEDIA_KEYS value) must be base64 media.
// Returns the value with those strings as Buffers, or {error}.
class MediaError { constructor(msg) { this.error = msg; } }
function decodeMedia(task, kind, value, where, isMedia) {
  if (typeof value === 'string') {
    if (!isMedia) return value;
    if (kind === 'video') {
      throw new MediaError(`'${where}' for task '${task}' cannot be a string: transformers would fetch it as a URL or open it as a local file, and the toolkit registers no media type this task's content could be sent as instead.`);
    }
    const contract = `'${where}' for task '${task}' must be the media content itself: either raw bytes sent with a matching audio/* or image/* Content-Type, or a base64-encoded string in a JSON body.`;
    const raw = b64decodeStrict(value);
    if (!Buffer.isBuffer(raw)) throw new MediaError(`${contract} The provided string could not be decoded as base64 (${raw.error}).`);
    // The fake does not look inside the media; only an empty one is refused.
    if (!raw.length) throw new MediaError(`${contract} The decoded bytes are not valid media (no bytes).`);
    return raw;
  }
  if (Array.isArray(value)) return value.map((v, i) => decodeMedia(task, kind, v, `${where}[${i}]`, isMedia));
  if (isPlainObject(value)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeMedia(task, kind, v, `${where}["${k}"]`, MEDIA_KEYS.has(k));
    return out;
  }
  return value;
}

// Query-string parameters of a body without `parameters` ([TK] utils.py
// convert_params_to_int_or_bool: true/false, int, finite float, else string).
function queryParams(ctx) {
  const q = ctx.query;
  const out = {};
  let any = false;
  for (const [k, v] of q) {
    any = true;
    if (v === 'true' || v === 'false') out[k] = v === 'true';
    else if (/^\s*[+-]?\d+(_\d+)*\s*$/.test(v)) out[k] = Number(v.replace(/_/g, ''));
    else if (/^\s*[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][+-]?\d+)?\s*$/.test(v) && Number.isFinite(Number(v.replace(/_/g, '')))) out[k] = Number(v.replace(/_/g, ''));
    else out[k] = v;
  }
  return any ? out : null;
}

const IMAGE_LABELS = ['tabby cat', 'golden retriever', 'teapot', 'sports car', 'daisy'];
const AUDIO_LABELS = ['Speech', 'Music', 'Dog', 'Siren', 'Silence'];
const DETECT_LABELS = ['cat', 'dog', 'person', 'cup', 'chair'];

// Per-task digest of the media: sha256(task ":" hex sha256(bytes)).
const digest = (task, media) => sha256(task + ':' + sha256(media).toString('hex'));
const floor4 = (x) => Math.floor(x * 10000) / 10000;

function topK(params, n) {
  const k = params.top_k;
  if (k == null) return Math.min(5, n);   // transformers' default top_k
  if (!Number.isInteger(k) || k < 1) return { error: `top_k must be a positive integer, got ${JSON.stringify(k)}` };
  return Math.min(k, n);
}

// Scores over every label, summing to at most 1 (floored), highest first.
function classifyMedia(task, media, labels, params) {
  const k = topK(params, labels.length);
  if (typeof k !== 'number') return k;
  const d = digest(task, media);
  const w = labels.map((_, i) => (1 + d[i]) ** 2);
  const sum = w.reduce((a, b) => a + b, 0);
  return labels.map((label, i) => ({ label, score: floor4(w[i] / sum), i }))
    .sort((a, b) => b.score - a.score || a.i - b.i).slice(0, k).map(({ label, score }) => ({ label, score }));
}

const MEDIA = {
  'image-classification': (task, media, params) => classifyMedia(task, media, IMAGE_LABELS, params),
  'audio-classification': (task, media, params) => classifyMedia(task, media, AUDIO_LABELS, params),
  // 1 to 3 boxes in a 640x480 image, scores in (0.5, 1], kept when > threshold (0.5).
  'object-detection': (task, media, params) => {
    const th = params.threshold == null ? 0.5 : params.threshold;
    if (typeof th !== 'number') return { error: `threshold must be a number, got ${JSON.stringify(th)}` };
    const d = digest(task, media);
    const out = [];
    for (let i = 0, n = 1 + (d[0] % 3); i < n; i++) {
      const b = 1 + i * 10;
      const xmin = d.readUInt16BE(b) % 320;
      const ymin = d.readUInt16BE(b + 2) % 240;
      out.push({
        label: DETECT_LABELS[d[b + 4] % DETECT_LABELS.length],
        score: Math.round((0.5 + ((d[b + 5] + 1) / 256) * 0.5) * 10000) / 10000,
        box: { xmin, ymin, xmax: xmin + 1 + (d.readUInt16BE(b + 6) % 320), ymax: ymin + 1 + (d.readUInt16BE(b + 8) % 240) },
      });
    }
    return out.filter((o) => o.score > th).sort((a, b) => b.score - a.score);
  },
  // A caption of max_new_tokens (default 6) words of the fake's vocabulary.
  'image-to-text': (task, media, params, ctx) => {
    const n = params.max_new_tokens == null ? 6 : params.max_new_tokens;
    if (!Number.isInteger(n) || n < 1) return { error: `\`max_new_tokens\` must be greater than 0, but is ${JSON.stringify(n)}.` };
    return [{ generated_text: wordsFor('image-to-text:' + sha256(media).toString('hex'), Math.min(n, ctx.cfg.max_new_tokens_cap)).join(' ') }];
  },
  'automatic-speech-recognition': (task, media) => ({ text: wordsFor('asr:' + sha256(media).toString('hex'), 8).join(' ') }),
};

// Run a served media task on decoded inputs: one media (Buffer) or a list of them.
function runMedia(ep, ctx, inputs, params) {
  const task = ep.model.task;
  const fn = MEDIA[task];
  if (params != null && !isPlainObject(params)) return fail('argument after ** must be a mapping, not ' + (Array.isArray(params) ? 'list' : typeof params));
  const p = params || {};
  const one = (m) => fn(task, m, p, ctx);
  let out;
  if (Buffer.isBuffer(inputs)) out = one(inputs);
  else if (Array.isArray(inputs) && inputs.length && inputs.every(Buffer.isBuffer)) {
    out = [];
    for (const m of inputs) {
      const r = one(m);
      if (r && r.error) return fail(r.error);
      out.push(r);
    }
  } else {
    return fail(`hf_fake: task ${task} takes "inputs" as one base64 ${mediaKindOf(task)} string or a list of them`);
  }
  if (out && out.error) return fail(out.error);
  return json(200, out);
}

// A binary body (Content-Type image/*, audio/*, application/octet-stream).
function mediaBody(ep, ctx, kind, contentType) {
  const task = ep.model.task;
  const want = mediaKindOf(task);
  const a = kind === 'image' ? 'an image' : 'audio';
  if (!ctx.body.length) {
    return fail(`The request body is empty: task ${task} needs the ${kind} itself, as raw bytes with a matching Content-Type or base64 in a JSON "inputs"`);
  }
  if (want === null || want === 'video') return fail(`Content type "${contentType}" carries ${a}, but task ${task == null ? 'None' : task} does not take ${kind} input: send a JSON body`);
  if (want !== kind) {
    return fail(`Content type "${contentType}" carries ${a}, but task ${task} takes ${want === 'image' ? 'an image' : 'audio'}: send the ${want} as raw bytes with a matching ${want}/* Content-Type, or base64 in a JSON "inputs"`);
  }
  if (!MEDIA[task]) return fail(`hf_fake serves no ${task} pipeline (media tasks served: ${Object.keys(MEDIA).join(', ')})`);
  const params = queryParams(ctx);
  return runMedia(ep, ctx, ctx.body, params);
}

// A JSON body for a media task: strings in media positions are base64 media.
// Returns a response, or null to go on with the JSON body (other media tasks: tasks.js).
function mediaJson(ep, ctx) {
  const task = ep.model.task;
  const kind = mediaKindOf(task);
  let body;
  try {
    body = JSON.parse(ctx.bodyText);
  } catch (e) {
    return fail('Body needs to be a valid JSON');
  }
  if (!isPlainObject(body) || (!('inputs' in body) && !('instances' in body))) {
    return fail(`Body needs to provide a inputs key, received: b'${JSON.stringify(body)}'`);
  }
  let params = 'parameters' in body ? body.parameters : queryParams(ctx);
  let decoded;
  try {
    for (const key of ['inputs', 'instances']) if (key in body) decoded = decodeMedia(task, kind, body[key], key, true);
    if (params != null) params = decodeMedia(task, kind, params, 'parameters', false);
  } catch (e) {
    if (e instanceof MediaError) return fail(e.error);
    throw e;
  }
  if (!MEDIA[task]) return null;
  return runMedia(ep, ctx, 'inputs' in body ? decoded : body, params);
}

const OWN = {
  'text-generation': generation,
  'text2text-generation': generation,
  'sentence-embeddings': sentenceEmbeddings,
  'feature-extraction': featureExtraction,
  'sentence-similarity': sentenceSimilarity,
};

function predict(state, ep, ctx) {
  const task = ep.model.task;
  const contentType = ctx.headers['content-type'];
  const kind = deserializerOf(contentType, task);
  if (typeof kind !== 'string') return fail(kind.error);
  if (kind !== 'json') return mediaBody(ep, ctx, kind, contentType);
  if (mediaKindOf(task)) {
    const r = mediaJson(ep, ctx);
    if (r) return r;
  }
  const own = OWN[task];
  if (!own) return tasks.handle(state, ep, ctx);   // other tasks: tasks.js
  let body;
  try {
    body = JSON.parse(ctx.bodyText);
  } catch (e) {
    return fail('Body needs to be a valid JSON');
  }
  if (!isPlainObject(body) || (!('inputs' in body) && !('instances' in body))) {
    return fail(`Body needs to provide a inputs key, received: b'${JSON.stringify(body)}'`);
  }
  return own(ep, ctx, body);
}

function handle(state, ep, ctx) {
  const { method, route } = ctx;
  if (route === '/' || route === '/predict') {
    if (method === 'POST') return predict(state, ep, ctx);
    return text(405, 'Method Not Allowed');
  }
  return text(404, 'Not Found');
}

const engine = {
  name: 'toolkit',
  handle,
  // [TK] webservice_starlette.py health: PlainTextResponse("Ok").
  health: (ctx, status) => (status === 200 ? text(200, 'Ok') : json(status, { error: 'unhealthy', error_type: 'healthcheck' })),
  overloaded: () => json(429, { error: 'Model is overloaded' }),
  notFound: () => text(404, 'Not Found'),
  headers: null,
};

module.exports = { engine, handle, GEN_KEYS, pyRepr };
