'use strict';
// Hugging Face Inference Toolkit (image `huggingface`, `huggingfaceNeuron`),
// doc/protocol.md §9.3, §9.5, §9.6
// ([TK] webservice_starlette.py, handler.py, sentence_transformers_utils.py).
//   GET  /  /health       200 text/plain "Ok" (dataplane.js health())
//   POST /  /predict      {"inputs", "parameters"?} -> the pipeline of model.task
//   anything else         404 text/plain "Not Found" (Starlette); GET /predict 405
// Every failure is 400 {"error": "<exception text>"}.
//
// text-generation / text2text-generation generate the fake TGI's text
// (textgen.js with tgi.js's key parameters): the toolkit's {"inputs": p,
// "parameters": P} gives the same generated part as TGI's POST / with the
// same {"inputs": p, "parameters": P}.  sentence-embeddings answers tei.js
// vectors, feature-extraction token-level vectors; the other tasks are
// tasks.js's.

const { json, text, isPlainObject, words } = require('./util');
const { generate, countTokens } = require('./textgen');
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

const OWN = {
  'text-generation': generation,
  'text2text-generation': generation,
  'sentence-embeddings': sentenceEmbeddings,
  'feature-extraction': featureExtraction,
  'sentence-similarity': sentenceSimilarity,
};

function predict(state, ep, ctx) {
  const own = OWN[ep.model.task];
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
