'use strict';
// Small shared helpers: response objects, hashing, time.
//
// Handlers never write to the socket themselves.  They return a response
// object {status, headers, body} (body: string | Buffer | undefined) or a
// streaming one {status, headers, stream(res) -> Promise}.  server.js writes
// it, unless a fault (faults.js) decides to mangle it first.

const crypto = require('crypto');

function json(status, obj, headers) {
  return { status, headers: { 'content-type': 'application/json', ...(headers || {}) }, body: JSON.stringify(obj) };
}

function text(status, body, contentType, headers) {
  return { status, headers: { 'content-type': contentType || 'text/plain; charset=utf-8', ...(headers || {}) }, body };
}

function empty(status, headers) {
  return { status, headers: { ...(headers || {}) }, body: '' };
}

// Management API error body, spec §2 / §5.1: {"error": "..."}.
function apiError(status, message, headers) {
  return json(status, { error: message }, headers);
}

function sha256(s) {
  return crypto.createHash('sha256').update(s).digest();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// RFC 3339, by default with 3 fractional digits, e.g. 2025-03-07T15:30:13.949Z.
// The real API also sends 0 or 9 digits (spec §7.1); extra digits are a fixed
// non-zero filler so that a client truncating them is noticed.
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

module.exports = { json, text, empty, apiError, sha256, sleep, isoTime, hexId, isPlainObject, words };
