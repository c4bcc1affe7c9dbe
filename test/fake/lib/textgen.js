'use strict';
// Deterministic "model": words picked from a fixed vocabulary by a sha256 of
// the canonical inputs + generation parameters.  max_new_tokens and stop are
// not part of the key, so a shorter generation is a prefix of a longer one,
// as with a real greedy decoder.
//
// Special prompts (README "Special prompts"):
//   echo:<text>  generates exactly <text> (UTF-8 round trips)
//   nul:<...>    generates text containing a U+0000 character
//   fail:<...>   the request fails with TGI 424 {"error_type":"generation"}

const { sha256Bytes, countWords } = require('./util');
const { canonicalObject, sortedKeys } = require('./json');

const VOCAB = [
  'the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'and', 'then', 'ran', 'to', 'garden', 'house', 'big', 'small', 'red',
  'blue', 'green', 'happy', 'quiet', 'river', 'tree', 'bird', 'sang', 'song', 'morning', 'night', 'sun', 'moon', 'star', 'over', 'under',
  'with', 'friend', 'book', 'read', 'wrote', 'letter', 'city', 'road', 'long', 'short', 'old', 'new', 'day', 'time', 'world', 'light',
  'water', 'stone', 'wind', 'cloud', 'rain', 'snow', 'warm', 'cold', 'bright', 'dark', 'slow', 'fast', 'good', 'kind', 'we', 'they',
];

// Returns {tokens: [string], text, finish} for `count` words from `key`.
function wordsFor(key, count) {
  const out = [];
  let block = 0;
  while (out.length < count) {
    const h = sha256Bytes(key + '#' + block++);
    for (let i = 0; i < h.length && out.length < count; i++) out.push(VOCAB[h.charCodeAt(i) & 63]);
  }
  return out;
}

// canonicalValue({prompt, ...keyParams}).  Callers pass objects of the same
// few shapes, so the sorted key order is remembered per shape.
const keyOrders = new Map();   // number of keys -> {src: keys in insertion order, sorted}

function sameKeys(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function keyOf(prompt, keyParams) {
  const own = Object.keys(keyParams);
  let order = keyOrders.get(own.length);
  if (!order || !sameKeys(order.src, own)) {
    const all = own.includes('prompt') ? own.slice() : own.concat('prompt');
    order = { src: own, sorted: sortedKeys(all) };
    keyOrders.set(own.length, order);
  }
  const obj = { prompt, ...keyParams };
  return canonicalObject(obj, order.sorted);
}

// Generate text.  prompt: the input; keyParams: params that change the
// output; maxTokens: requested limit or null; stop: [string].
// Returns {text, tokens: [tokenText], finish: 'length'|'eos_token'|'stop_sequence', special}.
function generate({ prompt, keyParams, maxTokens, stop, cfg, leadingSpace }) {
  const stops = (stop || []).filter((s) => s.length > 0);
  if (prompt.startsWith('fail:')) return { fail: true };
  if (prompt.startsWith('echo:')) {
    let t = prompt.slice(5);
    let finish = 'eos_token';
    let cut = -1;
    for (const s of stops) {
      const i = t.indexOf(s);
      if (i >= 0 && (cut < 0 || i + s.length < cut)) cut = i + s.length;
    }
    if (cut >= 0) { t = t.slice(0, cut); finish = 'stop_sequence'; }
    const toks = t.length ? t.match(/\s*\S+|\s+$/g) || [t] : [];
    return { text: t, tokens: toks, finish };
  }
  const limit = Math.min(maxTokens === null || maxTokens === undefined ? cfg.max_new_tokens_default : maxTokens, cfg.max_new_tokens_cap);
  const ws = wordsFor(keyOf(prompt, keyParams), limit);
  if (prompt.startsWith('nul:') && ws.length) ws[0] = ws[0] + '\u0000' + 'nul';
  const tokens = [];
  let t = '';
  let finish = maxTokens !== null && maxTokens !== undefined && limit === maxTokens ? 'length' : 'eos_token';
  for (let i = 0; i < ws.length; i++) {
    const tok = (i === 0 && !leadingSpace ? '' : ' ') + ws[i];
    tokens.push(tok);
    t += tok;
    if (stops.some((s) => t.includes(s))) { finish = 'stop_sequence'; break; }
  }
  return { text: t, tokens, finish };
}

// Deterministic token id / logprob for a token text (details objects, doc/protocol.md §6.1).
// Memoised: generated tokens come from a 64-word vocabulary.  Callers never
// modify the returned object.
const tokenCache = new Map();
function tokenInfo(tok) {
  let r = tokenCache.get(tok);
  if (r === undefined) {
    const h = sha256Bytes('tok:' + tok);
    r = { id: ((h.charCodeAt(0) << 8) | h.charCodeAt(1)) % 50257, logprob: -Math.round((h.charCodeAt(2) / 255) * 4000) / 1000 };
    if (tokenCache.size >= 20000) tokenCache.clear();
    tokenCache.set(tok, r);
  }
  return r;
}

function countTokens(s) {
  if (!s) return 0;
  return countWords(s) || 1;
}

module.exports = { generate, tokenInfo, countTokens, VOCAB, wordsFor };
