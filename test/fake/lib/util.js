'use strict';
// Small shared helpers: response objects, hashing, time.
//
// Handlers never write to the socket themselves.  They return a response
// object {status, headers, body} (body: string | Buffer | undefined) or a
// streaming one {status, headers, stream(res) -> Promise}.  server.js writes
// it, unless a fault (faults.js) decides to mangle it first.

const crypto = require('crypto');

function json(status, obj, headers) {
  const h = headers ? { 'content-type': 'application/json', ...headers } : { 'content-type': 'application/json' };
  return { status, headers: h, body: JSON.stringify(obj) };
}

function text(status, body, contentType, headers) {
  const ct = contentType || 'text/plain; charset=utf-8';
  return { status, headers: headers ? { 'content-type': ct, ...headers } : { 'content-type': ct }, body };
}

function empty(status, headers) {
  return { status, headers: headers ? { ...headers } : {}, body: '' };
}

// Management API error body, doc/protocol.md §2 / §5.1: {"error": "..."}.
function apiError(status, message, headers) {
  return json(status, { error: message }, headers);
}

// crypto.hash (Node >= 20.12) is the one-shot form, several times cheaper
// than createHash for the short strings hashed per request.
// sha256Bytes returns the digest as a 32-character latin1 string (charCodeAt(i)
// is byte i), which is much cheaper to produce than a Buffer.
const sha256 = typeof crypto.hash === 'function'
  ? (s) => crypto.hash('sha256', s, 'buffer')
  : (s) => crypto.createHash('sha256').update(s).digest();
const sha256Bytes = typeof crypto.hash === 'function'
  ? (s) => crypto.hash('sha256', s, 'latin1')
  : (s) => crypto.createHash('sha256').update(s).digest('latin1');

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// RFC 3339, by default with 3 fractional digits, e.g. 2025-03-07T15:30:13.949Z.
// The real API also sends 0 or 9 digits (doc/protocol.md §7.1); extra digits
// are a fixed non-zero filler so that a client truncating them is noticed.
function isoTime(ms, digits) {
  const iso = new Date(ms).toISOString();
  if (digits === undefined || digits === 3) return iso;
  if (digits === 0) return iso.slice(0, 19) + 'Z';
  return iso.slice(0, 23) + '078506'.slice(0, digits - 3) + 'Z';
}

// Deterministic 24-hex-digit id (Hub ids look like 6273f303f6d63a28483fde12).
function hexId(seed) {
  return sha256(seed).toString('hex').slice(0, 24);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function words(s) {
  return s.split(/\s+/).filter(Boolean);
}

// Code units matched by the JavaScript regex class \s.
function isSpace(c) {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

// words(s).length without building the list.
function countWords(s) {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    if (isSpace(s.charCodeAt(i))) inWord = false;
    else if (!inWord) { inWord = true; n++; }
  }
  return n;
}

module.exports = { json, text, empty, apiError, sha256, sha256Bytes, sleep, isoTime, hexId, isPlainObject, words, countWords, isSpace };
