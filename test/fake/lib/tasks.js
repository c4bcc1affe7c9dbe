'use strict';
// Other tasks, served the way the Hugging Face inference toolkit does:
// POST {url}/ with {"inputs": ..., "parameters"?: ...} -> task-shaped JSON.
// Outputs are deterministic functions of the inputs.  Errors: 400 {"error"}.

const { json, apiError, sha256, isPlainObject } = require('./util');
const { wordsFor } = require('./textgen');
const { canonicalValue } = require('./json');

function score(s, salt) {
  const h = sha256(salt + ':' + s);
  return Math.round((0.5 + (h.readUInt16BE(0) / 65535) * 0.5) * 10000) / 10000;   // [0.5, 1]
}

function words(s, n) {
  return wordsFor(canonicalValue(s), n).join(' ');
}

function classify(s, labels) {
  const top = score(s, 'cls');
  const idx = sha256('pick:' + s)[0] % labels.length;
  const rest = labels.filter((_, i) => i !== idx);
  const share = Math.round(((1 - top) / rest.length) * 10000) / 10000;
  return [{ label: labels[idx], score: top }, ...rest.map((l) => ({ label: l, score: share }))];
}

const TASKS = {
  'text-classification': (inputs) => {
    const one = (s) => classify(String(s), ['POSITIVE', 'NEGATIVE']);
    return Array.isArray(inputs) ? inputs.map(one) : [one(inputs)];
  },
  'zero-shot-classification': (inputs, params) => {
    const labels = params && params.candidate_labels;
    if (!Array.isArray(labels) || !labels.length) return { error: 'The `candidate_labels` parameter is required' };
    const c = classify(String(inputs), labels.map(String));
    return { sequence: String(inputs), labels: c.map((x) => x.label), scores: c.map((x) => x.score) };
  },
  summarization: (inputs) => (Array.isArray(inputs) ? inputs : [inputs]).map((s) => ({ summary_text: words(s, 8) })),
  translation: (inputs) => (Array.isArray(inputs) ? inputs : [inputs]).map((s) => ({ translation_text: words(s, 6) })),
  'fill-mask': (inputs) => {
    const s = String(inputs);
    const mask = s.includes('<mask>') ? '<mask>' : s.includes('[MASK]') ? '[MASK]' : null;
    if (!mask) return { error: 'No mask_token ([MASK]) found on the input' };
    return wordsFor('mask:' + s, 3).map((w, i) => ({
      score: Math.round((0.6 / (i + 1)) * 10000) / 10000, token: sha256('tok:' + w).readUInt16BE(0), token_str: w, sequence: s.replace(mask, w),
    }));
  },
  'token-classification': (inputs) => {
    const s = String(inputs);
    const out = [];
    const re = /\b[A-Z][a-zA-Z]+\b/g;
    let m;
    while ((m = re.exec(s)) !== null) {
      const groups = ['PER', 'ORG', 'LOC', 'MISC'];
      out.push({ entity_group: groups[sha256(m[0])[0] % 4], score: score(m[0], 'ner'), word: m[0], start: m.index, end: m.index + m[0].length });
    }
    return out;
  },
  'question-answering': (inputs) => {
    if (!isPlainObject(inputs) || typeof inputs.question !== 'string' || typeof inputs.context !== 'string') {
      return { error: 'question-answering expects inputs {"question": str, "context": str}' };
    }
    const ctxWords = inputs.context.split(' ');
    const idx = sha256('qa:' + inputs.question)[0] % Math.max(ctxWords.length, 1);
    const answer = ctxWords[idx] || '';
    const start = ctxWords.slice(0, idx).join(' ').length + (idx ? 1 : 0);
    return { score: score(inputs.question, 'qa'), start, end: start + answer.length, answer };
  },
  'table-question-answering': (inputs) => ({ answer: words(inputs, 2), coordinates: [[0, 0]], cells: [words(inputs, 1)], aggregator: 'NONE' }),
  'sentence-ranking': (inputs) => (Array.isArray(inputs) ? inputs : [inputs]).map((s) => score(canonicalValue(s), 'rank')),
};

function handle(state, ep, ctx) {
  if (ctx.method !== 'POST' || (ctx.route !== '/' && ctx.route !== '/predict')) return { status: 404, headers: {}, body: '' };
  let body;
  try {
    body = JSON.parse(ctx.bodyText);
  } catch (e) {
    return apiError(400, 'Body needs to be a valid JSON');
  }
  const fn = TASKS[ep.model.task];
  if (!fn) return json(200, { echo: body });   // custom / unknown task
  if (!isPlainObject(body) || body.inputs === undefined) return apiError(400, 'Body needs to provide a inputs key');
  const out = fn(body.inputs, body.parameters);
  if (out && out.error) return apiError(400, out.error);
  return json(200, out);
}

module.exports = { handle };
