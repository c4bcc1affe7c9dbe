'use strict';
// JSON helpers that imitate the Rust servers the fake stands in for.
//
// TGI and TEI are axum services that deserialise bodies with serde_json +
// serde_path_to_error, so a bad body gets a message such as
//   parameters.temperature: invalid type: string "x", expected f32 at line 1 column 42
// (doc/protocol.md §6.6, axum rejection shape).  To reproduce the path and the line/column
// we parse with a small position-tracking parser instead of JSON.parse, and
// deserialise the resulting node tree against a schema that mirrors the Rust
// structs.  The same parser keeps number literals verbatim, so u64 seeds
// (doc/protocol.md §7.3) and canonical request dumps never lose precision.

// Errors are thrown for every bad body (and by T.untagged while it tries its
// variants), so they skip the stack trace: nobody prints it.
class JsonSyntaxError extends Error {
  constructor(msg) {
    const lim = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(msg);
    Error.stackTraceLimit = lim;
  }
}
class DeserError extends Error {
  constructor(path, msg, pos) {
    const lim = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(msg);
    Error.stackTraceLimit = lim;
    this.path = path;
    this.detail = msg;
    this.pos = pos;
  }
}

// ---------------------------------------------------------------- parsing
// Node: {k: 'object'|'array'|'string'|'number'|'bool'|'null', v, raw, s, e,
//        fields: [[key, node], ...] (object), items: [node] (array)}
//
// The parser keeps its position in module variables (parse() is never
// re-entered) so that a parse allocates nothing but the nodes.

let P_text = '';
let P_i = 0;
let P_n = 0;

function pfail(msg, at) {
  const err = new JsonSyntaxError(msg);
  err.pos = at === undefined ? P_i : at;
  err.text = P_text;
  throw err;
}

function pws() {
  const text = P_text;
  const n = P_n;
  let i = P_i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else break;
  }
  P_i = i;
}

const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX4 = /^[0-9a-fA-F]{4}$/;

// P_text[P_i] === '"'
function pstr() {
  const text = P_text;
  const n = P_n;
  let i = P_i + 1;
  let out = '';
  let start = i;
  for (;;) {
    if (i >= n) { P_i = i; pfail('EOF while parsing a string', n); }
    const c = text.charCodeAt(i);
    if (c === 34) { P_i = i + 1; return out + text.slice(start, i); }
    if (c < 32) { P_i = i; pfail('control character (\\u0000-\\u001F) found while parsing a string', i + 1); }
    if (c === 92) {
      out += text.slice(start, i);
      const esc = text[i + 1];
      if (esc !== undefined && Object.prototype.hasOwnProperty.call(ESCAPES, esc)) { out += ESCAPES[esc]; i += 2; } else if (esc === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!HEX4.test(hex)) { P_i = i; pfail('invalid escape', i + 2); }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else { P_i = i; pfail('invalid escape', i + 2); }
      start = i;
      continue;
    }
    i++;
  }
}

function isDigit(c) {
  return c >= 48 && c <= 57;
}

// Number literal at P_i: the longest prefix of the next 400 characters that
// matches -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or -1.
function numberEnd(text, s, lim) {
  let j = s;
  if (j < lim && text.charCodeAt(j) === 45) j++;
  if (j >= lim) return -1;
  let c = text.charCodeAt(j);
  if (c === 48) j++;
  else if (c >= 49 && c <= 57) { j++; while (j < lim && isDigit(text.charCodeAt(j))) j++; } else return -1;
  if (j + 1 < lim && text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
    j += 2;
    while (j < lim && isDigit(text.charCodeAt(j))) j++;
  }
  if (j < lim) {
    c = text.charCodeAt(j);
    if (c === 101 || c === 69) {
      let k = j + 1;
      if (k < lim) { const d = text.charCodeAt(k); if (d === 43 || d === 45) k++; }
      if (k < lim && isDigit(text.charCodeAt(k))) {
        k++;
        while (k < lim && isDigit(text.charCodeAt(k))) k++;
        j = k;
      }
    }
  }
  return j;
}

const LITERALS = {
  t: ['true', 'bool', true],
  f: ['false', 'bool', false],
  n: ['null', 'null', null],
};

function pvalue(depth) {
  if (depth > 128) pfail('recursion limit exceeded');
  pws();
  const text = P_text;
  const n = P_n;
  if (P_i >= n) pfail('EOF while parsing a value', n);
  const s = P_i;
  const cc = text.charCodeAt(s);
  if (cc === 123) {   // {
    P_i++;
    const fields = [];
    pws();
    if (text.charCodeAt(P_i) === 125) { P_i++; return { k: 'object', fields, s, e: P_i }; }
    for (;;) {
      pws();
      if (P_i >= n) pfail('EOF while parsing an object', n);
      if (text.charCodeAt(P_i) !== 34) pfail(text[P_i] === '}' ? 'trailing comma' : 'key must be a string', P_i + 1);
      const key = pstr();
      pws();
      if (P_i >= n) pfail('EOF while parsing an object', n);
      if (text.charCodeAt(P_i) !== 58) pfail('expected `:`', P_i + 1);
      P_i++;
      fields.push([key, pvalue(depth + 1)]);
      pws();
      if (P_i >= n) pfail('EOF while parsing an object', n);
      const d = text.charCodeAt(P_i);
      if (d === 44) { P_i++; continue; }
      if (d === 125) { P_i++; return { k: 'object', fields, s, e: P_i }; }
      pfail('expected `,` or `}`', P_i + 1);
    }
  }
  if (cc === 91) {   // [
    P_i++;
    const items = [];
    pws();
    if (text.charCodeAt(P_i) === 93) { P_i++; return { k: 'array', items, s, e: P_i }; }
    for (;;) {
      pws();
      if (text.charCodeAt(P_i) === 93 && items.length) pfail('trailing comma', P_i + 1);
      items.push(pvalue(depth + 1));
      pws();
      if (P_i >= n) pfail('EOF while parsing a list', n);
      const d = text.charCodeAt(P_i);
      if (d === 44) { P_i++; continue; }
      if (d === 93) { P_i++; return { k: 'array', items, s, e: P_i }; }
      pfail('expected `,` or `]`', P_i + 1);
    }
  }
  if (cc === 34) {
    const v = pstr();
    return { k: 'string', v, s, e: P_i };
  }
  if (cc === 116 || cc === 102 || cc === 110) {   // t f n
    const [lit, k, v] = LITERALS[text[s]];
    if (text.startsWith(lit, s)) { P_i = s + lit.length; return { k, v, s, e: P_i }; }
    let j = 1;
    while (j < lit.length && text[s + j] === lit[j]) j++;
    if (s + j >= n) pfail('EOF while parsing a value', n);
    pfail('expected ident', s + j + 1);
  }
  if (cc === 45 || (cc >= 48 && cc <= 57)) {
    const end = numberEnd(text, s, Math.min(n, s + 400));
    if (end < 0) pfail('invalid number', s + 1);
    const raw = text.slice(s, end);
    P_i = end;
    let isFloat = false;
    for (let j = s; j < end; j++) {
      const d = text.charCodeAt(j);
      if (d === 46 || d === 101 || d === 69) { isFloat = true; break; }
    }
    return { k: 'number', v: Number(raw), raw, isFloat, s, e: end };
  }
  pfail('expected value', s + 1);
}

function parse(text) {
  P_text = text;
  P_i = 0;
  P_n = text.length;
  try {
    const root = pvalue(0);
    pws();
    if (P_i < P_n) pfail('trailing characters', P_i + 1);
    return root;
  } finally {
    P_text = '';
  }
}

function lineCol(text, pos) {
  let line = 1;
  let ls = 0;
  for (let j = 0; j < pos && j < text.length; j++) if (text.charCodeAt(j) === 10) { line++; ls = j + 1; }
  return `line ${line} column ${Math.max(0, pos - ls)}`;
}

// Node -> plain JS value (u64-looking integers above 2^53 stay exact as strings
// only where a schema asks for them; here they become Numbers).
function toValue(node) {
  switch (node.k) {
    case 'object': {
      const o = {};
      for (const [k, v] of node.fields) o[k] = toValue(v);
      return o;
    }
    case 'array': return node.items.map(toValue);
    default: return node.v;
  }
}

// Canonical JSON (keys sorted, no whitespace, number literals verbatim).
function canonicalNode(node) {
  switch (node.k) {
    case 'object': {
      const m = new Map();
      for (const [k, v] of node.fields) m.set(k, v);
      const keys = [...m.keys()].sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalNode(m.get(k))).join(',') + '}';
    }
    case 'array': return '[' + node.items.map(canonicalNode).join(',') + ']';
    case 'number': return node.raw;
    default: return JSON.stringify(node.v);
  }
}

function canonical(text) {
  return canonicalNode(parse(text));
}

// Canonical JSON of a JS value (keys sorted).
function canonicalValue(v) {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return Number.isFinite(v) ? '' + v : 'null';
    case 'object': break;
    default: return JSON.stringify(v === undefined ? null : v);
  }
  if (Array.isArray(v)) return '[' + v.map(canonicalValue).join(',') + ']';
  return canonicalObject(v, sortedKeys(Object.keys(v)));
}

// JSON.stringify(key), remembered: objects share a handful of key names.
const quotedKeys = new Map();
function quoteKey(k) {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quotedKeys.size >= 10000) quotedKeys.clear();
    quotedKeys.set(k, q);
  }
  return q;
}

function canonicalObject(v, keys) {
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = v[k];
    if (x === undefined) continue;
    if (out.length > 1) out += ',';
    out += quoteKey(k) + ':' + canonicalValue(x);
  }
  return out + '}';
}

// keys, sorted in place unless they already are.
function sortedKeys(keys) {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

// ------------------------------------------------------- serde emulation
// A schema type is {name, de(node, path) -> value}.  Errors carry the serde
// path (`a.b[0].c`) and the node end offset, which serde_json reports.

function rustDebugString(s) {
  return '"' + s.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' }[c])) + '"';
}

function unexpected(node) {
  switch (node.k) {
    case 'string': return `string ${rustDebugString(node.v)}`;
    case 'number':
      if (node.isFloat) return `floating point \`${Number.isInteger(node.v) ? node.v.toFixed(1) : node.v}\``;
      return `integer \`${node.raw}\``;
    case 'bool': return `boolean \`${node.v}\``;
    case 'null': return 'null';
    case 'array': return 'sequence';
    default: return 'map';
  }
}

const typeErr = (node, path, expected) => new DeserError(path, `invalid type: ${unexpected(node)}, expected ${expected}`, node.e);
const join = (path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

const T = {};
// `kind`: the only node kind a type accepts (T.untagged skips the others without a throw).
T.string = { name: 'a string', kind: 'string', de(node, path) { if (node.k !== 'string') throw typeErr(node, path, 'a string'); return node.v; } };
T.bool = { name: 'a boolean', de(node, path) { if (node.k !== 'bool') throw typeErr(node, path, 'a boolean'); return node.v; } };
T.any = { name: 'any valid JSON value', de(node) { return toValue(node); } };
T.f32 = { name: 'f32', de(node, path) { if (node.k !== 'number') throw typeErr(node, path, 'f32'); return Math.fround(node.v); } };
T.f64 = { name: 'f64', de(node, path) { if (node.k !== 'number') throw typeErr(node, path, 'f64'); return node.v; } };
function intType(name, min, max, asString) {
  // Literals of at most 15 characters are exact doubles: compare them as numbers.
  const minN = Number(min);
  const maxN = Number(max);
  return {
    name,
    de(node, path) {
      if (node.k !== 'number' || node.isFloat) throw typeErr(node, path, name);
      const raw = node.raw;
      if (raw.length <= 15) {
        const x = node.v;
        if (x < minN || x > maxN) throw new DeserError(path, `invalid value: integer \`${raw}\`, expected ${name}`, node.e);
        return asString ? raw : x;
      }
      const b = BigInt(raw);
      if (b < min || b > max) throw new DeserError(path, `invalid value: integer \`${raw}\`, expected ${name}`, node.e);
      return asString ? raw : Number(raw);
    },
  };
}
T.u32 = intType('u32', 0n, 4294967295n);
T.i32 = intType('i32', -2147483648n, 2147483647n);
T.usize = intType('usize', 0n, 18446744073709551615n);
// u64 kept as its decimal text: seeds exceed double precision (doc/protocol.md §7.3).
T.u64 = intType('u64', 0n, 18446744073709551615n, true);
T.opt = (t) => ({ name: t.name, optional: true, de(node, path) { return node.k === 'null' ? null : t.de(node, path); } });
T.vec = (t) => ({
  name: 'a sequence',
  kind: 'array',
  de(node, path) {
    if (node.k !== 'array') throw typeErr(node, path, 'a sequence');
    return node.items.map((it, idx) => t.de(it, join(path, idx)));
  },
});
T.map = (t) => ({
  name: 'a map',
  de(node, path) {
    if (node.k !== 'object') throw typeErr(node, path, 'a map');
    const o = {};
    for (const [k, v] of node.fields) o[k] = t.de(v, join(path, k));
    return o;
  },
});
// Field that may be missing (default) but not null unless wrapped in opt().
T.dflt = (t, d) => ({ name: t.name, hasDefault: true, dflt: d, de: t.de.bind(t) });
T.enum = (variants) => ({
  name: 'variant identifier',
  de(node, path) {
    if (node.k !== 'string') throw typeErr(node, path, 'variant identifier');
    if (!variants.includes(node.v)) {
      throw new DeserError(path, `unknown variant \`${node.v}\`, expected one of ${variants.map((v) => '`' + v + '`').join(', ')}`, node.e);
    }
    return node.v;
  },
});
T.untagged = (enumName, types) => ({
  name: enumName,
  de(node, path) {
    for (const t of types) {
      if (t.kind !== undefined && node.k !== t.kind) continue;
      try { return t.de(node, path); } catch (e) { if (!(e instanceof DeserError)) throw e; }
    }
    throw new DeserError(path, `data did not match any variant of untagged enum ${enumName}`, node.e);
  },
});
// Struct with serde defaults: fields = {name: type}; a type without opt/dflt is required.
T.struct = (structName, fields) => {
  const entries = Object.entries(fields);
  const name = `struct ${structName}`;
  return {
    name,
    de(node, path) {
      if (node.k !== 'object') throw typeErr(node, path, name);
      const nf = node.fields;
      const out = {};
      for (let i = 0; i < nf.length; i++) {
        const k = nf[i][0];
        // own fields only: a key such as "constructor" is unknown, not Object's
        if (Object.prototype.hasOwnProperty.call(fields, k)) out[k] = fields[k].de(nf[i][1], join(path, k));
      }
      for (let i = 0; i < entries.length; i++) {
        const k = entries[i][0];
        const t = entries[i][1];
        if (hasField(nf, k)) continue;
        if (t.hasDefault) out[k] = typeof t.dflt === 'function' ? t.dflt() : t.dflt;
        else if (t.optional) out[k] = null;
        else throw new DeserError(path, `missing field \`${k}\``, node.e);
      }
      return out;
    },
  };
};
function hasField(nf, k) {
  for (let i = 0; i < nf.length; i++) if (nf[i][0] === k) return true;
  return false;
}
// Adjacently tagged enum {"type": variant, "value": ...} (TGI GrammarType).
T.tagged = (tag, content, variants, aliases) => ({
  name: 'adjacently tagged enum',
  de(node, path) {
    if (node.k !== 'object') throw typeErr(node, path, `adjacently tagged enum`);
    const f = new Map(node.fields);
    if (!f.has(tag)) throw new DeserError(path, `missing field \`${tag}\``, node.e);
    let tn = f.get(tag);
    const names = Object.keys(variants);
    if (tn.k === 'string' && aliases && aliases[tn.v]) tn = { ...tn, v: aliases[tn.v] };
    if (tn.k !== 'string' || !names.includes(tn.v)) {
      if (tn.k !== 'string') throw typeErr(tn, join(path, tag), 'variant identifier');
      throw new DeserError(join(path, tag), `unknown variant \`${tn.v}\`, expected one of ${names.map((v) => '`' + v + '`').join(', ')}`, tn.e);
    }
    const t = variants[tn.v];
    if (t === null) return { [tag]: tn.v };
    if (!f.has(content)) throw new DeserError(path, `missing field \`${content}\``, node.e);
    return { [tag]: tn.v, [content]: t.de(f.get(content), join(path, content)) };
  },
});

// Deserialise `text` against `schema`; returns {ok, value, node} or
// {ok:false, syntax:bool, message} with the axum-style message body.
function deserialize(text, schema) {
  let node;
  try {
    node = parse(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, syntax: true, message: `${e.message} at ${lineCol(text, e.pos)}` };
  }
  try {
    return { ok: true, value: schema.de(node, ''), node };
  } catch (e) {
    if (!(e instanceof DeserError)) throw e;
    const where = lineCol(text, e.pos);
    return { ok: false, syntax: false, node, message: `${e.path ? e.path + ': ' : ''}${e.detail} at ${where}` };
  }
}

function tryParse(text) {
  try { return { ok: true, node: parse(text) }; } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, message: `${e.message} at ${lineCol(text, e.pos)}` };
  }
}

module.exports = { parse, tryParse, toValue, canonical, canonicalNode, canonicalValue, canonicalObject, sortedKeys, deserialize, unexpected, T, JsonSyntaxError, DeserError };
